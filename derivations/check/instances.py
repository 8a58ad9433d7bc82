"""Where a step is evaluated: the sizes n and index assignments (instances), and the sample points.

Free index letters are discovered by evaluating (an index with no value raises `MissingIndex`,
which adds it); each side is built at concrete sizes n and every assignment of the free indices
the case in force allows: all assignments at n = 2, 3 and each pattern of equal and distinct
indices at n = 4, 5 (at random positions). For proofs, n = 2…4, one assignment per pattern when
relabelling the components maps the others to it (no literal index, only full sums).
Sample points are simple values first (0, 1, −1), then dyadic reals up to ±800, inside any
declared domain, probability vectors drawn on the simplex.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from fractions import Fraction

import sympy as sp

from derivations.check.environment import Environment, SymbolTable
from derivations.check.evaluate import Context, Flags, condition_holds, dims_at, evaluate, is_matrix
from derivations.check.jets import has_unknown, to_jets
from derivations.errors import MissingIndex, OutOfRange, ShapeMismatch, Unsupported
from derivations.notation.tree import Const, Node, Rel, Transpose

NUMERIC_SIZES = (2, 3, 4, 5)
ALL_ASSIGNMENTS_UP_TO = 3
PROOF_SIZES = (2, 3, 4)
MATRIX_NUMERIC_SIZES = (2, 3, 4)  # with the other dimensions distinct from n and from each other (dims_at)
MATRIX_PROOF_SIZES = (2, 3)
MAX_FREE_INDICES = 4


@dataclass
class Instance:
    n: int | None
    assign: dict[str, int]
    left: sp.Basic
    right: sp.Basic
    symmetric: bool = True


@dataclass
class Setting:
    """What a step is checked under: one environment per alternative (y ∈ {0, 1}), the cases in force,
    the condition the checker could not use (as text), and the sizes a condition fixed."""

    envs: list[Environment]
    cases: tuple[Rel, ...]
    unreadable: str = ""
    sizes: tuple[int, ...] = ()
    labels: list[str] = field(default_factory=list)  # one per alternative: "y = 0"


@dataclass
class Search:
    env: Environment
    symbols: SymbolTable
    left: Node
    right: Node
    cases: tuple[Rel, ...]
    free: list[str] = field(default_factory=list)
    used_n: bool = False
    index_number: bool = False  # found: an index was used as a number (Σ_i i·x_i)
    larger: bool = False  # every named dimension large, not only n (`dims_at`)
    n_value: bool = False  # found: a size was used as a number ((1/n)Σ…), not only as a length or bound
    size_symbols: bool = False  # the reading: such a size is a free symbol (a proof for every value of it)
    count_shared: bool = False  # with it: a sum's terms that do not depend on its index counted by that symbol
    symmetric: bool = True
    out_of_range: bool = False
    scalar_bare: bool = False
    sizes: tuple[int, ...] = ()  # the sizes n a condition fixes (n = 2), else the defaults
    denominator: bool = False  # the reading: Jacobians in denominator layout
    cdot_elementwise: bool = False  # the reading: a \cdot of two vectors is elementwise
    near_reach: bool = False  # the reading: a derivative operator before a sum takes its first term only
    reach: bool = False  # found: a derivative operator before an unparenthesised sum (the other reach is a reading)
    jacobian: bool = False  # found: a Jacobian was taken (the other layout is a reading too)
    cdot_vectors: bool = False  # found: a \cdot joined two vectors (the elementwise product is a reading too)
    default_shape: bool = False  # found: a bold name's shape is the convention's, not declared
    matrix_power: bool = False  # found: a square matrix raised to a power (matrix product, or entry by entry)
    abstract: set[str] = field(default_factory=set)  # found: unspecified functions stood in for (∂L/∂w, L undefined)
    jets: dict = field(default_factory=dict)  # found: jet symbol → `Jet` of a function never defined (g in g'(z))
    arities: dict = field(default_factory=dict)  # found: names indexed, with how many indices
    tuple_columns: bool = False  # the reading: a tuple (a, b) is a column vector (`Flags.tuple_columns`)
    tuples: bool = False  # found: a tuple was given a value
    cache: dict = field(default_factory=dict)  # sides built, by instance and reading: shared with the proof search

    def context(self, n: int, assign: dict[str, int]) -> Context:
        """An evaluation context at size n and index assignment, in this search's reading."""
        ctx = Context(self.env, self.symbols, n, dict(assign), larger=self.larger)
        ctx.flags.denominator = self.denominator
        ctx.flags.cdot_elementwise = self.cdot_elementwise
        ctx.flags.near_reach = self.near_reach
        ctx.flags.size_symbols = self.size_symbols
        ctx.flags.count_shared = self.count_shared
        ctx.flags.tuple_columns = self.tuple_columns
        return ctx

    def learn(self, ctx: Context) -> None:
        """What evaluating in ``ctx`` found out about the step."""
        self.learn_flags(ctx.flags)

    def learn_flags(self, flags: Flags) -> None:
        self.used_n |= flags.used_n
        self.n_value |= flags.n_value
        self.index_number |= flags.index_number
        self.symmetric &= not flags.asymmetric
        self.jacobian |= flags.jacobian
        self.cdot_vectors |= flags.cdot_vectors
        self.reach |= flags.reach
        self.default_shape |= flags.default_shape
        self.matrix_power |= flags.matrix_power
        self.tuples |= flags.tuples
        self.abstract |= flags.abstract
        self.jets.update(flags.jets)
        for name, counts in flags.arities.items():
            self.arities.setdefault(name, set()).update(counts)

    def sides(self, n: int, assign: dict[str, int]) -> tuple[sp.Basic, sp.Basic]:
        """Both sides at (n, assign) in this reading, built once (the proof reuses the numeric check's)."""
        key = (n, tuple(sorted(assign.items())), self.denominator, self.cdot_elementwise, self.near_reach,
               self.scalar_bare, self.size_symbols, self.count_shared, self.larger, self.tuple_columns)  # fmt: skip
        hit = self.cache.get(key)
        if hit is not None:
            left, right, flags, scalar_bare = hit
            self.scalar_bare = scalar_bare
            self.learn_flags(flags)
            return left, right
        ctx = self.context(n, assign)
        try:
            left, right = pair(self, ctx)
        finally:
            self.learn(ctx)  # what the step needs (another reading, say) even when this one fails
        self.cache[key] = (left, right, ctx.flags, self.scalar_bare)
        return left, right

    def sizes_for(self, proof: bool) -> tuple[int, ...]:
        """The sizes n the step is built at: those a condition fixed, else the proof or the numeric set —
        smaller for a file with matrices of named dimensions (its expressions grow with every dimension)."""
        if self.sizes:
            return self.sizes
        if self.env.dim_names:
            return MATRIX_PROOF_SIZES if proof else MATRIX_NUMERIC_SIZES
        return PROOF_SIZES if proof else NUMERIC_SIZES


