"""The grader on the example submissions, its tolerance (tested with wrong answers), config, JSON, batch."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from derivations.errors import InputError
from derivations.grading.api import compare, spec
from derivations.grading.grade import Config, grade

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
        t.name: t.output for t in result.tests if t.verdict not in ("passed", "not_submitted")
    }
    assert (EXAMPLES / "README.md").read_text().count(name) >= 1


def test_latex_answers() -> None:
    good = grade(EXAMPLES / "answer_correct.md", FAST)
    assert good.score == good.max_score == 10
    bad = grade(EXAMPLES / "answer_wrong.md", FAST)
    assert 0 < bad.score < 10
    assert "line 6 is wrong" in bad.tests[0].output and not bad.tests[1].passed


def test_a_derivation_needs_an_identity(tmp_path: Path) -> None:
    f = tmp_path / "a.md"
    f.write_text("$$\\sigma(-x) = 1 - \\sigma(x)$$\n")
    with pytest.raises(InputError, match="which identity"):
        grade(f, FAST)
    assert grade(f, FAST, against="sigmoid-reflection").tests[0].passed


# ------------------------------------------------------------------------ the tolerance, tested


def _ok(name: str, args: tuple, got) -> bool:
    got = got if isinstance(got, tuple) else (got,)
    return compare(spec(name), args, [np.asarray(g) for g in got], len(got) > 1) is None


def test_tolerance_accepts_the_textbook_forms_at_their_worst() -> None:
    x = np.array([40.0, -40.0, 36.75, 700.0])
    s = 1 / (1 + np.exp(-x))
    assert _ok("sigmoid_grad", (x,), s * (1 - s))  # s(1 − s) is 0 at x = 40, where σ' ≈ 4e-18
    theta = np.array([1e4, -1e4 + 3.0, 0.1234567891])
    e = np.exp(theta - theta.max())
    assert _ok("softmax", (theta,), e / e.sum())


def test_tolerance_rejects_wrong_mathematics_and_breakdown() -> None:
    x = np.array([0.5, -2.0])
    s = 1 / (1 + np.exp(-x))
    assert not _ok("sigmoid_grad", (x,), s * (1 + s))
    assert not _ok("sigmoid_grad", (x,), s * (1 - s) * (1 + 1e-9))  # a relative error of 1e-9 is not rounding
    assert not _ok("sigmoid", (x,), (s[:, None]))  # (2, 1) for (2,): no broadcasting
    assert not _ok("sigmoid", (x,), np.round(s).astype(int))
    assert not _ok("sigmoid", (x,), np.where(x > 0, np.nan, s))
    assert not _ok("sigmoid", (x,), s.astype(complex))
    assert not _ok("mse_layer_grads", (np.ones(2), np.asarray(0.5), np.ones(2), np.asarray(0.0)), np.ones(2))


def test_float32_results_are_measured_in_float32_ulps() -> None:
    x = np.linspace(-5, 5, 11)
    s = (1 / (1 + np.exp(-x))).astype(np.float32)
    assert _ok("sigmoid", (x,), s)


# ------------------------------------------------------------------------ config, JSON, batch


def test_config_from_toml(tmp_path: Path) -> None:
    f = tmp_path / "grading.toml"
    f.write_text(
        "[points]\nsigmoid = 20\n[parts]\nstability_share = 0.5\n"
        "[examples]\ncorrectness = 5\n[limits]\ncall_seconds = 2\n"
    )
    c = Config.load(f)
    assert c.points["sigmoid"] == 20 and c.stability_share == 0.5 and c.correctness_examples == 5
    assert c.limits.call_seconds == 2
    f.write_text("[points]\nsoftmaxx = 3\n")
    with pytest.raises(InputError, match="softmaxx"):
        Config.load(f)
    f.write_text("[domain]\nnot_a_bound = 1\n")
    with pytest.raises(InputError):
        Config.load(f)


def _cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "derivations", "grade", *args], capture_output=True, text=True,
                          env=env, timeout=900, cwd=cwd)  # fmt: skip


def test_gradescope_json_also_when_the_import_fails(tmp_path: Path) -> None:
    sub = tmp_path / "broken.py"
    sub.write_text("def sigmoid(x)\n")
    out = tmp_path / "results.json"
    r = _cli(str(sub), "--json", str(out))
    assert r.returncode == 0, r.stderr
    data = json.loads(out.read_text())
    assert data["score"] == 0 and data["max_score"] == 70
    assert "SyntaxError" in data["output"]
    for t in data["tests"]:
        assert {"name", "score", "max_score", "status", "output"} <= set(t)
        assert t["name"].split(":")[0] in ALL and t["status"] == "failed"


def test_grader_usage_errors_exit_2(tmp_path: Path) -> None:
    r = _cli(str(tmp_path / "missing.py"))
    assert r.returncode == 2 and "does not exist" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    r = _cli("--batch", str(tmp_path / "nowhere"))
    assert r.returncode == 2 and "not a folder" in r.stderr
    r = _cli(str(EXAMPLES / "correct.py"), "--csv", str(tmp_path / "x.csv"))
    assert r.returncode == 2


def test_batch_writes_a_csv_and_one_json_per_student(tmp_path: Path) -> None:
    folder = tmp_path / "submissions"
    folder.mkdir()
    (folder / "alice.py").write_text((EXAMPLES / "correct.py").read_text())
    (folder / "bob").mkdir()
    (folder / "bob" / "hw.py").write_text((EXAMPLES / "bug_mse_factor.py").read_text())
    (folder / "carol").mkdir()
    (folder / "dave.md").write_text((EXAMPLES / "answer_correct.md").read_text())
    config = tmp_path / "fast.toml"
    config.write_text("[examples]\ncorrectness = 20\nstability = 20\n")
    out = tmp_path / "grades.csv"
    r = _cli("--batch", str(folder), "--csv", str(out), "--jobs", "2", "--config", str(config), "--quiet")
    assert r.returncode == 0, r.stderr
    rows = {row["student"]: row for row in csv.DictReader(out.open())}
    assert set(rows) == {"alice", "bob", "carol", "dave"}
    assert rows["alice"]["score"] == "70" and rows["bob"]["mse_layer_grads"] == "0"
    assert rows["dave"]["score"] == "10" and "no .py" in rows["carol"]["note"]
    for student in rows:
        assert json.loads((tmp_path / "grades-results" / f"{student}.json").read_text())["student"] == student


def test_config_examples_are_used() -> None:
    config = replace(FAST, correctness_examples=3, stability_examples=4)
    result = grade(EXAMPLES / "correct.py", config)
    assert result.tests[0].output.startswith("3 correctness") and result.tests[1].output.startswith("4 stability")


@pytest.mark.parametrize(
    ("answer", "why"),
    [
        # ∂L/∂z of an undefined L is not the derivative of a constant (0 = 0 would accept anything).
        ("$$\\frac{dL}{dz} = p - y$$\n\n$$= y - p$$\n", "derivative of a constant"),
        # The question written as its answer: an unevaluated derivative is not a closed form.
        ("$$\\sigma'(x) = \\frac{d}{dx} \\frac{1}{1 + e^{-x}}$$\n\n$$= \\frac{d}{dx} \\sigma(x)$$\n", "unevaluated"),
        # log read as base 10 would make this chain hold; it is the natural log.
        ("$$\\sigma'(x) = \\frac{e^{-x}}{(1+e^{-x})^2}$$\n\n$$= \\sigma(x)(1-\\sigma(x)) \\log(10)$$\n", "log base"),
        # e read as a symbol would make e^{x} e^{-x} a free-floating product; it is Euler's number.
        (
            "$$\\sigma'(x) = \\frac{e^{-x}}{(1+e^{-x})^2} \\cdot e^{x} e^{-x} \\cdot e$$\n\n"
            "$$= \\sigma(x)(1-\\sigma(x))$$\n",
            "e",
        ),
    ],
)
def test_latex_answers_that_other_graders_falsely_accept_get_no_credit_for_the_identity(
    tmp_path: Path, answer: str, why: str
) -> None:
    f = tmp_path / "answer.md"
    f.write_text(answer)
    result = grade(f, FAST, against="sigmoid-derivative")
    assert not result.tests[1].passed, why


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


def test_relu_subgradient_at_zero_accepts_any_value_in_the_interval() -> None:
    x = np.array([-1.0, 0.0, 2.0])
    assert _ok("relu_grad", (x,), np.array([0.0, 0.5, 1.0]))
    assert _ok("relu_grad", (x,), np.array([0.0, 1.0, 1.0]))
    assert not _ok("relu_grad", (x,), np.array([0.0, 2.0, 1.0]))
    assert not _ok("relu_grad", (x,), np.array([0.5, 0.0, 1.0]))


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
