"""From the syntax tree to SymPy at one concrete size n and one assignment of the free indices.

Every SymPy object is built here from a whitelist (σ, exp, log, softmax, …); names from the file
only ever become `sp.Symbol`s with generated identifiers (``v0``, ``v1`` …), their LaTeX kept for
display. Derivatives are *evaluated*: ``\\frac{\\partial F}{\\partial \\theta_i}`` is `sp.diff` of F's
value; with respect to a defined name (``\\hat{y} = \\sigma(h^o)``) the other side is expanded down
to that name, differentiated, and the definition substituted back (the chain rule as the notes use
it). A derivative of an expression that does not involve the variable at all is refused rather
than read as 0 (the trap of reading ``\\frac{dL}{dz}`` as the derivative of a constant).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field, replace
from fractions import Fraction
from functools import lru_cache

import sympy as sp
from sympy.core.function import AppliedUndef

from derivations.check.environment import (
    FAMILY_MARK,
    Definition,
    Dim,
    Environment,
    SymbolTable,
    bold_forms,
    entry_base,
    entry_key,
    label_key,
    squared_name,
)
from derivations.check.jets import has_unknown
from derivations.errors import MissingIndex, OutOfRange, ShapeMismatch, Unsupported
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
    Partial,
    Pow,
    Reach,
    Rel,
    Sum,
    Sym,
    Tabulated,
    Transpose,
    Vector,
    walk,
)
from derivations.notation.vocabulary import VOCABULARY, Function

MAX_RANGE = 64  # terms of one explicit sum


@dataclass
class Flags:
    """What an evaluation found out about the step, and one reading it was asked to use."""

    used_n: bool = False  # the value depends on the size n (a full sum, a vector of size n)
    asymmetric: bool = False  # a literal index or partial sum: relabelling indices is not a symmetry
    scalar_bare: bool = False  # read bare vector names (y for the y_i) as scalars
    denominator: bool = False  # the Jacobian ∂a/∂z in denominator layout (∂a_j/∂z_i at row i), not numerator
    jacobian: bool = False  # a derivative of a vector by a vector was taken (its layout is a convention)
    default_shape: bool = False  # a bold name's shape came from the convention, not from a declaration
    matrix_power: bool = False  # a square matrix raised to a power (A² = AA, or tanh²(Z) entry by entry: a reading)
    cdot_vectors: bool = False  # a \cdot joined two vectors of one shape (a dot or an elementwise product)
    cdot_elementwise: bool = False  # read such a \cdot as the elementwise product
    abstract: set[str] = field(default_factory=set)  # undefined names differentiated (L): any function of the outputs
    reach: bool = False  # a derivative operator stood before an unparenthesised sum (a `Reach`)
    near_reach: bool = False  # read such an operator as differentiating the first term only
    jets: dict = field(default_factory=dict)  # jet symbol → `Jet`: values of functions the file never defines
    arities: dict[str, set[int]] = field(default_factory=dict)  # names indexed: with how many indices (x_1, x_{i1})
    entries: dict = field(default_factory=dict)  # (definition, index, context) → its entry, made once (`_component`)
    index_number: bool = False  # an index was used as a number, not only to pick an entry: Σ_i i·x_i, (−1)^i
    n_value: bool = False  # a size (n) was used as a number, not only as a length or an index bound: (1/n)Σ…
    size_symbols: bool = False  # read a size used as a number as a free symbol (n in (1/n)Σ_{i=1}^{n}, not 3)
    count_shared: bool = False  # with size_symbols: Σ_{i=1}^{n} c is n·c with n that symbol (`_counted`)
    indexing: int = 0  # > 0 while an index or a bound is being evaluated (n in x_{n-1} is an index)
    tuples: bool = False  # a tuple (a, b) was given a value (a row, unless `tuple_columns`)
    tuple_columns: bool = False  # read tuples as column vectors, the way ℝⁿ's elements are written


@dataclass
class Context:
    """One instance: size n, index values, bound names (sum indices, function parameters)."""

    env: Environment
    symbols: SymbolTable
    n: int
    assign: dict[str, int]
    bindings: dict[str, sp.Basic] = field(default_factory=dict)
    keep: dict[str, sp.Basic] = field(default_factory=dict)
    expanding: tuple[str, ...] = ()
    flags: Flags = field(default_factory=lambda: Flags())
    dims: dict[str, int] = field(default_factory=dict)
    counters: frozenset[str] = frozenset()  # names bound to an index value: a sum's index, an entry's i
    larger: bool = False  # the named dimensions all large (`dims_at`)

    def __post_init__(self) -> None:
        if not self.dims:
            self.dims = dims_at(self.n, self.env.dim_names, larger=self.larger)

    def size(self, name: str) -> int:
        """The value of a size name at this instance (a declared dimension, else n)."""
        self.flags.used_n = True
        return self.dims.get(name, self.n)

    def length(self, family: str) -> int:
        """The number of entries of a family (o_k, y_j): the bound of the sums the file runs over it
        (Σ_{k=1}^{q} o_k: q), else n."""
        size = self.env.family_sizes.get(family)
        if size is None:  # Σ_{k=1}^{K} \mathbf{y}_k for the entries of y
            size = next((self.env.family_sizes[b] for b in bold_forms(family) if b in self.env.family_sizes), None)
        if isinstance(size, int):  # (T_1, T_2, T_3) one-hot: three entries
            return size
        return self.size(size) if size else self.n

    def bind(self, **changes: object) -> Context:
        return replace(self, **changes)


Value = sp.Expr | sp.MatrixBase

SIZE_POOL = (2, 3, 4)  # the values of named dimensions: small, as a matrix has rows × columns entries


def dims_at(n: int, names: tuple[str, ...], *, larger: bool = False) -> dict[str, int]:
    """Values of the named dimensions at instance n: n itself for 'n', the others distinct from each other
    and from n where the pool allows (so that a product of mismatched shapes never fits by accident);
    ``larger``: the others n + 1, n + 2, … (a check at large sizes must move every size, not n alone)."""
    if larger:
        others = [name for name in names if name != "n"]
        return {name: n if name == "n" else n + 1 + others.index(name) for name in names}
    pool = [v for v in SIZE_POOL if v != n] or list(SIZE_POOL)
    others = sum(name != "n" for name in names)
    extra = max(SIZE_POOL) + 1
    while len(pool) < others:  # four sizes or more (d, h, k, m): never two of them equal, or W₂W₁ fits both ways
        if extra != n:
            pool.append(extra)
        extra += 1
    out = {}
    k = 0
    for name in names:
        if name == "n":
            out[name] = n
        else:
            out[name] = pool[(k + n) % len(pool)]
            k += 1
    return out


def _dim(d: int | str, ctx: Context) -> int:
    return d if isinstance(d, int) else ctx.size(d)


def _shape_at(name: str, ctx: Context) -> tuple[int, int] | None:
    """(rows, columns) of a declared (or bold) vector or matrix at this instance; None for a scalar."""
    found = ctx.env.shape_of(name)
    if found is None:
        return None
    (rows, cols), declared = found
    ctx.flags.default_shape |= not declared
    return _dim(rows, ctx), _dim(cols, ctx)


def _hot(name: str, size: int, ctx: Context) -> int:
    """The index of the 1 of the one-hot ``name`` (of ``size`` entries) at this instance."""
    letter = ctx.env.one_hot[name]
    hot = ctx.assign.get(letter)
    if hot is None:
        raise MissingIndex(letter)
    ctx.flags.used_n = True
    if not 1 <= hot <= size:
        raise OutOfRange(f"the 1 of '{name}' at {hot}, outside 1…{size}")
    return hot


def shaped_value(name: str, ctx: Context) -> sp.MatrixBase | None:
    """A declared (or bold) vector or matrix as a matrix of its entries' symbols, or None if it has no shape."""
    shape = _shape_at(name, ctx)
    if shape is None:
        return None
    r, c = shape
    if r > 1 and c > 1:
        return sp.Matrix(r, c, [ctx.symbols.get(name, (i, j)) for i in range(1, r + 1) for j in range(1, c + 1)])
    size = max(r, c)
    labelled = _labelled_as(name, ctx.env)
    if labelled in ctx.env.one_hot:  # y ∈ ℝ^K, one-hot: 1 at its hot index, 0 elsewhere (\mathbf{y} too)
        hot = _hot(labelled, size, ctx)
        entries = [sp.Integer(int(k == hot)) for k in range(1, size + 1)]
    else:
        first = _first_index(name, ctx)
        entries = [ctx.symbols.get(name, (k,)) for k in range(first, first + size)]
        if name in ctx.env.probability:  # Σ_k y_k = 1: the last entry is 1 − the others, by substitution
            entries[-1] = 1 - sp.Add(*entries[:-1])
    return sp.Matrix(entries) if c == 1 else sp.Matrix([entries])


