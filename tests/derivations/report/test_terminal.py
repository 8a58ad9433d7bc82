"""The terminal after `check`: unreadable rows shown as a compiler shows an error, notebooks by cell and line."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import nbformat
from hypothesis import given
from hypothesis import strategies as st
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook
from rich.cells import cell_len
from rich.console import Console

from derivations.check import check_file
from derivations.identities.identity import Unit
from derivations.report.lines import wrapped
from derivations.report.terminal import render_check, render_verify, source_and_caret
from derivations.verify.crosscheck import CheckResult
from derivations.verify.run import IdentityResult, VerifyResult
from tests.derivations.helpers import check_text


def rendered(derivation, quiet: bool = False) -> str:  # type: ignore[no-untyped-def]
    out = StringIO()
    render_check(derivation, quiet=quiet, console=Console(file=out, width=200, highlight=False, color_system=None))
    return out.getvalue()


def test_an_unreadable_row_is_shown_with_its_line_and_a_caret(tmp_path: Path) -> None:
    text = "# HW\n\n$$\\sigma(-x) = 1 - \\sigma(x)$$\n\n   $$\\sigma(x) \\cdto 2 = 3$$\n"
    d = check_text(tmp_path, text, name="hw.md")
    lines = rendered(d, quiet=True).splitlines()
    k = next(i for i, ln in enumerate(lines) if "unknown command" in ln)
    assert lines[k] == f"{d.file}:5:16: unknown command '\\cdto' — did you mean '\\cdot'?"
    assert lines[k + 1] == "       $$\\sigma(x) \\cdto 2 = 3$$"
    assert lines[k + 2] == " " * 19 + "^"
    assert lines[k + 2].index("^") == lines[k + 1].index("\\cdto")


def test_the_table_gives_the_files_column(tmp_path: Path) -> None:
    d = check_text(tmp_path, "$$\\sigma(x) \\cdto 2 = 3$$\n", name="hw.md")
    assert "cannot read column 13: unknown command '\\cdto'" in rendered(d)


def test_source_and_caret_keeps_tabs_counts_wide_characters_and_windows_long_lines() -> None:
    # 가나 takes 4 columns of the terminal
    assert source_and_caret("\t$$x \\alpah$$", 6) == ("\t$$x \\alpah$$", "\t    ^")
    assert source_and_caret("$$\\text{가나} \\cdto$$", 13) == ("$$\\text{가나} \\cdto$$", " " * 14 + "^")
    line = "x" * 300 + "\\cdto" + "y" * 300
    shown, caret = source_and_caret(line, 301, width=100)
    assert shown.startswith("…") and shown.endswith("…") and len(shown) == 102
    assert shown[caret.index("^") :].startswith("\\cdto")


def test_a_notebook_is_shown_by_cell_and_line(tmp_path: Path) -> None:
    nb = tmp_path / "hw.ipynb"
    cells = [
        new_code_cell("x = 1"),
        new_markdown_cell("$$\\sigma'(x) = \\frac{e^{-x}}{(1+e^{-x})^2}$$"),
        new_markdown_cell("$$= \\sigma(x)(1+\\sigma(x))$$\n\n$$\\sigma(x) \\cdto 2$$"),
    ]
    nbformat.write(new_notebook(cells=cells), str(nb))
    out = rendered(check_file(nb))
    assert "cell 2, line 1" in out and "cell 3, line 1" in out
    assert f"{nb}: cell 3, line 3, column 13: unknown command '\\cdto'" in out
    assert out.rstrip().endswith("wrong at cell 3, line 1")


# ----------------------------------------------------------------- piped, narrow and wide output

WRONG_CHAIN = (
    "$$\\sigma'(x) = \\frac{e^{-x}}{(1+e^{-x})^2}$$\n\n"
    "$$= \\frac{1}{1+e^{-x}} \\cdot \\frac{e^{-x}}{1+e^{-x}}$$\n\n"
    "$$= \\sigma(x)(1+\\sigma(x))$$\n\n"
    "$$\\sigma(-x) = 1 - \\sigma(x)$$\n\n"
    "$$\\sigma(-x) = \\frac{1}{1+e^{x}}$$\n"
)


def _counterexamples(text: str, derivation) -> list[str]:  # type: ignore[no-untyped-def]
    """Each wrong step's counterexample sentence, and how often the output says it."""
    return [text.count(s.reason) for s in derivation.wrong]


def test_piped_check_output_is_plain_lines_without_trailing_spaces(tmp_path: Path) -> None:
    d = check_text(tmp_path, WRONG_CHAIN, name="hw.md")
    out = rendered(d)
    assert "\u2500" not in out and "│" not in out  # no table rules
    assert all(line == line.rstrip() for line in out.splitlines())


def test_each_counterexample_is_printed_once(tmp_path: Path) -> None:
    d = check_text(tmp_path, WRONG_CHAIN, name="hw.md")
    assert len(d.wrong) == 1 and d.wrong[0].counterexample is not None
    for console in (None, _terminal(140)):
        out = rendered(d) if console is None else _render_on(d, console)
        assert _counterexamples(out, d) == [1], out


