"""`derivations grade --batch DIR`: every entry of a folder is a student, a skipped file, or a refusal.

The rule, in order (docs/grading.md repeats it):

1. **skipped**, and listed: names starting with ``.`` or ``__`` (``.git``, ``__MACOSX``); the folder's own
   documentation, a file whose name before the suffix is README, NOTES, LICENSE, INSTRUCTIONS or
   CHANGELOG (any case) with no suffix or ``.md``/``.txt``/``.rst``/``.pdf``/``.html``; and the batch's
   own output files (its CSV and results folder) when they lie inside the folder;
2. **graded**: a ``.py``, ``.ipynb`` or ``.zip`` file, or a folder (code); a ``.md``, ``.markdown`` or
   ``.tex`` file (a derivation); suffixes in any case;
3. **refused** (a row with 0 points and the reason): any other file.

The student key is the file's name without its suffix, or the folder's name; when two entries would
share a key (``alice.py`` and ``alice.ipynb``) each is keyed by its whole name.

Each result is written as soon as it is done: the student's JSON in the results folder, and the CSV
rewritten (atomically) with every student done so far, so an interrupted run leaves a valid CSV.
``--resume`` reuses a student's JSON when it was written by this grader version for the same
assignment and the same submission bytes.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import signal
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from derivations.errors import AssignmentError, DerivationsError, InputError
from derivations.files import write_json_atomic, write_text_atomic
from derivations.verdict import Outcome

CODE_SUFFIXES = (".py", ".ipynb", ".zip")
DERIVATION_SUFFIXES = (".md", ".markdown", ".tex")
#: Names (before the suffix, any case) of the folder's own documentation.
DOCUMENTATION = ("README", "NOTES", "LICENSE", "INSTRUCTIONS", "CHANGELOG")
DOCUMENTATION_SUFFIXES = ("", ".md", ".txt", ".rst", ".pdf", ".html")


class Action(StrEnum):
    """What the batch does with one entry of the folder."""

    GRADE = "grade"
    SKIP = "skip"
    REFUSE = "refuse"


@dataclass(frozen=True)
class Entry:
    """One entry of the batch folder: whose it is, where it is, and what the batch does with it (and why)."""

    student: str
    path: Path
    action: Action
    reason: str = ""


def entries(folder: Path, outputs: tuple[Path, ...] = ()) -> list[Entry]:
    """Every entry of ``folder``, sorted by name, with its `Action` by the rule of this module's docstring."""
    if not folder.is_dir():
        raise InputError(f"'{folder}' is not a folder (expected one file or folder per student)")
    own = {p.resolve() for p in outputs}
    found: list[tuple[str, Path, Action, str]] = []
    for entry in sorted(folder.iterdir(), key=lambda p: p.name):
        name, suffix = entry.name, entry.suffix.lower()
        stem = entry.name[: len(entry.name) - len(entry.suffix)] if entry.suffix else entry.name
        if name.startswith((".", "__")):
            found.append((name, entry, Action.SKIP, "hidden or system entry"))
        elif entry.resolve() in own:
            found.append((name, entry, Action.SKIP, "this batch's own output"))
        elif entry.is_symlink():
            found.append((stem, entry, Action.REFUSE, "a symbolic link (submissions are files or folders)"))
        elif entry.is_file() and stem.upper() in DOCUMENTATION and suffix in DOCUMENTATION_SUFFIXES:
            found.append((name, entry, Action.SKIP, "the folder's own documentation"))
        elif entry.is_dir() or (entry.is_file() and suffix in CODE_SUFFIXES + DERIVATION_SUFFIXES):
            found.append((stem if entry.is_file() else name, entry, Action.GRADE, ""))
        else:
            found.append((stem, entry, Action.REFUSE, "not a submission (expected .py, .ipynb, .zip, a folder, "
                          "or a .md/.tex derivation)"))  # fmt: skip
    names = {i: _printable(key) for i, (key, _, action, _) in enumerate(found) if action is not Action.SKIP}
    while True:  # alice.py and alice.ipynb: each keyed by its whole name, until every key is unique
        seen = list(names.values())
        clashes = [i for i, key in names.items() if seen.count(key) > 1]
        if not clashes or all(names[i] == _printable(found[i][1].name) for i in clashes):
            break
        for i in clashes:
            names[i] = _printable(found[i][1].name)
    out = []
    for i, (key, path, action, reason) in enumerate(found):
        out.append(Entry(names.get(i, _printable(key)), path, action, reason))
    if not any(e.action is not Action.SKIP for e in out):
        raise InputError(f"'{folder}' has no submissions (expected .py/.ipynb/.zip files, folders, or .md/.tex)")
    return out


