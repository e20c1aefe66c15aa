"""A generated ledger for the benchmarks at scale (`make scale`, tools/scale.sh), deterministic from a seed.

Usage: scale_ledger.py ODOO_CONF DB --entries N [--seed S] [--end YYYY-MM-DD] [--months 24]

In the database's company "Scale Ledger SA" (French, EUR, Odoo's French chart, so that Odoo's FEC export
runs on it) it creates customers, vendors and products, then ``N`` posted journal entries over ``--months``
months ending on ``--end``: customer invoices in EUR and USD (open, paid in full, paid in part, credited in
full or in part), vendor bills without purchase order (open and paid), the payments and credit notes with
their reconciliations; and purchase orders (a quarter of the documents) with their receipts, received in
full, in part (with the backorder) or not at all, and their vendor bills: matching, waiting for the receipt,
and breaking each matching rule (billed above received, above ordered, price above, price below, another
unit, a line without PO, a duplicate vendor reference), in EUR and USD, open, paid and part-paid.

Then, with the addon's own code: its bill matching over every bill with a purchase order, in batches
(``ispec.match._check_bills``, as the daily recheck), so the match states, reasons, duplicates and holds are
the addon's; and disputes (``ispec.dispute``, one per ``--entries``/1500, a fifth on vendor bills) opened
with ``action_open`` on the ledger's last day (the customer's receivable lines leave follow-up, the bill's
payment is held), some then under review, accepted (credit note), rejected or cancelled.

How: a few dozen *bundles* (an invoice with its payment or credit note, a bill...) are made with the ORM
exactly as a user would (Form-free ``create``, ``action_post``, the payment register and reversal wizards).
Each bundle is then cloned in batched SQL (``INSERT ... SELECT``), row for row: every stored column is
copied from the ORM's own rows, and only what differs between two such documents is changed: ids and the
references between the cloned rows (moves, lines, payments, partial and full reconciliations, chatter
messages and tracking values), the partner, the user, the dates (shifted by whole days), the amounts
(multiplied by a whole factor: quantities, balances, residuals, taxes and partials alike, so every entry
stays balanced and every residual and payment state stays true), and the names (each journal's sequence
continued in date order per prefix, sequence_prefix and sequence_number with them, the name replaced
wherever the ORM wrote it: move_name, payment_reference, ref, labels, messages). The currency rate is one
constant rate, so a USD document cloned to another date is still converted as Odoo would convert it.
A purchase order's bundle is cloned with factor 1 (its quantities as Odoo made them); its orders and receipts
get their sequences continued (P00042, SCALE/IN/00042) and the links in chatter messages point to the clone's
own records.

The books balance by construction; the script checks it at the end (every move balanced, trial balance
sums to zero, residuals equal to the lines') and runs ANALYZE.
"""

import argparse
import datetime
import io
import os
import random
import sys
import time

from freezegun import freeze_time

import odoo.init  # noqa: F401 (the odoo namespace's shortcuts, as odoo-bin sets them up)
from odoo import SUPERUSER_ID, Command, api, fields
from odoo.modules.registry import Registry
from odoo.tools import SQL, config

COMPANY_NAME = "Scale Ledger SA"
USD_RATE = 1.0825  # USD per EUR, one rate from before the first date: conversions stay exact in clones
TEMPLATE_CUSTOMER = "Scale Template Customer"
TEMPLATE_VENDOR = "Scale Template Vendor"
# Tables cloned row for row, in insertion order (references point backwards or are deferred).
CLONED = ("account_move", "account_full_reconcile", "account_move_line", "account_payment",
          "account_partial_reconcile", "purchase_order", "purchase_order_line", "stock_reference", "stock_picking",
          "stock_move", "stock_move_line", "mail_message", "mail_tracking_value")
# The documents other than journal entries a bundle holds (a purchase order and its receipts), by table and model.
DOCUMENTS = {"purchase_order": "purchase.order", "stock_picking": "stock.picking"}
# Models whose chatter messages are cloned with their records (mail_message.res_id), by table.
MESSAGE_MODELS = {"account_move": "account.move", "account_payment": "account.payment", **DOCUMENTS}
# Columns that hold money or quantities: multiplied by the clone's factor.
SCALED = {"quantity", "balance", "debit", "credit", "price_subtotal", "price_total", "tax_base_amount",
          "discount_balance", "discount_amount_currency", "debit_amount_currency", "credit_amount_currency"}
# Text columns where the ORM writes a document's name or its partner's name.
RENAMED = {"name", "ref", "payment_reference", "move_name", "memo", "record_name", "invoice_partner_display_name",
           "old_value_char", "new_value_char", "body", "invoice_origin", "payment_ref", "origin", "reference"}
PARTNER_COLUMNS = {"partner_id", "commercial_partner_id", "partner_shipping_id"}
CLONES_PER_STATEMENT = 20000


def log(message, *args):
    print(f"[scale {time.strftime('%H:%M:%S')}] " + (message % args if args else message), flush=True)


# ------------------------------------------------------------------------------------------------------
# Company, partners, products (ORM)
# ------------------------------------------------------------------------------------------------------
def setup_company(env):
    company = env["res.company"].search([("name", "=", COMPANY_NAME)], limit=1)
    if company:
        raise SystemExit(f"{env.cr.dbname} already has {COMPANY_NAME}: generate into a fresh database")
    # install_mode: Odoo would install the country's other modules (Peppol...) on creating a French company;
    # the chart is loaded explicitly below.
    company = env["res.company"].with_context(install_mode=True).create({
        "name": COMPANY_NAME, "country_id": env.ref("base.fr").id, "currency_id": env.ref("base.EUR").id,
        "vat": "FR23334175221", "street": "1 rue de la Paix", "city": "Paris", "zip": "75002",
    })
    env["account.chart.template"].try_loading("fr", company, install_demo=False)
    env = env(context=dict(env.context, allowed_company_ids=[company.id]))
    # A warehouse for the receipts (install_mode left the company without one).
    if not env["stock.warehouse"].search([("company_id", "=", company.id)], limit=1):
        env["stock.warehouse"].create({"name": COMPANY_NAME, "code": "SCALE", "company_id": company.id})
    usd = env.ref("base.USD")
    usd.active = True
    env["res.currency.rate"].create({"currency_id": usd.id, "company_id": company.id, "name": "2000-01-01",
                                     "rate": USD_RATE})
    # Payments get journal entries straight on the bank account (Odoo 19 makes none without an outstanding
    # account): the ledger then holds the payments, reconciled with the invoices they pay.
    bank = env["account.journal"].search([("company_id", "=", company.id), ("type", "=", "bank")], limit=1)
    (bank.inbound_payment_method_line_ids | bank.outbound_payment_method_line_ids).payment_account_id = \
        bank.default_account_id
    users = env["res.users"].with_context(no_reset_password=True).create([{
        "name": f"Scale Accountant {i}", "login": f"scale.accountant{i}", "company_id": company.id,
        "company_ids": [Command.link(company.id)],
        "group_ids": [Command.link(env.ref("account.group_account_manager").id),
                      Command.link(env.ref("purchase.group_purchase_manager").id),
                      Command.link(env.ref("stock.group_stock_manager").id),
                      Command.link(env.ref("invoicing_specialist.group_manager").id)],
    } for i in range(1, 5)])
    return env, company, bank, users


