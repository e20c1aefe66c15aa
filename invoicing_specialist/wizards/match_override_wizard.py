from odoo import api, fields, models


class IspecMatchOverrideWizard(models.TransientModel):
    """A manager accepts the open match exceptions of one or more bills, saying why."""

    _name = "ispec.match.override.wizard"
    _description = "Override Match Exceptions"

    move_ids = fields.Many2many("account.move", string="Bills", required=True)
    line_ids = fields.Many2many("account.move.line", string="Exceptions", compute="_compute_line_ids")
    note = fields.Text(string="Why", required=True,
                       help="Why the exceptions are accepted; kept on the override and in the bill's chatter.")

    @api.depends("move_ids")
    def _compute_line_ids(self):
        for wizard in self:
            wizard.line_ids = wizard.move_ids.ispec_match_line_ids

    def action_confirm(self):
        self.ensure_one()
        self.env["ispec.match.override"]._override_lines(self.move_ids.invoice_line_ids, self.note)
        return {"type": "ir.actions.act_window_close"}
