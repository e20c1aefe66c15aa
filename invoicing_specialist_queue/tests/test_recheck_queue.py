"""The daily recheck of open vendor bills as one job per batch of bills."""

from odoo import Command, fields
from odoo.tests import tagged
from odoo.tools import SQL

from odoo.addons.account.tests.common import AccountTestInvoicingCommon
from odoo.addons.queue_job.tests.common import trap_jobs

from ..models.match import BATCH_SIZE_PARAM, CHANNEL


@tagged("post_install", "-at_install")
class TestRecheckQueue(AccountTestInvoicingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.bills = cls.env["account.move"].create([{
            "move_type": "in_invoice", "partner_id": cls.partner_a.id, "invoice_date": "2025-03-01",
            "invoice_line_ids": [Command.create({"product_id": cls.product_a.id, "price_unit": 10.0 * (i + 1),
                                                 "tax_ids": [Command.clear()]})],
        } for i in range(5)])
        cls.bills.action_post()
        cls.env["ir.config_parameter"].set_param(BATCH_SIZE_PARAM, "2")

    def test_recheck_split_in_jobs_by_batch(self):
        self.env.flush_all()
        self.env.cr.execute(SQL("UPDATE account_move SET ispec_match_checked_at = NULL"))
        self.env.invalidate_all()
        match = self.env["ispec.match"]
        due = self.env["account.move"].search(match._ispec_recheck_domain(), order="id")
        self.assertLessEqual(self.bills, due)
        expected = -(-len(due) // 2)
        with trap_jobs() as trap:
            self.assertEqual(match._cron_recheck_open_bills(), expected)
            trap.assert_jobs_count(expected, only=match._ispec_job_recheck)
            trap.assert_enqueued_job(match._ispec_job_recheck, args=(due[:2].ids,), properties={
                "channel": CHANNEL, "identity_key": f"ispec.match.recheck:{due[0].id}-{due[1].id}:2"})
            # Queued again before the jobs ran: the same batches, not twice.
            match._cron_recheck_open_bills()
            self.assertEqual(trap.jobs_count(), expected)
            before = fields.Datetime.now()
            trap.perform_enqueued_jobs()
        self.assertTrue(all(bill.ispec_match_checked_at and bill.ispec_match_checked_at >= before
                            for bill in due))
        with trap_jobs() as trap:
            self.assertEqual(match._cron_recheck_open_bills(), 0, "checked today: nothing due")
            trap.assert_jobs_count(0)
