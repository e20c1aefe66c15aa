import io
from datetime import date
from unittest.mock import patch

import openpyxl
from psycopg2 import IntegrityError

from odoo import SUPERUSER_ID, api
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged
from odoo.tools import SQL, mute_logger

from .test_statement_data import StatementLedgerCase
from .test_statement_run_faults import deliver


@tagged("post_install", "-at_install")
class TestStatementRun(StatementLedgerCase):
    """Statement runs, the on-demand wizard, the schedule, rights and company isolation."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._ispec_run_customers()
        cls._ispec_run_users("stmt")

    def _run(self, user=None, **values):
        return self.env["ispec.statement.run"].with_user(user or self.env.user).create({
            "statement_type": "outstanding", "date": self.DATE_END, **values,
        })

    def _statement_messages(self, partner):
        return self.env["mail.message"].search([
            ("model", "=", "res.partner"), ("res_id", "=", partner.id), ("message_type", "=", "comment"),
        ])

    def _lines(self, run):
        return {line.partner_id: line for line in run.line_ids}

    # ------------------------------------------------------------------
    # RUNS
    # ------------------------------------------------------------------

    def test_run_results_per_customer(self):
        run = self._run(user=self.specialist)
        # Drafted by someone else (the scheduled action's user), started by the specialist.
        self.env["ispec.statement.run"].browse(run.id).user_id = self.env.ref("base.user_root")
        run.action_start()
        lines = self._lines(run)
        self.assertEqual(run.state, "done")
        self.assertEqual(run.user_id, self.specialist, "Started By names who started it")
        self.assertEqual(set(lines), {self.customer, self.zero, self.no_email, self.fragile})
        self.assertEqual(
            {partner.name: (line.state, line.amount_due) for partner, line in lines.items()},
            {
                "Statement Customer": ("queued", 1225.0),  # 1050 USD + 350 EUR (175 USD)
                "Settled Customer": ("skipped_zero", 0.0),
                "Paper Customer": ("skipped_email", 40.0),
                "Fragile Customer": ("queued", 60.0),
            },
        )
        sent = lines[self.customer]
        self.assertEqual(sent.recipient_id, self.contact, "the invoice address receives it")
        self.assertTrue(sent.attachment_id.raw)
        self.assertEqual(sent.message_id, self._statement_messages(self.customer))
        self.assertEqual(sent.message_id.attachment_ids, sent.attachment_id)
        self.assertIn(self.contact, sent.message_id.partner_ids)
        mail = self.env["mail.mail"].search([("mail_message_id", "=", sent.message_id.id)])
        self.assertEqual(mail.state, "outgoing", "queued: it leaves only once the transaction commits")
        self.assertEqual((run.queued_count, run.sent_count, run.skipped_count, run.failed_count), (2, 0, 2, 0))
        deliver(self.env, mail)
        self.assertEqual(sent.state, "sent", sent.error)
        self.assertEqual((run.queued_count, run.sent_count), (1, 1))

    def test_statement_contact_and_fallbacks(self):
        self.assertEqual(self.customer._ispec_statement_recipient(), self.contact)
        self.assertEqual(self.zero._ispec_statement_recipient(), self.zero)
        boss = self.env["res.partner"].create({"name": "CFO", "parent_id": self.customer.id, "email": "cfo@x.example"})
        self.customer.ispec_statement_contact_id = boss
        self.assertEqual(self.contact._ispec_statement_recipient(), boss)

    def test_minimum_balance_and_credit_balances(self):
        self.env.company.ispec_statement_min_balance = 100.0
        credit = self.env["res.partner"].create({"name": "Credit Customer", "email": "credit@example.com"})
        self._ispec_invoice("out_refund", "2025-03-01", "2025-03-01", 30.0, partner=credit)
        run = self._run()
        run.action_start()
        lines = self._lines(run)
        self.assertEqual(lines[self.fragile].state, "skipped_zero", "60 is under the minimum of 100")
        self.assertEqual((lines[credit].state, lines[credit].amount_due), ("skipped_zero", -30.0))
        self.env.company.ispec_statement_include_credit = True
        run2 = self._run(statement_type="activity", date_start=self.DATE_START)
        run2.action_start()
        self.assertEqual(self._lines(run2)[credit].state, "queued")

    def test_failing_customer_retried_without_double_send(self):
        statement_class = self.env.registry["ispec.statement"]
        original = statement_class._send_statement

        def crash_after_posting(model, partner, recipient, data, output_format="pdf"):
            result = original(model, partner, recipient, data, output_format)
            if partner == self.fragile:
                raise ConnectionError("SMTP connection lost")  # after the mail was queued
            return result

        run = self._run()
        with patch.object(statement_class, "_send_statement", crash_after_posting), \
                mute_logger("odoo.addons.invoicing_specialist.models.statement_run"):
            run.action_start()
        lines = self._lines(run)
        self.assertEqual(lines[self.fragile].state, "failed")
        self.assertIn("SMTP connection lost", lines[self.fragile].error)
        self.assertFalse(self._statement_messages(self.fragile), "the failed customer's mail was rolled back")
        self.assertFalse(self.env["mail.mail"].search([("recipient_ids", "in", self.fragile.ids)]))
        self.assertEqual(lines[self.customer].state, "queued")
        self.assertEqual(run.failed_count, 1)

        run.action_retry_failed()
        self.assertEqual(lines[self.fragile].state, "queued")
        self.assertFalse(lines[self.fragile].error)
        self.assertEqual(len(self._statement_messages(self.fragile)), 1)
        self.assertEqual(len(self._statement_messages(self.customer)), 1, "not sent again")
        self.assertEqual(run.state, "done")

    def test_never_sent_twice_same_date(self):
        first = self._run()
        first.action_start()
        second = self._run()
        second.action_start()
        self.assertEqual(self._lines(second)[self.customer].state, "skipped_sent")
        self.assertEqual(len(self._statement_messages(self.customer)), 1)
        # The database refuses a second queued line for the same customer, company, type and date.
        with self.assertRaises(IntegrityError), mute_logger("odoo.sql_db"), self.cr.savepoint():
            self._lines(second)[self.customer].write({"result": "mailed"})
            self.env.flush_all()
        # Another date is another statement.
        third = self._run(date=date(2025, 4, 30))
        third.action_start()
        self.assertEqual(self._lines(third)[self.customer].state, "queued")

    def test_concurrency_guard(self):
        first = self._run()
        first.state = "running"
        second = self._run()
        with self.assertRaises(IntegrityError), mute_logger("odoo.sql_db"), self.cr.savepoint():
            second.state = "running"
            self.env.flush_all()
        # Another type or date may run at the same time.
        other = self._run(statement_type="activity", date_start=self.DATE_START)
        other.state = "running"
        self.env.flush_all()
        # Starting the second one is refused in words, naming the run in progress.
        with self.assertRaisesRegex(UserError, "has not finished"):
            second.action_start()
        # Two started at the same moment (neither saw the other): the database refuses the second,
        # which the user reads in words, not as a server error.
        with patch.object(self.env.registry["ispec.statement.run"], "_check_no_other_running", lambda run: None), \
                mute_logger("odoo.sql_db"), self.assertRaisesRegex(UserError, "has just started"):
            second._process()

    def test_lock_nowait_between_workers(self):
        """Two workers (two database connections): while one processes a run, through its batch
        commits, a second start is refused at once with words, and its transaction stays usable."""
        company_id = self.env.ref("base.main_company").id  # committed, visible to other connections
        # A run the other connections can see: a separate cursor commits when its block ends, and
        # the run is removed the same way at the end.
        with self.registry.cursor() as cr:
            run_id = api.Environment(cr, SUPERUSER_ID, {})["ispec.statement.run"].create({
                "company_id": company_id, "statement_type": "outstanding", "date": "2001-01-31",
            }).id
        try:
            with self.registry.cursor() as cr_a, self.registry.cursor() as cr_b:
                run_a = api.Environment(cr_a, SUPERUSER_ID, {})["ispec.statement.run"].browse(run_id)
                run_b = api.Environment(cr_b, SUPERUSER_ID, {})["ispec.statement.run"].browse(run_id)
                with run_a._processing():
                    run_a.state = "running"
                    cr_a.commit()  # a batch commit: the run stays held
                    with self.assertRaisesRegex(UserError, "being processed by another job"):
                        run_b.action_start()
                    with self.assertRaisesRegex(UserError, "being processed by another job"):
                        run_b.action_confirm_send()
                    cr_b.execute(SQL("SELECT 1"))  # not an aborted transaction
                    self.assertEqual(cr_b.fetchone(), (1,))
                    run_a.state = "draft"
                    cr_a.commit()
                # Let go: the other worker may start it now (nothing in 2001: done, and says why).
                cr_b.rollback()
                run_b.invalidate_recordset()
                run_b.action_start()
                self.assertEqual(run_b.state, "done")
                self.assertIn("no customer has receivable items", run_b.note)
                cr_a.rollback()
                cr_b.rollback()
        finally:
            with self.registry.cursor() as cr:
                api.Environment(cr, SUPERUSER_ID, {})["ispec.statement.run"].browse(run_id).unlink()

    def test_run_activity_dates_checked(self):
        with self.assertRaises(UserError):
            self._run(statement_type="activity", date_start=date(2025, 4, 1))

    def test_cron_schedule(self):
        company = self.env.company
        company.write({"ispec_statement_auto": True, "ispec_statement_day": 5})
        self.no_email.ispec_statement_frequency = "none"
        self.fragile.ispec_statement_frequency = "quarterly"
        progress = []
        cron_class = self.env.registry["ir.cron"]
        with patch.object(cron_class, "_commit_progress", lambda cron, processed=0, **kw: progress.append(
                (processed, kw.get("remaining"))) or 60.0):
            runs = self.env["ispec.statement.run"]
            runs._cron_send_statements(today=date(2025, 5, 4))
            self.assertFalse(runs.search([("scheduled", "=", True)]), "before the day of the month")
            runs._cron_send_statements(today=date(2025, 5, 5))
            run = runs.search([("scheduled", "=", True)])
            self.assertEqual(len(run), 1)
            self.assertEqual(set(run.line_ids.partner_id), {self.customer, self.zero},
                             "no 'none' customer, no quarterly one in May")
            self.assertEqual(run.state, "done")
            self.assertEqual(progress, [(2, 0)])
            runs._cron_send_statements(today=date(2025, 5, 6))
            self.assertEqual(len(runs.search([("scheduled", "=", True)])), 1, "once a month")
            runs._cron_send_statements(today=date(2025, 7, 5))
            july = runs.search([("scheduled", "=", True), ("date", "=", date(2025, 7, 5))])
            self.assertIn(self.fragile, july.line_ids.partner_id, "quarterly customers in July")
        self.assertEqual(len(self._statement_messages(self.customer)), 2)
        chatter = self._statement_messages(self.customer)[0]
        self.assertEqual(len(chatter.attachment_ids), 1)

    def test_big_manual_run_goes_to_background(self):
        run = self._run()
        run_class = self.env.registry["ispec.statement.run"]
        progress = []
        with patch.object(run_class, "_SYNC_LIMIT", 1), patch.object(
            self.env.registry["ir.cron"], "_commit_progress",
            lambda cron, processed=0, **kw: progress.append((processed, kw.get("remaining"))) or 60.0,
        ):
            action = run.action_start()
            self.assertEqual(action["tag"], "display_notification")
            self.assertEqual((run.state, run.queued, run.pending_count), ("draft", True, 4))
            self.assertTrue(self.env["ir.cron.trigger"].search([
                ("cron_id", "=", self.env.ref("invoicing_specialist.ir_cron_statement_runs").id),
            ]))
            with patch.object(run_class, "_BATCH_SIZE", 3):
                self.env["ispec.statement.run"]._cron_send_statements(today=date(2025, 5, 2))
        self.assertEqual(run.state, "done")
        self.assertEqual(run.queued_count, 2)
        self.assertEqual(progress, [(3, 1), (1, 0)], "committed a batch at a time")

    # ------------------------------------------------------------------
    # WIZARD
    # ------------------------------------------------------------------

    def _wizard(self, user=None, **values):
        return self.env["ispec.statement.wizard"].with_user(user or self.specialist).create({
            "partner_ids": [(6, 0, self.customer.ids)], "date_start": self.DATE_START, "date_end": self.DATE_END,
            **values,
        })

    def test_wizard_bad_input(self):
        with self.assertRaisesRegex(UserError, "Select at least one customer"):
            self._wizard(partner_ids=[(5, 0, 0)]).action_confirm()
        with self.assertRaisesRegex(UserError, "before the start of the period"):
            self._wizard(statement_type="activity", date_start=date(2025, 4, 1)).action_confirm()
        with self.assertRaisesRegex(UserError, "Paper Customer"):
            self._wizard(partner_ids=[(6, 0, self.no_email.ids)], delivery="email").action_confirm()

    def test_wizard_from_customer_contacts(self):
        wizard = self.env["ispec.statement.wizard"].with_user(self.specialist).with_context(
            active_model="res.partner", active_ids=[self.contact.id, self.zero.id],
        ).create({})
        self.assertEqual(wizard.partner_ids, self.customer | self.zero)
        action = self.customer.action_ispec_statement()
        self.assertEqual(action["context"]["default_partner_ids"], self.customer.ids)

    def test_wizard_download_xlsx_and_preview(self):
        wizard = self._wizard(output_format="xlsx", statement_type="activity")
        action = wizard.action_confirm()
        attachment = self.env["ir.attachment"].browse(int(action["url"].split("/")[3].split("?")[0]))
        book = openpyxl.load_workbook(io.BytesIO(attachment.raw))
        rows = [[c for c in row if c is not None] for row in book.active.iter_rows(values_only=True)]
        self.assertIn(["Balance brought forward", 620], rows)
        preview = wizard.action_preview()
        self.assertEqual(preview["type"], "ir.actions.act_url")
        self.assertIn("2025-03-01", preview["url"])

    def test_wizard_email(self):
        self._wizard(delivery="email").action_confirm()
        message = self._statement_messages(self.customer)
        self.assertEqual(len(message), 1)
        self.assertIn("statement of account", message.subject)
        self.assertIn(self.contact, message.partner_ids)
        self.assertEqual(len(message.attachment_ids), 1)

    # ------------------------------------------------------------------
    # RIGHTS AND COMPANIES
    # ------------------------------------------------------------------

    def test_group_rights(self):
        run = self._run(user=self.specialist)
        run.action_start()
        self.assertEqual(run.with_user(self.auditor).queued_count, 2, "the auditor reads runs")
        with self.assertRaises(AccessError):
            self._run(user=self.auditor)
        with self.assertRaises(AccessError):
            run.with_user(self.auditor).action_retry_failed()
        # The auditor may download a statement, not email one.
        self._wizard(user=self.auditor).action_confirm()
        with self.assertRaises(AccessError):
            self._wizard(user=self.auditor, delivery="email").action_confirm()
        with self.assertRaises(AccessError):
            run.with_user(self.specialist).unlink()

    def test_company_isolation(self):
        other = self.setup_other_company()["company"]
        run = self._run()
        run.action_start()
        theirs = self.env["ispec.statement.run"].with_company(other).create({
            "company_id": other.id, "statement_type": "outstanding", "date": self.DATE_END,
        })
        theirs.with_company(other).action_start()
        self.assertFalse(theirs.line_ids, "the other company has no receivables for these customers")
        runs = self.env["ispec.statement.run"].with_user(self.specialist).search([])
        self.assertEqual(runs, run)
        self.assertEqual(self.env["ispec.statement.run.line"].with_user(self.specialist).search([]), run.line_ids)
