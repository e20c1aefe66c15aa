from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .match import MATCH_MODES
from .statement import AGING_MODES, STATEMENT_FREQUENCIES, STATEMENT_TYPES


class ResCompany(models.Model):
    _inherit = "res.company"

    # --- STATEMENTS ---
    ispec_statement_auto = fields.Boolean(
        string="Send Statements Automatically",
        help="Send customer statements by email on a schedule, logged as statement runs.",
    )
    ispec_statement_frequency = fields.Selection(
        STATEMENT_FREQUENCIES,
        string="Statement Frequency",
        default="monthly",
        required=True,
        help="Default statement frequency of customers who do not set their own. The scheduled run goes out "
        "every month on the statement day; quarterly customers are included in January, April, July and October.",
    )
    ispec_statement_day = fields.Integer(
        string="Statement Day",
        default=1,
        help="Day of the month (1-28) the scheduled statements are sent.",
    )
    ispec_statement_type = fields.Selection(
        STATEMENT_TYPES,
        string="Scheduled Statement Type",
        default="outstanding",
        required=True,
        help="Open items as of the statement date, or the activity of the period since the previous statement.",
    )
    ispec_statement_min_balance = fields.Monetary(
        string="Statement Minimum Balance",
        currency_field="currency_id",
        help="Customers whose amount due (in company currency) is below this are skipped by scheduled runs.",
    )
    ispec_statement_include_credit = fields.Boolean(
        string="Include Credit Balances",
        help="Also send statements to customers whose balance is in their favour.",
    )
    ispec_statement_template_id = fields.Many2one(
        "mail.template",
        string="Statement Email Template",
        domain=[("model", "=", "res.partner")],
        help="Email sent with each statement; the addon's default template when empty.",
    )
    ispec_statement_aging = fields.Selection(
        AGING_MODES,
        string="Statement Aging",
        default="days",
        required=True,
        help="Age open items in 30-day buckets (Current, 1-30, ..., over 120) or by calendar month.",
    )

    # --- DISPUTES ---
    ispec_dispute_approval_amount = fields.Monetary(
        string="Dispute Approval Amount",
        currency_field="currency_id",
        help="Resolving a dispute above this amount (company currency) needs an Invoicing Specialist manager. "
        "Zero: specialists may resolve any amount.",
    )
    ispec_dispute_writeoff_threshold = fields.Monetary(
        string="Dispute Write-off Threshold",
        currency_field="currency_id",
        help="A manager may write off what is left open on a disputed invoice when it is at most this amount "
        "(company currency). Zero: no write-off.",
    )
    ispec_dispute_writeoff_account_id = fields.Many2one(
        "account.account",
        string="Dispute Write-off Account",
        check_company=True,
        help="The account that takes dispute write-offs.",
    )
    ispec_dispute_writeoff_journal_id = fields.Many2one(
        "account.journal",
        string="Dispute Write-off Journal",
        check_company=True,
        domain=[("type", "=", "general")],
        help="The miscellaneous journal in which dispute write-offs are posted.",
    )
    ispec_dispute_manager_id = fields.Many2one(
        "res.users",
        string="Dispute Manager",
        help="Gets an activity for each dispute that passes its deadline. Empty: the reason's default owner.",
    )

    # --- BILL MATCHING ---
    ispec_match_mode = fields.Selection(
        MATCH_MODES,
        string="Match Exception Effect", default="warn", required=True,
        help="What a vendor bill with match exceptions does: only show a warning, refuse to be posted, "
        "or be posted with its payment blocked until the exceptions clear.",
    )
    ispec_match_allow_no_po = fields.Boolean(
        string="Bills Without PO Allowed",
        help="Bill lines without a purchase order are not checked at all (utilities, rent), for every vendor.",
    )
    ispec_match_tolerance_ids = fields.One2many(
        "ispec.match.tolerance", "company_id", string="Matching Tolerances",
        domain=[("partner_id", "=", False)],
        help="The company's default limits, one row per dimension with its percent and amount: a line passes "
        "within either. No row: not checked; 0 % and 0: exact.",
    )

    @api.constrains("ispec_statement_day")
    def _check_ispec_statement_day(self):
        for company in self:
            if not 1 <= company.ispec_statement_day <= 28:
                raise ValidationError(self.env._(
                    "%(company)s: the statement day is a day of the month from 1 to 28, not %(day)s.",
                    company=company.display_name, day=company.ispec_statement_day))

    @api.model_create_multi
    def create(self, vals_list):
        companies = super().create(vals_list)
        companies._ispec_seed_match_tolerances()
        return companies

    @api.model
    def _ispec_seed_all_match_tolerances(self):
        """At install: every existing company gets the strict defaults (data/match_data.xml)."""
        # Every company, on purpose: all must start strict, and companies are few.
        self.search([])._ispec_seed_match_tolerances()  # pylint: disable=no-search-all

    def _ispec_seed_match_tolerances(self):
        """A new company starts strict: quantities and prices exact, the bill total not checked."""
        return self.env["ispec.match.tolerance"]._seed_company_defaults(self)
