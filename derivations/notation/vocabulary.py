"""The notation's vocabulary: one record per function, constant, letter or command the notes may write.

Every stage reads its facts from here and nowhere else: the tokenizer and parser (spellings,
arity, whether an argument may follow without parentheses), the evaluator (the SymPy meaning),
the step checker's interval arithmetic (the rigorous form of what `lambdify` prints), `verify`'s
float and exact evaluators (the NumPy and mpmath forms), and the report (whether a command may be
copied into the document as written). Adding a function is adding one `Function` record.
"""

from __future__ import annotations

import difflib
import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from functools import cache
from typing import Any

import mpmath
import sympy as sp
from mpmath import iv
from mpmath.libmp import mpf_atan

from derivations.errors import Unsupported
from derivations.notation.functions import sigmoid


def _iv_sign(u: Any, at_zero: str) -> int:
    """+1 or −1 for an interval on one side of 0; undefined (ValueError) for one that contains 0."""
    u = u if isinstance(u, iv.mpf) else iv.mpf(u)
    if u.a > 0:
        return 1
    if u.b < 0:
        return -1
    raise ValueError(at_zero)


def _iv_heaviside(u: Any, at_zero: Any = None) -> Any:
    """H(u): 0 or 1 away from 0; at 0 a convention (the derivative of max(0, x) does not exist), so undefined."""
    return iv.mpf(1 if _iv_sign(u, "H(0) is a convention, not a value") > 0 else 0)


def _iv_copysign(one: Any, u: Any) -> Any:
    """sign(u) away from 0 (SymPy prints sign(u) as copysign(1, u))."""
    return iv.mpf(_iv_sign(u, "the sign of an interval around 0"))


def _iv_increasing(mpf_fn: Callable[..., Any]) -> Callable[[Any], Any]:
    """The interval form of an increasing function from mpmath's directed-rounding kernel (``mpf_atan``):
    [f(a) rounded down, f(b) rounded up] encloses f over [a, b]."""

    def f(u: Any) -> Any:
        u = u if isinstance(u, iv.mpf) else iv.mpf(u)
        a, b = u._mpi_
        return iv.make_mpf((mpf_fn(a, iv.prec, "f"), mpf_fn(b, iv.prec, "c")))

    return f


def _kronecker(i: sp.Expr, j: sp.Expr) -> sp.Expr:
    """δ_ij for two whole-number indices."""
    if not (isinstance(i, sp.Integer) and isinstance(j, sp.Integer)):
        raise Unsupported("the Kronecker delta needs two indices")
    return sp.Integer(int(i == j))


def _softmax(v: sp.MatrixBase) -> sp.MatrixBase:
    """softmax(v)_j = e^{v_j} / Σ_k e^{v_k}."""
    total = sp.Add(*[sp.exp(e) for e in v])
    return v.applyfunc(lambda e: sp.exp(e) / total)


def _logsumexp(v: sp.MatrixBase) -> sp.Expr:
    """log Σ_k e^{v_k}."""
    return sp.log(sp.Add(*[sp.exp(e) for e in v]))


def _diag(v: sp.MatrixBase) -> sp.MatrixBase:
    """diag(v): the square matrix with v on its diagonal."""
    if 1 not in v.shape:
        raise Unsupported("diag needs a vector")
    return sp.diag(*list(v))


def _trace(m: sp.MatrixBase) -> sp.Expr:
    """tr(M) = Σ_i M_ii of a square matrix."""
    if m.shape[0] != m.shape[1]:
        raise Unsupported("the trace of a matrix that is not square")
    return m.trace()


def _relu(u: sp.Expr) -> sp.Expr:
    """max(0, u) as a piecewise function."""
    return sp.Piecewise((u, u > 0), (0, True))


def _mp_sigmoid(u: mpmath.mpf) -> mpmath.mpf:
    return 1 / (1 + mpmath.exp(-u))


#: The whole-number bases of \\log_b besides 2 and 10 (and e): log_3 9 = 2 in a worked example.
LOG_BASES = (3, 4, 5, 6, 7, 8, 9, 16)


