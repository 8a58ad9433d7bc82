"""The witness's accuracy targets, measured against mpmath at 50+ digits over wide grids."""

from __future__ import annotations

import warnings

import mpmath
import numpy as np
import pytest

import numeric

TINY = np.finfo(np.float64).tiny


def ulp_errors(got: np.ndarray, exact: list[mpmath.mpf]) -> tuple[np.ndarray, np.ndarray]:
    """|got − exact| in ulps of the float64 nearest the exact value, and those floats."""
    ref = np.array([float(e) for e in exact])
    err = np.array([float(abs(mpmath.mpf(float(g)) - e)) for g, e in zip(got.ravel(), exact)])
    return err / np.spacing(np.abs(ref)), ref


@pytest.fixture(scope="module")
def sigmoid_grid() -> np.ndarray:
    rng = np.random.default_rng(20261122)
    return np.concatenate(
        [
            rng.uniform(-760, 760, 4000),  # every regime, subnormal results (x < −708.4) included
            rng.uniform(-40, 40, 4000),
            rng.normal(scale=1e-3, size=500),
            [-745.13, -745.0, -744.4, -708.4, -708.3, -36.7, 0.0, 36.7, 709.7, 745.0, 1000.0, -1000.0],
        ]
    )


def _exact_sigmoid(v: float) -> mpmath.mpf:
    return 1 / (1 + mpmath.exp(-mpmath.mpf(v)))


def test_sigmoid_within_1_5_ulp_over_all_float64(sigmoid_grid: np.ndarray) -> None:
    with mpmath.workprec(200):
        exact = [_exact_sigmoid(v) for v in sigmoid_grid]
        errors, _ = ulp_errors(numeric.sigmoid(sigmoid_grid), exact)
    assert errors.max() <= 1.5, f"sigmoid: {errors.max():.3f} ulp at x={sigmoid_grid[errors.argmax()]!r}"


def test_sigmoid_grad_within_3_ulp_where_normal(sigmoid_grid: np.ndarray) -> None:
    with mpmath.workprec(200):
        exact = [_exact_sigmoid(v) * _exact_sigmoid(-v) for v in sigmoid_grid]
        errors, ref = ulp_errors(numeric.sigmoid_grad(sigmoid_grid), exact)
    normal = np.abs(ref) >= TINY
    assert errors[normal].max() <= 3.0, f"sigmoid_grad: {errors[normal].max():.3f} ulp"


def _exact_softmax(theta: np.ndarray) -> list[mpmath.mpf]:
    t = [mpmath.mpf(float(v)) for v in theta]
    top = max(t)
    e = [mpmath.exp(v - top) for v in t]
    total = mpmath.fsum(e)
    return [v / total for v in e]


@pytest.mark.parametrize("spread", [1.0, 100.0, 1000.0, 1e4])
def test_softmax_and_one_hot_gradient_within_4_ulp(spread: float) -> None:
    rng = np.random.default_rng(int(spread))
    worst_s = worst_g = 0.0
    with mpmath.workprec(400):
        for _ in range(40):
            n = int(rng.integers(2, 65))
            theta = rng.normal() * spread + rng.uniform(-spread / 2, spread / 2, n)
            exact = _exact_softmax(theta)
            errors, ref = ulp_errors(numeric.softmax(theta), exact)
            normal = np.abs(ref) >= TINY
            worst_s = max(worst_s, errors[normal].max(initial=0.0))
            y = np.zeros(n)
            y[int(rng.integers(n))] = 1.0
            errors, ref = ulp_errors(numeric.ce_softmax_grad(theta, y), [s - yy for s, yy in zip(exact, y)])
            normal = np.abs(ref) >= TINY
            worst_g = max(worst_g, errors[normal].max(initial=0.0))
    assert worst_s <= 4.0, f"softmax at spread {spread}: {worst_s:.3f} ulp"
    assert worst_g <= 4.0, f"ce_softmax_grad (one-hot) at spread {spread}: {worst_g:.3f} ulp"


def test_ce_gradient_soft_labels_within_2_eps() -> None:
    rng = np.random.default_rng(7)
    worst = 0.0
    with mpmath.workprec(400):
        for spread in (1.0, 100.0, 1e4):
            for _ in range(30):
                n = int(rng.integers(2, 65))
                theta = rng.uniform(-spread / 2, spread / 2, n)
                y = rng.dirichlet(np.ones(n))
                exact = [s - mpmath.mpf(float(yy)) for s, yy in zip(_exact_softmax(theta), y)]
                got = numeric.ce_softmax_grad(theta, y)
                err = np.array([float(abs(mpmath.mpf(float(g)) - e)) for g, e in zip(got, exact)])
                worst = max(worst, err.max() / np.finfo(np.float64).eps)
    assert worst <= 2.0, f"ce_softmax_grad (soft labels): absolute error {worst:.3f} ε"


def test_no_warnings_nan_or_inf_at_the_extremes() -> None:
    x = np.array([-1e308, -1000.0, -745.2, 0.0, 745.2, 1000.0, 1e308])
    theta = np.array([[1e4, 0.0, -1e4], [5e3, 5e3, -5e3], [0.0, 0.0, 0.0]])
    y = np.array([[0.0, 0.0, 1.0], [0.5, 0.5, 0.0], [1.0, 0.0, 0.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="raise", under="ignore"):
            outs = [
                numeric.sigmoid(x),
                numeric.sigmoid_grad(x),
                numeric.softmax(theta),
                numeric.ce_softmax_grad(theta, y),
                numeric.softmax_jacobian(theta[0]),
                numeric.cross_entropy(y, numeric.softmax(theta)),
            ]
            outs += list(numeric.mse_layer_grads(np.array([1e3, -1e3, 1.0]), 1.0, np.array([1.0, 1.0, 800.0]), 0.0))
    for out in outs[:-3]:
        assert np.all(np.isfinite(out))


def test_cross_entropy_treats_zero_log_zero_as_zero_and_is_finite_where_true_value_is() -> None:
    y = np.array([0.0, 1.0, 0.0])
    assert numeric.cross_entropy(y, np.array([0.0, 1.0, 0.0])) == 0.0
    assert numeric.cross_entropy(y, np.array([0.5, 0.0, 0.5])) == np.inf  # −log 0: the true value


@pytest.mark.parametrize("fn", [numeric.sigmoid, numeric.sigmoid_grad, numeric.softmax])
def test_float32_in_float32_out(fn) -> None:
    out = fn(np.linspace(-50, 50, 12, dtype=np.float32).reshape(3, 4))
    assert out.dtype == np.float32 and out.shape == (3, 4)
