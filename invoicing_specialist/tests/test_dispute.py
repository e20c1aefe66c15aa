from datetime import timedelta
from unittest.mock import patch

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged

from odoo.addons.account.tests.common import AccountTestInvoicingCommon


class DisputeCase(AccountTestInvoicingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company = cls.env.company
        users = {"company_id": company.id, "company_ids": [Command.set(company.ids)]}
        cls.specialist = new_test_user(
            cls.env, "dsp_specialist", groups="invoicing_specialist.group_specialist", **users)
        cls.manager = new_test_user(cls.env, "dsp_manager", groups="invoicing_specialist.group_manager", **users)
        cls.auditor = new_test_user(cls.env, "dsp_auditor", groups="invoicing_specialist.group_auditor", **users)
        # The test user works as the Invoicing Specialist manager; rights per group are tested with the users above.
        cls.env.user.group_ids = [Command.link(cls.env.ref("invoicing_specialist.group_manager").id)]
        cls.reason = cls.env.ref("invoicing_specialist.dispute_reason_price")
        cls.tax15 = cls.company_data["default_tax_sale"]
        cls.eur = cls.setup_other_currency("EUR", rates=[("2025-01-01", 2.0), ("2025-06-01", 2.5)])

    @classmethod
    def _invoice(cls, lines, move_type="out_invoice", currency=None, post=True, date="2025-03-01"):
        """lines: [(quantity, price_unit, taxes)]"""
        move = cls.env["account.move"].create({
            "move_type": move_type,
            "partner_id": cls.partner_a.id,
            "invoice_date": date,
            "currency_id": (currency or cls.env.company.currency_id).id,
            "invoice_line_ids": [
                Command.create({"product_id": cls.product_a.id, "quantity": qty, "price_unit": price,
                                "tax_ids": [Command.set(taxes.ids)]})
                for qty, price, taxes in lines
            ],
        })
        if post:
            move.action_post()
        return move

    def _dispute(self, move, amount=None, user=None, **values):
        if "line_ids" not in values:  # a case on lines takes its amount from them
            values["amount_original"] = move.amount_residual if amount is None else amount
        return self.env["ispec.dispute"].with_user(user or self.specialist).create({
            "move_id": move.id, "reason_id": self.reason.id, **values,
        })

    @staticmethod
    def _term_lines(move):
        return move.line_ids.filtered(lambda line: line.account_type in ("asset_receivable", "liability_payable"))


@tagged("post_install", "-at_install")
class TestDisputeLifecycle(DisputeCase):
    def test_accept_whole_invoice(self):
        invoice = self._invoice([(10, 100.0, self.tax15)])  # 1000 + 15% = 1150
        dispute = self._dispute(invoice)
        self.assertRegex(dispute.name, r"^DSP/\d{4}/\d{4}$")
        self.assertEqual((dispute.state, dispute.partner_id), ("draft", self.partner_a))
        self.assertEqual(dispute.deadline, fields.Date.today() + timedelta(days=self.reason.deadline_days))
        dispute.action_open()
        self.assertEqual((dispute.state, dispute.amount_current), ("open", 1150.0))
        self.assertTrue(invoice.ispec_in_dispute)
        self.assertTrue(all(self._term_lines(invoice).mapped("no_followup")), "out of follow-up while open")
        self.assertEqual(invoice._ispec_open_dispute_amounts(), {invoice.id: 1150.0})
        self.assertEqual(dispute.activity_ids.user_id, self.specialist, "the owner gets an activity")
        dispute.action_review()
        dispute.write({"root_cause": "Price list not updated"})
        dispute.action_accept()
        credit = dispute.credit_note_ids
        self.assertEqual(len(credit), 1)
        self.assertEqual((credit.move_type, credit.state, credit.amount_total), ("out_refund", "posted", 1150.0))
        self.assertEqual(credit.reversed_entry_id, invoice)
        self.assertEqual(credit.ispec_dispute_id, dispute)
        self.assertEqual(invoice.amount_residual, 0.0, "credit note reconciled with the invoice")
        self.assertEqual(invoice.payment_state, "reversed")
        self.assertEqual((dispute.state, dispute.amount_credited, dispute.amount_current), ("accepted", 1150.0, 0.0))
        self.assertFalse(any(self._term_lines(invoice).mapped("no_followup")), "flag restored")
        self.assertFalse(dispute.activity_ids)
        self.assertEqual(invoice._ispec_open_dispute_amounts(), {})

    def test_reject_needs_a_reason_and_tells_the_customer(self):
        invoice = self._invoice([(1, 500.0, self.tax15)])
        dispute = self._dispute(invoice, 100.0)
        dispute.action_open()
        with self.assertRaisesRegex(UserError, "Rejection Reason"):
            dispute.action_reject()
        dispute.rejection_reason = "The price is the one in our signed quotation."
        dispute.action_reject()
        self.assertEqual((dispute.state, dispute.amount_current), ("rejected", 0.0))
        mail = dispute.message_ids.filtered(lambda m: "signed quotation" in (m.body or ""))
        self.assertEqual(len(mail), 1, "the rejection mail went to the customer")
        self.assertIn(invoice.partner_id, mail.partner_ids)
        self.assertEqual(invoice.amount_residual, 575.0, "nothing credited")
        self.assertFalse(any(self._term_lines(invoice).mapped("no_followup")))

    def test_partial_credit_by_lines_in_other_currency(self):
        invoice = self._invoice([(5, 33.33, self.tax15), (3, 19.99, self.tax15)], currency=self.eur)
        # 166.65 + 59.97 = 226.62 untaxed, tax 15% of 226.62 = 33.99 (rounded globally): 260.61
        self.assertEqual(invoice.amount_total, 260.61)
        first = invoice.invoice_line_ids[0]
        dispute = self._dispute(invoice, scope="lines",
                                line_ids=[Command.create({"invoice_line_id": first.id, "quantity": 2})])
        self.assertEqual(dispute.amount_original, 76.66, "2/5 of 191.65")
        dispute.action_open()
        dispute.action_accept()
        credit = dispute.credit_note_ids
        self.assertEqual(credit.currency_id, self.eur)
        self.assertEqual(credit.invoice_line_ids.mapped("quantity"), [2.0])
        self.assertEqual(credit.amount_total, 76.66)
        self.assertAlmostEqual(invoice.amount_residual, 260.61 - 76.66, places=2)
        self.assertEqual(dispute.amount_credited, 76.66)

    def test_partial_credit_by_amount_exact_to_the_cent(self):
        invoice = self._invoice([(7, 13.37, self.tax15), (1, 250.0, self.tax15)], currency=self.eur)
        dispute = self._dispute(invoice, 123.45)
        dispute.action_open()
        self.assertEqual(dispute.amount_current_company, 61.73, "123.45 EUR at 2.0 per USD")
        dispute.action_accept()
        credit = dispute.credit_note_ids
        self.assertEqual(credit.amount_total, 123.45)
        self.assertEqual(invoice.currency_id.compare_amounts(invoice.amount_residual,
                                                             invoice.amount_total - 123.45), 0)


@tagged("post_install", "-at_install")
class TestDisputeEffects(DisputeCase):
    def test_flags_restored_exactly_including_hand_set(self):
        by_hand = self._invoice([(1, 100.0, self.tax15)])
        plain = self._invoice([(1, 200.0, self.tax15)])
        by_hand.no_followup = True  # a person took it out of follow-up before any dispute
        cases = self._dispute(by_hand) + self._dispute(plain)
        cases.action_open()
        self.assertTrue(all(self._term_lines(by_hand + plain).mapped("no_followup")))
        cases.action_cancel()
        self.assertTrue(all(self._term_lines(by_hand).mapped("no_followup")), "the hand-set flag stays")
        self.assertFalse(any(self._term_lines(plain).mapped("no_followup")), "ours is cleared")

    def test_overlapping_cases(self):
        invoice = self._invoice([(10, 100.0, self.tax15)])
        first = self._dispute(invoice, 100.0)
        second = self._dispute(invoice, 250.0, reason_id=self.env.ref("invoicing_specialist.dispute_reason_quality").id)
        (first + second).action_open()
        self.assertEqual(invoice._ispec_open_dispute_amounts(), {invoice.id: 350.0})
        self.assertEqual(invoice.ispec_dispute_count, 2)
        first.action_cancel()
        self.assertTrue(invoice.ispec_in_dispute)
        self.assertTrue(all(self._term_lines(invoice).mapped("no_followup")), "still one open case")
        self.assertEqual(invoice._ispec_open_dispute_amounts(), {invoice.id: 250.0})
        second.action_accept()
        self.assertFalse(invoice.ispec_in_dispute)
        self.assertFalse(any(self._term_lines(invoice).mapped("no_followup")))
        self.assertEqual(invoice.amount_residual, 900.0)

    def test_vendor_bill_payment_held_then_released(self):
        bill = self._invoice([(4, 50.0, self.tax_purchase_a)], move_type="in_invoice")
        dispute = self._dispute(bill, 40.0)
        dispute.action_open()
        self.assertEqual((bill.payment_state, bill.ispec_block_by_addon), ("blocked", True))
        self.assertIn(dispute.name, bill.ispec_hold_reason)
        other = self._invoice([(1, 10.0, self.tax_purchase_a)], move_type="in_invoice")
        with self.assertRaisesRegex(UserError, dispute.name):
            self.env["account.payment.register"].with_user(self.specialist).with_context(
                active_model="account.move", active_ids=(bill + other).ids).create({})
        with self.assertRaisesRegex(UserError, "Invoicing Control"):
            bill.with_user(self.specialist).action_toggle_block_payment()
        dispute.rejection_reason = "Goods were delivered as ordered."
        dispute.action_reject()
        self.assertEqual((bill.payment_state, bill.ispec_block_by_addon), ("not_paid", False))

    def test_billing_clerk_outside_the_groups_sees_why_a_bill_is_held(self):
        clerk = new_test_user(self.env, "dsp_clerk", groups="account.group_account_invoice",
                              company_id=self.env.company.id, company_ids=[Command.set(self.env.company.ids)])
        bill = self._invoice([(2, 30.0, self.tax_purchase_a)], move_type="in_invoice")
        dispute = self._dispute(bill, 10.0)
        dispute.action_open()
        self.assertIn(dispute.name, bill.with_user(clerk).ispec_hold_reason)
        self.assertEqual(bill.with_user(clerk).ispec_disputed_amount, 10.0)
        with self.assertRaisesRegex(UserError, dispute.name):
            bill.with_user(clerk).action_register_payment()

    def test_hand_block_on_bill_survives_the_dispute(self):
        bill = self._invoice([(1, 80.0, self.tax_purchase_a)], move_type="in_invoice")
        bill.action_toggle_block_payment()
        dispute = self._dispute(bill, 20.0)
        dispute.action_open()
        dispute.action_cancel()
        self.assertEqual(bill.payment_state, "blocked", "a block a person set is never released by the addon")
        self.assertFalse(bill.ispec_block_by_addon)


@tagged("post_install", "-at_install")
class TestDisputeRules(DisputeCase):
    def test_bad_input_is_refused_clearly(self):
        invoice = self._invoice([(1, 100.0, self.tax15)])
        with self.assertRaisesRegex(ValidationError, "more than what is still open"):
            self._dispute(invoice, 115.01)
        with self.assertRaisesRegex(ValidationError, "greater than zero"):
            self._dispute(invoice, 0.0)
        with self.assertRaisesRegex(ValidationError, "Choose a reason"):
            self._dispute(invoice, 10.0, reason_id=False)
        used = self._dispute(invoice, 10.0).reason_id
        with self.assertRaisesRegex(UserError, "archive them instead"):
            used.with_user(self.manager).unlink()
        draft = self._invoice([(1, 100.0, self.tax15)], post=False)
        with self.assertRaisesRegex(ValidationError, "not posted"):
            self._dispute(draft, 10.0)
        cancelled = self._invoice([(1, 100.0, self.tax15)], post=False)
        cancelled.button_cancel()
        with self.assertRaisesRegex(ValidationError, "not posted"):
            self._dispute(cancelled, 10.0)
        paid = self._invoice([(1, 100.0, self.tax15)])
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=paid.ids).create({}).action_create_payments()
        with self.assertRaisesRegex(ValidationError, "fully paid"):
            self._dispute(paid, 10.0)
        dispute = self._dispute(invoice, 10.0)
        with self.assertRaisesRegex(UserError, "cannot become Resolved: Accepted"):
            dispute.action_accept()
        with self.assertRaisesRegex(UserError, "cannot become Under Review"):
            dispute.action_review()
        dispute.action_open()
        dispute.action_cancel()
        with self.assertRaisesRegex(UserError, "cannot become Open"):
            dispute.action_open()
        self.assertEqual(dispute.state, "cancel")

    def test_manager_approval_above_company_amount(self):
        self.env.company.ispec_dispute_approval_amount = 500.0
        invoice = self._invoice([(10, 100.0, self.tax15)])
        big = self._dispute(invoice, 600.0)
        big.action_open()
        with self.assertRaisesRegex(AccessError, "Ask an Invoicing Specialist manager"):
            big.with_user(self.specialist).action_accept()
        self.assertEqual(big.state, "open")
        big.with_user(self.manager).action_accept()
        self.assertEqual(big.state, "accepted")
        small = self._dispute(invoice, 400.0)
        small.action_open()
        small.with_user(self.specialist).action_cancel()
        self.assertEqual(small.state, "cancel")

    def test_write_off_under_threshold_by_manager(self):
        company = self.env.company
        journal = self.env["account.journal"].create({"name": "Dispute Write-offs", "code": "DWO", "type": "general"})
        company.write({
            "ispec_dispute_writeoff_threshold": 5.0,
            "ispec_dispute_writeoff_account_id": self.company_data["default_account_expense"].id,
            "ispec_dispute_writeoff_journal_id": journal.id,
        })
        invoice = self._invoice([(1, 100.0, self.tax15)])  # 115.00
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids).create({"amount": 111.0}).action_create_payments()
        dispute = self._dispute(invoice, 4.0)
        dispute.action_open()
        with self.assertRaises(AccessError):
            dispute.with_user(self.specialist).action_write_off()
        dispute.with_user(self.manager).action_write_off()
        self.assertEqual(invoice.amount_residual, 0.0)
        self.assertEqual((dispute.state, dispute.amount_written_off), ("accepted", 4.0))
        expense = dispute.write_off_move_id.line_ids.filtered(
            lambda line: line.account_id == self.company_data["default_account_expense"])
        self.assertEqual(expense.debit, 4.0)
        self.assertEqual(dispute.write_off_move_id.journal_id, journal, "posted in the journal of the settings")
        over = self._invoice([(1, 100.0, self.tax15)])
        dispute = self._dispute(over, 50.0)
        dispute.action_open()
        with self.assertRaisesRegex(UserError, "more than the write-off threshold"):
            dispute.with_user(self.manager).action_write_off()

    def test_overdue_cron_runs_twice_without_repeating(self):
        self.env.company.ispec_dispute_manager_id = self.manager
        self.partner_a.name = "Acme <b>Bold</b>"  # user input is escaped in the digest
        invoice = self._invoice([(1, 100.0, self.tax15)])
        late = self._dispute(invoice, 10.0)
        on_time = self._dispute(invoice, 20.0)
        (late + on_time).action_open()
        late.deadline = fields.Date.today() - timedelta(days=1)
        on_time.deadline = fields.Date.today() + timedelta(days=5)
        Mail = self.env["mail.mail"]
        digest = [("subject", "ilike", "dispute(s) overdue"), ("email_to", "ilike", self.specialist.email)]
        mails_before = Mail.search_count(digest)
        cron_user = self.env.ref("invoicing_specialist.ir_cron_dispute_overdue").user_id
        progress = []
        # Outside a real cron run _commit_progress commits, which a test may not: record the batches instead.
        with patch.object(self.env.registry["ir.cron"], "_commit_progress",
                          lambda cron, processed=0, **kw: progress.append((processed, kw.get("remaining"))) or 60.0):
            for _run in range(2):
                self.env["ispec.dispute"].with_user(cron_user)._cron_flag_overdue()
        self.assertEqual(progress, [(1, 0), (1, 0)],
                         "one batch of one case, one batch of one owner's digest, and nothing on the second run")
        self.assertEqual((late.is_overdue, on_time.is_overdue), (True, False))
        manager_activities = late.activity_ids.filtered(lambda a: a.user_id == self.manager)
        self.assertEqual(len(manager_activities), 1, "one activity for the manager, not two")
        self.assertEqual(Mail.search_count(digest) - mails_before, 1, "one digest to the owner, not two")
        body = Mail.search(digest, order="id desc", limit=1).body_html
        self.assertIn(late.name, body)
        self.assertNotIn(on_time.name, body)
        self.assertIn("Acme &lt;b&gt;Bold&lt;/b&gt;", body)


