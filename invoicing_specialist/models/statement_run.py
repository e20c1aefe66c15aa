import logging
from datetime import timedelta

from dateutil.relativedelta import relativedelta
from psycopg2 import errors

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

from .statement import STATEMENT_TYPES

_logger = logging.getLogger(__name__)

LINE_STATES = [
    ("pending", "Pending"),
    ("sent", "Sent"),
    ("skipped_zero", "Skipped (zero balance)"),
    ("skipped_email", "Skipped (no email)"),
    ("skipped_sent", "Skipped (already sent)"),
    ("failed", "Failed"),
]


class IspecStatementRun(models.Model):
    """A batch of customer statements for one company, type and date, with its result per customer."""

    _name = "ispec.statement.run"
    _description = "Statement Run"
    _inherit = ["mail.thread"]
    _order = "date desc, id desc"
    _check_company_auto = True
    _BATCH_SIZE = 50  # customers per committed batch in the scheduled action
    _SYNC_LIMIT = 25  # above this many customers, "Send Statements" hands the run to the scheduled action

    name = fields.Char(compute="_compute_name", store=True)
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company, readonly=True)
    statement_type = fields.Selection(STATEMENT_TYPES, required=True, default="outstanding")
    date = fields.Date(string="Statement Date", required=True, default=fields.Date.context_today)
    date_start = fields.Date(string="Period Start", help="First day of the activity period (activity statements).")
    user_id = fields.Many2one("res.users", string="Started By", default=lambda self: self.env.user, readonly=True)
    started_at = fields.Datetime(readonly=True)
    scheduled = fields.Boolean(readonly=True, help="Created by the scheduled action.")
    queued = fields.Boolean(
        readonly=True, help="Sent in the background by the scheduled action, a batch at a time.",
    )
    state = fields.Selection(
        [("draft", "Draft"), ("running", "In Progress"), ("done", "Done")],
        default="draft", required=True, readonly=True, tracking=True,
    )
    line_ids = fields.One2many("ispec.statement.run.line", "run_id", string="Customers")
    sent_count = fields.Integer(compute="_compute_counts")
    skipped_count = fields.Integer(compute="_compute_counts")
    failed_count = fields.Integer(compute="_compute_counts")
    pending_count = fields.Integer(compute="_compute_counts")

    # Two runs of the same company, type and date may not be in progress at once.
    _running_unique = models.UniqueIndex(
        "(company_id, statement_type, date) WHERE state = 'running'",
        "A statement run of this company, type and date is already in progress.",
    )

    @api.depends("statement_type", "date")
    def _compute_name(self):
        labels = dict(self._fields["statement_type"]._description_selection(self.env))
        for run in self:
            run.name = "%s %s" % (labels.get(run.statement_type, ""), run.date or "")

    @api.depends("line_ids.state")
    def _compute_counts(self):
        groups = self.env["ispec.statement.run.line"]._read_group(
            [("run_id", "in", self.ids)], ["run_id", "state"], ["__count"]
        )
        counts = {(run.id, state): count for run, state, count in groups}
        for run in self:
            run.sent_count = counts.get((run.id, "sent"), 0)
            run.failed_count = counts.get((run.id, "failed"), 0)
            run.pending_count = counts.get((run.id, "pending"), 0)
            run.skipped_count = sum(
                counts.get((run.id, state), 0) for state in ("skipped_zero", "skipped_email", "skipped_sent")
            )

    @api.constrains("date", "date_start", "statement_type")
    def _check_dates(self):
        for run in self:
            if run.statement_type == "activity" and run.date_start and run.date_start > run.date:
                raise ValidationError(self.env._(
                    "The period of %(run)s starts after its statement date: choose a start date on or before %(date)s.",
                    run=run.name, date=run.date,
                ))

    # ------------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------------

    def action_start(self):
        """Add the customers (if none yet) and send the statements now."""
        self.check_access("write")
        for run in self:
            if run.state == "done":
                raise UserError(self.env._("%(run)s is done already; retry its failed lines instead.", run=run.name))
            if not run.line_ids:
                run._add_customers(run._default_customers())
        big = self.filtered(lambda run: len(run.line_ids.filtered(lambda line: line.state == "pending"))
                            > self._SYNC_LIMIT)
        for run in self - big:
            run._process()
        if big:
            # Too many customers to render in one request: the scheduled action sends them in
            # committed batches.
            big.queued = True
            self.env.ref("invoicing_specialist.ir_cron_statement_runs")._trigger()
            return {
                "type": "ir.actions.client",
                "tag": "display_notification",
                "params": {
                    "type": "info",
                    "message": self.env._("The statements are being sent in the background; "
                                          "reload the run to follow its progress."),
                    "next": {"type": "ir.actions.act_window_close"},
                },
            }
        return True

    def action_retry_failed(self):
        """Put the failed customers back in the queue and send them again."""
        self.check_access("write")
        for run in self:
            failed = run.line_ids.filtered(lambda line: line.state == "failed")
            if not failed:
                continue
            failed.write({"state": "pending", "error": False})
            run.state = "draft"
            run._process()
        return True

    # ------------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------------

    def _default_customers(self):
        """Customers with receivable items in the run's company up to its date (one query)."""
        self.ensure_one()
        company_ids = self.env["res.company"].search([("id", "child_of", self.company_id.id)]).ids
        self.env.flush_all()
        rows = self.env.execute_query(SQL(
            """
            SELECT DISTINCT p.commercial_partner_id
              FROM account_move_line l
              JOIN account_account a ON a.id = l.account_id
              JOIN res_partner p ON p.id = l.partner_id
             WHERE l.company_id = ANY(%s) AND l.parent_state = 'posted'
               AND a.account_type = 'asset_receivable' AND l.date <= %s
            """,
            company_ids, self.date,
        ))
        return self.env["res.partner"].browse([row[0] for row in rows])

    def _add_customers(self, partners):
        self.ensure_one()
        present = set(self.line_ids.partner_id.ids)
        self.env["ispec.statement.run.line"].create([
            {"run_id": self.id, "partner_id": partner.id}
            for partner in partners.commercial_partner_id
            if partner.id not in present
        ])

    def _lock(self):
        """Take the run for this transaction; refuse if another worker processes it right now."""
        name = self[:1].name
        try:
            # A savepoint keeps the transaction usable when the lock is refused; the refusal is
            # expected, not a bad query, so it is not logged as one.
            with self.env.cr.savepoint():
                self.env.cr.execute(
                    SQL("SELECT id FROM ispec_statement_run WHERE id = ANY(%s) FOR UPDATE NOWAIT", self.ids),
                    log_exceptions=False,
                )
        except errors.LockNotAvailable:
            raise UserError(self.env._(
                "%(run)s is being processed by another job right now; wait for it to finish.", run=name,
            )) from None

    def _process(self, batch_size=None, commit=False):
        """Send the statements of the pending lines, ``batch_size`` customers at a time.

        Each customer's sending and its line's state are written in one savepoint, so a line is
        'sent' exactly when its mail is queued. With ``commit`` (the scheduled action) each batch is
        committed through ``ir.cron._commit_progress``: after a crash, the retry only finds the lines
        whose mail was never committed.
        """
        self.ensure_one()
        batch_size = batch_size or self._BATCH_SIZE
        self._lock()
        if self.state != "running":
            self.write({"state": "running", "started_at": fields.Datetime.now()})
            self.env.flush_all()
        statement_model = self.env["ispec.statement"]
        data = statement_model._report_data(self.statement_type, self.date, self._period_start(), self.company_id)
        while True:
            lines = self.line_ids.filtered(lambda line: line.state == "pending")
            if not lines:
                break
            batch = lines[:batch_size]
            statements = statement_model._get_statement_data(
                batch.partner_id.ids, self.date, data["date_start"], self.statement_type, self.company_id
            )
            already_sent = self._already_sent(batch.partner_id)
            for line in batch:
                line._send(statements.get(line.partner_id.id), data, already_sent)
            if commit:
                self.env["ir.cron"]._commit_progress(len(batch), remaining=len(lines) - len(batch))
        self.state = "done"

    def _period_start(self):
        self.ensure_one()
        if self.statement_type != "activity":
            return False
        if self.date_start:
            return self.date_start
        months = 3 if self.company_id.ispec_statement_frequency == "quarterly" else 1
        return self.date - relativedelta(months=months) + timedelta(days=1)

    def _already_sent(self, partners):
        """Customers who already received this company's statement of this type and date."""
        sent = self.env["ispec.statement.run.line"].search([
            ("company_id", "=", self.company_id.id), ("statement_type", "=", self.statement_type),
            ("date", "=", self.date), ("state", "=", "sent"), ("partner_id", "in", partners.ids),
        ])
        return set(sent.partner_id.ids)

    @api.model
    def _cron_send_statements(self, today=None):
        """Scheduled action: create today's runs for the companies whose day it is, then work
        through every unfinished run, a batch at a time."""
        today = today or fields.Date.context_today(self)
        companies = self.env["res.company"].search([("ispec_statement_auto", "=", True)])
        for company in companies:
            if today.day < max(min(company.ispec_statement_day, 28), 1):
                continue
            month_start = today.replace(day=1)
            if self.search_count([("company_id", "=", company.id), ("scheduled", "=", True),
                                  ("date", ">=", month_start), ("date", "<=", today)], limit=1):
                continue
            run = self.with_company(company).create({
                "company_id": company.id, "statement_type": company.ispec_statement_type,
                "date": today, "scheduled": True, "queued": True,
            })
            # Monthly customers every month; quarterly ones in January, April, July and October.
            frequencies = {"monthly", "quarterly"} if today.month in (1, 4, 7, 10) else {"monthly"}
            run._add_customers(run._default_customers().filtered(
                lambda partner, company=company, frequencies=frequencies:
                partner._ispec_statement_frequency(company) in frequencies
            ))
        runs = self.search([("state", "in", ("draft", "running")), ("queued", "=", True)])
        for run in runs:
            try:
                run.with_company(run.company_id)._process(commit=True)
            except UserError as error:
                _logger.info("Statement run %s skipped: %s", run.name, error)
        return True


