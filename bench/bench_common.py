"""What the benchmarks share: measuring one run (queries, seconds, peak memory)."""

import time
import tracemalloc

import odoo.init  # noqa: F401 (the odoo namespace's shortcuts, as odoo-bin sets them up)


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
