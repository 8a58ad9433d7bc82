"""The notation of real notes, one construct at a time: each true form is checked (proved), and the same
form made false is `wrong` — or, where the notation leaves the reading open, `unchecked` with a reason.

Every expected verdict is judged by hand in the comment beside it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.derivations.helpers import check_text, displays, verdicts

LAYER = r"Let $W \in \mathbb{R}^{m \times n}$, $\mathbf{x} \in \mathbb{R}^n$ and $\mathbf{b} \in \mathbb{R}^m$."
DEFS = (r"\mathbf{z} = W\mathbf{x} + \mathbf{b}", r"L = \frac{1}{2} \mathbf{z}^\top \mathbf{z}")


def run(tmp_path: Path, *rows: str, prose: str = "", front: str = "") -> list[str]:
    text = displays(*rows, front=front)
    return verdicts(check_text(tmp_path, f"{prose}\n\n{text}" if prose else text))


def after_a_vector_row(tmp_path: Path, row: str, prose: str = "") -> str:
    """The verdict on ``row`` in a file whose first display is a row of bold vectors (w + 0 = w)."""
    return run(tmp_path, r"\mathbf{w} + \mathbf{0} = \mathbf{w}", row, prose=prose)[-1]


# -- vectors and matrices: declared shapes, bold names, products, transposes, gradients, Jacobians


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (r"\frac{\partial L}{\partial \mathbf{z}} = \mathbf{z}", "proved"),  # ∇_z ½‖z‖² = z
        (r"\frac{\partial L}{\partial W} = \mathbf{z} \mathbf{x}^\top", "proved"),  # δ xᵀ, m×n like W
        (r"\frac{\partial L}{\partial \mathbf{x}} = W^\top \mathbf{z}", "proved"),  # Wᵀδ
        (r"\frac{\partial L}{\partial \mathbf{b}} = \mathbf{z}", "proved"),
        (r"\frac{\partial \mathbf{z}}{\partial \mathbf{x}} = W", "proved"),  # Jacobian, numerator layout
        # true in denominator layout only: which layout the file uses, one step does not say
        (r"\frac{\partial \mathbf{z}}{\partial \mathbf{x}} = W^\top", "unchecked"),
        (r"\nabla_{W} L = \mathbf{z} \mathbf{x}^\top", "proved"),
        (r"\frac{\partial L}{\partial \mathbf{x}} = W^\top \mathbf{b}", "wrong"),  # Wᵀb ≠ Wᵀz
        (r"\frac{\partial L}{\partial W} = 2 \mathbf{z} \mathbf{x}^\top", "wrong"),  # twice the gradient
        (r"\frac{\partial \mathbf{z}}{\partial \mathbf{x}} = 2 W", "wrong"),  # false in either layout
        # the transpose of the gradient: a transposition error, or ∂L/∂W in numerator layout — not decided
        (r"\frac{\partial L}{\partial W} = \mathbf{x} \mathbf{z}^\top", "unchecked"),
        # W z: an m×n matrix times an m-vector — a shape error, reported, never 'proved'
        (r"\frac{\partial L}{\partial \mathbf{x}} = W \mathbf{z}", "unchecked"),
    ],
)
def test_a_linear_layer_in_matrix_form(tmp_path: Path, row: str, expected: str) -> None:
    assert run(tmp_path, *DEFS, row, prose=LAYER) == ["definition", "definition", expected]


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (r"A^2 = AA", "proved"),  # a square matrix's power is the matrix product, never proved entry by entry
        # false as a matrix product; entry by entry (the ML habit for tanh²(Z)) another reading: not `wrong`
        (r"A^2 = A \odot A", "unchecked"),
        (r"(A + B)^2 = A^2 + AB + BA + B^2", "proved"),
        (r"(A + B)^2 = A^2 + 2AB + B^2", "unchecked"),  # A and B do not commute
        (r"\operatorname{tr}(A^2) = \sum_{i,j} A_{ij} A_{ji}", "proved"),
        (r"A^{-1} A B = B", "proved"),
        (r"\tanh^2(A) = \tanh(A) \odot \tanh(A)", "proved"),  # a function's power: entry by entry
        (r"1 - C^2 = 1 - C \odot C", "proved"),  # C is 2×3: only entry by entry means anything
    ],
)
def test_powers_of_matrices(tmp_path: Path, row: str, expected: str) -> None:
    prose = r"Let $A, B \in \mathbb{R}^{n \times n}$ and $C \in \mathbb{R}^{2 \times 3}$."
    assert run(tmp_path, row, prose=prose) == [expected]


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (r"XW v = X (W v)", "proved"),  # XW: the product of the declared X and W, not a name of its own
        (r"XW v = W (X v)", "wrong"),  # matrices do not commute
        (r"\operatorname{tr}(XW) = \operatorname{tr}(WX)", "proved"),
        (r"(XW)^\top = W^\top X^\top", "proved"),
        (r"(XW)^\top = X^\top W^\top", "wrong"),
    ],
)
def test_declared_capitals_written_together_are_a_product(tmp_path: Path, row: str, expected: str) -> None:
    prose = r"Let $X \in \mathbb{R}^{n \times n}$, $W \in \mathbb{R}^{n \times n}$, $v \in \mathbb{R}^n$."
    assert run(tmp_path, row, prose=prose) == [expected]


def test_named_dimensions_are_instantiated_distinct(tmp_path: Path) -> None:
    """With m = n a transposed product would fit by accident; the sizes are distinct at every instance."""
    d = check_text(
        tmp_path, f"{LAYER}\n\n" + displays(*DEFS, r"\frac{\partial L}{\partial W} = \mathbf{z} \mathbf{x}^\top")
    )
    reason = d.steps[-1].reason
    sizes = re.findall(r"\((\d+), (\d+)\)", reason.split("(n, m) = ", 1)[1])
    assert len(sizes) >= 2 and all(n != m for n, m in sizes), reason


def test_shape_declarations_in_the_front_matter_a_row_and_a_condition(tmp_path: Path) -> None:
    front = "assume:\n  - W \\in \\mathbb{R}^{2 \\times 3}\n"
    rows = (
        r"\mathbf{x} \in \mathbb{R}^3",  # a row that declares: a definition step, the chain goes on
        r"W \mathbf{x} = \begin{bmatrix} \sum_j W_{1j} x_j \\ \sum_j W_{2j} x_j \end{bmatrix}",
        r"\mathbf{u}^\top \mathbf{v} = \sum_k u_k v_k \quad \mathbf{u}, \mathbf{v} \in \mathbb{R}^4",
        r"W \mathbf{x} = \begin{bmatrix} \sum_j W_{1j} x_j \\ \sum_j W_{1j} x_j \end{bmatrix}",  # row 2 is row 1's
    )
    assert run(tmp_path, *rows, front=front) == ["definition", "proved", "proved", "wrong"]


def test_matrices_written_by_their_entries(tmp_path: Path) -> None:
    rows = (
        r"\begin{bmatrix} 1 & 2 \\ 3 & 4 \end{bmatrix}^\top = \begin{pmatrix} 1 & 3 \\ 2 & 4 \end{pmatrix}",
        r"\begin{bmatrix} 1 & 2 \\ 3 & 4 \end{bmatrix}^\top = \begin{pmatrix} 1 & 2 \\ 3 & 4 \end{pmatrix}",
    )
    assert run(tmp_path, *rows) == ["proved", "wrong"]


def test_hadamard_dot_outer_products_and_ones(tmp_path: Path) -> None:
    prose = r"Let $\mathbf{a}, \mathbf{b} \in \mathbb{R}^n$."
    rows = (
        r"\mathbf{a} \cdot \mathbf{b} = \mathbf{a}^\top \mathbf{b}",  # dot product
        r"\mathbf{1}^\top (\mathbf{a} \odot \mathbf{b}) = \sum_i a_i b_i",
        r"(\mathbf{a} \mathbf{b}^\top)^\top = \mathbf{b} \mathbf{a}^\top",
        r"\mathbf{1}^\top \mathbf{a} = \sum_i a_i + 1",  # off by one
        r"(\mathbf{a} \mathbf{b}^\top)^\top = \mathbf{a} \mathbf{b}^\top",  # an outer product is not symmetric
    )
    assert run(tmp_path, *rows, prose=prose) == ["proved", "proved", "proved", "wrong", "wrong"]


def test_a_cdot_of_two_vectors_is_read_both_ways(tmp_path: Path) -> None:
    """σ(z)·(1 − σ(z)) of a vector z: elementwise in the author's intent — the dot reading alone would call
    a true step wrong; it holds in the elementwise reading only, so it is unchecked, naming that reading
    (never proved: the same file may use · as the dot product elsewhere, (w·x)² = w²·x² is then false)."""
    prose = r"Let $\mathbf{z} \in \mathbb{R}^3$."
    row = (
        r"\frac{\partial \sigma(\mathbf{z})}{\partial \mathbf{z}} "
        r"= \operatorname{diag}(\sigma(\mathbf{z}) \cdot (1 - \sigma(\mathbf{z})))"
    )
    d = check_text(tmp_path, f"{prose}\n\n" + displays(row))
    assert verdicts(d) == ["unchecked"] and "elementwise" in d.steps[0].reason


@pytest.mark.parametrize(
    ("prose", "s", "z"),
    [
        (r"Let $\mathbf{s} = \operatorname{softmax}(\mathbf{z})$ with $\mathbf{z} \in \mathbb{R}^3$.",
         r"\mathbf{s}", r"\mathbf{z}"),
        # s by its entries, z ∈ ℝ^K: s has K entries, like z, so ∂s/∂z is K×K
        (r"Let $z \in \mathbb{R}^K$ and define $s_i = \frac{e^{z_i}}{\sum_{j=1}^K e^{z_j}}$.", "s", "z"),
    ],
)  # fmt: skip
def test_the_softmax_jacobian_with_diag(tmp_path: Path, prose: str, s: str, z: str) -> None:
    rows = [rf"\frac{{\partial {s}}}{{\partial {z}}} = \operatorname{{diag}}({s}) {sign} {s} {s}^T" for sign in "-+"]
    assert run(tmp_path, *rows, prose=prose) == ["proved", "wrong"]


def test_a_bare_sum_over_a_vector_defined_by_its_entries_runs_over_all_of_them(tmp_path: Path) -> None:
    """s_i = e^{z_i}/Σ_j e^{z_j}, z ∈ ℝ^K: Σ_i s_i has K terms (it ran to n, and Σ_i s_i = 1 − s_K was proved)."""
    prose = r"Let $z \in \mathbb{R}^K$ and $s_i = \frac{e^{z_i}}{\sum_j e^{z_j}}$."
    rows = (r"\sum_i s_i = 1", r"\sum_i s_i = 1 - s_K", r"\sum_i (s_i - 1) = 1 - K")
    assert run(tmp_path, *rows, prose=prose) == ["proved", "wrong", "proved"]


def test_a_transposed_name_with_no_shape_is_a_vector_not_a_scalar(tmp_path: Path) -> None:
    """w^T x with w, x plain letters: both vectors (a scalar is never transposed in such notes); the product
    is then a number and wᵀx = xᵀw holds, while wᵀx = w x (a vector times a vector) is a shape error."""
    assert run(tmp_path, r"w^\top x = x^\top w", r"w^\top x = \sum_i w_i x_i") == ["proved", "proved"]


def test_trace_and_two_index_names(tmp_path: Path) -> None:
    assert run(tmp_path, r"\operatorname{tr}(A) = \sum_i A_{ii}", r"\operatorname{tr}(A) = \sum_i A_{i1}") == [
        "proved",
        "wrong",
    ]


# -- softmax by its entries, and names defined once


def test_softmax_of_an_entry_means_the_entry_of_the_softmax(tmp_path: Path) -> None:
    rows = (
        r"\text{softmax}(z_i) = \frac{e^{z_i}}{\sum_j e^{z_j}}",  # softmax of a scalar would be 1
        r"\text{softmax}(z_i) = \frac{e^{z_i}}{\sum_j e^{z_i}}",  # the sum must run over z_j
    )
    assert run(tmp_path, *rows) == ["proved", "wrong"]


# -- sums


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (r"\sum e^{z_j} = \sum_{k} e^{z_k}", "proved"),  # no index written: the body's one index letter
        (r"\sum^{K} y_k = \sum_{k=1}^{K} y_k", "proved"),
        (r"\sum^{K}_{k=1} y_k = \sum\limits_{k=1}^{K} y_k", "proved"),
        (r"\sum_{j=1, j \neq i}^{n} x_j = \sum_j x_j - x_i", "proved"),
        (r"\sum e^{z_j} = \sum_{k} e^{2 z_k}", "wrong"),
    ],
)
def test_summation_variants(tmp_path: Path, row: str, expected: str) -> None:
    assert run(tmp_path, row) == [expected]


def test_a_sum_with_two_index_letters_and_no_index_is_unreadable(tmp_path: Path) -> None:
    d = check_text(tmp_path, displays(r"\sum w_{ik} x_k = 0"))
    assert verdicts(d) == ["unchecked"] and d.steps[0].unreadable


# -- definitions where people write them


def test_definitions_in_prose(tmp_path: Path) -> None:
    prose = r"Consider a layer where $a_i = \sigma(z_i)$ and $L = \sum_i (a_i - y_i)^2$."
    rows = (
        r"\frac{\partial L}{\partial z_k} = 2 (a_k - y_k) a_k (1 - a_k)",
        r"\frac{\partial L}{\partial z_k} = (a_k - y_k) a_k (1 - a_k)",  # the 2 dropped
    )
    assert run(tmp_path, *rows, prose=prose) == ["proved", "wrong"]


@pytest.mark.parametrize(
    "prose",
    [
        r"Let the prediction be $q = \sigma(w x)$.",
        r"The model's prediction is $q = \sigma(w x)$.",
        r"We call the output $q = \sigma(w x)$ and the loss is $E = (q - y)^2$.",
    ],
)
def test_a_noun_then_be_or_is_defines_the_formula_after_it(tmp_path: Path, prose: str) -> None:
    """'The prediction is $q = …$': the noun introduces a definition, also with 'be' or 'is' between."""
    rows = (r"\frac{\partial q}{\partial w} = q (1 - q) x", r"\frac{\partial q}{\partial w} = q (1 - q)")
    assert run(tmp_path, *rows, prose=prose) == ["proved", "wrong"]


SOFTMAX_CE = (r"L = -\sum_{k=1}^K y_k \log \hat{y}_k", r"\frac{\partial L}{\partial z} = \hat{y} - y",
              r"\frac{\partial L}{\partial z} = y - \hat{y}")  # fmt: skip


@pytest.mark.parametrize(
    "prose",
    [
        r"Let $z, y \in \mathbb{R}^K$. Assume $y$ is one-hot. Let $\hat{y} = \operatorname{softmax}(z)$.",
        r"Let $y \in \mathbb{R}^K$ be a one-hot label and $z \in \mathbb{R}^K$, with "
        r"$\hat{y} = \operatorname{softmax}(z)$.",
        r"Let $z \in \mathbb{R}^K$ and let $y \in \mathbb{R}^K$ be one-hot. Write $\hat{y} = \text{softmax}(z)$.",
    ],
)
def test_a_declared_vector_said_to_be_one_hot_is_one_hot(tmp_path: Path, prose: str) -> None:
    """y ∈ ℝ^K declared and one-hot, in one clause or two: its entries are 0 but one 1 (y = 0 is no label)."""
    assert run(tmp_path, *SOFTMAX_CE, prose=prose) == ["definition", "proved", "wrong"]


@pytest.mark.parametrize("condition", [r"(y \text{ one-hot})", r"\left(\sum_{k=1}^K y_k = 1\right)"])
def test_a_one_hot_or_sum_one_condition_on_a_declared_vector(tmp_path: Path, condition: str) -> None:
    prose = r"Let $z, y \in \mathbb{R}^K$ and $\hat{y} = \operatorname{softmax}(z)$."
    rows = (SOFTMAX_CE[0], *(f"{row} \\quad {condition}" for row in SOFTMAX_CE[1:]))
    assert run(tmp_path, *rows, prose=prose) == ["definition", "proved", "wrong"]


@pytest.mark.parametrize(
    ("prose", "expected"),
    [
        (r"Let $y \in \{0,1\}$ and $p \in (0,1)$.", ["proved", "wrong"]),
        (r"Assume that $0 < p < 1$, and let $y \in \{0, 1\}$.", ["proved", "wrong"]),
        (r"Here $y \in \{0,1\}$ is the label.", ["proved", "wrong"]),
        # said of y only in a sentence that weighs it, nothing is put in force: at y = 2 the first row fails too
        (r"We do not assume $y \in \{0,1\}$.", ["wrong", "wrong"]),
    ],
)
def test_values_and_intervals_said_in_prose_are_in_force(tmp_path: Path, prose: str, expected: list[str]) -> None:
    rows = (r"p^{y}(1-p)^{1-y} = y p + (1-y)(1-p)", r"p^{y}(1-p)^{1-y} = y p + (1-y) p")
    assert run(tmp_path, *rows, prose=prose) == expected


@pytest.mark.parametrize(
    "prose", [r"Assume $p > 0$.", r"Suppose $p > 0$.", r"Let $q, p > 0$.", r"Let $0 < p < 1$ and $q > 0$."]
)
def test_a_bound_said_in_prose_is_where_the_variable_lives(tmp_path: Path, prose: str) -> None:
    rows = (r"\log(p^2) = 2 \log p", r"\sqrt{p^2} = -p")
    assert run(tmp_path, *rows, prose=prose) == ["proved", "wrong"]


@pytest.mark.parametrize(
    "prose",
    [
        r"For $p > 0$ the two rules read as follows.",  # a case in words, not an assumption
        r"We do not assume $p > 0$.",
        r"If $p > 0$ we would have the rule below, but we are not in that case.",
    ],
)
def test_a_bound_in_a_sentence_that_weighs_it_is_not_in_force(tmp_path: Path, prose: str) -> None:
    assert run(tmp_path, r"\log(p^2) = 2 \log p", r"\sqrt{p^2} = p", prose=prose) == ["unchecked", "wrong"]


def test_a_bound_said_in_prose_holds_from_that_sentence_on(tmp_path: Path) -> None:
    """'Now assume $x > 0$.' after a display: the display before it is checked for every x."""
    text = displays(r"\sqrt{x^2} = x") + "\nNow assume $x > 0$.\n\n" + displays(r"\sqrt{x^2} = x")
    assert verdicts(check_text(tmp_path, text)) == ["wrong", "proved"]


@pytest.mark.parametrize(
    "prose",
    [r"Let $y \in \mathbb{R}^n$ with each $y_i \in \{0, 1\}$.", r"Assume $y_i \in \{0,1\}$ for every $i$."],
)
def test_entries_said_to_be_binary_are_sampled_among_those_values(tmp_path: Path, prose: str) -> None:
    rows = (r"\sum_{i=1}^{n} y_i^2 = \sum_{i=1}^{n} y_i", r"\sum_{i=1}^{n} y_i^2 = 2 \sum_{i=1}^{n} y_i")
    assert run(tmp_path, *rows, prose=prose) == ["numeric", "wrong"]


def test_a_where_sentence_after_a_display_explains_it(tmp_path: Path) -> None:
    text = (
        displays(r"\frac{\partial a_j}{\partial z_i} = a_i(1 - a_i), \quad i = j") + "\nwhere $a_i = \\sigma(z_i)$.\n"
    )
    assert verdicts(check_text(tmp_path, text)) == ["proved"]  # the condition i = j kept, a defined


def test_a_claim_in_prose_is_not_a_definition(tmp_path: Path) -> None:
    """'We show that $q = 3$' states something; it defines nothing, so the display q = 3 defines q."""
    text = "We show that $q = 2$ holds.\n\n" + displays("q = 3")
    assert verdicts(check_text(tmp_path, text)) == ["definition"]


def test_an_unreadable_definition_in_prose_is_named(tmp_path: Path) -> None:
    text = "where $r = \\frac{1}{2$ is the rate\n\n" + displays(r"\frac{d}{dx} (r x) = 2")
    d = check_text(tmp_path, text)
    assert verdicts(d) == ["unchecked"] and "r (line 1)" in d.steps[0].reason


def test_entries_named_by_numbers_are_defined_one_by_one(tmp_path: Path) -> None:
    rows = (
        r"a_0 = x",
        r"a_1 = \sigma(w a_0)",
        r"\frac{\partial a_1}{\partial x} = a_1 (1 - a_1) w",
        r"\frac{\partial a_1}{\partial x} = a_1 (1 - a_1)",  # the chain rule's w forgotten
    )
    assert run(tmp_path, *rows) == ["definition", "definition", "proved", "wrong"]


def test_layers_numbered_in_superscripts(tmp_path: Path) -> None:
    rows = (
        r"z^1 = w^1 x + b^1",  # z to the first power? No: layer 1, a definition
        r"a^1 = \sigma(z^1)",
        r"\frac{\partial a^1}{\partial b^1} = a^1 (1 - a^1)",
        r"z^{l+1} = w^{l+1} a^l + b^{l+1}",
        r"\frac{\partial z^{l+1}}{\partial a^l} = w^{l+1}",
        r"\frac{\partial z^{l+1}}{\partial a^l} = w^l",  # the wrong layer's weight
        r"x^2 = x \cdot x",  # x is never written x^1: a power
    )
    assert run(tmp_path, *rows) == ["definition", "definition", "proved", "definition", "proved", "wrong", "proved"]


# -- decorations and operators


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (r"\left. \frac{d}{dx} \sigma(x) \right|_{x=0} = \frac{1}{4}", "proved"),
        (r"\frac{d}{dx} x^2 \Big|_{x=1} = 3", "wrong"),  # it is 2
        (r"\frac{\partial}{\partial w} (wx + b)^2 \Big|_{w=0, b=1} = 2x", "proved"),  # 2x(wx + b) at w=0, b=1
        (r"\frac{\partial}{\partial w} (wx + b)^2 \Big|_{w=0, b=1} = 2", "wrong"),
        (r"3! = 6", "proved"),
        (r"\frac{4!}{2!} = 10", "wrong"),  # 12
        (r"x + \left. \frac{d}{dx} x^3 \right|_{x=1} = x + 3", "proved"),  # only the \left. part is evaluated at 1
        (r"\frac{\partial^2}{\partial w \partial x} (w x)^2 = 4 w x", "proved"),
        (r"\frac{\partial^2}{\partial w \partial x} (w x)^2 = 2 w x", "wrong"),
        (r"\partial_{w} (w x)^2 = 2 w x^2", "proved"),
        (r"\nabla_{w} (w x)^2 = 2 w x", "wrong"),
        (r"\log_2 8 = 3", "proved"),
        (r"\log_{10} 100 = 3", "wrong"),
        (r"\log_{3} 9 = \log_3 3^2", "proved"),  # any whole-number base: ln 9 / ln 3 = 2
        (r"\log_3 81 = 3", "wrong"),  # it is 4
        (r"\frac{d}{dx}\log_3 x = \frac{1}{x \ln 3}", "proved"),
        (r"\operatorname{sech}(x)^2 = 1 - \tanh(x)^2", "proved"),
        (r"\sum_k \mathbb{1}[k = 2] x_k = x_2", "proved"),
        (r"\sum_k \mathbb{1}_{k = 2} x_k = x_1", "wrong"),
        (r"\widetilde{x} + \Large 1 = 1 + \widetilde{x}", "proved"),
    ],
)
def test_decorations_and_operators(tmp_path: Path, row: str, expected: str) -> None:
    assert run(tmp_path, row) == [expected]


LEAST_SQUARES = (
    r"Take $\mathbf{X} \in \mathbb{R}^{4 \times 3}$, $\mathbf{w} \in \mathbb{R}^{3}$ and "
    r"$\mathbf{y} \in \mathbb{R}^{4}$."
)


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (r"\nabla J(\mathbf{w}) = \mathbf{X}^\top(\mathbf{X}\mathbf{w} - \mathbf{y})", "proved"),  # ∇ of f(w)
        (r"\nabla J(\mathbf{w}) = 2\mathbf{X}^\top(\mathbf{X}\mathbf{w} - \mathbf{y})", "wrong"),
        (r"\nabla^2 J(\mathbf{w}) = \mathbf{X}^\top\mathbf{X}", "proved"),  # the Hessian
        (r"\nabla^2 J(\mathbf{w}) = \mathbf{X}^\top\mathbf{X} + \mathbf{I}", "unchecked"),  # I: a name, no shape
        (r"\partial_{w_1}^2 J = \sum_{i=1}^{4} X_{i1}^2", "proved"),  # ∂² written with a subscript
        (r"\partial_{w_1}^2 J = \sum_{i=1}^{4} X_{i2}^2", "wrong"),
        (r"\tfrac{1}{2}\|\mathbf{w}\|_2^2 = \tfrac{1}{2}\mathbf{w}^\top\mathbf{w}", "proved"),  # ‖·‖ written \|
        (r"\left\| \mathbf{w} \right\|^2 = \mathbf{w}^\top\mathbf{w} + 1", "wrong"),
        (r"\|\mathbf{w}\|_1 = |w_1| + |w_2| + |w_3|", "proved"),
        (r"\|\mathbf{X}\|_F^2 = \operatorname{tr}(\mathbf{X}^\top\mathbf{X})", "proved"),
        (r"\|\mathbf{X}\|^2 = \operatorname{tr}(\mathbf{X}^\top\mathbf{X})", "unchecked"),  # which matrix norm?
        (r"\mathbf{X}^\top\mathbf{X}\mathbf{w} - \mathbf{X}^\top\mathbf{X}\mathbf{w} = \mathbf{0}", "proved"),
        (r"\mathbf{w} + \mathbf{w} = \mathbf{0}", "wrong"),  # the zero vector, as long as the other side
        (
            r"\hat{\mathbf{w}} - \mathbf{\hat{w}} = \mathbf{0}",
            "proved",
        ),  # one name, the accent and bold in either order
    ],
)
def test_norms_gradients_hessians_and_the_zero_vector(tmp_path: Path, row: str, expected: str) -> None:
    definition = r"J(\mathbf{w}) = \frac{1}{2}\lVert \mathbf{X}\mathbf{w} - \mathbf{y} \rVert^2"
    assert run(tmp_path, definition, row, prose=LEAST_SQUARES) == ["definition", expected]


def test_a_layer_tag_then_a_transpose_in_one_superscript(tmp_path: Path) -> None:
    """``W^{[2]\\top}`` and ``W^{(2)T}``: layer 2's W, transposed."""
    prose = r"Let $W^{[2]} \in \mathbb{R}^{2 \times 3}$ and $\mathbf{d} \in \mathbb{R}^{2}$."
    rows = (
        r"W^{[2]\top} \mathbf{d} = (W^{[2]})^\top \mathbf{d}",
        r"W^{[2]T} \mathbf{d} = (W^{[2]})^\top \mathbf{d}",
        r"W^{[2]\top} \mathbf{d} = 2 (W^{[2]})^\top \mathbf{d}",
    )
    assert run(tmp_path, *rows, prose=prose) == ["proved", "proved", "wrong"]


