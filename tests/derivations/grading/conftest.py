"""Grading tests that run a submission need the sandbox (bubblewrap and Debian's NumPy): without it they skip,
naming the packages, so that the README's test command passes on a machine without them."""

from __future__ import annotations

from functools import cache

import pytest

from derivations.grading.sandbox import find_sandbox

INSTALL = "apt-get install bubblewrap python3-numpy python3-scipy"


@cache
def _sandbox_note() -> str | None:
    box = find_sandbox()
    return None if box.isolated else box.note


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("needs_sandbox") is not None:
        note = _sandbox_note()
        if note is not None:
            pytest.skip(f"no sandbox here ({note}): {INSTALL}")
