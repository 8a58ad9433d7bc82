"""What a file has said so far: its definitions, vectors, index letters, labels and domains.

`Knowledge` learns them from the front matter (``assume:``), from a prescan of every row (which
names carry letter subscripts, which are sizes, which are functions), and from each definition as
the walk meets it. The evaluator reads an `Environment`; the parser reads the `Notation`.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field, replace
from fractions import Fraction

import sympy as sp

from derivations.errors import InputError, ParseError
from derivations.notation import macros
from derivations.notation.document import Document, Event, EventKind, Row
from derivations.notation.layout import read_group, split_top
from derivations.notation.parser import GREEK, Notation, parse_expression, parse_relation_chain, parse_relation_spans
from derivations.notation.tree import (
    Add,
    Call,
    Div,
    Index,
    Mul,
    Neg,
    Node,
    Num,
    Pow,
    Rel,
    Sum,
    Sym,
    Tabulated,
    Transpose,
    Vector,
    walk,
)
from derivations.notation.vocabulary import VOCABULARY

RESERVED = {"e", "\\pi", "n"}
MATRIX_MARK = "#"  # subscript_letters marks a name used with two letter indices (A_{ij}): an n×n matrix

#: A dimension of a declared shape: a number or the name of a size (m, n, d_{in}).
Dim = int | str
Shape = tuple[Dim, Dim]

#: Bold and arrow decorations mark a vector or a matrix; its entries are the plain letter's (\mathbf{x}: x_i).
BOLD = re.compile(r"^\\(?:mathbf|boldsymbol|bm|vec|mathbold|pmb)\{((?:[^{}]|\{(?:[^{}]|\{[^{}]*\})*\})+)\}$")


def bold_forms(name: str) -> list[str]:
    """The bold and arrowed spellings of a plain letter whose entries they share (x: \\mathbf{x}, \\vec{x} …)."""
    core = _undecorated(name)  # \hat{y}: \mathbf{\hat{y}}
    if not ((len(core) == 1 and core.isalpha()) or (core.startswith("\\") and core[1:].isalpha())):  # x, \delta
        return []
    return [f"\\{bold}{{{name}}}" for bold in ("mathbf", "boldsymbol", "bm", "vec")]


def _letter_tagged(name: str) -> list[str]:
    """x^{(i)}, x^{(j)}, … for x^{(2)}: the names a declaration of an example (or layer) by its letter gave."""
    m = re.search(r"\^\{\s*([(\[])\s*\d+\s*([)\]])\s*\}", name)
    if m is None:
        return []
    return [f"{name[: m.start()]}^{{{m.group(1)}{c}{m.group(2)}}}{name[m.end() :]}" for c in "ijklmnrstpqab"]


def entry_key(name: str, indices: tuple[Node, ...]) -> str:
    """``a_{0}`` for ``a_0``: the name of an entry with whole-number indices, defined on its own; else ""."""
    values = []
    for i in indices:
        if not (isinstance(i, Num) and i.value.denominator == 1):
            return ""
        values.append(str(i.value.numerator))
    return f"{name}_{{{','.join(values)}}}"


def label_key(name: str, indices: tuple[Node, ...], env: Environment) -> str:
    r"""``\mu_{B}`` for μ_B: a subscript of capital letters that are no index or defined name of the file — nor a
    size, unless the name is no vector (μ_N, the mean of N values) — labels the name (the batch's mean μ_B), it
    picks no entry; else ""."""
    parts = []
    for i in indices:
        if not (isinstance(i, Sym) and re.fullmatch(r"[A-Z]", i.name)):
            return ""
        if i.name in env.index_letters or i.name in env.definitions or i.name in env.shapes:
            return ""
        if i.name in env.sizes and (name in env.families or env.shape_of(name) is not None):
            return ""  # x_N of the vector x_1 … x_N: its last entry; μ_N of no vector: the mean of N values
        parts.append(i.name)
    return f"{name}_{{{','.join(parts)}}}" if parts else ""


def squared_name(node: Node, env: Environment) -> str:
    r"""``\sigma^{2}`` for σ² (``\sigma_{B}^{2}`` for σ_B²): the square of σ, plain or labelled, which a file that
    uses σ as a variable (`greek_variables`) may define as a name of its own (the variance σ² = …); else ""."""
    if not (isinstance(node, Pow) and node.exp == Num(Fraction(2))):
        return ""
    base = node.base
    if isinstance(base, Sym) and base.name == "\\sigma":  # the variance's own letter, nothing else: x² = 4 is a claim
        return f"{base.name}^{{2}}"
    if isinstance(base, Index) and isinstance(base.base, Sym) and base.base.name == "\\sigma":
        labelled = label_key(base.base.name, base.indices, env)
        return f"{labelled}^{{2}}" if labelled else ""
    return ""


#: ``\hat{y}``, ``\tilde{\delta}``: a letter under accents (not bold), the accent and the letter.
ACCENT = re.compile(r"^\\(?:hat|widehat|tilde|widetilde|bar|overline|dot|breve|check)\{(.+)\}$")


def untagged(name: str) -> str:
    """A name less the layer or example tag at its end: W^{l+1} → W, a^{[1]} → a, \\mathbf{W}^l → \\mathbf{W}."""
    return re.sub(r"\^(?:\{[^{}]*\}|[A-Za-z0-9])$", "", name)


def _undecorated(name: str) -> str:
    """The letter under a name's accents: \\hat{\\tilde{y}} → y."""
    while (m := ACCENT.match(name)) is not None:
        name = m.group(1)
    return name


#: A bold name with a layer tag or index after it: \\mathbf{a}^{[1]}, \\boldsymbol{\\delta}^{(l)}, \\mathbf{x}_{2}.
BOLD_TAGGED = re.compile(
    r"^\\(?:mathbf|boldsymbol|bm|vec|mathbold|pmb)\{((?:[^{}]|\{(?:[^{}]|\{[^{}]*\})*\})+)\}([_^].*)$"
)


def entry_base(name: str) -> str:
    """The name whose entries a bold or arrowed name has: \\mathbf{x} → x, \\vec{w} → w,
    \\mathbf{a}^{[1]} → a^{[1]}; else the name."""
    m = BOLD.match(name) or BOLD_TAGGED.match(name)
    return "".join(m.groups()) if m else name


@dataclass(frozen=True)
class Definition:
    """``name = body``, ``name(params) = body`` or ``name_{i} = body`` (index_params), from ``line``."""

    name: str
    body: Node
    line: int
    params: tuple[str, ...] = ()
    index_params: tuple[str, ...] = ()


@dataclass(frozen=True)
class Region:
    """Where a variable lives under a step's condition (``x > 0``: lo = 0, open): an interval, maybe unbounded."""

    lo: Fraction | None = None
    hi: Fraction | None = None
    lo_open: bool = False
    hi_open: bool = False

    def contains(self, v: Fraction) -> bool:
        """Whether ``v`` lies in the interval."""
        if self.lo is not None and (v < self.lo or (v == self.lo and self.lo_open)):
            return False
        return not (self.hi is not None and (v > self.hi or (v == self.hi and self.hi_open)))

    def place(self, v: Fraction) -> Fraction:
        """A sample of the whole line moved into the region (0 to the region's inside, its sign kept apart)."""
        if self.lo is not None and self.hi is not None:
            width = self.hi - self.lo
            t = Fraction(1, 2) + v / (2 * (1 + abs(v)))  # (−∞, ∞) → (0, 1), 0 ↦ ½
            return self.lo + width * t
        if self.lo is not None:
            out = self.lo + abs(v)
            return out + 1 if out == self.lo and self.lo_open else out
        if self.hi is not None:
            out = self.hi - abs(v)
            return out - 1 if out == self.hi and self.hi_open else out
        return v


@dataclass
class Environment:
    """What the file has said so far: definitions, vector families, one-hot labels, domains, aliases."""

    definitions: dict[str, Definition] = field(default_factory=dict)
    families: set[str] = field(default_factory=set)  # names used with letter subscripts: vectors of size n
    zero_based: set[str] = field(default_factory=set)  # families numbered from 0 (Σ_{i=0}^{n-1} x_i): x_0 … x_{n-1}
    index_letters: set[str] = field(default_factory=set)
    one_hot: dict[str, str] = field(default_factory=dict)  # family → index letter of its 1
    probability: set[str] = field(default_factory=set)  # families that are probability vectors
    domains: dict[str, tuple[Fraction, Fraction]] = field(default_factory=dict)
    regions: dict[str, Region] = field(default_factory=dict)  # a step's condition on a variable
    value_sets: dict[str, tuple[Fraction, ...]] = field(default_factory=dict)  # y ∈ {0, 1}: each step at each
    entry_values: dict[str, tuple[Fraction, ...]] = field(default_factory=dict)  # y_i ∈ {0, 1}: entries among them
    one_hot_since: dict[str, int] = field(default_factory=dict)  # one-hot said in prose: the sentence's line
    unread: dict[str, int] = field(default_factory=dict)  # names defined on a row that could not be read
    applied_only: set[str] = field(default_factory=set)  # names only ever written before '(': f(x) or f·x?
    unknown_functions: set[str] = field(default_factory=set)  # g in g'(z), never defined: any smooth function
    graph_functions: set[str] = field(default_factory=set)  # undefined names read as functions of what the step names
    graph_roots: set[str] = field(default_factory=set)  # of those, the quantity at the top (a loss): a number
    alternatives: dict[str, list[Definition]] = field(default_factory=dict)  # defined again, differently: each
    sizes: set[str] = field(default_factory=lambda: {"n"})  # names of vector lengths (sum upper bounds)
    shapes: dict[str, Shape] = field(default_factory=dict)  # declared: W ∈ ℝ^{m×n} → ("m", "n"), x ∈ ℝ^3 → (3, 1)
    scalars: set[str] = field(default_factory=set)  # declared x ∈ ℝ: never a vector, even when bold
    matrix_families: set[str] = field(default_factory=set)  # names used with two letter indices: n×n matrices
    vector_families: dict[str, Shape] = field(default_factory=dict)  # \mathbf{x}_i ∈ ℝ^d: a vector of each i
    transposed_families: set[str] = field(default_factory=set)  # x_i^\top, w^\top x_i: vectors x_i, undeclared
    transposed: set[str] = field(default_factory=set)  # names written transposed (w^\\top): not scalars
    multipliers: set[str] = field(default_factory=set)  # capitals written before a vector (W\\mathbf{x}): matrices
    inferred: dict[str, Shape] = field(default_factory=dict)  # undeclared: the shapes the rows imply (check.shapes)
    use_inferred: bool = False  # read undeclared names in the inferred shapes, not the convention's
    layer_letters: set[str] = field(default_factory=set)  # l in u^{l+1}: a definition at layer l holds at every layer
    family_sizes: dict[str, str | int] = field(default_factory=dict)  # o → q when Σ_{k=1}^{q} o_k ("": sums disagree)

    @property
    def dim_names(self) -> tuple[str, ...]:
        """The named dimensions of the declared shapes (m, n, d_{in}) — and the inferred ones, when in use —
        sorted."""
        shapes = [*self.shapes.values(), *(self.inferred.values() if self.use_inferred else ())]
        return tuple(sorted({d for shape in shapes for d in shape if isinstance(d, str)}))

    def shape_of(self, name: str) -> tuple[Shape, bool] | None:
        """(shape, declared) of a vector or matrix name: declared (W or \\mathbf{W}), else bold by convention
        (a bold lower-case letter is an n-vector, a bold capital an n×n matrix); None for a scalar."""
        base = entry_base(name)
        for key in (name, base, *_letter_tagged(name)):
            if key in self.shapes:
                return self.shapes[key], True
        if name in self.scalars or base in self.scalars:
            return None
        if self.use_inferred and name in self.inferred:
            return self.inferred[name], False
        if name in self.matrix_families or base in self.matrix_families:
            return ("n", "n"), False
        if name in self.transposed and name not in self.families and len(base) == 1 and base.isalpha():
            return (("n", 1) if base.islower() else ("n", "n")), False  # w^\top x: w is a vector
        if name in self.multipliers and name not in self.sizes | set(self.dim_names) | self.families:
            return ("n", "n"), False  # W\mathbf{x}: W a matrix (N\bar{\mathbf{x}} with N a sum's bound: a number)
        if base == name:
            return None
        length = self.family_sizes.get(base) or "n"  # \mathbf{o} with Σ_{k=1}^{q} o_k: q entries
        base = _undecorated(untagged(base))
        if base.isalpha() and len(base) == 1:
            return ((length, 1) if base.islower() else ("n", "n")), False
        if base.startswith("\\") and base[1:].isalpha() and base[1].islower():  # \boldsymbol{\delta}
            return (length, 1), False
        return None

    def family_shape(self, name: str) -> Shape | None:
        """The declared shape of each member x_i of a family of vectors (\\mathbf{x}_i ∈ ℝ^d), else None."""
        keys = (name, entry_base(name), *bold_forms(name))
        return next((self.vector_families[k] for k in keys if k in self.vector_families), None)

    def transposed_family(self, name: str) -> bool:
        """x_i written transposed (or after a transposed vector) somewhere: each x_i a vector, undeclared."""
        return any(k in self.transposed_families for k in (name, entry_base(name), *bold_forms(name)))

    def copy(self) -> Environment:
        return replace(
            self,
            definitions=dict(self.definitions),
            families=set(self.families),
            zero_based=set(self.zero_based),
            index_letters=set(self.index_letters),
            one_hot=dict(self.one_hot),
            probability=set(self.probability),
            domains=dict(self.domains),
            regions=dict(self.regions),
            value_sets=dict(self.value_sets),
            entry_values=dict(self.entry_values),
            one_hot_since=dict(self.one_hot_since),
            unread=dict(self.unread),
            applied_only=set(self.applied_only),
            unknown_functions=set(self.unknown_functions),
            graph_functions=set(self.graph_functions),
            graph_roots=set(self.graph_roots),
            alternatives={k: list(v) for k, v in self.alternatives.items()},
            sizes=set(self.sizes),
            shapes=dict(self.shapes),
            matrix_families=set(self.matrix_families),
            vector_families=dict(self.vector_families),
            transposed_families=set(self.transposed_families),
            transposed=set(self.transposed),
            multipliers=set(self.multipliers),
            scalars=set(self.scalars),
            layer_letters=set(self.layer_letters),
            family_sizes=dict(self.family_sizes),
        )


class SymbolTable:
    """Generated SymPy symbols for the file's names, with their LaTeX for display."""

    def __init__(self) -> None:
        self._by_name: dict[str, sp.Symbol] = {}
        self.latex: dict[sp.Symbol, str] = {}
        self.base: dict[sp.Symbol, str] = {}
        self.functions: dict[sp.FunctionClass, str] = {}  # unknown functions (g in g'(z)) → their LaTeX name

    def function(self, name: str) -> sp.FunctionClass:
        """The SymPy function standing for ``name``, a function the file uses but never defines."""
        for f, known in self.functions.items():
            if known == name:
                return f
        f = sp.Function(f"u{len(self.functions)}", real=True)
        self.functions[f] = name
        return f

    def names(self) -> list[str]:
        """The keys given a symbol so far, in the order they were given one."""
        return list(self._by_name)

    def describe(self, key: str) -> tuple[str, str, str]:
        """(key, LaTeX, base name) of a key's symbol: what `put` needs to give it again."""
        sym = self._by_name[key]
        return key, self.latex[sym], self.base[sym]

    def put(self, key: str, latex: str, base: str) -> sp.Symbol:
        """Give ``key`` the next symbol (as `get` would have), unless it has one."""
        sym = self._by_name.get(key)
        if sym is None:
            sym = sp.Symbol(f"v{len(self._by_name)}", real=True)
            self._by_name[key] = sym
            self.latex[sym] = latex
            self.base[sym] = base
        return sym

    def get(self, name: str, index: tuple[int, ...] = ()) -> sp.Symbol:
        """The symbol of ``name`` or of its entry ``index`` (\\mathbf{x}'s entries are x's: x_1 …)."""
        if index:
            name = entry_base(name)
        key = name if not index else f"{name}_{{{','.join(map(str, index))}}}"
        return self.put(key, key, name)


#: ``f(u) = …``, ``CE(y, \hat{y}) = …``: a name applied to plain names, then '=' — a function being defined.
_PARAM = (
    r"(?:\\[A-Za-z]+\s*\{\s*[A-Za-z]\s*\}|\\[A-Za-z]+(?:\s+[A-Za-z](?![A-Za-z]))?|[A-Za-z]+)"  # ŷ, θ, w
    r"(?:_\{?[A-Za-z0-9]\}?)?"  # with an index
)
#: KL(p \,\|\, q): the '‖' between a divergence's two arguments, with TeX's spacing around it.
_PARTED = r"(?:\\[,;!: ]|\s)*(?:\\\||‖)(?:\\[,;!: ]|\s)*"
FUNCTION_DEFINITION = re.compile(
    r"^\s*([A-Za-z]|[A-Z]{2,}|\\[A-Za-z]+|\\(?:mathcal|mathrm|mathbf|boldsymbol|hat|tilde|bar|operatorname|text)\{[A-Za-z]+\})"
    rf"\s*[(\[]\s*({_PARAM}(?:\s*(?:,|{_PARTED})\s*{_PARAM})*)\s*[)\]]\s*(?:_\{{?[a-z]\}}?\s*)?="
)
#: ``\text{SiLU}``, ``\operatorname{F}``, ``\mathrm{GELU}``: a word set upright, which the parser names by the word.
UPRIGHT_WORD = re.compile(r"^\\(?:text|operatorname|mathrm)\{([A-Za-z]+)\}$")
#: ``\quad \text{where } s = \sigma(x)``: a definition beside the row, in force for the row itself.
WHERE = re.compile(r"^\s*(?:where|let(?:'s say)?|with)\s+(.+)$")
#: ``\sigma = \operatorname{softmax}``: a function symbol that means another function in this file.
REBIND = re.compile(r"^\s*\\([A-Za-z]+)\s*=\s*\\(?:operatorname|text|mathrm)\s*\{\s*([A-Za-z]+)\s*\}\s*$")
ONE_HOT = re.compile(r"^\s*(.+?)\s*\\text\{\s*(?:is\s+)?one-hot at\s*\}\s*([a-z])\s*$")
PROBABILITY = re.compile(r"^\s*(.+?)\s*\\text\{\s*(?:is\s+)?(?:a\s+)?probability vector\s*\}\s*$")
ALIAS = re.compile(r"^\s*(.+?)\s*\\equiv\s*(.+?)\s*$")
DOMAIN = re.compile(r"^\s*(.+?)\s*\\in\s*\[\s*(-?[\d.]+)\s*,\s*(-?[\d.]+)\s*\]\s*$")
#: ``W \in \mathbb{R}^{m \times n}``, ``x, b \in \mathbb{R}^n``, ``\mathbf{x} \in ℝ^3``: names and a shape.
SHAPE_DECLARATION = re.compile(
    r"^\s*(?P<names>[^=<>]+?)\s*(?:\\in|∈)\s*(?:\\mathbb\s*\{\s*R\s*\}|\\mathbb\s+R|\\R(?![A-Za-z])|ℝ|\\Bbb\s*\{?R\}?)"
    r"\s*(?:\^\s*(?P<dims>\{(?:[^{}]|\{[^{}]*\})*\}|\w))?\s*[.,;]?\s*$"
)
INDEX_RANGE = re.compile(r"^\s*([a-z](?:\s*,\s*[a-z])*)\s*\\text\{\s*(?:are\s+|is\s+an?\s+)?ind(ex|ices)\s*\}\s*$")


#: Marks a declared family of vectors (\\mathbf{x}_i \\in \\mathbb{R}^d) among the names a declaration gives.
FAMILY_MARK = "*"


def parse_declaration(text: str, notation: Notation) -> tuple[list[str], Shape | None] | None:
    """``names \\in \\mathbb{R}^{dims}``: the names and their shape (None: a scalar, ``x \\in \\mathbb{R}``)."""
    m = SHAPE_DECLARATION.match(text)
    if not m:
        return None
    names = []
    for piece in m.group("names").split(","):
        try:
            node = parse_expression(piece, notation)
        except ParseError:
            return None
        if isinstance(node, Index) and isinstance(node.base, Sym) and entry_key(node.base.name, node.indices):
            names.append(entry_key(node.base.name, node.indices))  # W_1 \in \mathbb{R}^{h×n}: layer 1's W
            continue
        if isinstance(node, Index) and isinstance(node.base, Sym) and len(node.indices) == 1:
            if isinstance(node.indices[0], Sym) and len(node.indices[0].name) == 1:
                names.append(FAMILY_MARK + node.base.name)  # \mathbf{x}_i \in \mathbb{R}^d: a vector for each i
                continue
        if not isinstance(node, Sym):
            return None
        names.append(node.name)
    dims_text = m.group("dims")
    if dims_text is None:
        return names, None
    dims_text = dims_text.strip()
    if dims_text.startswith("{"):
        dims_text = dims_text[1:-1]
    dims: list[Dim] = []
    for raw in re.split(r"\\times|×|\\cdot|,", dims_text):
        token = re.sub(r"\s+", "", raw)
        if re.fullmatch(r"[1-9][0-9]{0,1}", token):
            dims.append(int(token))
        elif re.fullmatch(
            r"[A-Za-z]|[A-Za-z]_\{?[A-Za-z0-9]+\}?|[A-Za-z]_\{[A-Za-z][+-][0-9]\}|[A-Za-z]\^\{?[(\[]?[A-Za-z0-9]+[)\]]?\}?",
            token,
        ):  # n_{l-1}: a size of its own
            dims.append(token)
        else:
            return None
    if len(dims) == 1:
        return names, (dims[0], 1)
    if len(dims) == 2:
        return names, (dims[0], dims[1])
    return None


def _definition_pieces(formula: str) -> list[str]:
    """``a = σ(z), b = …`` split at the commas that begin another ``name = …``, outside brackets (so that
    ``g(w_1, w_2) = …`` and ``\\{0, 1\\}`` stay whole)."""
    pieces: list[str] = []
    depth, start = 0, 0
    for k, ch in enumerate(formula):
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == "," and depth == 0 and re.match(r",\s*[^,=]+=", formula[k:]):
            pieces.append(formula[start:k])
            start = k + 1
    pieces.append(formula[start:])
    return pieces


def as_declared(name: str, body: Node, env: Environment) -> Node:
    """x ∈ ℝ² declared, then x = (1, −1): the tuple is that column vector, not a row."""
    found = env.shape_of(name)
    if isinstance(body, Vector) and not body.column and found is not None and found[1] and found[0][1] == 1:
        return Vector(body.entries, column=True)
    return body


def definable(node: Node, env: Environment) -> Target | None:
    """(name, params, index params) if ``node = …`` would define a new name here, else None."""
    if isinstance(node, Sym):
        name = node.name
        if name in env.definitions or name in RESERVED or name in env.index_letters:
            return None
        return name, (), ()
    if isinstance(node, Call) and node.func.primes == 0 and node.func.power is None:
        name = node.func.name
        if name in VOCABULARY.by_name or name in env.definitions:
            return None
        params = tuple(a.name if isinstance(a, Sym) else entry_key(a.base.name, a.indices)
                       if isinstance(a, Index) and isinstance(a.base, Sym) else "" for a in node.args)  # fmt: skip
        if all(params) and len(set(params)) == len(params):  # J(w_1, w_2, b): parameters w_1, w_2 and b
            return name, params, ()
    if isinstance(node, Index) and isinstance(node.base, Sym):
        name = node.base.name
        if name in env.definitions or name in env.one_hot:
            return None
        if any(bold in env.definitions for bold in bold_forms(name)):
            return None  # g_j = … after \mathbf{g} = …: a claim about g's entries
        if all(isinstance(i, Sym) and re.fullmatch(r"[a-z]", i.name) for i in node.indices):
            return name, (), tuple(i.name for i in node.indices)
        literal = entry_key(name, node.indices)
        if literal and literal not in env.definitions:
            return literal, (), ()  # a_0 = x, or y_1 = w_1x_1 + w_2x_2 of a vector y: one entry named by a number
        labelled = label_key(name, node.indices, env)
        if labelled and labelled not in env.definitions:
            return labelled, (), ()  # μ_B = (1/m)Σ_i x_i: the batch's mean, a name of its own
    if isinstance(node, Index) and isinstance(node.base, Sym):
        return None
    squared = squared_name(node, env)
    if squared and squared not in env.definitions and squared.removesuffix("^{2}") not in env.definitions:
        return squared, (), ()  # σ² = (1/m)Σ_i (x_i − μ)²: the variance, a name of its own (σ its root)
    if isinstance(node, Index) and isinstance(node.base, Call) and len(node.indices) == 1:
        inner = definable(node.base, env)  # \phi(z)_i = softmax(z)_i: a vector-valued function, by its entries
        index = node.indices[0]
        if inner is not None and inner[1] and isinstance(index, Sym) and re.fullmatch(r"[a-z]", index.name):
            return inner[0], inner[1], (index.name,)
    return None


#: (name, parameters, index parameters) of a name being defined.
Target = tuple[str, tuple[str, ...], tuple[str, ...]]


@dataclass
class ParsedRow:
    """A row parsed once: its relation chain (operand trees with their text) or why it cannot be read,
    the tree of a question row (``… = ?``), its own condition, and a ``where`` definition beside it."""

    row: Row
    chain: list[tuple[str, Node, str]] | None = None
    error: ParseError | None = None
    question: Node | None = None
    condition: Rel | None = None
    condition_text: str = ""
    definition: tuple[Node, Node] | None = None  # (name being defined, body)
    declaration: str = ""  # the row declares shapes (W \\in \\mathbb{R}^{m \\times n}): what it says


@dataclass
class ParsedEvent:
    """A prose event; a case line with its relation (None if unreadable); the definitions a sentence makes
    in inline math ("where $a_i = \\sigma(z_i)$"), and the names of those it makes but could not be read."""

    event: Event
    relation: Rel | None = None
    definitions: list[tuple[Node, Node]] = field(default_factory=list)
    unread: list[str] = field(default_factory=list)
    hedged: list[tuple[Node, Node]] = field(default_factory=list)  # every NAME = … ("… $a = …$ instead"): maybe meant
    regions: dict[str, Region] = field(default_factory=dict)  # "assume $x > 0$": from here on
    value_sets: dict[str, tuple[Fraction, ...]] = field(default_factory=dict)  # "let $y \in \{0, 1\}$"
    entry_values: dict[str, tuple[Fraction, ...]] = field(default_factory=dict)  # "each $y_i \in \{0, 1\}$"
    one_hot: bool = False  # the sentence says a label is one-hot


#: ``z^1``, ``a^{1}``, ``\\delta^1_j``: a name with the superscript 1 (a layer number, not a power).
LAYERED = re.compile(
    r"(?<![\\A-Za-z])((?:\\[A-Za-z]+\{[A-Za-z]\})|\\[A-Za-z]+|[A-Za-z])(?:_\{?[A-Za-z0-9]\}?)?\s*\^\s*(?:1|\{1\})(?![0-9])"
)
#: ``a^0``, ``a^{0}``: in a file whose layers are numbered with digits, layer 0 (the input), not a zeroth power.
LAYER_ZERO = re.compile(
    r"(?<![\\A-Za-z])((?:\\[A-Za-z]+\{[A-Za-z]\})|\\[A-Za-z]+|[A-Za-z])(?:_\{?[A-Za-z0-9]\}?)?\s*\^\s*(?:0|\{0\})(?![0-9])"
)
#: ``w^{l+1}``, ``a^{L-1}``: a letter plus or minus one as a superscript: that letter numbers the layers.
LAYER_LETTER = re.compile(r"\^\s*\{\s*([lLkt])\s*[+-]\s*1\s*\}")
#: "$y$ is one-hot", "let $y$ be one-hot", "with $y$ one-hot", "the one-hot label $y$".
ONE_HOT_PROSE = re.compile(
    r"\$([^$]+)\$\s+(?:(?:is|are|be)\s+)?(?:a\s+|the\s+)?one[- ]hot"
    r"|one[- ]hot(?:\s+(?:encoded|vector|label|target))*\s+\$([^$]+)\$",
    re.IGNORECASE,
)
#: "write $\\delta$ for $…$", "denote $…$ by $\\delta$": a short name for a longer expression.
WRITE_FOR = re.compile(
    r"\b(?:write|writing|use)\s+\$([^$]+)\$\s+(?:for|to\s+mean)\s+\$([^$]+)\$"
    r"|\$([^$]+)\$\s+(?:stands\s+for|is\s+short\s+for)\s+\$([^$]+)\$"
    r"|\b(?:denote|denoting)\s+\$([^$]+)\$\s+by\s+\$([^$]+)\$",
    re.IGNORECASE,
)
#: A sentence that denies, supposes or weighs something: what it says is not put in force.
HEDGED = re.compile(
    r"\b(?:not|no|never|nor|without|unless|would|could|might|should|suppose|supposing|tempting|"
    r"wrong|incorrect|mistake|instead|rather|but|however|otherwise|if|whether|unlike|opposed|previous|"
    r"previously|earlier|last\s+(?:time|section|chapter|lecture|week|example|post|part)|was|were|used\s+to)\b|n't\b",
    re.IGNORECASE,
)
#: A word that introduces a definition in a sentence, just before its inline formula: "where $a = …$".
DEFINING = re.compile(
    r"(?:(?<!,)\b(?:where|let|take|consider|with|define|defining|defined|denote|denoting|set|setting|write|writing|here|"
    r"given|as|by|computes|compute|computing|"
    r"loss|cost|error|objective|output|outputs|activation|activations|prediction|predictions|probabilities|"
    r"probability|target|label|logits|logit|scores|score|input|hidden|sum|mean|variance|average|deviation|values|value|"
    r"weights|weight|entropy|likelihood|divergence|numerator|denominator|residual|residuals|state|gate)\b(?:\s+(?:that|the|we|"
    r"have|as|by|now|us|be|is|are))*|(?:\band|,))\s*$",
    re.IGNORECASE,
)
#: ``g_1(x) = …``, ``g_i(x) =``, ``g_1'(x)``: a function (f, g, h, φ, ψ) named with a subscript.
SUBSCRIPTED_FUNCTION = re.compile(
    r"(?:^|\$)\s*([fghFGH]|\\(?:phi|varphi|psi|sigma))_(?:\{[^{}]*\}|[A-Za-z0-9])\s*(?:'+|\^\s*\{?\s*\\prime\s*\}?)?"
    r"\s*\(\s*[a-z]\s*\)\s*="
)  # only the letters of functions, of one plain variable: y_i(z_i) = … defines the entries of y
#: ``g'(z)``, ``C''(a)``, ``f^{\prime}(x)``, ``\phi'(u)``: a name differentiated by primes and applied — a function.
PRIMED_CALL = re.compile(
    r"(?<![\\A-Za-z])([A-Za-z]|\\[A-Za-z]+)\s*(?:'+|\^\s*\{?\s*\\prime\s*\}?)\s*"
    r"(?:\\left\s*|\\[bB]igg?l?\s*)?\("
)
#: "where $j \neq i$", "for $i = j$": two index letters related in a sentence — the case of the next display.
PROSE_CASE = re.compile(
    r"\b(?:where|when|for|with|if|assuming)\s+\$\s*([a-z])\s*(=|\\neq?\b|\\not\s*=)\s*([a-z])\s*\$", re.IGNORECASE
)
#: ``NAME = … \in \mathbb{R}^{m}``: a definition that also gives the name's shape.
DEFINED_IN = re.compile(r"^(.+=.+?)\s*(\\in\s*\\mathbb\s*\{?\s*R\s*\}?.*)$")
INLINE = re.compile(r"(?<![$\\])\$([^$]+)\$(?!\$)")


Parsed = ParsedRow | ParsedEvent


#: A Greek function letter given a value as a name: ``\sigma^2 =``, ``\sigma_B^2 =``, ``\sigma_{B} =``, ``\sigma =``.
_GREEK_VALUE = (
    r"\\{0}(?![A-Za-z])\s*(?:_\s*(?:\{{[^{{}}]*\}}|[A-Za-z0-9]))?\s*(?:\^\s*(?:\{{\s*2\s*\}}|2))?\s*(?:=|\\in\b|>)"
)
#: … and applied as a function: ``\sigma(``, ``\sigma\left(``, ``\sigma'``, ``\sigma^{\prime}``, ``\sigma [``.
_GREEK_APPLIED = r"\\{0}(?![A-Za-z])\s*(?:\\left|\\big|\\Big|\\bigl|\\Bigl)?\s*(?:[(\[']|\^\s*\{{?\s*\\prime)"


#: The upper bound of a sum: ``\sum_{t=1}^{T}``, ``\sum_{k=0}^{T-1}``, ``\prod^{T}_{t=1}``.
_SUM_BOUND = re.compile(r"\\(?:sum|prod)(?:\\limits)?\s*(?:_\s*(?:\{[^{}]*\}|\S)\s*)?\^\s*\{?\s*([A-Za-z])(?![A-Za-z])")


def bound_letters(text: str) -> set[str]:
    """The letters a sum of the file runs up to (T in Σ_{t=1}^{T}, t in Σ_{k=1}^{t}): sizes, so γ^T and β^t are
    powers."""
    return set(_SUM_BOUND.findall(text))


def greek_variables(text: str) -> tuple[set[str], set[str]]:
    """The Greek letters the vocabulary reads as functions (σ: the sigmoid) that the file gives values as names
    (σ² = …, the variance; σ_B): those it never applies to an argument (read as variables in that file), and those
    it applies as well (the sigmoid and a variance σ²: a bare σ is either)."""
    text = text.replace("σ", "\\sigma ")
    variables: set[str] = set()
    both: set[str] = set()
    for command in ("sigma",):
        if re.search(_GREEK_VALUE.format(command), text):
            (both if re.search(_GREEK_APPLIED.format(command), text) else variables).add(command)
    return variables, both


class Knowledge:
    """The environment, the notation and the symbols of one file, and how each is learned."""

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.env = Environment()
        self.symbols = SymbolTable()
        variables, both = greek_variables(doc.text)
        self.notation = Notation(tags={"o", *doc.front.tags}, variables=variables, both=both,
                                 size_letters=bound_letters(doc.text))  # fmt: skip
        self.from_one: set[str] = set()  # families some sum runs over from 1

    def learn_front_matter(self) -> None:
        """The ``assume:`` lines: definitions, aliases, one-hot labels, probability vectors, domains, indices."""
        for line, text in self.doc.front.assume:
            self._assume(line, text)

    def _assume(self, line: int, text: str) -> None:
        where = f"{self.doc.path}:{line}"
        m = REBIND.match(text)
        if m:
            f = VOCABULARY.function_word(m.group(2))
            if f is None:
                raise InputError(f"{where}: front matter: '{m.group(2)}' is not a function the notation knows")
            self.notation.rebind[m.group(1)] = f.name
            return
        m = ALIAS.match(text)
        if m:
            self.notation.aliases[m.group(1).strip()] = m.group(2).strip()
            return
        m = ONE_HOT.match(text)
        if m:
            self.env.one_hot[self._name_of(m.group(1), where)] = m.group(2)
            self.env.index_letters.add(m.group(2))
            return
        m = PROBABILITY.match(text)
        if m:
            self.env.probability.add(self._name_of(m.group(1), where))
            return
        m = DOMAIN.match(text)
        if m:
            self.env.domains[self._name_of(m.group(1), where)] = (Fraction(m.group(2)), Fraction(m.group(3)))
            return
        m = INDEX_RANGE.match(text)
        if m:
            self.env.index_letters.update(x.strip() for x in m.group(1).split(","))
            return
        if self.declare(text):
            return
        try:
            chain = parse_relation_chain(text, self.notation)
        except ParseError as exc:
            raise InputError(
                f"{where}: front matter: {exc} (expected NAME = …, "
                "'y \\text{ one-hot at } k', 'x \\in [a, b]' or 'A \\equiv B')"
            ) from None
        if len(chain) != 2 or chain[1][0] != "=":
            raise InputError(f"{where}: front matter: expected one definition 'NAME = …'")
        target = definable(chain[0][1], self.env)
        if target is None:
            raise InputError(f"{where}: front matter: '{text}' does not define a new name")
        self.define(target, chain[1][1], line)

    def declare(self, text: str) -> str:
        """Learn the shapes ``text`` declares (``W \\in \\mathbb{R}^{m \\times n}``); what it said, or ""."""
        if self.notation.macros:
            try:
                text = macros.expand(macros.strip_definitions(text), self.notation.macros)
            except ParseError:
                return ""
        found = parse_declaration(text, self.notation)
        if found is None:
            return ""
        names, shape = found
        for name in names:
            if name.startswith(FAMILY_MARK):
                name = name.removeprefix(FAMILY_MARK)
                if shape is None:
                    self.env.vector_families.pop(name, None)
                else:
                    self.env.vector_families[name] = shape
                continue
            if shape is None:
                self.env.scalars.add(name)
                self.env.shapes.pop(name, None)
            else:
                self.env.shapes[name] = shape
                self.env.scalars.discard(name)
                if len(name) == 1 and name.isupper():
                    self.notation.letters.add(name)  # X, W ∈ ℝ^{n×n}: XW is the product X W
        if shape is not None:
            self.env.sizes |= {d for d in shape if isinstance(d, str)}
        what = "a scalar" if shape is None else describe_shape(shape)
        said = [n.removeprefix(FAMILY_MARK) + "_i" if n.startswith(FAMILY_MARK) else n for n in names]
        return f"declares {', '.join(said)}: {what}"

    def declare_in_prose(self, text: str) -> None:
        """Shape declarations in a sentence's inline math (``with $W \\in \\mathbb{R}^{m\\times n}$``)."""
        for formula in re.findall(r"(?<!\$)\$([^$]+)\$(?!\$)", text):
            pending: list[str] = []
            for piece in re.split(r",|;|\\quad|\\qquad|\\text\{\s*and\s*\}", formula):
                if not piece.strip():
                    continue
                names = ", ".join([*pending, piece])
                if self.declare(names):
                    pending = []
                elif re.fullmatch(r"\s*(?:\\[A-Za-z]+\{[^{}]+\}|\\?[A-Za-z]+)\s*", piece):
                    pending.append(piece)
                else:
                    pending = []

    def _name_of(self, text: str, where: str) -> str:
        try:
            node = parse_expression(text, self.notation)
        except ParseError as exc:
            raise InputError(f"{where}: front matter: {exc}") from None
        if not isinstance(node, Sym):
            raise InputError(f"{where}: front matter: '{text}' is not a name")
        return node.name

    def define(self, target: Target, body: Node, line: int) -> None:
        """Learn ``target = body`` (from ``line``) for the rest of the file."""
        name, params, index_params = target
        if not params and not index_params:
            body = as_declared(name, body, self.env)
        self.env.definitions[name] = Definition(name, body, line, params, index_params)
        self._numbered_entries(name)
        if params:
            self.notation.functions.add(name)
        elif not index_params:
            self._letter_defined(Sym(name), body)
        self.learn_letters(body)

    def _numbered_entries(self, name: str) -> None:
        """y_1 = …, y_2 = … defined one by one (and no sum of the file bounds y): y has as many entries as that,
        so Σ_i y_i runs over them (not over n, with y_3 free)."""
        m = re.fullmatch(r"(.+)_\{(\d+)\}", name)
        if m is None:
            return
        family = m.group(1)
        count = 0
        while f"{family}_{{{count + 1}}}" in self.env.definitions:
            count += 1
        known = self.env.family_sizes.get(family)
        if count and (known is None or isinstance(known, int)):
            self.env.family_sizes[family] = count

    def _letter_defined(self, name: Node, body: Node) -> None:
        """A capital letter defined from declared matrices (or from capitals defined so): a letter a product of
        capitals is made of — Z = XW, then H = tanh(Z): HV is the product H V."""
        if not (isinstance(name, Sym) and len(name.name) == 1 and name.name.isupper()):
            return
        if any(isinstance(n, Sym) and n.name in self.notation.letters for n in walk(body)):
            self.notation.letters.add(name.name)

    def learn_letters(self, node: Node) -> None:
        """Sizes (sum bounds), vector families and index letters that ``node`` uses; the length of a family a
        sum runs over to a named bound (Σ_{k=1}^{q} o_k: o has q entries; two bounds: neither)."""
        self.env.sizes |= sum_bounds(node)
        for family, bound, first in summed_families(node):
            known = self.env.family_sizes.get(family, bound)
            self.env.family_sizes[family] = bound if known == bound else ""
            (self.env.zero_based if first == 0 else self.from_one).add(family)
        self.env.zero_based -= self.from_one  # x_0 … x_{n-1} in one sum and x_1 … x_n in another: neither
        families, letters = subscript_letters(node)
        matrices = {f.removeprefix(MATRIX_MARK) for f in families if f.startswith(MATRIX_MARK)}
        families = {f.removeprefix(MATRIX_MARK) for f in families}
        self.env.families |= {f for f in families if f not in self.env.definitions}
        self.env.matrix_families |= {f for f in matrices if f not in self.env.definitions}
        self.env.transposed |= transposed_names(node)
        self.env.transposed_families |= transposed_families(node)
        self.env.multipliers |= multipliers(node, self.env)
        self.env.index_letters |= letters

    def prescan(self) -> list[Parsed]:
        """Every row and case line parsed once (function names first, so that every row sees them all),
        and the index letters, vector families and sizes they use learned; the parses, in document order."""
        for item in self.doc.items:
            if isinstance(item, Event) and item.kind is EventKind.PROSE:
                for formula in INLINE.findall(item.text):
                    self._learn_function(formula)
        inline = [
            formula
            for item in self.doc.items
            if isinstance(item, Event) and item.kind is EventKind.PROSE
            for formula in INLINE.findall(item.text)
        ]
        for text in [row.text for row in self.doc.rows] + inline:
            self._learn_primed(text)
            self._learn_subscripted(text)
        for text in inline:  # "layer $l$ computes $z^l_j = … a^{l-1}_k$": l numbers layers in the rows too
            letters = set(LAYER_LETTER.findall(text))
            self.notation.layer_letters |= letters | {x.swapcase() for x in letters if x in "lL"}
        for row in self.doc.rows:
            # z^1 = w^1 x + b^1: nobody writes a first power, so a name written ^1 numbers its layers with digits
            for m in LAYERED.finditer(row.text):
                self.notation.layered.add(m.group(1))
            # w^{l+1}, a^{l-1}: nobody raises to the power l + 1 in a network's notes, so l numbers layers
            letters = set(LAYER_LETTER.findall(row.text))
            self.notation.layer_letters |= letters | {x.swapcase() for x in letters if x in "lL"}  # δ^L beside w^{l+1}
        self.env.layer_letters = self.notation.layer_letters
        if self.notation.layered:  # z^1 = w^1 a^0 + b^1: a^0 is layer 0's a
            for row in self.doc.rows:
                for m in LAYER_ZERO.finditer(row.text):
                    self.notation.layered.add(m.group(1))
        for row in self.doc.rows:
            where = WHERE.match(row.justification)
            for text in (row.text, where.group(1) if where else ""):
                self._learn_function(text)
        where_definitions = {}
        for k, item in enumerate(self.doc.items):
            if isinstance(item, Row) and item.justification:
                where_definitions[k] = self._where_definition(item)
        parsed: list[Parsed] = []
        for k, item in enumerate(self.doc.items):
            # the file's macros, in force from where they are defined on (as TeX reads them)
            self.notation.macros = macros.collect([item.text], self.notation.macros)
            if isinstance(item, Event):
                if item.kind is EventKind.PROSE:
                    self.declare_in_prose(item.text)
                parsed.append(self._parse_event(item))
                continue
            if self.notation.macros and not macros.strip_definitions(item.text).strip():
                continue  # a display that only defines macros (\gdef\pd#1#2{…}) states nothing
            p = ParsedRow(item, definition=where_definitions.get(k) or self._braced_definition(item.text))
            text = item.text
            if item.condition:
                self.declare(item.condition)  # \quad x \in \mathbb{R}^n
            p.declaration = self.declare(text)
            if p.declaration:
                parsed.append(p)
                continue
            if text.rstrip().endswith("?"):
                try:
                    p.question = parse_expression(text.rstrip()[:-1], self.notation)
                except ParseError as exc:
                    p.error = exc
            else:
                try:
                    p.chain = parse_relation_spans(text, self.notation)
                except ParseError as exc:
                    p.error = exc
                else:
                    p.chain = _entry_function(text, p.chain)
                    for _, node, _ in p.chain:
                        self.learn_letters(node)
            p.condition, p.condition_text = self._parse_condition(item)
            parsed.append(p)
        subscripts = set(self.env.index_letters)
        for p in parsed:
            if isinstance(p, ParsedEvent) and p.relation is not None:
                sides = (p.relation.lhs, p.relation.rhs)
                if not all(isinstance(side, Sym) and side.name in subscripts for side in sides):
                    # "When $a < b$": a and b are no index the file writes — a condition on values, not a case
                    p.relation = None
                    continue
                for side in sides:
                    if isinstance(side, Sym) and re.fullmatch(r"[a-z]", side.name):
                        self.env.index_letters.add(side.name)
        self.env.index_letters -= self.env.sizes
        self.env.families -= self.env.index_letters | self.env.sizes
        # a one-hot or probability vector written only by its entries (T_1, T_2, T_3): that many entries
        for name, count in literal_lengths(p.chain for p in parsed if isinstance(p, ParsedRow) and p.chain).items():
            labelled = name in self.env.one_hot or name in self.env.probability
            if labelled and name not in self.env.families and name not in self.env.family_sizes and count >= 2:
                self.env.family_sizes[name] = count
        self.env.applied_only = self.notation.applied - self.notation.bare
        # g(x + y) = g x + g y: g a number too in one row — neither reading (a name said in prose, "$g$ is the
        # activation", or a loss C written ∂C/∂w beside C'(a), stays a function)
        texts = [self._expanded(row.text) for row in self.doc.rows]  # \par{C}{w}: ∂C/∂w, C not bare there
        # C(a) and C_i(a^L) "the partial derivative of C": C a function, each C_i one — C is no family of entries
        self.env.families -= {name for name in self.env.families if _only_applied_with_subscripts(name, texts)}
        self.env.unknown_functions -= {
            name for name in self.env.unknown_functions if any(_bare_in(name, text) for text in texts)
        }
        return _where_first(parsed)

    def _expanded(self, text: str) -> str:
        """``text`` with the file's macros expanded (as written if they cannot be)."""
        if not self.notation.macros:
            return text
        try:
            return macros.expand(macros.strip_definitions(text), self.notation.macros)
        except ParseError:
            return text

    def _learn_subscripted(self, text: str) -> None:
        """``g_1(x) = …``, ``g_i(x) = …``, ``h_{2}'(x)``: a function named with a subscript (not read)."""
        for m in SUBSCRIPTED_FUNCTION.finditer(text):
            self.notation.subscripted_functions.add(m.group(1))

    def _learn_primed(self, text: str) -> None:
        """``g'(z)`` anywhere: g is a function (of this file, or — if the file never defines it — any function)."""
        for m in PRIMED_CALL.finditer(text):
            name = m.group(1)
            if name in ("e", "d") or _standard(name) or VOCABULARY.function_command(name.lstrip("\\")) is not None:
                continue
            if name.startswith("\\") and name[1:] not in GREEK:
                continue
            self.notation.functions.add(name)
            self.env.unknown_functions.add(name)

    def _learn_function(self, text: str) -> None:
        """``f(u) = …`` at the start of ``text``: f is a function of this file (not e or d, not one the notation
        or LaTeX already means)."""
        m = FUNCTION_DEFINITION.match(text)
        if m is None:
            return
        name = m.group(1)
        word = UPRIGHT_WORD.match(name)
        if word is not None:  # \text{SiLU}(x) = …, \operatorname{F}(x) = …: the parser's name is the word
            if VOCABULARY.function_word(word.group(1)) is None:
                self.notation.functions.add(word.group(1))
            return
        if name not in ("e", "d") and not _standard(name) and VOCABULARY.function_command(name.lstrip("\\")) is None:
            self.notation.functions.add(name)

    def _values_given(self, text: str) -> list[tuple[Node, Node]]:
        """The sentence's inline ``NAME = …`` formulas that can be read, as (name, value)."""
        out = []
        point = values_at_a_point(text)
        for m in INLINE.finditer(text):
            formula = m.group(1)
            if m.start() in point:
                continue  # "at $w = 0$, where $a = 0$": values at a point, not another value for a from here on
            try:
                chain = parse_relation_chain(formula, self.notation)
            except ParseError:
                continue
            if len(chain) == 2 and chain[1][0] == "=":
                out.append((chain[0][1], chain[1][1]))
        return out

    def _parse_event(self, event: Event) -> ParsedEvent:
        if event.kind is EventKind.PROSE:
            return self._prose(event)
        if event.kind is not EventKind.CASE:
            return ParsedEvent(event)
        try:
            chain = parse_relation_chain(event.text, self.notation)
            return ParsedEvent(event, Rel(chain[1][0], chain[0][1], chain[1][1]))
        except (ParseError, IndexError):
            return ParsedEvent(event)

    def _prose(self, event: Event) -> ParsedEvent:
        """A sentence's inline definitions: ``NAME = …`` right after where/let/with/define/denote (or after
        "and"/"," following one), parsed; one that cannot be read is named, so steps that need it say so.
        "$y$ is one-hot" (or "a one-hot $y$") makes y one-hot at an index of its own, checked at every value."""
        # every NAME = … of the sentence ("from now on $a = \tanh(z)$", "let $a = \tanh(z)$ instead"): a name it
        # gives another value may be meant from here on
        parsed = ParsedEvent(event)
        for clause in clauses(event.text):
            hedges = {w.lower() for w in HEDGED.findall(re.sub(r"\$[^$]*\$", " ", clause))}
            if hedges and hedges <= {"suppose", "supposing"}:  # "Suppose $x > 0$.": where x lives, nothing else
                last, joined = 0, False
                for m in INLINE.finditer(clause):
                    joined = self._domain_said(m.group(1), clause[last : m.start()], parsed, joined)
                    last = m.end()
                continue
            if hedges:
                continue  # "we do not assume $y$ is one-hot", "setting $b = 0$ would …": nothing is put in force
            self._prose_clause(clause, parsed)
        parsed.hedged = self._values_given(event.text)  # after the clauses: in the letters they defined (O = HV)
        return parsed

    def _domain_said(self, formula: str, before: str, parsed: ParsedEvent, joined: bool) -> bool:
        """A domain said as an assumption: after let/assume/suppose/given ("and" or "," after another one), or a
        membership (``\\in``) after where/with/here; put in ``parsed`` (see `_domain`); True if it was one."""
        member = "\\in" in formula or "∈" in formula
        said = DOMAIN_INTRO.search(before) or (joined and DOMAIN_JOIN.search(before))
        return bool((said or (member and MEMBER_INTRO.search(before))) and self._domain(formula, parsed))

    def _domain(self, formula: str, parsed: ParsedEvent) -> bool:
        """``y \\in \\{0, 1\\}`` (each step at each value; ``y_i \\in \\{0, 1\\}``: every entry sampled among
        them), ``p \\in (0, 1)`` or ``[0, 1]`` (an interval), ``x > 0``, ``0 < p < 1``, ``a, b > 0`` (bounds) on
        plain names, put in ``parsed`` for the rows after the sentence; True if it was one."""
        m = VALUE_SET.match(formula)
        if m is not None:
            values = [_number_text(v) for v in m.group(2).split(",")]
            if None in values:
                return False
            family = self._entry_family(m.group(1))
            names = [] if family else [self._plain_name(t) for t in m.group(1).split(",")]  # "a, b \in \{0, 1\}"
            if family:
                parsed.entry_values[family] = tuple(dict.fromkeys(values))  # type: ignore[arg-type]
            elif names and None not in names:
                for name in names:
                    parsed.value_sets[name] = tuple(dict.fromkeys(values))  # type: ignore[arg-type,index]
            return bool(family or (names and None not in names))
        m = INTERVAL.match(formula)
        if m is not None:
            name, lo, hi = self._plain_name(m.group(1)), _number_text(m.group(3)), _number_text(m.group(4))
            if name is None or lo is None or hi is None or lo >= hi:
                return False
            parsed.regions[name] = Region(lo, hi, m.group(2) == "(", m.group(5) == ")")
            return True
        regions = bounds(formula, self.notation, self.env)
        if regions is None:
            return False
        for name, region in regions.items():  # one name bounded twice in a sentence: two cases, not an assumption
            parsed.regions[name] = region if name not in parsed.regions else Region(lo=None, hi=None)
        return True

    def _read(self, text: str) -> Node | None:
        """``text`` parsed, or None if it cannot be read."""
        try:
            return parse_expression(text, self.notation)
        except ParseError:
            return None

    def _entry_family(self, text: str) -> str | None:
        """``y_i``: the family y whose entries a letter index runs over, else None."""
        node = self._read(text)
        if isinstance(node, Index) and isinstance(node.base, Sym) and len(node.indices) == 1:
            if isinstance(node.indices[0], Sym) and node.base.name not in self.env.definitions:
                return node.base.name
        return None

    def _plain_name(self, text: str) -> str | None:
        """The name ``text`` is, if it is a plain one (not an index letter, not defined), else None."""
        node = self._read(text)
        if not isinstance(node, Sym) or node.name in self.env.index_letters or node.name in self.env.definitions:
            return None
        return node.name

    def one_hot(self, formula: str, env: Environment | None = None, *, since: int = 0) -> None:
        """The maths of "$y$ is one-hot": a name, names (``y, t``), a shape declaration (``y \\in \\mathbb{R}^K``,
        declared too) or the entries (``(T_1, T_2, T_3)``): each is one-hot at an index of its own — in ``env``
        (a step's own, for ``\\quad (y \\text{ one-hot})``), else from here on."""
        env = self.env if env is None else env
        head = re.split(r"\\in(?![A-Za-z])|∈", formula)[0]
        if head != formula and env is self.env:
            self.declare(formula)  # "let $y \in \mathbb{R}^K$ be one-hot": the shape is said too
        names = head.split(",") if "(" not in head else [head]
        for name_text in names:
            node = self._read(name_text)
            if node is None:
                continue
            if (
                isinstance(node, Vector)
                and node.entries
                and all(  # "the target $(T_1, T_2, T_3)$ is one-hot"
                    isinstance(e, Index) and isinstance(e.base, Sym) and e.base == node.entries[0].base
                    for e in node.entries
                )
            ):
                node = node.entries[0].base
            if isinstance(node, Sym):
                for name in {node.name, entry_base(node.name)}:  # \mathbf{t} one-hot: its entries t_j are
                    if name not in env.one_hot:
                        env.one_hot[name] = f"hot({entry_base(node.name)})"
                        if since:
                            env.one_hot_since[name] = since  # said in prose: in force from that sentence on
                env.index_letters.add(f"hot({entry_base(node.name)})")

    def _prose_clause(self, text: str, parsed: ParsedEvent) -> None:
        """One clause of a sentence (up to a full stop or a semicolon outside the maths): what `_prose` says;
        "where $j \\neq i$" (two index letters) is the case of the display that follows."""
        m = PROSE_CASE.search(text)
        if m is not None:
            op = "!=" if m.group(2) != "=" else "="
            parsed.relation = Rel(op, Sym(m.group(1)), Sym(m.group(3)))
        for m in ONE_HOT_PROSE.finditer(text):
            self.one_hot(m.group(1) or m.group(2), since=parsed.event.line)
            parsed.one_hot = True
        for m in WRITE_FOR.finditer(text):  # "write $\delta$ for $\partial E/\partial h$": δ stands for it
            if m.group(1) is not None:  # write $short$ for $long$
                short, long = m.group(1), m.group(2)
            elif m.group(3) is not None:  # $short$ stands for $long$
                short, long = m.group(3), m.group(4)
            else:  # denote $long$ by $short$
                short, long = m.group(6), m.group(5)
            try:
                name = parse_expression(short, self.notation)
                body = parse_expression(long, self.notation)
            except ParseError:
                continue
            parsed.definitions.append((name, body))
        last = 0
        chained = False
        joined = False  # the formula before was a domain: "and"/"," may join another
        point = values_at_a_point(text)
        for m in INLINE.finditer(text):
            before = text[last : m.start()]
            last = m.end()
            if m.start() in point:
                continue  # "check at $w = 0$, $x = 1$, where $a = 0$": a's value at that point, no definition
            intro = DEFINING.search(before)
            keyword = intro is not None and intro.group(0).strip().lower() not in ("and", ",", "")
            chained |= keyword  # "where $a = …$ and $b = …$", "here $y$ is one-hot and $p_i = …$"
            if self._domain_said(m.group(1), before, parsed, joined):
                joined = chained = True  # "let $y \in \{0, 1\}$ and $p = …$": what follows "and" is said the same way
                continue  # "let $y \in \{0, 1\}$ and $p \in (0, 1)$", "assume $x > 0$": where they live
            if "=" not in m.group(1) and re.fullmatch(r"\s*\\?[A-Za-z]+\s*", m.group(1)):
                continue  # "let $x ∈ ℝ^B$ be a batch of $B$ values and $μ = …$": a name mentioned breaks no list
            joined = False
            if (intro is None or not chained) and not _loose_definition(m.group(1), before):
                chained = False
                name = _defined_name(m.group(1), self.notation, self.env) if _single_equation(m.group(1)) else ""
                if name and name not in self.env.definitions:
                    # "$μ = …$ their mean" said in words the checker does not take as a definition: a step that
                    # fails with μ a free variable says nothing of the author's μ
                    parsed.unread.append(name)
                continue
            formula = m.group(1)
            if "=" not in formula or self.declare(formula):
                continue
            shaped = DEFINED_IN.match(
                formula
            )  # $\delta = \partial L / \partial z \in \mathbb{R}^m$: a value and a shape
            if shaped is not None:
                name = _defined_name(shaped.group(1), self.notation, self.env)
                if name and self.declare(f"{name} {shaped.group(2)}"):
                    formula = shaped.group(1)
            for piece in _definition_pieces(formula):  # $a = σ(z), b = …$
                try:
                    chain = parse_relation_chain(piece, self.notation)
                except ParseError:
                    name = _defined_name(piece, self.notation, self.env)
                    if name:
                        parsed.unread.append(name)
                    continue
                if len(chain) >= 2 and all(rel == "=" for rel, *_ in chain[1:]):
                    # "Let $\\hat{y} = a = wx + b$": each name stands for what follows it (ŷ for a, a for wx + b);
                    # the links of a chain in prose are not checked, so none stands for more than its neighbour
                    parsed.definitions.extend((a[1], b[1]) for a, b in itertools.pairwise(chain))
                    for _, node, *_ in chain:
                        self.learn_letters(node)
                    for a, b in itertools.pairwise(chain):  # "$Z = XW$, $H = \tanh(Z)$, $O = HV$": H V a product
                        self._letter_defined(a[1], b[1])

    def _parse_condition(self, row: Row) -> tuple[Rel | None, str]:
        """The row's own condition (``\\quad \\text{if } i = k``) as a relation, or its text if unreadable."""
        text = row.condition
        if not text:
            return None, ""
        try:
            chain = parse_relation_chain(text, self.notation)
        except ParseError:
            return None, text
        if len(chain) != 2 or chain[1][0] not in ("=", "!=", "<", ">", "<=", ">="):
            return None, text
        return Rel(chain[1][0], chain[0][1], chain[1][1]), text

    def _braced_definition(self, text: str) -> tuple[Node, Node] | None:
        """``\\underbrace{\\frac{\\partial C}{\\partial z}}_{=:\\delta}``: it names what it holds (δ = ∂C/∂z)."""
        for m in re.finditer(r"\\underbrace\s*(?=\{)", text):
            try:
                inner, after = read_group(text, m.end())
                rest = text[after:].lstrip()
                if not rest.startswith("_"):
                    continue
                label, _ = read_group(rest, len(rest) - len(rest[1:].lstrip()))
                named = re.match(r"\s*(?:=:|\\eqqcolon)\s*(.+)$", label)
                if named is None:
                    continue
                name = parse_expression(named.group(1), self.notation)
                body = parse_expression(inner, self.notation)
            except ParseError:
                continue
            if definable(name, self.env) is not None:
                return name, body
        return None

    def _where_definition(self, row: Row) -> tuple[Node, Node] | None:
        """``\\quad \\text{where } f(x) = …``: a function defined for the rest of the file (its name known now)."""
        m = WHERE.match(row.justification)
        if not m:
            return None
        try:
            chain = parse_relation_chain(m.group(1), self.notation)
        except ParseError:
            return None
        if len(chain) == 2 and chain[1][0] == "=":
            target = definable(chain[0][1], self.env)
            if target is not None:
                if target[1]:
                    self.notation.functions.add(target[0])
                return chain[0][1], chain[1][1]
        return None


#: A sentence that explains the display before it: "where $a_i = \\sigma(z_i)$", "with $p = …$".
_AFTERWORD = re.compile(r"^\s*(?:,\s*)?(?:where|with|here|and)\b", re.IGNORECASE)


def _where_first(parsed: list[Parsed]) -> list[Parsed]:
    """A sentence right after a display that starts with "where"/"with" and defines names ("… where
    $a_i = \\sigma(z_i)$"), says a label is one-hot or where a variable lives explains that display: what it says is
    put in force before the display's rows."""
    out: list[Parsed] = []
    for item in parsed:
        says = isinstance(item, ParsedEvent) and (
            item.definitions or item.one_hot or item.regions or item.value_sets or item.entry_values
        )
        text = item.event.text if isinstance(item, ParsedEvent) else ""
        because = isinstance(item, ParsedEvent) and item.one_hot and re.search(r"\b(?:because|since)\b", text, re.I)
        if says and (_AFTERWORD.match(text) or because):  # "… because $y$ is one-hot.": it explains the display
            k = len(out)
            if k and isinstance(out[k - 1], ParsedRow):
                display = out[k - 1].row.display
                while k and isinstance(out[k - 1], ParsedRow) and out[k - 1].row.display == display:
                    k -= 1
                out.insert(k, item)
                continue
        out.append(item)
    return out


#: ``y_i(z_i) = …``, ``p_j(\\mathbf{x}) = …``: entry i of a vector, written with what it depends on.
ENTRY_FUNCTION = re.compile(
    r"^\s*(\\?[A-Za-z]+(?:\{[A-Za-z]\})?)\s*_\s*\{?\s*[a-z]\s*\}?\s*\(\s*[A-Za-z\\{}_^\s,]+\)\s*="
)


def _entry_function(text: str, chain: list[tuple[str, Node, str]]) -> list[tuple[str, Node, str]]:
    """``y_i(z_i) = …`` read as ``y_i = …``: the parenthesis names what the entry depends on, it is no product."""
    if not chain or not ENTRY_FUNCTION.match(text):
        return chain
    rel, node, span = chain[0]
    if isinstance(node, Mul) and len(node.factors) == 2 and isinstance(node.factors[0], Index):
        return [(rel, node.factors[0], span), *chain[1:]]
    return chain


#: LaTeX's own operators: they mean what they mean, a file cannot define them (\\det(W) = … is a claim).
STANDARD_OPERATORS = frozenset(
    "det lim limsup liminf sup inf arg sgn Pr gcd ker dim hom deg sin cos tan cot sec csc arcsin arccos cosh sinh "
    "coth lg".split()
)


def _only_applied_with_subscripts(name: str, texts: list[str]) -> bool:
    """``C(g(z_1), …)`` and ``C_i(a)``: ``name`` is applied, and every subscripted use of it is applied too."""
    if len(name) != 1 or not name.isalpha():
        return False
    applied = re.compile(rf"(?<![\\A-Za-z]){name}\s*\(")
    subscripted = re.compile(rf"(?<![\\A-Za-z]){name}_(?:\{{[^{{}}]*\}}|[A-Za-z0-9])(\s*\()?")
    uses = [m for text in texts for m in subscripted.finditer(text)]
    return bool(uses) and all(m.group(1) for m in uses) and any(applied.search(text) for text in texts)


def _bare_in(name: str, text: str) -> bool:
    """Whether ``text`` writes ``name`` both applied (g(…), g'(…)) and as a plain value (g x), outside ∂g, dg."""
    escaped = re.escape(name)
    start = r"(?<![\\A-Za-z])" if not name.startswith("\\") else r"(?<![A-Za-z])"
    applied = re.search(rf"{start}{escaped}\s*(?:'|\^\s*\{{?\s*\\prime|\()", text)
    plain = re.search(
        rf"(?<!\\partial )(?<!\\partial)(?<![d\\A-Za-z]){escaped}(?![A-Za-z])(?!\s*(?:'|\(|\^\s*\{{?\s*\\prime|_))",
        text,
    )
    return bool(applied and plain)


def _standard(name: str) -> bool:
    return name.startswith("\\") and name[1:] in STANDARD_OPERATORS


def values_at_a_point(text: str) -> set[int]:
    """Where the inline formulas of ``text`` that give a name a number at a point start: once the text gives a
    point ("check at $w = 0$, …"), every ``NAME = number`` from there on ("…, where $a = 0$") is a value there."""
    out, last, at_point = set(), 0, False
    for m in INLINE.finditer(text):
        at_point |= bool(AT_A_POINT.search(text[last : m.start()])) and "=" in m.group(1)
        last = m.end()
        if at_point and NUMBER_VALUE.match(m.group(1)):
            out.add(m.start())
    return out


def _single_equation(formula: str) -> bool:
    """``NAME = …`` with one '=' and no other relation (not ``a = b = c``, ``x \\leq y``)."""
    outside = re.sub(r"[_^]\{[^{}]*\}", "", formula)  # the bounds of \sum_{b=1}^{B} are no equation
    return outside.count("=") == 1 and not re.search(r"[<>]|\\(?:le|ge|leq|geq|neq|approx|in)\b", outside)


def _defined_name(formula: str, notation: Notation, env: Environment | None = None) -> str:
    """The name an unreadable ``NAME = …`` formula defines, if its left side can be read (μ_N labelled: μ_{N})."""
    left = formula.split("=", 1)[0]
    try:
        node = parse_expression(left, notation)
    except ParseError:
        return ""
    if isinstance(node, Sym):
        return node.name
    if env is not None and isinstance(node, Index) and isinstance(node.base, Sym):
        labelled = label_key(node.base.name, node.indices, env)
        if labelled:
            return labelled
    if isinstance(node, (Index, Call)):
        base = node.base if isinstance(node, Index) else node.func
        return getattr(base, "name", "")
    return ""


def transposed_names(node: Node) -> set[str]:
    """Names written transposed (``w^\\top``), and the name right after one in a product (``w^\\top x``: x too)."""
    out = {t.arg.name for t in walk(node) if isinstance(t, Transpose) and isinstance(t.arg, Sym)}
    for m in walk(node):
        if isinstance(m, Mul):
            for a, b in itertools.pairwise(m.factors):
                if isinstance(a, Transpose) and isinstance(a.arg, Sym) and isinstance(b, Sym):
                    out.add(b.name)
    return out


def multipliers(node: Node, env: Environment) -> set[str]:
    """Plain capitals (W, A, W^{[1]}) written right before a vector in a product (``W\\mathbf{x}``,
    ``A(\\mathbf{x} - \\mathbf{b})``, ``W\\sigma(\\mathbf{z})``): matrices, not numbers."""

    def capital(n: Node) -> str:
        if isinstance(n, Sym):
            core = untagged(n.name)
            if len(core) == 1 and core.isupper() and core not in RESERVED:
                return n.name
        return ""

    def vector(n: Node) -> bool:
        if isinstance(n, Sym):
            known = env.shape_of(n.name)
            return known is not None and known[0] != (1, 1)
        if isinstance(n, Transpose):
            return vector(n.arg)
        if isinstance(n, Call):
            return any(vector(a) for a in n.args)
        if isinstance(n, Add):  # a bracket's sum of terms
            return any(vector(t) for t in n.terms)
        if isinstance(n, Neg):
            return vector(n.arg)
        return False

    out = set()
    for m in walk(node):
        if isinstance(m, Mul) and not m.elementwise:
            for a, b in itertools.pairwise(m.factors):
                if capital(a) and vector(b):
                    out.add(capital(a))
    return out


def transposed_families(node: Node) -> set[str]:
    """Names with one letter or number index written transposed (``x_i^\\top``, ``x_1^\\top``) or right after
    a transposed vector in a product (``w^\\top x_i``): each x_i is a vector (an entry is never transposed)."""

    def family(n: Node) -> str:
        if isinstance(n, Index) and isinstance(n.base, Sym) and len(n.indices) == 1:
            i = n.indices[0]
            if isinstance(i, Sym) and len(i.name) == 1 and i.name.isalpha():
                return n.base.name
            if isinstance(i, Num) and i.value == int(i.value) and i.value >= 1:
                return n.base.name  # x_1^\top: the first of a family x_1, x_2, … of vectors
        return ""

    out = {family(t.arg) for t in walk(node) if isinstance(t, Transpose)}
    for m in walk(node):
        if isinstance(m, Mul):
            for a, b in itertools.pairwise(m.factors):
                if isinstance(a, Transpose) and isinstance(a.arg, Sym):
                    out.add(family(b))
    return out - {""}


#: ``NAME = …`` with NAME a plain name (x, z, a^{l}, \hat{y}, z_j) and something to compute on the right.
LOOSE = re.compile(
    r"^\s*(?:\\[A-Za-z]+\{[A-Za-z]\}|\\[A-Za-z]+|[A-Za-z])(?:\^\{?[A-Za-z0-9+-]+\}?)?(?:_\{?[a-z]\}?)?\s*=(?!=)"
)
#: Words of a sentence that states a result ("we obtain $\delta = a - y$"): its formulas are claims.
CLAIMING = re.compile(
    r"\b(?:obtain|obtains|get|gets|got|gives?|find|found|have|has|yields?|becomes?|see|know|shows?|showed|prove|"
    r"proves|derive|derived|conclude|hence|thus|therefore|that|equals?|simplif\w*|results?|arrive|means?)\b",
    re.IGNORECASE,
)
#: ``a = 0``, ``y = 1``, ``\hat{y} = 0.73``: a name given a number alone.
NUMBER_VALUE = re.compile(r"^\s*[^=]+=\s*-?\s*\d+(?:\.\d+)?\s*$")
#: The words before a formula that make it a value at a point or a condition, not a definition.
AT_A_POINT = re.compile(r"\b(?:for|at|when|whenever|if|whether|than|to|of|unless|until|approaches|gives?)\s*$", re.I)


#: What may stand before a variable's domain in prose, an assumption's own words: "let $y \in \{0,1\}$", "assume
#: $x > 0$", "suppose", "given"; each, every, all may follow.
DOMAIN_INTRO = re.compile(r"\b(?:let|assume|assuming|suppose|given)\b"
                          r"(?:\s+(?:that|we\s+have))?(?:\s+(?:each|every|all))?\s*$", re.IGNORECASE)  # fmt: skip
#: What may introduce a set of values or an interval (``\\in``) but not a bound: "where $y \\in \\{0, 1\\}$ is the
#: label", "with $p \\in (0, 1)$" — "the ReLU is zero where $x < 0$" describes, it assumes nothing.
MEMBER_INTRO = re.compile(
    r"\b(?:where|with|here)\b(?:\s+(?:each|every|all|the|a|an))?(?:\s+(?:label|labels|target|targets|"
    r"probability|probabilities|weight|weights|entries|values|inputs?))?\s*$",
    re.IGNORECASE,
)
#: After a domain in the same clause, "and" or a comma joins another: "let $y \\in \\{0,1\\}$ and $p \\in (0,1)$".
DOMAIN_JOIN = re.compile(r"(?:\band|,)\s*$", re.IGNORECASE)
#: ``y \in \{0, 1\}``: a name and the numbers it takes.
VALUE_SET = re.compile(r"^\s*(.+?)\s*(?:\\in|∈)\s*\\\{\s*(-?[\d.]+(?:\s*,\s*-?[\d.]+)*)\s*\\\}\s*$")
#: ``p \in (0, 1)``, ``[0, 1]``, ``(0, 1]``: a name and an interval of numbers.
INTERVAL = re.compile(r"^\s*(.+?)\s*(?:\\in|∈)\s*([(\[])\s*(-?[\d.]+)\s*,\s*(-?[\d.]+)\s*([)\]])\s*$")


def _number_text(text: str) -> Fraction | None:
    """``0``, ``-1``, ``0.5`` as an exact number, else None."""
    try:
        return Fraction(text.strip())
    except ValueError:
        return None


def intersect(a: Region | None, b: Region) -> Region | None:
    """The interval in both (a None: all of b); None when it is empty."""
    if a is None:
        return b
    lo, lo_open = a.lo, a.lo_open
    if b.lo is not None and (lo is None or b.lo > lo or (b.lo == lo and b.lo_open)):
        lo, lo_open = b.lo, b.lo_open
    hi, hi_open = a.hi, a.hi_open
    if b.hi is not None and (hi is None or b.hi < hi or (b.hi == hi and b.hi_open)):
        hi, hi_open = b.hi, b.hi_open
    if lo is not None and hi is not None and (lo > hi or (lo == hi and (lo_open or hi_open))):
        return None
    return Region(lo, hi, lo_open, hi_open)


def bounds(text: str, notation: Notation, env: Environment) -> dict[str, Region] | None:
    """``a < 0, b < 0``, ``0 < p < 1``, ``x > 0 \\text{ and } y \\le 2``: strict or weak bounds by numbers on
    plain names (not indices, not defined names), one interval per name; None unless every part is one."""
    joined = re.sub(r"\\text\{\s*and\s*\}|\\(?:land|wedge)(?![A-Za-z])", ",", text)
    regions: dict[str, Region] = {}
    pending: list[str] = []  # "a, b > 0": names waiting for the bound after them
    for piece, _ in split_top(joined, ","):
        if not piece.strip():
            return None
        try:
            chain = parse_relation_chain(piece, notation)
        except ParseError:
            return None
        if len(chain) < 2:
            if not isinstance(chain[0][1], Sym):
                return None
            pending.append(chain[0][1].name)
            continue
        for (_, a, *_), (op, b, *_) in itertools.pairwise(chain):
            bound = number_bound(op, a, b)
            if bound is None:
                return None
            name, side, value = bound
            for each in (name, *pending) if len(chain) == 2 else (name,):
                joint = intersect(regions.get(each), region_of(side, value))
                if joint is None or each in env.index_letters or each in env.definitions:
                    return None
                regions[each] = joint
        if len(chain) != 2 and pending:
            return None
        pending = []
    return regions if regions and not pending else None


def number_bound(op: str, a: Node, b: Node, *, equal: bool = False) -> tuple[str, str, Fraction] | None:
    """``x > 0`` or ``0 < x`` as (x, '>', 0) (with ``equal``, ``y = 1`` too); None unless an inequality (or equation)
    between a plain name and a number."""
    flip = {"<": ">", ">": "<", "<=": ">=", ">=": "<=", **({"=": "="} if equal else {})}
    if op not in flip:
        return None
    for name_side, number_side, side in ((a, b, op), (b, a, flip[op])):
        value = constant_value(number_side)
        if isinstance(name_side, Sym) and value is not None:
            return name_side.name, side, value
    return None


def constant_value(node: Node) -> Fraction | None:
    """A number written plainly (2, −1, 0.5, ½ as \\frac{1}{2}), or None."""
    if isinstance(node, Neg):
        inner = constant_value(node.arg)
        return -inner if inner is not None else None
    if isinstance(node, Div):
        num, den = constant_value(node.num), constant_value(node.den)
        return num / den if num is not None and den else None
    return node.value if isinstance(node, Num) else None


def region_of(op: str, value: Fraction) -> Region:
    """The interval ``x op value`` leaves x (op one of <, >, <=, >=)."""
    return {
        ">": Region(lo=value, lo_open=True),
        ">=": Region(lo=value),
        "<": Region(hi=value, hi_open=True),
        "<=": Region(hi=value),
    }[op]


def _loose_definition(formula: str, before: str) -> bool:
    """``… a linear transformation $z = wx + b$ …``: in an unhedged clause, a new-looking ``NAME = expression``
    (one equals sign, a name on the right) defines the name even without "where" or "let" before it — never
    ``for $x = 0$``, ``at $z = 1$`` (a point) or a number alone (``$b = 0$``)."""
    if formula.count("=") != 1 or not LOOSE.match(formula) or AT_A_POINT.search(before) or CLAIMING.search(before):
        return False
    body = formula.split("=", 1)[1]
    return bool(re.search(r"[A-Za-z]", re.sub(r"\\(?:frac|left|right|cdot|times|[,;!: ])", " ", body)))


def clauses(text: str) -> list[str]:
    """A sentence's clauses: cut after a full stop, semicolon, question or exclamation mark outside ``$…$``."""
    out, start, inside = [], 0, False
    for k, c in enumerate(text):
        if c == "$":
            inside = not inside
        elif not inside and c in ".;?!" and (k + 1 == len(text) or text[k + 1].isspace()):
            out.append(text[start : k + 1])
            start = k + 1
    out.append(text[start:])
    return [c for c in out if c.strip()]


def describe_shape(shape: Shape) -> str:
    rows, cols = shape
    return f"a vector of length {rows}" if cols == 1 else f"a {rows}×{cols} matrix"


def literal_lengths(chains) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """The largest whole-number index each name is written with (T_3: 3), over the rows' chains."""
    out: dict[str, int] = {}
    for chain in chains:
        for _, node, _ in chain:
            for n in walk(node):
                if isinstance(n, Index) and isinstance(n.base, Sym) and len(n.indices) == 1:
                    i = n.indices[0]
                    if isinstance(i, Num) and i.value.denominator == 1:
                        out[n.base.name] = max(out.get(n.base.name, 0), int(i.value))
    return out


def summed_families(node: Node) -> set[tuple[str, str, int]]:
    """(family, bound, first index) for each ``\\sum_{k=1}^{q}`` (from 1) or ``\\sum_{k=0}^{q-1}`` (from 0) whose
    body has the family's entry at k alone (``o_k``, ``y_k``): q entries, numbered from 1 or from 0."""
    out = set()
    for s in walk(node):
        if not isinstance(s, Sum):
            continue
        if isinstance(s.hi, Sym) and s.lo in (None, Num(Fraction(1))):
            bound, first = s.hi.name, 1
        elif s.lo == Num(Fraction(0)) and _less_one(s.hi):
            bound, first = _less_one(s.hi), 0
        else:
            continue
        for n in walk(s.body):
            if isinstance(n, Index) and isinstance(n.base, Sym) and n.indices == (Sym(s.var),):
                out.add((n.base.name, bound, first))
    return out


def _less_one(node: Node | None) -> str:
    """q for the bound q − 1 (a sum from 0 of q terms), else ""."""
    if isinstance(node, Add) and len(node.terms) == 2 and isinstance(node.terms[0], Sym):
        if node.terms[1] == Neg(Num(Fraction(1))):
            return node.terms[0].name
    return ""


def sum_bounds(node: Node) -> set[str]:
    """Names used as the upper bound of a sum (``\\sum_{i=1}^{m}``, ``\\sum_{i=0}^{m-1}``) or of entries written
    with an ellipsis (x_1, …, x_m): vector lengths, valued n."""
    ranged = [n for n in walk(node) if isinstance(n, (Sum, Tabulated))]
    return {n.hi.name for n in ranged if isinstance(n.hi, Sym)} | {_less_one(n.hi) for n in ranged} - {""}


def subscript_letters(node: Node) -> tuple[set[str], set[str]]:
    """(families, index letters): names used with a letter subscript, and those letters."""
    families: set[str] = set()
    letters: set[str] = set()
    for n in walk(node):
        if isinstance(n, Index):
            letter_idx = [i.name for i in n.indices if isinstance(i, Sym) and re.fullmatch(r"[a-z]", i.name)]
            if letter_idx and isinstance(n.base, Sym):
                families.add(n.base.name if len(n.indices) == 1 else MATRIX_MARK + n.base.name)
            letters.update(letter_idx)
        if isinstance(n, Sum):
            letters.add(n.var)
            letters.update(e.name for e in n.exclude if isinstance(e, Sym))  # \sum_{k \neq i}: i is an index
        if isinstance(n, Call) and _takes_vector(n.func.name):
            families.update(a.name for a in n.args if isinstance(a, Sym))  # S(θ): θ is a vector
    return families, letters


def _takes_vector(name: str) -> bool:
    f = VOCABULARY.by_name.get(name)
    return f is not None and f.vector
