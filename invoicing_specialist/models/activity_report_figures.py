"""The figures of the invoicing activity reports, each defined once: its section, label, help text, the SQL of
its value and the condition that selects the records behind it.

A figure belongs to a *source*: one SQL query over one kind of record (invoices and bills, receivable items,
disputes, ...). The engine runs one query per source for the three periods of a report at once (the period, the
previous one, the same one last year), so the number of queries is fixed whatever the volume. The records behind
a figure come from the same source and the same condition, so the list a person opens is the one counted.
Amounts are in the company's currency: the ``*_signed`` columns of invoices and the ``balance`` of journal items.
"""

from collections.abc import Callable
from dataclasses import dataclass

from odoo.tools import SQL, LazyTranslate

from ..kernels import match as match_kernel
from ..kernels.activity import dso

_lt = LazyTranslate(__name__)

# Sections, in the order they are shown.
SECTIONS = [
    ("billed", "Billed"),
    ("collected", "Collected"),
    ("timeliness", "Timeliness"),
    ("vendor", "Vendor Side"),
    ("disputes", "Disputes"),
]
KINDS = ("count", "amount", "days", "percent")
# The period columns of a report, in their order.
COLUMNS = ("current", "previous", "last_year")


@dataclass(frozen=True)
class Source:
    """One query's worth of records. ``joins(company_id)`` joins them to ``periods p`` (key, date_from,
    date_to); ``ctes(company_id)`` are common table expressions it needs after ``periods``; ``id_column`` is
    the id of the records behind its figures, of ``model``."""

    model: str
    id_column: SQL
    joins: Callable
    ctes: Callable = None
    # Only where the models it reads are installed (the sale app for timeliness).
    available: Callable = None


@dataclass(frozen=True)
class Figure:
    """One figure. ``where`` selects its records in its source for a period (``p``); ``value(where)`` is its
    SQL aggregate (the number of records by default); ``derive(values, days)`` computes it from other figures
    of the same period instead, and then its records are those of ``records_of``."""

    key: str
    section: str
    label: object
    help: object
    kind: str
    source: str = None
    where: SQL = None
    value: Callable = None
    derive: Callable = None
    records_of: str = None


def in_period(column):
    return SQL("%s BETWEEN p.date_from AND p.date_to", column)


def count_of(id_column):
    return lambda where: SQL("COUNT(DISTINCT %s) FILTER (WHERE %s)", id_column, where)


def sum_of(expression):
    return lambda where: SQL("SUM(%s) FILTER (WHERE %s)", expression, where)


def avg_of(expression):
    return lambda where: SQL("AVG(%s) FILTER (WHERE %s)", expression, where)


def share_of(id_column, condition):
    """Percent of the records selected by ``where`` that also meet ``condition``."""
    return lambda where: SQL(
        "100.0 * COUNT(DISTINCT %(id)s) FILTER (WHERE %(where)s AND %(cond)s) "
        "/ NULLIF(COUNT(DISTINCT %(id)s) FILTER (WHERE %(where)s), 0)", id=id_column, where=where, cond=condition)


# ------------------------------------------------------------------------------------------------
# Sources
# ------------------------------------------------------------------------------------------------
MOVE_TYPES = ("out_invoice", "out_refund", "in_invoice", "in_refund")


def _moves_joins(company_id):
    # A move joins each period its invoice date, bill date (or creation day) or accounting date falls in.
    return SQL(
        """LEFT JOIN account_move m ON m.company_id = %(company)s AND m.move_type IN %(types)s
               AND m.state != 'cancel'
               AND (COALESCE(m.invoice_date, m.create_date::date) BETWEEN p.date_from AND p.date_to
                    OR m.date BETWEEN p.date_from AND p.date_to)""",
        company=company_id, types=MOVE_TYPES)


def _payments_joins(company_id):
    return SQL(
        """LEFT JOIN (
               SELECT l.id, l.date, l.balance
                 FROM account_move_line l
                 JOIN account_move pm ON pm.id = l.move_id
                 JOIN account_account a ON a.id = l.account_id AND a.account_type = 'asset_receivable'
                WHERE l.company_id = %s AND l.parent_state = 'posted'
                  AND (pm.origin_payment_id IS NOT NULL OR pm.statement_line_id IS NOT NULL)
           ) pay ON pay.date BETWEEN p.date_from AND p.date_to""", company_id)


