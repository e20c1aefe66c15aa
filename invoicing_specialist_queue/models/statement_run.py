from odoo import models


class IspecStatementRun(models.Model):
    _inherit = "ispec.statement.run"