def _plain_vector(name: str, ctx: Context) -> str:
    """For a bold or arrowed name with no role of its own, the plain letter the file defined by its entries
    (p_i = …) or said is one-hot; else ""."""
    env = ctx.env
    base = entry_base(name)
    if base == name or name in env.definitions or name in env.one_hot or name in env.probability:
        return ""
    if base in ctx.bindings or base in ctx.expanding:
        return ""
    by_entries = env.definitions.get(base)
    if (by_entries is not None and by_entries.index_params) or base in env.one_hot:
        return base
    return ""


def _labelled_as(name: str, env: Environment) -> str:
    """The name whose one-hot statement covers ``name``: itself, or for \\mathbf{y} with no role of its own the
    plain y the prose said is one-hot."""
    if name in env.one_hot:
        return name
    base = entry_base(name)
    if base != name and base in env.one_hot and name not in env.definitions and name not in env.probability:
        return base
    return name


def _first_index(name: str, ctx: Context) -> int:
    """0 for a declared vector the file numbers from 0 (Σ_{i=0}^{n-1} x_i, x ∈ ℝ^n), else 1."""
    zero = ctx.env.zero_based
    return 0 if (name in zero or entry_base(name) in zero) and name not in ctx.env.one_hot else 1


def shaped_entry(name: str, idx: tuple[int, ...], ctx: Context, label: str = "") -> sp.Expr | None:
    """Entry idx of `shaped_value` (name, ctx), made alone, as `_pick` (…, label) takes it from the whole matrix."""
    label = label or name
    shape = _shape_at(name, ctx)
    if shape is None:
        return None
    r, c = shape
    if r > 1 and c > 1:
        if len(idx) != 2:
            raise ShapeMismatch(f"'{label}' is a {r}×{c} matrix, but it has {len(idx)} index(es)")
        if not (1 <= idx[0] <= r and 1 <= idx[1] <= c):
            raise OutOfRange(f"entry {idx} of '{label}' outside its {r}×{c} shape")
        return ctx.symbols.get(name, idx)
    size = max(r, c)
    hot = _hot(name, size, ctx) if name in ctx.env.one_hot else 0
    if len(idx) != 1:
        raise ShapeMismatch(f"'{label}' is a vector, but it has {len(idx)} indices")
    (k,) = idx
    first = 0 if hot else _first_index(name, ctx)
    if first == 0 and not hot:  # x ∈ ℝ^n written x_0 … x_{n−1}
        if not 0 <= k < size:
            raise OutOfRange(f"index {k} of '{label}' outside 0…{size - 1}")
        if name in ctx.env.probability and k == size - 1:
            return 1 - sp.Add(*[ctx.symbols.get(name, (j,)) for j in range(size - 1)])
        return ctx.symbols.get(name, (k,))
    if not 1 <= k <= size:
        raise OutOfRange(f"index {k} of '{label}' outside 1…{size}")
    if hot:
        return sp.Integer(int(k == hot))
    if name in ctx.env.probability and k == size:
        return 1 - sp.Add(*[ctx.symbols.get(name, (j,)) for j in range(1, size)])
    return ctx.symbols.get(name, (k,))


def is_matrix(v: object) -> bool:
    return isinstance(v, sp.MatrixBase)


def scalar_of(v: Value) -> Value:
    """A 1×1 matrix as its entry."""
    if is_matrix(v) and v.shape == (1, 1):
        return v[0, 0]
    return v


def evaluate(node: Node, ctx: Context) -> Value:
    """The value of ``node`` in ``ctx`` (a SymPy expression or a column/row Matrix)."""
    value = _eval(node, ctx)
    if isinstance(value, Ones):
        if not value.sign:
            raise Unsupported("the length of '\\mathbf{0}' is not clear here")
        raise Unsupported("the length of '\\mathbf{1}' is not clear here (write it in a product or a sum)")
    return scalar_of(value)


def _operand(node: Node, ctx: Context) -> Value | Ones:
    """A factor or term, ``\\mathbf{1}`` (or its transpose) kept unsized until its neighbour sizes it."""
    if isinstance(node, Const) and node.name in ("ones", "zeros"):
        return Ones(sign=int(node.name == "ones"))
    if isinstance(node, Transpose) and isinstance(node.arg, Const) and node.arg.name in ("ones", "zeros"):
        return Ones(row=True, sign=int(node.arg.name == "ones"))
    if isinstance(node, Neg):
        inner = _operand(node.arg, ctx)
        return Ones(inner.row, -inner.sign) if isinstance(inner, Ones) else -inner
    return evaluate(node, ctx)


def _size_ones(a: Value | Ones, b: Value | Ones) -> tuple[Value, Value]:
    """Both operands of a product with a ``\\mathbf{1}`` sized to fit the other."""
    if isinstance(a, Ones) and isinstance(b, Ones):
        raise Unsupported("a product of two '\\mathbf{1}': their length is not clear")
    unclear = Unsupported("the length of '\\mathbf{1}' is not fixed by what it multiplies")
    if isinstance(a, Ones):  # 1ᵀB: as long as B has rows; 1·bᵀ (an outer product) could have any length
        if not is_matrix(b) or not a.row:
            raise unclear
        a = a.sized(b.shape[0])
    if isinstance(b, Ones):  # A·1: as long as A has columns
        if not is_matrix(a) or b.row:
            raise unclear
        b = b.sized(a.shape[1])
    return a, b


def _eval(node: Node, ctx: Context) -> Value:
    method = _DISPATCH.get(type(node))
    if isinstance(node, Partial):
        raise Unsupported("'\\partial' outside a derivative: write ∂L/∂w as \\frac{\\partial L}{\\partial w}")
    if method is None:
        raise Unsupported(f"cannot give a value to {type(node).__name__}")
    return method(node, ctx)


def _num(node: Num, ctx: Context) -> Value:
    return sp.Rational(node.value.numerator, node.value.denominator)


@dataclass(frozen=True)
class AbstractOf(Node):
    """The stand-in of an unspecified function (see `_abstract_value`); built only by the evaluator."""

    name: str


class Ones:
    """``\\mathbf{1}`` before its length is known: a column (or, transposed, a row) of ones, sized by its
    neighbour in a product or a sum. It never leaves the evaluator."""

    def __init__(self, row: bool = False, sign: int = 1) -> None:
        self.row = row
        self.sign = sign

    def sized(self, k: int) -> sp.MatrixBase:
        return self.sign * (sp.ones(1, k) if self.row else sp.ones(k, 1))


def _const(node: Const, ctx: Context) -> Value:
    if node.name == "ones":
        return Ones()
    if node.name == "zeros":
        return Ones(sign=0)
    if node.name == "e":
        return sp.E
    if node.name == "pi":
        return sp.pi
    raise Unsupported("infinity is not a value that can be checked")


#: A tag with a letter that numbers examples or layers: x^{(i)}, a^{[l]}, \\mathbf{x}^{(i)}.
LETTER_TAG = re.compile(r"\^\{\s*([(\[])\s*([a-z])\s*([)\]])\s*\}")


def at_tag_values(name: str, ctx: Context) -> str:
    """x^{(i)} with i a summation index (or a free index tried at a value) at that value: x^{(2)}."""

    def value(m: re.Match[str]) -> str:
        letter = m.group(2)
        v = ctx.bindings.get(letter)
        if isinstance(v, sp.Integer):
            return f"^{{{m.group(1)}{int(v)}{m.group(3)}}}"
        if letter in ctx.assign:
            return f"^{{{m.group(1)}{ctx.assign[letter]}{m.group(3)}}}"
        return m.group(0)

    return LETTER_TAG.sub(value, name) if "^" in name else name


def _sym(node: Sym, ctx: Context) -> Value:
    name = node.name
    env = ctx.env
    if name in ctx.bindings:
        if name in ctx.counters and not ctx.flags.indexing:
            ctx.flags.index_number = True  # Σ_i i·x_i: the index is a number of the step
        return ctx.bindings[name]
    valued = at_tag_values(name, ctx)
    if valued != name:  # Σ_i x^{(i)}: the examples x^{(1)}, x^{(2)}, … — names of their own, shaped like x^{(i)}
        return _sym(Sym(valued), ctx)
    if name in ctx.keep:
        return ctx.keep[name]
    if name in ctx.assign:
        if not ctx.flags.indexing:
            ctx.flags.index_number = True
        return sp.Integer(ctx.assign[name])
    d = env.definitions.get(name)
    if d is not None and name not in ctx.expanding:
        if d.params:  # L for L(θ): the body with its parameters read as the variables of those names
            free = {p: v for p, v in ctx.bindings.items() if p not in d.params}
            return _eval(d.body, ctx.bind(bindings=free, expanding=(*ctx.expanding, name)))
        if d.index_params:
            ctx.flags.used_n = True
            return sp.Matrix([_component(node, (j,), ctx) for j in range(1, _entries_length(d, ctx) + 1)])
        return _eval(d.body, ctx.bind(expanding=(*ctx.expanding, name)))
    root = f"{name}^{{2}}"
    if d is None and root in env.definitions and root not in ctx.expanding:  # σ after σ² = …: its root, σ ≥ 0
        return sp.sqrt(_sym(Sym(root), ctx))
    plain = _plain_vector(name, ctx)
    if plain:  # \mathbf{p} after p_i = e^{z_i}/Σ_k e^{z_k}, \mathbf{y} after 'y is one-hot': that vector
        return _sym(Sym(plain), ctx)
    shaped = shaped_value(name, ctx)
    if shaped is not None:
        return shaped
    if name in env.sizes:
        value = ctx.size(name)
        if not ctx.flags.indexing:
            ctx.flags.n_value = True
            if ctx.flags.size_symbols:
                return size_symbol(name)
        return sp.Integer(value)
    if name in env.index_letters:
        raise MissingIndex(name)
    if (name in env.families or name in env.probability or name in env.one_hot) and not ctx.flags.scalar_bare:
        ctx.flags.used_n = True
        ctx.flags.default_shape = True  # y for the vector of the y_i: its length n is the convention's
        first = 0 if name in env.zero_based else 1
        return sp.Matrix([_component(node, (j,), ctx) for j in range(first, first + ctx.length(name))])
    return ctx.symbols.get(name)


