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


# ------------------------------------------------------------------------------------------- check

NOTE1 = Path(__file__).resolve().parents[2] / "derivations" / "notes" / "neural_network_basics_1.md"


def test_check_writes_the_documented_json_and_exits_1_on_a_wrong_step(tmp_path: Path) -> None:
    out = tmp_path / "out.json"
    code = main(["check", str(NOTE1), "--quiet", "--json", str(out)])
    assert code == 1
    data = json.loads(out.read_text())
    assert {"file", "steps", "summary"} <= set(data)
    for step in data["steps"]:
        assert {"line", "latex", "verdict", "method", "reason", "counterexample", "returns_to_line"} <= set(step)
    assert data["summary"]["wrong"] == sum(s["verdict"] == "wrong" for s in data["steps"]) > 0
    assert set(data["summary"]) == {"proved", "numeric", "wrong", "unchecked", "definition"}


def test_check_exits_0_when_no_step_is_wrong(tmp_path: Path) -> None:
    f = tmp_path / "ok.md"
    f.write_text("$$\\sigma(-x) = 1 - \\sigma(x)$$\n")
    assert main(["check", str(f), "--quiet"]) == 0


def test_check_against_prints_the_verdict(tmp_path: Path) -> None:
    f = tmp_path / "answer.md"
    f.write_text("$$\\sigma'(x) = \\frac{e^{-x}}{(1+e^{-x})^2}$$\n\n$$= \\sigma(x)(1-\\sigma(x))$$\n")
    result = run("check", str(f), "--against", "sigmoid-derivative")
    assert result.returncode == 0, result.stderr
    assert "proves it" in result.stdout
    result = run("check", str(f), "--against", "sigmoid-reflection")
    assert result.returncode == 1 and "does not prove" in result.stdout


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "does not exist"),
        (b"", "is empty"),
        (b"\x00\x01\x02binary", "binary"),
        (b"\xff\xfe not utf-8 \xff", "not UTF-8"),
        (b"just prose, no formulas\n", "no display math"),
        (b"$$\\frac{1}{x$$\n", ":1: malformed LaTeX"),
        (b"text\n\n$$x = 1\n", ":3: display math opened with '$$' is never closed"),
        (b"---\nassume:\n  - \\frac{1}{\n---\n$$x=1$$\n", "front matter"),
    ],
)
def test_check_bad_input_is_one_line_and_exit_2(tmp_path: Path, content: bytes | None, expected: str) -> None:
    f = tmp_path / "notes.md"
    if content is not None:
        f.write_bytes(content)
    result = run("check", str(f))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0] and "notes.md" in lines[0], result.stderr
    assert "Traceback" not in result.stderr


def test_check_unknown_identity_and_directory_are_usage_errors(tmp_path: Path) -> None:
    f = tmp_path / "a.md"
    f.write_text("$$x = x$$\n")
    result = run("check", str(f), "--against", "no-such-identity")
    assert result.returncode == 2 and "unknown identity" in result.stderr
    result = run("check", str(tmp_path))
    assert result.returncode == 2 and "directory" in result.stderr


def test_check_does_not_touch_json_when_input_is_bad(tmp_path: Path) -> None:
    out = tmp_path / "keep.json"
    out.write_text("precious")
    missing = tmp_path / "missing.md"
    assert main(["check", str(missing), "--json", str(out)]) == 2
    assert out.read_text() == "precious"


# ------------------------------------------------------------------------------------------ report


def test_report_writes_tex_and_refuses_bad_notes_before_writing(tmp_path: Path) -> None:
    out = tmp_path / "build" / "r.tex"
    bad = tmp_path / "bad.md"
    bad.write_text("no display math here\n")
    result = run("report", "-o", str(out), "--notes", str(bad), "--identities", "sigmoid-reflection")
    assert result.returncode == 2 and "no display math" in result.stderr and not out.exists()
    good = tmp_path / "good.md"
    good.write_text("$$\\sigma(-x) = 1 - \\sigma(x)$$\n")
    args = ("report", "-o", str(out), "--notes", str(good), "--identities", "sigmoid-reflection", "--examples", "5")
    result = run(*args, "--no-figures")
    assert result.returncode == 0, result.stderr
    assert out.read_text().startswith("% Generated by `derivations report`")


def test_report_pdf_without_tex_names_the_packages_and_keeps_the_tex(tmp_path: Path) -> None:
    out = tmp_path / "r.tex"
    good = tmp_path / "good.md"
    good.write_text("$$\\sigma(-x) = 1 - \\sigma(x)$$\n")
    env = {**os.environ, "PATH": str(tmp_path)}  # no latexmk, no pdflatex on this PATH
    result = subprocess.run(
        [sys.executable, "-m", "derivations", "report", "-o", str(out), "--pdf", "--notes", str(good),
         "--identities", "sigmoid-reflection", "--examples", "5", "--no-figures", "--quiet"],
        capture_output=True, text=True, env=env, timeout=600,
    )  # fmt: skip
    assert result.returncode == 2
    assert "apt-get install" in result.stderr and "latexmk" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and out.exists()


def test_verify_marks_the_identities_proved_for_general_n(tmp_path: Path) -> None:
    out = tmp_path / "v.json"
    result = run("verify", "softmax-jacobian", "tanh-derivative", "--examples", "5", "--json", str(out))
    assert result.returncode == 0, result.stderr
    assert "softmax-jacobian  (general n)" in result.stdout and "tanh-derivative  (general n)" not in result.stdout
    flags = {i["name"]: i["general_n"] for i in json.loads(out.read_text())["identities"]}
    assert flags == {"softmax-jacobian": True, "tanh-derivative": False}


def test_an_internal_error_is_one_line_with_exit_3(monkeypatch, capsys) -> None:
    import derivations.check

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(derivations.check, "check_file", boom)
    monkeypatch.delenv("DERIVATIONS_DEBUG", raising=False)
    assert main(["check", str(NOTE1), "--quiet"]) == 3
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "internal error (RuntimeError: simulated bug)" in err[0]


def test_check_exits_4_when_a_row_cannot_be_read_unless_allowed(tmp_path: Path) -> None:
    f = tmp_path / "typo.md"
    f.write_text("$$\\sigma(0) \\cdto 1$$\n\n$$\\sigma(-x) = 1 - \\sigma(x)$$\n", encoding="utf-8")
    proc = run("check", str(f))
    assert proc.returncode == 4 and "typo.md:1: could not be read" in proc.stdout
    assert run("check", str(f), "--allow-unreadable").returncode == 0
