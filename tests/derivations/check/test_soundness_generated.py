"""Soundness classes under Hypothesis: each generator writes derivations the way people do, valid or with one
planted error, so that the checker meets the class with values and forms no test wrote by hand.

- saturation: σ(c), tanh(c), log(1 + e^c) at large c, with their exact forms — planted: the saturated value
  (σ(c) = 1), false by e^{−c};
- cancellation to tiny values: σ(c)(1 − σ(c)), 1 − tanh²(c) — planted: = 0, false by ~e^{−c};
- conditions on variables: ReLU'(x) under x > c, |x| under x ≥ c, y² under y ∈ {0, 1} — planted: the value
  of the other region;
- a case analysis followed by its conclusion: ∂θ_j/∂θ_i by cases, then δ_ij — planted: the last case's
  value stated for every index;
- a claim after \\quad: ``A = B \\quad \\Rightarrow \\quad C = D`` — planted: an error in the second claim.

Valid derivations are never `wrong`; a planted error is `wrong` on its line and nowhere else (the
conclusion without a combining sentence may instead be `unchecked`, never accepted).
"""

from __future__ import annotations

import os

from hypothesis import given, settings
from hypothesis import strategies as st

from derivations.check import check_text
from derivations.verdict import HOLDS, Verdict

_CI = os.environ.get("CI") == "true" or os.environ.get("HYPOTHESIS_PROFILE") == "ci"
EXAMPLES = int(os.environ.get("SOUNDNESS_EXAMPLES", "0")) or (30 if _CI else 8)

LARGE = st.sampled_from(["40", "60", "100", "150", "300"])
#: (left, valid right sides, planted right side) with {c} a large constant: saturation and cancellation.
SATURATED = [
    (r"\sigma({c})", [r"\frac{1}{1 + e^{-{c}}}", r"1 - \sigma(-{c})"], "1"),
    (r"\tanh({c})", [r"1 - \frac{2}{e^{2 \cdot {c}} + 1}", r"2\sigma(2 \cdot {c}) - 1"], "1"),
    (r"\log(1 + e^{{c}})", [r"{c} + \log(1 + e^{-{c}})"], "{c}"),
    (r"\sigma({c})(1 - \sigma({c}))", [r"\sigma({c})\sigma(-{c})", r"\frac{e^{-{c}}}{(1 + e^{-{c}})^2}"], "0"),
    (r"1 - \tanh^2({c})", [r"4\sigma(2 \cdot {c})\sigma(-2 \cdot {c})"], "0"),
    (r"\sigma(x^2 + {c})", [r"\frac{1}{1 + e^{-x^2 - {c}}}"], "1"),
]
#: (row with {c}, valid value, planted value, condition with {c}).
CONDITIONS = [
    (r"\text{ReLU}'(x) = {v}", "1", "0", r"\text{for } x > {c}"),
    (r"|x| = {v}", "x", "-x", r"\text{for } x \geq {c}"),
    (r"|x - {c}| = {v}", "{c} - x", "x - {c}", r"\text{for } x < {c}"),
    (r"y^2 = {v}", "y", "2y", r"y \in \{0, 1\}"),
    (r"-y\log p - (1-y)\log(1-p) = {v}", r"-\log p", r"-\log(1 - p)", r"\text{if } y = 1"),
]
SMALL = st.sampled_from(["0", "1", "2", r"\frac{1}{2}"])
#: Pairs of (claim, its valid second claim, a planted second claim) for rows with a claim after \quad.
QUAD = [
    (r"\sigma(-x) = \frac{1}{1+e^{x}}", r"1 - \sigma(x) = \frac{1}{1+e^{x}}", r"1 - \sigma(x) = \frac{1}{1+e^{-x}}"),
    (r"\sigma(0) = \frac{1}{2}", r"\sigma'(0) = \frac{1}{4}", r"\sigma'(0) = \frac{1}{2}"),
    (r"\tanh(x) = 2\sigma(2x) - 1", r"\tanh(0) = 0", r"\tanh(0) = 1"),
]
MARKERS = st.sampled_from([r"\quad \Rightarrow \quad", r"\qquad \implies", r"\quad \therefore \quad"])
COMBINING = st.sampled_from(["Putting the two cases together:", "Combining both cases,", "In general:"])


