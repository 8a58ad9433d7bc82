"""What a student handed in, turned into the files the sandbox receives — without running any of it.

A submission is a ``.py`` file, a ``.ipynb`` notebook, a folder of ``.py`` files (optionally in
subpackages, with a ``.py`` file or a notebook as its main module) or a ``.zip`` of such a folder;
suffixes are matched in any case. The result is a `Submission`: the main module as
``submission.py`` and every other ``.py`` file under its own relative path (suffix in lower case),
so that ``import helpers`` works once the sandbox puts the folder on ``sys.path``.

Nothing here executes, imports or compiles the student's code: files are read as bytes through
descriptors opened without following symbolic links (none is ever followed: one is refused), with
bounded reads; a notebook is read as JSON by `nbformat`; a zip is read in memory, never extracted;
the only parsing of code is `ast.parse` of a folder's files, to find which file imports which.
Syntax errors are left for the sandbox's child to report.

The main module of a folder or zip (after stripping folders that hold everything, ``hw1/…``):

1. the only ``.py`` or ``.ipynb`` file at the top level (``__init__.py``, ``test_*.py``,
   ``*_test.py``, ``conftest.py`` and ``setup.py`` count only when nothing else is there);
2. else the only one of them that defines (at its top level) a function or class the assignment
   grades (``load_submission``'s ``graded``);
3. else the only one of them that no other ``.py`` file (or notebook) of the submission imports;
4. else the only one of those named ``main``, ``submission`` or ``solution`` (any case); otherwise
   the submission is refused, naming the candidates.

A notebook becomes plain Python: its code cells in order, each after a ``# cell N`` line (N counts
every cell from 1, as a reader counts them from the top). IPython-only statements — ``%magic``,
``!shell``, ``x = !shell``, ``?help`` and ``help?``, statements calling ``get_ipython()`` — become
``pass`` at the same indentation (``if False:`` for a block header), so that every line keeps its
number and every block stays valid; a cell run by a cell magic (``%%timeit``, ``%%bash``…) is
dropped, except ``%%time`` and ``%%capture``, whose body Jupyter runs once as Python; ``from
__future__`` imports move to the top. The first line selects matplotlib's non-interactive backend
(without importing matplotlib). `Submission.cells` maps each line back to its cell.
"""

from __future__ import annotations

import ast
import os
import re
import stat
import warnings
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from derivations.errors import InputError, OutputError

#: Bytes of one file the sandbox receives: a ``.py`` file, or the code of a notebook.
MAX_FILE_BYTES = 1 << 20
#: Bytes of one notebook as handed in (its outputs, embedded plots included, count).
MAX_NOTEBOOK_BYTES = 16 << 20
#: Bytes of all the ``.py`` files and notebooks read from one folder or zip.
MAX_TOTAL_BYTES = 20 << 20
#: Files and folders in one folder or zip (skipped ones, such as ``.git``, not counted).
MAX_FILES = 200
#: Bytes of a ``.zip`` file (opening one reads its whole directory into memory).
MAX_ARCHIVE_BYTES = 64 << 20
#: Folders nested inside one submission.
MAX_DEPTH = 16

#: What `load_submission` reads, as every refusal of an unknown input says.
EXPECTED = "expected a .py file, a .ipynb notebook, a folder of .py files or a .zip of one"
#: Names (without the suffix, any case) taken as the main module when the import rule does not decide.
MAIN_NAMES = ("main", "submission", "solution")
#: Names in a folder or zip never read, besides hidden ones (``.git``, ``.ipynb_checkpoints``).
SKIPPED = frozenset({"__pycache__", "__MACOSX"})
#: The first line of a converted notebook: plots go to no window (the child has no display).
PRELUDE = '__import__("os").environ.setdefault("MPLBACKEND", "Agg")  # added by the grader: no plot windows'
#: Cell magics whose body Jupyter runs once, as Python, in the notebook's namespace: the body is kept.
PYTHON_CELL_MAGICS = frozenset({"time", "capture"})

_OPEN_FILE = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC  # O_NONBLOCK: a FIFO cannot hang us
_OPEN_DIR = os.O_RDONLY | os.O_NOFOLLOW | os.O_DIRECTORY | os.O_CLOEXEC
_NOT_MAIN = re.compile(r"(?i)(test_.*|.*_test|conftest|setup|__init__)\.py")
_HELP = re.compile(r"[A-Za-z_][\w.]*\?{1,2}")
_ASSIGN_MAGIC = re.compile(r"[A-Za-z_][\w.]*(\s*,\s*[A-Za-z_][\w.]*)*\s*=\s*[%!]")
_GET_IPYTHON = re.compile(r"\bget_ipython\s*\(")
_FUTURE = re.compile(r"from\s+__future__\s+import\b")
_DRIVE = re.compile(r"[A-Za-z]:")
try:
    import lzma

    _STREAM_ERRORS: tuple[type[Exception], ...] = (zlib.error, lzma.LZMAError)
