"""A generic layer l: its definitions hold at layer l + 1 too, and a loss never defined is a function of the top
layer the step names (check/layers.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from derivations.check.layers import layer_of, shift, tagged
from derivations.notation.parser import Notation, parse_expression
from tests.derivations.helpers import check_text, displays, verdicts

LETTERS = {"l", "L"}


def test_a_layer_tag_is_a_family_a_letter_and_an_offset() -> None:
    assert layer_of("u^{l}", LETTERS) == ("u", "l", 0)
    assert layer_of("g^{l-1}", LETTERS) == ("g", "l", -1)
    assert layer_of("\\epsilon^{l+2}", LETTERS) == ("\\epsilon", "l", 2)
    assert layer_of("x^{2}", LETTERS) is None and layer_of("u^{k}", LETTERS) is None
    assert tagged("g", "l", -1) == "g^{l-1}" and tagged("u", "l", 0) == "u^{l}"


def test_shifting_a_definition_moves_every_layer_of_its_letter_alike() -> None:
    notation = Notation(layer_letters=set(LETTERS))
    body = parse_expression(r"\sum_r v^l_{mr} g^{l-1}_r + c^l_m + x^{2}", notation)
    moved = shift(body, "l", 1, LETTERS)
    assert moved == parse_expression(r"\sum_r v^{l+1}_{mr} g^{l}_r + c^{l+1}_m + x^{2}", notation)


NIELSEN = (
    r"Layer $l$ computes $z^l_j = \sum_k w^l_{jk} a^{l-1}_k + b^l_j$ and $a^l_j = \sigma(z^l_j)$; the cost $C$ "
    r"depends on the last layer. Write $\delta^l_j = \partial C / \partial z^l_j$."
)


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (
            r"\delta^l_j = \sum_k \frac{\partial C}{\partial z^{l+1}_k} \frac{\partial z^{l+1}_k}{\partial z^l_j}",
            "proved",
        ),
        (r"\delta^l_j = \sum_k \delta^{l+1}_k \frac{\partial z^{l+1}_k}{\partial z^l_j}", "proved"),
        (r"\frac{\partial z^{l+1}_k}{\partial z^l_j} = w^{l+1}_{kj} \sigma'(z^l_j)", "proved"),
        (r"\frac{\partial z^{l+1}_k}{\partial z^l_j} = w^{l}_{kj} \sigma'(z^l_j)", "wrong"),  # the layer below's w
        (r"\delta^l_j = \sum_k w^{l+1}_{kj} \delta^{l+1}_k \sigma'(z^l_j)", "proved"),  # the backprop recursion
        (r"\delta^l_j = \sum_k w^{l+1}_{jk} \delta^{l+1}_k \sigma'(z^l_j)", "wrong"),  # indices of w swapped
        (r"\delta^l_j = \sum_k w^{l+1}_{kj} \delta^{l+1}_k", "wrong"),  # σ' dropped
        (r"\frac{\partial C}{\partial b^l_j} = \delta^l_j", "proved"),
        (r"\frac{\partial C}{\partial b^l_j} = \delta^{l+1}_j", "wrong"),
        (r"\frac{\partial C}{\partial w^l_{jk}} = a^{l-1}_k \delta^l_j", "proved"),
        (r"\frac{\partial C}{\partial w^l_{jk}} = a^{l-1}_j \delta^l_k", "wrong"),
        # two layers up: the definitions at l + 1 and l + 2
        (
            r"\delta^l_j = \sum_k \sum_i w^{l+2}_{ik} \delta^{l+2}_i \sigma'(z^{l+1}_k) w^{l+1}_{kj} \sigma'(z^l_j)",
            "holds",
        ),
    ],
)
def test_the_backpropagation_recursion_over_a_generic_layer(tmp_path: Path, row: str, expected: str) -> None:
    (verdict,) = verdicts(check_text(tmp_path, NIELSEN + "\n\n" + displays(row)))
    assert verdict in (("proved", "numeric") if expected == "holds" else (expected,))


def test_a_layer_letter_with_no_definition_at_any_layer_changes_nothing(tmp_path: Path) -> None:
    """u^{l+1} with no u^l defined anywhere: nothing to shift, the step stays as unread as before."""
    text = displays(r"\frac{\partial E}{\partial u^{l+1}_r} = v^{l+1}_{rm}")
    assert verdicts(check_text(tmp_path, text)) == ["unchecked"]


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (r"\delta^{l+1}_k = \frac{\partial C}{\partial z^{l+1}_k}", "proved"),
        (r"\delta^{l+1}_k = 2 \frac{\partial C}{\partial z^{l+1}_k}", "wrong"),  # not a new name: δ^l one layer up
        (r"z^{l+1}_k = \sum_j w^{l+1}_{kj} a^l_j + b^{l+1}_k", "proved"),
        (r"z^{l+1}_k = \sum_j w^{l}_{kj} a^l_j + b^{l+1}_k", "wrong"),
    ],
)
def test_a_generic_layer_name_one_layer_up_is_a_claim(tmp_path: Path, row: str, expected: str) -> None:
    """δ^{l+1}_k = … after δ^l_j = …: the generic definition at layer l + 1, restated or misstated — never new."""
    assert verdicts(check_text(tmp_path, NIELSEN + "\n\n" + displays(row))) == [expected]


def test_the_generic_layer_holds_at_the_output_layer_l(tmp_path: Path) -> None:
    """a^l_j = σ(z^l_j) for layer l holds at layer L too: ∂a^L_j/∂z^L_j = σ'(z^L_j) (was read as any a^L)."""
    text = "For layer $l$,\n\n" + displays(
        r"z^l_j = \sum_k w^l_{jk} a^{l-1}_k + b^l_j, \qquad a^l_j = \sigma(z^l_j),",
        r"\frac{\partial a^L_j}{\partial z^L_j} = \sigma'(z^L_j)",
        r"\frac{\partial a^L_j}{\partial z^L_j} = \sigma(z^L_j)",
    )
    assert verdicts(check_text(tmp_path, text)) == ["definition", "definition", "proved", "wrong"]


def test_a_chain_through_an_undefined_name_beside_a_known_function_is_not_wrong(tmp_path: Path) -> None:
    """∂C/∂a·∂a/∂z = ∂C/∂a·σ'(z) with a defined nowhere: true for a = σ(z), so no verdict (it was wrong, read
    as a = a(z) for any function a)."""
    row = r"\frac{\partial C}{\partial a} \frac{\partial a}{\partial z} = \frac{\partial C}{\partial a} \sigma'(z)"
    steps = check_text(tmp_path, displays(row)).steps
    assert [s.verdict for s in steps] == ["unchecked"]
    assert "never defined" in steps[0].reason
