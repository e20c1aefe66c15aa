"""test_dispute_hardening: tests added by the hardening issues (#9, #10) for disputes."""
import xmlrpc.client
from contextlib import contextmanager
from datetime import timedelta

from freezegun import freeze_time
from lxml import etree

from odoo import Command, fields
from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, new_test_user, tagged
from odoo.tools import SQL, convert_file, float_round

from odoo.addons.invoicing_specialist.models.dispute import INVOICE_LOCK_NAMESPACE

from .cron_faults import cron_commits
from .test_dispute import DisputeCase


class DisputeHardeningCase(DisputeCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tax21 = cls.env["account.tax"].create({"name": "VAT 21%", "amount": 21.0, "type_tax_use": "sale"})
        cls.tax6 = cls.env["account.tax"].create({"name": "VAT 6%", "amount": 6.0, "type_tax_use": "sale"})

    @contextmanager
    def refused(self, exception, text):
        """assertRaisesRegex within a savepoint (Odoo's assertRaises): a refused create leaves nothing behind."""
        with self.assertRaises(exception) as caught:
            yield caught
        self.assertIn(text, str(caught.exception))

    def _open_dialog(self, move, user=None):
        """The Open Dispute dialog as the invoice's button opens it."""
        action = move.with_user(user or self.specialist).action_ispec_open_dispute()
        view = action.get("views", [[False]])[0][0]
        return Form(self.env["ispec.dispute"].with_user(user or self.specialist).with_context(**action["context"]),
                    view=view or None)


@tagged("post_install", "-at_install")
class TestDisputeAmounts(DisputeHardeningCase):
    def test_lines_scope_amount_follows_the_lines_live_and_on_save(self):
        invoice = self._invoice([(10, 100.0, self.tax21)])  # 1,000.00 + 21 % = 1,210.00
        form = self._open_dialog(invoice)
        self.assertEqual(form.amount_original, 1210.0, "the whole open amount by default")
        form.reason_id = self.reason
        form.scope = "lines"
        with form.line_ids.new() as line:
            line.invoice_line_id = invoice.invoice_line_ids
            line.quantity = 3
        self.assertEqual(form.amount_original, 363.0, "3 of 10 units, live on the form")
        dispute = form.save()
        self.assertEqual(dispute.amount_original, 363.0, "and on save")
        dispute.action_open()
        self.assertEqual(dispute.amount_current, 363.0)
        self.assertEqual(invoice._ispec_open_dispute_amounts(), {invoice.id: 363.0},
                         "statements and follow-up see 363.00 disputed, not the whole invoice")
        with Form(dispute) as edit:
            self.assertEqual(edit.amount_original, 363.0)

    def test_lines_scope_ignores_an_amount_sent_by_a_client(self):
        invoice = self._invoice([(10, 100.0, self.tax21)])
        dispute = self.env["ispec.dispute"].with_user(self.specialist).create({
            "move_id": invoice.id, "reason_id": self.reason.id, "scope": "lines", "amount_original": 1210.0,
            "line_ids": [Command.create({"invoice_line_id": invoice.invoice_line_ids.id, "quantity": 2})],
        })
        self.assertEqual(dispute.amount_original, 242.0)
        dispute.line_ids.quantity = 5
        self.assertEqual(dispute.amount_original, 605.0)

    def test_open_cases_together_at_most_the_open_amount(self):
        invoice = self._invoice([(10, 100.0, self.tax15)])  # 1,150.00
        first = self._dispute(invoice, 920.0)  # 800.00 + 15 %
        second = self._dispute(invoice, 920.0)
        first.action_open()
        with self.assertRaises(ValidationError) as caught:
            second.action_open()
        message = str(caught.exception)
        self.assertIn(first.name, message)
        self.assertIn(second.name, message)
        self.assertIn(invoice.name, message)
        self.assertEqual(second.state, "draft")
        both = self._dispute(invoice, 116.0) + self._dispute(invoice, 116.0)
        with self.refused(ValidationError, first.name):
            both.action_open()  # 1,152.00 with the first case
        first.action_accept()
        self.assertEqual(invoice.amount_residual, 230.0)
        with self.refused(ValidationError, "still open"):
            second.action_open()
        self.assertEqual(len(invoice.ispec_dispute_ids.credit_note_ids), 1, "only one credit note")

    def test_two_people_opening_cases_on_one_invoice_at_once(self):
        """A second connection is opening a case on the invoice (it holds the invoice): opening another case
        at that moment is refused in words, not checked against amounts that miss the other case."""
        invoice = self._invoice([(10, 100.0, self.tax15)])  # 1,150.00
        dispute = self._dispute(invoice, 920.0)
        with self.registry.cursor() as other:
            other.execute(SQL("SELECT pg_advisory_xact_lock(%s, %s)", INVOICE_LOCK_NAMESPACE, invoice.id))
            with self.refused(UserError, "Someone else is opening or resolving a dispute on %s" % invoice.name):
                dispute.with_user(self.specialist).action_open()
            self.assertEqual(dispute.state, "draft")
            other.rollback()  # the other transaction ends: the invoice is free again
        dispute.with_user(self.specialist).action_open()
        self.assertEqual(dispute.state, "open")

    def test_accept_checks_the_open_amount_again(self):
        invoice = self._invoice([(10, 100.0, self.tax15)])  # 1,150.00
        first = self._dispute(invoice, 460.0)  # 400.00 + 15 %
        second = self._dispute(invoice, 460.0)
        (first + second).action_open()
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids).create({"amount": 400.0}).action_create_payments()
        self.assertEqual(invoice.amount_residual, 750.0)
        with self.assertRaises(ValidationError) as caught:
            first.action_accept()
        self.assertIn(first.name, str(caught.exception))
        self.assertIn(second.name, str(caught.exception))
        self.assertEqual((first.state, first.credit_note_ids), ("open", self.env["account.move"]))
        second.action_cancel()
        first.action_accept()
        self.assertEqual((first.state, invoice.amount_residual), ("accepted", 290.0))

    def test_a_dispute_line_belongs_to_the_disputed_invoice(self):
        invoice = self._invoice([(10, 100.0, self.tax15)])
        other = self._invoice([(5, 10.0, self.tax15)])
        with self.refused(ValidationError, "not a product line of"):
            self._dispute(invoice, scope="lines",
                          line_ids=[Command.create({"invoice_line_id": other.invoice_line_ids.id, "quantity": 1})])
        dispute = self._dispute(invoice, scope="lines",
                                line_ids=[Command.create({"invoice_line_id": invoice.invoice_line_ids.id,
                                                          "quantity": 1})])
        with self.refused(ValidationError, "not a product line of"):
            dispute.line_ids.invoice_line_id = other.invoice_line_ids
        with self.refused(ValidationError, "not a product line of"):
            dispute.line_ids.invoice_line_id = invoice.line_ids.filtered(lambda line: line.display_type == "tax")
        with self.refused(ValidationError, "not a product line of"):
            dispute.move_id = other


