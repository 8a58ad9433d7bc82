"""One test per evaluation rule of `derivations.check.evaluate`, and each shape error."""

from __future__ import annotations

from fractions import Fraction

import pytest
import sympy as sp

from derivations.check.environment import Definition, Environment, SymbolTable
from derivations.check.evaluate import Context, _pick, evaluate, shaped_entry, shaped_value
from derivations.errors import OutOfRange, ShapeMismatch, Unsupported
from derivations.notation.functions import sigmoid
from derivations.notation.parser import Notation, parse_expression


def value(latex: str, env: Environment | None = None, n: int = 3, table: SymbolTable | None = None, **assign: int):
    """``latex`` evaluated at size n with the index letters in ``assign``."""
    notation = Notation(functions={d.name for d in (env.definitions.values() if env else ()) if d.params})
    node = parse_expression(latex, notation)
    return evaluate(node, Context(env or Environment(), table or SymbolTable(), n, dict(assign)))


def define(env: Environment, latex_name: str, body: str, params: tuple[str, ...] = (), index: tuple[str, ...] = ()):
    env.definitions[latex_name] = Definition(latex_name, parse_expression(body), 1, params, index)


def test_numbers_are_exact_rationals() -> None:
    assert value("0.25") == sp.Rational(1, 4) and value("\\frac{2}{3}") == sp.Rational(2, 3)


def test_constants_e_and_pi_and_infinity_is_refused() -> None:
    assert value("e") == sp.E and value("\\pi") == sp.pi
    with pytest.raises(Unsupported, match="infinity"):
        value("\\infty")


def test_a_name_is_a_generated_real_symbol_with_its_latex_kept() -> None:
    table = SymbolTable()
    v = value("\\hat{y}", table=table)
    assert isinstance(v, sp.Symbol) and v.is_real and table.latex[v] == "\\hat{y}" and v.name.startswith("v")


def test_a_defined_name_expands_to_its_body() -> None:
    env = Environment()
    define(env, "z", "2x + 1")
    table = SymbolTable()
    x = table.get("x")
    assert value("z^2", env, table=table) == (2 * x + 1) ** 2


def test_a_family_is_a_vector_of_size_n_and_its_entries_are_symbols() -> None:
    env = Environment(families={"y"})
    table = SymbolTable()
    vec = value("y", env, n=4, table=table)
    assert isinstance(vec, sp.MatrixBase) and vec.shape == (4, 1)
    assert value("y_i", env, n=4, table=table, i=2) == vec[1]


def test_an_index_past_the_end_is_out_of_range_for_this_assignment() -> None:
    with pytest.raises(OutOfRange):
        value("y_5", Environment(families={"y"}), n=3)


def test_a_one_hot_label_is_one_at_its_index_and_zero_elsewhere() -> None:
    env = Environment(one_hot={"y": "k"}, index_letters={"k"})
    assert value("y_2", env, k=2) == 1 and value("y_1", env, k=2) == 0


def test_the_last_entry_of_a_probability_vector_is_one_minus_the_others() -> None:
    table = SymbolTable()
    env = Environment(probability={"t"})
    last = value("t_3", env, n=3, table=table)
    assert sp.expand(last + table.get("t", (1,)) + table.get("t", (2,))) == 1


def test_builtin_functions_their_derivatives_and_powers() -> None:
    table = SymbolTable()
    x = table.get("x")
    assert value("\\sigma(x)", table=table) == sigmoid(x)
    assert sp.simplify(value("\\sigma'(x)", table=table) - sigmoid(x) * sigmoid(-x)) == 0
    assert value("\\sigma^2(x)", table=table) == sigmoid(x) ** 2
    assert value("\\log x^2", table=table) == sp.log(x**2)


def test_a_user_function_is_applied_and_differentiated() -> None:
    env = Environment()
    define(env, "f", "u^3", params=("u",))
    table = SymbolTable()
    x = table.get("x")
    assert value("f(x)", env, table=table) == x**3
    assert value("f'(x)", env, table=table) == 3 * x**2


def test_sums_over_n_and_explicit_bounds() -> None:
    table = SymbolTable()
    env = Environment(families={"x"})
    assert value("\\sum_k x_k", env, n=3, table=table) == sum(table.get("x", (k,)) for k in (1, 2, 3))
    assert value("\\sum_{k=1}^{2} k", env, n=3) == 3
    with pytest.raises(Unsupported, match="more than"):
        value("\\sum_{k=1}^{100} k", env)


def test_derivatives_are_evaluated() -> None:
    table = SymbolTable()
    x = table.get("x")
    assert value("\\frac{d}{dx} x^3", table=table) == 3 * x**2
    assert sp.simplify(value("\\frac{\\partial}{\\partial x} \\sigma(x)", table=table) - sigmoid(x) * sigmoid(-x)) == 0


def test_a_derivative_of_something_that_does_not_involve_the_variable_is_refused() -> None:
    with pytest.raises(Unsupported, match="does not depend on the variable"):
        value("\\frac{d (x^2)}{dz}")


def test_an_undefined_name_differentiated_with_nothing_defined_is_refused() -> None:
    with pytest.raises(Unsupported, match="never defined"):
        value("\\frac{dL}{dz}")


