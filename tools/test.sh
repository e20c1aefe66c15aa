#!/usr/bin/env bash
# `make test`: lint, a fresh database installed with Odoo's own test runner, a demo install and an
# uninstall with a clean log, then the pytest-odoo suite against the test database.
# Exits non-zero on any failure; the pytest summary line is printed last.
set -uo pipefail
source "$(dirname "$0")/common.sh"
bash "$ROOT/tools/ensure_env.sh" || exit $?

TEST_DB="${TEST_DB:-invoicing_test}"
DEMO_DB="${DEMO_DB:-${TEST_DB}_demo}"
LOGS="$BUILD/logs"
mkdir -p "$LOGS"
rm -f "$LOGS"/*.log  # Odoo appends to its log file: start each run clean.
failed=()
step() { printf '\n=== %s\n' "$*"; }

step "lint: ruff, pylint-odoo (OCA's full check set), oca-checks-odoo-module, oca-checks-po, XML, README"
cd "$ROOT"
bash "$ROOT/tools/lint.sh" || failed+=("lint (see the lint step's last lines)")

ADDONS=()
for manifest in "$ROOT"/*/__manifest__.py; do ADDONS+=("$(basename "$(dirname "$manifest")")"); done
step "wheels: build odoo-addon-<addon> with whool for ${ADDONS[*]}, check what each holds"
for addon in "${ADDONS[@]}"; do
    if bash "$ROOT/tools/build_wheel.sh" "$addon"; then
        "$VENV/bin/python" "$ROOT/tools/check_wheel.py" "$addon" || failed+=("wheel contents of $addon")
    else
        failed+=("wheel build of $addon")
    fi
done

step "Odoo's test runner: fresh database $TEST_DB, install with --test-enable"
dropdb --if-exists --force "$TEST_DB"
# --test-enable starts Odoo's HTTP server even with --no-http: keep it off `make run`'s port.
odoo_bin -d "$TEST_DB" -i invoicing_specialist --test-enable --test-tags /invoicing_specialist \
    --http-port="${TEST_HTTP_PORT:-8169}" --stop-after-init --no-http --log-level=info --logfile "$LOGS/odoo-tests.log"
rc=$?
grep -E "odoo.tests.result: |post-tests in|at_install-tests in|FAIL: |ERROR: " "$LOGS/odoo-tests.log" | tail -n 20
[ $rc -eq 0 ] || failed+=("odoo test runner (exit $rc, see $LOGS/odoo-tests.log)")
"$VENV/bin/python" "$ROOT/tools/check_log.py" "$LOGS/odoo-tests.log" "install and tests" || failed+=("log of install and tests")

