"""Statement runs sent by jobs: one job per batch, never twice, retried and overlapping jobs, the run
finished by its last job, failures on the lines, the scheduled action queueing what is left."""

from contextlib import contextmanager
from unittest.mock import patch

from psycopg2 import errors

from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.invoicing_specialist.tests.test_statement_data import StatementLedgerCase
from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.queue_job.job import Job
from odoo.addons.queue_job.tests.common import JobCounter, trap_jobs

from ..models.statement_run import BATCH_SIZE_PARAM, CHANNEL

RUN_LOGGER = "odoo.addons.invoicing_specialist.models.statement_run"


class Killed(BaseException):  # noqa: N818 - a kill, not an error: `except Exception` does not catch it
    """The worker process dies here (kill -9)."""


@tagged("post_install", "-at_install")
class TestStatementRunQueue(StatementLedgerCase):
    """34 customers (more than a run sends while the user waits), in batches of 10: 4 jobs."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._ispec_run_customers()
        cls._ispec_run_users("stmt_queue")
        cls.bulk = cls.env["res.partner"].create([
            {"name": "Queued Customer %02d" % i, "email": "q%02d@example.com" % i} for i in range(30)
        ])
        for i, partner in enumerate(cls.bulk):
            cls._ispec_invoice("out_invoice", "2025-03-01", "2025-03-30", 10.0 + i, partner=partner)
        cls.env["ir.config_parameter"].set_param(BATCH_SIZE_PARAM, "10")
        cls.mailable = cls.customer | cls.fragile | cls.bulk  # a balance and an email: 32

    def _run(self):
        return self.env["ispec.statement.run"].with_user(self.specialist).create({
            "statement_type": "outstanding", "date": self.DATE_END,
        })

    def _messages(self, partners):
        """The statements each customer received: {partner: number of messages}."""
        messages = self.env["mail.message"].search([
            ("model", "=", "res.partner"), ("res_id", "in", partners.ids), ("message_type", "=", "comment"),
        ])
        return {partner: len(messages.filtered(lambda m, p=partner: m.res_id == p.id)) for partner in partners}

    def _assert_sent_once(self, run):
        self.assertEqual(run.state, "done")
        self.assertEqual((run.customer_count, run.queued_count, run.skipped_count, run.failed_count,
                          run.pending_count), (34, 32, 2, 0, 0))
        self.assertEqual(set(self._messages(self.mailable).values()), {1}, "each customer exactly once")
        mails = self.env["mail.mail"].search([("recipient_ids", "in", (self.mailable | self.contact).ids)])
        self.assertEqual(len(mails), 32)
        self.assertEqual({line.partner_id: line.state for line in run.line_ids if line.state.startswith("skipped")},
                         {self.zero: "skipped_zero", self.no_email: "skipped_email"})

    @contextmanager
    def _lines_locked_by_another_job(self):
        """The next ``FOR UPDATE NOWAIT`` finds its rows held by another transaction (a job of the same run
        working on them in another worker), as PostgreSQL says it."""
        cursor_class = type(self.env.cr)
        execute = cursor_class.execute
        conflicts = []

        def locked_execute(cr, query, params=None, log_exceptions=True):
            if "NOWAIT" in str(getattr(query, "code", query)) and not conflicts:
                conflicts.append(query)
                raise errors.LockNotAvailable("could not obtain lock on row in relation \"ispec_statement_run_line\"")
            return execute(cr, query, params, log_exceptions)

        with patch.object(cursor_class, "execute", locked_execute):
            yield conflicts

    # ------------------------------------------------------------------

    def test_one_job_per_batch_and_done_when_the_last_ends(self):
        run = self._run()
        with trap_jobs() as trap:
            action = run.with_user(self.specialist).action_start()
            self.assertEqual(action["params"]["type"], "info")
            self.assertIn("background", action["params"]["message"])
            self.assertEqual((run.state, run.pending_count, run.queued), ("running", 34, True))
            batches = run._ispec_batches()
            self.assertEqual([len(batch) for _key, batch in batches], [10, 10, 10, 4])
            trap.assert_jobs_count(4, only=run._ispec_job_send_batch)
            for key, batch in batches:
                trap.assert_enqueued_job(run._ispec_job_send_batch, args=(batch.ids,),
                                         properties={"channel": CHANNEL, "identity_key": key})
            # Queued again (the scheduled action, triggered by Send Statements): the same batches, not twice.
            self.env["ispec.statement.run"]._cron_send_statements(today=self.DATE_END)
            self.assertEqual(len({job.identity_key for job in trap.enqueued_jobs}), 4)
            trap.assert_jobs_count(4)
            self.assertFalse(self._messages(self.mailable)[self.customer], "nothing sent before the jobs run")

            trap.perform_enqueued_jobs()  # the workers send the batches
            self.assertEqual(run.pending_count, 0)
            self.assertEqual(run.state, "running", "done by the job that starts after the last batch committed")
            trap.assert_jobs_count(4, only=run._ispec_job_finish)
            trap.perform_enqueued_jobs()
        self._assert_sent_once(run)
        self.assertFalse(run.note, "statements were sent: no reason to give")

    def test_retried_job_after_a_crash_sends_nothing_twice(self):
        run = self._run()
        statement_class = self.env.registry["ispec.statement"]
        original = statement_class._send_statement

        def killed_at_the_fifth(model, partner, recipient, data, output_format="pdf"):
            if partner == second[4].partner_id:
                raise Killed
            return original(model, partner, recipient, data, output_format)

        with trap_jobs() as trap:
            run.action_start()
            second = run._ispec_batches()[1][1]
            first_job, second_job, *others = trap.enqueued_jobs
            trap.enqueued_jobs = others
            first_job.perform()
            # The worker dies in the middle of the second batch: its transaction, with the four statements it
            # had queued, is lost.
            with patch.object(statement_class, "_send_statement", killed_at_the_fifth), \
                    self.assertRaises(Killed), self.env.cr.savepoint():
                second_job.perform()
            self.env.invalidate_all()
            self.assertEqual(set(second.mapped("state")), {"pending"})
            self.assertEqual(set(self._messages(second.partner_id).values()), {0}, "rolled back with the job")
            # queue_job requeues the dead job; it runs again, whole, as do the others.
            second_job.perform()
            trap.perform_enqueued_jobs()
            trap.perform_enqueued_jobs()  # the finish jobs
        self._assert_sent_once(run)

    def test_overlapping_jobs_of_the_same_batch_send_nothing_twice(self):
        run = self._run()
        with trap_jobs() as trap:
            run.action_start()
            key, batch = run._ispec_batches()[0]
            first = next(job for job in trap.enqueued_jobs if job.identity_key == key)
            # A second job of the same batch (queued again while the first one was already started: the
            # identity key only keeps out a copy of a job still waiting).
            duplicate = Job(run._ispec_job_send_batch, args=(batch.ids,), channel=CHANNEL)
            # The first holds the lines: the second is postponed, not failed, and sends nothing.
            with self._lines_locked_by_another_job() as conflicts, self.assertRaises(RetryableJobError) as caught:
                duplicate.perform()
            self.assertEqual(len(conflicts), 1)
            self.assertTrue(caught.exception.ignore_retry, "waiting for a lock is not a failed try")
            self.assertIn("another job", str(caught.exception))
            self.assertEqual(set(batch.mapped("state")), {"pending"})
            first.perform()
            # Tried again once the first committed: its customers are done, it sends nothing.
            result = duplicate.perform()
            self.assertIn("0 customer(s)", result)
            trap.perform_enqueued_jobs()
            trap.perform_enqueued_jobs()
        self._assert_sent_once(run)

    def test_failed_customer_recorded_on_its_line(self):
        run = self._run()
        statement_class = self.env.registry["ispec.statement"]
        original = statement_class._send_statement

        def smtp_down_for_fragile(model, partner, recipient, data, output_format="pdf"):
            if partner == self.fragile:
                raise ConnectionError("SMTP connection lost")
            return original(model, partner, recipient, data, output_format)

        with trap_jobs() as trap:
            run.action_start()
            with patch.object(statement_class, "_send_statement", smtp_down_for_fragile), mute_logger(RUN_LOGGER):
                trap.perform_enqueued_jobs()
            trap.perform_enqueued_jobs()
        line = run.line_ids.filtered(lambda run_line: run_line.partner_id == self.fragile)
        self.assertEqual((line.state, run.state, run.failed_count, run.queued_count), ("failed", "done", 1, 31))
        self.assertIn("SMTP connection lost", line.error)
        self.assertEqual(self._messages(self.fragile)[self.fragile], 0)
        run.action_retry_failed()
        self.assertEqual((line.state, run.failed_count, run.queued_count), ("queued", 0, 32))
        self._assert_sent_once(run)

    def test_stored_jobs_not_queued_twice_and_an_abandoned_batch_queued_again(self):
        run = self._run()
        counter = JobCounter(self.env(su=True))  # queue.job is for job managers
        run.action_start()
        jobs = counter.search_created()
        self.assertEqual(len(jobs), 4)
        self.assertEqual(set(jobs.mapped("channel")), {CHANNEL})
        self.assertEqual(sorted(jobs.mapped("identity_key")), sorted(key for key, _batch in run._ispec_batches()))
        # The scheduled action finds every batch queued: nothing more.
        self.env["ispec.statement.run"]._cron_send_statements(today=self.DATE_END)
        self.assertEqual(counter.count_created(), 4)
        # While the jobs send it, the run is not sent by hand.
        for action in (run.action_start, run.action_confirm_send, run.action_retry_failed):
            with self.assertRaisesRegex(UserError, "being sent in the background by 4 job"):
                action()
        # One job gave up (failed for good): the next scheduled action queues that batch again, only it.
        abandoned = jobs.sorted("id")[0]
        abandoned.state = "cancelled"
        self.env["ispec.statement.run"]._cron_send_statements(today=self.DATE_END)
        again = counter.search_created() - jobs
        self.assertEqual(again.identity_key, abandoned.identity_key)
        for job in (jobs - abandoned | again):
            Job.load(self.env, job.uuid).perform()
        finishers = counter.search_created() - jobs - again
        self.assertEqual(len(finishers), 4)
        self.assertEqual(run.state, "running")
        for job in finishers:
            Job.load(self.env, job.uuid).perform()
        self._assert_sent_once(run)

    def test_small_run_still_sent_at_once(self):
        run = self.env["ispec.statement.run"].with_user(self.specialist).create({
            "statement_type": "outstanding", "date": self.DATE_END, "partner_ids": [(6, 0, self.bulk[:5].ids)],
        })
        with trap_jobs() as trap:
            run.action_start()
            trap.assert_jobs_count(0)
        self.assertEqual((run.state, run.queued_count), ("done", 5))