except ImportError:  # pragma: no cover - a Python built without lzma
    _STREAM_ERRORS = (zlib.error,)


@dataclass(frozen=True)
class Submission:
    """What a student handed in, as the files the sandbox receives: a main module and its helpers."""

    #: (relative POSIX path, content); the main module is "submission.py", helpers keep their paths.
    files: tuple[tuple[str, bytes], ...]
    #: The path the student handed in, as given.
    source: str
    #: "python" | "notebook" | "folder" | "zip"
    kind: str
    #: What the TA and student should know: lines removed from a notebook, files ignored, the main file chosen.
    warnings: tuple[str, ...] = ()
    #: For each line of a submission.py converted from a notebook, its cell (from 1; 0: a line the grader added).
    cells: tuple[int, ...] = ()

    @property
    def main(self) -> bytes:
        """The content of submission.py."""
        return dict(self.files)["submission.py"]


class SubmissionError(InputError):
    """A submission the grader cannot read: `reason` is one line a student can act on."""

    def __init__(self, reason: str) -> None:
        reason = " ".join(reason.splitlines())
        super().__init__(reason)
        self.reason = reason


def load_submission(path: Path, graded: tuple[str, ...] = ()) -> Submission:
    """The files the sandbox receives for what was handed in at ``path``; SubmissionError if it cannot be read.

    ``graded`` names the functions (or ``Class.method``) the assignment grades: in a folder or zip, the
    only top-level file that defines one of them is the main module (rule 2 of the module's docstring).
    """
    path = Path(path)
    source = str(path)
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        raise SubmissionError(f"{_q(source)} does not exist ({EXPECTED})") from None
    except OSError as exc:
        raise SubmissionError(f"cannot read {_q(source)}: {exc.strerror or exc} ({EXPECTED})") from None
    if stat.S_ISLNK(info.st_mode):
        raise SubmissionError(f"{_q(source)} is a symbolic link, which the grader never follows (give the file itself)")
    if stat.S_ISDIR(info.st_mode):
        return _from_tree(_read_folder(path, source), "folder", graded)
    suffix = path.suffix.lower()
    if suffix not in (".py", ".ipynb", ".zip"):
        raise SubmissionError(f"{_q(source)} is not a submission ({EXPECTED})")
    if not stat.S_ISREG(info.st_mode):
        raise SubmissionError(f"{_q(source)} is not a regular file ({EXPECTED})")
    if suffix == ".zip":
        return _from_tree(_read_zip(path, source), "zip", graded)
    cap = MAX_FILE_BYTES if suffix == ".py" else MAX_NOTEBOOK_BYTES
    fd = _open(path, source, _OPEN_FILE)
    try:
        data = _read_regular(fd, cap, source)
    finally:
        os.close(fd)
    if suffix == ".py":
        _check_python(data, _q(source))
        return Submission((("submission.py", data),), source, "python")
    code, cells, notes = _notebook_source(data, source)
    return Submission((("submission.py", code),), source, "notebook", notes, cells)


def cell_of_line(sub: Submission, line: int) -> int | None:
    """The notebook cell (from 1) that line ``line`` (from 1) of submission.py came from; None for an added line."""
    if 1 <= line <= len(sub.cells) and sub.cells[line - 1] > 0:
        return sub.cells[line - 1]
    return None


def write_to(sub: Submission, folder: Path) -> Path:
    """Write the files under ``folder`` (files 0o644, folders 0o755, never through a link); the submission.py path."""
    folder = Path(folder)
    if not any(name == "submission.py" for name, _ in sub.files):
        raise SubmissionError(f"the files of {_q(sub.source)} have no submission.py")
    paths = [(_parts(name), data) for name, data in sub.files]  # every path checked before anything is written
    try:
        for missing in reversed([p for p in (folder, *folder.parents) if not p.exists()]):
            try:
                missing.mkdir()
            except FileExistsError:
                continue
            os.chmod(missing, 0o755)  # the child, another uid, must get through every folder created here
        root = os.open(folder, _OPEN_DIR)
    except OSError as exc:
        raise OutputError(f"cannot write '{folder}': {exc.strerror or exc}") from None
    try:
        for parts, data in paths:
            _write_file(root, parts, data, folder.joinpath(*parts))
    finally:
        os.close(root)
    return folder / "submission.py"


