"""The soundness classes: each example of a class that went wrong once, with the verdict it must get.

False accepts (a false step called proved or numeric), misses (a stated claim left unchecked) and
false wrongs (a true step called wrong because the notation was misread). Every expected verdict is
judged by hand in the comment beside it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.derivations.helpers import check_text, displays, verdicts


def one(tmp_path: Path, *rows: str, front: str = "") -> list[str]:
    return verdicts(check_text(tmp_path, displays(*rows, front=front)))


# -- saturation: a step about numbers is decided exactly, never by agreement at one precision


@pytest.mark.parametrize(
    "row",
    [
        r"\sigma(100) = 1",  # 1 − σ(100) = 3.7e-44
        r"\tanh(50) = 1",  # 1 − tanh 50 = 7.4e-44
        r"\log(1 + e^{100}) = 100",  # log(1 + e^-100) = 3.7e-44
        r"\sigma(50) = 1",  # 1.9e-22
        r"\sigma(x^2 + 100) = 1",  # false at every x, by ≤ 3.7e-44
    ],
)
def test_saturation_false_by_a_tiny_amount_is_wrong(tmp_path: Path, row: str) -> None:
    assert one(tmp_path, row) == ["wrong"]


@pytest.mark.parametrize(
    "row",
    [r"1 - \sigma(100) = \sigma(-100)", r"\sigma(0) = \frac{1}{2}", r"\sigma(100) = \frac{1}{1 + e^{-100}}"],
)
def test_saturation_true_constant_steps_are_proved(tmp_path: Path, row: str) -> None:
    assert one(tmp_path, row) == ["proved"]


def test_saturation_the_counterexample_shows_the_difference_when_the_values_print_alike(tmp_path: Path) -> None:
    d = check_text(tmp_path, displays(r"\sigma(100) = 1"))
    assert d.steps[0].reason == "left side 1.0, right side 1.0 (left − right = -3.72e-44)"


# -- cancellation to tiny values: a zero must be certified


@pytest.mark.parametrize(
    "row",
    [r"\sigma(200)(1 - \sigma(200)) = 0", r"1 - \tanh^2(100) = 0"],  # 1.4e-87 and 5.5e-87, not 0
)
def test_cancellation_to_a_tiny_value_is_not_zero(tmp_path: Path, row: str) -> None:
    assert one(tmp_path, row) == ["wrong"]


def test_cancellation_a_true_zero_identity_is_proved_not_numeric(tmp_path: Path) -> None:
    assert one(tmp_path, r"\sigma(x) + \sigma(-x) - 1 = 0") == ["proved"]


def test_cancellation_agreement_far_out_is_still_found(tmp_path: Path) -> None:
    # at x = 529, 1 − σ(x) cancels to 2^-763: equal, once the precision is high enough
    assert one(tmp_path, r"\sigma(x)\sigma(-x) = \sigma(x)(1 - \sigma(x))") == ["proved"]


# -- shapes: a mismatch from names the file never gave a shape is a doubt about the reading


def test_shape_mismatch_from_undeclared_names_is_unchecked(tmp_path: Path) -> None:
    rows = (r"\mathbf{z} = (z_1, z_2, z_3)", r"\mathbf{z} + \mathbf{z} = 2\mathbf{a}")
    d = check_text(tmp_path, displays(*rows))
    assert verdicts(d) == ["definition", "unchecked"] and "declare" in d.steps[-1].reason


# -- a prose sentence with an index relation is not a case heading


def test_prose_sentence_with_an_index_relation_opens_no_case(tmp_path: Path) -> None:
    text = (
        "The Kronecker delta below is one if $i = j$ and zero otherwise.\n\n"
        "$$\\frac{\\partial \\theta_j}{\\partial \\theta_i} = 1$$\n"  # false for i ≠ j
    )
    assert verdicts(check_text(tmp_path, text)) == ["wrong"]


@pytest.mark.parametrize("heading", ["(i) $i = j$ case", "Case $i = j$:", "If $i = j$:", "$i = j$인 경우"])
def test_case_headings_still_open_a_case(tmp_path: Path, heading: str) -> None:
    text = f"{heading}\n\n$$\\frac{{\\partial \\theta_j}}{{\\partial \\theta_i}} = 1$$\n"  # true when i = j
    assert verdicts(check_text(tmp_path, text)) == ["proved"]


# -- a conclusion after a case analysis is stated for every index

CASES = (
    "---\nassume:\n  - S_i = \\operatorname{softmax}(\\theta)_i\n---\n\n"
    "(i) $i = j$ case\n\n$$\\frac{\\partial S_j}{\\partial \\theta_i} = S_i(1 - S_i)$$\n\n"
    "(ii) $i \\neq j$ case\n\n$$\\frac{\\partial S_j}{\\partial \\theta_i} = -S_iS_j$$\n\n"
)


def test_conclusion_after_cases_introduced_by_a_sentence_is_checked_for_every_index(tmp_path: Path) -> None:
    # −S_iS_j is the i ≠ j case only: at i = j it is −S_i² ≠ S_i(1 − S_i)
    text = (
        CASES
        + "Putting the two cases together:\n\n$$\\therefore \\frac{\\partial S_j}{\\partial \\theta_i} = -S_iS_j$$\n"
    )
    assert verdicts(check_text(tmp_path, text)) == ["proved", "proved", "wrong"]


def test_conclusion_after_cases_without_a_sentence_is_never_accepted_if_it_fails_in_general(tmp_path: Path) -> None:
    text = CASES + "$$\\therefore \\frac{\\partial S_j}{\\partial \\theta_i} = -S_iS_j$$\n"
    d = check_text(tmp_path, text)
    assert verdicts(d) == ["proved", "proved", "unchecked"] and "every index" in d.steps[-1].reason


def test_a_true_general_conclusion_after_cases_is_proved(tmp_path: Path) -> None:
    text = CASES + "Together:\n\n$$\\therefore \\frac{\\partial S_j}{\\partial \\theta_i} = S_i(\\delta_{ij} - S_j)$$\n"
    assert verdicts(check_text(tmp_path, text)) == ["proved", "proved", "proved"]


# -- a claim hidden after \quad is a claim of its own


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (
            r"\sigma(-x) = \frac{1}{1+e^{x}} \quad \Rightarrow \quad 1 - \sigma(x) = \frac{1}{1+e^{-x}}",
            ["proved", "wrong"],
        ),
        (r"\sigma(-x) = \frac{1}{1+e^{x}} \qquad \implies 1 - \sigma(x) = \frac{1}{1+e^{x}}", ["proved", "proved"]),
        (r"\sigma(0) = \frac{1}{2} \quad \therefore \quad \sigma'(0) = \frac{1}{2}", ["proved", "wrong"]),
    ],
)
def test_claim_after_quad_is_checked(tmp_path: Path, row: str, expected: list[str]) -> None:
    assert one(tmp_path, row) == expected


# -- a row that starts with a claim marker is a claim, and a name a definition uses is not redefined


def test_implication_row_restating_a_name_is_a_claim(tmp_path: Path) -> None:
    rows = (r"y = \sigma(x)", r"\Rightarrow x = \log\frac{1-y}{y}", r"\Rightarrow x = \log\frac{y}{1-y}")
    assert one(tmp_path, *rows) == ["definition", "wrong", "proved"]  # the inverse of σ is log(y/(1 − y))


def test_a_name_a_definition_is_built_on_is_not_redefined(tmp_path: Path) -> None:
    assert one(tmp_path, r"y = \sigma(x)", r"x = \log\frac{1-y}{y}") == ["definition", "wrong"]


# -- conditions on variables are put in force


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (r"\text{ReLU}'(x) = 0 \quad \text{for } x > 0", "wrong"),  # it is 1 there: x = 1 is inside x > 0
        (r"\text{ReLU}'(x) = 0 \quad \text{for } x < 0", "proved"),  # proved for negative x
        (r"-y\log\hat{y} - (1-y)\log(1-\hat{y}) = -\log \hat{y} \quad \text{if } y = 1", "proved"),
        (r"-y\log\hat{y} - (1-y)\log(1-\hat{y}) = -\log(1 - \hat{y}) \quad \text{if } y = 1", "wrong"),
        (r"y(1 - y) = 0 \quad y \in \{0, 1\}", "proved"),
        (r"y^2 = y \quad y \in \{0, 1, 2\}", "wrong"),  # 4 ≠ 2 at y = 2
        (r"\sum_{k=1}^{n} k = 3 \quad n = 2", "proved"),
        (r"|x| = x \quad \text{for } x \geq 0", "proved"),  # proved for nonnegative x
    ],
)
def test_condition_on_a_variable_is_put_in_force(tmp_path: Path, row: str, expected: str) -> None:
    assert one(tmp_path, row) == [expected]


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        # the log rules need positive arguments: for a, b < 0 the right side is not a real number anywhere
        (r"\log(ab) = \log a + \log b \quad (a<0, b<0)", "wrong"),
        (r"\log(ab) = \log a + \log b \quad (a > 0, b > 0)", "proved"),
        (r"\log(ab) = \log a + \log b", "unchecked"),  # holds where both sides are real, not for a = b = −1
        (r"\log(z^2) = 2\log z", "unchecked"),  # at z = −1: 0 against 2πi
        (r"\log(z^2) = 2\log z \quad z > 0", "proved"),
        (r"\log(p^2) = 2\log p \quad 0 < p < 1", "proved"),
        (r"\log(z^2) = 2\log(-z) \quad z > 0", "wrong"),  # the right side is never real there
        (r"\log \sigma(x) = -\log(1 + e^{-x})", "proved"),  # σ(x) > 0: the rule applies for every x
    ],
)
def test_log_rules_hold_only_for_positive_arguments(tmp_path: Path, row: str, expected: str) -> None:
    assert one(tmp_path, row) == [expected]


def test_one_side_real_and_the_other_not_names_the_point(tmp_path: Path) -> None:
    d = check_text(tmp_path, displays(r"\log(z^2) = 2\log z"))
    assert "the right side is not a real number" in d.steps[0].reason and "z = -1" in d.steps[0].reason


def test_a_bare_index_condition_after_quad_is_a_condition_not_a_claim(tmp_path: Path) -> None:
    row = r"\frac{\partial S(\theta)_j}{\partial \theta_i} = S(\theta)_i(1 - S(\theta)_i) \quad i = j"
    assert one(tmp_path, row) == ["proved"]


# -- an unreadable row: listed, and the chain goes on from the last expression that can be read

TYPO = (
    "$$\\begin{aligned}\n\\sigma'(x) &= \\frac{e^{-x}}{(1+e^{-x})^2} \\\\\n"
    "&= \\frac{1}{1+e^{-x}} \\cdto \\frac{e^{-x}}{1+e^{-x}} \\\\\n&= ROW\n\\end{aligned}$$\n"
)


def test_a_wrong_step_after_an_unreadable_row_fails_from_the_last_readable_one(tmp_path: Path) -> None:
    d = check_text(tmp_path, TYPO.replace("ROW", r"\sigma(x)(1 + \sigma(x))"))
    # A = B = C with B unreadable: A ≠ C, but whether B or C holds the error the checker cannot tell
    assert verdicts(d) == ["proved", "unchecked", "unchecked"]
    assert "from there to here the chain fails" in d.steps[-1].reason and "left side" in d.steps[-1].reason
    # the row with the typo is on line 3 of the file: a row of an aligned block has the line it starts on
    assert [s.line for s in d.unreadable] == [3] and "line 3 could not be read" in d.steps[-1].reason


def test_a_true_step_after_an_unreadable_row_holds_from_the_last_readable_one(tmp_path: Path) -> None:
    d = check_text(tmp_path, TYPO.replace("ROW", r"\sigma(x)(1 - \sigma(x))"))
    # A = C holds, but B = C alone is not shown (B and C both false with A = C true is a real document's case)
    assert verdicts(d) == ["proved", "unchecked", "unchecked"]
    assert "from there to here the chain holds" in d.steps[-1].reason


def test_the_rows_after_the_one_after_an_unreadable_row_are_checked_as_usual(tmp_path: Path) -> None:
    rows = (r"\sigma(x)(1 - \sigma(x)) \\", r"&= \sigma(x) - \sigma(x)^2 \\", r"&= \sigma(x) + \sigma(x)^2")
    text = TYPO.replace("ROW", "\n".join(rows))
    assert verdicts(check_text(tmp_path, text)) == ["proved", "unchecked", "unchecked", "proved", "wrong"]


def test_a_name_defined_on_an_unreadable_row_is_not_a_free_variable(tmp_path: Path) -> None:
    # a_1 = σ(z_1) could not be read; a_1(1 − a_1) is then not judged as if a_1 were any number
    rows = (r"a_1 = \sigma(z_1) \cdto 2", r"\frac{d}{d z_1} \sigma(z_1) = a_1(1 - a_1)")
    assert one(tmp_path, *rows) == ["unchecked", "unchecked"]


# -- false wrongs: a misreading is unchecked, never wrong


@pytest.mark.parametrize(
    "rows",
    [
        (r"\sigma^{-1}(p) = \log\frac{p}{1-p}",),  # σ^{-1} is the inverse function (the logit), not 1/σ
        (r"\sigma(\sigma^{-1}(p)) = p",),
        (r"\sigma(x) = \frac{1}{f(x)} \quad \text{where } f(x) = 1 + e^{-x}",),  # where applies to its own row
        (r"\sigma'(x) = s(1-s) \quad \text{where } s = \sigma(x)",),
        (r"\sigma(x) = \frac{1}{1 + \mathrm{e}^{-x}}",),  # upright e is Euler's number
        (r"\mathcal{L}(w) = \frac{1}{2}(w x - y)^2", r"\frac{\partial \mathcal{L}}{\partial w} = (wx - y)x"),
        (r"\ell(\hat{y}, y) = -y\log\hat{y}", r"\frac{\partial \ell}{\partial \hat{y}} = -\frac{y}{\hat{y}}"),
        (r"J(\theta) = \theta^2", r"\frac{dJ}{d\theta} = 2\theta"),
        (r"\phi(z)_i = \operatorname{softmax}(z)_i", r"\phi(z)_i = \frac{e^{z_i}}{\sum_k e^{z_k}}"),
    ],
)
def test_true_steps_in_easily_misread_notation_are_not_wrong(tmp_path: Path, rows: tuple[str, ...]) -> None:
    assert set(one(tmp_path, *rows)) <= {"proved", "definition"}


def test_an_approximation_with_variables_is_unchecked(tmp_path: Path) -> None:
    assert one(tmp_path, r"\sigma(x) \approx 0.5 + 0.25x") == ["unchecked"]


def test_sigma_can_be_rebound_to_softmax_in_the_front_matter(tmp_path: Path) -> None:
    rows = (r"\sigma(z)_i = \frac{e^{z_i}}{\sum_k e^{z_k}}", r"\sigma(z)_i = \frac{1}{1 + e^{-z_i}}")
    assert one(tmp_path, *rows, front="assume:\n  - \\sigma = \\operatorname{softmax}\n") == ["proved", "wrong"]


def test_logistic_sigma_of_a_vector_indexed_is_not_silently_the_logistic_function(tmp_path: Path) -> None:
    d = check_text(tmp_path, displays(r"\sigma(z)_i = \frac{e^{z_i}}{\sum_k e^{z_k}}"))
    assert verdicts(d) == ["unchecked"] and "softmax" in d.steps[0].reason


def test_a_name_only_ever_applied_to_parentheses_is_a_doubtful_product(tmp_path: Path) -> None:
    # g(x²) is g·x² or a function g: false as a product, unknown as a function — not confidently wrong
    d = check_text(tmp_path, displays(r"\frac{d}{dx} g(x^2) = 2x g(x^2)"))
    assert verdicts(d) == ["unchecked"] and "define it" in d.steps[0].reason


def test_a_product_with_a_name_used_as_a_variable_elsewhere_stays_confident(tmp_path: Path) -> None:
    assert one(tmp_path, r"y(1-y) = y - y^2 + 1") == ["wrong"]  # y is written bare inside (1 − y)


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (r"e^{-40} \approx 4.2484 \times 10^{-18}", "numeric"),  # 4.24835…e-18 rounds to 4.2484e-18
        (r"e^{-40} \approx 4.2485 \cdot 10^{-18}", "wrong"),
        (r"1000 + \log 2 \approx 1000.6931", "numeric"),  # a rounded decimal may have many digits
    ],
)
def test_a_rounded_value_in_scientific_notation_is_a_rounding(tmp_path: Path, row: str, expected: str) -> None:
    assert one(tmp_path, row) == [expected]


def test_after_an_unreadable_right_side_the_chain_goes_on_from_its_left_side(tmp_path: Path) -> None:
    rows = (r"\sigma'(x) = \sigma(x) \cdto (1 - \sigma(x))", r"= \sigma(x) + \sigma(x)^{2}")
    d = check_text(tmp_path, displays(*rows))
    # σ' ≠ σ + σ²: checked against σ'(x), and the chain fails — in the unreadable right side or in this row
    assert verdicts(d) == ["unchecked", "unchecked"] and "the chain fails" in d.steps[1].reason


# -- a rounded value: a worked-out number given to two significant digits or more


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (r"\sigma(0.1) = 0.525", "numeric"),  # 0.524979… rounds to 0.525
        (r"\sigma(\ln 2) = 0.667", "numeric"),  # 2/3
        (r"\sigma(0.1) = 0.5", "wrong"),  # 0.52498: one digit looks exact, and σ(0.1) ≠ ½
        (r"\frac{1}{3} + \frac{1}{3} = 0.7", "wrong"),  # 0.6667, not 0.7
        (r"\frac{1}{3}\ln 3 = 0.4", "wrong"),  # 0.3662
        (r"\sigma(0.1) - \sigma(0) = 0.02", "wrong"),  # 0.02498
        (r"\sigma(0.1) - \frac{1}{2} = 0.0", "wrong"),
        (r"0.34 = 0.3", "wrong"),  # two numbers as written: nothing was rounded
        (r"0.345 = 0.35", "wrong"),
        (r"\sigma(0.1) \approx 0.5", "numeric"),  # '≈' says it is rounded, to any number of digits
        (r"\sigma(0.1) \approx 0.6", "wrong"),  # 0.52 does not round to 0.6
    ],
)
def test_a_rounded_value_needs_two_significant_digits_after_an_equals_sign(
    tmp_path: Path, row: str, expected: str
) -> None:
    assert one(tmp_path, row) == [expected]


# -- a function defined in prose with several parameters


def test_a_function_of_two_parameters_defined_in_prose_is_read_whole(tmp_path: Path) -> None:
    # g(a, b) = a − 2b: g(w_2, w_1) = w_2 − 2w_1, not w_1 − 2w_2 (false at w_1 = 2, w_2 = 1: 0 vs −3)
    text = "Let $g(w_1, w_2) = w_1 - 2 w_2$.\n\n" + displays(
        r"g(w_2, w_1) = w_1 - 2 w_2", r"g(0, 1) = -2", r"g(1, 0) = 1", r"g(w_2, w_1) = w_2 - 2 w_1"
    )
    assert verdicts(check_text(tmp_path, text)) == ["wrong", "proved", "proved", "proved"]


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        # softmax(1, 2, 3) = (0.0900306…, 0.2447285…, 0.6652410…): each entry by the rule for one number
        (
            r"\operatorname{softmax}\left(\begin{bmatrix} 1 \\ 2 \\ 3 \end{bmatrix}\right) = "
            r"\begin{bmatrix} 0.0900 \\ 0.2447 \\ 0.6652 \end{bmatrix}",
            "numeric",
        ),
        (
            r"\operatorname{softmax}\left(\begin{bmatrix} 1 \\ 2 \\ 3 \end{bmatrix}\right) = "
            r"\begin{bmatrix} 0.0900 \\ 0.2447 \\ 0.6653 \end{bmatrix}",
            "wrong",
        ),  # the third entry is 0.66524
        (
            r"\begin{pmatrix} \sigma(2) \\ \sigma(0) \end{pmatrix} = \begin{pmatrix} 0.8808 \\ 0.5 \end{pmatrix}",
            "numeric",
        ),  # σ(0) = ½ exactly: an exact entry may have one digit
        (
            r"\begin{pmatrix} \sigma(2) \\ \sigma(1) \end{pmatrix} = \begin{pmatrix} 0.8808 \\ 0.7 \end{pmatrix}",
            "wrong",
        ),  # one digit after '=' looks exact: 0.7311 is not 0.7
        # worked from rounded decimals: within what their roundings allow
        (r"\sigma(2)(1 - \sigma(2)) = 0.8808 \cdot 0.1192", "numeric"),  # 0.1049936 vs 0.1049914
        (r"\sigma(2) - \sigma(1) = 0.8808 - 0.7311", "numeric"),
        (r"\sigma(2)(1 - \sigma(2)) = 0.8808 \cdot 0.1292", "wrong"),  # 0.1138: outside the roundings
        (r"\sigma(2) - \sigma(1) = 0.9 - 0.7", "wrong"),  # one-digit decimals after '=' are exact
    ],
)
def test_rounded_values_in_a_vector_and_in_working(tmp_path: Path, row: str, expected: str) -> None:
    d = check_text(tmp_path, displays(row))
    assert verdicts(d) == [expected]
    if expected == "wrong" and "6653" in row:
        assert "component 3" in d.steps[0].reason  # the entry that fails, not the first


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        # rounded decimals inside a function: within what the rounding allows
        (r"-\log\frac{e^2}{e^2 + e + e^{0.1}} = -\log(0.6590)", "numeric"),  # p = 0.659001
        (r"\log\sqrt{3.5} = \log 1.8708", "numeric"),  # √3.5 = 1.870829
        (r"\sigma(1.2 \cdot 0.6225 - 0.7 \cdot 0.2689 + 0.1) = \sigma(0.6588)", "numeric"),  # 0.65877
        (r"1.2\,\sigma(0.5) - 0.7\,\sigma(-1) + 0.1 = 1.2 \cdot 0.6225 - 0.7 \cdot 0.2689 + 0.1", "numeric"),
        (r"\log\sqrt{3.5} = \log 1.8718", "wrong"),  # off by 1e-3
        (r"\sigma(2) = \sigma(0.88)", "wrong"),  # σ(0.88) = 0.7068 is far from σ(2) = 0.8808
    ],
)
def test_rounded_decimals_carried_into_functions(tmp_path: Path, row: str, expected: str) -> None:
    assert one(tmp_path, row) == [expected]


def test_an_indicator_of_the_index_against_a_number_is_checked_past_that_number(tmp_path: Path) -> None:
    # 𝟙[t > 5] is 0 for every t ≤ 5: the step holds at the small sizes and fails at T = 6 (r_6 γ^6 ≠ 0)
    prose = r"Let $\mathbf{r} \in \mathbb{R}^T$."
    text = (
        prose
        + "\n\n"
        + displays(
            r"\sum_{t=1}^{T} \mathbb{1}[t > 5]\, \gamma^t r_t = 0",
            r"\sum_{t=1}^{T} \mathbb{1}[t \le 5]\, r_t = \sum_{t=1}^{T} r_t",
            r"\sum_{t=1}^{T} \mathbb{1}[t = 7]\, r_t = 0",  # r_7 at T ≥ 7
            r"\sum_{t=1}^{T} \mathbb{1}[t = 2]\, r_t = r_2",  # every size has t = 2: proved as ever
        )
    )
    assert verdicts(check_text(tmp_path, text)) == ["wrong", "wrong", "wrong", "proved"]


def test_a_declared_column_vector_given_as_a_tuple_is_that_column(tmp_path: Path) -> None:
    prose = r"Let $\mathbf{w}, \mathbf{x} \in \mathbb{R}^2$ with $\mathbf{w} = (0.3, 0.7)$ and $\mathbf{x} = (1, -1)$."
    text = prose + "\n\n" + displays(r"\mathbf{w}^\top \mathbf{x} = -0.4", r"\mathbf{w}^\top \mathbf{x} = 0.4")
    assert verdicts(check_text(tmp_path, text)) == ["proved", "wrong"]


# -- thresholds beyond the sampled range: the step's own constants put points past them


@pytest.mark.parametrize(
    "row",
    [
        r"\min(\max(0, x), 1000) = \text{ReLU}(x)",  # false for x > 1000
        r"\max(x, -500) = x",  # false for x < −500
        r"\min(x, 2500) + \max(0, y) = x + \text{ReLU}(y)",  # false for x > 2500
    ],
)
def test_a_clip_at_a_large_constant_is_wrong(tmp_path: Path, row: str) -> None:
    assert one(tmp_path, row) == ["wrong"]


@pytest.mark.parametrize(
    "row",
    [r"\min(\max(0, x), 1000) = \min(\text{ReLU}(x), 1000)", r"\max(x, -500) = -\min(-x, 500)"],
)
def test_a_true_clip_at_a_large_constant_is_not_wrong(tmp_path: Path, row: str) -> None:
    assert one(tmp_path, row)[0] in ("proved", "numeric")


# -- a derivative by a vector the file says sums to 1: not a free variable, so no verdict


def test_a_derivative_by_a_probability_vector_is_unchecked(tmp_path: Path) -> None:
    """With z's last entry 1 − the others, ∂/∂z_j moves z_n too: the index-swapped log-softmax derivative
    δ_ij − s_i (false for free z) agreed at every point that way."""
    front = "---\nassume:\n  - z \\text{ probability vector}\n---\n"
    text = (
        front
        + "Let $s = \\operatorname{softmax}(z)$.\n\n"
        + displays(r"\frac{\partial \log s_i}{\partial z_j} = \delta_{ij} - s_i")
    )
    steps = check_text(tmp_path, text).steps
    assert [s.verdict for s in steps] == ["unchecked"]
    assert "sums to 1" in steps[0].reason


def test_the_index_swapped_log_softmax_derivative_is_wrong_without_a_hint(tmp_path: Path) -> None:
    """∂ log s_i/∂z_j = δ_ij − s_j; with s_i it fails for every z, whatever z sums to: no 'holds if z sums to 1'."""
    text = "Let $s = \\operatorname{softmax}(z)$.\n\n" + displays(
        r"\frac{\partial \log s_i}{\partial z_j} = \delta_{ij} - s_i"
    )
    assert verdicts(check_text(tmp_path, text)) == ["wrong"]


# -- a whole number after ≈: close to it, only rounding to it, or not


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (r"\sigma(-1000) \approx 0", "numeric"),  # 5.1e-435
        (r"\sigma(1000) \approx 1", "numeric"),  # 1 − 5.1e-435
        (r"\sigma(5) \approx 1", "numeric"),  # 0.9933, within 0.05
        (r"\sigma(2) \approx 1", "unchecked"),  # 0.881: a rounding to a whole number only
        (r"\sigma(0) \approx 1", "wrong"),  # 0.5
        (r"\sigma(-5) \approx 1", "wrong"),  # 0.0067
    ],
)
def test_a_whole_number_after_approx(tmp_path: Path, row: str, expected: str) -> None:
    assert one(tmp_path, row) == [expected]


def test_a_case_condition_on_a_function_argument_is_no_index_used_as_a_number(tmp_path: Path) -> None:
    """Huber's H(r) by cases on |r| ≤ 1: H(3) = 2.5 is a step about numbers, decided exactly (it was numeric,
    as if r were an index compared with a literal); H(3) = 3 is wrong."""
    huber = (r"H(r) = \begin{cases} \frac{1}{2} r^2 & \text{if } |r| \le 1 \\ "
             r"|r| - \frac{1}{2} & \text{otherwise} \end{cases}")  # fmt: skip
    assert one(tmp_path, huber, r"H(3) = 2.5", r"H(3) = 3") == ["definition", "proved", "wrong"]


def test_an_index_compared_with_a_constant_past_the_larger_sizes(tmp_path: Path) -> None:
    """Σ_t min(t, 20) x_t = Σ_t t x_t holds up to T = 20 and fails at T = 21 (it was numeric: the larger sizes
    stopped at 17)."""
    row = r"\sum_{t=1}^{T} \min(t, 20)\, x_t = \sum_{t=1}^{T} t\, x_t"
    assert one(tmp_path, row) == ["wrong"]


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        # k(−1): only the second case can apply, and only where y ≤ 0 — no value for every y (it was proved)
        ((r"k(x) = \begin{cases} x & x > 0 \\ 0.1 x & y \le 0 \end{cases}", r"k(-1) = -0.1"), "unchecked"),
        ((r"\sigma(\min(x, 2000)) = \sigma(x)",), "wrong"),  # 2.6e-869 apart at x = 4001: seen at high precision
        ((r"\sum_{t=1}^{T} \mathbb{1}[t > 50] = 0",), "unchecked"),  # false from T = 51, past the sizes tried
        ((r"\sum_{t=1}^{T} \min(t, 100) = \frac{T(T+1)}{2}",), "unchecked"),  # false from T = 101
    ],
)
def test_red_team_false_accepts_past_thresholds(tmp_path: Path, rows: tuple, expected: str) -> None:
    """Helper 40's red team: each was proved or numeric."""
    assert one(tmp_path, *rows)[-1] == expected


