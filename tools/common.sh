# Shared settings for the make targets' helpers. Sourced, not run.
ODOO_PATH="${ODOO_PATH:-/opt/odoo}"
VENV="${VENV:-$HOME/.cache/invoicing_specialist/venv}"
LINT_VENV="${LINT_VENV:-$VENV-lint}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="$ROOT/.build"
DB_USER="${DB_USER:-$(id -un)}"
export ODOO_PATH VENV LINT_VENV ROOT BUILD DB_USER
export PYTHONPATH="$ODOO_PATH${PYTHONPATH:+:$PYTHONPATH}"
mkdir -p "$BUILD"

# An Odoo configuration file for this checkout: Odoo's addons plus this repository.
odoo_conf() {
    local conf="$BUILD/odoo.conf" oca_deps=""
    # OCA addons the glue modules depend on (queue_job), unpacked by tools/ensure_env.sh.
    [ -d "$BUILD/oca-deps/odoo/addons" ] && oca_deps=",$BUILD/oca-deps/odoo/addons"
    cat > "$conf" <<CONF
[options]
addons_path = $ODOO_PATH/odoo/addons,$ODOO_PATH/addons,$ROOT$oca_deps
db_user = $DB_USER
http_interface = 127.0.0.1
data_dir = $BUILD/data
admin_passwd = admin
list_db = True
CONF
    echo "$conf"
}

odoo_bin() { "$VENV/bin/python" "$ODOO_PATH/odoo-bin" -c "$(odoo_conf)" "$@"; }
# Odoo's sub-commands (module, db, shell) take their options after the command's name.
odoo_cmd() { local cmd=$1 sub=$2; shift 2; "$VENV/bin/python" "$ODOO_PATH/odoo-bin" "$cmd" "$sub" -c "$(odoo_conf)" "$@"; }

db_exists() { psql -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$1'" 2>/dev/null | grep -q 1; }
