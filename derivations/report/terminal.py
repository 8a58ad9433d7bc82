"""Terminal rendering of results (rich): per identity its source and proof, then one row per cross-check."""

from __future__ import annotations

import sys
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from derivations.check.results import Against, Derivation, Step
from derivations.verdict import AgainstVerdict, Verdict
from derivations.verify.run import VerifyResult


def _fmt(value: float) -> str:
    return f"{value:.3g}" if value == value and abs(value) != float("inf") else str(value)


def make_console() -> Console:
    """Standard output; wide when it is not a terminal, so piped output is not folded."""
    return Console(highlight=False, width=None if sys.stdout.isatty() else 160)


class CountedProgress:
    """A progress callable: ``progress(text)`` names the current step, ``progress.done(kind)`` counts one done."""

    def __init__(self, progress: Progress | None, identities: TaskID | None, checks: TaskID | None) -> None:
        self._progress, self._identities, self._checks = progress, identities, checks

    def __call__(self, text: str) -> None:
        """Show ``text`` as the current step."""
        if self._progress is not None and self._identities is not None:
            self._progress.update(self._identities, description=f"identities ({text})")

    def done(self, kind: str) -> None:
        """Count one ``"identity"`` or ``"check"`` as done."""
        task = self._identities if kind == "identity" else self._checks
        if self._progress is not None and task is not None:
            self._progress.advance(task)


@contextmanager
def counted_progress(console: Console, total_identities: int, total_checks: int) -> Iterator[CountedProgress]:
    """N/M identities and cross-checks done with elapsed time on ``console`` (nothing unless it is a terminal)."""
    if console.quiet or not console.is_terminal:
        yield CountedProgress(None, None, None)
        return
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        identities = progress.add_task("identities", total=total_identities)
        checks = progress.add_task("cross-checks", total=total_checks)
        yield CountedProgress(progress, identities, checks)


#: The colour of an identity's symbolic result: proved, undecided (a method ran out of time), not proved.
SYMBOLIC_STYLE = {Verdict.PROVED: "green", Verdict.UNCHECKED: "magenta", Verdict.WRONG: "red"}


def render_verify(result: VerifyResult, *, quiet: bool = False, console: Console | None = None) -> None:
    """The `verify` table and the one-line summary (the summary alone with ``quiet``)."""
    console = console or make_console()
    if not quiet:
        table = Table(show_lines=False, pad_edge=False, box=None, header_style="bold")
        for col, kw in (
            ("identity / cross-check", {"overflow": "fold"}),
            ("examples", {"justify": "right"}),
            ("worst error", {"justify": "right"}),
            ("tolerance", {"justify": "right"}),
            ("worst input", {"overflow": "ellipsis", "no_wrap": True, "max_width": 60}),
        ):
            table.add_column(col, **kw)
        for ident in result.identities:
            mark = "[green]✓[/]" if ident.passed else "[red]✗[/]"
            style = SYMBOLIC_STYLE[ident.symbolic_verdict]
            general = "  [cyan](general n)[/]" if ident.general_n else ""
            table.add_row(f"{mark} [bold]{ident.name}[/]{general}  {ident.statement}", "", "", "", "")
            table.add_row(f"    [dim]{ident.source}[/]", "", "", "", "")
            table.add_row(f"    symbolic: [{style}]{ident.symbolic}[/]", "", "", "", "")
            for c in ident.checks:
                cm = "[green]✓[/]" if c.passed else "[red]✗[/]"
                table.add_row(
                    f"    {cm} {c.against}",
                    str(c.examples),
                    f"{_fmt(c.max_error)} {c.unit}",
                    f"{_fmt(c.tolerance)}",
                    c.worst_input,
                )
            table.add_row("", "", "", "", "")
        console.print(table)
        for ident in result.identities:
            for c in ident.checks:
                if not c.passed:
                    console.print(f"[red]{c.message}[/]")
    n = len(result.identities)
    ok = sum(i.passed for i in result.identities)
    checks = sum(len(i.checks) for i in result.identities)
    examples = sum(c.examples for i in result.identities for c in i.checks)
    verdict = "[green]all hold[/]" if result.passed else f"[red]{n - ok} failed[/]"
    console.print(
        f"{ok}/{n} identities proved and cross-checked ({checks} cross-checks, {examples} examples): {verdict}"
    )


VERDICT_STYLE = {
    Verdict.PROVED: f"[green]✓ {Verdict.PROVED}[/]",
    Verdict.NUMERIC: f"[yellow]≈ {Verdict.NUMERIC}[/]",
    Verdict.WRONG: f"[bold red]✗ {Verdict.WRONG}[/]",
    Verdict.UNCHECKED: f"[magenta]? {Verdict.UNCHECKED}[/]",
    Verdict.DEFINITION: f"[blue]≔ {Verdict.DEFINITION}[/]",
}


