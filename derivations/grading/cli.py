"""`derivations grade`: one submission (table, Gradescope JSON) or a folder (CSV, one JSON each, progress)."""

from __future__ import annotations

import argparse
import csv
import io
import multiprocessing as mp
import os
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from derivations.errors import EXIT_OK, InputError
from derivations.files import write_json_atomic, write_text_atomic
from derivations.grading.api import API
from derivations.grading.config import Config
from derivations.grading.grade import grade
from derivations.grading.results import Result
from derivations.grading.sandbox import Sandbox, claim_uid, find_sandbox
from derivations.verdict import Outcome

SUFFIXES = (".py", ".md", ".markdown", ".tex", ".ipynb")


def _check_submission(path: Path) -> None:
    if not path.exists():
        raise InputError(f"'{path}' does not exist (expected a .py submission or a .md/.tex/.ipynb derivation)")
    if path.is_dir():
        raise InputError(f"'{path}' is a directory (use --batch to grade a folder)")
    if path.suffix not in SUFFIXES:
        raise InputError(f"'{path}': expected a .py submission or a .md/.tex/.ipynb derivation")


def students(folder: Path) -> list[tuple[str, Path | None, str]]:
    """(student, submission, problem) for each file or sub-folder of ``folder``, sorted by name."""
    if not folder.is_dir():
        raise InputError(f"'{folder}' is not a folder (expected one file or folder per student)")
    out = []
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith(".") or entry.stem.upper() in ("README", "LICENSE"):
            continue  # the folder's own documentation is not a student
        if entry.is_file() and entry.suffix in SUFFIXES:
            out.append((entry.stem, entry, ""))
        elif entry.is_dir():
            files = sorted(p for p in entry.iterdir() if p.is_file() and p.suffix in SUFFIXES)
            if len(files) == 1:
                out.append((entry.name, files[0], ""))
            else:
                why = "no .py/.md/.tex/.ipynb file" if not files else f"{len(files)} submission files, expected one"
                out.append((entry.name, None, why))
    if not out:
        raise InputError(
            f"'{folder}' has no submissions (expected .py/.md/.tex/.ipynb files or one folder per student)"
        )
    return out


#: What the TA reads when student code cannot be isolated here.
NO_SANDBOX = (
    "refusing to run student code without a sandbox: {note}; install it with "
    "'apt-get install bubblewrap python3-numpy', or pass --no-sandbox to run submissions unisolated"
)
#: Printed on every result graded with --no-sandbox.
UNSANDBOXED = "--no-sandbox: this submission ran WITHOUT isolation (it could read and write what the grader can)"


def sandbox_or_refuse(unsandboxed_ok: bool, uid: int | None = None) -> Sandbox:
    """The sandbox children run in; InputError when it does not isolate them and ``--no-sandbox`` was not given."""
    box = find_sandbox(uid=uid)
    if not box.isolated and not unsandboxed_ok:
        raise InputError(NO_SANDBOX.format(note=box.note or "bubblewrap could not start a child"))
    return box


def render(result: Result, console: Console, quiet: bool) -> None:
    """The result as a table of tests (unless ``quiet``), its warnings, and the total."""
    if not quiet:
        table = Table(pad_edge=False, box=None, header_style="bold")
        table.add_column("test")
        table.add_column("score", justify="right")
        table.add_column("verdict")
        table.add_column("feedback", overflow="fold", ratio=1)
        for t in result.tests:
            style = "green" if t.passed else ("dim" if t.verdict is Outcome.NOT_SUBMITTED else "red")
            first = t.output.split("\n")[0]
            table.add_row(t.name, f"{t.score:g}/{t.max_score:g}", f"[{style}]{t.verdict.words}[/]", escape(first))
            for extra in t.output.split("\n")[1:]:
                table.add_row("", "", "", escape(extra))
        console.print(table)
    if not result.sandboxed:
        console.print(f"[yellow]{escape(UNSANDBOXED)}[/]")
    elif result.sandbox:
        console.print(f"[yellow]{escape(result.sandbox)}[/]")
    if result.error:
        console.print(f"[red]{escape(result.error)}[/]")
    console.print(f"{escape(result.student)}: {result.score:g}/{result.max_score:g}")


#: This process's sandbox uid: a `--jobs` worker's own (set by `_init_worker`), None for the default.
_SLOT_UID: int | None = None


def _init_worker() -> None:
    """Each worker process claims its own sandbox uid as root (RLIMIT_NPROC and the sweeps are per uid)."""
    global _SLOT_UID
    _SLOT_UID = claim_uid() if os.geteuid() == 0 else None


