"""Bug: softmax without the max shift — right on small logits, NaN once e^θ overflows (stability fails)."""

import numpy as np


def softmax(theta):
    e = np.exp(theta)
    return e / np.sum(e, axis=-1, keepdims=True)


def ce_softmax_grad(theta, y):
    return softmax(theta) - y
