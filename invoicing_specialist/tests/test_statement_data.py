from datetime import date

from odoo import Command
from odoo.tests import freeze_time, new_test_user, tagged

from odoo.addons.account.tests.common import AccountTestInvoicingCommon


class StatementLedgerCase(AccountTestInvoicingCommon):
    """A small customer ledger, worked out by hand (company currency USD, EUR at 2.0 in 2025).

    Statement date 2025-03-31, activity period from 2025-03-01.

    USD: INV0 400 (2024-12-01, paid in full 2025-01-05)
         INV1 1000 (2025-01-10, due 01-20): paid 300 on 02-15, 200 on 04-10 (after the date) -> open 700
         RF1 refund 80 (02-20), paid back 03-12 -> closed
         INV2 500 (03-05, due 04-04) -> open 500, current
         CN1 credit note 150 (03-10, not applied) -> open -150
    EUR: INV3 600 EUR (02-01, due 02-11): paid 250 EUR on 03-20 -> open 350 EUR
    """

    DATE_END = date(2025, 3, 31)
    DATE_START = date(2025, 3, 1)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.user.group_ids = [Command.link(cls.env.ref("invoicing_specialist.group_manager").id)]
        cls.eur = cls.setup_other_currency("EUR", rates=[("2024-01-01", 2.0)])
        cls.usd = cls.company_data["currency"]
        cls.customer = cls.env["res.partner"].create({
            "name": "Statement Customer", "email": "billing@customer.example", "ref": "CUST-001",
            "lang": "en_US",
        })
        cls.contact = cls.env["res.partner"].create({
            "name": "Accounts Payable Dept", "parent_id": cls.customer.id, "type": "invoice",
            "email": "ap@customer.example",
        })
        cls.inv0 = cls._ispec_invoice("out_invoice", "2024-12-01", "2024-12-31", 400.0)
        cls._ispec_pay(cls.inv0, 400.0, "2025-01-05")
        cls.inv1 = cls._ispec_invoice("out_invoice", "2025-01-10", "2025-01-20", 1000.0)
        cls.pay1 = cls._ispec_pay(cls.inv1, 300.0, "2025-02-15")
        cls.pay2 = cls._ispec_pay(cls.inv1, 200.0, "2025-04-10")
        cls.rf1 = cls._ispec_invoice("out_refund", "2025-02-20", "2025-02-20", 80.0)
        cls.rf1_pay = cls._ispec_pay(cls.rf1, 80.0, "2025-03-12")
        cls.inv2 = cls._ispec_invoice("out_invoice", "2025-03-05", "2025-04-04", 500.0)
        cls.cn1 = cls._ispec_invoice("out_refund", "2025-03-10", "2025-03-10", 150.0)
        cls.inv3 = cls._ispec_invoice("out_invoice", "2025-02-01", "2025-02-11", 600.0, currency=cls.eur)
        cls.pay3 = cls._ispec_pay(cls.inv3, 250.0, "2025-03-20", currency=cls.eur)

    @classmethod
    def _ispec_invoice(cls, move_type, invoice_date, due, amount, currency=None, partner=None):
        move = cls.env["account.move"].create({
            "move_type": move_type,
            "partner_id": (partner or cls.customer).id,
            "invoice_date": invoice_date,
            "date": invoice_date,
            "invoice_date_due": due,
            "currency_id": (currency or cls.usd).id,
            "invoice_line_ids": [Command.create({
                "product_id": cls.product_a.id, "price_unit": amount, "tax_ids": [Command.clear()],
            })],
        })
        move.action_post()
        return move

    @classmethod
    def _ispec_run_customers(cls):
        """The customers a statement run must tell apart: one settled (zero balance), one without email,
        one whose mail a test makes fail."""
        cls.zero = cls.env["res.partner"].create({"name": "Settled Customer", "email": "settled@example.com"})
        inv = cls._ispec_invoice("out_invoice", "2025-02-01", "2025-02-01", 90.0, partner=cls.zero)
        cls._ispec_pay(inv, 90.0, "2025-02-10")
        cls.no_email = cls.env["res.partner"].create({"name": "Paper Customer"})
        cls._ispec_invoice("out_invoice", "2025-03-01", "2025-03-30", 40.0, partner=cls.no_email)
        cls.fragile = cls.env["res.partner"].create({"name": "Fragile Customer", "email": "fragile@example.com"})
        cls._ispec_invoice("out_invoice", "2025-03-01", "2025-03-30", 60.0, partner=cls.fragile)

    @classmethod
    def _ispec_run_users(cls, prefix):
        """A specialist (with an email, the sender of the statements) and an auditor of the company."""
        company_ids = [(6, 0, cls.env.company.ids)]
        cls.specialist = new_test_user(
            cls.env, f"{prefix}_specialist", groups="invoicing_specialist.group_specialist",
            company_id=cls.env.company.id, company_ids=company_ids, email="specialist@example.com",
        )
        cls.auditor = new_test_user(
            cls.env, f"{prefix}_auditor", groups="invoicing_specialist.group_auditor",
            company_id=cls.env.company.id, company_ids=company_ids,
        )

    @classmethod
    def _ispec_pay(cls, moves, amount, pay_date, currency=None):
        return cls.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=moves.ids
        ).create({
            "amount": amount, "payment_date": pay_date, "currency_id": (currency or cls.usd).id,
        })._create_payments()

    def _statement(self, statement_type="outstanding", partners=None, date_end=None):
        partners = partners or self.customer
        return self.env["ispec.statement"]._get_statement_data(
            partners.ids, date_end or self.DATE_END, self.DATE_START, statement_type, self.env.company
        )

    def _section(self, statement, currency):
        return next(section for section in statement["sections"] if section["currency"] == currency)