# -- layout of the display


def test_row_breaks_spacing_and_full_stops(tmp_path: Path) -> None:
    text = "$$\\begin{aligned} a &= 1 + 1 \\\\[1em] &= 2 \\\\[2pt] &= 3 \\end{aligned}$$\n\n$$b = 2 \\\\ c = b + 1.$$\n"
    assert verdicts(check_text(tmp_path, text)) == ["definition", "proved", "wrong", "definition", "definition"]


def test_the_files_own_macros(tmp_path: Path) -> None:
    text = (
        "$$\\gdef\\pd#1#2{\\frac{\\partial #1}{\\partial #2}} \\def\\R{\\mathbb{R}}$$\n\n"
        "\\newcommand{\\vx}{\\mathbf{x}}\n\nLet $\\vx \\in \\R^3$.\n\n"
        + displays(r"\pd{(\vx^\top \vx)}{x_1} = 2 x_1", r"\pd{(\vx^\top \vx)}{x_1} = x_1")
    )
    assert verdicts(check_text(tmp_path, text)) == ["proved", "wrong"]


def test_a_macro_that_never_ends_makes_its_row_unreadable(tmp_path: Path) -> None:
    text = "\\def\\a{\\a\\a}\n\n" + displays(r"\a = 1", "x = x")
    d = check_text(tmp_path, text)
    assert verdicts(d) == ["unchecked", "proved"] and "without end" in d.steps[0].reason


