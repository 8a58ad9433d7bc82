"""`derivations grade`: one submission (table, Gradescope JSON) or a folder (CSV, one JSON each, progress)."""

from __future__ import annotations

import argparse
import hashlib
import multiprocessing as mp
import os
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import replace
from functools import partial
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from derivations.errors import EXIT_INTERRUPTED, EXIT_OK, InputError
from derivations.files import refuse_foreign, tool_version, write_json_atomic, write_text_atomic
from derivations.grading.batch import (
    Action,
    Entry,
    Gradebook,
    Stamp,
    Tally,
    csv_text,
    digest_of,
    entries,
    grade_entry,
    ignore_interrupts,
    previous,
    refusal_row,
)
from derivations.grading.config import Config
from derivations.grading.grade import grade
from derivations.grading.results import Result
from derivations.grading.sandbox import Sandbox, claim_uid, isolated_sandbox, run_folder
from derivations.report.lines import as_table, make_console, say
from derivations.verdict import Outcome


def _check_submission(path: Path) -> None:
    if not path.exists():
        raise InputError(f"'{path}' does not exist (expected a .py file, a notebook, a folder, a .zip or a derivation)")


#: Printed on every result graded with --no-sandbox.
UNSANDBOXED = "--no-sandbox: this submission ran WITHOUT isolation (it could read and write what the grader can)"


def sandbox_or_refuse(unsandboxed_ok: bool, uid: int | None = None) -> Sandbox:
    """The sandbox children run in; SandboxFailure (one line, exit 2) when it does not isolate them and
    ``--no-sandbox`` was not given."""
    return isolated_sandbox(uid, unsandboxed_ok=unsandboxed_ok)


def _outputs_of(args: argparse.Namespace) -> tuple[Path, Path]:
    """The batch's CSV and results folder; InputError if either is inside the submissions or would replace a file."""
    out_csv: Path = args.csv or args.batch.with_name(args.batch.name + "-grades.csv")
    json_dir = out_csv.with_name(out_csv.stem + "-results")
    for out in (out_csv, json_dir):
        if out.resolve().is_relative_to(args.batch.resolve()):
            raise InputError(f"'{out}' is inside the submissions folder '{args.batch}' (write results beside it)")
    _refuse_to_replace(out_csv, ".csv")
    refuse_foreign(out_csv, force=args.force)
    return out_csv, json_dir


def _refuse_to_replace(path: Path, suffix: str) -> None:
    """InputError when ``path`` exists and is not a ``suffix`` file: results never replace a student's work."""
    if path.exists() and (path.is_dir() or path.suffix.lower() != suffix):
        raise InputError(f"'{path}' exists and is not a {suffix} file: refusing to replace it (give another path)")


def render(result: Result, console: Console, quiet: bool) -> None:
    """The tests (unless ``quiet``: a table on a wide terminal, else plain lines), the warnings, the total.

    Feedback identical to an earlier test's (one counterexample failing correctness and stability) is
    printed once; the later test refers to the earlier one.
    """
    if not quiet:
        first_with: dict[str, str] = {}
        rows = []
        for t in result.tests:
            style = "green" if t.passed else ("dim" if t.verdict is Outcome.NOT_SUBMITTED else "red")
            lines = t.output.split("\n") if t.output else []
            if t.output and t.output in first_with:
                lines = [f"(the same as {first_with[t.output]})"]
            elif t.output:
                first_with[t.output] = t.name
            rows.append((t, style, lines))
        if as_table(console):
            table = Table(pad_edge=False, box=None, header_style="bold")
            table.add_column("test")
            table.add_column("score", justify="right")
            table.add_column("verdict")
            table.add_column("feedback", overflow="fold", ratio=1)
            for t, style, lines in rows:
                feedback = lines or [""]
                table.add_row(
                    t.name, f"{t.score:g}/{t.max_score:g}", f"[{style}]{t.verdict.words}[/]", escape(feedback[0])
                )
                for extra in feedback[1:]:
                    table.add_row("", "", "", escape(extra))
            console.print(table)
        else:
            for t, style, lines in rows:
                say(console, f"{t.name}  {t.score:g}/{t.max_score:g}  {t.verdict.words}", style=style)
                for line in lines:
                    say(console, line, "    ", "      ")
    if not result.sandboxed:
        say(console, UNSANDBOXED, style="yellow")
    elif result.sandbox:
        say(console, result.sandbox, style="yellow")
    for warning in result.warnings:
        say(console, f"note: {warning}", style="yellow")
    if result.error:
        say(console, result.error, style="red")
    say(console, f"{result.student}: {result.score:g}/{result.max_score:g}")


