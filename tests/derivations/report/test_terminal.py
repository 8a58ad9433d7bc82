"""The terminal after `check`: unreadable rows shown as a compiler shows an error, notebooks by cell and line."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook
from rich.console import Console

from derivations.check import check_file
from derivations.report.terminal import render_check, source_and_caret
from tests.derivations.helpers import check_text


def rendered(derivation, quiet: bool = False) -> str:  # type: ignore[no-untyped-def]
    out = StringIO()
    render_check(derivation, quiet=quiet, console=Console(file=out, width=200, highlight=False, color_system=None))
    return out.getvalue()


def test_an_unreadable_row_is_shown_with_its_line_and_a_caret(tmp_path: Path) -> None:
    text = "# HW\n\n$$\\sigma(-x) = 1 - \\sigma(x)$$\n\n   $$\\sigma(x) \\cdto 2 = 3$$\n"
    d = check_text(tmp_path, text, name="hw.md")
    lines = rendered(d, quiet=True).splitlines()
    k = next(i for i, ln in enumerate(lines) if "unknown command" in ln)
    assert lines[k] == f"{d.file}:5:16: unknown command '\\cdto' — did you mean '\\cdot'?"
    assert lines[k + 1] == "       $$\\sigma(x) \\cdto 2 = 3$$"
    assert lines[k + 2] == " " * 19 + "^"
    assert lines[k + 2].index("^") == lines[k + 1].index("\\cdto")


def test_the_table_gives_the_files_column(tmp_path: Path) -> None:
    d = check_text(tmp_path, "$$\\sigma(x) \\cdto 2 = 3$$\n", name="hw.md")
    assert "cannot read column 13: unknown command '\\cdto'" in rendered(d)


def test_source_and_caret_keeps_tabs_counts_wide_characters_and_windows_long_lines() -> None:
    # 가나 takes 4 columns of the terminal
    assert source_and_caret("\t$$x \\alpah$$", 6) == ("\t$$x \\alpah$$", "\t    ^")
    assert source_and_caret("$$\\text{가나} \\cdto$$", 13) == ("$$\\text{가나} \\cdto$$", " " * 14 + "^")
    line = "x" * 300 + "\\cdto" + "y" * 300
    shown, caret = source_and_caret(line, 301, width=100)
    assert shown.startswith("…") and shown.endswith("…") and len(shown) == 102
    assert shown[caret.index("^") :].startswith("\\cdto")


def test_a_notebook_is_shown_by_cell_and_line(tmp_path: Path) -> None:
    nb = tmp_path / "hw.ipynb"
    cells = [
        new_code_cell("x = 1"),
        new_markdown_cell("$$\\sigma'(x) = \\frac{e^{-x}}{(1+e^{-x})^2}$$"),
        new_markdown_cell("$$= \\sigma(x)(1+\\sigma(x))$$\n\n$$\\sigma(x) \\cdto 2$$"),
    ]
    nbformat.write(new_notebook(cells=cells), str(nb))
    out = rendered(check_file(nb))
    assert "cell 2, line 1" in out and "cell 3, line 1" in out
    assert f"{nb}: cell 3, line 3, column 13: unknown command '\\cdto'" in out
    assert out.rstrip().endswith("wrong at cell 3, line 1")