@tagged("post_install", "-at_install")
class TestDisputeAccess(DisputeCase):
    def test_group_rights(self):
        invoice = self._invoice([(1, 100.0, self.tax15)])
        dispute = self._dispute(invoice, 10.0)
        self.assertEqual(dispute.with_user(self.auditor).amount_original, 10.0, "auditor reads")
        with self.assertRaises(AccessError):
            dispute.with_user(self.auditor).write({"team": "Audit"})
        with self.assertRaises(AccessError):
            self._dispute(invoice, 5.0, user=self.auditor)
        with self.assertRaises(AccessError):
            self.env["ispec.dispute.reason"].with_user(self.specialist).create({"name": "Mine"})
        self.env["ispec.dispute.reason"].with_user(self.manager).create({"name": "Freight", "category": "other"})
        with self.assertRaises(AccessError):
            dispute.with_user(self.specialist).unlink()

    def test_company_isolation(self):
        other = self.setup_other_company()
        other_invoice = self.env["account.move"].with_company(other["company"]).create({
            "move_type": "out_invoice", "partner_id": self.partner_a.id, "invoice_date": "2025-03-01",
            "company_id": other["company"].id,
            "invoice_line_ids": [Command.create({"name": "x", "price_unit": 300.0, "tax_ids": []})],
        })
        other_invoice.action_post()
        theirs = self.env["ispec.dispute"].with_company(other["company"]).create({
            "move_id": other_invoice.id, "reason_id": self.reason.id, "amount_original": 30.0,
        })
        self.assertEqual(theirs.company_id, other["company"])
        mine = self._dispute(self._invoice([(1, 100.0, self.tax15)]), 10.0)
        Dispute = self.env["ispec.dispute"]
        both_cases = [("id", "in", (mine | theirs).ids)]
        self.assertEqual(Dispute.with_user(self.specialist).search(both_cases), mine,
                         "one search: the specialist's own company's case, not the other company's")
        with self.assertRaises(AccessError):
            theirs.with_user(self.specialist).read(["amount_original"])
        # The rule follows the companies a user works in, it does not hide every other case.
        companies = self.env.company | other["company"]
        both = new_test_user(self.env, "dsp_both", groups="invoicing_specialist.group_specialist",
                             company_id=self.env.company.id, company_ids=[Command.set(companies.ids)])
        self.assertEqual(Dispute.with_user(both).with_context(allowed_company_ids=companies.ids).search(both_cases),
                         mine | theirs)
        self.assertEqual(Dispute.with_user(both).with_context(
            allowed_company_ids=other["company"].ids).search(both_cases), theirs)
