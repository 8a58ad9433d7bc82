"""Grading one submission: NumPy code (in the sandboxed child) or a LaTeX answer (with the step checker).

For code, Hypothesis runs here in the parent: it draws the inputs, sends them to the child, compares
the reply with `numeric/`, and shrinks a failure to a minimal counterexample. It is derandomised,
so every student meets the same inputs. Each function has two parts: *correctness* on typical
inputs and *stability* on extreme ones, each all-or-nothing with feedback. A timeout, a crash or a
broken protocol ends that part at the first input that caused it (no shrinking through restarts);
the next part starts a fresh child.
"""

from __future__ import annotations

import hashlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import tomllib
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import numpy as np
from hypothesis import HealthCheck, Phase, given, settings

from derivations.errors import InputError
from derivations.files import cache_dir
from derivations.grading.api import API, SPECS, Domain, FunctionSpec, compare, describe_args, expected
from derivations.grading.sandbox import Child, ChildError, Limits, Sandbox, become_subreaper, find_sandbox

VERDICTS = {
    "passed": "passed",
    "wrong": "wrong answer",
    "exception": "raised an exception",
    "bad_result": "returned something that is not an array of numbers",
    "timeout": "timed out",
    "memory": "ran out of memory",
    "crashed": "the process died",
    "protocol": "broke the grader's protocol",
    "import_error": "could not be imported",
    "import_timeout": "import timed out",
    "not_submitted": "not submitted",
}


@dataclass(frozen=True)
class Config:
    """Points, examples, domain and limits (a TOML file overrides any of them; docs/grading.md)."""

    points: dict[str, float] = field(default_factory=lambda: {s.name: s.default_points for s in SPECS})
    stability_share: float = 0.4
    correctness_examples: int = 100
    stability_examples: int = 100
    domain: Domain = field(default_factory=Domain)
    limits: Limits = field(default_factory=Limits)
    tolerance_ulps: float = 16.0
    tolerance_floor: float = 0.0
    latex_points: float = 10.0
    latex_seconds: float = 120.0
    latex_memory_mib: int = 2048

    @classmethod
    def load(cls, path: Path | None) -> Config:
        if path is None:
            return cls()
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise InputError(f"'{path}' does not exist (expected a grading configuration in TOML)") from None
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise InputError(f"'{path}' is not a TOML configuration: {exc}") from None
        config = cls()
        known = {"points", "parts", "examples", "domain", "limits", "latex", "tolerance"}
        unknown = sorted(set(data) - known)
        if unknown:
            raise InputError(f"'{path}': unknown section [{unknown[0]}] (expected {', '.join(sorted(known))})")
        points = dict(config.points)
        for name, value in data.get("points", {}).items():
            if name not in points or not isinstance(value, int | float) or value < 0:
                raise InputError(
                    f"'{path}': [points] {name} = {value!r} (expected one of {', '.join(API)} = a number ≥ 0)"
                )
            points[name] = float(value)
        try:
            domain = replace(config.domain, **data.get("domain", {}))
            limits = replace(config.limits, **data.get("limits", {}))
        except TypeError as exc:
            raise InputError(f"'{path}': {exc}") from None
        parts = data.get("parts", {})
        examples = data.get("examples", {})
        latex = data.get("latex", {})
        tolerance = data.get("tolerance", {})
        bad = sorted(set(tolerance) - {"ulps", "floor"})
        if bad or any(not isinstance(v, int | float) or v < 0 for v in tolerance.values()):
            raise InputError(f"'{path}': [tolerance] takes ulps and floor, numbers ≥ 0")
        share = float(parts.get("stability_share", config.stability_share))
        if not 0 <= share <= 1:
            raise InputError(f"'{path}': [parts] stability_share = {share} (expected a number in [0, 1])")
        return replace(
            config,
            points=points,
            stability_share=share,
            correctness_examples=int(examples.get("correctness", config.correctness_examples)),
            stability_examples=int(examples.get("stability", config.stability_examples)),
            domain=domain,
            limits=limits,
            latex_points=float(latex.get("points", config.latex_points)),
            tolerance_ulps=float(tolerance.get("ulps", config.tolerance_ulps)),
            tolerance_floor=float(tolerance.get("floor", config.tolerance_floor)),
            latex_seconds=float(latex.get("seconds", config.latex_seconds)),
        )


@dataclass
class Test:
    """One graded part: a function's correctness or stability, or a LaTeX answer's criterion."""

    name: str
    score: float
    max_score: float
    verdict: str
    output: str
    counterexample: dict | None = None

    @property
    def passed(self) -> bool:
        return self.verdict == "passed"

    def to_gradescope(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "score": round(self.score, 4),
            "max_score": self.max_score,
            "status": "passed" if self.passed else "failed",
            "output": self.output,
        }


