"""Test the testers: wrong gradients and wrong claims must fail, with a message that names them."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import sympy as sp

import numeric
from derivations.identities import get
from derivations.identities.identity import CheckKind, Part, Target
from derivations.notation.functions import sigmoid
from derivations.verify.crosscheck import run_check
from derivations.verify.run import prove_part


def _with_candidate(name: str, kind_index: int, candidate):
    identity = get(name)
    check = identity.checks[kind_index]
    assert check.kind is CheckKind.WITNESS
    return identity, dataclasses.replace(check, against="deliberately wrong", candidate=candidate)


@pytest.mark.parametrize(
    ("name", "index", "candidate"),
    [
        # σ(1 + σ) instead of σ(1 − σ)
        ("sigmoid-derivative", 1, lambda c: numeric.sigmoid(c.values["x"]) * (1 + numeric.sigmoid(c.values["x"]))),
        # the textbook s(1 − s): right algebra, 0 for x ≥ 37 (caught at the extremes the domain includes)
        ("sigmoid-derivative", 1, lambda c: numeric.sigmoid(c.values["x"]) * (1 - numeric.sigmoid(c.values["x"]))),
        # y − ŷ instead of ŷ − y
        ("ce-softmax-gradient", 1, lambda c: c.values["y"] - numeric.softmax(c.values["theta"])),
        # the Jacobian without its −S_iS_j term
        ("softmax-jacobian", 1, lambda c: np.diag(numeric.softmax(c.values["theta"]))),
        # a missing factor 2 in dMSE/dW
        (
            "mse-layer-gradients",
            1,
            lambda c: np.concatenate(
                [
                    np.ravel(g) / 2
                    for g in numeric.mse_layer_grads(c.values["x"], c.values["y"], c.values["W"], c.values["b"])
                ]
            ),
        ),
    ],
    ids=["sigma(1+sigma)", "s(1-s)-saturates", "y-minus-yhat", "missing-SiSj", "missing-factor-2"],
)
def test_wrong_witness_fails_with_a_message_naming_it(name: str, index: int, candidate) -> None:
    identity, check = _with_candidate(name, index, candidate)
    result = run_check(identity.name, check, max_examples=200)
    assert not result.passed
    assert result.message.startswith(f"{name}: deliberately wrong (float64) disagrees with the derived left side")
    assert "tolerance" in result.message and result.worst_input


def test_wrong_claim_is_neither_proved_nor_cross_checked() -> None:
    identity = get("sigmoid-derivative")
    x = sp.Symbol("x", real=True)
    wrong = sigmoid(x) * (1 + sigmoid(x))
    part = Part("wrong", identity.parts()[0].derived, wrong)
    assert not prove_part(part, seconds=5).proved
    target = Target({"x": identity.checks[0].target(1).args["x"]}, part.derived, wrong)
    check = dataclasses.replace(identity.checks[0], target=lambda size: target)
    result = run_check(identity.name, check, max_examples=50)
    assert not result.passed and "claim (lambdified)" in result.message


def test_wrong_derivative_fails_the_finite_difference_checks() -> None:
    """The derived side replaced by a wrong one: both numerical derivatives must object."""
    identity = get("sigmoid-derivative")
    x = sp.Symbol("x", real=True)
    for check in identity.checks[2:]:
        target = Target({"x": check.target(1).args["x"]}, sigmoid(x) ** 2, sigmoid(x) ** 2)
        wrong = dataclasses.replace(check, target=lambda size, t=target: t)
        result = run_check(identity.name, wrong, max_examples=50)
        assert not result.passed, check.against


def test_witness_that_warns_is_reported() -> None:
    def noisy(c):
        with np.errstate(over="warn"):
            return 1 / (1 + np.exp(-c.values["x"])) * (1 - 1 / (1 + np.exp(-c.values["x"])))

    identity, check = _with_candidate("sigmoid-derivative", 1, noisy)
    result = run_check(identity.name, check, max_examples=200)
    assert not result.passed