def index_value(node: Node, ctx: Context) -> int:
    """An index as a whole number: a literal, a bound or assigned letter, or arithmetic on them."""
    if isinstance(node, Num):
        if node.value.denominator != 1:
            raise Unsupported("an index must be a whole number")
        return int(node.value)
    if isinstance(node, Sym) and node.name in ctx.bindings:
        v = ctx.bindings[node.name]
        if not (isinstance(v, sp.Integer)):
            raise Unsupported(f"'{node.name}' is used as an index but is not one")
        return int(v)
    if isinstance(node, Sym):
        if node.name in ctx.assign:
            return ctx.assign[node.name]
        d = ctx.env.definitions.get(node.name)
        if d is not None and not d.params and not d.index_params and node.name not in ctx.expanding:
            value = _as_index(d.body, ctx.bind(expanding=(*ctx.expanding, node.name)))  # m = n − 1: n − 1, not n
            if isinstance(value, sp.Integer):
                return int(value)
        if node.name in ctx.env.sizes:
            return ctx.size(node.name)
        if node.name in ctx.env.index_letters:
            raise MissingIndex(node.name)
        raise Unsupported(f"'{node.name}' is not an index")
    v = _as_index(node, ctx)
    if isinstance(v, sp.Integer):
        return int(v)
    raise Unsupported("an index must evaluate to a whole number")


def _as_index(node: Node, ctx: Context) -> Value:
    """The value of an index expression (n − 1, i + 1): a size in it is the size, never a symbol."""
    ctx.flags.indexing += 1
    try:
        return _eval(node, ctx)
    finally:
        ctx.flags.indexing -= 1


def size_symbol(name: str) -> sp.Symbol:
    """The size ``name`` as a number of any value (a positive integer): n in (1/n)Σ read apart from the length."""
    return sp.Symbol(f"{name}__size", positive=True, integer=True)


def _component(base: Sym, idx: tuple[int, ...], ctx: Context) -> sp.Expr:
    """Component ``idx`` of the family or indexed definition ``base``."""
    name = base.name
    env = ctx.env
    d = env.definitions.get(name)
    if d is not None and d.index_params and name not in ctx.expanding:
        if len(d.index_params) != len(idx):
            raise Unsupported(f"'{name}' is defined with {len(d.index_params)} index(es), used with {len(idx)}")
        binds = dict(ctx.bindings)
        binds.update({p: sp.Integer(v) for p, v in zip(d.index_params, idx)})
        key = _entry_key(name, idx, binds, ctx)
        hit = ctx.flags.entries.get(key) if key is not None else None
        if hit is not None:
            return hit
        inner = ctx.bind(bindings=binds, expanding=(*ctx.expanding, name), counters=ctx.counters | set(d.index_params))
        value = evaluate(d.body, inner)
        if key is not None and not is_matrix(value):
            ctx.flags.entries[key] = value
        return value
    if name in env.one_hot and len(idx) == 1:
        ctx.flags.used_n = True
        hot = ctx.assign.get(env.one_hot[name])
        if hot is None:
            raise MissingIndex(env.one_hot[name])
        size = ctx.length(name)
        if not 1 <= idx[0] <= size or not 1 <= hot <= size:
            raise OutOfRange(f"index {idx[0]} of '{name}' outside 1…{size}")
        return sp.Integer(1 if idx[0] == hot else 0)
    if name in env.families or name in env.probability:
        ctx.flags.used_n = True
        first = 0 if name in env.zero_based else 1  # x_0 … x_{n-1}, or x_1 … x_n
        last = ctx.length(name) - 1 + first
        if not all(first <= i <= last for i in idx):
            raise OutOfRange(f"index {idx} of '{name}' outside {first}…{last}")
        if name in env.probability and idx == (last,):  # Σ_j y_j = 1, by substitution
            return 1 - sp.Add(*[ctx.symbols.get(name, (j,)) for j in range(first, last)])
    return ctx.symbols.get(name, idx)


def _entry_key(name: str, idx: tuple[int, ...], binds: dict[str, sp.Basic], ctx: Context) -> tuple | None:
    """Everything an entry of a definition is a function of: the instance, the bound names, the definitions
    being expanded and the reading; None when a bound value (a matrix) cannot be a key. The effects on the
    flags of making the entry were had the first time, in the same flags."""
    f = ctx.flags
    key = (name, idx, ctx.n, tuple(sorted(ctx.assign.items())), tuple(sorted(binds.items())),
           tuple(sorted(ctx.keep.items())), ctx.expanding, f.scalar_bare, f.denominator, f.cdot_elementwise,
           f.near_reach, f.size_symbols, f.count_shared, f.indexing > 0, ctx.larger, f.tuple_columns)  # fmt: skip
    try:
        hash(key)
    except TypeError:
        return None
    return key


def _index(node: Index, ctx: Context) -> Value:
    base = node.base
    labelled = label_key(base.name, node.indices, ctx.env) if isinstance(base, Sym) else ""
    if labelled and labelled not in ctx.expanding:  # μ_B, the batch's mean: a name of its own, not an entry
        return _sym(Sym(labelled), ctx)
    idx = tuple(index_value(i, ctx) for i in node.indices)
    if (
        isinstance(base, Call)
        and base.func.name in ctx.env.unknown_functions
        and base.func.name not in ctx.env.definitions
    ):
        # g(z)_i with g never defined: g of each entry, or a vector function like softmax? Nothing says
        raise Unsupported(f"'{base.func.name}(…)_i' with {base.func.name} never defined: {base.func.name} of each "
                          "entry, or a function of the whole vector (like softmax)? — define it")  # fmt: skip
    if isinstance(base, Sym) and (valued := at_tag_values(base.name, ctx)) != base.name:
        return _index(Index(Sym(valued), node.indices), ctx)
    if isinstance(base, Sym):
        name = base.name
        param = entry_key(name, node.indices)
        if param in ctx.bindings:  # w_1 in the body of J(w_1, w_2, b) = …: the argument given for it
            return ctx.bindings[param]
        key = own_entry(name, node.indices, ctx.env)
        if key and key not in ctx.expanding:  # a_0 = x, W_1 ∈ ℝ^{h×n}: a name of its own, not an entry
            return _sym(Sym(key), ctx)
        if name in ctx.bindings or name in ctx.keep:
            value = ctx.bindings.get(name, ctx.keep.get(name))
            return _pick(value, idx, name)
        numbered = f"{name}_{{{','.join(str(i) for i in idx)}}}"
        if numbered in ctx.env.definitions and numbered not in ctx.expanding:  # y_i at i = 1 after y_1 = …
            return _sym(Sym(numbered), ctx)
        plain = _plain_vector(name, ctx)
        if plain:  # \mathbf{y}_k with y one-hot, \mathbf{p}_k after p_i = …: the plain letter's entry
            return _index(Index(Sym(plain), node.indices), ctx)
        member = _family_member(name, idx, ctx)
        if member is not None:
            return member
        d = ctx.env.definitions.get(name)
        if d is not None and not d.index_params and name not in ctx.expanding:
            if any(isinstance(i, Num) for i in node.indices) and name in ctx.env.families:
                ctx.flags.asymmetric = True
            value = _sym(base, ctx)
            if is_matrix(value) or name not in ctx.env.families:
                return _pick(value, idx, name)
            # name is defined as a scalar (z = wᵀx + b) yet also used with an index elsewhere (z_i of
            # another section): the indexed z_i is the family's entry, not an entry of that scalar.
        if any(isinstance(i, Num) for i in node.indices):
            ctx.flags.asymmetric = True
        if d is None or name in ctx.expanding:
            bold = bold_defined(name, ctx.env)
            if bold and bold not in ctx.expanding:  # g_j after \mathbf{g} = 2\mathbf{z}: an entry of that vector
                return _pick(_sym(Sym(bold), ctx), idx, bold)
            ctx.flags.arities.setdefault(name, set()).add(len(idx))
            one_of_two = len(idx) == 1 and name in ctx.env.matrix_families and name not in ctx.env.shapes
            shaped = None if one_of_two else shaped_entry(name, idx, ctx)  # x_1 beside x_{i1}: a name of its own
            if shaped is None and not one_of_two:  # W_{ij} of a declared \mathbf{W}: its entries, in its shape
                declared = next((key for key in bold_forms(name) if key in ctx.env.shapes), "")
                shaped = shaped_entry(declared, idx, ctx, name) if declared else None
            if shaped is not None:
                return shaped
        return _component(base, idx, ctx)
    value = _eval(base, ctx)
    if isinstance(base, Call) and base.func.name == "sigmoid" and is_matrix(value) and value.shape != (1, 1):
        # σ(z)_i: the logistic σ(z_i), or σ for softmax (some authors write it so)? The notation leaves it open.
        raise Unsupported(
            "σ applied to a vector and indexed: the logistic σ(z_i) or softmax(z)_i? "
            "(write σ(z_i), or declare '\\sigma = \\operatorname{softmax}' in the front matter)"
        )
    return _pick(value, idx, "the vector")


