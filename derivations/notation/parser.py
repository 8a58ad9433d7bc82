"""A safe parser for the notes' LaTeX: tokens → a small syntax tree, never `sympify` or `eval`.

The notation is the notes' own (docs/derivation-files.md): σ and S/softmax as functions, σ' the
derivative, ``e^{…}`` Euler's number, ``\\log`` natural, ``\\sum_k`` over 1…n, Leibniz fractions
``\\frac{dMSE}{d\\hat{y}}`` and operators ``\\frac{\\partial}{\\partial \\theta_i}`` as *evaluated*
derivatives, subscripts as indices, ``h^o``/``W^{(1)}`` superscripts as layer tags, implicit
products (``y(1-y)`` is a product unless ``y`` is a function), upper-case runs (``MSE``, ``CE``)
and ``\\text{…}`` as names. Which words and commands are functions comes from the vocabulary.
The tree is turned into SymPy by `derivations.check.evaluate`, which builds every SymPy object
itself.

The row is tokenized once; groups (``{…}``), scripts, fractions and environment cells are parsed
from slices of that token list, so every error carries the offset of the token in the row.

Limits (FINDINGS.md, "Security of SymPy entry points"): a row of at most `MAX_ROW` characters,
nesting at most `MAX_DEPTH`, integer literals of at most `MAX_DIGITS` digits, numeric exponents of
magnitude at most `MAX_EXPONENT` and powers stacked at most `MAX_TOWER` deep (``e^{-x^2}`` is two);
past them a row is refused as `ParseError` (an `unchecked` step), before SymPy sees it.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

from derivations.errors import ParseError
from derivations.notation.layout import ROW_SPACING
from derivations.notation.macros import Macro, expand, strip_definitions
from derivations.notation.tokens import AT, LEFT_DOT, MAX_DIGITS, NORM, Kind, Token, replace_unicode, tokenize
from derivations.notation.tree import (
    Abs,
    Add,
    At,
    Call,
    Cases,
    Const,
    Deriv,
    Div,
    Func,
    Index,
    MatrixLit,
    Mul,
    Neg,
    Node,
    Norm,
    Num,
    Partial,
    Pow,
    Reach,
    Rel,
    Sum,
    Sym,
    Tabulated,
    Transpose,
    Vector,
    children,
    is_variable,
)
from derivations.notation.vocabulary import LOG_BASES, VOCABULARY, Role

#: A full stop or comma that ends a formula (the sentence's, before any \label or \tag): not maths.
TRAILING_PUNCTUATION = re.compile(r"(?<![.\\])[.,;](?=(?:\s|\\(?:label|tag\*?|nonumber|notag)\b(?:\s*\{[^{}]*\})?)*$)")
MAX_ROW = 500
MAX_DEPTH = 20
MAX_EXPONENT = 100
MAX_TOWER = 3
__all__ = ["MAX_DIGITS", "Notation", "Parser", "parse_expression", "parse_relation_chain", "parse_relation_spans"]

GREEK = VOCABULARY.commands_of(Role.LETTER)
DECORATIONS = VOCABULARY.commands_of(Role.DECORATION)
OLD_FONTS = {"cal": "mathcal", "bf": "mathbf"}
#: Words that begin a sentence written inside a display (``\text{Let } u = -z``): the row's maths follows them.
SENTENCE_WORDS = frozenset(
    "let then proof since because hence thus so therefore now and or where given assume suppose note recall "
    "define set take from by using finally similarly also we have get obtain which gives i.e. e.g. with".split()
)
#: Operators over an index or a limit, never a value the checker can give: refused, not read as names.
INDEX_OPERATORS = ("argmax", "argmin", "arg", "lim", "sup", "inf", "limsup", "liminf", "esssup")
BOLD_DECORATIONS = ("mathbf", "boldsymbol", "bm", "vec", "pmb")  # a vector or matrix name (as check's BOLD)
BOLD_NAME = re.compile(r"^\\(mathbf|boldsymbol|bm|vec|pmb)\{(.+)\}$")


def bold_spelling(command: str, inner: str) -> str:
    """One spelling for one bold name: \\mathbf, \\boldsymbol, \\bm and \\pmb over a letter are the same
    vector (\\boldsymbol for a Greek letter, \\mathbf for a Latin one, as LaTeX sets them); \\vec stays."""
    if command not in BOLD_DECORATIONS or command == "vec":
        return f"\\{command}{{{inner}}}"
    core = inner
    while (m := re.match(r"^\\[A-Za-z]+\{(.+)\}$", core)) is not None:  # \hat{\theta}: its letter
        core = m.group(1)
    return f"\\{'boldsymbol' if core.startswith(chr(92)) else 'mathbf'}{{{inner}}}"


IMPLICATIONS = VOCABULARY.commands_of(Role.IMPLICATION)
DOTS = VOCABULARY.commands_of(Role.DOTS)
CONSTANTS = {"pi": "pi", "infty": "oo"}
COMPARISONS = ("=", "!=", "<", ">", "<=", ">=")
#: Commands that join factors, so that they never start an implicit product.
JOINERS = ("cdot", "times", "odot", "circ", "pm", "mp", "quad", "qquad")
#: Words of a case condition's text that are not part of the relation.
CONDITION_WORDS = ("if", "for", "when")
OTHERWISE = ("o.w.", "o.w", "o.", "ow", "otherwise", "else")


@dataclass
class Notation:
    """What the parser must know about a document: which names are functions, which tags there are."""

    functions: set[str] = field(default_factory=set)  # user-defined function names (``CE``, ``f``, ``\mathcal{L}``)
    rebind: dict[str, str] = field(default_factory=dict)  # a command read as another function: sigma → softmax
    applied: set[str] = field(default_factory=set)  # names written right before '(' (f(x): a function or f·x?)
    bare: set[str] = field(default_factory=set)  # names written elsewhere, not before '('
    tags: set[str] = field(default_factory=lambda: {"o"})  # superscript letters read as layer tags
    aliases: dict[str, str] = field(default_factory=dict)  # ``\hat{i}`` → ``i``
    layered: set[str] = field(default_factory=set)  # names written z^1: digit superscripts are layers
    subscripted_functions: set[str] = field(default_factory=set)  # g in g_1(x) = …: a function with a subscript
    macros: dict[str, Macro] = field(default_factory=dict)  # the file's \newcommand/\def: expanded first
    layer_letters: set[str] = field(default_factory=set)  # l in w^{l+1}: superscripts l, l±1 are layers
    letters: set[str] = field(default_factory=set)  # X, W declared as matrices or vectors: XW is their product
    variables: set[str] = field(default_factory=set)  # sigma: σ a variable of the file (σ² = …), not the sigmoid
    size_letters: set[str] = field(default_factory=set)  # T as the bound of a sum: γ^T is a power, not a transpose
    both: set[str] = field(default_factory=set)  # sigma: σ(z) the sigmoid and σ² = … a variance, in one file


#: ``^{\mathsf{T}}``, ``^\mathsf T``, ``^{\mathrm T}``: the transpose, written in an upright T.
_UPRIGHT_T = re.compile(
    r"\^\s*(?:\{\s*\\(?:mathsf|mathrm|textsf|text)\s*(?:\{\s*T\s*\}|T)\s*\}"
    r"|\\(?:mathsf|mathrm)\s*(?:\{\s*T\s*\}|T(?![A-Za-z])))"
)
#: ``\frac12``, ``\frac1n``, ``\frac 1{2m}``, ``\frac{1}2``: TeX's one-token arguments of a fraction (``\fracc``
#: is another command, a typo).
_FRAC_TOKENS = re.compile(r"\\([dt]?frac)(?![A-Za-z])\s*([0-9A-Za-z])\s*([0-9A-Za-z])")
_FRAC_FIRST = re.compile(r"\\([dt]?frac)(?![A-Za-z])\s*([0-9A-Za-z])\s*(?=\{)")
_FRAC_SECOND = re.compile(r"(\\[dt]?frac\s*\{[^{}]*\})\s*([0-9])")


#: ``\\\\[0.6em]`` inside a matrix: the space after a row break (the rows of a display are split before this).
_ROW_BREAK_SPACE = re.compile(r"(?<=\\\\)" + ROW_SPACING)


def tex_shorthand(text: str) -> str:
    """TeX's shorthands spelled out: ``\\frac12`` → ``\\frac{1}{2}``, ``^{\\mathsf{T}}`` → ``^{\\top}``; the space
    after a row break, ``\\\\[0.6em]``, blanked (each column stays where it was)."""
    text = _ROW_BREAK_SPACE.sub(lambda m: " " * len(m.group(0)), text)
    text = _UPRIGHT_T.sub(r"^{\\top}", text)
    text = _FRAC_TOKENS.sub(r"\\\1{\2}{\3}", text)
    text = _FRAC_FIRST.sub(r"\\\1{\2}", text)
    return _FRAC_SECOND.sub(r"\1{\2}", text)


def _split_declared(tokens: list[Token], letters: set[str]) -> list[Token]:
    """``XW`` with X and W declared (matrices, vectors): the product of the two, not a name of its own."""
    out: list[Token] = []
    for t in tokens:
        if t.kind is Kind.NAME and len(t.text) > 1 and t.text.isupper() and all(c in letters for c in t.text):
            out.extend(Token(Kind.NAME, c, t.pos + k, t.pos + k + 1) for k, c in enumerate(t.text))
        else:
            out.append(t)
    return out


class Parser:
    """Recursive descent over the tokens of one row (or of a slice of them: a group, a script, a cell)."""

    def __init__(self, text: str, notation: Notation | None = None, *, tokens: Sequence[Token] | None = None) -> None:
        if tokens is None:
            if len(text) > MAX_ROW:
                raise ParseError(f"longer than {MAX_ROW} characters")
            if notation is not None and notation.macros:
                text = expand(strip_definitions(text), notation.macros)
            text = tex_shorthand(replace_unicode(text))
            text = TRAILING_PUNCTUATION.sub(" ", text)  # "… = -\frac{y_j}{p_j}." : the sentence's full stop
            tokens = tokenize(text)
            if notation is not None and notation.letters:
                tokens = _split_declared(tokens, notation.letters)
        self.text = text
        self.tokens = list(tokens)
        self.i = 0
        self.depth = 0
        self.grouped: Node | None = None  # the last node read inside (…) or {…}: a superscript on it is a power
        self.summed: list[str] = []  # the indices of the sums being read around here (γ^k in Σ_k γ^k: a power)
        self.reach: tuple[Node, ...] = ()  # the terms after a derivative operator's unparenthesised operand
        self.reach_product: tuple[Node, ...] = ()  # the factors after a function a derivative operator takes
        self.in_abs = 0  # inside |…|: a '|' closes, it does not open
        self.in_norm = 0  # inside ‖…‖: a '‖' closes
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

    def at(self, kind: Kind, text: str | None = None) -> bool:
        t = self.tok
        return t.kind is kind and (text is None or t.text == text)

    def at_op(self, *texts: str) -> bool:
        return self.tok.is_op(*texts)

    def _power_then_argument(self) -> bool:
        """At ``^2(``, ``^{2}(`` or ``^{-1}(``: a number as a power, then an argument — \\zeta^{-1}(u), \\phi^2(x)
        (a letter there is a layer's tag: g^l(z^l) is layer l's activation)."""
        if not self.at_op("^"):
            return False
        if self.peek(1).kind is Kind.NUM:
            return self.peek(2).is_op("(")
        if not self.peek(1).is_op("{"):
            return False
        k = 2
        if self.peek(k).is_op("-"):
            k += 1
        return self.peek(k).kind is Kind.NUM and self.peek(k + 1).is_op("}") and self.peek(k + 2).is_op("(")

    def at_cmd(self, *names: str) -> bool:
        return self.tok.is_cmd(*names)

    def expect_op(self, text: str, what: str) -> Token:
        if not self.at_op(text):
            found = self.tok.text or "end of formula"
            raise ParseError(f"expected {what}, found '{found}'", self.tok.pos)
        return self.next()

    def enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ParseError(f"nested deeper than {MAX_DEPTH} levels", self.tok.pos)

    def leave(self) -> None:
        self.depth -= 1

    def sub(self, tokens: Sequence[Token], end: int) -> Parser:
        """A parser for a slice of this row's tokens (a group, a script, a cell), ending at offset ``end``."""
        p = Parser(self.text, self.notation, tokens=[*tokens, Token(Kind.EOF, "", end, end)])
        p.depth = self.depth
        p.summed = self.summed
        return p

    def source(self, tokens: Sequence[Token]) -> str:
        """The row's text that a slice of tokens covers (for tag names and condition words)."""
        return self.text[tokens[0].pos : tokens[-1].end] if tokens else ""

    def group(self) -> tuple[list[Token], int]:
        """``{ … }``: the tokens inside the braces (the '{' is the current token) and the offset of the '}'."""
        start = self.next()
        depth = 1
        inside: list[Token] = []
        while True:
            t = self.tok
            if t.kind is Kind.EOF:
                raise ParseError("'{' is never closed (expected '}')", start.pos)
            if t.is_op("{"):
                depth += 1
            elif t.is_op("}"):
                depth -= 1
                if depth == 0:
                    self.next()
                    return inside, t.pos
            inside.append(self.next())

    # -- entry points
    def parse_expression(self) -> Node:
        """expression EOF: the whole token list as one expression."""
        node = self.expr()
        if not self.at(Kind.EOF):
            raise ParseError(f"unexpected '{self.tok.text}'", self.tok.pos)
        return node

    def parse_relation_or_expression(self) -> Node:
        """The value of a boxed group: its expression, or the last operand of a relation written in it."""
        chain = self.parse_relation_chain()
        if not chain:
            raise ParseError("an empty box", self.tok.pos)
        if len(chain) > 1:
            raise ParseError("a relation inside '\\boxed' (box the whole row's right side instead)", self.tok.pos)
        return chain[0][1]

    def parse_relation_chain(self) -> list[tuple[str, Node]]:
        """chain := [relation] expression (relation expression)*: ``a = b ⇒ c`` as [("", a), ("=", b), ("=>", c)]."""
        out: list[tuple[str, Node]] = []
        rel = ""
        if self.at(Kind.TEXT) and self.peek().kind is not Kind.EOF:  # \text{Base on (3), (4)} => …: a remark
            start = self.i
            words = re.findall(r"[A-Za-z.']+", self.next().text.lower())
            if self.relation(peek=True) != "=>" and not (words and words[0] in SENTENCE_WORDS):
                self.i = start  # \text{Let } u = …, \text{Proof } …, \text{Then } …: words of a sentence, not maths
        while True:
            if self.at(Kind.EOF):
                if rel:
                    raise ParseError(f"nothing after '{rel}'", self.tok.pos)
                break
            op = self.relation()
            if op is not None:
                if rel:
                    raise ParseError(f"two relations in a row ('{rel}' then '{op}')", self.tok.pos)
                rel = op
                continue
            begin = self.tok.pos
            out.append((rel, self.expr()))
            self.spans.append((begin, self.tok.pos))
            rel = ""
            if not self.at(Kind.EOF) and self.relation(peek=True) is None:
                raise ParseError(f"unexpected '{self.tok.text}'", self.tok.pos)
        return out

    def relation(self, peek: bool = False) -> str | None:
        """relation := '=' | '<' | '>' | '<=' | '>=' | \\neq … | \\approx ('~') | \\Rightarrow, => … ('=>')."""
        t = self.tok
        op: str | None = None
        if t.is_op("=") and self.peek().is_op(">"):  # => written in ASCII: an implication
            op = "=>"
            if not peek:
                self.next()
        elif t.is_op("=", "<", ">"):
            op = t.text
        elif t.kind is Kind.CMD and t.text in VOCABULARY.relations:
            op = VOCABULARY.relations[t.text]
        elif t.kind is Kind.CMD and t.text in IMPLICATIONS:
            op = "=>"
        if op is not None and not peek:
            self.next()
            if op in "<>" and self.at_op("="):
                self.next()
                op += "="
        return op

    # -- grammar
    def expr(self) -> Node:
        """expression := ['+'] signed_term (('+' | '-') term)*."""
        self.enter()
        terms: list[Node] = []
        if self.at_op("+"):
            self.next()
        terms.append(self.signed_term())
        dots: list[int] = []  # positions in terms of an ellipsis (x_1 + x_2 + \dots + x_n)
        while self.at_op("+", "-") or self.at_cmd("pm"):
            op = self.next().text
            if op == "pm":
                raise ParseError("'\\pm' is not a single value", self.tok.pos)
            if op == "+" and self.tok.kind is Kind.CMD and self.tok.text in DOTS and self.peek().is_op("+", "-"):
                dots.append(len(terms))
                self.next()
                continue
            t = self.term()
            terms.append(Neg(t) if op == "-" else t)
        self.leave()
        for at in reversed(dots):
            terms = self._filled(terms, at)
        for t in terms:
            inner = t.arg if isinstance(t, Neg) else t
            factors = inner.factors if isinstance(inner, Mul) else (inner,)
            sums = [f for f in factors if isinstance(f, Reach) and isinstance(f.near, Add)]
            if (inner is not t or len(factors) > 1) and sums:
                # 3 \frac{d}{dx} x^2 + 1: whether the 3 and the + 1 belong to the derivative, nothing says
                raise ParseError(
                    "how far the derivative reaches is unclear (the product, or the whole sum?): "
                    "write its operand in parentheses",
                    self.tok.pos,
                )
        node = terms[0] if len(terms) == 1 else Add(tuple(terms))
        while self.at_op(AT):  # F \Big|_{x = 0}: everything before, evaluated at the point
            node = self.at_point(node)
        return node

    def at_point(self, node: Node) -> Node:
        """at := expression ('\\right|' | '\\Big|') '_' '{' variable '=' value {',' variable '=' value} '}'
        (``\\Big|_{w=0, b=0}``: at each, in turn)."""
        pos = self.next().pos
        if not self.at_op("_"):
            raise ParseError("'\\right|' needs the point: '\\right|_{x = 0}'", pos)
        self.next()
        tokens, end = self.script()
        pieces: list[list[Token]] = [[]]
        depth = 0
        for t in tokens:
            depth += t.is_op("(", "[", "{") - t.is_op(")", "]", "}")
            if depth == 0 and t.is_op(","):
                pieces.append([])
            else:
                pieces[-1].append(t)
        for piece in pieces:
            if not piece:
                raise ParseError("the point of '\\right|_{…}' must be 'variable = value'", pos)
            chain = self.sub(piece, piece[-1].end).parse_relation_chain()
            if len(chain) != 2 or chain[1][0] != "=" or not is_variable(chain[0][1]):
                raise ParseError("the point of '\\right|_{…}' must be 'variable = value'", pos)
            node = At(node, chain[0][1], chain[1][1])
        return node

    def signed_term(self) -> Node:
        """signed_term := '-' signed_term | ['+'] term."""
        if self.at_op("-"):
            self.next()
            return Neg(self.signed_term())
        if self.at_op("+"):
            self.next()
        return self.term()

    def starts_factor(self) -> bool:
        """Whether the current token can start a factor of an implicit product."""
        t = self.tok
        if t.kind in (Kind.NUM, Kind.NAME, Kind.TEXT, Kind.BEGIN):
            return t.kind is not Kind.TEXT or t.text.lower() not in ("if", "o.w", "otherwise", "else", "where")
        if t.kind is Kind.OP:
            return (
                t.text in ("(", "[", "{", LEFT_DOT)
                or (t.text == "|" and not self.in_abs)
                or (t.text == NORM and not self.in_norm)
            )
        if t.kind is Kind.CMD:
            if t.text in VOCABULARY.relations or t.text in IMPLICATIONS:
                return False
            return t.text not in (*JOINERS, "end")
        return False

    def term(self) -> Node:
        """term := product (('\\odot' | '\\circ') product)*, product := unary (('\\cdot' | '\\times' | '*' | '/') unary
        | factor)*: juxtaposition and \\cdot bind tighter than the elementwise product."""
        self.enter()
        factors: list[Node] = [self.unary()]
        hadamard: list[Node] = []  # the products already closed by \odot: W^T d \odot σ'(z) is (W^T d) ⊙ σ'(z)
        dots: list[int] = []
        while True:
            if self.at_cmd("cdot", "times") or self.at_op("*"):
                if self.at_cmd("cdot"):
                    dots.append(len(factors))
                self.next()
                factors.append(self.unary())
            elif self.at_cmd("odot", "circ"):
                self.next()
                hadamard.append(factors[0] if len(factors) == 1 else Mul(tuple(factors), False, tuple(dots)))
                factors, dots = [self.unary()], []
            elif self.at_op("/"):
                pos = self.tok.pos
                self.next()
                den = self.unary()
                num = factors[0] if len(factors) == 1 else Mul(tuple(factors), False, tuple(dots))
                dots = []
                if isinstance(num, Partial) and isinstance(den, Partial):
                    if not is_variable(den.of):
                        raise ParseError("'\\partial' must be followed by a variable after '/'", pos)
                    factors = [Deriv(num.of, den.of)]
                else:
                    factors = [Div(num, den)]
            elif self.starts_factor():
                factors.append(self.factor())
            else:
                break
        self.leave()
        last = factors[0] if len(factors) == 1 else Mul(tuple(factors), False, tuple(dots))
        return Mul((*hadamard, last), True) if hadamard else last

    def unary(self) -> Node:
        """unary := '-' unary | '+' unary | factor."""
        if self.at_op("-"):
            self.next()
            return Neg(self.unary())
        if self.at_op("+"):
            self.next()
            return self.unary()
        return self.factor()

    def factor(self) -> Node:
        """factor := sum | fraction | primary postfix*."""
        if self.at_cmd("sum", "prod"):
            return self.sum()
        if self.at_cmd("frac", "dfrac", "tfrac"):
            return self.frac()
        return self.postfix(self.primary())

    def postfix(self, node: Node) -> Node:
        """postfix := '_' script | '^' script | "'" (of a function) | '!' | '(' arguments ')' | operand of \\log x."""
        logged: Node | None = None  # a logarithm just applied to a parenthesised argument
        while True:
            if self.at_op("_") and isinstance(node, Func) and node.name == "log" and not node.primes:
                pos = self.next().pos  # \log_2 x, \log_{10} x: the logarithm to that base
                tokens, _ = self.script()
                base = "".join(t.text for t in tokens)
                named = {"2": "log2", "10": "log10", "e": "log"} | {str(b): f"log{b}" for b in LOG_BASES}
                if base not in named:
                    raise ParseError(f"a logarithm to base '{base}' is not supported (a whole number 2…10, 16, or e)",
                                     pos)  # fmt: skip
                node = Func(named[base], 0, node.power)
            elif self.at_op("_"):
                pos = self.next().pos
                tokens, end = self.script()
                node = self.subscript(node, tokens, end, pos)
                if _is_jacobian_operator(node) and self.at_op("("):
                    # \mathbf{J}_{\mathbf{x}}(\mathbf{s}): the Jacobian of s with respect to x, ∂s/∂x
                    self.next()
                    of = self.expr()
                    self.expect_op(")", "')'")
                    node = Deriv(of, node.indices[0], 1)  # type: ignore[union-attr]
                    continue
                base = node.base if isinstance(node, Index) else node
                named = isinstance(base, Sym) and base.name.split("_{")[0] in self.notation.subscripted_functions
                if named and (self.at_op("(", "'") or self.at_cmd("prime")):
                    # g_1(x) = σ(x): a function named with a subscript — read as g_1·(x) it would be a product
                    raise ParseError("a function named with a subscript ('g_1(x)') is not read: name it without "
                                     "one (g(x), or a letter of its own)", pos)  # fmt: skip
            elif self.at_op("^"):
                if logged is node:
                    # \log(x − 1)^2: the square of the logarithm, or (as \log x^2) the logarithm of the square?
                    raise ParseError("'\\log(…)^2' may be the square of the logarithm or the logarithm of the "
                                     "square: write (\\log(…))^2 or \\log((…)^2)", self.tok.pos)  # fmt: skip
                pos = self.next().pos
                tokens, end = self.script()
                node = self.superscript(node, tokens, end, pos)
            elif self.at_op("'") and isinstance(node, Func):
                self.next()
                node = Func(node.name, node.primes + 1, node.power)
            elif self.at_op("!") and not isinstance(node, Func):
                self.next()  # n!, (n − 1)!: the factorial
                node = Call(Func("factorial"), (node,))
            elif isinstance(node, Func) and (
                self.at_op("(") or (self.at_op("[") and node.name in self.notation.functions)
            ):
                node = self.call(node)
                if node.func.name.startswith("log") and node.func.power is None:  # type: ignore[attr-defined]
                    logged = node
            elif isinstance(node, Func) and _bare_operand(node.name):
                if not self.starts_factor():
                    raise ParseError(f"'\\{node.name}' needs an argument", self.tok.pos)
                node = Call(node, (self.power_operand(),))
            else:
                return node

    def power_operand(self) -> Node:
        """operand := '-' operand | fraction | primary postfix*: ``\\log x^2`` is log(x²)."""
        if self.at_op("-"):
            self.next()
            return Neg(self.power_operand())
        if self.at_cmd("frac", "dfrac"):
            return self.frac()
        return self.postfix(self.primary())

    def script(self) -> tuple[list[Token], int]:
        """script := '{' tokens '}' | one token (a letter, a digit, a command, a text, an upper-case run)."""
        t = self.tok
        if t.is_op("{"):
            return self.group()
        if t.kind is Kind.EOF:
            raise ParseError("a script needs something after '_' or '^'", t.pos)
        self.next()
        if t.kind is Kind.NAME and len(t.text) > 1 and not t.text.isupper():
            raise ParseError("a script of several letters needs braces", t.pos)
        if t.kind is Kind.NUM and len(t.text) > 1:
            raise ParseError("a script of several digits needs braces ('x_{12}')", t.pos)
        return [t], t.end

    def subscript(self, node: Node, tokens: list[Token], end: int, pos: int) -> Node:
        """subscript := label (\\text{out}, MSE, out) | letters (ij) | index (',' index)*; δ_ij: Kronecker's delta."""
        if not tokens:
            raise ParseError("empty subscript", pos)
        if isinstance(node, Sym) and len(tokens) == 1:
            t = tokens[0]
            if t.kind is Kind.TEXT or (t.kind is Kind.NAME and len(t.text) > 1 and t.text.isupper()):
                return Sym(f"{node.name}_{{{t.text}}}")
        parts = _split(tokens, ",")
        word = "".join(t.text for t in tokens)
        letters = word.isalpha() and _adjacent_letters(tokens)
        if isinstance(node, Sym) and len(tokens) >= 3 and letters and not set(word) <= set("ijklmn"):
            return Sym(f"{node.name}_{{{word}}}")  # N_{out}, y_{actual}: a word labels the name, it indexes nothing
        if len(parts) == 1 and 2 <= len(tokens) <= 3 and _adjacent_letters(tokens):
            parts = [[t] for t in tokens]  # \delta_{ij}, W_{jk}
        idx = tuple(self.sub(p, p[-1].end if p else end).parse_expression() for p in parts)
        if isinstance(node, Sym) and node.name == "\\delta" and len(idx) == 2:
            return Call(Func("kronecker"), idx)
        return Index(node, idx)

    def superscript(self, node: Node, tokens: list[Token], end: int, pos: int) -> Node:
        """superscript := T | \\top (transpose) | \\prime | layer tag (o, (1), [l]) | exponent."""
        if not tokens:
            raise ParseError("empty superscript", pos)
        first = tokens[0]
        horizon = first.text in self.notation.size_letters and _scalar_name(node)  # γ^T, T the horizon: a power
        if len(tokens) == 1 and ((first.kind is Kind.NAME and first.text == "T" and not horizon)
                                 or first.is_cmd("top", "intercal")):  # fmt: skip
            return Transpose(node)
        if len(tokens) == 1 and (first.is_cmd("prime") or first.is_op("'")) and isinstance(node, Func):
            return Func(node.name, node.primes + 1)
        last = tokens[-1]
        if len(tokens) >= 2 and ((last.kind is Kind.NAME and last.text == "T") or last.is_cmd("top", "intercal")):
            # W^{[2]\top}, W^{(2)T}: the layer tag, then the transpose
            try:
                tagged = self.superscript(node, tokens[:-1], last.pos, pos)
            except ParseError:
                tagged = None
            if isinstance(tagged, (Sym, Index)):
                return Transpose(tagged)
        raw = self.source(tokens)
        bracketed = len(tokens) >= 3 and (
            (tokens[0].is_op("(") and tokens[-1].is_op(")")) or (tokens[0].is_op("[") and tokens[-1].is_op("]"))
        )
        grouped = node is self.grouped  # (w)^2 is a power, whatever w's layers are
        layer = (
            raw.isdigit()
            and not grouped
            and isinstance(node, (Sym, Index))
            and _base_name(node) in self.notation.layered
        )
        lettered = re.fullmatch(r"([A-Za-z])(?:[+-][1-9])?", raw.replace(" ", ""))
        layer |= (
            bool(lettered)
            and not grouped
            and isinstance(node, (Sym, Index))
            and lettered.group(1) in self.notation.layer_letters
            and not (  # Σ_k γ^k: γ to the power k; β^t with t a sum's bound
                (lettered.group(1) in self.summed or lettered.group(1) in self.notation.size_letters)
                and _scalar_name(node)
            )
        )
        if raw in self.notation.tags or (bracketed and len(raw) <= 6) or layer:
            if isinstance(node, Sym):
                return Sym(f"{node.name}^{{{raw}}}")
            if isinstance(node, Index) and isinstance(node.base, Sym):
                return Index(Sym(f"{node.base.name}^{{{raw}}}"), node.indices)
            raise ParseError(f"layer tag '^{raw}' on something that is not a name", first.pos)
        exp = self.sub(tokens, end).parse_expression()
        euler = isinstance(node, Const) and node.name == "e"  # e^{150} is exp(150): no power to expand
        if isinstance(exp, Num) and abs(exp.value) > MAX_EXPONENT and not euler:
            raise ParseError(f"exponent larger than {MAX_EXPONENT}", first.pos)
        if _tower(exp) >= MAX_TOWER:  # 2^{2^{2^{2^{2}}}} has 19729 digits: refused before anything computes it
            raise ParseError(f"powers nested more than {MAX_TOWER} deep", first.pos)
        if isinstance(node, Const) and node.name == "e":
            return Call(Func("exp"), (exp,))
        if isinstance(node, Func):
            if exp in (Num(Fraction(-1)), Neg(Num(Fraction(1)))):  # f^{-1}: the inverse function, not 1/f
                f = VOCABULARY.by_name.get(node.name)
                if f is None or f.inverse is None or node.primes:
                    raise ParseError(f"inverse function '{node.name}^{{-1}}' is not supported", first.pos)
                return Func(f.inverse)
            return Func(node.name, node.primes, exp)
        return Pow(node, exp)

    def _bracket_call(self, func: Func) -> bool:
        """H[P] with H a function of this file: its argument in brackets."""
        return self.at_op("[") and func.name in self.notation.functions

    def call(self, func: Func) -> Node:
        """call := '(' expression (',' expression)* ')' | '[' … ']' (H[P], a functional's argument)."""
        close = "]" if self.tok.is_op("[") else ")"
        start = self.next().pos
        divergence = func.name in DIVERGENCES  # KL(p ‖ q): '‖' parts its two arguments
        self.in_norm += divergence
        try:
            args = [self.expr()]
            while self.at_op(",") or (divergence and self.at_op(NORM)):
                self.next()
                args.append(self.expr())
        finally:
            self.in_norm -= divergence
        self.expect_op(close, f"'{close}' to close the arguments")
        if func.name == "kronecker" and len(args) != 2:
            raise ParseError("Kronecker delta takes two indices", start)
        return Call(func, tuple(args))

    def sum(self) -> Node:
        """sum := (\\sum | \\prod) [\\limits] scripts signed_term, the scripts ``_{…}`` and ``^{…}`` in either order;
        below: ``k``, ``k=1``, ``k \\neq i``, ``j=1, j \\neq i``, ``i,j`` (a double sum)."""
        start = self.next()
        product = start.text == "prod"
        below: list[Token] | None = None
        hi: Node | None = None
        below_end = start.end
        while self.at_op("_", "^"):
            op = self.next()
            tokens, end = self.script()
            if op.text == "_":
                if below is not None:
                    raise ParseError("two subscripts on one sum", op.pos)
                below, below_end = tokens, end
            else:
                if hi is not None:
                    raise ParseError("two superscripts on one sum", op.pos)
                hi = self.sub(tokens, end).parse_expression()
        ranges = self._sum_indices(below, below_end, start.pos) if below is not None else []
        if not self.starts_factor() and not self.at_op("-"):
            raise ParseError("a sum needs a body", self.tok.pos)
        body_pos = self.tok.pos
        bound = [var for var, _, _ in ranges]
        self.summed.extend(bound)
        try:
            node = self.signed_term()
        finally:
            del self.summed[len(self.summed) - len(bound) :]
        if below is None:  # \sum e^{z_j}, \sum^K y_k: the one index letter of the body is the index
            letters = _free_index_letters(node)
            if len(letters) != 1:
                raise ParseError("a sum needs its index ('\\sum_k'): the body has no single index letter", body_pos)
            ranges = [(letters.pop(), None, ())]
        for var, lo, exclude in reversed(ranges):
            node = Sum(var, node, lo, hi, product, exclude)
        return node

    def _sum_indices(self, tokens: list[Token], end: int, pos: int) -> list[tuple[str, Node | None, tuple[Node, ...]]]:
        """The indices below a sum, each with its lower bound and the values it skips, in order."""
        expected = "expected a summation index like '_k', '_{k=1}', '_{k \\neq i}' or '_{i,j}'"
        out: list[tuple[str, Node | None, list[Node]]] = []
        for part in _split(tokens, ","):
            first = part[0] if part else None
            if first is None or first.kind is not Kind.NAME or len(first.text) != 1:
                raise ParseError(expected, first.pos if first else pos)
            rest = part[1:]
            known = next((r for r in out if r[0] == first.text), None)
            if not rest:
                if known is not None:
                    raise ParseError(expected, first.pos)
                out.append((first.text, None, []))
                continue
            value = self.sub(rest[1:], part[-1].end).parse_expression() if len(rest) > 1 else None
            if value is None:
                raise ParseError(expected, rest[0].pos)
            if rest[0].is_op("=") and known is None:
                out.append((first.text, value, []))
            elif rest[0].is_cmd("neq", "ne"):
                if known is None:
                    out.append((first.text, None, [value]))
                else:
                    known[2].append(value)
            else:
                raise ParseError(expected, rest[0].pos)
        return [(var, lo, tuple(exclude)) for var, lo, exclude in out]

    def frac(self) -> Node:
        """fraction := \\frac argument argument: a Leibniz derivative, or a quotient."""
        self.next()
        num, num_end = self.frac_argument("the numerator of \\frac")
        den, den_end = self.frac_argument("the denominator of \\frac")
        deriv = self.leibniz(num, num_end, den, den_end)
        if deriv is not None:
            if self.at_op("^") and len(self.tokens) > self.i + 1:  # (\frac{∂L}{∂W})ᵀ written \frac{…}{…}^\top
                nxt = self.tokens[self.i + 1]
                if nxt.is_cmd("top", "intercal") or (nxt.kind is Kind.NAME and nxt.text == "T"):
                    self.next()
                    self.next()
                    return Transpose(deriv)
            return deriv
        return self.postfix(Div(self.sub(num, num_end).parse_expression(), self.sub(den, den_end).parse_expression()))

    def frac_argument(self, what: str) -> tuple[list[Token], int]:
        """argument := '{' tokens '}' | one letter or digit."""
        t = self.tok
        if t.is_op("{"):
            return self.group()
        if t.kind in (Kind.NUM, Kind.NAME) and len(t.text) == 1:
            self.next()
            return [t], t.end
        raise ParseError(f"expected {what}", t.pos)

    def leibniz(self, num: list[Token], num_end: int, den: list[Token], den_end: int) -> Node | None:
        """leibniz := d[^k] [F] / d x[^k]: ``\\frac{dF}{dx}``, ``\\frac{\\partial F}{\\partial x}``, ``\\frac{d}{dx}``.

        None when the fraction is not a derivative (``\\frac{d}{2}``, ``\\frac{dx}{d(x)}``).
        """
        if not num or not den:
            return None
        variation = num[0].is_cmd("delta") and den[0].is_cmd("delta")  # \frac{\delta L}{\delta y}: a derivative
        if not variation and (not _is_d(num[0]) or not _is_d(den[0])):
            return None
        if len(den) < 2 or not (den[1].kind in (Kind.NAME, Kind.CMD, Kind.TEXT) or den[1].is_op("{")):
            return None
        k = 1
        order = 1
        if len(num) > 1 and num[1].is_op("^"):
            order, k = _order(num, 2)
        wrt_tokens = den[1:]
        splits = [j for j, t in enumerate(den) if j > 0 and t.is_cmd("partial")] if den[0].is_cmd("partial") else []
        if order > 1 and splits:  # \frac{\partial^2 L}{\partial a \partial b}: one derivative after the other
            bounds = [0, *splits, len(den)]
            wrts: list[tuple[Node, int]] = []
            for a, b in itertools.pairwise(bounds):
                part = den[a + 1 : b]
                k_order = _trailing_order(part) if len(part) >= 3 else None
                if k_order is not None:
                    part = part[: _trailing_order_start(part)]
                w = self.sub(part, den[b].pos if b < len(den) else den_end).parse_expression()
                if not is_variable(w):
                    return None
                wrts.append((w, k_order or 1))
            if sum(k for _, k in wrts) != order:
                raise ParseError("the orders of a mixed derivative do not match", den[0].pos)
            self.reach, self.reach_product = (), ()
            operand = self._leibniz_operand(num[k:], num_end, wrts[-1][0])
            rest, self.reach = self.reach, ()
            more, self.reach_product = self.reach_product, ()

            def mixed(of: Node) -> Node:
                for w, k_order in reversed(wrts):
                    of = Deriv(of, w, k_order)
                return of

            if rest and not any(_starts_with_derivative(t) for t in rest):  # as for one variable, below
                return Reach(mixed(Add((operand, *rest))), Add((mixed(operand), *rest)))
            if rest:
                return Add((mixed(operand), *rest))
            if more:
                return Reach(mixed(Mul((operand, *more))), Mul((mixed(operand), *more)))
            return mixed(operand)
        if order > 1:
            if len(wrt_tokens) < 3 or _trailing_order(wrt_tokens) != order:
                raise ParseError("the orders of a higher derivative do not match", den[0].pos)
            wrt_tokens = wrt_tokens[: _trailing_order_start(wrt_tokens)]
        wrt = self.sub(wrt_tokens, den_end).parse_expression()
        if not is_variable(wrt):
            return None
        self.reach, self.reach_product = (), ()
        operand = self._leibniz_operand(num[k:], num_end, wrt)
        rest, self.reach = self.reach, ()
        more, self.reach_product = self.reach_product, ()
        if rest and any(_starts_with_derivative(t) for t in rest):
            # \frac{d}{dx} x^2 + \frac{d}{dx} x^3: a derivative operator in each term, each taking its own term
            return Add((Deriv(operand, wrt, order), *rest))
        if rest:  # the operator before an unparenthesised sum: of the whole sum first, of its first term second
            return Reach(Deriv(Add((operand, *rest)), wrt, order), Add((Deriv(operand, wrt, order), *rest)))
        if more:  # before a function and more factors: of the whole product first, of the function second
            return Reach(Deriv(Mul((operand, *more)), wrt, order), Mul((Deriv(operand, wrt, order), *more)))
        return Deriv(operand, wrt, order)

    def rest_of_sum(self) -> tuple[Node, ...]:
        """rest := (('+' | '-') term)+ — the terms after the first of a sum."""
        terms: list[Node] = []
        while self.at_op("+", "-"):
            op = self.next().text
            t = self.term()
            terms.append(Neg(t) if op == "-" else t)
        return tuple(terms)

    def _leibniz_operand(self, rest: list[Token], num_end: int, wrt: Node) -> Node:
        """What a Leibniz derivative differentiates: its numerator after d, else the operand after the fraction."""
        if len(rest) >= 2 and rest[0].is_op("_"):  # \frac{\partial_{MSE}}{\partial w}: ∂ MSE / ∂ w
            rest = rest[1:]
        if not rest:
            if not self.starts_factor() and not self.at_op("-"):
                raise ParseError("a derivative operator needs something to differentiate", self.tok.pos)
            if self.at_op("(", "["):  # d/dx (…): the parentheses delimit the operand
                operand = self.postfix(self.paren())
            elif self.at(Kind.CMD) and VOCABULARY.function_command(self.tok.text) and self.peek().text in ("(", "'"):
                operand = self.postfix(self.primary())
                factors: list[Node] = []
                while self.starts_factor() or self.at_cmd(
                    "cdot", "times"
                ):  # d/da exp(a) (Σ_k …)^{-1}: of exp, or both?
                    if self.at_cmd("cdot", "times"):
                        self.next()
                    factors.append(self.factor())
                if factors:
                    self.reach_product = tuple(factors)
            else:  # otherwise the operator takes the rest of the product, like a sum
                operand = self.signed_term()
                if self.at_op("+", "-"):  # \frac{\partial}{\partial w} w a + b: of w·a, or of the whole sum?
                    self.reach = self.rest_of_sum()
                elif isinstance(operand, Mul) and not operand.elementwise and len(operand.factors) > 1:
                    # \frac{d}{dx} e^{x} \cdot e^{-x}: of the product, or of its first factor? (the product first)
                    self.reach_product = operand.factors[1:]
                    operand = operand.factors[0]
            return operand
        of = self.sub(rest, num_end).parse_expression()
        if isinstance(of, Func):
            of = Call(of, (wrt,))
        return of

    def primary(self) -> Node:
        """primary := number | name | text | '(' … ')' | '{' … '}' | '|' … '|' | environment | command
        | '\\left.' expression '\\right|_{x = a}'."""
        if self.at_op(LEFT_DOT):
            pos = self.next().pos
            inner = self.expr()
            if not isinstance(inner, At):
                raise ParseError("'\\left.' without '\\right|_{…}'", pos)
            return inner
        self.enter()
        try:
            return self._primary()
        finally:
            self.leave()

    def _primary(self) -> Node:
        t = self.tok
        if t.kind is Kind.NUM:
            self.next()
            brace = self.tok
            if t.text == "1" and brace.is_op("(") and brace.end - brace.pos == 2 and self.text[brace.pos] == "\\":
                return self.indicator(t.pos)  # 1\{k = i\}: the indicator (\{ is the only two-character '(')
            decimals = len(t.text.split(".", 1)[1]) if "." in t.text else None
            return Num(Fraction(t.text), decimals)
        if t.kind is Kind.NAME:
            self.next()
            return self.name(t.text)
        if t.kind is Kind.TEXT:
            self.next()
            word = t.text.strip()
            f = VOCABULARY.function_word(word)
            if f is not None:
                return Func(f.name)
            if word == "e":
                return Const("e")  # \mathrm{e}, \text{e}: Euler's number, as upright e is written
            if re.fullmatch(r"[A-Za-z][A-Za-z0-9]*", word):
                return self.name(word, text_cmd=True)
            raise ParseError(f"'\\text{{{word}}}' is not a name", t.pos)
        if t.is_op("(", "["):
            self.grouped = self.paren()
            return self.grouped
        if t.is_op("{"):
            tokens, end = self.group()
            self.grouped = self.sub(tokens, end).parse_expression()
            return self.grouped
        if t.is_op("|"):
            self.next()
            self.in_abs += 1
            inner = self.expr()
            self.in_abs -= 1
            self.expect_op("|", "'|' to close the absolute value")
            return Abs(inner)
        if t.is_op(NORM):
            return self.norm()
        if t.kind is Kind.BEGIN:
            return self.environment()
        if t.kind is Kind.CMD:
            return self.command()
        found = t.text or "end of formula"
        raise ParseError(f"expected a value, found '{found}'", t.pos)

    def name(self, text: str, text_cmd: bool = False) -> Node:
        """name := a function's word | e (Euler's number) | a defined function before '(' | S( / CE( | a name;
        argmax, lim, sup … are refused (an operator over an index or a limit, not a value)."""
        if text.replace(" ", "").lower() in INDEX_OPERATORS:
            raise ParseError(f"'{text}' (an operator over an index or a limit) is not supported", self.tok.pos)
        f = VOCABULARY.by_word.get(text)
        if f is not None:
            return Func(f.name)
        if text == "e" and not text_cmd:
            return Const("e")
        if text in self.notation.functions and (self.at_op("(", "'", "[") or self._power_then_argument()):  # H[P]
            return Func(text)
        if (text == "S" or (text.isupper() and len(text) > 1)) and self.at_op("("):
            return Func("softmax" if text == "S" else text)
        (self.notation.applied if self.at_op("(") else self.notation.bare).add(text)
        return Sym(self.notation.aliases.get(text, text))

    def command(self) -> Node:
        """command := constant | function | Greek letter | decoration{letter} | \\nabla name | \\sqrt | \\partial."""
        t = self.next()
        name = OLD_FONTS.get(t.text, t.text)  # {\cal C}, {\bf x}: the plain-TeX spellings of \mathcal, \mathbf
        if name == "pi" and self.at_op("_"):  # π_i, a policy's probabilities: a name, not 3.14159…
            return Sym("\\pi")
        if name in CONSTANTS:
            return Const(CONSTANTS[name])
        if name in self.notation.rebind:
            return Func(self.notation.rebind[name])
        if "\\" + name in self.notation.functions and (self.at_op("(", "'") or self._power_then_argument()):
            return Func("\\" + name)  # a Greek name the file defines as a function: \ell(y, ŷ) = …
        if name in INDEX_OPERATORS:  # \lim_{h \to 0}, \arg\max_j, \sup
            raise ParseError(f"'\\{name}' (an operator over an index or a limit) is not supported", t.pos)
        if name in self.notation.both and not self.at_op("(", "'") and not self.at_cmd("left", "big", "Big", "bigl"):
            # σ(z) and a variance σ² = … in one file: a bare σ (dσ²/dz) is either
            raise ParseError(f"'\\{name}' without an argument, in a file where it is both the sigmoid and a variable "
                             f"(\\{name}^2 = …): write \\{name}(z) for the sigmoid, or another letter for the variable",
                             t.pos)  # fmt: skip
        if name in self.notation.variables:  # σ_B² = …, σ² the variance: a variable here, not the sigmoid
            return Sym(self.notation.aliases.get("\\" + name, "\\" + name))
        f = VOCABULARY.function_command(name)
        if f is not None:
            if f.name in ("max", "min") and self.at_op("_"):
                raise ParseError(f"'\\{name}_{{…}}' (the {name} over an index) is not supported", t.pos)
            return Func(f.name)
        if name in GREEK:
            return Sym(self.notation.aliases.get("\\" + name, "\\" + name))
        if name in DECORATIONS or name == "mathbb":
            if self.at_op("{"):
                inner, _ = self.group()
            else:
                inner = [self.next()]
            one = len(inner) == 1 and (inner[0].text == "1" or (name == "mathbb" and inner[0].text == "I"))
            if one and self.at_op("(", "[", "_"):  # \mathbb{1}\{y = k\}, \mathbb{1}[i = j], \mathbb{1}_{i = j}
                return self.indicator(t.pos)
            if one and name != "mathbb":
                return Const("ones")  # \mathbf{1}: the vector of ones, as long as where it stands needs
            if len(inner) == 1 and inner[0].text == "0" and name in BOLD_DECORATIONS:
                return Const("zeros")  # \mathbf{0}: the zero vector, sized the same way
            if name == "mathbb":
                raise ParseError(f"'\\mathbb{{{self.source(inner)}}}' is not a value that can be checked", t.pos)
            script: list[Token] = []
            if len(inner) > 2 and inner[1].is_op("_"):  # \hat{y_1}, \hat{y_{ij}}: the hat is over the name only
                inner, script = inner[:1], inner[1:]
            if len(inner) > 1 and inner[0].kind is Kind.CMD and inner[0].text in DECORATIONS:
                return self._nested_decoration(name, inner, t.pos)
            letter = inner[0] if len(inner) == 1 else None
            if letter is not None and letter.kind is Kind.NAME and len(letter.text) == 1:
                text = letter.text
            elif letter is not None and letter.kind is Kind.CMD:
                text = "\\" + letter.text
            else:
                raise ParseError(f"'\\{name}' over something that is not a letter", t.pos)
            full = bold_spelling(name, text)
            if full in self.notation.functions and self.at_op("(", "'"):
                return Func(full)  # \mathcal{L}(w) = … defines a function
            node = Sym(self.notation.aliases.get(full, full))
            if script:
                sub = self.sub(script[1:], script[-1].end)
                tokens, end = sub.script()
                if not sub.at(Kind.EOF):
                    raise ParseError(f"'\\{name}' over a name with more than one script", t.pos)
                return sub.subscript(node, tokens, end, script[0].pos)
            return node
        if name in (
            "underbrace",
            "overbrace",
        ):  # \\underbrace{σ(z)(1 − σ(z))}_{σ'(z)}: the value braced, its note aside
            if not self.at_op("{"):
                raise ParseError(f"'\\{name}' needs a group", t.pos)
            tokens, end = self.group()
            value = self.sub(tokens, end).parse_expression()
            if self.at_op("_" if name == "underbrace" else "^"):
                self.next()
                self.script()
            return value
        if name == "boxed":  # \\boxed{…}: the value inside the box
            if not self.at_op("{"):
                raise ParseError("'\\boxed' needs a group", t.pos)
            tokens, end = self.group()
            return self.sub(tokens, end).parse_relation_or_expression()
        order = 1
        if name == "nabla" and self.at_op("^"):  # \nabla^2_{w} L: the Hessian by w
            before = self.i
            self.next()
            tokens, _ = self.script()
            if self.source(tokens).strip() == "2" and self.at_op("_"):
                order = 2
            else:
                self.i = before
        if name in ("nabla", "partial") and self.at_op("_"):  # \nabla_{W} L, \partial_{z_j} L: ∂L/∂W
            self.next()
            tokens, end = self.script()
            wrt = self.sub(tokens, end).parse_expression()
            if not is_variable(wrt):
                raise ParseError(f"'\\{name}_{{…}}' must name a variable", t.pos)
            if order == 1 and self.at_op("^"):  # \partial_{x}^2 f, \nabla_{w}^2 L: the second derivative
                op = self.next()
                tokens, _ = self.script()
                if self.source(tokens).strip() != "2":
                    raise ParseError(f"'\\{name}_{{…}}^{{…}}': only the second derivative (^2) is supported", op.pos)
                order = 2
            if self.at_op("(", "["):
                operand = self.postfix(self.paren())
            elif not self.starts_factor():
                raise ParseError(f"'\\{name}_{{…}}' needs something to differentiate", self.tok.pos)
            else:
                operand = self.postfix(self.primary())
            if isinstance(operand, Func):
                operand = Call(operand, (wrt,))
            if name == "nabla" and order == 2:  # the Hessian: the Jacobian of the gradient (∂²L/∂w_i∂w_j)
                return Deriv(Deriv(operand, wrt), wrt)
            return Deriv(operand, wrt, order)
        if name == "nabla":
            return self.nabla(t.pos)
        if name == "sqrt":
            if self.at_op("["):
                raise ParseError("only square roots are supported", t.pos)
            return Pow(self.primary(), Num(Fraction(1, 2)))
        if name == "partial":  # ∂L/∂w written inline: ∂ followed by what it differentiates, then / ∂ variable
            return Partial(self.postfix(self.primary()))
        if name in DOTS:
            raise ParseError("an ellipsis ('\\dots') is not a value that can be checked", t.pos)
        if name == "lvert":
            inner = self.expr()
            if not self.at_cmd("rvert"):
                raise ParseError(f"expected '\\rvert', found '{self.tok.text or 'end of formula'}'", self.tok.pos)
            self.next()
            return Abs(inner)
        if name in ("sum", "prod"):
            self.i -= 1
            return self.sum()
        if name in ("in", "notin", "subset", "subseteq"):  # p_i \in [0, 1]: a statement about a set, no value
            raise ParseError(f"'\\{name}' states where a value lies: not checked (only equalities are)", t.pos)
        raise ParseError(f"unknown command '\\{name}'{VOCABULARY.did_you_mean(name)}", t.pos)

    def _filled(self, terms: list[Node], at: int) -> list[Node]:
        """terms …, t_a, [t_{a+1},] ⋯, t_N, …: the terms a pattern runs over written as a sum Σ_{k=a}^{N} t_k.
        The pattern is what the term before the ellipsis and the one after have in common, a whole number a
        in the first where the last has N (x_1 … x_n, w_1 x_1 … w_n x_n, (y_1 - p_1)^2 … (y_n - p_n)^2); the
        term before that, if it follows the pattern at a - 1, is part of the run. Else the row is unreadable."""
        if at == 0 or at >= len(terms):
            raise ParseError("an ellipsis ('\\dots') with no terms on both sides", self.tok.pos)
        last = terms[at]
        found = _pattern(terms[at - 1], last)
        if found is None:
            raise ParseError("an ellipsis ('\\dots') whose terms follow no pattern the checker can read", self.tok.pos)
        template, start, var = found
        first = at - 1
        if first >= 1 and _substituted(template, var, Num(Fraction(start - 1))) == terms[first - 1]:
            first, start = first - 1, start - 1
        elif first >= 1 and _pattern(terms[first - 1], terms[first]) is not None:
            # x_1 + x_3 + ⋯ + x_n: odd indices, or 3 … n? Steps other than 1 are not read
            raise ParseError("an ellipsis ('\\dots') whose terms do not go up by 1", self.tok.pos)
        hi = _hole_value(template, var, last)
        run = Sum(var, template, lo=Num(Fraction(start)), hi=hi)
        return [*terms[:first], run, *terms[at + 1 :]]

    def nabla(self, pos: int) -> Node:
        """nabla := \\nabla ['^2'] (f(x) | NAME '(' x ')' | NAME): the gradient of f (of NAME) with respect to x,
        the Hessian with ^2; \\nabla NAME alone is a name of its own (∇W, a step's update)."""
        order = 1
        if self.at_op("^"):
            op = self.next()
            tokens, _ = self.script()
            if self.source(tokens).strip() != "2":
                raise ParseError("'\\nabla^{…}': only \\nabla^2 (the Hessian) is supported", op.pos)
            order = 2
        target = self.postfix(self.primary())
        wrt: Node | None = None
        if isinstance(target, Call) and len(target.args) == 1 and is_variable(target.args[0]):
            wrt = target.args[0]  # \nabla \mathcal{L}(\mathbf{w}): L a function of this file
        elif isinstance(target, Sym) and self.at_op("("):
            point = self.paren()
            if not is_variable(point):
                raise ParseError("'\\nabla f(…)' at something that is not a variable", pos)
            wrt = point
        if wrt is None:
            if not isinstance(target, Sym) or order == 2:
                raise ParseError("'\\nabla' must be followed by a name or a function of one variable", pos)
            return Sym("\\nabla " + target.name)
        node: Node = Deriv(target, wrt)
        return Deriv(node, wrt) if order == 2 else node

    def norm(self) -> Node:
        """norm := '‖' expression '‖' ['_' (1 | 2 | F)]: the Euclidean norm (1: the sum of absolute values, F: the
        Frobenius norm); ‖ is written \\|, \\lVert … \\rVert or \\Vert."""
        self.next()
        self.in_norm += 1
        inner = self.expr()
        self.in_norm -= 1
        self.expect_op(NORM, "'\\|' to close the norm")
        kind = ""
        if self.at_op("_"):
            op = self.next()
            tokens, _ = self.script()
            kind = self.source(tokens).strip()
            if kind not in ("1", "2", "F"):
                raise ParseError(f"the norm '_{{{kind}}}' is not supported (only 1, 2 and F)", op.pos)
        return Norm(inner, kind)

    def _nested_decoration(self, outer: str, inner: list[Token], pos: int) -> Node:
        """decoration{decoration{letter}}: one name, bold outermost (\\hat{\\mathbf{y}} and \\mathbf{\\hat{y}} are both
        \\mathbf{\\hat{y}}, whose entries are \\hat{y}_i)."""
        node = self.sub(inner, inner[-1].end).parse_expression()
        if not isinstance(node, Sym) or not node.name.startswith("\\"):
            raise ParseError(f"'\\{outer}' over something that is not a letter", pos)
        bold = BOLD_NAME.match(node.name)
        if outer in BOLD_DECORATIONS:
            full = node.name if bold else bold_spelling(outer, node.name)
        elif bold:
            full = bold_spelling(bold.group(1), f"\\{outer}{{{bold.group(2)}}}")
        else:
            full = f"\\{outer}{{{node.name}}}"
        return Sym(self.notation.aliases.get(full, full))

    def paren(self) -> Node:
        """paren := '(' expression (',' expression)* ')' | '[' … ']': a value, or a tuple as a row vector."""
        open_ = self.next().text
        close = ")" if open_ == "(" else "]"
        items: list[Node | None] = [self.expr()]
        while self.at_op(","):
            self.next()
            if self.tok.kind is Kind.CMD and self.tok.text in DOTS and self.peek().is_op(",", close):
                self.next()
                items.append(None)  # (x_1, \ldots, x_n): the entries between
                continue
            items.append(self.expr())
        self.expect_op(close, f"'{close}'")
        if len(items) == 1:
            return items[0]  # type: ignore[return-value]
        return self._entries(items, column=False, written_tuple=True)

    def _entries(self, items: list[Node | None], *, column: bool, written_tuple: bool = False) -> Node:
        """The entries of a vector, None for an ellipsis: (x_1, x_2, \\dots, x_n) is the vector of x_k, k = 1 … n."""
        if None not in items:
            return Vector(tuple(items), column=column, tuple=written_tuple)  # type: ignore[arg-type]
        at = items.index(None)
        if items.count(None) != 1 or at == 0 or at == len(items) - 1 or at != len(items) - 2:
            raise ParseError("an ellipsis ('\\dots') among the entries that the checker cannot read", self.tok.pos)
        before, last = items[:at], items[-1]
        found = _pattern(before[-1], last)  # type: ignore[arg-type]
        if found is None:
            raise ParseError(
                "an ellipsis ('\\dots') whose entries follow no pattern the checker can read", self.tok.pos
            )
        template, k, var = found
        start = k - (len(before) - 1)
        for offset, entry in enumerate(before):
            if _substituted(template, var, Num(Fraction(start + offset))) != entry:
                raise ParseError("an ellipsis ('\\dots') whose entries do not go up by 1", self.tok.pos)
        hi = _pattern_value(template, var, last)  # type: ignore[arg-type]
        assert hi is not None
        return Tabulated(var, template, Num(Fraction(start)), hi, column=column)

    def environment(self) -> Node:
        """environment := \\begin{bmatrix|pmatrix|matrix|Bmatrix|cases} rows \\end{…}; rows split at \\\\ and &."""
        begin = self.next()
        env = begin.text
        depth = 1
        body: list[Token] = []
        while True:
            tk = self.tok
            if tk.kind is Kind.EOF:
                raise ParseError(f"'\\begin{{{env}}}' without '\\end{{{env}}}'", begin.end)
            if tk.kind is Kind.BEGIN:
                depth += 1
            elif tk.kind is Kind.END:
                depth -= 1
                if depth == 0:
                    if tk.text != env:
                        raise ParseError(f"'\\begin{{{env}}}' closed by '\\end{{{tk.text}}}'", tk.pos)
                    self.next()
                    break
            body.append(self.next())
        rows = [r for r in _split(body, "\\\\") if r]
        if env in ("bmatrix", "pmatrix", "matrix", "Bmatrix"):
            if not rows:
                raise ParseError("an empty matrix", begin.end)
            cells = [_split(r, "&") for r in rows]
            if len(cells) == 1:  # one row: a row vector
                entries = tuple(self._cell(c, tk.pos) for c in cells[0])
                return self.postfix(Vector(entries, column=False))
            if max(len(c) for c in cells) > 1 and any(_is_dots(x) for c in cells for x in c):
                return self.postfix(self._grid(cells, begin.end))
            if any(len(c) != len(cells[0]) for c in cells):
                raise ParseError("the rows of a matrix have different numbers of entries", begin.end)
            if len(cells[0]) > 1:
                return self.postfix(MatrixLit(tuple(tuple(self._cell(x, tk.pos) for x in c) for c in cells)))
            entries = [None if _is_dots(c[0]) else self._cell(c[0], tk.pos) for c in cells]
            return self.postfix(self._entries(entries, column=True))
        if env == "cases":
            branches = []
            for r in rows:
                cols = _split(r, "&")
                if len(cols) != 2:
                    raise ParseError("a case needs a value and a condition separated by '&'", r[0].pos)
                branches.append((self._cell(cols[0], tk.pos), self.condition(cols[1], tk.pos)))
            return Cases(tuple(branches))
        raise ParseError(f"environment '{env}' is not supported inside a formula", begin.end)

    def _grid(self, cells: list[list[list[Token]]], pos: int) -> Node:
        """grid := rows '\\\\' …, one of them ⋮ (\\vdots, \\ddots, …), each other row entries '&' … with ⋯ in one same
        column: the matrix whose entry (i, j) follows the entries written — one pattern, or one on the diagonal and
        one off it (s_i − s_i² at i = j, −s_i s_j elsewhere) — from the first written row and column to the
        last. Every entry written must be that pattern's at its row and column, else the matrix is unreadable."""
        unreadable = ParseError("an ellipsis ('\\dots') among the entries that the checker cannot read", pos)
        width = max(len(row) for row in cells)
        dots_rows = [r for r, row in enumerate(cells) if all(_is_dots(c) or not c for c in row)]
        data = [r for r in range(len(cells)) if r not in dots_rows]
        if len(dots_rows) != 1 or not 0 < dots_rows[0] == len(cells) - 2 or any(len(cells[r]) != width for r in data):
            raise unreadable
        gaps = {tuple(c for c, x in enumerate(cells[r]) if _is_dots(x)) for r in data}
        if len(gaps) != 1 or len(gap := next(iter(gaps))) != 1 or not 0 < gap[0] == width - 2:
            raise unreadable
        columns = [c for c in range(width) if c != gap[0]]
        if any(not cells[r][c] for r in data for c in columns):
            raise ParseError("an empty entry", pos)
        grid = _two_digit_entries([[self._cell(cells[r][c], pos) for c in columns] for r in data])
        names = {n.name for row in grid for x in row for n in _nodes(x) if isinstance(n, Sym)}
        i, j = [v for v in ("i", "j", "k", "l", "p", "q", "r", "u") if v not in names][:2] or (None, None)
        rows = _run_values(grid)
        cols = _run_values([list(col) for col in zip(*grid)])
        if i is None or rows is None or cols is None:
            raise unreadable
        off: Node | None = None
        diagonal: Node | None = None
        for r, row in enumerate(grid):  # a candidate for each pattern from every entry; the entries then decide
            for c, x in enumerate(row):
                if rows[r] != cols[c] and off is None:
                    off = _at_indices(x, {rows[r]: i, cols[c]: j})
                elif rows[r] == cols[c] and diagonal is None:
                    diagonal = _at_indices(x, {rows[r]: i})
        if off is None:
            raise unreadable
        if diagonal is not None and diagonal == _substituted(off, j, Sym(i)):
            diagonal = None
        for r, row in enumerate(grid):
            for c, x in enumerate(row):
                pattern = diagonal if diagonal is not None and rows[r] == cols[c] else off
                if _substituted(_substituted(pattern, i, rows[r]), j, cols[c]) != x:
                    raise ParseError("an ellipsis ('\\dots') whose entries follow no pattern the checker can read", pos)
        body = off if diagonal is None else Cases(((diagonal, Rel("=", Sym(i), Sym(j))), (off, None)))
        return Tabulated(i, Tabulated(j, body, cols[0], cols[-1], column=False), rows[0], rows[-1], column=True)

    def _cell(self, tokens: list[Token], end: int) -> Node:
        if not tokens:
            raise ParseError("an empty entry", end)
        return self.sub(tokens, tokens[-1].end).parse_expression()

    def indicator(self, pos: int) -> Node:
        """indicator := \\mathbb{1} ('(' relation ')' | '[' relation ']' | '_' script): 1 where it holds, else 0."""
        if self.at_op("_"):
            self.next()
            tokens, end = self.script()
        else:
            close = ")" if self.tok.text == "(" else "]"
            self.next()
            start = self.i
            depth = 0
            while not (self.at_op(close) and depth == 0):
                if self.at(Kind.EOF):
                    raise ParseError(f"the indicator is never closed (expected '{close}')", pos)
                if self.at_op("(", "[", "{"):
                    depth += 1
                elif self.at_op(")", "]", "}"):
                    depth -= 1
                self.next()
            tokens = self.tokens[start : self.i]
            end = self.tok.pos
            self.next()
        rel = self.condition(tokens, end)
        if rel is None:
            raise ParseError("an indicator needs a relation like 'y = k'", pos)
        return Cases(((Num(Fraction(1)), rel), (Num(Fraction(0)), None)))

    def condition(self, tokens: list[Token], end: int) -> Rel | None:
        """condition := ['if' | \\text{if|for|when}] relation | otherwise: None stands for otherwise."""
        if tokens and tokens[0].kind is Kind.TEXT:
            words = tokens[0].text.split()
            if words and words[0].lower().rstrip(",") in OTHERWISE:
                return None
            if words and words[0] in CONDITION_WORDS and len(words) == 1:
                tokens = tokens[1:]
        elif len(tokens) >= 2 and self.source(tokens[:2]) == "if":
            tokens = tokens[2:]
        while tokens and tokens[-1].is_op(","):
            tokens = tokens[:-1]
        if not tokens:
            raise ParseError("a case condition must be one relation like 'i = k'", end)
        if self.source(tokens).replace(" ", "") in OTHERWISE:
            return None
        chain = self.sub(tokens, tokens[-1].end).parse_relation_chain()
        if len(chain) != 2 or chain[1][0] not in COMPARISONS:
            raise ParseError("a case condition must be one relation like 'i = k'", tokens[0].pos)
        return Rel(chain[1][0], chain[0][1], chain[1][1])


def _free_index_letters(node: Node) -> set[str]:
    """The single-letter indices (``z_j``, ``W_{ij}``) used in ``node`` and not bound by a sum inside it."""
    if isinstance(node, Sum):
        return _free_index_letters(node.body) - {node.var}
    out: set[str] = set()
    if isinstance(node, Index):
        out |= {i.name for i in node.indices if isinstance(i, Sym) and len(i.name) == 1 and i.name.isalpha()}
    for child in children(node):
        out |= _free_index_letters(child)
    return out


def _base_name(node: Node) -> str:
    if isinstance(node, Index):
        node = node.base
    return node.name if isinstance(node, Sym) else ""


def _bare_operand(name: str) -> bool:
    f = VOCABULARY.by_name.get(name)
    return f is not None and f.bare_operand


def _is_d(t: Token) -> bool:
    """The d of a Leibniz fraction: ``d``, ``\\mathrm{d}`` or ``\\partial``."""
    return (t.kind in (Kind.NAME, Kind.TEXT) and t.text == "d") or t.is_cmd("partial")


def _order(tokens: list[Token], k: int) -> tuple[int, int]:
    """The order written after d^ at tokens[k] (a digit, or {digit}) and the index after it."""
    if k < len(tokens) and tokens[k].kind is Kind.NUM and len(tokens[k].text) == 1:
        return int(tokens[k].text), k + 1
    if k + 2 < len(tokens) and tokens[k].is_op("{") and tokens[k + 1].kind is Kind.NUM and tokens[k + 2].is_op("}"):
        return int(tokens[k + 1].text), k + 3
    raise ParseError("the order of a derivative must be a digit ('d^2')", tokens[k - 1].pos)


def _trailing_order_start(tokens: list[Token]) -> int:
    """Where a trailing ``^2`` or ``^{2}`` starts in ``tokens`` (len(tokens) if there is none)."""
    if len(tokens) >= 2 and tokens[-2].is_op("^") and tokens[-1].kind is Kind.NUM:
        return len(tokens) - 2
    if len(tokens) >= 4 and tokens[-4].is_op("^") and tokens[-3].is_op("{") and tokens[-1].is_op("}"):
        return len(tokens) - 4
    return len(tokens)


def _trailing_order(tokens: list[Token]) -> int | None:
    start = _trailing_order_start(tokens)
    if start == len(tokens):
        return None
    digit = tokens[start + 1] if tokens[start + 1].kind is Kind.NUM else tokens[start + 2]
    return int(digit.text) if digit.kind is Kind.NUM and len(digit.text) == 1 else None


def _split(tokens: list[Token], sep: str) -> list[list[Token]]:
    """``tokens`` split at the operator ``sep`` outside braces, brackets and environments."""
    out: list[list[Token]] = [[]]
    depth = 0
    for t in tokens:
        if t.kind is Kind.BEGIN or t.is_op("{", "(", "["):
            depth += 1
        elif t.kind is Kind.END or t.is_op("}", ")", "]"):
            depth -= 1
        if depth == 0 and t.is_op(sep):
            out.append([])
            continue
        out[-1].append(t)
    return out


def _starts_with_derivative(node: Node) -> bool:
    """A term that is, or holds as a factor, a derivative operator (``- \\frac{d}{dx} …``, ``2 \\frac{d}{dx} …``)."""
    if isinstance(node, Neg):
        node = node.arg
    if isinstance(node, Mul):
        return any(isinstance(f, (Deriv, Reach)) for f in node.factors)
    return isinstance(node, (Deriv, Reach))


def _adjacent_letters(tokens: list[Token]) -> bool:
    """Single letters (or a letter and a digit) written together with nothing between them (``ij`` in
    ``W_{ij}``, ``i1`` in ``W_{i1}``)."""
    single = all((t.kind is Kind.NAME or t.kind is Kind.NUM) and len(t.text) == 1 for t in tokens)
    return (
        single
        and any(t.kind is Kind.NAME for t in tokens)
        and all(b.pos == a.end for a, b in itertools.pairwise(tokens))
    )


def _tower(node: Node) -> int:
    """How many powers are stacked in ``node`` (e^{…} counts as a power)."""
    if isinstance(node, Pow):
        return 1 + max(_tower(node.base), _tower(node.exp))
    if isinstance(node, Call) and node.func.name == "exp":
        return 1 + max(_tower(a) for a in node.args)
    return max((_tower(c) for c in children(node)), default=0)


def parse_relation_chain(text: str, notation: Notation | None = None) -> list[tuple[str, Node]]:
    """One row as [(relation, operand), …]; the first relation is '' unless the row starts with one."""
    return Parser(text, notation).parse_relation_chain()


def parse_relation_spans(text: str, notation: Notation | None = None) -> list[tuple[str, Node, str]]:
    """Like `parse_relation_chain`, with each operand's source text."""
    p = Parser(text, notation)
    chain = p.parse_relation_chain()
    return [(rel, node, p.text[a:b].strip()) for (rel, node), (a, b) in zip(chain, p.spans)]


def parse_expression(text: str, notation: Notation | None = None) -> Node:
    """One expression (no relation)."""
    return Parser(text, notation).parse_expression()


def _pattern(a: Node, b: Node) -> tuple[Node, int, str] | None:
    """(template, k, var): ``a`` is the template at var = k (a whole number) and ``b`` at var = something else
    (a number, a name, n − 1); every place where a and b differ holds that k in a and one same value in b —
    only those places become var (the 1 of ``(1 - y_1)`` stays 1)."""
    holes: list[tuple[int, Node]] = []
    names = {n.name for n in _nodes(a) if isinstance(n, Sym)} | {n.name for n in _nodes(b) if isinstance(n, Sym)}
    var = next((v for v in "kjmpqr" if v not in names), None)
    if var is None:
        return None

    def build(x: object, y: object) -> object:
        if isinstance(x, Num) and x.value.denominator == 1 and x != y and isinstance(y, (Num, Sym, Add)):
            holes.append((int(x.value), y))
            return Sym(var)
        if isinstance(x, tuple) and isinstance(y, tuple) and len(x) == len(y):
            return tuple(build(p, q) for p, q in zip(x, y))
        if not isinstance(x, Node) or type(x) is not type(y):
            if x != y:
                raise ValueError("no pattern")
            return x
        return dataclasses.replace(x, **{key: build(v, getattr(y, key)) for key, v in vars(x).items()})

    try:
        template = build(a, b)
    except ValueError:
        return None
    if not holes or len(set(holes)) != 1:
        return None
    assert isinstance(template, Node)
    return template, holes[0][0], var


def _nodes(node: Node):
    yield node
    for child in children(node):
        yield from _nodes(child)


def _substituted(node: Node, var: str, value: Node) -> Node:
    """``node`` with Sym(var) replaced by ``value``."""
    return _rewritten(node, lambda n: value if n == Sym(var) else None)


def _rewritten(node: Node, rule: Callable[[Node], Node | None]) -> Node:
    """``node`` with every part that ``rule`` rewrites (its value not None) rewritten, outermost first."""
    new = rule(node)
    if new is not None:
        return new
    changes = {}
    for key, v in vars(node).items():
        if isinstance(v, Node):
            changes[key] = _rewritten(v, rule)
        elif isinstance(v, tuple):
            changes[key] = tuple(_rewritten(x, rule) if isinstance(x, Node) else x for x in v)
    return dataclasses.replace(node, **changes) if changes else node


def _hole_value(template: Node, var: str, last: Node) -> Node:
    """What var is in ``last`` (the template at the end of the run)."""
    found = _pattern_value(template, var, last)
    assert found is not None
    return found


def _pattern_value(t: Node, var: str, b: Node) -> Node | None:
    if t == Sym(var):
        return b
    if isinstance(t, Node) and type(t) is type(b):
        for key, tv in vars(t).items():
            bv = getattr(b, key)
            if isinstance(tv, Node):
                got = _pattern_value(tv, var, bv)
                if got is not None:
                    return got
            elif isinstance(tv, tuple):
                for p, q in zip(tv, bv):
                    if isinstance(p, Node):
                        got = _pattern_value(p, var, q)
                        if got is not None:
                            return got
    return None


def _run_values(grid: list[list[Node]]) -> list[Node] | None:
    """The index each row of ``grid`` is written at — whole numbers a, a + 1, … then the last row's (n, m − 1) —
    found where an entry of the row before the last and the last's entry in that column follow one pattern;
    None if no column shows it, or two columns disagree."""
    found = set()
    for a, b in zip(grid[-2], grid[-1]):
        pattern = _pattern(a, b)
        if pattern is not None:
            template, k, var = pattern
            found.add((k, _pattern_value(template, var, b)))
    if not found:  # no column shows it (s_1 − s_1² above −s_n s_1, a diagonal matrix): the subscript each row's
        # entries share — one number in the rows before the last, going up by 1, and one in the last
        shared = []
        for row in grid:
            sets = [set(_subscripts(x)) for x in row if _subscripts(x)]
            common = set.intersection(*sets) if sets else set()
            if len(common) != 1:
                return None
            shared.append(common.pop())
        numbers = [x for x in shared[:-1] if isinstance(x, Num) and x.value.denominator == 1]
        if len(numbers) != len(shared) - 1 or isinstance(shared[-1], Num):
            return None
        k = int(numbers[-1].value)
        if [int(x.value) for x in numbers] != list(range(k - len(numbers) + 1, k + 1)):
            return None
        found = {(k, shared[-1])}
    if len(found) != 1:
        return None
    k, last = found.pop()
    if last is None:
        return None
    first = k - (len(grid) - 2)
    return [*(Num(Fraction(first + r)) for r in range(len(grid) - 1)), last]


def _subscripts(node: Node) -> list[Node]:
    """Every subscript in ``node`` (1 and n in −s_1 s_n)."""
    return [i for n in _nodes(node) if isinstance(n, Index) for i in n.indices]


def _two_digit_entries(grid: list[list[Node]]) -> list[list[Node]]:
    """a_{11} beside a_{1n} in one matrix: the entry (1, 1), not the eleventh."""
    pairs = {n.base for row in grid for x in row for n in _nodes(x) if isinstance(n, Index) and len(n.indices) == 2}

    def split(node: Node) -> Node | None:
        if isinstance(node, Index) and node.base in pairs and len(node.indices) == 1:
            (i,) = node.indices
            if isinstance(i, Num) and i.value.denominator == 1 and 11 <= i.value <= 99 and i.value % 10:
                return Index(node.base, (Num(Fraction(int(i.value) // 10)), Num(Fraction(int(i.value) % 10))))
        return None

    return [[_rewritten(x, split) for x in row] for row in grid]


def _at_indices(node: Node, names: dict[Node, str]) -> Node:
    """``node`` with each subscript that is a key of ``names`` replaced by that name (−s_1 s_n → −s_i s_j for
    {1: i, n: j}); the numbers elsewhere (the 1 of 1 − s_1) stay."""

    def rule(n: Node) -> Node | None:
        if not isinstance(n, Index):
            return None
        indices = tuple(Sym(names[x]) if x in names else _at_indices(x, names) for x in n.indices)
        return Index(_at_indices(n.base, names), indices)

    return _rewritten(node, rule)


def _scalar_name(node: Node) -> bool:
    """A plain lower-case or Greek letter (γ, β_1): a number that takes powers, not a vector, matrix or layer's name."""
    base = node.base if isinstance(node, Index) else node
    if not isinstance(base, Sym):
        return False
    name = base.name
    return bool(re.fullmatch(r"[a-z]", name)) or bool(
        re.fullmatch(r"\\(?:alpha|beta|gamma|eta|lambda|rho|mu|tau)", name)
    )


#: Functions written with '‖' between their two arguments: KL(p ‖ q), D_{KL}(P ‖ Q).
DIVERGENCES = {"KL", "D_{KL}", "D_{\\text{KL}}", "D_{\\mathrm{KL}}", "D"}

#: The names of the Jacobian operator J_x(f): J, \mathbf{J}, \mathcal{J}, \boldsymbol{J}.
JACOBIAN_NAMES = {"J", "\\mathbf{J}", "\\mathcal{J}", "\\boldsymbol{J}"}


def _is_jacobian_operator(node: Node) -> bool:
    """J_{\\mathbf{x}} (before an argument): J with one subscript that is a vector's or matrix's name (bold or
    Greek, never an index letter like J_{ij}'s)."""
    if not (isinstance(node, Index) and isinstance(node.base, Sym) and node.base.name in JACOBIAN_NAMES):
        return False
    if len(node.indices) != 1 or not isinstance(node.indices[0], Sym):
        return False
    return node.indices[0].name.startswith("\\")


def _is_dots(tokens: list[Token]) -> bool:
    """A cell that is only an ellipsis (\\vdots, \\dots, ...)."""
    return len(tokens) == 1 and tokens[0].kind is Kind.CMD and tokens[0].text in DOTS
