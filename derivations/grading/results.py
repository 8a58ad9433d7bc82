"""What grading produces: a `Test` per graded part and the submission's `Result`, with their JSON forms.

Typed records: a test's verdict is an `Outcome`; strings appear only in the JSON (``.value``) and in
the feedback (``.words``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from derivations.verdict import Outcome


@dataclass
class Test:
    """One graded part: a function's correctness or stability, or a LaTeX answer's criterion."""

    name: str
    score: float
    max_score: float
    verdict: Outcome
    output: str
    counterexample: dict | None = None

    @property
    def passed(self) -> bool:
        """True when the part earned its points."""
        return self.verdict is Outcome.PASSED

    def to_gradescope(self) -> dict[str, Any]:
        """The test's object in Gradescope's results.json."""
        return {
            "name": self.name,
            "score": round(self.score, 4),
            "max_score": self.max_score,
            "status": "passed" if self.passed else "failed",
            "output": self.output,
        }

    def to_json(self) -> dict[str, Any]:
        """Every field, the verdict as its string."""
        return {**asdict(self), "verdict": self.verdict.value}


@dataclass
class Result:
    """A submission's grade: its tests, and what went wrong before any test could run."""

    student: str
    file: str
    kind: str
    tests: list[Test] = field(default_factory=list)
    error: str = ""
    sandbox: str = ""
    seconds: float = 0.0
    #: False when the submission ran without bubblewrap (``--no-sandbox``): recorded in every result file.
    sandboxed: bool = True

    @property
    def score(self) -> float:
        """The points earned."""
        return sum(t.score for t in self.tests)

    @property
    def max_score(self) -> float:
        """The points there were to earn."""
        return sum(t.max_score for t in self.tests)

    def to_gradescope(self) -> dict[str, Any]:
        """Gradescope's results.json."""
        lines = [f"{self.student}: {self.score:g}/{self.max_score:g}"]
        if self.error:
            lines.append(self.error)
        if self.sandbox:
            lines.append(self.sandbox)
        return {
            "score": round(self.score, 4),
            "max_score": self.max_score,
            "output": "\n".join(lines),
            "execution_time": round(self.seconds, 2),
            "tests": [t.to_gradescope() for t in self.tests],
        }

    def to_json(self) -> dict[str, Any]:
        """Gradescope's results.json plus who, which file, and every test in full (the batch's JSON)."""
        return {**self.to_gradescope(), "student": self.student, "file": self.file, "kind": self.kind,
                "error": self.error, "details": [t.to_json() for t in self.tests]}  # fmt: skip
