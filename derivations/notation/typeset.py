"""LaTeX markup shared by the report and by Jupyter (`_repr_latex_`): verdict marks, steps, identities.

Formulas from the notes are copied as written when every command in them is one the report's
preamble knows (the parser only accepts such rows; justifications are checked here); otherwise they
are shown verbatim in typewriter type, so a strange line can never break the document. Prose is
escaped and otherwise given to LuaLaTeX as written, Hangul and Greek included.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from fractions import Fraction
from typing import Protocol

import sympy as sp

from derivations.notation.vocabulary import ENVIRONMENTS, VOCABULARY
from derivations.verdict import Counterexample, Verdict, format_number, format_point


class StepLike(Protocol):
    """What typesetting needs of a checked step (`derivations.check.results.Step`)."""

    line: int
    row: int
    latex: str
    verdict: Verdict
    reason: str
    case: str
    justification: str
    justification_latex: str
    counterexample: Counterexample | None
    returns_to_line: int | None


#: Macros of the verdict marks: colour and symbol, used in the margin of every step and in the legend.
VERDICT_MACROS = r"""\providecommand{\vproved}{\textcolor{ForestGreen}{\checkmark\ proved}}
\providecommand{\vnumeric}{\textcolor{BurntOrange}{$\approx$\ numeric}}
\providecommand{\vwrong}{\textcolor{red}{\boldmath$\times$\ \textbf{wrong}}}
\providecommand{\vunchecked}{\textcolor{Purple}{$\circ$\ unchecked}}
\providecommand{\vdefinition}{\textcolor{NavyBlue}{$:=$\ definition}}"""

MARK = {v: f"\\v{v.value}" for v in Verdict}
#: MathJax (Jupyter) has no xcolor names or \checkmark: the same marks in its vocabulary.
MATHJAX_MARK = {
    Verdict.PROVED: rf"\color{{green}}{{\checkmark\text{{ {Verdict.PROVED.value}}}}}",
    Verdict.NUMERIC: rf"\color{{orange}}{{\approx\text{{ {Verdict.NUMERIC.value}}}}}",
    Verdict.WRONG: rf"\color{{red}}{{\times\textbf{{ {Verdict.WRONG.value}}}}}",
    Verdict.UNCHECKED: rf"\color{{purple}}{{?\text{{ {Verdict.UNCHECKED.value}}}}}",
    Verdict.DEFINITION: rf"\color{{blue}}{{:=\text{{ {Verdict.DEFINITION.value}}}}}",
}

#: Commands a formula may use and still be copied into the document as written: those of the
#: vocabulary whose record says the preamble (LaTeX, amsmath, amssymb) defines them.
SAFE_COMMANDS: frozenset[str] = VOCABULARY.typeset_commands()
#: Environments a formula may contain and still be copied.
SAFE_ENVIRONMENTS: frozenset[str] = frozenset(name for name, copied in ENVIRONMENTS.items() if copied)

SPECIALS = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&", "#": r"\#", "^": r"\^{}",
            "_": r"\_", "%": r"\%", "~": r"\textasciitilde{}", "<": r"\textless{}", ">": r"\textgreater{}",
            "|": r"\textbar{}"}  # fmt: skip
#: Characters no font has a glyph for in running text (controls, the replacement character): dropped.
_UNSETTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f\ufffd]")


def escape_text(text: str) -> str:
    """Prose for the document: LaTeX's specials escaped; every other character, Hangul and Greek included, goes
    to LuaLaTeX as it is (the preamble's fonts and their fallback set it)."""
    return "".join(SPECIALS.get(ch, ch) for ch in _UNSETTABLE.sub("", text))


#: ``S(θ)_j``, ``δ_ij``, ``ℝ^{m×d}``, ``e^{−h}``: an index or exponent in a statement written as plain text.
_SCRIPT = re.compile(r"([_^])(\{[^{}]*\}|[^\W_]{1,2}(?![^\W\d_]))")


def _is_letter(ch: str) -> bool:
    return ch.isalpha()


def _scripted(text: str, at: int) -> bool:
    """Whether ``_``/``^`` at ``at`` follows ``)`` or a one-letter name (``y_j``, not ``relu_grad``)."""
    before = text[at - 1] if at else ""
    if before == ")":
        return True
    return _is_letter(before) and not (at >= 2 and _is_letter(text[at - 2]))


def escape_statement(text: str) -> str:
    """A statement in plain text (``ℝ^{m×d}``, ``S(θ)_j``) with its sub- and superscripts set as such."""
    out, pos = [], 0
    for m in _SCRIPT.finditer(text):
        if not _scripted(text, m.start()):
            continue
        out.append(escape_text(text[pos : m.start()]))
        body = m.group(2)[1:-1] if m.group(2).startswith("{") else m.group(2)
        command = r"\textsuperscript" if m.group(1) == "^" else r"\textsubscript"
        out.append(f"{command}{{{escape_text(body)}}}")
        pos = m.end()
    return "".join(out) + escape_text(text[pos:])


def math_is_safe(latex: str) -> bool:
    """Whether a formula uses only commands and environments the preamble knows (and no Unicode)."""
    if any(ord(c) > 127 for c in latex):
        return False
    for m in re.finditer(r"\\([A-Za-z]+)", latex):
        if m.group(1) not in SAFE_COMMANDS:
            return False
    envs = re.findall(r"\\(?:begin|end)\s*\{([^}]*)\}", latex)
    return all(e in SAFE_ENVIRONMENTS for e in envs) and _braces_nest(latex)


def _braces_nest(latex: str) -> bool:
    """Every ``}`` closes an earlier ``{`` and every ``{`` is closed (``x}{`` balances in number only)."""
    depth = 0
    for ch in latex:
        depth += {"{": 1, "}": -1}.get(ch, 0)
        if depth < 0:
            return False
    return depth == 0


def verbatim(text: str) -> str:
    """Text in typewriter type, every special escaped."""
    return r"\texttt{" + escape_text(text) + "}"


def formula(latex: str) -> str:
    """A formula as written, or verbatim if it is not safe to copy."""
    return latex if math_is_safe(latex) else r"\text{" + verbatim(latex) + "}"


def _fit(math: str, width: str = r"0.68\linewidth") -> str:
    return rf"\fitmath{{{width}}}{{{math}}}"


def _at(ce: Counterexample, *, nowhere: str) -> str:
    """``at $x = 0$ ($n = 2$, …)``: a counterexample's point (``nowhere`` when it has none) and scope, in LaTeX."""
    point = ", ".join(f"{k} = {format_point(v)}" for k, v in ce.point.items() if math_is_safe(k))
    scope = ce.scope() + ([f"\\text{{component }} {ce.component}"] if ce.component is not None else [])
    where = f"at ${point}$" if point else nowhere
    return where + (f" (${', '.join(scope)}$)" if scope else "")


def _only_this_line(step: StepLike) -> str:
    """``; the next line equals line 7 again, …`` when the chain recovers after the step, else ""."""
    if step.returns_to_line is None:
        return ""
    back = _place(step.returns_to_line, getattr(step, "returns_to_cell", None))
    return f"; the next line equals {back} again, so only this line is wrong"


def counterexample_text(step: StepLike) -> str:
    """The counterexample of a wrong step as a sentence (LaTeX)."""
    ce = step.counterexample
    if ce is None or not ce.has_values:
        return escape_text(step.reason)
    values = f"left side ${format_number(ce.left)}$, right side ${format_number(ce.right)}$"
    return f"counterexample {_at(ce, nowhere='at every point')}: {values}" + _only_this_line(step)


def _place(line: int, cell: int | None) -> str:
    """``line 12``, or in a notebook (a step with a ``cell``) ``cell 4, line 3``."""
    return f"line {line}" if cell is None else f"cell {cell}, line {line}"


def _step_math(step: StepLike) -> str:
    body = formula(step.latex)
    if step.justification_latex and math_is_safe(step.justification_latex):
        body += r"\quad " + step.justification_latex
    elif step.justification:
        body += r"\quad \text{" + escape_text(step.justification) + "}"
    return body


def derivation_align(steps: Iterable[StepLike], *, marks: Mapping[Verdict, str] = MARK, fit: bool = True) -> str:
    """Every step in one ``align*``: the formula as written, its justification, its verdict at the right.

    With ``fit`` (the report), wide rows shrink to the line and wrong or unchecked steps are followed by
    their counterexample or reason; without it (MathJax), only the rows.
    """
    items: list[tuple[bool, str]] = []
    for s in steps:
        cell = getattr(s, "cell", None)  # a notebook's step: its line is the cell's
        at = f"{s.line}" if cell is None else f"{cell}:{s.line}"
        where = f"\\text{{\\scriptsize {at}{'.' + str(s.row) if s.row > 1 else ''}}}\\quad "
        said = _place(s.line, cell).capitalize()
        case = f"\\text{{\\scriptsize case }}{formula(s.case)}:\\ " if s.case else ""
        math = _step_math(s)
        items.append((True, f"  & {where}{case}{_fit(math) if fit else math} \\tag*{{{marks[s.verdict]}}}"))
        if fit and s.verdict is Verdict.WRONG:
            items.append((False, f"  \\intertext{{\\small\\color{{red}} {said}: {counterexample_text(s)}.}}"))
        elif fit and s.verdict is Verdict.UNCHECKED:
            items.append((False, f"  \\intertext{{\\small\\color{{Purple}} {said}: {escape_text(s.reason)}.}}"))
    lines = []
    for k, (is_row, text) in enumerate(items):
        lines.append(text + (" \\\\" if is_row and k + 1 < len(items) else ""))
    return "\\begin{align*}\n" + "\n".join(lines) + "\n\\end{align*}"


#: Every formula SymPy typesets for the report, with these settings: the notes' \log (not \ln), products by
#: juxtaposition, fractions never folded into a/b.
LATEX_SETTINGS: dict[str, object] = {"ln_notation": False, "mul_symbol": None, "fold_short_frac": False}


def latex(expr: object) -> str:
    """``sympy.latex`` with `LATEX_SETTINGS`."""
    return sp.latex(expr, **LATEX_SETTINGS)


def _visible_zero(label: str, eq: object) -> str:
    """`` = 0`` after a difference that SymPy's ``simplify`` brings to 0, so the proof ends on it."""
    rhs = getattr(eq, "rhs", None)
    if not label.startswith("difference") or rhs is None or rhs == 0:
        return ""
    return " = 0" if sp.simplify(rhs) == 0 else ""


def identity_align(identity: object, *, fit: bool = True) -> str:
    """An identity's statement (notes' notation) and the derivation SymPy carried out, one ``align*``."""
    rows = []
    for eq in getattr(identity, "notation", ()):
        claim = _fit(formula(eq), r"0.6\linewidth") if fit else formula(eq)
        rows.append(f"  & \\text{{claim}} && {claim}")
    for label, eq in identity.derivation():
        math = latex(eq) + _visible_zero(label, eq)
        body = _fit(math, r"0.6\linewidth") if fit else math
        if fit:  # a label of its own width, broken over lines: the row never runs into the margin
            text = rf"\parbox[t]{{0.3\linewidth}}{{\raggedright\small {escape_text(label)}}}"
        else:
            text = rf"\text{{{_mathjax_text(label)}}}"
        rows.append(f"  & {text} && {body}")
    return "\\begin{align*}\n" + " \\\\\n".join(rows) + "\n\\end{align*}"


def _mathjax_text(text: str) -> str:
    return re.sub(r"[{}\\$&#^_%~]", "", text)


def value_words(value: object, other: object | None = None) -> str:
    """A side's value for a reader: ``1/4`` when it is that fraction to 4 ulp, else 6 significant digits
    (17 when 6 would print the two sides alike)."""
    import mpmath

    v = mpmath.mpf(value)
    if mpmath.isfinite(v) and v != 0:
        frac = Fraction(float(v)).limit_denominator(1000)
        if frac.denominator > 1 and abs(float(v) - float(frac)) <= 4 * abs(math.ulp(float(v))):
            return f"{frac.numerator}/{frac.denominator}"
    if v == int(v) and abs(v) < 10**15:
        return str(int(v))
    short = mpmath.nstr(v, 6, min_fixed=-4, max_fixed=7)
    if other is not None and short == mpmath.nstr(mpmath.mpf(other), 6, min_fixed=-4, max_fixed=7):
        return format_number(v)
    return short


def counterexample_words(step: StepLike) -> str:
    """A wrong step's counterexample as a sentence (LaTeX): ``at $x = 0$ the left side is $1/4$ and the right
    side $1/8$``, with the size, indices and component when there are any."""
    ce = step.counterexample
    if ce is None or not ce.has_values:
        return escape_text(step.reason)
    left, right = value_words(ce.left, ce.right), value_words(ce.right, ce.left)
    said = f"{_at(ce, nowhere='everywhere')} the left side is ${left}$ and the right side ${right}$"
    return said + _only_this_line(step)
