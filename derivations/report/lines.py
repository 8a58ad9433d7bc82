"""Text for the terminal, shared by every command: tables on a wide terminal, plain wrapped lines otherwise.

A leaf module (it imports rich, nothing of ours), so that the grader can use it without SymPy.
"""

from __future__ import annotations

import os
import re
import sys

from rich.cells import cell_len
from rich.console import Console

#: Results are a table only on a terminal at least this wide; piped or narrower, they are plain lines.
TABLE_WIDTH = 100


def make_console() -> Console:
    """Standard output: colours and tables on a terminal; piped, plain text that rich never pads or folds."""
    columns = os.environ.get("COLUMNS", "")
    if columns and not (columns.isdigit() and int(columns) > 0):  # COLUMNS=0 or abc: rich would print nothing
        return Console(highlight=False, soft_wrap=not sys.stdout.isatty(), width=_terminal_width())
    return Console(highlight=False, soft_wrap=not sys.stdout.isatty())


def _terminal_width() -> int:
    """The terminal's own width (80 when there is none), ignoring ``COLUMNS``."""
    try:
        return os.get_terminal_size(sys.stdout.fileno()).columns or 80
    except (OSError, ValueError):
        return 80


def wrap_width(console: Console) -> int | None:
    """The width plain lines are wrapped to: ``COLUMNS`` if set, else the terminal's; None when piped (no wrapping)."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    return console.width if console.is_terminal else None


def as_table(console: Console) -> bool:
    """Whether results go out as a table: on a terminal of at least `TABLE_WIDTH` columns."""
    return console.is_terminal and (wrap_width(console) or 0) >= TABLE_WIDTH


def wrapped(text: str, width: int | None, first: str, rest: str) -> list[str]:
    """``first + text`` as lines of at most ``width`` cells broken at spaces, later lines led by ``rest``.

    Spaces inside a line are kept as written (aligned columns stay aligned); a word is cut only when it
    is longer than a whole line; no line ends in a space.
    """
    pieces = re.findall(r"\S+| +", text.strip())
    if width is None:
        return [(first + "".join(pieces)).rstrip()]
    lines: list[str] = []
    line, fresh, gap = first, True, ""
    for piece in pieces:
        if piece.startswith(" "):
            gap = piece
            continue
        word, sep = piece, "" if fresh else gap
        if cell_len(line) + cell_len(sep) + cell_len(word) <= width:
            line, fresh = line + sep + word, False
            continue
        if not fresh:
            lines.append(line.rstrip())
            line = rest
        while cell_len(line) + cell_len(word) > width and width - cell_len(line) > 0:
            cut = _cut(word, width - cell_len(line))
            lines.append(line + word[:cut])
            line, word = rest, word[cut:]
        line, fresh = line + word, False
    lines.append(line.rstrip())
    return lines


def _cut(word: str, cells: int) -> int:
    """How many characters of ``word`` fill at most ``cells`` cells (at least one)."""
    used = 0
    for k, c in enumerate(word):
        used += cell_len(c)
        if used > cells:
            return max(k, 1)
    return len(word)


def say(console: Console, text: str, first: str = "", rest: str = "", style: str = "") -> None:
    """Print ``text`` as wrapped plain lines (no markup), in ``style`` when the console shows colours."""
    for line in wrapped(text, wrap_width(console), first, rest):
        console.print(line, markup=False, highlight=False, soft_wrap=True, style=style or None)


__all__ = ["TABLE_WIDTH", "as_table", "make_console", "say", "wrap_width", "wrapped"]
