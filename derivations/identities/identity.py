"""The types an identity is declared with: the `Identity`, the `Part`s SymPy proves, the `CrossCheck`s
that compare numbers, their `Case`s (points of the domain) and the `Target` they evaluate.

Declarations only: `derivations.verify` proves the parts and runs the cross-checks.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum, StrEnum
from typing import Any

import numpy as np
import sympy as sp
from hypothesis import strategies as st

from derivations.notation.typeset import identity_align


@dataclass(frozen=True)
class Part:
    """One equation at one size: ``derived`` (what SymPy computed) = ``claimed`` (what the notes say)."""

    label: str
    derived: sp.Basic
    claimed: sp.Basic
    substitutions: Mapping[sp.Basic, sp.Expr] = field(default_factory=dict)
    #: A step of the proof for a symbolic size (n or d as a symbol), not a proof at one size.
    general: bool = False


@dataclass(frozen=True)
class Case:
    """One point of an identity's domain: the size (n or d) and the named input arrays."""

    size: int
    values: Mapping[str, Any]
    label: str = ""

    def describe(self) -> str:
        """``theta=[0.0, 710.0], y=[0.0, 1.0]`` (with the case label, e.g. ``one-hot``)."""
        parts = []
        for name, v in self.values.items():
            arr = np.asarray(v)
            parts.append(f"{name}={arr.tolist()!r}" if arr.ndim else f"{name}={float(arr)!r}")
        text = ", ".join(parts)
        return f"{text} ({self.label})" if self.label else text


#: case → (f, x0, batched) or (f, x0, batched, magnitude): the function whose derivative at x0 is the
#: left side, and optionally the magnitude of f's rounding error (see numeric.finite_diff.central_diff).
ForwardFn = Callable[[Case], tuple]


class CheckKind(Enum):
    """What a cross-check compares with the exact left side (`derivations.verify.crosscheck` measures each)."""

    CLAIM = "claim"  # the notes' right side, lambdified for float64
    WITNESS = "witness"  # the `numeric/` function
    CENTRAL = "central"  # central differences of a forward function
    COMPLEX = "complex"  # the complex step of a forward function


class Unit(StrEnum):
    """The unit a cross-check's error is measured in; its value is how the table and JSON write it."""

    ULP = "ulp"  # units in the last place of the exact value
    EPS = "ε"  # absolute, in multiples of ε = 2⁻⁵²
    CLAIM_ROUNDING = "ε·|claim|_abs"  # ε times the magnitudes the claim combines
    BOUND = "× bound"  # multiples of a numerical derivative's own error bound


@dataclass(frozen=True)
class CrossCheck:
    """One cross-check of an identity: what it compares, on which inputs, in which unit, how tight."""

    against: str
    kind: CheckKind
    cases: st.SearchStrategy[Case]
    target: Callable[[int], Target]
    unit: Unit
    tolerance: float
    reason: str
    candidate: Callable[[Case], np.ndarray] | None = None
    forward: ForwardFn | None = None
    counts: Callable[[np.ndarray], np.ndarray] | None = None


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
        return "$$" + identity_align(self, fit=False) + "$$"