# -- a loss the notes never define: any function of the outputs


def test_chain_rules_through_an_unspecified_loss(tmp_path: Path) -> None:
    """L never given, a = σ(wx + b) the one output: a step relating derivatives of L holds for every L (proved)
    or fails for a generic one (wrong); a step that says what ∂L/∂a is cannot be checked without L."""
    rows = (
        r"z = w x + b",
        r"a = \sigma(z)",
        r"\frac{\partial L}{\partial w} = \frac{\partial L}{\partial a} \frac{\partial a}{\partial z}"
        r" \frac{\partial z}{\partial w}",
        r"= \frac{\partial L}{\partial a} a (1 - a) x",
        r"= \frac{\partial L}{\partial a} a (1 - a)",  # the x of ∂z/∂w dropped
        r"\frac{\partial L}{\partial a} = a - y",  # true for ½(a − y)², not for every L
        r"\frac{\partial L}{\partial y} = 0",  # y is not an input of a: L's dependence on y is unknown
        r"\frac{\partial}{\partial w} \frac{\partial L}{\partial a} = 0",  # would be 0 for a linear stand-in
        r"\frac{\partial L}{\partial b} = \frac{\partial L}{\partial z}",
    )
    expected = [
        "definition",
        "definition",
        "proved",
        "proved",
        "wrong",
        "unchecked",
        "unchecked",
        "unchecked",
        "proved",
    ]
    assert run(tmp_path, *rows) == expected


def test_with_two_outputs_an_unspecified_loss_decides_nothing_false(tmp_path: Path) -> None:
    """Two unrelated outputs a and q: the author's L may depend on a only, so a failing step is not wrong."""
    rows = (
        r"a = \sigma(w x)",
        r"q = w^2",
        r"\frac{\partial L}{\partial w} = \frac{\partial L}{\partial a} a (1 - a) x",
    )
    assert run(tmp_path, *rows) == ["definition", "definition", "unchecked"]


def test_a_reading_is_never_chosen_step_by_step(tmp_path: Path) -> None:
    """(w·x)² = w²·x² holds only with · elementwise, while z = w·x + b is a number: never proved."""
    prose = r"Let $\mathbf{w}, \mathbf{x} \in \mathbb{R}^3$."
    rows = (
        r"z = \mathbf{w} \cdot \mathbf{x} + b",
        r"(\mathbf{w} \cdot \mathbf{x})^2 = \mathbf{w}^2 \cdot \mathbf{x}^2",
    )
    assert run(tmp_path, *rows, prose=prose) == ["definition", "unchecked"]


def test_code_blocks_and_comments_are_not_read(tmp_path: Path) -> None:
    text = (
        "```latex\n\\renewcommand{\\sigma}{\\tanh}\n$$b = 0$$\n```\n\n<!-- \\def\\x{y} -->\n\n"
        "$$\\sigma'(x) = 1 - \\sigma(x)^2 % a comment\n$$\n"
    )
    assert verdicts(check_text(tmp_path, text)) == ["wrong"]  # the logistic σ' is σ(1 − σ)


def test_a_macro_applies_from_its_definition_on(tmp_path: Path) -> None:
    text = (
        displays(r"\sigma'(x) = 1 - \sigma(x)^2")
        + "\n\\renewcommand{\\sigma}{\\tanh}\n\n"
        + displays(r"\sigma'(x) = 1 - \sigma(x)^2")
    )
    assert verdicts(check_text(tmp_path, text)) == ["wrong", "proved"]


def test_one_hot_and_short_names_stated_in_prose(tmp_path: Path) -> None:
    """ "The target $(T_1, T_2)$ is one-hot", "the label $\\mathbf{t}$ is one-hot" (entries t_j), "write $d$
    for $…$": each put in force; "we do not assume $y$ is one-hot" puts nothing in force."""
    text = (
        "The label $\\mathbf{t}$ is one-hot. Write $d$ for $\\partial L / \\partial a$.\n\n"
        + displays(r"\sum_j t_j = 1", r"a = \sigma(z)", r"\frac{\partial L}{\partial z} = d \, a (1 - a)")
        + "\nWe do not assume that $y$ is one-hot.\n\n"
        + displays(r"\sum_j y_j = 1")
    )
    assert verdicts(check_text(tmp_path, text)) == ["proved", "definition", "proved", "unchecked"]


# -- red-team findings, each once a false accept or a false wrong


def test_a_derivative_of_an_undefined_loss_is_not_evaluated_at_a_point(tmp_path: Path) -> None:
    rows = (r"a = \sigma(w x)", r"\left. \frac{\partial L}{\partial a} \right|_{w=0} = \frac{\partial L}{\partial a}")
    assert run(tmp_path, *rows) == ["definition", "unchecked"]  # L'(σ(0)) = L'(σ(wx)) is false for most L


def test_prose_lists_chains_and_hedges(tmp_path: Path) -> None:
    listed = run(tmp_path, r"\frac{d}{dz}\sigma(z) = a(1 - a)", prose=r"Let $z = wx + b$, $a = \sigma(z)$.")
    assert listed == ["proved"]  # a comma after a definition continues the list
    chain = run(tmp_path, r"\frac{ds}{dx} = s(1 - s)", prose=r"Let $s = \sigma(x) = \frac{1}{1 + e^{x}}$.")
    assert chain == ["proved"]  # s is σ(x), the name's own neighbour, not the (false) last link
    unlike = r"Unlike last week, where the loss $L = \frac{1}{2}(a - y)^2$ was used, we take another."
    hedged = run(tmp_path, r"\frac{\partial L}{\partial z} = (a - y) a (1 - a)", r"a = \sigma(z)", prose=unlike)
    assert hedged[0] == "unchecked"


def test_entries_of_a_defined_bold_vector(tmp_path: Path) -> None:
    rows = (r"\mathbf{g} = 2 \mathbf{z}", r"g_j = 3 z_j", r"g_j = 2 z_j")
    assert run(tmp_path, *rows) == ["definition", "wrong", "proved"]


def test_a_parenthesised_name_to_a_digit_is_a_power_and_x_dot_5_is_unreadable(tmp_path: Path) -> None:
    rows = (r"z^1 = w^1 x", r"(w)^2 = w \cdot w", r"x.5 = \frac{x}{2}")
    assert run(tmp_path, *rows) == ["definition", "proved", "unchecked"]


def test_rows_of_an_equation_being_solved_are_not_identities(tmp_path: Path) -> None:
    """ln(P/(1 − P)) = z, then P/(1 − P) = e^z …: equations equivalent to each other, false as identities."""
    text = "We solve the log-odds equation for $P$.\n\n" + (
        "$$\\begin{aligned} \\ln\\frac{P}{1-P} &= z \\\\ \\frac{P}{1-P} &= e^{z} \\\\ "
        "P &= \\frac{e^{z}}{1 + e^{z}} \\\\ &= \\frac{1}{1 + e^{z}} \\end{aligned}$$\n"
    )
    assert verdicts(check_text(tmp_path, text)) == ["unchecked", "unchecked", "definition", "wrong"]
    # without the sentence: two rows of one display that each fail as an identity — most likely the same
    # equation solved row by row, so not `wrong` either, and the reason says why
    d = check_text(tmp_path, text.split("\n\n", 1)[1])
    assert verdicts(d)[:2] == ["unchecked", "unchecked"] and "equation being solved" in d.steps[0].reason
    # one such row alone is a claim, and false
    assert verdicts(check_text(tmp_path, "$$\\ln\\frac{P}{1-P} = z$$\n\n$$z = 2$$\n")) == ["wrong", "definition"]


# -- functions the file never defines: g'(z), C'(a), f(f(x)) — read through their jets


def test_primes_on_an_undefined_activation(tmp_path: Path) -> None:
    """g never given: a step relating its derivatives holds for every g (proved) or fails for a generic g and
    for σ, tanh, softplus and exp (wrong); a step that needs g's form is unchecked, naming what it holds for."""
    rows = (
        r"z = w x + b",
        r"a = g(z)",
        r"\frac{\partial a}{\partial w} = g'(z) x",  # chain rule
        r"\frac{\partial a}{\partial b} = g'(z)",
        r"\frac{\partial a}{\partial w} = g'(z)",  # the x of ∂z/∂w dropped: false for every g
        r"\frac{\partial^2 a}{\partial w^2} = g''(z) x^2",
        r"\frac{\partial a}{\partial z} = g(z)(1 - g(z))",  # true if g = σ only
        r"\frac{\partial a}{\partial z} = 2 g'(z)",  # false for every g
        r"\frac{\partial a}{\partial z} = g(z)^2",  # false for σ, tanh, softplus and exp, and a generic g
    )
    expected = ["definition", "definition", "proved", "proved", "wrong", "proved", "unchecked", "wrong", "wrong"]
    assert run(tmp_path, *rows) == expected
    d = check_text(tmp_path, displays(*rows))
    assert "holds if g is σ" in d.steps[6].reason
    assert "false as well for g = σ, tanh, softplus, exp" in d.steps[8].reason


def test_an_undefined_loss_with_a_prime_is_its_gradient(tmp_path: Path) -> None:
    """C'(a) beside ∂C/∂w with a the one output: the same derivative, so the chain rule closes."""
    rows = (
        r"z = w x + b",
        r"a = g(z)",
        r"\frac{\partial C}{\partial w} = C'(a) g'(z) x",
        r"\frac{\partial C}{\partial b} = C'(a) g'(z) x",  # ∂z/∂b = 1, not x
    )
    assert run(tmp_path, *rows) == ["definition", "definition", "proved", "wrong"]


def test_one_undefined_function_applied_twice(tmp_path: Path) -> None:
    """f(f(x)): the jets of f at x and at f(x) are different values (the composition's chain rule)."""
    rows = (r"a = f(f(x))", r"\frac{d a}{d x} = f'(f(x)) f'(x)", r"\frac{d a}{d x} = f'(x)^2")
    assert run(tmp_path, *rows) == ["definition", "proved", "wrong"]  # f'(f(x)) is not f'(x), for σ neither


def test_an_undefined_function_that_is_not_an_activation_is_never_wrong(tmp_path: Path) -> None:
    """g and h only ever written as the parts of a quotient: what they are the file does not say, so a step
    that needs it is unchecked, however many functions it fails for."""
    rows = (r"\frac{d}{dx} \frac{g(x)}{h(x)} = \frac{g'(x) h(x) - g(x) h'(x)}{h(x)^2}", r"g'(x) = e^x + e^{-x}")
    assert run(tmp_path, *rows) == ["proved", "unchecked"]


# -- a derivative operator before an unparenthesised sum; what a row ends by defining


def test_a_derivative_operator_reaches_to_the_end_of_the_sum(tmp_path: Path) -> None:
    """∂/∂w w a + b is read first as the derivative of the whole sum; true only of w·a alone is unchecked;
    false in both readings is wrong."""
    rows = (
        r"\frac{\partial}{\partial w} w a + b = a",
        r"\frac{\partial}{\partial w} w a + b = a + b",  # holds only if the operator takes w·a alone
        r"\frac{\partial}{\partial w} w a + b = 2 a",
    )
    assert run(tmp_path, *rows) == ["proved", "unchecked", "wrong"]


def test_a_derivative_restated_as_the_derivative_of_its_formula_defines_the_name(tmp_path: Path) -> None:
    """∂z/∂w = ∂/∂w (w x + b) with z given nowhere says what z is; the rest of the row is checked with it —
    including δ·∂z/∂w = δ·∂/∂w (…) inside a product — and a last link a⁰ = x defines a⁰ for the links before."""
    rows = (
        r"\frac{\partial z}{\partial w} = \frac{\partial}{\partial w} (w x + b) = x",
        r"\frac{\partial z}{\partial w} = \frac{\partial}{\partial w} w u + b = u = x",
        r"\delta \frac{\partial z}{\partial w} = \delta \frac{\partial}{\partial w} (w x + b) = \delta x",
    )
    assert run(tmp_path, *rows) == [
        "definition", "proved", "definition", "proved", "definition", "definition", "proved"
    ]  # fmt: skip


# -- chain rules between quantities the file never defines: the dependencies the step names


def test_a_chain_rule_between_undefined_quantities(tmp_path: Path) -> None:
    """∂C/∂w = ∂C/∂a·∂a/∂z·∂z/∂w with nothing defined: C = C(a), a = a(z), z = z(w) — proved; the same chain
    with a link that goes nowhere (∂a/∂w beside ∂z/∂w) cannot be judged by the reading alone."""
    rows = (
        r"\frac{\partial C}{\partial w} = \frac{\partial C}{\partial a}\frac{\partial a}{\partial z}"
        r"\frac{\partial z}{\partial w}",
        r"\frac{\partial C}{\partial w} = \frac{\partial C}{\partial a}\frac{\partial a}{\partial w}"
        r"\frac{\partial z}{\partial w}",  # z belongs to nothing: unchecked
        r"\frac{\partial C}{\partial w} = 2 \frac{\partial C}{\partial a}\frac{\partial a}{\partial w}",
        r"\frac{\partial L}{\partial y} = 0",  # whether L depends on y, nothing says
    )
    assert run(tmp_path, *rows) == ["proved", "unchecked", "wrong", "unchecked"]
    d = check_text(tmp_path, displays(*rows))
    assert "C = C(a), a = a(z), z = z(w)" in d.steps[0].reason


