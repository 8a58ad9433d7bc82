"""Grading against an assignment file: examples/assignment2 grades as its README says, --check-reference
catches the instructor's mistakes, the precision policy holds through the sandbox, and the command's exit codes."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from dataclasses import replace
from pathlib import Path

import pytest

from derivations.errors import InputError
from derivations.grading.config import Config
from derivations.grading.grade import grade
from derivations.grading.python import check_reference
from derivations.grading.results import Test as GradedPart
from derivations.verdict import Outcome

pytestmark = pytest.mark.needs_sandbox  # every test here runs a submission or a reference

ROOT = Path(__file__).resolve().parents[3]
A2 = ROOT / "examples" / "assignment2"
FAST = replace(Config.load(None, assignment=A2 / "assignment.toml"), correctness_examples=25, stability_examples=25)
PARTS = ("correctness", "stability")
ALL = {(f, p) for f in ("dsigmoid", "log_softmax", "Dense.forward", "Dense.backward", "neuron_grads") for p in PARTS}
#: examples/assignment2/README.md, as data: the parts each submission passes.
PASSES = {
    "correct.py": ALL,
    "bug_backward_sum.py": ALL - {("Dense.backward", p) for p in PARTS},
    "bug_neuron_order.py": ALL - {("neuron_grads", p) for p in PARTS},
}


@pytest.mark.parametrize("name", sorted(PASSES))
def test_assignment2_grades_as_its_readme_says(name: str) -> None:
    result = grade(A2 / "submissions" / name, FAST)
    passed = {tuple(t.name.rsplit(": ", 1)) for t in result.tests if t.passed}
    assert passed == PASSES[name], {t.name: t.output for t in result.tests if not t.passed}
    for t in result.tests:
        assert isinstance(t, GradedPart)
        if not t.passed:  # a bug, caught with a counterexample
            assert t.verdict is Outcome.WRONG and t.counterexample is not None
            assert {"input", "expected", "got"} <= set(t.counterexample)
    assert result.max_score == 40 and (A2 / "README.md").read_text().count(name) >= 1


def test_assignment2_checks_its_own_reference() -> None:
    result = check_reference(FAST)
    assert result.score == result.max_score > 0, {t.name: t.output for t in result.tests if not t.passed}
    names = {t.name for t in result.tests}
    assert "(witness) Dense.backward: stability" in names and "(solution.py) log_softmax: correctness" in names
    assert "(solution.py) neuron_grads: correctness" in names  # the solution against the mapped witness too


def test_visibility_is_on_every_test() -> None:
    result = grade(A2 / "submissions" / "correct.py", replace(FAST, correctness_examples=3, stability_examples=3))
    seen = {t.name.rsplit(": ", 1)[0]: t.visibility for t in result.tests if isinstance(t, GradedPart)}
    assert seen == {
        "dsigmoid": "visible",
        "log_softmax": "after_due_date",
        "Dense.forward": "visible",
        "Dense.backward": "visible",
        "neuron_grads": "hidden",
    }
    assert {d["visibility"] for d in result.to_json()["details"]} == {"visible", "after_due_date", "hidden"}


def _write(tmp_path: Path, name: str, text: str) -> Path:
    f = tmp_path / name
    f.write_text(textwrap.dedent(text))
    return f


def test_a_float16_answer_is_imprecise_through_the_sandbox(tmp_path: Path) -> None:
    sub = _write(
        tmp_path,
        "half.py",
        """
        import numpy as np
        def sigmoid(x):
            return (1.01 / (1 + np.exp(-x))).astype(np.float16)
        """,
    )
    result = grade(sub, Config(points={"sigmoid": 10.0}, correctness_examples=10, stability_examples=10))
    assert [t.verdict for t in result.tests] == [Outcome.IMPRECISE, Outcome.IMPRECISE]
    assert all(t.output.startswith("returned float16: not accurate enough") for t in result.tests)
    assert result.score == 0


CAREFUL_FLOAT32_SOFTMAX = """
import numpy as np
def softmax(theta):
    t = np.asarray(theta, dtype=np.float32)
    e = np.exp(t - t.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)
"""


def test_a_careful_float32_softmax_passes_unless_the_assignment_asks_for_float64(tmp_path: Path) -> None:
    sub = _write(tmp_path, "single.py", CAREFUL_FLOAT32_SOFTMAX)
    builtin = Config(points={"softmax": 10.0}, correctness_examples=30, stability_examples=30)
    assert [t.verdict for t in grade(sub, builtin).tests] == [Outcome.PASSED, Outcome.PASSED]
    strict = _write(
        tmp_path,
        "strict.toml",
        """
        [assignment]
        lowest_precision = "float64"
        [function.softmax]
        reference = "softmax-jacobian:softmax"
        """,
    )
    config = replace(Config.load(None, assignment=strict), correctness_examples=5, stability_examples=5)
    result = grade(sub, config)
    assert [t.verdict for t in result.tests] == [Outcome.IMPRECISE, Outcome.IMPRECISE]
    assert "returned float32: not accurate enough (float64 expected)" in result.tests[0].output


SWAPPED = """
[function.neuron]
reference = "mse-layer-gradients"
map = {{ x = "W", w = "x" }}   # {comment}
[function.neuron.dims]
m = [1, 3]
d = [2, 4]
[function.neuron.inputs]
x = {{ shape = ["m", "d"], range = [-2, 2] }}
y = {{ shape = ["m"], range = [0, 1] }}
w = {{ shape = ["d"], range = [-2, 2] }}
b = {{ shape = [], range = [-1, 1], scalar = "float" }}
"""

NEURON = """
import numpy as np
def neuron(x, y, w, b):
    h = x @ w + b
    s = 1 / (1 + np.exp(-h))
    delta = -2 * (y - s) * s * (1 - s)
    return x.T @ delta / len(y), np.sum(delta) / len(y)
