"""A derivation file as a chain of steps, each with its verdict.

Rules (docs/derivation-files.md): a row ``a = b = c`` links a to b and b to c; a row that starts
with ``=`` continues from the last expression of the row before; one that starts with ``\\therefore``
or ``\\Rightarrow`` is a claim checked on its own. ``name = …`` for a name not yet defined (``h^o``,
``CE(y, \\hat{y})``, ``\\nabla W^o``) is a definition, learned for the rest of the file. A case line
puts its index relation in force until the next case, a heading, or a ``cases`` display; the first
row of each case continues from where the first case began. When a step is wrong and the next row
equals the row before the wrong one, the next row is checked against that earlier row and the wrong
step records it as ``returns_to_line``: the fault is that one line.
"""

from __future__ import annotations

import itertools
import re
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from fractions import Fraction
from pathlib import Path

from derivations.decide import Decision, decide, rounded_value
from derivations.document import Document, Event, Row, read_document
from derivations.errors import InputError
from derivations.latex_input import (
    Call,
    Cases,
    Deriv,
    Index,
    Node,
    Notation,
    Num,
    ParseError,
    Rel,
    Sum,
    Sym,
    parse_expression,
    parse_relation_chain,
    parse_relation_spans,
)
from derivations.semantics import (
    BUILTIN_FUNCTIONS,
    RESERVED,
    Context,
    Definition,
    Environment,
    MissingIndex,
    SymbolTable,
    Unsupported,
    condition_holds,
    subscript_letters,
    sum_bounds,
    walk,
)

_REL = {"=": "=", "~": "\\approx", "=>": "\\Rightarrow", "!=": "\\neq", "<": "<", ">": ">", "<=": "\\le", ">=": "\\ge"}
VERDICTS = ("proved", "numeric", "wrong", "unchecked", "definition")


@dataclass
class Step:
    """One checked relation of the file."""

    line: int
    latex: str
    verdict: str
    method: str = ""
    reason: str = ""
    counterexample: dict | None = None
    returns_to_line: int | None = None
    justification: str = ""
    case: str = ""
    row: int = 1
    display: int = 0
    justification_latex: str = ""

    def to_json(self) -> dict:
        return asdict(self)


@dataclass
class Derivation:
    """The steps of one file, in order, with a count per verdict."""

    file: str
    title: str
    steps: list[Step] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def summary(self) -> dict[str, int]:
        counts = Counter(s.verdict for s in self.steps)
        return {v: counts.get(v, 0) for v in VERDICTS}

    @property
    def wrong(self) -> list[Step]:
        return [s for s in self.steps if s.verdict == "wrong"]

    def _repr_latex_(self) -> str:
        """Jupyter: every step with its verdict, the same ``align*`` as the report."""
        from derivations.report.latex import MATHJAX_MARK, derivation_align

        return "$$" + derivation_align(self, marks=MATHJAX_MARK, fit=False) + "$$"

    def to_json(self) -> dict:
        return {
            "file": self.file,
            "title": self.title,
            "steps": [s.to_json() for s in self.steps],
            "summary": self.summary,
        }


@dataclass
class Against:
    """Does the file prove an identity of the registry? Per equation: the lines that do, or why not."""

    identity: str
    equations: list[dict] = field(default_factory=list)

    @property
    def verdict(self) -> str:
        if any(not e["lines"] or e["wrong_lines"] for e in self.equations):
            return "not proved"
        if any(e["numeric"] for e in self.equations):
            return "numeric"
        return "proved"

    def to_json(self) -> dict:
        return {"identity": self.identity, "verdict": self.verdict, "equations": self.equations}


@dataclass
class _Segment:
    """Consecutive linked expressions, the verdicts of the links, and the setting they were checked in."""

    exprs: list[_Link]
    verdicts: list[str]
    cases: tuple[Rel, ...]
    env: Environment
    skipped: list[int] = field(default_factory=list)  # wrong lines the chain returned past


@dataclass
class _Link:
    """An expression a later row may continue from."""

    node: Node | None
    line: int
    latex: str
    error: str = ""


