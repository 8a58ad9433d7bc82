"""A derivation file as a chain of steps, each with its verdict: the walk over its rows.

Rules (docs/derivation-files.md): a row ``a = b = c`` links a to b and b to c; a row that starts
with ``=`` continues from the last expression of the row before; one that starts with ``\\therefore``
or ``\\Rightarrow`` is a claim checked on its own. ``name = …`` for a name not yet defined (``h^o``,
``CE(y, \\hat{y})``, ``\\nabla W^o``) is a definition, learned for the rest of the file. A case line
puts its index relation in force until the next case, a heading, or a ``cases`` display; the first
row of each case continues from where the first case began. When a step is wrong and the next row
equals the row before the wrong one, the next row is checked against that earlier row and the wrong
step records it as ``returns_to_line``: the fault is that one line.

Every row was parsed once by `Knowledge.prescan`; the walk works on those trees.
"""

from __future__ import annotations

import dataclasses
import operator
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction

import sympy as sp

from derivations.check.decide import decide_all, rounded_value
from derivations.check.environment import (
    Definition,
    Environment,
    Knowledge,
    ParsedEvent,
    ParsedRow,
    Region,
    Target,
    as_declared,
    bounds,
    constant_value,
    definable,
    entry_base,
    intersect,
    number_bound,
    region_of,
)
from derivations.check.evaluate import Context, evaluate, is_matrix
from derivations.check.instances import Setting
from derivations.check.layers import layer_of
from derivations.check.locate import source_offset
from derivations.check.results import Derivation, Step
from derivations.check.shapes import infer_from
from derivations.errors import MissingIndex, OutOfRange, ParseError, ShapeMismatch, Unsupported
from derivations.notation.document import ONE_HOT_CONDITION, Document, EventKind, Row
from derivations.notation.layout import split_top
from derivations.notation.parser import parse_expression
from derivations.notation.tree import Call, Cases, Deriv, Index, Neg, Node, Num, Rel, Sum, Sym, walk
from derivations.verdict import Decision, Verdict, format_point

#: How a relation is written back when a row of several relations is split into steps.
REL_LATEX = {
    "=": "=", "~": "\\approx", "=>": "\\Rightarrow", "!=": "\\neq", "<": "<", ">": ">", "<=": "\\le", ">=": "\\ge",
}  # fmt: skip


@dataclass
class Link:
    """An expression a later row may continue from (None if its row could not be read)."""

    node: Node | None
    line: int
    latex: str
    error: str = ""
    note: str = ""  # why the chain continues from here (a row after it could not be read)


#: A sentence that ends a case analysis: what follows is stated for every case.
#: A sentence announcing that the rows after it solve an equation: each row is an equation, not an identity.
SOLVING = re.compile(r"\bsolv(?:e|es|ing)\b|\brearrang|\bisolat", re.IGNORECASE)
COMBINING = re.compile(
    r"together|combin|both cases|either case|all cases|every case|in general|in summary|summar|overall|"
    r"for all |for every |정리|종합|합치|모든",
    re.IGNORECASE,
)
#: ``y \in \{0, 1\}``
IN_SET = re.compile(r"^\s*(.+?)\s*\\in\s*\\\{(.+)\\\}\s*$")
#: ``x \in \mathbb{R}`` (or ℝ^n): no restriction
REALS = re.compile(r"^\s*(.+?)\s*\\in\s*\\mathbb\{R\}(\^\{?[\w\\ ]+\}?)?\s*$")


@dataclass
class Segment:
    """Consecutive linked expressions, the verdicts of the links, and the setting they were checked in."""

    exprs: list[Link]
    verdicts: list[Verdict]
    cases: tuple[Rel, ...]
    env: Environment
    skipped: list[int] = field(default_factory=list)  # wrong lines the chain returned past


#: A row that starts with ∵: a fact the chain uses.
BECAUSE = re.compile(r"^\s*(?:\\because|∵)")
#: A row that the text itself calls a definition: ``\text{Let } …``, ``\text{Define } …``.
LET = re.compile(r"^\s*\\text\s*\{\s*(?:let|define|set|suppose|assume)\b", re.IGNORECASE)


