"""Grading a LaTeX answer: the step checker's verdicts on the derivation, and whether it proves its identity.

The checker (`derivations.check.check_file`) runs in a worker process of its own under a CPU-time
limit (``[latex] seconds``: the machine's load does not change it) and an address-space limit
(``[latex] memory_mib``), and sends back the typed `Derivation`. The worker runs our code on the
student's text (it never executes student code), so the pickled `Derivation` it writes to its
stdout is ours to load. A fresh interpreter rather than a fork: the address-space limit then
measures the checker, not the grader's own mappings, and ``PYTHONHASHSEED=0`` makes every run of
the checker the same. A worker that runs out of time, memory or stack is the test's
`Outcome.TIMEOUT`, `Outcome.MEMORY` or `Outcome.RECURSION`, never the student's wrong answer; a
worker that fails otherwise is a bug of ours and is raised.

Points (``[latex] points``, default 10): 0.4 of them × the fraction of steps that hold, 0.6 if the
file proves the identity.
"""

from __future__ import annotations

import json
import os
import pickle
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import derivations
from derivations.errors import InputError, UnknownIdentityError
from derivations.grading.results import Result, Test
from derivations.notation.document import read_document
from derivations.verdict import HOLDS, AgainstVerdict, Outcome, Verdict

if TYPE_CHECKING:
    from derivations.check.results import Derivation
    from derivations.grading.config import Config

# derivations.check and derivations.identities import SymPy (0.6 s): imported where a derivation is
# graded, so grading a .py submission does not pay for them. The worker imports this module: it
# stays free of NumPy and Hypothesis (the config is only a type here), so its memory limit is the checker's.

#: The share of the points for the steps that hold; the rest is for proving the identity.
STEPS_SHARE = 0.4
#: Seconds per step the checker may spend (``derivations check``'s default).
STEP_SECONDS = 5.0
#: The worker's wall time may stretch to this many times its CPU limit (as a sandboxed child's: sandbox.py).
WALL_SLACK = 10.0
#: The worker's exit codes when it runs out of memory or of stack (any other failure is a bug of ours).
EXIT_MEMORY = 86
EXIT_RECURSION = 87

#: The worker: limit its own address space before importing anything large, then check the file.
WORKER = f"""
import resource, sys
limit = int(sys.argv[1]) << 20
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
import signal
signal.setitimer(signal.ITIMER_PROF, float(sys.argv[3]))  # CPU time (user + system): SIGPROF ends the worker
try:  # the checker's imports: under RLIMIT_AS an allocation failing in C code can surface as a SystemError
    from derivations.grading.latex import serve
    import derivations.check.chain
except (MemoryError, SystemError):
    sys.exit({EXIT_MEMORY})
try:
    serve(sys.argv[2])
except MemoryError:
    sys.exit({EXIT_MEMORY})
except RecursionError:
    sys.exit({EXIT_RECURSION})
"""


class CheckerStopped(Exception):
    """The checker's worker ran out of time, memory or stack; ``outcome`` says which."""

    def __init__(self, outcome: Outcome, message: str) -> None:
        super().__init__(message)
        self.outcome = outcome
        self.message = message


def serve(request: str) -> None:
    """The worker's side: check the file the JSON ``request`` names and write the pickled `Derivation` to stdout."""
    from derivations.check import check_file

    reply = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # whatever else is printed goes to stderr: stdout carries the reply alone
    job = json.loads(request)
    derivation = check_file(job["path"], seconds=job["seconds"], against=(job["identity"], tuple(job["equations"])))
    reply.write(pickle.dumps(derivation, protocol=pickle.HIGHEST_PROTOCOL))
    reply.close()


def run_checker(submission: Path, identity: str, equations: tuple[str, ...], config: Config) -> Derivation:
    """The checker's `Derivation` of ``submission`` against ``identity``, from a worker under the config's limits.

    Raises `CheckerStopped` when the worker runs out of time, memory or stack, and RuntimeError when
    it fails in any other way (a bug of ours).
    """
    from derivations.check.results import Derivation

    request = json.dumps(
        {"path": str(submission), "identity": identity, "equations": list(equations), "seconds": STEP_SECONDS}
    )
    root = str(Path(derivations.__file__).resolve().parents[1])  # the worker imports the same derivations
    path = os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH", "")) if p)
    env = {**os.environ, "PYTHONHASHSEED": "0", "PYTHONPATH": path}
    # The limit is CPU time (a profiling timer in the worker), which the machine's load does not change;
    # wall time only stops a worker that hangs without using the CPU, at WALL_SLACK times the limit.
    cpu = config.latex_seconds
    cmd = [sys.executable, "-c", WORKER, str(config.latex_memory_mib), request, repr(cpu)]
    stopped = CheckerStopped(Outcome.TIMEOUT, f"checking needed more than {cpu:g} s of CPU time")
    try:
        done = subprocess.run(cmd, capture_output=True, timeout=WALL_SLACK * cpu + 5, env=env, check=False)
    except subprocess.TimeoutExpired:
        raise stopped from None
    memory = f"the step checker ran out of memory ({config.latex_memory_mib} MiB)"
    if done.returncode == EXIT_MEMORY:
        raise CheckerStopped(Outcome.MEMORY, memory)
    if done.returncode == EXIT_RECURSION:
        raise CheckerStopped(Outcome.RECURSION, "the derivation is nested too deeply for the step checker")
    if done.returncode == -signal.SIGPROF:  # the CPU limit
        raise stopped
    if done.returncode < 0:  # under RLIMIT_AS a failed allocation in C (GMP, the allocator) aborts the process
        raise CheckerStopped(Outcome.MEMORY, f"{memory}: killed by {signal.Signals(-done.returncode).name}")
    if done.returncode != 0:
        last = (done.stderr.decode(errors="replace").strip().splitlines() or ["no message"])[-1]
        raise RuntimeError(f"the step checker failed on '{submission}' (exit code {done.returncode}): {last}")
    derivation = pickle.loads(done.stdout)  # our worker's reply: our own objects, never the student's
    if not isinstance(derivation, Derivation):
        raise RuntimeError(f"the step checker's worker sent a {type(derivation).__name__}, not a Derivation")
    return derivation


