from odoo import fields, models


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

    def _ispec_match_reason_texts(self):
        texts = []
        labels_by_code = self.env["ispec.match"]._reason_labels()
        for line in self.filtered(lambda line: line.ispec_match_state == "exception"):
            labels = ", ".join(labels_by_code[code] for code in line.ispec_match_reasons.split(","))
            texts.append("%s: %s" % (line.product_id.display_name or line.name, labels))
        return texts