# -- notebooks


def _notebook_source(data: bytes, name: str) -> tuple[bytes, tuple[int, ...], tuple[str, ...]]:
    """A notebook's code cells as plain Python (UTF-8), each line's cell number, and what was removed."""
    notebook = _read_notebook(data, name)
    cells = notebook.get("cells")
    if not isinstance(cells, list):
        raise SubmissionError(f"{_q(name)} is not a notebook: it has no list of cells")
    hoisted: list[str] = []
    blocks: list[tuple[int, list[str]]] = []
    removed: list[int] = []
    dropped: list[int] = []
    for number, cell in enumerate(cells, start=1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        text = cell.get("source", "")
        if isinstance(text, list):
            text = "".join(str(t) for t in text)
        if not isinstance(text, str):
            raise SubmissionError(f"{_q(name)} is not a notebook: cell {number} has no source text")
        lines, n_removed, was_dropped = _convert_cell(text, hoisted)
        blocks.append((number, lines))
        removed += [number] * n_removed
        if was_dropped:
            dropped.append(number)
    if not blocks:
        raise SubmissionError(f"{_q(name)} has no code cells (expected the functions in the notebook's code cells)")
    out = [*hoisted, PRELUDE]
    where = [0] * len(out)
    for number, lines in blocks:
        out.append(f"# cell {number}")
        where.append(0)
        out += lines
        where += [number] * len(lines)
    code = ("\n".join(out) + "\n").encode("utf-8", "backslashreplace")  # a lone surrogate from the JSON: escaped
    if len(code) > MAX_FILE_BYTES:
        raise SubmissionError(f"the code cells of {_q(name)} come to more than {_size(MAX_FILE_BYTES)}")
    notes = []
    if removed:
        lines_ = "line" if len(removed) == 1 else "lines"
        notes.append(
            f"{_q(name)}: removed {len(removed)} IPython-only {lines_} ({_cells(removed)}): "
            "%magics, !shell commands, ?help and get_ipython() do not run in plain Python"
        )
    if dropped:
        notes.append(f"{_q(name)}: dropped {_cells(dropped)}, run by a cell magic (%%timeit, %%bash…)")
    if hoisted:
        notes.append(f"{_q(name)}: moved the from __future__ imports to the top of submission.py")
    return code, tuple(where), tuple(notes)


def _read_notebook(data: bytes, name: str) -> dict:
    """The notebook in ``data``, as nbformat 4; SubmissionError naming ``name`` if it is not one."""
    import json

    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SubmissionError(f"{_q(name)} is not a notebook: byte {exc.start} is not UTF-8") from None
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno}, column {exc.colno}"
        raise SubmissionError(f"{_q(name)} is not a notebook: invalid JSON at {where} ({exc.msg})") from None
    except RecursionError:
        raise SubmissionError(f"{_q(name)} is not a notebook: JSON nested too deeply") from None
    if not isinstance(raw, dict) or "nbformat" not in raw or ("cells" not in raw and "worksheets" not in raw):
        raise SubmissionError(f"{_q(name)} is not a notebook: JSON without 'nbformat' and 'cells'")
    import nbformat  # here, not at the top: only notebooks need it

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # missing cell ids and the like: nbformat repairs them
            return nbformat.reads(text, as_version=4)
    except nbformat.ValidationError as exc:
        why = _first_line(getattr(exc, "message", "") or str(exc))
        raise SubmissionError(f"{_q(name)} is not a notebook: {why}") from None
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:  # NBFormatError: a ValueError
        raise SubmissionError(f"{_q(name)} is not a notebook: {_first_line(str(exc))}") from None


class _Scanner:
    """Whether a line of Python starts a statement: not inside a string or brackets, nor after a backslash."""

    def __init__(self) -> None:
        self.quote: str | None = None
        self.depth = 0
        self.continued = False

    @property
    def at_start(self) -> bool:
        """The next line starts a logical line (the only place IPython looks for %, ! and ?)."""
        return self.quote is None and self.depth == 0 and not self.continued

    def feed(self, line: str) -> str:
        """Move past ``line``; its code with each string shown as ``''`` and the comment cut."""
        code: list[str] = []
        i, n = 0, len(line)
        self.continued = False
        while i < n:
            c = line[i]
            if self.quote is not None:
                if c == "\\":
                    self.continued = i == n - 1 and len(self.quote) == 1  # a one-line string continued
                    i += 2
                elif line.startswith(self.quote, i):
                    code.append("''")
                    i += len(self.quote)
                    self.quote = None
                else:
                    i += 1
                continue
            if c == "#":
                break
            if c in "'\"":
                self.quote = c * 3 if line.startswith(c * 3, i) else c
                i += len(self.quote)
                continue
            if c in "([{":
                self.depth += 1
            elif c in ")]}":
                self.depth = max(0, self.depth - 1)
            elif c == "\\" and i == n - 1:
                self.continued = True
            code.append(c)
            i += 1
        if self.quote is not None and len(self.quote) == 1 and not self.continued:
            self.quote = None  # an unterminated one-line string: a syntax error, for the sandbox to report
        return "".join(code)


