"""What a student hands in, turned into the sandbox's files: .py, notebooks, folders and zips — nothing run."""

from __future__ import annotations

import ast
import io
import os
import stat
import struct
import zipfile
from pathlib import Path

import nbformat
import pytest
from hypothesis import given
from hypothesis import strategies as st

from derivations.errors import InputError, OutputError
from derivations.grading import submission
from derivations.grading.submission import (
    EXPECTED,
    MAX_FILE_BYTES,
    PRELUDE,
    Submission,
    SubmissionError,
    cell_of_line,
    load_submission,
    write_to,
)

SIGMOID = b"import numpy as np\n\n\ndef sigmoid(x):\n    return 1 / (1 + np.exp(-x))\n"


def _refused(path: Path, *fragments: str) -> str:
    """The reason ``path`` is refused: one line, no traceback, containing every fragment."""
    with pytest.raises(SubmissionError) as caught:
        load_submission(path)
    reason = caught.value.reason
    assert "\n" not in reason and "Traceback" not in reason and str(caught.value) == reason
    for fragment in fragments:
        assert fragment in reason, reason
    return reason


def _notebook(path: Path, cells: list[str | tuple[str, str]]) -> Path:
    """A notebook at ``path``: a str is a code cell, ("markdown", text) a Markdown cell."""
    nb = nbformat.v4.new_notebook()
    for cell in cells:
        if isinstance(cell, tuple):
            nb.cells.append(nbformat.v4.new_markdown_cell(cell[1]))
        else:
            nb.cells.append(nbformat.v4.new_code_cell(cell))
    path.write_text(nbformat.writes(nb), encoding="utf-8")
    return path


def _folder(root: Path, files: dict[str, bytes | str]) -> Path:
    for name, content in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content.encode() if isinstance(content, str) else content)
    root.mkdir(parents=True, exist_ok=True)
    return root


