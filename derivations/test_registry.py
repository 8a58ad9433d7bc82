"""The registry as tests: `pytest --pyargs derivations` proves and cross-checks every identity.

For course repositories that want the identities in their own CI; examples per cross-check from
``DERIVATIONS_EXAMPLES`` (default 50).
"""

from __future__ import annotations

import os

import pytest

from derivations.identities import IDENTITIES
from derivations.verify.crosscheck import run_check
from derivations.verify.run import prove_identity

EXAMPLES = int(os.environ.get("DERIVATIONS_EXAMPLES", "50"))


@pytest.mark.parametrize("identity", IDENTITIES, ids=lambda i: i.name)
def test_identity_is_proved(identity) -> None:  # type: ignore[no-untyped-def]
    failed = [(part.label, proof.reason) for part, proof in prove_identity(identity) if not proof.proved]
    assert not failed, f"{identity.name}: not proved: {failed}"


@pytest.mark.parametrize(
    ("identity", "check"),
    [(i, c) for i in IDENTITIES for c in i.checks],
    ids=[f"{i.name}: {c.against}" for i in IDENTITIES for c in i.checks],
)
def test_cross_check_holds(identity, check) -> None:  # type: ignore[no-untyped-def]
    result = run_check(identity.name, check, max_examples=EXAMPLES)
    assert result.passed, result.message
