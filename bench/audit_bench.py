"""Audit exports benchmark: this addon's journal-entry extract against PostgreSQL's COPY, Odoo's FEC export,
raw xlsxwriter and OCA account_financial_report's general ledger XLSX, on the ledger of `make scale`.

Usage: audit_bench.py ODOO_CONF DB [--runs 3] [--sizes 100000,0] [--results bench/results]

Every measure runs in a child process of its own, so that its peak memory is its own (the parent reads
the child's peak RSS from wait4's rusage); the child times the export alone (Odoo's registry is loaded
before the clock starts, and its RSS then is reported as the baseline). Figures are medians of ``--runs``.

Sizes: the same ledger is exported for a period holding about 100,000 posted journal lines (from the first
date to the day on which the count reaches it) and for all of it (size 0). Everything reads the same
rows: the posted lines of the scale company in the period.

The methods:
- ``copy``: psql's ``\\copy (SELECT ~15 columns of the lines) TO file CSV``, the physical limit;
- ``fec``: Odoo's FEC export (l10n_fr_account's wizard, the French company of the generated ledger);
- ``xlsxwriter``: the same ~15 columns as COPY, read with a server-side cursor and written with
  xlsxwriter's constant_memory, no Odoo: the library's limit;
- ``oca_gl``: OCA account_financial_report's general ledger XLSX (its wizard's data, its report);
- ``ours_csv``: this addon's GL_Detail dataset (the journal-entry extract's main file, AICPA ADS layout,
  43 columns with the test flags) written as CSV only by the addon's writer (an export's "CSV Only": the
  file streamed by PostgreSQL's COPY, the flags computed in the same statement);
- ``ours_xlsx``: the same dataset written by the addon's writer as XLSX only (an export's "XLSX Only");
- ``ours_package``: the whole export as a user runs it by default (``_generate``: the five ADS files as
  XLSX and CSV, manifest, checksums, zip, attachment).
Until the extract's dataset (``ads_gl_detail``) is registered, the invoice register stands in for it.
"""

import argparse
import csv
import datetime
import itertools
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COMPANY_NAME = "Scale Ledger SA"
XLSX_METHODS = ("xlsxwriter", "oca_gl", "ours_xlsx", "ours_package")
METHODS = ("copy", "fec", "xlsxwriter", "oca_gl", "ours_csv", "ours_xlsx", "ours_package")
LABELS = {
    "copy": "PostgreSQL COPY to CSV",
    "fec": "Odoo FEC export (l10n_fr_account)",
    "xlsxwriter": "raw xlsxwriter constant_memory, 15 columns",
    "oca_gl": "OCA account_financial_report GL XLSX",
    "ours_csv": "ours: JE extract GL_Detail, CSV",
    "ours_xlsx": "ours: JE extract GL_Detail, XLSX",
    "ours_package": "ours: whole JE extract package (zip)",
}
# The ~15 columns of a general ledger line that COPY and raw xlsxwriter write.
LINES_QUERY = """
    SELECT m.name AS entry, j.code AS journal, l.date, a.code_store ->> %(company)s::text AS account,
           COALESCE(a.name ->> 'en_US', '') AS account_name, COALESCE(p.name, '') AS partner,
           COALESCE(l.name, '') AS label, COALESCE(m.ref, '') AS ref, l.debit, l.credit, l.balance,
           cur.name AS currency, l.amount_currency, COALESCE(l.matching_number, '') AS matching,
           l.create_date
      FROM account_move_line l
      JOIN account_move m ON m.id = l.move_id
      JOIN account_journal j ON j.id = l.journal_id
      JOIN account_account a ON a.id = l.account_id
      JOIN res_currency cur ON cur.id = l.currency_id
 LEFT JOIN res_partner p ON p.id = l.partner_id
     WHERE l.company_id = %(company)s AND l.parent_state = 'posted'
       AND l.date BETWEEN %(date_from)s AND %(date_to)s
  ORDER BY l.date, l.move_id, l.id"""
