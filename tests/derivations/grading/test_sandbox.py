"""The sandbox's own guarantees: uids held by one grader only, time limits the machine's load cannot
change, a capped /tmp, signals by name, a child's text cleaned, a sandbox failure never a student's
verdict, and no reply (random or adversarial bytes) that raises out of the parent's reader."""

from __future__ import annotations

import io
import json
import multiprocessing as mp
import os
import signal
import struct
import subprocess
import sys
import textwrap
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.lib import format as npy_format

from derivations.grading import sandbox
from derivations.grading.config import Config
from derivations.grading.grade import grade
from derivations.grading.sandbox import (
    Child,
    ChildClock,
    ChildError,
    Limits,
    Sandbox,
    SandboxFailure,
    clean_text,
    find_sandbox,
    load_array,
    signal_name,
)
from derivations.verdict import Outcome
from tests.derivations.grading.test_protocol import _read as read_reply

PLAIN = Sandbox("rlimits", sys.executable, None)
CONFIG = replace(
    Config(correctness_examples=5, stability_examples=5),
    limits=Limits(import_seconds=10, call_seconds=1.0),
    points={"sigmoid": 10.0},
)


def _reader(data: bytes) -> tuple[dict, list[np.ndarray]]:
    """The parent's reader on ``data`` as a child's whole reply (cut to what one pipe buffer holds)."""
    return read_reply(data[:60000])


def _npy_header(shape: tuple[int, ...], descr: str = "<f8") -> bytes:
    buf = io.BytesIO()
    npy_format.write_array_header_1_0(buf, {"descr": descr, "fortran_order": False, "shape": shape})
    return buf.getvalue()


def _framed(header: dict, *bodies: bytes) -> bytes:
    raw = json.dumps(header).encode()
    return struct.pack(">I", len(raw)) + raw + b"".join(struct.pack(">I", len(b)) + b for b in bodies)


# -- the reader never raises anything but ChildError


@pytest.mark.parametrize(
    "shape", [(2**45,), (2**20,) * 5, (2**31, 2**31), (0, 2**62)], ids=["2^45", "5-d 2^100", "2^62", "0x2^62"]
)
def test_an_npy_header_claiming_more_than_its_body_is_a_protocol_error_before_any_allocation(shape) -> None:
    body = _npy_header(shape) + b"\0" * 64
    with pytest.raises(ChildError) as caught:
        _reader(_framed({"type": "result", "arrays": 1}, body))
    assert caught.value.kind is Outcome.PROTOCOL


def _raw_npy(descr: str, shape: str = "(1,)") -> bytes:
    """An .npy header written by hand (its dict is a Python literal), padded as version 1.0 wants."""
    text = f"{{'descr': {descr}, 'fortran_order': False, 'shape': {shape}, }}"
    text += " " * (63 - (10 + len(text)) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text)) + text.encode("latin1")


@pytest.mark.parametrize("descr", ["'|O'", "'|V8'", "[('a', '<f8')]", "('<f8', (2,))", "'|S0'", "'<M8'", "'<m8[s]'"])
def test_object_structured_and_empty_dtypes_are_refused(descr: str) -> None:
    body = _raw_npy(descr) + b"\0" * 16
    with pytest.raises((ValueError, TypeError)):
        load_array(body)
    with pytest.raises(ChildError) as caught:
        _reader(_framed({"type": "result", "arrays": 1}, body))
    assert caught.value.kind is Outcome.PROTOCOL


def test_a_hand_written_header_is_what_numpy_writes() -> None:
    """The test's own .npy writer agrees with NumPy's (so the refusals above test the dtype, not our bytes)."""
    assert _raw_npy("'<f8'") == _npy_header((1,))


def test_an_honest_array_is_read_exactly() -> None:
    for a in (np.arange(6.0).reshape(2, 3), np.asfortranarray(np.arange(6.0).reshape(2, 3)), np.float32(2.5)):
        buf = io.BytesIO()
        npy_format.write_array(buf, np.asarray(a), allow_pickle=False)
        got = load_array(buf.getvalue())
        assert got.dtype == np.asarray(a).dtype and np.array_equal(got, a)