def _printable(name: str) -> str:
    """A name as the CSV and the JSON files can hold it: bytes that are not UTF-8 shown as ``\\xe9``."""
    return os.fsencode(name).decode("utf-8", "backslashreplace")


def digest_of(path: Path) -> str:
    """sha256 of what the student handed in: a file's bytes, or a folder's files (names and bytes, no links)."""
    h = hashlib.sha256()
    for name, data in _files_of(path):
        h.update(os.fsencode(name) + b"\0" + hashlib.sha256(data).digest())
    return h.hexdigest()


def _files_of(path: Path) -> Iterator[tuple[str, bytes]]:
    """(name, bytes) of the regular files handed in: never a link, a FIFO, a socket or a device (never read)."""
    if _regular(path):
        yield path.name, path.read_bytes()
        return
    if path.is_symlink() or not path.is_dir():
        return
    for root, dirs, files in os.walk(path):  # os.walk does not follow links to folders
        dirs.sort()
        for f in sorted(files):
            full = Path(root, f)
            if _regular(full):
                yield full.relative_to(path).as_posix(), full.read_bytes()


def _regular(path: Path) -> bool:
    try:
        return stat.S_ISREG(path.lstat().st_mode)
    except OSError:
        return False


@dataclass(frozen=True)
class Stamp:
    """What a result was graded with: --resume reuses it only when all three are the same."""

    grader: str
    assignment: str
    submission: str

    def to_json(self) -> dict[str, str]:
        """The stamp as the student's JSON holds it."""
        return {"grader": self.grader, "assignment": self.assignment, "submission": self.submission}


