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
import errno
import fcntl
import json
import math
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
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from io import BytesIO
from pathlib import Path

import numpy as np
from numpy.lib import format as npy_format

from derivations.errors import DerivationsError
from derivations.grading.submission import Submission, write_to
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
    #: Processes and threads of the child's uid. The memory limit is per process, so a submission can
    #: hold at most processes × memory_mib: 8 GiB at the defaults (two --jobs: 16 GiB).
    processes: int = 8
    file_bytes: int = 1 << 20
    open_files: int = 64
    #: The sandbox's /tmp (a tmpfs: host memory), counted in memory_mib: the address space gets the rest.
    tmp_mib: int = 16
    #: The child's own time (see `ChildClock`) for all the calls of one submission: a correct but slow
    #: submission (it sleeps in every call) cannot hold a batch for hours.
    submission_seconds: float = 300.0

    @property
    def address_space_mib(self) -> int:
        """What RLIMIT_AS allows: memory_mib less the /tmp the sandbox may fill."""
        return self.memory_mib - self.tmp_mib


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


#: Time (of the child's own, see `ChildClock`) for the sandbox to start and the child to import NumPy.
STARTUP_SECONDS = 30.0


class SandboxFailure(DerivationsError):
    """The sandbox could not start a child: the grader's machine is at fault, never the submission (not a verdict)."""


#: Where children's copies are made: the system's temporary folder, or a batch's own folder (`run_folder`),
#: which its --jobs workers inherit and the batch removes at its end, also after Ctrl-C killed them.
RUN_DIR: list[str | None] = [None]


def copies_root() -> str | None:
    """Where copies for children go: the temporary folder if every folder above it lets others pass, else /tmp.

    The child runs as another uid: a private TMPDIR (``/tmp/pytest-of-root/…``, a home folder) would
    hide its own copy from it.
    """
    base = Path(tempfile.gettempdir()).resolve()
    if all(folder.stat().st_mode & 0o001 for folder in (base, *base.parents)):
        return None
    return "/tmp"


@contextmanager
def run_folder() -> Iterator[None]:
    """Children's copies made in the block go into one folder, removed (whatever was left in it) at its end."""
    folder = tempfile.mkdtemp(prefix="derivations-grade-run-", dir=copies_root())
    os.chmod(folder, 0o755)  # children's own folders inside are 0700, each its uid's
    previous, RUN_DIR[0] = RUN_DIR[0], folder
    try:
        yield
    finally:
        RUN_DIR[0] = previous
        shutil.rmtree(folder, ignore_errors=True)


def _give_to(folder: Path, uid: int) -> None:
    """``folder`` and everything in it owned by ``uid`` (its group too), the folder itself closed to others (0700)."""
    for root, dirs, files in os.walk(folder):
        for name in [*dirs, *files]:
            os.lchown(os.path.join(root, name), uid, uid)
    os.lchown(folder, uid, uid)
    os.chmod(folder, 0o700)


