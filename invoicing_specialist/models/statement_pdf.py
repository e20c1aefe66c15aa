from odoo import api, models
from odoo.tools import pdf

from .statement_xlsx import XLSX_MIMETYPE


class IspecStatement(models.AbstractModel):
    """The statement as a PDF (the QWeb report ``report/statement_report.py`` gives its values), and
    the one entry point that renders a document in either format."""

    _inherit = "ispec.statement"

    @api.model
    def _render_pdf(self, partner, data):
        """One customer's statement as PDF bytes, in the customer's language (one document per call:
        Debian's wkhtmltopdf refuses several)."""
        report = self.env["ir.actions.report"].with_context(lang=partner.lang or self.env.lang)
        content, _type = report._render_qweb_pdf(
            "invoicing_specialist.action_report_statement", [partner.id], data=data
        )
        return content

    @api.model
    def _render_document(self, partners, data, output_format):
        """(file name, content, mimetype) of the statements of ``partners``: an XLSX workbook, or a PDF
        (one rendering per customer, merged when there are several)."""
        partners = partners.commercial_partner_id
        if output_format == "xlsx":
            name = self._file_name(partners[:1], data, "xlsx") if len(partners) == 1 else "%s - %s.xlsx" % (
                self.env._("Statements"), data["date_end"])
            return name, self._render_xlsx(partners, data), XLSX_MIMETYPE
        contents = [self._render_pdf(partner, data) for partner in partners]
        if len(partners) == 1:
            return self._file_name(partners, data, "pdf"), contents[0], "application/pdf"
        if not all(content.startswith(b"%PDF") for content in contents):
            # Test mode renders HTML instead of PDF: nothing to merge.
            return "%s - %s.html" % (self.env._("Statements"), data["date_end"]), b"".join(contents), "text/html"
        return "%s - %s.pdf" % (self.env._("Statements"), data["date_end"]), pdf.merge_pdf(contents), "application/pdf"