def _is_magic(stripped: str) -> bool:
    """A statement IPython reads as a magic, a shell command or a help request."""
    if stripped[:1] in ("%", "!", "?"):
        return True
    return bool(_HELP.fullmatch(stripped.rstrip()) or _ASSIGN_MAGIC.match(stripped))


def _removed(line: str, statement: str = "pass") -> str:
    """``statement`` at the indentation of ``line``, then what was removed as a comment."""
    indent = line[: len(line) - len(line.lstrip())]
    return f"{indent}{statement}  # removed: {line.strip()[:40]}"


def _comment(line: str, what: str = "removed") -> str:
    return f"# {what}: {line.strip()[:40]}" if line.strip() else ""


def _convert_cell(text: str, hoisted: list[str]) -> tuple[list[str], int, bool]:
    """A code cell's lines as plain Python, one for one; how many statements were removed; whether it was dropped."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")  # Python's own newlines, and only those
    if lines[-1] == "":
        lines.pop()
    first = next((k for k, line in enumerate(lines) if line.strip()), None)
    if first is not None and lines[first].startswith("%%"):
        magic = lines[first][2:].split(maxsplit=1)
        if not magic or magic[0] not in PYTHON_CELL_MAGICS:
            return [_comment(line) for line in lines], 0, True
        lines[first] = _removed(lines[first])
        converted, removed = _convert_lines(lines, hoisted)
        return converted, removed + 1, False
    converted, removed = _convert_lines(lines, hoisted)
    return converted, removed, False


def _convert_lines(lines: list[str], hoisted: list[str]) -> tuple[list[str], int]:
    """The lines with IPython-only statements replaced and ``from __future__`` imports moved to ``hoisted``."""
    out = list(lines)
    scanner = _Scanner()
    removed = 0
    i, n = 0, len(lines)
    while i < n:
        stripped = lines[i].lstrip()
        if stripped and _is_magic(stripped):  # never fed to the scanner: its quotes and brackets are not Python's
            out[i] = _removed(lines[i])
            removed += 1
            while lines[i].rstrip().endswith("\\") and i + 1 < n:  # a magic continued on the next line
                i += 1
                out[i] = _comment(lines[i])
            i += 1
            continue
        start, code = i, [scanner.feed(lines[i])]
        while not scanner.at_start and i + 1 < n:  # the rest of the logical line
            i += 1
            code.append(scanner.feed(lines[i]))
        statement = " ".join(code).strip()
        if _GET_IPYTHON.search(statement):
            header = statement.endswith(":")
            keyword = ("elif False:" if statement.startswith("elif") else "if False:") if header else "pass"
            out[start] = _removed(lines[start], keyword)
            out[start + 1 : i + 1] = [_comment(line) for line in lines[start + 1 : i + 1]]
            removed += 1
        elif lines[start][:1] not in (" ", "\t") and _FUTURE.match(statement):
            hoisted += lines[start : i + 1]
            out[start] = f"pass  # moved to the top: {lines[start].strip()[:40]}"
            out[start + 1 : i + 1] = [_comment(line, "moved to the top") for line in lines[start + 1 : i + 1]]
        i += 1
    return out, removed


def _cells(numbers: list[int]) -> str:
    unique = sorted(set(numbers))
    return ("cell " if len(unique) == 1 else "cells ") + ", ".join(map(str, unique))


# -- folders and zips, as one in-memory tree


@dataclass
class _Member:
    """A file of a folder or zip: its path, its size as stat or the zip's directory says, and a bounded reader."""

    parts: tuple[str, ...]
    size: int
    read: Callable[[int], bytes]  # read(cap): at most cap + 1 bytes, whatever the size said


@dataclass
class _Tree:
    """What a folder or zip holds: its files, its folders, the names skipped, and how to release it."""

    source: str
    close: Callable[[], None]
    members: list[_Member] = field(default_factory=list)
    folders: set[tuple[str, ...]] = field(default_factory=set)
    ignored: list[tuple[str, ...]] = field(default_factory=list)

    def label(self, parts: tuple[str, ...] | str) -> str:
        """A member's name in messages: the folder or zip, then its path inside."""
        rel = parts if isinstance(parts, str) else "/".join(parts)
        return f"{self.source.rstrip('/')}/{rel}"


