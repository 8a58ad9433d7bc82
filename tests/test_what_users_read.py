"""What users read — the CLI's and the report's code, docs/, README, the shipped notes, examples — names no
internal work: no issue numbers, no paths into the team's shared folder, no seed files or their hashes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: Where users read text: the package (its messages, the report's markup, the notes), the docs, the examples.
READ = [ROOT / "README.md", ROOT / "derivations", ROOT / "docs", ROOT / "examples"]
READ.append(ROOT / "tests" / "derivations" / "report" / "golden")  # the report's own markup
SUFFIXES = {".py", ".md", ".tex", ".toml", ".ipynb", ".txt", ".json", ".ini", ".csv"}
INTERNAL = re.compile(
    r"\b[Ii]ssues? #?\d+|\.\./shared|shared/(?:seeds|DESIGN|STYLE|FINDINGS)|\bseeds?/|"
    r"\b(?=[0-9a-f]*[a-f])(?=[0-9a-f]*\d)[0-9a-f]{16}\b"
)


def _files() -> list[Path]:
    out = []
    for base in READ:
        paths = [base] if base.is_file() else sorted(base.rglob("*"))
        out += [p for p in paths if p.is_file() and p.suffix in SUFFIXES and "__pycache__" not in p.parts]
    return out


def test_the_scan_finds_what_it_must_refuse() -> None:
    for text in ("as issue 6 added", "see ../shared/DESIGN.md", "seeds/000_5f7004ab4e107f42.txt", "Issue #12"):
        assert INTERNAL.search(text), text
    for text in ("0.04517665973091213", "the tissue 3", "sigmoid-derivative"):
        assert not INTERNAL.search(text), text


@pytest.mark.parametrize("path", _files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_internal_reference(path: Path) -> None:
    text = path.read_text(encoding="utf-8", errors="replace")
    found = [m.group(0) for m in INTERNAL.finditer(text)]
    assert not found, f"{path.relative_to(ROOT)}: {found[:3]}"
