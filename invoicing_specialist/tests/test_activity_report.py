import io
from datetime import date
from unittest.mock import patch

import openpyxl
from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, new_test_user, tagged
from odoo.tools import float_compare

from ..kernels import activity as kernel
from ..models.activity_report_figures import FIGURES, SOURCES
from .match_common import MatchCase

MARCH = date(2025, 3, 15)
END = {"current": date(2025, 3, 31), "previous": date(2025, 2, 28), "last_year": date(2024, 3, 31)}


@tagged("at_install", "-post_install")
class TestActivityKernel(TransactionCase):
    """Periods and derived figures on plain values."""

    def test_period_bounds(self):
        self.assertEqual(kernel.period_bounds("month", date(2025, 2, 14)), (date(2025, 2, 1), date(2025, 2, 28)))
        self.assertEqual(kernel.period_bounds("quarter", date(2025, 5, 31)), (date(2025, 4, 1), date(2025, 6, 30)))
        self.assertEqual(kernel.period_bounds("year", date(2024, 2, 29)), (date(2024, 1, 1), date(2024, 12, 31)))
        # A fiscal year ending in March: its first quarter is April to June, its year April to March.
        self.assertEqual(kernel.period_bounds("quarter", date(2025, 3, 31), 3), (date(2025, 1, 1), date(2025, 3, 31)))
        self.assertEqual(kernel.period_bounds("quarter", date(2025, 4, 1), 3), (date(2025, 4, 1), date(2025, 6, 30)))
        self.assertEqual(kernel.period_bounds("year", date(2025, 2, 1), 3), (date(2024, 4, 1), date(2025, 3, 31)))

    def test_previous_and_last_year(self):
        self.assertEqual(kernel.previous_period("month", date(2025, 3, 1)), (date(2025, 2, 1), date(2025, 2, 28)))
        self.assertEqual(kernel.previous_period("quarter", date(2025, 1, 1)), (date(2024, 10, 1), date(2024, 12, 31)))
        self.assertEqual(kernel.same_period_last_year("month", date(2024, 2, 1)), (date(2023, 2, 1), date(2023, 2, 28)))
        self.assertEqual(kernel.same_period_last_year("year", date(2025, 1, 1)), (date(2024, 1, 1), date(2024, 12, 31)))

    def test_ratio_and_dso(self):
        self.assertIsNone(kernel.ratio(3, 0))
        self.assertEqual(kernel.ratio(1, 4), 25.0)
        self.assertIsNone(kernel.dso(100.0, 0.0, 31))
        self.assertEqual(kernel.dso(500.0, 1000.0, 30), 15.0)


