#!/usr/bin/env bash
# `make scale`: a generated ledger in a database of its own (SCALE_DB, default invoicing_scale), for the
# benchmarks at scale: SCALE journal entries (default 200000, about 1M journal lines: the audit benchmark
# measures 100k lines of it and all of it), deterministic from SEED (default 1), over 24 months ending
# SCALE_END (default 2025-12-31): customer invoices, payments, credit notes, purchase orders with their receipts
# and vendor bills (matched by the addon's own check), disputes. See bench/scale_ledger.py for what it makes and how.
# Another ledger beside it (e.g. a helper's): SCALE_DB=invoicing_scale_x SCALE_BASE_DB=invoicing_scale_x_base.
# The modules (this addon, l10n_fr_account for the FEC export, OCA's account_financial_report) are installed
# once into SCALE_BASE_DB (default invoicing_scale_base), which each generation copies: no install each time.
set -euo pipefail
source "$(dirname "$0")/common.sh"
DB="${SCALE_DB:-invoicing_scale}"
BASE="${SCALE_BASE_DB:-invoicing_scale_base}"
SCALE="${SCALE:-200000}"
SEED="${SEED:-1}"
END="${SCALE_END:-2025-12-31}"
MODULES=invoicing_specialist,l10n_fr_account,account_financial_report
bash "$ROOT/tools/bench.sh" --oca-only  # the OCA peers under .build/oca and .build/odoo-bench.conf
# SCALE_CONF and SCALE_ADDON: another Odoo configuration and the addon's folder it loads (a snapshot of a
# commit, while the checkout is being edited); by default the bench configuration and this checkout.
conf="${SCALE_CONF:-$BUILD/odoo-bench.conf}"
addon="${SCALE_ADDON:-$ROOT/invoicing_specialist}"
filestore="$BUILD/data/filestore"
stamp="$BUILD/$BASE.addon-sha1"
addon_sha1="$(cd "$addon" && find . -type f \( -name '*.py' -o -name '*.xml' -o -name '*.csv' \) -print0 | sort -z \
    | xargs -0 sha1sum | sha1sum | cut -d' ' -f1)"

if ! db_exists "$BASE"; then
    echo "[scale] installing $MODULES into $BASE (once)"
    createdb "$BASE"
    "$VENV/bin/python" "$ODOO_PATH/odoo-bin" -c "$conf" -d "$BASE" -i "$MODULES" --stop-after-init --no-http \
        --log-level=warn
    echo "$addon_sha1" > "$stamp"
elif [ "$(cat "$stamp" 2>/dev/null)" != "$addon_sha1" ]; then
    echo "[scale] the addon changed since $BASE was made: updating it"
    "$VENV/bin/python" "$ODOO_PATH/odoo-bin" -c "$conf" -d "$BASE" -u invoicing_specialist --stop-after-init \
        --no-http --log-level=warn
    echo "$addon_sha1" > "$stamp"
fi
if db_exists "$DB"; then
    echo "[scale] dropping the previous $DB"
    dropdb --force "$DB"  # a generated database: sessions left on it (a killed run) go with it
fi
rm -rf "${filestore:?}/$DB"
createdb -T "$BASE" "$DB"
[ -d "$filestore/$BASE" ] && cp -r "$filestore/$BASE" "$filestore/$DB"
start=$(date +%s)
echo "[scale] generating $SCALE journal entries (seed $SEED) into $DB"
"$VENV/bin/python" "$ROOT/bench/scale_ledger.py" "$conf" "$DB" --entries "$SCALE" --seed "$SEED" --end "$END"
# This machine's PostgreSQL runs without autovacuum: without statistics (and the visibility map) the
# planner picks plans a real server would not.
echo "[scale] VACUUM ANALYZE"
psql -q -d "$DB" -c "VACUUM (ANALYZE)"
echo "[scale] $DB ready in $(( $(date +%s) - start )) s: $(psql -tA -d "$DB" -c "
    SELECT count(*) || ' journal entries, ' || sum(n) || ' journal lines'
      FROM (SELECT count(l.id) AS n FROM account_move m JOIN res_company c ON c.id = m.company_id
              LEFT JOIN account_move_line l ON l.move_id = m.id
             WHERE c.name = 'Scale Ledger SA' GROUP BY m.id) x")"
echo "[scale] $(psql -tA -d "$DB" -c "
    SELECT (SELECT count(*) FROM purchase_order) || ' purchase orders, '
        || (SELECT count(*) FROM stock_picking) || ' receipts; vendor bills by match state: '
        || (SELECT string_agg(n || ' ' || s, ', ' ORDER BY s) FROM (SELECT ispec_match_state AS s, count(*) AS n
              FROM account_move WHERE move_type = 'in_invoice' GROUP BY 1) b) || '; disputes: '
        || (SELECT string_agg(n || ' ' || s, ', ' ORDER BY s) FROM (SELECT state AS s, count(*) AS n
              FROM ispec_dispute GROUP BY 1) d)")"
