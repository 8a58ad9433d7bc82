"""The inputs every student's function meets first: drawn once by Hypothesis, derandomised, cached on disk.

A part's fixed inputs are the examples a derandomised ``@given`` run draws from the part's strategy
(`api.FunctionSpec.typical` or ``extreme``, or an assignment's declared inputs:
`assignment.GradedFunction.strategy`); every submission meets the same ones, in order. They are
kept in memory for the run and under ``~/.cache/derivations/grading-inputs`` across runs, keyed on
the function (for a registry reference's own strategies: the reference, as the built-in API always
was), the part, the number of examples, the domain or the declaration, the versions of Hypothesis
and NumPy, and the source of the strategies and of the drawing code (a change to either draws afresh).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import zipfile
from pathlib import Path

import hypothesis
import numpy as np
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.strategies import SearchStrategy

from derivations.files import cache_dir
from derivations.grading import api, assignment
from derivations.grading.api import FunctionSpec
from derivations.grading.assignment import GradedFunction
from derivations.grading.config import Config

_INPUTS: dict[tuple, list[tuple]] = {}
INPUTS_FORMAT = 1  # the cache of drawn inputs is keyed on this, the versions, and the strategies' source

#: The parts of a function, in grading order: typical inputs, then extreme ones.
PARTS = ("correctness", "stability")


def strategy_of(fs: FunctionSpec | GradedFunction, part: str, config: Config) -> SearchStrategy[tuple]:
    """The strategy a part draws from: the typical inputs for correctness, the extreme ones for stability."""
    if isinstance(fs, GradedFunction):
        return fs.strategy(part, config.domain)
    return fs.typical(config.domain) if part == "correctness" else fs.extreme(config.domain)


def examples_of(part: str, config: Config) -> int:
    """How many inputs a part tries (``[examples]`` of the config)."""
    return config.correctness_examples if part == "correctness" else config.stability_examples


def shared_inputs(fs: FunctionSpec | GradedFunction, part: str, config: Config) -> list[tuple]:
    """The inputs every student's ``fs`` meets first in ``part``: drawn once per run, derandomised, in order."""
    strategy = strategy_of(fs, part, config)
    examples = examples_of(part, config)
    if isinstance(fs, GradedFunction):
        key = fs.inputs_key(part, examples, config.domain)
    else:
        key = (fs.name, part, examples, config.domain)
    if key not in _INPUTS:
        cached = _load_inputs(key)
        if cached is not None:
            _INPUTS[key] = cached
            return cached
        drawn: list[tuple] = []

        # derandomize seeds Hypothesis from collect's source: keep its text as it is, or every draw changes
        @settings(max_examples=examples, derandomize=True, database=None, deadline=None,
                  suppress_health_check=list(HealthCheck), phases=(Phase.explicit, Phase.generate))  # fmt: skip
        @given(strategy)
        def collect(args: tuple) -> None:
            drawn.append(tuple(np.asarray(a) for a in args))

        collect()
        _INPUTS[key] = drawn
        _save_inputs(key, drawn)
    return _INPUTS[key]


def _cache_file(key: tuple) -> Path:
    """Where the inputs of ``key`` are kept: the name carries a digest of everything that decides them."""
    # the strategies (built-in and declared) and collect's seed
    source = Path(api.__file__).read_bytes() + Path(assignment.__file__).read_bytes() + Path(__file__).read_bytes()
    stamp = repr((key, hypothesis.__version__, np.__version__, INPUTS_FORMAT)).encode() + source
    digest = hashlib.sha256(stamp).hexdigest()
    return cache_dir("grading-inputs") / f"{key[0]}-{key[1]}-{digest[:16]}.npz"


def _load_inputs(key: tuple) -> list[tuple] | None:
    """The inputs drawn by an earlier run with the same domain and versions (derandomised: the same)."""
    try:
        with np.load(_cache_file(key), allow_pickle=False) as data:
            count = int(data["count"])
            return [tuple(data[f"{i}_{j}"] for j in range(int(data[f"len_{i}"]))) for i in range(count)]
    except (OSError, KeyError, ValueError, EOFError, zipfile.BadZipFile):  # a damaged file: draw again
        return None


def _save_inputs(key: tuple, drawn: list[tuple]) -> None:
    """Keep the drawn inputs for the next run (silently not, where the cache cannot be written)."""
    arrays: dict[str, np.ndarray] = {"count": np.asarray(len(drawn))}
    for i, args in enumerate(drawn):
        arrays[f"len_{i}"] = np.asarray(len(args))
        arrays.update({f"{i}_{j}": np.asarray(a) for j, a in enumerate(args)})
    path = _cache_file(key)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".npz")
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, **arrays)
        os.replace(tmp, path)
    except OSError:
        pass  # a read-only home: draw again next time