def test_shapes_from_the_dependencies_a_step_names_are_no_evidence(tmp_path: Path) -> None:
    """L never defined, read as L = L(W): a shape that differs in that reading says nothing of the author's
    shapes — unchecked, not wrong."""
    prose = r"Let $\mathbf{W} \in \mathbb{R}^{m \times n}$ and $\mathbf{x} \in \mathbb{R}^{n}$."
    rows = (r"\frac{\partial L}{\partial \mathbf{W}} = \mathbf{x}",)
    assert run(tmp_path, *rows, prose=prose) == ["unchecked"]


def test_one_undefined_function_at_one_argument_written_two_ways_has_one_value(tmp_path: Path) -> None:
    """g'(σ(x)) and g'(1 − σ(−x)) are one number: the step says 0 = x (wrong), never 'numeric'."""
    rows = (r"a = g(z)", r"g'(\sigma(x)) = g'(1 - \sigma(-x)) + x", r"\frac{\partial}{\partial z_j} g(z)_i = 0")
    assert run(tmp_path, *rows) == ["definition", "wrong", "unchecked"]  # g(z)_i: of each entry, or softmax-like?


def test_a_derivative_operator_before_a_function_and_more_factors_takes_the_product(tmp_path: Path) -> None:
    """d/dx σ(x)(1 − σ(x)): of the product first; true only of σ alone is unchecked; false both ways wrong."""
    rows = (
        r"\frac{d}{dx} \sigma(x) (1 - \sigma(x)) = \sigma(x)(1 - \sigma(x))^2 - \sigma(x)^2 (1 - \sigma(x))",
        r"\frac{d}{dx} \sigma(x) (1 - \sigma(x)) = \sigma(x)(1 - \sigma(x))^2",  # σ' times (1 − σ)
        r"\frac{d}{dx} \sigma(x) x = 7",
    )
    assert run(tmp_path, *rows) == ["proved", "unchecked", "wrong"]


def test_a_factor_before_an_unparenthesised_derivative_operator_is_unreadable(tmp_path: Path) -> None:
    """3 d/dx x² + 1: whether the 3 and the + 1 are inside, nothing says."""
    assert run(tmp_path, r"3 \frac{d}{dx} x^2 + 1 = 6x + 1") == ["unchecked"]


def test_a_function_applied_to_new_names_or_defined_in_brackets(tmp_path: Path) -> None:
    """H(Y, S) = … after H(y, s) = …: a second definition or a wrong step — unchecked, not wrong; H[P] = …
    defines H as H(P) = … does."""
    rows = (r"H(y, s) = -y \log s", r"H(Y, S) = -Y \log S + 1", r"G[P] = P^2", r"G(3) = 9")
    assert run(tmp_path, *rows) == ["definition", "unchecked", "definition", "proved"]


def test_an_underbrace_is_its_value_and_may_name_it(tmp_path: Path) -> None:
    """\\underbrace{X}_{note} is X; \\underbrace{X}_{=:\\delta} also defines δ = X for the rows after."""
    rows = (
        r"z = w x + b",
        r"\frac{\partial C}{\partial w} = \underbrace{\frac{\partial C}{\partial z}}_{=:\delta}"
        r" \frac{\partial z}{\partial w} = \delta x",
        r"\frac{d}{dx}\sigma(x) = \underbrace{\sigma(x)(1-\sigma(x))}_{\text{the derivative}}",
        r"\frac{\partial C}{\partial b} = \delta",
        r"\frac{\partial C}{\partial b} = 2 \delta",
    )
    assert run(tmp_path, *rows) == ["definition", "proved", "proved", "proved", "proved", "wrong"]


def test_a_name_defined_again_is_checked_with_each_definition(tmp_path: Path) -> None:
    """a = σ(z), then a = tanh(z) (or, in prose, 'let $a = \\tanh(z)$ instead'): a step true with one definition
    only is unchecked, naming the lines; true with both is proved; false with both unchecked too."""
    rows = (
        r"a = \sigma(z)",
        r"\frac{da}{dz} = a(1-a)",
        r"a = \tanh(z)",  # a second definition, or a wrong restatement?
        r"\frac{da}{dz} = a(1-a)",  # true for σ only
        r"\frac{d}{dz} (a - a) = 0",
        r"\frac{da}{dz} = 2",
    )
    assert run(tmp_path, *rows) == ["definition", "proved", "unchecked", "unchecked", "proved", "unchecked"]
    prose = "Let $a = \\sigma(z)$.\n\n$$\\frac{da}{dz} = a(1-a)$$\n\nNow let $a = \\tanh(z)$ instead.\n\n"
    text = prose + "$$\\frac{da}{dz} = a(1-a)$$\n"
    assert verdicts(check_text(tmp_path, text)) == ["proved", "unchecked"]


def test_derivative_operators_in_each_term_take_their_own_terms(tmp_path: Path) -> None:
    assert run(tmp_path, r"\frac{d}{dx} x^2 + \frac{d}{dx} x^3 = 2x + 3x^2") == ["proved"]
    # \cdot after a function: the product first, the function alone the other reading
    assert run(tmp_path, r"\frac{d}{dx} \sigma(x) \cdot \frac{1}{\sigma(x)(1-\sigma(x))} = 1") == ["unchecked"]
    assert run(tmp_path, r"\frac{d}{dx} e^{x} \cdot e^{-x} = 1") == ["unchecked"]


def test_layer_zero_in_a_file_with_numbered_layers(tmp_path: Path) -> None:
    """z^1 = w^1 a^0 + b^1: a^0 is layer 0's activation, not 1."""
    rows = (
        r"z^1 = w^1 a^0 + b^1",
        r"\frac{\partial z^1}{\partial w^1} = a^0",
        r"\frac{\partial z^1}{\partial w^1} = 1",
    )
    assert run(tmp_path, *rows) == ["definition", "proved", "wrong"]


def test_a_function_named_with_a_subscript_is_unreadable_not_a_product(tmp_path: Path) -> None:
    """g_1(x) = σ(x): read as g_1·(x), g_1(0) = 0 would be 'proved'; it is unreadable instead."""
    assert run(tmp_path, r"g_1(x) = \sigma(x)", r"g_1(0) = 0") == ["unchecked", "unchecked"]


def test_a_name_renamed_by_a_brace_or_given_another_value_in_prose(tmp_path: Path) -> None:
    """A second \\underbrace{…}_{=:δ}, or 'from now on $a = \\tanh(z)$': both definitions stand, and a step true
    with one of them only is unchecked."""
    rows = (
        r"a = \sigma(z)",
        r"C = \frac{1}{2}(a - y)^2",
        r"\frac{\partial C}{\partial z} = \underbrace{(a - y) a (1 - a)}_{=:\delta}",
        r"\frac{\partial C}{\partial a} = \underbrace{a - y}_{=:\delta}",
        r"\frac{\partial C}{\partial z} = \delta",
    )
    assert run(tmp_path, *rows) == ["definition", "definition", "proved", "proved", "unchecked"]
    text = "$$a = \\sigma(z)$$\n\nFrom now on $a = \\tanh(z)$.\n\n$$\\frac{da}{dz} = a(1-a)$$\n"
    assert verdicts(check_text(tmp_path, text)) == ["definition", "unchecked"]


def test_a_family_summed_to_a_named_bound_has_that_many_entries(tmp_path: Path) -> None:
    """Σ_{k=1}^{q} o_k with q a declared dimension: o and the one-hot y have q entries, not n."""
    prose = (
        r"Take $\mathbf{X} \in \mathbb{R}^{n \times d}$ and $\mathbf{W} \in \mathbb{R}^{d \times q}$; "
        r"$y$ is one-hot."
    )
    rows = (
        r"-\sum_{j=1}^q y_j \log \frac{\exp(o_j)}{\sum_{k=1}^q \exp(o_k)} = "
        r"\log \sum_{k=1}^q \exp(o_k) - \sum_{j=1}^q y_j o_j",
        r"\frac{\exp(o_j)}{\sum_{k=1}^q \exp(o_k)} - y_j = \mathrm{softmax}(\mathbf{o})_j - y_j",
        r"\log \sum_{k=1}^q \exp(o_k) - \sum_{j=1}^q y_j o_j = \sum_{k=1}^q \exp(o_k) - \sum_{j=1}^q y_j o_j",
    )
    assert run(tmp_path, *rows, prose=prose) == ["proved", "proved", "wrong"]


def test_bare_names_of_a_family_read_as_numbers_when_as_vectors_the_sides_do_not_fit(tmp_path: Path) -> None:
    """t = tanh(z) in a file that also writes z_j: dt/dz is 1 − t², a number, not a Jacobian."""
    rows = (
        r"t = \tanh(z)",
        r"\frac{dt}{dz} = 1 - t^2",
        r"\frac{dt}{dz} = 1 + t^2",
        r"a_j = \frac{e^{z_j}}{\sum_k e^{z_k}}",
    )
    assert run(tmp_path, *rows) == ["definition", "proved", "wrong", "definition"]


def test_a_shape_mismatch_with_a_bare_family_is_not_wrong(tmp_path: Path) -> None:
    """y is the vector of the y_i by convention only: ln 1 = y there is a reason, never `wrong`."""
    rows = (r"\sum_i y_i = 1", r"\mathbf{y} - \mathbf{y} = \mathbf{0}", r"\log 1 + 0 = y + \mathbf{0}")
    assert "wrong" not in run(tmp_path, *rows)


@pytest.mark.parametrize(
    "row",
    [r"\operatorname*{argmax}_j y_j = y_1", r"\max_j y_j = y_1", r"\lim_{h \to 0} h = 0", r"\arg\max_j y_j = 1"],
)
def test_operators_over_an_index_or_a_limit_are_refused_not_read_as_names(tmp_path: Path, row: str) -> None:
    d = check_text(tmp_path, displays(row))
    assert verdicts(d) == ["unchecked"] and "not supported" in d.steps[0].reason


def test_a_because_row_is_a_fact_of_its_own_and_the_chain_goes_on_from_the_row_before(tmp_path: Path) -> None:
    """∵ rows state what the next step uses; the next '= …' continues the chain, not the fact."""
    text = (
        "$$\\begin{aligned} L &= \\log(e^{-u}) + \\log(1) \\\\ \\because \\log(1) &= 0 \\\\ &= \\log(e^{-u}) \\\\ "
        "\\because \\log(e^{-u}) &= -u \\\\ &= -u \\\\ \\because \\log(e^{-u}) &= u \\\\ &= u \\end{aligned}$$\n"
    )
    assert verdicts(check_text(tmp_path, text)) == [
        "definition",
        "proved",
        "proved",
        "proved",
        "proved",
        "wrong",
        "wrong",
    ]


def test_a_because_row_may_introduce_a_name(tmp_path: Path) -> None:
    fact = "$$\\begin{aligned} \\because \\sigma(u) &= Q \\end{aligned}$$\n\n"
    assert verdicts(check_text(tmp_path, fact + "$$1 - Q = \\sigma(-u)$$\n")) == ["definition", "proved"]
    assert verdicts(check_text(tmp_path, fact + "$$1 - Q = \\sigma(u)$$\n")) == ["definition", "wrong"]


def test_words_of_a_sentence_before_the_maths_are_not_names(tmp_path: Path) -> None:
    """\\text{Let } u = -z, \\text{Proof } …, \\text{Then } …: the words are not a variable 'Let' times u."""
    rows = (r"\text{Let } u = -z", r"\text{Then } e^{u} = e^{-z}", r"\text{Proof } \sigma(-z) = 1 - \sigma(z)")
    assert run(tmp_path, *rows) == ["definition", "proved", "proved"]
    # a 'Let' row the checker cannot take as a definition is never `wrong`
    assert run(tmp_path, r"\text{Let } f(x_i) = \ln(1 + e^{-z_i})") == ["unchecked"]


def test_a_name_with_one_index_and_with_two(tmp_path: Path) -> None:
    """x_1 beside x_{i1}: names of their own; a step that mixes them is never `wrong` on that reading."""
    rows = (
        r"z = w_1 x_1 + w_2 x_2 + b",
        r"\frac{dz}{dw_1} = x_1",
        r"\frac{d}{dw_1}(w_1 x_{i1} + w_2 x_{i2}) = x_{i1}",
        r"\frac{dz}{dw_2} = x_1",
        r"x_{i1} = x_1",
    )
    assert run(tmp_path, *rows) == ["definition", "proved", "proved", "wrong", "unchecked"]


def test_a_case_said_in_a_sentence_holds_for_the_display_after_it(tmp_path: Path) -> None:
    """ "… where $j \\neq i$." then the off-diagonal entry: checked with j ≠ i, and only there."""
    text = (
        "Let $s_i = \\frac{e^{u_i}}{\\sum_k e^{u_k}}$.\n\n"
        "Now the derivative with respect to $u_j$, where $j \\neq i$.\n\n"
        "$$\\frac{\\partial s_i}{\\partial u_j} = -s_i s_j$$\n\n"
        "$$\\frac{\\partial s_i}{\\partial u_j} = s_i s_j$$\n\n"
        "Back to every index.\n\n"
        "$$\\frac{\\partial s_i}{\\partial u_j} = -s_i s_j$$\n"
    )
    assert verdicts(check_text(tmp_path, text)) == ["proved", "wrong", "wrong"]


