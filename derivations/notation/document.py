"""Reading a derivation file: front matter, display math split into rows, and the prose events between.

A file is Markdown or LaTeX. Display math is ``$$…$$``, ``\\[…\\]`` or an ``equation``/``align``/
``gather`` environment (starred or not); inside one, an ``aligned``/``split``/``gathered`` block or an
``align`` environment is split into rows at ``\\\\``. In a row, text after a top-level ``&&`` or
``\\quad``/``\\qquad`` is the justification; a leading ``1.`` or ``(pt)`` is a label. Between displays,
a prose line whose only inline formula is a relation between two indices (``(i) $i = k$ case``) is a
*case*; a Markdown heading, a ``\\section``, or a line that is one ``[bracketed title]`` is a *heading*.
Everything else is prose and ignored. See docs/derivation-files.md.
"""

from __future__ import annotations

import bisect
import difflib
import re
from dataclasses import dataclass, field, replace
from enum import StrEnum
from functools import cached_property
from pathlib import Path

from derivations.errors import InputError, ParseError
from derivations.notation.layout import ROW_SPACING, check_balanced, read_group, split_top
from derivations.notation.plaintext import CODE, is_derivation, to_latex

MAX_FILE_BYTES = 2_000_000
NOTEBOOK_SUFFIX = ".ipynb"
DISPLAY_ENVS = ("equation", "align", "gather", "multline", "eqnarray", "displaymath")
ROW_ENVS = ("aligned", "split", "gathered", "alignedat", "align", "gather", "eqnarray")


@dataclass(frozen=True)
class FrontMatter:
    """What the text leaves implicit: ``assume`` lines (LaTeX), layer ``tags``, and the rest as given."""

    title: str = ""
    source: str = ""
    assume: tuple[tuple[int, str], ...] = ()  # (line, latex)
    tags: tuple[str, ...] = ()
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Row:
    """One row of display math: ``text`` is the formula as written, less label and justification."""

    line: int
    display: int
    row: int
    text: str
    source: str
    label: str = ""
    justification: str = ""
    justification_latex: str = ""
    condition: str = ""  # the row's own condition (LaTeX, without its "if"/"for"): ``i = k``, ``x > 0``
    start: int = -1  # the source the row was read from: offsets [start, end) in `Document.text` (-1: unknown)
    end: int = -1
    malformed: str = ""  # why its display cannot be read (unbalanced braces …): the row is then the whole display
    malformed_at: int = -1  # where that is: an offset in `Document.text`


class EventKind(StrEnum):
    """What a prose line is to the checker."""

    CASE = "case"  # a case heading: its relation is in force until the next case or heading
    HEADING = "heading"  # a section heading: chains and cases end
    PROSE = "prose"  # any other sentence


@dataclass(frozen=True)
class Event:
    """A prose line that matters: a ``case`` (``text`` is its relation in LaTeX) or a ``heading``."""

    line: int
    kind: str
    text: str


@dataclass(frozen=True)
class Document:
    """A derivation file read: front matter, rows and events; the text its lines and offsets count in.

    For a notebook, ``text`` is its Markdown cells joined (a blank line between two cells) and
    ``cells`` gives, for each line of it, the (cell, line in the cell) it comes from; for any other
    file ``cells`` is empty and a line is the file's own.
    """

    path: str
    front: FrontMatter
    items: tuple[Row | Event, ...]
    text: str = field(default="", repr=False, compare=False)
    cells: tuple[tuple[int, int], ...] = field(default=(), repr=False, compare=False)

    @property
    def rows(self) -> list[Row]:
        return [i for i in self.items if isinstance(i, Row)]

    @cached_property
    def _line_starts(self) -> list[int]:
        starts = [0]
        starts.extend(m.end() for m in re.finditer("\n", self.text))
        return starts

    def line_and_column(self, offset: int) -> tuple[int, int]:
        """The line (of `text`, from 1) and the column (in characters, from 1) of an offset in `text`."""
        offset = max(0, min(offset, len(self.text)))
        k = bisect.bisect_right(self._line_starts, offset) - 1
        return k + 1, offset - self._line_starts[k] + 1

    def line_text(self, line: int) -> str:
        """The text of a line of `text` (from 1), without its newline; "" past the end."""
        starts = self._line_starts
        if not 1 <= line <= len(starts):
            return ""
        end = starts[line] - 1 if line < len(starts) else len(self.text)
        return self.text[starts[line - 1] : end]

    def place(self, line: int) -> tuple[int | None, int]:
        """(cell, line in the cell) of a line of a notebook; (None, line) for any other file."""
        if self.cells and 1 <= line <= len(self.cells):
            return self.cells[line - 1]
        return None, line

    def where(self, line: int) -> str:
        """A line as a reader finds it: ``line 12``, or in a notebook ``cell 4, line 3``."""
        return describe(*reversed(self.place(line)))

    def relocate(self, message: str) -> str:
        """In a notebook, a message's ``path:12:`` and ``line 12`` rewritten as ``path: cell 4, line 3``."""
        if not self.cells:
            return message
        return relocate(message, self.path, self.cells)


