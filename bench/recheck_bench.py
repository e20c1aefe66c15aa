"""Daily recheck benchmark: the scheduled recheck of open vendor bills at 100, 1,000 and 10,000 bills.

Usage: recheck_bench.py ODOO_CONF DB SIZES [--ledger]

Run with `make bench` (tools/bench.sh). The first run builds the bills (POs fully received, one posted
bill each, vendor "Recheck Bench Vendor") and commits them, so later runs reuse them. Each measure marks
the first N bills as due and runs the scheduled action's method as the cron does (a batch at a time, a
commit after each): seconds per bill and queries per batch must stay flat as N grows.

``--ledger``: on the ledger `make scale` generated (DB is its database, e.g. invoicing_scale): the bills are
the open vendor bills of its company "Scale Ledger SA" that have a purchase order, oldest first, as
bench/scale_ledger.py made them (matched, waiting for receipt, in exception on each rule, duplicates, on
full, partial and no receipts, among thousands of vendors); nothing is created, and the company's own
match settings are kept. Each run marks the first N of them due (and every other open bill checked), so
that the cron takes exactly those N.
"""

import argparse
import statistics
import time

from bench_common import write_result
from match_bench import build

from odoo import SUPERUSER_ID, api, fields
from odoo.modules.registry import Registry
from odoo.tools import SQL, config

VENDOR = "Recheck Bench Vendor"
LEDGER_COMPANY = "Scale Ledger SA"
BATCH = 200
RUNS = 3
OPEN_BILLS = SQL("""move_type IN ('in_invoice', 'in_refund') AND state IN ('draft', 'posted')
                    AND payment_state IN ('not_paid', 'partial', 'blocked')""")


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


def ledger_bills_of(env, count):
    """The first ``count`` open vendor bills with a purchase order of the generated ledger's company."""
    env.cr.execute(SQL("""
        SELECT m.id FROM account_move m JOIN res_company c ON c.id = m.company_id AND c.name = %s
         WHERE %s AND EXISTS (SELECT 1 FROM account_move_line l
                               WHERE l.move_id = m.id AND l.purchase_line_id IS NOT NULL)
      ORDER BY m.id LIMIT %s""", LEDGER_COMPANY, OPEN_BILLS, count))
    ids = [row[0] for row in env.cr.fetchall()]
    if len(ids) < count:
        raise SystemExit(f"{env.cr.dbname} has {len(ids)} open vendor bills with a purchase order in "
                         f"{LEDGER_COMPANY}, fewer than {count}: generate a larger ledger (make scale SCALE=...)")
    return env["account.move"].browse(ids)


def run_recheck(env, bills):
    """Mark ``bills`` due (every other open bill just checked), run the recheck as the cron does;
    (seconds, queries, batches)."""
    env.cr.execute(SQL("UPDATE account_move SET ispec_match_checked_at = NULL WHERE id = ANY(%s)", bills.ids))
    # The others just checked (those not checked within the hour only: fewer dead rows).
    env.cr.execute(SQL("""UPDATE account_move SET ispec_match_checked_at = now() at time zone 'UTC'
                           WHERE %s AND id != ALL(%s) AND (ispec_match_checked_at IS NULL
                                 OR ispec_match_checked_at < now() at time zone 'UTC' - interval '1 hour')""",
                       OPEN_BILLS, bills.ids))
    env.cr.commit()
    # What autovacuum would do on a real server (it is off on this machine): without it, each run's updates
    # leave dead rows that the cron's searches of the next runs read through.
    with Registry(env.cr.dbname).cursor() as vacuum_cr:
        vacuum_cr._cnx.autocommit = True  # VACUUM runs outside a transaction
        vacuum_cr.execute("VACUUM (ANALYZE) account_move")
    env.invalidate_all()
    queries = env.cr.sql_log_count
    start = time.perf_counter()
    env["ispec.match"]._cron_recheck_open_bills(batch_size=BATCH)
    seconds = time.perf_counter() - start
    return seconds, env.cr.sql_log_count - queries, -(-len(bills) // BATCH)


def main(dbname, sizes, ledger=False):
    registry = Registry(dbname)
    rows = []
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        if ledger:
            bills = ledger_bills_of(env, max(sizes))
            states = {}
            for bill in bills:
                states[bill.ispec_match_state] = states.get(bill.ispec_match_state, 0) + 1
            print(f"{len(bills)} open bills of the generated ledger: "
                  + ", ".join(f"{count} {state}" for state, count in sorted(states.items())), flush=True)
        else:
            env.company.ispec_match_mode = "block"
            bills = bills_of(env, max(sizes))
        for size in sizes:
            runs = [run_recheck(env, bills[:size]) for _run in range(RUNS)]
            seconds = statistics.median(run[0] for run in runs)
            queries, batches = runs[0][1], runs[0][2]
            rows.append((size, seconds, queries, batches))
            print(f"recheck {size:6d} bills: {seconds:8.2f} s  {1000 * seconds / size:6.2f} ms/bill  "
                  f"{queries:7d} queries  {queries / batches:7.1f} queries/batch", flush=True)
    write_results(rows, dbname if ledger else None)


def write_results(rows, ledger_db=None):
    if ledger_db:
        name, where, command = "recheck_ledger", (
            f"the open vendor bills with a purchase order of the generated ledger ({ledger_db}: `make scale`), "
            "matched, waiting, in exception and duplicates, with the company's own settings"), (
            f"`python bench/recheck_bench.py .build/odoo-bench.conf {ledger_db} "
            f"{','.join(str(row[0]) for row in rows)} --ledger`")
    else:
        name, where, command = "recheck", "bills of one vendor, each matching its fully received PO", (
            "`make bench` (tools/bench.sh)")
    write_result(name, [
        f"# Daily recheck of open vendor bills, {fields.Date.today()}",
        f"Median of {RUNS} runs of the scheduled action's method, batches of {BATCH} bills, a commit after each; "
        f"{where}.",
        f"Command: {command}.", "",
        "| open bills | seconds | ms per bill | queries | queries per batch |", "|---:|---:|---:|---:|---:|",
        *(f"| {size} | {seconds:.2f} | {1000 * seconds / size:.2f} | {queries} | {queries / batches:.1f} |"
          for size, seconds, queries, batches in rows)])


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("conf")
    parser.add_argument("db")
    parser.add_argument("sizes", help="comma-separated numbers of open bills, e.g. 100,1000,10000")
    parser.add_argument("--ledger", action="store_true",
                        help="use the open bills of the ledger `make scale` generated in DB instead of building some")
    args = parser.parse_args()
    config.parse_config(["-c", args.conf, "--log-level=warn"])
    main(args.db, sorted(int(size) for size in args.sizes.split(",")), ledger=args.ledger)