def _receivable_ctes(company_id):
    # What was reconciled against each receivable item by each period end (a partial counts from its date).
    return [SQL(
        """settled_by_end AS (
               SELECT p.key, apr.debit_move_id AS line_id, SUM(apr.amount) AS amount
                 FROM periods p JOIN account_partial_reconcile apr ON apr.max_date <= p.date_to
                WHERE apr.company_id = %(company)s
                GROUP BY p.key, apr.debit_move_id
               UNION ALL
               SELECT p.key, apr.credit_move_id, -SUM(apr.amount)
                 FROM periods p JOIN account_partial_reconcile apr ON apr.max_date <= p.date_to
                WHERE apr.company_id = %(company)s
                GROUP BY p.key, apr.credit_move_id
           ), open_items AS (
               SELECT p.key, l.move_id, l.date_maturity, l.balance - COALESCE(SUM(s.amount), 0) AS open_amount
                 FROM periods p
                 JOIN account_move_line l ON l.company_id = %(company)s AND l.parent_state = 'posted'
                  AND l.date <= p.date_to
                 JOIN account_account a ON a.id = l.account_id AND a.account_type = 'asset_receivable'
                 JOIN account_move im ON im.id = l.move_id AND im.move_type = 'out_invoice'
                 LEFT JOIN settled_by_end s ON s.key = p.key AND s.line_id = l.id
                GROUP BY p.key, l.id
           )""", company=company_id)]


def _receivable_joins(company_id):
    return SQL("LEFT JOIN open_items o ON o.key = p.key AND o.open_amount != 0")


def _settled_ctes(company_id):
    # Invoices paid in full, on the date of the last reconciliation that settled them.
    return [SQL(
        """paid_invoices AS (
               SELECT im.id, im.invoice_date, im.invoice_date_due, MAX(apr.max_date) AS paid_on
                 FROM account_move im
                 JOIN account_move_line l ON l.move_id = im.id
                 JOIN account_account a ON a.id = l.account_id AND a.account_type = 'asset_receivable'
                 JOIN account_partial_reconcile apr ON apr.debit_move_id = l.id
                WHERE im.company_id = %s AND im.move_type = 'out_invoice' AND im.state = 'posted'
                  AND im.payment_state IN ('paid', 'in_payment')
                GROUP BY im.id
           )""", company_id)]


def _settled_joins(company_id):
    return SQL("LEFT JOIN paid_invoices pi ON pi.paid_on BETWEEN p.date_from AND p.date_to")


def _blocked_joins(company_id):
    return SQL(
        """LEFT JOIN account_move bm ON bm.company_id = %s AND bm.move_type = 'in_invoice' AND bm.state = 'posted'
               AND bm.payment_state = 'blocked' AND bm.date <= p.date_to""", company_id)


def _reasons_joins(company_id):
    return SQL(
        """LEFT JOIN (
               SELECT l.move_id, rm.date, unnest(string_to_array(l.ispec_match_reasons, ',')) AS code
                 FROM account_move_line l
                 JOIN account_move rm ON rm.id = l.move_id
                WHERE rm.company_id = %s AND rm.move_type = 'in_invoice' AND rm.state = 'posted'
                  AND l.ispec_match_state IN ('exception', 'overridden')
           ) r ON r.date BETWEEN p.date_from AND p.date_to""", company_id)


def _overrides_joins(company_id):
    return SQL("LEFT JOIN ispec_match_override ov ON ov.company_id = %s AND ov.date::date BETWEEN p.date_from "
               "AND p.date_to", company_id)


def _disputes_joins(company_id):
    return SQL(
        """LEFT JOIN ispec_dispute d ON d.company_id = %s AND d.date_opened <= p.date_to
               AND (d.date_opened >= p.date_from OR d.date_resolved >= p.date_from OR d.date_closed IS NULL
                    OR d.date_closed > p.date_to)""", company_id)


def _sale_installed(env):
    return "sale.order" in env and "sale_id" in env["stock.picking"]._fields


