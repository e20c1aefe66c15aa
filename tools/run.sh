#!/usr/bin/env bash
# `make run`: the demo database with the addon, then Odoo on 127.0.0.1.
set -euo pipefail
source "$(dirname "$0")/common.sh"
bash "$ROOT/tools/ensure_env.sh"
DB="${DB:-invoicing_demo}"
PORT="${PORT:-8069}"
if db_exists "$DB"; then
    echo "[run] updating invoicing_specialist in $DB"
    odoo_bin -d "$DB" -u invoicing_specialist --stop-after-init --no-http --log-level=warn
else
    echo "[run] creating $DB with the addon and its demo data"
    odoo_bin -d "$DB" -i invoicing_specialist --with-demo --stop-after-init --no-http --log-level=warn
fi
echo "[run] Odoo at http://127.0.0.1:$PORT  (login: admin, password: admin, database: $DB)"
exec "$VENV/bin/python" "$ODOO_PATH/odoo-bin" -c "$(odoo_conf)" -d "$DB" --db-filter="^$DB\$" \
    --http-interface=127.0.0.1 --http-port="$PORT" --log-level=info
