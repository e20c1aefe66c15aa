"""The journal-entry testing extract in the AICPA Audit Data Standard layout, with the fraud-risk test flags.

Layout: AICPA Audit Data Standards, General Ledger Standard, as of July 2015 (AuditDataStandards.GL.July2015,
AICPA Assurance Services Executive Committee): its section 2 lists the files GL_Detail, Trial_Balance,
Chart_Of_Accounts, User_Listing and Source_Listing (Business_Unit_Listing is not produced: one company is one
business unit here) as pipe-delimited UTF-8 text. The field names below are the standard's. Where the
standard was read: the 2015 GL_Detail field list as AICPA's own sample extract (AICPA-AuditDataAnalytics2018
"ADS Python Example", GL_Detail_YYYYMMDD_YYYYMMDD) and the 31-field GL_Detail of ADS teaching sets spell it
(Journal_ID_Line_Number, Amount_Credit_Debit_Indicator, Entered_Date, Entered_Time: not JE_Line_Number,
Amount_Debit_Credit_Indicator, Entry_Date, Entry_Time); AICPA's Audit Data API (AICPA-ADS/AuditData-API,
shared/schemas/fields.yml, x-AICPA-Audit-Data-Std) maps each of its fields to those same ADS elements; the
Trial_Balance, Chart_Of_Accounts and User_Listing fields follow XBRL US's rendering of the ADS tables
(xbrlsite.com/2020/prototypes/cdm: trialBalance, chartOfAccounts, userListing). Fields the standard leaves to
the entity (Segment01-05, Local_Amount, Reporting_Amount) are kept, empty, so the columns sit where an
auditor's import expects them; fields that are not the standard's come after its fields (the document
currency amount, debit and credit apart for the control totals, the test flags).

GL_Detail is one statement (odoo.tools.SQL), flags included: COPY writes it as the text file and a server-side
cursor reads it for the sheet. The other files are read with one query per page (keyset); their small lookups
(accounts, journals, users) are read once, before the pages.
"""

import datetime
import math
import zoneinfo

from odoo.tools import SQL, LazyTranslate

from ..kernels import audit_flags as flags
from .audit_columns import AMOUNT, DATE, INTEGER, Column
from .audit_dataset import AuditDataset, register

_lt = LazyTranslate(__name__)

# Section and note lines carry no amount and no account: not journal lines for the auditor.
NON_ACCOUNTING_LINES = ("line_section", "line_subsection", "line_note")
# Fields of account.move (in modules that may be installed) that mark an entry made by a process, not by hand.
AUTOMATIC_ORIGIN_FIELDS = ("origin_payment_id", "statement_line_id", "tax_cash_basis_rec_id",
                           "tax_cash_basis_origin_move_id", "tax_closing_report_id", "asset_id", "stock_move_id")
ACCOUNT_TYPE_GROUPS = {"asset": "Assets", "liability": "Liabilities", "equity": "Equity", "income": "Revenue",
                       "expense": "Expenses", "off": "Off-Balance"}
ADS_DELIMITER = "|"


class AdsDataset(AuditDataset):
    """What the five ADS files share: pipe-delimited UTF-8, the company as business unit, lookups."""

    delimiter = ADS_DELIMITER
    ads_name = None

    @property
    def file_name(self):
        return f"{self.ads_name}_{self.export.date_from:%Y%m%d}_{self.export.date_to:%Y%m%d}.txt"

    def _label(self):
        return self.ads_name

    @property
    def business_unit(self):
        return (self.company.name or "")[:25]

    def _period_filter(self, alias, state="parent_state"):
        """The export's lines: company, period, journals, posted. With ``state="state"``, the same filter on
        their entries (account_move), whose company, date, journal and state the lines have."""
        export = self.export
        return SQL("%s = %s AND %s = 'posted' AND %s BETWEEN %s AND %s %s",
                   SQL.identifier(alias, "company_id"), export.company_id.id,
                   SQL.identifier(alias, state), SQL.identifier(alias, "date"),
                   export.date_from, export.date_to, self._journal_filter(alias))

    def _accounting_lines(self, alias):
        return SQL("COALESCE(%s, 'product') NOT IN %s", SQL.identifier(alias, "display_type"), NON_ACCOUNTING_LINES)

    def _accounts(self):
        """Every account of the company by id: number, name, whether its balance is carried forward."""
        accounts = self.env["account.account"].with_company(self.company).with_context(
            active_test=False, lang=self.lang).search([("company_ids", "parent_of", self.company.ids)])
        return {account.id: account for account in accounts}

    def _local_tz(self):
        name = self.company.partner_id.tz or self.env.user.tz or "UTC"
        try:
            return zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return zoneinfo.ZoneInfo("UTC")


