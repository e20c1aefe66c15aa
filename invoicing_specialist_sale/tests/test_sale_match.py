import logging

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import Form, new_test_user, tagged

from .sale_match_common import SaleMatchCase

_logger = logging.getLogger(__name__)


@tagged("post_install", "-at_install")
class TestSaleMatch(SaleMatchCase):
    """Each rule fires on an invoice made wrong on purpose, and stays quiet on a correct one."""

    def _edit_line(self, invoice, index=0, **values):
        with Form(invoice) as form, form.invoice_line_ids.edit(index) as line:
            for name, value in values.items():
                setattr(line, name, value)

    def test_clean_invoice_is_quiet_and_posts(self):
        order = self._so()
        self._deliver(order, 10)
        invoice = self._invoice(order)
        self.assertEqual((invoice.ispec_match_state, invoice.invoice_line_ids.ispec_match_state),
                         ("matched", "matched"))
        self.assertFalse(invoice.ispec_match_reason_ids)
        line = invoice.invoice_line_ids
        self.assertEqual((line.ispec_qty_ordered, line.ispec_qty_received, line.ispec_qty_billed), (10, 10, 10))
        self.assertEqual((line.ispec_po_price, line.ispec_bill_price), (20.0, 20.0))
        self.company.ispec_sale_match_mode = "refuse"
        invoice.action_post()
        self.assertEqual(invoice.state, "posted")

    def test_invoice_without_order_is_not_checked(self):
        invoice = self._create_invoice(partner_id=self.customer.id, invoice_line_ids=[Command.create({
            "product_id": self.goods.id, "quantity": 3, "price_unit": 20.0, "tax_ids": [Command.clear()]})])
        self.assertFalse(invoice.ispec_match_state, "no order, nothing required: not checked at all")

    def test_partial_deliveries_and_two_invoices(self):
        order = self._so()
        self._deliver(order, 4)
        first = self._invoice(order, post=True)
        self.assertEqual((first.ispec_match_state, first.invoice_line_ids.quantity), ("matched", 4))
        self._deliver(order, 6)
        self.assertEqual(len(order.picking_ids.filtered(lambda p: p.state == "done")), 2, "two deliveries")
        second = self._invoice(order)
        line = second.invoice_line_ids
        self.assertEqual((second.ispec_match_state, line.quantity, line.ispec_qty_billed), ("matched", 6, 10))
        # The second invoice raised by hand to 8: 12 invoiced in all against 10 delivered and ordered.
        self._edit_line(second, quantity=8)
        self.assertEqual(self._codes(second), ["sale_over_delivered", "sale_over_ordered"])
        self.assertEqual((line.ispec_qty_billed, line.ispec_qty_received), (12, 10))
        self.assertIn("12 invoiced in all, 10 delivered", line.ispec_sale_match_detail)
        self.assertEqual(second.ispec_sale_match_line_ids, line)
        self.assertEqual(line.ispec_sale_order_id, order)
        self.assertEqual(first.ispec_match_state, "matched", "the posted invoice keeps the check it went out with")

    def test_over_delivered_and_invoiced_before_delivery(self):
        order = self._so()
        self._deliver(order, 4)
        invoice = self._invoice(order)
        self._edit_line(invoice, quantity=6)
        self.assertEqual(self._codes(invoice), ["sale_over_delivered"])
        self.assertEqual(invoice.invoice_line_ids.ispec_qty_billed, 6)
        # Nothing delivered yet: a customer invoice does not wait as a bill does, it is over-invoiced.
        order2 = self._so()
        invoice2 = self._create_invoice(partner_id=self.customer.id, invoice_payment_term_id=self.payment_30.id,
                                        invoice_line_ids=[Command.create({
            "product_id": self.goods.id, "quantity": 2, "price_unit": 20.0, "tax_ids": [Command.clear()],
            "sale_line_ids": [Command.set(order2.order_line.ids)]})])
        self.assertEqual(self._codes(invoice2), ["sale_over_delivered"])

    def test_a_delivery_or_an_order_change_checks_the_drafts_again(self):
        order = self._so()
        self._deliver(order, 4)
        invoice = self._invoice(order)
        self._edit_line(invoice, quantity=6)
        self.assertEqual(self._codes(invoice), ["sale_over_delivered"])
        self._deliver(order, 6)
        self.assertEqual(invoice.ispec_match_state, "matched", "the rest was delivered: the draft matches")
        order.order_line.price_unit = 25.0
        self.assertEqual(self._codes(invoice), ["sale_price_below"], "the order's new price")

    def test_ordered_quantity_policy(self):
        order = self._so([(self.service, 2.0, 100.0, 0.0)])
        invoice = self._invoice(order)
        self.assertEqual(invoice.ispec_match_state, "matched", "invoiced on ordered quantities: no delivery needed")
        self._edit_line(invoice, quantity=3)
        self.assertEqual(self._codes(invoice), ["sale_over_ordered"])

    def test_price_and_discount(self):
        order = self._so([(self.goods, 10.0, 20.0, 10.0)])
        self._deliver(order, 10)
        invoice = self._invoice(order)
        self.assertEqual(invoice.ispec_match_state, "matched")
        self._edit_line(invoice, price_unit=21.0)
        self.assertEqual(self._codes(invoice), ["sale_price_above"])
        line = invoice.invoice_line_ids
        self.assertEqual((line.ispec_po_price, line.ispec_bill_price), (18.0, 18.9))
        self._edit_line(invoice, price_unit=19.0)
        self.assertEqual(self._codes(invoice), ["sale_price_below"])
        self._edit_line(invoice, price_unit=20.0, discount=15.0)
        self.assertEqual(self._codes(invoice), ["sale_discount"], "only the discount differs")
        self.assertIn("discount 15 %, on the order 10 %", line.ispec_sale_match_detail)
        # A company tolerance of 5 % lets the 15 % discount (net 17 against 18: 5.6 %) through only at 6 %.
        Tolerance = self.env["ispec.match.tolerance"]
        company_rule = Tolerance.create({"company_id": self.company.id, "dimension": "sale_price_below",
                                         "percent": 5.0})
        invoice.action_ispec_match_recheck()
        self.assertEqual(self._codes(invoice), ["sale_discount"])
        company_rule.percent = 6.0
        invoice.action_ispec_match_recheck()
        self.assertEqual((invoice.ispec_match_state, line.ispec_match_state), ("matched", "within_tolerance"))
        self.assertEqual(company_rule.summary, "Up to 6 %")
        # The customer's own row replaces the company's: exact for this customer.
        Tolerance.create({"company_id": self.company.id, "partner_id": self.customer.id,
                          "dimension": "sale_price_below", "percent": 0.0})
        invoice.action_ispec_match_recheck()
        self.assertEqual(self._codes(invoice), ["sale_discount"])

    def test_terms_as_on_the_order(self):
        order = self._so(client_order_ref="HF-PO-7")
        self._deliver(order, 10)
        invoice = self._invoice(order)
        self.assertEqual((invoice.ispec_match_state, invoice.ref), ("matched", "HF-PO-7"))
        position = self.env["account.fiscal.position"].create({"name": "Export"})
        other_address = self.env["res.partner"].create({"name": "Harbor Foods, accounts", "type": "invoice",
                                                        "parent_id": self.customer.id})
        with Form(invoice) as form:
            form.invoice_payment_term_id = self.payment_now
            form.partner_id = other_address
            form.ref = ""
        self.assertEqual(self._codes(invoice), ["sale_invoice_address", "sale_payment_term"])
        self.customer.ispec_sale_po_required = True
        invoice.action_ispec_match_recheck()
        self.assertEqual(self._codes(invoice), ["sale_customer_ref", "sale_invoice_address", "sale_payment_term"])
        detail = invoice.invoice_line_ids.ispec_sale_match_detail
        self.assertIn("Immediate Payment, on the order 30 Days", detail)
        order.fiscal_position_id = position
        with Form(invoice) as form:
            form.invoice_payment_term_id = self.payment_30
            form.partner_id = self.customer
            form.ref = "HF-PO-7"
        self.assertEqual(self._codes(invoice), ["sale_fiscal_position"])
        invoice.fiscal_position_id = position
        self.assertEqual(invoice.ispec_match_state, "matched")

    def test_lines_without_an_order(self):
        self.customer.ispec_sale_order_required = True
        order = self._so()
        self._deliver(order, 10)
        invoice = self._invoice(order)
        with Form(invoice) as form, form.invoice_line_ids.new() as line:
            line.product_id = self.service
            line.quantity = 1
            line.price_unit = 100.0
        lines = invoice.invoice_line_ids
        self.assertEqual(self._codes(invoice), ["sale_no_order"])
        self.assertEqual(invoice.ispec_sale_match_line_ids, lines.filtered(lambda line: not line.sale_line_ids))
        self.assertEqual(lines.filtered("sale_line_ids").ispec_match_state, "matched")
        # Another customer, no requirement: the same line is not checked.
        other = self._create_invoice(partner_id=self.partner_a.id, invoice_line_ids=[Command.create({
            "product_id": self.service.id, "quantity": 1, "price_unit": 100.0})])
        self.assertFalse(other.ispec_match_state)
        # The company setting requires it of every customer.
        self.company.ispec_sale_order_required = True
        other.action_ispec_match_recheck()
        self.assertEqual(self._codes(other), ["sale_no_order"])

    def test_return_after_invoicing_makes_a_credit_note_not_an_exception(self):
        order = self._so()
        picking = self._deliver(order, 10)
        invoice = self._invoice(order, post=True)
        self._return(picking, 3)
        self.assertEqual(order.order_line.qty_delivered, 7)
        credit = self._invoice(order)
        self.assertEqual((credit.move_type, credit.invoice_line_ids.quantity), ("out_refund", 3))
        self.assertEqual(credit.ispec_match_state, "matched")
        self.assertEqual(credit.invoice_line_ids.ispec_qty_billed, 7)
        credit.action_post()
        self.assertEqual(invoice.ispec_match_state, "matched")

    def test_credit_note_brings_an_over_invoice_back(self):
        order = self._so()
        self._deliver(order, 8)
        invoice = self._invoice(order)
        self._edit_line(invoice, quantity=10)
        self.assertEqual(self._codes(invoice), ["sale_over_delivered"])
        invoice.action_post()  # warn mode: posted with its exception
        self.assertEqual((invoice.state, invoice.ispec_match_state), ("posted", "exception"))
        credit = self._invoice(order)
        self.assertEqual((credit.move_type, credit.invoice_line_ids.quantity), ("out_refund", 2))
        self.assertEqual((credit.ispec_match_state, credit.invoice_line_ids.ispec_qty_billed), ("matched", 8))
        credit.action_post()
        self._deliver(order, 2)
        last = self._invoice(order)
        self.assertEqual((last.invoice_line_ids.quantity, last.ispec_match_state), (2, "matched"))

    def test_two_currencies(self):
        eur = self.setup_other_currency("EUR", rates=[("2000-01-01", 2.0)])
        pricelist = self.env["product.pricelist"].create({"name": "EUR", "currency_id": eur.id})
        order = self._so(pricelist_id=pricelist.id)
        self.assertEqual(order.currency_id, eur)
        self._deliver(order, 10)
        invoice = self._invoice(order)
        self.assertEqual((invoice.currency_id, invoice.ispec_match_state), (eur, "matched"))
        # The invoice turned into dollars at the same figures: 20 $ is 40 EUR, twice the order's price.
        with Form(invoice) as form:
            form.currency_id = self.company.currency_id
        line = invoice.invoice_line_ids
        self.assertEqual((line.ispec_po_price, line.ispec_bill_price), (10.0, 20.0))
        self.assertEqual(self._codes(invoice), ["sale_price_above"])
        self._edit_line(invoice, price_unit=10.0)
        self.assertEqual(invoice.ispec_match_state, "matched")
        # An amount tolerance is in the company's currency and converted at the invoice date.
        self.env["ispec.match.tolerance"].create({"company_id": self.company.id, "dimension": "sale_price_above",
                                                  "absolute": 0.5})
        with Form(invoice) as form:
            form.currency_id = eur
        self._edit_line(invoice, price_unit=20.9)
        self.assertEqual(invoice.ispec_match_state, "matched", "0.90 EUR within 0.50 $ = 1.00 EUR")
        self._edit_line(invoice, price_unit=21.1)
        self.assertEqual(self._codes(invoice), ["sale_price_above"])


