"""Deciding one step ``left = right``: numbers first (a counterexample in milliseconds), proof second.

1. *Instances.* Free index letters are discovered by evaluating (an index with no value raises
   `MissingIndex`, which adds it); each side is built at concrete sizes n and every assignment of
   the free indices the case in force allows: all assignments at n = 2, 3 and each pattern of equal
   and distinct indices at n = 4, 5 (at random positions).
2. *Numbers.* Both sides are evaluated at ≥ `POINTS` points in all, simplest points first, with
   mpmath at increasing precision (96 bits, doubled up to 2¹⁴): a point is `equal` when the sides
   agree to half the working precision, `different` when their difference is stable to 20 bits
   across two precisions and larger than that; points where a side is undefined or not real are
   outside the domain and skipped. Fixed precision misleads both ways here (FINDINGS.md).
3. *Proof.* If every point agreed, SymPy's ladder (`prove_equal`) runs on each instance of
   n = 2…4 — for a step with no literal index and only full sums, one assignment per pattern
   suffices, since relabelling the components maps the others to it — under the step's time limit.
"""

from __future__ import annotations

import hashlib
import itertools
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from fractions import Fraction

import mpmath
import sympy as sp
from mpmath import iv
from mpmath.libmp.libmpf import ComplexResult

from derivations.latex_input import Neg, Node, Num, Rel
from derivations.prove import ProofTimeout, prove_equal, time_limit
from derivations.semantics import (
    Context,
    Environment,
    MissingIndex,
    OutOfRange,
    SymbolTable,
    Unsupported,
    condition_holds,
    evaluate,
    is_matrix,
)

POINTS = 30
NUMERIC_SIZES = (2, 3, 4, 5)
ALL_ASSIGNMENTS_UP_TO = 3
PROOF_SIZES = (2, 3, 4)
START_BITS = 96
MAX_BITS = 1 << 14
MAX_FREE_INDICES = 4


@dataclass
class Decision:
    """The verdict on one step and how it was reached."""

    verdict: str  # proved | numeric | wrong | unchecked
    method: str = ""
    reason: str = ""
    counterexample: dict | None = None
    points: int = 0


@dataclass
class Instance:
    n: int | None
    assign: dict[str, int]
    left: sp.Basic
    right: sp.Basic
    symmetric: bool = True


@dataclass
class _Search:
    env: Environment
    symbols: SymbolTable
    left: Node
    right: Node
    cases: tuple[Rel, ...]
    free: list[str] = field(default_factory=list)
    used_n: bool = False
    symmetric: bool = True
    out_of_range: bool = False
    scalar_bare: bool = False


def _pair(search: _Search, ctx: Context) -> tuple[sp.Basic, sp.Basic]:
    """Both sides; if they only make sense with the bare vector names (y for the vector of y_i) read as
    scalars — a file that writes (wx − y)² here and Σ_i y_i elsewhere — that reading, for both sides."""
    if search.scalar_bare:
        ctx.flags["scalar_bare"] = True
    try:
        return evaluate(search.left, ctx), evaluate(search.right, ctx)
    except Unsupported as exc:
        if search.scalar_bare or ("vector" not in str(exc) and "shape" not in str(exc)):
            raise
        search.scalar_bare = True
        ctx.flags["scalar_bare"] = True
        ctx.flags.pop("used_n", None)
        return evaluate(search.left, ctx), evaluate(search.right, ctx)


def _build(search: _Search, n: int, assign: dict[str, int]) -> tuple[sp.Basic, sp.Basic] | None:
    """Both sides at (n, assign); None if a case rules the assignment out or an index is out of range."""
    ctx = Context(search.env, search.symbols, n, dict(assign))
    for rel in search.cases:
        holds = condition_holds(rel, ctx)
        if holds is not True and holds is not False:
            raise Unsupported("a case condition that is not a relation between indices")
        if not holds:
            return None
    try:
        left, right = _pair(search, ctx)
    except OutOfRange:
        search.out_of_range = True
        return None
    finally:
        search.used_n |= ctx.flags.get("used_n", False)
        search.symmetric &= not ctx.flags.get("asymmetric", False)
    return left, right


