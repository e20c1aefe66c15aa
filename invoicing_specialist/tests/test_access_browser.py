from odoo import Command
from odoo.tests import HttpCase, new_test_user, tagged

# Waits for the bills list, then says whether Odoo's Upload button is on it.
UPLOAD_CHECK = """
(async () => {
    const until = Date.now() + 20000;
    while (!document.querySelector(".o_list_renderer") && Date.now() < until) {
        await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
    if (!document.querySelector(".o_list_renderer")) {
        console.error("the bills list did not open");
        return;
    }
    const shown = Boolean(document.querySelector(".o_button_upload_bill"));
    if (shown === %s) {
        console.log("test successful");
    } else {
        console.error("Upload button shown: " + shown);
    }
})();
"""


@tagged("post_install", "-at_install")
class TestAccessInBrowser(HttpCase):
    """The web client really loads with the addon's assets, and shows Upload on the bills list only to
    users who may create bills (an auditor does not get it; a specialist does)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company = cls.env.company
        users = {"company_id": company.id, "company_ids": [Command.set(company.ids)]}
        cls.auditor = new_test_user(cls.env, "browser_auditor", groups="invoicing_specialist.group_auditor", **users)
        cls.specialist = new_test_user(
            cls.env, "browser_specialist", groups="invoicing_specialist.group_specialist", **users)

    def _bills_list_upload(self, user, expected):
        self.browser_js("/odoo/action-account.action_move_in_invoice_type",
                        UPLOAD_CHECK % ("true" if expected else "false"), login=user.login, timeout=90)

    def test_auditor_gets_no_upload_button(self):
        self._bills_list_upload(self.auditor, expected=False)

    def test_specialist_keeps_the_upload_button(self):
        self._bills_list_upload(self.specialist, expected=True)
