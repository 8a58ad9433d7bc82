"""Steps in which a size n is a number as well as a length: never proved from a few sizes alone.

A difference such as (n − 2)(n − 3)(n − 4) vanishes at the sizes a step is proved at (n = 2, 3, 4) and
at no other: such a step is `wrong`, found at a larger size. A true one is `proved` only by an argument
for every n — summed in closed form (no vector in it), or with the number n read as any value — and is
else `numeric`. Every expected verdict is judged by hand beside it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from derivations.check.closed import closed_form, equal_for_every_size, size_symbol
from derivations.check.environment import Environment
from derivations.notation.parser import parse_expression
from tests.derivations.helpers import check_text, displays, verdicts

VECTORS = (
    r"Let $\mathbf{x} \in \mathbb{R}^n$ and $\mathbf{s} = \operatorname{softmax}(\mathbf{z})$, "
    r"$\mathbf{z} \in \mathbb{R}^n$."
)


def one(tmp_path: Path, *rows: str, prose: str = "") -> list[str]:
    text = (prose + "\n\n" if prose else "") + displays(*rows)
    return verdicts(check_text(tmp_path, text))


def side(text: str) -> sp.Expr | None:
    return closed_form(parse_expression(text), Environment())


# -- closed forms of the sizes alone


def test_a_sum_of_a_polynomial_in_its_index_is_summed_in_closed_form() -> None:
    n = size_symbol("n")
    got = side(r"\sum_{i=1}^{n} i^2")
    assert got is not None and sp.expand(got - sum(sp.Integer(k) ** 2 for k in range(1, 6))).subs(n, 5) == 0
    assert sp.expand(side(r"\sum_{i=0}^{n-1} 2^i") - (2**n - 1)) == 0  # a geometric sum: no polynomial
    assert sp.simplify(side(r"\prod_{i=1}^{n} i") - sp.factorial(n)) == 0


@pytest.mark.parametrize("text", [r"\sum_{i=1}^{n} x_i", r"\sum_{i=1}^{n} a i", r"\sum_i i", r"\sigma(n)"])
def test_a_side_with_anything_but_numbers_sizes_and_sum_indices_has_no_closed_form(text: str) -> None:
    assert side(text) is None  # a family, a variable, a sum without bounds, a function


def test_closed_forms_that_differ_by_a_polynomial_vanishing_at_small_n_are_not_equal() -> None:
    env = Environment()
    exact = parse_expression(r"\frac{n(n+1)}{2}")
    planted = parse_expression(r"\frac{n(n+1)}{2} + (n-2)(n-3)(n-4)")
    total = parse_expression(r"\sum_{i=1}^{n} i")
    assert equal_for_every_size(total, exact, env)
    assert not equal_for_every_size(total, planted, env)


@settings(max_examples=25, deadline=None)
@given(
    a=st.integers(-3, 3),
    b=st.integers(-3, 3),
    roots=st.lists(st.integers(2, 5), min_size=1, max_size=3, unique=True),
)
def test_property_a_planted_term_vanishing_at_the_proof_sizes_never_makes_a_sum_equal(
    a: int, b: int, roots: list[int]
) -> None:
    """Σ_{i=1}^{n} (a·i + b) = a·n(n+1)/2 + b·n, and adding Π (n − r) over r in ``roots`` breaks it."""
    env = Environment()
    total = parse_expression(rf"\sum_{{i=1}}^{{n}} ({a} i + {b})")
    exact = parse_expression(rf"{a} \cdot \frac{{n(n+1)}}{{2}} + {b} n")
    planted = parse_expression(
        exact_text := rf"{a} \cdot \frac{{n(n+1)}}{{2}} + {b} n + " + "".join(f"(n-{r})" for r in roots)
    )
    assert equal_for_every_size(total, exact, env)
    assert not equal_for_every_size(total, planted, env), exact_text


# -- the checker's verdicts


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (r"\sum_{i=1}^{n} i = \frac{n(n+1)}{2}", "proved"),  # Faulhaber
        (r"\sum_{i=1}^{n} i^2 = \frac{n(n+1)(2n+1)}{6}", "proved"),
        (r"\sum_{i=1}^{n} i^2 = \frac{n(n+1)(2n+1)}{6} + (n-2)(n-3)(n-4)", "wrong"),  # 55 ≠ 61 at n = 5
        (r"\prod_{i=1}^{n} i = n(n-1)", "wrong"),  # 24 ≠ 12 at n = 4
        (r"\sum_{i=1}^{n} i = 3(n - 1)", "wrong"),  # 10 ≠ 9 at n = 4
        (r"\sum_{i=0}^{n-1} 2^i = n^2 - n + 1", "wrong"),  # 15 ≠ 13 at n = 4
        (r"\sum_{i=0}^{n-1} 2^i = 2^n - 1", "proved"),
        (r"\sum_{i=1}^{n} \frac{1}{n} = 1", "proved"),
        (r"\prod_{i=1}^{n} i = n!", "proved"),  # the factorial, written n!
        (r"\prod_{i=1}^{n} 2i = 2^n \, n!", "proved"),
        (r"\prod_{i=1}^{n} i = (n-1)!", "wrong"),  # 2 ≠ 1 at n = 2
    ],
)
def test_a_step_about_the_size_alone(tmp_path: Path, row: str, expected: str) -> None:
    assert one(tmp_path, row) == [expected]


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        # (n−2)(n−3)(n−4)·x_1² is 0 at n = 2, 3, 4 and 6x_1² at n = 5
        (r"\mathbf{x}^\top\mathbf{x} = \sum_{i=1}^{n} x_i^2 + (n-2)(n-3)(n-4)\, x_1^2", "wrong"),
        (r"\sum_{i=1}^{n} s_i = 1 + (n - 2)(n - 3)(n - 4)(n - 5)(n - 6)", "wrong"),  # 121 at n = 7
        (r"\sum_{i=1}^{n} (s_i - 1) = 1 - n", "proved"),  # 1 − n for every value of n: the −1 counted
        (r"\frac{1}{n}\sum_{i=1}^{n} x_i^2 = \frac{\mathbf{x}^\top\mathbf{x}}{n}", "proved"),  # n read as any number
        (r"\sum_{i=1}^{n} \left(x_i - \frac{1}{n}\sum_{j=1}^{n} x_j\right) = 0", "proved"),
    ],
)
def test_a_step_with_vectors_and_the_size_as_a_number(tmp_path: Path, row: str, expected: str) -> None:
    assert one(tmp_path, row, prose=VECTORS) == [expected]


def test_a_true_step_that_holds_only_with_n_the_length_is_evidence_not_proof(tmp_path: Path) -> None:
    # Σ (x_i − x̄)² = Σ x_i² − n x̄², x̄ = (1/n) Σ x_j: true, but at each size only with the number n equal to the
    # length (−2S²/n + kS²/n² = −S²/n needs k = n), and no argument here reaches every n
    prose = VECTORS + r" Let $\bar{x} = \frac{1}{n}\sum_{j=1}^{n} x_j$."
    d = check_text(
        tmp_path, prose + "\n\n" + displays(r"\sum_{i=1}^{n} (x_i - \bar{x})^2 = \sum_{i=1}^{n} x_i^2 - n\bar{x}^2")
    )
    assert verdicts(d) == ["numeric"] and "not one for every n" in d.steps[0].reason
    d = check_text(
        tmp_path, prose + "\n\n" + displays(r"\sum_{i=1}^{n} (x_i - \bar{x})^2 = \sum_{i=1}^{n} x_i^2 - (n-1)\bar{x}^2")
    )
    assert verdicts(d) == ["wrong"]


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        # the index as a number: (i−1)(i−2)(i−3) is 0 for i ≤ 3 and 6 at i = 4
        (r"\sum_{i=1}^{n} (i-1)(i-2)(i-3) x_i = 0", "wrong"),
        (r"\sum_{i=1}^{n} i^3 x_i = \sum_{i=1}^{n} (6i^2 - 11i + 6) x_i", "wrong"),  # equal weights for i ≤ 3 only
        # 8 ≠ 7 at i = 4
        (r"\sum_{i=1}^{n} 2^{i-1} x_i = \sum_{i=1}^{n} \left(\frac{i(i-1)}{2} + 1\right) x_i", "wrong"),
        (r"\sum_{i=1}^{n} i x_i = \sum_{i=1}^{n} x_i + \sum_{i=1}^{n} (i - 1) x_i", "numeric"),  # true, term by term
    ],
)
def test_a_step_with_an_index_as_a_number(tmp_path: Path, row: str, expected: str) -> None:
    assert one(tmp_path, row, prose=VECTORS) == [expected]


@pytest.mark.parametrize(
    ("prose", "row"),
    [
        # every named size is moved at the larger sizes, not n alone: m = 5 shows the planted 6
        (r"Let $\mathbf{x} \in \mathbb{R}^m$.", r"\sum_{i=1}^{m} x_i = \sum_{j=1}^{m} x_j + (m-2)(m-3)(m-4)"),
        (
            r"Let $X \in \mathbb{R}^{N \times d}$, $\mathbf{w} \in \mathbb{R}^d$.",
            r"\frac{1}{N} X^\top X \mathbf{w} = \frac{1}{N} X^\top X \mathbf{w} + (N-2)(N-3)(N-4)(N-5)\mathbf{w}",
        ),
    ],
)
def test_a_planted_polynomial_in_a_size_other_than_n_is_found(tmp_path: Path, prose: str, row: str) -> None:
    assert one(tmp_path, row, prose=prose) == ["wrong"]


@pytest.mark.parametrize(
    "row",
    [
        r"\sum_{i=1}^{n} i = \frac{n(n+1)}{2} + (n-2)(n-3)(n-4)(n-5)(n-6)(n-7)(n-8)(n-9)",  # 55 vs 40375 at n = 10
        r"\prod_{i=1}^{n} \frac{i+1}{i} = n + 1 + (n-1)(n-2)(n-3)(n-4)(n-5)(n-6)(n-7)(n-8)(n-9)",
    ],
)
def test_closed_forms_that_differ_give_the_size_of_a_counterexample(tmp_path: Path, row: str) -> None:
    d = check_text(tmp_path, displays(row))
    found = re.search(r"for n = (\d+)", d.steps[0].reason)
    assert verdicts(d) == ["wrong"] and found is not None
    assert int(found.group(1)) not in range(2, 10)  # 1 or 10: at no size the checks try, the closed forms say where
