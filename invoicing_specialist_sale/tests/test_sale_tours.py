"""In the browser, as the users of each role (never the administrator): a specialist finds a customer invoice in
exception and sees why; a manager overrides it. The tours are in static/tests/tours/."""
from odoo import Command
from odoo.tests import Form, new_test_user, tagged

from odoo.addons.account.tests.common import AccountTestInvoicingHttpCommon

from .sale_match_common import SaleMatchCase

# What Odoo logs at WARNING when a button is refused with a UserError: the tour that sees a refusal expects it.
HTTP_LOGGER = "odoo.http"


@tagged("post_install", "-at_install")
class TestSaleMatchTours(SaleMatchCase, AccountTestInvoicingHttpCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company = cls.env.company
        company.ispec_sale_match_mode = "refuse"
        users = {"company_id": company.id, "company_ids": [Command.set(company.ids)]}
        cls.specialist = new_test_user(
            cls.env, "sale_tour_specialist", groups="invoicing_specialist.group_specialist", name="Sam Specialist",
            **users)
        cls.manager = new_test_user(
            cls.env, "sale_tour_manager", groups="invoicing_specialist.group_manager", name="Mia Manager", **users)
        cls.customer.name = "Tour Harbor Foods"
        cls.goods.name = "Tour crate"

    def _over_invoiced(self):
        """6 crates invoiced of 4 delivered (10 ordered): in exception."""
        order = self._so()
        self._deliver(order, 4)
        invoice = self._invoice(order)
        with Form(invoice) as form, form.invoice_line_ids.edit(0) as line:
            line.quantity = 6
        self.assertEqual(self._codes(invoice), ["sale_over_delivered"])
        return invoice

    def test_specialist_sees_why_and_cannot_post(self):
        invoice = self._over_invoiced()
        with self.assertLogs(HTTP_LOGGER, "WARNING") as logs:
            self.start_tour("/odoo", "ispec_sale_specialist", login=self.specialist.login)
        self.assertTrue(all("cannot be posted" in line for line in logs.output), logs.output)
        self.assertEqual((invoice.state, invoice.ispec_match_state), ("draft", "exception"))
        self.assertFalse(invoice.ispec_match_override_ids)

    def test_manager_overrides_and_posts(self):
        invoice = self._over_invoiced()
        self.start_tour(f"/odoo/action-invoicing_specialist_sale.account_move_sale_match_action/{invoice.id}",
                        "ispec_sale_override", login=self.manager.login)
        override = invoice.ispec_match_override_ids
        self.assertEqual((override.state, override.user_id, override.reason_ids.mapped("code")),
                         ("active", self.manager, ["sale_over_delivered"]))
        self.assertEqual(override.note, "The customer asked to be invoiced the rest now; it ships on Monday")
        self.assertEqual((invoice.state, invoice.ispec_match_state), ("posted", "overridden"))
        self.assertEqual(invoice.amount_untaxed, 120.0)
