"""Deciding one step: points (equal, different, undefined), index patterns, verdicts, rounded values."""

from __future__ import annotations

from fractions import Fraction

import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from derivations.check.decide import decide, rounded_value
from derivations.check.environment import Environment, SymbolTable
from derivations.check.instances import patterns
from derivations.check.intervals import Point, compare_at, lambdify_sides, one_side_not_real
from derivations.notation.functions import sigmoid
from derivations.notation.parser import parse_expression
from derivations.verdict import Verdict

x = sp.Symbol("x", real=True)


def at(left: sp.Expr, right: sp.Expr, point: Fraction):
    return compare_at(lambdify_sides([x], [left, right]), 1, [point])


def test_true_pair_is_equal_where_float64_would_say_different() -> None:
    # σ(x)σ(−x) = σ(x)(1 − σ(x)); at x = 529, 1 − σ(x) is 0 in float64 and even at 96 bits
    assert at(sigmoid(x) * sigmoid(-x), sigmoid(x) * (1 - sigmoid(x)), Fraction(529)).status is Point.EQUAL


@given(st.fractions(min_value=-50, max_value=50, max_denominator=12), st.integers(1, 40), st.integers(1, 40))
def test_a_rational_coefficient_is_exact_in_interval_arithmetic(point: Fraction, p: int, q: int) -> None:
    """(p/q)·σ(x) = p/q − p·e^{−x}/(q(1 + e^{−x})) at every point: p/q is not rounded to a float (1/3 is 2^-55 off
    as one, and a difference was certified between two equal sides)."""
    c = sp.Rational(p, q)
    left = c * sigmoid(x)
    right = c - p * sp.exp(-x) / (q * (1 + sp.exp(-x)))
    assert at(left, right, point).status is Point.EQUAL


def test_a_sympy_float_is_its_own_binary_value_exactly() -> None:
    """0.1 as a SymPy Float is the binary number nearest 1/10: equal to that rational, different from 1/10."""
    binary = sp.Rational(sp.Float(0.1))
    assert at(sp.Float(0.1) * x, binary * x, Fraction(3)).status is Point.EQUAL
    assert at(sp.Float(0.1) * x, sp.Rational(1, 10) * x, Fraction(3)).status is Point.DIFFERENT


def test_false_pair_is_different_with_both_values() -> None:
    res = at(sigmoid(x), sigmoid(x) * (1 - sigmoid(x)), Fraction(0))
    assert res.status is Point.DIFFERENT
    assert res.left == sp.Rational(1, 2) and res.right == sp.Rational(1, 4)


def test_outside_the_domain_is_undefined_not_different() -> None:
    assert at(sp.log(x), sp.log(x), Fraction(-1)).status is Point.NOT_REAL
    assert at(1 / x, 1 / x, Fraction(0)).status is Point.UNDEFINED


def test_one_side_alone_not_real_is_found_and_both_not_real_is_not() -> None:
    # log(x²) = 2 log x at x = −1: the left side is 0, the right side 2πi
    found = one_side_not_real([x], [sp.log(x**2)], [2 * sp.log(x)], [Fraction(-1)])
    assert found is not None and found.not_real == "right" and found.value == 0
    # both sides not real: no claim either way; both real: nothing to find; 1/x at 0: undefined, not "not real"
    assert one_side_not_real([x], [sp.log(x)], [sp.log(x) + 1], [Fraction(-1)]) is None
    assert one_side_not_real([x], [sp.log(x**2)], [2 * sp.log(-x)], [Fraction(-1)]) is None
    assert one_side_not_real([x], [1 / x], [sp.log(x)], [Fraction(0)]) is None


def test_patterns_of_equal_and_distinct_indices_are_the_set_partitions() -> None:
    assert list(patterns(["i", "j"])) == [[0, 0], [0, 1]]
    assert len(list(patterns(["i", "j", "k"]))) == 5  # the Bell number B_3
    assert len(list(patterns(["i", "j", "k", "l"]))) == 15


def decide_text(left: str, right: str, env: Environment | None = None):
    return decide(env or Environment(), SymbolTable(), parse_expression(left), parse_expression(right), seed="t")


def test_a_true_step_is_proved_and_says_how() -> None:
    d = decide_text("\\sigma(x)(1 - \\sigma(x))", "\\frac{e^{-x}}{(1 + e^{-x})^2}")
    assert d.verdict is Verdict.PROVED and d.method


def test_a_false_step_is_wrong_with_a_certified_counterexample() -> None:
    d = decide_text("\\sigma(x)", "\\sigma(x)(1 - \\sigma(x))")
    assert d.verdict is Verdict.WRONG
    ce = d.counterexample
    assert ce is not None and ce.point == {"x": Fraction(0)} and ce.left != ce.right
    assert "at x = 0" in d.reason


def test_an_index_step_is_checked_at_every_assignment() -> None:
    env = Environment(families={"\\theta"}, index_letters={"i", "j"})
    d = decide_text("\\frac{\\partial \\theta_j}{\\partial \\theta_i}", "1", env)
    assert d.verdict is Verdict.WRONG and d.counterexample.indices["i"] != d.counterexample.indices["j"]


def test_a_step_the_evaluator_cannot_read_is_unchecked_with_the_reason() -> None:
    d = decide_text("\\operatorname{softmax}(x)", "1")
    assert d.verdict is Verdict.UNCHECKED and "vector" in d.reason


def test_a_rounded_decimal_is_numeric_when_it_is_the_rounding_and_wrong_otherwise() -> None:
    for written, verdict in (("0.8808", Verdict.NUMERIC), ("0.8809", Verdict.WRONG), ("0.881", Verdict.NUMERIC)):
        left, right = parse_expression("\\sigma(2)"), parse_expression(written)
        d = rounded_value(decide(Environment(), SymbolTable(), left, right, seed="r"), left, right, approx=False)
        assert d.verdict is verdict, written


def test_approx_with_a_rounded_decimal_is_numeric_when_close_enough() -> None:
    left, right = parse_expression("\\sigma(2)"), parse_expression("0.88")
    d = rounded_value(decide(Environment(), SymbolTable(), left, right, seed="r"), left, right, approx=True)
    assert d.verdict is Verdict.NUMERIC
