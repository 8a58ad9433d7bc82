"""The parser reads the notes' notation the way the notes mean it, and refuses what it cannot read."""

from __future__ import annotations

from fractions import Fraction

import pytest

from derivations.errors import ParseError
from derivations.notation.layout import check_balanced
from derivations.notation.parser import MAX_DEPTH, Notation, parse_expression, parse_relation_chain
from derivations.notation.tree import Call, Cases, Const, Deriv, Func, Index, Mul, Num, Pow, Rel, Sum, Sym, Tabulated


def test_e_is_eulers_number_and_e_to_a_power_is_exp() -> None:
    assert parse_expression("e") == Const("e")
    node = parse_expression("e^{-x}")
    assert isinstance(node, Call) and node.func == Func("exp")


def test_log_is_the_natural_log_function() -> None:
    node = parse_expression(r"\log(x)")
    assert node == Call(Func("log"), (Sym("x"),))
    assert parse_expression(r"\log x") == node


def test_product_with_a_parenthesis_is_not_a_function_call() -> None:
    """`s(1-s)` and `\\sigma(x)(1-\\sigma(x))` are products; only known functions are called."""
    node = parse_expression("s(1-s)")
    assert isinstance(node, Mul) and node.factors[0] == Sym("s")
    node = parse_expression(r"\sigma(x)(1-\sigma(x))")
    assert isinstance(node, Mul) and node.factors[0] == Call(Func("sigmoid"), (Sym("x"),))


def test_a_defined_function_is_called() -> None:
    notation = Notation(functions={"f"})
    assert parse_expression("f(x)", notation) == Call(Func("f"), (Sym("x"),))


def test_leibniz_fraction_is_a_derivative_not_a_quotient() -> None:
    node = parse_expression(r"\frac{dL}{dz}")
    assert node == Deriv(Sym("L"), Sym("z"))
    node = parse_expression(r"\frac{\partial S(\theta)_k}{\partial \theta_i}")
    assert isinstance(node, Deriv) and node.wrt == Index(Sym(r"\theta"), (Sym("i"),))
    assert isinstance(node.of, Index) and isinstance(node.of.base, Call)


def test_derivative_operator_takes_its_parenthesised_operand_only() -> None:
    node = parse_expression(r"\frac{d}{dx}(1 + e^{-x}) \frac{d}{dx}(-x)")
    assert isinstance(node, Mul) and all(isinstance(f, Deriv) for f in node.factors)


def test_bare_function_in_a_leibniz_numerator_is_applied_to_the_variable() -> None:
    assert parse_expression(r"\frac{d\sigma}{dx}") == Deriv(Call(Func("sigmoid"), (Sym("x"),)), Sym("x"))


def test_prime_is_the_derivative_of_a_function() -> None:
    node = parse_expression(r"\sigma'(x)")
    assert node == Call(Func("sigmoid", primes=1), (Sym("x"),))


def test_kronecker_delta_is_not_a_product() -> None:
    node = parse_expression(r"\delta_{ij}")
    assert node == Call(Func("kronecker"), (Sym("i"), Sym("j")))


def test_layer_tags_are_part_of_the_name_and_powers_are_powers() -> None:
    assert parse_expression("h^o") == Sym("h^{o}")
    assert parse_expression("W_1^o") == Index(Sym("W^{o}"), (Num(Fraction(1)),))
    assert parse_expression("x^2") == Pow(Sym("x"), Num(Fraction(2)))


def test_uppercase_runs_and_text_are_names() -> None:
    assert parse_expression("MSE") == Sym("MSE")
    assert parse_expression(r"\text{MSE}") == Sym("MSE")
    assert parse_expression(r"xW") == Mul((Sym("x"), Sym("W")))


def test_softmax_spellings() -> None:
    for text in (r"S(\theta)_i", r"\text{softmax}(\theta)_i", r"\operatorname{softmax}(\theta)_i"):
        node = parse_expression(text)
        assert node == Index(Call(Func("softmax"), (Sym(r"\theta"),)), (Sym("i"),)), text