@register
class AdsGlDetail(AdsDataset):
    """GL_Detail: one row per journal line of the entries posted with an accounting date in the period."""

    key = "ads_gl_detail"
    ads_name = "GL_Detail"
    csv_by_copy = True
    _figures = None  # _account_figures(), once read
    columns = [
        Column("Journal_ID", _lt("Journal Entry")),
        Column("Journal_ID_Line_Number", _lt("Line Number"), INTEGER),
        Column("JE_Header_Description", _lt("Entry Description")),
        Column("JE_Line_Description", _lt("Line Description")),
        Column("Source", _lt("Source (Journal)")),
        Column("Business_Unit_Code", _lt("Business Unit")),
        Column("Fiscal_Year", _lt("Fiscal Year")),
        Column("Period", _lt("Period")),
        Column("Effective_Date", _lt("Accounting Date"), DATE),
        Column("Entered_By", _lt("Entered By")),
        Column("Entered_Date", _lt("Entered On (UTC)"), DATE),
        Column("Entered_Time", _lt("Entered At (UTC)")),
        Column("Approved_By", _lt("Posted By")),
        Column("Approved_Date", _lt("Posted On (UTC)"), DATE),
        Column("Last_Modified_By", _lt("Last Modified By")),
        Column("Last_Modified_Date", _lt("Last Modified On (UTC)"), DATE),
        Column("GL_Account_Number", _lt("Account")),
        Column("Amount", _lt("Amount"), AMOUNT),
        Column("Amount_Credit_Debit_Indicator", _lt("Debit or Credit")),
        Column("Amount_Currency", _lt("Currency")),
        Column("Reporting_Amount", _lt("Reporting Amount"), AMOUNT),
        Column("Reporting_Amount_Currency", _lt("Reporting Currency")),
        Column("Local_Amount", _lt("Local Amount"), AMOUNT),
        Column("Local_Amount_Currency", _lt("Local Currency")),
        Column("Reversal_Indicator", _lt("Reversal (1 Is a Reversal, 2 Is Reversed)")),
        Column("Reversal_Journal_ID", _lt("Reversal Journal Entry")),
        Column("Segment01", _lt("Segment 1")),
        Column("Segment02", _lt("Segment 2")),
        Column("Segment03", _lt("Segment 3")),
        Column("Segment04", _lt("Segment 4")),
        Column("Segment05", _lt("Segment 5")),
        # Not the standard's: the document currency, debit and credit apart (their totals must be equal).
        Column("Transaction_Amount", _lt("Amount in Document Currency"), AMOUNT,
               currency="Transaction_Amount_Currency"),
        Column("Transaction_Amount_Currency", _lt("Document Currency")),
        Column("Debit_Amount", _lt("Debit"), AMOUNT, True),
        Column("Credit_Amount", _lt("Credit"), AMOUNT, True),
        # The journal-entry tests (ISA 240, PCAOB AS 2401), Y or N.
        Column("Flag_Manual_Entry", _lt("Manual Entry")),
        Column("Flag_Reversal", _lt("Reversal or Reversed")),
        Column("Flag_Weekend_Or_Holiday", _lt("Posted on a Weekend or Holiday")),
        Column("Flag_Round_Amount", _lt("Round Amount")),
        Column("Flag_Posted_After_Lock_Date", _lt("Posted After the Lock Date")),
        Column("Flag_Late_Posting", _lt("Posted Late")),
        Column("Flag_Rare_Account", _lt("Rarely Used Account")),
        Column("Flag_Same_User_Entered_Posted", _lt("Entered and Posted by the Same User")),
    ]

    # -- set-based inputs, read once ---------------------------------------------------------------
    def _holidays(self, tz):
        """The company's public holidays: the global leaves (no resource) of its working-time calendar
        (module resource, installed with account through digest), as local dates."""
        calendar = self.company.resource_calendar_id
        leaves = self.env["resource.calendar.leaves"].search([
            ("resource_id", "=", False), ("company_id", "in", (self.company.id, False)),
            ("calendar_id", "in", (calendar.id, False)), ("date_to", ">=", self.export.date_from)])
        return flags.holidays_from_leaves(
            (self._local_date(leave.date_from, tz), self._local_date(leave.date_to, tz)) for leave in leaves)

    @staticmethod
    def _local_date(moment, tz):
        if moment is None:
            return None
        return moment.replace(tzinfo=datetime.timezone.utc).astimezone(tz).date()

    def _locks(self):
        company = self.company
        return {"fiscalyear": company.fiscalyear_lock_date, "hard": company.hard_lock_date,
                "sale": company.sale_lock_date, "purchase": company.purchase_lock_date, "tax": company.tax_lock_date}

    def _manual_condition(self):
        """SQL: the entry ``m`` was made by hand.

        "Manual" here: a miscellaneous entry (move_type 'entry') that no process made: not the entry of a
        payment, of a bank statement line, of cash-basis taxes, of an exchange difference, nor (with the
        modules that add them) of a tax closing, an asset or a stock move; and not the reversal of such an
        entry (a reversal of a manual entry is manual). Invoices, bills, credit notes and receipts are
        documents of their own flow, not manual journal entries."""
        Move = self.env["account.move"]
        present = [name for name in AUTOMATIC_ORIGIN_FIELDS
                   if name in Move._fields and Move._fields[name].store and Move._fields[name].column_type]

        def made_by_hand(alias):
            conditions = [SQL("%s = 'entry'", SQL.identifier(alias, "move_type"))]
            conditions += [SQL("%s IS NULL", SQL.identifier(alias, name)) for name in present]
            conditions.append(SQL("NOT EXISTS (SELECT 1 FROM account_partial_reconcile p "
                                  "WHERE p.exchange_move_id = %s)", SQL.identifier(alias, "id")))
            return SQL(" AND ").join(conditions)

        return SQL("(%s AND (m.reversed_entry_id IS NULL OR %s))", made_by_hand("m"), made_by_hand("orig"))

    # -- the rows, flags included, in one statement: COPY writes it as the CSV file, rows() reads it back ----
    def _fiscal_periods(self):
        """``(days, fiscal years, periods)``: each day of the export's period with its ADS Fiscal_Year and
        Period, as arrays for the query (a few hundred days: cheaper than the rule in SQL)."""
        company, day = self.company, self.export.date_from
        last_month, last_day = int(company.fiscalyear_last_month), company.fiscalyear_last_day
        days, years, periods = [], [], []
        while day <= self.export.date_to:
            fiscal_year, period = flags.fiscal_period(day, last_month, last_day)
            days.append(day)
            years.append(str(fiscal_year))
            periods.append(period)
            day += datetime.timedelta(days=1)
        return days, years, periods

    def copy_query(self):
        """GL_Detail's rows in the order of the entries and of their lines: amounts at the currency's decimals,
        flags Y or N, empty fields NULL. As COPY writes it, it is the text the csv module writes from rows()
        (tests compare the two files byte for byte). The flags over the whole period in one statement: what
        belongs to an entry (its users, dates, reversal and most flags) is worked out once per entry, then
        joined to its lines.

        The flags (ISA 240 / PCAOB AS 2401), per line: Manual (a miscellaneous entry no process made, see
        _manual_condition); Reversal (the entry reverses another or is reversed); Weekend or holiday (posted, in
        the company's time zone, on a Saturday, a Sunday or a public holiday of its working-time calendar);
        Round amount (a non-zero multiple of the export's unit, compared in cents); Posted after the lock date
        (posted on a later day than the lock date covering the line, when its effective date is on or before
        it: the fiscal-year and hard lock dates, the sales or purchase lock date for those journals, the tax lock
        date for lines with tax); Late posting (posted more than N days after its effective date); Rare account
        (an account with fewer than N lines in the period); Same user (entered and posted by the same user)."""
        export, company = self.export, self.company
        accounts = self._accounts()
        uses = {account_id: lines for account_id, (lines, _debit, _credit) in self._account_figures().items()}
        tz = self._local_tz()
        locks = {name: day or None for name, day in self._locks().items()}  # an empty date field reads False
        days, years, periods = self._fiscal_periods()
        unit = export.round_amount_unit
        scale = 10 ** self.decimals
        unit_cents = round(unit * scale) if unit and unit > 0 else 0

        def yes_no(condition):
            return SQL("CASE WHEN %s THEN 'Y' ELSE 'N' END", condition)

        return SQL("""
            WITH acc(id, code) AS (SELECT * FROM unnest(%(account_ids)s::int[], %(account_codes)s::varchar[])),
            fp(day, fiscal_year, period) AS (
                SELECT * FROM unnest(%(days)s::date[], %(years)s::varchar[], %(periods)s::varchar[])),
            lines AS MATERIALIZED (
                SELECT l.id, l.move_id, l.account_id, l.name, l.currency_id,
                       ROW_NUMBER() OVER (PARTITION BY l.move_id ORDER BY l.id) AS line_number,
                       ROUND(ABS(l.debit - l.credit), %(decimals)s) AS amount, l.credit > l.debit AS is_credit,
                       ABS(COALESCE(l.amount_currency, 0)) AS amount_currency, %(has_tax)s AS has_tax
                  FROM account_move_line l
                 WHERE %(period)s AND %(accounting)s),
            uses(account_id, n) AS (SELECT * FROM unnest(%(use_accounts)s::int[], %(use_counts)s::int[])),
            posts AS (%(posts)s),
            moves AS (
                SELECT m.id, m.name, m.ref, m.date, m.create_uid, m.create_date, m.write_uid, m.write_date,
                       COALESCE(post.posted_at, m.create_date) AS posted_at,
                       COALESCE(post.posted_uid, m.create_uid) AS posted_uid,
                       NULLIF(orig.name, '') AS reversed_name,
                       NULLIF((SELECT r.name FROM account_move r WHERE r.reversed_entry_id = m.id
                                  AND r.state = 'posted' ORDER BY r.id LIMIT 1), '') AS reversing_name,
                       %(manual)s AS manual, j.code AS journal_code, j.type AS journal_type
                  FROM account_move m
                  JOIN account_journal j ON j.id = m.journal_id
             LEFT JOIN account_move orig ON orig.id = m.reversed_entry_id
             LEFT JOIN posts post ON post.res_id = m.id
                 WHERE %(period_moves)s),
            entries AS MATERIALIZED (
                SELECT mv.*, ((mv.posted_at AT TIME ZONE 'UTC') AT TIME ZONE %(tz)s)::date AS posted_day,
                       -- the lock dates covering every line of the entry (the tax lock date is per line)
                       GREATEST(%(lock_fiscalyear)s::date, %(lock_hard)s::date,
                                CASE mv.journal_type WHEN 'sale' THEN %(lock_sale)s::date
                                                     WHEN 'purchase' THEN %(lock_purchase)s::date END) AS lock_date,
                       created_by.login AS created_by, posted_by.login AS posted_by, written_by.login AS written_by
                  FROM moves mv
             LEFT JOIN res_users created_by ON created_by.id = mv.create_uid
             LEFT JOIN res_users posted_by ON posted_by.id = mv.posted_uid
             LEFT JOIN res_users written_by ON written_by.id = mv.write_uid),
            entry_text AS MATERIALIZED (
                SELECT e.id, e.date, e.posted_day, e.lock_date, NULLIF(e.name, '') AS name, NULLIF(e.ref, '') AS ref,
                       NULLIF(e.journal_code, '') AS journal_code, fp.fiscal_year, fp.period,
                       NULLIF(e.created_by, '') AS created_by, e.create_date::date AS create_day,
                       date_trunc('second', e.create_date)::time AS create_time,
                       NULLIF(e.posted_by, '') AS posted_by, e.posted_at::date AS posted_date,
                       NULLIF(e.written_by, '') AS written_by, e.write_date::date AS write_day,
                       CASE WHEN e.reversed_name IS NOT NULL THEN '1'
                            WHEN e.reversing_name IS NOT NULL THEN '2' END AS reversal,
                       COALESCE(e.reversed_name, e.reversing_name) AS reversal_of,
                       %(manual_flag)s AS manual_flag, %(reversal_flag)s AS reversal_flag,
                       %(weekend_flag)s AS weekend_flag, %(late_flag)s AS late_flag,
                       %(same_user_flag)s AS same_user_flag
                  FROM entries e
                  JOIN fp ON fp.day = e.date)
            SELECT e.name, l.line_number, e.ref, NULLIF(l.name, ''), e.journal_code, NULLIF(%(business_unit)s, ''),
                   e.fiscal_year, e.period, e.date, e.created_by, e.create_day, e.create_time,
                   e.posted_by, e.posted_date, e.written_by, e.write_day,
                   NULLIF(acc.code, ''), l.amount, CASE WHEN l.is_credit THEN 'C' ELSE 'D' END, %(currency)s,
                   NULL, NULL, NULL, NULL, e.reversal, e.reversal_of, NULL, NULL, NULL, NULL, NULL,
                   ROUND(l.amount_currency, COALESCE(cur.decimal_places, %(decimals)s)), NULLIF(cur.name, ''),
                   CASE WHEN l.is_credit THEN ROUND(0, %(decimals)s) ELSE l.amount END,
                   CASE WHEN l.is_credit THEN l.amount ELSE ROUND(0, %(decimals)s) END,
                   e.manual_flag, e.reversal_flag, e.weekend_flag, %(round_flag)s, %(lock_flag)s,
                   e.late_flag, %(rare_flag)s, e.same_user_flag
              FROM lines l
              JOIN entry_text e ON e.id = l.move_id
         LEFT JOIN acc ON acc.id = l.account_id
         LEFT JOIN uses ON uses.account_id = l.account_id
         LEFT JOIN res_currency cur ON cur.id = l.currency_id
          ORDER BY l.move_id, l.id""",
            account_ids=list(accounts), account_codes=[account.code or "" for account in accounts.values()],
            use_accounts=list(uses), use_counts=list(uses.values()),
            days=days, years=years, periods=periods,
            period=self._period_filter("l"), accounting=self._accounting_lines("l"), decimals=self.decimals,
            # whether a line has tax only matters under a tax lock date: without one, it is not worked out
            has_tax=SQL("""(l.tax_line_id IS NOT NULL OR EXISTS (
                SELECT 1 FROM account_move_line_account_tax_rel r WHERE r.account_move_line_id = l.id))"""
                        ) if locks["tax"] else SQL("FALSE"),
            manual=self._manual_condition(), period_moves=self._period_filter("m", state="state"),
            posts=self._posted_of(SQL("SELECT pm.id FROM account_move pm WHERE %s",
                                      self._period_filter("pm", state="state"))),
            tz=tz.key,
            lock_fiscalyear=locks["fiscalyear"], lock_hard=locks["hard"], lock_sale=locks["sale"],
            lock_purchase=locks["purchase"],
            business_unit=self.business_unit, currency=company.currency_id.name,
            manual_flag=yes_no(SQL("e.manual")),
            reversal_flag=yes_no(SQL("e.reversed_name IS NOT NULL OR e.reversing_name IS NOT NULL")),
            weekend_flag=yes_no(SQL("EXTRACT(ISODOW FROM e.posted_day) IN (6, 7) OR e.posted_day = ANY(%s::date[])",
                                    sorted(self._holidays(tz)))),
            late_flag=yes_no(SQL("(e.posted_day - e.date) > %s", export.late_posting_days)),
            same_user_flag=yes_no(SQL("e.posted_uid IS NOT DISTINCT FROM e.create_uid")),
            round_flag=yes_no(SQL("%(unit)s > 0 AND ROUND(l.amount * %(scale)s) <> 0 "
                                  "AND MOD(ROUND(l.amount * %(scale)s), %(unit)s) = 0", unit=unit_cents, scale=scale)),
            # a line with tax is also under the tax lock date
            lock_flag=yes_no(SQL("""COALESCE(GREATEST(e.lock_date, CASE WHEN l.has_tax THEN %s::date END)
                                             BETWEEN e.date AND e.posted_day - 1, FALSE)""", locks["tax"])),
            rare_flag=yes_no(SQL("%(threshold)s > 0 AND COALESCE(uses.n, 0) < %(threshold)s",
                                 threshold=export.rare_account_uses or 0)))

    def _account_figures(self):
        """``{account id: (lines, debit, credit)}`` of the period's lines (same filters as the rows; amounts as
        the rows have them, line by line at the currency's decimals), read once: the rarely-used-account flag
        and the control totals of a CSV-only export from one pass over the lines."""
        if self._figures is None:
            self.env.cr.execute(SQL("""
                SELECT l.account_id, COUNT(*),
                       COALESCE(SUM(ROUND(l.debit - l.credit, %(decimals)s)) FILTER (WHERE l.debit >= l.credit), 0),
                       COALESCE(SUM(ROUND(l.credit - l.debit, %(decimals)s)) FILTER (WHERE l.credit > l.debit), 0)
                  FROM account_move_line l
                 WHERE %(period)s AND %(accounting)s
              GROUP BY l.account_id""",
                decimals=self.decimals, period=self._period_filter("l"), accounting=self._accounting_lines("l")))
            self._figures = {account_id: figures for account_id, *figures in self.env.cr.fetchall()}
        return self._figures

    def copy_totals(self):
        figures = self._account_figures().values()
        return {"Debit_Amount": round(math.fsum(debit for _lines, debit, _credit in figures), self.decimals),
                "Credit_Amount": round(math.fsum(credit for _lines, _debit, credit in figures), self.decimals)}

    def rows(self):
        """The rows of copy_query() as values (dates, numbers), for the workbook: the flags are worked out once,
        by PostgreSQL, for the text file (COPY) and the sheet alike."""
        yield from self._cursor_rows(self.copy_query())