@st.composite
def _adversarial(draw: st.DrawFn) -> bytes:
    """Replies built from the protocol's own pieces with wrong sizes, counts, nesting and .npy headers."""
    kind = draw(st.sampled_from(["raw", "header", "npy"]))
    if kind == "raw":
        return draw(st.binary(max_size=2000))
    if kind == "header":
        depth = draw(st.integers(0, 40000))
        raw = (b"[" * depth) if draw(st.booleans()) else json.dumps(draw(_json_values)).encode()
        size = draw(st.one_of(st.just(len(raw)), st.integers(0, 2**32 - 1)))
        return struct.pack(">I", size) + raw
    shape = tuple(draw(st.lists(st.integers(0, 2**40), max_size=4)))
    descr = draw(st.sampled_from(["<f8", "<f2", "|b1", "<c16", "|u1", "<i8"]))
    body = _npy_header(shape, descr) + draw(st.binary(max_size=200))
    count = draw(st.integers(-2, 10))
    return _framed({"type": "result", "arrays": count}, *([body] * max(min(count, 3), 0)))


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None)
@given(_adversarial())
def test_no_reply_raises_out_of_the_parents_reader(data: bytes) -> None:
    """Property: whatever bytes a child writes, the reader returns a message or raises ChildError."""
    try:
        header, arrays = _reader(data)
    except ChildError as exc:
        assert exc.kind in (Outcome.PROTOCOL, Outcome.CRASHED, Outcome.TIMEOUT)
    else:
        assert isinstance(header, dict) and all(isinstance(a, np.ndarray) for a in arrays)


# -- text a student reads


def test_clean_text_drops_control_and_format_characters() -> None:
    assert clean_text("Value\x1b[31mError\x00: bad\u202eevil\x07") == "Value[31mError: badevil"
    assert clean_text("a\tb\r\nc") == "a b\nc"


def test_clean_text_cuts_at_a_word_and_keeps_the_first_line() -> None:
    text = "ValueError: the shapes do not match\n" + "detail " * 100
    out = clean_text(text, 80)
    assert out.startswith("ValueError: the shapes do not match\n") and out.endswith("…")
    assert len(out) <= 81 and not out[:-1].endswith("detai")
    long_first = "word " * 100
    out = clean_text(long_first, 50)
    assert out.endswith("word…") and len(out) <= 51


def test_signals_are_named_and_a_kill_is_not_blamed_on_the_student() -> None:
    assert signal_name(11).startswith("SIGSEGV")
    assert "outside the submission" in signal_name(9)
    assert signal_name(250) == "signal 250"


# -- the clock


def test_the_clock_gives_back_time_spent_waiting_for_a_cpu(monkeypatch: pytest.MonkeyPatch) -> None:
    """Property of ChildClock: wall time minus run delay; a limit passed in wall time alone is not spent.

    The kernel's counters are replaced by fixed ones: this process's own run delay depends on the load
    of the machine running the tests, which is exactly what the clock discounts.
    """
    waited = {"delay": 0.0, "cpu": 0.0}
    monkeypatch.setattr(sandbox, "_run_delay", lambda pid: waited["delay"])
    monkeypatch.setattr(sandbox, "_cpu_time", lambda pid: waited["cpu"])
    monkeypatch.setattr(sandbox, "descendants", lambda pid: [])
    clock = ChildClock(0.2, [os.getpid()])
    time.sleep(0.3)
    waited["delay"] = 5.0  # it waited 5 s for a CPU: its 0.2 s are not spent
    assert clock.left() > 0
    waited["cpu"] = 0.3  # but its processes used 0.3 s of CPU between them: spent
    assert clock.left() <= 0
    waited.update(delay=0.0, cpu=0.0)
    clock = ChildClock(0.2, [os.getpid()])
    time.sleep(0.3)  # sleeping is the child's own time
    assert clock.left() <= 0


def _busy_submission(tmp_path: Path, cpu_seconds: float) -> Path:
    sub = tmp_path / "busy.py"
    sub.write_text(
        textwrap.dedent(f"""
        import time
        import numpy as np
        def sigmoid(x):
            start = time.process_time()
            while time.process_time() - start < {cpu_seconds}:
                pass
            return 1 / (1 + np.exp(-x))
        """)
    )
    return sub


