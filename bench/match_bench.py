"""Bill matching benchmark: what the match check adds to posting vendor bills, against Odoo alone.

Run with `make bench` (tools/bench.sh), which prepares a database with the addon. Everything the
benchmark creates is rolled back. It prints one line per measure:

- post N bills: Odoo's own posting with the check switched off, then with it (queries, seconds);
- check N bills: the check alone (queries, seconds, peak Python memory), for 1, 50 and 500 bills.
"""

import sys
from unittest.mock import patch

from bench_common import timed

from odoo import SUPERUSER_ID, Command, api
from odoo.modules.registry import Registry
from odoo.tools import config


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


def main(dbname, count):
    registry = Registry(dbname)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        env.company.ispec_match_mode = "block"
        vendor = env["res.partner"].create({"name": "Bench Vendor"})
        product = env["product.product"].create({
            "name": "Bench Part", "type": "consu", "is_storable": True, "purchase_method": "receive"})
        Match = type(env["ispec.match"])
        alone, checked = build(env, vendor, product, count), build(env, vendor, product, count)
        with patch.object(Match, "_check_bills", lambda self, moves: None):
            _r, q, s, _m = timed(env, alone.action_post, memory=False)  # a bill is posted once
        print(f"post {count} bills, Odoo alone:      {q:6d} queries {s:7.2f} s")
        _r, q, s, _m = timed(env, checked.action_post, memory=False)
        print(f"post {count} bills, with the check:  {q:6d} queries {s:7.2f} s")
        assert set(checked.mapped("ispec_match_state")) == {"matched"}, "every bench bill should match"
        for size in (1, 50, count):
            _r, q, s, m = timed(env, lambda size=size: env["ispec.match"]._check_bills(checked[:size]))
            print(f"check {size:4d} bills alone:          {q:6d} queries {s:7.3f} s  {m / 2**20:6.1f} MiB peak")
        cr.rollback()


if __name__ == "__main__":
    config.parse_config(["-c", sys.argv[1], "--log-level=warn"])
    main(sys.argv[2], int(sys.argv[3]))
