"""Where an unreadable row's problem is in the file (its own line and column), and a notebook's positions."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from derivations.check import check_file
from derivations.check.results import Derivation
from tests.derivations.helpers import check_text


def column_of(text: str, needle: str, line: int) -> int:
    """The 1-based column of ``needle`` in line ``line`` of ``text``."""
    return text.split("\n")[line - 1].index(needle) + 1


def problems(d: Derivation) -> list[tuple[int, int, str]]:
    return [(s.problem.line, s.problem.column, s.problem.message) for s in d.unreadable if s.problem]


@pytest.mark.parametrize(
    "display",
    [
        r"$$\sigma(x) \cdto 2 = 3$$",
        r"   $$ y = σ(x) \cdto 2 $$",  # σ is read as \sigma: columns still count the file's characters
        r"$$1. \quad y = \sigma(x) \cdto 2$$",  # a label
        r"$$ (a)  z = \boxed{\sigma(x) \cdto 2}$$",  # a box
        r"$$q = \sigma(x) \quad \Rightarrow \quad q = 1 \cdto 2$$",  # a claim after \quad
        r"\[ x &= 1 \cdto 2 \]",
    ],
)
def test_the_column_is_the_files_not_the_formulas(tmp_path: Path, display: str) -> None:
    text = f"# Title\n\n{display}\n"
    d = check_text(tmp_path, text)
    (step,) = d.unreadable
    column = column_of(text, "\\cdto", 3)
    assert problems(d) == [(3, column, "unknown command '\\cdto' — did you mean '\\cdot'?")]
    assert step.reason == f"cannot read column {column}: {step.problem.message}"
    assert step.problem.source == display and step.problem.cell is None


def test_rows_of_a_multi_line_block_have_their_real_line_and_column(tmp_path: Path) -> None:
    text = (
        "Intro\n\n$$\\begin{aligned}\n  x &= 1 + 1 \\\\\n    &= 2 \\cdto 1 \\\\\n    &= 2\n\\end{aligned}$$\n\n"
        "\\begin{align}\n a &= 1 \\\\ &= \\alpah \\\\\n &= 1\n\\end{align}\n"
    )
    d = check_text(tmp_path, text)
    assert problems(d) == [
        (5, column_of(text, "\\cdto", 5), "unknown command '\\cdto' — did you mean '\\cdot'?"),
        (10, column_of(text, "\\alpah", 10), "unknown command '\\alpah' — did you mean '\\alpha'?"),
    ]
    assert [s.line for s in d.unreadable] == [5, 10]


def test_a_row_spanning_lines_names_the_line_of_its_problem(tmp_path: Path) -> None:
    text = "$$x = 1 +\n  1 \\cdto 2$$\n"
    d = check_text(tmp_path, text)
    (step,) = d.unreadable
    assert step.line == 1 and (step.problem.line, step.problem.column) == (2, 5)
    assert step.reason.startswith("cannot read line 2, column 5: unknown command")
    assert step.to_json()["column"] == 5 and step.to_json()["error_line"] == 2


def test_an_unclosed_brace_makes_only_its_display_unreadable(tmp_path: Path) -> None:
    text = "$$\\sigma(-x) = 1 - \\sigma(x)$$\n\n$$ a = \\frac{1}{2 $$\n\n$$\\sigma(0) = \\frac{1}{2}$$\n"
    d = check_text(tmp_path, text)
    assert [(s.line, s.verdict, s.unreadable) for s in d.steps] == [
        (1, "proved", False),
        (3, "unchecked", True),
        (5, "proved", False),
    ]
    assert problems(d) == [(3, column_of(text, "{2", 3), "'{' is never closed (expected '}')")]


def test_a_malformed_display_the_parser_could_read_is_still_unreadable(tmp_path: Path) -> None:
    # \left( … ) parses (sizing commands are dropped) but is not LaTeX: the display is refused as written
    text = "$$x = \\left( 1 + 1 ) $$\n\n$$= 2$$\n"
    d = check_text(tmp_path, text)
    first = d.steps[0]
    assert (first.line, first.verdict, first.unreadable) == (1, "unchecked", True)
    assert len([s for s in d.steps if s.display == 1]) == 1
    assert problems(d) == [(1, 7, "'\\left(' is never closed (expected '\\right')")]


def test_an_unclosed_environment_in_one_display(tmp_path: Path) -> None:
    text = "$$\\begin{aligned} a &= 1 \\\\ &= 1 $$\n\n$$b = b$$\n"
    d = check_text(tmp_path, text)
    assert [s.verdict for s in d.steps] == ["unchecked", "proved"]
    assert problems(d) == [(1, 3, "'\\begin{aligned}' is never closed (expected '\\end{aligned}')")]


# ------------------------------------------------------------------------------------------ notebooks


def notebook(path: Path, *sources: str, code_first: bool = True) -> Path:
    cells = [new_code_cell("import numpy as np")] if code_first else []
    cells += [new_markdown_cell(s) for s in sources]
    nbformat.write(new_notebook(cells=cells), str(path))
    return path


def test_a_notebooks_steps_are_placed_by_cell_and_line(tmp_path: Path) -> None:
    nb = notebook(
        tmp_path / "hw.ipynb",
        "---\ntitle: HW\n---\n$$\\sigma'(x) = \\frac{e^{-x}}{(1+e^{-x})^2}$$",
        "Then\n\n$$= \\sigma(x)(1+\\sigma(x))$$",
        "and\n$$= \\sigma(x)(1-\\sigma(x))$$\n\n$$\\sigma(x) \\cdto 2 = 3$$",
    )
    d = check_file(nb)
    assert d.title == "HW"
    assert [(s.cell, s.line, s.verdict) for s in d.steps] == [
        (2, 4, "proved"),
        (3, 3, "wrong"),
        (4, 2, "proved"),
        (4, 4, "unchecked"),
    ]
    wrong = d.steps[1]
    assert (wrong.returns_to_cell, wrong.returns_to_line) == (2, 4) and wrong.returns_to == "cell 2, line 4"
    assert "checked against cell 2, line 4, since cell 3, line 3 is wrong" in d.steps[2].reason
    (bad,) = d.unreadable
    assert (bad.problem.cell, bad.problem.line, bad.problem.column) == (4, 4, 13)
    assert bad.problem.where == "cell 4, line 4, column 13"
    data = d.to_json()["steps"]
    assert [(s["cell"], s["line"]) for s in data] == [(2, 4), (3, 3), (4, 2), (4, 4)]
    assert data[1]["returns_to_cell"] == 2 and data[3]["column"] == 13 and data[3]["error_line"] == 4


def test_against_names_cells_in_a_notebook(tmp_path: Path) -> None:
    from derivations.identities import get

    nb = notebook(
        tmp_path / "hw.ipynb",
        "$$\\sigma'(x) = \\frac{e^{-x}}{(1+e^{-x})^2}$$",
        "$$= \\sigma(x)(1-\\sigma(x))$$",
    )
    ident = get("sigmoid-derivative")
    d = check_file(nb, against=(ident.name, ident.notation))
    (eq,) = d.against.equations
    assert eq.lines == (1, 1) and eq.cells == (2, 3) and eq.span == "cell 2, line 1 – cell 3, line 1"
    assert d.against.to_json()["equations"][0]["cells"] == [2, 3]


def test_a_plain_files_json_has_no_cells(tmp_path: Path) -> None:
    d = check_text(tmp_path, "$$\\sigma(-x) = 1 - \\sigma(x)$$\n")
    step = d.to_json()["steps"][0]
    assert "cell" not in step and "column" not in step and "returns_to_cell" not in step


CASES = [
    "$$\\frac{\\partial S(\\theta)_j}{\\partial \\theta_i} ?$$",
    "(i) $i = j$ case",
    "$$= S(\\theta)_i (1 - S(\\theta)_i)$$",
    "(ii) $i \\neq j$ case",
    "$$= -S(\\theta)_i S(\\theta)_j$$",
]


def test_a_case_analysis_runs_across_cells_as_across_paragraphs(tmp_path: Path) -> None:
    md = tmp_path / "cases.md"
    md.write_text("\n\n".join(CASES) + "\n", encoding="utf-8")
    nb = notebook(tmp_path / "cases.ipynb", *CASES)
    from_md, from_nb = check_file(md), check_file(nb)
    assert [(s.verdict, s.case) for s in from_nb.steps] == [(s.verdict, s.case) for s in from_md.steps]
    assert [s.verdict for s in from_nb.steps] == ["unchecked", "proved", "proved"]
    assert [(s.cell, s.line) for s in from_nb.steps] == [(2, 1), (4, 1), (6, 1)]
