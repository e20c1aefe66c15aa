from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_repr, format_amount

from odoo.addons.invoicing_specialist.kernels import match as kernel
from odoo.addons.invoicing_specialist.models.match_account_move import RECHECK_FIELDS

from ..kernels import sale_match as sale_kernel
from .sale_match import OUT_TYPES

# The terms a customer invoice is compared on that bill matching's write does not recheck on.
SALE_RECHECK_FIELDS = {"invoice_payment_term_id", "fiscal_position_id"}


class AccountMove(models.Model):
    """Customer invoices checked against their sales orders: the recheck, the refusal to post, the banner."""

    _inherit = "account.move"

    ispec_sale_match_line_ids = fields.One2many(
        "account.move.line", compute="_compute_ispec_sale_match_line_ids", string="Invoice Check Exceptions")

    @api.depends("invoice_line_ids.ispec_match_state")
    def _compute_ispec_sale_match_line_ids(self):
        for move in self:
            move.ispec_sale_match_line_ids = move.invoice_line_ids.filtered(
                lambda line: line.ispec_match_state == kernel.EXCEPTION) if move.move_type in OUT_TYPES else False

    def write(self, vals):
        res = super().write(vals)
        if SALE_RECHECK_FIELDS & set(vals) and not RECHECK_FIELDS & set(vals):  # else bill matching's write did
            self._ispec_match_recheck()
        return res

    def _post(self, soft=True):
        invoices = self.filtered(lambda m: m.move_type in OUT_TYPES)
        if not invoices:
            return super()._post(soft=soft)
        invoices._ispec_sale_recheck(siblings=False)
        refused = invoices._ispec_sale_refused()
        if refused:
            raise UserError(self.env._(
                "These customer invoices do not match their sales orders and cannot be posted:\n%(lines)s\n"
                "Correct the invoice, or ask an Invoicing Specialist manager to override the exceptions.",
                lines=refused._ispec_sale_reason_lines()))
        # Checked just now: bill matching's recheck before posting need not check them again.
        posted = super(AccountMove, self.with_context(ispec_sale_checked=True))._post(soft=soft)
        # The other drafts of the same order lines now count these as posted.
        (invoices._ispec_sale_siblings() - invoices)._ispec_sale_recheck(siblings=False)
        return posted.with_env(self.env)

    def action_ispec_match_override(self):
        action = super().action_ispec_match_override()
        if all(move.move_type in OUT_TYPES for move in self):
            view = self.env.ref("invoicing_specialist_sale.ispec_match_override_wizard_view_form_invoice")
            action["views"] = [(view.id, "form")]
            action["name"] = self.env._("Override Invoice Check")
        return action

    def _ispec_match_recheck(self):
        res = super()._ispec_match_recheck()
        if not self.env.context.get("ispec_sale_checked"):
            self._ispec_sale_recheck()
        return res

    def _ispec_sale_recheck(self, siblings=True):
        """Check these customer invoices (drafts only) and, with ``siblings``, the other drafts of their order
        lines."""
        invoices = self.filtered(lambda m: m.move_type in OUT_TYPES)
        if invoices:
            self.env["ispec.sale.match"]._check_invoices(invoices | (invoices._ispec_sale_siblings() if siblings
                                                                     else invoices))

    def _ispec_sale_siblings(self):
        """Every customer invoice sharing an order line with these."""
        return self.invoice_line_ids.sale_line_ids.invoice_lines.move_id.filtered(
            lambda m: m.move_type in OUT_TYPES)

    def _ispec_sale_refused(self):
        """The customer invoices among these in exception whose company refuses to post them."""
        return self.filtered(lambda m: m.move_type in OUT_TYPES and m.ispec_match_state == kernel.EXCEPTION
                             and m.company_id.ispec_sale_match_mode == "refuse")

    def _ispec_sale_reason_lines(self):
        """One line per invoice, naming it, its customer and each line's reasons with their figures."""
        return "\n".join("- %s (%s): %s" % (
            move.display_name, move.partner_id.display_name,
            "; ".join(move.invoice_line_ids._ispec_sale_reason_texts())) for move in self)


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    ispec_sale_order_id = fields.Many2one(
        "sale.order", string="Sales Order", compute="_compute_ispec_sale_match_detail",
        help="The sales order of the order line this invoice line invoices.")
    ispec_sale_match_detail = fields.Char(
        string="What Differs", compute="_compute_ispec_sale_match_detail",
        help="Each reason of the exception with its figures: the invoice's against the order's and deliveries'.")

    @api.depends("ispec_match_reasons", "sale_line_ids")
    def _compute_ispec_sale_match_detail(self):
        names = {code: reason.name for code, reason in self.env["ispec.match.reason"]._by_code().items()}
        for line in self:
            line.ispec_sale_order_id = line.sale_line_ids[:1].order_id
            codes = kernel.split_reasons(line.ispec_match_reasons) if line.move_id.move_type in OUT_TYPES else []
            line.ispec_sale_match_detail = "; ".join(
                line._ispec_sale_figures(code, names.get(code, code)) for code in codes) or False

    def _ispec_sale_figures(self, code, name):
        """``name`` of reason ``code`` with the figures that show it."""
        self.ensure_one()
        move, so_line = self.move_id, self.sale_line_ids[:1]
        order = so_line.order_id

        def qty(value):
            return float_repr(value or 0.0, 2).rstrip("0").rstrip(".")

        def money(value):
            return format_amount(self.env, value or 0.0, move.currency_id)

        K = sale_kernel
        figures = {
            K.OVER_DELIVERED: lambda: self.env._("%(invoiced)s invoiced in all, %(delivered)s delivered",
                                                 invoiced=qty(self.ispec_qty_billed),
                                                 delivered=qty(self.ispec_qty_received)),
            K.OVER_ORDERED: lambda: self.env._("%(invoiced)s invoiced in all, %(ordered)s ordered",
                                               invoiced=qty(self.ispec_qty_billed),
                                               ordered=qty(self.ispec_qty_ordered)),
            K.PRICE_ABOVE: lambda: self.env._("net price %(invoice)s, on the order %(order)s",
                                              invoice=money(self.ispec_bill_price), order=money(self.ispec_po_price)),
            K.PRICE_BELOW: lambda: self.env._("net price %(invoice)s, on the order %(order)s",
                                              invoice=money(self.ispec_bill_price), order=money(self.ispec_po_price)),
            K.DISCOUNT: lambda: self.env._("discount %(invoice)s %%, on the order %(order)s %%",
                                           invoice=qty(self.discount), order=qty(so_line.discount)),
            K.PAYMENT_TERM: lambda: self.env._(
                "%(invoice)s, on the order %(order)s", invoice=move.invoice_payment_term_id.display_name or "-",
                order=order.payment_term_id.display_name or "-"),
            K.FISCAL_POSITION: lambda: self.env._(
                "%(invoice)s, on the order %(order)s", invoice=move.fiscal_position_id.display_name or "-",
                order=order.fiscal_position_id.display_name or "-"),
            K.INVOICE_ADDRESS: lambda: self.env._(
                "%(invoice)s, on the order %(order)s", invoice=move.partner_id.display_name,
                order=order.partner_invoice_id.display_name),
            K.CUSTOMER_REF: lambda: self.env._(
                "reference %(invoice)s, the customer's PO number %(order)s", invoice=move.ref or "-",
                order=order.client_order_ref or "-"),
        }
        if code not in figures or (not so_line and code != K.CUSTOMER_REF):
            return name
        return "%s (%s)" % (name, figures[code]())

    def _ispec_match_fingerprint(self):
        """On a customer invoice, the override also holds on to the order line and the terms checked."""
        fingerprint = super()._ispec_match_fingerprint()
        move = self.move_id
        if move.move_type not in OUT_TYPES:
            return fingerprint
        return "|".join([fingerprint, ",".join(str(id_) for id_ in sorted(self.sale_line_ids.ids)),
                         str(move.partner_id.id), str(move.invoice_payment_term_id.id),
                         str(move.fiscal_position_id.id), move.ref or ""])

    def _ispec_sale_reason_texts(self):
        return ["%s: %s" % (line.product_id.display_name or line.name, line.ispec_sale_match_detail)
                for line in self.filtered(lambda line: line.ispec_match_state == kernel.EXCEPTION)]
