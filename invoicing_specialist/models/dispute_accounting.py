from odoo import Command, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import float_round

from .dispute import OPEN_STATES

# How many tax computations the search of a credit note's prices may spend: on the invoice's own quantities,
# then with its largest line credited as one unit.
SEARCH_TRIES = 400
SEARCH_TRIES_ONE_UNIT = 600


class IspecDispute(models.Model):
    """The accounting side of a dispute: the credit note that resolves it, the write-off of an
    invoice's small remainder, and their reconciliation with the invoice."""

    _inherit = "ispec.dispute"

    credit_note_ids = fields.One2many("account.move", "ispec_dispute_id", string="Credit Notes", readonly=True)
    write_off_move_id = fields.Many2one("account.move", readonly=True, copy=False)

    # ------------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------------

    def action_write_off(self):
        """Write the open remainder of the invoice off, when it is under the company's threshold."""
        self.ensure_one()
        if not self.env.user._is_ispec_manager():
            raise AccessError(self.env._("Only an Invoicing Specialist manager may write off %(name)s.",
                                         name=self.name))
        if self.state not in OPEN_STATES + ("accepted",):
            raise UserError(self.env._("%(name)s must be open or accepted to write off its remainder.",
                                       name=self.name))
        move, company = self.move_id, self.company_id
        if not company.ispec_dispute_writeoff_account_id or not company.ispec_dispute_writeoff_journal_id:
            raise UserError(self.env._(
                "Set the dispute write-off account and journal of %(company)s in Settings > Invoicing Control > "
                "Disputes before writing off %(name)s.", company=company.name, name=self.name))
        residual = move.amount_residual
        threshold = company.currency_id._convert(
            company.ispec_dispute_writeoff_threshold, move.currency_id, company, fields.Date.context_today(self))
        if move.currency_id.is_zero(residual):
            raise UserError(self.env._("%(move)s has nothing left to write off.", move=move.display_name))
        if move.currency_id.compare_amounts(residual, threshold) > 0:
            raise UserError(self.env._(
                "%(move)s still has %(residual)s open, more than the write-off threshold of %(threshold)s. "
                "Credit it or collect it instead.",
                move=move.display_name, residual=self._format(residual), threshold=self._format(threshold)))
        write_off = self._create_write_off(residual)
        values = {"write_off_move_id": write_off.id, "amount_written_off": residual, "amount_current": 0.0}
        if self.state in OPEN_STATES:
            self._move_to("accepted")
            today = fields.Date.context_today(self)
            values.update(date_resolved=today, date_closed=today, is_overdue=False)
        self.write(values)
        self._close_activities()
        move._ispec_apply_dispute_effects()
        return True

    def action_view_credit_notes(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Credit Notes"),
            "res_model": "account.move",
            "view_mode": "list,form",
            "domain": [("id", "in", self.credit_note_ids.ids)],
        }

    # ------------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------------

    def _credit_note_lines(self):
        """Commands for the credit note's lines: the disputed lines and quantities, the whole invoice,
        or the invoice's lines with their prices scaled to the disputed amount (see _scaled_prices)."""
        self.ensure_one()
        move, currency = self.move_id, self.currency_id

        def line_vals(line, quantity, price_unit):
            return {
                "product_id": line.product_id.id, "name": line.name, "quantity": quantity,
                "product_uom_id": line.product_uom_id.id, "price_unit": price_unit, "discount": line.discount,
                "tax_ids": [Command.set(line.tax_ids.ids)], "account_id": line.account_id.id,
                "analytic_distribution": line.analytic_distribution,
            }

        if self.scope == "lines":
            return [Command.create(line_vals(d.invoice_line_id, d.quantity, d.invoice_line_id.price_unit))
                    for d in self.line_ids]
        product_lines = move.invoice_line_ids.filtered(lambda line: line.display_type == "product")
        if not currency.compare_amounts(self.amount_current, move.amount_total):
            return [Command.create(line_vals(line, line.quantity, line.price_unit)) for line in product_lines]
        quantities, prices = self._scaled_prices(product_lines, self.amount_current)
        return [Command.create(line_vals(line, quantity, price))
                for line, quantity, price in zip(product_lines, quantities, prices, strict=True)]

    def _refund_total(self, lines, quantities, prices):
        """The total, taxes included, of a credit note with ``lines`` at ``prices``, as Odoo's tax engine
        computes it for the move (the company's tax rounding method included)."""
        AccountTax = self.env["account.tax"]
        company, currency = self.company_id, self.currency_id
        base_lines = [AccountTax._prepare_base_line_for_taxes_computation(
            None, product_id=line.product_id, product_uom_id=line.product_uom_id, tax_ids=line.tax_ids,
            price_unit=price, quantity=quantity, discount=line.discount, currency_id=currency,
            is_refund=True, partner_id=line.partner_id, account_id=line.account_id,
        ) for line, quantity, price in zip(lines, quantities, prices, strict=True)]
        AccountTax._add_tax_details_in_base_lines(base_lines, company)
        AccountTax._round_base_lines_tax_details(base_lines, company)
        return AccountTax._get_tax_totals_summary(base_lines, currency, company)["total_amount_currency"]

    def _scaled_prices(self, lines, target):
        """(quantities, unit prices) for ``lines`` (the invoice's product lines, with their taxes) so that the
        credit note totals exactly ``target`` taxes included, each line in the invoice's proportions.

        The prices are the invoice's scaled by target / total and rounded to the "Product Price" precision;
        the few cents this leaves are absorbed by moving one line's price, or two lines' prices, by a few
        precision steps: a search over Odoo's own tax computation, so that each line carries its tax as Odoo
        computes it and no untaxed rounding line is needed. Where a quantity above 1 makes the steps too
        coarse, the largest line is credited as 1 x its amount and the search runs again. Where no prices
        give the target (one line at 21 % in a company rounding taxes globally cannot make every cent), the
        closest total below it is used, and _create_credit_note says so on the case."""
        currency = self.currency_id
        digits = self.env["decimal.precision"].precision_get("Product Price")
        step = 10 ** -digits
        ratio = target / self.move_id.amount_total
        best = {}
        # A few tax computations usually suffice; on very long invoices whose lines all have large quantities
        # the search gives up after a set number of them and keeps the closest total found so far. A number,
        # not a time: the same invoice gives the same credit note on a busy server as on an idle one.
        tries = [0]

        def attempt(quantities, candidate):
            tries[0] += 1
            gap = currency.round(target - self._refund_total(lines, quantities, candidate))
            key = (gap < 0, abs(gap))  # never more than the target, and then the closest
            if not best or key < best["key"]:
                best.update(result=(quantities, candidate), key=key)
            return gap

        def search(quantities, prices, give_up_at):
            # What one price step adds to each line's total, taxes included.
            slopes = [step * line.price_total / line.price_unit * quantity / line.quantity
                      if line.price_unit and line.quantity else 0.0
                      for line, quantity in zip(lines, quantities, strict=True)]
            movable = sorted((i for i in range(len(lines)) if slopes[i]), key=lambda i: abs(slopes[i]))

            def shifted(base, i, steps):
                candidate = list(base)
                candidate[i] = float_round(base[i] + steps * step, precision_digits=digits)
                # a price never changes sign: a credit line stays a credit line
                return candidate if candidate[i] * lines[i].price_unit >= 0 else None

            def settle(base, i):
                """Move line i's price towards the target; the prices that hit it, or None."""
                gap = attempt(quantities, base)
                if currency.is_zero(gap):
                    return base
                estimate = round(gap / slopes[i])
                for offset in (0, 1, -1, 2, -2, 3, -3):
                    candidate = shifted(base, i, estimate + offset)
                    if candidate and currency.is_zero(attempt(quantities, candidate)):
                        return candidate
                return None

            for i in movable[:4]:
                if (found := settle(prices, i)) is not None:
                    return found
            pairs = [(i, j) for i in movable[:2] for j in movable[:2] if i != j]
            for distance in range(1, 31):
                for i, j in pairs:
                    for steps in (distance, -distance):
                        if tries[0] > give_up_at:
                            return None
                        base = shifted(prices, i, steps)
                        if base and (found := settle(base, j)) is not None:
                            return found
            return None

        quantities = lines.mapped("quantity")
        prices = [float_round(line.price_unit * ratio, precision_digits=digits) for line in lines]
        if (found := search(quantities, prices, SEARCH_TRIES)) is not None:
            return quantities, found
        largest = max(range(len(lines)), key=lambda i: abs(lines[i].price_subtotal))
        if quantities[largest] != 1:
            quantities = list(quantities)
            quantities[largest] = 1.0
            prices = list(prices)
            prices[largest] = float_round(
                lines[largest].price_unit * lines[largest].quantity * ratio, precision_digits=digits)
            if (found := search(quantities, prices, tries[0] + SEARCH_TRIES_ONE_UNIT)) is not None:
                return quantities, found
        return best["result"]

    def _create_credit_note(self):
        self.ensure_one()
        move = self.move_id
        reversal = self.env["account.move.reversal"].with_context(
            active_model="account.move", active_ids=move.ids).create({
                "reason": self.env._("Dispute %(name)s", name=self.name),
                "journal_id": move.journal_id.id,
                "date": fields.Date.context_today(self),
            })
        action = reversal.refund_moves()
        credit_note = self.env["account.move"].browse(action.get("res_id")) or reversal.new_move_ids
        credit_note.write({"invoice_line_ids": [Command.clear()] + self._credit_note_lines(),
                           "ispec_dispute_id": self.id})
        if self.scope == "invoice" and self.currency_id.compare_amounts(credit_note.amount_total, self.amount_current):
            self.message_post(body=self.env._(
                "No prices in the invoice's proportions give a credit note of exactly %(target)s with the "
                "invoice's taxes; the closest is %(amount)s.",
                target=self._format(self.amount_current), amount=self._format(credit_note.amount_total)))
        credit_note.action_post()
        self._reconcile_with_invoice(credit_note)
        self.message_post(body=self.env._(
            "Credit note %(note)s created for %(amount)s.",
            note=credit_note._get_html_link(), amount=self._format(credit_note.amount_total)))
        return credit_note

    def _reconcile_with_invoice(self, counterpart):
        lines = (self.move_id.line_ids | counterpart.line_ids)._ispec_open_term_lines()
        for _account, account_lines in lines.grouped("account_id").items():
            if len(account_lines.move_id) > 1:
                account_lines.reconcile()

    def _create_write_off(self, residual):
        move, company = self.move_id, self.company_id
        term_lines = move.line_ids._ispec_open_term_lines()
        balance = sum(term_lines.mapped("amount_residual"))
        amount_currency = sum(term_lines.mapped("amount_residual_currency"))
        journal = company.ispec_dispute_writeoff_journal_id
        write_off = self.env["account.move"].create({
            "move_type": "entry",
            "journal_id": journal.id,
            "date": fields.Date.context_today(self),
            "ref": self.env._("Write-off of dispute %(name)s on %(move)s", name=self.name, move=move.name),
            "ispec_dispute_id": self.id,
            "line_ids": [
                Command.create({
                    "name": self.env._("Dispute %(name)s write-off", name=self.name),
                    "account_id": term_lines[:1].account_id.id, "partner_id": move.commercial_partner_id.id,
                    "currency_id": move.currency_id.id, "amount_currency": -amount_currency, "balance": -balance,
                }),
                Command.create({
                    "name": self.env._("Dispute %(name)s write-off", name=self.name),
                    "account_id": company.ispec_dispute_writeoff_account_id.id,
                    "partner_id": move.commercial_partner_id.id, "currency_id": move.currency_id.id,
                    "amount_currency": amount_currency, "balance": balance,
                }),
            ],
        })
        write_off.action_post()
        self._reconcile_with_invoice(write_off)
        self.message_post(body=self.env._("Remainder of %(amount)s written off in %(entry)s.",
                                          amount=self._format(residual),
                                          entry=write_off._get_html_link()))
        return write_off
