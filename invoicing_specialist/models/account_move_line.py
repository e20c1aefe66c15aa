from odoo import fields, models

from ..tools import match as kernel


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    # --- DISPUTES ---
    # The follow-up flag a receivable line had before its invoice went into dispute, restored
    # exactly when the last case ends (so a flag a person set by hand stays).
    ispec_followup_saved = fields.Boolean(copy=False, readonly=True)
    ispec_followup_by_dispute = fields.Boolean(copy=False, readonly=True)

    # --- BILL MATCHING ---
    ispec_match_state = fields.Selection(
        [
            ("matched", "Matched"),
            ("within_tolerance", "Within Tolerance"),
            ("waiting", "Waiting for Receipt"),
            ("exception", "Exception"),
            ("overridden", "Overridden"),
            ("not_checked", "Not Checked"),
        ],
        string="Match", readonly=True, copy=False,
    )
    ispec_match_reasons = fields.Char(string="Match Reasons", readonly=True, copy=False,
                                      help="Reason codes of the match exception, comma-separated.")
    ispec_qty_ordered = fields.Float(string="Ordered", digits="Product Unit", readonly=True, copy=False)
    ispec_qty_received = fields.Float(string="Received", digits="Product Unit", readonly=True, copy=False)
    ispec_qty_billed = fields.Float(string="Billed (all bills)", digits="Product Unit", readonly=True, copy=False)
    ispec_po_price = fields.Monetary(string="PO Price", currency_field="currency_id", readonly=True, copy=False)
    ispec_bill_price = fields.Monetary(string="Bill Price", currency_field="currency_id", readonly=True, copy=False)
    ispec_expected_subtotal = fields.Monetary(
        string="Expected Subtotal", currency_field="currency_id", readonly=True, copy=False,
        help="The line's quantity at the PO price, in the bill's currency at the bill date.")
    ispec_match_reason_text = fields.Char(string="Reasons", compute="_compute_ispec_match_reason_text")

    def _compute_ispec_match_reason_text(self):
        names = {code: reason.name for code, reason in self.env["ispec.match.reason"]._by_code().items()}
        for line in self:
            codes = kernel.split_reasons(line.ispec_match_reasons)
            line.ispec_match_reason_text = ", ".join(names.get(code, code) for code in codes) or False

    def _ispec_match_fingerprint(self):
        """What a manager's override holds on to: any change to it expires the override."""
        self.ensure_one()
        return "|".join([
            str(self.product_id.id), str(self.purchase_line_id.id), str(self.product_uom_id.id),
            str(self.currency_id.id), "%.6f" % self.quantity, "%.6f" % self.price_unit, "%.4f" % self.discount,
        ])

    def _ispec_match_reason_texts(self):
        return ["%s: %s" % (line.product_id.display_name or line.name, line.ispec_match_reason_text)
                for line in self.filtered(lambda line: line.ispec_match_state == "exception")]
