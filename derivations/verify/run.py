"""`derivations verify` as data: every identity proved symbolically and cross-checked."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from derivations.identities.identity import Identity, Part
from derivations.verdict import Verdict
from derivations.verify.crosscheck import CheckResult, run_check
from derivations.verify.prove import Proof, prove_equal


@dataclass(frozen=True)
class PartResult:
    """One part's symbolic result: proved by the method ``how``, or not, ``how`` then saying why."""

    label: str
    proved: bool
    how: str
    #: A step of the proof for a symbolic size (`Part.general`).
    general: bool = False
    #: Not proved because a method ran out of time (it might have closed the difference): no refutation.
    undecided: bool = False

    @classmethod
    def of(cls, part: Part, proof: Proof) -> PartResult:
        """The result of ``part`` under ``proof``."""
        return cls(
            part.label, proof.proved, proof.method if proof.proved else proof.reason, part.general, proof.undecided
        )


@dataclass(frozen=True)
class IdentityResult:
    """One identity's verdicts: the symbolic proof of each part and each cross-check."""

    name: str
    statement: str
    source: str
    symbolic: str
    proved: bool
    parts: tuple[PartResult, ...]
    checks: tuple[CheckResult, ...]
    general_n: bool

    @property
    def passed(self) -> bool:
        """Proved and every cross-check within tolerance."""
        return self.proved and all(c.passed for c in self.checks)

    @property
    def symbolic_verdict(self) -> Verdict:
        """PROVED when every part is; WRONG only when a cross-check found numbers that disagree (a
        counterexample); UNCHECKED otherwise — a remainder the methods left, or a method out of time,
        is not a counterexample."""
        if self.proved:
            return Verdict.PROVED
        if any(not c.passed for c in self.checks):
            return Verdict.WRONG
        return Verdict.UNCHECKED

    def to_json(self) -> dict[str, Any]:
        """The object of `verify --json`'s ``identities`` list."""
        return {
            "name": self.name,
            "statement": self.statement,
            "source": self.source,
            "symbolic": self.symbolic,
            "passed": self.passed,
            "general_n": self.general_n,
            "parts": [dict(label=p.label, proved=p.proved, method=p.how) for p in self.parts],
            "checks": [c.to_json() for c in self.checks],
        }


@dataclass(frozen=True)
class VerifyResult:
    """All identities' results."""

    identities: tuple[IdentityResult, ...]

    @property
    def passed(self) -> bool:
        """True iff every identity holds."""
        return all(i.passed for i in self.identities)

    def to_json(self) -> dict[str, Any]:
        """``{"passed", "identities": [...]}``."""
        return {"passed": self.passed, "identities": [i.to_json() for i in self.identities]}


def prove_part(part: Part, seconds: float = 10.0) -> Proof:
    """derived − claimed = 0 for one part, under the part's substitutions (its assumptions)."""
    return prove_equal(part.derived, part.claimed, substitutions=part.substitutions, seconds=seconds)


def prove_identity(identity: Identity, seconds: float = 10.0) -> list[tuple[Part, Proof]]:
    """Every part of ``identity`` with its proof, in order."""
    return [(part, prove_part(part, seconds)) for part in identity.parts()]


Progress = Callable[[str], None]


def verify_identity(
    identity: Identity,
    *,
    max_examples: int = 100,
    seconds: float = 10.0,
    progress: Progress | None = None,
    done: Progress | None = None,
) -> IdentityResult:
    """Prove every part, then run every cross-check (``done("check")`` after each, ``done("identity")`` at the end)."""
    if progress:
        progress(f"{identity.name}: symbolic proof")
    parts = tuple(PartResult.of(part, proof) for part, proof in prove_identity(identity, seconds))
    proved = all(p.proved for p in parts)
    checks = []
    for check in identity.checks:
        if progress:
            progress(f"{identity.name}: {check.against}")
        checks.append(run_check(identity.name, check, max_examples=max_examples))
        if done:
            done("check")
    if done:
        done("identity")
    return IdentityResult(
        identity.name,
        identity.statement,
        identity.source,
        symbolic_text(parts),
        proved,
        parts,
        tuple(checks),
        identity.general_n,
    )


def symbolic_text(parts: Sequence[PartResult]) -> str:
    """``proved (methods; k parts)``, or ``not proved: …`` and/or ``undecided (out of time): …`` naming the parts."""
    if all(p.proved for p in parts):
        methods = sorted({p.how for p in parts})
        return f"proved ({', '.join(methods)}; {len(parts)} part{'' if len(parts) == 1 else 's'})"
    failed = [p.label for p in parts if not p.proved and not p.undecided]
    undecided = [p.label for p in parts if p.undecided]
    pieces = []
    if failed:
        pieces.append(f"not proved: {', '.join(failed)}")
    if undecided:
        pieces.append(f"undecided (out of time): {', '.join(undecided)}")
    return "; ".join(pieces)


def verify(
    identities: Iterable[Identity],
    *,
    max_examples: int = 100,
    seconds: float = 10.0,
    progress: Progress | None = None,
    done: Progress | None = None,
) -> VerifyResult:
    """Every identity, in registry order (``done`` as in `verify_identity`)."""
    return VerifyResult(
        tuple(
            verify_identity(i, max_examples=max_examples, seconds=seconds, progress=progress, done=done)
            for i in identities
        )
    )