def _read_folder(path: Path, source: str) -> _Tree:
    """A folder's tree, walked through descriptors without following links; files are read later, bounded."""
    root = _open(path, source, _OPEN_DIR)
    tree = _Tree(source, lambda: os.close(root))
    count = 0

    def walk(fd: int, prefix: tuple[str, ...]) -> None:
        nonlocal count
        with os.scandir(fd) as it:
            names = sorted(entry.name for entry in it)
        for name in names:
            parts = (*prefix, name)
            if _skipped(name):
                tree.ignored.append(parts)
                continue
            info = os.lstat(name, dir_fd=fd)
            if stat.S_ISLNK(info.st_mode):
                raise SubmissionError(f"{_q(tree.label(parts))} is a symbolic link, which the grader never follows")
            count += 1
            if count > MAX_FILES:
                raise SubmissionError(_too_many(source))
            if stat.S_ISDIR(info.st_mode):
                if len(parts) > MAX_DEPTH:
                    raise SubmissionError(f"{_q(source)} has folders nested more than {MAX_DEPTH} deep")
                tree.folders.add(parts)
                sub = os.open(name, _OPEN_DIR, dir_fd=fd)
                try:
                    walk(sub, parts)
                finally:
                    os.close(sub)
            elif stat.S_ISREG(info.st_mode):
                tree.members.append(_Member(parts, info.st_size, _folder_reader(root, parts, tree.label(parts))))
            else:
                raise SubmissionError(f"{_q(tree.label(parts))} is not a regular file (hand in files and folders)")

    try:
        walk(root, ())
    except OSError as exc:
        tree.close()
        raise SubmissionError(f"cannot read {_q(source)}: {exc.strerror or exc}") from None
    except BaseException:
        tree.close()
        raise
    return tree


def _folder_reader(root: int, parts: tuple[str, ...], label: str) -> Callable[[int], bytes]:
    def read(cap: int) -> bytes:
        fds = [root]
        try:
            for part in parts[:-1]:
                fds.append(os.open(part, _OPEN_DIR, dir_fd=fds[-1]))
            fds.append(os.open(parts[-1], _OPEN_FILE, dir_fd=fds[-1]))
            if not stat.S_ISREG(os.fstat(fds[-1]).st_mode):
                raise SubmissionError(f"{_q(label)} is not a regular file (hand in files and folders)")
            return _read_limited(fds[-1], cap + 1)
        except OSError as exc:  # replaced by a link since the walk: O_NOFOLLOW refuses it
            raise SubmissionError(f"cannot read {_q(label)}: {exc.strerror or exc}") from None
        finally:
            for fd in fds[1:]:
                os.close(fd)

    return read


def _read_zip(path: Path, source: str) -> _Tree:
    """A zip's tree, from its directory: unsafe paths, links and encrypted members refused, nothing extracted."""
    fd = _open(path, source, _OPEN_FILE)
    handle = os.fdopen(fd, "rb")
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise SubmissionError(f"{_q(source)} is not a regular file ({EXPECTED})")
        if os.fstat(fd).st_size > MAX_ARCHIVE_BYTES:
            raise SubmissionError(f"{_q(source)} is larger than {_size(MAX_ARCHIVE_BYTES)} (hand in only your code)")
        try:
            archive = zipfile.ZipFile(handle)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
            raise SubmissionError(f"{_q(source)} is not a readable zip archive ({_first_line(str(exc))})") from None
    except BaseException:
        handle.close()
        raise

    def close() -> None:
        archive.close()
        handle.close()

    tree = _Tree(source, close)
    try:
        _list_zip(archive, tree)
    except BaseException:
        close()
        raise
    return tree


