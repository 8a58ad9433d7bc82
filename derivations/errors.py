"""The one exception hierarchy of `derivations` and the exit codes: a leaf module, it imports nothing of ours.

The CLI turns each `DerivationsError` into one line on stderr and `EXIT_USAGE`; anything else that
escapes is a bug of ours (`EXIT_INTERNAL`, one line, the traceback with ``DERIVATIONS_DEBUG=1``).
"""

from __future__ import annotations

#: Everything checked holds.
EXIT_OK = 0
#: Something checked is wrong (a wrong step, an identity that fails, a file that does not prove its claim).
EXIT_FAILED = 1
#: The command could not run: a bad option, an unreadable input, an unwritable output.
EXIT_USAGE = 2
#: A bug of ours.
EXIT_INTERNAL = 3
#: ``check``: nothing is wrong, but a row could not be read (so what it says was not checked).
EXIT_UNREADABLE = 4
#: Interrupted (Ctrl-C), as shells count it.
EXIT_INTERRUPTED = 130


class DerivationsError(Exception):
    """Base class: a problem the user can fix, reported in one line without a traceback."""


class InputError(DerivationsError):
    """A file or argument the user gave cannot be used (missing, empty, malformed)."""


class AssignmentError(InputError):
    """The assignment itself is wrong (its reference failed on an input): the whole run stops, no student is blamed."""


class UnknownIdentityError(DerivationsError):
    """A name that is not in the identity registry."""


class OutputError(DerivationsError):
    """A result file cannot be written where the user asked."""


# -- decisions inside the checker: each becomes an `unchecked` step (with its message as the reason),
#    never an error the user sees as such.


class ParseError(Exception):
    """A row that is not in the supported notation; ``pos`` is the character offset in the row."""

    def __init__(self, message: str, pos: int = 0) -> None:
        super().__init__(message)
        self.pos = pos


class Unsupported(Exception):
    """The expression cannot be given a value (the step is `unchecked` with this reason)."""


class ShapeMismatch(Unsupported):
    """Vectors, matrices and scalars combined in a way their shapes do not allow.

    The one error after which the evaluator tries the other reading of bare vector names (y for the
    vector of the y_i) as scalars: decided by this type, never by a message's wording.
    """


class OutOfRange(Unsupported):
    """An index past the end of a vector of explicit size, for this assignment only."""


class MissingIndex(Exception):
    """An index letter with no value yet: the caller adds it to the free indices and tries again."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


class ProofTimeout(Exception):
    """A proof method or a numeric check ran out of its budget."""

    #: How many limits ran out in this process (these, and the recursion limit where the checker catches
    #: it): a check during which it moved depended on the machine and is not cached.
    raised = 0

    def __init__(self, *args: object) -> None:
        super().__init__(*args)
        ProofTimeout.count_limit()

    @staticmethod
    def count_limit() -> None:
        """Count one limit run out (a time budget, or the recursion limit caught by the checker)."""
        ProofTimeout.raised += 1
