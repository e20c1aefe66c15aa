"""Each role's main paths in the web client, walked by Odoo tours in headless Chromium as a user of that role
(never the administrator); each test then checks in Python the records the tour produced or left alone.
The tours are in static/tests/tours/."""
import hashlib
import io
import json
import zipfile

from openpyxl import load_workbook

from odoo import Command
from odoo.tests import new_test_user, tagged

from odoo.addons.account.tests.common import AccountTestInvoicingHttpCommon

from .match_common import MatchCase

# What Odoo logs at WARNING when a button is refused with a UserError: the tours that see a refusal expect it.
HTTP_LOGGER = "odoo.http"


class TourCase(MatchCase, AccountTestInvoicingHttpCommon):
    """The users of the three roles in the test company, and the documents the tours work on."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company = cls.env.company
        users = {"company_id": company.id, "company_ids": [Command.set(company.ids)]}
        cls.specialist = new_test_user(
            cls.env, "tour_specialist", groups="invoicing_specialist.group_specialist", name="Sam Specialist", **users)
        cls.manager = new_test_user(
            cls.env, "tour_manager", groups="invoicing_specialist.group_manager", name="Mia Manager", **users)
        cls.auditor = new_test_user(
            cls.env, "tour_auditor", groups="invoicing_specialist.group_auditor", name="Ada Auditor", **users)
        cls.vendor.name = "Tour Bolt Supplies"
        cls.goods.name = "Tour bolt box"

    def _held_bill(self):
        """A bill of 10 boxes against a purchase order of 10 of which 5 were received: held, billed more than
        received."""
        po = self._po()
        self._receive(po, 5)
        bill = self._bill(po, 10, ref="TOUR-BILL-1")
        self.assertEqual((bill.ispec_match_state, bill.payment_state), ("exception", "blocked"))
        return po, bill

    def _bill(self, po, qty, price=None, post=True, move_type="in_invoice", ref=None, **line):
        bill = super()._bill(po, qty, price=price, post=False, move_type=move_type, **line)
        if ref:
            bill.ref = ref
        if post:
            bill.action_post()
        return bill

    def _invoice(self):
        """Two lines: 5 widgets at 100 (15 % tax: 575) and 2 gadgets at 50 (115); 690 in all."""
        tax = self.company_data["default_tax_sale"]
        self.product_a.name = "Tour widget"
        self.product_b.name = "Tour gadget"
        invoice = self.env["account.move"].create({
            "move_type": "out_invoice", "partner_id": self.partner_a.id, "invoice_date": "2026-01-10",
            "ref": "TOUR-INV-1",
            "invoice_line_ids": [
                Command.create({"product_id": product.id, "quantity": qty, "price_unit": price,
                                "tax_ids": [Command.set(tax.ids)]})
                for product, qty, price in ((self.product_a, 5, 100.0), (self.product_b, 2, 50.0))],
        })
        invoice.action_post()
        self.assertEqual(invoice.amount_total, 690.0)
        return invoice


@tagged("post_install", "-at_install")
class TestTourBillMatching(TourCase):
    """Tours 1 and 2: the specialist finds a bill in exception and cannot pay it; the manager overrides it."""

    def test_specialist_sees_the_exception_and_cannot_pay(self):
        po, bill = self._held_bill()
        with self.assertLogs(HTTP_LOGGER, "WARNING") as logs:
            self.start_tour("/odoo", "ispec_match_specialist", login=self.specialist.login)
        self.assertTrue(any("cannot be paid while Invoicing Control holds them" in line for line in logs.output))
        self.assertTrue(all("cannot be paid" in line for line in logs.output), logs.output)
        self.assertEqual((bill.ispec_match_state, bill.payment_state), ("exception", "blocked"))
        self.assertEqual(bill.amount_residual, 100.0)
        self.assertFalse(self.env["account.payment"].search([("partner_id", "=", self.vendor.id)]),
                         "the refused attempt left no payment behind")
        self.assertEqual(po.ispec_bill_match_state, "exception")

    def test_manager_overrides_with_a_reason(self):
        _po, bill = self._held_bill()
        self.start_tour(f"/odoo/action-invoicing_specialist.account_move_match_action/{bill.id}",
                        "ispec_match_override", login=self.manager.login)
        override = bill.ispec_match_override_ids
        self.assertEqual(len(override), 1)
        self.assertEqual((override.state, override.user_id, override.note),
                         ("active", self.manager, "Agreed with the vendor by phone: the rest ships next week"))
        self.assertEqual(override.reason_ids.mapped("code"), ["over_received"])
        self.assertEqual((override.qty_ordered, override.qty_received, override.qty_billed), (10, 5, 10))
        self.assertEqual((bill.ispec_match_state, bill.payment_state, bill.ispec_hold_reason),
                         ("overridden", "not_paid", False))
        message = bill.message_ids.filtered(lambda msg: "overridden by" in (msg.body or ""))[:1]
        self.assertTrue(message, "the chatter says the bill was overridden")
        self.assertEqual(message.author_id, self.manager.partner_id, "the chatter says who")
        self.assertIn("Match exception overridden by Mia Manager", message.body)
        self.assertIn("Agreed with the vendor by phone", message.body, "and why")
        self.assertIn(bill, self.env["account.move"].search([("id", "=", bill.id), ("ispec_match_state", "in", (
            "matched", "overridden", "not_applicable")), ("payment_state", "in", ("not_paid", "partial"))]),
            "the bill is among the bills ready to pay")


@tagged("post_install", "-at_install")
class TestTourDispute(TourCase):
    """Tour 3: the specialist opens a dispute on part of an invoice line and starts its review; the manager
    accepts it."""

    def test_specialist_opens_and_reviews_manager_accepts(self):
        invoice = self._invoice()
        term_lines = invoice.line_ids.filtered(lambda line: line.account_type == "asset_receivable")
        self.assertFalse(any(term_lines.mapped("no_followup")))
        self.start_tour("/odoo/action-account.action_move_out_invoice_type", "ispec_dispute_specialist",
                        login=self.specialist.login)
        dispute = invoice.ispec_dispute_ids
        self.assertEqual(len(dispute), 1)
        self.assertEqual((dispute.state, dispute.scope, dispute.reason_id),
                         ("review", "lines", self.env.ref("invoicing_specialist.dispute_reason_price")))
        self.assertEqual((dispute.line_ids.invoice_line_id, dispute.line_ids.quantity),
                         (invoice.invoice_line_ids[0], 2.0))
        self.assertEqual((dispute.amount_original, dispute.amount_current), (230.0, 230.0))
        self.assertEqual(dispute.create_uid, self.specialist)
        self.assertTrue(all(term_lines.mapped("no_followup")), "out of follow-up while in dispute")

        self.start_tour("/odoo/action-invoicing_specialist.ispec_dispute_action", "ispec_dispute_manager",
                        login=self.manager.login)
        credit_note = dispute.credit_note_ids
        self.assertEqual(dispute.state, "accepted")
        self.assertEqual(len(credit_note), 1)
        self.assertEqual((credit_note.move_type, credit_note.state, credit_note.amount_total),
                         ("out_refund", "posted", 230.0))
        self.assertEqual(credit_note.invoice_line_ids.mapped("quantity"), [2.0])
        self.assertEqual((credit_note.reversed_entry_id, credit_note.ispec_dispute_id), (invoice, dispute),
                         "the credit note is linked to the invoice and the case")
        self.assertEqual(credit_note.payment_state, "paid", "reconciled with the invoice")
        self.assertEqual((invoice.amount_residual, invoice.payment_state), (460.0, "partial"))
        self.assertEqual((dispute.amount_credited, dispute.amount_current), (230.0, 0.0))
        self.assertFalse(any(term_lines.mapped("no_followup")), "the invoice's follow-up is back as it was")
        self.assertFalse(invoice.ispec_in_dispute)


@tagged("post_install", "-at_install")
class TestTourAuditor(TourCase):
    """Tour 5: the auditor opens every Invoicing Control menu, then an invoice, a bill and a dispute, and can
    change none of them."""

    def test_auditor_reads_everything_and_changes_nothing(self):
        invoice = self._invoice()
        _po, bill = self._held_bill()
        dispute = self.env["ispec.dispute"].with_user(self.specialist).create({
            "move_id": invoice.id, "reason_id": self.env.ref("invoicing_specialist.dispute_reason_price").id,
            "amount_original": 100.0,
        })
        dispute.action_open()
        records = invoice | bill
        self.env.flush_all()
        before = {record: record.write_date for record in (invoice, bill, dispute)}
        messages_before = {record: record.message_ids for record in (invoice, bill, dispute)}
        self.start_tour("/odoo", "ispec_auditor_readonly", login=self.auditor.login)
        self.env.invalidate_all()
        self.assertEqual({record: record.write_date for record in (invoice, bill, dispute)}, before,
                         "the auditor changed nothing")
        self.assertEqual(records.mapped("state"), ["posted", "posted"])
        self.assertEqual((bill.payment_state, dispute.state, dispute.amount_current), ("blocked", "open", 100.0))
        self.assertEqual({record: record.message_ids for record in (invoice, bill, dispute)}, messages_before,
                         "and wrote nothing on them")


@tagged("post_install", "-at_install")
class TestTourStatements(TourCase):
    """Tour 4: the accountant (manager role) previews and downloads a customer's statement, then runs
    statements for two customers."""

    def _customer_invoice(self, partner, ref, price):
        invoice = self.env["account.move"].create({
            "move_type": "out_invoice", "partner_id": partner.id, "invoice_date": "2026-01-10", "ref": ref,
            "invoice_line_ids": [Command.create({"product_id": self.product_a.id, "quantity": 1,
                                                 "price_unit": price, "tax_ids": [Command.clear()]})],
        })
        invoice.action_post()
        return invoice

    def test_preview_download_and_run(self):
        alpha, beta = self.env["res.partner"].create([
            {"name": "Tour Customer Alpha", "email": "alpha@example.com", "is_company": True},
            {"name": "Tour Customer Beta", "email": "beta@example.com", "is_company": True},
        ])
        self._customer_invoice(alpha, "TOUR-STMT-A1", 300.0)
        self._customer_invoice(alpha, "TOUR-STMT-A2", 150.0)
        self._customer_invoice(beta, "TOUR-STMT-B1", 80.0)
        self.start_tour("/odoo", "ispec_statements", login=self.manager.login)

        files = self.env["ir.attachment"].search([("res_model", "=", "ispec.statement.wizard"),
                                                  ("create_uid", "=", self.manager.id)], order="id")
        self.assertEqual(len(files), 2, "one PDF and one XLSX downloaded")
        pdf, xlsx = files
        self.assertTrue(pdf.name.endswith(".pdf") and "Tour Customer Alpha" in pdf.name, pdf.name)
        # Test mode renders the report as HTML instead of PDF (Odoo's rule): its content is readable here.
        self.assertIn(b"TOUR-STMT-A2", pdf.raw)
        self.assertTrue(xlsx.name.endswith(".xlsx"), xlsx.name)
        workbook = load_workbook(io.BytesIO(xlsx.raw), read_only=True)
        cells = {str(value) for sheet in workbook for row in sheet.iter_rows(values_only=True)
                 for value in row if value is not None}
        self.assertTrue({"TOUR-STMT-A1", "TOUR-STMT-A2"} <= cells)
        self.assertNotIn("TOUR-STMT-B1", cells)

        run = self.env["ispec.statement.run"].search([("create_uid", "=", self.manager.id)])
        self.assertEqual(len(run), 1)
        self.assertEqual((run.state, run.user_id, run.customer_count), ("done", self.manager, 2))
        lines = {line.partner_id: line for line in run.line_ids}
        self.assertEqual(set(lines), {alpha, beta})
        self.assertEqual((lines[alpha].amount_due, lines[beta].amount_due), (450.0, 80.0))
        self.assertEqual((lines[alpha].recipient_id, lines[beta].recipient_id), (alpha, beta))
        self.assertEqual(set(run.line_ids.mapped("state")), {"queued"}, "each statement mailed, in the queue")
        self.assertTrue(all(run.line_ids.mapped("attachment_id")) and all(run.line_ids.mapped("message_id")))


@tagged("post_install", "-at_install")
class TestTourAuditExport(TourCase):
    """Tour 6: the auditor creates an audit export, generates its package and finds it ready to download."""

    def test_auditor_generates_a_package(self):
        invoice = self._invoice()
        dispute = self.env["ispec.dispute"].create({
            "move_id": invoice.id, "reason_id": self.env.ref("invoicing_specialist.dispute_reason_price").id,
            "amount_original": 100.0,
        })
        dispute.action_open()
        self.start_tour("/odoo", "ispec_audit_export", login=self.auditor.login)
        export = self.env["ispec.audit.export"].search([("create_uid", "=", self.auditor.id)])
        self.assertEqual(len(export), 1)
        self.assertEqual((export.state, export.generated_by_id), ("done", self.auditor))
        self.assertEqual((str(export.date_from), str(export.date_to)), ("2026-01-01", "2026-12-31"))
        self.assertEqual((export.dataset_invoice_register, export.dataset_dispute_log, export.dataset_sequence_check),
                         (True, True, False))
        attachment = export.attachment_id
        self.assertTrue(attachment.name.endswith(".zip"), attachment.name)
        self.assertEqual(export.package_sha256, hashlib.sha256(attachment.raw).hexdigest())
        with zipfile.ZipFile(io.BytesIO(attachment.raw)) as package:
            names = package.namelist()
            manifest = json.loads(package.read("manifest.json"))
            csv_text = {name: package.read(name).decode("utf-8-sig") for name in names if name.endswith(".csv")}
        self.assertIn("SHA256SUMS", names)
        self.assertFalse([name for name in names if "sequence" in name.lower()], "the sequence check left out")
        by_dataset = {dataset: "".join(text for name, text in csv_text.items() if dataset in name.lower())
                      for dataset in ("invoice", "dispute")}
        self.assertIn(invoice.name, by_dataset["invoice"], f"the invoice register lists the invoice: {names}")
        self.assertIn(dispute.name, by_dataset["dispute"], f"the dispute log lists the case: {names}")
        self.assertTrue(manifest, "the manifest says what the package holds")


@tagged("post_install", "-at_install")
class TestTourActivity(TourCase):
    """The manager's activity summary: a figure opens the records behind it."""

    def test_manager_opens_the_records_behind_a_figure(self):
        invoice = self._invoice()  # 690 on 10 January 2026
        second = self.env["account.move"].create({
            "move_type": "out_invoice", "partner_id": self.partner_b.id, "invoice_date": "2026-01-20",
            "invoice_line_ids": [Command.create({"product_id": self.product_a.id, "quantity": 1, "price_unit": 100.0,
                                                 "tax_ids": [Command.set(self.company_data["default_tax_sale"].ids)]})],
        })
        second.action_post()
        self.start_tour("/odoo", "ispec_activity_manager", login=self.manager.login)
        report = self.env["ispec.activity.report"].search([("create_uid", "=", self.manager.id)])
        self.assertEqual(len(report), 1)
        self.assertEqual((report.period_type, str(report.period_date)), ("month", "2026-01-31"))
        issued = report.line_ids.filtered(lambda line: line.figure_key == "invoices_count")
        self.assertEqual(issued.value_current, 2.0)
        action = issued.action_open_current()
        self.assertEqual(self.env["account.move"].search(action["domain"]), invoice | second,
                         "the figure's records are the two invoices")
