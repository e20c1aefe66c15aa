import logging
from contextlib import contextmanager
from datetime import timedelta

import psycopg2
from dateutil.relativedelta import relativedelta
from psycopg2 import errors
from psycopg2.extensions import TRANSACTION_STATUS_INERROR

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.fields import Domain
from odoo.tools import SQL, email_normalize, formatLang
from odoo.tools.safe_eval import safe_eval

from .cron_batch import commit_in_batches
from .notification import close_with_notification
from .statement import STATEMENT_TYPES
from .statement_mail import OUTPUT_FORMATS

_logger = logging.getLogger(__name__)

# First key of the PostgreSQL advisory locks that hold a statement run while it is processed (the
# second key is the run's id); any constant of this addon's own.
RUN_LOCK_NAMESPACE = 0x15EC5

# Why a run left a customer out: both a result and a line state.
SKIP_STATES = [
    ("skipped_zero", "Skipped (zero balance)"),
    ("skipped_email", "Skipped (no email)"),
    ("skipped_sent", "Skipped (already sent)"),
    ("skipped_company", "Skipped (nothing in this company)"),
]
# What the run did with a customer (stored); the line's state follows from it and from the mail.
RESULTS = [("pending", "Pending"), ("mailed", "Mailed"), *SKIP_STATES, ("failed", "Failed")]
LINE_STATES = [("pending", "Pending"), ("queued", "Queued"), ("sent", "Sent"), *SKIP_STATES, ("failed", "Failed")]
SKIPPED = tuple(state for state, _label in SKIP_STATES)
# mail.notification status -> line state
MAIL_STATES = {
    "ready": "queued", "process": "queued", "pending": "sent", "sent": "sent",
    "bounce": "failed", "exception": "failed", "canceled": "failed",
}


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
    partner_ids = fields.Many2many(
        "res.partner", "ispec_statement_run_partner_rel", "run_id", "partner_id", string="Selected Customers",
        help="Send to these customers only. Empty: every customer with receivables (or those matching the filter).",
    )
    partner_domain = fields.Char(
        string="Customer Filter",
        help="Send to the customers with receivables that match this filter (e.g. a tag). "
        "Ignored when customers are selected.",
    )
    output_format = fields.Selection(OUTPUT_FORMATS, string="Format", required=True, default="pdf")
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
    note = fields.Text(string="Outcome", readonly=True, help="Why nothing, or not everything, was sent.")
    line_ids = fields.One2many("ispec.statement.run.line", "run_id", string="Customers")
    customer_count = fields.Integer(compute="_compute_counts")
    sent_count = fields.Integer(compute="_compute_counts")
    queued_count = fields.Integer(compute="_compute_counts")
    skipped_count = fields.Integer(compute="_compute_counts")
    failed_count = fields.Integer(compute="_compute_counts")
    pending_count = fields.Integer(compute="_compute_counts")
    to_send_count = fields.Integer(
        string="Customers to Send To", compute="_compute_to_send_count",
        help="How many customers Send Statements goes through: the pending ones, or those the run will take.",
    )

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
            run.customer_count = sum(count for (run_id, _state), count in counts.items() if run_id == run.id)
            run.sent_count = counts.get((run.id, "sent"), 0)
            run.queued_count = counts.get((run.id, "queued"), 0)
            run.failed_count = counts.get((run.id, "failed"), 0)
            run.pending_count = counts.get((run.id, "pending"), 0)
            run.skipped_count = sum(counts.get((run.id, state), 0) for state in SKIPPED)

    @api.depends("line_ids.state", "partner_ids", "partner_domain", "company_id", "date")
    def _compute_to_send_count(self):
        for run in self:
            if run.line_ids or run.state == "done" or not run.id:
                run.to_send_count = run.pending_count
            else:
                run.to_send_count = len(run._selected_customers())

    @api.constrains("date", "date_start", "statement_type")
    def _check_dates(self):
        for run in self:
            if run.statement_type == "activity" and run.date_start and run.date_start > run.date:
                raise ValidationError(self.env._(
                    "The period of %(run)s starts after its statement date: choose a start date on or before %(date)s.",
                    run=run.name, date=run.date,
                ))

    @api.constrains("partner_domain")
    def _check_partner_domain(self):
        for run in self.filtered("partner_domain"):
            try:
                self.env["res.partner"].search_count(run._partner_filter(), limit=1)
            except Exception as error:  # noqa: BLE001 - any bad filter is refused with its reason
                raise ValidationError(self.env._(
                    "The customer filter of %(run)s is not valid (%(error)s): choose it again with the filter editor.",
                    run=run.name, error=error,
                )) from None

    # ------------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------------

    def action_confirm_send(self):
        """Ask before sending: a dialog that says how many customers the run goes through."""
        self.ensure_one()
        self.check_access("write")
        if self.state == "done":
            raise UserError(self.env._("%(run)s is done already; retry its failed lines instead.", run=self.name))
        self._lock()  # refused at once while a worker processes it
        self._unlock()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Send Statements"),
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "views": [(self.env.ref("invoicing_specialist.ispec_statement_run_view_form_confirm").id, "form")],
            "target": "new",
        }

    def action_start(self):
        """Add the customers (if none yet) and send the statements now, or hand a big run to the
        scheduled action. Refused at once while another worker processes the run."""
        self.check_access("write")
        big = self.browse()
        for run in self:
            if run.state == "done":
                raise UserError(self.env._("%(run)s is done already; retry its failed lines instead.", run=run.name))
            with run._processing():
                if run.state == "draft":
                    run.user_id = self.env.user  # who starts it, not who created it (a scheduled run, a draft)
                if not run.line_ids:
                    run._add_customers(run._selected_customers())
                if run.pending_count > self._SYNC_LIMIT:
                    big |= run
                    continue
                run._process()
        if big:
            # Too many customers to render in one request: the scheduled action sends them in
            # committed batches.
            big.queued = True
            self.env.ref("invoicing_specialist.ir_cron_statement_runs")._trigger()
            return close_with_notification(self.env._(
                "The statements of %(count)s customers are being sent in the background; "
                "reload the run to follow its progress.", count=sum(big.mapped("pending_count")),
            ), "info")
        if len(self) == 1:
            return close_with_notification(self.note or self._summary(), "success" if self.queued_count else "warning")
        return True

    def action_retry_failed(self):
        """Put the failed customers (also those whose mail failed after it was queued) back in the
        queue and send them again."""
        self.check_access("write")
        for run in self:
            failed = run.line_ids.filtered(lambda line: line.state == "failed")
            if not failed:
                continue
            with run._processing():
                failed.write({
                    "result": "pending", "send_error": False, "notification_id": False, "message_id": False,
                    "attachment_id": False,
                })
                run.write({"state": "draft", "note": False})
                run._process()
        return True

    # ------------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------------

    @api.model
    def _partners_with_items(self, company, date, partners=None):
        """Customers (commercial partners) with posted receivable items in ``company`` (and its
        branches) up to ``date``, among ``partners`` when given (one query)."""
        condition = self.env["ispec.statement"]._receivable_items_condition(
            company, date, partners.commercial_partner_id.ids if partners is not None else None)
        self.env.flush_all()
        rows = self.env.execute_query(SQL(
            """
            SELECT DISTINCT p.commercial_partner_id
              FROM account_move_line l
              JOIN account_account a ON a.id = l.account_id
              JOIN res_partner p ON p.id = l.partner_id
             WHERE %s
            """,
            condition,
        ))
        return self.env["res.partner"].browse([row[0] for row in rows])

    def _default_customers(self):
        """Customers with receivable items in the run's company up to its date."""
        self.ensure_one()
        return self._partners_with_items(self.company_id, self.date)

    def _partner_filter(self):
        self.ensure_one()
        return Domain(safe_eval(self.partner_domain or "[]", {"context": self.env.context}))

    def _selected_customers(self):
        """The customers this run sends to: those selected (all of them: the ones without items in
        the company are skipped with that reason), else those with receivables that match the
        filter, else all with receivables."""
        self.ensure_one()
        if self.partner_ids:
            return self.partner_ids.commercial_partner_id
        customers = self._default_customers()
        if self.partner_domain:
            customers = customers.filtered_domain(self._partner_filter())
        return customers

    def _add_customers(self, partners):
        self.ensure_one()
        present = set(self.line_ids.partner_id.ids)
        self.env["ispec.statement.run.line"].create([
            {"run_id": self.id, "partner_id": partner.id}
            for partner in partners.commercial_partner_id
            if partner.id not in present
        ])

    def _try_lock(self):
        """Take the run's advisory lock for this database session (not only this transaction: it
        stays across the batch commits). False when another session holds it."""
        self.ensure_one()
        return self.env.execute_query(SQL("SELECT pg_try_advisory_lock(%s, %s)", RUN_LOCK_NAMESPACE, self.id))[0][0]

    def _lock(self):
        """Take the run for this session; refuse at once if another worker processes it now."""
        for run in self:
            if not run._try_lock():
                raise UserError(self.env._(
                    "%(run)s is being processed by another job right now; wait for it to finish "
                    "and reload the run to see its progress.", run=run.name,
                ))

    def _unlock(self):
        cr = self.env.cr
        for run in self:
            if cr.connection.info.transaction_status == TRANSACTION_STATUS_INERROR:
                # The transaction is aborted: unlock as soon as it is rolled back (session locks
                # do not follow transactions, so the unlock holds whatever happens next).
                connection = cr.connection

                def unlock(connection=connection, run_id=run.id):
                    with connection.cursor() as raw:
                        query = SQL("SELECT pg_advisory_unlock(%s, %s)", RUN_LOCK_NAMESPACE, run_id)
                        raw.execute(query.code, query.params)

                cr.postrollback.add(unlock)
            else:
                self.env.execute_query(SQL("SELECT pg_advisory_unlock(%s, %s)", RUN_LOCK_NAMESPACE, run.id))

    @contextmanager
    def _processing(self):
        """Hold the run while a worker processes it, through all its batch commits: a second
        start (a user, the scheduled action) is refused at once. On a failure, what the failed
        batch did is undone (the work of committed batches stays) before the run is let go."""
        self.ensure_one()
        self._lock()
        self._set_resume_point()
        try:
            yield
        except BaseException:
            self._rollback_to_resume_point()
            raise
        finally:
            self._unlock()

    def _set_resume_point(self):
        """What a failure rolls back to: the state after the last batch commit."""
        self.env.flush_all()
        self.env.cr.execute(SQL("SAVEPOINT ispec_statement_run"))

    def _rollback_to_resume_point(self):
        self.env.cr.clear()
        try:
            self.env.cr.execute(SQL("ROLLBACK TO SAVEPOINT ispec_statement_run"), log_exceptions=False)
        except psycopg2.Error:
            # The failure came with the commit itself (the savepoint went with it): the caller's
            # rollback undoes the rest, and the lock is let go after it (``_unlock``).
            _logger.info("Statement run %s: no resume point to roll back to", self.name)
        self.env.invalidate_all(flush=False)

    def _check_no_other_running(self):
        """A run waits for an earlier run of the same company, type and date still in progress
        (or interrupted): that one is finished first, by the scheduled action or its own button."""
        self.ensure_one()
        other = self.search([
            ("company_id", "=", self.company_id.id), ("statement_type", "=", self.statement_type),
            ("date", "=", self.date), ("state", "=", "running"), ("id", "!=", self.id),
        ], limit=1)
        if other:
            raise UserError(self.env._(
                "%(other)s (started %(started)s) for the same company, type and date has not finished: it is "
                "finished first. Wait for the scheduled action, or open it and press Send Statements, then "
                "start %(run)s again.",
                other=other.display_name, started=other.started_at or "", run=self.name,
            ))

    def _process(self, batch_size=None, commit=False, others=None):
        """Send the statements of the pending lines, ``batch_size`` customers at a time, under the
        run's lock (``_processing``).

        Each customer's sending and its line's result are written in one savepoint, so a line is
        'queued' exactly when its mail is. With ``commit`` (the scheduled action) each batch is
        committed through ``ir.cron._commit_progress``: after a crash, the retry only finds the lines
        whose mail was never committed; when the cron's time budget is spent the run stops after the
        batch and the next call resumes it. ``others``: the runs still to process after this one in
        the same call (their pending customers are reported as remaining).

        Returns the time left in the cron's budget (infinite without ``commit``).
        """
        self.ensure_one()
        batch_size = batch_size or self._BATCH_SIZE
        self._check_no_other_running()
        self._set_running()
        line_model = self.env["ispec.statement.run.line"]
        data = self._run_report_data()

        def pending():
            return self.line_ids.filtered(lambda line: line.state == "pending")

        def next_batch():
            return pending()[:batch_size]

        def send(batch):
            self._send_lines(batch, data)

        def remaining(_batch):
            count = len(pending())
            if others:
                count += line_model.search_count([("run_id", "in", others.ids), ("state", "=", "pending")])
            return count

        time_left, done = commit_in_batches(
            self.env, next_batch, send, remaining, commit=commit, after_commit=self._set_resume_point)
        if not done and pending():
            return time_left  # budget spent: the next call of the scheduled action resumes here
        self._finish()
        return time_left

    def _set_running(self):
        """In progress, unless it is; refused when another run of the same company, type and date was
        started at the same moment (a unique index on the runs in progress)."""
        self.ensure_one()
        if self.state == "running":
            return
        try:
            with self.env.cr.savepoint():
                self.write({"state": "running", "started_at": fields.Datetime.now(), "note": False})
                self.env.flush_all()
        except errors.UniqueViolation:
            raise UserError(self.env._(
                "Another statement run of %(company)s for the same type and date has just started: "
                "%(run)s waits until it has finished.", company=self.company_id.name, run=self.name,
            )) from None

    def _run_report_data(self):
        """What every statement of the run shares (type, dates, labels), for ``_send_lines``."""
        return self.env["ispec.statement"]._report_data(
            self.statement_type, self.date, self._period_start(), self.company_id)

    def _send_lines(self, lines, data):
        """Send the statements of ``lines`` (pending lines of this run): one data phase for all of them, then
        each customer's PDF or XLSX and mail, its line's result written with it (``_send``). The scheduled
        action calls it batch by batch; with queue_job, each batch's job does."""
        self.ensure_one()
        statements = self.env["ispec.statement"]._get_statement_data(
            lines.partner_id.ids, self.date, data["date_start"], self.statement_type, self.company_id
        )
        already_sent = self._already_sent(lines.partner_id)
        with_items = set(self._partners_with_items(self.company_id, self.date, lines.partner_id).ids)
        for line in lines:
            line._send(statements.get(line.partner_id.id), data, already_sent, with_items)

    def _finish(self):
        self.ensure_one()
        self.write({"state": "done", "note": self._summary() if not self.queued_count + self.sent_count else False})

    def _summary(self):
        """In words: what the run sent, and why nothing (or not more) was sent."""
        self.ensure_one()
        if not self.line_ids:
            if self.partner_ids or self.partner_domain:
                return self.env._(
                    "Nothing was sent: none of the chosen customers has receivable items in %(company)s "
                    "up to %(date)s.", company=self.company_id.name, date=self.date,
                )
            return self.env._(
                "Nothing was sent: no customer has receivable items in %(company)s up to %(date)s.",
                company=self.company_id.name, date=self.date,
            )
        labels = dict(self.env["ispec.statement.run.line"]._fields["state"]._description_selection(self.env))
        counts = {}
        for line in self.line_ids:
            counts[line.state] = counts.get(line.state, 0) + 1
        parts = ", ".join("%s: %s" % (labels[state], count) for state, count in counts.items())
        if not self.queued_count + self.sent_count:
            return self.env._("Nothing was sent (%(parts)s).", parts=parts)
        return self.env._("%(count)s statement(s) queued for sending (%(parts)s).",
                          count=self.queued_count + self.sent_count, parts=parts)

    def _period_start(self):
        self.ensure_one()
        if self.statement_type != "activity":
            return False
        if self.date_start:
            return self.date_start
        months = 3 if self.company_id.ispec_statement_frequency == "quarterly" else 1
        return self.date - relativedelta(months=months) + timedelta(days=1)

    def _already_sent(self, partners):
        """Customers who already received (or have queued) this company's statement of this type
        and date."""
        sent = self.env["ispec.statement.run.line"].search([
            ("company_id", "=", self.company_id.id), ("statement_type", "=", self.statement_type),
            ("date", "=", self.date), ("state", "in", ("queued", "sent")), ("partner_id", "in", partners.ids),
        ])
        return set(sent.partner_id.ids)

    @api.model
    def _cron_create_runs(self, today):
        """Create today's runs for the companies whose day it is."""
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

    @api.model
    def _cron_send_statements(self, today=None):
        """Scheduled action: create today's runs, then work through every unfinished run, a batch at
        a time, within the cron's time budget.

        Interrupted runs (still in progress) come first, then the oldest: a newer run of the same
        company, type and date waits for them. A run that fails (or that another worker holds) is
        left for the next call and never stops the others.
        """
        self._cron_create_runs(today or fields.Date.context_today(self))
        runs = self.search([("state", "in", ("draft", "running")), ("queued", "=", True)])
        runs = runs.sorted(lambda run: (run.state != "running", run.id))
        failed = self.browse()
        for index, run in enumerate(runs):
            others = runs[index + 1:]
            try:
                with run._processing():
                    time_left = run.with_company(run.company_id)._process(commit=True, others=others)
            except UserError as error:
                _logger.info("Statement run %s left for later: %s", run.name, error)
                failed |= run
                continue
            except Exception:
                _logger.exception("Statement run %s failed; the other runs go on", run.name)
                failed |= run
                continue
            if time_left <= 0:
                break  # the time budget is spent: the next call resumes
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
    result = fields.Selection(RESULTS, string="Run Outcome", default="pending", required=True, readonly=True,
                              help="What the run did for this customer.")
    state = fields.Selection(
        LINE_STATES, string="Result", compute="_compute_state", store=True, readonly=True, index=True,
        help="Queued, sent or failed follow the customer's mail; the other results are the run's.",
    )
    send_error = fields.Text(readonly=True)
    error = fields.Text(string="Reason", compute="_compute_state", store=True, readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    amount_due = fields.Monetary(readonly=True, help="Amount due in company currency, disputed amounts left out.")
    amount_detail = fields.Char(
        string="Amount Due per Currency", readonly=True,
        help="The amount due of each currency section of the statement, in that currency.",
    )
    attachment_id = fields.Many2one("ir.attachment", string="Statement", readonly=True)
    message_id = fields.Many2one("mail.message", string="Mail", readonly=True)
    notification_id = fields.Many2one(
        "mail.notification", string="Mail Delivery", readonly=True, index="btree_not_null", ondelete="set null",
    )

    _run_partner_unique = models.Constraint(
        "UNIQUE(run_id, partner_id)", "A customer appears only once in a statement run."
    )
    # The guard against double sending: one queued or sent statement per customer, company, type and date.
    _delivered_unique = models.UniqueIndex(
        "(company_id, statement_type, date, partner_id) WHERE state IN ('queued', 'sent')",
        "This customer has already been sent this statement.",
    )

    @api.depends("result", "send_error", "notification_id.notification_status",
                 "notification_id.failure_type", "notification_id.failure_reason")
    def _compute_state(self):
        failure_labels = dict(self.env["mail.notification"]._fields["failure_type"]._description_selection(self.env))
        for line in self:
            if line.result != "mailed":
                line.state = line.result
                line.error = line.send_error
                continue
            # sudo: the delivery status of this line's own mail; users see it on the line only.
            notification = line.sudo().notification_id
            # No notification left: Odoo removes delivered ones after a while.
            line.state = MAIL_STATES.get(notification.notification_status, "sent") if notification else "sent"
            line.error = (
                notification.failure_reason or failure_labels.get(notification.failure_type) or self.env._(
                    "The mail was not delivered."
                )
            ) if line.state == "failed" else False

    def _send(self, statement, data, already_sent, with_items):
        """Send this customer's statement, or record why not. Never raises: a failure is recorded
        on the line and the run goes on with the next customer."""
        self.ensure_one()
        partner = self.partner_id
        run = self.run_id
        company = run.company_id
        sections = (statement or {}).get("sections", [])
        amount_due = company.currency_id.round(sum(section["amount_due_company"] for section in sections))
        values = {"amount_due": amount_due, "amount_detail": " + ".join(
            formatLang(self.env, section["amount_due"], currency_obj=section["currency"]) for section in sections
        ) or False}
        if partner.id not in with_items:
            self.write({**values, "result": "skipped_company", "send_error": self.env._(
                "%(partner)s has no receivable items in %(company)s up to %(date)s.",
                partner=partner.display_name, company=company.name, date=run.date,
            )})
            return
        if partner.id in already_sent:
            self.write({**values, "result": "skipped_sent"})
            return
        recipient = partner._ispec_statement_recipient()
        values["recipient_id"] = recipient.id
        threshold = company.ispec_statement_min_balance
        if company.currency_id.is_zero(amount_due) or (
            amount_due > 0 and company.currency_id.compare_amounts(amount_due, threshold) < 0
        ) or (amount_due < 0 and not company.ispec_statement_include_credit):
            self.write({**values, "result": "skipped_zero"})
            return
        if not email_normalize(recipient.email or ""):
            self.write({**values, "result": "skipped_email", "send_error": self.env._(
                "%(contact)s has no valid email address (%(email)s): set one, then start a new run.",
                contact=recipient.display_name, email=recipient.email or self.env._("none"),
            ) if recipient.email else False})
            return
        try:
            with self.env.cr.savepoint():
                attachments, message = self.env["ispec.statement"]._send_statement(
                    partner, recipient, data, run.output_format,
                )
                # sudo: the notification of the mail just posted (Odoo keeps it for the author).
                notification = message.sudo().notification_ids.filtered(
                    lambda n: n.res_partner_id == recipient and n.notification_type == "email"
                )[:1]
                if not notification:
                    raise UserError(self.env._("No mail was created for %(contact)s.", contact=recipient.display_name))
                self.write({
                    **values, "result": "mailed", "attachment_id": attachments[:1].id, "message_id": message.id,
                    "notification_id": notification.id, "send_error": False,
                })
                self.env.flush_all()
        except Exception as error:  # noqa: BLE001 - any customer's failure is isolated and recorded
            _logger.info("Statement for %s failed: %s", partner.display_name, error)
            self.write({**values, "result": "failed", "send_error": str(error)})