@tagged("post_install", "-at_install")
class TestDisputeNumbers(DisputeHardeningCase):
    def test_refused_attempts_use_no_number_and_name_the_invoice(self):
        invoice = self._invoice([(1, 100.0, self.tax15)])
        sequence = self.env.ref("invoicing_specialist.seq_ispec_dispute")
        first = self._dispute(invoice, 10.0)
        number_after_first = sequence.number_next_actual
        for amount, error in ((0.0, "greater than zero"), (500.0, "more than what is still open")):
            with self.assertRaises(ValidationError) as caught:
                self._dispute(invoice, amount)
            self.assertIn(error, str(caught.exception))
            self.assertIn(invoice.name, str(caught.exception), "the error names the invoice")
            self.assertNotIn("DSP/", str(caught.exception), "and no case that never existed")
        with self.assertRaises(ValidationError):
            self._dispute(invoice, 10.0, reason_id=False)
        self.assertEqual(sequence.number_next_actual, number_after_first, "no number used up")
        second = self._dispute(invoice, 20.0)
        prefix, number = first.name.rsplit("/", 1)
        self.assertEqual(second.name, f"{prefix}/{int(number) + 1:04d}", "the next number follows")


@tagged("post_install", "-at_install")
class TestDisputeAccountingGroups(DisputeHardeningCase):
    """Users with only Odoo's own accounting groups open invoices and bills as before the install."""

    def test_accounting_groups_open_disputed_invoices_and_bills(self):
        invoice = self._invoice([(10, 100.0, self.tax15)])
        bill = self._invoice([(4, 50.0, self.tax_purchase_a)], move_type="in_invoice")
        accepted = self._invoice([(1, 200.0, self.tax15)])
        self._dispute(invoice, 100.0).action_open()
        self._dispute(bill, 40.0).action_open()
        closed = self._dispute(accepted, 50.0)
        closed.action_open()
        closed.action_accept()
        company = self.env.company
        for group in ("account.group_account_invoice", "account.group_account_manager",
                      "account.group_account_readonly"):
            with self.subTest(group=group):
                user = new_test_user(self.env, f"dsp_{group.split('.')[1]}", groups=group, company_id=company.id,
                                     company_ids=[Command.set(company.ids)])
                for move, disputed in ((invoice, 100.0), (bill, 40.0), (accepted, 0.0),
                                       (closed.credit_note_ids, 0.0)):
                    form = Form(move.with_user(user))
                    self.assertEqual((form.partner_id, form.state), (move.partner_id, "posted"))
                    self.assertEqual(form.ispec_disputed_amount, disputed)
                    self.assertEqual(form.ispec_in_dispute, bool(disputed))
                arch = move.with_user(user).get_views([(False, "form")])["views"]["form"]["arch"]
                self.assertNotIn("action_ispec_view_disputes", arch, "no button to cases the user may not open")
                self.assertIn("In dispute", arch, "the banner stays")


