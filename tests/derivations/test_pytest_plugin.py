"""The pytest plugin on course folders: an item per claiming step and per identity named, failing with its message."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

COURSE = Path(__file__).resolve().parents[2] / "examples" / "course"


def test_the_example_course_passes(pytester: pytest.Pytester) -> None:
    shutil.copytree(COURSE, pytester.path, dirs_exist_ok=True)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=15)  # 4 + 3 + 5 steps, and each file's `proves <identity>` item


SIGMOID = (
    "---\nidentity: sigmoid-derivative\n---\n"
    "$$\\sigma'(x) = \\frac{e^{-x}}{(1+e^{-x})^2}$$\n\n$$= \\frac{e^{-x}}{(1+e^{-x})^3}$$\n\n"
    "$$= \\sigma(x)(1-\\sigma(x))$$\n"
)


def _course(pytester: pytest.Pytester) -> None:
    pytester.mkdir("hw")
    (pytester.path / "hw" / "sigmoid.deriv.md").write_text(SIGMOID)


def test_one_item_per_step_with_the_line_in_the_short_summary(pytester: pytest.Pytester) -> None:
    _course(pytester)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-rA", "-vv")
    result.assert_outcomes(passed=2, failed=2)
    result.stdout.fnmatch_lines(
        [
            "PASSED hw/sigmoid.deriv.md::line 4",
            "PASSED hw/sigmoid.deriv.md::line 8",
            r"FAILED hw/sigmoid.deriv.md::line 6 - wrong: = \frac{e^{-x}}{(1+e^{-x})^3}",
            r"FAILED hw/sigmoid.deriv.md::proves sigmoid-derivative - does not prove sigmoid-derivative: "
            r"line 6 is wrong: = \frac{e^{-x}}{(1+e^{-x})^3}",
        ],
        consecutive=False,
    )
    # the long report: the counterexample and where the chain returns to
    result.stdout.fnmatch_lines(["*at x = 0: left side 0.25, right side 0.125 (the next line returns to line 4)"])


def test_k_selects_one_step_and_the_marker_selects_all(pytester: pytest.Pytester) -> None:
    _course(pytester)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-k", "line_6", "-rA")
    result.assert_outcomes(failed=1, deselected=3)
    result.stdout.fnmatch_lines([r"FAILED hw/sigmoid.deriv.md::line 6 - wrong:*"])
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "hw/sigmoid.deriv.md::line 8", "-rA")
    result.assert_outcomes(passed=1)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-m", "derivation", "--strict-markers")
    result.assert_outcomes(passed=2, failed=2)
    pytester.runpytest_subprocess("-p", "no:cacheprovider", "-m", "not derivation").assert_outcomes(deselected=4)


def test_xdist_runs_the_items(pytester: pytest.Pytester) -> None:
    pytest.importorskip("xdist")
    _course(pytester)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-n", "2", "-rA", "-vv")
    result.assert_outcomes(passed=2, failed=2)
    result.stdout.fnmatch_lines([r"FAILED hw/sigmoid.deriv.md::line 6 - wrong: = \frac{e^{-x}}{(1+e^{-x})^3}"])


def test_a_notebook_item_is_named_by_cell_and_line(pytester: pytest.Pytester) -> None:
    cells = [
        {"cell_type": "markdown", "metadata": {}, "source": "# The sigmoid"},
        {"cell_type": "markdown", "metadata": {}, "source": "$$\\sigma'(x) = \\frac{e^{-x}}{(1+e^{-x})^2}$$"},
        {"cell_type": "markdown", "metadata": {}, "source": "Then\n\n$$= \\frac{e^{-x}}{(1+e^{-x})^3}$$"},
    ]
    (pytester.path / "hw.ipynb").write_text(
        json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": cells})
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--derivations-glob", "*.ipynb", "-rA", "-vv")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        ["PASSED hw.ipynb::cell 2 line 1", r"FAILED hw.ipynb::cell 3 line 3 - wrong: = \frac{e^{-x}}{(1+e^{-x})^3}"],
        consecutive=False,
    )


def test_an_identity_not_proved_fails(pytester: pytest.Pytester) -> None:
    pytester.makefile(".deriv.md", claim="---\nidentity: sigmoid-derivative\n---\n$$\\sigma(-x) = 1 - \\sigma(x)$$\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-rA", "-vv")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        ["FAILED claim.deriv.md::proves sigmoid-derivative - does not prove sigmoid-derivative"]
    )
    result.stdout.fnmatch_lines(["*no chain of holding steps proves it*"])


def test_an_unreadable_row_breaking_the_chain_is_named(pytester: pytest.Pytester) -> None:
    pytester.makefile(".deriv.md", claim=SIGMOID.replace("(1+e^{-x})^3", "(1+e^{-x})^2 \\cdto 1"))
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-rA", "-vv")
    result.stdout.fnmatch_lines(
        [
            "FAILED claim.deriv.md::proves sigmoid-derivative - does not prove sigmoid-derivative: "
            "line 6 could not be read*"
        ]
    )


def test_glob_and_strict_options(pytester: pytest.Pytester) -> None:
    pytester.makefile(".md", notes="$$\\sigma(0) = ?$$\n\n$$\\sigma(-x) = 1 - \\sigma(x)$$\n")
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes()  # *.deriv.md only, by default
    pytester.runpytest_subprocess("-p", "no:cacheprovider", "--derivations-glob", "*.md").assert_outcomes(passed=2)
    pytester.makeini("[pytest]\nderivations_glob = *.md\nderivations_strict = true\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*unchecked*"])


def test_an_unreadable_row_fails_the_file_unless_allowed(pytester: pytest.Pytester) -> None:
    pytester.makefile(".deriv.md", notes="$$\\sigma(0) \\cdto 1$$\n\n$$\\sigma(-x) = 1 - \\sigma(x)$$\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*could not be read*"])
    pytester.makeini("[pytest]\nderivations_allow_unreadable = true\n")
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=2)


def test_pyargs_collects_the_registry() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "pytest", "--pyargs", "derivations", "--collect-only", "-q", "-p", "no:cacheprovider"],
        capture_output=True, text=True, timeout=300, cwd="/",
    )  # fmt: skip
    assert "test_identity_is_proved[softmax-jacobian]" in out.stdout, out.stdout[-2000:] + out.stderr[-2000:]
    assert "xor-network-gradients" in out.stdout
