"""Customer statements benchmark: this addon against OCA's partner_statement (19.0), same data.

Run with `make bench` (tools/bench.sh), which installs both on the bench database. The first run
builds the receivables (customers tagged "ispec-bench", three invoices each: one paid, one partly
paid, one open) and commits them, so later runs reuse them (and extends them when more customers are
asked for). Each measure runs the data phase, then the XLSX workbook, for each size (100, 1,000 and
5,000 customers by default): the median of RUNS runs of seconds, the queries, the peak Python memory,
and ours against OCA's as a ratio. The table is printed and written to bench/results/.
With ``--ledger`` (after the sizes) it takes the customers of the generated ledger of `make scale` instead,
as of the ledger's last day: 24 months of invoices, payments and credit notes per customer.
"""

import statistics
import sys

from bench_common import timed, write_result

from odoo import SUPERUSER_ID, Command, api, fields
from odoo.modules.registry import Registry
from odoo.tools import SQL, config

TAG = "ispec-bench"
LEDGER_COMPANY = "Scale Ledger SA"  # the company of bench/scale_ledger.py's generated ledger


RUNS = 3


CHUNK = 250  # customers built and committed at a time: Odoo's payment numbering slows down on big batches


def build(env, count, start=0):
    """Customers ``start`` to ``count`` with a paid, a partly paid and an open invoice, over four months,
    ``CHUNK`` customers at a time, each chunk committed (bench data only, in the bench database)."""
    tag = env["res.partner.category"].search([("name", "=", TAG)], limit=1) or env["res.partner.category"].create(
        {"name": TAG})
    today = fields.Date.context_today(env["res.partner"])
    for first in range(start, count, CHUNK):
        customers = env["res.partner"].create([
            {"name": f"Bench Customer {i:05d}", "category_id": [Command.link(tag.id)]}
            for i in range(first, min(first + CHUNK, count))])
        invoices = env["account.move"].create([{
            "move_type": "out_invoice", "partner_id": customer.id,
            "invoice_date": fields.Date.subtract(today, days=30 * months + customer.id % 30),
            "invoice_line_ids": [Command.create({"name": "Service", "quantity": 1, "price_unit": 100.0 + months,
                                                 "tax_ids": [Command.clear()]})],
        } for customer in customers for months in (1, 2, 3)])
        invoices.action_post()
        by_age = invoices.grouped(lambda move: round(move.amount_total) - 100)
        env["account.payment.register"].with_context(active_model="account.move", active_ids=by_age[3].ids).create(
            {"group_payment": False}).action_create_payments()
        for invoice in by_age[2]:  # a part payment each: the wizard takes one amount per run
            env["account.payment.register"].with_context(active_model="account.move", active_ids=invoice.ids).create(
                {"amount": 40.0}).action_create_payments()
        env.cr.commit()
        print(f"  {min(first + CHUNK, count)} customers built", flush=True)
    env.cr.execute("ANALYZE")  # autovacuum is off on the bench machine: plans need fresh statistics


def oca_data(company, ids, date_end, date_start=None):
    return {
        "date_end": date_end, "date_start": date_start, "company_id": company.id, "partner_ids": ids,
        "show_aging_buckets": True, "show_only_overdue": False, "filter_non_due_partners": False,
        "account_type": "asset_receivable", "aging_type": "days", "filter_negative_balances": True,
        "excluded_accounts_ids": [], "is_activity": bool(date_start), "is_outstanding": not date_start,
    }


def median_run(env, run):
    """(median seconds, queries, peak MiB) of RUNS runs; memory from one more run under tracemalloc."""
    seconds = []
    for index in range(RUNS):
        _result, queries, elapsed, peak = timed(env, run, memory=index == RUNS - 1)
        seconds.append(elapsed)
    return statistics.median(seconds), queries, peak / 2**20


def ledger_customers(env):
    """The generated ledger's company (`make scale`), its customers with receivable lines, and its last day."""
    company = env["res.company"].search([("name", "=", LEDGER_COMPANY)], limit=1)
    if not company:
        raise SystemExit(f"no company {LEDGER_COMPANY!r} in this database: run `make scale` first")
    env.cr.execute(SQL("""
        SELECT l.partner_id, MAX(l.date) FROM account_move_line l
          JOIN account_account a ON a.id = l.account_id
         WHERE l.company_id = %s AND l.parent_state = 'posted' AND a.account_type = 'asset_receivable'
           AND l.partner_id IS NOT NULL
      GROUP BY l.partner_id ORDER BY l.partner_id""", company.id))
    found = env.cr.fetchall()
    return company, env["res.partner"].browse([partner for partner, _day in found]), max(day for _p, day in found)


