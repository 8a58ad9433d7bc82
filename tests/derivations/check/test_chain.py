"""The step checker on the notes and on small files that exercise one rule each."""

from __future__ import annotations

from pathlib import Path

import pytest

from derivations.check import check_file
from derivations.identities import IDENTITIES, get
from tests.derivations.helpers import check_text, displays, verdicts

NOTES = Path(__file__).resolve().parents[3] / "derivations" / "notes"
NOTE1 = NOTES / "neural_network_basics_1.md"
NOTE2 = NOTES / "numpy_neural_network_slides.md"


@pytest.fixture(scope="module")
def note1():
    return check_file(NOTE1)


@pytest.fixture(scope="module")
def note2():
    return check_file(NOTE2)


def _line(path: Path, needle: str) -> int:
    return next(k for k, text in enumerate(path.read_text().split("\n"), 1) if needle in text)


def test_note1_wrong_lines_are_found_with_counterexamples(note1) -> None:
    # Each is wrong by hand, which the counterexample confirms: at x = 0, e^{-x}/(1+e^{-x})^3 = 1/8 while
    # σ'(0) = 1/4; σ(0) = 1/2 is not σ(0)(1 − σ(0)) = 1/4; and the gradient ŷ − y has ŷ_k − 1 ≠ 1/1 − 1 = 0.
    expected = {
        _line(NOTE1, r"$$= \frac{e^{-x}}{(1+e^{-x})^2} \cdot \frac{1}{(1+e^{-x})}$$"),
        _line(NOTE1, r"$$\therefore \sigma(x) = \sigma(x)(1-\sigma(x))$$"),
        _line(NOTE1, r"= \frac{1}{y} - y$$"),
    }
    wrong = {s.line for s in note1.wrong}
    assert wrong == expected
    for s in note1.wrong:
        ce = s.counterexample
        assert ce and ce.has_values and ce.left != ce.right and ce.point


def test_note1_returns_to_the_line_before_the_wrong_one(note1) -> None:
    bad = _line(NOTE1, r"$$= \frac{e^{-x}}{(1+e^{-x})^2} \cdot \frac{1}{(1+e^{-x})}$$")
    step = next(s for s in note1.steps if s.line == bad)
    assert step.returns_to_line == _line(NOTE1, r"$$\sigma'(x) = -(1+e^{-x})^{-2}")
    after = next(s for s in note1.steps if s.line > bad)
    assert after.verdict == "proved" and f"line {bad} is wrong" in after.reason


def test_note2_has_no_wrong_line_and_learns_its_definitions(note2) -> None:
    assert note2.wrong == []
    defined = [s.latex for s in note2.steps if s.verdict == "definition"]
    assert any(d.startswith("h^o =") for d in defined) and any(d.startswith("MSE =") for d in defined)
    chain_rule = [s for s in note2.steps if s.latex.startswith(r"\frac{dMSE}{dW^o}")]
    assert chain_rule and all(s.verdict == "proved" for s in chain_rule)


@pytest.mark.parametrize("path", [NOTE1, NOTE2], ids=["note1", "note2"])
def test_at_least_90_percent_of_the_other_steps_are_checked(path: Path) -> None:
    d = check_file(path)
    others = [s for s in d.steps if s.verdict not in ("wrong", "definition")]
    checked = [s for s in others if s.verdict in ("proved", "numeric")]
    assert len(checked) >= 0.9 * len(others)
    for s in d.steps:
        if s.verdict == "unchecked":
            assert s.reason


def test_cases_put_their_relation_in_force_and_branch_from_the_split(tmp_path: Path) -> None:
    text = (
        "---\nassume:\n  - y \\text{ one-hot at } k\n---\n"
        "$$\\frac{\\partial}{\\partial \\theta_i} \\left(-\\log S(\\theta)_k\\right) = "
        "-\\frac{1}{S(\\theta)_k} \\frac{\\partial S(\\theta)_k}{\\partial \\theta_i}$$\n\n"
        "(i) $i = k$ case\n\n$$= S(\\theta)_i - 1$$\n\n"
        "(ii) $i \\neq k$ case\n\n$$= S(\\theta)_i$$\n"
    )
    d = check_text(tmp_path, text)
    assert verdicts(d) == ["proved", "proved", "proved"]
    assert [s.case for s in d.steps] == ["", "i = k", "i \\neq k"]


