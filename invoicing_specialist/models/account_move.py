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
        return res

    # ------------------------------------------------------------------
    # PAYMENT HOLDS: one mechanism for every capability that holds a payment
    # ------------------------------------------------------------------

    def _ispec_payment_hold_reasons(self):
        """Return {move_id: [reason, ...]} for the moves of ``self`` whose payment must be held.

        Each capability that holds payments (bill matching, disputes) extends this method in its own
        file, adds its reasons for the whole recordset at once and returns the merged dict.
        """
        return {}

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
