"""ReLU'(x) = H(x) with the subgradient 0 at x = 0 (any value in [0, 1] is one): beyond the notes."""

from __future__ import annotations

import numpy as np
import sympy as sp
from hypothesis import strategies as st

import numeric
from derivations.identities._common import cached_target, claim_check, derivative_checks, scalar, witness_check
from derivations.identities.identity import Case, Identity, Part, Target, Unit
from derivations.identities.strategies import reals

x = sp.Symbol("x", real=True)
DEFINITION = sp.Piecewise((x, x > 0), (0, True))  # max(0, x)
DERIVED = sp.diff(DEFINITION, x)  # SymPy's derivative of the cases: 1 for x > 0, 0 otherwise (0 at x = 0)
CLAIMED = sp.Heaviside(x, 0)  # the step function with H(0) = 0, the convention numeric.relu_grad follows

CASES = st.one_of(reals(max_abs=1e6), st.just(0.0)).map(lambda v: Case(1, {"x": np.float64(v)}))
#: ReLU is not differentiable at 0: central differences there give ½, and within one step of 0 they
#: straddle the kink. The numerical derivatives are therefore checked at |x| ≥ 1e-3 only — said here,
#: in the check's reason, rather than failing; the claim and the witness are checked at 0 itself.
SMOOTH = reals(max_abs=1e6).filter(lambda v: abs(v) >= 1e-3).map(lambda v: Case(1, {"x": np.float64(v)}))


@cached_target
def _target(size: int) -> Target:
    return Target({"x": scalar("x")}, DERIVED, CLAIMED)


def _forward(case: Case) -> tuple:
    return numeric.relu, np.asarray(case.values["x"], dtype=np.float64), True


_central, _complex = derivative_checks("numeric.relu (|x| ≥ 1e-3: not differentiable at 0)", SMOOTH, _target, _forward)

RELU_SUBGRADIENT = Identity(
    name="relu-subgradient",
    statement="ReLU'(x) = H(x): 1 for x > 0, 0 for x < 0, and the subgradient 0 chosen at x = 0",
    source="beyond the notes: the ReLU activation",
    assumptions=("x real", "at x = 0 the subgradient 0 (the convention of numeric.relu_grad)"),
    notation=(r"\frac{d}{dx} \text{ReLU}(x) = \begin{cases} 1 & \text{if } x > 0 \\ 0 & \text{otherwise} \end{cases}",),
    parts=lambda: [Part("d max(0, x)/dx = H(x), H(0) = 0", DERIVED, CLAIMED)],
    derivation=lambda: [
        ("definition", sp.Eq(sp.Function("ReLU")(x), DEFINITION)),
        ("differentiate the cases", sp.Eq(sp.Derivative(sp.Function("ReLU")(x), x), DERIVED)),
        ("the claim", sp.Eq(sp.Symbol("H(x)"), CLAIMED.rewrite(sp.Piecewise))),
    ],
    checks=(
        claim_check(CASES, _target),
        witness_check(
            "relu_grad",
            CASES,
            _target,
            lambda c: numeric.relu_grad(c.values["x"]),
            unit=Unit.ULP,
            tolerance=0.5,
            reason="exact: 0 or 1, with 0 at x = 0 (half an ulp: any error at all fails)",
        ),
        _central,
        _complex,
    ),
)
