"""A careful submission: stable forms everywhere (full marks)."""

import numpy as np


def sigmoid(x):
    x = np.asarray(x, dtype=float)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def sigmoid_grad(x):
    x = np.asarray(x, dtype=float)
    e = np.exp(-np.abs(x))
    return e / (1 + e) ** 2


def softmax(theta):
    z = theta - np.max(theta, axis=-1, keepdims=True)
    e = np.exp(z)
    return e / np.sum(e, axis=-1, keepdims=True)


def softmax_jacobian(theta):
    s = softmax(theta)
    return np.diag(s) - np.outer(s, s)


def cross_entropy(y, y_hat):
    safe = np.where(y > 0, y_hat, 1.0)
    return -np.sum(np.where(y > 0, y * np.log(safe), 0.0), axis=-1)


def ce_softmax_grad(theta, y):
    return softmax(theta) - y


def mse_layer_grads(x, y, W, b):
    y_hat = sigmoid(x @ W + b)
    delta = -2 * (y - y_hat) * y_hat * (1 - y_hat)
    if x.ndim == 2:
        return x.T @ delta / x.shape[0], np.mean(delta)
    return delta * x, delta
