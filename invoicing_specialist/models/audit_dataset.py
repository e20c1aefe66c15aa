"""The datasets of an audit export: each declares its columns and yields its rows.

A dataset reads PostgreSQL in batches, with keyset pagination (``WHERE key > last ORDER BY key LIMIT n``:
each page is one short query) or, for the journal-entry extract, from a server-side cursor over one statement;
memory holds one batch, and nothing is built as a string (odoo.tools.SQL). The writer (audit_writer.py) takes
the rows as they come.
"""

from contextlib import contextmanager

from odoo.tools import SQL, LazyTranslate
from odoo.tools.translate import LazyGettext

from ..kernels import audit as kernel
from .audit_columns import AMOUNT, DATE, DATETIME, INTEGER, Column

_lt = LazyTranslate(__name__)

BATCH_SIZE = 2000
INVOICE_TYPES = ("out_invoice", "in_invoice", "out_refund", "in_refund", "out_receipt", "in_receipt")
REFUND_TYPES = ("out_refund", "in_refund")


# Every dataset class, by key; filled by ``@register`` in each dataset's module (registers here, ADS extract in
# audit_ads.py, logs in audit_logs.py). The export's dataset flags name these keys.
DATASETS = {}


def register(dataset_class):
    DATASETS[dataset_class.key] = dataset_class
    return dataset_class