def _timeliness_joins(company_id):
    # Each invoice of a sales order, against the last delivery of the order done on or before the invoice date.
    return SQL(
        """LEFT JOIN (
               SELECT tm.id, tm.invoice_date, tm.invoice_date - MAX(sp.date_done)::date AS days
                 FROM account_move tm
                 JOIN account_move_line tl ON tl.move_id = tm.id
                 JOIN sale_order_line_invoice_rel rel ON rel.invoice_line_id = tl.id
                 JOIN sale_order_line sol ON sol.id = rel.order_line_id
                 JOIN stock_picking sp ON sp.sale_id = sol.order_id AND sp.state = 'done'
                  AND sp.date_done::date <= tm.invoice_date
                WHERE tm.company_id = %s AND tm.move_type = 'out_invoice' AND tm.state = 'posted'
                GROUP BY tm.id
           ) t ON t.invoice_date BETWEEN p.date_from AND p.date_to""", company_id)


SOURCES = {
    "moves": Source("account.move", SQL("m.id"), _moves_joins),
    "payments": Source("account.move.line", SQL("pay.id"), _payments_joins),
    "receivable": Source("account.move", SQL("o.move_id"), _receivable_joins, ctes=_receivable_ctes),
    "settled": Source("account.move", SQL("pi.id"), _settled_joins, ctes=_settled_ctes),
    "blocked": Source("account.move", SQL("bm.id"), _blocked_joins),
    "reasons": Source("account.move", SQL("r.move_id"), _reasons_joins),
    "overrides": Source("ispec.match.override", SQL("ov.id"), _overrides_joins),
    "disputes": Source("ispec.dispute", SQL("d.id"), _disputes_joins),
    "timeliness": Source("account.move", SQL("t.id"), _timeliness_joins, available=_sale_installed),
}

# ------------------------------------------------------------------------------------------------
# Conditions
# ------------------------------------------------------------------------------------------------
POSTED = SQL("m.state = 'posted'")
INVOICES = SQL("m.move_type = 'out_invoice' AND %s AND %s", POSTED, in_period(SQL("m.invoice_date")))
CREDIT_NOTES = SQL("m.move_type = 'out_refund' AND %s AND %s", POSTED, in_period(SQL("m.invoice_date")))
CUSTOMER_DOCUMENTS = SQL("m.move_type IN ('out_invoice', 'out_refund') AND %s AND %s", POSTED,
                         in_period(SQL("m.invoice_date")))
BILLS_RECEIVED = SQL("m.move_type = 'in_invoice' AND %s",
                     in_period(SQL("COALESCE(m.invoice_date, m.create_date::date)")))
BILLS_POSTED = SQL("m.move_type = 'in_invoice' AND %s AND %s", POSTED, in_period(SQL("m.date")))
BILLS_CHECKED = SQL("%s AND m.ispec_match_state IN ('matched', 'exception', 'waiting', 'overridden')", BILLS_POSTED)
FIRST_PASS = SQL("m.ispec_match_state = 'matched' AND NOT EXISTS "
                 "(SELECT 1 FROM ispec_match_override fo WHERE fo.move_id = m.id)")
DISPUTE_CREDIT_NOTES = SQL("m.move_type IN ('out_refund', 'in_refund') AND m.ispec_dispute_id IS NOT NULL AND %s "
                           "AND %s", POSTED, in_period(SQL("m.date")))
RESOLVED = SQL("d.state IN ('accepted', 'rejected') AND %s", in_period(SQL("d.date_resolved")))
ALL = SQL("TRUE")
OVERDUE = SQL("o.date_maturity < p.date_to")

REASON_LABELS = {
    match_kernel.NO_PO: _lt("Exceptions: no purchase order"),
    match_kernel.OVER_RECEIVED: _lt("Exceptions: billed more than received"),
    match_kernel.OVER_ORDERED: _lt("Exceptions: billed more than ordered"),
    match_kernel.PRICE_ABOVE: _lt("Exceptions: price above PO"),
    match_kernel.PRICE_BELOW: _lt("Exceptions: price below PO"),
    match_kernel.AMOUNT: _lt("Exceptions: bill total above expected"),
    match_kernel.UNIT: _lt("Exceptions: unit of measure"),
    match_kernel.DUPLICATE: _lt("Exceptions: possible duplicate"),
}


