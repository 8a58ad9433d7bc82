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
    assert "softmax-jacobian (general n):" in result.stdout and "tanh-derivative (general n)" not in result.stdout
    flags = {i["name"]: i["general_n"] for i in json.loads(out.read_text())["identities"]}
    assert flags == {"softmax-jacobian": True, "tanh-derivative": False}


def test_an_internal_error_is_one_line_with_exit_3(monkeypatch, capsys) -> None:
    import derivations.check

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(derivations.check, "check_document", boom)
    monkeypatch.delenv("DERIVATIONS_DEBUG", raising=False)
    assert main(["check", str(NOTE1), "--quiet"]) == 3
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "internal error (RuntimeError: simulated bug)" in err[0]


def test_check_exits_4_when_a_row_cannot_be_read_unless_allowed(tmp_path: Path) -> None:
    f = tmp_path / "typo.md"
    f.write_text("$$\\sigma(0) \\cdto 1$$\n\n$$\\sigma(-x) = 1 - \\sigma(x)$$\n", encoding="utf-8")
    proc = run("check", str(f))
    assert proc.returncode == 4
    lines = proc.stdout.splitlines()
    k = lines.index(f"{f}:1:13: unknown command '\\cdto' — did you mean '\\cdot'?")
    assert lines[k + 1 : k + 3] == ["    $$\\sigma(0) \\cdto 1$$", " " * 16 + "^"]
    assert "cannot read column 13: unknown command" in proc.stdout  # the table's reason: the file's column
    assert run("check", str(f), "--allow-unreadable").returncode == 0


MALFORMED = "$$\\sigma(-x) = 1 - \\sigma(x)$$\n\n$$ a = \\frac{1}{2 $$\n\n$$\\sigma(0) = \\frac{1}{3}$$\n"


