from odoo import fields, models

from .sale_match import SALE_DIMENSION_KEYS


class ResPartner(models.Model):
    _inherit = "res.partner"

    ispec_sale_po_required = fields.Boolean(
        string="PO Number Required on Invoices",
        help="This customer's invoices must quote its purchase order number (the invoice's Customer Reference): "
        "an invoice without one is an exception.")
    ispec_sale_order_required = fields.Boolean(
        string="Invoices Must Come From Orders",
        help="This customer's invoice lines must come from a sales order: a product line without one is an "
        "exception.")
    ispec_sale_tolerance_ids = fields.One2many(
        "ispec.match.tolerance", "partner_id", string="Invoice Check Tolerances",
        domain=[("dimension", "in", SALE_DIMENSION_KEYS)],
        help="Rows that replace the company's invoice check tolerances for this customer, one dimension at a "
        "time. No row anywhere: exact.")
