"""Numerical derivatives: central differences D(h) = (f(x + h) − f(x − h))/2h and complex step
D(h) = Im f(x + ih)/h, each with an error estimate, and `check_grad`, which says where and by how much.

Derivatives are laid out input-first: ``d[k…, j…] = ∂f_j/∂x_k`` (the softmax Jacobian's convention
J[i, j] = ∂S_j/∂θ_i); for a scalar f that is just the gradient, shaped like x.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

Function = Callable[[np.ndarray], np.typing.ArrayLike]

#: Accuracy of f itself, in ulps of its output dtype, assumed by the rounding-error estimate.
F_ULPS = 4.0
#: Safety factor on the Richardson truncation estimate |D(2h) − D(h)|/3.
TRUNCATION_SAFETY = 4.0
#: The smallest subnormal: below the normal range f's values are only accurate to a few of these.
ETA = 2.0**-1074


def _perturbed(x: np.ndarray, steps: np.ndarray, sign: complex) -> np.ndarray:
    """The stack x + sign·h_k·e_k for every flat index k: shape (x.size, *x.shape)."""
    n = x.size
    stack = np.broadcast_to(x, (n, *x.shape)).astype(np.result_type(x, sign)).copy()
    flat = stack.reshape(n, n)
    flat[np.arange(n), np.arange(n)] += sign * steps.ravel()
    return stack


def _evaluate(f: Function, stack: np.ndarray, batched: bool) -> np.ndarray:
    if batched:
        return np.asarray(f(stack))
    return np.stack([np.asarray(f(row)) for row in stack])


def _output_eps(f: Function, x: np.ndarray) -> tuple[float, np.ndarray]:
    y = np.asarray(f(x))
    dtype = y.dtype if y.dtype.kind == "f" else np.dtype(np.float64)
    return float(np.finfo(dtype).eps), y


def central_diff(
    f: Function,
    x: np.typing.ArrayLike,
    *,
    batched: bool = False,
    h: float | None = None,
    magnitude: Function | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(D, error bound, steps): D ≈ ∂f/∂x by (f(x + h) − f(x − h))/2h, computed in float64.

    The step is h_k = ε^{1/3}·max(1, |x_k|) with ε the epsilon of f's output dtype (the optimum
    for rounding ~ε|f|/h against truncation ~h²|f'''|/6), rounded so that x_k ± h_k is exact.
    The bound adds the rounding term F_ULPS·(ε·max|f(x ± h)| + η)/h (η the smallest subnormal,
    for values that underflowed) and a Richardson estimate
    of the truncation error, |D(2h) − D(h)|/3, times TRUNCATION_SAFETY.
    ``batched``: f takes the whole stack of perturbed inputs at once (leading axis).
    ``magnitude``: where f is accurate to F_ULPS·ε of something larger than |f| (a loss
    (y − ŷ)² whose residual cancels), a function giving that magnitude; default |f|.
    """
    x = np.asarray(x, dtype=np.float64)
    eps, _ = _output_eps(f, x)
    scale = np.maximum(1.0, np.abs(x))
    raw = (h if h is not None else np.cbrt(eps)) * scale
    steps = (x + raw) - x  # exactly representable perturbation
    out = []
    for mult in (1.0, 2.0):
        hi = steps * mult
        fp = _evaluate(f, _perturbed(x, hi, 1.0), batched).astype(np.float64)
        fm = _evaluate(f, _perturbed(x, hi, -1.0), batched).astype(np.float64)
        hk = hi.reshape((x.size,) + (1,) * (fp.ndim - 1))
        if magnitude is not None:
            mp_, mm_ = (np.abs(_evaluate(magnitude, _perturbed(x, hi, s), batched)) for s in (1.0, -1.0))
        else:
            mp_, mm_ = np.abs(fp), np.abs(fm)
        out.append(((fp - fm) / (2 * hk), np.maximum(mp_, mm_) / hk))
    (d1, mag), (d2, _) = out
    hk = steps.reshape((x.size,) + (1,) * (d1.ndim - 1))
    bound = F_ULPS * (eps * mag + ETA / hk) + TRUNCATION_SAFETY * np.abs(d2 - d1) / 3
    shape = x.shape + d1.shape[1:]
    return d1.reshape(shape), bound.reshape(shape), steps