#: ``f(u) = …``, ``CE(y, \hat{y}) = …``: a name applied to plain names, then '=' — a function being defined.
FUNCTION_DEFINITION = re.compile(
    r"^\s*([A-Za-z]|[A-Z]{2,})\s*\(\s*((?:\\?[A-Za-z]+|\\hat\{[A-Za-z]\})(?:\s*,\s*(?:\\?[A-Za-z]+|\\hat\{[A-Za-z]\}))*)\s*\)\s*="
)
ONE_HOT = re.compile(r"^\s*(.+?)\s*\\text\{\s*(?:is\s+)?one-hot at\s*\}\s*([a-z])\s*$")
PROBABILITY = re.compile(r"^\s*(.+?)\s*\\text\{\s*(?:is\s+)?(?:a\s+)?probability vector\s*\}\s*$")
ALIAS = re.compile(r"^\s*(.+?)\s*\\equiv\s*(.+?)\s*$")
DOMAIN = re.compile(r"^\s*(.+?)\s*\\in\s*\[\s*(-?[\d.]+)\s*,\s*(-?[\d.]+)\s*\]\s*$")
CONDITION = re.compile(r"^\s*\(?\s*\\text\{\s*(if|when|for|given|assuming|provided)\b[^}]*\}\s*(.+?)\)?\s*$")
INDEX_RANGE = re.compile(r"^\s*([a-z](?:\s*,\s*[a-z])*)\s*\\text\{\s*(?:are\s+|is\s+an?\s+)?ind(ex|ices)\s*\}\s*$")


def definable(node: Node, env: Environment) -> tuple[str, tuple[str, ...], tuple[str, ...]] | None:
    """(name, params, index params) if ``node = …`` would define a new name here, else None."""
    if isinstance(node, Sym):
        name = node.name
        if name in env.definitions or name in RESERVED or name in env.index_letters:
            return None
        return name, (), ()
    if isinstance(node, Call) and node.func.primes == 0 and node.func.power is None:
        name = node.func.name
        if name in BUILTIN_FUNCTIONS or name in env.definitions:
            return None
        if all(isinstance(a, Sym) for a in node.args):
            return name, tuple(a.name for a in node.args), ()
    if isinstance(node, Index) and isinstance(node.base, Sym):
        name = node.base.name
        if name in env.definitions or name in env.one_hot:
            return None
        if all(isinstance(i, Sym) and re.fullmatch(r"[a-z]", i.name) for i in node.indices):
            return name, (), tuple(i.name for i in node.indices)
    return None


