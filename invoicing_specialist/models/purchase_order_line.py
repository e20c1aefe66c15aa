from odoo import models


class PurchaseOrderLine(models.Model):
    _inherit = "purchase.order.line"

    # --- BILL MATCHING ---

    def write(self, vals):
        res = super().write(vals)
        if {"price_unit", "product_qty", "discount", "product_uom_id", "qty_received"} & set(vals):
            self._ispec_bills()._ispec_match_recheck()
        return res

    def _ispec_bills(self):
        """The vendor bills and refunds with a line on these purchase order lines."""
        if not self:
            return self.env["account.move"]
        # sudo: receipts and PO changes are made by people without accounting rights; the bills found
        # here are only rechecked, and the check itself writes nothing a user typed.
        return self.env["account.move.line"].sudo().search([
            ("purchase_line_id", "in", self.ids), ("move_id.move_type", "in", ("in_invoice", "in_refund")),
            ("parent_state", "!=", "cancel")]).move_id