@pytest.mark.needs_sandbox
def test_load_on_the_machine_does_not_turn_a_call_into_a_timeout(tmp_path: Path) -> None:
    """A call needing 0.5 s of CPU under a 1 s limit passes while 4 busy processes share its one CPU."""
    box = find_sandbox()
    sub = _busy_submission(tmp_path, 0.5)
    cpu = sorted(os.sched_getaffinity(0))[0]
    before = os.sched_getaffinity(0)
    spin = f"import os; os.sched_setaffinity(0, {{{cpu}}})\nwhile True: pass"
    # each in a session of its own, as the child is: the scheduler shares a CPU between sessions (autogroups)
    load = [subprocess.Popen([sys.executable, "-c", spin], start_new_session=True) for _ in range(4)]
    time.sleep(0.5)  # let them start spinning
    try:
        os.sched_setaffinity(0, {cpu})  # the child inherits it: it competes with the load on one CPU
        child = Child(box, Limits(call_seconds=1.0), sub, ["sigmoid"])
        child.start()
        try:
            started = time.monotonic()
            got, _ = child.call("sigmoid", [np.zeros(3)])
            wall = time.monotonic() - started
        finally:
            child.close()
    finally:
        os.sched_setaffinity(0, before)
        for p in load:
            p.kill()
            p.wait()
    assert np.allclose(got[0], 0.5)
    assert wall > 1.5, f"the load did not slow the call ({wall:.2f} s): the test proves nothing"


@pytest.mark.needs_sandbox
def test_a_sleeping_call_still_times_out_at_its_limit(tmp_path: Path) -> None:
    _times_out_quickly(tmp_path, "import time\ndef sigmoid(x):\n    time.sleep(60)\n    return x\n", 0.5)


def _times_out_quickly(tmp_path: Path, source: str, limit: float) -> None:
    """The call of ``source``'s sigmoid is a timeout, within 3 s of wall time (no extension earned)."""
    sub = tmp_path / "slow.py"
    sub.write_text(source)
    child = Child(find_sandbox(), Limits(call_seconds=limit, processes=32), sub, ["sigmoid"])
    child.start()
    try:
        started = time.monotonic()
        with pytest.raises(ChildError) as caught:
            child.call("sigmoid", [np.zeros(3)])
    finally:
        child.close()
    assert caught.value.kind is Outcome.TIMEOUT and time.monotonic() - started < 3


# -- what the child may use and how it ends


@pytest.mark.needs_sandbox
def test_the_sandbox_tmp_is_capped(tmp_path: Path) -> None:
    """Files in the sandbox's /tmp (host RAM) stop at tmp_mib, well below 1 GiB."""
    sub = tmp_path / "fill.py"
    sub.write_text(
        textwrap.dedent("""
        import numpy as np
        written = 0
        for k in range(1024):
            try:
                with open(f"/tmp/f{k}", "wb") as f:
                    f.write(b"x" * ((1 << 20) - 1))
                written += (1 << 20) - 1
            except OSError:
                break
        def sigmoid(x):
            return np.full(np.shape(x), float(written))
        """)
    )
    child = Child(find_sandbox(), Limits(tmp_mib=8), sub, ["sigmoid"])
    child.start()
    try:
        got, _ = child.call("sigmoid", [np.zeros(1)])
    finally:
        child.close()
    assert 0 < got[0][0] <= 8 << 20


@pytest.mark.needs_sandbox
def test_a_segfault_is_named_not_numbered(tmp_path: Path) -> None:
    sub = tmp_path / "segv.py"
    sub.write_text("import os, signal\ndef sigmoid(x):\n    os.kill(os.getpid(), signal.SIGSEGV)\n")
    result = grade(sub, CONFIG, box=find_sandbox())
    test = result.tests[0]
    assert test.verdict is Outcome.CRASHED and "SIGSEGV" in test.output and "139" not in test.output


def test_a_sandbox_that_cannot_start_is_the_graders_failure_not_a_verdict(tmp_path: Path) -> None:
    sub = tmp_path / "fine.py"
    sub.write_text("def sigmoid(x):\n    return x\n")
    broken = Sandbox("rlimits", "/bin/false", None)
    with pytest.raises(SandboxFailure):
        Child(broken, Limits(), sub, ["sigmoid"]).start()


# -- uids


def _claim_in_fork(queue: mp.Queue, done: mp.Event) -> None:
    queue.put(sandbox.claim_uid())
    done.wait(30)  # hold the claim until every worker has made its own (a claim ends with its process)


