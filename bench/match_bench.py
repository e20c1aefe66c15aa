"""Bill matching benchmark: what the match check adds to posting vendor bills, against Odoo alone.

Run with `make bench` (tools/bench.sh), which prepares a database with the addon. Everything the
benchmark creates is rolled back. It prints one line per measure:

- post N bills: Odoo's own posting with the check switched off, then with it (queries, median seconds of
  three runs, each rolled back to a savepoint), and the ratio, also written to bench/results/;
- check N bills: the check alone (queries, seconds, peak Python memory), for 1, 50 and 500 bills.
"""

import statistics
import sys
from unittest.mock import patch

from bench_common import timed, write_result

from odoo import SUPERUSER_ID, Command, api, fields
from odoo.modules.registry import Registry
from odoo.tools import config

RUNS = 3


def build(env, vendor, product, count):
    """``count`` confirmed POs, fully received, and one draft bill each."""
    pos = env["purchase.order"].create([{
        "partner_id": vendor.id,
        "order_line": [Command.create({"product_id": product.id, "product_qty": 10, "price_unit": 10.0})],
    } for _i in range(count)])
    pos.button_confirm()
    moves = pos.picking_ids.move_ids
    moves.quantity = 10
    moves.picked = True
    pos.picking_ids._action_done()
    return env["account.move"].create([{
        "move_type": "in_invoice", "partner_id": vendor.id, "invoice_date": "2026-01-15", "ref": f"BENCH-{po.id}",
        "invoice_line_ids": [Command.create({"product_id": product.id, "quantity": 10, "price_unit": 10.0,
                                             "purchase_line_id": po.order_line.id})],
    } for po in pos])


class _Undo(Exception):
    """Rolls a run back to its savepoint."""


def post_runs(env, bills, runs=RUNS):
    """Median seconds and the queries of posting ``bills``, ``runs`` times, each undone."""
    seconds, queries = [], 0
    for _run in range(runs):
        try:
            with env.cr.savepoint():
                _r, queries, elapsed, _m = timed(env, bills.action_post, memory=False)
                seconds.append(elapsed)
                raise _Undo
        except _Undo:
            env.invalidate_all()
    return statistics.median(seconds), queries


def main(dbname, count):
    registry = Registry(dbname)
    rows = []
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        if not env.company.chart_template:
            env["account.chart.template"].try_loading("generic_coa", env.company, install_demo=False)
        env.company.ispec_match_mode = "block"
        vendor = env["res.partner"].create({"name": "Bench Vendor"})
        product = env["product.product"].create({
            "name": "Bench Part", "type": "consu", "is_storable": True, "purchase_method": "receive"})
        Match = type(env["ispec.match"])
        alone, checked = build(env, vendor, product, count), build(env, vendor, product, count)
        with patch.object(Match, "_check_bills", lambda self, moves: None):
            s_alone, q_alone = post_runs(env, alone)
        s_checked, q_checked = post_runs(env, checked)
        print(f"post {count} bills, Odoo alone:      {q_alone:6d} queries {s_alone:7.2f} s")
        print(f"post {count} bills, with the check:  {q_checked:6d} queries {s_checked:7.2f} s  "
              f"ratio {s_checked / s_alone:.2f}x")
        rows.append((f"post {count} bills", s_alone, q_alone, s_checked, q_checked))
        checked.action_post()
        assert set(checked.mapped("ispec_match_state")) == {"matched"}, "every bench bill should match"
        for size in (1, 50, count):
            _r, q, s, m = timed(env, lambda size=size: env["ispec.match"]._check_bills(checked[:size]))
            print(f"check {size:4d} bills alone:          {q:6d} queries {s:7.3f} s  {m / 2**20:6.1f} MiB peak")
        cr.rollback()
    write_results(rows, count)


def write_results(rows, count):
    write_result("match", [
        f"# Posting vendor bills with the match check against Odoo alone, {fields.Date.today()}",
        f"Median of {RUNS} runs, each rolled back. Target: at most 1.15x.",
        f"Command: `make bench BENCH_BILLS={count}` (tools/bench.sh).", "",
        "| measure | Odoo alone s | queries | with the check s | queries | ratio |", "|---|---:|---:|---:|---:|---:|",
        *(f"| {name} | {s_a:.2f} | {q_a} | {s_c:.2f} | {q_c} | {s_c / s_a:.2f}x |"
          for name, s_a, q_a, s_c, q_c in rows)])


if __name__ == "__main__":
    config.parse_config(["-c", sys.argv[1], "--log-level=warn"])
    main(sys.argv[2], int(sys.argv[3]))
