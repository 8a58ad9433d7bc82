"""Bug: σ'(x) = σ(x)(1 + σ(x)) — a sign (sigmoid_grad fails correctness and stability)."""

import numpy as np


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def sigmoid_grad(x):
    s = sigmoid(x)
    return s * (1 + s)
