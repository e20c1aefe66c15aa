"""Journal-entry testing extract (AICPA ADS): the fiscal year and period of a day, the company's holidays, a
user's first and last names. The flags themselves are worked out in SQL, over the whole period at once
(models/audit_ads.py, AdsGlDetail.copy_query).

Plain functions on plain values; no Odoo import, so they are tested without a database.
"""

import datetime


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