def _zip(path: Path, members: dict[str | zipfile.ZipInfo, bytes | str]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return path


def _lines(sub: Submission) -> list[str]:
    return sub.main.decode().split("\n")[:-1]


def _code_lines(sub: Submission) -> list[str]:
    """The lines of submission.py that are code, comments cut (a removed line's text survives only as a comment)."""
    return [line.split("#")[0].strip() for line in _lines(sub) if line.split("#")[0].strip()]


# -- .py files


def test_a_py_file_becomes_submission_py(tmp_path: Path) -> None:
    path = tmp_path / "alice.py"
    path.write_bytes(SIGMOID)
    sub = load_submission(path)
    assert sub == Submission((("submission.py", SIGMOID),), str(path), "python")
    assert sub.main == SIGMOID and sub.cells == () and cell_of_line(sub, 1) is None


@pytest.mark.parametrize("name", ["alice.PY", "alice.Py", "hw.IPYNB", "hw.Zip"])
def test_suffixes_are_matched_in_any_case(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    if name.lower().endswith(".py"):
        path.write_bytes(SIGMOID)
    elif name.lower().endswith(".ipynb"):
        _notebook(path, [SIGMOID.decode()])
    else:
        _zip(path, {"alice.py": SIGMOID})
    sub = load_submission(path)
    assert b"def sigmoid" in sub.main
    assert sub.kind == {".py": "python", ".ipynb": "notebook", ".zip": "zip"}[path.suffix.lower()]


def test_a_py_file_over_the_cap_is_refused_and_one_at_the_cap_is_not(tmp_path: Path) -> None:
    at_cap = tmp_path / "ok.py"
    at_cap.write_bytes(b"#" * MAX_FILE_BYTES)
    assert len(load_submission(at_cap).main) == MAX_FILE_BYTES
    over = tmp_path / "big.py"
    over.write_bytes(b"#" * (MAX_FILE_BYTES + 1))
    _refused(over, str(over), "larger than 1 MiB")


def test_a_py_file_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "latin.py"
    path.write_bytes(b"x = 1\nname = 'Ren\xe9'\n")
    _refused(path, str(path), "not UTF-8", "line 2")


def test_a_symbolic_link_is_never_followed(tmp_path: Path) -> None:
    secret = tmp_path / "grader_secret.py"
    secret.write_text("ANSWERS = 42\n")
    link = tmp_path / "alice.py"
    link.symlink_to(secret)
    _refused(link, str(link), "symbolic link")


def test_a_fifo_named_py_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "alice.py"
    os.mkfifo(fifo)
    _refused(fifo, str(fifo), "not a regular file")


@pytest.mark.parametrize("name", ["answer.txt", "answer.md", "missing.py", "missing"])
def test_anything_else_is_refused_saying_what_was_expected(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    if name.endswith((".txt", ".md")):
        path.write_text("def sigmoid(x): ...\n")
    _refused(path, str(path), EXPECTED)


def test_the_error_is_an_input_error_the_cli_reports_in_one_line(tmp_path: Path) -> None:
    with pytest.raises(InputError):
        load_submission(tmp_path / "nothing.py")


def test_nothing_handed_in_is_run(tmp_path: Path) -> None:
    ran = tmp_path / "ran"
    payload = f"open({str(ran)!r}, 'w').close()\n"
    (tmp_path / "a.py").write_text(payload)
    _notebook(tmp_path / "b.ipynb", [payload])
    _folder(tmp_path / "c", {"main.py": "import helpers\n" + payload, "helpers.py": payload})
    _zip(tmp_path / "d.zip", {"main.py": "import helpers\n" + payload, "helpers.py": payload})
    for name in ("a.py", "b.ipynb", "c", "d.zip"):
        assert payload.encode() in load_submission(tmp_path / name).main
    assert not ran.exists()


# -- notebooks


def test_a_notebook_loses_its_magics_and_keeps_its_code(tmp_path: Path) -> None:
    path = _notebook(
        tmp_path / "hw.ipynb",
        [
            ("markdown", "# Homework 1"),
            "%matplotlib inline\nimport numpy as np",
            "!pip install numpy",
            "%%timeit\nsigmoid(np.zeros(3))",
            "def sigmoid(x):\n    return 1 / (1 + np.exp(-x))",
        ],
    )
    sub = load_submission(path)
    assert sub.kind == "notebook" and [name for name, _ in sub.files] == ["submission.py"]
    compile(sub.main, "submission.py", "exec")  # the test's own notebook: compiled, never run
    code = _code_lines(sub)
    assert "def sigmoid(x):" in code and "import numpy as np" in code
    assert not [line for line in code if line.startswith(("%", "!"))]
    assert "sigmoid(np.zeros(3))" not in code  # the %%timeit cell is dropped
    lines = _lines(sub)
    assert lines[0] == PRELUDE
    def_line = lines.index("def sigmoid(x):") + 1
    assert cell_of_line(sub, def_line) == 5 and cell_of_line(sub, def_line + 1) == 5  # the Markdown cell counts
    assert lines[def_line - 2] == "# cell 5" and cell_of_line(sub, def_line - 1) is None
    assert cell_of_line(sub, 1) is None and cell_of_line(sub, len(lines) + 1) is None
    assert len(sub.cells) == len(lines)
    assert cell_of_line(sub, lines.index("import numpy as np") + 1) == 2
    assert any("removed 2 IPython-only lines (cells 2, 3)" in w for w in sub.warnings), sub.warnings
    assert any("dropped cell 4" in w for w in sub.warnings), sub.warnings


def test_removed_lines_keep_their_place_and_their_block(tmp_path: Path) -> None:
    cell = "def train(x):\n    %time y = x\n    !echo hi\n    return x\n\ndef only_magic():\n    %who\n"
    sub = load_submission(_notebook(tmp_path / "hw.ipynb", [cell]))
    compile(sub.main, "submission.py", "exec")
    lines = _lines(sub)
    start = lines.index("def train(x):")
    assert lines[start : start + 7] == [
        "def train(x):",
        "    pass  # removed: %time y = x",
        "    pass  # removed: !echo hi",
        "    return x",
        "",
        "def only_magic():",
        "    pass  # removed: %who",
    ]
    assert set(sub.cells[start:]) == {1}


def test_help_shell_assignments_and_get_ipython_are_removed(tmp_path: Path) -> None:
    cells = [
        "import numpy as np\nnp.sum?\n?np.mean\nnp.max??\nfiles = !ls\nt = %timeit -o np.sum(1)",
        "get_ipython().run_line_magic('matplotlib',\n                             'inline')",
        "if get_ipython() is not None:\n    where = 'jupyter'\nelif get_ipython():\n    where = '?'\nelse:\n"
        "    where = 'python'",
    ]
    sub = load_submission(_notebook(tmp_path / "hw.ipynb", cells))
    compile(sub.main, "submission.py", "exec")
    code = _code_lines(sub)
    assert not [line for line in code if "get_ipython" in line or "?" in line.replace("'?'", "") or "!" in line]
    assert "if False:" in code and "elif False:" in code and "where = 'python'" in code
    assert any("removed 8 IPython-only lines (cells 1, 2, 3)" in w for w in sub.warnings), sub.warnings


def test_lines_that_only_look_like_magics_are_kept(tmp_path: Path) -> None:
    cell = (
        'TEMPLATE = """\n%d items\n!important\n?why\n"""\n'
        "remainder = (10\n% 3)\n"
        "total = 1 + \\\n    2\n"
        "# %matplotlib inline in a comment\n"
        "ok = x != 1 if (x := 2) else None"
    )
    sub = load_submission(_notebook(tmp_path / "hw.ipynb", [cell]))
    assert not sub.warnings
    module = ast.parse(sub.main)  # the test's own code: parsed, not run
    strings = [n.value for n in ast.walk(module) if isinstance(n, ast.Constant) and isinstance(n.value, str)]
    assert "\n%d items\n!important\n?why\n" in strings
    assert "% 3)" in _lines(sub)
    assert cell.split("\n") == _lines(sub)[-len(cell.split("\n")) :]  # verbatim


def test_time_and_capture_cells_keep_their_python_body(tmp_path: Path) -> None:
    cells = ["%%time\ndef slow():\n    return 1", "%%capture out\nimport numpy as np", "%%bash\necho hi\nls"]
    sub = load_submission(_notebook(tmp_path / "hw.ipynb", cells))
    compile(sub.main, "submission.py", "exec")
    code = _code_lines(sub)
    assert "def slow():" in code and "import numpy as np" in code
    assert "echo hi" not in code and "ls" not in code
    assert any("dropped cell 3" in w for w in sub.warnings)


def test_future_imports_move_to_the_top(tmp_path: Path) -> None:
    later = "from __future__ import annotations\n\ndef f(x: np.ndarray) -> np.ndarray:\n    return x"
    cells = ["import numpy as np", later]
    sub = load_submission(_notebook(tmp_path / "hw.ipynb", cells))
    compile(sub.main, "submission.py", "exec")  # a __future__ import after other code would not compile
    lines = _lines(sub)
    assert lines[0] == "from __future__ import annotations" and lines[1] == PRELUDE
    assert sub.cells[0] == 0 and any("__future__" in w for w in sub.warnings)


def test_windows_line_endings_are_plain_newlines(tmp_path: Path) -> None:
    sub = load_submission(_notebook(tmp_path / "hw.ipynb", ["%pylab\r\nx = 1\r\ny = 2\r"]))
    assert b"\r" not in sub.main and _lines(sub)[-2:] == ["x = 1", "y = 2"]
    assert len(sub.cells) == len(_lines(sub))


def test_a_notebook_may_be_larger_than_a_py_file_through_its_outputs(tmp_path: Path) -> None:
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("x = 1")
    cell.outputs = [nbformat.v4.new_output("stream", text="#" * (2 * MAX_FILE_BYTES))]
    nb.cells = [cell]
    path = tmp_path / "plots.ipynb"
    path.write_text(nbformat.writes(nb))
    assert _lines(load_submission(path))[-1] == "x = 1"


def test_a_notebook_over_its_cap_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(submission, "MAX_NOTEBOOK_BYTES", 2000)
    path = _notebook(tmp_path / "hw.ipynb", ["x = 1", "#" * 2000])
    _refused(path, str(path), "larger than 2000 bytes, the limit for a notebook")


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b'{"cells": [', "invalid JSON at line 1"),
        (b"[1, 2]", "without 'nbformat'"),
        (b'{"nbformat": 99, "nbformat_minor": 0, "cells": []}', "99"),
        (b'{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [{"cell_type": "code"}]}', "not a notebook"),
        (b"\xff\xfe{}", "not UTF-8"),
    ],
)
def test_a_file_that_is_not_a_notebook_is_refused(tmp_path: Path, content: bytes, fragment: str) -> None:
    path = tmp_path / "hw.ipynb"
    path.write_bytes(content)
    _refused(path, "'", str(path), "is not a notebook", fragment)


