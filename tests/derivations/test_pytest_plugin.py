"""The pytest plugin on course folders: one item per derivation file, failing with the checker's message."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

COURSE = Path(__file__).resolve().parents[2] / "examples" / "course"


def test_the_example_course_passes(pytester: pytest.Pytester) -> None:
    shutil.copytree(COURSE, pytester.path, dirs_exist_ok=True)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=3)


def test_a_wrong_step_fails_with_its_line_and_counterexample(pytester: pytest.Pytester) -> None:
    pytester.makefile(
        ".deriv.md",
        lecture="$$\\sigma'(x) = \\frac{e^{-x}}{(1+e^{-x})^2}$$\n\n$$= \\frac{e^{-x}}{(1+e^{-x})^3}$$\n\n"
        "$$= \\sigma(x)(1-\\sigma(x))$$\n",
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*line 3: wrong*", "*at x = 0: left side 0.25, right side 0.125*returns to line 1*"])


def test_an_identity_not_proved_fails(pytester: pytest.Pytester) -> None:
    pytester.makefile(".deriv.md", claim="---\nidentity: sigmoid-derivative\n---\n$$\\sigma(-x) = 1 - \\sigma(x)$$\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*does not prove sigmoid-derivative*"])


def test_glob_and_strict_options(pytester: pytest.Pytester) -> None:
    pytester.makefile(".md", notes="$$\\sigma(0) = ?$$\n\n$$\\sigma(-x) = 1 - \\sigma(x)$$\n")
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes()  # *.deriv.md only, by default
    pytester.runpytest_subprocess("-p", "no:cacheprovider", "--derivations-glob", "*.md").assert_outcomes(passed=1)
    pytester.makeini("[pytest]\nderivations_glob = *.md\nderivations_strict = true\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*unchecked*"])


def test_an_unreadable_row_fails_the_file_unless_allowed(pytester: pytest.Pytester) -> None:
    pytester.makefile(".deriv.md", notes="$$\\sigma(0) \\cdto 1$$\n\n$$\\sigma(-x) = 1 - \\sigma(x)$$\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*could not be read*"])
    pytester.makeini("[pytest]\nderivations_allow_unreadable = true\n")
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_pyargs_collects_the_registry() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "pytest", "--pyargs", "derivations", "--collect-only", "-q", "-p", "no:cacheprovider"],
        capture_output=True, text=True, timeout=300, cwd="/",
    )  # fmt: skip
    assert "test_identity_is_proved[softmax-jacobian]" in out.stdout, out.stdout[-2000:] + out.stderr[-2000:]
    assert "xor-network-gradients" in out.stdout