@pytest.mark.skipif(os.geteuid() != 0, reason="sandbox uids are claimed only as root")
def test_a_uid_is_held_by_one_process_only() -> None:
    mine = sandbox.claim_uid()
    second = sandbox.claim_uid()
    ctx = mp.get_context("fork")
    queue, done = ctx.Queue(), ctx.Event()
    workers = [ctx.Process(target=_claim_in_fork, args=(queue, done)) for _ in range(3)]
    for w in workers:
        w.start()
    try:
        theirs = [queue.get(timeout=30) for _ in workers]
    finally:
        done.set()
        for w in workers:
            w.join()
    assert len({mine, second, *theirs}) == 5, (mine, second, theirs)


@pytest.mark.needs_sandbox
def test_four_graders_at_once_all_give_full_marks(tmp_path: Path) -> None:
    """Four `derivations grade` processes on the same machine: no shared uid, no killed children, full marks."""
    config = tmp_path / "small.toml"  # three functions, 10 examples a part: the point is the four at once
    config.write_text(
        "[examples]\ncorrectness = 10\nstability = 10\n[points]\n"
        + "".join(
            f"{name} = 0\n" for name in ("softmax_jacobian", "cross_entropy", "ce_softmax_grad", "mse_layer_grads")
        )
    )
    correct = Path(__file__).resolve().parents[3] / "examples" / "submissions" / "correct.py"
    runs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "derivations",
                "grade",
                str(correct),
                "--config",
                str(config),
                "--quiet",
                "--json",
                str(tmp_path / f"r{k}.json"),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for k in range(4)
    ]
    for run in runs:
        out, err = run.communicate(timeout=600)
        assert run.returncode == 0, err
    scores = [json.loads((tmp_path / f"r{k}.json").read_text()) for k in range(4)]
    assert all(s["score"] == s["max_score"] > 0 for s in scores), [s["output"] for s in scores]


def test_killing_a_child_of_ours_leaves_other_processes_alone(tmp_path: Path) -> None:
    """close() kills its own child's process group (and, as root, its own uid): never an unrelated process."""
    bystander = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        sub = tmp_path / "ok.py"
        sub.write_text("def sigmoid(x):\n    return x\n")
        child = Child(PLAIN, Limits(), sub, ["sigmoid"])
        child.start()
        child.close()
        assert bystander.poll() is None
    finally:
        bystander.send_signal(signal.SIGKILL)
        bystander.wait()


@pytest.mark.needs_sandbox
def test_a_child_slowed_by_its_own_processes_gets_no_extra_time(tmp_path: Path) -> None:
    """Forked spinners of the submission's own compete with it: that run delay is not the machine's load."""
    spin = "import os\ndef sigmoid(x):\n    for _ in range(3):\n        os.fork()\n    while True:\n        pass\n"
    _times_out_quickly(tmp_path, spin, 1.0)


@pytest.mark.needs_sandbox
def test_a_missing_optional_import_is_a_note_not_a_zero(tmp_path: Path) -> None:
    """Demo code using packages the sandbox lacks runs through stand-ins; only a function that needs one fails."""
    sub = tmp_path / "demo.py"
    sub.write_text(
        textwrap.dedent("""
        import numpy as np
        import seaborn as sns
        from tqdm import tqdm
        sns.set_theme(style="darkgrid")
        for _ in tqdm(range(3)):
            pass
        def sigmoid(x):
            return 1 / (1 + np.exp(-x))
        def sigmoid_grad(x):
            return sns.sigmoid_grad(x)
        """)
    )
    config = replace(CONFIG, points={"sigmoid": 10.0, "sigmoid_grad": 10.0})
    result = grade(sub, config, box=find_sandbox())
    verdicts = {t.name: t.verdict for t in result.tests}
    assert verdicts["sigmoid: correctness"] is verdicts["sigmoid: stability"] is Outcome.PASSED
    assert verdicts["sigmoid_grad: correctness"] is Outcome.WRONG  # the stand-in gave back x
    assert any("seaborn, tqdm" in w for w in result.warnings), result.warnings


