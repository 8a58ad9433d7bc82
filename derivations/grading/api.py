"""The submission API as data: for each function, its reference, its input domains, and its tolerance.

Two domains per function. *Typical* inputs (correctness): moderate values, every shape the API
allows. *Extreme* inputs (stability): σ up to |x| = 1000, logit spreads up to 1e4, equal huge
logits, zeros in ŷ where y is 0, saturated neurons. The reference is `numeric/` (a few ulps).

The tolerance (docs/grading.md) accepts the textbook forms the notes teach and rejects wrong
mathematics and numerical breakdown. For an output entry r, a submission's value g passes when

    |g − r| ≤ K·ε·(κ·|r| + s),   K = 16, ε = the returned dtype's machine epsilon (≥ float64's),

κ = 1 + the largest |argument of exp| the inputs imply (the condition number of these functions,
all compositions of exp with such arguments; a max-shifted softmax at spread 1e4 is off by
~5000 ulp, because θ_i − max θ itself is rounded, and passes), and s = the output's natural scale
(1 for probabilities and their derivatives, which is the floor that lets σ(x)(1 − σ(x)) return
0 where σ'(x) < 1e-16; the size of the loss or of x where those set the scale). Shapes must match
exactly (no broadcasting), dtypes must be real floating, and a value must be finite wherever the
reference is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import numeric

K = 16


@dataclass(frozen=True)
class Domain:
    """Bounds of the inputs drawn (configurable: docs/grading.md)."""

    typical_max_abs: float = 10.0
    sigmoid_max_abs: float = 1000.0
    logit_spread: float = 1e4
    max_classes: int = 8
    max_batch: int = 4
    max_features: int = 5


Args = tuple


@dataclass(frozen=True)
class FunctionSpec:
    """One function of the submission API."""

    name: str
    signature: str
    reference: Callable[..., object]
    typical: Callable[[Domain], st.SearchStrategy[Args]]
    extreme: Callable[[Domain], st.SearchStrategy[Args]]
    kappa: Callable[[Args], float]
    scale: Callable[[Args, np.ndarray], float]
    #: Entries where any value in a range is right (ReLU's subgradient at 0): (args, got) → mask.
    anything_in: Callable[[Args, np.ndarray], np.ndarray] | None = None
    #: Positions of scalar parameters (y, b): a 0-d value there reaches the student as a Python float.
    floats: tuple[int, ...] = ()
    #: Points unless the config says otherwise: DESIGN.md's seven functions 10, the later ones 0 (opt-in).
    default_points: float = 10.0


def _floats(lim: float) -> st.SearchStrategy[float]:
    return st.floats(-lim, lim, allow_nan=False, allow_infinity=False)


def _x_arrays(lim: float, special: tuple[float, ...] = ()) -> st.SearchStrategy[Args]:
    elements = _floats(lim) if not special else st.one_of(_floats(lim), st.sampled_from(special))
    shapes = hnp.array_shapes(min_dims=0, max_dims=2, min_side=1, max_side=5)
    return hnp.arrays(np.float64, shapes, elements=elements).map(lambda a: (a,))


SIGMOID_EXTREMES = (1000.0, -1000.0, 745.0, -745.0, 709.8, -709.8, 40.0, -40.0, 36.75, -36.75, 0.0)


def _shape(d: Domain, batch: bool = True) -> st.SearchStrategy[tuple[int, ...]]:
    n = st.integers(1, d.max_classes)
    if not batch:
        return n.map(lambda k: (k,))
    return st.one_of(n.map(lambda k: (k,)), st.tuples(st.integers(1, d.max_batch), n))


def _logits(d: Domain, shape: tuple[int, ...], extreme: bool) -> st.SearchStrategy[np.ndarray]:
    if not extreme:
        return hnp.arrays(np.float64, shape, elements=_floats(5.0))
    spread = d.logit_spread
    unit = hnp.arrays(np.float64, shape, elements=st.floats(-1.0, 1.0))
    return st.one_of(
        st.tuples(_floats(spread), st.floats(0.0, spread), unit).map(lambda t: t[0] + t[1] * t[2]),
        _floats(spread).map(lambda c: np.full(shape, c)),  # all equal and huge: naive exp overflows
    )


def _labels(shape: tuple[int, ...]) -> st.SearchStrategy[np.ndarray]:
    """One-hot rows or probability vectors (soft labels), rows summing to 1."""
    n = shape[-1]
    rows = int(np.prod(shape[:-1])) if len(shape) > 1 else 1

    def one_hot(ks: list[int]) -> np.ndarray:
        y = np.zeros((rows, n))
        y[np.arange(rows), ks] = 1.0
        return y.reshape(shape)

    def soft(w: np.ndarray) -> np.ndarray:
        w = np.abs(w) + 1e-3
        return (w / w.sum(axis=-1, keepdims=True)).reshape(shape)

    return st.one_of(
        st.lists(st.integers(0, n - 1), min_size=rows, max_size=rows).map(one_hot),
        hnp.arrays(np.float64, (rows, n), elements=st.floats(0.0, 1.0)).map(soft),
    )


def _softmax_args(d: Domain, extreme: bool, batch: bool = True) -> st.SearchStrategy[Args]:
    return _shape(d, batch).flatmap(lambda s: _logits(d, s, extreme).map(lambda t: (t,)))


def _ce_grad_args(d: Domain, extreme: bool) -> st.SearchStrategy[Args]:
    return _shape(d).flatmap(lambda s: st.tuples(_logits(d, s, extreme), _labels(s)))


def _ce_args(d: Domain, extreme: bool) -> st.SearchStrategy[Args]:
    def pair(shape: tuple[int, ...]) -> st.SearchStrategy[Args]:
        y = _labels(shape)
        if not extreme:
            y_hat = _logits(d, shape, False).map(lambda t: numeric.softmax(t / 2))  # every ŷ_i ≥ e^-5/n
            return st.tuples(y, y_hat)

        def hat(args: tuple[np.ndarray, np.ndarray, np.ndarray]) -> Args:
            y, theta, zero = args
            y_hat = numeric.softmax(theta)
            y_hat = np.where((y == 0) & zero, 0.0, y_hat)  # zeros in ŷ where y is 0: 0·log 0 = 0
            return y, y_hat

        zeros = hnp.arrays(np.bool_, shape)
        return st.tuples(y, _logits(d, shape, True).map(lambda t: t / 20), zeros).map(hat)

    return _shape(d).flatmap(pair)


def _mse_args(d: Domain, extreme: bool) -> st.SearchStrategy[Args]:
    lim = d.typical_max_abs / 5 if not extreme else d.sigmoid_max_abs / 2

    def build(dims: tuple[int, int]) -> st.SearchStrategy[Args]:
        m, n = dims
        x_shape = (n,) if m == 0 else (m, n)
        x = hnp.arrays(np.float64, x_shape, elements=st.one_of(st.sampled_from([0.0, 1.0]), _floats(2.0)))
        y = st.floats(0.0, 1.0) if m == 0 else hnp.arrays(np.float64, (m,), elements=st.floats(0.0, 1.0))
        w = hnp.arrays(np.float64, (n,), elements=_floats(lim))
        return st.tuples(x, y.map(np.asarray), w, _floats(lim).map(np.asarray))

    return st.tuples(st.integers(0, d.max_batch), st.integers(1, d.max_features)).flatmap(build)


def _max_abs(*arrays: np.ndarray) -> float:
    return max((float(np.max(np.abs(a))) if np.size(a) else 0.0) for a in arrays)


def _spread(theta: np.ndarray) -> float:
    t = np.asarray(theta)
    return float(np.max(np.abs(t - np.max(t, axis=-1, keepdims=True)))) if t.size else 0.0


def _mse_kappa(args: Args) -> float:
    x, _, w, b = args
    return 1.0 + float(np.max(np.abs(x) @ np.abs(w))) + abs(float(b))


SPECS: tuple[FunctionSpec, ...] = (
    FunctionSpec(
        "sigmoid",
        "sigmoid(x): σ(x) elementwise, any shape",
        numeric.sigmoid,
        lambda d: _x_arrays(d.typical_max_abs),
        lambda d: _x_arrays(d.sigmoid_max_abs, SIGMOID_EXTREMES),
        lambda a: 1.0 + _max_abs(a[0]),
        lambda a, r: 1.0,
    ),
    FunctionSpec(
        "sigmoid_grad",
        "sigmoid_grad(x): σ'(x) elementwise, any shape",
        numeric.sigmoid_grad,
        lambda d: _x_arrays(d.typical_max_abs),
        lambda d: _x_arrays(d.sigmoid_max_abs, SIGMOID_EXTREMES),
        lambda a: 1.0 + _max_abs(a[0]),
        lambda a, r: 1.0,
    ),
    FunctionSpec(
        "softmax",
        "softmax(theta): over the last axis, theta (n,) or (m, n)",
        numeric.softmax,
        lambda d: _softmax_args(d, False),
        lambda d: _softmax_args(d, True),
        lambda a: 1.0 + _spread(a[0]),
        lambda a, r: 1.0,
    ),
    FunctionSpec(
        "softmax_jacobian",
        "softmax_jacobian(theta): (n, n), J[i, j] = ∂S_j/∂θ_i, theta (n,)",
        numeric.softmax_jacobian,
        lambda d: _softmax_args(d, False, batch=False),
        lambda d: _softmax_args(d, True, batch=False),
        lambda a: 1.0 + _spread(a[0]),
        lambda a, r: 1.0,
    ),
    FunctionSpec(
        "cross_entropy",
        "cross_entropy(y, y_hat): −Σ y log ŷ over the last axis (0·log 0 = 0)",
        numeric.cross_entropy,
        lambda d: _ce_args(d, False),
        lambda d: _ce_args(d, True),
        lambda a: 1.0,
        lambda a, r: max(1.0, _max_abs(r)),
    ),
    FunctionSpec(
        "ce_softmax_grad",
        "ce_softmax_grad(theta, y): ∂CE(y, softmax θ)/∂θ, the shape of theta",
        numeric.ce_softmax_grad,
        lambda d: _ce_grad_args(d, False),
        lambda d: _ce_grad_args(d, True),
        lambda a: 1.0 + _spread(a[0]),
        lambda a, r: 1.0,
    ),
    FunctionSpec(
        "mse_layer_grads",
        "mse_layer_grads(x, y, W, b): (dW, db) of (y − σ(xW + b))², batch rows averaged",
        numeric.mse_layer_grads,
        lambda d: _mse_args(d, False),
        lambda d: _mse_args(d, True),
        _mse_kappa,
        lambda a, r: 1.0 + _max_abs(a[0]),
        floats=(1, 3),
    ),
)


def _bce_args(d: Domain, extreme: bool) -> st.SearchStrategy[Args]:
    lim = d.sigmoid_max_abs if extreme else d.typical_max_abs
    shapes = hnp.array_shapes(min_dims=0, max_dims=2, min_side=1, max_side=5)
    label = st.one_of(st.sampled_from([0.0, 1.0]), st.floats(0.0, 1.0))
    return shapes.flatmap(
        lambda s: st.tuples(hnp.arrays(np.float64, s, elements=_floats(lim)), hnp.arrays(np.float64, s, elements=label))
    )


def _lse_args(d: Domain, extreme: bool) -> st.SearchStrategy[Args]:
    return _shape(d).flatmap(lambda s: _logits(d, s, extreme).map(lambda t: (t,)))


def _regression_args(d: Domain, extreme: bool) -> st.SearchStrategy[Args]:
    lim = 2.0 if not extreme else d.logit_spread / 20

    def build(dims: tuple[int, int, int]) -> st.SearchStrategy[Args]:
        m, f, c = dims
        x = hnp.arrays(np.float64, (m, f), elements=_floats(2.0))
        w = hnp.arrays(np.float64, (f, c), elements=_floats(lim))
        b = hnp.arrays(np.float64, (c,), elements=_floats(lim))
        return st.tuples(x, _labels((m, c)), w, b)

    dims = st.tuples(st.integers(1, d.max_batch), st.integers(1, d.max_features), st.integers(2, d.max_classes))
    return dims.flatmap(build)


def _xor_args(d: Domain, extreme: bool) -> st.SearchStrategy[Args]:
    lim = 4.0 if not extreme else d.sigmoid_max_abs / 10
    from numeric.xor import XOR_X, XOR_Y

    return st.tuples(
        hnp.arrays(np.float64, (2, 2), elements=_floats(lim)),
        hnp.arrays(np.float64, (2,), elements=_floats(lim)),
        hnp.arrays(np.float64, (2,), elements=_floats(lim)),
        _floats(lim).map(np.asarray),
    ).map(lambda p: (XOR_X, XOR_Y, *p))


def _regression_kappa(args: Args) -> float:
    x, _, w, b = args
    return 1.0 + _spread(x @ w + b)


def _xor_kappa(args: Args) -> float:
    x, _, w1, b1, w2, b2 = args
    return 1.0 + float(np.max(np.abs(x) @ np.abs(w1) + np.abs(b1))) + float(np.sum(np.abs(w2)) + abs(float(b2)))


SPECS += (
    FunctionSpec(
        "tanh_grad",
        "tanh_grad(x): 1 − tanh²(x) elementwise, any shape",
        numeric.tanh_grad,
        lambda d: _x_arrays(d.typical_max_abs),
        lambda d: _x_arrays(d.sigmoid_max_abs, SIGMOID_EXTREMES),
        lambda a: 1.0 + 2 * _max_abs(a[0]),
        lambda a, r: 1.0,
        default_points=0.0,
    ),
    FunctionSpec(
        "relu_grad",
        "relu_grad(x): 1 for x > 0, 0 for x < 0, any value in [0, 1] at 0",
        numeric.relu_grad,
        lambda d: _x_arrays(d.typical_max_abs, (0.0,)),
        lambda d: _x_arrays(d.sigmoid_max_abs, (0.0, -0.0, 5e-324, -5e-324)),
        lambda a: 1.0,
        lambda a, r: 1.0,
        anything_in=lambda a, g: (np.asarray(a[0]) == 0) & (np.asarray(g) >= 0) & (np.asarray(g) <= 1),
        default_points=0.0,
    ),
    FunctionSpec(
        "bce_sigmoid_grad",
        "bce_sigmoid_grad(h, y): ∂BCE(y, σ(h))/∂h = σ(h) − y elementwise",
        numeric.bce_sigmoid_grad,
        lambda d: _bce_args(d, False),
        lambda d: _bce_args(d, True),
        lambda a: 1.0 + _max_abs(a[0]),
        lambda a, r: 1.0,
        default_points=0.0,
    ),
    FunctionSpec(
        "logsumexp",
        "logsumexp(theta): log Σ_k e^{θ_k} over the last axis, theta (n,) or (m, n)",
        numeric.logsumexp,
        lambda d: _lse_args(d, False),
        lambda d: _lse_args(d, True),
        lambda a: 1.0,
        lambda a, r: max(1.0, _max_abs(r)),
        default_points=0.0,
    ),
    FunctionSpec(
        "softmax_regression_grads",
        "softmax_regression_grads(X, Y, W, b): (∂L/∂W, ∂L/∂b) of the mean CE of softmax(XW + b)",
        numeric.softmax_regression_grads,
        lambda d: _regression_args(d, False),
        lambda d: _regression_args(d, True),
        _regression_kappa,
        lambda a, r: 1.0 + _max_abs(a[0]),
        default_points=0.0,
    ),
    FunctionSpec(
        "xor_network_grads",
        "xor_network_grads(X, y, W1, b1, w2, b2): (∂L/∂W1, ∂L/∂b1, ∂L/∂w2, ∂L/∂b2), two sigmoid hidden units",
        numeric.xor_network_grads,
        lambda d: _xor_args(d, False),
        lambda d: _xor_args(d, True),
        _xor_kappa,
        lambda a, r: 1.0 + _max_abs(a[4]),
        floats=(5,),
        default_points=0.0,
    ),
)
API = tuple(s.name for s in SPECS)


def spec(name: str) -> FunctionSpec:
    return next(s for s in SPECS if s.name == name)


def _fmt(a: np.ndarray) -> str:
    return np.array2string(np.asarray(a), precision=17, separator=", ", threshold=20)


def compare(
    fs: FunctionSpec, args: Args, got: list[np.ndarray], as_tuple: bool, *, ulps: float = K, floor: float = 0.0
) -> str | None:
    """Why ``got`` is not an acceptable return value for ``args`` (None if it is).

    ``ulps`` is K of the tolerance, ``floor`` an extra absolute allowance (both from ``[tolerance]``).
    """
    ref = fs.reference(*args)
    refs = [np.asarray(r, dtype=np.float64) for r in (ref if isinstance(ref, tuple) else (ref,))]
    if isinstance(ref, tuple) and (not as_tuple or len(got) != len(refs)):
        return f"returned {len(got)} value(s){'' if as_tuple else ' (not a tuple)'}; expected a tuple of {len(refs)}"
    if not isinstance(ref, tuple) and (as_tuple or len(got) != 1):
        return f"returned a tuple of {len(got)}; expected one array"
    kappa = fs.kappa(args)
    for k, (r, g) in enumerate(zip(refs, got)):
        which = f"value {k + 1}: " if len(refs) > 1 else ""
        g = np.asarray(g)
        if g.dtype.kind != "f":
            return f"{which}dtype {g.dtype}; expected a real floating dtype"
        if g.shape != r.shape:
            return f"{which}shape {g.shape}; expected {r.shape} (no broadcasting)"
        bad = ~np.isfinite(g) & np.isfinite(r)
        if bad.any():
            i = tuple(int(v) for v in np.argwhere(bad)[0])
            at = f" at index {i}" if g.ndim else ""
            return f"{which}{g[i] if g.ndim else g[()]}{at} where the answer is {float(r[i] if r.ndim else r[()])!r}"
        eps = max(np.finfo(np.float64).eps, np.finfo(g.dtype).eps)
        tol = ulps * eps * (kappa * np.abs(r) + fs.scale(args, r)) + floor
        err = np.abs(g.astype(np.float64) - r)
        over = err > tol
        if fs.anything_in is not None:
            over &= ~fs.anything_in(args, g)
        if over.any():
            i = tuple(int(v) for v in np.argwhere(over)[0])
            gi, ri = (g[i], r[i]) if g.ndim else (g[()], r[()])
            at = f" at index {i}" if g.ndim else ""
            return (
                f"{which}{float(gi)!r}{at}; expected {float(ri)!r} "
                f"(|error| {float(err[i]):.3g} > tolerance {float(tol[i]):.3g})"
            )
    return None


def describe_args(fs: FunctionSpec, args: Args) -> str:
    names = fs.signature.split("(", 1)[1].split(")", 1)[0].split(", ")
    return ", ".join(f"{n}={_fmt(a)}" for n, a in zip(names, args))


def expected(fs: FunctionSpec, args: Args) -> str:
    ref = fs.reference(*args)
    return ", ".join(_fmt(r) for r in ref) if isinstance(ref, tuple) else _fmt(ref)