def test_a_step_true_only_in_its_case_is_wrong_outside_it(tmp_path: Path) -> None:
    text = displays(r"\frac{\partial S(\theta)_j}{\partial \theta_i} = S(\theta)_i (1 - S(\theta)_i)")
    d = check_text(tmp_path, text)
    assert verdicts(d) == ["wrong"]
    assert d.steps[0].counterexample.indices["i"] != d.steps[0].counterexample.indices["j"]


def test_definitions_are_learned_and_used(tmp_path: Path) -> None:
    text = displays(
        r"f(u) = u^2 + 1", r"g = f(x) \cdot 2", r"g = 2x^2 + 2", r"\frac{dg}{dx} = 4x", r"\frac{dg}{dx} = 4"
    )
    d = check_text(tmp_path, text)
    assert verdicts(d) == ["definition", "definition", "proved", "proved", "wrong"]


def test_derivative_with_respect_to_a_defined_name_uses_the_chain_rule(tmp_path: Path) -> None:
    text = displays(r"h = 3x", r"L = (h - 1)^2", r"\frac{dL}{dh} = 2(h - 1)", r"\frac{dL}{dx} = 6(h - 1)")
    d = check_text(tmp_path, text)
    assert verdicts(d) == ["definition", "definition", "proved", "proved"]


def test_derivative_of_an_undefined_name_is_not_read_as_zero(tmp_path: Path) -> None:
    """The trap: ∂L/∂z with L unknown is the derivative of a 'constant' — 0 = 0 would 'prove' anything."""
    d = check_text(tmp_path, displays(r"\frac{dL}{dz} = \frac{dM}{dz}", r"\frac{dL}{dz} = 5"))
    assert verdicts(d) == ["unchecked", "unchecked"]
    assert "never defined" in d.steps[0].reason  # and nothing is defined for L to depend on


def test_log_is_natural_and_e_is_eulers_number(tmp_path: Path) -> None:
    d = check_text(tmp_path, displays(r"\log(e) = 1", r"\log(e^{x}) = x", r"\log(10) = 1", r"e^{x} e^{-x} = 1"))
    assert verdicts(d) == ["proved", "proved", "wrong", "proved"]


def test_kronecker_delta_and_products(tmp_path: Path) -> None:
    text = displays(
        r"\frac{\partial \theta_j}{\partial \theta_i} = \delta_{ij}",
        r"\sigma(x)(1-\sigma(x)) = \sigma(x) - \sigma(x)^2",
        r"s(1-s) = s - s^2",
    )
    assert verdicts(check_text(tmp_path, text)) == ["proved", "proved", "proved"]


def test_large_arguments_need_high_precision_not_a_false_alarm(tmp_path: Path) -> None:
    """1 − σ(x) rounds to 0 for x ≥ 37 in float64 (and at 96 bits for x ≥ 67): intervals refuse to decide early."""
    d = check_text(tmp_path, displays(r"\sigma(x)\sigma(-x) = \sigma(x)(1 - \sigma(x))", r"\sigma(-x) = 1 - \sigma(x)"))
    assert verdicts(d) == ["proved", "proved"]


def test_tiny_but_real_differences_are_wrong(tmp_path: Path) -> None:
    d = check_text(tmp_path, displays(r"\sigma(x) = \frac{1}{1 + e^{-x}} + e^{-x^2 - 30}"))
    assert verdicts(d) == ["wrong"]


def test_unparseable_and_question_rows_are_unchecked_with_a_reason(tmp_path: Path) -> None:
    d = check_text(tmp_path, displays(r"a = \vdots", r"\frac{d\sigma}{dx} ?", r"= \sigma(x)(1-\sigma(x))"))
    assert verdicts(d)[:2] == ["unchecked", "unchecked"]
    assert "column" in d.steps[0].reason


