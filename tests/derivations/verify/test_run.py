"""`verify` as data (`derivations.verify.run`): a part that ran out of time is undecided, not refuted."""

from __future__ import annotations

import time

import pytest
import sympy as sp

from derivations.identities.identity import Part
from derivations.notation.functions import sigmoid
from derivations.verdict import Verdict
from derivations.verify import prove
from derivations.verify.run import IdentityResult, PartResult, prove_part, symbolic_text

x = sp.Symbol("x", real=True)
TRUE = Part("σ(−x)", 1 / (1 + sp.exp(x)), 1 - sigmoid(x))
FALSE = Part("σ(1 + σ)", sp.diff(1 / (1 + sp.exp(-x)), x), sigmoid(x) * (1 + sigmoid(x)))


def _result(*parts: PartResult) -> IdentityResult:
    return IdentityResult(
        "name", "statement", "source", symbolic_text(parts), all(p.proved for p in parts), parts, (), False
    )


def _slow(diff: sp.Expr) -> sp.Expr:
    end = time.perf_counter() + 30
    while time.perf_counter() < end:  # burns CPU time until the budget (CPU time) interrupts it
        pass
    return diff


def test_proved_and_not_proved_keep_their_wording() -> None:
    proved = PartResult.of(TRUE, prove_part(TRUE))
    refused = PartResult.of(FALSE, prove_part(FALSE))
    assert proved.proved and proved.how == "rewrite(exp) + cancel" and not proved.undecided
    assert not refused.proved and not refused.undecided and "non-zero remainder" in refused.how
    assert symbolic_text([proved]) == "proved (rewrite(exp) + cancel; 1 part)"
    assert symbolic_text([proved, refused]) == "not proved: σ(1 + σ)"
    assert _result(proved).symbolic_verdict is Verdict.PROVED
    # a remainder is not a counterexample: unchecked, unless a cross-check found numbers that disagree
    assert _result(proved, refused).symbolic_verdict is Verdict.UNCHECKED


def test_a_part_out_of_time_is_undecided(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(prove, "METHODS", {"slow": _slow})
    late = PartResult.of(TRUE, prove_part(TRUE, seconds=0.2))
    assert not late.proved and late.undecided and late.how == "slow: no result within 0.2 s of CPU time"
    monkeypatch.undo()
    refused = PartResult.of(FALSE, prove_part(FALSE))
    assert symbolic_text([late]) == "undecided (out of time): σ(−x)"
    assert _result(late).symbolic_verdict is Verdict.UNCHECKED
    assert not _result(late).passed
    # a refused part decides the identity, whatever else ran out of time
    assert symbolic_text([refused, late]) == "not proved: σ(1 + σ); undecided (out of time): σ(−x)"
    assert _result(refused, late).symbolic_verdict is Verdict.UNCHECKED


def test_json_keeps_its_keys() -> None:
    part = PartResult("a part", True, "simplify", general=True)
    assert _result(part).to_json()["parts"] == [{"label": "a part", "proved": True, "method": "simplify"}]


def test_a_failed_cross_check_makes_the_symbolic_verdict_wrong() -> None:
    from derivations.verify.crosscheck import CheckResult

    refused = PartResult("σ(1 + σ)", False, "simplify: left a non-zero remainder")
    failed = CheckResult("claim (lambdified)", 3, 2.0, "ulp", 1.0, "x=0.0", False, "why")
    result = IdentityResult("name", "s", "src", symbolic_text((refused,)), False, (refused,), (failed,), False)
    assert result.symbolic_verdict is Verdict.WRONG