def grade_latex(submission: Path, config: Config, *, against: str | None = None, student: str = "") -> Result:
    """A derivation graded by the step checker: the steps that hold, and whether it proves its identity."""
    start = time.perf_counter()
    result = Result(student or submission.stem, str(submission), "latex")
    try:
        doc = read_document(submission)
    except InputError as exc:
        result.error = str(exc)
        result.tests.append(Test("derivation: readable", 0.0, config.latex_points, Outcome.IMPORT_ERROR, str(exc)))
        return result
    name = against or doc.front.extra.get("identity", "")
    if not name:
        raise InputError(
            f"'{submission}': which identity does it prove? (give --against NAME or 'identity:' in its front matter)"
        )
    from derivations.identities import get

    identity = get(name)
    if not identity.notation:
        raise UnknownIdentityError(
            f"identity {identity.name!r} has no statement in the notes' notation to check against"
        )
    steps_points = config.latex_points * STEPS_SHARE
    proof_points = config.latex_points - steps_points
    proves = f"derivation: proves {identity.name}"
    try:
        derivation = run_checker(submission, identity.name, tuple(identity.notation), config)
    except CheckerStopped as exc:
        result.error = exc.message
        result.tests.append(Test("derivation: steps hold", 0.0, steps_points, exc.outcome, exc.message))
        result.tests.append(Test(proves, 0.0, proof_points, exc.outcome, exc.message))
        result.seconds = time.perf_counter() - start
        return result
    result.tests.append(_steps_test(derivation, steps_points))
    result.tests.append(_proof_test(derivation, proves, proof_points))
    result.seconds = time.perf_counter() - start
    return result


def _steps_test(derivation: Derivation, points: float) -> Test:
    """Points × the fraction of steps (definitions aside) that hold; passed only when every one does."""
    steps = [s for s in derivation.steps if s.verdict is not Verdict.DEFINITION]
    holding = [s for s in steps if s.verdict in HOLDS]
    wrong = derivation.wrong
    fraction = len(holding) / len(steps) if steps else 0.0
    counts = ", ".join(f"{n} {v.value}" for v, n in derivation.summary.items() if n)
    lines = [f"{len(holding)} of {len(steps)} steps hold ({counts})"]
    for s in wrong[:3]:
        lines.append(f"{s.where} is wrong: {s.latex}\n  {s.reason}")
    for s in derivation.unchecked[:3]:
        lines.append(f"{s.where} could not be checked: {s.reason}")
    outcome = Outcome.PASSED if not wrong and fraction == 1.0 else Outcome.WRONG
    counterexample = {"first_wrong": wrong[0].to_json()} if wrong else None
    return Test("derivation: steps hold", points * fraction, points, outcome, "\n".join(lines), counterexample)


def _proof_test(derivation: Derivation, name: str, points: float) -> Test:
    """All the points if the file proves the identity, with the lines that do (or why not) per equation."""
    against = derivation.against
    proved = against is not None and against.proved
    lines = []
    for e in against.equations if against is not None else []:
        if e.lines and not e.wrong_lines:
            lines.append(f"{e.equation}: {e.span}")
        elif e.lines:
            lines.append(f"{e.equation}: would hold, but {e.wrong} is wrong")
        else:
            lines.append(f"{e.equation}: no chain of steps that hold leads from its left side to its right side")
    numeric = against is not None and against.verdict is AgainstVerdict.NUMERIC
    head = ("proves it" + (" (numeric evidence, not proof)" if numeric else "")) if proved else "does not prove it"
    outcome = Outcome.PASSED if proved else Outcome.WRONG
    return Test(name, points if proved else 0.0, points, outcome, head + "\n" + "\n".join(lines))
