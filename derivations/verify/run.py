"""`derivations verify` as data: every identity proved symbolically and cross-checked."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from derivations.identities.identity import Identity, Part
from derivations.verify.crosscheck import CheckResult, run_check
from derivations.verify.prove import Proof, prove_equal


@dataclass(frozen=True)
class IdentityResult:
    """One identity's verdicts: the symbolic proof of each part and each cross-check."""

    name: str
    statement: str
    source: str
    symbolic: str
    proved: bool
    parts: tuple[tuple[str, bool, str], ...]
    checks: tuple[CheckResult, ...]
    general_n: bool

    @property
    def passed(self) -> bool:
        """Proved and every cross-check within tolerance."""
        return self.proved and all(c.passed for c in self.checks)

    def to_json(self) -> dict[str, Any]:
        """The object of `verify --json`'s ``identities`` list."""
        return {
            "name": self.name,
            "statement": self.statement,
            "source": self.source,
            "symbolic": self.symbolic,
            "passed": self.passed,
            "general_n": self.general_n,
            "parts": [{"label": label, "proved": ok, "method": how} for label, ok, how in self.parts],
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
    identity: Identity, *, max_examples: int = 100, seconds: float = 10.0, progress: Progress | None = None
) -> IdentityResult:
    """Prove every part, then run every cross-check."""
    if progress:
        progress(f"{identity.name}: symbolic proof")
    proofs = prove_identity(identity, seconds)
    parts = tuple((part.label, proof.proved, proof.method if proof.proved else proof.reason) for part, proof in proofs)
    proved = all(ok for _, ok, _ in parts)
    methods = sorted({how for _, ok, how in parts if ok})
    if proved:
        symbolic = f"proved ({', '.join(methods)}; {len(parts)} parts)"
    else:
        failed = [label for label, ok, _ in parts if not ok]
        symbolic = f"not proved: {', '.join(failed)}"
    checks = []
    for check in identity.checks:
        if progress:
            progress(f"{identity.name}: {check.against}")
        checks.append(run_check(identity.name, check, max_examples=max_examples))
    return IdentityResult(
        identity.name, identity.statement, identity.source, symbolic, proved, parts, tuple(checks), identity.general_n
    )


def verify(
    identities: Iterable[Identity], *, max_examples: int = 100, seconds: float = 10.0, progress: Progress | None = None
) -> VerifyResult:
    """Every identity, in registry order."""
    return VerifyResult(
        tuple(verify_identity(i, max_examples=max_examples, seconds=seconds, progress=progress) for i in identities)
    )