@pytest.mark.parametrize(
    ("prose", "expected"),
    [
        ("We apply a linear transformation $z = wx + b$ and then $a = \\sigma(z)$.", ["proved", "wrong"]),
        # a value at a point, a number, a hedged clause: not definitions (a is free, the steps are not read with it)
        ("The slope for $a = \\sigma(z)$ is known.", ["unchecked", "unchecked"]),
        ("It would be simpler if $a = \\sigma(z)$.", ["unchecked", "unchecked"]),
        ("From the chain rule we obtain $a = \\sigma(z)$.", ["unchecked", "unchecked"]),  # a claim, not a definition
    ],
)
def test_a_name_given_a_value_in_a_plain_sentence_is_defined(tmp_path: Path, prose: str, expected: list[str]) -> None:
    rows = (
        r"\frac{\partial a}{\partial w} = \sigma(z)(1 - \sigma(z)) x",
        r"\frac{\partial a}{\partial w} = \sigma(z) x",
    )
    found = run(tmp_path, *rows, prose=prose)
    assert found[-2:] == expected


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (r"\mathbf{w}^\top \mathbf{x} = w_1 x_1 + w_2 x_2 + \dots + w_n x_n", "proved"),
        (r"\mathbf{w}^\top \mathbf{x} = w_1 x_1 + \cdots + w_{n-1} x_{n-1}", "wrong"),  # one term short
        (r"\sum_{i=1}^{n} (1 - x_i) = (1 - x_1) + \ldots + (1 - x_n)", "proved"),  # the 1 is not the index
        (r"\sum_{i=0}^{n-1} x_{i+1} = x_1 + x_2 + ... + x_n", "proved"),
        (r"\mathbf{x}^\top = (x_1, \ldots, x_n)", "proved"),
        (r"\mathbf{x} - \begin{bmatrix} x_1 \\ x_2 \\ \vdots \\ x_n \end{bmatrix} = \mathbf{0}", "proved"),
        (r"\mathbf{x}^\top \mathbf{x} = (x_1, \ldots, x_n) (x_1, \ldots, x_n)^\top", "proved"),
        (r"\sum_{i=1}^{n} x_i = x_1 + x_3 + \dots + x_n", "unchecked"),  # odd indices, or 3 … n?
        (r"\sum_{i=1}^{n} x_i = a + \dots + b", "unchecked"),  # no pattern
    ],
)
def test_ellipses_in_sums_and_vectors(tmp_path: Path, row: str, expected: str) -> None:
    prose = r"Let $\mathbf{x} \in \mathbb{R}^n$ and $\mathbf{w} \in \mathbb{R}^n$."
    assert run(tmp_path, r"\mathbf{x} + \mathbf{0} = \mathbf{x}", row, prose=prose)[-1] == expected


def test_a_one_hot_label_written_by_its_entries_has_that_many(tmp_path: Path) -> None:
    """(T_1, T_2, T_3) one-hot: its 1 is at 1, 2 or 3 — never past them, whatever n the step is tried at."""
    text = (
        "The target $(T_1, T_2, T_3)$ is one-hot.\n\n$$T_1 + T_2 + T_3 = 1$$\n\n"
        "$$P(T_1 + T_2 + T_3) - T_1 = P - T_1$$\n\n$$T_1 + T_2 = 1$$\n"
    )
    assert verdicts(check_text(tmp_path, text)) == ["proved", "proved", "wrong"]


FAMILY = r"Let $\mathbf{x}_i \in \mathbb{R}^3$ and $\mathbf{w} \in \mathbb{R}^3$."


@pytest.mark.parametrize(
    ("prose", "row", "expected"),
    [
        (FAMILY, r"\mathbf{x}_1^\top \mathbf{x}_2 = \mathbf{x}_2^\top \mathbf{x}_1", "proved"),
        (FAMILY, r"\mathbf{x}_i^\top \mathbf{x}_i = \mathbf{x}_i \mathbf{x}_i^\top", "unchecked"),  # a number, a matrix
        (FAMILY, r"\mathbf{x}_1 \mathbf{x}_2^\top = \mathbf{x}_2 \mathbf{x}_1^\top", "wrong"),  # outer products
        (
            FAMILY,
            r"\sum_{i=1}^{2} \mathbf{x}_i \mathbf{x}_i^\top = "
            r"\mathbf{x}_1 \mathbf{x}_1^\top + \mathbf{x}_2 \mathbf{x}_2^\top",
            "proved",
        ),
        (FAMILY, r"\sum_{i=1}^{2} \mathbf{x}_i \mathbf{x}_i^\top = \mathbf{x}_1 \mathbf{x}_1^\top", "wrong"),
        (
            FAMILY,
            r"\frac{\partial}{\partial \mathbf{w}} \frac{1}{2}\sum_{i=1}^{n} (\mathbf{w}^\top \mathbf{x}_i - y_i)^2 = "
            r"\sum_{i=1}^{n} (\mathbf{w}^\top \mathbf{x}_i - y_i) \mathbf{x}_i",
            "proved",
        ),
        (
            FAMILY,
            r"\frac{\partial}{\partial \mathbf{w}} \frac{1}{2}\sum_{i=1}^{n} (\mathbf{w}^\top \mathbf{x}_i - y_i)^2 = "
            r"\sum_{i=1}^{n} \mathbf{x}_i^\top \mathbf{x}_i \mathbf{w} - "
            r"\sum_{i=1}^{n} y_i \mathbf{x}_i",
            "wrong",
        ),
        (
            FAMILY,
            r"\frac{\partial}{\partial x_{i1}} (\mathbf{w}^\top \mathbf{x}_i) = w_1",
            "proved",
        ),  # x_{i1}: entry 1 of x_i
        # undeclared: an indexed name written transposed is a vector (an entry is never transposed)
        ("", r"\mathbf{x}_1^\top \mathbf{x}_2 = \mathbf{x}_2 \mathbf{x}_1^\top", "unchecked"),
        ("", r"x_1 x_2^\top = x_2 x_1^\top", "wrong"),
        # the examples x^{(i)}: a name for each i, summed over i
        ("", r"\sum_{i=1}^{2} x^{(i)} = x^{(1)} + x^{(2)}", "proved"),
        ("", r"\sum_{i=1}^{m} x^{(i)} = m x^{(i)}", "wrong"),
        (
            r"Let $\mathbf{x}^{(i)} \in \mathbb{R}^3$.",
            r"\mathbf{x}^{(1)} \mathbf{x}^{(2)\top} = \mathbf{x}^{(2)} \mathbf{x}^{(1)\top}",
            "wrong",
        ),
        (
            r"Let $\mathbf{x}^{(i)} \in \mathbb{R}^3$.",
            r"\mathbf{x}^{(1)\top} \mathbf{x}^{(2)} = \mathbf{x}^{(2)\top} \mathbf{x}^{(1)}",
            "proved",
        ),
    ],
)
def test_a_family_of_vectors(tmp_path: Path, prose: str, row: str, expected: str) -> None:
    """x_i ∈ ℝ^3 for each i (declared, or written transposed), x^{(i)} the i-th example: vectors of their own."""
    assert after_a_vector_row(tmp_path, row, prose) == expected


LINEAR = (
    r"Let $\mathbf{x} \in \mathbb{R}^3$, $\mathbf{y} \in \mathbb{R}^3$ and $\hat{\mathbf{y}} = W\mathbf{x}$, "
    r"$L = \frac{1}{2}\|\hat{\mathbf{y}} - \mathbf{y}\|^2$."
)


@pytest.mark.parametrize(
    ("prose", "row", "expected"),
    [
        # W undeclared but written before a vector: a matrix, so ∂L/∂x = Wᵀ(ŷ − y), never W(ŷ − y)
        (LINEAR, r"\frac{\partial L}{\partial \mathbf{x}} = W(\hat{\mathbf{y}} - \mathbf{y})", "wrong"),
        (LINEAR, r"\frac{\partial L}{\partial \mathbf{x}} = W^\top(\hat{\mathbf{y}} - \mathbf{y})", "proved"),
        ("", r"A(\mathbf{u} + \mathbf{v}) = A\mathbf{u} + A\mathbf{v}", "proved"),
        ("", r"\mathbf{v}^\top A \mathbf{u} = \mathbf{u}^\top A \mathbf{v}", "wrong"),
        # N, the bound of a sum, is a number even before a vector
        ("", r"\frac{1}{N} \sum_{i=1}^{N} N \mathbf{x}_i^\top = \sum_{i=1}^{N} \mathbf{x}_i^\top", "proved"),
    ],
)
def test_a_capital_before_a_vector_is_a_matrix(tmp_path: Path, prose: str, row: str, expected: str) -> None:
    """W\\mathbf{x} with W undeclared: W a matrix (its transpose differs), unless W bounds a sum."""
    assert after_a_vector_row(tmp_path, row, prose) == expected


@pytest.mark.parametrize(
    ("prose", "row", "expected"),
    [
        (r"Let $\mathbf{z} \in \mathbb{R}^m$.", r"\sum_{i} z_i = \mathbf{1}^\top \mathbf{z}", "proved"),
        (r"Let $\mathbf{z} \in \mathbb{R}^m$.", r"\sum_{i=1}^{m} z_i^2 = \|\mathbf{z}\|^2", "proved"),
        (r"Let $\mathbf{z} \in \mathbb{R}^m$.", r"\sum_{i} z_i^2 = 2\|\mathbf{z}\|^2", "wrong"),
        # Σ_i over the entries of a declared z ∈ ℝ^3: three terms, not n
        (r"Let $\mathbf{z} \in \mathbb{R}^3$.", r"\sum_{i} z_i = z_1 + z_2 + z_3", "proved"),
        # the sum runs to n, z has m (or 3) entries: n = m meant, or part of z? Not decided
        (r"Let $\mathbf{z} \in \mathbb{R}^m$.", r"\sum_{i=1}^{n} z_i = \mathbf{1}^\top \mathbf{z}", "unchecked"),
        (r"Let $\mathbf{z} \in \mathbb{R}^3$.", r"\sum_{i=1}^{n} z_i = z_1 + z_2 + z_3", "unchecked"),
        # a part of z to a number is fine
        (r"Let $\mathbf{z} \in \mathbb{R}^3$.", r"\sum_{i=1}^{2} z_i = z_1 + z_2", "proved"),
        (r"Let $W \in \mathbb{R}^{m \times n}$.", r"\sum_{j=1}^{n} W_{1j} = (W\mathbf{1})_1", "proved"),
    ],
)
def test_a_sum_runs_over_the_declared_entries(tmp_path: Path, prose: str, row: str, expected: str) -> None:
    """Σ_i z_i with z ∈ ℝ^m runs to m; an explicit bound that is another size is not taken to be m."""
    assert after_a_vector_row(tmp_path, row, prose) == expected


SOFTMAX_HAT = r"Let $\mathbf{z} \in \mathbb{R}^3$ and $\hat{\mathbf{y}} = \operatorname{softmax}(\mathbf{z})$."
WRONG_ENTRY = r"\frac{e^{z_2}}{e^{z_1} + e^{z_2} + e^{z_3}}"


@pytest.mark.parametrize(
    "spelling",
    [r"\boldsymbol{\hat y}_1", r"\bm{\hat{y}}_1", r"\hat{\boldsymbol{y}}_1", r"\mathbf{\hat y}_1", r"\hat{y}_1"],
)
def test_one_bold_name_in_any_bold_spelling(tmp_path: Path, spelling: str) -> None:
    """\\boldsymbol{\\hat y}, \\bm{\\hat y}, \\hat{\\mathbf y}: one vector, whose entry is claimed, not defined anew."""
    row = f"{spelling} = {WRONG_ENTRY}"
    assert run(tmp_path, r"\mathbf{w} + \mathbf{0} = \mathbf{w}", row, r"\hat{y}_1 = " + WRONG_ENTRY,
               prose=SOFTMAX_HAT)[1:] == ["wrong", "wrong"]  # fmt: skip


@pytest.mark.parametrize(
    "row",
    [r"\|\nabla f(\mathbf{w})\| = 0", r"\|\nabla_{\mathbf{w}} f\|^2 = 0", r"\sqrt{\frac{\partial g}{\partial x}} = 1"],
)
def test_a_derivative_of_an_undefined_function_under_a_root_or_norm(tmp_path: Path, row: str) -> None:
    """‖∇f(w)‖ = 0 with f undefined: a condition on f, not a claim to decide — unchecked (it crashed once)."""
    assert after_a_vector_row(tmp_path, row) == "unchecked"


SOFTMAX_K = r"Let $z \in \mathbb{R}^K$ and $s = \operatorname{softmax}(z)$."
ONE_HOT_K = (
    r"Let $z \in \mathbb{R}^K$, $\hat{y} = \operatorname{softmax}(z)$, and let $y$ be a one-hot vector. "
    r"The loss is $L = -\sum_{k=1}^{K} y_k \log \hat{y}_k$."
)


@pytest.mark.parametrize(
    ("prose", "row", "expected"),
    [
        # Σ_i over s = softmax(z), z ∈ ℝ^K: K entries (not the convention's n)
        (SOFTMAX_K, r"\sum_{i} s_i = 1", "proved"),
        (SOFTMAX_K, r"\sum_{i} s_i = 1 - s_K", "wrong"),
        (SOFTMAX_K, r"\sum_{i=1}^{n} s_i = 1 - s_K", "unchecked"),  # n is not K's
        # y one-hot with K entries: its 1 may be the last, so ∂L/∂z_K = ŷ_K is false (true class K)
        (ONE_HOT_K, r"\frac{\partial L}{\partial z_K} = \hat{y}_K", "wrong"),
        (ONE_HOT_K, r"\frac{\partial L}{\partial z_K} = \hat{y}_K - y_K", "proved"),
        (
            ONE_HOT_K.replace(r"\sum_{k=1}^{K}", r"\sum_{k}"),
            r"\frac{\partial L}{\partial z_K} = \hat{y}_K",
            "unchecked",
        ),  # how many entries y has is not said
    ],
)
def test_a_defined_vector_has_its_own_length(tmp_path: Path, prose: str, row: str, expected: str) -> None:
    """s = softmax(z) with z ∈ ℝ^K has K entries: sums over it, and a one-hot beside it, run to K."""
    assert after_a_vector_row(tmp_path, row, prose) == expected


