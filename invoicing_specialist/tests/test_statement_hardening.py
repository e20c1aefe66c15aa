"""test_statement_hardening: tests added by the hardening issues (#9, #10)."""

import io
import logging
import re
import subprocess
import tempfile
import threading
import xmlrpc.client
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import openpyxl

from odoo.tests import freeze_time, tagged
from odoo.tools import file_path

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


@tagged("post_install", "-at_install")
class TestStatementReferenceAddress(StatementLedgerCase):
    """Issue 9, item 27: the reference a customer quotes is its own or the statement's number (never
    the database id), and the statement carries a postal address."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.statement = cls.env["ispec.statement"]
        cls.belgium = cls.env.ref("base.be")
        cls.no_ref = cls.env["res.partner"].create({
            "name": "Brasserie Zonder Ref", "is_company": True, "lang": "en_US",
            "street": "Grote Markt 7", "zip": "1000", "city": "Brussel", "country_id": cls.belgium.id,
        })
        cls.billing = cls.env["res.partner"].create({
            "name": "Billing Desk", "parent_id": cls.no_ref.id, "type": "invoice", "email": "billing@zonder.example",
        })
        cls._ispec_invoice("out_invoice", "2025-03-01", "2025-03-31", 432.10, partner=cls.no_ref)
        cls.number = "ST-20250331-%05d" % cls.no_ref.id

    def _html_text(self, partner, statement_type="outstanding"):
        data = self.statement._report_data(statement_type, self.DATE_END, self.DATE_START, self.env.company)
        html, _type = self.env["ir.actions.report"]._render_qweb_html(
            "invoicing_specialist.action_report_statement", partner.ids, data=data
        )
        text = " ".join(re.sub(r"<[^>]+>", " ", html.decode()).split())
        return re.sub(r" ([.,])", r"\1", text)  # "<strong>CUST-001</strong>." reads "CUST-001."

    def _xlsx_rows(self, partner):
        data = self.statement._report_data("outstanding", self.DATE_END, company=self.env.company)
        _name, content, _mimetype = self.statement._render_document(partner, data, "xlsx")
        book = openpyxl.load_workbook(io.BytesIO(content))
        return [[cell for cell in row if cell is not None] for row in book.active.iter_rows(values_only=True)]

    def test_no_reference_quotes_statement_number(self):
        text = self._html_text(self.no_ref)
        self.assertIn("Statement number: %s" % self.number, text)
        self.assertIn("quoting the statement number %s." % self.number, text)
        self.assertNotIn("customer reference", text.lower())
        self.assertNotRegex(text, r"quoting[^.]*\b%d\b\." % self.no_ref.id)
        self.assertIn("432.10", text)
        rows = self._xlsx_rows(self.no_ref)
        self.assertIn(["Customer", "Brasserie Zonder Ref"], rows, "no customer reference cell without a reference")
        self.assertIn(["Statement number", self.number], rows)
        self.assertIn(["Payment reference", self.number], rows)
        self.assertEqual(self.no_ref._ispec_statement_payment_reference("2025-03-31"), self.number)
        self.assertEqual(self.billing._ispec_statement_payment_reference(self.DATE_END), self.number,
                         "the customer's number, also asked from its contact")

    def test_number_is_stable(self):
        """The same number on a reprint and on both types of statement of that date; another date,
        another number."""
        self.assertIn("Statement number: %s" % self.number, self._html_text(self.no_ref, "activity"))
        self.assertIn("Statement number: %s" % self.number, self._html_text(self.no_ref))
        later = self.statement._get_statement_data(self.no_ref.ids, "2025-04-30")[self.no_ref.id]
        self.assertEqual(later["number"], "ST-20250430-%05d" % self.no_ref.id)

    def test_customer_reference_quoted(self):
        text = self._html_text(self.customer)
        self.assertIn("Customer reference: CUST-001", text)
        self.assertIn("quoting your customer reference CUST-001.", text)
        rows = self._xlsx_rows(self.customer)
        self.assertIn(["Payment reference", "CUST-001"], rows)

    def test_contact_without_address_gets_company_address(self):
        """The invoice contact has a name and an email but no address: the customer's address."""
        text = self._html_text(self.no_ref)
        self.assertIn("Brasserie Zonder Ref Billing Desk Grote Markt 7 1000 Brussel Belgium", text)
        address = next(row for row in self._xlsx_rows(self.no_ref) if row[0] == "Address")
        self.assertEqual(address[1], "Brasserie Zonder Ref, Billing Desk, Grote Markt 7, 1000 Brussel, Belgium")

    def test_contact_with_address_gets_its_own(self):
        self.billing.write({"street": "Postbus 55", "zip": "9000", "city": "Gent", "country_id": self.belgium.id})
        text = self._html_text(self.no_ref)
        self.assertIn("Brasserie Zonder Ref Billing Desk Postbus 55 9000 Gent Belgium", text)
        self.assertNotIn("Grote Markt", text)
        address = next(row for row in self._xlsx_rows(self.no_ref) if row[0] == "Address")
        self.assertEqual(address[1], "Brasserie Zonder Ref, Billing Desk, Postbus 55, 9000 Gent, Belgium")