def test_a_derivative_by_a_defined_name_keeps_the_name_then_substitutes() -> None:
    env = Environment()
    define(env, "\\hat{y}", "\\sigma(h)")
    table = SymbolTable()
    h = table.get("h")
    # d(ŷ²)/dŷ = 2ŷ, with ŷ = σ(h) put back
    assert sp.simplify(value("\\frac{d \\hat{y}^2}{d \\hat{y}}", env, table=table) - 2 * sigmoid(h)) == 0


def test_vectors_products_and_transposes() -> None:
    table = SymbolTable()
    v = value("\\begin{bmatrix} 1 \\\\ 2 \\end{bmatrix}^T \\begin{bmatrix} 3 \\\\ 4 \\end{bmatrix}", table=table)
    assert v == 11
    assert value("(1, 2) \\odot (3, 4)") == sp.Matrix([[3, 8]])


def test_cases_become_piecewise_and_need_an_otherwise() -> None:
    table = SymbolTable()
    x = table.get("x")
    v = value("\\begin{cases} x & x > 0 \\\\ 0 & \\text{otherwise} \\end{cases}", table=table)
    assert v == sp.Piecewise((x, x > 0), (0, True))
    with pytest.raises(Unsupported, match="otherwise"):
        value("\\begin{cases} x & x > 0 \\\\ 0 & x < 0 \\end{cases}")


def test_kronecker_delta_of_assigned_indices() -> None:
    assert value("\\delta_{ij}", i=1, j=1) == 1 and value("\\delta_{ij}", i=1, j=2) == 0


@pytest.mark.parametrize(
    "latex",
    [
        "(1, 2) + x",  # a vector plus a scalar variable (a number is put in every entry: 1 - σ(z))
        "(1, 2) \\odot (1, 2, 3)",  # elementwise product of different shapes
        "\\frac{(1, 2)}{(1, 2, 3)}",  # elementwise division of different shapes
        "2^{\\sigma((1, 2))}",  # a vector exponent
        "\\operatorname{softmax}(x)",  # softmax of a scalar
        "\\max((1, 2), 3)",  # max of a vector
        "\\begin{bmatrix} (1, 2) \\\\ 3 \\end{bmatrix}",  # a vector of vectors
        "\\begin{bmatrix} 1 \\\\ 2 \\end{bmatrix} \\begin{bmatrix} 1 \\\\ 2 \\end{bmatrix}",  # 2×1 times 2×1
    ],
)
def test_each_shape_error_is_a_shape_mismatch(latex: str) -> None:
    with pytest.raises(ShapeMismatch):
        value(latex)


def test_an_inline_partial_alone_has_no_value() -> None:
    with pytest.raises(Unsupported, match="outside a derivative"):
        value("\\partial L")


def test_a_fraction_point_is_a_rational_not_a_float() -> None:
    assert value("x", table=SymbolTable()) != Fraction(0)


@pytest.mark.parametrize(
    ("env", "name"),
    [
        (Environment(shapes={"W": ("m", "n")}), "W"),
        (Environment(shapes={"x": (3, 1)}), "x"),
        (Environment(shapes={"r": (1, 4)}), "r"),
        (Environment(shapes={"y": (3, 1)}, one_hot={"y": "k"}, index_letters={"k"}), "y"),
        (Environment(shapes={"p": (4, 1)}, probability={"p"}), "p"),
        (Environment(), "\\mathbf{v}"),
    ],
)
def test_an_entry_made_alone_is_the_entry_of_the_whole_vector_or_matrix(env: Environment, name: str) -> None:
    """shaped_entry(x, idx) = shaped_value(x)[idx], and each fails as the other does (one, two or three indices,
    in range or not)."""
    table = SymbolTable()
    for idx in [(i,) for i in range(0, 6)] + [(i, j) for i in range(0, 5) for j in range(0, 5)] + [(1, 1, 1)]:
        outcomes = []
        for alone in (True, False):
            ctx = Context(env, table, 3, {"k": 2})
            try:
                got = shaped_entry(name, idx, ctx) if alone else _pick(shaped_value(name, ctx), idx, name)
            except (OutOfRange, ShapeMismatch) as exc:
                got = (type(exc), str(exc))
            outcomes.append((got, ctx.flags))
        assert outcomes[0] == outcomes[1], idx


def test_an_entry_of_a_definition_is_made_once_per_context_and_is_the_same_each_time() -> None:
    """z_j = Σ_k w_{jk} a_k used at every term of Σ_j: one evaluation of each z_j, the same value as afresh."""
    env = Environment(families={"w", "a"}, index_letters={"j", "k"})
    define(env, "z", "\\sum_k w_{jk} a_k", index=("j",))
    table = SymbolTable()
    ctx = Context(env, table, 3, {})
    node = parse_expression("\\sum_j z_j z_j + z_1")
    first = evaluate(node, ctx)
    assert {key[:2] for key in ctx.flags.entries} == {("z", (1,)), ("z", (2,)), ("z", (3,))}
    assert first == evaluate(node, Context(env, table, 3, {})) and sp.expand(first - evaluate(node, ctx)) == 0
    w, a = (lambda j, k: table.get("w", (j, k))), (lambda k: table.get("a", (k,)))
    z = [sum(w(j, k) * a(k) for k in range(1, 4)) for j in range(1, 4)]
    assert sp.expand(first - (sum(zj * zj for zj in z) + z[0])) == 0
