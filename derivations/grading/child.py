"""The child: imports one submission and answers the grader's calls. Runs inside the sandbox.

Standalone on purpose: it imports only the standard library and NumPy (never `derivations` or
`numeric`, which are not even visible in the sandbox), and is started as a script:

    python -I child.py REQUEST_FD REPLY_FD SUBMISSION NAME,NAME,…

Messages both ways: a 4-byte big-endian length, a JSON header, then as many arrays as the
header's ``arrays`` count says, each a 4-byte length and an ``.npy`` body. Replies: ``hello`` (sent
before the submission is imported: the sandbox started), ``ready`` (the functions defined),
``import_error``, ``result``, ``bad_result``, and ``exception`` with its
``kind`` (``memory`` for a MemoryError, ``recursion`` for a RecursionError, else ``exception``),
so the grader reads what failed from data, never from the message's wording.

A NAME is a function of the submission called with the arrays in order, or a *call plan*:
``plan:`` + URL-safe base64 of a JSON object, from the grader's assignment (assignment.py), with
``args`` (indices of the arrays passed) and either ``function``, or ``class``, ``method``, ``init``
(indices passed to the class), ``set`` ([attribute, index] pairs set on the object) and ``before``
([method, indices] calls made first); ``keys`` (a dict answer must have exactly these keys, and is
sent as the tuple of their values in this order) and ``ints`` (indices of 0-d arrays passed as
Python ints). A plan is defined when its function, or its class with every method it calls, exists;
a plan that cannot be read defines nothing. Arrays are written with
``allow_pickle=False``: an object array is refused here, and the grader loads with
``allow_pickle=False`` too, so nothing is ever unpickled. stdout and stderr go nowhere the grader
reads. Everything the submission might tamper with (``json``, ``numpy.lib.format``, ``os.write``)
is bound before it is imported; if it tampers anyway it only spoils its own replies, which the
grader checks.
"""

import ast
import base64
import importlib.machinery
import importlib.util
import io
import json
import os
import struct
import sys
import traceback
import types

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
_b64decode = base64.urlsafe_b64decode

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
    """The exception as the student reads it: no file path of the sandbox (the grader adds the line or cell)."""
    lines = traceback.format_exception_only(type(exc), exc)
    lines = [ln for ln in lines if not ln.lstrip().startswith('File "')]
    return "".join(lines).strip("\n")[-500:]


def _line_in(exc, path):
    """The line of the submission's main file where ``exc`` arose (a syntax error's own line), or 0."""
    if isinstance(exc, SyntaxError) and exc.filename == path and exc.lineno:
        return exc.lineno
    line = 0
    for frame, lineno in traceback.walk_tb(exc.__traceback__):
        if frame.f_code.co_filename == path:
            line = lineno
    return line


def _kind(exc):
    """What failed, as data for the grader: running out of memory or of stack is not an ordinary exception."""
    if isinstance(exc, MemoryError):
        return "memory"
    if isinstance(exc, RecursionError):
        return "recursion"
    return "exception"


def _plan(name):
    """The call plan a NAME encodes, None for a plain function name, {} for one that cannot be read."""
    if not name.startswith("plan:"):
        return None
    try:
        plan = _loads(_b64decode(name[5:].encode("ascii")))
    except Exception:
        return {}
    return plan if isinstance(plan, dict) else {}


def _defines(module, name):
    """True when the submission has what NAME calls: the function, or the class and every method used."""
    plan = _plan(name)
    if plan is None:
        return callable(getattr(module, name, None))
    try:
        if "class" in plan:
            cls = getattr(module, plan["class"], None)
            methods = [plan["method"], *(m for m, _ in plan.get("before", []))]
            return isinstance(cls, type) and all(callable(getattr(cls, m, None)) for m in methods)
        return "function" in plan and callable(getattr(module, plan["function"], None))
    except Exception:  # a plan of the wrong shape, or a class whose attributes raise: not defined
        return False


def _invoke(module, name, args):
    """Call what NAME says with the arrays ``args``: the function, or the object's method after its set-up."""
    plan = _plan(name)
    if plan is None:
        return getattr(module, name)(*args)
    for k in plan.get("ints", []):
        args[k] = int(args[k])
    picked = [args[i] for i in plan.get("args", [])]
    if "class" not in plan:
        return getattr(module, plan["function"])(*picked)
    obj = getattr(module, plan["class"])(*[args[i] for i in plan.get("init", [])])
    for attribute, i in plan.get("set", []):
        setattr(obj, attribute, args[i])
    for method, indices in plan.get("before", []):
        getattr(obj, method)(*[args[i] for i in indices])
    return getattr(obj, plan["method"])(*picked)


def _as_declared(name, result):
    """A dict answer as the tuple of its values in the plan's key order (TypeError unless it has exactly those keys)."""
    plan = _plan(name)
    keys = plan.get("keys") if plan else None
    if keys is None:
        return result
    wanted = ", ".join(repr(k) for k in keys)
    if not isinstance(result, dict):
        raise TypeError(f"returned {type(result).__name__}; expected a dict with the keys {wanted}")
    if set(result) != set(keys):
        got = ", ".join(sorted(repr(k)[:40] for k in result)[:10])
        raise TypeError(f"returned a dict with the keys {got or 'none'}; expected the keys {wanted}")
    return tuple(result[k] for k in keys)


