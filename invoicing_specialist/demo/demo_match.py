from dateutil.relativedelta import relativedelta

from odoo import Command, api, fields, models


class ResCompany(models.Model):
    """The bill matching story of the demo data: purchase orders fully, partly and not received,
    and vendor bills that match, wait, break each rule, or were overridden. Called only from demo XML."""

    # A method on an existing model, not a model of its own: a database installed without demo data
    # must not carry demo-only models.
    _inherit = "res.company"

    @api.model
    def _ispec_demo_bill_matching(self):
        today = fields.Date.context_today(self)
        company = self.env.company
        company.ispec_match_mode = "block"
        # No xmlids: these are business records with posted entries; uninstalling leaves them alone.
        Partner, Product = self.env["res.partner"], self.env["product.product"]
        hardware = Partner.create({"name": "Northwind Hardware", "is_company": True,
                                   "email": "billing@northwind.example.com"})
        utility = Partner.create({"name": "Greenfield Utilities", "is_company": True, "ispec_match_allow_no_po": True})
        self.env["ispec.match.tolerance"].create({
            "company_id": company.id, "partner_id": hardware.id, "dimension": "price_above", "percent": 2.0})
        shelf = Product.create({"name": "Steel Shelf Unit", "type": "consu", "is_storable": True,
                                "purchase_method": "receive", "standard_price": 80.0})
        servicing = Product.create({"name": "Forklift Servicing (hour)", "type": "service",
                                    "purchase_method": "purchase", "standard_price": 95.0})

        def order(product, qty, price, received):
            po = self.env["purchase.order"].create({
                "partner_id": hardware.id, "date_order": today - relativedelta(days=20),
                "order_line": [Command.create({"product_id": product.id, "product_qty": qty, "price_unit": price})],
            })
            po.button_confirm()
            picking = po.picking_ids[:1]
            if received:
                picking.move_ids.quantity = received
                picking.move_ids.picked = True
                picking.with_context(cancel_backorder=False)._action_done()
            return po

        def bill(po, qty, price=None, ref=None, partner=None, product=None):
            po_line = po.order_line[:1] if po else self.env["purchase.order.line"]
            move = self.env["account.move"].create({
                "move_type": "in_invoice", "partner_id": (partner or hardware).id, "ref": ref,
                "invoice_date": today - relativedelta(days=5),
                "invoice_line_ids": [Command.create({
                    "product_id": (product or po_line.product_id).id, "quantity": qty,
                    "price_unit": price if price is not None else po_line.price_unit,
                    "purchase_line_id": po_line.id or False,
                })],
            })
            move.action_post()
            return move

        bill(order(shelf, 10, 80.0, 10), 10, ref="NW-1001")  # matched
        bill(order(shelf, 10, 80.0, 5), 10, ref="NW-1002")  # billed more than received: payment blocked
        bill(order(shelf, 8, 80.0, 0), 8, ref="NW-1003")  # waiting for the receipt
        bill(order(servicing, 4, 95.0, 0), 6, ref="NW-1004")  # a service billed beyond the order
        accepted = bill(order(shelf, 5, 80.0, 5), 5, price=86.0, ref="NW-1005")  # price 7.5% above, accepted
        self.env["ispec.match.override"].with_user(self.env.ref("base.user_admin"))._override_lines(
            accepted.invoice_line_ids, "New price list from the vendor, agreed by the purchasing manager")
        bill(order(shelf, 4, 80.0, 4), 4, price=90.0, ref="NW-1006")  # price above the vendor's 2%
        bill(None, 1, price=800.0, ref="nw 1001", product=shelf)  # no PO, and the same reference as NW-1001
        # Allowed without PO; the accountant blocked it by hand, and the addon never releases such a block.
        bill(None, 1, price=412.37, ref="GU-2026-11", partner=utility, product=servicing).action_toggle_block_payment()
