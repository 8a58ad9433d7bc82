"""What checking a derivation file produces: its `Step`s, the `Derivation`, and the `Against` verdict.

Typed records between the checker and whoever shows them (the terminal, the report, the grader,
JSON); strings only in ``to_json``.
"""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from derivations.notation.document import describe
from derivations.verdict import HOLDS, AgainstVerdict, Counterexample, Decision, Verdict


@dataclass(frozen=True)
class Problem:
    """Why a row could not be read and where: the line (in a notebook, of the cell) and the column (in
    characters, from 1) of the problem in the file, and the text of that line, to show it with a caret."""

    line: int
    column: int
    message: str
    source: str = ""
    cell: int | None = None

    @property
    def where(self) -> str:
        """``12:18`` (compiler style), or ``cell 4, line 3, column 18`` in a notebook."""
        if self.cell is None:
            return f"{self.line}:{self.column}"
        return f"{describe(self.line, self.cell)}, column {self.column}"


@dataclass
class Step:
    """One checked relation of the file: where it is, what it says, and its verdict.

    In a notebook ``line`` and ``returns_to_line`` are lines of the cells ``cell`` and ``returns_to_cell``.
    """

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
    problem: Problem | None = None  # for an unreadable row: where in the file, and why
    cell: int | None = None  # in a notebook: the cell of ``line`` (from 1, code cells counted)
    returns_to_cell: int | None = None

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

    @property
    def where(self) -> str:
        """``line 12``, or ``cell 4, line 3`` in a notebook."""
        return describe(self.line, self.cell)

    @property
    def returns_to(self) -> str:
        """Where the chain returns to after this wrong step (``line 17``, ``cell 4, line 1``), or ""."""
        return "" if self.returns_to_line is None else describe(self.returns_to_line, self.returns_to_cell)

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
            **({"column": self.problem.column, "error_line": self.problem.line} if self.problem else {}),
            **({"cell": self.cell} if self.cell is not None else {}),
            **({"returns_to_cell": self.returns_to_cell} if self.returns_to_cell is not None else {}),
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
        """Jupyter: every step with its verdict (the report's ``align*``), then each wrong or unchecked step's why."""
        from derivations.notation.typeset import MATHJAX_MARK, derivation_align  # SymPy: only when displayed

        return (
            "$$"
            + derivation_align(self.steps, marks=MATHJAX_MARK, fit=False)
            + "$$"
            + "".join(f"\n\n\\noindent {n}" for n in _latex_notes(self))
        )

    def _repr_html_(self) -> str:
        """Jupyter: a table of the steps with verdicts, counterexamples and reasons, and the tally."""
        rows = []
        for s in self.steps:
            colour = _HTML_COLOUR.get(s.verdict, "inherit")
            rows.append(
                f"<tr><td>{_html(s.where)}</td><td><code>{_html(s.latex)}</code></td>"
                f'<td style="color:{colour}"><b>{_html(s.verdict.value)}</b></td><td>{_html(_why(s))}</td></tr>'
            )
        head = "<tr><th>where</th><th>step</th><th>verdict</th><th>counterexample / reason</th></tr>"
        title = f"<b>{_html(self.title)}</b> " if self.title else ""
        tally = ", ".join(f"{k} {v.value}" for v, k in self.summary.items() if k)
        parts = [f"<p>{title}<code>{_html(self.file)}</code>: {_html(tally or 'no steps')}</p>"]
        if self.against is not None:
            parts.append(f"<p>{_html(self.against.identity)}: <b>{_html(self.against.verdict.value)}</b></p>")
        parts.append(f"<table>{head}{''.join(rows)}</table>")
        return "".join(parts)

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
    """``text`` escaped for HTML (also inside attributes)."""
    return html.escape(text, quote=True)


_HTML_COLOUR = {
    Verdict.PROVED: "green",
    Verdict.NUMERIC: "darkorange",
    Verdict.WRONG: "red",
    Verdict.UNCHECKED: "purple",
    Verdict.DEFINITION: "blue",
}


def _why(step: Step) -> str:
    """A step's counterexample in words (and where the chain returns to) when wrong, else its reason."""
    if step.verdict is Verdict.WRONG and step.counterexample is not None:
        why = step.counterexample.sentence() or step.reason
    else:
        why = step.reason or step.method
    if step.verdict is Verdict.WRONG and step.returns_to_line is not None:
        why += f" (the next line returns to {step.returns_to})"
    return why


def _latex_notes(derivation: Derivation) -> list[str]:
    """A paragraph per wrong step (its counterexample) and per unchecked step (its reason), in LaTeX."""
    from derivations.notation.typeset import counterexample_text

    out = []
    for s in derivation.steps:
        if s.verdict is Verdict.WRONG:
            out.append(f"{_latex_text(s.where)}, wrong: {counterexample_text(s)}")
        elif s.verdict is Verdict.UNCHECKED:
            out.append(f"{_latex_text(s.where)}, unchecked: {_latex_text(s.reason)}")
    return out


_LATEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "$": r"\$",
    "&": r"\&",
    "#": r"\#",
    "^": r"\textasciicircum{}",
    "_": r"\_",
    "%": r"\%",
    "~": r"\textasciitilde{}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
}


def _latex_text(text: str) -> str:
    """``text`` escaped for LaTeX's text mode."""
    return "".join(_LATEX_SPECIAL.get(c, c) for c in text)


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
    cells: tuple[int, int] | None = None  # in a notebook: the cells of ``lines``
    wrong_cells: tuple[int, ...] = ()  # in a notebook: the cells of ``wrong_lines``

    @property
    def span(self) -> str:
        """``lines 17–25``, or ``cell 3, line 2 – cell 5, line 1`` in a notebook; "" when no chain proves it."""
        if not self.lines:
            return ""
        if self.cells is None:
            return f"lines {self.lines[0]}–{self.lines[1]}"
        return f"{describe(self.lines[0], self.cells[0])} – {describe(self.lines[1], self.cells[1])}"

    @property
    def wrong(self) -> str:
        """``line 19``, ``lines 19, 27``, or in a notebook ``cell 4, line 3``: the wrong lines a chain steps over."""
        if self.cells is None:
            return ("line " if len(self.wrong_lines) == 1 else "lines ") + ", ".join(map(str, self.wrong_lines))
        return "; ".join(describe(n, c) for n, c in zip(self.wrong_lines, self.wrong_cells))

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
        if self.cells is not None:
            out["cells"] = list(self.cells)
            out["wrong_cells"] = list(self.wrong_cells)
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
