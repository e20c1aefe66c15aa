#!/usr/bin/env bash
# `make screenshots`: the README's screenshots, taken by headless Chromium from the demo database.
# Creates the database SHOTS_DB with the addon and its demo data (or updates the addon when it exists), serves it
# on 127.0.0.1:SHOTS_PORT while tools/screenshots.py takes the pictures, then stops that server.
set -euo pipefail
source "$(dirname "$0")/common.sh"
SHOTS_DB="${SHOTS_DB:-invoicing_shots}"
SHOTS_PORT="${SHOTS_PORT:-8316}"
OUT="${SHOTS_DIR:-$ROOT/docs/screenshots}"
LOG="$BUILD/logs/screenshots-odoo.log"
mkdir -p "$BUILD/logs"
rm -f "$LOG"

if db_exists "$SHOTS_DB"; then
    echo "[screenshots] updating invoicing_specialist in $SHOTS_DB"
    odoo_bin -d "$SHOTS_DB" -u invoicing_specialist --stop-after-init --no-http --log-level=warn --logfile "$LOG"
else
    echo "[screenshots] creating $SHOTS_DB with the addon and its demo data"
    odoo_bin -d "$SHOTS_DB" -i invoicing_specialist --with-demo --stop-after-init --no-http --log-level=warn \
        --logfile "$LOG"
fi

# Without scheduled actions: the statements the script sends stay in the mail queue.
"$VENV/bin/python" "$ODOO_PATH/odoo-bin" -c "$(odoo_conf)" -d "$SHOTS_DB" --db-filter="^$SHOTS_DB\$" \
    --http-interface=127.0.0.1 --http-port="$SHOTS_PORT" --max-cron-threads=0 --log-level=warn --logfile "$LOG" &
odoo_pid=$!
trap 'kill "$odoo_pid" 2>/dev/null; wait "$odoo_pid" 2>/dev/null || true' EXIT

url="http://127.0.0.1:$SHOTS_PORT"
for _ in $(seq 1 120); do
    curl -sf -o /dev/null "$url/web/login" && break
    kill -0 "$odoo_pid" 2>/dev/null || { echo "[screenshots] Odoo stopped, see $LOG" >&2; exit 1; }
    sleep 1
done
echo "[screenshots] taking the screenshots from $url into $OUT"
"$VENV/bin/python" "$ROOT/tools/screenshots.py" "$url" "$SHOTS_DB" "$OUT"
