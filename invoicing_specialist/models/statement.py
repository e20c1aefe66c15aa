import math
from collections import defaultdict
from functools import partial

from odoo import api, fields, models
from odoo.tools import SQL, float_round
from odoo.tools.float_utils import float_invert

from ..kernels import statement as kernel

STATEMENT_TYPES = [("outstanding", "Outstanding (open items)"), ("activity", "Activity")]
STATEMENT_FREQUENCIES = [("monthly", "Monthly"), ("quarterly", "Quarterly")]
AGING_MODES = [(kernel.AGING_DAYS, "30-day buckets"), (kernel.AGING_MONTHS, "Monthly buckets")]
# What a statement line (an open item or a move of the period) says of its document, as the query gives it.
DOCUMENT_KEYS = ("move_id", "move_name", "doc_type", "ref", "date", "date_maturity")
# How close to a half (in units of the currency's rounding) an amount is left to float_round's tie rule.
TIE_WINDOW = 1e-6


def rounder(currency):
    """``currency.round`` as a plain function: the same result as Odoo's float_round (half-up), without
    the record look-ups that cost half the time of a thousand-customer statement run when called per amount.

    Away from a tie (x.xx5 for cents), half-up and the nearest are the same: that is computed directly, the
    scaled value rounded and divided back as float_round does; near a tie float_round itself decides, with its
    epsilon. A statement of many customers rounds tens of thousands of amounts: float_round's logarithm and
    checks for each were a third of its data phase."""
    rounding = currency.rounding
    exact = partial(float_round, precision_rounding=rounding)
    if rounding >= 1:
        return exact
    factor = float_invert(rounding)  # as float_round: 100.0 for 0.01

    def round_amount(value):
        scaled = value * factor
        whole = math.floor(scaled)
        fraction = scaled - whole
        # float_round's epsilon grows with the value (2**-50 of it): so does the window left to it
        if abs(fraction - 0.5) < TIE_WINDOW + abs(scaled) * 1e-14:
            return exact(value)
        return (whole + (fraction > 0.5)) / factor

    return round_amount


