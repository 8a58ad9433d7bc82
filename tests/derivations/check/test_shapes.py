"""Shape inference: the shapes a file's rows imply for the vectors and matrices it does not declare."""

from __future__ import annotations

from pathlib import Path

from derivations.check.environment import Environment
from derivations.check.shapes import infer
from derivations.notation.parser import parse_relation_chain
from tests.derivations.helpers import check_text, displays, verdicts


def rows(*texts: str) -> list[list]:
    return [[node for _, node in parse_relation_chain(t)] for t in texts]


def declared(**shapes: tuple) -> Environment:
    env = Environment()
    env.shapes.update({f"\\mathbf{{{k}}}": v for k, v in shapes.items()})
    return env


def test_a_product_joins_the_inner_dimensions_and_an_equation_the_outer_ones() -> None:
    """∂L/∂W = δxᵀ with W m×n and x an n-vector: δ is an m-vector."""
    env = declared(W=("m", "n"), x=("n", 1))
    found = infer(env, rows(r"\frac{\partial L}{\partial \mathbf{W}} = \boldsymbol{\delta} \mathbf{x}^\top"))
    assert found[r"\boldsymbol{\delta}"] == ("m", 1)


def test_a_sum_makes_its_terms_alike_through_a_chain_of_rows() -> None:
    env = declared(W=(3, 2), x=(2, 1))
    found = infer(env, rows(r"\mathbf{z} = \mathbf{W}\mathbf{x} + \mathbf{b}", r"\mathbf{a} = \sigma(\mathbf{z})"))
    assert found[r"\mathbf{z}"] == (3, 1) and found[r"\mathbf{b}"] == (3, 1) and found[r"\mathbf{a}"] == (3, 1)


def test_an_undeclared_matrix_gets_its_rows_and_columns_from_its_products() -> None:
    env = declared(x=(2, 1), y=(4, 1))
    found = infer(env, rows(r"\mathbf{y} = \mathbf{V}\mathbf{x}"))
    assert found[r"\mathbf{V}"] == (4, 2)


def test_a_row_that_contradicts_the_others_adds_nothing() -> None:
    """Wz with W m×n and z an m-vector: the author's shape error; z keeps the shape the other row gives."""
    env = declared(W=("m", "n"), x=("n", 1))
    found = infer(
        env,
        rows(
            r"\mathbf{z} = \mathbf{W}\mathbf{x}",
            r"\mathbf{u} = \mathbf{W}\mathbf{z}",  # contradicts: W's columns are n, z's length m
        ),
    )
    assert found[r"\mathbf{z}"] == ("m", 1)
    assert r"\mathbf{u}" not in found or found[r"\mathbf{u}"][0] != "m"


def test_nothing_inferred_when_the_convention_already_fits() -> None:
    assert infer(Environment(), rows(r"\mathbf{a} = \mathbf{b} + \mathbf{c}")) == {}


def test_a_vector_length_never_becomes_one_and_a_dot_product_says_nothing() -> None:
    env = declared(x=(3, 1))
    found = infer(env, rows(r"s = \mathbf{w} \cdot \mathbf{x}", r"\mathbf{u} = \mathbf{w}\mathbf{v}"))
    assert all(1 not in shape[:1] for shape in found.values())


def test_dimensions_left_open_keep_names_of_their_own() -> None:
    env = declared(x=("n", 1))
    found = infer(env, rows(r"\mathbf{h} = \mathbf{A}\mathbf{x}", r"\mathbf{o} = \mathbf{B}\mathbf{h}"))
    rows_a, cols_a = found[r"\mathbf{A}"]
    assert cols_a == "n" and isinstance(rows_a, str) and rows_a != "n"
    assert found[r"\mathbf{B}"][1] == rows_a and found[r"\mathbf{h}"] == (rows_a, 1)


# -- through the checker


LAYER = (
    r"Take $\mathbf{W} \in \mathbb{R}^{m \times n}$, $\mathbf{x} \in \mathbb{R}^{n}$ and "
    r"$\mathbf{z} = \mathbf{W}\mathbf{x} + \mathbf{b}$. The loss $L$ depends on $\mathbf{z}$."
)


