"""The step checker: a derivation file in, a `Derivation` of typed verdicts out.

`check_file` and `check_text` are the Python API (also for notebooks: `check_file` reads a
``.ipynb`` file's Markdown cells); the stages are `environment` (what the file has said), `evaluate`
(tree → SymPy), `instances` (sizes and index assignments), `intervals` (certified numbers),
`decide` (one step), `chain` (the walk), `against` (does the file prove an identity), `locate`
(positions as the file has them: an unreadable row's line and column, a notebook's cells) and
`results` (the records).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from derivations.check.results import Against, Derivation, Step
from derivations.errors import InputError
from derivations.notation.document import Document, read_document, read_string

__all__ = ["Against", "Derivation", "Step", "check_document", "check_file", "check_text"]


def check_document(
    doc: Document,
    *,
    seconds: float = 5.0,
    progress: Callable[[str], None] | None = None,
    against: tuple[str, tuple[str, ...]] | None = None,
    cache: bool = False,
) -> Derivation:
    """Every step of ``doc`` with its verdict; with ``against`` (name, equations), whether it proves them.

    With ``cache``, a document checked before with the same code, time limit and identity is not
    checked again (`derivations.check.cache`: what is stored and when).
    """
    if cache:
        from derivations.check.cache import cached

        found = cached(doc, seconds, against, lambda: check_document(doc, seconds=seconds, progress=progress,
                                                                      against=against))  # fmt: skip
        assert found is not None  # cached() waits for the lock: it always has the verdicts
        return found
    # the checker itself (SymPy, 0.6 s) only when something is to be checked: a cached file needs none of it
    from derivations.check.against import against as prove_against
    from derivations.check.chain import Checker
    from derivations.check.locate import finish

    say = progress if progress is None or not doc.cells else (lambda text: progress(doc.relocate(text)))
    checker = Checker(doc, seconds=seconds, progress=say)
    try:
        derivation = checker.run()
        if against is not None:
            derivation.against = prove_against(checker, *against)
    except InputError as exc:  # a bad front matter line: in a notebook, named by its cell
        if not doc.cells:
            raise
        raise InputError(doc.relocate(str(exc))) from None
    finish(doc, derivation)
    return derivation


def check_file(
    path: str | Path,
    *,
    seconds: float = 5.0,
    progress: Callable[[str], None] | None = None,
    against: tuple[str, tuple[str, ...]] | None = None,
    cache: bool = False,
) -> Derivation:
    """Every step of the derivation file at ``path`` (Markdown, LaTeX or a Jupyter notebook) with its verdict."""
    doc = read_document(Path(path))
    return check_document(doc, seconds=seconds, progress=progress, against=against, cache=cache)


def check_text(
    text: str,
    *,
    name: str = "<text>",
    seconds: float = 5.0,
    against: tuple[str, tuple[str, ...]] | None = None,
) -> Derivation:
    """Every step of a derivation given as a string (the contents of a Markdown or LaTeX file)."""
    return check_document(read_string(text, name), seconds=seconds, against=against)
