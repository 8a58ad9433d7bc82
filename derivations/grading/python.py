"""Grading a .py submission: its NumPy code run in the sandboxed child, checked against the assignment's references.

The functions graded are the configuration's assignment (`Config.functions`: the built-in one, or
an assignment file's). Hypothesis runs here in the parent: it draws the inputs, sends them to the
child, compares the reply with the reference, and shrinks a failure to a minimal counterexample.
It is derandomised, so every student meets the same inputs. Each function has two parts:
*correctness* on typical inputs and *stability* on extreme ones, each all-or-nothing with feedback.
A timeout, a crash or a broken protocol ends that part at the first input that caused it (no
shrinking through restarts); the next part starts a fresh child.

A registry reference is the `numeric/` witness, computed here. A reference file (the instructor's
solution) is never imported here: it runs in a sandboxed child of its own, as a uid this process
claimed for it alone (closing a child kills every process of its uid), and its answers are kept
for the run. A reference that cannot answer an input is the assignment's mistake: `InputError`
naming the function and the input (``--check-reference`` reports it as a failed part instead).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import time
from collections.abc import Collection
from dataclasses import dataclass, replace
from pathlib import Path
from types import TracebackType

import numpy as np
from hypothesis import HealthCheck, Phase, given, settings

from derivations.errors import AssignmentError, InputError
from derivations.grading.api import Expected, format_array, judge, round_to_float32
from derivations.grading.assignment import GradedFunction, ReferenceFailed, adapter_source
from derivations.grading.config import Config
from derivations.grading.inputs import PARTS, examples_of, shared_inputs, strategy_of
from derivations.grading.results import Result, Test
from derivations.grading.sandbox import (
    Child,
    ChildError,
    Limits,
    Sandbox,
    become_subreaper,
    claim_uid,
    find_sandbox,
    isolated_sandbox,
)
from derivations.grading.submission import Submission
from derivations.verdict import Outcome

#: Outcomes after which the child is gone: the part stops at that input (no shrinking through restarts).
FATAL = frozenset({Outcome.TIMEOUT, Outcome.CRASHED, Outcome.PROTOCOL, Outcome.IMPORT_TIMEOUT, Outcome.IMPORT_ERROR})


@dataclass(frozen=True)
class Failure:
    """One input a part failed on: the outcome, why, the arguments, and what came back (if anything did)."""

    outcome: Outcome
    message: str
    args: tuple
    got: list[np.ndarray] | None = None


class PartFailed(Exception):
    """A part failed on this input (raised inside Hypothesis so it shrinks; the `Failure` is on the runner)."""


#: The reference file's answers already computed, by (file digest, call plan, digest of the values).
_REFERENCE_ANSWERS: dict[tuple[str, str, str], tuple[list[np.ndarray], bool]] = {}
_REFERENCE_BOX: dict[int, Sandbox] = {}


def _reference_box() -> Sandbox:
    """The sandbox reference children run in: as root, a uid this process claimed for them alone."""
    pid = os.getpid()  # a forked --jobs worker claims its own
    if pid not in _REFERENCE_BOX:
        _REFERENCE_BOX[pid] = find_sandbox(uid=claim_uid()) if os.geteuid() == 0 else find_sandbox()
    return _REFERENCE_BOX[pid]


def _digest(values: tuple) -> str:
    h = hashlib.sha256()
    for v in values:
        a = np.asarray(v)  # not ascontiguousarray: it makes a 0-d array 1-d, and x = 0. is not x = [0.]
        h.update(repr((a.dtype.str, a.shape)).encode())
        h.update(a.tobytes())
    return h.hexdigest()


class ReferenceRunner:
    """The instructor's reference file, answering in a sandboxed child of its own (started when first needed)."""

    def __init__(self, file: Path, limits: Limits, plans: list[str]) -> None:
        self.file = file
        self.limits = limits
        self.plans = plans
        self.digest = hashlib.sha256(file.read_bytes()).hexdigest()
        self.child: Child | None = None
        self.defined: list[str] = []

    def answer(self, gf: GradedFunction, values: tuple) -> tuple[list[np.ndarray], bool]:
        """The reference's reply (arrays, tuple?) to one call; ReferenceFailed if it cannot give one."""
        key = (self.digest, gf.plan, _digest(values))
        if key not in _REFERENCE_ANSWERS:
            child = self._running()
            if gf.plan not in self.defined:
                raise ReferenceFailed(f"'{self.file}' does not define {gf.call.describe()}")
            if len(_REFERENCE_ANSWERS) > 50_000:  # a long batch's searches: keep memory bounded
                _REFERENCE_ANSWERS.clear()
            try:
                _REFERENCE_ANSWERS[key] = child.call(gf.plan, list(values), gf.floats)
            except ChildError as exc:
                if exc.kind in FATAL:
                    self.close()
                raise ReferenceFailed(f"the reference {exc.kind.words}: {exc.message}") from None
        return _REFERENCE_ANSWERS[key]

    def _running(self) -> Child:
        if self.child is None:
            child = Child(_reference_box(), self.limits, self.file, self.plans)
            try:
                self.defined = child.start()
            except ChildError as exc:
                raise ReferenceFailed(f"the reference file {exc.kind.words}: {exc.message}") from None
            self.child = child
        return self.child

    def close(self) -> None:
        """Stop the reference's child, if one runs."""
        if self.child is not None:
            self.child.close()
            self.child = None


