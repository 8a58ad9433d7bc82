"""The one entry point: grade a submission — code (a .py, a notebook's code cells, a folder, a .zip) or a derivation.

A notebook holds code, a derivation, or both; the grader, not the student, decides what is graded, so
every student of an assignment has the same points to earn. With ``against`` (the TA's or the
assignment's derivation) both its code cells and its Markdown cells are graded. Without it, the
code is graded — unless the code defines none of the graded functions (read with `ast`, never run)
and the notebook names an identity in its front matter: then it is a derivation handed in as a
notebook, graded like a .md file.
"""

from __future__ import annotations

import ast
from pathlib import Path

from derivations.errors import InputError
from derivations.grading.config import Config
from derivations.grading.latex import grade_latex
from derivations.grading.python import grade_python
from derivations.grading.results import Result
from derivations.grading.sandbox import Sandbox
from derivations.grading.submission import Submission, load_submission
from derivations.notation.document import read_document

#: What can be graded: code (a file, a notebook's code cells, a folder or a zip of one), and derivations.
CODE_SUFFIXES = (".py", ".ipynb", ".zip")
DERIVATION_SUFFIXES = (".md", ".tex", ".markdown")


def grade(
    submission: Path, config: Config, *, against: str | None = None, student: str = "", box: Sandbox | None = None
) -> Result:
    """The grade of ``submission``: code run in ``box`` (default: the best sandbox here), or a derivation checked."""
    suffix = submission.suffix.lower()
    if suffix == ".ipynb":
        return _grade_notebook(submission, config, against=against, student=student, box=box)
    if submission.is_dir() or suffix in CODE_SUFFIXES:
        return grade_python(load_submission(submission, _graded(config)), config, student=student, box=box)
    if suffix in DERIVATION_SUFFIXES:
        return grade_latex(submission, config, against=against, student=student)
    raise InputError(
        f"'{submission}': expected a .py file, a .ipynb notebook, a folder or .zip of .py files, "
        "or a .md/.tex derivation"
    )


def _grade_notebook(
    submission: Path, config: Config, *, against: str | None, student: str, box: Sandbox | None
) -> Result:
    code = load_submission(submission)
    graded = list(_graded(config))
    if not against:
        if not defines_any(code, graded) and _names_an_identity(submission):
            return grade_latex(submission, config, student=student)
        return grade_python(code, config, student=student, box=box)
    derivation = grade_latex(submission, config, against=against, student=student)
    result = grade_python(code, config, student=student, box=box)
    result.tests += derivation.tests
    result.error = "; ".join(e for e in (result.error, derivation.error) if e)
    return result


def _graded(config: Config) -> tuple[str, ...]:
    """The names the assignment grades (points > 0): ``sigmoid``, ``Dense.backward``."""
    return tuple(f.name for f in config.functions if config.points.get(f.name, 0.0) > 0)


def _names_an_identity(notebook: Path) -> bool:
    """True when the notebook's front matter (its first Markdown cell) names an identity to prove."""
    try:
        return bool(read_document(notebook).front.extra.get("identity"))
    except InputError:  # no display maths, or Markdown that cannot be read: no derivation was handed in
        return False


def defines_any(code: Submission, names: list[str]) -> bool:
    """True when the submission's main module defines (at its top level) a function or class of ``names``."""
    try:
        tree = ast.parse(code.main)
    except (SyntaxError, ValueError):
        return True  # code that does not parse is graded as code: the sandbox reports the syntax error
    defined = {n.name for n in tree.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)}
    defined |= {t.id for n in tree.body if isinstance(n, ast.Assign) for t in n.targets if isinstance(t, ast.Name)}
    return bool(defined & {name.split(".")[0] for name in names})  # Dense.backward: the class Dense