def _family_member(name: str, idx: tuple[int, ...], ctx: Context) -> Value | None:
    """x_i of a family of vectors (\\mathbf{x}_i ∈ ℝ^d declared, or x_i written transposed): the vector of
    entries x_{i,1} … x_{i,d}; x_{ij} its entry j. None when x_i is not such a family's."""
    env = ctx.env
    shape = env.family_shape(name)
    if shape is None and env.transposed_family(name):
        if name in env.definitions or name in env.shapes or entry_base(name) in env.shapes:
            return None
        shape = env.inferred.get(FAMILY_MARK + name, ("n", 1)) if env.use_inferred else ("n", 1)
        ctx.flags.default_shape = True
    if shape is None or len(idx) not in (1, 2):
        return None
    rows, cols = _dim(shape[0], ctx), _dim(shape[1], ctx)
    base = entry_base(name)
    i = idx[0]
    if rows > 1 and cols > 1:
        if len(idx) != 1:
            raise ShapeMismatch(f"'{name}' is a family of matrices, but it has {len(idx)} indices")
        return sp.Matrix(
            rows, cols, [ctx.symbols.get(base, (i, r, c)) for r in range(1, rows + 1) for c in range(1, cols + 1)]
        )
    size = max(rows, cols)
    member = sp.Matrix([ctx.symbols.get(base, (i, k)) for k in range(1, size + 1)])
    if cols > 1:
        member = member.T
    return member if len(idx) == 1 else _pick(member, idx[1:], name)


def _pick(value: Value, idx: tuple[int, ...], name: str) -> sp.Expr:
    """Entry idx (1-based) of a vector (one index) or of a matrix (two: row, column)."""
    if not is_matrix(value):
        raise ShapeMismatch(f"'{name}' is a scalar here, but it has an index")
    rows, cols = value.shape
    if len(idx) == 2 and rows > 1 and cols > 1:
        if not (1 <= idx[0] <= rows and 1 <= idx[1] <= cols):
            raise OutOfRange(f"entry {idx} of '{name}' outside its {rows}×{cols} shape")
        return value[idx[0] - 1, idx[1] - 1]
    if rows > 1 and cols > 1:
        raise ShapeMismatch(f"'{name}' is a {rows}×{cols} matrix, but it has {len(idx)} index(es)")
    if len(idx) != 1:
        raise ShapeMismatch(f"'{name}' is a vector, but it has {len(idx)} indices")
    flat = list(value)
    if not 1 <= idx[0] <= len(flat):
        raise OutOfRange(f"index {idx[0]} of '{name}' outside 1…{len(flat)}")
    return flat[idx[0] - 1]


def _elementwise(f: callable, v: Value) -> Value:
    return v.applyfunc(f) if is_matrix(v) else f(v)


def _call(node: Call, ctx: Context) -> Value:
    func = node.func
    name = func.name
    entry = _entry_argument(node, ctx)
    if entry is not None:
        return entry
    if name == "kronecker" and name not in ctx.env.definitions:  # δ_ij compares indices: no number of the step
        args = [_as_index(a, ctx) for a in node.args]
    else:
        args = [evaluate(a, ctx) for a in node.args]
    if name in ctx.env.definitions and ctx.env.definitions[name].params:
        value = _user_call(ctx.env.definitions[name], func.primes, args, ctx)
    elif name in VOCABULARY.by_name:
        f = VOCABULARY.by_name[name]
        if f.vector and len(args) > 1 and not any(is_matrix(a) for a in args):
            args = [sp.Matrix(args)]  # softmax(2, 1, 0.1): of the vector of its arguments
        value = _builtin(f, func.primes, args)
    elif name in ctx.env.unknown_functions:
        value = _unknown_call(name, func.primes, args, ctx)
    else:
        raise Unsupported(f"'{name}' is not a function this file defines or the notation knows")
    if func.power is not None:
        value = _power(value, evaluate(func.power, ctx), ctx, entrywise=True)  # tanh²(Z): entry by entry
    return value


def _entry_argument(node: Call, ctx: Context) -> Value | None:
    """``softmax(z_i)``: softmax of a scalar is 1, so the notation means softmax(z)_i, entry i of the vector."""
    f = VOCABULARY.by_name.get(node.func.name)
    if f is None or not f.vector or node.func.primes or len(node.args) != 1 or node.func.name in ctx.env.definitions:
        return None
    arg = node.args[0]
    if not (isinstance(arg, Index) and isinstance(arg.base, Sym) and len(arg.indices) == 1):
        return None
    try:
        whole = evaluate(arg.base, ctx)
    except (Unsupported, ShapeMismatch, MissingIndex):
        return None
    if not is_matrix(whole) or 1 not in whole.shape:
        return None
    value = f.sympy(whole)
    if not is_matrix(value):
        return None
    return _pick(value, (index_value(arg.indices[0], ctx),), f.name)


def _user_call(d: Definition, primes: int, args: list[Value], ctx: Context) -> Value:
    if len(args) != len(d.params):
        raise Unsupported(f"'{d.name}' takes {len(d.params)} argument(s), given {len(args)}")
    if d.name in ctx.expanding:
        raise Unsupported(f"'{d.name}' is defined in terms of itself")
    inner = ctx.bind(expanding=(*ctx.expanding, d.name))
    if d.index_params:  # defined by its entries: the vector of them at this size
        if primes:
            raise Unsupported(f"'{d.name}'' of a vector-valued function is not defined (use a partial derivative)")
        ctx.flags.used_n = True
        binds = {**ctx.bindings, **dict(zip(d.params, args))}
        return sp.Matrix(
            [
                evaluate(
                    d.body,
                    inner.bind(
                        bindings={**binds, d.index_params[0]: sp.Integer(j)},
                        counters=inner.counters | {d.index_params[0]},
                    ),
                )
                for j in range(1, ctx.n + 1)
            ]
        )
    if primes:
        if len(args) != 1 or is_matrix(args[0]):
            raise Unsupported(f"'{d.name}'' needs one scalar argument")
        t = sp.Dummy("t", real=True)
        body = evaluate(d.body, inner.bind(bindings={**ctx.bindings, d.params[0]: t}))
        return sp.diff(body, t, primes).subs(t, args[0])
    return evaluate(d.body, inner.bind(bindings={**ctx.bindings, **dict(zip(d.params, args))}))


def _unknown_call(name: str, primes: int, args: list[Value], ctx: Context) -> Value:
    """g(u), g'(u) of a function the file never defines: SymPy's undefined function, entry by entry on a vector
    (an activation). C'(a) of an undefined loss C differentiated elsewhere, at the one output a it is a
    function of, is the gradient of its stand-in (the same value as ∂C/∂a)."""
    if primes == 1 and len(args) == 1 and is_abstract(Sym(name), ctx):
        gradient = _abstract_gradient(name, args[0], ctx)
        if gradient is not None:
            return gradient
    if name in ctx.env.graph_roots and not primes and (len(args) != 1 or is_matrix(args[0])):
        # the quantity at the top of a chain rule (C of ∂C/∂z with z a vector): a number, of every entry
        entries = [e for a in args for e in (list(a) if is_matrix(a) else [a])]
        return ctx.symbols.function(name)(*entries)
    if len(args) != 1:
        if primes or any(is_matrix(a) for a in args):
            raise Unsupported(f"'{name}' of several arguments, never defined: write its partial derivatives")
        return ctx.symbols.function(name)(*args)
    f = ctx.symbols.function(name)
    if not primes:
        return _elementwise(f, args[0])
    t = sp.Dummy("t", real=True)
    df = sp.diff(f(t), t, primes)
    return _elementwise(lambda u: df.subs(t, u), args[0])


