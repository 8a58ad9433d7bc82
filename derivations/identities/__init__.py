"""The registry: every identity the notes state, in the order the notes state them."""

from __future__ import annotations

from derivations.errors import UnknownIdentityError
from derivations.identities.batch import MSE_LAYER_BATCH_GRADIENTS, SOFTMAX_REGRESSION_GRADIENTS
from derivations.identities.bce import BCE_SIGMOID_GRADIENT
from derivations.identities.cross_entropy import CE_SOFTMAX_GRADIENT
from derivations.identities.identity import Identity
from derivations.identities.logsumexp import LOGSUMEXP_GRADIENT
from derivations.identities.mse_layer import MSE_LAYER_GRADIENTS
from derivations.identities.relu import RELU_SUBGRADIENT
from derivations.identities.sigmoid import SIGMOID_DERIVATIVE, SIGMOID_DERIVATIVE_SYMMETRIC, SIGMOID_REFLECTION
from derivations.identities.softmax import SOFTMAX_JACOBIAN
from derivations.identities.tanh import TANH_DERIVATIVE, TANH_SIGMOID_RELATION
from derivations.identities.xor import XOR_NETWORK_GRADIENTS

IDENTITIES: tuple[Identity, ...] = (
    SIGMOID_DERIVATIVE,
    SIGMOID_REFLECTION,
    SIGMOID_DERIVATIVE_SYMMETRIC,
    SOFTMAX_JACOBIAN,
    CE_SOFTMAX_GRADIENT,
    MSE_LAYER_GRADIENTS,
    # beyond the notes
    MSE_LAYER_BATCH_GRADIENTS,
    SOFTMAX_REGRESSION_GRADIENTS,
    BCE_SIGMOID_GRADIENT,
    TANH_DERIVATIVE,
    TANH_SIGMOID_RELATION,
    LOGSUMEXP_GRADIENT,
    RELU_SUBGRADIENT,
    XOR_NETWORK_GRADIENTS,
)


def get(name: str) -> Identity:
    """The identity called ``name``; UnknownIdentityError lists the names that exist."""
    for identity in IDENTITIES:
        if identity.name == name:
            return identity
    import difflib

    names = [i.name for i in IDENTITIES]
    close = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
    if close:
        raise UnknownIdentityError(f"unknown identity {name!r}: did you mean '{close[0]}'?")
    raise UnknownIdentityError(f"unknown identity {name!r} (expected one of: {', '.join(names)})")
