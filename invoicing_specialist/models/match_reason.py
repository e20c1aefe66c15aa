from odoo import fields, models


class IspecMatchReason(models.Model):
    """The reasons a bill line does not match its purchase order. The codes are fixed (the matching
    writes them); the records exist so that bills can be filtered and grouped by reason."""

    _name = "ispec.match.reason"
    _description = "Bill Matching Reason"
    _order = "sequence, id"
    _rec_name = "name"

    code = fields.Char(required=True, readonly=True)
    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    description = fields.Text(translate=True, help="What this reason means and what usually clears it.")

    _code_unique = models.Constraint("UNIQUE(code)", "Each matching reason code exists once.")

    def _by_code(self):
        """{code: reason} of every reason, in one query."""
        return {reason.code: reason for reason in self.sudo().search([])}  # sudo: fixed reference data
