"""test_statement_hardening: tests added by the hardening issues (#9, #10)."""

import io
from datetime import date

import openpyxl

from odoo.tests import freeze_time, tagged

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


@tagged("post_install", "-at_install")
class TestStatementDisputesAsOf(StatementLedgerCase):
    """Issue 9, item 8: a statement as of a date shows the disputes open on that date, so a reprint
    gives the figures first printed. INV1 is 700.00 open on 2025-03-31 (1,050.00 in all)."""

    def _dispute(self, amount, opened, closed=None):
        dispute = self.env["ispec.dispute"].create({
            "move_id": self.inv1.id, "amount_original": amount,
            "reason_id": self.env.ref("invoicing_specialist.dispute_reason_price").id,
        })
        with freeze_time(opened):
            dispute.action_open()
        if closed:
            with freeze_time(closed):
                dispute.action_cancel()
        return dispute

    def _figures(self, statement_type="outstanding", date_end=None):
        usd = self._section(self._statement(statement_type, date_end=date_end)[self.customer.id], self.usd)
        return usd["disputed"], usd["amount_due"]

    def test_dispute_opened_later_leaves_earlier_statement(self):
        self._dispute(120.0, "2025-11-10")
        self.assertEqual(self.inv1.ispec_disputed_amount, 120.0, "the case is open today")
        self.assertEqual(self._figures(), (0.0, 1050.0), "opened in November: not on the statement of March 31")
        self.assertEqual(self._figures("activity"), (0.0, 1050.0), "nor on the activity statement of March")
        self.assertEqual(self._figures(date_end=date(2025, 11, 30)), (120.0, 730.0),
                         "on the statement of November 30 (INV1 500.00, INV2 500.00, CN1 -150.00 open then)")

    def test_dispute_open_on_the_date(self):
        self._dispute(120.0, "2025-03-15")
        self.assertEqual(self._figures(), (120.0, 930.0))
        self.assertEqual(self._figures("activity"), (120.0, 930.0))
        self.assertEqual(self._figures(date_end=date(2025, 3, 14)), (0.0, 1050.0), "not the day before it opened")

    def test_dispute_opened_on_the_date_itself(self):
        self._dispute(120.0, "2025-03-31")
        self.assertEqual(self._figures(), (120.0, 930.0))

    def test_dispute_closed_before_the_date(self):
        self._dispute(120.0, "2025-02-01", closed="2025-03-10")
        self.assertEqual(self._figures(), (0.0, 1050.0), "closed on March 10: not on the statement of March 31")
        self.assertEqual(self._figures(date_end=date(2025, 2, 28)), (120.0, 500.0),
                         "on the statement of February 28, while it was open (INV1 700.00 and RF1 -80.00 open)")

    def test_reprint_after_the_case_closed(self):
        """A case open on March 31 and cancelled in June: the March statement reprinted today is the
        statement sent in March."""
        dispute = self._dispute(120.0, "2025-03-15")
        printed = self._figures()
        with freeze_time("2025-06-01"):
            dispute.action_cancel()
        self.assertEqual(dispute.amount_current, 0.0)
        self.assertEqual(self._figures(), printed)
        self.assertEqual(printed, (120.0, 930.0))
