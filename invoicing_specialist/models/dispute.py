from datetime import timedelta

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL

from .cron_batch import commit_in_batches, search_batches

OPEN_STATES = ("open", "review")
# First key of the PostgreSQL advisory lock that lets one transaction at a time open or accept cases on an
# invoice (the second key is the invoice's id); any constant of this addon's own.
INVOICE_LOCK_NAMESPACE = 0x15EC0D
# Allowed transitions: target state -> states it may come from.
TRANSITIONS = {
    "open": ("draft",),
    "review": ("open",),
    "accepted": ("open", "review"),
    "rejected": ("open", "review"),
    "cancel": ("draft", "open", "review"),
}


class IspecDispute(models.Model):
    _name = "ispec.dispute"
    _description = "Invoice Dispute"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "create_date desc, id desc"
    _check_company_auto = True

    # Numbered once the case is saved (create succeeded): a refused attempt uses up no number.
    name = fields.Char(string="Number", readonly=True, copy=False)
    move_id = fields.Many2one(
        "account.move", string="Invoice", required=True, index=True, check_company=True, tracking=True,
        domain="[('move_type', 'in', ('out_invoice', 'in_invoice')), ('state', '=', 'posted')]",
    )
    move_type = fields.Selection(related="move_id.move_type")
    company_id = fields.Many2one(related="move_id.company_id", store=True, index=True, precompute=True)
    partner_id = fields.Many2one(
        "res.partner", compute="_compute_partner", store=True, precompute=True, index=True,
    )
    contact_id = fields.Many2one(
        "res.partner", compute="_compute_partner", store=True, precompute=True, readonly=False,
    )
    currency_id = fields.Many2one(related="move_id.currency_id", store=True, precompute=True)
    company_currency_id = fields.Many2one(related="company_id.currency_id", string="Company Currency")
    scope = fields.Selection(
        [("invoice", "Whole Invoice"), ("lines", "Invoice Lines")], required=True, default="invoice",
        tracking=True,
    )
    line_ids = fields.One2many("ispec.dispute.line", "dispute_id", string="Disputed Lines", copy=True)
    amount_original = fields.Monetary(
        string="Disputed Amount", currency_field="currency_id", tracking=True,
        compute="_compute_amount_original", store=True, readonly=False,
        help="The amount the customer or we question, in the invoice's currency (taxes included).",
    )
    amount_current = fields.Monetary(
        string="Currently Disputed", currency_field="currency_id", readonly=True, copy=False,
        help="What is still in dispute: the disputed amount less what was credited or written off.",
    )
    amount_credited = fields.Monetary(currency_field="currency_id", readonly=True, copy=False)
    amount_written_off = fields.Monetary(currency_field="currency_id", readonly=True, copy=False)
    amount_current_company = fields.Monetary(
        string="Currently Disputed (Company Currency)", currency_field="company_currency_id",
        compute="_compute_amount_current_company",
    )
    # Required by the form and _check_disputable, not by the database: uninstalling the addon deletes
    # the seeded reasons before the cases' table, and a used reason can otherwise only be archived.
    reason_id = fields.Many2one("ispec.dispute.reason", tracking=True, check_company=True, ondelete="set null")
    category = fields.Selection(related="reason_id.category", store=True)
    root_cause = fields.Text(help="Why the dispute happened, recorded when it is resolved.")
    user_id = fields.Many2one(
        "res.users", string="Owner", tracking=True, default=lambda self: self.env.user,
        domain="[('share', '=', False)]",
    )
    team = fields.Char()
    priority = fields.Selection([("0", "Normal"), ("1", "High"), ("2", "Urgent")], default="0")
    deadline = fields.Date(tracking=True)
    comment_customer = fields.Html(string="Customer-Facing Comment")
    comment_internal = fields.Html(string="Internal Notes")
    rejection_reason = fields.Text(tracking=True, copy=False)
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("open", "Open"),
            ("review", "Under Review"),
            ("accepted", "Resolved: Accepted"),
            ("rejected", "Resolved: Rejected"),
            ("cancel", "Cancelled"),
        ],
        default="draft", required=True, tracking=True, copy=False, index=True,
    )
    is_overdue = fields.Boolean(
        readonly=True, copy=False, index=True,
        help="Open past its deadline. Cleared when the deadline moves to today or later or the case closes; a case "
        "that falls overdue again is announced again.",
    )
    overdue_digest_pending = fields.Boolean(
        readonly=True, copy=False, index="btree_not_null",
        help="Flagged overdue and not yet listed in its owner's daily digest.",
    )
    overdue_digest_date = fields.Date(readonly=True, copy=False, help="The day of the last digest that listed it.")
    date_opened = fields.Date(readonly=True, copy=False)
    date_resolved = fields.Date(readonly=True, copy=False)
    date_closed = fields.Date(
        readonly=True, copy=False,
        help="When the case stopped being open: accepted, rejected or cancelled. A statement as of an earlier "
        "date still shows it as disputed.",
    )
    days_to_resolve = fields.Integer(
        compute="_compute_days_to_resolve", store=True, aggregator="avg",
        help="Days from opening to resolution.",
    )

    # ------------------------------------------------------------------
    # COMPUTES
    # ------------------------------------------------------------------

    @api.depends("move_id")
    def _compute_partner(self):
        for dispute in self:
            dispute.partner_id = dispute.move_id.commercial_partner_id
            dispute.contact_id = dispute.move_id.partner_id

    @api.depends("move_id", "scope", "line_ids.amount")
    def _compute_amount_original(self):
        for dispute in self:
            if dispute.scope == "lines":
                # The disputed lines make the amount (read-only on the form in this scope).
                dispute.amount_original = dispute._lines_amount()
            elif not dispute.amount_original and dispute.move_id:
                dispute.amount_original = dispute.move_id.amount_residual
            else:
                dispute.amount_original = dispute.amount_original

    @api.depends("name", "move_id")
    def _compute_display_name(self):
        for dispute in self:
            dispute.display_name = dispute.name or (
                self.env._("New dispute on %(move)s", move=dispute.move_id.name) if dispute.move_id.name
                else self.env._("New dispute"))

    @api.depends("amount_current", "currency_id", "move_id.date")
    def _compute_amount_current_company(self):
        for dispute in self:
            dispute.amount_current_company = dispute.currency_id._convert(
                dispute.amount_current, dispute.company_currency_id, dispute.company_id,
                dispute.move_id.date or fields.Date.context_today(dispute),
            ) if dispute.currency_id else 0.0

    @api.depends("date_opened", "date_resolved")
    def _compute_days_to_resolve(self):
        for dispute in self:
            if dispute.date_opened and dispute.date_resolved:
                dispute.days_to_resolve = (dispute.date_resolved - dispute.date_opened).days
            else:
                dispute.days_to_resolve = 0

    # ------------------------------------------------------------------
    # CONSTRAINTS AND ONCHANGES
    # ------------------------------------------------------------------

    @api.constrains("move_id", "amount_original", "state", "reason_id")
    def _check_invoice_and_amount(self):
        self.line_ids._check_invoice_line()
        self.filtered(lambda d: d.state == "draft")._check_disputable()

    def _check_disputable(self):
        for dispute in self:
            move = dispute.move_id
            if not dispute.reason_id:
                raise ValidationError(self.env._("Choose a reason for the dispute on %(move)s.",
                                                 move=move.display_name))
            if move.move_type not in ("out_invoice", "in_invoice"):
                raise ValidationError(self.env._(
                    "%(move)s is not a customer invoice or vendor bill: only those can be disputed.",
                    move=move.display_name))
            if move.state != "posted":
                raise ValidationError(self.env._(
                    "%(move)s is not posted (it is %(state)s): post it before opening a dispute.",
                    move=move.display_name, state=dict(move._fields["state"].selection)[move.state]))
            currency = dispute.currency_id
            if move.payment_state in ("paid", "in_payment", "reversed") or currency.is_zero(move.amount_residual):
                raise ValidationError(self.env._(
                    "%(move)s is fully paid: there is nothing left to dispute. Issue a refund instead.",
                    move=move.display_name))
            if currency.compare_amounts(dispute.amount_original, 0.0) <= 0:
                raise ValidationError(self.env._(
                    "The disputed amount on %(move)s must be greater than zero.", move=move.display_name))
            if currency.compare_amounts(
                    dispute.amount_original, move.amount_residual) > 0:
                raise ValidationError(self.env._(
                    "The disputed amount %(amount)s is more than what is still open on %(move)s (%(residual)s). "
                    "Dispute at most the open amount.",
                    amount=dispute._format(dispute.amount_original), move=move.display_name,
                    residual=dispute._format(move.amount_residual)))

    @api.onchange("reason_id")
    def _onchange_reason_id(self):
        if self.reason_id:
            if self.reason_id.owner_id:
                self.user_id = self.reason_id.owner_id
            self.deadline = fields.Date.context_today(self) + timedelta(days=self.reason_id.deadline_days)

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        disputes = super().create(vals_list)
        disputes._sync_lines_amount()
        # Validated before a number is drawn: a refused case uses up none (a sequence number is never given back).
        disputes.filtered(lambda d: d.state == "draft")._check_disputable()
        disputes.line_ids._check_invoice_line()
        for dispute in disputes:
            values = {}
            if not dispute.name:
                values["name"] = self.env["ir.sequence"].next_by_code("ispec.dispute")
            if not dispute.deadline and dispute.reason_id:
                values["deadline"] = fields.Date.context_today(dispute) + timedelta(
                    days=dispute.reason_id.deadline_days)
            if values:
                dispute.write(values)
        return disputes

    def write(self, vals):
        result = super().write(vals)
        if {"amount_original", "scope", "line_ids"} & vals.keys():
            self._sync_lines_amount()
        if {"deadline", "state"} & vals.keys():
            today = fields.Date.context_today(self)
            self.filtered(lambda d: d.is_overdue and not (
                d.state in OPEN_STATES and d.deadline and d.deadline < today
            )).write({"is_overdue": False, "overdue_digest_pending": False})
        return result

    @api.ondelete(at_uninstall=False)
    def _unlink_except_worked_cases(self):
        if self.filtered(lambda d: d.state not in ("draft", "cancel")):
            raise UserError(self.env._("Only draft or cancelled disputes can be deleted; cancel the case instead."))

    # ------------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------------

    def action_open(self):
        self._check_disputable()
        self._check_open_total()
        self._move_to("open")
        for dispute in self:
            dispute.write({
                "amount_current": dispute.amount_original,
                "date_opened": fields.Date.context_today(dispute),
            })
            if dispute.user_id:
                dispute.activity_schedule(
                    "mail.mail_activity_data_todo",
                    date_deadline=dispute.deadline or fields.Date.context_today(dispute),
                    summary=self.env._("Work dispute %(name)s", name=dispute.name),
                    user_id=dispute.user_id.id,
                )
            dispute._log_on_invoice(self.env._(
                "Dispute %(case)s opened for %(amount)s: %(reason)s.", case=dispute._get_html_link(),
                amount=dispute._format(dispute.amount_original), reason=dispute.reason_id.name))
        self.move_id._ispec_apply_dispute_effects()
        return True

    def action_review(self):
        self._move_to("review")
        return True

    def action_accept(self):
        """Resolve in the customer's (or our) favour: a credit note for the disputed amount,
        made with Odoo's own reversal, posted and reconciled with the invoice."""
        self._check_resolution_rights()
        # Checked again: a payment or another case's credit note may have lowered what is open since opening.
        self._check_open_total()
        self._move_to("accepted")
        for dispute in self:
            credit_note = dispute._create_credit_note()
            dispute.write({
                "amount_credited": credit_note.amount_total,
                "amount_current": 0.0,
                "date_resolved": fields.Date.context_today(dispute),
                "date_closed": fields.Date.context_today(dispute),
                "is_overdue": False,
            })
            dispute._log_on_invoice(self.env._(
                "Dispute %(case)s accepted: credit note %(note)s for %(amount)s.", case=dispute._get_html_link(),
                note=credit_note._get_html_link(), amount=dispute._format(credit_note.amount_total)))
        self._close_activities()
        self.move_id._ispec_apply_dispute_effects()
        return True

    def action_reject(self):
        for dispute in self:
            if not (dispute.rejection_reason or "").strip():
                raise UserError(self.env._(
                    "Write why %(name)s is rejected in 'Rejection Reason' before rejecting it: "
                    "the customer is told.", name=dispute.name))
        self._check_resolution_rights()
        self._move_to("rejected")
        today = fields.Date.context_today(self)
        self.write({"amount_current": 0.0, "date_resolved": today, "date_closed": today, "is_overdue": False})
        template = self.env.ref("invoicing_specialist.mail_template_dispute_rejected", raise_if_not_found=False)
        for dispute in self:
            if template and dispute.move_type == "out_invoice":
                dispute.message_post_with_source(template, subtype_xmlid="mail.mt_comment")
            dispute._log_on_invoice(self.env._(
                "Dispute %(case)s rejected: %(reason)s", case=dispute._get_html_link(),
                reason=dispute.rejection_reason))
        self._close_activities()
        self.move_id._ispec_apply_dispute_effects()
        return True

    def action_cancel(self):
        self._move_to("cancel")
        self.write({"amount_current": 0.0, "is_overdue": False, "date_closed": fields.Date.context_today(self)})
        self._close_activities()
        self.move_id._ispec_apply_dispute_effects()
        return True

    # ------------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------------

    def _lines_amount(self):
        return sum(self.line_ids.mapped("amount"))

    def _sync_lines_amount(self):
        """A case on lines disputes what its lines add up to, whatever a default or a client sent."""
        for dispute in self.filtered(lambda d: d.scope == "lines" and d.state == "draft"):
            amount = dispute._lines_amount()
            if dispute.currency_id.compare_amounts(dispute.amount_original, amount):
                dispute.amount_original = amount

    def _log_on_invoice(self, body):
        """A note in the invoice's chatter (no notification): whoever reads the invoice sees the case's steps."""
        self.move_id._message_log(body=body)

    def _format(self, amount):
        return self.currency_id.format(amount) if self.currency_id else str(amount)

    def _move_to(self, state):
        allowed = TRANSITIONS[state]
        labels = dict(self._fields["state"].selection)
        for dispute in self:
            if dispute.state not in allowed:
                raise UserError(self.env._(
                    "%(name)s is %(current)s and cannot become %(target)s. Allowed from: %(allowed)s.",
                    name=dispute.name, current=labels[dispute.state], target=labels[state],
                    allowed=", ".join(labels[s] for s in allowed)))
        self.write({"state": state})

    def _check_resolution_rights(self):
        if self.env.user._is_ispec_manager():
            return
        for dispute in self:
            limit = dispute.company_id.ispec_dispute_approval_amount
            if limit and dispute.company_currency_id.compare_amounts(dispute.amount_current_company, limit) > 0:
                raise AccessError(self.env._(
                    "%(name)s disputes %(amount)s, above the %(limit)s a specialist may resolve. "
                    "Ask an Invoicing Specialist manager.",
                    name=dispute.name, amount=dispute.company_currency_id.format(dispute.amount_current_company),
                    limit=dispute.company_currency_id.format(limit)))

    def _check_open_total(self):
        """The cases open on an invoice (with ``self``, about to open or be accepted) may together
        dispute at most what is still open on it: otherwise their credit notes credit more than is due.
        Two people opening cases on one invoice at the same moment would each see only their own: the
        invoice is held for the rest of the transaction, and the second is asked to try again."""
        self._lock_invoices()
        for move in self.move_id:
            mine = self.filtered(lambda d, move=move: d.move_id == move)
            others = self.search([("move_id", "=", move.id), ("state", "in", OPEN_STATES), ("id", "not in", mine.ids)],
                                 order="id")
            cases = others | mine
            amounts = {case: case.amount_current if case.state in OPEN_STATES else case.amount_original
                       for case in cases}
            total = sum(amounts.values())
            if move.currency_id.compare_amounts(total, move.amount_residual) > 0:
                raise ValidationError(self.env._(
                    "%(cases)s together dispute %(total)s on %(move)s, more than the %(residual)s still open on it. "
                    "Lower the amount of a case or cancel one of them.",
                    cases=", ".join(f"{case.display_name} ({case._format(amount)})"
                                    for case, amount in amounts.items()),
                    total=mine[:1]._format(total), move=move.display_name,
                    residual=mine[:1]._format(move.amount_residual)))

    def _lock_invoices(self):
        for move in self.move_id:
            locked = self.env.execute_query(SQL(
                "SELECT pg_try_advisory_xact_lock(%s, %s)", INVOICE_LOCK_NAMESPACE, move.id))[0][0]
            if not locked:
                raise UserError(self.env._(
                    "Someone else is opening or resolving a dispute on %(move)s at this moment. "
                    "Try again in a moment: the amounts will then include their case.", move=move.display_name))

    def _close_activities(self):
        self.activity_ids.action_feedback(feedback=self.env._("Dispute resolved or cancelled."))

    @api.model
    def _open_amounts_by_move(self, moves, date=None):
        """{move_id: amount disputed} over the cases of ``moves``, in each move's currency.

        Without ``date``: the cases open now, at their current amount. With ``date``: the cases that were
        open on that date (opened on or before it, closed after it or not at all), at the amount they
        disputed then, so that a statement as of a past date shows the same figures when reprinted.
        """
        if not moves.ids:
            return {}
        if date is None:
            domain, amount = [("state", "in", OPEN_STATES)], "amount_current:sum"
        else:
            domain = [("date_opened", "<=", date), "|", ("date_closed", "=", False), ("date_closed", ">", date)]
            amount = "amount_original:sum"
        # sudo: every user who sees an invoice (billing clerks outside the Invoicing Specialist groups,
        # follow-up, statements) must see how much of it is disputed; only sums on these moves are read.
        groups = self.sudo()._read_group([("move_id", "in", moves.ids), *domain], ["move_id"], [amount])
        return {move.id: total for move, total in groups}

    @api.model
    def _payment_hold_reasons(self, moves):
        """{bill_id: ["Open dispute DSP/..."]}: a vendor bill's payment is held while a case is open."""
        bills = moves.filtered(lambda m: m.move_type == "in_invoice")
        reasons = {}
        if bills.ids:
            # sudo: whoever opens or pays a bill must learn why it is held; only case numbers are read.
            cases = self.sudo().search([("move_id", "in", bills.ids), ("state", "in", OPEN_STATES)], order="id")
            for dispute in cases:
                reasons.setdefault(dispute.move_id.id, []).append(
                    self.env._("Open dispute %(name)s", name=dispute.name))
        return reasons

    @api.model
    def _cron_flag_overdue(self, batch_size=200, owner_batch_size=50):
        """Daily: mark cases past their deadline overdue and give the dispute manager an activity for each,
        then mail each owner one digest of the cases newly overdue.

        Each batch is committed with what it did (flag and activity, or digest and the cases it lists), so a
        run that is killed or out of time resumes where it stopped and does nothing twice. Digests go out
        once every case is flagged, so an owner gets one digest per day whatever the batching; a case that
        falls overdue after its owner's digest of the day waits for the next day's."""
        today = fields.Date.context_today(self)
        domain = [("state", "in", OPEN_STATES), ("is_overdue", "=", False), ("deadline", "<", today)]

        def flag(batch):
            batch.write({"is_overdue": True, "overdue_digest_pending": True})
            for dispute in batch:
                manager = dispute.company_id.ispec_dispute_manager_id or dispute.reason_id.owner_id
                if manager:
                    dispute.activity_schedule(
                        "mail.mail_activity_data_todo", user_id=manager.id, date_deadline=today,
                        summary=self.env._("Overdue dispute %(name)s", name=dispute.name))

        next_batch, remaining = search_batches(self, domain, batch_size)
        _time_left, done = commit_in_batches(self.env, next_batch, flag, remaining)
        if not done:
            return True  # out of time: the next run flags the rest, then sends the digests
        pending = [("overdue_digest_pending", "=", True)]
        served = {owner.id for [owner] in self._read_group([("overdue_digest_date", "=", today)], ["user_id"])}
        owners = [owner for [owner] in self._read_group(pending, ["user_id"]) if owner.id not in served]

        def next_owners():
            nonlocal owners
            batch, owners = owners[:owner_batch_size], owners[owner_batch_size:]
            return batch

        def send_digests(batch):
            # One search for the batch's owners, not one per owner.
            cases = self.search([*pending, ("user_id", "in", [owner.id for owner in batch])], order="deadline, id")
            for owner, owner_cases in cases.grouped("user_id").items():
                if owner.email:
                    self._send_overdue_digest(owner, owner_cases)
            cases.write({"overdue_digest_pending": False, "overdue_digest_date": today})

        # Out of time: the owners not served yet get their digest at the next run.
        commit_in_batches(self.env, next_owners, send_digests, lambda _batch: len(owners))
        return True

    def _send_overdue_digest(self, owner, cases):
        # Markup escapes each value: partner names and case numbers are user input.
        rows = Markup("").join(
            Markup("<li>%s: %s, %s, %s</li>") % (c.name, c.partner_id.name, c._format(c.amount_current), c.deadline)
            for c in cases)
        self.env["mail.mail"].sudo().create({  # sudo: a system mail to the owner, not a record write
            "subject": self.env._("%(count)s dispute(s) overdue", count=len(cases)),
            "body_html": Markup("<p>%s</p><ul>%s</ul>") % (self.env._("These disputes passed their deadline:"), rows),
            "email_to": owner.email_formatted,
            "auto_delete": False,
        })


