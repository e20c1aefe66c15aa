from lxml import etree

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import Form, new_test_user, tagged
from odoo.tools.safe_eval import safe_eval

from odoo.addons.account.tests.common import AccountTestInvoicingCommon
from odoo.addons.invoicing_specialist.hooks import uninstall_hook


@tagged("post_install", "-at_install")
class TestPaymentHold(AccountTestInvoicingCommon):
    """The shared payment hold: no way around it by reconciliation, and an uninstall that gives back
    exactly what the addon set."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company = cls.env.company
        # A bill without purchase order is a match exception; 'block' holds its payment.
        company.write({"ispec_match_mode": "block", "ispec_match_allow_no_po": False})
        cls.specialist = new_test_user(
            cls.env, "hold_specialist", groups="invoicing_specialist.group_specialist",
            company_id=company.id, company_ids=[Command.set(company.ids)])
        cls.env.user.group_ids = [Command.link(cls.env.ref("invoicing_specialist.group_manager").id)]

    def _bill(self, price=100.0):
        """A posted vendor bill of one product line, no tax, no purchase order."""
        bill = self.env["account.move"].create({
            "move_type": "in_invoice", "partner_id": self.partner_a.id, "invoice_date": "2026-01-15",
            "invoice_line_ids": [Command.create({
                "product_id": self.product_a.id, "quantity": 1, "price_unit": price, "tax_ids": []})],
        })
        bill.action_post()
        return bill

    def _vendor_payment(self, amount):
        payment = self.env["account.payment"].create({
            "payment_type": "outbound", "partner_type": "supplier", "partner_id": self.partner_a.id,
            "amount": amount, "journal_id": self.company_data["default_journal_bank"].id,
        })
        payment.action_post()
        return payment

    @staticmethod
    def _payable(moves):
        return moves.line_ids.filtered(lambda line: line.account_type == "liability_payable")

    def test_held_bill_cannot_be_paid_by_reconciliation(self):
        bill = self._bill(200.0)
        self.assertEqual(bill.payment_state, "blocked")
        self.assertTrue(bill.ispec_block_by_addon)
        payment = self._vendor_payment(200.0)
        # Manual reconciliation of the two payable lines.
        with self.assertRaisesRegex(UserError, "cannot be paid while Invoicing Control holds them") as caught:
            (self._payable(bill) | self._payable(payment.move_id)).with_user(self.specialist).reconcile()
        self.assertIn(bill.name, str(caught.exception))
        # The "Add" button of the bill's outstanding payments widget reconciles the same way.
        with self.assertRaisesRegex(UserError, bill.name):
            bill.with_user(self.specialist).js_assign_outstanding_line(self._payable(payment.move_id).id)
        self.assertEqual(bill.amount_residual, 200.0)
        self.assertFalse(self._payable(bill).reconciled)

        # Once released (bills without PO allowed), the same payment settles the bill.
        self.env.company.ispec_match_allow_no_po = True
        bill._ispec_match_recheck()
        self.assertNotEqual(bill.payment_state, "blocked")
        bill.js_assign_outstanding_line(self._payable(payment.move_id).id)
        self.assertIn(bill.payment_state, ("paid", "in_payment"))

    def test_credit_notes_and_reversals_still_reconcile_with_a_held_bill(self):
        bill = self._bill(300.0)
        self.assertEqual(bill.payment_state, "blocked")
        reversal = self.env["account.move.reversal"].with_context(
            active_model="account.move", active_ids=bill.ids).create({
                "reason": "Returned goods", "journal_id": bill.journal_id.id, "date": bill.date})
        reversal.refund_moves()
        credit_note = reversal.new_move_ids
        credit_note.invoice_line_ids.price_unit = 120.0
        credit_note.action_post()
        (self._payable(bill) | self._payable(credit_note)).reconcile()
        self.assertEqual(bill.amount_residual, 180.0)
        # Still held for the rest: the credit note lowered the debt, it did not pay it.
        self.assertEqual(bill.payment_state, "blocked")

    def test_uninstall_releases_only_what_the_addon_set(self):
        held = self._bill(100.0)
        hand_blocked = self._bill(50.0)
        self.env.company.ispec_match_allow_no_po = True
        hand_blocked._ispec_match_recheck()
        self.assertEqual(hand_blocked.payment_state, "not_paid")
        hand_blocked.action_toggle_block_payment()
        self.assertEqual(held.payment_state, "blocked")
        self.assertEqual(hand_blocked.payment_state, "blocked")
        self.assertTrue(held.ispec_block_by_addon)
        self.assertFalse(hand_blocked.ispec_block_by_addon)

        # An invoice in dispute is out of follow-up; another one was taken out by hand.
        disputed = self.init_invoice("out_invoice", amounts=[500.0], post=True)
        by_hand = self.init_invoice("out_invoice", amounts=[70.0], post=True)
        receivable = {move: move.line_ids.filtered(lambda line: line.account_type == "asset_receivable")
                      for move in (disputed, by_hand)}
        receivable[by_hand].no_followup = True
        dispute = self.env["ispec.dispute"].create({
            "move_id": disputed.id, "reason_id": self.env.ref("invoicing_specialist.dispute_reason_price").id,
            "amount_original": 100.0,
        })
        dispute.action_open()
        self.assertTrue(receivable[disputed].no_followup)

        uninstall_hook(self.env)
        self.env.flush_all()
        self.assertEqual(held.payment_state, "not_paid")
        self.assertFalse(held.ispec_block_by_addon)
        self.assertEqual(hand_blocked.payment_state, "blocked", "a block a person set stays")
        self.assertFalse(receivable[disputed].no_followup, "the disputed invoice is back in follow-up")
        self.assertTrue(receivable[by_hand].no_followup, "a person's follow-up exclusion stays")

    def test_uninstall_gives_a_partly_paid_bill_its_true_state(self):
        self.env.company.ispec_match_allow_no_po = True
        bill = self._bill(400.0)
        payment = self._vendor_payment(100.0)
        bill.js_assign_outstanding_line(self._payable(payment.move_id).id)
        self.assertEqual(bill.payment_state, "partial")
        self.env.company.ispec_match_allow_no_po = False
        bill._ispec_match_recheck()
        self.assertEqual(bill.payment_state, "blocked")
        uninstall_hook(self.env)
        self.env.flush_all()
        self.assertEqual(bill.payment_state, "partial")
        self.assertEqual(bill.amount_residual, 300.0)

    def test_no_demo_only_models(self):
        # Demo data is loaded by methods, not by models of its own that would stay in production databases.
        demo_models = [name for name in self.env.registry if name.startswith("ispec.demo")]
        self.assertEqual(demo_models, [])

    def test_held_payments_list_shows_and_groups_the_reasons(self):
        bill = self._bill(80.0)
        action = self.env.ref("invoicing_specialist.account_move_held_action")._get_action_dict()
        list_view_id = next(view_id for view_id, mode in action["views"] if mode == "list")
        views = self.env["account.move"].with_user(self.specialist).get_views(
            [(list_view_id, "list"), (action["search_view_id"][0], "search")])
        list_arch = etree.fromstring(views["views"]["list"]["arch"])
        self.assertEqual(list_arch.xpath("//field[@name='ispec_hold_reason']/@string"), ["Why Held"])
        search_arch = etree.fromstring(views["views"]["search"]["arch"])
        group_bys = {node.get("name"): node.get("context") for node in search_arch.xpath("//filter[@context]")}
        self.assertIn("ispec_match_reason_ids", group_bys["ispec_group_match_reason"])
        self.assertIn("ispec_in_dispute", group_bys["ispec_group_in_dispute"])
        held_filter = search_arch.xpath("//filter[@name='ispec_held']/@domain")[0]
        domain = safe_eval(action["domain"]) + safe_eval(held_filter)
        Move = self.env["account.move"].with_user(self.specialist)
        rows = Move.formatted_read_group(domain, ["ispec_match_reason_ids"], ["__count"])
        no_po = self.env.ref("invoicing_specialist.match_reason_no_po")
        counts = {row["ispec_match_reason_ids"][0] if row["ispec_match_reason_ids"] else False: row["__count"]
                  for row in rows}
        self.assertEqual(counts.get(no_po.id), 1)
        reasons = Move.browse(bill.id).read(["ispec_hold_reason"])[0]["ispec_hold_reason"]
        self.assertIn(no_po.name, reasons)

    def test_form_shows_the_hold_banner(self):
        bill = self._bill(60.0)
        with Form(bill.with_user(self.specialist)) as form:
            self.assertTrue(form.ispec_hold_reason)
