from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from odoo.addons.account.tests.common import AccountTestInvoicingCommon


@tagged("post_install", "-at_install")
class TestFoundation(AccountTestInvoicingCommon):
    """The addon's groups, menus and the shared payment-hold mechanism."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company_ids = [(6, 0, cls.env.company.ids)]
        cls.specialist = new_test_user(
            cls.env, "ispec_specialist", groups="invoicing_specialist.group_specialist",
            company_id=cls.env.company.id, company_ids=company_ids,
        )
        cls.manager = new_test_user(
            cls.env, "ispec_manager", groups="invoicing_specialist.group_manager",
            company_id=cls.env.company.id, company_ids=company_ids,
        )
        cls.auditor = new_test_user(
            cls.env, "ispec_auditor", groups="invoicing_specialist.group_auditor",
            company_id=cls.env.company.id, company_ids=company_ids,
        )
        cls.invoice = cls.init_invoice("out_invoice", products=cls.product_a, post=True)
        cls.bill = cls.init_invoice("in_invoice", products=cls.product_a, post=True)

    def _visible_menus(self, user):
        menus = self.env["ir.ui.menu"].with_user(user)._visible_menu_ids()
        return {
            xmlid: self.env.ref(f"invoicing_specialist.{xmlid}").id in menus
            for xmlid in ("menu_invoicing_control", "menu_configuration", "account_move_held_menu")
        }

    def test_group_hierarchy(self):
        self.assertTrue(self.manager.has_group("invoicing_specialist.group_specialist"))
        self.assertTrue(self.specialist.has_group("account.group_account_invoice"))
        self.assertFalse(self.specialist.has_group("invoicing_specialist.group_manager"))
        # The auditor reads accounting but has no billing rights.
        self.assertTrue(self.auditor.has_group("account.group_account_readonly"))
        self.assertFalse(self.auditor.has_group("account.group_account_invoice"))
        self.assertFalse(self.auditor.has_group("invoicing_specialist.group_specialist"))

    def test_auditor_reads_but_cannot_change_invoices(self):
        invoice = self.invoice.with_user(self.auditor)
        self.assertEqual(invoice.amount_total, self.invoice.amount_total)
        with self.assertRaises(AccessError):
            invoice.write({"ref": "changed by auditor"})
        with self.assertRaises(AccessError):
            self.env["account.move"].with_user(self.auditor).create(
                {"move_type": "out_invoice", "partner_id": self.partner_a.id}
            )
        with self.assertRaises(AccessError):
            invoice.button_draft()

    def test_specialist_bills_but_cannot_configure(self):
        bill = self.env["account.move"].with_user(self.specialist).create({
            "move_type": "in_invoice",
            "partner_id": self.partner_a.id,
            "invoice_date": "2026-01-15",
            "invoice_line_ids": [(0, 0, {"name": "Paper", "quantity": 2, "price_unit": 50.0, "tax_ids": []})],
        })
        bill.action_post()
        self.assertEqual(bill.state, "posted")
        self.assertEqual(bill.amount_total, 100.0)
        with self.assertRaises(AccessError):
            self.env["res.config.settings"].with_user(self.specialist).create({})

    def test_menus_by_group(self):
        self.assertEqual(
            self._visible_menus(self.specialist),
            {"menu_invoicing_control": True, "menu_configuration": False, "account_move_held_menu": True},
        )
        self.assertEqual(
            self._visible_menus(self.auditor),
            {"menu_invoicing_control": True, "menu_configuration": False, "account_move_held_menu": True},
        )
        # A manager, who is no Odoo administrator, reaches the configuration and its settings form.
        self.assertFalse(self.manager.has_group("base.group_system"))
        self.assertEqual(
            self._visible_menus(self.manager),
            {"menu_invoicing_control": True, "menu_configuration": True, "account_move_held_menu": True},
        )
        settings_menu = self.env.ref("invoicing_specialist.ispec_settings_menu")
        self.assertIn(settings_menu.id, self.env["ir.ui.menu"].with_user(self.manager)._visible_menu_ids())
        self.assertEqual(settings_menu.action, self.env.ref("invoicing_specialist.ispec_settings_action"))
        outsider = new_test_user(self.env, "ispec_outsider", groups="base.group_user")
        self.assertFalse(self._visible_menus(outsider)["menu_invoicing_control"])

    def test_manual_block_is_never_released_by_the_addon(self):
        bill = self.bill.with_user(self.specialist)
        bill.action_toggle_block_payment()
        self.assertEqual(bill.payment_state, "blocked")
        self.assertFalse(bill.ispec_block_by_addon)
        # With no hold reason at all, a sync must still leave a person's block alone.
        bill._ispec_sync_payment_block()
        self.assertEqual(bill.payment_state, "blocked")
        bill.action_toggle_block_payment()
        self.assertEqual(bill.payment_state, "not_paid")

    def test_unheld_bills_are_paid_in_batch(self):
        bills = self.bill + self.init_invoice("in_invoice", products=self.product_a, post=True)
        self.assertEqual(bills._ispec_payment_hold_reasons(), {})
        wizard = self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=bills.ids
        ).create({"group_payment": False})
        wizard.action_create_payments()
        self.assertEqual(len(bills.matched_payment_ids), 2)
        self.assertTrue(all(state in ("in_payment", "paid") for state in bills.mapped("payment_state")))
