import io
import logging
import subprocess
import tempfile
from contextlib import contextmanager
from unittest.mock import patch

import openpyxl

from odoo.tests import tagged

from ..models import statement_xlsx
from .test_statement_data import StatementLedgerCase


@contextmanager
def _captured_logs(name):
    """Collect the records of logger ``name`` (and keep them out of the test log)."""
    logger = logging.getLogger(name)
    records = []
    handler = logging.Handler()
    handler.emit = records.append
    propagate, level = logger.propagate, logger.level
    logger.addHandler(handler)
    logger.propagate = False
    logger.setLevel(logging.INFO)
    try:
        yield records
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate
        logger.setLevel(level)


@tagged("post_install", "-at_install")
class TestStatementOutput(StatementLedgerCase):
    """The PDF and XLSX a customer receives: the same figures, in the customer's language."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.partner_id.bank_ids = [(0, 0, {"acc_number": "BE71 0961 2345 6769"})]
        cls.statement = cls.env["ispec.statement"]

    def _xlsx_rows(self, statement_type="outstanding", partners=None):
        data = self.statement._report_data(statement_type, self.DATE_END, self.DATE_START, self.env.company)
        content = self.statement._render_xlsx(partners or self.customer, data)
        book = openpyxl.load_workbook(io.BytesIO(content))
        return book, [[cell for cell in row if cell is not None] for row in book.active.iter_rows(values_only=True)]

    def test_xlsx_outstanding(self):
        book, rows = self._xlsx_rows()
        self.assertEqual(book.sheetnames, ["CUST-001"])
        self.assertEqual(rows[0], [self.env.company.name])
        self.assertEqual(rows[1], ["Statement of Open Items"])
        self.assertIn(["Customer", "Statement Customer", "Customer reference", "CUST-001"], rows)
        self.assertIn(["Currency", "USD"], rows)
        names = (self.inv1.name, self.cn1.name, self.inv2.name)
        raw = list(book.active.iter_rows(values_only=True))
        self.assertEqual(
            [(row[1], row[4], row[5], row[7]) for row in raw if row[1] in names],
            [(self.inv1.name, 1000, 700, 700), (self.cn1.name, -150, -150, 550), (self.inv2.name, 500, 500, 1050)],
        )
        aging_rows = [rows[i + 1] for i, row in enumerate(rows) if row and row[0] == "Aging"]
        self.assertEqual(rows[[i for i, r in enumerate(rows) if r and r[0] == "Aging"][0]][1:],
                         ["Current", "1-30", "31-60", "61-90", "91-120", "Over 120"])
        self.assertEqual(aging_rows, [[500, -150, 0, 700, 0, 0], [0, 0, 350, 0, 0, 0]])
        self.assertEqual([row[1] for row in rows if row and row[0] == "Amount due"], [1050, 350])
        self.assertIn(["Bank account", "BE71 0961 2345 6769"], [row[:2] for row in rows])
        self.assertIn(["Payment reference", "CUST-001"], rows)

    def test_xlsx_activity_and_formats(self):
        book, rows = self._xlsx_rows("activity")
        self.assertIn(["Balance brought forward", 620], rows)
        closing = [row for row in rows if "Closing balance" in row]
        self.assertEqual([row[-1] for row in closing], [1050, 350])
        sheet = book.active
        money_cells = [c for row in sheet.iter_rows() for c in row if c.value == 620]
        self.assertIn("$", money_cells[0].number_format)
        date_cells = [c for row in sheet.iter_rows() for c in row if c.is_date]
        self.assertTrue(date_cells)
        self.assertEqual(date_cells[0].number_format, "mm/dd/yyyy")

    def test_xlsx_french_customer(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.customer.lang = "fr_FR"
        book, _rows = self._xlsx_rows()
        date_cells = [c for row in book.active.iter_rows() for c in row if c.is_date]
        self.assertEqual(date_cells[0].number_format, "dd/mm/yyyy")

    def test_xlsx_several_customers_one_sheet_each(self):
        other = self.env["res.partner"].create({"name": "Second Customer"})
        book, _rows = self._xlsx_rows(partners=self.customer | other)
        self.assertEqual(book.sheetnames, ["CUST-001", "Second Customer"])

    def test_xlsx_many_customers_one_table(self):
        """Past the limit of a sheet per customer: a Summary row per customer and currency, and one Lines
        table with every customer's items, the same figures as the customers' own sheets."""
        other = self.env["res.partner"].create({"name": "Second Customer"})
        data = self.statement._report_data("outstanding", self.DATE_END, self.DATE_START, self.env.company)
        statements = self.statement._get_statement_data(
            (self.customer | other).ids, self.DATE_END, None, "outstanding", self.env.company)
        with patch.object(statement_xlsx, "SHEET_PER_CUSTOMER_LIMIT", 1):
            content = self.statement._render_xlsx(self.customer | other, data)
        book = openpyxl.load_workbook(io.BytesIO(content))
        self.assertEqual(book.sheetnames, ["Summary", "Lines"])
        summary = list(book["Summary"].iter_rows(values_only=True))
        self.assertEqual(summary[0][:6], ("Customer", "Customer reference", "Currency", "Total open", "Disputed",
                                          "Amount due"))
        sections = statements[self.customer.id]["sections"]
        self.assertEqual([(row[0], row[2], row[5]) for row in summary[1:]],
                         [("Statement Customer", section["currency"].name, section["amount_due"])
                          for section in sections])
        self.assertEqual([row[5] for row in summary[1:]], [1050, 350])  # as on the customer's own sheet
        self.assertEqual(summary[1][6:], (500, -150, 0, 700, 0, 0))
        lines = list(book["Lines"].iter_rows(values_only=True))
        self.assertEqual(lines[0][:5], ("Customer", "Customer reference", "Currency", "Date", "Number"))
        expected = [(self.customer.name, "CUST-001", section["currency"].name, line["move_name"], line["open"])
                    for section in sections for line in section["lines"]]
        self.assertEqual([(row[0], row[1], row[2], row[4], row[8]) for row in lines[1:]], expected)
        self.assertIn((self.inv1.name, 700), [(row[4], row[8]) for row in lines[1:]])
        self.assertEqual(book["Lines"].freeze_panes, "A2")
        self.assertEqual(book["Lines"].auto_filter.ref, f"A1:L{len(lines)}")

    def _pdf_text(self, partner, statement_type="outstanding"):
        data = self.statement._report_data(statement_type, self.DATE_END, self.DATE_START, self.env.company)
        # wkhtmltopdf fetches the assets from report.url: point it to a closed port so it never
        # waits on this test's own HTTP server (whose cursor would wait on the test transaction).
        self.env["ir.config_parameter"].sudo().set_param("report.url", "http://127.0.0.1:9")
        # Debian's wkhtmltopdf (unpatched Qt) may warn about the switches it ignores: that warning,
        # and only that one, is expected.
        # Whether it exits with that warning depends on how it reaches report.url, so the log is
        # captured and checked rather than required.
        with _captured_logs("odoo.addons.base.models.ir_actions_report") as records:
            content = self.statement.with_context(force_report_rendering=True)._render_pdf(partner, data)
        warnings = [record.getMessage() for record in records if record.levelno >= logging.WARNING]
        self.assertTrue(all("unpatched qt" in message for message in warnings), warnings)
        self.assertTrue(content.startswith(b"%PDF"))
        with tempfile.NamedTemporaryFile(suffix=".pdf") as pdf_file:
            pdf_file.write(content)
            pdf_file.flush()
            return subprocess.run(["pdftotext", "-layout", pdf_file.name, "-"], capture_output=True, check=True,
                                  text=True).stdout

    def test_pdf_text(self):
        text = self._pdf_text(self.customer)
        for expected in (
            self.env.company.name, "Statement of Open Items", "Accounts Payable Dept",  # invoice address
            "Statement date: 03/31/2025", "CUST-001", self.inv1.name, self.inv2.name, self.cn1.name,
            "$ 700.00", "$ 1,050.00", "350.00 €", "Current", "Over 120", "Amount due",
            "BE71 0961 2345 6769",
        ):
            self.assertIn(expected, text)
        self.assertNotIn(self.inv0.name, text, "paid before the date: not an open item")

    def test_html_preview_french_dates(self):
        """The customer's language formats dates and amounts (HTML: no wkhtmltopdf needed)."""
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(["invoicing_specialist"], ["fr_FR"], overwrite=True)
        self.customer.lang = "fr_FR"
        data = self.statement._report_data("activity", self.DATE_END, self.DATE_START, self.env.company)
        html, _type = self.env["ir.actions.report"]._render_qweb_html(
            "invoicing_specialist.action_report_statement", self.customer.ids, data=data
        )
        html = html.decode()
        self.assertIn("31/03/2025", html)
        self.assertIn("1\u202f050,00", html.replace("\xa0", "\u202f").replace(" ", "\u202f"))
        self.assertIn(self.rf1_pay.move_id.name, html)
        # ... and the labels are French (i18n/fr.po).
        for label in ("Facture", "Avoir", "Remboursement", "Paiement", "Solde reporté"):
            self.assertIn(label, html)
