#!/usr/bin/env bash
# `make bench`: the bill matching benchmark (bench/match_bench.py) on a database with the addon,
# created once (no demo data) and left for the next run. Everything the benchmark makes is rolled back.
set -euo pipefail
source "$(dirname "$0")/common.sh"
bash "$ROOT/tools/ensure_env.sh"
DB="${BENCH_DB:-invoicing_bench}"
N="${BENCH_BILLS:-500}"
if ! db_exists "$DB"; then
    echo "[bench] creating $DB with the addon"
    odoo_bin -d "$DB" -i invoicing_specialist --stop-after-init --no-http --log-level=warn
fi
"$VENV/bin/python" "$ROOT/bench/match_bench.py" "$(odoo_conf)" "$DB" "$N"
