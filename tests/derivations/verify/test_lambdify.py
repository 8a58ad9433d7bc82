"""Expressions as numbers (`derivations.verify.lambdify`): exact against mpmath, float64 stable at the extremes."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
import sympy as sp

from derivations.notation.functions import sigmoid
from derivations.verify.lambdify import (
    ExactEvaluator,
    FloatEvaluator,
    reflect_sigmoid,
    rounding_count,
    rounding_scale,
    shift_invariant,
)

x, y = sp.symbols("x y", real=True)
theta = sp.symbols("theta_1:4", real=True)


def _softmax(v: tuple[sp.Symbol, ...]) -> sp.Matrix:
    total = sum(sp.exp(t) for t in v)
    return sp.Matrix([sp.exp(t) / total for t in v])


def _mp_sigmoid_grad(v: float) -> mpmath.mpf:
    """σ'(v) at 400 digits, from the definition."""
    with mpmath.workdps(400):
        s = 1 / (1 + mpmath.exp(-mpmath.mpf(v)))
        return s * (1 - s)


SIGMOID_GRAD = {
    "definition": sp.diff(1 / (1 + sp.exp(-x)), x),  # e^{−x}/(1 + e^{−x})²: cancels at both ends
    "σ(x)σ(−x)": sigmoid(x) * sigmoid(-x),  # σ through the vocabulary's mpmath form
}


@pytest.mark.parametrize("form", list(SIGMOID_GRAD))
@pytest.mark.parametrize("point", [-800.0, -30.0, -1.0, 0.0, 0.5, 37.0, 800.0])
def test_exact_evaluator_agrees_with_mpmath(form: str, point: float) -> None:
    """To the last bit of float64 at least, where a float64 evaluation of either form is garbage or 0."""
    (got,) = ExactEvaluator([x], SIGMOID_GRAD[form])([point])
    exact = _mp_sigmoid_grad(point)
    with mpmath.workdps(400):
        assert abs(got - exact) <= mpmath.ldexp(abs(exact), -53)
    assert got > 0  # e^{−800} ≈ 10^{−348}: far below float64, exact all the same


@pytest.mark.parametrize("point", [-800.0, -1.0, 800.0])
def test_exact_evaluator_keeps_the_70_bits_it_computed(point: float) -> None:
    (got,) = ExactEvaluator([x], SIGMOID_GRAD["definition"])([point])
    exact = _mp_sigmoid_grad(point)
    with mpmath.workdps(400):
        assert abs(got - exact) <= mpmath.ldexp(abs(exact), -ExactEvaluator.AGREE_BITS)


@pytest.mark.parametrize("point", [200.0, 800.0])
def test_exact_evaluator_resolves_complete_cancellation(point: float) -> None:
    (got,) = ExactEvaluator([x], sigmoid(x) * (1 - sigmoid(x)))([point])
    assert got > 0


def test_exact_evaluator_raises_where_the_expression_is_undefined() -> None:
    with pytest.raises(ZeroDivisionError, match="undefined"):
        ExactEvaluator([x], 1 / (x - 1))([1.0])


@pytest.mark.parametrize("point", [-800.0, -37.0, 0.0, 3.0, 800.0])
def test_float_evaluator_is_finite_and_accurate_at_large_inputs(point: float) -> None:
    """σ(x)(1 − σ(x)) becomes σ(x)σ(−x) over the stable NumPy σ: no overflow, no cancellation to 0 at x = 37."""
    (got,) = FloatEvaluator([x], sigmoid(x) * (1 - sigmoid(x)))([point])
    exact = float(_mp_sigmoid_grad(point))
    assert np.isfinite(got)
    assert abs(got - exact) <= 4 * np.spacing(exact) if exact else got == 0.0


def test_float_evaluator_shifts_logits_so_softmax_does_not_overflow() -> None:
    logits = [1000.0, 0.0, -1000.0]
    got = FloatEvaluator(theta, _softmax(theta), shift=theta)(logits)
    assert np.all(np.isfinite(got))
    assert got.tolist() == [1.0, 0.0, 0.0]
    unshifted = FloatEvaluator(theta, _softmax(theta))(logits)
    assert not np.all(np.isfinite(unshifted))  # e^{1000} overflows: the shift is what makes it finite


def test_float_evaluator_refuses_a_shift_the_expression_is_not_invariant_under() -> None:
    with pytest.raises(ValueError, match="not invariant"):
        FloatEvaluator(theta, sp.Matrix([sigmoid(theta[0])]), shift=theta)


def test_reflect_sigmoid_rewrites_one_minus_sigma_as_sigma_of_minus_u() -> None:
    u = 2 * x + 1
    assert reflect_sigmoid(1 - sigmoid(u)) == sigmoid(-u)
    assert reflect_sigmoid(sigmoid(x) * (1 - sigmoid(x))) == sigmoid(x) * sigmoid(-x)
    assert reflect_sigmoid(y * (1 - sigmoid(x)) + 1) == y * sigmoid(-x) + 1
    # only 1 − σ(u) itself: 2 − σ(u) and 1 + σ(u) have no such form
    assert reflect_sigmoid(2 - sigmoid(x)) == 2 - sigmoid(x)
    assert reflect_sigmoid(1 + sigmoid(x)) == 1 + sigmoid(x)


def test_rounding_scale_and_count_of_a_small_expression() -> None:
    """|x·y − 1|_abs = |x||y| + 1, from N = 3 roundings (a product, a subtraction, and the result)."""
    expr = x * y - 1
    assert rounding_scale(expr) == sp.Abs(x) * sp.Abs(y) + 1
    assert rounding_scale((x - y) ** 2) == (sp.Abs(x) + sp.Abs(y)) ** 2
    assert rounding_scale(sp.Matrix([x - y, expr])) == sp.Matrix([sp.Abs(x) + sp.Abs(y), sp.Abs(x) * sp.Abs(y) + 1])
    assert rounding_count(expr) == 3
    assert rounding_count(sp.Matrix([x, expr])) == 3  # the largest entry's
    evaluator = FloatEvaluator([x, y], x - y)
    assert evaluator.rounding_count == 2
    assert evaluator.scale([1.0, 1.0]).tolist() == [2.0]  # the magnitudes that cancel, not the difference


def test_shift_invariance_is_decided_by_homogeneity() -> None:
    assert shift_invariant(_softmax(theta), list(theta))
    assert shift_invariant(sp.exp(theta[0] - theta[1]) / 2, list(theta[:2]))
    assert not shift_invariant(sp.Matrix([sigmoid(theta[0])]), list(theta))
    assert not shift_invariant(sp.exp(theta[0]), [theta[0]])
