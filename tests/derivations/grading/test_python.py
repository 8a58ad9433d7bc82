"""Grading .py submissions: the examples grade as documented, the configured parts and examples are used,
the tolerance is configurable, and a bug of ours in the comparison is raised, never a student's wrong answer."""

from __future__ import annotations

import textwrap
from dataclasses import replace
from pathlib import Path

import pytest

from derivations.grading import python as python_grading
from derivations.grading.api import Mismatch
from derivations.grading.config import Config
from derivations.grading.grade import grade
from derivations.verdict import Outcome

pytestmark = pytest.mark.needs_sandbox  # every test here runs a submission

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "submissions"
FAST = Config(correctness_examples=40, stability_examples=40)
ALL = ("sigmoid", "sigmoid_grad", "softmax", "softmax_jacobian", "cross_entropy", "ce_softmax_grad", "mse_layer_grads")

#: examples/submissions/README.md, as data: the parts each example passes (everything else scores 0).
PASSES = {
    "correct.py": {(f, p) for f in ALL for p in ("correctness", "stability")},
    "naive_textbook.py": {(f, p) for f in ALL for p in ("correctness", "stability")},
    "bug_sigmoid_grad_sign.py": {("sigmoid", "correctness"), ("sigmoid", "stability")},
    "bug_softmax_no_shift.py": {("softmax", "correctness"), ("ce_softmax_grad", "correctness")},
    "bug_softmax_axis.py": set(),
    "bug_cross_entropy_log0.py": {("cross_entropy", "correctness")},
    "bug_ce_grad_sign.py": set(),
    "bug_mse_factor.py": set(),
    "bug_mse_batch_sum.py": set(),
    "bug_jacobian_elementwise.py": set(),
    "bug_sigmoid_shape.py": set(),
}


@pytest.mark.parametrize("name", sorted(PASSES))
def test_example_submissions_grade_as_documented(name: str) -> None:
    result = grade(EXAMPLES / name, FAST)
    passed = {tuple(t.name.split(": ")) for t in result.tests if t.passed}
    assert passed == PASSES[name], {
        t.name: t.output for t in result.tests if t.verdict not in (Outcome.PASSED, Outcome.NOT_SUBMITTED)
    }
    assert (EXAMPLES / "README.md").read_text().count(name) >= 1


def test_config_examples_are_used() -> None:
    config = replace(FAST, correctness_examples=3, stability_examples=4)
    result = grade(EXAMPLES / "correct.py", config)
    assert result.tests[0].output.startswith("3 correctness") and result.tests[1].output.startswith("4 stability")


def test_the_later_functions_are_graded_when_the_config_gives_them_points() -> None:
    default = grade(EXAMPLES / "extras.py", FAST)
    assert {t.name.split(":")[0] for t in default.tests} == set(ALL)  # worth 0 by default: not listed
    config = Config.load(EXAMPLES / "grading.toml")
    config = replace(config, correctness_examples=30, stability_examples=30)
    result = grade(EXAMPLES / "extras.py", config)
    passed = {t.name.split(":")[0] for t in result.tests if t.passed}
    assert passed == {"sigmoid", "tanh_grad", "relu_grad", "bce_sigmoid_grad", "logsumexp",
                      "softmax_regression_grads", "xor_network_grads"}  # fmt: skip
    assert result.score == 70 and result.max_score == 130


def test_tolerance_is_configurable_and_the_epsilon_hack_is_what_it_moves(tmp_path: Path) -> None:
    sub = tmp_path / "eps.py"
    sub.write_text(
        "import numpy as np\ndef cross_entropy(y, y_hat):\n    return -np.sum(y * np.log(y_hat + 1e-9), axis=-1)\n"
    )

    def ce_parts(result):  # type: ignore[no-untyped-def]
        return {t.name: t.passed for t in result.tests if t.name.startswith("cross_entropy")}

    assert ce_parts(grade(sub, FAST)) == {"cross_entropy: correctness": False, "cross_entropy: stability": False}
    loose_file = tmp_path / "loose.toml"
    loose_file.write_text("[tolerance]\nfloor = 1e-6\n")
    loose = replace(Config.load(loose_file), correctness_examples=40, stability_examples=40)
    assert ce_parts(grade(sub, loose)) == {
        "cross_entropy: correctness": True,
        "cross_entropy: stability": False,
    }
    assert not any(t.passed for t in grade(EXAMPLES / "bug_mse_factor.py", loose).tests)


SIGMOID_ONLY = replace(FAST, points={"sigmoid": 10.0}, correctness_examples=10, stability_examples=10)


def test_a_bug_of_ours_in_the_search_is_raised_not_graded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The fixed inputs fail (so Hypothesis searches), then the comparison itself breaks: that must escape."""
    calls = []

    def broken_judge(*args: object, **kwargs: object) -> Mismatch:
        calls.append(1)
        if len(calls) == 1:
            return Mismatch(Outcome.WRONG, "forced to fail once")
        raise ZeroDivisionError("a bug in the grader")

    monkeypatch.setattr(python_grading, "judge", broken_judge)
    with pytest.raises(ZeroDivisionError, match="a bug in the grader"):
        grade(EXAMPLES / "correct.py", SIGMOID_ONLY)
    assert len(calls) > 1  # the search ran


def test_a_submission_that_answers_differently_each_time_is_graded(tmp_path: Path) -> None:
    """Hypothesis cannot replay its failure (FlakyFailure): still the student's wrong answer, not a crash."""
    sub = tmp_path / "flaky.py"
    sub.write_text(
        textwrap.dedent(
            """
            import numpy as np
            calls = [0]
            def sigmoid(x):
                calls[0] += 1
                s = 1 / (1 + np.exp(-np.asarray(x, dtype=float)))
                return s + 0.5 if calls[0] % 3 == 0 else s
            """
        )
    )
    result = grade(sub, SIGMOID_ONLY)
    assert [t.verdict for t in result.tests] == [Outcome.WRONG, Outcome.WRONG]
    assert result.score == 0
