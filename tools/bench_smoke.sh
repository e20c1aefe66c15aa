#!/usr/bin/env bash
# The benchmarks must not rot: each runs once at a tiny size in throwaway databases. A tiny ledger
# (SMOKE_SCALE journal entries, default 200) from `make scale`'s generator, with the audit-export benchmark
# (every method: COPY, FEC, raw xlsxwriter, OCA's general ledger, this addon's extract) and the activity
# summary on it; then bill posting, the recheck, statements against OCA and a statement run on a few
# bills and customers. Fails on any error; writes no result file.
set -euo pipefail
source "$(dirname "$0")/common.sh"
DB="${SMOKE_DB:-invoicing_scale_smoke}"
BENCH_SMOKE_DB="${DB}_bench"
export SCALE_DB="$DB" SCALE="${SMOKE_SCALE:-200}" SEED="${SEED:-1}"
cleanup() {
    for db in "$DB" "$BENCH_SMOKE_DB"; do
        dropdb --if-exists --force "$db" >/dev/null 2>&1
        rm -rf "${BUILD:?}/data/filestore/$db"
    done
}
trap cleanup EXIT
export PYTHONPATH="$ROOT/bench:$PYTHONPATH"
export BENCH_RESULTS=""  # the smoke writes no result table
bash "$ROOT/tools/scale.sh"
conf="$BUILD/odoo-bench.conf"
"$VENV/bin/python" "$ROOT/bench/audit_bench.py" "$conf" "$DB" --runs 1 --sizes 0 --results ""
"$VENV/bin/python" "$ROOT/bench/activity_bench.py" "$conf" "$DB"
"$VENV/bin/python" "$ROOT/bench/recheck_bench.py" "$conf" "$DB" 2,4 --ledger
"$VENV/bin/python" "$ODOO_PATH/odoo-bin" -c "$conf" -d "$DB" -i partner_statement --stop-after-init --no-http \
    --log-level=warn
"$VENV/bin/python" "$ROOT/bench/statement_bench.py" "$conf" "$DB" 2,3 --ledger
"$VENV/bin/python" "$ROOT/bench/statement_run_bench.py" "$conf" "$DB" 2 --ledger
dropdb --if-exists --force "$BENCH_SMOKE_DB" >/dev/null 2>&1
"$VENV/bin/python" "$ODOO_PATH/odoo-bin" -c "$conf" -d "$BENCH_SMOKE_DB" -i invoicing_specialist,partner_statement \
    --stop-after-init --no-http --log-level=warn
"$VENV/bin/python" "$ROOT/bench/match_bench.py" "$conf" "$BENCH_SMOKE_DB" 5
"$VENV/bin/python" "$ROOT/bench/recheck_bench.py" "$conf" "$BENCH_SMOKE_DB" 2,4
"$VENV/bin/python" "$ROOT/bench/statement_bench.py" "$conf" "$BENCH_SMOKE_DB" 2,3
"$VENV/bin/python" "$ROOT/bench/statement_run_bench.py" "$conf" "$BENCH_SMOKE_DB" 2
# The queue_job benchmark on a real two-worker server: 30 customers (three batches), XLSX, one run each.
BENCH_QUEUE_CUSTOMERS=30 BENCH_QUEUE_RUNS=1 BENCH_QUEUE_FORMAT=xlsx "$VENV/bin/python" "$ROOT/bench/queue_bench.py"
echo "[bench smoke] passed"
