import logging

from odoo import SUPERUSER_ID, api, models
from odoo.fields import Domain

from .queue_common import ACTIVE_JOB_STATES

_logger = logging.getLogger(__name__)

CHANNEL = "root.invoicing_specialist"


class IspecAuditExport(models.Model):
    """An audit export generated in the background is one job; the job builds it as the scheduled action
    does (the attempt committed first, the package, then the user told), and mails a recurring run's
    recipients in a commit of its own. The job function allows commits (data/queue_job_data.xml)."""

    _inherit = "ispec.audit.export"

    def action_generate_background(self):
        result = super().action_generate_background()
        self._ispec_enqueue_builds()
        return result

    def _ispec_job_key(self):
        self.ensure_one()
        return f"ispec.audit.export:{self.id}"

    def _ispec_active_jobs(self):
        if not self.ids:
            return self.env["queue.job"]
        domain = Domain.OR(Domain("identity_key", "=", export._ispec_job_key()) for export in self)
        # sudo: queue.job is for job managers; only whether these exports have jobs is read.
        return self.env["queue.job"].sudo().search(domain & Domain("state", "in", ACTIVE_JOB_STATES))

    def _ispec_enqueue_builds(self):
        """One job per export to build or to mail, unless a job is already waiting or working on it."""
        active = set(self._ispec_active_jobs().mapped("identity_key"))
        for export in self:
            if export._ispec_job_key() in active:
                continue
            # As the superuser, as the scheduled action runs: the package is built with the rights of the
            # user who asked (_build_in_background), and that user, not the author, is told.
            export.with_user(SUPERUSER_ID).with_delay(
                channel=CHANNEL, identity_key=export._ispec_job_key(),
                description=self.env._("Generate %(name)s", name=export.name),
            )._ispec_job_build()
        return len(self)

    def _ispec_job_build(self):
        """Job: build the export (queued, or interrupted while running) and tell who asked; then mail the
        recipients of a recurring run, after the build's commit. Returns what it did, in words."""
        self.ensure_one()
        if self.state in ("queued", "running"):
            self._build_in_background()
        if self.schedule_id and self.state == "done" and self.mail_state == "to_send":
            # The package is kept whatever happens while mailing; the mail is marked with its sending.
            self.env["ir.cron"]._commit_progress()
            self._mail_recipients()
        return self.env._("%(name)s: %(state)s", name=self.name, state=self.state)

    @api.model
    def _cron_audit_exports(self, today=None):
        """Scheduled action with the job queue: make the due recurring runs, queue again the failed runs
        with attempts left, then queue one job per export to build (or interrupted) and per run whose
        recipients are still to mail; an export whose job is waiting or working is left to it."""
        if not self._queue_scheduled_runs(today):
            return True  # out of time: the next call goes on
        self.search([
            "|", ("state", "in", ("queued", "running")), "&", ("mail_state", "=", "to_send"), ("state", "=", "done"),
        ], order="id")._ispec_enqueue_builds()
        return True
