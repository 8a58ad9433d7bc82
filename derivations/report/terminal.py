"""Terminal rendering of results (rich): per identity its source and proof, then one row per cross-check."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING

from rich.cells import cell_len
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from derivations.check.results import Against, Derivation, Step
from derivations.report.lines import as_table, make_console, say
from derivations.verdict import AgainstVerdict, Verdict

if TYPE_CHECKING:  # `check` needs neither (the verify stage imports the identities' registry, SymPy and Hypothesis)
    from derivations.verify.crosscheck import CheckResult
    from derivations.verify.run import VerifyResult


def _fmt(value: float) -> str:
    return f"{value:.3g}" if value == value and abs(value) != float("inf") else str(value)


class CountedProgress:
    """A progress callable: ``progress(text)`` names the current step, ``progress.done(kind)`` counts one done
    (``"identity"``, ``"check"`` or ``"file"``)."""

    def __init__(self, progress: Progress | None = None, tasks: dict[str, TaskID] | None = None) -> None:
        self._progress, self._tasks = progress, tasks or {}

    def __call__(self, text: str) -> None:
        """Show ``text`` as the current step."""
        if self._progress is not None and "identity" in self._tasks:
            self._progress.update(self._tasks["identity"], description=f"identities ({text})")

    def done(self, kind: str) -> None:
        """Count one ``kind`` as done."""
        if self._progress is not None and kind in self._tasks:
            self._progress.advance(self._tasks[kind])


@contextmanager
def counted_progress(
    console: Console, total_identities: int, total_checks: int, total_files: int = 0
) -> Iterator[CountedProgress]:
    """N/M identities, cross-checks (and derivation files) done with elapsed time on ``console``; nothing
    unless it is a terminal and not quiet."""
    if console.quiet or not console.is_terminal:
        yield CountedProgress()
        return
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        tasks = {
            "identity": progress.add_task("identities", total=total_identities),
            "check": progress.add_task("cross-checks", total=total_checks),
        }
        if total_files:
            tasks["file"] = progress.add_task("derivation files", total=total_files)
        yield CountedProgress(progress, tasks)


#: The colour of an identity's symbolic result: proved, undecided (a method ran out of time), not proved.
SYMBOLIC_STYLE = {Verdict.PROVED: "green", Verdict.UNCHECKED: "magenta", Verdict.WRONG: "red"}


def render_verify(result: VerifyResult, *, quiet: bool = False, console: Console | None = None) -> None:
    """Per identity its statement, source and proof, then a line per cross-check; the one-line summary.

    A failed cross-check's message (the input and both sides) is printed once, in its place. On a wide
    terminal the cross-checks are a table; piped or narrow, plain lines.
    """
    console = console or make_console()
    if not quiet:
        table = as_table(console)
        for k, ident in enumerate(result.identities):
            if k:
                console.print()
            style = "green" if ident.passed else "red"
            general = " (general n)" if ident.general_n else ""
            say(console, f"{ident.name}{general}: {ident.statement}", "✓ " if ident.passed else "✗ ", "    ", style)
            say(console, f"from {ident.source}", "    ", "      ", "dim")
            say(console, f"symbolic: {ident.symbolic}", "    ", "      ", SYMBOLIC_STYLE[ident.symbolic_verdict])
            if table:
                _checks_table(console, ident.checks)
                for c in ident.checks:
                    if not c.passed and c.message:
                        for line in c.message.splitlines():
                            say(console, line, "    ", "      ", "red")
            else:
                for c in ident.checks:
                    say(
                        console,
                        _check_words(c),
                        "    ✓ " if c.passed else "    ✗ ",
                        "        ",
                        "" if c.passed else "red",
                    )
    n = len(result.identities)
    ok = sum(i.passed for i in result.identities)
    checks = sum(len(i.checks) for i in result.identities)
    examples = sum(c.examples for i in result.identities for c in i.checks)
    verdict = "all hold" if result.passed else f"{n - ok} failed"
    say(
        console,
        f"{ok}/{n} identities proved and cross-checked ({checks} cross-checks, {examples} examples): {verdict}",
        style="" if result.passed else "red",
    )


def _check_words(c: CheckResult) -> str:
    """A cross-check in a sentence: its worst error against its tolerance, or (failed) its message."""
    if not c.passed and c.message:
        lines = c.message.splitlines()
        said = " ".join(line.strip() for line in (lines[1:] if len(lines) > 1 else lines))
        return f"{c.against}: fails after {c.examples} examples, at {c.worst_input}: {said}"
    worst = c.worst_input if len(c.worst_input) <= 80 else c.worst_input[:79] + "…"
    return (
        f"{c.against}: {c.examples} examples, worst error {_fmt(c.max_error)} {c.unit} "
        f"(tolerance {_fmt(c.tolerance)}) at {worst}"
    )


def _checks_table(console: Console, checks: Sequence[CheckResult]) -> None:
    """The cross-checks of an identity as a table (a wide terminal)."""
    table = Table(pad_edge=False, box=None, header_style="bold")
    table.add_column("    cross-check", overflow="fold")
    table.add_column("examples", justify="right")
    table.add_column("worst error", justify="right")
    table.add_column("tolerance", justify="right")
    table.add_column("worst input", overflow="ellipsis", no_wrap=True, max_width=60)
    for c in checks:
        mark = "[green]✓[/]" if c.passed else "[red]✗[/]"
        worst = escape(c.worst_input) if c.passed or not c.message else "[red](below)[/]"
        table.add_row(
            f"    {mark} {escape(c.against)}",
            str(c.examples),
            f"{_fmt(c.max_error)} {c.unit}",
            _fmt(c.tolerance),
            worst,
        )
    console.print(table)


def render_check(derivation: Derivation, *, quiet: bool = False, console: Console | None = None) -> None:
    """Every step of a checked file with its verdict; wrong steps with their counterexample; a summary.

    A step says how it was decided only when that differs from the step before it (a method repeated
    down a chain is named once), and a counterexample is printed once, under its step.
    """
    console = console or make_console()
    against: Against | None = derivation.against
    if not quiet:
        title = f"  {derivation.title}" if derivation.title else ""
        say(console, f"{derivation.file}{title}", style="bold")
        notebook = any(s.cell is not None for s in derivation.steps)
        rows = [(_where(s, notebook), s, how) for s, how in zip(derivation.steps, _hows(derivation.steps))]
        if as_table(console):
            _steps_table(console, rows, notebook)
        else:
            left = max((cell_len(w) for w, _, _ in rows), default=0)
            for where, s, how in rows:
                lead = f"{where:>{left}}  {VERDICT_MARK[s.verdict]:<12} "
                rest = " " * cell_len(lead)
                style = VERDICT_COLOUR[s.verdict]
                say(console, _step_text(s), lead, rest, style if s.verdict is Verdict.WRONG else "")
                if how:
                    say(console, how, rest, rest, style if s.verdict is not Verdict.PROVED else "dim")
    if against is not None:
        verdict, colour = {
            AgainstVerdict.PROVED: ("proves", "green"),
            AgainstVerdict.NUMERIC: ("proves numerically (evidence, not proof)", "yellow"),
            AgainstVerdict.NOT_PROVED: ("does not prove", "red"),
        }[against.verdict]
        say(console, f"against {against.identity}: the file {verdict} it", style=colour)
        for e in against.equations:
            if e.lines and e.wrong_lines:
                say(console, f"{e.equation}: {e.span} would, but {e.wrong} is wrong", "  ", "    ", "red")
            elif e.lines:
                say(console, f"{e.equation}: {e.span}", "  ", "    ")
            else:
                why = "no chain of steps that hold leads from its left side to its right side"
                say(console, f"{e.equation}: {why}", "  ", "    ", "red")
    for step in derivation.unreadable:
        render_problem(derivation.file, step, console)
    say(
        console,
        f"{derivation.file}: {plural(len(derivation.steps), 'step')} — {summary_text(derivation)}",
        style="red" if derivation.wrong else "",
    )


#: A verdict as the terminal marks it (with ``VERDICT_COLOUR``), and as rich markup in the table.
VERDICT_MARK = {
    Verdict.PROVED: f"✓ {Verdict.PROVED}",
    Verdict.NUMERIC: f"≈ {Verdict.NUMERIC}",
    Verdict.WRONG: f"✗ {Verdict.WRONG}",
    Verdict.UNCHECKED: f"? {Verdict.UNCHECKED}",
    Verdict.DEFINITION: f"≔ {Verdict.DEFINITION}",
}
VERDICT_COLOUR = {
    Verdict.PROVED: "green",
    Verdict.NUMERIC: "yellow",
    Verdict.WRONG: "bold red",
    Verdict.UNCHECKED: "magenta",
    Verdict.DEFINITION: "blue",
}


def _where(s: Step, notebook: bool) -> str:
    """``19``, ``19.2`` for a second relation on a line, or ``cell 3, line 2`` in a notebook."""
    return (s.where if notebook else f"{s.line}") + (f".{s.row}" if s.row > 1 else "")


def _step_text(s: Step) -> str:
    """The step's LaTeX, with its case and the author's justification."""
    text = s.latex + (f"  {s.justification}" if s.justification else "")
    return f"case {s.case}: {text}" if s.case else text


def _hows(steps: Sequence[Step]) -> list[str]:
    """What to say under each step: the counterexample of a wrong one (once), the reason of an undecided one,
    the method of a proved one unless the proved step just before it said the same."""
    out: list[str] = []
    last: tuple[str, str] | None = None
    for s in steps:
        if s.verdict is Verdict.WRONG:
            how = f"counterexample {s.reason}" if s.counterexample is not None else s.reason
            if s.returns_to_line is not None:
                how += f"; the next line equals {s.returns_to} again: only this line is wrong"
            last = None
        elif s.verdict is Verdict.PROVED:
            said = f"by {s.method}" + (f" ({s.reason})" if s.reason else "") if s.method else s.reason
            how = "" if (s.method, s.reason) == last else said
            last = (s.method, s.reason)
        else:
            how, last = s.reason, None
        out.append(how)
    return out


def _steps_table(console: Console, rows: Sequence[tuple[str, Step, str]], notebook: bool) -> None:
    """The steps as a table (a wide terminal): where, step, verdict, how or why."""
    table = Table(pad_edge=False, box=None, header_style="bold")
    table.add_column("where" if notebook else "line", justify="right", no_wrap=notebook)
    table.add_column("step", overflow="fold", ratio=3)
    table.add_column("verdict", no_wrap=True)
    table.add_column("how / why", overflow="fold", ratio=2)
    for where, s, how in rows:
        colour = VERDICT_COLOUR[s.verdict]
        style = colour if s.verdict is Verdict.WRONG else "dim" if s.verdict is Verdict.PROVED else colour
        table.add_row(
            where, escape(_step_text(s)), f"[{colour}]{VERDICT_MARK[s.verdict]}[/]", f"[{style}]{escape(how)}[/]"
        )
    console.print(table)


#: How much of a long source line is shown around the column of a problem.
SOURCE_WIDTH = 100


def render_problem(file: str, step: Step, console: Console) -> None:
    """An unreadable row as a compiler shows an error: ``file:line:column: why``, the line, a caret under it."""
    p = step.problem
    if p is None:
        say(console, f"{file}: {step.where}: could not be read — {step.reason}", style="magenta")
        return
    sep = ":" if p.cell is None else ": "
    say(console, f"{file}{sep}{p.where}: {p.message}", style="magenta")
    if not p.source.strip():
        return
    shown, caret = source_and_caret(p.source, p.column)
    console.print("    " + shown, markup=False, highlight=False, soft_wrap=True)
    console.print("    " + caret, markup=False, highlight=False, soft_wrap=True, style="bold magenta")


def source_and_caret(line: str, column: int, width: int = SOURCE_WIDTH) -> tuple[str, str]:
    """The line (a window of ``width`` characters around ``column`` if it is longer) and a caret under the column.

    Tabs stay tabs under the line and wide characters (Hangul, CJK) count twice, so the caret is under it.
    """
    k = max(0, min(column - 1, len(line)))
    start = 0
    if len(line) > width:
        start = max(0, min(k - width // 2, len(line) - width))
        end = start + width
        shown = ("…" if start else "") + line[start:end] + ("…" if end < len(line) else "")
        lead = "…" if start else ""
    else:
        shown, lead = line, ""
    pad = "".join(
        "\t" if c == "\t" else "  " if unicodedata.east_asian_width(c) in "WF" else " " for c in lead + line[start:k]
    )
    return shown.rstrip(), pad + "^"


def plural(count: int, noun: str) -> str:
    """``1 step``, ``3 steps``."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def summary_text(derivation: Derivation) -> str:
    """``33 proved, 0 numeric (evidence, not proof), 3 wrong, …: wrong at lines 19, 27``."""
    counts = derivation.summary
    parts = [
        f"{counts[Verdict.PROVED]} {Verdict.PROVED}",
        f"{counts[Verdict.NUMERIC]} {Verdict.NUMERIC} (evidence, not proof)",
        f"{counts[Verdict.WRONG]} {Verdict.WRONG}",
        f"{counts[Verdict.UNCHECKED]} {Verdict.UNCHECKED}",
        plural(counts[Verdict.DEFINITION], "definition"),
    ]
    if any(s.cell is not None for s in derivation.wrong):
        wrong = "; ".join(s.where for s in derivation.wrong)
        tail = f": wrong at {wrong}"
    else:
        wrong = ", ".join(str(s.line) for s in derivation.wrong)
        tail = f": wrong at line{'s' if len(derivation.wrong) > 1 else ''} {wrong}" if wrong else ""
    return ", ".join(parts) + tail
