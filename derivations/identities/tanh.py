"""tanh'(x) = 1 − tanh²(x), and tanh(x) = 2σ(2x) − 1: beyond the notes, x real."""

from __future__ import annotations

import numpy as np
import sympy as sp

import numeric
from derivations.identities._common import (
    cached_target,
    claim_check,
    derivative_checks,
    normal_only,
    scalar,
    witness_check,
)
from derivations.identities.identity import Case, Identity, Part, Target, Unit
from derivations.identities.strategies import reals
from derivations.notation.functions import sigmoid

SOURCE = "beyond the notes: the tanh activation"
x = sp.Symbol("x", real=True)
#: tanh by its definition; every derivative below is taken of this.
DEFINITION = (sp.exp(x) - sp.exp(-x)) / (sp.exp(x) + sp.exp(-x))
DERIVED = sp.diff(DEFINITION, x)
# tanh'(x) is a normal float64 for |x| ≤ 354; beyond, both sides underflow together.
CASES = reals(max_abs=350.0).map(lambda v: Case(1, {"x": np.float64(v)}))


@cached_target
def _derivative_target(size: int) -> Target:
    return Target({"x": scalar("x")}, DERIVED, 1 - sp.tanh(x) ** 2)


@cached_target
def _relation_target(size: int) -> Target:
    return Target({"x": scalar("x")}, DEFINITION, 2 * sigmoid(2 * x) - 1)


def _forward(case: Case) -> tuple:
    return np.tanh, np.asarray(case.values["x"], dtype=np.float64), True


TANH_DERIVATIVE = Identity(
    name="tanh-derivative",
    statement="tanh'(x) = 1 − tanh²(x)",
    source=SOURCE,
    assumptions=("x real",),
    notation=(r"\frac{d}{dx} \tanh(x) = 1 - \tanh^2(x)",),
    parts=lambda: [Part("d tanh/dx", DERIVED, 1 - sp.tanh(x) ** 2)],
    derivation=lambda: [
        ("definition", sp.Eq(sp.tanh(x), DEFINITION)),
        ("differentiate the definition", sp.Eq(sp.Derivative(sp.tanh(x), x), DERIVED)),
        ("the claim, tanh rewritten to exp", sp.Eq(1 - sp.tanh(x) ** 2, (1 - sp.tanh(x) ** 2).rewrite(sp.exp))),
    ],
    checks=(
        claim_check(CASES, _derivative_target),
        witness_check(
            "tanh_grad",
            CASES,
            _derivative_target,
            lambda c: numeric.tanh_grad(c.values["x"]),
            unit=Unit.ULP,
            tolerance=3.5,
            counts=normal_only,
            reason="4σ'(2x): σ' ≤ 3 ulp where normal, ×4 and 2x exact",
        ),
        *derivative_checks("numpy.tanh", CASES, _derivative_target, _forward),
    ),
)

TANH_SIGMOID_RELATION = Identity(
    name="tanh-sigmoid-relation",
    statement="tanh(x) = 2σ(2x) − 1",
    source=SOURCE,
    assumptions=("x real",),
    notation=(r"\tanh(x) = 2\sigma(2x) - 1",),
    parts=lambda: [Part("tanh = 2σ(2x) − 1", DEFINITION, 2 * sigmoid(2 * x) - 1)],
    derivation=lambda: [
        ("definition", sp.Eq(sp.tanh(x), DEFINITION)),
        ("the claim, σ by its definition", sp.Eq(2 * sigmoid(2 * x) - 1, (2 * sigmoid(2 * x) - 1).rewrite(sp.exp))),
        ("difference", sp.Eq(sp.Symbol("Delta"), sp.cancel(DEFINITION - (2 * sigmoid(2 * x) - 1).rewrite(sp.exp)))),
    ],
    checks=(
        claim_check(CASES, _relation_target),
        witness_check(
            "sigmoid as 2σ(2x) − 1",
            CASES,
            _relation_target,
            lambda c: 2 * numeric.sigmoid(2 * c.values["x"]) - 1,
            unit=Unit.EPS,
            tolerance=2.5,
            reason="absolute: 2·(σ ≤ 1.5 ulp ≤ 0.75ε) + the subtraction's ε/2 (tanh ≈ x near 0 cancels by nature)",
        ),
    ),
)
