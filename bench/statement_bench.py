"""Customer statements benchmark: this addon against OCA's partner_statement (19.0), same data.

Run with `make bench` (tools/bench.sh), which installs both on the bench database. The first run
builds the receivables (customers tagged "ispec-bench", three invoices each: one paid, one partly
paid, one open) and commits them, so later runs reuse them. Each measure runs the data phase, then
the XLSX workbook, for the first 100 and for all customers: queries, seconds, peak Python memory.
"""

import sys

from bench_common import timed

from odoo import SUPERUSER_ID, Command, api, fields
from odoo.modules.registry import Registry
from odoo.tools import config

TAG = "ispec-bench"


def build(env, count):
    """``count`` customers with a paid, a partly paid and an open invoice, over four months."""
    tag = env["res.partner.category"].create({"name": TAG})
    customers = env["res.partner"].create([
        {"name": f"Bench Customer {i:04d}", "category_id": [Command.link(tag.id)]} for i in range(count)])
    today = fields.Date.context_today(env["res.partner"])
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
    return customers


def oca_data(company, ids, date_end, date_start=None):
    return {
        "date_end": date_end, "date_start": date_start, "company_id": company.id, "partner_ids": ids,
        "show_aging_buckets": True, "show_only_overdue": False, "filter_non_due_partners": False,
        "account_type": "asset_receivable", "aging_type": "days", "filter_negative_balances": True,
        "excluded_accounts_ids": [], "is_activity": bool(date_start), "is_outstanding": not date_start,
    }


def main(dbname, count):
    registry = Registry(dbname)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        customers = env["res.partner"].search([("category_id.name", "=", TAG)], order="id")
        if not customers:
            print(f"building {count} customers with 3 invoices each (once)...")
            customers = build(env, count)
            cr.commit()  # bench data only, in the bench database: later runs reuse it
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
        for size in sorted({min(100, len(customers)), len(customers)}):
            ids = customers[:size].ids
            for kind in ("outstanding", "activity"):
                start = date_start if kind == "activity" else None
                data = Ours._report_data(kind, date_end, start, company)
                runs = {
                    "ours data": lambda kind=kind, start=start, ids=ids: Ours._get_statement_data(
                        ids, date_end, start, kind, company),
                    "OCA  data": lambda kind=kind, start=start, ids=ids: oca[kind]._get_report_values(
                        ids, oca_data(company, ids, date_end, start)),
                    "ours xlsx": lambda data=data, ids=ids: Ours._render_xlsx(env["res.partner"].browse(ids), data),
                    "OCA  xlsx": lambda kind=kind, start=start, ids=ids: oca_xlsx[kind].create_xlsx_report(
                        ids, oca_data(company, ids, date_end, start)),
                }
                for label, run in runs.items():
                    _result, queries, seconds, peak = timed(env, run)
                    print(f"{kind:11s} {size:5d} customers  {label}: {queries:6d} queries {seconds:7.3f} s "
                          f"{peak / 2**20:7.1f} MiB peak")
        cr.rollback()


if __name__ == "__main__":
    config.parse_config(["-c", sys.argv[1], "--log-level=warn"])
    main(sys.argv[2], int(sys.argv[3]))
