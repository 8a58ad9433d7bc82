"""LaTeX markup (`derivations.notation.typeset`): which formulas are copied, escaped prose, the marked steps."""

from __future__ import annotations

import subprocess
from fractions import Fraction
from pathlib import Path

import mpmath
import pytest

from derivations.check.results import Step
from derivations.notation.typeset import (
    MARK,
    MATHJAX_MARK,
    SAFE_COMMANDS,
    SAFE_ENVIRONMENTS,
    SPECIALS,
    counterexample_words,
    derivation_align,
    escape_statement,
    escape_text,
    formula,
    math_is_safe,
    value_words,
)
from derivations.notation.vocabulary import ENVIRONMENTS, VOCABULARY
from derivations.report.build import PREAMBLE, TEX_PACKAGES, tex_available
from derivations.verdict import Counterexample, Verdict


def test_the_whitelist_is_the_vocabularys() -> None:
    assert SAFE_COMMANDS == VOCABULARY.typeset_commands()
    assert SAFE_ENVIRONMENTS == {name for name, copied in ENVIRONMENTS.items() if copied}
    assert {"frac", "sigma", "partial", "left", "right", "therefore", "text"} <= SAFE_COMMANDS
    assert "bm" not in SAFE_COMMANDS and "mathsf" not in SAFE_COMMANDS  # known to the parser, not to the preamble


@pytest.mark.parametrize(
    "latex",
    [
        r"\frac{\partial \sigma}{\partial x} = \sigma(x)\left(1 - \sigma(x)\right)",
        r"\hat{y}_j - y_j \quad \text{one-hot}",
        r"\begin{bmatrix} a \\ b \end{bmatrix}^\top \Rightarrow \sum_{k=1}^{n} e^{\theta_k}",
        r"\begin{cases} x & x > 0 \\ 0 & \text{otherwise} \end{cases}",
    ],
)
def test_math_is_safe_accepts_whitelisted_commands(latex: str) -> None:
    assert math_is_safe(latex)
    assert formula(latex) == latex


def test_math_is_safe_accepts_every_whitelisted_command_alone() -> None:
    assert all(math_is_safe(f"\\{name} x") for name in SAFE_COMMANDS)


@pytest.mark.parametrize(
    ("latex", "why"),
    [
        (r"\foo{x} = 1", "an unknown command"),
        (r"\input{/etc/passwd}", "a command that reads a file"),
        (r"\begin{tabular}{c} x \end{tabular}", "an environment the preamble does not copy"),
        ("σ(x) = 1/(1 + e^{-x})", "Unicode"),
        (r"\frac{1}{2", "an unbalanced brace"),
        (r"x}{", "braces balanced in number, not in order"),
    ],
)
def test_math_is_safe_refuses(latex: str, why: str) -> None:
    assert not math_is_safe(latex), why
    assert formula(latex).startswith(r"\text{\texttt{")


def test_escape_text_escapes_every_special() -> None:
    for ch, escaped in SPECIALS.items():
        assert escape_text(f"a{ch}b") == f"a{escaped}b"
    assert escape_text("".join(SPECIALS)) == "".join(SPECIALS.values())
    assert escape_text("50% of x_1 & y^2 ~ $5 #1 {a} \\ <b> |c|") == (
        r"50\% of x\_1 \& y\^{}2 \textasciitilde{} \$5 \#1 \{a\} \textbackslash{} \textless{}b\textgreater{} "
        r"\textbar{}c\textbar{}"
    )


def test_escape_text_gives_unicode_and_hangul_to_the_engine_as_written() -> None:
    assert escape_text("σ′ = σ(1 − σ)") == "σ′ = σ(1 − σ)"
    assert escape_text("시그모이드 σ_1") == r"시그모이드 σ\_1"
    assert escape_text("a\x07b\ufffdc") == "abc"  # nothing a font could set


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("X ∈ ℝ^{m×d}", r"X ∈ ℝ\textsuperscript{m×d}"),
        ("S(θ)_j", r"S(θ)\textsubscript{j}"),
        ("δ_ij − y_j", r"δ\textsubscript{ij} − y\textsubscript{j}"),
        ("numeric.relu_grad", r"numeric.relu\_grad"),  # a word's underscore is not an index
        ("mean_r", r"mean\_r"),
    ],
)
def test_escape_statement_sets_indices_and_exponents(text: str, expected: str) -> None:
    assert escape_statement(text) == expected


