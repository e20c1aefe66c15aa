from odoo import Command
from odoo.tests import Form

from odoo.addons.account.tests.common import AccountTestInvoicingCommon


class MatchCase(AccountTestInvoicingCommon):
    """Real purchase orders, receipts and vendor bills for the bill matching tests."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.user.group_ids = [Command.link(cls.env.ref("invoicing_specialist.group_manager").id),
                                  Command.link(cls.env.ref("stock.group_stock_manager").id),
                                  Command.link(cls.env.ref("purchase.group_purchase_manager").id)]
        cls.company = cls.env.company
        cls.company.ispec_match_mode = "block"
        Tolerance = cls.env["ispec.match.tolerance"]
        Tolerance.search([("company_id", "=", cls.company.id)]).unlink()
        Tolerance.create([{"company_id": cls.company.id, "dimension": dim, "percent": 0.0, "absolute": 0.0}
                          for dim in ("qty", "price_above", "price_below")])
        cls.vendor = cls.env["res.partner"].create({"name": "Bolt Supplies"})
        cls.goods = cls.env["product.product"].create({
            "name": "Bolt box", "type": "consu", "is_storable": True, "purchase_method": "receive",
            "standard_price": 10.0, "supplier_taxes_id": [Command.clear()],
        })
        cls.service = cls.env["product.product"].create({
            "name": "Installation", "type": "service", "purchase_method": "purchase",
            "supplier_taxes_id": [Command.clear()],
        })

    def _po(self, product=None, qty=10.0, price=10.0, partner=None, **line):
        po = self.env["purchase.order"].create({
            "partner_id": (partner or self.vendor).id,
            "order_line": [Command.create({"product_id": (product or self.goods).id, "product_qty": qty,
                                           "price_unit": price, "tax_ids": [Command.clear()], **line})],
        })
        po.button_confirm()
        return po

    def _receive(self, po, qty):
        picking = po.picking_ids.filtered(lambda p: p.state not in ("done", "cancel"))[:1]
        picking.move_ids.quantity = qty
        picking.move_ids.picked = True
        picking._action_done()
        return picking

    def _bill(self, po, qty, price=None, post=True, move_type="in_invoice", **line):
        po_line = po.order_line[:1]
        self._ref_count = getattr(self, "_ref_count", 0) + 1
        bill = self.env["account.move"].create({
            "move_type": move_type, "partner_id": po.partner_id.id, "invoice_date": "2026-01-15",
            "ref": f"V-{self._ref_count}",
            "invoice_line_ids": [Command.create({
                "product_id": po_line.product_id.id, "quantity": qty, "purchase_line_id": po_line.id,
                "price_unit": po_line.price_unit if price is None else price, "tax_ids": [Command.clear()],
                **line})],
        })
        if post:
            bill.action_post()
        return bill

    def _bill_from_po(self, po, qty=None, price=None, post=True, ref=None, date="2026-01-15", **line_values):
        """A bill as users make it: the PO's *Create Bill* button, then the bill form: the date, the vendor's
        reference, and the first line's unit, quantity and price as the vendor billed them."""
        action = po.action_create_invoice()
        bill = self.env["account.move"].browse(action["res_id"])
        self.assertEqual(bill.invoice_line_ids.purchase_line_id, po.order_line, "Create Bill links the PO lines")
        self._ref_count = getattr(self, "_ref_count", 0) + 1
        with Form(bill) as form:
            form.invoice_date = date
            form.ref = ref or f"PO-BILL-{self._ref_count}"
            with form.invoice_line_ids.edit(0) as line:
                for name, value in line_values.items():  # the unit first: it resets the price
                    setattr(line, name, value)
                if qty is not None:
                    line.quantity = qty
                if price is not None:
                    line.price_unit = price
        if post:
            bill.action_post()
        return bill
