"""The report: a golden .tex for a small registry, determinism, refusals, and (with TeX) the PDF itself."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from derivations.check import check_file
from derivations.errors import OutputError
from derivations.identities import get
from derivations.notation.typeset import escape_text
from derivations.report import build as report_build
from derivations.report.build import MARKER, build, check_target, compile_pdf, report_tex, tex_available, write_tex
from derivations.verdict import Verdict

HERE = Path(__file__).parent
SMALL = HERE / "data" / "small.md"
GOLDEN = HERE / "golden" / "small.tex"


ROOT = HERE.parents[2]


@pytest.fixture(scope="module")
def small_report():
    """Built from the project root, so the document names the file as tests/derivations/report/data/small.md."""
    before = Path.cwd()
    os.chdir(ROOT)
    try:
        return build([get("sigmoid-reflection")], [SMALL], examples=10, with_figures=False)
    finally:
        os.chdir(before)


def test_golden_tex_for_a_small_registry(small_report) -> None:
    """Regenerate with UPDATE_GOLDEN=1 after an intended change, and read the diff."""
    tex = report_tex(small_report)
    if os.environ.get("UPDATE_GOLDEN") == "1":
        GOLDEN.write_text(tex)
    assert tex == GOLDEN.read_text()


def test_the_tex_is_deterministic_figures_included(tmp_path: Path) -> None:
    first = report_tex(build([get("sigmoid-reflection")], [SMALL], examples=5))
    second = report_tex(build([get("sigmoid-reflection")], [SMALL], examples=5))
    assert first == second
    assert "2026" not in first and "\\today" not in first and str(Path.home()) not in first


def test_the_document_marks_every_step_and_the_wrong_ones(small_report) -> None:
    tex = report_tex(small_report)
    d = small_report.derivations[0]
    assert tex.count("\\tag*{") == len(d.steps)
    wrong = [s for s in d.steps if s.verdict is Verdict.WRONG]
    assert len(wrong) == 1 and tex.count("\\tag*{\\vwrong}") == 1
    assert f"Line {wrong[0].line}: counterexample" in tex and "only this line is wrong" in tex
    # the unchecked step carries its mark (not just the legend's) and is followed by its reason
    (unchecked,) = d.unchecked
    assert tex.count("\\tag*{\\vunchecked}") == 1 and "ellipsis" in unchecked.reason
    assert f"\\color{{Purple}} Line {unchecked.line}: {escape_text(unchecked.reason)}.}}" in tex


def test_it_refuses_to_overwrite_a_file_it_did_not_write(tmp_path: Path) -> None:
    mine = tmp_path / "notes.tex"
    mine.write_text("\\documentclass{article} my own notes")
    with pytest.raises(OutputError, match="--force"):
        check_target(mine, force=False)
    check_target(mine, force=True)
    ours = tmp_path / "report.tex"
    ours.write_text(MARKER + "\nold report")
    check_target(ours, force=False)


def test_without_tex_pdf_is_a_one_line_error_and_the_tex_stays(tmp_path: Path, monkeypatch) -> None:
    out = tmp_path / "r.tex"
    write_tex(out, MARKER + "\n\\documentclass{article}\\begin{document}x\\end{document}\n")
    monkeypatch.setattr(report_build.shutil, "which", lambda tool: None)
    with pytest.raises(OutputError) as info:
        compile_pdf(out)
    assert "apt-get install" in str(info.value) and "texlive-latex-base" in str(info.value)
    assert out.exists()


def test_repr_latex_uses_the_same_markup() -> None:
    d = check_file(SMALL)
    latex = d._repr_latex_()
    assert latex.startswith("$$\\begin{align*}") and "wrong" in latex
    identity = get("sigmoid-reflection")
    assert identity._repr_latex_().count("\\text{claim}") == len(identity.notation) > 0


# ---------------------------------------------------------------------------------------- with TeX

needs_tex = pytest.mark.skipif(
    tex_available() is not None or shutil.which("pdftotext") is None,
    reason=f"TeX Live / poppler not installed: apt-get install {report_build.TEX_PACKAGES} poppler-utils",
)


@pytest.fixture(scope="module")
def pdf(tmp_path_factory) -> Path:
    notes = report_build.default_notes()
    report = build([get("sigmoid-derivative"), get("softmax-jacobian")], [*notes, SMALL], examples=10)
    out = tmp_path_factory.mktemp("report") / "report.tex"
    write_tex(out, report_tex(report))
    return compile_pdf(out)


@needs_tex
def test_pdf_compiles_without_errors_or_undefined_references(pdf: Path) -> None:
    log = pdf.with_suffix(".log").read_text(errors="replace")
    assert "LaTeX Error" not in log and "undefined" not in log.lower().replace("undefined control", "x")
    # latexmk ran until the references settled, and the title page links every section of the document
    assert "Rerun to get cross-references right" not in log
    tex = pdf.with_suffix(".tex").read_text()
    assert set(re.findall(r"\\hyperref\[([^\]]+)\]", tex)) == set(re.findall(r"\\label\{([^}]+)\}", tex))


@needs_tex
def test_pdf_text_names_every_identity_and_wrong_step(pdf: Path) -> None:
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True).stdout
    for name in ("sigmoid-derivative", "softmax-jacobian"):
        assert name in text
    for path in [*report_build.default_notes(), SMALL]:
        for step in check_file(path).wrong:
            assert f"line {step.line}:" in text.lower()


@needs_tex
def test_pdf_first_page_renders_non_blank(pdf: Path, tmp_path: Path) -> None:
    subprocess.run(["pdftoppm", "-r", "30", "-gray", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "p")], check=True)
    page = next(tmp_path.glob("p*.pgm")).read_bytes()
    pixels = page.split(b"\n", 3)[3]  # P5 header: magic, size, maxval
    dark = sum(1 for b in pixels if b < 128)
    assert dark > 0.005 * len(pixels)
