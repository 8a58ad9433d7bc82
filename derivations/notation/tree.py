"""The syntax tree of one formula: small frozen nodes, built by the parser, read by the checker."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction


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
    """A product; ``dots``: positions of the factors joined to the one before by ``\\cdot``."""

    factors: tuple[Node, ...]
    elementwise: bool = False
    dots: tuple[int, ...] = ()


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
    """``\\sum_{var=lo}^{hi} body``; lo/hi None mean 1…n; ``exclude``: values skipped (``\\sum_{k \\neq i}``)."""

    var: str
    body: Node
    lo: Node | None = None
    hi: Node | None = None
    product: bool = False
    exclude: tuple[Node, ...] = ()


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
    tuple: bool = False  # written as a tuple (a, b) or [a, b]: which way it stands, the file may not say


@dataclass(frozen=True)
class At(Node):
    """``\\left. F \\right|_{x = a}``: F evaluated with the variable x set to a."""

    of: Node
    var: Node
    value: Node


@dataclass(frozen=True)
class MatrixLit(Node):
    """A matrix written by its entries (``bmatrix`` rows split at ``\\\\``, columns at ``&``)."""

    rows: tuple[tuple[Node, ...], ...]


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


@dataclass(frozen=True)
class Tabulated(Node):
    """``(x_1, \\ldots, x_n)``, a column with ``\\vdots``: the entries ``body`` at var = lo … hi, a vector."""

    var: str
    body: Node
    lo: Node
    hi: Node
    column: bool = True


@dataclass(frozen=True)
class Norm(Node):
    """``\\|x\\|``: the Euclidean norm of a vector (the absolute value of a number); ``kind`` "1", "2" or "F"
    when written as a subscript, "" when not (a matrix's norm must then say which)."""

    arg: Node
    kind: str = ""


@dataclass(frozen=True)
class Reach(Node):
    """``\\frac{\\partial}{\\partial w} w a + b``: the derivative of the whole sum (``whole``, the reading taken
    first) or of the first term only (``near``); the notation does not say which."""

    whole: Node
    near: Node


@dataclass(frozen=True)
class Partial(Node):
    """``\\partial X`` before ``/ \\partial y`` is resolved into a `Deriv`; alone it has no value."""

    of: Node


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


def walk(node: Node) -> Iterator[Node]:
    """Every node of the tree, depth first."""
    yield node
    for child in children(node):
        yield from walk(child)


def is_variable(node: Node) -> bool:
    """A name or a name with plain indices: something a derivative may be taken with respect to."""
    if isinstance(node, Sym):
        return True
    if isinstance(node, Index):
        return isinstance(node.base, Sym) and all(_index_arithmetic(i) for i in node.indices)
    return False


def _index_arithmetic(node: Node) -> bool:
    """An index: a name, a number, or a sum of them (w_{m-1}, x_{i+1})."""
    if isinstance(node, Neg):
        return _index_arithmetic(node.arg)
    if isinstance(node, Add):
        return all(_index_arithmetic(t) for t in node.terms)
    return isinstance(node, (Sym, Num))