def test_a_notebook_without_code_cells_is_refused(tmp_path: Path) -> None:
    path = _notebook(tmp_path / "hw.ipynb", [("markdown", "$$\\sigma(x)$$")])
    _refused(path, str(path), "no code cells")


SNIPPETS = [
    "import numpy as np",
    "def f(x):\n    return x + 1",
    "class A:\n    '''doc\n%d\n!x'''\n    y = 2",
    "x = (10\n% 3)",
    "s = '''\n%matplotlib inline\n!pip\n?np.sum\n'''",
    "if True:\n    z = 1\nelse:\n    z = 2",
    "w = [1,\n     2]  # a comment?",
    "t = 'a' \\\n    'b'",
    "u = 'it\\'s' + \"%s\" % 'q'",
    "",
    "# only a comment %",
    "from __future__ import annotations\nv: int = 1",
    "lam = lambda q: q ** 2",
]
MAGICS = ["%matplotlib inline", "!pip install numpy", "np.sum?", "?np.sum", "files = !ls", "get_ipython().system('x')"]
_CELLS = st.lists(
    st.one_of(
        st.tuples(st.sampled_from(SNIPPETS), st.sampled_from(["", *MAGICS]), st.sampled_from(["", *MAGICS])),
        st.just(("markdown", "text", "")),
        st.just(("%%timeit\nf(1)", "", "")),
    ),
    min_size=1,
    max_size=8,
).filter(lambda cells: any(c[0] != "markdown" for c in cells))