def read_text(path: Path) -> str:
    """The file as text, or an InputError naming it and saying what was expected."""
    try:
        if path.is_dir():
            raise InputError(f"'{path}' is a directory (expected a Markdown or LaTeX file)")
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise InputError(f"'{path}' is {size} bytes (expected a derivation file under {MAX_FILE_BYTES} bytes)")
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"'{path}' does not exist (expected a Markdown or LaTeX file)") from None
    except PermissionError:
        raise InputError(f"'{path}' cannot be read: permission denied") from None
    except OSError as exc:
        raise InputError(f"'{path}' cannot be read: {exc.strerror or exc}") from None
    if b"\x00" in data:
        raise InputError(f"'{path}' is a binary file (expected Markdown or LaTeX text)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"'{path}' is not UTF-8 text (byte {exc.start}; expected Markdown or LaTeX)") from None
    if not text.strip():
        raise InputError(f"'{path}' is empty (expected display math such as $$\\sigma'(x) = …$$)")
    return text


#: Front matter keys of blogs and site generators (Jekyll, Hugo, Obsidian, Quarto): the page's, not ours.
SITE_KEYS = frozenset(
    "layout summary comments categories category description permalink excerpt toc published draft lang image "
    "keywords header slug aliases series type modified updated weight cover share sidebar status subtitle katex "
    "mathjax math use_math usemathjax format jupyter kernelspec".split()
)


def parse_front_matter(lines: list[str], path: str) -> tuple[FrontMatter, int]:
    """The ``---`` block at the top (if any) and the index of the first body line."""
    if not lines or lines[0].strip() != "---":
        return FrontMatter(), 0
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    except StopIteration:
        raise InputError(f"{path}:1: front matter opened with '---' is never closed (expected a '---' line)") from None
    values: dict[str, str] = {}
    lists: dict[str, list[tuple[int, str]]] = {}
    key = None
    for i in range(1, end):
        raw = lines[i]
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        item = re.match(r"\s+-\s+(.*)$", raw)
        if item and key is not None:
            lists.setdefault(key, []).append((i + 1, item.group(1).strip()))
            continue
        kv = re.match(r"([A-Za-z_][\w-]*)\s*:\s*(.*)$", raw)
        if not kv:
            raise InputError(f"{path}:{i + 1}: front matter line is not 'key: value' or '  - item'")
        key = kv.group(1)
        if kv.group(2).strip():
            values[key] = kv.group(2).strip()
    known = {"title", "source", "assume", "tags", "identity", "course", "author", "date"}
    for key in sorted((set(values) | set(lists)) - known - SITE_KEYS):
        # a blog's or a site generator's own keys are not ours and are left alone; a key that looks like one of
        # ours misspelt (asume, titel, assumptions) would silently drop what it says, so it is an error
        close = difflib.get_close_matches(key.lower(), sorted(known), 1, 0.75)
        if close or key.lower().startswith("assum"):
            hint = close[0] if close else "assume"
            raise InputError(f"{path}: unknown front matter key '{key}' — did you mean '{hint}'? "
                             f"(expected one of {', '.join(sorted(known))})")  # fmt: skip
    tags = tuple(t.strip() for t in values.get("tags", "").strip("[]").split(",") if t.strip())
    tags += tuple(t for _, t in lists.get("tags", []))
    front = FrontMatter(
        title=values.get("title", ""),
        source=values.get("source", ""),
        assume=tuple(lists.get("assume", [])),
        tags=tags,
        extra={k: v for k, v in values.items() if k in ("identity", "course", "author", "date")},
    )
    return front, end + 1


_LABEL = re.compile(r"^\s*(\d{1,2}\.(?=\s)|\((?:[A-Za-z]{1,4})\)(?=\s*[\\A-Za-z]))\s*")
_HEADING = re.compile(r"^\s*(#{1,6}\s|\\(sub)*section\*?\{|\\paragraph\{|\[[^\[\]$]{1,80}\]\s*$)")
_CASE_WORD = re.compile(r"case|if|when|for|경우|때|\(\s*[ivx]+\s*\)|\(\s*[a-d]\s*\)|^\s*\d\)", re.IGNORECASE)


def split_rows(content: str, line: int, display: int, first_offset_lines: list[int], *, origin: int = -1) -> list[Row]:
    """The rows of one display: rows of an aligned block, else the display as one row.

    ``line`` is the line of the display's first non-blank character; ``origin`` the offset of
    ``content[0]`` in the document's text (each row then records where its source is). A row's line
    is the line of its own first character. ParseError for a ``\\begin`` of rows that is never closed.
    """
    wrapped = _WRAPPER.fullmatch(content)  # \[\begin{equation}\begin{split} … \end{split}\end{equation}\]
    if wrapped:
        origin = origin + wrapped.start(2) if origin >= 0 else origin
        start = line - content[: len(content) - len(content.lstrip())].count("\n")  # the line of content[0]
        inside = wrapped.group(2)
        start += content[: wrapped.start(2)].count("\n")  # the line of inside[0]
        line = start + inside[: len(inside) - len(inside.lstrip())].count("\n")
        content = inside
    inner = content
    m = re.search(r"\\begin\{(" + "|".join(ROW_ENVS) + r")\*?\}", content)
    pieces: list[tuple[str, int]]
    if m:
        env = m.group(1)
        end = re.search(r"\\end\{" + env + r"\*?\}", content[m.end() :])
        if end is None:
            raise ParseError(f"'\\begin{{{env}}}' is never closed (expected '\\end{{{env}}}')", m.start())
        before = content[: m.start()].strip()
        after = content[m.end() + end.end() :].strip()
        if before or after.strip(" .,"):
            pieces = [(content, 0)]
        else:
            inner = content[m.end() : m.end() + end.start()]
            pieces = [(r, m.end() + p) for r, p in split_top(inner, "\\\\")]
    elif "\\\\" in content:  # a plain display broken into lines with \\ (no environment): a row each
        pieces = split_top(content, "\\\\")
    else:
        pieces = [(content, 0)]
    spaced = []
    for piece, offset in pieces:  # \\[1em]: the space after a row break, not mathematics
        m_space = _ROW_SPACING.match(piece)
        cut = m_space.end() if m_space else 0
        spaced.append((piece[cut:], offset + cut))
    pieces = spaced
    first = line - content[: len(content) - len(content.lstrip())].count("\n")  # the line of content[0]
    rows = []
    for k, (piece, offset) in enumerate(p for p in pieces if p[0].strip()):
        lead = len(piece) - len(piece.lstrip())
        row_line = first + content[: offset + lead].count("\n")
        span = (origin + offset, origin + offset + len(piece)) if origin >= 0 else (-1, -1)
        rows.extend(_rows(piece, row_line, display, k + 1, span))
    return rows


#: A display whose content is one ``equation`` (or ``displaymath``) environment: its inside is the display.
_WRAPPER = re.compile(
    r"\s*\\begin\{(equation\*?|displaymath)\}(.*)\\end\{\1\}\s*(?:(?:\\(?:label|tag\*?)\s*\{[^{}]*\}|\\(?:nonumber|notag))\s*)*",
    re.DOTALL,
)  # a \label{…} after \end{equation} (inside the $$ … $$) too
#: ``\\[1em]``: the optional space after a row break.
_ROW_SPACING = re.compile("^" + ROW_SPACING)
#: A relation between two index letters: ``i = j``, ``k \\neq i`` — a condition even after ``, \\quad``.
_INDEX_CONDITION = re.compile(r"^\s*\(?\s*[a-z]\s*(=|\\neq|\\ne)\s*[a-z]\s*\)?\s*[.,;]?\s*$")
_DEFINITION_START = re.compile(r"^\s*(\\[A-Za-z]+\{[A-Za-z]\}|\\?[A-Za-z]+)(\^\{?[^{}=]{1,4}\}?)?\s*=")
#: What starts a claim of its own after ``\quad``: an implication, or ``=`` continuing the chain.
_CLAIM_START = re.compile(
    r"^\s*(\\(Rightarrow|implies|Longrightarrow|therefore|iff|Leftrightarrow|Longleftrightarrow)(?![A-Za-z])|⇒|∴|=)"
)
#: A condition written with a word: ``\text{if } i = k``, ``\text{for } x > 0``, ``(\text{when } y = 1)``.
CONDITION = re.compile(
    r"^\s*\(?\s*\\text\{\s*(if|when|for|at|given|assuming|provided)\b[^}]*\}\s*(.+?)\)?\s*[.,;]?\s*$"
)
_SIMPLE = r"(?:-?\d+(?:\.\d+)?|\\?[A-Za-z]+(?:\{[A-Za-z]\})?(?:_\{?[A-Za-z0-9]\}?)?)"
#: A bare condition: ``i = j``, ``k \neq i``, ``x > 0``, ``y = 1``, ``y \in \{0, 1\}``, ``x \in \mathbb{R}``.
_BARE_CONDITION = re.compile(
    rf"^\s*\(?\s*{_SIMPLE}\s*(=|\\neq|\\ne|<|>|\\le|\\leq|\\ge|\\geq|\\in)\s*"
    rf"({_SIMPLE}|\\\{{[^{{}}]*\\\}}|\\mathbb\{{R\}}(?:\^\{{?\w+\}}?)?)\s*\)?\s*[.,;]?\s*$"
)


#: ``z = 0``, ``x_1 = -2.5``: a name given a number — beside a row whose left side uses it, the point it is at.
_VALUE_OF_LEFT = re.compile(r"^\s*\(?\s*(\\?[A-Za-z]+(?:_\{?[A-Za-z0-9]\}?)?)\s*=\s*-?\d+(?:\.\d+)?\s*\)?\s*[.,;]?\s*$")
#: A relation sign at any depth.
_RELATION = re.compile(r"(?<![<>!:\\])=|<|>|\\(?:le|leq|ge|geq|neq|ne|approx)(?![A-Za-z])")


#: ``(y \text{ one-hot})``, ``y \text{ is one-hot}``: a one-hot label as the row's condition.
ONE_HOT_CONDITION = re.compile(
    r"^\s*(?P<name>[^=<>]+?)\s*\\text\{\s*(?:is\s+)?(?:a\s+)?one[- ]hot(?:\s+(?:label|vector|target))?\s*\}\s*$"
)
#: ``\left(``, ``\bigl(``, …: the sizing commands before a condition's parentheses.
_SIZED = re.compile(r"\\(?:left|right|[bB]igg?[lr]?)\s*(?=[()])")


def _unwrap(piece: str) -> str:
    """A condition as written less its parentheses (sized or not) and its trailing punctuation:
    ``\\left(\\sum_k y_k = 1\\right).`` → ``\\sum_k y_k = 1``."""
    text = _SIZED.sub("", piece.strip()).strip().rstrip(".,;").strip()
    while text.startswith("(") and text.endswith(")") and _balanced(text[1:-1]):
        text = text[1:-1].strip()
    return text


def _balanced(text: str) -> bool:
    """Every ``(`` of ``text`` closed in order (``a) + (b`` is not)."""
    depth = 0
    for ch in text:
        depth += (ch == "(") - (ch == ")")
        if depth < 0:
            return False
    return depth == 0


def _names_left_side(name: str, text: str) -> bool:
    """``name`` occurs in the left side of the row's first relation (σ(z) in σ(z) = ½), and is not all of it."""
    left = text.split("=", 1)[0]
    if "=" not in text or left.strip() == name:
        return False
    return re.search(rf"(?<![A-Za-z\\]){re.escape(name)}(?![A-Za-z])", left) is not None


def _rows(piece: str, line: int, display: int, index: int, span: tuple[int, int] = (-1, -1)) -> list[Row]:
    """The row, then any claim written after ``\\quad`` in it (``… \\quad \\Rightarrow \\quad 1 - σ(x) = …``), and a
    second statement after ``, \\quad`` (``x = …, \\quad w = …``), each a row of its own."""
    source = " ".join(piece.split())
    pieces = _split_spacing(source)
    text, rest = pieces[0], pieces[1:]
    extra: list[str] = []
    kept: list[str] = []
    condition = ""
    k = 0
    while k < len(rest):
        p = rest[k].strip()
        unwrapped = _unwrap(p)  # the piece as a condition: less its parentheses and punctuation
        if _CLAIM_START.match(p):
            claim = p
            while _CLAIM_START.fullmatch(claim.strip()) and k + 1 < len(rest):  # "\Rightarrow \quad 1 - σ = …"
                k += 1
                claim += " " + rest[k].strip()
            extra.append(claim)
        elif not condition and _INDEX_CONDITION.match(p):  # "…, \quad i = j": the step's condition
            condition = unwrapped
            kept.append(p)
        elif not condition and _VALUE_OF_LEFT.match(p) and _names_left_side(_VALUE_OF_LEFT.match(p).group(1), text):
            condition = unwrapped  # σ(z) = ½, \quad z = 0: the point it holds at
            kept.append(p)
        elif not kept and not condition and text.rstrip().endswith((",", ";")) and "=" in p:
            extra.append(p)  # x = …, \quad w = …: two statements side by side
        elif not condition and (m := CONDITION.match(p)):
            condition = m.group(2).strip().rstrip(".,;")
            kept.append(p)
        elif not condition and ONE_HOT_CONDITION.match(unwrapped):
            condition = unwrapped
            kept.append(p)
        elif not condition and _BARE_CONDITION.match(p):
            condition = unwrapped
            kept.append(p)
        elif not kept and not condition and "\\text" not in p and _DEFINITION_START.match(p):
            extra.append(p)  # a definition beside the row
        elif not condition and _RELATION.search(p):
            # ‖x‖² = 1 \quad ‖x‖ = 1: a relation beside the row, neither a claim nor a definition — the row
            # holds under it, perhaps; kept as a condition the checker cannot use, never joined to the row
            condition = unwrapped
            kept.append(p)
        else:
            kept.append(p)
        k += 1
    raw = " \\quad ".join(kept)
    rows = [_row(text, source, raw, condition, line, display, index, span)]
    for claim in extra:
        rows.extend(_rows(claim, line, display, index, span))
    return rows


def _split_spacing(text: str) -> list[str]:
    """``text`` cut at every top-level ``&&``, ``\\qquad`` and ``\\quad``."""
    pieces = [text]
    for sep in ("&&", "\\qquad", "\\quad"):
        pieces = [q for p in pieces for q, _ in split_top(p, sep)]
    return [pieces[0], *[p for p in pieces[1:] if p.strip()]]


def _unbox(text: str) -> str:
    """``\\boxed{a = b}`` → ``a = b``: a box marks the result, it is not mathematics."""
    while (k := text.find("\\boxed")) >= 0:
        j = k + len("\\boxed")
        while j < len(text) and text[j].isspace():
            j += 1
        try:
            inner, after = read_group(text, j)
        except ParseError:
            return text
        text = text[:k] + inner + text[after:]
    return text


def _row(
    text: str, source: str, raw: str, condition: str, line: int, display: int, index: int, span: tuple[int, int]
) -> Row:
    text = _unbox(text)
    parts = split_top(text, "&")
    text = " ".join(p for p, _ in parts)
    label = ""
    m = _LABEL.match(text)
    if m:
        label = m.group(1)
        text = text[m.end() :]
    text = text.strip().rstrip(",;").strip()
    if text.endswith(".") and not text.endswith("\\."):  # the sentence's full stop ("= 2." is 2)
        text = text[:-1].rstrip()
    return Row(line, display, index, text, source, label, text_of(raw), raw, condition, *span)


def text_of(latex: str) -> str:
    """A justification as readable text: ``(\\because \\text{lemma (b)})`` → ``(∵ lemma (b))``."""
    s = latex.strip()
    s = re.sub(r"\\(text|mathrm|textrm|operatorname)\s*\{([^{}]*)\}", r"\2", s)
    s = s.replace("\\because", "∵").replace("\\therefore", "∴").replace("\\rightarrow", "→")
    return " ".join(s.split())


@dataclass(frozen=True)
class _Display:
    """A display found in the text: its line, its content as read, and where both are in the text.

    ``origin`` is the offset of ``content[0]`` (before the text's start for an ``align`` environment,
    whose content is read wrapped in ``aligned``); ``start``/``end`` bound the content as written.
    """

    line: int
    content: str
    origin: int
    start: int
    end: int


#: ``$$…$$`` closed on the line it opens.
_DOLLAR_PAIR = re.compile(r"\$\$([^$\n]+?)\$\$")


def _inline_double_dollars(line: str) -> str:
    """``… where $$j \\neq i$$ means …``: kramdown (Jekyll) writes inline maths between ``$$`` inside a sentence —
    a pair with words of prose beside it on its line is inline ``$…$`` (same length, same offsets); a pair on
    a line of its own (a trailing ``.`` or ``,`` allowed) stays a display."""
    if "$$" not in line:
        return line
    outside = _DOLLAR_PAIR.sub(" ", line)
    if "$$" in outside or not re.search(r"[A-Za-z]{2,}", re.sub(r"\\[A-Za-z]+", " ", outside)):
        return line  # an unpaired $$ (a display over several lines) or no prose beside the maths
    return _DOLLAR_PAIR.sub(lambda m: f" ${m.group(1)}$ ", line)


def find_displays(body: list[str], first_line: int, path: str) -> list[tuple[int, str] | Event]:
    """Displays (line, content) and events, in order."""
    return [i if isinstance(i, Event) else (i.line, i.content) for i in _scan(body, first_line, path)]


def _scan(body: list[str], first_line: int, path: str) -> list[_Display | Event]:
    """Displays and events, in order; offsets count in ``"\\n".join(body)``. InputError for an unclosed display."""
    out: list[_Display | Event] = []
    text = "\n".join(_inline_double_dollars(ln) for ln in body)
    line_starts = [0]
    for ln in body:
        line_starts.append(line_starts[-1] + len(ln) + 1)

    def line_of(pos: int) -> int:
        lo, hi = 0, len(line_starts) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if line_starts[mid] <= pos:
                lo = mid
            else:
                hi = mid - 1
        return first_line + lo

    opener = re.compile(r"\$\$|\\\[|\\begin\{(" + "|".join(DISPLAY_ENVS) + r")(\*?)\}")
    pos = 0
    while True:
        m = opener.search(text, pos)
        prose_end = m.start() if m else len(text)
        out.extend(_events(text[pos:prose_end], line_of(pos)))
        if not m:
            break
        if m.group(0) == "$$":
            close = text.find("$$", m.end())
            closer = "$$"
        elif m.group(0) == "\\[":
            close = text.find("\\]", m.end())
            closer = "\\]"
        else:
            closer = f"\\end{{{m.group(1)}{m.group(2)}}}"
            close = text.find(closer, m.end())
        if close < 0:
            raise InputError(
                f"{path}:{line_of(m.start())}: display math opened with '{m.group(0)}' is never closed "
                f"(expected '{closer}'){_missing_closer_hint(out, m.group(0))}"
            )
        content = text[m.end() : close]
        origin = m.end()
        if m.group(1) and m.group(1) != "equation":  # align/gather environment as the display: its rows are the rows
            content = f"\\begin{{aligned}}{content}\\end{{aligned}}"
            origin -= len("\\begin{aligned}")
        line = line_of(m.start()) + content[: len(content) - len(content.lstrip())].count("\n")
        out.append(_Display(line, content, origin, m.end(), close))
        pos = close + len(closer)
    return out


def _missing_closer_hint(found: list[_Display | Event], opener: str) -> str:
    """Where a closing ``$$`` is more likely missing: an earlier display that spans a blank line."""
    if opener != "$$":
        return ""
    for d in found:
        if isinstance(d, _Display) and re.search(r"\n[ \t]*\n", d.content):
            return (
                f"; the display read from line {d.line} spans a blank line: is a '$$' missing there? "
                "(each '$$' after a missing one pairs with the wrong partner)"
            )
    return ""


#: The words a case heading may have besides its formula and label ("(ii) $i \neq k$ case", "Case $i = j$:",
#: "If $i = j$:", "$i = j$인 경우"); a sentence with other words ("the delta is one if $i = j$") is prose.
_CASE_PROSE = {
    "case", "cases", "subcase", "if", "when", "for", "in", "the", "then", "now", "consider", "first", "second",
    "we", "have", "get", "obtain", "where", "this", "gives", "yields", "it", "becomes", "so", "and", "otherwise",
    "경우", "때", "인", "일", "의", "에서",
}  # fmt: skip
_CASE_KEY = {"case", "cases", "subcase", "if", "when", "for", "경우", "때"}
_CASE_LABEL = re.compile(r"\(\s*[ivx]+\s*\)|\(\s*[a-d]\s*\)|\b\d+[.):]|\b[ivx]+[.)]|\*\*|__")


def _is_case_heading(rest: str) -> bool:
    """Whether a prose line, its one formula taken out, reads as a case heading and not as a sentence."""
    labelled = bool(_CASE_LABEL.search(rest))
    words = re.findall(r"[^\W\d_]+", _CASE_LABEL.sub(" ", rest).lower())
    if len(words) > 5 or any(w not in _CASE_PROSE for w in words):
        return False
    return bool(set(words) & _CASE_KEY) or (labelled and not words)


_INLINE_PAREN = re.compile(r"\\\((.+?)\\\)")


def _case_relation(ln: str) -> str:
    """The index relation of a case heading ("Case 1: $i = j$", "When $j \\neq i$"), else ""."""
    inline = re.findall(r"(?<!\$)\$([^$]+)\$(?!\$)", ln)
    if len(inline) != 1 or not _is_case_heading(ln.replace(f"${inline[0]}$", " ")):
        return ""
    rel = inline[0].strip()
    simple = r"\\?[A-Za-z]+(\{[A-Za-z]\})?"
    return rel if re.fullmatch(rf"{simple}\s*(=|\\neq|\\ne|<|>|\\le|\\leq|\\ge|\\geq)\s*{simple}", rel) else ""


#: A line that starts an item of its own (a list entry, a quotation, a table row), not the rest of a sentence.
_ITEM_START = re.compile(r"^\s*(?:[-*+>|]|\d+[.)])\s")


def _events(prose: str, first_line: int) -> list[Event]:
    events: list[Event] = []
    joined = False  # the line before was prose a wrapped sentence may go on from
    for k, ln in enumerate(prose.split("\n")):
        if not ln.strip():
            joined = False
            continue
        if joined and not _ITEM_START.match(ln) and not _HEADING.match(ln) and not _case_relation(ln):
            # a sentence wrapped onto the next line ("Let $y \in \mathbb{R}^K$⏎be one-hot."): one event, at its
            # first line
            last = events[-1]
            events[-1] = Event(last.line, EventKind.PROSE, f"{last.text} {ln.strip()}")
            continue
        heading = _HEADING.match(ln)
        ln = _INLINE_PAREN.sub(lambda m: f"${m.group(1)}$", ln)  # \( i = j \): inline maths like $i = j$
        rel = _case_relation(ln[heading.end() :] if heading and ln.lstrip().startswith("#") else ln)
        if rel:  # "When $j \neq i$:", also as a Markdown heading ("### When $j = i$"): a case, until the next one
            events.append(Event(first_line + k, EventKind.CASE, rel))
        elif heading:
            events.append(Event(first_line + k, EventKind.HEADING, ln.strip()))
        else:
            events.append(Event(first_line + k, EventKind.PROSE, ln.strip()))
        joined = events[-1].kind is EventKind.PROSE
    return events


def read_document(path: Path) -> Document:
    """The file at ``path`` (Markdown, LaTeX, or a Jupyter notebook's Markdown cells) as front matter, rows and
    events; InputError if it cannot be read or has no display math."""
    text = read_text(path)
    if path.suffix.lower() == NOTEBOOK_SUFFIX:
        return _read_notebook(text, str(path))
    return read_string(text, str(path))


_FENCE = re.compile(r"^ {0,3}(```+|~~~+)")


def mask_non_text(lines: list[str]) -> list[str]:
    """The lines with what is not the author's text blanked (same lengths, so positions stay): fenced code
    blocks (code, not maths: a ``$$1=2$$`` in a code sample is no claim), HTML comments, and ``%`` comments."""
    out: list[str] = []
    fence = ""
    info = ""
    block: list[str] = []
    in_comment = False
    for ln in lines:
        m = _FENCE.match(ln)
        if fence:
            if m and m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence):
                out.extend(_code_block(info, block, ln))
                fence, block = "", []
            else:
                block.append(ln)
            continue
        if m and not in_comment:
            fence = m.group(1)
            info = ln[m.end() :].strip().lower()
            out.append("$$" if info == "math" else " " * len(ln))  # a math block: display maths
            continue
        chars = list(ln)
        i = 0
        while i < len(ln):
            if in_comment:
                end = ln.find("-->", i)
                stop = len(ln) if end < 0 else end + 3
                chars[i:stop] = " " * (stop - i)
                in_comment = end < 0
                i = stop
                continue
            if ln.startswith("<!--", i):
                in_comment = True
                continue
            if ln[i] == "%" and (i == 0 or ln[i - 1] != "\\"):
                chars[i:] = " " * (len(ln) - i)
                break
            i += 1
        out.append("".join(chars))
    if fence:  # a block never closed: code to the end of the file
        out.extend(" " * len(ln) for ln in block)
    return out


