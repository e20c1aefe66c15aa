from odoo import api, fields, models
from odoo.exceptions import AccessError

from ..models.activity_report_output import MAIL_PERIODS
from ..models.match import MATCH_MODES
from ..models.notification import close_with_notification
from ..models.statement import AGING_MODES, STATEMENT_FREQUENCIES, STATEMENT_TYPES

# The company settings of this addon that the form edits: exactly these fields of res.company, nothing else.
SETTINGS_FIELDS = (
    "ispec_statement_auto", "ispec_statement_frequency", "ispec_statement_day", "ispec_statement_type",
    "ispec_statement_min_balance", "ispec_statement_include_credit", "ispec_statement_template_id",
    "ispec_statement_aging",
    "ispec_dispute_approval_amount", "ispec_dispute_writeoff_threshold", "ispec_dispute_writeoff_account_id",
    "ispec_dispute_writeoff_journal_id", "ispec_dispute_manager_id",
    "ispec_match_mode", "ispec_match_allow_no_po",
    "ispec_activity_mail_period",
)


class IspecSettings(models.TransientModel):
    """Invoicing Control settings of one company, for Invoicing Specialist managers.

    Odoo's settings page (res.config.settings) is for Odoo administrators only. This form lets a manager
    change this addon's own settings of a company they work in, and nothing else: it loads the company's
    values, and Save writes them back.
    """

    _name = "ispec.settings"
    _description = "Invoicing Control Settings"
    _check_company_auto = True

    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, default=lambda self: self.env.company,
        help="The company whose settings these are: the company you are working in.")
    currency_id = fields.Many2one(related="company_id.currency_id")

    # --- STATEMENTS ---
    ispec_statement_auto = fields.Boolean(
        string="Send Statements Automatically",
        help="Email customers their statement of account on a schedule; each run is logged under "
        "Invoicing Control > Statements > Statement Runs.")
    ispec_statement_frequency = fields.Selection(
        STATEMENT_FREQUENCIES, string="Statement Frequency", required=True,
        default="monthly",
        help="For customers who do not set their own frequency. Quarterly customers are included in the runs "
        "of January, April, July and October.")
    ispec_statement_day = fields.Integer(
        string="Statement Day", default=1,
        help="Day of the month (1 to 28) on which the scheduled statements are sent.")
    ispec_statement_type = fields.Selection(
        STATEMENT_TYPES,
        string="Scheduled Statement Type", required=True, default="outstanding",
        help="Open items as of the statement date, or the activity of the period since the previous statement.")
    ispec_statement_min_balance = fields.Monetary(
        string="Statement Minimum Balance",
        help="Scheduled runs skip customers whose amount due (in company currency) is below this amount. "
        "0: every customer with an amount due.")
    ispec_statement_include_credit = fields.Boolean(
        string="Include Credit Balances",
        help="Also send statements to customers whose balance is in their favour.")
    ispec_statement_template_id = fields.Many2one(
        "mail.template", string="Statement Email Template", domain=[("model", "=", "res.partner")],
        help="The email sent with each statement. Empty: the addon's own template.")
    ispec_statement_aging = fields.Selection(
        AGING_MODES,
        string="Statement Aging", required=True, default="days",
        help="Age open items on statements in 30-day buckets (Current, 1-30, ..., over 120) or by calendar "
        "month.")

    # --- DISPUTES ---
    ispec_dispute_approval_amount = fields.Monetary(
        string="Dispute Approval Amount",
        help="Resolving a dispute above this amount (company currency) needs an Invoicing Specialist manager. "
        "0: no limit, specialists resolve disputes of any amount.")
    ispec_dispute_writeoff_threshold = fields.Monetary(
        string="Dispute Write-off Threshold",
        help="A manager may write off what is left open on a disputed invoice when it is at most this amount "
        "(company currency). 0: no write-off.")
    ispec_dispute_writeoff_account_id = fields.Many2one(
        "account.account", string="Dispute Write-off Account", check_company=True,
        help="The account that takes dispute write-offs.")
    ispec_dispute_writeoff_journal_id = fields.Many2one(
        "account.journal", string="Dispute Write-off Journal", check_company=True,
        domain=[("type", "=", "general")],
        help="The miscellaneous journal in which dispute write-offs are posted.")
    ispec_dispute_manager_id = fields.Many2one(
        "res.users", string="Dispute Manager", domain=[("share", "=", False)],
        help="Gets an activity for each dispute that passes its deadline. Empty: the reason's default owner.")

    # --- BILL MATCHING ---
    ispec_match_mode = fields.Selection(
        MATCH_MODES,
        string="Match Exception Effect", required=True, default="warn",
        help="What a vendor bill that does not match its purchase order does: only show a warning, refuse to "
        "be posted, or be posted with its payment blocked until the exceptions clear.")
    ispec_match_allow_no_po = fields.Boolean(
        string="Bills Without PO Allowed",
        help="Bill lines without a purchase order are not checked at all (utilities, rent), for every vendor.")
    ispec_match_tolerance_ids = fields.Many2many(
        "ispec.match.tolerance", string="Company Tolerances", compute="_compute_ispec_match_tolerance_ids",
        help="The company's default matching limits; a vendor's own limit replaces them for that vendor. "
        "Change them under Invoicing Control > Configuration > Tolerances.")

    # --- ACTIVITY REPORTS ---
    ispec_activity_mail_period = fields.Selection(
        MAIL_PERIODS, string="Activity Report Mail", default="none", required=True,
        help="Mail the invoicing activity report (PDF and Excel attached) to the company's Invoicing Specialist "
             "managers after each month, quarter or fiscal year ends; each period is mailed once.")

    @api.depends("company_id")
    def _compute_ispec_match_tolerance_ids(self):
        Tolerance = self.env["ispec.match.tolerance"]
        for wizard in self:
            wizard.ispec_match_tolerance_ids = Tolerance.search(
                [("company_id", "=", wizard.company_id.id), ("partner_id", "=", False)])

    @api.model
    def default_get(self, fields):
        """The current values of the company the user works in."""
        res = super().default_get(fields)
        company = self.env["res.company"].browse(res.get("company_id")) or self.env.company
        values = company._convert_to_write(
            {name: company[name] for name in self._company_settings_fields() if name in fields})
        res.update(values)
        return res

    @api.model_create_multi
    def create(self, vals_list):
        wizards = super().create(vals_list)
        wizards._check_company_allowed()
        return wizards

    def action_save(self):
        """Write the settings to the company."""
        self.ensure_one()
        self._check_company_allowed()
        values = self._convert_to_write({name: self[name] for name in self._company_settings_fields()})
        # sudo: res.company is writable by Odoo administrators only. This model is readable and writable by
        # Invoicing Specialist managers only (ir.model.access), for a company they work in (record rule and
        # the check above), and this write sets exactly the addons' own settings (_company_settings_fields) of that
        # one company, with values whose company consistency _check_company_auto has checked on this form.
        self.company_id.sudo().write(values)
        return close_with_notification(self.env._(
            "Invoicing Control settings of %(company)s saved.", company=self.company_id.display_name))

    def _company_settings_fields(self):
        """The company fields this form reads and saves: this addon's; a module adding settings extends it."""
        return SETTINGS_FIELDS

    def _check_company_allowed(self):
        for wizard in self:
            if wizard.company_id not in self.env.companies:
                raise AccessError(self.env._(
                    "You cannot change the Invoicing Control settings of %(company)s: you do not work in that "
                    "company. Switch to it first.", company=wizard.company_id.display_name))
