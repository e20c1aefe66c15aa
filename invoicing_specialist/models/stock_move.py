from odoo import models


class StockMove(models.Model):
    _inherit = "stock.move"

    # --- BILL MATCHING ---

    def _action_done(self, cancel_backorder=False):
        # Receipts and returns change the received quantity the bills are matched against.
        done = super()._action_done(cancel_backorder=cancel_backorder)
        done.purchase_line_id._ispec_bills()._ispec_match_recheck()
        return done