@given(_CELLS)
def test_cells_that_compile_alone_compile_together_whatever_magics_they_hold(cells: list[tuple[str, str, str]]) -> None:
    for snippet, _, _ in cells:
        if snippet != "markdown" and not snippet.startswith("%%"):
            compile(snippet, "cell", "exec")
    sources = []
    for snippet, before, after in cells:
        if snippet == "markdown":
            sources.append(("markdown", before))
        else:
            sources.append("\n".join(part for part in (before, snippet, after) if part))
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell(c[1]) if isinstance(c, tuple) else nbformat.v4.new_code_cell(c) for c in sources
    ]
    code, cells_of, _ = submission._notebook_source(nbformat.writes(nb).encode(), "hw.ipynb")
    compile(code, "submission.py", "exec")
    lines = code.decode().split("\n")[:-1]
    assert len(cells_of) == len(lines)
    for number, source in enumerate(sources, start=1):
        if isinstance(source, tuple):
            assert number not in cells_of
            continue
        mine = [line for line, cell in zip(lines, cells_of) if cell == number]
        assert len(mine) == (len(source.split("\n")) if source else 0)  # one line out per line in
        snippet, before, after = cells[number - 1]
        if snippet.startswith("%%"):
            assert all(line.startswith("# removed: ") for line in mine)
            continue
        if before:
            assert mine.pop(0) == f"pass  # removed: {before[:40]}"
        if after:
            assert mine.pop() == f"pass  # removed: {after[:40]}"
        moved = [f"pass  # moved to the top: {line}" if "__future__" in line else line for line in snippet.split("\n")]
        assert mine == (moved if snippet else [])


# -- folders


def test_a_folder_takes_the_file_that_imports_the_others_as_main(tmp_path: Path) -> None:
    main = b"from helpers import sigmoid\n"
    root = _folder(tmp_path / "alice", {"run.py": main, "helpers.py": SIGMOID, "utils/__init__.py": b""})
    sub = load_submission(root)
    assert sub.kind == "folder" and sub.source == str(root)
    assert dict(sub.files) == {"submission.py": main, "helpers.py": SIGMOID, "utils/__init__.py": b""}
    assert sub.warnings[0] == "took 'run.py' as the main module (the only top-level file that no other file imports)"


