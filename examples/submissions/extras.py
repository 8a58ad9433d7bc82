"""Six further functions of the assignment, in textbook form (enable them in [points]: see grading.toml here)."""

import numpy as np


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def tanh_grad(x):
    return 1 - np.tanh(x) ** 2


def relu_grad(x):
    return (x > 0).astype(float)


def bce_sigmoid_grad(h, y):
    return sigmoid(h) - y


def logsumexp(theta):
    m = np.max(theta, axis=-1, keepdims=True)
    return np.squeeze(m, -1) + np.log(np.sum(np.exp(theta - m), axis=-1))


def softmax_regression_grads(X, Y, W, b):
    Z = X @ W + b
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    P = E / E.sum(axis=1, keepdims=True)
    m = X.shape[0]
    return X.T @ (P - Y) / m, (P - Y).mean(axis=0)


def xor_network_grads(X, y, W1, b1, w2, b2):
    A = sigmoid(X @ W1 + b1)
    y_hat = sigmoid(A @ w2 + b2)
    m = X.shape[0]
    d2 = 2 / m * (y_hat - y) * y_hat * (1 - y_hat)
    d1 = np.outer(d2, w2) * A * (1 - A)
    return X.T @ d1, d1.sum(axis=0), A.T @ d2, d2.sum()
