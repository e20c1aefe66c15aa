import logging

from odoo import Command
from odoo.tests import HttpCase, new_test_user, tagged

from odoo.addons.account.tests.common import AccountTestInvoicingCommon

_logger = logging.getLogger(__name__)

CLICK_APP = "odoo.loader.modules.get('@web/webclient/clickbot/clickbot_loader').startClickEverywhere('%s');"


@tagged("post_install", "-at_install")
class TestMenusInBrowser(AccountTestInvoicingCommon, HttpCase):
    """Odoo's clickbot opens every menu of the Invoicing app (Odoo's own and Invoicing Control's), every view
    of each and every filter, in headless Chromium, as each of the addon's roles: any client or access error
    fails the test."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company = cls.env.company
        users = {"company_id": company.id, "company_ids": [Command.set(company.ids)]}
        cls.users = {
            role: new_test_user(cls.env, f"clickbot_{role}", groups=f"invoicing_specialist.group_{role}", **users)
            for role in ("specialist", "manager", "auditor")
        }
        # Documents for the lists and forms to show: a posted invoice and a held bill.
        company.ispec_match_mode = "block"
        cls.init_invoice("out_invoice", products=cls.product_a, post=True)
        cls.init_invoice("in_invoice", products=cls.product_a, post=True)

    def _click_everywhere(self, role):
        user = self.users[role]
        if "tour_enabled" in user._fields:
            user.tour_enabled = False
        self.browser_js("/odoo", CLICK_APP % "account.menu_finance", "odoo.isReady === true",
                        login=user.login, timeout=900, success_signal="clickbot test succeeded")

    def test_specialist(self):
        self._click_everywhere("specialist")

    def test_manager(self):
        self._click_everywhere("manager")

    def test_auditor(self):
        self._click_everywhere("auditor")
