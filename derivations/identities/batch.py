"""The batch (matrix) forms: note 2's layer on X (m × d) and a softmax-regression layer.

Each is derived element-wise (sp.diff of the mean loss with respect to every weight) and shown
equal to the matrix form a course writes: ∂L/∂W = (2/m)·Xᵀ[(ŷ − y) ⊙ ŷ ⊙ (1 − ŷ)] for the sigmoid
layer with MSE; ∂L/∂W = Xᵀ(Ŷ − Y)/m and ∂L/∂b = mean of (Ŷ − Y) for softmax with mean CE.
"""

from __future__ import annotations

from functools import partial

import numpy as np
import sympy as sp
from hypothesis import strategies as st

import numeric
from derivations.identities._common import (
    cached_target,
    claim_check,
    derivative_checks,
    far_from_underflow,
    scalar,
    symbol_vector,
    witness_check,
)
from derivations.identities.identity import Case, Identity, Part, Target, Unit
from derivations.identities.mse_layer import layer_forward, layer_grads
from derivations.identities.softmax import softmax_exprs
from derivations.identities.strategies import probability_vectors
from derivations.notation.functions import sigmoid
from numeric.softmax import ce_from_logits

MSE_SIZES = ((1, 1), (2, 2), (3, 2), (4, 3))  # (m, d); (4, 3) is note 2's table as a batch
SOFTMAX_SIZES = ((1, 1, 2), (2, 2, 2), (3, 2, 3))  # (m, d, c)
GRID = 2**12


def symbol_matrix(name: str, rows: int, cols: int) -> np.ndarray:
    arr = np.empty((rows, cols), dtype=object)
    for r in range(rows):
        for c in range(cols):
            arr[r, c] = sp.Symbol(f"{name}_{r + 1}{c + 1}", real=True)
    return arr


def mse_batch(m: int, d: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, sp.Matrix, sp.Matrix]:
    """(X, y, W, derived, claimed) for the stacked gradient (∂L/∂W_1 … ∂L/∂W_d, ∂L/∂b)."""
    x, y, w = symbol_matrix("X", m, d), symbol_vector("y", m), symbol_vector("W", d)
    b = sp.Symbol("b", real=True)
    h = [sp.Add(*[x[r, k] * w[k] for k in range(d)]) + b for r in range(m)]
    loss = sp.Add(*[(y[r] - 1 / (1 + sp.exp(-h[r]))) ** 2 for r in range(m)]) / m
    derived = sp.Matrix([sp.diff(loss, v) for v in (*w, b)])
    y_hat = sp.Matrix([sigmoid(hr) for hr in h])
    delta = sp.Matrix([(y_hat[r] - y[r]) * y_hat[r] * (1 - y_hat[r]) for r in range(m)])  # (ŷ − y) ⊙ ŷ ⊙ (1 − ŷ)
    claimed_w = (sp.Rational(2, m) * sp.Matrix(x).T * delta)[:, 0]
    claimed = sp.Matrix([*claimed_w, sp.Rational(2, m) * sum(delta)])
    return x, y, w, derived, claimed


def softmax_regression(m: int, d: int, c: int) -> tuple[np.ndarray, ...]:
    """(X, Y, W, b, derived, claimed) for the stacked gradient (∂L/∂W row-major, ∂L/∂b)."""
    x, y, w = symbol_matrix("X", m, d), symbol_matrix("Y", m, c), symbol_matrix("W", d, c)
    b = symbol_vector("b", c)
    z = [[sp.Add(*[x[r, k] * w[k, j] for k in range(d)]) + b[j] for j in range(c)] for r in range(m)]
    s = [softmax_exprs(np.array(zr, dtype=object)) for zr in z]
    loss = sp.Add(*[-sp.Add(*[y[r, j] * sp.log(s[r][j]) for j in range(c)]) for r in range(m)]) / m
    params = [*w.ravel(), *b]
    derived = sp.Matrix([sp.diff(loss, v) for v in params])
    resid = sp.Matrix(m, c, lambda r, j: s[r][j] - y[r, j])  # Ŷ − Y
    dw = sp.Matrix(x).T * resid / m
    db = [sum(resid[:, j]) / m for j in range(c)]
    claimed = sp.Matrix([*dw, *db])  # sp.Matrix flattens row-major, as params
    return x, y, w, b, derived, claimed


