"""Tokens of one formula row: commands, names, numbers, text and operators, with their offsets.

Which commands are spacing, sizing, text, decorations, letters, relations or functions is read from
the vocabulary (`derivations.notation.vocabulary`); this module only cuts the row into pieces.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from derivations.errors import ParseError
from derivations.notation.layout import read_group
from derivations.notation.vocabulary import VOCABULARY, Role

MAX_DIGITS = 6  # before the point: 10^6 bounds what an integer can blow up
MAX_DECIMALS = 20  # after it: a written rounding (1000.6931) is exact and harmless


class Kind(Enum):
    """What a token is."""

    NUM = "num"
    NAME = "name"
    CMD = "cmd"
    TEXT = "text"
    OP = "op"
    BEGIN = "begin"
    END = "end"
    EOF = "eof"


@dataclass(frozen=True)
class Token:
    """One token: its kind, its text (a command without its backslash), and where it starts and ends."""

    kind: Kind
    text: str
    pos: int
    end: int = -1

    def is_op(self, *texts: str) -> bool:
        """An operator token, one of ``texts`` if given."""
        return self.kind is Kind.OP and (not texts or self.text in texts)

    def is_cmd(self, *names: str) -> bool:
        """A command token, one of ``names`` if given."""
        return self.kind is Kind.CMD and (not names or self.text in names)


SPACING_SYMBOLS = frozenset({",", ";", ":", "!", " "})  # \, \; \: \! and "\ "
SPACING = VOCABULARY.commands_of(Role.SPACING)
SIZING = VOCABULARY.commands_of(Role.SIZING)
TEXTUAL = VOCABULARY.commands_of(Role.TEXT)
OPERATORS = "+-*/=()[]{}^_',|&<>!?;:"
#: Characters written directly instead of their command, as they are read.
UNICODE = {"−": "-", "·": "\\cdot ", "×": "\\times ", "σ": "\\sigma ", "θ": "\\theta ", "∂": "\\partial ",
           "≠": "\\neq ", "∑": "\\sum ", "α": "\\alpha ", "⇒": "\\Rightarrow ", "∴": "\\therefore ",
           "‖": "\\|"}  # fmt: skip


def replace_unicode(text: str) -> str:
    """The row with directly written symbols (σ, −, ⇒ …) replaced by their commands."""
    for u, repl in UNICODE.items():
        text = text.replace(u, repl)
    return text


def _between_operands(text: str, i: int, tokens: list[Token]) -> bool:
    """A single '.' right after a name, number or closing bracket and right before a name, a command or an
    opening bracket (no spaces, no second dot): the product ``W.a``, never an ellipsis or a full stop."""
    if not tokens or text[i - 1 : i].isspace() or text[i + 1 : i + 2] in ("", ".", " ") or text[i - 1 : i] == ".":
        return False
    last = tokens[-1]
    before = last.kind in (Kind.NAME, Kind.NUM) or (last.kind is Kind.OP and last.text in ")]}")
    after = text[i + 1].isalpha() or text[i + 1] in "\\(["
    return before and after


#: The operator of ``\\right|_{x=0}`` (also ``\\Big|_{…}``): the expression before it, evaluated at the point.
AT = "|_"
#: A norm's bar: ``\|``, ``\lVert``, ``\rVert``, ``\Vert``, ``‖``.
NORM = "‖"
LEFT_DOT = "\\left."


def tokenize(text: str) -> list[Token]:
    """Tokens of one row; spacing and sizing commands dropped, ``\\text{…}`` kept whole, an EOF at the end."""
    text = replace_unicode(text)
    tokens: list[Token] = []
    i = 0
    n = len(text)
    while i < n:
        c = text[i]
        if c.isspace() or c == "~":
            i += 1
            continue
        if c == "\\":
            m = re.match(r"\\([A-Za-z]+)\*?", text[i:])
            if not m:
                sym = text[i + 1 : i + 2]
                if sym in SPACING_SYMBOLS:
                    i += 2
                    continue
                if sym == "\\":
                    tokens.append(Token(Kind.OP, "\\\\", i, i + 2))
                elif sym == "|":
                    tokens.append(Token(Kind.OP, NORM, i, i + 2))  # \|x\|: a norm's bar
                elif sym == "":
                    raise ParseError("a lone '\\' at the end of the formula", i)
                elif sym in "{}":
                    tokens.append(Token(Kind.OP, {"{": "(", "}": ")"}[sym], i, i + 2))
                else:
                    raise ParseError(f"unexpected '\\{sym}'", i)
                i += 2
                continue
            name = m.group(1)
            end = i + m.end()
            if name in SIZING:
                j = end
                while j < n and text[j].isspace():
                    j += 1
                if name == "left" and text[j : j + 1] == ".":  # \left. … \right|_{x=0}: where the evaluation starts
                    tokens.append(Token(Kind.OP, LEFT_DOT, i, j + 1))
                    i = j + 1
                    continue
                if name != "left" and text[j : j + 1] in ("|", ".") and text[j + 1 :].lstrip().startswith("_"):
                    tokens.append(Token(Kind.OP, AT, i, j + 1))  # \right|_{x=0}: evaluated at
                    i = j + 1
                    continue
                if name == "right" and text[j : j + 1] == ".":
                    i = j + 1
                    continue
                i = end
                continue
            if name in SPACING:
                i = end
                continue
            if name == "not" and text[end : end + 1] == "=":  # \not= is ≠
                tokens.append(Token(Kind.CMD, "neq", i, end + 1))
                i = end + 1
                continue
            if name in ("color", "textcolor"):  # \color{red} x, \textcolor{red}{x}: the colour is not mathematics
                j = end
                while j < n and text[j].isspace():
                    j += 1
                _, i = read_group(text, j)
                continue
            if name in ("tag", "label"):  # \tag{3}, \label{eq:loss}: numbering, not mathematics
                j = end
                while j < n and text[j].isspace():
                    j += 1
                _, i = read_group(text, j)
                continue
            if name in TEXTUAL:
                j = end
                while j < n and text[j].isspace():
                    j += 1
                content, after = read_group(text, j)
                tokens.append(Token(Kind.TEXT, content.strip(), i, after))
                i = after
                continue
            if name in ("Vert", "lVert", "rVert"):  # \lVert x \rVert: a norm's bars
                tokens.append(Token(Kind.OP, NORM, i, end))
                i = end
                continue
            if name in ("begin", "end"):
                content, after = read_group(text, end)
                tokens.append(Token(Kind.BEGIN if name == "begin" else Kind.END, content.strip().rstrip("*"), i, after))
                i = after
                continue
            tokens.append(Token(Kind.CMD, name, i, end))
            i = end
            continue
        if c.isdigit() or (c == "." and i + 1 < n and text[i + 1].isdigit()):
            if c == "." and i > 0 and (text[i - 1].isalnum() or text[i - 1] in ")}]"):
                raise ParseError("'x.5': a product x·5 or the decimal 0.5? (write x \\cdot 5 or 0.5 x)", i)
            m = re.match(r"\d*\.?\d+|\d+", text[i:])
            assert m is not None
            whole, _, fraction = m.group(0).partition(".")
            if len(whole) > MAX_DIGITS or len(fraction) > MAX_DECIMALS:
                raise ParseError(f"number with more than {MAX_DIGITS} digits (or {MAX_DECIMALS} decimals)", i)
            tokens.append(Token(Kind.NUM, m.group(0), i, i + m.end()))
            i += m.end()
            continue
        if c.isalpha():
            m = re.match(r"[A-Za-z]+", text[i:])
            if not m:  # a non-ASCII letter (Hangul in an equation): not notation we know
                raise ParseError(f"unexpected character '{c}'", i)
            tokens.extend(_split_letters(m.group(0), i))
            i += m.end()
            continue
        if c in OPERATORS:
            if c == "<" and text[i : i + 2] == "<=":
                tokens.append(Token(Kind.CMD, "le", i, i + 2))
                i += 2
                continue
            tokens.append(Token(Kind.OP, c, i, i + 1))
            i += 1
            continue
        if text.startswith("...", i) or c == "…":  # x_1 + ... + x_n: an ellipsis, as \dots
            width = 3 if c == "." else 1
            while text.startswith(".", i + width):
                width += 1
            tokens.append(Token(Kind.CMD, "dots", i, i + width))
            i += width
            continue
        if c == "." and _between_operands(text, i, tokens):  # W_2.a_1: a product written with a full stop
            tokens.append(Token(Kind.CMD, "cdot", i, i + 1))
            i += 1
            continue
        raise ParseError(f"unexpected character '{c}'", i)
    tokens.append(Token(Kind.EOF, "", n, n))
    return tokens


def _split_letters(run: str, pos: int) -> list[Token]:
    """A run of letters: a function's word (``softmax``) or an upper-case run (``MSE``) is one name; else letters."""
    if VOCABULARY.function_word(run) is not None:
        return [Token(Kind.NAME, run, pos, pos + len(run))]
    return [
        Token(Kind.NAME, m.group(0), pos + m.start(), pos + m.end()) for m in re.finditer(r"[A-Z]{2,}|[A-Za-z]", run)
    ]
