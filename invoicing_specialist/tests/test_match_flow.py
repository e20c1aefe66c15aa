from unittest.mock import patch

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, new_test_user, tagged
from odoo.tools import SQL

from .match_common import MatchCase


@tagged("post_install", "-at_install")
class TestMatchFlow(MatchCase):
    """Vendor bills matched against real purchase orders and receipts."""

    def test_over_received_blocks_payment(self):
        po = self._po()
        self._receive(po, 5)
        bill = self._bill_from_po(po, 10)  # Create Bill proposes the 5 received; the vendor bills 10
        line = bill.invoice_line_ids
        self.assertEqual((bill.ispec_match_state, line.ispec_match_state), ("exception", "exception"))
        self.assertEqual(line.ispec_match_reasons, "over_received")
        self.assertEqual((line.ispec_qty_ordered, line.ispec_qty_received, line.ispec_qty_billed), (10, 5, 10))
        self.assertEqual((bill.payment_state, bill.ispec_block_by_addon), ("blocked", True))
        self.assertIn("Billed more than received", bill.ispec_hold_reason)
        with self.assertRaisesRegex(UserError, "Billed more than received"):
            bill.action_register_payment()

    def test_waiting_then_receipt_matches_and_releases(self):
        po = self._po()
        bill = self._bill(po, 5, post=False)
        self.assertEqual(bill.ispec_match_state, "waiting")
        self.assertFalse(bill.is_manually_modified, "the check is not a person's edit of the bill")
        bill.action_post()
        self.assertEqual(bill.payment_state, "not_paid")
        self._receive(po, 5)
        self.assertEqual(bill.ispec_match_state, "matched")
        other_po = self._po()
        short = self._bill(other_po, 5)
        self._receive(other_po, 3)
        self.assertEqual((short.ispec_match_state, short.payment_state), ("exception", "blocked"))
        self._receive(other_po, 2)  # the backorder arrives: the block is released by itself
        self.assertEqual((short.ispec_match_state, short.payment_state), ("matched", "not_paid"))

    def test_price_tolerance_and_discount(self):
        self.env["ispec.match.tolerance"].search([("dimension", "=", "price_above")]).absolute = 0.5
        po = self._po(price=20.0, discount=10.0)  # 18.00 net
        self._receive(po, 10)
        within = self._bill_from_po(po, 4, discount=7.5)  # at the PO's 20.00: 18.50 net, 0.50 above
        self.assertEqual(within.invoice_line_ids.ispec_match_state, "within_tolerance")
        self.assertEqual(within.ispec_match_state, "matched")
        beyond = self._bill(po, 4, price=20.0, discount=5.0)  # 19.00 net: 1.00 above
        self.assertEqual(beyond.invoice_line_ids.ispec_match_reasons, "price_above")
        self.assertEqual((beyond.invoice_line_ids.ispec_po_price, beyond.invoice_line_ids.ispec_bill_price),
                         (18.0, 19.0))

    def test_two_bills_over_bill_together_and_refund_brings_back(self):
        po = self._po(product=self.service, qty=10.0, price=50.0)
        first = self._bill_from_po(po, 6)
        self.assertEqual(first.ispec_match_state, "matched", "a service is 2-way: ordered 10")
        second = self._bill_from_po(po, 6)  # Create Bill proposes the 4 left
        self.assertEqual((first.ispec_match_state, second.ispec_match_state), ("exception", "exception"))
        self.assertEqual(second.invoice_line_ids.ispec_match_reasons, "over_ordered")
        self._bill(po, 2, move_type="in_refund")
        self.assertEqual((first.ispec_match_state, second.ispec_match_state), ("matched", "matched"))
        self.assertEqual(second.payment_state, "not_paid")

    def test_return_after_billing(self):
        po = self._po()
        picking = self._receive(po, 10)
        bill = self._bill(po, 10)
        self.assertEqual(bill.ispec_match_state, "matched")
        wizard = Form(self.env["stock.return.picking"].with_context(
            active_ids=picking.ids, active_id=picking.id, active_model="stock.picking")).save()
        wizard.product_return_moves.quantity = 4
        returned = self.env["stock.picking"].browse(wizard.action_create_returns()["res_id"])
        returned.move_ids.quantity = 4
        returned.move_ids.picked = True
        returned._action_done()
        self.assertEqual(po.order_line.qty_received, 6)
        self.assertEqual((bill.ispec_match_state, bill.invoice_line_ids.ispec_match_reasons),
                         ("exception", "over_received"))

    def test_dozens_against_units_and_other_currency(self):
        po = self._po(qty=24.0, price=10.0)
        self._receive(po, 24)
        dozen = self.env.ref("uom.product_uom_dozen")
        bill = self._bill(po, 2, price=120.0, product_uom_id=dozen.id)  # 2 dozen at 120 = 24 at 10
        self.assertEqual(bill.ispec_match_state, "matched")
        eur = self.setup_other_currency("EUR", rates=[("2025-01-01", 2.0), ("2026-01-10", 4.0)])
        po_eur = self._po(qty=5.0, price=100.0, )
        self._receive(po_eur, 5)
        bill_eur = self._bill(po_eur, 5, price=400.0, post=False)
        bill_eur.currency_id = eur  # at the bill date, 100 USD = 400 EUR (not 200 at the old rate)
        bill_eur.invoice_line_ids.price_unit = 400.0
        bill_eur.action_post()
        self.assertEqual(bill_eur.invoice_line_ids.ispec_po_price, 400.0)
        self.assertEqual(bill_eur.ispec_match_state, "matched")

    def test_non_po_line_and_vendor_allowance(self):
        po = self._po(product=self.service, qty=2.0, price=30.0)
        from_po = self._bill_from_po(po, post=False)
        with Form(from_po) as form, form.invoice_line_ids.new() as extra:  # a line the vendor added
            extra.product_id = self.goods
            extra.quantity = 1
            extra.price_unit = 12.0
            extra.tax_ids.clear()
        self.assertEqual(from_po.invoice_line_ids.mapped("ispec_match_state"), ["matched", "exception"])
        self.assertEqual(from_po.invoice_line_ids[1].ispec_match_reasons, "no_po")
        bill = self.env["account.move"].create({
            "move_type": "in_invoice", "partner_id": self.vendor.id, "invoice_date": "2026-01-15",
            "invoice_line_ids": [Command.create({"product_id": self.goods.id, "quantity": 1, "price_unit": 99.0,
                                                 "tax_ids": [Command.clear()]})],
        })
        self.assertEqual(bill.invoice_line_ids.ispec_match_reasons, "no_po")
        self.vendor.ispec_match_allow_no_po = True
        bill.action_ispec_match_recheck()
        self.assertEqual((bill.invoice_line_ids.ispec_match_state, bill.ispec_match_state),
                         ("not_checked", "not_applicable"))

    def test_effect_modes(self):
        po = self._po()
        self._receive(po, 2)
        self.company.ispec_match_mode = "refuse"
        with self.assertRaisesRegex(UserError, "cannot be posted"):
            self._bill(po, 5)
        self.company.ispec_match_mode = "warn"
        bill = self._bill(po, 5)
        self.assertEqual((bill.state, bill.ispec_match_state, bill.payment_state), ("posted", "exception", "not_paid"))

    def test_specialist_cannot_change_tolerances(self):
        specialist = new_test_user(self.env, "match_specialist", groups="invoicing_specialist.group_specialist")
        rule = self.env["ispec.match.tolerance"].search([("company_id", "=", self.company.id)], limit=1)
        with self.assertRaises(AccessError):
            rule.with_user(specialist).percent = 5.0

    def _count_check_queries(self, bills):
        self.env.invalidate_all()
        before = self.env.cr.sql_log_count
        self.env["ispec.match"]._check_bills(bills)
        self.env.flush_all()
        return self.env.cr.sql_log_count - before

    def test_check_queries_bounded_for_1_and_50_bills(self):
        pos = self.env["purchase.order"].create([{
            "partner_id": self.vendor.id,
            "order_line": [Command.create({"product_id": self.goods.id, "product_qty": 10, "price_unit": 10.0,
                                           "tax_ids": [Command.clear()]})],
        } for _i in range(50)])
        pos.button_confirm()
        bills = self.env["account.move"].create([{
            "move_type": "in_invoice", "partner_id": self.vendor.id, "invoice_date": "2026-01-15",
            "ref": f"BULK-{po.id}",
            "invoice_line_ids": [Command.create({"product_id": self.goods.id, "quantity": 5, "price_unit": 10.0,
                                                 "purchase_line_id": po.order_line.id, "tax_ids": [Command.clear()]})],
        } for po in pos])
        self._count_check_queries(bills[1:2])  # warm the registry caches (decimal precision, xmlids) once
        one, fifty = self._count_check_queries(bills[:1]), self._count_check_queries(bills)
        self.assertEqual(set(bills.mapped("ispec_match_state")), {"waiting"})
        self.assertLessEqual(fifty, one, f"1 bill: {one} queries, 50 bills: {fifty}")

    def test_cron_stops_halfway_and_resumes(self):
        po = self._po(qty=100.0)
        bills = self.env["account.move"].create([{
            "move_type": "in_invoice", "partner_id": self.vendor.id, "invoice_date": "2026-01-15", "ref": f"C-{i}",
            "invoice_line_ids": [Command.create({"product_id": self.goods.id, "quantity": 1, "price_unit": 10.0,
                                                 "purchase_line_id": po.order_line.id, "tax_ids": [Command.clear()]})],
        } for i in range(30)])
        self.env.cr.execute(SQL("UPDATE account_move_line SET ispec_match_state = NULL WHERE move_id = ANY(%s)",
                                bills.ids))
        bills.invalidate_recordset()
        bills.invoice_line_ids.invalidate_recordset()
        calls = []

        def stop_after_first_batch(cron, processed=0, **kw):
            calls.append(processed)
            return 0.0 if len(calls) == 1 else 60.0  # the first batch runs out of time

        Match = self.env["ispec.match"]
        with patch.object(self.env.registry["ir.cron"], "_commit_progress", stop_after_first_batch):
            Match._cron_recheck_open_bills(batch_size=10)
            self.assertEqual(len(bills.filtered("ispec_match_checked_at")), 10, "stopped after the first batch")
            self.assertEqual(set(bills.filtered("ispec_match_checked_at").invoice_line_ids.mapped(
                "ispec_match_state")), {"waiting"})
            Match._cron_recheck_open_bills(batch_size=10)
        self.assertEqual(calls, [10, 10, 10], "the second run took only the 20 bills left, in two batches")
        self.assertEqual(set(bills.invoice_line_ids.mapped("ispec_match_state")), {"waiting"})

    def test_duplicates_both_ways(self):
        self.vendor.ispec_match_allow_no_po = True  # so only the duplicate rule speaks

        def bill(ref, amount, date="2026-02-10"):
            return self.env["account.move"].create({
                "move_type": "in_invoice", "partner_id": self.vendor.id, "invoice_date": date, "ref": ref,
                "invoice_line_ids": [Command.create({"product_id": self.goods.id, "quantity": 1,
                                                     "price_unit": amount, "tax_ids": [Command.clear()]})],
            })

        first = bill("INV-2026/0042", 100.0)
        self.assertEqual(first.ispec_match_state, "not_applicable")
        same_ref = bill("inv 2026.0042", 250.0, date="2026-11-01")
        self.assertEqual((same_ref.ispec_match_state, same_ref.ispec_duplicate_of), ("exception", first.display_name))
        self.assertIn("duplicate", same_ref.invoice_line_ids.ispec_match_reasons)
        self.assertEqual(bill("INV-2026/0042", 100.0, date="2027-01-05").ispec_duplicate_of, False,
                         "another year is another invoice")
        no_ref = bill(False, 77.0)
        twin = bill(False, 77.0)
        self.assertEqual(twin.ispec_duplicate_of, no_ref.display_name)
        self.assertEqual((no_ref.ispec_match_state, no_ref.ispec_duplicate_of), ("exception", twin.display_name),
                         "both bills are flagged at once")
        self.assertEqual(bill(False, 78.0).ispec_duplicate_of, False, "another total")

    def test_duplicate_bills_made_from_their_pos(self):
        first = self._bill_from_po(self._po(product=self.service, qty=1.0, price=40.0), ref="NW-2026/77")
        second = self._bill_from_po(self._po(product=self.service, qty=1.0, price=40.0), ref="nw 2026 77")
        self.assertEqual((second.ispec_match_state, second.ispec_duplicate_of), ("exception", first.display_name))
        self.assertEqual((first.ispec_match_state, first.ispec_duplicate_of), ("exception", second.display_name))
        self.assertEqual((first.payment_state, second.payment_state), ("blocked", "blocked"))
