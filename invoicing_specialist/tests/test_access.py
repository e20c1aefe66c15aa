"""Access: Odoo's own groups keep working, managers change the settings, auditors see only what they may do."""
import ast
import xmlrpc.client
from pathlib import Path

from lxml import etree

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, TransactionCase, new_test_user, tagged
from odoo.tools.misc import file_open
from odoo.tools.safe_eval import safe_eval

from ..wizards.ispec_settings import SETTINGS_FIELDS
from .match_common import MatchCase

X2MANY = ("one2many", "many2many")


class WebClientCase(MatchCase):
    """Open records the way the web client does: get_views with the action's views, then web_read /
    web_search_read / onchange with the field specification the client builds from the arch."""

    @classmethod
    def _user(cls, login, groups, company=None):
        company = company or cls.env.company
        return new_test_user(cls.env, login, groups=groups, company_id=company.id,
                             company_ids=[Command.set(company.ids)])

    @classmethod
    def _spec(cls, node, model, models):
        """The specification getFieldsSpec (web/static/src/model/relational_model/utils.js) builds for
        the <field> nodes of ``node`` at its own level: many2one with display_name, x2many with the
        fields of their inline list (or kanban) view, many2many tags with display_name."""
        spec = {}
        infos = models[model]["fields"]
        level = len(node.xpath("ancestor-or-self::field"))
        for field_node in node.xpath(f".//field[count(ancestor::field) = {level}]"):
            name = field_node.get("name")
            info = infos[name]
            invisible = field_node.get("invisible") in ("True", "1")
            entry = spec.setdefault(name, {})
            if info["type"] in ("many2one", "reference"):
                entry.setdefault("fields", {})
                if not invisible:
                    entry["fields"]["display_name"] = {}
            elif info["type"] in X2MANY and not invisible:
                mode = (field_node.get("mode") or "list").split(",")[0]
                subview = field_node.find(mode)
                if subview is not None:
                    entry.setdefault("fields", {}).update(cls._spec(subview, info["relation"], models))
                elif field_node.get("widget", "").startswith("many2many"):
                    entry.setdefault("fields", {})["display_name"] = {}
        return spec

    def _client(self, user, action_xmlid):
        """What the web client has after loading the action: the model (as the user, in the action's
        context), its domain and, per view type, the web_read specification of the view."""
        action = self.env.ref(action_xmlid)
        eval_context = {"uid": user.id, "allowed_company_ids": user.company_ids.ids, "active_id": False,
                        "context": {}, "context_today": fields.Date.context_today}
        context = safe_eval(action.context or "{}", eval_context)
        model = self.env[action.res_model].with_user(user).with_context(**context)
        views = model.get_views(action.views + [(action.search_view_id.id or False, "search")],
                                {"action_id": action.id, "toolbar": True, "load_filters": True})
        specs = {
            view_type: self._spec(etree.fromstring(view["arch"]), action.res_model, views["models"])
            for view_type, view in views["views"].items() if view_type in ("list", "form")
        }
        domain = safe_eval(action.domain or "[]", eval_context)
        return model, domain, specs, views

    def _failing_fields(self, records, spec):
        """Which fields of ``spec`` alone raise an AccessError, to name them in the assertion."""
        failing = []
        for name, sub in spec.items():
            self.env.invalidate_all()
            try:
                records.web_read({name: sub})
            except AccessError as error:
                failing.append(f"{name} ({' '.join(str(error).splitlines()[:2])})")
        return failing

    def _open(self, who, user, action_xmlid, record):
        """Open the action's list and then ``record``'s form as ``user``; fail naming the fields at fault."""
        model, domain, specs, _views = self._client(user, action_xmlid)
        self.env.invalidate_all()  # a new request: nothing computed by another user is in the cache
        try:
            model.web_search_read(domain, specs["list"], limit=80)
        except AccessError as error:
            self.fail(f"{who}: the list of {action_xmlid} ({model._name}) fails on the fields "
                      f"{self._failing_fields(model.search(domain, limit=80), specs['list'])}: {error}")
        self.env.invalidate_all()
        try:
            [values] = model.browse(record.id).web_read(specs["form"])
        except AccessError as error:
            self.fail(f"{who}: the form of {record.display_name} ({model._name}) fails on the fields "
                      f"{self._failing_fields(model.browse(record.id), specs['form'])}: {error}")
        self.assertEqual(values["id"], record.id)
        return values

    def _refused(self, user, action_xmlid, record):
        """Odoo itself refuses ``record`` to ``user`` (its own access rights and rules)."""
        self.env.invalidate_all()
        with self.assertRaises(AccessError):
            model, _domain, specs, _views = self._client(user, action_xmlid)
            model.browse(record.id).web_read(specs["form"])


