"""The NumPy witness: hand-written σ, softmax, CE and the networks' gradients (never SymPy).

Exports exactly the submission API (DESIGN.md's seven functions, and the ones issue 6 added, named
in the same style: docs/grading.md); helpers (log-softmax, CE from logits, training loops, finite
differences) live in the submodules.
"""

from numeric.activations import bce_sigmoid_grad, relu, relu_grad, sigmoid, sigmoid_grad, tanh_grad
from numeric.network import mse_layer_grads
from numeric.softmax import (
    ce_softmax_grad,
    cross_entropy,
    logsumexp,
    softmax,
    softmax_jacobian,
    softmax_regression_grads,
)
from numeric.xor import xor_network_grads

__all__ = [
    "bce_sigmoid_grad",
    "ce_softmax_grad",
    "cross_entropy",
    "logsumexp",
    "mse_layer_grads",
    "relu",
    "relu_grad",
    "sigmoid",
    "sigmoid_grad",
    "softmax",
    "softmax_jacobian",
    "softmax_regression_grads",
    "tanh_grad",
    "xor_network_grads",
]