def _abstract_gradient(name: str, arg: Value, ctx: Context) -> Value | None:
    """∂C/∂a of the stand-in of `_abstract_value` if ``arg`` is the one scalar output a it is a function of."""
    outputs = sinks(ctx.env)
    if len(outputs) != 1 or is_matrix(arg):
        return None
    try:
        out = evaluate(Sym(outputs[0]), ctx)
    except (Unsupported, ShapeMismatch, MissingIndex):
        return None
    if is_matrix(out) or sp.expand(out - arg) != 0:
        return None
    ctx.flags.abstract.add(name)
    return ctx.symbols.get(f"\\partial {name}/\\partial {outputs[0]}", ())


def _builtin(f: Function, primes: int, args: list[Value]) -> Value:
    """A function of the vocabulary applied: a vector function to its vector, the rest entry by entry."""
    if len(args) != f.arity:
        raise Unsupported(f"'{f.name}' takes {f.arity} argument(s), given {len(args)}")
    if f.vector:
        if not is_matrix(args[0]):
            raise ShapeMismatch(f"{f.name} needs a vector argument")
        if primes:
            raise Unsupported(f"{f.name}' is not defined (use a partial derivative)")
        return f.sympy(args[0])
    if f.arity > 1:
        if any(is_matrix(a) for a in args) or (primes and not f.differentiable):
            raise ShapeMismatch(f"{f.name} of vectors or its derivative is not supported")
        return f.sympy(*args)
    if primes:
        t = sp.Dummy("t", real=True)
        df = sp.diff(f.sympy(t), t, primes)
        return _elementwise(lambda u: df.subs(t, u), args[0])
    return _elementwise(f.sympy, args[0])


def _add(node: Add, ctx: Context) -> Value:
    values = [_operand(t, ctx) for t in node.terms]
    sized = [v for v in values if is_matrix(v)]
    if any(isinstance(v, Ones) for v in values):  # 1 - y: the ones as long as y
        if not sized:
            raise Unsupported("the length of '\\mathbf{1}' is not clear here")
        like = sized[0].shape
        values = [v.sized(like[1] if v.row else like[0]) if isinstance(v, Ones) else v for v in values]
    shapes = {v.shape for v in values if is_matrix(v)}
    if len(shapes) == 1 and all(is_matrix(v) or not v.free_symbols for v in values):
        shape = next(iter(shapes))  # 1 − σ(z): a number and a vector, the number in every entry
        values = [v if is_matrix(v) else v * sp.ones(*shape) for v in values]
    if shapes and (len(shapes) > 1 or not all(is_matrix(v) for v in values)):
        raise ShapeMismatch("a sum of a vector and a scalar, or of vectors of different shapes")
    total = values[0]
    for v in values[1:]:
        total = total + v
    return total


def _neg(node: Neg, ctx: Context) -> Value:
    return -evaluate(node.arg, ctx)


def _mul(node: Mul, ctx: Context) -> Value:
    """A product; ``a \\cdot b`` of two vectors of one shape is their dot product (or, in the other reading
    the notation allows, their elementwise product: the step is then tried both ways)."""
    at = _derivative_at(node, ctx)
    if at is not None:
        return at
    result = _operand(node.factors[0], ctx)
    for k, f in enumerate(node.factors[1:], start=1):
        v = _operand(f, ctx)
        if isinstance(result, Ones) or isinstance(v, Ones):
            result, v = _size_ones(result, v)
        if k in node.dots and is_matrix(result) and is_matrix(v) and result.shape == v.shape and 1 in v.shape:
            ctx.flags.cdot_vectors = True
            if not ctx.flags.cdot_elementwise:
                result = sp.Add(*[a * b for a, b in zip(result, v)])
                continue
            result = result.multiply_elementwise(v)
            continue
        result = _product(result, v, node.elementwise)
    if isinstance(result, Ones):
        raise Unsupported("the length of '\\mathbf{1}' is not clear here")
    return result


def _derivative_at(node: Mul, ctx: Context) -> Value | None:
    """∂J/∂w_1 (0, 0, 0) of J(w_1, w_2, b) defined: the derivative at the point its parameters take those values
    (a tuple as long as J's parameters after its derivative), not a product; None for any other product."""
    if len(node.factors) != 2 or node.dots:
        return None
    deriv, point = node.factors
    if not (isinstance(deriv, Deriv) and isinstance(deriv.of, Sym) and isinstance(point, Vector)):
        return None
    d = ctx.env.definitions.get(deriv.of.name)
    if d is None or len(d.params) < 2 or point.column or len(point.entries) != len(d.params):
        return None
    value = evaluate(deriv, ctx)
    if is_matrix(value):
        return None
    free = {p: v for p, v in ctx.bindings.items() if p not in d.params}
    at = {}
    for param, arg in zip(d.params, point.entries):
        symbol = evaluate(_param_node(param), ctx.bind(bindings=free))
        at[symbol] = evaluate(arg, ctx)
    return value.subs(at, simultaneous=True)


def _param_node(param: str) -> Node:
    """The node a parameter's name stands for: ``w_{1}`` (an entry, as `entry_key` writes it) or a name."""
    m = re.fullmatch(r"(.+)_\{(\d+(?:,\d+)*)\}", param)
    if m is None:
        return Sym(param)
    return Index(Sym(m.group(1)), tuple(Num(Fraction(int(k))) for k in m.group(2).split(",")))


def _product(a: Value, b: Value, elementwise: bool) -> Value:
    if not is_matrix(a) or not is_matrix(b):
        return a * b
    if elementwise:
        if a.shape != b.shape:
            raise ShapeMismatch(f"elementwise product of shapes {a.shape} and {b.shape}")
        return a.multiply_elementwise(b)
    if a.shape[1] != b.shape[0]:
        raise ShapeMismatch(f"a product of a {a.shape[0]}×{a.shape[1]} and a {b.shape[0]}×{b.shape[1]} matrix")
    return scalar_of(a * b)


def _div(node: Div, ctx: Context) -> Value:
    num = evaluate(node.num, ctx)
    den = evaluate(node.den, ctx)
    if not is_matrix(den):
        return num / den
    if not is_matrix(num):
        return den.applyfunc(lambda d: num / d)
    if num.shape != den.shape:
        raise ShapeMismatch(f"elementwise division of shapes {num.shape} and {den.shape}")
    return sp.Matrix(num.shape[0], num.shape[1], [a / b for a, b in zip(num, den)])


def _power(base: Value, exp: Value, ctx: Context, *, entrywise: bool = False) -> Value:
    """b^e; a vector's power entry by entry, and a matrix's that is not square (A^{[1]2} in 1 − A^{[1]2}) or is a
    function's value (tanh²(Z)); a square matrix's power A² = AA (A^{-1} its inverse)."""
    if is_matrix(exp):
        raise ShapeMismatch("a vector exponent")
    if is_matrix(base) and base.shape[0] == base.shape[1] and 1 not in base.shape:
        ctx.flags.matrix_power = True  # A² = AA and tanh²(Z) entry by entry are readings: a square matrix has both
    if is_matrix(base) and (1 in base.shape or base.shape[0] != base.shape[1] or entrywise):
        return base.applyfunc(lambda b: b**exp)
    if is_matrix(base):
        if exp == -1:
            if base.det() == 0:
                raise Unsupported("the inverse of a matrix that is not invertible")
            return base.inv()
        if not (isinstance(exp, sp.Integer) and 1 <= exp <= 8):
            raise Unsupported("a power of a matrix other than a whole number 1…8 (or -1, its inverse)")
        out = base
        for _ in range(int(exp) - 1):
            out = out * base
        return out
    return base**exp


def _pow(node: Pow, ctx: Context) -> Value:
    squared = squared_name(node, ctx.env)
    if squared and squared in ctx.env.definitions and squared not in ctx.expanding:  # σ² defined: the variance
        return _sym(Sym(squared), ctx)
    return _power(evaluate(node.base, ctx), evaluate(node.exp, ctx), ctx, entrywise=isinstance(node.base, Call))


def _transpose(node: Transpose, ctx: Context) -> Value:
    """Aᵀ; of a scalar, itself — unless it is a scalar only because its names have no declared shape."""
    v = _eval(node.arg, ctx)
    if is_matrix(v):
        return v.T
    if v.free_symbols and not _has_vector(node.arg, ctx):
        names = sorted({n.name for n in walk(node.arg) if isinstance(n, Sym)})
        raise Unsupported(
            f"'{names[0] if names else '…'}' is transposed but the file gives it no shape: a vector or matrix? "
            "(declare it: W \\in \\mathbb{R}^{m \\times n}, or write it bold)"
        )
    return v


def _has_vector(node: Node, ctx: Context) -> bool:
    """Some name in ``node`` has a vector or matrix value here (so a 1×1 result is a true scalar)."""
    for n in walk(node):
        if isinstance(n, Sym):
            try:
                if is_matrix(_eval(n, ctx)):
                    return True
            except (Unsupported, MissingIndex, ShapeMismatch, OutOfRange):
                continue
    return False


