"""Assignment 2 with one bug: Dense.backward sums the batch instead of averaging it."""

import numpy as np


def dsigmoid(z):
    s = 1 / (1 + np.exp(-np.abs(z)))
    return s * (1 - s)


def log_softmax(z):
    m = np.max(z, axis=-1, keepdims=True)
    return z - (m + np.log(np.sum(np.exp(z - m), axis=-1, keepdims=True)))


class Dense:
    def __init__(self, n_in, n_out):
        rng = np.random.default_rng(0)
        self.W = rng.normal(size=(n_in, n_out))
        self.b = np.zeros(n_out)

    def forward(self, x):
        z = np.dot(x, self.W) + self.b
        e = np.exp(z - z.max(axis=1, keepdims=True))
        self.out = e / e.sum(axis=1, keepdims=True)
        return self.out

    def backward(self, x, y):
        delta = self.out - y
        return {"dW": x.T @ delta, "db": delta.sum(axis=0)}  # the bug: not divided by the batch size


def neuron_grads(w, b, x, y):
    h = x @ w + b
    s = 1 / (1 + np.exp(-h))
    one_minus_s = 1 / (1 + np.exp(h))  # 1 − σ(h) without cancellation
    residual = np.where(h >= 0, (y - 1) + one_minus_s, y - s)
    delta = -2 * residual * s * one_minus_s
    if np.ndim(x) == 1:
        return delta, delta * x
    return delta.mean(), x.T @ delta / len(delta)