@pytest.mark.needs_sandbox
def test_a_library_that_probes_for_an_optional_module_still_sees_it_missing(tmp_path: Path) -> None:
    """Only the submission's own imports get stand-ins: an import inside a library fails as usual."""
    sub = tmp_path / "probe.py"
    sub.write_text(
        textwrap.dedent("""
        import numpy as np
        import surely_not_installed_anywhere  # the submission's own import, outside any try: a stand-in
        OWN = True
        try:  # an import run by code of a library (its file is outside the submission's folder)
            exec(compile("import also_not_installed", "/usr/lib/python3/dist-packages/lib.py", "exec"))
            LIBRARY = False
        except ImportError:
            LIBRARY = True
        def sigmoid(x):
            return np.full(np.shape(x), float(OWN) + 2 * float(LIBRARY))
        """)
    )
    child = Child(find_sandbox(), Limits(), sub, ["sigmoid"])
    child.start()
    try:
        got, _ = child.call("sigmoid", [np.zeros(1)])
    finally:
        child.close()
    assert got[0][0] == 3.0 and child.missing == ["surely_not_installed_anywhere"]


def _system_numpy() -> bool:
    return sandbox._python_with_numpy(sandbox.SYSTEM_PYTHON)  # as the sandbox asks: python -I


@pytest.mark.skipif(os.geteuid() != 0 or not _system_numpy(), reason="needs root and Debian's python3-numpy")
def test_without_bubblewrap_one_child_cannot_read_another_childs_copy(tmp_path: Path) -> None:
    """--no-sandbox as root: each child's copy (a reference solution, another student) is its own uid's alone."""
    secret = tmp_path / "solution.py"
    secret.write_text("ANSWER = 42\ndef sigmoid(x):\n    return x\n")
    spy = tmp_path / "spy.py"
    spy.write_text(
        textwrap.dedent("""
        import glob
        import numpy as np
        def sigmoid(x):
            read = 0
            for path in glob.glob("/tmp/derivations-grade-*/submission/submission.py"):
                try:
                    read += ("ANSWER = " + "42") in open(path).read()  # not spelled here: this file is read too
                except OSError:
                    pass
            return np.full(np.shape(x), float(read))
        """)
    )
    reference = Child(Sandbox("rlimits", sandbox.SYSTEM_PYTHON, sandbox.claim_uid()), Limits(), secret, ["sigmoid"])
    student = Child(Sandbox("rlimits", sandbox.SYSTEM_PYTHON, sandbox.claim_uid()), Limits(), spy, ["sigmoid"])
    reference.start()
    try:
        student.start()
        try:
            got, _ = student.call("sigmoid", [np.zeros(1)])
        finally:
            student.close()
    finally:
        reference.close()
    assert got[0][0] == 0.0, "the student's child read the reference's copy"


@pytest.mark.needs_sandbox
def test_an_import_inside_try_keeps_its_fallback(tmp_path: Path) -> None:
    """``try: from numba import njit / except ImportError``: the fallback runs (no stand-in), and tqdm loops."""
    sub = tmp_path / "fallback.py"
    sub.write_text(
        textwrap.dedent("""
        import numpy as np
        try:
            from numba import njit
        except ImportError:
            def njit(f):
                return f
        try:
            import cupy as xp
        except ImportError:
            xp = np
        from tqdm import tqdm
        @njit
        def sigmoid(x):
            total = 0.0
            for _ in tqdm(range(2)):
                total += 0.5
            return total / (1 + xp.exp(-x))
        """)
    )
    result = grade(sub, CONFIG, box=find_sandbox())
    assert result.score == result.max_score == 10, [t.output for t in result.tests]
    assert any("tqdm" in w and "numba" not in w and "cupy" not in w for w in result.warnings), result.warnings


@pytest.mark.needs_sandbox
def test_dev_cannot_be_filled(tmp_path: Path) -> None:
    """/dev in the sandbox is a tmpfs (host RAM) too: it is read-only, its devices still work."""
    sub = tmp_path / "devfill.py"
    sub.write_text(
        textwrap.dedent("""
        import numpy as np
        written = 0
        try:
            with open("/dev/fill", "wb") as f:
                for _ in range(8):
                    f.write(b"x" * (1 << 20))
                    written += 1
        except OSError:
            pass
        with open("/dev/null", "wb") as f:
            f.write(b"fine")
        def sigmoid(x):
            return np.full(np.shape(x), float(written))
        """)
    )
    child = Child(find_sandbox(), Limits(), sub, ["sigmoid"])
    child.start()
    try:
        got, _ = child.call("sigmoid", [np.zeros(1)])
    finally:
        child.close()
    assert got[0][0] == 0.0