FOUR_SIZES = (
    r"Let $x \in \mathbb{R}^{d}$, $W_1 \in \mathbb{R}^{h \times d}$, $W_2 \in \mathbb{R}^{k \times h}$, "
    r"$y \in \mathbb{R}^k$, and $L = \frac{1}{k}\|W_2 W_1 x - y\|^2$."
)


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (r"\frac{\partial L}{\partial y} = \frac{2}{k}(y - W_2 W_1 x)", "proved"),
        (r"\frac{\partial L}{\partial y} = \frac{2}{d}(y - W_2 W_1 x)", "wrong"),  # d and k never equal
        (r"\sum_{j=1}^{d} 1 = k", "wrong"),
    ],
)
def test_four_sizes_are_never_two_equal(tmp_path: Path, row: str, expected: str) -> None:
    """n, d, h, k take distinct values at every instance, so a 1/d for a 1/k is caught."""
    assert after_a_vector_row(tmp_path, row, FOUR_SIZES) == expected


@pytest.mark.parametrize(
    ("prose", "row", "expected"),
    [
        # a bold name with a layer tag is still a vector (a matrix if a capital): W^l δ^l is not (W^l)ᵀ δ^l
        (
            r"Let $\mathbf{z}^{l} = \mathbf{W}^{l} \mathbf{a}^{l-1}$ and "
            r"$\boldsymbol{\delta}^{l} = \partial C / \partial \mathbf{z}^{l}$.",
            r"\frac{\partial C}{\partial \mathbf{a}^{l-1}} = \mathbf{W}^{l} \boldsymbol{\delta}^{l}",
            "wrong",
        ),
        # sizes n_l, n_{l-1}, n_{l+1} declare W^{l+1} a matrix: the scalar reading of W^{l+1} δ^{l+1} is gone
        (
            r"Let $W^{l+1} \in \mathbb{R}^{n_{l+1}\times n_l}$, $z^l = W^l a^{l-1} + b^l$, $a^l = \sigma(z^l)$, "
            r"and $\delta^l = \partial L/\partial z^l$.",
            r"\delta^l = \left(W^{l+1} \delta^{l+1}\right) \odot \sigma'(z^l)",
            "unchecked",
        ),
    ],
)
def test_layer_tagged_vectors_and_matrices(tmp_path: Path, prose: str, row: str, expected: str) -> None:
    """\\mathbf{W}^{l} and W^{l+1} ∈ ℝ^{n_{l+1}×n_l}: matrices at every layer, never numbers."""
    assert after_a_vector_row(tmp_path, row, prose) == expected


def test_a_declared_matrix_no_definition_uses_is_not_read_as_unrelated(tmp_path: Path) -> None:
    """∇L = Σ_i (p̂_i − y_i) x_i, then X ∈ ℝ^{n×p} and ∇L = Xᵀ(p̂ − y): X stacks the x_i, which the file leaves
    unsaid — unchecked, never wrong with an X unrelated to the x_i."""
    prose = (
        r"Let $\mathbf{x}_i \in \mathbb{R}^p$, $\hat{p}_i = \sigma(\mathbf{w}^\top \mathbf{x}_i)$ and "
        r"$\mathcal{L}(\mathbf{w}) = -\sum_{i=1}^n y_i \log \hat{p}_i + (1 - y_i)\log(1 - \hat{p}_i)$. "
        r"Take $\mathbf{X} \in \mathbb{R}^{n \times p}$, $\hat{\mathbf{p}} \in \mathbb{R}^n$, "
        r"$\mathbf{y} \in \mathbb{R}^n$."
    )
    row = r"\nabla_{\mathbf{w}} \mathcal{L}(\mathbf{w}) = \mathbf{X}^\top (\hat{\mathbf{p}} - \mathbf{y})"
    assert after_a_vector_row(tmp_path, row, prose) == "unchecked"


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (r"\frac{\partial^2}{\partial a \, \partial b} \frac{1}{2}(a + b)^2 = 1", "proved"),
        # 0 only if the operator took the ½ alone: the reading is open, never proved (it was)
        (r"\frac{\partial^2}{\partial a \, \partial b} \frac{1}{2}(a + b)^2 = 0", "unchecked"),
    ],
)
def test_a_mixed_derivative_operator_reaches_as_far_as_a_first_one(tmp_path: Path, row: str, expected: str) -> None:
    """∂²/∂a∂b before ½(a + b)²: the whole product, or the ½ alone — as for ∂/∂a."""
    assert after_a_vector_row(tmp_path, row) == expected


def test_an_abstract_cost_written_through_a_macro_and_its_partials_stays_a_function(tmp_path: Path) -> None:
    """C'(a) with ∂C/∂w written \\par{C}{w} (a macro), and C_i(a) for C's partial derivatives: C is one function,
    not a number (its bare use is inside ∂) and not a family of entries C_i."""
    text = (
        "\\gdef\\par#1#2{\\frac{\\partial #1}{\\partial #2}}\n\n"
        "We apply $z = wx + b$ and then $a = g(z)$.\n\n"
        + displays(
            r"\par{C}{w} = \par{C}{a} \par{a}{z} \par{z}{w}",
            r"\par{C}{w} = C'(a) g'(z) x",
            r"\par{C}{w} = C'(a) g'(z)",
            r"\par{C}{z_1} = C_1(a) g'(z_1)",
        )
    )
    assert verdicts(check_text(tmp_path, text))[:3] == ["proved", "proved", "wrong"]


@pytest.mark.parametrize(
    "prose",
    [
        r"The two cases are $x > 0$ and $x < 0$.",  # a description of cases: nothing assumed
        r"The ReLU is zero where $x < 0$, and it is the identity where $x > 0$.",
        r"On the left half, $x < 0$, the sigmoid is below one half.",
    ],
)
def test_a_sentence_that_describes_where_assumes_nothing(tmp_path: Path, prose: str) -> None:
    assert run(tmp_path, r"\sqrt{x^2} = -x", prose=prose) == ["wrong"]  # 1 against −1 at x = 1


def test_what_a_section_assumes_ends_with_it(tmp_path: Path) -> None:
    """'Assume $x > 0$.' under one heading; the next heading's rows are checked for every x (the preamble's hold on)."""
    text = (
        "Let $p \\in (0, 1)$.\n\n## Positive\n\nAssume $x > 0$.\n\n"
        + displays(r"\sqrt{x^2} = x", r"\log(p^2) = 2 \log p")
        + "\n## Negative\n\nNow the input is negative.\n\n"
        + displays(r"\sqrt{x^2} = x", r"\log(p^2) = 2 \log p")
    )
    assert verdicts(check_text(tmp_path, text)) == ["proved", "proved", "wrong", "proved"]


def test_binary_entries_past_the_fifth_are_not_fixed(tmp_path: Path) -> None:
    rows = (r"y_1 + y_2 + y_3 + y_4 + y_5 + y_6 = y_1 + y_2 + y_3 + y_4 + y_5", r"y_1 y_2 y_3 y_4 y_5 y_6 = 0")
    assert run(tmp_path, *rows, prose=r"Let each $y_i \in \{0, 1\}$.") == ["wrong", "wrong"]


@pytest.mark.parametrize(
    ("prose", "row", "expected"),
    [
        (r"Let $y \in \{0, 1\}$.", r"y^2 = 1 \quad \text{for } y > 0", "proved"),  # only y = 1 is left
        (r"Let $y \in \{1\}$.", r"y^2 = y", "proved"),  # one value: fixed
        # four names of two values each: eight alternatives at most, the fourth name stays free — not `wrong`
        (r"Let $a, b, c, d \in \{0, 1\}$.", r"a b c d = a^2 b^2 c^2 d^2", "unchecked"),
    ],
)
def test_values_said_in_prose_meet_the_steps_own_condition(tmp_path: Path, prose: str, row: str, expected: str) -> None:
    assert run(tmp_path, row, prose=prose) == [expected]


def test_a_case_on_letters_that_are_no_index_is_no_case(tmp_path: Path) -> None:
    """'## When $a < b$': a and b are values, not indices — the row is checked for every a and b."""
    text = "## When $a < b$\n\n" + displays(r"\max(1, b - a) = b - a")
    assert verdicts(check_text(tmp_path, text)) == ["wrong"]


def test_a_one_hot_said_later_holds_from_there_on_or_for_the_display_it_explains(tmp_path: Path) -> None:
    """'From now on $y$ is one-hot.' does not reach the rows above it; 'where $y$ is one-hot.' right after a
    display explains that display."""
    text = (
        "Let $y \\in \\mathbb{R}^K$.\n\n"
        + displays(r"\sum_k y_k = 1")
        + "\nFrom now on $y$ is one-hot.\n\n"
        + displays(r"\sum_k y_k = 1")
    )
    assert verdicts(check_text(tmp_path, text)) == ["wrong", "proved"]
    for after in ("where $y$ is one-hot.", "This holds because $y$ is a one-hot vector."):
        assert verdicts(check_text(tmp_path, displays(r"\sum_k y_k = 1") + f"\n{after}\n")) == ["proved"]


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (r"W^{\mathsf T} \mathbf{v} = (W^\top) \mathbf{v}", "proved"),  # an upright T is the transpose
        (r"W^{\mathsf{T}} \mathbf{v} = (W^\top) \mathbf{v}", "proved"),
        (r"W^\mathrm{T} \mathbf{v} = (W^\top) \mathbf{v}", "proved"),
        (r"W^{\mathsf T} \mathbf{v} = 2 (W^\top) \mathbf{v}", "wrong"),
        (r"\frac12 \mathbf{v}^\top \mathbf{v} = \frac{1}{2}\|\mathbf{v}\|^2", "proved"),  # TeX's \frac12
        (r"\frac1n \sum_{i=1}^{n} 2 = 2", "proved"),
        (r"\frac 1{2} \mathbf{v}^\top \mathbf{v} = \|\mathbf{v}\|^2", "wrong"),
    ],
)
def test_tex_shorthands_for_transpose_and_fractions(tmp_path: Path, row: str, expected: str) -> None:
    prose = r"Let $W \in \mathbb{R}^{2 \times 3}$ and $\mathbf{v} \in \mathbb{R}^{2}$."
    assert run(tmp_path, row, prose=prose) == [expected]


# -- a function whose parameters are entries of a vector: J(w_1, w_2, b) = …
@pytest.mark.parametrize(
    ("row", "expected"),
    [
        # J = (1/N) Σ [ln(1 + e^{−z_i}) + (1 − y_i) z_i], z_i = w_1 x_{i1} + w_2 x_{i2} + b: dJ/dz_i = σ(z_i) − y_i
        (r"\frac{dJ}{db} = \frac{1}{N}\sum_{i=1}^{N}(\sigma(z_i) - y_i)", "proved"),
        (r"\frac{dJ}{dw_2} = \frac{1}{N}\sum_{i=1}^{N}(\sigma(z_i) - y_i) x_{i2}", "proved"),
        (r"\frac{dJ}{dw_2} = \frac{1}{N}\sum_{i=1}^{N}(\sigma(z_i) - y_i) x_{i1}", "wrong"),  # the other feature
        (r"\frac{dJ}{db} = \frac{1}{N}\sum_{i=1}^{N}(y_i - \sigma(z_i))", "wrong"),  # the sign
        # J at its own parameters is J; at others, its body there: J(0, 0, b) drops the features
        (r"J(w_1, w_2, b) = J", "proved"),
        (r"J(0, 0, b) = \frac{1}{N}\sum_{i=1}^{N}[\ln(1 + e^{-b}) + (1 - y_i) b]", "proved"),
        (r"J(0, 0, b) = \frac{1}{N}\sum_{i=1}^{N}[\ln(1 + e^{-b}) + (1 - y_i) w_1]", "wrong"),
        # a derivative followed by as many values as J has parameters: at that point (z_i = 0, σ(0) = ½)
        (r"\frac{\partial J}{\partial w_1}(0, 0, 0) = \frac{1}{N}\sum_{i=1}^{N}(\tfrac{1}{2} - y_i) x_{i1}", "proved"),
        (r"\frac{\partial J}{\partial w_1}(0, 0, 0) = \frac{1}{N}\sum_{i=1}^{N}(\tfrac{1}{2} - y_i) x_{i2}", "wrong"),
        (r"\frac{\partial J}{\partial b}(0, 0, 1) = \frac{1}{N}\sum_{i=1}^{N}(\sigma(1) - y_i)", "proved"),
    ],
)
def test_a_function_of_entries_of_a_vector(tmp_path: Path, row: str, expected: str) -> None:
    prose = r"Let $z_i = w_1 x_{i1} + w_2 x_{i2} + b$."
    definition = r"J(w_1, w_2, b) = \frac{1}{N}\sum_{i=1}^{N}[\ln(1 + e^{-z_i}) + (1 - y_i)z_i]"
    assert run(tmp_path, definition, row, prose=prose) == ["definition", expected]


# -- matrices written with ellipses: the pattern of their entries
JACOBIAN = (r"\begin{bmatrix} s_1 - s_1^2 & \cdots & -s_1 s_n \\ \vdots & \ddots & \vdots \\ -s_n s_1 & \cdots & "
            r"s_n - s_n^2 \end{bmatrix}")  # fmt: skip
FLIPPED = JACOBIAN.replace("-s_1 s_n", "s_1 s_n").replace("-s_n s_1", "s_n s_1")
A = r"\begin{bmatrix} a_{11} & \cdots & a_{1n} \\ \vdots & \ddots & \vdots \\ a_{m1} & \cdots & a_{mn} \end{bmatrix}"
A_T = r"\begin{bmatrix} a_{11} & \cdots & a_{m1} \\ \vdots & \ddots & \vdots \\ a_{1n} & \cdots & a_{mn} \end{bmatrix}"


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (r"\frac{\partial \mathbf{s}}{\partial \mathbf{z}} = " + JACOBIAN, "proved"),  # ∂s_i/∂z_j = s_i(δ_ij − s_j)
        (JACOBIAN + r" = \operatorname{diag}(\mathbf{s}) - \mathbf{s}\mathbf{s}^\top", "proved"),
        (r"\frac{\partial \mathbf{s}}{\partial \mathbf{z}} = " + FLIPPED, "wrong"),  # the off-diagonal minus lost
        (JACOBIAN + r" = \operatorname{diag}(\mathbf{s}) - \mathbf{s}^\top\mathbf{s}", "unchecked"),  # sᵀs: a number
    ],
)
def test_the_softmax_jacobian_written_by_its_corners(tmp_path: Path, row: str, expected: str) -> None:
    prose = r"Let $\mathbf{s} = \operatorname{softmax}(\mathbf{z})$."
    assert run(tmp_path, row, prose=prose) == [expected]


