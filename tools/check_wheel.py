"""Checks what the wheel built by tools/build_wheel.sh holds against the addon's source tree.

Required in the wheel, under odoo/addons/<addon>/:
- the manifest, every file its `data` and `demo` list, and the files its asset globs match in the source tree;
- every view, report and security file, the access CSV (of an addon with models of its own),
  static/description/icon.png and index.html;
- every translation (i18n/*.po, i18n/*.pot) and readme fragment (readme/*.md) present in the source tree;
- every file git tracks under <addon>/ (whool packages exactly those; it leaves out pyproject.toml).
The metadata must name the distribution odoo-addon-<addon> and require the manifest's Python
dependencies (xlsxwriter for invoicing_specialist). Nothing git does not track may be in it (caches, compiled files).

Prints a one-line summary; on a failure, exits 1 and lists each missing or unexpected file with the likely cause.
Usage: check_wheel.py [ADDON] [WHEEL]  (default: invoicing_specialist, the one wheel in .build/wheel/ADDON)
"""

import ast
import subprocess
import sys
import zipfile
from email.parser import HeaderParser
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent
ADDON = sys.argv[1] if len(sys.argv) > 1 else "invoicing_specialist"
SOURCE = ROOT / ADDON
PREFIX = f"odoo/addons/{ADDON}/"
DIST_NAME = f"odoo-addon-{ADDON}"
NOT_PACKAGED = {"pyproject.toml", "PKG-INFO"}  # whool removes them from the wheel


def git_files(*args):
    """Paths relative to the addon folder, as git lists them with `git ls-files ARGS`."""
    out = subprocess.run(
        ["git", "ls-files", "-z", *args, "--", "."], cwd=SOURCE, capture_output=True, text=True, check=True
    ).stdout
    return {path for path in out.split("\0") if path}


def source_glob(*patterns):
    """Files in the source tree matching the patterns (relative to the addon folder), caches left out."""
    found = set()
    for pattern in patterns:
        for path in SOURCE.glob(pattern):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                found.add(path.relative_to(SOURCE).as_posix())
    return found


def asset_files(manifest):
    """Files of this addon that the manifest's asset bundles name, directly or through a glob."""
    patterns = []
    for entries in manifest.get("assets", {}).values():
        for entry in entries:
            path = entry if isinstance(entry, str) else entry[-1]
            if isinstance(entry, (list, tuple)) and entry[0] in ("remove", "include"):
                continue
            path = path.lstrip("/")
            if path.startswith(ADDON + "/"):
                patterns.append(path[len(ADDON) + 1 :])
    return source_glob(*patterns)


def defines_models():
    """Whether the addon declares a model of its own (``_name = ``, not only ``_inherit``)."""
    return any("\n    _name = " in path.read_text(encoding="utf-8") for path in SOURCE.glob("**/*.py"))


def find_wheel(argv):
    if len(argv) > 2:
        return Path(argv[2])
    wheels = sorted((ROOT / ".build" / "wheel" / ADDON).glob("*.whl"))
    if len(wheels) != 1:
        print(f"wheel: expected one wheel in .build/wheel/{ADDON}, found {len(wheels)}: "
              f"run tools/build_wheel.sh {ADDON}")
        sys.exit(2)
    return wheels[0]


def main(argv):
    wheel_path = find_wheel(argv)
    with zipfile.ZipFile(wheel_path) as wheel:
        names = wheel.namelist()
        packaged = {name[len(PREFIX) :] for name in names if name.startswith(PREFIX)}
        outside = [name for name in names if not name.startswith(PREFIX) and ".dist-info/" not in name]
        metadata_name = next((name for name in names if name.endswith(".dist-info/METADATA")), None)
        metadata = HeaderParser().parsestr(wheel.read(metadata_name).decode()) if metadata_name else None
        wheel_manifest = (
            ast.literal_eval(wheel.read(PREFIX + "__manifest__.py").decode()) if "__manifest__.py" in packaged else {}
        )
    source_manifest = ast.literal_eval((SOURCE / "__manifest__.py").read_text(encoding="utf-8"))

    try:
        tracked = git_files() - NOT_PACKAGED
        untracked = git_files("--others", "--exclude-standard") - NOT_PACKAGED
    except (OSError, subprocess.CalledProcessError) as error:
        print(f"wheel: cannot list the files git tracks in {ADDON}/ ({error}): whool needs a git work tree")
        return 2

    data = set()
    demo = set()
    for manifest in (source_manifest, wheel_manifest):
        data.update(manifest.get("data", []))
        demo.update(manifest.get("demo", []))
    views = source_glob("views/**/*.xml", "wizards/**/*.xml")
    reports = source_glob("report/**/*")
    security = source_glob("security/**/*")
    i18n = source_glob("i18n/*.po", "i18n/*.pot")
    readme = source_glob("readme/*.md", "readme/*.rst")
    assets = asset_files(source_manifest)
    required = {
        "manifest": {"__manifest__.py", "__init__.py"},
        "data": data,
        "demo": demo,
        "views": views,
        "reports": reports,
        # An addon with models of its own must give rights on them: its access CSV.
        "security": security | ({"security/ir.model.access.csv"} if defines_models() else set()),
        "static": {"static/description/icon.png", "static/description/index.html"},
        "translations": i18n,
        "readme": readme,
        "assets": assets,
        "tracked by git": tracked,
    }

    problems = []
    missing = {}
    for what, files in required.items():
        for path in sorted(files - packaged):
            missing.setdefault(path, what)
    for path, what in sorted(missing.items()):
        if path in untracked:
            cause = "not tracked by git, and whool packages only tracked files: git add it"
        elif not (SOURCE / path).exists():
            cause = "not in the source tree either"
        else:
            cause = "in the source tree but not in the wheel"
        problems.append(f"missing ({what}): {ADDON}/{path}: {cause}")
    for path in sorted(packaged - tracked):
        problems.append(f"unexpected: {PREFIX}{path} is in the wheel but git does not track it")
    problems.extend(f"unexpected: {name} is outside {PREFIX}" for name in outside)

    requires = metadata.get_all("Requires-Dist", []) if metadata else []
    if metadata is None:
        problems.append("metadata: no .dist-info/METADATA in the wheel")
    else:
        if metadata["Name"] != DIST_NAME:
            problems.append(f"metadata: distribution named {metadata['Name']!r}, expected {DIST_NAME!r}")
        if not str(metadata["Version"]).startswith(source_manifest["version"]):
            problems.append(
                f"metadata: version {metadata['Version']} is not the manifest's {source_manifest['version']}"
            )
        required_names = {Requirement(requirement).name.lower() for requirement in requires}
        for dependency in source_manifest.get("external_dependencies", {}).get("python", []):
            if dependency.lower() not in required_names:
                problems.append(f"metadata: the Python dependency {dependency} is not in Requires-Dist")

    size_kb = wheel_path.stat().st_size // 1024
    counts = ", ".join(
        f"{len(required[key])} {key}"
        for key in ("data", "demo", "views", "reports", "translations", "readme", "assets")
    )
    if problems:
        print(f"wheel: {wheel_path.name}: {len(problems)} problem(s), {len(missing)} file(s) missing")
        for problem in problems:
            print(f"  - {problem}")
        return 1
    others = sorted(untracked - set(missing))
    if others:
        print(f"wheel: note: {len(others)} file(s) not tracked by git are not in the wheel: {', '.join(others)}")
    print(
        f"wheel: {wheel_path.name}, {size_kb} KB, {len(names)} files: manifest, {counts}, all {len(tracked)} "
        f"tracked files present; requires {', '.join(requires)}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
