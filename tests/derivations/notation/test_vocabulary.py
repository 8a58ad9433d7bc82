"""Every record of the vocabulary is complete and agrees with itself across the stages that read it.

For each function: every spelling parses to that function, the evaluator gives its SymPy meaning,
the interval form (step checker) encloses the exact value, and the float form (verify's lambdify)
is within a few ulps of it; every command the report may copy is one the parser reads.
"""

from __future__ import annotations

from fractions import Fraction

import mpmath
import numpy as np
import pytest
import sympy as sp
from mpmath import iv

from derivations.check.environment import Environment, SymbolTable
from derivations.check.evaluate import Context, evaluate
from derivations.errors import ParseError
from derivations.notation.parser import parse_expression
from derivations.notation.tree import Call, Func, walk
from derivations.notation.vocabulary import COMMANDS, FUNCTIONS, VOCABULARY, Function, Role

SCALAR = [f for f in FUNCTIONS if f.arity == 1 and not f.vector and f.name != "kronecker"]
#: Points inside every scalar function's real domain (log needs > 0).
POINTS = (Fraction(1, 2), Fraction(3, 2), Fraction(7, 4))


def _spellings(f: Function) -> list[str]:
    out = [f"\\{c}(x)" for c in f.commands]
    out += [f"\\operatorname{{{w}}}(x)" for w in f.words]
    out += [f"\\text{{{w}}}(x)" for w in f.words]
    return out


def _value(f: Function, latex: str, x: sp.Symbol) -> sp.Expr:
    table = SymbolTable()
    node = parse_expression(latex)
    assert isinstance(node, Call) and node.func == Func(f.name), (latex, node)
    value = evaluate(node, Context(Environment(), table, 3, {}, bindings={"x": x}))
    return value


@pytest.mark.parametrize("f", FUNCTIONS, ids=lambda f: f.name)
def test_every_function_record_is_complete(f: Function) -> None:
    assert f.name and callable(f.sympy) and f.arity >= 1
    assert f.commands or f.words or f.name == "kronecker", f"{f.name}: no way to write it"
    if f.printed:
        assert f.interval is not None, f"{f.name}: lambdify prints {f.printed} but it has no interval form"
        assert f.mpmath is not None, f"{f.name}: no exact (mpmath) form for {f.printed}"
    if f.typeset:
        assert set(f.commands) <= VOCABULARY.typeset_commands()


@pytest.mark.parametrize("f", SCALAR, ids=lambda f: f.name)
def test_each_spelling_parses_and_evaluates_to_the_functions_meaning(f: Function) -> None:
    x = sp.Symbol("x", real=True)
    for latex in _spellings(f):
        assert sp.simplify(_value(f, latex, x) - f.sympy(x)) == 0, latex


@pytest.mark.parametrize("f", [f for f in SCALAR if f.printed], ids=lambda f: f.name)
def test_interval_form_encloses_the_exact_value_and_float_form_is_close(f: Function) -> None:
    x = sp.Symbol("x", real=True)
    expr = f.sympy(x)
    # what the step checker evaluates: the lambdified meaning in interval arithmetic
    interval_fn = sp.lambdify([x], expr, modules=[VOCABULARY.interval_namespace()])
    exact_fn = sp.lambdify([x], expr, modules=[VOCABULARY.mpmath_namespace(), "mpmath"])
    float_fn = sp.lambdify([x], expr, modules=[VOCABULARY.numpy_namespace(), "numpy"])
    for p in POINTS:
        with mpmath.workprec(200):
            exact = exact_fn(mpmath.mpf(p.numerator) / p.denominator)
        saved = iv.prec
        iv.prec = 120
        try:
            enclosure = interval_fn(iv.mpf(p.numerator) / p.denominator)
        finally:
            iv.prec = saved
        assert enclosure.a <= exact <= enclosure.b, (f.name, p, enclosure, exact)
        got = float(float_fn(np.float64(float(p))))
        # the float form is a library function or our stable witness: within 4 ulp of the exact value
        assert abs(got - float(exact)) <= 4 * np.spacing(abs(float(exact))), (f.name, p, got, exact)