def _sum(node: Sum, ctx: Context) -> Value:
    lo = 1 if node.lo is None else index_value(node.lo, ctx)
    if node.hi is None:
        ctx.flags.used_n = True
        hi = _range_of(node.var, node.body, ctx)
    else:
        hi = index_value(node.hi, ctx)
        declared = _declared_range(node.var, node.body, ctx)
        if isinstance(node.hi, Sym) and declared is not None and declared != node.hi.name:
            # Σ_{i=1}^{n} z_i with z ∈ ℝ^m: n = m meant, or a part of z? The file does not say.
            raise Unsupported(f"the sum runs to {node.hi.name}, but the vector it indexes has {declared} entries")
        if isinstance(node.hi, Sym) and declared is None:
            defined = _defined_length(node.var, node.body, ctx)
            if defined is not None and defined != hi:
                raise Unsupported(f"the sum runs to {node.hi.name}, but the vector it indexes has another length")
        if not (isinstance(node.hi, Sym) and node.hi.name in ctx.env.sizes):
            ctx.flags.asymmetric = True
    if node.lo is not None and lo != 1:
        ctx.flags.asymmetric = True
    if hi - lo + 1 > MAX_RANGE:
        raise Unsupported(f"a sum of more than {MAX_RANGE} terms")
    skip = {index_value(e, ctx) for e in node.exclude}
    if skip:
        ctx.flags.asymmetric = True  # proved at every assignment, not one per pattern
    terms = [
        evaluate(
            node.body, ctx.bind(bindings={**ctx.bindings, node.var: sp.Integer(j)}, counters=ctx.counters | {node.var})
        )
        for j in range(lo, hi + 1)
        if j not in skip
    ]
    if not terms:
        return sp.Integer(1 if node.product else 0)
    if ctx.flags.size_symbols and ctx.flags.count_shared and not node.product and not skip:
        counted = _counted(node, lo, terms, ctx)
        if counted is not None:
            return counted
    if any(is_matrix(t) for t in terms):
        shapes = {t.shape if is_matrix(t) else None for t in terms}
        if node.product or len(shapes) != 1:
            raise ShapeMismatch("a sum of vectors of different shapes, or of vectors and numbers")
        total = terms[0]
        for t in terms[1:]:
            total = total + t  # Σ_i x_i x_iᵀ: a sum of matrices of one shape
        return total
    return sp.Mul(*terms) if node.product else sp.Add(*terms)


def _counted(node: Sum, lo: int, terms: list[Value], ctx: Context) -> Value | None:
    """Σ_{i=lo}^{hi} (a_i + c) = Σ a_i + (hi − lo + 1)·c with the size in hi a symbol, when the sizes are read as
    numbers of any value: Σ_i (s_i − 1) = 1 − n at each size, for every value of n; c the summands every term
    shares. None if no summand is shared, or the count is not a size."""
    if len(terms) < 2 or any(is_matrix(t) for t in terms):
        return None
    shared = Counter(sp.Add.make_args(terms[0]))
    for t in terms[1:]:
        shared &= Counter(sp.Add.make_args(t))
    if not shared:
        return None
    if node.hi is not None:
        count = _eval(node.hi, ctx) - lo + 1
    else:
        length = lo + len(terms) - 1
        names = [name for name in ctx.env.sizes | set(ctx.env.dim_names) if ctx.size(name) == length]
        if len(names) != 1:
            return None
        count = size_symbol(names[0]) - lo + 1
    if is_matrix(count) or not count.free_symbols:
        return None
    common = sp.Add(*shared.elements())
    return sp.Add(*[t - common for t in terms]) + count * common


def _range_of(var: str, body: Node, ctx: Context) -> int:
    """The length of ``\\sum_{var}`` with no bounds: the dimension of a declared vector or matrix that
    ``var`` indexes in the body (x_i of x ∈ ℝ^d: d), else n."""
    declared = _declared_range(var, body, ctx)
    if declared is not None:
        return _dim(declared, ctx)
    defined = _defined_length(var, body, ctx)
    if defined is None or defined == ctx.n:
        return ctx.n
    env = ctx.env
    for n in walk(body):
        if isinstance(n, Index) and isinstance(n.base, Sym) and n.indices == (Sym(var),):
            name = n.base.name
            defined_here = any(k in env.definitions for k in (name, *bold_forms(name)))
            if (name in env.one_hot or name in env.families) and name not in env.family_sizes and not defined_here:
                # Σ_k y_k log ŷ_k: k runs over ŷ's entries (ŷ = softmax(z), z ∈ ℝ^K), y's length is not said
                raise Unsupported(f"the sum runs over the entries of a defined vector, but how many entries '{name}' "
                                  "has the file does not say (write the bound: \\sum_{k=1}^{K})")  # fmt: skip
    return defined


def _entries_length(d: Definition, ctx: Context) -> int:
    """The length of a vector defined by its entries (s_i = e^{z_i}/Σ_j e^{z_j}): that of the declared vector
    its index runs over in the body (z ∈ ℝ^K: K), else n."""
    found = _declared_entries_length(d, ctx)
    return ctx.n if found is None else found


def _declared_entries_length(d: Definition, ctx: Context) -> int | None:
    """`_entries_length` where a declaration gives it, else None."""
    if len(d.index_params) == 1:
        dim = _declared_range(d.index_params[0], d.body, ctx)
        if dim is not None:
            return _dim(dim, ctx)
    return None


def _defined_length(var: str, body: Node, ctx: Context) -> int | None:
    """The length of a vector the file defines whole (s = softmax(z) with z ∈ ℝ^K: K) whose entries ``var``
    indexes in the body, at this instance; None if there is none."""
    for n in walk(body):
        if isinstance(n, Index) and not isinstance(n.base, Sym) and n.indices == (Sym(var),):
            # Σ_i softmax(1, 2, 3)_i, Σ_i (1, 2, 3)_i: the entries of that vector, however many
            if any(isinstance(m, Sym) and m.name == var for m in walk(n.base)):
                continue
            try:
                value = _eval(n.base, ctx)
            except (MissingIndex, ShapeMismatch, OutOfRange, Unsupported):
                continue
            if is_matrix(value) and 1 in value.shape:
                return max(value.shape)
            continue
        if not (isinstance(n, Index) and isinstance(n.base, Sym) and n.indices == (Sym(var),)):
            continue
        for key in (n.base.name, *bold_forms(n.base.name)):
            d = ctx.env.definitions.get(key)
            if d is not None and d.index_params and not d.params and key not in ctx.expanding:
                length = _declared_entries_length(d, ctx)  # Σ_i s_i, s_i = e^{z_i}/Σ_j e^{z_j}, z ∈ ℝ^K: K terms
                if length is not None:
                    return length
                continue
            if d is None or d.params or d.index_params or key in ctx.expanding:
                continue
            try:
                value = _eval(d.body, ctx.bind(expanding=(*ctx.expanding, key)))
            except (MissingIndex, ShapeMismatch, OutOfRange, Unsupported):
                return None
            if is_matrix(value) and 1 in value.shape:
                return max(value.shape)
    return None


def _declared_range(var: str, body: Node, ctx: Context) -> Dim | None:
    """The declared (or, in that reading, inferred) dimension ``var`` runs over where it indexes such a vector
    or matrix in the body (z_i of \\mathbf{z} ∈ ℝ^m: m; W_{ij} of W ∈ ℝ^{m×n}: n for j), else None."""
    for n in walk(body):
        if isinstance(n, Index) and isinstance(n.base, Sym):
            env = ctx.env
            found = next(
                (
                    f
                    for key in (n.base.name, *bold_forms(n.base.name))
                    if (f := env.shape_of(key)) and (f[1] or (env.use_inferred and key in env.inferred))
                ),
                None,
            )
            if found is None:
                continue
            shape = found[0]
            for pos, i in enumerate(n.indices):
                if isinstance(i, Sym) and i.name == var:
                    if len(n.indices) == 1:
                        return shape[0] if shape[1] == 1 else shape[1]
                    return shape[min(pos, 1)]
    return None


def _vector(node: Vector, ctx: Context) -> Value:
    entries = [evaluate(e, ctx) for e in node.entries]
    if any(is_matrix(e) for e in entries):
        raise ShapeMismatch("a vector of vectors")
    if node.tuple:
        ctx.flags.tuples = True
    column = node.column or (node.tuple and ctx.flags.tuple_columns)
    return sp.Matrix(entries) if column else sp.Matrix([entries])


def _matrix(node: MatrixLit, ctx: Context) -> Value:
    entries = [[evaluate(e, ctx) for e in row] for row in node.rows]
    if any(is_matrix(e) for row in entries for e in row):
        raise ShapeMismatch("a matrix of vectors (block matrices are not supported)")
    return sp.Matrix(entries)