FIGURES = [
    # --- Billed ---
    Figure("invoices_count", "billed", _lt("Invoices issued"), _lt(
        "Posted customer invoices with an invoice date in the period."), "count", "moves", INVOICES),
    Figure("invoices_untaxed", "billed", _lt("Invoiced, untaxed"), _lt(
        "Their amount without taxes, in the company's currency at each invoice's rate."), "amount", "moves",
        INVOICES, sum_of(SQL("m.amount_untaxed_signed"))),
    Figure("invoices_total", "billed", _lt("Invoiced, total"), _lt(
        "Their total with taxes, in the company's currency at each invoice's rate."), "amount", "moves",
        INVOICES, sum_of(SQL("m.amount_total_signed"))),
    Figure("credit_notes_count", "billed", _lt("Credit notes"), _lt(
        "Posted customer credit notes with a date in the period."), "count", "moves", CREDIT_NOTES),
    Figure("credit_notes_amount", "billed", _lt("Credited"), _lt(
        "Their total with taxes, in the company's currency."), "amount", "moves", CREDIT_NOTES,
        sum_of(SQL("-m.amount_total_signed"))),
    Figure("net_billed", "billed", _lt("Net billed"), _lt(
        "Invoiced total less credited, with taxes, in the company's currency."), "amount", "moves",
        CUSTOMER_DOCUMENTS, sum_of(SQL("m.amount_total_signed"))),
    # --- Collected ---
    Figure("payments_received", "collected", _lt("Payments received"), _lt(
        "What customers paid in the period: the receivable journal items of payments and bank transactions dated "
        "in the period, less refunds paid to customers, in the company's currency."), "amount", "payments",
        in_period(SQL("pay.date")), sum_of(SQL("-pay.balance"))),
    Figure("receivable_end", "collected", _lt("Receivable at period end"), _lt(
        "What customers owed on customer invoices at the end of the period: each invoice dated up to then, less "
        "what was reconciled with it (payments, credit notes) by then. Credit notes not yet applied are not "
        "subtracted."), "amount", "receivable", ALL, sum_of(SQL("o.open_amount"))),
    Figure("dso", "collected", _lt("DSO at period end (days)"), _lt(
        "Days sales outstanding: receivable at period end divided by net billed in the period, times the days of "
        "the period. Empty when nothing was billed."), "days",
        derive=lambda values, days: dso(values.get("receivable_end"), values.get("net_billed"), days),
        records_of="receivable_end"),
    Figure("paid_count", "collected", _lt("Invoices paid in full"), _lt(
        "Customer invoices whose last open amount was settled in the period (not those fully credited)."),
        "count", "settled", in_period(SQL("pi.paid_on"))),
    Figure("days_to_pay", "collected", _lt("Average days from invoice to full payment"), _lt(
        "For the invoices paid in full in the period: days from the invoice date to the date of the payment that "
        "settled them."), "days", "settled", in_period(SQL("pi.paid_on")),
        avg_of(SQL("(pi.paid_on - pi.invoice_date)"))),
    Figure("paid_on_time", "collected", _lt("Paid on time (%)"), _lt(
        "Share of the invoices paid in full in the period that were settled on or before their due date."),
        "percent", "settled", in_period(SQL("pi.paid_on")),
        share_of(SQL("pi.id"), SQL("pi.paid_on <= pi.invoice_date_due"))),
    Figure("overdue_end", "collected", _lt("Overdue at period end"), _lt(
        "The part of the receivable at period end that was past its due date on the period's last day."),
        "amount", "receivable", OVERDUE, sum_of(SQL("o.open_amount"))),
    Figure("overdue_share", "collected", _lt("Overdue share at period end (%)"), _lt(
        "Overdue at period end as a share of the receivable at period end."), "percent", "receivable", ALL,
        lambda where: SQL("100.0 * SUM(o.open_amount) FILTER (WHERE %s) / NULLIF(SUM(o.open_amount), 0)",
                          OVERDUE)),
    # --- Timeliness (with the sale app) ---
    Figure("delivered_invoices", "timeliness", _lt("Invoices of delivered sales"), _lt(
        "Customer invoices of the period for sales orders with a delivery done on or before the invoice date."),
        "count", "timeliness", ALL),
    Figure("days_to_invoice", "timeliness", _lt("Average days from delivery to invoice"), _lt(
        "For those invoices: days from the order's last delivery done by the invoice date to the invoice date."),
        "days", "timeliness", ALL, avg_of(SQL("t.days"))),
    # --- Vendor side ---
    Figure("bills_received", "vendor", _lt("Bills received"), _lt(
        "Vendor bills with a bill date in the period (or created in it when they have none), drafts included, "
        "cancelled ones left out."), "count", "moves", BILLS_RECEIVED),
    Figure("bills_posted", "vendor", _lt("Bills posted"), _lt(
        "Vendor bills posted with an accounting date in the period."), "count", "moves", BILLS_POSTED),
    Figure("bills_posted_amount", "vendor", _lt("Billed by vendors"), _lt(
        "The total with taxes of those bills, in the company's currency."), "amount", "moves", BILLS_POSTED,
        sum_of(SQL("-m.amount_total_signed"))),
    Figure("first_pass_rate", "vendor", _lt("First-pass match rate (%)"), _lt(
        "Of the posted bills of the period checked against a purchase order, the share matched with no "
        "exception and no override. An exception corrected on the bill itself before posting is not remembered."),
        "percent", "moves", BILLS_CHECKED, share_of(SQL("m.id"), FIRST_PASS)),
    *(Figure(f"exceptions_{code}", "vendor", label, _lt(
        "Posted bills of the period with a line in match exception for this reason, open or overridden."),
        "count", "reasons", SQL("r.code = %s", code)) for code, label in REASON_LABELS.items()),
    Figure("overrides", "vendor", _lt("Overrides"), _lt(
        "Bill lines whose match exception a manager accepted in the period (expired overrides included)."),
        "count", "overrides", ALL),
    Figure("bills_blocked", "vendor", _lt("Bills blocked"), _lt(
        "Posted vendor bills dated up to the period end whose payment is blocked today (Odoo keeps no history "
        "of blocks: for a past period, those of its bills still blocked now)."), "count", "blocked", ALL),
    Figure("blocked_amount", "vendor", _lt("Blocked amount"), _lt(
        "What is still to pay on those bills, in the company's currency."), "amount", "blocked", ALL,
        sum_of(SQL("-bm.amount_residual_signed"))),
    # --- Disputes ---
    Figure("disputes_opened", "disputes", _lt("Disputes opened"), _lt(
        "Disputes on customer invoices or vendor bills opened in the period."), "count", "disputes",
        in_period(SQL("d.date_opened"))),
    Figure("disputes_accepted", "disputes", _lt("Resolved: accepted"), _lt(
        "Disputes resolved in the period in the disputing party's favour (a credit note was made)."), "count",
        "disputes", SQL("d.state = 'accepted' AND %s", in_period(SQL("d.date_resolved")))),
    Figure("disputes_rejected", "disputes", _lt("Resolved: rejected"), _lt(
        "Disputes rejected in the period."), "count", "disputes",
        SQL("d.state = 'rejected' AND %s", in_period(SQL("d.date_resolved")))),
    Figure("days_to_resolve", "disputes", _lt("Average days to resolve"), _lt(
        "For the disputes resolved in the period: days from opening to resolution."), "days", "disputes",
        RESOLVED, avg_of(SQL("(d.date_resolved - d.date_opened)"))),
    Figure("amount_credited", "disputes", _lt("Amount credited"), _lt(
        "Credit notes made for disputes, posted with a date in the period, with taxes, in the company's "
        "currency."), "amount", "moves", DISPUTE_CREDIT_NOTES, sum_of(SQL("ABS(m.amount_total_signed)"))),
    Figure("disputes_open_end", "disputes", _lt("Open at period end"), _lt(
        "Disputes opened by the end of the period and not closed by then."), "count", "disputes",
        SQL("d.date_opened <= p.date_to AND (d.date_closed IS NULL OR d.date_closed > p.date_to)")),
]
FIGURES_BY_KEY = {figure.key: figure for figure in FIGURES}


def figure_value_sql(figure):
    source = SOURCES[figure.source]
    return (figure.value or count_of(source.id_column))(figure.where)
