"""The NumPy witness: hand-written σ, softmax, CE and the note's network gradients (never SymPy).

Exports exactly the submission API of DESIGN.md; helpers (log-softmax, CE from logits, the
network's training loop, finite differences) live in the submodules.
"""

from numeric.activations import sigmoid, sigmoid_grad
from numeric.network import mse_layer_grads
from numeric.softmax import ce_softmax_grad, cross_entropy, softmax, softmax_jacobian

__all__ = [
    "ce_softmax_grad",
    "cross_entropy",
    "mse_layer_grads",
    "sigmoid",
    "sigmoid_grad",
    "softmax",
    "softmax_jacobian",
]