@dataclass(frozen=True)
class Function:
    """A function the notes may apply: how it is spelled, what it means, how each stage evaluates it.

    ``commands`` are LaTeX commands (``sigma`` for ``\\sigma``), which the report may copy; ``words``
    are spellings as letters, bare, inside ``\\text{}``/``\\operatorname{}`` or as a made-up command
    (``softmax``, ``ReLU``, ``\\softmax``), in any letter case when ``any_case``. ``sympy`` is the meaning:
    a function of ``arity`` SymPy scalars, or of one column vector when ``vector``. ``printed`` is
    the name `lambdify` prints for that meaning, and ``interval``/``mpmath``/``numpy`` are what the
    printed name stands for in certified interval arithmetic, in exact evaluation, and in float64
    (``module:attribute``; None where NumPy's own function of that name is right).
    """

    name: str
    sympy: Callable[..., Any]
    commands: tuple[str, ...] = ()
    words: tuple[str, ...] = ()
    arity: int = 1
    any_case: bool = False
    vector: bool = False
    bare_operand: bool = False
    differentiable: bool = True
    printed: str | None = None
    interval: Callable[..., Any] | None = None
    mpmath: Callable[..., Any] | None = None
    numpy: str | None = None
    typeset: bool = True
    inverse: str | None = None  # the record of f^{-1} (σ^{-1} is the logit)


#: The functions, in no particular order. σ is the logistic sigmoid unless a file rebinds it.
FUNCTIONS: tuple[Function, ...] = (
    Function("sigmoid", sigmoid, ("sigma",), ("sigma", "sigmoid"), any_case=True, printed="sigmoid", inverse="logit",
             interval=lambda u: 1 / (1 + iv.exp(-u)), mpmath=_mp_sigmoid, numpy="numeric:sigmoid"),
    Function("softmax", _softmax, (), ("softmax",), any_case=True, vector=True, differentiable=False),
    Function("logsumexp", _logsumexp, (), ("logsumexp",), vector=True, differentiable=False),
    Function("diag", _diag, (), ("diag",), vector=True, differentiable=False),
    Function("trace", _trace, (), ("tr", "trace"), vector=True, differentiable=False),
    Function("sech", lambda u: 1 / sp.cosh(u), (), ("sech",)),
    Function("factorial", sp.factorial, (), ("factorial",), differentiable=False),
    Function("log2", lambda u: sp.log(u) / sp.log(2), (), ("log2",), bare_operand=True),
    Function("log10", lambda u: sp.log(u) / sp.log(10), (), ("log10",), bare_operand=True),
    *(Function(f"log{b}", lambda u, b=b: sp.log(u) / sp.log(b), (), (f"log{b}",), bare_operand=True)
      for b in LOG_BASES),
    Function("logit", lambda p: sp.log(p / (1 - p)), (), ("logit",), inverse="sigmoid"),
    Function("log", sp.log, ("log", "ln"), ("log", "ln"), bare_operand=True, printed="log",
             interval=iv.log, mpmath=mpmath.log, inverse="exp"),
    Function("exp", sp.exp, ("exp",), ("exp",), bare_operand=True, printed="exp", interval=iv.exp,
             mpmath=mpmath.exp, inverse="log"),
    Function("tanh", sp.tanh, ("tanh",), ("tanh",), bare_operand=True, printed="tanh",
             interval=lambda u: 1 - 2 / (iv.exp(2 * u) + 1), mpmath=mpmath.tanh, inverse="artanh"),
    Function("artanh", lambda u: sp.log((1 + u) / (1 - u)) / 2, (), ("artanh", "arctanh"), inverse="tanh"),
    Function("sinh", sp.sinh, ("sinh",), ("sinh",), bare_operand=True, printed="sinh",
             interval=lambda u: (iv.exp(u) - iv.exp(-u)) / 2, mpmath=mpmath.sinh),
    Function("cosh", sp.cosh, ("cosh",), ("cosh",), bare_operand=True, printed="cosh",
             interval=lambda u: (iv.exp(u) + iv.exp(-u)) / 2, mpmath=mpmath.cosh),
    Function("sin", sp.sin, ("sin",), ("sin",), bare_operand=True, printed="sin", interval=iv.sin,
             mpmath=mpmath.sin),
    Function("cos", sp.cos, ("cos",), ("cos",), bare_operand=True, printed="cos", interval=iv.cos,
             mpmath=mpmath.cos),
    Function("atan", sp.atan, ("arctan",), ("arctan",), bare_operand=True, printed="atan",
             interval=_iv_increasing(mpf_atan), mpmath=mpmath.atan),
    Function("max", sp.Max, ("max",), ("max",), arity=2, differentiable=False),
    Function("min", sp.Min, ("min",), ("min",), arity=2, differentiable=False),
    Function("relu", _relu, (), ("relu", "ReLU")),
    Function("softplus", lambda u: sp.log(1 + sp.exp(u)), (), ("softplus",)),
    Function("kronecker", _kronecker, (), (), arity=2, differentiable=False, typeset=False),
)  # fmt: skip

