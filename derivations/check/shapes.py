"""The shapes a file's rows imply for vectors and matrices it never declares.

A bold name the file does not declare gets the convention's shape (an n-vector, an n×n matrix). That is
often wrong in a file whose sizes differ (W ∈ ℝ^{m×n} declared, δ not): δxᵀ must then be m×n, so δ is
an m-vector. `infer` reads every row once as a system of equations between dimensions — a product
joins the inner two, a sum, an equation and a definition make both sides alike, ∂L/∂W (L a number) has
W's shape — and solves it with a union–find. A row whose own equations contradict the rest (or each
other) adds none of them: a shape error of the author's, or a reading this module does not model, never
changes another row's shapes. What stays unknown after all rows keeps a name of its own.

The checker uses the inferred shapes only for a step the convention's shapes could not evaluate, and the
shapes stay undeclared: a mismatch under them is a reason, never `wrong`.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass, field

from derivations.check.environment import (
    FAMILY_MARK,
    Environment,
    Parsed,
    ParsedEvent,
    ParsedRow,
    Shape,
)
from derivations.notation.tree import (
    Abs,
    Add,
    At,
    Call,
    Cases,
    Const,
    Deriv,
    Div,
    Index,
    MatrixLit,
    Mul,
    Neg,
    Node,
    Norm,
    Num,
    Pow,
    Reach,
    Rel,
    Sum,
    Sym,
    Transpose,
    Vector,
)
from derivations.notation.vocabulary import VOCABULARY

#: A dimension while solving: a number, a declared size name (m, d_{in}), or a variable ("?3").
Atom = int | str
#: The shape of an expression while solving: None for a number, UNKNOWN when this module cannot say.
UNKNOWN = "unknown"
AbstractShape = tuple[Atom, Atom] | None | str

#: Functions of a whole vector whose value is a number.
_TO_NUMBER = ("logsumexp", "trace")


class Conflict(Exception):
    """Two dimensions that cannot be equal (3 and 4, m and n, a vector's length and 1)."""


@dataclass
class Dimensions:
    """A union–find over dimensions: variables, declared size names and numbers."""

    parent: dict[Atom, Atom] = field(default_factory=dict)
    count: int = 0

    def fresh(self) -> str:
        self.count += 1
        return f"?{self.count}"

    def find(self, a: Atom) -> Atom:
        """The representative of a's class: a number or a declared name if the class has one."""
        root = a
        while root in self.parent:
            root = self.parent[root]
        while a in self.parent and self.parent[a] != root:  # path compression
            self.parent[a], a = root, self.parent[a]
        return root

    def union(self, a: Atom, b: Atom) -> None:
        """a = b, or `Conflict` if both are fixed and differ (a variable is never 1: it is a vector's length)."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return
        fixed_a, fixed_b = not _variable(ra), not _variable(rb)
        if fixed_a and fixed_b:
            raise Conflict(f"{ra} ≠ {rb}")
        if ra == 1 or rb == 1:
            raise Conflict("a length of 1")
        if fixed_a:
            self.parent[rb] = ra
        else:
            self.parent[ra] = rb

    def copy(self) -> Dimensions:
        return Dimensions(dict(self.parent), self.count)


def _variable(a: Atom) -> bool:
    return isinstance(a, str) and a.startswith("?")


class Solver:
    """The equations of a file's rows, one row at a time (a row that contradicts is left out whole)."""

    def __init__(self, env: Environment) -> None:
        self.env = env
        self.dims = Dimensions()
        self.names: dict[str, tuple[Atom, Atom]] = {}  # undeclared vector or matrix names → their dimensions
        self.defining: set[str] = set()

    # -- the rows

    def row(self, operands: Iterable[Node]) -> bool:
        """operand₀ = operand₁ = …: the row's equations, added only if they are consistent; whether they were."""
        saved = self.dims.copy(), dict(self.names)
        try:
            shapes = [self.shape(node, frozenset()) for node in operands]
            known = [s for s in shapes if s is not UNKNOWN]
            for a, b in itertools.pairwise(known):
                self.same(a, b)
        except Conflict:
            self.dims, self.names = saved
            return False
        return True

    # -- one expression

    def same(self, a: AbstractShape, b: AbstractShape) -> None:
        """a and b have one shape (a number and a vector never do)."""
        if a is UNKNOWN or b is UNKNOWN:
            return
        if a is None or b is None:
            shaped = a if b is None else b
            if shaped is not None and any(self.dims.find(d) != 1 for d in shaped):  # 1×1 (wᵀx) is a number
                raise Conflict("a number and a vector")
            return
        self.dims.union(a[0], b[0])
        self.dims.union(a[1], b[1])

    def name(self, name: str, bound: frozenset[str]) -> AbstractShape:
        """A name's shape: declared, a variable's (bold by convention), a definition's, or a number."""
        if name in bound:
            return None
        declared = self.env.shapes.get(name)
        if declared is not None:
            return declared
        found = self.env.shape_of(name)
        if found is not None:
            if found[1]:
                return found[0]
            if name not in self.names:
                rows, cols = found[0]
                self.names[name] = (
                    1 if rows == 1 else self.dims.fresh(),
                    1 if cols == 1 else self.dims.fresh(),
                )
            return self.names[name]
        definition = self.env.definitions.get(name)
        if definition is not None and not definition.params and name not in self.defining:
            self.defining.add(name)
            try:
                return self.shape(definition.body, bound)
            finally:
                self.defining.discard(name)
        return None

    def shape(self, node: Node, bound: frozenset[str]) -> AbstractShape:
        """The shape of ``node``, adding the equations its products and sums imply."""
        if isinstance(node, Index):
            return self._member(node)
        if isinstance(node, (Num, Norm)):
            return None
        if isinstance(node, Const):
            return UNKNOWN if node.name in ("ones", "zeros") else None
        if isinstance(node, Sym):
            return self.name(node.name, bound)
        if isinstance(node, (Neg, Abs)):
            return self.shape(node.arg, bound)
        if isinstance(node, Transpose):
            inner = self.shape(node.arg, bound)
            return (inner[1], inner[0]) if isinstance(inner, tuple) else inner
        if isinstance(node, Add):
            return self._alike([self.shape(t, bound) for t in node.terms])
        if isinstance(node, Mul):
            return self._product(node, bound)
        if isinstance(node, Div):
            num, den = self.shape(node.num, bound), self.shape(node.den, bound)
            return num if den is None else UNKNOWN
        if isinstance(node, Pow):
            base = self.shape(node.base, bound)
            return None if base is None else UNKNOWN
        if isinstance(node, Sum):
            return self.shape(node.body, bound | {node.var})
        if isinstance(node, Call):
            return self._call(node, bound)
        if isinstance(node, Deriv):
            return self._derivative(node, bound)
        if isinstance(node, Vector):
            if any(self.shape(e, bound) is not None for e in node.entries):
                return UNKNOWN
            k = len(node.entries)
            return (k, 1) if node.column else (1, k)
        if isinstance(node, MatrixLit):
            return (len(node.rows), len(node.rows[0]))
        if isinstance(node, Cases):
            return self._alike([self.shape(value, bound) for value, _ in node.branches])
        if isinstance(node, At):
            return self.shape(node.of, bound)
        if isinstance(node, Reach):
            return self.shape(node.whole, bound)
        if isinstance(node, Rel):
            left, right = self.shape(node.lhs, bound), self.shape(node.rhs, bound)
            self.same(left, right)
            return UNKNOWN
        return UNKNOWN

    def _member(self, node: Index) -> AbstractShape:
        """x_i of a family of vectors: the declared family's shape, or one shape for all its members (x_i^⊤
        written); an entry otherwise (a number)."""
        if not (isinstance(node.base, Sym) and len(node.indices) == 1):
            return None
        name = node.base.name
        declared = self.env.family_shape(name)
        if declared is not None:
            return declared
        if not self.env.transposed_family(name):
            return None
        key = FAMILY_MARK + name
        if key not in self.names:
            self.names[key] = (self.dims.fresh(), 1)
        return self.names[key]

    def _alike(self, shapes: list[AbstractShape]) -> AbstractShape:
        """Terms of a sum (branches of cases): all of one shape."""
        known = [s for s in shapes if s is not UNKNOWN]
        for a, b in itertools.pairwise(known):
            self.same(a, b)
        if not known:
            return UNKNOWN
        return next((s for s in known if s is not None), None)

    def _product(self, node: Mul, bound: frozenset[str]) -> AbstractShape:
        """A ⊙ B: alike; A B: A's columns are B's rows; a \\cdot of two vectors (a dot product?): unknown."""
        shapes = [self.shape(f, bound) for f in node.factors]
        if node.elementwise:
            return self._alike(shapes)
        result = shapes[0]
        for k, s in enumerate(shapes[1:], start=1):
            if result is UNKNOWN or s is UNKNOWN:
                result = UNKNOWN
            elif result is None or self._one_by_one(result):  # (wᵀx − y) x: a number times a vector
                result = s
            elif s is None or self._one_by_one(s):
                continue
            elif k in node.dots and self._column(result) and self._column(s):
                result = UNKNOWN  # u \cdot v: a dot product (or an elementwise one), not a matrix product
            else:
                self.dims.union(result[1], s[0])
                result = (result[0], s[1])
        return result

    def _one_by_one(self, s: AbstractShape) -> bool:
        return isinstance(s, tuple) and self.dims.find(s[0]) == 1 and self.dims.find(s[1]) == 1

    def _column(self, s: AbstractShape) -> bool:
        return isinstance(s, tuple) and self.dims.find(s[1]) == 1

    def _call(self, node: Call, bound: frozenset[str]) -> AbstractShape:
        """Elementwise functions keep the shape; softmax too; diag(v) is square; tr and logsumexp give numbers."""
        args = [self.shape(a, bound) for a in node.args]
        f = VOCABULARY.by_name.get(node.func.name)
        if f is None or node.func.name in self.env.definitions or len(args) != 1:
            return UNKNOWN if any(a is not None for a in args) else None
        arg = args[0]
        if f.name in _TO_NUMBER:
            return None
        if f.name == "diag":
            if isinstance(arg, tuple) and self._column(arg):
                return (arg[0], arg[0])
            return UNKNOWN
        if f.vector and f.name != "softmax":
            return UNKNOWN
        return arg

    def _derivative(self, node: Deriv, bound: frozenset[str]) -> AbstractShape:
        """∂L/∂W with L a number has W's shape; ∂v/∂x with x a number has v's; a Jacobian: its layout is a
        convention, so nothing is said."""
        of, wrt = self.shape(node.of, bound), self.shape(node.wrt, bound)
        if node.order != 1 or of is UNKNOWN or wrt is UNKNOWN:
            return UNKNOWN
        if wrt is None:
            return of
        if of is None:
            return wrt
        return UNKNOWN

    # -- the answer

    def solution(self) -> dict[str, Shape]:
        """Each undeclared name's shape: numbers and declared sizes where the rows fix them; each dimension left
        open a name of its own — "n" for the one most names share (the convention's n), the others named after
        the first name they measure."""
        classes: dict[Atom, list[tuple[str, int]]] = {}
        for name, dims in self.names.items():
            for pos, d in enumerate(dims):
                root = self.dims.find(d)
                if _variable(root):
                    classes.setdefault(root, []).append((name, pos))
        named: dict[Atom, str] = {}
        declared = set(self.env.dim_names)
        ordered = sorted(classes.items(), key=lambda item: -len(item[1]))
        for k, (root, uses) in enumerate(ordered):
            if k == 0 and "n" not in declared:
                named[root] = "n"
                continue
            name, pos = uses[0]
            which = ("rows", "cols")[pos] if 1 not in self.names[name] else "dim"
            named[root] = f"{which}({name})"
        out: dict[str, Shape] = {}
        for name, dims in self.names.items():
            shape = []
            for d in dims:
                root = self.dims.find(d)
                shape.append(named[root] if _variable(root) else root)
            out[name] = (shape[0], shape[1])
        return out


def infer(env: Environment, rows: Iterable[list[Node]]) -> dict[str, Shape]:
    """The shapes the rows (each a list of operands that are equal) imply for the names the file does not
    declare; {} when they imply nothing the convention does not already say."""
    solver = Solver(env)
    for operands in rows:
        solver.row(operands)
    found = solver.solution()
    default = {name: env.shape_of(name) for name in found}
    if all(default[name] is not None and default[name][0] == shape for name, shape in found.items()):
        return {}
    return found


def infer_from(env: Environment, parsed: Iterable[Parsed]) -> dict[str, Shape]:
    """`infer` over a file's parsed rows (each chain's operands), its prose definitions and its front matter's."""
    rows: list[list[Node]] = [[Sym(d.name), d.body] for d in env.definitions.values() if not d.params]
    for p in parsed:
        if isinstance(p, ParsedRow) and p.chain:
            rows.append([node for op, node, _ in p.chain if op in ("", "=")] if _all_equal(p.chain) else [])
        elif isinstance(p, ParsedEvent):
            rows.extend([name, body] for name, body in p.definitions)
    return infer(env, [r for r in rows if len(r) > 1])


def _all_equal(chain: list[tuple[str, Node, str]]) -> bool:
    return all(op == "=" for op, _, _ in chain[1:])