def _verdicts(text: str) -> list[tuple[int, Verdict, str]]:
    return [(s.line, s.verdict, s.reason) for s in check_text(text).steps]


def _planted_is_wrong_valid_holds(text: str, planted: bool) -> None:
    got = _verdicts(text)
    if planted:
        assert [v for _, v, _ in got] == [Verdict.WRONG], (text, got)
    else:
        assert all(v in HOLDS for _, v, _ in got), (text, got)


@st.composite
def saturated(draw: st.DrawFn, planted: bool) -> tuple[str, bool]:
    left, valid, bad = draw(st.sampled_from(SATURATED))
    c = draw(LARGE)
    right = bad if planted else draw(st.sampled_from(valid))
    return f"$${left} = {right}$$\n".replace("{c}", c), planted


@st.composite
def conditioned(draw: st.DrawFn, planted: bool) -> tuple[str, bool]:
    row, good, bad, condition = draw(st.sampled_from(CONDITIONS))
    c = draw(SMALL)
    text = row.replace("{v}", bad if planted else good) + r" \quad " + condition
    return f"$${text}$$\n".replace("{c}", c), planted


@settings(max_examples=EXAMPLES, deadline=None)
@given(st.booleans().flatmap(saturated))
def test_saturation_and_cancellation_valid_forms_hold_and_the_saturated_value_is_wrong(case) -> None:
    _planted_is_wrong_valid_holds(*case)


@settings(max_examples=EXAMPLES, deadline=None)
@given(st.booleans().flatmap(conditioned))
def test_conditions_on_variables_are_put_in_force(case) -> None:
    _planted_is_wrong_valid_holds(*case)


@st.composite
def case_analyses(draw: st.DrawFn) -> tuple[str, str, bool, bool]:
    """(text, conclusion, planted, introduced by a combining sentence)."""
    base = draw(st.sampled_from([r"\theta", "x", "z"]))
    first, second = draw(st.permutations([("i = j", "1"), (r"i \neq j", "0")]))
    planted = draw(st.booleans())
    sentence = draw(st.booleans())
    conclusion = second[1] if planted else r"\delta_{ij}"
    d = rf"\frac{{\partial {base}_j}}{{\partial {base}_i}}"
    text = (
        f"(i) ${first[0]}$ case\n\n$${d} = {first[1]}$$\n\n"
        f"(ii) ${second[0]}$ case\n\n$${d} = {second[1]}$$\n\n"
        + (draw(COMBINING) + "\n\n" if sentence else "")
        + f"$$\\therefore {d} = {conclusion}$$\n"
    )
    return text, conclusion, planted, sentence


@settings(max_examples=EXAMPLES, deadline=None)
@given(case_analyses())
def test_a_conclusion_after_cases_is_checked_for_every_index(case) -> None:
    text, _, planted, sentence = case
    got = [v for _, v, _ in _verdicts(text)]
    assert got[:2] == [Verdict.PROVED, Verdict.PROVED], (text, got)
    if not planted:
        assert got[2] in HOLDS, (text, got)
    elif sentence:
        assert got[2] is Verdict.WRONG, (text, got)
    else:
        assert got[2] in (Verdict.WRONG, Verdict.UNCHECKED), (text, got)  # never accepted


@st.composite
def quad_claims(draw: st.DrawFn) -> tuple[str, bool]:
    first, good, bad = draw(st.sampled_from(QUAD))
    planted = draw(st.booleans())
    return f"$${first} {draw(MARKERS)} {bad if planted else good}$$\n", planted


@settings(max_examples=EXAMPLES, deadline=None)
@given(quad_claims())
def test_a_claim_after_quad_is_checked_on_its_own(case) -> None:
    text, planted = case
    got = [v for _, v, _ in _verdicts(text)]
    assert len(got) == 2 and got[0] in HOLDS, (text, got)
    assert (got[1] is Verdict.WRONG) if planted else (got[1] in HOLDS), (text, got)


def test_the_generators_plant_what_they_say() -> None:
    """The testers tested: a planted row differs from its valid twin only in the planted value."""
    valid = "$$\\sigma(100) = \\frac{1}{1 + e^{-100}}$$\n"
    assert [v for _, v, _ in _verdicts(valid)] == [Verdict.PROVED]
    assert [v for _, v, _ in _verdicts("$$\\sigma(100) = 1$$\n")] == [Verdict.WRONG]
