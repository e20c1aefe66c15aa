"""Bill matching arithmetic: one bill line against its purchase order line. No ORM here.

The caller brings every figure in the PO line's unit of measure and in the bill's currency
(converted at the bill date), discounts included, and the tolerances that apply (the vendor's,
else the company's). A tolerance of ``None`` is not checked; ``0`` means the figure must be exact;
a variance is an exception as soon as it exceeds any limit that is set.
"""

from dataclasses import dataclass, field

MATCHED = "matched"
WITHIN_TOLERANCE = "within_tolerance"
WAITING = "waiting"
EXCEPTION = "exception"
OVERRIDDEN = "overridden"  # an exception a manager accepted

# A bill's state is the most pressing of its lines' states, a purchase order's of its bills'.
STATE_PRIORITY = (EXCEPTION, WAITING, OVERRIDDEN, MATCHED)

# Reason codes, in the order a person reads them.
NO_PO = "no_po"
OVER_RECEIVED = "over_received"
OVER_ORDERED = "over_ordered"
PRICE_ABOVE = "price_above"
PRICE_BELOW = "price_below"
AMOUNT = "amount"
UNIT = "unit"
DUPLICATE = "duplicate"


@dataclass(frozen=True)
class Tolerances:
    qty_pct: float | None = 0.0
    qty_abs: float | None = 0.0
    price_above_pct: float | None = 0.0
    price_above_abs: float | None = 0.0
    price_below_pct: float | None = 0.0
    price_below_abs: float | None = 0.0
    total_abs: float | None = 0.0


@dataclass
class LineResult:
    state: str
    reasons: list = field(default_factory=list)
    variances: dict = field(default_factory=dict)


def exceeds(variance, base, pct, absolute, precision):
    """True when a positive ``variance`` exceeds a set limit: ``absolute``, or ``pct`` % of ``base``.
    Differences smaller than ``precision`` (half a unit of rounding) do not count."""
    if variance <= precision:
        return False
    if absolute is not None and variance - absolute > precision:
        return True
    return pct is not None and variance - abs(base) * pct / 100.0 > precision


def evaluate_line(*, three_way, ordered, received, billed, po_price, bill_price, tolerances,
                  qty_precision=0.005, price_precision=0.005):
    """State, reasons and variances of one bill line.

    ``billed`` is cumulative over every bill of the PO line (refunds subtracted), ``received`` is
    net of returns; both in the PO line's unit. Prices are unit prices net of discount.
    """
    tol = tolerances
    reasons, variances = [], {}
    limit = received if three_way else ordered
    qty_variance = billed - limit
    if three_way and billed - ordered > qty_precision:
        variances["qty"] = billed - ordered
        if exceeds(billed - ordered, ordered, tol.qty_pct, tol.qty_abs, qty_precision):
            reasons.append(OVER_ORDERED)
    if qty_variance > qty_precision:
        variances.setdefault("qty", qty_variance)
        waiting = three_way and abs(received) <= qty_precision and OVER_ORDERED not in reasons
        if not waiting and exceeds(qty_variance, limit, tol.qty_pct, tol.qty_abs, qty_precision):
            reasons.append(OVER_RECEIVED if three_way else OVER_ORDERED)
    price_variance = bill_price - po_price
    if abs(price_variance) > price_precision:
        variances["price"] = price_variance
        if price_variance > 0 and exceeds(price_variance, po_price, tol.price_above_pct, tol.price_above_abs,
                                          price_precision):
            reasons.append(PRICE_ABOVE)
        if price_variance < 0 and exceeds(-price_variance, po_price, tol.price_below_pct, tol.price_below_abs,
                                          price_precision):
            reasons.append(PRICE_BELOW)
    if reasons:
        return LineResult(EXCEPTION, reasons, variances)
    if three_way and abs(received) <= qty_precision and billed > qty_precision:
        return LineResult(WAITING, [], variances)
    return LineResult(WITHIN_TOLERANCE if variances else MATCHED, [], variances)


def evaluate_total(bill_total, expected_total, total_abs, precision=0.005):
    """The bill total against what the matched lines lead to expect: reason AMOUNT when it is
    above by more than ``total_abs`` (None: not checked)."""
    if total_abs is None:
        return []
    return [AMOUNT] if bill_total - expected_total - total_abs > precision else []


def most_pressing(states):
    """The first state of STATE_PRIORITY found in ``states`` (within tolerance counts as matched),
    or None when there is none (nothing checked)."""
    states = {MATCHED if state == WITHIN_TOLERANCE else state for state in states}
    return next((state for state in STATE_PRIORITY if state in states), None)


def split_reasons(text):
    """The reason codes of a line, from their stored comma-separated form."""
    return [code for code in (text or "").split(",") if code]


def normalize_reference(reference):
    """A vendor reference as duplicates are compared: lower case, letters and digits only."""
    return "".join(char for char in (reference or "").lower() if char.isalnum())
