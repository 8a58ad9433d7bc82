"""σ(x) = 1/(1 + e^{−x}) and σ'(x) = σ(x)·σ(−x), the notes' first identity, in plain NumPy."""

from __future__ import annotations

import numpy as np

from numeric._arrays import as_float
from numeric._eft import div_compensated, one_plus, two_prod


def _exp_neg_abs(x: np.ndarray) -> np.ndarray:
    """e^{−|x|} ≤ 1, so it never overflows; for complex x, e^{∓x} by the sign of Re x (analytic)."""
    if np.iscomplexobj(x):
        return np.exp(np.where(x.real >= 0, -x, x))
    return np.exp(-np.abs(x))


def sigmoid(x: np.typing.ArrayLike) -> np.ndarray:
    """σ(x) = 1/(1 + e^{−x}), ≤ 1.5 ulp over all of float64 (subnormal results included).

    With e = e^{−|x|}: σ(x) = 1/(1 + e) for x ≥ 0 and e/(1 + e) = σ(−|x|) for x < 0, so nothing
    overflows and small results keep full relative accuracy. The roundings of 1 + e and of the
    division are compensated (error-free transformations), leaving essentially exp's own error.
    Complex input (branching on the real part) is accepted for complex-step differentiation.
    """
    x = as_float(x)
    e = _exp_neg_abs(x)
    if np.iscomplexobj(x):
        return np.where(x.real >= 0, 1 / (1 + e), e / (1 + e))
    hi, lo = one_plus(e)
    num = np.where(x >= 0, np.ones_like(e), e)
    return div_compensated(num, hi, lo)


def sigmoid_grad(x: np.typing.ArrayLike) -> np.ndarray:
    """σ'(x) = σ(x)·σ(−x) = e/(1 + e)² with e = e^{−|x|}, ≤ 3 ulp where the result is normal.

    The textbook s·(1 − s) loses everything for x ≳ 37 (1 − s rounds to 0); the notes' own
    lemma σ(−x) = 1 − σ(x) gives this form, which never cancels (σ' is even). (1 + e)² is
    carried as a double-length value so that only exp's error remains.
    """
    x = as_float(x)
    e = _exp_neg_abs(x)
    if np.iscomplexobj(x):
        return e / ((1 + e) * (1 + e))
    hi, lo = one_plus(e)
    sq, sq_err = two_prod(hi, hi)  # (hi + lo)² = sq + sq_err + 2·hi·lo + lo² (lo² negligible)
    return div_compensated(e, sq, sq_err + 2 * hi * lo)


def tanh_grad(x: np.typing.ArrayLike) -> np.ndarray:
    """tanh'(x) = 1 − tanh²(x) = 4σ(2x)σ(−2x), computed as the latter (no cancellation at large |x|)."""
    x = as_float(x)
    return 4 * sigmoid_grad(2 * x)


def relu(x: np.typing.ArrayLike) -> np.ndarray:
    """ReLU(x) = max(0, x)."""
    x = as_float(x)
    return np.where(x > 0, x, np.zeros_like(x))


def relu_grad(x: np.typing.ArrayLike) -> np.ndarray:
    """ReLU'(x) = 1 for x > 0, 0 for x < 0, and the subgradient 0 chosen at x = 0 (any value in [0, 1] is one)."""
    x = as_float(x)
    return np.where(x > 0, np.ones_like(x), np.zeros_like(x))


def log_sigmoid(x: np.typing.ArrayLike) -> np.ndarray:
    """log σ(x) = −log(1 + e^{−x}) = min(x, 0) − log1p(e^{−|x|}): finite for every finite x."""
    x = as_float(x)
    low = np.where(np.real(x) < 0, x, np.zeros_like(x))  # min(x, 0), analytic for the complex step
    return low - np.log1p(_exp_neg_abs(x))


def bce_with_logits(h: np.typing.ArrayLike, y: np.typing.ArrayLike) -> np.ndarray:
    """BCE(y, σ(h)) = −y log σ(h) − (1 − y) log σ(−h), through log σ (the stable form)."""
    h, y = as_float(h), as_float(y)
    return -(y * log_sigmoid(h) + (1 - y) * log_sigmoid(-h))


def bce_sigmoid_grad(h: np.typing.ArrayLike, y: np.typing.ArrayLike) -> np.ndarray:
    """∂BCE(y, σ(h))/∂h = σ(h) − y, formed as (1 − y)σ(h) − yσ(−h): no cancellation for y ∈ {0, 1}."""
    h, y = as_float(h), as_float(y)
    return (1 - y) * sigmoid(h) - y * sigmoid(-h)
