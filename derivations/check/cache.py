"""A file checked before is not checked again: the verdicts of a document, kept on disk under a key of
everything that decides them.

The key is the SHA-256 of the checker's own source code (every ``.py`` file of the package), the
versions of Python, SymPy and mpmath, the document as read (its rows, front matter and path), the
time limit and the identity it is checked against. Change any of them and the file is checked
afresh. A check during which any time limit ran out (a proof method or a numeric check stopped by its
CPU budget) is never stored: its verdicts could differ on another run, and a cache must not keep
them. Storage is ``$XDG_CACHE_HOME/derivations/check/`` (see `derivations.files.cache_dir`), one
pickle per key written atomically by this tool; one that cannot be read is checked afresh. Two
processes checking the same file at once (``pytest -n 2``) take a lock, so the second reads what
the first stored. ``DERIVATIONS_CACHE=0`` turns it off.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import pickle
import sys
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path

from derivations.check.results import Derivation
from derivations.errors import ProofTimeout
from derivations.files import cache_dir, write_bytes_atomic
from derivations.notation.document import Document

PACKAGE = Path(__file__).resolve().parents[1]


@cache
def code_digest(root: Path = PACKAGE) -> str:
    """SHA-256 of every ``.py`` file under ``root`` (names and bytes) and of the versions that decide a verdict."""
    from importlib.metadata import version  # not the modules themselves: a cached check imports no SymPy

    h = hashlib.sha256(f"{sys.version}\0{version('sympy')}\0{version('mpmath')}\0".encode())
    for path in sorted(root.rglob("*.py")):
        h.update(path.relative_to(root).as_posix().encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


def enabled() -> bool:
    """Whether the cache is used (``DERIVATIONS_CACHE=0`` turns it off)."""
    return os.environ.get("DERIVATIONS_CACHE", "1") != "0"


def key_of(doc: Document, seconds: float, against: tuple[str, tuple[str, ...]] | None) -> str:
    """The key of a check: the code, the document as read, the time limit and the identity."""
    material = pickle.dumps((code_digest(), doc, float(seconds), against), protocol=5)
    return hashlib.sha256(material).hexdigest()


def _path(key: str) -> Path:
    return cache_dir("check", key[:2], f"{key}.pickle")


def load(key: str) -> Derivation | None:
    """The stored verdicts of ``key``, or None (none stored, or a file that cannot be read as ours)."""
    try:
        data = _path(key).read_bytes()
        found = pickle.loads(data)
    except Exception:  # missing, truncated, from another version of a class: check afresh
        return None
    return found if isinstance(found, Derivation) else None


def store(key: str, derivation: Derivation) -> None:
    """Keep ``derivation`` under ``key`` (a cache that cannot be written is not an error)."""
    try:
        write_bytes_atomic(_path(key), pickle.dumps(derivation, protocol=5), make_dirs=True)
    except Exception:  # a read-only or full disk: the check itself is done
        pass


@contextlib.contextmanager
def _locked(key: str) -> Iterator[None]:
    """Hold the lock of ``key`` (another process checking the same file waits, then reads its result)."""
    lock = _path(key).with_suffix(".lock")
    try:
        lock.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError:
        yield
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def cached(
    doc: Document,
    seconds: float,
    against: tuple[str, tuple[str, ...]] | None,
    check: Callable[[], Derivation],
) -> Derivation:
    """``check()``'s verdicts for ``doc``, from the cache when this very check was stored before.

    Stored only when no time limit ran out during ``check()`` (`ProofTimeout.raised` did not move).
    """
    if not enabled():
        return check()
    key = key_of(doc, seconds, against)
    found = load(key)
    if found is not None:
        return found
    with _locked(key):
        found = load(key)  # stored by the process that held the lock
        if found is not None:
            return found
        before = ProofTimeout.raised
        derivation = check()
        if ProofTimeout.raised == before:
            store(key, derivation)
    return derivation
