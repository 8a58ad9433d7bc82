"""The core types: an `Identity` of the notes, the `Part`s SymPy proves, the `Target` it cross-checks."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import sympy as sp

from derivations.prove import Proof, prove_equal

if TYPE_CHECKING:
    from derivations.crosscheck import CrossCheck


@dataclass(frozen=True)
class Part:
    """One equation at one size: ``derived`` (what SymPy computed) = ``claimed`` (what the notes say)."""

    label: str
    derived: sp.Basic
    claimed: sp.Basic
    substitutions: Mapping[sp.Basic, sp.Expr] = field(default_factory=dict)

    def prove(self, seconds: float = 10.0) -> Proof:
        """derived − claimed = 0 under the part's substitutions (its assumptions)."""
        return prove_equal(self.derived, self.claimed, substitutions=self.substitutions, seconds=seconds)


@dataclass(frozen=True, eq=False)  # hashed by identity: each is built once per size and cached
class Target:
    """What the cross-checks evaluate at one size: ``derived`` and ``claimed`` as functions of ``args``.

    ``args`` maps each input name to an array of symbols shaped like that input; ``shift`` names
    the inputs under a common shift of which both sides are invariant (logits).
    """

    args: Mapping[str, np.ndarray]
    derived: sp.Basic
    claimed: sp.Basic
    shift: tuple[str, ...] = ()

    @property
    def symbols(self) -> list[sp.Symbol]:
        """All argument symbols, flattened in order."""
        return [s for arr in self.args.values() for s in np.asarray(arr, dtype=object).ravel()]

    def flatten(self, values: Mapping[str, np.ndarray]) -> list[float]:
        """The case's values in the order of ``symbols``."""
        return [float(v) for name in self.args for v in np.ravel(values[name])]

    def shift_symbols(self) -> list[sp.Symbol]:
        """The symbols of the shift-invariant inputs."""
        return [s for name in self.shift for s in np.asarray(self.args[name], dtype=object).ravel()]


@dataclass(frozen=True)
class Identity:
    """An identity of the notes: SymPy derives its left side, proves it equals the notes' right side,
    and the cross-checks compare the numbers with the NumPy witness and numerical derivatives."""

    name: str
    statement: str
    source: str
    assumptions: tuple[str, ...]
    parts: Callable[[], Sequence[Part]]
    derivation: Callable[[], Sequence[tuple[str, sp.Basic]]]
    checks: tuple[CrossCheck, ...]
    sizes: tuple[int, ...] = ()
    general_n: bool = False
    #: The identity in the notes' notation, one equation each, for `derivations check --against`.
    notation: tuple[str, ...] = ()

    def _repr_latex_(self) -> str:
        """Jupyter: the statement in the notes' notation and SymPy's derivation, as in the report."""
        from derivations.report.latex import identity_align

        return "$$" + identity_align(self, fit=False) + "$$"

    def prove(self, seconds: float = 10.0) -> list[tuple[Part, Proof]]:
        """Every part's proof, in order."""
        return [(part, part.prove(seconds)) for part in self.parts()]
