"""Layout of LaTeX text: balanced groups, splits at top-level separators, and delimiter checks."""

from __future__ import annotations

import re

from derivations.errors import ParseError

#: ``[0.6em]`` after a row break ``\\\\``: the space TeX leaves there (no mathematics).
ROW_SPACING = r"\s*\[\s*-?[\d.]+\s*(?:em|ex|pt|mm|cm|in|mu|bp|pc)\s*\]"


def read_group(text: str, pos: int, open_: str = "{", close: str = "}") -> tuple[str, int]:
    """The content of the balanced group starting at text[pos] == open_, and the position after it."""
    if pos >= len(text) or text[pos] != open_:
        raise ParseError(f"expected '{open_}'", pos)
    depth = 0
    i = pos
    while i < len(text):
        c = text[i]
        if c == "\\":
            i += 2
            continue
        if c == open_:
            depth += 1
        elif c == close:
            depth -= 1
            if depth == 0:
                return text[pos + 1 : i], i + 1
        i += 1
    raise ParseError(f"'{open_}' is never closed (expected '{close}')", pos)


def split_top(text: str, sep: str) -> list[tuple[str, int]]:
    """Split ``text`` at ``sep`` outside braces and environments; pieces with their offsets."""
    out = []
    depth = 0
    env = 0
    start = 0
    i = 0
    while i < len(text):
        if text.startswith("\\begin", i):
            env += 1
            i += 6
            continue
        if text.startswith("\\end", i):
            env -= 1
            i += 4
            continue
        c = text[i]
        if text.startswith(sep, i) and depth == 0 and env == 0:
            if sep != "&" or not text.startswith("\\&", i - 1):
                out.append((text[start:i], start))
                i += len(sep)
                start = i
                continue
        if c == "\\":
            if text.startswith("\\\\", i) and sep != "\\\\":
                i += 2
                continue
            if i + 1 < len(text) and text[i + 1] in "{}":
                i += 2
                continue
            i += 1
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
        i += 1
    out.append((text[start:], start))
    return out


def check_balanced(text: str) -> None:
    """ParseError unless braces, ``\\left``/``\\right`` and ``\\begin``/``\\end`` pair up (malformed LaTeX).

    The error is at what is left open (``pos`` is where it opens) or at what closes nothing.
    """
    stack: list[tuple[str, int, str]] = []  # (what closes it, where it opens, how it opens)
    i = 0
    while i < len(text):
        c = text[i]
        if c == "\\":
            m = re.match(r"\\(begin|end)\s*\{([^{}]*)\}", text[i:])
            if m:
                if m.group(1) == "begin":
                    stack.append((f"\\end{{{m.group(2)}}}", i, m.group(0)))
                else:
                    want = f"\\end{{{m.group(2)}}}"
                    if not stack:
                        raise ParseError(f"'{want}' closes nothing (no '\\begin{{{m.group(2)}}}' before it)", i)
                    if stack[-1][0] != want:
                        raise ParseError(f"'{want}' where '{stack[-1][0]}' is expected first", i)
                    stack.pop()
                i += m.end()
                continue
            m = re.match(r"\\(left|right)\b\s*(\\[{}|]|\\[a-z]+|.)", text[i:])
            if m:
                if m.group(1) == "left":
                    stack.append(("\\right", i, m.group(0)))
                elif not stack or stack[-1][0] != "\\right":
                    raise ParseError(f"'{m.group(0)}' without '\\left' before it", i)
                else:
                    stack.pop()
                i += m.end()
                continue
            i += 2
            continue
        if c == "{":
            stack.append(("}", i, "{"))
        elif c == "}":
            if not stack:
                raise ParseError("'}' with no '{' before it", i)
            if stack[-1][0] != "}":
                raise ParseError(f"'}}' where '{stack[-1][0]}' is expected first", i)
            stack.pop()
        i += 1
    if stack:
        want, pos, opener = stack[-1]
        raise ParseError(f"'{opener}' is never closed (expected '{want}')", pos)