def _code_block(info: str, block: list[str], closing: str) -> list[str]:
    """A fenced block's lines (then its closing fence's) as the checker reads them: a ``math`` block is display
    maths; in a block of plain text (no language) with a derivative in it, each line of plain-text maths read
    one way (`plaintext.to_latex`) is a display of its own; code, and every other line, is blanked."""
    blank = [" " * len(ln) for ln in [*block, closing]]
    if info == "math":
        return [*block, "$$"]
    if info not in ("", "text", "txt", "plain"):
        return blank
    if not is_derivation(block) or any(ln.strip() and CODE.search(ln) and to_latex(ln) is None for ln in block):
        return blank  # code, or text with no derivative in it: not read
    read = [to_latex(ln) for ln in block]
    return [f"$${latex}$$" if latex is not None else " " * len(ln) for ln, latex in zip(block, read)] + [blank[-1]]


def read_string(text: str, path: str = "<text>", *, cells: tuple[tuple[int, int], ...] = ()) -> Document:
    """A derivation given as text (``path`` names it in messages); InputError if it has no display math.

    A display whose braces, ``\\left``/``\\right`` or ``\\begin``/``\\end`` do not pair up is one row with
    ``malformed`` set (the checker reports it unreadable); only the rest of the file is read as usual.
    ``cells`` is a notebook's line map (`Document.cells`).
    """
    lines = text.split("\n")
    front, start = parse_front_matter(lines, str(path))
    base = sum(len(ln) + 1 for ln in lines[:start])  # the offset of the body in the text
    items: list[Row | Event] = []
    display = 0
    for item in _scan(mask_non_text(lines[start:]), start + 1, str(path)):
        if isinstance(item, Event):
            items.append(item)
            continue
        display += 1
        origin, first, last = base + item.origin, base + item.start, base + item.end
        try:
            check_balanced(item.content)
            rows = split_rows(item.content, item.line, display, [], origin=origin)
        except ParseError as exc:
            raw = text[first:last]
            flat = " ".join(raw.split())
            at = min(max(origin + exc.pos, first), last)
            items.append(
                Row(item.line, display, 1, flat, flat, start=first, end=last, malformed=str(exc), malformed_at=at)
            )
            continue
        items.extend(replace(r, start=max(r.start, first)) for r in rows)
    if not any(isinstance(i, Row) for i in items):
        raise InputError(f"'{path}' has no display math (expected $$…$$, \\[…\\] or an align/equation environment)")
    return Document(str(path), front, tuple(items), text, cells)