def test_vectors_row_and_column_compare_entrywise(tmp_path: Path) -> None:
    text = displays(r"x = (x_1, x_2)", r"w = \begin{pmatrix} w_1 \\ w_2 \end{pmatrix}", r"\frac{d}{dw}(xw) = x")
    assert verdicts(check_text(tmp_path, text)) == ["definition", "definition", "proved"]


def test_shape_mismatch_is_wrong(tmp_path: Path) -> None:
    text = displays(r"x = (x_1, x_2)", r"w = \begin{pmatrix} w_1 \\ w_2 \end{pmatrix}", r"\frac{d}{dw}(xw) = 1")
    d = check_text(tmp_path, text)
    assert verdicts(d)[-1] == "wrong" and "scalar" in d.steps[-1].reason


def test_time_limit_makes_a_step_unchecked_or_numeric_never_proved_falsely(tmp_path: Path) -> None:
    d = check_text(tmp_path, displays(r"\sigma(x) = \frac{1}{1+e^{-x}}"), seconds=1e-4)
    assert verdicts(d) == ["unchecked"] and "timed out" in d.steps[0].reason


@pytest.mark.parametrize("identity", [i for i in IDENTITIES if i.notation], ids=lambda i: i.name)
def test_each_identity_in_notes_notation_is_proved_as_a_claim(tmp_path: Path, identity) -> None:
    # The CE gradient's assumption: soft labels (the one-hot case is the notes' own, checked above).
    front = "assume:\n  - y \\text{ probability vector}\n" if identity.name == "ce-softmax-gradient" else ""
    d = check_text(tmp_path, displays(*identity.notation, front=front))
    assert set(verdicts(d)) == {"proved"}, [s.reason for s in d.steps]


def test_the_ce_gradient_needs_its_assumption(tmp_path: Path) -> None:
    """Without Σ y = 1 the claim ŷ − y is false for a general y: never proved. Notes take the one-hot label for
    granted far more often than they get this wrong, so it is unchecked, naming the assumption; with
    the assumption stated it is proved."""
    d = check_text(tmp_path, displays(*get("ce-softmax-gradient").notation))
    assert verdicts(d) == ["unchecked"] and "sums to 1" in d.steps[0].reason
    stated = check_text(tmp_path, "Here $y$ is one-hot.\n\n" + displays(*get("ce-softmax-gradient").notation))
    assert verdicts(stated) == ["proved"]


def test_against_follows_a_chain_from_left_to_a_closed_form(tmp_path: Path) -> None:
    ident = get("sigmoid-derivative")
    good = displays(r"\sigma'(x) = \frac{e^{-x}}{(1+e^{-x})^2}", r"= \sigma(x)(1-\sigma(x))")
    path = tmp_path / "good.md"
    path.write_text(good)
    assert check_file(path, against=(ident.name, ident.notation)).against.verdict == "proved"
    # A chain that stops at an unevaluated derivative has proved nothing yet, even if it is equal.
    half = displays(r"\sigma'(x) = \frac{d}{dx} \frac{1}{1+e^{-x}}")
    path.write_text(half)
    assert check_file(path, against=(ident.name, ident.notation)).against.verdict == "not proved"
    wrong = displays(r"\sigma'(x) = \frac{e^{-x}}{(1+e^{-x})^3}", r"= \sigma(x)(1-\sigma(x))")
    path.write_text(wrong)
    assert check_file(path, against=(ident.name, ident.notation)).against.verdict == "not proved"


def test_against_the_notes() -> None:
    for path, name, proved in [
        (NOTE1, "softmax-jacobian", True),
        (NOTE1, "ce-softmax-gradient", True),
        (NOTE1, "sigmoid-derivative", False),  # its chain holds only by stepping over the wrong line
        (NOTE2, "mse-layer-gradients", True),
        (NOTE2, "softmax-jacobian", False),
    ]:
        ident = get(name)
        against = check_file(path, against=(ident.name, ident.notation)).against
        assert (against.verdict == "proved") is proved, (path.name, name, against.equations)


