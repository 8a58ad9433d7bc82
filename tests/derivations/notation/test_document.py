"""Reading a file into rows: where each row is in the file, and a display that cannot be read sinks only itself."""

from __future__ import annotations

import pytest

from derivations.errors import InputError
from derivations.notation.document import Row, describe, read_string, relocate


def rows(text: str) -> list[Row]:
    return read_string(text).rows


def test_rows_of_an_aligned_block_have_their_own_lines_however_the_block_is_laid_out() -> None:
    laid_out = [
        "$$\\begin{aligned}\na &= b \\\\\n&= c\n\\end{aligned}$$\n",
        "$$\\begin{aligned} a &= b \\\\\n&= c \\end{aligned}$$\n",
        "$$\n\\begin{aligned}a &= b \\\\\n &= c\\end{aligned}$$\n",
        "\\begin{align*}\n\\frac{x}{1} &= b \\\\\n&= c\n\\end{align*}\n",
    ]
    assert [[r.line for r in rows(text)] for text in laid_out] == [[2, 3], [1, 2], [2, 3], [2, 3]]


def test_a_row_knows_the_source_it_was_read_from() -> None:
    text = "Intro\n\n$$\\begin{aligned}\nx &= 1 + 1 \\quad \\text{add} \\\\\n  &= 2\n\\end{aligned}$$\n"
    doc = read_string(text)
    first, second = doc.rows
    assert text[first.start : first.end].strip() == "x &= 1 + 1 \\quad \\text{add}"
    assert text[second.start : second.end].strip() == "&= 2"


@pytest.mark.parametrize(
    ("display", "message", "at"),
    [
        ("$$ a = \\frac{1}{2 $$", "'{' is never closed (expected '}')", "{2"),
        ("$$\\left( x + 1 = 2$$", "'\\left(' is never closed (expected '\\right')", "\\left("),
        ("$$\\begin{aligned} a &= b \\\\ &= c $$", "'\\begin{aligned}' is never closed", "\\begin{aligned}"),
        ("$$x = y } + 1$$", "'}' with no '{' before it", "} +"),
        ("$$x = y \\right) + 1$$", "'\\right)' without '\\left' before it", "\\right)"),
    ],
)
def test_a_malformed_display_is_one_unreadable_row_and_the_rest_is_read(display: str, message: str, at: str) -> None:
    text = f"$$\\sigma(-x) = 1 - \\sigma(x)$$\n\n{display}\n\n$$y = y$$\n"
    doc = read_string(text)
    assert doc.rows[0].text == "\\sigma(-x) = 1 - \\sigma(x)"
    assert doc.rows[-1].text == "y = y" and not doc.rows[-1].malformed
    bad = doc.rows[1]
    assert bad.line == 3 and bad.display == 2 and message in bad.malformed
    assert text[bad.malformed_at :].startswith(at)


def test_an_unclosed_dollar_pair_is_still_an_input_error_with_a_hint() -> None:
    with pytest.raises(InputError, match=r"<text>:3: display math opened with '\$\$' is never closed") as info:
        read_string("$$a = 1$$\n\n$$x = 1\n")
    assert "spans a blank line" not in str(info.value)
    with pytest.raises(InputError, match=r"the display read from line 1 spans a blank line") as info:
        read_string("$$a = 1\n\nprose\n\n$$b = 1$$\n\n$$c = 1$$\n")


def test_relocate_gives_a_notebook_line_as_cell_and_line() -> None:
    cells = ((1, 1), (1, 2), (1, 3), (2, 1), (2, 2))
    assert relocate("hw.ipynb:5: front matter: bad", "hw.ipynb", cells) == "hw.ipynb: cell 2, line 2: front matter: bad"
    assert relocate("checked against line 4, since line 2 is wrong", "hw.ipynb", cells) == (
        "checked against cell 2, line 1, since cell 1, line 2 is wrong"
    )
    assert relocate("line 99 and deadline 4", "hw.ipynb", cells) == "line 99 and deadline 4"
    assert describe(3) == "line 3" and describe(3, 4) == "cell 4, line 3"