class IspecStatement(models.AbstractModel):
    """The statement data phase: every figure of the statements of many customers, set-based.

    ``_get_statement_data`` is callable on its own (runs, the wizard, the PDF and XLSX, a
    benchmark): one SQL query for all customers' receivable items, one call of the disputes hook,
    and a few batched ORM reads, whatever the number of customers.
    """

    _name = "ispec.statement"
    _description = "Customer Statement Data"

    @api.model
    def _get_statement_data(self, partner_ids, date_end, date_start=None, statement_type="outstanding",
                            company=None, aging=None):
        """Return {commercial_partner_id: statement} for the customers ``partner_ids``.

        A statement is ``{"partner": res.partner, "number": str, "payment_reference": str,
        "sections": [section, ...]}``: the statement's own number (``kernel.statement_number``), what
        the customer quotes with a payment (its reference, else the statement number), and one
        section per currency (company currency first), each::

            {"currency": res.currency,
             "lines": [open item dicts with original, open, disputed, running], # as of date_end
             "balance_forward": float, "activity": [move dicts with amount, running],  # activity only
             "closing_balance": float,          # sum of the section's items up to date_end
             "buckets": [6 floats],             # open amounts by due date (kernel.BUCKET_KEYS)
             "open_total", "disputed", "amount_due": float,
             "open_total_company", "amount_due_company", "disputed_company": float,  # in company currency
             "buckets_company": [6 floats]}     # the buckets in company currency

        Open amounts are as of ``date_end``: a reconciliation counts only when both its items are
        dated on or before it. Disputed amounts too: the cases open on ``date_end``, at their amount.
        """
        company = company or self.env.company
        aging = aging or company.ispec_statement_aging or kernel.AGING_DAYS
        partners = self.env["res.partner"].browse(partner_ids).commercial_partner_id
        date_end = fields.Date.to_date(date_end)
        activity = statement_type == "activity"
        date_start = fields.Date.to_date(date_start) if activity else None
        result = {
            partner.id: {
                "partner": partner,
                "number": kernel.statement_number(partner.id, date_end),
                "payment_reference": partner._ispec_statement_payment_reference(date_end),
                "sections": [],
            }
            for partner in partners
        }
        if not partners:
            return result
        rows = self._fetch_statement_rows(partners.ids, company, date_end, date_start)

        # Group the rows per customer and currency.
        buckets_of = defaultdict(lambda: {"open": [], "move": [], "total": None, "forward": None})
        for row in rows:
            key = (row["partner_id"], row["currency_id"])
            if row["kind"] in ("open", "move"):
                buckets_of[key][row["kind"]].append(row)
            else:
                buckets_of[key][row["kind"]] = row

        # Disputed amounts: one call of the disputes hook for every open item of the run, with the
        # cases open on the statement date (the period end of an activity statement), not today's:
        # a statement reprinted later shows the same figures.
        open_move_ids = {row["move_id"] for row in rows if row["kind"] == "open"}
        disputed_by_move = self.env["account.move"].browse(open_move_ids)._ispec_open_dispute_amounts(
            date=date_end
        )
        disputed_left = dict(disputed_by_move)

        currencies = self.env["res.currency"].browse({key[1] for key in buckets_of})
        company_currency = company.currency_id
        company_round = rounder(company_currency)
        for (partner_id, currency_id), data in sorted(
            buckets_of.items(), key=lambda item: (item[0][1] != company_currency.id, item[0][1])
        ):
            currency = currencies.browse(currency_id)
            rnd = rounder(currency)
            lines = []
            for row in sorted(data["open"], key=lambda r: (r["date_maturity"], r["date"], r["move_name"], r["id"])):
                open_amount = row["open_amount_currency"]
                part = kernel.allocate_disputed(disputed_left.get(row["move_id"], 0.0), [open_amount])[0]
                if part:
                    disputed_left[row["move_id"]] -= part
                ratio = row["open_balance"] / open_amount if open_amount else 0.0
                lines.append({
                    "line_id": row["id"],
                    **{key: row[key] for key in DOCUMENT_KEYS},
                    "original": rnd(row["amount_currency"]),
                    "open": rnd(open_amount),
                    "open_company": company_round(row["open_balance"]),
                    "disputed": rnd(part),
                    "disputed_company": company_round(part * ratio),
                })
            runnings = kernel.running_balance(0.0, [ln["open"] for ln in lines], rnd)
            for line, running in zip(lines, runnings, strict=True):
                line["running"] = running
            open_total = rnd(sum(line["open"] for line in lines))
            disputed = rnd(sum(line["disputed"] for line in lines))
            open_total_company = company_round(sum(line["open_company"] for line in lines))
            disputed_company = company_round(sum(line["disputed_company"] for line in lines))
            total = data["total"] or {"amount_currency": 0.0, "balance": 0.0}
            section = {
                "currency": currency,
                "lines": lines,
                "closing_balance": rnd(total["amount_currency"]),
                "closing_balance_company": company_round(total["balance"]),
                "buckets": kernel.age(((ln["date_maturity"], ln["open"]) for ln in lines), date_end, aging, rnd),
                "open_total": open_total,
                "disputed": disputed,
                "amount_due": rnd(kernel.amount_due(open_total, disputed)),
                "open_total_company": open_total_company,
                "amount_due_company": company_round(kernel.amount_due(open_total_company, disputed_company)),
                "disputed_company": disputed_company,
                "buckets_company": kernel.age(
                    ((ln["date_maturity"], ln["open_company"]) for ln in lines), date_end, aging, company_round),
                "balance_forward": 0.0,
                "activity": [],
            }
            if activity:
                forward = rnd((data["forward"] or {}).get("amount_currency") or 0.0)
                moves = sorted(data["move"], key=lambda r: (r["date"], r["move_name"], r["move_id"]))
                section["balance_forward"] = forward
                section["activity"] = [
                    {
                        **{key: row[key] for key in DOCUMENT_KEYS},
                        "amount": rnd(row["amount_currency"]),
                        "running": running,
                    }
                    for row, running in zip(
                        moves, kernel.running_balance(forward, [r["amount_currency"] for r in moves], rnd), strict=True
                    )
                ]
                if currency.is_zero(forward) and not moves and not lines:
                    continue
            elif not lines and currency.is_zero(section["closing_balance"]):
                continue
            result[partner_id]["sections"].append(section)
        return result

    @api.model
    def _receivable_items_condition(self, company, date_end, partner_ids=None):
        """The SQL condition on ``account_move_line l`` (joined with ``account_account a`` and its
        ``res_partner p``) of the items a statement is made of: posted receivable items of ``company``
        and its branches dated up to ``date_end``, of the customers ``partner_ids`` (commercial partner
        ids) when given. The statements' query and the runs' choice of customers share it."""
        company_ids = self.env["res.company"].search([("id", "child_of", company.id)]).ids
        condition = SQL(
            "l.company_id = ANY(%s) AND l.parent_state = 'posted' AND a.account_type = 'asset_receivable' "
            "AND l.date <= %s", company_ids, date_end)
        if partner_ids is not None:
            # On the line's own partner (indexed), the customers and their contacts: a condition on the
            # joined commercial partner would read every receivable line of the company first.
            contact_ids = self.env["res.partner"].with_context(active_test=False).search(
                [("commercial_partner_id", "in", list(partner_ids))]).ids
            condition = SQL("%s AND l.partner_id = ANY(%s) AND p.commercial_partner_id = ANY(%s)",
                            condition, contact_ids, list(partner_ids))
        return condition

    @api.model
    def _fetch_statement_rows(self, partner_ids, company, date_end, date_start=None):
        """One query for all customers: open items as of ``date_end`` (kind 'open'), the balance of
        all receivable items up to it ('total') and, with ``date_start``, the balance brought
        forward ('forward') and the period's moves ('move'), per customer and currency."""
        lines = SQL(
            """
            SELECT l.id, p.commercial_partner_id AS partner_id, l.move_id, l.currency_id, l.date,
                   COALESCE(l.date_maturity, l.date) AS date_maturity, l.amount_currency, l.balance,
                   l.reconciled, m.name AS move_name, COALESCE(m.ref, '') AS ref,
                   CASE WHEN m.move_type IN ('out_invoice', 'out_receipt') THEN 'invoice'
                        WHEN m.move_type = 'out_refund' THEN 'credit_note'
                        WHEN m.origin_payment_id IS NOT NULL OR m.statement_line_id IS NOT NULL THEN
                             CASE WHEN l.balance > 0 THEN 'refund' ELSE 'payment' END
                        ELSE 'entry' END AS doc_type
              FROM account_move_line l
              JOIN account_account a ON a.id = l.account_id
              JOIN account_move m ON m.id = l.move_id
              JOIN res_partner p ON p.id = l.partner_id
             WHERE %(receivable)s
            """,
            receivable=self._receivable_items_condition(company, date_end, partner_ids),
        )
        # Open amount as of the date: the partials whose both items are dated on or before it.
        # Only items not fully reconciled now, or reconciled by a partial dated after it, can be open.
        open_items = SQL(
            """
            SELECT 'open' AS kind, l.partner_id, l.currency_id, l.move_id, l.id, l.date, l.date_maturity,
                   l.move_name, l.ref, l.doc_type, l.amount_currency, l.balance,
                   l.amount_currency - COALESCE(pd.amount_currency, 0) + COALESCE(pc.amount_currency, 0)
                       AS open_amount_currency,
                   l.balance - COALESCE(pd.amount, 0) + COALESCE(pc.amount, 0) AS open_balance
              FROM lines l
              LEFT JOIN LATERAL (
                    SELECT SUM(pr.debit_amount_currency) AS amount_currency, SUM(pr.amount) AS amount
                      FROM account_partial_reconcile pr
                     WHERE pr.debit_move_id = l.id AND pr.max_date <= %(date_end)s) pd ON TRUE
              LEFT JOIN LATERAL (
                    SELECT SUM(pr.credit_amount_currency) AS amount_currency, SUM(pr.amount) AS amount
                      FROM account_partial_reconcile pr
                     WHERE pr.credit_move_id = l.id AND pr.max_date <= %(date_end)s) pc ON TRUE
             WHERE (NOT l.reconciled
                    OR EXISTS (SELECT 1 FROM account_partial_reconcile pr
                                WHERE pr.debit_move_id = l.id AND pr.max_date > %(date_end)s)
                    OR EXISTS (SELECT 1 FROM account_partial_reconcile pr
                                WHERE pr.credit_move_id = l.id AND pr.max_date > %(date_end)s))
            """,
            date_end=date_end,
        )
        totals = SQL(
            """
            SELECT 'total', partner_id, currency_id, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
                   SUM(amount_currency), SUM(balance), NULL, NULL
              FROM lines GROUP BY partner_id, currency_id
            """
        )
        parts = [SQL("SELECT * FROM (%s) o WHERE o.open_amount_currency != 0 OR o.open_balance != 0", open_items),
                 totals]
        if date_start:
            parts.append(SQL(
                """
                SELECT 'forward', partner_id, currency_id, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
                       SUM(amount_currency), SUM(balance), NULL, NULL
                  FROM lines WHERE date < %(date_start)s GROUP BY partner_id, currency_id
                """,
                date_start=date_start,
            ))
            parts.append(SQL(
                """
                SELECT 'move', partner_id, currency_id, move_id, MIN(id), MIN(date), MIN(date_maturity),
                       move_name, ref, doc_type, SUM(amount_currency), SUM(balance), NULL, NULL
                  FROM lines WHERE date >= %(date_start)s
                 GROUP BY partner_id, currency_id, move_id, move_name, ref, doc_type
                """,
                date_start=date_start,
            ))
        query = SQL("WITH lines AS MATERIALIZED (%s) %s", lines, SQL(" UNION ALL ").join(parts))
        self.env.flush_all()
        return self.env.execute_query_dict(query)

    # ------------------------------------------------------------------
    # COMMON TO THE DOCUMENTS: report data, labels and the address block, in the current language
    # (statement_pdf.py renders the PDF, statement_xlsx.py writes the workbook, statement_mail.py mails)
    # ------------------------------------------------------------------

    @api.model
    def _report_data(self, statement_type, date_end, date_start=None, company=None):
        """The ``data`` dict the QWeb report and the XLSX writer take (JSON-serialisable)."""
        return {
            "statement_type": statement_type,
            "date_end": fields.Date.to_string(fields.Date.to_date(date_end)),
            "date_start": fields.Date.to_string(fields.Date.to_date(date_start)) if date_start else False,
            "company_id": (company or self.env.company).id,
        }

    @api.model
    def _bucket_labels(self, company, date_end):
        """Column titles of the aging, in the current language."""
        if company.ispec_statement_aging == kernel.AGING_MONTHS:
            starts = kernel.month_bucket_starts(fields.Date.to_date(date_end))
            months = [fields.Date.to_string(start)[:7] for start in starts]
            return [self.env._("Current"), *months[:4], self.env._("%(month)s and older", month=months[4])]
        return [
            self.env._("Current"), self.env._("1-30"), self.env._("31-60"), self.env._("61-90"),
            self.env._("91-120"), self.env._("Over 120"),
        ]

    @api.model
    def _doc_type_labels(self):
        """What each statement line is, in the current language."""
        return {
            "invoice": self.env._("Invoice"), "credit_note": self.env._("Credit Note"),
            "payment": self.env._("Payment"), "refund": self.env._("Refund"), "entry": self.env._("Entry"),
        }

    @api.model
    def _statement_title(self, statement_type):
        return dict(self._fields_type_labels()).get(statement_type, statement_type)

    @api.model
    def _fields_type_labels(self):
        return [
            ("outstanding", self.env._("Statement of Open Items")),
            ("activity", self.env._("Statement of Activity")),
        ]

    @api.model
    def _file_name(self, partner, data, extension):
        return "%s - %s - %s.%s" % (
            self.env._("Statement"), partner.commercial_partner_id.name, data["date_end"], extension,
        )

    @api.model
    def _address_lines(self, partner):
        """The address block of a customer's statement, as lines: the customer, its invoice contact
        when that is someone else, and the postal address of the invoice contact, or of the customer
        when the contact has none (a billing contact kept for its email alone)."""
        customer = partner.commercial_partner_id
        contact = customer._ispec_invoice_address()
        lines = [customer.name]
        if contact != customer and contact.name and contact.name != customer.name:
            lines.append(contact.name)
        postal = contact if _has_postal_address(contact) else customer
        lines += [line.strip() for line in postal._display_address(without_company=True).splitlines()
                  if line.strip()]
        return lines

    @api.model
    def _company_bank(self, company):
        return company.partner_id.bank_ids[:1]


def _has_postal_address(partner):
    return bool(partner.street or partner.street2 or partner.zip or partner.city)
