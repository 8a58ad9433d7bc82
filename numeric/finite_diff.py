"""Numerical derivatives: central differences D(h) = (f(x + h) − f(x − h))/2h and complex step
D(h) = Im f(x + ih)/h, each with an error estimate, and `check_grad`, which says where and by how much.

Derivatives are laid out input-first: ``d[k…, j…] = ∂f_j/∂x_k`` (the softmax Jacobian's convention
J[i, j] = ∂S_j/∂θ_i); for a scalar f that is just the gradient, shaped like x.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

Function = Callable[[np.ndarray], np.typing.ArrayLike]

#: Accuracy of f itself, in ulps of its output dtype, assumed by the rounding-error estimate.
F_ULPS = 4.0
#: Safety factor on the Richardson truncation estimate |D(2h) − D(h)|/3.
TRUNCATION_SAFETY = 4.0
#: The smallest subnormal: below the normal range f's values are only accurate to a few of these.
ETA = 2.0**-1074


#: A batched f over a stack this large is evaluated in chunks on all cores (NumPy's loops release the GIL).
PARALLEL_ELEMENTS = 1 << 18
_POOL: ThreadPoolExecutor | None = None


def _evaluate(f: Function, stack: np.ndarray, batched: bool) -> np.ndarray:
    if not batched:
        return np.stack([np.asarray(f(row)) for row in stack])
    workers = os.cpu_count() or 1
    if workers == 1 or stack.size < PARALLEL_ELEMENTS or len(stack) < 2 * workers:
        return np.asarray(f(stack))
    global _POOL
    if _POOL is None:
        _POOL = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="finite-diff")
    chunks = np.array_split(stack, workers)
    return np.concatenate([np.asarray(r) for r in _POOL.map(f, chunks)])


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
    steps = _steps("central", x, eps=eps, h=h)
    rows = np.arange(x.size)
    d1, mag = _quotients(f, x, steps, rows, "central", batched, magnitude)
    d2, _ = _quotients(f, x, 2 * steps, rows, "central", batched, magnitude)
    hk = steps.reshape((x.size,) + (1,) * (d1.ndim - 1))
    bound = _rounding("central", eps, d1, mag, hk) + TRUNCATION_SAFETY * np.abs(d2 - d1) / 3
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
    steps = _steps("complex", x, h=h)
    rows = np.arange(x.size)
    d1, _ = _quotients(f, x, steps, rows, "complex", batched)
    d2, _ = _quotients(f, x, 2 * steps, rows, "complex", batched)
    hk = steps.reshape((x.size,) + (1,) * (d1.ndim - 1))
    eps = float(np.finfo(np.float64).eps)
    bound = _rounding("complex", eps, d1, np.abs(d1), hk) + TRUNCATION_SAFETY * np.abs(d2 - d1) / 3
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


def _quotients(
    f: Function,
    x: np.ndarray,
    steps: np.ndarray,
    rows: np.ndarray,
    method: str,
    batched: bool,
    magnitude: Function | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """(D, magnitude) for the flat input indices ``rows`` only: central (f(x+h)−f(x−h))/2h or Im f(x+ih)/h.

    The magnitude is |D| for the complex step, and max(|f(x±h)|)/h for central differences (or the
    ``magnitude`` function's values instead of |f|)."""
    n = x.size
    h = steps.ravel()[rows]
    sign = 1j if method == "complex" else 1.0
    stack = np.broadcast_to(x.ravel(), (rows.size, n)).astype(np.result_type(x, sign))  # astype copies
    stack[np.arange(rows.size), rows] += sign * h
    stack = stack.reshape((rows.size, *x.shape))
    if method == "complex":
        fz = _evaluate(f, stack, batched)
        hk = h.reshape((rows.size,) + (1,) * (fz.ndim - 1))
        d = np.imag(fz) / hk
        return d, np.abs(d)
    fp = _evaluate(f, stack, batched).astype(np.float64)
    mp = np.abs(fp if magnitude is None else _evaluate(magnitude, stack, batched))
    stack.reshape(rows.size, n)[np.arange(rows.size), rows] -= 2 * h  # x + h exact, so this is fl(x − h)
    fm = _evaluate(f, stack, batched).astype(np.float64)
    mm = np.abs(fm if magnitude is None else _evaluate(magnitude, stack, batched))
    hk = h.reshape((rows.size,) + (1,) * (fp.ndim - 1))
    return (fp - fm) / (2 * hk), np.maximum(mp, mm) / hk


def _rounding(method: str, eps: float, d: np.ndarray, mag: np.ndarray, hk: np.ndarray) -> np.ndarray:
    if method == "complex":
        return F_ULPS * np.finfo(np.float64).eps * np.abs(d) + np.finfo(np.float64).tiny * 2.0**53 / hk
    return F_ULPS * (eps * mag + ETA / hk)


def _tiny_of(a: np.ndarray) -> float:
    return float(np.finfo(a.dtype).tiny) if a.dtype.kind == "f" else float(np.finfo(np.float64).tiny)


def _epsilon_of(a: np.ndarray) -> float:
    return float(max(np.finfo(np.float64).eps, np.finfo(a.dtype).eps if a.dtype.kind == "f" else 0.0))


def check_grad(
    f: Function,
    grad: np.typing.ArrayLike | Callable[[np.ndarray], np.typing.ArrayLike],
    x: np.typing.ArrayLike,
    *,
    method: str = "central",
    batched: bool = False,
    grad_ulps: float = 8.0,
    scale: np.typing.ArrayLike | None = None,
    condition: np.typing.ArrayLike = 1.0,
) -> GradCheck:
    """Compare ``grad`` (an array or a callable at x) with the numerical derivative of f at x.

    Passes iff |analytic − numeric| ≤ bound + grad_ulps·ε_g·condition·scale everywhere, where
    - bound is the numerical derivative's own error: rounding (4ε|f|/h for central differences,
      4ε|D| for the complex step) plus, *where that alone would fail*, the Richardson estimate of
      the truncation error |D(2h) − D(h)|/3 ×4 — so a full second set of evaluations is only spent
      on suspect entries (a failure is always decided with the full bound);
    - ε_g is the epsilon of the analytic gradient's dtype (float32 gradients get float32 ulps);
    - ``condition`` bounds how far rounding the inputs to that dtype moves the gradient, relative
      (|x|·|∂g/∂x|/|g|: 1 + the logit spread for softmax-based gradients), default 1; errors below
      the smallest normal number of the gradient's dtype are representational and allowed;
    - ``scale`` (default |analytic|) is the magnitude the derivative is formed from: |S_k| + 1 for
      S_k − 1, which cancels near S_k = 1.
    Differences are taken in float64 at x exactly (for a float32 gradient, pass the float32 x).
    """
    x = np.asarray(x, dtype=np.float64)
    if method not in ("central", "complex"):
        raise ValueError(f"method must be 'central' or 'complex', got {method!r}")
    eps = _output_eps(f, x)[0] if method == "central" else float(np.finfo(np.float64).eps)
    steps = _steps(method, x, eps=eps)
    rows = np.arange(x.size)
    d, mag = _quotients(f, x, steps, rows, method, batched)
    shape = x.shape + d.shape[1:]
    hk = steps.ravel().reshape((x.size,) + (1,) * (d.ndim - 1))
    bound = _rounding(method, eps, d, mag, hk)
    num = d.reshape(shape)
    raw_grad = np.asarray(grad(x) if callable(grad) else grad)
    ana = raw_grad.astype(np.float64)
    if ana.shape != num.shape:
        raise ValueError(f"analytic derivative has shape {ana.shape}, expected {num.shape}")
    mag_a = np.abs(ana) if scale is None else np.maximum(np.abs(ana), np.abs(np.asarray(scale, dtype=np.float64)))
    slack = grad_ulps * _epsilon_of(raw_grad) * np.maximum(1.0, np.asarray(condition, dtype=np.float64)) * mag_a
    slack = slack + _tiny_of(raw_grad)  # below its smallest normal, the gradient's dtype cannot say more
    err = np.abs(ana - num)
    tol = bound.reshape(shape) + slack
    suspect = ~(err <= tol)
    if suspect.any():  # Richardson on the suspect inputs only: D(2h) there
        flat_bad = np.unique(np.argwhere(suspect.reshape(x.size, -1))[:, 0])
        d2, _ = _quotients(f, x, 2 * steps, flat_bad, method, batched)
        trunc = TRUNCATION_SAFETY * np.abs(d2 - d[flat_bad]) / 3
        full = bound.copy()
        full[flat_bad] += trunc
        tol = full.reshape(shape) + slack
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


@dataclass(frozen=True)
class DirectionalCheck:
    """The outcome of `check_grad_directions`: the worst direction and the worst sampled coordinate."""

    passed: bool
    method: str
    directions: int
    sampled: tuple[int, ...]
    direction_error: float
    direction_tolerance: float
    coordinate: GradCheck | None

    def miss_probability(self, error_norm: float) -> float:
        """P(an error e with ‖e‖₂ = error_norm passes every direction) ≤ (√(2/π)·t/‖e‖)^k."""
        t = self.direction_tolerance
        return min(1.0, (np.sqrt(2 / np.pi) * t / error_norm) ** self.directions) if error_norm > 0 else 1.0

    def message(self, name: str = "gradient") -> str:
        status = "matches" if self.passed else "disagrees with"
        text = (
            f"{name}: analytic {status} {self.method} along {self.directions} random directions "
            f"(worst |⟨g − ∇f, u⟩| = {self.direction_error:.3g}, tolerance {self.direction_tolerance:.3g})"
        )
        if self.coordinate is not None:
            text += "\n" + self.coordinate.message(f"{name}, sampled coordinates")
        return text


def check_grad_directions(
    f: Function,
    grad: np.typing.ArrayLike,
    x: np.typing.ArrayLike,
    *,
    directions: int = 4,
    sample: int = 32,
    method: str = "complex",
    seed: int = 0,
    grad_ulps: float = 8.0,
    condition: float = 1.0,
) -> DirectionalCheck:
    """For large n (a scalar f): ⟨∇f, u⟩ for ``directions`` Gaussian u, plus ``sample`` coordinates.

    Each direction costs one evaluation of f at a complex point (complex step, Im f(x + ihu)/h) or
    two real ones (central differences), and a second for the Richardson truncation estimate, so the
    check is O(n·directions) instead of O(n²). Guarantee: for an error e = g − ∇f, ⟨e, u⟩ is normal
    with standard deviation ‖e‖₂, so it stays below the tolerance t in one direction with
    probability ≤ √(2/π)·t/‖e‖₂ and in all k with ≤ (0.8·t/‖e‖₂)^k — a single-component bug of size
    100·t escapes 4 directions with probability ≤ 4·10⁻⁹ (`DirectionalCheck.miss_probability`). The
    sampled coordinates are checked as `check_grad` does, to name an index when one is wrong.
    """
    x = np.asarray(x, dtype=np.float64)
    g_raw = np.asarray(grad)
    g = g_raw.astype(np.float64)
    if g.shape != x.shape:
        raise ValueError(f"analytic gradient has shape {g.shape}, expected {x.shape} (a scalar f)")
    rng = np.random.default_rng(seed)
    eps = float(np.finfo(np.float64).eps)
    eps_g = _epsilon_of(g_raw)
    worst_err, worst_tol, passed = 0.0, 0.0, True
    for _ in range(directions):
        u = rng.standard_normal(x.shape)
        est = []
        for mult in (1.0, 2.0):
            if method == "complex":
                h = mult * 2.0**-30 * max(1.0, float(np.max(np.abs(x))))
                est.append(float(np.imag(f(x + 1j * h * u))) / h)
                fmag = 0.0
            else:
                h = mult * np.cbrt(eps) * max(1.0, float(np.max(np.abs(x))))
                fp, fm = float(f(x + h * u)), float(f(x - h * u))
                est.append((fp - fm) / (2 * h))
                if mult == 1.0:
                    fmag = max(abs(fp), abs(fm)) / h
        terms = float(np.sum(np.abs(g * u)))
        tol = (
            F_ULPS * eps * (terms + fmag)
            + TRUNCATION_SAFETY * abs(est[1] - est[0]) / 3
            + grad_ulps * eps_g * max(1.0, condition) * terms
        )
        err = abs(float(np.sum(g * u)) - est[0])
        if not err <= tol:
            passed = False
        if err / tol >= worst_err / max(worst_tol, 1e-300):
            worst_err, worst_tol = err, tol
    coordinate = None
    if sample:
        rows = np.sort(rng.choice(x.size, size=min(sample, x.size), replace=False))
        method_name = "complex" if method == "complex" else "central"
        d, mag = _quotients(f, x, _steps(method_name, x), rows, method_name, batched=False)
        sub_grad = g.ravel()[rows]
        bound_rows = _rounding(method_name, eps, d, mag, _steps(method_name, x).ravel()[rows])
        err = np.abs(sub_grad - d.ravel())
        tol = bound_rows.ravel() + grad_ulps * eps_g * max(1.0, condition) * np.abs(sub_grad) + _tiny_of(g_raw)
        if np.any(~(err <= tol)):
            d2, _ = _quotients(f, x, 2 * _steps(method_name, x), rows, method_name, batched=False)
            tol = tol + TRUNCATION_SAFETY * np.abs(d2.ravel() - d.ravel()) / 3
        k = int(np.argmax(err / tol))
        ok = bool(np.all(err <= tol))
        passed &= ok
        coordinate = GradCheck(ok, "complex step" if method == "complex" else "central differences",
                               tuple(int(i) for i in np.unravel_index(int(rows[k]), x.shape)),
                               float(sub_grad[k]), float(d.ravel()[k]), float(err[k]), float(tol[k]),
                               float(_steps(method_name, x).ravel()[rows[k]]))  # fmt: skip
    return DirectionalCheck(
        passed,
        "complex step" if method == "complex" else "central differences",
        directions,
        tuple(int(r) for r in rows) if sample else (),
        worst_err,
        worst_tol,
        coordinate,
    )


def _steps(method: str, x: np.ndarray, *, eps: float | None = None, h: float | None = None) -> np.ndarray:
    """h_k = h·max(1, |x_k|): h = 2⁻³⁰ for the complex step, ε^{1/3} (ε of f's output) for central
    differences, rounded there so that x_k ± h_k is exact."""
    scale = np.maximum(1.0, np.abs(x))
    if method == "complex":
        return (2.0**-30 if h is None else h) * scale
    raw = (np.cbrt(float(np.finfo(np.float64).eps) if eps is None else eps) if h is None else h) * scale
    return (x + raw) - x
