"""The soundness classes: each example of a class that went wrong once, with the verdict it must get.

False accepts (a false step called proved or numeric), misses (a stated claim left unchecked) and
false wrongs (a true step called wrong because the notation was misread). Every expected verdict is
judged by hand in the comment beside it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.derivations.helpers import check_text, displays, verdicts


def one(tmp_path: Path, *rows: str, front: str = "") -> list[str]:
    return verdicts(check_text(tmp_path, displays(*rows, front=front)))


# -- saturation: a step about numbers is decided exactly, never by agreement at one precision


@pytest.mark.parametrize(
    "row",
    [
        r"\sigma(100) = 1",  # 1 − σ(100) = 3.7e-44
        r"\tanh(50) = 1",  # 1 − tanh 50 = 7.4e-44
        r"\log(1 + e^{100}) = 100",  # log(1 + e^-100) = 3.7e-44
        r"\sigma(50) = 1",  # 1.9e-22
        r"\sigma(x^2 + 100) = 1",  # false at every x, by ≤ 3.7e-44
    ],
)
def test_saturation_false_by_a_tiny_amount_is_wrong(tmp_path: Path, row: str) -> None:
    assert one(tmp_path, row) == ["wrong"]


@pytest.mark.parametrize(
    "row",
    [r"1 - \sigma(100) = \sigma(-100)", r"\sigma(0) = \frac{1}{2}", r"\sigma(100) = \frac{1}{1 + e^{-100}}"],
)
def test_saturation_true_constant_steps_are_proved(tmp_path: Path, row: str) -> None:
    assert one(tmp_path, row) == ["proved"]


def test_saturation_the_counterexample_shows_the_difference_when_the_values_print_alike(tmp_path: Path) -> None:
    d = check_text(tmp_path, displays(r"\sigma(100) = 1"))
    assert d.steps[0].reason == "left side 1.0, right side 1.0 (left − right = -3.72e-44)"


# -- cancellation to tiny values: a zero must be certified


@pytest.mark.parametrize(
    "row",
    [r"\sigma(200)(1 - \sigma(200)) = 0", r"1 - \tanh^2(100) = 0"],  # 1.4e-87 and 5.5e-87, not 0
)
def test_cancellation_to_a_tiny_value_is_not_zero(tmp_path: Path, row: str) -> None:
    assert one(tmp_path, row) == ["wrong"]


def test_cancellation_a_true_zero_identity_is_proved_not_numeric(tmp_path: Path) -> None:
    assert one(tmp_path, r"\sigma(x) + \sigma(-x) - 1 = 0") == ["proved"]


def test_cancellation_agreement_far_out_is_still_found(tmp_path: Path) -> None:
    # at x = 529, 1 − σ(x) cancels to 2^-763: equal, once the precision is high enough
    assert one(tmp_path, r"\sigma(x)\sigma(-x) = \sigma(x)(1 - \sigma(x))") == ["proved"]


# -- shapes: a mismatch from names the file never gave a shape is a doubt about the reading


def test_shape_mismatch_from_undeclared_names_is_unchecked(tmp_path: Path) -> None:
    rows = (r"\mathbf{z} = (z_1, z_2, z_3)", r"\mathbf{z} + \mathbf{z} = 2\mathbf{a}")
    d = check_text(tmp_path, displays(*rows))
    assert verdicts(d) == ["definition", "unchecked"] and "declare" in d.steps[-1].reason
