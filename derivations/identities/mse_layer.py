"""ŷ = σ(xW + b), MSE = (y − ŷ)²: the note's chain dMSE/dŷ·dŷ/dh·dh/dW and its result; note 2, d = 1…5."""

from __future__ import annotations

import numpy as np
import sympy as sp
from hypothesis import strategies as st

import numeric
from derivations.identities._common import (
    NOTE2,
    cached_target,
    claim_check,
    derivative_checks,
    far_from_underflow,
    scalar,
    symbol_vector,
    witness_check,
)
from derivations.identities.general_n import mse_parts
from derivations.identities.identity import Case, Identity, Part, Target, Unit
from derivations.notation.functions import sigmoid
from numeric.network import mse_loss, mse_loss_magnitude

SIZES = (1, 2, 3, 4, 5)  # d = 3 is the note's table
#: Inputs are multiples of 2^−GRID_BITS with |·| ≤ 64, so h = xW + b is exact in float64 and the
#: checks measure the gradient formula, not the conditioning of the dot product.
GRID_BITS = 12

Y, H = sp.Symbol(r"\hat{y}", real=True), sp.Symbol("h", real=True)
y, b = sp.Symbol("y", real=True), sp.Symbol("b", real=True)


def network(d: int) -> tuple[np.ndarray, np.ndarray, sp.Expr, sp.Expr]:
    """(x, W, h, MSE) with h = Σ x_i W_i + b and MSE = (y − 1/(1 + e^{−h}))², as the note defines them."""
    x, w = symbol_vector("x", d), symbol_vector("W", d)
    h = sp.Add(*[xi * wi for xi, wi in zip(x, w)]) + b
    mse = (y - 1 / (1 + sp.exp(-h))) ** 2
    return x, w, h, mse


def gradient_parts(d: int) -> tuple[np.ndarray, np.ndarray, sp.Matrix, sp.Matrix]:
    """(x, W, derived, claimed) for the stacked gradient (dMSE/dW_1, …, dMSE/dW_d, dMSE/db)."""
    x, w, h, mse = network(d)
    derived = sp.Matrix([sp.diff(mse, v) for v in (*w, b)])
    y_hat = sigmoid(h)
    common = -2 * (y - y_hat) * y_hat * (1 - y_hat)
    claimed = sp.Matrix([common * xi for xi in x] + [common])
    return x, w, derived, claimed


def _parts() -> list[Part]:
    parts = [
        Part("dMSE/dŷ = −2(y − ŷ)", sp.diff((y - Y) ** 2, Y), -2 * (y - Y)),
        Part("dŷ/dh = σ(h)(1 − σ(h))", sp.diff(1 / (1 + sp.exp(-H)), H), sigmoid(H) * (1 - sigmoid(H))),
    ]
    for d in SIZES:
        x, w, h, mse = network(d)
        _, _, derived, claimed = gradient_parts(d)
        parts += [
            Part(f"dh/dW = x, d = {d}", sp.Matrix([sp.diff(h, wi) for wi in w]), sp.Matrix(list(x))),
            Part(f"dh/db = 1, d = {d}", sp.diff(h, b), sp.S.One),
            Part(f"dMSE/dW and dMSE/db, d = {d}", derived, claimed),
        ]
        # the note's chain: dMSE/dW = dMSE/dŷ · dŷ/dh · dh/dW, each factor differentiated on its own
        chain = sp.diff((y - Y) ** 2, Y).subs(Y, 1 / (1 + sp.exp(-h))) * sp.diff(1 / (1 + sp.exp(-H)), H).subs(H, h)
        parts.append(
            Part(
                f"chain rule dMSE/dŷ·dŷ/dh·dh/dθ, d = {d}", derived, sp.Matrix([chain * sp.diff(h, v) for v in (*w, b)])
            )
        )
    return parts


@cached_target
def _target(d: int) -> Target:
    x, w, derived, claimed = gradient_parts(d)
    return Target({"x": x, "y": scalar("y"), "W": w, "b": scalar("b")}, derived, claimed)


