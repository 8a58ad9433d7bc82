"""Helpers shared by the identity modules: symbol arrays, sources, and the standard checks."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

import numpy as np
import sympy as sp
from hypothesis import strategies as st

from derivations.identities.identity import Case, CheckKind, CrossCheck, ForwardFn, Target, Unit

NOTE1 = "derivations/notes/neural_network_basics_1.md"
NOTE2 = "derivations/notes/numpy_neural_network_slides.md"


def symbol_vector(name: str, n: int) -> np.ndarray:
    """[name_1, …, name_n] as real SymPy symbols in an object array."""
    arr = np.empty(n, dtype=object)
    arr[:] = [sp.Symbol(f"{name}_{i}", real=True) for i in range(1, n + 1)]
    return arr


def scalar(name: str) -> np.ndarray:
    """One real symbol as a 0-d object array."""
    arr = np.empty((), dtype=object)
    arr[()] = sp.Symbol(name, real=True)
    return arr


def cached_target(build: Callable[[int], Target]) -> Callable[[int], Target]:
    """Memoise a size → Target builder (the lambdified forms are cached by Target)."""
    return lru_cache(maxsize=None)(build)


def far_from_underflow(reference: np.ndarray) -> np.ndarray:
    """Entries ≥ 2⁻⁹⁶⁰ in magnitude: an intermediate of such an entry may not have underflowed and
    then been scaled back up (inputs here stay below 2⁶⁰ in magnitude), so relative bounds hold.
    Smaller entries are not counted (nor are exact zeros, whose check is the absolute floor)."""
    return (np.abs(reference) >= 2.0**-960) | (reference == 0)


def claim_check(cases: st.SearchStrategy[Case], target: Callable[[int], Target]) -> CrossCheck:
    """The notes' right side, lambdified, against the derived left side (γ_N rounding bound)."""
    return CrossCheck(
        against="claim (lambdified)",
        kind=CheckKind.CLAIM,
        cases=cases,
        target=target,
        unit=Unit.CLAIM_ROUNDING,
        tolerance=float("nan"),  # γ_N, computed per size from the claim's operation count
        reason="γ_N ≈ N: N roundings, each ≤ ε/2 of the magnitudes it combines (N = operations in the claim)",
        counts=far_from_underflow,
    )


def witness_check(
    name: str,
    cases: st.SearchStrategy[Case],
    target: Callable[[int], Target],
    candidate: Callable[[Case], np.ndarray],
    *,
    unit: Unit,
    tolerance: float,
    reason: str,
    counts: Callable[[np.ndarray], np.ndarray] | None = None,
) -> CrossCheck:
    """The `numeric/` witness against the derived left side."""
    return CrossCheck(
        against=f"numeric.{name}",
        kind=CheckKind.WITNESS,
        cases=cases,
        target=target,
        unit=unit,
        tolerance=tolerance,
        reason=reason,
        candidate=candidate,
        counts=counts,
    )


def derivative_checks(
    of: str, cases: st.SearchStrategy[Case], target: Callable[[int], Target], forward: ForwardFn
) -> tuple[CrossCheck, CrossCheck]:
    """Central differences and complex step of ``forward`` against the derived left side."""
    reason = "the difference quotient's own bound: rounding 4ε|f|/h + Richardson truncation estimate ×4"
    return (
        CrossCheck(
            against=f"central differences of {of}",
            kind=CheckKind.CENTRAL,
            cases=cases,
            target=target,
            unit=Unit.BOUND,
            tolerance=1.0,
            reason=reason,
            forward=forward,
        ),
        CrossCheck(
            against=f"complex step of {of}",
            kind=CheckKind.COMPLEX,
            cases=cases,
            target=target,
            unit=Unit.BOUND,
            tolerance=1.0,
            reason="complex step's bound: 4ε|D| + Richardson truncation estimate ×4 + underflow floor",
            forward=forward,
        ),
    )


def normal_only(reference: np.ndarray) -> np.ndarray:
    """Entries whose true value is a normal float64 (where the ulp targets apply)."""
    return np.abs(reference) >= np.finfo(np.float64).tiny
