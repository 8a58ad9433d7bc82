"""∂LSE(θ)/∂θ = softmax(θ), LSE(θ) = log Σ_k e^{θ_k}: n = 1…8 and symbolic n."""

from __future__ import annotations

import numpy as np
import sympy as sp

import numeric
from derivations.identities import general_n as gn
from derivations.identities._common import (
    cached_target,
    claim_check,
    derivative_checks,
    normal_only,
    symbol_vector,
    witness_check,
)
from derivations.identities.identity import Case, Identity, Part, Target, Unit
from derivations.identities.softmax import CLAIM_GRID_BITS, SIZES, logit_cases, softmax_exprs
from numeric.softmax import log_softmax


def gradient_parts(n: int) -> tuple[np.ndarray, sp.Matrix, sp.Matrix]:
    """(θ, ∂LSE/∂θ by diff, softmax(θ))."""
    theta = symbol_vector("theta", n)
    lse = sp.log(sp.Add(*[sp.exp(t) for t in theta]))
    return theta, sp.Matrix([sp.diff(lse, t) for t in theta]), sp.Matrix(softmax_exprs(theta))


def general_parts() -> list[Part]:
    """Symbolic n: diff of log Σ_k e^{θ_k} refined under 1 ≤ i ≤ n."""
    derived = sp.refine(sp.diff(sp.log(gn.Z), gn.theta[gn.i]).doit(), gn.IN_RANGE)
    return [Part("general n: ∂LSE/∂θ_i (refined under 1 ≤ i ≤ n)", derived, gn.softmax(gn.i), general=True)]


@cached_target
def _target(n: int) -> Target:
    theta, derived, claimed = gradient_parts(n)
    return Target({"theta": theta}, derived, claimed, shift=("theta",))


def _lse(theta: np.ndarray) -> np.ndarray:
    """LSE = θ_k − log S(θ)_k at k = argmax Re θ: analytic (the complex step applies), and its
    derivative 1 − (1 − S_k) cancels only as far as S_k ≥ 1/n allows."""
    k = np.argmax(np.real(theta), axis=-1)[..., None]
    return np.take_along_axis(theta - log_softmax(theta), k, axis=-1)[..., 0]


def _forward(case: Case) -> tuple:
    return _lse, np.asarray(case.values["theta"], dtype=np.float64), True


_WITNESS = logit_cases()


def _derivation() -> list[tuple[str, sp.Basic]]:
    theta, derived, _ = gradient_parts(3)
    lse = sp.Symbol("LSE")
    return [
        ("definition (n = 3 shown)", sp.Eq(lse, sp.log(sp.Add(*[sp.exp(t) for t in theta])))),
        ("differentiate: ∂LSE/∂θ_1", sp.Eq(sp.Derivative(lse, theta[0]), derived[0])),
        ("general n", sp.Eq(sp.Derivative(sp.log(gn.Z), gn.theta[gn.i]), gn.softmax(gn.i))),
    ]


LOGSUMEXP_GRADIENT = Identity(
    name="logsumexp-gradient",
    statement="∂LSE(θ)/∂θ_i = softmax(θ)_i, LSE(θ) = log Σ_k e^{θ_k}",
    source="beyond the notes: log-sum-exp, the log of softmax's denominator",
    assumptions=("θ real", "n = 1…8 concrete, and symbolic n"),
    notation=(r"\frac{\partial}{\partial \theta_i} \log \sum_k e^{\theta_k} = S(\theta)_i",),
    parts=lambda: [Part(f"∂LSE/∂θ, n = {n}", *gradient_parts(n)[1:]) for n in SIZES] + general_parts(),
    derivation=lambda: [
        (
            "definition (n = 3 shown)",
            sp.Eq(sp.Symbol("LSE"), sp.log(sp.Add(*[sp.exp(t) for t in gradient_parts(3)[0]]))),
        ),
        (
            "differentiate: ∂LSE/∂θ_1",
            sp.Eq(sp.Derivative(sp.Symbol("LSE"), gradient_parts(3)[0][0]), gradient_parts(3)[1][0]),
        ),
        ("general n", sp.Eq(sp.Derivative(sp.log(gn.Z), gn.theta[gn.i]), gn.softmax(gn.i))),
    ],
    checks=(
        claim_check(logit_cases(CLAIM_GRID_BITS), _target),
        witness_check(
            "softmax",
            _WITNESS,
            _target,
            lambda c: numeric.softmax(c.values["theta"]),
            unit=Unit.ULP,
            tolerance=4.0,
            counts=normal_only,
            reason="the softmax witness's target: ≤ 4 ulp where normal",
        ),
        *derivative_checks("LSE (log-softmax form)", _WITNESS, _target, _forward),
    ),
    sizes=SIZES,
    general_n=True,
)
