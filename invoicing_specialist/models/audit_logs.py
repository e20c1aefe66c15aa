"""The audit logs: receivable aging, match exceptions and overrides, disputes, changes.

Each reads PostgreSQL a page at a time (keyset pagination, odoo.tools.SQL) like the registers in
audit_dataset.py. The aging is the exception: its figures are the customers' statements', so it
pages over customers and asks the statement data phase (ispec.statement) for a page of them at once.
"""

from datetime import datetime, time, timedelta

from odoo.tools import SQL, float_repr, float_round

from ..kernels import match as match_kernel
from ..kernels import statement as statement_kernel
from .audit_columns import AMOUNT, DATE, DATETIME, INTEGER, Column
from .audit_dataset import INVOICE_TYPES, AuditDataset, register
from .statement import rounder

BILL_TYPES = ("in_invoice", "in_refund")
REFUND_TYPES = ("out_refund", "in_refund")
# The tolerance dimension (ispec.match.tolerance) each match reason is measured against; the other
# reasons (no PO, unit, duplicate) have none.
REASON_DIMENSIONS = {
    match_kernel.OVER_RECEIVED: "qty",
    match_kernel.OVER_ORDERED: "qty",
    match_kernel.PRICE_ABOVE: "price_above",
    match_kernel.PRICE_BELOW: "price_below",
    match_kernel.AMOUNT: "total",
}
# A journal item's changes are logged on its move, in a message linking the item ("Journal Item #12 updated",
# account.move.line's write): the item is the first record the message's body links to.
ITEM_LINK = r"""data-oe-id=["']?([0-9]+)"""
# The aging columns' names in the CSV, per the company's aging mode (the labels are the statements').
BUCKET_NAMES = {
    statement_kernel.AGING_DAYS: ("current", "overdue_1_30", "overdue_31_60", "overdue_61_90", "overdue_91_120",
                                  "overdue_over_120"),
    statement_kernel.AGING_MONTHS: ("current", "due_this_month", "due_1_month_before", "due_2_months_before",
                                    "due_3_months_before", "due_4_months_before_or_older"),
}


def _period_bounds(export):
    """The period as UTC datetimes [start, end): what a timestamp (a change, an override) is compared with."""
    return (datetime.combine(export.date_from, time.min),
            datetime.combine(export.date_to + timedelta(days=1), time.min))


# ----------------------------------------------------------------------------------------------------
# Receivable aging
# ----------------------------------------------------------------------------------------------------
def _aging_columns(bucket_names, bucket_labels):
    return [
        Column("customer", "Customer"),
        Column("customer_ref", "Customer Reference"),
        Column("customer_vat", "VAT Number"),
        Column("currency", "Currency"),
        Column("open_items", "Open Items", INTEGER, True),
        Column("open_amount", "Open Amount", AMOUNT),
        Column("open_amount_company", "Open Amount (Company Currency)", AMOUNT, True),
        Column("disputed_company", "Disputed (Company Currency)", AMOUNT, True),
        Column("undisputed_company", "Undisputed (Company Currency)", AMOUNT, True),
        *(Column(name, label, AMOUNT, True) for name, label in zip(bucket_names, bucket_labels, strict=True)),
    ]


