"""A pytest plugin: derivation files in a course repository are test items (`pytest11` entry point).

Files matching ``derivations_glob`` (ini option or ``--derivations-glob``; default ``*.deriv.md``)
are collected, one item per file. An item fails when a step is `wrong` (the message lists each wrong
line with its counterexample), when the file names an identity (``identity:`` in its front matter)
that its chain does not prove, or — with ``derivations_strict = true`` — when a step is `unchecked`.
`numeric` steps pass (they are evidence; the report says so). The registry's own identities run
with ``pytest --pyargs derivations`` (`derivations/test_registry.py`).
"""

from __future__ import annotations

import fnmatch
from pathlib import Path

import pytest

DEFAULT_GLOB = "*.deriv.md"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("derivations", "derivation files checked step by step")
    group.addoption("--derivations-glob", default=None, help=f"files collected as derivations ({DEFAULT_GLOB})")
    group.addoption("--derivations-seconds", type=float, default=None, help="time limit per step (5)")
    parser.addini("derivations_glob", "files collected as derivations", default=DEFAULT_GLOB)
    parser.addini("derivations_strict", "unchecked steps fail too", type="bool", default=False)
    parser.addini(
        "derivations_allow_unreadable", "a row that cannot be read does not fail the file", type="bool", default=False
    )
    parser.addini("derivations_seconds", "time limit per step", default="5")


def _glob(config: pytest.Config) -> str:
    return config.getoption("--derivations-glob") or config.getini("derivations_glob")


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if fnmatch.fnmatch(file_path.name, _glob(parent.config)):
        return DerivationFile.from_parent(parent, path=file_path)
    return None


class DerivationFile(pytest.File):
    """One derivation file: one item."""

    def collect(self):  # type: ignore[no-untyped-def]
        yield DerivationItem.from_parent(self, name=self.path.name)


class DerivationFailure(Exception):
    """A wrong step, an identity not proved, or (strict) an unchecked step."""


class DerivationItem(pytest.Item):
    """Checks the file with `derivations.check.check_file`."""

    def runtest(self) -> None:
        # imported here, not at the top: every pytest run loads this plugin, most never check a derivation
        from derivations.check import check_file
        from derivations.errors import DerivationsError
        from derivations.identities import get
        from derivations.notation.document import read_document

        config = self.config
        seconds = config.getoption("--derivations-seconds") or float(config.getini("derivations_seconds"))
        try:
            doc = read_document(self.path)
            name = doc.front.extra.get("identity")
            against = (name, get(name).notation) if name else None
            derivation = check_file(self.path, seconds=seconds, against=against)
            proof = derivation.against
        except DerivationsError as exc:
            raise DerivationFailure(str(exc)) from None
        problems = []
        for s in derivation.wrong:
            back = f" (the next line returns to {s.returns_to})" if s.returns_to_line else ""
            problems.append(f"{s.where}: wrong: {s.latex}\n    {s.reason}{back}")
        if not config.getini("derivations_allow_unreadable"):
            problems += [f"{s.where}: could not be read: {s.latex}\n    {s.reason}" for s in derivation.unreadable]
        if config.getini("derivations_strict"):
            problems += [
                f"{s.where}: {s.verdict}: {s.latex}\n    {s.reason}" for s in derivation.unchecked if not s.unreadable
            ]
        if proof is not None and not proof.proved:
            problems.append(f"does not prove {proof.identity}")
        self.summary = derivation.summary
        if problems:
            raise DerivationFailure("\n".join(problems))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: str | None = None) -> str:
        if isinstance(excinfo.value, DerivationFailure):
            return f"{self.path}:\n{excinfo.value}"
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, f"derivation {self.path.name}"
