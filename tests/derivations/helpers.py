"""Writing small derivation files for the checker's tests."""

from __future__ import annotations

from pathlib import Path

from derivations.check import Derivation, check_file


def check_text(tmp_path: Path, text: str, name: str = "d.md", seconds: float = 5.0) -> Derivation:
    """Check ``text`` as a derivation file."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    derivation = check_file(path, seconds=seconds)
    return derivation


def displays(*rows: str, front: str = "") -> str:
    """A Markdown file with one display per row (and an optional front matter block)."""
    head = f"---\n{front}---\n" if front else ""
    return head + "\n\n".join(f"$${r}$$" for r in rows) + "\n"


def verdicts(d: Derivation) -> list[str]:
    return [s.verdict for s in d.steps]
