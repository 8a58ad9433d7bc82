"""Plain-text maths in code blocks: read where it is read one way, else left alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from derivations.notation.plaintext import to_latex
from tests.derivations.helpers import check_text, verdicts


@pytest.mark.parametrize(
    ("text", "latex"),
    [
        ("s = 1 / (1 + e^-x)", "s = 1 / ( 1 + e ^{-x} )"),  # e^-x is e^{-x}
        ("dσ/dz = σ(z) * (1 - σ(z))", r"\frac{d \sigma}{d z} = \sigma ( z ) \cdot ( 1 - \sigma ( z ) )"),
        ("dL/dw = (a - y) * x", r"\frac{d L}{d w} = ( a - y ) \cdot x"),
        ("y = a * b / c", r"y = a \cdot b / c"),  # (a·b)/c = a·(b/c): one value
    ],
)
def test_plain_text_maths_read_one_way(text: str, latex: str) -> None:
    assert to_latex(text) == latex


@pytest.mark.parametrize(
    "text",
    [
        "y = a / b * c",  # is c in the denominator?
        "y = a / b / c",
        "y = a / b c",
        "s = 1 / (1 + np.exp(-x))",  # code
        "w = w - lr * grad",  # an update, not an identity
        "x == 1",
        "no relation here",
    ],
)
def test_what_is_not_read_one_way_is_left(text: str) -> None:
    assert to_latex(text) is None


def test_code_blocks_plain_maths_and_math_blocks(tmp_path: Path) -> None:
    """A plain block with a derivative is read line by line (the ambiguous line left out); a python block is
    code; a math block is display LaTeX."""
    text = (
        "```\ns = 1 / (1 + e^-x)\nds/dx = e^-x / (1 + e^-x)^2\nds/dx = e^-x\ny = a / b * c\n```\n\n"
        "```python\ns = 1 / (1 + np.exp(-x))\nassert 1 == 2\n```\n\n"
        "```math\n\\frac{d}{dx} x^2 = 2x\n```\n"
    )
    assert verdicts(check_text(tmp_path, text)) == ["definition", "proved", "wrong", "proved"]


def test_a_plain_block_without_a_derivative_is_not_read(tmp_path: Path) -> None:
    text = "```\nx = 2\ny = x + 1\n```\n\n$$z = 1$$\n"
    assert verdicts(check_text(tmp_path, text)) == ["definition"]


@pytest.mark.parametrize(
    ("text", "latex"),
    [
        ("g = e^-(x+1)", "g = e ^{-(x + 1)}"),  # the group keeps its parentheses after the sign
        ("loss = (y_pred - y)^2", r"\text{loss} = ( y_{pred} - y ) ^{2}"),  # a word is one name
    ],
)
def test_signed_groups_and_words(text: str, latex: str) -> None:
    assert to_latex(text) == latex


@pytest.mark.parametrize("text", ["f = e^-2x", "g = e^-x^2", "c = 2^3^2"])
def test_an_exponent_followed_by_more_is_left(text: str) -> None:
    """e^-2x: e^{-2x} or e^{-2}·x? e^-x^2, 2^3^2: which power first? Not read."""
    assert to_latex(text) is None


def test_a_derivative_not_written_d_name_over_d_name_is_left() -> None:
    assert to_latex("d tanh(x)/dx = 1 - tanh(x)^2") is None
