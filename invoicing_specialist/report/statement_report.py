from odoo import api, fields, models


class ReportStatement(models.AbstractModel):
    """Values of the statement QWeb report: the data phase for all the report's customers at once."""

    _name = "report.invoicing_specialist.report_statement"
    _description = "Customer Statement Report"

    @api.model
    def _get_report_values(self, docids, data=None):
        statement_model = self.env["ispec.statement"]
        data = dict(data or {})
        if not data.get("date_end"):
            # Printed straight from the customer (no wizard): open items as of today.
            data = statement_model._report_data("outstanding", fields.Date.context_today(self))
        company = self.env["res.company"].browse(data["company_id"])
        partners = self.env["res.partner"].browse(docids).commercial_partner_id
        statements = statement_model._get_statement_data(
            partners.ids, data["date_end"], data.get("date_start"), data["statement_type"], company
        )
        labels, titles, addresses, doc_labels = {}, {}, {}, {}
        for partner in partners:
            in_lang = statement_model.with_context(lang=partner.lang or self.env.lang)
            labels[partner.id] = in_lang._bucket_labels(company, data["date_end"])
            titles[partner.id] = in_lang._statement_title(data["statement_type"])
            doc_labels[partner.id] = in_lang._doc_type_labels()
            addresses[partner.id] = statement_model._address_lines(partner)
        return {
            "doc_ids": partners.ids,
            "doc_model": "res.partner",
            "docs": partners,
            "data": data,
            "company": company,
            "statements": statements,
            "bucket_labels": labels,
            "titles": titles,
            "doc_labels": doc_labels,
            "addresses": addresses,
            "bank": statement_model._company_bank(company),
            "date_end": fields.Date.to_date(data["date_end"]),
            "date_start": fields.Date.to_date(data.get("date_start")) if data.get("date_start") else False,
        }