# The glue modules switch themselves on where what they glue to is installed (auto_install): installed here
# together with sale_stock and OCA's queue_job, their own tests run; the addon alone was tested above.
GLUE_DB="${TEST_DB}_glue"
GLUE_MODULES=(); for addon in "${ADDONS[@]}"; do [ "$addon" = invoicing_specialist ] || GLUE_MODULES+=("$addon"); done
if [ ${#GLUE_MODULES[@]} -gt 0 ]; then
    step "glue modules: fresh database $GLUE_DB with ${GLUE_MODULES[*]} (sale_stock, queue_job), their tests"
    dropdb --if-exists --force "$GLUE_DB"
    glue_list=$(IFS=,; echo "${GLUE_MODULES[*]}")
    glue_tags=$(printf '/%s,' "${GLUE_MODULES[@]}"); glue_tags=${glue_tags%,}
    odoo_bin -d "$GLUE_DB" -i "$glue_list" --test-enable --test-tags "$glue_tags" \
        --http-port="${TEST_HTTP_PORT_GLUE:-$(( ${TEST_HTTP_PORT:-8169} + 1 ))}" --stop-after-init --no-http \
        --log-level=info --logfile "$LOGS/odoo-glue-tests.log"
    rc=$?
    grep -E "odoo.tests.result: |FAIL: |ERROR: " "$LOGS/odoo-glue-tests.log" | tail -n 20
    [ $rc -eq 0 ] || failed+=("glue modules' tests (exit $rc, see $LOGS/odoo-glue-tests.log)")
    "$VENV/bin/python" "$ROOT/tools/check_log.py" "$LOGS/odoo-glue-tests.log" "glue modules install and tests" \
        || failed+=("log of glue modules install and tests")
    dropdb --if-exists --force "$GLUE_DB"
fi
if [ -f "$ROOT/tools/queue_workers_check.py" ]; then
    step "queue_job with two real workers: a statement run for 100 customers, each sent once"
    QUEUE_CHECK_DB="${TEST_DB}_queue_workers" QUEUE_CHECK_PORT="$(( ${TEST_HTTP_PORT:-8169} + 2 ))" "$VENV/bin/python" "$ROOT/tools/queue_workers_check.py" \
        > "$LOGS/queue-workers.log" 2>&1 || failed+=("queue_job workers check (see $LOGS/queue-workers.log)")
    tail -n 3 "$LOGS/queue-workers.log"
fi

step "demo data: fresh database $DEMO_DB with demo, then uninstall"
dropdb --if-exists --force "$DEMO_DB"
odoo_bin -d "$DEMO_DB" -i invoicing_specialist --with-demo --stop-after-init --no-http \
    --log-level=info --logfile "$LOGS/odoo-demo.log" || failed+=("demo install")
"$VENV/bin/python" "$ROOT/tools/check_log.py" "$LOGS/odoo-demo.log" "install with demo" || failed+=("log of demo install")
# What the addon set on the books, and what a person set, before the uninstall.
held_ids=$(psql -d "$DEMO_DB" -tAc "SELECT string_agg(id::text, ',') FROM account_move
    WHERE ispec_block_by_addon AND payment_state = 'blocked'")
hand_ids=$(psql -d "$DEMO_DB" -tAc "SELECT string_agg(id::text, ',') FROM account_move
    WHERE payment_state = 'blocked' AND NOT COALESCE(ispec_block_by_addon, FALSE)")
disputed_line_ids=$(psql -d "$DEMO_DB" -tAc "SELECT string_agg(id::text, ',') FROM account_move_line
    WHERE ispec_followup_by_dispute AND NOT COALESCE(ispec_followup_saved, FALSE)")
odoo_cmd module uninstall -d "$DEMO_DB" invoicing_specialist > "$LOGS/odoo-uninstall.log" 2>&1 \
    || failed+=("uninstall")
"$VENV/bin/python" "$ROOT/tools/check_uninstall.py" "$DEMO_DB" "$held_ids" "$hand_ids" "$disputed_line_ids" \
    || failed+=("uninstall left the books changed")
"$VENV/bin/python" "$ROOT/tools/check_log.py" "$LOGS/odoo-uninstall.log" "uninstall" || failed+=("log of uninstall")
state=$(psql -d "$DEMO_DB" -tAc "SELECT state FROM ir_module_module WHERE name = 'invoicing_specialist'")
echo "invoicing_specialist after uninstall: $state"
[ "$state" = "uninstalled" ] || failed+=("uninstall left the module $state")
dropdb --if-exists --force "$DEMO_DB"

step "pytest-odoo against $TEST_DB"
"$VENV/bin/pytest" -p no:cacheprovider --odoo-database="$TEST_DB" --odoo-config="$(odoo_conf)" \
    --odoo-log-level=warn invoicing_specialist/tests -q 2>&1 | tee "$LOGS/pytest.log"
prc=${PIPESTATUS[0]}
case $prc in
    0) ;;
    5) failed+=("pytest collected no test") ;;
    *) failed+=("pytest (exit $prc)") ;;
esac

step "benchmarks at a tiny scale (they must not rot): generated ledger, audit exports, activity, bills, statements"
# The queue_job benchmark reuses the two-worker check's database template (no second install of the modules).
BENCH_QUEUE_DB="${TEST_DB}_queue_workers" BENCH_QUEUE_PORT="$(( ${TEST_HTTP_PORT:-8169} + 2 ))" \
    bash "$ROOT/tools/bench_smoke.sh" > "$LOGS/bench-smoke.log" 2>&1 || failed+=("bench smoke (see $LOGS/bench-smoke.log)")
tail -n 3 "$LOGS/bench-smoke.log"

if [ ${#failed[@]} -gt 0 ]; then
    printf '\nFAILED steps:\n'
    printf '  - %s\n' "${failed[@]}"
fi
# The pytest summary line goes last, as CI reads it.
summary=$(grep -E "^=+ .*(passed|failed|error|no tests ran).* =+$|^[0-9]+ (passed|failed)" "$LOGS/pytest.log" | tail -n 1)
echo "${summary:-pytest printed no summary}"
[ ${#failed[@]} -eq 0 ]
