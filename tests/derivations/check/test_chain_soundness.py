"""Soundness, tested with Hypothesis: chains of valid rewrites never have a `wrong` step, and a chain
with one planted error (a sign, a factor, an exponent, a swapped index) is `wrong` on that line only.

Each chain is built from groups of expressions that are equal by hand (σ(u) = 1/(1 + e^{−u}) =
1 − σ(−u) …); every row picks a random member of each group, so consecutive rows are valid rewrites.
"""

from __future__ import annotations

import os
from pathlib import Path

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from derivations.check import check_file
from tests.derivations.helpers import check_text, displays, verdicts

_CI = os.environ.get("CI") == "true" or os.environ.get("HYPOTHESIS_PROFILE") == "ci"
EXAMPLES = int(os.environ.get("SOUNDNESS_EXAMPLES", "0")) or (40 if _CI else 12)

#: Groups of LaTeX forms in one argument {u}, equal within a group for every real u.
GROUPS = [
    [r"\sigma({u})", r"\frac{1}{1+e^{-({u})}}", r"1 - \sigma(-({u}))", r"\frac{e^{{u}}}{1+e^{{u}}}"],
    [
        r"\sigma({u})(1-\sigma({u}))",
        r"\sigma({u}) \sigma(-({u}))",
        r"\frac{e^{-({u})}}{(1+e^{-({u})})^2}",
        r"\sigma'({u})",
    ],
    [r"e^{{u}}", r"\frac{1}{e^{-({u})}}", r"\exp({u})"],
    [r"\log(1+e^{{u}})", r"({u}) + \log(1+e^{-({u})})", r"-\log(\sigma(-({u})))"],
    [r"({u})^2", r"({u})({u})", r"({u}) \cdot ({u})"],
    [r"\tanh({u})", r"2\sigma(2({u})) - 1", r"\frac{e^{{u}} - e^{-({u})}}{e^{{u}} + e^{-({u})}}"],
    [r"\frac{d}{dx}\left(\frac{1}{1+e^{-x}}\right)", r"\sigma(x)\sigma(-x)", r"\frac{d\sigma(x)}{dx}"],
    [r"\frac{d}{dx} \log(1 + e^{x})", r"\sigma(x)", r"\frac{e^{x}}{e^{x} + 1}"],
]
#: Indexed groups: a swapped index (i → j) makes them wrong wherever i ≠ j.
INDEXED = [
    [r"S(\theta)_i", r"\frac{e^{\theta_i}}{\sum_k e^{\theta_k}}", r"\text{softmax}(\theta)_i"],
    [
        r"\frac{\partial}{\partial \theta_i} \log \sum_k e^{\theta_k}",
        r"S(\theta)_i",
        r"\frac{1}{1 + \sum_k e^{\theta_k - \theta_i} - 1}",
    ],
]
INNER = ["x", "2x", "x+1", "-x", "3x - 2", r"\frac{x}{2}"]
COEFFS = ["1", "2", "-1", "3", r"\frac{1}{2}"]
ERRORS = ["sign", "factor", "exponent", "index"]


@st.composite
def chains(draw: st.DrawFn, planted: bool) -> tuple[str, int | None, str]:
    """(file text, line of the planted error or None, kind of error)."""
    n_terms = draw(st.integers(1, 2))
    indexed = draw(st.booleans())
    terms = []
    for t in range(n_terms):
        if indexed and t == 0:
            terms.append((draw(st.sampled_from(INDEXED)), ""))
        else:
            terms.append((draw(st.sampled_from(GROUPS)), draw(st.sampled_from(INNER))))
    coeffs = [draw(st.sampled_from(COEFFS)) for _ in terms]
    rows = draw(st.integers(2, 4))  # expressions in the chain: rows − 1 links
    kind = draw(st.sampled_from([e for e in ERRORS if e != "index" or indexed])) if planted else ""
    bad = draw(st.integers(1, rows - 1)) if planted else None
    exprs = []
    for r in range(rows):
        parts = []
        for k, ((group, inner), c) in enumerate(zip(terms, coeffs)):
            form = draw(st.sampled_from(group)).replace("{u}", inner)
            if r == bad and k == 0:
                if kind == "sign":
                    c = f"-({c})"
                elif kind == "factor":
                    c = f"2 \\cdot {c}"
                elif kind == "exponent":
                    form = f"({form})^{{2}}"
                elif kind == "index":
                    form = form.replace("_i", "_j")
            parts.append(f"{c} \\cdot ({form})")
        exprs.append(" + ".join(parts))
    lines = [f"$${exprs[0]} = {exprs[1]}$$"] + [f"$$= {e}$$" for e in exprs[2:]]
    text = "\n\n".join(lines) + "\n"
    bad_line = None if bad is None else 1 + 2 * max(bad - 1, 0)
    return text, bad_line, kind


