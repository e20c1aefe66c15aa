from odoo import models

MANAGER_GROUP = "invoicing_specialist.group_manager"


class ResUsers(models.Model):
    _inherit = "res.users"

    def _is_ispec_manager(self):
        """Whether this user is an Invoicing Specialist manager: who may write a dispute off, resolve
        one above the specialists' limit and override a match exception (the one check of it in Python;
        the Invoicing Control settings form is the group's through its access rights)."""
        self.ensure_one()
        return self.has_group(MANAGER_GROUP)
