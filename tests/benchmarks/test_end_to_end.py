"""The pure helpers of benchmarks/end_to_end.py: ratio arithmetic and the verify-verdict comparison."""

from __future__ import annotations

import copy
import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

PATH = Path(__file__).resolve().parents[2] / "benchmarks" / "end_to_end.py"


@pytest.fixture(scope="module")
def e2e() -> ModuleType:
    """The benchmark module, loaded from its file (benchmarks/ is not a package)."""
    spec = importlib.util.spec_from_file_location("end_to_end", PATH)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def report(symbolic: str = "proved (cancel; 1 parts)", check_passed: bool = True) -> dict:
    """A hand-made `verify --json` report of two identities."""
    return {
        "derivations_version": "0.1.0",
        "passed": check_passed,
        "identities": [
            {
                "name": "sigmoid-derivative",
                "symbolic": symbolic,
                "passed": check_passed,
                "checks": [
                    {"against": "numeric.sigmoid_grad", "passed": check_passed, "max_error": 0.9},
                    {"against": "complex step", "passed": True, "max_error": 0.1},
                ],
            },
            {
                "name": "softmax-jacobian",
                "symbolic": "proved (simplify; 2 parts)",
                "passed": True,
                "checks": [{"against": "numeric.softmax_jacobian", "passed": True, "max_error": 1.5}],
            },
        ],
    }


def test_ratio_arithmetic(e2e: ModuleType) -> None:
    assert e2e.ratio(3.0, 1.5) == 2.0
    assert e2e.ratio(1.0, 3.0) == 0.33
    # 40 students in 30 s on 2 cores, unit 2 s: 30 × 2 / 40 = 1.5 s per student per core = 0.75 units
    assert e2e.per_student_per_core(30.0, 40, 2, 2.0) == 0.75


def test_figure_and_rescale(e2e: ModuleType) -> None:
    f = e2e.figure(["derivations", "check", "x.md"], [1.0, 3.0, 2.0], 1.0, goal=2.0)
    assert (f["seconds"], f["ratio"], f["meets_goal"]) == (2.0, 2.0, True)
    e2e.rescale(f, 1.0, 0.8)  # the mean unit turned out smaller: the ratio grows past the goal
    assert (f["ratio"], f["meets_goal"]) == (2.5, False)


def test_same_verdicts_ignores_timings_and_methods(e2e: ModuleType) -> None:
    a = report()
    b = copy.deepcopy(a)
    b["identities"][0]["checks"][0]["max_error"] = 1.7
    b["identities"][0]["symbolic"] = "proved (rewrite(exp) + cancel; 1 parts)"
    assert e2e.same_verdicts(a, b)
    assert e2e.differences(a, b) == []


def test_different_verdicts_compare_unequal(e2e: ModuleType) -> None:
    a = report()
    assert not e2e.same_verdicts(a, report(check_passed=False))
    assert e2e.differences(a, report(check_passed=False)) == ["sigmoid-derivative"]
    assert not e2e.same_verdicts(a, report(symbolic="not proved (timed out after 10 s)"))
    fewer = copy.deepcopy(a)
    del fewer["identities"][1]
    assert e2e.differences(a, fewer) == ["softmax-jacobian"]


def test_same_score_at_the_csv_precision(e2e: ModuleType) -> None:
    assert e2e.same_score(70.0, "70")
    assert e2e.same_score(70.0, "70.0")
    assert e2e.same_score(8 / 3, "2.67")
    assert not e2e.same_score(8 / 3, "2.66")
    assert not e2e.same_score(69.0, "70")
    assert not e2e.same_score(2.674, "2.67000")
