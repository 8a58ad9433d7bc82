"""Deciding derived = claimed symbolically: a short ladder of methods, the first that closes wins.

Each method returns a `Proof` naming itself, so `verify` and the report can say *how* an identity
was proved. Order: cheap and complete for rational functions of exponentials first (FINDINGS.md:
σ rewritten to exp and `cancel` closes 2σ(x) − 1 = tanh(x/2) where `simplify` does not), then
`simplify`, then logs expanded. Every method runs under a time limit; a method that runs out of
time is a reason (the `Proof` is undecided, not refuted), never an exception.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

import sympy as sp

from derivations.errors import ProofTimeout
from derivations.notation.functions import sigmoid, to_exp

#: The CPU-time deadlines in force, innermost last (`time_limit` nests).
_DEADLINES: list[float] = []


def cpu_time() -> float:
    """This process's CPU time (user + system), the clock every budget is counted in."""
    return time.process_time()


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise ProofTimeout once this process has spent ``seconds`` of CPU time in the block.

    A budget in CPU time, not wall time: other processes on the machine cannot make it run out, so
    the machine's load never changes a verdict. Limits nest (the earliest deadline wins, and the
    outer one is restored on exit). SIGPROF in the main thread; no limit in other threads.
    """
    if seconds <= 0 or threading.current_thread() is not threading.main_thread():
        yield
        return
    deadline = cpu_time() + seconds
    if _DEADLINES:
        deadline = min(deadline, _DEADLINES[-1])

    def _expire(signum: int, frame: object) -> None:
        raise ProofTimeout(f"no result within {seconds:g} s of CPU time")

    previous = signal.signal(signal.SIGPROF, _expire)
    _DEADLINES.append(deadline)
    signal.setitimer(signal.ITIMER_PROF, max(deadline - cpu_time(), 1e-4))
    try:
        yield
    finally:
        _DEADLINES.pop()
        if _DEADLINES:
            signal.setitimer(signal.ITIMER_PROF, max(_DEADLINES[-1] - cpu_time(), 1e-4))
        else:
            signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)


@dataclass(frozen=True)
class Proof:
    """derived − claimed reduced to 0 by ``method`` (or not: ``proved`` False, with the reason).

    ``remainder`` is what the last method that finished left; ``timed_out`` names the methods that ran
    out of time, any of which might have closed the difference.
    """

    proved: bool
    method: str
    seconds: float
    remainder: sp.Expr | sp.MatrixBase | None = None
    reason: str = ""
    timed_out: tuple[str, ...] = ()

    @property
    def undecided(self) -> bool:
        """Not proved because a method ran out of time (it might have closed the difference), not refuted."""
        return not self.proved and bool(self.timed_out)


def _cancel(diff: sp.Expr) -> sp.Expr:
    return sp.cancel(to_exp(diff))


def _cancel_groups(diff: sp.Expr) -> sp.Expr:
    """A sum whose terms fall into groups sharing no exponential (the rows of a batch): cancel each group.

    Zero if every group cancels; a common denominator of all rows at once is far costlier than the
    rows one by one (m = 4 rows of the batch MSE: 6.8 s → well under a second).
    """
    expr = sp.expand_mul(to_exp(diff), deep=False)
    terms = sp.Add.make_args(expr)
    if len(terms) < 2:
        return sp.cancel(expr)
    atoms = [frozenset(t.atoms(sp.exp)) for t in terms]
    parent = list(range(len(terms)))

    def find(k: int) -> int:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    owner: dict[sp.Basic, int] = {}
    for k, group in enumerate(atoms):
        for a in group:
            if a in owner:
                parent[find(k)] = find(owner[a])
            else:
                owner[a] = k
    groups: dict[int, list[sp.Expr]] = {}
    for k, t in enumerate(terms):
        groups.setdefault(find(k), []).append(t)
    if len(groups) < 2:
        return sp.cancel(expr)
    return sp.Add(*[sp.cancel(sp.Add(*g)) for g in groups.values()])


def _cancel_exp(diff: sp.Expr) -> sp.Expr:
    return sp.cancel(sp.expand(to_exp(diff), power_exp=True))


def _simplify(diff: sp.Expr) -> sp.Expr:
    return sp.simplify(to_exp(diff))


def _expand_log(diff: sp.Expr) -> sp.Expr:
    """log(ab) → log a + log b and log(a^r) → r log a only where SymPy knows a, b > 0 (σ, exp, a positive
    variable): forced, the rules would prove log(z²) = 2 log z, false at z = −1."""
    return sp.simplify(sp.expand_log(to_exp(diff)))


def _piecewise(diff: sp.Expr) -> sp.Expr:
    """max, min, |·| and cases as one piecewise function, simplified branch by branch."""
    if not diff.has(sp.Max, sp.Min, sp.Abs, sp.Piecewise, sp.Heaviside):
        return diff
    return sp.simplify(sp.piecewise_fold(to_exp(diff).rewrite(sp.Piecewise)))


def _expand(diff: sp.Expr) -> sp.Expr:
    """Multiplied out with σ, exp and log kept whole, σ(−u) written 1 − σ(u) (SymPy's σ' is σ(u)σ(−u)): a
    polynomial identity in them, as a chain rule's factors are."""
    reflected = diff.replace(
        lambda e: isinstance(e, sigmoid) and e.args[0].could_extract_minus_sign(),
        lambda e: 1 - sigmoid(-e.args[0]),
    )
    return sp.expand(reflected, power_exp=False, log=False)