#: Names SymPy itself prints in a lambdified expression (not spelled by authors), with their forms.
SYMPY_OUTPUTS: Mapping[str, Any] = {
    "mpf": iv.mpf,
    "sqrt": iv.sqrt,
    "e": iv.e,
    "pi": iv.pi,
    "Heaviside": _iv_heaviside,
    "copysign": _iv_copysign,
}


class Role(Enum):
    """What a command (other than a function) is in the notation."""

    CONSTANT = "a constant"  # \pi, \infty
    LETTER = "a letter"  # \alpha … \Omega, \ell: a name
    DECORATION = "a decoration"  # \hat{y}: part of a name
    TEXT = "text"  # \text{…}, \operatorname{…}: a word, kept whole
    SPACING = "spacing"  # \quad, \,: ignored inside a formula
    SIZING = "sizing"  # \left, \big: ignored
    RELATION = "a relation"  # =, \neq, \le, \approx
    IMPLICATION = "an implication"  # \Rightarrow, \therefore
    OPERATOR = "an operator"  # \cdot, \frac, \sum, \partial …: grammar
    DOTS = "an ellipsis"  # \dots: no value


@dataclass(frozen=True)
class Command:
    """A LaTeX command the notation knows, its role, and (for relations) the relation it writes."""

    name: str
    role: Role
    relation: str = ""
    typeset: bool = True


def _commands(role: Role, names: str, *, typeset: bool = True) -> tuple[Command, ...]:
    return tuple(Command(n, role, typeset=typeset) for n in names.split())


GREEK_NAMES = (
    "alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu nu xi rho tau "
    "upsilon phi varphi chi psi omega Gamma Delta Theta Lambda Xi Pi Sigma Phi Psi Omega ell"
)

COMMANDS: tuple[Command, ...] = (
    Command("pi", Role.CONSTANT),
    Command("infty", Role.CONSTANT),
    *_commands(Role.LETTER, GREEK_NAMES),
    *_commands(Role.DECORATION, "hat bar tilde vec mathbf boldsymbol dot widehat overline mathcal"),
    Command("bm", Role.DECORATION, typeset=False),
    *_commands(Role.DECORATION, "widetilde breve check", typeset=False),
    *_commands(Role.DECORATION, "cal bf", typeset=False),  # {\cal C}, {\bf x}: plain TeX's font switches
    Command("mathbb", Role.OPERATOR, typeset=False),  # \mathbb{1}[y = k]: the indicator; \mathbb{R} in declarations
    *_commands(Role.TEXT, "text operatorname mathrm textrm mathit textit mbox textbf"),
    Command("mathsf", Role.TEXT, typeset=False),
    *_commands(Role.SPACING, "quad qquad displaystyle textstyle"),
    *_commands(Role.SPACING, "nonumber notag", typeset=False),
    *_commands(Role.SPACING, "scriptstyle Huge huge LARGE Large large normalsize small", typeset=False),
    *_commands(Role.SIZING, "left right big Big bigl bigr Bigl Bigr"),
    *_commands(Role.SIZING, "bigg Bigg biggl biggr", typeset=False),
    *_commands(Role.SIZING, "limits nolimits"),  # \sum\limits_{k}: placement of the scripts only
    Command("neq", Role.RELATION, "!="),
    Command("ne", Role.RELATION, "!="),
    Command("le", Role.RELATION, "<="),
    Command("leq", Role.RELATION, "<="),
    Command("ge", Role.RELATION, ">="),
    Command("geq", Role.RELATION, ">="),
    Command("approx", Role.RELATION, "~"),
    *_commands(Role.IMPLICATION, "Rightarrow implies Longrightarrow to rightarrow therefore because"),
    *_commands(
        Role.OPERATOR,
        "frac dfrac tfrac sqrt cdot times odot circ sum prod partial nabla begin end top intercal prime pm mp "
        "in equiv lvert rvert boxed underbrace overbrace",
    ),
    *_commands(Role.DOTS, "vdots cdots ldots dots ddots"),
)

