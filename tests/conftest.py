"""Hypothesis profiles: `dev` (fast, the default) and `ci` (thorough; default when CI=true)."""

import os
import tempfile

import pytest
from hypothesis import HealthCheck, settings

# The tool's cache (checked files, Hypothesis' home) goes to a folder of this run, not the user's ~/.cache:
# subprocesses inherit it, and no test sees verdicts another run stored.
os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="derivations-tests-cache-")

pytest_plugins = ["pytester"]  # tests/derivations/test_pytest_plugin.py runs pytest on course folders

settings.register_profile("dev", max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile(
    "ci", max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") == "true" else "dev"))


@pytest.fixture(autouse=True)
def _no_inherited_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    """Piped output wraps at ``COLUMNS`` when it is set, and pytest-xdist's workers inherit COLUMNS=80: a test
    reads unwrapped lines unless it sets a width itself."""
    monkeypatch.delenv("COLUMNS", raising=False)
