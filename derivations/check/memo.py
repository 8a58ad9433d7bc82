"""Decisions of steps remembered within one process, for ``check --watch``: an edited file is checked
again, and every step whose decision cannot have changed is answered from memory.

A decision is a function of the step's two sides, its cases and setting (the environments: every
definition, shape and domain in force), the time limit, the seed, and the names the symbol table had
given out before it. All of them make the key, as text (`repr` of frozen trees and plain data); the
symbols a decision adds to the table are recorded and added again on a hit, so the table, and every
later step, is as a fresh check leaves it. A decision during which a limit ran out (a CPU budget, the
recursion limit) depended on the machine and is not remembered — the rule the disk cache keeps.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from derivations.check.environment import SymbolTable
from derivations.errors import ProofTimeout
from derivations.verdict import Decision

#: Decisions kept at most (a long session of edits): the oldest go first.
CAPACITY = 20_000


@dataclass
class _Entry:
    decision: Decision
    added: list[tuple[str, str, str]]  # (key, latex, base) of each symbol the decision added, in order
    functions: list[str]  # names of the unknown functions it added, in order


class StepMemo:
    """Decisions by the key of everything that decides them (see the module's docstring)."""

    def __init__(self) -> None:
        self._entries: dict[str, _Entry] = {}
        self.hits = 0
        self.misses = 0

    def decide(self, parts: tuple[object, ...], symbols: SymbolTable, work: Callable[[], Decision]) -> Decision:
        """``work()``'s decision, from memory when ``parts`` and the symbol table were seen before."""
        key = repr((parts, tuple(symbols.names()), tuple(symbols.functions.values())))
        entry = self._entries.get(key)
        if entry is not None:
            self.hits += 1
            for name, latex, base in entry.added:
                symbols.put(name, latex, base)
            for name in entry.functions:
                symbols.function(name)
            return copy.deepcopy(entry.decision)
        self.misses += 1
        names, functions = len(symbols.names()), len(symbols.functions)
        limits = ProofTimeout.raised
        decision = work()
        if ProofTimeout.raised == limits:
            added = [symbols.describe(name) for name in symbols.names()[names:]]
            new = list(symbols.functions.values())[functions:]
            if len(self._entries) >= CAPACITY:
                del self._entries[next(iter(self._entries))]
            self._entries[key] = _Entry(copy.deepcopy(decision), added, new)
        return decision


_ACTIVE: list[StepMemo] = []


def active() -> StepMemo | None:
    """The memo in force (`remembering`), or None: a check outside ``--watch`` decides every step."""
    return _ACTIVE[-1] if _ACTIVE else None


@contextmanager
def remembering(memo: StepMemo) -> Iterator[StepMemo]:
    """Within the block, steps are decided through ``memo``."""
    _ACTIVE.append(memo)
    try:
        yield memo
    finally:
        _ACTIVE.pop()