TYPES = ("s", "s", "d", "s", "s", "s", "s", "s", "n", "n", "n", "s", "n", "s", "t")


def vm_hwm_kb():
    """This process's peak RSS so far (VmHWM), in kB."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


# ------------------------------------------------------------------------------------------------------
# Children: one export each, timed inside, the peak memory read by the parent
# ------------------------------------------------------------------------------------------------------
def child_xlsxwriter(args, out):
    import psycopg2  # noqa: PLC0415 (the child without Odoo)
    import xlsxwriter  # noqa: PLC0415

    baseline = vm_hwm_kb()
    start = time.perf_counter()
    conn = psycopg2.connect(dbname=args.db)
    rows = cells = 0
    with conn, conn.cursor(name="lines") as cursor:
        cursor.itersize = 2000
        cursor.execute(LINES_QUERY, {"company": args.company, "date_from": args.date_from, "date_to": args.date_to})
        workbook = xlsxwriter.Workbook(out, {"constant_memory": True})
        sheet = workbook.add_worksheet("Lines")
        date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
        time_format = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
        amount_format = workbook.add_format({"num_format": "#,##0.00"})
        sheet.write_row(0, 0, [d[0] for d in cursor.description] if cursor.description else [])
        for row in cursor:
            rows += 1
            for col, (kind, value) in enumerate(zip(TYPES, row, strict=True)):
                if value is None:
                    continue
                cells += 1
                if kind == "s":
                    sheet.write_string(rows, col, value)
                elif kind == "n":
                    sheet.write_number(rows, col, value, amount_format)
                elif kind == "d":
                    sheet.write_datetime(rows, col, datetime.datetime.combine(value, datetime.time()), date_format)
                else:
                    sheet.write_datetime(rows, col, value, time_format)
        workbook.close()
    conn.close()
    seconds = time.perf_counter() - start
    print(json.dumps({"cells_per_row": cells / max(rows, 1)}), file=sys.stderr)
    return rows, seconds, baseline


def odoo_env(args):
    import odoo.init  # noqa: F401, PLC0415 (the odoo namespace's shortcuts, as odoo-bin sets them up)
    from odoo import SUPERUSER_ID, api  # noqa: PLC0415
    from odoo.modules.registry import Registry  # noqa: PLC0415
    from odoo.tools import config  # noqa: PLC0415

    config.parse_config(["-c", args.conf, "--log-level=warn"])
    registry = Registry(args.db)
    cr = registry.cursor()
    env = api.Environment(cr, SUPERUSER_ID, {"allowed_company_ids": [args.company]})
    return env


def child_odoo(args, out):
    env = odoo_env(args)
    company = env["res.company"].browse(args.company)
    date_from = datetime.date.fromisoformat(args.date_from)
    date_to = datetime.date.fromisoformat(args.date_to)
    env["account.move.line"].search([], limit=1)  # warm the registry's caches like a running server's
    fec_wizard = None
    if args.child == "fec":
        # The FEC streams its lines through a cursor of its own, which reads the wizard: committed, as it is
        # when a user clicks (a transient record; the rest of the child is rolled back).
        fec_wizard = env["l10n_fr.fec.export.wizard"].with_company(company).create(
            {"date_from": date_from, "date_to": date_to, "test_file": True})
        env.cr.commit()
    baseline = vm_hwm_kb()
    start = time.perf_counter()
    rows = 0
    if args.child == "fec":
        result = fec_wizard.generate_fec()
        with open(out, "wb") as handle:
            for chunk in result["file_content"]:
                handle.write(chunk)
                rows += 1
    elif args.child == "oca_gl":
        wizard = env["general.ledger.report.wizard"].with_company(company).create({
            "company_id": company.id, "date_from": date_from, "date_to": date_to, "target_move": "posted",
            "centralize": False, "hide_account_at_0": False, "foreign_currency": True})
        data = wizard._prepare_report_data()
        report = env["report.a_f_r.report_general_ledger_xlsx"].with_context(
            active_model="general.ledger.report.wizard")
        content, _ext = report.create_xlsx_report(wizard.ids, data)
        with open(out, "wb") as handle:
            handle.write(content)
        rows = None  # its sheets hold the lines grouped by account, with totals
    else:
        rows, extract = ours(env, company, date_from, date_to, out, args.child)
        args.extract = extract
    seconds = time.perf_counter() - start
    env.cr.rollback()
    env.cr.close()
    return rows, seconds, baseline


def ours(env, company, date_from, date_to, out, kind):
    from odoo.addons.invoicing_specialist.models import audit_writer  # noqa: PLC0415
    from odoo.addons.invoicing_specialist.models.audit_dataset import DATASETS  # noqa: PLC0415

    extract = "ads_gl_detail" in DATASETS
    flag = "dataset_je_extract" if extract else "dataset_invoice_register"
    flags = {name: False for name in env["ispec.audit.export"]._fields if name.startswith("dataset_")}
    export = env["ispec.audit.export"].create(
        dict(flags, company_id=company.id, date_from=date_from, date_to=date_to, **{flag: True}))
    if kind == "ours_package":
        if not export._generate():
            raise RuntimeError(f"the export failed: {export.message}")
        with open(out, "wb") as handle:  # the package, for its size in the table
            handle.write(export.attachment_id.raw)
        return export.row_count, extract
    dataset = DATASETS["ads_gl_detail" if extract else "invoice_register"](export)
    # CSV alone (streamed by COPY for the extract) or the workbook alone, as an export with Files set to
    # "CSV Only" or "XLSX Only" writes them.
    folder = os.path.dirname(out)
    writer = audit_writer.AuditWriter(None if kind == "ours_csv" else out, folder if kind == "ours_csv" else None,
                                      decimals=company.currency_id.decimal_places)
    try:
        result = writer.write_dataset(dataset)
    finally:
        writer.close()
    return result.row_count, extract


def run_child(args):
    out = args.out
    if args.child == "xlsxwriter":
        rows, seconds, baseline = child_xlsxwriter(args, out)
    else:
        rows, seconds, baseline = child_odoo(args, out)
    print(json.dumps({"rows": rows, "seconds": seconds, "baseline_kb": baseline,
                      "extract": getattr(args, "extract", None)}))


# ------------------------------------------------------------------------------------------------------
# Parent: the runs, the medians, the table
# ------------------------------------------------------------------------------------------------------
def measure(args, method, company, date_from, date_to, folder):
    out = os.path.join(folder, f"{method}.out")
    if method == "copy":
        query = LINES_QUERY.replace("%(company)s", str(company)).replace(
            "%(date_from)s", f"'{date_from}'").replace("%(date_to)s", f"'{date_to}'")
        command = ["psql", "-q", "-X", "-d", args.db, "-c",
                   f"\\copy ({' '.join(query.split())}) TO '{out}' WITH (FORMAT csv, HEADER)"]
    else:
        command = [sys.executable, os.path.abspath(__file__), args.conf, args.db, "--child", method,
                   "--company", str(company), "--date-from", str(date_from), "--date-to", str(date_to),
                   "--out", out]
    start = time.perf_counter()
    process = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    wall = time.perf_counter() - start
    if process.returncode:
        raise RuntimeError(f"{method} failed ({process.returncode}):\n{process.stderr[-3000:]}")
    result = {"seconds": wall, "baseline_kb": 0, "rows": None}
    if method != "copy":
        result.update(json.loads(process.stdout.strip().splitlines()[-1]))
    if method == "xlsxwriter":
        result.update(json.loads(process.stderr.strip().splitlines()[-1]))
    if method == "ours_csv":  # the cells the workbook holds per row: the non-empty fields of the same rows
        result["cells_per_row"] = cells_per_row(folder)
    # This runs in a fork of its own (measure_isolated) whose only child was the measured process.
    result["peak_kb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    # Every file the export left (ours writes its CSV or ADS text file beside the workbook).
    result["bytes"] = sum(os.path.getsize(os.path.join(folder, name)) for name in os.listdir(folder))
    for name in os.listdir(folder):
        os.remove(os.path.join(folder, name))
    return result


def cells_per_row(folder, sample=200_000):
    """The non-empty fields per row of the text file ours_csv wrote (its first ``sample`` rows)."""
    name = next(name for name in os.listdir(folder) if name.endswith((".txt", ".csv")))
    rows = cells = 0
    with open(os.path.join(folder, name), encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle, delimiter="|")
        next(reader)
        for row in itertools.islice(reader, sample):
            rows += 1
            cells += sum(1 for field in row if field)
    return cells / max(rows, 1)


def measure_isolated(args, method, company, date_from, date_to):
    """Run ``measure`` in a fork, so that RUSAGE_CHILDREN's peak is this measure's child alone."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the fork: one measure, its result on the pipe
        os.close(read)
        try:
            with tempfile.TemporaryDirectory(prefix="ispec_audit_bench_") as folder:
                result = measure(args, method, company, date_from, date_to, folder)
            payload = json.dumps(result)
        except Exception as error:  # noqa: BLE001 - reported by the parent
            payload = json.dumps({"error": str(error)})
        with os.fdopen(write, "w") as handle:
            handle.write(payload)
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as handle:
        payload = handle.read()
    os.waitpid(pid, 0)
    result = json.loads(payload)
    if "error" in result:
        raise RuntimeError(result["error"])
    return result


