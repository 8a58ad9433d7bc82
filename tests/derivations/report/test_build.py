"""The report: golden handout and appendix for a small registry, determinism, refusals, and (with TeX) the PDFs."""

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
from derivations.notation.document import Prose, layout, read_document
from derivations.notation.typeset import counterexample_words, escape_text
from derivations.report import build as report_build
from derivations.report.build import (
    MARKER,
    Meta,
    appendix_path,
    appendix_tex,
    build,
    check_target,
    compile_pdf,
    handout_tex,
    tex_available,
    write_tex,
)

HERE = Path(__file__).parent
SMALL = HERE / "data" / "small.md"
GOLDEN = {"handout": HERE / "golden" / "small-handout.tex", "appendix": HERE / "golden" / "small-appendix.tex"}
HANGUL = re.compile(r"[\uac00-\ud7af]")


ROOT = HERE.parents[2]
#: Files of other authors' notation with wide matrices, long names and no title: the handout must still fit.
WIDE = [
    ROOT / "tests" / "corpus" / name
    for name in ("c28_softmax_jacobian_pmatrix_true.md", "c42_two_layer_matrix_false.md")
]


@pytest.fixture(scope="module")
def small_report():
    """Built from the project root, so the document names the file as tests/derivations/report/data/small.md."""
    before = Path.cwd()
    os.chdir(ROOT)
    try:
        return build([get("sigmoid-reflection")], [SMALL], examples=10, with_figures=False)
    finally:
        os.chdir(before)


@pytest.mark.parametrize("document", ["handout", "appendix"])
def test_golden_tex_for_a_small_registry(small_report, document: str) -> None:
    """Regenerate with UPDATE_GOLDEN=1 after an intended change, and read the diff."""
    tex = (handout_tex if document == "handout" else appendix_tex)(small_report)
    if os.environ.get("UPDATE_GOLDEN") == "1":
        GOLDEN[document].write_text(tex)
    assert tex == GOLDEN[document].read_text()


def test_the_tex_is_deterministic_figures_included(tmp_path: Path) -> None:
    first = build([get("sigmoid-reflection")], [SMALL], examples=5)
    second = build([get("sigmoid-reflection")], [SMALL], examples=5)
    for render in (handout_tex, appendix_tex):
        assert render(first) == render(second)
        assert "2026" not in render(first) and "\\today" not in render(first)
        assert str(Path.home()) not in render(first)


def test_the_handout_marks_every_step_and_says_the_counterexample_in_words(small_report) -> None:
    tex = handout_tex(small_report).split("\\begin{document}")[1]
    d = small_report.derivations[0]
    assert tex.count("\\step{") == len(d.steps)
    (wrong,) = d.wrong
    assert tex.count("{\\vwrong}") == 1
    said = counterexample_words(wrong)
    assert said.startswith("at $x = 0$ the left side is $1/2$ and the right side $1/4$")
    assert f"\\stepnote{{red}}{{Wrong: {said}.}}" in tex and "only this line is wrong" in said
    (unchecked,) = d.unchecked
    assert tex.count("{\\vunchecked}") == 1 and "ellipsis" in unchecked.reason
    assert f"\\stepnote{{Purple}}{{Not checked: {escape_text(unchecked.reason)}.}}" in tex


def test_the_handout_is_the_notes_as_written_prose_and_displays_in_order(small_report) -> None:
    tex = handout_tex(small_report)
    doc = read_document(SMALL)
    prose = [ln.strip() for b in layout(doc) if isinstance(b, Prose) for ln in b.text.split("\n") if ln.strip()]
    assert any(HANGUL.search(p) for p in prose)
    positions = []
    for line in prose:
        words = re.sub(r"^#+\s*|\$[^$]*\$", "", line).split()
        at = tex.find(words[-1])
        assert at > 0, line
        positions.append(at)
    steps = [tex.find(f"\\step{{{s.line}}}") for s in small_report.derivations[0].steps]
    assert positions[0] < positions[1] < steps[0] < positions[2] < steps[-1]  # heading, prose, steps, remark, step
    assert "\\subsection*{시그모이드의 대칭}" in tex
    # no SymPy method in the handout: how a step was decided is in the appendix
    for s in small_report.derivations[0].steps:
        if s.method:
            assert escape_text(s.method) not in tex.split("\\begin{document}")[1]
            assert escape_text(s.method) in appendix_tex(small_report)


