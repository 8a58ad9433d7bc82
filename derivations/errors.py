"""The one exception hierarchy of `derivations`; the CLI turns each into a one-line error."""

from __future__ import annotations


class DerivationsError(Exception):
    """Base class: a problem the user can fix, reported in one line without a traceback."""


class InputError(DerivationsError):
    """A file or argument the user gave cannot be used (missing, empty, malformed)."""


class UnknownIdentityError(DerivationsError):
    """A name that is not in the identity registry."""


class OutputError(DerivationsError):
    """A result file cannot be written where the user asked."""