def sizes_of(args, company):
    import psycopg2  # noqa: PLC0415

    conn = psycopg2.connect(dbname=args.db)
    with conn, conn.cursor() as cr:
        cr.execute("""SELECT date, sum(count(*)) OVER (ORDER BY date) FROM account_move_line
                       WHERE company_id = %s AND parent_state = 'posted' GROUP BY date ORDER BY date""", (company,))
        cumulative = cr.fetchall()
    conn.close()
    if not cumulative:
        raise SystemExit("no posted journal lines in the scale company: run make scale first")
    first, total = cumulative[0][0], int(cumulative[-1][1])
    sizes = []
    for wanted in args.sizes:
        if wanted <= 0 or wanted >= total:
            sizes.append((total, first, cumulative[-1][0]))
        else:
            last, count = next((d, int(c)) for d, c in cumulative if c >= wanted)
            sizes.append((count, first, last))
    return sorted(set(sizes))


def company_of(args):
    import psycopg2  # noqa: PLC0415

    conn = psycopg2.connect(dbname=args.db)
    with conn, conn.cursor() as cr:
        cr.execute("SELECT id FROM res_company WHERE name = %s", (COMPANY_NAME,))
        row = cr.fetchone()
        cr.execute("SELECT version()")
        version = cr.fetchone()[0].split(" on ")[0]
    conn.close()
    if not row:
        raise SystemExit(f"{args.db} has no {COMPANY_NAME}: run make scale first")
    return row[0], version