def _at(node: At, ctx: Context) -> Value:
    """F|_{x = a}: F with the variable's symbol replaced by a's value (not of a loss the file never defines:
    its stand-in's gradient is a symbol that would not move with the point)."""
    if any(isinstance(n, Deriv) and is_abstract(n.of, ctx) for n in walk(node.of)):
        raise Unsupported("a derivative of a loss the file never defines, evaluated at a point: define the loss")
    var = evaluate(node.var, ctx)
    if not _only_symbols(var) or is_matrix(var):
        raise Unsupported("'\\right|_{…}' at something that is not a scalar variable here")
    point = evaluate(node.value, ctx)
    if is_matrix(point):
        raise ShapeMismatch("a vector point in '\\right|_{…}'")
    return _elementwise(lambda e: e.subs(var, point), evaluate(node.of, ctx))


def _abs(node: Abs, ctx: Context) -> Value:
    return _elementwise(sp.Abs, evaluate(node.arg, ctx))


def _tabulated(node: Tabulated, ctx: Context) -> Value:
    """(x_1, …, x_n): the body at var = lo … hi, a row or a column; a column of such rows, a matrix."""
    lo, hi = index_value(node.lo, ctx), index_value(node.hi, ctx)
    if hi - lo + 1 > MAX_RANGE or hi < lo:
        raise Unsupported(f"a vector written with '…' of {hi - lo + 1} entries")
    entries = [
        evaluate(
            node.body, ctx.bind(bindings={**ctx.bindings, node.var: sp.Integer(j)}, counters=ctx.counters | {node.var})
        )
        for j in range(lo, hi + 1)
    ]
    if node.column and entries and all(is_matrix(e) and e.shape == (1, entries[0].shape[1]) for e in entries):
        return sp.Matrix.vstack(*entries)  # rows (a_{i1}, …, a_{in}) for i = 1 … m: the matrix of the a_{ij}
    if any(is_matrix(e) for e in entries):
        raise ShapeMismatch("a vector of vectors")
    return sp.Matrix(entries) if node.column else sp.Matrix([entries])


def _norm(node: Norm, ctx: Context) -> Value:
    """‖v‖ = √(Σ vᵢ²) (‖v‖₁ = Σ |vᵢ|) of a vector, ‖A‖_F = √(Σ Aᵢⱼ²) of a matrix, |x| of a number."""
    value = evaluate(node.arg, ctx)
    if not is_matrix(value):
        return sp.Abs(value)
    entries = list(value)
    if 1 not in value.shape and node.kind != "F":
        raise Unsupported("the norm of a matrix: which one? (write ‖A‖_F for the Frobenius norm)")
    if node.kind == "1":
        return sp.Add(*[sp.Abs(e) for e in entries])
    return sp.sqrt(sp.Add(*[e**2 for e in entries]))


def condition_holds(rel: Rel, ctx: Context) -> bool | sp.Basic:
    """An index relation decided for this assignment (True/False), or a SymPy condition on variables."""
    try:
        a, b = index_value(rel.lhs, ctx), index_value(rel.rhs, ctx)
        literal = rel.lhs if isinstance(rel.lhs, Num) else rel.rhs if isinstance(rel.rhs, Num) else None
        if literal is not None and isinstance(rel.lhs, Num) != isinstance(rel.rhs, Num):
            # 𝟙[t > 5], 𝟙[k = 7]: whether the step holds depends on how far t runs — unless it picks an index
            # every size has (k = 1, k = 2); a function's argument (|r| ≤ 1 in H(3)) is no index
            other = rel.rhs if literal is rel.lhs else rel.lhs
            indices = {n.name for n in walk(other) if isinstance(n, Sym)} & (set(ctx.counters) | set(ctx.assign))
            if indices and (rel.op != "=" or literal.value > 2):
                ctx.flags.index_number = True
        return {"=": a == b, "!=": a != b, "<": a < b, ">": a > b, "<=": a <= b, ">=": a >= b}[rel.op]
    except Unsupported:
        pass
    a, b = evaluate(rel.lhs, ctx), evaluate(rel.rhs, ctx)
    if is_matrix(a) or is_matrix(b):
        raise ShapeMismatch("a condition on vectors")
    ops = {"=": sp.Eq, "!=": sp.Ne, "<": sp.Lt, ">": sp.Gt, "<=": sp.Le, ">=": sp.Ge}
    return ops[rel.op](a, b)


def _cases(node: Cases, ctx: Context) -> Value:
    pieces = []
    for value, cond in node.branches:
        if cond is None:
            pieces.append((value, True))
            break
        holds = condition_holds(cond, ctx)
        if holds is True or holds == sp.true:
            pieces.append((value, True))
            break
        if holds is False or holds == sp.false:
            continue
        pieces.append((value, holds))
    if not pieces:
        raise Unsupported("no case applies")
    values = [(evaluate(v, ctx), c) for v, c in pieces]
    if values[0][1] is True:
        return values[0][0]
    if len(values) == 1 and not _complementary(node):
        # k(x) = x if x > 0, 0.1x if y ≤ 0: at x = −1 only the second case can apply, and only where y ≤ 0
        raise Unsupported("cases with no 'otherwise' that do not cover every value")
    if len(values) == 1:
        return values[0][0]
    if any(is_matrix(v) for v, _ in values):
        raise ShapeMismatch("cases with vector values")
    if values[-1][1] is not True and _complementary(node):
        values[-1] = (values[-1][0], True)  # |r| ≤ δ, then |r| > δ: the last case is "otherwise"
    if values[-1][1] is not True:
        raise Unsupported("cases with no 'otherwise' that do not cover every value")
    return sp.Piecewise(*values)


#: A relation and the one that holds exactly where it does not.
_COMPLEMENT = {"<": ">=", ">=": "<", ">": "<=", "<=": ">", "=": "!=", "!=": "="}


def _complementary(node: Cases) -> bool:
    """The last case's condition is the negation of an earlier one (|r| ≤ δ … |r| > δ; x < 0 … x ≥ 0)."""
    conds = [c for _, c in node.branches]
    if not conds or conds[-1] is None:
        return False
    last = conds[-1]
    for c in conds[:-1]:
        if c is None:
            continue
        if (c.lhs, c.rhs) == (last.lhs, last.rhs) and _COMPLEMENT.get(c.op) == last.op:
            return True
        if (c.lhs, c.rhs) == (last.rhs, last.lhs) and _COMPLEMENT.get(_FLIPPED.get(c.op, c.op)) == last.op:
            return True
    return False


#: a op b as b op' a.
_FLIPPED = {"<": ">", ">": "<", "<=": ">=", ">=": "<=", "=": "=", "!=": "!="}


def bold_defined(name: str, env: Environment) -> str:
    """``\\mathbf{g}`` (or another bold form) when it is defined and ``name`` is its plain letter g, else ""."""
    for key in bold_forms(name):
        if key in env.definitions and not env.definitions[key].params:
            return key
    return ""


def own_entry(name: str, indices: tuple[Node, ...], env: Environment) -> str:
    """``z_{2}`` (or ``\\mathbf{z}_{2}``) when ``z_2`` is defined or declared as a name of its own, else ""."""
    key = entry_key(name, indices)
    if not key:
        return ""
    suffix = key[len(name) :]
    # (z_2)_j beside \mathbf{z}_2 = …: the same layer's vector
    candidates = [key, *(bold + suffix for bold in bold_forms(name))]
    for k in candidates:
        if k in env.definitions or k in env.shapes:
            return k
    return ""


def wrt_target(node: Node) -> tuple[str, tuple[Node, ...]]:
    """The name and indices of a derivative's variable."""
    if isinstance(node, Sym):
        return node.name, ()
    if isinstance(node, Index) and isinstance(node.base, Sym):
        return node.base.name, node.indices
    raise Unsupported("a derivative with respect to something that is not a variable")


def _only_symbols(v: Value) -> bool:
    items = list(v) if is_matrix(v) else [v]
    return all(isinstance(s, (sp.Symbol, sp.Dummy)) for s in items) and len(set(items)) == len(items)


def is_abstract(node: Node, ctx: Context) -> bool:
    """An undefined plain name being differentiated (∂L/∂w with L never given): a function left unspecified."""
    if not isinstance(node, Sym):
        return False
    name = node.name
    env = ctx.env
    return not (
        name in env.definitions
        or name in ctx.bindings
        or name in ctx.keep
        or name in env.families
        or name in env.matrix_families
        or name in env.probability
        or name in env.one_hot
        or name in env.sizes
        or name in env.index_letters
        or name in env.unread
        or name in env.scalars
        or env.shape_of(name) is not None
    )


def sinks(env: Environment) -> list[str]:
    """The defined quantities nothing else is defined from (the network's outputs): what an unspecified loss
    is a function of."""

    def forward(d: Definition) -> bool:  # δ = ∂L/∂a abbreviates a derivative: not a quantity of the network
        return not any(isinstance(n, Deriv) for n in walk(d.body))

    plain = [d for d in env.definitions.values() if not d.params and forward(d)]
    used: set[str] = set()
    for d in env.definitions.values():
        if not forward(d):
            continue
        used |= {n.name for n in walk(d.body) if isinstance(n, Sym)}
        used |= {n.base.name for n in walk(d.body) if isinstance(n, Index) and isinstance(n.base, Sym)}
    return [d.name for d in plain if d.name not in used]