EXAMPLES = Path(__file__).resolve().parents[3] / "examples"


@pytest.mark.parametrize("name", ["bce_sigmoid.md", "tanh.md", "mse_batch.md"])
def test_the_example_derivations_hold(name: str) -> None:
    d = check_file(EXAMPLES / name)
    assert d.wrong == [] and all(s.verdict in ("proved", "numeric", "definition") for s in d.steps)


def test_the_example_student_answer_is_wrong_at_its_last_rewrite_and_proves_nothing() -> None:
    path = EXAMPLES / "student_answer.md"
    ident = get("sigmoid-derivative")
    d = check_file(path, against=(ident.name, ident.notation))
    against = d.against
    assert [s.line for s in d.wrong] == [_line(path, r"$$= \sigma(x) (1 + \sigma(x))$$")]
    # Its ∴ line restates the identity (true), but a statement is not a derivation, and the chain broke.
    assert against.verdict == "not proved"


def test_a_name_in_terms_of_itself_is_a_claim_not_a_definition(tmp_path: Path) -> None:
    d = check_text(tmp_path, displays(r"x = x + 0", r"v = (v_1, v_2)", r"z = z + 1"))
    assert verdicts(d) == ["proved", "definition", "wrong"]


def test_piecewise_functions_and_conditions_on_variables(tmp_path: Path) -> None:
    text = displays(
        r"\text{ReLU}(x) = \max(0, x)",
        r"\frac{d}{dx}\text{ReLU}(x) = \begin{cases} 1 & \text{if } x > 0 \\ 0 & \text{otherwise} \end{cases}",
        r"|x| = \max(x, -x)",
        r"\text{ReLU}(x) = x",
    )
    assert verdicts(check_text(tmp_path, text)) == ["proved", "proved", "proved", "wrong"]


def test_a_kink_is_not_a_counterexample(tmp_path: Path) -> None:
    """d/dx max(0, x) does not exist at 0 (SymPy's H(0) = ½ is a convention): never 'wrong' there."""
    text = displays(r"\frac{d}{dx} \max(0, x) = \begin{cases} 1 & \text{if } x > 0 \\ 0 & \text{otherwise} \end{cases}")
    assert verdicts(check_text(tmp_path, text)) in (["numeric"], ["proved"])


def test_a_second_lecture_style(tmp_path: Path) -> None:
    """Two statements in one row, wᵀx, z and z_i in different sections, a step's own condition; the prose
    ("Let $z = w^T x + b$ with $x, w \\in \\mathbb{R}^2$") defines z and declares x and w, so the display
    rows that restate them are claims (proved), and ŷ, L and p_i are the definitions."""
    d = check_file(EXAMPLES / "backprop_one_neuron.md")
    assert d.wrong == [] and {s.verdict for s in d.steps} <= {"proved", "definition"}
    defined = [s.latex.split("=")[0].strip() for s in d.steps if s.verdict == "definition"]
    assert defined == ["\\hat{y}", "L", "p_i"]


def test_a_condition_the_checker_cannot_use_turns_wrong_into_unchecked(tmp_path: Path) -> None:
    rows = (r"\sqrt{x^2} = x \quad \text{if } \sin(x) > 0", r"\sqrt{x^2} = x \quad \text{if } x > 0", r"\sqrt{x^2} = x")
    d = check_text(tmp_path, displays(*rows))
    assert verdicts(d) == ["unchecked", "proved", "wrong"]  # x > 0 is put in force; sin(x) > 0 is not
    assert "holds only if \\sin(x) > 0" in d.steps[0].reason


def test_an_index_condition_on_the_step_is_a_case(tmp_path: Path) -> None:
    text = displays(
        r"\frac{\partial S(\theta)_j}{\partial \theta_i} = S(\theta)_i (1 - S(\theta)_i) \quad \text{if } i = j"
    )
    assert verdicts(check_text(tmp_path, text)) == ["proved"]