class AuditDataset:
    """One dataset of an export. Subclasses set ``key``, ``columns``, ``label()`` and ``rows()``."""

    key = None
    columns = ()
    # The dataset's own file in the package: ``<key>.csv``, RFC 4180 with commas, unless a dataset sets
    # another name and delimiter (the AICPA Audit Data Standard files are pipe-delimited ``.txt``).
    file_name = None
    delimiter = ","
    default_batch_size = BATCH_SIZE
    # Whether the CSV file is written by PostgreSQL's COPY (``copy_query``, ``copy_totals``) rather than from rows().
    csv_by_copy = False

    def __init__(self, export, batch_size=None):
        self.export = export
        self.env = export.env
        self.batch_size = batch_size or self.default_batch_size
        self.company = export.company_id
        self.decimals = self.company.currency_id.decimal_places
        self.lang = self.env.lang or "en_US"
        # The column labels in the user's language (declared with _lt, read when the export runs).
        self.columns = [col._replace(label=self.env._(col.label)) if isinstance(col.label, LazyGettext) else col
                        for col in type(self).columns]
        # Every currency's decimals by code: document-currency amounts keep their own (a small table).
        currencies = self.env["res.currency"].with_context(active_test=False).search_read(
            [], ["name", "decimal_places"])
        self.currency_decimals = {currency["name"]: currency["decimal_places"] for currency in currencies}

    @property
    def label(self):
        return self._label()

    def _label(self):
        raise NotImplementedError

    def rows(self):
        raise NotImplementedError

    # -- helpers shared by the datasets ------------------------------------------------------------
    def _selection_labels(self, model, field):
        field = self.env[model]._fields[field]
        return dict(field._description_selection(self.env))

    def _journal_filter(self, alias):
        if self.export.journal_ids:
            return SQL("AND %s = ANY(%s)", SQL.identifier(alias, "journal_id"), self.export.journal_ids.ids)
        return SQL()

    def _jsonb_name(self, alias):
        return SQL("COALESCE(%s ->> %s, %s ->> 'en_US')", SQL.identifier(alias, "name"), self.lang,
                   SQL.identifier(alias, "name"))

    def _pages(self, make_query, key_of):
        """Run ``make_query(last_key)`` page after page until a page comes back short; yield its rows."""
        last = None
        while True:
            self.env.cr.execute(make_query(last))
            batch = self.env.cr.dictfetchall()
            yield batch
            if len(batch) < self.batch_size:
                return
            last = key_of(batch[-1])

    # -- CSV straight from PostgreSQL ----------------------------------------------------------------
    def copy_query(self):
        """SQL giving the dataset's rows as the text of its CSV file, column by column in ``columns``' order,
        NULL for an empty field; None (the default) when its rows are made in Python only. A dataset that
        has one is written to CSV by PostgreSQL's COPY (``copy_csv``), byte for byte as ``rows()`` would
        be by the csv module, several times faster: the big journal-entry extract has one."""
        return None

    def copy_totals(self):
        """``{column name: total}`` of the columns summed into the control totals, read in SQL: with
        ``copy_query`` the rows never pass through Python to be summed."""
        raise NotImplementedError

    def copy_csv(self, target):
        """Stream ``copy_query()`` out of COPY into ``target.write``: psycopg2 calls it once per row (the
        server sends each row as a CopyData message of its own), each row ending with a line feed."""
        sql = SQL("COPY (%s) TO STDOUT WITH (FORMAT csv, DELIMITER %s)", self.copy_query(), self.delimiter)
        cr = self.env.cr
        with self._large_query_settings():
            cr.copy_expert(cr.mogrify(sql).decode(), target)

    def _cursor_rows(self, query):
        """The rows of ``query``, read from a server-side cursor ``batch_size`` rows at a time (DECLARE and
        FETCH in the export's transaction: the same snapshot as the rest of the export), so that memory does
        not grow with the number of rows."""
        cr = self.env.cr
        cursor = SQL.identifier(f"ispec_{self.key}")
        with self._large_query_settings():
            cr.execute(SQL("DECLARE %s NO SCROLL CURSOR FOR %s", cursor, query))
            try:
                while True:
                    cr.execute(SQL("FETCH FORWARD %s FROM %s", self.batch_size, cursor))
                    batch = cr.fetchall()
                    yield from batch
                    if len(batch) < self.batch_size:
                        return
            finally:
                cr.execute(SQL("CLOSE %s", cursor))

    @contextmanager
    def _large_query_settings(self):
        """For the statements of a large dataset only: no JIT compilation (the planner's estimate of a
        million-row export with subqueries sets it off, and compiling costs seconds while the plan runs for
        less), room to sort in memory, and dates as PostgreSQL's ISO style writes them (YYYY-MM-DD, HH:MM:SS),
        whatever the server's. set_config(..., true) is local to the transaction: the settings are put back
        after."""
        settings = {"jit": "off", "work_mem": "256MB", "DateStyle": "ISO, YMD"}
        cr = self.env.cr
        cr.execute(SQL("SELECT %s", SQL(", ").join(SQL("current_setting(%s)", name) for name in settings)))
        previous = dict(zip(settings, cr.fetchone(), strict=True))

        def configure(values):
            cr.execute(SQL("SELECT %s", SQL(", ").join(
                SQL("set_config(%s, %s, true)", name, value) for name, value in values.items())))

        configure(settings)
        try:
            yield
        finally:
            configure(previous)

    def _amount(self, value, currency=None):
        """``value`` rounded to the company currency's decimals, or to those of the currency named ``currency``."""
        decimals = self.currency_decimals.get(currency, self.decimals) if currency else self.decimals
        return round(value or 0.0, decimals)

    def _posted_messages(self):
        """SQL condition on ``msg`` (mail_message) and ``tv`` (its mail_tracking_value): a tracked change of an
        entry's state to Posted. The last one of an entry tells who posted it and when."""
        field = self.env["ir.model.fields"]._get("account.move", "state")
        return SQL("msg.model = 'account.move' AND tv.field_id = %s AND tv.new_value_char = 'Posted'", field.id)

    def _posted_join(self):
        """Who posted each move ``m`` and when (columns ``posted_at``, ``posted_uid``, ``posted_by`` of ``post``),
        looked up entry by entry: for a page of rows."""
        return SQL("""
            LEFT JOIN LATERAL (
                SELECT msg.date AS posted_at, msg.create_uid AS posted_uid, author.name AS posted_by
                  FROM mail_message msg
                  JOIN mail_tracking_value tv ON tv.mail_message_id = msg.id
             LEFT JOIN res_partner author ON author.id = msg.author_id
                 WHERE msg.res_id = m.id AND %s
              ORDER BY msg.id DESC
                 LIMIT 1
            ) post ON TRUE""", self._posted_messages())

    def _posted_of(self, move_ids):
        """Who posted each of the moves ``move_ids`` (SQL giving ids) and when, for all of them at once
        (``res_id``, ``posted_at``, ``posted_uid``): one pass over the postings, for a whole period."""
        return SQL("""
            SELECT DISTINCT ON (msg.res_id) msg.res_id, msg.date AS posted_at, msg.create_uid AS posted_uid
              FROM mail_message msg
              JOIN mail_tracking_value tv ON tv.mail_message_id = msg.id
             WHERE msg.res_id IN (%s) AND %s
          ORDER BY msg.res_id, msg.id DESC""", move_ids, self._posted_messages())


