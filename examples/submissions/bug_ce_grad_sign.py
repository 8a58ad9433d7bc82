"""Bug: ∂CE/∂θ = y − ŷ — the sign (ce_softmax_grad fails)."""

import numpy as np


def ce_softmax_grad(theta, y):
    e = np.exp(theta - np.max(theta, axis=-1, keepdims=True))
    return y - e / np.sum(e, axis=-1, keepdims=True)
