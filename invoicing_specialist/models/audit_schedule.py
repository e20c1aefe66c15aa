"""Recurring audit exports: what to export, how often, to whom.

The scheduled action (``ispec.audit.export._cron_audit_exports``) makes each due schedule's run, an export of
the period before its run date, builds it in the background and mails the recipients a link to it.
"""

from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from .audit_export import _GENERATION, DATASET_FIELDS
from .cron_batch import commit_in_batches, search_batches
from .notification import close_with_notification

FREQUENCY_MONTHS = {"monthly": 1, "quarterly": 3, "yearly": 12}
# The roles that may open audit exports: recipients and responsibles are chosen among them.
EXPORT_GROUPS = ("invoicing_specialist.group_manager", "invoicing_specialist.group_auditor")


def _first_of_next_month():
    return fields.Date.today().replace(day=1) + relativedelta(months=1)


class IspecAuditSchedule(models.Model):
    """A recurring audit export: the datasets and thresholds of an export (shared with it through
    ``ispec.audit.parameters``), a frequency and the next run date. Each run exports the whole period
    before its run date (the previous month, quarter of the fiscal year, or fiscal year) and mails the
    recipients a link to the export: the package itself never leaves Odoo by mail."""

    _name = "ispec.audit.schedule"
    _inherit = ["ispec.audit.parameters", "mail.thread"]
    _description = "Recurring Audit Export"
    _order = "name, id"
    _check_company_auto = True
    _BATCH_SIZE = 20  # schedules per committed batch in the scheduled action

    name = fields.Char(required=True, tracking=True)
    active = fields.Boolean(default=True, tracking=True)
    user_id = fields.Many2one(
        "res.users", string="Responsible", required=True, default=lambda self: self.env.user, tracking=True,
        domain=lambda self: self._export_users_domain(),
        help="The runs are built with this user's rights and name, and this user is told when a run fails.")
    frequency = fields.Selection(
        [("monthly", "Monthly"), ("quarterly", "Quarterly"), ("yearly", "Yearly")],
        required=True, default="monthly", tracking=True,
        help="Each run exports the whole period before its run date: the previous calendar month, the previous "
             "quarter of the company's fiscal year, or the previous fiscal year.")
    next_run_date = fields.Date(
        required=True, default=lambda self: _first_of_next_month(), tracking=True,
        help="The day of the next run; it moves on by the frequency after each run, keeping the day of the "
             "month. A run date in the past makes a run for each period missed.")
    next_date_from = fields.Date(string="Next Period From", compute="_compute_next_period")
    next_date_to = fields.Date(string="Next Period To", compute="_compute_next_period")
    recipient_ids = fields.Many2many(
        "res.users", "ispec_audit_schedule_recipient_rel", "schedule_id", "user_id", string="Recipients",
        domain=lambda self: self._export_users_domain(), tracking=True,
        help="Mailed a link to each run's export once its package is ready. They must be users with the "
             "Auditor or Manager role in the schedule's company: the link opens the export in Odoo after they "
             "sign in. External auditors get an Auditor user (read-only) rather than the package by mail.")
    run_ids = fields.One2many("ispec.audit.export", "schedule_id", string="Runs", readonly=True)
    run_count = fields.Integer(compute="_compute_run_count")

    @api.model
    def _export_users_domain(self):
        groups = [self.env.ref(xmlid).id for xmlid in EXPORT_GROUPS]
        return [("share", "=", False), ("all_group_ids", "in", groups)]

    @api.depends("frequency", "next_run_date", "company_id")
    def _compute_next_period(self):
        for schedule in self:
            if schedule.next_run_date and schedule.frequency and schedule.company_id:
                schedule.next_date_from, schedule.next_date_to = schedule._period_before(schedule.next_run_date)
            else:
                schedule.next_date_from = schedule.next_date_to = False

    def _compute_run_count(self):
        counts = dict(self.env["ispec.audit.export"]._read_group(
            [("schedule_id", "in", self.ids)], ["schedule_id"], ["__count"]))
        for schedule in self:
            schedule.run_count = counts.get(schedule, 0)

    @api.constrains("next_run_date")
    def _check_next_run_date(self):
        for schedule in self:
            if schedule.next_run_date.day > 28:
                raise ValidationError(self.env._(
                    "The recurring export %(name)s would run on day %(day)s of the month, which not every month "
                    "has: choose a run date from the 1st to the 28th.",
                    name=schedule.name, day=schedule.next_run_date.day))

    @api.constrains(*(flag for flag, _keys in DATASET_FIELDS))
    def _check_datasets(self):
        for schedule in self:
            if not schedule._has_dataset():
                raise ValidationError(self.env._(
                    "The recurring export %(name)s exports nothing: choose at least one dataset.",
                    name=schedule.name))

    @api.constrains("recipient_ids", "user_id", "company_id")
    def _check_users(self):
        for schedule in self:
            users = schedule.user_id | schedule.recipient_ids
            allowed = users.filtered_domain(self._export_users_domain()).filtered(
                lambda user, company=schedule.company_id: company in user.company_ids)
            if users - allowed:
                raise ValidationError(self.env._(
                    "%(users)s cannot open the audit exports of %(company)s, so the recurring export %(name)s "
                    "cannot send them (or run as them): give them the Auditor or Manager role in this company, or "
                    "choose other users. External auditors get a user with the Auditor role, which reads and "
                    "changes nothing else.", users=", ".join((users - allowed).mapped("name")),
                    company=schedule.company_id.name, name=schedule.name))

    @api.ondelete(at_uninstall=False)
    def _unlink_except_with_runs(self):
        used = self.filtered("run_ids")
        if used:
            raise UserError(self.env._(
                "The recurring export %(name)s has made %(count)s export(s), which are kept as the record of what "
                "the auditors received: archive it instead of deleting it.",
                name=used[0].name, count=len(used[0].run_ids)))

    # ------------------------------------------------------------------------------------------------
    # Periods and runs
    # ------------------------------------------------------------------------------------------------
    def _period_before(self, run_date):
        """``(date_from, date_to)``: the whole period of the schedule's frequency before ``run_date``."""
        self.ensure_one()
        if self.frequency == "monthly":
            date_to = run_date.replace(day=1) - timedelta(days=1)
            return date_to.replace(day=1), date_to
        fiscal_start = self.company_id.compute_fiscalyear_dates(run_date)["date_from"]
        if self.frequency == "yearly":
            previous = self.company_id.compute_fiscalyear_dates(fiscal_start - timedelta(days=1))
            return previous["date_from"], previous["date_to"]
        # Quarters of the fiscal year: three months from its first day, then the next three, ...
        elapsed = relativedelta(run_date, fiscal_start)
        quarter_start = fiscal_start + relativedelta(months=(elapsed.years * 12 + elapsed.months) // 3 * 3)
        return quarter_start - relativedelta(months=3), quarter_start - timedelta(days=1)

    def _create_run(self):
        """The run of ``next_run_date``: an export of the period before it, queued for the scheduled
        action, then the next run date. A run of that period made before (by Run Now, or before the run
        date was moved back) is not made again."""
        self.ensure_one()
        date_from, date_to = self._period_before(self.next_run_date)
        if not self._run_of(date_from, date_to):
            self._make_run(date_from, date_to)
        self.next_run_date += relativedelta(months=FREQUENCY_MONTHS[self.frequency])

    def _run_of(self, date_from, date_to):
        self.ensure_one()
        return self.env["ispec.audit.export"].search([
            ("schedule_id", "=", self.id), ("date_from", "=", date_from), ("date_to", "=", date_to)], limit=1)

    def _make_run(self, date_from, date_to):
        self.ensure_one()
        return self.env["ispec.audit.export"].with_context(ispec_audit_generation=_GENERATION).create({
            **self._shared_parameter_values(), "date_from": date_from, "date_to": date_to,
            "schedule_id": self.id, "background": True, "requested_by_id": self.user_id.id,
            "state": "queued", "mail_state": "to_send",
        })

    @api.model
    def _create_due_runs(self, today):
        """Make the runs of every active schedule due by ``today`` (each period missed gets its run), a
        batch of schedules per commit: a run and the move of the next run date are committed together.
        Returns whether every due schedule was handled (False: the cron's time budget ran out)."""
        due = [("active", "=", True), ("next_run_date", "<=", today)]

        def make_runs(batch):
            for schedule in batch:
                while schedule.next_run_date <= today:
                    schedule._create_run()

        next_batch, remaining = search_batches(self, due, self._BATCH_SIZE)
        _time_left, done = commit_in_batches(self.env, next_batch, make_runs, remaining)
        return done

    # ------------------------------------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------------------------------------
    def action_run_now(self):
        """Make the run of the period just ended now (the one a run today would export), in the
        background: the recipients are mailed when it is ready. The next run date does not change; when it
        comes for the same period, no second run is made."""
        self.check_access("write")
        today = fields.Date.context_today(self)
        cron = self.env["ispec.audit.export"]._background_cron()
        for schedule in self:
            date_from, date_to = schedule._period_before(today)
            if run := schedule._run_of(date_from, date_to):
                raise UserError(self.env._(
                    "The recurring export %(name)s already has its run of %(start)s to %(end)s (%(state)s): "
                    "open it from the Runs tab.", name=schedule.name, start=date_from, end=date_to,
                    state=dict(run._fields["state"]._description_selection(self.env))[run.state]))
            schedule._make_run(date_from, date_to)
        cron._trigger()
        return close_with_notification(self.env._(
            "The run is being generated in the background; the recipients are mailed a link when it is ready."),
            "info")

    def action_view_runs(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("invoicing_specialist.ispec_audit_export_action")
        action["domain"] = [("schedule_id", "=", self.id)]
        action["context"] = {"create": False}
        return action
