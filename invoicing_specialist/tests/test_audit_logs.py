import csv
import io
import json
import zipfile
from datetime import date, datetime, timedelta

import openpyxl

from odoo import Command, fields
from odoo.tests import new_test_user, tagged

from ..kernels import match as match_kernel
from ..models.audit_dataset import DATASETS, INVOICE_TYPES
from .match_common import MatchCase

LOG_KEYS = ("receivable_aging", "match_log", "dispute_log", "change_log")
ONLY_LOGS = {"dataset_invoice_register": False, "dataset_credit_note_register": False,
             "dataset_sequence_check": False, "dataset_receivable_aging": True, "dataset_match_log": True,
             "dataset_dispute_log": True, "dataset_change_log": True}
TODAY = fields.Date.today()
# The period ends today: disputes, overrides and tracked changes made while the test runs fall in it.
PERIOD = (TODAY - timedelta(days=60), TODAY)


@tagged("post_install", "-at_install")
class TestAuditLogs(MatchCase):
    """The aging, match, dispute and change logs of audit exports, against the statements and the ORM."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company = cls.company
        cls.auditor = new_test_user(cls.env, "log_auditor", groups="invoicing_specialist.group_auditor",
                                    company_id=company.id, company_ids=[Command.set(company.ids)])
        cls.eur = cls.setup_other_currency("EUR", rates=[((TODAY - timedelta(days=400)).isoformat(), 2.0)])
        Partner = cls.env["res.partner"]
        cls.customer = Partner.create({"name": "Aging Customer", "ref": "C-001", "vat": "BE0477472701"})
        cls.customer_eur = Partner.create({"name": "Euro Customer"})
        cls.customer_paid = Partner.create({"name": "Paid Customer"})
        cls.reason = cls.env.ref("invoicing_specialist.dispute_reason_price")

        # Open items as of today, each in its bucket: 1000 due 45 days ago paid 300 (31-60), 500 due in 20 days
        # (current), 250 due 130 days ago (over 120), EUR 400 at 2.0 due 70 days ago (61-90); a paid invoice.
        cls.inv1 = cls._invoice(cls.customer, 1000.0, TODAY - timedelta(days=45))
        cls._pay(cls.inv1, 300.0, TODAY - timedelta(days=20))
        cls.inv2 = cls._invoice(cls.customer, 500.0, TODAY - timedelta(days=10), due=TODAY + timedelta(days=20))
        cls.inv3 = cls._invoice(cls.customer, 250.0, TODAY - timedelta(days=130))
        cls.inv4 = cls._invoice(cls.customer_eur, 400.0, TODAY - timedelta(days=70), currency=cls.eur)
        cls.inv5 = cls._invoice(cls.customer_paid, 150.0, TODAY - timedelta(days=30))
        cls._pay(cls.inv5, 150.0, TODAY - timedelta(days=5))

        # Disputes through their workflow: open, accepted with a credit note, rejected; a draft never opened
        # and a case closed before the period are not in the log.
        cls.open_case = cls._dispute(cls.inv1, 200.0)
        cls.open_case.action_open()
        cls.accepted_case = cls._dispute(cls.inv2, 100.0)
        cls.accepted_case.action_open()
        cls.accepted_case.action_review()
        cls.accepted_case.root_cause = "Price list not updated"
        cls.accepted_case.action_accept()
        cls.rejected_case = cls._dispute(cls.inv3, 50.0)
        cls.rejected_case.action_open()
        cls.rejected_case.rejection_reason = "The price is the one in the signed quotation."
        cls.rejected_case.action_reject()
        cls.draft_case = cls._dispute(cls.inv4, 40.0)
        cls.old_case = cls._dispute(cls.inv4, 30.0)
        cls.old_case.action_open()
        cls.old_case.action_cancel()
        cls.old_case.write({"date_opened": PERIOD[0] - timedelta(days=30),
                            "date_closed": PERIOD[0] - timedelta(days=1)})

        # Tracked changes, as a person makes them (tracking on, committed): inv1's reference, and the due date of
        # inv2's receivable item (a journal item of a posted invoice: tracked on the invoice).
        cls.env.flush_all()
        cls.env.cr.precommit.run()
        tracked = {"tracking_disable": False, "mail_notrack": False}
        cls.inv1.with_context(**tracked).ref = "PO-4711"
        cls.receivable2 = cls.inv2.line_ids.filtered(lambda line: line.account_type == "asset_receivable")
        cls.receivable2.with_context(**tracked).date_maturity = TODAY + timedelta(days=25)
        cls.env.flush_all()
        cls.env.cr.precommit.run()

    @classmethod
    def _invoice(cls, partner, price, invoice_date, currency=None, due=None):
        move = cls.env["account.move"].create({
            "move_type": "out_invoice", "partner_id": partner.id, "invoice_date": invoice_date,
            "invoice_date_due": due or invoice_date, "currency_id": (currency or cls.company.currency_id).id,
            "invoice_line_ids": [Command.create({"product_id": cls.product_a.id, "quantity": 1, "price_unit": price,
                                                 "tax_ids": [Command.clear()]})],
        })
        move.action_post()
        return move

    @classmethod
    def _pay(cls, invoice, amount, date):
        cls.env["account.payment.register"].with_context(active_model="account.move", active_ids=invoice.ids).create(
            {"amount": amount, "payment_date": date}).action_create_payments()

    @classmethod
    def _dispute(cls, move, amount):
        return cls.env["ispec.dispute"].create({"move_id": move.id, "reason_id": cls.reason.id,
                                                "amount_original": amount})

    # ------------------------------------------------------------------------------------------------
    def _export(self, user=None, period=PERIOD, **values):
        export = self.env["ispec.audit.export"].with_user(user or self.auditor).create({
            "date_from": period[0], "date_to": period[1], **ONLY_LOGS, **values})
        return export

    def _generate(self, export, **kwargs):
        self.assertTrue(export._generate(**kwargs) if kwargs else export.action_generate(), export.message)
        package = zipfile.ZipFile(io.BytesIO(export.attachment_id.raw))
        return package, json.loads(package.read("manifest.json"))

    @staticmethod
    def _entry(manifest, key):
        return next(entry for entry in manifest["datasets"] if entry["key"] == key)

    def _rows(self, package, key, header=True):
        """The dataset's CSV read back, one dict per row; ``header``: check it is the dataset's columns."""
        text = package.read(f"{key}.csv").decode("utf-8")
        rows = list(csv.reader(io.StringIO(text, newline="")))
        if header:
            self.assertEqual(rows[0], [col.name for col in DATASETS[key].columns], key)
        return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]

    @staticmethod
    def _money(value):
        return f"{value:.2f}"

    # ------------------------------------------------------------------------------------------------
    def test_receivable_aging_equals_the_statements(self):
        package, manifest = self._generate(self._export())
        rows = self._rows(package, "receivable_aging")
        customers = (self.customer | self.customer_eur | self.customer_paid).ids
        statements = self.env["ispec.statement"]._get_statement_data(customers, PERIOD[1], company=self.company)
        by_key = {(row["customer"], row["currency"]): row for row in rows}
        expected_keys = {(data["partner"].name, section["currency"].name)
                         for data in statements.values() for section in data["sections"] if section["lines"]}
        self.assertEqual(set(by_key), expected_keys)
        self.assertEqual(set(by_key), {("Aging Customer", "USD"), ("Euro Customer", "EUR")}, "the paid one has none")

        # Each row is its statement's section, in company currency, disputed apart.
        for data in statements.values():
            for section in data["sections"]:
                row = by_key[data["partner"].name, section["currency"].name]
                disputed = sum(line["disputed_company"] for line in section["lines"])
                self.assertEqual(row["open_items"], str(len(section["lines"])))
                self.assertEqual(row["open_amount"], self._money(section["open_total"]))
                self.assertEqual(row["open_amount_company"], self._money(section["open_total_company"]))
                self.assertEqual(row["disputed_company"], self._money(disputed))
                self.assertEqual(row["undisputed_company"], self._money(section["amount_due_company"]))
        usd = by_key["Aging Customer", "USD"]
        statement_usd = statements[self.customer.id]["sections"][0]
        self.assertEqual([usd[name] for name in ("current", "overdue_1_30", "overdue_31_60", "overdue_61_90",
                                                 "overdue_91_120", "overdue_over_120")],
                         [self._money(amount) for amount in statement_usd["buckets"]])
        # The same figures a person adds up: 700 left of 1000 (31-60), 400 after the 100 credited (current),
        # 250 (over 120); 200 of it in dispute (the open case; the rejected one is closed).
        self.assertEqual((usd["customer_ref"], usd["customer_vat"]), ("C-001", "BE0477472701"))
        self.assertEqual([usd[name] for name in ("open_amount_company", "disputed_company", "undisputed_company",
                                                 "current", "overdue_31_60", "overdue_over_120")],
                         ["1350.00", "200.00", "1150.00", "400.00", "700.00", "250.00"])
        eur = by_key["Euro Customer", "EUR"]
        self.assertEqual(
            (eur["open_amount"], eur["open_amount_company"], eur["overdue_61_90"], eur["disputed_company"]),
            ("400.00", "200.00", "200.00", "0.00"))

        totals = self._entry(manifest, "receivable_aging")["control_totals"]
        self.assertEqual(self._entry(manifest, "receivable_aging")["rows"], 2)
        self.assertAlmostEqual(totals["open_amount_company"], 1550.0, places=2)
        self.assertAlmostEqual(totals["disputed_company"], 200.0, places=2)
        self.assertAlmostEqual(totals["undisputed_company"], 1350.0, places=2)
        self.assertEqual(totals["open_items"], 4)
        self.assertNotIn("open_amount", totals, "amounts in several currencies are not added up")
        # A receivable ledger as of the date says the same: the receivable balance of these customers.
        ledger = sum(self.env["account.move.line"].search([
            ("company_id", "=", self.company.id), ("parent_state", "=", "posted"),
            ("account_type", "=", "asset_receivable"), ("partner_id", "in", customers),
            ("date", "<=", PERIOD[1])]).mapped("amount_residual"))
        self.assertAlmostEqual(totals["open_amount_company"], ledger, places=2)

    def test_receivable_aging_as_of_an_earlier_date(self):
        """As of 15 days ago: the payment of 20 days ago counts; the invoice of 10 days ago, today's credit
        note and today's cases are not there yet; the payment of 5 days ago is not either."""
        as_of = TODAY - timedelta(days=15)
        package, _manifest = self._generate(self._export(period=(PERIOD[0], as_of)))
        rows = {row["customer"]: row for row in self._rows(package, "receivable_aging")
                if row["currency"] == "USD"}
        statement = self.env["ispec.statement"]._get_statement_data(self.customer.ids, as_of, company=self.company)
        section = statement[self.customer.id]["sections"][0]
        self.assertEqual(rows["Aging Customer"]["open_amount_company"], self._money(section["open_total_company"]))
        self.assertEqual((rows["Aging Customer"]["open_amount_company"], rows["Aging Customer"]["disputed_company"]),
                         ("950.00", "0.00"))
        self.assertEqual(rows["Paid Customer"]["open_amount_company"], "150.00", "paid only 5 days ago")

    def test_dispute_log(self):
        # A vendor bill disputed on our side, opened in the period: in the log with the customers' cases.
        supplier = self.env["res.partner"].create({"name": "Disputed Supplier", "ispec_match_allow_no_po": True})
        bill = self.env["account.move"].create({
            "move_type": "in_invoice", "partner_id": supplier.id, "invoice_date": TODAY - timedelta(days=3),
            "invoice_line_ids": [Command.create({"product_id": self.product_a.id, "quantity": 2, "price_unit": 80.0,
                                                 "tax_ids": [Command.clear()]})]})
        bill.action_post()
        bill_case = self._dispute(bill, 60.0)
        bill_case.action_open()
        self.assertEqual(bill.payment_state, "blocked", "a disputed bill's payment is held")
        package, manifest = self._generate(self._export())
        rows = {row["number"]: row for row in self._rows(package, "dispute_log")}
        expected = self.env["ispec.dispute"].search([
            ("company_id", "=", self.company.id), ("date_opened", "<=", PERIOD[1]),
            "|", ("date_closed", "=", False), ("date_closed", ">=", PERIOD[0])])
        self.assertEqual(expected, self.open_case | self.accepted_case | self.rejected_case | bill_case)
        self.assertEqual(set(rows), set(expected.mapped("name")), "neither the draft nor the case closed before")

        accepted = rows[self.accepted_case.name]
        credit_note = self.accepted_case.credit_note_ids
        self.assertEqual(len(credit_note), 1)
        self.assertEqual(
            {key: accepted[key] for key in ("invoice", "partner", "invoice_type", "amount_disputed", "state",
                                            "resolution", "credit_notes", "amount_credited", "amount_credited_company",
                                            "root_cause", "opened", "resolved", "closed", "owner", "deadline")},
            {"invoice": self.inv2.name, "partner": "Aging Customer", "invoice_type": "Customer Invoice",
             "amount_disputed": "100.00", "state": "Resolved: Accepted", "resolution": "Credit note",
             "credit_notes": credit_note.name, "amount_credited": "100.00", "amount_credited_company": "100.00",
             "root_cause": "Price list not updated", "opened": str(TODAY), "resolved": str(TODAY),
             "closed": str(TODAY), "owner": self.env.user.name, "deadline": str(self.accepted_case.deadline)})
        self.assertIn("Price", accepted["reason"])
        rejected = rows[self.rejected_case.name]
        self.assertEqual((rejected["state"], rejected["resolution"], rejected["rejection_reason"],
                          rejected["credit_notes"], rejected["amount_current"]),
                         ("Resolved: Rejected", "Resolved: Rejected", "The price is the one in the signed quotation.",
                          "", "0.00"))
        still_open = rows[self.open_case.name]
        self.assertEqual((still_open["state"], still_open["amount_current"], still_open["resolved"],
                          still_open["days_to_resolve"]), ("Open", "200.00", "", ""))
        on_bill = rows[bill_case.name]
        self.assertEqual((on_bill["invoice_type"], on_bill["partner"], on_bill["invoice"], on_bill["amount_disputed"],
                          on_bill["amount_disputed_company"], on_bill["state"]),
                         ("Vendor Bill", "Disputed Supplier", bill.name, "60.00", "60.00", "Open"))

        entry = self._entry(manifest, "dispute_log")
        self.assertEqual(entry["rows"], 4)
        self.assertAlmostEqual(entry["control_totals"]["amount_disputed_company"],
                               sum(expected.mapped("amount_original")), places=2)
        self.assertAlmostEqual(entry["control_totals"]["amount_credited_company"],
                               sum(expected.credit_note_ids.mapped("amount_total")), places=2)

    def test_change_log(self):
        package, manifest = self._generate(self._export())
        rows = self._rows(package, "change_log")
        moves = self.env["account.move"].search([("company_id", "=", self.company.id),
                                                  ("move_type", "in", INVOICE_TYPES)])
        trackings = self.env["mail.tracking.value"].sudo().search([
            ("mail_message_id.model", "=", "account.move"), ("mail_message_id.res_id", "in", moves.ids)])
        self.assertEqual(len(rows), len(trackings))
        self.assertEqual(self._entry(manifest, "change_log")["rows"], len(trackings))

        Fields = self.env["ir.model.fields"]
        ref = next(row for row in rows if row["number"] == self.inv1.name and row["field_name"] == "ref")
        self.assertEqual(
            {key: ref[key] for key in ("user", "user_login", "move_type", "field", "old_value", "new_value",
                                       "journal_item")},
            {"user": self.env.user.name, "user_login": self.env.user.login, "move_type": "Customer Invoice",
             "field": Fields._get("account.move", "ref").field_description, "old_value": "",
             "new_value": "PO-4711", "journal_item": ""})
        self.assertEqual(ref["changed_at"][:10], str(fields.Datetime.now().date()))
        due = next(row for row in rows if row["number"] == self.inv2.name and row["field_name"] == "date_maturity")
        self.assertEqual(
            (due["journal_item"], due["field"], due["old_value"], due["new_value"], due["accounting_date"]),
            (str(self.receivable2.id), Fields._get("account.move.line", "date_maturity").field_description,
             str(TODAY + timedelta(days=20)), str(TODAY + timedelta(days=25)), str(self.inv2.date)))

    def test_match_log(self):
        vendor_rule = self.env["ispec.match.tolerance"].create({
            "company_id": self.company.id, "partner_id": self.vendor.id, "dimension": "price_above",
            "percent": 5.0, "absolute": 0.0})
        bill_date = TODAY - timedelta(days=5)
        # Over-received and overridden; priced 20 % above the PO (5 % allowed); over-received, overridden,
        # then changed, so the override expired and the line is an exception again.
        po_over = self._po()
        self._receive(po_over, 5)
        overridden = self._bill_from_po(po_over, qty=10, date=bill_date)
        po_price = self._po()
        self._receive(po_price, 10)
        priced = self._bill_from_po(po_price, qty=10, price=12.0, date=bill_date)
        po_expired = self._po()
        self._receive(po_expired, 5)
        expired = self._bill_from_po(po_expired, qty=10, date=bill_date)
        for bill in (overridden, expired):
            action = bill.action_ispec_match_override()
            self.env[action["res_model"]].with_context(**action["context"]).create(
                {"note": "Rest ships next week"}).action_confirm()
        expired.button_draft()
        expired.invoice_line_ids.quantity = 9
        expired.action_post()
        self.assertEqual((overridden.ispec_match_state, priced.ispec_match_state, expired.ispec_match_state),
                         ("overridden", "exception", "exception"))

        package, manifest = self._generate(self._export())
        rows = self._rows(package, "match_log")
        exception_lines = self.env["account.move.line"].search([
            ("move_id.company_id", "=", self.company.id), ("move_id.move_type", "in", ("in_invoice", "in_refund")),
            ("move_id.date", ">=", PERIOD[0]), ("move_id.date", "<=", PERIOD[1]),
            ("ispec_match_state", "=", match_kernel.EXCEPTION)])
        overrides = self.env["ispec.match.override"].search([("company_id", "=", self.company.id)])
        self.assertEqual(len(exception_lines), 2)
        self.assertEqual(len(overrides), 2)
        self.assertEqual(self._entry(manifest, "match_log")["rows"], len(exception_lines) + len(overrides))
        by_key = {(row["kind"], row["bill"]): row for row in rows}
        self.assertEqual(set(by_key), {("Exception", priced.name), ("Exception", expired.name),
                                       ("Override", overridden.name), ("Override", expired.name)})

        price_row = by_key["Exception", priced.name]
        self.assertEqual(
            {key: price_row[key] for key in ("purchase_order", "vendor", "reasons", "qty_ordered", "qty_received",
                                             "qty_billed", "qty_on_bill", "po_price", "bill_price", "tolerance",
                                             "line_amount_company", "overridden_by", "accounting_date")},
            {"purchase_order": po_price.name, "vendor": "Bolt Supplies", "reasons": "Price above PO",
             "qty_ordered": "10.00", "qty_received": "10.00", "qty_billed": "10.00", "qty_on_bill": "10.00",
             "po_price": "10.00", "bill_price": "12.00",
             "tolerance": f"Unit price above PO: {vendor_rule.summary}", "line_amount_company": "120.00",
             "overridden_by": "", "accounting_date": str(priced.date)})
        self.assertEqual(price_row["bill_date"], str(bill_date))
        active = by_key["Override", overridden.name]
        override = overridden.ispec_match_override_ids
        self.assertEqual(
            {key: active[key] for key in ("reasons", "qty_ordered", "qty_received", "qty_billed", "overridden_by",
                                          "override_note", "override_state", "expired_at", "line_state", "tolerance")},
            {"reasons": "Billed more than received", "qty_ordered": "10.00", "qty_received": "5.00",
             "qty_billed": "10.00", "overridden_by": self.env.user.name, "override_note": "Rest ships next week",
             "override_state": "Active", "expired_at": "", "line_state": "Overridden",
             "tolerance": "Quantity billed above received or ordered: Exact"})
        self.assertEqual(active["overridden_at"], fields.Datetime.to_string(override.date))
        gone = by_key["Override", expired.name]
        expired_override = expired.ispec_match_override_ids
        self.assertEqual((gone["override_state"], gone["expiry_note"], gone["qty_on_bill"], gone["line_state"]),
                         ("Expired", "the line's quantity, price, unit or product changed", "9.00", "Match Exception"))
        self.assertEqual(gone["expired_at"], fields.Datetime.to_string(expired_override.expired_on))
        self.assertEqual(by_key["Exception", expired.name]["qty_billed"], "9.00")

    def test_paging_gives_the_same_rows(self):
        paged, whole = self._export(), self._export()
        package_paged, manifest_paged = self._generate(paged, batch_size=1)
        package_whole, manifest_whole = self._generate(whole)
        for key in LOG_KEYS:
            self.assertEqual(self._entry(manifest_paged, key)["rows"], self._entry(manifest_whole, key)["rows"], key)
            self.assertEqual(package_paged.read(f"{key}.csv"), package_whole.read(f"{key}.csv"), key)
        self.assertGreater(self._entry(manifest_whole, "change_log")["rows"], 1)

    def test_journal_filter(self):
        """The logs take the chosen journals (the invoices' own); the aging is the customers' whole balance,
        as on their statements, whatever the journals."""
        purchases = self.company_data["default_journal_purchase"]
        _package, manifest = self._generate(self._export(journal_ids=[Command.set(purchases.ids)]))
        _package, whole = self._generate(self._export())
        self.assertEqual({key: self._entry(manifest, key)["rows"] for key in LOG_KEYS},
                         {"receivable_aging": 2, "match_log": 0, "dispute_log": 0, "change_log": 0})
        self.assertEqual(self._entry(manifest, "receivable_aging")["control_totals"],
                         self._entry(whole, "receivable_aging")["control_totals"])
        sales = self.company_data["default_journal_sale"]
        _package, manifest = self._generate(self._export(journal_ids=[Command.set(sales.ids)]))
        for key in ("dispute_log", "change_log"):
            self.assertEqual(self._entry(manifest, key)["rows"], self._entry(whole, key)["rows"], key)

    def test_workbook_has_a_sheet_per_log(self):
        package, manifest = self._generate(self._export())
        xlsx_name = next(name for name in package.namelist() if name.endswith(".xlsx"))
        book = openpyxl.load_workbook(io.BytesIO(package.read(xlsx_name)))
        self.assertEqual(book.sheetnames[:4], ["Receivable Aging", "Match Exceptions and Overrides", "Dispute Log",
                                           "Change Log"])
        aging = book["Receivable Aging"]
        header = [cell.value for cell in aging[1]]
        self.assertEqual(header[-6:], ["Current", "1-30", "31-60", "61-90", "91-120", "Over 120"])
        usd = next(row for row in aging.iter_rows(min_row=2, values_only=True) if row[3] == "USD")
        self.assertEqual(usd[header.index("Open Amount (Company Currency)")], 1350)
        changes = book["Change Log"]
        self.assertEqual(changes.max_row - 1, self._entry(manifest, "change_log")["rows"])
        self.assertIsInstance(changes["A2"].value, datetime, "when, as a date and time")
        disputes = book["Dispute Log"]
        header = [cell.value for cell in disputes[1]]
        first = [cell.value for cell in disputes[2]]
        self.assertIsInstance(first[header.index("Opened")], datetime)
        self.assertIsInstance(first[header.index("Disputed Amount (Company Currency)")], (int, float))

    def test_monthly_aging_takes_the_statement_columns(self):
        self.company.ispec_statement_aging = "months"
        package, manifest = self._generate(self._export())
        rows = self._rows(package, "receivable_aging", header=False)
        entry = self._entry(manifest, "receivable_aging")
        labels = self.env["ispec.statement"]._bucket_labels(self.company, PERIOD[1])
        self.assertEqual([col["label"] for col in entry["columns"]][-6:], labels)
        statement = self.env["ispec.statement"]._get_statement_data(self.customer.ids, PERIOD[1], company=self.company)
        usd = next(row for row in rows if row["currency"] == "USD")
        self.assertEqual([usd[col["name"]] for col in entry["columns"]][-6:],
                         [self._money(amount) for amount in statement[self.customer.id]["sections"][0]["buckets"]])

    def test_company_isolation(self):
        company_b = self.setup_other_company(name="Log Company B")["company"]
        user_b = new_test_user(self.env, "log_auditor_b", groups="invoicing_specialist.group_auditor",
                               company_id=company_b.id, company_ids=[Command.set(company_b.ids)])
        export_b = self._export(user=user_b)
        self.assertEqual(export_b.company_id, company_b)
        package, manifest = self._generate(export_b)
        self.assertEqual({key: self._entry(manifest, key)["rows"] for key in LOG_KEYS}, dict.fromkeys(LOG_KEYS, 0))
        for key in LOG_KEYS:
            self.assertEqual(self._rows(package, key), [])
        # Company A's own export of the same period has rows in each.
        _package, manifest_a = self._generate(self._export())
        self.assertTrue(all(self._entry(manifest_a, key)["rows"] for key in ("receivable_aging", "dispute_log",
                                                                                "change_log")))

    def test_empty_period_gives_headers_and_zero_rows(self):
        package, manifest = self._generate(self._export(period=(date(2020, 1, 1), date(2020, 12, 31))))
        for key in LOG_KEYS:
            entry = self._entry(manifest, key)
            self.assertEqual(entry["rows"], 0, key)
            self.assertEqual([value for value in entry["control_totals"].values() if value], [], key)
            self.assertEqual(package.read(f"{key}.csv").decode().splitlines(),
                             [",".join(col.name for col in DATASETS[key].columns)], key)
