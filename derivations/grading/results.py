"""What grading produces: a `Test` per graded part and the submission's `Result`, with their JSON forms.

Typed records: a test's verdict is an `Outcome`; strings appear only in the JSON (``.value``) and in
the feedback (``.words``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from derivations.files import VERSION_KEY, tool_version
from derivations.verdict import Outcome

#: A Markdown code fence.
FENCE = "`" * 3


def as_markdown(text: str) -> str:
    """``text`` as Markdown that shows it verbatim: a fenced block (columns kept, nothing rendered as markup)."""
    if not text:
        return ""
    return FENCE + "\n" + text.replace(FENCE, "'" * 3) + "\n" + FENCE


def _merged(tests: list[Test]) -> list[Test]:
    """The tests, with the parts of a function that was not submitted at all merged into one test."""
    groups: dict[str, list[Test]] = {}
    for t in tests:
        groups.setdefault(t.name.split(":")[0], []).append(t)
    out = []
    for name, parts in groups.items():
        if len(parts) > 1 and all(t.verdict is Outcome.NOT_SUBMITTED for t in parts):
            total = sum(t.max_score for t in parts)
            out.append(Test(name, 0.0, total, Outcome.NOT_SUBMITTED, parts[0].output, None, parts[0].visibility))
        else:
            out += parts
    return out


@dataclass
class Test:
    """One graded part: a function's correctness or stability, or a LaTeX answer's criterion."""

    name: str
    score: float
    max_score: float
    verdict: Outcome
    output: str
    counterexample: dict | None = None
    #: When students see the test on Gradescope: visible, hidden, after_due_date or after_published.
    visibility: str = "visible"

    @property
    def passed(self) -> bool:
        """True when the part earned its points."""
        return self.verdict is Outcome.PASSED

    def to_gradescope(self) -> dict[str, Any]:
        """The test's object in Gradescope's results.json (its feedback as Markdown, columns kept)."""
        return {
            "name": self.name,
            "score": round(self.score, 4),
            "max_score": self.max_score,
            "status": "passed" if self.passed else "failed",
            "output": as_markdown(self.output),
            "output_format": "md",
            "visibility": self.visibility,
            "tags": [self.verdict.words],
            "extra_data": {"verdict": self.verdict.value, "counterexample": self.counterexample},
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
    #: What the TA should know about how the submission was read (lines removed from a notebook, files ignored).
    warnings: list[str] = field(default_factory=list)

    @property
    def score(self) -> float:
        """The points earned."""
        return sum(t.score for t in self.tests)

    @property
    def max_score(self) -> float:
        """The points there were to earn."""
        return sum(t.max_score for t in self.tests)

    def to_gradescope(self) -> dict[str, Any]:
        """Gradescope's results.json: the student's summary and tests; the sandbox's state only for the TA.

        A function not submitted at all is one test saying so (not a failed test per part). How the
        submission ran (sandboxed or not, what was removed from a notebook) is in ``extra_data``, and in
        the autograder's stdout, which only the TA sees (``stdout_visibility: hidden``).
        """
        lines = [f"{self.student}: {self.score:g}/{self.max_score:g}"]
        if self.error:
            lines.append(self.error)
        lines += [f"note: {w}" for w in self.warnings]
        return {
            "score": round(self.score, 4),
            "max_score": self.max_score,
            "output": as_markdown("\n".join(lines)),
            "output_format": "md",
            "test_output_format": "md",
            "test_name_format": "text",
            "stdout_visibility": "hidden",
            "execution_time": round(self.seconds, 2),
            "extra_data": {
                VERSION_KEY: tool_version(),
                "sandboxed": self.sandboxed,
                "kind": self.kind,
                "warnings": list(self.warnings),
                "sandbox": self.sandbox,
            },
            "tests": [t.to_gradescope() for t in _merged(self.tests)],
        }

    def to_json(self) -> dict[str, Any]:
        """Gradescope's results.json plus who, which file, and every test in full (the batch's JSON)."""
        return {**self.to_gradescope(), "student": self.student, "file": self.file, "kind": self.kind,
                "error": self.error, "details": [t.to_json() for t in self.tests]}  # fmt: skip
