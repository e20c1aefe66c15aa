"""Daily recheck benchmark: the scheduled recheck of open vendor bills at 100, 1,000 and 10,000 bills.

Run with `make bench` (tools/bench.sh). The first run builds the bills (POs fully received, one posted
bill each, vendor "Recheck Bench Vendor") and commits them, so later runs reuse them. Each measure marks
the first N bills as due and runs the scheduled action's method as the cron does (a batch at a time, a
commit after each): seconds per bill and queries per batch must stay flat as N grows.
"""

import statistics
import sys
import time

from bench_common import write_result
from match_bench import build

from odoo import SUPERUSER_ID, api, fields
from odoo.modules.registry import Registry
from odoo.tools import SQL, config

VENDOR = "Recheck Bench Vendor"
BATCH = 200
RUNS = 3


def bills_of(env, count):
    vendor = env["res.partner"].search([("name", "=", VENDOR)], limit=1)
    if not vendor:
        vendor = env["res.partner"].create({"name": VENDOR})
    bills = env["account.move"].search([("partner_id", "=", vendor.id), ("move_type", "=", "in_invoice")],
                                       order="id")
    if len(bills) < count:
        print(f"building {count - len(bills)} received POs and their posted bills (once)...", flush=True)
        product = env["product.product"].search([("default_code", "=", "RECHECK-BENCH")], limit=1) or env[
            "product.product"].create({"name": "Recheck Bench Part", "default_code": "RECHECK-BENCH",
                                       "type": "consu", "is_storable": True, "purchase_method": "receive"})
        for _chunk in range(0, count - len(bills), 1000):
            new = build(env, vendor, product, min(1000, count - len(bills) - _chunk))
            new.action_post()
            env.cr.commit()  # bench data only, in the bench database: later runs reuse it
        env.cr.execute("ANALYZE")  # autovacuum is off on the bench machine
        bills = env["account.move"].search([("partner_id", "=", vendor.id), ("move_type", "=", "in_invoice")],
                                           order="id")
    return bills


def run_recheck(env, bills):
    """Mark ``bills`` due, run the recheck as the cron does; (seconds, queries, batches)."""
    env.cr.execute(SQL("UPDATE account_move SET ispec_match_checked_at = NULL WHERE partner_id = %s",
                       bills.partner_id.id))
    env.cr.execute(SQL("UPDATE account_move SET ispec_match_checked_at = now() at time zone 'UTC' "
                       "WHERE partner_id = %s AND id != ALL(%s)", bills.partner_id.id, bills.ids))
    env.cr.commit()
    env.invalidate_all()
    queries = env.cr.sql_log_count
    start = time.perf_counter()
    env["ispec.match"]._cron_recheck_open_bills(batch_size=BATCH)
    seconds = time.perf_counter() - start
    return seconds, env.cr.sql_log_count - queries, -(-len(bills) // BATCH)


def main(dbname, sizes):
    registry = Registry(dbname)
    rows = []
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        env.company.ispec_match_mode = "block"
        bills = bills_of(env, max(sizes))
        for size in sizes:
            runs = [run_recheck(env, bills[:size]) for _run in range(RUNS)]
            seconds = statistics.median(run[0] for run in runs)
            queries, batches = runs[0][1], runs[0][2]
            rows.append((size, seconds, queries, batches))
            print(f"recheck {size:6d} bills: {seconds:8.2f} s  {1000 * seconds / size:6.2f} ms/bill  "
                  f"{queries:7d} queries  {queries / batches:7.1f} queries/batch", flush=True)
    write_results(rows)


def write_results(rows):
    write_result("recheck", [
        f"# Daily recheck of open vendor bills, {fields.Date.today()}",
        f"Median of {RUNS} runs of the scheduled action's method, batches of {BATCH} bills, a commit after each.",
        "Command: `make bench` (tools/bench.sh).", "",
        "| open bills | seconds | ms per bill | queries | queries per batch |", "|---:|---:|---:|---:|---:|",
        *(f"| {size} | {seconds:.2f} | {1000 * seconds / size:.2f} | {queries} | {queries / batches:.1f} |"
          for size, seconds, queries, batches in rows)])


if __name__ == "__main__":
    config.parse_config(["-c", sys.argv[1], "--log-level=warn"])
    main(sys.argv[2], sorted(int(size) for size in sys.argv[3].split(",")))