@dataclass
class Result:
    """A submission's grade: its tests, and what went wrong before any test could run."""

    student: str
    file: str
    kind: str
    tests: list[Test] = field(default_factory=list)
    error: str = ""
    sandbox: str = ""
    seconds: float = 0.0

    @property
    def score(self) -> float:
        return sum(t.score for t in self.tests)

    @property
    def max_score(self) -> float:
        return sum(t.max_score for t in self.tests)

    def to_gradescope(self) -> dict[str, Any]:
        """Gradescope's results.json."""
        lines = [f"{self.student}: {self.score:g}/{self.max_score:g}"]
        if self.error:
            lines.append(self.error)
        if self.sandbox:
            lines.append(self.sandbox)
        return {
            "score": round(self.score, 4),
            "max_score": self.max_score,
            "output": "\n".join(lines),
            "execution_time": round(self.seconds, 2),
            "tests": [t.to_gradescope() for t in self.tests],
        }

    def to_json(self) -> dict[str, Any]:
        return {**self.to_gradescope(), "student": self.student, "file": self.file, "kind": self.kind,
                "error": self.error, "details": [asdict(t) for t in self.tests]}  # fmt: skip


#: Verdicts after which the child is gone: the part stops at that input (no shrinking through restarts).
FATAL = ("timeout", "crashed", "protocol", "import_timeout", "import_error")


class _Failure(Exception):
    """A part failed on this input (raised inside Hypothesis so it shrinks)."""


_INPUTS: dict[tuple, list[tuple]] = {}
INPUTS_FORMAT = 1  # the cache of drawn inputs is keyed on this, the versions, and functions.py's text


def _inputs(fs: FunctionSpec, part: str, config: Config) -> list[tuple]:
    """The inputs every student's function meets first: drawn once per run, derandomised, in order."""
    strategy = fs.typical(config.domain) if part == "correctness" else fs.extreme(config.domain)
    examples = config.correctness_examples if part == "correctness" else config.stability_examples
    key = (fs.name, part, examples, config.domain)
    if key not in _INPUTS:
        cached = _load_inputs(key)
        if cached is not None:
            _INPUTS[key] = cached
            return cached
        drawn: list[tuple] = []

        @settings(max_examples=examples, derandomize=True, database=None, deadline=None,
                  suppress_health_check=list(HealthCheck), phases=(Phase.explicit, Phase.generate))  # fmt: skip
        @given(strategy)
        def collect(args: tuple) -> None:
            drawn.append(tuple(np.asarray(a) for a in args))

        collect()
        _INPUTS[key] = drawn
        _save_inputs(key, drawn)
    return _INPUTS[key]


def _cache_file(key: tuple) -> Path:
    import hypothesis

    from derivations.grading import api as functions

    source = Path(functions.__file__).read_bytes()  # the strategies themselves: a change draws afresh
    stamp = repr((key, hypothesis.__version__, np.__version__, INPUTS_FORMAT)).encode() + source
    digest = hashlib.sha256(stamp).hexdigest()
    return cache_dir("grading-inputs") / f"{key[0]}-{key[1]}-{digest[:16]}.npz"


def _load_inputs(key: tuple) -> list[tuple] | None:
    """The inputs drawn by an earlier run with the same domain and versions (derandomised: the same)."""
    try:
        with np.load(_cache_file(key), allow_pickle=False) as data:
            count = int(data["count"])
            return [tuple(data[f"{i}_{j}"] for j in range(int(data[f"len_{i}"]))) for i in range(count)]
    except (OSError, KeyError, ValueError):
        return None


def _save_inputs(key: tuple, drawn: list[tuple]) -> None:
    arrays: dict[str, np.ndarray] = {"count": np.asarray(len(drawn))}
    for i, args in enumerate(drawn):
        arrays[f"len_{i}"] = np.asarray(len(args))
        arrays.update({f"{i}_{j}": np.asarray(a) for j, a in enumerate(args)})
    path = _cache_file(key)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".npz")
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, **arrays)
        os.replace(tmp, path)
    except OSError:
        pass  # a read-only home: draw again next time


