"""σ'(x) = σ(x)(1 − σ(x)) = σ(x)σ(−x) and σ(−x) = 1 − σ(x): note 1 §1 and lemma (a), note 2's first slide."""

from __future__ import annotations

import numpy as np
import sympy as sp

import numeric
from derivations.identities._common import (
    NOTE1,
    NOTE2,
    cached_target,
    claim_check,
    derivative_checks,
    normal_only,
    scalar,
    witness_check,
)
from derivations.identities.identity import Case, CrossCheck, Identity, Part, Target, Unit
from derivations.identities.strategies import reals
from derivations.notation.functions import sigmoid

x = sp.Symbol("x", real=True)
#: σ as the notes define it, 1/(1 + e^{−x}); every derivative below is taken of this.
DEFINITION = 1 / (1 + sp.exp(-x))
DERIVED = sp.diff(DEFINITION, x)

CASES = reals(max_abs=1000.0).map(lambda v: Case(1, {"x": np.float64(v)}))


def _target(claimed: sp.Expr, derived: sp.Expr = DERIVED) -> callable:
    return cached_target(lambda size: Target({"x": scalar("x")}, derived, claimed))


def _forward(case: Case) -> tuple:
    return numeric.sigmoid, np.asarray(case.values["x"], dtype=np.float64), True


def _derivation(claimed: sp.Expr) -> callable:
    def steps() -> list[tuple[str, sp.Basic]]:
        return [
            ("definition", sp.Eq(sigmoid(x), DEFINITION)),
            ("differentiate the definition", sp.Eq(sp.Derivative(sigmoid(x), x), DERIVED)),
            ("the notes' right side, σ rewritten to exp", sp.Eq(claimed, claimed.rewrite(sp.exp))),
            ("difference", sp.Eq(sp.Symbol("Delta"), DERIVED - claimed.rewrite(sp.exp))),
        ]

    return steps


def _derivative_identity(name: str, claimed: sp.Expr, statement: str, source: str, notation: str) -> Identity:
    target = _target(claimed)
    checks: tuple[CrossCheck, ...] = (
        claim_check(CASES, target),
        witness_check(
            "sigmoid_grad",
            CASES,
            target,
            lambda c: numeric.sigmoid_grad(c.values["x"]),
            unit=Unit.ULP,
            tolerance=3.0,
            counts=normal_only,
            reason="the witness's target: ≤ 3 ulp where σ'(x) is a normal float",
        ),
        *derivative_checks("numeric.sigmoid", CASES, target, _forward),
    )
    return Identity(
        name=name,
        statement=statement,
        source=source,
        assumptions=("x real",),
        parts=lambda: [Part("dσ/dx", DERIVED, claimed)],
        derivation=_derivation(claimed),
        checks=checks,
        notation=(notation,),
    )


SIGMOID_DERIVATIVE = _derivative_identity(
    "sigmoid-derivative",
    sigmoid(x) * (1 - sigmoid(x)),
    "σ'(x) = σ(x)(1 − σ(x))",
    f"note 1 §1, line 13 ({NOTE1}); note 2 'Sigmoid' slides, lines 26 and 28 ({NOTE2})",
    r"\sigma'(x) = \sigma(x)(1 - \sigma(x))",
)

SIGMOID_DERIVATIVE_SYMMETRIC = _derivative_identity(
    "sigmoid-derivative-symmetric",
    sigmoid(x) * sigmoid(-x),
    "σ'(x) = σ(x)·σ(−x)",
    f"note 1 §1, the middle step, line 17 ({NOTE1})",
    r"\sigma'(x) = \sigma(x) \sigma(-x)",
)

_REFLECTION_TARGET = cached_target(lambda size: Target({"x": scalar("x")}, DEFINITION.subs(x, -x), 1 - sigmoid(x)))

SIGMOID_REFLECTION = Identity(
    name="sigmoid-reflection",
    statement="σ(−x) = 1 − σ(x)",
    source=f"note 1, lemma (a), line 25 ({NOTE1})",
    assumptions=("x real",),
    notation=(r"\sigma(-x) = 1 - \sigma(x)",),
    parts=lambda: [Part("σ(−x)", DEFINITION.subs(x, -x), 1 - sigmoid(x))],
    derivation=lambda: [
        ("definition at −x", sp.Eq(sigmoid(-x), DEFINITION.subs(x, -x))),
        ("the notes' right side, σ rewritten to exp", sp.Eq(1 - sigmoid(x), 1 - DEFINITION)),
        ("difference", sp.Eq(sp.Symbol("Delta"), DEFINITION.subs(x, -x) - (1 - DEFINITION))),
    ],
    checks=(
        claim_check(CASES, _REFLECTION_TARGET),
        witness_check(
            "sigmoid(−x)",
            CASES,
            _REFLECTION_TARGET,
            lambda c: numeric.sigmoid(-c.values["x"]),
            unit=Unit.ULP,
            tolerance=1.5,
            reason="the witness's target: σ ≤ 1.5 ulp, subnormals included",
        ),
        witness_check(
            "1 − sigmoid(x)",
            CASES,
            _REFLECTION_TARGET,
            lambda c: 1 - numeric.sigmoid(c.values["x"]),
            unit=Unit.EPS,
            tolerance=1.25,
            reason="absolute: σ(x) ≤ 1.5 ulp ≤ 0.75ε (σ < 1), plus the subtraction's ε/2",
        ),
    ),
)
