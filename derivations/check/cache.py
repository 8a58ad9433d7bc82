"""A file checked before is not checked again: the verdicts of a document, kept on disk under a key of
everything that decides them.

The key is the SHA-256 of the checker's own source code (every ``.py`` file of the package), the
versions of Python, SymPy and mpmath, the document as read (its rows, front matter and path), the
time limit and the identity it is checked against (and the machine, the versions of NumPy, gmpy2 and
python-flint, and any ``SYMPY_*``/``MPMATH_*`` setting). Change any of them and the file is checked
afresh. A check during which any limit ran out (a proof method or a numeric check stopped by its
CPU budget, the recursion limit), or that ran off the main thread (where no CPU limit can be set), is
never stored: its verdicts could differ on another run, and a cache must not keep them. Storage is
``$XDG_CACHE_HOME/derivations/check/`` (see `derivations.files.cache_dir`), in folders only the user
may write (0700), one pickle per key written atomically by this tool; a file another user could have
written is ignored, and one that cannot be read is checked afresh. Two
processes checking the same file at once (``pytest -n 2``) take a lock, so the second reads what
the first stored. ``DERIVATIONS_CACHE=0`` turns it off.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import pickle
import platform
import stat
import sys
import threading
import time
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path

from derivations.check.results import Derivation
from derivations.errors import ProofTimeout
from derivations.files import cache_dir, write_bytes_atomic
from derivations.notation.document import Document

PACKAGE = Path(__file__).resolve().parents[1]
#: Seconds to wait for another process checking the same file before checking it without waiting.
LOCK_WAIT = 120.0


@cache
def code_digest(root: Path = PACKAGE) -> str:
    """SHA-256 of every ``.py`` file under ``root`` (names and bytes) and of the versions that decide a verdict."""
    from importlib.metadata import PackageNotFoundError, version  # not the modules: a cached check imports none

    def installed(name: str) -> str:
        try:
            return version(name)
        except PackageNotFoundError:
            return "-"

    backend = [installed(n) for n in ("sympy", "mpmath", "numpy", "gmpy2", "python-flint")]
    settings = sorted((k, v) for k, v in os.environ.items() if k.startswith(("SYMPY_", "MPMATH_")))
    h = hashlib.sha256(repr((sys.version, platform.machine(), backend, settings)).encode())
    for path in sorted(root.rglob("*.py")):
        h.update(path.relative_to(root).as_posix().encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


def enabled() -> bool:
    """Whether the cache is used (``DERIVATIONS_CACHE=0`` — or false, no, off — turns it off)."""
    return os.environ.get("DERIVATIONS_CACHE", "1").strip().lower() not in ("0", "false", "no", "off")


def key_of(doc: Document, seconds: float, against: tuple[str, tuple[str, ...]] | None) -> str:
    """The key of a check: the code, the document as read, the time limit and the identity."""
    material = pickle.dumps((code_digest(), doc, float(seconds), against), protocol=5)
    return hashlib.sha256(material).hexdigest()


def _path(key: str) -> Path:
    return cache_dir("check", key[:2], f"{key}.pickle")


def _private(path: Path, *, folder: bool = False) -> bool:
    """Whether ``path`` (a regular file, or with ``folder`` a folder) and the folders it is in up to the cache's
    are the user's own, no symbolic link, and nobody else may write them."""
    root = cache_dir("check")
    try:
        for k, p in enumerate((path, *[q for q in path.parents if q.is_relative_to(root)])):
            st = p.lstat()
            if st.st_uid != os.getuid() or st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
                return False
            if not (stat.S_ISDIR(st.st_mode) if k or folder else stat.S_ISREG(st.st_mode)):
                return False  # a link, a FIFO, a device: not a file this tool wrote
    except OSError:
        return False
    return True


def load(key: str) -> Derivation | None:
    """The stored verdicts of ``key``, or None (none stored, a file someone else could have written, or one that
    cannot be read as ours)."""
    path = _path(key)
    if not _private(path):
        return None
    try:
        found = pickle.loads(path.read_bytes())  # a file of the user's own, in folders only the user can write
    except Exception:  # truncated, from another version of a class: check afresh
        return None
    return found if isinstance(found, Derivation) else None


def _make_private_dirs(path: Path) -> bool:
    """The cache's folders down to ``path``'s, created readable and writable by the user alone; whether they
    are (a folder someone else owns or may write, or a link, is not used)."""
    root = cache_dir()
    try:
        root.parent.mkdir(parents=True, exist_ok=True)
        root.mkdir(mode=0o700, exist_ok=True)
        for q in reversed([path.parent, *path.parent.parents]):
            if q.is_relative_to(root) and q != root:
                q.mkdir(mode=0o700, exist_ok=True)
    except OSError:
        return False
    return _private(path.parent, folder=True)


def store(key: str, derivation: Derivation) -> None:
    """Keep ``derivation`` under ``key`` (a cache that cannot be written is not an error)."""
    path = _path(key)
    try:
        if _make_private_dirs(path):
            write_bytes_atomic(path, pickle.dumps(derivation, protocol=5), mode=0o600)
    except Exception:  # a read-only or full disk: the check itself is done
        pass


@contextlib.contextmanager
def _locked(key: str, wait: bool = True) -> Iterator[bool]:
    """Hold the lock of ``key`` (another process checking the same file waits, then reads its result); yields
    False, holding nothing, when ``wait`` is False and another process holds it."""
    lock = _path(key).with_suffix(".lock")
    try:
        if not _make_private_dirs(lock):
            yield True  # a folder that is not the user's own: check without it
            return
        fd = os.open(lock, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK, 0o600)
    except OSError:
        yield True
        return
    try:
        deadline = time.monotonic() + (LOCK_WAIT if wait else 0)
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    # wait False: another process is checking it; a lock held longer than LOCK_WAIT (a stuck
                    # process): check without it
                    yield wait
                    return
                time.sleep(0.05)
        yield True
    finally:
        os.close(fd)


def cached(
    doc: Document,
    seconds: float,
    against: tuple[str, tuple[str, ...]] | None,
    check: Callable[[], Derivation],
    *,
    wait: bool = True,
) -> Derivation | None:
    """``check()``'s verdicts for ``doc``, from the cache when this very check was stored before.

    Stored only when no time limit ran out during ``check()`` (`ProofTimeout.raised` did not move).
    With ``wait`` False, None when another process is checking the same document now.
    """
    if not enabled():
        return check()
    key = key_of(doc, seconds, against)
    found = load(key)
    if found is not None:
        return found
    with _locked(key, wait) as held:
        if not held:
            return None
        found = load(key)  # stored by the process that held the lock
        if found is not None:
            return found
        before = ProofTimeout.raised
        derivation = check()
        # off the main thread the CPU-time limits cannot be set (signals): such a run is not kept either
        if ProofTimeout.raised == before and threading.current_thread() is threading.main_thread():
            store(key, derivation)
    return derivation
