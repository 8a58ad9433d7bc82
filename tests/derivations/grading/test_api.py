"""The submission API: every strategy draws arguments its reference accepts, and compare()'s tolerance,
shape and dtype checks (tested with hand-made wrong answers)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from derivations.grading.api import (
    API,
    EPS32,
    SPECS,
    Domain,
    FunctionSpec,
    Precision,
    compare,
    describe_args,
    expected,
    expected_of,
    judge,
    spec,
)
from derivations.verdict import Outcome

DOMAIN = Domain()


def _as_got(value: object) -> tuple[list[np.ndarray], bool]:
    values = value if isinstance(value, tuple) else (value,)
    return [np.asarray(v) for v in values], isinstance(value, tuple)


@pytest.mark.parametrize("part", ["typical", "extreme"])
@pytest.mark.parametrize("fs", SPECS, ids=lambda fs: fs.name)
def test_every_strategy_draws_arguments_the_reference_accepts(fs: FunctionSpec, part: str) -> None:
    strategy = getattr(fs, part)(DOMAIN)

    @settings(max_examples=25, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(strategy)
    def check(args: tuple) -> None:
        assert len(args) == len(fs.signature.split("(", 1)[1].split(")", 1)[0].split(", "))  # as the signature says
        assert all(isinstance(a, np.ndarray) and a.dtype == np.float64 for a in args)
        ref = fs.reference(*args)
        got, as_tuple = _as_got(ref)
        assert all(np.isfinite(g).all() for g in got), (args, ref)
        assert compare(fs, args, got, as_tuple) is None  # the reference passes its own tolerance
        assert expected(fs, args)

    check()


def test_the_spec_table_is_the_api() -> None:
    assert API == tuple(s.name for s in SPECS) and len(set(API)) == len(API)
    assert all(spec(name).name == name for name in API)
    assert all(s.signature.startswith(s.name + "(") for s in SPECS)
    assert sum(s.default_points for s in SPECS) == 70  # DESIGN.md's seven functions; the later ones opt in
    with pytest.raises(KeyError):
        spec("no_such_function")


def _ok(name: str, args: tuple, got) -> bool:  # type: ignore[no-untyped-def]
    got = got if isinstance(got, tuple) else (got,)
    return compare(spec(name), args, [np.asarray(g) for g in got], len(got) > 1) is None


def _why(name: str, args: tuple, got, as_tuple: bool | None = None) -> str:  # type: ignore[no-untyped-def]
    values = got if isinstance(got, tuple) else (got,)
    reason = compare(
        spec(name), args, [np.asarray(g) for g in values], isinstance(got, tuple) if as_tuple is None else as_tuple
    )
    assert reason is not None
    return reason


X = np.array([0.5, -2.0])
S = 1 / (1 + np.exp(-X))


def test_tolerance_accepts_the_textbook_forms_at_their_worst() -> None:
    x = np.array([40.0, -40.0, 36.75, 700.0])
    s = 1 / (1 + np.exp(-x))
    assert _ok("sigmoid_grad", (x,), s * (1 - s))  # s(1 − s) is 0 at x = 40, where σ' ≈ 4e-18
    theta = np.array([1e4, -1e4 + 3.0, 0.1234567891])
    e = np.exp(theta - theta.max())
    assert _ok("softmax", (theta,), e / e.sum())


def test_tolerance_rejects_wrong_mathematics_and_breakdown() -> None:
    assert not _ok("sigmoid_grad", (X,), S * (1 + S))
    assert not _ok("sigmoid_grad", (X,), S * (1 - S) * (1 + 1e-9))  # a relative error of 1e-9 is not rounding
    assert not _ok("sigmoid", (X,), np.where(X > 0, np.nan, S))
    assert not _ok("mse_layer_grads", (np.ones(2), np.asarray(0.5), np.ones(2), np.asarray(0.0)), np.ones(2))


def test_a_wrong_shape_is_refused_without_broadcasting() -> None:
    assert "shape (2, 1); expected (2,) (no broadcasting)" in _why("sigmoid", (X,), S[:, None])
    assert "shape (1, 2)" in _why("sigmoid", (X,), S[None, :])
    assert "shape (); expected (2,)" in _why("sigmoid", (X,), np.float64(0.5))
    theta = np.array([0.1, 0.2, 0.3])
    assert "shape (3,); expected (3, 3)" in _why("softmax_jacobian", (theta,), theta)


@pytest.mark.parametrize(
    ("got", "dtype"),
    [
        (np.round(S).astype(int), "int64"),
        (S > 0.5, "bool"),
        (S.astype(complex), "complex128"),
        (np.array(["a", "b"]), "<U1"),
    ],
)
def test_a_dtype_that_is_not_real_floating_is_refused(got: np.ndarray, dtype: str) -> None:
    assert f"dtype {dtype}; expected a real floating dtype" in _why("sigmoid", (X,), got)


def test_float32_results_are_measured_in_float32_ulps() -> None:
    x = np.linspace(-5, 5, 11)
    s = (1 / (1 + np.exp(-x))).astype(np.float32)
    assert _ok("sigmoid", (x,), s)
    assert not _ok("sigmoid", (x,), s * np.float32(1.001))


def test_a_non_finite_value_is_refused_where_the_answer_is_finite() -> None:
    assert "inf at index (1,) where the answer is" in _why("sigmoid", (X,), np.array([S[0], np.inf]))


def test_tuples_must_have_the_reference_arity() -> None:
    args = (np.ones(2), np.asarray(0.5), np.ones(2), np.asarray(0.0))
    dw, db = spec("mse_layer_grads").reference(*args)
    assert _ok("mse_layer_grads", args, (dw, db))
    assert "returned 1 value(s) (not a tuple); expected a tuple of 2" in _why("mse_layer_grads", args, dw)
    assert "returned 3 value(s); expected a tuple of 2" in _why("mse_layer_grads", args, (dw, db, db))
    assert "returned a tuple of 2; expected one array" in _why("sigmoid", (X,), (S, S))
    assert "value 2: shape (1,)" in _why("mse_layer_grads", args, (dw, np.atleast_1d(db)))


def test_relu_subgradient_at_zero_accepts_any_value_in_the_interval() -> None:
    x = np.array([-1.0, 0.0, 2.0])
    assert _ok("relu_grad", (x,), np.array([0.0, 0.5, 1.0]))
    assert _ok("relu_grad", (x,), np.array([0.0, 1.0, 1.0]))
    assert not _ok("relu_grad", (x,), np.array([0.0, 2.0, 1.0]))
    assert not _ok("relu_grad", (x,), np.array([0.5, 0.0, 1.0]))


def test_the_configured_tolerance_moves_the_bound() -> None:
    off = S * (1 + 1e-9)
    fs = spec("sigmoid")
    assert compare(fs, (X,), [off], False) is not None
    assert compare(fs, (X,), [off], False, floor=1e-6) is None
    assert compare(fs, (X,), [off], False, ulps=1e8) is None


@given(st.floats(-30, 30))
def test_describe_args_names_the_arguments(x: float) -> None:
    text = describe_args(spec("sigmoid"), (np.asarray(x),))
    assert text.startswith("x=")


# -- the precision policy: the reference is float64; float32 is accepted with its rounding computed


def test_a_float16_answer_off_by_one_percent_is_imprecise_not_passed() -> None:
    """The reproduced bug: the returned dtype's ε (float16's 1e-3) used to make a 1 %-off answer pass."""
    x = np.linspace(-5, 5, 11)
    off = (1 / (1 + np.exp(-x)) * 1.01).astype(np.float16)
    found = judge(expected_of(spec("sigmoid"), (x,)), [off], False)
    assert found is not None and found.outcome is Outcome.IMPRECISE
    assert found.message.startswith("returned float16: not accurate enough")
    exact = (1 / (1 + np.exp(-x))).astype(np.float16)  # as exact as float16 can be: still too coarse
    assert judge(expected_of(spec("sigmoid"), (x,)), [exact], False).outcome is Outcome.IMPRECISE  # type: ignore[union-attr]
    assert Outcome.IMPRECISE.words == "not accurate enough"


def _careful_float32_softmax(theta: np.ndarray) -> np.ndarray:
    t = theta.astype(np.float32)
    e = np.exp(t - t.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def test_a_careful_float32_softmax_at_logits_near_8192_passes() -> None:
    """Rounding θ ≈ 8192 to float32 moves it by up to 2⁻¹¹ ≈ 4.9e-4: the allowance computes that, K·ε₃₂ does not."""
    rng = np.random.default_rng(8192)
    fs = spec("softmax")
    over_old_bound = 0
    for _ in range(300):
        theta = 8192 + rng.uniform(-3, 3, size=(int(rng.integers(1, 4)), int(rng.integers(2, 9))))
        got = _careful_float32_softmax(theta)
        assert got.dtype == np.float32
        assert compare(fs, (theta,), [got], False) is None, theta
        r = fs.reference(theta)  # the old bound: K·ε₃₂·(κ|r| + s), the input rounding not counted
        over_old_bound += bool((np.abs(got - r) > 16 * EPS32 * ((1 + 6) * np.abs(r) + 1)).any())
    assert over_old_bound > 100  # today's code failed most of these
    theta = 8192 + rng.uniform(-3, 3, size=6)
    assert compare(fs, (theta,), [_careful_float32_softmax(theta) * np.float32(1.001)], False) is not None
    with np.errstate(over="ignore", invalid="ignore"):
        naive = np.exp(theta.astype(np.float32))  # no max shift: overflows in float32
        naive = naive / naive.sum()
    assert "where the answer is" in compare(fs, (theta,), [naive], False)  # type: ignore[operator]


def test_lowest_precision_float64_refuses_float32() -> None:
    x = np.linspace(-5, 5, 11)
    s = (1 / (1 + np.exp(-x))).astype(np.float32)
    exp = expected_of(spec("sigmoid"), (x,))
    assert judge(exp, [s], False) is None
    found = judge(exp, [s], False, lowest=Precision.FLOAT64)
    assert (
        found is not None
        and found.outcome is Outcome.IMPRECISE
        and "returned float32: not accurate enough" in found.message
    )


def test_longdouble_is_compared_as_float64() -> None:
    x = np.linspace(-5, 5, 11)
    s = spec("sigmoid").reference(x)
    exp = expected_of(spec("sigmoid"), (x,))
    assert judge(exp, [s.astype(np.longdouble)], False) is None
    found = judge(exp, [s.astype(np.longdouble) * (1 + np.longdouble(1e-9))], False)
    assert found is not None and found.outcome is Outcome.WRONG  # float64's tolerance, not longdouble's finer one


def test_a_float32_answer_of_a_tuple_is_measured_per_value() -> None:
    args = (np.array([0.3, -1.2]), np.asarray(0.5), np.array([0.7, 0.1]), np.asarray(-0.2))
    dw, db = spec("mse_layer_grads").reference(*args)
    assert compare(spec("mse_layer_grads"), args, [dw.astype(np.float32), np.asarray(db)], True) is None
    reason = compare(spec("mse_layer_grads"), args, [dw, np.asarray(db, dtype=np.float16)], True)
    assert reason is not None and reason.startswith("value 2: returned float16: not accurate enough")
