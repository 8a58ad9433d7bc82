"""The Python API for notebooks: `derivations.check_text` / `check_file`, and how Jupyter shows the result."""

from __future__ import annotations

import json
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import mpmath
import pytest

import derivations
from derivations.check.results import Derivation, Step
from derivations.verdict import Counterexample, Verdict

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "examples" / "checking_in_a_notebook.ipynb"

SIGMOID = r"""$$\sigma'(x) = \frac{e^{-x}}{(1+e^{-x})^2}$$

$$= \frac{e^{-x}}{(1+e^{-x})^3}$$

$$= \sigma(x)(1-\sigma(x))$$

$$f(x) = ?$$
"""


def test_import_derivations_does_not_import_sympy() -> None:
    code = "import derivations, sys; assert 'sympy' not in sys.modules; assert callable(derivations.check_text)"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT, timeout=120)


def test_check_text_returns_a_derivation_with_verdicts() -> None:
    d = derivations.check_text(SIGMOID)
    assert isinstance(d, Derivation)
    assert [s.verdict for s in d.steps] == [Verdict.PROVED, Verdict.WRONG, Verdict.PROVED, Verdict.UNCHECKED]
    assert d.summary[Verdict.WRONG] == 1


def test_check_file_takes_a_str_or_a_path_and_an_identity_name(tmp_path: Path) -> None:
    f = tmp_path / "sigmoid.md"
    f.write_text(SIGMOID.replace("$$f(x) = ?$$\n", ""))
    for path in (f, str(f)):
        d = derivations.check_file(path, seconds=5, against="sigmoid-derivative")
        assert isinstance(d, Derivation)
        assert d.against is not None and d.against.identity == "sigmoid-derivative"
        assert not d.against.proved  # the chain steps over the wrong line 3
        assert d.against.equations[0].wrong_lines == (3,)


def test_against_also_takes_a_name_and_equations() -> None:
    text = "$$\\sigma'(x) = \\frac{e^{-x}}{(1+e^{-x})^2}$$\n\n$$= \\sigma(x)(1-\\sigma(x))$$\n"
    d = derivations.check_text(text, against=("mine", [r"\sigma'(x) = \sigma(x)(1 - \sigma(x))"]))
    assert d.against is not None and d.against.identity == "mine" and d.against.proved


def test_html_shows_verdicts_counterexamples_and_reasons() -> None:
    html = derivations.check_text(SIGMOID)._repr_html_()
    assert "wrong" in html and "proved" in html and "unchecked" in html
    assert "at x = 0: left side 0.25, right side 0.125" in html
    assert "the next line returns to line 1" in html
    assert "a question, not a claim" in html


def test_latex_shows_counterexamples_and_reasons() -> None:
    latex = derivations.check_text(SIGMOID)._repr_latex_()
    assert latex.startswith("$$\\begin{align*}")
    assert "line 3, wrong: counterexample at $x = 0$: left side $0.25$, right side $0.125$" in latex
    assert "line 7, unchecked: a question, not a claim" in latex


def test_html_is_escaped() -> None:
    wrong = Counterexample(point={"x": Fraction(0)}, left=mpmath.mpf(1), right=mpmath.mpf(0))
    d = Derivation(
        "a<b>&c.md",
        "<script>",
        [
            Step(1, r"x < 1 & y", Verdict.WRONG, counterexample=wrong),
            Step(2, r"a <b> = c", Verdict.UNCHECKED, reason="can't read '<b>' & more"),
        ],
    )
    html = d._repr_html_()
    assert "<script>" not in html and "<b> = c" not in html
    assert "&lt;script&gt;" in html and "a&lt;b&gt;&amp;c.md" in html
    assert "<code>x &lt; 1 &amp; y</code>" in html
    assert "can&#x27;t read &#x27;&lt;b&gt;&#x27; &amp; more" in html
    assert "at x = 0: left side 1.0, right side 0.0" in html
    latex = d._repr_latex_()
    assert r"can't read '\textless{}b\textgreater{}' \& more" in latex


CODE = {"outputs": [], "execution_count": None}


def _notebook(cells: list[tuple[str, str]]) -> str:
    return json.dumps(
        {
            "nbformat": 4,
            "nbformat_minor": 5,
            "metadata": {},
            "cells": [
                {"cell_type": kind, "metadata": {}, "source": text, **(CODE if kind == "code" else {})}
                for kind, text in cells
            ],
        }
    )  # fmt: skip


def test_a_notebook_is_shown_by_cell_and_line(tmp_path: Path) -> None:
    nb = tmp_path / "sigmoid.ipynb"
    nb.write_text(
        _notebook(
            [
                ("markdown", "# The sigmoid"),
                ("markdown", r"$$\sigma'(x) = \frac{e^{-x}}{(1+e^{-x})^2}$$"),
                ("code", "x = 1"),
                ("markdown", "Then\n\n$$= \\frac{e^{-x}}{(1+e^{-x})^3}$$"),
            ]
        )
    )
    d = derivations.check_file(nb)
    assert [(s.cell, s.line, s.verdict) for s in d.steps] == [(2, 1, Verdict.PROVED), (4, 3, Verdict.WRONG)]
    html = d._repr_html_()
    assert "<td>cell 4, line 3</td>" in html and "at x = 0" in html
    assert "cell 4, line 3, wrong" in d._repr_latex_()


def test_the_example_notebook_runs_and_shows_the_wrong_step() -> None:
    nbclient = pytest.importorskip("nbclient", reason="executing notebooks needs: pip install nbclient ipykernel")
    pytest.importorskip("ipykernel", reason="executing notebooks needs: pip install nbclient ipykernel")
    import nbformat

    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), "keep the example's outputs empty"
    # executed in memory, from a folder outside the repository: nothing is written next to the notebook
    nbclient.NotebookClient(nb, kernel_name="python3", timeout=300, resources={"metadata": {"path": "/"}}).execute()
    shown = [out for c in nb.cells if c.cell_type == "code" for out in c.outputs if out.output_type == "execute_result"]
    html = "".join(out.data.get("text/html", "") for out in shown)
    assert "<td>line 6</td>" in html and ">wrong<" in html
    assert "at x = 0: left side 0.25, right side 0.75" in html  # σ'(0) = 1/4, σ(0)(1 + σ(0)) = 3/4
    printed = "".join(
        out.text for c in nb.cells if c.cell_type == "code" for out in c.outputs if out.output_type == "stream"
    )
    assert "wrong: 1" in printed and "proves sigmoid-derivative: not proved" in printed