def pair(search: Search, ctx: Context) -> tuple[sp.Basic, sp.Basic]:
    """Both sides; if they only make sense with the bare vector names (y for the vector of y_i) read as
    scalars — a file that writes (wx − y)² here and Σ_i y_i elsewhere — that reading, for both sides."""
    if search.scalar_bare:
        ctx.flags.scalar_bare = True
    try:
        sides = _sides(search.left, search.right, ctx)
    except ShapeMismatch:
        if search.scalar_bare:
            raise
        search.scalar_bare = True
        ctx.flags.scalar_bare = True
        ctx.flags.used_n = False
        sides = _sides(search.left, search.right, ctx)
    if any(has_unknown(v) for v in sides):  # g(z), g'(z) of an undefined g: each value a free symbol
        left, right = to_jets(sides, ctx.symbols, ctx.flags.jets)
        return left, right
    return sides


def _is_zeros(node: Node) -> bool:
    """``\\mathbf{0}`` (or its transpose): a zero as large as the other side."""
    if isinstance(node, Transpose):
        node = node.arg
    return isinstance(node, Const) and node.name == "zeros"


def _sides(left: Node, right: Node, ctx: Context) -> tuple[sp.Basic, sp.Basic]:
    """Both sides' values; a side that is ``\\mathbf{0}`` the zero of the other side's shape."""
    if _is_zeros(right) and not _is_zeros(left):
        value = evaluate(left, ctx)
        return value, (sp.zeros(*value.shape) if is_matrix(value) else sp.Integer(0))
    if _is_zeros(left) and not _is_zeros(right):
        value = evaluate(right, ctx)
        return (sp.zeros(*value.shape) if is_matrix(value) else sp.Integer(0)), value
    return evaluate(left, ctx), evaluate(right, ctx)