@tagged("post_install", "-at_install")
class TestSaleMatchEffect(SaleMatchCase):
    """Refuse mode blocks posting, naming each invoice and reason; a manager's override releases it; a
    specialist cannot override."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.ispec_sale_match_mode = "refuse"
        cls.specialist = new_test_user(cls.env, "sale_specialist", groups="invoicing_specialist.group_specialist")

    def _over_invoiced(self, qty=6, delivered=4):
        order = self._so()
        self._deliver(order, delivered)
        invoice = self._invoice(order)
        with Form(invoice) as form, form.invoice_line_ids.edit(0) as line:
            line.quantity = qty
        return order, invoice

    def _override(self, invoices, note="Customer agreed to pay the rest in advance", user=None):
        env = self.env(user=user) if user else self.env
        action = invoices.with_env(env).action_ispec_match_override()
        wizard = env[action["res_model"]].with_context(**action["context"]).create({"note": note})
        wizard.action_confirm()
        return invoices.ispec_match_override_ids.filtered(lambda override: override.state == "active")

    def test_refuse_names_each_invoice_and_reason(self):
        _order, first = self._over_invoiced()
        order2 = self._so(client_order_ref="HF-9")
        self._deliver(order2, 10)
        second = self._invoice(order2)
        with Form(second) as form:
            form.invoice_payment_term_id = self.payment_now
        with self.assertRaises(UserError) as refusal:
            (first | second).action_post()
        message = str(refusal.exception)
        self.assertIn("do not match their sales orders and cannot be posted", message)
        for invoice in (first, second):
            self.assertIn(invoice.display_name, message)
        self.assertIn("Crate of apples: Invoiced more than delivered (6 invoiced in all, 4 delivered)", message)
        self.assertIn("Payment terms differ from the sales order (Immediate Payment, on the order 30 Days)", message)
        self.assertEqual((first.state, second.state), ("draft", "draft"))

    def test_override_releases_and_expires_when_the_line_changes(self):
        _order, invoice = self._over_invoiced()
        override = self._override(invoice)
        line = invoice.invoice_line_ids
        self.assertEqual((invoice.ispec_match_state, line.ispec_match_state), ("overridden", "overridden"))
        self.assertEqual((override.reason_ids.mapped("code"), override.qty_billed, override.qty_received),
                         (["sale_over_delivered"], 6, 4))
        self.assertIn("Customer agreed", invoice.message_ids[0].body)
        invoice.action_post()
        self.assertEqual(invoice.state, "posted")
        # Back to draft and changed: the override expires, posting is refused again.
        invoice.button_draft()
        self.assertEqual(invoice.ispec_match_state, "overridden", "unchanged: still accepted")
        with Form(invoice) as form, form.invoice_line_ids.edit(0) as line_form:
            line_form.quantity = 7
        self.assertEqual((override.state, invoice.ispec_match_state), ("expired", "exception"))
        with self.assertRaises(UserError):
            invoice.action_post()

    def test_override_expires_when_the_terms_change(self):
        _order, invoice = self._over_invoiced()
        override = self._override(invoice)
        with Form(invoice) as form:
            form.invoice_payment_term_id = self.payment_now
        self.assertEqual(override.state, "expired")
        self.assertEqual(self._codes(invoice), ["sale_over_delivered", "sale_payment_term"])

    def test_specialist_cannot_override(self):
        _order, invoice = self._over_invoiced()
        with self.assertRaises(UserError):
            self._override(invoice, user=self.specialist)
        with self.assertRaises(UserError):
            self.env["ispec.match.override"].with_user(self.specialist)._override_lines(
                invoice.invoice_line_ids, "I say so")
        self.assertEqual(invoice.ispec_match_state, "exception")
        # The specialist sees why and can check again, but not post.
        invoice_as_specialist = invoice.with_user(self.specialist)
        self.assertEqual(invoice_as_specialist.ispec_match_reason_ids.mapped("name"), ["Invoiced more than delivered"])
        invoice_as_specialist.action_ispec_match_recheck()
        with self.assertRaises(UserError):
            invoice_as_specialist.action_post()


@tagged("post_install", "-at_install")
class TestSaleMatchQueries(SaleMatchCase):
    """The check reads all invoices' lines, orders and deliveries at once: its query count does not grow
    with the number of invoices."""

    def _invoices(self, count):
        orders = self.env["sale.order"].create([{
            "partner_id": self.customer.id, "payment_term_id": self.payment_30.id,
            "order_line": [Command.create({"product_id": self.service.id, "product_uom_qty": 2, "price_unit": 100.0,
                                           "tax_ids": [Command.clear()]})],
        } for _index in range(count)])
        orders.action_confirm()
        invoices = orders._create_invoices(grouped=True)
        self.assertEqual(len(invoices), count)
        invoices.invoice_line_ids.price_unit = 101.0  # each in exception: the whole path runs
        return invoices

    def _count(self, invoices):
        self.env.invalidate_all()
        before = self.env.cr.sql_log_count
        self.env["ispec.sale.match"]._check_invoices(invoices)
        self.env.flush_all()
        return self.env.cr.sql_log_count - before

    def test_query_count_flat(self):
        one, hundred = self._invoices(1), self._invoices(100)
        queries_one, queries_hundred = self._count(one), self._count(hundred)
        self.assertEqual(set((one | hundred).mapped("ispec_match_state")), {"exception"})
        # Printed for the report; the bound is what matters.
        _logger.info("customer invoice check queries: 1 invoice %s, 100 invoices %s", queries_one, queries_hundred)
        self.assertLessEqual(queries_hundred, queries_one + 10, "the check of 100 invoices costs about one's")
        self.assertEqual(hundred[:1].ispec_match_reason_ids.mapped("code"), ["sale_price_above"])
