from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from .match_common import MatchCase


@tagged("post_install", "-at_install")
class TestMatchOverride(MatchCase):
    """A manager accepts a match exception; the acceptance lasts until the bill changes."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.specialist = new_test_user(cls.env, "ovr_specialist", groups="invoicing_specialist.group_specialist")
        cls.auditor = new_test_user(cls.env, "ovr_auditor", groups="invoicing_specialist.group_auditor")

    def _override(self, bills, note="Agreed with the vendor: the rest ships next week", user=None):
        env = self.env(user=user) if user else self.env
        action = bills.with_env(env).action_ispec_match_override()
        wizard = env[action["res_model"]].with_context(**action["context"]).create({"note": note})
        wizard.action_confirm()
        return bills.ispec_match_override_ids.filtered(lambda override: override.state == "active")

    def _over_received_bill(self):
        po = self._po()
        self._receive(po, 5)
        return po, self._bill(po, 10)

    def test_override_releases_the_block_and_is_kept(self):
        _po, bill = self._over_received_bill()
        self.assertEqual(bill.payment_state, "blocked")
        override = self._override(bill)
        line = bill.invoice_line_ids
        self.assertEqual((bill.ispec_match_state, line.ispec_match_state), ("overridden", "overridden"))
        self.assertEqual((bill.payment_state, bill.ispec_block_by_addon, bill.ispec_hold_reason),
                         ("not_paid", False, False))
        self.assertFalse(bill.ispec_match_reason_ids, "no open reason left")
        self.assertEqual((override.user_id, override.reason_ids.mapped("code"), override.line_id),
                         (self.env.user, ["over_received"], line))
        self.assertEqual((override.qty_ordered, override.qty_received, override.qty_billed), (10, 5, 10))
        self.assertIn("Agreed with the vendor", bill.message_ids[0].body)
        self.assertIn("overridden by", bill.message_ids[0].body)
        bill.action_ispec_match_recheck()
        self.assertEqual(bill.ispec_match_state, "overridden", "a recheck of an unchanged bill keeps it")
        self.assertEqual(bill.ispec_match_override_count, 1)
        bill.action_register_payment()  # no longer refused

    def test_override_expires_when_the_line_changes(self):
        _po, bill = self._over_received_bill()
        override = self._override(bill)
        bill.button_draft()
        bill.invoice_line_ids.quantity = 9
        bill.action_post()
        self.assertEqual((override.state, override.expiry_note),
                         ("expired", "the line's quantity, price, unit or product changed"))
        self.assertTrue(override.expired_on)
        self.assertEqual((bill.ispec_match_state, bill.payment_state), ("exception", "blocked"))
        self.assertEqual(bill.ispec_match_reason_ids.mapped("code"), ["over_received"])
        self.assertTrue(any("override expired" in body for body in bill.message_ids.mapped("body")))
        self.assertEqual(len(bill.ispec_match_override_ids), 1, "the expired override stays for the audit")

    def test_override_expires_on_a_reason_not_accepted(self):
        po = self._po()
        self._receive(po, 10)
        bill = self._bill(po, 5, price=12.0)
        self.assertEqual(bill.invoice_line_ids.ispec_match_reasons, "price_above")
        override = self._override(bill, note="New price list from 1 January")
        self.assertEqual(bill.ispec_match_state, "overridden")
        self._bill(po, 6)  # together 11 billed against 10 ordered and received: reasons the manager never saw
        self.assertEqual((override.state, override.expiry_note), ("expired", "a reason appeared that was not accepted"))
        self.assertEqual(set(bill.ispec_match_reason_ids.mapped("code")),
                         {"price_above", "over_ordered", "over_received"})
        self.assertEqual(bill.payment_state, "blocked")

    def test_override_expires_when_the_line_is_removed(self):
        po = self._po()
        self._receive(po, 5)
        bill = self._bill(po, 10, post=False)
        override = self._override(bill)
        bill.invoice_line_ids.unlink()
        bill.action_ispec_match_recheck()
        self.assertEqual((override.state, override.expiry_note), ("expired", "the line was removed"))
        self.assertEqual(override.line_label, self.goods.display_name, "the line's name is kept")

    def test_refuse_mode_posts_once_overridden(self):
        self.company.ispec_match_mode = "refuse"
        po = self._po()
        self._receive(po, 5)
        bill = self._bill(po, 10, post=False)
        with self.assertRaisesRegex(UserError, "Billed more than received"):
            bill.action_post()
        self._override(bill)
        bill.action_post()
        self.assertEqual((bill.state, bill.ispec_match_state), ("posted", "overridden"))

    def test_specialist_cannot_override_and_auditor_changes_nothing(self):
        _po, bill = self._over_received_bill()
        with self.assertRaisesRegex(UserError, "Only an Invoicing Specialist manager"):
            self._override(bill, user=self.specialist)
        with self.assertRaises(AccessError):
            self.env["ispec.match.override"].with_user(self.specialist).create({
                "move_id": bill.id, "note": "by the back door"})
        with self.assertRaisesRegex(UserError, "Only an Invoicing Specialist manager"):
            self.env["ispec.match.override"].with_user(self.specialist)._override_lines(
                bill.invoice_line_ids, "by the back door")
        self.assertEqual(bill.payment_state, "blocked")
        override = self._override(bill)
        as_auditor = override.with_user(self.auditor)
        self.assertEqual(as_auditor.note, "Agreed with the vendor: the rest ships next week")
        self.assertEqual(bill.with_user(self.auditor).ispec_match_state, "overridden")
        for forbidden in (lambda: as_auditor.write({"note": "changed"}), as_auditor.unlink,
                          bill.with_user(self.auditor).action_ispec_match_recheck):
            with self.assertRaises(AccessError):
                forbidden()
        for user in (self.specialist, self.env.user):  # not even a manager deletes the audit trail
            with self.assertRaises(AccessError):
                override.with_user(user).unlink()

    def test_reason_is_required_and_only_exceptions_are_overridden(self):
        po = self._po()
        self._receive(po, 10)
        matched = self._bill(po, 5)
        with self.assertRaisesRegex(UserError, "no open match exception"):
            matched.action_ispec_match_override()
        _po, bill = self._over_received_bill()
        with self.assertRaisesRegex(UserError, "reason is required"):
            self.env["ispec.match.override"]._override_lines(bill.invoice_line_ids, "   ")
        self.assertFalse(bill.ispec_match_override_ids)