class _Absent:
    """Stands in for what a module the sandbox does not have would give: every use gives another stand-in.

    Demo and plotting code (``sns.set_theme()``, ``tqdm(range(3))``) runs through it: a call gives back
    its first argument (so wrappers and decorators pass their argument through) or another stand-in. A
    graded function that needs the module returns or computes with a stand-in and fails on its own.
    """

    def __init__(self, name):
        object.__setattr__(self, "_name", name)

    def __getattr__(self, attr):
        if attr.startswith("__") and attr.endswith("__"):
            raise AttributeError(attr)
        return _Absent(f"{self._name}.{attr}")

    def __setattr__(self, attr, value):
        pass

    def __call__(self, *args, **kwargs):
        # a wrapper's argument comes back (tqdm(range(3)), njit(f), display(df)); else another stand-in
        return args[0] if args else _Absent(f"{self._name}()")

    def __iter__(self):
        return iter(())

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def __bool__(self):
        return False

    def __repr__(self):
        return f"<{self._name}: not installed in the grader's sandbox>"


def _unguarded_imports(folder):
    """The top-level module names the submission's files import outside any ``try`` block (read with ast)."""
    names = set()
    for root, _, files in os.walk(folder):
        for f in files:
            if not f.endswith(".py"):
                continue
            try:
                with open(os.path.join(root, f), "rb") as source:
                    tree = ast.parse(source.read())
            except Exception:  # a file that does not parse: Python reports it when it is imported
                continue
            _collect_imports(tree, names, guarded=False)
    return names


def _collect_imports(node, names, guarded):
    for child in ast.iter_child_nodes(node):
        inside = guarded or (isinstance(node, (ast.Try, ast.TryStar)) and child in node.body)
        if isinstance(child, ast.Import) and not inside:
            names.update(alias.name.split(".")[0] for alias in child.names)
        elif isinstance(child, ast.ImportFrom) and not inside and child.level == 0 and child.module:
            names.add(child.module.split(".")[0])
        _collect_imports(child, names, inside)


class _AbsentModules:
    """The last import finder: a module the *submission's own code* imports and nothing else finds is a
    stand-in, and its name is recorded. An import made by a library (``try: import cupy``) still fails as
    usual, so libraries' own feature detection is unchanged."""

    def __init__(self, folder):
        self.folder = folder + os.sep
        self.missing = []
        self.unguarded = _unguarded_imports(folder)

    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] not in self.unguarded or not self._from_submission():
            return None  # an import inside ``try`` keeps its ImportError: that is the submission's fallback
        if name.split(".")[0] not in self.missing:
            self.missing.append(name.split(".")[0])
        return importlib.machinery.ModuleSpec(name, self, is_package=True)

    def _from_submission(self):
        """True when the import statement being run is in a file of the submission (not in a library)."""
        frame = sys._getframe(1)
        while frame is not None:
            filename = frame.f_code.co_filename
            if not filename.startswith("<frozen importlib") and filename != __file__:
                return filename.startswith(self.folder)
            frame = frame.f_back
        return False

    def create_module(self, spec):
        module = types.ModuleType(spec.name)
        module.__path__ = []
        module.__getattr__ = lambda attr: _Absent(f"{spec.name}.{attr}")
        return module

    def exec_module(self, module):
        pass


def main():
    request_fd, reply_fd, path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    api = sys.argv[4].split(",")
    _send(reply_fd, {"type": "hello"})  # the sandbox started: what fails from here on is the submission's
    sys.path.insert(0, os.path.dirname(path))  # a folder's helpers (NumPy is imported already: not shadowed)
    absent = _AbsentModules(os.path.dirname(path))
    sys.meta_path.append(absent)  # last: only what no other finder finds
    try:
        spec = importlib.util.spec_from_file_location("submission", path)
        module = importlib.util.module_from_spec(spec)
        sys.modules["submission"] = module
        spec.loader.exec_module(module)
    except SystemExit as exc:
        _send(reply_fd, {"type": "import_error", "error": f"the submission called exit({exc.code!r}) at import"})
        _exit(0)
    except BaseException as exc:
        _send(reply_fd, {"type": "import_error", "error": _describe(exc), "line": _line_in(exc, path)})
        _exit(0)
    functions = [name for name in api if _defines(module, name)]
    _send(reply_fd, {"type": "ready", "functions": functions, "missing": absent.missing[:20]})
    while True:
        header, arrays = _receive(request_fd)
        name = header.get("call")
        if name not in functions:
            _send(reply_fd, {"type": "error", "error": f"no function {name!r}"})
            continue
        floats = header.get("floats", [])  # positions of scalar parameters (y, b): 0-d arrives as a float
        args = [float(a) if a.ndim == 0 and k in floats else a for k, a in enumerate(arrays)]
        try:
            result = _invoke(module, name, args)
        except SystemExit as exc:
            _send(reply_fd, {"type": "exception", "kind": "exception", "error": f"called exit({exc.code!r})"})
            continue
        except BaseException as exc:
            _send(reply_fd, {"type": "exception", "kind": _kind(exc), "error": _describe(exc)})
            continue
        try:
            result = _as_declared(name, result)
            items = list(result) if isinstance(result, tuple) else [result]
            if len(items) > MAX_ARRAYS:
                raise TypeError(f"returned a tuple of {len(items)} values (at most {MAX_ARRAYS} are read)")
            out = []
            for item in items:
                arr = _asarray(item)
                if arr.dtype.hasobject:
                    what = repr(item) if isinstance(item, _Absent) else type(item).__name__
                    raise TypeError(f"returned {what}, which is not an array of numbers")
                out.append(arr)
            _send(reply_fd, {"type": "result", "tuple": isinstance(result, tuple)}, out)
        except BaseException as exc:
            _send(reply_fd, {"type": "bad_result", "error": _describe(exc)})


if __name__ == "__main__":
    main()
