"""SymPy expressions as numbers: exact (adaptive-precision mpmath) and stable float64 (NumPy).

- `ExactEvaluator` evaluates at increasing precision until two successive results agree to
  far beyond float64 (FINDINGS.md: fixed 50-digit mpmath fakes both agreements and
  disagreements on these identities; adaptive precision does not). Its result is the reference
  every cross-check measures against.
- `FloatEvaluator` lambdifies for NumPy without overflow: σ maps to a stable σ, 1 − σ(u) is
  printed as σ(−u) (lemma (a)), and expressions proved invariant under θ_k → θ_k + c are
  evaluated at θ − max θ, so e^{θ_k} never overflows (logits spread 1e4 included).
- `rounding_scale` is the expression with every sum's terms replaced by their absolute values: the
  classical running bound |fl(E) − E| ≤ γ_N·|E|_abs for an evaluation with N roundings.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property

import mpmath
import numpy as np
import sympy as sp

import numeric
from derivations.functions import sigmoid, to_exp

Symbols = Sequence[sp.Symbol]


def _entries(expr: sp.Basic) -> list[sp.Expr]:
    return list(expr) if isinstance(expr, sp.MatrixBase) else [expr]


def _mp_sigmoid(u: mpmath.mpf) -> mpmath.mpf:
    return 1 / (1 + mpmath.exp(-u))


class ExactEvaluator:
    """expr at a float point, to ~70 significant bits, whatever the cancellation (up to 2¹⁶ bits)."""

    START_BITS = 128
    MAX_BITS = 1 << 16
    AGREE_BITS = 70

    def __init__(self, symbols: Symbols, expr: sp.Basic) -> None:
        self.symbols = list(symbols)
        self.expr = expr
        self._fn = sp.lambdify(self.symbols, _entries(expr), modules=[{"sigmoid": _mp_sigmoid}, "mpmath"],
                               cse=True)

    def __call__(self, values: Sequence[float]) -> list[mpmath.mpf]:
        """The entries of expr (flattened) at ``values`` (floats, taken as exact binary numbers)."""
        bits = self.START_BITS
        with mpmath.workprec(bits):
            previous = self._fn(*[mpmath.mpf(float(v)) for v in values])
        while True:
            bits *= 2
            with mpmath.workprec(bits):
                current = self._fn(*[mpmath.mpf(float(v)) for v in values])
                tol = mpmath.ldexp(1, -self.AGREE_BITS)
                agree = all(abs(a - b) <= tol * abs(b) for a, b in zip(previous, current))
            if agree or bits >= self.MAX_BITS:
                return [mpmath.mpf(c) for c in current]
            previous = current


def shift_invariant(expr: sp.Basic, variables: Symbols) -> bool:
    """True iff expr(θ + c·1) = expr(θ) identically (proved by rewrite(exp) + cancel)."""
    c = sp.Dummy("c", real=True)
    shifted = expr.subs({v: v + c for v in variables}, simultaneous=True)
    diff = shifted - expr
    return all(sp.cancel(sp.expand(to_exp(d), power_exp=True)) == 0 for d in _entries(diff))


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
    """|E|_abs: E with the terms of every sum replaced by their absolute values."""
    return expr.replace(lambda e: isinstance(e, sp.Add), lambda a: sp.Add(*[sp.Abs(t) for t in a.args]))


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
        modules = [{"sigmoid": numeric.sigmoid}, "numpy"]
        self._fn = sp.lambdify(self.symbols, _entries(self.expr), modules=modules, cse=True)

    @cached_property
    def scale(self) -> "FloatEvaluator":
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
