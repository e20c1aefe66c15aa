from odoo import Command
from odoo.tests import Form

from odoo.addons.account.tests.common import AccountTestInvoicingCommon


class SaleMatchCase(AccountTestInvoicingCommon):
    """Real sales orders, deliveries, returns and customer invoices made with Odoo's own Create Invoice."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.user.group_ids = [Command.link(cls.env.ref("invoicing_specialist.group_manager").id),
                                  Command.link(cls.env.ref("stock.group_stock_manager").id),
                                  Command.link(cls.env.ref("sales_team.group_sale_manager").id)]
        cls.company = cls.env.company
        cls.company.ispec_sale_match_mode = "warn"
        cls.env["ispec.match.tolerance"].search([("company_id", "=", cls.company.id),
                                                 ("dimension", "like", "sale_%")]).unlink()
        cls.customer = cls.env["res.partner"].create({"name": "Harbor Foods", "email": "ap@harbor.example.com"})
        cls.goods = cls.env["product.product"].create({
            "name": "Crate of apples", "type": "consu", "is_storable": True, "invoice_policy": "delivery",
            "list_price": 20.0, "taxes_id": [Command.clear()],
        })
        cls.service = cls.env["product.product"].create({
            "name": "Orchard consulting", "type": "service", "invoice_policy": "order",
            "list_price": 100.0, "taxes_id": [Command.clear()],
        })
        warehouse = cls.env["stock.warehouse"].search([("company_id", "=", cls.company.id)], limit=1)
        cls.env["stock.quant"]._update_available_quantity(cls.goods, warehouse.lot_stock_id, 1000.0)
        cls.payment_30 = cls.env.ref("account.account_payment_term_30days")
        cls.payment_now = cls.env.ref("account.account_payment_term_immediate")

    @classmethod
    def _so(cls, lines=None, partner=None, **values):
        """A confirmed sales order; ``lines``: [(product, qty, price, discount), ...], by default 10 crates at 20."""
        lines = lines or [(cls.goods, 10.0, 20.0, 0.0)]
        order = cls.env["sale.order"].create({
            "partner_id": (partner or cls.customer).id,
            "payment_term_id": cls.payment_30.id,
            "order_line": [Command.create({
                "product_id": product.id, "product_uom_qty": qty, "price_unit": price, "discount": discount,
                "tax_ids": [Command.clear()]}) for product, qty, price, discount in lines],
            **values,
        })
        order.action_confirm()
        return order

    def _deliver(self, order, qty, product=None):
        """Validate the open delivery of ``order`` for ``qty`` of ``product`` (the first goods line), leaving
        a backorder for the rest, as a warehouse user does."""
        picking = order.picking_ids.filtered(lambda p: p.state not in ("done", "cancel")
                                             and p.picking_type_code == "outgoing")[:1]
        move = picking.move_ids.filtered(lambda m: m.product_id == (product or self.goods))
        move.quantity = qty
        move.picked = True
        result = picking.button_validate()
        if isinstance(result, dict) and result.get("res_model") == "stock.backorder.confirmation":
            wizard = Form(self.env["stock.backorder.confirmation"].with_context(**result["context"])).save()
            wizard.process()
        self.assertEqual(picking.state, "done")
        return picking

    def _return(self, picking, qty):
        """Return ``qty`` of ``picking`` with Odoo's Return wizard, to be refunded, and validate the return."""
        wizard = Form(self.env["stock.return.picking"].with_context(
            active_ids=picking.ids, active_id=picking.id, active_model="stock.picking")).save()
        wizard.product_return_moves.write({"quantity": qty})
        result = wizard.action_create_returns()
        returned = self.env["stock.picking"].browse(result["res_id"])
        returned.move_ids.write({"quantity": qty, "picked": True})
        returned.button_validate()
        self.assertEqual(returned.state, "done")
        return returned

    def _invoice(self, orders, post=False):
        """The invoices Odoo's Create Invoice wizard makes for ``orders`` (regular invoice)."""
        before = orders.invoice_ids
        wizard = self.env["sale.advance.payment.inv"].with_context(
            active_model="sale.order", active_ids=orders.ids).create({"advance_payment_method": "delivered"})
        wizard.create_invoices()
        invoices = orders.invoice_ids - before
        self.assertTrue(invoices, "Create Invoice made an invoice")
        if post:
            invoices.action_post()
        return invoices

    @staticmethod
    def _codes(invoice):
        """The open reason codes of ``invoice``, sorted."""
        return sorted(invoice.ispec_match_reason_ids.mapped("code"))
