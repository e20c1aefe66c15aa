"""test_statement_hardening: tests added by the hardening issues (#9, #10)."""

import io

import openpyxl

from odoo.tests import tagged

from .test_statement_data import StatementLedgerCase


@tagged("post_install", "-at_install")
class TestStatementSheetNames(StatementLedgerCase):
    """Issue 9, item 7: customer names Excel would refuse as sheet names no longer abort the workbook."""

    def _workbook(self, partners):
        statement = self.env["ispec.statement"]
        data = statement._report_data("outstanding", self.DATE_END, company=self.env.company)
        _name, content, _mimetype = statement._render_document(partners, data, "xlsx")
        return openpyxl.load_workbook(io.BytesIO(content))

    def test_awkward_names_one_workbook(self):
        names = ["Acme Trading", "ACME TRADING", "Smith/Jones", "Smith:Jones", "'t Hoekje B.V."]
        customers = self.env["res.partner"].create([{"name": name} for name in names])
        for amount, customer in enumerate(customers, start=1):
            self._ispec_invoice("out_invoice", "2025-03-01", "2025-03-31", 100.0 * amount, partner=customer)
        book = self._workbook(customers)
        self.assertEqual(
            book.sheetnames,
            ["Acme Trading", "ACME TRADING (2)", "Smith Jones", "Smith Jones (2)", "t Hoekje B.V."],
        )
        for amount, (customer, sheet) in enumerate(zip(customers, book.worksheets, strict=True), start=1):
            rows = [[cell for cell in row if cell is not None] for row in sheet.iter_rows(values_only=True)]
            self.assertIn(customer.name, rows[2], "each sheet is its own customer's statement")
            self.assertEqual([row[1] for row in rows if row and row[0] == "Amount due"], [100 * amount])

    def test_apostrophe_alone(self):
        """One customer whose name starts with an apostrophe (a statement emailed on its own)."""
        customer = self.env["res.partner"].create({"name": "'t Hoekje B.V."})
        self._ispec_invoice("out_invoice", "2025-03-01", "2025-03-31", 250.0, partner=customer)
        book = self._workbook(customer)
        self.assertEqual(book.sheetnames, ["t Hoekje B.V."])
        rows = [[cell for cell in row if cell is not None] for row in book.active.iter_rows(values_only=True)]
        self.assertIn("'t Hoekje B.V.", rows[2], "the customer's name itself is printed unchanged")
        self.assertEqual([row[1] for row in rows if row and row[0] == "Amount due"], [250])
