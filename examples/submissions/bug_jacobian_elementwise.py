"""Bug: diag(S) − S ⊙ S instead of diag(S) − S Sᵀ — the off-diagonal entries vanish (softmax_jacobian fails)."""

import numpy as np


def softmax_jacobian(theta):
    e = np.exp(theta - np.max(theta))
    s = e / np.sum(e)
    return np.diag(s) - np.diag(s * s)
