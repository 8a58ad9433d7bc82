"""∂CE(y, softmax θ)/∂θ = ŷ − y for y one-hot and for any probability vector y: note 1 §2; n = 1…8."""

from __future__ import annotations

import numpy as np
import sympy as sp
from hypothesis import strategies as st

import numeric
from derivations.identities._common import (
    NOTE1,
    cached_target,
    claim_check,
    derivative_checks,
    normal_only,
    symbol_vector,
    witness_check,
)
from derivations.identities.general_n import ce_derivation, ce_gradient_parts
from derivations.identities.identity import Case, Identity, Part, Target, Unit
from derivations.identities.softmax import CLAIM_GRID_BITS, softmax_exprs
from derivations.identities.strategies import logit_vectors, probability_vectors
from numeric.softmax import ce_from_logits

SIZES = tuple(range(1, 9))


def gradient_parts(n: int) -> tuple[np.ndarray, np.ndarray, sp.Matrix, sp.Matrix]:
    """(θ, y, derived, claimed): derived_i = ∂/∂θ_i of −Σ_j y_j log S_j by diff; claimed_i = S_i − y_i."""
    theta, y = symbol_vector("theta", n), symbol_vector("y", n)
    s = softmax_exprs(theta)
    ce = -sp.Add(*[y[j] * sp.log(s[j]) for j in range(n)])
    derived = sp.Matrix([sp.diff(ce, t) for t in theta])
    claimed = sp.Matrix([s[i] - y[i] for i in range(n)])
    return theta, y, derived, claimed


def _parts() -> list[Part]:
    parts = []
    for n in SIZES:
        theta, y, derived, claimed = gradient_parts(n)
        soft = {y[-1]: 1 - sp.Add(*y[:-1])}  # the assumption Σ_j y_j = 1
        parts.append(Part(f"∂CE/∂θ, n = {n}, y a probability vector (Σ y = 1)", derived, claimed, soft))
        for k in range(n):
            one_hot = {y[j]: int(j == k) for j in range(n)}
            parts.append(Part(f"∂CE/∂θ, n = {n}, y one-hot at k = {k + 1}", derived, claimed, one_hot))
    return parts


@cached_target
def _target(n: int) -> Target:
    theta, y, derived, claimed = gradient_parts(n)
    return Target({"theta": theta, "y": y}, derived, claimed, shift=("theta",))


def _cases(*, one_hot: bool, grid_bits: int | None = None) -> st.SearchStrategy[Case]:
    label = "one-hot" if one_hot else "soft labels"

    def at_size(n: int) -> st.SearchStrategy[Case]:
        return st.tuples(logit_vectors(size=n, grid_bits=grid_bits), probability_vectors(size=n, one_hot=one_hot)).map(
            lambda ty: Case(n, {"theta": ty[0], "y": ty[1]}, label)
        )

    return st.sampled_from(SIZES).flatmap(at_size)


def _forward(case: Case) -> tuple:
    y = case.values["y"]
    return (lambda theta: ce_from_logits(theta, y)), np.asarray(case.values["theta"], dtype=np.float64), True


def _grad(case: Case) -> np.ndarray:
    return numeric.ce_softmax_grad(case.values["theta"], case.values["y"])


def _derivation() -> list[tuple[str, sp.Basic]]:
    theta, y, derived, claimed = gradient_parts(3)
    soft = {y[-1]: 1 - y[0] - y[1]}
    return [
        (
            "definition (n = 3 shown)",
            sp.Eq(sp.Symbol("CE"), -sp.Add(*[y[j] * sp.log(sp.Symbol(f"S_{j + 1}")) for j in range(3)])),
        ),
        ("differentiate: ∂CE/∂θ_1", sp.Eq(sp.Derivative(sp.Symbol("CE"), theta[0]), derived[0])),
        ("the notes' right side", sp.Eq(sp.Symbol(r"\hat{y}_1") - y[0], claimed[0])),
        (
            "substitute y_3 = 1 − y_1 − y_2, difference",
            sp.Eq(sp.Symbol("Delta"), sp.cancel((derived[0] - claimed[0]).subs(soft))),
        ),
    ]


_ONE_HOT, _SOFT = _cases(one_hot=True), _cases(one_hot=False)

CE_SOFTMAX_GRADIENT = Identity(
    name="ce-softmax-gradient",
    statement="∂CE(y, softmax θ)/∂θ = ŷ − y  (y one-hot, or any probability vector)",
    source=f"note 1 §2, lines 39–83 ({NOTE1})",
    assumptions=("θ real", "y one-hot at k, or y_j ≥ 0 with Σ_j y_j = 1", "n = 1…8 concrete, and symbolic n"),
    notation=(r"\frac{\partial}{\partial \theta_i} \left(-\sum_j y_j \log(S(\theta)_j)\right) = S(\theta)_i - y_i",),
    parts=lambda: [*_parts(), *ce_gradient_parts()],
    derivation=lambda: [*_derivation(), *ce_derivation()],
    checks=(
        claim_check(_cases(one_hot=False, grid_bits=CLAIM_GRID_BITS), _target),
        witness_check(
            "ce_softmax_grad (one-hot)",
            _ONE_HOT,
            _target,
            _grad,
            unit=Unit.ULP,
            tolerance=4.0,
            counts=normal_only,
            reason="the witness's target for one-hot y: ≤ 4 ulp, the k-th included",
        ),
        witness_check(
            "ce_softmax_grad (soft labels)",
            _SOFT,
            _target,
            _grad,
            unit=Unit.EPS,
            tolerance=2.0,
            reason="the witness's target for soft labels: absolute error ≤ 2ε",
        ),
        *derivative_checks("CE∘softmax (log-softmax form)", st.one_of(_ONE_HOT, _SOFT), _target, _forward),
    ),
    sizes=SIZES,
    general_n=True,
)