class Checker:
    """Walks a document's rows and events, keeping the environment, the chain and the case in force."""

    def __init__(self, doc: Document, *, seconds: float = 5.0, progress: Callable[[str], None] | None = None) -> None:
        self.doc = doc
        self.seconds = seconds
        self.progress = progress or (lambda text: None)
        self.known = Knowledge(doc)
        # the open sections, outermost first: each heading's level and the prose domains in force where it began
        self._sections: list[tuple[int, tuple[dict, dict, dict]]] = []
        self.env = self.known.env
        self.symbols = self.known.symbols
        self.notation = self.known.notation
        self.steps: list[Step] = []
        self.prev: Link | None = None
        self.case: Rel | None = None
        self.case_text = ""
        self.fork: Link | None = None
        self.pending_wrong: tuple[Step, Link] | None = None
        self.segments: list[Segment] = []
        self._claim = False
        self._conclusion = False
        self.cases_opened = 0  # cases of the analysis in force
        self.prose_since_row = False  # a sentence combining the cases came after the last row
        self.solving = False  # the sentence before said the rows solve an equation
        self._continuing = False
        self._row_chain: list = []
        self._because = False  # the row starts with ∵
        self._prose_case = False  # the case in force was said in a sentence ("where $j \neq i$")
        self._link_line = 0  # the file's line of the link being added, when the row runs over several lines
        self._row_starts: set[int] = set()  # the steps of rows that start a relation of their own (not "= …")

    def run(self) -> Derivation:
        """Every step of the document, in order, with its verdict."""
        start = time.perf_counter()
        self.known.learn_front_matter()
        parsed = self.known.prescan()
        self.known.env.inferred = infer_from(self.known.env, parsed)
        # "y is one-hot" said in a sentence: in force from that sentence on, not for the rows above it
        self._later_one_hot = {name: self.env.one_hot.pop(name) for name in self.env.one_hot_since}
        for item in parsed:
            if isinstance(item, ParsedEvent):
                self._event(item)
            else:
                self.progress(f"line {item.row.line}")
                self._row(item)
        self._equations_solved()
        return Derivation(self.doc.path, self.doc.front.title, self.steps, time.perf_counter() - start)

    def _equations_solved(self) -> None:
        """A display with two rows or more that each state a relation of their own (not ``= …``) and fail as
        identities — ``e^z = P/(1 − P)``, ``e^z(1 − P) = P``, … — is most likely an equation being solved, row by
        row: those rows are `unchecked`, not `wrong` (one failing row alone stays `wrong`)."""
        by_display: dict[int, list[Step]] = {}
        for step in self.steps:
            if step.verdict is Verdict.WRONG and id(step) in self._row_starts:
                by_display.setdefault(step.display, []).append(step)
        for steps in by_display.values():
            if len({(s.line, s.row) for s in steps}) < 2:  # two failing links of one chain are not two equations
                continue
            lines = ", ".join(sorted({str(s.line) for s in steps}, key=int))
            for step in steps:
                step.verdict = Verdict.UNCHECKED
                step.method = ""
                step.reason = (f"rows {lines} of this display each state an equation that fails as an identity: an "
                               f"equation being solved, row by row? — as an identity: {step.reason}")  # fmt: skip

    def _event(self, item: ParsedEvent) -> None:
        if item.event.kind is EventKind.HEADING:
            # what a section assumed in prose ends with it and its subsections ("# Huber", "let $δ > 0$", then
            # "## Without cases": δ > 0 still); what was said before the first heading holds throughout
            level = heading_level(item.event.text)
            start = None
            while self._sections and self._sections[-1][0] >= level:
                start = self._sections.pop()[1]
            if start is not None:
                regions, value_sets, entry_values = start
                self.env.regions, self.env.value_sets = dict(regions), dict(value_sets)
                self.env.entry_values = dict(entry_values)
            said = (dict(self.env.regions), dict(self.env.value_sets), dict(self.env.entry_values))
            self._sections.append((level, said))
            self._end_cases()
            self.prev = None
            self.solving = False
            return
        if item.event.kind is EventKind.PROSE:
            if self._prose_case:  # "where $j \neq i$" held for the display after that sentence only
                self._end_cases()
                self._prose_case = False
            if item.relation is not None and self.case is None:
                self.fork, self.cases_opened = self.prev, 1
                rel = item.relation
                op = "\\neq" if rel.op == "!=" else "="
                said = f"{rel.lhs.name} {op} {rel.rhs.name}"  # type: ignore[attr-defined]
                self.case, self.case_text, self._prose_case = rel, said, True
            self.prose_since_row |= bool(COMBINING.search(item.event.text))
            self.solving = bool(SOLVING.search(item.event.text))  # for the displays right after it
            for name_node, body in item.definitions:  # "where $a_i = \sigma(z_i)$": in force from here on
                target = definable(name_node, self.env)
                if target is not None:
                    self.known.define(target, body, item.event.line)
                else:  # "now let $a = \tanh(z)$" with a defined: a second definition
                    self._another_definition(name_node, body, item.event.line)
            for name_node, body in item.hedged:  # "let $a = \tanh(z)$ instead": perhaps meant from here on
                self._another_definition(name_node, body, item.event.line)
            for name in item.unread:
                self.env.unread.setdefault(name, item.event.line)
            for name, since in self.env.one_hot_since.items():
                if since == item.event.line and name in self._later_one_hot:
                    self.env.one_hot[name] = self._later_one_hot.pop(name)
            # "assume $x > 0$", "let $y \in \{0, 1\}$": where the variables live, from this sentence on (inside
            # an interval the front matter gives, if any)
            for name, region in item.regions.items():
                lo_hi = self.env.domains.get(name)
                within = region if lo_hi is None else intersect(Region(lo_hi[0], lo_hi[1]), region)
                self.env.regions[name] = within if within is not None else region
            self.env.value_sets.update(item.value_sets)
            self.env.entry_values.update(item.entry_values)
            return
        if item.relation is None:
            return
        if self.case is None:
            self.fork = self.prev
            self.cases_opened = 0
        else:
            self.prev = self.fork
        self.case = item.relation
        self.case_text = item.event.text
        self.cases_opened += 1

    def _end_cases(self) -> None:
        self.case = None
        self.case_text = ""
        self.fork = None
        self.cases_opened = 0

    def _would_cycle(self, name: str, body: Node) -> bool:
        """Whether defining ``name`` by ``body`` makes a definition depend on itself."""
        needs: dict[str, set[str]] = {n: names_in(d.body) for n, d in self.env.definitions.items()}
        seen: set[str] = set()
        todo = list(names_in(body))
        while todo:
            n = todo.pop()
            if n == name:
                return True
            if n in seen:
                continue
            seen.add(n)
            todo.extend(needs.get(n, ()))
        return False

    def _defined_again(self, node: Node | None) -> Definition | None:
        """The definition ``node`` restates the left side of, written the same way: f(x) after f(x) = …,
        g_i(x) or y_i after g_i(x) = … or y_i = … (a function or a vector by its entries, never a plain name)."""
        call = node.base if isinstance(node, Index) and isinstance(node.base, Call) else node
        plain = isinstance(call, Call) and call.func.primes == 0 and call.func.power is None  # not p'(r), p²(r)
        if plain and all(isinstance(a, Sym) for a in call.args):
            d = self.env.definitions.get(call.func.name)
            if d is not None and d.params == tuple(a.name for a in call.args):
                return d
        if isinstance(node, Sym):  # a = tanh(z) after a = σ(z): the name's definition written again
            d = self.env.definitions.get(node.name)
            if d is not None and not d.params and not d.index_params:
                return d
        if isinstance(node, Index) and isinstance(node.base, Sym):
            d = self.env.definitions.get(node.base.name)
            if (
                d is not None
                and d.index_params
                and d.index_params == tuple(getattr(i, "name", "") for i in node.indices)
            ):
                return d
        return None

    def _another_definition(self, name_node: Node, body: Node, line: int) -> None:
        """A second definition of a defined name (in prose): both stand, as alternatives."""
        d = self._defined_again(name_node)
        if d is not None and not d.params and not d.index_params:
            body = as_declared(d.name, body, self.env)
        if d is None or d.body == body:
            return
        self.env.alternatives.setdefault(d.name, [d]).append(Definition(d.name, body, line, d.params, d.index_params))

    def _alternatives_used(self, left: Node | None, right: Node | None) -> list[str]:
        """The names of the step that the file defines more than once (alternatives)."""
        named = (names_in(left) if left is not None else set()) | (names_in(right) if right is not None else set())
        return sorted(name for name in named if name in self.env.alternatives)

    def _across_alternatives(
        self, decision: Decision, names: list[str], setting: Setting, left: Node, right: Node, seed: str
    ) -> Decision:
        """The step under each definition of the names defined more than once (g = tanh, g = σ, g = ReLU): it
        holds under all (the first reading's verdict), or under some only or none — unchecked, naming the lines
        (which one it means, nothing says; and a name defined twice may be one the file's notation is misread in)."""
        holds, fails = [], []
        for name in names:
            for d in self.env.alternatives[name]:
                envs = []
                for env in setting.envs:
                    alt = env.copy()
                    alt.definitions[name] = d
                    envs.append(alt)
                alt_setting = Setting(envs, setting.cases, setting.unreadable, setting.sizes, setting.labels)
                found = decide_all(alt_setting, self.symbols, left, right, cases=setting.cases, seconds=self.seconds,
                                   seed=f"{seed}:alt{d.line}")  # fmt: skip
                (holds if found.holds else fails).append((d, found))
        if not fails:
            return decision
        if not holds:  # false with each: but a name defined more than once is a reading in doubt, not a verdict
            lines = ", ".join(str(d.line) for d, _ in fails)
            return Decision(Verdict.UNCHECKED, reason=f"uses {', '.join(names)}, defined more than once (lines "
                            f"{lines}), and false with each definition: {fails[0][1].reason}")  # fmt: skip
        yes = ", ".join(str(d.line) for d, _ in holds)
        no = ", ".join(str(d.line) for d, _ in fails)
        return Decision(Verdict.UNCHECKED, reason=f"uses {', '.join(names)}, defined more than once: the step holds "
                        f"with the definition on line {yes}, not with the one on line {no} — which one it means, "
                        "the file does not say")  # fmt: skip

    def _applied_anew(self, node: Node | None) -> Definition | None:
        """The function definition ``node`` (a row's first side) applies to other plain names than its own
        parameters, on the row's own line: H(Y, S) after H(y, s) = …."""
        if not (isinstance(node, Call) and node.args and all(isinstance(a, Sym) for a in node.args)):
            return None
        d = self.env.definitions.get(node.func.name)
        if d is None or not d.params or d.params == tuple(a.name for a in node.args):
            return None
        return d

    def _depended_on(self) -> set[str]:
        """The names the definitions in force are built on (y = σ(x): x), their own parameters aside."""
        out: set[str] = set()
        for d in self.env.definitions.values():
            out |= names_in(d.body) - set(d.params) - set(d.index_params)
        return out

    def _cases(self) -> tuple[Rel, ...]:
        return (self.case,) if self.case is not None else ()

    def _row(self, parsed: ParsedRow) -> None:
        """One row; a row that starts with ∵ (a fact the chain uses) is checked on its own, and the chain goes on
        from the row before it."""
        if not BECAUSE.match(parsed.row.text):
            self._row_in_chain(parsed)
            return
        before = self.prev
        self._because = True
        try:
            self._row_in_chain(parsed)
        finally:
            self._because = False
        self.prev = before if before is not None else self.prev

    def _row_in_chain(self, parsed: ParsedRow) -> None:
        row = parsed.row
        if parsed.definition is not None:  # "where s = σ(x)": in force from this row on
            target = definable(parsed.definition[0], self.env)
            if target is not None:
                self.known.define(target, parsed.definition[1], row.line)
            else:  # \underbrace{a - y}_{=:\delta} with δ defined: a second definition
                self._another_definition(parsed.definition[0], parsed.definition[1], row.line)
        text = row.text
        if parsed.declaration:  # W \in \mathbb{R}^{m \times n}: learned in the prescan; the chain goes on
            self._add(row, text, Verdict.DEFINITION, reason=parsed.declaration)
            return
        if text.rstrip().endswith("?"):
            self._add(row, text, Verdict.UNCHECKED, reason="a question, not a claim: nothing to check")
            self.prev = Link(parsed.question, row.line, text) if parsed.question is not None else None
            return
        if parsed.error is not None or parsed.chain is None:
            exc = parsed.error
            reason = f"cannot read column {exc.pos + 1}: {exc}" if exc else "cannot read the row"
            self._add(row, text, Verdict.UNCHECKED, reason=reason, unreadable=True)
            self._unreadable(row)
            return
        if not parsed.chain:
            return
        chain = [(rel, node) for rel, node, _ in parsed.chain]
        texts = [t for _, _, t in parsed.chain]
        if any(isinstance(n, Cases) for _, n in chain for n in walk(n)):
            self._end_cases()
        first_rel, first = chain[0]
        self._row_chain = chain
        # a row that starts with ∴ or ⇒ is a claim, never a definition (one that starts with ∵ may define)
        self._claim = first_rel == "=>" and not self._because
        # A claim after a case analysis (two cases or more) is stated for all indices: introduced by a sentence
        # that combines the cases ("putting the two cases together"), the analysis is over; else it is checked
        # both ways (_link), and where the two readings disagree it is unchecked.
        self._conclusion = self._claim and self.case is not None and self.cases_opened >= 2 and not row.condition
        if self._conclusion and self.prose_since_row:
            self._end_cases()
            self._conclusion = False
        self.prose_since_row = False
        self._continuing = first_rel not in ("", "=>")  # the row continues the chain before it ("= …")
        if first_rel in ("", "=>"):  # a new chain, or a claim (∴, ⇒) checked on its own
            if len(chain) == 1:
                why = "states no relation: the rows after it continue from it"
                if first_rel:
                    why = "an implication with no equation to check"
                self._add(row, text, Verdict.UNCHECKED, reason=why)
                self.prev = Link(first, row.line, text)
                return
            left = Link(first, row.line, texts[0])
            rest = chain[1:]
        else:
            if self.prev is None:
                self._add(row, text, Verdict.UNCHECKED, reason="continues a chain, but no line before it to continue")
                self.prev = Link(first, row.line, text)
                return
            left = self.prev
            rest = chain
        offset = len(chain) - len(rest)
        ending = self._ending_definition(rest, left) if not self._claim else None
        lines = self._operand_lines(row, texts)
        for k, (rel, node) in enumerate(rest):
            right = Link(node, row.line, texts[offset + k])
            self._link_line = lines[offset + k]  # a row over several lines: each link on the line it starts
            latex = (
                text
                if len(chain) <= 2
                else f"{left.latex if left.line == row.line else ''} {REL_LATEX[rel]} {right.latex}"
            )
            introduced = self._introduced(rel, left, node) if self._because else None
            if ending is not None and k == len(rest) - 1:
                self._add(row, latex.strip(), Verdict.DEFINITION, reason=f"defines the name {ending}")
            elif introduced is not None:
                self._add(row, latex.strip(), Verdict.DEFINITION, reason=f"defines the name {introduced}")
            else:
                count = len(self.steps)
                self._link(parsed, left, rel, right, latex.strip())
                if not self._continuing and len(self.steps) > count:  # a relation of a row of its own, not "= …"
                    self._row_starts.add(id(self.steps[-1]))
            left = right
        self._link_line = 0
        self.prev = left

    def _operand_lines(self, row: Row, texts: list[str]) -> list[int]:
        """The file's line of the relation before each operand of a row — where ``&=`` ends a line and the right
        side starts the next, the line of ``&=`` — and of the first operand itself (the row's first line where
        it cannot be told)."""
        if row.start < 0 or "\n" not in self.doc.text[row.start : row.end]:
            return [row.line] * len(texts)
        out, cursor, after = [], 0, False  # after: the cursor is at the end of the operand before
        for k, text in enumerate(texts):
            pos = row.text.find(text, cursor) if text else -1
            if pos < 0:
                out.append(row.line)
                after = False
                continue
            relation = pos
            if k and after:
                relation = cursor + len(row.text[cursor:pos]) - len(row.text[cursor:pos].lstrip())
            cursor, after = pos + len(text), True
            out.append(self.doc.line_and_column(source_offset(self.doc, row, relation))[0])
        return out

    def _unreadable(self, row: Row) -> None:
        """After a row that could not be read: continue from the last expression that can be.

        A row that continues the chain (``= …``) is skipped: the next row is checked against the
        expression before it (equal to it if every link holds). Otherwise the row's last operand is
        read alone if it can be. A name the row seems to define is remembered, so that steps using it
        are not judged as if it were a free variable.
        """
        text = row.text
        note = f"line {row.line} could not be read"
        head = split_top(text, "=")
        if len(head) > 1 and head[0][0].strip():
            try:
                target = definable(parse_expression(head[0][0], self.notation), self.env)
            except ParseError:
                target = None
            if target is not None:
                self.env.unread[target[0]] = row.line
        if text.lstrip().startswith("=") and self.prev is not None and self.prev.node is not None:
            self.prev = Link(self.prev.node, self.prev.line, self.prev.latex, note=note)
            return
        try:
            last = parse_expression(head[-1][0], self.notation) if len(head) > 1 else None
        except ParseError:
            last = None
        skipped = False  # the next row is checked against an expression before the one it follows
        if last is None and len(head) > 1 and head[0][0].strip():
            try:  # a = b with b unreadable: the chain continues from a, as if the unreadable link held
                last, head, skipped = parse_expression(head[0][0], self.notation), head[:1], True
            except ParseError:
                last = None
        if last is not None:  # the row's own last operand read: the next row's step is its own, no note
            self.prev = Link(last, row.line, head[-1][0].strip(), note=note if skipped else "")
        else:
            self.prev = Link(None, row.line, text, error="the line before could not be read")

    def _meets(self, rel: Rel | None, decision: Decision, setting: Setting) -> bool:
        """Whether the condition ``rel`` (one the checker could not put in force) holds exactly at the decision's
        counterexample: both sides rational numbers there (y(wx + b) < 1 at w, x, b, y the point's values)."""
        ce = decision.counterexample
        if rel is None or ce is None or not ce.point or rel.op not in _ORDER:
            return False
        # the environment the counterexample is from: the only one, or the alternative its reason names (y = −1)
        chosen = [
            env for env, label in zip(setting.envs, setting.labels) if decision.reason.startswith(f"with {label}:")
        ]
        envs = setting.envs if len(setting.envs) == 1 else chosen
        if len(envs) != 1:
            return False
        ctx = Context(envs[0], self.symbols, ce.n or 3, dict(ce.indices))
        try:
            sides = [evaluate(rel.lhs, ctx), evaluate(rel.rhs, ctx)]
        except (Unsupported, MissingIndex, OutOfRange, ShapeMismatch, RecursionError):
            return False
        values = []
        for side in sides:
            if is_matrix(side):
                return False
            at = {}
            for sym in side.free_symbols:
                said = ce.point.get(self.symbols.latex.get(sym, ""))
                if said is None:
                    return False
                at[sym] = sp.Rational(said.numerator, said.denominator)
            value = side.subs(at)
            if not value.is_Rational:
                return False
            values.append(value)
        return bool(_ORDER[rel.op](values[0], values[1]))

    def _step_condition(self, parsed: ParsedRow) -> Setting:
        """The step's own condition put in force (``\\quad \\text{if } i = k``, ``\\text{for } x > 0``, ``i = j``).

        An index relation joins the cases; Σ_i t_i = 1 makes t a probability vector; a bound on a
        variable (x > 0, x ≤ 1) restricts where it is sampled; a name equal to a number (y = 1) is that
        number; ``y \\in \\{0, 1\\}`` is checked at each value; ``n = 2`` fixes the size; ``x \\in \\mathbb{R}``
        restricts nothing. Any other condition is kept as text: a counterexample outside a condition
        the checker could not put in force is no counterexample of the step.
        """
        base = Setting([self.env], self._cases())
        rel, text = parsed.condition, parsed.condition_text
        if not text:
            return base
        hot = ONE_HOT_CONDITION.match(text)
        if hot:
            env = self.env.copy()
            self.known.one_hot(hot.group("name"), env)
            return Setting([env], self._cases())
        member = IN_SET.match(text)
        if member:
            return self._membership(base, member.group(1), member.group(2), text)
        if REALS.match(text):
            return base
        if rel is None:
            regions = bounds(text, self.notation, self.env)
            if regions is None:
                return Setting([self.env], self._cases(), text)
            env = self.env.copy()
            env.regions.update(regions)
            return Setting([env], self._cases())
        lhs, rhs = rel.lhs, rel.rhs
        names = [getattr(x, "name", None) for x in (lhs, rhs)]
        if all(n in self.env.index_letters for n in names):
            return Setting([self.env], (*self._cases(), rel))
        if (
            rel.op == "="
            and isinstance(lhs, Sum)
            and isinstance(lhs.body, Index)
            and isinstance(lhs.body.base, Sym)
            and lhs.body.indices == (Sym(lhs.var),)
            and rhs == Num(Fraction(1))
        ):
            env = self.env.copy()
            env.probability.add(lhs.body.base.name)
            env.families.discard(lhs.body.base.name)
            return Setting([env], self._cases())
        bound = number_bound(rel.op, rel.lhs, rel.rhs, equal=True)
        if bound is not None:
            name, op, value = bound
            if name in self.env.sizes and op == "=" and value.denominator == 1 and value >= 1:
                return Setting([self.env], self._cases(), sizes=(int(value),))
            if name in self.env.index_letters or name in self.env.definitions:
                return Setting([self.env], self._cases(), text)
            env = self.env.copy()
            if op == "=":
                env.definitions[name] = Definition(name, _number(value), parsed.row.line)
            else:
                env.regions[name] = region_of(op, value)
            return Setting([env], self._cases())
        return Setting([self.env], self._cases(), text)

    def _membership(self, base: Setting, name_text: str, values_text: str, text: str) -> Setting:
        """``y \\in \\{0, 1\\}``: the step at each value of the set."""
        try:
            node = parse_expression(name_text, self.notation)
            values = [parse_expression(v, self.notation) for v in values_text.split(",")]
        except ParseError:
            return Setting(base.envs, base.cases, text)
        numbers = [constant_value(v) for v in values]
        if not isinstance(node, Sym) or node.name in self.env.index_letters or None in numbers:
            return Setting(base.envs, base.cases, text)
        envs, labels = _each_value([self.env], [""], node.name, numbers, name_text.strip())  # type: ignore[arg-type]
        return Setting(envs, base.cases, labels=labels)

    def _introduced(self, rel: str, left: Link, node: Node) -> str | None:
        """``∵ σ(z_i) = P_i = …``: in a row of facts (∵), a name met here first
        names what stands before it. The name, now defined, or None."""
        if rel != "=" or left.node is None or not isinstance(node, (Sym, Index)):
            return None
        target = definable(node, self.env)
        if target is None or mentions(left.node, target[0]) or target[0] in self._depended_on():
            return None
        if any(mentions(step_node, target[0]) for step_node in self._earlier_nodes()):
            return None
        self.known.define(target, left.node, left.line)
        return target[0]

    def _earlier_nodes(self) -> list[Node]:
        """The expressions of the chains so far (what a name met for the first time must not be in)."""
        return [link.node for segment in self.segments for link in segment.exprs if link.node is not None]

    def _ending_definition(self, rest: list[tuple[str, Node]], first: Link) -> str | None:
        """``∂z/∂w = ∂/∂w (w u + b) = u = x``, ``\frac{d}{dx} x^2 = u = 2x``: a chain ending in ``name = …`` for a
        name nothing defines — the row says what the name is, and its earlier links are read with it; also
        ``Log-Odds = \\ln(P/(1 - P)) = z``, ending in a new name the row does not use before. The name, now
        defined, or None."""
        if len(rest) < 2 or rest[-1][0] != "=":
            return None
        name_node, body = rest[-2][1], rest[-1][1]
        target = definable(name_node, self.env) if isinstance(name_node, Sym) else None
        earlier = [first.node, *(node for _, node in rest[:-1])]
        if target is None and isinstance(body, Sym) and name_node is not None and names_in(name_node):
            # Log-Odds = ln(P/(1 − P)) = z: z names what the row ends with (never a number: … = a^0 = x)
            target = definable(body, self.env)
            name_node, body = body, name_node
            if target is not None and any(node is not None and mentions(node, target[0]) for node in earlier):
                return None
        if target is None or mentions(body, target[0]):
            return None
        if target[0] in self._depended_on() and self._would_cycle(target[0], body):
            return None
        self.known.define(target, body, first.line)
        return target[0]

    def _at_a_generic_layer(self, name: str) -> bool:
        """``name`` is a layer-tagged name (δ^{l+1}) whose family the file defined at a layer below (δ^l): the
        generic definition holds there too (`at_layers`), so ``name = …`` restates it."""
        letters = self.env.layer_letters
        found = layer_of(name, letters)
        if found is None:
            return False
        family, letter, offset = found
        for defined in self.env.definitions:
            other = layer_of(defined, letters)
            if other is not None and other[:2] == (family, letter) and other[2] < offset:
                return True
        return False

    def _contradicts_declaration(self, parsed: ParsedRow, target: Target, left: Link, right: Link) -> bool:
        """``x = (x_1, …, x_{n−1})`` for a declared x: its own entries, written out, false as a claim about the
        declared x or of another shape; a definition that agrees with the declaration stays one."""
        name = target[0]
        found = self.env.shape_of(name)
        if target[1] or target[2] or found is None or not found[1] or right.node is None or left.node is None:
            return False
        base = entry_base(name)
        own = any(isinstance(n, Index) and isinstance(n.base, Sym) and n.base.name == base for n in walk(right.node))
        if not own:
            return False
        setting = _at_each_value(self._step_condition(parsed), [left.node, right.node])
        seed = f"{self.doc.path}:{parsed.row.line}:{parsed.row.row}:declared"
        trial = decide_all(setting, self.symbols, left.node, right.node, cases=setting.cases, seconds=self.seconds,
                           seed=seed)  # fmt: skip
        return trial.verdict is Verdict.WRONG or (trial.verdict is Verdict.UNCHECKED and trial.method == "shapes")

    def _link(self, parsed: ParsedRow, left: Link, rel: str, right: Link, latex: str) -> None:
        row = parsed.row
        if rel not in ("=", "=>", "~"):
            self._add(
                row, latex, Verdict.UNCHECKED, reason=f"the relation '{rel}' is not checked (only equalities are)"
            )
            return
        if left.node is None:
            self._add(row, latex, Verdict.UNCHECKED, reason=left.error or "the line before could not be read")
            return
        target = definable(left.node, self.env) if left.line == row.line and not self._claim else None
        if target is not None and mentions(right.node, target[0]):
            target = None  # x = x + 0 defines nothing: it is a claim about x
        if target is not None and self._at_a_generic_layer(target[0]):
            target = None  # δ^{l+1}_k = … after δ^l_j = …: the generic layer's name at layer l + 1, a claim
        if target is not None and target[0] in self._depended_on() and self._would_cycle(target[0], right.node):
            # y = σ(x), then x = log((1 − y)/y): defining x by y, which is built on x, would go round in a circle —
            # a claim about x. (C = ½(a − y)², then a = σ(z): a definition given after its use.)
            target = None
        again = self._defined_again(left.node) if left.line == row.line and not self._claim else None
        if target is not None and rel == "=" and self._contradicts_declaration(parsed, target, left, right):
            target = None  # x ∈ ℝ^n, then x = (x_1, …, x_{n−1}): not what x was declared to be — a claim, and false
        if target is not None and rel == "=":
            self.known.define(target, right.node, row.line)
            kind = "function" if target[1] else "name"
            self._add(row, latex, Verdict.DEFINITION, reason=f"defines the {kind} {target[0]}")
            return
        self.known.learn_letters(left.node)
        self.known.learn_letters(right.node)
        seed = f"{self.doc.path}:{row.line}:{row.row}:{right.latex}"
        setting = _at_each_value(self._step_condition(parsed), [left.node, right.node])
        cases, condition = setting.cases, setting.unreadable
        returns = None
        if self.pending_wrong is not None:
            wrong_step, before = self.pending_wrong
            self.pending_wrong = None
            if before.node is not None and left.line == wrong_step.line and left.node is not None:
                back = decide_all(
                    setting,
                    self.symbols,
                    before.node,
                    right.node,
                    cases=cases,
                    seconds=self.seconds,
                    seed=seed + ":back",
                )
                if back.holds:
                    wrong_step.returns_to_line = before.line
                    returns = (back, before)
        if returns is not None:
            decision, before = returns
            reason = f"checked against line {before.line}, since line {left.line} is wrong"
            decision.reason = f"{reason}; {decision.reason}" if decision.reason else reason
        else:
            decision = decide_all(
                setting, self.symbols, left.node, right.node, cases=cases, seconds=self.seconds, seed=seed
            )
            if left.note and left.line != row.line:
                # A = B = C with B unreadable: A = C says nothing of B = C alone (B and C both false, A = C true;
                # or B false and B = C true) — the chain is checked, not the row
                found = "holds" if decision.holds else "fails" if decision.verdict is Verdict.WRONG else "is undecided"
                reason = (f"checked against line {left.line}, the last expression that could be read "
                          f"({left.note}): from there to here the chain {found}, but this row's own step from the "
                          "row before is not checked")  # fmt: skip
                said = f"{reason}; {decision.reason}" if decision.reason else reason
                decision = dataclasses.replace(decision, verdict=Verdict.UNCHECKED, method="", reason=said)
        decision = rounded_value(decision, left.node, right.node, approx=rel == "~")
        if self._conclusion and decision.holds:
            general = decide_all(
                setting, self.symbols, left.node, right.node, cases=(), seconds=self.seconds, seed=seed + ":all"
            )
            if general.verdict is Verdict.WRONG:
                decision = Decision(Verdict.UNCHECKED, reason=f"holds in the case {self.case_text}, but as a "
                                    f"conclusion for every index it fails ({general.reason}) — which is meant? "
                                    "(introduce a conclusion with a sentence, or give it its condition)")  # fmt: skip
        if decision.verdict is Verdict.WRONG and condition and self._meets(parsed.condition, decision, setting):
            # the counterexample the check found lies inside the condition (y(wx + b) < 1 holds there): a
            # counterexample of the step as stated
            decision = dataclasses.replace(decision, reason=f"{decision.reason} (where {condition} holds)")
        elif decision.verdict is Verdict.WRONG and condition:
            # The step claims to hold only under a condition the checker could not put in force: a
            # counterexample outside that condition proves nothing against the step.
            decision = Decision(Verdict.UNCHECKED, reason=f"holds only if {condition}, a condition the checker "
                                f"cannot use (counterexample without it: {decision.reason})")  # fmt: skip
        if decision.verdict is Verdict.WRONG and self.solving and not self._continuing:
            # "we solve for P": ln(P/(1 − P)) = z, then P/(1 − P) = e^z … are equations, not identities
            decision = Decision(Verdict.UNCHECKED, reason="an equation being solved (the text says so), not an "
                                f"identity: its rows are not checked as identities — {decision.reason}")  # fmt: skip
        if decision.verdict is Verdict.WRONG and LET.match(row.text) and not self._continuing:
            # \text{Let } f(x_i) = …: the author's words make it a definition, in a form the checker cannot take
            decision = Decision(Verdict.UNCHECKED, reason="a definition by the text's own words ('Let …'), in a form "
                                f"the checker does not take as one — as an identity: {decision.reason}")  # fmt: skip
        alone = not self._continuing and len(self._row_chain) == 2  # the row is NAME = … and nothing more
        # δ^l_j = ∂C/∂z^l_j names a derivative: a row δ^l_j = … after it says what that derivative is, a claim
        redefinable = again is not None and (again.params or again.index_params or alone)
        redefinable = redefinable and not isinstance(again.body, Deriv)
        redefinable = redefinable and again.name not in names_in(right.node)  # SiLU(x) = x − SiLU(−x): an identity
        if decision.verdict is Verdict.WRONG and again is not None and target is None and redefinable:
            # g_i(x) = tanh(x) after g_i(x) = σ(x), a = tanh(z) after a = σ(z): alternatives, or a false restatement?
            why = f"restates {again.name} in the form it was defined in on line {again.line}, and disagrees"
            decision = Decision(Verdict.UNCHECKED, reason=f"{why}: a second definition (an alternative?) or a "
                                f"wrong restatement — {decision.reason}")  # fmt: skip
            self.env.alternatives.setdefault(again.name, [again]).append(
                Definition(again.name, right.node, row.line, again.params, again.index_params)
            )
        elif (named_alternatives := self._alternatives_used(left.node, right.node)) and not (
            again is not None and again.name in named_alternatives
        ):
            decision = self._across_alternatives(decision, named_alternatives, setting, left.node, right.node, seed)
        elif decision.verdict is Verdict.WRONG and (other := self._applied_anew(left.node)) is not None:
            # H(Y, S) = … after H(y, s) = …: H applied to new names — or a second definition (the batch form)?
            decision = Decision(Verdict.UNCHECKED, reason=f"{other.name} is defined on line {other.line} with "
                                f"({', '.join(other.params)}); applied to other names here it disagrees: a new "
                                f"definition of {other.name} (give it a name of its own) or a wrong step? — "
                                f"{decision.reason}")  # fmt: skip
        step = self._add(row, latex, decision.verdict, decision=decision)
        if decision.verdict is Verdict.WRONG:
            self.pending_wrong = (step, left)
        last = self.segments[-1] if self.segments else None
        if returns is not None and last is not None and last.exprs[-1] is left and len(last.exprs) >= 2:
            last.exprs.pop()  # the wrong line: the chain continues from the line before it
            last.verdicts.pop()
            last.skipped.append(left.line)
        if last is not None and last.exprs[-1] in (left, returns and returns[1]) and last.cases == self._cases():
            last.exprs.append(right)
            last.verdicts.append(decision.verdict)
            last.env = self.env.copy()
        else:
            self.segments.append(Segment([left, right], [decision.verdict], self._cases(), self.env.copy()))

    def _add(
        self,
        row: Row,
        latex: str,
        verdict: Verdict,
        *,
        decision: Decision | None = None,
        reason: str = "",
        unreadable: bool = False,
    ) -> Step:
        step = Step(
            line=self._link_line or row.line,
            latex=latex,
            verdict=verdict,
            method=decision.method if decision else "",
            reason=decision.reason if decision else reason,
            counterexample=decision.counterexample if decision else None,
            justification=row.justification,
            justification_latex=row.justification_latex,
            case=self.case_text,
            row=row.row,
            display=row.display,
            unreadable=unreadable,
        )
        self.steps.append(step)
        if verdict is not Verdict.WRONG and self.pending_wrong is not None and self.pending_wrong[0] is not step:
            if verdict is not Verdict.DEFINITION:
                self.pending_wrong = None
        return step