class PartRunner:
    """Grades the parts of one submission, one child process at a time.

    Holds the running child (started on demand, dropped after a fatal outcome so the next call
    starts a fresh one) and, while a part is searched, its first fatal failure and the last other
    failure Hypothesis met (after shrinking: the minimal one).
    """

    def __init__(self, box: Sandbox, config: Config, submission: Path | Submission) -> None:
        self.box = box
        self.config = config
        self.submission = submission
        self.child: Child | None = None
        self.fatal: Failure | None = None
        self.last: Failure | None = None
        #: Set when the reference failed while a part was searched (the shrunk input: raised after the search).
        self.reference_failure: ReferenceFailed | None = None
        self.references: dict[Path, ReferenceRunner] = {}
        self._expected: dict[tuple[str, str], Expected] = {}
        #: The own time of the submission's children gone before the running one (for submission_seconds).
        self.spent_before = 0.0

    def __enter__(self) -> PartRunner:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def start(self) -> list[str]:
        """Start a child and import the submission: the call plans it defines (ChildError if it cannot)."""
        self.drop()
        self.child, defined = self._spawn()
        return defined

    def running(self) -> Child:
        """The child, started afresh if the last one is gone (ChildError if it cannot start)."""
        if self.child is None:
            self.child, _ = self._spawn()
        return self.child

    def _spawn(self) -> tuple[Child, list[str]]:
        plans = list(dict.fromkeys(gf.plan for gf in self.config.functions))
        child = Child(self.box, self.config.limits, self.submission, plans)
        return child, child.start()  # a child that cannot start has closed itself

    def drop(self) -> None:
        """Stop the submission's child, if one runs (the next call starts a fresh one)."""
        if self.child is not None:
            self.spent_before += self.child.spent
            self.child.close()
            self.child = None

    def spent(self) -> float:
        """The submission's own time so far, over all its children."""
        return self.spent_before + (self.child.spent if self.child is not None else 0.0)

    def close(self) -> None:
        """Stop the children (the submission's, and the reference files'), if they run."""
        self.drop()
        for runner in self.references.values():
            runner.close()

    def expected(self, gf: GradedFunction, values: tuple) -> Expected:
        """What the answer to ``values`` must be: the registry witness, or the reference file's reply."""
        key = (gf.name, _digest(values))
        if key in self._expected:
            return self._expected[key]
        if gf.reference is not None:
            exp = gf.expected_registry(values)
        else:
            runner = self._reference(gf)

            def rounded() -> tuple[np.ndarray, ...] | None:
                try:
                    arrays, _ = runner.answer(gf, round_to_float32(values))
                except ReferenceFailed:
                    return None
                return tuple(np.asarray(a, dtype=np.float64) for a in arrays)

            reply = runner.answer(gf, values)
            imprecise = [str(a.dtype) for a in reply[0] if np.asarray(a).dtype != np.float64]
            if imprecise:  # its values would be taken as exact: float32 answers would then fail students
                raise ReferenceFailed(f"{gf.reference_file.name} returned {imprecise[0]}: a reference must be float64")
            exp = gf.expected_from_reply(values, reply, rounded)
        bad = [k for k, v in enumerate(exp.values) if not np.all(np.isfinite(v))]
        if bad:  # no answer can be compared with NaN or ±inf: the inputs lie outside the reference's domain
            where = gf.describe_values(values)
            raise ReferenceFailed(f"the reference gave a value that is not finite (nan or inf) at {where}")
        if len(self._expected) > 4096:
            self._expected.clear()
        self._expected[key] = exp
        return exp

    def _reference(self, gf: GradedFunction) -> ReferenceRunner:
        assert gf.reference_file is not None
        if gf.reference_file not in self.references:
            plans = list(dict.fromkeys(f.plan for f in self.config.functions if f.reference_file == gf.reference_file))
            self.references[gf.reference_file] = ReferenceRunner(gf.reference_file, self.config.limits, plans)
        return self.references[gf.reference_file]

    def attempt(self, gf: GradedFunction, args: tuple) -> Failure | None:
        """None if the child's answer for ``args`` passes, else the `Failure`; a fatal one drops the child.

        ReferenceFailed when the reference cannot answer ``args`` (the assignment's mistake).
        """
        budget = self.config.limits.submission_seconds
        if self.spent() >= budget:
            return Failure(Outcome.TIMEOUT, f"the submission used its {budget:g} s for all its calls", args)
        try:
            got, as_tuple = self.running().call(gf.plan, list(args), gf.floats)
        except ChildError as exc:
            if exc.kind in FATAL:
                self.drop()  # the reference's child, if any, keeps running
            return Failure(exc.kind, exc.message, args)
        found = judge(
            self.expected(gf, args),
            got,
            as_tuple,
            ulps=self.config.tolerance_ulps,
            floor=self.config.tolerance_floor,
            lowest=self.config.lowest_precision,
        )
        return Failure(found.outcome, found.message, args, got) if found else None

    def grade(self, gf: GradedFunction, part: str) -> tuple[Outcome, str, dict | None]:
        """(outcome, feedback, counterexample) of ``gf``'s ``part``.

        The part's fixed inputs are tried first (fast); only a failure starts Hypothesis, which searches
        the same domain again and shrinks what it finds to a minimal counterexample.
        """
        self.fatal = self.last = self.reference_failure = None
        inputs = shared_inputs(gf, part, self.config)
        first = next((f for f in (self.attempt(gf, args) for args in inputs) if f is not None), None)
        if first is None:
            return Outcome.PASSED, f"{len(inputs)} {part} examples passed", None
        if first.outcome not in FATAL:
            self._search(gf, part)
        if self.reference_failure is not None:
            raise self.reference_failure
        found = self.fatal or self.last or first  # Hypothesis's shrunk failure, else the first
        return found.outcome, *self._feedback(gf, found)

    def _search(self, gf: GradedFunction, part: str) -> None:
        """Search the part's domain with Hypothesis and shrink what fails; the failure lands in fatal/last."""

        @settings(
            max_examples=examples_of(part, self.config),
            derandomize=True,
            database=None,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            phases=(Phase.explicit, Phase.generate, Phase.shrink),
            report_multiple_bugs=False,
            print_blob=False,
        )
        @given(strategy_of(gf, part, self.config))
        def run(args: tuple) -> None:
            # once the child is gone, fail at once without a call (the first input is the one reported)
            try:
                failure = self.fatal or self.attempt(gf, args)
            except ReferenceFailed as exc:  # shrunk like a failure: the smallest input the reference fails on
                self.reference_failure = ReferenceFailed(f"{exc} (input: {gf.describe_values(args)})")
                raise PartFailed from None
            if failure is None:
                return
            if self.fatal is None:
                if failure.outcome in FATAL:
                    self.fatal = failure
                else:
                    self.last = failure
            raise PartFailed  # one place, so Hypothesis sees one failure to shrink

        try:
            run()
        except* PartFailed:  # raised as is, or inside Hypothesis's FlakyFailure group; anything else is a bug of ours
            pass

    def _feedback(self, gf: GradedFunction, found: Failure) -> tuple[str, dict]:
        """The feedback text and the counterexample record of a failure."""
        try:
            shown = ", ".join(format_array(r) for r in self.expected(gf, found.args).values)
        except ReferenceFailed as exc:
            shown = f"(the reference failed: {exc})"
        ce = {"input": gf.describe_values(found.args), "expected": shown}
        if found.got is not None:
            ce["got"] = ", ".join(format_array(g) for g in found.got)
        # IMPRECISE's message is "returned float16: not accurate enough (…)": it carries its verdict's words
        head = found.message if found.outcome is Outcome.IMPRECISE else f"{found.outcome.words}: {found.message}"
        text = f"{head}\n  input:    {ce['input']}\n  expected: {ce['expected']}"
        if "got" in ce:
            text += f"\n  got:      {ce['got']}"
        return text, ce