class IspecDisputeLine(models.Model):
    _name = "ispec.dispute.line"
    _description = "Disputed Invoice Line"

    dispute_id = fields.Many2one("ispec.dispute", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="dispute_id.company_id", store=True)
    currency_id = fields.Many2one(related="dispute_id.currency_id")
    invoice_line_id = fields.Many2one(
        "account.move.line", required=True,
        domain="[('move_id', '=', parent.move_id), ('display_type', '=', 'product')]",
    )
    quantity = fields.Float(digits="Product Unit", required=True, default=1.0)
    amount = fields.Monetary(
        compute="_compute_amount", store=True, currency_field="currency_id",
        help="The line's total, taxes included, for the disputed quantity.",
    )

    @api.depends("invoice_line_id.price_total", "invoice_line_id.quantity", "quantity")
    def _compute_amount(self):
        for line in self:
            source = line.invoice_line_id
            line.amount = (source.currency_id or line.currency_id).round(
                source.price_total * line.quantity / source.quantity) \
                if source.quantity else 0.0

    @api.constrains("quantity", "invoice_line_id")
    def _check_quantity(self):
        for line in self:
            if line.quantity <= 0 or line.quantity > line.invoice_line_id.quantity:
                raise ValidationError(self.env._(
                    "Dispute between 0 and %(max)s of '%(line)s'.",
                    max=line.invoice_line_id.quantity, line=line.invoice_line_id.name))

    @api.constrains("invoice_line_id", "dispute_id")
    def _check_invoice_line(self):
        for line in self:
            move, source = line.dispute_id.move_id, line.invoice_line_id
            if source.move_id != move or source.display_type != "product":
                raise ValidationError(self.env._(
                    "'%(line)s' is not a product line of %(move)s: a dispute on %(move)s can only question the "
                    "lines of that invoice.", line=source.name or source.display_name, move=move.display_name))
