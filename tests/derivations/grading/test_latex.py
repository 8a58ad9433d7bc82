"""Grading LaTeX answers with the step checker: scores, feedback, the identity, and the worker's limits."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from derivations.errors import InputError
from derivations.grading.config import Config
from derivations.grading.grade import grade
from derivations.verdict import Outcome

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "submissions"
CONFIG = Config()


def test_latex_answers() -> None:
    good = grade(EXAMPLES / "answer_correct.md", CONFIG)
    assert good.score == good.max_score == 10
    assert [t.verdict for t in good.tests] == [Outcome.PASSED, Outcome.PASSED]
    bad = grade(EXAMPLES / "answer_wrong.md", CONFIG)
    assert 0 < bad.score < 10
    assert "line 6 is wrong" in bad.tests[0].output and not bad.tests[1].passed
    assert bad.tests[0].verdict is Outcome.WRONG and bad.tests[0].counterexample["first_wrong"]["line"] == 6
    assert bad.tests[0].score == pytest.approx(4 * 2 / 3)  # 0.4 of the points × the fraction of steps that hold


def test_a_notebook_answer_is_graded_from_its_markdown_cells(tmp_path: Path) -> None:
    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

    cells = [
        new_markdown_cell("---\nidentity: sigmoid-derivative\n---"),
        new_code_cell("import numpy as np"),
        new_markdown_cell("$$\\sigma'(x) = \\frac{e^{-x}}{(1+e^{-x})^2}$$"),
        new_markdown_cell("$$= \\sigma(x)(1+\\sigma(x))$$"),
    ]
    nb = tmp_path / "answer.ipynb"
    nbformat.write(new_notebook(cells=cells), str(nb))
    result = grade(nb, CONFIG)
    assert result.kind == "latex" and "cell 4, line 1 is wrong" in result.tests[0].output
    assert not result.tests[1].passed


def test_a_derivation_needs_an_identity(tmp_path: Path) -> None:
    f = tmp_path / "a.md"
    f.write_text("$$\\sigma(-x) = 1 - \\sigma(x)$$\n")
    with pytest.raises(InputError, match="which identity"):
        grade(f, CONFIG)
    assert grade(f, CONFIG, against="sigmoid-reflection").tests[0].passed


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
    result = grade(f, CONFIG, against="sigmoid-derivative")
    assert not result.tests[1].passed, why


def test_a_checker_out_of_time_is_a_timeout_not_a_wrong_answer() -> None:
    result = grade(EXAMPLES / "answer_correct.md", replace(CONFIG, latex_seconds=0.05))
    assert [t.verdict for t in result.tests] == [Outcome.TIMEOUT, Outcome.TIMEOUT]
    assert result.score == 0 and "more than 0.05 s of CPU time" in result.error


def test_a_checker_out_of_memory_is_memory_not_a_wrong_answer() -> None:
    result = grade(EXAMPLES / "answer_correct.md", replace(CONFIG, latex_memory_mib=48))  # SymPy cannot even import
    assert [t.verdict for t in result.tests] == [Outcome.MEMORY, Outcome.MEMORY]
    assert result.score == 0 and "48 MiB" in result.error