class ChildError(Exception):
    """The child did not answer a call normally; ``kind`` is the part's outcome."""

    def __init__(self, kind: Outcome, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        #: For an import error: the line of the submission's main file where it arose (0: unknown).
        self.line = 0


def become_subreaper() -> None:
    """Orphans of our children (a process that detached with setsid) are re-parented to us, so we can reap them."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        pass


def _python_with_numpy(python: str) -> bool:
    try:
        # numpy.zeros, not only the import: a leftover numpy folder imports as an empty namespace package
        probe = subprocess.run([python, "-I", "-c", "import numpy; numpy.zeros(1)"], capture_output=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return probe.returncode == 0


def _bwrap_binds(interpreter: str) -> tuple[str, ...]:
    binds = ["/usr"]
    for extra in ("/etc/alternatives", "/etc/ld.so.cache", "/etc/matplotlibrc"):  # Debian keeps matplotlibrc in /etc
        if os.path.exists(extra):
            binds.append(extra)
    if not interpreter.startswith("/usr/"):
        prefix = os.path.realpath(sys.base_prefix)
        binds += [prefix] + [p for p in {os.path.realpath(sys.prefix)} if p != prefix]
    return tuple(binds)


SANDBOX_UID = 61000
#: How many uids the sandbox may use, from SANDBOX_UID on.
SANDBOX_UIDS = 1000
#: The uids held: uid → (the descriptor of its lock, the pid that claimed it); a forked worker inherits the
#: table but not the claims, so only entries with its own pid are its own.
_HELD: dict[int, tuple[int, int]] = {}


def lock_dir() -> Path:
    """Where graders claim uids: a folder only root can enter (children run as other uids and cannot hold a lock)."""
    for base in (Path("/run"), Path(tempfile.gettempdir())):
        folder = base / "derivations-sandbox-uids"
        try:
            folder.mkdir(mode=0o700, exist_ok=True)
            info = folder.lstat()
        except OSError:
            continue
        if info.st_uid == os.geteuid() and not Path(folder).is_symlink() and (info.st_mode & 0o077) == 0:
            return folder
    raise RuntimeError("no private folder for the sandbox's uid locks in /run or the temporary folder")


def claim_uid() -> int:
    """A sandbox uid ≥ SANDBOX_UID that this process alone holds: no account, no process, and its lock file flocked.

    The lock (``flock`` on ``<lock_dir>/<uid>``) is held until the process exits, so two graders started
    together never share a uid, and the sweep after a child (every process of the uid) only reaches
    processes this grader started. A forked worker must claim its own: a lock taken by the parent is shared
    with the child's copy of the descriptor, which is why claims open the file afresh.
    """
    folder = lock_dir()
    for uid in range(SANDBOX_UID, SANDBOX_UID + SANDBOX_UIDS):
        if uid in _HELD and _HELD[uid][1] == os.getpid():
            continue  # held by this process already, for another child
        try:
            pwd.getpwuid(uid)
            continue
        except KeyError:
            pass
        fd = os.open(folder / str(uid), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(fd)
            if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN):
                continue
            raise
        if processes_of(uid):  # left by a grader that died (its lock went with it): not ours to kill — and a
            # zombie still counts against the uid's process limit (RLIMIT_NPROC), so it is not free either
            os.close(fd)
            continue
        _HELD[uid] = (fd, os.getpid())
        return uid
    raise RuntimeError(f"no free uid for the sandbox in {SANDBOX_UID}…{SANDBOX_UID + SANDBOX_UIDS - 1}")


def _uid_of(entry: Path) -> int | None:
    try:
        status = (entry / "status").read_text()
    except OSError:
        return None
    line = next((ln for ln in status.splitlines() if ln.startswith("Uid:")), "")
    parts = line.split()
    return int(parts[1]) if len(parts) > 1 else None


_DEFAULT_UID: dict[int, int | None] = {}


def _default_uid() -> int | None:
    """As root, a uid this process claimed for its children (once per process); otherwise None (children run as us)."""
    pid = os.getpid()
    if pid not in _DEFAULT_UID:
        _DEFAULT_UID[pid] = claim_uid() if os.geteuid() == 0 else None
    return _DEFAULT_UID[pid]


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
        notes.append("bubblewrap is not installed")
    if root and not candidates:
        notes.append(f"no interpreter with NumPy readable by uid {uid}")
    python = candidates[0] if candidates else sys.executable
    return Sandbox("rlimits", python, child_uid if candidates else None, (), "; ".join(notes))


#: What the TA reads when student code cannot be isolated here.
NO_SANDBOX = (
    "refusing to run student code without a sandbox: {note}; or pass --no-sandbox to run submissions "
    "without isolation (recorded on every result)"
)


def isolated_sandbox(uid: int | None = None, *, unsandboxed_ok: bool = False) -> Sandbox:
    """`find_sandbox`'s sandbox; SandboxFailure when it does not isolate children, unless ``unsandboxed_ok``."""
    box = find_sandbox(uid=uid)
    if not box.isolated and not unsandboxed_ok:
        note = box.note or "bubblewrap could not start a child here"
        raise SandboxFailure(NO_SANDBOX.format(note=f"{note} (apt-get install bubblewrap python3-numpy)"))
    return box


def _probe(box: Sandbox) -> bool:
    with tempfile.TemporaryDirectory() as tmp:
        sub = Path(tmp) / "probe.py"
        sub.write_text("")
        try:
            child = Child(box, Limits(import_seconds=30), sub, ["sigmoid"])
            child.start()
            child.close()
            return True
        except (ChildError, SandboxFailure, OSError):
            return False


def _limits(limits: Limits) -> Callable[[], None]:
    def apply() -> None:  # runs in the child between fork and exec: setrlimit only (FINDINGS: preexec_fn)
        mem = limits.address_space_mib << 20
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


def running_processes_of(uid: int) -> list[int]:
    """The pids of the processes of ``uid`` that still run: an orphaned zombie under a container's init, which
    may reap it late, runs nothing (it still counts against the uid's process limit)."""
    return [pid for pid in processes_of(uid) if not is_zombie(pid)]


def is_zombie(pid: int) -> bool:
    """Whether ``pid`` has exited and only waits to be reaped: every one of its threads in state Z.

    (A leader thread that exited while other threads run shows Z in its own stat: that process is alive.)
    """
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
        states = [(t / "stat").read_text() for t in tasks]
    except OSError:
        return False
    return bool(states) and all(st[st.rfind(")") + 1 :].split()[:1] == ["Z"] for st in states)


def _kill_uid(uid: int) -> None:
    """Kill every process of ``uid`` (what escaped its session), then reap what is ours.

    Every process of the uid gets SIGKILL each round; the loop stops once only zombies are left (they run
    nothing, and one whose parent never reaps it, an orphan under a container's init, would otherwise
    keep it waiting its full second).
    """
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
        if all(is_zombie(pid) for pid in processes_of(uid)):
            return
        time.sleep(0.02)


def _reap() -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def clean_text(text: str, limit: int = 300) -> str:
    """``text`` (from a child) as a student may read it: control and format characters dropped, cut at a word.

    Escape sequences, bidirectional overrides and NULs are removed (a tab becomes a space); lines are kept.
    Past ``limit`` characters the text is cut at the last space before the limit and ends with "…";
    the first line is kept whole when it fits.
    """
    kept = []
    for ch in text.replace("\t", " ").replace("\r\n", "\n"):
        if ch == "\n" or unicodedata.category(ch)[0] != "C":
            kept.append(ch)
    out = "".join(kept).strip()
    if len(out) <= limit:
        return out
    first = out.split("\n", 1)[0]
    head = out[:limit]
    floor = len(first) if len(first) <= limit else limit // 2  # keep the first line whole when it fits
    space = max(head.rfind(" "), head.rfind("\n"))
    if space >= floor:
        head = head[:space]
    return head.rstrip() + "…"


#: What a signal that ended a child means, worded so that a kill from outside is not blamed on the student.
SIGNAL_MEANING = {
    "SIGSEGV": "a crash in native code (segmentation fault)",
    "SIGBUS": "a crash in native code (bus error)",
    "SIGFPE": "a crash in native code (arithmetic fault)",
    "SIGABRT": "an abort (a failed check in native code)",
    "SIGXCPU": "the CPU time limit",
    "SIGXFSZ": "the file size limit",
    "SIGKILL": "a kill from outside the submission: the CPU time limit, or the machine (out of memory)",
}


def signal_name(number: int) -> str:
    """``SIGSEGV (a crash in native code …)``: the signal's name and what it means here, never a bare number."""
    try:
        name = signal.Signals(number).name
    except ValueError:
        return f"signal {number}"
    meaning = SIGNAL_MEANING.get(name)
    return f"{name} ({meaning})" if meaning else name


def load_array(body: bytes) -> np.ndarray:
    """An .npy body as an array: its header is checked against the body's length before anything is allocated.

    ``numpy.lib.format.read_array`` allocates what the header claims first (a header claiming 2⁴⁵ floats is a
    MemoryError in the grader), so the header is read here, its element count times the item size must be
    exactly the bytes that follow, and the data is then a view of those bytes. Object, structured and
    sub-array dtypes are refused (nothing is ever unpickled), and so are dates, times and raw bytes: an
    answer is numbers (booleans, integers, floats, complex) or text (which the comparison rejects).
    """
    fp = BytesIO(body)
    version = npy_format.read_magic(fp)
    if version == (1, 0):
        shape, fortran, dtype = npy_format.read_array_header_1_0(fp)
    elif version == (2, 0):
        shape, fortran, dtype = npy_format.read_array_header_2_0(fp)
    else:
        raise ValueError(f"an .npy body of version {version}")
    if dtype.kind not in "biufcUS" or dtype.fields is not None or dtype.subdtype is not None or dtype.itemsize == 0:
        raise ValueError(f"an array of dtype {str(dtype)[:40]}")
    if len(shape) > 32 or any(not isinstance(d, int) or d < 0 for d in shape):
        raise ValueError("an array with a bad shape")
    count = math.prod(shape)
    offset = fp.tell()
    if count * dtype.itemsize != len(body) - offset:
        raise ValueError(f"an array whose header claims {count} values and whose body has {len(body) - offset} bytes")
    flat = np.frombuffer(body, dtype=dtype, count=count, offset=offset)
    return flat.reshape(shape, order="F" if fortran else "C").copy()


def descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (children, their children, …), read from /proc."""
    parent_of: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2 :].split()
        if len(fields) > 1:
            parent_of[int(entry.name)] = int(fields[1])
    found, frontier = [], [pid]
    while frontier:
        below = [p for p, parent in parent_of.items() if parent in frontier]
        found += below
        frontier = below
    return found


def _run_delay(pid: int) -> float:
    """Seconds ``pid`` has spent runnable but waiting for a CPU (/proc/PID/schedstat), 0 if unknown."""
    try:
        fields = Path(f"/proc/{pid}/schedstat").read_text().split()
    except OSError:
        return 0.0
    return int(fields[1]) / 1e9 if len(fields) > 1 else 0.0


#: A child's wall time may stretch to this many times its limit while it waits for a CPU, and no further.
WALL_SLACK = 10.0


def _cpu_time(pid: int) -> float:
    """CPU seconds ``pid`` and its reaped children used (/proc/PID/stat: utime, stime, cutime, cstime); 0 if gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat[stat.rfind(")") + 2 :].split()
    return sum(int(f) for f in fields[11:15]) / _TICKS if len(fields) > 14 else 0.0


_TICKS = os.sysconf("SC_CLK_TCK")


class ChildClock:
    """Time the child had: wall time minus the time it waited for a CPU that the rest of the machine held.

    A time limit is a property of the submission, not of the machine: under 4× load a call that takes
    1 s on an idle core takes ~4 s of wall time, and the ~3 s its process spent runnable but not running
    (the kernel's run delay, ``/proc/PID/schedstat``) are not counted. A sleeping or blocked child has
    no run delay, so ``time.sleep`` is charged in full. The child's own processes competing with each
    other (a fork bomb) earn nothing: once the CPU time of all of them reaches the limit, it is spent.
    Wall time never exceeds ``WALL_SLACK`` × the limit.
    """

    def __init__(self, seconds: float, pids: list[int]) -> None:
        self.seconds = seconds
        self.start = time.monotonic()
        self.pids = pids
        self.delay0 = {pid: _run_delay(pid) for pid in pids}
        self.cpu0 = {pid: _cpu_time(pid) for pid in pids}

    def _tree(self) -> set[int]:
        return {*self.pids, *descendants(self.pids[0])} if self.pids else set()

    def waited(self, tree: set[int] | None = None) -> float:
        """The most any of the child's processes waited for a CPU since the clock started (new ones: since birth)."""
        tree = self._tree() if tree is None else tree
        return max((_run_delay(p) - self.delay0.get(p, 0.0) for p in tree), default=0.0)

    def used(self, tree: set[int] | None = None) -> float:
        """CPU seconds all of the child's processes used since the clock started (new ones: since birth)."""
        tree = self._tree() if tree is None else tree
        return sum(_cpu_time(p) - self.cpu0.get(p, 0.0) for p in tree)

    def spent(self) -> float:
        """The child's own time since the clock started: wall time less the main process's wait for a CPU."""
        wall = time.monotonic() - self.start
        if not self.pids:
            return wall
        main = self.pids[-1]
        return max(0.0, wall - max(0.0, _run_delay(main) - self.delay0.get(main, 0.0)))

    def left(self) -> float:
        """Seconds of the child's own time left (≤ 0: the limit is spent)."""
        wall = time.monotonic() - self.start
        if wall < self.seconds:
            return self.seconds - wall
        if wall >= WALL_SLACK * self.seconds:
            return 0.0
        tree = self._tree()
        if self.used(tree) >= self.seconds:
            return 0.0  # it had the CPU time it was given: what it waited for was its own processes
        allowed = self.seconds + min(self.waited(tree), (WALL_SLACK - 1) * self.seconds)
        return max(allowed - wall, 0.05) if allowed > wall else 0.0


class Child:
    """One child process running one submission; `call` sends a request and waits for the reply."""

    def __init__(self, box: Sandbox, limits: Limits, submission: Path | Submission, api: list[str]) -> None:
        self.box = box
        self.limits = limits
        #: A .py file, or what `submission.load_submission` made of a notebook, a folder or a zip.
        self.submission = submission if isinstance(submission, Submission) else Path(submission)
        self.api = list(api)
        self.proc: subprocess.Popen | None = None
        self.dir: str | None = None
        self.req_w = self.rep_r = -1
        self.tree: list[int] | None = None
        #: Modules the submission imports that the sandbox does not have (stood in for; see child.py).
        self.missing: list[str] = []
        #: The child's own time spent answering (import and calls), for `Limits.submission_seconds`.
        self.spent = 0.0

    # -- start and stop
    def _command(self, req_r: int, rep_w: int) -> list[str]:
        sub, child = f"{self.dir}/submission", f"{self.dir}/child.py"
        names = ",".join(self.api)
        if self.box.mode != "bwrap":
            return [self.box.interpreter, "-I", child, str(req_r), str(rep_w), f"{sub}/submission.py", names]
        cmd = ["bwrap", "--unshare-all", "--die-with-parent", "--new-session", "--dev", "/dev", "--proc", "/proc"]
        cmd += ["--size", str(self.limits.tmp_mib << 20), "--tmpfs", "/tmp"]  # /tmp is host RAM: capped
        cmd += ["--remount-ro", "/dev"]  # /dev is a tmpfs too (host RAM, uncapped): its devices stay usable
        for path in self.box.binds:
            cmd += ["--ro-bind", path, path]
        for link in ("lib", "lib64", "bin"):
            if os.path.islink(f"/{link}"):
                cmd += ["--symlink", os.readlink(f"/{link}"), f"/{link}"]
        cmd += ["--ro-bind", sub, "/sandbox/submission", "--ro-bind", child, "/sandbox/child.py"]
        cmd += ["--chdir", "/tmp", "--clearenv", "--setenv", "PATH", "/usr/bin", "--setenv", "HOME", "/tmp"]
        cmd += ["--setenv", "OPENBLAS_NUM_THREADS", "1", "--setenv", "OMP_NUM_THREADS", "1"]
        cmd += ["--setenv", "MPLBACKEND", "Agg", "--setenv", "MPLCONFIGDIR", "/tmp/matplotlib"]  # plots: no windows
        cmd += [self.box.interpreter, "-I", "/sandbox/child.py", str(req_r), str(rep_w)]
        cmd += ["/sandbox/submission/submission.py"]
        return [*cmd, names]

    def start(self) -> list[str]:
        """Start the child and import the submission; the API functions it defines."""
        self.dir = tempfile.mkdtemp(prefix="derivations-grade-", dir=RUN_DIR[0] or copies_root())
        os.chmod(self.dir, 0o755)
        folder = Path(self.dir) / "submission"
        if isinstance(self.submission, Submission):
            write_to(self.submission, folder)  # files 0644, folders 0755: readable by the sandbox's uid
        else:
            folder.mkdir(mode=0o755)
            shutil.copyfile(self.submission, folder / "submission.py")
            os.chmod(folder / "submission.py", 0o644)
        shutil.copyfile(CHILD, f"{self.dir}/child.py")
        os.chmod(f"{self.dir}/child.py", 0o644)
        if self.box.uid is not None:  # the copy is this child's uid's alone: no other child (another student,
            _give_to(Path(self.dir), self.box.uid)  # a reference solution) can read it, with or without bwrap
        req_r, self.req_w = os.pipe()
        self.rep_r, rep_w = os.pipe()
        env = {"PATH": "/usr/bin:/bin", "HOME": "/tmp", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
               "MPLBACKEND": "Agg"}  # fmt: skip
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
        try:
            hello, _ = self._receive(STARTUP_SECONDS, importing=True)
        except ChildError as exc:
            raise SandboxFailure(f"the sandbox could not start a child ({exc.message})") from None
        if hello.get("type") != "hello":
            self.close()
            raise SandboxFailure("the sandbox's child did not say hello")
        self.tree = None
        header, _ = self._receive(self.limits.import_seconds, importing=True)
        self.tree = self._pids_now()
        if header.get("type") == "import_error":
            self.close()
            line = header.get("line")
            exc = ChildError(Outcome.IMPORT_ERROR, clean_text(str(header.get("error", ""))))
            exc.line = line if isinstance(line, int) and not isinstance(line, bool) and 0 < line < 10**7 else 0
            raise exc
        if header.get("type") != "ready" or not isinstance(header.get("functions"), list):
            self.close()
            raise ChildError(Outcome.PROTOCOL, "the child's first message was not 'ready'")
        missing = header.get("missing", [])
        if isinstance(missing, list):
            self.missing = [clean_text(m, 60) for m in missing[:20] if isinstance(m, str)]
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
    def _read_exact(self, n: int, clock: ChildClock) -> bytes:
        chunks = []
        while n > 0:
            left = clock.left()
            if left <= 0:
                raise TimeoutError
            ready, _, _ = select.select([self.rep_r], [], [], left)
            if not ready:
                continue  # the clock decides: the child may have been waiting for a CPU
            chunk = os.read(self.rep_r, min(n, 1 << 20))
            if not chunk:
                raise EOFError
            chunks.append(chunk)
            n -= len(chunk)
        return b"".join(chunks)

    def _receive(self, seconds: float, importing: bool = False) -> tuple[dict, list[np.ndarray]]:
        clock = ChildClock(seconds, self._pids())
        try:
            header, arrays = self._read_message(clock)
            self.spent += clock.spent()
        except TimeoutError:
            self.close()
            what = "importing the submission" if importing else "the call"
            kind = Outcome.IMPORT_TIMEOUT if importing else Outcome.TIMEOUT
            raise ChildError(kind, f"{what} took longer than {seconds:g} s") from None
        except EOFError:
            code = self._exit_code()
            self.close()
            where = "while importing" if importing else "during the call"
            raise ChildError(Outcome.CRASHED, f"the process ended {where} ({code})") from None
        except RecursionError:
            self.close()
            raise ChildError(Outcome.PROTOCOL, "the child broke the protocol: a header nested too deeply") from None
        except Exception as exc:  # anything a child sends is data: no reply may raise out of the grader
            self.close()
            raise ChildError(Outcome.PROTOCOL, f"the child broke the protocol: {clean_text(str(exc), 200)}") from None
        return header, arrays

    def _read_message(self, clock: ChildClock) -> tuple[dict, list[np.ndarray]]:
        """One message: a length, a JSON object, and that many arrays; every size checked before it is read."""
        (size,) = struct.unpack(">I", self._read_exact(4, clock))
        if size > MAX_HEADER:
            raise ValueError(f"a reply header of {size} bytes")
        header = json.loads(self._read_exact(size, clock))
        if not isinstance(header, dict):
            raise ValueError("a reply header that is not an object")
        count = header.get("arrays", 0)
        if not isinstance(count, int) or isinstance(count, bool) or not 0 <= count <= MAX_ARRAYS:
            raise ValueError("a bad array count")
        arrays = []
        for _ in range(count):
            (n,) = struct.unpack(">I", self._read_exact(4, clock))
            if n > MAX_ARRAY:
                raise ValueError(f"an array of {n} bytes")
            arrays.append(load_array(self._read_exact(n, clock)))
        return header, arrays

    def _pids_now(self) -> list[int]:
        """The child's processes now (a scan of /proc)."""
        return [] if self.proc is None else [self.proc.pid, *descendants(self.proc.pid)]

    def _pids(self) -> list[int]:
        """The child's processes (bubblewrap, its init and the interpreter), for the clock; none once it is gone.

        Looked up once the child is ready (a scan of /proc), then reused for every call; the clock looks
        for new ones only when a limit has run out.
        """
        if self.proc is None:
            return []
        if self.tree is None:
            return [self.proc.pid]
        return self.tree

    def _exit_code(self) -> str:
        if self.proc is None:
            return "no process"
        try:
            code = self.proc.wait(timeout=1)
        except subprocess.TimeoutExpired:
            return "closed its reply pipe"
        if self.box.mode == "bwrap" and code > 128:  # bubblewrap exits with 128 + the signal that ended the child
            code = -(code - 128)
        if code < 0:
            return f"ended by {signal_name(-code)}"
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
        error = clean_text(str(header.get("error", "")))
        if kind == "result":
            return arrays, bool(header.get("tuple"))
        if kind == "bad_result":
            raise ChildError(Outcome.BAD_RESULT, error)
        if kind == "exception":
            which = header.get("kind")
            outcome = EXCEPTION_KINDS.get(which) if isinstance(which, str) else None
            if outcome is not None:
                raise ChildError(outcome, error)
            kind = f"exception of kind {clean_text(str(which), 40)}"
        self.close()
        raise ChildError(Outcome.PROTOCOL, f"an unexpected reply {clean_text(str(kind), 60)!r}")

    def _write_all(self, data: bytes) -> None:
        deadline = time.monotonic() + self.limits.call_seconds
        while data:
            _, ready, _ = select.select([], [self.req_w], [], max(deadline - time.monotonic(), 0))
            if not ready:
                raise OSError("the child does not read its requests")
            n = os.write(self.req_w, data[: 1 << 16])
            data = data[n:]
