"""Does a checked file prove an identity of the registry? Chains of holding steps from L to a closed form R."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from derivations.check.chain import REL_LATEX, Checker, Segment
from derivations.check.decide import decide
from derivations.check.evaluate import Context, condition_holds
from derivations.check.results import Against, ChainProof, EquationProof
from derivations.errors import MissingIndex, Unsupported
from derivations.notation.parser import parse_relation_chain
from derivations.notation.tree import Deriv, Node, Rel, walk
from derivations.verdict import HOLDS, Verdict

COVER_SIZES = (2, 3, 4)


@dataclass(frozen=True)
class _Chain:
    """A chain found from one side to the other: its cases as relations (to check they cover), and the proof."""

    cases: tuple[Rel, ...]
    proof: ChainProof


def against(checker: Checker, name: str, equations: tuple[str, ...]) -> Against:
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
        chain = parse_relation_chain(eq, checker.notation)
        lhs, rhs = chain[0][1], chain[1][1]
        found = EquationProof(eq)
        for start, end in ((lhs, rhs), (rhs, lhs)):
            covered = _covering(checker, _chains(checker, start, end, eq))
            if covered:
                found = EquationProof.from_chains(eq, [c.proof for c in covered])
                break
        result.equations.append(found)
    return result


def _holds(checker: Checker, a: Node, b: Node, seg: Segment, seed: str) -> Verdict | None:
    d = decide(seg.env, checker.symbols, a, b, cases=seg.cases, seconds=checker.seconds, seed=seed)
    return d.verdict if d.holds else None


def _reach(checker: Checker, seg: Segment, end: Node, seed: str, least: int) -> Verdict | None:
    """The verdict if every link of ``seg`` holds and its last expression, a closed form, equals ``end``."""
    j = len(seg.exprs) - 1
    node = seg.exprs[j].node
    if j < least or any(v not in HOLDS for v in seg.verdicts) or node is None:
        return None
    if any(isinstance(x, Deriv) for x in walk(node)):
        return None
    return _holds(checker, end, node, seg, f"{seed}:{j}")


def _chains(checker: Checker, start: Node, end: Node, eq: str) -> list[_Chain]:
    """Each chain of the file from ``start`` to ``end``."""
    out = []
    seed = f"against:{eq}"
    starts = {id(seg): _holds(checker, start, seg.exprs[0].node, seg, seed) for seg in checker.segments}
    for seg in checker.segments:
        parent = None
        if seg.cases:  # a case continuing a chain that started at L (with no case)
            parent = next(
                (p for p in checker.segments if not p.cases and p.exprs[-1] is seg.exprs[0] and starts[id(p)]), None
            )
            if parent is not None and any(v not in HOLDS for v in parent.verdicts):
                continue
        if parent is None and not starts[id(seg)]:
            continue
        verdict = _reach(checker, seg, end, seed, 2 if not seg.cases else 1)
        if verdict is None:
            continue
        head = parent or seg
        used = (starts[id(head)], verdict, *seg.verdicts, *(parent.verdicts if parent else ()))
        wrong = (*seg.skipped, *(parent.skipped if parent else ()))
        lines = (head.exprs[0].line, seg.exprs[-1].line)
        cases = tuple(_case_text(c) for c in seg.cases)
        out.append(_Chain(seg.cases, ChainProof(cases, *lines, Verdict.NUMERIC in used, wrong)))
    return out


def _covering(checker: Checker, chains: list[_Chain]) -> list[_Chain]:
    """Chains whose cases cover every index assignment (n = 2…4), or [] if they do not."""
    for c in chains:
        if not c.cases:
            return [c]
    if not chains:
        return []
    letters = sorted({getattr(side, "name", "") for c in chains for rel in c.cases for side in (rel.lhs, rel.rhs)})
    if "" in letters:
        return []
    for n in COVER_SIZES:
        for values in itertools.product(range(1, n + 1), repeat=len(letters)):
            ctx = Context(checker.env, checker.symbols, n, dict(zip(letters, values)))
            try:
                if not any(all(condition_holds(rel, ctx) is True for rel in c.cases) for c in chains):
                    return []
            except (Unsupported, MissingIndex):
                return []
    return chains


def _case_text(rel: Rel) -> str:
    return f"{getattr(rel.lhs, 'name', '?')} {REL_LATEX.get(rel.op, rel.op)} {getattr(rel.rhs, 'name', '?')}"
