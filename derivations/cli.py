"""The command line: parse arguments, call the core, render, map the result to an exit code.

Exit codes (`derivations.errors`): 0 all good, 1 something checked is wrong, 2 the command itself
could not run (bad option, unreadable input, unwritable output) — always one line on stderr, never a
traceback — 3 for a bug of ours, and for ``check`` 4 when a row could not be read. ``check`` with
several files checks every file it can use and exits with the worst code (`CHECK_SEVERITY`). Each
command imports its stage inside its own function, so that ``derivations check`` does not pay for
the grader or the report at start-up (there is no import circle to dodge: docs/architecture.md).
"""

from __future__ import annotations

import argparse
import difflib
import os
import re
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from derivations.errors import (
    EXIT_FAILED,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_UNREADABLE,
    EXIT_USAGE,
    DerivationsError,
    InputError,
    OutputError,
    UnknownIdentityError,
)
from derivations.files import VERSION_KEY, cache_dir, refuse_foreign, tool_version, unwritable_reason, write_json_atomic

if TYPE_CHECKING:
    from derivations.check.memo import StepMemo
    from derivations.check.results import Derivation


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors (no usage dump) and exit code 2."""

    def error(self, message: str) -> NoReturn:
        """Print one line (with a suggestion for a mistyped choice or option) and exit 2."""
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}{self._suggestion(message)} (see '{self.prog} --help')\n")

    def _suggestion(self, message: str) -> str:
        """``; did you mean 'verify'?`` for a mistyped subcommand, choice or option, else ``""``."""
        choice = re.search(r"invalid choice: '?([^' ]+)'? \(choose from (.*)\)", message)
        if choice:
            word, options = choice.group(1), re.findall(r"[\w.-]+", choice.group(2))
        else:
            unknown = re.search(r"unrecognized arguments: (\S+)", message)
            if not unknown or not unknown.group(1).startswith("-"):
                return ""
            word, options = unknown.group(1).split("=")[0], sorted(self._all_options())
        close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
        return f"; did you mean '{close[0]}'?" if close else ""

    def _all_options(self) -> set[str]:
        """Every option string of this parser and of its subcommands."""
        found = set(self._option_string_actions)
        for action in self._actions:
            if isinstance(action, argparse._SubParsersAction):
                for sub in action.choices.values():
                    found |= set(sub._option_string_actions)
        return found


def writable_path(text: str) -> Path:
    """A path whose directory exists and is writable (checked before any work is done)."""
    path = Path(text)
    why = unwritable_reason(path)
    if why:
        raise argparse.ArgumentTypeError(why)
    return path


def positive_int(text: str) -> int:
    """An integer ≥ 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a number ≥ 1, got {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The `derivations` argument parser."""
    parser = _Parser(prog="derivations", description="Verify the derivations of neural-network basics.")
    parser.add_argument("--version", action="version", version=f"derivations {tool_version()}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    verify = sub.add_parser("verify", help="prove and cross-check every identity of the notes")
    verify.add_argument("names", nargs="*", metavar="NAME", help="only these identities (default: all)")
    verify.add_argument("--json", type=writable_path, metavar="PATH", help="also write the results as JSON")
    verify.add_argument("--quiet", action="store_true", help="no progress display")
    verify.add_argument("--list", action="store_true", help="list the identities (name, statement, source) and exit")
    verify.add_argument("--force", action="store_true", help="let --json replace a file this tool did not write")
    verify.add_argument(
        "--examples",
        type=positive_int,
        default=None,
        metavar="N",
        help="Hypothesis examples per cross-check (default 100, or 300 with CI=true)",
    )
    verify.add_argument(
        "--seconds", type=float, default=10.0, metavar="S", help="time limit per symbolic proof method (default 10)"
    )
    check = sub.add_parser("check", help="check a derivation file step by step")
    check.add_argument(
        "files", nargs="+", type=Path, metavar="FILE", help="Markdown, LaTeX or a Jupyter notebook with display math"
    )
    check.add_argument("--json", type=writable_path, metavar="PATH", help="also write the verdicts as JSON")
    check.add_argument("--against", metavar="IDENTITY", help="also say whether the file proves this identity")
    check.add_argument("--quiet", action="store_true", help="only the summary line per file")
    check.add_argument("--force", action="store_true", help="let --json replace a file this tool did not write")
    check.add_argument(
        "--no-cache", action="store_true", help="check every file afresh (default: reuse this version's verdicts)"
    )
    check.add_argument(
        "--allow-unreadable",
        action="store_true",
        help=f"exit 0 even when a row could not be read (default: exit {EXIT_UNREADABLE})",
    )
    check.add_argument(
        "--seconds", type=positive_float, default=5.0, metavar="S", help="time limit per step (default 5)"
    )
    check.add_argument(
        "--watch", action="store_true", help="check again each time a file is saved (steps that did not change "
        "are answered from memory); Ctrl-C stops"
    )  # fmt: skip
    report = sub.add_parser("report", help="write the derivation report (LaTeX, and a PDF with --pdf)")
    report.add_argument(
        "-o",
        "--output",
        type=Path,
        default=Path("report.tex"),
        metavar="PATH",
        help="the handout's .tex (report.tex); the appendix is written beside it as NAME-appendix.tex",
    )
    report.add_argument("--pdf", action="store_true", help="also build PATH with .pdf (needs TeX Live and latexmk)")
    report.add_argument(
        "--notes", nargs="+", type=Path, metavar="FILE", help="derivation files to check (default: the shipped notes)"
    )
    report.add_argument("--identities", nargs="+", metavar="NAME", help="only these identities (default: all)")
    report.add_argument("--examples", type=positive_int, default=100, metavar="N", help="examples per cross-check")
    report.add_argument("--seconds", type=positive_float, default=5.0, metavar="S", help="time limit per step")
    report.add_argument("--no-figures", action="store_true", help="leave the figures out")
    report.add_argument("--force", action="store_true", help="replace PATH even if this command did not write it")
    report.add_argument("--title", metavar="TEXT", help="the handout's title (default: the notes' front matter)")
    report.add_argument("--course", metavar="TEXT", help="the course named under the title (or `course:`)")
    report.add_argument("--author", metavar="TEXT", help="the author named under the title (or `author:`)")
    report.add_argument("--date", metavar="TEXT", help="the date under the title (or `date:`; none by default)")
    report.add_argument("--quiet", action="store_true", help="no progress display")
    grade = sub.add_parser("grade", help="grade students' NumPy code or LaTeX answers (sandboxed)")
    grade.add_argument("submission", nargs="?", type=Path, help="a .py file, or a .md/.tex/.ipynb derivation")
    grade.add_argument("--batch", type=Path, metavar="DIR", help="a folder of submissions (files or folders)")
    grade.add_argument("--json", type=writable_path, metavar="PATH", help="Gradescope's results.json (one submission)")
    grade.add_argument("--csv", type=writable_path, metavar="PATH", help="with --batch: one row per student")
    grade.add_argument("--jobs", type=positive_int, default=1, metavar="N", help="with --batch: students in parallel")
    grade.add_argument(
        "--resume",
        action="store_true",
        help="with --batch: keep students already graded (same grader, assignment, file)",
    )
    grade.add_argument("--config", type=Path, metavar="TOML", help="points, examples, domain, limits")
    grade.add_argument(
        "--assignment", type=Path, metavar="TOML", help="the assignment's functions (default: the built-in nn-basics)"
    )
    grade.add_argument(
        "--check-reference", action="store_true", help="grade the assignment's references against themselves"
    )
    grade.add_argument("--against", metavar="IDENTITY", help="for a derivation: the identity it must prove")
    grade.add_argument(
        "--require-sandbox", action="store_true", help="refuse to grade without bubblewrap (the default)"
    )
    grade.add_argument(
        "--no-sandbox", action="store_true", help="run submissions without bubblewrap (recorded on every result)"
    )
    grade.add_argument("--quiet", action="store_true", help="no table, only the summary line")
    grade.add_argument("--force", action="store_true", help="let --json/--csv replace a file this tool did not write")
    bundle = sub.add_parser("autograder", help="build the Gradescope autograder bundle (a zip)")
    bundle.add_argument("--assignment", type=Path, metavar="TOML", help="the assignment (default: the built-in one)")
    bundle.add_argument("-o", "--output", type=writable_path, required=True, metavar="ZIP", help="the bundle to write")
    bundle.add_argument(
        "--no-sandbox",
        action="store_true",
        help="grade without bubblewrap in the container (a uid and rlimits remain: docs/grading.md)",
    )
    bundle.add_argument("--force", action="store_true", help="replace ZIP if it exists")
    return parser


def _run_autograder(args: argparse.Namespace) -> int:
    from derivations.grading.autograder import write_bundle

    if args.assignment is not None and not args.assignment.is_file():
        raise InputError(f"'{args.assignment}' does not exist (expected an assignment file in TOML)")
    if args.output.exists() and not args.force:
        raise OutputError(f"'{args.output}' exists (pass --force to replace it)")
    write_bundle(args.output, args.assignment, unsandboxed=args.no_sandbox)
    print(f"wrote {args.output}: upload it as the autograder of a Gradescope programming assignment")
    return EXIT_OK


def _run_report(args: argparse.Namespace) -> int:
    from rich.console import Console

    from derivations import identities
    from derivations.notation.document import read_document
    from derivations.report.build import (
        Meta,
        appendix_path,
        appendix_tex,
        build,
        check_target,
        compile_pdf,
        default_notes,
        handout_tex,
        write_tex,
    )

    selected = [identities.get(n) for n in args.identities] if args.identities else list(identities.IDENTITIES)
    notes = args.notes if args.notes is not None else default_notes()
    for path in notes:
        read_document(path)  # bad input first: nothing is written
    out = args.output if args.output.suffix == ".tex" else args.output.with_suffix(args.output.suffix + ".tex")
    appendix = appendix_path(out)
    for target in (out, appendix):
        check_target(target, force=args.force)
        if args.pdf:
            check_target(target.with_suffix(".pdf"), force=True)  # the PDF always belongs to the .tex beside it
    _keep_hypothesis_out_of_the_users_folder()
    from derivations.report.terminal import counted_progress

    console = Console(stderr=True, quiet=args.quiet)
    meta = Meta(args.title or "", args.course or "", args.author or "", args.date or "")
    total_checks = sum(len(i.checks) for i in selected)
    with counted_progress(console, len(selected), total_checks, len(notes)) as progress:
        report = build(
            selected,
            notes,
            examples=args.examples,
            seconds=args.seconds,
            with_figures=not args.no_figures,
            progress=progress,
            meta=meta,
            done=progress.done,
        )
    write_tex(out, handout_tex(report))
    write_tex(appendix, appendix_tex(report))
    print(f"wrote {out} (the handout) and {appendix} (the appendix)")
    if args.pdf:
        for target in (out, appendix):
            with console.status(f"LaTeX on {target.name}…"):
                pdf = compile_pdf(target)
            print(f"wrote {pdf}")
    wrong = sum(len(d.wrong) for d in report.derivations)
    failed = sum(not r.passed for _, r in report.identities)
    print(
        f"{len(report.identities)} identities ({failed} failed), {len(report.derivations)} derivation files "
        f"({wrong} wrong steps)"
    )
    return EXIT_OK


def positive_float(text: str) -> float:
    """A number > 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not value > 0 or value != value or value == float("inf"):
        raise argparse.ArgumentTypeError(f"expected a number of seconds > 0, got {text}")
    return value


def _run_check(args: argparse.Namespace) -> int:
    not_files = [str(path) for path in args.files if not path.is_file()] if args.watch else []
    if not_files:  # before reading: a pipe read once could not be watched
        raise InputError(f"--watch needs files it can look at again: {', '.join(not_files)} is not one")
    identity = None
    if args.against:  # the registry (SymPy, Hypothesis, 0.8 s) only when the file is checked against one
        from derivations import identities

        identity = identities.get(args.against)
    if args.json:
        refuse_foreign(args.json, force=args.force)
    if identity is not None and not identity.notation:
        raise UnknownIdentityError(
            f"identity {identity.name!r} has no statement in the notes' notation to check against"
        )

    from derivations.notation.document import read_document

    unusable: dict[Path, str] = {}
    documents = {}  # read once: /dev/stdin or <(…) cannot be read twice
    for path in args.files:  # every input read before any work: a file that cannot be used is named at once
        try:
            documents[path] = read_document(path)
        except InputError as exc:
            if len(args.files) == 1:
                raise  # one file: a usage error, nothing written
            unusable[path] = _skip(args, exc)
    if len(unusable) == len(args.files):
        return EXIT_USAGE
    if args.watch:
        from derivations.check.memo import StepMemo, remembering

        with remembering(StepMemo()) as memo:
            return _watch(args, documents, unusable, identity, memo)
    return _check_all(args, documents, unusable, identity)


def _check_all(
    args: argparse.Namespace, documents: dict, unusable: dict[Path, str], identity: object, *, paths: list | None = None
) -> int:
    """Check ``paths`` (default: every file) of the documents read, print them, write the JSON: the exit code."""
    from rich.console import Console

    from derivations.check import check_document
    from derivations.report.terminal import render_check

    console = Console(stderr=True, quiet=args.quiet)
    entries: list[dict] = []  # the JSON, one entry per file in command-line order
    codes = [EXIT_USAGE] * len(unusable)
    for path in args.files:
        if path in unusable:
            entries.append({"file": str(path), "error": unusable[path]})
            continue
        if paths is not None and path not in paths:
            continue
        try:
            with console.status(f"checking {path}…") as status:
                derivation = check_document(
                    documents[path],
                    seconds=args.seconds,
                    progress=lambda text, p=path: status.update(f"checking {p}, {text}…"),
                    against=(identity.name, identity.notation) if identity else None,  # type: ignore[attr-defined]
                    cache=not args.no_cache,
                )
        except InputError as exc:  # a front matter line found unusable only when it is read
            if len(args.files) == 1:
                raise
            entries.append({"file": str(path), "error": _skip(args, exc)})
            codes.append(EXIT_USAGE)
            continue
        render_check(derivation, quiet=args.quiet)
        entries.append(derivation.to_json())
        codes.append(_check_code(derivation, allow_unreadable=args.allow_unreadable))
    if args.json and paths is None:
        data = entries[0] if len(args.files) == 1 else {"files": entries}
        write_json_atomic(args.json, {VERSION_KEY: tool_version(), **data})
    return max(codes, key=CHECK_SEVERITY.index)


#: How often ``check --watch`` looks at the files (seconds).
WATCH_POLL = 0.05


def _stamp(path: Path) -> tuple[int, int, int] | None:
    """What changes when a file is saved (also by an editor that writes a new file and renames it)."""
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size, st.st_ino


def _watch(
    args: argparse.Namespace, documents: dict, unusable: dict[Path, str], identity: object, memo: StepMemo
) -> int:
    """Check every file, then each file again when it is saved, until Ctrl-C: the last exit code."""
    from derivations.notation.document import read_document

    code = _check_all(args, documents, unusable, identity)
    stamps = {path: _stamp(path) for path in args.files}
    print(f"derivations check: watching {len(args.files)} file(s); Ctrl-C stops", file=sys.stderr, flush=True)
    try:
        while True:
            time.sleep(WATCH_POLL)
            changed = [path for path in args.files if _stamp(path) != stamps[path]]
            for path in changed:
                stamps[path] = _stamp(path)
                start, hits = time.perf_counter(), memo.hits
                try:
                    documents[path] = read_document(path)
                    unusable.pop(path, None)
                    code = _check_all(args, documents, unusable, identity, paths=[path])
                except InputError as exc:  # saved half-way, or not readable now: say so and keep watching
                    print(f"derivations check: {exc}", file=sys.stderr, flush=True)
                    continue
                took = time.perf_counter() - start
                print(f"derivations check: {path} checked again in {took:.2f} s ({memo.hits - hits} step(s) from "
                      "memory)", file=sys.stderr, flush=True)  # fmt: skip
    except KeyboardInterrupt:
        return code


#: ``check`` over several files exits with the worst of their codes, in this order (last is worst): an
#: unusable file is worse than a wrong step, which is worse than a row that could not be read.
CHECK_SEVERITY = (EXIT_OK, EXIT_UNREADABLE, EXIT_FAILED, EXIT_USAGE)


def _check_code(derivation: Derivation, *, allow_unreadable: bool) -> int:
    """The exit code of one checked file: 1 if a step is wrong (or it does not prove --against), 4 if a row
    could not be read (unless allowed), else 0."""
    if derivation.wrong or (derivation.against is not None and not derivation.against.proved):
        return EXIT_FAILED
    if derivation.unreadable and not allow_unreadable:
        return EXIT_UNREADABLE
    return EXIT_OK


def _skip(args: argparse.Namespace, exc: InputError) -> str:
    """One of several files cannot be used: say so in one line (the others are still checked)."""
    print(f"derivations {args.command}: {exc}", file=sys.stderr)
    return str(exc)


def _keep_hypothesis_out_of_the_users_folder() -> None:
    """Hypothesis caches in ./.hypothesis by default: put it under the user's cache directory instead."""
    from hypothesis.configuration import set_hypothesis_home_dir

    set_hypothesis_home_dir(str(cache_dir("hypothesis")))


def _run_verify(args: argparse.Namespace) -> int:
    from derivations import identities

    selected = [identities.get(n) for n in args.names] if args.names else list(identities.IDENTITIES)
    if args.list:
        for identity in selected:
            print(f"{identity.name}\n  {identity.statement}\n  {identity.source}")
        return EXIT_OK
    if args.json:
        refuse_foreign(args.json, force=args.force)
    _keep_hypothesis_out_of_the_users_folder()
    from rich.console import Console

    from derivations.report.terminal import counted_progress, render_verify
    from derivations.verify.run import verify

    examples = args.examples or (300 if os.environ.get("CI") == "true" else 100)
    console = Console(stderr=True, quiet=args.quiet)
    total_checks = sum(len(i.checks) for i in selected)
    with counted_progress(console, len(selected), total_checks) as progress:
        result = verify(selected, max_examples=examples, seconds=args.seconds, progress=progress, done=progress.done)
    render_verify(result, quiet=args.quiet)
    if args.json:
        write_json_atomic(args.json, {VERSION_KEY: tool_version(), **result.to_json()})
    return EXIT_OK if result.passed else EXIT_FAILED


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `derivations` console script."""
    for stream in (sys.stdout, sys.stderr):  # a terminal that cannot show ✓ or σ gets '?', not a crash
        if hasattr(stream, "reconfigure") and getattr(stream, "errors", "strict") == "strict":
            stream.reconfigure(errors="replace")
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "verify":
            return _run_verify(args)
        if args.command == "check":
            return _run_check(args)
        if args.command == "report":
            return _run_report(args)
        if args.command == "autograder":
            return _run_autograder(args)
        if args.command == "grade":
            from derivations.grading.cli import run_grade

            _keep_hypothesis_out_of_the_users_folder()
            return run_grade(args)
    except DerivationsError as exc:
        print(f"derivations {args.command}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("derivations: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as exc:  # a bug of ours: one line, and the traceback on request
        if os.environ.get("DERIVATIONS_DEBUG"):
            raise
        where = f"{type(exc).__name__}: {exc}".splitlines()[0][:300]
        print(f"derivations {args.command}: internal error ({where}); DERIVATIONS_DEBUG=1 shows the traceback",
              file=sys.stderr)  # fmt: skip
        return EXIT_INTERNAL
    parser.error(f"unknown command {args.command!r}")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
