from odoo import api, fields, models
from odoo.tools import SQL

from odoo.addons.invoicing_specialist.models.match import RECHECK_AFTER

from .queue_common import batch_size_param

CHANNEL = "root.invoicing_specialist"
BATCH_SIZE_PARAM = "invoicing_specialist_queue.recheck_batch_size"
DEFAULT_BATCH_SIZE = 200


class IspecMatch(models.AbstractModel):
    """The daily recheck of open vendor bills as one job per batch of bills."""

    _inherit = "ispec.match"

    @api.model
    def _ispec_recheck_domain(self):
        """The open bills not checked for RECHECK_AFTER (UTC on both sides)."""
        due_before = fields.Datetime.now() - RECHECK_AFTER
        return [
            ("move_type", "in", ("in_invoice", "in_refund")), ("state", "in", ("draft", "posted")),
            ("payment_state", "in", ("not_paid", "partial", "blocked")),
            "|", ("ispec_match_checked_at", "=", False), ("ispec_match_checked_at", "<", due_before),
        ]

    @api.model
    def _cron_recheck_open_bills(self, batch_size=None):
        """Scheduled action with the job queue: queue one job per batch of the bills due (the same batch
        of bills is not queued twice while its job waits). Returns the number of jobs queued."""
        batch_size = batch_size or batch_size_param(self.env, BATCH_SIZE_PARAM, DEFAULT_BATCH_SIZE)
        bill_ids = self.env["account.move"].search(self._ispec_recheck_domain(), order="id").ids
        batches = [bill_ids[start:start + batch_size] for start in range(0, len(bill_ids), batch_size)]
        for batch in batches:
            self.with_delay(
                channel=CHANNEL, identity_key=f"ispec.match.recheck:{batch[0]}-{batch[-1]}:{len(batch)}",
                description=self.env._("Recheck %(count)s open vendor bills", count=len(batch)),
            )._ispec_job_recheck(batch)
        return len(batches)

    @api.model
    def _ispec_job_recheck(self, bill_ids):
        """Job: check again those of ``bill_ids`` still due (not checked meanwhile), and write the moment."""
        bills = self.env["account.move"].search(self._ispec_recheck_domain() + [("id", "in", bill_ids)])
        if not bills:
            return self.env._("No bill left to recheck.")
        self._check_bills(bills)
        # The moment of the check in one statement, as the scheduled action writes it (not a person's edit).
        self.env.flush_all()
        self.env.cr.execute(SQL("UPDATE account_move SET ispec_match_checked_at = %s WHERE id = ANY(%s)",
                                fields.Datetime.now(), bills.ids))
        bills.invalidate_recordset(["ispec_match_checked_at"])
        return self.env._("%(count)s vendor bills rechecked.", count=len(bills))