@register
class ReceivableAging(AuditDataset):
    """The customers' open receivables at the end of the period, one row per customer and currency, aged
    by due date, disputed and undisputed apart: the figures of their statements as of that date.

    The statement data phase (``ispec.statement._get_statement_data``) makes them, called for a page of
    customers at a time: open amounts as of the date (a reconciliation counts once both its items are
    dated on or before it), the cases open on that date at the amount they disputed, and the company's
    aging (30-day or monthly buckets, as on its statements). Amounts are in company currency; the open
    amount is also given in the items' currency. Undisputed is open less disputed, so each row adds up.
    The period's start and the journals do not apply: a customer owes all its receivable items up to the
    date, whatever journal they came from, as its statement says. Companies' branches are included, as
    on statements."""

    key = "receivable_aging"
    # The columns of 30-day aging; each export takes its company's aging mode and labels (__init__).
    columns = _aging_columns(BUCKET_NAMES[statement_kernel.AGING_DAYS], statement_kernel.DAY_BUCKET_LABELS)
    # Customers per call of the statement data phase (one query and a few batched reads each call).
    default_batch_size = 500

    def __init__(self, export, batch_size=None):
        super().__init__(export, batch_size)
        self.aging = self.company.ispec_statement_aging or statement_kernel.AGING_DAYS
        labels = self.env["ispec.statement"]._bucket_labels(self.company, export.date_to)
        self.columns = _aging_columns(BUCKET_NAMES[self.aging], labels)

    def _label(self):
        return self.env._("Receivable Aging")

    def _customer_ids(self):
        """The customers with receivable items up to the date (the statements' own condition), in one query:
        one id per customer is small however many there are, and a keyset page of a DISTINCT would scan the
        receivable items again for each page."""
        condition = self.env["ispec.statement"]._receivable_items_condition(self.company, self.export.date_to)
        self.env.cr.execute(SQL("""
            SELECT DISTINCT p.commercial_partner_id
              FROM account_move_line l
              JOIN account_account a ON a.id = l.account_id
              JOIN res_partner p ON p.id = l.partner_id
             WHERE %s
          ORDER BY p.commercial_partner_id""", condition))
        return [row[0] for row in self.env.cr.fetchall()]

    def rows(self):
        statement = self.env["ispec.statement"]
        date_end = self.export.date_to
        company_round = rounder(self.company.currency_id)
        self.env.flush_all()
        all_ids = self._customer_ids()
        for start in range(0, len(all_ids), self.batch_size):
            customer_ids = all_ids[start:start + self.batch_size]
            data = statement._get_statement_data(customer_ids, date_end, company=self.company, aging=self.aging)
            for customer_id in customer_ids:
                customer = data[customer_id]["partner"]
                for section in data[customer_id]["sections"]:
                    lines = section["lines"]
                    if not lines:
                        continue
                    open_company, disputed = section["open_total_company"], section["disputed_company"]
                    yield (
                        customer.name, customer.ref or None, customer.vat or None, section["currency"].name,
                        len(lines), section["open_total"], open_company, disputed,
                        company_round(open_company - disputed), *section["buckets_company"],
                    )
            # The page's customers and items leave the ORM cache: memory holds one page, not the export.
            self.env.invalidate_all()


