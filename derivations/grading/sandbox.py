"""Running a submission in a child process: bubblewrap where present, rlimits always, a private pipe.

What was measured here (FINDINGS.md, "Sandboxing student code"): bubblewrap started **as an
unprivileged uid** with rlimits held against every attack tried; as root it did not (root is exempt
from RLIMIT_NPROC). So, as root, the child runs as an unprivileged uid of its own (`SANDBOX_UID`, the first
one at or above 61000 that no account and no process uses — not 65534, whose processes `close` would
otherwise sweep away, daemons running as nobody included), with Debian's
``/usr/bin/python3`` and its NumPy (pyenv's interpreter under ``/root`` is unreadable to that uid).
The sandbox: no network, no environment, a read-only ``/usr``, a throwaway ``/tmp``, a new session
and PID namespace (killing bubblewrap takes every process inside with it), and only two files of
ours inside it: a copy of the submission and of `child.py`. The grader's code, its results files
and other students' work are not there.

Without bubblewrap the child still runs in its own session with rlimits (as that uid if the grader
is root and an interpreter it can read exists), and `Sandbox.isolated` is False: the CLI warns,
and ``--require-sandbox`` refuses.
"""

from __future__ import annotations

import ctypes
import json
import os
import pwd
import resource
import select
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from io import BytesIO
from pathlib import Path

import numpy as np
from numpy.lib import format as npy_format

from derivations.verdict import Outcome

CHILD = Path(__file__).with_name("child.py")
SYSTEM_PYTHON = "/usr/bin/python3"
# The protocol's bounds, spelled in child.py too (it imports nothing of ours; tests/…/test_protocol.py
# checks that the two agree).
#: Bytes of one message's JSON header.
MAX_HEADER = 1 << 16
#: Bytes of one array's .npy body.
MAX_ARRAY = 1 << 26
#: Arrays in one message.
MAX_ARRAYS = 8
#: What the child reports as the ``kind`` of an exception the submission raised.
EXCEPTION_KINDS = {"exception": Outcome.EXCEPTION, "memory": Outcome.MEMORY, "recursion": Outcome.RECURSION}


@dataclass(frozen=True)
class Limits:
    """What a child may use. Wall times are enforced by the grader; the rest by the kernel (rlimits)."""

    import_seconds: float = 10.0
    call_seconds: float = 5.0
    cpu_seconds: int = 120
    memory_mib: int = 1024  # address space; NumPy needs ≥ 256 MiB to import
    processes: int = 32
    file_bytes: int = 1 << 20
    open_files: int = 64


@dataclass(frozen=True)
class Sandbox:
    """How children are started: ``bwrap`` (isolated) or ``rlimits`` (a separate process only)."""

    mode: str
    interpreter: str
    uid: int | None
    binds: tuple[str, ...] = ()
    note: str = ""

    @property
    def isolated(self) -> bool:
        return self.mode == "bwrap"


