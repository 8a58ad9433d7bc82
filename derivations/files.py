"""Files the tool writes and the cache it keeps: a leaf module, it imports nothing of ours but errors.

Every output is written atomically (a temporary file in the same folder, then a rename), with the
permissions a plain ``open`` would give under the user's umask, so a reader never sees half a file
and an interrupted run never leaves one.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from derivations.errors import OutputError


def cache_dir(*parts: str) -> Path:
    """The tool's cache folder (``$XDG_CACHE_HOME/derivations/…``, else ``~/.cache/derivations/…``)."""
    given = os.environ.get("XDG_CACHE_HOME", "")
    base = Path(given) if os.path.isabs(given) else Path.home() / ".cache"  # a relative value is ignored (XDG)
    return base.joinpath("derivations", *parts)


def unwritable_reason(path: Path) -> str | None:
    """Why ``path`` cannot be written (checked before any work is done), or None if it can."""
    parent = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        return f"cannot write '{path}': it is a directory (expected a file path)"
    if not parent.is_dir():
        return f"cannot write '{path}': directory '{parent}' does not exist"
    if not os.access(parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        return f"cannot write '{path}': permission denied"
    return None


#: The top-level key every JSON the tool writes carries: how a file it wrote is recognised.
VERSION_KEY = "derivations_version"
#: The first cells of the header of the gradebook CSV `grade --batch` writes.
CSV_HEADER = "student,score,max_score"


def tool_version() -> str:
    """The installed version of derivations (``0+unknown`` when it is not installed)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("derivations")
    except PackageNotFoundError:
        return "0+unknown"


def written_by_us(path: Path) -> bool:
    """Whether ``path`` looks like an output of this tool: a JSON with `VERSION_KEY` (at the top, or in a
    results.json's ``extra_data``), or the gradebook CSV."""
    try:
        with path.open("rb") as fh:
            head = fh.read(len(CSV_HEADER)).decode("utf-8", "replace")
            if head.startswith(CSV_HEADER):
                return True
            if os.fstat(fh.fileno()).st_size > 256 << 20:  # none of our JSON files is that large
                return False
            fh.seek(0)
            data = json.load(fh)
    except (OSError, UnicodeDecodeError, ValueError, RecursionError):
        return False
    if not isinstance(data, dict):
        return False
    extra = data.get("extra_data")  # Gradescope's results.json keeps the tool's own keys in extra_data
    return VERSION_KEY in data or (isinstance(extra, dict) and VERSION_KEY in extra)


def refuse_foreign(path: Path, *, force: bool) -> None:
    """OutputError when ``path`` exists and this tool did not write it, unless ``force``."""
    if force or not path.exists():
        return
    if path.is_dir() or not written_by_us(path):
        raise OutputError(f"'{path}' exists and was not written by derivations: use --force to replace it")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_bytes_atomic(path: Path, data: bytes, *, make_dirs: bool = False, mode: int | None = None) -> None:
    """Write ``data`` to ``path`` via a temporary file in the same directory and a rename (``mode``: the file's
    permissions, else the user's usual ones)."""
    directory = path.parent if str(path.parent) else Path(".")
    try:
        if make_dirs:
            directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.chmod(tmp, 0o666 & ~_umask() if mode is None else mode)  # mkstemp makes 0600; an output: usual mode
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise OutputError(f"cannot write '{path}': {exc.strerror or exc}") from None


def write_text_atomic(path: Path, text: str, *, make_dirs: bool = False) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    write_bytes_atomic(path, text.encode("utf-8"), make_dirs=make_dirs)


def write_json_atomic(path: Path, data: Any) -> None:
    """Write JSON to ``path`` atomically (two-space indent, Unicode kept)."""
    write_text_atomic(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")
