"""The shared inputs: derandomised (every run and every student meets the same), cached on disk, keyed on the domain."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from derivations.grading import inputs
from derivations.grading.api import Domain, spec
from derivations.grading.config import Config

CONFIG = Config(correctness_examples=8, stability_examples=6)


@pytest.fixture
def fresh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty cache folder and an empty in-memory cache."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(inputs, "_INPUTS", {})
    return tmp_path


def _same(a: list[tuple], b: list[tuple]) -> bool:
    return len(a) == len(b) and all(
        len(x) == len(y) and all(np.array_equal(u, v) and u.dtype == v.dtype for u, v in zip(x, y))
        for x, y in zip(a, b)
    )


def test_the_inputs_are_derandomised_and_kept_on_disk(fresh: Path) -> None:
    fs = spec("softmax")
    drawn = inputs.shared_inputs(fs, "correctness", CONFIG)
    assert len(drawn) == 8 and all(len(args) == 1 for args in drawn)
    assert list((fresh / "derivations" / "grading-inputs").glob("softmax-correctness-*.npz"))
    inputs._INPUTS.clear()
    assert _same(inputs.shared_inputs(fs, "correctness", CONFIG), drawn)  # from the disk cache
    for f in (fresh / "derivations" / "grading-inputs").iterdir():
        f.unlink()
    inputs._INPUTS.clear()
    assert _same(inputs.shared_inputs(fs, "correctness", CONFIG), drawn)  # drawn again: the same


def test_the_parts_draw_from_their_own_domains(fresh: Path) -> None:
    fs = spec("sigmoid")
    typical = inputs.shared_inputs(fs, "correctness", CONFIG)
    extreme = inputs.shared_inputs(fs, "stability", CONFIG)
    assert len(typical) == 8 and len(extreme) == 6
    assert max(float(np.max(np.abs(a))) for (a,) in typical) <= CONFIG.domain.typical_max_abs


def test_a_different_domain_is_a_different_cache_entry(fresh: Path) -> None:
    fs = spec("sigmoid")
    narrow = replace(CONFIG, domain=Domain(typical_max_abs=0.5))
    inputs.shared_inputs(fs, "correctness", CONFIG)
    drawn = inputs.shared_inputs(fs, "correctness", narrow)
    assert max(float(np.max(np.abs(a))) for (a,) in drawn) <= 0.5
    assert len(list((fresh / "derivations" / "grading-inputs").glob("sigmoid-correctness-*.npz"))) == 2


def test_a_damaged_cache_file_is_drawn_again(fresh: Path) -> None:
    fs = spec("sigmoid")
    drawn = inputs.shared_inputs(fs, "correctness", CONFIG)
    (cached,) = (fresh / "derivations" / "grading-inputs").glob("sigmoid-correctness-*.npz")
    for damage in (b"not an npz", b"PK\x03\x04 a zip cut short", cached.read_bytes()[:100]):
        cached.write_bytes(damage)
        inputs._INPUTS.clear()
        assert _same(inputs.shared_inputs(fs, "correctness", CONFIG), drawn)
