"""Deciding one step ``left = right``: numbers first (a counterexample in milliseconds), proof second.

1. *Instances* (`derivations.check.instances`): sizes n and index assignments the case allows.
2. *Numbers* (`derivations.check.intervals`): both sides at ≥ `POINTS` points in all, simplest
   first, in interval arithmetic at increasing precision: a certified difference is a
   counterexample; agreement to ≥ 72 bits at a point counts as equal there; points where a side is
   undefined or not real are outside the domain and skipped.
3. *Proof*: if every point agreed, SymPy's ladder (`prove_equal`) runs on each proof instance
   (n = 2…4) under the step's time limit.
"""

from __future__ import annotations

import dataclasses
import hashlib
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import Enum
from fractions import Fraction

import mpmath
import sympy as sp
from mpmath import iv

from derivations.check.closed import closed_forms
from derivations.check.environment import (
    Definition,
    Environment,
    Region,
    SymbolTable,
    bold_forms,
    describe_shape,
    entry_base,
)
from derivations.check.evaluate import Context, dims_at, is_abstract, is_matrix, sinks
from derivations.check.graph import Graph, dependencies
from derivations.check.instances import (
    MATRIX_PROOF_SIZES,
    Instance,
    Search,
    Setting,
    far_values,
    instances,
    probability_fix,
    sample_point,
)
from derivations.check.intervals import (
    AGREE_BITS,
    CONFIRM_BITS,
    MAX_BITS,
    ZERO_BITS,
    Point,
    compare_at,
    lambdify_sides,
    one_side_not_real,
)
from derivations.check.jets import jets_rule, repair
from derivations.check.layers import at_layers
from derivations.check.memo import active as active_memo
from derivations.errors import MissingIndex, OutOfRange, ProofTimeout, ShapeMismatch, Unsupported
from derivations.notation.tree import (
    Add,
    Call,
    Deriv,
    Div,
    Func,
    Index,
    MatrixLit,
    Mul,
    Neg,
    Node,
    Num,
    Pow,
    Reach,
    Rel,
    Sum,
    Sym,
    Transpose,
    Vector,
    walk,
)
from derivations.verdict import HOLDS, Counterexample, Decision, Verdict, format_number
from derivations.verify.prove import cpu_time, prove_equal, time_limit

POINTS = 30


_NOT_FINITE = (sp.zoo, sp.nan, sp.oo, -sp.oo)


def _flat(v: sp.Basic) -> list[sp.Expr]:
    return list(v) if is_matrix(v) else [v]


def shapes_differ(left: sp.Basic, right: sp.Basic) -> str | None:
    """Why the two sides cannot be equal by shape alone (a row and a column of one length may)."""
    ls = left.shape if is_matrix(left) else ()
    rs = right.shape if is_matrix(right) else ()
    if ls == rs:
        return None
    if ls and rs and 1 in ls and 1 in rs and max(ls) == max(rs):
        return None  # a row and a column vector: compared entry by entry

    def describe(shape: tuple[int, ...]) -> str:
        return f"a {shape[0]}×{shape[1]} matrix" if shape else "a scalar"

    return f"the left side is {describe(ls)}, the right side {describe(rs)}"


class Numbers(Enum):
    """What the numeric check over every instance found."""

    EQUAL = "equal at every point"
    DIFFERENT = "different at a point"
    SHAPE = "shapes differ"
    UNDECIDED = "undecided at every point"
    NONE = "no point to compare"
    PARTIAL = "equal where both are real, one side alone real at a point"


@dataclass
class NumericResult:
    """The numeric check's finding, where (if different), at how many points, and why if nothing."""

    status: Numbers
    counterexample: Counterexample | None = None
    points: int = 0
    instances: int = 0
    why: str = ""
    one_sided: list[str] = field(default_factory=list)
    constant: bool = True  # no instance has a free variable: the step is about numbers
    confident: bool = True  # the shapes that differ come from declarations, not from a default reading
    transposed: bool = False  # the shapes that differ are each other's transpose
    bases: set[str] = field(default_factory=set)  # the names whose entries the differing instance uses
    sides: tuple[list[sp.Expr], ...] = ()  # the differing instance's two sides, entry by entry


def _found_at(
    search: Search,
    inst: Instance,
    pairs: list[tuple[int, sp.Expr, sp.Expr]],
    point: tuple[list[sp.Symbol], list[Fraction]],
    sides: tuple[list[sp.Expr], list[sp.Expr]],
    component: int | None,
    **said: mpmath.mpf | str | None,
) -> NumericResult:
    """What a point where the sides part found (a difference, or one side alone real): the counterexample at the
    ``point`` of ``inst`` (``said``: both sides' values, or the reason) and the names of the step there."""
    symbols, values = point
    ce = Counterexample(
        point={search.symbols.latex[s]: v for s, v in zip(symbols, values)},
        n=inst.n,
        sizes=_sizes_at(search, inst.n),
        indices=dict(inst.assign),
        component=pairs[component][0] + 1 if component is not None and len(_flat(inst.left)) > 1 else None,
        **said,  # type: ignore[arg-type]
    )
    return NumericResult(
        Numbers.PARTIAL,
        ce,
        one_sided=_one_sided(search, *sides),
        constant=not symbols,
        bases={search.symbols.base.get(v, "") for v in symbols},
        sides=sides,
    )


def _sizes_at(search: Search, n: int | None) -> dict[str, int]:
    """The named sizes the step writes (B, N, d) at instance n, for a counterexample; {} when n says it all."""
    names = search.env.dim_names
    if n is None or not names:
        return {}
    used = {node.name for side in (search.left, search.right) for node in walk(side) if isinstance(node, Sym)}
    shown = [name for name in names if name in used or name == "n"]
    if not shown or shown == ["n"]:
        return {}
    at = dims_at(n, names, larger=search.larger)
    return {name: at[name] for name in shown}


