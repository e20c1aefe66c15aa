from collections import defaultdict

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, format_amount, format_date


class IspecSaleBacklog(models.Model):
    """The invoicing backlog: each confirmed sales order line with something to invoice, as Odoo's own
    ``qty_to_invoice`` gives it (delivered or ordered, by the product's invoicing policy, less what was
    invoiced), with the amount, the delivery date and the days it has waited. Read from the order lines at
    each search: never out of date, nothing stored."""

    _name = "ispec.sale.backlog"
    _description = "Invoicing Backlog"
    _auto = False
    _order = "delivery_date, id"
    _rec_name = "sale_line_id"

    sale_line_id = fields.Many2one("sale.order.line", string="Order Line", readonly=True)
    order_id = fields.Many2one("sale.order", string="Sales Order", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    user_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    team_id = fields.Many2one("crm.team", string="Sales Team", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    product_id = fields.Many2one("product.product", readonly=True)
    invoice_policy = fields.Selection(
        [("order", "Ordered quantities"), ("delivery", "Delivered quantities")], readonly=True,
        help="The product's invoicing policy: what may be invoiced, ordered or delivered quantities.")
    qty_to_invoice = fields.Float(
        string="Quantity to Invoice", digits="Product Unit", readonly=True,
        help="Odoo's quantity to invoice of the order line, in its unit.")
    price_unit = fields.Float(string="Unit Price", digits="Product Price", readonly=True)
    discount = fields.Float(string="Discount (%)", digits="Discount", readonly=True)
    amount_to_invoice = fields.Monetary(
        string="Amount to Invoice", readonly=True,
        help="The quantity to invoice at the order line's unit price net of discount, taxes excluded, in the "
        "order's currency.")
    delivery_date = fields.Date(
        readonly=True,
        help="For products invoiced on delivered quantities, the first delivery since the line was last "
        "invoiced (else its last delivery); for the others, the order date.")
    days_waiting = fields.Integer(readonly=True, aggregator="max",
                                  help="Days since the delivery date.")
    stale = fields.Boolean(
        readonly=True,
        help="Waiting for more days than the company's Invoicing Backlog Stale After setting.")

    @property
    def _table_query(self):
        return SQL("""
            SELECT l.id AS id, l.id AS sale_line_id, l.order_id, o.partner_id, o.user_id, o.team_id,
                   l.company_id, o.currency_id, l.product_id, pt.invoice_policy,
                   l.qty_to_invoice, l.price_unit, l.discount,
                   l.qty_to_invoice * l.price_unit * (1 - COALESCE(l.discount, 0) / 100.0) AS amount_to_invoice,
                   d.delivery_date,
                   CURRENT_DATE - d.delivery_date AS days_waiting,
                   CURRENT_DATE - d.delivery_date > c.ispec_sale_stale_days AS stale
              FROM sale_order_line l
              JOIN sale_order o ON o.id = l.order_id
              JOIN res_company c ON c.id = l.company_id
              LEFT JOIN product_product pp ON pp.id = l.product_id
              LEFT JOIN product_template pt ON pt.id = pp.product_tmpl_id
              LEFT JOIN LATERAL (
                    SELECT MAX(am.invoice_date) AS last_invoiced
                      FROM sale_order_line_invoice_rel r
                      JOIN account_move_line aml ON aml.id = r.invoice_line_id
                      JOIN account_move am ON am.id = aml.move_id
                     WHERE r.order_line_id = l.id AND am.state = 'posted' AND am.move_type = 'out_invoice'
                   ) inv ON TRUE
              LEFT JOIN LATERAL (
                    SELECT MIN(m.date) FILTER (WHERE inv.last_invoiced IS NULL
                                                  OR m.date::date > inv.last_invoiced) AS first_new,
                           MAX(m.date) AS last_done
                      FROM stock_move m
                     WHERE m.sale_line_id = l.id AND m.state = 'done'
                   ) mv ON TRUE
              CROSS JOIN LATERAL (
                    SELECT (CASE WHEN pt.invoice_policy = 'delivery'
                                 THEN COALESCE(mv.first_new, mv.last_done, o.date_order)
                                 ELSE o.date_order END)::date AS delivery_date
                   ) d
             WHERE o.state = 'sale' AND l.display_type IS NULL AND l.is_downpayment IS NOT TRUE
               AND l.qty_to_invoice > 0
        """)

    @api.model
    def _flush_sources(self):
        """The view reads these tables: pending changes to them must reach the database first."""
        for model in ("sale.order.line", "sale.order", "stock.move", "account.move", "account.move.line",
                      "product.template", "res.company"):
            self.env[model].flush_model()

    @api.model
    def _search(self, domain, *args, **kwargs):
        self._flush_sources()
        self.invalidate_model()  # a new search reads the lines as they are now, not as last read
        return super()._search(domain, *args, **kwargs)

    def fetch(self, field_names=None):
        self._flush_sources()
        return super().fetch(field_names)

    def action_ispec_create_invoices(self):
        """Odoo's own Create Invoice wizard for the orders of the selected lines."""
        orders = self.order_id
        if not orders:
            raise UserError(self.env._("Select the lines to invoice first."))
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Create Invoices"),
            "res_model": "sale.advance.payment.inv",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {"active_model": "sale.order", "active_ids": orders.ids, "active_id": orders[:1].id},
        }

    @api.model
    def _cron_send_digest(self, today=None):
        """Daily: mail each recipient the lines of a company that have waited too long, once a day. The
        record of the mail is written with it, in the same commit: a second run (or one after a crash) finds
        it and mails nothing again."""
        today = today or fields.Date.context_today(self)
        Sent = self.env["ispec.sale.backlog.digest"].sudo()  # sudo: the job's own log, not a user's edit
        # sudo: the job reads every company's backlog to tell each recipient theirs.
        stale = self.sudo().search([("stale", "=", True)], order="company_id, days_waiting desc, id")
        by_recipient = defaultdict(lambda: self.browse())
        for line in stale:
            recipient = line.company_id.ispec_sale_digest_user_id or line.team_id.user_id
            if recipient:
                by_recipient[line.company_id, recipient] |= line
        done = {(sent.company_id, sent.user_id) for sent in Sent.search([("date", "=", today)])}
        for (company, user), lines in by_recipient.items():
            if (company, user) in done or not user.partner_id.email:
                continue
            self._mail_digest(company, user, lines, today, Sent)
            # The mail and its record committed together; out of time: the next run mails the others.
            if self.env["ir.cron"]._commit_progress(1) <= 0:
                break
        return True

    @api.model
    def _mail_digest(self, company, user, lines, today, Sent):
        lang_env = self.with_context(lang=user.lang).env
        rows = Markup("").join(Markup(
            "<tr><td>%s</td><td>%s</td><td>%s</td><td style='text-align:right'>%s</td>"
            "<td>%s</td><td style='text-align:right'>%s</td></tr>") % (
            line.order_id.name, line.partner_id.display_name, line.product_id.display_name,
            format_amount(lang_env, line.amount_to_invoice, line.currency_id),
            format_date(lang_env, line.delivery_date), line.days_waiting) for line in lines)
        body = Markup(
            "<p>%s</p><table border='1' cellpadding='4' style='border-collapse:collapse'><thead><tr>"
            "<th>%s</th><th>%s</th><th>%s</th><th>%s</th><th>%s</th><th>%s</th></tr></thead><tbody>%s</tbody>"
            "</table>") % (
            lang_env._("%(count)s order lines of %(company)s were delivered (or ordered) more than %(days)s days "
                       "ago and are not invoiced yet.", count=len(lines), company=company.name,
                       days=company.ispec_sale_stale_days),
            lang_env._("Order"), lang_env._("Customer"), lang_env._("Product"), lang_env._("Amount to Invoice"),
            lang_env._("Delivered"), lang_env._("Days Waiting"), rows)
        sent = Sent.create({"company_id": company.id, "user_id": user.id, "date": today, "line_count": len(lines)})
        mail = self.env["mail.mail"].sudo().create({  # sudo: a system mail to one user, not a record write
            "subject": lang_env._("Invoicing backlog of %(company)s: %(count)s lines waiting",
                                  company=company.name, count=len(lines)),
            "body_html": body,
            "email_from": company.email_formatted or self.env.user.email_formatted,
            "recipient_ids": [fields.Command.set(user.partner_id.ids)],
            "auto_delete": False,
        })
        sent.mail_id = mail
        return sent


class IspecSaleBacklogDigest(models.Model):
    """The record that a recipient's daily digest was mailed: a second run that day finds it and mails
    nothing."""

    _name = "ispec.sale.backlog.digest"
    _description = "Invoicing Backlog Digest Mailed"
    _order = "date desc, id desc"

    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    user_id = fields.Many2one("res.users", string="Recipient", required=True, readonly=True, index=True)
    date = fields.Date(required=True, readonly=True)
    line_count = fields.Integer(string="Lines", readonly=True, help="The stale lines the digest listed.")
    mail_id = fields.Many2one("mail.mail", readonly=True, ondelete="set null")

    _day_unique = models.Constraint(
        "UNIQUE(company_id, user_id, date)", "Each recipient gets one invoicing backlog digest a day per company.")
