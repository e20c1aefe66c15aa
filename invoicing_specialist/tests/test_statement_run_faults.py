"""Statement runs under faults and the hardening of issues #9 and #10: the mail's date and
company, the cron's time budget, interrupted runs, the lock across batch commits, a kill between
batches, empty runs, preview, confirmation, auditors, noupdate data, return values, companies,
delivery tracking, and the run's customers and format."""
import json
import re
import xmlrpc.client
from datetime import date
from unittest.mock import patch
from urllib.parse import parse_qs, urlparse

from lxml import etree

from odoo import SUPERUSER_ID, Command, api
from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import SQL, mute_logger
from odoo.tools.convert import convert_file

from odoo.addons.base.models.ir_mail_server import MailDeliveryException

from .test_statement_data import StatementLedgerCase

RUN_LOGGER = "odoo.addons.invoicing_specialist.models.statement_run"


class Killed(BaseException):  # noqa: N818 - a kill, not an error: `except Exception` does not catch it
    """The worker process dies here (kill -9)."""


def deliver(env, mails, refuse=()):
    """Hand ``mails`` to the (fake) SMTP server as Odoo's mail queue does; the server refuses the
    addresses in ``refuse`` with a 550."""
    def send_email(server, message, *args, **kwargs):
        if any(address in message["To"] for address in refuse):
            raise MailDeliveryException("Mail Delivery Failed", "550 5.1.1 mailbox unavailable")
        return message["Message-Id"]

    server_class = env.registry["ir.mail_server"]
    with patch.object(server_class, "_disable_send", return_value=False), \
            patch.object(server_class, "_connect__", return_value=None), \
            patch.object(server_class, "send_email", send_email), \
            mute_logger("odoo.addons.mail.models.mail_mail"):
        mails.send()


