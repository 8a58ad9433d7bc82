"""Hypothesis cross-checks: the computed left side against the claim, the witness and numerical derivatives.

Every check measures against the same reference: the left side SymPy derived, evaluated exactly
(`ExactEvaluator`, adaptive precision). What differs is the candidate and the unit of error:

| kind    | candidate                                   | unit                                          |
|---------|---------------------------------------------|-----------------------------------------------|
| claim   | the notes' right side, lambdified (float64) | ε·|claim|_abs; tolerance γ_N ≈ N (N roundings)  |
| witness | the `numeric/` function                     | ulp, or ε (absolute), or ε·|claim|_abs         |
| central | central differences of a forward function   | multiples of the difference quotient's bound  |
| complex | complex step of a forward function          | multiples of the complex step's bound         |

Hypothesis draws the inputs, `target()`s the error so that the search climbs toward the worst
input, and shrinks a failure to a minimal counterexample.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import mpmath
import numpy as np
from hypothesis import HealthCheck, Phase, given, settings, target

from derivations.identities.identity import Case, CheckKind, CrossCheck, Target, Unit
from derivations.verify.lambdify import ExactEvaluator, FloatEvaluator
from numeric.finite_diff import central_diff, complex_step

EPS = float(np.finfo(np.float64).eps)
#: The analytic side's own rounding allowed on top of a numerical derivative's bound, in ulps.
REFERENCE_ULPS = 8.0
#: The kinds whose candidate is a numerical derivative (with a step h per input).
NUMERICAL_DERIVATIVES = frozenset({CheckKind.CENTRAL, CheckKind.COMPLEX})


class CheckFailure(AssertionError):
    """A cross-check found an input where the candidate is out of tolerance."""

    def __init__(self, message: str, error: float = float("inf"), where: str = "") -> None:
        super().__init__(message)
        self.error = error
        self.where = where


@dataclass(frozen=True)
class CheckResult:
    """What a cross-check found: examples run, worst error and where, and the verdict."""

    against: str
    examples: int
    max_error: float
    unit: Unit
    tolerance: float
    worst_input: str
    passed: bool
    reason: str
    message: str = ""

    def to_json(self) -> dict[str, Any]:
        """The JSON object of `verify --json`."""
        return {
            "against": self.against,
            "examples": self.examples,
            "max_error": _json_float(self.max_error),
            "unit": self.unit.value,
            "tolerance": self.tolerance,
            "worst_input": self.worst_input,
            "passed": self.passed,
            "reason": self.reason,
            **({"message": self.message} if self.message else {}),
        }


def _json_float(v: float) -> float | str:
    return v if np.isfinite(v) else str(v)


@lru_cache(maxsize=256)
def _exact(target: Target) -> ExactEvaluator:
    return ExactEvaluator(target.symbols, target.derived)


@lru_cache(maxsize=256)
def _claim(target: Target) -> FloatEvaluator:
    return FloatEvaluator(target.symbols, target.claimed, shift=target.shift_symbols())


def _mp_abs_diff(got: np.ndarray, exact: list[mpmath.mpf]) -> np.ndarray:
    """|got − exact| per entry, computed exactly then rounded (NaN/inf candidates give inf)."""
    out = np.empty(len(exact))
    for i, (g, e) in enumerate(zip(got.ravel(), exact)):
        out[i] = float(abs(mpmath.mpf(float(g)) - e)) if np.isfinite(g) else np.inf
    return out


#: The smallest subnormal: one operation loses at most half of it to underflow, whatever the magnitudes.
UNDERFLOW = 2.0**-1074


def _rounding_unit(claim: FloatEvaluator, flat: list[float]) -> np.ndarray:
    """ε·|E|_abs + η: one rounding's worth of error, relative to the magnitudes the claim sums."""
    with np.errstate(all="ignore"):
        scale = np.abs(claim.scale(flat))
    return EPS * np.where(np.isfinite(scale), scale, np.inf) + UNDERFLOW


@dataclass(frozen=True)
class Measurement:
    """Per-entry errors in the check's unit, the allowed error, and the values for a message."""

    errors: np.ndarray
    limit: np.ndarray
    reference: np.ndarray
    got: np.ndarray
    steps: np.ndarray | None = None  # the numerical derivative's step per input (central, complex)


def measure(check: CrossCheck, case: Case) -> Measurement:
    """Evaluate the candidate at ``case`` and express its error against the exact left side."""
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):  # inf errors are verdicts, not warnings
        return _measure(check, case)


