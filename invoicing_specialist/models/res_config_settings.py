from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    # --- STATEMENTS ---
    ispec_statement_auto = fields.Boolean(related="company_id.ispec_statement_auto", readonly=False)
    ispec_statement_frequency = fields.Selection(related="company_id.ispec_statement_frequency", readonly=False)
    ispec_statement_day = fields.Integer(related="company_id.ispec_statement_day", readonly=False)
    ispec_statement_type = fields.Selection(related="company_id.ispec_statement_type", readonly=False)
    ispec_statement_min_balance = fields.Monetary(
        related="company_id.ispec_statement_min_balance", readonly=False, currency_field="currency_id"
    )
    ispec_statement_include_credit = fields.Boolean(
        related="company_id.ispec_statement_include_credit", readonly=False
    )
    ispec_statement_template_id = fields.Many2one(
        related="company_id.ispec_statement_template_id", readonly=False
    )
    ispec_statement_aging = fields.Selection(related="company_id.ispec_statement_aging", readonly=False)

    # --- DISPUTES ---
    ispec_dispute_approval_amount = fields.Monetary(
        related="company_id.ispec_dispute_approval_amount", readonly=False, currency_field="currency_id"
    )
    ispec_dispute_writeoff_threshold = fields.Monetary(
        related="company_id.ispec_dispute_writeoff_threshold", readonly=False, currency_field="currency_id"
    )
    ispec_dispute_writeoff_account_id = fields.Many2one(
        related="company_id.ispec_dispute_writeoff_account_id", readonly=False
    )
    ispec_dispute_writeoff_journal_id = fields.Many2one(
        related="company_id.ispec_dispute_writeoff_journal_id", readonly=False
    )
    ispec_dispute_manager_id = fields.Many2one(related="company_id.ispec_dispute_manager_id", readonly=False)

    # --- BILL MATCHING ---
    ispec_match_mode = fields.Selection(related="company_id.ispec_match_mode", readonly=False)
    ispec_match_allow_no_po = fields.Boolean(related="company_id.ispec_match_allow_no_po", readonly=False)