@pytest.mark.parametrize("f", [f for f in FUNCTIONS if f.vector], ids=lambda f: f.name)
def test_vector_functions_take_a_vector(f: Function) -> None:
    """Each function of a vector (or, for the trace, of a square matrix) applied by every spelling is its meaning."""
    table = SymbolTable()
    square = f.name == "trace"
    env = Environment(families={"z"}, shapes={"z": ("n", "n")} if square else {})
    for word in f.words:
        node = parse_expression(f"\\operatorname{{{word}}}(z)")
        value = evaluate(node, Context(env, table, 3, {}))
        if square:
            z = sp.Matrix(3, 3, [table.get("z", (i, j)) for i in (1, 2, 3) for j in (1, 2, 3)])
        else:
            z = sp.Matrix([table.get("z", (k,)) for k in (1, 2, 3)])
        expected = f.sympy(z)
        assert sp.simplify(sp.Matrix([value]) - sp.Matrix([expected])) == sp.zeros(*sp.Matrix([value]).shape)


def test_two_argument_functions() -> None:
    x, y = sp.symbols("x y", real=True)
    for name, expected in (("max", sp.Max(x, y)), ("min", sp.Min(x, y))):
        node = parse_expression(f"\\{name}(x, y)")
        assert evaluate(node, Context(Environment(), SymbolTable(), 3, {}, bindings={"x": x, "y": y})) == expected
    node = parse_expression("\\delta_{ij}")
    assert any(isinstance(n, Call) and n.func.name == "kronecker" for n in walk(node))
    ctx = Context(Environment(), SymbolTable(), 3, {"i": 2, "j": 2})
    assert evaluate(node, ctx) == 1
    assert evaluate(node, Context(Environment(), SymbolTable(), 3, {"i": 1, "j": 2})) == 0


@pytest.mark.parametrize("role", [Role.LETTER, Role.CONSTANT], ids=lambda r: r.name)
def test_letters_and_constants_parse_as_values(role: Role) -> None:
    for c in (c for c in COMMANDS if c.role is role):
        parse_expression(f"\\{c.name}")


def test_relations_of_the_vocabulary_are_the_parsers() -> None:
    from derivations.notation.parser import parse_relation_chain

    for c in (c for c in COMMANDS if c.role is Role.RELATION):
        chain = parse_relation_chain(f"a \\{c.name} b")
        assert chain[1][0] == c.relation, c.name


def test_names_are_unique() -> None:
    names = [f.name for f in FUNCTIONS]
    assert len(names) == len(set(names))
    spellings = [c for f in FUNCTIONS for c in f.commands] + [c.name for c in COMMANDS]
    assert len(spellings) == len(set(spellings)), "a command spelled by two records"


@pytest.mark.parametrize(
    ("typo", "meant"),
    [("cdto", "cdot"), ("alpah", "alpha"), ("fracc", "frac"), ("sigam", "sigma"), ("sofmax", "softmax")],
)
def test_an_unknown_command_suggests_the_command_it_is_closest_to(typo: str, meant: str) -> None:
    assert VOCABULARY.did_you_mean(typo) == f" — did you mean '\\{meant}'?"
    with pytest.raises(ParseError, match=f"unknown command '\\\\{typo}' — did you mean '\\\\{meant}'"):
        parse_expression(f"x \\{typo} y")


@pytest.mark.parametrize("name", ["xyzzy", "mathbb", "int", "lim"])
def test_no_suggestion_for_a_command_far_from_every_known_one_or_written_on_purpose(name: str) -> None:
    assert VOCABULARY.did_you_mean(name) == ""


def test_every_known_command_is_known_to_the_suggestions() -> None:
    known = VOCABULARY.known_commands()
    assert {c.name for c in COMMANDS} <= known and "sigma" in known and "softmax" in known
    assert all(name.isalpha() for name in known)
