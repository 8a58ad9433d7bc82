"""Where the checker's findings are in the file: an unreadable row's line and column, and a notebook's cells.

The walk (`chain`) works on rows; a reader wants the file's own line and column. `finish` runs after
the walk and, in place on the `Derivation`:

- gives every unreadable step a `Problem`: the line and column *in the file* of what could not be
  read (not the column in the formula), the reason, and the text of that line, so the terminal can
  show it with a caret; the step's reason then names that column;
- turns the steps of a display whose delimiters do not pair up (``$$ a = \\frac{1}{2 $$``) into one
  unreadable step, whatever the walk made of the rest of it;
- in a notebook, gives every position as (cell, line in the cell): the steps' lines, the lines an
  ``--against`` chain runs over, and the lines that reasons name.

A position in a row is mapped back to the file by aligning the row's text with the source it was
read from (`Row.start`/`Row.end`): the row is that source less spacing, labels, ``&``, ``\\boxed``,
and a justification, so its characters are found in order in the source.
"""

from __future__ import annotations

from difflib import SequenceMatcher

from derivations.check.environment import Knowledge, ParsedRow
from derivations.check.results import Derivation, Problem, Step
from derivations.errors import ParseError
from derivations.notation.document import Document, Row
from derivations.notation.tokens import UNICODE
from derivations.verdict import Verdict

RowKey = tuple[int, int, int, str]


def _key(line: int, display: int, row: int, text: str) -> RowKey:
    return (line, display, row, text)


def finish(doc: Document, derivation: Derivation) -> None:
    """Positions as a reader finds them in the file, in place (see the module's docstring)."""
    found: list[tuple[Step, int, str]] = _malformed(doc, derivation)  # (step, offset in doc.text, message)
    done = {id(s) for s, _, _ in found}
    pending = [s for s in derivation.steps if s.unreadable and id(s) not in done]
    if pending:
        rows = {_key(r.line, r.display, r.row, r.text): r for r in doc.rows}
        errors = _parse_errors(doc)
        for step in pending:
            row = rows.get(_key(step.line, step.display, step.row, step.latex))
            if row is None:
                continue
            exc = errors.get(_key(row.line, row.display, row.row, row.text))
            offset = source_offset(doc, row, exc.pos if exc else 0)
            found.append((step, offset, str(exc) if exc else "cannot read the row"))
    if doc.cells:
        _to_cells(doc, derivation)
    for step, offset, message in found:
        line, column = doc.line_and_column(offset)
        cell, in_cell = doc.place(line)
        step.problem = Problem(in_cell, column, message, doc.line_text(line), cell)
        at = f"column {column}" if in_cell == step.line else f"line {in_cell}, column {column}"
        step.reason = f"cannot read {at}: {message}"


def _parse_errors(doc: Document) -> dict[RowKey, ParseError]:
    """Why each unreadable row could not be read, as the walk's prescan found it (the same parse, again)."""
    known = Knowledge(doc)
    known.learn_front_matter()
    return {
        _key(p.row.line, p.row.display, p.row.row, p.row.text): p.error
        for p in known.prescan()
        if isinstance(p, ParsedRow) and p.error is not None
    }


def _malformed(doc: Document, derivation: Derivation) -> list[tuple[Step, int, str]]:
    """Each display whose delimiters do not pair up as one unreadable step in place of what the walk made of it."""
    out = []
    steps = derivation.steps
    for row in doc.rows:
        if not row.malformed:
            continue
        mine = [k for k, s in enumerate(steps) if s.display == row.display]
        step = Step(
            line=row.line,
            latex=row.text,
            verdict=Verdict.UNCHECKED,
            case=steps[mine[0]].case if mine else "",
            row=1,
            display=row.display,
            unreadable=True,
        )
        if mine:
            steps[mine[0] : mine[-1] + 1] = [step]
        else:
            at = next((k for k, s in enumerate(steps) if s.display > row.display), len(steps))
            steps.insert(at, step)
        out.append((step, row.malformed_at, row.malformed))
    return out


def source_offset(doc: Document, row: Row, pos: int) -> int:
    """Where in ``doc.text`` position ``pos`` of ``row`` is, as the parser counts it (σ, − … read as commands)."""
    text = row.text
    k, seen = len(text), 0
    for i, c in enumerate(text):  # the parser's text has each such symbol replaced by its command
        width = len(UNICODE.get(c, c))
        if seen + width > pos:
            k = i
            break
        seen += width
    if row.start < 0:
        return 0
    source = doc.text[row.start : row.end]
    mapped = _align(text, source)
    if k in mapped:
        return row.start + mapped[k]
    before = [i for i in mapped if i < k]
    if before:  # a space, or the end of the formula: just after the last character before it
        return row.start + mapped[max(before)] + 1
    after = [i for i in mapped if i > k]
    return row.start + (mapped[min(after)] if after else 0)


def _align(text: str, source: str) -> dict[int, int]:
    """For each character of ``text`` found in ``source`` (spacing aside, in order), its index there."""
    a = [i for i, c in enumerate(text) if not c.isspace()]
    b = [j for j, c in enumerate(source) if not c.isspace()]
    matcher = SequenceMatcher(None, "".join(text[i] for i in a), "".join(source[j] for j in b), autojunk=False)
    out: dict[int, int] = {}
    for block in matcher.get_matching_blocks():
        for t in range(block.size):
            out[a[block.a + t]] = b[block.b + t]
    return out


def _to_cells(doc: Document, derivation: Derivation) -> None:
    """A notebook's positions as (cell, line in the cell): steps, reasons, and the ``--against`` chains."""
    for s in derivation.steps:
        s.cell, s.line = doc.place(s.line)
        if s.returns_to_line is not None:
            s.returns_to_cell, s.returns_to_line = doc.place(s.returns_to_line)
        s.reason = doc.relocate(s.reason)
    if derivation.against is None:
        return
    for e in derivation.against.equations:
        if e.lines:
            (c0, l0), (c1, l1) = doc.place(e.lines[0]), doc.place(e.lines[1])
            e.lines, e.cells = (l0, l1), (c0 or 0, c1 or 0)
        places = [doc.place(n) for n in e.wrong_lines]
        e.wrong_lines = tuple(n for _, n in places)
        e.wrong_cells = tuple(c or 0 for c, _ in places)
