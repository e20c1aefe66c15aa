#!/usr/bin/env bash
# `make bench`: the benchmarks in bench/ on a database created once (no demo data) and kept for the
# next run: bill matching against Odoo alone, customer statements against OCA's partner_statement.
# The OCA peers come from PyPI as wheels, unpacked under .build/oca (never into the project).
set -euo pipefail
source "$(dirname "$0")/common.sh"
bash "$ROOT/tools/ensure_env.sh"
DB="${BENCH_DB:-invoicing_bench}"
BILLS="${BENCH_BILLS:-500}"
CUSTOMERS="${BENCH_CUSTOMERS:-1000}"
OCA="$BUILD/oca"
OCA_PEERS=(partner-statement report-xlsx report-xlsx-helper)

if [ ! -d "$OCA/odoo/addons/partner_statement" ]; then
    echo "[bench] fetching the OCA peers from PyPI: ${OCA_PEERS[*]}"
    mkdir -p "$OCA/wheels"
    specs=()
    for peer in "${OCA_PEERS[@]}"; do specs+=("odoo-addon-$peer>=19.0a,<19.1dev"); done
    # --no-deps: their only other requirement is Odoo itself, which is at ODOO_PATH.
    "$VENV/bin/pip" download -q --no-deps -d "$OCA/wheels" "${specs[@]}"
    for wheel in "$OCA"/wheels/*.whl; do "$VENV/bin/python" -m zipfile -e "$wheel" "$OCA"; done
fi
conf="$(odoo_conf)"
bench_conf="$BUILD/odoo-bench.conf"
sed "s|^addons_path = \(.*\)|addons_path = \1,$OCA/odoo/addons|" "$conf" > "$bench_conf"
bench_odoo() { "$VENV/bin/python" "$ODOO_PATH/odoo-bin" -c "$bench_conf" "$@"; }

if ! db_exists "$DB"; then
    echo "[bench] creating $DB with the addon and OCA's partner_statement"
    bench_odoo -d "$DB" -i invoicing_specialist,partner_statement --stop-after-init --no-http --log-level=warn
fi
echo "== bill matching: $BILLS vendor bills"
"$VENV/bin/python" "$ROOT/bench/match_bench.py" "$bench_conf" "$DB" "$BILLS"
echo "== customer statements: $CUSTOMERS customers, against OCA partner_statement"
"$VENV/bin/python" "$ROOT/bench/statement_bench.py" "$bench_conf" "$DB" "$CUSTOMERS"