def _list_zip(archive: zipfile.ZipFile, tree: _Tree) -> None:
    seen: set[tuple[str, ...]] = set()
    for info in archive.infolist():
        name = info.filename
        shown = _q(tree.label(name))
        if name.startswith("/") or _DRIVE.match(name):
            raise SubmissionError(f"{shown} has an absolute path (zip the folder, with paths relative to it)")
        if "\\" in name:
            raise SubmissionError(f"{shown} has a backslash in its path (zip the folder with a zip tool)")
        parts = tuple(p for p in name.split("/") if p not in ("", "."))
        if ".." in parts:
            raise SubmissionError(f"{shown} points outside the archive with '..' (zip the folder itself)")
        if stat.S_ISLNK(info.external_attr >> 16):
            raise SubmissionError(f"{shown} is a symbolic link, which the grader never follows (zip the files)")
        if info.flag_bits & 0x1:
            raise SubmissionError(f"{shown} is encrypted (zip without a password)")
        if not parts:
            continue
        if parts in seen:
            raise SubmissionError(f"{shown} appears twice in the archive")
        seen.add(parts)
        skipped = next((k for k, p in enumerate(parts) if _skipped(p)), None)
        if skipped is not None:
            tree.ignored.append(parts[: skipped + 1])
            continue
        tree.folders.update(parts[:k] for k in range(1, len(parts)))
        if info.is_dir():
            tree.folders.add(parts)
        else:
            tree.members.append(_Member(parts, info.file_size, _zip_reader(archive, info, tree.label(name))))


def _zip_reader(archive: zipfile.ZipFile, info: zipfile.ZipInfo, label: str) -> Callable[[int], bytes]:
    def read(cap: int) -> bytes:
        try:
            with archive.open(info) as member:
                data = member.read(cap + 1)  # bounded: a header that lies about the size cannot make us read more
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, RuntimeError, NotImplementedError) as exc:
            raise SubmissionError(f"{_q(label)} cannot be read ({_first_line(str(exc))})") from None
        except _STREAM_ERRORS as exc:  # a damaged compressed stream
            raise SubmissionError(f"{_q(label)} cannot be read ({_first_line(str(exc))})") from None
        if len(data) <= cap and len(data) != info.file_size:
            raise SubmissionError(f"{_q(label)} does not hold the {info.file_size} bytes its header declares")
        return data

    return read


def _from_tree(tree: _Tree, kind: str, graded: tuple[str, ...] = ()) -> Submission:
    """The submission a folder or zip holds: the folder rules applied to its tree."""
    try:
        return _submission_of(tree, kind, graded)
    finally:
        tree.close()


def _submission_of(tree: _Tree, kind: str, graded: tuple[str, ...]) -> Submission:
    source = tree.source
    _strip_top_folders(tree)
    if len(tree.members) + len(tree.folders) > MAX_FILES:
        raise SubmissionError(_too_many(source))
    wanted: list[_Member] = []
    for m in tree.members:
        suffix = PurePosixPath(m.parts[-1]).suffix.lower()
        if suffix == ".py" or (suffix == ".ipynb" and len(m.parts) == 1):
            wanted.append(m)
        else:
            tree.ignored.append(m.parts)
    for m in wanted:
        _check_name(m.parts, _q(tree.label(m.parts)))
        if m.size > _cap_of(m):
            raise SubmissionError(_too_big(_q(tree.label(m.parts)), _cap_of(m)))
    if sum(m.size for m in wanted) > MAX_TOTAL_BYTES:
        raise SubmissionError(_too_much(source))
    contents: dict[tuple[str, ...], bytes] = {}
    total = 0
    for m in wanted:
        shown = _q(tree.label(m.parts))
        data = m.read(_cap_of(m))
        if len(data) > _cap_of(m):
            raise SubmissionError(_too_big(shown, _cap_of(m)))
        total += len(data)
        if total > MAX_TOTAL_BYTES:
            raise SubmissionError(_too_much(source))
        if not _is_notebook(m.parts):
            _check_python(data, shown)
        contents[m.parts] = data
    candidates = sorted(parts[0] for parts in contents if len(parts) == 1)
    if not candidates:
        where = "" if not contents else " at its top level"
        raise SubmissionError(f"{_q(source)} has no .py file or notebook{where} ({EXPECTED})")
    main, why = _main_of(tree, contents, candidates, graded)
    notes = [f"took {_q(main)} as the main module ({why})"]
    cells: tuple[int, ...] = ()
    if _is_notebook((main,)):
        code, cells, converted = _notebook_source(contents[(main,)], tree.label(main))
        notes += converted
    else:
        code = contents[(main,)]
    files: list[tuple[str, bytes]] = [("submission.py", code)]
    for parts, data in sorted(contents.items()):
        if parts == (main,):
            continue
        if _is_notebook(parts):
            tree.ignored.append(parts)  # only the main module may be a notebook: one cannot be imported
            continue
        files.append(("/".join((*parts[:-1], parts[-1][:-3] + ".py")), data))  # importable: .PY → .py
    _check_clashes(files, tree, main)
    if tree.ignored:
        names = sorted({"/".join(parts) for parts in tree.ignored})
        more = f" and {len(names) - 10} more" if len(names) > 10 else ""
        listed = ", ".join(_q(n) for n in names[:10]) + more
        notes.append(f"ignored {len(names)} file{'s' * (len(names) != 1)} the sandbox does not run: {listed}")
    return Submission(tuple(files), source, kind, tuple(notes), cells)