def _mse_parts() -> list[Part]:
    return [Part(f"(2/m)Xᵀ[(ŷ − y)⊙ŷ⊙(1 − ŷ)], m = {m}, d = {d}", *mse_batch(m, d)[3:]) for m, d in MSE_SIZES]


def _softmax_parts() -> list[Part]:
    parts = []
    for m, d, c in SOFTMAX_SIZES:
        x, y, w, b, derived, claimed = softmax_regression(m, d, c)
        rows = {y[r, -1]: 1 - sp.Add(*y[r, :-1]) for r in range(m)}  # each row of Y sums to 1
        parts.append(Part(f"Xᵀ(Ŷ − Y)/m and mean(Ŷ − Y), m = {m}, d = {d}, c = {c}", derived, claimed, rows))
    return parts


@cached_target
def _mse_target(size: int) -> Target:
    m, d = MSE_SIZES[size]
    x, y, w, derived, claimed = mse_batch(m, d)
    return Target({"X": x, "y": y, "W": w, "b": scalar("b")}, derived, claimed)


@cached_target
def _softmax_target(size: int) -> Target:
    m, d, c = SOFTMAX_SIZES[size]
    x, y, w, b, derived, claimed = softmax_regression(m, d, c)
    return Target({"X": x, "Y": y, "W": w, "b": b}, derived, claimed)


def _grid(lim: float) -> st.SearchStrategy[float]:
    return st.integers(int(-lim * GRID), int(lim * GRID)).map(lambda i: i / GRID)


def _arr(shape: tuple[int, ...], lim: float) -> st.SearchStrategy[np.ndarray]:
    size = int(np.prod(shape)) if shape else 1
    return st.lists(_grid(lim), min_size=size, max_size=size).map(lambda v: np.array(v).reshape(shape))


@st.composite
def _mse_case(draw: st.DrawFn) -> Case:
    k = draw(st.integers(0, len(MSE_SIZES) - 1))
    m, d = MSE_SIZES[k]
    labels = st.lists(
        st.sampled_from([0.0, 1.0]) | st.integers(0, GRID).map(lambda i: i / GRID), min_size=m, max_size=m
    )
    values = {
        "X": draw(_arr((m, d), 4.0)),
        "y": np.array(draw(labels)),
        "W": draw(_arr((d,), 8.0)),
        "b": np.float64(draw(_grid(8.0))),
    }
    return Case(k, values)


@st.composite
def _softmax_case(draw: st.DrawFn) -> Case:
    k = draw(st.integers(0, len(SOFTMAX_SIZES) - 1))
    m, d, c = SOFTMAX_SIZES[k]
    one_hot = draw(st.booleans())
    y = np.array([draw(probability_vectors(size=c, one_hot=one_hot)) for _ in range(m)])
    values = {"X": draw(_arr((m, d), 4.0)), "Y": y, "W": draw(_arr((d, c), 8.0)), "b": draw(_arr((c,), 8.0))}
    return Case(k, values, "one-hot" if one_hot else "soft labels")


MSE_CASES, SOFTMAX_CASES = _mse_case(), _softmax_case()


def _softmax_grads(case: Case) -> np.ndarray:
    v = case.values
    dw, db = numeric.softmax_regression_grads(v["X"], v["Y"], v["W"], v["b"])
    return np.concatenate([np.ravel(dw), np.ravel(db)])


def _softmax_forward(case: Case) -> tuple:
    v = case.values
    d, c = v["W"].shape

    def loss(p: np.ndarray) -> np.ndarray:
        w, b = p[: d * c].reshape(d, c), p[d * c :]
        return np.mean(ce_from_logits(v["X"] @ w + b, v["Y"]))

    return loss, np.concatenate([v["W"].ravel(), v["b"]]), False


