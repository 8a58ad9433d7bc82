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