def _grid(*, typical: float) -> st.SearchStrategy[float]:
    k = 2**GRID_BITS
    return st.one_of(st.integers(int(-typical * k), int(typical * k)), st.integers(-64 * k, 64 * k)).map(
        lambda i: i / k
    )


@st.composite
def _case(draw: st.DrawFn) -> Case:
    d = draw(st.sampled_from(SIZES))
    vec = st.lists(_grid(typical=4.0), min_size=d, max_size=d).map(np.array)
    label = draw(st.sampled_from([0.0, 1.0]) | st.integers(0, 2**20).map(lambda i: i / 2**20))
    return Case(d, {"x": draw(vec), "y": np.float64(label), "W": draw(vec), "b": np.float64(draw(_grid(typical=4.0)))})


CASES = _case()


def layer_grads(case: Case, x_key: str = "x") -> np.ndarray:
    """The witness's (dW, db) stacked; ``x_key`` names the input (x, or X for a batch)."""
    v = case.values
    dw, db = numeric.mse_layer_grads(v[x_key], v["y"], v["W"], v["b"])
    return np.concatenate([np.ravel(dw), np.ravel(db)])


def layer_forward(case: Case, x_key: str = "x") -> tuple:
    """The loss as a function of (W, b) stacked, with its rounding magnitude, for the numerical derivatives."""
    v = case.values
    return (
        lambda p: mse_loss(v[x_key], v["y"], p[:-1], p[-1]),
        np.append(v["W"], v["b"]),
        False,
        lambda p: mse_loss_magnitude(v[x_key], v["y"], p[:-1], p[-1]),
    )


def _derivation() -> list[tuple[str, sp.Basic]]:
    x, w, h, mse = network(3)
    _, _, derived, claimed = gradient_parts(3)
    return [
        ("the network (d = 3, the note's table)", sp.Eq(H, h)),
        ("the loss, σ by its definition", sp.Eq(sp.Symbol("MSE"), mse)),
        ("differentiate: dMSE/dW_1", sp.Eq(sp.Derivative(sp.Symbol("MSE"), w[0]), derived[0])),
        ("the note's right side", sp.Eq(sp.Symbol("dMSE/dW_1"), claimed[0])),
        ("difference", sp.Eq(sp.Symbol("Delta"), sp.cancel((derived[0] - claimed[0]).rewrite(sp.exp)))),
    ]


MSE_LAYER_GRADIENTS = Identity(
    name="mse-layer-gradients",
    statement="dMSE/dW = −2(y − ŷ)ŷ(1 − ŷ)x, dMSE/db = −2(y − ŷ)ŷ(1 − ŷ)  (ŷ = σ(xW + b), MSE = (y − ŷ)²)",
    source=f"note 2, 'Neural Network (layer 1)' slides, lines 68–90 ({NOTE2})",
    assumptions=("x, W ∈ ℝ^d, b, y real", "d = 1…5 concrete (d = 3 as in the note's table), and symbolic d"),
    notation=(
        r"\frac{\partial}{\partial W^o} (y - \sigma(xW^o + b^o))^2"
        r" = -2(y - \sigma(xW^o + b^o)) \sigma(xW^o + b^o) (1 - \sigma(xW^o + b^o)) x",
        r"\frac{\partial}{\partial b^o} (y - \sigma(xW^o + b^o))^2"
        r" = -2(y - \sigma(xW^o + b^o)) \sigma(xW^o + b^o) (1 - \sigma(xW^o + b^o))",
    ),
    parts=lambda: [*_parts(), *mse_parts()],
    derivation=_derivation,
    checks=(
        claim_check(CASES, _target),
        witness_check(
            "mse_layer_grads",
            CASES,
            _target,
            layer_grads,
            unit=Unit.CLAIM_ROUNDING,
            tolerance=8.0,
            counts=far_from_underflow,
            reason="y − ŷ cancels by nature: σ ≤ 1.5 ulp, σ' ≤ 1.5 ulp and 4 roundings, "
            "relative to the magnitudes the claim combines",
        ),
        *derivative_checks("MSE (numeric.network.mse_loss)", CASES, _target, layer_forward),
    ),
    sizes=SIZES,
    general_n=True,
)