METHODS: Mapping[str, Callable[[sp.Expr], sp.Expr]] = {
    "expand": _expand,
    "rewrite(exp) + cancel, group by group": _cancel_groups,
    "rewrite(exp) + cancel": _cancel,
    "rewrite(exp) + expand exponentials + cancel": _cancel_exp,
    "simplify": _simplify,
    "expand_log + simplify": _expand_log,
    "rewrite(Piecewise) + simplify": _piecewise,
}


def _is_zero(expr: sp.Expr | sp.MatrixBase) -> bool:
    if isinstance(expr, sp.MatrixBase):
        return all(e == 0 for e in expr)
    return expr == 0


def prove_equal(
    derived: sp.Expr | sp.MatrixBase,
    claimed: sp.Expr | sp.MatrixBase,
    *,
    substitutions: Mapping[sp.Basic, sp.Expr] | None = None,
    signs: Mapping[sp.Symbol, str] | None = None,
    seconds: float = 10.0,
) -> Proof:
    """Show derived − claimed = 0 (after ``substitutions``, e.g. y_n = 1 − Σ_{j<n} y_j), for every real value
    of each symbol — of the sign ``signs`` gives it (``"positive"``, ``"nonnegative"``, ``"negative"``,
    ``"nonpositive"``), where the step's condition keeps it."""
    diff = derived - claimed
    if substitutions:
        diff = diff.subs(substitutions)
    if signs:
        diff = diff.xreplace({s: sp.Dummy(s.name, real=True, **{sign: True}) for s, sign in signs.items()})
    if _is_zero(diff):  # the two sides evaluate to the same expression
        return Proof(True, "identical", 0.0)
    reasons: list[str] = []
    timed_out: list[str] = []
    remainder: sp.Expr | sp.MatrixBase | None = None
    start = time.perf_counter()
    for name, method in METHODS.items():
        t0 = time.perf_counter()
        try:
            with time_limit(seconds):
                reduced = diff.applyfunc(method) if isinstance(diff, sp.MatrixBase) else method(diff)
        except ProofTimeout as exc:
            reasons.append(f"{name}: {exc}")
            timed_out.append(name)
            continue
        if _is_zero(reduced):
            return Proof(True, name, time.perf_counter() - t0)
        remainder = reduced
        reasons.append(f"{name}: left a non-zero remainder")
    return Proof(False, "", time.perf_counter() - start, remainder, "; ".join(reasons), tuple(timed_out))
