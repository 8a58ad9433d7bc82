"""Steps about whole numbers and a size n alone, proved for every n by summing in closed form.

Σ_{i=1}^{n} i = n(n+1)/2 has no vector in it: each side is a function of n, and a proof at n = 2, 3, 4
says nothing of n = 5. Such a side is rebuilt with n a symbol (sums and products by SymPy's `summation`,
which gives Faulhaber's polynomials, 2^n − 1 for Σ 2^i, n! for Π i), and the two closed forms are shown
equal. Anything else in the step (a variable, a family x_i, a function SymPy cannot sum) and the step is
not one of these: `closed_form` returns None and the step is decided as any other.
"""

from __future__ import annotations

import sympy as sp

from derivations.check.environment import Environment
from derivations.notation.tree import Add, Call, Div, Mul, Neg, Node, Num, Pow, Sum, Sym


class _NotClosed(Exception):
    """The node is not a function of the sizes and the sum indices alone."""


def closed_form(node: Node, env: Environment) -> sp.Expr | None:
    """The side as an expression in the size symbols (sums and products summed), or None if it is not a
    function of the sizes alone."""
    try:
        return _closed(node, env, {}, ())
    except _NotClosed:
        return None


#: The sizes at which closed forms that differ are looked at for where they differ.
LOOK_UP_TO = 60


def closed_forms(left: Node, right: Node, env: Environment) -> tuple[bool, list[int]] | None:
    """For two sides that are functions of one size alone: (equal for every size, the sizes ≤ 60 at which the
    closed forms differ, the first three); None if a side is not such a function."""
    a = closed_form(left, env)
    b = closed_form(right, env)
    if a is None or b is None:
        return None
    diff = a - b
    if any(sp.simplify(f(diff)) == 0 for f in (lambda d: d, sp.gammasimp, lambda d: sp.expand(sp.expand_func(d)))):
        return True, []
    names = diff.free_symbols
    if len(names) != 1:
        return False, []
    (n,) = names
    return False, [k for k in range(1, LOOK_UP_TO + 1) if sp.simplify(diff.subs(n, k)) != 0][:3]


def equal_for_every_size(left: Node, right: Node, env: Environment) -> bool:
    """Both sides functions of the sizes alone, and their closed forms equal for every size (False when not shown)."""
    found = closed_forms(left, right, env)
    return found is not None and found[0]


def size_symbol(name: str) -> sp.Symbol:
    """The size ``name`` as a symbol: a positive integer."""
    return sp.Symbol(name, positive=True, integer=True)


def _closed(node: Node, env: Environment, bound: dict[str, sp.Symbol], expanding: tuple[str, ...]) -> sp.Expr:
    """A node of the grammar's arithmetic, over numbers, sizes and the indices of the sums around it."""
    if isinstance(node, Num):
        return sp.Rational(node.value.numerator, node.value.denominator)
    if isinstance(node, Sym):
        if node.name in bound:
            return bound[node.name]
        d = env.definitions.get(node.name)
        if d is not None and not d.params and not d.index_params and node.name not in expanding:
            return _closed(d.body, env, bound, (*expanding, node.name))
        if node.name in env.sizes and d is None:
            return size_symbol(node.name)
        raise _NotClosed(node.name)
    if isinstance(node, Add):
        return sp.Add(*[_closed(t, env, bound, expanding) for t in node.terms])
    if isinstance(node, Neg):
        return -_closed(node.arg, env, bound, expanding)
    if isinstance(node, Mul):
        if node.elementwise:
            raise _NotClosed("an elementwise product")
        return sp.Mul(*[_closed(f, env, bound, expanding) for f in node.factors])
    if isinstance(node, Div):
        den = _closed(node.den, env, bound, expanding)
        if den.is_zero:
            raise _NotClosed("a division by zero")
        return _closed(node.num, env, bound, expanding) / den
    if isinstance(node, Pow):
        return sp.Pow(_closed(node.base, env, bound, expanding), _closed(node.exp, env, bound, expanding))
    if isinstance(node, Sum):
        return _summed(node, env, bound, expanding)
    if isinstance(node, Call) and node.func.name == "factorial" and len(node.args) == 1 and not node.func.primes:
        return sp.factorial(_closed(node.args[0], env, bound, expanding))  # n!
    raise _NotClosed(type(node).__name__)


def _summed(node: Sum, env: Environment, bound: dict[str, sp.Symbol], expanding: tuple[str, ...]) -> sp.Expr:
    """Σ_{i=lo}^{hi} body (Π if a product) in closed form; both bounds written, no excluded index."""
    if node.lo is None or node.hi is None or node.exclude:
        raise _NotClosed("a sum without both bounds")
    var = sp.Symbol(f"{node.var}__index", integer=True)
    lo = _closed(node.lo, env, bound, expanding)
    hi = _closed(node.hi, env, bound, expanding)
    body = _closed(node.body, env, {**bound, node.var: var}, expanding)
    whole = sp.product(body, (var, lo, hi)) if node.product else sp.summation(body, (var, lo, hi))
    if whole.has(sp.Sum, sp.Product):
        raise _NotClosed("a sum SymPy leaves unsummed")
    return whole
