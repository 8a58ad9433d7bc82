"""Bug: softmax normalised over axis 0 — right for one vector, wrong for a batch (correctness fails)."""

import numpy as np


def softmax(theta):
    e = np.exp(theta - np.max(theta))
    return e / np.sum(e, axis=0)
