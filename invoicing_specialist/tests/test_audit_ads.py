import csv
import io
import json
import os
import tempfile
import zipfile
from datetime import date, datetime

import openpyxl

from odoo import Command
from odoo.tests import BaseCase, new_test_user, tagged
from odoo.tools import SQL

from odoo.addons.account.tests.common import AccountTestInvoicingCommon

from ..kernels import audit_flags as flags
from ..models.audit_dataset import DATASETS
from ..models.audit_writer import AuditWriter

PERIOD = (date(2025, 3, 1), date(2025, 3, 31))
ADS_KEYS = ("ads_gl_detail", "ads_trial_balance", "ads_chart_of_accounts", "ads_user_listing", "ads_source_listing")
ADS_FILES = {"ads_gl_detail": "GL_Detail", "ads_trial_balance": "Trial_Balance",
             "ads_chart_of_accounts": "Chart_Of_Accounts", "ads_user_listing": "User_Listing",
             "ads_source_listing": "Source_Listing"}
# The AICPA Audit Data Standard's GL_Detail fields (GL standard, July 2015), in the file's order.
ADS_GL_DETAIL_FIELDS = [
    "Journal_ID", "Journal_ID_Line_Number", "JE_Header_Description", "JE_Line_Description", "Source",
    "Business_Unit_Code", "Fiscal_Year", "Period", "Effective_Date", "Entered_By", "Entered_Date", "Entered_Time",
    "Approved_By", "Approved_Date", "Last_Modified_By", "Last_Modified_Date", "GL_Account_Number", "Amount",
    "Amount_Credit_Debit_Indicator", "Amount_Currency", "Reporting_Amount", "Reporting_Amount_Currency",
    "Local_Amount", "Local_Amount_Currency", "Reversal_Indicator", "Reversal_Journal_ID", "Segment01", "Segment02",
    "Segment03", "Segment04", "Segment05",
]
FLAGS = ["Flag_Manual_Entry", "Flag_Reversal", "Flag_Weekend_Or_Holiday", "Flag_Round_Amount",
         "Flag_Posted_After_Lock_Date", "Flag_Late_Posting", "Flag_Rare_Account", "Flag_Same_User_Entered_Posted"]


@tagged("at_install", "-post_install")
class TestAuditFlagsKernel(BaseCase):
    """The fiscal periods, holidays and names the extract is made with, on plain values, without a database (the
    flags themselves are worked out in SQL: test_each_flag_on_crafted_entries)."""

    def test_holidays(self):
        self.assertEqual(flags.holidays_from_leaves([(date(2025, 12, 24), date(2025, 12, 26))]),
                         {date(2025, 12, 24), date(2025, 12, 25), date(2025, 12, 26)})

    def test_fiscal_period_and_names(self):
        self.assertEqual(flags.fiscal_period(date(2025, 3, 3)), (2025, "M03"))
        self.assertEqual(flags.fiscal_period(date(2025, 4, 15), 3, 31), (2026, "M01"))
        self.assertEqual(flags.fiscal_period(date(2026, 3, 31), 3, 31), (2026, "M12"))
        self.assertEqual(flags.fiscal_period(date(2025, 12, 26), 12, 25), (2026, "M01"))
        self.assertEqual(flags.fiscal_period(date(2024, 2, 29), 2, 28), (2024, "M12"))  # leap year, as Odoo
        self.assertEqual(flags.fiscal_period(date(2024, 3, 1), 2, 28), (2025, "M01"))
        self.assertEqual(flags.split_name("Mitchell Admin"), ("Mitchell", "Admin"))
        self.assertEqual(flags.split_name("Plato"), ("", "Plato"))