@register
class InvoiceRegister(AuditDataset):
    """Customer and vendor invoices, credit notes and receipts posted or cancelled in the period
    (by accounting date)."""

    key = "invoice_register"
    columns = [
        Column("number", _lt("Number")),
        Column("journal", _lt("Journal")),
        Column("move_type", _lt("Type")),
        Column("state", _lt("Status")),
        Column("invoice_date", _lt("Invoice Date"), DATE),
        Column("accounting_date", _lt("Accounting Date"), DATE),
        Column("due_date", _lt("Due Date"), DATE),
        Column("partner", _lt("Partner")),
        Column("partner_vat", _lt("VAT Number")),
        Column("currency", _lt("Currency")),
        Column("amount_untaxed", _lt("Untaxed"), AMOUNT, currency="currency"),
        Column("amount_tax", _lt("Tax"), AMOUNT, currency="currency"),
        Column("amount_total", _lt("Total"), AMOUNT, currency="currency"),
        Column("amount_residual", _lt("Amount Due"), AMOUNT, currency="currency"),
        Column("amount_untaxed_company", _lt("Untaxed (Company Currency)"), AMOUNT, True),
        Column("amount_tax_company", _lt("Tax (Company Currency)"), AMOUNT, True),
        Column("amount_total_company", _lt("Total (Company Currency)"), AMOUNT, True),
        Column("amount_residual_company", _lt("Amount Due (Company Currency)"), AMOUNT, True),
        Column("payment_state", _lt("Payment Status")),
        Column("origin", _lt("Origin")),
        Column("created_by", _lt("Created By")),
        Column("created_at", _lt("Created At (UTC)"), DATETIME),
        Column("posted_by", _lt("Posted By")),
        Column("posted_at", _lt("Posted At (UTC)"), DATETIME),
        Column("disputed_amount", _lt("Disputed Amount"), AMOUNT, True),
        Column("match_state", _lt("Match State")),
    ]

    def _label(self):
        return self.env._("Invoice Register")

    def _query(self, last_id):
        export = self.export
        return SQL("""
            SELECT m.id, m.name, j.code AS journal, m.move_type, m.state, m.invoice_date, m.date,
                   m.invoice_date_due, p.name AS partner, p.vat, cur.name AS currency,
                   m.amount_untaxed, m.amount_tax, m.amount_total, m.amount_residual,
                   m.amount_untaxed_signed, m.amount_tax_signed, m.amount_total_signed, m.amount_residual_signed,
                   m.payment_state, m.invoice_origin, creator.name AS created_by, m.create_date,
                   post.posted_by, post.posted_at, m.ispec_match_state
              FROM account_move m
              JOIN account_journal j ON j.id = m.journal_id
         LEFT JOIN res_partner p ON p.id = m.partner_id
         LEFT JOIN res_currency cur ON cur.id = m.currency_id
         LEFT JOIN res_users cu ON cu.id = m.create_uid
         LEFT JOIN res_partner creator ON creator.id = cu.partner_id
              %(posted)s
             WHERE m.company_id = %(company)s
               AND m.move_type IN %(types)s
               AND m.state IN ('posted', 'cancel')
               AND m.date BETWEEN %(date_from)s AND %(date_to)s
               %(journals)s
               %(keyset)s
          ORDER BY m.id
             LIMIT %(limit)s""",
            posted=self._posted_join(), company=export.company_id.id, types=INVOICE_TYPES,
            date_from=export.date_from, date_to=export.date_to, journals=self._journal_filter("m"),
            keyset=SQL("AND m.id > %s", last_id) if last_id else SQL(), limit=self.batch_size)

    def rows(self):
        types = self._selection_labels("account.move", "move_type")
        states = self._selection_labels("account.move", "state")
        payment_states = self._selection_labels("account.move", "payment_state")
        match_states = self._selection_labels("account.move", "ispec_match_state")
        moves = self.env["account.move"]
        for batch in self._pages(self._query, lambda row: row["id"]):
            disputed = moves.browse([row["id"] for row in batch])._ispec_open_dispute_amounts()
            for r in batch:
                yield (
                    r["name"], r["journal"], types.get(r["move_type"]), states.get(r["state"]),
                    r["invoice_date"], r["date"], r["invoice_date_due"], r["partner"], r["vat"], r["currency"],
                    self._amount(r["amount_untaxed"], r["currency"]), self._amount(r["amount_tax"], r["currency"]),
                    self._amount(r["amount_total"], r["currency"]), self._amount(r["amount_residual"], r["currency"]),
                    self._amount(abs(r["amount_untaxed_signed"] or 0.0)),
                    self._amount(abs(r["amount_tax_signed"] or 0.0)),
                    self._amount(abs(r["amount_total_signed"] or 0.0)),
                    self._amount(abs(r["amount_residual_signed"] or 0.0)),
                    payment_states.get(r["payment_state"]), r["invoice_origin"], r["created_by"], r["create_date"],
                    r["posted_by"], r["posted_at"], self._amount(disputed.get(r["id"], 0.0)),
                    match_states.get(r["ispec_match_state"]),
                )