class Checker:
    """Walks a document's rows and events, keeping the environment, the chain and the case in force."""

    def __init__(self, doc: Document, *, seconds: float = 5.0, progress: Callable[[str], None] | None = None) -> None:
        self.doc = doc
        self.seconds = seconds
        self.progress = progress or (lambda text: None)
        self.env = Environment()
        self.symbols = SymbolTable()
        self.notation = Notation(tags={"o", *doc.front.tags})
        self.steps: list[Step] = []
        self.prev: _Link | None = None
        self.case: Rel | None = None
        self.case_text = ""
        self.fork: _Link | None = None
        self.pending_wrong: tuple[Step, _Link] | None = None
        self.segments: list[_Segment] = []

    # -- set-up
    def learn_front_matter(self) -> None:
        for line, text in self.doc.front.assume:
            self._assume(line, text)

    def _assume(self, line: int, text: str) -> None:
        where = f"{self.doc.path}:{line}"
        m = ALIAS.match(text)
        if m:
            self.notation.aliases[m.group(1).strip()] = m.group(2).strip()
            return
        m = ONE_HOT.match(text)
        if m:
            self.env.one_hot[self._name_of(m.group(1), where)] = m.group(2)
            self.env.index_letters.add(m.group(2))
            return
        m = PROBABILITY.match(text)
        if m:
            self.env.probability.add(self._name_of(m.group(1), where))
            return
        m = DOMAIN.match(text)
        if m:
            from fractions import Fraction

            self.env.domains[self._name_of(m.group(1), where)] = (Fraction(m.group(2)), Fraction(m.group(3)))
            return
        m = INDEX_RANGE.match(text)
        if m:
            self.env.index_letters.update(x.strip() for x in m.group(1).split(","))
            return
        try:
            chain = parse_relation_chain(text, self.notation)
        except ParseError as exc:
            raise InputError(
                f"{where}: front matter: {exc} (expected NAME = …, "
                "'y \\text{ one-hot at } k', 'x \\in [a, b]' or 'A \\equiv B')"
            ) from None
        if len(chain) != 2 or chain[1][0] != "=":
            raise InputError(f"{where}: front matter: expected one definition 'NAME = …'")
        target = definable(chain[0][1], self.env)
        if target is None:
            raise InputError(f"{where}: front matter: '{text}' does not define a new name")
        self._define(target, chain[1][1], line)

    def _name_of(self, text: str, where: str) -> str:
        try:
            node = parse_expression(text, self.notation)
        except ParseError as exc:
            raise InputError(f"{where}: front matter: {exc}") from None
        if not isinstance(node, Sym):
            raise InputError(f"{where}: front matter: '{text}' is not a name")
        return node.name

    def _define(self, target: tuple[str, tuple[str, ...], tuple[str, ...]], body: Node, line: int) -> None:
        name, params, index_params = target
        self.env.definitions[name] = Definition(name, body, line, params, index_params)
        if params:
            self.notation.functions.add(name)
        self._learn_letters(body)

    def _learn_letters(self, node: Node) -> None:
        self.env.sizes |= sum_bounds(node)
        families, letters = subscript_letters(node)
        self.env.families |= {f for f in families if f not in self.env.definitions}
        self.env.index_letters |= letters

    def prescan(self) -> None:
        """Index letters, vector families and function names used anywhere in the file."""
        for row in self.doc.rows:
            m = FUNCTION_DEFINITION.match(row.text)
            if m and m.group(1) not in ("e", "d"):
                self.notation.functions.add(m.group(1))
        for row in self.doc.rows:
            try:
                chain = parse_relation_chain(row.text, self.notation)
            except ParseError:
                continue
            for _, node in chain:
                self._learn_letters(node)
            if row.justification:
                self._justification_definition(row, learn=False)
        for case in (e for e in self.doc.items if isinstance(e, Event) and e.kind == "case"):
            try:
                chain = parse_relation_chain(case.text, self.notation)
            except ParseError:
                continue
            for _, node in chain:
                if isinstance(node, Sym) and re.fullmatch(r"[a-z]", node.name):
                    self.env.index_letters.add(node.name)
        self.env.index_letters -= self.env.sizes
        self.env.families -= self.env.index_letters | self.env.sizes

    # -- the walk
    def run(self) -> Derivation:
        start = time.perf_counter()
        self.learn_front_matter()
        self.prescan()
        for item in self.doc.items:
            if isinstance(item, Event):
                self._event(item)
            else:
                self.progress(f"line {item.line}")
                self._row(item)
        return Derivation(self.doc.path, self.doc.front.title, self.steps, time.perf_counter() - start)

    def _event(self, event: Event) -> None:
        if event.kind == "heading":
            self.case = None
            self.case_text = ""
            self.fork = None
            self.prev = None
            return
        try:
            chain = parse_relation_chain(event.text, self.notation)
            rel = Rel(chain[1][0], chain[0][1], chain[1][1])
        except (ParseError, IndexError):
            return
        if self.case is None:
            self.fork = self.prev
        else:
            self.prev = self.fork
        self.case = rel
        self.case_text = event.text

    def _cases(self) -> tuple[Rel, ...]:
        return (self.case,) if self.case is not None else ()

    def _row(self, row: Row) -> None:
        if row.justification:
            self._justification_definition(row, learn=True)
        text = row.text
        if text.rstrip().endswith("?"):
            self._add(row, text, "unchecked", reason="a question, not a claim: nothing to check")
            try:
                node = parse_expression(text.rstrip()[:-1], self.notation)
                self.prev = _Link(node, row.line, text)
            except ParseError:
                self.prev = None
            return
        try:
            spans = parse_relation_spans(text, self.notation)
        except ParseError as exc:
            self._add(row, text, "unchecked", reason=f"cannot read column {exc.pos + 1}: {exc}")
            self.prev = _Link(None, row.line, text, error="the line before could not be read")
            return
        if not spans:
            return
        chain = [(rel, node) for rel, node, _ in spans]
        texts = [t for _, _, t in spans]
        if any(isinstance(n, Cases) for _, n in chain for n in walk(n)):
            self.case = None
            self.case_text = ""
            self.fork = None
        first_rel, first = chain[0]
        if first_rel in ("", "=>"):  # a new chain, or a claim (∴, ⇒) checked on its own
            if len(chain) == 1:
                why = "states no relation: the rows after it continue from it"
                if first_rel:
                    why = "an implication with no equation to check"
                self._add(row, text, "unchecked", reason=why)
                self.prev = _Link(first, row.line, text)
                return
            left = _Link(first, row.line, texts[0])
            rest = chain[1:]
        else:
            if self.prev is None:
                self._add(row, text, "unchecked", reason="continues a chain, but no line before it to continue")
                self.prev = _Link(first, row.line, text)
                return
            left = self.prev
            rest = chain
        offset = len(chain) - len(rest)
        for k, (rel, node) in enumerate(rest):
            right = _Link(node, row.line, texts[offset + k])
            latex = (
                text if len(chain) <= 2 else f"{left.latex if left.line == row.line else ''} {_REL[rel]} {right.latex}"
            )
            self._link(row, left, rel, right, latex.strip())
            left = right
        self.prev = left

    def _step_condition(self, row: Row) -> tuple[Environment, tuple[Rel, ...], str]:
        """The step's own condition (``\\quad \\text{if } i = k``, ``\\text{if } \\sum_i t_i = 1``).

        An index relation joins the cases; Σ_i t_i = 1 makes t a probability vector for this step;
        any other condition is returned as text, so that a counterexample outside it is not 'wrong'.
        """
        m = CONDITION.match(row.justification_latex or "")
        if not m:
            return self.env, self._cases(), ""
        text = m.group(2).strip().rstrip(".,;")
        try:
            chain = parse_relation_chain(text, self.notation)
        except ParseError:
            return self.env, self._cases(), text
        if len(chain) != 2 or chain[1][0] not in ("=", "!=", "<", ">", "<=", ">="):
            return self.env, self._cases(), text
        lhs, rhs = chain[0][1], chain[1][1]
        rel = Rel(chain[1][0], lhs, rhs)
        names = [getattr(x, "name", None) for x in (lhs, rhs)]
        if all(n in self.env.index_letters for n in names):
            return self.env, (*self._cases(), rel), ""
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
            return env, self._cases(), ""
        return self.env, self._cases(), text

    def _justification_definition(self, row: Row, *, learn: bool) -> None:
        m = re.match(r"^\s*(?:where|let(?:'s say)?|with)\s+(.+)$", row.justification)
        if not m:
            return
        try:
            chain = parse_relation_chain(m.group(1), self.notation)
        except ParseError:
            return
        if len(chain) == 2 and chain[1][0] == "=":
            target = definable(chain[0][1], self.env)
            if target is not None and target[1]:
                if learn:
                    self._define(target, chain[1][1], row.line)
                else:
                    self.notation.functions.add(target[0])

    def _link(self, row: Row, left: _Link, rel: str, right: _Link, latex: str) -> None:
        if rel not in ("=", "=>", "~"):
            self._add(row, latex, "unchecked", reason=f"the relation '{rel}' is not checked (only equalities are)")
            return
        if left.node is None:
            self._add(row, latex, "unchecked", reason=left.error or "the line before could not be read")
            return
        target = definable(left.node, self.env) if left.line == row.line else None
        if target is not None and _mentions(right.node, target[0]):
            target = None  # x = x + 0 defines nothing: it is a claim about x
        if target is not None and rel == "=":
            self._define(target, right.node, row.line)
            kind = "function" if target[1] else "name"
            self._add(row, latex, "definition", reason=f"defines the {kind} {target[0]}")
            return
        self._learn_letters(left.node)
        self._learn_letters(right.node)
        seed = f"{self.doc.path}:{row.line}:{row.row}:{right.latex}"
        env, cases, condition = self._step_condition(row)
        returns = None
        if self.pending_wrong is not None:
            wrong_step, before = self.pending_wrong
            self.pending_wrong = None
            if before.node is not None and left.line == wrong_step.line and left.node is not None:
                back = decide(
                    env,
                    self.symbols,
                    before.node,
                    right.node,
                    cases=cases,
                    seconds=self.seconds,
                    seed=seed + ":back",
                )
                if back.verdict in ("proved", "numeric"):
                    wrong_step.returns_to_line = before.line
                    returns = (back, before)
        if returns is not None:
            decision, before = returns
            reason = f"checked against line {before.line}, since line {left.line} is wrong"
            decision.reason = f"{reason}; {decision.reason}" if decision.reason else reason
        else:
            decision = decide(env, self.symbols, left.node, right.node, cases=cases, seconds=self.seconds, seed=seed)
        decision = rounded_value(decision, left.node, right.node, approx=rel == "~")
        if decision.verdict == "wrong" and condition:
            # The step claims to hold only under a condition the checker could not put in force: a
            # counterexample outside that condition proves nothing against the step.
            decision = Decision("unchecked", reason=f"holds only if {condition}, a condition the checker cannot use "
                                f"(counterexample without it: {decision.reason})")  # fmt: skip
        step = self._add(row, latex, decision.verdict, decision=decision)
        if decision.verdict == "wrong":
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
            self.segments.append(_Segment([left, right], [decision.verdict], self._cases(), self.env.copy()))

    def _add(self, row: Row, latex: str, verdict: str, *, decision: Decision | None = None, reason: str = "") -> Step:
        step = Step(
            line=row.line,
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
        )
        self.steps.append(step)
        if verdict != "wrong" and self.pending_wrong is not None and self.pending_wrong[0] is not step:
            if verdict != "definition":
                self.pending_wrong = None
        return step

    def against(self, name: str, equations: tuple[str, ...]) -> Against:
        """For each equation L = R of an identity: chains of steps that all hold, from L to a closed form R.

        A chain proves L = R when it starts at an expression equal to L, every link holds, and its
        last expression equals R with no derivative left in it (the checker evaluates
        derivatives, so −(1/S_k)·∂S_k/∂θ_i "equals" the answer already: the derivation has proved
        nothing until it reaches a closed form). A lone statement ``L = R`` is not a derivation: a
        chain needs two links, unless it is a case of a case analysis. Chains under cases prove their
        case; together they prove the identity when their cases cover every index assignment
        (checked at n = 2…4), each case either starting at L or continuing a chain that did. A chain
        that holds only by stepping over a wrong line does not prove it; the wrong lines are named.
        """
        result = Against(name)
        for eq in equations:
            chain = parse_relation_chain(eq, self.notation)
            lhs, rhs = chain[0][1], chain[1][1]
            found: dict = {"equation": eq, "lines": None, "numeric": False, "wrong_lines": []}
            for start, end in ((lhs, rhs), (rhs, lhs)):
                proofs = self._proofs(start, end, eq)
                covered = self._covering(proofs)
                if covered:
                    found["lines"] = [min(p[1][0] for p in covered), max(p[1][1] for p in covered)]
                    found["numeric"] = any(p[2] for p in covered)
                    found["wrong_lines"] = sorted({w for p in covered for w in p[3]})
                    found["cases"] = [" and ".join(_case_text(c) for c in p[0]) for p in covered if p[0]]
                    break
            result.equations.append(found)
        return result

    def _holds(self, a: Node, b: Node, seg: _Segment, seed: str) -> str | None:
        d = decide(seg.env, self.symbols, a, b, cases=seg.cases, seconds=self.seconds, seed=seed)
        return d.verdict if d.verdict in ("proved", "numeric") else None

    def _reach(self, seg: _Segment, end: Node, seed: str, least: int) -> tuple[int, str] | None:
        """(index, verdict) if every link of ``seg`` holds and its last expression, a closed form, equals end."""
        j = len(seg.exprs) - 1
        node = seg.exprs[j].node
        if j < least or any(v not in ("proved", "numeric") for v in seg.verdicts) or node is None:
            return None
        if any(isinstance(x, Deriv) for x in walk(node)):
            return None
        verdict = self._holds(end, node, seg, f"{seed}:{j}")
        return (j, verdict) if verdict else None

    def _proofs(self, start: Node, end: Node, eq: str) -> list[tuple[tuple[Rel, ...], list[int], bool, list[int]]]:
        """(cases, [first line, last line], numeric, wrong lines stepped over) of each chain from start to end."""
        out = []
        starts = {id(seg): self._holds(start, seg.exprs[0].node, seg, f"against:{eq}") for seg in self.segments}
        for seg in self.segments:
            parent = None
            if seg.cases:  # a case continuing a chain that started at L (with no case)
                parent = next(
                    (p for p in self.segments if not p.cases and p.exprs[-1] is seg.exprs[0] and starts[id(p)]), None
                )
                if parent is not None and any(v not in ("proved", "numeric") for v in parent.verdicts):
                    continue
            if parent is None and not starts[id(seg)]:
                continue
            hit = self._reach(seg, end, f"against:{eq}", 2 if not seg.cases else 1)
            if hit:
                head = parent or seg
                _, verdict = hit
                numeric = "numeric" in (starts[id(head)], verdict, *seg.verdicts, *(parent.verdicts if parent else ()))
                wrong = [*seg.skipped, *(parent.skipped if parent else ())]
                out.append((seg.cases, [head.exprs[0].line, seg.exprs[-1].line], numeric, wrong))
        return out

    def _covering(self, proofs: list) -> list:
        """Proofs whose cases cover every index assignment (n = 2…4), or [] if they do not."""
        for p in proofs:
            if not p[0]:
                return [p]
        if not proofs:
            return []
        letters = sorted({getattr(side, "name", "") for p in proofs for rel in p[0] for side in (rel.lhs, rel.rhs)})
        if "" in letters:
            return []
        for n in (2, 3, 4):
            for values in itertools.product(range(1, n + 1), repeat=len(letters)):
                ctx = Context(self.env, self.symbols, n, dict(zip(letters, values)))
                try:
                    if not any(all(condition_holds(rel, ctx) is True for rel in p[0]) for p in proofs):
                        return []
                except (Unsupported, MissingIndex):
                    return []
        return proofs


