"""Terminal rendering of results (rich): per identity its source and proof, then one row per cross-check."""

from __future__ import annotations

import sys

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from derivations.check.results import Against, Derivation
from derivations.verdict import AgainstVerdict, Verdict
from derivations.verify.run import VerifyResult


def _fmt(value: float) -> str:
    return f"{value:.3g}" if value == value and abs(value) != float("inf") else str(value)


def make_console() -> Console:
    """Standard output; wide when it is not a terminal, so piped output is not folded."""
    return Console(highlight=False, width=None if sys.stdout.isatty() else 160)


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
        table = Table(pad_edge=False, box=None, header_style="bold")
        table.add_column("line", justify="right")
        table.add_column("step", overflow="fold", ratio=3)
        table.add_column("verdict", no_wrap=True)
        table.add_column("how / why", overflow="fold", ratio=2)
        for s in derivation.steps:
            where = f"{s.line}" + (f".{s.row}" if s.row > 1 else "")
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
                    extra += f"; the next line equals line {s.returns_to_line} again: only this line is wrong"
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
                wrong = ", ".join(map(str, e.wrong_lines))
                console.print(
                    f"  {_escape(e.equation)}: [red]lines {e.lines[0]}–{e.lines[1]} would, but line {wrong} is wrong[/]"
                )
            elif e.lines:
                console.print(f"  {_escape(e.equation)}: lines {e.lines[0]}–{e.lines[1]}")
            else:
                console.print(
                    f"  {_escape(e.equation)}: [red]no chain of steps that hold leads from its left side "
                    "to its right side[/]"
                )
    for step in derivation.unreadable:
        console.print(f"[magenta]{derivation.file}:{step.line}: could not be read — {_escape(step.reason)}[/]")
    console.print(f"{derivation.file}: {len(derivation.steps)} steps — {summary_text(derivation)}")


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
    wrong = ", ".join(str(s.line) for s in derivation.wrong)
    tail = f": [red]wrong at line{'s' if len(derivation.wrong) > 1 else ''} {wrong}[/]" if wrong else ""
    return ", ".join(parts) + tail


def _escape(text: str) -> str:
    return escape(text)
