"""Grading a .py submission: its NumPy code run in the sandboxed child, checked against `numeric/`.

Hypothesis runs here in the parent: it draws the inputs, sends them to the child, compares the
reply with the reference, and shrinks a failure to a minimal counterexample. It is derandomised,
so every student meets the same inputs. Each function has two parts: *correctness* on typical
inputs and *stability* on extreme ones, each all-or-nothing with feedback. A timeout, a crash or a
broken protocol ends that part at the first input that caused it (no shrinking through restarts);
the next part starts a fresh child.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import numpy as np
from hypothesis import HealthCheck, Phase, given, settings

from derivations.grading.api import API, SPECS, FunctionSpec, compare, describe_args, expected
from derivations.grading.config import Config
from derivations.grading.inputs import PARTS, examples_of, shared_inputs, strategy_of
from derivations.grading.results import Result, Test
from derivations.grading.sandbox import Child, ChildError, Sandbox, become_subreaper, find_sandbox
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


class PartRunner:
    """Grades the parts of one submission, one child process at a time.

    Holds the running child (started on demand, dropped after a fatal outcome so the next call
    starts a fresh one) and, while a part is searched, its first fatal failure and the last other
    failure Hypothesis met (after shrinking: the minimal one).
    """

    def __init__(self, box: Sandbox, config: Config, submission: Path) -> None:
        self.box = box
        self.config = config
        self.submission = submission
        self.child: Child | None = None
        self.fatal: Failure | None = None
        self.last: Failure | None = None

    def __enter__(self) -> PartRunner:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def start(self) -> list[str]:
        """Start a child and import the submission: the API functions it defines (ChildError if it cannot)."""
        self.close()
        self.child, defined = self._spawn()
        return defined

    def running(self) -> Child:
        """The child, started afresh if the last one is gone (ChildError if it cannot start)."""
        if self.child is None:
            self.child, _ = self._spawn()
        return self.child

    def _spawn(self) -> tuple[Child, list[str]]:
        child = Child(self.box, self.config.limits, self.submission, list(API))
        return child, child.start()  # a child that cannot start has closed itself

    def close(self) -> None:
        """Stop the child, if one runs."""
        if self.child is not None:
            self.child.close()
            self.child = None

    def attempt(self, fs: FunctionSpec, args: tuple) -> Failure | None:
        """None if the child's answer for ``args`` passes, else the `Failure`; a fatal one drops the child."""
        try:
            got, as_tuple = self.running().call(fs.name, list(args), fs.floats)
        except ChildError as exc:
            if exc.kind in FATAL:
                self.close()
            return Failure(exc.kind, exc.message, args)
        reason = compare(fs, args, got, as_tuple, ulps=self.config.tolerance_ulps, floor=self.config.tolerance_floor)
        return Failure(Outcome.WRONG, reason, args, got) if reason else None

    def grade(self, fs: FunctionSpec, part: str) -> tuple[Outcome, str, dict | None]:
        """(outcome, feedback, counterexample) of ``fs``'s ``part``.

        The part's fixed inputs are tried first (fast); only a failure starts Hypothesis, which searches
        the same domain again and shrinks what it finds to a minimal counterexample.
        """
        self.fatal = self.last = None
        inputs = shared_inputs(fs, part, self.config)
        first = next((f for f in (self.attempt(fs, args) for args in inputs) if f is not None), None)
        if first is None:
            return Outcome.PASSED, f"{len(inputs)} {part} examples passed", None
        if first.outcome not in FATAL:
            self._search(fs, part)
        found = self.fatal or self.last or first  # Hypothesis's shrunk failure, else the first
        return found.outcome, *_feedback(fs, found)

    def _search(self, fs: FunctionSpec, part: str) -> None:
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
        @given(strategy_of(fs, part, self.config))
        def run(args: tuple) -> None:
            # once the child is gone, fail at once without a call (the first input is the one reported)
            failure = self.fatal or self.attempt(fs, args)
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


def _feedback(fs: FunctionSpec, found: Failure) -> tuple[str, dict]:
    """The feedback text and the counterexample record of a failure."""
    ce = {"input": describe_args(fs, found.args), "expected": expected(fs, found.args)}
    if found.got is not None:
        ce["got"] = ", ".join(
            np.array2string(np.asarray(g), precision=17, separator=", ", threshold=20) for g in found.got
        )
    text = f"{found.outcome.words}: {found.message}\n  input:    {ce['input']}\n  expected: {ce['expected']}"
    if "got" in ce:
        text += f"\n  got:      {ce['got']}"
    return text, ce


def grade_python(submission: Path, config: Config, *, student: str = "", box: Sandbox | None = None) -> Result:
    """Every function of the API with points: correctness and stability, or not submitted."""
    start = time.perf_counter()
    box = box or find_sandbox()
    become_subreaper()
    result = Result(student or submission.stem, str(submission), "python")
    if not box.isolated:
        result.sandbox = f"warning: the submission ran without isolation ({box.note})"
    with PartRunner(box, config, submission) as runner:
        failed_with: Outcome | None = None
        try:
            defined = runner.start()
        except ChildError as exc:
            result.error = f"the submission {exc.kind.words}: {exc.message}"
            failed_with = exc.kind
            defined = []
        for fs in SPECS:
            total = config.points.get(fs.name, 0.0)
            if total == 0:
                continue  # not part of this assignment (the later functions are opt-in: docs/grading.md)
            shares = dict(zip(PARTS, (total * (1 - config.stability_share), total * config.stability_share)))
            for part, points in shares.items():
                name = f"{fs.name}: {part}"
                if failed_with is not None:
                    result.tests.append(Test(name, 0.0, points, failed_with, result.error))
                    continue
                if fs.name not in defined:
                    result.tests.append(Test(name, 0.0, points, Outcome.NOT_SUBMITTED, f"{fs.name} was not submitted"))
                    continue
                outcome, text, ce = runner.grade(fs, part)
                result.tests.append(Test(name, points if outcome is Outcome.PASSED else 0.0, points, outcome, text, ce))
    result.seconds = time.perf_counter() - start
    return result
