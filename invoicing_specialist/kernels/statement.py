"""Customer statement arithmetic: aging buckets and running balances.

Plain functions on plain values (dates, floats); no Odoo import, so they are tested
exhaustively without a database and reused by the data phase, the PDF and the XLSX.
"""

from datetime import date

# Bucket keys, in display order. "Current" holds what is not yet overdue at the statement date.
BUCKET_KEYS = ("current", "b1", "b2", "b3", "b4", "older")
DAY_BUCKET_LABELS = ("Current", "1-30", "31-60", "61-90", "91-120", "Over 120")
AGING_DAYS = "days"
AGING_MONTHS = "months"


def days_overdue(due_date, as_of):
    """Days the item is overdue at ``as_of`` (0 or negative when not overdue)."""
    return (as_of - due_date).days


def months_overdue(due_date, as_of):
    """Whole calendar months between the due date's month and the statement date's month."""
    return (as_of.year - due_date.year) * 12 + as_of.month - due_date.month


def bucket_index(due_date, as_of, mode=AGING_DAYS):
    """Index in BUCKET_KEYS of an item due on ``due_date``, seen at ``as_of``.

    Days: Current (due on or after the statement date), 1-30, 31-60, 61-90, 91-120, over 120
    days overdue. Months: Current, then overdue items by the calendar month they fell due in:
    the statement's month, the month before, two and three months before, and older.
    """
    if due_date >= as_of:
        return 0
    if mode == AGING_MONTHS:
        return min(months_overdue(due_date, as_of), 4) + 1
    if mode != AGING_DAYS:
        raise ValueError(f"Unknown aging mode {mode!r}")
    overdue = days_overdue(due_date, as_of)
    return min((overdue - 1) // 30, 4) + 1


def month_bucket_starts(as_of):
    """First day of the month of each overdue monthly bucket (statement month first), for labels;
    the last bucket holds that month and everything older."""
    starts = []
    year, month = as_of.year, as_of.month
    for _i in range(5):
        starts.append(date(year, month, 1))
        month -= 1
        if month == 0:
            year, month = year - 1, 12
    return starts


def age(items, as_of, mode=AGING_DAYS, rounding=None):
    """Sum the open amounts of ``items`` (iterable of (due_date, open_amount)) per bucket.

    Returns a list of six totals in BUCKET_KEYS order. Credits (negative open amounts: unapplied
    payments, credit notes) age by their own date like any item, as a partner ledger does.
    """
    totals = [0.0] * len(BUCKET_KEYS)
    for due_date, amount in items:
        totals[bucket_index(due_date, as_of, mode)] += amount
    if rounding is not None:
        totals = [rounding(total) for total in totals]
    return totals


def running_balance(opening, amounts, rounding=None):
    """Balances after each amount, starting from ``opening`` (balance brought forward).

    ``rounding`` (e.g. a currency's round) is applied at each step, so the last balance equals
    the rounded closing balance a person would add up by hand.
    """
    balances = []
    balance = rounding(opening) if rounding else opening
    for amount in amounts:
        balance += amount
        if rounding:
            balance = rounding(balance)
        balances.append(balance)
    return balances


def amount_due(open_total, disputed):
    """What the customer is asked to pay: the open total less what is under dispute.

    A disputed amount never makes a credit balance more negative: it is capped to the open
    total when that is positive, and ignored on a credit balance.
    """
    if open_total <= 0:
        return open_total
    return open_total - min(max(disputed, 0.0), open_total)


def allocate_disputed(disputed, open_amounts):
    """Spread a move's disputed amount over its open items (in order), never above what is open.

    Returns a list of disputed amounts, one per open amount; credits get nothing.
    """
    remaining = max(disputed, 0.0)
    result = []
    for open_amount in open_amounts:
        part = min(remaining, max(open_amount, 0.0))
        result.append(part)
        remaining -= part
    return result


# Excel's rules for worksheet names: at most 31 characters (UTF-16 code units), none of []:*?/\,
# no apostrophe at either end, unique in the workbook ignoring case, and not "History" (reserved).
SHEET_NAME_MAX = 31
SHEET_NAME_INVALID = frozenset("[]:*?/\\")
SHEET_NAME_RESERVED = ("history",)


def _utf16_len(text):
    return len(text.encode("utf-16-le")) // 2


def _fit_sheet_name(name, limit):
    """``name`` cut to ``limit`` UTF-16 code units, without apostrophes or spaces at either end."""
    while _utf16_len(name) > limit:
        name = name[:-1]
    return name.strip(" '")


def clean_sheet_name(name):
    """A name Excel accepts for one sheet (uniqueness aside), as close to ``name`` as possible:
    invalid characters and control characters become spaces, runs of spaces one space, no
    apostrophe at either end, cut to 31. May be empty."""
    chars = [" " if char in SHEET_NAME_INVALID or not char.isprintable() else char for char in name or ""]
    return _fit_sheet_name(" ".join("".join(chars).split()), SHEET_NAME_MAX)


def sheet_names(names, fallback="Sheet"):
    """Excel sheet names for ``names``, in order: each cleaned (``clean_sheet_name``), ``fallback``
    when nothing is left, and made unique ignoring case (as Excel compares them) with a counter:
    "Acme", "ACME (2)", "acme (3)". The same names in the same order give the same result."""
    used = set(SHEET_NAME_RESERVED)
    counters = {}
    result = []
    for name in names:
        base = clean_sheet_name(name) or clean_sheet_name(fallback) or "Sheet"
        candidate = base
        key = base.casefold()
        while candidate.casefold() in used:
            counters[key] = counters.get(key, 1) + 1
            suffix = " (%d)" % counters[key]
            candidate = _fit_sheet_name(base, SHEET_NAME_MAX - len(suffix)) + suffix
        used.add(candidate.casefold())
        result.append(candidate)
    return result


def statement_number(customer_id, date_end):
    """The number of a customer's statement as of ``date_end``: the same whenever it is printed, the
    type of statement aside (both show the same account on that date), e.g. ST-20250331-00046.
    Customers without a reference of their own quote it with their payment."""
    return "ST-%s-%05d" % (date_end.strftime("%Y%m%d"), customer_id)