#: This process's sandbox uid: a `--jobs` worker's own (set by `_init_worker`), None for the default.
_SLOT_UID: int | None = None


def _init_worker() -> None:
    """A worker claims its own sandbox uid as root (RLIMIT_NPROC and the sweeps are per uid); Ctrl-C is the parent's."""
    global _SLOT_UID
    ignore_interrupts()
    _SLOT_UID = claim_uid() if os.geteuid() == 0 else None


def graded_functions(config: Config) -> list[str]:
    """The functions the assignment grades (points > 0), in grading order: the CSV's columns."""
    return [f.name for f in config.functions if config.points.get(f.name, 0.0) > 0]


def _grade_one(entry: Entry, config: Config, against: str | None, unsandboxed_ok: bool) -> dict:
    """One student's result as the batch's JSON; SandboxFailure (not the student's fault) when there is no sandbox."""
    box = sandbox_or_refuse(unsandboxed_ok, _SLOT_UID)
    result = grade(entry.path, config, against=against, student=entry.student, box=box)
    result.sandboxed = box.isolated
    return result.to_json() | {"sandboxed": box.isolated}


def assignment_digest(config: Config, against: str | None) -> str:
    """sha256 of what grades: the configuration (functions, points, limits …) and the reference files' bytes."""
    # paths as absolute ones: the same assignment named "hw.toml" or "/course/hw.toml" is the same
    functions = tuple(
        replace(f, reference_file=f.reference_file.resolve()) if f.reference_file is not None else f
        for f in config.functions
    )
    canonical = replace(
        config,
        functions=functions,
        source=str(Path(config.source).resolve()),
        solution=config.solution.resolve() if config.solution is not None else None,
    )
    h = hashlib.sha256(repr((canonical, against)).encode())
    files = {f.reference_file for f in functions if f.reference_file is not None}
    if canonical.solution is not None:
        files.add(canonical.solution)
    for path in sorted(files):
        h.update(str(path).encode() + b"\0" + (path.read_bytes() if path.is_file() else b"(missing)"))
    return h.hexdigest()


def _stamp(config: Config, against: str | None, entry: Entry, assignment: str) -> Stamp:
    return Stamp(tool_version(), assignment, digest_of(entry.path))


