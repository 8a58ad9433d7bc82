"""Notebooks as derivation files: only Markdown cells are read, positions are (cell, line), bad notebooks refused."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output, new_raw_cell

from derivations.errors import InputError
from derivations.notation.document import EventKind, Row, read_document
from derivations.notation.notebook import join_cells, markdown_cells


def write_notebook(path: Path, *cells: nbformat.NotebookNode) -> Path:
    nbformat.write(new_notebook(cells=list(cells)), str(path))
    return path


def test_only_markdown_cells_are_read(tmp_path: Path) -> None:
    nb = write_notebook(
        tmp_path / "hw.ipynb",
        new_code_cell("print('$$x = 2$$')", outputs=[new_output("stream", text="$$x = 3$$\n")]),
        new_markdown_cell("$$\\sigma(-x) = 1 - \\sigma(x)$$"),
        new_raw_cell("$$y = 1$$"),
    )
    doc = read_document(nb)
    assert [r.text for r in doc.rows] == ["\\sigma(-x) = 1 - \\sigma(x)"]
    assert doc.place(doc.rows[0].line) == (2, 1)  # cells count from 1, code cells included


def test_lines_map_back_to_the_cell_and_its_line(tmp_path: Path) -> None:
    nb = write_notebook(
        tmp_path / "hw.ipynb",
        new_markdown_cell("# Title\n\nText\n\n$$a = 1$$"),
        new_code_cell("x = 1"),
        new_markdown_cell("First\n$$\\begin{aligned}\nb &= 2 \\\\\n  &= 2\n\\end{aligned}$$"),
    )
    doc = read_document(nb)
    places = [(doc.place(r.line), r.text) for r in doc.rows]
    assert places == [((1, 5), "a = 1"), ((3, 3), "b  = 2"), ((3, 4), "= 2")]
    assert doc.where(doc.rows[1].line) == "cell 3, line 3"
    assert doc.line_text(doc.rows[2].line) == "  &= 2"


def test_join_cells_puts_a_blank_line_between_cells() -> None:
    cells = markdown_cells(
        nbformat.writes(new_notebook(cells=[new_markdown_cell("a\nb"), new_markdown_cell("c")])), "n"
    )
    text, places = join_cells(cells)
    assert text == "a\nb\n\nc"
    assert places == ((1, 1), (1, 2), (1, 3), (2, 1))


def test_the_first_markdown_cell_may_be_the_front_matter(tmp_path: Path) -> None:
    nb = write_notebook(
        tmp_path / "hw.ipynb",
        new_code_cell("import numpy as np"),
        new_markdown_cell("---\ntitle: Homework 1\nassume:\n  - y \\in [0, 1]\n---"),
        new_markdown_cell("$$y = y$$"),
    )
    doc = read_document(nb)
    assert doc.front.title == "Homework 1"
    assert doc.front.assume == ((4, "y \\in [0, 1]"),) and doc.place(4) == (2, 4)


def test_a_later_cell_beginning_with_dashes_is_prose(tmp_path: Path) -> None:
    nb = write_notebook(tmp_path / "hw.ipynb", new_markdown_cell("$$a = a$$"), new_markdown_cell("---\ntext"))
    assert read_document(nb).front.title == ""


def test_case_headings_work_across_cells(tmp_path: Path) -> None:
    nb = write_notebook(
        tmp_path / "hw.ipynb",
        new_markdown_cell("$$\\frac{\\partial S_j}{\\partial \\theta_i} = ?$$"),
        new_markdown_cell("(i) $i = j$ case"),
        new_markdown_cell("$$= S_i(1 - S_i)$$"),
        new_markdown_cell("## Next"),
    )
    events = [i for i in read_document(nb).items if not isinstance(i, Row)]
    assert [(e.kind, e.text) for e in events] == [(EventKind.CASE, "i = j"), (EventKind.HEADING, "## Next")]


def test_a_display_left_open_names_its_cell_and_never_runs_into_the_next(tmp_path: Path) -> None:
    nb = write_notebook(tmp_path / "hw.ipynb", new_markdown_cell("text\n$$a = 1"), new_markdown_cell("$$b = 1$$ $$"))
    with pytest.raises(InputError, match=r"hw.ipynb: cell 1, line 2: display math opened with '\$\$' is never closed"):
        read_document(nb)


def test_front_matter_errors_name_the_cell(tmp_path: Path) -> None:
    nb = write_notebook(tmp_path / "hw.ipynb", new_markdown_cell("---\ntitle: x"), new_markdown_cell("---\n$$a=1$$"))
    with pytest.raises(InputError, match=r"cell 1, line 1: front matter opened with '---' is never closed"):
        read_document(nb)
    nb = write_notebook(tmp_path / "hw.ipynb", new_code_cell(""), new_markdown_cell("---\ntitle: x\nwhat\n---"))
    with pytest.raises(InputError, match=r"cell 2, line 3: front matter line is not 'key: value'"):
        read_document(nb)


def _notebook_json(**changes: object) -> dict:
    data = json.loads(nbformat.writes(new_notebook(cells=[new_markdown_cell("$$a = a$$")])))
    data.update(changes)
    return data


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{not json", "is not valid JSON (line 1, column 2"),
        ("[1, 2]", "is JSON but not a notebook"),
        (json.dumps({"cells": []}), "is JSON but not a notebook"),
        (json.dumps(_notebook_json(nbformat=9)), "is not a valid notebook: Unsupported nbformat version 9"),
        (json.dumps(_notebook_json(cells="x")), "is not a valid notebook"),
        (json.dumps(_notebook_json(cells=[{"cell_type": "markdown", "metadata": {}}])), "is not a valid notebook"),
        (json.dumps(_notebook_json(cells=[])), "has no Markdown cells"),
        (nbformat.writes(new_notebook(cells=[new_code_cell("print('$$x = 1$$')")])), "has no Markdown cells"),
        (nbformat.writes(new_notebook(cells=[new_markdown_cell("just prose")])), "has no display math"),
        ("[" * 100_000, "nested too deeply"),
    ],
    ids=lambda v: v if len(v) < 60 else "",  # the expected messages: the notebooks' cell ids are random
)
def test_a_malformed_notebook_is_one_input_error(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "hw.ipynb"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_document(path)
    message = str(info.value)
    assert expected in message and "hw.ipynb" in message and "\n" not in message


def test_an_old_notebook_format_is_converted(tmp_path: Path) -> None:
    v3 = {
        "nbformat": 3,
        "nbformat_minor": 0,
        "metadata": {},
        "worksheets": [{"cells": [{"cell_type": "markdown", "source": "$$a = a$$", "metadata": {}}], "metadata": {}}],
    }
    path = tmp_path / "old.ipynb"
    path.write_text(json.dumps(v3), encoding="utf-8")
    assert [r.text for r in read_document(path).rows] == ["a = a"]
