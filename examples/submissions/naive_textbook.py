"""The forms the notes teach: σ(1 − σ), a max-shifted softmax (full marks: the tolerance allows them)."""

import numpy as np


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def sigmoid_grad(x):
    s = sigmoid(x)
    return s * (1 - s)


def softmax(theta):
    e = np.exp(theta - np.max(theta, axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1, keepdims=True)


def softmax_jacobian(theta):
    s = softmax(theta)
    n = len(s)
    J = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            J[i, j] = s[i] * (1 - s[j]) if i == j else -s[i] * s[j]
    return J


def cross_entropy(y, y_hat):
    total = 0.0 * np.sum(y, axis=-1)
    for k in range(y.shape[-1]):
        yk, pk = y[..., k], y_hat[..., k]
        total = total - np.where(yk > 0, yk * np.log(np.where(yk > 0, pk, 1.0)), 0.0)
    return total


def ce_softmax_grad(theta, y):
    return softmax(theta) - y


def mse_layer_grads(x, y, W, b):
    y_hat = sigmoid(np.dot(x, W) + b)
    d = -2 * (y - y_hat) * y_hat * (1 - y_hat)
    if np.ndim(x) == 2:
        return np.dot(d, x) / len(d), np.sum(d) / len(d)
    return d * x, d