@tagged("post_install", "-at_install")
class TestAuditAds(AccountTestInvoicingCommon):
    """The journal-entry testing extract, end to end: crafted entries for each flag, read back from the package."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company = cls.env.company
        cls.env.user.group_ids = [Command.link(cls.env.ref("invoicing_specialist.group_manager").id)]
        cls.poster = new_test_user(cls.env, "ads_poster", groups="account.group_account_manager",
                                   company_id=company.id, company_ids=[Command.set(company.ids)])
        cls.eur = cls.setup_other_currency("EUR", rates=[("2025-01-01", 2.0)])
        cls.revenue = cls.company_data["default_account_revenue"]
        cls.expense = cls.company_data["default_account_expense"]
        cls.assets = cls.company_data["default_account_assets"]
        cls.receivable = cls.company_data["default_account_receivable"]
        # A public holiday on Monday 17 March 2025 in the company's working-time calendar.
        cls.env["resource.calendar.leaves"].create({
            "name": "Holiday", "calendar_id": company.resource_calendar_id.id, "company_id": company.id,
            "date_from": datetime(2025, 3, 17, 0, 0), "date_to": datetime(2025, 3, 17, 23, 59)})

        cls.before = cls._invoice(700.0, "2025-02-20")  # before the period: the trial balance's beginning
        # Posted on its date, a Monday, by another user: nothing to flag but the round amount.
        cls.plain = cls._invoice(1000.0, "2025-03-03", posted_at=datetime(2025, 3, 3, 10, 0), user=cls.poster)
        # A manual entry of an odd amount, dated Friday, posted Saturday by the one who entered it.
        cls.manual = cls.env["account.move"].create({
            "move_type": "entry", "date": "2025-03-07", "ref": "Accrual",
            "journal_id": cls.company_data["default_journal_misc"].id,
            "line_ids": [Command.create({"account_id": cls.expense.id, "debit": 1234.56, "name": "Accrued cost"}),
                         Command.create({"account_id": cls.assets.id, "credit": 1234.56,
                                         "name": 'Accrued | "cost"'})],
        })
        cls._post(cls.manual, datetime(2025, 3, 8, 9, 30))
        # Its reversal on 20 March (posted by Odoo's reversal, without tracking: posted when created, today).
        cls.reversal = cls.manual._reverse_moves([{"date": date(2025, 3, 20), "ref": "Reversal of accrual"}],
                                                 cancel=True)
        cls.holiday = cls._invoice(333.33, "2025-03-17", posted_at=datetime(2025, 3, 17, 12, 0), user=cls.poster)
        # Dated in the period, posted two days after its end (the period is then locked): after the lock date.
        cls.after_lock = cls._invoice(250.0, "2025-03-28", posted_at=datetime(2025, 4, 2, 9, 0), user=cls.poster)
        # Posted 57 days after its date.
        cls.late = cls._invoice(120.0, "2025-03-05", posted_at=datetime(2025, 5, 1, 9, 0), user=cls.poster)
        cls.foreign = cls._invoice(200.0, "2025-03-11", currency=cls.eur, posted_at=datetime(2025, 3, 11, 9, 0),
                                   user=cls.poster)
        cls.after_period = cls._invoice(900.0, "2025-04-10")
        cls.company_data["company"].sale_lock_date = date(2025, 3, 31)
        cls.draft = cls.env["account.move"].create({
            "move_type": "entry", "date": "2025-03-25", "journal_id": cls.company_data["default_journal_misc"].id,
            "line_ids": [Command.create({"account_id": cls.expense.id, "debit": 50.0}),
                         Command.create({"account_id": cls.assets.id, "credit": 50.0})],
        })

    @classmethod
    def _invoice(cls, price, invoice_date, currency=None, posted_at=None, user=None):
        move = cls.env["account.move"].create({
            "move_type": "out_invoice", "partner_id": cls.partner_a.id, "invoice_date": invoice_date,
            "currency_id": (currency or cls.env.company.currency_id).id,
            "invoice_line_ids": [Command.create({"product_id": cls.product_a.id, "quantity": 1, "price_unit": price,
                                                 "tax_ids": [Command.clear()]})],
        })
        if posted_at:
            cls._post(move, posted_at, user)
        else:
            move.action_post()
        return move

    @classmethod
    def _post(cls, move, posted_at, user=None):
        """Post as in real use (tracking on, maybe another user), then date the tracked posting."""
        cls.env.flush_all()
        cls.env.cr.precommit.run()
        move.with_user(user or cls.env.user).with_context(tracking_disable=False, mail_notrack=False).action_post()
        cls.env.flush_all()
        cls.env.cr.precommit.run()
        cls.env.cr.execute(SQL("UPDATE mail_message SET date = %s WHERE model = 'account.move' AND res_id = %s",
                               posted_at, move.id))
        cls.env["mail.message"].invalidate_model(["date"])

    # ------------------------------------------------------------------------------------------------
    def _generate(self, **values):
        export = self.env["ispec.audit.export"].create({
            "date_from": PERIOD[0], "date_to": PERIOD[1], "dataset_invoice_register": False,
            "dataset_credit_note_register": False, "dataset_sequence_check": False, "dataset_je_extract": True,
            **values})
        self.assertTrue(export.action_generate(), export.message)
        package = zipfile.ZipFile(io.BytesIO(export.attachment_id.raw))
        return export, package, json.loads(package.read("manifest.json"))

    @staticmethod
    def _entry(manifest, key):
        return next(entry for entry in manifest["datasets"] if entry["key"] == key)

    def _rows(self, package, manifest, key):
        name = self._entry(manifest, key)["csv"]
        raw = package.read(name).decode("utf-8")
        rows = list(csv.reader(io.StringIO(raw, newline=""), delimiter="|"))
        return rows[0], [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]

    def _orm_lines_domain(self, date_from=PERIOD[0], date_to=PERIOD[1]):
        return [("company_id", "=", self.env.company.id), ("parent_state", "=", "posted"),
                ("date", ">=", date_from), ("date", "<=", date_to),
                ("display_type", "not in", ("line_section", "line_subsection", "line_note"))]

    # ------------------------------------------------------------------------------------------------
    def test_gl_detail_counts_and_totals_equal_the_orm(self):
        _export, package, manifest = self._generate()
        self.assertEqual(manifest["parameters"]["datasets"], list(ADS_KEYS))
        gl = self._entry(manifest, "ads_gl_detail")
        self.assertEqual(gl["csv"], "GL_Detail_20250301_20250331.txt")
        Line = self.env["account.move.line"]
        domain = self._orm_lines_domain()
        self.assertEqual(gl["rows"], Line.search_count(domain))
        [(debit, credit)] = Line._read_group(domain, aggregates=["debit:sum", "credit:sum"])
        currency = self.env.company.currency_id
        self.assertGreater(debit, 0)
        self.assertAlmostEqual(gl["control_totals"]["Debit_Amount"], currency.round(debit), places=2)
        self.assertAlmostEqual(gl["control_totals"]["Credit_Amount"], currency.round(credit), places=2)
        self.assertAlmostEqual(gl["control_totals"]["Debit_Amount"], gl["control_totals"]["Credit_Amount"], places=2)

        header, rows = self._rows(package, manifest, "ads_gl_detail")
        self.assertEqual(header[:len(ADS_GL_DETAIL_FIELDS)], ADS_GL_DETAIL_FIELDS)
        self.assertEqual(header, [col.name for col in DATASETS["ads_gl_detail"].columns])
        self.assertEqual(len(rows), gl["rows"])
        names = {row["Journal_ID"] for row in rows}
        self.assertNotIn(self.before.name, names)
        self.assertNotIn(self.after_period.name, names)
        self.assertNotIn(self.draft.name, names)
        # Every line of an entry numbered 1..n; the amounts positive with their side.
        manual = [row for row in rows if row["Journal_ID"] == self.manual.name]
        self.assertEqual(sorted(row["Journal_ID_Line_Number"] for row in manual), ["1", "2"])
        self.assertEqual({(row["GL_Account_Number"], row["Amount"], row["Amount_Credit_Debit_Indicator"])
                          for row in manual},
                         {(self.expense.code, "1234.56", "D"), (self.assets.code, "1234.56", "C")})
        # A pipe or a quote in a text survives the pipe-delimited file (quoted as RFC 4180 does with commas).
        self.assertEqual({row["JE_Line_Description"] for row in manual}, {"Accrued cost", 'Accrued | "cost"'})
        first = manual[0]
        self.assertEqual((first["Effective_Date"], first["Fiscal_Year"], first["Period"], first["Source"],
                          first["JE_Header_Description"], first["Amount_Currency"]),
                         ("2025-03-07", "2025", "M03", self.manual.journal_id.code, "Accrual",
                          self.env.company.currency_id.name))
        self.assertEqual((first["Entered_By"], first["Approved_By"], first["Approved_Date"]),
                         (self.env.user.login, self.env.user.login, "2025-03-08"))
        # The EUR invoice: company currency amount, and the document's own amount and currency.
        receivable = next(row for row in rows if row["Journal_ID"] == self.foreign.name
                          and row["GL_Account_Number"] == self.receivable.code)
        self.assertEqual((receivable["Amount"], receivable["Amount_Credit_Debit_Indicator"],
                          receivable["Transaction_Amount"], receivable["Transaction_Amount_Currency"]),
                         ("100.00", "D", "200.00", "EUR"))
        self.assertEqual(receivable["Approved_By"], self.poster.login)

    def test_each_flag_on_crafted_entries(self):
        _export, package, manifest = self._generate()
        _header, rows = self._rows(package, manifest, "ads_gl_detail")

        def flags_of(move, account=None):
            found = [row for row in rows if row["Journal_ID"] == move.name
                     and (account is None or row["GL_Account_Number"] == account.code)]
            self.assertTrue(found, move.name)
            return {flag: {row[flag] for row in found} for flag in FLAGS}

        plain = flags_of(self.plain, self.receivable)
        self.assertEqual(plain, {
            "Flag_Manual_Entry": {"N"}, "Flag_Reversal": {"N"}, "Flag_Weekend_Or_Holiday": {"N"},
            "Flag_Round_Amount": {"Y"}, "Flag_Posted_After_Lock_Date": {"N"}, "Flag_Late_Posting": {"N"},
            "Flag_Rare_Account": {"N"}, "Flag_Same_User_Entered_Posted": {"N"}})
        manual = flags_of(self.manual)
        self.assertEqual(manual["Flag_Manual_Entry"], {"Y"})
        self.assertEqual(manual["Flag_Weekend_Or_Holiday"], {"Y"})  # posted on Saturday 8 March
        self.assertEqual(manual["Flag_Round_Amount"], {"N"})  # 1,234.56
        self.assertEqual(manual["Flag_Same_User_Entered_Posted"], {"Y"})
        self.assertEqual(manual["Flag_Reversal"], {"Y"})  # reversed by another entry
        self.assertEqual(manual["Flag_Rare_Account"], {"Y"})  # expense and asset accounts: two lines each
        self.assertEqual(manual["Flag_Late_Posting"], {"N"})
        manual_row = next(row for row in rows if row["Journal_ID"] == self.manual.name)
        self.assertEqual((manual_row["Reversal_Indicator"], manual_row["Reversal_Journal_ID"]),
                         ("2", self.reversal.name))
        reversal = flags_of(self.reversal)
        self.assertEqual((reversal["Flag_Reversal"], reversal["Flag_Manual_Entry"]), ({"Y"}, {"Y"}))
        reversal_row = next(row for row in rows if row["Journal_ID"] == self.reversal.name)
        self.assertEqual((reversal_row["Reversal_Indicator"], reversal_row["Reversal_Journal_ID"]),
                         ("1", self.manual.name))
        # Posted by Odoo's reversal without tracking: posted at its creation, today, long after 20 March 2025.
        self.assertEqual(reversal["Flag_Late_Posting"], {"Y"})
        self.assertEqual(flags_of(self.holiday)["Flag_Weekend_Or_Holiday"], {"Y"})
        self.assertEqual(flags_of(self.holiday)["Flag_Round_Amount"], {"N"})
        after_lock = flags_of(self.after_lock)
        self.assertEqual((after_lock["Flag_Posted_After_Lock_Date"], after_lock["Flag_Late_Posting"]), ({"Y"}, {"N"}))
        late = flags_of(self.late)
        self.assertEqual((late["Flag_Late_Posting"], late["Flag_Manual_Entry"]), ({"Y"}, {"N"}))
        self.assertEqual(flags_of(self.foreign)["Flag_Weekend_Or_Holiday"], {"N"})  # Tuesday 11 March

        # The thresholds are the export's: late after 60 days, rare below 2 uses, round to 111.11.
        _export, package, manifest = self._generate(late_posting_days=60, rare_account_uses=2,
                                                     round_amount_unit=111.11)
        _header, rows = self._rows(package, manifest, "ads_gl_detail")
        self.assertEqual(flags_of(self.late)["Flag_Late_Posting"], {"N"})
        self.assertEqual(flags_of(self.manual)["Flag_Rare_Account"], {"N"})
        self.assertEqual(flags_of(self.holiday)["Flag_Round_Amount"], {"Y"})  # 333.33 = 3 x 111.11
        self.assertEqual(flags_of(self.plain, self.receivable)["Flag_Round_Amount"], {"N"})

    def test_tax_lock_date_flags_the_lines_with_tax(self):
        """Under a tax lock date, a bill dated before it and posted after it has its lines with tax flagged (the
        taxed line and the tax line), not its payable line: no other lock date covers a purchase journal here."""
        bill = self.env["account.move"].create({
            "move_type": "in_invoice", "partner_id": self.partner_a.id, "invoice_date": "2025-03-26",
            "invoice_line_ids": [Command.create({
                "product_id": self.product_a.id, "quantity": 1, "price_unit": 400.0,
                "tax_ids": [Command.set(self.company_data["default_tax_purchase"].ids)]})],
        })
        self._post(bill, datetime(2025, 4, 3, 9, 0), self.poster)
        _export, package, manifest = self._generate()
        _header, rows = self._rows(package, manifest, "ads_gl_detail")
        self.assertEqual({row["Flag_Posted_After_Lock_Date"] for row in rows if row["Journal_ID"] == bill.name}, {"N"})

        self.env.company.tax_lock_date = date(2025, 3, 31)
        _export, package, manifest = self._generate()
        _header, rows = self._rows(package, manifest, "ads_gl_detail")
        flagged = {row["GL_Account_Number"]: row["Flag_Posted_After_Lock_Date"]
                   for row in rows if row["Journal_ID"] == bill.name}
        payable = bill.line_ids.filtered(lambda line: line.display_type == "payment_term").account_id
        self.assertEqual(flagged.pop(payable.code), "N")
        taxed = bill.line_ids.filtered(lambda line: line.tax_ids or line.tax_line_id).account_id
        self.assertEqual(flagged, dict.fromkeys(taxed.mapped("code"), "Y"))
        self.assertEqual(len(bill.line_ids), 3)

    def test_trial_balance_equals_the_orm(self):
        _export, package, manifest = self._generate()
        header, rows = self._rows(package, manifest, "ads_trial_balance")
        self.assertEqual(header[:8], ["GL_Account_Number", "Business_Unit_Code", "Fiscal_Year", "Period",
                                      "Balance_As_Of_Date", "Amount_Beginning", "Amount_Ending", "Amount_Currency"])
        by_code = {row["GL_Account_Number"]: row for row in rows}
        Line = self.env["account.move.line"]
        base = [("company_id", "=", self.env.company.id), ("parent_state", "=", "posted"),
                ("display_type", "not in", ("line_section", "line_subsection", "line_note"))]
        ending = dict(Line._read_group(base + [("date", "<=", PERIOD[1])], ["account_id"], ["balance:sum"]))
        beginning = dict(Line._read_group(base + [("date", "<", PERIOD[0])], ["account_id"], ["balance:sum"]))
        fy_start = date(2025, 1, 1)
        pl_ending = dict(Line._read_group(base + [("date", ">=", fy_start), ("date", "<=", PERIOD[1])],
                                          ["account_id"], ["balance:sum"]))
        pl_beginning = dict(Line._read_group(base + [("date", ">=", fy_start), ("date", "<", PERIOD[0])],
                                             ["account_id"], ["balance:sum"]))
        currency = self.env.company.currency_id
        self.assertEqual(set(by_code), {account.code for account in ending})
        for account in ending:
            row = by_code[account.code]
            carried = account.include_initial_balance
            expected_end = (ending if carried else pl_ending).get(account, 0.0)
            expected_begin = (beginning if carried else pl_beginning).get(account, 0.0)
            self.assertEqual(row["Amount_Ending"], f"{currency.round(expected_end):.2f}", account.code)
            self.assertEqual(row["Amount_Beginning"], f"{currency.round(expected_begin):.2f}", account.code)
            self.assertEqual((row["Fiscal_Year"], row["Period"], row["Balance_As_Of_Date"]),
                             ("2025", "M03", "2025-03-31"))
        # The receivable: 700 before the period, then the period's invoices, less nothing paid.
        self.assertEqual(by_code[self.receivable.code]["Amount_Beginning"], "700.00")
        totals = self._entry(manifest, "ads_trial_balance")["control_totals"]
        gl_totals = self._entry(manifest, "ads_gl_detail")["control_totals"]
        self.assertAlmostEqual(totals["Period_Activity_Debit"], gl_totals["Debit_Amount"], places=2)
        self.assertAlmostEqual(totals["Period_Activity_Credit"], gl_totals["Credit_Amount"], places=2)

    def test_listings_and_xlsx(self):
        export, package, manifest = self._generate()
        _header, gl_rows = self._rows(package, manifest, "ads_gl_detail")
        header, users = self._rows(package, manifest, "ads_user_listing")
        self.assertEqual(header[0], "User_ID")
        user_ids = {row["User_ID"] for row in users}
        used = {row[field] for row in gl_rows for field in ("Entered_By", "Approved_By", "Last_Modified_By")}
        self.assertLessEqual(used, user_ids)  # every user named in GL_Detail is listed
        self.assertIn(self.poster.login, user_ids)
        poster = next(row for row in users if row["User_ID"] == self.poster.login)
        self.assertEqual((poster["Role_Responsibility"], poster["User_Active_Status"]),
                         ("Accounting Administrator", "Active"))
        header, sources = self._rows(package, manifest, "ads_source_listing")
        self.assertEqual(header, ["Source", "Source_Description"])
        self.assertLessEqual({row["Source"] for row in gl_rows}, {row["Source"] for row in sources})
        header, accounts = self._rows(package, manifest, "ads_chart_of_accounts")
        self.assertEqual(header[:2], ["GL_Account_Number", "GL_Account_Name"])
        self.assertLessEqual({row["GL_Account_Number"] for row in gl_rows},
                             {row["GL_Account_Number"] for row in accounts})
        revenue = next(row for row in accounts if row["GL_Account_Number"] == self.revenue.code)
        self.assertEqual(revenue["Account_Type"], "Revenue")

        xlsx_name = next(name for name in package.namelist() if name.endswith(".xlsx"))
        book = openpyxl.load_workbook(io.BytesIO(package.read(xlsx_name)))
        self.assertEqual(book.sheetnames[:5], list(ADS_FILES.values()))
        gl_sheet = book["GL_Detail"]
        self.assertEqual([cell.value for cell in gl_sheet[1]],
                         [col.label for col in DATASETS["ads_gl_detail"](export).columns])
        self.assertEqual(gl_sheet.max_row - 1, self._entry(manifest, "ads_gl_detail")["rows"])
        self.assertIsInstance(gl_sheet["I2"].value, datetime)  # Effective_Date, a date cell
        self.assertIsInstance(gl_sheet["R2"].value, (int, float))  # Amount, a number

    def _gl_detail_csv(self, export, by_copy, batch_size=None):
        """GL_Detail's file and control totals as the writer makes it, by COPY or from rows() by the csv module."""
        dataset = DATASETS["ads_gl_detail"](export, batch_size=batch_size)
        dataset.csv_by_copy = by_copy
        with tempfile.TemporaryDirectory() as folder:
            writer = AuditWriter(None, folder, decimals=self.env.company.currency_id.decimal_places)
            result = writer.write_dataset(dataset)
            writer.close()
            with open(os.path.join(folder, result.csv_name), "rb") as handle:
                return handle.read(), result.row_count, result.rounded_totals()

    def test_copy_writes_the_file_rows_would(self):
        """The CSV streamed by COPY is, byte for byte, the file the csv module writes from rows() (pages of 3
        rows: pages cutting entries), with the same rows and totals: quotes, pipes and line breaks inside a
        field, CRLF at the end of each row, a foreign currency's amounts, every flag."""
        self._post(self.env["account.move"].create({
            "move_type": "entry", "date": "2025-03-12", "ref": 'Two "lines"\nof reference',
            "journal_id": self.company_data["default_journal_misc"].id,
            "line_ids": [Command.create({"account_id": self.expense.id, "debit": 10.5, "name": "first\r\nsecond"}),
                         Command.create({"account_id": self.assets.id, "credit": 10.5, "name": ""})],
        }), datetime(2025, 3, 16, 23, 30))
        export = self.env["ispec.audit.export"].create({"date_from": PERIOD[0], "date_to": PERIOD[1]})
        copied, copied_rows, copied_totals = self._gl_detail_csv(export, by_copy=True)
        written, written_rows, written_totals = self._gl_detail_csv(export, by_copy=False, batch_size=3)
        self.assertEqual(copied, written)
        self.assertEqual((copied_rows, copied_totals), (written_rows, written_totals))
        self.assertEqual(copied_rows, self.env["account.move.line"].search_count(self._orm_lines_domain()))
        self.assertIn(b'|"Two ""lines""\nof reference"|"first\r\nsecond"|', copied)
        self.assertEqual(copied.count(b"\r\n"), copied_rows + 2)  # each row's end, and the one inside a field

    def test_file_formats(self):
        """CSV only: the text files and no workbook; XLSX only: the workbook and no text file; the manifest
        has the same rows and control totals either way."""
        _export, both, both_manifest = self._generate()
        _export, csv_only, csv_manifest = self._generate(file_formats="csv")
        _export, xlsx_only, xlsx_manifest = self._generate(file_formats="xlsx")
        self.assertEqual([name for name in csv_only.namelist() if name.endswith(".xlsx")], [])
        self.assertEqual(len([name for name in csv_only.namelist() if name.endswith(".txt")]), 5)
        self.assertEqual([name for name in xlsx_only.namelist() if name.endswith(".txt")], [])
        self.assertEqual(len([name for name in xlsx_only.namelist() if name.endswith(".xlsx")]), 1)
        name = self._entry(both_manifest, "ads_gl_detail")["csv"]
        self.assertEqual(csv_only.read(name), both.read(name))

        def figures(manifest):
            return [(entry["key"], entry["rows"], entry["control_totals"]) for entry in manifest["datasets"]]

        self.assertEqual(figures(csv_manifest), figures(both_manifest))
        self.assertEqual(figures(xlsx_manifest), figures(both_manifest))
        for package in (csv_only, xlsx_only):  # every file of the package is in SHA256SUMS, and only those
            listed = {line.split("  ")[1] for line in package.read("SHA256SUMS").decode().splitlines()}
            self.assertEqual(listed, set(package.namelist()) - {"SHA256SUMS"})

    def test_journal_filter(self):
        misc = self.company_data["default_journal_misc"]
        _export, package, manifest = self._generate(journal_ids=[Command.set(misc.ids)])
        _header, rows = self._rows(package, manifest, "ads_gl_detail")
        self.assertEqual({row["Journal_ID"] for row in rows}, {self.manual.name, self.reversal.name})
        _header, sources = self._rows(package, manifest, "ads_source_listing")
        self.assertEqual([row["Source"] for row in sources], [misc.code])

    def test_auditor_generates_the_extract(self):
        """An auditor (no accounting rights beyond reading) builds the extract with the same rows."""
        company = self.env.company
        auditor = new_test_user(self.env, "ads_auditor", groups="invoicing_specialist.group_auditor",
                                company_id=company.id, company_ids=[Command.set(company.ids)])
        export = self.env["ispec.audit.export"].with_user(auditor).create({
            "date_from": PERIOD[0], "date_to": PERIOD[1], "dataset_invoice_register": False,
            "dataset_credit_note_register": False, "dataset_sequence_check": False, "dataset_je_extract": True})
        self.assertTrue(export.with_user(auditor).action_generate(), export.message)
        _export, _package, manifest = self._generate()
        theirs = json.loads(zipfile.ZipFile(io.BytesIO(export.attachment_id.raw)).read("manifest.json"))
        self.assertEqual([(entry["key"], entry["rows"], entry["control_totals"]) for entry in theirs["datasets"]],
                         [(entry["key"], entry["rows"], entry["control_totals"]) for entry in manifest["datasets"]])

    def test_empty_period_gives_headers_and_zero_rows(self):
        _export, package, manifest = self._generate(date_from=date(2020, 1, 1), date_to=date(2020, 1, 31))
        counts = {entry["key"]: entry["rows"] for entry in manifest["datasets"]}
        self.assertEqual((counts["ads_gl_detail"], counts["ads_trial_balance"], counts["ads_user_listing"]), (0, 0, 0))
        self.assertGreater(counts["ads_chart_of_accounts"], 0)  # reference data, whatever the period
        self.assertEqual(self._entry(manifest, "ads_gl_detail")["control_totals"],
                         {"Debit_Amount": 0.0, "Credit_Amount": 0.0})
        for key in ("ads_gl_detail", "ads_trial_balance", "ads_user_listing"):
            header, rows = self._rows(package, manifest, key)
            self.assertEqual(header, [col.name for col in DATASETS[key].columns], key)
            self.assertEqual(rows, [], key)