def make_partners(env, rng, customers, vendors):
    countries = [env.ref(f"base.{code}").id for code in ("fr", "be", "de", "us", "es", "it")]
    streets = ["rue de Rivoli", "avenue Foch", "boulevard Voltaire", "Main Street", "Hauptstrasse", "calle Mayor"]
    vals = [{"name": TEMPLATE_CUSTOMER, "customer_rank": 1, "country_id": countries[0]},
            {"name": TEMPLATE_VENDOR, "supplier_rank": 1, "country_id": countries[0]}]
    vals += [{"name": f"Customer {i:06d} {rng.choice(['SARL', 'SA', 'GmbH', 'Inc', 'SAS'])}", "customer_rank": 1,
              "is_company": True, "country_id": rng.choice(countries),
              "street": f"{rng.randint(1, 200)} {rng.choice(streets)}"} for i in range(customers)]
    vals += [{"name": f"Vendor {i:05d} {rng.choice(['SARL', 'SA', 'Ltd'])}", "supplier_rank": 1, "is_company": True,
              "country_id": rng.choice(countries)} for i in range(vendors)]
    # tracking_disable: no "contact created" message per partner, a third of the time of creating them.
    partners = env["res.partner"].with_context(tracking_disable=True).create(vals)
    return partners[0], partners[1], partners[2:2 + customers], partners[2 + customers:]


def make_products(env, rng, company, count=24):
    """Products on several income and expense accounts of the French chart (70x sales, 60x-62x purchases)."""
    Account = env["account.account"].with_company(company)
    income = Account.search([("code", "=like", "70%"), ("account_type", "=", "income")], order="code", limit=8)
    expense = Account.search([("code", "=like", "6%"), ("account_type", "=", "expense")], order="code", limit=12)
    return env["product.product"].with_company(company).create([{
        "name": f"Scale Product {i:02d}", "type": "service" if i % 3 else "consu",
        "list_price": 5 * rng.randint(2, 200), "standard_price": 5 * rng.randint(1, 100),
        "property_account_income_id": income[i % len(income)].id,
        "property_account_expense_id": expense[i % len(expense)].id,
    } for i in range(count)])


