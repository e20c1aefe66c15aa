from collections import defaultdict
from dataclasses import replace

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import float_round

from odoo.addons.invoicing_specialist.kernels import match as kernel
from odoo.addons.invoicing_specialist.models.match import NOT_CHECKED

from ..kernels import sale_match as sale_kernel

OUT_TYPES = ("out_invoice", "out_refund")

# The tolerances of customer invoices: rows of bill matching's tolerance model, with dimensions of their own
# so that a company's or a customer's limits on invoices never mix with those on bills.
SALE_DIMENSIONS = [
    ("sale_qty", "Invoiced above delivered or ordered"),
    ("sale_price_above", "Invoice price above the sales order"),
    ("sale_price_below", "Invoice price below the sales order"),
]
SALE_DIMENSION_KEYS = [key for key, _label in SALE_DIMENSIONS]
# Each sale dimension is read as this bill matching dimension (the kernel's Tolerances field, the summary).
AS_BILL_DIMENSION = {"sale_qty": "qty", "sale_price_above": "price_above", "sale_price_below": "price_below"}
SALE_AMOUNT_DIMENSIONS = ("sale_price_above", "sale_price_below")


class IspecMatchTolerance(models.Model):
    """Customer invoice tolerances: the same rows, limits and summary as bill matching's, on the sale
    dimensions. Without a row for a dimension (company or customer), a customer invoice must be exact."""

    _inherit = "ispec.match.tolerance"

    dimension = fields.Selection(selection_add=SALE_DIMENSIONS,
                                 ondelete=dict.fromkeys(SALE_DIMENSION_KEYS, "cascade"))

    @api.depends("dimension", "percent", "absolute", "currency_id")
    def _compute_summary(self):
        sale = self.filtered(lambda rule: rule.dimension in AS_BILL_DIMENSION)
        res = super(IspecMatchTolerance, self - sale)._compute_summary()
        for rule in sale:
            # Bill matching says it: the same limit on the bill dimension that reads the same figure.
            rule.summary = self.new({
                "company_id": rule.company_id.id, "dimension": AS_BILL_DIMENSION[rule.dimension],
                "percent": rule.percent, "absolute": rule.absolute}).summary
        return res

    @api.constrains("company_id", "partner_id", "dimension", "percent", "absolute")
    def _check_unique_and_positive(self):
        sale = self.filtered(lambda rule: rule.dimension in AS_BILL_DIMENSION)
        res = super(IspecMatchTolerance, self - sale)._check_unique_and_positive()
        labels = dict(SALE_DIMENSIONS)
        for rule in sale:
            who = rule.partner_id.display_name or rule.company_id.display_name
            if rule.percent < 0 or rule.absolute < 0:
                raise ValidationError(self.env._(
                    "%(dimension)s for %(who)s: a limit cannot be negative; 0 %% and 0 mean 'must be exact'.",
                    dimension=labels[rule.dimension], who=who))
            twins = self.search_count([
                ("company_id", "=", rule.company_id.id), ("partner_id", "=", rule.partner_id.id),
                ("dimension", "=", rule.dimension), ("id", "!=", rule.id)])
            if twins:
                raise ValidationError(self.env._(
                    "%(dimension)s is set twice for %(who)s: keep one row and set its percent and amount.",
                    dimension=labels[rule.dimension], who=who))
        return res


class IspecMatch(models.AbstractModel):
    """Every caller of bill matching (an override, a recheck) reaches customer invoices too."""

    _inherit = "ispec.match"

    @api.model
    def _check_bills(self, moves):
        res = super()._check_bills(moves)
        self.env["ispec.sale.match"]._check_invoices(moves)
        return res


