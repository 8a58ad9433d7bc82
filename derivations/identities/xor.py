"""Backpropagation through a hidden sigmoid layer: two hidden units on XOR.

The data note 2's single neuron cannot fit: X = (0,0), (0,1), (1,0), (1,1), y = 0, 1, 1, 0. With
A = σ(XW₁ + b₁), ŷ = σ(A w₂ + b₂), L = (1/4)Σ_r (y_r − ŷ_r)², SymPy differentiates L (σ by its
definition) with respect to all nine parameters and proves it equal to backpropagation's
δ₂ = (2/m)(ŷ − y) ⊙ σ'(z₂), ∂L/∂w₂ = Aᵀδ₂, ∂L/∂b₂ = Σδ₂, δ₁ = δ₂w₂ᵀ ⊙ σ'(z₁), ∂L/∂W₁ = Xᵀδ₁,
∂L/∂b₁ = Σ_rows δ₁ — row by row (the loss is a sum over rows, so are both sides).
"""

from __future__ import annotations

import numpy as np
import sympy as sp
from hypothesis import strategies as st

import numeric
from derivations.identities._common import (
    cached_target,
    claim_check,
    derivative_checks,
    far_from_underflow,
    scalar,
    witness_check,
)
from derivations.identities.batch import symbol_matrix
from derivations.identities.identity import Case, Identity, Part, Target, Unit
from derivations.notation.functions import sigmoid
from numeric.xor import XOR_X, XOR_Y, xor_loss

W1 = symbol_matrix("W", 2, 2)
B1 = np.array([sp.Symbol(f"b_{k + 1}", real=True) for k in range(2)], dtype=object)
W2 = np.array([sp.Symbol(f"v_{k + 1}", real=True) for k in range(2)], dtype=object)
B2 = sp.Symbol("c", real=True)
PARAMS = [*W1.ravel(), *B1, *W2, B2]
M = len(XOR_Y)


def _sig_def(z: sp.Expr) -> sp.Expr:
    return 1 / (1 + sp.exp(-z))


def row(r: int) -> tuple[sp.Matrix, sp.Matrix]:
    """(derived, claimed) gradients of row r's term (1/m)(y_r − ŷ_r)² with respect to PARAMS."""
    x, y = XOR_X[r], int(XOR_Y[r])
    z1 = [sp.Add(*[int(x[i]) * W1[i, k] for i in range(2)]) + B1[k] for k in range(2)]
    z2 = sp.Add(*[_sig_def(z1[k]) * W2[k] for k in range(2)]) + B2
    term = (y - _sig_def(z2)) ** 2 / M
    derived = sp.Matrix([sp.diff(term, p) for p in PARAMS])
    a = [sigmoid(z) for z in z1]
    z2s = sp.Add(*[a[k] * W2[k] for k in range(2)]) + B2
    d2 = sp.Rational(2, M) * (sigmoid(z2s) - y) * sigmoid(z2s) * sigmoid(-z2s)  # δ₂ = (2/m)(ŷ − y)σ'(z₂)
    d1 = [d2 * W2[k] * a[k] * sigmoid(-z1[k]) for k in range(2)]  # δ₁ = δ₂ w₂ ⊙ σ'(z₁)
    dw1 = [int(x[i]) * d1[k] for i in range(2) for k in range(2)]  # Xᵀδ₁, row r's share
    claimed = sp.Matrix([*dw1, *d1, *(a[k] * d2 for k in range(2)), d2])
    return derived, claimed


@cached_target
def _target(size: int) -> Target:
    rows = [row(r) for r in range(M)]
    derived = sp.Matrix([sp.Add(*[rw[0][p] for rw in rows]) for p in range(len(PARAMS))])
    claimed = sp.Matrix([sp.Add(*[rw[1][p] for rw in rows]) for p in range(len(PARAMS))])
    return Target({"W1": W1, "b1": B1, "w2": W2, "b2": scalar("c")}, derived, claimed)


GRID = 2**12
_param = st.integers(-8 * GRID, 8 * GRID).map(lambda i: i / GRID)


@st.composite
def _case(draw: st.DrawFn) -> Case:
    p = np.array(draw(st.lists(_param, min_size=9, max_size=9)))
    return Case(0, {"W1": p[:4].reshape(2, 2), "b1": p[4:6], "w2": p[6:8], "b2": np.float64(p[8])})


CASES = _case()


def _grads(case: Case) -> np.ndarray:
    v = case.values
    g = numeric.xor_network_grads(XOR_X, XOR_Y, v["W1"], v["b1"], v["w2"], v["b2"])
    return np.concatenate([np.ravel(a) for a in g])


def _forward(case: Case) -> tuple:
    def loss(p: np.ndarray) -> np.ndarray:
        return xor_loss(XOR_X, XOR_Y, p[:4].reshape(2, 2), p[4:6], p[6:8], p[8])

    v = case.values
    return loss, np.concatenate([v["W1"].ravel(), v["b1"], v["w2"], [v["b2"]]]), False


def _derivation() -> list[tuple[str, sp.Basic]]:
    derived, claimed = row(1)
    return [
        ("row 2 (x = (0, 1), y = 1): ∂/∂c of its loss term, by diff", sp.Eq(sp.Symbol("dL_2/dc"), derived[-1])),
        ("backpropagation: δ₂ for row 2", sp.Eq(sp.Symbol("delta_2"), claimed[-1])),
        ("row 2: ∂/∂W_21 by diff", sp.Eq(sp.Symbol("dL_2/dW_21"), derived[2])),
        ("backpropagation: x_2 δ₁ for row 2", sp.Eq(sp.Symbol("x_2 delta_1"), claimed[2])),
    ]


XOR_NETWORK_GRADIENTS = Identity(
    name="xor-network-gradients",
    statement="two sigmoid hidden units on XOR: ∂L/∂(W₁, b₁, w₂, b₂) by backpropagation = by differentiation",
    source="beyond the notes: the data note 2's single neuron cannot fit",
    assumptions=("X, y the XOR table", "W₁ ∈ ℝ^{2×2}, b₁, w₂ ∈ ℝ², b₂ real"),
    parts=lambda: [Part(f"row {r + 1}: all nine parameters", *row(r)) for r in range(M)],
    derivation=_derivation,
    checks=(
        claim_check(CASES, _target),
        witness_check(
            "xor_network_grads",
            CASES,
            _target,
            _grads,
            unit=Unit.CLAIM_ROUNDING,
            tolerance=32.0,
            counts=far_from_underflow,
            reason="two layers of σ (≤ 1.5 ulp each), σ' (≤ 3 ulp), products and the sums over 4 rows",
        ),
        *derivative_checks("the XOR loss (numeric.xor.xor_loss)", CASES, _target, _forward),
    ),
    sizes=(0,),
)