def _check(factory, text: str):
    path = factory.mktemp("chain") / "chain.md"
    path.write_text(text)
    return check_file(path)


@settings(max_examples=EXAMPLES, deadline=None)
@given(chains(planted=False))
def test_valid_rewrites_are_never_wrong(tmp_path_factory, chain) -> None:
    d = _check(tmp_path_factory, chain[0])
    assert all(s.verdict in ("proved", "numeric") for s in d.steps), [(s.verdict, s.reason) for s in d.steps]


@settings(max_examples=EXAMPLES, deadline=None)
@given(chains(planted=True))
def test_one_planted_error_is_caught_on_its_line(tmp_path_factory, chain) -> None:
    text, bad_line, kind = chain
    d = _check(tmp_path_factory, text)
    # a chain nested past the parser's limit (MAX_DEPTH) is refused, correctly, before anything is decided
    assume(not any(s.unreadable and "nested deeper" in s.reason for s in d.steps))
    wrong = [s.line for s in d.steps if s.verdict == "wrong"]
    assert wrong == [bad_line], (kind, [(s.line, s.verdict, s.reason) for s in d.steps])
    step = next(s for s in d.steps if s.line == bad_line)
    assert step.counterexample and step.counterexample.left != step.counterexample.right
    assert all(s.verdict in ("proved", "numeric", "wrong") for s in d.steps)


def test_the_generator_plants_what_it_says(tmp_path: Path) -> None:
    """The tester tested: a planted chain differs from the valid one exactly on the planted line."""
    text = "$$1 \\cdot (\\sigma(x)) = 1 \\cdot (1 - \\sigma(-(x)))$$\n\n$$= -(1) \\cdot (\\sigma(x))$$\n"
    path = tmp_path / "c.md"
    path.write_text(text)
    assert [s.verdict for s in check_file(path).steps] == ["proved", "wrong"]


def test_a_false_derivative_after_the_function_is_defined_is_wrong(tmp_path: Path) -> None:
    """p(r) = r², then p'(r) = 3r: a false claim about the derivative, not a second definition of p."""
    got = verdicts(check_text(tmp_path, displays(r"p(r) = r^2", r"p'(r) = 3r", r"p'(r) = 2r")))
    assert got == ["definition", "wrong", "proved"]


def test_a_counterexample_inside_a_condition_the_checker_cannot_use_is_one(tmp_path: Path) -> None:
    """∂L/∂w = yx if y(wx + b) < 1 (the hinge; it is −yx): the counterexample found, y = −1, w = 1, x = 2, b = 3,
    has y(wx + b) = −5 < 1 — wrong as stated; the true −yx, whose counterexamples lie outside, stays unchecked."""
    text = "Let $y \\in \\{-1, 1\\}$ be the label and $L = \\max(0, 1 - y(wx + b))$ the hinge loss.\n\n"
    text += displays(r"\frac{\partial L}{\partial w} = -yx \quad \text{if } y(wx + b) < 1",
                     r"\frac{\partial L}{\partial w} = yx \quad \text{if } y(wx + b) < 1")  # fmt: skip
    assert verdicts(check_text(tmp_path, text)) == ["unchecked", "wrong"]
