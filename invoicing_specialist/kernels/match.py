"""Bill matching arithmetic: one bill line against its purchase order line. No ORM here.

The caller brings every figure in the PO line's unit of measure and in the bill's currency
(converted at the bill date), discounts included, and the tolerances that apply (the vendor's,
else the company's), one ``Limit`` per dimension. A dimension without a limit (``None``) is not
checked. A limit has a percent and an absolute part, and a variance passes when it is within
either: at most the larger of the two. So 0 % and 0 mean exact, and a 2 % added to an exact
limit gives 2 %.
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
class Limit:
    """How far a figure may go beyond the PO's: ``pct`` % of the PO figure or ``absolute`` (units for
    quantities, money for prices and totals), whichever is more. Each part only widens what passes."""

    pct: float = 0.0
    absolute: float = 0.0

    def allowance(self, base):
        return max(abs(base) * self.pct / 100.0, self.absolute)


EXACT = Limit()


@dataclass(frozen=True)
class Tolerances:
    """The limit of each dimension; ``None``: not checked. A new company starts exact on quantities and
    prices, and does not check the bill total."""

    qty: Limit | None = EXACT
    price_above: Limit | None = EXACT
    price_below: Limit | None = EXACT
    total: Limit | None = None


@dataclass
class LineResult:
    state: str
    reasons: list = field(default_factory=list)
    variances: dict = field(default_factory=dict)


def exceeds(variance, base, limit, precision):
    """True when a positive ``variance`` is beyond ``limit`` (a Limit, or None: not checked), the
    percent part taken of ``base``. Differences smaller than ``precision`` (half a unit of rounding)
    do not count."""
    if variance <= precision or limit is None:
        return False
    return variance - limit.allowance(base) > precision


def evaluate_line(*, three_way, ordered, received, billed, po_price, bill_price, tolerances,
                  qty_precision=0.005, price_precision=0.005):
    """State, reasons and variances of one bill line.

    ``billed`` is cumulative over every bill of the PO line (refunds subtracted), ``received`` is
    net of returns; both in the PO line's unit. Prices are unit prices net of discount.
    """
    tol = tolerances
    reasons, variances = [], {}
    billable = received if three_way else ordered
    qty_variance = billed - billable
    if three_way and billed - ordered > qty_precision:
        variances["qty"] = billed - ordered
        if exceeds(billed - ordered, ordered, tol.qty, qty_precision):
            reasons.append(OVER_ORDERED)
    if qty_variance > qty_precision:
        variances.setdefault("qty", qty_variance)
        waiting = three_way and abs(received) <= qty_precision and OVER_ORDERED not in reasons
        if not waiting and exceeds(qty_variance, billable, tol.qty, qty_precision):
            reasons.append(OVER_RECEIVED if three_way else OVER_ORDERED)
    price_variance = bill_price - po_price
    if abs(price_variance) > price_precision:
        variances["price"] = price_variance
        if price_variance > 0 and exceeds(price_variance, po_price, tol.price_above, price_precision):
            reasons.append(PRICE_ABOVE)
        if price_variance < 0 and exceeds(-price_variance, po_price, tol.price_below, price_precision):
            reasons.append(PRICE_BELOW)
    if reasons:
        return LineResult(EXCEPTION, reasons, variances)
    if three_way and abs(received) <= qty_precision and billed > qty_precision:
        return LineResult(WAITING, [], variances)
    return LineResult(WITHIN_TOLERANCE if variances else MATCHED, [], variances)


def evaluate_total(bill_total, expected_total, limit, precision=0.005):
    """The bill total against what the matched lines lead to expect: reason AMOUNT when it is
    above beyond ``limit`` (a Limit on the expected total; None: not checked)."""
    return [AMOUNT] if exceeds(bill_total - expected_total, expected_total, limit, precision) else []


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
