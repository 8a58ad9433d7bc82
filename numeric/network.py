"""The second note's one-layer network: ŷ = σ(xW + b), MSE = (y − ŷ)², trained by gradient descent.

dMSE/dW = −2(y − ŷ)·ŷ(1 − ŷ)·x and dMSE/db = −2(y − ŷ)·ŷ(1 − ŷ), with ŷ(1 − ŷ) = σ'(h) formed as
σ(h)σ(−h) and y − ŷ as (y − 1) + σ(−h) where h ≥ 0, so saturated units keep their gradient.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from numeric._arrays import as_float
from numeric.activations import sigmoid, sigmoid_grad

#: The note's table: columns x_1, x_2, x_3 and the target y.
TABLE_X = np.array([[0, 0, 1], [1, 1, 1], [1, 0, 1], [0, 1, 1]], dtype=np.float64)
TABLE_Y = np.array([0, 1, 1, 0], dtype=np.float64)


def _validate(x: np.ndarray, y: np.ndarray, w: np.ndarray, b: np.ndarray) -> None:
    if w.ndim != 1:
        raise ValueError(f"W must have shape (d,), got {w.shape}")
    if x.ndim not in (1, 2) or x.shape[-1] != w.shape[0]:
        raise ValueError(f"x must have shape (d,) or (m, d) with d = {w.shape[0]}, got {x.shape}")
    if y.shape != x.shape[:-1]:
        raise ValueError(f"y must have shape {x.shape[:-1]} for x of shape {x.shape}, got {y.shape}")
    if b.shape != ():
        raise ValueError(f"b must be a scalar, got shape {b.shape}")


def _residual(x: np.ndarray, y: np.ndarray, w: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(y − σ(h), h) with h = xW + b; for Re h ≥ 0 as (y − 1) + σ(−h), so 1 − σ(h) never rounds to 0."""
    h = x @ w + b
    one = np.ones((), dtype=np.result_type(h, np.float32))
    return np.where(h.real >= 0, (y - one) + sigmoid(-h), y - sigmoid(h)), h


def mse_loss(
    x: np.typing.ArrayLike, y: np.typing.ArrayLike, w: np.typing.ArrayLike, b: np.typing.ArrayLike
) -> np.ndarray:
    """MSE = (y − σ(xW + b))², averaged over the rows of a batch; complex-safe for complex step."""
    x, y, w, b = (as_float(a) for a in (x, y, w, b))
    _validate(x, y, w, b)
    r, _ = _residual(x, y, w, b)
    return np.mean(r * r) if x.ndim == 2 else r * r


def mse_loss_magnitude(
    x: np.typing.ArrayLike, y: np.typing.ArrayLike, w: np.typing.ArrayLike, b: np.typing.ArrayLike
) -> np.ndarray:
    """The size of mse_loss's rounding error in units of ε: 2|r|(|y| + ŷ) + r² for the residual
    r = y − ŷ (which cancels) plus 2|r|σ'(h)·(Σ|x_i W_i| + |b|) for the rounding of h = xW + b."""
    x, y, w, b = (as_float(a) for a in (x, y, w, b))
    r, h = _residual(x, y, w, b)
    h_abs = np.abs(x) @ np.abs(w) + np.abs(b)
    mag = 2 * np.abs(r) * (np.abs(y) + sigmoid(h) + sigmoid_grad(h) * h_abs) + r * r
    return np.mean(mag) if x.ndim == 2 else mag


def mse_layer_grads(
    x: np.typing.ArrayLike, y: np.typing.ArrayLike, w: np.typing.ArrayLike, b: np.typing.ArrayLike
) -> tuple[np.ndarray, np.ndarray]:
    """(dMSE/dW, dMSE/db) = (−2(y − ŷ)ŷ(1 − ŷ)x, −2(y − ŷ)ŷ(1 − ŷ)), ŷ = σ(xW + b); batch: row mean."""
    x, y, w, b = (as_float(a) for a in (x, y, w, b))
    _validate(x, y, w, b)
    residual, h = _residual(x, y, w, b)
    delta = -2 * residual * sigmoid_grad(h)  # dMSE/dh
    if x.ndim == 2:
        m = x.shape[0]
        return (x.T @ delta) / m, np.sum(delta) / m
    return delta * x, delta


@dataclass(frozen=True)
class Training:
    """The outcome of gradient descent on the note's table: weights, bias, loss per epoch."""

    w: np.ndarray
    b: float
    losses: np.ndarray

    def predict(self, x: np.typing.ArrayLike) -> np.ndarray:
        """ŷ = σ(xW + b)."""
        return sigmoid(as_float(x) @ self.w + self.b)


def train(
    x: np.ndarray = TABLE_X, y: np.ndarray = TABLE_Y, *, alpha: float = 1.0, epochs: int = 2000, seed: int = 0
) -> Training:
    """W ← W − α·dMSE/dW, b ← b − α·dMSE/db (the note's ∇W^o = α·dMSE/dW), one row at a time."""
    rng = np.random.default_rng(seed)
    w = rng.normal(scale=0.5, size=x.shape[1])
    b = 0.0
    losses = np.empty(epochs)
    for epoch in range(epochs):
        for xi, yi in zip(x, y):
            dw, db = mse_layer_grads(xi, yi, w, b)
            w = w - alpha * dw
            b = b - alpha * float(db)
        losses[epoch] = float(mse_loss(x, y, w, b))
    return Training(w=w, b=b, losses=losses)
