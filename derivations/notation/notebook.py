"""Jupyter notebooks as derivation files: their Markdown cells, and a map from the joined text back to the cells.

A notebook is read with `nbformat` (validated against its schema); code cells, raw cells and
outputs are ignored. The Markdown cells, in order, are joined with a blank line between two cells
(a cell ends a paragraph, as a blank line does) into one text that `document.read_string` reads
like a Markdown file; the first of them is the front matter when it begins with ``---``. Cells are
numbered from 1 counting every cell of the notebook, code cells included, as a reader counts them
from the top. This module knows nothing of the notation: `document.read_document` reads ``.ipynb``
files through it.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass

from derivations.errors import InputError

EXPECTED = "expected a Jupyter notebook: JSON with 'nbformat' and 'cells'"


@dataclass(frozen=True)
class MarkdownCell:
    """One Markdown cell: its number among all the notebook's cells (from 1) and its text."""

    number: int
    source: str


def markdown_cells(raw: str, path: str) -> list[MarkdownCell]:
    """The Markdown cells of the notebook whose JSON text is ``raw``; InputError naming ``path`` if it is not one."""
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno}, column {exc.colno}"
        raise InputError(f"'{path}' is not valid JSON ({where}: {exc.msg}; {EXPECTED})") from None
    except RecursionError:
        raise InputError(f"'{path}' is JSON nested too deeply ({EXPECTED})") from None
    if not isinstance(data, dict) or "nbformat" not in data or ("cells" not in data and "worksheets" not in data):
        raise InputError(f"'{path}' is JSON but not a notebook ({EXPECTED})")
    import nbformat  # here, not at the top: only notebooks need it

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # missing cell ids and the like: nbformat repairs them
            notebook = nbformat.reads(raw, as_version=4)
            nbformat.validate(notebook)
    except nbformat.ValidationError as exc:
        why = _first_line(getattr(exc, "message", "") or str(exc))
        raise InputError(f"'{path}' is not a valid notebook: {why} ({EXPECTED})") from None
    except (ValueError, KeyError, TypeError, AttributeError) as exc:  # NBFormatError (a version it does not know) …
        raise InputError(f"'{path}' is not a valid notebook: {_first_line(str(exc))} ({EXPECTED})") from None
    cells = [
        MarkdownCell(k, cell.get("source", ""))
        for k, cell in enumerate(notebook.cells, start=1)
        if cell.get("cell_type") == "markdown"
    ]
    if not cells:
        raise InputError(f"'{path}' has no Markdown cells (expected display math such as $$…$$ in a Markdown cell)")
    return cells


def join_cells(cells: list[MarkdownCell]) -> tuple[str, tuple[tuple[int, int], ...]]:
    """The cells as one text, a blank line between two, and for each of its lines (cell, line in the cell).

    The blank line after a cell counts as the line after that cell's last.
    """
    texts: list[str] = []
    places: list[tuple[int, int]] = []
    for cell in cells:
        lines = cell.source.split("\n")
        texts.append(cell.source)
        places.extend((cell.number, n) for n in range(1, len(lines) + 1))
        places.append((cell.number, len(lines) + 1))  # the blank line between this cell and the next
    return "\n\n".join(texts), tuple(places[:-1])


def _first_line(text: str) -> str:
    return (text.strip().splitlines() or ["no reason given"])[0][:200]