@tagged("post_install", "-at_install")
class TestDisputeCreditByAmount(DisputeHardeningCase):
    def test_credit_by_amount_is_exact_and_carries_each_lines_tax(self):
        invoice = self._invoice([(3, 99.99, self.tax21), (7, 13.37, self.tax6)])
        currency = invoice.currency_id
        digits = self.env["decimal.precision"].precision_get("Product Price")
        for target in (123.45, 77.77, 10.01, 100.0):
            with self.subTest(target=target):
                dispute = self._dispute(invoice, target)
                dispute.action_open()
                dispute.action_accept()
                credit = dispute.credit_note_ids
                self.assertEqual(currency.compare_amounts(credit.amount_total, target), 0,
                                 f"{credit.amount_total} credited for {target}")
                self.assertEqual(dispute.amount_credited, target)
                self.assertEqual(len(credit.invoice_line_ids), 2, "one line per invoice line, no rounding line")
                for source, line in zip(invoice.invoice_line_ids, credit.invoice_line_ids, strict=True):
                    self.assertEqual(line.tax_ids, source.tax_ids, "each line keeps its tax")
                    self.assertEqual(line.quantity, source.quantity)
                    self.assertEqual(line.price_unit, float_round(line.price_unit, precision_digits=digits),
                                     "unit prices in the Product Price precision")
                    self.assertAlmostEqual(line.price_subtotal / credit.amount_untaxed,
                                           source.price_subtotal / invoice.amount_untaxed, delta=0.05,
                                           msg="each line's share as on the invoice (within 5 points)")
                for tax in self.tax21 | self.tax6:
                    base = sum(credit.invoice_line_ids.filtered(lambda line, tax=tax: tax in line.tax_ids)
                               .mapped("price_subtotal"))
                    tax_amount = abs(sum(credit.line_ids.filtered(lambda line, tax=tax: line.tax_line_id == tax)
                                         .mapped("amount_currency")))
                    self.assertEqual(currency.compare_amounts(tax_amount, base * tax.amount / 100), 0,
                                     f"{tax.name} on {base}: {tax_amount}")
        self.assertEqual(currency.compare_amounts(invoice.amount_residual,
                                                  invoice.amount_total - 123.45 - 77.77 - 10.01 - 100.0), 0)

    def test_unreachable_amount_is_credited_to_the_closest_cent_below_and_said(self):
        # One line at 21 % in a company rounding taxes globally: S + round(0.21 S) never makes 100.00
        # (82.64 gives 99.99, 82.65 gives 100.01).
        self.env.company.tax_calculation_rounding_method = "round_globally"
        invoice = self._invoice([(1, 500.0, self.tax21)])
        dispute = self._dispute(invoice, 100.0)
        dispute.action_open()
        dispute.action_accept()
        credit = dispute.credit_note_ids
        self.assertEqual((credit.amount_untaxed, credit.amount_tax, credit.amount_total), (82.64, 17.35, 99.99))
        self.assertEqual(credit.invoice_line_ids.tax_ids, self.tax21)
        self.assertEqual(len(credit.invoice_line_ids), 1, "no untaxed rounding line")
        self.assertEqual(dispute.amount_credited, 99.99)
        self.assertTrue(dispute.message_ids.filtered(lambda m: "exactly" in (m.body or "")),
                        "the case says why the credit is a cent short")
        self.assertEqual(invoice.amount_residual, 505.01, "the cent stays open (a write-off can take it)")


