from markupsafe import escape

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..kernels import match as kernel


class IspecMatchOverride(models.Model):
    """A manager's acceptance of a bill line's match exception. It lasts as long as the line is
    unchanged (quantity, price, discount, unit, product, PO line, currency) and shows no reason
    beyond those accepted; then it expires, the line is an exception again, and the record stays
    as the audit trail of who accepted what, when and why. No group may delete one; only deleting a
    draft bill takes its overrides along."""

    _name = "ispec.match.override"
    _description = "Bill Matching Override"
    _order = "create_date desc, id desc"
    _rec_name = "move_id"

    move_id = fields.Many2one("account.move", string="Bill", required=True, readonly=True, index=True,
                              ondelete="cascade")
    line_id = fields.Many2one("account.move.line", string="Bill Line", readonly=True, index=True,
                              ondelete="set null")
    line_label = fields.Char(string="Line", readonly=True, help="The line as it was when overridden.")
    company_id = fields.Many2one(related="move_id.company_id", store=True, index=True)
    partner_id = fields.Many2one(related="move_id.commercial_partner_id", string="Vendor", store=True)
    purchase_line_id = fields.Many2one("purchase.order.line", string="PO Line", readonly=True)
    reason_ids = fields.Many2many("ispec.match.reason", string="Accepted Reasons", readonly=True)
    note = fields.Text(string="Why", required=True, readonly=True)
    user_id = fields.Many2one("res.users", string="Overridden By", required=True, readonly=True,
                              default=lambda self: self.env.user)
    date = fields.Datetime(string="Overridden On", required=True, readonly=True, default=fields.Datetime.now)
    state = fields.Selection([("active", "Active"), ("expired", "Expired")], default="active", required=True,
                             readonly=True, index=True)
    expired_on = fields.Datetime(readonly=True)
    expiry_note = fields.Char(string="Why It Expired", readonly=True)
    fingerprint = fields.Char(readonly=True, help="The line's quantity, price, discount, unit, product, PO line "
                              "and currency when overridden; any change expires the override.")
    # The figures the manager saw, for the audit trail.
    currency_id = fields.Many2one(related="move_id.currency_id")
    qty_ordered = fields.Float(string="Ordered", digits="Product Unit", readonly=True)
    qty_received = fields.Float(string="Received", digits="Product Unit", readonly=True)
    qty_billed = fields.Float(string="Billed (all bills)", digits="Product Unit", readonly=True)
    po_price = fields.Float(string="PO Price", digits="Product Price", readonly=True)
    bill_price = fields.Float(digits="Product Price", readonly=True)

    @api.model
    def _override_lines(self, lines, note):
        """Accept the match exceptions of ``lines`` (exception lines of bills) with the manager's ``note``.
        A line's earlier active override is expired in favour of the new one."""
        self._check_may_override()
        if not (note or "").strip():
            raise UserError(self.env._("Say why the match exception is accepted: the reason is required."))
        lines = lines.filtered(lambda line: line.ispec_match_state == kernel.EXCEPTION)
        bills = lines.move_id
        self.search([("line_id", "in", lines.ids), ("state", "=", "active")])._expire(
            self.env._("Replaced by a new override"))
        reasons = self.env["ispec.match.reason"]._by_code()
        overrides = self.create([{
            "move_id": line.move_id.id, "line_id": line.id, "purchase_line_id": line.purchase_line_id.id,
            "line_label": line.product_id.display_name or line.name,
            "reason_ids": [reasons[code].id for code in kernel.split_reasons(line.ispec_match_reasons)
                           if code in reasons],
            "note": note.strip(), "fingerprint": line._ispec_match_fingerprint(),
            "qty_ordered": line.ispec_qty_ordered, "qty_received": line.ispec_qty_received,
            "qty_billed": line.ispec_qty_billed, "po_price": line.ispec_po_price, "bill_price": line.ispec_bill_price,
        } for line in lines])
        overrides._log_on_bills(lambda bill_overrides: self.env._(
            "Match exception overridden by %(user)s: %(note)s. Lines: %(lines)s.",
            user=self.env.user.name, note=note.strip(),
            lines="; ".join("%s (%s)" % (o.line_label, ", ".join(o.reason_ids.mapped("name")))
                            for o in bill_overrides)))
        self.env["ispec.match"]._check_bills(bills)
        return overrides

    def _expire(self, why):
        """Expire these overrides and say so on each bill's chatter; the records stay for the audit."""
        if not self:
            return
        # sudo: expiry follows from a change a user may make (a bill edit, a receipt); only managers
        # may write overrides by hand, and nothing of the override but its expiry is changed here.
        self.sudo().write({"state": "expired", "expired_on": fields.Datetime.now(), "expiry_note": why})
        self._log_on_bills(lambda bill_overrides: self.env._(
            "Match override expired (%(why)s): %(lines)s. The lines are checked afresh.",
            why=why, lines=", ".join(bill_overrides.mapped("line_label"))))

    def _log_on_bills(self, text_of):
        """One note on each bill of these overrides, ``text_of(the bill's overrides)``, in one batch.
        The callers have checked the rights already (a manager's override, a change to the bill)."""
        bodies = {bill.id: escape(text_of(overrides)) for bill, overrides in self.grouped("move_id").items()}
        self.move_id._message_log_batch(bodies=bodies)

    @api.model
    def _check_may_override(self):
        if not self.env.user._is_ispec_manager():
            raise UserError(self.env._("Only an Invoicing Specialist manager can override a match exception."))
