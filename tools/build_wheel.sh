#!/usr/bin/env bash
# Builds an addon (the first argument, invoicing_specialist by default) as a wheel, odoo-addon-<addon>, with
# whool (OCA's build backend, declared in <addon>/pyproject.toml), into .build/wheel/<addon>. `make test` runs
# it for each addon of the repository, then tools/check_wheel.py.
#
# whool takes what it packages and the version from git:
# - the files are `git ls-files` of the addon folder, as they are in the work tree: a file not yet added to git
#   is not in the wheel (tools/check_wheel.py names it), and a tracked file deleted without `git rm` would stop
#   the build, so it is checked here first;
# - the version is the manifest's, plus the number of commits since it last changed (19.0.1.0.0.N), plus one
#   while the addon has uncommitted changes. A dirty work tree is fine; a shallow clone only gives a smaller N.
# Uses the project's venv (whool and build come from requirements.txt), builds without network access
# (--no-isolation) and writes nothing into the addon folder.
set -euo pipefail
source "$(dirname "$0")/common.sh"

NAME="${1:-invoicing_specialist}"
ADDON="$ROOT/$NAME"
OUT="$BUILD/wheel/$NAME"

for module in whool build; do
    if ! "$VENV/bin/python" -c "import $module" 2>/dev/null; then
        echo "wheel: '$module' is not installed in $VENV: run 'make env' (it comes from requirements.txt)." >&2
        exit 2
    fi
done
# Without git, whool would package every file of the folder (caches included) under the bare manifest version.
if ! git -C "$ADDON" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    echo "wheel: $ADDON is not in a git work tree that git accepts (whool lists the files to package with git; a clone owned by another user needs git config --global --add safe.directory)." >&2
    exit 2
fi
deleted=$(git -C "$ADDON" ls-files --deleted -- .)
if [ -n "$deleted" ]; then
    echo "wheel: tracked by git but missing from the work tree (git rm them or restore them):" >&2
    printf "  $NAME/%s\n" $deleted >&2
    exit 1
fi

rm -rf "$OUT"
mkdir -p "$OUT"
"$VENV/bin/python" -m build --wheel --no-isolation --outdir "$OUT" "$ADDON" > "$BUILD/wheel-build-$NAME.log" 2>&1 || {
    cat "$BUILD/wheel-build-$NAME.log" >&2
    echo "wheel: the build failed (log above, also in $BUILD/wheel-build-$NAME.log)." >&2
    exit 1
}
wheel=$(ls "$OUT"/*.whl)
echo "wheel: built $(basename "$wheel") ($(( $(stat -c %s "$wheel") / 1024 )) KB)"
