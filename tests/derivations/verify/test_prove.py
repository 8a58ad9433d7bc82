"""The proof ladder (`derivations.verify.prove`): each rung closes what it is for, a false claim is refused.

Every rung is called on its own pair, so a rung that stops working is seen even where an earlier
rung happens to close the same pair; where only that rung closes it, `prove_equal` must record it.
"""

from __future__ import annotations

import time

import pytest
import sympy as sp

from derivations.notation.functions import sigmoid
from derivations.verify import prove
from derivations.verify.prove import METHODS, prove_equal

x, a, b = sp.symbols("x a b", real=True)
p, q = sp.symbols("p q", positive=True)
r1, r2 = sp.symbols("r_1 r_2", real=True)

EXPAND = "expand"
GROUPS = "rewrite(exp) + cancel, group by group"
CANCEL = "rewrite(exp) + cancel"
EXPAND_EXP = "rewrite(exp) + expand exponentials + cancel"
SIMPLIFY = "simplify"
EXPAND_LOG = "expand_log + simplify"
PIECEWISE = "rewrite(Piecewise) + simplify"


def _row(r: sp.Symbol) -> tuple[sp.Expr, sp.Expr]:
    """σ(r) = 1 − e^{−r}/(1 + e^{−r}): one row, whose exponentials no other row shares."""
    return sigmoid(r), 1 - sp.exp(-r) / (1 + sp.exp(-r))


#: rung → (derived, claimed, whether the rungs before it fail, so that it is the one recorded)
PAIRS = {
    # a chain rule's factors multiplied out, σ kept whole: σ(x)(1 − σ(x))·w = wσ(x) − wσ(x)²
    EXPAND: (sigmoid(x) * (1 - sigmoid(x)) * a, a * sigmoid(x) - a * sigmoid(x) ** 2, True),
    # two rows sharing no exponential: each row cancelled on its own
    GROUPS: (_row(r1)[0] + _row(r2)[0], _row(r1)[1] + _row(r2)[1], True),
    # FINDINGS.md: σ rewritten to exp and cancel closes 2σ(x) − 1 = tanh(x/2); the groups split e^{−x} from e^{x/2}
    CANCEL: (2 * sigmoid(x) - 1, sp.tanh(x / 2), True),
    EXPAND_EXP: (sp.exp(a + b), sp.exp(a) * sp.exp(b), False),
    SIMPLIFY: (sp.sin(x) ** 2 + sp.cos(x) ** 2, sp.S.One, True),
    EXPAND_LOG: (sp.log(p * q), sp.log(p) + sp.log(q), False),
    PIECEWISE: (sp.Max(x, 0), (x + sp.Abs(x)) / 2, True),
}


def test_the_ladder_is_the_documented_order() -> None:
    assert list(METHODS) == [EXPAND, GROUPS, CANCEL, EXPAND_EXP, SIMPLIFY, EXPAND_LOG, PIECEWISE]
    assert set(PAIRS) == set(METHODS)


@pytest.mark.parametrize("rung", list(PAIRS))
def test_each_rung_closes_the_pair_it_is_for(rung: str) -> None:
    derived, claimed, only_this_rung = PAIRS[rung]
    assert METHODS[rung](derived - claimed) == 0
    proof = prove_equal(derived, claimed)
    assert proof.proved and proof.method in METHODS and not proof.reason
    if only_this_rung:
        assert proof.method == rung


def test_a_wrong_row_is_not_cancelled_by_the_right_ones() -> None:
    """Group by group is sound: a sum of rows is zero only if every row is."""
    derived = _row(r1)[0] + _row(r2)[0]
    assert METHODS[GROUPS](derived - (_row(r1)[1] + sigmoid(-r2))) != 0
    assert not prove_equal(derived, _row(r1)[1] + sigmoid(-r2)).proved


def test_matrices_are_proved_entry_by_entry() -> None:
    proof = prove_equal(
        sp.Matrix([2 * sigmoid(x) - 1, sp.exp(a + b)]), sp.Matrix([sp.tanh(x / 2), sp.exp(a) * sp.exp(b)])
    )
    assert proof.proved


