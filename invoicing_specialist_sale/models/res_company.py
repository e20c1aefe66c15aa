from odoo import api, fields, models
from odoo.exceptions import ValidationError

# What a customer invoice that does not match its sales order does (the company's setting).
SALE_MATCH_MODES = [("warn", "Warn only"), ("refuse", "Refuse to post")]


class ResCompany(models.Model):
    _inherit = "res.company"

    ispec_sale_match_mode = fields.Selection(
        SALE_MATCH_MODES, string="Invoice Check Effect", default="warn", required=True,
        help="What a customer invoice that does not match its sales orders and deliveries does: only show the "
        "exceptions, or refuse to be posted until they are corrected or a manager overrides them.")
    ispec_sale_order_required = fields.Boolean(
        string="Invoices Must Come From Orders",
        help="Every customer's invoice lines must come from a sales order: a product line without one is an "
        "exception. Each customer can also require it on its own.")
    ispec_sale_stale_days = fields.Integer(
        string="Invoicing Backlog Stale After (Days)", default=7,
        help="A sales order line delivered (or ordered, by its product's invoicing policy) and not invoiced "
        "for more than this many days is stale: the Stale filter of the invoicing backlog and the daily "
        "digest show it.")
    ispec_sale_digest_user_id = fields.Many2one(
        "res.users", string="Invoicing Backlog Digest To", domain=[("share", "=", False)],
        help="Receives the daily digest of stale lines to invoice for every order of the company. Empty: "
        "the leader of each order's sales team receives the digest of its orders.")

    @api.constrains("ispec_sale_stale_days")
    def _check_ispec_sale_stale_days(self):
        for company in self:
            if company.ispec_sale_stale_days < 1:
                raise ValidationError(self.env._(
                    "%(company)s: a line to invoice is stale after at least one day, not %(days)s.",
                    company=company.display_name, days=company.ispec_sale_stale_days))