def test_sum_takes_the_rest_of_the_term() -> None:
    node = parse_expression(r"\sum_k e^{\theta_k} - e^{\theta_i}")
    assert isinstance(node.terms[0], Sum)
    node = parse_expression(r"\sum_{j=1}^{n} y_j \log(\hat{y}_j)")
    assert isinstance(node, Sum) and node.var == "j" and isinstance(node.body, Mul)


def test_relation_chain_keeps_a_leading_relation() -> None:
    chain = parse_relation_chain(r"= a = b")
    assert [r for r, _ in chain] == ["=", "="]
    chain = parse_relation_chain(r"\therefore a = b")
    assert [r for r, _ in chain] == ["=>", "="]


def test_alias_from_front_matter() -> None:
    notation = Notation(aliases={r"\hat{i}": "i"})
    assert parse_expression(r"\hat{i}", notation) == Sym("i")


@pytest.mark.parametrize(
    "text",
    [r"\frac{1}{", r"x^{12345678}", r"\vdots", r"2^{1000}", r"\unknowncommand x", r"a = = b", "가 + 1"],
)
def test_unreadable_input_is_a_parse_error(text: str) -> None:
    with pytest.raises(ParseError):
        parse_relation_chain(text)


def test_nesting_is_capped() -> None:
    deep = "(" * (MAX_DEPTH + 5) + "x" + ")" * (MAX_DEPTH + 5)
    with pytest.raises(ParseError, match="nested"):
        parse_expression(deep)


def test_long_rows_are_refused() -> None:
    with pytest.raises(ParseError, match="longer"):
        parse_expression("+".join(["x"] * 600))


@pytest.mark.parametrize("text", [r"\frac{1}{x", "a}", r"\left( x", r"\begin{cases} a \end{bmatrix}"])
def test_unbalanced_latex_is_reported_with_a_position(text: str) -> None:
    with pytest.raises(ParseError) as info:
        check_balanced(text)
    assert 0 <= info.value.pos < len(text)


def test_power_towers_are_refused_before_anything_computes_them() -> None:
    parse_expression("e^{-x^2}")
    with pytest.raises(ParseError, match="nested"):
        parse_expression("2^{2^{2^{2^{2}}}}")


def test_inline_partial_over_partial_is_a_derivative() -> None:
    assert parse_expression(r"\partial L / \partial w") == Deriv(Sym("L"), Sym("w"))
    node = parse_expression(r"\partial L / \partial w_i")
    assert isinstance(node, Deriv) and node.wrt == Index(Sym("w"), (Sym("i"),))


def test_a_decoration_over_an_indexed_name_decorates_the_name() -> None:
    assert parse_expression(r"\hat{y_1}") == parse_expression(r"\hat{y}_1")
    assert parse_expression(r"\hat{y_{ij}}") == parse_expression(r"\hat{y}_{ij}")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (r"x^2 + 1.", "x^2 + 1"),  # the sentence's full stop
        (r"x^2 + y,", "x^2 + y"),
        (r"x + 1.5", "x + 1.5"),  # a decimal point stays
    ],
)
def test_a_full_stop_that_ends_a_formula_is_not_read(text: str, expected: str) -> None:
    assert parse_expression(text) == parse_expression(expected)


def test_plain_tex_font_switches_and_an_ascii_implication() -> None:
    """{\\cal C} is \\mathcal{C}; '=>' after a remark in \\text is an implication, the remark dropped."""
    assert parse_expression(r"{\cal C}") == parse_expression(r"\mathcal{C}")
    chain = parse_relation_chain(r"\text{Base on (3)} => x = y")
    assert [rel for rel, _ in chain] == ["=>", "="]


def test_a_word_in_a_subscript_labels_the_name() -> None:
    """N_{out}, y_{actual}: words, not the indices o, u, t; W_{ijk} keeps three index letters."""
    assert parse_expression(r"N_{out}") == Sym("N_{out}")
    assert parse_expression(r"y_{actual}") == Sym("y_{actual}")
    assert isinstance(parse_expression(r"W_{ijk}"), Index)


