"""What checking a derivation file produces: its `Step`s, the `Derivation`, and the `Against` verdict.

Typed records between the checker and whoever shows them (the terminal, the report, the grader,
JSON); strings only in ``to_json``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from derivations.notation.typeset import MATHJAX_MARK, derivation_align
from derivations.verdict import HOLDS, AgainstVerdict, Counterexample, Decision, Verdict


@dataclass
class Step:
    """One checked relation of the file: where it is, what it says, and its verdict."""

    line: int
    latex: str
    verdict: Verdict
    method: str = ""
    reason: str = ""
    counterexample: Counterexample | None = None
    returns_to_line: int | None = None
    justification: str = ""
    case: str = ""
    row: int = 1
    display: int = 0
    justification_latex: str = ""
    unreadable: bool = False  # the row could not be read (its reason says where and why)

    @classmethod
    def decided(cls, decision: Decision, **where: object) -> Step:
        """A step with ``decision``'s verdict, method, reason and counterexample."""
        return cls(
            verdict=decision.verdict,
            method=decision.method,
            reason=decision.reason,
            counterexample=decision.counterexample,
            **where,  # type: ignore[arg-type]
        )

    @property
    def holds(self) -> bool:
        """True for a proved or numeric step."""
        return self.verdict in HOLDS

    def to_json(self) -> dict:
        """The step object of ``check --json``."""
        return {
            "line": self.line,
            "latex": self.latex,
            "verdict": self.verdict.value,
            "method": self.method,
            "reason": self.reason,
            "counterexample": self.counterexample.to_json() if self.counterexample else None,
            "returns_to_line": self.returns_to_line,
            "justification": self.justification,
            "case": self.case,
            "row": self.row,
            "display": self.display,
            "justification_latex": self.justification_latex,
            **({"unreadable": True} if self.unreadable else {}),
        }


@dataclass
class Derivation:
    """The steps of one file, in order, with a count per verdict."""

    file: str
    title: str
    steps: list[Step] = field(default_factory=list)
    seconds: float = 0.0
    against: Against | None = None

    @property
    def summary(self) -> dict[Verdict, int]:
        """How many steps got each verdict (every verdict listed, zeros included)."""
        counts = Counter(s.verdict for s in self.steps)
        return {v: counts.get(v, 0) for v in Verdict}

    @property
    def wrong(self) -> list[Step]:
        """The wrong steps, in order."""
        return [s for s in self.steps if s.verdict is Verdict.WRONG]

    @property
    def unchecked(self) -> list[Step]:
        """The unchecked steps, in order."""
        return [s for s in self.steps if s.verdict is Verdict.UNCHECKED]

    @property
    def unreadable(self) -> list[Step]:
        """The rows that could not be read, in order."""
        return [s for s in self.steps if s.unreadable]

    def _repr_latex_(self) -> str:
        """Jupyter: every step with its verdict, the same ``align*`` as the report."""
        return "$$" + derivation_align(self.steps, marks=MATHJAX_MARK, fit=False) + "$$"

    def _repr_html_(self) -> str:
        """Jupyter: a table of the steps with verdicts, counterexamples and reasons."""
        rows = []
        for s in self.steps:
            why = s.counterexample.sentence() if s.counterexample else s.reason
            rows.append(
                f"<tr><td>{s.line}</td><td><code>{_html(s.latex)}</code></td>"
                f"<td>{s.verdict.value}</td><td>{_html(why)}</td></tr>"
            )
        head = "<tr><th>line</th><th>step</th><th>verdict</th><th>how / why</th></tr>"
        return f"<p><b>{_html(self.file)}</b></p><table>{head}{''.join(rows)}</table>"

    def to_json(self) -> dict:
        """The object of ``check --json`` for one file."""
        out = {
            "file": self.file,
            "title": self.title,
            "steps": [s.to_json() for s in self.steps],
            "summary": {v.value: k for v, k in self.summary.items()},
        }
        if self.against is not None:
            out["against"] = self.against.to_json()
        return out


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@dataclass(frozen=True)
class ChainProof:
    """A chain of holding steps from one side of an equation to the other, under its cases."""

    cases: tuple[str, ...]
    first_line: int
    last_line: int
    numeric: bool
    wrong_lines: tuple[int, ...] = ()


@dataclass
class EquationProof:
    """One equation of an identity: the lines that prove it (None if no chain does) and how."""

    equation: str
    lines: tuple[int, int] | None = None
    numeric: bool = False
    wrong_lines: tuple[int, ...] = ()
    cases: tuple[str, ...] = ()

    @classmethod
    def from_chains(cls, equation: str, chains: Sequence[ChainProof]) -> EquationProof:
        """The equation proved by ``chains`` together (their cases cover every assignment)."""
        return cls(
            equation,
            (min(c.first_line for c in chains), max(c.last_line for c in chains)),
            any(c.numeric for c in chains),
            tuple(sorted({w for c in chains for w in c.wrong_lines})),
            tuple(" and ".join(c.cases) for c in chains if c.cases),
        )

    def to_json(self) -> dict:
        """The equation object of ``check --json``'s ``against``."""
        out = {
            "equation": self.equation,
            "lines": list(self.lines) if self.lines else None,
            Verdict.NUMERIC.value: self.numeric,
            "wrong_lines": list(self.wrong_lines),
        }
        if self.lines:
            out["cases"] = list(self.cases)
        return out


@dataclass
class Against:
    """Does the file prove an identity of the registry? Per equation: the lines that do, or why not."""

    identity: str
    equations: list[EquationProof] = field(default_factory=list)

    @property
    def verdict(self) -> AgainstVerdict:
        """Not proved if an equation has no chain or only one through a wrong line; numeric if any link is."""
        if any(e.lines is None or e.wrong_lines for e in self.equations):
            return AgainstVerdict.NOT_PROVED
        if any(e.numeric for e in self.equations):
            return AgainstVerdict.NUMERIC
        return AgainstVerdict.PROVED

    @property
    def proved(self) -> bool:
        """True when the file proves the identity (symbolically or numerically)."""
        return self.verdict is not AgainstVerdict.NOT_PROVED

    def to_json(self) -> dict:
        """The ``against`` object of ``check --json``."""
        return {
            "identity": self.identity,
            "verdict": self.verdict.value,
            "equations": [e.to_json() for e in self.equations],
        }
