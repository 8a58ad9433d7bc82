"""LaTeX markup shared by the report and by Jupyter (`_repr_latex_`): verdict marks, steps, identities.

Formulas from the notes are copied as written when every command in them is one the report's
preamble knows (the parser only accepts such rows; justifications are checked here); otherwise they
are shown verbatim in typewriter type, so a strange line can never break the document. Prose is
escaped; Greek and other mathematical Unicode become LaTeX; Hangul is left out (pdflatex without
``kotex`` cannot set it) and replaced by a bracketed note saying so.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
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
\providecommand{\vunchecked}{\textcolor{Purple}{?\ unchecked}}
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

UNICODE_TEXT = {
    "σ": r"\ensuremath{\sigma}", "θ": r"\ensuremath{\theta}", "ŷ": r"\ensuremath{\hat{y}}",
    "∂": r"\ensuremath{\partial}", "−": "-", "Σ": r"\ensuremath{\Sigma}", "δ": r"\ensuremath{\delta}",
    "≥": r"\ensuremath{\geq}", "≤": r"\ensuremath{\leq}", "²": r"\ensuremath{^2}", "·": r"\ensuremath{\cdot}",
    "…": r"\ldots{}", "ℝ": r"\ensuremath{\mathbb{R}}", "∈": r"\ensuremath{\in}", "→": r"\ensuremath{\to}",
    "⇒": r"\ensuremath{\Rightarrow}", "∴": r"\ensuremath{\therefore}", "∵": r"\ensuremath{\because}",
    "≈": r"\ensuremath{\approx}", "×": r"\ensuremath{\times}", "′": "'", "⊙": r"\ensuremath{\odot}",
    "α": r"\ensuremath{\alpha}", "ε": r"\ensuremath{\varepsilon}", "γ": r"\ensuremath{\gamma}",
    "∇": r"\ensuremath{\nabla}", "±": r"\ensuremath{\pm}", "≠": r"\ensuremath{\neq}", "√": r"\ensuremath{\surd}",
    "∞": r"\ensuremath{\infty}", "ᵀ": r"\ensuremath{^\top}", "ⁿ": r"\ensuremath{^n}", "–": "--", "—": "---",
    "’": "'", "‘": "`", "“": "``", "”": "''", "§": r"\S{}", "≔": ":=", "✓": r"\ensuremath{\checkmark}",
    "✗": r"\ensuremath{\times}", "λ": r"\ensuremath{\lambda}", "μ": r"\ensuremath{\mu}", "π": r"\ensuremath{\pi}",
    "ᵢ": r"\ensuremath{_i}", "ⱼ": r"\ensuremath{_j}", "ₖ": r"\ensuremath{_k}", "₁": r"\ensuremath{_1}",
}  # fmt: skip
HANGUL = re.compile(r"[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]+(?:[\s\u1100-\u11ff\u3130-\u318f\uac00-\ud7af.,]*)")
SPECIALS = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&", "#": r"\#", "^": r"\^{}",
            "_": r"\_", "%": r"\%", "~": r"\textasciitilde{}", "<": r"\textless{}", ">": r"\textgreater{}",
            "|": r"\textbar{}"}  # fmt: skip


def escape_text(text: str) -> str:
    """Prose for the document: specials escaped, mathematical Unicode as LaTeX, Hangul left out."""
    text = HANGUL.sub("\x00", text)
    out = []
    for ch in text:
        if ch == "\x00":
            out.append(r"\textit{[Korean text not typeset]} ")
        elif ch in SPECIALS:
            out.append(SPECIALS[ch])
        elif ch in UNICODE_TEXT:
            out.append(UNICODE_TEXT[ch])
        elif ord(ch) < 128:
            out.append(ch)
        else:
            out.append("?")
    return "".join(out)


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
    return rf"\adjustbox{{max width={width}}}{{$\displaystyle {math}$}}"


def counterexample_text(step: StepLike) -> str:
    """The counterexample of a wrong step as a sentence (LaTeX)."""
    ce = step.counterexample
    if ce is None or not ce.has_values:
        return escape_text(step.reason)
    point = ", ".join(f"{k} = {format_point(v)}" for k, v in ce.point.items() if math_is_safe(k))
    scope = ce.scope()
    if ce.component is not None:
        scope.append(f"\\text{{component }} {ce.component}")
    where = f"${point}$" if point else "every point"
    if scope:
        where += f" (${', '.join(scope)}$)"
    text = f"counterexample at {where}: left side ${format_number(ce.left)}$, right side ${format_number(ce.right)}$"
    if step.returns_to_line is not None:
        back = _place(step.returns_to_line, getattr(step, "returns_to_cell", None))
        text += f"; the next line equals {back} again, so only this line is wrong"
    return text


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


def identity_align(identity: object, *, fit: bool = True) -> str:
    """An identity's statement (notes' notation) and the derivation SymPy carried out, one ``align*``."""
    rows = []
    for eq in getattr(identity, "notation", ()):
        claim = _fit(formula(eq), r"0.6\linewidth") if fit else formula(eq)
        rows.append(f"  & \\text{{claim}} && {claim}")
    for label, eq in identity.derivation():
        math = sp.latex(eq)
        body = _fit(math, r"0.6\linewidth") if fit else math
        rows.append(f"  & \\text{{{escape_text(label) if fit else _mathjax_text(label)}}} && {body}")
    return "\\begin{align*}\n" + " \\\\\n".join(rows) + "\n\\end{align*}"


def _mathjax_text(text: str) -> str:
    return re.sub(r"[{}\\$&#^_%~]", "", text)