def machine(pg_version):
    cpu = "?"
    with open("/proc/cpuinfo", encoding="utf-8") as info:
        for line in info:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo", encoding="ascii") as info:
        memory = int(info.readline().split()[1]) // (1024 * 1024)
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    return (f"{platform.node()}: {os.cpu_count()} cores ({cpu}), {memory} GiB RAM, {pg_version}, "
            f"Python {platform.python_version()}, load average at the start {load}")


def fmt_mb(kb):
    return f"{kb / 1024:.0f}"


def report(args, results, sizes, machine_line, dataset_note):
    lines = [f"# Audit exports benchmark, {datetime.date.today()}", "",
             f"Machine: {machine_line}.", "",
             f"Command: `make bench` (`python bench/audit_bench.py CONF {args.db} --runs {args.runs}`), "
             f"ledger from `make scale` in `{args.db}`. Medians of {args.runs} runs; each run is a process of its "
             "own; seconds are the export alone (Odoo's registry loaded before the clock), peak RSS is the "
             "process's whole peak (wait4 rusage), baseline the RSS of the loaded registry before the export.",
             "", dataset_note, ""]
    for count, date_from, date_to in sizes:
        rows = results[count]
        copy = rows["copy"]["seconds"]
        raw = rows["xlsxwriter"]["seconds"]
        oca = rows["oca_gl"]["seconds"]
        lines += [f"## {count:,} posted journal lines ({date_from} to {date_to})", "",
                  f"Runs: {rows['copy']['runs']}.", "",
                  "| method | seconds | × COPY | speed vs raw xlsxwriter | faster than OCA | peak RSS MB | "
                  "baseline MB | output MB |",
                  "|---|---:|---:|---:|---:|---:|---:|---:|"]
        for method in METHODS:
            r = rows.get(method)
            if not r:
                lines.append(f"| {LABELS[method]} | not run at this size | | | | | | |")
                continue
            versus_raw = f"{raw / r['seconds'] * 100:.0f} %" if method in XLSX_METHODS else "—"
            lines.append(f"| {LABELS[method]} | {r['seconds']:.2f} | {r['seconds'] / copy:.1f}× | {versus_raw} | "
                         f"{oca / r['seconds']:.2f}× | {fmt_mb(r['peak_kb'])} | {fmt_mb(r['baseline_kb'])} | "
                         f"{r['bytes'] / 1e6:.1f} |")
        lines.append("")
    big = results[sizes[-1][0]]
    small = results[sizes[0][0]]
    csv = big["ours_csv"]["seconds"] / big["copy"]["seconds"]
    xlsx = big["xlsxwriter"]["seconds"] / big["ours_xlsx"]["seconds"]
    # Raw xlsxwriter writes the 15 columns of a plain ledger line; GL_Detail has the standard's 31 fields and
    # 12 more (43 columns, the empty ones not written): the library's speed per cell is the fair yardstick.
    raw_cells = big["xlsxwriter"].get("cells_per_row")
    our_cells = big["ours_csv"].get("cells_per_row")
    checks = [
        (f"CSV ≤ 3× COPY: {csv:.1f}×", csv <= 3),
        (f"XLSX ≥ 70 % of raw xlsxwriter's speed, per row: {xlsx * 100:.0f} % "
         f"({our_cells or 0:.1f} cells per row against {raw_cells or 0:.1f})", xlsx >= 0.7),
    ]
    if raw_cells and our_cells:
        per_cell = xlsx * our_cells / raw_cells
        checks.append((f"XLSX ≥ 70 % of raw xlsxwriter's speed, per cell written: {per_cell * 100:.0f} %",
                       per_cell >= 0.7))
    checks += [
        (f"CSV faster than OCA: {big['oca_gl']['seconds'] / big['ours_csv']['seconds']:.1f}×",
         big["ours_csv"]["seconds"] < big["oca_gl"]["seconds"]),
        (f"XLSX faster than OCA: {big['oca_gl']['seconds'] / big['ours_xlsx']['seconds']:.1f}×",
         big["ours_xlsx"]["seconds"] < big["oca_gl"]["seconds"]),
    ]
    if len(sizes) > 1:
        for method in ("ours_csv", "ours_xlsx", "ours_package"):
            if method not in big or method not in small:
                continue
            ratio = big[method]["peak_kb"] / small[method]["peak_kb"]
            checks.append((f"memory flat, {LABELS[method]}: peak at {sizes[-1][0]:,} lines is {ratio:.2f}× the "
                           f"peak at {sizes[0][0]:,}", ratio <= 1.5))
    lines += [f"## Targets (issue #12), at {sizes[-1][0]:,} lines", ""]
    lines += [f"- {'met' if ok else 'NOT met'}: {text}" for text, ok in checks]
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("conf")
    parser.add_argument("db")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sizes", default="100000,0",
                        help="journal lines per measured period, comma-separated; 0 for the whole ledger")
    parser.add_argument("--methods", default=",".join(METHODS))
    parser.add_argument("--large-lines", type=int, default=500000,
                        help="from this many lines, --large-runs runs and no ours_package (minutes each here)")
    parser.add_argument("--large-runs", type=int, help="runs at the large sizes (default: --runs)")
    parser.add_argument("--results", default=os.path.join(ROOT, "bench", "results"),
                        help="folder of the markdown table; empty to write none")
    parser.add_argument("--merge", help="a JSON file of an earlier run's sizes (--json) to report beside these "
                        "(when one run of every size does not fit in the time at hand)")
    parser.add_argument("--json", help="write this run's figures there, for a later --merge")
    parser.add_argument("--child", choices=METHODS)
    parser.add_argument("--company", type=int)
    parser.add_argument("--date-from")
    parser.add_argument("--date-to")
    parser.add_argument("--out")
    args = parser.parse_args()
    if args.child:
        return run_child(args)
    args.sizes = [int(size) for size in args.sizes.split(",")]
    methods = [method for method in METHODS if method in args.methods.split(",")]
    company, pg_version = company_of(args)
    machine_line = machine(pg_version)
    sizes = sizes_of(args, company)
    print(f"machine: {machine_line}", flush=True)
    results, extract = {}, False
    if args.merge:
        with open(args.merge, encoding="utf-8") as handle:
            merged = json.load(handle)
        extract = merged["extract"]
        for size in merged["sizes"]:
            results[size["count"]] = size["results"]
            sizes.append((size["count"], datetime.date.fromisoformat(size["from"]),
                          datetime.date.fromisoformat(size["to"])))
        sizes = sorted(set(sizes))
    for count, date_from, date_to in sizes:
        if count in results:
            continue
        large = count >= args.large_lines
        runs = (args.large_runs or args.runs) if large else args.runs
        size_methods = [m for m in methods if not (large and m == "ours_package")]
        samples = {method: [] for method in size_methods}
        for run in range(runs):
            for method in size_methods:
                result = measure_isolated(args, method, company, date_from, date_to)
                samples[method].append(result)
                print(f"{count:>9,} lines  run {run + 1}  {method:<13} {result['seconds']:8.2f} s  "
                      f"peak {fmt_mb(result['peak_kb']):>6} MB  baseline {fmt_mb(result['baseline_kb']):>5} MB  "
                      f"rows {result['rows']}", flush=True)
        extract = extract or any(sample.get("extract") for taken in samples.values() for sample in taken)
        results[count] = {method: {
            key: statistics.median(sample[key] for sample in taken) for key in ("seconds", "peak_kb", "baseline_kb",
                                                                                "bytes")}
            for method, taken in samples.items()}
        for method, taken in samples.items():
            results[count][method]["runs"] = runs
            if "cells_per_row" in taken[0]:
                results[count][method]["cells_per_row"] = taken[0]["cells_per_row"]
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump({"extract": extract, "sizes": [
                {"count": count, "from": str(date_from), "to": str(date_to), "results": results[count]}
                for count, date_from, date_to in sizes]}, handle)
    if set(methods) != set(METHODS):
        return 0
    dataset_note = "Dataset measured as ours: " + ours_dataset_note(extract)
    table = report(args, results, sizes, machine_line, dataset_note)
    print(table)
    if args.results:
        os.makedirs(args.results, exist_ok=True)
        path = os.path.join(args.results, f"audit_{datetime.date.today()}.md")
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(table)
        print(f"written to {path}")
    return 0


def ours_dataset_note(extract):
    if extract:
        return ("the journal-entry extract's GL_Detail (`ads_gl_detail`, AICPA ADS layout with the test flags) "
                "for the CSV and XLSX lines; the package holds the five ADS files.")
    return ("the invoice register (the journal-entry extract, `ads_gl_detail`, was not registered yet): "
            "one row per invoice, not per line, so ours is not comparable row for row yet.")


if __name__ == "__main__":
    sys.exit(main())