DOTS_ROW = r"\vdots & \ddots & \vdots"


def _grid(*rows: str) -> str:
    return r"\begin{bmatrix}" + r" \\ ".join(rows) + r"\end{bmatrix}"


def test_a_matrix_with_ellipses_is_its_entries_pattern_from_the_first_row_and_column_to_the_last() -> None:
    """A (m×n, a_{ij}) written a_{11} ⋯ a_{1n} ⋮ a_{m1} ⋯ a_{mn}: rows 1 … m of columns 1 … n of a_{ij}."""
    node = parse_expression(_grid(r"a_{11} & \cdots & a_{1n}", DOTS_ROW, r"a_{m1} & \cdots & a_{mn}"))
    a_ij = Index(Sym("a"), (Sym("i"), Sym("j")))
    one = Num(Fraction(1))
    assert node == Tabulated("i", Tabulated("j", a_ij, one, Sym("n"), column=False), one, Sym("m"), column=True)


def test_a_matrix_with_ellipses_may_have_one_pattern_on_its_diagonal_and_one_off_it() -> None:
    """The softmax Jacobian s_i − s_i² at i = j, −s_i s_j elsewhere — written by its corners or with two rows."""
    corners = _grid(r"s_1 - s_1^2 & \cdots & -s_1 s_n", DOTS_ROW, r"-s_n s_1 & \cdots & s_n - s_n^2")
    two_rows = _grid(
        r"s_1 - s_1^2 & -s_1 s_2 & \cdots & -s_1 s_n",
        r"-s_2 s_1 & s_2 - s_2^2 & \cdots & -s_2 s_n",
        r"\vdots & \vdots & \ddots & \vdots",
        r"-s_n s_1 & -s_n s_2 & \cdots & s_n - s_n^2",
    )
    diagonal = parse_expression("s_i - s_i^2")
    off = parse_expression("-s_i s_j")
    one, n = Num(Fraction(1)), Sym("n")
    body = Cases(((diagonal, Rel("=", Sym("i"), Sym("j"))), (off, None)))
    expected = Tabulated("i", Tabulated("j", body, one, n, column=False), one, n, column=True)
    assert parse_expression(corners) == expected and parse_expression(two_rows) == expected


@pytest.mark.parametrize(
    "rows",
    [
        # the lower triangle is not the upper's pattern: the corners do not say what is between
        (r"a_{11} & \cdots & 0", DOTS_ROW, r"a_{n1} & \cdots & a_{nn}"),
        # one entry of another name
        (r"a_{11} & \cdots & a_{1n}", DOTS_ROW, r"a_{n1} & \cdots & b_{nn}"),
        # the ellipsis column first, or two rows of ellipses
        (r"\cdots & a_{11} & a_{1n}", DOTS_ROW, r"\cdots & a_{n1} & a_{nn}"),
        (
            r"a_{11} & \cdots & a_{1n}",
            DOTS_ROW,
            DOTS_ROW,
            r"a_{n1} & \cdots & a_{nn}",
        ),
        # a second row that is not the row after the first
        (
            r"a_{11} & \cdots & a_{1n}",
            r"a_{31} & \cdots & a_{3n}",
            DOTS_ROW,
            r"a_{n1} & \cdots & a_{nn}",
        ),
    ],
)
def test_a_matrix_with_ellipses_whose_entries_follow_no_one_pattern_is_unreadable(rows: tuple[str, ...]) -> None:
    with pytest.raises(ParseError, match="ellipsis"):
        parse_expression(_grid(*rows))


def test_the_space_after_a_row_break_is_no_entry() -> None:
    r"""``\\[0.6em]`` between the rows of a matrix: the rows, as if written ``\\``."""
    spaced = parse_expression(r"\begin{bmatrix} a & b \\[0.6em] c & d \\ [2pt] e & f \end{bmatrix}")
    assert spaced == parse_expression(r"\begin{bmatrix} a & b \\ c & d \\ e & f \end{bmatrix}")


