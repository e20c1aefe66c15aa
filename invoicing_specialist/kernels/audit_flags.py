"""Journal-entry testing (ISA 240 / PCAOB AS 2401): the flags computed row by row, and the fiscal period.

Plain functions on plain values (dates, floats, sets); no Odoo import, so they are tested without a database.
The set-based parts (how often an account is used in the period, who posted an entry) are read in SQL by
the dataset (models/audit_ads.py) and handed in here as plain values.
"""

import datetime

YES, NO = "Y", "N"
DEBIT, CREDIT = "D", "C"
# datetime.date.weekday(): Monday is 0, Saturday 5, Sunday 6.
WEEKEND_DAYS = frozenset({5, 6})


def yes_no(flag):
    return YES if flag else NO


def debit_credit(debit, credit):
    """``(amount, indicator)`` of a journal line: the amount positive, its side D or C (ADS
    Amount / Amount_Credit_Debit_Indicator). A line of zero is a debit of zero."""
    debit, credit = debit or 0.0, credit or 0.0
    if credit > debit:
        return credit - debit, CREDIT
    return debit - credit, DEBIT


def fiscal_period(day, last_month=12, last_day=31):
    """``(fiscal_year, period)`` of ``day`` for a fiscal year ending on ``last_month``/``last_day``.

    The fiscal year is named by the calendar year it ends in (ADS Fiscal_Year, YYYY); the period is the
    month of the fiscal year, ``M01`` to ``M12`` (ADS Period), a month starting on the fiscal year's first
    day of month. A fiscal year ending on 31 March: 15 April 2025 is fiscal year 2026, period M01; 31 March
    2026 is fiscal year 2026, period M12."""
    end = _fiscal_year_end(day.year, last_month, last_day)
    if day > end:
        end = _fiscal_year_end(day.year + 1, last_month, last_day)
    start = _fiscal_year_end(end.year - 1, last_month, last_day) + datetime.timedelta(days=1)
    index = (day.year - start.year) * 12 + day.month - start.month + (0 if day.day >= start.day else -1) + 1
    return end.year, f"M{min(max(index, 1), 12):02d}"


def _fiscal_year_end(year, last_month, last_day):
    # As Odoo's date_utils.get_fiscal_year: a year ending on 28 February ends on the 29th in a leap year.
    month_end = _month_end(year, last_month)
    if last_month == 2 and last_day in (28, month_end):
        return datetime.date(year, 2, month_end)
    return datetime.date(year, last_month, min(last_day, month_end))


def _month_end(year, month):
    following = datetime.date(year + month // 12, month % 12 + 1, 1)
    return (following - datetime.timedelta(days=1)).day


def is_weekend_or_holiday(day, holidays=frozenset()):
    """Whether ``day`` (the local date an entry was posted on) is a Saturday, a Sunday or one of
    ``holidays`` (a set of dates)."""
    if day is None:
        return False
    return day.weekday() in WEEKEND_DAYS or day in holidays


def is_round_amount(amount, unit, decimals=2):
    """Whether ``amount`` is a non-zero multiple of ``unit`` (both in the same currency), compared at the
    currency's ``decimals``: 5,000.00 is round for a unit of 1,000, 5,000.01 is not; no unit, no flag."""
    if not unit or unit <= 0:
        return False
    scale = 10 ** decimals
    cents = round(abs(amount or 0.0) * scale)
    unit_cents = round(unit * scale)
    return cents != 0 and unit_cents != 0 and cents % unit_cents == 0


def is_late_posting(effective_date, posted_date, days):
    """Whether the entry was posted more than ``days`` days after its accounting date."""
    if effective_date is None or posted_date is None or days is None:
        return False
    return (posted_date - effective_date).days > days


def is_posted_after_lock_date(effective_date, posted_date, lock_date):
    """Whether an entry dated on or before ``lock_date`` was posted on a later day than the lock date:
    booked into a period after that period's end, a period that is now closed (cut-off testing)."""
    if effective_date is None or posted_date is None or lock_date is None:
        return False
    return effective_date <= lock_date < posted_date


def applicable_lock_date(locks, journal_type, has_tax):
    """The latest lock date that covers an entry: the global and hard lock dates for every entry, the
    sales or purchase lock date for a sales or purchase journal, the tax lock date for a line with tax.
    ``locks``: a dict with the keys fiscalyear, hard, sale, purchase, tax (dates or None)."""
    dates = [locks.get("fiscalyear"), locks.get("hard")]
    if journal_type in ("sale", "purchase"):
        dates.append(locks.get(journal_type))
    if has_tax:
        dates.append(locks.get("tax"))
    dates = [day for day in dates if day]
    return max(dates) if dates else None


def is_rare_account(uses, threshold):
    """Whether an account used on ``uses`` lines of the period is used fewer than ``threshold`` times."""
    return bool(threshold) and (uses or 0) < threshold


def split_name(name):
    """``(first, last)`` of a person's full name as one string: the last word is the family name.
    Odoo keeps one name per user; ADS User_Listing asks for the two apart."""
    name = (name or "").strip()
    first, _space, last = name.rpartition(" ")
    return first, last


def holidays_from_leaves(leaves):
    """The dates covered by global leaves: ``leaves`` is an iterable of ``(start, end)`` dates."""
    days = set()
    for start, end in leaves:
        span = (end - start).days
        if span < 0:
            continue
        days.update(start + datetime.timedelta(days=offset) for offset in range(span + 1))
    return frozenset(days)