@tagged("post_install", "-at_install")
class TestStatementRunFaults(StatementLedgerCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._ispec_run_customers()
        cls.many = cls.env["res.partner"].create([
            {"name": "Customer %02d" % i, "email": "c%02d@example.com" % i} for i in range(6)
        ])
        for i, partner in enumerate(cls.many):
            cls._ispec_invoice("out_invoice", "2025-03-01", "2025-03-30", 10.0 + i, partner=partner)
        cls._ispec_run_users("stmt_fault")
        cls.mailable = cls.customer | cls.fragile | cls.many  # a balance and an email

    def _run(self, **values):
        return self.env["ispec.statement.run"].create({
            "statement_type": "outstanding", "date": self.DATE_END, **values,
        })

    def _queued_run(self, **values):
        run = self._run(queued=True, **values)
        run._add_customers(run._selected_customers())
        return run

    def _messages(self, partner):
        return self.env["mail.message"].search([
            ("model", "=", "res.partner"), ("res_id", "=", partner.id), ("message_type", "=", "comment"),
        ])

    def _mails(self, partner):
        return self.env["mail.mail"].search([("mail_message_id", "in", self._messages(partner).ids)])

    def _progress(self, budgets=None, log=None, on_commit=None):
        """Patch the cron's progress commits: record (done, remaining), run ``on_commit`` and return
        the next of ``budgets`` as the time left (60 s when they run out)."""
        budgets = list(budgets or [])
        log = [] if log is None else log

        def commit_progress(cron, processed=0, *, remaining=None, deactivate=False):
            log.append((processed, remaining))
            if on_commit:
                on_commit(len(log))
            return budgets.pop(0) if budgets else 60.0

        return patch.object(self.env.registry["ir.cron"], "_commit_progress", commit_progress)

    def _cron(self, **kwargs):
        return self.env["ispec.statement.run"]._cron_send_statements(today=date(2025, 4, 1), **kwargs)

    # ------------------------------------------------------------------
    # #10.1 THE MAIL'S DATE AND COMPANY
    # ------------------------------------------------------------------

    def test_mail_names_statement_date_and_company(self):
        """The real mail of a run for another company than the user's names that company and the date."""
        company_b = self.setup_other_company(name="Statement Company B")["company"]
        customer_b = self.env["res.partner"].create({"name": "Customer of B", "email": "b@customer.example"})
        move = self.env["account.move"].with_company(company_b).create({
            "move_type": "out_invoice", "partner_id": customer_b.id, "invoice_date": "2025-03-01",
            "invoice_date_due": "2025-03-31",
            "invoice_line_ids": [Command.create({"name": "Work", "price_unit": 80.0, "tax_ids": [Command.clear()]})],
        })
        move.action_post()
        self.assertNotEqual(self.env.user.company_id, company_b)
        run = self.env["ispec.statement.run"].with_company(company_b).create({
            "company_id": company_b.id, "statement_type": "outstanding", "date": self.DATE_END,
        })
        run.with_company(company_b).action_start()
        line = run.line_ids
        self.assertEqual((line.partner_id, line.state), (customer_b, "queued"))
        mail = self.env["mail.mail"].search([("mail_message_id", "=", line.message_id.id)])
        self.assertEqual(len(mail), 1)
        self.assertEqual(mail.subject, "Statement Company B: statement of account at 03/31/2025")
        self.assertEqual(line.message_id.subject, mail.subject)
        self.assertIn("statement of account at 03/31/2025.", mail.body_html)
        self.assertRegex(mail.body_html, r"Best regards,<br\s*/?>\s*Statement Company B")
        # No reference of its own: the customer quotes the statement's number, never the database id.
        self.assertIn("Please quote the reference <strong>ST-20250331-%05d</strong>" % customer_b.id, mail.body_html)

    # ------------------------------------------------------------------
    # #9.17 THE CRON'S TIME BUDGET
    # ------------------------------------------------------------------

    def test_cron_stops_when_budget_spent_and_resumes(self):
        run = self._queued_run()
        customers = run.line_ids.partner_id
        self.assertEqual(len(customers), 10)
        log = []
        with patch.object(self.env.registry["ispec.statement.run"], "_BATCH_SIZE", 3), \
                self._progress(budgets=[30.0, 0.0], log=log):
            self._cron()
        self.assertEqual(log, [(3, 7), (3, 4)], "stopped after the batch that spent the budget")
        self.assertEqual((run.state, run.pending_count), ("running", 4))
        with patch.object(self.env.registry["ispec.statement.run"], "_BATCH_SIZE", 3), \
                self._progress(log=log):
            self._cron()
        self.assertEqual(log[2:], [(3, 1), (1, 0)], "the next call resumed where the first stopped")
        self.assertEqual((run.state, run.pending_count), ("done", 0))
        for partner in self.mailable:
            self.assertEqual(len(self._messages(partner)), 1, partner.name)

    # ------------------------------------------------------------------
    # #10.2 INTERRUPTED RUNS FIRST, ONE FAILURE STOPS NOTHING
    # ------------------------------------------------------------------

    def test_interrupted_run_finished_before_newer_run(self):
        interrupted = self._queued_run()
        with patch.object(self.env.registry["ispec.statement.run"], "_BATCH_SIZE", 4), \
                self._progress(budgets=[0.0]):
            self._cron()
        self.assertEqual((interrupted.state, interrupted.pending_count), ("running", 6))
        newer = self._queued_run()
        self.assertGreater(newer.id, interrupted.id)
        # A user cannot start the newer one either while the interrupted one is unfinished.
        with self.assertRaisesRegex(UserError, "has not finished"):
            newer.action_start()
        with self._progress():
            self.assertTrue(self._cron())
        self.assertEqual((interrupted.state, interrupted.pending_count), ("done", 0))
        self.assertEqual(newer.state, "done")
        self.assertEqual(set(newer.line_ids.mapped("state")), {"skipped_sent", "skipped_zero", "skipped_email"})
        for partner in self.mailable:
            self.assertEqual(len(self._messages(partner)), 1, partner.name)

    def test_failing_run_does_not_stop_the_others(self):
        broken = self._queued_run(date=date(2025, 2, 28))
        good = self._queued_run()
        report_data = self.env.registry["ispec.statement"]._report_data

        def failing(model, statement_type, date_end, date_start=None, company=None):
            if str(date_end) == "2025-02-28":
                raise RuntimeError("disk full")
            return report_data(model, statement_type, date_end, date_start, company)

        log = []
        with patch.object(self.env.registry["ispec.statement"], "_report_data", failing), \
                self._progress(log=log), self.assertLogs(RUN_LOGGER, "ERROR") as logs:
            self.assertTrue(self._cron())
        self.assertIn("disk full", "\n".join(logs.output))
        self.assertEqual(good.state, "done")
        self.assertEqual(good.queued_count, len(self.mailable))
        self.assertEqual((broken.state, broken.queued), ("draft", True), "left for the next call")
        with self._progress():
            self._cron()
        self.assertEqual(broken.state, "done")

    # ------------------------------------------------------------------
    # #10.3 THE LOCK HOLDS ACROSS BATCH COMMITS
    # ------------------------------------------------------------------

    def test_lock_held_across_batch_commits(self):
        """While the cron works on a run, batch after batch, another connection cannot take it."""
        run = self._queued_run()
        seen = []

        def second_worker(commit_number):
            with self.registry.cursor() as cr_b:  # another database connection
                other = api.Environment(cr_b, SUPERUSER_ID, {})["ispec.statement.run"].browse(run.id)
                seen.append(other._try_lock())
                cr_b.rollback()

        with patch.object(self.env.registry["ispec.statement.run"], "_BATCH_SIZE", 3), \
                self._progress(on_commit=second_worker):
            self._cron()
        self.assertEqual(seen, [False, False, False, False], "refused at every batch, not only the first")
        self.assertEqual(run.state, "done")
        with self.registry.cursor() as cr_b:
            other = api.Environment(cr_b, SUPERUSER_ID, {})["ispec.statement.run"].browse(run.id)
            self.assertTrue(other._try_lock(), "let go once done")
            other._unlock()
            cr_b.rollback()

    # ------------------------------------------------------------------
    # EVERYWHERE: KILLED BETWEEN TWO BATCHES, THEN RERUN
    # ------------------------------------------------------------------

    def test_killed_run_resumes_nothing_twice_nothing_skipped(self):
        """The worker dies in the third batch, after one more mail was posted but before the batch
        was committed: the rerun sends every customer exactly once."""
        run = self._run(queued=True)
        # Lines in a known order: batches of 3 are (skip, skip, customer), (fragile, c00, c01),
        # (c02, c03, c04), (c05); the sixth mail (c03) is the second of the third batch.
        self.env["ispec.statement.run.line"].create([
            {"run_id": run.id, "partner_id": partner.id}
            for partner in self.zero | self.no_email | self.customer | self.fragile | self.many
        ])
        cr = self.env.cr
        send = self.env.registry["ispec.statement"]._send_statement
        calls = []

        def send_then_die(model, partner, recipient, data, output_format="pdf"):
            result = send(model, partner, recipient, data, output_format)
            calls.append(partner)
            if len(calls) == 6:
                raise Killed()
            return result

        def commit(commit_number):
            # What a real commit makes durable: the kill rolls back to here.
            cr.execute(SQL("SAVEPOINT ispec_test_committed"))

        cr.execute(SQL("SAVEPOINT ispec_test_committed"))
        with patch.object(self.env.registry["ispec.statement.run"], "_BATCH_SIZE", 3), \
                patch.object(self.env.registry["ispec.statement"], "_send_statement", send_then_die), \
                self._progress(on_commit=commit):
            # Not assertRaises: Odoo's rolls the block back, which is not what a kill does.
            killed = False
            try:
                self._cron()
            except Killed:
                killed = True
        self.assertTrue(killed)
        # The process is gone: its open transaction is lost, the committed batches stay.
        cr.execute(SQL("ROLLBACK TO SAVEPOINT ispec_test_committed"))
        self.env.invalidate_all(flush=False)
        self.assertEqual(run.state, "running")
        queued_before = run.line_ids.filtered(lambda line: line.state == "queued").partner_id
        self.assertEqual(queued_before, self.customer | self.fragile | self.many[:2], "the two committed batches")
        self.assertEqual(calls[4:], [self.many[2], self.many[3]])
        self.assertFalse(self._messages(self.many[2]) | self._messages(self.many[3]),
                         "the mails of the killed batch were never committed")
        self.assertEqual(run.pending_count, 4)

        with patch.object(self.env.registry["ispec.statement.run"], "_BATCH_SIZE", 3), self._progress():
            self._cron()
        self.assertEqual(run.state, "done")
        self.assertFalse(run.line_ids.filtered(lambda line: line.state == "pending"))
        self.assertEqual(set(run.line_ids.filtered(lambda line: line.state == "queued").partner_id), set(self.mailable))
        for partner in self.mailable:
            self.assertEqual(len(self._messages(partner)), 1, partner.name)
            self.assertEqual(len(self._mails(partner)), 1, partner.name)

    # ------------------------------------------------------------------
    # #10.7 AN EMPTY RUN SAYS WHY
    # ------------------------------------------------------------------

    def test_empty_run_says_why(self):
        run = self._run(date=date(2001, 1, 31))
        action = run.action_start()
        self.assertEqual((run.state, len(run.line_ids)), ("done", 0))
        self.assertIn("no customer has receivable items", run.note)
        self.assertIn(run.note, action["params"]["message"])
        settled = self._run(partner_ids=[Command.set(self.zero.ids)])
        settled.action_start()
        self.assertEqual(settled.line_ids.state, "skipped_zero")
        self.assertIn("Nothing was sent", settled.note)
        self.assertIn("zero balance", settled.note)

    # ------------------------------------------------------------------
    # #9.23 PREVIEW
    # ------------------------------------------------------------------

    def test_preview_url_renders_the_customers(self):
        wizard = self.env["ispec.statement.wizard"].with_user(self.specialist).create({
            "partner_ids": [Command.set((self.customer | self.fragile).ids)], "date_end": self.DATE_END,
        })
        action = wizard.action_preview()
        self.assertEqual(action["type"], "ir.actions.act_url")
        url = urlparse(action["url"])
        # What the /report/<converter>/<reportname>/<docids> route does with the URL.
        _empty, _report, converter, report_name, docids = url.path.split("/")
        query = {key: values[0] for key, values in parse_qs(url.query).items()}
        self.assertEqual(converter, "html")
        self.assertEqual(sorted(int(i) for i in docids.split(",")), sorted((self.customer | self.fragile).ids))
        html = self.env["ir.actions.report"].with_user(self.specialist).with_context(
            **json.loads(query["context"])
        )._render_qweb_html(report_name, [int(i) for i in docids.split(",")], data=json.loads(query["options"]))[0]
        html = html.decode()
        self.assertIn("Statement Customer", html)
        self.assertIn("Fragile Customer", html)
        self.assertIn("1,050.00", html)

    # ------------------------------------------------------------------
    # #9.26 CONFIRMATION WITH THE COUNT, AMOUNTS WITH THEIR CURRENCY
    # ------------------------------------------------------------------

    def test_send_asks_with_count_and_lines_show_currencies(self):
        form = self.env.ref("invoicing_specialist.ispec_statement_run_view_form")
        self.assertIn('name="action_confirm_send"', form.arch)
        self.assertNotRegex(form.arch, r'<header>[\s\S]*name="action_start"[\s\S]*</header>')
        run = self._run()
        action = run.action_confirm_send()
        self.assertEqual((action["res_id"], action["target"]), (run.id, "new"))
        self.assertFalse(self._messages(self.customer), "nothing sent before the confirmation")
        self.assertEqual(run.to_send_count, 10, "every customer with receivables")
        confirm = self.env["ir.ui.view"].browse(action["views"][0][0])
        self.assertIn('name="to_send_count"', confirm.arch)
        chosen = self._run(date=date(2025, 4, 30), partner_ids=[Command.set((self.customer | self.zero).ids)])
        self.assertEqual(chosen.to_send_count, 2)
        self.assertIn('name="action_start"', confirm.arch)
        run.action_start()
        detail = run.line_ids.filtered(lambda line: line.partner_id == self.customer).amount_detail
        self.assertIn("1,050.00", detail)
        self.assertIn("350.00", detail)
        self.assertIn(self.usd.symbol, detail)
        self.assertIn(self.eur.symbol, detail)

    # ------------------------------------------------------------------
    # #9.15 AUDITORS ARE NOT OFFERED EMAIL
    # ------------------------------------------------------------------

    def test_auditor_wizard_offers_no_email(self):
        view = self.env.ref("invoicing_specialist.ispec_statement_wizard_view_form")
        wizard = self.env["ispec.statement.wizard"]
        auditor_arch = wizard.with_user(self.auditor).get_view(view.id)["arch"]
        specialist_arch = wizard.with_user(self.specialist).get_view(view.id)["arch"]
        def delivery_shown(arch):
            return [node for node in etree.fromstring(arch).iter("field")
                    if node.get("name") == "delivery" and node.get("invisible") not in ("True", "1")]

        self.assertFalse(delivery_shown(auditor_arch), "no Email choice for an auditor")
        self.assertNotIn('string="Send"', auditor_arch)
        self.assertIn('name="action_preview"', auditor_arch)
        self.assertIn('string="Download"', auditor_arch)
        self.assertTrue(delivery_shown(specialist_arch))
        self.assertIn('string="Send"', specialist_arch)

    # ------------------------------------------------------------------
    # #9.21 MANAGERS' EDITS SURVIVE UPDATES; #9.16 RETURN VALUES
    # ------------------------------------------------------------------

    def test_cron_and_template_edits_survive_updates(self):
        """A manager's changes to the statement mail and the cron survive a module update."""
        template = self.env.ref("invoicing_specialist.mail_template_statement")
        cron = self.env.ref("invoicing_specialist.ir_cron_statement_runs")
        template.subject = "Your statement from us"
        cron.interval_number = 7
        for filename in ("data/statement_data.xml", "data/statement_cron.xml"):
            convert_file(self.env, "invoicing_specialist", filename, {}, mode="update")
        self.env.invalidate_all()
        self.assertEqual(template.subject, "Your statement from us")
        self.assertEqual(cron.interval_number, 7)

    def test_public_actions_return_values(self):
        run = self._run(partner_ids=[Command.set(self.fragile.ids)])
        wizard = self.env["ispec.statement.wizard"].with_user(self.specialist).create({
            "partner_ids": [Command.set(self.fragile.ids)], "date_end": self.DATE_END, "delivery": "email",
        })
        results = [
            run.action_confirm_send(), run.action_start(), run.action_retry_failed(),
            wizard.action_preview(), wizard.action_confirm(),
        ]
        for result in results:
            xmlrpc.client.dumps((result,), methodresponse=True)  # what an XML-RPC client receives
            self.assertTrue(result)

    # ------------------------------------------------------------------
    # #10.4 NOTHING IN THE COMPANY
    # ------------------------------------------------------------------

    def test_company_without_items_refused_or_skipped(self):
        company_b = self.setup_other_company(name="Empty Company B")["company"]
        self.specialist.company_ids = [Command.link(company_b.id)]
        wizard = self.env["ispec.statement.wizard"].with_user(self.specialist).with_company(company_b).create({
            "partner_ids": [Command.set((self.customer | self.fragile).ids)], "date_end": self.DATE_END,
            "company_id": company_b.id, "delivery": "email",
        })
        with self.assertRaisesRegex(UserError, r"no receivable items in Empty Company B.*Statement Customer"):
            wizard.action_confirm()
        self.assertFalse(self._messages(self.customer))
        # A run skips such a customer with the reason; the others go.
        run = self._run(partner_ids=[Command.set((self.customer | self.fragile).ids)])
        foreign = self.env["res.partner"].create({"name": "Other Company Customer", "email": "o@example.com"})
        run.partner_ids = [Command.link(foreign.id)]
        run.action_start()
        lines = {line.partner_id: line for line in run.line_ids}
        self.assertEqual(lines[foreign].state, "skipped_company")
        self.assertIn("has no receivable items", lines[foreign].error)
        self.assertFalse(self._messages(foreign))
        self.assertEqual(lines[self.customer].state, "queued")

    # ------------------------------------------------------------------
    # #10.5 THE LINE FOLLOWS ITS MAIL
    # ------------------------------------------------------------------

    def test_line_follows_its_mail(self):
        bad = self.env["res.partner"].create({"name": "Typo Customer", "email": "not-an-email"})
        self._ispec_invoice("out_invoice", "2025-03-01", "2025-03-30", 70.0, partner=bad)
        run = self._run(partner_ids=[Command.set((self.customer | self.fragile | bad).ids)])
        run.action_start()
        lines = {line.partner_id: line for line in run.line_ids}
        self.assertEqual(lines[bad].state, "skipped_email")
        self.assertIn("not-an-email", lines[bad].error)
        self.assertEqual((lines[self.customer].state, lines[self.fragile].state), ("queued", "queued"))
        self.assertEqual(run.sent_count, 0, "queued is not sent")

        deliver(self.env, self._mails(self.customer) | self._mails(self.fragile), refuse=["fragile@example.com"])
        self.assertEqual(lines[self.customer].state, "sent")
        self.assertEqual(lines[self.fragile].state, "failed")
        self.assertIn("mailbox unavailable", lines[self.fragile].error)
        self.assertEqual((run.sent_count, run.failed_count), (1, 1))

        run.action_retry_failed()
        self.assertEqual(lines[self.fragile].state, "queued")
        self.assertFalse(lines[self.fragile].error)
        self.assertEqual(len(self._messages(self.fragile)), 2, "the failed mail and the new one")
        self.assertEqual(len(self._messages(self.customer)), 1, "the sent one is not sent again")
        deliver(self.env, self._mails(self.fragile).filtered(lambda mail: mail.state == "outgoing"))
        self.assertEqual(lines[self.fragile].state, "sent")

    # ------------------------------------------------------------------
    # #10.6 THE RUN'S CUSTOMERS AND FORMAT
    # ------------------------------------------------------------------

    def test_run_customers_and_format(self):
        run = self._run(partner_ids=[Command.set(self.customer.ids)], output_format="both")
        run.action_start()
        self.assertEqual(run.line_ids.partner_id, self.customer)
        attachments = run.line_ids.message_id.attachment_ids
        self.assertEqual(len(attachments), 2)
        self.assertEqual(sorted(name.rsplit(".", 1)[1] for name in attachments.mapped("name")), ["html", "xlsx"]
                         if any(name.endswith(".html") for name in attachments.mapped("name")) else ["pdf", "xlsx"])
        tag = self.env["res.partner.category"].create({"name": "Statement by tag"})
        (self.fragile | self.many[0]).category_id = [Command.link(tag.id)]
        tagged_run = self._run(date=date(2025, 4, 30), partner_domain="[('category_id', 'in', [%d])]" % tag.id,
                               output_format="xlsx")
        tagged_run.action_start()
        self.assertEqual(set(tagged_run.line_ids.partner_id), {self.fragile, self.many[0]})
        names = tagged_run.line_ids.message_id.attachment_ids.mapped("name")
        self.assertEqual(len(names), 2)
        self.assertTrue(all(re.search(r"\.xlsx$", name) for name in names))