def test_a_folder_with_one_top_level_file_takes_it_and_keeps_subpackages(tmp_path: Path) -> None:
    root = _folder(
        tmp_path / "alice",
        {"hw.py": "from utils.act import sigmoid\n", "utils/__init__.py": "", "utils/act.py": SIGMOID},
    )
    sub = load_submission(root)
    assert [name for name, _ in sub.files] == ["submission.py", "utils/__init__.py", "utils/act.py"]
    assert "the only .py file or notebook at the top level" in sub.warnings[0]


def test_tests_and_setup_files_are_not_taken_as_main(tmp_path: Path) -> None:
    root = _folder(
        tmp_path / "alice",
        {"main.py": SIGMOID, "test_main.py": "import main\n", "setup.py": "", "conftest.py": ""},
    )
    sub = load_submission(root)
    assert sub.main == SIGMOID and "test_main.py" in dict(sub.files)
    assert "'main.py'" in sub.warnings[0] and "besides tests" in sub.warnings[0]


def test_a_main_name_decides_between_files_that_import_nothing(tmp_path: Path) -> None:
    root = _folder(tmp_path / "alice", {"Solution.py": SIGMOID, "scratch.py": "x = 1\n"})
    sub = load_submission(root)
    assert sub.main == SIGMOID and "named Solution" in sub.warnings[0]


def test_an_ambiguous_folder_is_refused_listing_the_candidates(tmp_path: Path) -> None:
    root = _folder(tmp_path / "alice", {"part1.py": SIGMOID, "part2.py": "x = 1\n", "lib/util.py": ""})
    _refused(root, "cannot tell which file", str(root), "'part1.py', 'part2.py'", "main.py")


def test_files_importing_each_other_and_no_main_name_are_ambiguous(tmp_path: Path) -> None:
    root = _folder(tmp_path / "alice", {"a.py": "import b\n", "b.py": "from . import a\n"})
    _refused(root, "'a.py', 'b.py'")


def test_a_file_that_does_not_parse_is_left_for_the_sandbox(tmp_path: Path) -> None:
    root = _folder(tmp_path / "alice", {"run.py": "import helpers\ndef broken(:\n", "helpers.py": SIGMOID})
    _refused(root, "cannot tell which file", "'helpers.py', 'run.py'")  # run's imports are unknown
    root2 = _folder(tmp_path / "bob", {"main.py": "import helpers\n", "helpers.py": "def broken(:\n"})
    assert load_submission(root2).main == b"import helpers\n"


def test_a_notebook_can_be_the_main_module_of_a_folder(tmp_path: Path) -> None:
    root = tmp_path / "alice"
    _folder(root, {"helpers.py": SIGMOID})
    _notebook(root / "hw.ipynb", ["%matplotlib inline\nfrom helpers import sigmoid"])
    sub = load_submission(root)
    assert dict(sub.files)["helpers.py"] == SIGMOID
    assert _lines(sub)[-1] == "from helpers import sigmoid" and sub.cells[-1] == 1
    assert any("removed 1 IPython-only line" in w for w in sub.warnings)


def test_caches_hidden_files_and_other_files_are_ignored_and_listed(tmp_path: Path) -> None:
    root = _folder(
        tmp_path / "alice",
        {
            "main.py": SIGMOID,
            "__pycache__/main.cpython-311.pyc": b"\0\0",
            ".git/config": "",
            ".ipynb_checkpoints/main-checkpoint.py": "",
            "notes.md": "",
            "data/train.csv": "1,2\n",
        },
    )
    _notebook(root / "scratch.ipynb", ["x = 1"])
    (root / "sub").mkdir()
    _notebook(root / "sub" / "deep.ipynb", ["y = 2"])
    sub = load_submission(root)
    assert [name for name, _ in sub.files] == ["submission.py"] and sub.main == SIGMOID
    ignored = sub.warnings[-1]
    for name in (".git", "__pycache__", ".ipynb_checkpoints", "notes.md", "data/train.csv", "scratch.ipynb"):
        assert f"'{name}'" in ignored, ignored
    assert "'sub/deep.ipynb'" in ignored and ignored.startswith("ignored 7 files")


def test_helper_suffixes_become_importable(tmp_path: Path) -> None:
    root = _folder(tmp_path / "alice", {"MAIN.PY": "import helpers\n", "helpers.PY": SIGMOID})
    assert dict(load_submission(root).files) == {"submission.py": b"import helpers\n", "helpers.py": SIGMOID}


