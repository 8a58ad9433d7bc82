"""σ as a SymPy function: σ(x) = 1/(1 + e^{−x}), with σ' = σ(x)·σ(−x) and rewrite(exp).

Derivations read like the notes (σ stays σ under diff), lambdify maps it to a stable NumPy
σ, and `.rewrite(sp.exp)` turns it back into the definition for proofs. The derivative rule in
`fdiff` is itself a theorem of the registry (`sigmoid-derivative-symmetric`), and a test checks
it against the derivative of the definition.
"""

from __future__ import annotations

import sympy as sp


class sigmoid(sp.Function):  # noqa: N801 - SymPy functions are lower-case, like sp.exp
    """σ(x) = 1/(1 + e^{−x}), the logistic sigmoid."""

    nargs = 1

    @classmethod
    def eval(cls, x: sp.Expr) -> sp.Expr | None:
        """σ(0) = ½; everything else stays symbolic."""
        if x.is_zero:
            return sp.S.Half
        return None

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        """σ'(x) = σ(x)·σ(−x)."""
        if argindex != 1:
            raise sp.ArgumentIndexError(self, argindex)
        x = self.args[0]
        return sigmoid(x) * sigmoid(-x)

    def _eval_rewrite_as_exp(self, x: sp.Expr, **kwargs: object) -> sp.Expr:
        return 1 / (1 + sp.exp(-x))

    def _eval_is_real(self) -> bool | None:
        return self.args[0].is_real

    def _eval_is_positive(self) -> bool | None:
        return self.args[0].is_real

    def _latex(self, printer: sp.printing.latex.LatexPrinter, exp: object = None) -> str:
        inner = printer._print(self.args[0])
        base = rf"\sigma\left({inner}\right)"
        return base if exp is None else rf"{base}^{{{exp}}}"


def to_exp(expr: sp.Expr) -> sp.Expr:
    """Replace σ by its definition 1/(1 + e^{−x}), and tanh, sinh, cosh by theirs, everywhere."""
    return expr.rewrite(sp.exp) if expr.has(sigmoid, sp.tanh, sp.sinh, sp.cosh) else expr
