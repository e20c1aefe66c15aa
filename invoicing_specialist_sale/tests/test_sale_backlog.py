from datetime import timedelta
from unittest.mock import patch

from psycopg2 import IntegrityError

from odoo import Command, fields
from odoo.exceptions import ValidationError
from odoo.tests import Form, new_test_user, tagged
from odoo.tools import mute_logger

from ..wizards.ispec_settings import SALE_SETTINGS_FIELDS
from .sale_match_common import SaleMatchCase


@tagged("post_install", "-at_install")
class TestSaleBacklog(SaleMatchCase):
    """The invoicing backlog: what Odoo would invoice, how long it waited, and the invoices made from it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.ispec_sale_stale_days = 7
        cls.leader = new_test_user(cls.env, "sales_lead", groups="sales_team.group_sale_manager",
                                   email="lead@example.com", name="Lea Leader")
        cls.seller = new_test_user(cls.env, "seller", groups="sales_team.group_sale_salesman",
                                   email="seller@example.com", name="Sid Seller")
        cls.team = cls.env["crm.team"].create({"name": "Fruit desk", "user_id": cls.leader.id})
        cls.other_customer = cls.env["res.partner"].create({"name": "Quay Bakery"})

    def _backlog(self, orders):
        return self.env["ispec.sale.backlog"].search([("order_id", "in", orders.ids)])

    def _age(self, picking, days):
        """The delivery ``picking`` done ``days`` ago."""
        picking.move_ids.write({"date": fields.Datetime.now() - timedelta(days=days)})

    def test_amounts_equal_odoo_quantities_to_invoice(self):
        first = self._so([(self.goods, 10.0, 20.0, 10.0), (self.service, 3.0, 100.0, 0.0)],
                         user_id=self.seller.id, team_id=self.team.id)
        second = self._so([(self.goods, 5.0, 33.33, 0.0)], partner=self.other_customer)
        self._deliver(first, 4)
        self._deliver(second, 5)
        self._invoice(second, post=True)  # fully invoiced: out of the backlog
        order_lines = (first | second).order_line
        expected = {line.id: (line.qty_to_invoice, line.currency_id.round(
            line.qty_to_invoice * line.price_unit * (1 - line.discount / 100.0)))
            for line in order_lines if line.qty_to_invoice > 0}
        rows = self._backlog(first | second)
        self.assertEqual({row.sale_line_id.id: (row.qty_to_invoice, row.currency_id.round(row.amount_to_invoice))
                          for row in rows}, expected)
        self.assertEqual(expected, {first.order_line[0].id: (4.0, 72.0), first.order_line[1].id: (3.0, 300.0)})
        self.assertEqual((rows.partner_id, rows.user_id, rows.team_id), (self.customer, self.seller, self.team))
        # A partial invoice takes its quantity out; the rest stays.
        self._invoice(first, post=True)
        self.assertFalse(self._backlog(first), "everything delivered or ordered is invoiced")
        self._deliver(first, 6)
        row = self._backlog(first)
        self.assertEqual((row.qty_to_invoice, row.amount_to_invoice), (6.0, 108.0))

    def test_waiting_days_stale_and_oldest_first(self):
        old = self._so()
        recent = self._so(partner=self.other_customer)
        self._age(self._deliver(old, 10), 10)
        self._deliver(recent, 10)
        rows = self._backlog(old | recent)
        self.assertEqual(rows.order_id, old | recent)
        self.assertEqual(rows[0].order_id, old, "oldest first")
        by_order = {row.order_id: row for row in rows}
        self.assertEqual((by_order[old].days_waiting, by_order[old].stale), (10, True))
        self.assertEqual((by_order[recent].days_waiting, by_order[recent].stale), (0, False))
        self.assertEqual(by_order[old].delivery_date, fields.Date.context_today(self.env.user) - timedelta(days=10))
        stale = self.env["ispec.sale.backlog"].search([("order_id", "in", (old | recent).ids), ("stale", "=", True)])
        self.assertEqual(stale.order_id, old)
        # Grouped by customer and salesperson, as the worklist opens.
        groups = self.env["ispec.sale.backlog"].formatted_read_group(
            [("order_id", "in", (old | recent).ids)], ["partner_id", "user_id"], ["amount_to_invoice:sum"])
        self.assertEqual(sorted(group["amount_to_invoice:sum"] for group in groups), [200.0, 200.0])

    def test_create_invoices_from_a_selection(self):
        first = self._so()
        second = self._so(partner=self.other_customer)
        third = self._so()
        for order in first | second | third:
            self._deliver(order, 10)
        specialist = new_test_user(self.env, "backlog_specialist", groups="invoicing_specialist.group_specialist")
        rows = self._backlog(first | second).with_user(specialist)
        action = rows.action_ispec_create_invoices()
        self.assertEqual(action["res_model"], "sale.advance.payment.inv")
        wizard = self.env[action["res_model"]].with_user(specialist).with_context(**action["context"]).create({})
        self.assertEqual(wizard.sale_order_ids, first | second)
        wizard.create_invoices()
        invoices = (first | second).invoice_ids
        self.assertEqual(len(invoices), 2)
        self.assertEqual(set(invoices.mapped("ispec_match_state")), {"matched"}, "checked as they were made")
        self.assertEqual(self._backlog(first | second | third).order_id, third)

    def test_daily_digest_once_a_day(self):
        mine = self._so(user_id=self.seller.id, team_id=self.team.id)
        self._age(self._deliver(mine, 10), 9)
        fresh = self._so(user_id=self.seller.id, team_id=self.team.id)
        self._deliver(fresh, 10)
        Mail = self.env["mail.mail"]
        before = Mail.search([])
        Backlog = self.env["ispec.sale.backlog"]
        commits = []
        today = fields.Date.context_today(self.env.user)
        # Outside a real cron run _commit_progress commits, which a test may not: record the commits instead.
        with patch.object(self.env.registry["ir.cron"], "_commit_progress",
                          lambda cron, processed=0, **kw: commits.append(processed) or 60.0):
            Backlog._cron_send_digest()
            mails = (Mail.search([]) - before).filtered(lambda mail: self.leader.partner_id in mail.recipient_ids)
            self.assertEqual(len(mails), 1, "the team leader gets the stale lines of the team's orders")
            self.assertIn(mine.name, mails.body_html)
            self.assertNotIn(fresh.name, mails.body_html, "not stale yet")
            self.assertIn("200.00", mails.body_html)
            sent = self.env["ispec.sale.backlog.digest"].search([("user_id", "=", self.leader.id)])
            self.assertEqual((sent.date, sent.line_count, sent.mail_id), (today, 1, mails))
            self.assertIn(1, commits, "each mail committed with its record")
            # Again the same day: nothing more.
            Backlog._cron_send_digest()
            self.assertEqual((Mail.search([]) - before).filtered(
                lambda mail: self.leader.partner_id in mail.recipient_ids), mails)
            # A configured user receives the company's digest instead, the next day.
            controller = new_test_user(self.env, "ar_controller", groups="invoicing_specialist.group_manager",
                                       email="controller@example.com")
            self.company.ispec_sale_digest_user_id = controller
            Backlog._cron_send_digest(today=today + timedelta(days=1))
            to_controller = (Mail.search([]) - before).filtered(
                lambda mail: controller.partner_id in mail.recipient_ids)
            self.assertEqual(len(to_controller), 1)
            self.assertIn(mine.name, to_controller.body_html)

    def test_access_and_companies(self):
        order = self._so()
        self._deliver(order, 10)
        auditor = new_test_user(self.env, "backlog_auditor", groups="invoicing_specialist.group_auditor")
        self.assertEqual(self._backlog(order).with_user(auditor).read(["amount_to_invoice"])[0]["amount_to_invoice"],
                         200.0)
        other = self.setup_other_company(name="Other Fruit Co")["company"]
        outsider = new_test_user(self.env, "backlog_outsider", groups="invoicing_specialist.group_specialist",
                                 company_id=other.id, company_ids=[Command.set(other.ids)])
        self.assertFalse(self.env["ispec.sale.backlog"].with_user(outsider).search([("order_id", "=", order.id)]),
                         "another company's backlog is not shown")


@tagged("post_install", "-at_install")
class TestSaleSettings(SaleMatchCase):
    """A manager sets this module's company settings on the Invoicing Control settings form; the company's and
    the customer's tolerances are bill matching's rows on the sale dimensions."""

    def test_manager_changes_the_settings(self):
        manager = new_test_user(self.env, "sale_set_manager", groups="invoicing_specialist.group_manager")
        digest_user = new_test_user(self.env, "sale_set_digest", groups="invoicing_specialist.group_manager")
        self.env["ispec.match.tolerance"].create({"company_id": self.company.id, "dimension": "sale_qty",
                                                  "absolute": 1.0})
        form = Form(self.env["ispec.settings"].with_user(manager))
        self.assertEqual((form.ispec_sale_match_mode, form.ispec_sale_stale_days), ("warn", 7))
        form.ispec_sale_match_mode = "refuse"
        form.ispec_sale_order_required = True
        form.ispec_sale_stale_days = 3
        form.ispec_sale_digest_user_id = digest_user
        wizard = form.save()
        self.assertEqual(wizard.ispec_sale_tolerance_ids.mapped("summary"), ["Up to 1 units"])
        wizard.action_save()
        self.assertEqual((self.company.ispec_sale_match_mode, self.company.ispec_sale_order_required,
                          self.company.ispec_sale_stale_days, self.company.ispec_sale_digest_user_id),
                         ("refuse", True, 3, digest_user))

    def test_tolerances_are_checked(self):
        Tolerance = self.env["ispec.match.tolerance"]
        with self.assertRaises(ValidationError):
            Tolerance.create({"company_id": self.company.id, "dimension": "sale_price_above", "percent": -1.0})
        Tolerance.create({"company_id": self.company.id, "partner_id": self.customer.id,
                          "dimension": "sale_price_above", "percent": 2.0})
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError), self.env.cr.savepoint():
            Tolerance.create({"company_id": self.company.id, "partner_id": self.customer.id,
                                  "dimension": "sale_price_above", "percent": 3.0})
        self.assertEqual(self.customer.ispec_sale_tolerance_ids.mapped("summary"), ["Up to 2 %"])
        with self.assertRaises(ValidationError):
            self.company.ispec_sale_stale_days = 0

    def test_every_setting_is_on_the_form_with_help(self):
        company_settings = {name for name, field in self.env["res.company"]._fields.items()
                            if field._module == "invoicing_specialist_sale"}
        self.assertEqual(company_settings, set(SALE_SETTINGS_FIELDS))
        arch = self.env["ispec.settings"].get_views([(False, "form")])["views"]["form"]["arch"]
        for name in SALE_SETTINGS_FIELDS:
            self.assertIn(f'name="{name}"', arch)
            self.assertTrue(self.env["ispec.settings"]._fields[name].help, f"{name} has help text")


@tagged("post_install", "-at_install")
class TestSaleSecurity(SaleMatchCase):
    """Every model of this module has deliberate rights for the three roles and a multi-company rule."""

    EXPECTED = {
        "ispec.sale.backlog": {"specialist": "r", "manager": "r", "auditor": "r"},  # a view of the order lines
        "ispec.sale.backlog.digest": {"specialist": "", "manager": "r", "auditor": "r"},  # written by the job only
    }

    def test_rights_of_each_role_on_each_model(self):
        models = {name for name, model in self.env.registry.items()
                  if model._original_module == "invoicing_specialist_sale" and not model._abstract}
        self.assertEqual(models, set(self.EXPECTED))
        users = {role: new_test_user(self.env, f"sale_sec_{role}", groups=f"invoicing_specialist.group_{role}")
                 for role in ("specialist", "manager", "auditor")}
        Access = self.env["ir.model.access"]
        for model, expected in self.EXPECTED.items():
            for role, user in users.items():
                rights = "".join(letter for letter, mode in zip("rwcu", ("read", "write", "create", "unlink"),
                                                                 strict=True)
                                 if Access.with_user(user).check(model, mode, raise_exception=False))
                self.assertEqual(rights, expected[role], f"{role} on {model}")
            rules = self.env["ir.rule"].search([("model_id.model", "=", model), ("global", "=", True)])
            self.assertTrue(any("company_ids" in rule.domain_force for rule in rules), model)
        # A specialist may run Odoo's invoicing wizard from the backlog, a salesperson's right they lack otherwise.
        self.assertTrue(Access.with_user(users["specialist"]).check("sale.advance.payment.inv", "create",
                                                                    raise_exception=False))