def test_steps_the_convention_cannot_fit_are_checked_in_the_inferred_shapes(tmp_path: Path) -> None:
    """b and δ are never declared: z = Wx + b makes b an m-vector, ∂L/∂W = δxᵀ makes δ one."""
    text = (
        LAYER
        + "\n\n"
        + displays(
            r"\boldsymbol{\delta} = \frac{\partial L}{\partial \mathbf{z}}",
            r"\frac{\partial L}{\partial \mathbf{b}} = \boldsymbol{\delta}",
            r"\frac{\partial L}{\partial \mathbf{x}} = \mathbf{W}^\top \boldsymbol{\delta}",
            r"\frac{\partial L}{\partial \mathbf{x}} = 2 \mathbf{W}^\top \boldsymbol{\delta}",
            r"\frac{\partial L}{\partial \mathbf{x}} = \mathbf{W} \boldsymbol{\delta}",
        )
    )
    d = check_text(tmp_path, text)
    assert verdicts(d) == ["definition", "proved", "proved", "wrong", "unchecked"]
    assert "shapes the file's other rows imply" in d.steps[1].reason


def test_entries_of_a_bold_greek_vector_and_of_a_declared_matrix(tmp_path: Path) -> None:
    """δ_i is an entry of \\boldsymbol{\\delta}; W_{ij} ranges over W's declared shape only."""
    prose = (
        r"Take $\mathbf{W} \in \mathbb{R}^{3 \times 2}$, $\mathbf{x} \in \mathbb{R}^{2}$ and "
        r"$\mathbf{z} = \mathbf{W}\mathbf{x} + \mathbf{b}$. The loss $L$ depends on $\mathbf{z}$; "
        r"write $\boldsymbol{\delta} = \partial L / \partial \mathbf{z} \in \mathbb{R}^{3}$."
    )
    text = (
        prose
        + "\n\n"
        + displays(
            r"\frac{\partial L}{\partial W_{ij}} = \delta_i x_j",
            r"\frac{\partial L}{\partial W_{ij}} = \frac{\partial L}{\partial z_i} x_j",
            r"\frac{\partial L}{\partial W_{ij}} = \sum_k \frac{\partial L}{\partial z_k} "
            r"\frac{\partial z_k}{\partial W_{ij}}",
            r"\frac{\partial L}{\partial W_{ij}} = \delta_j x_i",
        )
    )
    assert verdicts(check_text(tmp_path, text)) == ["proved", "proved", "proved", "unchecked"]


# -- a tuple given to an undeclared vector: a row, or a column when only that fits or holds


def _tuples(tmp_path: Path, row: str) -> list[str]:
    text = "Let $\\mathbf{w} = (0.3, 0.7)$ and $\\mathbf{x} = (2, 1)$.\n\n" + displays(row)
    return [s.verdict for s in check_text(tmp_path, text).steps if s.verdict != "definition"]


def test_a_tuple_in_an_inner_product_is_a_column(tmp_path: Path) -> None:
    """wᵀx = 0.3·2 + 0.7·1 = 1.3: with w and x rows, wᵀx would be a 2×2 matrix."""
    assert _tuples(tmp_path, r"\mathbf{w}^\top \mathbf{x} = 1.3") == ["proved"]
    assert _tuples(tmp_path, r"\mathbf{w}^\top \mathbf{x} + 1 = 0.3 \cdot 2 + 0.7 \cdot 1 + 1") == ["proved"]


def test_a_false_inner_product_of_tuples_is_wrong(tmp_path: Path) -> None:
    """wᵀx is 1.3, not 1.4 — false as columns, and no fit as rows."""
    assert _tuples(tmp_path, r"\mathbf{w}^\top \mathbf{x} = 1.4") == ["wrong"]


def test_inner_products_of_tuples_commute(tmp_path: Path) -> None:
    """xᵀw = wᵀx for columns (as rows both are outer products, each the other's transpose)."""
    assert _tuples(tmp_path, r"\mathbf{x}^\top \mathbf{w} = \mathbf{w}^\top \mathbf{x}") == ["proved"]


def test_a_tuple_stays_a_row_where_that_reading_holds(tmp_path: Path) -> None:
    """w + x = (2.3, 1.7) entry by entry, rows on both sides."""
    assert _tuples(tmp_path, r"\mathbf{w} + \mathbf{x} = (2.3, 1.7)") == ["proved"]
    assert _tuples(tmp_path, r"\mathbf{w} + \mathbf{x} = (2.3, 1.8)") == ["wrong"]