"""


def test_a_mapping_in_the_wrong_order_fails_check_reference(tmp_path: Path) -> None:
    wrong = _write(tmp_path, "wrong.toml", SWAPPED.format(comment="the instructor's mistake"))
    right = _write(
        tmp_path, "right.toml", SWAPPED.format(comment="").replace('map = { x = "W", w = "x" }', 'map = { w = "W" }')
    )
    fast = {"correctness_examples": 10, "stability_examples": 10}
    good = check_reference(replace(Config.load(None, assignment=right), **fast))
    assert good.score == good.max_score > 0
    bad = check_reference(replace(Config.load(None, assignment=wrong), **fast))
    assert bad.score == 0 and all(t.verdict is Outcome.EXCEPTION for t in bad.tests)
    assert "W must have shape" in bad.tests[0].output
    student = _write(tmp_path, "student.py", NEURON)
    assert grade(student, replace(Config.load(None, assignment=right), **fast)).score == 10
    with pytest.raises(InputError, match=r"\[function.neuron\] the reference failed .* --check-reference"):
        grade(student, replace(Config.load(None, assignment=wrong), **fast))


def test_a_return_mapping_the_solution_contradicts_fails_check_reference(tmp_path: Path) -> None:
    _write(tmp_path, "solution.py", NEURON.replace("return x.T @ delta / len(y), np.sum(delta) / len(y)",
                                                   "return np.sum(delta) / len(y), x.T @ delta / len(y)"))  # fmt: skip
    text = SWAPPED.format(comment="").replace('map = { x = "W", w = "x" }', 'map = { w = "W" }\nreturns = ["dW", "db"]')
    course = _write(tmp_path, "course.toml", '[assignment]\nreference_file = "solution.py"\n' + text)
    result = check_reference(
        replace(Config.load(None, assignment=course), correctness_examples=10, stability_examples=10)
    )
    by = {t.name: t for t in result.tests}
    assert by["(witness) neuron: correctness"].passed  # the mapping is consistent with itself…
    assert by["(solution.py) neuron: correctness"].verdict is Outcome.WRONG  # …not with the instructor's solution


def test_a_reference_file_that_fails_is_the_assignments_error(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "solution.py",
        """
        def double(x):
            if (x > 0.75).any():
                raise ValueError("the solution's own bug")
            return 2 * x
        """,
    )
    course = _write(
        tmp_path,
        "course.toml",
        """
        [assignment]
        reference_file = "solution.py"
        [function.double]
        [function.double.inputs]
        x = { shape = [3], range = [-1, 1] }
        """,
    )
    config = replace(Config.load(None, assignment=course), correctness_examples=20, stability_examples=5)
    student = _write(tmp_path, "student.py", "def double(x):\n    return x + x\n")
    with pytest.raises(InputError, match=r"\[function.double\] the reference failed .*the solution's own bug"):
        grade(student, config)
    checked = check_reference(config)
    assert checked.score < checked.max_score
    assert any("the solution's own bug" in t.output for t in checked.tests)


def test_dict_keys_and_missing_classes_are_the_students_mistakes(tmp_path: Path) -> None:
    config = replace(FAST, correctness_examples=5, stability_examples=5)
    keys = (A2 / "submissions" / "correct.py").read_text().replace('{"dW": x.T @ delta / m', '{"dw": x.T @ delta / m')
    result = grade(_write(tmp_path, "keys.py", keys), config)
    backward = [t for t in result.tests if t.name.startswith("Dense.backward")]
    assert [t.verdict for t in backward] == [Outcome.BAD_RESULT, Outcome.BAD_RESULT]
    assert "returned a dict with the keys 'db', 'dw'; expected the keys 'dW', 'db'" in backward[0].output
    no_class = (A2 / "submissions" / "correct.py").read_text().replace("class Dense:", "class Layer:")
    result = grade(_write(tmp_path, "no_class.py", no_class), config)
    dense = [t for t in result.tests if t.name.startswith("Dense.")]
    assert {t.verdict for t in dense} == {Outcome.NOT_SUBMITTED}
    assert "expected a class Dense with a method backward" in dense[-1].output


# -- the command


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "derivations", "grade", *args], capture_output=True, text=True,
                          env=env, timeout=900)  # fmt: skip


def test_check_reference_exits_0_on_full_marks_and_1_otherwise(tmp_path: Path) -> None:
    fast = _write(tmp_path, "fast.toml", "[examples]\ncorrectness = 10\nstability = 10\n")
    r = _cli("--assignment", str(A2 / "assignment.toml"), "--check-reference", "--config", str(fast))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "(witness) Dense.backward: correctness" in r.stdout and "assignment2: 65/65" in r.stdout
    wrong = _write(tmp_path, "wrong.toml", SWAPPED.format(comment="swapped"))
    r = _cli("--assignment", str(wrong), "--check-reference", "--config", str(fast))
    assert r.returncode == 1 and "reference check failed (2 parts)" in r.stderr, r.stdout + r.stderr


def test_an_invalid_assignment_exits_2_in_one_line(tmp_path: Path) -> None:
    bad = _write(tmp_path, "bad.toml", '[function.f]\nreference = "sigmoid-derivativ"\n')
    r = _cli("--assignment", str(bad), str(A2 / "submissions" / "correct.py"))
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert "bad.toml': [function.f] reference = 'sigmoid-derivativ' (did you mean 'sigmoid-derivative'?" in r.stderr
    limits = _write(
        tmp_path, "limits.toml", '[function.f]\nreference = "sigmoid-derivative"\n[limits]\nmemory_mib = 10\n'
    )
    r = _cli("--assignment", str(limits), "--check-reference")
    assert r.returncode == 2 and "[limits] memory_mib = 10 (expected an integer ≥ 272" in r.stderr
    assert "Traceback" not in r.stderr
    r = _cli("--assignment", str(A2 / "assignment.toml"), "--check-reference", str(A2 / "submissions" / "correct.py"))
    assert r.returncode == 2 and "give no submission" in r.stderr


def test_grading_with_an_assignment_from_the_command_line(tmp_path: Path) -> None:
    fast = _write(tmp_path, "fast.toml", "[examples]\ncorrectness = 10\nstability = 10\n")
    r = _cli(
        "--assignment",
        str(A2 / "assignment.toml"),
        "--config",
        str(fast),
        str(A2 / "submissions" / "bug_backward_sum.py"),
    )
    assert r.returncode == 0, r.stderr
    assert "bug_backward_sum: 30/40" in r.stdout and "db:" in r.stdout


def test_the_builtin_assignment_checks_its_own_reference_for_every_function() -> None:
    every = Config(points=dict.fromkeys(Config().points, 10.0), correctness_examples=15, stability_examples=15)
    result = check_reference(every)
    assert len(result.tests) == 26 and all(t.name.startswith("(witness) ") for t in result.tests)
    assert result.score == result.max_score == 130, {t.name: t.output for t in result.tests if not t.passed}


def test_a_float32_answer_is_measured_against_the_reference_file_at_rounded_inputs(tmp_path: Path) -> None:
    single = (
        (A2 / "submissions" / "correct.py")
        .read_text()
        .replace("def log_softmax(z):\n", "def log_softmax(z):\n    z = np.asarray(z, dtype=np.float32)\n")
    )
    config = replace(FAST, points={"log_softmax": 10.0}, correctness_examples=20, stability_examples=20)
    result = grade(_write(tmp_path, "single.py", single), config)
    assert [t.verdict for t in result.tests] == [Outcome.PASSED, Outcome.PASSED], [t.output for t in result.tests]
    sloppy = single.replace("    return z - (m +", "    return np.float32(1.0001) * z - (m +")
    result = grade(_write(tmp_path, "sloppy.py", sloppy), config)
    assert result.tests[0].verdict is Outcome.WRONG and "tolerance (float32)" in result.tests[0].output


NAIVE = """[assignment]
name = "naive"
reference_file = "solution.py"
[examples]
correctness = 10
stability = 10
[function.log_softmax]
points = 10
[function.log_softmax.dims]
c = [2, 4]
[function.log_softmax.inputs]
z = { shape = ["c"], range = [-5, 5], extreme_range = [-1000, 1000] }
"""


@pytest.mark.parametrize(
    ("solution", "why"),
    [
        # overflows to nan/-inf at large logits: no answer can be compared there
        ("import numpy as np\ndef log_softmax(z):\n    return np.log(np.exp(z) / np.sum(np.exp(z)))\n", "not finite"),
        # float32 values taken as exact would fail every careful float64 student
        (
            "import numpy as np\ndef log_softmax(z):\n    z = np.asarray(z, np.float32)\n"
            "    return z - z.max() - np.log(np.sum(np.exp(z - z.max())))\n",
            "must be float64",
        ),
    ],
    ids=["nan", "float32"],
)
def test_a_reference_that_cannot_be_trusted_fails_check_reference(tmp_path: Path, solution: str, why: str) -> None:
    _write(tmp_path, "solution.py", solution)
    hw = _write(tmp_path, "hw.toml", NAIVE)
    r = _cli("--assignment", str(hw), "--check-reference")
    assert r.returncode == 1, r.stdout + r.stderr
    assert why in r.stdout + r.stderr
