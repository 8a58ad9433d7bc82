"""`--batch`: every entry of the folder is graded, skipped by the documented rule, or refused with a reason;
results are written as each student is done; --resume reuses only what the same grader graded from the
same bytes; Ctrl-C leaves a valid CSV."""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import nbformat
import pytest

from derivations.grading.batch import Action, Stamp, Tally, csv_text, digest_of, entries, previous, status_of
from derivations.verdict import Outcome

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "submissions"
#: A fast configuration: sigmoid, sigmoid_grad and softmax (30 points), 10 examples per part.
THREE_FUNCTIONS = "[examples]\ncorrectness = 10\nstability = 10\n[points]\n" + "".join(
    f"{name} = 0\n" for name in ("softmax_jacobian", "cross_entropy", "ce_softmax_grad", "mse_layer_grads")
)


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "derivations", "grade", *args], capture_output=True, text=True,
                          env=env, timeout=900)  # fmt: skip


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "class"
    folder.mkdir()
    for name in ("README.md", "NOTES.txt", "readme", ".DS_Store"):
        (folder / name).write_text("about this folder")
    (folder / ".git").mkdir()
    (folder / "__MACOSX").mkdir()
    (folder / "alice.py").write_text("def sigmoid(x):\n    return x\n")
    (folder / "BOB.PY").write_text("def sigmoid(x):\n    return x\n")
    (folder / "carol").mkdir()
    (folder / "dave.docx").write_bytes(b"PK\x03\x04 not a submission")
    (folder / "erin.ipynb").write_text("{}")
    (folder / "erin.py").write_text("")
    (folder / "frank.md").write_text("$$x = x$$\n")
    (folder / "gina.zip").write_bytes(b"")
    (folder / "link.py").symlink_to(folder / "alice.py")
    return folder