# ----------------------------------------------------------------------------------------------------
# Match exceptions and overrides
# ----------------------------------------------------------------------------------------------------
@register
class MatchLog(AuditDataset):
    """Vendor bills against their purchase orders: the bill lines in match exception, and the managers'
    overrides of exceptions.

    Exceptions: the lines of the period's vendor bills and credit notes (by accounting date, not cancelled)
    whose match state is *Match Exception* at the time of the export, with the figures of their last
    check. Overrides: every override of a bill of the period, and every override made in the period (UTC
    days) whatever its bill's date, active or expired, with the figures the manager saw. The tolerance
    column shows, for each reason, the limit in force for the vendor (else the company's) at the time of
    the export: tolerances keep no history."""

    key = "match_log"
    columns = [
        Column("kind", "Entry"),
        Column("bill", "Bill"),
        Column("bill_type", "Type"),
        Column("bill_state", "Status"),
        Column("accounting_date", "Accounting Date", DATE),
        Column("bill_date", "Bill Date", DATE),
        Column("vendor", "Vendor"),
        Column("purchase_order", "Purchase Order"),
        Column("po_line", "PO Line"),
        Column("bill_line", "Bill Line"),
        Column("reasons", "Reasons"),
        # Quantities and unit prices as text at their own precision ("Product Unit", "Product Price"):
        # amount columns are written at the company currency's decimals.
        Column("qty_ordered", "Ordered"),
        Column("qty_received", "Received"),
        Column("qty_billed", "Billed (All Bills)"),
        Column("qty_on_bill", "Quantity on This Bill"),
        Column("currency", "Currency"),
        Column("po_price", "PO Price"),
        Column("bill_price", "Bill Price"),
        Column("line_amount_company", "Line Amount (Company Currency)", AMOUNT),
        Column("tolerance", "Tolerance"),
        Column("line_state", "Line Match State"),
        Column("overridden_by", "Overridden By"),
        Column("overridden_at", "Overridden At (UTC)", DATETIME),
        Column("override_note", "Why"),
        Column("override_state", "Override Status"),
        Column("expired_at", "Expired At (UTC)", DATETIME),
        Column("expiry_note", "Why It Expired"),
    ]

    def _label(self):
        return self.env._("Match Exceptions and Overrides")

    def _query(self, last):
        export = self.export
        reasons = self.env["ispec.match.override"]._fields["reason_ids"]
        start, end = _period_bounds(export)
        # Both parts give the same columns; ``kind`` 0 is an exception line, 1 an override.
        bill = SQL("""
            m.id AS bill_id, m.name AS bill, m.move_type, m.state AS bill_state, m.date, m.invoice_date,
            vendor.name AS vendor, m.commercial_partner_id AS vendor_id, cur.name AS currency""")
        joins = SQL("""
              JOIN account_move m ON m.id = %(bill_alias)s
         LEFT JOIN res_partner vendor ON vendor.id = m.commercial_partner_id
         LEFT JOIN res_currency cur ON cur.id = m.currency_id
         LEFT JOIN purchase_order_line pol ON pol.id = %(po_line_alias)s
         LEFT JOIN purchase_order po ON po.id = pol.order_id""",
            bill_alias=SQL.identifier("src", "move_id"), po_line_alias=SQL.identifier("src", "purchase_line_id"))
        exceptions = SQL("""
            SELECT 0 AS kind, src.id AS line_key, 0 AS rec_id, %(bill)s,
                   po.name AS purchase_order, pol.name AS po_line, src.name AS bill_line,
                   src.ispec_match_reasons AS reason_codes, src.ispec_qty_ordered AS qty_ordered,
                   src.ispec_qty_received AS qty_received, src.ispec_qty_billed AS qty_billed,
                   src.quantity AS qty_on_bill, src.ispec_po_price AS po_price, src.ispec_bill_price AS bill_price,
                   ABS(src.balance) AS line_amount_company, src.ispec_match_state AS line_state,
                   NULL::varchar AS overridden_by, NULL::timestamp AS overridden_at, NULL::text AS override_note,
                   NULL::varchar AS override_state, NULL::timestamp AS expired_at, NULL::varchar AS expiry_note
              FROM account_move_line src
              %(joins)s
             WHERE m.company_id = %(company)s AND m.move_type IN %(types)s AND m.state != 'cancel'
               AND m.date BETWEEN %(date_from)s AND %(date_to)s
               AND src.ispec_match_state = %(exception)s
               %(journals)s""",
            bill=bill, joins=joins, company=export.company_id.id, types=BILL_TYPES, date_from=export.date_from,
            date_to=export.date_to, exception=match_kernel.EXCEPTION, journals=self._journal_filter("m"))
        overrides = SQL("""
            SELECT 1, COALESCE(src.line_id, 0), src.id, %(bill)s,
                   po.name, pol.name, src.line_label,
                   (SELECT string_agg(r.code, ',' ORDER BY r.sequence, r.id)
                      FROM %(rel)s rel JOIN ispec_match_reason r ON r.id = rel.%(reason_col)s
                     WHERE rel.%(override_col)s = src.id),
                   src.qty_ordered, src.qty_received, src.qty_billed, line.quantity, src.po_price, src.bill_price,
                   ABS(line.balance), line.ispec_match_state,
                   author.name, src.date, src.note, src.state, src.expired_on, src.expiry_note
              FROM ispec_match_override src
              %(joins)s
         LEFT JOIN account_move_line line ON line.id = src.line_id
         LEFT JOIN res_users u ON u.id = src.user_id
         LEFT JOIN res_partner author ON author.id = u.partner_id
             WHERE m.company_id = %(company)s
               AND (m.date BETWEEN %(date_from)s AND %(date_to)s OR (src.date >= %(start)s AND src.date < %(end)s))
               %(journals)s""",
            bill=bill, joins=joins, rel=SQL.identifier(reasons.relation), reason_col=SQL.identifier(reasons.column2),
            override_col=SQL.identifier(reasons.column1), company=export.company_id.id, date_from=export.date_from,
            date_to=export.date_to, start=start, end=end, journals=self._journal_filter("m"))
        return SQL("""
            SELECT * FROM (%(exceptions)s UNION ALL %(overrides)s) s
             %(keyset)s
          ORDER BY bill_id, line_key, kind, rec_id
             LIMIT %(limit)s""",
            exceptions=exceptions, overrides=overrides, limit=self.batch_size,
            keyset=SQL("WHERE (bill_id, line_key, kind, rec_id) > (%s, %s, %s, %s)", *last) if last else SQL())

    def _tolerances(self):
        """{(vendor id or False, dimension): what the limit lets through}, for the export's company."""
        rules = self.env["ispec.match.tolerance"].with_company(self.company).search(
            [("company_id", "=", self.company.id)])
        return {(rule.partner_id.id, rule.dimension): rule.summary for rule in rules}

    def _tolerance_text(self, tolerances, dimensions, vendor_id, codes):
        parts = []
        for dimension in dict.fromkeys(REASON_DIMENSIONS[code] for code in codes if code in REASON_DIMENSIONS):
            summary = tolerances.get((vendor_id, dimension)) or tolerances.get((False, dimension)) \
                or self.env._("Not checked")
            parts.append(f"{dimensions[dimension]}: {summary}")
        return "; ".join(parts) or None

    def rows(self):
        kinds = {0: self.env._("Exception"), 1: self.env._("Override")}
        types = self._selection_labels("account.move", "move_type")
        states = self._selection_labels("account.move", "state")
        line_states = self._selection_labels("account.move.line", "ispec_match_state")
        override_states = self._selection_labels("ispec.match.override", "state")
        dimensions = self._selection_labels("ispec.match.tolerance", "dimension")
        reason_names = {code: reason.name for code, reason in self.env["ispec.match.reason"]._by_code().items()}
        tolerances = self._tolerances()
        precision = self.env["decimal.precision"].precision_get
        qty_digits, price_digits = precision("Product Unit"), precision("Product Price")

        def number(value, digits):
            return float_repr(float_round(float(value), precision_digits=digits), digits) if value is not None else None

        self.env.flush_all()
        for batch in self._pages(self._query, lambda r: (r["bill_id"], r["line_key"], r["kind"], r["rec_id"])):
            for r in batch:
                codes = match_kernel.split_reasons(r["reason_codes"])
                yield (
                    kinds[r["kind"]], r["bill"], types.get(r["move_type"]), states.get(r["bill_state"]), r["date"],
                    r["invoice_date"], r["vendor"], r["purchase_order"], r["po_line"], r["bill_line"],
                    ", ".join(reason_names.get(code, code) for code in codes) or None,
                    *(number(r[key], qty_digits) for key in ("qty_ordered", "qty_received", "qty_billed",
                                                             "qty_on_bill")),
                    r["currency"], number(r["po_price"], price_digits), number(r["bill_price"], price_digits),
                    self._amount(r["line_amount_company"]) if r["line_amount_company"] is not None else None,
                    self._tolerance_text(tolerances, dimensions, r["vendor_id"], codes),
                    line_states.get(r["line_state"]), r["overridden_by"], r["overridden_at"], r["override_note"],
                    override_states.get(r["override_state"]), r["expired_at"], r["expiry_note"],
                )


