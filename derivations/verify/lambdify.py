"""SymPy expressions as numbers: exact (adaptive-precision mpmath) and stable float64 (NumPy).

- `ExactEvaluator` evaluates at increasing precision until two successive results agree to
  far beyond float64 (FINDINGS.md: fixed 50-digit mpmath fakes both agreements and
  disagreements on these identities; adaptive precision does not). Its result is the reference
  every cross-check measures against.
- `FloatEvaluator` lambdifies for NumPy without overflow: σ maps to a stable σ, 1 − σ(u) is
  printed as σ(−u) (lemma (a)), and expressions proved invariant under θ_k → θ_k + c are
  evaluated at θ − max θ, so e^{θ_k} never overflows (logits spread 1e4 included).
- Both take what each printed function name stands for from the notation's vocabulary
  (`VOCABULARY.mpmath_namespace()`, `VOCABULARY.numpy_namespace()`), where every function is declared once.
- `rounding_scale` is the expression with every sum's terms replaced by their absolute values: the
  classical running bound |fl(E) − E| ≤ γ_N·|E|_abs for an evaluation with N roundings.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property

import mpmath
import numpy as np
import sympy as sp

from derivations.notation.functions import sigmoid, to_exp
from derivations.notation.vocabulary import VOCABULARY

Symbols = Sequence[sp.Symbol]


def _entries(expr: sp.Basic) -> list[sp.Expr]:
    return list(expr) if isinstance(expr, sp.MatrixBase) else [expr]


class ExactEvaluator:
    """expr at a float point, to ~70 significant bits, whatever the cancellation (up to 2¹⁶ bits)."""

    START_BITS = 128
    MAX_BITS = 1 << 16
    AGREE_BITS = 70
    ZERO_BITS = 1 << 12

    def __init__(self, symbols: Symbols, expr: sp.Basic) -> None:
        self.symbols = list(symbols)
        self.expr = expr
        modules = [VOCABULARY.mpmath_namespace(), "mpmath"]
        self._fn = sp.lambdify(self.symbols, _entries(expr), modules=modules, cse=True)

    def __call__(self, values: Sequence[float]) -> list[mpmath.mpf]:
        """The entries of expr (flattened) at ``values`` (floats, taken as exact binary numbers)."""
        bits = self.START_BITS
        previous = self._at(bits, values)
        while True:
            bits *= 2
            current = self._at(bits, values)
            if previous is not None and current is not None:
                with mpmath.workprec(bits):
                    tol = mpmath.ldexp(1, -self.AGREE_BITS)
                    agree = all(abs(a - b) <= tol * abs(b) for a, b in zip(previous, current))
                # a zero agrees with a zero only once the precision is high: 1 − σ(200) is 0 at 256 bits
                agree &= bits >= self.ZERO_BITS or all(c != 0 for c in current)
            else:
                agree = False
            if (agree or bits >= self.MAX_BITS) and current is not None:
                return list(current)  # at the precision they were computed at, not rounded to 53 bits
            if bits >= self.MAX_BITS:
                raise ZeroDivisionError(f"the expression is undefined at {list(values)} even at {bits} bits")
            previous = current

    def _at(self, bits: int, values: Sequence[float]) -> list | None:
        """The entries at ``bits`` of precision; None where cancellation made a denominator (or log) 0."""
        with mpmath.workprec(bits):
            try:
                return self._fn(*[mpmath.mpf(float(v)) for v in values])
            except (ZeroDivisionError, ValueError):
                return None


def shift_invariant(expr: sp.Basic, variables: Symbols) -> bool:
    """True iff expr(θ + c·1) = expr(θ) identically, decided by homogeneity.

    θ may appear only through e^{θ_k}; with E_k = e^{θ_k}, a shift multiplies every E_k by e^c,
    so the expression is invariant iff it is a homogeneous rational function of degree 0 in E.
    """
    e_syms = [sp.Dummy(f"E_{i}", positive=True) for i in range(len(variables))]
    to_e = {sp.exp(v): e for v, e in zip(variables, e_syms)}
    for entry in _entries(expr):
        rational = sp.expand(to_exp(entry), power_exp=True).subs(to_e)
        rational = rational.replace(lambda a: isinstance(a, sp.Abs), lambda a: sp.Abs(a.args[0]))
        if rational.free_symbols & set(variables):
            return False
        num, den = sp.fraction(sp.together(rational))
        if num == 0:
            continue
        orders = [sp.Poly(part, *e_syms).homogeneous_order() for part in (num, den)]
        if None in orders or orders[0] != orders[1]:
            return False
    return True


def reflect_sigmoid(expr: sp.Basic) -> sp.Basic:
    """Rewrite 1 − σ(u) as σ(−u) wherever a sum holds both terms (lemma (a), no cancellation)."""

    def fix(add: sp.Add) -> sp.Expr:
        terms = list(add.args)
        if sp.S.One not in terms:
            return add
        for t in terms:
            coeff, rest = t.as_coeff_Mul()
            if coeff == -1 and isinstance(rest, sigmoid):
                terms.remove(sp.S.One)
                terms.remove(t)
                return sp.Add(*terms, sigmoid(-rest.args[0]))
        return add

    return expr.replace(lambda e: isinstance(e, sp.Add), fix)


def rounding_scale(expr: sp.Basic) -> sp.Basic:
    """|E|_abs: the magnitudes an evaluation of E combines — sums of |terms|, products of magnitudes.

    Function values (σ, exp, log) are atoms: their own error is relative to their value, and their
    arguments are taken as evaluated exactly (the checks draw inputs for which that holds).
    """
    if isinstance(expr, sp.MatrixBase):
        return expr.applyfunc(rounding_scale)
    if isinstance(expr, sp.Add):
        return sp.Add(*[rounding_scale(t) for t in expr.args])
    if isinstance(expr, sp.Mul):
        return sp.Mul(*[rounding_scale(t) for t in expr.args])
    if isinstance(expr, sp.Pow) and expr.exp.is_Integer:
        return rounding_scale(expr.base) ** expr.exp
    return sp.Abs(expr)


def rounding_count(expr: sp.Basic) -> int:
    """N, the number of arithmetic operations in the largest entry (for γ_N = Nε/(1 − Nε))."""
    return max(int(sp.count_ops(e)) for e in _entries(expr)) + 1


class FloatEvaluator:
    """expr as a stable float64 NumPy function of its symbols (flattened entries out)."""

    def __init__(self, symbols: Symbols, expr: sp.Basic, *, shift: Symbols = ()) -> None:
        self.symbols = list(symbols)
        self.expr = reflect_sigmoid(expr)
        self.shift = [self.symbols.index(s) for s in shift]
        if self.shift and not shift_invariant(self.expr, shift):
            raise ValueError("expression is not invariant under a common shift of the given variables")
        modules = [VOCABULARY.numpy_namespace(), "numpy"]
        self._fn = sp.lambdify(self.symbols, _entries(self.expr), modules=modules, cse=True)

    @cached_property
    def rounding_count(self) -> int:
        """N of γ_N for this expression (counted once, not per evaluation)."""
        return rounding_count(self.expr)

    @cached_property
    def scale(self) -> FloatEvaluator:
        """The evaluator of rounding_scale(expr), for rounding-error tolerances."""
        shift = [self.symbols[i] for i in self.shift]
        return FloatEvaluator(self.symbols, rounding_scale(self.expr), shift=shift)

    def __call__(self, values: Sequence[float]) -> np.ndarray:
        vals = np.array(values, dtype=np.float64)
        if self.shift:
            vals[self.shift] -= np.max(vals[self.shift])
        with np.errstate(all="ignore"):
            out = self._fn(*vals)
        return np.array([np.asarray(o, dtype=np.float64) for o in out], dtype=np.float64)
