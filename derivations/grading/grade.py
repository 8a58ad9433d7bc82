"""The one entry point: grade a submission, a .py file as code and a .md/.tex/.ipynb file as a derivation."""

from __future__ import annotations

from pathlib import Path

from derivations.errors import InputError
from derivations.grading.config import Config
from derivations.grading.latex import grade_latex
from derivations.grading.python import grade_python
from derivations.grading.results import Result
from derivations.grading.sandbox import Sandbox

#: What can be graded: code, and derivations.
CODE_SUFFIXES = (".py",)
DERIVATION_SUFFIXES = (".md", ".tex", ".markdown", ".ipynb")  # a notebook: its Markdown cells


def grade(
    submission: Path, config: Config, *, against: str | None = None, student: str = "", box: Sandbox | None = None
) -> Result:
    """The grade of ``submission``: code run in ``box`` (default: the best sandbox here), or a derivation checked."""
    if submission.suffix in CODE_SUFFIXES:
        return grade_python(submission, config, student=student, box=box)
    if submission.suffix in DERIVATION_SUFFIXES:
        return grade_latex(submission, config, against=against, student=student)
    raise InputError(f"'{submission}': expected a .py submission or a .md/.tex/.ipynb derivation")