def test_a_power_of_a_scalar_to_a_sums_bound(tmp_path: Path) -> None:
    """β^t with t the bound of a sum (Adam's bias correction): a power, not layer t's β (it was wrong)."""
    ratio = r"\frac{1-\beta^{t}}{1-\beta}"
    rows = [ratio + r" = \sum_{k=0}^{t-1}\beta^k", ratio + r" = \sum_{k=0}^{t}\beta^k",
            r"\sum_{k=1}^{t} (1-\beta)\beta^{t-k} = 1 - \beta^t"]  # fmt: skip
    got = one(tmp_path, *rows)
    assert got[0] in ("numeric", "proved") and got[1] == "wrong" and got[2] in ("numeric", "proved")


def test_labels_whose_values_the_file_gives_get_no_sums_to_one_hint(tmp_path: Path) -> None:
    """'with labels $y_i ∈ \\{0, 1\\}$': Σ_i y_i = 1 fails at y = (0, 0) — wrong, not 'holds if y sums to 1'."""
    text = "For a batch with labels $y_i \\in \\{0, 1\\}$,\n\n" + displays(
        r"\sum_i y_i = 1", r"\sum_i y_i^2 = \sum_i y_i"
    )
    got = verdicts(check_text(tmp_path, text))
    assert got[0] == "wrong" and got[1] in ("proved", "numeric")
