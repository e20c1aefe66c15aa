"""The activity report as a PDF and a workbook, and the scheduled mail of each period's report to the company's
managers, sent once per company and period (the record of each mail is kept in ispec.activity.report.sent)."""

import io

from odoo import api, fields, models

from ..kernels import activity as kernel
from .activity_report_figures import COLUMNS, FIGURES_BY_KEY, SECTIONS

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAIL_PERIODS = [("none", "Not Mailed"), ("month", "Every Month"), ("quarter", "Every Quarter"),
                ("year", "Every Year")]


class ResCompany(models.Model):
    _inherit = "res.company"

    ispec_activity_mail_period = fields.Selection(
        MAIL_PERIODS, string="Activity Report Mail", default="none", required=True,
        help="Mail the invoicing activity report (PDF and Excel attached) to the company's Invoicing Specialist "
             "managers after each month, quarter or fiscal year ends; each period is mailed once.")


class IspecActivityReportSent(models.Model):
    """The record that a period's report was mailed: a second run finds it and mails nothing."""

    _name = "ispec.activity.report.sent"
    _description = "Invoicing Activity Report Mailed"
    _order = "date_from desc, id desc"

    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    period_type = fields.Selection(MAIL_PERIODS[1:], string="Period", required=True, readonly=True)
    date_from = fields.Date(required=True, readonly=True)
    date_to = fields.Date(required=True, readonly=True)
    mail_id = fields.Many2one("mail.mail", readonly=True, ondelete="set null")
    recipient_ids = fields.Many2many("res.partner", string="Recipients", readonly=True)
    attachment_ids = fields.Many2many("ir.attachment", string="Attachments", readonly=True)

    _period_unique = models.Constraint(
        "UNIQUE(company_id, period_type, date_from)", "Each period's activity report is mailed once per company.")