@pytest.mark.parametrize(
    ("value", "other", "words"),
    [
        (0.25, None, "1/4"),
        (-0.5, None, "-1/2"),
        (3.0, None, "3"),
        (2.718281828459045, None, "2.71828"),
        (0.1966119332414819, 0.19661193324148, "0.19661193324148191"),  # 6 digits would print both alike
    ],
)
def test_value_words(value: float, other: float | None, words: str) -> None:
    assert value_words(mpmath.mpf(value), None if other is None else mpmath.mpf(other)) == words


def test_counterexample_words_reads_as_a_sentence() -> None:
    wrong = _steps()[2]
    assert counterexample_words(wrong) == (
        "at $x = 0$ the left side is $1/2$ and the right side $1/4$; the next line equals line 7 again, "
        "so only this line is wrong"
    )


def _steps() -> list[Step]:
    wrong = Counterexample(point={"x": Fraction(0)}, left=mpmath.mpf(0.5), right=mpmath.mpf(0.25))
    return [
        Step(line=5, latex=r"\sigma(-x) = \frac{1}{1+e^{x}}", verdict=Verdict.DEFINITION),
        Step(line=7, latex=r"= \frac{e^{-x}}{e^{-x} + 1}", verdict=Verdict.PROVED, justification="algebra"),
        Step(
            line=9,
            latex=r"= \frac{e^{-x}}{(1+e^{-x})^2}",
            verdict=Verdict.WRONG,
            counterexample=wrong,
            returns_to_line=7,
            reason=wrong.sentence(),
        ),
        Step(line=11, row=2, latex=r"= 1 - \sigma(x)", verdict=Verdict.NUMERIC),
        Step(line=13, latex=r"\frac{d}{dx}\sigma(x) = \vdots", verdict=Verdict.UNCHECKED, reason="an ellipsis"),
    ]


def test_derivation_align_marks_each_row_and_follows_a_wrong_step_with_its_counterexample() -> None:
    steps = _steps()
    lines = derivation_align(steps).splitlines()
    assert lines[0] == r"\begin{align*}" and lines[-1] == r"\end{align*}"
    body = lines[1:-1]
    rows = [k for k, text in enumerate(body) if r"\tag*{" in text]
    assert len(rows) == len(steps)
    for k, step in zip(rows, steps):
        assert f"\\tag*{{{MARK[step.verdict]}}}" in body[k]
        assert f"\\scriptsize {step.line}" in body[k]
    assert r"\scriptsize 11.2}" in body[rows[3]]  # a second row of a display is numbered line.row
    assert r"\quad \text{algebra}" in body[rows[1]]
    wrong = rows[2]
    assert body[wrong + 1] == (
        r"  \intertext{\small\color{red} Line 9: counterexample at $x = 0$: left side $0.5$, right side $0.25$; "
        "the next line equals line 7 again, so only this line is wrong.}"
    )
    assert body[rows[4] + 1] == r"  \intertext{\small\color{Purple} Line 13: an ellipsis.}"
    assert len(body) == len(steps) + 2  # the counterexample and the reason, nothing else
    # rows end with \\ except the last; an \intertext line never does
    for k, text in enumerate(body):
        assert text.endswith(" \\\\") == (k in rows and k + 1 < len(body)), text


def test_derivation_align_for_mathjax_has_only_the_rows() -> None:
    text = derivation_align(_steps(), marks=MATHJAX_MARK, fit=False)
    assert r"\intertext" not in text and r"\fitmath" not in text
    assert text.count(r"\tag*{") == 5
    assert f"\\tag*{{{MATHJAX_MARK[Verdict.WRONG]}}}" in text


@pytest.mark.skipif(tex_available() is not None, reason=f"LuaLaTeX not installed: apt-get install {TEX_PACKAGES}")
def test_the_preamble_defines_every_whitelisted_command_and_environment(tmp_path: Path) -> None:
    """What the whitelist lets through is defined by the report's preamble, so a copied formula cannot break it."""
    checks = [f"\\ifdefined\\{name}\\else\\errmessage{{undefined: {name}}}\\fi" for name in sorted(SAFE_COMMANDS)]
    checks += [f"\\ifcsname {e}\\endcsname\\else\\errmessage{{undefined: {e}}}\\fi" for e in sorted(SAFE_ENVIRONMENTS)]
    doc = tmp_path / "defined.tex"
    doc.write_text(PREAMBLE + "\\begin{document}\n" + "\n".join(checks) + "\nok\n\\end{document}\n")
    proc = subprocess.run(
        ["lualatex", "-interaction=nonstopmode", "-halt-on-error", doc.name],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, [ln for ln in proc.stdout.splitlines() if "undefined" in ln or ln.startswith("!")]
