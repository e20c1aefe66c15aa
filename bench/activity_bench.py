"""Activity report benchmark: the yearly summary (this year, the year before and the same period last year,
every figure) on the scale ledger, its seconds and query count, and the query count on an empty company.

Run with `make bench` (tools/bench.sh) on the database `make scale` made. The figures come from set-based
SQL: the query count must be the same whatever the number of invoices.
"""

import statistics
import sys

from bench_common import timed, write_result

from odoo import SUPERUSER_ID, api, fields
from odoo.modules.registry import Registry
from odoo.tools import config

RUNS = 3


def main(dbname):
    registry = Registry(dbname)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        Report = env["ispec.activity.report"]
        cr.execute("SELECT company_id, count(*) FROM account_move GROUP BY company_id ORDER BY 2 DESC LIMIT 1")
        company_id, moves = cr.fetchone()
        company = env["res.company"].browse(company_id)
        cr.execute("SELECT max(date) FROM account_move WHERE company_id = %s", [company_id])
        day = cr.fetchone()[0] or fields.Date.today()
        periods = Report._periods(company, "year", day)
        runs = [timed(env, lambda: Report._figure_values(company, periods), memory=False) for _run in range(RUNS)]
        seconds, queries = statistics.median(run[2] for run in runs), runs[0][1]
        empty = env["res.company"].create({"name": "Activity Bench Empty Company"})
        env.user.company_ids |= empty
        _r, empty_queries, _s, _m = timed(
            env, lambda: Report._figure_values(empty, Report._periods(empty, "year", day)), memory=False)
        print(f"yearly activity summary of {company.name} ({moves} journal entries): {seconds:.3f} s, "
              f"{queries} queries; empty company: {empty_queries} queries", flush=True)
        cr.rollback()
    write_result("activity", [
        f"# Yearly activity summary on the scale ledger, {fields.Date.today()}",
        f"Median of {RUNS} runs of every figure for the fiscal year, the year before and the same period last year.",
        "Command: `make bench` (tools/bench.sh).", "",
        "| journal entries | seconds | queries | queries on an empty company |", "|---:|---:|---:|---:|",
        f"| {moves} | {seconds:.3f} | {queries} | {empty_queries} |"])


if __name__ == "__main__":
    config.parse_config(["-c", sys.argv[1], "--log-level=warn"])
    main(sys.argv[2])