@tagged("post_install", "-at_install")
class TestStatementActionsReturn(StatementLedgerCase):
    """Issue 9, item 16: the statement's public action methods return a value an XML-RPC client can take."""

    def test_statement_button_returns_wizard_action(self):
        action = self.contact.action_ispec_statement()
        xmlrpc.client.dumps((action,), allow_none=False)  # raises "cannot marshal None" on a None anywhere
        self.assertEqual((action["res_model"], action["target"]), ("ispec.statement.wizard", "new"))
        wizard = self.env["ispec.statement.wizard"].with_context(**action["context"]).create({})
        self.assertEqual(wizard.partner_ids, self.customer, "a contact's button opens its customer's statement")


class _ReportAssetsHandler(BaseHTTPRequestHandler):
    """Serves wkhtmltopdf what Odoo's web server serves it under ``make run``: the report's CSS
    bundles (rendered beforehand by the test) and the addons' static files, web fonts included."""

    def do_GET(self):  # noqa: N802 - BaseHTTPRequestHandler's name
        path = urlsplit(self.path).path
        self.server.requested.append(path)
        content = None
        if path.startswith("/web/assets/"):
            name = path.rsplit("/", 1)[-1]
            content = next((css for bundle, css in self.server.bundles.items()
                            if name.startswith(bundle + ".") and name.endswith(".css")), None)
        elif "/static/" in path:
            try:
                with open(file_path(path.lstrip("/")), "rb") as static_file:
                    content = static_file.read()
            except (FileNotFoundError, ValueError):
                content = None
        if content is None:
            self.send_response(404)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        self.wfile.write(content)

    def log_message(self, *args):
        pass


@tagged("post_install", "-at_install")
class TestStatementPdfTextLayer(StatementLedgerCase):
    """Issue 9, item 28: the PDF served by ``make run`` has a text layer. There wkhtmltopdf loads the
    report's CSS from Odoo's web server, with its web fonts (Lato), which Debian's wkhtmltopdf
    (unpatched Qt) draws as outlines: no text to search or copy. The tests used to render without the
    CSS (report.url on a closed port), so they never saw it; here the CSS and fonts are served."""

    REPORT_LOGGER = "odoo.addons.base.models.ir_actions_report"

    def _serve_report_assets(self):
        qweb = self.env["ir.qweb"]
        bundles = {
            name: qweb._get_asset_bundle(name, js=False, autoprefix=True).css().raw
            for name in ("web.report_assets_common", "web.report_assets_pdf")
        }
        server = ThreadingHTTPServer(("127.0.0.1", 0), _ReportAssetsHandler)
        server.bundles, server.requested = bundles, []
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        self.addCleanup(thread.join)
        self.addCleanup(server.server_close)
        self.addCleanup(server.shutdown)
        self.env["ir.config_parameter"].sudo().set_param("report.url", "http://127.0.0.1:%d" % server.server_port)
        return server

    def test_pdf_with_layout_css_has_text(self):
        server = self._serve_report_assets()
        statement = self.env["ispec.statement"]
        data = statement._report_data("outstanding", self.DATE_END, company=self.env.company)
        # INFO (a number: Odoo names its level 25 "INFO" too): Odoo logs every PDF it renders, so this
        # always holds a record; it also takes wkhtmltopdf's warning on Debian (unpatched Qt ignores
        # some switches and may exit with code 1).
        with self.assertLogs(self.REPORT_LOGGER, level=logging.INFO) as logs:
            content = statement.with_context(force_report_rendering=True)._render_pdf(self.customer, data)
        warnings = [record.getMessage() for record in logs.records if record.levelno >= logging.WARNING]
        self.assertTrue(all("unpatched qt" in message.lower() for message in warnings), warnings)
        self.assertTrue(content.startswith(b"%PDF"))
        self.assertTrue(any("web.report_assets_common" in path for path in server.requested),
                        "wkhtmltopdf loaded the report's CSS, as under make run")
        with tempfile.NamedTemporaryFile(suffix=".pdf") as pdf_file:
            pdf_file.write(content)
            pdf_file.flush()
            text = subprocess.run(["pdftotext", "-layout", pdf_file.name, "-"], capture_output=True, check=True,
                                  text=True).stdout
            fonts = subprocess.run(["pdffonts", pdf_file.name], capture_output=True, check=True, text=True).stdout
        self.assertIn("Statement Customer", text)
        self.assertRegex(text, r"Amount due\s+\$ 1,050\.00")
        self.assertRegex(text, r"Amount due\s+350\.00 €")
        self.assertIn("CUST-001", text)
        self.assertIn(self.inv1.name, text)
        self.assertNotIn("Lato", fonts, "no web font: it would be drawn as outlines")