def test_a_matrix_written_by_its_corners_and_its_transpose(tmp_path: Path) -> None:
    """(a_{ij})ᵀ = (a_{ji}): proved; a matrix is not its own transpose (a_{12} ≠ a_{21}): wrong."""
    assert run(tmp_path, A + r"^\top = " + A_T, A + r"^\top = " + A) == ["proved", "wrong"]


# -- families numbered from 0: Σ_{i=0}^{n-1} x_i, w_0 x_0 + … + w_{m-1} x_{m-1}
@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (r"\frac{\partial u}{\partial w_0} = -x_0", "proved"),  # u = y − Σ_{k=0}^{m−1} w_k x_k
        (r"\frac{\partial u}{\partial w_0} = x_0", "wrong"),  # the sign of u's sum lost
        (r"\frac{\partial u}{\partial w_{m-1}} = -x_{m-1}", "proved"),  # the last weight
        (r"\frac{\partial u}{\partial w_{m-1}} = -x_{m-2}", "wrong"),
        (r"\sum_{k=0}^{m-1} w_k x_k = w_0 x_0 + \sum_{k=1}^{m-1} w_k x_k", "proved"),
        (r"\sum_{k=0}^{m-1} w_k x_k = \sum_{k=1}^{m-1} w_k x_k", "wrong"),  # the first term dropped
    ],
)
def test_a_family_numbered_from_zero(tmp_path: Path, row: str, expected: str) -> None:
    assert run(tmp_path, r"u = y - (w_0x_0 + w_1x_1 + \dots + w_{m-1}x_{m-1})", row) == ["definition", expected]


def test_a_family_summed_from_zero_in_one_row_and_from_one_in_another_is_numbered_neither_way(tmp_path: Path) -> None:
    """x_0 … x_{n−1} beside x_1 … x_n: which entries x has is in doubt — never a counterexample from either."""
    zero = r"\sum_{i=0}^{n-1} x_i = x_0 + \sum_{i=1}^{n-1} x_i"  # true for x_0 … x_{n−1}
    one = r"\sum_{i=1}^{n} x_i = \sum_{i=1}^{n-1} x_i + x_n"  # true for x_1 … x_n
    assert run(tmp_path, zero, one) == ["unchecked", "proved"]


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (r"\nabla^2_{\mathbf{w}} L = \mathbf{a}\mathbf{a}^\top", "proved"),  # L = ½(aᵀw)²: ∇L = (aᵀw)a, ∇²L = aaᵀ
        (r"\nabla_{\mathbf{w}}^2 L = \mathbf{a}\mathbf{a}^\top", "proved"),
        (r"\nabla^2_{\mathbf{w}} L = 2\mathbf{a}\mathbf{a}^\top", "wrong"),  # ½ forgotten
        (r"\nabla_{\mathbf{w}} L = (\mathbf{a}^\top\mathbf{w})\mathbf{a}", "proved"),
    ],
)
def test_the_hessian_by_a_subscript(tmp_path: Path, row: str, expected: str) -> None:
    """∇²_w L is the matrix of ∂²L/∂w_i∂w_j (the Jacobian of the gradient), not the second derivatives alone."""
    prose = r"Let $\mathbf{a}, \mathbf{w} \in \mathbb{R}^3$."
    assert run(tmp_path, r"L = \frac{1}{2}(\mathbf{a}^\top\mathbf{w})^2", row, prose=prose) == ["definition", expected]


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (r"\frac{1}{N}\sum_{i=1}^{N} i = 2", "proved"),  # N = 3: (1 + 2 + 3)/3
        (r"\sum_{i=1}^{N} x_i = x_1 + x_2 + x_3", "proved"),
        (r"\frac{1}{N}\sum_{i=1}^{N} i = \frac{5}{2}", "wrong"),
    ],
)
def test_a_sum_bound_defined_in_prose_is_its_value(tmp_path: Path, row: str, expected: str) -> None:
    """Let N = 3: Σ_{i=1}^{N} runs to 3 (it ran to the instance's n, and true steps were wrong)."""
    assert run(tmp_path, row, prose=r"Let $N = 3$.") == [expected]


def test_a_declared_vector_written_by_its_entries_is_a_definition_only_if_it_fits_the_declaration(
    tmp_path: Path,
) -> None:
    # x ∈ ℝ^n written as x_1 … x_n names its entries; as x_1 … x_{n−1} it is one entry short: not a definition
    prose = r"Let $\mathbf{x} \in \mathbb{R}^n$."
    fits = run(tmp_path, r"\mathbf{x} = \begin{bmatrix} x_1 \\ \vdots \\ x_n \end{bmatrix}", prose=prose)
    short = run(tmp_path, r"\mathbf{x} = \begin{bmatrix} x_1 \\ \vdots \\ x_{n-1} \end{bmatrix}", prose=prose)
    assert fits == ["definition"] and short == ["unchecked"]


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (r"\frac{d\hat{p}_i}{dz_i} = \hat{p}_i(1 - \hat{p}_i)", "proved"),  # p̂_i = σ(z_i): σ' = σ(1 − σ)
        (r"\frac{d\hat{p}_i}{dz_i} = \hat{p}_i(1 + \hat{p}_i)", "wrong"),  # ¼ vs ¾ at z_i = 0
        (r"\frac{dq_i}{dz_i} = 1", "unchecked"),  # q_i = σ(wᵀx_i) + w_1 is no function of z_i alone
    ],
)
def test_a_derivative_by_a_name_defined_after_the_expression_it_is_hidden_in(
    tmp_path: Path, row: str, expected: str
) -> None:
    # p̂_i was defined through wᵀx_i before z_i = wᵀx_i was named: dp̂_i/dz_i is p̂_i as a function of z_i
    first = r"\hat{p}_i = \sigma(\mathbf{w}^\top \mathbf{x}_i), \quad q_i = \sigma(\mathbf{w}^\top \mathbf{x}_i) + w_1"
    prose = r"Let $z_i = \mathbf{w}^\top \mathbf{x}_i$."
    text = displays(first) + "\n" + prose + "\n\n" + displays(row)
    assert verdicts(check_text(tmp_path, text))[-1] == expected


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (r"\sum_{i=0}^{n-1} (x_i + 1) = \sum_{i=0}^{n-1} x_i + n", "proved"),
        (r"\sum_{i=0}^{n-1} (x_i + 1) = \sum_{i=0}^{n-1} x_i + n - 1", "wrong"),  # n ones, not n − 1
        (r"\mathbf{x}^\top \mathbf{x} = \sum_{i=0}^{n-1} x_i^2", "proved"),  # the vector is its entries x_0 … x_{n−1}
        # a sum from 0 that stops short does not say the entries start at 0: x_0 is no entry of x ∈ ℝ^n
        (r"\mathbf{x}^\top \mathbf{x} = \sum_{i=0}^{n-2} x_i^2", "unchecked"),
    ],
)
def test_a_declared_vector_numbered_from_zero(tmp_path: Path, row: str, expected: str) -> None:
    assert run(tmp_path, row, prose=r"Let $\mathbf{x} \in \mathbb{R}^n$.") == [expected]


def test_a_name_mentioned_between_two_formulas_of_a_let_keeps_the_list_going(tmp_path: Path) -> None:
    # "Let x ∈ ℝ^B be a batch of $B$ values and $μ = …$ their mean": μ is defined (Σ (x_b − μ) = 0 holds)
    prose = r"Let $\mathbf{x} \in \mathbb{R}^B$ be a batch of $B$ values and $\mu = \frac{1}{B}\sum_{b=1}^{B} x_b$."
    assert run(tmp_path, r"\sum_{b=1}^{B} (x_b - \mu) = 0", prose=prose) == ["proved"]


def test_a_name_given_a_value_in_words_not_read_as_a_definition_makes_no_wrong(tmp_path: Path) -> None:
    # "$\mu = …$ is their mean" is not a form the checker takes as a definition; with μ a free variable the step
    # fails, which says nothing of the author's μ
    prose = r"The value $\mu = \frac{1}{B}\sum_{b=1}^{B} x_b$ is their mean."
    d = check_text(tmp_path, prose + "\n\n" + displays(r"\sum_{b=1}^{B} (x_b - \mu) = 0"))
    assert verdicts(d) in (["proved"], ["unchecked"])
    if verdicts(d) == ["unchecked"]:
        assert r"\mu" in d.steps[0].reason


# -- a bold name with no role of its own is the vector of the plain letter's entries


_SOFTMAX_CE = (
    "The logits are $\\mathbf{z} \\in \\mathbb{R}^{K}$, the prediction is $p_i = \\frac{e^{z_i}}{\\sum_{k=1}^{K} "
    "e^{z_k}}$ and the loss is $L = -\\sum_{i=1}^{K} y_i \\log p_i$. The label $y$ is one-hot.\n\n"
)


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (r"\nabla_{\mathbf{z}} L = \mathbf{p} - \mathbf{y}", "proved"),  # ∂L/∂z_j = p_j − y_j
        (r"\nabla_{\mathbf{z}} L = p - \mathbf{y}", "proved"),
        (r"\nabla_{\mathbf{z}} L = \mathbf{p} + \mathbf{y}", "wrong"),  # the sign of y
        (r"\sum_{k=1}^{K} \mathbf{y}_k = 1", "proved"),  # one-hot: its entries sum to 1
    ],
)
def test_a_bold_letter_is_the_vector_of_the_entries_the_prose_defined(tmp_path: Path, row: str, expected: str) -> None:
    """\\mathbf{p} after p_i = …, \\mathbf{y} after 'y is one-hot': the same vectors, not free ones."""
    got = [s.verdict for s in check_text(tmp_path, _SOFTMAX_CE + displays(row)).steps if s.verdict != "definition"]
    assert got == [expected]


def test_capitals_defined_from_declared_matrices_multiply_when_written_together(tmp_path: Path) -> None:
    """Z = XW, H = tanh(Z), O = HV with X, W, V declared: HV is H times V (not a name 'HV'), so O − Y fits."""
    front = "assume:\n  - X \\in \\mathbb{R}^{m \\times n}\n  - W \\in \\mathbb{R}^{n \\times n}\n"
    front += "  - V \\in \\mathbb{R}^{n \\times c}\n  - Y \\in \\mathbb{R}^{m \\times c}\n"
    prose = "Here $Z = XW$, $H = \\tanh(Z)$ entrywise, $O = HV$, and $L = \\frac{1}{2}\\|O - Y\\|_F^2$.\n\n"
    rows = [
        r"O - Y = HV - Y",
        r"\frac{\partial L}{\partial V} = H^\top(O - Y)",
        r"\frac{\partial L}{\partial V} = H(O - Y)",
    ]
    text = f"---\n{front}---\n" + prose + displays(*rows)
    assert verdicts(check_text(tmp_path, text)) == [
        "proved",
        "proved",
        "unchecked",
    ]  # H (m×n) times O − Y (m×c) does not fit


# -- σ as a variable (the variance σ², a batch's σ_B²), a capital subscript as a label (μ_B)


_BATCH = (
    "Over a batch $x_1, \\dots, x_m$ the mean is $\\mu_B = \\frac{1}{m}\\sum_{i=1}^{m}x_i$ and the variance is "
    "$\\sigma_B^2 = \\frac{1}{m}\\sum_{i=1}^{m}(x_i - \\mu_B)^2$.\n\n"
)


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (r"\sum_{i=1}^{m}(x_i - \mu_B) = 0", ["proved"]),
        (r"\frac{\partial \mu_B}{\partial x_j} = \frac{1}{m}", ["proved"]),
        (r"\frac{\partial \sigma_B^2}{\partial x_j} = \frac{2}{m}(x_j - \mu_B)", ["proved", "numeric"]),
        (r"\frac{\partial \sigma_B^2}{\partial x_j} = \frac{1}{m}(x_j - \mu_B)", ["wrong"]),  # the factor 2
        (r"\sum_{i=1}^{m}(x_i - \mu_B)^2 = \sum_{i=1}^{m}x_i^2 - \mu_B^2", ["wrong"]),  # − m μ_B²
    ],
)
def test_a_batch_mean_and_variance_are_names(tmp_path: Path, row: str, expected: list[str]) -> None:
    """μ_B: B labels the mean (no index B); σ_B² is the variance, not the sigmoid squared."""
    got = [s.verdict for s in check_text(tmp_path, _BATCH + displays(row)).steps]
    assert got[0] in expected and len(got) == 1


def test_sigma_squared_is_the_variance_where_sigma_is_never_applied(tmp_path: Path) -> None:
    """Let σ² = (1/m)Σ(x_i − μ)²: ∂σ²/∂x_j = (2/m)(x_j − μ) (was wrong, σ² read as the sigmoid squared of x_j)."""
    prose = ("Let $x \\in \\mathbb{R}^m$ and let $\\mu = \\frac{1}{m}\\sum_{i=1}^{m} x_i$ and "
             "$\\sigma^2 = \\frac{1}{m}\\sum_{i=1}^{m}(x_i - \\mu)^2$.\n\n")  # fmt: skip
    rows = [r"\frac{\partial \sigma^2}{\partial x_j} = \frac{2}{m}(x_j - \mu)", r"\sigma = \sqrt{\sigma^2}"]
    got = verdicts(check_text(tmp_path, prose + displays(*rows)))
    assert got[0] in ("proved", "numeric") and got[1] == "proved"


def test_sigma_applied_anywhere_stays_the_sigmoid(tmp_path: Path) -> None:
    """A file that writes σ(z) keeps σ the logistic function, even beside σ² = …"""
    text = displays(r"\sigma(0) = \frac{1}{2}", r"\sigma'(x) = \sigma(x)(1 - \sigma(x))", r"\sigma^2 = 4")
    assert verdicts(check_text(tmp_path, text))[:2] == ["proved", "proved"]


