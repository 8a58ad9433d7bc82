"""`derivations autograder`: the Gradescope autograder bundle (a zip) that grades with this grader.

Gradescope builds one container image from the bundle (``setup.sh``) and runs ``run_autograder`` in a
fresh container per submission, with the student's files in ``/autograder/submission`` and the results
expected in ``/autograder/results/results.json``. One container per submission is how a large class
scales: submissions never share a machine, a process or a uid.

The bundle holds:

- ``setup.sh``: installs Debian/Ubuntu's Python, NumPy and bubblewrap, then this grader (its source is
  in the bundle, ``derivations-src/``) into a virtual environment, and makes ``/autograder/source``
  readable by root only (the sandbox's uid cannot read the grader's code or the reference solutions);
- ``run_autograder``: grades ``/autograder/submission`` (a folder: the main-module rule of
  docs/grading.md picks the file) and writes the results; if the grader itself cannot run, it writes a
  results.json that says so (0 points, "ask your instructor"), never nothing;
- the assignment file and the reference solution files it names, and ``sandbox`` (the sandbox flag).

Both scripts take the root from ``AUTOGRADER_ROOT`` (default ``/autograder``) and ``run_autograder``
the command from ``DERIVATIONS`` (default the bundle's virtual environment), so the bundle can be run
locally in a scratch folder laid out like Gradescope's.
"""

from __future__ import annotations

import io
import stat
import zipfile
from importlib.metadata import PackageNotFoundError, requires
from pathlib import Path

import derivations
import numeric
from derivations.errors import InputError
from derivations.files import tool_version, write_bytes_atomic

SETUP_SH = """#!/usr/bin/env bash
# Gradescope runs this once, as root, to build the autograder's image (Ubuntu 24.04 base: Python ≥ 3.11).
set -euo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \\
  python3 python3-venv python3-pip python3-numpy python3-scipy python3-matplotlib bubblewrap >/dev/null
python3 -m venv "$ROOT/source/venv"
"$ROOT/source/venv/bin/pip" install --quiet "$ROOT/source/derivations-src"
# The sandboxed child runs as an unprivileged uid: it must not read the grader or the references.
chmod -R go-rwx "$ROOT/source"
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this once per submission, in a fresh container.
set -uo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"
SOURCE="$ROOT/source"
RESULTS="$ROOT/results/results.json"
mkdir -p "$ROOT/results"
read -r SANDBOX < "$SOURCE/sandbox" || SANDBOX=""
ASSIGNMENT=()
if [ -f "$SOURCE/assignment.toml" ]; then ASSIGNMENT=(--assignment "$SOURCE/assignment.toml"); fi
# shellcheck disable=SC2086  # DERIVATIONS may be a command with arguments (python -m derivations)
${DERIVATIONS:-$SOURCE/venv/bin/derivations} grade "$ROOT/submission" "${ASSIGNMENT[@]}" $SANDBOX \\
  --json "$RESULTS" --quiet 2> "$ROOT/results/grader-errors.txt"
status=$?
cat "$ROOT/results/grader-errors.txt"   # stdout: the TA sees it (stdout_visibility: hidden)
if [ ! -s "$RESULTS" ]; then
  # one line of the grader's message, as JSON (Python escapes it and keeps it UTF-8)
  /usr/bin/python3 - "$status" "$ROOT/results/grader-errors.txt" "$RESULTS" <<'PY'
import json, sys
status, errors, results = sys.argv[1], sys.argv[2], sys.argv[3]
lines = open(errors, encoding="utf-8", errors="replace").read().strip().splitlines() or ["no message"]
why = lines[-1][:300]
json.dump({"score": 0, "output": f"The autograder could not grade this submission (exit {status}): {why}",
           "stdout_visibility": "hidden", "tests": []}, open(results, "w", encoding="utf-8"))
PY
fi
exit 0
"""


def _package_files(package: object) -> list[tuple[str, bytes]]:
    """(path under the bundle's source tree, bytes) of every file of an imported package, caches left out."""
    root = Path(package.__file__).parent  # type: ignore[attr-defined]
    out = []
    for path in sorted(root.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix not in (".pyc", ".pyo"):
            out.append((f"{root.name}/{path.relative_to(root).as_posix()}", path.read_bytes()))
    return out


def _pyproject() -> str:
    """A pyproject.toml for the bundled source: this version, and its run-time dependencies (no extras)."""
    try:
        deps = [r for r in requires("derivations") or [] if "extra ==" not in r]
    except PackageNotFoundError:
        deps = []
    listed = ",\n".join(f"    {d.split(';')[0].strip()!r}".replace("'", '"') for d in deps)
    return (
        '[build-system]\nrequires = ["setuptools>=68"]\nbuild-backend = "setuptools.build_meta"\n\n'
        f'[project]\nname = "derivations"\nversion = "{tool_version()}"\nrequires-python = ">=3.11"\n'
        f"dependencies = [\n{listed}\n]\n\n"
        '[project.scripts]\nderivations = "derivations.cli:main"\n\n'
        '[tool.setuptools.packages.find]\ninclude = ["derivations*", "numeric*"]\n\n'
        '[tool.setuptools.package-data]\n"*" = ["*.toml", "*.md", "*.json"]\n'
    )


def referenced_files(assignment: Path) -> list[Path]:
    """The reference solution files the assignment names (read and validated as `derivations grade` reads it)."""
    from derivations.grading.config import load_assignment

    config = load_assignment(assignment)
    files = {f.reference_file for f in config.functions if f.reference_file is not None}
    if config.solution is not None:
        files.add(config.solution)
    folder = assignment.parent.resolve()
    out = []
    for path in sorted(p.resolve() for p in files):
        if not path.is_relative_to(folder):
            raise InputError(f"'{assignment}': the reference file '{path}' is outside the assignment's folder")
        out.append(path)
    return out


def bundle(assignment: Path | None, *, unsandboxed: bool) -> bytes:
    """The autograder zip: scripts, the grader's source, the assignment and its reference files."""
    files: list[tuple[str, bytes, int]] = [
        ("setup.sh", SETUP_SH.encode(), 0o755),
        ("run_autograder", RUN_AUTOGRADER.encode(), 0o755),
        ("sandbox", b"--no-sandbox\n" if unsandboxed else b"\n", 0o644),
        ("derivations-src/pyproject.toml", _pyproject().encode(), 0o644),
    ]
    for package in (derivations, numeric):
        files += [(f"derivations-src/{name}", data, 0o644) for name, data in _package_files(package)]
    if assignment is not None:
        files.append(("assignment.toml", assignment.read_bytes(), 0o644))
        for ref in referenced_files(assignment):
            files.append((ref.relative_to(assignment.parent.resolve()).as_posix(), ref.read_bytes(), 0o644))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data, mode in files:
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))  # fixed: the same input, the same zip
            info.external_attr = (stat.S_IFREG | mode) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)
    return buf.getvalue()


def write_bundle(out: Path, assignment: Path | None, *, unsandboxed: bool) -> None:
    """Write the autograder zip to ``out`` (atomically)."""
    write_bytes_atomic(out, bundle(assignment, unsandboxed=unsandboxed))
