from dataclasses import replace
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL, float_repr, float_round, format_amount
from odoo.tools.sql import column_exists

from ..kernels import match as kernel
from .cron_batch import commit_in_batches, search_batches

DIMENSIONS = [
    ("qty", "Quantity billed above received or ordered"),
    ("price_above", "Unit price above PO"),
    ("price_below", "Unit price below PO"),
    ("total", "Bill total above expected"),
]

# Every company starts exact on quantities and prices, and does not check the bill total.
STRICT_DIMENSIONS = ("qty", "price_above", "price_below")

# Tolerances as they were stored before one row held both limits of a dimension: dimension -> (dimension,
# limit). Kept to convert old rows (init) and old callers' values (create).
LEGACY_DIMENSIONS = {
    "qty_pct": ("qty", "percent"), "qty_abs": ("qty", "absolute"),
    "price_above_pct": ("price_above", "percent"), "price_above_abs": ("price_above", "absolute"),
    "price_below_pct": ("price_below", "percent"), "price_below_abs": ("price_below", "absolute"),
    "total_abs": ("total", "absolute"),
}

# Every match state with its label, for bill lines and bills alike. A line is checked into one of the
# kernel's states or is not checked (no PO to compare with); a bill takes the most pressing of its lines'
# states (within tolerance counts as matched) or is not applicable (no line checked); a purchase order
# shows the most pressing of its bills'.
NOT_CHECKED = "not_checked"
NOT_APPLICABLE = "not_applicable"
MATCH_STATES = [
    (kernel.MATCHED, "Matched"),
    (kernel.WITHIN_TOLERANCE, "Within Tolerance"),
    (kernel.WAITING, "Waiting for Receipt"),
    (kernel.EXCEPTION, "Match Exception"),
    (kernel.OVERRIDDEN, "Overridden"),
    (NOT_CHECKED, "Not Checked"),
    (NOT_APPLICABLE, "Not Applicable"),
]
LINE_MATCH_STATES = [state for state in MATCH_STATES if state[0] != NOT_APPLICABLE]
BILL_MATCH_STATES = [state for state in MATCH_STATES if state[0] in (*kernel.STATE_PRIORITY, NOT_APPLICABLE)]
ORDER_MATCH_STATES = [state for state in MATCH_STATES if state[0] in kernel.STATE_PRIORITY]

# What a vendor bill with match exceptions does (the company's setting).
MATCH_MODES = [("warn", "Warn only"), ("refuse", "Refuse to post"), ("block", "Post, but block payment")]

# The dimensions whose absolute limit is money (in the company's currency), not a quantity.
AMOUNT_DIMENSIONS = ("price_above", "price_below", "total")

# The daily recheck takes a bill again once its last check is this old: less than a day, so that the next
# day's run takes it even when it starts a little earlier; more than a run lasts, so that a run resumed
# after a crash or a time-out never takes a bill twice. Both sides are UTC timestamps: no timezone enters.
RECHECK_AFTER = timedelta(hours=20)

RESULT_FIELDS = ("ispec_match_state", "ispec_match_reasons", "ispec_qty_ordered", "ispec_qty_received",
                 "ispec_qty_billed", "ispec_po_price", "ispec_bill_price", "ispec_expected_subtotal")


