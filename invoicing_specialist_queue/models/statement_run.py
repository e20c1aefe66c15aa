import logging

from psycopg2 import errors

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Domain
from odoo.tools import SQL

from odoo.addons.queue_job.exception import RetryableJobError

from .queue_common import ACTIVE_JOB_STATES, LOCK_RETRY_SECONDS, batch_size_param

_logger = logging.getLogger(__name__)

CHANNEL = "root.invoicing_specialist.statements"
BATCH_SIZE_PARAM = "invoicing_specialist_queue.statement_batch_size"
# Small enough that the batches of a run of 100 share out evenly over a few workers (10 jobs on 2: 5 each).
DEFAULT_BATCH_SIZE = 10


class IspecStatementRun(models.Model):
    """A statement run sent by jobs: one job per batch of customers, in parallel on every worker.

    A batch job takes the row locks of its pending lines (NOWAIT: a job of the same run holding them
    postpones this one) and sends them in its one transaction: each line's result is committed with its
    mail, or neither. Each batch job then queues a small job that finishes the run when no customer is
    pending any more; it starts only after its batch committed, so the job of the batch that commits last
    sees every line done."""

    _inherit = "ispec.statement.run"

    # ------------------------------------------------------------------
    # ACTIONS: a run sent in the background is sent by jobs
    # ------------------------------------------------------------------

    def action_confirm_send(self):
        self._ispec_check_no_jobs()
        return super().action_confirm_send()

    def action_start(self):
        self._ispec_check_no_jobs()
        result = super().action_start()
        # The runs too big to send while the user waits were handed to the scheduled action (queued):
        # they are queued as jobs at once (the scheduled action, triggered too, finds them queued).
        self.filtered(lambda run: run.queued and run.state != "done")._ispec_enqueue_runs()
        return result

    def action_retry_failed(self):
        self._ispec_check_no_jobs()
        return super().action_retry_failed()

    # ------------------------------------------------------------------
    # QUEUEING
    # ------------------------------------------------------------------

    def _ispec_job_key(self, suffix):
        self.ensure_one()
        return f"ispec.statement.run:{self.id}:{suffix}"

    def _ispec_active_jobs(self):
        """The jobs of these runs not done yet (waiting, pending, enqueued or started)."""
        if not self.ids:
            return self.env["queue.job"]
        domain = Domain.OR(Domain("identity_key", "=like", run._ispec_job_key("%")) for run in self)
        # sudo: queue.job is for job managers; only whether these runs have jobs is read.
        return self.env["queue.job"].sudo().search(domain & Domain("state", "in", ACTIVE_JOB_STATES))

    def _ispec_check_no_jobs(self):
        """Refuse, in words, to send a run by hand while its jobs send it."""
        for run in self:
            jobs = run._ispec_active_jobs()
            if jobs:
                raise UserError(self.env._(
                    "%(run)s is being sent in the background by %(count)s job(s): wait for them to finish "
                    "and reload the run to see its progress.", run=run.name, count=len(jobs),
                ))

    def _ispec_batches(self):
        """The run's lines in batches of the configured size, in a fixed order (by id), each with its
        identity key: the same batch gets the same key whenever it is queued."""
        self.ensure_one()
        size = batch_size_param(self.env, BATCH_SIZE_PARAM, DEFAULT_BATCH_SIZE)
        lines = self.line_ids.sorted("id")
        batches = [lines[start:start + size] for start in range(0, len(lines), size)]
        return [(self._ispec_job_key(f"send:{batch[0].id}-{batch[-1].id}"), batch) for batch in batches]

    def _ispec_enqueue_runs(self):
        """Queue the jobs of each run; a run that waits (another run of its company, type and date is in
        progress, or someone sends it by hand) is left queued for the scheduled action, which the last
        job of the other run calls. Returns the runs queued."""
        enqueued = self.browse()
        for run in self:
            try:
                run._ispec_enqueue_batches()
                enqueued |= run
            except UserError as error:
                _logger.info("Statement run %s left for later: %s", run.name, error)
        return enqueued

    def _ispec_enqueue_batches(self):
        """Put the run in progress and queue one job per batch that has pending customers and no job
        waiting or working on it. Under the run's lock: refused while someone sends it by hand."""
        self.ensure_one()
        with self._processing():
            self._check_no_other_running()
            if not self.line_ids:
                self._add_customers(self._selected_customers())
            self.queued = True
            if not self.line_ids.filtered(lambda line: line.state == "pending"):
                if self.state != "done":
                    self._finish()
                return 0
            self._set_running()
            batches = self._ispec_batches()
            active = set(self._ispec_active_jobs().mapped("identity_key"))
            count = 0
            total = len(self.line_ids)
            for index, (key, batch) in enumerate(batches):
                if key in active or not batch.filtered(lambda line: line.state == "pending"):
                    continue
                first = index * len(batches[0][1]) + 1
                self.with_delay(
                    channel=CHANNEL, identity_key=key,
                    description=self.env._("Statements of %(run)s: customers %(first)s to %(last)s of %(total)s",
                                           run=self.name, first=first, last=first + len(batch) - 1, total=total),
                )._ispec_job_send_batch(batch.ids)
                count += 1
            return count

    # ------------------------------------------------------------------
    # JOBS
    # ------------------------------------------------------------------

    def _ispec_lock_rows(self, query):
        """Run a ``SELECT ... FOR UPDATE NOWAIT``; when another transaction holds one of the rows, or
        changed it since this job began, postpone the job (queue_job tries it again a few seconds later,
        without counting it as a failed try)."""
        self.env.flush_all()
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(query, log_exceptions=False)
                return [row[0] for row in self.env.cr.fetchall()]
        except (errors.LockNotAvailable, errors.SerializationFailure) as error:
            raise RetryableJobError(
                self.env._("%(run)s: another job is working on the same customers; tried again shortly.",
                           run=self.name),
                seconds=LOCK_RETRY_SECONDS, ignore_retry=True,
            ) from error

    def _ispec_job_send_batch(self, line_ids):
        """Job: send the statements of the lines ``line_ids`` still pending, then queue the job that
        finishes the run. Returns what it did, in words (shown on the job)."""
        self.ensure_one()
        run = self.with_company(self.company_id)
        locked = run._ispec_lock_rows(SQL(
            "SELECT id FROM ispec_statement_run_line WHERE id = ANY(%s) AND run_id = %s AND state = 'pending' "
            "ORDER BY id FOR UPDATE NOWAIT", list(line_ids), run.id,
        ))
        lines = self.env["ispec.statement.run.line"].browse(locked).with_company(run.company_id)
        if lines:
            run._send_lines(lines, run._run_report_data())
        # Started only once this job has committed: the job of the batch committed last sees every line done.
        run.with_delay(
            channel=CHANNEL, priority=5, identity_key=run._ispec_job_key(f"finish:{min(line_ids)}-{max(line_ids)}"),
            description=self.env._("Finish %(run)s when its last customer is done", run=run.name),
        )._ispec_job_finish()
        states = {}
        for line in lines:
            states[line.state] = states.get(line.state, 0) + 1
        return self.env._("%(count)s customer(s) of %(run)s done: %(states)s", count=len(lines), run=run.name,
                          states=", ".join(f"{state} {count}" for state, count in sorted(states.items())) or "-")

    def _ispec_job_finish(self):
        """Job: mark the run done (with its outcome) once none of its customers is pending, then let the
        runs waiting for it start."""
        self.ensure_one()
        self._ispec_lock_rows(SQL("SELECT id FROM ispec_statement_run WHERE id = %s FOR UPDATE NOWAIT", self.id))
        if self.state != "running":
            return self.env._("%(run)s is not in progress: nothing to finish.", run=self.name)
        pending = self.env["ispec.statement.run.line"].search_count(
            [("run_id", "=", self.id), ("state", "=", "pending")])
        if pending:
            return self.env._("%(run)s: %(count)s customer(s) still pending; their job finishes the run.",
                              run=self.name, count=pending)
        self._finish()
        # Runs of the same company, type and date queued behind this one: the scheduled action queues them.
        waiting = self.search_count([
            ("id", "!=", self.id), ("queued", "=", True), ("state", "in", ("draft", "running")),
            ("company_id", "=", self.company_id.id), ("statement_type", "=", self.statement_type),
            ("date", "=", self.date),
        ], limit=1)
        if waiting:
            # sudo: triggering the addon's own scheduled action (ir.cron.trigger is for admins only).
            self.env.ref("invoicing_specialist.ir_cron_statement_runs").sudo()._trigger()
        return self.note or self._summary()

    # ------------------------------------------------------------------
    # SCHEDULED ACTION: queues the jobs instead of sending
    # ------------------------------------------------------------------

    @api.model
    def _cron_send_statements(self, today=None):
        """Scheduled action with the job queue: create today's runs, then queue the jobs of every
        unfinished run (interrupted ones first); a batch whose job is waiting or working is not queued
        again, a batch an interrupted job left is."""
        self._cron_create_runs(today or fields.Date.context_today(self))
        runs = self.search([("state", "in", ("draft", "running")), ("queued", "=", True)])
        runs.sorted(lambda run: (run.state != "running", run.id))._ispec_enqueue_runs()
        return True