def _discover(search: _Search) -> None:
    """Fill ``search.free`` with the index letters the two sides (and the cases) need."""
    for rel in search.cases:
        for side in (rel.lhs, rel.rhs):
            name = getattr(side, "name", None)
            if name and name not in search.free:
                search.free.append(name)
    while True:
        n = max(3, len(search.free) + 1)
        assign = {name: k + 1 for k, name in enumerate(search.free)}
        try:
            ctx = Context(search.env, search.symbols, n, assign)
            _pair(search, ctx)
            search.used_n |= ctx.flags.get("used_n", False)
            return
        except MissingIndex as exc:
            if exc.name in search.free or len(search.free) >= MAX_FREE_INDICES:
                raise Unsupported(f"too many free indices ({', '.join(search.free)}, {exc.name})") from None
            search.free.append(exc.name)
        except OutOfRange:
            return


def _patterns(names: list[str]) -> Iterator[list[int]]:
    """Set partitions of the names as restricted growth strings: block number of each name."""

    def grow(prefix: list[int]) -> Iterator[list[int]]:
        if len(prefix) == len(names):
            yield list(prefix)
            return
        for b in range(max(prefix, default=-1) + 2):
            yield from grow([*prefix, b])

    yield from grow([])


def instances(search: _Search, rng: random.Random, *, proof: bool = False) -> Iterator[Instance]:
    """The (n, assignment) instances of the step, numeric or proof set."""
    _discover(search)
    free = search.free
    if not free and not search.used_n:
        built = _build(search, 3, {})
        if built is not None:
            yield Instance(None, {}, *built)
        return
    sizes = PROOF_SIZES if proof else NUMERIC_SIZES
    for n in sizes:
        seen: set[tuple[int, ...]] = set()
        if not free:
            built = _build(search, n, {})
            if built is not None:
                yield Instance(n, {}, *built)
            continue
        if proof and search.symmetric:
            assigns = [[b + 1 for b in p] for p in _patterns(free) if max(p) < n]
        elif n <= ALL_ASSIGNMENTS_UP_TO or (proof and not search.symmetric):
            assigns = [list(a) for a in itertools.product(range(1, n + 1), repeat=len(free))]
        else:
            assigns = []
            for p in _patterns(free):
                if max(p) < n:
                    positions = rng.sample(range(1, n + 1), max(p) + 1)
                    assigns.append([positions[b] for b in p])
        for a in assigns:
            if tuple(a) in seen:
                continue
            seen.add(tuple(a))
            built = _build(search, n, dict(zip(free, a)))
            if built is not None:
                yield Instance(n, dict(zip(free, a)), *built, symmetric=search.symmetric)


# ------------------------------------------------------------------------------------------ numbers


def _iv_sigmoid(u: object) -> object:
    return 1 / (1 + iv.exp(-u))


def _iv_tanh(u: object) -> object:
    return 1 - 2 / (iv.exp(2 * u) + 1)


def _iv_sign(u: object, at_zero: str) -> int:
    """+1 or −1 for an interval on one side of 0; undefined (ValueError) for one that contains 0."""
    u = u if isinstance(u, iv.mpf) else iv.mpf(u)
    if u.a > 0:
        return 1
    if u.b < 0:
        return -1
    raise ValueError(at_zero)


def _iv_heaviside(u: object, at_zero: object = None) -> object:
    """H(u): 0 or 1 away from 0; at 0 a convention (the derivative of max(0, x) does not exist), so undefined."""
    return iv.mpf(1 if _iv_sign(u, "H(0) is a convention, not a value") > 0 else 0)


def _iv_copysign(one: object, u: object) -> object:
    return iv.mpf(_iv_sign(u, "the sign of an interval around 0"))


#: Everything the lambdified sides may call, as rigorous interval functions (outward rounding).
IV_NAMESPACE = {
    "mpf": iv.mpf,
    "exp": iv.exp,
    "log": iv.log,
    "sqrt": iv.sqrt,
    "sin": iv.sin,
    "cos": iv.cos,
    "e": iv.e,
    "pi": iv.pi,
    "sigmoid": _iv_sigmoid,
    "tanh": _iv_tanh,
    "Heaviside": _iv_heaviside,
    "copysign": _iv_copysign,
    "sinh": lambda u: (iv.exp(u) - iv.exp(-u)) / 2,
    "cosh": lambda u: (iv.exp(u) + iv.exp(-u)) / 2,
}


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


@dataclass
class PointResult:
    status: str  # equal | different | undefined | undecided
    component: int | None = None
    left: mpmath.mpf | None = None
    right: mpmath.mpf | None = None


def _finite(v: object) -> bool:
    return isinstance(v, iv.mpf) and mpmath.isfinite(v.a) and mpmath.isfinite(v.b)


