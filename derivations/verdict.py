"""Verdicts and the records every stage passes on: a leaf module, it imports nothing of ours.

A step of a derivation is `Verdict.PROVED` (SymPy closed it), `Verdict.NUMERIC` (agreement at many
points in certified interval arithmetic: evidence, not proof), `Verdict.WRONG` (a certified
counterexample), `Verdict.UNCHECKED` (with the reason) or `Verdict.DEFINITION`. A graded part is a
`Outcome`. The names are spelled here and nowhere else in the package; JSON and the terminal get
them through ``.value``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from fractions import Fraction

import mpmath


class Verdict(StrEnum):
    """What the checker concluded about one step."""

    PROVED = "proved"
    NUMERIC = "numeric"
    WRONG = "wrong"
    UNCHECKED = "unchecked"
    DEFINITION = "definition"


#: The verdicts under which a step holds (a chain of them proves what it ends at).
HOLDS = frozenset({Verdict.PROVED, Verdict.NUMERIC})


class AgainstVerdict(StrEnum):
    """Whether a file proves an identity of the registry."""

    PROVED = "proved"
    NUMERIC = "numeric"
    NOT_PROVED = "not proved"


class Outcome(StrEnum):
    """What grading concluded about one part of a submission (or why it could not run)."""

    PASSED = "passed"
    WRONG = "wrong"
    IMPRECISE = "imprecise"  # a floating dtype less precise than the assignment accepts (float16)
    EXCEPTION = "exception"
    BAD_RESULT = "bad_result"
    TIMEOUT = "timeout"
    MEMORY = "memory"
    RECURSION = "recursion"
    CRASHED = "crashed"
    PROTOCOL = "protocol"
    IMPORT_ERROR = "import_error"
    IMPORT_TIMEOUT = "import_timeout"
    NOT_SUBMITTED = "not_submitted"

    @property
    def words(self) -> str:
        """The outcome as a student reads it."""
        return _OUTCOME_WORDS[self]


_OUTCOME_WORDS = {
    Outcome.PASSED: "passed",
    Outcome.WRONG: "wrong answer",
    Outcome.IMPRECISE: "not accurate enough",
    Outcome.EXCEPTION: "raised an exception",
    Outcome.BAD_RESULT: "returned something that is not an array of numbers",
    Outcome.TIMEOUT: "timed out",
    Outcome.MEMORY: "ran out of memory",
    Outcome.RECURSION: "recursed too deeply",
    Outcome.CRASHED: "the process died",
    Outcome.PROTOCOL: "broke the grader's protocol",
    Outcome.IMPORT_ERROR: "could not be imported",
    Outcome.IMPORT_TIMEOUT: "import timed out",
    Outcome.NOT_SUBMITTED: "not submitted",
}


def format_number(v: mpmath.mpf) -> str:
    """A value as it is shown: 17 significant digits, fixed notation for moderate magnitudes."""
    return mpmath.nstr(v, 17, min_fixed=-6, max_fixed=17)


def format_point(v: Fraction) -> str:
    """A sample coordinate as it is shown: an integer exactly, else its nearest double."""
    return str(v.numerator) if v.denominator == 1 else f"{float(v):.17g}"


@dataclass
class Counterexample:
    """Where the two sides of a step differ: the point, the size and indices, and both values.

    ``point`` maps each variable (as the file writes it) to its exact value; ``left``/``right`` are
    the values of the two sides there (mpmath numbers, certified to differ); ``component`` is the
    1-based entry of a vector-valued step; ``reason`` is set instead of values for a shape mismatch.
    """

    point: dict[str, Fraction] = field(default_factory=dict)
    n: int | None = None
    indices: dict[str, int] = field(default_factory=dict)
    component: int | None = None
    left: mpmath.mpf | None = None
    right: mpmath.mpf | None = None
    reason: str = ""
    difference: mpmath.mpf | None = None  # left − right, kept when the two values print alike
    entries: tuple = ()  # a step about numbers between vectors: every entry's (left, right), exact (SymPy)
    sizes: dict[str, int] = field(default_factory=dict)  # the named sizes the step uses (B = 5), said instead of n

    @property
    def has_values(self) -> bool:
        """True when both sides' values are known (not a shape mismatch)."""
        return self.left is not None and self.right is not None

    def scope(self) -> list[str]:
        """``["n = 2", "k = 1"]``: the size and index assignment the counterexample holds at."""
        sizes = [f"{k} = {v}" for k, v in self.sizes.items()] if self.sizes else [f"n = {self.n}"] if self.n else []
        return sizes + [f"{k} = {v}" for k, v in self.indices.items()]

    def where(self) -> str:
        """``at x = 0 (n = 2, k = 1, component 1)``: the point and the scope, in words ("" for numbers)."""
        at = ", ".join(f"{k} = {format_point(v)}" for k, v in self.point.items())
        extra = self.scope() + ([f"component {self.component}"] if self.component is not None else [])
        scope = f"({', '.join(extra)})" if extra else ""
        if not at:
            return f"for {scope[1:-1]}" if scope else ""
        return f"at {at}" + (f" {scope}" if scope else "")

    def sentence(self) -> str:
        """The counterexample in one line: where, and both sides' values."""
        if not self.has_values:
            where = self.where() if self.point else ""
            return f"{where}: {self.reason}" if where and self.reason else self.reason
        values = f"left side {format_number(self.left)}, right side {format_number(self.right)}"
        if self.difference is not None and format_number(self.left) == format_number(self.right):
            values += f" (left − right = {mpmath.nstr(self.difference, 3)})"
        where = self.where()
        return f"{where}: {values}" if where else values

    def to_json(self) -> dict:
        """The JSON object of ``check --json`` (values as strings of 17 significant digits)."""
        out: dict = {}
        if self.reason:
            out["reason"] = self.reason
        if self.n is not None:
            out["n"] = self.n
        if self.sizes:
            out["sizes"] = dict(self.sizes)
        if self.indices:
            out["indices"] = dict(self.indices)
        if self.point or self.has_values:
            out["point"] = {k: format_point(v) for k, v in self.point.items()}
        if self.component is not None:
            out["component"] = self.component
        if self.has_values:
            out["left"] = format_number(self.left)
            out["right"] = format_number(self.right)
            if self.difference is not None and out["left"] == out["right"]:
                out["difference"] = mpmath.nstr(self.difference, 3)
        return out


@dataclass
class Decision:
    """The verdict on one step, how it was reached, and (when wrong) where it fails."""

    verdict: Verdict
    method: str = ""
    reason: str = ""
    counterexample: Counterexample | None = None
    points: int = 0

    @property
    def holds(self) -> bool:
        """True for a proved or numeric step."""
        return self.verdict in HOLDS
