"""Certified numbers: both sides of a step at one exact point in mpmath interval arithmetic.

Each entry of left − right is an interval that contains the true difference; an interval without 0
certifies a difference, agreement needs the interval narrow relative to the sides. What a
lambdified side may call comes from the vocabulary (`Vocabulary.interval_namespace`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from fractions import Fraction

import mpmath
import sympy as sp
from mpmath import iv
from mpmath.libmp.libmpf import ComplexResult

from derivations.notation.vocabulary import VOCABULARY

START_BITS = 96
MAX_BITS = 1 << 14
#: Everything the lambdified sides may call, as rigorous interval functions (outward rounding).
IV_NAMESPACE = VOCABULARY.interval_namespace()


class Point(Enum):
    """What the comparison at one point found."""

    EQUAL = "equal"
    DIFFERENT = "different"
    UNDEFINED = "undefined"
    UNDECIDED = "undecided"


def lambdify_sides(symbols: list[sp.Symbol], entries: list[sp.Expr]) -> Callable:
    """The entries as one function of the symbols, in interval arithmetic."""
    return sp.lambdify(symbols, entries, modules=[IV_NAMESPACE])


@dataclass
class PointResult:
    status: Point
    component: int | None = None
    left: mpmath.mpf | None = None
    right: mpmath.mpf | None = None


def _finite(v: object) -> bool:
    return isinstance(v, iv.mpf) and mpmath.isfinite(v.a) and mpmath.isfinite(v.b)


def compare_at(fn: Callable, count: int, values: list[Fraction]) -> PointResult:
    """Equal, different (certified), undefined, or undecided at one exact point, in interval arithmetic.

    At each precision (96 bits, doubled up to 2¹⁴) every entry of left − right is an interval that
    contains the true difference. An interval without 0 certifies a difference; one that contains 0 and
    is narrower than 2^-(bits-24) of the sides' magnitude is agreement to that many bits; sides that
    are both within 2^-(bits/2) of 0 (from 192 bits on) agree as zero, where relative agreement means
    nothing.
    """
    saved = iv.prec
    bits = START_BITS
    try:
        while bits <= MAX_BITS:
            iv.prec = bits
            try:
                out = fn(*[iv.mpf(v.numerator) / v.denominator for v in values])
            except ComplexResult:
                return PointResult(Point.UNDEFINED)  # outside the real domain (log of a negative number …)
            except (ZeroDivisionError, ValueError, OverflowError, TypeError, NameError):
                return PointResult(Point.UNDEFINED)
            settled = True
            defined = False
            for k in range(count):
                a, b = out[k], out[count + k]
                a = a if isinstance(a, iv.mpf) else iv.mpf(a)
                b = b if isinstance(b, iv.mpf) else iv.mpf(b)
                if not (_finite(a) and _finite(b)):
                    settled = False
                    continue
                d = a - b
                if d.a > 0 or d.b < 0:
                    return PointResult(Point.DIFFERENT, k, mpmath.mpf(a.mid.a), mpmath.mpf(b.mid.a))
                defined = True
                scale = max(abs(a.a), abs(a.b), abs(b.a), abs(b.b))
                tiny = mpmath.ldexp(1, -(bits // 2))
                if d.delta.b > scale * mpmath.ldexp(1, -(bits - 24)) and not (bits > START_BITS and scale <= tiny):
                    settled = False  # neither agreement to bits − 24 bits nor both sides 0 to bits/2 bits
            if settled and defined:
                return PointResult(Point.EQUAL)
            bits *= 2
        return PointResult(Point.UNDEFINED if not defined else Point.UNDECIDED)
    finally:
        iv.prec = saved
