"""Bill matching defects found by the hardening issues (#9, #10), each with the case that showed it."""
import inspect
import xmlrpc.client
from datetime import datetime, timedelta
from unittest.mock import patch

import psycopg2
from freezegun import freeze_time
from lxml import etree

from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, new_test_user, tagged
from odoo.tools import SQL, mute_logger
from odoo.tools.convert import convert_file
from odoo.tools.safe_eval import safe_eval

from odoo.addons.invoicing_specialist.models import (
    match,
    match_account_move,
    match_override,
    match_reason,
    purchase_order,
    purchase_order_line,
    stock_move,
)
from odoo.addons.invoicing_specialist.wizards import match_override_wizard

from .cron_faults import cron_commits
from .match_common import MatchCase


@tagged("post_install", "-at_install")
class TestMatchHardening(MatchCase):

    # --- #9.6: only posted bills (and the bill being checked) count --------------------------------

    def test_a_draft_bill_does_not_block_a_posted_one(self):
        po = self._po()
        self._receive(po, 10)
        posted = self._bill(po, 10)
        self.assertEqual((posted.ispec_match_state, posted.payment_state), ("matched", "not_paid"))
        draft = self._bill(po, 4, post=False)  # keyed in, not posted yet
        self.assertEqual((posted.ispec_match_state, posted.payment_state), ("matched", "not_paid"))
        self.assertEqual(posted.invoice_line_ids.ispec_qty_billed, 10, "the draft's 4 do not count for it")
        draft_line = draft.invoice_line_ids
        self.assertEqual((draft.ispec_match_state, draft_line.ispec_match_reasons, draft_line.ispec_qty_billed),
                         ("exception", "over_ordered,over_received", 14), "the draft is checked with itself counted")
        draft.action_post()
        self.assertEqual((posted.ispec_match_state, posted.payment_state), ("exception", "blocked"),
                         "posted, the second bill bills 14 of 10 received together with the first")
        draft.button_draft()
        self.assertEqual((posted.ispec_match_state, posted.payment_state), ("matched", "not_paid"),
                         "back to draft, it no longer weighs on the first")
        draft.button_cancel()
        self.assertEqual(posted.invoice_line_ids.ispec_qty_billed, 10)

    # --- #9.12: a vendor credit note is never held ---------------------------------------------------

    def _held_payments(self, moves):
        action = self.env.ref("invoicing_specialist.account_move_held_action")
        arch = etree.fromstring(self.env.ref("invoicing_specialist.view_account_invoice_filter").arch)
        held_filter = safe_eval(arch.xpath("//filter[@name='ispec_held']")[0].get("domain"))
        return self.env["account.move"].search([("id", "in", moves.ids), *safe_eval(action.domain), *held_filter])

    def test_vendor_refund_is_never_held(self):
        no_po_refund = self.env["account.move"].create({
            "move_type": "in_refund", "partner_id": self.vendor.id, "invoice_date": "2026-01-20",
            "invoice_line_ids": [Command.create({"product_id": self.goods.id, "quantity": 1, "price_unit": 30.0,
                                                 "tax_ids": [Command.clear()]})],
        })
        no_po_refund.action_post()
        self.assertEqual((no_po_refund.payment_state, no_po_refund.ispec_hold_reason), ("not_paid", False))
        self.assertNotEqual(no_po_refund.ispec_match_state, "exception", "a credit note without PO is not checked")
        po = self._po()
        self._receive(po, 5)
        bill = self._bill(po, 10)
        self.company.ispec_match_mode = "refuse"  # nor is a credit note refused
        refund = self._bill(po, 2, move_type="in_refund")
        self.assertEqual((refund.state, refund.invoice_line_ids.ispec_match_reasons), ("posted", "over_received"),
                         "the PO line is still over-billed (8 of 5): the credit note says so")
        self.assertEqual((refund.payment_state, refund.ispec_block_by_addon), ("not_paid", False))
        self.assertEqual(self._held_payments(bill + refund + no_po_refund), bill)

    # --- #9.11: the daily recheck is not a person's edit -----------------------------------------------

    def test_daily_recheck_does_not_mark_bills_manually_modified(self):
        po = self._po()
        self._receive(po, 10)
        bills = self._bill(po, 4) + self._bill(po, 3, post=False)
        self.assertEqual(bills.mapped("is_manually_modified"), [False, False])
        with patch.object(self.env.registry["ir.cron"], "_commit_progress", lambda cron, processed=0, **kw: 60.0):
            self.env["ispec.match"]._cron_recheck_open_bills()
        self.assertTrue(all(bills.mapped("ispec_match_checked_at")))
        self.assertEqual(bills.mapped("is_manually_modified"), [False, False])

    # --- #9.10: both duplicates at once; a reference change rechecks -----------------------------------

    def test_both_duplicates_flagged_at_once_and_a_reference_change_rechecks(self):
        self.vendor.ispec_match_allow_no_po = True  # so only the duplicate rule speaks

        def bill(ref, amount=100.0):
            return self.env["account.move"].create({
                "move_type": "in_invoice", "partner_id": self.vendor.id, "invoice_date": "2026-02-10", "ref": ref,
                "invoice_line_ids": [Command.create({"product_id": self.goods.id, "quantity": 1,
                                                     "price_unit": amount, "tax_ids": [Command.clear()]})],
            })

        first = bill("INV-7")
        self.assertEqual((first.ispec_match_state, first.ispec_duplicate_of), ("not_applicable", False))
        second = bill("inv 7", 250.0)
        self.assertEqual((second.ispec_match_state, second.ispec_duplicate_of), ("exception", first.display_name))
        self.assertEqual((first.ispec_match_state, first.ispec_duplicate_of), ("exception", second.display_name),
                         "the earlier bill is flagged at once, not at its next check")
        self.assertEqual(first.ispec_match_reason_ids.mapped("code"), ["duplicate"])
        second.ref = "INV-8"  # the typo is corrected: both flags go
        self.assertEqual((first.ispec_match_state, first.ispec_duplicate_of), ("not_applicable", False))
        self.assertEqual((second.ispec_match_state, second.ispec_duplicate_of), ("not_applicable", False))
        third = bill("INV-9")
        third.ref = "INV 7"  # a reference changed into a duplicate's
        self.assertEqual((first.ispec_duplicate_of, third.ispec_duplicate_of), (third.display_name, first.display_name))
        first.action_post()  # the flag on the other bill follows the posted bill's new name
        self.assertEqual(third.ispec_duplicate_of, first.display_name)
        self.assertTrue(first.name.startswith("BILL"), first.name)
        third.unlink()
        self.assertEqual((first.ispec_match_state, first.ispec_duplicate_of), ("not_applicable", False))

    # --- #10.8: one clock for the daily recheck -------------------------------------------------------

    def _open_bills(self, count):
        po = self._po(qty=100.0)
        return self.env["account.move"].create([{
            "move_type": "in_invoice", "partner_id": self.vendor.id, "invoice_date": "2026-01-15", "ref": f"T-{i}",
            "invoice_line_ids": [Command.create({"product_id": self.goods.id, "quantity": 1, "price_unit": 10.0,
                                                 "purchase_line_id": po.order_line.id, "tax_ids": [Command.clear()]})],
        } for i in range(count)])

    def _set_checked_at(self, bills, moment):
        self.env.flush_all()
        self.env.cr.execute(SQL("UPDATE account_move SET ispec_match_checked_at = %s WHERE id = ANY(%s)",
                                moment, bills.ids))
        bills.invalidate_recordset(["ispec_match_checked_at"])

    def _spy_checks(self):
        """Patch the check to record the bill ids of each call; returns the list of calls."""
        calls = []
        original = self.env.registry["ispec.match"]._check_bills

        def spy(match, moves):
            calls.append(set(moves.ids))
            return original(match, moves)

        self.startPatcher(patch.object(self.env.registry["ispec.match"], "_check_bills", spy))
        return calls

    def test_recheck_takes_the_right_bills_in_any_timezone(self):
        recent, old, never = self._open_bills(3)
        calls = self._spy_checks()
        no_budget_limit = patch.object(self.env.registry["ir.cron"], "_commit_progress",
                                       lambda cron, processed=0, **kw: 60.0)
        # Auckland is 13 hours ahead of UTC on 10 March (local date 11 March), Los Angeles 7 hours behind
        # (local date 9 March): "today" read in either would take the wrong bills.
        for tz, now in (("Pacific/Auckland", datetime(2026, 3, 10, 12, 0)),
                        ("America/Los_Angeles", datetime(2026, 3, 10, 3, 0))):
            with self.subTest(tz=tz), freeze_time(now), no_budget_limit:
                self.env.user.tz = tz
                Match = self.env["ispec.match"].with_context(tz=tz)  # a fresh environment: its tz is read once
                self._set_checked_at(recent, now - timedelta(hours=1))
                self._set_checked_at(old, now - timedelta(hours=25))
                self._set_checked_at(never, None)
                calls.clear()
                Match._cron_recheck_open_bills()
                checked = set().union(*calls) & set((recent | old | never).ids)
                self.assertEqual(checked, {old.id, never.id}, "due: checked 25 hours ago or never, not an hour ago")
                self.assertEqual(recent.ispec_match_checked_at, now - timedelta(hours=1))
                self.assertEqual((old.ispec_match_checked_at, never.ispec_match_checked_at), (now, now))
                calls.clear()
                Match._cron_recheck_open_bills()
                self.assertFalse(set().union(*calls) & set((recent | old | never).ids),
                                 "a second call the same day checks nothing again")

    # --- #10 Everywhere: the recheck killed between two batches -----------------------------------------

    def test_recheck_queries_per_batch_do_not_grow(self):
        """A batch of the daily recheck costs the same queries for 3 posted bills with taxes as for 12: the check
        is set-based and the moment of the check is written in one statement, not through account.move's
        write (whose line synchronisation read each line's taxes one query at a time)."""
        Match = self.env["ispec.match"]
        bills = self._open_bills(15)
        bills.invoice_line_ids.tax_ids = self.company_data["default_tax_purchase"]
        bills.action_post()
        others = self.env["account.move"].search([("id", "not in", bills.ids), ("move_type", "=", "in_invoice")])
        self._set_checked_at(others, datetime.now())
        counts = {}
        for batch in (bills[:3], bills[3:]):
            self._set_checked_at(bills - batch, datetime.now())
            self._set_checked_at(batch, None)
            self.env.invalidate_all()  # as in a cron's fresh worker: nothing in the cache
            with cron_commits(self.env) as run:
                before = self.env.cr.sql_log_count
                Match._cron_recheck_open_bills(batch_size=len(batch))
                counts[len(batch)] = self.env.cr.sql_log_count - before
            self.assertEqual(run.commits, [len(batch)], "one batch")
            self.assertTrue(all(batch.mapped("ispec_match_checked_at")))
        self.assertLessEqual(counts[12], counts[3], counts)  # the first batch also fills caches

    def test_recheck_killed_between_batches_resumes_exactly_once(self):
        bills = self._open_bills(30)
        others = self.env["account.move"].search([("id", "not in", bills.ids), ("move_type", "=", "in_invoice")])
        self._set_checked_at(others, datetime.now())  # only this test's bills are due
        calls = self._spy_checks()
        Match = self.env["ispec.match"]
        with cron_commits(self.env, kill_at=2) as killed_run:  # dies after the second batch's work
            Match._cron_recheck_open_bills(batch_size=10)
        self.assertTrue(killed_run.killed, "the worker was killed")
        first_run = [ids & set(bills.ids) for ids in calls]
        self.assertEqual([len(ids) for ids in first_run], [10, 10], "killed during the second batch")
        done = bills.filtered("ispec_match_checked_at")
        self.assertEqual(set(done.ids), first_run[0], "only the committed batch is done")
        stamps = {bill.id: bill.ispec_match_checked_at for bill in done}
        calls.clear()
        with cron_commits(self.env) as rerun:
            Match._cron_recheck_open_bills(batch_size=10)
        progress = rerun.commits
        second_run = [ids & set(bills.ids) for ids in calls]
        self.assertEqual(progress, [10, 10], "the rerun took the two batches left")
        self.assertEqual(set().union(*second_run), set(bills.ids) - first_run[0], "nothing skipped")
        self.assertFalse(set().union(*second_run) & first_run[0], "nothing done twice")
        self.assertTrue(all(bills.mapped("ispec_match_checked_at")), "every bill checked")
        self.assertEqual({bill.id: bill.ispec_match_checked_at for bill in done}, stamps,
                         "the first batch was not checked again")
        self.assertEqual(set(bills.invoice_line_ids.mapped("ispec_match_state")), {"waiting"})

    # --- #9.5: amount tolerances are in the company's currency --------------------------------------

    def _bill_in(self, currency, po, qty, price, date="2026-01-15"):
        bill = self.env["account.move"].create({
            "move_type": "in_invoice", "partner_id": po.partner_id.id, "invoice_date": date,
            "currency_id": currency.id,
            "invoice_line_ids": [Command.create({
                "product_id": po.order_line.product_id.id, "quantity": qty, "price_unit": price,
                "purchase_line_id": po.order_line.id, "tax_ids": [Command.clear()]})],
        })
        bill.action_post()
        return bill

    def test_amount_tolerances_are_company_currency_converted_at_the_bill_date(self):
        self.assertEqual(self.company.currency_id.name, "USD")
        jpy = self.setup_other_currency("JPY", rounding=1.0, rates=[("2025-01-01", 100.0), ("2026-01-01", 150.0)])
        Tolerance = self.env["ispec.match.tolerance"]
        Tolerance.search([("company_id", "=", self.company.id), ("dimension", "=", "price_above")]).absolute = 1.0
        Tolerance.create({"company_id": self.company.id, "dimension": "total", "absolute": 2.0})
        po = self._po(qty=10.0, price=10.0)  # USD 10.00 = JPY 1,500 on 15 January 2026
        self._receive(po, 10)
        within = self._bill_in(jpy, po, 1, 1600.0)  # JPY 100 above = USD 0.67
        line = within.invoice_line_ids
        self.assertEqual((line.ispec_po_price, line.ispec_bill_price), (1500.0, 1600.0))
        self.assertEqual((within.ispec_match_state, line.ispec_match_state), ("matched", "within_tolerance"),
                         "USD 1.00 above is JPY 150 at the bill date, not JPY 1")
        beyond = self._bill_in(jpy, po, 1, 1700.0)  # JPY 200 above = USD 1.33
        self.assertEqual(beyond.invoice_line_ids.ispec_match_reasons, "price_above")
        earlier = self._bill_in(jpy, po, 1, 1120.0, date="2025-06-01")  # USD 10.00 = JPY 1,000 then: 120 above
        self.assertEqual(earlier.invoice_line_ids.ispec_match_reasons, "price_above",
                         "at that date's rate USD 1.00 is JPY 100")
        # The bill total: USD 2.00 is JPY 300. Two units JPY 200 above: within; four, JPY 400 above: beyond.
        within.button_draft()
        within.invoice_line_ids.quantity = 2
        within.action_post()
        self.assertEqual(within.ispec_match_state, "matched")
        within.button_draft()
        within.invoice_line_ids.quantity = 4
        within.action_post()
        self.assertEqual((within.ispec_match_state, within.invoice_line_ids.ispec_match_reasons),
                         ("exception", "amount"))

    # --- #9.4: unit prices at the "Product Price" precision -------------------------------------------

    def test_unit_prices_keep_the_product_price_precision(self):
        self.env.ref("product.decimal_price").digits = 4
        po = self._po(qty=1000.0, price=0.1234)  # screws, priced per piece
        self._receive(po, 1000)
        bill = self._bill(po, 500, price=0.1250)
        line = bill.invoice_line_ids
        self.assertEqual((line.ispec_po_price, line.ispec_bill_price), (0.1234, 0.125),
                         "kept at four decimals, not rounded to the cent")
        self.assertEqual((bill.ispec_match_state, line.ispec_match_reasons), ("exception", "price_above"),
                         "0.0016 above an exact PO price is above it")
        same = self._bill(po, 400, price=0.12344)
        self.assertEqual(same.invoice_line_ids.ispec_match_state, "matched", "0.00004 is below the precision")
        override = self.env["ispec.match.override"]._override_lines(line, "New price list")
        self.assertEqual((override.po_price, override.bill_price), (0.1234, 0.125))

    # --- #9.21: what a manager edits survives an update; one limit per dimension in the database -----

    def test_reworded_reasons_and_the_cron_survive_a_module_update(self):
        reason = self.env.ref("invoicing_specialist.match_reason_price_above")
        reason.write({"name": "Dearer than ordered", "description": "Call the buyer."})
        cron = self.env.ref("invoicing_specialist.ir_cron_match_recheck")
        cron.write({"interval_number": 2, "active": False})
        for path in ("data/match_reason_data.xml", "data/match_cron.xml"):
            convert_file(self.env, "invoicing_specialist", path, {}, mode="update")
        self.env.invalidate_all()
        self.assertEqual((reason.name, reason.description), ("Dearer than ordered", "Call the buyer."))
        self.assertEqual((cron.interval_number, cron.active), (2, False))

    def test_one_tolerance_per_dimension_also_in_the_database(self):
        company_wide = self.env["ispec.match.tolerance"].search([
            ("company_id", "=", self.company.id), ("partner_id", "=", False), ("dimension", "=", "qty")])
        self.assertEqual(len(company_wide), 1)
        self.env["ispec.match.tolerance"].create(
            {"company_id": self.company.id, "partner_id": self.vendor.id, "dimension": "qty", "absolute": 2.0})
        self.env.flush_all()
        # Two saves racing past the Python check: the database refuses the second row, with or without a vendor.
        for partner_id in (None, self.vendor.id):
            with self.subTest(partner_id=partner_id), mute_logger("odoo.sql_db"), \
                    self.assertRaises(psycopg2.errors.UniqueViolation):
                self.env.cr.execute(SQL(
                    "INSERT INTO ispec_match_tolerance (company_id, partner_id, dimension, percent, absolute) "
                    "VALUES (%s, %s, 'qty', 0, 1.0)", self.company.id, partner_id))

    # --- #9.24: the banner names only buttons that are there; the PO reference opens the PO ----------

    def _bill_form_arch(self, user):
        views = self.env["account.move"].with_user(user).get_views([(False, "form")])
        return etree.fromstring(views["views"]["form"]["arch"])

    def test_the_banner_and_the_po_reference_for_accountants_and_buyers(self):
        po = self._po()
        self._receive(po, 5)
        bill = self._bill(po, 10)
        accountant = new_test_user(self.env, "match_accountant", groups="account.group_account_invoice")
        buyer = new_test_user(self.env, "match_buyer_acc",
                              groups="account.group_account_invoice,purchase.group_purchase_user")
        for user, has_purchases in ((accountant, False), (buyer, True)):
            with self.subTest(user=user.login):
                arch = self._bill_form_arch(user)
                banner = arch.xpath("//div[@name='ispec_match_where_to_look']")[0]
                named = set(banner.xpath(".//em/text()"))
                buttons = {"Purchases": "action_view_source_purchase_orders", "Receipts": "action_ispec_view_receipts"}
                for label, method in buttons.items():
                    there = bool(arch.xpath(f"//div[@name='button_box']/button[@name='{method}']"))
                    self.assertEqual(label in named, there, f"the banner names {label} only when its button is there")
                self.assertEqual("Purchases" in named, has_purchases)
                see_overrides = arch.xpath("//span[@name='ispec_see_overrides']")[0]
                self.assertEqual((see_overrides.xpath("em/text()"), see_overrides.get("invisible")),
                                 (["Overrides"], "ispec_match_override_count == 0"),
                                 "the Overrides button is named only when it shows (it hides at 0)")
                self.assertEqual(arch.xpath("//button[@name='action_ispec_view_match_overrides']")[0].get("invisible"),
                                 "ispec_match_override_count == 0")
                table = arch.xpath("//field[@name='ispec_match_line_ids']/list")[0]
                self.assertIn(table.get("no_open"), ("1", "True"), "a click on a row does not open a journal item")
                po_column = table.xpath("field[@name='purchase_order_id']")[0]
                self.assertEqual(po_column.get("widget"), "many2one", "the PO reference is a link")
                # What the link does: Odoo's many2one asks the PO for its form action, with the column's context.
                context = safe_eval(po_column.get("context"))
                action = po.with_user(user).with_context(**context).get_formview_action()
                self.assertEqual((action["res_model"], action["res_id"]), ("purchase.order", po.id))
                view_id = action["views"][0][0]
                form = etree.fromstring(po.with_user(user).get_views([(view_id, "form")])["views"]["form"]["arch"])
                read_only = form.get("edit") in ("0", "False", "false")
                self.assertEqual(read_only, not has_purchases, "read-only for a user without purchase rights")
                if read_only:
                    self.assertFalse(form.xpath("//header//button"), "no buyer's buttons")
                    self.assertEqual(po.with_user(user).name, po.name, "and the accountant can read it")
        self.assertEqual(bill.ispec_match_line_ids.purchase_order_id, po)

    # --- #9.16: every public action returns something an XML-RPC client can read ---------------------

    def test_every_match_action_returns_a_value(self):
        modules = (match, match_account_move, match_override, match_reason, purchase_order, purchase_order_line,
                   stock_move, match_override_wizard)
        defined = {name for module in modules
                   for _name, cls in inspect.getmembers(module, inspect.isclass) if cls.__module__ == module.__name__
                   for name in vars(cls) if name.startswith("action_")}
        po = self._po()
        self._receive(po, 5)
        bill = self._bill(po, 10)
        results = {
            "action_ispec_match_recheck": bill.action_ispec_match_recheck(),
            "action_ispec_view_receipts": bill.action_ispec_view_receipts(),
            "action_ispec_view_match_overrides": bill.action_ispec_view_match_overrides(),
            "action_ispec_match_override": bill.action_ispec_match_override(),
        }
        wizard_action = results["action_ispec_match_override"]
        wizard = self.env[wizard_action["res_model"]].with_context(**wizard_action["context"]).create(
            {"note": "Short shipment accepted"})
        results["action_confirm"] = wizard.action_confirm()
        self.assertEqual(set(results), defined, "every action of bill matching is called here")
        for name, result in results.items():
            with self.subTest(action=name):
                self.assertIsNotNone(result)
                xmlrpc.client.dumps((result,))  # what the XML-RPC server does with it: no "cannot marshal None"
        self.assertEqual(bill.ispec_match_state, "overridden")

    # --- #9 also: a PO line change, a partly paid bill, auto-posted bills ------------------------------

    def test_a_buyer_changing_the_po_line_rechecks_its_bills(self):
        po = self._po(product=self.service, qty=10.0, price=50.0)
        bill = self._bill_from_po(po, 12, price=55.0)
        self.assertEqual(set(bill.ispec_match_reason_ids.mapped("code")), {"over_ordered", "price_above"})
        self.assertEqual(bill.payment_state, "blocked")
        buyer = new_test_user(self.env, "match_po_buyer", groups="purchase.group_purchase_user")
        self.assertFalse(buyer.has_group("account.group_account_invoice"))
        # The new price agreed with the vendor: the PO form locks the price once billed, an import or API does not.
        po.order_line.with_user(buyer).write({"price_unit": 55.0})
        self.assertEqual(bill.ispec_match_reason_ids.mapped("code"), ["over_ordered"])
        self.assertEqual(bill.invoice_line_ids.ispec_po_price, 55.0)
        with Form(po.with_user(buyer)) as form, form.order_line.edit(0) as line:
            line.product_qty = 12.0  # and the two extra hours
        self.assertEqual((bill.ispec_match_state, bill.payment_state), ("matched", "not_paid"))

    def _pay(self, bills, amount=None):
        wizard = self.env["account.payment.register"].with_context(active_model="account.move", active_ids=bills.ids)
        return wizard.create({"amount": amount} if amount else {}).action_create_payments()

    def test_a_partly_paid_bill_held_and_released(self):
        po = self._po()
        self._receive(po, 10)
        bill = self._bill_from_po(po)  # 10 x 10.00
        self.assertEqual((bill.ispec_match_state, bill.amount_total), ("matched", 100.0))
        self._pay(bill, 40.0)
        self.assertEqual((bill.payment_state, bill.amount_residual), ("partial", 60.0))
        second = self._bill(po, 3)  # together 13 billed of 10 received
        self.assertEqual((bill.ispec_match_state, bill.payment_state, bill.ispec_block_by_addon),
                         ("exception", "blocked", True), "the partly paid bill is held")
        self.assertEqual(bill.amount_residual, 60.0, "what was paid stays paid")
        with self.assertRaisesRegex(UserError, "Billed more than received"):
            self._pay(bill)
        second.button_draft()  # the second bill was a mistake
        self.assertEqual((bill.ispec_match_state, bill.payment_state, bill.ispec_block_by_addon),
                         ("matched", "partial", False), "released to what it was: partly paid")
        self.assertEqual(bill.amount_residual, 60.0)
        self._pay(bill)
        self.assertIn(bill.payment_state, ("paid", "in_payment"))
        self.assertEqual(bill.amount_residual, 0.0)

    def test_auto_posted_bills_in_refuse_mode(self):
        self.company.ispec_match_mode = "refuse"
        matching_po, short_po = self._po(), self._po()
        self._receive(matching_po, 10)
        self._receive(short_po, 5)
        good = self._bill_from_po(matching_po, post=False)
        bad = self._bill_from_po(short_po, 10, post=False)
        (good + bad).auto_post = "at_date"
        self.assertTrue(all(bill.date <= datetime.now().date() for bill in good + bad))
        with self.enter_registry_test_mode():
            self.env.ref("account.ir_cron_auto_post_draft_entry").method_direct_trigger()
        self.env.invalidate_all()
        self.assertEqual((good.state, good.ispec_match_state), ("posted", "matched"))
        self.assertEqual((bad.state, bad.ispec_match_state), ("draft", "exception"), "refused, left in draft")
        refusal = bad.message_ids.filtered(lambda message: "could not be posted" in (message.body or ""))
        self.assertTrue(refusal, "the chatter says why it was not posted")
        self.assertTrue(all("Billed more than received" in body for body in refusal.mapped("body")))

    # --- #9.31: percent and amount side by side; 2 % on its own gives 2 % ----------------------------

    def test_two_percent_on_its_own_gives_two_percent(self):
        Tolerance = self.env["ispec.match.tolerance"]
        rule = Tolerance.search([("company_id", "=", self.company.id), ("partner_id", "=", False),
                                 ("dimension", "=", "price_above")])
        self.assertEqual((rule.percent, rule.absolute, rule.summary), (0.0, 0.0, "Exact"), "every company starts exact")
        po = self._po(qty=100.0, price=100.0)
        self._receive(po, 100)
        self.assertEqual(self._bill_from_po(po, 1, price=101.0).ispec_match_state, "exception")
        rule.percent = 2.0  # the manager sets 2 % above, and leaves the amount at 0
        self.assertEqual(rule.summary, "Up to 2 %")
        one_pct, two_pct, beyond = (self._bill_from_po(po, 1, price=price) for price in (101.0, 102.0, 102.5))
        self.assertEqual((one_pct.ispec_match_state, two_pct.ispec_match_state), ("matched", "matched"),
                         "2 % means 2 %: the exact amount limit no longer overrules it")
        self.assertEqual(beyond.invoice_line_ids.ispec_match_reasons, "price_above")
        self.assertEqual(self._bill_from_po(po, 1, price=99.0).invoice_line_ids.ispec_match_reasons, "price_below",
                         "below the PO stays exact")
        # A vendor's row replaces the company's for its dimension, percent and amount together.
        vendor_rule = Tolerance.create({"company_id": self.company.id, "partner_id": self.vendor.id,
                                        "dimension": "price_above", "percent": 1.0, "absolute": 5.0})
        self.assertEqual(vendor_rule.summary, "Up to 1 % or $\xa05.00, whichever is more")
        beyond.action_ispec_match_recheck()
        self.assertEqual(beyond.ispec_match_state, "matched", "5.00 is more than 1 %: 102.50 passes")
        self.assertEqual(self._bill_from_po(po, 1, price=105.5).invoice_line_ids.ispec_match_reasons, "price_above")
        with self.assertRaisesRegex(ValidationError, "cannot be negative"):
            vendor_rule.percent = -1.0

    def test_tolerances_stored_the_old_way_are_converted(self):
        """Rows of the former form (one per 'price_above_pct', 'price_above_abs', ... with a value) become
        one row per dimension: by the update of an existing database (init) and from old callers (create)."""
        Tolerance = self.env["ispec.match.tolerance"]
        vendor = self.env["res.partner"].create({"name": "Old Style Vendor"})
        self.env.flush_all()
        table = SQL.identifier(Tolerance._table)
        self.env.cr.execute(SQL("ALTER TABLE %s ADD COLUMN IF NOT EXISTS value float8", table))
        self.env.cr.execute(SQL(
            "INSERT INTO %s (company_id, partner_id, dimension, value) VALUES (%s, %s, 'price_above_abs', 0.0), "
            "(%s, %s, 'price_above_pct', 2.0), (%s, %s, 'qty_abs', 1.0)",
            table, *(self.company.id, vendor.id) * 3))
        Tolerance.init()
        Tolerance.invalidate_model()
        rows = Tolerance.search([("partner_id", "=", vendor.id)])
        self.assertEqual(sorted((r.dimension, r.percent, r.absolute) for r in rows),
                         [("price_above", 2.0, 0.0), ("qty", 0.0, 1.0)])
        other = self.env["res.partner"].create({"name": "Old Caller Vendor"})
        Tolerance.create([
            {"company_id": self.company.id, "partner_id": other.id, "dimension": "price_below_abs", "value": 1.0},
            {"company_id": self.company.id, "partner_id": other.id, "dimension": "price_below_pct", "value": 3.0}])
        self.assertEqual([(r.dimension, r.percent, r.absolute) for r in Tolerance.search(
            [("partner_id", "=", other.id)])], [("price_below", 3.0, 1.0)])