@register
class CreditNoteRegister(AuditDataset):
    """Credit notes posted in the period, and those posted after it that reverse an invoice of the
    period (flagged: the cut-off test)."""

    key = "credit_note_register"
    columns = [
        Column("number", _lt("Number")),
        Column("journal", _lt("Journal")),
        Column("move_type", _lt("Type")),
        Column("accounting_date", _lt("Accounting Date"), DATE),
        Column("credit_note_date", _lt("Credit Note Date"), DATE),
        Column("partner", _lt("Partner")),
        Column("reversed_number", _lt("Reversed Invoice")),
        Column("reversed_date", _lt("Reversed Invoice Date"), DATE),
        Column("reason", _lt("Reason")),
        Column("currency", _lt("Currency")),
        Column("amount_total", _lt("Amount"), AMOUNT, currency="currency"),
        Column("amount_total_company", _lt("Amount (Company Currency)"), AMOUNT, True),
        Column("days_between", _lt("Days Between"), INTEGER),
        Column("dispute", _lt("Dispute")),
        Column("after_period_end", _lt("After Period End for an Invoice of the Period")),
    ]

    def _label(self):
        return self.env._("Credit Note Register")

    def _query(self, last_id):
        export = self.export
        return SQL("""
            SELECT m.id, m.name, j.code AS journal, m.move_type, m.date, m.invoice_date,
                   p.name AS partner, inv.name AS reversed_number,
                   COALESCE(inv.invoice_date, inv.date) AS reversed_date,
                   COALESCE(%(reason)s, m.ref) AS reason, cur.name AS currency,
                   m.amount_total, m.amount_total_signed, d.name AS dispute,
                   m.date > %(date_to)s AS after_period_end
              FROM account_move m
              JOIN account_journal j ON j.id = m.journal_id
         LEFT JOIN res_partner p ON p.id = m.partner_id
         LEFT JOIN res_currency cur ON cur.id = m.currency_id
         LEFT JOIN account_move inv ON inv.id = m.reversed_entry_id
         LEFT JOIN ispec_dispute d ON d.id = m.ispec_dispute_id
         LEFT JOIN ispec_dispute_reason r ON r.id = d.reason_id
             WHERE m.company_id = %(company)s
               AND m.move_type IN %(types)s
               AND m.state = 'posted'
               AND (m.date BETWEEN %(date_from)s AND %(date_to)s
                    OR (m.date > %(date_to)s
                        AND COALESCE(inv.invoice_date, inv.date) BETWEEN %(date_from)s AND %(date_to)s))
               %(journals)s
               %(keyset)s
          ORDER BY m.id
             LIMIT %(limit)s""",
            reason=self._jsonb_name("r"), company=export.company_id.id, types=REFUND_TYPES,
            date_from=export.date_from, date_to=export.date_to, journals=self._journal_filter("m"),
            keyset=SQL("AND m.id > %s", last_id) if last_id else SQL(), limit=self.batch_size)

    def rows(self):
        types = self._selection_labels("account.move", "move_type")
        yes, no = self.env._("Yes"), self.env._("No")
        for batch in self._pages(self._query, lambda row: row["id"]):
            for r in batch:
                own_date = r["invoice_date"] or r["date"]
                days = (own_date - r["reversed_date"]).days if r["reversed_date"] else None
                yield (
                    r["name"], r["journal"], types.get(r["move_type"]), r["date"], r["invoice_date"], r["partner"],
                    r["reversed_number"], r["reversed_date"], r["reason"], r["currency"],
                    self._amount(r["amount_total"], r["currency"]), self._amount(abs(r["amount_total_signed"] or 0.0)),
                    days,
                    r["dispute"], yes if r["after_period_end"] and r["reversed_number"] else no,
                )


