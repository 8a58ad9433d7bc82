"""∂S(θ)_j/∂θ_i = S(θ)_i(δ_ij − S(θ)_j), note 1 lemma (b); for n = 1…8."""

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
from derivations.identities.general_n import jacobian_derivation, softmax_jacobian_parts
from derivations.identities.identity import Case, Identity, Part, Target, Unit
from derivations.identities.strategies import logit_vectors

SIZES = tuple(range(1, 9))
#: Grid for the lambdified claim: θ_k − max θ exact for |θ| < 2²³ (the strategies stay below 3·10⁴).
CLAIM_GRID_BITS = 30


def softmax_exprs(theta: np.ndarray) -> list[sp.Expr]:
    """S(θ)_j = e^{θ_j}/Σ_k e^{θ_k}, as the notes define it."""
    total = sp.Add(*[sp.exp(t) for t in theta])
    return [sp.exp(t) / total for t in theta]


def jacobian_parts(n: int) -> tuple[np.ndarray, sp.Matrix, sp.Matrix]:
    """(θ, derived, claimed): derived[i, j] = ∂S_j/∂θ_i by diff; claimed[i, j] = S_i(δ_ij − S_j)."""
    theta = symbol_vector("theta", n)
    s = softmax_exprs(theta)
    derived = sp.Matrix(n, n, lambda i, j: sp.diff(s[j], theta[i]))
    claimed = sp.Matrix(n, n, lambda i, j: s[i] * (sp.KroneckerDelta(i, j) - s[j]))
    return theta, derived, claimed


@cached_target
def _target(n: int) -> Target:
    theta, derived, claimed = jacobian_parts(n)
    return Target({"theta": theta}, derived, claimed, shift=("theta",))


def logit_cases(grid_bits: int | None = None) -> st.SearchStrategy[Case]:
    """Cases of logit vectors θ at the sizes n = 1…8 (on a grid of 2^-grid_bits if given)."""
    return st.sampled_from(SIZES).flatmap(
        lambda n: logit_vectors(size=n, grid_bits=grid_bits).map(lambda t: Case(n, {"theta": t}))
    )


def _forward(case: Case) -> tuple:
    return numeric.softmax, np.asarray(case.values["theta"], dtype=np.float64), True


def _derivation() -> list[tuple[str, sp.Basic]]:
    theta, derived, claimed = jacobian_parts(3)
    s = softmax_exprs(theta)
    return [
        ("definition (n = 3 shown)", sp.Eq(sp.Symbol("S_2"), s[1])),
        ("differentiate: i = j = 2", sp.Eq(sp.Derivative(sp.Symbol("S_2"), theta[1]), derived[1, 1])),
        ("differentiate: i = 1, j = 2", sp.Eq(sp.Derivative(sp.Symbol("S_2"), theta[0]), derived[0, 1])),
        ("the notes' right side, i = j = 2", sp.Eq(sp.Symbol("S_2") * (1 - sp.Symbol("S_2")), claimed[1, 1])),
        ("difference (every i, j)", sp.Eq(sp.Symbol("Delta"), sp.cancel(derived[1, 1] - claimed[1, 1]))),
    ]


_WITNESS_CASES = logit_cases()

SOFTMAX_JACOBIAN = Identity(
    name="softmax-jacobian",
    statement="∂S(θ)_j/∂θ_i = S(θ)_i(δ_ij − S(θ)_j)",
    source=f"note 1, lemma (b), lines 87–115 ({NOTE1})",
    assumptions=("θ real", "n = 1…8 concrete, and symbolic n (IndexedBase, Sum, KroneckerDelta; 1 ≤ i, j ≤ n)"),
    notation=(r"\frac{\partial S(\theta)_j}{\partial \theta_i} = S(\theta)_i (\delta_{ij} - S(\theta)_j)",),
    parts=lambda: [Part(f"∂S_j/∂θ_i, n = {n}", *jacobian_parts(n)[1:]) for n in SIZES] + softmax_jacobian_parts(),
    derivation=lambda: [*_derivation(), *jacobian_derivation()],
    checks=(
        claim_check(logit_cases(CLAIM_GRID_BITS), _target),
        witness_check(
            "softmax_jacobian",
            _WITNESS_CASES,
            _target,
            lambda c: numeric.softmax_jacobian(c.values["theta"]),
            unit=Unit.ULP,
            tolerance=8.5,
            counts=normal_only,
            reason="normal entries: two factors each ≤ 4 ulp (the softmax target) and the product's ½ ulp",
        ),
        *derivative_checks("numeric.softmax", _WITNESS_CASES, _target, _forward),
    ),
    sizes=SIZES,
    general_n=True,
)