def _strip_top_folders(tree: _Tree) -> None:
    """Drop the folder that holds everything (``hw1/…``, as zips often have), again while there is one."""
    while tree.members and all(len(m.parts) > 1 for m in tree.members):
        tops = {m.parts[0] for m in tree.members} | {f[0] for f in tree.folders}
        if len(tops) != 1:
            return
        (top,) = tops
        for m in tree.members:
            m.parts = m.parts[1:]
        tree.folders = {f[1:] for f in tree.folders if len(f) > 1}
        tree.ignored = [p[1:] if len(p) > 1 and p[0] == top else p for p in tree.ignored]
        tree.source = f"{tree.source.rstrip('/')}/{top}"


def _main_of(
    tree: _Tree, contents: dict[tuple[str, ...], bytes], candidates: list[str], graded: tuple[str, ...] = ()
) -> tuple[str, str]:
    """The top-level file taken as the main module, and why (the rule is in the module's docstring)."""
    preferred = [c for c in candidates if not _NOT_MAIN.fullmatch(c)] or candidates
    if len(preferred) == 1:
        besides = "" if len(preferred) == len(candidates) else ", besides tests, setup and __init__"
        return preferred[0], f"the only .py file or notebook at the top level{besides}"
    wanted = {name.split(".")[0] for name in graded}
    defining = [c for c in preferred if wanted & _defined_in(contents[(c,)], (c,), tree)]
    if len(defining) == 1:
        return defining[0], "the only top-level file that defines a graded function"
    imports = {parts: _imports_of(data, parts, tree) for parts, data in contents.items()}
    imported = {
        c
        for c in preferred
        if not _is_notebook((c,)) and any(c[:-3] in names for parts, names in imports.items() if parts != (c,))
    }
    pool = [c for c in preferred if c not in imported] or preferred
    if len(pool) == 1:
        return pool[0], "the only top-level file that no other file imports"
    named = [c for c in pool if PurePosixPath(c).stem.lower() in MAIN_NAMES]
    if len(named) == 1:
        return named[0], f"named {PurePosixPath(named[0]).stem}, among {len(pool)} files that no other file imports"
    listed = ", ".join(_q(c) for c in (named or pool)[:10])
    raise SubmissionError(
        f"cannot tell which file of {_q(tree.source)} is the main module: {listed} "
        "(keep one file at the top level, or name the main one main.py)"
    )


def _defined_in(data: bytes, parts: tuple[str, ...], tree: _Tree) -> set[str]:
    """The functions and classes a file defines at its top level, by parsing (never running) it."""
    module = _parsed(data, parts, tree)
    if module is None:
        return set()
    return {n.name for n in module.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)}


def _parsed(data: bytes, parts: tuple[str, ...], tree: _Tree) -> ast.Module | None:
    try:
        if _is_notebook(parts):
            text = _notebook_source(data, tree.label(parts))[0].decode("utf-8")
        else:
            text = data.decode("utf-8")
        return ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError, SubmissionError):  # UnicodeDecodeError: ValueError
        return None


def _imports_of(data: bytes, parts: tuple[str, ...], tree: _Tree) -> set[str]:
    """The top-level names of the modules a file imports, by parsing (never running) it; none if it does not parse."""
    module = _parsed(data, parts, tree)
    if module is None:
        return set()
    names: set[str] = set()
    for node in ast.walk(module):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.module:
                names.add(node.module.split(".")[0])
            if node.level:
                names.update(alias.name for alias in node.names)
    return names


def _check_clashes(files: list[tuple[str, bytes]], tree: _Tree, main: str) -> None:
    """No helper may be named submission.py or sit in a submission/ folder, and no two paths may differ only in case."""
    seen: dict[str, str] = {}
    for k, (name, _) in enumerate(files):  # files[0] is the main module
        parts = name.split("/")
        if k > 0 and (parts[-1].lower() == "submission.py" or parts[0].lower() == "submission"):
            raise SubmissionError(
                f"{_q(tree.label(name))} clashes with the main module {_q(main)}, which the grader names "
                "submission.py (rename the helper)"
            )
        key = name.casefold()
        if key in seen:
            raise SubmissionError(f"{_q(tree.label(seen[key]))} and {_q(name)} differ only in case (rename one)")
        seen[key] = name


def _is_notebook(parts: tuple[str, ...]) -> bool:
    return parts[-1].lower().endswith(".ipynb")