def test_a_plain_file_has_no_cells() -> None:
    doc = read_string("$$a = a$$\n")
    assert doc.cells == () and doc.where(1) == "line 1" and doc.relocate("line 1") == "line 1"
    assert doc.line_and_column(2) == (1, 3) and doc.line_text(1) == "$$a = a$$"


@pytest.mark.parametrize(
    ("display", "text", "condition", "more"),
    [
        # a relation beside the row that is no claim and no definition: the row's condition, never joined to it
        (r"\|\mathbf{x}\|^2 = 1 \quad \|\mathbf{x}\| = 1", r"\|\mathbf{x}\|^2 = 1", r"\|\mathbf{x}\| = 1", []),
        # a name the left side uses, given a number after ", \quad": the point the row holds at
        (r"\sigma(z) = \frac{1}{2}, \quad z = 0", r"\sigma(z) = \frac{1}{2}", "z = 0", []),
        (r"\sigma(z) = \frac{1}{2} \quad \text{at } z = 0", r"\sigma(z) = \frac{1}{2}", "z = 0", []),
        # a name the left side does not use: two statements side by side, as before
        (r"a = \sigma(z), \quad z = 2", r"a = \sigma(z)", "", ["z = 2"]),
        # conditions in parentheses, sized or not, and a one-hot label as a condition
        (r"a = b \quad \left(\sum_k y_k = 1\right)", "a = b", r"\sum_k y_k = 1", []),
        (r"a = b \quad \bigl(x > 0\bigr).", "a = b", "x > 0", []),
        (r"a = b \quad (y \text{ one-hot})", "a = b", r"y \text{ one-hot}", []),
        (r"a = b \quad (a < 0, b < 0)", "a = b", "a < 0, b < 0", []),
    ],
)
def test_a_relation_after_quad_is_a_condition_or_a_statement_of_its_own(
    display: str, text: str, condition: str, more: list[str]
) -> None:
    found = read_string(f"$${display}$$\n").rows
    assert (found[0].text.strip(), found[0].condition, [r.text.strip() for r in found[1:]]) == (text, condition, more)


def test_a_blogs_own_front_matter_keys_are_left_alone() -> None:
    """layout, summary, comments (Jekyll, Hugo) or any key unlike ours: the page's metadata, not an error."""
    doc = read_string("---\ntitle: T\nlayout: post\nsummary: s\nfoo_bar: 1\n---\n\n$$x = x$$\n")
    assert doc.front.title == "T" and len(doc.rows) == 1


@pytest.mark.parametrize(("key", "meant"), [("asume", "assume"), ("titel", "title"), ("assumptions", "assume")])
def test_a_misspelt_front_matter_key_is_an_error_saying_what_was_meant(key: str, meant: str) -> None:
    with pytest.raises(InputError, match=f"unknown front matter key '{key}' — did you mean '{meant}'"):
        read_string(f"---\n{key}: x\n---\n\n$$x = x$$\n")


def test_double_dollars_inside_a_sentence_are_inline_maths() -> None:
    """kramdown's $$…$$ in a sentence is inline (prose); on a line of its own, with a '.' after it, a display."""
    doc = read_string("Take $$s_i$$ with respect to $$x_j$$, where $$j \\neq i$$.\n\n$$a = b$$.\n\n$$c = d$$\n")
    assert [r.text.strip() for r in doc.rows] == ["a = b", "c = d"]
    prose = " ".join(e.text for e in doc.items if hasattr(e, "kind") and e.kind.name == "PROSE")
    assert "$j \\neq i$" in prose


def test_an_equation_environment_with_a_label_after_it_is_its_rows() -> None:
    """$$\\begin{equation} … . \\end{equation} \\label{eq:x}$$: the equation (its full stop dropped), not a whole."""
    doc = read_string("$$\n\\begin{equation}\nL = -\\sum_i y_i \\log p_i.\n\\end{equation}\n\\label{eq:loss}\n$$\n")
    assert [r.text.strip() for r in doc.rows] == ["L = -\\sum_i y_i \\log p_i"]
    assert doc.rows[0].line == 3