def test_title_course_and_author_from_the_front_matter_or_the_options_and_no_date(small_report) -> None:
    tex = handout_tex(small_report)
    assert "A small derivation for the report's golden file" in tex
    assert "신경망 기초" in tex and "Kim Jiwoo" in tex and "\\today" not in tex
    named = build([], [SMALL], with_figures=False, meta=Meta(title="Week 3", date="3 March"))
    tex = handout_tex(named)
    assert "Week 3" in tex and "3 March" in tex and "Kim Jiwoo" in tex


def test_build_counts_each_cross_check_identity_and_file_as_done() -> None:
    identity = get("sigmoid-reflection")
    kinds: list[str] = []
    build([identity], [SMALL, SMALL], examples=3, with_figures=False, done=kinds.append)
    assert sorted(kinds) == sorted(["check"] * len(identity.checks) + ["identity", "file", "file"])
    assert kinds[-2:] == ["file", "file"] and kinds.index("identity") == len(identity.checks)


def test_the_appendix_lies_beside_the_handout() -> None:
    assert appendix_path(Path("out/report.tex")) == Path("out/report-appendix.tex")


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
    assert "apt-get install" in str(info.value) and "texlive-lang-korean" in str(info.value)
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
def pdfs(tmp_path_factory) -> tuple[Path, Path]:
    notes = [*report_build.default_notes(), *WIDE]
    report = build([get("sigmoid-derivative"), get("softmax-jacobian")], [*notes, SMALL], examples=10)
    out = tmp_path_factory.mktemp("report") / "report.tex"
    write_tex(out, handout_tex(report))
    write_tex(appendix_path(out), appendix_tex(report))
    return compile_pdf(out), compile_pdf(appendix_path(out))


def _text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout


def _flat(text: str) -> str:
    return "".join(text.split())


@needs_tex
def test_pdfs_compile_without_errors_undefined_references_or_overfull_boxes(pdfs) -> None:
    for pdf in pdfs:
        log = pdf.with_suffix(".log").read_text(errors="replace")
        assert "LaTeX Error" not in log and not re.search(r"(Reference|Citation) .* undefined", log)
        assert "Rerun to get cross-references right" not in log
        assert "Missing character" not in log  # every character has a glyph: Hangul, Greek, ∂, ⇒
        overfull = [float(w) for w in re.findall(r"Overfull \\[hv]box \(([\d.]+)pt too", log)]
        assert all(w <= 1.0 for w in overfull), overfull  # the goal: nothing sticks out by more than 1 pt
        tex = pdf.with_suffix(".tex").read_text()
        assert set(re.findall(r"\\hyperref\[([^\]]+)\]", tex)) <= set(re.findall(r"\\label\{([^}]+)\}", tex))


@needs_tex
def test_the_handout_pdf_has_the_notes_korean_sentences_and_each_wrong_line_in_words(pdfs) -> None:
    handout = _flat(_text(pdfs[0]))
    for path in [*report_build.default_notes(), *WIDE, SMALL]:
        doc = read_document(path)
        for block in layout(doc):
            if not isinstance(block, Prose):
                continue
            for line in block.text.split("\n"):
                if HANGUL.search(line) and "$" not in line:
                    assert _flat(re.sub(r"^#+\s*", "", line.strip())) in handout, line
        for step in check_file(path).wrong:
            ce = step.counterexample
            assert ce is not None and ce.has_values
            assert _flat("the left side is") in handout
            said = counterexample_words(step).split(";")[0].split(" the left side is ")[1]
            assert _flat("the left side is " + said.replace("$", "").replace("-", "−")) in handout, said
    files = [*report_build.default_notes(), *WIDE, SMALL]
    written = sum(p.read_text().count("?") + sum(s.reason.count("?") for s in check_file(p).steps) for p in files)
    assert handout.count("?") <= written  # no glyph replaced by "?": only the notes' own and the reasons' questions


@needs_tex
def test_the_appendix_pdf_names_every_identity_and_every_file(pdfs) -> None:
    appendix = _text(pdfs[1])
    for name in ("sigmoid-derivative", "softmax-jacobian"):
        assert name in appendix
    for path in [*report_build.default_notes(), SMALL]:
        assert path.name.replace("_", "") in appendix.replace("_", "").replace("\n", "")


@needs_tex
def test_pdf_first_page_renders_non_blank(pdfs, tmp_path: Path) -> None:
    pdf = pdfs[0]
    subprocess.run(["pdftoppm", "-r", "30", "-gray", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "p")], check=True)
    page = next(tmp_path.glob("p*.pgm")).read_bytes()
    pixels = page.split(b"\n", 3)[3]  # P5 header: magic, size, maxval
    dark = sum(1 for b in pixels if b < 128)
    assert dark > 0.002 * len(pixels)