def _cap_of(m: _Member) -> int:
    return MAX_NOTEBOOK_BYTES if _is_notebook(m.parts) else MAX_FILE_BYTES


def _skipped(name: str) -> bool:
    """A name in a folder or zip that is never read: hidden (``.git``, ``.ipynb_checkpoints``) or in `SKIPPED`."""
    return name.startswith(".") or name in SKIPPED


def _check_name(parts: tuple[str, ...], shown: str) -> None:
    """A file the sandbox receives has a name of printable text (no control characters, no undecodable bytes)."""
    if not all(part.isprintable() for part in parts):
        raise SubmissionError(f"{shown} has a name that is not plain text (rename it)")


def _parts(name: str) -> tuple[str, ...]:
    """The components of a relative POSIX path with none that could leave its folder; SubmissionError otherwise."""
    bad = not isinstance(name, str) or not name or "\\" in name or _DRIVE.match(name) is not None
    parts = tuple(name.split("/")) if isinstance(name, str) else ()
    if bad or any(p in ("", ".", "..") or not p.isprintable() for p in parts):
        raise SubmissionError(f"{_q(str(name))} is not a relative path inside the sandbox folder")
    return parts


def _write_file(root: int, parts: tuple[str, ...], data: bytes, shown: Path) -> None:
    """Write ``data`` at ``parts`` under the folder open as ``root``: folders created 0o755, the file 0o644."""
    fds = [root]
    try:
        for part in parts[:-1]:
            created = True
            try:
                os.mkdir(part, 0o755, dir_fd=fds[-1])
            except FileExistsError:
                created = False
            fds.append(os.open(part, _OPEN_DIR, dir_fd=fds[-1]))  # O_NOFOLLOW: a link put here fails
            if created:
                os.fchmod(fds[-1], 0o755)  # the umask may have taken bits away
        flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW | os.O_CLOEXEC
        fd = os.open(parts[-1], flags, 0o644, dir_fd=fds[-1])
        try:
            os.fchmod(fd, 0o644)
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
        finally:
            os.close(fd)
    except OSError as exc:
        raise OutputError(f"cannot write '{shown}': {exc.strerror or exc}") from None
    finally:
        for fd in fds[1:]:
            os.close(fd)


# -- reading files


def _open(path: Path, source: str, flags: int) -> int:
    """A descriptor for ``path`` opened with ``flags`` (never following a link at its last component)."""
    try:
        return os.open(path, flags)
    except OSError as exc:
        raise SubmissionError(f"cannot read {_q(source)}: {exc.strerror or exc}") from None


def _read_regular(fd: int, cap: int, source: str) -> bytes:
    """The content of the regular file open as ``fd``; SubmissionError past ``cap`` bytes."""
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise SubmissionError(f"{_q(source)} is not a regular file ({EXPECTED})")
        data = _read_limited(fd, cap + 1)
    except OSError as exc:
        raise SubmissionError(f"cannot read {_q(source)}: {exc.strerror or exc}") from None
    if len(data) > cap:
        raise SubmissionError(_too_big(_q(source), cap))
    return data


def _read_limited(fd: int, limit: int) -> bytes:
    """At most ``limit`` bytes from ``fd``, whatever its size says."""
    chunks: list[bytes] = []
    left = limit
    while left > 0:
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _check_python(data: bytes, shown: str) -> None:
    """A .py file is UTF-8 text (its syntax is for the sandbox to judge)."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise SubmissionError(f"{shown} is not UTF-8 text (line {line}, byte {exc.start}: save it as UTF-8)") from None


# -- messages


def _q(name: str) -> str:
    """A name in quotes, on one line: control characters and undecodable bytes escaped."""
    shown = "".join(c if c.isprintable() else repr(c)[1:-1] for c in name)
    return f"'{shown[:200]}'"


def _size(n: int) -> str:
    return f"{n >> 20} MiB" if n >= 1 << 20 and n % (1 << 20) == 0 else f"{n} bytes"


def _too_big(shown: str, cap: int) -> str:
    what = "a notebook" if cap == MAX_NOTEBOOK_BYTES else "one .py file"
    return f"{shown} is larger than {_size(cap)}, the limit for {what}"


def _too_much(source: str) -> str:
    return f"{_q(source)} holds more than {_size(MAX_TOTAL_BYTES)} of .py files and notebooks (hand in only your code)"


def _too_many(source: str) -> str:
    return f"{_q(source)} has more than {MAX_FILES} files and folders (hand in only your code: no data or environments)"


def _first_line(text: str) -> str:
    return " ".join((text.strip().splitlines() or ["no reason given"])[0].split())[:200]
