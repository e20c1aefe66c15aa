from odoo import api, fields, models

from ..models.res_company import SALE_MATCH_MODES

# This module's company settings on the managers' settings form, beside invoicing_specialist's own.
SALE_SETTINGS_FIELDS = ("ispec_sale_match_mode", "ispec_sale_order_required", "ispec_sale_stale_days",
                        "ispec_sale_digest_user_id")


class IspecSettings(models.TransientModel):
    _inherit = "ispec.settings"

    ispec_sale_match_mode = fields.Selection(
        SALE_MATCH_MODES, string="Invoice Check Effect", required=True, default="warn",
        help="What a customer invoice that does not match its sales orders and deliveries does: only show the "
        "exceptions, or refuse to be posted until they are corrected or a manager overrides them.")
    ispec_sale_order_required = fields.Boolean(
        string="Invoices Must Come From Orders",
        help="Every customer's invoice lines must come from a sales order. Each customer can also require it.")
    ispec_sale_stale_days = fields.Integer(
        string="Invoicing Backlog Stale After (Days)", default=7,
        help="Lines to invoice waiting longer than this are stale: the backlog's Stale filter and the daily "
        "digest.")
    ispec_sale_digest_user_id = fields.Many2one(
        "res.users", string="Invoicing Backlog Digest To", domain=[("share", "=", False)],
        help="Receives the daily digest of stale lines to invoice. Empty: each sales team's leader, for the "
        "orders of the team.")
    ispec_sale_tolerance_ids = fields.Many2many(
        "ispec.match.tolerance", string="Invoice Check Tolerances", compute="_compute_ispec_sale_tolerance_ids",
        help="The company's limits on customer invoices; a customer's own limit replaces them. Without a row, "
        "exact. Change them under Invoicing Control > Configuration > Tolerances.")

    @api.depends("company_id")
    def _compute_ispec_sale_tolerance_ids(self):
        Tolerance = self.env["ispec.match.tolerance"]
        for wizard in self:
            wizard.ispec_sale_tolerance_ids = Tolerance.search([
                ("company_id", "=", wizard.company_id.id), ("partner_id", "=", False),
                ("dimension", "like", "sale_%")])

    def _company_settings_fields(self):
        return (*super()._company_settings_fields(), *SALE_SETTINGS_FIELDS)