@register
class AdsTrialBalance(AdsDataset):
    """Trial_Balance: per account, the balance at the start of the period, the period's debits and
    credits, and the balance at its end (debit positive, credit negative; company currency).

    As Odoo's own trial balance: an income or expense account (and current year earnings) starts each fiscal
    year at zero, its beginning balance counts only the fiscal year's lines before the period. Same
    company, state and journal filters as GL_Detail, so beginning + debit - credit = ending for each row."""

    key = "ads_trial_balance"
    ads_name = "Trial_Balance"
    columns = [
        Column("GL_Account_Number", _lt("Account")),
        Column("Business_Unit_Code", _lt("Business Unit")),
        Column("Fiscal_Year", _lt("Fiscal Year")),
        Column("Period", _lt("Period")),
        Column("Balance_As_Of_Date", _lt("Balance as of"), DATE),
        Column("Amount_Beginning", _lt("Beginning Balance"), AMOUNT, True),
        Column("Amount_Ending", _lt("Ending Balance"), AMOUNT, True),
        Column("Amount_Currency", _lt("Currency")),
        # Not the standard's: the period's activity, debit and credit apart.
        Column("Period_Activity_Debit", _lt("Period Debit"), AMOUNT, True),
        Column("Period_Activity_Credit", _lt("Period Credit"), AMOUNT, True),
    ]

    def _query(self, fiscal_year_start):
        export = self.export
        # One row per account: the lines up to the period's end, summed in three windows.
        return SQL("""
            SELECT l.account_id,
                   COALESCE(SUM(l.balance) FILTER (WHERE l.date < %(start)s), 0) AS before_period,
                   COALESCE(SUM(l.balance) FILTER (WHERE l.date >= %(fy_start)s AND l.date < %(start)s), 0)
                       AS before_period_this_year,
                   COALESCE(SUM(l.debit) FILTER (WHERE l.date >= %(start)s), 0) AS debit,
                   COALESCE(SUM(l.credit) FILTER (WHERE l.date >= %(start)s), 0) AS credit
              FROM account_move_line l
             WHERE l.company_id = %(company)s AND l.parent_state = 'posted' AND l.date <= %(end)s
               AND %(accounting)s %(journals)s
          GROUP BY l.account_id""",
            start=export.date_from, end=export.date_to, fy_start=fiscal_year_start, company=self.company.id,
            accounting=self._accounting_lines("l"), journals=self._journal_filter("l"))

    def rows(self):
        export, company = self.export, self.company
        fiscal_year_start = company.compute_fiscalyear_dates(export.date_from)["date_from"]
        fiscal_year, period = flags.fiscal_period(export.date_to, int(company.fiscalyear_last_month),
                                                  company.fiscalyear_last_day)
        accounts = self._accounts()
        self.env.cr.execute(self._query(fiscal_year_start))
        balances = []
        for account_id, before, before_this_year, debit, credit in self.env.cr.fetchall():
            account = accounts.get(account_id)
            carried = account.include_initial_balance if account else True
            # ``or 0.0``: a balance rounded to -0.0 is written 0.00, not -0.00.
            beginning = self._amount(before if carried else before_this_year) or 0.0
            debit, credit = self._amount(debit), self._amount(credit)
            if not (beginning or debit or credit):
                continue
            balances.append((account.code if account else "", beginning, debit, credit))
        for code, beginning, debit, credit in sorted(balances):
            yield (code, self.business_unit, str(fiscal_year), period, export.date_to, beginning,
                   self._amount(beginning + debit - credit) or 0.0, company.currency_id.name, debit, credit)