def _mentions(node: Node, name: str) -> bool:
    """Whether ``node`` uses ``name`` other than through literal entries (``x = (x_1, x_2)`` does not)."""
    for n in walk(node):
        if isinstance(n, Index) and isinstance(n.base, Sym) and n.base.name == name:
            if not all(type(i).__name__ == "Num" for i in n.indices):
                return True
        elif isinstance(n, Sym) and n.name == name:
            parents = [p for p in walk(node) if isinstance(p, Index) and p.base is n]
            if not parents:
                return True
        elif isinstance(n, Call) and n.func.name == name:
            return True
    return False


def _case_text(rel: Rel) -> str:
    return f"{getattr(rel.lhs, 'name', '?')} {_REL.get(rel.op, rel.op)} {getattr(rel.rhs, 'name', '?')}"


def check_file(
    path: Path,
    *,
    seconds: float = 5.0,
    progress: Callable[[str], None] | None = None,
    against: tuple[str, tuple[str, ...]] | None = None,
) -> tuple[Derivation, Against | None]:
    """Every step of the derivation file at ``path`` with its verdict (and the ``against`` identity's verdict)."""
    doc = read_document(path)
    checker = Checker(doc, seconds=seconds, progress=progress)
    derivation = checker.run()
    return derivation, checker.against(*against) if against else None