def test_a_method_repeated_down_the_chain_is_named_once() -> None:
    from derivations.check.results import Step
    from derivations.report.terminal import _hows
    from derivations.verdict import Verdict

    steps = [Step(k, f"x_{k}", Verdict.PROVED, method="expand") for k in (1, 2, 3)]
    steps.append(Step(4, "x_4", Verdict.PROVED, method="identical"))
    steps.append(Step(5, "x_5", Verdict.PROVED, method="identical", reason="against line 3"))
    assert _hows(steps) == ["by expand", "", "", "by identical", "by identical (against line 3)"]


def _terminal(width: int) -> Console:
    return Console(file=StringIO(), width=width, force_terminal=True, color_system=None, highlight=False)


def _render_on(derivation, console: Console) -> str:  # type: ignore[no-untyped-def]
    render_check(derivation, console=console)
    return console.file.getvalue()  # type: ignore[attr-defined]


def test_a_wide_terminal_gets_a_table_and_a_narrow_one_plain_lines(tmp_path: Path) -> None:
    d = check_text(tmp_path, WRONG_CHAIN, name="hw.md")
    wide = _render_on(d, _terminal(140))
    assert "how / why" in wide
    narrow = _render_on(d, _terminal(60))
    assert "how / why" not in narrow
    assert all(cell_len(line) <= 60 for line in narrow.splitlines()), narrow


words = st.text(alphabet="abcσ가-\\{}", min_size=1, max_size=30)


@given(st.lists(words, max_size=30), st.integers(20, 100))
def test_wrapped_lines_fit_the_width_and_split_no_word_that_fits_a_line(text: list[str], width: int) -> None:
    lines = wrapped(" ".join(text), width, "  ✓ ", "      ")
    assert all(cell_len(line) <= width for line in lines)
    assert all(line == line.rstrip() for line in lines)
    got = [w for k, line in enumerate(lines) for w in line[len("  ✓ " if k == 0 else "      ") :].split()]
    if all(cell_len(w) <= width - 6 for w in text):
        assert got == text  # every word whole, in order
    else:
        assert "".join(got) == "".join(text)  # a word longer than a line is cut, nothing lost


def test_wrapped_without_a_width_is_one_line() -> None:
    assert wrapped(" a  b c ", None, "- ", "  ") == ["- a  b c"]


def test_wrapped_keeps_the_spaces_inside_a_line_and_drops_them_at_a_break() -> None:
    assert wrapped("input:    x=1", 40, "", "") == ["input:    x=1"]
    assert wrapped("aaa    bbb ccc", 8, "", "  ") == ["aaa", "  bbb", "  ccc"]


def _failed_check() -> CheckResult:
    message = (
        "sigmoid-derivative: numeric.sigmoid_grad (float64) disagrees with the derived left side (SymPy, exact) "
        "at x=3.5\n  sympy:                 0.0266\n  numeric.sigmoid_grad:  0.0300\n"
        "  worst entry 0: error 9e12 ulp (tolerance 3 ulp)"
    )
    return CheckResult("numeric.sigmoid_grad", 7, 9e12, Unit.ULP, 3.0, "x=3.5", False, "2 roundings", message)


def _verify_result() -> VerifyResult:
    ok = CheckResult("claim (lambdified)", 20, 0.5, Unit.CLAIM_ROUNDING, 5.0, "x=0.1", True, "")
    ident = IdentityResult(
        "sigmoid-derivative", "σ'(x) = σ(x)(1 − σ(x))", "note 1, line 13", "proved (expand; 1 part)", True, (),
        (ok, _failed_check()), False,
    )  # fmt: skip
    return VerifyResult((ident,))


def test_verify_prints_a_failed_cross_checks_message_once_piped_and_on_a_terminal() -> None:
    plain = StringIO()
    render_verify(_verify_result(), console=Console(file=plain, highlight=False, color_system=None))
    for out in (plain.getvalue(), _verify_on(_terminal(140))):
        assert out.count("x=3.5") == 1, out
        assert out.count("worst entry 0") == 1, out
        assert "0/1 identities proved and cross-checked" in out


def _verify_on(console: Console) -> str:
    render_verify(_verify_result(), console=console)
    return console.file.getvalue()  # type: ignore[attr-defined]


def test_verify_at_60_columns_keeps_every_name_whole() -> None:
    out = _verify_on(_terminal(60))
    lines = out.splitlines()
    assert all(cell_len(line) <= 60 for line in lines), out
    for name in ("sigmoid-derivative", "numeric.sigmoid_grad", "claim (lambdified)"):
        assert any(name in line for line in lines), (name, out)


def test_a_proved_step_without_a_method_gets_no_bare_by_and_a_one_line_failure_keeps_its_reason() -> None:
    from derivations.check.results import Step
    from derivations.report.terminal import _check_words, _hows
    from derivations.verdict import Verdict

    assert _hows([Step(1, "x", Verdict.PROVED), Step(2, "y", Verdict.PROVED, reason="as line 1")]) == ["", "as line 1"]
    short = CheckResult(
        "numeric.softmax", 1, float("inf"), Unit.ULP, 3.0, "n=2", False, "", "witness returned 3 values"
    )
    assert "witness returned 3 values" in _check_words(short) and "n=2" in _check_words(short)