class IspecMatchTolerance(models.Model):
    """The tolerance of one dimension, for a company or one of its vendors. A line passes when its
    variance is within either limit: the percent of the PO figure or the absolute amount, whichever is
    more. 0 % and 0 mean exact; no row for a dimension means it is not checked. A vendor's row replaces
    the company's for its dimension."""

    _name = "ispec.match.tolerance"
    _description = "Bill Matching Tolerance"
    _order = "company_id, partner_id, dimension"

    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company, index=True)
    partner_id = fields.Many2one(
        "res.partner", string="Vendor", index=True, ondelete="cascade",
        help="Leave empty for the company's default; set to replace it for one vendor.",
    )
    dimension = fields.Selection(DIMENSIONS, required=True)
    percent = fields.Float(
        string="Percent (%)", digits=(16, 2),
        help="The variance allowed as a percent of the PO figure (the quantity received or ordered, the PO "
        "price, the expected total). 0: no percent allowance.")
    absolute = fields.Float(
        string="Amount or Quantity", digits="Product Price",
        help="The variance allowed as an absolute figure: units in the PO's unit for quantities, an amount in "
        "the company's currency for prices and totals (converted to the bill's currency at the bill date). "
        "0: no absolute allowance.")
    currency_id = fields.Many2one(related="company_id.currency_id")
    summary = fields.Char(string="Passes When", compute="_compute_summary",
                          help="What this row lets through: within either limit, whichever is more.")

    # One row per dimension for the company (no vendor) and per vendor, also under concurrent saves:
    # a plain UNIQUE would let NULL vendors repeat, hence COALESCE (PostgreSQL 13 has no NULLS NOT DISTINCT).
    _dimension_unique = models.UniqueIndex(
        "(company_id, COALESCE(partner_id, 0), dimension)",
        "Each dimension has one limit for the company and one per vendor: change the existing one.")

    @api.depends("dimension", "percent", "absolute", "currency_id")
    def _compute_summary(self):
        for rule in self:
            if rule.dimension in AMOUNT_DIMENSIONS:
                absolute = format_amount(self.env, rule.absolute, rule.currency_id)
            else:
                absolute = self.env._("%(qty)s units", qty=float_repr(rule.absolute, 2).rstrip("0").rstrip("."))
            percent = self.env._("%(pct)s %%", pct=float_repr(rule.percent, 2).rstrip("0").rstrip("."))
            if not rule.percent and not rule.absolute:
                rule.summary = self.env._("Exact")
            elif not rule.absolute:
                rule.summary = self.env._("Up to %(percent)s", percent=percent)
            elif not rule.percent:
                rule.summary = self.env._("Up to %(absolute)s", absolute=absolute)
            else:
                rule.summary = self.env._("Up to %(percent)s or %(absolute)s, whichever is more",
                                          percent=percent, absolute=absolute)

    @api.constrains("company_id", "partner_id", "dimension", "percent", "absolute")
    def _check_unique_and_positive(self):
        for rule in self:
            if rule.percent < 0 or rule.absolute < 0:
                raise ValidationError(self.env._(
                    "%(dimension)s for %(who)s: a limit cannot be negative; 0 %% and 0 mean 'must be exact'.",
                    dimension=dict(DIMENSIONS)[rule.dimension],
                    who=rule.partner_id.display_name or rule.company_id.display_name))
            twins = self.search_count([
                ("company_id", "=", rule.company_id.id), ("partner_id", "=", rule.partner_id.id),
                ("dimension", "=", rule.dimension), ("id", "!=", rule.id)])
            if twins:  # the index refuses it too; this names the dimension and who it is for
                raise ValidationError(self.env._(
                    "%(dimension)s is set twice for %(who)s: keep one row and set its percent and amount.",
                    dimension=dict(DIMENSIONS)[rule.dimension],
                    who=rule.partner_id.display_name or rule.company_id.display_name))

    @api.model_create_multi
    def create(self, vals_list):
        """Values in the former form (``dimension`` 'price_above_pct', ``value`` 2.0) go to the percent or
        amount of the dimension's row, which is created or updated: old callers keep working."""
        legacy = [vals for vals in vals_list if vals.get("dimension") in LEGACY_DIMENSIONS]
        if not legacy:
            return super().create(vals_list)
        records = self.browse()
        for vals in vals_list:
            vals = dict(vals)
            if vals.get("dimension") in LEGACY_DIMENSIONS:
                vals["dimension"], limit = LEGACY_DIMENSIONS[vals["dimension"]]
                vals[limit] = vals.pop("value", 0.0)
                existing = self.search([
                    ("company_id", "=", vals.get("company_id") or self.env.company.id),
                    ("partner_id", "=", vals.get("partner_id") or False), ("dimension", "=", vals["dimension"])])
                if existing:
                    existing.write({limit: vals[limit]})
                    records |= existing
                    continue
            records |= super().create([vals])
        return records

    def init(self):
        """Rows stored before percent and amount were side by side (a row per 'qty_pct', 'qty_abs', ...,
        in a ``value`` column) become one row per dimension holding both."""
        cr = self.env.cr
        if not column_exists(cr, self._table, "value"):
            return
        cr.execute(SQL(
            "SELECT id, company_id, COALESCE(partner_id, 0), dimension, value FROM %s WHERE dimension IN %s "
            "ORDER BY id", SQL.identifier(self._table), tuple(LEGACY_DIMENSIONS)))
        merged = {}
        for rule_id, company_id, partner_id, old_dimension, value in cr.fetchall():
            dimension, limit = LEGACY_DIMENSIONS[old_dimension]
            row = merged.setdefault((company_id, partner_id, dimension), {"ids": [], "percent": 0.0, "absolute": 0.0})
            row["ids"].append(rule_id)
            row[limit] = value or 0.0
        for (_company_id, _partner_id, dimension), row in merged.items():
            keep, *drop = row["ids"]
            if drop:
                cr.execute(SQL("DELETE FROM %s WHERE id = ANY(%s)", SQL.identifier(self._table), drop))
            cr.execute(SQL("UPDATE %s SET dimension = %s, percent = %s, absolute = %s WHERE id = %s",
                           SQL.identifier(self._table), dimension, row["percent"], row["absolute"], keep))

    @api.model
    def _seed_company_defaults(self, companies):
        """Exact quantities and prices, for the companies that have no company-wide row for them yet."""
        Tolerance = self.sudo()  # sudo: setting up a company is not a user's edit
        existing = {(rule.company_id.id, rule.dimension) for rule in Tolerance.search(
            [("company_id", "in", companies.ids), ("partner_id", "=", False)])}
        return Tolerance.create([
            {"company_id": company.id, "dimension": dimension, "percent": 0.0, "absolute": 0.0}
            for company in companies for dimension in STRICT_DIMENSIONS if (company.id, dimension) not in existing])

    @api.model
    def _tolerances_by_vendor(self, company, partners):
        """{commercial partner id: kernel.Tolerances} for ``partners`` in ``company``, in one query."""
        rules = self.sudo().search([  # sudo: limits are configuration every bill check must read
            ("company_id", "=", company.id), ("partner_id", "in", [False, *partners.ids])])

        def limit(rule):
            return kernel.Limit(pct=rule.percent, absolute=rule.absolute)

        defaults = {rule.dimension: limit(rule) for rule in rules if not rule.partner_id}
        result = {}
        for partner in partners:
            limits = dict(defaults)
            limits.update({rule.dimension: limit(rule) for rule in rules if rule.partner_id == partner})
            result[partner.id] = kernel.Tolerances(**{key: limits.get(key) for key, _label in DIMENSIONS})
        return result


