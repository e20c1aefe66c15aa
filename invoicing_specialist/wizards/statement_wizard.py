import json
from urllib.parse import urlencode

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from ..models.notification import close_with_notification
from ..models.statement import STATEMENT_TYPES
from ..models.statement_mail import OUTPUT_FORMATS


class IspecStatementWizard(models.TransientModel):
    """Produce the statements of one or more customers on demand: download, email or preview."""

    _name = "ispec.statement.wizard"
    _description = "Customer Statement"

    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company)
    partner_ids = fields.Many2many("res.partner", string="Customers")
    statement_type = fields.Selection(STATEMENT_TYPES, required=True, default="outstanding")
    date_start = fields.Date(
        string="From", default=lambda self: fields.Date.context_today(self).replace(day=1),
        help="First day of the activity period.",
    )
    date_end = fields.Date(string="Statement Date", required=True, default=fields.Date.context_today)
    output_format = fields.Selection(
        [fmt for fmt in OUTPUT_FORMATS if fmt[0] != "both"], required=True, default="pdf")
    delivery = fields.Selection([("download", "Download"), ("email", "Email")], required=True, default="download")

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        if "partner_ids" in fields_list and not values.get("partner_ids") \
                and self.env.context.get("active_model") == "res.partner":
            partners = self.env["res.partner"].browse(self.env.context.get("active_ids", []))
            values["partner_ids"] = [(6, 0, partners.commercial_partner_id.ids)]
        return values

    def action_preview(self):
        """Show the statements in the browser (HTML), nothing sent or stored.

        The URL carries the customers' ids and the options: the web client leaves the ids out of a
        report action that has data, which gave a blank page."""
        self._check_input()
        self._check_company_items()
        report = self.env.ref("invoicing_specialist.action_report_statement")
        partners = self.partner_ids.commercial_partner_id
        query = urlencode({
            "options": json.dumps(self._data()),
            "context": json.dumps({"lang": self.env.lang, "allowed_company_ids": self.company_id.ids}),
        })
        return {
            "type": "ir.actions.act_url",
            "url": "/report/html/%s/%s?%s" % (report.report_name, ",".join(map(str, partners.ids)), query),
            "target": "new",
        }

    def action_confirm(self):
        """Download the statements as one file, or email each customer its own."""
        self._check_input()
        self._check_company_items()
        statement_model = self.env["ispec.statement"].with_company(self.company_id)
        data = self._data()
        partners = self.partner_ids.commercial_partner_id
        if self.delivery == "email":
            if not self.env.user.has_group("invoicing_specialist.group_specialist"):
                raise AccessError(self.env._("Only invoicing specialists may email statements to customers."))
            recipients = {partner: partner._ispec_statement_recipient() for partner in partners}
            missing = [partner.display_name for partner, recipient in recipients.items() if not recipient.email]
            if missing:
                raise UserError(self.env._(
                    "These customers have no email address for statements: %(names)s. "
                    "Set a statement contact or an email on their invoice address, or download instead.",
                    names=", ".join(missing),
                ))
            for partner, recipient in recipients.items():
                statement_model._send_statement(partner, recipient, data, self.output_format)
            return close_with_notification(self.env._("%(count)s statement(s) sent.", count=len(partners)))
        name, content, mimetype = statement_model._render_document(partners, data, self.output_format)
        attachment = self.env["ir.attachment"].create({
            "name": name, "raw": content, "mimetype": mimetype,
            "res_model": self._name, "res_id": self.id,
        })
        return {
            "type": "ir.actions.act_url",
            "url": "/web/content/%s?download=true" % attachment.id,
            "target": "self",
        }

    def _check_input(self):
        self.ensure_one()
        if not self.partner_ids:
            raise UserError(self.env._("Select at least one customer to produce a statement for."))
        if self.statement_type == "activity":
            if not self.date_start:
                raise UserError(self.env._("Enter the first day of the activity period."))
            if self.date_end < self.date_start:
                raise UserError(self.env._(
                    "The statement date %(end)s is before the start of the period %(start)s: "
                    "choose an end date on or after the start date.",
                    end=self.date_end, start=self.date_start,
                ))

    def _check_company_items(self):
        """Refuse customers who have nothing in the chosen company: their statement would be empty
        (and carry that company's name)."""
        self.ensure_one()
        partners = self.partner_ids.commercial_partner_id
        with_items = self.env["ispec.statement.run"]._partners_with_items(self.company_id, self.date_end, partners)
        empty = partners - with_items
        if empty:
            raise UserError(self.env._(
                "These customers have no receivable items in %(company)s up to %(date)s: %(names)s. "
                "Choose the company of their invoices, or leave them out.",
                company=self.company_id.name, date=self.date_end, names=", ".join(empty.mapped("display_name")),
            ))

    def _data(self):
        return self.env["ispec.statement"]._report_data(
            self.statement_type, self.date_end,
            self.date_start if self.statement_type == "activity" else False, self.company_id,
        )
