from odoo import api, fields, models
from odoo.exceptions import UserError


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
        return True if res is None else res  # Odoo's returns None, which XML-RPC clients cannot take

    # ------------------------------------------------------------------
    # PAYMENT HOLDS: one mechanism for every capability that holds a payment
    # ------------------------------------------------------------------

    def _ispec_payment_hold_reasons(self):
        """Return {move_id: [reason, ...]} for the moves of ``self`` whose payment must be held.

        Each capability that holds payments (bill matching, disputes) extends this method in its own
        file, adds its reasons for the whole recordset at once and returns the merged dict.
        """
        return {}

    @api.model
    def _ispec_add_hold_reasons(self, reasons, more):
        """``reasons`` with the {move_id: [reason, ...]} of ``more`` added: how an extension of
        ``_ispec_payment_hold_reasons`` adds its capability's reasons to those of ``super()``."""
        for move_id, texts in more.items():
            reasons.setdefault(move_id, []).extend(texts)
        return reasons

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

    def _ispec_check_payable(self, reasons=None):
        """Refuse to pay documents that Invoicing Control holds, naming each one and why."""
        reasons = self._ispec_payment_hold_reasons() if reasons is None else reasons
        held = self.filtered(lambda m: reasons.get(m.id))
        if held:
            raise UserError(
                self.env._(
                    "These documents cannot be paid while Invoicing Control holds them:\n%(lines)s\n"
                    "Resolve or override the causes first.",
                    lines=held._ispec_reason_lines(reasons),
                )
            )

    def _ispec_reason_lines(self, reasons):
        """One line per document of ``self``, "- name: reason; reason", from {move_id: [reason, ...]}:
        how a refusal (payment held, posting refused) names each document and why."""
        return "\n".join("- %s: %s" % (move.display_name, "; ".join(reasons[move.id])) for move in self)

    def _ispec_release_all_payment_holds(self):
        """Uninstall: release every block this addon set, and no block a person set by hand."""
        blocked = self.search([("ispec_block_by_addon", "=", True), ("payment_state", "=", "blocked")])
        blocked.with_context(skip_is_manually_modified=True).write(
            {"payment_state": "not_paid", "ispec_block_by_addon": False})
        # Odoo's own unblock: let the payment state be recomputed (partial, paid, ...).
        self.env.add_to_compute(self._fields["payment_state"], blocked)
        return blocked

    def _ispec_reduces_debt_of(self, bills):
        """Whether this entry lowers what is owed on ``bills`` rather than paying it: a credit note or a
        reversal. Capabilities that post such entries of their own (dispute write-offs) extend this."""
        self.ensure_one()
        return bool(self.move_type in ("in_refund", "out_refund") or self.reversed_entry_id & bills)


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    def _reconcile_pre_hook(self):
        """Refuse to settle a held bill by reconciliation (manual or bank reconciliation), as the payment
        button and wizard refuse it. Reducing what is owed stays possible: credit notes, reversals and
        dispute write-offs still reconcile."""
        self._ispec_check_reconcile_holds()
        return super()._reconcile_pre_hook()

    def _ispec_check_reconcile_holds(self):
        moves = self.move_id
        bills = moves.filtered(lambda m: m.move_type == "in_invoice" and m.state == "posted")
        if not bills:
            return
        reasons = bills._ispec_payment_hold_reasons()
        held = bills.filtered(lambda m: reasons.get(m.id))
        if not held:
            return
        settling = (moves - held).filtered(lambda m: not m._ispec_reduces_debt_of(held))
        if settling:
            held._ispec_check_payable(reasons)