# ----------------------------------------------------------------------------------------------------
# Dispute log
# ----------------------------------------------------------------------------------------------------
@register
class DisputeLog(AuditDataset):
    """The dispute cases open at some time in the period: opened on or before its end and not closed
    before its start (accepted, rejected or cancelled on or after it, or still open). So a case opened
    in the period is there, and so is one carried over from an earlier period; a draft never opened is
    not a dispute yet. Customer invoices and vendor bills alike, of the chosen journals.

    Amounts in the invoice's currency, and the disputed and credited amounts in company currency: the
    disputed amount at the invoice's own rate, the credited amount as the posted credit notes booked it."""

    key = "dispute_log"
    columns = [
        Column("number", "Number"),
        Column("invoice_type", "Type"),
        Column("partner", "Partner"),
        Column("invoice", "Invoice"),
        Column("invoice_date", "Invoice Date", DATE),
        Column("reason", "Reason"),
        Column("scope", "Scope"),
        Column("currency", "Currency"),
        Column("amount_disputed", "Disputed Amount", AMOUNT),
        Column("amount_disputed_company", "Disputed Amount (Company Currency)", AMOUNT, True),
        Column("amount_current", "Still Disputed", AMOUNT),
        Column("state", "Status"),
        Column("owner", "Owner"),
        Column("deadline", "Deadline", DATE),
        Column("opened", "Opened", DATE),
        Column("resolved", "Resolved", DATE),
        Column("closed", "Closed", DATE),
        Column("days_to_resolve", "Days to Resolve", INTEGER),
        Column("resolution", "Resolution"),
        Column("rejection_reason", "Rejection Reason"),
        Column("root_cause", "Root Cause"),
        Column("credit_notes", "Credit Notes"),
        Column("amount_credited", "Credited Amount", AMOUNT),
        Column("amount_credited_company", "Credited Amount (Company Currency)", AMOUNT, True),
        Column("write_off", "Write-Off Entry"),
        Column("amount_written_off", "Written Off", AMOUNT),
    ]

    def _label(self):
        return self.env._("Dispute Log")

    def _query(self, last_id):
        export = self.export
        return SQL("""
            SELECT d.id, d.name, inv.move_type, p.name AS partner, inv.name AS invoice, inv.invoice_date,
                   %(reason)s AS reason, d.scope, cur.name AS currency, d.amount_original, d.amount_current,
                   d.amount_original * ABS(inv.amount_total_signed) / NULLIF(inv.amount_total, 0)
                       AS amount_original_company,
                   d.state, owner.name AS owner, d.deadline, d.date_opened, d.date_resolved, d.date_closed,
                   d.days_to_resolve, d.rejection_reason, d.root_cause, d.amount_credited, d.amount_written_off,
                   notes.names AS credit_notes, notes.amount_company AS amount_credited_company,
                   wo.name AS write_off
              FROM ispec_dispute d
              JOIN account_move inv ON inv.id = d.move_id
         LEFT JOIN res_partner p ON p.id = d.partner_id
         LEFT JOIN res_currency cur ON cur.id = d.currency_id
         LEFT JOIN ispec_dispute_reason r ON r.id = d.reason_id
         LEFT JOIN res_users u ON u.id = d.user_id
         LEFT JOIN res_partner owner ON owner.id = u.partner_id
         LEFT JOIN account_move wo ON wo.id = d.write_off_move_id
         LEFT JOIN LATERAL (
                SELECT string_agg(cn.name, ', ' ORDER BY cn.id) AS names,
                       SUM(ABS(cn.amount_total_signed)) AS amount_company
                  FROM account_move cn
                 WHERE cn.ispec_dispute_id = d.id AND cn.move_type IN %(refunds)s AND cn.state = 'posted'
              ) notes ON TRUE
             WHERE d.company_id = %(company)s
               AND d.date_opened <= %(date_to)s
               AND (d.date_closed IS NULL OR d.date_closed >= %(date_from)s)
               %(journals)s
               %(keyset)s
          ORDER BY d.id
             LIMIT %(limit)s""",
            reason=self._jsonb_name("r"), refunds=REFUND_TYPES, company=export.company_id.id,
            date_from=export.date_from, date_to=export.date_to, journals=self._journal_filter("inv"),
            keyset=SQL("AND d.id > %s", last_id) if last_id else SQL(), limit=self.batch_size)

    def _resolution(self, r, labels):
        """What ended the case, in a person's words: the credit note, the write-off, the rejection."""
        if r["state"] == "accepted":
            if r["credit_notes"]:
                return labels["credit"]
            return labels["write_off"] if r["write_off"] else labels["accepted"]
        return labels.get(r["state"])

    def rows(self):
        types = self._selection_labels("account.move", "move_type")
        states = self._selection_labels("ispec.dispute", "state")
        scopes = self._selection_labels("ispec.dispute", "scope")
        labels = {"credit": self.env._("Credit note"), "write_off": self.env._("Written off"),
                  "accepted": states["accepted"], "rejected": states["rejected"], "cancel": states["cancel"]}
        self.env.flush_all()
        for batch in self._pages(self._query, lambda row: row["id"]):
            for r in batch:
                credited_company = r["amount_credited_company"]
                yield (
                    r["name"], types.get(r["move_type"]), r["partner"], r["invoice"], r["invoice_date"], r["reason"],
                    scopes.get(r["scope"]), r["currency"], self._amount(r["amount_original"]),
                    self._amount(r["amount_original_company"]), self._amount(r["amount_current"]),
                    states.get(r["state"]), r["owner"], r["deadline"], r["date_opened"], r["date_resolved"],
                    r["date_closed"], r["days_to_resolve"] if r["date_resolved"] else None,
                    self._resolution(r, labels), r["rejection_reason"], r["root_cause"], r["credit_notes"],
                    self._amount(r["amount_credited"]),
                    self._amount(credited_company) if credited_company is not None else None,
                    r["write_off"], self._amount(r["amount_written_off"]),
                )


