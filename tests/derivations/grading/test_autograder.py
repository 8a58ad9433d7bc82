"""`derivations autograder`: the Gradescope bundle, and its run_autograder run locally in a scratch root
laid out like Gradescope's (/autograder/source, /autograder/submission, /autograder/results)."""

from __future__ import annotations

import io
import json
import os
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from derivations.grading.autograder import bundle

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "submissions"


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "derivations", *args], capture_output=True, text=True, timeout=600)


def test_the_bundle_holds_the_scripts_the_grader_and_is_the_same_every_time(tmp_path: Path) -> None:
    data = bundle(None, unsandboxed=False)
    assert data == bundle(None, unsandboxed=False)
    z = zipfile.ZipFile(io.BytesIO(data))
    names = set(z.namelist())
    assert {"setup.sh", "run_autograder", "sandbox", "derivations-src/pyproject.toml"} <= names
    assert "derivations-src/derivations/grading/child.py" in names and "derivations-src/numeric/__init__.py" in names
    assert not any("__pycache__" in n for n in names)
    for script in ("setup.sh", "run_autograder"):
        assert stat.S_IMODE(z.getinfo(script).external_attr >> 16) == 0o755
        path = tmp_path / script
        path.write_bytes(z.read(script))
        assert subprocess.run(["bash", "-n", str(path)]).returncode == 0, f"{script} is not valid bash"
    assert z.read("sandbox").strip() == b""
    assert bundle(None, unsandboxed=True) != data


def test_an_existing_bundle_is_not_replaced_without_force(tmp_path: Path) -> None:
    out = tmp_path / "autograder.zip"
    out.write_bytes(b"the TA's own file")
    r = _cli("autograder", "-o", str(out))
    assert r.returncode == 2 and "--force" in r.stderr and out.read_bytes() == b"the TA's own file"
    r = _cli("autograder", "-o", str(out), "--force")
    assert r.returncode == 0, r.stderr
    assert zipfile.is_zipfile(out)


#: A small assignment (two functions, 10 examples a part): the bundle's run stays quick.
QUICK = """[assignment]
name = "quick"
[examples]
correctness = 10
stability = 10
[function.sigmoid]
reference = "sigmoid-derivative:sigmoid"
[function.softmax]
reference = "softmax-jacobian:softmax"
"""


def _gradescope_root(tmp_path: Path, submission: Path | None) -> Path:
    out = tmp_path / "autograder.zip"
    assignment = tmp_path / "quick.toml"
    assignment.write_text(QUICK)
    r = _cli("autograder", "--assignment", str(assignment), "-o", str(out))
    assert r.returncode == 0, r.stderr
    root = tmp_path / "autograder"
    (root / "source").mkdir(parents=True)
    with zipfile.ZipFile(out) as z:
        z.extractall(root / "source")
    (root / "submission").mkdir()
    if submission is not None:
        shutil.copy(submission, root / "submission" / submission.name)
    return root


def _run_autograder(root: Path) -> dict:
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "DERIVATIONS": f"{sys.executable} -m derivations"}
    r = subprocess.run(["bash", str(root / "source" / "run_autograder")], env=env, capture_output=True, text=True,
                       timeout=600)  # fmt: skip
    assert r.returncode == 0, r.stderr
    return json.loads((root / "results" / "results.json").read_text())


@pytest.mark.needs_sandbox
def test_run_autograder_grades_the_submission_folder_as_gradescope_would(tmp_path: Path) -> None:
    mixed = tmp_path / "hw1.py"  # every function right but softmax (the later definition wins)
    mixed.write_text((EXAMPLES / "correct.py").read_text() + (EXAMPLES / "bug_softmax_axis.py").read_text())
    results = _run_autograder(_gradescope_root(tmp_path, mixed))
    assert results["score"] == 10 and results["max_score"] == 20
    assert results["output_format"] == results["test_output_format"] == "md"
    assert results["stdout_visibility"] == "hidden" and results["extra_data"]["sandboxed"] is True
    tests = {t["name"]: t for t in results["tests"]}
    failed = tests["softmax: correctness"]
    assert failed["status"] == "failed" and failed["output"].startswith("```") and "input:" in failed["output"]
    assert tests["sigmoid: correctness"]["status"] == "passed"


def test_run_autograder_always_leaves_a_results_file(tmp_path: Path) -> None:
    """An empty submission folder: the grader refuses it, and the student still gets a results.json saying so."""
    results = _run_autograder(_gradescope_root(tmp_path, None))
    assert results["score"] == 0 and "could not grade" in results["output"] and results["tests"] == []


ASSIGNMENT2 = Path(__file__).resolve().parents[3] / "examples" / "assignment2"


@pytest.mark.needs_sandbox
def test_a_bundle_of_the_second_assignment_carries_its_solution_and_grades_with_it(tmp_path: Path) -> None:
    out = tmp_path / "autograder.zip"
    r = _cli("autograder", "--assignment", str(ASSIGNMENT2 / "assignment.toml"), "-o", str(out))
    assert r.returncode == 0, r.stderr
    root = tmp_path / "autograder"
    (root / "source").mkdir(parents=True)
    with zipfile.ZipFile(out) as z:
        assert {"assignment.toml", "solution.py"} <= set(z.namelist())
        z.extractall(root / "source")
    (root / "submission").mkdir()
    shutil.copy(ASSIGNMENT2 / "submissions" / "bug_backward_sum.py", root / "submission" / "hw2.py")
    results = _run_autograder(root)
    assert results["score"] == 30 and results["max_score"] == 40, results["output"]
    failing = {t["name"].split(":")[0] for t in results["tests"] if t["status"] == "failed"}
    assert failing == {"Dense.backward"}
