"""Two sigmoid hidden units and a sigmoid output on XOR, the data note 2's single neuron cannot fit.

Forward: A = σ(X W₁ + b₁) (m × 2), ŷ = σ(A w₂ + b₂), L = (1/m) Σ (y − ŷ)². Backprop:
δ₂ = (2/m)(ŷ − y) ⊙ σ'(A w₂ + b₂), ∂L/∂w₂ = Aᵀδ₂, ∂L/∂b₂ = Σ δ₂; δ₁ = δ₂ w₂ᵀ ⊙ σ'(X W₁ + b₁),
∂L/∂W₁ = Xᵀδ₁, ∂L/∂b₁ = Σ_rows δ₁.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from numeric._arrays import as_float
from numeric.activations import sigmoid, sigmoid_grad

XOR_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR_Y = np.array([0.0, 1.0, 1.0, 0.0])


def xor_loss(x: np.typing.ArrayLike, y: np.typing.ArrayLike, w1, b1, w2, b2) -> np.ndarray:
    """L = (1/m) Σ_r (y_r − σ(σ(X_r W₁ + b₁)·w₂ + b₂))² (complex-safe for the complex step)."""
    x, y = as_float(x), as_float(y)
    a = sigmoid(x @ w1 + b1)
    y_hat = sigmoid(a @ w2 + b2)
    return np.mean((y - y_hat) ** 2)


def xor_network_grads(x: np.typing.ArrayLike, y: np.typing.ArrayLike, w1, b1, w2, b2) -> tuple:
    """(∂L/∂W₁, ∂L/∂b₁, ∂L/∂w₂, ∂L/∂b₂) by backpropagation through the hidden layer."""
    x, y, w1, b1, w2 = (as_float(a) for a in (x, y, w1, b1, w2))
    z1 = x @ w1 + b1
    a = sigmoid(z1)
    z2 = a @ w2 + b2
    y_hat = sigmoid(z2)
    m = x.shape[0]
    d2 = (2 / m) * (y_hat - y) * sigmoid_grad(z2)
    d1 = np.outer(d2, w2) * sigmoid_grad(z1)
    return x.T @ d1, np.sum(d1, axis=0), a.T @ d2, np.sum(d2)


@dataclass(frozen=True)
class XorFit:
    """Weights after training, and the loss per epoch."""

    w1: np.ndarray
    b1: np.ndarray
    w2: np.ndarray
    b2: float
    losses: np.ndarray

    def predict(self, x: np.typing.ArrayLike) -> np.ndarray:
        return sigmoid(sigmoid(as_float(x) @ self.w1 + self.b1) @ self.w2 + self.b2)


def train_xor(*, alpha: float = 2.0, epochs: int = 5000, seed: int = 1) -> XorFit:
    """Full-batch gradient descent with the backpropagated gradients, from a fixed random start."""
    rng = np.random.default_rng(seed)
    w1, b1 = rng.normal(scale=1.0, size=(2, 2)), rng.normal(scale=0.5, size=2)
    w2, b2 = rng.normal(scale=1.0, size=2), 0.0
    losses = np.empty(epochs)
    for e in range(epochs):
        g1, gb1, g2, gb2 = xor_network_grads(XOR_X, XOR_Y, w1, b1, w2, b2)
        w1, b1, w2, b2 = w1 - alpha * g1, b1 - alpha * gb1, w2 - alpha * g2, b2 - alpha * float(gb2)
        losses[e] = float(xor_loss(XOR_X, XOR_Y, w1, b1, w2, b2))
    return XorFit(w1, b1, w2, b2, losses)