@tagged("post_install", "-at_install")
class TestActivityReport(MatchCase):
    """A crafted March 2025 (with February 2025 and March 2024 beside it), every figure checked against numbers a
    person would count and against the records rebuilt from the ORM."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.eur = cls.setup_other_currency("EUR", rates=[("2024-01-01", 2.0)])
        cls.customer = cls.env["res.partner"].create({"name": "Pine Retail"})
        cls.tax = cls.company_data["default_tax_sale"]
        cls.tax.amount = 15.0
        cls.reason = cls.env.ref("invoicing_specialist.dispute_reason_price")
        inv = cls._invoice
        # Customer side. E: last year, still open. D: February, paid in March, late. A: paid in full on time.
        cls.inv_e = inv(250.0, "2024-03-10", "2024-03-15")
        cls.inv_d = inv(300.0, "2025-02-20", "2025-03-01")
        cls.inv_a = inv(1000.0, "2025-03-03", "2025-03-10", tax=True)  # 1,150.00 with tax
        cls.inv_b = inv(400.0, "2025-03-05", "2025-03-15", currency=cls.eur)  # EUR 400 = 200.00
        cls.inv_c = inv(500.0, "2025-03-25", "2025-04-24")
        cls.refund = inv(100.0, "2025-03-28", "2025-03-28", move_type="out_refund")
        cls._pay(cls.inv_a, 1150.0, "2025-03-08")
        cls._pay(cls.inv_d, 300.0, "2025-03-12")
        cls._pay(cls.inv_b, 100.0, "2025-03-20")  # EUR 100 = 50.00: partly paid
        # Disputes: on B opened in March, rejected in April; on C opened and accepted in March (credit note 100).
        with freeze_time("2025-03-21"):
            cls.dispute_b = cls._dispute(cls.inv_b, 50.0)
        with freeze_time("2025-03-26"):
            cls.dispute_c = cls._dispute(cls.inv_c, 100.0)
        with freeze_time("2025-03-30"):
            cls.dispute_c.action_accept()
        with freeze_time("2025-04-02"):
            cls.dispute_b.rejection_reason = "Price as quoted."
            cls.dispute_b.action_reject()
        cls._pay(cls.inv_c, 400.0, "2025-04-05")  # the rest of C, after the period
        cls.credit_note_c = cls.dispute_c.credit_note_ids

    @classmethod
    def _invoice(cls, price, invoice_date, due, currency=None, move_type="out_invoice", tax=False, company=None):
        move = cls.env["account.move"].with_company(company or cls.env.company).create({
            "move_type": move_type, "partner_id": cls.customer.id, "invoice_date": invoice_date,
            "invoice_date_due": due, "currency_id": (currency or (company or cls.env.company).currency_id).id,
            "invoice_line_ids": [Command.create({
                "product_id": cls.product_a.id, "quantity": 1, "price_unit": price,
                "tax_ids": [Command.set(cls.tax.ids if tax else [])]})],
        })
        move.action_post()
        return move

    @classmethod
    def _pay(cls, invoice, amount, day):
        wizard = cls.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids).create({"payment_date": day, "amount": amount})
        return wizard._create_payments()

    @classmethod
    def _dispute(cls, invoice, amount):
        dispute = cls.env["ispec.dispute"].create({
            "move_id": invoice.id, "reason_id": cls.reason.id, "amount_original": amount})
        dispute.action_open()
        return dispute

    def _report(self, day=MARCH, period_type="month", company=None, user=None):
        Report = self.env["ispec.activity.report"].with_user(user or self.env.user)
        return Report.create({"company_id": (company or self.env.company).id, "period_type": period_type,
                              "period_date": day})

    def _values(self, report):
        return {line.figure_key: {column: line.value(column) for column in END} for line in report.line_ids}

    def _record_ids(self, report, key, column="current"):
        line = report.line_ids.filtered(lambda line: line.figure_key == key)
        action = getattr(line, f"action_open_{column}")()
        return set(action["domain"][0][2]), action["res_model"]

    def _open_at(self, invoices, day):
        """What was open on ``invoices`` at the end of ``day``, from the ORM: each receivable item less the
        reconciliations dated by then."""
        total = 0.0
        for line in invoices.filtered(lambda m: m.date <= day).line_ids:
            if line.account_id.account_type == "asset_receivable":
                total += line.balance - sum(p.amount for p in line.matched_credit_ids if p.max_date <= day)
        return total

    def assertAmount(self, value, expected, msg=None):
        self.assertEqual(float_compare(value, expected, precision_digits=2), 0, f"{msg}: {value} != {expected}")

    # ------------------------------------------------------------------------------------------------
    def test_billed(self):
        values = self._values(self._report())
        march = {"invoices_count": 3, "invoices_untaxed": 1700.0, "invoices_total": 1850.0, "credit_notes_count": 2,
                 "credit_notes_amount": 200.0, "net_billed": 1650.0}
        for key, expected in march.items():
            self.assertAmount(values[key]["current"], expected, key)
        self.assertEqual(values["invoices_count"]["previous"], 1)
        self.assertAmount(values["net_billed"]["previous"], 300.0, "February")
        self.assertAmount(values["net_billed"]["last_year"], 250.0, "March 2024")
        # Rebuilt from the ORM: the posted customer documents of March, in company currency.
        Move = self.env["account.move"]
        invoices = Move.search([("move_type", "=", "out_invoice"), ("state", "=", "posted"),
                                ("invoice_date", ">=", "2025-03-01"), ("invoice_date", "<=", "2025-03-31")])
        refunds = Move.search([("move_type", "=", "out_refund"), ("state", "=", "posted"),
                               ("invoice_date", ">=", "2025-03-01"), ("invoice_date", "<=", "2025-03-31")])
        self.assertEqual(invoices, self.inv_a | self.inv_b | self.inv_c)
        self.assertEqual(refunds, self.refund | self.credit_note_c)
        self.assertAmount(values["invoices_total"]["current"], sum(invoices.mapped("amount_total_signed")), "ORM")
        self.assertAmount(values["invoices_untaxed"]["current"], sum(invoices.mapped("amount_untaxed_signed")), "ORM")
        self.assertAmount(values["credit_notes_amount"]["current"], -sum(refunds.mapped("amount_total_signed")), "ORM")
        report = self._report()
        self.assertEqual(self._record_ids(report, "invoices_count"), (set(invoices.ids), "account.move"))
        self.assertEqual(self._record_ids(report, "credit_notes_amount")[0], set(refunds.ids))
        self.assertEqual(self._record_ids(report, "invoices_count", "previous")[0], set(self.inv_d.ids))

    def test_collected(self):
        report = self._report()
        values = self._values(report)
        everything = self.inv_a | self.inv_b | self.inv_c | self.inv_d | self.inv_e
        # Payments: A 1,150 + D 300 (a February invoice) + EUR 100 of B = 50; C's rest is paid in April.
        self.assertAmount(values["payments_received"]["current"], 1500.0, "payments")
        self.assertAmount(values["payments_received"]["previous"], 0.0, "payments in February")
        payment_lines = self.env["account.move.line"].browse(self._record_ids(report, "payments_received")[0])
        self.assertAmount(-sum(payment_lines.mapped("balance")), 1500.0, "the payment items opened")
        self.assertEqual(sorted(payment_lines.mapped("date")), [date(2025, 3, 8), date(2025, 3, 12), date(2025, 3, 20)])
        # Receivable at the end of March: B 150 (EUR 300 open), C 400 (500 less the dispute's credit note), E 250.
        for column, day in END.items():
            self.assertAmount(values["receivable_end"][column], self._open_at(everything, day), f"open at {day}")
        self.assertAmount(values["receivable_end"]["current"], 800.0, "open at March end")
        self.assertAmount(values["receivable_end"]["previous"], 550.0, "open at February end (D and E)")
        self.assertAmount(values["receivable_end"]["last_year"], 250.0, "open at March 2024 end (E)")
        self.assertEqual(self._record_ids(report, "receivable_end")[0], set((self.inv_b | self.inv_c | self.inv_e).ids))
        # Overdue on March 31: B (due March 15) and E; C is due in April.
        self.assertAmount(values["overdue_end"]["current"], 400.0, "overdue")
        self.assertAmount(values["overdue_share"]["current"], 50.0, "overdue share")
        self.assertAmount(values["overdue_end"]["previous"], 250.0, "overdue in February: E only (D due March 1)")
        self.assertAmount(values["overdue_share"]["last_year"], 100.0, "overdue share March 2024")
        self.assertEqual(self._record_ids(report, "overdue_end")[0], set((self.inv_b | self.inv_e).ids))
        # DSO: 800 open / 1,650 net billed * 31 days.
        self.assertAmount(values["dso"]["current"], 800.0 / 1650.0 * 31, "DSO")
        self.assertAmount(values["dso"]["previous"], 550.0 / 300.0 * 28, "DSO February")
        # Paid in full in March: A in 5 days on time, D in 20 days, 11 days late.
        self.assertEqual(values["paid_count"]["current"], 2)
        self.assertAmount(values["days_to_pay"]["current"], 12.5, "days to pay")
        self.assertAmount(values["paid_on_time"]["current"], 50.0, "on time")
        self.assertEqual(self._record_ids(report, "paid_on_time")[0], set((self.inv_a | self.inv_d).ids))
        self.assertIn(self.inv_a.payment_state, ("paid", "in_payment"))
        self.assertEqual(self.inv_b.payment_state, "partial")
        # April: C's last part settles it, 11 days after its invoice date, on time.
        april = self._values(self._report(date(2025, 4, 10)))
        self.assertEqual(april["paid_count"]["current"], 1)
        self.assertAmount(april["days_to_pay"]["current"], 11.0, "C's days to pay")
        self.assertAmount(april["paid_on_time"]["current"], 100.0, "C on time")

    def test_disputes(self):
        report = self._report()
        values = self._values(report)
        self.assertEqual(values["disputes_opened"]["current"], 2)
        self.assertEqual(values["disputes_accepted"]["current"], 1)
        self.assertEqual(values["disputes_rejected"]["current"], 0)
        self.assertAmount(values["days_to_resolve"]["current"], 4.0, "C: March 26 to 30")
        self.assertAmount(values["amount_credited"]["current"], 100.0, "C's credit note")
        self.assertEqual(values["disputes_open_end"]["current"], 1, "B was still open on March 31")
        self.assertEqual(self._record_ids(report, "disputes_open_end"), (set(self.dispute_b.ids), "ispec.dispute"))
        self.assertEqual(self._record_ids(report, "amount_credited")[0], set(self.credit_note_c.ids))
        self.assertIsNone(values["days_to_resolve"]["previous"], "nothing resolved in February")
        april = self._values(self._report(date(2025, 4, 10)))
        self.assertEqual((april["disputes_rejected"]["current"], april["disputes_open_end"]["current"]), (1, 0))
        # Rebuilt from the ORM.
        Dispute = self.env["ispec.dispute"]
        self.assertEqual(values["disputes_opened"]["current"], Dispute.search_count(
            [("date_opened", ">=", "2025-03-01"), ("date_opened", "<=", "2025-03-31")]))
        self.assertEqual(self.dispute_c.days_to_resolve, 4)

    def test_vendor_side(self):
        self.company.ispec_match_mode = "block"
        matched = self._bill_from_po(self._received_po(), date="2025-03-04")
        blocked = self._bill_from_po(self._received_po(), price=12.0, date="2025-03-06")
        overridden = self._bill_from_po(self._received_po(), price=11.0, date="2025-03-07")
        draft = self._bill_from_po(self._received_po(), date="2025-03-09", post=False)
        with freeze_time("2025-03-20"):
            self.env["ispec.match.override"]._override_lines(overridden.invoice_line_ids, "Agreed by phone.")
        self.assertEqual((matched.ispec_match_state, blocked.ispec_match_state, overridden.ispec_match_state),
                         ("matched", "exception", "overridden"))
        self.assertEqual(blocked.payment_state, "blocked")
        report = self._report()
        values = self._values(report)
        self.assertEqual(values["bills_received"]["current"], 4, "the draft counts as received")
        self.assertEqual(values["bills_posted"]["current"], 3)
        self.assertAmount(values["bills_posted_amount"]["current"], 100.0 + 120.0 + 110.0, "billed by vendors")
        self.assertAmount(values["first_pass_rate"]["current"], 100.0 / 3, "one of three at first pass")
        self.assertEqual(values["exceptions_price_above"]["current"], 2, "open and overridden")
        self.assertEqual(values["exceptions_no_po"]["current"], 0)
        self.assertEqual(values["overrides"]["current"], 1)
        self.assertEqual(values["bills_blocked"]["current"], 1)
        self.assertAmount(values["blocked_amount"]["current"], 120.0, "blocked amount")
        self.assertEqual(values["bills_blocked"]["last_year"], 0, "not dated by March 2024")
        self.assertEqual(self._record_ids(report, "bills_blocked")[0], set(blocked.ids))
        received = matched | blocked | overridden | draft
        self.assertEqual(self._record_ids(report, "bills_received")[0], set(received.ids))
        self.assertEqual(self._record_ids(report, "exceptions_price_above")[0], set((blocked | overridden).ids))
        self.assertEqual(self._record_ids(report, "first_pass_rate")[0], set((matched | blocked | overridden).ids))
        overrides, model = self._record_ids(report, "overrides")
        self.assertEqual((overrides, model), (set(overridden.ispec_match_override_ids.ids), "ispec.match.override"))

    def _received_po(self):
        po = self._po(qty=10.0, price=10.0)
        self._receive(po, 10.0)
        return po

    def test_no_data_and_sale_section(self):
        report = self._report(date(2019, 6, 1), "quarter")
        self.assertEqual((report.date_from, report.date_to), (date(2019, 4, 1), date(2019, 6, 30)))
        for line in report.line_ids:
            kind = next(f.kind for f in FIGURES if f.key == line.figure_key)
            for column in END:
                if kind in ("count", "amount"):
                    self.assertEqual(line.value(column), 0, line.figure_key)
                else:
                    self.assertIsNone(line.value(column), line.figure_key)
            shown = {"count": "0", "amount": "$\xa00.00", "days": "-", "percent": "-"}[kind]
            self.assertEqual(line.display_current, shown, line.figure_key)
        self.assertFalse(self._record_ids(report, "invoices_count")[0])
        # Without the sale app there is no timeliness section, and nothing fails.
        has_sale = SOURCES["timeliness"].available(self.env)
        self.assertEqual(bool(report.line_ids.filtered(lambda line: line.section == "timeliness")), has_sale)
        self.assertEqual(report.sale_installed, has_sale)

    def test_timeliness_with_sale(self):
        if not SOURCES["timeliness"].available(self.env):
            self.skipTest("The sale app is not installed: the section is left out (test_no_data_and_sale_section).")
        self.env.user.group_ids = [Command.link(self.env.ref("sales_team.group_sale_manager").id)]
        product = self.env["product.product"].create({
            "name": "Chair", "type": "consu", "is_storable": True, "invoice_policy": "delivery",
            "taxes_id": [Command.clear()]})
        order = self.env["sale.order"].create({"partner_id": self.customer.id, "order_line": [Command.create({
            "product_id": product.id, "product_uom_qty": 2.0, "price_unit": 50.0, "tax_ids": [Command.clear()]})]})
        order.action_confirm()
        with freeze_time("2025-03-10 10:00:00"):
            order.picking_ids.move_ids.quantity = 2.0
            order.picking_ids.move_ids.picked = True
            order.picking_ids._action_done()
        invoice = order._create_invoices()
        invoice.invoice_date = "2025-03-14"
        invoice.action_post()
        self.assertEqual((order.picking_ids.state, str(order.picking_ids.date_done)[:10]), ("done", "2025-03-10"))
        self.assertEqual(invoice.invoice_line_ids.sale_line_ids, order.order_line)
        report = self._report()
        values = self._values(report)
        self.assertEqual(values["delivered_invoices"]["current"], 1, "A, B and C have no sales order")
        self.assertAmount(values["days_to_invoice"]["current"], 4.0, "delivered March 10, invoiced March 14")
        self.assertIsNone(values["days_to_invoice"]["previous"])
        self.assertEqual(self._record_ids(report, "days_to_invoice")[0], set(invoice.ids))
        self.assertTrue(report.line_ids.filtered(lambda line: line.section == "timeliness"))

    def test_other_currency_company_and_isolation(self):
        eur_company = self.setup_other_company(name="Pine Europe", currency_id=self.eur.id)["company"]
        self.env.user.company_ids = [Command.link(eur_company.id)]
        invoice = self._invoice(300.0, "2025-03-05", "2025-04-04", company=eur_company)
        values = self._values(self._report(company=eur_company))
        self.assertEqual(values["invoices_count"]["current"], 1)
        self.assertAmount(values["invoices_total"]["current"], 300.0, "EUR company, in EUR")
        self.assertAmount(values["receivable_end"]["current"], invoice.amount_residual_signed, "open in EUR")
        report = self._report(company=eur_company)
        self.assertIn("€", report.line_ids.filtered(lambda line: line.figure_key == "invoices_total").display_current)
        # The first company's figures leave the other company's invoice out.
        self.assertEqual(self._values(self._report())["invoices_count"]["current"], 3)
        # A user of the first company only neither reports on the other nor reads its reports.
        auditor = new_test_user(self.env, "act_iso", groups="invoicing_specialist.group_auditor",
                                company_id=self.company.id, company_ids=[Command.set(self.company.ids)])
        with self.assertRaises(AccessError):
            self._report(company=eur_company, user=auditor)
        with self.assertRaises(AccessError):
            self.env["ispec.activity.report"].with_user(auditor)._figure_values(
                eur_company, {"current": (date(2025, 3, 1), date(2025, 3, 31))})
        self.assertFalse(self.env["ispec.activity.report"].with_user(auditor).search([("id", "=", report.id)]))

    def test_rights(self):
        company = {"company_id": self.company.id, "company_ids": [Command.set(self.company.ids)]}
        auditor = new_test_user(self.env, "act_auditor", groups="invoicing_specialist.group_auditor", **company)
        specialist = new_test_user(self.env, "act_specialist", groups="invoicing_specialist.group_specialist",
                                   **company)
        outsider = new_test_user(self.env, "act_outsider", groups="account.group_account_invoice", **company)
        for user in (auditor, specialist):
            report = self._report(user=user)
            line = report.line_ids.filtered(lambda line: line.figure_key == "invoices_count")
            self.assertEqual(line.value("current"), 3, user.login)
            action = line.action_open_current()
            self.assertEqual(len(self.env[action["res_model"]].with_user(user).search(action["domain"])), 3)
            self.assertTrue(report._render_xlsx())
        with self.assertRaises(AccessError):
            self._report(user=outsider)
        # The log of mailed reports: managers and auditors read it, specialists do not.
        Sent = self.env["ispec.activity.report.sent"]
        self.assertTrue(Sent.with_user(auditor).has_access("read"))
        self.assertFalse(Sent.with_user(specialist).has_access("read"))
        self.assertFalse(Sent.with_user(auditor).has_access("create"))

    def test_query_count_does_not_grow(self):
        Report = self.env["ispec.activity.report"]
        periods = Report._periods(self.company, "month", date(2023, 6, 15))

        def count_queries():
            self.env.flush_all()
            self.env.invalidate_all()  # both runs start from a cold cache
            queries = []
            execute = type(self.env.cr).execute

            def spy(cr, query, *args, **kwargs):
                queries.append(query)
                return execute(cr, query, *args, **kwargs)

            with patch.object(type(self.env.cr), "execute", spy):
                values = Report._figure_values(self.company, periods)
            return [str(query)[:120] for query in queries], values

        for day in range(1, 6):
            self._invoice(10.0, f"2023-06-{day:02d}", "2023-06-30")
        count_queries()  # warms the ORM's caches (record rules), as in a running server
        queries_5, values_5 = count_queries()
        for day in range(45):
            self._invoice(10.0, f"2023-06-{day % 28 + 1:02d}", "2023-06-30")
        queries_50, values_50 = count_queries()
        self.assertEqual((values_5["current"]["invoices_count"], values_50["current"]["invoices_count"]), (5, 50))
        self.assertEqual(queries_5, queries_50, "the same queries for 5 and 50 invoices")
        queries_5, queries_50 = len(queries_5), len(queries_50)
        # One query per source for the three periods, plus reading the user's companies and the currency.
        self.assertLessEqual(queries_50, len(SOURCES) + 3)

    def test_outputs_and_scheduled_mail(self):
        report = self._report()
        book = openpyxl.load_workbook(io.BytesIO(report._render_xlsx()))
        rows = {row[0]: row[1:4] for row in book.active.iter_rows(values_only=True) if row[0]}
        self.assertEqual(rows["Invoices issued"], (3, 1, 1))
        self.assertAmount(rows["Net billed"][0], 1650.0, "workbook")
        self.assertIsNone(rows["Average days to resolve"][1], "nothing to average: an empty cell")
        html = report._render_pdf()
        self.assertIn(b"Net billed", html)
        self.assertIn(b"1,650.00", html)

        self.company.ispec_activity_mail_period = "month"
        manager = new_test_user(self.env, "act_manager", groups="invoicing_specialist.group_manager",
                                email="manager@example.com", company_id=self.company.id,
                                company_ids=[Command.set(self.company.ids)])
        Mail = self.env["mail.mail"]
        before = Mail.search([])
        Report = self.env["ispec.activity.report"]
        commits = []
        # Outside a real cron run _commit_progress commits, which a test may not: record the commits instead.
        with patch.object(self.env.registry["ir.cron"], "_commit_progress",
                          lambda cron, processed=0, **kw: commits.append(processed) or 60.0):
            Report._cron_mail_activity_reports(today=date(2025, 4, 2))
            mails = Mail.search([]) - before
            self.assertEqual(commits, [1], "the mail and its record committed together")
            self.assertEqual(len(mails), 1)
            self.assertIn(manager.partner_id, mails.recipient_ids)
            self.assertIn("03/01/2025", mails.subject)
            self.assertEqual(len(mails.attachment_ids), 2)
            self.assertIn("Net billed", mails.body_html)
            sent = self.env["ispec.activity.report.sent"].search([("company_id", "=", self.company.id)])
            self.assertEqual((sent.period_type, sent.date_from, sent.date_to, sent.mail_id),
                             ("month", date(2025, 3, 1), date(2025, 3, 31), mails))
            # Run again, the same day and later in the month: no second mail for March.
            Report._cron_mail_activity_reports(today=date(2025, 4, 2))
            Report._cron_mail_activity_reports(today=date(2025, 4, 28))
            self.assertEqual(Mail.search([]) - before, mails)
            self.assertEqual(commits, [1])
            # The next month's run mails April.
            Report._cron_mail_activity_reports(today=date(2025, 5, 1))
            self.assertEqual(len(Mail.search([]) - before), 2)