def test_every_entry_is_graded_skipped_or_refused_by_the_rule(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    out = {e.path.name: e for e in entries(folder)}
    assert {n for n, e in out.items() if e.action is Action.SKIP} == {
        "README.md", "NOTES.txt", "readme", ".DS_Store", ".git", "__MACOSX"
    }  # fmt: skip
    graded = {e.student for e in out.values() if e.action is Action.GRADE}
    assert graded == {"alice", "BOB", "carol", "erin.ipynb", "erin.py", "frank", "gina"}
    assert out["dave.docx"].action is Action.REFUSE and "not a submission" in out["dave.docx"].reason
    assert out["link.py"].action is Action.REFUSE and "symbolic link" in out["link.py"].reason


def test_the_batchs_own_outputs_inside_the_folder_are_skipped(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    (folder / "grades.csv").write_text("student\n")
    (folder / "grades-results").mkdir()
    out = {e.path.name: e for e in entries(folder, outputs=(folder / "grades.csv", folder / "grades-results"))}
    assert out["grades.csv"].action is Action.SKIP and out["grades-results"].action is Action.SKIP


def test_status_of_a_function_from_its_parts() -> None:
    assert status_of([Outcome.PASSED, Outcome.PASSED]) == "passed"
    assert status_of([Outcome.PASSED, Outcome.WRONG]) == "wrong"
    assert status_of([Outcome.NOT_SUBMITTED, Outcome.NOT_SUBMITTED]) == "not submitted"
    assert status_of([Outcome.PASSED, Outcome.TIMEOUT]) == "timed out"
    assert status_of([Outcome.EXCEPTION, Outcome.PASSED]) == "crashed"


def test_the_csv_has_only_the_graded_functions_with_score_and_status() -> None:
    row = {"score": 6, "max_score": 20, "sandboxed": True, "details": [
        {"name": "sigmoid: correctness", "score": 6, "verdict": "passed"},
        {"name": "sigmoid: stability", "score": 0, "verdict": "wrong"},
        {"name": "softmax: correctness", "score": 0, "verdict": "not_submitted"},
    ]}  # fmt: skip
    text = csv_text({"alice": row}, ["sigmoid", "softmax"])
    (header, line) = list(csv.reader(text.splitlines()))
    assert header == ["student", "score", "max_score", "sigmoid score", "sigmoid status", "softmax score",
                      "softmax status", "sandboxed", "note"]  # fmt: skip
    assert line == ["alice", "6", "20", "6", "wrong", "0", "not submitted", "yes", ""]


def test_the_summary_names_what_was_refused_and_skipped() -> None:
    line = Tally(["a", "b"], ["c"], ["dave"], [], ["README.md"]).line()
    assert line == "graded 3 (1 reused with --resume); refused 1: dave; skipped 1: README.md"


def test_resume_reuses_only_the_same_grader_assignment_and_bytes(tmp_path: Path) -> None:
    sub = tmp_path / "alice.py"
    sub.write_text("x = 1\n")
    stamp = Stamp("1.0", "assignment-digest", digest_of(sub))
    saved = tmp_path / "alice.json"
    saved.write_text(json.dumps({"student": "alice", "graded_with": stamp.to_json()}))
    assert previous(saved, stamp) is not None
    assert previous(saved, Stamp("1.1", stamp.assignment, stamp.submission)) is None
    assert previous(saved, Stamp(stamp.grader, "another", stamp.submission)) is None
    sub.write_text("x = 2\n")
    assert previous(saved, Stamp(stamp.grader, stamp.assignment, digest_of(sub))) is None
    saved.write_text("{not json")
    assert previous(saved, stamp) is None


HOSTILE_REPLY = """
import os, struct, sys, json
def sigmoid(x):
    raw = json.dumps({"type": "result", "arrays": 1}).encode()
    npy = b"\\x93NUMPY\\x01\\x00" + struct.pack("<H", 118) + (
        "{'descr': '<f8', 'fortran_order': False, 'shape': (35184372088832,), }".ljust(117) + "\\n").encode()
    os.write(int(sys.argv[2]), struct.pack(">I", len(raw)) + raw + struct.pack(">I", len(npy) + 8) + npy + bytes(8))
    return x
"""


def _class_of_many_kinds(tmp_path: Path) -> Path:
    folder = tmp_path / "class"
    folder.mkdir()
    shutil.copy(EXAMPLES / "correct.py", folder / "alice.py")
    shutil.copy(EXAMPLES / "bug_softmax_axis.py", folder / "bob.py")
    (folder / "README.md").write_text("the class of 2026")
    (folder / "mallory.py").write_text(HOSTILE_REPLY)
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("My sigmoid"),
        nbformat.v4.new_code_cell("%matplotlib inline\nimport numpy as np\nimport matplotlib.pyplot as plt"),
        nbformat.v4.new_code_cell("plt.plot([0, 1], [1, 0])\nplt.title('a plot costs nothing')\nplt.show()"),
        nbformat.v4.new_code_cell("!pip install nothing\ndef sigmoid(x):\n    return 1 / (1 + np.exp(-x))"),
    ]
    (folder / "nora.ipynb").write_text(nbformat.writes(nb))
    (folder / "fred").mkdir()
    (folder / "fred" / "main.py").write_text("from helpers import sigmoid\n")
    (folder / "fred" / "helpers.py").write_text(
        "import numpy as np\ndef sigmoid(x):\n    return 1 / (1 + np.exp(-x))\n"
    )
    with zipfile.ZipFile(folder / "zoe.zip", "w") as z:
        z.writestr("hw1/solution.py", "import numpy as np\ndef sigmoid(x):\n    return 1 / (1 + np.exp(-x))\n")
    (folder / "dave.docx").write_bytes(b"not a submission")
    return folder


@pytest.mark.needs_sandbox
def test_a_class_of_every_kind_of_submission_gets_one_row_each(tmp_path: Path) -> None:
    folder = _class_of_many_kinds(tmp_path)
    config = tmp_path / "three.toml"
    config.write_text(THREE_FUNCTIONS)
    out = tmp_path / "grades.csv"
    r = _cli("--batch", str(folder), "--csv", str(out), "--jobs", "2", "--config", str(config), "--quiet")
    assert r.returncode == 0, r.stderr
    rows = {row["student"]: row for row in csv.DictReader(out.open())}
    assert set(rows) == {"alice", "bob", "mallory", "nora", "fred", "zoe", "dave"}
    assert rows["alice"]["score"] == rows["alice"]["max_score"] == "30"
    assert rows["bob"]["softmax status"] == "wrong" and "mse_layer_grads score" not in rows["bob"]
    for student in ("nora", "fred", "zoe"):  # a correct sigmoid, handed in three other ways
        assert rows[student]["sigmoid score"] == "10", rows[student]
    assert rows["mallory"]["sigmoid status"] == "crashed" and rows["dave"]["score"] == "0"
    mallory = json.loads((tmp_path / "grades-results" / "mallory.json").read_text())
    assert {t["verdict"] for t in mallory["details"] if t["name"].split(":")[0] == "sigmoid"} == {"protocol"}
    assert "refused 1: dave" in r.stdout and "skipped 1: README.md" in r.stdout and "graded 6" in r.stdout


@pytest.mark.needs_sandbox
def test_resume_grades_only_what_changed_and_ctrl_c_leaves_a_valid_csv(tmp_path: Path) -> None:
    folder = tmp_path / "class"
    folder.mkdir()
    for k in range(6):
        shutil.copy(EXAMPLES / "correct.py", folder / f"s{k}.py")
    config = tmp_path / "fast.toml"
    config.write_text(THREE_FUNCTIONS)
    out = tmp_path / "grades.csv"
    args = [sys.executable, "-m", "derivations", "grade", "--batch", str(folder), "--csv", str(out), "--config",
            str(config), "--quiet", "--jobs", "2"]  # fmt: skip
    # the run's temporary folder, empty again after Ctrl-C (under /tmp: the sandbox's uid must reach it)
    scratch = Path(tempfile.mkdtemp(prefix="derivations-test-"))
    scratch.chmod(0o755)
    env = {**os.environ, "TMPDIR": str(scratch)}
    run = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    results = tmp_path / "grades-results"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and not (results.exists() and len(list(results.iterdir())) >= 3):
        assert run.poll() is None, run.communicate()[1]  # it may not end before it is interrupted
        time.sleep(0.1)
    run.send_signal(signal.SIGINT)
    stdout, _ = run.communicate(timeout=120)
    assert run.returncode == 130 and "interrupted" in stdout
    left = list(scratch.glob("derivations-grade-*"))
    shutil.rmtree(scratch, ignore_errors=True)
    assert not left, left
    done = {row["student"] for row in csv.DictReader(out.open())}
    # the students are graded in order; the CSV is rewritten just after each JSON
    assert 2 <= len(done) < 6 and "s0" in done
    (folder / "s0.py").write_text((EXAMPLES / "bug_sigmoid_grad_sign.py").read_text())
    r = _cli("--batch", str(folder), "--csv", str(out), "--config", str(config), "--quiet", "--resume")
    assert r.returncode == 0, r.stderr
    rows = {row["student"]: row for row in csv.DictReader(out.open())}
    assert set(rows) == {f"s{k}" for k in range(6)}
    reused = len(done - {"s0"})
    assert f"({reused} reused with --resume)" in r.stdout
    assert rows["s0"]["sigmoid_grad status"] == "wrong" and rows["s1"]["score"] == "30"


def test_odd_names_and_special_files_neither_stop_nor_merge_students(tmp_path: Path) -> None:
    """A name that is not UTF-8, a FIFO inside a folder, and names whose stems clash: one unique key each."""
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / os.fsdecode(b"Jos\xe9.py")).write_text("x = 1\n")
    (folder / "dave.py").write_text("x = 1\n")
    (folder / "dave.ipynb").write_text("{}")
    (folder / "dave.py.zip").write_bytes(b"")
    (folder / "erin").mkdir()
    (folder / "erin" / "hw.py").write_text("x = 1\n")
    os.mkfifo(folder / "erin" / ".pipe")  # reading it would wait forever
    found = entries(folder)
    keys = [e.student for e in found]
    assert len(keys) == len(set(keys)) == 5 and "Jos\\xe9" in keys, keys
    assert {"dave.py", "dave.ipynb", "dave.py.zip"} <= set(keys)
    for e in found:
        assert len(digest_of(e.path)) == 64  # returns: the FIFO is not read
    text = csv_text({k: {"score": 0, "max_score": 0} for k in keys}, [])
    assert "Jos\\xe9" in text


def test_resume_sees_one_assignment_however_its_path_is_spelled(monkeypatch: pytest.MonkeyPatch) -> None:
    from derivations.grading.cli import assignment_digest
    from derivations.grading.config import Config

    folder = Path(__file__).resolve().parents[3] / "examples"
    monkeypatch.chdir(folder)
    relative = assignment_digest(Config.load(None, assignment=Path("assignment2/assignment.toml")), None)
    absolute = assignment_digest(Config.load(None, assignment=folder / "assignment2" / "assignment.toml"), None)
    assert relative == absolute
    assert assignment_digest(Config.load(None), None) != absolute
