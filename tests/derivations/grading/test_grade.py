"""The dispatcher: a .py file is graded as code, a .md/.tex file as a derivation, anything else refused."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from derivations.errors import InputError
from derivations.grading.config import Config
from derivations.grading.grade import grade

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "submissions"
FAST = Config(correctness_examples=5, stability_examples=5, points={"sigmoid": 10.0})


@pytest.mark.needs_sandbox
def test_code_is_graded_as_code() -> None:
    assert grade(EXAMPLES / "correct.py", FAST).kind == "python"


def test_without_a_sandbox_code_is_refused_not_run_unisolated(monkeypatch: pytest.MonkeyPatch) -> None:
    from derivations.grading import sandbox

    bare = sandbox.Sandbox("rlimits", sys.executable, None, (), "bubblewrap is not installed")
    monkeypatch.setattr(sandbox, "find_sandbox", lambda uid=None: bare)
    with pytest.raises(sandbox.SandboxFailure, match="refusing to run student code without a sandbox"):
        grade(EXAMPLES / "correct.py", FAST)


def test_derivations_and_other_files_are_told_apart_by_suffix(tmp_path: Path) -> None:
    derivation = tmp_path / "a.tex"
    derivation.write_text("$$\\sigma(-x) = 1 - \\sigma(x)$$\n")
    assert grade(derivation, FAST, against="sigmoid-reflection").kind == "latex"
    other = tmp_path / "a.txt"
    other.write_text("x")
    with pytest.raises(InputError, match=r"expected a \.py file"):
        grade(other, FAST)


@pytest.mark.needs_sandbox
def test_results_serialise_verdicts_as_their_strings() -> None:
    result = grade(EXAMPLES / "bug_sigmoid_shape.py", FAST)
    details = result.to_json()["details"]
    assert [d["verdict"] for d in details] == ["wrong", "wrong"]
    assert all(type(d["verdict"]) is str for d in details)
    assert [t["status"] for t in result.to_gradescope()["tests"]] == ["failed", "failed"]


@pytest.mark.needs_sandbox
def test_a_notebook_cannot_add_a_derivation_nobody_asked_for(tmp_path: Path) -> None:
    """Code and an ``identity:`` in the front matter: graded as code only, out of the same points as everyone."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("---\nidentity: sigmoid-reflection\n---\n$$\\sigma(-x) = 1 - \\sigma(x)$$"),
        nbformat.v4.new_code_cell((EXAMPLES / "correct.py").read_text()),
    ]
    path = tmp_path / "mallory.ipynb"
    path.write_text(nbformat.writes(nb))
    plain = grade(EXAMPLES / "correct.py", FAST)
    result = grade(path, FAST)
    assert result.max_score == plain.max_score and not any(t.name.startswith("derivation") for t in result.tests)
    both = grade(path, FAST, against="sigmoid-reflection")
    assert any(t.name.startswith("derivation") for t in both.tests)