def run_batch(args: argparse.Namespace, config: Config) -> int:
    """Grade every student of ``args.batch``: the CSV and one JSON each, written as each student is done."""
    out_csv, json_dir = _outputs_of(args)
    roster = entries(args.batch, outputs=(out_csv, json_dir))
    book = Gradebook(out_csv, json_dir, graded_functions(config))
    tally = Tally([], [], [], [], [e.path.name for e in roster if e.action is Action.SKIP])
    console = Console(stderr=True)
    todo: list[tuple[Entry, Stamp]] = []
    digest = assignment_digest(config, args.against)
    for e in roster:
        if e.action is Action.REFUSE:
            book.add(e.student, refusal_row(e.student, e.path, f"'{e.path.name}': {e.reason}"))
            tally.refused.append(e.student)
        elif e.action is Action.GRADE:
            stamp = _stamp(config, args.against, e, digest)
            done = previous(book.json_of(e.student), stamp) if args.resume else None
            if done is not None:
                book.add(e.student, done, write_json=False)
                tally.resumed.append(e.student)
            else:
                todo.append((e, stamp))

    def record(entry: Entry, row: dict) -> None:
        book.add(entry.student, row)
        recorded.append(entry.student)
        if row.get("sandbox_failed"):
            tally.failed.append(entry.student)
        elif row.get("refused"):
            tally.refused.append(entry.student)
        else:
            tally.graded.append(entry.student)

    recorded: list[str] = []
    interrupted = False
    with run_folder(), Progress(TextColumn("grading"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  TextColumn("{task.description}"), console=console, disable=args.quiet) as progress:  # fmt: skip
        task = progress.add_task("", total=len(todo))
        try:
            if args.jobs > 1 and len(todo) > 1:
                ctx = mp.get_context("fork")
                pool = ProcessPoolExecutor(args.jobs, mp_context=ctx, initializer=_init_worker)
                try:
                    futures = {
                        pool.submit(grade_entry, e, st, partial(_grade_one, config=config, against=args.against,
                                                                unsandboxed_ok=args.no_sandbox)): e
                        for e, st in todo
                    }  # fmt: skip
                    for fut in as_completed(futures):
                        record(futures[fut], fut.result())
                        progress.update(task, advance=1, description=futures[fut].student)
                except BaseException:  # Ctrl-C: stop the students being graded now (their rows are not written)
                    workers = list((getattr(pool, "_processes", None) or {}).values())
                    pool.shutdown(wait=False, cancel_futures=True)
                    for proc in workers:
                        proc.kill()
                    raise
                pool.shutdown()
            else:
                one = partial(_grade_one, config=config, against=args.against, unsandboxed_ok=args.no_sandbox)
                for e, st in todo:
                    progress.update(task, description=e.student)
                    record(e, grade_entry(e, st, one))
                    progress.advance(task)
        except KeyboardInterrupt:
            interrupted = True
    if not book.rows:
        write_text_atomic(out_csv, csv_text({}, book.functions))
    unsandboxed = [s for s, r in book.rows.items() if r.get("sandboxed") is False]
    if unsandboxed:
        console.print(f"[yellow]{escape(UNSANDBOXED)} ({len(unsandboxed)} submissions)[/]")
    print(tally.line())
    print(f"results: {out_csv} and {json_dir}/")
    if interrupted:
        left = len(todo) - len(recorded)
        print(f"interrupted: {left} students not graded yet (the CSV holds those done; --resume goes on)")
        return EXIT_INTERRUPTED
    return EXIT_OK


def run_grade(args: argparse.Namespace) -> int:
    """`derivations grade`: one submission or a folder of them; the exit code."""
    config = Config.load(args.config, assignment=getattr(args, "assignment", None))
    if getattr(args, "check_reference", False):  # the instructor's own check: full marks, or exit 1
        from derivations.errors import EXIT_FAILED
        from derivations.grading.python import check_reference

        if args.submission is not None or args.batch is not None:
            raise InputError("--check-reference grades the assignment's own references: give no submission or --batch")
        checked = check_reference(config, box=sandbox_or_refuse(args.no_sandbox))
        render(checked, make_console(), args.quiet)
        failing = [t.name for t in checked.tests if not t.passed]
        if failing:
            Console(stderr=True).print(escape(f"reference check failed ({len(failing)} parts): {'; '.join(failing)}"))
        return EXIT_FAILED if failing else EXIT_OK
    if (args.submission is None) == (args.batch is None):
        raise InputError("give one submission, or --batch DIR (not both)")
    if args.against:
        from derivations.identities import get  # SymPy (0.6 s): only when an identity is named

        get(args.against)
    if args.require_sandbox and args.no_sandbox:
        raise InputError("--require-sandbox and --no-sandbox contradict each other (give one)")
    if args.batch is not None:
        if args.json:
            raise InputError("--json is for one submission; --batch writes one JSON per student beside the CSV")
        if not args.batch.is_dir():
            raise InputError(f"'{args.batch}' is not a folder (expected one file or folder per student)")
        _outputs_of(args)  # refused before the sandbox is probed
        sandbox_or_refuse(args.no_sandbox)
        return run_batch(args, config)
    if args.csv:
        raise InputError("--csv is for --batch")
    _check_submission(args.submission)
    if args.json:
        if args.json.resolve() == args.submission.resolve():
            raise InputError(f"--json '{args.json}' is the submission itself (give another path)")
        _refuse_to_replace(args.json, ".json")
        refuse_foreign(args.json, force=args.force)
    box = sandbox_or_refuse(args.no_sandbox)
    console = make_console()
    status = Console(stderr=True, quiet=args.quiet)
    with status.status(f"grading {args.submission}…"):
        result = grade(args.submission, config, against=args.against, box=box)
    result.sandboxed = box.isolated
    if args.json:
        write_json_atomic(args.json, result.to_gradescope())
    render(result, console, args.quiet)
    return EXIT_OK