@pytest.mark.parametrize("text", [r"p_i \in [0, 1]", r"x \notin A", r"\mathbf{x} \in \mathbb{R}^n + 1"])
def test_a_membership_is_named_as_one_not_taken_for_a_typo(text: str) -> None:
    r"""``\in`` is no misspelt ``\sin``: the reason says what it is."""
    with pytest.raises(ParseError, match="states where a value lies"):
        parse_expression(text)


def test_a_diagonal_matrix_with_ellipses_is_its_diagonal_and_zeros() -> None:
    """s_1 0 ⋯ 0 / 0 s_2 ⋯ 0 / ⋮ / 0 0 ⋯ s_n: each row's entries share one subscript, its row; s_i at i = j, else 0."""
    dots = r"\vdots & \vdots & \ddots & \vdots"
    node = parse_expression(_grid(r"s_1 & 0 & \cdots & 0", r"0 & s_2 & \cdots & 0", dots, r"0 & 0 & \cdots & s_n"))
    one, n = Num(Fraction(1)), Sym("n")
    body = Cases(((parse_expression("s_i"), Rel("=", Sym("i"), Sym("j"))), (Num(Fraction(0)), None)))
    assert node == Tabulated("i", Tabulated("j", body, one, n, column=False), one, n, column=True)


@pytest.mark.parametrize("text", [r"\zeta^{-1}(u)", r"f^{-1}(u)", r"g^{-1}(f(x))"])
def test_a_function_of_the_file_raised_to_minus_one_before_an_argument_is_refused(text: str) -> None:
    """f^{-1}(u): the inverse function (not f^{-1} times u): not read, never guessed."""
    with pytest.raises(ParseError, match="inverse function"):
        parse_expression(text, Notation(functions={"f", "g", "\\zeta"}))


def test_a_function_of_the_file_squared_before_an_argument_is_its_square() -> None:
    """ζ²(u) = ζ(u)², as tanh²(x); ζ² alone stays ζ to the power 2."""
    notation = Notation(functions={"\\zeta"})
    node = parse_expression(r"\zeta^2(u)", notation)
    assert isinstance(node, Call) and node.func == Func("\\zeta", power=Num(Fraction(2)))
    assert parse_expression(r"\zeta^2", notation) == Pow(Sym("\\zeta"), Num(Fraction(2)))


@pytest.mark.parametrize(
    ("text", "of", "wrt"),
    [(r"\mathbf J_{\mathbf x}(\mathbf s)", "\\mathbf{s}", "\\mathbf{x}"), (r"J_{\theta}(f)", "f", "\\theta")],
)
def test_the_jacobian_operator_is_a_derivative(text: str, of: str, wrt: str) -> None:
    """J_x(s) = ∂s/∂x; J_{ij} (index letters) stays an entry of J."""
    assert parse_expression(text) == Deriv(Sym(of), Sym(wrt), 1)
    assert isinstance(parse_expression(r"J_{ij}"), Index)


@pytest.mark.parametrize("text", [r"\log (x-1)^2", r"\log(x)^2", r"\ln(1 + e^x)^2"])
def test_a_power_after_a_parenthesised_logarithm_is_refused(text: str) -> None:
    """\\log(x − 1)^2: (log(x − 1))² or, as \\log x^2 is read, log((x − 1)²)? Not guessed."""
    with pytest.raises(ParseError, match="square of the logarithm"):
        parse_expression(text)


@pytest.mark.parametrize("text", [r"(\log x)^2", r"\log^2(x)", r"\log(x^2)", r"\sigma(x)^2"])
def test_a_power_written_unambiguously_beside_a_logarithm_is_read(text: str) -> None:
    parse_expression(text)


@pytest.mark.parametrize("text", [r"\mathrm{KL}(p \,\|\, q)", r"KL(p \| q)", r"KL(p ‖ q)"])
def test_a_divergence_parts_its_arguments_with_a_double_bar(text: str) -> None:
    """KL(p ‖ q): two arguments, p and q (it was an unclosed norm)."""
    node = parse_expression(text)
    assert isinstance(node, Call) and node.args == (Sym("p"), Sym("q"))