def previous(json_path: Path, stamp: Stamp) -> dict[str, Any] | None:
    """The student's earlier result, if ``json_path`` holds one graded with ``stamp``; else None."""
    try:
        row = json.loads(json_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(row, dict) or row.get("graded_with") != stamp.to_json():
        return None
    return row


def status_of(outcomes: list[Outcome]) -> str:
    """passed / not submitted / timed out / crashed / wrong, from the outcomes of one function's parts."""
    if all(o is Outcome.PASSED for o in outcomes):
        return Outcome.PASSED.value
    if any(o is Outcome.NOT_SUBMITTED for o in outcomes):
        return Outcome.NOT_SUBMITTED.words
    if any(o in (Outcome.TIMEOUT, Outcome.IMPORT_TIMEOUT) for o in outcomes):
        return Outcome.TIMEOUT.words
    if any(o in CRASHED for o in outcomes):
        return Outcome.CRASHED.value
    return Outcome.WRONG.value


#: Outcomes a function's status calls "crashed": it did not return an answer to compare.
CRASHED = frozenset({Outcome.CRASHED, Outcome.PROTOCOL, Outcome.MEMORY, Outcome.RECURSION, Outcome.IMPORT_ERROR,
                     Outcome.EXCEPTION})  # fmt: skip


def csv_text(rows: dict[str, dict[str, Any]], functions: list[str]) -> str:
    """The gradebook: per student the total, a score and a status per graded function, sandboxed, and a note."""
    functions = list(functions)
    for row in rows.values():  # a derivation's tests ("derivation: …") when the batch graded derivations
        for t in row.get("details", []):
            group = t["name"].split(":")[0]
            if group not in functions:
                functions.append(group)
    buf = io.StringIO()
    writer = csv.writer(buf)
    header = ["student", "score", "max_score"]
    for f in functions:
        header += [f"{f} score", f"{f} status"]
    writer.writerow([*header, "sandboxed", "note"])
    for student in sorted(rows):
        row = rows[student]
        parts: dict[str, list[tuple[float, Outcome]]] = {}
        for t in row.get("details", []):
            parts.setdefault(t["name"].split(":")[0], []).append((float(t["score"]), Outcome(t["verdict"])))
        line = [student, f"{row.get('score', 0):g}", f"{row.get('max_score', 0):g}"]
        for f in functions:
            got = parts.get(f)
            if got is None:
                line += ["0", "not graded" if row.get("error") else "not submitted"]
            else:
                line += [f"{sum(s for s, _ in got):g}", status_of([o for _, o in got])]
        sandboxed = row.get("sandboxed")
        line += ["" if sandboxed is None else ("yes" if sandboxed else "NO"), row.get("error", "")]
        writer.writerow(line)
    return buf.getvalue()


@dataclass
class Tally:
    """What the batch did, by name: the summary line."""

    graded: list[str]
    resumed: list[str]
    refused: list[str]
    failed: list[str]
    skipped: list[str]

    def line(self) -> str:
        """``graded 38 (2 reused with --resume); refused 1: dave; skipped 2: README.md, NOTES.md``."""

        def names(xs: list[str]) -> str:
            shown = ", ".join(xs[:10]) + (f", … ({len(xs) - 10} more)" if len(xs) > 10 else "")
            return f": {shown}" if xs else ""

        parts = [f"graded {len(self.graded) + len(self.resumed)}"]
        if self.resumed:
            parts[0] += f" ({len(self.resumed)} reused with --resume)"
        parts.append(f"refused {len(self.refused)}{names(self.refused)}")
        if self.failed:
            parts.append(f"NOT graded (the sandbox failed; rerun with --resume) {len(self.failed)}{names(self.failed)}")
        parts.append(f"skipped {len(self.skipped)}{names(self.skipped)}")
        return "; ".join(parts)


class Gradebook:
    """The CSV and the results folder, written after every student (each write atomic)."""

    def __init__(self, csv_path: Path, json_dir: Path, functions: list[str]) -> None:
        self.csv_path = csv_path
        self.json_dir = json_dir
        self.functions = functions
        self.rows: dict[str, dict[str, Any]] = {}
        json_dir.mkdir(parents=True, exist_ok=True)

    def json_of(self, student: str) -> Path:
        """Where the student's result is kept."""
        return self.json_dir / f"{student}.json"

    def add(self, student: str, row: dict[str, Any], *, write_json: bool = True) -> None:
        """Record one student's result: their JSON, then the whole CSV again."""
        self.rows[student] = row
        if write_json:
            write_json_atomic(self.json_of(student), row)
        write_text_atomic(self.csv_path, csv_text(self.rows, self.functions))


def ignore_interrupts() -> None:
    """In a worker: Ctrl-C is the parent's to handle (it stops the pool and keeps what is done)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def refusal_row(student: str, path: Path, reason: str) -> dict[str, Any]:
    """The row of an entry that could not be graded: 0 points, the reason as its note."""
    return {"student": student, "file": str(path), "score": 0, "max_score": 0, "output": reason, "error": reason,
            "details": [], "refused": True}  # fmt: skip


def grade_entry(entry: Entry, stamp: Stamp, grade_one: Callable[[Entry], dict[str, Any]]) -> dict[str, Any]:
    """One student's row: ``grade_one``'s result stamped, or a refusal when the submission cannot be read."""
    try:
        row = grade_one(entry)
    except AssignmentError:
        raise  # the assignment's own mistake: the batch stops (the students done so far keep their rows)
    except InputError as exc:  # an unreadable submission (a bad zip, an ambiguous folder): the student's row
        return refusal_row(entry.student, entry.path, str(exc)) | {"graded_with": stamp.to_json()}
    except DerivationsError as exc:  # the sandbox failed: not the student's fault, not stamped (--resume regrades)
        failed = refusal_row(entry.student, entry.path, f"not graded: {exc}")
        return failed | {"refused": False, "sandbox_failed": True}
    return row | {"graded_with": stamp.to_json()}
