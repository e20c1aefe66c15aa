#!/usr/bin/env bash
# `make lint` and the lint step of `make test`: ruff, pylint-odoo with OCA's full check set (.pylintrc),
# OCA's pre-commit hooks for Odoo (oca-checks-odoo-module on the addon, oca-checks-po on its translations),
# XML well-formedness, and the addon's README.rst being the one generated from its readme/ fragments.
# Exits non-zero on any finding and names the failing checks last.
# Every addon of the repository (each folder holding a __manifest__.py) is checked.
# `bash tools/lint.sh --fix-readme` (re)writes each addon's README.rst from its readme/*.md first.
set -uo pipefail
source "$(dirname "$0")/common.sh"
cd "$ROOT"
ADDONS=()
for manifest in */__manifest__.py; do ADDONS+=("$(dirname "$manifest")"); done
failed=()

for tool in "$VENV/bin/ruff" "$VENV/bin/pylint" "$LINT_VENV/bin/oca-checks-odoo-module" "$LINT_VENV/bin/oca-checks-po"; do
    if [ ! -x "$tool" ]; then
        echo "lint: $tool is not installed: run 'make env' (requirements.txt and requirements-lint.txt)." >&2
        exit 2
    fi
done

if [ "${1:-}" = "--fix-readme" ]; then
    README_WRITE=1
else
    README_WRITE=0
fi

echo "--- README.rst of each addon generated from its readme/"
# OCA builds an addon's README.rst from its readme/ fragments with maintainer-tools' oca-gen-addon-readme, which
# is not on PyPI. This does the same for the Markdown our fragments use (paragraphs, nested lists, emphasis,
# links), checks that docutils reads the result without a warning, and fails when README.rst is not what
# readme/ and the manifest give.
for ADDON in "${ADDONS[@]}"; do
"$VENV/bin/python" - "$ADDON" "$README_WRITE" <<'PY' || failed+=("readme of $ADDON")
import ast
import io
import pathlib
import re
import sys

import docutils.core

addon = pathlib.Path(sys.argv[1])
write = sys.argv[2] == "1"
manifest = ast.literal_eval((addon / "__manifest__.py").read_text())
fragments = addon / "readme"
ITEM = re.compile(r"^(\s*)([-*+]|\d+\.)\s+")


def md_to_rst(text):
    """Our readme fragments' Markdown as reStructuredText."""
    text = re.sub(r"<(https?://[^>\s]+)>", r"\1", text)  # autolinks
    text = re.sub(r"\[([^\]]+)\]\((https?://[^)\s]+)\)", r"`\1 <\2>`_", text)  # links
    text = re.sub(r"(?<!`)`([^`\n]+)`(?!`)", r"``\1``", text)  # inline code
    out, item_indent = [], None
    for line in text.splitlines():
        match = ITEM.match(line)
        previous = out[-1] if out else ""
        if match:
            indent = len(match.group(1))
            # reStructuredText wants a blank line where a list, or a nested list, starts and ends.
            if previous.strip() and indent != item_indent:
                out.append("")
            item_indent = indent
        elif line.strip():
            indent = len(line) - len(line.lstrip())
            if item_indent is not None and indent <= item_indent:
                if previous.strip():
                    out.append("")
                item_indent = None
        out.append(line.rstrip())
    return "\n".join(out).strip()


def fragment(name):
    path = fragments / f"{name}.md"
    return md_to_rst(path.read_text()) if path.is_file() else ""


def heading(title, char):
    return [title, char * len(title), ""]


name = manifest["name"]
out = [
    ".. Generated from readme/*.md and __manifest__.py by `bash tools/lint.sh --fix-readme`:",
    "   edit those, not this file.",
    "",
    "=" * len(name), name, "=" * len(name),
    "",
    " ".join(manifest["summary"].split()),
    "",
    f"License: {manifest['license']}. Development status: {manifest['development_status']}.",
    "",
]
description = fragment("DESCRIPTION")
if description:
    out += [description, ""]
out += ["**Table of contents**", "", ".. contents::", "   :local:", ""]
for part, title in (("INSTALL", "Installation"), ("CONFIGURE", "Configuration"), ("USAGE", "Usage"),
                    ("ROADMAP", "Known issues / Roadmap"), ("HISTORY", "Changelog")):
    text = fragment(part)
    if text:
        out += heading(title, "=") + [text, ""]
out += heading("Credits", "=") + heading("Authors", "-")
out += [f"- {author.strip()}" for author in manifest["author"].split(",")] + [""]
for part, title in (("CONTRIBUTORS", "Contributors"), ("CREDITS", "Other credits")):
    text = fragment(part)
    if text:
        out += heading(title, "-") + [text, ""]
out += heading("Maintainers", "-")
out += [f"- `{login} <https://github.com/{login}>`_" for login in manifest.get("maintainers", [])] + [""]
out += [f"This module is part of {manifest['website']}.", ""]
expected = "\n".join(out)

warnings = io.StringIO()
docutils.core.publish_doctree(expected, settings_overrides={"warning_stream": warnings, "report_level": 2})
if warnings.getvalue():
    print(f"README.rst from {fragments}/ is not valid reStructuredText:\n{warnings.getvalue()}")
    sys.exit(1)
readme = addon / "README.rst"
if write:
    readme.write_text(expected)
    print(f"{readme} written")
elif not readme.is_file() or readme.read_text() != expected:
    print(f"{readme} is not the one generated from {fragments}/: run `bash tools/lint.sh --fix-readme`")
    sys.exit(1)
else:
    print(f"{readme} is up to date")
PY
done

echo "--- ruff"
"$VENV/bin/ruff" check "${ADDONS[@]}" tools bench || failed+=("ruff")

echo "--- pylint-odoo, OCA's full check set (.pylintrc)"
"$VENV/bin/pylint" --rcfile=.pylintrc --output-format=text "${ADDONS[@]}" || failed+=("pylint-odoo")

echo "--- oca-checks-odoo-module (manifest, XML, CSV)"
for ADDON in "${ADDONS[@]}"; do
    "$LINT_VENV/bin/oca-checks-odoo-module" "$ADDON" || failed+=("oca-checks-odoo-module $ADDON")
done

echo "--- oca-checks-po (translations)"
shopt -s nullglob
po_files=()
for ADDON in "${ADDONS[@]}"; do po_files+=("$ADDON"/i18n/*.po "$ADDON"/i18n/*.pot); done
shopt -u nullglob
if [ ${#po_files[@]} -gt 0 ]; then
    # All checks, po-pretty-format included (OCA's template turns it off): Odoo's own export passes it, and
    # `oca-checks-po --fix` sorts, wraps and empties a msgstr that only repeats its msgid.
    "$LINT_VENV/bin/oca-checks-po" "${po_files[@]}" || failed+=("oca-checks-po")
else
    echo "no translation files"
fi

echo "--- XML well-formed"
"$VENV/bin/python" - "${ADDONS[@]}" <<'PY' || failed+=("xml")
import pathlib
import sys

from lxml import etree

bad = 0
for path in sorted(path for addon in sys.argv[1:] for path in pathlib.Path(addon).rglob("*.xml")):
    try:
        etree.parse(str(path))
    except etree.XMLSyntaxError as error:
        bad += 1
        print(f"{path}: {error}")
print(f"xml: {'%d malformed file(s)' % bad if bad else 'all files well-formed'}")
sys.exit(1 if bad else 0)
PY

if [ ${#failed[@]} -gt 0 ]; then
    printf '\nlint FAILED:\n'
    printf '  - %s\n' "${failed[@]}"
    exit 1
fi
echo "lint: all checks passed"
