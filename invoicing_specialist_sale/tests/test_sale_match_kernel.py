from odoo.tests import BaseCase

from odoo.addons.invoicing_specialist.kernels import match as kernel
from odoo.addons.invoicing_specialist_sale.kernels import sale_match as sale_kernel

EXACT = kernel.Tolerances()


def line(by_delivery=True, ordered=10.0, delivered=10.0, invoiced=10.0, order_price=100.0, order_discount=0.0,
         invoice_price=100.0, invoice_discount=0.0, tolerances=EXACT):
    return sale_kernel.evaluate_sale_line(
        by_delivery=by_delivery, ordered=ordered, delivered=delivered, invoiced=invoiced, order_price=order_price,
        order_discount=order_discount, invoice_price=invoice_price, invoice_discount=invoice_discount,
        tolerances=tolerances)


class TestSaleMatchKernel(BaseCase):
    """Customer invoice lines read with bill matching's arithmetic, without a database."""

    def test_quantities(self):
        self.assertEqual(line().state, "matched")
        self.assertEqual(line(delivered=4.0, invoiced=6.0).reasons, ["sale_over_delivered"])
        self.assertEqual(line(delivered=4.0, invoiced=4.0).state, "matched", "partial delivery, partial invoice")
        # Nothing delivered: a bill would wait for its receipt; a customer invoice is over-invoiced.
        self.assertEqual(line(delivered=0.0, invoiced=2.0).reasons, ["sale_over_delivered"])
        self.assertEqual(line(delivered=10.0, invoiced=12.0).reasons, ["sale_over_ordered", "sale_over_delivered"])
        self.assertEqual(line(by_delivery=False, delivered=0.0, invoiced=10.0).state, "matched",
                         "invoiced on ordered quantities")
        self.assertEqual(line(by_delivery=False, invoiced=11.0).reasons, ["sale_over_ordered"])
        # A return credited later: 7 invoiced in all against 7 delivered.
        self.assertEqual(line(delivered=7.0, invoiced=7.0).state, "matched")
        # Within a quantity tolerance of 1 unit.
        tolerances = kernel.Tolerances(qty=kernel.Limit(absolute=1.0))
        self.assertEqual(line(delivered=4.0, invoiced=5.0, tolerances=tolerances).state, "within_tolerance")
        self.assertEqual(line(delivered=0.0, invoiced=1.0, tolerances=tolerances).state, "within_tolerance")

    def test_prices_and_discounts(self):
        self.assertEqual(line(invoice_price=101.0).reasons, ["sale_price_above"])
        self.assertEqual(line(invoice_price=99.0).reasons, ["sale_price_below"])
        self.assertEqual(line(order_discount=10.0, invoice_discount=15.0).reasons, ["sale_discount"])
        self.assertEqual(line(invoice_price=110.0, order_discount=10.0, invoice_discount=15.0).reasons,
                         ["sale_price_above", "sale_discount"], "both differ, the net (93.50) is above")
        # The same net price with another split between price and discount is no exception.
        self.assertEqual(line(invoice_price=125.0, invoice_discount=20.0).state, "within_tolerance")
        tolerances = kernel.Tolerances(price_below=kernel.Limit(pct=5.0))
        self.assertEqual(line(order_discount=10.0, invoice_discount=14.0, tolerances=tolerances).state,
                         "within_tolerance")
        self.assertEqual(line(order_discount=10.0, invoice_discount=15.0, tolerances=tolerances).reasons,
                         ["sale_discount"])

    def test_terms(self):
        order = {sale_kernel.PAYMENT_TERM: 1, sale_kernel.INVOICE_ADDRESS: 7}
        self.assertEqual(sale_kernel.evaluate_terms(order_terms=order, invoice_terms=dict(order)), [])
        invoice = {sale_kernel.PAYMENT_TERM: 2, sale_kernel.INVOICE_ADDRESS: 7, sale_kernel.FISCAL_POSITION: 3}
        self.assertEqual(sale_kernel.evaluate_terms(order_terms=order, invoice_terms=invoice), ["sale_payment_term"])
        self.assertEqual(sale_kernel.sort_reasons(["sale_customer_ref", "sale_over_delivered", "sale_customer_ref"]),
                         ["sale_over_delivered", "sale_customer_ref"])
