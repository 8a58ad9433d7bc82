"""The child: imports one submission and answers the grader's calls. Runs inside the sandbox.

Standalone on purpose: it imports only the standard library and NumPy (never `derivations` or
`numeric`, which are not even visible in the sandbox), and is started as a script:

    python -I child.py REQUEST_FD REPLY_FD SUBMISSION NAME,NAME,…

Messages both ways: a 4-byte big-endian length, a JSON header, then as many arrays as the
header's ``arrays`` count says, each a 4-byte length and an ``.npy`` body. Replies: ``hello`` (sent
before the submission is imported: the sandbox started), ``ready`` (the functions defined),
``import_error``, ``result``, ``bad_result``, and ``exception`` with its
``kind`` (``memory`` for a MemoryError, ``recursion`` for a RecursionError, else ``exception``),
so the grader reads what failed from data, never from the message's wording. Arrays are written with
``allow_pickle=False``: an object array is refused here, and the grader loads with
``allow_pickle=False`` too, so nothing is ever unpickled. stdout and stderr go nowhere the grader
reads. Everything the submission might tamper with (``json``, ``numpy.lib.format``, ``os.write``)
is bound before it is imported; if it tampers anyway it only spoils its own replies, which the
grader checks.
"""

import importlib.util
import io
import json
import os
import struct
import sys
import traceback

import numpy as np
from numpy.lib import format as npy_format

_write = os.write
_read = os.read
_dumps = json.dumps
_loads = json.loads
_pack = struct.pack
_unpack = struct.unpack
_write_array = npy_format.write_array
_read_array = npy_format.read_array
_BytesIO = io.BytesIO
_asarray = np.asarray
_ndarray = np.ndarray
_exit = os._exit

# The protocol's bounds: the grader's sandbox.py spells the same (tests/…/test_protocol.py checks it).
MAX_HEADER = 1 << 16
MAX_ARRAY = 1 << 26
MAX_ARRAYS = 8


def _read_exact(fd, n):
    chunks = []
    while n > 0:
        chunk = _read(fd, min(n, 1 << 20))
        if not chunk:
            _exit(0)  # the grader went away
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def _send(fd, header, arrays=()):
    bodies = []
    for a in arrays:
        buf = _BytesIO()
        _write_array(buf, a, allow_pickle=False)
        bodies.append(buf.getvalue())
    header = dict(header, arrays=len(bodies))
    raw = _dumps(header).encode()
    parts = [_pack(">I", len(raw)), raw]
    for body in bodies:
        parts += [_pack(">I", len(body)), body]
    data = b"".join(parts)
    while data:
        n = _write(fd, data)
        data = data[n:]


def _receive(fd):
    (size,) = _unpack(">I", _read_exact(fd, 4))
    if size > MAX_HEADER:
        _exit(3)
    header = _loads(_read_exact(fd, size))
    count = header.get("arrays", 0)
    if not isinstance(count, int) or not 0 <= count <= MAX_ARRAYS:
        _exit(3)
    arrays = []
    for _ in range(count):
        (n,) = _unpack(">I", _read_exact(fd, 4))
        if n > MAX_ARRAY:
            _exit(3)
        arrays.append(_read_array(_BytesIO(_read_exact(fd, n)), allow_pickle=False))
    return header, arrays


def _describe(exc):
    lines = traceback.format_exception_only(type(exc), exc)
    return "".join(lines).strip()[-500:]


def _kind(exc):
    """What failed, as data for the grader: running out of memory or of stack is not an ordinary exception."""
    if isinstance(exc, MemoryError):
        return "memory"
    if isinstance(exc, RecursionError):
        return "recursion"
    return "exception"


def main():
    request_fd, reply_fd, path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    api = sys.argv[4].split(",")
    _send(reply_fd, {"type": "hello"})  # the sandbox started: what fails from here on is the submission's
    try:
        spec = importlib.util.spec_from_file_location("submission", path)
        module = importlib.util.module_from_spec(spec)
        sys.modules["submission"] = module
        spec.loader.exec_module(module)
    except SystemExit as exc:
        _send(reply_fd, {"type": "import_error", "error": f"the submission called exit({exc.code!r}) at import"})
        _exit(0)
    except BaseException as exc:
        _send(reply_fd, {"type": "import_error", "error": _describe(exc)})
        _exit(0)
    functions = [name for name in api if callable(getattr(module, name, None))]
    _send(reply_fd, {"type": "ready", "functions": functions})
    while True:
        header, arrays = _receive(request_fd)
        name = header.get("call")
        if name not in functions:
            _send(reply_fd, {"type": "error", "error": f"no function {name!r}"})
            continue
        floats = header.get("floats", [])  # positions of scalar parameters (y, b): 0-d arrives as a float
        args = [float(a) if a.ndim == 0 and k in floats else a for k, a in enumerate(arrays)]
        try:
            result = getattr(module, name)(*args)
        except SystemExit as exc:
            _send(reply_fd, {"type": "exception", "kind": "exception", "error": f"called exit({exc.code!r})"})
            continue
        except BaseException as exc:
            _send(reply_fd, {"type": "exception", "kind": _kind(exc), "error": _describe(exc)})
            continue
        try:
            items = list(result) if isinstance(result, tuple) else [result]
            if len(items) > MAX_ARRAYS:
                raise TypeError(f"returned a tuple of {len(items)} values (at most {MAX_ARRAYS} are read)")
            out = []
            for item in items:
                arr = _asarray(item)
                if arr.dtype.hasobject:
                    raise TypeError(f"returned {type(item).__name__}, which is not an array of numbers")
                out.append(arr)
            _send(reply_fd, {"type": "result", "tuple": isinstance(result, tuple)}, out)
        except BaseException as exc:
            _send(reply_fd, {"type": "bad_result", "error": _describe(exc)})


if __name__ == "__main__":
    main()
