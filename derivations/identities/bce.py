"""∂BCE(y, σ(h))/∂h = σ(h) − y, the binary twin of ŷ − y, and BCE's stable form through log σ."""

from __future__ import annotations

import numpy as np
import sympy as sp
from hypothesis import strategies as st

import numeric
from derivations.identities._common import cached_target, claim_check, derivative_checks, scalar, witness_check
from derivations.identities.identity import Case, Identity, Part, Target, Unit
from derivations.identities.strategies import reals
from derivations.notation.functions import sigmoid
from numeric.activations import bce_with_logits

h, y = sp.Symbol("h", real=True), sp.Symbol("y", real=True)
SIGMA = 1 / (1 + sp.exp(-h))
#: BCE(y, ŷ) = −y log ŷ − (1 − y) log(1 − ŷ) at ŷ = σ(h), σ by its definition.
BCE = -y * sp.log(SIGMA) - (1 - y) * sp.log(1 - SIGMA)
DERIVED = sp.diff(BCE, h)
CLAIMED = sigmoid(h) - y
#: The stable form: −log σ(h) = log(1 + e^{−h}) = softplus(−h), −log σ(−h) = softplus(h).
STABLE = y * sp.log(1 + sp.exp(-h)) + (1 - y) * sp.log(1 + sp.exp(h))

LABELS = st.one_of(st.sampled_from([0.0, 1.0]), st.integers(0, 2**20).map(lambda i: i / 2**20))
CASES = st.tuples(reals(max_abs=700.0), LABELS).map(lambda t: Case(1, {"h": np.float64(t[0]), "y": np.float64(t[1])}))


@cached_target
def _target(size: int) -> Target:
    return Target({"h": scalar("h"), "y": scalar("y")}, DERIVED, CLAIMED)


def _forward(case: Case) -> tuple:
    label = case.values["y"]
    return (lambda v: bce_with_logits(v, label)), np.asarray(case.values["h"], dtype=np.float64), True


BCE_SIGMOID_GRADIENT = Identity(
    name="bce-sigmoid-gradient",
    statement="∂BCE(y, σ(h))/∂h = σ(h) − y; BCE(y, σ(h)) = y·log(1 + e^{−h}) + (1 − y)·log(1 + e^{h})",
    source="beyond the notes: logistic regression's loss",
    assumptions=("h real", "y ∈ [0, 1]"),
    notation=(
        r"\frac{\partial}{\partial h} \left(-y \log \sigma(h) - (1 - y) \log(1 - \sigma(h))\right) = \sigma(h) - y",
    ),
    parts=lambda: [
        Part("∂BCE/∂h = σ(h) − y", DERIVED, CLAIMED),
        Part("BCE = y softplus(−h) + (1 − y) softplus(h) (the stable form)", BCE, STABLE),
    ],
    derivation=lambda: [
        ("definition, σ by its definition", sp.Eq(sp.Symbol("BCE"), BCE)),
        ("differentiate", sp.Eq(sp.Derivative(sp.Symbol("BCE"), h), DERIVED)),
        ("the claim", sp.Eq(CLAIMED, CLAIMED.rewrite(sp.exp))),
        ("the stable form", sp.Eq(sp.Symbol("BCE"), STABLE)),
    ],
    checks=(
        claim_check(CASES, _target),
        witness_check(
            "bce_sigmoid_grad",
            CASES,
            _target,
            lambda c: numeric.bce_sigmoid_grad(c.values["h"], c.values["y"]),
            unit=Unit.EPS,
            tolerance=2.0,
            reason="absolute: (1 − y)σ(h) − yσ(−h), two σ ≤ 0.75ε each, products and difference ≤ ε/2 each",
        ),
        *derivative_checks("numeric.bce_with_logits (log σ form)", CASES, _target, _forward),
    ),
)
