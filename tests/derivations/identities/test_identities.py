"""Every identity of the registry: each part proved symbolically, each cross-check within tolerance."""

from __future__ import annotations

import pytest
import sympy as sp
from hypothesis import settings

from derivations.identities import IDENTITIES, get
from derivations.identities.identity import Identity
from derivations.notation.functions import sigmoid
from derivations.verify.crosscheck import run_check
from derivations.verify.run import prove_identity

CHECKS = [(ident, check) for ident in IDENTITIES for check in ident.checks]


@pytest.mark.parametrize("identity", IDENTITIES, ids=lambda i: i.name)
def test_every_part_is_proved_symbolically(identity: Identity) -> None:
    for part, proof in prove_identity(identity):
        assert proof.proved, f"{identity.name}: {part.label} not proved: {proof.reason}"


#: Examples per cross-check at most: the complex step of the batch CE costs ~0.4 s an example (its exact
#: reference escalates precision), so 200 of them alone took 77 s of the suite's 5 minutes.
MAX_CROSS_CHECK_EXAMPLES = 80


@pytest.mark.parametrize(("identity", "check"), CHECKS, ids=[f"{i.name}:{c.against}" for i, c in CHECKS])
def test_cross_check_within_tolerance(identity: Identity, check) -> None:
    examples = min(settings.default.max_examples, MAX_CROSS_CHECK_EXAMPLES)
    result = run_check(identity.name, check, max_examples=examples)
    assert result.passed, result.message
    assert result.examples >= min(examples, 10)


def test_registry_names_are_the_issues_names() -> None:
    assert [i.name for i in IDENTITIES] == [
        "sigmoid-derivative",
        "sigmoid-reflection",
        "sigmoid-derivative-symmetric",
        "softmax-jacobian",
        "ce-softmax-gradient",
        "mse-layer-gradients",
        # issue 6
        "mse-layer-batch-gradients",
        "softmax-regression-gradients",
        "bce-sigmoid-gradient",
        "tanh-derivative",
        "tanh-sigmoid-relation",
        "logsumexp-gradient",
        "relu-subgradient",
        "xor-network-gradients",
    ]


def test_general_n_is_declared_where_a_symbolic_size_was_proved() -> None:
    general = {i.name for i in IDENTITIES if i.general_n}
    assert general == {"softmax-jacobian", "ce-softmax-gradient", "mse-layer-gradients", "logsumexp-gradient"}
    for identity in IDENTITIES:
        symbolic = [p for p in identity.parts() if p.general]
        assert bool(symbolic) == identity.general_n, identity.name
        # the report's reader sees which parts those are by their label
        assert all(p.label.startswith("general") == p.general for p in identity.parts()), identity.name


def test_derived_sides_are_evaluated_derivatives() -> None:
    """The left side is a value SymPy computed: no unevaluated Derivative survives in it."""
    for identity in IDENTITIES:
        for part in identity.parts():
            assert not part.derived.has(sp.Derivative), f"{identity.name}: {part.label} left unevaluated"


def test_sigmoid_fdiff_is_the_derivative_of_the_definition() -> None:
    x = sp.Symbol("x", real=True)
    from_rule = sp.diff(sigmoid(x), x).rewrite(sp.exp)
    from_definition = sp.diff(sigmoid(x).rewrite(sp.exp), x)
    assert sp.cancel(from_rule - from_definition) == 0


def test_unknown_identity_names_the_known_ones() -> None:
    with pytest.raises(Exception, match="sigmoid-derivative"):
        get("sigmoid-derivatve")