def _build(search: Search, n: int, assign: dict[str, int]) -> tuple[sp.Basic, sp.Basic] | None:
    """Both sides at (n, assign); None if a case rules the assignment out or an index is out of range."""
    ctx = search.context(n, assign)
    for rel in search.cases:
        holds = condition_holds(rel, ctx)
        if holds is not True and holds is not False:
            raise Unsupported("a case condition that is not a relation between indices")
        if not holds:
            return None
    try:
        return search.sides(n, assign)
    except OutOfRange:
        search.out_of_range = True
        return None


def _discover(search: Search) -> None:
    """Fill ``search.free`` with the index letters the two sides (and the cases) need."""
    for rel in search.cases:
        for side in (rel.lhs, rel.rhs):
            name = getattr(side, "name", None)
            if name and name not in search.free:
                search.free.append(name)
    while True:
        n = max(3, len(search.free) + 1)
        assign = {name: k + 1 for k, name in enumerate(search.free)}
        try:
            search.sides(n, assign)
            return
        except MissingIndex as exc:
            if exc.name in search.free or len(search.free) >= MAX_FREE_INDICES:
                raise Unsupported(f"too many free indices ({', '.join(search.free)}, {exc.name})") from None
            search.free.append(exc.name)
        except OutOfRange:
            return


def patterns(names: list[str]) -> Iterator[list[int]]:
    """Set partitions of the names as restricted growth strings: block number of each name."""

    def grow(prefix: list[int]) -> Iterator[list[int]]:
        if len(prefix) == len(names):
            yield list(prefix)
            return
        for b in range(max(prefix, default=-1) + 2):
            yield from grow([*prefix, b])

    yield from grow([])


def instances(search: Search, rng: random.Random, *, proof: bool = False) -> Iterator[Instance]:
    """The (n, assignment) instances of the step, numeric or proof set."""
    _discover(search)
    free = search.free
    if not free and not search.used_n:
        built = _build(search, 3, {})
        if built is not None:
            yield Instance(None, {}, *built)
        return
    for n in search.sizes_for(proof):
        seen: set[tuple[int, ...]] = set()
        if not free:
            built = _build(search, n, {})
            if built is not None:
                yield Instance(n, {}, *built)
            continue
        top = max([n, *dims_at(n, tuple(search.env.dim_names), larger=search.larger).values()])
        if top > n and any(letter.startswith("hot(") for letter in free):
            # y one-hot of length K (Σ_{k=1}^{K} y_k) beside n: its 1 at every one of the K places, the last too
            ranges = [range(1, (top if letter.startswith("hot(") else n) + 1) for letter in free]
            assigns = [list(a) for a in itertools.product(*ranges)]
        elif proof and search.symmetric:
            assigns = [[b + 1 for b in p] for p in patterns(free) if max(p) < n]
        elif n <= ALL_ASSIGNMENTS_UP_TO or (proof and not search.symmetric):
            assigns = [list(a) for a in itertools.product(range(1, n + 1), repeat=len(free))]
        else:
            assigns = []
            for p in patterns(free):
                if max(p) < n:
                    positions = rng.sample(range(1, n + 1), max(p) + 1)
                    assigns.append([positions[b] for b in p])
        for a in assigns:
            if tuple(a) in seen:
                continue
            seen.add(tuple(a))
            built = _build(search, n, dict(zip(free, a)))
            if built is not None:
                yield Instance(n, dict(zip(free, a)), *built, symmetric=search.symmetric)


