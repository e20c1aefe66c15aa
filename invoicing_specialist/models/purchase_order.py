from odoo import api, fields, models

from ..kernels import match as kernel
from .match import ORDER_MATCH_STATES


class PurchaseOrder(models.Model):
    _inherit = "purchase.order"

    # --- BILL MATCHING ---
    ispec_bill_match_state = fields.Selection(
        ORDER_MATCH_STATES,
        string="Bills Match", compute="_compute_ispec_bill_match_state",
        help="The most pressing match state among this order's vendor bills.",
    )

    @api.depends("invoice_ids.ispec_match_state")
    def _compute_ispec_bill_match_state(self):
        for order in self:
            states = order.invoice_ids.filtered(lambda m: m.state != "cancel").mapped("ispec_match_state")
            order.ispec_bill_match_state = kernel.most_pressing(states) or False

    def get_formview_id(self, access_uid=None):
        """Opened from a bill's match table (context ``ispec_po_readonly``) by someone without purchase
        rights (an accountant): the read-only form, without the buyer's buttons."""
        user = self.env["res.users"].browse(access_uid) if access_uid else self.env.user
        if self.env.context.get("ispec_po_readonly") and not user.has_group("purchase.group_purchase_user"):
            return self.env.ref("invoicing_specialist.purchase_order_view_form_readonly").id
        return super().get_formview_id(access_uid=access_uid)