#: Common LaTeX commands the notation does not read: written on purpose, so never "corrected" to a near name
#: (``\\mathbb`` is not a typo of ``\\mathbf``).
NOT_TYPOS = frozenset(
    "mathbb mathfrak mathscr int iint oint lim limsup liminf sup inf det arg sgn binom choose "
    "overset underset stackrel forall exists cup cap subset subseteq supset supseteq mid vert Vert rangle langle "
    "sim propto cong perp parallel leftarrow Leftarrow mapsto".split()
)

#: Environments a formula may contain, and whether the report may copy them.
ENVIRONMENTS: Mapping[str, bool] = {
    "bmatrix": True,
    "pmatrix": True,
    "matrix": True,
    "Bmatrix": True,
    "cases": True,
    "aligned": True,
}


@dataclass(frozen=True)
class Vocabulary:
    """The records indexed the ways the stages look them up."""

    functions: tuple[Function, ...] = FUNCTIONS
    commands: tuple[Command, ...] = COMMANDS
    by_name: dict[str, Function] = field(init=False)
    by_command: dict[str, Function] = field(init=False)
    by_word: dict[str, Function] = field(init=False)
    roles: dict[str, Role] = field(init=False)
    relations: dict[str, str] = field(init=False)

    def __post_init__(self) -> None:
        def put(name: str, value: dict) -> None:
            object.__setattr__(self, name, value)

        put("by_name", {f.name: f for f in self.functions})
        put("by_command", {c: f for f in self.functions for c in f.commands})
        put("by_word", {w: f for f in self.functions for w in f.words})
        put("roles", {c.name: c.role for c in self.commands})
        put("relations", {c.name: c.relation for c in self.commands if c.role is Role.RELATION})

    def function_word(self, word: str) -> Function | None:
        """The function a word spells (``softmax``, ``Softmax``, ``ReLU``), or None."""
        f = self.by_word.get(word)
        if f is None:
            f = self.by_word.get(word.lower())
            if f is not None and not f.any_case:
                return None
        return f

    def function_command(self, name: str) -> Function | None:
        """The function a command spells (``\\sigma``, ``\\ln``, or a word written as one: ``\\softmax``)."""
        return self.by_command.get(name) or self.by_word.get(name)

    def commands_of(self, role: Role) -> frozenset[str]:
        """The command names with ``role``."""
        return frozenset(c.name for c in self.commands if c.role is role)

    def known_commands(self) -> frozenset[str]:
        """Every command name a formula may use: the commands' and the functions' (``\\softmax`` too)."""
        names = set(self.roles) | set(self.by_command) | {w for w in self.by_word if w.isalpha()}
        return frozenset(names)

    def did_you_mean(self, name: str) -> str:
        """`` — did you mean '\\cdot'?`` for a command the notation does not know (``cdto``), or ""."""
        if name in NOT_TYPOS:
            return ""
        close = difflib.get_close_matches(name, sorted(self.known_commands() - {name}), n=1, cutoff=0.6)
        return f" — did you mean '\\{close[0]}'?" if close else ""

    def typeset_commands(self) -> frozenset[str]:
        """Every command the report's preamble knows, so a formula using only these is copied as written."""
        names = {c.name for c in self.commands if c.typeset}
        names |= {c for f in self.functions if f.typeset for c in f.commands}
        return frozenset(names)

    def interval_namespace(self) -> dict[str, Any]:
        """What a lambdified side may call in interval arithmetic: each printed name's rigorous form."""
        out = dict(SYMPY_OUTPUTS)
        out.update({f.printed: f.interval for f in self.functions if f.printed and f.interval})
        return out

    def mpmath_namespace(self) -> dict[str, Any]:
        """Exact evaluation: the printed names that mpmath's own module does not know."""
        return {f.printed: f.mpmath for f in self.functions if f.printed and f.mpmath}

    def numpy_namespace(self) -> dict[str, Any]:
        """Float64 evaluation: the printed names whose stable form is ours, not NumPy's."""
        return {f.printed: _resolve(f.numpy) for f in self.functions if f.printed and f.numpy}


@cache
def _resolve(where: str) -> Any:
    module, attribute = where.split(":")
    return getattr(importlib.import_module(module), attribute)


VOCABULARY = Vocabulary()
