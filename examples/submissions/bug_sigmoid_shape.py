"""Bug: returns a column (n, 1) for an input of shape (n,) — broadcasting would hide it (shape check fails)."""

import numpy as np


def sigmoid(x):
    return (1 / (1 + np.exp(-x))).reshape(-1, 1)
