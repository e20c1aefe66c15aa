"""Odoo stays Odoo on customer invoices: with this module installed, users who have only Odoo's own sales and
accounting groups (no Invoicing Specialist group) invoice their sales orders as they do without it."""
from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, new_test_user, tagged
from odoo.tools import format_amount

from odoo.addons.invoicing_specialist.tests import test_access

from .sale_match_common import SaleMatchCase

# Every group of the addon (invoicing_specialist/security/invoicing_specialist_security.xml): no user here has one.
ADDON_GROUPS = ("invoicing_specialist.group_specialist", "invoicing_specialist.group_manager",
                "invoicing_specialist.group_auditor")
# What the invoice shows of the check against its sales orders, read as each user.
MOVE_CHECK_FIELDS = ["ispec_match_state", "ispec_match_reason_ids", "ispec_sale_match_line_ids",
                     "ispec_match_override_ids", "ispec_match_override_count", "ispec_match_checked_at"]
LINE_CHECK_FIELDS = ["ispec_match_state", "ispec_match_reasons", "ispec_match_reason_text", "ispec_qty_ordered",
                     "ispec_qty_received", "ispec_qty_billed", "ispec_po_price", "ispec_bill_price",
                     "ispec_expected_subtotal", "ispec_sale_order_id", "ispec_sale_match_detail"]


