from odoo import api, fields, models
from odoo.tools import format_date

OUTPUT_FORMATS = [("pdf", "PDF"), ("xlsx", "Excel (XLSX)"), ("both", "PDF and Excel")]


class IspecStatement(models.AbstractModel):
    """Emailing a statement: the document, the template in the customer's language, the chatter."""

    _inherit = "ispec.statement"

    @api.model
    def _send_statement(self, partner, recipient, data, output_format="pdf"):
        """Email one customer's statement to ``recipient`` and post it in the customer's chatter.

        ``output_format``: "pdf", "xlsx" or "both" (both files attached to one mail).
        The mail is queued (not sent at once), so it leaves only if the caller's transaction
        commits: a run marks the customer as queued in that same transaction.
        Returns (attachments, mail.message).
        """
        partner = partner.commercial_partner_id
        company = self.env["res.company"].browse(data["company_id"])
        formats = ("pdf", "xlsx") if output_format == "both" else (output_format,)
        # sudo: attaching the statement to the customer and posting it in the customer's chatter
        # need write access on res.partner, which billing users lack; the caller has already been
        # allowed to produce the statement (specialists), the author stays the current user and
        # only this generated file and message are written.
        lang = recipient.lang or partner.lang or self.env.lang
        attachments = self.env["ir.attachment"].sudo()
        for fmt in formats:
            # The file name too is in the customer's language ("Relevé - ...").
            name, content, mimetype = self.with_context(lang=lang)._render_document(partner, data, fmt)
            attachments |= attachments.create({
                "name": name, "raw": content, "mimetype": mimetype, "res_model": "res.partner", "res_id": partner.id,
            })
        template = company.ispec_statement_template_id or self.env.ref(
            "invoicing_specialist.mail_template_statement", raise_if_not_found=False
        )
        # The template reads the statement's date and company from its context (``ctx``): the date
        # written as the customer reads dates, the company of the statement (not the user's).
        statement_date = format_date(self.env, fields.Date.to_date(data["date_end"]), lang_code=lang)
        if template:
            template = template.with_context(
                lang=lang, statement_date=statement_date, statement_company=company,
                statement_reference=partner._ispec_statement_payment_reference(data["date_end"]),
            )
            subject = template._render_field("subject", partner.ids)[partner.id]
            body = template._render_field("body_html", partner.ids)[partner.id]
        else:
            subject = self.with_context(lang=lang).env._(
                "Statement of account from %(company)s at %(date)s", company=company.name, date=statement_date,
            )
            body = subject
        message = partner.sudo().with_context(mail_notify_force_send=False, lang=lang).message_post(
            subject=subject,
            body=body,
            partner_ids=recipient.ids,
            attachment_ids=attachments.ids,
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
            email_layout_xmlid="mail.mail_notification_light",
        )
        return attachments.sudo(False), message.sudo(False)
