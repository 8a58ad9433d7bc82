"""The instructor's solution to assignment 2 (the reference of log_softmax and Dense.forward)."""

import numpy as np


def dsigmoid(z):
    e = np.exp(-np.abs(z))
    return e / (1 + e) ** 2


def log_softmax(z):
    z = np.asarray(z, dtype=float)
    top = np.max(z, axis=-1, keepdims=True)
    shifted = z - top
    return shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))


def _softmax(z):
    e = np.exp(z - np.max(z, axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1, keepdims=True)


class Dense:
    def __init__(self, n_in, n_out):
        self.W = np.zeros((n_in, n_out))
        self.b = np.zeros(n_out)

    def forward(self, x):
        self.x = x
        self.probs = _softmax(x @ self.W + self.b)
        return self.probs

    def backward(self, x, y):
        delta = (_softmax(x @ self.W + self.b) - y) / x.shape[0]
        return {"dW": x.T @ delta, "db": delta.sum(axis=0)}


def neuron_grads(w, b, x, y):
    h = x @ w + b
    s = 1 / (1 + np.exp(-h))
    s_neg = 1 / (1 + np.exp(h))
    residual = np.where(h >= 0, (y - 1) + s_neg, y - s)
    delta = -2 * residual * s * s_neg
    if np.ndim(x) == 2:
        return np.sum(delta) / x.shape[0], x.T @ delta / x.shape[0]
    return delta, delta * x