def _grade_one(student: str, path: str, config: Config, against: str | None) -> dict:
    """One student's result as the batch's JSON (a usage error in their file is their note, not the run's end)."""
    box = find_sandbox(uid=_SLOT_UID)
    try:
        result = grade(Path(path), config, against=against, student=student, box=box)
    except InputError as exc:
        result = Result(student, path, "unknown", error=str(exc))
    return result.to_json() | {"_sandbox_isolated": box.isolated}


def run_batch(args: argparse.Namespace, config: Config) -> int:
    """Grade every student of ``args.batch``: the CSV, one JSON per student, a progress bar."""
    roster = students(args.batch)
    out_csv: Path = args.csv or args.batch.with_name(args.batch.name + "-grades.csv")
    json_dir = out_csv.with_name(out_csv.stem + "-results")
    json_dir.mkdir(parents=True, exist_ok=True)
    console = Console(stderr=True)
    rows: dict[str, dict] = {}
    with Progress(TextColumn("grading"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  TextColumn("{task.description}"), console=console, disable=args.quiet) as progress:  # fmt: skip
        task = progress.add_task("", total=len(roster))
        todo = [(s, p) for s, p, why in roster if p is not None]
        for s, _, why in roster:
            if why:
                rows[s] = {"student": s, "score": 0, "max_score": 0, "output": why, "error": why, "tests": []}
                progress.advance(task)
        if args.jobs > 1:
            ctx = mp.get_context("fork")
            with ProcessPoolExecutor(args.jobs, mp_context=ctx, initializer=_init_worker) as pool:
                futures = {pool.submit(_grade_one, s, str(p), config, args.against): s for s, p in todo}
                for fut in as_completed(futures):
                    rows[futures[fut]] = fut.result()
                    progress.update(task, advance=1, description=futures[fut])
        else:
            for s, p in todo:
                progress.update(task, description=s)
                rows[s] = _grade_one(s, str(p), config, args.against)
                progress.advance(task)
    isolated = all(r.get("_sandbox_isolated", True) for r in rows.values())
    for student, row in rows.items():
        row.pop("_sandbox_isolated", None)
        write_json_atomic(json_dir / f"{student}.json", row)
    buf = io.StringIO()
    writer = csv.writer(buf)
    columns = [*API, "derivation"]
    writer.writerow(["student", "score", "max_score", *columns, "note"])
    for student in sorted(rows):
        row = rows[student]
        per = dict.fromkeys(columns, 0.0)
        for t in row.get("tests", []):
            key = t["name"].split(":")[0]
            per[key] = per.get(key, 0.0) + t["score"]
        note = row.get("error", "")
        writer.writerow(
            [student, f"{row['score']:g}", f"{row['max_score']:g}", *(f"{per[c]:g}" for c in columns), note]
        )
    write_text_atomic(out_csv, buf.getvalue())
    if not isolated:
        console.print("[yellow]warning: submissions ran without bubblewrap isolation (apt-get install bubblewrap)[/]")
    print(f"graded {len(rows)} submissions: {out_csv} and {json_dir}/")
    return EXIT_OK


def run_grade(args: argparse.Namespace) -> int:
    """`derivations grade`: one submission or a folder of them; the exit code."""
    config = Config.load(args.config)
    if (args.submission is None) == (args.batch is None):
        raise InputError("give one submission, or --batch DIR (not both)")
    if args.against:
        from derivations.identities import get  # SymPy (0.6 s): only when an identity is named

        get(args.against)
    if args.require_sandbox and args.no_sandbox:
        raise InputError("--require-sandbox and --no-sandbox contradict each other (give one)")
    box = sandbox_or_refuse(args.no_sandbox)
    if args.batch is not None:
        if args.json:
            raise InputError("--json is for one submission; --batch writes one JSON per student beside the CSV")
        return run_batch(args, config)
    if args.csv:
        raise InputError("--csv is for --batch")
    _check_submission(args.submission)
    from derivations.report.terminal import make_console  # SymPy through the report's types (1 s)

    console = make_console()
    status = Console(stderr=True, quiet=args.quiet)
    with status.status(f"grading {args.submission}…"):
        result = grade(args.submission, config, against=args.against, box=box)
    result.sandboxed = box.isolated
    if args.json:
        write_json_atomic(args.json, result.to_gradescope())
    render(result, console, args.quiet)
    return EXIT_OK
