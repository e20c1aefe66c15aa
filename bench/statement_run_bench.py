"""Statement run benchmark: a run that renders and mails the PDF statements of N customers, against a bare
Odoo rendering one invoice PDF per customer (Odoo's own invoice report, the same wkhtmltopdf).

Run with `make bench` (tools/bench.sh) after statement_bench.py built the customers, or with ``--ledger`` (after
the number of customers) on the customers of `make scale`'s ledger that have an open invoice, as of its last
day (statements of 24 months of business). Everything is rolled back. Target: at most 1.2x: beside
wkhtmltopdf, the data phase and queuing the mail cost next to nothing.
"""

import statistics
import sys

from bench_common import timed, write_result
from statement_bench import TAG, ledger_customers

from odoo import SUPERUSER_ID, Command, api, fields
from odoo.modules.registry import Registry
from odoo.tools import config

RUNS = 3


class _Undo(Exception):
    """Rolls a run back to its savepoint."""


def undone(env, func):
    """Seconds and queries of ``func()``, rolled back afterwards."""
    try:
        with env.cr.savepoint():
            result = timed(env, func, memory=False)
            raise _Undo
    except _Undo:
        env.invalidate_all()
    return result[2], result[1]


def main(dbname, count, ledger=False):
    registry = Registry(dbname)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        # wkhtmltopdf fetches the report assets from report.url: no HTTP server runs in the benchmark, so
        # point it to a closed port (it fails at once and renders without them, on both sides alike).
        env["ir.config_parameter"].set_param("report.url", "http://127.0.0.1:9")
        statement_date = fields.Date.today()
        if ledger:  # the generated ledger's customers with an open invoice, as of its last day
            company, customers, statement_date = ledger_customers(env)
            env = env(context=dict(env.context, allowed_company_ids=company.ids))
            open_invoices = env["account.move"].search([
                ("partner_id", "in", customers.ids), ("move_type", "=", "out_invoice"),
                ("payment_state", "=", "not_paid"), ("state", "=", "posted")])
            customers = open_invoices.partner_id.sorted("id")[:count]
        else:
            customers = env["res.partner"].search([("category_id.name", "=", TAG)], order="id", limit=count)
        assert len(customers) == count, "run statement_bench.py first: it builds the customers"
        for customer in customers:
            customer.email = f"bench{customer.id}@example.com"
        invoices = env["account.move"].search(
            [("partner_id", "in", customers.ids), ("move_type", "=", "out_invoice"),
             ("payment_state", "=", "not_paid")], order="id")
        one_invoice = {invoice.partner_id.id: invoice for invoice in invoices}
        report = env["ir.actions.report"].with_context(force_report_rendering=True)

        def odoo_alone():
            for customer in customers:
                report._render_qweb_pdf("account.account_invoices", one_invoice[customer.id].ids)

        def statement_run():
            run = env["ispec.statement.run"].with_context(force_report_rendering=True).create({
                "statement_type": "outstanding", "output_format": "pdf", "date": statement_date,
                "partner_ids": [Command.set(customers.ids)]})
            with run._processing():  # the run's lock, as Send Statements takes it
                run._add_customers(run._selected_customers())
                run._process()
            assert run.queued_count == count, f"{run.queued_count} of {count} statements queued: {run.note}"

        alone = [undone(env, odoo_alone) for _run in range(RUNS)]
        ours = [undone(env, statement_run) for _run in range(RUNS)]
        s_alone, s_ours = statistics.median(r[0] for r in alone), statistics.median(r[0] for r in ours)
        print(f"{count} customers: one invoice PDF each {s_alone:7.2f} s {alone[0][1]} queries | statement run "
              f"(PDF + mail each) {s_ours:7.2f} s {ours[0][1]} queries | ratio {s_ours / s_alone:.2f}x", flush=True)
        cr.rollback()
    write_result("statement_run_ledger" if ledger else "statement_run", [
        f"# Statement run end to end against Odoo's own invoice PDF, {fields.Date.today()}",
        f"Median of {RUNS} runs, each rolled back. Target: at most 1.2x.", "Command: `make bench` (tools/bench.sh).",
        "", "| customers | one invoice PDF each, s | queries | statement run (PDF + mail), s | queries | ratio |",
        "|---:|---:|---:|---:|---:|---:|",
        f"| {count} | {s_alone:.2f} | {alone[0][1]} | {s_ours:.2f} | {ours[0][1]} | {s_ours / s_alone:.2f}x |"])


if __name__ == "__main__":
    config.parse_config(["-c", sys.argv[1], "--log-level=warn"])
    main(sys.argv[2], int(sys.argv[3]), ledger="--ledger" in sys.argv[4:])
