"""The numerical derivatives and check_grad, including on gradients that are wrong on purpose."""

from __future__ import annotations

import numpy as np
import pytest

import numeric
from numeric.finite_diff import central_diff, check_grad, complex_step
from numeric.softmax import ce_from_logits


def _ce_case(n: int = 50, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    theta = rng.normal(scale=3, size=n)
    y = np.zeros(n)
    y[3] = 1.0
    return theta, y


@pytest.mark.parametrize("method", ["central", "complex"])
def test_correct_gradient_passes(method: str) -> None:
    theta, y = _ce_case()
    result = check_grad(
        lambda t: ce_from_logits(t, y), numeric.ce_softmax_grad(theta, y), theta, method=method, batched=True
    )
    assert result.passed, result.message("ce_softmax_grad")


@pytest.mark.parametrize(("method", "bug"), [("central", 1e-7), ("complex", 1e-11)])
def test_single_component_bug_is_caught_at_its_index(method: str, bug: float) -> None:
    theta, y = _ce_case()
    grad = numeric.ce_softmax_grad(theta, y)
    grad[17] += bug
    result = check_grad(lambda t: ce_from_logits(t, y), grad, theta, method=method, batched=True)
    assert not result.passed
    assert result.worst_index == (17,)
    text = result.message("ce_softmax_grad")
    assert "disagrees" in text and "index (17,)" in text and "tolerance" in text


def test_sign_error_in_sigmoid_derivative_is_caught() -> None:
    x = np.linspace(-5, 5, 7)
    wrong = np.diag(numeric.sigmoid(x) * (1 + numeric.sigmoid(x)))  # σ(1 + σ): the classic slip
    result = check_grad(numeric.sigmoid, wrong, x, batched=True)
    assert not result.passed


def test_jacobian_layout_is_input_first() -> None:
    theta = np.array([0.3, -1.2, 2.0])
    d, bound, _ = central_diff(numeric.softmax, theta, batched=True)
    np.testing.assert_allclose(d, numeric.softmax_jacobian(theta), atol=float(bound.max()) * 2)
    dc, bound_c, _ = complex_step(numeric.softmax, theta, batched=True)
    np.testing.assert_allclose(dc, numeric.softmax_jacobian(theta), atol=float(bound_c.max()) * 2)


def test_float32_function_steps_are_scaled_to_its_epsilon() -> None:
    x = np.array([0.5, -2.0])
    _, _, steps64 = central_diff(numeric.sigmoid, x, batched=True)
    _, _, steps32 = central_diff(lambda v: numeric.sigmoid(v.astype(np.float32)), x, batched=True)
    assert np.all(steps32 > 10 * steps64)


def _ce_plain(y: np.ndarray):
    def f(t: np.ndarray) -> np.ndarray:
        z = t - np.max(np.real(t), axis=-1, keepdims=True)
        return -np.sum(y * (z - np.log(np.sum(np.exp(z), axis=-1, keepdims=True))), axis=-1)

    return f


@pytest.mark.parametrize("method", ["central", "complex"])
def test_directional_check_catches_a_single_component_bug_at_large_n(method: str) -> None:
    """The tester tested at n = 20000: correct passes; one component off by 1e-8 fails."""
    from numeric.finite_diff import check_grad_directions

    rng = np.random.default_rng(3)
    theta = rng.normal(size=20000)
    y = np.zeros_like(theta)
    y[7] = 1.0
    g = numeric.ce_softmax_grad(theta, y)
    assert check_grad_directions(_ce_plain(y), g, theta, method=method).passed
    wrong = g.copy()
    wrong[12345] += 1e-8
    result = check_grad_directions(_ce_plain(y), wrong, theta, method=method)
    assert not result.passed and "random directions" in result.message("ce")
    assert result.miss_probability(100 * result.direction_tolerance) < 1e-8


@pytest.mark.parametrize("scale", [1.0, 10.0, 100.0, 1000.0])
def test_correct_float32_gradients_pass_at_every_logit_scale(scale: float) -> None:
    """No false failures: differences in float64 at the float32 point, float32 ulps, the spread as condition."""
    rng = np.random.default_rng(int(scale))
    for _ in range(5):
        theta32 = (scale * rng.standard_normal(200)).astype(np.float32)
        y = np.zeros(200)
        y[rng.integers(200)] = 1.0
        z = theta32 - theta32.max()
        e = np.exp(z)
        g32 = e / e.sum() - y.astype(np.float32)  # the textbook float32 gradient
        theta = theta32.astype(np.float64)
        spread = float(theta.max() - theta.min())
        for method in ("central", "complex"):
            result = check_grad(_ce_plain(y), g32, theta, method=method, batched=True, condition=1 + spread)
            assert result.passed, result.message("float32 CE gradient")


def test_float32_tolerance_still_catches_a_float32_sized_bug() -> None:
    theta = np.linspace(-1, 1, 50)
    y = np.zeros(50)
    y[0] = 1.0
    g32 = numeric.ce_softmax_grad(theta, y).astype(np.float32)
    g32[10] += np.float32(1e-4)
    assert not check_grad(_ce_plain(y), g32, theta, method="complex", batched=True).passed
