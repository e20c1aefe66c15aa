"""Periods of the activity reports and the figures derived from other figures: plain values in, plain values out."""

from datetime import date, timedelta

PERIOD_MONTHS = {"month": 1, "quarter": 3, "year": 12}


def _add_months(day, months):
    """The first of the month ``months`` after the month of ``day``."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def period_bounds(period_type, day, fiscal_last_month=12):
    """``(date_from, date_to)`` of the month, quarter or year holding ``day``. Quarters and years follow the
    fiscal year, which ends with the month ``fiscal_last_month`` (12: the calendar year)."""
    months = PERIOD_MONTHS[period_type]
    if period_type == "month":
        start = day.replace(day=1)
    else:
        fiscal_first_month = fiscal_last_month % 12 + 1
        # Months since the first month of the fiscal year holding ``day``.
        elapsed = (day.month - fiscal_first_month) % 12
        fiscal_start = _add_months(day.replace(day=1), -elapsed)
        start = _add_months(fiscal_start, elapsed // months * months)
    return start, _add_months(start, months) - timedelta(days=1)


def previous_period(period_type, date_from, fiscal_last_month=12):
    """The period of the same type just before the one starting on ``date_from``."""
    return period_bounds(period_type, date_from - timedelta(days=1), fiscal_last_month)


def same_period_last_year(period_type, date_from, fiscal_last_month=12):
    """The period of the same type one year before the one starting on ``date_from``."""
    return period_bounds(period_type, _add_months(date_from, -12), fiscal_last_month)


def ratio(part, whole, scale=100.0):
    """``part / whole * scale``, or None when there is nothing to divide by (shown as a dash)."""
    if part is None or not whole:
        return None
    return part / whole * scale


def dso(receivable, billed, days):
    """Days sales outstanding: what customers owe at the period end, in days of the period's net billing."""
    if receivable is None or not billed or billed <= 0:
        return None
    return receivable / billed * days
