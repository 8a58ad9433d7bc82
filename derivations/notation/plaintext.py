"""Maths written as plain text in a code block (``dσ/dz = σ(1 - σ)``, ``e^-x``) turned into the notes' LaTeX
— only where the text can be read one way.

A line is read when it is a relation (it has ``=``), uses only names, numbers, ``+ - * / ^ ( ) ,``, the
functions of the notation and ``d…/d…`` or ``∂…/∂…`` derivatives. It is left alone (None) if it looks like
code (``np.exp``, ``def``, ``==``, ``[``, ``#`` …) or if its reading is open: ``a / b * c`` and ``a / b / c``
(is the ``*c`` in the denominator?), ``-x^2`` is read as −(x²) as everywhere, and ``e^-x`` is e^{−x}.
"""

from __future__ import annotations

import re

FUNCTIONS = {
    "exp": "\\exp",
    "log": "\\log",
    "ln": "\\ln",
    "tanh": "\\tanh",
    "sigma": "\\sigma",
    "σ": "\\sigma",
    "sigmoid": "\\sigma",
    "sqrt": "\\sqrt",
    "softmax": "\\operatorname{softmax}",
    "relu": "\\text{ReLU}",
    "ReLU": "\\text{ReLU}",
}
GREEK = {"δ": "\\delta", "θ": "\\theta", "η": "\\eta", "λ": "\\lambda", "α": "\\alpha", "β": "\\beta"}
CODE = re.compile(
    r"np\.|torch\.|math\.|\bdef\b|\breturn\b|\bimport\b|\bprint\b|==|!=|\[|\]|#|:\s*$|;|\bfor\b|\bin\b|\+=|\"|'"
)
TOKEN = re.compile(r"\s*(?:(?P<num>\d+(?:\.\d+)?)|(?P<name>[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)?|[σδθηλαβ])"
                   r"|(?P<op>[-+*/^(),=']))")  # fmt: skip
DERIVATIVE = re.compile(r"(?<![A-Za-z])(d|∂)\s*([A-Za-zσδθ][A-Za-z0-9_]*)\s*/\s*(d|∂)\s*([A-Za-zσδθ][A-Za-z0-9_]*)")


def _name(text: str) -> str:
    if text in GREEK:
        return GREEK[text]
    if text in ("σ", "sigma"):
        return "\\sigma"
    if "_" in text:
        base, sub = text.split("_", 1)
        return f"{_name(base)}_{{{sub}}}"
    if len(text) > 1:
        return f"\\text{{{text}}}"  # loss, grad, MSE: a word is one name
    return text


def _tokens(text: str) -> list[tuple[str, str]] | None:
    out, pos = [], 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        m = TOKEN.match(text, pos)
        if m is None:
            return None
        kind = m.lastgroup or ""
        out.append((kind, m.group(kind)))
        pos = m.end()
    return out


def is_derivation(lines: list[str]) -> bool:
    """Whether a block of plain text derives something: a line with a derivative (dL/dw, ∂L/∂w)."""
    return any(DERIVATIVE.search(ln) for ln in lines)


def _ambiguous_division(tokens: list[tuple[str, str]]) -> bool:
    """a / b * c, a / b / c, a / b c: after a division, another product or division at the same depth."""
    depth, after_division = 0, False
    prev_operand = False
    for kind, text in tokens:
        if text == "(":
            if after_division and depth == 0 and prev_operand:
                return True  # a / b (c): is (c) in the denominator?
            depth += 1
            prev_operand = False
            continue
        if text == ")":
            depth -= 1
            prev_operand = True
            continue
        if depth:
            continue
        if text in ("+", "-", "=", ","):
            after_division = False
            prev_operand = False
            continue
        if text in ("*", "/"):
            if after_division:
                return True
            after_division = text == "/"
            prev_operand = False
            continue
        if kind in ("num", "name") and after_division and prev_operand:
            return True  # a / b c
        prev_operand = kind in ("num", "name")
    return False


def to_latex(line: str) -> str | None:
    """The LaTeX of one plain-text line of maths, or None where it is not maths or not read one way."""
    text = line.strip()
    if "=" not in text or CODE.search(re.sub(r"(?<=[A-Za-zσ])'+(?=\()", "", text)):
        return None
    derivatives: list[str] = []

    def mark(m: re.Match[str]) -> str:
        d1, f, d2, x = m.groups()
        op = "\\partial" if "∂" in (d1, d2) else "d"
        derivatives.append(f"\\frac{{{op} {_name(f)}}}{{{op} {_name(x)}}}")
        return f" D{len(derivatives) - 1}D "

    left = text.split("=", 1)[0].strip()
    if re.fullmatch(r"[A-Za-z]\w*", left) and re.search(
        rf"(?<![\w.]){re.escape(left)}(?![\w(])", text.split("=", 1)[1]
    ):
        return None  # w = w - lr * grad: an update, not an identity
    text = DERIVATIVE.sub(mark, text)
    if re.search(r"/\s*(?:d|∂)\s*[A-Za-zσδθ]", text) or "∂" in text:
        return None  # d tanh(x)/dx: a derivative not written d<name>/d<name> — not read
    tokens = _tokens(text)
    if tokens is None or _ambiguous_division(tokens):
        return None
    out: list[str] = []
    k = 0
    while k < len(tokens):
        kind, tok = tokens[k]
        if kind == "name" and re.fullmatch(r"D\d+D", tok):
            out.append(derivatives[int(tok[1:-1])])
        elif kind == "name" and tok in FUNCTIONS:
            out.append(FUNCTIONS[tok])
        elif kind == "name":
            out.append(_name(tok))
        elif tok == "*":
            out.append("\\cdot")
        elif tok == "^":  # x^2, e^-x, e^(-x): the exponent is one atom, signed, or a parenthesised group
            k += 1
            sign = ""
            if k < len(tokens) and tokens[k][1] in ("-", "+"):
                sign = tokens[k][1]
                k += 1
            if k >= len(tokens):
                return None
            if tokens[k][1] == "(":
                depth, j = 0, k
                while j < len(tokens):
                    depth += tokens[j][1] == "("
                    depth -= tokens[j][1] == ")"
                    if depth == 0:
                        break
                    j += 1
                inner = to_latex_expression(tokens[k + 1 : j])
                if inner is None:
                    return None
                out.append(f"^{{{sign}({inner})}}" if sign else f"^{{{inner}}}")  # e^-(x+1): e^{-(x + 1)}
                k = j
            elif tokens[k][0] in ("num", "name"):
                out.append(f"^{{{sign}{_name(tokens[k][1])}}}")
            else:
                return None
            following = tokens[k + 1] if k + 1 < len(tokens) else ("", "")
            if following[0] in ("num", "name") or following[1] in ("^", "("):
                return None  # e^-2x (e^{-2x} or e^{-2}·x?), e^-x^2, 2^3^2: read more than one way
        else:
            out.append(tok)
        k += 1
    return " ".join(out)


def to_latex_expression(tokens: list[tuple[str, str]]) -> str | None:
    """The LaTeX of a parenthesised exponent's tokens (read as the line is)."""
    text = " ".join(t for _, t in tokens)
    result = to_latex(f"{text} = 0")
    return None if result is None else result.rsplit(" = 0", 1)[0]
