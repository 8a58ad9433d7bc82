"""Bug: the batch summed instead of averaged (mse_layer_grads fails on batches)."""

import numpy as np


def mse_layer_grads(x, y, W, b):
    y_hat = 1 / (1 + np.exp(-(x @ W + b)))
    delta = -2 * (y - y_hat) * y_hat * (1 - y_hat)
    if x.ndim == 2:
        return x.T @ delta, np.sum(delta)
    return delta * x, delta