def test_a_symlink_in_a_folder_is_refused_and_not_read(tmp_path: Path) -> None:
    root = _folder(tmp_path / "alice", {"main.py": "import helpers\n"})
    (root / "helpers.py").symlink_to("/etc/passwd")
    _refused(root, "helpers.py", "symbolic link")
    (root / "helpers.py").unlink()
    (root / "lib").symlink_to(tmp_path, target_is_directory=True)
    _refused(root, "lib", "symbolic link")


def test_a_fifo_in_a_folder_is_refused(tmp_path: Path) -> None:
    root = _folder(tmp_path / "alice", {"main.py": SIGMOID})
    os.mkfifo(root / "pipe.py")
    _refused(root, "pipe.py", "not a regular file")


def test_a_helper_that_is_not_utf8_is_refused_by_name(tmp_path: Path) -> None:
    root = _folder(tmp_path / "alice", {"main.py": "import helpers\n", "helpers.py": b"# \xff\n"})
    _refused(root, f"'{root}/helpers.py' is not UTF-8")


@pytest.mark.parametrize(
    ("files", "fragment"),
    [
        ({"main.py": "import submission\n", "submission.py": ""}, "/submission.py' clashes with the main"),
        ({"main.py": SIGMOID, "utils/submission.py": ""}, "/utils/submission.py' clashes"),
        ({"main.py": SIGMOID, "submission/__init__.py": ""}, "clashes with the main module"),
        ({"main.py": "import helpers\n", "helpers.py": "", "Helpers.py": ""}, "differ only in case"),
    ],
)
def test_names_that_clash_are_refused(tmp_path: Path, files: dict[str, str | bytes], fragment: str) -> None:
    _refused(_folder(tmp_path / "alice", files), fragment)


def test_a_main_module_called_submission_does_not_clash(tmp_path: Path) -> None:
    root = _folder(tmp_path / "alice", {"submission.py": "import helpers\n", "helpers.py": SIGMOID})
    assert dict(load_submission(root).files) == {"submission.py": b"import helpers\n", "helpers.py": SIGMOID}


def test_a_folder_holding_one_folder_is_stripped(tmp_path: Path) -> None:
    root = _folder(tmp_path / "alice", {"hw1/main.py": "import helpers\n", "hw1/helpers.py": SIGMOID, ".DS_Store": ""})
    sub = load_submission(root)
    assert dict(sub.files) == {"submission.py": b"import helpers\n", "helpers.py": SIGMOID}


def test_empty_folders_are_refused(tmp_path: Path) -> None:
    _refused(_folder(tmp_path / "empty", {}), "has no .py file or notebook", EXPECTED)
    _refused(_folder(tmp_path / "deep", {"a/x.py": "", "b/y.py": ""}), "at its top level")


def test_folders_with_too_many_files_too_many_bytes_or_too_deep_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(submission, "MAX_FILES", 5)
    _refused(_folder(tmp_path / "many", {f"f{k}.txt": "" for k in range(6)}), "more than 5 files and folders")
    assert load_submission(_folder(tmp_path / "five", {"main.py": "", **{f"f{k}.txt": "" for k in range(4)}}))
    monkeypatch.setattr(submission, "MAX_TOTAL_BYTES", 1000)
    big = _folder(tmp_path / "big", {"main.py": "import a, b\n", "a.py": "#" * 600, "b.py": "#" * 600})
    _refused(big, "more than 1000 bytes of .py files")
    monkeypatch.setattr(submission, "MAX_DEPTH", 2)
    _refused(_folder(tmp_path / "nested", {"main.py": "", "a/b/c/x.py": ""}), "nested more than 2 deep")


# -- zips


def test_a_zip_is_read_like_the_folder_it_holds_and_its_top_folder_stripped(tmp_path: Path) -> None:
    path = _zip(
        tmp_path / "alice.zip",
        {
            "hw1/": b"",
            "hw1/main.py": "from utils.act import sigmoid\n",
            "hw1/utils/__init__.py": "",
            "hw1/utils/act.py": SIGMOID,
            "__MACOSX/hw1/._main.py": b"\0\5",
            "hw1/.DS_Store": b"\0",
        },
    )
    sub = load_submission(path)
    assert sub.kind == "zip" and sub.source == str(path)
    assert dict(sub.files) == {
        "submission.py": b"from utils.act import sigmoid\n",
        "utils/__init__.py": b"",
        "utils/act.py": SIGMOID,
    }
    assert "'__MACOSX'" in sub.warnings[-1] and "'.DS_Store'" in sub.warnings[-1]


