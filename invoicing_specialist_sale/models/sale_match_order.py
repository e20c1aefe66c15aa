from odoo import models

# A change to one of these on an order line changes what its draft invoices are checked against.
ORDER_LINE_FIELDS = {"price_unit", "discount", "product_uom_qty", "product_uom_id", "qty_delivered"}


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    def write(self, vals):
        res = super().write(vals)
        if ORDER_LINE_FIELDS & set(vals):
            self._ispec_draft_invoices()._ispec_sale_recheck(siblings=False)
        return res

    def _ispec_draft_invoices(self):
        """The draft customer invoices and credit notes with a line on these order lines."""
        if not self:
            return self.env["account.move"]
        # sudo: deliveries and order changes are made by people without accounting rights; the invoices found
        # here are only checked again, and the check writes nothing a user typed.
        return self.env["account.move.line"].sudo().search([
            ("sale_line_ids", "in", self.ids), ("move_id.move_type", "in", ("out_invoice", "out_refund")),
            ("parent_state", "=", "draft")]).move_id


class StockMove(models.Model):
    _inherit = "stock.move"

    def _action_done(self, cancel_backorder=False):
        # Deliveries and returns change the delivered quantity the draft invoices are checked against.
        done = super()._action_done(cancel_backorder=cancel_backorder)
        done.sale_line_id._ispec_draft_invoices()._ispec_sale_recheck(siblings=False)
        return done
