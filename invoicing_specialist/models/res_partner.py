from odoo import fields, models

from ..kernels import statement as statement_kernel
from .statement import STATEMENT_FREQUENCIES


class ResPartner(models.Model):
    _inherit = "res.partner"

    # --- STATEMENTS ---
    ispec_statement_frequency = fields.Selection(
        [("company", "Company default"), ("none", "None"), *STATEMENT_FREQUENCIES],
        string="Statement Frequency",
        default="company",
        required=True,
        help="How often this customer receives a scheduled statement; by default the company's frequency.",
    )
    ispec_statement_contact_id = fields.Many2one(
        "res.partner",
        string="Statement Contact",
        domain="[('commercial_partner_id', '=', commercial_partner_id)]",
        help="Who receives the statements; without one, the invoice address, then the company itself.",
    )

    # --- BILL MATCHING ---
    ispec_match_allow_no_po = fields.Boolean(
        string="Bills Without PO Allowed",
        help="This vendor's bill lines without a purchase order are not checked (utilities, rent).",
    )
    ispec_match_tolerance_ids = fields.One2many(
        "ispec.match.tolerance", "partner_id", string="Matching Tolerances",
        help="Rows that replace the company's for this vendor, one dimension at a time (percent and amount together).",
    )

    def action_ispec_statement(self):
        """Open the statement wizard for the selected customers."""
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Customer Statement"),
            "res_model": "ispec.statement.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_partner_ids": self.commercial_partner_id.ids},
        }

    def _ispec_statement_recipient(self):
        """The contact who receives this customer's statements: the statement contact, else the
        invoice address, else the commercial partner."""
        self.ensure_one()
        commercial = self.commercial_partner_id
        if commercial.ispec_statement_contact_id:
            return commercial.ispec_statement_contact_id
        return commercial._ispec_invoice_address()

    def _ispec_invoice_address(self):
        """The invoice contact of this customer (Odoo's ``address_get``), else the customer itself:
        where statements are addressed and mailed."""
        self.ensure_one()
        commercial = self.commercial_partner_id
        invoice_id = commercial.address_get(["invoice"]).get("invoice")
        return self.browse(invoice_id) if invoice_id else commercial

    def _ispec_statement_frequency(self, company):
        self.ensure_one()
        frequency = self.commercial_partner_id.ispec_statement_frequency
        return company.ispec_statement_frequency if frequency == "company" else frequency

    def _ispec_statement_payment_reference(self, date_end=None):
        """What this customer quotes with the payment of its statement as of ``date_end`` (today by
        default): its own reference, else the statement's number (never the database id)."""
        self.ensure_one()
        commercial = self.commercial_partner_id
        date_end = fields.Date.to_date(date_end) or fields.Date.context_today(self)
        return commercial.ref or statement_kernel.statement_number(commercial.id, date_end)
