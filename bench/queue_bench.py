"""Statement run benchmark, cron mode against OCA queue_job with two workers: the same run of N customers
(PDF and mail each) sent by one process in committed batches, as the scheduled action sends it without
queue_job, then by a real Odoo server with ``--workers=2`` and queue_job's runner (channel
``root.invoicing_specialist.statements:2``), from Send Statements to the run done.

On a database of its own made by tools/queue_workers_check.py's functions (BENCH_QUEUE_DB, default
ispec_queue_bench, from a template kept between runs; server on BENCH_QUEUE_PORT, default 8335).
BENCH_QUEUE_CUSTOMERS (100) customers, BENCH_QUEUE_RUNS (3) runs of each, median wall time; each run has a
statement date of its own, so that no run skips customers another one sent. Target: queue_job at least 1.7x
faster on this 2-core machine. Run with the project's venv: ``$VENV/bin/python bench/queue_bench.py``.
"""

import os
import statistics
import sys
import time
from datetime import date, timedelta

os.environ.setdefault("QUEUE_CHECK_DB", os.environ.get("BENCH_QUEUE_DB", "ispec_queue_bench"))
os.environ.setdefault("QUEUE_CHECK_PORT", os.environ.get("BENCH_QUEUE_PORT", "8335"))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tools"))

import queue_workers_check as check  # noqa: E402
from bench_common import write_result  # noqa: E402

COUNT = int(os.environ.get("BENCH_QUEUE_CUSTOMERS", "100"))
RUNS = int(os.environ.get("BENCH_QUEUE_RUNS", "3"))
FORMAT = os.environ.get("BENCH_QUEUE_FORMAT", "pdf")
FIRST_DATE = date(2025, 2, 1)


def cron_mode(registry, partner_ids, run_date):
    """The run as the scheduled action sends it without queue_job: one process, batches committed one by
    one. Returns the wall time."""
    from odoo import SUPERUSER_ID, Command, api  # noqa: PLC0415

    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        admin = env.ref("base.user_admin")
        run = env["ispec.statement.run"].with_user(admin).create({
            "statement_type": "outstanding", "date": run_date, "output_format": FORMAT,
            "partner_ids": [Command.set(partner_ids)], "queued": True})
        cr.commit()
        started = time.monotonic()
        with run._processing():  # what _cron_send_statements does for each run
            run._add_customers(run._selected_customers())
            run._process(commit=True)
        cr.commit()
        seconds = time.monotonic() - started
        assert run.queued_count == len(partner_ids), f"{run.queued_count} of {len(partner_ids)} queued: {run.note}"
    return seconds


def main():
    conf = check.server_conf()
    check.create_database(conf)
    registry = check.environment(conf)
    partner_ids, key = check.make_customers(registry, COUNT)
    load_before = os.getloadavg()[0]
    dates = iter(FIRST_DATE + timedelta(days=day) for day in range(2 * RUNS))
    cron = []
    for _run in range(RUNS):
        cron.append(cron_mode(registry, partner_ids, next(dates)))
        print(f"cron mode: {cron[-1]:.1f} s", flush=True)
    logfile = os.path.join(check.BUILD, "queue_workers", "bench-server.log")
    process = check.start_server(conf, logfile)
    queued = []
    try:
        rpc = check.Rpc(key)
        for _run in range(RUNS):
            run_id, seconds = check.send_run(rpc, partner_ids, next(dates), output_format=FORMAT)
            queued.append(seconds)
            print(f"queue_job, 2 workers: {seconds:.1f} s", flush=True)
    finally:
        check.stop_server(process)
    load_after = os.getloadavg()[0]
    failures, pids, batches = check.verify(registry, run_id, partner_ids)
    assert not failures, failures
    s_cron, s_queue = statistics.median(cron), statistics.median(queued)
    ratio = s_cron / s_queue
    print(f"{COUNT} customers ({FORMAT}): cron mode {s_cron:.1f} s | queue_job 2 workers {s_queue:.1f} s "
          f"({batches} batch jobs in {len(pids)} workers) | {ratio:.2f}x faster", flush=True)
    write_result("queue", [
        f"# Statement run, cron mode against queue_job with two workers, {date.today()}",
        f"Median of {RUNS} runs of each, wall time from the start of the run to the run done (queue_job: from Send "
        "Statements over the JSON-2 API, through the job runner, to the last job). Target: at least 1.7x.",
        "Command: `bench/queue_bench.py` (make bench). wkhtmltopdf renders without fetching the report assets "
        "(report.url on a closed port), on both sides alike.",
        f"Load average (1 min) of the machine, shared with other work: {load_before:.1f} before, {load_after:.1f} "
        "after: on 2 cores, anything above 2 takes from both sides, most from the parallel one.",
        "", "| customers | format | cron mode, s | queue_job, 2 workers, s | batch jobs | ratio |",
        "|---:|---|---:|---:|---:|---:|",
        f"| {COUNT} | {FORMAT} | {s_cron:.1f} | {s_queue:.1f} | {batches} | {ratio:.2f}x |"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