class IspecSaleMatch(models.AbstractModel):
    """Customer invoices against their sales orders and deliveries, for many invoices at once.

    The results go where bill matching keeps its own (the line's and the invoice's match state, reasons and
    figures), so that the overrides, their expiry, the reasons and the worklists serve both. Only draft
    invoices are checked: a posted invoice was checked as it went out, and a later return is credited by a
    later credit note, not an exception on the invoice the customer already has.
    """

    _name = "ispec.sale.match"
    _description = "Customer Invoice Check"

    @api.model
    def _check_invoices(self, moves):
        # sudo: the results derive from the invoices, orders and deliveries, never from user input, and
        # are written whoever triggers them (a salesperson creating the invoice, a manager's override).
        invoices = moves.sudo().filtered(lambda m: m.move_type in OUT_TYPES and m.state == "draft")
        if not invoices:
            return
        lines = invoices.invoice_line_ids.filtered(lambda line: line.display_type == "product")
        # One batched read of every order line and order involved (prefetch), and of their invoice lines.
        so_lines = lines.sale_line_ids
        so_lines.fetch(["product_uom_qty", "qty_delivered", "price_unit", "discount", "product_uom_id",
                        "order_id", "product_id", "is_downpayment", "invoice_lines"])
        so_lines.order_id.fetch(["currency_id", "payment_term_id", "fiscal_position_id", "partner_invoice_id",
                                 "client_order_ref"])
        so_lines.product_id.fetch(["invoice_policy", "type"])
        invoices.commercial_partner_id.fetch(["ispec_sale_po_required", "ispec_sale_order_required"])
        checked = invoices.filtered(lambda m: m.ispec_match_state or any(self._requires(m)) or any(
            line.sale_line_ids for line in m.invoice_line_ids))
        if not checked:
            return
        lines = lines.filtered(lambda line: line.move_id in checked)
        invoiced = self._invoiced_quantities(lines)
        tolerances = self._tolerances_by_invoice(checked)
        rates = {}
        values_by_line = {}
        for line in lines:
            values = self._evaluate(line, tolerances[line.move_id.id], rates, invoiced.get(line.id, 0.0))
            terms = self._evaluate_terms(line)
            if terms:
                codes = kernel.split_reasons(values.get("ispec_match_reasons")) + terms
                values.update(ispec_match_state=kernel.EXCEPTION,
                              ispec_match_reasons=",".join(sale_kernel.sort_reasons(codes)))
            values_by_line[line.id] = values
        Match = self.env["ispec.match"]
        Match._apply_overrides(checked, lines, values_by_line)
        Match._write_line_results(values_by_line)
        # account.move's write synchronises each invoice's lines and reads their taxes: all at once here,
        # not one query per invoice.
        checked.line_ids.fetch(["tax_ids"])
        Match._write_bill_results(checked, lines, values_by_line, {})

    @api.model
    def _requires(self, invoice):
        """What the customer (or the company) asks of its invoices: (order required, PO number required)."""
        customer = invoice.commercial_partner_id
        order_required = customer.ispec_sale_order_required or invoice.company_id.ispec_sale_order_required
        return order_required, customer.ispec_sale_po_required

    @api.model
    def _invoiced_quantities(self, lines):
        """{invoice line id: quantity invoiced on its order line, in the order line's unit}: every posted
        invoice minus every posted credit note, plus the line's own invoice while it is a draft. Odoo's
        ``qty_invoiced`` also counts other drafts: an invoice being prepared would push the others into
        exception; here a draft weighs only on itself."""
        posted, own = defaultdict(float), defaultdict(float)
        for so_line in lines.sale_line_ids:
            for inv_line in so_line.invoice_lines:
                move = inv_line.move_id
                if move.move_type not in OUT_TYPES or move.state == "cancel":
                    continue
                qty = inv_line.product_uom_id._compute_quantity(inv_line.quantity, so_line.product_uom_id) \
                    if inv_line.product_uom_id and so_line.product_uom_id else inv_line.quantity
                qty = -qty if move.move_type == "out_refund" else qty
                if move.state == "posted":
                    posted[so_line.id] += qty
                else:
                    own[so_line.id, move.id] += qty
        result = {}
        for line in lines:
            so_line = line.sale_line_ids[:1]
            if so_line:
                result[line.id] = posted[so_line.id] + own[so_line.id, line.move_id.id]
        return result

    @api.model
    def _tolerances_by_invoice(self, invoices):
        """{invoice id: kernel.Tolerances} from the sale dimensions' rows, one query per company: the
        customer's row, else the company's, else exact. Amount limits are in the company's currency and
        converted to the invoice's at its date."""
        Match = self.env["ispec.match"]
        result, rates = {}, {}
        for company, company_invoices in invoices.grouped("company_id").items():
            rules = self.env["ispec.match.tolerance"].sudo().search([  # sudo: configuration every check reads
                ("company_id", "=", company.id), ("dimension", "in", SALE_DIMENSION_KEYS),
                ("partner_id", "in", [False, *company_invoices.commercial_partner_id.ids])])
            by_partner = defaultdict(dict)
            for rule in rules:
                by_partner[rule.partner_id.id][rule.dimension] = kernel.Limit(pct=rule.percent, absolute=rule.absolute)
            for invoice in company_invoices:
                limits = dict.fromkeys(SALE_DIMENSION_KEYS, kernel.EXACT)
                limits.update(by_partner[False])
                limits.update(by_partner[invoice.commercial_partner_id.id])
                if invoice.currency_id != company.currency_id:
                    key = (company.currency_id, invoice.currency_id, company, Match._bill_date(invoice))
                    if key not in rates:
                        rates[key] = company.currency_id._get_conversion_rate(*key)
                    for name in SALE_AMOUNT_DIMENSIONS:
                        limits[name] = replace(limits[name], absolute=limits[name].absolute * rates[key])
                result[invoice.id] = kernel.Tolerances(
                    **{AS_BILL_DIMENSION[name]: limit for name, limit in limits.items()}, total=None)
        return result

    def _evaluate(self, line, tol, rates, invoiced):
        invoice, so_line = line.move_id, line.sale_line_ids[:1]
        if not so_line:
            order_required, _po_required = self._requires(invoice)
            if order_required and line.product_id and invoice.move_type == "out_invoice":
                return {"ispec_match_state": kernel.EXCEPTION, "ispec_match_reasons": sale_kernel.NO_ORDER}
            return {"ispec_match_state": NOT_CHECKED, "ispec_match_reasons": False}
        if so_line.is_downpayment or so_line.product_id.type == "combo":
            # A down payment and its deduction, a combo's parent line: no quantity or price to compare.
            return {"ispec_match_state": NOT_CHECKED, "ispec_match_reasons": False}
        so_uom, inv_uom = so_line.product_uom_id, line.product_uom_id
        if inv_uom and so_uom and not inv_uom._has_common_reference(so_uom):
            return {"ispec_match_state": kernel.EXCEPTION, "ispec_match_reasons": sale_kernel.UNIT}
        order = so_line.order_id
        key = (order.currency_id, invoice.currency_id, invoice.company_id, self.env["ispec.match"]._bill_date(invoice))
        if key not in rates:  # one rate look-up per currency pair and date, not per line
            rates[key] = order.currency_id._get_conversion_rate(*key)
        digits = self.env["decimal.precision"].precision_get("Product Price")
        order_price = float_round(so_line.price_unit * rates[key], precision_digits=digits)
        invoice_price = inv_uom._compute_price(line.price_unit, so_uom) if inv_uom and so_uom else line.price_unit
        invoice_price = float_round(invoice_price, precision_digits=digits)
        result = sale_kernel.evaluate_sale_line(
            by_delivery=so_line.product_id.invoice_policy == "delivery",
            ordered=so_line.product_uom_qty, delivered=so_line.qty_delivered, invoiced=invoiced,
            order_price=order_price, order_discount=so_line.discount or 0.0,
            invoice_price=invoice_price, invoice_discount=line.discount or 0.0, tolerances=tol,
            qty_precision=(so_uom.rounding or 0.01) / 2, price_precision=10 ** -digits / 2)
        qty = inv_uom._compute_quantity(line.quantity, so_uom) if inv_uom and so_uom else line.quantity
        order_net = float_round(sale_kernel.net_price(order_price, so_line.discount), precision_digits=digits)
        return {
            "ispec_match_state": result.state,
            "ispec_match_reasons": ",".join(result.reasons) or False,
            "ispec_qty_ordered": so_line.product_uom_qty,
            "ispec_qty_received": so_line.qty_delivered,
            "ispec_qty_billed": invoiced,
            "ispec_po_price": order_net,
            "ispec_bill_price": float_round(sale_kernel.net_price(invoice_price, line.discount),
                                            precision_digits=digits),
            "ispec_expected_subtotal": invoice.currency_id.round(qty * order_net),
        }

    @api.model
    def _evaluate_terms(self, line):
        """The reasons of the terms on which the line's invoice differs from the line's order: payment terms,
        fiscal position, invoice address; the customer's PO number when the customer requires one."""
        invoice, order = line.move_id, line.sale_line_ids[:1].order_id
        _order_required, po_required = self._requires(invoice)
        reasons = []
        if po_required and invoice.move_type == "out_invoice":
            # Odoo puts the order's customer reference on the invoice, else the order's own number.
            reference = (order.client_order_ref or "").strip()
            if not invoice.ref or (order and (not reference or reference not in invoice.ref)):
                reasons.append(sale_kernel.CUSTOMER_REF)
        if not order:
            return reasons
        order_terms = {sale_kernel.INVOICE_ADDRESS: order.partner_invoice_id.id}
        invoice_terms = {sale_kernel.INVOICE_ADDRESS: invoice.partner_id.id,
                         sale_kernel.PAYMENT_TERM: invoice.invoice_payment_term_id.id,
                         sale_kernel.FISCAL_POSITION: invoice.fiscal_position_id.id}
        if invoice.move_type == "out_invoice":
            order_terms[sale_kernel.PAYMENT_TERM] = order.payment_term_id.id
        if order.fiscal_position_id:  # without one on the order, Odoo finds the invoice's: nothing to compare
            order_terms[sale_kernel.FISCAL_POSITION] = order.fiscal_position_id.id
        return reasons + sale_kernel.evaluate_terms(order_terms=order_terms, invoice_terms=invoice_terms)