def test_a_zip_with_a_notebook_converts_it(tmp_path: Path) -> None:
    notebook = _notebook(tmp_path / "hw.ipynb", ["!pip install numpy", SIGMOID.decode()])
    sub = load_submission(_zip(tmp_path / "alice.zip", {"alice/hw.ipynb": notebook.read_bytes()}))
    assert "def sigmoid(x):" in _lines(sub) and sub.cells and sub.kind == "zip"


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        ("../evil.py", "outside the archive"),
        ("hw/../../evil.py", "outside the archive"),
        ("/etc/evil.py", "absolute path"),
        ("C:/evil.py", "absolute path"),
        ("..\\evil.py", "backslash"),
    ],
)
def test_a_zip_member_that_could_leave_the_folder_is_refused(tmp_path: Path, name: str, fragment: str) -> None:
    path = _zip(tmp_path / "alice.zip", {"main.py": SIGMOID, name: "x = 1\n"})
    _refused(path, fragment, str(path))


def test_a_symlink_in_a_zip_is_refused(tmp_path: Path) -> None:
    link = zipfile.ZipInfo("helpers.py")
    link.create_system = 3
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    _refused(_zip(tmp_path / "alice.zip", {"main.py": SIGMOID, link: "/etc/passwd"}), "helpers.py", "symbolic link")


def test_an_encrypted_member_is_refused(tmp_path: Path) -> None:
    path = _zip(tmp_path / "alice.zip", {"main.py": SIGMOID})
    data = bytearray(path.read_bytes())  # zipfile cannot encrypt: set the flag in both headers
    struct.pack_into("<H", data, data.find(b"PK\x03\x04") + 6, 1)
    struct.pack_into("<H", data, data.find(b"PK\x01\x02") + 8, 1)
    path.write_bytes(data)
    _refused(path, "'", "main.py", "encrypted")


def test_a_bomb_declaring_its_size_is_refused_before_anything_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_reading(*args: object, **kwargs: object) -> None:
        raise AssertionError("a member was read")

    big = _zip(tmp_path / "big.zip", {"main.py": b"#" * (MAX_FILE_BYTES + 1)})  # a few kB on disk
    assert big.stat().st_size < 10_000
    many = _zip(tmp_path / "many.zip", {f"m{k}.py": b"#" * (MAX_FILE_BYTES - 1) for k in range(21)})
    monkeypatch.setattr(zipfile.ZipFile, "open", no_reading)
    _refused(big, "main.py", "larger than 1 MiB")
    _refused(many, "more than 20 MiB of .py files")


def test_a_bomb_lying_about_its_size_is_refused(tmp_path: Path) -> None:
    path = _zip(tmp_path / "alice.zip", {"main.py": b"x = 1\n" * 400_000})  # 2.4 MB, declared as 100 bytes
    data = bytearray(path.read_bytes())
    struct.pack_into("<I", data, data.find(b"PK\x03\x04") + 22, 100)
    struct.pack_into("<I", data, data.find(b"PK\x01\x02") + 24, 100)
    path.write_bytes(data)
    _refused(path, "main.py", "cannot be read")


