import csv
import hashlib
import io
import json
import shutil
import subprocess
import tempfile
import zipfile
from datetime import date, datetime
from unittest.mock import patch

import openpyxl

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, TransactionCase, new_test_user, tagged
from odoo.tools import SQL

from odoo.addons.account.tests.common import AccountTestInvoicingCommon

from ..kernels import audit as kernel
from ..models.audit_dataset import DATASETS, INVOICE_TYPES, InvoiceRegister

PERIOD = (date(2025, 3, 1), date(2025, 3, 31))
# The datasets an export has by default (the others are in their own test files).
REGISTER_KEYS = ("invoice_register", "credit_note_register", "sequence_check")


@tagged("at_install", "-post_install")
class TestAuditKernel(TransactionCase):
    """The sequence check on plain values."""

    def test_split_sequence(self):
        self.assertEqual(kernel.split_sequence("INV/2025/00012"), ("INV/2025/", 12))
        self.assertEqual(kernel.split_sequence("BILL/2025/03/0007"), ("BILL/2025/03/", 7))
        self.assertEqual(kernel.split_sequence("RINV/2025/0003-A"), ("RINV/2025/", 3))
        self.assertEqual(kernel.split_sequence("Opening"), ("Opening", None))

    def test_gaps_and_duplicates(self):
        rows = [("A", 1, "A1"), ("A", 2, "A2"), ("A", 5, "A5"), ("A", 5, "A05"), ("A", 6, "A6"),
                ("B", 1, "B1"), ("B", 1, "B01"), ("B", 1, "B001"), ("B", 3, "B3"), ("C", None, "C")]
        findings = list(kernel.sequence_anomalies(rows))
        self.assertEqual(findings, [
            {"kind": "gap", "group": "A", "previous": "A2", "next": "A5", "missing_from": 3, "missing_to": 4,
             "missing_count": 2},
            {"kind": "duplicate", "group": "A", "previous": "A5", "next": "A05", "number": 5, "count": 2},
            {"kind": "duplicate", "group": "B", "previous": "B1", "next": "B001", "number": 1, "count": 3},
            {"kind": "gap", "group": "B", "previous": "B001", "next": "B3", "missing_from": 2, "missing_to": 2,
             "missing_count": 1},
        ])
        # A new group starts a new sequence: no gap from A6 to B1; a clean sequence has no finding.
        self.assertEqual(list(kernel.sequence_anomalies([("X", 7, "X7"), ("X", 8, "X8")])), [])
        self.assertEqual(list(kernel.sequence_anomalies([])), [])