@tagged("post_install", "-at_install")
class TestSaleOdooGroups(SaleMatchCase):
    """A salesperson with billing rights, a billing user and an accounting administrator invoice a confirmed and
    delivered sales order with Odoo's own Create Invoice, open, edit and post the invoice, and read its check
    against the order; an invoice priced off the order posts in warn mode, and refuse mode stops it with a
    message that says what to do, leaving the invoice a draft."""

    # Records are opened as the web client opens them (get_views with the action's views, then
    # web_search_read / web_read with the views' field specification): bill matching's own helpers.
    _spec = test_access.WebClientCase.__dict__["_spec"]
    _client = test_access.WebClientCase._client
    _failing_fields = test_access.WebClientCase._failing_fields
    _open = test_access.WebClientCase._open

    @classmethod
    def setUpClass(cls):
        super().setUpClass()

        def user(login, groups):
            return new_test_user(cls.env, login, groups=groups, company_id=cls.company.id,
                                 company_ids=[Command.set(cls.company.ids)])

        cls.seller = user("odoo_sale_seller", "sales_team.group_sale_salesman_all_leads,account.group_account_invoice")
        cls.billing = user("odoo_sale_billing", "account.group_account_invoice")
        cls.account_admin = user("odoo_sale_account_admin", "account.group_account_manager")

    # --- helpers ---

    def _odoo_groups_only(self, user):
        addon_groups = self.env["res.groups"].browse([self.env.ref(xmlid).id for xmlid in ADDON_GROUPS])
        given = user.all_group_ids & addon_groups
        self.assertFalse(given, f"{user.login} must have only Odoo's groups, not {given.mapped('name')}")

    def _delivered_order(self):
        """10 crates at 20, confirmed and delivered by the warehouse."""
        order = self._so()
        self._deliver(order, 10)
        self.assertEqual(order.invoice_status, "to invoice")
        return order

    def _create_invoice_wizard(self, user, order):
        """The order's Create Invoice button as ``user``: Odoo's wizard, in its own form, invoicing what was
        delivered."""
        form = Form(self.env["sale.advance.payment.inv"].with_user(user).with_context(
            active_model="sale.order", active_ids=order.ids, active_id=order.id))
        self.assertEqual(form.advance_payment_method, "delivered")
        return form.save().create_invoices()

    def _invoice_as(self, who, user, order):
        """``user`` opens the order and creates its invoice with Create Invoice; the invoice opens."""
        self._open(who, user, "sale.action_orders", order)
        try:
            action = self._create_invoice_wizard(user, order)
        except AccessError as error:
            self.fail(f"{who}: Create Invoice on {order.name} raises {error}")
        invoice = order.invoice_ids
        self.assertEqual((action["res_model"], action["res_id"]), ("account.move", invoice.id))
        self.assertEqual((invoice.state, invoice.invoice_line_ids.quantity, invoice.amount_total), ("draft", 10, 200))
        return invoice

    def _odoo_refuses_create_invoice(self, who, user, order):
        """Odoo lets only salespeople use Create Invoice (sale's access rights on its wizard); the addon grants it
        to its specialists and takes it from no one."""
        with self.assertRaises(AccessError, msg=f"{who}: Odoo keeps Create Invoice for salespeople"):
            self._create_invoice_wizard(user, order)
        rights = self.env["ir.model.access"].search([("model_id.model", "=", "sale.advance.payment.inv")])
        self.assertEqual(rights.group_id, self.env.ref("sales_team.group_sale_salesman")
                         | self.env.ref("invoicing_specialist.group_specialist"))
        self.assertFalse(user.all_group_ids & rights.group_id)
        self.assertFalse(order.invoice_ids)

    def _edit_line(self, who, user, invoice, **values):
        """``user`` changes the first line in the invoice's form and saves."""
        try:
            with Form(invoice.with_user(user)) as form, form.invoice_line_ids.edit(0) as line:
                for name, value in values.items():
                    setattr(line, name, value)
        except AccessError as error:
            self.fail(f"{who}: editing {invoice.display_name} raises {error}")

    def _post(self, who, user, invoice):
        try:
            invoice.with_user(user).action_post()
        except AccessError as error:
            self.fail(f"{who}: posting {invoice.display_name} raises {error}")
        self.assertEqual(invoice.state, "posted")

    def _read_check(self, who, user, invoice):
        """The invoice's check fields read as ``user``, as a new request does (nothing in the cache)."""
        self.env.invalidate_all()
        as_user = invoice.with_user(user)
        try:
            [move] = as_user.read(MOVE_CHECK_FIELDS)
            [line] = as_user.invoice_line_ids.read(LINE_CHECK_FIELDS)
            reasons = as_user.ispec_match_reason_ids.mapped("name")
        except AccessError as error:
            self.fail(f"{who}: reading the sale check of {invoice.display_name} raises {error}")
        return move, line, reasons

    def _work_invoice(self, who, user, invoice, order):
        """``user`` opens the invoice, invoices 8 of the 10 crates, posts it and reads its check."""
        self._open(who, user, "account.action_move_out_invoice", invoice)
        self._edit_line(who, user, invoice, quantity=8)
        self.assertEqual((invoice.amount_total, invoice.ispec_match_state), (160, "matched"))
        self._post(who, user, invoice)
        self._open(who, user, "account.action_move_out_invoice", invoice)
        move, line, reasons = self._read_check(who, user, invoice)
        self.assertEqual((move["ispec_match_state"], move["ispec_sale_match_line_ids"], reasons),
                         ("matched", [], []))
        self.assertEqual(
            (line["ispec_match_state"], line["ispec_qty_ordered"], line["ispec_qty_received"],
             line["ispec_qty_billed"], line["ispec_po_price"], line["ispec_bill_price"],
             line["ispec_expected_subtotal"], line["ispec_sale_order_id"][0], line["ispec_sale_match_detail"]),
            ("matched", 10, 10, 8, 20, 20, 160, order.id, False))
        self.assertEqual((order.order_line.qty_invoiced, order.invoice_status), (8, "to invoice"))

    def _price_reason(self, invoice):
        """What the check says of a crate invoiced at 25 instead of the order's 20."""
        def money(amount):
            return format_amount(self.env, amount, invoice.currency_id)
        return f"Price above the sales order (net price {money(25.0)}, on the order {money(20.0)})"

    def _priced_above_the_order(self, who, user):
        """A delivered order's invoice (the seller's Create Invoice), repriced by ``user`` to 25 a crate."""
        order = self._delivered_order()
        invoice = self._invoice_as("seller", self.seller, order)
        self._edit_line(who, user, invoice, price_unit=25.0)
        self.assertEqual((self._codes(invoice), invoice.amount_total), (["sale_price_above"], 250))
        return invoice

    # --- one test per Odoo group ---

    def test_salesperson_with_billing_rights(self):
        who, user = "seller", self.seller
        self._odoo_groups_only(user)
        order = self._delivered_order()
        invoice = self._invoice_as(who, user, order)
        self.assertEqual(invoice.ispec_match_state, "matched")
        self._work_invoice(who, user, invoice, order)

    def _works_the_sellers_invoice(self, who, user):
        """Create Invoice stays the salespeople's, as in Odoo; ``user`` opens the order and works the invoice
        a salesperson made from it."""
        self._odoo_groups_only(user)
        order = self._delivered_order()
        self._open(who, user, "sale.action_orders", order)
        self._odoo_refuses_create_invoice(who, user, order)
        invoice = self._invoice_as("seller", self.seller, order)
        self._work_invoice(who, user, invoice, order)

    def test_billing_user(self):
        self._works_the_sellers_invoice("billing", self.billing)

    def test_accounting_administrator(self):
        self._works_the_sellers_invoice("account_admin", self.account_admin)

    # --- an invoice that does not match its order ---

    def test_exception_posts_in_warn_mode(self):
        """Warn mode (the default): the billing user posts the invoice priced above the order and sees why it
        is in exception."""
        who, user = "billing", self.billing
        self.assertEqual(self.company.ispec_sale_match_mode, "warn")
        invoice = self._priced_above_the_order(who, user)
        self._post(who, user, invoice)
        self._open(who, user, "account.action_move_out_invoice", invoice)
        move, line, reasons = self._read_check(who, user, invoice)
        self.assertEqual((move["ispec_match_state"], move["ispec_sale_match_line_ids"], reasons),
                         ("exception", invoice.invoice_line_ids.ids, ["Price above the sales order"]))
        self.assertEqual((line["ispec_match_state"], line["ispec_match_reasons"], line["ispec_po_price"],
                          line["ispec_bill_price"]), ("exception", "sale_price_above", 20, 25))
        self.assertEqual((line["ispec_sale_match_detail"], line["ispec_match_reason_text"]),
                         (self._price_reason(invoice), "Price above the sales order"))

    def test_refuse_mode_tells_the_billing_user_what_to_do(self):
        """Refuse mode: the billing user's Confirm is refused with the invoice, the reason and what to do;
        nothing is posted, even before the request's rollback. Corrected, the invoice posts."""
        who, user = "billing", self.billing
        self.company.ispec_sale_match_mode = "refuse"
        invoice = self._priced_above_the_order(who, user)
        order = invoice.invoice_line_ids.sale_line_ids.order_id

        def snapshot():
            self.env.flush_all()
            self.env.invalidate_all()
            return (invoice.state, invoice.name, invoice.posted_before, invoice.amount_total,
                    invoice.payment_state, invoice.line_ids.mapped("parent_state"), len(invoice.message_ids),
                    order.order_line.qty_invoiced, order.invoice_status)

        before = snapshot()
        # No assertRaises: its savepoint would roll back what a half-done posting wrote.
        try:
            invoice.with_user(user).action_post()
        except UserError as error:
            message = str(error)
        else:
            self.fail("refuse mode posted an invoice priced above its order")
        self.assertEqual(snapshot(), before)
        self.assertEqual(invoice.state, "draft")
        self.assertIn("do not match their sales orders and cannot be posted", message)
        self.assertIn(f"{invoice.display_name} ({self.customer.display_name})", message)
        self.assertIn(f"Crate of apples: {self._price_reason(invoice)}", message)
        self.assertIn("Correct the invoice, or ask an Invoicing Specialist manager to override the exceptions.",
                      message)
        # What the message says to do, done by the billing user: the order's price, and the invoice posts.
        self._edit_line(who, user, invoice, price_unit=20.0)
        self.assertEqual(invoice.ispec_match_state, "matched")
        self._post(who, user, invoice)
        self.assertEqual((invoice.amount_total, order.invoice_status), (200, "invoiced"))