class IspecActivityReport(models.TransientModel):  # pylint: disable=no-wizard-in-models
    _inherit = "ispec.activity.report"

    # ------------------------------------------------------------------------------------------------
    # PDF and workbook
    # ------------------------------------------------------------------------------------------------
    def _sections(self):
        """[(section label, [line, ...])] of the report, as the documents show them."""
        self.ensure_one()
        labels = dict(self.env["ispec.activity.report.line"]._fields["section"]._description_selection(self.env))
        return [(labels[key], lines) for key, _label in SECTIONS
                if (lines := self.line_ids.filtered(lambda line, key=key: line.section == key))]

    def _file_name(self, extension):
        self.ensure_one()
        return "activity-%s-%s-%s.%s" % (self.company_id.name.replace(" ", "_"), self.period_type,
                                         self.date_from.isoformat(), extension)

    def _render_pdf(self):
        self.ensure_one()
        report = self.env.ref("invoicing_specialist.ispec_activity_report_pdf")
        content, _type = report._render_qweb_pdf(report.report_name, self.ids)
        return content

    def _render_xlsx(self):
        """The report as an Excel workbook: one sheet, a row per figure, a column per period."""
        import xlsxwriter  # noqa: PLC0415 - external dependency declared in the manifest

        self.ensure_one()
        output = io.BytesIO()
        book = xlsxwriter.Workbook(output, {"in_memory": True})
        sheet = book.add_worksheet(self.env._("Activity"))
        bold = book.add_format({"bold": True})
        title = book.add_format({"bold": True, "font_size": 14})
        formats = {
            "count": book.add_format({"num_format": "0"}),
            "amount": book.add_format({"num_format": "#,##0." + "0" * self.currency_id.decimal_places}),
            "days": book.add_format({"num_format": "0.0"}),
            "percent": book.add_format({"num_format": "0.0"}),
        }
        sheet.write(0, 0, self.env._("Invoicing activity: %(company)s", company=self.company_id.name), title)
        sheet.write(1, 0, self.env._("Amounts in %(currency)s", currency=self.currency_id.name))
        headers = [self.env._("Figure"), self.env._("This Period"), self.env._("Previous Period"),
                   self.env._("Same Period Last Year"), self.env._("What It Counts")]
        periods = [self.period_label, self._period_label(self.previous_from, self.previous_to),
                   self._period_label(self.last_year_from, self.last_year_to)]
        for col, header in enumerate(headers):
            sheet.write(3, col, header, bold)
        for col, label in enumerate(periods, start=1):
            sheet.write(4, col, label)
        row = 5
        for section, lines in self._sections():
            row += 1
            sheet.write(row, 0, section, bold)
            for line in lines:
                row += 1
                kind = FIGURES_BY_KEY[line.figure_key].kind
                sheet.write(row, 0, line.name)
                for col, column in enumerate(COLUMNS, start=1):
                    value = line.value(column)
                    if value is None:
                        sheet.write_blank(row, col, None)
                    else:
                        sheet.write_number(row, col, value, formats[kind])
                sheet.write(row, 4, line.help_text)
        sheet.set_column(0, 0, 44)
        sheet.set_column(1, 3, 18)
        sheet.set_column(4, 4, 80)
        book.close()
        return output.getvalue()

    def action_print_pdf(self):
        self.ensure_one()
        return self.env.ref("invoicing_specialist.ispec_activity_report_pdf").report_action(self)

    def action_download_xlsx(self):
        self.ensure_one()
        # sudo: a download of what the user just computed; the attachment is tied to this transient report.
        attachment = self.env["ir.attachment"].sudo().create({
            "name": self._file_name("xlsx"), "raw": self._render_xlsx(), "mimetype": XLSX_MIMETYPE,
            "res_model": self._name, "res_id": self.id,
        })
        return {"type": "ir.actions.act_url", "url": f"/web/content/{attachment.id}?download=true",
                "target": "self"}

    # ------------------------------------------------------------------------------------------------
    # The scheduled mail
    # ------------------------------------------------------------------------------------------------
    @api.model
    def _last_closed_period(self, company, today):
        """The last whole period of the company's mail setting that ended before ``today``."""
        period_type = company.ispec_activity_mail_period
        fiscal_last_month = int(company.fiscalyear_last_month or 12)
        current_from, _current_to = kernel.period_bounds(period_type, today, fiscal_last_month)
        return kernel.previous_period(period_type, current_from, fiscal_last_month)

    @api.model
    def _report_managers(self, company):
        """The company's Invoicing Specialist managers who can be mailed."""
        group = self.env.ref("invoicing_specialist.group_manager")
        return self.env["res.users"].search([
            ("all_group_ids", "in", group.ids), ("company_ids", "in", company.ids), ("share", "=", False),
            ("email", "!=", False)])

    @api.model
    def _cron_mail_activity_reports(self, today=None):
        """Daily: for each company that asks for it, mail the report of the last period that ended to its
        managers, once. The record of the mail is written with it, in the same transaction, so a second run (or
        one after a crash) finds it and sends nothing again for that company and period."""
        today = today or fields.Date.context_today(self)
        Sent = self.env["ispec.activity.report.sent"].sudo()  # sudo: the job's own log, not a user's edit
        companies = self.env["res.company"].search([("ispec_activity_mail_period", "!=", "none")])
        for company in companies:
            date_from, date_to = self._last_closed_period(company, today)
            period_type = company.ispec_activity_mail_period
            if Sent.search_count([("company_id", "=", company.id), ("period_type", "=", period_type),
                                  ("date_from", "=", date_from)], limit=1):
                continue
            recipients = self._report_managers(company)
            if not recipients:
                continue
            self._mail_report(company, period_type, date_to, recipients, Sent)
            # The mail and its record committed together; out of time: the next run mails the other companies.
            if self.env["ir.cron"]._commit_progress(1) <= 0:
                break
        return True

    @api.model
    def _mail_report(self, company, period_type, day, recipients, Sent):
        report = self.with_company(company).sudo().create({  # sudo: the job reports as the company's system
            "company_id": company.id, "period_type": period_type, "period_date": day})
        sent = Sent.create({"company_id": company.id, "period_type": period_type, "date_from": report.date_from,
                            "date_to": report.date_to, "recipient_ids": recipients.partner_id.ids})
        attachments = self.env["ir.attachment"].sudo().create([{  # sudo: files of the job's own log record
            "name": name, "raw": raw, "mimetype": mimetype, "res_model": Sent._name, "res_id": sent.id,
        } for name, raw, mimetype in (
            (report._file_name("pdf"), report._render_pdf(), "application/pdf"),
            (report._file_name("xlsx"), report._render_xlsx(), XLSX_MIMETYPE))])
        template = self.env.ref("invoicing_specialist.ispec_activity_report_mail_template")
        mail = self.env["mail.mail"].sudo().create({  # sudo: a system mail to the managers, not a record write
            "subject": template._render_field("subject", report.ids)[report.id],
            "body_html": template._render_field("body_html", report.ids)[report.id],
            "email_from": company.email_formatted or self.env.user.email_formatted,
            "recipient_ids": [fields.Command.set(recipients.partner_id.ids)],
            "attachment_ids": [fields.Command.set(attachments.ids)],
            "auto_delete": False,
        })
        sent.write({"mail_id": mail.id, "attachment_ids": [fields.Command.set(attachments.ids)]})
        return sent