def complex_step(
    f: Function, x: np.typing.ArrayLike, *, batched: bool = False, h: float = 2.0**-30
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(D, error bound, steps): D ≈ ∂f/∂x by Im f(x + ih)/h, for f analytic and complex-safe.

    No difference quotient, so no h-dependent cancellation: the error is the truncation
    h²|f'''|/6 (Richardson estimate |D(2h) − D(h)|/3, times TRUNCATION_SAFETY) plus rounding.
    Rounding adds F_ULPS·ε·|D| where the derivative itself does not cancel; where it does
    (∂CE/∂θ_k = S_k − 1 near S_k = 1), callers add ε times the magnitudes that cancel
    (`check_grad`'s ``scale``).
    h_k = 2⁻³⁰·max(1, |x_k|) keeps h·f' clear of underflow; below |D| ≈ 2⁻¹⁰²²·2⁵³/h the
    imaginary part is subnormal and that floor is added to the bound.
    """
    x = np.asarray(x, dtype=np.float64)
    steps = h * np.maximum(1.0, np.abs(x))
    out = []
    for mult in (1.0, 2.0):
        hi = steps * mult
        fz = _evaluate(f, _perturbed(x, hi, 1j), batched)
        hk = hi.reshape((x.size,) + (1,) * (fz.ndim - 1))
        out.append((np.imag(fz) / hk, hk))
    (d1, hk), (d2, _) = out
    eps = float(np.finfo(np.float64).eps)
    underflow_floor = np.finfo(np.float64).tiny * 2.0**53 / hk
    bound = F_ULPS * eps * np.abs(d1) + TRUNCATION_SAFETY * np.abs(d2 - d1) / 3 + underflow_floor
    shape = x.shape + d1.shape[1:]
    return d1.reshape(shape), bound.reshape(shape), steps


@dataclass(frozen=True)
class GradCheck:
    """The outcome of comparing an analytic derivative with a numerical one, at its worst index."""

    passed: bool
    method: str
    worst_index: tuple[int, ...]
    analytic: float
    numeric: float
    error: float
    tolerance: float
    step: float

    def message(self, name: str = "gradient") -> str:
        """A failure message: what, where, which side is numeric, both values, the tolerance."""
        status = "matches" if self.passed else "disagrees with"
        return (
            f"{name}: analytic {status} {self.method} at index {self.worst_index} (step h = {self.step:.3g})\n"
            f"  analytic: {self.analytic!r}\n"
            f"  numeric:  {self.numeric!r}  ({self.method})\n"
            f"  |Δ| = {self.error:.3g}  (tolerance {self.tolerance:.3g})"
        )


def check_grad(
    f: Function,
    grad: np.typing.ArrayLike | Callable[[np.ndarray], np.typing.ArrayLike],
    x: np.typing.ArrayLike,
    *,
    method: str = "central",
    batched: bool = False,
    grad_ulps: float = 8.0,
    scale: np.typing.ArrayLike | None = None,
) -> GradCheck:
    """Compare ``grad`` (an array or a callable at x) with the numerical derivative of f at x.

    Passes iff |analytic − numeric| ≤ bound + grad_ulps·ε·scale everywhere: the numerical
    derivative's own error bound plus a few ulps for rounding. ``scale`` (default |analytic|) is
    the magnitude the derivative is formed from: |S_k| + 1 for S_k − 1, which cancels near S_k = 1.
    """
    x = np.asarray(x, dtype=np.float64)
    if method == "central":
        num, bound, steps = central_diff(f, x, batched=batched)
    elif method == "complex":
        num, bound, steps = complex_step(f, x, batched=batched)
    else:
        raise ValueError(f"method must be 'central' or 'complex', got {method!r}")
    ana = np.asarray(grad(x) if callable(grad) else grad, dtype=np.float64)
    if ana.shape != num.shape:
        raise ValueError(f"analytic derivative has shape {ana.shape}, expected {num.shape}")
    mag = np.abs(ana) if scale is None else np.maximum(np.abs(ana), np.abs(np.asarray(scale, dtype=np.float64)))
    tol = bound + grad_ulps * np.finfo(np.float64).eps * mag
    err = np.abs(ana - num)
    ratio = np.where(np.isnan(err), np.inf, err / np.where(tol > 0, tol, np.finfo(np.float64).tiny))
    worst = np.unravel_index(int(np.argmax(ratio)), ratio.shape) if ratio.size else ()
    step_index = worst[: x.ndim]
    return GradCheck(
        passed=bool(np.all(ratio <= 1.0)),
        method="central differences" if method == "central" else "complex step",
        worst_index=tuple(int(i) for i in worst),
        analytic=float(ana[worst]) if ratio.size else 0.0,
        numeric=float(num[worst]) if ratio.size else 0.0,
        error=float(err[worst]) if ratio.size else 0.0,
        tolerance=float(tol[worst]) if ratio.size else 0.0,
        step=float(steps[step_index]) if steps.size else 0.0,
    )
