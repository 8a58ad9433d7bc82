"""`derivations grade` as a command: Gradescope JSON, usage errors, and --batch with --jobs."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "submissions"
ALL = ("sigmoid", "sigmoid_grad", "softmax", "softmax_jacobian", "cross_entropy", "ce_softmax_grad", "mse_layer_grads")


def _cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "derivations", "grade", *args], capture_output=True, text=True,
                          env=env, timeout=900, cwd=cwd)  # fmt: skip


@pytest.mark.needs_sandbox
def test_gradescope_json_also_when_the_import_fails(tmp_path: Path) -> None:
    sub = tmp_path / "broken.py"
    sub.write_text("def sigmoid(x)\n")
    out = tmp_path / "results.json"
    r = _cli(str(sub), "--json", str(out))
    assert r.returncode == 0, r.stderr
    data = json.loads(out.read_text())
    assert data["score"] == 0 and data["max_score"] == 70
    assert "SyntaxError" in data["output"]
    for t in data["tests"]:
        assert {"name", "score", "max_score", "status", "output"} <= set(t)
        assert t["name"].split(":")[0] in ALL and t["status"] == "failed"


def test_grader_usage_errors_exit_2(tmp_path: Path) -> None:
    r = _cli(str(tmp_path / "missing.py"))
    assert r.returncode == 2 and "does not exist" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    r = _cli("--batch", str(tmp_path / "nowhere"))
    assert r.returncode == 2 and "not a folder" in r.stderr
    r = _cli(str(EXAMPLES / "correct.py"), "--csv", str(tmp_path / "x.csv"))
    assert r.returncode == 2
    bad = tmp_path / "bad.toml"
    bad.write_text("[limits]\ncall_seconds = 0\n")
    r = _cli(str(EXAMPLES / "correct.py"), "--config", str(bad))
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1
    assert "[limits] call_seconds = 0" in r.stderr and "bad.toml" in r.stderr


@pytest.mark.needs_sandbox
def test_batch_writes_a_csv_and_one_json_per_student(tmp_path: Path) -> None:
    folder = tmp_path / "submissions"
    folder.mkdir()
    (folder / "alice.py").write_text((EXAMPLES / "correct.py").read_text())
    (folder / "bob").mkdir()
    (folder / "bob" / "hw.py").write_text((EXAMPLES / "bug_mse_factor.py").read_text())
    (folder / "carol").mkdir()
    (folder / "dave.md").write_text((EXAMPLES / "answer_correct.md").read_text())
    config = tmp_path / "fast.toml"
    config.write_text("[examples]\ncorrectness = 20\nstability = 20\n")
    out = tmp_path / "grades.csv"
    r = _cli("--batch", str(folder), "--csv", str(out), "--jobs", "2", "--config", str(config), "--quiet")
    assert r.returncode == 0, r.stderr
    rows = {row["student"]: row for row in csv.DictReader(out.open())}
    assert set(rows) == {"alice", "bob", "carol", "dave"}
    assert rows["alice"]["score"] == "70" and rows["bob"]["mse_layer_grads score"] == "0"
    assert rows["bob"]["mse_layer_grads status"] == "wrong" and rows["bob"]["sigmoid status"] == "not submitted"
    assert rows["dave"]["score"] == "10" and "no .py" in rows["carol"]["note"]
    assert {rows[s]["sandboxed"] for s in ("alice", "bob", "dave")} == {"yes"}
    assert "graded 3" in r.stdout and "refused 1: carol" in r.stdout
    for student in rows:
        assert json.loads((tmp_path / "grades-results" / f"{student}.json").read_text())["student"] == student
    bob = json.loads((tmp_path / "grades-results" / "bob.json").read_text())
    verdicts = {t["name"]: t["verdict"] for t in bob["details"]}
    assert verdicts["mse_layer_grads: correctness"] == "wrong" and verdicts["sigmoid: correctness"] == "not_submitted"


def test_results_never_replace_a_students_file(tmp_path: Path) -> None:
    folder = tmp_path / "subs"
    folder.mkdir()
    bob = folder / "bob.py"
    bob.write_text("def sigmoid(x):\n    return x\n")
    r = _cli("--batch", str(folder), "--csv", str(bob))
    assert r.returncode == 2 and "inside the submissions folder" in r.stderr
    single = tmp_path / "single.py"
    single.write_text("def sigmoid(x):\n    return x\n")
    r = _cli(str(single), "--json", str(single))
    assert r.returncode == 2 and "the submission itself" in r.stderr
    notes = tmp_path / "notes.md"
    notes.write_text("mine")
    r = _cli(str(single), "--json", str(notes))
    assert r.returncode == 2 and "refusing to replace" in r.stderr
    assert bob.read_text().startswith("def sigmoid") and single.read_text().startswith("def sigmoid")
    assert notes.read_text() == "mine"


@pytest.mark.needs_sandbox
def test_json_and_csv_replace_only_the_tools_own_files_unless_forced(tmp_path: Path) -> None:
    sub = tmp_path / "hw.py"
    sub.write_text((EXAMPLES / "correct.py").read_text())
    out = tmp_path / "results.json"
    out.write_text('{"score": 3}\n')  # a results.json someone else wrote
    r = _cli(str(sub), "--json", str(out), "--quiet")
    assert r.returncode == 2 and "was not written by derivations" in r.stderr and "--force" in r.stderr
    assert out.read_text() == '{"score": 3}\n'
    r = _cli(str(sub), "--json", str(out), "--quiet", "--force")
    assert r.returncode == 0, r.stderr
    from derivations.files import VERSION_KEY, tool_version

    assert json.loads(out.read_text())["extra_data"][VERSION_KEY] == tool_version()
    r = _cli(str(sub), "--json", str(out), "--quiet")  # its own file: replaced without --force
    assert r.returncode == 0, r.stderr
    folder = tmp_path / "subs"
    folder.mkdir()
    (folder / "ann.py").write_text(sub.read_text())
    book = tmp_path / "grades.csv"
    book.write_text("name,mark\nann,10\n")  # the TA's own spreadsheet
    r = _cli("--batch", str(folder), "--csv", str(book), "--quiet")
    assert r.returncode == 2 and "was not written by derivations" in r.stderr
    assert book.read_text() == "name,mark\nann,10\n"
    r = _cli("--batch", str(folder), "--csv", str(book), "--quiet", "--force")
    assert r.returncode == 0 and book.read_text().startswith("student,score,max_score"), r.stderr
    r = _cli("--batch", str(folder), "--csv", str(book), "--quiet", "--resume")  # its own gradebook
    assert r.returncode == 0, r.stderr


@pytest.mark.needs_sandbox
def test_grade_leaves_no_hypothesis_folder_and_writes_files_with_the_users_mode(tmp_path: Path) -> None:
    sub = tmp_path / "hw.py"
    sub.write_text((EXAMPLES / "correct.py").read_text())
    work = tmp_path / "work"
    work.mkdir()
    folder = tmp_path / "subs"
    folder.mkdir()
    (folder / "ann.py").write_text(sub.read_text())
    old = os.umask(0o022)
    try:
        r = _cli(str(sub), "--json", "results.json", "--quiet", cwd=work)
        assert r.returncode == 0, r.stderr
        r = _cli("--batch", str(folder), "--csv", str(work / "book.csv"), "--quiet", cwd=work)
        assert r.returncode == 0, r.stderr
    finally:
        os.umask(old)
    assert not (work / ".hypothesis").exists() and not (tmp_path / ".hypothesis").exists()
    written = [work / "results.json", work / "book.csv", *(work / "book-results").iterdir()]
    assert len(written) == 3
    assert {oct(p.stat().st_mode & 0o777) for p in written} == {oct(0o644)}
