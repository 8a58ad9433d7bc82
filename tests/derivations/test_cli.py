"""`derivations verify` from the outside: exit codes, JSON schema, one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from derivations.cli import main


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "derivations", *args], capture_output=True, text=True, env=env, timeout=600
    )


def test_verify_writes_the_documented_json(tmp_path: Path) -> None:
    out = tmp_path / "verify.json"
    code = main(
        ["verify", "sigmoid-derivative", "sigmoid-reflection", "--examples", "10", "--quiet", "--json", str(out)]
    )
    assert code == 0
    data = json.loads(out.read_text())
    assert data["passed"] is True
    assert [i["name"] for i in data["identities"]] == ["sigmoid-derivative", "sigmoid-reflection"]
    for ident in data["identities"]:
        assert {"name", "source", "symbolic", "passed", "checks"} <= set(ident)
        assert ident["symbolic"].startswith("proved")
        for check in ident["checks"]:
            assert {"against", "examples", "max_error", "worst_input", "passed"} <= set(check)
            assert check["examples"] >= 1


def test_python_dash_m_prints_table_and_summary() -> None:
    proc = run("verify", "sigmoid-derivative", "--examples", "5")
    assert proc.returncode == 0, proc.stderr
    assert "sigmoid-derivative" in proc.stdout and "numeric.sigmoid_grad" in proc.stdout
    assert "1/1 identities proved and cross-checked" in proc.stdout.splitlines()[-1]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["verify", "--no-such-option"], "unrecognized arguments: --no-such-option"),
        (["verify", "--json", "/nonexistent-dir/out.json"], "directory '/nonexistent-dir' does not exist"),
        (["verify", "--json", "/"], "is a directory"),
        (["verify", "no-such-identity"], "unknown identity 'no-such-identity'"),
        (["verify", "--examples", "0"], "expected a number ≥ 1"),
        ([], "required"),
    ],
)
def test_bad_input_gives_one_line_and_exit_2(args: list[str], expected: str) -> None:
    proc = run(*args)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0], proc.stderr
    assert "Traceback" not in proc.stderr


def test_verify_leaves_nothing_in_the_working_directory(tmp_path: Path) -> None:
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    work = tmp_path / "work"
    work.mkdir()
    proc = subprocess.run(
        [sys.executable, "-m", "derivations", "verify", "sigmoid-reflection", "--examples", "5", "--quiet"],
        capture_output=True,
        text=True,
        env=env,
        cwd=work,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    assert list(work.iterdir()) == []