def numeric_check(search: Search, rng: random.Random, deadline: float) -> NumericResult:
    """Both sides at ≥ `POINTS` points over the numeric instances: the first certified difference, or agreement."""
    insts = list(instances(search, rng))
    if not insts:
        why = "no size n = 2…5 and index assignment satisfies the case in force"
        if search.out_of_range:
            why = "every instance has an index past the end of a vector (explicit sum bounds beyond n = 2…5?)"
        return NumericResult(Numbers.NONE, why=why)
    per = max(3, -(-POINTS // len(insts)))
    agreed = 0
    undecided = 0
    constant = True
    partial: NumericResult | None = None  # the first point where one side is real and the other is not
    for inst in insts:
        why = shapes_differ(inst.left, inst.right)
        if why:
            # confident only when no side is a bare name whose shape the file never gave (a scalar by default)
            sides = [side for side in (inst.left, inst.right) if not is_matrix(side)]
            confident = all(not side.free_symbols for side in sides) and not search.default_shape
            transposed = is_matrix(inst.left) and is_matrix(inst.right) and inst.left.shape == inst.right.shape[::-1]
            return NumericResult(Numbers.SHAPE, Counterexample(n=inst.n, indices=dict(inst.assign), reason=why),
                                 agreed, len(insts), why, confident=confident, transposed=transposed)  # fmt: skip
        pairs = [
            (k, a, b)
            for k, (a, b) in enumerate(zip(_flat(inst.left), _flat(inst.right)))
            if not (a.has(*_NOT_FINITE) or b.has(*_NOT_FINITE))  # 1/0 at this index: no value to compare
        ]
        if not pairs:
            continue
        if all(a - b == 0 for _, a, b in pairs) and len(pairs) == len(_flat(inst.left)):
            # the two sides are the same expression here (∂L/∂b = ∂L/∂z evaluated): equal at every point
            agreed += 1
            constant &= not set().union(*(a.free_symbols for _, a, _ in pairs))
            continue
        left = [a for _, a, _ in pairs]
        right = [b for _, _, b in pairs]
        symbols = sorted(set().union(*(e.free_symbols for e in left + right)), key=lambda s: s.name)
        fn = lambdify_sides(symbols, left + right)
        constant &= not symbols
        tries = 0
        got = 0
        # then past the step's own constants (a clip at 1000, max(x, −500)): where a threshold it writes changes
        # the value, which the standard points may never reach
        beyond = far_values(left + right) if symbols else []
        while (got < per and tries < 4 * per) or beyond:
            far = None if got < per and tries < 4 * per else beyond.pop(0)
            if cpu_time() > deadline:
                raise ProofTimeout("numeric check ran out of time")
            values = sample_point(symbols, search.symbols, search.env, rng, tries, far=far)
            probability_fix(symbols, values, search.symbols, search.env)
            if search.jets:  # one undefined function at one argument, however written: one value
                values = repair(search.jets, symbols, values)
            tries += 1
            if not symbols:  # a constant step is decided at the highest precision there is
                res = compare_at(fn, len(left), values, confirm_bits=MAX_BITS, zero_bits=MAX_BITS)
            else:  # the first agreements must survive a large increase of precision (saturation), and so must those
                # past the step's constants, where a threshold may change the sides by very little (σ(min(x, 2000)))
                confirm = MAX_BITS if far is not None else CONFIRM_BITS if agreed < 2 else 0
                res = compare_at(fn, len(left), values, confirm_bits=confirm)
            if res.status is Point.DIFFERENT:
                found = _found_at(search, inst, pairs, (symbols, values), (left, right), res.component,
                                  left=res.left, right=res.right, difference=res.difference)  # fmt: skip
                found.status, found.points, found.instances = Numbers.DIFFERENT, agreed, len(insts)
                return found
            if res.status is Point.EQUAL:
                got += 1
                agreed += 1
            elif res.status is Point.UNDECIDED:
                undecided += 1
            elif res.status is Point.NOT_REAL and partial is None:
                one = one_side_not_real(symbols, left, right, values)
                if one is not None:
                    real = f"the {'left' if one.not_real == 'right' else 'right'} side is {format_number(one.value)}"
                    said = f"{real} and the {one.not_real} side is not a real number"
                    partial = _found_at(
                        search, inst, pairs, (symbols, values), (left, right), one.component, reason=said
                    )
            if not symbols:
                break
    if partial is not None:
        # log(z²) = 2 log z: equal wherever both sides are real, but at z = −1 only one is. With no point where
        # both are real and equal, and every variable kept where the step's condition puts it (log(ab) = log a +
        # log b for a, b < 0), the step fails outright; without a condition the sampling may just have missed
        # where both are real (ln p for p ∈ (0, 1) at every one of n entries): no verdict then
        partial.points, partial.instances = agreed, len(insts)
        if agreed == 0 and not undecided and all(base in search.env.regions for base in partial.bases):
            partial.status = Numbers.DIFFERENT
        return partial
    if agreed == 0 and undecided:
        why = (
            f"both sides agree to within 2^-{ZERO_BITS} of 0 at every point, but a zero cannot be certified "
            "by evaluation"
        )
        return NumericResult(Numbers.UNDECIDED, instances=len(insts), why=why, constant=constant)
    if agreed == 0:
        return NumericResult(Numbers.NONE, instances=len(insts), why="no point where both sides are defined and real")
    return NumericResult(Numbers.EQUAL, points=agreed, instances=len(insts), constant=constant)


def _one_sided(search: Search, left: list[sp.Expr], right: list[sp.Expr]) -> list[str]:
    """Undefined vectors, decorated or multi-letter names that the right side (the new line) brings in."""
    lf = set().union(*(e.free_symbols for e in left))
    rf = set().union(*(e.free_symbols for e in right))
    written_left = {n.name for n in walk(search.left) if isinstance(n, Sym)}  # as written, before SymPy simplifies
    env, out = search.env, []
    inputs = {  # what the file's definitions are made of (b^l in z^l = … + b^l): inputs, not abbreviations
        n.name if isinstance(n, Sym) else n.base.name
        for d in env.definitions.values()
        for n in walk(d.body)
        if isinstance(n, Sym) or (isinstance(n, Index) and isinstance(n.base, Sym))
    }
    for sym in sorted(rf - lf, key=lambda v: v.name):
        base = search.symbols.base.get(sym, "")
        if not base or base in env.definitions or base in env.domains or base in env.probability:
            continue
        made_of = base in inputs or any(b in inputs for b in bold_forms(base))
        if made_of or base.startswith("\\partial "):  # or the gradient of an unspecified loss's stand-in
            continue
        # x_i of a declared \mathbf{x} ∈ ℝ^n: an entry of a known vector, not an abbreviation. A declared matrix
        # no definition is made of (X ∈ ℝ^{n×p} beside ∇L = Σ_i (p̂_i − y_i) x_i) is most likely the examples
        # stacked (rows x_iᵀ) — a relation the file leaves unsaid, so one-sided like an abbreviation
        if any(1 in shape for key, shape in env.shapes.items() if base in (key, entry_base(key))):
            continue
        if base in written_left:
            continue  # x_k on the left, x_i on the right: one vector, written on both sides
        entry = search.symbols.latex[sym].startswith(base + "_{")  # a_1: an entry of a vector never declared
        identity = base == "I"  # ∂z/∂b = I: the identity matrix, most likely, not a variable
        abbreviation = base in env.families or "\\" in base or (len(base) > 1 and "^" not in base) or entry or identity
        if abbreviation:
            out.append(search.symbols.latex[sym])
    return out


def _describe_instances(search: Search, proof: bool) -> str:
    sizes = search.sizes_for(proof)
    parts = []
    dims = search.env.dim_names
    if dims and search.used_n:
        names = ", ".join(("n", *[d for d in dims if d != "n"]))
        values = []
        for n in sizes:
            at = dims_at(n, dims)
            values.append(", ".join(str(v) for v in (n, *[at[d] for d in dims if d != "n"])))
        parts.append(f"({names}) = " + "; ".join(f"({v})" for v in values))
    elif search.used_n or search.free:
        parts.append(f"n = {sizes[0]}…{sizes[-1]}" if len(sizes) > 1 else f"n = {sizes[0]}")
    if search.free:
        which = ", ".join(search.free)
        relabel = " (by relabelling, one per pattern of equal indices)" if proof and search.symmetric else ""
        parts.append(f"every {which}{relabel}")
    return ", ".join(parts)


def _other_reading(
    search: Search, found: NumericResult, seed: str, deadline: float
) -> tuple[Search, NumericResult, str]:
    """The step in the other readings the notation allows (a Jacobian in denominator layout, a ``\\cdot`` of
    two vectors as the elementwise product): the first in which it holds, else the first reading's finding
    (then false in every reading)."""
    options = []
    for denominator in (False, True) if search.jacobian else (False,):
        for elementwise in (False, True) if search.cdot_vectors else (False,):
            for near in (False, True) if search.reach else (False,):
                if denominator or elementwise or near:
                    options.append((denominator, elementwise, near))
    for denominator, elementwise, near in options:
        alt = Search(search.env, search.symbols, search.left, search.right, search.cases, sizes=search.sizes,
                     denominator=denominator, cdot_elementwise=elementwise, near_reach=near)  # fmt: skip
        alt_found = _check_again(alt, seed, deadline)
        if alt_found is not None and alt_found.status is Numbers.EQUAL:
            named = (("derivatives by vectors and matrices in the other layout", denominator),
                     ("'\\cdot' of vectors as the elementwise product", elementwise),
                     ("the derivative operator as taking only the term (or function) after it", near))  # fmt: skip
            words = [w for w, on in named if on]
            return alt, alt_found, " and ".join(words)
    if found.counterexample is not None and found.status is Numbers.DIFFERENT:
        what = [
            w
            for w, on in (
                ("either layout of the Jacobian", search.jacobian),
                ("either reading of '\\cdot'", search.cdot_vectors),
                ("either reach of the derivative operator", search.reach),
            )
            if on
        ]
        found.why = " and ".join(what)
    return search, found, ""


def _seeded(seed: str) -> random.Random:
    """The step's own random stream: the same points for the same step, whatever ran before."""
    return random.Random(int.from_bytes(hashlib.sha256(seed.encode()).digest()[:8], "big"))


def _check_again(alt: Search, seed: str, deadline: float) -> NumericResult | None:
    """The numeric check of the step in another reading, within what is left of its budget; None if it
    cannot be done (unreadable in that reading, or out of time)."""
    try:
        with time_limit(max(deadline - cpu_time(), 0.05)):
            return numeric_check(alt, _seeded(seed), deadline)
    except (Unsupported, ProofTimeout):
        return None
    except RecursionError:
        ProofTimeout.count_limit()
        return None


def _holds_for_a_label(search: Search, seed: str, deadline: float) -> str:
    """The vector (y, t) of the step, defined nowhere, that the step holds for once it sums to 1; else ""."""
    env = search.env
    names = {n.name for side in (search.left, search.right) for n in walk(side) if isinstance(n, Sym)}
    names |= {n.base.name for side in (search.left, search.right) for n in walk(side)
              if isinstance(n, Index) and isinstance(n.base, Sym)}  # fmt: skip
    candidates = sorted(
        name for name in names
        if name in env.families and name not in env.definitions and name not in env.probability
        and name not in env.one_hot and env.shape_of(name) is None
        and name not in env.entry_values  # "with labels $y_i ∈ \{0, 1\}$": what y's entries are, the file said
    )  # fmt: skip
    for name in candidates[:2]:
        alt_env = env.copy()
        alt_env.probability.add(name)
        found = _check_again(Search(alt_env, search.symbols, search.left, search.right, search.cases,
                                    sizes=search.sizes), seed, deadline)  # fmt: skip
        if found is not None and found.status is Numbers.EQUAL:
            return name
    return ""


#: What an activation left undefined (a = g(z), g never given) may be: when a step that needs its form fails for
#: each of them too (and for a generic function), it is false; the identity is not among them (nobody names the
#: identity g and writes g').
ACTIVATIONS = (("sigmoid", "σ"), ("tanh", "tanh"), ("softplus", "softplus"), ("exp", "exp"))


def activations(env: Environment) -> set[str]:
    """The undefined functions the file applies as activations: the whole body of a definition (a = g(z))."""
    return {
        d.body.func.name
        for d in env.definitions.values()
        if isinstance(d.body, Call) and d.body.func.name in env.unknown_functions and len(d.body.args) == 1
    }


def _holds_for_an_activation(search: Search, seed: str, deadline: float) -> tuple[str, str]:
    """(the activation the step holds for with every undefined function read as it, "") or ("", the list
    of those it was checked false for, if it was false for all of them)."""
    names = sorted({jet.function for jet in search.jets.values()})
    for func, shown in ACTIVATIONS:
        alt_env = env_with_functions(search.env, names, func)
        found = _check_again(Search(alt_env, search.symbols, search.left, search.right, search.cases,
                                    sizes=search.sizes), seed, deadline)  # fmt: skip
        if found is None or found.status not in (Numbers.EQUAL, Numbers.DIFFERENT):
            return "", ""
        if found.status is Numbers.EQUAL:
            return shown, ""
    return "", ", ".join(shown for _, shown in ACTIVATIONS)


def env_with_functions(env: Environment, names: list[str], func: str) -> Environment:
    """``env`` with each of ``names`` defined as the built-in ``func`` (g(t) = tanh(t))."""
    alt = env.copy()
    for name in names:
        alt.definitions[name] = Definition(name, Call(Func(func), (Sym("@t"),)), 0, params=("@t",))
    return alt


def _about_derivatives_only(search: Search) -> bool:
    """A step relating derivatives of an unspecified L to each other (∂L/∂w = ∂L/∂a·a(1 − a)), with one output
    for L to depend on: false for a generic L means false for the author's, so a counterexample is `wrong`. With
    several outputs the author's L may ignore some (the step may hold for it): not decided."""
    if len(sinks(search.env)) != 1:
        return False
    ctx = Context(search.env, search.symbols, 3, {})

    def derivative_of_loss(node: Node, seen: frozenset[str] = frozenset()) -> bool:
        for n in walk(node):
            if isinstance(n, Deriv) and is_abstract(n.of, ctx):
                return True
            d = search.env.definitions.get(n.name) if isinstance(n, Sym) and n.name not in seen else None
            if d is not None and not d.params and derivative_of_loss(d.body, seen | {n.name}):
                return True  # δ for ∂L/∂z
        return False

    return all(derivative_of_loss(side) for side in (search.left, search.right))


def _derivatives_only(search: Search, found: NumericResult) -> bool:
    """A step relating derivatives of undefined functions to each other (∂C/∂w = C'(a)·g'(z)·x): false for a
    generic g means false for the author's g, so a counterexample is `wrong`. See `jets.jets_rule`."""
    if search.abstract and len(sinks(search.env)) != 1:
        return False
    gradients = {
        s: name.removeprefix("\\partial ").split("/", 1)[0]
        for s, name in search.symbols.latex.items()
        if name.startswith("\\partial ") and "/" in name
    }
    return jets_rule(found.sides, search.jets, gradients)


def _differences(a: Node, b: Node) -> Iterator[tuple[Node, Node]]:
    """The pairs of subtrees, outermost first, that hold the one place where two trees differ."""
    while True:
        yield a, b
        if type(a) is not type(b) or not dataclasses.is_dataclass(a):
            return
        diffs = []
        for f in dataclasses.fields(a):
            x, y = getattr(a, f.name), getattr(b, f.name)
            if x == y:
                continue
            if isinstance(x, tuple) and isinstance(y, tuple) and len(x) == len(y):
                diffs.extend((u, v) for u, v in zip(x, y) if u != v)
            else:
                diffs.append((x, y))
        if len(diffs) != 1 or not all(isinstance(t, Node) for t in diffs[0]):
            return
        a, b = diffs[0]


def _restated_definition(env: Environment, symbols: SymbolTable, left: Node, right: Node) -> str:
    """∂z/∂w = ∂/∂w (w·x + b) with z defined nowhere else (or δ·∂z/∂w = δ·∂/∂w (w·x + b)): the step says what z
    is (z = w·x + b), it claims nothing; the reason says so, or "" for any other step."""
    for a, b in _differences(left, right):
        derivative = b.whole if isinstance(b, Reach) else b
        if not (isinstance(a, Deriv) and isinstance(derivative, Deriv) and isinstance(a.of, Sym)):
            continue
        if (a.wrt, a.order) != (derivative.wrt, derivative.order) or a.of == derivative.of:
            continue
        if _undefined(a.of.name, env, symbols) and isinstance(derivative.of, (Add, Mul)):
            return f"says what {a.of.name} is: the formula differentiated on the right (defined nowhere else)"
    return ""


def _undefined(name: str, env: Environment, symbols: SymbolTable) -> bool:
    return is_abstract(Sym(name), Context(env, symbols, 3, {})) and name not in env.unknown_functions


def decide(
    env: Environment,
    symbols: SymbolTable,
    left: Node,
    right: Node,
    *,
    cases: tuple[Rel, ...] = (),
    seconds: float = 5.0,
    seed: str = "",
    sizes: tuple[int, ...] = (),
) -> Decision:
    """The verdict on ``left = right`` under the case relations in force (at the sizes given, if any)."""
    env = at_layers(env, env.layer_letters, left, right, *(side for rel in cases for side in (rel.lhs, rel.rhs)))
    decision = _decide_as_read(env, symbols, left, right, cases=cases, seconds=seconds, seed=seed, sizes=sizes)
    if decision.verdict is Verdict.UNCHECKED and decision.method == "shapes" and env.inferred and not env.use_inferred:
        inferred = _decide_in_inferred_shapes(env, symbols, left, right, cases=cases, seconds=seconds, seed=seed)
        if inferred is not None:
            return inferred
    return decision


def _decide_as_read(
    env: Environment,
    symbols: SymbolTable,
    left: Node,
    right: Node,
    *,
    cases: tuple[Rel, ...],
    seconds: float,
    seed: str,
    sizes: tuple[int, ...],
) -> Decision:
    """`decide` in the shapes the file declares and the convention's for the rest."""
    restated = _restated_definition(env, symbols, left, right)
    if restated:
        return Decision(Verdict.DEFINITION, reason=restated)
    if env.dim_names and not sizes:
        # matrices of named dimensions: first at the proof's sizes alone (its evaluations are the costly part);
        # a proof there is the verdict the full check would reach, anything else is decided again in full
        quick = _decide(
            env, symbols, left, right, cases=cases, seconds=seconds, seed=seed, sizes=MATRIX_PROOF_SIZES, quick=True
        )
        if quick.verdict is Verdict.PROVED:
            return quick
    decision = _decide(env, symbols, left, right, cases=cases, seconds=seconds, seed=seed, sizes=sizes)
    if decision.verdict is Verdict.UNCHECKED and any(m in decision.reason for m in UNDEFINED_MESSAGES):
        graph = dependencies(env, symbols, left, right)
        if graph is not None:
            try:
                return _decide_by_graph(graph, symbols, left, right, cases=cases, seconds=seconds, seed=seed,
                                        sizes=sizes)  # fmt: skip
            except (MissingIndex, ShapeMismatch, OutOfRange, Unsupported):
                return decision  # the reading by dependencies cannot be evaluated: the first reason stands
    return decision


def _decide_in_inferred_shapes(
    env: Environment, symbols: SymbolTable, left: Node, right: Node, *, cases: tuple[Rel, ...], seconds: float,
    seed: str,
) -> Decision | None:  # fmt: skip
    """The step again with the undeclared vectors and matrices in the shapes the file's rows imply
    (`check.shapes`), after the convention's shapes did not fit: `proved`/`numeric` saying so; a counterexample
    `wrong` only for a step of whole vectors and matrices (no entries, no sum to n, whose ranges the shapes
    move), else a reason; None if that reading decides nothing either."""
    used = {n.name for side in (left, right) for n in walk(side) if isinstance(n, Sym)}
    names = sorted(env.inferred, key=lambda name: (name not in used, name))[:3]  # the step's own names first
    inferred = dataclasses.replace(env, use_inferred=True)
    decision = decide(inferred, symbols, left, right, cases=cases, seconds=seconds, seed=seed + ":shapes")
    said = "; ".join(f"{name} {describe_shape(env.inferred[name])}" for name in names)
    reading = f"in the shapes the file's other rows imply ({said})"
    if decision.verdict in HOLDS:
        decision.reason = f"{reading}; {decision.reason}" if decision.reason else reading
        return decision
    if decision.verdict is Verdict.WRONG:
        entries = any(
            isinstance(n, Index) or (isinstance(n, Sum) and n.hi is None) for side in (left, right) for n in walk(side)
        )
        if decision.method != "shapes" and not entries:
            decision.reason = f"{reading}: {decision.reason}"
            return decision
        return Decision(Verdict.UNCHECKED, reason=f"{reading} the step does not hold ({decision.reason}), but the file "
                        "does not declare those shapes — declare them and it is checked")  # fmt: skip
    if decision.method != "shapes":  # the shapes fit; what stops the step now is something else
        decision.reason = f"{reading}: {decision.reason}"
        return decision
    return None


#: The reasons of a step whose names are defined nowhere — read again with the dependencies the step names.
UNDEFINED_MESSAGES = (
    "does not depend on the variable",
    "nothing is defined for it to be a function of",
    "what it is a function of is not clear",
    "is read as a function of",
)


def _decide_by_graph(
    graph: Graph,
    symbols: SymbolTable,
    left: Node,
    right: Node,
    *,
    cases: tuple[Rel, ...],
    seconds: float,
    seed: str,
    sizes: tuple[int, ...],
) -> Decision:
    """The step with each undefined name a function of the names the step differentiates it by (∂C/∂z·∂z/∂w:
    C = C(z), z = z(w)). It holds then for every such function: `proved`/`numeric`, saying the reading. A
    counterexample is `wrong` only when the step is about derivatives alone, of one variable at the bottom
    (then the reading is the only one the step allows), else `unchecked`."""
    left, right = graph.left or left, graph.right or right
    decision = _decide(graph.env, symbols, left, right, cases=cases, seconds=seconds, seed=seed + ":graph",
                       sizes=sizes)  # fmt: skip
    reading = f"read as {graph.describe()}, the dependencies the step names"
    if decision.verdict in HOLDS:
        decision.reason = f"{reading}; {decision.reason}" if decision.reason else reading
        return decision
    by_value = decision.method != "shapes"  # shapes the reading gave are no evidence of the author's shapes
    alone = not any(isinstance(n, Call) for side in (left, right) for n in walk(side))  # no σ'(z) beside ∂a/∂z
    if decision.verdict is Verdict.WRONG and len(graph.sources) == 1 and graph.closed and by_value and alone:
        decision.reason = f"{reading}: {decision.reason}"
        return decision
    if decision.verdict is Verdict.WRONG:
        names = ", ".join(graph.parents)
        doubt = "" if by_value else "shapes"
        return Decision(Verdict.UNCHECKED, doubt, reason=f"{names} never defined; {reading}, the step does not hold "
                        f"({decision.reason}), but that reading may leave out how they relate — define them and "
                        "it is checked")  # fmt: skip
    return decision


def _decide(
    env: Environment,
    symbols: SymbolTable,
    left: Node,
    right: Node,
    *,
    cases: tuple[Rel, ...] = (),
    seconds: float = 5.0,
    seed: str = "",
    sizes: tuple[int, ...] = (),
    quick: bool = False,
) -> Decision:
    """`decide` in one shape reading; ``quick``: at the proof's sizes alone, ``sizes`` not fixed by a condition."""
    rng = _seeded(seed)
    start = cpu_time()
    deadline = start + seconds
    search = Search(env, symbols, left, right, cases, sizes=sizes)
    try:
        with time_limit(seconds):
            found = numeric_check(search, rng, deadline)
    except Unsupported as exc:
        columns = _tuples_as_columns(search, rng, deadline) if isinstance(exc, ShapeMismatch) else None
        if columns is not None:
            (search, found), reading = columns, ""
        elif not (search.jacobian or search.cdot_vectors or search.reach):
            # a product or sum whose shapes do not fit, with a shape the file never gave: the shapes are in doubt
            doubt = "shapes" if isinstance(exc, ShapeMismatch) and search.default_shape else ""
            return Decision(Verdict.UNCHECKED, doubt, reason=str(exc))
        else:
            # in the first reading the step cannot be evaluated (diag of a dot product): the other readings
            failed = NumericResult(Numbers.NONE, why=str(exc))
            shaped = isinstance(exc, ShapeMismatch) and search.default_shape
            search, found, reading = _other_reading(search, failed, seed, deadline)
            if found is failed:
                return Decision(Verdict.UNCHECKED, "shapes" if shaped else "", reason=str(exc))
    except ProofTimeout:
        return Decision(Verdict.UNCHECKED, reason=f"timed out after {seconds:g} s of CPU time (numeric check)")
    except RecursionError:
        ProofTimeout.count_limit()
        return Decision(Verdict.UNCHECKED, reason="too deeply nested to evaluate")
    else:
        reading = ""
        other = search.jacobian or search.cdot_vectors or search.reach
        if found.status in (Numbers.DIFFERENT, Numbers.SHAPE) and other:
            search, found, reading = _other_reading(search, found, seed, deadline)
        if found.status is Numbers.SHAPE and not found.confident and not search.scalar_bare and not reading:
            # dt/dz = 1 - t² in a file that also writes z_j: with z a vector the sides do not fit; the bare names
            # read as numbers, as when a product of them does not fit (`instances.pair`)
            bare = Search(env, symbols, left, right, cases, sizes=sizes, scalar_bare=True)
            try:
                with time_limit(max(deadline - cpu_time(), 0.01)):
                    again = numeric_check(bare, rng, deadline)
            except (Unsupported, ProofTimeout, RecursionError):
                again = None
            if again is not None and again.status is not Numbers.SHAPE and again.status is not Numbers.NONE:
                search, found = bare, again
        if found.status in (Numbers.SHAPE, Numbers.DIFFERENT) and not reading:
            columns = _tuples_as_columns(search, rng, deadline, holds=found.status is Numbers.DIFFERENT)
            if columns is not None:
                search, found = columns
    ce = found.counterexample
    if found.status is Numbers.DIFFERENT and found.constant and ce is not None and ce.component and found.sides:
        ce.entries = tuple(zip(*found.sides))  # a vector of numbers: each entry, for a vector of rounded values
    if found.status is Numbers.SHAPE:
        # Sides whose shapes come from declarations and differ are wrong — unless they are each other's
        # transpose (a transposition error, or ∂L/∂W laid out as Wᵀ: a convention); a mismatch involving a name
        # whose shape the file never gave says the reading is in doubt, not that the step is false.
        if found.confident and found.transposed:
            reason = f"{found.why}: transposed — a transposition error, or ∂L/∂W laid out as Wᵀ (numerator layout)?"
        elif found.confident:
            return Decision(Verdict.WRONG, "shapes", found.why, ce)
        else:
            reason = f"{found.why} — is a name a vector or matrix the file does not declare? (declare its shape)"
        return Decision(Verdict.UNCHECKED, "shapes", reason, ce)
    only_loss = search.abstract and not search.jets  # with jets too, the rule of `_derivatives_only` below
    if found.status is Numbers.DIFFERENT and only_loss and not _about_derivatives_only(search):
        # L never defined and the step says what L's derivative is (∂L/∂a = a − y): it fails for some function of
        # the outputs, which says nothing about the author's L
        names = ", ".join(sorted(search.abstract))
        return Decision(Verdict.UNCHECKED, reason=f"{names} is never defined: read as any function of "
                        f"{', '.join(sinks(env))}, the step does not hold for every such function — define {names} "
                        "and it is checked")  # fmt: skip
    if found.status is Numbers.PARTIAL:
        assert ce is not None
        agree = (f"the two sides agree at {found.points} points where both are real, but" if found.points else
                 "no point where both sides are real was found;")  # fmt: skip
        negative = [name for name, v in ce.point.items() if v < 0]
        example = f"\\quad {negative[0]} > 0" if negative else "\\quad x > 0"
        return Decision(Verdict.UNCHECKED, reason=f"{agree} {ce.sentence()} (a logarithm or root of a negative "
                        f"number?) — the step holds at most where both sides are real: say where (`{example}`) "
                        "and it is checked")  # fmt: skip
    if found.status is Numbers.DIFFERENT and search.matrix_power:
        assert ce is not None
        return Decision(Verdict.UNCHECKED, reason="a square matrix raised to a power, read as the matrix product "
                        "(A² = AA; of a function, tanh²(Z), entry by entry) — the other reading may be meant "
                        f"(write AA or A \\odot A): as read, {ce.sentence()}")  # fmt: skip
    if found.status is Numbers.DIFFERENT:
        assert ce is not None
        applied = sorted(name for name in found.bases if name in env.applied_only and name not in env.definitions)
        if applied:
            names = ", ".join(applied)
            return Decision(Verdict.UNCHECKED, reason=f"{names} is only ever written before '(': read as a product "
                            f"({names}·(…)) the step fails — {ce.sentence()}; if {names} is a function, define it "
                            "(f(x) = …) and the step is checked")  # fmt: skip
        unread = sorted({f"{name} (line {env.unread[name]})" for name in found.bases if name in env.unread})
        if unread:
            return Decision(Verdict.UNCHECKED, reason=f"uses {', '.join(unread)}, given a value there in a form "
                            "the checker could not read as a definition; read as a free variable: "
                            f"{ce.sentence()}")  # fmt: skip
        if found.one_sided:
            # S_i on one side only, defined nowhere: most likely an abbreviation (S_i for S(θ)_i) the file
            # never spelled out. Reading it as a free variable would make a correct step wrong.
            names = ", ".join(found.one_sided)
            return Decision(Verdict.UNCHECKED, reason=f"{names} appear(s) only in the new line and is defined "
                            f"nowhere — an abbreviation? (define it, or declare it in the front matter); read as a "
                            f"free variable: {ce.sentence()}")  # fmt: skip
        if search.jets:
            # g never defined. A step that needs its form (g'(z) = g(z)(1 − g(z))) false for some g says nothing
            # about the author's g — unless false for every activation g could stand for as well; one relating
            # derivatives only is false for the author's g too, unless it holds for one of those (g'' = g': exp)
            names = ", ".join(sorted({jet.function for jet in search.jets.values()} | search.abstract))
            functions = {jet.function for jet in search.jets.values()}
            as_activations = not search.env.graph_functions and functions <= activations(search.env)
            holds, failed = _holds_for_an_activation(search, seed, deadline) if as_activations else ("", "")
            if _derivatives_only(search, found) and not holds:
                pass
            elif holds or not failed or search.abstract or search.env.graph_functions:
                why = f"it holds if {names} is {holds}" if holds else "the step does not hold for every such function"
                return Decision(Verdict.UNCHECKED, reason=f"{names} is never defined: read as any function, {why} "
                                f"({ce.sentence()}) — define {names} and it is checked")  # fmt: skip
            else:
                sentence = f"{ce.sentence()}, for any function {names} (false as well for {names} = {failed})"
                return Decision(Verdict.WRONG, "counterexample (interval arithmetic)", sentence, ce)
        label = _holds_for_a_label(search, seed, deadline)
        if label:
            # Σ_k y_k = 1 used without being said: true for a one-hot or probability label, false for others —
            # the notes take it for granted far more often than they get it wrong
            return Decision(Verdict.UNCHECKED, reason=f"holds if {label} sums to 1 (a one-hot or probability "
                            f"label), which the file does not say — say so ('${label}$ is one-hot' or "
                            f"'{label} \\text{{ probability vector}}'); as written: {ce.sentence()}")  # fmt: skip
        mixed = sorted(name for name, counts in search.arities.items() if len(counts) > 1)
        if mixed:
            names = ", ".join(mixed)
            return Decision(Verdict.UNCHECKED, reason=f"{names} is written with one index and with two here (x_i a "
                            f"row of a matrix x_{{ij}}, or a name of its own?) — read as names of their own, the "
                            f"step fails: {ce.sentence()}")  # fmt: skip
        sentence = ce.sentence() + (f" (false in {found.why})" if found.why else "")
        return Decision(Verdict.WRONG, "counterexample (interval arithmetic)", sentence, ce)
    if found.status is Numbers.NONE:
        return Decision(Verdict.UNCHECKED, reason=found.why)
    points = found.points
    where = _describe_instances(search, proof=False)
    if found.status is Numbers.UNDECIDED:
        evidence = found.why
    elif found.constant:
        evidence = f"the two numbers agree to {MAX_BITS} bits (interval arithmetic)"
    else:
        scope = f" ({where})" if where else ""
        evidence = f"agrees at {points} points{scope} to ≥ {AGREE_BITS} bits (interval arithmetic)"
    proof_search = Search(env, symbols, left, right, cases, sizes=sizes, denominator=search.denominator,
                          cdot_elementwise=search.cdot_elementwise, near_reach=search.near_reach,
                          scalar_bare=search.scalar_bare, tuple_columns=search.tuple_columns,
                          cache=search.cache)  # fmt: skip
    methods, failure = _prove_instances(proof_search, deadline, seconds)
    every_size = not sizes or quick  # the step is about every size n, not the sizes a condition fixed
    if failure or not methods:
        if found.status is Numbers.UNDECIDED or found.constant:
            # no agreement to lean on (only "both near 0"), or a step about numbers, which agreement at one
            # precision never decides (σ(100) = 1 agrees to 144 bits): no verdict without a proof
            what = "a step about numbers needs an exact decision" if found.constant else "no point decided it"
            reason = f"{evidence}; {failure or 'no proof instance'} — {what}"
            return Decision(Verdict.UNCHECKED, "", reason, None, points)
        reason = f"{evidence}; {failure or 'no proof instance'} — evidence, not proof"
        if reading:
            return Decision(Verdict.UNCHECKED, reason=f"holds only reading {reading}: {reason}")
        if every_size and (search.n_value or proof_search.n_value or search.index_number):
            summed = _summed_in_closed_form(search, seed, deadline)
            if summed is not None:
                return summed
            larger = _at_larger_sizes(search, seed, deadline)
            if isinstance(larger, Decision):
                return larger
            reason = f"{evidence}{larger}; {failure or 'no proof instance'} — evidence, not proof"
        return Decision(Verdict.NUMERIC, "adaptive-precision evaluation", reason, None, points)
    where = _describe_instances(proof_search, proof=True)
    if reading:  # true only in the other reading: which one the author meant, the notation does not say
        scope = f" ({where})" if where else ""
        fix = ("put the derivative's operand in parentheses" if proof_search.near_reach else
               "write the operation out (\\odot, \\mathbf{a}^\\top \\mathbf{b})")  # fmt: skip
        return Decision(Verdict.UNCHECKED, reason=f"holds only reading {reading}{scope}; in the first reading "
                        f"it does not — {fix} to have it checked")  # fmt: skip
    index_number = search.index_number or proof_search.index_number
    if every_size and (proof_search.n_value or index_number):
        summed = _summed_in_closed_form(search, seed, deadline)
        if summed is not None:
            return summed
        # n is a number in the step as well as its length ((1/n)Σ_{i=1}^{n}, n(n+1)/2): a proof at n = 2, 3, 4 says
        # nothing of n = 5 unless it holds with that number read as any value. An index used as a number
        # (Σ_i (i − 1)(i − 2)(i − 3) x_i) has no such reading: its terms at n = 2, 3 say nothing of the 4th.
        apart_methods: list[str] = []
        apart_failure = "an index is a number in the step"
        for counted in (False, True) if not index_number else ():  # the c of Σ_{i=1}^{n} (x_i − c) counted: n·c
            apart = dataclasses.replace(proof_search, size_symbols=True, count_shared=counted, n_value=False, free=[])
            apart_methods, apart_failure = _prove_instances(apart, deadline, seconds)
            if apart_methods and not apart_failure:
                break
        if apart_methods and not apart_failure:
            scope = f"{where}; " if where else ""
            return Decision(Verdict.PROVED, " then ".join(apart_methods),
                            f"{scope}for every value of {_sizes_named(search)} as a number", None, points)  # fmt: skip
        larger = _at_larger_sizes(search, seed, deadline)
        if isinstance(larger, Decision):
            return larger
        named = _sizes_named(search)
        what = (f"an index is a number in the step (its value, not only the entry it picks), so a proof at some "
                f"sizes is not one for every {named}" if index_number else f"{named} is a number in the step as "
                f"well as a length, so a proof at some sizes is not one for every {named}")  # fmt: skip
        reason = f"{evidence}{larger}; proved only at some sizes ({where}): {what} — evidence, not proof"
        return Decision(Verdict.NUMERIC, "adaptive-precision evaluation", reason, None, points)
    return Decision(Verdict.PROVED, " then ".join(methods), where, None, points)


def _tuples_as_columns(
    search: Search, rng: random.Random, deadline: float, *, holds: bool = False
) -> tuple[Search, NumericResult] | None:
    """The step with its tuples as column vectors, as ℝⁿ's elements are written (w = (0.3, 0.7) in wᵀx), when
    with them as rows its sides do not fit (or, ``holds``, are not equal: xᵀw = wᵀx): that search and its
    finding; None unless it uses a tuple and fits that way (and, ``holds``, is equal that way)."""
    if not search.tuples or search.tuple_columns:
        return None
    alt = Search(search.env, search.symbols, search.left, search.right, search.cases, sizes=search.sizes,
                 scalar_bare=search.scalar_bare, tuple_columns=True)  # fmt: skip
    try:
        with time_limit(max(deadline - cpu_time(), 0.01)):
            found = numeric_check(alt, rng, deadline)
    except (Unsupported, ProofTimeout, RecursionError):
        return None
    if found.status in (Numbers.SHAPE, Numbers.NONE) or (holds and found.status is not Numbers.EQUAL):
        return None
    return alt, found


def _prove_instances(search: Search, deadline: float, seconds: float) -> tuple[list[str], str]:
    """Prove both sides equal at every proof instance: the methods used, and why not (empty when proved)."""
    methods: list[str] = []
    failure = ""
    try:
        with time_limit(max(deadline - cpu_time(), 0.05)):
            for inst in list(instances(search, random.Random(0), proof=True)):
                left_v, right_v = inst.left, inst.right
                if is_matrix(left_v) and is_matrix(right_v) and left_v.shape != right_v.shape:
                    right_v = right_v.T
                if is_matrix(left_v) != is_matrix(right_v) or (is_matrix(left_v) and left_v.shape != right_v.shape):
                    failure = "the proof's instances have sides of different shapes"
                    break
                remaining = deadline - cpu_time()
                if remaining <= 0:
                    raise ProofTimeout("no time left")
                signs = _signs(search, left_v, right_v)
                proof = prove_equal(left_v, right_v, signs=signs, seconds=max(remaining, 0.05))
                if not proof.proved:
                    failure = proof.reason or "no method closed it"
                    break
                if proof.method not in methods:
                    methods.append(proof.method)
    except ProofTimeout:
        failure = f"no symbolic proof within {seconds:g} s of CPU time"
    except RecursionError as exc:
        ProofTimeout.count_limit()
        failure = f"SymPy could not build the proof instances: {exc}"
    except Unsupported as exc:
        failure = f"SymPy could not build the proof instances: {exc}"
    return methods, failure


#: The sizes n a step in which n is also a number is checked at besides the usual ones (a difference such as
#: (n − 2)(n − 3)(n − 4) vanishes at the usual sizes and no further ones)
LARGER_SIZES = (6, 7, 8, 9, 12, 17)
MATRIX_LARGER_SIZES = (4, 5, 6, 7, 10, 13)
#: … and past each whole number the step writes up to this one (Σ_t min(t, 20) x_t = Σ_t t x_t holds up to n = 20)
FAR_SIZE = 48


def _compared_beyond(search: Search) -> int:
    """The largest whole number ≥ FAR_SIZE that the step compares something with (𝟙[t > 50], min(t, 100)), or 0."""
    found = [0]
    for side in (search.left, search.right):
        for n in walk(side):
            compared = (n.lhs, n.rhs) if isinstance(n, Rel) else n.args if isinstance(n, Call) and n.func.name in (
                "min", "max") else ()  # fmt: skip
            found += [int(a.value) for a in compared if isinstance(a, Num) and a.value >= FAR_SIZE]
    return max(found)


def _sizes_past_constants(search: Search, larger: tuple[int, ...]) -> tuple[int, ...]:
    """``larger`` and c + 1 for each whole number c of the step beyond them (≤ FAR_SIZE): where an index compared
    with c (min(t, c), 𝟙[t > c]) first passes it."""
    found = {int(n.value) for side in (search.left, search.right) for n in walk(side)
             if isinstance(n, Num) and n.value.denominator == 1 and larger[-1] <= n.value < FAR_SIZE}  # fmt: skip
    return tuple(sorted({*larger, *(c + 1 for c in found)}))


def _summed_in_closed_form(search: Search, seed: str, deadline: float) -> Decision | None:
    """Both sides functions of the sizes alone, summed in closed form: `proved` for every n if the closed forms
    are equal; if they differ, `wrong` at the first n (≤ 60) where the checker's own evaluation certifies it;
    else None."""
    try:
        with time_limit(max(deadline - cpu_time(), 0.05)):
            found = closed_forms(search.left, search.right, search.env)
            if found is None:
                return None
            equal, differs_at = found
    except (ProofTimeout, RecursionError, ValueError, TypeError, NotImplementedError):
        return None
    named = _sizes_named(search)
    if equal:
        return Decision(Verdict.PROVED, "summation in closed form",
                        f"both sides summed with {named} a symbol: for every {named}")  # fmt: skip
    for n in differs_at:  # the closed forms say where; the evaluation at that size is the certificate
        again = _check_again(dataclasses.replace(search, sizes=(n,), free=[], cache={}), f"{seed}:n={n}", deadline)
        if again is not None and again.status is Numbers.DIFFERENT and again.counterexample is not None:
            ce = again.counterexample
            return Decision(Verdict.WRONG, "counterexample (interval arithmetic)", ce.sentence(), ce)
    return None


def _sizes_named(search: Search) -> str:
    """The size names the step uses as numbers, for a sentence ("n", "m, n")."""
    used = {n.name for side in (search.left, search.right) for n in walk(side) if isinstance(n, Sym)}
    names = sorted(name for name in used if name in search.env.sizes) or ["n"]
    return ", ".join(names)


def _at_larger_sizes(search: Search, seed: str, deadline: float) -> Decision | str:
    """The numeric check again at larger sizes: `wrong` with the counterexample if the sides differ there, else
    what it found, as a clause of the evidence."""
    beyond = _compared_beyond(search)
    if beyond:
        return Decision(Verdict.UNCHECKED, reason=f"compares with {beyond}: where an index passes it (n > {beyond}) "
                        "the sides may part, and that is beyond the sizes the checker tries")  # fmt: skip
    larger = MATRIX_LARGER_SIZES if search.env.dim_names else _sizes_past_constants(search, LARGER_SIZES)
    again = dataclasses.replace(search, sizes=larger, free=[], cache={}, larger=True)
    found = _check_again(again, seed + ":larger", deadline)
    if found is None or found.status is Numbers.NONE:
        return f"; not checked at n = {larger[0]}…{larger[-1]} ({found.why if found else 'no time left'})"
    if found.status is Numbers.DIFFERENT and found.counterexample is not None:
        return Decision(Verdict.WRONG, "counterexample (interval arithmetic)", found.counterexample.sentence(),
                        found.counterexample)  # fmt: skip
    if found.status in (Numbers.EQUAL, Numbers.UNDECIDED):
        return f", and at n = {larger[0]}…{larger[-1]}"
    return f"; at n = {larger[0]}…{larger[-1]}: {found.why or found.status.name.lower()}"


def _signs(search: Search, left: sp.Basic, right: sp.Basic) -> dict[sp.Symbol, str]:
    """The sign the step's condition or a declared interval gives each variable (x > 0: positive; p ∈ [0, 1]:
    nonnegative), for the proof: log(xy) = log x + log y is proved for x, y > 0 and for no other reals."""
    out: dict[sp.Symbol, str] = {}
    for s in sorted(left.free_symbols | right.free_symbols, key=lambda s: s.name):
        base = search.symbols.base.get(s, "")
        region = search.env.regions.get(base)
        if region is None and base in search.env.domains:
            region = Region(*search.env.domains[base])  # a closed interval
        if region is None:
            continue
        if region.lo is not None and (region.lo > 0 or (region.lo == 0 and region.lo_open)):
            out[s] = "positive"
        elif region.lo == 0:
            out[s] = "nonnegative"
        elif region.hi is not None and (region.hi < 0 or (region.hi == 0 and region.hi_open)):
            out[s] = "negative"
        elif region.hi == 0:
            out[s] = "nonpositive"
    return out


def rounded_value(decision: Decision, left: Node, right: Node, *, approx: bool) -> Decision:
    """A side written as a rounded decimal (σ(2) = 0.8808, or ≈ 0.88) is right if it is the rounding.

    Only for constant steps (the counterexample names no variable): the exact value of the other side
    must round to the written number, |exact − written| ≤ ½·10^−decimals. With '=', the number must show
    at least two significant digits (σ(0.1) = 0.5 and 1/3 = 0.3 look exact, and are false), and the other
    side must be worked out, not a number written itself (0.34 = 0.3 is false); '≈' says it is rounded.
    """

    number = _written_decimal(right) or _written_decimal(left)
    if approx and decision.verdict is Verdict.WRONG and decision.counterexample and decision.counterexample.point:
        # σ(x) ≈ ½ + x/4: an approximation with variables says "close where it matters", not "equal"
        return Decision(
            Verdict.UNCHECKED,
            reason=f"'≈' with variables is an approximation, not an identity: not checked ({decision.reason})",
        )
    if decision.verdict is not Verdict.WRONG or not decision.counterexample:
        if approx and decision.verdict is Verdict.PROVED:
            return decision
        if approx and number is None:
            return Decision(
                Verdict.UNCHECKED, reason="'≈' needs a rounded decimal on one side to know how close is meant"
            )
        return decision
    ce = decision.counterexample
    whole_right = _written_integer(right)
    whole = whole_right if whole_right is not None else _written_integer(left)
    if approx and number is None and whole is not None and not ce.point and ce.component is None and ce.has_values:
        return _approximately_whole(decision, ce.left if whole_right is not None else ce.right, whole)
    if ce.component is not None and ce.entries and not ce.point:
        return _rounded_entries(decision, left, right, approx=approx)
    if not ce.point and ce.component is None and ce.has_values and number is None:
        return _rounded_working(decision, left, right, approx=approx)
    if ce.point or number is None or ce.component is not None or not ce.has_values:
        return decision
    exact = ce.left if _written_decimal(right) is not None else ce.right
    value, half_unit, digits = number
    other = left if _written_decimal(right) is not None else right
    if not approx and (digits < MIN_ROUNDED_DIGITS or _written_number(other)):
        return decision
    with mpmath.workprec(256):
        close = abs(exact - mpmath.mpf(value.numerator) / value.denominator) <= (
            mpmath.mpf(half_unit.numerator) / half_unit.denominator * (1 + mpmath.mpf(10) ** -12)
        )
    if close:
        shown = mpmath.nstr(mpmath.mpf(value.numerator) / value.denominator, digits + 1)
        reason = f"{mpmath.nstr(exact, 17)} rounds to {shown} (as written) — a rounded value, not an identity"
        return Decision(Verdict.NUMERIC, "rounded value", reason)
    return decision


#: How close "≈ N" with N a whole number must be to be taken as a rounding: within half a unit of a first decimal
#: (σ(1000) ≈ 1, e^{-1000}/(1 + e^{-1000}) ≈ 0, σ(5) ≈ 1 at 0.9933); a value that only rounds to N as a whole
#: number (σ(2) ≈ 1 at 0.88) leaves how close was meant unsaid.
WHOLE_APPROX = Fraction(1, 20)


def _written_integer(node: Node) -> int | None:
    """A whole number as written (``0``, ``1``, ``-3``), else None."""
    if isinstance(node, Neg):
        inner = _written_integer(node.arg)
        return -inner if inner is not None else None
    if isinstance(node, Num) and node.decimals is None and node.value.denominator == 1:
        return int(node.value)
    return None


def _approximately_whole(decision: Decision, exact: object, whole: int) -> Decision:
    """x ≈ N, N whole: `numeric` within WHOLE_APPROX of N, `unchecked` within ½ (a rounding to a whole number,
    how close meant is not said), else the decision (`wrong`)."""
    with mpmath.workprec(256):
        gap = abs(exact - whole)
        near = gap <= mpmath.mpf(WHOLE_APPROX.numerator) / WHOLE_APPROX.denominator
        rounds = gap < mpmath.mpf(1) / 2
    if near:
        reason = (
            f"{mpmath.nstr(exact, 17)} is within {float(WHOLE_APPROX)} of {whole} — an approximation, not an identity"
        )
        return Decision(Verdict.NUMERIC, "rounded value", reason)
    if rounds:
        return Decision(Verdict.UNCHECKED, reason=f"{mpmath.nstr(exact, 17)} rounds to {whole} only as a whole number: "
                        "how close '≈' means is not said (write the decimals, e.g. ≈ 0.88)")  # fmt: skip
    return decision


#: Functions of one number, increasing, in interval arithmetic: the image of an interval is the interval of its ends.
_MONOTONE = {
    "log": iv.log,
    "exp": iv.exp,
    "sqrt": iv.sqrt,
    "sigmoid": lambda u: 1 / (1 + iv.exp(-u)),
    "tanh": lambda u: 1 - 2 / (iv.exp(2 * u) + 1),
}


def _working_range(node: Node, approx: bool) -> tuple[object, int] | None:
    """An arithmetic of numbers as written (0.8808 · 0.1192, 1 − 0.7311) as an interval: each rounded decimal
    anywhere in its rounding (± half a unit in its last digit), with how many decimals it holds; None for
    anything else, or a decimal of fewer than two significant digits after '='."""
    if isinstance(node, Num):
        number = _written_decimal(node)
        if number is None:
            return iv.mpf(node.value.numerator) / node.value.denominator, 0
        at, half, digits = number
        if digits < MIN_ROUNDED_DIGITS and not approx:  # 0.1 in 1.2·0.6225 + 0.1: a number given, not rounded
            return iv.mpf(at.numerator) / at.denominator, 0
        centre = iv.mpf(at.numerator) / at.denominator
        h = iv.mpf(half.numerator) / half.denominator
        return iv.mpf([(centre - h).a, (centre + h).b]), 1
    parts: list[tuple[object, int]] = []
    monotone = _MONOTONE.get(node.func.name) if isinstance(node, Call) and not node.func.primes else None
    if monotone is not None and len(node.args) == 1 and node.func.power is None:  # log 0.6590, σ(0.6588)
        inner = _working_range(node.args[0], approx)
        return None if inner is None else (monotone(inner[0]), inner[1])
    if isinstance(node, Neg):
        inner = _working_range(node.arg, approx)
        return None if inner is None else (-inner[0], inner[1])
    children = node.terms if isinstance(node, Add) else node.factors if isinstance(node, Mul) else None
    if isinstance(node, Div):
        children = (node.num, node.den)
    if isinstance(node, Pow) and isinstance(node.exp, Num) and node.exp.value.denominator == 1:
        base = _working_range(node.base, approx)
        return None if base is None else (base[0] ** int(node.exp.value), base[1])
    if children is None or (isinstance(node, Mul) and node.elementwise):
        return None
    for child in children:
        part = _working_range(child, approx)
        if part is None:
            return None
        parts.append(part)
    total = parts[0][0]
    for value, _ in parts[1:]:
        if isinstance(node, Add):
            total = total + value
        elif isinstance(node, Mul):
            total = total * value
        else:
            total = total / value
    return total, sum(k for _, k in parts)


def _rounded_working(decision: Decision, left: Node, right: Node, *, approx: bool) -> Decision:
    """σ(2)(1 − σ(2)) = 0.8808 · 0.1192: a side worked out from rounded decimals is right if the exact value of
    the other side lies within what those roundings allow (interval arithmetic); only then `numeric`."""
    ce = decision.counterexample
    assert ce is not None
    for working, exact, other in ((right, ce.left, left), (left, ce.right, right)):
        if _written_number(other):
            continue  # 0.34 = 0.3: two numbers as written, nothing was worked out
        saved = iv.prec
        try:
            iv.prec = 256
            found = _working_range(working, approx)
            if found is None or not found[1]:
                continue
            interval, _ = found
            inside = interval.a <= exact <= interval.b
        except (ZeroDivisionError, ValueError, TypeError):
            continue
        finally:
            iv.prec = saved
        if inside:
            return Decision(Verdict.NUMERIC, "rounded value", f"{mpmath.nstr(exact, 17)} lies within what the rounded "
                            "decimals written allow (each ± half a unit in its last digit) — worked from rounded "
                            "values, not an identity")  # fmt: skip
    return decision


def _written_entries(node: Node) -> list[Node] | None:
    """The entries of a vector or matrix written out (row by row), else None."""
    if isinstance(node, Transpose):
        return _written_entries(node.arg)
    if isinstance(node, Vector):
        return list(node.entries)
    if isinstance(node, MatrixLit):
        return [e for row in node.rows for e in row]
    return None


def _rounded_entries(decision: Decision, left: Node, right: Node, *, approx: bool) -> Decision:
    """softmax(z) = (0.0900, 0.2447, 0.6652): a vector of numbers against one of rounded decimals — each entry
    by the rule for one number (`rounded_value`), the others exactly; `wrong` names the first entry that fails."""
    ce = decision.counterexample
    assert ce is not None
    written, exact_side = (right, 0) if _written_entries(right) is not None else (left, 1)
    entries = _written_entries(written)
    if entries is None or len(entries) != len(ce.entries):
        return decision
    rounded = 0
    for k, (pair, node) in enumerate(zip(ce.entries, entries), start=1):
        exact, shown = pair[exact_side], pair[1 - exact_side]
        with mpmath.workprec(256):
            value = mpmath.mpf(sp.N(exact, 80))
        number = _written_decimal(node)
        if number is not None and (approx or number[2] >= MIN_ROUNDED_DIGITS):
            at, half_unit, _ = number
            with mpmath.workprec(256):
                unit = mpmath.mpf(half_unit.numerator) / half_unit.denominator * (1 + mpmath.mpf(10) ** -12)
                if abs(value - mpmath.mpf(at.numerator) / at.denominator) <= unit:
                    rounded += 1
                    continue
        elif sp.simplify(exact - shown) == 0:
            continue
        with mpmath.workprec(256):
            other = mpmath.mpf(sp.N(shown, 80))
        lhs, rhs = (other, value) if exact_side else (value, other)
        failed = dataclasses.replace(ce, component=k, left=lhs, right=rhs, entries=())
        return Decision(Verdict.WRONG, decision.method, failed.sentence(), failed)
    if not rounded:
        return decision
    return Decision(Verdict.NUMERIC, "rounded value", f"each of the {len(entries)} entries is the exact value, or "
                    "rounds to the digits written — rounded values, not an identity")  # fmt: skip


#: Significant digits a number written after '=' needs to be read as a rounding: 0.88, not 0.5 or 0.02.
MIN_ROUNDED_DIGITS = 2


def _written_number(node: Node) -> bool:
    """A number as written (0.34, −2, 3 × 10^{-2}): nothing to work out, so nothing to round."""
    if isinstance(node, Neg):
        return _written_number(node.arg)
    return isinstance(node, Num) or _written_decimal(node) is not None


def _significant(value: Fraction, decimals: int) -> int:
    """Significant digits of a decimal written with ``decimals`` places (0.020: 2, 0.5: 1, 12.5: 3, 0.0: 0)."""
    scaled = abs(value) * 10**decimals
    return 0 if scaled == 0 else len(str(int(scaled)))


def _written_decimal(node: Node) -> tuple[Fraction, Fraction, int] | None:
    """A rounded decimal as written — ``0.8808``, ``-0.25``, ``4.2484 \\times 10^{-18}`` — as (value, half a unit
    in its last written digit, significant digits); None for anything else (an integer alone is exact)."""
    if isinstance(node, Neg):
        inner = _written_decimal(node.arg)
        return (-inner[0], inner[1], inner[2]) if inner else None
    if isinstance(node, Num) and node.decimals is not None:
        return node.value, Fraction(1, 2 * 10**node.decimals), _significant(node.value, node.decimals)
    if isinstance(node, Mul) and len(node.factors) == 2 and isinstance(node.factors[0], Num):
        mantissa, power = node.factors
        if isinstance(power, Pow) and power.base == Num(Fraction(10)):
            exp = power.exp.arg if isinstance(power.exp, Neg) else power.exp
            if isinstance(exp, Num) and exp.value.denominator == 1:
                e = int(exp.value) * (-1 if isinstance(power.exp, Neg) else 1)
                scale = Fraction(10) ** e
                decimals = mantissa.decimals or 0
                return mantissa.value * scale, scale / (2 * 10**decimals), _significant(mantissa.value, decimals)
    return None


def decide_all(
    setting: Setting,
    symbols: SymbolTable,
    left: Node,
    right: Node,
    *,
    cases: tuple[Rel, ...] = (),
    seconds: float = 5.0,
    seed: str = "",
) -> Decision:
    """The step under each alternative of its setting (y = 0 and y = 1 for y ∈ {0, 1}): wrong if any is,
    proved if all are, else the weakest verdict (from memory under ``check --watch``, `check.memo`)."""
    memo = active_memo()
    if memo is not None:
        parts = (setting, left, right, cases, seconds, seed)
        return memo.decide(parts, symbols, lambda: _decide_all(setting, symbols, left, right, cases=cases,
                                                               seconds=seconds, seed=seed))  # fmt: skip
    return _decide_all(setting, symbols, left, right, cases=cases, seconds=seconds, seed=seed)


def _decide_all(
    setting: Setting, symbols: SymbolTable, left: Node, right: Node, *, cases: tuple[Rel, ...], seconds: float,
    seed: str,
) -> Decision:  # fmt: skip
    decisions = [
        decide(env, symbols, left, right, cases=cases, seconds=seconds, seed=seed, sizes=setting.sizes)
        for env in setting.envs
    ]
    for d, label in zip(decisions, setting.labels or [""] * len(decisions)):
        if d.verdict is Verdict.WRONG:
            if label:
                d.reason = f"with {label}: {d.reason}"
            return d
    for weaker in (Verdict.UNCHECKED, Verdict.NUMERIC):
        for d in decisions:
            if d.verdict is weaker:
                return d
    return decisions[0]
