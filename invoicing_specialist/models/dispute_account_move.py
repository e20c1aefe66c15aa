from odoo import api, fields, models

from .dispute import OPEN_STATES


class AccountMove(models.Model):
    """Disputes on invoices and bills: counts, follow-up while disputed, the bill's payment hold."""

    _inherit = "account.move"

    ispec_dispute_ids = fields.One2many("ispec.dispute", "move_id", string="Disputes")
    ispec_dispute_id = fields.Many2one(
        "ispec.dispute", string="From Dispute", copy=False, readonly=True, index="btree_not_null",
        help="The dispute this credit note or write-off resolves.",
    )
    # compute_sudo: a count and an amount that every user who opens the invoice may see (Accounting's own
    # groups have no access to the cases themselves); nothing of the cases is shown but these two figures.
    ispec_dispute_count = fields.Integer(compute="_compute_ispec_dispute", string="Dispute Count", compute_sudo=True)
    ispec_disputed_amount = fields.Monetary(
        compute="_compute_ispec_dispute", string="Amount in Dispute", currency_field="currency_id",
        compute_sudo=True,
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
            move.ispec_in_dispute = any(d.state in OPEN_STATES for d in move.ispec_dispute_ids)

    def action_ispec_open_dispute(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Open Dispute"),
            "res_model": "ispec.dispute",
            "view_mode": "form",
            "views": [(self.env.ref("invoicing_specialist.ispec_dispute_view_form_open").id, "form")],
            "target": "new",
            # No default amount: the case computes it (the open amount, or what the disputed lines add up to).
            "context": {"default_move_id": self.id},
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
        (receivable - in_dispute).filtered("ispec_followup_by_dispute")._ispec_restore_followup()
        self.filtered(lambda m: m.move_type == "in_invoice")._ispec_sync_payment_block()

    def _ispec_open_dispute_amounts(self, date=None):
        """Return {move_id: amount} disputed on the moves of ``self`` (now, or on ``date``), in each
        move's currency. Statements and follow-up leave these amounts out of what is due."""
        return self.env["ispec.dispute"]._open_amounts_by_move(self, date=date)

    def _ispec_reduces_debt_of(self, bills):
        # A dispute's write-off lowers the debt of a held bill; it does not pay it.
        return super()._ispec_reduces_debt_of(bills) or bool(self.ispec_dispute_id)

    def _ispec_payment_hold_reasons(self):
        return self._ispec_add_hold_reasons(
            super()._ispec_payment_hold_reasons(), self.env["ispec.dispute"]._payment_hold_reasons(self))


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    # The follow-up flag a receivable line had before its invoice went into dispute, restored
    # exactly when the last case ends (so a flag a person set by hand stays).
    ispec_followup_saved = fields.Boolean(copy=False, readonly=True)
    ispec_followup_by_dispute = fields.Boolean(copy=False, readonly=True)

    def _ispec_restore_followup(self):
        """Give these lines, taken out of follow-up by a dispute, the follow-up flag they had before."""
        for saved, lines in self.grouped("ispec_followup_saved").items():
            lines.write({"no_followup": saved, "ispec_followup_by_dispute": False})
        return self

    def _ispec_open_term_lines(self):
        """The receivable and payable lines among these that are not fully reconciled: what a dispute's
        credit note or write-off settles on its invoice."""
        return self.filtered(
            lambda line: line.account_type in ("asset_receivable", "liability_payable") and not line.reconciled)
