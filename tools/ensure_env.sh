#!/usr/bin/env bash
# Prepares everything `make run` and `make test` need, and does nothing that is already done:
# Odoo's source at ODOO_PATH, system build packages and wkhtmltopdf, a local PostgreSQL,
# and a Python virtual environment with Odoo's and this project's requirements.
# Never fetches Odoo itself: the project only uses an Odoo that is already there.
set -euo pipefail

ODOO_PATH="${ODOO_PATH:-/opt/odoo}"
VENV="${VENV:-$HOME/.cache/invoicing_specialist/venv}"
LINT_VENV="${LINT_VENV:-$VENV-lint}"
PYTHON="${PYTHON:-python3}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"

say() { printf '[env] %s\n' "$*"; }

if [ ! -f "$ODOO_PATH/odoo-bin" ] || [ ! -f "$ODOO_PATH/requirements.txt" ]; then
    echo "Odoo 19.0 source not found at ODOO_PATH=$ODOO_PATH: set ODOO_PATH to a folder holding odoo-bin and requirements.txt." >&2
    exit 2
fi

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo -n "$@"; fi; }
apt_ready=""
apt_install() {
    local missing=()
    for pkg in "$@"; do
        dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    say "installing system packages: ${missing[*]}"
    if [ -z "$apt_ready" ]; then as_root apt-get update -qq; apt_ready=1; fi
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

# Build headers for psycopg2 and python-ldap; wkhtmltopdf for real PDF reports;
# poppler-utils (pdftotext) lets tests read the text of rendered PDFs; chromium runs the browser tests.
apt_install libpq-dev libldap2-dev libsasl2-dev wkhtmltopdf poppler-utils chromium

# PostgreSQL: start the Debian cluster if stopped, install it only where none exists.
if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
    if ! command -v pg_lsclusters >/dev/null 2>&1 || [ -z "$(ls /etc/postgresql 2>/dev/null)" ]; then
        apt_install postgresql
    fi
    say "starting PostgreSQL"
    as_root pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -n 1)" main start || true
    for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
    pg_isready -q -h 127.0.0.1 -p 5432 || { echo "PostgreSQL does not answer on 127.0.0.1:5432." >&2; exit 2; }
fi
# Odoo refuses the 'postgres' role: make sure the current user has a superuser role of its own.
DB_USER="${DB_USER:-$(id -un)}"
if ! psql -h 127.0.0.1 -U "$DB_USER" -d postgres -tAc 'SELECT 1' >/dev/null 2>&1; then
    say "creating PostgreSQL role $DB_USER"
    as_root su postgres -c "createuser --superuser '$DB_USER'"
fi

# The virtual environment, rebuilt only when a requirements file or the interpreter changes.
stamp_value="$( { "$PYTHON" --version; cat "$ODOO_PATH/requirements.txt" "$ROOT/requirements.txt"; } | sha256sum | cut -d' ' -f1)"
stamp_file="$VENV/.requirements.sha256"
if [ ! -x "$VENV/bin/python" ] || [ "$(cat "$stamp_file" 2>/dev/null)" != "$stamp_value" ]; then
    say "preparing the Python environment in $VENV"
    "$PYTHON" -m venv "$VENV"
    "$VENV/bin/pip" install -q --upgrade pip wheel "setuptools<81"
    "$VENV/bin/pip" install -q -r "$ODOO_PATH/requirements.txt" -r "$ROOT/requirements.txt"
    echo "$stamp_value" > "$stamp_file"
fi

# OCA addons the glue modules depend on, pinned, from PyPI: the wheels are unpacked under .build/oca-deps (on the
# addons path by tools/common.sh), never into the project. Their own Python needs are in requirements.txt.
OCA_DEPS_DIR="$ROOT/.build/oca-deps"
OCA_DEPS=("odoo-addon-queue-job==19.0.2.4.0.1")
if [ ! -f "$OCA_DEPS_DIR/.pinned" ] || [ "$(cat "$OCA_DEPS_DIR/.pinned")" != "${OCA_DEPS[*]}" ]; then
    say "fetching OCA dependencies: ${OCA_DEPS[*]}"
    rm -rf "$OCA_DEPS_DIR"
    mkdir -p "$OCA_DEPS_DIR/wheels"
    "$VENV/bin/pip" download -q --no-deps -d "$OCA_DEPS_DIR/wheels" "${OCA_DEPS[@]}"
    for wheel in "$OCA_DEPS_DIR"/wheels/*.whl; do "$VENV/bin/python" -m zipfile -e "$wheel" "$OCA_DEPS_DIR"; done
    echo "${OCA_DEPS[*]}" > "$OCA_DEPS_DIR/.pinned"
fi

# OCA's pre-commit hooks in a venv of their own: they need a newer polib than Odoo's requirements pin.
lint_stamp_value="$( { "$PYTHON" --version; cat "$ROOT/requirements-lint.txt"; } | sha256sum | cut -d' ' -f1)"
lint_stamp_file="$LINT_VENV/.requirements.sha256"
if [ ! -x "$LINT_VENV/bin/python" ] || [ "$(cat "$lint_stamp_file" 2>/dev/null)" != "$lint_stamp_value" ]; then
    say "preparing the lint environment in $LINT_VENV"
    "$PYTHON" -m venv "$LINT_VENV"
    "$LINT_VENV/bin/pip" install -q -r "$ROOT/requirements-lint.txt"
    echo "$lint_stamp_value" > "$lint_stamp_file"
fi