@tagged("post_install", "-at_install")
class TestOdooGroupsKeepWorking(WebClientCase):
    """Issue 9 item 13: each of Odoo's own accounting and purchase groups, without this addon's groups,
    opens, edits and posts invoices and bills as far as that group allows, and opens purchase orders and
    customers; also when the documents carry disputes, match exceptions and overrides."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        reason = cls.env.ref("invoicing_specialist.dispute_reason_price")
        # A bill from the PO's Create Bill, priced above the PO: posted, in exception, payment held; disputed too.
        cls.po = cls._po_received(qty=10.0, received=5.0)
        cls.held_bill = cls._bill_from_po(cls.po, price=12.0)
        cls.bill_dispute = cls._open_dispute(cls.held_bill, reason)
        # A second bill whose exception a manager overrode.
        po2 = cls._po_received(qty=10.0, received=5.0)
        cls.overridden_bill = cls._bill_from_po(po2, price=11.0)
        wizard_action = cls.overridden_bill.action_ispec_match_override()
        cls.env[wizard_action["res_model"]].with_context(**wizard_action["context"]).create(
            {"note": "Agreed with the vendor"}).action_confirm()
        # A customer invoice with an open dispute.
        cls.invoice = cls.init_invoice("out_invoice", partner=cls.partner_a, products=cls.product_a, post=True)
        cls.invoice_dispute = cls._open_dispute(cls.invoice, reason)
        cls.draft_invoice = cls.init_invoice("out_invoice", partner=cls.partner_a, products=cls.product_a)
        cls.draft_bill = cls.init_invoice("in_invoice", partner=cls.vendor, products=cls.product_a)
        # The vendor has its own tolerance and the customer a statement contact, so their tabs have data.
        cls.env["ispec.match.tolerance"].create(
            {"company_id": cls.company.id, "partner_id": cls.vendor.id, "dimension": "qty", "absolute": 1.0})
        cls.partner_a.ispec_statement_contact_id = cls.env["res.partner"].create(
            {"name": "Accounts Payable", "parent_id": cls.partner_a.id, "email": "ap@example.com"})

    @classmethod
    def _po_received(cls, qty, received):
        po = cls.env["purchase.order"].create({
            "partner_id": cls.vendor.id,
            "order_line": [Command.create({"product_id": cls.goods.id, "product_qty": qty, "price_unit": 10.0,
                                           "tax_ids": [Command.clear()]})],
        })
        po.button_confirm()
        picking = po.picking_ids
        picking.move_ids.quantity = received
        picking.move_ids.picked = True
        picking._action_done()
        return po

    @classmethod
    def _bill_from_po(cls, po, price):
        bill = cls.env["account.move"].browse(po.action_create_invoice()["res_id"])
        bill.write({"invoice_date": "2026-01-15", "ref": f"V-{po.name}"})
        bill.invoice_line_ids.price_unit = price
        bill.action_post()
        return bill

    @classmethod
    def _open_dispute(cls, move, reason):
        dispute = cls.env["ispec.dispute"].create(
            {"move_id": move.id, "reason_id": reason.id, "amount_original": 10.0})
        dispute.action_open()
        return dispute

    def test_documents_carry_addon_data(self):
        """The documents the users open really carry what this addon adds."""
        self.assertEqual(self.held_bill.ispec_match_state, "exception")
        self.assertEqual(self.held_bill.payment_state, "blocked")
        self.assertEqual(self.held_bill.ispec_dispute_count, 1)
        self.assertEqual(self.invoice.ispec_dispute_count, 1)
        self.assertEqual(len(self.overridden_bill.ispec_match_override_ids), 1)
        self.assertEqual(self.po.invoice_ids, self.held_bill)

    # --- helpers per right ---

    def _new_move(self, who, user, action_xmlid, partner):
        """Click New in the action, fill in a partner and a line, save (Odoo's Form: onchange + web_save)."""
        model, _domain, specs, views = self._client(user, action_xmlid)
        self.env.invalidate_all()
        try:
            model.onchange({}, [], specs["form"])  # the empty form the client shows on New
        except AccessError as error:
            self.fail(f"{who}: New in {action_xmlid} raises {error}")
        form = Form(model, view=views["views"]["form"]["id"])
        form.partner_id = partner
        form.invoice_date = fields.Date.from_string("2026-01-20")
        with form.invoice_line_ids.new() as line:
            line.product_id = self.product_a
            line.price_unit = 100.0
        return form.save()

    def _edit(self, who, user, action_xmlid, move, allowed):
        model, _domain, specs, _views = self._client(user, action_xmlid)
        self.env.invalidate_all()
        record = model.browse(move.id)
        if not allowed:
            with self.assertRaises(AccessError, msg=f"{who} may not edit {move.display_name} in Odoo"):
                record.web_save({"ref": "edited"}, specs["form"])
            return
        try:
            [values] = record.web_save({"ref": f"edited by {user.login}"}, specs["form"])
        except AccessError as error:
            self.fail(f"{who}: saving {move.display_name} raises {error}")
        self.assertEqual(values["ref"], f"edited by {user.login}")

    def _post(self, who, user, move, allowed):
        record = move.with_user(user)
        if not allowed:
            with self.assertRaises(AccessError, msg=f"{who} may not post in Odoo"):
                record.action_post()
            return
        try:
            record.action_post()
        except AccessError as error:
            self.fail(f"{who}: posting {move.display_name} raises {error}")
        self.assertEqual(move.state, "posted")

    def _pay(self, who, user, move):
        wizard = self.env["account.payment.register"].with_user(user).with_context(
            active_model="account.move", active_ids=move.ids).create({})
        try:
            wizard.action_create_payments()
        except AccessError as error:
            self.fail(f"{who}: registering a payment for {move.display_name} raises {error}")
        self.assertIn(move.payment_state, ("in_payment", "paid"))

    def _create_bill(self, who, user):
        """The buyer's Create Bill on a confirmed and received PO (Odoo's own flow), as ``user``."""
        po = self._po_received(qty=4.0, received=4.0)
        try:
            action = po.with_user(user).action_create_invoice()
        except AccessError as error:
            self.fail(f"{who}: Create Bill on {po.name} raises {error}")
        bill = self.env["account.move"].browse(action["res_id"])
        bill.with_user(user).invoice_date = fields.Date.from_string("2026-01-20")
        self.assertEqual((bill.state, bill.invoice_line_ids.quantity), ("draft", 4.0))
        return bill

    def _billing_user(self, who, groups):
        """A group with billing rights: everything on invoices and bills, reads POs and customers."""
        user = self._user(f"odoo_{who}", groups)
        self._open(who, user, "account.action_move_out_invoice", self.invoice)
        self._open(who, user, "account.action_move_in_invoice", self.held_bill)
        self._open(who, user, "account.action_move_in_invoice", self.overridden_bill)
        invoice = self._new_move(who, user, "account.action_move_out_invoice", self.partner_a)
        self._edit(who, user, "account.action_move_out_invoice", invoice, allowed=True)
        self._post(who, user, invoice, allowed=True)
        self._pay(who, user, invoice)
        bill = self._new_move(who, user, "account.action_move_in_invoice", self.vendor)
        self._edit(who, user, "account.action_move_in_invoice", bill, allowed=True)
        self._post(who, user, bill, allowed=True)
        self._open(who, user, "purchase.purchase_form_action", self.po)
        self._open(who, user, "account.res_partner_action_customer", self.partner_a)
        self._open(who, user, "account.res_partner_action_supplier", self.vendor)
        return user

    def _purchase_user(self, who, groups):
        """A buyer: bills (not invoices) in draft, no posting; POs and contacts."""
        user = self._user(f"odoo_{who}", groups)
        self._open(who, user, "purchase.purchase_form_action", self.po)
        self._open(who, user, "account.action_move_in_invoice", self.held_bill)
        self._open(who, user, "account.action_move_in_invoice", self.overridden_bill)
        self._refused(user, "account.action_move_out_invoice", self.invoice)  # Odoo's rule: bills only
        bill = self._new_move(who, user, "account.action_move_in_invoice", self.vendor)
        self._edit(who, user, "account.action_move_in_invoice", bill, allowed=True)
        self._post(who, user, bill, allowed=False)
        bill = self._create_bill(who, user)
        self._open(who, user, "account.action_move_in_invoice", bill)
        self._post(who, user, bill, allowed=False)
        self._open(who, user, "account.res_partner_action_supplier", self.vendor)
        self._open(who, user, "account.res_partner_action_customer", self.partner_a)
        return user

    # --- one test per Odoo group ---

    def test_invoicing_user(self):
        self._billing_user("invoicing", "account.group_account_invoice")

    def test_accounting_administrator(self):
        self._billing_user("account_admin", "account.group_account_manager")

    def test_full_accounting_user(self):
        self._billing_user("account_user", "account.group_account_user")

    def test_invoicing_user_who_buys(self):
        who = "invoicing_buyer"
        user = self._billing_user(who, "account.group_account_invoice,purchase.group_purchase_user")
        self._edit(who, user, "account.action_move_in_invoice", self.draft_bill, allowed=True)
        bill = self._create_bill(who, user)
        self._open(who, user, "account.action_move_in_invoice", bill)
        self._post(who, user, bill, allowed=True)
        self.assertEqual(bill.ispec_match_state, "matched", "billed what was received, at the PO price")

    def test_readonly_accountant(self):
        who, user = "readonly", self._user("odoo_readonly", "account.group_account_readonly")
        self._open(who, user, "account.action_move_out_invoice", self.invoice)
        self._open(who, user, "account.action_move_in_invoice", self.held_bill)
        self._open(who, user, "account.action_move_in_invoice", self.overridden_bill)
        self._open(who, user, "purchase.purchase_form_action", self.po)
        self._open(who, user, "account.res_partner_action_customer", self.partner_a)
        self._edit(who, user, "account.action_move_out_invoice", self.draft_invoice, allowed=False)
        self._edit(who, user, "account.action_move_in_invoice", self.draft_bill, allowed=False)
        self._post(who, user, self.draft_bill, allowed=False)

    def test_purchase_user(self):
        self._purchase_user("purchase_user", "purchase.group_purchase_user")

    def test_purchase_administrator(self):
        self._purchase_user("purchase_admin", "purchase.group_purchase_manager")

    def test_employee(self):
        """A plain employee opens contacts and no accounting document, as in Odoo."""
        user = self._user("odoo_employee", "base.group_user")
        self._open("employee", user, "base.action_partner_form", self.partner_a)
        self._open("employee", user, "base.action_partner_form", self.vendor)
        self._refused(user, "account.action_move_in_invoice", self.held_bill)


@tagged("post_install", "-at_install")
class TestManagerSettings(WebClientCase):
    """Issue 9 item 14: an Invoicing Specialist manager, not an Odoo administrator, changes every setting of
    the addon for a company they work in; specialists and auditors cannot; another company stays as it is."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_2 = cls.setup_other_company(name="Second Company")["company"]
        cls.manager = cls._user("set_manager", "invoicing_specialist.group_manager")
        cls.specialist = cls._user("set_specialist", "invoicing_specialist.group_specialist")
        cls.auditor = cls._user("set_auditor", "invoicing_specialist.group_auditor")
        cls.template = cls.env["mail.template"].create({
            "name": "Our statement mail", "model_id": cls.env.ref("base.model_res_partner").id,
            "subject": "Your statement"})
        cls.writeoff_account = cls.company_data["default_account_expense"]
        cls.misc_journal = cls.company_data["default_journal_misc"]

    def test_every_company_setting_is_on_the_form_with_help(self):
        company_settings = {name for name, field in self.env["res.company"]._fields.items()
                            if name.startswith("ispec_") and field.type != "one2many"
                            and field._module == "invoicing_specialist"}  # the glue modules check their own
        self.assertEqual(set(SETTINGS_FIELDS), company_settings,
                         "each setting of the company is on the managers' form, and only those")
        views = self.env["ispec.settings"].with_user(self.manager).get_views([(False, "form")])
        arch = etree.fromstring(views["views"]["form"]["arch"])
        shown = {node.get("name") for node in arch.iter("field")}
        for name in (*SETTINGS_FIELDS, "ispec_match_tolerance_ids"):
            self.assertIn(name, shown)
            self.assertTrue(self.env["ispec.settings"]._fields[name].help, f"{name} has help text")

    def test_manager_is_no_administrator_and_odoo_settings_refuse_him(self):
        self.assertFalse(self.manager.has_group("base.group_system"))
        self.assertFalse(self.manager.has_group("base.group_erp_manager"))
        with self.assertRaises(AccessError):
            self.env["res.config.settings"].with_user(self.manager).create({})
        menus = self.env["ir.ui.menu"].with_user(self.manager)._visible_menu_ids()
        self.assertIn(self.env.ref("invoicing_specialist.ispec_settings_menu").id, menus)

    def test_manager_changes_every_setting(self):
        action = self.env.ref("invoicing_specialist.ispec_settings_action")
        self.assertEqual(action.target, "new")
        form = Form(self.env[action.res_model].with_user(self.manager))
        self.assertEqual(form.company_id, self.company)
        self.assertEqual(form.ispec_match_mode, "block", "the form opens with the company's current values")
        self.assertEqual(len(form.ispec_match_tolerance_ids), 3, "the company's strict default tolerances")
        new_values = {
            "ispec_statement_auto": True,
            "ispec_statement_frequency": "quarterly",
            "ispec_statement_day": 15,
            "ispec_statement_type": "activity",
            "ispec_statement_min_balance": 50.0,
            "ispec_statement_include_credit": True,
            "ispec_statement_template_id": self.template,
            "ispec_statement_aging": "months",
            "ispec_dispute_approval_amount": 1000.0,
            "ispec_dispute_writeoff_threshold": 5.0,
            "ispec_dispute_writeoff_account_id": self.writeoff_account,
            "ispec_dispute_writeoff_journal_id": self.misc_journal,
            "ispec_dispute_manager_id": self.manager,
            "ispec_match_mode": "refuse",
            "ispec_match_allow_no_po": True,
            "ispec_activity_mail_period": "quarter",
        }
        self.assertEqual(set(new_values), set(SETTINGS_FIELDS), "the test changes every setting")
        for name, value in new_values.items():
            self.assertNotEqual(self.company[name], value, f"{name} really changes")
            setattr(form, name, value)
        wizard = form.save()
        self.assertEqual(self.company.ispec_match_mode, "block", "nothing is written before Save")
        # What the web client reads for the manager: the empty form on opening, the record once saved.
        model, _domain, specs, _views = self._client(self.manager, "invoicing_specialist.ispec_settings_action")
        self.env.invalidate_all()
        self.assertEqual(model.onchange({}, [], specs["form"])["value"]["ispec_match_mode"], "block")
        [shown] = model.browse(wizard.id).web_read(specs["form"])
        self.assertEqual(shown["ispec_dispute_writeoff_journal_id"]["display_name"], self.misc_journal.display_name)
        self.assertEqual(len(shown["ispec_match_tolerance_ids"]), 3)
        result = wizard.action_save()
        self.assertEqual(result["params"]["next"], {"type": "ir.actions.act_window_close"})
        xmlrpc.client.dumps((result,), methodresponse=True)  # an XML-RPC client gets an answer, not None
        self.company.invalidate_recordset()
        for name, value in new_values.items():
            self.assertEqual(self.company[name], value, name)
        self.assertEqual(self.company_2.ispec_match_mode, "warn", "the other company keeps its settings")
        self.assertFalse(self.company_2.ispec_statement_auto)
        # Opening the form again shows the saved values.
        self.assertEqual(Form(self.env["ispec.settings"].with_user(self.manager)).ispec_statement_day, 15)

    def test_specialist_and_auditor_cannot_open_or_save(self):
        wizard = self.env["ispec.settings"].with_user(self.manager).create({"ispec_match_mode": "refuse"})
        for user in (self.specialist, self.auditor):
            with self.subTest(user=user.login):
                with self.assertRaises(AccessError):
                    self.env["ispec.settings"].with_user(user).create({"ispec_match_mode": "refuse"})
                with self.assertRaises(AccessError):
                    self.env["ispec.settings"].with_user(user).get_views([(False, "form")])
                with self.assertRaises(AccessError):
                    wizard.with_user(user).action_save()
                menus = self.env["ir.ui.menu"].with_user(user)._visible_menu_ids()
                self.assertNotIn(self.env.ref("invoicing_specialist.ispec_settings_menu").id, menus)
        self.assertEqual(self.company.ispec_match_mode, "block")

    def test_manager_of_one_company_cannot_change_another(self):
        with self.assertRaises(AccessError):
            self.env["ispec.settings"].with_user(self.manager).create(
                {"company_id": self.company_2.id, "ispec_match_mode": "refuse"})
        # Not by a wizard made for the other company either.
        other = self.env["ispec.settings"].with_company(self.company_2).create({"ispec_match_mode": "refuse"})
        with self.assertRaises(AccessError):
            other.with_user(self.manager).action_save()
        # Nor by pointing this company's settings at the other company's journal.
        form = Form(self.env["ispec.settings"].with_user(self.manager))
        form.ispec_dispute_writeoff_journal_id = self.env["account.journal"].search(
            [("company_id", "=", self.company_2.id), ("type", "=", "general")], limit=1)
        with self.assertRaises(UserError):
            form.save().action_save()
        self.assertEqual(self.company_2.ispec_match_mode, "warn")
        self.assertFalse(self.company.ispec_dispute_writeoff_journal_id)

    def test_manager_of_two_companies_changes_the_one_he_works_in(self):
        self.manager.company_ids = [Command.link(self.company_2.id)]
        env = self.env(user=self.manager, context={"allowed_company_ids": [self.company_2.id]})
        form = Form(env["ispec.settings"])
        self.assertEqual(form.company_id, self.company_2)
        form.ispec_match_mode = "refuse"
        form.save().action_save()
        self.assertEqual((self.company_2.ispec_match_mode, self.company.ispec_match_mode), ("refuse", "block"))

    def test_statement_day_is_a_day_of_the_month(self):
        form = Form(self.env["ispec.settings"].with_user(self.manager))
        form.ispec_statement_auto = True
        form.ispec_statement_day = 31
        with self.assertRaises(ValidationError):
            form.save().action_save()


@tagged("post_install", "-at_install")
class TestAuditorActions(WebClientCase):
    """Issue 9 item 15: an auditor is not offered Send on invoices nor Upload on invoice and bill lists; a
    specialist is, and every other user (Odoo's own read-only accountants included) sees exactly Odoo's buttons."""

    INVOICES = "account.action_move_out_invoice"
    CREDIT_NOTES = "account.action_move_out_refund_type_non_legacy"
    SEND = {"form": ("account.view_move_form", "action_invoice_sent"),
            "list": ("account.view_out_invoice_tree", "action_send_and_print")}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.auditor = cls._user("act_auditor", "invoicing_specialist.group_auditor")
        cls.specialist = cls._user("act_specialist", "invoicing_specialist.group_specialist")

    def _odoo_send_buttons(self, view_type):
        """Odoo's own Send buttons of the view, from the view's own arch (before any extension)."""
        xmlid, name = self.SEND[view_type]
        arch = etree.fromstring(self.env.ref(xmlid).arch_db)
        return [dict(button.attrib) for button in arch.iter("button") if button.get("name") == name]

    def _send_buttons(self, user, action_xmlid):
        """The Send buttons the web client gets for ``user``, by view type."""
        _model, _domain, _specs, views = self._client(user, action_xmlid)
        found = {}
        for view_type, (_xmlid, name) in self.SEND.items():
            arch = etree.fromstring(views["views"][view_type]["arch"])
            found[view_type] = [dict(button.attrib) for button in arch.iter("button") if button.get("name") == name]
        return found

    def test_auditor_is_not_offered_send(self):
        for action in (self.INVOICES, self.CREDIT_NOTES):
            self.assertEqual(self._send_buttons(self.auditor, action), {"form": [], "list": []}, action)

    def test_everyone_else_sees_odoo_send_buttons(self):
        odoo = {view_type: self._odoo_send_buttons(view_type) for view_type in self.SEND}
        self.assertEqual((len(odoo["form"]), len(odoo["list"])), (2, 1), "Odoo's own Send buttons")
        users = {
            "specialist": self.specialist,
            "auditor with billing rights": self._user(
                "act_auditor_billing", "invoicing_specialist.group_auditor,account.group_account_invoice"),
            "Odoo read-only": self._user("act_readonly", "account.group_account_readonly"),
            "Odoo invoicing": self._user("act_invoicing", "account.group_account_invoice"),
            "Odoo accounting administrator": self._user("act_account_admin", "account.group_account_manager"),
        }
        for who, user in users.items():
            with self.subTest(user=who):
                self.assertEqual(self._send_buttons(user, self.INVOICES), odoo)
                self.assertEqual(self._send_buttons(user, self.CREDIT_NOTES)["list"], odoo["list"])

    def test_upload_is_hidden_from_auditors_in_the_web_client(self):
        """Upload is decided in Odoo's list and kanban controllers (static/src); the addon's patch of them is
        in the backend bundle and hides it for auditors without billing rights only."""
        paths = [asset[0] for asset in self.env["ir.asset"]._get_asset_paths("web.assets_backend", {})]
        script = next(path for path in paths if path.endswith("/ispec_account_move_upload.js"))
        with file_open(script.lstrip("/")) as source:
            code = source.read()
        for patched in ("AccountMoveListController", "AccountMoveKanbanController",
                        "AccountMoveListRenderer", "FileUploadKanbanRenderer"):
            self.assertIn(f"patch({patched}.prototype", code)
        self.assertIn('"invoicing_specialist.group_auditor"', code)
        self.assertIn('"account.group_account_invoice"', code)
        # The auditor opens invoice and bill lists whose controllers are the ones patched.
        for action in (self.INVOICES, "account.action_move_in_invoice"):
            _model, _domain, _specs, views = self._client(self.auditor, action)
            self.assertEqual(etree.fromstring(views["views"]["list"]["arch"]).get("js_class"), "account_tree")
            self.assertEqual(etree.fromstring(views["views"]["kanban"]["arch"]).get("js_class"),
                             "account_documents_kanban")


def _always_returns(body):
    """Whether every path through ``body`` ends in a return or a raise."""
    if not body:
        return False
    last = body[-1]
    if isinstance(last, (ast.Return, ast.Raise)):
        return True
    if isinstance(last, ast.If):
        return _always_returns(last.body) and _always_returns(last.orelse)
    if isinstance(last, (ast.With, ast.For, ast.While)):
        return _always_returns(last.body) if isinstance(last, ast.With) else False
    if isinstance(last, ast.Try):
        return (_always_returns(last.body) or _always_returns(last.finalbody)) and all(
            _always_returns(handler.body) for handler in last.handlers)
    return False


@tagged("post_install", "-at_install")
class TestActionsReturnValues(TransactionCase):
    """Issue 9 item 16: XML-RPC cannot marshal None, so every public action method returns a value."""

    def test_every_public_action_method_returns_a_value(self):
        addon = Path(__file__).resolve().parent.parent
        faults = []
        for path in sorted(addon.rglob("*.py")):
            if "tests" in path.relative_to(addon).parts:
                continue
            for cls in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(cls, ast.ClassDef):
                    continue
                for method in cls.body:
                    if not isinstance(method, ast.FunctionDef) or not method.name.startswith(("action_", "button_")):
                        continue
                    bare = [node.lineno for node in ast.walk(method) if isinstance(node, ast.Return) and (
                        node.value is None or (isinstance(node.value, ast.Constant) and node.value.value is None))]
                    if bare or not _always_returns(method.body):
                        faults.append(f"{path.relative_to(addon)}:{method.lineno} {cls.name}.{method.name}")
        self.assertEqual(faults, [], "these action methods can return None")


@tagged("post_install", "-at_install")
class TestAddonSecurity(TransactionCase):
    """Every model of the addon has deliberate access rights for the three roles, and a multi-company rule
    when it belongs to a company. A new model without them fails here."""

    # read, write, create, unlink per role; "" = no access at all (by design: see the comments).
    EXPECTED = {
        "ispec.activity.report": {"specialist": "rwc", "manager": "rwcu", "auditor": "rwc"},  # live figures
        "ispec.activity.report.line": {"specialist": "rwc", "manager": "rwcu", "auditor": "rwc"},
        "ispec.activity.report.sent": {"specialist": "", "manager": "r", "auditor": "r"},  # written by the job only
        "ispec.audit.export": {"specialist": "", "manager": "rwcu", "auditor": "rwcu"},  # auditors run exports
        "ispec.audit.schedule": {"specialist": "", "manager": "rwcu", "auditor": "r"},  # managers schedule
        "ispec.dispute": {"specialist": "rwc", "manager": "rwcu", "auditor": "r"},
        "ispec.dispute.line": {"specialist": "rwcu", "manager": "rwcu", "auditor": "r"},
        "ispec.dispute.reason": {"specialist": "r", "manager": "rwcu", "auditor": "r"},
        "ispec.match.tolerance": {"specialist": "r", "manager": "rwcu", "auditor": "r"},
        "ispec.match.reason": {"specialist": "r", "manager": "rw", "auditor": "r"},  # fixed codes: no create
        "ispec.match.override": {"specialist": "r", "manager": "rwc", "auditor": "r"},  # kept for the audit
        "ispec.match.override.wizard": {"specialist": "", "manager": "rwcu", "auditor": ""},  # managers override
        "ispec.settings": {"specialist": "", "manager": "rwcu", "auditor": ""},  # managers configure
        "ispec.statement.run": {"specialist": "rwc", "manager": "rwcu", "auditor": "r"},
        "ispec.statement.run.line": {"specialist": "rwc", "manager": "rwcu", "auditor": "r"},
        "ispec.statement.wizard": {"specialist": "rwc", "manager": "rwcu", "auditor": "rwc"},  # auditors print
    }

    def test_rights_of_each_role_on_each_model(self):
        models = {name for name, model in self.env.registry.items()
                  if name.startswith("ispec.") and not model._abstract
                  and model._original_module == "invoicing_specialist"}  # the glue modules check their own
        self.assertEqual(models, set(self.EXPECTED), "every model of the addon has its rights listed here")
        users = {role: new_test_user(self.env, f"sec_{role}", groups=f"invoicing_specialist.group_{role}")
                 for role in ("specialist", "manager", "auditor")}
        Access = self.env["ir.model.access"]
        for model, expected in self.EXPECTED.items():
            for role, user in users.items():
                rights = "".join(letter for letter, mode in zip("rwcu", ("read", "write", "create", "unlink"),
                                                                 strict=True)
                                 if Access.with_user(user).check(model, mode, raise_exception=False))
                self.assertEqual(rights, expected[role], f"{role} on {model}")

    def test_company_models_have_a_multi_company_rule(self):
        for model in self.EXPECTED:
            field = self.env[model]._fields.get("company_id")
            if not field or field.type != "many2one":
                continue
            rules = self.env["ir.rule"].search([("model_id.model", "=", model), ("global", "=", True)])
            self.assertTrue(any("company_ids" in rule.domain_force for rule in rules),
                            f"{model} has a global multi-company rule")
