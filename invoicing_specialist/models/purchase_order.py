from odoo import api, fields, models

# The order in which a bill's match state matters to a buyer: the first found is the order's.
STATE_PRIORITY = ("exception", "waiting", "overridden", "matched")


class PurchaseOrder(models.Model):
    _inherit = "purchase.order"

    # --- BILL MATCHING ---
    ispec_bill_match_state = fields.Selection(
        [
            ("exception", "Match Exception"),
            ("waiting", "Waiting for Receipt"),
            ("overridden", "Overridden"),
            ("matched", "Matched"),
        ],
        string="Bills Match", compute="_compute_ispec_bill_match_state",
        help="The most pressing match state among this order's vendor bills.",
    )

    @api.depends("invoice_ids.ispec_match_state")
    def _compute_ispec_bill_match_state(self):
        for order in self:
            states = set(order.invoice_ids.filtered(lambda m: m.state != "cancel").mapped("ispec_match_state"))
            order.ispec_bill_match_state = next((state for state in STATE_PRIORITY if state in states), False)