def _part(
    holder: dict, box: Sandbox, config: Config, submission: Path, fs: FunctionSpec, part: str
) -> tuple[str, str, dict | None, int]:
    """(verdict, feedback, counterexample, examples run) of one part.

    The part's fixed inputs are tried first (fast); only a failure starts Hypothesis, which searches
    the same domain again and shrinks what it finds to a minimal counterexample.
    """
    strategy = fs.typical(config.domain) if part == "correctness" else fs.extreme(config.domain)
    examples = config.correctness_examples if part == "correctness" else config.stability_examples
    state: dict[str, Any] = {"fatal": None, "last": None}

    def child() -> Child:
        if holder.get("child") is None:
            c = Child(box, config.limits, submission, list(API))
            c.start()
            holder["child"] = c
        return holder["child"]

    def attempt(args: tuple) -> tuple | None:
        """None if the child's answer passes, else (kind, message, args[, got]); a fatal kind drops the child."""
        try:
            got, as_tuple = child().call(fs.name, list(args), fs.floats)
        except ChildError as exc:
            if exc.kind in FATAL:
                holder["child"] = None
                return exc.kind, exc.message, args
            return _kind(exc), exc.message, args
        reason = compare(fs, args, got, as_tuple, ulps=config.tolerance_ulps, floor=config.tolerance_floor)
        return ("wrong", reason, args, got) if reason else None

    inputs = _inputs(fs, part, config)
    first_failure = next((f for f in map(attempt, inputs) if f is not None), None)
    if first_failure is None:
        return "passed", f"{len(inputs)} {part} examples passed", None, len(inputs)
    if first_failure[0] in FATAL:
        return _feedback(fs, part, first_failure, len(inputs))

    @settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        phases=(Phase.explicit, Phase.generate, Phase.shrink),
        report_multiple_bugs=False,
        print_blob=False,
    )
    @given(strategy)
    def run(args: tuple) -> None:
        # once the child is gone, fail at once without a call (the first input is the one reported)
        failure = state["fatal"] or attempt(args)
        if failure is None:
            return
        if state["fatal"] is None:
            state["fatal" if failure[0] in FATAL else "last"] = failure
        raise _Failure  # one place, so Hypothesis sees one failure to shrink

    try:
        run()
    except Exception:  # _Failure, or Hypothesis's report of it (the verdict is in ``state``)
        pass
    found = state["fatal"] or state["last"] or first_failure  # Hypothesis's shrunk failure, else the first
    return _feedback(fs, part, found, len(inputs))


def _kind(exc: ChildError) -> str:
    """An exception that is a MemoryError (the address-space limit) gets its own verdict."""
    return "memory" if exc.kind == "exception" and exc.message.startswith("MemoryError") else exc.kind


def _feedback(fs: FunctionSpec, part: str, found: tuple, count: int) -> tuple:
    kind, message, args = found[:3]
    got = found[3] if len(found) > 3 else None
    ce = {"input": describe_args(fs, args), "expected": expected(fs, args)}
    if got is not None:
        ce["got"] = ", ".join(np.array2string(np.asarray(g), precision=17, separator=", ", threshold=20) for g in got)
    text = f"{VERDICTS[kind]}: {message}\n  input:    {ce['input']}\n  expected: {ce['expected']}"
    if "got" in ce:
        text += f"\n  got:      {ce['got']}"
    return kind, text, ce, count


def grade_python(submission: Path, config: Config, *, student: str = "", box: Sandbox | None = None) -> Result:
    """Every function of the API: correctness and stability, or 'not submitted'."""
    start = time.perf_counter()
    box = box or find_sandbox()
    become_subreaper()
    result = Result(student or submission.stem, str(submission), "python")
    if not box.isolated:
        result.sandbox = f"warning: the submission ran without isolation ({box.note})"
    holder: dict[str, Any] = {"child": None}
    error_kind = ""
    try:
        probe = Child(box, config.limits, submission, list(API))
        try:
            defined = probe.start()
            holder["child"] = probe
        except ChildError as exc:
            result.error = f"the submission {VERDICTS.get(exc.kind, exc.kind)}: {exc.message}"
            error_kind = exc.kind
            defined = []
        for fs in SPECS:
            total = config.points.get(fs.name, 0.0)
            if total == 0:
                continue  # not part of this assignment (the later functions are opt-in: docs/grading.md)
            shares = {"correctness": total * (1 - config.stability_share), "stability": total * config.stability_share}
            for part, points in shares.items():
                name = f"{fs.name}: {part}"
                if result.error:
                    result.tests.append(Test(name, 0.0, points, error_kind, result.error))
                    continue
                if fs.name not in defined:
                    result.tests.append(Test(name, 0.0, points, "not_submitted", f"{fs.name} was not submitted"))
                    continue
                verdict, text, ce, _ = _part(holder, box, config, submission, fs, part)
                result.tests.append(Test(name, points if verdict == "passed" else 0.0, points, verdict, text, ce))
    finally:
        if holder.get("child") is not None:
            holder["child"].close()
    result.seconds = time.perf_counter() - start
    return result