# ------------------------------------------------------------------------------------------------------
# Bundles (ORM): the documents each clone copies
# ------------------------------------------------------------------------------------------------------
class Bundles:
    def __init__(self, env, company, bank, users, products, customer, vendor, base_date, rng):
        self.env, self.company, self.bank, self.users = env, company, bank, users
        self.products, self.customer, self.vendor = products, customer, vendor
        self.base_date, self.rng = base_date, rng
        self.eur, self.usd = env.ref("base.EUR"), env.ref("base.USD")
        self.made = []  # (kind, side, weight, moves, payments, {table: ids of the bundle's other documents})
        self.goods = products.filtered(lambda p: p.type == "consu")  # billed on received quantities
        self.services = products - self.goods  # billed on ordered quantities

    def _lines(self, count, sale):
        picked = self.rng.sample(list(self.products), count)
        return [Command.create({"product_id": p.id, "quantity": self.rng.randint(1, 12),
                                "price_unit": p.list_price if sale else p.standard_price}) for p in picked]

    def _invoice(self, move_type, currency, lines, user):
        sale = move_type.startswith("out_")
        move = self.env["account.move"].with_user(user).create({
            "move_type": move_type, "partner_id": (self.customer if sale else self.vendor).id,
            "invoice_date": self.base_date, "date": self.base_date, "currency_id": currency.id,
            # A vendor's own number: each clone gets its own (VB-<clone>), as two real bills would.
            "ref": False if sale else f"VB-T{len(self.made):03d}",
            "invoice_line_ids": self._lines(lines, sale),
        })
        self._end_request()
        move.action_post()
        return move

    def _end_request(self):
        """What the end of a user's request does: Odoo tracks changes (the move's state going to Posted, with
        who and when) only on records that existed before the request, and logs them before the commit."""
        self.env.flush_all()
        self.env.cr.precommit.run()

    def _pay(self, move, user, days, ratio=None):
        wizard = self.env["account.payment.register"].with_user(user).with_context(
            active_model="account.move", active_ids=move.ids).create({
                "payment_date": self.base_date + datetime.timedelta(days=days), "journal_id": self.bank.id})
        if ratio:
            wizard.amount = move.currency_id.round(move.amount_total * ratio)
        payments = wizard._create_payments()
        return payments

    def _credit(self, move, user, days, partial):
        reversal = self.env["account.move.reversal"].with_user(user).with_context(
            active_model="account.move", active_ids=move.ids).create({
                "date": self.base_date + datetime.timedelta(days=days), "journal_id": move.journal_id.id,
                "reason": self.rng.choice(["Damaged goods", "Price error", "Returned", "Commercial gesture"])})
        refund = self.env["account.move"].browse(reversal.refund_moves()["res_id"])
        if partial:
            for line in refund.invoice_line_ids:
                line.quantity = max(1, line.quantity // 2)
        self._end_request()
        refund.with_user(user).action_post()  # Odoo reconciles it with the invoice it reverses
        return refund

    def _closure(self, moves):
        """The moves with every move reconciled with them: the exchange difference entries Odoo makes when
        a foreign-currency payment's conversion differs by a cent from the invoice's (EXCH/...)."""
        while True:
            lines = moves.line_ids
            partials = lines.matched_debit_ids | lines.matched_credit_ids
            more = partials.exchange_move_id | partials.debit_move_id.move_id | partials.credit_move_id.move_id
            if more <= moves:
                return moves
            moves |= more

    def add(self, kind, weight, side, move_type, currency, lines, then=None):
        user = self.rng.choice(self.users)
        move = self._invoice(move_type, currency, lines, user)
        moves, payments = move, self.env["account.payment"]
        if then == "paid":
            payments = self._pay(move, user, self.rng.randint(10, 45))
        elif then == "partial":
            payments = self._pay(move, user, self.rng.randint(10, 45), ratio=self.rng.choice([0.3, 0.5, 0.6]))
        elif then in ("credit", "partial_credit"):
            moves |= self._credit(move, user, self.rng.randint(5, 30), then == "partial_credit")
        moves |= payments.move_id
        self._end_request()
        moves = self._closure(moves)
        self.made.append((kind, side, weight, moves, payments, {}))

    def add_po(self, kind, weight, receipt, bill="match", then=None, currency=None, goods=2, services=0):
        """A purchase order confirmed, received in full, in part (with its backorder) or not at all, and its
        vendor bill(s), made as the buyer, the warehouse and the accountant would (Odoo's own receipt
        validation, bill lines from Odoo's own PO line values). ``bill`` is what the bill does against the
        order: "match" (the received quantity, or the ordered one for services and when nothing is received),
        "ordered" (the ordered quantity, whatever was received), "over" (more than ordered), "price_above",
        "price_below", "unit" (in a unit without a common reference), "no_po" (an extra line without PO),
        "duplicate" (a second bill with the same vendor reference for the same goods)."""
        env, rng = self.env, self.rng
        user = self.rng.choice(self.users)
        currency = currency or self.eur
        products = rng.sample(list(self.goods), goods) + rng.sample(list(self.services), services)
        # The PO's dates are left to Odoo (now): date_templates moves every timestamp to the bundle's date.
        order = env["purchase.order"].with_user(user).create({
            "partner_id": self.vendor.id, "currency_id": currency.id,
            "order_line": [Command.create({"product_id": p.id, "product_qty": rng.randint(2, 12) * 2,
                                           "price_unit": p.standard_price}) for p in products],
        })
        self._end_request()
        order.with_user(user).button_confirm()
        self._end_request()
        if receipt != "none":
            picking = order.picking_ids
            for move in picking.move_ids:
                move.quantity = move.product_uom_qty if receipt == "full" else move.product_uom_qty // 2
                move.picked = True
            self._end_request()
            picking.with_user(user)._action_done()  # the partial one leaves a backorder, as "Create Backorder"
            self._end_request()
        ref = f"VB-T{len(self.made):03d}"
        lines = []
        for po_line in order.order_line:
            vals = po_line._prepare_account_move_line()
            vals.pop("is_downpayment", None)
            if bill != "match" or not vals["quantity"]:
                vals["quantity"] = po_line.product_qty + (2 if bill == "over" else 0)
            if bill in ("price_above", "price_below") and po_line == order.order_line[0]:
                vals["price_unit"] = currency.round(vals["price_unit"] * (1.1 if bill == "price_above" else 0.9))
            if bill == "unit" and po_line == order.order_line[0]:
                vals["product_uom_id"] = env.ref("uom.product_uom_kgm").id
            lines.append(vals)
        if bill == "no_po":
            extra = self.rng.choice([p for p in self.services if p not in products])
            lines.append({"product_id": extra.id, "quantity": 1, "price_unit": extra.standard_price})
        bills = env["account.move"]
        for _copy in range(2 if bill == "duplicate" else 1):
            bills |= env["account.move"].with_user(user).create({
                "move_type": "in_invoice", "partner_id": self.vendor.id, "invoice_date": self.base_date,
                "date": self.base_date, "currency_id": currency.id, "ref": ref, "invoice_origin": order.name,
                "invoice_line_ids": [Command.create(dict(vals)) for vals in lines],
            })
            self._end_request()
            bills[-1:].with_user(user).action_post()
            self._end_request()
        moves, payments = bills, env["account.payment"]
        if then == "paid":
            payments = self._pay(bills[:1], user, self.rng.randint(20, 45))
        elif then == "partial":
            payments = self._pay(bills[:1], user, self.rng.randint(20, 45), ratio=0.5)
        moves |= payments.move_id
        self._end_request()
        moves = self._closure(moves)
        order.invalidate_recordset()
        pickings = order.picking_ids
        documents = {
            "purchase_order": order.ids, "purchase_order_line": order.order_line.ids,
            "stock_reference": order.reference_ids.ids, "stock_picking": pickings.ids,
            "stock_move": pickings.move_ids.ids, "stock_move_line": pickings.move_ids.move_line_ids.ids,
        }
        self.made.append((kind, "vendor", weight, moves, payments, documents))

    def build(self):
        eur, usd = self.eur, self.usd
        for lines in (3, 5, 7):
            self.add(f"invoice EUR open {lines}", 3, "customer", "out_invoice", eur, lines)
            self.add(f"invoice EUR paid {lines}", 6, "customer", "out_invoice", eur, lines, "paid")
            self.add(f"invoice EUR part-paid {lines}", 2, "customer", "out_invoice", eur, lines, "partial")
            self.add(f"invoice USD paid {lines}", 2, "customer", "out_invoice", usd, lines, "paid")
            self.add(f"invoice USD open {lines}", 1, "customer", "out_invoice", usd, lines)
            self.add(f"bill EUR open {lines}", 2, "vendor", "in_invoice", eur, lines)
            self.add(f"bill EUR paid {lines}", 3, "vendor", "in_invoice", eur, lines, "paid")
        for lines in (4, 6):
            self.add(f"invoice EUR credited {lines}", 1, "customer", "out_invoice", eur, lines, "credit")
            self.add(f"invoice EUR part-credited {lines}", 1, "customer", "out_invoice", eur, lines, "partial_credit")
            self.add(f"invoice USD part-paid {lines}", 1, "customer", "out_invoice", usd, lines, "partial")
        # Purchase orders and their bills: received in full, in part, not at all; bills that match, that
        # break each matching rule, duplicates. Weighed so that about a quarter of the clones are PO bills,
        # most of them open (the daily recheck's work).
        self.add_po("PO received, bill matches", 6, "full")
        self.add_po("PO received, bill matches, with a service", 2, "full", services=1)
        self.add_po("PO received, bill matches, paid", 4, "full", then="paid")
        self.add_po("PO received, bill matches, part-paid", 1, "full", then="partial")
        self.add_po("PO received, USD bill matches", 1, "full", currency=usd)
        self.add_po("PO part-received, bill for what came", 3, "partial")
        self.add_po("PO part-received, bill for all ordered", 2, "partial", "ordered")
        self.add_po("PO not received, bill (waiting)", 2, "none")
        self.add_po("PO received, bill above ordered", 1, "full", "over")
        self.add_po("PO received, price above", 1, "full", "price_above")
        self.add_po("PO received, price below", 1, "full", "price_below")
        self.add_po("PO received, bill in another unit", 1, "full", "unit")
        self.add_po("PO received, bill with a line without PO", 1, "full", "no_po")
        self.add_po("PO received, billed twice (duplicate)", 1, "full", "duplicate")
        # Odoo writes the chatter's tracking values (posted by whom and when) just before the commit: run it
        # now, so the templates carry them and the clones copy them.
        self.env.flush_all()
        self.env.cr.precommit.run()
        self.env.flush_all()
        return self.made


# ------------------------------------------------------------------------------------------------------
# Cloning (SQL)
# ------------------------------------------------------------------------------------------------------
def execute(cr, query, *args):
    cr.execute(SQL(query, *args))


def columns_of(cr, table):
    execute(cr, """SELECT column_name, data_type FROM information_schema.columns
                    WHERE table_schema = current_schema() AND table_name = %s AND is_generated = 'NEVER'
                 ORDER BY ordinal_position""", table)
    return cr.fetchall()


def references_of(cr, table):
    """{column: referenced table} for the foreign keys of ``table`` into the cloned tables."""
    execute(cr, """SELECT a.attname, c.confrelid::regclass::text
                     FROM pg_constraint c
                     JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
                    WHERE c.contype = 'f' AND c.conrelid = %s::regclass
                      AND c.confrelid::regclass::text = ANY(%s)""", table, list(CLONED))
    return dict(cr.fetchall())


def relation_tables(cr):
    """Many2many tables (no id column, two foreign keys) linking a cloned table: {table: {column: target}}.
    Wizards' tables are left out (their rows belong to the wizard that made the template)."""
    execute(cr, """SELECT c.conrelid::regclass::text, a.attname, c.confrelid::regclass::text
                     FROM pg_constraint c
                     JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
                    WHERE c.contype = 'f'
                      AND c.conrelid IN (SELECT conrelid FROM pg_constraint
                                          WHERE contype = 'f' AND confrelid::regclass::text = ANY(%s))
                      AND NOT EXISTS (SELECT 1 FROM pg_attribute i WHERE i.attrelid = c.conrelid
                                         AND i.attname = 'id' AND NOT i.attisdropped)""", list(CLONED))
    tables = {}
    for table, column, target in cr.fetchall():
        tables.setdefault(table, {})[column] = target
    return {t: cols for t, cols in tables.items()
            if len(cols) == 2 and set(cols.values()) & set(CLONED)
            and not any(word in t for word in ("wizard", "reversal", "register", "send"))}


def record_templates(cr, bundles):
    """The temporary tables that describe the bundles: tpl (each template row by table, bundle and rank),
    bundle (partner, size per table)."""
    execute(cr, "CREATE TEMP TABLE tpl (tbl text, bundle int, old_id int, rank int)")
    execute(cr, "CREATE TEMP TABLE bundle (bundle int PRIMARY KEY, partner_id int, partner_name text, "
                "user_id int, user_partner_id int, vendor_ref text)")
    for number, (_kind, _side, _weight, moves, payments, documents) in enumerate(bundles):
        move_ids = sorted(moves.ids)
        partner = moves[0].partner_id
        user = moves[0].create_uid
        vendor_ref = moves.filtered(lambda move: move.move_type == "in_invoice")[:1].ref or ""
        execute(cr, "INSERT INTO bundle VALUES (%s, %s, %s, %s, %s, %s)", number, partner.id, partner.name, user.id,
                user.partner_id.id, vendor_ref)
        members = {
            "account_move": SQL("SELECT unnest(%s::int[])", move_ids),
            "account_move_line": SQL("SELECT id FROM account_move_line WHERE move_id = ANY(%s)", move_ids),
            "account_payment": SQL("SELECT unnest(%s::int[])", sorted(payments.ids)),
            "account_partial_reconcile": SQL(
                "SELECT id FROM account_partial_reconcile WHERE debit_move_id IN "
                "(SELECT id FROM account_move_line WHERE move_id = ANY(%s))", move_ids),
            "account_full_reconcile": SQL(
                "SELECT DISTINCT full_reconcile_id FROM account_move_line WHERE move_id = ANY(%s) "
                "AND full_reconcile_id IS NOT NULL", move_ids),
            **{table: SQL("SELECT unnest(%s::int[])", sorted(documents.get(table, [])))
               for table in ("purchase_order", "purchase_order_line", "stock_reference", "stock_picking", "stock_move",
                             "stock_move_line")},
            "mail_message": SQL(" OR ").join(
                SQL("(model = %s AND res_id = ANY(%s))", model, ids) for model, ids in (
                    ("account.move", move_ids), ("account.payment", sorted(payments.ids)),
                    *((model, sorted(documents.get(table, []))) for table, model in DOCUMENTS.items()))),
        }
        members["mail_message"] = SQL("SELECT id FROM mail_message WHERE %s", members["mail_message"])
        for table, query in members.items():
            execute(cr, """INSERT INTO tpl SELECT %s, %s, id, row_number() OVER (ORDER BY id)
                             FROM (%s) AS members(id)""", table, number, query)
        execute(cr, """INSERT INTO tpl SELECT 'mail_tracking_value', %s, v.id, row_number() OVER (ORDER BY v.id)
                         FROM mail_tracking_value v
                         JOIN tpl m ON m.tbl = 'mail_message' AND m.bundle = %s AND m.old_id = v.mail_message_id""",
                number, number)
    execute(cr, "CREATE INDEX ON tpl (tbl, bundle, old_id)")
    execute(cr, "ANALYZE tpl")
    # The links the ORM wrote in the templates' messages to records of their bundle ("created from P00001",
    # "payment of INV/..."): each clone's message links its own record.
    models = list(MESSAGE_MODELS.values())
    execute(cr, """
        CREATE TEMP TABLE message_link AS
        SELECT tp.bundle, tp.old_id AS message_id, target.tbl, target.old_id AS old_ref, target.rank,
               row_number() OVER (PARTITION BY tp.bundle, tp.old_id ORDER BY target.tbl, target.old_id) AS k
          FROM tpl tp
          JOIN mail_message m ON m.id = tp.old_id
          CROSS JOIN LATERAL (SELECT DISTINCT link[1] AS model, link[2]::int AS res_id
                                FROM regexp_matches(m.body, 'data-oe-model="([a-z_.]+)" data-oe-id="([0-9]+)"', 'g')
                                     AS link) l
          JOIN tpl target ON target.bundle = tp.bundle AND target.tbl = replace(l.model, '.', '_')
                         AND target.old_id = l.res_id
         WHERE tp.tbl = 'mail_message' AND l.model = ANY(%s)""", models)
    execute(cr, "CREATE INDEX ON message_link (bundle, message_id, k)")
    execute(cr, "ANALYZE message_link")


def date_templates(cr, first_day):
    """Move the templates' timestamps (created, written, posted, messages) from today to their documents'
    dates, as if entered on the day: their clones then shift them with their dates."""
    today = datetime.datetime.now().date()
    for table in CLONED:
        stamps = [column for column, data_type in columns_of(cr, table) if data_type.startswith("timestamp")]
        sets = ", ".join(f'"{column}" = "{column}" - make_interval(days => %(days)s)' for column in stamps)
        cr.execute(f"UPDATE {table} t SET {sets} FROM tpl WHERE tpl.tbl = %(table)s "  # noqa: S608
                   f"AND tpl.old_id = t.id", {"days": (today - first_day).days, "table": table})


def plan_clones(cr, rng, bundles, entries, customers, vendors, users, first_day, last_day):
    """The clones, drawn from the seed until their moves make ``entries`` journal entries in all."""
    weights = [weight for _k, _s, weight, _m, _p, _d in bundles]
    spans = []
    for _k, _s, _w, moves, _p, _d in bundles:
        dates = moves.mapped("date")
        spans.append((max(dates) - min(dates)).days)
    total_days = (last_day - first_day).days
    rows, made, clone = [], sum(len(b[3]) for b in bundles), 0
    while made < entries:
        number = rng.choices(range(len(bundles)), weights)[0]
        _kind, side, _w, moves, _p, documents = bundles[number]
        partner = rng.choice(customers if side == "customer" else vendors)
        user = rng.choice(users)
        offset = (first_day - moves[0].date).days + rng.randint(0, total_days - spans[number])
        factor = rng.choice((1, 1, 1, 2, 2, 3, 5, 10))
        if documents:
            # A purchase order's quantities (ordered, received, billed, in stock moves) stay as Odoo made them.
            factor = 1
        clone += 1
        rows.append(f"{clone}\t{number}\t{factor}\t{partner.id}\t{user.id}\t{user.partner_id.id}\t{offset}\n")
        made += len(moves)
    execute(cr, """CREATE TEMP TABLE clone (clone_no int PRIMARY KEY, bundle int, factor int, partner_id int,
                                            user_id int, user_partner_id int, day_offset int)""")
    cr._obj.copy_expert("COPY clone FROM STDIN", io.StringIO("".join(rows)))
    execute(cr, "ANALYZE clone")
    return clone


def plan_offsets(cr):
    """Per clone, where its rows start in each cloned table: the sizes of the clones before it."""
    sizes = ", ".join(f"count(*) FILTER (WHERE tbl = '{t}') AS n_{t}" for t in CLONED)
    cr.execute(f"CREATE TEMP TABLE bundle_size AS SELECT bundle, {sizes} FROM tpl GROUP BY bundle")  # noqa: S608
    offs = ", ".join(f"COALESCE(sum(s.n_{t}) OVER w, 0) - s.n_{t} AS off_{t}" for t in CLONED)
    cr.execute(f"""CREATE TEMP TABLE clone_off AS
                   SELECT c.*, {offs} FROM clone c JOIN bundle_size s ON s.bundle = c.bundle
                   WINDOW w AS (ORDER BY c.clone_no)""")  # noqa: S608
    execute(cr, "ALTER TABLE clone_off ADD PRIMARY KEY (clone_no)")
    execute(cr, "ANALYZE clone_off")
    bases = {}
    for table in CLONED:
        cr.execute(f"SELECT COALESCE(max(id), 0) FROM {table}")  # noqa: S608
        bases[table] = cr.fetchone()[0]
    return bases


def plan_names(cr):
    """The new name of each cloned move: its journal's sequence continued per prefix, in date order."""
    execute(cr, """
        CREATE TEMP TABLE new_name AS
        SELECT c.clone_no, tp.rank, m.id AS old_id, m.journal_id, m.name AS old_name,
               m.date + c.day_offset AS new_date,
               CASE WHEN m.sequence_prefix IS NULL THEN NULL ELSE
                   replace(replace(m.sequence_prefix, to_char(m.date, 'YYYY/MM'),
                                   to_char(m.date + c.day_offset, 'YYYY/MM')),
                           to_char(m.date, 'YYYY'), to_char(m.date + c.day_offset, 'YYYY')) END AS new_prefix,
               length(m.name) - length(m.sequence_prefix) AS width, NULL::int AS new_number, NULL::text AS new_name
          FROM clone c
          JOIN tpl tp ON tp.tbl = 'account_move' AND tp.bundle = c.bundle
          JOIN account_move m ON m.id = tp.old_id""")
    execute(cr, """
        WITH numbered AS (
            SELECT n.clone_no, n.rank, COALESCE(last.number, 0)
                   + row_number() OVER (PARTITION BY n.journal_id, n.new_prefix
                                        ORDER BY n.new_date, n.clone_no, n.rank) AS number
              FROM new_name n
              LEFT JOIN LATERAL (SELECT max(sequence_number) AS number FROM account_move m
                                  WHERE m.journal_id = n.journal_id AND m.sequence_prefix = n.new_prefix) last
                     ON TRUE
             WHERE n.new_prefix IS NOT NULL)
        UPDATE new_name n SET new_number = numbered.number,
                              new_name = n.new_prefix || lpad(numbered.number::text, n.width, '0')
          FROM numbered WHERE numbered.clone_no = n.clone_no AND numbered.rank = n.rank""")
    execute(cr, "UPDATE new_name SET new_name = old_name WHERE new_name IS NULL")
    execute(cr, "ALTER TABLE new_name ADD PRIMARY KEY (clone_no, rank)")
    execute(cr, "ANALYZE new_name")
    # Purchase orders and receipts: their sequences continued per prefix (P00042, WH/IN/00042), in date order.
    execute(cr, """
        CREATE TEMP TABLE document_name AS
        SELECT c.clone_no, tp.tbl, tp.rank, d.name AS old_name, c.day_offset,
               substring(d.name FROM '^(.*?)[0-9]+$') AS prefix, length(substring(d.name FROM '[0-9]+$')) AS width,
               NULL::text AS new_name
          FROM clone c
          JOIN tpl tp ON tp.bundle = c.bundle AND tp.tbl IN ('purchase_order', 'stock_picking')
          JOIN (SELECT 'purchase_order' AS tbl, id, name FROM purchase_order
                UNION ALL SELECT 'stock_picking', id, name FROM stock_picking) d
            ON d.tbl = tp.tbl AND d.id = tp.old_id""")
    execute(cr, """
        WITH last AS (SELECT 'purchase_order' AS tbl, substring(name FROM '^(.*?)[0-9]+$') AS prefix,
                             max(substring(name FROM '[0-9]+$')::int) AS number FROM purchase_order GROUP BY 2
                      UNION ALL
                      SELECT 'stock_picking', substring(name FROM '^(.*?)[0-9]+$'),
                             max(substring(name FROM '[0-9]+$')::int) FROM stock_picking GROUP BY 2),
             numbered AS (
            SELECT n.clone_no, n.tbl, n.rank, COALESCE(last.number, 0) + row_number() OVER (
                       PARTITION BY n.tbl, n.prefix ORDER BY n.day_offset, n.clone_no, n.rank) AS number
              FROM document_name n LEFT JOIN last ON last.tbl = n.tbl AND last.prefix = n.prefix)
        UPDATE document_name n SET new_name = n.prefix || lpad(numbered.number::text, n.width, '0')
          FROM numbered WHERE numbered.clone_no = n.clone_no AND numbered.tbl = n.tbl AND numbered.rank = n.rank""")
    execute(cr, "CREATE INDEX ON document_name (clone_no)")
    execute(cr, "ANALYZE document_name")
    execute(cr, """CREATE TEMP VIEW clone_name_pairs AS
                   SELECT clone_no, rank, old_name, new_name FROM new_name WHERE old_name <> '/'
                   UNION ALL SELECT clone_no, 100 * (tbl = 'stock_picking')::int + rank, old_name, new_name
                     FROM document_name""")
    cr.execute("SELECT max(n) FROM (SELECT count(*) AS n FROM clone_name_pairs GROUP BY clone_no) x")
    max_names = cr.fetchone()[0] or 1
    # Each clone's old and new names side by side, the longest first: an invoice's name is inside its credit
    # note's (INV/2024/00003 in RINV/2024/00003), so the credit note's is replaced before the invoice's.
    pairs = ", ".join(f"(array_agg(old_name ORDER BY length(old_name) DESC, rank))[{i}] AS o{i}, "
                      f"(array_agg(new_name ORDER BY length(old_name) DESC, rank))[{i}] AS n{i}"
                      for i in range(1, max_names + 1))
    cr.execute(f"CREATE TEMP TABLE clone_names AS SELECT clone_no, {pairs} FROM clone_name_pairs "  # noqa: S608
               f"GROUP BY clone_no")
    execute(cr, "ALTER TABLE clone_names ADD PRIMARY KEY (clone_no)")
    execute(cr, "ANALYZE clone_names")
    return max_names


def clone_select(cr, table, max_moves):
    """The SELECT that produces ``table``'s cloned rows for the clones between %(lo)s and %(hi)s."""
    refs = references_of(cr, table)
    joins, exprs, names = [], [], []
    cr.execute("SELECT COALESCE(max(k), 0) FROM message_link")
    links = cr.fetchone()[0]

    def new_id(target, rank):
        return f"({bases_sql(target)} + c.off_{target} + {rank})"

    for column, data_type in columns_of(cr, table):
        col = f't."{column}"'
        if column == "id":
            expr = new_id(table, "tp.rank")
        elif column in refs:
            alias = f"r_{column}"
            joins.append(f"LEFT JOIN tpl {alias} ON {alias}.tbl = '{refs[column]}' AND {alias}.bundle = c.bundle "
                         f"AND {alias}.old_id = {col}")
            expr = f"COALESCE({new_id(refs[column], f'{alias}.rank')}, {col})"
        elif table == "mail_message" and column == "res_id":
            joins.append("LEFT JOIN tpl r_res ON r_res.tbl = replace(t.model, '.', '_') AND r_res.bundle = c.bundle "
                         "AND r_res.old_id = t.res_id")
            whens = " ".join(f"WHEN '{model}' THEN {new_id(target, 'r_res.rank')}"
                             for target, model in MESSAGE_MODELS.items())
            expr = f"COALESCE(CASE t.model {whens} END, {col})"
        elif table == "account_move_line" and column == "matching_number":
            joins.append("LEFT JOIN tpl r_match ON r_match.tbl = 'account_partial_reconcile' "
                         "AND r_match.bundle = c.bundle AND r_match.old_id = CASE WHEN t.matching_number ~ '^P[0-9]+$' "
                         "THEN substring(t.matching_number FROM 2)::int END")
            partial = new_id("account_partial_reconcile", "r_match.rank")
            full = new_id("account_full_reconcile", "r_full_reconcile_id.rank")
            expr = (f"CASE WHEN t.matching_number LIKE 'P%%' THEN 'P' || {partial} "
                    f"WHEN t.full_reconcile_id IS NOT NULL THEN {full}::text ELSE t.matching_number END")
        elif column in PARTNER_COLUMNS:
            expr = f"CASE WHEN {col} = b.partner_id THEN c.partner_id ELSE {col} END"
        elif column in ("create_uid", "write_uid", "invoice_user_id", "user_id"):
            expr = f"CASE WHEN {col} = b.user_id THEN c.user_id ELSE {col} END"
        elif column == "author_id":
            expr = f"CASE WHEN {col} = b.user_partner_id THEN c.user_partner_id ELSE {col} END"
        elif table == "account_move" and column == "name":
            expr = "nn.new_name"
        elif table == "account_move" and column == "sequence_prefix":
            expr = "nn.new_prefix"
        elif table == "account_move" and column == "sequence_number":
            expr = "COALESCE(nn.new_number, t.sequence_number)"
        elif column == "access_token" or (table == "account_move" and column in ("inalterable_hash",
                                                                                "secure_sequence_number")):
            expr = "NULL"
        elif data_type == "date":
            expr = f"{col} + c.day_offset"
        elif data_type.startswith("timestamp"):
            expr = f"{col} + make_interval(days => c.day_offset)"
        elif data_type in ("numeric", "double precision") and (column in SCALED or column.startswith("amount")):
            expr = f"{col} * c.factor"
        elif data_type in ("character varying", "text") and column in RENAMED:
            # Two passes through placeholders: a new name may contain another template's old name
            # (RINV/2024/00010 holds INV/2024/00010), which a second replace would change again.
            expr = col
            for rank in range(1, max_moves + 1):
                expr = f"replace({expr}, COALESCE(cn.o{rank}, chr(3)), chr(1) || '{rank}' || chr(2))"
            for rank in range(1, max_moves + 1):
                expr = f"replace({expr}, chr(1) || '{rank}' || chr(2), COALESCE(cn.n{rank}, ''))"
            expr = (f"replace(replace({expr}, b.partner_name, p.name), b.vendor_ref, "
                    f"CASE WHEN b.vendor_ref = '' THEN '' ELSE 'VB-' || lpad(c.clone_no::text, 7, '0') END)")
            if table == "mail_message" and column == "body":
                for k in range(1, links + 1):
                    joins.append(f"LEFT JOIN message_link lk{k} ON lk{k}.bundle = c.bundle "
                                 f"AND lk{k}.message_id = t.id AND lk{k}.k = {k}")
                    new_ref = " ".join(f"WHEN '{target}' THEN {new_id(target, f'lk{k}.rank')}"
                                       for target in MESSAGE_MODELS)
                    expr = (f"CASE WHEN lk{k}.message_id IS NULL THEN {expr} ELSE replace({expr}, "
                            f"'data-oe-id=\"' || lk{k}.old_ref || '\"', "
                            f"'data-oe-id=\"' || (CASE lk{k}.tbl {new_ref} END) || '\"') END")
        else:
            expr = col
        names.append(f'"{column}"')
        exprs.append(expr)
    name_joins = " LEFT JOIN clone_names cn ON cn.clone_no = c.clone_no"
    move_join = ""
    if table == "account_move":
        move_join = " JOIN new_name nn ON nn.clone_no = c.clone_no AND nn.rank = tp.rank"
    query = (f"INSERT INTO {table} ({', '.join(names)}) SELECT {', '.join(exprs)} "
             f"FROM clone_off c JOIN bundle b ON b.bundle = c.bundle JOIN res_partner p ON p.id = c.partner_id "
             f"JOIN tpl tp ON tp.tbl = '{table}' AND tp.bundle = c.bundle "
             f"JOIN {table} t ON t.id = tp.old_id{move_join}{name_joins} {' '.join(joins)} "
             f"WHERE c.clone_no BETWEEN %(lo)s AND %(hi)s")
    return query


_BASES = {}


def bases_sql(table):
    return str(_BASES[table])


def clone_relations(cr, relations, lo, hi):
    for table, cols in relations.items():
        (a, ta), (b, tb) = sorted(cols.items(), key=lambda item: item[1] not in CLONED)
        exprs = [f"{_BASES[ta]} + c.off_{ta} + ra.rank"]
        join_b = ""
        if tb in CLONED:
            join_b = f"JOIN tpl rb ON rb.tbl = '{tb}' AND rb.bundle = c.bundle AND rb.old_id = t.{b}"
            exprs.append(f"{_BASES[tb]} + c.off_{tb} + rb.rank")
        else:
            exprs.append(f"t.{b}")
        cr.execute(f"INSERT INTO {table} ({a}, {b}) SELECT {', '.join(exprs)} FROM clone_off c "  # noqa: S608
                   f"JOIN tpl ra ON ra.tbl = '{ta}' AND ra.bundle = c.bundle JOIN {table} t ON t.{a} = ra.old_id "
                   f"{join_b} WHERE c.clone_no BETWEEN %s AND %s ON CONFLICT DO NOTHING", (lo, hi))


def clone_all(cr, clones, max_moves):
    relations = relation_tables(cr)
    queries = {table: clone_select(cr, table, max_moves) for table in CLONED}
    # Triggers off (Odoo has none on these tables but the foreign keys' own): the clones reference each other
    # forward (a move's origin payment is inserted after it); they are checked below, once, set-based.
    for table in CLONED:
        cr.execute(f"ALTER TABLE {table} DISABLE TRIGGER ALL")  # noqa: S608
    for lo in range(1, clones + 1, CLONES_PER_STATEMENT):
        hi = min(lo + CLONES_PER_STATEMENT - 1, clones)
        started = time.perf_counter()
        counts = []
        for table in CLONED:
            cr.execute(queries[table], {"lo": lo, "hi": hi})
            counts.append(f"{cr.rowcount} {table}")
        clone_relations(cr, relations, lo, hi)
        log("clones %s-%s: %s (%.1f s)", lo, hi, ", ".join(counts), time.perf_counter() - started)
    for table in CLONED:
        cr.execute(f"ALTER TABLE {table} ENABLE TRIGGER ALL")  # noqa: S608
        # Statistics now, for the checks' plans (this PostgreSQL runs no autovacuum; tools/scale.sh runs
        # VACUUM ANALYZE on the whole database after the commit).
        cr.execute(f"ANALYZE {table}")  # noqa: S608
        cr.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")  # noqa: S608


# ------------------------------------------------------------------------------------------------------
# After the clones (ORM): sequences, the addon's own bill matching, disputes
# ------------------------------------------------------------------------------------------------------
def continue_sequences(env, company):
    """The purchase order and receipt sequences go on after the cloned documents' numbers, so that the next
    order or receipt made by hand gets the next free number."""
    cr = env.cr
    cr.execute("SELECT max(substring(name FROM '[0-9]+$')::int) FROM purchase_order")
    last = cr.fetchone()[0] or 0
    for sequence in env["ir.sequence"].search([("code", "=", "purchase.order"),
                                               ("company_id", "in", [company.id, False])]):
        sequence.number_next = max(sequence.number_next_actual, last + 1)
    for picking_type in env["stock.picking.type"].search([("company_id", "=", company.id)]):
        execute(cr, "SELECT max(substring(name FROM '[0-9]+$')::int) FROM stock_picking WHERE picking_type_id = %s",
                picking_type.id)
        last = cr.fetchone()[0]
        if last and picking_type.sequence_id:
            picking_type.sequence_id.number_next = max(picking_type.sequence_id.number_next_actual, last + 1)


def recheck_bills(env, company, batch_size=500):
    """The addon's own matching over every vendor bill and refund of the ledger that has a purchase order,
    a batch at a time, as its daily recheck does (``ispec.match._check_bills``, then the moment of the
    check): the states, reasons, figures, duplicates and payment holds on the cloned bills are what the
    addon computes for them. The bills without a purchase order keep their templates' results, which the
    addon computed on the same lines (no PO line, the same company settings; each clone has its own
    vendor reference, so none is a duplicate)."""
    # Vendor by vendor: the duplicate search of a batch reads every bill of its vendors, so a batch of few
    # vendors reads few bills (the result does not depend on how the bills are batched).
    env.cr.execute(SQL("""
        SELECT m.id FROM account_move m
         WHERE m.company_id = %s AND m.move_type IN ('in_invoice', 'in_refund') AND m.state != 'cancel'
           AND EXISTS (SELECT 1 FROM account_move_line l WHERE l.move_id = m.id AND l.purchase_line_id IS NOT NULL)
      ORDER BY m.commercial_partner_id, m.id""", company.id))
    ids = [row[0] for row in env.cr.fetchall()]
    for start in range(0, len(ids), batch_size):
        bills = env["account.move"].browse(ids[start:start + batch_size])
        if start % (20 * batch_size) == 0:
            log("rechecking bills %s-%s of %s", start + 1, min(start + 20 * batch_size, len(ids)), len(ids))
        env["ispec.match"]._check_bills(bills)
        env.flush_all()
        env.cr.execute(SQL("UPDATE account_move SET ispec_match_checked_at = %s WHERE id = ANY(%s)",
                           fields.Datetime.now(), bills.ids))
        env.invalidate_all()
    env.cr.execute(SQL("""SELECT ispec_match_state, count(*) FROM account_move WHERE id = ANY(%s)
                          GROUP BY 1 ORDER BY 1""", ids))
    return len(ids), dict(env.cr.fetchall())


# Accepting costs several seconds a case on a large ledger (Odoo's reversal of the invoice): few are accepted.
DISPUTE_OUTCOMES = (("open", 40), ("review", 15), ("accepted", 10), ("rejected", 20), ("cancel", 15))


def make_disputes(env, company, users, rng, count, day):
    """``count`` disputes (a fifth on vendor bills) on open invoices, made with the addon's own actions on
    ``day``: opened (the customer's receivable lines leave follow-up, the bill's payment is held), then
    some under review, accepted (a credit note, reconciled), rejected or cancelled."""
    cr = env.cr
    found = {}
    for move_type in ("out_invoice", "in_invoice"):
        execute(cr, """SELECT id FROM account_move WHERE company_id = %s AND move_type = %s AND state = 'posted'
                         AND payment_state IN ('not_paid', 'partial') AND amount_residual > 0 ORDER BY id""",
                company.id, move_type)
        found[move_type] = [row[0] for row in cr.fetchall()]
    on_bills = min(count // 5, len(found["in_invoice"]))
    chosen = rng.sample(found["out_invoice"], min(count - on_bills, len(found["out_invoice"]))) \
        + rng.sample(found["in_invoice"], on_bills)
    reasons = env["ispec.dispute.reason"].search([("company_id", "in", [company.id, False])], order="id")
    moves = env["account.move"].browse(chosen)
    plans = {}  # (user, outcome) -> [vals]
    for move in moves:
        outcome = rng.choices([o for o, _w in DISPUTE_OUTCOMES], [w for _o, w in DISPUTE_OUTCOMES])[0]
        vals = {"move_id": move.id, "reason_id": rng.choice(reasons).id}
        product_lines = move.invoice_line_ids.filtered(lambda line: line.display_type == "product")
        if rng.random() < 0.3 and product_lines and move.payment_state == "not_paid":
            line = rng.choice(product_lines)
            vals.update(scope="lines", line_ids=[Command.create({
                "invoice_line_id": line.id, "quantity": max(1, line.quantity // 2)})])
        elif rng.random() < 0.5:
            vals["amount_original"] = move.currency_id.round(move.amount_residual / 2)
        plans.setdefault((rng.choice(users), outcome), []).append(vals)
    made = {}
    # On the ledger's last day: the cases' dates, deadlines and credit notes fall within its months.
    with freeze_time(datetime.datetime.combine(day, datetime.time(10))):
        for (user, outcome), vals_list in sorted(plans.items(), key=lambda item: (item[0][0].id, item[0][1])):
            disputes = env["ispec.dispute"].with_user(user).with_company(company).create(vals_list)
            disputes.action_open()
            if outcome == "review":
                disputes.action_review()
            elif outcome == "accepted":
                disputes.action_accept()
            elif outcome == "rejected":
                disputes.write({"rejection_reason": "Delivered and priced as agreed."})
                disputes.action_reject()
            elif outcome == "cancel":
                disputes.action_cancel()
            made[outcome] = made.get(outcome, 0) + len(disputes)
            env.flush_all()
            env.cr.precommit.run()
    return made


# ------------------------------------------------------------------------------------------------------
# Checks
# ------------------------------------------------------------------------------------------------------
def check(cr, company_id):
    failures = []
    checks = {
        "unbalanced moves": """SELECT count(*) FROM (SELECT move_id FROM account_move_line l
                                WHERE l.company_id = %(c)s GROUP BY move_id
                               HAVING round(sum(balance), 2) <> 0 OR round(sum(debit) - sum(credit), 2) <> 0) x""",
        "trial balance not zero (cents)": """SELECT abs(round(sum(balance) * 100)) FROM account_move_line l
                                           WHERE l.company_id = %(c)s AND l.parent_state = 'posted'""",
        "move residual differs from its lines": """
            SELECT count(*) FROM account_move m
              JOIN (SELECT l.move_id, abs(sum(l.amount_residual_currency)) AS residual
                      FROM account_move_line l JOIN account_account a ON a.id = l.account_id
                     WHERE l.company_id = %(c)s AND a.account_type IN ('asset_receivable', 'liability_payable')
                  GROUP BY l.move_id) r ON r.move_id = m.id
             WHERE m.company_id = %(c)s AND m.move_type IN ('out_invoice', 'in_invoice', 'out_refund', 'in_refund')
               AND round(m.amount_residual, 2) <> round(r.residual, 2)""",
        "payment state differs from residual": """
            SELECT count(*) FROM account_move m WHERE m.company_id = %(c)s
               AND m.move_type IN ('out_invoice', 'in_invoice', 'out_refund', 'in_refund')
               AND ((m.amount_residual = 0) <> (m.payment_state IN ('paid', 'in_payment', 'reversed')))""",
        "partials not matching lines": """
            SELECT count(*) FROM account_partial_reconcile p JOIN account_move_line d ON d.id = p.debit_move_id
              JOIN account_move_line c ON c.id = p.credit_move_id
             WHERE p.company_id = %(c)s AND (d.account_id <> c.account_id OR d.partner_id <> c.partner_id)""",
        "duplicate names": """SELECT count(*) FROM (SELECT journal_id, name FROM account_move
                               WHERE company_id = %(c)s AND state = 'posted' GROUP BY 1, 2 HAVING count(*) > 1) x""",
        "lines out of their move's date or name": """
            SELECT count(*) FROM account_move_line l JOIN account_move m ON m.id = l.move_id
             WHERE l.company_id = %(c)s AND (l.date <> m.date OR l.move_name <> m.name OR l.partner_id IS DISTINCT
                   FROM CASE WHEN l.display_type IN ('payment_term', 'product', 'tax') AND m.move_type <> 'entry'
                        THEN m.commercial_partner_id ELSE l.partner_id END)""",
        "dangling references": """
            SELECT (SELECT count(*) FROM account_move_line l WHERE l.company_id = %(c)s
                       AND NOT EXISTS (SELECT 1 FROM account_move m WHERE m.id = l.move_id))
                 + (SELECT count(*) FROM account_partial_reconcile p WHERE p.company_id = %(c)s
                       AND NOT EXISTS (SELECT 1 FROM account_move_line l WHERE l.id = p.credit_move_id))
                 + (SELECT count(*) FROM account_move m WHERE m.company_id = %(c)s AND m.origin_payment_id IS NOT NULL
                       AND NOT EXISTS (SELECT 1 FROM account_payment p WHERE p.id = m.origin_payment_id))""",
    }
    for label, query in checks.items():
        cr.execute(query, {"c": company_id})
        value = cr.fetchone()[0] or 0
        log("check %s: %s", label, value)
        if value:
            failures.append(label)
    return failures


def odoo_checks(env, company):
    """Odoo's own: the trial balance of the company through the ORM's _read_group, and a sample of moves
    re-checked by Odoo's constraint that a posted move is balanced (_check_balanced)."""
    env = env(context=dict(env.context, allowed_company_ids=[company.id]))
    groups = env["account.move.line"]._read_group(
        [("company_id", "=", company.id), ("parent_state", "=", "posted")], ["account_id"], ["debit:sum",
                                                                                             "credit:sum"])
    debit = sum(d for _a, d, _c in groups)
    credit = sum(c for _a, _d, c in groups)
    log("Odoo trial balance: %s accounts, debit %.2f, credit %.2f", len(groups), debit, credit)
    moves = env["account.move"].search([("company_id", "=", company.id), ("state", "=", "posted")],
                                       order="id desc", limit=2000)
    moves._check_balanced({"records": moves})
    log("Odoo's _check_balanced on the last %s moves: passed", len(moves))
    return company.currency_id.is_zero(debit - credit)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("conf")
    parser.add_argument("db")
    parser.add_argument("--entries", type=int, required=True)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--end", default="2025-12-31")
    parser.add_argument("--months", type=int, default=24)
    args = parser.parse_args()
    config.parse_config(["-c", args.conf])
    rng = random.Random(args.seed)
    last_day = datetime.date.fromisoformat(args.end)
    months = last_day.year * 12 + last_day.month - args.months  # the first month, counted from year 0
    first_day = datetime.date(months // 12, months % 12 + 1, 1)
    started = time.perf_counter()
    with Registry(args.db).cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        env, company, bank, users = setup_company(env)
        customers = min(max(args.entries // 25, 20), 20000)
        vendors = min(max(args.entries // 200, 10), 2000)
        customer, vendor, customers, vendors = make_partners(env, rng, customers, vendors)
        products = make_products(env, rng, company)
        log("company %s, %s customers, %s vendors (%.0f s)", company.id, len(customers), len(vendors),
            time.perf_counter() - started)
        bundles = Bundles(env, company, bank, users, products, customer, vendor, first_day, rng).build()
        log("%s bundles of %s entries made with the ORM (%.0f s)", len(bundles), sum(len(b[3]) for b in bundles),
            time.perf_counter() - started)
        record_templates(cr, bundles)
        date_templates(cr, first_day)
        clones = plan_clones(cr, rng, bundles, args.entries, customers, vendors, users, first_day, last_day)
        _BASES.update(plan_offsets(cr))
        max_moves = plan_names(cr)
        log("%s clones planned (%.0f s)", clones, time.perf_counter() - started)
        clone_all(cr, clones, max_moves)
        env.invalidate_all()
        continue_sequences(env, company)
        bills, states = recheck_bills(env, company)
        log("the addon's recheck of %s vendor bills: %s (%.0f s)", bills,
            ", ".join(f"{n} {state}" for state, n in states.items()), time.perf_counter() - started)
        made = make_disputes(env, company, users, rng, max(5, args.entries // 1500), last_day)
        log("disputes: %s (%.0f s)", ", ".join(f"{n} {outcome}" for outcome, n in sorted(made.items())),
            time.perf_counter() - started)
        env.invalidate_all()
        failures = check(cr, company.id)
        if not odoo_checks(env, company):
            failures.append("Odoo's trial balance")
        if failures and os.environ.get("SCALE_KEEP_INCONSISTENT"):
            cr.commit()  # kept to be looked into
            raise SystemExit(f"inconsistent ledger, kept: {', '.join(failures)}")
        if failures:
            cr.rollback()
            raise SystemExit(f"inconsistent ledger, rolled back: {', '.join(failures)}")
        cr.execute("SELECT count(*), (SELECT count(*) FROM account_move_line WHERE company_id = %s) "
                   "FROM account_move WHERE company_id = %s", (company.id, company.id))
        moves, lines = cr.fetchone()
        cr.commit()
    log("committed: %s journal entries, %s journal lines in %.0f s", moves, lines, time.perf_counter() - started)
    return 0


if __name__ == "__main__":
    sys.exit(main())
