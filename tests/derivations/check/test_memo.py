"""`check.memo`: a file checked again after an edit gives what a fresh check of the edited file gives."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from derivations.check import check_text
from derivations.check.environment import SymbolTable
from derivations.check.memo import StepMemo, remembering
from derivations.errors import ProofTimeout
from derivations.verdict import Decision, Verdict

NOTES = Path(__file__).resolve().parents[3] / "derivations" / "notes"
NOTE = (NOTES / "neural_network_basics_1.md").read_text(encoding="utf-8")


def _edits(text: str, rng: random.Random, count: int) -> list[str]:
    """``count`` versions of ``text``, each one display line changed from the one before (a sign flipped, a
    term added, a row removed) — the edits of a writing session."""
    versions = []
    lines = text.split("\n")
    displays = [k for k, line in enumerate(lines) if line.startswith("$$") and "=" in line]
    for _ in range(count):
        k = rng.choice(displays)
        line = lines[k]
        choice = rng.randrange(3)
        if choice == 0 and "-" in line:
            lines[k] = line.replace("-", "+", 1)
        elif choice == 1 and line.endswith("$$"):
            lines[k] = line[:-2] + " + 1$$"
        else:
            lines[k] = ""
        versions.append("\n".join(lines))
    return versions


def _verdicts(text: str) -> list[tuple]:
    d = check_text(text, name="note.md")
    return [(s.line, s.verdict, s.method, s.reason) for s in d.steps]


@pytest.mark.parametrize("seed", [0, 1])
def test_property_checking_again_from_memory_equals_a_fresh_check(seed: int) -> None:
    """For a session of edits, every re-check through one memo gives the verdicts a fresh check gives."""
    memo = StepMemo()
    versions = [NOTE, *_edits(NOTE, random.Random(seed), 4)]
    with remembering(memo):
        remembered = [_verdicts(v) for v in versions]
    assert memo.hits > 0  # the memo was used, not bypassed
    assert remembered == [_verdicts(v) for v in versions]


def test_a_decision_during_which_a_limit_ran_out_is_not_remembered() -> None:
    memo = StepMemo()

    def timed_out() -> Decision:
        ProofTimeout.count_limit()
        return Decision(Verdict.UNCHECKED, reason="timed out")

    def proved() -> Decision:
        return Decision(Verdict.PROVED, "identical")

    symbols = SymbolTable()
    assert memo.decide(("step",), symbols, timed_out).verdict is Verdict.UNCHECKED
    assert memo.decide(("step",), symbols, proved).verdict is Verdict.PROVED  # decided again, not remembered
    assert memo.decide(("step",), symbols, timed_out).verdict is Verdict.PROVED  # now from memory
    assert memo.hits == 1


def test_a_hit_gives_back_the_symbols_the_decision_made() -> None:
    memo = StepMemo()

    def making(symbols: SymbolTable) -> Decision:
        symbols.get("x")
        symbols.get("w", (1,))
        return Decision(Verdict.PROVED)

    first, second = SymbolTable(), SymbolTable()
    memo.decide(("s",), first, lambda: making(first))
    decision = memo.decide(("s",), second, lambda: pytest.fail("decided again"))
    assert decision.verdict is Verdict.PROVED
    assert [first.describe(k) for k in first.names()] == [second.describe(k) for k in second.names()]
    assert first.get("w", (1,)) == second.get("w", (1,))


def test_a_step_whose_sides_are_unchanged_is_decided_again_when_a_definition_before_it_changed() -> None:
    step = "\n\n$$f(2) = 4$$\n"
    memo = StepMemo()
    with remembering(memo):
        before = _verdicts("$$f(x) = x^2$$" + step)
        after = _verdicts("$$f(x) = x^3$$" + step)  # 8, not 4
    assert [v[1] for v in before] == ["definition", "proved"]
    assert [v[1] for v in after] == ["definition", "wrong"]