def _mse_derivation() -> list[tuple[str, sp.Basic]]:
    x, y, w, derived, claimed = mse_batch(2, 2)
    return [
        ("∂L/∂W_1 by diff (m = d = 2)", sp.Eq(sp.Symbol("dL/dW_1"), derived[0])),
        ("the matrix form, entry 1", sp.Eq(sp.Symbol("claim_1"), claimed[0])),
        ("difference", sp.Eq(sp.Symbol("Delta"), sp.cancel((derived[0] - claimed[0]).rewrite(sp.exp)))),
    ]


def _softmax_derivation() -> list[tuple[str, sp.Basic]]:
    x, y, w, b, derived, claimed = softmax_regression(1, 1, 2)
    return [
        ("∂L/∂W_11 by diff (m = d = 1, c = 2)", sp.Eq(sp.Symbol("dL/dW_11"), derived[0])),
        ("Xᵀ(Ŷ − Y)/m, entry 11", sp.Eq(sp.Symbol("claim_11"), claimed[0])),
    ]


MSE_LAYER_BATCH_GRADIENTS = Identity(
    name="mse-layer-batch-gradients",
    statement=(
        "L = (1/m)Σ(y − ŷ)², ŷ = σ(XW + b): ∂L/∂W = (2/m)Xᵀ[(ŷ − y) ⊙ ŷ ⊙ (1 − ŷ)], ∂L/∂b = (2/m)Σ(ŷ − y)ŷ(1 − ŷ)"
    ),
    source="beyond the notes: note 2's layer on a batch",
    assumptions=("X ∈ ℝ^{m×d}, y ∈ ℝ^m, W ∈ ℝ^d, b real", "(m, d) ∈ {(1,1), (2,2), (3,2), (4,3)}"),
    parts=_mse_parts,
    derivation=_mse_derivation,
    checks=(
        claim_check(MSE_CASES, _mse_target),
        witness_check(
            "mse_layer_grads (batch)",
            MSE_CASES,
            _mse_target,
            partial(layer_grads, x_key="X"),
            unit=Unit.CLAIM_ROUNDING,
            tolerance=16.0,
            counts=far_from_underflow,
            reason="the single-row bound (8) plus the batch sum of m ≤ 4 rows' roundings",
        ),
        *derivative_checks(
            "the mean MSE (numeric.network.mse_loss)", MSE_CASES, _mse_target, partial(layer_forward, x_key="X")
        ),
    ),
    sizes=tuple(range(len(MSE_SIZES))),
)

SOFTMAX_REGRESSION_GRADIENTS = Identity(
    name="softmax-regression-gradients",
    statement="Z = XW + b, L = mean_r CE(Y_r, softmax Z_r): ∂L/∂W = Xᵀ(Ŷ − Y)/m, ∂L/∂b = mean_r (Ŷ − Y)_r",
    source="beyond the notes: a softmax-regression layer",
    assumptions=(
        "X ∈ ℝ^{m×d}, W ∈ ℝ^{d×c}, b ∈ ℝ^c",
        "rows of Y one-hot or probability vectors",
        "(m, d, c) ∈ {(1,1,2), (2,2,2), (3,2,3)}",
    ),
    parts=_softmax_parts,
    derivation=_softmax_derivation,
    checks=(
        claim_check(SOFTMAX_CASES, _softmax_target),
        witness_check(
            "softmax_regression_grads",
            SOFTMAX_CASES,
            _softmax_target,
            _softmax_grads,
            unit=Unit.CLAIM_ROUNDING,
            tolerance=16.0,
            counts=far_from_underflow,
            reason="ŷ − y per row (≤ 2ε), then Xᵀ· and the mean over m ≤ 3 rows",
        ),
        *derivative_checks("the mean CE (log-softmax form)", SOFTMAX_CASES, _softmax_target, _softmax_forward),
    ),
    sizes=tuple(range(len(SOFTMAX_SIZES))),
)
