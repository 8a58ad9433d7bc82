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

import re
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from derivations.errors import InputError, ParseError
from derivations.notation.layout import check_balanced, read_group, split_top

MAX_FILE_BYTES = 2_000_000
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
    path: str
    front: FrontMatter
    items: tuple[Row | Event, ...]

    @property
    def rows(self) -> list[Row]:
        return [i for i in self.items if isinstance(i, Row)]


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
    known = {"title", "source", "assume", "tags", "identity"}
    unknown = sorted((set(values) | set(lists)) - known)
    if unknown:
        raise InputError(
            f"{path}: unknown front matter key '{unknown[0]}' (expected one of {', '.join(sorted(known))})"
        )
    tags = tuple(t.strip() for t in values.get("tags", "").strip("[]").split(",") if t.strip())
    tags += tuple(t for _, t in lists.get("tags", []))
    front = FrontMatter(
        title=values.get("title", ""),
        source=values.get("source", ""),
        assume=tuple(lists.get("assume", [])),
        tags=tags,
        extra={k: v for k, v in values.items() if k == "identity"},
    )
    return front, end + 1


_LABEL = re.compile(r"^\s*(\d{1,2}\.(?=\s)|\((?:[A-Za-z]{1,4})\)(?=\s*[\\A-Za-z]))\s*")
_HEADING = re.compile(r"^\s*(#{1,6}\s|\\(sub)*section\*?\{|\\paragraph\{|\[[^\[\]$]{1,80}\]\s*$)")
_CASE_WORD = re.compile(r"case|if|when|for|경우|때|\(\s*[ivx]+\s*\)|\(\s*[a-d]\s*\)|^\s*\d\)", re.IGNORECASE)


def split_rows(content: str, line: int, display: int, first_offset_lines: list[int]) -> list[Row]:
    """The rows of one display: rows of an aligned block, else the display as one row."""
    inner = content
    m = re.search(r"\\begin\{(" + "|".join(ROW_ENVS) + r")\*?\}", content)
    pieces: list[tuple[str, int]]
    if m:
        env = m.group(1)
        end = re.search(r"\\end\{" + env + r"\*?\}", content[m.end() :])
        if end is None:
            raise InputError(f"line {line}: '\\begin{{{env}}}' is never closed (expected '\\end{{{env}}}')")
        before = content[: m.start()].strip()
        after = content[m.end() + end.end() :].strip()
        if before or after.strip(" .,"):
            pieces = [(content, 0)]
        else:
            inner = content[m.end() : m.end() + end.start()]
            pieces = [(r, m.end() + p) for r, p in split_top(inner, "\\\\")]
    else:
        pieces = [(content, 0)]
    rows = []
    for k, (piece, offset) in enumerate(p for p in pieces if p[0].strip()):
        row_line = line + content[:offset].count("\n")
        rows.extend(_rows(piece, row_line, display, k + 1))
    return rows


_DEFINITION_START = re.compile(r"^\s*(\\[A-Za-z]+\{[A-Za-z]\}|\\?[A-Za-z]+)(\^\{?[^{}=]{1,4}\}?)?\s*=")
#: What starts a claim of its own after ``\quad``: an implication, or ``=`` continuing the chain.
_CLAIM_START = re.compile(
    r"^\s*(\\(Rightarrow|implies|Longrightarrow|therefore|iff|Leftrightarrow|Longleftrightarrow)(?![A-Za-z])|⇒|∴|=)"
)
#: A condition written with a word: ``\text{if } i = k``, ``\text{for } x > 0``, ``(\text{when } y = 1)``.
CONDITION = re.compile(r"^\s*\(?\s*\\text\{\s*(if|when|for|given|assuming|provided)\b[^}]*\}\s*(.+?)\)?\s*[.,;]?\s*$")
_SIMPLE = r"(?:-?\d+(?:\.\d+)?|\\?[A-Za-z]+(?:\{[A-Za-z]\})?(?:_\{?[A-Za-z0-9]\}?)?)"
#: A bare condition: ``i = j``, ``k \neq i``, ``x > 0``, ``y = 1``, ``y \in \{0, 1\}``, ``x \in \mathbb{R}``.
_BARE_CONDITION = re.compile(
    rf"^\s*\(?\s*{_SIMPLE}\s*(=|\\neq|\\ne|<|>|\\le|\\leq|\\ge|\\geq|\\in)\s*"
    rf"({_SIMPLE}|\\\{{[^{{}}]*\\\}}|\\mathbb\{{R\}}(?:\^\{{?\w+\}}?)?)\s*\)?\s*[.,;]?\s*$"
)