def _grid(x: float, bits: int = 10) -> Fraction:
    return Fraction(round(x * (1 << bits)), 1 << bits)


def sample_point(
    symbols: list[sp.Symbol],
    table: SymbolTable,
    env: Environment,
    rng: random.Random,
    k: int,
    far: Fraction | None = None,
) -> list[Fraction]:
    """Point number k: simple values first (0, 1, −1, small integers), then random dyadic reals, some large;
    with ``far``, every unconstrained coordinate j at far ± j (beyond a constant of the step)."""
    out = []
    for j, s in enumerate(symbols):
        base = table.base.get(s, "")
        region = env.regions.get(base)
        if region is not None:
            ends = [
                e
                for e, is_open in ((region.lo, region.lo_open), (region.hi, region.hi_open))
                if e is not None and not is_open
            ]
            out.append(ends[k] if k < len(ends) else region.place(_standard(rng, j, k)))  # p ∈ [0, 1]: 0 and 1 first
            continue
        among = env.entry_values.get(base)
        if among:  # each y_i ∈ {0, 1}: all the first value, then all the last, then each entry at random
            out.append(among[0] if k == 0 else among[-1] if k == 1 else rng.choice(among))
            continue
        lo_hi = env.domains.get(base)
        if lo_hi is not None:
            lo, hi = lo_hi
            simple = [lo, hi, (lo + hi) / 2]
            v = simple[k] if k < 3 else lo + (hi - lo) * _grid(rng.random())
            out.append(Fraction(v))
            continue
        out.append(_standard(rng, j, k) if far is None else far + (j if far > 0 else -j))
    return out


#: A constant of the step larger than this in size puts points beyond it (`far_values`): the standard points
#: reach ±3 densely and ±800 rarely, so min(max(0, x), 1000) = ReLU(x) agreed at every one of them.
FAR_FROM = 3
FAR_CONSTANTS = 4


def far_values(entries: list[sp.Expr]) -> list[Fraction]:
    """±(2|c| + 1) for the largest constants c of the step (|c| > FAR_FROM): past every threshold it writes."""
    sizes: set[Fraction] = set()
    for e in entries:
        for atom in e.atoms(sp.Number):
            if atom.is_finite and atom.is_real:
                c = abs(Fraction(str(sp.Rational(atom))))
                if c > FAR_FROM:
                    sizes.add(c)
    out = []
    for c in sorted(sizes, reverse=True)[:FAR_CONSTANTS]:
        out += [2 * c + 1, -(2 * c + 1)]
    return out


def _standard(rng: random.Random, j: int, k: int) -> Fraction:
    """Coordinate j of point k on the whole line: 0, 1…3, −1…−2 first, then dyadic reals, some up to ±800."""
    if k == 0:
        return Fraction(0)
    if k == 1:
        return Fraction(1 + j % 3)
    if k == 2:
        return Fraction(-1 - j % 2)
    r = rng.random()
    if r < 0.6:
        return _grid(rng.uniform(-3, 3))
    if r < 0.85:
        return _grid(rng.uniform(-40, 40), 6)
    return _grid(rng.choice([-1, 1]) * rng.uniform(40, 800), 4)


def probability_fix(symbols: list[sp.Symbol], values: list[Fraction], table: SymbolTable, env: Environment) -> None:
    """Probability vectors: entries 1…n−1 drawn in [0, 1) with sum ≤ 1 (entry n is 1 − their sum, symbolically)."""
    for fam in env.probability:
        idx = [j for j, s in enumerate(symbols) if table.base.get(s) == fam]
        for j in idx:
            values[j] = abs(values[j]) % 1
        total = sum((values[j] for j in idx), Fraction(0))
        if total > 1:
            for j in idx:
                values[j] /= 2 * total