class IspecStatementRunLine(models.Model):
    _name = "ispec.statement.run.line"
    _description = "Statement Run Customer"
    _order = "run_id, id"

    run_id = fields.Many2one("ispec.statement.run", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="run_id.company_id", store=True)
    statement_type = fields.Selection(related="run_id.statement_type", store=True)
    date = fields.Date(related="run_id.date", store=True)
    partner_id = fields.Many2one("res.partner", string="Customer", required=True, index=True)
    recipient_id = fields.Many2one("res.partner", string="Sent To", readonly=True)
    state = fields.Selection(LINE_STATES, string="Result", default="pending", required=True, readonly=True)
    error = fields.Text(readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    amount_due = fields.Monetary(readonly=True, help="Amount due in company currency, disputed amounts left out.")
    attachment_id = fields.Many2one("ir.attachment", string="Statement", readonly=True)
    message_id = fields.Many2one("mail.message", string="Mail", readonly=True)

    _run_partner_unique = models.Constraint(
        "UNIQUE(run_id, partner_id)", "A customer appears only once in a statement run."
    )
    # The guard against double sending: one sent statement per customer, company, type and date.
    _sent_unique = models.UniqueIndex(
        "(company_id, statement_type, date, partner_id) WHERE state = 'sent'",
        "This customer has already been sent this statement.",
    )

    def _send(self, statement, data, already_sent):
        """Send this customer's statement, or record why not. Never raises: a failure is recorded
        on the line and the run goes on with the next customer."""
        self.ensure_one()
        partner = self.partner_id
        run = self.run_id
        company = run.company_id
        sections = (statement or {}).get("sections", [])
        amount_due = company.currency_id.round(sum(section["amount_due_company"] for section in sections))
        if partner.id in already_sent:
            self.write({"state": "skipped_sent", "amount_due": amount_due})
            return
        recipient = partner._ispec_statement_recipient()
        threshold = company.ispec_statement_min_balance
        if company.currency_id.is_zero(amount_due) or (
            amount_due > 0 and company.currency_id.compare_amounts(amount_due, threshold) < 0
        ) or (amount_due < 0 and not company.ispec_statement_include_credit):
            self.write({"state": "skipped_zero", "amount_due": amount_due, "recipient_id": recipient.id})
            return
        if not recipient.email:
            self.write({"state": "skipped_email", "amount_due": amount_due, "recipient_id": recipient.id})
            return
        try:
            with self.env.cr.savepoint():
                attachment, message = self.env["ispec.statement"]._send_statement(partner, recipient, data)
                self.write({
                    "state": "sent", "amount_due": amount_due, "recipient_id": recipient.id,
                    "attachment_id": attachment.id, "message_id": message.id, "error": False,
                })
                self.env.flush_all()
        except Exception as error:  # noqa: BLE001 - any customer's failure is isolated and recorded
            _logger.info("Statement for %s failed: %s", partner.display_name, error)
            self.write({"state": "failed", "amount_due": amount_due, "recipient_id": recipient.id,
                        "error": str(error)})
