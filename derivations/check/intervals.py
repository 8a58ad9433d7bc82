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
from functools import lru_cache

import mpmath
import sympy as sp
from mpmath import iv
from mpmath.libmp.libmpf import ComplexResult, finf, fnan, fninf
from sympy.printing.pycode import PythonCodePrinter

from derivations.notation.vocabulary import VOCABULARY

START_BITS = 96
MAX_BITS = 1 << 14
#: Agreement at a precision: left − right known to within 2^-72 of the sides' magnitude.
AGREE_BITS = 72
#: 2^-AGREE_BITS, exactly (ldexp rounds nothing).
_AGREE = mpmath.ldexp(1, -AGREE_BITS)
#: Where the climb stops while both sides still straddle 0 (a true zero never settles: it stays undecided).
ZERO_BITS = 1 << 12
#: The precision the first agreeing points of a step must also agree at (saturation: σ(x² + 100) = 1).
CONFIRM_BITS = 1 << 12
#: Everything the lambdified sides may call, as rigorous interval functions (outward rounding).
IV_NAMESPACE = VOCABULARY.interval_namespace()
#: The precision one side alone is evaluated at in complex numbers, and how far from real its value must be.
SIDE_BITS = 256
#: |Im| above 2^-128 of the value's magnitude is not rounding (at 256 bits rounding leaves about 2^-250).
NOT_REAL_BITS = 128
_NOT_REAL = mpmath.ldexp(1, -NOT_REAL_BITS)


class Point(Enum):
    """What the comparison at one point found."""

    EQUAL = "equal"
    DIFFERENT = "different"
    UNDEFINED = "undefined"
    NOT_REAL = "not real"  # a side left the real numbers (log or root of a negative number)
    UNDECIDED = "undecided"


def lambdify_sides(symbols: list[sp.Symbol], entries: list[sp.Expr]) -> Callable:
    """The entries as one function of the symbols, in interval arithmetic; for the same entries again (a step
    decided again: in another reading, against the line before a wrong one) the function made before, which
    keeps no state."""
    return _lambdified(tuple(symbols), tuple(entries))


class _IntervalPrinter(PythonCodePrinter):
    """Python code in which every number is exact: a rational p/q is ``mpf(p)/mpf(q)``, an interval around p/q
    (Python's ``1/3`` is a float, 2^-55 off: a difference certified where there is none), and a SymPy Float its
    own binary value."""

    def _print_Rational(self, expr: sp.Rational) -> str:  # noqa: N802 (the name SymPy dispatches on)
        return f"mpf({expr.p})/mpf({expr.q})"

    _print_Half = _print_Rational  # noqa: N815

    def _print_Float(self, expr: sp.Float) -> str:  # noqa: N802
        return self._print_Rational(sp.Rational(expr))  # its binary value, exactly


@lru_cache(maxsize=256)
def _lambdified(symbols: tuple[sp.Symbol, ...], entries: tuple[sp.Expr, ...]) -> Callable:
    """The function of `lambdify_sides`: ``cse`` computes each σ(…) once per point; ``docstring_limit=0`` makes no
    docstring with the expression printed in it, which nobody reads and which cost as much as the code
    generation itself (the function is the same)."""
    printer = _IntervalPrinter({"fully_qualified_modules": False, "inline": True, "allow_unknown_functions": True,
                                "user_functions": {name: name for name in IV_NAMESPACE}})  # fmt: skip
    return sp.lambdify(list(symbols), list(entries), modules=[IV_NAMESPACE], printer=printer, cse=True,
                       docstring_limit=0)  # fmt: skip


@dataclass
class PointResult:
    status: Point
    component: int | None = None
    left: mpmath.mpf | None = None
    right: mpmath.mpf | None = None
    difference: mpmath.mpf | None = None  # left − right, at the precision that certified it


#: The endpoints an interval that is not finite has (``mpmath.isfinite`` of ``v.a`` or ``v.b`` is False).
_NOT_FINITE = (finf, fninf, fnan)


def _finite(v: object) -> bool:
    """Whether ``v`` is an interval with both endpoints finite (read off its endpoints: ``mpmath.isfinite(v.a)``
    converts each endpoint to a number first, the larger part of a point's comparison)."""
    if not isinstance(v, iv.mpf):
        return False
    lo, hi = v._mpi_
    return lo not in _NOT_FINITE and hi not in _NOT_FINITE