def grade_latex(submission: Path, config: Config, *, against: str | None, student: str = "") -> Result:
    """A derivation graded by the step checker, in a child process under time and memory limits."""
    from derivations.identities import get
    from derivations.notation.document import read_document

    start = time.perf_counter()
    result = Result(student or submission.stem, str(submission), "latex")
    try:
        doc = read_document(submission)
    except InputError as exc:
        result.error = str(exc)
        result.tests.append(Test("derivation: readable", 0.0, config.latex_points, "import_error", str(exc)))
        return result
    name = against or doc.front.extra.get("identity", "")
    if not name:
        raise InputError(
            f"'{submission}': which identity does it prove? (give --against NAME or 'identity:' in its front matter)"
        )
    get(name)
    holds_pts = config.latex_points * 0.4
    ends_pts = config.latex_points - holds_pts
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "check.json"
        cmd = [
            sys.executable,
            "-m",
            "derivations",
            "check",
            str(submission),
            "--against",
            name,
            "--json",
            str(out),
            "--quiet",
        ]
        mem = config.latex_memory_mib << 20

        def limit() -> None:
            resource.setrlimit(resource.RLIMIT_AS, (mem, mem))

        try:
            subprocess.run(cmd, capture_output=True, timeout=config.latex_seconds, preexec_fn=limit, check=False,
                           env={**os.environ, "PYTHONHASHSEED": "0"})  # fmt: skip
            data = json.loads(out.read_text()) if out.exists() else None
        except subprocess.TimeoutExpired:
            data = None
            result.error = f"checking took longer than {config.latex_seconds:g} s"
    if data is None:
        result.error = result.error or "the step checker could not finish (memory limit?)"
        result.tests.append(Test("derivation: steps hold", 0.0, holds_pts, "timeout", result.error))
        result.tests.append(Test(f"derivation: proves {name}", 0.0, ends_pts, "timeout", result.error))
        return result
    steps = [s for s in data["steps"] if s["verdict"] != "definition"]
    holding = [s for s in steps if s["verdict"] in ("proved", "numeric")]
    wrong = [s for s in steps if s["verdict"] == "wrong"]
    frac = len(holding) / len(steps) if steps else 0.0
    lines = [
        f"{len(holding)} of {len(steps)} steps hold ({', '.join(f'{v} {k}' for k, v in data['summary'].items() if v)})"
    ]
    for s in wrong[:3]:
        lines.append(f"line {s['line']} is wrong: {s['latex']}\n  {s['reason']}")
    for s in [s for s in steps if s["verdict"] == "unchecked"][:3]:
        lines.append(f"line {s['line']} could not be checked: {s['reason']}")
    verdict = "passed" if not wrong and frac == 1.0 else "wrong"
    result.tests.append(Test("derivation: steps hold", holds_pts * frac, holds_pts, verdict, "\n".join(lines),
                             {"first_wrong": wrong[0]} if wrong else None))  # fmt: skip
    against_data = data.get("against", {})
    proved = against_data.get("verdict") in ("proved", "numeric")
    eq_lines = []
    for e in against_data.get("equations", []):
        if e["lines"] and not e["wrong_lines"]:
            eq_lines.append(f"{e['equation']}: lines {e['lines'][0]}–{e['lines'][1]}")
        elif e["lines"]:
            eq_lines.append(f"{e['equation']}: would hold, but line {', '.join(map(str, e['wrong_lines']))} is wrong")
        else:
            eq_lines.append(f"{e['equation']}: no chain of steps that hold leads from its left side to its right side")
    note = " (numeric evidence, not proof)" if against_data.get("verdict") == "numeric" else ""
    result.tests.append(Test(f"derivation: proves {name}", ends_pts if proved else 0.0, ends_pts,
                             "passed" if proved else "wrong", ("proves it" + note if proved else "does not prove it")
                             + "\n" + "\n".join(eq_lines)))  # fmt: skip
    result.seconds = time.perf_counter() - start
    return result


def grade(
    submission: Path, config: Config, *, against: str | None = None, student: str = "", box: Sandbox | None = None
) -> Result:
    """A .py file as code, a .md/.tex file as a derivation."""
    if submission.suffix == ".py":
        return grade_python(submission, config, student=student, box=box)
    if submission.suffix in (".md", ".tex", ".markdown"):
        return grade_latex(submission, config, against=against, student=student)
    raise InputError(f"'{submission}': expected a .py submission or a .md/.tex derivation")


Progress = Callable[[str], None]


def _config_fields() -> list[str]:
    return [f.name for f in fields(Config)]
