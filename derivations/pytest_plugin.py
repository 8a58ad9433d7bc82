"""A pytest plugin: derivation files in a course repository are test items (`pytest11` entry point).

Files matching ``derivations_glob`` (ini option or ``--derivations-glob``; default ``*.deriv.md``)
are collected and checked once, at collection. Each step that makes a claim (every step but a
definition) is one item, named after its place: ``line 7``, or ``cell 3 line 2`` in a notebook. A
step item fails when the step is `wrong` (the message gives its formula and counterexample), when the
row cannot be read (unless ``derivations_allow_unreadable = true``) or — with
``derivations_strict = true`` — when it is `unchecked`. `numeric` steps pass (they are evidence).
A file whose front matter names an identity (``identity:``) has one more item, ``proves <identity>``,
that fails when the chain does not prove it and says which line broke the chain. Every item carries
the ``derivation`` marker. The registry's own identities run with ``pytest --pyargs derivations``
(`derivations/test_registry.py`).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:  # the checker imports SymPy: only when a derivation file is collected
    from derivations.check.results import Derivation, Step

DEFAULT_GLOB = "*.deriv.md"
MARKER = "derivation"


def pytest_addoption(parser: pytest.Parser) -> None:
    """The ``--derivations-*`` options and the ``derivations_*`` ini options."""
    group = parser.getgroup("derivations", "derivation files checked step by step")
    group.addoption("--derivations-glob", default=None, help=f"files collected as derivations ({DEFAULT_GLOB})")
    group.addoption("--derivations-seconds", type=float, default=None, help="time limit per step (5)")
    parser.addini("derivations_glob", "files collected as derivations", default=DEFAULT_GLOB)
    parser.addini("derivations_strict", "unchecked steps fail too", type="bool", default=False)
    parser.addini(
        "derivations_allow_unreadable", "a row that cannot be read does not fail the file", type="bool", default=False
    )
    parser.addini("derivations_seconds", "time limit per step", default="5")


def pytest_configure(config: pytest.Config) -> None:
    """Registers the ``derivation`` marker (every item of a derivation file has it)."""
    config.addinivalue_line("markers", f"{MARKER}: a step, or the identity, of a derivation file")


def _glob(config: pytest.Config) -> str:
    return config.getoption("--derivations-glob") or config.getini("derivations_glob")


def _inputs(path: Path, config: pytest.Config):  # type: ignore[no-untyped-def]
    """The document at ``path``, the time limit, and the identity its front matter names (or None)."""
    from derivations.notation.document import read_document

    seconds = config.getoption("--derivations-seconds") or float(config.getini("derivations_seconds"))
    doc = read_document(path)
    identity = doc.front.extra.get("identity", "")
    if not identity:
        return doc, seconds, None
    from derivations.identities import get

    return doc, seconds, (identity, get(identity).notation)


def pytest_collection(session: pytest.Session) -> None:
    """Under pytest-xdist, each worker first checks the files in an order of its own (worker k of n starts
    k/n of the way along), skipping a file another worker is checking: the workers share the work, and
    the collection that follows reads every file's verdicts from the cache."""
    config = session.config
    worker = getattr(config, "workerinput", None)
    if worker is None:
        return
    from derivations.check import cache, check_document
    from derivations.errors import DerivationsError

    if not cache.enabled():
        return
    pattern = _glob(config)
    files: list[Path] = []
    for arg in config.args or [str(config.rootpath)]:
        root = Path(arg.split("::")[0])
        found = [root] if root.is_file() else sorted(root.rglob(pattern)) if root.is_dir() else []
        files += [f for f in found if fnmatch.fnmatch(f.name, pattern)]
    index, count = int(str(worker.get("workerid", "gw0")).removeprefix("gw") or 0), int(worker.get("workercount", 1))
    start = len(files) * index // max(count, 1)
    for path in files[start:] + files[:start]:
        try:
            doc, seconds, against = _inputs(path, config)
            cache.cached(doc, seconds, against, partial(check_document, doc, seconds=seconds, against=against),
                         wait=False)  # fmt: skip
        except (DerivationsError, OSError):  # the file's own item says why when it is collected
            continue


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    """A `DerivationFile` for each file matching the glob."""
    if fnmatch.fnmatch(file_path.name, _glob(parent.config)):
        return DerivationFile.from_parent(parent, path=file_path)
    return None


def step_name(step: Step) -> str:
    """The item name of a step: ``line 7``, or ``cell 3 line 2`` in a notebook."""
    return f"line {step.line}" if step.cell is None else f"cell {step.cell} line {step.line}"


