"""The author's own commands: ``\\newcommand``, ``\\renewcommand``, ``\\def``, ``\\gdef``, ``\\DeclareMathOperator``.

Notes often abbreviate: ``\\newcommand{\\pd}[2]{\\frac{\\partial #1}{\\partial #2}}``, ``\\def\\R{\\mathbb{R}}``,
``\\DeclareMathOperator{\\softmax}{softmax}``. The definitions are collected from the whole file (prose,
preamble and displays alike) and each formula is expanded before it is read. Expansion is textual and
bounded — at most `MAX_EXPANSIONS` replacements and `MAX_LENGTH` characters per formula — so a macro that
calls itself, or one that doubles at every level, makes its formula unreadable instead of hanging.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from derivations.errors import ParseError
from derivations.notation.layout import read_group

MAX_EXPANSIONS = 200
MAX_LENGTH = 4000
MAX_ARGS = 9

_DEFINER = re.compile(
    r"\\(?P<kind>newcommand|renewcommand|providecommand|DeclareMathOperator|def|gdef|edef|xdef)(?P<star>\*?)(?![A-Za-z])"
)
_NAME = re.compile(r"\\([A-Za-z]+)")


@dataclass(frozen=True)
class Macro:
    """``\\name`` with ``args`` parameters (``#1`` …), the first optional with ``default``, standing for ``body``."""

    name: str
    args: int
    body: str
    default: str | None = None


def _group(text: str, i: int) -> tuple[str, int] | None:
    """The balanced ``{…}`` group starting at ``text[i]`` (its inside) and the index after it; None if none."""
    try:
        return read_group(text, i)
    except ParseError:
        return None


def _skip_space(text: str, i: int) -> int:
    while i < len(text) and text[i] in " \t\n":
        i += 1
    return i


def _definition(text: str, m: re.Match[str]) -> tuple[Macro, int] | None:
    """The macro a definer at ``m`` defines, and where its definition ends; None if it is not well formed."""
    kind = m.group("kind")
    i = _skip_space(text, m.end())
    if kind in ("def", "gdef", "edef", "xdef"):
        nm = _NAME.match(text, i)
        if nm is None:
            return None
        i = nm.end()
        params = re.match(r"(?:#[1-9])*", text[i:])
        args = len(params.group(0)) // 2 if params else 0
        i += len(params.group(0)) if params else 0
        body = _group(text, _skip_space(text, i))
        if body is None:
            return None
        return Macro(nm.group(1), args, body[0]), body[1]
    braced = _group(text, i)
    if braced is not None:
        nm = _NAME.fullmatch(braced[0].strip())
        i = braced[1]
    else:
        nm = _NAME.match(text, i)
        i = nm.end() if nm else i
    if nm is None:
        return None
    i = _skip_space(text, i)
    if kind == "DeclareMathOperator":
        body = _group(text, i)
        if body is None:
            return None
        return Macro(nm.group(1), 0, f"\\operatorname{{{body[0]}}}"), body[1]
    args = 0
    default = None
    am = re.match(r"\[\s*([1-9])\s*\]", text[i:])
    if am:
        args = int(am.group(1))
        i = _skip_space(text, i + am.end())
        dm = re.match(r"\[([^\]]*)\]", text[i:])
        if dm:
            default = dm.group(1)
            i = _skip_space(text, i + dm.end())
    body = _group(text, i)
    if body is None:
        return None
    return Macro(nm.group(1), args, body[0], default), body[1]


def collect(texts: list[str], macros: dict[str, Macro] | None = None) -> dict[str, Macro]:
    """Every macro the texts define, in order (a later definition of a name replaces the earlier)."""
    out = dict(macros or {})
    for text in texts:
        for m in _DEFINER.finditer(text):
            found = _definition(text, m)
            if found is not None:
                out[found[0].name] = found[0]
    return out


def strip_definitions(text: str) -> str:
    """``text`` without the macro definitions in it (a display that only defines macros becomes empty)."""
    out = []
    i = 0
    for m in _DEFINER.finditer(text):
        if m.start() < i:
            continue
        found = _definition(text, m)
        if found is None:
            continue
        out.append(text[i : m.start()])
        i = found[1]
    out.append(text[i:])
    return "".join(out)


def _argument(text: str, i: int) -> tuple[str, int] | None:
    """One macro argument at ``text[i]``: a braced group, a command, or one character."""
    i = _skip_space(text, i)
    if i >= len(text):
        return None
    group = _group(text, i)
    if group is not None:
        return group
    if text[i] == "\\":
        nm = _NAME.match(text, i)
        if nm:
            return nm.group(0), nm.end()
        return text[i : i + 2], i + 2
    if text[i] == "}":
        return None
    return text[i], i + 1


def _substitute(body: str, args: list[str]) -> str:
    """The body with ``#k`` replaced by argument k."""
    return re.sub(r"#([1-9])", lambda g: args[int(g.group(1)) - 1] if int(g.group(1)) <= len(args) else "", body)


def expand(text: str, macros: dict[str, Macro]) -> str:
    """``text`` with every use of a macro replaced by its body (arguments put in for ``#1`` …), repeatedly.

    Raises ParseError (with the position of the use) when a use lacks its arguments or expansion runs away.
    """
    if not macros:
        return text
    count = 0
    i = 0
    while True:
        m = _NAME.search(text, i)
        if m is None:
            return text
        macro = macros.get(m.group(1))
        if macro is None:
            i = m.end()
            continue
        count += 1
        if count > MAX_EXPANSIONS or len(text) > MAX_LENGTH:
            raise ParseError(f"the macro '\\{macro.name}' expands without end (or too far)", m.start())
        k = m.end()
        args: list[str] = []
        if macro.default is not None:
            om = re.match(r"\s*\[([^\]]*)\]", text[k:])
            if om:
                args.append(om.group(1))
                k += om.end()
            else:
                args.append(macro.default)
        while len(args) < macro.args:
            got = _argument(text, k)
            if got is None:
                raise ParseError(f"the macro '\\{macro.name}' needs {macro.args} argument(s)", m.start())
            args.append(got[0])
            k = got[1]
        body = _substitute(macro.body, args)
        if re.match(r"[A-Za-z]", text[k : k + 1]) and body and body[-1].isalpha():
            body += " "  # \s x with \s = \sigma: the body must not run into the next letter
        text = text[: m.start()] + body + text[k:]  # textual, as TeX does it
        i = m.start()