def test_a_sentence_wrapped_onto_the_next_line_is_one_sentence(tmp_path: Path) -> None:
    """'Let $y \\in \\mathbb{R}^K$⏎be one-hot.': Σ_k ỹ_k = 1 for the smoothed label (was wrong, y read as free)."""
    text = "Let $y \\in \\mathbb{R}^K$\nbe one-hot.\n\n" + displays(
        r"\tilde{y}_k = (1 - \varepsilon) y_k + \frac{\varepsilon}{K}", r"\sum_{k=1}^{K} \tilde{y}_k = 1"
    )
    assert verdicts(check_text(tmp_path, text)) == ["definition", "proved"]


def test_a_list_item_is_not_the_rest_of_the_line_before(tmp_path: Path) -> None:
    """'- $y$ is one-hot' after '- Let $a = 2$': two items; both read."""
    text = "- Let $a = 2$\n- $y$ is one-hot\n\n" + displays(r"\sum_{k} y_k = a - 1")
    assert verdicts(check_text(tmp_path, text)) == ["proved"]


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ((r"\text{SiLU}(x) = x\,\sigma(x)", r"\text{SiLU}(1) = \sigma(1)", r"\text{SiLU}'(0) = 0.5"), "proved"),
        ((r"\operatorname{F}(x) = x\sigma(x)", r"\operatorname{F}(0) = 0"), "proved"),
        ((r"\mathrm{G}(x) = 2x", r"\mathrm{G}(1) = 3"), "wrong"),
    ],
)
def test_an_upright_word_defined_with_an_argument_is_a_function(tmp_path: Path, rows: tuple, expected: str) -> None:
    """\\text{SiLU}(x) = x σ(x) defines SiLU (it was read as the product SiLU·x, and its uses were wrong)."""
    got = verdicts(check_text(tmp_path, displays(*rows)))
    assert got[0] == "definition" and set(got[1:]) == {expected}


def test_the_entries_of_a_vector_defined_one_by_one(tmp_path: Path) -> None:
    """y_1 = w_1x_1 + w_2x_2, y_2 = … in displays of their own, then sums over y_i: definitions, not claims
    about free y_1 (they were wrong, and every gradient after them unchecked)."""
    prose = ("Let $x \\in \\mathbb{R}^3$ and $w \\in \\mathbb{R}^2$. "
             "The loss is $L = \\frac{1}{2}\\sum_{i=1}^{2} (y_i - t_i)^2$.\n\n")  # fmt: skip
    rows = [r"y_1 = w_1 x_1 + w_2 x_2", r"y_2 = w_1 x_2 + w_2 x_3",
            r"\frac{\partial L}{\partial w_1} = \sum_{i=1}^{2} (y_i - t_i) x_i",
            r"\frac{\partial L}{\partial w_2} = \sum_{i=1}^{2} (y_i - t_i) x_i"]  # fmt: skip
    assert verdicts(check_text(tmp_path, prose + displays(*rows))) == ["definition", "definition", "proved", "wrong"]


def test_the_softmax_jacobian_written_with_the_jacobian_operator(tmp_path: Path) -> None:
    """J_x(s) = diag(s) − s sᵀ for s = softmax(x); with + s sᵀ it is false in either layout."""
    prose = "Let $\\mathbf{x} \\in \\mathbb{R}^n$ and $\\mathbf{s} = \\operatorname{softmax}(\\mathbf{x})$.\n\n"
    jac = r"\mathbf J_{\mathbf x}(\mathbf s) = \operatorname{diag}(\mathbf s)"
    rows = [jac + r" - \mathbf s \mathbf s^\top", jac + r" + \mathbf s \mathbf s^\top"]
    assert verdicts(check_text(tmp_path, prose + displays(*rows))) == ["proved", "wrong"]


# -- powers of a scalar where the notation also has transposes and layers: γ^T, Σ_k γ^k beside γ^{k−1}, π_i


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (r"\gamma^{T}\cdot\gamma^{-1} = \gamma^{T-1}", "proved"),  # T the horizon: γ to the power T
        (r"\sum_{t=1}^{T}\gamma^{t-1} = \frac{1-\gamma^{T+1}}{1-\gamma}", "wrong"),  # the sum is (1 − γ^T)/(1 − γ)
        (r"\frac{d}{d\gamma}\sum_{k=0}^{T-1}\gamma^k = \sum_{k=1}^{T-1}k\gamma^{k-1}", "numeric"),
        (r"\frac{d}{d\gamma}\sum_{k=0}^{T-1}\gamma^k = \sum_{k=0}^{T-1}k\gamma^{k}", "wrong"),  # a γ too many
    ],
)
def test_a_discount_factor_to_the_power_of_the_horizon(tmp_path: Path, row: str, expected: str) -> None:
    """γ^T with T a sum's bound, γ^k under Σ_k (while γ^{k−1} would make k a layer letter): powers of γ."""
    text = "Let $\\gamma \\in (0, 1)$ be the discount factor and $T$ the horizon.\n\n"
    text += displays(r"\sum_{k=0}^{T-1}\gamma^k = \frac{1-\gamma^{T}}{1-\gamma}", row)
    assert verdicts(check_text(tmp_path, text))[1] == expected


def test_pi_with_a_subscript_is_a_name(tmp_path: Path) -> None:
    """π_i = e^{θ_i}/Σ_j e^{θ_j} (a softmax policy): ∂ log π_i/∂θ_j = δ_ij − π_j; π alone stays 3.14159…"""
    text = "With $\\pi_i = \\frac{e^{\\theta_i}}{\\sum_{j=1}^{n}e^{\\theta_j}}$:\n\n" + displays(
        r"\frac{\partial \log \pi_i}{\partial \theta_j} = \delta_{ij} - \pi_j", r"\cos(\pi) = -1"
    )
    assert verdicts(check_text(tmp_path, text)) == ["proved", "proved"]


def test_a_mean_labelled_by_its_size(tmp_path: Path) -> None:
    """μ_N with N the number of values (and μ no vector): the mean's name, not entry N of a vector μ; said in
    words not read as a definition, a failing step that uses it is unchecked, not wrong."""
    rows = displays(r"\mu_N - \frac{1}{N}\sum_{n=1}^{N-1} x_n = \frac{x_N}{N}",
                    r"\mu_N - \frac{1}{N-1}\sum_{n=1}^{N-1} x_n = \frac{x_N}{N}")  # fmt: skip
    said = "After $N$ samples $x_1, \\dots, x_N$ the mean is $\\mu_N = \\frac{1}{N}\\sum_{n=1}^{N} x_n$.\n\n"
    assert verdicts(check_text(tmp_path, said + rows)) == ["proved", "wrong"]
    unread = "The running mean of $x_1, \\dots, x_N$ is $\\mu_N = \\frac{1}{N}\\sum_{n=1}^{N} x_n$.\n\n"
    assert verdicts(check_text(tmp_path, unread + rows)) == ["unchecked", "unchecked"]


def test_a_sum_over_entries_defined_one_by_one_runs_over_them(tmp_path: Path) -> None:
    """y_1, y_2 defined: Σ_i y_i has two terms (it was tried at n = 3 with y_3 free, and wrong)."""
    rows = [r"y_1 = w_1 x_1 + w_2 x_2", r"y_2 = w_3 x_1 + w_4 x_2", r"\sum_i y_i = (w_1 + w_3) x_1 + (w_2 + w_4) x_2"]
    assert verdicts(check_text(tmp_path, displays(*rows))) == ["definition", "definition", "proved"]


def test_sigma_bare_in_a_file_with_the_sigmoid_and_a_variance_is_not_read(tmp_path: Path) -> None:
    """σ(z) the sigmoid and 'its variance is $σ^2 = a(1 − a)$': dσ²/dz is either; no guess."""
    text = "Let $a = \\sigma(z)$. Its variance is $\\sigma^2 = a(1 - a)$.\n\n" + displays(
        r"\frac{d\sigma^2}{dz} = a(1 - a)(1 - 2a)", r"\sigma(0) = \frac{1}{2}"
    )
    assert verdicts(check_text(tmp_path, text)) == ["unchecked", "proved"]


def test_values_at_a_point_in_prose_are_no_definitions(tmp_path: Path) -> None:
    """'Check at $w = 0$, $x = 1$, where $a = 0$': a's value at that point, not a second definition of a."""
    text = "Let $a = \\tanh(w x)$.\n\n" + displays(r"\frac{\partial a}{\partial w} = (1 - a^2) x")
    text += "\nCheck at $w = 0$, $x = 1$, where $a = 0$:\n\n" + displays(r"(1 - 0^2) \cdot 1 = 1")
    text += "\n" + displays(r"\frac{\partial a}{\partial w} = (1 - a^2) x")
    assert verdicts(check_text(tmp_path, text)) == ["proved", "proved", "proved"]


def test_a_function_restated_through_itself_is_a_claim(tmp_path: Path) -> None:
    """SiLU(x) = x − SiLU(−x) after SiLU(x) = x σ(x): an identity (false: it is x + SiLU(−x)), not an
    alternative definition that would leave SiLU's later uses unchecked."""
    rows = [r"\text{SiLU}(x) = x\,\sigma(x)", r"\text{SiLU}(x) = x - \text{SiLU}(-x)",
            r"\text{SiLU}(x) = x + \text{SiLU}(-x)", r"\text{SiLU}(1) = \sigma(1)"]  # fmt: skip
    assert verdicts(check_text(tmp_path, displays(*rows))) == ["definition", "wrong", "proved", "proved"]


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (r"\operatorname{softmax}(1, 2, 3) = (0.0900, 0.2447, 0.6652)", "numeric"),  # each entry rounds
        (r"\operatorname{softmax}(1, 2, 3) = (0.0900, 0.2447, 0.6653)", "wrong"),  # 0.66524… is 0.6652
        (r"\operatorname{softmax}(0, 0) = (0.5, 0.5)", "proved"),
        (r"\sum_i \operatorname{softmax}(1, 2, 3)_i = 1", "proved"),  # over its three entries, not n
        (r"\sum_i (1, 2, 3)_i = 6", "proved"),
    ],
)
def test_softmax_of_several_numbers_is_of_their_vector(tmp_path: Path, row: str, expected: str) -> None:
    """softmax(1, 2, 3) = softmax of (1, 2, 3) (it was 'takes 1 argument, given 3'); an unbounded sum over a
    written vector runs over its entries."""
    assert verdicts(check_text(tmp_path, displays(row))) == [expected]


def test_assumptions_said_with_with(tmp_path: Path) -> None:
    """'with labels $y_i ∈ \\{0, 1\\}$': each label 0 or 1, so y_i² = y_i holds (it failed at y_i = 2); a bound after
    'with' describes ('a unit with $z > 0$ is active') and assumes nothing: √(z²) = z is not proved."""
    text = "For a batch with labels $y_i \\in \\{0, 1\\}$,\n\n" + displays(r"y_i^2 = y_i", r"y_i^3 = 2 y_i")
    got = verdicts(check_text(tmp_path, text))
    assert got[0] in ("proved", "numeric") and got[1] == "wrong"
    text = "A unit with $z > 0$ is active.\n\n" + displays(r"\sqrt{z^2} = z")
    assert verdicts(check_text(tmp_path, text)) != ["proved"]


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (r"H'(r) = \max(-1, \min(r, 1))", ("numeric", "proved")),
        (r"H'(r) = \max(-1, \min(r, 2))", ("wrong",)),  # the clip is at 1
    ],
)
def test_cases_whose_last_condition_negates_an_earlier_one_cover_every_value(
    tmp_path: Path, row: str, expected: tuple
) -> None:
    """|r| ≤ 1, then |r| > 1: the last case is 'otherwise' (it was 'cases … do not cover every value')."""
    huber = r"H(r) = \begin{cases} \frac{1}{2}r^2 & |r| \le 1 \\ |r| - \frac{1}{2} & |r| > 1 \end{cases}"
    got = verdicts(check_text(tmp_path, displays(huber, row)))
    assert got[0] == "definition" and got[1] in expected


def test_only_and_the_last_state_do_not_hedge_a_definition(tmp_path: Path) -> None:
    """'The loss only looks at the last state: $L = …$' defines L; 'in the last section we used $a = …$' does not
    (a value from elsewhere, not in force here)."""
    text = "The loss only looks at the last state: $L = \\frac{1}{2}(h - y)^2$.\n\n" + displays(
        r"\frac{\partial L}{\partial h} = h - y"
    )
    assert verdicts(check_text(tmp_path, text)) == ["proved"]
    text = "In the last section we used $a = \\tanh(z)$.\n\n" + displays(r"\frac{da}{dz} = 1 - a^2")
    assert verdicts(check_text(tmp_path, text)) != ["proved"]


def test_the_kl_divergence_defined_and_used(tmp_path: Path) -> None:
    """KL(p ‖ q) = Σ_i p_i log(p_i/q_i): a function of the file; KL(p ‖ p) = 0."""
    rows = [r"\mathrm{KL}(p \,\|\, q) = \sum_i p_i \log \frac{p_i}{q_i}", r"\mathrm{KL}(p \,\|\, p) = 0",
            r"1 + \mathrm{KL}(p \,\|\, p) = 2"]  # fmt: skip
    assert verdicts(check_text(tmp_path, displays(*rows))) == ["definition", "proved", "wrong"]


def test_an_assumption_holds_in_its_section_and_its_subsections(tmp_path: Path) -> None:
    """'# Huber' … 'Let $δ > 0$' … '## Without cases': δ > 0 there still (ℓ' was wrong at δ < 0); a section of
    the same level after it starts without it."""
    text = "# Huber\n\nLet $\\delta > 0$ be the threshold.\n\n## Without cases\n\n" + displays(
        r"\sqrt{\delta^2} = \delta"
    )
    text += "\n# Another part\n\n" + displays(r"\sqrt{\delta^2} = \delta")
    assert verdicts(check_text(tmp_path, text)) == ["proved", "wrong"]