class DerivationFile(pytest.File):
    """One derivation file, checked once: an item per claiming step, and one for the identity it names."""

    derivation: Derivation | None = None
    identity: str = ""

    def _check(self) -> Derivation:
        # imported here, not at the top: every pytest run loads this plugin, most never check a derivation
        from derivations.check import check_document

        doc, seconds, against = _inputs(self.path, self.config)
        self.identity = against[0] if against else ""
        return check_document(doc, seconds=seconds, against=against, cache=True)  # -n 2: checked once

    def collect(self) -> Iterator[pytest.Item]:
        """The items of the file (checking it here, so that ``-k "line 7"`` can select one)."""
        from derivations.errors import DerivationsError
        from derivations.verdict import Verdict

        try:
            self.derivation = self._check()
        except DerivationsError as exc:  # the file as a whole cannot be checked: one failing item says why
            yield FileErrorItem.from_parent(self, name=self.path.name, message=str(exc))
            return
        seen: dict[str, int] = {}
        for step in self.derivation.steps:
            if step.verdict is Verdict.DEFINITION:
                continue
            name = step_name(step)
            seen[name] = seen.get(name, 0) + 1
            if seen[name] > 1:  # two relations on one line
                name = f"{name} ({seen[name]})"
            yield StepItem.from_parent(self, name=name, step=step)
        if self.derivation.against is not None:
            yield ProvesItem.from_parent(self, name=f"proves {self.identity}")


class DerivationFailure(Exception):
    """A wrong step, an identity not proved, an unreadable row or (strict) an unchecked step."""


class _Item(pytest.Item):
    """An item of a derivation file: its failure is the checker's message, first line first."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.add_marker(MARKER)
        self.extra_keyword_matches.add(self.name.replace(" ", "_"))  # -k line_7 (-k cannot spell a space)

    @property
    def file(self) -> DerivationFile:
        """The file collector (it holds the `Derivation`)."""
        assert isinstance(self.parent, DerivationFile)
        return self.parent

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: str | None = None) -> str:
        """The message: its first line is the short summary's (``wrong: = \\frac…``)."""
        if isinstance(excinfo.value, DerivationFailure):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo, style=style))  # type: ignore[arg-type]

    def reportinfo(self) -> tuple[Path, int | None, str]:
        """The file and this item's name."""
        return self.path, None, f"{self.path.name}::{self.name}"


class FileErrorItem(_Item):
    """A file that cannot be checked at all (bad front matter, an unknown identity)."""

    def __init__(self, *, message: str, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.message = message

    def runtest(self) -> None:
        """Fails with the checker's error."""
        raise DerivationFailure(self.message)


class StepItem(_Item):
    """One step that makes a claim: fails if it is wrong, unreadable, or (strict) unchecked."""

    def __init__(self, *, step: Step, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.step = step

    def runtest(self) -> None:
        """Fails with the step's verdict, formula, counterexample or reason."""
        from derivations.verdict import Verdict

        s, config = self.step, self.config
        place = f"{self.nodeid.split('::')[0]}, {s.where}"
        if s.verdict is Verdict.WRONG:
            why = s.counterexample.sentence() if s.counterexample else s.reason
            back = f" (the next line returns to {s.returns_to})" if s.returns_to_line else ""
            raise DerivationFailure(f"wrong: {s.latex}\n    {why}{back}\n    {place}")
        if s.unreadable and not config.getini("derivations_allow_unreadable"):
            raise DerivationFailure(f"could not be read: {s.latex}\n    {s.reason}\n    {place}")
        if s.verdict is Verdict.UNCHECKED and not s.unreadable and config.getini("derivations_strict"):
            raise DerivationFailure(f"unchecked: {s.latex}\n    {s.reason}\n    {place}")

    def reportinfo(self) -> tuple[Path, int | None, str]:
        """The file, the step's line (0-based, in a plain file) and its name."""
        return self.path, None if self.step.cell is not None else self.step.line - 1, f"{self.path.name}::{self.name}"


class ProvesItem(_Item):
    """The identity named in the front matter: fails when the file's chain does not prove it."""

    def runtest(self) -> None:
        """Fails naming the line that broke the chain: a wrong step, or a row that could not be read."""
        derivation = self.file.derivation
        assert derivation is not None and derivation.against is not None
        proof = derivation.against
        if proof.proved:
            return
        lines = [f"does not prove {proof.identity}{_first_break(derivation)}"]
        for e in proof.equations:
            if e.wrong_lines:
                lines.append(f"    {e.equation}: the chain {e.span} steps over the wrong {e.wrong}")
            elif e.lines is None:
                lines.append(f"    {e.equation}: no chain of holding steps proves it")
        lines += [f"    {s.where} could not be read: {s.latex}" for s in derivation.unreadable]
        raise DerivationFailure("\n".join(lines))


def _first_break(derivation: Derivation) -> str:
    """``: line 7 is wrong: = …``: the first step that breaks a chain, or "" when none does."""
    from derivations.verdict import Verdict

    for s in derivation.steps:
        if s.verdict is Verdict.WRONG:
            return f": {s.where} is wrong: {s.latex}"
        if s.unreadable:
            return f": {s.where} could not be read: {s.latex}"
    return ""