@pytest.mark.needs_sandbox
def test_a_slow_submission_has_a_budget_for_all_its_calls(tmp_path: Path) -> None:
    """Correct but sleeping 0.3 s a call: within each call's limit, yet the submission's 1 s runs out."""
    sub = tmp_path / "slow.py"
    sub.write_text(
        "import time\nimport numpy as np\ndef sigmoid(x):\n    time.sleep(0.3)\n    return 1 / (1 + np.exp(-x))\n"
    )
    config = replace(CONFIG, limits=Limits(call_seconds=1.0, submission_seconds=1.0))
    started = time.monotonic()
    result = grade(sub, config, box=find_sandbox())
    assert time.monotonic() - started < 15
    verdicts = [t.verdict for t in result.tests]
    assert verdicts == [Outcome.TIMEOUT, Outcome.TIMEOUT], [t.output for t in result.tests]
    assert "1 s for all its calls" in result.tests[-1].output


@pytest.mark.needs_sandbox
def test_an_import_error_names_the_students_cell_or_line_never_a_sandbox_path(tmp_path: Path) -> None:
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# HW 1"),
        nbformat.v4.new_code_cell("import numpy as np"),
        nbformat.v4.new_code_cell("x = 1\ny = undefined_name + 1\n"),
    ]
    path = tmp_path / "hw.ipynb"
    path.write_text(nbformat.writes(nb))
    result = grade(path, CONFIG, box=find_sandbox())
    assert "(cell 3, line 2)" in result.error and "undefined_name" in result.error, result.error
    broken = tmp_path / "syntax.py"
    broken.write_text("import numpy as np\n\ndef f(:\n")
    result = grade(broken, CONFIG, box=find_sandbox())
    assert "(line 3)" in result.error and "/sandbox" not in result.error and "derivations-grade" not in result.error


@pytest.mark.needs_sandbox
def test_a_private_temporary_folder_does_not_hide_the_copy_from_the_child(tmp_path: Path) -> None:
    """TMPDIR inside a folder only we may enter (pytest's own, a home folder): the copy goes to /tmp instead."""
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    sub = tmp_path / "ok.py"
    sub.write_text("import numpy as np\ndef sigmoid(x):\n    return 1 / (1 + np.exp(-x))\n")
    env = {**os.environ, "TMPDIR": str(private)}
    config = tmp_path / "one.toml"
    config.write_text("[examples]\ncorrectness = 5\nstability = 5\n")
    r = subprocess.run(
        [sys.executable, "-m", "derivations", "grade", str(sub), "--config", str(config), "--quiet"],
        capture_output=True, text=True, env=env, timeout=300,
    )  # fmt: skip
    assert r.returncode == 0 and "ok: 10/70" in r.stdout, r.stdout + r.stderr


def test_a_zombie_is_told_from_a_live_process_and_not_waited_for() -> None:
    pid = os.fork()
    if pid == 0:  # the child exits at once and stays a zombie until we reap it
        os._exit(0)
    try:
        deadline = time.monotonic() + 5
        while not sandbox.is_zombie(pid) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert sandbox.is_zombie(pid)
        assert not sandbox.is_zombie(os.getpid())
        mine = sandbox.processes_of(os.getuid())
        assert pid in mine and pid not in sandbox.running_processes_of(os.getuid())  # it runs nothing
        assert os.getpid() in sandbox.running_processes_of(os.getuid())
    finally:
        os.waitpid(pid, 0)
    assert not sandbox.is_zombie(pid)  # reaped: gone from /proc


def test_a_process_whose_leader_thread_exited_is_alive_not_a_zombie() -> None:
    code = "import threading, time, ctypes\n" \
        "threading.Thread(target=lambda: time.sleep(30), daemon=False).start()\n" \
        "ctypes.CDLL(None).pthread_exit(None)\n"  # fmt: skip
    proc = subprocess.Popen([sys.executable, "-c", code])
    try:
        deadline = time.monotonic() + 10
        leader = Path(f"/proc/{proc.pid}/stat")
        while time.monotonic() < deadline and leader.read_text().rsplit(")", 1)[1].split()[0] != "Z":
            time.sleep(0.02)
        assert leader.read_text().rsplit(")", 1)[1].split()[0] == "Z"  # the leader looks like a zombie
        assert not sandbox.is_zombie(proc.pid)  # but a thread of it runs
    finally:
        proc.kill()
        proc.wait()
