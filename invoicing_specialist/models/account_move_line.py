from odoo import fields, models


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    # --- DISPUTES ---
    # The follow-up flag a receivable line had before its invoice went into dispute, restored
    # exactly when the last case ends (so a flag a person set by hand stays).
    ispec_followup_saved = fields.Boolean(copy=False, readonly=True)
    ispec_followup_by_dispute = fields.Boolean(copy=False, readonly=True)