@register
class AdsChartOfAccounts(AdsDataset):
    """Chart_Of_Accounts: every account of the company, active or archived."""

    key = "ads_chart_of_accounts"
    ads_name = "Chart_Of_Accounts"
    columns = [
        Column("GL_Account_Number", _lt("Account")),
        Column("GL_Account_Name", _lt("Account Name")),
        Column("GL_Account_Description", _lt("Account Description")),
        Column("Account_Type", _lt("Account Type")),
        Column("Account_Subtype", _lt("Account Subtype")),
        Column("FS_Caption", _lt("Financial Statement Caption")),
        Column("Business_Unit_Code", _lt("Business Unit")),
    ]

    def rows(self):
        types = self._selection_labels("account.account", "account_type")
        for account in sorted(self._accounts().values(), key=lambda acc: acc.code or ""):
            group = ACCOUNT_TYPE_GROUPS.get(account.internal_group, account.internal_group or "")
            yield (account.code or "", account.name or "", account.description or "", group,
                   types.get(account.account_type, ""), account.group_id.name or types.get(account.account_type, ""),
                   self.business_unit)


@register
class AdsUserListing(AdsDataset):
    """User_Listing: every user who entered, posted or last changed an entry of the period."""

    key = "ads_user_listing"
    ads_name = "User_Listing"
    columns = [
        Column("User_ID", _lt("User ID (Login)")),
        Column("First_Name", _lt("First Name")),
        Column("Last_Name", _lt("Last Name")),
        Column("Department", _lt("Department")),
        Column("Title", _lt("Title")),
        Column("Role_Responsibility", _lt("Accounting Role")),
        Column("User_Active_Status", _lt("Status")),
        Column("User_Active_Modified_Date", _lt("Status Since (UTC)"), DATE),
    ]

    def _user_ids(self):
        export = self.export
        self.env.cr.execute(SQL("""
            WITH mv AS (
                SELECT m.id, m.create_uid, m.write_uid FROM account_move m
                 WHERE m.company_id = %(company)s AND m.state = 'posted'
                   AND m.date BETWEEN %(start)s AND %(end)s %(journals)s
            )
            SELECT create_uid FROM mv
             UNION SELECT write_uid FROM mv
             UNION SELECT msg.create_uid
                     FROM mail_message msg
                     JOIN mail_tracking_value tv ON tv.mail_message_id = msg.id
                    WHERE msg.res_id IN (SELECT id FROM mv) AND %(posted)s""",
            company=self.company.id, start=export.date_from, end=export.date_to,
            journals=self._journal_filter("m"), posted=self._posted_messages()))
        return [uid for (uid,) in self.env.cr.fetchall() if uid]

    def rows(self):
        users = self.env["res.users"].with_context(active_test=False).browse(self._user_ids())
        roles = [("account.group_account_manager", self.env._("Accounting Administrator")),
                 ("account.group_account_user", self.env._("Accountant")),
                 ("account.group_account_invoice", self.env._("Invoicing"))]
        active, inactive = self.env._("Active"), self.env._("Inactive")
        for user in users.sorted("login"):
            first, last = flags.split_name(user.name)
            role = next((label for xmlid, label in roles if user.has_group(xmlid)), "")
            # Since when active: its creation; since when inactive: its last change (the archiving).
            since = (user.create_date if user.active else user.write_date).date()
            yield (user.login, first, last, "", user.partner_id.function or "", role,
                   active if user.active else inactive, since)


@register
class AdsSourceListing(AdsDataset):
    """Source_Listing: the journals of the company, each a Source of GL_Detail."""

    key = "ads_source_listing"
    ads_name = "Source_Listing"
    columns = [
        Column("Source", _lt("Source (Journal Code)")),
        Column("Source_Description", _lt("Source Description")),
    ]

    def rows(self):
        types = self._selection_labels("account.journal", "type")
        domain = [("company_id", "=", self.company.id)]
        if self.export.journal_ids:
            domain.append(("id", "in", self.export.journal_ids.ids))
        journals = self.env["account.journal"].with_context(active_test=False, lang=self.lang).search(domain)
        for journal in journals.sorted("code"):
            yield journal.code, f"{journal.name} ({types.get(journal.type, journal.type)})"
