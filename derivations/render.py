"""Terminal rendering of results (rich): per identity its source and proof, then one row per cross-check."""

from __future__ import annotations

import sys

from rich.console import Console
from rich.table import Table

from derivations.verify import VerifyResult


def _fmt(value: float) -> str:
    return f"{value:.3g}" if value == value and abs(value) != float("inf") else str(value)


def make_console() -> Console:
    """Standard output; wide when it is not a terminal, so piped output is not folded."""
    return Console(highlight=False, width=None if sys.stdout.isatty() else 160)


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
            style = "green" if ident.proved else "red"
            table.add_row(f"{mark} [bold]{ident.name}[/]  {ident.statement}", "", "", "", "")
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