def main(dbname, sizes, ledger=False):
    registry = Registry(dbname)
    rows = []
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        if ledger:
            company, customers, date_end = ledger_customers(env)
            env = env(context=dict(env.context, allowed_company_ids=company.ids))
            customers = customers.with_env(env)
            if len(customers) < max(sizes):
                print(f"the ledger has {len(customers)} customers: sizes above are cut to it")
                sizes = sorted({min(size, len(customers)) for size in sizes})
        else:
            if not env.company.chart_template:
                env["account.chart.template"].try_loading("generic_coa", env.company, install_demo=False)
            customers = env["res.partner"].search([("category_id.name", "=", TAG)], order="id")
            if len(customers) < max(sizes):
                print(f"building {max(sizes) - len(customers)} more customers with 3 invoices each (once)...")
                build(env, max(sizes), start=len(customers))
                customers = env["res.partner"].search([("category_id.name", "=", TAG)], order="id")
            company = env.company
            date_end = fields.Date.context_today(env["res.partner"])
        date_start = fields.Date.subtract(date_end, months=3)
        Ours = env["ispec.statement"]
        oca = {"outstanding": env["report.partner_statement.outstanding_statement"],
               "activity": env["report.partner_statement.activity_statement"]}
        # report_xlsx finds its records through active_model, as when printed from the customer list.
        xlsx_env = env(context=dict(env.context, active_model="res.partner"))
        oca_xlsx = {"outstanding": xlsx_env["report.p_s.report_outstanding_statement_xlsx"],
                    "activity": xlsx_env["report.p_s.report_activity_statement_xlsx"]}
        for size in sizes:
            ids = customers[:size].ids
            for kind in ("outstanding", "activity"):
                start = date_start if kind == "activity" else None
                data = Ours._report_data(kind, date_end, start, company)
                pairs = {
                    "data": (lambda kind=kind, start=start, ids=ids: Ours._get_statement_data(
                                ids, date_end, start, kind, company),
                             lambda kind=kind, start=start, ids=ids: oca[kind]._get_report_values(
                                ids, oca_data(company, ids, date_end, start))),
                    "xlsx": (lambda data=data, ids=ids: Ours._render_xlsx(env["res.partner"].browse(ids), data),
                             lambda kind=kind, start=start, ids=ids: oca_xlsx[kind].create_xlsx_report(
                                ids, oca_data(company, ids, date_end, start))),
                }
                for what, (ours, theirs) in pairs.items():
                    mine, peer = median_run(env, ours), median_run(env, theirs)
                    rows.append((kind, size, what, mine, peer))
                    print(f"{kind:11s} {size:5d} {what}: ours {mine[0]:7.3f} s {mine[1]:6d} q {mine[2]:7.1f} MiB | "
                          f"OCA {peer[0]:7.3f} s {peer[1]:6d} q {peer[2]:7.1f} MiB | "
                          f"OCA/ours time {peer[0] / mine[0]:5.2f}x memory {peer[2] / max(mine[2], 0.01):5.2f}x",
                          flush=True)
        cr.rollback()
    write_results(rows, ledger)


def write_results(rows, ledger=False):
    """The table, as Markdown, in bench/results/statement_<date>.md."""
    write_result("statement_ledger" if ledger else "statement", [
        f"# Customer statements against OCA partner_statement, {fields.Date.today()}",
        f"Median of {RUNS} runs; memory is the peak of Python allocations (tracemalloc) in one more run.",
        "Command: `make bench BENCH_CUSTOMERS=...` (tools/bench.sh)"
        + (f", on the customers of the generated ledger (`make scale`, company {LEDGER_COMPANY}), its last day as "
           "the statement date." if ledger else ", on customers with three invoices each built by the bench."), "",
        "| statement | customers | part | ours s | OCA s | OCA/ours time | ours queries | OCA queries "
        "| ours MiB | OCA MiB |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|",
        *(f"| {kind} | {size} | {what} | {mine[0]:.3f} | {peer[0]:.3f} | {peer[0] / mine[0]:.2f}x "
          f"| {mine[1]} | {peer[1]} | {mine[2]:.1f} | {peer[2]:.1f} |" for kind, size, what, mine, peer in rows)])


if __name__ == "__main__":
    config.parse_config(["-c", sys.argv[1], "--log-level=warn"])
    main(sys.argv[2], sorted(int(size) for size in sys.argv[3].split(",")), ledger="--ledger" in sys.argv[4:])