@tagged("post_install", "-at_install")
class TestStatementData(StatementLedgerCase):
    """The statement figures on the hand-worked ledger, and their reconciliation with the journal items."""

    def test_outstanding_by_hand(self):
        statement = self._statement()[self.customer.id]
        self.assertEqual([s["currency"] for s in statement["sections"]], [self.usd, self.eur],
                         "one section per currency, company currency first")
        usd = self._section(statement, self.usd)
        self.assertEqual(
            [(line["move_id"], line["original"], line["open"]) for line in usd["lines"]],
            [(self.inv1.id, 1000.0, 700.0), (self.cn1.id, -150.0, -150.0), (self.inv2.id, 500.0, 500.0)],
            "open items by due date; INV1's payment of 04-10 is after the date and ignored",
        )
        self.assertEqual([line["running"] for line in usd["lines"]], [700.0, 550.0, 1050.0])
        self.assertEqual(usd["buckets"], [500.0, -150.0, 0.0, 700.0, 0.0, 0.0])
        self.assertEqual(usd["open_total"], 1050.0)
        self.assertEqual(usd["disputed"], 0.0)
        self.assertEqual(usd["amount_due"], 1050.0)
        self.assertEqual(usd["closing_balance"], 1050.0)
        eur = self._section(statement, self.eur)
        self.assertEqual([(line["move_id"], line["original"], line["open"]) for line in eur["lines"]],
                         [(self.inv3.id, 600.0, 350.0)])
        self.assertEqual(eur["buckets"], [0.0, 0.0, 350.0, 0.0, 0.0, 0.0])
        self.assertEqual(eur["amount_due"], 350.0)
        self.assertEqual(eur["open_total_company"], 175.0)

    def test_today_differs_from_as_of(self):
        """Today INV1 is 500 open; on 03-31 it was 700. After 04-10 it is 500 too."""
        self.assertEqual(self.inv1.amount_residual, 500.0)
        later = self._statement(date_end=date(2025, 4, 30))[self.customer.id]
        self.assertEqual(self._section(later, self.usd)["lines"][0]["open"], 500.0)
        before = self._statement(date_end=date(2025, 2, 14))[self.customer.id]
        usd = self._section(before, self.usd)
        self.assertEqual([(line["move_id"], line["open"]) for line in usd["lines"]],
                         [(self.inv1.id, 1000.0)], "before the first payment, before INV2 and CN1; RF1 not yet")
        self.assertEqual(usd["buckets"], [0.0, 1000.0, 0.0, 0.0, 0.0, 0.0], "25 days overdue")

    def test_activity_by_hand(self):
        statement = self._statement("activity")[self.customer.id]
        usd = self._section(statement, self.usd)
        self.assertEqual(usd["balance_forward"], 620.0)
        self.assertEqual(
            [(row["move_id"], row["amount"], row["running"]) for row in usd["activity"]],
            [(self.inv2.id, 500.0, 1120.0), (self.cn1.id, -150.0, 970.0),
             (self.rf1_pay.move_id.id, 80.0, 1050.0)],
        )
        self.assertEqual([row["doc_type"] for row in usd["activity"]], ["invoice", "credit_note", "refund"])
        self.assertEqual(usd["closing_balance"], 1050.0)
        self.assertEqual(usd["buckets"], [500.0, -150.0, 0.0, 700.0, 0.0, 0.0], "aging as of the end date")
        eur = self._section(statement, self.eur)
        self.assertEqual(eur["balance_forward"], 600.0)
        self.assertEqual([(row["doc_type"], row["amount"], row["running"]) for row in eur["activity"]],
                         [("payment", -250.0, 350.0)])
        self.assertEqual(eur["closing_balance"], 350.0)

    def test_monthly_buckets(self):
        self.env.company.ispec_statement_aging = "months"
        usd = self._section(self._statement()[self.customer.id], self.usd)
        # Current 500; March: CN1 -150; February: none; January: INV1 700.
        self.assertEqual(usd["buckets"], [500.0, -150.0, 0.0, 700.0, 0.0, 0.0])

    def test_reconciles_with_journal_items(self):
        """The balance is the sum of the customer's receivable items up to the date (partner ledger),
        and each bucket is the sum of the open amounts as of the date of the items falling in it."""
        statement = self._statement()[self.customer.id]
        domain = [
            ("partner_id", "=", self.customer.id), ("account_id.account_type", "=", "asset_receivable"),
            ("parent_state", "=", "posted"), ("date", "<=", self.DATE_END),
        ]
        items = self.env["account.move.line"].search(domain)
        ledger_balance = sum(items.mapped("balance"))
        self.assertAlmostEqual(ledger_balance, 1050.0 + 175.0)
        self.assertAlmostEqual(sum(s["open_total_company"] for s in statement["sections"]), ledger_balance)
        self.assertAlmostEqual(sum(s["closing_balance_company"] for s in statement["sections"]), ledger_balance)
        for section in statement["sections"]:
            currency_items = items.filtered(lambda line, cur=section["currency"]: line.currency_id == cur)
            self.assertAlmostEqual(section["closing_balance"], sum(currency_items.mapped("amount_currency")))
            # Open as of the date, worked out from the ORM: today's residual plus what was
            # reconciled after the date.
            expected = [0.0] * 6
            for line in currency_items:
                later = (line.matched_debit_ids | line.matched_credit_ids).filtered(
                    lambda p: p.max_date > self.DATE_END
                )
                open_amount = line.amount_residual_currency + sum(
                    p.debit_amount_currency if p.debit_move_id == line else -p.credit_amount_currency
                    for p in later
                )
                if open_amount:
                    overdue = (self.DATE_END - line.date_maturity).days
                    idx = 0 if overdue <= 0 else min((overdue - 1) // 30, 4) + 1
                    expected[idx] += open_amount
            self.assertEqual(section["buckets"], expected, section["currency"].name)
            self.assertAlmostEqual(sum(section["buckets"]), section["open_total"])

    def test_disputed_amount_own_column_not_due(self):
        """An open dispute's amount is shown apart and left out of the amount due; resolving the
        case (here: cancelling it) brings the amount due back."""
        dispute = self.env["ispec.dispute"].create({
            "move_id": self.inv1.id, "amount_original": 120.0,
            "reason_id": self.env.ref("invoicing_specialist.dispute_reason_price").id,
        })
        with freeze_time("2025-03-20"):  # open on the statement date
            dispute.action_open()
        usd = self._section(self._statement()[self.customer.id], self.usd)
        self.assertEqual([line["disputed"] for line in usd["lines"]], [120.0, 0.0, 0.0])
        self.assertEqual(usd["disputed"], 120.0)
        self.assertEqual(usd["open_total"], 1050.0)
        self.assertEqual(usd["amount_due"], 930.0)
        self.assertEqual(usd["buckets"], [500.0, -150.0, 0.0, 700.0, 0.0, 0.0], "aging keeps disputed items")
        self.assertEqual(usd["amount_due_company"], 930.0)
        with freeze_time("2025-03-25"):  # closed before the statement date
            dispute.action_cancel()
        usd = self._section(self._statement()[self.customer.id], self.usd)
        self.assertEqual((usd["disputed"], usd["amount_due"]), (0.0, 1050.0))

    def test_other_company_items_left_out(self):
        other = self.setup_other_company()["company"]
        move = self._ispec_invoice_other_company(other)
        self.assertTrue(move)
        usd = self._section(self._statement()[self.customer.id], self.usd)
        self.assertEqual(usd["open_total"], 1050.0)
        theirs = self.env["ispec.statement"].with_company(other)._get_statement_data(
            self.customer.ids, self.DATE_END, company=other
        )[self.customer.id]
        self.assertEqual([s["open_total"] for s in theirs["sections"]], [999.0])

    def _ispec_invoice_other_company(self, company):
        move = self.env["account.move"].with_company(company).create({
            "move_type": "out_invoice", "partner_id": self.customer.id, "invoice_date": "2025-03-01",
            "invoice_date_due": "2025-03-01", "company_id": company.id,
            "invoice_line_ids": [Command.create({"name": "x", "price_unit": 999.0, "tax_ids": [Command.clear()]})],
        })
        move.action_post()
        return move

    def test_query_count_bounded(self):
        partners = self.env["res.partner"].create([{"name": f"Bulk {i}"} for i in range(100)])
        moves = self.env["account.move"].create([{
            "move_type": "out_invoice", "partner_id": partner.id, "invoice_date": "2025-03-01",
            "invoice_date_due": "2025-03-15",
            "invoice_line_ids": [Command.create({"name": "x", "price_unit": 10.0 + i, "tax_ids": [Command.clear()]})],
        } for i, partner in enumerate(partners)])
        moves.action_post()
        statement_model = self.env["ispec.statement"]

        def count(partner_ids):
            self.env.invalidate_all()
            before = self.cr.sql_log_count
            data = statement_model._get_statement_data(partner_ids, self.DATE_END, company=self.env.company)
            return self.cr.sql_log_count - before, data

        count(partners[2:3].ids)  # warm the registry's caches (rules, company tree)
        one, data_one = count(partners[:1].ids)
        hundred, data_hundred = count(partners.ids)
        self.assertEqual(one, hundred, "the same number of queries for 1 and for 100 customers")
        self.assertEqual(data_one[partners[0].id]["sections"][0]["amount_due"], 10.0)
        self.assertEqual(sum(data_hundred[p.id]["sections"][0]["amount_due"] for p in partners),
                         sum(10.0 + i for i in range(100)))
        self.env.invalidate_all()
        with self.assertQueryCount(one):
            statement_model._get_statement_data(partners[:1].ids, self.DATE_END, company=self.env.company)
        self.env.invalidate_all()
        with self.assertQueryCount(one):
            statement_model._get_statement_data(partners.ids, self.DATE_END, company=self.env.company)
        self.env.invalidate_all()
        with self.assertQueryCount(one + 1):  # activity adds nothing but its own columns; +1 for slack
            statement_model._get_statement_data(partners.ids, self.DATE_END, self.DATE_START, "activity",
                                                self.env.company)