class IspecMatch(models.AbstractModel):
    """The matching of vendor bills against their purchase orders, for many bills at once."""

    _name = "ispec.match"
    _description = "Bill Matching"

    @api.model
    def _check_bills(self, moves):
        # sudo: the results are derived from the bills, purchase orders and receipts, never from user
        # input, and must be written whoever triggers them (a warehouse user validating a receipt, a
        # buyer changing a PO price) and for every bill on the PO lines involved.
        bills = moves.sudo().filtered(lambda m: m.move_type in ("in_invoice", "in_refund") and m.state != "cancel")
        if not bills:
            return
        # Both bills of a possible duplicate are flagged at once: the others of the group whose flag
        # changes are checked with these.
        duplicates = self._find_duplicates(bills)
        others = bills.browse(list(duplicates)) - bills
        bills |= others.filtered(lambda m: m.ispec_duplicate_of != self._duplicate_names(duplicates[m.id]))
        lines = bills.invoice_line_ids.filtered(lambda line: line.display_type == "product")
        # One batched read of every PO line involved (prefetch), and of the tolerances per company.
        po_lines = lines.purchase_line_id
        po_lines.fetch(["product_qty", "qty_received", "price_unit", "discount",
                        "product_uom_id", "order_id", "product_id"])
        po_lines.order_id.fetch(["currency_id", "company_id"])
        billed = self._billed_quantities(lines)
        tolerances = self._tolerances_by_bill(bills)
        rates = {}
        values_by_line = {line.id: self._evaluate(line, tolerances[line.move_id.id], rates, billed.get(line.id, 0.0))
                          for line in lines}
        self._check_totals(bills, lines, values_by_line, tolerances)
        for line in lines:
            if duplicates.get(line.move_id.id):
                self._add_reason(values_by_line[line.id], kernel.DUPLICATE)
        self._apply_overrides(bills, lines, values_by_line)
        self._write_line_results(values_by_line)
        self._write_bill_results(bills, lines, values_by_line, duplicates)
        bills._ispec_sync_payment_block()

    @api.model
    def _billed_quantities(self, lines):
        """{bill line id: quantity billed on its PO line, in the PO line's unit}: every posted bill minus
        every posted refund, plus the line's own bill when that one is not posted yet. Odoo's
        ``qty_invoiced`` also counts drafts, so a bill being keyed in would push posted bills into
        exception; here a draft only weighs on itself."""
        po_lines = lines.purchase_line_id
        billing = po_lines.invoice_lines.filtered(
            lambda line: line.move_id.move_type in ("in_invoice", "in_refund") and line.move_id.state != "cancel")
        posted, own = {}, {}
        for line in billing:
            po_line = line.purchase_line_id
            qty = line.product_uom_id._compute_quantity(line.quantity, po_line.product_uom_id) \
                if line.product_uom_id and po_line.product_uom_id else line.quantity
            qty = -qty if line.move_id.move_type == "in_refund" else qty
            if line.move_id.state == "posted":
                posted[po_line.id] = posted.get(po_line.id, 0.0) + qty
            else:
                own[po_line.id, line.move_id.id] = own.get((po_line.id, line.move_id.id), 0.0) + qty
        return {line.id: posted.get(line.purchase_line_id.id, 0.0) + own.get(
            (line.purchase_line_id.id, line.move_id.id), 0.0) for line in lines if line.purchase_line_id}

    @api.model
    def _tolerances_by_bill(self, bills):
        """{bill id: kernel.Tolerances}, one query per company. Amount limits are set in the company's
        currency; a bill in another currency gets them converted at its date."""
        result, rates = {}, {}
        for company, company_bills in bills.grouped("company_id").items():
            by_vendor = self.env["ispec.match.tolerance"]._tolerances_by_vendor(
                company, company_bills.commercial_partner_id)
            for bill in company_bills:
                tolerances = by_vendor[bill.commercial_partner_id.id]
                if bill.currency_id != company.currency_id:
                    key = (company.currency_id, bill.currency_id, company, self._bill_date(bill))
                    if key not in rates:
                        rates[key] = company.currency_id._get_conversion_rate(*key)
                    tolerances = replace(tolerances, **{
                        name: replace(limit, absolute=limit.absolute * rates[key])
                        for name in AMOUNT_DIMENSIONS if (limit := getattr(tolerances, name)) is not None})
                result[bill.id] = tolerances
        return result

    @api.model
    def _bill_date(self, bill):
        """The date a bill's currency conversions are made at."""
        return bill.invoice_date or bill.date or fields.Date.context_today(self)

    @staticmethod
    def _add_reason(values, code):
        codes = kernel.split_reasons(values.get("ispec_match_reasons"))
        if code not in codes:
            codes.append(code)
        values.update(ispec_match_state=kernel.EXCEPTION, ispec_match_reasons=",".join(codes))

    @api.model
    def _check_totals(self, bills, lines, values_by_line, tolerances):
        """The bill total against what its PO lines lead to expect (quantities at PO prices). Beyond the
        bill total tolerance, the lines that bill more than expected get the reason ``amount``."""
        for bill, bill_lines in lines.grouped("move_id").items():
            checked = bill_lines.filtered(lambda line: "ispec_expected_subtotal" in values_by_line[line.id])
            if bill.move_type != "in_invoice" or not checked:
                continue
            precision = bill.currency_id.rounding / 2
            expected = sum(values_by_line[line.id]["ispec_expected_subtotal"] for line in checked)
            if kernel.evaluate_total(sum(checked.mapped("price_subtotal")), expected,
                                     tolerances[bill.id].total, precision):
                for line in checked:
                    if line.price_subtotal - values_by_line[line.id]["ispec_expected_subtotal"] > precision:
                        self._add_reason(values_by_line[line.id], kernel.AMOUNT)

    @api.model
    def _apply_overrides(self, bills, lines, values_by_line):
        """Lines a manager accepted become 'overridden' while unchanged; overrides of lines that changed,
        went away or show a reason the manager did not accept expire (kept, and said on the chatter)."""
        overrides = self.env["ispec.match.override"].sudo().search(  # sudo: see _check_bills
            [("move_id", "in", bills.ids), ("state", "=", "active")])
        expiring = {}
        for override in overrides:
            line = override.line_id
            values = values_by_line.get(line.id)
            if values is None or line.move_id != override.move_id:
                why = self.env._("the line was removed")
            elif override.fingerprint != line._ispec_match_fingerprint():
                why = self.env._("the line's quantity, price, unit or product changed")
            else:
                new_codes = set(kernel.split_reasons(values.get("ispec_match_reasons"))) - set(
                    override.reason_ids.mapped("code"))
                if not new_codes:
                    if values["ispec_match_state"] == kernel.EXCEPTION:
                        values["ispec_match_state"] = kernel.OVERRIDDEN
                    continue
                why = self.env._("a reason appeared that was not accepted")
            expiring[why] = expiring.get(why, overrides.browse()) | override
        for why, group in expiring.items():
            group._expire(why)

    @api.model
    def _write_bill_results(self, bills, lines, values_by_line, duplicates):
        """Bill state, open reasons and duplicates: one write per distinct result, not per bill."""
        Move = self.env["account.move"]
        reasons = self.env["ispec.match.reason"]._by_code()
        line_states, open_codes = {}, {}
        for line in lines:
            values = values_by_line[line.id]
            line_states.setdefault(line.move_id.id, set()).add(values["ispec_match_state"])
            if values["ispec_match_state"] == kernel.EXCEPTION:
                codes = kernel.split_reasons(values["ispec_match_reasons"])
                open_codes.setdefault(line.move_id.id, set()).update(codes)
        groups = {}
        for bill in bills:
            result = (
                self._bill_state(line_states.get(bill.id, set())),
                frozenset(reasons[code].id for code in open_codes.get(bill.id, ()) if code in reasons),
                self._duplicate_names(duplicates.get(bill.id, Move)),
            )
            current = (bill.ispec_match_state, frozenset(bill.ispec_match_reason_ids.ids), bill.ispec_duplicate_of)
            if result != current:
                groups[result] = groups.get(result, Move) | bill
        for (state, reason_ids, duplicate_of), group in groups.items():
            # Not a person's edit: Odoo's import and EDI flows must still see the bill as untouched.
            group.with_context(skip_is_manually_modified=True).write({
                "ispec_match_state": state, "ispec_match_reason_ids": [fields.Command.set(list(reason_ids))],
                "ispec_duplicate_of": duplicate_of})

    @staticmethod
    def _duplicate_names(bills):
        """How a bill's possible duplicates are named on it (``ispec_duplicate_of``)."""
        return ", ".join(bills.mapped("display_name")) or False

    @api.model
    def _find_duplicates(self, bills):
        """{bill_id: other bills} that may be the same invoice: same vendor (commercial partner) and the
        same reference, ignoring case, spaces and punctuation, in the same year; or, without a reference,
        the same total and invoice date. For every bill of each group that holds one of ``bills``, so
        that the caller can flag both sides at once.

        One query reads the few columns of every bill of those vendors in those years (thousands on a large
        ledger: a batch of 200 bills spans some 150 vendors), and the keys are made from the plain values:
        through the ORM, reading each record's fields cost most of the daily recheck's time."""
        invoices = bills.filtered(lambda m: m.move_type == "in_invoice" and m.invoice_date and m.state != "cancel")
        if not invoices:
            return {}
        Move = invoices.env["account.move"]  # the caller's rights, as a search in its environment had
        Move.flush_model(["move_type", "state", "company_id", "commercial_partner_id", "ref", "currency_id",
                          "amount_total", "invoice_date"])
        years = {bill.invoice_date.year for bill in invoices}
        self.env.cr.execute(SQL("""
            SELECT m.id, m.company_id, m.commercial_partner_id, m.ref, m.currency_id, m.amount_total,
                   m.invoice_date
              FROM account_move m
             WHERE m.move_type = 'in_invoice' AND m.state != 'cancel'
               AND m.commercial_partner_id = ANY(%s) AND m.invoice_date BETWEEN %s AND %s""",
            invoices.commercial_partner_id.ids, f"{min(years)}-01-01", f"{max(years)}-12-31"))
        rows = self.env.cr.fetchall()
        roundings = {currency.id: currency.rounding
                     for currency in self.env["res.currency"].browse({row[4] for row in rows}).sudo()}

        def key(company_id, partner_id, ref, currency_id, amount_total, invoice_date):
            reference = kernel.normalize_reference(ref)
            if reference:
                return (company_id, partner_id, "ref", reference, invoice_date.year)
            return (company_id, partner_id, "total", currency_id,
                    float_round(amount_total or 0.0, precision_rounding=roundings[currency_id]), invoice_date)

        by_key = {}
        for move_id, *values in rows:
            by_key.setdefault(key(*values), []).append(move_id)
        batch = set(invoices.ids)
        duplicates = {}
        for ids in by_key.values():
            if len(ids) > 1 and batch.intersection(ids):
                group = Move.browse(ids)
                for move in group:
                    duplicates[move.id] = group - move
        return duplicates

    def _write_line_results(self, values_by_line):
        """All lines' results in one UPDATE: each line has its own figures, so an ORM write would
        cost one query per line."""
        if not values_by_line:
            return
        ids = list(values_by_line)
        column = [values_by_line[line_id] for line_id in ids]

        def col(key):
            return [values.get(key) for values in column]

        self.env["account.move.line"].flush_model(list(RESULT_FIELDS))
        self.env.cr.execute(SQL(
            """
            UPDATE account_move_line l
               SET ispec_match_state = v.state, ispec_match_reasons = v.reasons,
                   ispec_qty_ordered = v.ordered, ispec_qty_received = v.received, ispec_qty_billed = v.billed,
                   ispec_po_price = v.po_price, ispec_bill_price = v.bill_price,
                   ispec_expected_subtotal = v.expected
              FROM (SELECT unnest(%(ids)s::int[]) AS id, unnest(%(state)s::varchar[]) AS state,
                           unnest(%(reasons)s::varchar[]) AS reasons, unnest(%(ordered)s::float8[]) AS ordered,
                           unnest(%(received)s::float8[]) AS received, unnest(%(billed)s::float8[]) AS billed,
                           unnest(%(po_price)s::numeric[]) AS po_price,
                           unnest(%(bill_price)s::numeric[]) AS bill_price,
                           unnest(%(expected)s::numeric[]) AS expected) v
             WHERE l.id = v.id
            """,
            ids=ids, state=col("ispec_match_state"),
            reasons=[value or None for value in col("ispec_match_reasons")],
            ordered=col("ispec_qty_ordered"), received=col("ispec_qty_received"), billed=col("ispec_qty_billed"),
            po_price=col("ispec_po_price"), bill_price=col("ispec_bill_price"),
            expected=col("ispec_expected_subtotal"),
        ))
        self.env["account.move.line"].browse(ids).invalidate_recordset(list(RESULT_FIELDS))

    def _evaluate(self, line, tol, rates, billed):
        bill, po_line = line.move_id, line.purchase_line_id
        if not po_line:
            # A credit note without PO (a rebate, a price correction) brings money back: nothing to check.
            allowed = bill.company_id.ispec_match_allow_no_po or bill.commercial_partner_id.ispec_match_allow_no_po
            if allowed or not line.product_id or bill.move_type == "in_refund":
                return {"ispec_match_state": NOT_CHECKED, "ispec_match_reasons": False}
            return {"ispec_match_state": kernel.EXCEPTION, "ispec_match_reasons": kernel.NO_PO}
        po_uom, bill_uom = po_line.product_uom_id, line.product_uom_id
        if bill_uom and po_uom and not bill_uom._has_common_reference(po_uom):
            return {"ispec_match_state": kernel.EXCEPTION, "ispec_match_reasons": kernel.UNIT}
        order = po_line.order_id
        key = (order.currency_id, bill.currency_id, bill.company_id, self._bill_date(bill))
        if key not in rates:  # one rate look-up per currency pair and date, not per line
            rates[key] = order.currency_id._get_conversion_rate(*key)
        po_price = po_line.price_unit * (1 - (po_line.discount or 0.0) / 100.0) * rates[key]
        bill_price = line.price_unit * (1 - (line.discount or 0.0) / 100.0)
        if bill_uom and po_uom:
            bill_price = bill_uom._compute_price(bill_price, po_uom)
        # Unit prices are compared and kept at the "Product Price" precision (a 0.1234 price is not 0.12).
        digits = self.env["decimal.precision"].precision_get("Product Price")
        po_price = float_round(po_price, precision_digits=digits)
        bill_price = float_round(bill_price, precision_digits=digits)
        three_way = po_line.product_id.purchase_method == "receive" and po_line.product_id.type != "service"
        result = kernel.evaluate_line(
            three_way=three_way, ordered=po_line.product_qty, received=po_line.qty_received,
            billed=billed, po_price=po_price, bill_price=bill_price, tolerances=tol,
            qty_precision=(po_uom.rounding or 0.01) / 2, price_precision=10 ** -digits / 2)
        qty = bill_uom._compute_quantity(line.quantity, po_uom) if bill_uom and po_uom else line.quantity
        return {
            "ispec_match_state": result.state,
            "ispec_match_reasons": ",".join(result.reasons) or False,
            "ispec_qty_ordered": po_line.product_qty,
            "ispec_qty_received": po_line.qty_received,
            "ispec_qty_billed": billed,
            "ispec_po_price": po_price,
            "ispec_bill_price": bill_price,
            "ispec_expected_subtotal": bill.currency_id.round(qty * po_price),
        }

    def _bill_state(self, line_states):
        """The bill's state from its product lines' states."""
        return kernel.most_pressing(line_states) or NOT_APPLICABLE

    @api.model
    def _cron_recheck_open_bills(self, batch_size=200):
        """Recheck every open vendor bill once a day, a batch at a time. A run that stops halfway
        (time out, crash) resumes with the bills not checked yet: each batch commits with the moment
        it was checked, and a bill is due again only RECHECK_AFTER later (UTC on both sides, so the
        cron user's timezone does not matter)."""
        due_before = fields.Datetime.now() - RECHECK_AFTER
        domain = [
            ("move_type", "in", ("in_invoice", "in_refund")), ("state", "in", ("draft", "posted")),
            ("payment_state", "in", ("not_paid", "partial", "blocked")),
            "|", ("ispec_match_checked_at", "=", False), ("ispec_match_checked_at", "<", due_before),
        ]
        def check(bills):
            self._check_bills(bills)
            # The moment of the check, written in one statement: not a person's edit (Odoo's import and
            # auto-post flows must still see the bills as untouched), and not through account.move's write,
            # whose line synchronisation read each line's taxes one query at a time (a query per bill).
            self.env.flush_all()
            self.env.cr.execute(SQL("UPDATE account_move SET ispec_match_checked_at = %s WHERE id = ANY(%s)",
                                    fields.Datetime.now(), bills.ids))
            bills.invalidate_recordset(["ispec_match_checked_at"])

        # A batch seen before ends the run (the clock moved back): never loop on the same bills.
        next_batch, remaining = search_batches(self.env["account.move"], domain, batch_size)
        commit_in_batches(self.env, next_batch, check, remaining)
        return True
