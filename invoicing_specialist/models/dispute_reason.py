from odoo import api, fields, models
from odoo.exceptions import UserError

REASON_CATEGORIES = [
    ("price", "Price"),
    ("quantity", "Quantity"),
    ("quality", "Quality"),
    ("not_delivered", "Not Delivered"),
    ("duplicate", "Duplicate"),
    ("tax", "Tax"),
    ("terms", "Terms"),
    ("other", "Other"),
]


class IspecDisputeReason(models.Model):
    _name = "ispec.dispute.reason"
    _description = "Dispute Reason"
    _order = "category, sequence, name"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    category = fields.Selection(REASON_CATEGORIES, required=True, default="other")
    deadline_days = fields.Integer(
        string="Default Deadline (days)", default=14,
        help="A new case with this reason is due this many days after it is opened.",
    )
    owner_id = fields.Many2one(
        "res.users", string="Default Owner",
        help="Who works new cases with this reason, unless someone else is chosen.",
    )
    company_id = fields.Many2one("res.company", help="Leave empty to use the reason in every company.")
    active = fields.Boolean(default=True)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_used(self):
        # sudo: count the cases of every company, so that no reason in use anywhere is deleted
        used = self.env["ispec.dispute"].sudo().search_count([("reason_id", "in", self.ids)], limit=1)
        if used:
            raise UserError(self.env._("These reasons are used by disputes: archive them instead."))
