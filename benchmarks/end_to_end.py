"""End-to-end times of the CLI, each a ratio to `python -c "import sympy"` measured in the same run.

    python benchmarks/end_to_end.py            # prints the dict as JSON
    python benchmarks/end_to_end.py --write    # also writes /tmp/e2e/end_to_end.json
    python benchmarks/end_to_end.py --quick    # 1 repetition; no loaded verify, no batch, no peer

The unit is the median of UNIT_REPEATS runs of `import sympy`, taken at the start and at the end of
the run; ratios use the mean of the two. Scratch files (the batch, the course repositories, the
verify JSON) go under /tmp/e2e.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRATCH = Path("/tmp/e2e")
PY = sys.executable
EXE = [PY, "-m", "derivations"]
UNIT_REPEATS = 3
REPEATS = 3
CORES = 2
STUDENTS = 40
COURSE_FILES = 30
BUSY = 4
NOTE = "derivations/notes/neural_network_basics_1.md"
SINGLE = "examples/submissions/naive_textbook.py"
GOALS = {"check": 2.0, "verify": 20.0, "batch_per_student_core": 0.75, "pytest_plugin": 3.0}


# ------------------------------------------------------------------------------------ helpers


#: The cache folder the warm runs share (a check stores a file's verdicts there; docs/command-line.md).
WARM = SCRATCH / "warm-cache"


def shell(cmd: list[str]) -> str:
    """The command as one shell line, with the interpreter spelled `python`."""
    return shlex.join(["python" if c == PY else c for c in cmd])


def wall(
    cmd: list[str],
    repeats: int = 1,
    cwd: Path | None = None,
    ok: tuple[int, ...] = (0,),
    tail: list | None = None,
    cold: bool = False,
) -> list[float]:
    """Wall seconds of each run; raises on an exit code not in `ok`; `tail` collects the last stdout line.

    ``cold``: each run with an empty cache folder of its own (nothing checked before); otherwise the
    runs share the cache folder of this benchmark, so a file checked once is read back (warm).
    """
    times = []
    for _ in range(repeats):
        env = {**os.environ, "XDG_CACHE_HOME": tempfile.mkdtemp(prefix="cold-", dir=SCRATCH) if cold else str(WARM)}
        t = time.perf_counter()
        proc = subprocess.run(cmd, cwd=cwd or ROOT, capture_output=True, text=True, check=False, env=env)
        times.append(time.perf_counter() - t)
        if proc.returncode not in ok:
            raise RuntimeError(f"{shell(cmd)} exited {proc.returncode}: {proc.stderr.strip()[-500:]}")
        if tail is not None:
            tail.append((proc.stdout.strip().splitlines() or [""])[-1])
    return times


def ratio(seconds: float, unit: float) -> float:
    """Seconds as a multiple of the unit, to 2 decimals."""
    return round(seconds / unit, 2)


def per_student_per_core(seconds: float, students: int, cores: int, unit: float) -> float:
    """A batch's (seconds × cores / students) as a multiple of the unit."""
    return ratio(seconds * cores / students, unit)


def figure(cmd: list[str], times: list[float], unit: float, goal: float | None = None) -> dict:
    """One measured command: its times, median, ratio to the unit and goal."""
    med = statistics.median(times)
    out: dict = {"command": shell(cmd), "runs_s": [round(t, 3) for t in times], "seconds": round(med, 3)}
    out["ratio"] = ratio(med, unit)
    if goal is not None:
        out["goal"] = goal
        out["meets_goal"] = out["ratio"] <= goal
    return out


def _verdict(symbolic: str) -> str:
    """The verdict of a symbolic result without its parenthesised method ("proved (cancel)" → "proved")."""
    return re.sub(r"\s*\(.*\)\s*$", "", symbolic, flags=re.S)


def verdicts(report: dict) -> dict[str, dict]:
    """Per identity of a `verify --json` report: pass/fail, the symbolic verdict, each cross-check's pass/fail."""
    return {
        i["name"]: {
            "passed": i["passed"],
            "symbolic": _verdict(i["symbolic"]),
            "checks": [(c["against"], c["passed"]) for c in i.get("checks", [])],
        }
        for i in report["identities"]
    }


