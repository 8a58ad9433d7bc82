"""Derivations checked step by step: `check_text` and `check_file` for scripts and notebooks.

``import derivations`` is cheap (SymPy loads at the first check); the functions return a
`derivations.check.results.Derivation`, which Jupyter displays with verdicts and counterexamples.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from derivations.check.results import Derivation

__all__ = ["check_file", "check_text"]

Against = str | tuple[str, Sequence[str]] | None


def _against(against: Against) -> tuple[str, tuple[str, ...]] | None:
    """An identity name looked up in the registry, or ``(name, equations)`` as given."""
    if against is None:
        return None
    if isinstance(against, str):
        from derivations.identities import get

        return against, tuple(get(against).notation)
    name, equations = against
    return name, tuple(equations)


def check_text(text: str, *, seconds: float = 5.0, against: Against = None, name: str = "<text>") -> Derivation:
    """Checks a derivation given as a string (Markdown or LaTeX) step by step."""
    from derivations.check import check_text as check

    return check(text, name=name, seconds=seconds, against=_against(against))


def check_file(path: str | Path, *, seconds: float = 5.0, against: Against = None) -> Derivation:
    """Checks the derivation file at ``path`` (Markdown, LaTeX or a Jupyter notebook) step by step."""
    from derivations.check import check_file as check

    return check(Path(path), seconds=seconds, against=_against(against))