def test_a_member_is_read_with_a_bound_whatever_its_header_says(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[int] = []

    class Endless(io.RawIOBase):
        def read(self, n: int = -1) -> bytes:
            asked.append(n)
            assert n is not None and n >= 0, "an unbounded read"
            return b"#" * n

    path = _zip(tmp_path / "alice.zip", {"main.py": b"x = 1\n"})
    monkeypatch.setattr(zipfile.ZipFile, "open", lambda self, info: Endless())
    _refused(path, "main.py", "larger than 1 MiB")
    assert asked == [MAX_FILE_BYTES + 1]


def test_a_zip_with_too_many_files_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(submission, "MAX_FILES", 5)
    path = _zip(tmp_path / "alice.zip", {"main.py": "", **{f"data/{k}.csv": "" for k in range(5)}})
    _refused(path, "more than 5 files and folders")


def test_a_duplicated_member_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "alice.zip"
    with pytest.warns(UserWarning), zipfile.ZipFile(path, "w") as archive:
        archive.writestr("main.py", "x = 1\n")
        archive.writestr("main.py", "x = 2\n")
    _refused(path, "appears twice")


@pytest.mark.parametrize("content", [b"not a zip at all", b"PK\x03\x04" + b"\0" * 40])
def test_a_corrupt_zip_is_refused(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "alice.zip"
    path.write_bytes(content)
    _refused(path, str(path), "not a readable zip archive")


def test_a_truncated_zip_is_refused(tmp_path: Path) -> None:
    path = _zip(tmp_path / "alice.zip", {"main.py": SIGMOID * 100})
    path.write_bytes(path.read_bytes()[:-30])
    _refused(path, "not a readable zip archive")


# -- writing the files for the sandbox


def test_write_to_round_trips_with_modes_the_child_can_read(tmp_path: Path) -> None:
    files = {"main.py": "from utils import act\n", "utils/__init__.py": "", "utils/act.py": ""}
    root = _folder(tmp_path / "alice", files)
    sub = load_submission(root)
    box = tmp_path / "box" / "run1"
    old = os.umask(0o077)
    try:
        main = write_to(sub, box)
    finally:
        os.umask(old)
    assert main == box / "submission.py" and main.read_bytes() == b"from utils import act\n"
    written = {p.relative_to(box).as_posix(): p for p in box.rglob("*")}
    assert set(written) == {"submission.py", "utils", "utils/__init__.py", "utils/act.py"}
    for name, content in sub.files:
        assert written[name].read_bytes() == content
        assert stat.S_IMODE(written[name].stat().st_mode) == 0o644
    assert stat.S_IMODE(written["utils"].stat().st_mode) == 0o755
    assert stat.S_IMODE(box.stat().st_mode) == stat.S_IMODE(box.parent.stat().st_mode) == 0o755


CRAFTED = ["../evil.py", "a/../../evil.py", "/tmp/evil.py", "a\\..\\evil.py", "", "a//b.py", "C:/e", "a\nb.py"]


@pytest.mark.parametrize("name", CRAFTED)
def test_write_to_refuses_a_crafted_path_before_writing_anything(tmp_path: Path, name: str) -> None:
    sub = Submission((("submission.py", b""), (name, b"pwned")), "crafted", "folder")
    box = tmp_path / "box"
    box.mkdir()
    with pytest.raises(SubmissionError, match="not a relative path inside the sandbox folder"):
        write_to(sub, box)
    assert list(box.iterdir()) == [] and not (tmp_path / "evil.py").exists()


def test_write_to_never_writes_through_a_link(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    box = tmp_path / "box"
    box.mkdir()
    (box / "utils").symlink_to(outside, target_is_directory=True)
    sub = Submission((("submission.py", b""), ("utils/act.py", b"pwned")), "alice", "folder")
    with pytest.raises(OutputError):
        write_to(sub, box)
    (box / "utils").unlink()
    (box / "submission.py").unlink()
    (box / "submission.py").symlink_to(outside / "target.py")
    with pytest.raises(OutputError):
        write_to(sub, box)
    assert list(outside.iterdir()) == []


def test_write_to_needs_a_main_module(tmp_path: Path) -> None:
    with pytest.raises(SubmissionError, match=r"no submission\.py"):
        write_to(Submission((("helpers.py", b""),), "alice", "folder"), tmp_path / "box")


def test_the_file_defining_the_graded_functions_is_the_main_module(tmp_path: Path) -> None:
    """A check script importing the solution would be 'the only file no other imports': the graded names decide."""
    folder = tmp_path / "alice"
    folder.mkdir()
    (folder / "hw1.py").write_text("def sigmoid(x):\n    return x\n\nclass Dense:\n    pass\n")
    (folder / "check.py").write_text("import hw1\nprint(hw1.sigmoid(0.0))\n")
    assert load_submission(folder, ("sigmoid",)).main.startswith(b"def sigmoid")
    assert load_submission(folder, ("Dense.backward",)).main.startswith(b"def sigmoid")
    assert load_submission(folder).main.startswith(b"import hw1")  # without the names: the older rules