def _rows(piece: str, line: int, display: int, index: int) -> list[Row]:
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
        if _CLAIM_START.match(p):
            claim = p
            while _CLAIM_START.fullmatch(claim.strip()) and k + 1 < len(rest):  # "\Rightarrow \quad 1 - σ = …"
                k += 1
                claim += " " + rest[k].strip()
            extra.append(claim)
        elif not kept and not condition and text.rstrip().endswith((",", ";")) and "=" in p:
            extra.append(p)  # x = …, \quad w = …: two statements side by side
        elif not condition and (m := CONDITION.match(p)):
            condition = m.group(2).strip().rstrip(".,;")
            kept.append(p)
        elif not condition and _BARE_CONDITION.match(p):
            condition = p.strip().strip("()").rstrip(".,;").strip()
            kept.append(p)
        elif not kept and not condition and "\\text" not in p and _DEFINITION_START.match(p):
            extra.append(p)  # a definition beside the row
        else:
            kept.append(p)
        k += 1
    raw = " \\quad ".join(kept)
    rows = [_row(text, source, raw, condition, line, display, index)]
    for claim in extra:
        rows.extend(_rows(claim, line, display, index))
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


def _row(text: str, source: str, raw: str, condition: str, line: int, display: int, index: int) -> Row:
    text = _unbox(text)
    parts = split_top(text, "&")
    text = " ".join(p for p, _ in parts)
    label = ""
    m = _LABEL.match(text)
    if m:
        label = m.group(1)
        text = text[m.end() :]
    text = text.strip().rstrip(",;").strip()
    if text.endswith(".") and not re.search(r"\d\.$", text):
        text = text[:-1].rstrip()
    return Row(line, display, index, text, source, label, text_of(raw), raw, condition)


def text_of(latex: str) -> str:
    """A justification as readable text: ``(\\because \\text{lemma (b)})`` → ``(∵ lemma (b))``."""
    s = latex.strip()
    s = re.sub(r"\\(text|mathrm|textrm|operatorname)\s*\{([^{}]*)\}", r"\2", s)
    s = s.replace("\\because", "∵").replace("\\therefore", "∴").replace("\\rightarrow", "→")
    return " ".join(s.split())


def find_displays(body: list[str], first_line: int, path: str) -> list[tuple[int, str] | Event]:
    """Displays (line, content) and events, in order."""
    out: list[tuple[int, str] | Event] = []
    text = "\n".join(body)
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
                f"(expected '{closer}')"
            )
        content = text[m.end() : close]
        if m.group(1):  # align/gather environment as the display: its rows are the rows
            content = f"\\begin{{aligned}}{content}\\end{{aligned}}" if m.group(1) != "equation" else content
        line = line_of(m.start()) + content[: len(content) - len(content.lstrip())].count("\n")
        out.append((line, content))
        pos = close + len(closer)
    return out


#: The words a case heading may have besides its formula and label ("(ii) $i \neq k$ case", "Case $i = j$:",
#: "If $i = j$:", "$i = j$인 경우"); a sentence with other words ("the delta is one if $i = j$") is prose.
_CASE_PROSE = {
    "case", "cases", "subcase", "if", "when", "for", "in", "the", "then", "now", "consider", "first", "second",
    "we", "have", "get", "obtain", "where",
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


def _events(prose: str, first_line: int) -> list[Event]:
    events = []
    for k, ln in enumerate(prose.split("\n")):
        if not ln.strip():
            continue
        if _HEADING.match(ln):
            events.append(Event(first_line + k, EventKind.HEADING, ln.strip()))
            continue
        inline = re.findall(r"(?<!\$)\$([^$]+)\$(?!\$)", ln)
        if len(inline) == 1 and _is_case_heading(ln.replace(f"${inline[0]}$", " ")):
            rel = inline[0].strip()
            if re.fullmatch(
                r"\\?[A-Za-z]+(\{[A-Za-z]\})?\s*(=|\\neq|\\ne|<|>|\\le|\\leq|\\ge|\\geq)\s*"
                r"\\?[A-Za-z]+(\{[A-Za-z]\})?",
                rel,
            ):
                events.append(Event(first_line + k, EventKind.CASE, rel))
                continue
        events.append(Event(first_line + k, EventKind.PROSE, ln.strip()))
    return events


def read_document(path: Path) -> Document:
    """The file at ``path`` as front matter, rows and events; InputError if it has no display math."""
    return read_string(read_text(path), str(path))


def read_string(text: str, path: str = "<text>") -> Document:
    """A derivation given as text (``path`` names it in messages); InputError if it has no display math."""
    lines = text.split("\n")
    front, start = parse_front_matter(lines, str(path))
    found = find_displays(lines[start:], start + 1, str(path))
    items: list[Row | Event] = []
    display = 0
    for item in found:
        if isinstance(item, Event):
            items.append(item)
            continue
        line, content = item
        display += 1
        try:
            check_balanced(content)
        except ParseError as exc:
            at = line + content[: exc.pos].count("\n")
            col = exc.pos - (content.rfind("\n", 0, exc.pos) + 1) + 1
            raise InputError(f"{path}:{at}: malformed LaTeX at column {col} of the formula: {exc}") from None
        try:
            items.extend(split_rows(content, line, display, []))
        except InputError as exc:
            raise InputError(f"{path}:{exc}") from None
    if not any(isinstance(i, Row) for i in items):
        raise InputError(f"'{path}' has no display math (expected $$…$$, \\[…\\] or an align/equation environment)")
    return Document(str(path), front, tuple(items))
