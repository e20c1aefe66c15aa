from dateutil.relativedelta import relativedelta

from odoo import api, fields, models


class ResCompany(models.Model):
    """Builds the receivables story of the demo data: a year of customer invoices, payments,
    part payments, credit notes and overdue items, dated relative to today so that aging,
    statements and reports always have something to show. Called only from demo XML."""

    # A method on an existing model, not a model of its own: a database installed without demo data
    # must not carry demo-only models.
    _inherit = "res.company"

    @api.model
    def _ispec_demo_customer_history(self):
        today = fields.Date.context_today(self)
        ref = self.env.ref
        net30 = ref("account.account_payment_term_30days")
        eur = ref("base.EUR")
        eur.active = True
        # No xmlids on these: they are business records referenced by posted entries, so
        # uninstalling the addon must leave them alone, as it leaves the books alone.
        Product = self.env["product.product"]
        consulting = Product.create({
            "name": "Consulting Hour", "type": "service", "list_price": 120.0, "standard_price": 70.0,
            "uom_id": ref("uom.product_uom_hour").id,
        })
        chairs = Product.create({
            "name": "Ergonomic Office Chair", "type": "consu", "is_storable": True,
            "list_price": 180.0, "standard_price": 110.0,
        })
        paper = Product.create({"name": "Copy Paper Ream", "type": "consu", "list_price": 6.5, "standard_price": 3.2})
        Partner = self.env["res.partner"]

        def customer(name, email, city, country, **extra):
            return Partner.create({
                "name": name, "is_company": True, "email": email, "city": city,
                "country_id": ref(country).id, **extra,
            })

        def invoice(customer, months_ago, lines, currency=None, move_type="out_invoice", days=0):
            move = self.env["account.move"].create({
                "move_type": move_type,
                "partner_id": customer.id,
                "invoice_date": today - relativedelta(months=months_ago, days=days),
                "invoice_payment_term_id": net30.id,
                "currency_id": (currency or self.env.company.currency_id).id,
                "invoice_line_ids": [
                    (0, 0, {"product_id": product.id, "quantity": qty, "price_unit": price})
                    for product, qty, price in lines
                ],
            })
            move.action_post()
            return move

        def pay(moves, months_ago, amount=None, days=0):
            wizard = self.env["account.payment.register"].with_context(
                active_model="account.move", active_ids=moves.ids
            ).create({"payment_date": today - relativedelta(months=months_ago, days=days)})
            if amount is not None:
                wizard.amount = amount
            wizard.action_create_payments()

        # Northwind Retail: a good payer, one invoice a month, the last one not yet due.
        northwind = customer("Northwind Retail", "accounts@northwind.example.com", "Bristol", "base.uk")
        for months_ago in range(11, 0, -1):
            paid = invoice(northwind, months_ago, [(consulting, 10, 120.0), (paper, 20, 6.5)])
            pay(paid, months_ago - 1, days=-20)
        invoice(northwind, 0, [(consulting, 8, 120.0)], days=3)

        # Atlas Builders: slow payer with items overdue 1-30, 31-60, 91-120 days, one partly paid.
        atlas = customer("Atlas Builders", "payables@atlas-builders.example.com", "Denver", "base.us", child_ids=[
            (0, 0, {"name": "Dana Ortiz", "type": "invoice", "email": "dana.ortiz@atlas-builders.example.com"}),
        ])
        invoice(atlas, 5, [(chairs, 12, 180.0)])
        partly = invoice(atlas, 3, [(chairs, 20, 175.0), (consulting, 6, 120.0)])
        pay(partly, 2, amount=2000.0)
        disputed = invoice(atlas, 2, [(consulting, 15, 120.0)])
        invoice(atlas, 1, [(paper, 200, 6.0)], days=15)

        # Cedar Clinics: an invoice corrected by a credit note, a late payment and a current item.
        cedar = customer("Cedar Clinics", "finance@cedar-clinics.example.com", "Portland", "base.us")
        wrong = invoice(cedar, 4, [(chairs, 10, 190.0)])
        credit = invoice(cedar, 4, [(chairs, 2, 190.0)], move_type="out_refund", days=-5)
        (wrong + credit).line_ids.filtered(lambda line: line.account_type == "asset_receivable").reconcile()
        pay(wrong, 2)
        late = invoice(cedar, 3, [(consulting, 12, 125.0)])
        pay(late, 1)
        invoice(cedar, 0, [(paper, 50, 6.5), (consulting, 2, 125.0)], days=10)

        # Blue Lagoon Hotels: billed in euros, one paid, one open and one overdue.
        lagoon = customer("Blue Lagoon Hotels", "comptabilite@bluelagoon.example.com", "Marseille", "base.fr")
        paid_eur = invoice(lagoon, 6, [(chairs, 30, 160.0)], currency=eur)
        pay(paid_eur, 5)
        invoice(lagoon, 2, [(consulting, 20, 110.0)], currency=eur)
        invoice(lagoon, 0, [(paper, 100, 6.0)], currency=eur, days=5)

        # Disputes: Atlas questions 3 of the 15 consulting hours; an office supplier's bill is
        # questioned on price, so its payment is held.
        Dispute = self.env["ispec.dispute"].with_context(default_user_id=ref("base.user_admin").id)
        hours = Dispute.create({
            "move_id": disputed.id, "scope": "lines",
            "reason_id": ref("invoicing_specialist.dispute_reason_quantity").id,
            "line_ids": [(0, 0, {"invoice_line_id": disputed.invoice_line_ids[:1].id, "quantity": 3})],
            "comment_customer": "<p>Only 12 hours were signed off on the timesheet.</p>",
        })
        hours.action_open()
        supplier = customer("Paper & Co Supplies", "invoices@paperco.example.com", "Leeds", "base.uk")
        bill = invoice(supplier, 1, [(paper, 400, 3.6)], move_type="in_invoice")
        price = Dispute.create({
            "move_id": bill.id, "amount_original": 160.0,
            "reason_id": ref("invoicing_specialist.dispute_reason_price").id,
            "comment_internal": "<p>Contract price is 3.20 a ream.</p>",
        })
        price.action_open()
        price.action_review()