#: At most this many alternatives from the values said in prose (y ∈ {0, 1}, t ∈ {0, 1}: four).
MAX_ALTERNATIVES = 8


def _at_each_value(setting: Setting, nodes: list[Node | None]) -> Setting:
    """The step at each value of each name said to take a few (``let $y \\in \\{0, 1\\}$``) that it uses, directly
    or through a definition, and that its own condition leaves free: only the values inside a bound the condition
    puts on it (``\\quad y > 0``). Past `MAX_ALTERNATIVES` alternatives, the names left are free, so a counterexample
    is no counterexample of the step (the condition kept as one the checker cannot use)."""
    if not any(env.value_sets for env in setting.envs) or setting.labels:
        return setting
    env = setting.envs[0]
    used = _used_names([n for n in nodes if n is not None], env)
    names = [name for name in env.value_sets if name in used and name not in env.definitions]
    if not names:
        return setting
    envs, labels, unused = [env], [""], ""
    for name in names:
        region = env.regions.get(name)
        values = [v for v in env.value_sets[name] if region is None or region.contains(v)]
        if not values:
            return Setting(setting.envs, setting.cases, f"{name} takes none of its values here", setting.sizes)
        if len(envs) * len(values) > MAX_ALTERNATIVES:
            unused = f"{name} takes only the values said in the text"
            continue
        envs, labels = _each_value(envs, labels, name, values, name)
    return Setting(envs, setting.cases, setting.unreadable or unused, setting.sizes, labels)