def _where(submission: Path | Submission, line: int) -> str:
    """`` (line 12)``, or for a notebook `` (cell 4, line 2)``: where an import error arose, as the student wrote it."""
    if line <= 0:
        return ""
    if isinstance(submission, Submission) and submission.cells and line <= len(submission.cells):
        cell = submission.cells[line - 1]
        if cell:
            first = submission.cells.index(cell)
            return f" (cell {cell}, line {line - first})"
        return ""
    return f" (line {line})"


def grade_python(
    submission: Path | Submission,
    config: Config,
    *,
    student: str = "",
    box: Sandbox | None = None,
    only: Collection[str] | None = None,
    checking: bool = False,
) -> Result:
    """Every function of the assignment with points (or of ``only``): correctness and stability, or not submitted.

    ``checking`` (``--check-reference``): a reference that fails is the part's failure, not an InputError.
    """
    start = time.perf_counter()
    box = box or isolated_sandbox()  # no sandbox here: SandboxFailure, never silently unisolated
    become_subreaper()
    if isinstance(submission, Submission):
        source = Path(submission.source)
        result = Result(student or source.stem, submission.source, submission.kind, warnings=list(submission.warnings))
    else:
        result = Result(student or submission.stem, str(submission), "python")
    if not box.isolated:
        result.sandbox = f"warning: the submission ran without isolation ({box.note})"
    with PartRunner(box, config, submission) as runner:
        failed_with: Outcome | None = None
        try:
            defined = runner.start()
            if runner.child is not None and runner.child.missing:
                names = ", ".join(runner.child.missing)
                result.warnings.append(
                    f"the submission imports {names}, which the grader's sandbox does not have: "
                    "it was stood in for, so demo code ran (a graded function that needs it fails)"
                )
        except ChildError as exc:
            result.error = f"the submission {exc.kind.words}: {exc.message}{_where(submission, exc.line)}"
            failed_with = exc.kind
            defined = []
        for gf in config.functions:
            total = config.points.get(gf.name, 0.0)
            if total == 0 or (only is not None and gf.name not in only):
                continue  # not part of this assignment (the later functions are opt-in: docs/grading.md)
            share = config.stability_share if gf.stability_share is None else gf.stability_share
            shares = dict(zip(PARTS, (total * (1 - share), total * share)))
            for part, points in shares.items():
                name = f"{gf.name}: {part}"

                def add(score: float, outcome: Outcome, text: str, ce: dict | None = None) -> None:
                    test = Test(name, score, points, outcome, text, ce, visibility=gf.visibility.value)  # noqa: B023
                    result.tests.append(test)

                if failed_with is not None:
                    add(0.0, failed_with, result.error)
                    continue
                if gf.plan not in defined:
                    add(0.0, Outcome.NOT_SUBMITTED, gf.not_submitted())
                    continue
                try:
                    outcome, text, ce = runner.grade(gf, part)
                except ReferenceFailed as exc:
                    if not checking:
                        raise AssignmentError(
                            f"'{config.source}': [function.{gf.name}] the reference failed in the {part} part: {exc} "
                            "(check the assignment with --check-reference)"
                        ) from None
                    outcome, text, ce = Outcome.EXCEPTION, f"the reference failed: {exc}", None
                add(points if outcome is Outcome.PASSED else 0.0, outcome, text, ce)
    result.seconds = time.perf_counter() - start
    return result


