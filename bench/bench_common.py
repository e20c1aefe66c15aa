"""What the benchmarks share: measuring one run (queries, seconds, peak memory), writing a result table."""

import os
import platform
import time
import tracemalloc

import odoo.init  # noqa: F401 (the odoo namespace's shortcuts, as odoo-bin sets them up)
from odoo import fields


def timed(env, func, memory=True):
    """Queries and seconds of one run; then, when ``memory``, the peak Python memory of a second run
    (tracemalloc slows allocation-heavy code several times over, so it never runs under the clock)."""
    env.flush_all()
    env.invalidate_all()
    queries = env.cr.sql_log_count
    start = time.perf_counter()
    result = func()
    env.flush_all()
    seconds = time.perf_counter() - start
    queries = env.cr.sql_log_count - queries
    peak = 0
    if memory:
        env.invalidate_all()
        tracemalloc.start()
        func()
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return result, queries, seconds, peak


def write_result(name, lines):
    """Write ``lines`` (Markdown) to bench/results/<name>_<date>.md, or to the folder BENCH_RESULTS names; an
    empty BENCH_RESULTS writes nothing (the smoke run of `make test`). Prints where it went."""
    folder = os.environ.get("BENCH_RESULTS", os.path.join(os.path.dirname(os.path.abspath(__file__)), "results"))
    if not folder:
        return None
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, f"{name}_{fields.Date.today()}.md")
    machine = f"Machine: {platform.node()}, {os.cpu_count()} cores, Python {platform.python_version()}."
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("\n".join([lines[0], "", machine, *lines[1:]]) + "\n")
    print(f"written to {path}")
    return path