def same_verdicts(a: dict, b: dict) -> bool:
    """Whether two `verify --json` reports give every identity the same verdicts."""
    return a["passed"] == b["passed"] and verdicts(a) == verdicts(b)


def differences(a: dict, b: dict) -> list[str]:
    """The identities whose verdicts differ between two reports (or that only one has)."""
    va, vb = verdicts(a), verdicts(b)
    return sorted(k for k in va.keys() | vb.keys() if va.get(k) != vb.get(k))


def same_score(single: float, cell: str) -> bool:
    """Whether a single grade's score equals a CSV cell, at the cell's printed decimals ("2.67" vs 2.6666…)."""
    decimals = len(cell.split(".")[1]) if "." in cell else 0
    return round(single, decimals) == float(cell)


@contextmanager
def busy(n: int) -> Iterator[None]:
    """n busy-looping processes for the duration of the block, killed after."""
    procs = [subprocess.Popen([PY, "-c", "while True: pass"]) for _ in range(n)]
    try:
        time.sleep(0.5)
        yield
    finally:
        for p in procs:
            p.kill()
        for p in procs:
            p.wait()


def unit(repeats: int) -> dict:
    """The median wall time of `python -c "import sympy"`."""
    cmd = [PY, "-c", "import sympy"]
    times = wall(cmd, repeats)
    return {
        "command": shell(cmd),
        "runs_s": [round(t, 3) for t in times],
        "seconds": round(statistics.median(times), 3),
    }


# ----------------------------------------------------------------------------- scratch inputs