def test_check_an_unclosed_brace_makes_only_its_display_unreadable(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    f = tmp_path / "t1.md"
    f.write_text(MALFORMED, encoding="utf-8")
    out = tmp_path / "t1.json"
    assert main(["check", str(f), "--json", str(out)]) == 1  # the third display is still checked: it is wrong
    printed = capsys.readouterr().out
    assert f"{f}:3:16: '{{' is never closed (expected '}}')" in printed
    steps = json.loads(out.read_text())["steps"]
    assert [(s["line"], s["verdict"], s.get("unreadable", False)) for s in steps] == [
        (1, "proved", False),
        (3, "unchecked", True),
        (5, "wrong", False),
    ]
    assert steps[1]["column"] == 16 and steps[1]["error_line"] == 3
    f.write_text(MALFORMED.replace("{1}{3}", "{1}{2}"), encoding="utf-8")
    assert main(["check", str(f), "--quiet"]) == 4


def test_check_several_files_runs_the_usable_ones_and_exits_with_the_worst(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    good = tmp_path / "good.md"
    good.write_text("$$\\sigma(-x) = 1 - \\sigma(x)$$\n", encoding="utf-8")
    typo = tmp_path / "typo.md"
    typo.write_text("$$\\sigma(0) \\cdto 1$$\n", encoding="utf-8")
    wrong = tmp_path / "wrong.md"
    wrong.write_text("$$\\sigma(0) = 1$$\n", encoding="utf-8")
    empty = tmp_path / "empty.md"
    empty.write_bytes(b"")
    missing = tmp_path / "missing.md"
    out = tmp_path / "all.json"
    code = main(["check", str(good), str(missing), str(empty), str(typo), "--quiet", "--json", str(out)])
    assert code == 2
    captured = capsys.readouterr()
    err = captured.err.strip().splitlines()
    assert len(err) == 2 and "missing.md' does not exist" in err[0] and "empty.md' is empty" in err[1]
    assert f"{good}: 1 step " in captured.out and f"{typo}: 1 step " in captured.out
    files = json.loads(out.read_text())["files"]
    assert [f["file"] for f in files] == [str(good), str(missing), str(empty), str(typo)]
    assert "steps" in files[0] and "does not exist" in files[1]["error"] and "steps" in files[3]
    assert main(["check", str(good), str(typo), str(wrong), "--quiet"]) == 1
    assert main(["check", str(typo), str(good), "--quiet"]) == 4
    assert main(["check", str(good), str(good), "--quiet"]) == 0
    capsys.readouterr()
    out.write_text("precious")
    assert main(["check", str(missing), str(empty), "--json", str(out), "--force"]) == 2  # nothing usable: none written
    assert out.read_text() == "precious" and len(capsys.readouterr().err.strip().splitlines()) == 2


def test_check_several_files_a_bad_front_matter_line_skips_only_that_file(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    good = tmp_path / "good.md"
    good.write_text("$$\\sigma(-x) = 1 - \\sigma(x)$$\n", encoding="utf-8")
    bad = tmp_path / "bad.md"
    bad.write_text("---\nassume:\n  - \\frac{1}{\n---\n$$x=1$$\n", encoding="utf-8")
    assert main(["check", str(bad), str(good), "--quiet"]) == 2
    captured = capsys.readouterr()
    assert "bad.md:3: front matter" in captured.err and f"{good}: 1 step " in captured.out


# ---------------------------------------------------------------------------------------- notebooks


def _notebook(path: Path, *cells) -> Path:  # type: ignore[no-untyped-def]
    import nbformat
    from nbformat.v4 import new_notebook

    nbformat.write(new_notebook(cells=list(cells)), str(path))
    return path


def test_check_a_notebook_reads_its_markdown_cells_and_names_cells(tmp_path: Path) -> None:
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_output

    nb = _notebook(
        tmp_path / "hw.ipynb",
        new_markdown_cell("---\ntitle: HW 1\n---"),
        new_code_cell("print('$$1 = 2$$')", outputs=[new_output("stream", text="$$1 = 2$$\n")]),
        new_markdown_cell("$$\\sigma'(x) = \\frac{e^{-x}}{(1+e^{-x})^2}$$"),
        new_markdown_cell("So\n\n$$= \\sigma(x)(1+\\sigma(x))$$"),
        new_markdown_cell("$$\\sigma(x) \\cdto 2$$"),
    )
    out = tmp_path / "hw.json"
    proc = run("check", str(nb), "--json", str(out))
    assert proc.returncode == 1, proc.stderr  # the wrong step is found: the JSON text itself is never read
    assert "cell 4, line 3" in proc.stdout and "HW 1" in proc.stdout
    assert f"{nb}: cell 5, line 1, column 13: unknown command '\\cdto'" in proc.stdout
    steps = json.loads(out.read_text())["steps"]
    assert [(s["cell"], s["line"], s["verdict"]) for s in steps] == [
        (3, 1, "proved"),
        (4, 3, "wrong"),
        (5, 1, "unchecked"),
    ]
    assert steps[2]["column"] == 13


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"{not json", "is not valid JSON"),
        (b'{"cells": []}', "is JSON but not a notebook"),
        (
            b'{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [{"cell_type": "markdown"}]}',
            "not a valid notebook",
        ),
        (b'{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": []}', "has no Markdown cells"),
    ],
)
def test_check_a_malformed_notebook_is_one_line_and_exit_2(tmp_path: Path, content: bytes, expected: str) -> None:
    f = tmp_path / "hw.ipynb"
    f.write_bytes(content)
    result = run("check", str(f))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0] and "hw.ipynb" in lines[0], result.stderr
    assert "Traceback" not in result.stderr