def render_check(derivation: Derivation, *, quiet: bool = False, console: Console | None = None) -> None:
    """Every step of a checked file with its verdict; wrong steps with their counterexample; a summary."""
    console = console or make_console()
    against: Against | None = derivation.against
    if not quiet:
        console.print(f"[bold]{derivation.file}[/]" + (f"  {derivation.title}" if derivation.title else ""))
        notebook = any(s.cell is not None for s in derivation.steps)
        table = Table(pad_edge=False, box=None, header_style="bold")
        table.add_column("where" if notebook else "line", justify="right", no_wrap=notebook)
        table.add_column("step", overflow="fold", ratio=3)
        table.add_column("verdict", no_wrap=True)
        table.add_column("how / why", overflow="fold", ratio=2)
        for s in derivation.steps:
            where = (s.where if notebook else f"{s.line}") + (f".{s.row}" if s.row > 1 else "")
            how = s.method if s.verdict is Verdict.PROVED else s.reason
            if s.verdict is Verdict.PROVED and s.reason:
                how = f"{s.method} ({s.reason})"
            step = _escape(s.latex) + (f"  [dim]{_escape(s.justification)}[/]" if s.justification else "")
            if s.case:
                step = f"[dim]case {_escape(s.case)}:[/] {step}"
            table.add_row(where, step, VERDICT_STYLE[s.verdict], _escape(how))
            if s.verdict is Verdict.WRONG:
                extra = "counterexample " + _escape(s.reason)
                if s.returns_to_line is not None:
                    extra += f"; the next line equals {s.returns_to} again: only this line is wrong"
                table.add_row("", f"[red]{extra}[/]", "", "")
        console.print(table)
    if against is not None:
        verdict = {
            AgainstVerdict.PROVED: "[green]proves[/]",
            AgainstVerdict.NUMERIC: "[yellow]proves numerically (evidence, not proof)[/]",
            AgainstVerdict.NOT_PROVED: "[red]does not prove[/]",
        }[against.verdict]
        console.print(f"against {against.identity}: the file {verdict} it")
        for e in against.equations:
            if e.lines and e.wrong_lines:
                console.print(f"  {_escape(e.equation)}: [red]{e.span} would, but {e.wrong} is wrong[/]")
            elif e.lines:
                console.print(f"  {_escape(e.equation)}: {e.span}")
            else:
                console.print(
                    f"  {_escape(e.equation)}: [red]no chain of steps that hold leads from its left side "
                    "to its right side[/]"
                )
    for step in derivation.unreadable:
        render_problem(derivation.file, step, console)
    console.print(f"{derivation.file}: {len(derivation.steps)} steps — {summary_text(derivation)}")


#: How much of a long source line is shown around the column of a problem.
SOURCE_WIDTH = 100


def render_problem(file: str, step: Step, console: Console) -> None:
    """An unreadable row as a compiler shows an error: ``file:line:column: why``, the line, a caret under it."""
    p = step.problem
    if p is None:
        console.print(f"[magenta]{_escape(file)}: {step.where}: could not be read — {_escape(step.reason)}[/]")
        return
    sep = ":" if p.cell is None else ": "
    console.print(f"[magenta]{_escape(file)}{sep}{p.where}: {_escape(p.message)}[/]")
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


def summary_text(derivation: Derivation) -> str:
    """``33 proved, 0 numeric (evidence, not proof), 3 wrong, …: wrong at lines 19, 27``."""
    counts = derivation.summary
    parts = [
        f"{counts[Verdict.PROVED]} {Verdict.PROVED}",
        f"{counts[Verdict.NUMERIC]} {Verdict.NUMERIC} (evidence, not proof)",
        f"{counts[Verdict.WRONG]} {Verdict.WRONG}",
        f"{counts[Verdict.UNCHECKED]} {Verdict.UNCHECKED}",
        f"{counts[Verdict.DEFINITION]} definitions",
    ]
    if any(s.cell is not None for s in derivation.wrong):
        wrong = "; ".join(s.where for s in derivation.wrong)
        tail = f": [red]wrong at {wrong}[/]"
    else:
        wrong = ", ".join(str(s.line) for s in derivation.wrong)
        tail = f": [red]wrong at line{'s' if len(derivation.wrong) > 1 else ''} {wrong}[/]" if wrong else ""
    return ", ".join(parts) + tail


def _escape(text: str) -> str:
    return escape(text)