def compare_at(fn: Callable, count: int, values: list[Fraction]) -> PointResult:
    """Equal, different (certified), undefined, or undecided at one exact point, in interval arithmetic.

    At each precision (96 bits, doubled up to 2¹⁴) every entry of left − right is an interval that
    contains the true difference. An interval without 0 certifies a difference; one that contains 0 and
    is narrower than 2^-(bits-24) of the sides' magnitude is agreement to that many bits; sides that
    are both within 2^-(bits/2) of 0 (from 192 bits on) agree as zero, where relative agreement means
    nothing.
    """
    saved = iv.prec
    bits = START_BITS
    try:
        while bits <= MAX_BITS:
            iv.prec = bits
            try:
                out = fn(*[iv.mpf(v.numerator) / v.denominator for v in values])
            except ComplexResult:
                return PointResult("undefined")  # outside the real domain (log of a negative number …)
            except (ZeroDivisionError, ValueError, OverflowError, TypeError, NameError):
                return PointResult("undefined")
            settled = True
            defined = False
            for k in range(count):
                a, b = out[k], out[count + k]
                a = a if isinstance(a, iv.mpf) else iv.mpf(a)
                b = b if isinstance(b, iv.mpf) else iv.mpf(b)
                if not (_finite(a) and _finite(b)):
                    settled = False
                    continue
                d = a - b
                if d.a > 0 or d.b < 0:
                    return PointResult("different", k, mpmath.mpf(a.mid.a), mpmath.mpf(b.mid.a))
                defined = True
                scale = max(abs(a.a), abs(a.b), abs(b.a), abs(b.b))
                tiny = mpmath.ldexp(1, -(bits // 2))
                if d.delta.b > scale * mpmath.ldexp(1, -(bits - 24)) and not (bits > START_BITS and scale <= tiny):
                    settled = False  # neither agreement to bits − 24 bits nor both sides 0 to bits/2 bits
            if settled and defined:
                return PointResult("equal")
            bits *= 2
        return PointResult("undefined" if not defined else "undecided")
    finally:
        iv.prec = saved


def _grid(x: float, bits: int = 10) -> Fraction:
    return Fraction(round(x * (1 << bits)), 1 << bits)


def sample_point(
    symbols: list[sp.Symbol], table: SymbolTable, env: Environment, rng: random.Random, k: int
) -> list[Fraction]:
    """Point number k: simple values first (0, 1, −1, small integers), then random dyadic reals, some large."""
    out = []
    for j, s in enumerate(symbols):
        base = table.base.get(s, "")
        lo_hi = env.domains.get(base)
        if lo_hi is not None:
            lo, hi = lo_hi
            simple = [lo, hi, (lo + hi) / 2]
            v = simple[k] if k < 3 else lo + (hi - lo) * _grid(rng.random())
            out.append(Fraction(v))
            continue
        if k == 0:
            v = Fraction(0)
        elif k == 1:
            v = Fraction(1 + j % 3)
        elif k == 2:
            v = Fraction(-1 - j % 2)
        else:
            r = rng.random()
            if r < 0.6:
                v = _grid(rng.uniform(-3, 3))
            elif r < 0.85:
                v = _grid(rng.uniform(-40, 40), 6)
            else:
                v = _grid(rng.choice([-1, 1]) * rng.uniform(40, 800), 4)
        out.append(v)
    return out


def _probability_fix(symbols: list[sp.Symbol], values: list[Fraction], table: SymbolTable, env: Environment) -> None:
    """Probability vectors: entries 1…n−1 drawn in [0, 1) with sum ≤ 1 (entry n is 1 − their sum, symbolically)."""
    for fam in env.probability:
        idx = [j for j, s in enumerate(symbols) if table.base.get(s) == fam]
        for j in idx:
            values[j] = abs(values[j]) % 1
        total = sum((values[j] for j in idx), Fraction(0))
        if total > 1:
            for j in idx:
                values[j] /= 2 * total


def _fmt(v: mpmath.mpf) -> str:
    return mpmath.nstr(v, 17, min_fixed=-6, max_fixed=17)


def _fmt_fraction(v: Fraction) -> str:
    return str(v.numerator) if v.denominator == 1 else f"{float(v):.17g}"


def numeric_check(search: _Search, rng: random.Random, deadline: float) -> tuple[str, dict | None, int, int, str]:
    """('equal'|'different'|'none', counterexample, points, instances, why-none) over the numeric instances."""
    insts = list(instances(search, rng))
    if not insts:
        why = "no size n = 2…5 and index assignment satisfies the case in force"
        if search.out_of_range:
            why = "every instance has an index past the end of a vector (explicit sum bounds beyond n = 2…5?)"
        return "none", None, 0, 0, why
    per = max(3, -(-POINTS // len(insts)))
    agreed = 0
    undefined_only = True
    for inst in insts:
        why = shapes_differ(inst.left, inst.right)
        if why:
            return "shape", {"reason": why, **_where(inst)}, agreed, len(insts), why
        pairs = [
            (k, a, b)
            for k, (a, b) in enumerate(zip(_flat(inst.left), _flat(inst.right)))
            if not (a.has(*_NOT_FINITE) or b.has(*_NOT_FINITE))  # 1/0 at this index: no value to compare
        ]
        if not pairs:
            continue
        left = [a for _, a, _ in pairs]
        right = [b for _, _, b in pairs]
        symbols = sorted(set().union(*(e.free_symbols for e in left + right)), key=lambda s: s.name)
        fn = sp.lambdify(symbols, left + right, modules=[IV_NAMESPACE])
        tries = 0
        got = 0
        while got < per and tries < 4 * per:
            if time.monotonic() > deadline:
                raise ProofTimeout("numeric check ran out of time")
            values = sample_point(symbols, search.symbols, search.env, rng, tries)
            _probability_fix(symbols, values, search.symbols, search.env)
            tries += 1
            res = compare_at(fn, len(left), values)
            if res.status == "different":
                ce = _where(inst)
                ce["point"] = {search.symbols.latex[s]: _fmt_fraction(v) for s, v in zip(symbols, values)}
                if len(_flat(inst.left)) > 1:
                    ce["component"] = pairs[res.component][0] + 1
                ce["left"] = _fmt(res.left)
                ce["right"] = _fmt(res.right)
                ce["one_sided"] = _one_sided(search, left, right)
                return "different", ce, agreed, len(insts), ""
            if res.status == "equal":
                got += 1
                agreed += 1
                undefined_only = False
            if not symbols:
                break
    if agreed == 0:
        why = "no point where both sides are defined and real" if undefined_only else "undecided at every point"
        return "none", None, 0, len(insts), why
    return "equal", None, agreed, len(insts), ""


def _one_sided(search: _Search, left: list[sp.Expr], right: list[sp.Expr]) -> list[str]:
    """Undefined vectors, decorated or multi-letter names that the right side (the new line) brings in."""
    lf = set().union(*(e.free_symbols for e in left))
    rf = set().union(*(e.free_symbols for e in right))
    env, out = search.env, []
    for sym in sorted(rf - lf, key=lambda v: v.name):
        base = search.symbols.base.get(sym, "")
        if not base or base in env.definitions or base in env.domains or base in env.probability:
            continue
        abbreviation = base in env.families or "\\" in base or (len(base) > 1 and "^" not in base)
        if abbreviation:
            out.append(search.symbols.latex[sym])
    return out


def _where(inst: Instance) -> dict:
    out: dict = {}
    if inst.n is not None:
        out["n"] = inst.n
    if inst.assign:
        out["indices"] = dict(inst.assign)
    return out


def _describe_instances(search: _Search, proof: bool) -> str:
    sizes = PROOF_SIZES if proof else NUMERIC_SIZES
    parts = []
    if search.used_n or search.free:
        parts.append(f"n = {sizes[0]}…{sizes[-1]}")
    if search.free:
        which = ", ".join(search.free)
        relabel = " (by relabelling, one per pattern of equal indices)" if proof and search.symmetric else ""
        parts.append(f"every {which}{relabel}")
    return ", ".join(parts)


def decide(
    env: Environment,
    symbols: SymbolTable,
    left: Node,
    right: Node,
    *,
    cases: tuple[Rel, ...] = (),
    seconds: float = 5.0,
    seed: str = "",
) -> Decision:
    """The verdict on ``left = right`` under the case relations in force."""
    rng = random.Random(int.from_bytes(hashlib.sha256(seed.encode()).digest()[:8], "big"))
    start = time.monotonic()
    deadline = start + seconds
    search = _Search(env, symbols, left, right, cases)
    try:
        with time_limit(seconds):
            status, ce, points, n_inst, why = numeric_check(search, rng, deadline)
    except Unsupported as exc:
        return Decision("unchecked", reason=str(exc))
    except ProofTimeout:
        return Decision("unchecked", reason=f"timed out after {seconds:g} s (numeric check)")
    except RecursionError:
        return Decision("unchecked", reason="too deeply nested to evaluate")
    if status == "shape":
        return Decision("wrong", "shapes", why, ce)
    if status == "different":
        lonely = ce.pop("one_sided", [])
        if lonely:
            # S_i on one side only, defined nowhere: most likely an abbreviation (S_i for S(θ)_i) the file
            # never spelled out. Reading it as a free variable would make a correct step 'wrong'.
            names = ", ".join(lonely)
            return Decision("unchecked", reason=f"{names} appear(s) only in the new line and is defined nowhere — "
                            f"an abbreviation? (define it, or declare it in the front matter); read as a free "
                            f"variable: {_counter_reason(ce)}")  # fmt: skip
        return Decision("wrong", "counterexample (interval arithmetic)", _counter_reason(ce), ce)
    if status == "none":
        return Decision("unchecked", reason=why)
    where = _describe_instances(search, proof=False)
    evidence = f"agrees at {points} points" + (f" ({where})" if where else "") + " to ≥ 72 bits (interval arithmetic)"
    remaining = deadline - time.monotonic()
    methods: list[str] = []
    failure = ""
    try:
        proof_search = _Search(env, symbols, left, right, cases)
        with time_limit(max(remaining, 0.05)):
            proof_insts = list(instances(proof_search, random.Random(0), proof=True))
            for inst in proof_insts:
                left_v, right_v = inst.left, inst.right
                if is_matrix(left_v) and is_matrix(right_v) and left_v.shape != right_v.shape:
                    right_v = right_v.T
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise ProofTimeout("no time left")
                proof = prove_equal(left_v, right_v, seconds=max(remaining, 0.05))
                if not proof.proved:
                    failure = proof.reason or "no method closed it"
                    break
                if proof.method not in methods:
                    methods.append(proof.method)
    except ProofTimeout:
        failure = f"no symbolic proof within {seconds:g} s"
    except (Unsupported, RecursionError) as exc:
        failure = f"SymPy could not build the proof instances: {exc}"
    if failure or not methods:
        reason = f"{evidence}; {failure or 'no proof instance'} — evidence, not proof"
        return Decision("numeric", "adaptive-precision evaluation", reason, None, points)
    where = _describe_instances(proof_search, proof=True)
    return Decision("proved", " then ".join(methods), where, None, points)


def _counter_reason(ce: dict) -> str:
    at = ", ".join(f"{k} = {v}" for k, v in ce.get("point", {}).items()) or "every point"
    extra = []
    if "n" in ce:
        extra.append(f"n = {ce['n']}")
    for k, v in ce.get("indices", {}).items():
        extra.append(f"{k} = {v}")
    if "component" in ce:
        extra.append(f"component {ce['component']}")
    scope = f" ({', '.join(extra)})" if extra else ""
    return f"at {at}{scope}: left side {ce['left']}, right side {ce['right']}"


def rounded_value(decision: Decision, left: Node, right: Node, *, approx: bool) -> Decision:
    """A side written as a rounded decimal (σ(2) = 0.8808, or ≈ 0.88) is right if it is the rounding.

    Only for constant steps (the counterexample names no variable): the exact value of the other side
    must round to the written number, |exact − written| ≤ ½·10^−decimals.
    """

    def written(node: Node) -> Num | None:
        if isinstance(node, Neg) and isinstance(node.arg, Num):
            return Num(-node.arg.value, node.arg.decimals)
        return node if isinstance(node, Num) else None

    number = written(right) or written(left)
    if decision.verdict != "wrong" or not decision.counterexample:
        if approx and decision.verdict == "proved":
            return decision
        if approx and (number is None or number.decimals is None):
            return Decision("unchecked", reason="'≈' needs a rounded decimal on one side to know how close is meant")
        return decision
    ce = decision.counterexample
    if ce.get("point") or number is None or number.decimals is None or "component" in ce or "left" not in ce:
        return decision
    exact = mpmath.mpf(ce["left"] if written(right) is not None else ce["right"])
    value = mpmath.mpf(number.value.numerator) / number.value.denominator
    if abs(exact - value) <= mpmath.mpf(5) * mpmath.mpf(10) ** (-(number.decimals + 1)) * (1 + 1e-12):
        shown = number.value.numerator / number.value.denominator
        reason = f"{exact} rounds to {shown} ({number.decimals} decimals as written) — a rounded value, not an identity"
        return Decision("numeric", "rounded value", reason)
    return decision