def test_version_list_and_did_you_mean(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0 and capsys.readouterr().out.strip() == "derivations 0.1.0"
    assert main(["verify", "--list"]) == 0 and "sigmoid-derivative\n  " in capsys.readouterr().out
    assert main(["verify", "sigmoid-derivatve"]) == 2
    assert "did you mean 'sigmoid-derivative'?" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        main(["verfy"])
    assert exc.value.code == 2 and "did you mean 'verify'?" in capsys.readouterr().err


def test_json_does_not_replace_a_foreign_file_without_force(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "mine.json"
    out.write_text("{}\n")
    assert main(["verify", "sigmoid-derivative", "--examples", "5", "--quiet", "--json", str(out)]) == 2
    assert out.read_text() == "{}\n" and "use --force" in capsys.readouterr().err
    assert main(["verify", "sigmoid-derivative", "--examples", "5", "--quiet", "--json", str(out), "--force"]) == 0
    assert "derivations_version" in json.loads(out.read_text())
    assert main(["verify", "sigmoid-derivative", "--examples", "5", "--quiet", "--json", str(out)]) == 0


def test_check_piped_at_60_columns_fits_and_keeps_names_whole() -> None:
    from rich.cells import cell_len

    note = "derivations/notes/neural_network_basics_1.md"
    env = {**os.environ, "COLUMNS": "60"}
    result = subprocess.run(
        [sys.executable, "-m", "derivations", "check", note], capture_output=True, text=True, env=env, timeout=600
    )
    lines = result.stdout.splitlines()
    assert result.returncode == 1 and len(lines) > 40
    assert all(cell_len(line) <= 60 and line == line.rstrip() for line in lines), result.stdout
    # words a line can hold are never cut: each "by <method>" and each verdict word stays whole
    assert any("rewrite(exp)" in line for line in lines)
    assert sum("✗ wrong" in line for line in lines) == 3


def test_check_and_verify_write_json_with_the_users_mode(tmp_path: Path) -> None:
    note = tmp_path / "hw.md"
    note.write_text("$$\\sigma(-x) = 1 - \\sigma(x)$$\n", encoding="utf-8")
    old = os.umask(0o022)
    try:
        checked = run("check", str(note), "--json", str(tmp_path / "c.json"), "--quiet")
        verified = run("verify", "sigmoid-reflection", "--examples", "3", "--json", str(tmp_path / "v.json"), "--quiet")
    finally:
        os.umask(old)
    assert checked.returncode == 0 and verified.returncode == 0, checked.stderr + verified.stderr
    assert (tmp_path / "c.json").stat().st_mode & 0o777 == 0o644
    assert (tmp_path / "v.json").stat().st_mode & 0o777 == 0o644


@pytest.mark.parametrize("env", [{"COLUMNS": "0"}, {"COLUMNS": "abc"}, {"PYTHONIOENCODING": "ascii"}])
def test_a_bad_width_or_an_ascii_terminal_still_shows_every_verdict(tmp_path: Path, env: dict[str, str]) -> None:
    """COLUMNS=0 once made rich print nothing; an ASCII-only stdout once crashed on ✓ and σ."""
    note = tmp_path / "f.md"
    note.write_text("$$\\frac{d}{dx}\\sigma(x) = \\sigma(x)(1+\\sigma(x))$$\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "derivations", "check", str(note), "--no-cache"],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        check=False,
    )
    assert result.returncode == 1, result.stderr
    assert "wrong" in result.stdout and "counterexample at x = 0" in result.stdout
    assert "wrong at line 1" in result.stdout


def test_check_watch_checks_a_file_again_when_it_is_saved(tmp_path: Path) -> None:
    import signal

    note = tmp_path / "note.md"
    note.write_text("$$f(x) = x^2$$\n\n$$f(2) = 4$$\n", encoding="utf-8")
    env = {**os.environ, "COLUMNS": "200", "DERIVATIONS_CACHE": "0"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "derivations", "check", str(note), "--watch"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert proc.stderr is not None
        assert "watching 1 file" in _line_with(proc, "watching")
        note.write_text("$$f(x) = x^3$$\n\n$$f(2) = 4$$\n", encoding="utf-8")  # now 8 ≠ 4
        assert "checked again" in _line_with(proc, "checked again")
        proc.send_signal(signal.SIGINT)  # Ctrl-C: the exit code of the last check
        out, _ = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 1
    assert 0 <= out.index("✓ proved") < out.index("✗ wrong")  # the first check, then the second


def _line_with(proc: subprocess.Popen, text: str) -> str:
    """The first line of the child's stderr that holds ``text`` (the child is killed after 120 s)."""
    import threading

    timer = threading.Timer(120, proc.kill)
    timer.start()
    try:
        assert proc.stderr is not None
        for line in proc.stderr:
            if text in line:
                return line
        return ""
    finally:
        timer.cancel()


def test_check_watch_needs_a_file_it_can_look_at_again() -> None:
    result = run("check", "/dev/stdin", "--watch")
    assert result.returncode == 2 and "--watch needs files" in result.stderr and "Traceback" not in result.stderr
