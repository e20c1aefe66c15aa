from odoo import api, fields, models
from odoo.exceptions import UserError

from ..kernels import match as kernel
from .match import BILL_MATCH_STATES, LINE_MATCH_STATES

# A change to one of these rechecks the bill (and the other bills of its PO lines and possible duplicates).
RECHECK_FIELDS = {"invoice_line_ids", "line_ids", "invoice_date", "currency_id", "partner_id", "ref"}


class AccountMove(models.Model):
    """Bill matching on vendor bills: states, reasons, overrides, rechecks and the payment hold."""

    _inherit = "account.move"


    ispec_match_state = fields.Selection(
        BILL_MATCH_STATES,
        string="Match State", readonly=True, copy=False, index=True,
        help="How this bill's lines compare with their purchase orders and receipts.",
    )
    ispec_duplicate_of = fields.Char(
        string="Possible Duplicate Of", readonly=True, copy=False,
        help="Other bills of the same vendor with the same reference in the same year, or with no reference "
        "and the same total and date.")
    ispec_match_checked_at = fields.Datetime(string="Match Checked At", readonly=True, copy=False)
    ispec_match_reason_ids = fields.Many2many(
        "ispec.match.reason", string="Match Reasons", readonly=True, copy=False,
        help="The reasons of the exceptions still open on this bill (overridden lines excluded).")
    ispec_match_override_ids = fields.One2many("ispec.match.override", "move_id", string="Match Overrides",
                                               readonly=True)
    ispec_match_override_count = fields.Integer(compute="_compute_ispec_match_override_count")
    ispec_receipt_count = fields.Integer(string="Receipt Count", compute="_compute_ispec_receipt_ids")
    ispec_receipt_ids = fields.Many2many("stock.picking", string="Receipts", compute="_compute_ispec_receipt_ids",
                                         help="The receipts and returns of the purchase order lines this bill bills.")
    ispec_match_line_ids = fields.One2many(
        "account.move.line", compute="_compute_ispec_match_line_ids", string="Match Exceptions")

    @api.depends("invoice_line_ids.ispec_match_state")
    def _compute_ispec_match_line_ids(self):
        for move in self:
            move.ispec_match_line_ids = move.invoice_line_ids.filtered(
                lambda line: line.ispec_match_state == "exception")

    @api.depends_context("uid")
    def _compute_ispec_match_override_count(self):
        if not self.env["ispec.match.override"].has_access("read"):  # e.g. a buyer opening a bill
            self.ispec_match_override_count = 0
            return
        counts = dict(self.env["ispec.match.override"]._read_group(
            [("move_id", "in", self.ids)], ["move_id"], ["__count"]))
        for move in self:
            move.ispec_match_override_count = counts.get(move, 0)

    @api.depends("invoice_line_ids.purchase_line_id")
    def _compute_ispec_receipt_ids(self):
        for move in self:
            receipts = move.invoice_line_ids.purchase_line_id.move_ids.picking_id
            move.ispec_receipt_ids = receipts
            move.ispec_receipt_count = len(receipts)

    @api.model_create_multi
    def create(self, vals_list):
        moves = super().create(vals_list)
        moves._ispec_match_recheck()
        return moves

    def write(self, vals):
        # Reset to draft or cancelled: the bill no longer weighs on the other bills of its PO lines.
        recheck = bool(RECHECK_FIELDS & set(vals)) or vals.get("state") in ("draft", "cancel")
        # The bills this one was a possible duplicate of, before the change, so their flag goes with it.
        before = self._ispec_duplicate_partners() if recheck else self.browse()
        res = super().write(vals)
        if recheck:
            (self | before)._ispec_match_recheck()
        return res

    def unlink(self):
        others = self._ispec_duplicate_partners() - self
        res = super().unlink()
        others.exists()._ispec_match_recheck()
        return res

    def _post(self, soft=True):
        self._ispec_match_recheck()
        refused = self._ispec_bills_in_exception(("refuse",))
        if refused:
            reasons = refused._ispec_match_hold_reasons()
            raise UserError(self.env._(
                "These bills do not match their purchase orders and cannot be posted:\n%(lines)s\n"
                "Correct the bill, wait for the receipt, or ask a manager to change the tolerances.",
                lines=refused._ispec_reason_lines(reasons)))
        posted = super()._post(soft=soft)
        posted._ispec_match_recheck()
        return posted

    def action_ispec_match_recheck(self):
        self.check_access("write")  # a recheck changes the bill's state and may block its payment
        self._ispec_match_recheck()
        return True

    def action_ispec_match_override(self):
        self.env["ispec.match.override"]._check_may_override()
        bills = self.filtered(lambda m: m.ispec_match_state == "exception")
        if not bills:
            raise UserError(self.env._("%(bills)s: no open match exception to override.",
                                       bills=", ".join(self.mapped("display_name"))))
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Override Match Exception"),
            "res_model": "ispec.match.override.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_move_ids": bills.ids},
        }

    def action_ispec_view_match_overrides(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Match Overrides"),
            "res_model": "ispec.match.override",
            "view_mode": "list,form",
            "domain": [("move_id", "=", self.id)],
        }

    def action_ispec_view_receipts(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Receipts"),
            "res_model": "stock.picking",
            "view_mode": "list,form",
            "domain": [("id", "in", self.ispec_receipt_ids.ids)],
            "context": {"create": False},
        }

    def _ispec_match_recheck(self):
        """Check these bills and every other bill sharing one of their purchase order lines."""
        bills = self.filtered(lambda m: m.move_type in ("in_invoice", "in_refund"))
        if bills:
            po_lines = bills.invoice_line_ids.purchase_line_id
            self.env["ispec.match"]._check_bills(bills | po_lines._ispec_bills())

    def _ispec_duplicate_partners(self):
        """The other bills that these vendor bills are possible duplicates of, as things stand."""
        bills = self.filtered(lambda m: m.move_type == "in_invoice" and m.invoice_date)
        if not bills:
            return self.browse()
        duplicates = self.env["ispec.match"]._find_duplicates(bills.sudo())  # sudo: see ispec.match._check_bills
        return self.browse(list({move_id for others in duplicates.values() for move_id in others.ids})) - bills

    def _ispec_payment_hold_reasons(self):
        return self._ispec_add_hold_reasons(super()._ispec_payment_hold_reasons(), self._ispec_match_hold_reasons())

    def _ispec_match_hold_reasons(self):
        """{bill_id: [reason, ...]} of bills with match exceptions, where the company blocks payment.
        A vendor credit note is never held: it is money coming back, whatever its lines."""
        held = self._ispec_bills_in_exception(("block", "refuse"))
        return {move.id: move.invoice_line_ids._ispec_match_reason_texts() for move in held}

    def _ispec_bills_in_exception(self, modes):
        """The vendor bills among these in match exception whose company's exception effect is one of
        ``modes`` (see MATCH_MODES)."""
        return self.filtered(lambda m: m.move_type == "in_invoice" and m.ispec_match_state == kernel.EXCEPTION
                             and m.company_id.ispec_match_mode in modes)


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    ispec_match_state = fields.Selection(
        LINE_MATCH_STATES,
        string="Match", readonly=True, copy=False,
    )
    ispec_match_reasons = fields.Char(string="Match Reasons", readonly=True, copy=False,
                                      help="Reason codes of the match exception, comma-separated.")
    ispec_qty_ordered = fields.Float(string="Ordered", digits="Product Unit", readonly=True, copy=False)
    ispec_qty_received = fields.Float(string="Received", digits="Product Unit", readonly=True, copy=False)
    ispec_qty_billed = fields.Float(
        string="Billed (all bills)", digits="Product Unit", readonly=True, copy=False,
        help="Billed on the PO line by every posted bill, refunds subtracted, and by this bill while it is a draft.")
    ispec_po_price = fields.Float(
        string="PO Price", digits="Product Price", readonly=True, copy=False,
        help="The PO line's unit price net of discount, in the bill's currency at the bill date and the PO's unit.")
    ispec_bill_price = fields.Float(
        string="Bill Price", digits="Product Price", readonly=True, copy=False,
        help="This line's unit price net of discount, in the PO's unit.")
    ispec_expected_subtotal = fields.Monetary(
        string="Expected Subtotal", currency_field="currency_id", readonly=True, copy=False,
        help="The line's quantity at the PO price, in the bill's currency at the bill date.")
    ispec_match_reason_text = fields.Char(string="Reasons", compute="_compute_ispec_match_reason_text")

    def _compute_ispec_match_reason_text(self):
        names = {code: reason.name for code, reason in self.env["ispec.match.reason"]._by_code().items()}
        for line in self:
            codes = kernel.split_reasons(line.ispec_match_reasons)
            line.ispec_match_reason_text = ", ".join(names.get(code, code) for code in codes) or False

    def _ispec_match_fingerprint(self):
        """What a manager's override holds on to: any change to it expires the override."""
        self.ensure_one()
        return "|".join([
            str(self.product_id.id), str(self.purchase_line_id.id), str(self.product_uom_id.id),
            str(self.currency_id.id), "%.6f" % self.quantity, "%.6f" % self.price_unit, "%.4f" % self.discount,
        ])

    def _ispec_match_reason_texts(self):
        return ["%s: %s" % (line.product_id.display_name or line.name, line.ispec_match_reason_text)
                for line in self.filtered(lambda line: line.ispec_match_state == "exception")]