def _each_value(
    envs: list[Environment], labels: list[str], name: str, values: list[Fraction], written: str
) -> tuple[list[Environment], list[str]]:
    """Each environment once per value, ``name`` fixed to it (y ∈ {0, 1}: y = 0, y = 1), each with its label."""
    out: list[Environment] = []
    said: list[str] = []
    for env, label in zip(envs, labels):
        for value in values:
            fixed = env.copy()
            fixed.definitions[name] = Definition(name, _number(value), 0)
            out.append(fixed)
            said.append(f"{label}, {written} = {format_point(value)}".lstrip(", "))
    return out, said


def _used_names(nodes: list[Node], env: Environment) -> set[str]:
    """The names the nodes use, and those the definitions they use use, and so on."""
    seen: set[str] = set()
    todo = [name for node in nodes for name in names_in(node)]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        d = env.definitions.get(name)
        if d is not None:
            todo.extend(names_in(d.body))
    return seen


#: The relations a condition may state, as Python's comparisons.
_ORDER = {"<": operator.lt, ">": operator.gt, "<=": operator.le, ">=": operator.ge, "=": operator.eq, "!=": operator.ne}


def heading_level(text: str) -> int:
    """The level of a heading: 1 for ``#`` (or ``\\section``), 2 for ``##`` (``\\subsection``), …; 6 for a
    ``\\paragraph`` or a bracketed label."""
    m = re.match(r"\s*(#{1,6})\s", text)
    if m:
        return len(m.group(1))
    m = re.match(r"\s*\\((?:sub)*)section", text)
    if m:
        return 1 + len(m.group(1)) // 3
    return 6


def names_in(node: Node) -> set[str]:
    """The names ``node`` uses: plain and indexed names, functions applied."""
    out: set[str] = set()
    for n in walk(node):
        if isinstance(n, Sym):
            out.add(n.name)
        elif isinstance(n, Call):
            out.add(n.func.name)
    return out


def mentions(node: Node, name: str) -> bool:
    """Whether ``node`` uses ``name`` other than through literal entries (``x = (x_1, x_2)`` does not)."""
    for n in walk(node):
        if isinstance(n, Index) and isinstance(n.base, Sym) and n.base.name == name:
            if not all(isinstance(i, Num) for i in n.indices):
                return True
        elif isinstance(n, Sym) and n.name == name:
            parents = [p for p in walk(node) if isinstance(p, Index) and p.base is n]
            if not parents:
                return True
        elif isinstance(n, Call) and n.func.name == name:
            return True
    return False


def _number(value: Fraction) -> Node:
    return Num(value) if value >= 0 else Neg(Num(-value))