def _read_notebook(raw: str, path: str) -> Document:
    """A notebook's Markdown cells as one document (`derivations.notation.notebook`), its lines mapped to cells.

    Each cell is read on its own first, so that a display or front matter left open in one cell is an
    error naming that cell, never a display that runs on into the next one.
    """
    from derivations.notation.notebook import join_cells, markdown_cells

    cells = markdown_cells(raw, path)
    for k, cell in enumerate(cells):
        where = ((cell.number, n) for n in range(1, cell.source.count("\n") + 2))
        try:
            lines = cell.source.split("\n")
            start = parse_front_matter(lines, path)[1] if k == 0 else 0
            _scan(lines[start:], start + 1, path)
        except InputError as exc:
            raise InputError(relocate(str(exc), path, tuple(where))) from None
    text, line_map = join_cells(cells)
    try:
        return read_string(text, path, cells=line_map)
    except InputError as exc:
        raise InputError(relocate(str(exc), path, line_map)) from None


def describe(line: int, cell: int | None = None) -> str:
    """``line 12``, or ``cell 4, line 3`` in a notebook."""
    return f"line {line}" if cell is None else f"cell {cell}, line {line}"


_PLACE = r"(?<![\w-])line (?P<line>\d+)"


def relocate(message: str, path: str, cells: tuple[tuple[int, int], ...]) -> str:
    """A message about a notebook's joined text with ``path:12:`` and ``line 12`` given as ``cell 4, line 3``."""

    def sub(m: re.Match[str]) -> str:
        n = int(m.group("at") or m.group("line"))
        if not 1 <= n <= len(cells):
            return m.group(0)
        cell, line = cells[n - 1]
        return f"{path}: {describe(line, cell)}" if m.group("at") else describe(line, cell)

    return re.sub(rf"{re.escape(path)}:(?P<at>\d+)(?=:)|{_PLACE}", sub, message)


