#!/usr/bin/env bash
# `make bench`: the benchmarks in bench/ on a database created once (no demo data) and kept for the
# next run: bill posting and the daily recheck against Odoo alone, customer statements against OCA's
# partner_statement, a statement run against Odoo's own invoice PDF; then, when `make scale` has generated
# its ledger (SCALE_DB), the audit exports against PostgreSQL's COPY, Odoo's FEC export, raw xlsxwriter and
# OCA's account_financial_report general ledger, and the yearly activity summary. Each writes its table to
# bench/results/.
# The OCA peers come from PyPI as wheels, unpacked under .build/oca (never into the project).
# `tools/bench.sh --oca-only` only fetches the peers and writes .build/odoo-bench.conf (for tools/scale.sh).
set -euo pipefail
source "$(dirname "$0")/common.sh"
bash "$ROOT/tools/ensure_env.sh"
DB="${BENCH_DB:-invoicing_bench}"
BILLS="${BENCH_BILLS:-1000}"
CUSTOMERS="${BENCH_CUSTOMERS:-100,1000,5000}"  # the statement sizes, against OCA
RUN_CUSTOMERS="${BENCH_RUN_CUSTOMERS:-200}"     # the statement run, PDF and mail per customer
RECHECK="${BENCH_RECHECK:-100,1000,10000}"       # open bills for the daily recheck
OCA="$BUILD/oca"
SCALE_DB="${SCALE_DB:-invoicing_scale}"
AUDIT_RUNS="${BENCH_AUDIT_RUNS:-3}"
OCA_PEERS=(partner-statement report-xlsx report-xlsx-helper account-financial-report date-range)

missing=()
for peer in "${OCA_PEERS[@]}"; do [ -d "$OCA/odoo/addons/${peer//-/_}" ] || missing+=("$peer"); done
if [ ${#missing[@]} -gt 0 ]; then
    echo "[bench] fetching the OCA peers from PyPI: ${missing[*]}"
    mkdir -p "$OCA/wheels"
    specs=()
    for peer in "${missing[@]}"; do specs+=("odoo-addon-$peer>=19.0a,<19.1dev"); done
    # --no-deps: their only other requirement is Odoo itself, which is at ODOO_PATH.
    "$VENV/bin/pip" download -q --no-deps -d "$OCA/wheels" "${specs[@]}"
    for wheel in "$OCA"/wheels/*.whl; do "$VENV/bin/python" -m zipfile -e "$wheel" "$OCA"; done
fi
conf="$(odoo_conf)"
bench_conf="$BUILD/odoo-bench.conf"
sed "s|^addons_path = \(.*\)|addons_path = \1,$OCA/odoo/addons|" "$conf" > "$bench_conf"
bench_odoo() { "$VENV/bin/python" "$ODOO_PATH/odoo-bin" -c "$bench_conf" "$@"; }
[ "${1:-}" = "--oca-only" ] && exit 0

if ! db_exists "$DB"; then
    echo "[bench] creating $DB with the addon and OCA's partner_statement"
    bench_odoo -d "$DB" -i invoicing_specialist,partner_statement --stop-after-init --no-http --log-level=warn
fi
# The scripts import bench/bench_common.py and Odoo from ODOO_PATH (common.sh sets PYTHONPATH).
export PYTHONPATH="$ROOT/bench:$PYTHONPATH"
echo "== bill matching: posting $BILLS vendor bills, the check on against off"
"$VENV/bin/python" "$ROOT/bench/match_bench.py" "$bench_conf" "$DB" "$BILLS"
echo "== the daily recheck of $RECHECK open vendor bills"
"$VENV/bin/python" "$ROOT/bench/recheck_bench.py" "$bench_conf" "$DB" "$RECHECK"
echo "== customer statements: $CUSTOMERS customers, against OCA partner_statement"
"$VENV/bin/python" "$ROOT/bench/statement_bench.py" "$bench_conf" "$DB" "$CUSTOMERS"
echo "== a statement run of $RUN_CUSTOMERS customers against Odoo's own invoice PDF"
"$VENV/bin/python" "$ROOT/bench/statement_run_bench.py" "$bench_conf" "$DB" "$RUN_CUSTOMERS"
echo "== a statement run through queue_job with two workers against the scheduled action (bench/queue_bench.py)"
"$VENV/bin/python" "$ROOT/bench/queue_bench.py"
if db_exists "$SCALE_DB"; then
    echo "== audit exports on the generated ledger of $SCALE_DB, medians of $AUDIT_RUNS runs"
    "$VENV/bin/python" "$ROOT/bench/audit_bench.py" "$bench_conf" "$SCALE_DB" --runs "$AUDIT_RUNS"
    echo "== the daily recheck of $RECHECK open bills of $SCALE_DB"
    "$VENV/bin/python" "$ROOT/bench/recheck_bench.py" "$bench_conf" "$SCALE_DB" "$RECHECK" --ledger
    echo "== the yearly activity summary on $SCALE_DB"
    "$VENV/bin/python" "$ROOT/bench/activity_bench.py" "$bench_conf" "$SCALE_DB"
    echo "== customer statements on the generated ledger's customers ($CUSTOMERS), against OCA partner_statement"
    if ! psql -d "$SCALE_DB" -tAc "SELECT 1 FROM ir_module_module WHERE name = 'partner_statement' AND state = 'installed'" \
            | grep -q 1; then
        bench_odoo -d "$SCALE_DB" -i partner_statement --stop-after-init --no-http --log-level=warn
    fi
    "$VENV/bin/python" "$ROOT/bench/statement_bench.py" "$bench_conf" "$SCALE_DB" "$CUSTOMERS" --ledger
    echo "== a statement run of $RUN_CUSTOMERS of the generated ledger's customers against Odoo's own invoice PDF"
    "$VENV/bin/python" "$ROOT/bench/statement_run_bench.py" "$bench_conf" "$SCALE_DB" "$RUN_CUSTOMERS" --ledger
else
    echo "== audit exports and activity summary: skipped, no generated ledger in $SCALE_DB (make scale first)"
fi
