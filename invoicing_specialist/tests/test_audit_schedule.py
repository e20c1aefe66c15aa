"""Recurring audit exports and exports in the background: the scheduled action makes each schedule's run,
builds it, mails each recipient a link once, and resumes or fails cleanly after a crash."""

import io
import json
import zipfile
from datetime import date
from unittest.mock import patch

from dateutil.relativedelta import relativedelta

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, new_test_user, tagged
from odoo.tools import format_date

from odoo.addons.account.tests.common import AccountTestInvoicingCommon

from ..models.audit_dataset import InvoiceRegister
from ..models.audit_export import MAX_ATTEMPTS
from .cron_faults import cron_commits
from .test_access import WebClientCase

CRON = "invoicing_specialist.ir_cron_audit_exports"
EXPORT_LOGGER = "odoo.addons.invoicing_specialist.models.audit_export"
APRIL_1 = date(2025, 4, 1)
MARCH = (date(2025, 3, 1), date(2025, 3, 31))


def broken_rows(dataset):
    yield from ()
    raise OSError("No space left on device")


@tagged("post_install", "-at_install")
class TestAuditSchedule(AccountTestInvoicingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company = cls.env.company
        users = {"company_id": company.id, "company_ids": [Command.set(company.ids)]}
        cls.manager = new_test_user(cls.env, "sch_manager", groups="invoicing_specialist.group_manager", **users)
        cls.auditor = new_test_user(cls.env, "sch_auditor", groups="invoicing_specialist.group_auditor", **users)
        cls.auditor2 = new_test_user(cls.env, "sch_auditor2", groups="invoicing_specialist.group_auditor",
                                     email="second.auditor@example.com", **users)
        cls.specialist = new_test_user(
            cls.env, "sch_specialist", groups="invoicing_specialist.group_specialist", **users)
        cls.env.user.group_ids = [Command.link(cls.env.ref("invoicing_specialist.group_manager").id)]
        cls.cron = cls.env.ref(CRON)
        cls.cron_user = cls.cron.user_id
        cls.tax = cls.company_data["default_tax_sale"]
        cls.feb = cls._invoice(100.0, "2025-02-20")
        cls.march = cls._invoice(200.0, "2025-03-03") | cls._invoice(300.0, "2025-03-31")
        cls.april = cls._invoice(400.0, "2025-04-01")

    @classmethod
    def _invoice(cls, price, invoice_date):
        move = cls.env["account.move"].create({
            "move_type": "out_invoice", "partner_id": cls.partner_a.id, "invoice_date": invoice_date,
            "invoice_line_ids": [Command.create({"product_id": cls.product_a.id, "quantity": 1, "price_unit": price,
                                                 "tax_ids": [Command.set(cls.tax.ids)]})],
        })
        move.action_post()
        return move

    def _schedule(self, **values):
        """A monthly schedule of the invoice register, made by a manager in the form."""
        with Form(self.env["ispec.audit.schedule"].with_user(self.manager)) as form:
            form.name = "Monthly package"
            form.next_run_date = APRIL_1
            form.dataset_credit_note_register = False
            form.dataset_sequence_check = False
            form.recipient_ids.add(self.auditor)
            form.recipient_ids.add(self.auditor2)
        schedule = form.record
        if values:
            schedule.write(values)
        return schedule

    def _run(self, today=APRIL_1, kill_at=None):
        """Run the scheduled action as its user, its commits simulated (``cron_faults.cron_commits``), the
        worker killed just before commit ``kill_at``. Returns the counts reported at each commit."""
        with cron_commits(self.env, kill_at) as run:
            self.env["ispec.audit.export"].with_user(self.cron_user)._cron_audit_exports(today=today)
        return run.commits

    def _mails_to(self, user, export):
        """The mails that carry a message of ``export`` to ``user``."""
        return self.env["mail.mail"].search([("model", "=", export._name), ("res_id", "=", export.id),
                                             ("recipient_ids", "in", user.partner_id.ids)])

    def _notifications(self, user, export):
        return self.env["mail.notification"].search([
            ("res_partner_id", "=", user.partner_id.id), ("mail_message_id.model", "=", export._name),
            ("mail_message_id.res_id", "=", export.id)])

    def _manifest(self, export):
        self.assertEqual(export.state, "done", export.message)
        return json.loads(zipfile.ZipFile(io.BytesIO(export.attachment_id.raw)).read("manifest.json"))

    def _assert_mailed_once(self, run):
        for user in (self.auditor, self.auditor2):
            mails = self._mails_to(user, run)
            self.assertEqual(len(mails), 1, f"one mail for {user.login}")
            self.assertEqual(len(self._notifications(user, run)), 1, f"one notification for {user.login}")
            self.assertIn(f"/odoo/ispec.audit.export/{run.id}", mails.body_html, "the link to the export")
            self.assertIn(f"/web/content/{run.attachment_id.id}?download=true", mails.body_html)
            self.assertFalse(mails.attachment_ids, "a link, never the package itself")
            period = f"{format_date(self.env, run.date_from)} to {format_date(self.env, run.date_to)}"
            self.assertEqual(mails.subject, f"Audit package ready: {run.schedule_id.name}, {period}")
        self.assertEqual(run.mail_state, "sent")

    # ------------------------------------------------------------------------------------------------
    # Recurring runs
    # ------------------------------------------------------------------------------------------------
    def test_monthly_run_exports_the_previous_month_and_mails_once(self):
        schedule = self._schedule()
        self.assertEqual((schedule.next_date_from, schedule.next_date_to), MARCH)
        self.assertEqual(schedule.user_id, self.manager)
        self.assertEqual(self._run(), [1, 0, 1, 1], "runs made, build started, built, mailed: one commit each")
        run = schedule.run_ids
        self.assertEqual(len(run), 1)
        self.assertEqual((run.date_from, run.date_to, run.state, run.attempt_count), (*MARCH, "done", 1))
        self.assertEqual((run.company_id, run.generated_by_id, run.requested_by_id),
                         (self.env.company, self.manager, self.manager), "built as the schedule's responsible")
        manifest = self._manifest(run)
        self.assertEqual(manifest["parameters"]["datasets"], ["invoice_register"])
        register = manifest["datasets"][0]
        self.assertEqual(register["rows"], len(self.march))
        self.assertAlmostEqual(register["control_totals"]["amount_total_company"],
                               sum(self.march.mapped("amount_total_signed")), places=2)
        self.assertEqual(schedule.next_run_date, date(2025, 5, 1))
        self.assertEqual((schedule.next_date_from, schedule.next_date_to), (date(2025, 4, 1), date(2025, 4, 30)))
        self._assert_mailed_once(run)
        # The recipient opens the link: the export and its package, as the auditor they are.
        self.assertEqual(run.with_user(self.auditor).action_download()["url"],
                         f"/web/content/{run.attachment_id.id}?download=true")
        self.assertTrue(run.attachment_id.with_user(self.auditor).raw)
        self.assertFalse(self._mails_to(self.manager, run), "the responsible is not mailed a successful run")
        # The scheduled action again, the same day and the next: nothing made, built or mailed again.
        self._run()
        self._run(today=date(2025, 4, 2))
        self.assertEqual(schedule.run_ids, run)
        self.assertEqual(self.env["ir.attachment"].search_count([("res_model", "=", run._name),
                                                                 ("res_id", "=", run.id)]), 1)
        self._assert_mailed_once(run)

    def test_missed_periods_each_get_their_run(self):
        schedule = self._schedule(next_run_date=date(2025, 2, 5))
        self._run(today=date(2025, 4, 10))
        self.assertEqual([(run.date_from, run.date_to) for run in schedule.run_ids.sorted("date_from")],
                         [(date(2025, 1, 1), date(2025, 1, 31)), (date(2025, 2, 1), date(2025, 2, 28)), MARCH])
        self.assertEqual(set(schedule.run_ids.mapped("state")), {"done"})
        self.assertEqual(schedule.next_run_date, date(2025, 5, 5))
        self.assertEqual([run.row_count for run in schedule.run_ids.sorted("date_from")], [0, 1, 2])
        for run in schedule.run_ids:
            self.assertEqual(len(self._mails_to(self.auditor, run)), 1)

    def test_run_now_makes_the_period_just_ended_once(self):
        today = date.today()
        schedule = self._schedule(next_run_date=today.replace(day=1) + relativedelta(months=1))
        period = schedule._period_before(today)
        action = schedule.with_user(self.manager).action_run_now()
        self.assertEqual(action["params"]["type"], "info")
        run = schedule.run_ids
        self.assertEqual((run.date_from, run.date_to, run.state, run.requested_by_id),
                         (*period, "queued", self.manager))
        with self.assertRaisesRegex(UserError, "already has its run"):
            schedule.with_user(self.manager).action_run_now()
        with self.assertRaises(AccessError):
            schedule.with_user(self.auditor).action_run_now()
        self._run(today=today)
        self.assertEqual(run.state, "done")
        self._assert_mailed_once(run)
        # The run date of the same period comes: no second run, the date moves on.
        schedule.next_run_date = today.replace(day=1)
        self._run(today=today)
        self.assertEqual(schedule.run_ids, run)
        self.assertEqual(schedule.next_run_date, today.replace(day=1) + relativedelta(months=1))
        self._assert_mailed_once(run)

    def test_periods_follow_the_frequency_and_the_fiscal_year(self):
        schedule = self._schedule()
        cases = [
            ("monthly", date(2025, 1, 15), (date(2024, 12, 1), date(2024, 12, 31))),
            ("monthly", date(2024, 3, 1), (date(2024, 2, 1), date(2024, 2, 29))),
            ("quarterly", date(2025, 5, 10), (date(2025, 1, 1), date(2025, 3, 31))),
            ("quarterly", date(2025, 1, 1), (date(2024, 10, 1), date(2024, 12, 31))),
            ("yearly", date(2025, 1, 1), (date(2024, 1, 1), date(2024, 12, 31))),
        ]
        for frequency, run_date, period in cases:
            schedule.frequency = frequency
            self.assertEqual(schedule._period_before(run_date), period, f"{frequency} on {run_date}")
        # A fiscal year from July to June: its quarters and the year before.
        self.env.company.write({"fiscalyear_last_month": "6", "fiscalyear_last_day": 30})
        schedule.frequency = "quarterly"
        self.assertEqual(schedule._period_before(date(2025, 8, 1)), (date(2025, 4, 1), date(2025, 6, 30)))
        self.assertEqual(schedule._period_before(date(2025, 7, 1)), (date(2025, 4, 1), date(2025, 6, 30)))
        schedule.frequency = "yearly"
        self.assertEqual(schedule._period_before(date(2025, 8, 1)), (date(2024, 7, 1), date(2025, 6, 30)))
        # The next run date moves on by the frequency.
        schedule.write({"frequency": "quarterly", "next_run_date": date(2025, 7, 1)})
        self._run(today=date(2025, 7, 1))
        self.assertEqual(schedule.next_run_date, date(2025, 10, 1))
        self.assertEqual((schedule.run_ids.date_from, schedule.run_ids.date_to), (date(2025, 4, 1), date(2025, 6, 30)))
        with self.assertRaisesRegex(ValidationError, "from the 1st to the 28th"):
            schedule.next_run_date = date(2025, 10, 31)

    def test_killed_after_the_build_mails_once_and_builds_once(self):
        schedule = self._schedule()
        # Killed just before the mail's commit: the package is built and committed, the mail is lost.
        self._run(kill_at=4)
        run = schedule.run_ids
        self.assertEqual((run.state, run.mail_state, run.attempt_count), ("done", "to_send", 1))
        self.assertFalse(self._mails_to(self.auditor, run))
        package, generated_at = run.attachment_id, run.generated_at
        self._run()
        self.assertEqual((run.attachment_id, run.generated_at, run.attempt_count), (package, generated_at, 1),
                         "not built again")
        self._assert_mailed_once(run)

    def test_killed_while_building_resumes_without_duplicates(self):
        schedule = self._schedule()
        # Killed while building (before the build's commit): the run and its attempt are committed.
        self._run(kill_at=3)
        run = schedule.run_ids
        self.assertEqual((run.state, run.attempt_count), ("running", 1))
        self.assertEqual(schedule.next_run_date, date(2025, 5, 1))
        self._run()
        self.assertEqual(schedule.run_ids, run, "the same run is resumed, not a second one made")
        self.assertEqual((run.state, run.attempt_count), ("done", 2))
        self.assertEqual(self.env["ir.attachment"].search_count([("res_model", "=", run._name),
                                                                 ("res_id", "=", run.id)]), 1)
        self._assert_mailed_once(run)

    def test_killed_every_time_fails_with_a_message(self):
        export = self.env["ispec.audit.export"].with_user(self.auditor).create(
            {"date_from": MARCH[0], "date_to": MARCH[1]})
        export.with_user(self.auditor).action_generate_background()
        for attempt in range(1, MAX_ATTEMPTS + 1):
            self._run(kill_at=2)  # started (committed), then killed while building
            self.assertEqual((export.state, export.attempt_count), ("running", attempt))
        self._run()
        self.assertEqual((export.state, export.attempt_count), ("failed", MAX_ATTEMPTS))
        self.assertIn(f"interrupted {MAX_ATTEMPTS} times", export.message)
        self.assertFalse(export.attachment_id)
        message = self._notifications(self.auditor, export).mail_message_id
        self.assertEqual(len(message), 1, "the auditor who asked is told once")
        self.assertIn("interrupted", message.body)

    def test_crash_fails_the_run_and_the_next_call_retries(self):
        schedule = self._schedule()
        with patch.object(InvoiceRegister, "rows", broken_rows), self.assertLogs(EXPORT_LOGGER, "ERROR"):
            self._run()
        run = schedule.run_ids
        self.assertEqual((run.state, run.message, run.attempt_count), ("failed", "No space left on device", 1))
        self.assertFalse(run.attachment_id)
        self.assertFalse(self._mails_to(self.auditor, run), "recipients hear of a package only")
        told = self._notifications(self.manager, run).mail_message_id
        self.assertEqual(len(told), 1, "the responsible is told")
        self.assertIn("No space left on device", told.body)
        self.assertIn("tries again", told.body)
        # The cause is gone: the next call builds the same run and mails it once.
        self._run()
        self.assertEqual(schedule.run_ids, run)
        self.assertEqual((run.state, run.message, run.attempt_count), ("done", False, 2))
        self._assert_mailed_once(run)

    def test_a_run_failing_every_time_stops_after_its_attempts(self):
        schedule = self._schedule()
        with patch.object(InvoiceRegister, "rows", broken_rows):
            for _attempt in range(MAX_ATTEMPTS + 1):
                with self.assertLogs(EXPORT_LOGGER, "ERROR") if _attempt < MAX_ATTEMPTS else \
                        self.assertNoLogs(EXPORT_LOGGER, "ERROR"):
                    self._run()
        run = schedule.run_ids
        self.assertEqual((len(run), run.state, run.attempt_count), (1, "failed", MAX_ATTEMPTS))
        self.assertEqual(len(self._notifications(self.manager, run)), MAX_ATTEMPTS)
        last = self._notifications(self.manager, run).mail_message_id.sorted("id")[-1]
        self.assertIn("Generate in Background again", last.body)
        self.assertFalse(self._mails_to(self.auditor, run))

    # ------------------------------------------------------------------------------------------------
    # In the background, on a user's request
    # ------------------------------------------------------------------------------------------------
    def test_generate_in_background_queues_builds_and_notifies(self):
        with Form(self.env["ispec.audit.export"].with_user(self.auditor)) as form:
            form.date_from, form.date_to = MARCH
            form.dataset_sequence_check = False
        export = form.record
        triggers = self.env["ir.cron.trigger"].search_count([("cron_id", "=", self.cron.id)])
        action = export.with_user(self.auditor).action_generate_background()
        self.assertEqual((action["tag"], action["params"]["type"]), ("display_notification", "info"))
        self.assertIn("notified", action["params"]["message"])
        self.assertEqual((export.state, export.requested_by_id, export.background), ("queued", self.auditor, True))
        self.assertEqual(self.env["ir.cron.trigger"].search_count([("cron_id", "=", self.cron.id)]), triggers + 1,
                         "the scheduled action is triggered at once")
        with self.assertRaisesRegex(UserError, "being generated in the background"):
            export.with_user(self.auditor).date_to = date(2025, 3, 15)
        with self.assertRaisesRegex(UserError, "already being generated"):
            export.with_user(self.auditor).action_generate()
        with self.assertRaisesRegex(UserError, "cannot be deleted"):
            export.with_user(self.auditor).unlink()
        self.env["bus.bus"].sudo().search([]).unlink()
        self._run()
        self.assertEqual((export.state, export.generated_by_id), ("done", self.auditor))
        manifest = self._manifest(export)
        self.assertEqual(manifest["generated_by"]["login"], self.auditor.login)
        self.assertEqual(manifest["datasets"][0]["rows"], len(self.march))
        # Told: a message on the export addressed to them, and a notification in their browser.
        message = self._notifications(self.auditor, export).mail_message_id
        self.assertEqual(len(message), 1)
        self.assertIn(export.package_sha256, message.body)
        toasts = [json.loads(bus.message) for bus in self.env["bus.bus"].sudo().search([])]
        toasts = [toast["payload"] for toast in toasts if toast["type"] == "simple_notification"]
        self.assertEqual(len(toasts), 1)
        self.assertIn(export.name, toasts[0]["message"])
        self.assertEqual(toasts[0]["type"], "success")
        self.assertFalse(export.mail_state, "no schedule, no recipients")

    def test_background_crash_fails_cleanly_and_is_not_retried(self):
        export = self.env["ispec.audit.export"].with_user(self.auditor).create(
            {"date_from": MARCH[0], "date_to": MARCH[1]})
        export.with_user(self.auditor).action_generate_background()
        with patch.object(InvoiceRegister, "rows", broken_rows), self.assertLogs(EXPORT_LOGGER, "ERROR"):
            self._run()
        self.assertEqual((export.state, export.message), ("failed", "No space left on device"))
        self.assertIn("No space left on device", self._notifications(self.auditor, export).mail_message_id.body)
        self._run()
        self.assertEqual((export.state, export.attempt_count), ("failed", 1), "the user decides to try again")
        export.with_user(self.auditor).action_generate_background()
        self._run()
        self.assertEqual((export.state, export.message, export.attempt_count), ("done", False, 1))

    def test_background_is_refused_without_the_scheduled_action(self):
        export = self.env["ispec.audit.export"].create({"date_from": MARCH[0], "date_to": MARCH[1]})
        self.cron.active = False
        with self.assertRaisesRegex(UserError, "archived or deleted"):
            export.action_generate_background()
        self.assertEqual(export.state, "draft")

    # ------------------------------------------------------------------------------------------------
    # Who may do what
    # ------------------------------------------------------------------------------------------------
    def test_rights(self):
        schedule = self._schedule()
        schedule.with_user(self.manager).write({"frequency": "quarterly"})
        self.assertEqual(schedule.with_user(self.auditor).read(["name"])[0]["name"], "Monthly package")
        with self.assertRaises(AccessError):
            schedule.with_user(self.auditor).write({"frequency": "yearly"})
        with self.assertRaises(AccessError):
            self.env["ispec.audit.schedule"].with_user(self.auditor).create({"name": "Mine"})
        with self.assertRaises(AccessError):
            schedule.with_user(self.auditor).unlink()
        with self.assertRaises(AccessError):
            schedule.with_user(self.specialist).read(["name"])
        menu = self.env.ref("invoicing_specialist.ispec_audit_schedule_menu")
        self.assertFalse(menu.with_user(self.specialist)._filter_visible_menus())
        self.assertTrue(menu.with_user(self.manager)._filter_visible_menus())
        # Recipients and the responsible are users who may open the exports: not a specialist, not an
        # external contact.
        with self.assertRaisesRegex(ValidationError, "cannot open the audit exports"):
            schedule.with_user(self.manager).recipient_ids = [Command.link(self.specialist.id)]
        portal = new_test_user(self.env, "sch_portal", groups="base.group_portal")
        with self.assertRaisesRegex(ValidationError, "cannot open the audit exports"):
            schedule.with_user(self.manager).recipient_ids = [Command.link(portal.id)]
        with self.assertRaisesRegex(ValidationError, "choose at least one dataset"):
            schedule.with_user(self.manager).dataset_invoice_register = False
        # A schedule with runs is kept (its runs are the record of what was sent): archived, not deleted.
        self._run()
        with self.assertRaisesRegex(UserError, "archive it instead"):
            schedule.with_user(self.manager).unlink()
        schedule.with_user(self.manager).action_archive()
        self._run(today=date(2025, 6, 1))
        self.assertEqual(len(schedule.run_ids), 1, "an archived schedule makes no run")

    def test_company_isolation(self):
        schedule = self._schedule()
        company_b = self.setup_other_company(name="Schedule Company B")["company"]
        manager_b = new_test_user(self.env, "sch_manager_b", groups="invoicing_specialist.group_manager",
                                  company_id=company_b.id, company_ids=[Command.set(company_b.ids)])
        Schedule = self.env["ispec.audit.schedule"].with_user(manager_b)
        self.assertFalse(Schedule.search([]))
        with self.assertRaises(AccessError):
            schedule.with_user(manager_b).read(["name"])
        with self.assertRaises(AccessError):
            Schedule.create({"name": "In A", "company_id": self.env.company.id, "user_id": self.manager.id})
        # B's own schedule: its runs export B's books only, and A's auditor cannot receive them.
        schedule_b = Schedule.create({"name": "B monthly", "next_run_date": APRIL_1})
        self.assertEqual(schedule_b.company_id, company_b)
        with self.assertRaisesRegex(ValidationError, "cannot open the audit exports of Schedule Company B"):
            schedule_b.recipient_ids = [Command.link(self.auditor.id)]
        self._run()
        self.assertEqual(schedule_b.run_ids.company_id, company_b)
        self.assertEqual([entry["rows"] for entry in self._manifest(schedule_b.run_ids)["datasets"]], [0, 0, 0])
        self.assertEqual(self._manifest(schedule.run_ids)["datasets"][0]["rows"], len(self.march))
        with self.assertRaises(AccessError):
            schedule.run_ids.with_user(manager_b).read(["name"])


@tagged("post_install", "-at_install")
class TestAuditScheduleWebClient(WebClientCase):
    """The schedules and their runs open in the web client (the fields each view asks for) for the roles
    that see them, and not for a specialist."""

    def test_schedule_and_run_open_for_managers_and_auditors(self):
        manager = self._user("schw_manager", "invoicing_specialist.group_manager")
        auditor = self._user("schw_auditor", "invoicing_specialist.group_auditor")
        specialist = self._user("schw_specialist", "invoicing_specialist.group_specialist")
        schedule = self.env["ispec.audit.schedule"].with_user(manager).create({
            "name": "Quarterly package", "frequency": "quarterly", "next_run_date": APRIL_1,
            "recipient_ids": [Command.set(auditor.ids)]})
        with patch.object(self.env.registry["ir.cron"], "_commit_progress", lambda cron, processed=0, **kw: 60.0):
            self.env["ispec.audit.export"].with_user(self.env.ref(CRON).user_id)._cron_audit_exports(today=APRIL_1)
        run = schedule.run_ids
        self.assertEqual((run.state, run.date_from, run.date_to), ("done", date(2025, 1, 1), MARCH[1]))
        for who, user in (("manager", manager), ("auditor", auditor)):
            values = self._open(who, user, "invoicing_specialist.ispec_audit_schedule_action", schedule)
            self.assertEqual(values["recipient_ids"], [{"id": auditor.id, "display_name": auditor.display_name}])
            self.assertEqual([line["id"] for line in values["run_ids"]], run.ids)
            values = self._open(who, user, "invoicing_specialist.ispec_audit_export_action", run)
            self.assertEqual(values["schedule_id"]["id"], schedule.id)
        self._refused(specialist, "invoicing_specialist.ispec_audit_schedule_action", schedule)
