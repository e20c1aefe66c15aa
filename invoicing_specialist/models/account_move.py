from odoo import api, fields, models
from odoo.exceptions import UserError

from .match import BILL_MATCH_STATES


class AccountMove(models.Model):
    _inherit = "account.move"

    # Set when this addon (not a person) put the bill's payment_state to 'blocked', so the
    # addon releases only its own blocks and never one a person set by hand.
    ispec_block_by_addon = fields.Boolean(
        string="Blocked by Invoicing Control",
        copy=False,
        readonly=True,
        help="The payment block was set automatically by Invoicing Control "
        "(match exceptions or an open dispute) and is released automatically when its causes clear.",
    )
    ispec_hold_reason = fields.Text(
        string="Payment Hold Reasons",
        compute="_compute_ispec_hold_reason",
        help="Why Invoicing Control holds this document's payment.",
    )

    # ------------------------------------------------------------------
    # COMPUTES
    # ------------------------------------------------------------------

    @api.depends("payment_state", "ispec_block_by_addon")
    def _compute_ispec_hold_reason(self):
        reasons = self._ispec_payment_hold_reasons()
        for move in self:
            move.ispec_hold_reason = "\n".join(reasons.get(move.id, [])) or False

    # ------------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------------

    def action_register_payment(self):
        self._ispec_check_payable()
        return super().action_register_payment()

    def action_toggle_block_payment(self):
        # A person may not lift a block whose causes are still there: that would silently
        # undo a match exception or an open dispute.
        for move in self.filtered(lambda m: m.payment_state == "blocked" and m.ispec_block_by_addon):
            if move._ispec_payment_hold_reasons().get(move.id):
                raise UserError(
                    self.env._(
                        "%(move)s is blocked by Invoicing Control:\n%(reasons)s\n"
                        "Clear the causes (override the match exceptions or close the dispute) to release it.",
                        move=move.display_name,
                        reasons=move.ispec_hold_reason,
                    )
                )
        res = super().action_toggle_block_payment()
        self.filtered(lambda m: m.payment_state != "blocked").ispec_block_by_addon = False
        return res

    # ------------------------------------------------------------------
    # PAYMENT HOLDS: one mechanism for every capability that holds a payment
    # ------------------------------------------------------------------

    def _ispec_payment_hold_reasons(self):
        """Return {move_id: [reason, ...]} for the moves of ``self`` whose payment must be held.

        Each capability (bill matching, disputes) gives its own reasons for the whole recordset
        at once; this merges them.
        """
        reasons = {}
        for source in self._ispec_payment_hold_sources():
            for move_id, texts in source(self).items():
                reasons.setdefault(move_id, []).extend(texts)
        return reasons

    def _ispec_payment_hold_sources(self):
        """The functions ``moves -> {move_id: [reason, ...]}`` of each capability that holds payments."""
        return [self.env["ispec.dispute"]._payment_hold_reasons, self._ispec_match_hold_reasons]

    def _ispec_open_dispute_amounts(self):
        """Return {move_id: amount} currently disputed on the moves of ``self``, in each move's
        currency. Statements and follow-up leave these amounts out of what is due; the dispute
        capability fills it in for the whole recordset at once."""
        return self.env["ispec.dispute"]._open_amounts_by_move(self)

    def _ispec_sync_payment_block(self):
        """Block or release payment according to the current hold reasons.

        Blocks only bills that are not blocked yet and remembers it did; releases only the
        blocks it set itself, so a block a person set by hand is never cleared.
        """
        reasons = self._ispec_payment_hold_reasons()
        # A hold is not a person's edit: Odoo's import and EDI flows must still see the bill as untouched.
        self = self.with_context(skip_is_manually_modified=True)  # noqa: PLW0642
        to_block = self.filtered(
            lambda m: reasons.get(m.id)
            and m.state == "posted"
            and m.payment_state in ("not_paid", "partial")
        )
        to_release = self.filtered(
            lambda m: not reasons.get(m.id) and m.ispec_block_by_addon and m.payment_state == "blocked"
        )
        if to_block:
            to_block.write({"payment_state": "blocked", "ispec_block_by_addon": True})
        if to_release:
            to_release.write({"payment_state": "not_paid", "ispec_block_by_addon": False})
            # Let Odoo recompute the true state (partial, paid, ...) as its own unblock does.
            self.env.add_to_compute(self._fields["payment_state"], to_release)
        stale = self.filtered(lambda m: m.ispec_block_by_addon and m.payment_state != "blocked")
        if stale:
            stale.ispec_block_by_addon = False

    def _ispec_check_payable(self):
        """Refuse to pay documents that Invoicing Control holds, naming each one and why."""
        reasons = self._ispec_payment_hold_reasons()
        held = self.filtered(lambda m: reasons.get(m.id))
        if held:
            lines = [
                "- %s: %s" % (move.display_name, "; ".join(reasons[move.id])) for move in held
            ]
            raise UserError(
                self.env._(
                    "These documents cannot be paid while Invoicing Control holds them:\n%(lines)s\n"
                    "Resolve or override the causes first.",
                    lines="\n".join(lines),
                )
            )

    # ------------------------------------------------------------------
    # --- DISPUTES ---
    # ------------------------------------------------------------------

    ispec_dispute_ids = fields.One2many("ispec.dispute", "move_id", string="Disputes")
    ispec_dispute_id = fields.Many2one(
        "ispec.dispute", string="From Dispute", copy=False, readonly=True, index="btree_not_null",
        help="The dispute this credit note or write-off resolves.",
    )
    ispec_dispute_count = fields.Integer(compute="_compute_ispec_dispute", string="Dispute Count")
    ispec_disputed_amount = fields.Monetary(
        compute="_compute_ispec_dispute", string="Amount in Dispute", currency_field="currency_id",
    )
    ispec_in_dispute = fields.Boolean(
        compute="_compute_ispec_in_dispute", store=True, string="In Dispute",
        help="An open or under-review dispute case exists on this invoice.",
    )

    @api.depends("ispec_dispute_ids.state", "ispec_dispute_ids.amount_current")
    def _compute_ispec_dispute(self):
        amounts = self._ispec_open_dispute_amounts()
        for move in self:
            move.ispec_dispute_count = len(move.ispec_dispute_ids)
            move.ispec_disputed_amount = amounts.get(move.id, 0.0)

    @api.depends("ispec_dispute_ids.state")
    def _compute_ispec_in_dispute(self):
        for move in self:
            move.ispec_in_dispute = any(d.state in ("open", "review") for d in move.ispec_dispute_ids)

    def _ispec_apply_dispute_effects(self):
        """Bring follow-up flags and payment blocks in line with the open cases of these invoices.

        Customer invoices: while a case is open their receivable lines leave follow-up; the value each
        line had before is kept and restored exactly when the last case ends. Vendor bills: the
        payment is held through the shared payment-hold mechanism.
        """
        self.env["ispec.dispute"].flush_model(["state", "move_id"])
        self.invalidate_recordset(["ispec_in_dispute"])
        invoices = self.filtered(lambda m: m.move_type == "out_invoice")
        receivable = invoices.line_ids.filtered(lambda line: line.account_type == "asset_receivable")
        in_dispute = receivable.filtered(lambda line: line.move_id.ispec_in_dispute)
        to_flag = in_dispute.filtered(lambda line: not line.ispec_followup_by_dispute)
        for saved, lines in to_flag.grouped("no_followup").items():
            lines.write({"ispec_followup_saved": saved, "ispec_followup_by_dispute": True, "no_followup": True})
        to_restore = (receivable - in_dispute).filtered("ispec_followup_by_dispute")
        for saved, lines in to_restore.grouped("ispec_followup_saved").items():
            lines.write({"no_followup": saved, "ispec_followup_by_dispute": False})
        self.filtered(lambda m: m.move_type == "in_invoice")._ispec_sync_payment_block()

    def action_ispec_open_dispute(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Open Dispute"),
            "res_model": "ispec.dispute",
            "view_mode": "form",
            "target": "new",
            "context": {"default_move_id": self.id, "default_amount_original": self.amount_residual},
        }

    def action_ispec_view_disputes(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Disputes"),
            "res_model": "ispec.dispute",
            "view_mode": "list,form",
            "domain": [("move_id", "=", self.id)],
            "context": {"default_move_id": self.id},
        }

    # ------------------------------------------------------------------
    # --- BILL MATCHING ---
    # ------------------------------------------------------------------

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
        res = super().write(vals)
        if {"invoice_line_ids", "line_ids", "invoice_date", "currency_id", "partner_id"} & set(vals):
            self._ispec_match_recheck()
        return res

    def _post(self, soft=True):
        self._ispec_match_recheck()
        refused = self.filtered(lambda m: m.ispec_match_state == "exception"
                                and m.company_id.ispec_match_mode == "refuse")
        if refused:
            reasons = refused._ispec_match_hold_reasons()
            raise UserError(self.env._(
                "These bills do not match their purchase orders and cannot be posted:\n%(lines)s\n"
                "Correct the bill, wait for the receipt, or ask a manager to change the tolerances.",
                lines="\n".join("- %s: %s" % (m.display_name, "; ".join(reasons[m.id])) for m in refused)))
        posted = super()._post(soft=soft)
        posted._ispec_match_recheck()
        return posted

    def action_ispec_match_recheck(self):
        self.check_access("write")  # a recheck changes the bill's state and may block its payment
        self._ispec_match_recheck()

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

    def _ispec_match_hold_reasons(self, moves=None):
        """{bill_id: [reason, ...]} of bills with match exceptions, where the company blocks payment."""
        moves = self if moves is None else moves
        held = moves.filtered(lambda m: m.ispec_match_state == "exception"
                              and m.company_id.ispec_match_mode in ("block", "refuse"))
        return {move.id: move.invoice_line_ids._ispec_match_reason_texts() for move in held}