def notebook(source: str) -> dict:
    """A one-code-cell notebook holding `source`."""
    cell = {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": source}
    return {"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


def build_batch(folder: Path, students: int = STUDENTS) -> list[str]:
    """A folder of `students` submissions (.py, .ipynb, folders, .md), cycling the examples; returns the keys."""
    subs = ROOT / "examples" / "submissions"
    py = sorted(p for p in subs.glob("*.py") if p.name != "extras.py")
    md = sorted(subs.glob("answer_*.md"))
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    keys = []
    for k in range(students):
        key = f"s{k:02d}"
        src = py[k % len(py)]
        kind = k % 8
        if kind == 5:  # a notebook of the same code
            (folder / f"{key}.ipynb").write_text(json.dumps(notebook(src.read_text())))
        elif kind == 6:  # a folder: the main file imports a helper module
            (folder / key).mkdir()
            (folder / key / "helpers.py").write_text(src.read_text())
            (folder / key / "main.py").write_text("from helpers import *  # noqa: F403\n")
        elif kind == 7:  # a derivation
            shutil.copy(md[k % len(md)], folder / f"{key}.md")
        else:
            shutil.copy(src, folder / f"{key}.py")
        keys.append(key)
    return keys


def build_course(folder: Path, files: int) -> Path:
    """A course repository of `files` *.deriv.md files (corpus files that hold, then the notes), with pytest.ini."""
    sources = sorted((ROOT / "tests" / "corpus").glob("*_true.md")) + sorted(
        (ROOT / "derivations" / "notes").glob("*.md")
    )
    sources += sorted((ROOT / "examples" / "course" / "derivations").glob("*.deriv.md"))
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "lectures").mkdir(parents=True)
    shutil.copy(ROOT / "examples" / "course" / "pytest.ini", folder / "pytest.ini")
    for k in range(files):
        src = sources[k % len(sources)]
        stem = src.name.removesuffix(".md").removesuffix(".deriv")
        (folder / "lectures" / f"{k:02d}_{stem}.deriv.md").write_text(src.read_text())
    return folder


# ------------------------------------------------------------------------------- the figures


def verify_figure(u: float, quick: bool) -> dict:
    """`verify --examples 100` once, and (unless quick) again beside BUSY busy processes."""

    def run(path: Path) -> tuple[list[str], list[float], dict]:
        path.unlink(missing_ok=True)
        cmd = [*EXE, "verify", "--quiet", "--examples", "100", "--json", str(path)]
        times = wall(cmd, ok=(0, 1))
        return cmd, times, json.loads(path.read_text())

    cmd, times, idle = run(SCRATCH / "verify-idle.json")
    out = figure(cmd, times, u, GOALS["verify"])
    out["passed"] = idle["passed"]
    if not quick:
        with busy(BUSY):
            _, loaded_times, loaded = run(SCRATCH / "verify-loaded.json")
        out["loaded"] = {
            "busy_processes": BUSY,
            "seconds": round(loaded_times[0], 3),
            "ratio": ratio(loaded_times[0], u),
            "same_verdicts": same_verdicts(idle, loaded),
            "differences": differences(idle, loaded),
        }
    return out


def grade_figures(u: float, quick: bool) -> dict:
    """One submission graded, and (unless quick) a batch of STUDENTS with --jobs CORES checked against single grades."""
    sandboxed = shutil.which("bwrap") is not None
    flag = [] if sandboxed else ["--no-sandbox"]
    cmd = [*EXE, "grade", SINGLE, "--quiet", *flag]
    out: dict = {"sandboxed": sandboxed, "single": figure(cmd, wall(cmd, 1 if quick else REPEATS), u)}
    if quick:
        return out
    folder = SCRATCH / "batch"
    keys = build_batch(folder)
    table = SCRATCH / "batch-grades.csv"
    table.unlink(missing_ok=True)
    shutil.rmtree(SCRATCH / "batch-grades-results", ignore_errors=True)
    cmd = [*EXE, "grade", "--batch", str(folder), "--jobs", str(CORES), "--csv", str(table), "--quiet", *flag]
    (seconds,) = wall(cmd)
    rows = {r["student"]: r for r in csv.DictReader(table.open())}
    agree = {}
    for key in ("s00", "s05", "s07"):  # a .py, a notebook, a derivation
        (entry,) = folder.glob(f"{key}*")
        result = SCRATCH / f"single-{key}.json"
        result.unlink(missing_ok=True)
        wall([*EXE, "grade", str(entry), "--quiet", "--json", str(result), *flag])
        score = json.loads(result.read_text())["score"]
        agree[entry.name] = {"single": score, "csv": rows[key]["score"], "same": same_score(score, rows[key]["score"])}
    out["batch"] = {
        "command": shell(cmd),
        "students": len(keys),
        "graded_rows": len(rows),
        "cores": CORES,
        "seconds": round(seconds, 3),
        "per_student_per_core_ratio": per_student_per_core(seconds, len(keys), CORES, u),
        "goal": GOALS["batch_per_student_core"],
        "single_vs_csv": agree,
    }
    out["batch"]["meets_goal"] = out["batch"]["per_student_per_core_ratio"] <= GOALS["batch_per_student_core"]
    out["batch"]["kinds"] = {
        "py": len(list(folder.glob("*.py"))),
        "ipynb": len(list(folder.glob("*.ipynb"))),
        "folder": sum(p.is_dir() for p in folder.iterdir()),
        "md": len(list(folder.glob("*.md"))),
    }
    return out


def pytest_figure(u: float, quick: bool) -> dict:
    """pytest over a course repository of COURSE_FILES derivation files vs one of one file, and with -n CORES."""
    big = build_course(SCRATCH / "course30", COURSE_FILES)
    one = build_course(SCRATCH / "course1", 1)
    reps = 1 if quick else REPEATS
    base = [PY, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    said: dict[str, list] = {"one": [], "big": [], "xdist": []}
    t_one = wall([*base, str(one)], reps, cwd=one, ok=(0, 1), tail=said["one"], cold=True)
    t_big = wall([*base, str(big)], reps, cwd=big, ok=(0, 1), tail=said["big"], cold=True)
    wall([*base, str(big)], 1, cwd=big, ok=(0, 1))  # the course's verdicts into the warm cache
    t_warm = wall([*base, str(big)], reps, cwd=big, ok=(0, 1))
    out = {
        "files": COURSE_FILES,
        "one_file": figure([*base, str(one)], t_one, u),
        "repository": figure([*base, str(big)], t_big, u),
        "repository_vs_one": round(statistics.median(t_big) / statistics.median(t_one), 2),
        "goal": GOALS["pytest_plugin"],
    }
    out["meets_goal"] = out["repository_vs_one"] <= GOALS["pytest_plugin"]
    out["repository_warm"] = figure([*base, str(big)], t_warm, u)
    out["repository_warm"]["vs_one"] = round(statistics.median(t_warm) / statistics.median(t_one), 2)
    cmd = [*base, "-n", str(CORES), str(big)]
    t_xdist = wall(cmd, reps, cwd=big, ok=(0, 1), tail=said["xdist"], cold=True)
    out["xdist"] = figure(cmd, t_xdist, u)
    out["xdist"]["vs_one"] = round(statistics.median(t_xdist) / statistics.median(t_one), 2)
    for key, name in (("one", "one_file"), ("big", "repository"), ("xdist", "xdist")):
        out[name]["pytest_said"] = said[key][-1]
    return out


OTTER = SCRATCH / "venv-otter" / "bin" / "otter"
OTTER_CASES = {
    "sigmoid": [
        "x = np.array([-3.0, 0.0, 2.0, 800.0, -800.0])",
        "ref = np.where(x >= 0, 1, np.exp(-np.abs(x))) / (1 + np.exp(-np.abs(x)))",
        "got = sigmoid(x)",
    ],
    "sigmoid_grad": [
        "x = np.array([-3.0, 0.0, 2.0, 40.0])",
        "s = 1 / (1 + np.exp(-x))",
        "ref = s * (1 - s)",
        "got = sigmoid_grad(x)",
    ],
    "softmax": [
        "t = np.array([[1.0, 2.0, 3.0], [710.0, 0.0, -710.0]])",
        "e = np.exp(t - t.max(-1, keepdims=True))",
        "ref = e / e.sum(-1, keepdims=True)",
        "got = softmax(t)",
    ],
    "softmax_jacobian": [
        "t = np.array([0.5, -1.0, 2.0])",
        "s = np.exp(t - t.max()) / np.exp(t - t.max()).sum()",
        "ref = np.diag(s) - np.outer(s, s)",
        "got = softmax_jacobian(t)",
    ],
    "cross_entropy": [
        "y = np.array([[1.0, 0.0, 0.0], [0.2, 0.3, 0.5]])",
        "yh = np.array([[0.5, 0.5, 0.0], [0.1, 0.6, 0.3]])",
        "ref = -np.sum(np.where(y > 0, y * np.log(np.where(y > 0, yh, 1.0)), 0.0), -1)",
        "got = cross_entropy(y, yh)",
    ],
    "ce_softmax_grad": [
        "t = np.array([[1.0, 2.0, 3.0], [1000.0, 0.0, -1000.0]])",
        "y = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]])",
        "e = np.exp(t - t.max(-1, keepdims=True))",
        "ref = e / e.sum(-1, keepdims=True) - y",
        "got = ce_softmax_grad(t, y)",
    ],
    "mse_layer_grads": [
        "x = np.array([[0.5, -1.0], [2.0, 0.3], [-0.4, 0.1]])",
        "y = np.array([0.2, 0.9, 0.4])",
        "W = np.array([0.3, -0.7])",
        "b = 0.1",
        "a = 1 / (1 + np.exp(-(x @ W + b)))",
        "d = -2 * (y - a) * a * (1 - a) / len(y)",
        "ref = (x.T @ d, d.sum())",
        "got = mse_layer_grads(x, y, W, b)",
    ],
}


def build_otter(folder: Path) -> Path:
    """An otter assignment for the same seven functions (hand-written doctests, 10 points each); returns its zip."""
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "tests").mkdir(parents=True)
    close = "np.shape(g) == np.shape(r) and np.allclose(g, r, rtol=1e-9, atol=1e-12)"
    for name, lines in OTTER_CASES.items():
        pairs = "zip(got, ref)" if name == "mse_layer_grads" else "[(got, ref)]"
        check = f"bool(all({close} for g, r in {pairs}))"
        code = "\n".join(">>> " + line for line in ["import numpy as np", *lines, check]) + "\nTrue"
        case = {"code": code, "hidden": False, "locked": False}
        suite = {"cases": [case], "scored": True, "setup": "", "teardown": "", "type": "doctest"}
        test = {"name": name, "points": 10, "suites": [suite]}
        (folder / "tests" / f"{name}.py").write_text(f"OK_FORMAT = True\n\ntest = {test!r}\n")
    (folder / "requirements.txt").write_text("numpy\n")
    cmd = [str(OTTER), "generate", "-t", "tests", "-o", "autograder.zip"]
    wall(cmd, cwd=folder)
    return folder / "autograder.zip"


def otter_figure(u: float) -> dict:
    """`otter run` (local, no Docker) on the batch's .py and .ipynb submissions, CORES at a time."""
    venv = OTTER.parents[1]
    setup = f"pip install otter-grader ipykernel there, then {venv}/bin/python -m ipykernel install --prefix {venv}"
    if not OTTER.exists():
        return {"skipped": f"otter-grader not installed in {venv} ({setup})"}
    if not (venv / "share" / "jupyter" / "kernels" / "python3").exists():  # otter runs notebooks in that kernel
        return {"skipped": f"no python3 Jupyter kernel in {venv} ({setup})"}
    zipped = build_otter(SCRATCH / "otter")
    subs = sorted(p for p in (SCRATCH / "batch").iterdir() if p.suffix in (".py", ".ipynb"))
    out_root = SCRATCH / "otter-out"
    shutil.rmtree(out_root, ignore_errors=True)
    cmds = [[str(OTTER), "run", "-a", str(zipped), "-o", str(out_root / p.stem), "--no-logo", str(p)] for p in subs]
    for c in cmds:
        Path(c[5]).mkdir(parents=True)
    single = wall(cmds[0], REPEATS)
    t = time.perf_counter()
    pending = list(cmds)
    running: list[subprocess.Popen] = []
    while pending or running:
        while pending and len(running) < CORES:
            running.append(subprocess.Popen(pending.pop(0), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        running[0].wait()
        running = [p for p in running if p.poll() is None]
    seconds = time.perf_counter() - t
    scored = sum((out_root / p.stem / "results.json").exists() for p in subs)
    theirs = per_student_per_core(seconds, len(subs), CORES, u)
    version = subprocess.run([str(OTTER), "--version"], capture_output=True, text=True).stdout
    return {
        "tool": "otter-grader " + (re.findall(r"Otter-Grader version: (\S+)", version) or ["?"])[0],
        "single": figure(cmds[0], single, u),
        "batch": {
            "command": f"{shell(cmds[0][:4])} -o OUT/<student> --no-logo <student>  ({CORES} at a time)",
            "students": len(subs),
            "results_written": scored,
            "seconds": round(seconds, 3),
            "per_student_per_core_ratio": theirs,
        },
    }


def watch_figure(u: float, edits: int = 3) -> dict:
    """`check --watch` on a copy of note 1: seconds from saving an edit of one line (a term added to a display
    at the start, the middle and the end of the note) to the line saying the file was checked again."""
    folder = SCRATCH / "watch"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    note = folder / "note.md"
    note.write_text((ROOT / NOTE).read_text(encoding="utf-8"), encoding="utf-8")
    cmd = [*EXE, "check", str(note), "--watch", "--quiet"]
    env = {**os.environ, "XDG_CACHE_HOME": tempfile.mkdtemp(prefix="cold-", dir=SCRATCH)}
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
    assert proc.stderr is not None

    def said(text: str) -> str:
        for line in proc.stderr:  # type: ignore[union-attr]
            if text in line:
                return line.strip()
        raise RuntimeError(f"{shell(cmd)} stopped before saying {text!r}")

    times, messages = [], []
    try:
        said("watching")
        lines = note.read_text(encoding="utf-8").split("\n")
        displays = [k for k, line in enumerate(lines) if line.startswith("$$") and line.endswith("$$") and "=" in line]
        for k in [displays[len(displays) * j // edits] for j in range(edits)]:
            time.sleep(0.3)  # a save a moment after the last answer, as at the keyboard
            lines[k] = lines[k][:-2] + " + 1$$"
            t = time.perf_counter()
            note.write_text("\n".join(lines), encoding="utf-8")
            messages.append(said("checked again"))
            times.append(time.perf_counter() - t)
    finally:
        proc.kill()
        proc.wait()
    out = figure([*EXE, "check", NOTE, "--watch"], times, u)
    out.update(goal_s=0.5, meets_goal=out["seconds"] <= 0.5, said=messages)
    return out


def measure(quick: bool = False) -> dict:
    """Every end-to-end figure as seconds and a ratio to `import sympy`, unit measured at start and end."""
    SCRATCH.mkdir(parents=True, exist_ok=True)
    reps = 1 if quick else UNIT_REPEATS
    start = unit(reps)
    u = start["seconds"]  # provisional: ratios are recomputed with the mean unit below
    check_cmd = [*EXE, "check", NOTE, "--quiet"]
    check_said: list[str] = []
    shutil.rmtree(SCRATCH / "report", ignore_errors=True)
    (SCRATCH / "report").mkdir()
    report_cmd = [*EXE, "report", "-o", str(SCRATCH / "report" / "r.tex"), "--quiet"]
    shutil.rmtree(WARM, ignore_errors=True)
    reps_check = 1 if quick else REPEATS
    cold_check = wall(check_cmd, reps_check, ok=(0, 1), tail=check_said, cold=True)
    wall(check_cmd, 1, ok=(0, 1))  # stores the note's verdicts in the warm cache
    data: dict = {
        "check": figure(check_cmd, cold_check, u, GOALS["check"]),
        "check_warm": figure(check_cmd, wall(check_cmd, reps_check, ok=(0, 1), tail=check_said), u, GOALS["check"]),
        "check_watch": watch_figure(u),
        "verify": verify_figure(u, quick),
        "report": figure(report_cmd, wall(report_cmd, cold=True), u),
        "grading": grade_figures(u, quick),
        "pytest_plugin": pytest_figure(u, quick),
    }
    if not quick:
        data["peer"] = otter_figure(u)
    data["check"]["said"] = check_said[-1]
    end = unit(reps)
    mean = round((start["seconds"] + end["seconds"]) / 2, 3)
    rescale(data, u, mean)
    data["import_sympy"] = {"start": start, "end": end, "unit_s": mean}
    data["quick"] = quick
    data["machine"] = f"{os.cpu_count()} cores, shared with other work; Python {sys.version.split()[0]}"
    return data


def rescale(node: object, old: float, new: float) -> None:
    """Recompute every ratio in place from the provisional unit `old` to the final unit `new`."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("ratio", "per_student_per_core_ratio") and isinstance(value, float):
                node[key] = round(value * old / new, 2)
                if "goal" in node and "meets_goal" in node:
                    node["meets_goal"] = node[key] <= node["goal"]
            else:
                rescale(value, old, new)


# ---------------------------------------------------------------------------------- markdown


def markdown_section(d: dict) -> str:
    """The "End to end" section of docs/benchmarks.md from measure()'s dict."""
    s = d["import_sympy"]
    g = d["grading"]
    p = d["pytest_plugin"]
    v = d["verify"]

    def row(name: str, f: dict, goal: str) -> str:
        return f"| {name} | `{f['command']}` | {f['seconds']} | {f['ratio']}× | {goal} |"

    lines = [
        "## End to end (ratios to `import sympy`, measured in the same run)",
        "",
        '"First time": every run with an empty cache folder; "checked before": the file\'s verdicts are in the',
        "cache (docs/command-line.md), as on every run after the first until the file or the checker changes.",
        "",
        f"Unit: `{s['start']['command']}`, median {s['start']['seconds']} s at the start and {s['end']['seconds']} s "
        f"at the end of the run; ratios use the mean, {s['unit_s']} s. The machine is shared ({d['machine']}).",
        "",
        "| what | command | seconds | × import sympy | goal |",
        "|---|---|---:|---:|---|",
        row("check (note 1), first time", d["check"], f"≤ {GOALS['check']}×"),
        row("check (note 1), checked before", d["check_warm"], f"≤ {GOALS['check']}×"),
        row("check --watch, an edit of one line saved", d["check_watch"], "≤ 0.5 s"),
        row("verify", v, f"≤ {GOALS['verify']}×"),
        row("report (.tex)", d["report"], ""),
        row(
            "grade, one submission" + ("" if g["sandboxed"] else " (no sandbox)"),
            g["single"],
            "not seconds of start-up",
        ),
        row("pytest, course of 1 file", p["one_file"], ""),
        row(f"pytest, course of {p['files']} files", p["repository"], f"≤ {GOALS['pytest_plugin']}× the 1-file run"),
        row(f"pytest, {p['files']} files checked before", p["repository_warm"], ""),
        row(f"pytest -n {CORES}, {p['files']} files", p["xdist"], ""),
    ]
    lines += [
        "",
        f"pytest: {p['files']} files take {p['repository_vs_one']}× one file "
        f"({p['xdist']['vs_one']}× with -n {CORES}).",
    ]
    if "loaded" in v:
        lo = v["loaded"]
        same = "identical verdicts" if lo["same_verdicts"] else f"verdicts differ: {', '.join(lo['differences'])}"
        lines.append(
            f"verify beside {lo['busy_processes']} busy processes: {lo['seconds']} s ({lo['ratio']}×), {same}."
        )
    if "batch" in g:
        b = g["batch"]
        agree = all(a["same"] for a in b["single_vs_csv"].values())
        lines.append(
            f"Batch: `{b['command']}` — {b['students']} students ({b['kinds']['py']} .py, "
            f"{b['kinds']['ipynb']} notebooks, "
            f"{b['kinds']['folder']} folders, {b['kinds']['md']} derivations) in {b['seconds']} s: "
            f"{b['per_student_per_core_ratio']}× import sympy per student per core (goal ≤ {b['goal']}); "
            f"3 graded one by one {'agree' if agree else 'DISAGREE'} with the CSV."
        )
    if "peer" in d:
        pr = d["peer"]
        if "skipped" in pr:
            lines.append(f"Peer: {pr['skipped']}.")
        else:
            pb = pr["batch"]
            lines.append(
                f"Peer: {pr['tool']}, `otter run` (local, no Docker, no sandbox; 7 hand-written doctests, one input "
                f"each) on the batch's {pb['students']} .py/.ipynb submissions, {CORES} at a time: {pb['seconds']} s, "
                f"{pb['per_student_per_core_ratio']}× import sympy per student per core (ours: "
                f"{g['batch']['per_student_per_core_ratio']}×); one submission {pr['single']['seconds']} s "
                f"({pr['single']['ratio']}×)."
            )
    return "\n".join(lines) + "\n"


def main() -> None:
    """Measure, print the JSON, and with --write save it to /tmp/e2e/end_to_end.json."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="1 repetition; no loaded verify, batch or peer")
    ap.add_argument("--write", action="store_true", help="also write /tmp/e2e/end_to_end.json")
    args = ap.parse_args()
    data = measure(args.quick)
    text = json.dumps(data, indent=2, ensure_ascii=False)
    print(text)
    print(markdown_section(data))
    if args.write:
        (SCRATCH / "end_to_end.json").write_text(text + "\n")


if __name__ == "__main__":
    main()
