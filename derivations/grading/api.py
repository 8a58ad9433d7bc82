"""The registry's references as data: for each, its NumPy witness, its input domains, and its tolerance.

Every `FunctionSpec` is one reference an assignment can name (``reference = "sigmoid-derivative"``):
the witness of an identity of the registry, or (``"softmax-jacobian:softmax"``) the function that
identity differentiates. The shipped assignment ``assignments/nn-basics.toml`` grades one function
per spec, named as ``name`` says; an assignment of its own names, signatures and inputs maps onto
the same specs (derivations/grading/assignment.py).

Two domains per function. *Typical* inputs (correctness): moderate values, every shape the API
allows. *Extreme* inputs (stability): σ up to |x| = 1000, logit spreads up to 1e4, equal huge
logits, zeros in ŷ where y is 0, saturated neurons. The reference is `numeric/` (a few ulps).

The tolerance (docs/grading.md) accepts the textbook forms the notes teach and rejects wrong
mathematics and numerical breakdown. For an output entry r, a float64 answer g passes when

    |g − r| ≤ K·ε₆₄·(κ·|r| + s) + floor,   K = 16,

κ = 1 + the largest |argument of exp| the inputs imply (the condition number of these functions,
all compositions of exp with such arguments; a max-shifted softmax at spread 1e4 is off by
~5000 ulp, because θ_i − max θ itself is rounded, and passes), and s = the output's natural scale
(1 for probabilities and their derivatives, which is the floor that lets σ(x)(1 − σ(x)) return
0 where σ'(x) < 1e-16; the size of the loss or of x where those set the scale). A float32 answer
(unless the assignment sets ``lowest_precision = "float64"``) passes when

    |g − r| ≤ |r − r₃₂| + K·ε₃₂·(κ·|r| + s) + floor,   r₃₂ = the reference at the inputs rounded to float32:

the rounding of the inputs is computed, not guessed, and K·ε₃₂ covers float32 arithmetic and the
rounding of the output. A dtype less precise than float32 (float16) is `Outcome.IMPRECISE` whatever
its values; longdouble is compared as float64. Shapes must match exactly (no broadcasting), dtypes
must be real floating, and a value must be finite wherever the reference is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import numeric
from derivations.verdict import Outcome
from numeric.xor import XOR_X, XOR_Y

#: K of the tolerance (``[tolerance] ulps`` overrides it).
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


#: The arguments of one call, in the order of the signature.
Args = tuple


def _unit_scale(args: Args, ref: np.ndarray) -> float:
    """s = 1: probabilities and their derivatives."""
    return 1.0


@dataclass(frozen=True, kw_only=True)
class FunctionSpec:
    """One function of the submission API: its reference, its two input domains and its tolerance terms."""

    name: str
    signature: str
    reference: Callable[..., object]
    #: What an assignment names it by: an identity of the registry (its witness), or ``identity:function``.
    reference_name: str
    #: The names of its return values, in order (an assignment's ``returns`` picks and renames them).
    outputs: tuple[str, ...] = field(default=())
    #: Inputs for the correctness part (moderate values, every shape the API allows).
    typical: Callable[[Domain], st.SearchStrategy[Args]]
    #: Inputs for the stability part (saturation, overflow, huge spreads).
    extreme: Callable[[Domain], st.SearchStrategy[Args]]
    #: κ of the tolerance: 1 + the largest |argument of exp| the arguments imply.
    kappa: Callable[[Args], float]
    #: s of the tolerance: the output's natural scale, from the arguments and the reference's value.
    scale: Callable[[Args, np.ndarray], float] = _unit_scale
    #: Entries where any value in a range is right (ReLU's subgradient at 0): (args, got) → mask.
    anything_in: Callable[[Args, np.ndarray], np.ndarray] | None = None
    #: Positions of scalar parameters (y, b): a 0-d value there reaches the student as a Python float.
    floats: tuple[int, ...] = ()
    #: Points unless the config says otherwise: DESIGN.md's seven functions 10, the later ones 0 (opt-in).
    default_points: float = 10.0

    @property
    def params(self) -> tuple[str, ...]:
        """The parameter names, as the signature spells them."""
        return tuple(self.signature.split("(", 1)[1].split(")", 1)[0].split(", "))

    @property
    def output_names(self) -> tuple[str, ...]:
        """The names of the return values (one, named as the function, unless ``outputs`` says otherwise)."""
        return self.outputs or (self.name,)


# -- drawing blocks


def _floats(lim: float) -> st.SearchStrategy[float]:
    return st.floats(-lim, lim, allow_nan=False, allow_infinity=False)


def _x_arrays(lim: float, special: tuple[float, ...] = ()) -> st.SearchStrategy[Args]:
    elements = _floats(lim) if not special else st.one_of(_floats(lim), st.sampled_from(special))
    shapes = hnp.array_shapes(min_dims=0, max_dims=2, min_side=1, max_side=5)
    return hnp.arrays(np.float64, shapes, elements=elements).map(lambda a: (a,))


#: Where σ, σ' and tanh' break down in textbook forms: exp overflow (709.8, 745), 1 − σ rounding to 0 (36.75, 40).
SIGMOID_EXTREMES = (1000.0, -1000.0, 745.0, -745.0, 709.8, -709.8, 40.0, -40.0, 36.75, -36.75, 0.0)
#: ReLU's kink and its neighbours in floating point.
RELU_EXTREMES = (0.0, -0.0, 5e-324, -5e-324)


def _shape(d: Domain, *, batch: bool = True) -> st.SearchStrategy[tuple[int, ...]]:
    """A vector of classes (n,), or with ``batch`` also a batch of them (m, n)."""
    n = st.integers(1, d.max_classes)
    if not batch:
        return n.map(lambda k: (k,))
    return st.one_of(n.map(lambda k: (k,)), st.tuples(st.integers(1, d.max_batch), n))


def _logits(d: Domain, shape: tuple[int, ...], *, extreme: bool) -> st.SearchStrategy[np.ndarray]:
    """Logits of ``shape``: in [−5, 5], or (``extreme``) spreads up to ``logit_spread`` and all-equal huge ones."""
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


def _logit_args(d: Domain, *, extreme: bool, batch: bool = True) -> st.SearchStrategy[Args]:
    return _shape(d, batch=batch).flatmap(lambda s: _logits(d, s, extreme=extreme).map(lambda t: (t,)))


def _ce_grad_args(d: Domain, *, extreme: bool) -> st.SearchStrategy[Args]:
    return _shape(d).flatmap(lambda s: st.tuples(_logits(d, s, extreme=extreme), _labels(s)))


def _ce_args(d: Domain, *, extreme: bool) -> st.SearchStrategy[Args]:
    def pair(shape: tuple[int, ...]) -> st.SearchStrategy[Args]:
        y = _labels(shape)
        if not extreme:
            y_hat = _logits(d, shape, extreme=False).map(lambda t: numeric.softmax(t / 2))  # every ŷ_i ≥ e^-5/n
            return st.tuples(y, y_hat)

        def hat(args: tuple[np.ndarray, np.ndarray, np.ndarray]) -> Args:
            y, theta, zero = args
            y_hat = numeric.softmax(theta)
            y_hat = np.where((y == 0) & zero, 0.0, y_hat)  # zeros in ŷ where y is 0: 0·log 0 = 0
            # where y > 0, ŷ no smaller than the least normal double: a softmax that underflowed to exactly 0
            # there makes the loss infinite, which no implementation can be asked to match
            y_hat = np.where(y > 0, np.maximum(y_hat, np.finfo(np.float64).tiny), y_hat)
            return y, y_hat

        zeros = hnp.arrays(np.bool_, shape)
        return st.tuples(y, _logits(d, shape, extreme=True).map(lambda t: t / 20), zeros).map(hat)

    return _shape(d).flatmap(pair)


def _mse_args(d: Domain, *, extreme: bool) -> st.SearchStrategy[Args]:
    lim = d.typical_max_abs / 5 if not extreme else d.sigmoid_max_abs / 2

    def build(dims: tuple[int, int]) -> st.SearchStrategy[Args]:
        m, n = dims
        x_shape = (n,) if m == 0 else (m, n)
        x = hnp.arrays(np.float64, x_shape, elements=st.one_of(st.sampled_from([0.0, 1.0]), _floats(2.0)))
        y = st.floats(0.0, 1.0) if m == 0 else hnp.arrays(np.float64, (m,), elements=st.floats(0.0, 1.0))
        w = hnp.arrays(np.float64, (n,), elements=_floats(lim))
        return st.tuples(x, y.map(np.asarray), w, _floats(lim).map(np.asarray))

    return st.tuples(st.integers(0, d.max_batch), st.integers(1, d.max_features)).flatmap(build)


def _bce_args(d: Domain, *, extreme: bool) -> st.SearchStrategy[Args]:
    lim = d.sigmoid_max_abs if extreme else d.typical_max_abs
    shapes = hnp.array_shapes(min_dims=0, max_dims=2, min_side=1, max_side=5)
    label = st.one_of(st.sampled_from([0.0, 1.0]), st.floats(0.0, 1.0))
    return shapes.flatmap(
        lambda s: st.tuples(hnp.arrays(np.float64, s, elements=_floats(lim)), hnp.arrays(np.float64, s, elements=label))
    )


def _regression_args(d: Domain, *, extreme: bool) -> st.SearchStrategy[Args]:
    lim = 2.0 if not extreme else d.logit_spread / 20

    def build(dims: tuple[int, int, int]) -> st.SearchStrategy[Args]:
        m, f, c = dims
        x = hnp.arrays(np.float64, (m, f), elements=_floats(2.0))
        w = hnp.arrays(np.float64, (f, c), elements=_floats(lim))
        b = hnp.arrays(np.float64, (c,), elements=_floats(lim))
        return st.tuples(x, _labels((m, c)), w, b)

    dims = st.tuples(st.integers(1, d.max_batch), st.integers(1, d.max_features), st.integers(2, d.max_classes))
    return dims.flatmap(build)


def _xor_args(d: Domain, *, extreme: bool) -> st.SearchStrategy[Args]:
    lim = 4.0 if not extreme else d.sigmoid_max_abs / 10
    return st.tuples(
        hnp.arrays(np.float64, (2, 2), elements=_floats(lim)),
        hnp.arrays(np.float64, (2,), elements=_floats(lim)),
        hnp.arrays(np.float64, (2,), elements=_floats(lim)),
        _floats(lim).map(np.asarray),
    ).map(lambda p: (XOR_X, XOR_Y, *p))


# -- the named strategies: (typical, extreme) per kind of argument list


def typical_x(d: Domain) -> st.SearchStrategy[Args]:
    """(x,): an array of any shape up to 2-d, |x| ≤ typical_max_abs."""
    return _x_arrays(d.typical_max_abs)


def extreme_x(d: Domain) -> st.SearchStrategy[Args]:
    """(x,): |x| ≤ sigmoid_max_abs, with the overflow and rounding points of σ."""
    return _x_arrays(d.sigmoid_max_abs, SIGMOID_EXTREMES)


def typical_x_with_kink(d: Domain) -> st.SearchStrategy[Args]:
    """(x,): like `typical_x`, with 0 (ReLU's kink) among the values."""
    return _x_arrays(d.typical_max_abs, (0.0,))


def extreme_x_with_kink(d: Domain) -> st.SearchStrategy[Args]:
    """(x,): |x| ≤ sigmoid_max_abs, with ±0 and the smallest subnormals."""
    return _x_arrays(d.sigmoid_max_abs, RELU_EXTREMES)


def typical_logits(d: Domain) -> st.SearchStrategy[Args]:
    """(theta,): (n,) or (m, n) logits in [−5, 5]."""
    return _logit_args(d, extreme=False)


def extreme_logits(d: Domain) -> st.SearchStrategy[Args]:
    """(theta,): (n,) or (m, n) logits with spreads up to logit_spread, or all equal and huge."""
    return _logit_args(d, extreme=True)


def typical_logit_vector(d: Domain) -> st.SearchStrategy[Args]:
    """(theta,): (n,) logits in [−5, 5]."""
    return _logit_args(d, extreme=False, batch=False)


def extreme_logit_vector(d: Domain) -> st.SearchStrategy[Args]:
    """(theta,): (n,) logits with spreads up to logit_spread, or all equal and huge."""
    return _logit_args(d, extreme=True, batch=False)


def typical_ce(d: Domain) -> st.SearchStrategy[Args]:
    """(y, y_hat): labels and predictions with every ŷ_i ≥ e^-5/n."""
    return _ce_args(d, extreme=False)


def extreme_ce(d: Domain) -> st.SearchStrategy[Args]:
    """(y, y_hat): predictions from spread logits, with zeros in ŷ where y is 0."""
    return _ce_args(d, extreme=True)


def typical_ce_grad(d: Domain) -> st.SearchStrategy[Args]:
    """(theta, y): logits in [−5, 5] and labels of their shape."""
    return _ce_grad_args(d, extreme=False)


def extreme_ce_grad(d: Domain) -> st.SearchStrategy[Args]:
    """(theta, y): extreme logits and labels of their shape."""
    return _ce_grad_args(d, extreme=True)


def typical_layer(d: Domain) -> st.SearchStrategy[Args]:
    """(x, y, W, b): one sigmoid neuron, |W|, |b| ≤ typical_max_abs / 5."""
    return _mse_args(d, extreme=False)


def extreme_layer(d: Domain) -> st.SearchStrategy[Args]:
    """(x, y, W, b): a saturated neuron, |W|, |b| ≤ sigmoid_max_abs / 2."""
    return _mse_args(d, extreme=True)


def typical_bce(d: Domain) -> st.SearchStrategy[Args]:
    """(h, y): pre-activations |h| ≤ typical_max_abs and labels in [0, 1] of one shape."""
    return _bce_args(d, extreme=False)


def extreme_bce(d: Domain) -> st.SearchStrategy[Args]:
    """(h, y): pre-activations |h| ≤ sigmoid_max_abs and labels in [0, 1] of one shape."""
    return _bce_args(d, extreme=True)


def typical_regression(d: Domain) -> st.SearchStrategy[Args]:
    """(X, Y, W, b): softmax regression with weights in [−2, 2]."""
    return _regression_args(d, extreme=False)


def extreme_regression(d: Domain) -> st.SearchStrategy[Args]:
    """(X, Y, W, b): softmax regression with weights up to logit_spread / 20."""
    return _regression_args(d, extreme=True)


def typical_xor(d: Domain) -> st.SearchStrategy[Args]:
    """(X, y, W1, b1, w2, b2): the XOR data, parameters in [−4, 4]."""
    return _xor_args(d, extreme=False)


def extreme_xor(d: Domain) -> st.SearchStrategy[Args]:
    """(X, y, W1, b1, w2, b2): the XOR data, parameters up to sigmoid_max_abs / 10."""
    return _xor_args(d, extreme=True)


# -- the tolerance's κ and s


def _max_abs(*arrays: np.ndarray) -> float:
    return max((float(np.max(np.abs(a))) if np.size(a) else 0.0) for a in arrays)


def _spread(theta: np.ndarray) -> float:
    t = np.asarray(theta)
    return float(np.max(np.abs(t - np.max(t, axis=-1, keepdims=True)))) if t.size else 0.0


def _kappa_of_x(args: Args) -> float:
    return 1.0 + _max_abs(args[0])


def _kappa_of_2x(args: Args) -> float:  # tanh(x) = 2σ(2x) − 1
    return 1.0 + 2 * _max_abs(args[0])


def _kappa_of_spread(args: Args) -> float:
    return 1.0 + _spread(args[0])


def _kappa_one(args: Args) -> float:
    return 1.0


def _kappa_of_layer(args: Args) -> float:
    x, _, w, b = args
    return 1.0 + float(np.max(np.abs(x) @ np.abs(w))) + abs(float(b))


def _kappa_of_regression(args: Args) -> float:
    x, _, w, b = args
    return 1.0 + _spread(x @ w + b)


def _kappa_of_xor(args: Args) -> float:
    x, _, w1, b1, w2, b2 = args
    return 1.0 + float(np.max(np.abs(x) @ np.abs(w1) + np.abs(b1))) + float(np.sum(np.abs(w2)) + abs(float(b2)))


def _scale_of_loss(args: Args, ref: np.ndarray) -> float:
    return max(1.0, _max_abs(ref))


def _scale_of_x(args: Args, ref: np.ndarray) -> float:
    return 1.0 + _max_abs(args[0])


def _scale_of_w2(args: Args, ref: np.ndarray) -> float:
    return 1.0 + _max_abs(args[4])


def _relu_kink(args: Args, got: np.ndarray) -> np.ndarray:
    """At x = 0 any value in [0, 1] is a subgradient."""
    return (np.asarray(args[0]) == 0) & (np.asarray(got) >= 0) & (np.asarray(got) <= 1)


SPECS: tuple[FunctionSpec, ...] = (
    FunctionSpec(
        name="sigmoid",
        reference_name="sigmoid-derivative:sigmoid",
        signature="sigmoid(x): σ(x) elementwise, any shape",
        reference=numeric.sigmoid,
        typical=typical_x,
        extreme=extreme_x,
        kappa=_kappa_of_x,
    ),
    FunctionSpec(
        name="sigmoid_grad",
        reference_name="sigmoid-derivative",
        signature="sigmoid_grad(x): σ'(x) elementwise, any shape",
        reference=numeric.sigmoid_grad,
        typical=typical_x,
        extreme=extreme_x,
        kappa=_kappa_of_x,
    ),
    FunctionSpec(
        name="softmax",
        reference_name="softmax-jacobian:softmax",
        signature="softmax(theta): over the last axis, theta (n,) or (m, n)",
        reference=numeric.softmax,
        typical=typical_logits,
        extreme=extreme_logits,
        kappa=_kappa_of_spread,
    ),
    FunctionSpec(
        name="softmax_jacobian",
        reference_name="softmax-jacobian",
        signature="softmax_jacobian(theta): (n, n), J[i, j] = ∂S_j/∂θ_i, theta (n,)",
        reference=numeric.softmax_jacobian,
        typical=typical_logit_vector,
        extreme=extreme_logit_vector,
        kappa=_kappa_of_spread,
    ),
    FunctionSpec(
        name="cross_entropy",
        reference_name="ce-softmax-gradient:cross-entropy",
        signature="cross_entropy(y, y_hat): −Σ y log ŷ over the last axis (0·log 0 = 0)",
        reference=numeric.cross_entropy,
        typical=typical_ce,
        extreme=extreme_ce,
        kappa=_kappa_one,
        scale=_scale_of_loss,
    ),
    FunctionSpec(
        name="ce_softmax_grad",
        reference_name="ce-softmax-gradient",
        signature="ce_softmax_grad(theta, y): ∂CE(y, softmax θ)/∂θ, the shape of theta",
        reference=numeric.ce_softmax_grad,
        typical=typical_ce_grad,
        extreme=extreme_ce_grad,
        kappa=_kappa_of_spread,
    ),
    FunctionSpec(
        name="mse_layer_grads",
        reference_name="mse-layer-gradients",
        outputs=("dW", "db"),
        signature="mse_layer_grads(x, y, W, b): (dW, db) of (y − σ(xW + b))², batch rows averaged",
        reference=numeric.mse_layer_grads,
        typical=typical_layer,
        extreme=extreme_layer,
        kappa=_kappa_of_layer,
        scale=_scale_of_x,
        floats=(1, 3),
    ),
    # -- the functions added with the later identities: worth 0 unless the config gives them points
    FunctionSpec(
        name="tanh_grad",
        reference_name="tanh-derivative",
        signature="tanh_grad(x): 1 − tanh²(x) elementwise, any shape",
        reference=numeric.tanh_grad,
        typical=typical_x,
        extreme=extreme_x,
        kappa=_kappa_of_2x,
        default_points=0.0,
    ),
    FunctionSpec(
        name="relu_grad",
        reference_name="relu-subgradient",
        signature="relu_grad(x): 1 for x > 0, 0 for x < 0, any value in [0, 1] at 0",
        reference=numeric.relu_grad,
        typical=typical_x_with_kink,
        extreme=extreme_x_with_kink,
        kappa=_kappa_one,
        anything_in=_relu_kink,
        default_points=0.0,
    ),
    FunctionSpec(
        name="bce_sigmoid_grad",
        reference_name="bce-sigmoid-gradient",
        signature="bce_sigmoid_grad(h, y): ∂BCE(y, σ(h))/∂h = σ(h) − y elementwise",
        reference=numeric.bce_sigmoid_grad,
        typical=typical_bce,
        extreme=extreme_bce,
        kappa=_kappa_of_x,
        default_points=0.0,
    ),
    FunctionSpec(
        name="logsumexp",
        reference_name="logsumexp-gradient:logsumexp",
        signature="logsumexp(theta): log Σ_k e^{θ_k} over the last axis, theta (n,) or (m, n)",
        reference=numeric.logsumexp,
        typical=typical_logits,
        extreme=extreme_logits,
        kappa=_kappa_one,
        scale=_scale_of_loss,
        default_points=0.0,
    ),
    FunctionSpec(
        name="softmax_regression_grads",
        reference_name="softmax-regression-gradients",
        outputs=("dW", "db"),
        signature="softmax_regression_grads(X, Y, W, b): (∂L/∂W, ∂L/∂b) of the mean CE of softmax(XW + b)",
        reference=numeric.softmax_regression_grads,
        typical=typical_regression,
        extreme=extreme_regression,
        kappa=_kappa_of_regression,
        scale=_scale_of_x,
        default_points=0.0,
    ),
    FunctionSpec(
        name="xor_network_grads",
        reference_name="xor-network-gradients",
        outputs=("dW1", "db1", "dw2", "db2"),
        signature="xor_network_grads(X, y, W1, b1, w2, b2): (∂L/∂W1, ∂L/∂b1, ∂L/∂w2, ∂L/∂b2), two sigmoid hidden units",
        reference=numeric.xor_network_grads,
        typical=typical_xor,
        extreme=extreme_xor,
        kappa=_kappa_of_xor,
        scale=_scale_of_w2,
        floats=(5,),
        default_points=0.0,
    ),
)
#: The function names of the built-in assignment (nn-basics), in grading order.
API: tuple[str, ...] = tuple(s.name for s in SPECS)
_BY_NAME = {s.name: s for s in SPECS}
#: The references an assignment can name, by ``reference_name``: each identity's witness, and the
#: functions the identities differentiate (``identity:function``).
REFERENCES: dict[str, FunctionSpec] = {s.reference_name: s for s in SPECS}


def spec(name: str) -> FunctionSpec:
    """The spec of the API function ``name`` (KeyError if there is none)."""
    return _BY_NAME[name]


def format_array(a: object) -> str:
    """An array as feedback shows it: 17 digits, at most 20 entries; never raises (odd dtypes: dtype and shape)."""
    try:
        return np.array2string(np.asarray(a), precision=17, separator=", ", threshold=20)
    except Exception:  # a child's array NumPy cannot print (a datetime of no unit): its dtype and shape
        arr = np.asarray(a)
        return f"<an array of dtype {str(arr.dtype)[:30]} and shape {arr.shape}>"


class Precision(StrEnum):
    """The least precise floating dtype an assignment accepts for an answer (``lowest_precision``)."""

    FLOAT32 = "float32"
    FLOAT64 = "float64"


EPS64 = float(np.finfo(np.float64).eps)
EPS32 = float(np.finfo(np.float32).eps)


@dataclass(frozen=True)
class Mismatch:
    """Why an answer fails: `Outcome.WRONG` (values, shape, type) or `Outcome.IMPRECISE` (a dtype too coarse)."""

    outcome: Outcome
    message: str


@dataclass(frozen=True)
class Expected:
    """The reference's answer to one input, as float64 arrays, and the terms of its tolerance."""

    values: tuple[np.ndarray, ...]
    #: The answer is a tuple (a dict is sent as the tuple of its values, in ``labels`` order).
    as_tuple: bool
    #: κ of the tolerance: 1 + the largest |argument of exp| the input implies.
    kappa: float = 1.0
    #: s of the tolerance, per value (default 1).
    scales: tuple[float, ...] = ()
    #: How each value is named in feedback (a dict's keys); default "value k" for a tuple of several.
    labels: tuple[str, ...] = ()
    #: The reference at the inputs rounded to float32 (called only for a float32 answer).
    rounded: Callable[[], tuple[np.ndarray, ...] | None] | None = None
    #: Entries where any value in a range is right (ReLU's subgradient at 0): (value index, answer) → mask.
    anything_in: Callable[[int, np.ndarray], np.ndarray] | None = None


def round_to_float32(values: tuple) -> tuple:
    """The arguments as a float32 computation sees them: every floating value rounded to float32 (kept float64)."""
    out = []
    with np.errstate(over="ignore"):
        for v in values:
            a = np.asarray(v)
            out.append(a.astype(np.float32).astype(np.float64) if a.dtype.kind == "f" else a)
    return tuple(out)


def judge(
    exp: Expected,
    got: list[np.ndarray],
    as_tuple: bool,
    *,
    ulps: float = K,
    floor: float = 0.0,
    lowest: Precision = Precision.FLOAT32,
) -> Mismatch | None:
    """Why ``got`` is not an acceptable answer (None if it is): structure, dtype, precision, shape, finiteness, values.

    ``ulps`` is K of the tolerance, ``floor`` an extra absolute allowance (both from ``[tolerance]``),
    ``lowest`` the least precise dtype accepted (``lowest_precision``).
    """
    refs = exp.values
    if exp.as_tuple and (not as_tuple or len(got) != len(refs)):
        return Mismatch(
            Outcome.WRONG,
            f"returned {len(got)} value(s){'' if as_tuple else ' (not a tuple)'}; expected a tuple of {len(refs)}",
        )
    if not exp.as_tuple and (as_tuple or len(got) != 1):
        return Mismatch(Outcome.WRONG, f"returned a tuple of {len(got)}; expected one array")
    rounded: list[tuple[np.ndarray, ...] | None] = []  # computed once, for the first float32 value
    for k, (r, g) in enumerate(zip(refs, got)):
        label = exp.labels[k] if k < len(exp.labels) else (f"value {k + 1}" if len(refs) > 1 else "")
        which = f"{label}: " if label else ""
        g = np.asarray(g)
        if g.dtype.kind != "f":
            return Mismatch(Outcome.WRONG, f"{which}dtype {g.dtype}; expected a real floating dtype")
        eps = float(np.finfo(g.dtype).eps)
        if eps > EPS32 or (eps > EPS64 and lowest is Precision.FLOAT64):
            accepted = "float64" if lowest is Precision.FLOAT64 else "float32 or float64"
            return Mismatch(Outcome.IMPRECISE, f"{which}returned {g.dtype}: not accurate enough ({accepted} expected)")
        single = eps > EPS64  # float32; anything more precise (longdouble) is compared as float64
        eps = max(eps, EPS64)
        if g.shape != r.shape:
            return Mismatch(Outcome.WRONG, f"{which}shape {g.shape}; expected {r.shape} (no broadcasting)")
        g64 = g.astype(np.float64)
        bad = ~np.isfinite(g64) & np.isfinite(r)
        if bad.any():
            i = tuple(int(v) for v in np.argwhere(bad)[0])
            at = f" at index {i}" if g.ndim else ""
            shown = g[i] if g.ndim else g[()]
            return Mismatch(
                Outcome.WRONG, f"{which}{shown}{at} where the answer is {float(r[i] if r.ndim else r[()])!r}"
            )
        scale = exp.scales[k] if k < len(exp.scales) else 1.0
        # K units of rounding at the answer's precision, relative to κ|r| (rounding the input alone
        # moves the output by κ·ε relative: κ is the condition number) plus s (the absolute floor
        # near r = 0, where a textbook form rounds to 0 or cancels): ulps, not a blanket atol
        tol = ulps * eps * (exp.kappa * np.abs(r) + scale) + floor
        if single:
            # a float32 computation starts from the inputs rounded to float32: that moves the exact
            # answer by |r − r₃₂|, computed with the reference itself (no guess); float32 arithmetic
            # and the output's own rounding are the K·ε₃₂ term above
            if not rounded:
                rounded.append(exp.rounded() if exp.rounded is not None else None)
            r32 = rounded[0][k] if rounded[0] is not None and k < len(rounded[0]) else None
            if r32 is not None and np.shape(r32) == r.shape:
                with np.errstate(invalid="ignore"):
                    moved = np.abs(r - np.asarray(r32, dtype=np.float64))
                tol = tol + np.where(np.isfinite(moved), moved, 0.0)  # inputs float32 cannot hold: no allowance
        with np.errstate(invalid="ignore", over="ignore"):
            err = np.abs(g64 - r)
        over = err > tol
        if exp.anything_in is not None:
            over &= ~exp.anything_in(k, g64)
        if over.any():
            i = tuple(int(v) for v in np.argwhere(over)[0])
            gi, ri = (g64[i], r[i]) if g.ndim else (g64[()], r[()])
            at = f" at index {i}" if g.ndim else ""
            precision = " (float32)" if single else ""
            return Mismatch(
                Outcome.WRONG,
                f"{which}{float(gi)!r}{at}; expected {float(ri)!r} "
                f"(|error| {float(err[i]):.3g} > tolerance{precision} {float(np.broadcast_to(tol, r.shape)[i]):.3g})",
            )
    return None


def reference_values(fs: FunctionSpec, args: Args) -> tuple[np.ndarray, ...]:
    """The reference's return values for ``args``, as float64 arrays (one, or the tuple's)."""
    ref = fs.reference(*args)
    return tuple(np.asarray(r, dtype=np.float64) for r in (ref if isinstance(ref, tuple) else (ref,)))


def expected_of(fs: FunctionSpec, args: Args) -> Expected:
    """What ``fs`` expects for ``args`` called as its own signature says (the built-in API)."""
    ref = fs.reference(*args)
    values = reference_values(fs, args)
    any_in = fs.anything_in
    return Expected(
        values=values,
        as_tuple=isinstance(ref, tuple),
        kappa=fs.kappa(args),
        scales=tuple(fs.scale(args, r) for r in values),
        rounded=lambda: reference_values(fs, round_to_float32(args)),
        anything_in=None if any_in is None else (lambda k, g: any_in(args, g)),
    )


def compare(
    fs: FunctionSpec,
    args: Args,
    got: list[np.ndarray],
    as_tuple: bool,
    *,
    ulps: float = K,
    floor: float = 0.0,
    lowest: Precision = Precision.FLOAT32,
) -> str | None:
    """Why ``got`` is not an acceptable return value of ``fs`` for ``args`` (None if it is): `judge`'s message."""
    found = judge(expected_of(fs, args), got, as_tuple, ulps=ulps, floor=floor, lowest=lowest)
    return None if found is None else found.message


def describe_args(fs: FunctionSpec, args: Args) -> str:
    """The arguments as the feedback shows them: ``x=[0.5, 1.]``, named as in the signature."""
    names = fs.signature.split("(", 1)[1].split(")", 1)[0].split(", ")
    return ", ".join(f"{n}={format_array(a)}" for n, a in zip(names, args))


def expected(fs: FunctionSpec, args: Args) -> str:
    """The reference's return value for ``args``, as the feedback shows it."""
    ref = fs.reference(*args)
    return ", ".join(format_array(r) for r in ref) if isinstance(ref, tuple) else format_array(ref)