def check_reference(config: Config, *, box: Sandbox | None = None) -> Result:
    """The assignment graded against itself, which must score full marks.

    Registry references: an adapter submission (the witnesses behind the course's names, through the
    same argument, return and class mappings) is graded. A reference file is graded as a submission
    on every function it defines: its own functions (it must answer every input, the same way each
    time) and the registry ones (the instructor's solution against the mapped witness: a mapping in
    the wrong order fails there).
    """
    graded = [gf for gf in config.functions if config.points.get(gf.name, 0.0) > 0]
    if not graded:
        raise InputError(f"'{config.source}': no function has points (expected points > 0 on one at least)")
    combined = Result(config.assignment or "reference", config.source, "reference")
    registry = tuple(gf for gf in graded if gf.reference is not None)
    files = [f for f in (config.solution, *(gf.reference_file for gf in graded)) if f is not None]
    with tempfile.TemporaryDirectory(prefix="derivations-check-") as tmp:
        if registry:
            adapter = Path(tmp) / "witness_adapter.py"
            adapter.write_text(adapter_source(registry), encoding="utf-8")
            names = {gf.name for gf in registry}
            _merge(combined, grade_python(adapter, config, student="witness", box=box, only=names, checking=True))
        for file in dict.fromkeys(files):
            part = grade_python(file, config, student=file.name, box=box, checking=True)
            own = {gf.name for gf in graded if gf.reference_file == file}  # the others it may leave to the registry
            part.tests = [t for t in part.tests if t.verdict is not Outcome.NOT_SUBMITTED or _function(t) in own]
            _merge(combined, part)
    return combined


def _function(test: Test) -> str:
    return test.name.rsplit(": ", 1)[0]


def _merge(into: Result, part: Result) -> None:
    """``part``'s tests added to ``into``, each named with what it graded (``(witness) f: correctness``)."""
    source = part.student
    for t in part.tests:
        into.tests.append(replace(t, name=f"({source}) {t.name}"))  # not [..]: the table's rich markup
    if part.error:
        into.error = "; ".join(filter(None, (into.error, f"{source}: {part.error}")))
    if part.sandbox and not into.sandbox:
        into.sandbox = part.sandbox
    into.seconds += part.seconds