@tagged("post_install", "-at_install")
class TestDisputeOverdueJob(DisputeHardeningCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.ispec_dispute_manager_id = cls.manager
        company = cls.env.company
        cls.owners = [new_test_user(cls.env, f"dsp_owner{i}", groups="invoicing_specialist.group_specialist",
                                    email=f"owner{i}@example.com", company_id=company.id,
                                    company_ids=[Command.set(company.ids)]) for i in range(3)]
        cls.cron_user = cls.env.ref("invoicing_specialist.ir_cron_dispute_overdue").user_id

    def _cases(self, count, days_late=1):
        invoice = self._invoice([(1, 1000.0, self.tax15)])
        cases = self.env["ispec.dispute"]
        for i in range(count):
            cases |= self._dispute(invoice, 1.0, user_id=self.owners[i % len(self.owners)].id)
        cases.action_open()
        cases.deadline = fields.Date.today() - timedelta(days=days_late)
        return cases

    def _digests(self, owner):
        return self.env["mail.mail"].search([("subject", "ilike", "dispute(s) overdue"),
                                             ("email_to", "ilike", owner.email)])

    def _manager_activities(self, cases):
        return cases.activity_ids.filtered(lambda a: a.user_id == self.manager and "Overdue" in (a.summary or ""))

    def _run(self, kill_at=None, **kwargs):
        """Run the overdue job, its commits simulated (``cron_faults.cron_commits``), the worker killed just
        before commit ``kill_at``. Returns the counts reported at each commit."""
        with cron_commits(self.env, kill_at) as run:
            self.env["ispec.dispute"].with_user(self.cron_user)._cron_flag_overdue(**kwargs)
        return run.commits

    def test_one_digest_per_owner_whatever_the_batching(self):
        cases = self._cases(12)
        self.assertEqual(self._run(batch_size=5), [5, 5, 2, 3], "three batches of cases, one of the 3 owners")
        for owner in self.owners:
            digests = self._digests(owner)
            self.assertEqual(len(digests), 1, f"one digest for {owner.name}, not one per batch")
            theirs = cases.filtered(lambda c, owner=owner: c.user_id == owner)
            self.assertEqual(len(theirs), 4)
            for case in theirs:
                self.assertIn(case.name, digests.body_html)
        self.assertEqual(len(self._manager_activities(cases)), 12)
        self._run(batch_size=5)
        self.assertEqual(sum(len(self._digests(owner)) for owner in self.owners), 3, "a second run sends nothing")

    def test_killed_between_two_batches_resumes_without_repeating(self):
        cases = self._cases(12)
        on_time = self._dispute(cases.move_id, 1.0, user_id=self.owners[0].id)
        on_time.action_open()
        # Killed before the second batch's commit: the first five cases are flagged, the next five are not.
        self._run(kill_at=2, batch_size=5)
        self.assertEqual(len(cases.filtered("is_overdue")), 5)
        self.assertEqual(len(self._manager_activities(cases)), 5, "the lost batch's activities are gone with it")
        self.assertFalse(any(self._digests(owner) for owner in self.owners), "digests wait for all flags")
        # Killed again, this time after the second owner's digest, before its commit.
        self._run(kill_at=4, batch_size=5, owner_batch_size=1)
        self.assertEqual(len(cases.filtered("is_overdue")), 12)
        self.assertEqual([len(self._digests(owner)) for owner in self.owners], [1, 0, 0])
        self._run(batch_size=5, owner_batch_size=1)
        for owner in self.owners:
            digests = self._digests(owner)
            self.assertEqual(len(digests), 1, f"exactly one digest for {owner.name}")
            for case in cases.filtered(lambda c, owner=owner: c.user_id == owner):
                self.assertIn(case.name, digests.body_html, "nothing skipped")
        for case in cases:
            self.assertEqual(len(self._manager_activities(case)), 1, f"one activity for {case.name}, not two")
        self.assertFalse(on_time.is_overdue or self._manager_activities(on_time))
        self.assertFalse(cases.filtered("overdue_digest_pending"))

    def test_overdue_ends_with_the_deadline_or_the_case_and_comes_back(self):
        cases = self._cases(3)
        moved, closed, kept = cases
        self._run()
        self.assertTrue(all(cases.mapped("is_overdue")))
        moved.deadline = fields.Date.today() + timedelta(days=2)
        closed.action_cancel()
        self.assertEqual((moved.is_overdue, closed.is_overdue, kept.is_overdue), (False, False, True))
        self.env["ispec.dispute"].flush_model()
        self.assertNotIn(moved, self.env["ispec.dispute"].search([("is_overdue", "=", True)]),
                         "the Overdue filter no longer lists it")
        with freeze_time(fields.Date.today() + timedelta(days=4)):
            self._run()
            self.assertTrue(moved.is_overdue, "overdue again after its new deadline")
            self.assertEqual(len(self._manager_activities(moved)), 2, "and announced again")
            digest = self._digests(moved.user_id).sorted("id")[-1:]
            self.assertIn(moved.name, digest.body_html)
            self.assertFalse(closed.is_overdue)
            self.assertEqual(len(self._manager_activities(kept)), 1, "a case still overdue is not announced twice")


@tagged("post_install", "-at_install")
class TestDisputeDialogAndActions(DisputeHardeningCase):
    def test_open_dispute_dialog_opens_in_one_step_and_notes_the_invoice(self):
        invoice = self._invoice([(10, 100.0, self.tax21)])
        action = invoice.with_user(self.specialist).action_ispec_open_dispute()
        self.assertEqual(action["name"], "Open Dispute")
        dialog_view = self.env.ref("invoicing_specialist.ispec_dispute_view_form_open")
        self.assertEqual(action["views"], [(dialog_view.id, "form")])
        arch = etree.fromstring(self.env["ispec.dispute"].with_user(self.specialist).get_views(
            [(dialog_view.id, "form")])["views"]["form"]["arch"])
        self.assertEqual(arch.xpath("//footer/button[@name='action_open']/@class"), ["btn-primary"],
                         "the dialog's own button saves and opens the case")
        self.assertFalse(arch.xpath("//field[@name='amount_current']"), "no 'Currently Disputed 0.00'")
        self.assertFalse(arch.xpath("//page//field[@name='line_ids']"), "the lines are not behind a tab")
        new = self.env["ispec.dispute"].with_context(**action["context"]).new({})
        self.assertEqual(new.display_name, f"New dispute on {invoice.name}", "the dialog is not titled '/'")
        form = self._open_dialog(invoice)
        form.reason_id = self.reason
        form.scope = "lines"
        with form.line_ids.new() as line:
            line.invoice_line_id = invoice.invoice_line_ids
            line.quantity = 2
        dispute = form.save()
        self.assertIs(dispute.with_user(self.specialist).action_open(), True, "True closes the dialog")
        self.assertEqual((dispute.state, dispute.amount_current), ("open", 242.0))
        notes = invoice.message_ids.filtered(lambda m: dispute.name in (m.body or ""))
        self.assertEqual(len(notes), 1)
        self.assertIn("opened", notes.body)
        dispute.action_accept()
        self.assertIn("accepted", invoice.message_ids.filtered(lambda m: dispute.name in (m.body or ""))[0].body)
        other = self._dispute(invoice, 50.0)
        other.action_open()
        other.rejection_reason = "Delivered as ordered."
        other.action_reject()
        note = invoice.message_ids.filtered(lambda m: other.name in (m.body or ""))[0]
        self.assertIn("rejected", note.body)
        self.assertIn("Delivered as ordered.", note.body)
        main_form = etree.fromstring(self.env["ispec.dispute"].get_views([(False, "form")])["views"]["form"]["arch"])
        self.assertFalse(main_form.xpath("//page//field[@name='line_ids']"), "the case form shows lines at once")
        self.assertEqual(main_form.xpath("//field[@name='amount_current']/@invisible"), ["state == 'draft'"])

    def test_action_methods_return_a_value_for_xmlrpc(self):
        journal = self.env["account.journal"].create({"name": "Dispute Write-offs", "code": "DWO", "type": "general"})
        self.env.company.write({
            "ispec_dispute_writeoff_threshold": 200.0,
            "ispec_dispute_writeoff_account_id": self.company_data["default_account_expense"].id,
            "ispec_dispute_writeoff_journal_id": journal.id,
        })
        invoice = self._invoice([(1, 100.0, self.tax15)])
        first, second, third = (self._dispute(invoice, amount) for amount in (10.0, 20.0, 30.0))
        results = {
            "open": (first + second + third).action_open(),
            "review": first.action_review(),
            "accept": first.action_accept(),
            "view_credit_notes": first.action_view_credit_notes(),
            "reject": second.write({"rejection_reason": "No."}) and second.action_reject(),
            "write_off": third.with_user(self.manager).action_write_off(),
            "open_dispute": invoice.action_ispec_open_dispute(),
            "view_disputes": invoice.action_ispec_view_disputes(),
        }
        fourth = self._dispute(self._invoice([(1, 100.0, self.tax15)]), 10.0)
        results["cancel"] = fourth.action_cancel()
        for name, result in results.items():
            with self.subTest(action=name):
                self.assertTrue(result)
                xmlrpc.client.dumps((result,), methodresponse=True, allow_none=False)  # what the server sends

    def test_write_off_needs_the_journal_of_the_settings(self):
        self.env.company.write({
            "ispec_dispute_writeoff_threshold": 50.0,
            "ispec_dispute_writeoff_account_id": self.company_data["default_account_expense"].id,
            "ispec_dispute_writeoff_journal_id": False,
        })
        invoice = self._invoice([(1, 100.0, self.tax15)])
        dispute = self._dispute(invoice, 10.0)
        dispute.action_open()
        with self.refused(UserError, "write-off account and journal"):
            dispute.with_user(self.manager).action_write_off()
        self.assertFalse(dispute.write_off_move_id)
        settings = self.env["res.config.settings"].get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn('name="ispec_dispute_writeoff_journal_id"', settings)
        self.assertIn("0 means no limit", settings)
        self.assertIn("0 means no write-offs", settings)

    def test_update_keeps_what_a_manager_edited(self):
        template = self.env.ref("invoicing_specialist.mail_template_dispute_rejected")
        cron = self.env.ref("invoicing_specialist.ir_cron_dispute_overdue")
        reason = self.env.ref("invoicing_specialist.dispute_reason_price")
        sequence = self.env.ref("invoicing_specialist.seq_ispec_dispute")
        template.subject = "Our answer on {{ object.move_id.name }}"
        cron.write({"interval_number": 6, "interval_type": "hours"})
        reason.deadline_days = 3
        sequence.prefix = "CLM/"
        for path in ("data/dispute_data.xml", "data/dispute_reason_data.xml"):
            convert_file(self.env, "invoicing_specialist", path, {}, mode="update")
        self.assertEqual(template.subject, "Our answer on {{ object.move_id.name }}")
        self.assertEqual((cron.interval_number, cron.interval_type), (6, "hours"))
        self.assertEqual(reason.deadline_days, 3)
        self.assertEqual(sequence.prefix, "CLM/")

    def test_coarse_quantities_credit_the_largest_line_as_one_amount(self):
        # 10 units at 15 %, taxes rounded globally: a price step moves the total by 0.11 or 0.12 (87.00 makes
        # 100.05, 87.10 makes 100.17), so 100.10 is out of reach at 10 units; credited as 1 x 87.04 + 13.06 tax.
        self.env.company.tax_calculation_rounding_method = "round_globally"
        invoice = self._invoice([(10, 100.0, self.tax15)])
        dispute = self._dispute(invoice, 100.10)
        dispute.action_open()
        dispute.action_accept()
        credit = dispute.credit_note_ids
        self.assertEqual(credit.amount_total, 100.10)
        self.assertEqual((credit.invoice_line_ids.quantity, credit.invoice_line_ids.price_unit,
                          credit.invoice_line_ids.tax_ids), (1.0, 87.04, self.tax15))
        self.assertEqual(invoice.amount_residual, 1049.90)