def _abstract_value(name: str, ctx: Context) -> Value:
    """An unspecified L as Σ_k c_k·s_k over the outputs s (c_k its gradient there, a free symbol): every first-order
    chain rule holds for all smooth L exactly when it holds for all such linear ones."""
    outputs = sinks(ctx.env)
    if not outputs:
        raise Unsupported(
            f"'{name}' is never defined, and nothing is defined for it to be a function of — define it "
            "(or its inputs) in the text or the front matter"
        )
    ctx.flags.abstract.add(name)
    total: sp.Expr = sp.Integer(0)
    for out in outputs:
        value = evaluate(Sym(out), ctx)
        entries = list(value) if is_matrix(value) else [value]
        for k, e in enumerate(entries, start=1):
            total += ctx.symbols.get(f"\\partial {name}/\\partial {out}", (k,) if len(entries) > 1 else ()) * e
    return total


def _reach(node: Reach, ctx: Context) -> Value:
    """∂/∂w w·a + b: of the whole sum, or in the other reading of the first term only."""
    ctx.flags.reach = True
    return evaluate(node.near if ctx.flags.near_reach else node.whole, ctx)


def _deriv(node: Deriv, ctx: Context) -> Value:
    for inner in walk(node.of):  # a derivative of ∂L/∂z: the linear stand-in for L would make it 0
        if isinstance(inner, Deriv) and is_abstract(inner.of, ctx):
            raise Unsupported(f"a derivative of a derivative of '{inner.of.name}', which the file never defines")
    if is_abstract(node.of, ctx):
        if node.order != 1:
            raise Unsupported(f"a higher derivative of '{node.of.name}', which the file never defines")
        return _deriv(Deriv(AbstractOf(node.of.name), node.wrt, 1), ctx)
    name, idx_nodes = wrt_target(node.wrt)
    if name in ctx.env.probability and name not in ctx.env.definitions:
        # z a probability vector, its last entry 1 − the others: which entries move with z_j is not said
        raise Unsupported(f"a derivative by '{name}', which the file says sums to 1 (a probability vector): its "
                          "entries cannot all move freely, and which one makes up for a change of another is not "
                          "said")  # fmt: skip
    key = own_entry(name, idx_nodes, ctx.env) if idx_nodes else ""
    if key:  # ∂L/∂z_2 with z_2 defined or declared on its own (layer 2's z): with respect to that name
        return _deriv(Deriv(node.of, Sym(key), node.order), ctx)
    d = ctx.env.definitions.get(name)
    if d is None and idx_nodes and name not in ctx.bindings:
        bold = bold_defined(name, ctx.env)  # ∂L/∂z_i after \mathbf{z} = W\mathbf{x} + \mathbf{b}: that vector's entry
        if bold:
            name, d = bold, ctx.env.definitions[bold]
    keep_value = None
    if d is not None and not d.params and name not in ctx.bindings and (not d.index_params or idx_nodes):
        full = evaluate(Sym(name), ctx)  # an indexed definition (z_j = …) gives the vector of its entries
        entry_of_family = bool(idx_nodes) and not is_matrix(full) and name in ctx.env.families
        if not _only_symbols(full) and not entry_of_family:
            keep_value = full
    if keep_value is not None:
        ph: Value
        if is_matrix(keep_value):
            ph = sp.Matrix(
                keep_value.shape[0], keep_value.shape[1], [sp.Dummy(f"p{k}", real=True) for k in range(len(keep_value))]
            )
        else:
            ph = sp.Dummy("p", real=True)
        inner = ctx.bind(keep={**ctx.keep, name: ph})
        idx = tuple(index_value(i, ctx) for i in idx_nodes)
        var = ph if not idx_nodes else _pick(ph, idx, name)
        f = evaluate(node.of, inner)
        family = set(ph) if is_matrix(ph) else {ph}
        if not is_matrix(var):
            f = _through(f, var, keep_value if not idx_nodes else _pick(keep_value, idx, name), family)
        result = _differentiate(f, var, node.order, family, node, ctx.flags)
        pairs = list(zip(ph, keep_value)) if is_matrix(ph) else [(ph, keep_value)]
        if has_unknown(result):
            return _elementwise(lambda e: e.subs(pairs, simultaneous=True), result)  # g'(p) at p = …: Subs
        back = dict(pairs)  # placeholders are Dummies: replacing them is exact, and far faster than subs
        return _elementwise(lambda e: e.xreplace(back), result)
    var = evaluate(node.wrt, ctx)
    if not _only_symbols(var):
        raise Unsupported(f"cannot differentiate with respect to '{name}': it is not a variable here")
    f = evaluate(node.of, ctx)
    family = {s for s, base in ctx.symbols.base.items() if base == name}
    family |= set(var) if is_matrix(var) else {var}
    return _differentiate(f, var, node.order, family, node, ctx.flags)


def _through(f: Value, var: sp.Expr, value: sp.Expr, family: set[sp.Basic]) -> Value:
    """f, written through the variable ``var`` stands for, when f does not name it: p̂ = σ(wᵀx) as σ(z) for
    dp̂/dz with z = wᵀx — only if every appearance of what z is made of is within z (f a function of z alone),
    else f unchanged."""
    if is_matrix(f) or is_matrix(value) or f.free_symbols & family or not value.free_symbols:
        return f
    if isinstance(value, (sp.Symbol, sp.Number)):
        return f
    through = f.subs(value, var)
    if var not in through.free_symbols or through.free_symbols & value.free_symbols:
        return f
    return through


def _jacobian(f: sp.MatrixBase, var: sp.MatrixBase, order: int, flags: Flags) -> sp.MatrixBase:
    """∂f/∂x of a vector by a vector: J_ij = ∂f_i/∂x_j (numerator layout), or its transpose (denominator)."""
    if 1 not in f.shape or 1 not in var.shape:
        raise Unsupported("a derivative of a matrix, or of a vector by a matrix, has three or four indices")
    if order != 1:
        raise Unsupported("a second derivative of a vector by a vector")
    flags.jacobian = True
    fl, vl = list(f), list(var)
    jac = sp.Matrix(len(fl), len(vl), lambda i, j: _diff(fl[i], vl[j], 1))
    return jac.T if flags.denominator else jac


def _differentiate(
    f: Value, var: Value, order: int, family: set[sp.Basic], node: Deriv, flags: Flags | None = None
) -> Value:
    free = set().union(*(e.free_symbols for e in (f if is_matrix(f) else [f])))
    if free and not (free & family):
        raise Unsupported(
            "the expression differentiated does not depend on the variable, so its derivative "
            "would be 0 — is a name in it undefined? (declare it in the front matter)"
        )
    if is_matrix(var):
        if is_matrix(f):
            result = _jacobian(f, var, order, flags or Flags())
        else:
            result = var.applyfunc(lambda v: _diff(f, v, order))
            if 1 not in var.shape and flags is not None:  # ∂L/∂W: shaped like W, or (numerator layout) like Wᵀ
                flags.jacobian = True
                if flags.denominator:
                    result = result.T
    else:
        result = _elementwise(lambda e: _diff(e, var, order), f)
    items = list(result) if is_matrix(result) else [result]
    if any(_unevaluated(e) for e in items):
        raise Unsupported("SymPy left a derivative unevaluated")
    return result


@lru_cache(maxsize=4096)
def _remembered_diff(e: sp.Basic, var: sp.Basic, order: int) -> sp.Basic:
    return sp.diff(e, var, order)


def _diff(e: sp.Basic, var: sp.Basic, order: int) -> sp.Basic:
    """``sp.diff(e, var, order)``, remembered: the instances of a step, and the steps of a chain, take the same
    derivative again and again (∂/∂θ_i of one sum at each assignment of its other indices). SymPy expressions
    are immutable and equal ones are the same tree, so the remembered one is the one SymPy would return."""
    if isinstance(e, sp.Basic) and isinstance(var, sp.Basic) and isinstance(order, int):
        return _remembered_diff(e, var, order)
    return sp.diff(e, var, order)


def _unevaluated(e: sp.Basic) -> bool:
    """A derivative SymPy could not take (one of a known function); g'(u) of an undefined g is a value."""
    for d in e.atoms(sp.Derivative, sp.Subs):
        inner = d.expr if isinstance(d, sp.Subs) else d
        if not (isinstance(inner, sp.Derivative) and isinstance(inner.expr, AppliedUndef)):
            return True
    return False


_DISPATCH = {
    Num: _num,
    Const: _const,
    Sym: _sym,
    Index: _index,
    Call: _call,
    Add: _add,
    Neg: _neg,
    Mul: _mul,
    Div: _div,
    Pow: _pow,
    Transpose: _transpose,
    Sum: _sum,
    Deriv: _deriv,
    Vector: _vector,
    MatrixLit: _matrix,
    At: _at,
    AbstractOf: lambda node, ctx: _abstract_value(node.name, ctx),
    Abs: _abs,
    Norm: _norm,
    Tabulated: _tabulated,
    Cases: _cases,
    Reach: _reach,
}
