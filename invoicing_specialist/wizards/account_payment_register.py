from odoo import api, models


class AccountPaymentRegister(models.TransientModel):
    _inherit = "account.payment.register"

    @api.model
    def default_get(self, fields):
        # Refuse at once, for the single bill button and the batch action from a list alike.
        res = super().default_get(fields)
        commands = res.get("line_ids") or []
        line_ids = [line_id for command in commands if command[0] == 6 for line_id in command[2]]
        if line_ids:
            self.env["account.move.line"].browse(line_ids).move_id._ispec_check_payable()
        return res

    def action_create_payments(self):
        self.line_ids.move_id._ispec_check_payable()
        return super().action_create_payments()