def _measure(check: CrossCheck, case: Case) -> Measurement:
    tgt = check.target(case.size)
    flat = tgt.flatten(case.values)
    exact = _exact(tgt)(flat)  # sets its own precision
    reference = np.array([float(e) for e in exact])
    if check.kind is CheckKind.CLAIM:
        claim = _claim(tgt)
        got = claim(flat)
        n_ops = claim.rounding_count
        errors = _mp_abs_diff(got, exact) / _rounding_unit(claim, flat)
        limit = np.full(errors.shape, n_ops / (1 - n_ops * EPS))
    elif check.kind is CheckKind.WITNESS:
        assert check.candidate is not None
        try:
            with np.errstate(over="raise", divide="raise", invalid="raise"):
                got = np.asarray(check.candidate(case), dtype=np.float64).ravel()
        except FloatingPointError as warning:
            raise CheckFailure(
                f"{check.against} emits a NumPy warning ({warning}) at {case.describe()}", where=case.describe()
            ) from None
        if got.shape != reference.shape:
            raise CheckFailure(f"witness returned {got.size} values, expected {reference.size}", where=case.describe())
        diff = _mp_abs_diff(got, exact)
        if check.unit is Unit.ULP:
            errors = diff / np.spacing(np.abs(reference))
        elif check.unit is Unit.EPS:
            errors = diff / EPS
        elif check.unit is Unit.CLAIM_ROUNDING:  # the witness may cancel where the claim's own evaluation does
            errors = diff / _rounding_unit(_claim(tgt), flat)
        else:
            raise ValueError(f"{check.against}: a witness's error is not measured in {check.unit}")
        limit = np.full(errors.shape, check.tolerance)
    elif check.kind in NUMERICAL_DERIVATIVES:
        assert check.forward is not None
        f, x0, batched, *f_magnitude = check.forward(case)
        with np.errstate(all="ignore"):
            if check.kind is CheckKind.CENTRAL:
                d, bound, steps = central_diff(
                    f, x0, batched=batched, magnitude=f_magnitude[0] if f_magnitude else None
                )
            else:
                d, bound, steps = complex_step(f, x0, batched=batched)
        got = d.ravel()
        if got.shape != reference.shape:
            raise CheckFailure(
                f"numerical derivative has {got.size} entries, expected {reference.size}", where=case.describe()
            )
        # a derivative that cancels (S_k − 1 near S_k = 1) cannot be resolved, by any numerical
        # derivative of a float function, below ε times the magnitudes that cancel: |claim|_abs
        magnitude = np.maximum(np.abs(reference), np.abs(_claim(tgt).scale(flat)))
        allowed = bound.ravel() + REFERENCE_ULPS * EPS * magnitude
        diff = _mp_abs_diff(got, exact)
        errors = diff / np.where(allowed > 0, allowed, np.finfo(float).tiny)
        limit = np.full(errors.shape, check.tolerance)
    else:
        raise ValueError(f"{check.against}: no measurement for a check of kind {check.kind}")
    if check.counts is not None:
        keep = check.counts(reference)
        errors = np.where(keep, errors, 0.0)
    errors = np.where(np.isnan(errors), np.inf, errors)
    return Measurement(errors, limit, reference, got, steps if check.kind in NUMERICAL_DERIVATIVES else None)


def _format_values(values: np.ndarray) -> str:
    return np.array2string(np.asarray(values), precision=17, separator=", ", threshold=20)


def failure_message(identity: str, check: CrossCheck, case: Case, m: Measurement) -> str:
    """The STYLE.md message: identity and input, then the two sides on aligned lines, then the gap."""
    worst = int(np.argmax(m.errors / m.limit))
    width = max(len(check.against), len("sympy")) + 1
    step = ""
    if m.steps is not None and np.size(m.steps):
        flat_steps = np.ravel(m.steps)
        step = f", step h = {flat_steps[min(worst * flat_steps.size // max(m.got.size, 1), flat_steps.size - 1)]:.3g}"
    return (
        f"{identity}: {check.against} (float64) disagrees with the derived left side (SymPy, exact) "
        f"at {case.describe()}\n"
        f"  {'sympy:':<{width}} {_format_values(m.reference)}\n"
        f"  {check.against + ':':<{width}} {_format_values(m.got)}\n"
        f"  worst entry {worst}{step}: error {m.errors[worst]:.3g} {check.unit} "
        f"(tolerance {m.limit[worst]:.3g} {check.unit}: {check.reason})"
    )


@dataclass
class _Tally:
    examples: int = 0
    worst: float = -1.0
    worst_input: str = ""
    limit: float = float("nan")


def run_check(identity: str, check: CrossCheck, *, max_examples: int = 100, derandomize: bool = True) -> CheckResult:
    """Run one cross-check under Hypothesis; a failure is shrunk to a minimal counterexample."""
    tally = _Tally()

    @settings(
        max_examples=max_examples,
        database=None,
        derandomize=derandomize,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
        phases=[Phase.explicit, Phase.generate, Phase.target, Phase.shrink],
        print_blob=False,
    )
    @given(check.cases)
    def prop(case: Case) -> None:
        tally.examples += 1
        m = measure(check, case)
        ratio = m.errors / m.limit
        worst = float(np.max(ratio)) if ratio.size else 0.0
        target(min(worst, 1e300), label=check.against)
        k = int(np.argmax(ratio)) if ratio.size else 0
        err = float(m.errors[k]) if m.errors.size else 0.0
        if err > tally.worst or tally.worst < 0:
            tally.worst, tally.worst_input = err, case.describe()
            tally.limit = float(m.limit[k]) if m.limit.size else check.tolerance
        if not worst <= 1.0:
            tally.limit = float(m.limit[k])
            raise CheckFailure(failure_message(identity, check, case, m), err, case.describe())

    try:
        prop()
    except CheckFailure as failure:
        return CheckResult(
            check.against,
            tally.examples,
            failure.error,
            check.unit,
            tally.limit,
            failure.where,
            False,
            check.reason,
            str(failure),
        )
    return CheckResult(
        check.against,
        tally.examples,
        max(tally.worst, 0.0),
        check.unit,
        tally.limit,
        tally.worst_input,
        True,
        check.reason,
    )
