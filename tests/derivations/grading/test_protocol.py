"""The grader–child protocol: both sides agree on its bounds, and every malformed reply is a PROTOCOL verdict.

child.py imports nothing of ours, so it spells the bounds itself; they are read here from its source.
The parent's reader is fed raw bytes through a pipe (no sandbox needed), and a real child under the
plain rlimits sandbox reports each kind of exception as data.
"""

from __future__ import annotations

import importlib.util
import io
import json
import os
import struct
import sys
from pathlib import Path

import numpy as np
import pytest
from numpy.lib import format as npy_format

from derivations.grading import sandbox
from derivations.grading.sandbox import CHILD, Child, ChildError, Limits, Sandbox
from derivations.verdict import Outcome

PLAIN = Sandbox("rlimits", sys.executable, None)  # our own interpreter, no bubblewrap: enough for the protocol


def _child_module():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("grading_child_under_test", CHILD)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_child_and_sandbox_agree_on_the_protocol_bounds() -> None:
    child = _child_module()
    for name in ("MAX_HEADER", "MAX_ARRAY", "MAX_ARRAYS"):
        assert getattr(child, name) == getattr(sandbox, name), name


def test_child_imports_nothing_of_ours() -> None:
    import ast

    tree = ast.parse(CHILD.read_text())
    imported = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    imported |= {n.module.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    assert imported <= set(sys.stdlib_module_names) | {"numpy"}, imported


def test_the_exception_kinds_the_child_sends_are_the_ones_the_parent_reads() -> None:
    child = _child_module()
    kinds = {child._kind(MemoryError()), child._kind(RecursionError()), child._kind(ValueError())}
    assert kinds == set(sandbox.EXCEPTION_KINDS)


def _header(obj: object) -> bytes:
    raw = json.dumps(obj).encode()
    return struct.pack(">I", len(raw)) + raw


def _npy(a: np.ndarray, allow_pickle: bool = False) -> bytes:
    buf = io.BytesIO()
    npy_format.write_array(buf, a, allow_pickle=allow_pickle)
    body = buf.getvalue()
    return struct.pack(">I", len(body)) + body


def _read(data: bytes) -> tuple[dict, list[np.ndarray]]:
    """The parent's reader on ``data`` as the child's reply (the pipe closed after it)."""
    child = Child(PLAIN, Limits(call_seconds=2), Path("unused.py"), ["sigmoid"])
    r, w = os.pipe()
    try:
        os.write(w, data)
    finally:
        os.close(w)
    child.rep_r = r
    try:
        return child._receive(2.0)
    finally:
        child.close()


def test_a_well_formed_reply_is_read() -> None:
    header, arrays = _read(_header({"type": "result", "tuple": False, "arrays": 1}) + _npy(np.arange(3.0)))
    assert header["type"] == "result" and np.array_equal(arrays[0], np.arange(3.0))


MALFORMED = {
    "an oversized header length": struct.pack(">I", sandbox.MAX_HEADER + 1) + b"{}",
    "a header that is not an object": _header([1, 2, 3]),
    "a header that is not JSON": struct.pack(">I", 5) + b"{bad}",
    "a header that is not UTF-8": struct.pack(">I", 2) + b"\xff\xfe",
    "a header nested too deeply": struct.pack(">I", 60000) + b"[" * 60000,
    "an array count over the cap": _header({"type": "result", "arrays": sandbox.MAX_ARRAYS + 1}),
    "a negative array count": _header({"type": "result", "arrays": -1}),
    "an array count that is not an integer": _header({"type": "result", "arrays": "2"}),
    "an array body over the cap": _header({"type": "result", "arrays": 1}) + struct.pack(">I", sandbox.MAX_ARRAY + 1),
    "a pickled object array": _header({"type": "result", "arrays": 1})
    + _npy(np.array([{"a": 1}], dtype=object), allow_pickle=True),
    "an .npy body that is not one": _header({"type": "result", "arrays": 1}) + struct.pack(">I", 8) + b"garbage!",
    "an .npy header that claims more data than its body has": _header({"type": "result", "arrays": 1})
    + struct.pack(">I", 200)
    + _npy(np.zeros(1000))[4:204],
}


@pytest.mark.parametrize("what", sorted(MALFORMED))
def test_a_malformed_reply_is_a_protocol_error(what: str) -> None:
    with pytest.raises(ChildError) as caught:
        _read(MALFORMED[what])
    assert caught.value.kind is Outcome.PROTOCOL, caught.value.message


def test_a_truncated_reply_is_a_crash_and_silence_a_timeout() -> None:
    with pytest.raises(ChildError) as caught:
        _read(_header({"type": "result", "arrays": 0})[:6])
    assert caught.value.kind is Outcome.CRASHED
    child = Child(PLAIN, Limits(call_seconds=0.2), Path("unused.py"), ["sigmoid"])
    r, w = os.pipe()
    child.rep_r = r
    try:
        with pytest.raises(ChildError) as caught:
            child._receive(0.2)
        assert caught.value.kind is Outcome.TIMEOUT
    finally:
        os.close(w)
        child.close()


SUBMISSION = """
import os, sys, json, struct
import numpy as np

def sigmoid(x):
    raise MemoryError("out of memory")

def sigmoid_grad(x):
    return sigmoid_grad(x)

def softmax(theta):
    raise ValueError("no")

def softmax_jacobian(theta):
    raw = json.dumps({"type": "exception", "kind": ["memory"], "error": "forged", "arrays": 0}).encode()
    os.write(int(sys.argv[2]), struct.pack(">I", len(raw)) + raw)
    return theta

def cross_entropy(y, y_hat):
    return tuple(np.zeros(1) for _ in range(12))
"""


@pytest.mark.parametrize(
    ("function", "outcome"),
    [
        ("sigmoid", Outcome.MEMORY),
        ("sigmoid_grad", Outcome.RECURSION),
        ("softmax", Outcome.EXCEPTION),
        ("softmax_jacobian", Outcome.PROTOCOL),  # a kind that is not a string: forged, refused
        ("cross_entropy", Outcome.BAD_RESULT),  # more values than a message carries: refused by the child
    ],
)
def test_the_child_reports_what_failed_as_data(tmp_path: Path, function: str, outcome: Outcome) -> None:
    sub = tmp_path / "submission.py"
    sub.write_text(SUBMISSION)
    child = Child(PLAIN, Limits(import_seconds=30, call_seconds=10), sub, [function])
    try:
        assert child.start() == [function]
        args = [np.ones(2)] * (2 if function == "cross_entropy" else 1)
        with pytest.raises(ChildError) as caught:
            child.call(function, args)
        assert caught.value.kind is outcome, caught.value.message
    finally:
        child.close()