@dataclass(frozen=True)
class Prose:
    """Text between displays as the author wrote it (comments and code blocks included), from ``line`` on."""

    line: int
    text: str


@dataclass(frozen=True)
class DisplayBlock:
    """The ``display``-th display of the document (1-based, as `Row.display` counts), from ``line`` on."""

    line: int
    display: int
    text: str


def layout(doc: Document) -> list[Prose | DisplayBlock]:
    """The body of ``doc`` in order: prose and displays, as the handout shows them (the notes as written)."""
    lines = doc.text.split("\n")
    _, start = parse_front_matter(lines, doc.path)
    masked = mask_non_text(lines[start:])
    body = "\n".join(lines[start:])
    out: list[Prose | DisplayBlock] = []
    pos, line, display = 0, start + 1, 0
    for item in _scan(masked, start + 1, doc.path):
        if isinstance(item, Event):
            continue
        display += 1
        opener = body.rfind("\n", 0, item.start) + 1  # the display begins on its opener's line
        first = _opener_start(body, item.start)
        if first > pos:
            out.append(Prose(line, body[pos:first]))
        close = item.end
        closer = re.match(r"\$\$|\\\]|\\end\{[^}]*\}", body[close:])
        end = close + (closer.end() if closer else 0)
        out.append(DisplayBlock(start + 1 + body.count("\n", 0, opener), display, body[first:end]))
        pos = end
        line = start + 1 + body.count("\n", 0, pos)
    if pos < len(body):
        out.append(Prose(line, body[pos:]))
    return out


def _opener_start(body: str, content_start: int) -> int:
    """Where the opener (``$$``, ``\\[``, ``\\begin{…}``) ending at ``content_start`` begins."""
    m = re.search(r"(\$\$|\\\[|\\begin\{[^}]*\})$", body[:content_start])
    return m.start() if m else content_start
