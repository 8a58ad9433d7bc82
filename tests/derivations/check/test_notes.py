"""The notes shipped in derivations/notes/ are the seeds verbatim, plus a front-matter block only."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

NOTES = Path(__file__).resolve().parents[3] / "derivations" / "notes"
SEEDS = Path(__file__).resolve().parents[4] / "shared" / "seeds"
PAIRS = [
    ("000_5f7004ab4e107f42.txt", "neural_network_basics_1.md"),
    ("004_5a61a512d9afddb4.txt", "numpy_neural_network_slides.md"),
]


@pytest.mark.parametrize(("seed", "note"), PAIRS)
def test_every_display_block_of_the_seed_appears_unchanged(seed: str, note: str) -> None:
    if not (SEEDS / seed).exists():
        pytest.skip(f"seed {seed} not beside the project (../shared/seeds)")
    blocks = re.findall(r"\$\$.*?\$\$", (SEEDS / seed).read_text(encoding="utf-8"), re.S)
    text = (NOTES / note).read_text(encoding="utf-8")
    assert blocks
    missing = [b for b in blocks if b not in text]
    assert not missing, f"{note}: changed or missing display math: {missing[:2]}"
    body = text.split("---\n", 2)[2]
    assert body == (SEEDS / seed).read_text(encoding="utf-8"), f"{note}: text outside the front matter changed"