class ChildError(Exception):
    """The child did not answer a call normally; ``kind`` is the part's outcome."""

    def __init__(self, kind: Outcome, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


def become_subreaper() -> None:
    """Orphans of our children (a process that detached with setsid) are re-parented to us, so we can reap them."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        pass


def _python_with_numpy(python: str) -> bool:
    try:
        probe = subprocess.run([python, "-I", "-c", "import numpy"], capture_output=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return probe.returncode == 0


def _bwrap_binds(interpreter: str) -> tuple[str, ...]:
    binds = ["/usr"]
    for extra in ("/etc/alternatives", "/etc/ld.so.cache"):
        if os.path.exists(extra):
            binds.append(extra)
    if not interpreter.startswith("/usr/"):
        prefix = os.path.realpath(sys.base_prefix)
        binds += [prefix] + [p for p in {os.path.realpath(sys.prefix)} if p != prefix]
    return tuple(binds)


SANDBOX_UID = 61000


def free_uid(slot: int = 0) -> int:
    """The slot-th uid ≥ SANDBOX_UID with no account and no running process (one per parallel job)."""
    busy = {_uid_of(entry) for entry in Path("/proc").iterdir() if entry.name.isdigit()}
    found = -1
    for uid in range(SANDBOX_UID, SANDBOX_UID + 1000):
        try:
            pwd.getpwuid(uid)
            continue
        except KeyError:
            pass
        if uid in busy:
            continue
        found += 1
        if found == slot:
            return uid
    raise RuntimeError("no free uid for the sandbox in 61000…61999")


def _uid_of(entry: Path) -> int | None:
    try:
        status = (entry / "status").read_text()
    except OSError:
        return None
    line = next((ln for ln in status.splitlines() if ln.startswith("Uid:")), "")
    parts = line.split()
    return int(parts[1]) if len(parts) > 1 else None


@cache
def _default_uid() -> int | None:
    """As root, the first free sandbox uid (chosen once per process); otherwise None (children run as us)."""
    return free_uid() if os.geteuid() == 0 else None


def find_sandbox(uid: int | None = None) -> Sandbox:
    """The best way to run children on this machine, as ``uid`` (as root; default: the first free one).

    Probed once per uid, by starting one child. A `--jobs` worker passes the uid of its slot.
    """
    return _sandbox_for(uid if uid is not None else _default_uid())


@cache
def _sandbox_for(uid: int | None) -> Sandbox:
    root = os.geteuid() == 0
    candidates = []
    if root:
        if _python_with_numpy(SYSTEM_PYTHON):
            candidates.append(SYSTEM_PYTHON)
    else:
        candidates.append(sys.executable)
        if _python_with_numpy(SYSTEM_PYTHON):
            candidates.append(SYSTEM_PYTHON)
    child_uid = uid if root else None
    notes = []
    if shutil.which("bwrap"):
        for python in candidates:
            box = Sandbox("bwrap", python, child_uid, _bwrap_binds(python))
            if _probe(box):
                return box
        notes.append("bubblewrap is installed but could not start a child here")
    else:
        notes.append("bubblewrap is not installed (apt-get install bubblewrap)")
    if root and not candidates:
        notes.append(f"no interpreter with NumPy readable by uid {uid} (apt-get install python3-numpy)")
    python = candidates[0] if candidates else sys.executable
    return Sandbox("rlimits", python, child_uid if candidates else None, (), "; ".join(notes))


def _probe(box: Sandbox) -> bool:
    with tempfile.TemporaryDirectory() as tmp:
        sub = Path(tmp) / "probe.py"
        sub.write_text("")
        try:
            child = Child(box, Limits(import_seconds=30), sub, ["sigmoid"])
            child.start()
            child.close()
            return True
        except (ChildError, OSError):
            return False


def _limits(limits: Limits) -> Callable[[], None]:
    def apply() -> None:  # runs in the child between fork and exec: setrlimit only (FINDINGS: preexec_fn)
        mem = limits.memory_mib << 20
        resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
        resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds))
        resource.setrlimit(resource.RLIMIT_NPROC, (limits.processes, limits.processes))
        resource.setrlimit(resource.RLIMIT_FSIZE, (limits.file_bytes, limits.file_bytes))
        resource.setrlimit(resource.RLIMIT_NOFILE, (limits.open_files, limits.open_files))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    return apply


def processes_of(uid: int) -> list[int]:
    """The pids of every process whose real uid is ``uid``."""
    return [int(e.name) for e in Path("/proc").iterdir() if e.name.isdigit() and _uid_of(e) == uid]


def _kill_uid(uid: int) -> None:
    """Kill every process of ``uid`` (what escaped its session), then reap what is ours."""
    for _ in range(50):
        victims = processes_of(uid)
        if not victims:
            return
        for pid in victims:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        _reap()
        time.sleep(0.02)


def _reap() -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


class Child:
    """One child process running one submission; `call` sends a request and waits for the reply."""

    def __init__(self, box: Sandbox, limits: Limits, submission: Path, api: list[str]) -> None:
        self.box = box
        self.limits = limits
        self.submission = Path(submission)
        self.api = list(api)
        self.proc: subprocess.Popen | None = None
        self.dir: str | None = None
        self.req_w = self.rep_r = -1

    # -- start and stop
    def _command(self, req_r: int, rep_w: int) -> list[str]:
        sub, child = f"{self.dir}/submission.py", f"{self.dir}/child.py"
        names = ",".join(self.api)
        if self.box.mode != "bwrap":
            return [self.box.interpreter, "-I", child, str(req_r), str(rep_w), sub, names]
        cmd = ["bwrap", "--unshare-all", "--die-with-parent", "--new-session", "--dev", "/dev", "--proc", "/proc"]
        cmd += ["--tmpfs", "/tmp"]
        for path in self.box.binds:
            cmd += ["--ro-bind", path, path]
        for link in ("lib", "lib64", "bin"):
            if os.path.islink(f"/{link}"):
                cmd += ["--symlink", os.readlink(f"/{link}"), f"/{link}"]
        cmd += ["--ro-bind", sub, "/sandbox/submission.py", "--ro-bind", child, "/sandbox/child.py"]
        cmd += ["--chdir", "/tmp", "--clearenv", "--setenv", "PATH", "/usr/bin", "--setenv", "HOME", "/tmp"]
        cmd += ["--setenv", "OPENBLAS_NUM_THREADS", "1", "--setenv", "OMP_NUM_THREADS", "1"]
        cmd += [self.box.interpreter, "-I", "/sandbox/child.py", str(req_r), str(rep_w), "/sandbox/submission.py"]
        return [*cmd, names]

    def start(self) -> list[str]:
        """Start the child and import the submission; the API functions it defines."""
        self.dir = tempfile.mkdtemp(prefix="derivations-grade-")
        os.chmod(self.dir, 0o755)
        shutil.copyfile(self.submission, f"{self.dir}/submission.py")
        shutil.copyfile(CHILD, f"{self.dir}/child.py")
        for f in ("submission.py", "child.py"):
            os.chmod(f"{self.dir}/{f}", 0o644)
        req_r, self.req_w = os.pipe()
        self.rep_r, rep_w = os.pipe()
        env = {"PATH": "/usr/bin:/bin", "HOME": "/tmp", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
        kwargs: dict = {}
        if self.box.uid is not None:
            kwargs = {"user": self.box.uid, "group": self.box.uid, "extra_groups": []}
        try:
            self.proc = subprocess.Popen(
                self._command(req_r, rep_w),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,  # never a pipe: a detached grandchild could hold it open
                stderr=subprocess.DEVNULL,
                pass_fds=(req_r, rep_w),
                start_new_session=True,
                preexec_fn=_limits(self.limits),
                cwd=self.dir,
                env=env,
                **kwargs,
            )
        finally:
            os.close(req_r)
            os.close(rep_w)
        header, _ = self._receive(self.limits.import_seconds, importing=True)
        if header.get("type") == "import_error":
            self.close()
            raise ChildError(Outcome.IMPORT_ERROR, str(header.get("error", "")))
        if header.get("type") != "ready" or not isinstance(header.get("functions"), list):
            self.close()
            raise ChildError(Outcome.PROTOCOL, "the child's first message was not 'ready'")
        return [f for f in header["functions"] if f in self.api]

    def close(self) -> None:
        """Kill the child, everything it started, and reap them; remove the copy of the submission."""
        if self.proc is not None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except OSError:
                pass
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
            self.proc = None
        for fd in (self.req_w, self.rep_r):
            if fd >= 0:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self.req_w = self.rep_r = -1
        if self.box.uid is not None:
            _kill_uid(self.box.uid)  # whatever escaped the session or outlived bubblewrap: its uid gives it away
        _reap()
        if self.dir:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None

    # -- messages
    def _read_exact(self, n: int, deadline: float) -> bytes:
        chunks = []
        while n > 0:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError
            ready, _, _ = select.select([self.rep_r], [], [], left)
            if not ready:
                raise TimeoutError
            chunk = os.read(self.rep_r, min(n, 1 << 20))
            if not chunk:
                raise EOFError
            chunks.append(chunk)
            n -= len(chunk)
        return b"".join(chunks)

    def _receive(self, seconds: float, importing: bool = False) -> tuple[dict, list[np.ndarray]]:
        deadline = time.monotonic() + seconds
        try:
            (size,) = struct.unpack(">I", self._read_exact(4, deadline))
            if size > MAX_HEADER:
                raise ValueError(f"a reply header of {size} bytes")
            header = json.loads(self._read_exact(size, deadline))
            if not isinstance(header, dict):
                raise ValueError("a reply header that is not an object")
            count = header.get("arrays", 0)
            if not isinstance(count, int) or not 0 <= count <= MAX_ARRAYS:
                raise ValueError("a bad array count")
            arrays = []
            for _ in range(count):
                (n,) = struct.unpack(">I", self._read_exact(4, deadline))
                if n > MAX_ARRAY:
                    raise ValueError(f"an array of {n} bytes")
                arrays.append(npy_format.read_array(BytesIO(self._read_exact(n, deadline)), allow_pickle=False))
        except TimeoutError:
            self.close()
            what = "importing the submission" if importing else "the call"
            limit = self.limits.import_seconds if importing else self.limits.call_seconds
            kind = Outcome.IMPORT_TIMEOUT if importing else Outcome.TIMEOUT
            raise ChildError(kind, f"{what} took longer than {limit:g} s") from None
        except EOFError:
            code = self._exit_code()
            self.close()
            where = "while importing" if importing else "during the call"
            raise ChildError(Outcome.CRASHED, f"the process ended {where} ({code})") from None
        except (ValueError, UnicodeDecodeError, struct.error, RecursionError) as exc:  # JSONDecodeError: a ValueError
            self.close()
            what = "a header nested too deeply" if isinstance(exc, RecursionError) else str(exc)[:200]
            raise ChildError(Outcome.PROTOCOL, f"the child broke the protocol: {what}") from None
        return header, arrays

    def _exit_code(self) -> str:
        if self.proc is None:
            return "no process"
        try:
            code = self.proc.wait(timeout=1)
        except subprocess.TimeoutExpired:
            return "closed its reply pipe"
        if code < 0:
            name = signal.Signals(-code).name
            hint = {"SIGKILL": " — a resource limit?", "SIGXCPU": " — CPU time limit", "SIGSEGV": " — a crash"}
            return f"killed by {name}{hint.get(name, '')}"
        return f"exit code {code}"

    def call(self, name: str, args: list[np.ndarray], floats: tuple[int, ...] = ()) -> tuple[list[np.ndarray], bool]:
        """The function's return value as arrays (and whether it was a tuple); ChildError otherwise."""
        if self.proc is None:
            raise ChildError(Outcome.CRASHED, "the process is not running")
        bodies = []
        for a in args:
            buf = BytesIO()
            npy_format.write_array(buf, np.asarray(a), allow_pickle=False)
            bodies.append(buf.getvalue())
        raw = json.dumps({"call": name, "arrays": len(bodies), "floats": list(floats)}).encode()
        data = struct.pack(">I", len(raw)) + raw + b"".join(struct.pack(">I", len(b)) + b for b in bodies)
        try:
            os.write(self.req_w, data) if len(data) < 65536 else self._write_all(data)
        except (BrokenPipeError, OSError):
            code = self._exit_code()
            self.close()
            raise ChildError(Outcome.CRASHED, f"the process ended before the call ({code})") from None
        header, arrays = self._receive(self.limits.call_seconds)
        kind = header.get("type")
        error = str(header.get("error", ""))[:500]
        if kind == "result":
            return arrays, bool(header.get("tuple"))
        if kind == "bad_result":
            raise ChildError(Outcome.BAD_RESULT, error)
        if kind == "exception":
            which = header.get("kind")
            outcome = EXCEPTION_KINDS.get(which) if isinstance(which, str) else None
            if outcome is not None:
                raise ChildError(outcome, error)
            kind = f"exception of kind {str(which)[:40]}"
        self.close()
        raise ChildError(Outcome.PROTOCOL, f"an unexpected reply {str(kind)[:60]!r}")

    def _write_all(self, data: bytes) -> None:
        deadline = time.monotonic() + self.limits.call_seconds
        while data:
            _, ready, _ = select.select([], [self.req_w], [], max(deadline - time.monotonic(), 0))
            if not ready:
                raise OSError("the child does not read its requests")
            n = os.write(self.req_w, data[: 1 << 16])
            data = data[n:]