def test_bare_name_of_an_indexed_family_reads_as_a_scalar_where_only_that_makes_sense(tmp_path: Path) -> None:
    text = displays(r"\frac{\partial}{\partial w} \frac{1}{2}(wx - y)^2 = (wx - y)x", r"\sum_i y_i = \sum_j y_j")
    assert verdicts(check_text(tmp_path, text)) == ["proved", "proved"]


CASES_WITH_ABBREVIATION = (
    "$$\\frac{\\partial}{\\partial \\theta_i} \\frac{e^{\\theta_j}}{\\sum_k e^{\\theta_k}} = "
    "\\frac{e^{\\theta_i}\\delta_{ij}}{\\sum_k e^{\\theta_k}} "
    "- \\frac{e^{\\theta_i} e^{\\theta_j}}{(\\sum_k e^{\\theta_k})^2}$$\n\n"
    "$i = j$ 일 때\n\n$$= S_i (1 - S_i)$$\n\n$i \\neq j$ 인 경우\n\n$$= -S_i S_j$$\n"
)


def test_an_undefined_abbreviation_is_unchecked_not_wrong(tmp_path: Path) -> None:
    """S_i never defined: reading it as a free variable would call correct lines wrong (Korean case lines too)."""
    d = check_text(tmp_path, CASES_WITH_ABBREVIATION)
    assert verdicts(d) == ["proved", "unchecked", "unchecked"]
    assert "S_{1}" in d.steps[1].reason and "abbreviation" in d.steps[1].reason


def test_the_abbreviation_defined_in_the_front_matter_is_checked(tmp_path: Path) -> None:
    front = "---\nassume:\n  - S_i = \\operatorname{softmax}(\\theta)_i\n---\n"
    assert verdicts(check_text(tmp_path, front + CASES_WITH_ABBREVIATION)) == ["proved", "proved", "proved"]


def test_indexed_definitions_and_derivatives_by_their_entries(tmp_path: Path) -> None:
    text = displays(
        r"z_j = \sum_{i} W_{ij} x_i + b_j",
        r"a_j = \sigma(z_j)",
        r"\frac{\partial a_j}{\partial z_j} = a_j (1 - a_j)",
        r"\frac{\partial a_j}{\partial W_{ij}} = a_j (1 - a_j) x_i",
        r"\frac{\partial a_j}{\partial b_j} = a_j (1 + a_j)",
    )
    assert verdicts(check_text(tmp_path, text)) == ["definition", "definition", "proved", "proved", "wrong"]


def test_a_function_named_bare_stands_for_it_at_its_own_parameters(tmp_path: Path) -> None:
    front = "---\nassume:\n  - y \\text{ one-hot at } k\n---\n"
    text = displays(
        r"L(\theta) = -\sum_j y_j \log S(\theta)_j",
        r"\frac{\partial L}{\partial \theta_i} = S(\theta)_i - y_i",
        r"\frac{\partial L}{\partial \theta_i} = y_i - S(\theta)_i",
    )
    assert verdicts(check_text(tmp_path, front + text)) == ["definition", "proved", "wrong"]


def test_worked_examples_with_rounded_numbers(tmp_path: Path) -> None:
    text = displays(r"\sigma(2) = 0.8808", r"\sigma(2) \approx 0.88", r"\sigma(2) \approx 0.85", r"\sigma(0) = 0.6")
    d = check_text(tmp_path, text)
    assert verdicts(d) == ["numeric", "numeric", "wrong", "wrong"]
    assert "rounded value" in d.steps[0].reason