def compare_at(
    fn: Callable, count: int, values: list[Fraction], *, confirm_bits: int = 0, zero_bits: int = ZERO_BITS
) -> PointResult:
    """Equal, different (certified), undefined, or undecided at one exact point, in interval arithmetic.

    At each precision (96 bits, doubled up to `MAX_BITS`) every entry of left − right is an interval
    that contains the true difference. An interval without 0 certifies a difference. One that contains
    0 and is narrower than 2^-72 of the sides' magnitude is agreement at that precision — but
    it counts only if it survives a large increase of precision: the point is evaluated again at
    4× the bits (and at least ``confirm_bits``) and must agree there too, else the difference found
    there is certified. σ(100) and 1 agree to 96 bits and differ by 2^-144: that is how it is seen.
    Sides near 0 are never equal by being small: a zero must come out exactly, or the point stays
    undecided (σ(200)(1 − σ(200)) is 1e-87, not 0); while both sides' intervals still contain 0 the
    precision climbs to ``zero_bits`` only (a difference of magnitude below 2^-zero_bits is not seen).
    """
    saved = iv.prec
    bits = START_BITS
    agreed_at = 0
    defined = False
    try:
        while bits <= MAX_BITS:
            iv.prec = bits
            try:
                out = fn(*[iv.mpf(v.numerator) / v.denominator for v in values])
            except ComplexResult:
                return PointResult(Point.NOT_REAL)  # outside the real domain (log of a negative number …)
            except (ZeroDivisionError, ValueError, OverflowError, TypeError, NameError):
                return PointResult(Point.UNDEFINED)
            settled = True
            both_around_zero = True  # every unsettled entry: both sides' intervals contain 0
            for k in range(count):
                a, b = out[k], out[count + k]
                a = a if isinstance(a, iv.mpf) else iv.mpf(a)
                b = b if isinstance(b, iv.mpf) else iv.mpf(b)
                if not (_finite(a) and _finite(b)):
                    settled = False
                    continue
                d = a - b
                if d.a > 0 or d.b < 0:
                    with mpmath.workprec(bits):
                        values_at = (mpmath.mpf(a.mid.a), mpmath.mpf(b.mid.a), mpmath.mpf(d.mid.a))
                    return PointResult(Point.DIFFERENT, k, *values_at)
                defined = True
                scale = max(abs(a.a), abs(a.b), abs(b.a), abs(b.b))
                if d.delta.b > scale * _AGREE:
                    settled = False  # not agreement to AGREE_BITS bits (a width of exactly 0 always agrees)
                    both_around_zero &= a.a <= 0 <= a.b and b.a <= 0 <= b.b
            if settled and defined:
                if agreed_at and bits >= max(4 * agreed_at, confirm_bits):
                    return PointResult(Point.EQUAL)
                agreed_at = agreed_at or bits
                bits = min(max(4 * agreed_at, confirm_bits), MAX_BITS) if bits < MAX_BITS else 2 * bits
                continue
            if both_around_zero and bits >= zero_bits:
                break
            bits *= 2
        if agreed_at and defined:
            return PointResult(Point.EQUAL)  # agreed at the highest precision there is
        return PointResult(Point.UNDEFINED if not defined else Point.UNDECIDED)
    finally:
        iv.prec = saved


@dataclass(frozen=True)
class OneSided:
    """At a point, one side of entry ``component`` is a real number and the other is not."""

    component: int
    not_real: str  # "left" or "right"
    value: mpmath.mpf  # the real side's value


def _real_value(z: object) -> tuple[bool, bool]:
    """(finite, real): real when its imaginary part is 0 to `NOT_REAL_BITS` of its magnitude."""
    try:
        z = mpmath.mpmathify(z)
    except (TypeError, ValueError):
        return False, False
    if not mpmath.isfinite(z):
        return False, False
    imag = abs(mpmath.im(z))
    scale = max(abs(z), mpmath.mpf(1))
    return True, imag <= scale * _NOT_REAL


@lru_cache(maxsize=64)
def _complex_lambdified(symbols: tuple[sp.Symbol, ...], entries: tuple[sp.Expr, ...]) -> Callable:
    """The entries as one function in mpmath's numbers (complex where a log or root takes a negative number), made
    once for a step however many of its points leave the real numbers."""
    namespaces = [VOCABULARY.mpmath_namespace(), "mpmath"]
    return sp.lambdify(list(symbols), list(entries), modules=namespaces, docstring_limit=0)


def one_side_not_real(symbols: list[sp.Symbol], left: list[sp.Expr], right: list[sp.Expr],
                      values: list[Fraction]) -> OneSided | None:  # fmt: skip
    """log(z²) = 2 log z at z = −1: the entry whose one side is real (0) and the other is not (2πi), if any.

    Each side alone in mpmath's complex numbers at `SIDE_BITS` bits: a value counts as not real when
    its imaginary part exceeds 2^-`NOT_REAL_BITS` of its magnitude, far above rounding; a side that
    is infinite or fails to evaluate is undefined there, which says nothing (1/x at 0 is no claim).
    """
    with mpmath.workprec(SIDE_BITS):
        try:
            fn = _complex_lambdified(tuple(symbols), tuple(left + right))
            out = fn(*[mpmath.mpf(v.numerator) / v.denominator for v in values])
        except (ZeroDivisionError, ValueError, OverflowError, TypeError, NameError, ArithmeticError):
            return None
        count = len(left)
        for k in range(count):
            (a_finite, a_real), (b_finite, b_real) = _real_value(out[k]), _real_value(out[count + k])
            if a_finite and b_finite and a_real != b_real:
                real = out[k] if a_real else out[count + k]
                return OneSided(k, "right" if a_real else "left", +mpmath.re(mpmath.mpmathify(real)))
    return None