@tagged("post_install", "-at_install")
class TestAuditExport(AccountTestInvoicingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company = cls.env.company
        users = {"company_id": company.id, "company_ids": [Command.set(company.ids)]}
        cls.auditor = new_test_user(cls.env, "aud_auditor", groups="invoicing_specialist.group_auditor", **users)
        cls.manager = new_test_user(cls.env, "aud_manager", groups="invoicing_specialist.group_manager", **users)
        cls.specialist = new_test_user(
            cls.env, "aud_specialist", groups="invoicing_specialist.group_specialist", **users)
        cls.env.user.group_ids = [Command.link(cls.env.ref("invoicing_specialist.group_manager").id)]
        cls.tax = cls.company_data["default_tax_sale"]
        cls.eur = cls.setup_other_currency("EUR", rates=[("2025-01-01", 2.0)])

        cls.before = cls._invoice(100.0, "2025-02-20")  # outside the period
        # Created, then posted in another transaction with tracking on, as in real use: the tracked change
        # of its state to Posted tells who posted it and when.
        cls.inv1 = cls._invoice(100.0, "2025-03-03", post=False)
        cls.env.flush_all()
        cls.env.cr.precommit.run()
        cls.inv1.with_context(tracking_disable=False, mail_notrack=False).action_post()
        cls.env.flush_all()
        cls.env.cr.precommit.run()
        cls.inv2 = cls._invoice(200.0, "2025-03-05", currency=cls.eur)
        cls.inv3 = cls._invoice(300.0, "2025-03-10")
        cls.inv4 = cls._invoice(400.0, "2025-03-12")
        cls.inv5 = cls._invoice(500.0, "2025-03-20")
        cls.bill = cls._invoice(250.0, "2025-03-15", move_type="in_invoice")
        cls.draft = cls._invoice(999.0, "2025-03-21", post=False)
        cls.cn_in = cls._refund(cls.inv3, "2025-03-25", "Damaged goods")
        cls.cn_after = cls._refund(cls.inv4, "2025-04-05", "Late discount")
        dispute = cls.env["ispec.dispute"].create({
            "move_id": cls.inv1.id, "reason_id": cls.env.ref("invoicing_specialist.dispute_reason_price").id,
            "amount_original": 50.0})
        dispute.action_open()
        cls.dispute = dispute

        # Holes crafted behind the ORM's back: inv4 renamed to inv5's number written with one digit less
        # (a duplicate of it, and its own number missing), inv3 renamed three numbers further.
        prefix, number3 = kernel.split_sequence(cls.inv3.name)
        width = len(cls.inv3.name) - len(prefix)
        _prefix, number5 = kernel.split_sequence(cls.inv5.name)
        cls.prefix = prefix
        cls.renamed4 = f"{prefix}{number5:0{width - 1}d}"
        cls.renamed3 = f"{prefix}{number5 + 3:0{width}d}"
        for move, name in ((cls.inv4, cls.renamed4), (cls.inv3, cls.renamed3)):
            cls.env.cr.execute(SQL("UPDATE account_move SET name = %s WHERE id = %s", name, move.id))
        cls.env["account.move"].invalidate_model(["name"])

    @classmethod
    def _invoice(cls, price, invoice_date, move_type="out_invoice", currency=None, post=True):
        move = cls.env["account.move"].create({
            "move_type": move_type, "partner_id": cls.partner_a.id, "invoice_date": invoice_date,
            "currency_id": (currency or cls.env.company.currency_id).id,
            "invoice_line_ids": [Command.create({
                "product_id": cls.product_a.id, "quantity": 1, "price_unit": price,
                "tax_ids": [Command.set((cls.tax if move_type == "out_invoice" else cls.tax.browse()).ids)]})],
        })
        if post:
            move.action_post()
        return move

    @classmethod
    def _refund(cls, invoice, refund_date, reason):
        reversal = cls.env["account.move.reversal"].with_context(
            active_model="account.move", active_ids=invoice.ids).create({
                "reason": reason, "journal_id": invoice.journal_id.id, "date": refund_date})
        reversal.refund_moves()
        credit_note = reversal.new_move_ids
        credit_note.action_post()
        return credit_note

    def _export(self, user=None, **values):
        return self.env["ispec.audit.export"].with_user(user or self.env.user).create({
            "date_from": PERIOD[0], "date_to": PERIOD[1], **values})

    def _package(self, export):
        self.assertEqual(export.state, "done", export.message)
        package = zipfile.ZipFile(io.BytesIO(export.attachment_id.raw))
        return package, json.loads(package.read("manifest.json"))

    @staticmethod
    def _dataset(manifest, key):
        return next(entry for entry in manifest["datasets"] if entry["key"] == key)

    def _csv(self, package, key):
        raw = package.read(f"{key}.csv")
        return raw, list(csv.reader(io.StringIO(raw.decode("utf-8"), newline="")))

    def _orm_sum(self, moves, field):
        currency = self.env.company.currency_id
        return currency.round(sum(currency.round(abs(move[field])) for move in moves))

    # ------------------------------------------------------------------------------------------------
    def test_start_after_end_is_refused(self):
        with self.assertRaisesRegex(ValidationError, "after its end"):
            self._export(date_from=date(2025, 4, 1), date_to=date(2025, 3, 1))
        export = self._export()
        with self.assertRaisesRegex(ValidationError, "choose a start date on or before the end date"):
            export.date_from = date(2025, 4, 30)

    def test_counts_and_control_totals_equal_the_orm(self):
        export = self._export()
        self.assertTrue(export.action_generate())
        package, manifest = self._package(export)

        moves = self.env["account.move"].search([
            ("company_id", "=", self.env.company.id), ("move_type", "in", INVOICE_TYPES),
            ("state", "in", ("posted", "cancel")), ("date", ">=", PERIOD[0]), ("date", "<=", PERIOD[1])])
        self.assertEqual(len(moves), 7)  # five invoices, the bill, the credit note of March
        register = self._dataset(manifest, "invoice_register")
        self.assertEqual(register["rows"], len(moves))
        totals = register["control_totals"]
        for column, field in (("amount_untaxed_company", "amount_untaxed_signed"),
                              ("amount_tax_company", "amount_tax_signed"),
                              ("amount_total_company", "amount_total_signed"),
                              ("amount_residual_company", "amount_residual_signed")):
            self.assertAlmostEqual(totals[column], self._orm_sum(moves, field), places=2, msg=column)
        self.assertAlmostEqual(totals["disputed_amount"], 50.0, places=2)

        credit_notes = self.cn_in | self.cn_after
        notes = self._dataset(manifest, "credit_note_register")
        self.assertEqual(notes["rows"], 2)
        self.assertAlmostEqual(notes["control_totals"]["amount_total_company"],
                               self._orm_sum(credit_notes, "amount_total_signed"), places=2)
        self.assertEqual(export.row_count, sum(entry["rows"] for entry in manifest["datasets"]))

        # The rows themselves: the disputed invoice, the EUR invoice in both currencies, the cut-off flag.
        _raw, rows = self._csv(package, "invoice_register")
        header, body = rows[0], {row[0]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
        self.assertEqual(header, [col.name for col in DATASETS["invoice_register"].columns])
        self.assertNotIn(self.before.name, body)
        self.assertEqual(body[self.inv1.name]["disputed_amount"], "50.00")
        eur = body[self.inv2.name]
        self.assertEqual((eur["currency"], eur["amount_untaxed"], eur["amount_untaxed_company"]),
                         ("EUR", "200.00", f"{abs(self.inv2.amount_untaxed_signed):.2f}"))
        self.assertEqual(body[self.bill.name]["match_state"], dict(
            self.env["account.move"]._fields["ispec_match_state"]._description_selection(self.env)).get(
                self.bill.ispec_match_state, ""))
        self.assertEqual((body[self.inv1.name]["posted_by"], body[self.inv1.name]["posted_at"][:10]),
                         (self.env.user.name, str(fields.Date.today())))
        self.assertEqual((body[self.inv1.name]["created_by"], body[self.inv1.name]["created_at"][:10]),
                         (self.env.user.name, str(fields.Date.today())))
        _raw, rows = self._csv(package, "credit_note_register")
        notes = {row[0]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
        inside, after = notes[self.cn_in.name], notes[self.cn_after.name]
        self.assertEqual((inside["reversed_number"], inside["days_between"], inside["after_period_end"]),
                         (self.renamed3, "15", "No"))
        self.assertEqual((after["reversed_number"], after["days_between"], after["after_period_end"]),
                         (self.renamed4, "24", "Yes"))
        self.assertIn("Damaged goods", inside["reason"])

    def test_journal_filter_and_paging(self):
        """Only the chosen journals; batches of two rows give the same rows as one batch."""
        export = self._export(journal_ids=[Command.set(self.company_data["default_journal_purchase"].ids)],
                              dataset_credit_note_register=False, dataset_sequence_check=False)
        export.action_generate()
        _package, manifest = self._package(export)
        self.assertEqual(self._dataset(manifest, "invoice_register")["rows"], 1)

        paged, whole = self._export(), self._export()
        paged._generate(batch_size=2)
        whole._generate()
        (package_a, manifest_a), (package_b, manifest_b) = self._package(paged), self._package(whole)
        for key in REGISTER_KEYS:
            self.assertEqual(self._dataset(manifest_a, key)["rows"], self._dataset(manifest_b, key)["rows"], key)
            self.assertEqual(self._csv(package_a, key)[0], self._csv(package_b, key)[0], key)

    def test_sequence_gaps_and_duplicates(self):
        export = self._export(dataset_invoice_register=False, dataset_credit_note_register=False)
        export.action_generate()
        package, manifest = self._package(export)
        _raw, rows = self._csv(package, "sequence_check")
        findings = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
        _p, number2 = kernel.split_sequence(self.inv2.name)
        _p, number5 = kernel.split_sequence(self.inv5.name)
        journal = self.inv1.journal_id.code
        expected = [
            # inv3 and inv4 left their numbers: a hole of two after inv2
            {"journal": journal, "prefix": self.prefix, "kind": "Gap", "previous": self.inv2.name,
             "next": self.renamed4, "missing_from": str(number2 + 1), "missing_to": str(number5 - 1),
             "missing_count": "2", "duplicate_count": ""},
            {"journal": journal, "prefix": self.prefix, "kind": "Duplicate", "previous": self.renamed4,
             "next": self.inv5.name, "missing_from": str(number5), "missing_to": str(number5),
             "missing_count": "0", "duplicate_count": "2"},
            {"journal": journal, "prefix": self.prefix, "kind": "Gap", "previous": self.inv5.name,
             "next": self.renamed3, "missing_from": str(number5 + 1), "missing_to": str(number5 + 2),
             "missing_count": "2", "duplicate_count": ""},
        ]
        self.assertEqual(findings, expected)
        self.assertEqual(self._dataset(manifest, "sequence_check")["control_totals"], {"missing_count": 4})

    def test_xlsx_read_back_and_sheet_split(self):
        export = self._export()
        export._generate(max_rows=3)
        package, manifest = self._package(export)
        xlsx_name = next(name for name in package.namelist() if name.endswith(".xlsx"))
        book = openpyxl.load_workbook(io.BytesIO(package.read(xlsx_name)))
        register = self._dataset(manifest, "invoice_register")
        self.assertEqual(register["rows"], 7)
        self.assertEqual(register["xlsx_sheets"], ["Invoice Register", "Invoice Register (2)",
                                                   "Invoice Register (3)"])
        columns = DATASETS["invoice_register"].columns
        data_rows = []
        for name in register["xlsx_sheets"]:
            sheet = book[name]
            self.assertEqual([cell.value for cell in sheet[1]], [self.env._(col.label) for col in columns])
            self.assertEqual(sheet.freeze_panes, "A2")
            self.assertTrue(sheet.auto_filter.ref.startswith("A1:"))
            data_rows += list(sheet.iter_rows(min_row=2, values_only=True))
        self.assertEqual(len(data_rows), 7)
        row = next(row for row in data_rows if row[0] == self.inv1.name)
        record = dict(zip([col.name for col in columns], row, strict=True))
        self.assertEqual(record["invoice_date"], datetime(2025, 3, 3))
        self.assertIsInstance(record["created_at"], datetime)
        self.assertAlmostEqual(record["amount_total"], self.inv1.amount_total, places=2)
        self.assertIsInstance(record["amount_total"], (int, float))  # a number (Excel stores 115.00 as 115)
        self.assertIsInstance(record["number"], str)
        amount_cell = book["Invoice Register"].cell(row=2, column=13)
        self.assertEqual(amount_cell.number_format, "#,##0.00")
        # Every other dataset has its sheet with its header.
        self.assertEqual(book["Credit Note Register"]["A1"].value, "Number")
        self.assertEqual(book["Sequence Check"]["C1"].value, "Finding")
        self.assertEqual(book["Sequence Check"].max_row, 4)
        # The last sheet holds each dataset's rows and control totals, as the manifest has them.
        summary = list(book["Control Totals"].iter_rows(values_only=True))
        self.assertEqual(summary[0], ("Dataset", "File", "Rows", "Column", "Total"))
        expected = [(entry["label"], entry["csv"], entry["rows"], column["label"], total)
                    for entry in manifest["datasets"]
                    for column in entry["columns"] if column["name"] in entry["control_totals"]
                    for total in [entry["control_totals"][column["name"]]]]
        self.assertEqual(len(summary) - 1, len(expected))
        for got, want in zip(summary[1:], expected, strict=True):
            self.assertEqual(got[:4], want[:4])
            self.assertAlmostEqual(got[4], want[4], places=2)
        self.assertIn(("Invoice Register", "invoice_register.csv", 7, "Total (Company Currency)"),
                      [row[:4] for row in summary])

    def test_gap_at_the_start_of_the_period(self):
        """The last number before the period and the period's first are checked against each other: the
        February invoice renamed to number 0 leaves the numbers up to March's first invoice missing."""
        _prefix, first = kernel.split_sequence(self.inv1.name)
        width = len(self.inv1.name) - len(self.prefix)
        renamed = f"{self.prefix}{0:0{width}d}"
        self.env.cr.execute(SQL("UPDATE account_move SET name = %s WHERE id = %s", renamed, self.before.id))
        export = self._export(dataset_invoice_register=False, dataset_credit_note_register=False)
        export.action_generate()
        package, _manifest = self._package(export)
        _raw, rows = self._csv(package, "sequence_check")
        findings = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
        self.assertEqual(findings[0], {
            "journal": self.inv1.journal_id.code, "prefix": self.prefix, "kind": "Gap", "previous": renamed,
            "next": self.inv1.name, "missing_from": "1", "missing_to": str(first - 1),
            "missing_count": str(first - 1), "duplicate_count": ""})
        self.assertEqual(len(findings), 4)  # and the three findings inside the period, as before

    def test_document_currency_amounts_keep_their_decimals(self):
        """A dinar invoice: three decimals in the CSV and the workbook, the company amounts two."""
        kwd = self.setup_other_currency("KWD", rates=[("2025-01-01", 0.5)])
        self.assertEqual(kwd.decimal_places, 3)
        invoice = self._invoice(100.125, "2025-03-07", currency=kwd)
        export = self._export(dataset_credit_note_register=False, dataset_sequence_check=False)
        export.action_generate()
        package, _manifest = self._package(export)
        _raw, rows = self._csv(package, "invoice_register")
        row = next(dict(zip(rows[0], row, strict=True)) for row in rows[1:] if row[0] == invoice.name)
        self.assertEqual(row["amount_untaxed"], "100.125")
        self.assertEqual(row["amount_untaxed_company"], f"{abs(invoice.amount_untaxed_signed):.2f}")
        xlsx_name = next(name for name in package.namelist() if name.endswith(".xlsx"))
        sheet = openpyxl.load_workbook(io.BytesIO(package.read(xlsx_name)))["Invoice Register"]
        names = [col.name for col in DATASETS["invoice_register"].columns]
        cells = next(cells for cells in sheet.iter_rows(min_row=2) if cells[0].value == invoice.name)
        self.assertEqual(cells[names.index("amount_untaxed")].value, 100.125)
        self.assertEqual(cells[names.index("amount_untaxed")].number_format, "#,##0.000")
        self.assertEqual(cells[names.index("amount_untaxed_company")].number_format, "#,##0.00")

    def test_manifest_checksums_verify(self):
        export = self._export()
        export.action_generate()
        package, manifest = self._package(export)
        self.assertEqual(export.package_sha256, hashlib.sha256(export.attachment_id.raw).hexdigest())
        # Copied into the filestore as a file, as Odoo stores any attachment: same checksum and size.
        attachment = export.attachment_id
        self.assertEqual((attachment.checksum, attachment.file_size, attachment.mimetype),
                         (hashlib.sha1(attachment.raw).hexdigest(), len(attachment.raw), "application/zip"))
        self.assertEqual(attachment.store_fname, f"{attachment.checksum[:2]}/{attachment.checksum}")
        self.assertEqual(manifest["parameters"], {"date_from": "2025-03-01", "date_to": "2025-03-31",
                                                  "journals": [], "datasets": list(REGISTER_KEYS)})
        self.assertEqual(manifest["company"]["name"], self.env.company.name)
        self.assertEqual(manifest["generated_by"]["login"], self.env.user.login)
        self.assertEqual(len(manifest["files"]), 4)  # the workbook and three CSV files
        for entry in manifest["files"]:
            self.assertEqual(hashlib.sha256(package.read(entry["name"])).hexdigest(), entry["sha256"],
                             entry["name"])
        sums = [line.split("  ") for line in package.read("SHA256SUMS").decode().splitlines()]
        self.assertEqual({name for _digest, name in sums}, {*(e["name"] for e in manifest["files"]), "manifest.json"})
        for digest, name in sums:
            self.assertEqual(hashlib.sha256(package.read(name)).hexdigest(), digest, name)

    def test_sha256sum_checks_the_unzipped_package(self):
        """What the README tells the recipient: unzip, then ``sha256sum -c SHA256SUMS``."""
        if not shutil.which("sha256sum"):
            self.skipTest("sha256sum is not installed")
        export = self._export()
        export.action_generate()
        package, _manifest = self._package(export)
        with tempfile.TemporaryDirectory() as folder:
            package.extractall(folder)
            checked = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=folder, capture_output=True,
                                     text=True, check=False)
            self.assertEqual(checked.returncode, 0, checked.stdout + checked.stderr)
            self.assertEqual(checked.stdout.count(": OK"), 5)  # workbook, three CSV files, manifest
            with open(f"{folder}/invoice_register.csv", "a", encoding="utf-8") as handle:
                handle.write("forged,row\r\n")
            checked = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=folder, capture_output=True,
                                     text=True, check=False)
            self.assertNotEqual(checked.returncode, 0)
            self.assertIn("invoice_register.csv: FAILED", checked.stdout)

    def test_a_crash_fails_cleanly_with_its_reason(self):
        def broken(dataset):
            yield from ()
            raise OSError("No space left on device")

        export = self._export()
        with patch.object(InvoiceRegister, "rows", broken), \
                self.assertLogs("odoo.addons.invoicing_specialist.models.audit_export", "ERROR"):
            self.assertFalse(export.action_generate())
        self.assertEqual((export.state, export.message), ("failed", "No space left on device"))
        self.assertFalse(export.attachment_id)
        self.assertFalse(self.env["ir.attachment"].search([("res_model", "=", export._name),
                                                          ("res_id", "=", export.id)]))
        with self.assertRaisesRegex(UserError, "cannot be deleted"):
            export.unlink()
        # Run again once the cause is gone.
        self.assertTrue(export.action_generate())
        self.assertEqual((export.state, export.message), ("done", False))

    def test_csv_is_rfc4180(self):
        self.partner_a.name = 'Quote "and", comma'
        export = self._export(dataset_sequence_check=False)
        export.action_generate()
        package, manifest = self._package(export)
        raw, rows = self._csv(package, "invoice_register")
        self.assertTrue(raw.endswith(b"\r\n"))
        self.assertIn(b'"Quote ""and"", comma"', raw)
        self.assertEqual(len(rows) - 1, self._dataset(manifest, "invoice_register")["rows"])
        self.assertEqual({row[7] for row in rows[1:]}, {'Quote "and", comma'})

    def test_generated_export_is_frozen(self):
        export = self._export(user=self.manager)
        with self.assertRaisesRegex(UserError, "Only the parameters"):
            export.with_user(self.manager).write({"state": "done"})
        with self.assertRaisesRegex(UserError, "created with its parameters only"):
            self._export(user=self.manager, state="done")
        export.with_user(self.manager).action_generate()
        for user in (self.manager, self.auditor, self.env.ref("base.user_root")):
            with self.assertRaisesRegex(UserError, "cannot be changed"):
                export.with_user(user).write({"date_to": date(2025, 3, 30)})
            with self.assertRaisesRegex(UserError, "cannot be deleted"):
                export.with_user(user).unlink()
            with self.assertRaisesRegex(UserError, "package of an audit export"):
                export.attachment_id.with_user(user).unlink()
            with self.assertRaisesRegex(UserError, "package of an audit export"):
                export.attachment_id.with_user(user).write({"raw": b"forged"})
        with self.assertRaisesRegex(UserError, "already been generated"):
            export.action_generate()
        self.assertEqual((export.state, export.date_to), ("done", PERIOD[1]))
        draft = self._export(user=self.auditor)
        draft.with_user(self.auditor).date_to = date(2025, 3, 15)
        draft.with_user(self.auditor).unlink()
        self.assertFalse(draft.exists())

    def test_auditor_exports_and_changes_nothing_else(self):
        with Form(self.env["ispec.audit.export"].with_user(self.auditor)) as form:  # the form, as they fill it
            form.date_from = PERIOD[0]
            form.date_to = PERIOD[1]
            form.dataset_sequence_check = False
        export = form.record
        self.assertEqual(export.company_id, self.env.company)
        self.assertTrue(export.with_user(self.auditor).action_generate())
        self.assertEqual((export.state, export.generated_by_id), ("done", self.auditor))
        _package, manifest = self._package(export)
        self.assertEqual(manifest["parameters"]["datasets"], ["invoice_register", "credit_note_register"])
        action = export.with_user(self.auditor).action_download()
        self.assertEqual(action["url"], f"/web/content/{export.attachment_id.id}?download=true")
        self.assertTrue(export.attachment_id.with_user(self.auditor).raw)
        with self.assertRaises(AccessError):
            self.inv1.with_user(self.auditor).write({"ref": "changed"})
        with self.assertRaises(AccessError):
            self.dispute.with_user(self.auditor).write({"amount_original": 1.0})
        # Specialists do not see audit exports at all (a manager's, an auditor's).
        with self.assertRaises(AccessError):
            export.with_user(self.specialist).read(["name"])
        with self.assertRaises(AccessError):
            self._export(user=self.specialist)
        menu = self.env.ref("invoicing_specialist.ispec_audit_export_menu")
        self.assertFalse(menu.with_user(self.specialist)._filter_visible_menus())
        self.assertTrue(menu.with_user(self.auditor)._filter_visible_menus())

    def test_company_isolation(self):
        company_b = self.setup_other_company(name="Audit Company B")["company"]
        user_b = new_test_user(self.env, "aud_auditor_b", groups="invoicing_specialist.group_auditor",
                               company_id=company_b.id, company_ids=[Command.set(company_b.ids)])
        export_a = self._export()
        export_a.action_generate()
        Export = self.env["ispec.audit.export"].with_user(user_b)
        self.assertFalse(Export.search([]))
        with self.assertRaises(AccessError):
            export_a.with_user(user_b).read(["name"])
        with self.assertRaises(AccessError):
            export_a.attachment_id.with_user(user_b).read(["raw"])
        with self.assertRaises(AccessError):
            Export.create({"company_id": self.env.company.id, "date_from": PERIOD[0], "date_to": PERIOD[1]})
        # B's own export of the same period: none of A's documents.
        export_b = Export.create({"date_from": PERIOD[0], "date_to": PERIOD[1]})
        self.assertEqual(export_b.company_id, company_b)
        export_b.action_generate()
        _package, manifest = self._package(export_b)
        self.assertEqual([entry["rows"] for entry in manifest["datasets"]], [0, 0, 0])

    def test_empty_period_gives_headers_and_zero_rows(self):
        export = self._export(date_from=date(2020, 1, 1), date_to=date(2020, 12, 31))
        with Form(export) as form:  # the form, as a user fills it
            form.dataset_sequence_check = True
        export.action_generate()
        package, manifest = self._package(export)
        self.assertEqual({entry["key"]: entry["rows"] for entry in manifest["datasets"]},
                         dict.fromkeys(REGISTER_KEYS, 0))
        self.assertEqual(self._dataset(manifest, "invoice_register")["control_totals"]["amount_total_company"], 0.0)
        for key in REGISTER_KEYS:
            dataset = DATASETS[key]
            raw, rows = self._csv(package, key)
            self.assertEqual(rows, [[col.name for col in dataset.columns]], key)
        xlsx_name = next(name for name in package.namelist() if name.endswith(".xlsx"))
        book = openpyxl.load_workbook(io.BytesIO(package.read(xlsx_name)))
        self.assertEqual(book.sheetnames, ["Invoice Register", "Credit Note Register", "Sequence Check",
                                           "Control Totals"])
        self.assertEqual([book[name].max_row for name in book.sheetnames[:3]], [1, 1, 1])

    def test_no_dataset_chosen(self):
        export = self._export(dataset_invoice_register=False, dataset_credit_note_register=False,
                              dataset_sequence_check=False)
        with self.assertRaisesRegex(UserError, "Choose at least one dataset"):
            export.action_generate()
        self.assertEqual(export.state, "draft")
