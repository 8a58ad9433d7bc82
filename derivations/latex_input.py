"""A safe parser for the notes' LaTeX: tokens → a small syntax tree, never `sympify` or `eval`.

The notation is the notes' own (docs/derivation-files.md): σ and S/softmax as functions, σ' the
derivative, ``e^{…}`` Euler's number, ``\\log`` natural, ``\\sum_k`` over 1…n, Leibniz fractions
``\\frac{dMSE}{d\\hat{y}}`` and operators ``\\frac{\\partial}{\\partial \\theta_i}`` as *evaluated*
derivatives, subscripts as indices, ``h^o``/``W^{(1)}`` superscripts as layer tags, implicit
products (``y(1-y)`` is a product unless ``y`` is a function), upper-case runs (``MSE``, ``CE``)
and ``\\text{…}`` as names. The tree is turned into SymPy by `derivations.semantics`, which builds
every SymPy object itself from a whitelist.

Limits (FINDINGS.md, "Security of SymPy entry points"): a row of at most `MAX_ROW` characters,
nesting at most `MAX_DEPTH`, integer literals of at most `MAX_DIGITS` digits, numeric exponents of
magnitude at most `MAX_EXPONENT` and powers stacked at most `MAX_TOWER` deep (``e^{-x^2}`` is two);
past them a row is refused as `ParseError` (an `unchecked` step), before SymPy sees it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from fractions import Fraction

MAX_ROW = 500
MAX_DEPTH = 20
MAX_DIGITS = 6
MAX_EXPONENT = 100
MAX_TOWER = 3


class ParseError(Exception):
    """A row that is not in the supported notation; ``pos`` is the character offset in the row."""

    def __init__(self, message: str, pos: int = 0) -> None:
        super().__init__(message)
        self.pos = pos


# ---------------------------------------------------------------------------------------------- tree


@dataclass(frozen=True)
class Node:
    """Base class of the syntax tree."""


@dataclass(frozen=True)
class Num(Node):
    value: Fraction
    decimals: int | None = None  # digits after the point as written (0.8808: 4), None for integers


@dataclass(frozen=True)
class Const(Node):
    """A named constant: ``e`` (Euler's number), ``\\pi``, ``\\infty``."""

    name: str


@dataclass(frozen=True)
class Sym(Node):
    """A name: ``x``, ``\\hat{y}``, ``W^{o}``, ``MSE``, ``\\nabla W^{o}`` (decorations and tags kept)."""

    name: str


@dataclass(frozen=True)
class Index(Node):
    """``base_{i}``, ``base_{ij}``: components of a vector, or of a function's vector value."""

    base: Node
    indices: tuple[Node, ...]


@dataclass(frozen=True)
class Func(Node):
    """A function as a value: built-in (``sigma``, ``softmax``, ``log`` …) or a name; ``primes`` derivatives."""

    name: str
    primes: int = 0
    power: Node | None = None  # σ²(x) = σ(x)²


@dataclass(frozen=True)
class Call(Node):
    func: Func
    args: tuple[Node, ...]


@dataclass(frozen=True)
class Add(Node):
    terms: tuple[Node, ...]


@dataclass(frozen=True)
class Neg(Node):
    arg: Node


@dataclass(frozen=True)
class Mul(Node):
    factors: tuple[Node, ...]
    elementwise: bool = False


@dataclass(frozen=True)
class Div(Node):
    num: Node
    den: Node


@dataclass(frozen=True)
class Pow(Node):
    base: Node
    exp: Node


@dataclass(frozen=True)
class Transpose(Node):
    arg: Node


@dataclass(frozen=True)
class Sum(Node):
    """``\\sum_{var=lo}^{hi} body``; lo/hi None mean 1…n."""

    var: str
    body: Node
    lo: Node | None = None
    hi: Node | None = None
    product: bool = False


@dataclass(frozen=True)
class Deriv(Node):
    """An evaluated derivative of ``of`` with respect to ``wrt`` (``order`` times)."""

    of: Node
    wrt: Node
    order: int = 1


@dataclass(frozen=True)
class Vector(Node):
    """A column (``bmatrix``/``pmatrix`` rows) or a row (a tuple ``(a, b, c)``) of entries."""

    entries: tuple[Node, ...]
    column: bool = True


@dataclass(frozen=True)
class Rel(Node):
    op: str  # one of = != < > <= >=
    lhs: Node
    rhs: Node


@dataclass(frozen=True)
class Cases(Node):
    """``\\begin{cases} value & \\text{if } cond \\\\ … \\end{cases}``; cond None means otherwise."""

    branches: tuple[tuple[Node, Rel | None], ...]


@dataclass(frozen=True)
class Abs(Node):
    arg: Node


# -------------------------------------------------------------------------------------------- tokens


@dataclass(frozen=True)
class Token:
    kind: str  # num name cmd text op begin end eof
    text: str
    pos: int


GREEK = {
    "alpha", "beta", "gamma", "delta", "epsilon", "varepsilon", "zeta", "eta", "theta", "vartheta", "iota",
    "kappa", "lambda", "mu", "nu", "xi", "rho", "tau", "upsilon", "phi", "varphi", "chi", "psi", "omega",
    "Gamma", "Delta", "Theta", "Lambda", "Xi", "Pi", "Sigma", "Phi", "Psi", "Omega", "ell",
}  # fmt: skip
#: Functions by their spelling in the notes (command, \text{…} or a bare word) → canonical name.
FUNCTIONS = {
    "sigma": "sigmoid", "sigmoid": "sigmoid", "softmax": "softmax", "log": "log", "ln": "log", "exp": "exp",
    "tanh": "tanh", "sinh": "sinh", "cosh": "cosh", "sin": "sin", "cos": "cos", "max": "max", "min": "min",
    "relu": "relu", "ReLU": "relu", "logsumexp": "logsumexp", "softplus": "softplus",
}  # fmt: skip
SPACING = {",", ";", ":", "!", " ", "quad", "qquad", "displaystyle", "textstyle", "nonumber", "notag"}
SIZING = {"left", "right", "big", "Big", "bigg", "Bigg", "bigl", "bigr", "Bigl", "Bigr", "biggl", "biggr"}
DECORATIONS = {"hat", "bar", "tilde", "vec", "mathbf", "boldsymbol", "bm", "dot", "widehat", "overline", "mathcal"}
TEXTUAL = {"text", "operatorname", "mathrm", "textrm", "mathit", "textit", "mbox", "textbf", "mathsf"}
RELATIONS = {
    "=": "=", "\\neq": "!=", "\\ne": "!=", "<": "<", ">": ">", "\\le": "<=", "\\leq": "<=", "\\ge": ">=",
    "\\geq": ">=",
    "\\approx": "~",
}  # fmt: skip
IMPLICATIONS = {"\\Rightarrow", "\\implies", "\\Longrightarrow", "\\to", "\\rightarrow", "\\therefore", "\\because"}
UNICODE = {"−": "-", "·": "\\cdot ", "×": "\\times ", "σ": "\\sigma ", "θ": "\\theta ", "∂": "\\partial ",
           "≠": "\\neq ", "∑": "\\sum ", "α": "\\alpha ", "⇒": "\\Rightarrow ", "∴": "\\therefore "}  # fmt: skip


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


def tokenize(text: str) -> list[Token]:
    """Tokens of one row; spacing and sizing commands dropped, ``\\text{…}`` kept whole."""
    for u, repl in UNICODE.items():
        text = text.replace(u, repl)
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
                if sym in SPACING:
                    i += 2
                    continue
                if sym == "\\":
                    tokens.append(Token("op", "\\\\", i))
                elif sym == "|":
                    raise ParseError("norms ('\\|x\\|') are not supported", i)
                elif sym in "{}":
                    tokens.append(Token("op", {"{": "(", "}": ")"}[sym], i))
                else:
                    raise ParseError(f"unexpected '\\{sym}'", i)
                i += 2
                continue
            name = m.group(1)
            end = i + m.end()
            if name in SPACING:
                i = end
                continue
            if name in SIZING:
                i = end
                continue
            if name in TEXTUAL:
                j = end
                while j < n and text[j].isspace():
                    j += 1
                content, after = read_group(text, j)
                tokens.append(Token("text", content.strip(), i))
                i = after
                continue
            if name in ("begin", "end"):
                content, after = read_group(text, end)
                tokens.append(Token(name, content.strip().rstrip("*"), i))
                i = after
                continue
            tokens.append(Token("cmd", name, i))
            i = end
            continue
        if c.isdigit() or (c == "." and i + 1 < n and text[i + 1].isdigit()):
            m = re.match(r"\d*\.?\d+|\d+", text[i:])
            assert m is not None
            digits = m.group(0).replace(".", "")
            if len(digits) > MAX_DIGITS:
                raise ParseError(f"number with more than {MAX_DIGITS} digits", i)
            tokens.append(Token("num", m.group(0), i))
            i += m.end()
            continue
        if c.isalpha():
            m = re.match(r"[A-Za-z]+", text[i:])
            if not m:  # a non-ASCII letter (Hangul in an equation): not notation we know
                raise ParseError(f"unexpected character '{c}'", i)
            tokens.extend(_split_letters(m.group(0), i))
            i += m.end()
            continue
        if c in "+-*/=()[]{}^_',|&<>!?;:":
            if c == "<" and text[i : i + 2] == "<=":
                tokens.append(Token("cmd", "le", i))
                i += 2
                continue
            tokens.append(Token("op", c, i))
            i += 1
            continue
        raise ParseError(f"unexpected character '{c}'", i)
    tokens.append(Token("eof", "", n))
    return tokens


def _split_letters(run: str, pos: int) -> list[Token]:
    """A run of letters: a known word (``softmax``) or an upper-case run (``MSE``) is one name; else letters."""
    if run in FUNCTIONS or run.lower() in ("softmax", "sigmoid"):
        return [Token("name", run, pos)]
    out: list[Token] = []
    for m in re.finditer(r"[A-Z]{2,}|[A-Za-z]", run):
        out.append(Token("name", m.group(0), pos + m.start()))
    return out


# -------------------------------------------------------------------------------------------- parser


@dataclass
class Notation:
    """What the parser must know about a document: which names are functions, which tags there are."""

    functions: set[str] = field(default_factory=set)  # user-defined function names (``CE``, ``f``)
    tags: set[str] = field(default_factory=lambda: {"o"})  # superscript letters read as layer tags
    aliases: dict[str, str] = field(default_factory=dict)  # ``\hat{i}`` → ``i``


CONST_CMDS = {"pi": "pi", "infty": "oo"}
STOP_CMDS = {"quad", "qquad"}


class Parser:
    """Recursive descent over the tokens of one row (or one side of a relation)."""

    def __init__(self, text: str, notation: Notation | None = None) -> None:
        if len(text) > MAX_ROW:
            raise ParseError(f"longer than {MAX_ROW} characters")
        for u, repl in UNICODE.items():
            text = text.replace(u, repl)
        self.text = text
        self.tokens = tokenize(text)
        self.i = 0
        self.depth = 0
        self.base = 0
        self.in_abs = 0  # inside |…|: a '|' closes, it does not open
        self.spans: list[tuple[int, int]] = []  # (start, end) of each operand of a relation chain
        self.notation = notation or Notation()

    # -- helpers
    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def peek(self, k: int = 1) -> Token:
        return self.tokens[min(self.i + k, len(self.tokens) - 1)]

    def next(self) -> Token:
        t = self.tokens[self.i]
        self.i += 1
        return t

    def at(self, kind: str, text: str | None = None) -> bool:
        t = self.tok
        return t.kind == kind and (text is None or t.text == text)

    def expect(self, kind: str, text: str, what: str) -> Token:
        if not self.at(kind, text):
            found = self.tok.text or "end of formula"
            raise ParseError(f"expected {what}, found '{found}'", self.tok.pos)
        return self.next()

    def enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ParseError(f"nested deeper than {MAX_DEPTH} levels", self.tok.pos)

    def leave(self) -> None:
        self.depth -= 1

    def sub(self, text: str, pos: int = 0) -> Parser:
        """A parser for a piece of this row starting at ``pos`` (its errors are reported in row offsets)."""
        try:
            p = Parser(text, self.notation)
        except ParseError as exc:
            raise ParseError(str(exc), exc.pos + pos) from None
        p.depth = self.depth
        p.base = pos
        return p

    # -- entry points
    def parse_expression(self) -> Node:
        """The whole token list as one expression."""
        try:
            node = self.expr()
            if not self.at("eof"):
                raise ParseError(f"unexpected '{self.tok.text}'", self.tok.pos)
        except ParseError as exc:
            raise ParseError(str(exc), exc.pos + self.base) from None
        return node

    def parse_relation_chain(self) -> list[tuple[str, Node]]:
        """``a = b ⇒ c``: [("", a), ("=", b), ("=>", c)] (the first operand may be missing)."""
        try:
            return self._relation_chain()
        except ParseError as exc:
            raise ParseError(str(exc), exc.pos + self.base) from None

    def _relation_chain(self) -> list[tuple[str, Node]]:
        out: list[tuple[str, Node]] = []
        rel = ""
        while True:
            if self.at("eof"):
                if rel:
                    raise ParseError(f"nothing after '{rel}'", self.tok.pos)
                break
            op = self.relation()
            if op is not None:
                if out or rel:
                    if rel:
                        raise ParseError(f"two relations in a row ('{rel}' then '{op}')", self.tok.pos)
                rel = op
                continue
            begin = self.tok.pos
            out.append((rel, self.expr()))
            self.spans.append((begin, self.tok.pos))
            rel = ""
            if not self.at("eof") and self.relation(peek=True) is None:
                raise ParseError(f"unexpected '{self.tok.text}'", self.tok.pos)
        return out

    def relation(self, peek: bool = False) -> str | None:
        t = self.tok
        op: str | None = None
        if t.kind == "op" and t.text in "=<>":
            op = t.text
        elif t.kind == "cmd" and "\\" + t.text in RELATIONS:
            op = RELATIONS["\\" + t.text]
        elif t.kind == "cmd" and "\\" + t.text in IMPLICATIONS:
            op = "=>"
        if op is not None and not peek:
            self.next()
            if op in "<>" and self.at("op", "="):
                self.next()
                op += "="
        return op

    # -- grammar
    def expr(self) -> Node:
        self.enter()
        terms: list[Node] = []
        if self.at("op", "+"):
            self.next()
        terms.append(self.signed_term())
        while self.at("op", "+") or self.at("op", "-") or self.at("cmd", "pm"):
            op = self.next().text
            if op == "pm":
                raise ParseError("'\\pm' is not a single value", self.tok.pos)
            t = self.term()
            terms.append(Neg(t) if op == "-" else t)
        self.leave()
        return terms[0] if len(terms) == 1 else Add(tuple(terms))

    def signed_term(self) -> Node:
        if self.at("op", "-"):
            self.next()
            return Neg(self.signed_term())
        if self.at("op", "+"):
            self.next()
        return self.term()

    def starts_factor(self) -> bool:
        t = self.tok
        if t.kind in ("num", "name", "text", "begin"):
            return t.kind != "text" or t.text.lower() not in ("if", "o.w", "otherwise", "else", "where")
        if t.kind == "op":
            return t.text in "([{" or (t.text == "|" and not self.in_abs)
        if t.kind == "cmd":
            if "\\" + t.text in RELATIONS or "\\" + t.text in IMPLICATIONS:
                return False
            return t.text not in ("cdot", "times", "odot", "circ", "pm", "mp", "quad", "qquad", "end")
        return False

    def term(self) -> Node:
        """A product: factors joined by ``\\cdot``, ``\\times``, ``*``, ``/``, ``\\odot`` or juxtaposition."""
        self.enter()
        factors: list[Node] = [self.unary()]
        elementwise = False
        while True:
            if self.at("cmd", "cdot") or self.at("cmd", "times") or self.at("op", "*"):
                self.next()
                factors.append(self.unary())
            elif self.at("cmd", "odot") or self.at("cmd", "circ"):
                self.next()
                elementwise = True
                factors.append(self.unary())
            elif self.at("op", "/"):
                pos = self.tok.pos
                self.next()
                den = self.unary()
                num = factors[0] if len(factors) == 1 else Mul(tuple(factors))
                if isinstance(num, _Partial) and isinstance(den, _Partial):
                    if not _is_variable(den.of):
                        raise ParseError("'\\partial' must be followed by a variable after '/'", pos)
                    factors = [Deriv(num.of, den.of)]
                else:
                    factors = [Div(num, den)]
            elif self.starts_factor():
                factors.append(self.factor())
            else:
                break
        self.leave()
        return factors[0] if len(factors) == 1 else Mul(tuple(factors), elementwise)

    def unary(self) -> Node:
        if self.at("op", "-"):
            self.next()
            return Neg(self.unary())
        if self.at("op", "+"):
            self.next()
            return self.unary()
        return self.factor()

    def factor(self) -> Node:
        """A primary with its scripts, a call, or an operator (sum, derivative) taking the rest of the term."""
        t = self.tok
        if t.kind == "cmd" and t.text in ("sum", "prod"):
            return self.sum()
        if t.kind == "cmd" and t.text in ("frac", "dfrac", "tfrac"):
            return self.frac()
        node = self.primary()
        return self.postfix(node)

    def postfix(self, node: Node) -> Node:
        while True:
            if self.at("op", "_"):
                pos = self.tok.pos
                self.next()
                raw, rpos = self.script_text()
                node = self.subscript(node, raw, rpos or pos)
            elif self.at("op", "^"):
                self.next()
                node = self.superscript(node)
            elif self.at("op", "'") and isinstance(node, Func):
                self.next()
                node = Func(node.name, node.primes + 1, node.power)
            elif self.at("op", "(") and isinstance(node, Func):
                node = self.call(node)
            elif isinstance(node, Func) and node.name in ("log", "exp", "tanh", "sinh", "cosh", "sin", "cos"):
                if not self.starts_factor():
                    raise ParseError(f"'\\{node.name}' needs an argument", self.tok.pos)
                node = Call(node, (self.power_operand(),))
            else:
                return node

    def power_operand(self) -> Node:
        """``\\log x^2`` → log(x²): the operand of a parenthesis-free function is one scripted primary."""
        if self.at("op", "-"):
            self.next()
            return Neg(self.power_operand())
        if self.at("cmd", "frac") or self.at("cmd", "dfrac"):
            return self.frac()
        return self.postfix(self.primary())

    def script_text(self) -> tuple[str, int]:
        """The raw text of a script: ``{…}`` or one token."""
        t = self.tok
        if t.kind == "op" and t.text == "{":
            content, after = read_group(self.text, t.pos)
            self.skip_to(after)
            return content, t.pos + 1
        self.next()
        if t.kind == "cmd":
            return "\\" + t.text, t.pos
        if t.kind == "name" and len(t.text) > 1 and not t.text.isupper():
            raise ParseError("a script of several letters needs braces", t.pos)
        if t.kind == "num" and len(t.text) > 1:
            raise ParseError("a script of several digits needs braces ('x_{12}')", t.pos)
        if t.kind == "text":
            return "\\text{" + t.text + "}", t.pos
        return t.text, t.pos

    def skip_to(self, pos: int) -> None:
        while self.tok.kind != "eof" and self.tok.pos < pos:
            self.i += 1

    def subscript(self, node: Node, raw: str, pos: int) -> Node:
        raw = raw.strip()
        if not raw:
            raise ParseError("empty subscript", pos)
        if re.fullmatch(r"\\text\{.*\}|[A-Z]{2,}|\\(text|mathrm|operatorname)\{.*\}", raw):
            if isinstance(node, Sym):
                label = re.sub(r"\\[a-z]+\{(.*)\}", r"\1", raw)
                return Sym(f"{node.name}_{{{label}}}")
        if "," in raw:
            parts = [p for p in raw.split(",")]
        elif re.fullmatch(r"[A-Za-z]{2,3}", raw):
            parts = list(raw)  # \delta_{ij}, W_{jk}
        else:
            parts = [raw]
        idx = tuple(self.sub(p, pos).parse_expression() for p in parts)
        if isinstance(node, Sym) and node.name == "\\delta" and len(idx) == 2:
            return Call(Func("kronecker"), idx)
        return Index(node, idx)

    def superscript(self, node: Node) -> Node:
        raw, pos = self.script_text()
        raw_s = raw.strip()
        if raw_s in ("T", "\\top", "\\intercal"):
            return Transpose(node)
        if raw_s in ("\\prime", "'") and isinstance(node, Func):
            return Func(node.name, node.primes + 1)
        tag = None
        if raw_s in self.notation.tags or re.fullmatch(r"\(.{1,4}\)|\[.{1,4}\]", raw_s):
            tag = raw_s
        if tag is not None:
            if isinstance(node, Sym):
                return Sym(f"{node.name}^{{{tag}}}")
            if isinstance(node, Index) and isinstance(node.base, Sym):
                return Index(Sym(f"{node.base.name}^{{{tag}}}"), node.indices)
            raise ParseError(f"layer tag '^{raw_s}' on something that is not a name", pos)
        exp = self.sub(raw, pos).parse_expression()
        if isinstance(exp, Num) and abs(exp.value) > MAX_EXPONENT:
            raise ParseError(f"exponent larger than {MAX_EXPONENT}", pos)
        if _tower(exp) >= MAX_TOWER:  # 2^{2^{2^{2^{2}}}} has 19729 digits: refused before anything computes it
            raise ParseError(f"powers nested more than {MAX_TOWER} deep", pos)
        if isinstance(node, Const) and node.name == "e":
            return Call(Func("exp"), (exp,))
        if isinstance(node, Func):
            if isinstance(exp, Num) and exp.value == -1:
                raise ParseError(f"inverse function '{node.name}^{{-1}}' is not supported", pos)
            return Func(node.name, node.primes, exp)
        return Pow(node, exp)

    def call(self, func: Func) -> Node:
        start = self.tok.pos
        self.next()  # (
        args = [self.expr()]
        while self.at("op", ","):
            self.next()
            args.append(self.expr())
        self.expect("op", ")", "')' to close the arguments")
        if func.name == "kronecker" and len(args) != 2:
            raise ParseError("Kronecker delta takes two indices", start)
        return Call(func, tuple(args))

    def sum(self) -> Node:
        product = self.next().text == "prod"
        var = None
        lo = hi = None
        if self.at("op", "_"):
            self.next()
            raw, pos = self.script_text()
            m = re.fullmatch(r"\s*([A-Za-z])\s*(?:=\s*(.+))?", raw)
            if not m:
                raise ParseError("expected a summation index like '_k' or '_{k=1}'", pos)
            var = m.group(1)
            if m.group(2):
                lo = self.sub(m.group(2), pos).parse_expression()
        if self.at("op", "^"):
            self.next()
            raw, pos = self.script_text()
            hi = self.sub(raw, pos).parse_expression()
        if var is None:
            raise ParseError("a sum needs its index ('\\sum_k')", self.tok.pos)
        if not self.starts_factor() and not self.at("op", "-"):
            raise ParseError("a sum needs a body", self.tok.pos)
        return Sum(var, self.signed_term(), lo, hi, product)

    def frac(self) -> Node:
        self.next()
        num_raw, num_pos = self.group_text("the numerator of \\frac")
        den_raw, den_pos = self.group_text("the denominator of \\frac")
        deriv = self.leibniz(num_raw, num_pos, den_raw, den_pos)
        if deriv is not None:
            return deriv
        num = self.sub(num_raw, num_pos).parse_expression()
        den = self.sub(den_raw, den_pos).parse_expression()
        return self.postfix(Div(num, den))

    def group_text(self, what: str) -> tuple[str, int]:
        t = self.tok
        if t.kind == "op" and t.text == "{":
            content, after = read_group(self.text, t.pos)
            self.skip_to(after)
            return content, t.pos + 1
        if t.kind in ("num", "name") and len(t.text) == 1:
            self.next()
            return t.text, t.pos
        raise ParseError(f"expected {what}", t.pos)

    def leibniz(self, num: str, num_pos: int, den: str, den_pos: int) -> Node | None:
        """``\\frac{dF}{dx}``, ``\\frac{\\partial F}{\\partial x}``, ``\\frac{d}{dx} …``, ``\\frac{d^2 F}{dx^2}``."""
        upright = r"\\(?:mathrm|text|operatorname|rm|mathit)\s*\{\s*d\s*\}"  # \mathrm{d}x is dx
        num = re.sub(upright, "d ", num)
        den = re.sub(upright, "d ", den)
        d_num = re.match(r"\s*(d|\\partial(?![A-Za-z]))\s*(?:\^\s*\{?\s*(\d)\s*\}?)?", num)
        d_den = re.match(r"\s*(d|\\partial(?![A-Za-z]))(?=\s*[\\A-Za-z{])", den)
        if not d_num or not d_den:
            return None
        if num.strip() in ("d", "\\partial") and not den.strip().startswith(("d", "\\partial")):
            return None
        order = int(d_num.group(2) or 1)
        wrt_text = den[d_den.end() :]
        m_order = re.search(r"\^\s*\{?\s*(\d)\s*\}?\s*$", wrt_text)
        if order > 1:
            if not m_order or int(m_order.group(1)) != order:
                raise ParseError("the orders of a higher derivative do not match", den_pos)
            wrt_text = wrt_text[: m_order.start()]
        wrt = self.sub(wrt_text, den_pos + d_den.end()).parse_expression()
        if not _is_variable(wrt):
            return None
        rest = num[d_num.end() :]
        if not rest.strip():
            if not self.starts_factor() and not self.at("op", "-"):
                raise ParseError("a derivative operator needs something to differentiate", self.tok.pos)
            if self.at("op", "(") or self.at("op", "["):  # d/dx (…): the parentheses delimit the operand
                operand = self.postfix(self.paren())
            elif self.at("cmd") and self.tok.text in ("sigma", *FUNCTIONS) and self.peek().text in ("(", "'"):
                operand = self.postfix(self.primary())
            else:  # otherwise the operator takes the rest of the product, like a sum
                operand = self.signed_term()
            return Deriv(operand, wrt, order)
        of = self.sub(rest, num_pos + d_num.end()).parse_expression()
        if isinstance(of, Func):
            of = Call(of, (wrt,))
        return Deriv(of, wrt, order)

    def primary(self) -> Node:
        self.enter()
        try:
            return self._primary()
        finally:
            self.leave()

    def _primary(self) -> Node:
        t = self.tok
        if t.kind == "num":
            self.next()
            decimals = len(t.text.split(".", 1)[1]) if "." in t.text else None
            return Num(Fraction(t.text), decimals)
        if t.kind == "name":
            self.next()
            return self.name(t.text)
        if t.kind == "text":
            self.next()
            word = t.text.strip()
            if word in FUNCTIONS or word.lower() in ("softmax", "sigmoid"):
                return Func(FUNCTIONS.get(word, word.lower()))
            if re.fullmatch(r"[A-Za-z][A-Za-z0-9]*", word):
                return self.name(word, text_cmd=True)
            raise ParseError(f"'\\text{{{word}}}' is not a name", t.pos)
        if t.kind == "op" and t.text in "([":
            return self.paren()
        if t.kind == "op" and t.text == "{":
            content, after = read_group(self.text, t.pos)
            self.skip_to(after)
            return self.sub(content, t.pos + 1).parse_expression()
        if t.kind == "op" and t.text == "|":
            self.next()
            self.in_abs += 1
            inner = self.expr()
            self.in_abs -= 1
            self.expect("op", "|", "'|' to close the absolute value")
            return Abs(inner)
        if t.kind == "begin":
            return self.environment()
        if t.kind == "cmd":
            return self.command()
        found = t.text or "end of formula"
        raise ParseError(f"expected a value, found '{found}'", t.pos)

    def name(self, text: str, text_cmd: bool = False) -> Node:
        if text in FUNCTIONS:
            return Func(FUNCTIONS[text])
        if text == "e" and not text_cmd:
            return Const("e")
        if text in self.notation.functions and self.at("op", "("):
            return Func(text)
        if (text == "S" or (text.isupper() and len(text) > 1)) and self.at("op", "("):
            return Func("softmax" if text == "S" else text)
        return Sym(self.notation.aliases.get(text, text))

    def command(self) -> Node:
        t = self.next()
        name = t.text
        if name in CONST_CMDS:
            return Const(CONST_CMDS[name])
        if name == "sigma":
            return Func("sigmoid")
        if name in FUNCTIONS:
            return Func(FUNCTIONS[name])
        if name in GREEK:
            return Sym(self.notation.aliases.get("\\" + name, "\\" + name))
        if name in DECORATIONS:
            inner, after = read_group(self.text, self.tok.pos) if self.at("op", "{") else (self.tok.text, None)
            if after is None:
                self.next()
            else:
                self.skip_to(after)
            inner = inner.strip()
            if not re.fullmatch(r"[A-Za-z]|\\[A-Za-z]+", inner):
                raise ParseError(f"'\\{name}' over something that is not a letter", t.pos)
            full = f"\\{name}{{{inner}}}"
            return Sym(self.notation.aliases.get(full, full))
        if name == "nabla":
            target = self.postfix(self.primary())
            if not isinstance(target, Sym):
                raise ParseError("'\\nabla' must be followed by a name", t.pos)
            return Sym("\\nabla " + target.name)
        if name == "sqrt":
            if self.at("op", "["):
                raise ParseError("only square roots are supported", t.pos)
            return Pow(self.primary(), Num(Fraction(1, 2)))
        if name == "partial":  # ∂L/∂w written inline: ∂ followed by what it differentiates, then / ∂ variable
            return _Partial(self.postfix(self.primary()))
        if name in ("vdots", "cdots", "ldots", "dots", "ddots"):
            raise ParseError("an ellipsis ('\\dots') is not a value that can be checked", t.pos)
        if name == "lvert":
            inner = self.expr()
            self.expect("cmd", "rvert", "'\\rvert'")
            return Abs(inner)
        if name in ("sum", "prod"):
            self.i -= 1
            return self.sum()
        raise ParseError(f"unknown command '\\{name}'", t.pos)

    def paren(self) -> Node:
        open_ = self.next().text
        close = ")" if open_ == "(" else "]"
        items = [self.expr()]
        while self.at("op", ","):
            self.next()
            items.append(self.expr())
        self.expect("op", close, f"'{close}'")
        if len(items) == 1:
            return items[0]
        return Vector(tuple(items), column=False)

    def environment(self) -> Node:
        env = self.next().text
        start = self.tok.pos
        # find the matching \end{env}
        depth = 1
        j = self.i
        while True:
            tk = self.tokens[j]
            if tk.kind == "eof":
                raise ParseError(f"'\\begin{{{env}}}' without '\\end{{{env}}}'", start)
            if tk.kind == "begin":
                depth += 1
            elif tk.kind == "end":
                depth -= 1
                if depth == 0:
                    if tk.text != env:
                        raise ParseError(f"'\\begin{{{env}}}' closed by '\\end{{{tk.text}}}'", tk.pos)
                    break
            j += 1
        body = self.text[start : tk.pos]
        self.i = j + 1
        rows = split_top(body, "\\\\")
        if env in ("bmatrix", "pmatrix", "matrix", "Bmatrix"):
            cells = [(split_top(r, "&"), p) for r, p in rows if r.strip()]
            if len(cells) == 1:  # one row: a row vector
                entries = tuple(self.sub(c, start + cells[0][1] + q).parse_expression() for c, q in cells[0][0])
                return self.postfix(Vector(entries, column=False))
            if any(len(c) != 1 for c, _ in cells):
                raise ParseError("only vectors (one row or one column) are supported", start)
            entries = tuple(self.sub(c[0][0], start + p).parse_expression() for c, p in cells)
            return self.postfix(Vector(entries, column=True))
        if env == "cases":
            branches = []
            for r, p in rows:
                if not r.strip():
                    continue
                cols = split_top(r, "&")
                if len(cols) != 2:
                    raise ParseError("a case needs a value and a condition separated by '&'", start + p)
                value = self.sub(cols[0][0], start + p).parse_expression()
                branches.append((value, self.condition(cols[1][0], start + p + cols[1][1])))
            return Cases(tuple(branches))
        raise ParseError(f"environment '{env}' is not supported inside a formula", start)

    def condition(self, text: str, pos: int) -> Rel | None:
        s = text.strip()
        s = re.sub(r"^(\\text\{\s*(if|for|when)\s*\}|if\b)", "", s).strip().rstrip(",.")
        if re.fullmatch(r"\\text\{\s*(o\.?\s*w\.?|otherwise|else)\s*\}|otherwise|o\.?w\.?", s):
            return None
        if re.fullmatch(r"\\text\{\s*(o\.?\s*w\.?|otherwise|else)\s*\}.*", s):
            return None
        p = self.sub(s, pos)
        chain = p.parse_relation_chain()
        if len(chain) != 2 or chain[1][0] not in ("=", "!=", "<", ">", "<=", ">="):
            raise ParseError("a case condition must be one relation like 'i = k'", pos)
        return Rel(chain[1][0], chain[0][1], chain[1][1])


@dataclass(frozen=True)
class _Partial(Node):
    """``\\partial X`` before ``/ \\partial y`` is resolved into a `Deriv`; alone it has no value."""

    of: Node


def _tower(node: Node) -> int:
    """How many powers are stacked in ``node`` (e^{…} counts as a power)."""
    if isinstance(node, Pow):
        return 1 + max(_tower(node.base), _tower(node.exp))
    if isinstance(node, Call) and node.func.name == "exp":
        return 1 + max(_tower(a) for a in node.args)
    return max((_tower(c) for c in children(node)), default=0)


def children(node: Node) -> Iterator[Node]:
    """The nodes directly under ``node`` (fields, tuples of nodes, and the pairs of a `Cases`)."""
    for value in vars(node).values():
        if isinstance(value, Node):
            yield value
        elif isinstance(value, tuple):
            for item in value:
                if isinstance(item, Node):
                    yield item
                elif isinstance(item, tuple):
                    yield from (sub for sub in item if isinstance(sub, Node))


def _is_variable(node: Node) -> bool:
    if isinstance(node, Sym):
        return True
    if isinstance(node, Index):
        return isinstance(node.base, Sym) and all(isinstance(i, (Sym, Num)) for i in node.indices)
    return False


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


def parse_relation_chain(text: str, notation: Notation | None = None) -> list[tuple[str, Node]]:
    """One row as [(relation, operand), …]; the first relation is '' unless the row starts with one."""
    return Parser(text, notation).parse_relation_chain()


def check_balanced(text: str) -> None:
    """ParseError unless braces, ``\\left``/``\\right`` and ``\\begin``/``\\end`` pair up (malformed LaTeX)."""
    stack: list[tuple[str, int]] = []
    i = 0
    while i < len(text):
        c = text[i]
        if c == "\\":
            m = re.match(r"\\(begin|end)\s*\{([^{}]*)\}", text[i:])
            if m:
                if m.group(1) == "begin":
                    stack.append((f"\\end{{{m.group(2)}}}", i))
                else:
                    want = f"\\end{{{m.group(2)}}}"
                    if not stack or stack[-1][0] != want:
                        expected = stack[-1][0] if stack else "nothing to close"
                        raise ParseError(f"'{want}' does not close anything open (expected {expected})", i)
                    stack.pop()
                i += m.end()
                continue
            m = re.match(r"\\(left|right)\b\s*(\\[{}|]|\\[a-z]+|.)", text[i:])
            if m:
                if m.group(1) == "left":
                    stack.append(("\\right", i))
                elif not stack or stack[-1][0] != "\\right":
                    raise ParseError("'\\right' without '\\left'", i)
                else:
                    stack.pop()
                i += m.end()
                continue
            i += 2
            continue
        if c == "{":
            stack.append(("}", i))
        elif c == "}":
            if not stack:
                raise ParseError("'}' with no '{' before it", i)
            if stack[-1][0] != "}":
                raise ParseError(f"'}}' where '{stack[-1][0]}' is expected first", i)
            stack.pop()
        i += 1
    if stack:
        want, pos = stack[-1]
        raise ParseError(f"opened here and never closed (expected '{want}')", pos)


def parse_relation_spans(text: str, notation: Notation | None = None) -> list[tuple[str, Node, str]]:
    """Like `parse_relation_chain`, with each operand's source text."""
    p = Parser(text, notation)
    chain = p.parse_relation_chain()
    return [(rel, node, p.text[a:b].strip()) for (rel, node), (a, b) in zip(chain, p.spans)]


def parse_expression(text: str, notation: Notation | None = None) -> Node:
    """One expression (no relation)."""
    return Parser(text, notation).parse_expression()
