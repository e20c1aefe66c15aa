"""Audit export arithmetic: the sequence check (gaps and duplicates in document numbers).

Plain functions on plain values; no Odoo import, so they are tested without a database and stream:
``sequence_anomalies`` reads its rows once, in order, and holds only the previous row.
"""

import re

# A document number: a prefix, then the last run of digits (the sequence number), then an optional
# non-digit suffix. The same split as Odoo's own sequence mixin, and the SQL that orders the rows for
# the check mirrors it (``\d+\D*$`` taken off the end of the name).
SEQUENCE_RE = re.compile(r"^(.*?)(\d+)(\D*)$")

GAP = "gap"
DUPLICATE = "duplicate"


def split_sequence(name):
    """``(prefix, number)`` of a document number, or ``(name, None)`` when it has no digits."""
    match = SEQUENCE_RE.match(name or "")
    if not match:
        return name or "", None
    return match.group(1), int(match.group(2))


def sequence_anomalies(rows):
    """Yield the gaps and duplicates in ``rows``.

    ``rows`` is an iterable of ``(group, number, name)``, sorted by group then number: ``group`` is
    anything comparable that tells apart the sequences (a journal and a prefix), ``number`` the
    sequence number (rows whose number is None are skipped), ``name`` the document number shown.

    Yields dicts: ``{"kind": GAP, "group", "previous", "next", "missing_from", "missing_to",
    "missing_count"}`` for each hole between two consecutive numbers of one group, and
    ``{"kind": DUPLICATE, "group", "previous", "next", "number", "count"}`` once for each number that
    occurs more than once in a group (``previous`` and ``next``: the first and last names carrying it).
    """
    last_group = last_number = last_name = None
    first_name, count = None, 0

    def duplicate():
        return {"kind": DUPLICATE, "group": last_group, "previous": first_name, "next": last_name,
                "number": last_number, "count": count}

    started = False
    for group, number, name in rows:
        if number is None:
            continue
        if started and group == last_group and number == last_number:
            count += 1
            last_name = name
            continue
        if started and count > 1:
            yield duplicate()
        if started and group == last_group and number > last_number + 1:
            yield {"kind": GAP, "group": group, "previous": last_name, "next": name,
                   "missing_from": last_number + 1, "missing_to": number - 1,
                   "missing_count": number - last_number - 1}
        started = True
        last_group, last_number, last_name, first_name, count = group, number, name, name, 1
    if started and count > 1:
        yield duplicate()