def test_arctan_is_read_differentiated_and_checked(tmp_path) -> None:
    # d/dx arctan x = 1/(1 + x²) by hand; 1/(1 − x²) differs at x = 1/2 (4/5 vs 4/3)
    d = check_text(
        tmp_path,
        displays(
            r"\frac{d}{dx} \arctan(x) = \frac{1}{1 + x^2}",
            r"\frac{d}{dx} \operatorname{arctan} x = \frac{1}{1 - x^2}",
        ),
    )
    assert verdicts(d) == ["proved", "wrong"]


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (r"\sum^{n}_{k=1} x_k = \sum_{k=1}^{n} x_k", "proved"),  # scripts in either order
        (r"\sum\limits_{k} x_k^2 = \sum_k x_k x_k", "proved"),
        (r"\sum_{k \neq i} x_k = \sum_k x_k - x_i", "proved"),
        (r"\sum_{j=1, j \neq i}^{n} x_j = \sum_k x_k - x_i", "proved"),
        (r"\sum_{k \neq i} x_k = \sum_k x_k", "wrong"),  # x_i is missing on the left
        (r"\sum_{i,j} x_i x_j = \left(\sum_k x_k\right)^2", "proved"),  # a double sum
        (r"\boxed{\sigma'(x) = \sigma(x)(1-\sigma(x))} \tag{3}", "proved"),
        (r"\sigma(x) = \boxed{\frac{1}{1+e^{-x}}} \label{eq:s} \nonumber", "proved"),
    ],
)
def test_sum_variants_boxes_tags_and_labels(tmp_path: Path, row: str, expected: str) -> None:
    assert verdicts(check_text(tmp_path, displays(row))) == [expected]


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (r"\sqrt{x^2} = -x \quad (x < 0, y > 0)", "proved"),  # both bounds in force, each on its own name
        (r"\sqrt{x^2} = -x \quad x < 0 \text{ and } y > 0", "proved"),
        (r"\sqrt{x^2} = -x \quad -1 < x < 0", "proved"),  # a chain of two bounds on one name
        (r"\sqrt{x^2} = -x \quad (x < 0, x > 1)", "unchecked"),  # no such x: the condition is not used
        (r"\sqrt{x^2} = x \quad (x < 0, y > 0)", "wrong"),  # 1 against −1 at x = −1
    ],
)
def test_several_bounds_in_one_condition_are_all_in_force(tmp_path: Path, row: str, expected: str) -> None:
    assert verdicts(check_text(tmp_path, displays(row))) == [expected]


@pytest.mark.parametrize("mark", ["", "### ", "#### "])
def test_a_case_written_as_a_heading_is_in_force_until_the_next(tmp_path: Path, mark: str) -> None:
    """ "### When $j = i$" is a case like "When $j = i$:", and ends at the next case."""
    text = (
        "Let $p_i = \\frac{e^{x_i}}{\\sum_k e^{x_k}}$.\n\n"
        f"{mark}When $j = i$\n\n$$\\frac{{\\partial p_j}}{{\\partial x_i}} = p_i(1 - p_i)$$\n\n"
        f"{mark}When $j \\neq i$\n\n$$\\frac{{\\partial p_j}}{{\\partial x_i}} = -p_i p_j$$\n\n"
        "$$\\frac{\\partial p_j}{\\partial x_i} = p_i p_j$$\n"
    )
    assert verdicts(check_text(tmp_path, text)) == ["proved", "proved", "wrong"]


def test_a_link_of_a_row_over_several_lines_is_on_the_line_of_its_relation(tmp_path: Path) -> None:
    """``A &=`` at the end of a line and ``B`` on the next: the step A = B is on A's line, where its '=' is; a
    '= C' starting a later line of the same row is on that line."""
    text = "$$\n\\begin{aligned}\nx^2 - 1 &=\n(x - 1)(x + 1)\n= x^2 + x - x - 1\n\\end{aligned}\n$$\n"
    steps = check_text(tmp_path, text).steps
    assert [(s.line, s.verdict) for s in steps] == [(3, "proved"), (5, "proved")]


def test_a_link_after_operands_written_with_a_macro_keeps_its_own_line(tmp_path: Path) -> None:
    """The operands before it spelt out by a macro (not found as written): the link is still on the line where
    its own operand starts, not on the row's first line."""
    text = (
        "$$\n\\gdef\\sq#1{#1^2}\n$$\n\n$$\n\\begin{aligned}\n\\sq{x} - 1 &= \\sq{x} - 1\n"
        "= (x - 1)(x + 1)\n\\end{aligned}\n$$\n"
    )
    steps = check_text(tmp_path, text).steps
    assert [(s.line, s.verdict) for s in steps] == [(7, "proved"), (8, "proved")]