@register
class SequenceCheck(AuditDataset):
    """Gaps and duplicates in the numbers of the entries posted in the period, per journal and prefix,
    and the gap between the last number before the period and the period's first.

    The number is read from the name as it is stored (prefix, last run of digits), not from Odoo's
    computed sequence columns, so a name changed behind the ORM's back is checked as it reads."""

    key = "sequence_check"
    # Each page sorts the period's numbers again (the order is on the name as stored, which no index
    # holds): 0.74 s a page at 300,000 posted entries here, whatever the page's size. Rows are small,
    # so pages are large: 15 pages at 300,000 entries, about 15 MB of rows held at a time.
    default_batch_size = 20000
    columns = [
        Column("journal", _lt("Journal")),
        Column("prefix", _lt("Sequence Prefix")),
        Column("kind", _lt("Finding")),
        Column("previous", _lt("Previous Number")),
        Column("next", _lt("Next Number")),
        Column("missing_from", _lt("Missing From"), INTEGER),
        Column("missing_to", _lt("Missing To"), INTEGER),
        Column("missing_count", _lt("Numbers Missing"), INTEGER, True),
        Column("duplicate_count", _lt("Times Used"), INTEGER),
    ]

    def _label(self):
        return self.env._("Sequence Check")

    def _numbered(self, period):
        """The posted entries of the company with a number, split into prefix and number as stored.
        ``period``: the condition on their accounting date."""
        return SQL("""
            SELECT m.id, m.journal_id, j.code AS journal, m.name,
                   regexp_replace(m.name, '\\d+\\D*$', '') AS prefix,
                   substring(m.name FROM '(\\d+)\\D*$')::numeric AS number
              FROM account_move m
              JOIN account_journal j ON j.id = m.journal_id
             WHERE m.company_id = %(company)s
               AND m.state = 'posted'
               AND m.name ~ '\\d'
               AND %(period)s
               %(journals)s""",
            company=self.export.company_id.id, period=period, journals=self._journal_filter("m"))

    def _in_period(self):
        return SQL("m.date BETWEEN %s AND %s", self.export.date_from, self.export.date_to)

    def _query(self, last):
        return SQL("""
            SELECT * FROM (%(numbered)s) s
             %(keyset)s
          ORDER BY journal_id, prefix, number, id
             LIMIT %(limit)s""",
            numbered=self._numbered(self._in_period()),
            keyset=SQL("WHERE (journal_id, prefix, number, id) > (%s, %s, %s, %s)", *last) if last else SQL(),
            limit=self.batch_size)

    def _anchors(self):
        """For each sequence of the period, the last number before it (posted earlier, below the period's
        first number): a hole between the two is a gap at the period's start, which the period's numbers
        alone would not show. One query."""
        self.env.cr.execute(SQL("""
            WITH period AS (
                SELECT journal_id, prefix, min(number) AS first FROM (%(in_period)s) s GROUP BY journal_id, prefix
            )
            SELECT s.journal_id, s.prefix, max(s.number) AS number,
                   (array_agg(s.name ORDER BY s.number DESC, s.id DESC))[1] AS name
              FROM (%(before)s) s
              JOIN period p ON p.journal_id = s.journal_id AND p.prefix = s.prefix AND s.number < p.first
          GROUP BY s.journal_id, s.prefix""",
            in_period=self._numbered(self._in_period()),
            before=self._numbered(SQL("m.date < %s", self.export.date_from))))
        return {(row[0], row[1]): (int(row[2]), row[3]) for row in self.env.cr.fetchall()}

    def _numbers(self):
        anchors = self._anchors()
        last_group = None
        for batch in self._pages(self._query, lambda r: (r["journal_id"], r["prefix"], r["number"], r["id"])):
            for r in batch:
                group = (r["journal_id"], r["journal"], r["prefix"])
                if group != last_group and (r["journal_id"], r["prefix"]) in anchors:
                    number, name = anchors[r["journal_id"], r["prefix"]]
                    yield group, number, name
                last_group = group
                yield group, int(r["number"]), r["name"]

    def rows(self):
        gap, duplicate = self.env._("Gap"), self.env._("Duplicate")
        for finding in kernel.sequence_anomalies(self._numbers()):
            _journal_id, journal, prefix = finding["group"]
            if finding["kind"] == kernel.GAP:
                yield (journal, prefix, gap, finding["previous"], finding["next"], finding["missing_from"],
                       finding["missing_to"], finding["missing_count"], None)
            else:
                yield (journal, prefix, duplicate, finding["previous"], finding["next"], finding["number"],
                       finding["number"], 0, finding["count"])

