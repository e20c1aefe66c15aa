import re

from lxml import etree

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged
from odoo.tools.safe_eval import safe_eval

from .match_common import MatchCase


@tagged("post_install", "-at_install")
class TestMatchScope(MatchCase):
    """Who sees and does what, across companies, and what the worklist, PO and payment show."""

    def test_payment_refused_alone_and_in_batch_naming_each_bill(self):
        po = self._po()
        self._receive(po, 5)
        held = self._bill(po, 10)
        fine = self._bill(self._po(product=self.service, qty=2.0, price=30.0), 2)
        self.assertEqual(fine.payment_state, "not_paid")
        with self.assertRaisesRegex(UserError, re.escape(held.display_name) + r".*Billed more than received"):
            self.env["account.payment.register"].with_context(
                active_model="account.move", active_ids=(held + fine).ids).create({})
        self.assertEqual(fine.payment_state, "not_paid", "nothing was paid")
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=fine.ids).create({}).action_create_payments()
        self.assertIn(fine.payment_state, ("paid", "in_payment"))

    def test_a_warehouse_user_receipt_releases_the_bill(self):
        po = self._po()
        bill = self._bill(po, 5)
        self._receive(po, 3)
        self.assertEqual(bill.payment_state, "blocked")
        storekeeper = new_test_user(self.env, "match_storekeeper", groups="stock.group_stock_user")
        self.assertFalse(storekeeper.has_group("account.group_account_invoice"))
        picking = po.picking_ids.filtered(lambda p: p.state not in ("done", "cancel")).with_user(storekeeper)
        picking.move_ids.quantity = 2
        picking.move_ids.picked = True
        picking._action_done()
        self.assertEqual((bill.ispec_match_state, bill.payment_state), ("matched", "not_paid"))

    def test_bill_total_tolerance(self):
        Tolerance = self.env["ispec.match.tolerance"]
        Tolerance.search([("dimension", "=", "price_above")]).absolute = 0.5
        po = self._po(qty=10.0, price=10.0)
        self._receive(po, 10)
        bill = self._bill_from_po(po, 4, price=10.3)  # 41.20 against 40.00 expected: price within 0.50
        line = bill.invoice_line_ids
        self.assertEqual((line.ispec_match_state, line.ispec_expected_subtotal), ("within_tolerance", 40.0))
        Tolerance.create({"company_id": self.company.id, "dimension": "total", "absolute": 1.0})
        bill.action_ispec_match_recheck()
        self.assertEqual((bill.ispec_match_state, line.ispec_match_reasons), ("exception", "amount"))
        self.assertIn("Bill total above expected", bill.ispec_hold_reason)
        Tolerance.search([("dimension", "=", "total")]).absolute = 1.2
        bill.action_ispec_match_recheck()
        self.assertEqual(bill.ispec_match_state, "matched", "1.20 above is within a 1.20 limit")

    def test_unit_that_cannot_be_converted(self):
        po = self._po()
        self._receive(po, 10)
        bill = self._bill_from_po(po, 2, product_uom_id=self.env.ref("uom.product_uom_kgm"))
        self.assertEqual((bill.ispec_match_state, bill.invoice_line_ids.ispec_match_reasons), ("exception", "unit"))
        self.assertIn("Unit cannot be converted", bill.ispec_hold_reason)

    def test_worklist_by_vendor_and_reason_and_the_po_view(self):
        other_vendor = self.env["res.partner"].create({"name": "Nut Traders"})
        po = self._po()
        self._receive(po, 5)
        over = self._bill(po, 10, price=11.0)  # over received and price above
        waiting = self._bill(self._po(), 3)
        other_po = self._po(partner=other_vendor)
        self._receive(other_po, 10)
        pricey = self._bill(other_po, 2, price=12.0)
        action = self.env.ref("invoicing_specialist.account_move_match_action")
        group_by = safe_eval(action.context)["group_by"]  # the grouping the worklist opens with
        domain = [("id", "in", (over + waiting + pricey).ids), *safe_eval(action.domain)]
        groups = self.env["account.move"]._read_group(domain, group_by, ["__count"])
        counts = {(partner.name, reason.code or None): count for partner, reason, count in groups}
        self.assertEqual(counts, {
            ("Bolt Supplies", "over_received"): 1, ("Bolt Supplies", "price_above"): 1,
            ("Bolt Supplies", None): 1,  # the bill waiting for its receipt has no exception reason
            ("Nut Traders", "price_above"): 1,
        })
        self.assertEqual(po.ispec_bill_match_state, "exception")
        self.assertEqual(over.ispec_receipt_ids, po.picking_ids)
        self.assertEqual(over.action_ispec_view_receipts()["domain"], [("id", "in", po.picking_ids.ids)])
        self.assertEqual(waiting.invoice_line_ids.purchase_order_id.ispec_bill_match_state, "waiting")

    def test_two_companies_never_see_each_other(self):
        company_2 = self.setup_other_company(name="Second Co")["company"]
        seeded = self.env["ispec.match.tolerance"].search([("company_id", "=", company_2.id)])
        self.assertEqual(sorted(seeded.mapped("dimension")), ["price_above", "price_below", "qty"],
                         "a new company starts strict")
        seeded.filtered(lambda t: t.dimension == "price_above").absolute = 5.0
        env_2 = self.env(context=dict(self.env.context, allowed_company_ids=[company_2.id]))
        po_2 = env_2["purchase.order"].create({
            "partner_id": self.vendor.id, "company_id": company_2.id,
            "order_line": [Command.create({"product_id": self.service.id, "product_qty": 1, "price_unit": 100.0,
                                           "tax_ids": [Command.clear()]})],
        })
        po_2.button_confirm()
        bill_2 = env_2["account.move"].create({
            "move_type": "in_invoice", "partner_id": self.vendor.id, "invoice_date": "2026-01-15",
            "company_id": company_2.id,
            "invoice_line_ids": [Command.create({"product_id": self.service.id, "quantity": 1, "price_unit": 104.0,
                                                 "purchase_line_id": po_2.order_line.id,
                                                 "tax_ids": [Command.clear()]})],
        })
        self.assertEqual(bill_2.ispec_match_state, "matched", "company 2's 5.00 price limit applies")
        bill_1 = self._bill(self._po(product=self.service, qty=1.0, price=100.0), 1, price=104.0)
        self.assertEqual(bill_1.ispec_match_state, "exception", "company 1 stays exact")
        self.env["ispec.match.override"]._override_lines(bill_1.invoice_line_ids, "Agreed")
        manager_1 = new_test_user(self.env, "match_manager_1", groups="invoicing_specialist.group_manager",
                                  company_id=self.company.id, company_ids=[Command.set(self.company.ids)])
        Tolerance, Override, Move = (self.env[model].with_user(manager_1) for model in (
            "ispec.match.tolerance", "ispec.match.override", "account.move"))
        self.assertFalse(Tolerance.search([("company_id", "=", company_2.id)]))
        self.assertEqual(Override.search([]).move_id, bill_1)
        self.assertFalse(Move.search([("id", "=", bill_2.id)]))
        with self.assertRaises(AccessError):
            seeded.with_user(manager_1).read(["percent"])

    def _bills_list_filter(self, name):
        arch = etree.fromstring(self.env.ref("invoicing_specialist.view_account_invoice_filter_match").arch)
        return safe_eval(arch.xpath(f"//filter[@name='{name}']")[0].get("domain"))

    def test_filters_of_the_bills_list(self):
        received = [self._po() for _i in range(3)]
        for po in received:
            self._receive(po, 5)
        matched, over = self._bill(received[0], 5), self._bill(received[1], 10)
        waiting = self._bill(self._po(), 2)
        accepted = self._bill(received[2], 1, price=10.5)
        self.env["ispec.match.override"]._override_lines(accepted.invoice_line_ids, "Rounding agreed")
        mine = matched + over + waiting + accepted

        def found(name):
            return self.env["account.move"].search([("id", "in", mine.ids), *self._bills_list_filter(name)])

        self.assertEqual(found("ispec_match_exception"), over)
        self.assertEqual(found("ispec_match_waiting"), waiting)
        self.assertEqual(found("ispec_match_overridden"), accepted)
        self.assertEqual(found("ispec_ready_to_pay"), matched + accepted)

    def test_buyers_and_read_only_accountants_see_match_states(self):
        po = self._po()
        self._receive(po, 5)
        bill = self._bill(po, 10)
        self.env["ispec.match.override"]._override_lines(bill.invoice_line_ids, "Short shipment accepted")
        other = self._bill(self._po(), 2, price=11.0)
        buyer = new_test_user(self.env, "match_buyer", groups="purchase.group_purchase_user")
        reader = new_test_user(self.env, "match_reader", groups="account.group_account_readonly")
        po_as_buyer = po.with_user(buyer)
        self.assertEqual(po_as_buyer.ispec_bill_match_state, "overridden")
        self.assertEqual(po_as_buyer.invoice_ids.ispec_match_state, "overridden")
        self.assertEqual(other.with_user(buyer).ispec_match_reason_ids.mapped("name"), ["Price above PO"])
        self.assertEqual(bill.with_user(buyer).ispec_match_override_count, 0, "a buyer has no access to overrides")
        as_reader = bill.with_user(reader)
        self.assertEqual((as_reader.ispec_match_override_count, as_reader.ispec_match_override_ids.note),
                         (1, "Short shipment accepted"))
        with self.assertRaises(AccessError):
            as_reader.action_ispec_match_recheck()
