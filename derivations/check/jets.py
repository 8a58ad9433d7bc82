"""Functions the file never defines (g in g'(z), an activation left unnamed) read through their jets.

Each value g⁽ᵏ⁾(u) of an undefined g becomes a free symbol of its own, one per function, derivative
order and argument. A step holds for every smooth g exactly when it holds for these values read as
independent numbers: a smooth function can take any finite set of values and derivatives at distinct
points (Hermite interpolation). So a difference that vanishes for all jets vanishes for every g, and a
nonzero difference at a point where the arguments of one function's jets are distinct is a
counterexample with a real g (`consistent` checks that the arguments are distinct there).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import sympy as sp
from sympy.core.function import AppliedUndef

from derivations.check.environment import SymbolTable


@dataclass(frozen=True)
class Jet:
    """One value of an undefined function: its name, the derivative orders by argument, the arguments."""

    function: str
    orders: tuple[int, ...]
    args: tuple[sp.Expr, ...]

    @property
    def order(self) -> int:
        return sum(self.orders)


def has_unknown(value: sp.Basic) -> bool:
    """Whether ``value`` (an expression or a matrix) still holds an undefined function."""
    return value.has(AppliedUndef)


def _jet_of(e: sp.Basic, table: SymbolTable) -> tuple[str, tuple[int, ...], tuple[sp.Expr, ...]] | None:
    """g(u) → (g, (0,), (u,)); Derivative(g(t), t) → (g, (1,), (t,)); Subs(Derivative(g(t), t), t, u) → at u."""
    point: dict[sp.Basic, sp.Basic] = {}
    if isinstance(e, sp.Subs):
        point = dict(zip(e.variables, e.point))
        e = e.expr
    if isinstance(e, AppliedUndef) and type(e) in table.functions:
        orders = tuple(0 for _ in e.args)
        applied = e
    elif isinstance(e, sp.Derivative) and isinstance(e.expr, AppliedUndef) and type(e.expr) in table.functions:
        applied = e.expr
        counts = dict(e.variable_count)
        if any(v not in applied.args for v in counts) or len(set(applied.args)) != len(applied.args):
            return None
        orders = tuple(int(counts.get(a, 0)) for a in applied.args)
    else:
        return None
    args = tuple(sp.expand(a.xreplace(point)) for a in applied.args)
    return table.functions[type(applied)], orders, args


def _display(name: str, orders: tuple[int, ...], args: tuple[sp.Expr, ...], table: SymbolTable) -> str:
    shown = ", ".join(sp.latex(a, symbol_names=table.latex) for a in args)
    if len(orders) == 1:
        return f"{name}{chr(39) * orders[0]}({shown})"
    marks = "".join(f"\\partial_{{{k + 1}}}" * m for k, m in enumerate(orders))
    return f"{marks}{name}({shown})"


def to_jets(values: tuple[sp.Basic, ...], table: SymbolTable, found: dict[sp.Symbol, Jet]) -> tuple[sp.Basic, ...]:
    """``values`` with every g⁽ᵏ⁾(u) of an undefined g replaced by its jet symbol (recorded in ``found``)."""

    def rebuild(e: sp.Basic) -> sp.Basic:
        if not e.args:
            return e
        jet = _jet_of(e, table)
        if jet is not None:
            name, orders, args = jet
            args = tuple(sp.expand(rebuild(a)) for a in args)  # g(w·g(z) + b): the inner value is a jet too
            sym = table.get(_display(name, orders, args, table))
            table.base[sym] = name
            found[sym] = Jet(name, orders, args)
            return sym
        if not e.has(AppliedUndef):
            return e
        return e.func(*[rebuild(a) for a in e.args])

    out = []
    for v in values:
        v = v.applyfunc(rebuild) if isinstance(v, sp.MatrixBase) else rebuild(v)
        if has_unknown(v):
            raise ValueError("an undefined function left after reading its jets")
        out.append(v)
    return tuple(out)


def _meet(x: sp.Expr, y: sp.Expr) -> bool:
    """Whether two arguments are one point: equal to 30 digits, or (holding names the point leaves free, which
    can still be chosen) equal as expressions."""
    d = sp.expand(x - y)
    if d.free_symbols:
        return d == 0
    return bool(abs(sp.N(d, 30)) <= sp.Float("1e-25", 30) * (1 + abs(sp.N(x, 30))))


def repair(jets: dict[sp.Symbol, Jet], symbols: list[sp.Symbol], values: list[Fraction]) -> list[Fraction]:
    """``values`` with each jet that meets an earlier one of its function and order (its arguments equal there,
    however they are written: g(σ(x)) and g(1 − σ(−x))) given that one's value — what every function has."""
    out = list(values)
    index = {s: k for k, s in enumerate(symbols)}
    for _ in range(4):  # a jet's argument may hold another jet (f(f(x))): until nothing changes
        subs = {s: sp.Rational(v.numerator, v.denominator) for s, v in zip(symbols, out)}
        placed: list[tuple[Jet, tuple[sp.Expr, ...], Fraction]] = []
        changed = False
        for sym, jet in jets.items():
            if sym not in index:
                continue
            at = tuple(a.xreplace(subs) for a in jet.args)
            for other, other_at, value in placed:
                same = (other.function, other.orders) == (jet.function, jet.orders)
                if same and all(_meet(x, y) for x, y in zip(at, other_at)):
                    if out[index[sym]] != value:
                        out[index[sym]] = value
                        changed = True
                    break
            placed.append((jet, at, out[index[sym]]))
        if not changed:
            return out
    return out


def _function_of(sym: sp.Symbol, jets: dict[sp.Symbol, Jet], gradients: dict[sp.Symbol, str]) -> str:
    return jets[sym].function if sym in jets else gradients[sym]


def jets_rule(sides: tuple[list[sp.Expr], ...], jets: dict[sp.Symbol, Jet], gradients: dict[sp.Symbol, str]) -> bool:
    """Whether both sides only relate derivatives of undefined functions (chain rules): every term a product
    with a first-or-higher derivative of one (a jet of order ≥ 1, or an undefined loss's gradient), no value
    of one (order 0), at most one factor per function, and neither side 0. A step of that form false for a
    generic function is false for the author's; one that needs the function's form (g' = g(1 − g)) is not."""
    values = {s for s, jet in jets.items() if jet.order == 0}
    firsts = {s for s, jet in jets.items() if jet.order >= 1} | set(gradients)
    for side in sides:
        if all(e == 0 for e in side):
            return False  # ∂C/∂y = 0: that C does not depend on y is a claim about C itself
        for e in side:
            e = sp.expand(e)
            if e.free_symbols & values:
                return False
            for term in sp.Add.make_args(e):
                if term == 0:
                    continue
                powers = term.as_powers_dict()
                present = [s for s in term.free_symbols if s in firsts]
                if not present:
                    return False
                per: dict[str, int] = {}
                for s in present:
                    exponent = powers.get(s)
                    if exponent is None or not (exponent.is_Integer and exponent > 0):  # s under a root, a norm…
                        return False
                    name = _function_of(s, jets, gradients)
                    per[name] = per.get(name, 0) + int(exponent)
                if any(k > 1 for k in per.values()):
                    return False
    return True
