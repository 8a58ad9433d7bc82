"""Proofs for a symbolic size: θ, y, x, W as `IndexedBase`, sums as `Sum(…, (k, 1, n))`.

SymPy differentiates the definitions itself (`diff` of an `Indexed` gives Kronecker deltas, `.doit()`
turns Σ_k δ_ik e^{θ_k} into `Piecewise((e^{θ_i}, i ≤ n), (0, True))`), but does not close these
identities on its own. The proofs are therefore written as explicit steps, each a `Part` that the
ladder proves (FINDINGS.md, "General n"); the only step that uses an assumption names it:

- `refine` under 1 ≤ i ≤ n (the index is in range) removes the Piecewise;
- the softmax Jacobian splits on δ_ij: the case i = j (j := i) and the case i ≠ j (δ_ij := 0);
- the CE gradient first pulls Σ_j y_j out of the sum (`simplify`, proved equal), then uses Σ_j y_j = 1.
"""

from __future__ import annotations

import sympy as sp

from derivations.identities.identity import Part
from derivations.notation.functions import sigmoid

n = sp.Symbol("n", integer=True, positive=True)
d = sp.Symbol("d", integer=True, positive=True)
i, j, k, m = sp.symbols("i j k m", integer=True, positive=True)
theta = sp.IndexedBase("theta", real=True)
y = sp.IndexedBase("y", real=True)
x = sp.IndexedBase("x", real=True)
W = sp.IndexedBase("W", real=True)
b, t = sp.symbols("b y", real=True)

IN_RANGE = sp.Q.ge(i, 1) & sp.Q.le(i, n)
Z = sp.Sum(sp.exp(theta[k]), (k, 1, n))


def softmax(index: sp.Expr) -> sp.Expr:
    """S(θ)_index = e^{θ_index} / Σ_{k=1}^{n} e^{θ_k}."""
    return sp.exp(theta[index]) / Z


def jacobian_steps() -> tuple[sp.Expr, sp.Expr, sp.Expr]:
    """(∂S_j/∂θ_i as diff computed it, the same refined under 1 ≤ i ≤ n, the claim S_i(δ_ij − S_j))."""
    derived = sp.diff(softmax(j), theta[i]).doit()
    refined = sp.refine(derived, IN_RANGE)
    claimed = softmax(i) * (sp.KroneckerDelta(i, j) - softmax(j))
    return derived, refined, claimed


def softmax_jacobian_parts() -> list[Part]:
    """∂S_j/∂θ_i = S_i(δ_ij − S_j) for symbolic n: the case i = j and the case i ≠ j."""
    _, refined, claimed = jacobian_steps()
    delta = sp.KroneckerDelta(i, j)
    return [
        Part("general n, i = j (refined under 1 ≤ i ≤ n)", refined.subs(j, i), claimed.subs(j, i), general=True),
        Part("general n, i ≠ j (δ_ij = 0)", refined.subs(delta, 0), claimed.subs(delta, 0), general=True),
    ]


def ce_steps() -> tuple[sp.Expr, sp.Expr, sp.Expr, sp.Expr]:
    """(CE, ∂CE/∂θ_i refined, the same with Σ_j y_j pulled out, the claim S_i − y_i)."""
    ce = -sp.Sum(y[m] * sp.log(softmax(m)), (m, 1, n))
    derived = sp.refine(sp.diff(sp.expand_log(ce, force=True), theta[i]).doit(), IN_RANGE)
    pulled = sp.simplify(derived)
    return ce, derived, pulled, softmax(i) - y[i]


def ce_gradient_parts() -> list[Part]:
    """∂CE(y, S(θ))/∂θ_i = S_i − y_i for symbolic n, with Σ_j y_j = 1 as the stated assumption."""
    _, derived, pulled, claimed = ce_steps()
    total = sp.Sum(y[m], (m, 1, n))
    if not pulled.has(total):
        raise AssertionError(f"simplify did not pull Σ_j y_j out of {pulled}")  # the proof's shape changed
    return [
        Part("general n: Σ_j y_j pulled out of the sum", derived, pulled, general=True),
        Part("general n: with Σ_j y_j = 1", pulled, claimed, {total: sp.S.One}, general=True),
    ]


def mse_parts() -> list[Part]:
    """dMSE/dW_i and dMSE/db for symbolic d: h = Σ_{l=1}^{d} x_l W_l + b, MSE = (y − σ(h))²."""
    h = sp.Sum(x[k] * W[k], (k, 1, d)) + b
    mse = (t - 1 / (1 + sp.exp(-h))) ** 2
    y_hat = sigmoid(h)
    common = -2 * (t - y_hat) * y_hat * (1 - y_hat)
    dw = sp.refine(sp.diff(mse, W[i]).doit(), sp.Q.ge(i, 1) & sp.Q.le(i, d))
    return [
        Part("general d: dMSE/dW_i (refined under 1 ≤ i ≤ d)", dw, common * x[i], general=True),
        Part("general d: dMSE/db", sp.diff(mse, b).doit(), common, general=True),
    ]


def jacobian_derivation() -> list[tuple[str, sp.Basic]]:
    """The steps, for the report."""
    derived, refined, claimed = jacobian_steps()
    return [
        ("general n: definition", sp.Eq(sp.Symbol("S_j"), softmax(j))),
        ("general n: the derivative as SymPy computes it", sp.Eq(sp.Derivative(sp.Symbol("S_j"), theta[i]), derived)),
        ("general n: refine under 1 ≤ i ≤ n", sp.Eq(sp.Derivative(sp.Symbol("S_j"), theta[i]), refined)),
        ("general n: the claim (cases i = j and i ≠ j proved)", sp.Eq(sp.Symbol("claim"), claimed)),
    ]


def ce_derivation() -> list[tuple[str, sp.Basic]]:
    """The steps, for the report."""
    ce, derived, pulled, claimed = ce_steps()
    return [
        ("general n: definition", sp.Eq(sp.Symbol("CE"), ce)),
        ("general n: expand_log, diff, refine", sp.Eq(sp.Derivative(sp.Symbol("CE"), theta[i]), derived)),
        ("general n: Σ_j y_j pulled out", sp.Eq(sp.Derivative(sp.Symbol("CE"), theta[i]), pulled)),
        ("general n: with Σ_j y_j = 1", sp.Eq(sp.Symbol("claim"), claimed)),
    ]