def test_substitutions_are_the_parts_assumptions() -> None:
    y1, y2 = sp.symbols("y_1 y_2", real=True)
    assert not prove_equal(y1 + y2, sp.S.One).proved
    assert prove_equal(y1 + y2, sp.S.One, substitutions={y2: 1 - y1}).proved


def test_a_false_claim_is_refused_with_a_reason() -> None:
    """σ' = σ(1 + σ) is false: every rung leaves a remainder, and the reason says so for each."""
    derived = sp.diff(1 / (1 + sp.exp(-x)), x)
    proof = prove_equal(derived, sigmoid(x) * (1 + sigmoid(x)), seconds=10)
    assert not proof.proved and not proof.undecided and proof.method == ""
    assert proof.remainder is not None and proof.remainder != 0
    for name in METHODS:
        assert f"{name}: left a non-zero remainder" in proof.reason


def _slow(diff: sp.Expr) -> sp.Expr:
    end = time.perf_counter() + 30
    while time.perf_counter() < end:  # burns CPU time until the budget (CPU time) interrupts it
        pass
    return diff


def test_the_time_limit_is_a_reason_never_an_exception(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(prove, "METHODS", {"slow": _slow, "slower": _slow})
    start = time.perf_counter()
    proof = prove_equal(x, x + 1, seconds=0.2)
    assert time.perf_counter() - start < 5
    assert not proof.proved and proof.undecided
    assert proof.timed_out == ("slow", "slower") and proof.remainder is None
    assert proof.reason == "slow: no result within 0.2 s of CPU time; slower: no result within 0.2 s of CPU time"


def test_a_timeout_then_a_remainder_is_undecided_not_refuted(monkeypatch: pytest.MonkeyPatch) -> None:
    """A method that ran out of time might have closed the difference: not proved, but not refuted either."""
    monkeypatch.setattr(prove, "METHODS", {"slow": _slow, CANCEL: METHODS[CANCEL]})
    proof = prove_equal(x, x + 1, seconds=1)
    assert proof.undecided and proof.timed_out == ("slow",)
    assert proof.remainder == -1
    assert proof.reason == f"slow: no result within 1 s of CPU time; {CANCEL}: left a non-zero remainder"
    closed = prove_equal(2 * sigmoid(x) - 1, sp.tanh(x / 2), seconds=1)
    assert closed.proved and closed.method == CANCEL and not closed.undecided


def test_time_limits_nest_and_count_cpu_time_not_sleep() -> None:
    """An inner limit that ends restores the outer one; sleeping spends no budget."""
    from derivations.errors import ProofTimeout
    from derivations.verify.prove import time_limit

    with pytest.raises(ProofTimeout):
        with time_limit(0.3):
            with time_limit(10):
                pass  # ends at once: the outer 0.3 s must still be in force
            time.sleep(0.5)  # no CPU time: does not trigger it
            end = time.perf_counter() + 10
            while time.perf_counter() < end:
                pass


def test_identical_sides_need_no_method() -> None:
    assert prove_equal(sigmoid(x) * a, a * sigmoid(x)).method == "identical"


def test_expand_keeps_a_false_identity_false() -> None:
    """Multiplying out is an identity of algebra: σ(x)² = σ(x) stays a non-zero remainder."""
    assert METHODS[EXPAND](sigmoid(x) ** 2 - sigmoid(x)) != 0


def test_the_log_rules_are_not_forced_on_real_variables() -> None:
    """log(ab) = log a + log b for real a, b is false at a = b = −1: never proved; for positive a, b it is."""
    assert not prove_equal(sp.log(a * b), sp.log(a) + sp.log(b)).proved
    assert not prove_equal(sp.log(x**2), 2 * sp.log(x)).proved
    assert prove_equal(sp.log(a * b), sp.log(a) + sp.log(b), signs={a: "positive", b: "positive"}).proved
    assert prove_equal(sp.Abs(x), -x, signs={x: "nonpositive"}).proved
    assert not prove_equal(sp.Abs(x), -x, signs={x: "nonnegative"}).proved
