"""Customer invoice line against its sales order line. No ORM here.

The arithmetic is bill matching's (``invoicing_specialist.kernels.match``): the same limits, the same
``evaluate_line``, read from the seller's side. What differs is what a customer invoice must not do:

- invoice before delivery: bill matching waits for a receipt that may still come; a customer invoice for goods
  not delivered is an over-invoice now;
- only the order's figures count: the reasons name the sales order (over delivered, over ordered, price above
  or below the order, a different discount).

The caller brings every figure in the sales order line's unit and in the invoice's currency at the invoice
date; ``invoiced`` is cumulative over every invoice of the order line, credit notes subtracted.
"""

from odoo.addons.invoicing_specialist.kernels import match as kernel

# Reason codes of customer invoices (ispec.match.reason records of this module, data/sale_match_reason_data.xml).
OVER_DELIVERED = "sale_over_delivered"
OVER_ORDERED = "sale_over_ordered"
PRICE_ABOVE = "sale_price_above"
PRICE_BELOW = "sale_price_below"
DISCOUNT = "sale_discount"
UNIT = "sale_unit"
PAYMENT_TERM = "sale_payment_term"
FISCAL_POSITION = "sale_fiscal_position"
INVOICE_ADDRESS = "sale_invoice_address"
CUSTOMER_REF = "sale_customer_ref"
NO_ORDER = "sale_no_order"

# The order in which a person reads them.
REASONS = (NO_ORDER, OVER_DELIVERED, OVER_ORDERED, PRICE_ABOVE, PRICE_BELOW, DISCOUNT, UNIT, PAYMENT_TERM,
           FISCAL_POSITION, INVOICE_ADDRESS, CUSTOMER_REF)

# Bill matching's reasons, as the seller reads them.
FROM_BILL_REASON = {
    kernel.OVER_RECEIVED: OVER_DELIVERED,
    kernel.OVER_ORDERED: OVER_ORDERED,
    kernel.PRICE_ABOVE: PRICE_ABOVE,
    kernel.PRICE_BELOW: PRICE_BELOW,
}


def net_price(price, discount):
    return price * (1 - (discount or 0.0) / 100.0)


def evaluate_sale_line(*, by_delivery, ordered, delivered, invoiced, order_price, order_discount,
                       invoice_price, invoice_discount, tolerances, qty_precision=0.005,
                       price_precision=0.005, discount_precision=0.005):
    """State, reasons and variances of one customer invoice line (a ``kernel.LineResult``).

    ``by_delivery``: the product is invoiced on delivered quantities (else on ordered ones). Prices are unit
    prices before discount; the variance that counts is the one of the net prices, within the price limits.
    Beyond them, the reason says what differs: the unit price (above or below the order), the discount, or
    both.
    """
    result = kernel.evaluate_line(
        three_way=by_delivery, ordered=ordered, received=delivered, billed=invoiced,
        po_price=net_price(order_price, order_discount), bill_price=net_price(invoice_price, invoice_discount),
        tolerances=tolerances, qty_precision=qty_precision, price_precision=price_precision)
    reasons = [FROM_BILL_REASON[code] for code in result.reasons]
    if (by_delivery and OVER_DELIVERED not in reasons
            and kernel.exceeds(invoiced - delivered, delivered, tolerances.qty, qty_precision)):
        # Nothing delivered yet: a bill waits for its receipt, a customer invoice for goods not delivered
        # is over-invoiced.
        reasons.insert(0, OVER_DELIVERED)
    if abs(invoice_discount - order_discount) > discount_precision:
        result.variances["discount"] = invoice_discount - order_discount
        price_reasons = [code for code in reasons if code in (PRICE_ABOVE, PRICE_BELOW)]
        if price_reasons:
            reasons.append(DISCOUNT)
            if abs(invoice_price - order_price) <= price_precision:
                reasons = [code for code in reasons if code not in price_reasons]  # only the discount differs
    if reasons:
        return kernel.LineResult(kernel.EXCEPTION, reasons, result.variances)
    state = kernel.WITHIN_TOLERANCE if result.variances else kernel.MATCHED
    return kernel.LineResult(state, [], result.variances)


def evaluate_terms(*, order_terms, invoice_terms):
    """The reasons of terms that differ: ``order_terms`` and ``invoice_terms`` are {reason code: value} of
    what the invoice must have as on the order (payment terms, fiscal position, invoice address)."""
    return [code for code in REASONS if code in order_terms and order_terms[code] != invoice_terms.get(code)]


def sort_reasons(codes):
    """Reason codes without repeats, in reading order."""
    codes = set(codes)
    return [code for code in REASONS if code in codes] + sorted(codes - set(REASONS))
