"""An audit export generated in the background is one job; the user is told; a recurring run's job builds
it and mails its recipients once; the scheduled action queues what has no job."""

from datetime import date

from odoo import Command
from odoo.tests import Form, new_test_user, tagged

from odoo.addons.account.tests.common import AccountTestInvoicingCommon
from odoo.addons.invoicing_specialist.tests.cron_faults import cron_commits
from odoo.addons.queue_job.job import Job
from odoo.addons.queue_job.tests.common import JobCounter, trap_jobs

from ..models.audit_export import CHANNEL

APRIL_1 = date(2025, 4, 1)
MARCH = (date(2025, 3, 1), date(2025, 3, 31))


@tagged("post_install", "-at_install")
class TestAuditExportQueue(AccountTestInvoicingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company = cls.env.company
        users = {"company_id": company.id, "company_ids": [Command.set(company.ids)]}
        cls.manager = new_test_user(cls.env, "qaud_manager", groups="invoicing_specialist.group_manager", **users)
        cls.auditor = new_test_user(cls.env, "qaud_auditor", groups="invoicing_specialist.group_auditor",
                                    email="auditor@example.com", **users)
        cls.env.user.group_ids = [Command.link(cls.env.ref("invoicing_specialist.group_manager").id)]
        cls.march = cls.env["account.move"]
        for price, invoice_date in ((200.0, "2025-03-03"), (300.0, "2025-03-31")):
            move = cls.env["account.move"].create({
                "move_type": "out_invoice", "partner_id": cls.partner_a.id, "invoice_date": invoice_date,
                "invoice_line_ids": [Command.create({"product_id": cls.product_a.id, "price_unit": price,
                                                     "tax_ids": [Command.clear()]})],
            })
            move.action_post()
            cls.march |= move

    def _told(self, user, export):
        return self.env["mail.notification"].search([
            ("res_partner_id", "=", user.partner_id.id), ("mail_message_id.model", "=", export._name),
            ("mail_message_id.res_id", "=", export.id)])

    def test_background_export_is_one_job_and_the_user_is_told(self):
        export = self.env["ispec.audit.export"].with_user(self.auditor).create(
            {"date_from": MARCH[0], "date_to": MARCH[1], "dataset_sequence_check": False})
        with trap_jobs() as trap:
            action = export.with_user(self.auditor).action_generate_background()
            self.assertIn("notified", action["params"]["message"])
            trap.assert_jobs_count(1)
            trap.assert_enqueued_job(export._ispec_job_build, properties={
                "channel": CHANNEL, "identity_key": f"ispec.audit.export:{export.id}"})
            self.assertEqual(export.state, "queued")
            # The job commits its attempt before building (commits allowed): run it on the test's cursor.
            with self.enter_registry_test_mode():
                trap.perform_enqueued_jobs()
        self.assertEqual((export.state, export.generated_by_id, export.attempt_count), ("done", self.auditor, 1))
        self.assertEqual(export.row_count, len(self.march))
        told = self._told(self.auditor, export).mail_message_id
        self.assertEqual(len(told), 1, "the auditor who asked is told once")
        self.assertIn(export.package_sha256, told.body)

    def test_recurring_run_built_and_mailed_once_by_its_job(self):
        with Form(self.env["ispec.audit.schedule"].with_user(self.manager)) as form:
            form.name = "Monthly package"
            form.next_run_date = APRIL_1
            form.dataset_credit_note_register = False
            form.dataset_sequence_check = False
            form.recipient_ids.add(self.auditor)
        schedule = form.record
        counter = JobCounter(self.env(su=True))  # queue.job is for job managers
        cron_user = self.env.ref("invoicing_specialist.ir_cron_audit_exports").user_id
        cron = self.env["ispec.audit.export"].with_user(cron_user)
        with cron_commits(self.env):
            cron._cron_audit_exports(today=APRIL_1)
        run = schedule.run_ids
        job = counter.search_created()
        self.assertEqual((len(run), run.state, len(job)), (1, "queued", 1))
        self.assertEqual((job.channel, job.identity_key), (CHANNEL, f"ispec.audit.export:{run.id}"))
        with cron_commits(self.env):
            cron._cron_audit_exports(today=APRIL_1)
        self.assertEqual(counter.count_created(), 1, "its job waits: not queued twice")
        with self.enter_registry_test_mode():
            Job.load(self.env, job.uuid).perform()
        self.assertEqual((run.state, run.mail_state), ("done", "sent"))
        mails = self.env["mail.mail"].search([("model", "=", run._name), ("res_id", "=", run.id),
                                              ("recipient_ids", "in", self.auditor.partner_id.ids)])
        self.assertEqual(len(mails), 1)
        self.assertIn(f"/odoo/ispec.audit.export/{run.id}", mails.body_html)
        job.state = "done"
        with cron_commits(self.env):
            cron._cron_audit_exports(today=APRIL_1)
        self.assertEqual(counter.count_created(), 1, "built and mailed: nothing left to queue")