# ----------------------------------------------------------------------------------------------------
# Change log
# ----------------------------------------------------------------------------------------------------
@register
class ChangeLog(AuditDataset):
    """Every tracked change to the invoices, bills, credit notes and receipts of the company: those whose
    accounting date is in the period (whenever the change was made, so a change after the period's close
    shows), and the changes made in the period (UTC days) to documents of any date. One row per changed
    field, from Odoo's tracking (mail_message and mail_tracking_value), which is also what Odoo's audit
    trail (the company's *Restricted Audit Trail* setting) keeps and protects: changes to a document's
    fields, and to the journal items of a document once posted (created, updated, deleted; the item's
    number is given). Old and new values are read from the column of the field's type.

    Rows come document by document (then in the order the changes were made): a page resumes at the
    document where the previous one stopped, so the pages together read each document's messages once,
    where an order over all messages would sort the whole period's trail again for every page."""

    key = "change_log"
    columns = [
        Column("changed_at", "Changed At (UTC)", DATETIME),
        Column("user", "User"),
        Column("user_login", "Login"),
        Column("number", "Record"),
        Column("move_type", "Type"),
        Column("accounting_date", "Accounting Date", DATE),
        Column("journal_item", "Journal Item", INTEGER),
        Column("field", "Field"),
        Column("field_name", "Technical Field Name"),
        Column("old_value", "Old Value"),
        Column("new_value", "New Value"),
        Column("currency", "Currency"),
    ]

    def _label(self):
        return self.env._("Change Log")

    def _query(self, last):
        export = self.export
        start, end = _period_bounds(export)
        return SQL("""
            SELECT tv.id, msg.id AS message_id, m.id AS move_id, msg.date AS changed_at, who.name AS user_name, u.login,
                   m.name AS number, m.move_type, m.date,
                   CASE WHEN f.model = 'account.move.line'
                        THEN substring(msg.body FROM %(item_link)s)::int END AS journal_item,
                   COALESCE(f.field_description ->> %(lang)s, f.field_description ->> 'en_US',
                            tv.field_info ->> 'desc') AS field_label,
                   COALESCE(f.name, tv.field_info ->> 'name') AS field_name,
                   COALESCE(f.ttype, tv.field_info ->> 'type') AS ttype,
                   tv.old_value_integer, tv.old_value_float, tv.old_value_char, tv.old_value_text,
                   tv.old_value_datetime, tv.new_value_integer, tv.new_value_float, tv.new_value_char,
                   tv.new_value_text, tv.new_value_datetime, cur.name AS currency, cur.decimal_places
              FROM mail_message msg
              JOIN account_move m ON m.id = msg.res_id
              JOIN mail_tracking_value tv ON tv.mail_message_id = msg.id
         LEFT JOIN ir_model_fields f ON f.id = tv.field_id
         LEFT JOIN res_currency cur ON cur.id = tv.currency_id
         LEFT JOIN res_users u ON u.id = msg.create_uid
         LEFT JOIN res_partner who ON who.id = COALESCE(u.partner_id, msg.author_id)
             WHERE msg.model = 'account.move'
               AND m.company_id = %(company)s AND m.move_type IN %(types)s
               AND (m.date BETWEEN %(date_from)s AND %(date_to)s OR (msg.date >= %(start)s AND msg.date < %(end)s))
               %(journals)s
               %(keyset)s
          ORDER BY m.id, msg.id, tv.id
             LIMIT %(limit)s""",
            item_link=ITEM_LINK, lang=self.lang, company=export.company_id.id, types=INVOICE_TYPES,
            date_from=export.date_from, date_to=export.date_to, start=start, end=end,
            journals=self._journal_filter("m"),
            keyset=self._keyset(last), limit=self.batch_size)

    @staticmethod
    def _keyset(last):
        """After the row ``last`` (move, message, tracking value). The document's bound is repeated on both
        tables, where their indexes (account_move's key, mail_message's model, res_id, id) can start from it:
        PostgreSQL does not carry a bound across the join's equality by itself."""
        if not last:
            return SQL()
        return SQL("AND m.id >= %(move)s AND msg.res_id >= %(move)s "
                   "AND (m.id, msg.id, tv.id) > (%(move)s, %(msg)s, %(tv)s)", move=last[0], msg=last[1], tv=last[2])

    def _value(self, r, side, yes_no):
        """The old or new value (``side``) as text, from the column the field's type is stored in (see
        mail.tracking.value._create_tracking_values)."""
        ttype = r["ttype"]
        if ttype in ("integer", "boolean"):
            value = r[f"{side}_value_integer"]
            if value is None:
                return None
            return yes_no[bool(value)] if ttype == "boolean" else str(value)
        if ttype in ("float", "monetary"):
            value = r[f"{side}_value_float"]
            if value is None:
                return None
            if ttype == "monetary" and r["decimal_places"] is not None:
                return f"{value:.{r['decimal_places']}f}"
            return repr(value)
        if ttype in ("date", "datetime"):
            value = r[f"{side}_value_datetime"]
            if not value:
                return None
            return value.date().isoformat() if ttype == "date" else value.strftime("%Y-%m-%d %H:%M:%S")
        if ttype in ("text", "html"):
            return r[f"{side}_value_text"] or None
        # char, selection (its label), many2one (the record's name), x2many (the names): the char column.
        return r[f"{side}_value_char"] or r[f"{side}_value_text"] or None

    def rows(self):
        types = self._selection_labels("account.move", "move_type")
        yes_no = {True: self.env._("Yes"), False: self.env._("No")}
        self.env.flush_all()
        for batch in self._pages(self._query, lambda row: (row["move_id"], row["message_id"], row["id"])):
            for r in batch:
                yield (
                    r["changed_at"], r["user_name"], r["login"], r["number"], types.get(r["move_type"]), r["date"],
                    r["journal_item"], r["field_label"], r["field_name"], self._value(r, "old", yes_no),
                    self._value(r, "new", yes_no), r["currency"],
                )
