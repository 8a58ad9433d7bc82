"""The grading configuration: the `Config` record, its TOML sections read against one schema, and the assignment.

Every section of a configuration file (``[points]``, ``[parts]``, ``[examples]``, ``[domain]``,
``[limits]``, ``[latex]``, ``[tolerance]``) is checked the same way: a key the section does not
have, a value of the wrong type, or one outside what can work (a time limit ≤ 0, less memory than
NumPy needs to import) is refused with one line naming the file, the section, the key and what was
expected. Every key is optional (docs/grading.md lists the defaults).

The functions graded are an assignment's (`derivations.grading.assignment`): an assignment file is
these sections plus ``[assignment]`` and one ``[function.NAME]`` table per graded function; without
one, the built-in ``assignments/nn-basics.toml``. A ``--config`` file overrides the assignment's
sections (its ``[points]`` naming the assignment's functions); function tables belong in the
assignment file and are refused there.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any

from derivations.errors import InputError
from derivations.grading.api import API, Domain, Precision
from derivations.grading.assignment import AssignmentInfo, GradedFunction, read_functions, read_info
from derivations.grading.sandbox import Limits

#: The built-in assignment: today's API (docs/grading.md, "What a student submits").
BUILTIN = Path(__file__).with_name("assignments") / "nn-basics.toml"
#: The tables of an assignment file beyond the configuration's sections.
ASSIGNMENT_TABLES = ("assignment", "function")


def _read_toml(path: Path, what: str) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"'{path}' does not exist (expected {what} in TOML)") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InputError(f"'{path}' is not a TOML configuration: {exc}") from None


@cache
def _builtin() -> tuple[AssignmentInfo, tuple[GradedFunction, ...]]:
    """The built-in assignment's table and functions (read once)."""
    data = _read_toml(BUILTIN, "the built-in assignment")
    info = read_info(data.get("assignment", {}), BUILTIN)
    return info, read_functions(data["function"], BUILTIN, info)


@dataclass(frozen=True)
class Config:
    """The functions graded (an assignment), their points, and the examples, domain, limits and tolerance of a run."""

    points: dict[str, float] = field(default_factory=lambda: {f.name: f.points for f in _builtin()[1]})
    stability_share: float = 0.4
    correctness_examples: int = 100
    stability_examples: int = 100
    domain: Domain = field(default_factory=Domain)
    limits: Limits = field(default_factory=Limits)
    tolerance_ulps: float = 16.0
    tolerance_floor: float = 0.0
    latex_points: float = 10.0
    latex_seconds: float = 120.0
    latex_memory_mib: int = 2048
    #: The graded functions, in grading order (default: the built-in assignment's).
    functions: tuple[GradedFunction, ...] = field(default_factory=lambda: _builtin()[1])
    #: The least precise floating dtype an answer may have (``[assignment] lowest_precision``).
    lowest_precision: Precision = Precision.FLOAT32
    #: The assignment's name, and the file it was read from (for messages).
    assignment: str = "nn-basics"
    source: str = str(BUILTIN)
    #: ``[assignment] reference_file``: the instructor's solution (``--check-reference`` grades it too).
    solution: Path | None = None

    @classmethod
    def load(cls, path: Path | None, *, assignment: Path | None = None) -> Config:
        """The assignment (default: the built-in one) overridden by the configuration at ``path``; InputError if bad."""
        config = cls() if assignment is None else load_assignment(assignment)
        if path is None:
            return config
        data = _read_toml(path, "a grading configuration")
        for table in ASSIGNMENT_TABLES:
            if table in data:
                raise InputError(
                    f"'{path}': [{table}] belongs in an assignment file (expected only configuration sections "
                    f"in a --config file; grade with --assignment '{path}')"
                )
        return _apply(config, data, path)


def load_assignment(path: Path) -> Config:
    """The configuration an assignment file gives: its functions and points, then its sections; InputError if bad."""
    data = _read_toml(path, "an assignment")
    if "function" not in data:
        raise InputError(
            f"'{path}': no [function.NAME] tables (expected one per graded function; "
            "a file of configuration sections only is a --config)"
        )
    info = read_info(data.get("assignment", {}), path)
    functions = read_functions(data["function"], path, info)
    base = Config(
        points={f.name: f.points for f in functions},
        functions=functions,
        lowest_precision=Precision(info.lowest_precision),
        assignment=info.name or path.stem,
        source=str(path),
        solution=info.reference_file,
    )
    rest = {k: v for k, v in data.items() if k not in ASSIGNMENT_TABLES}
    return _apply(base, rest, path, extra=ASSIGNMENT_TABLES)


@dataclass(frozen=True)
class Key:
    """One key of a section: the record field it sets, its type, and the range a working value lies in."""

    field: str
    integer: bool = False
    low: float = 0.0
    #: False: the value must exceed ``low`` (a time limit of 0 s cannot work).
    low_allowed: bool = True
    high: float | None = None
    #: Why the range is what it is, when that is not obvious.
    why: str = ""

    def expected(self) -> str:
        """What the key takes, in words: ``an integer ≥ 256; NumPy needs 256 MiB to import``."""
        kind = "an integer" if self.integer else "a number"
        if self.high is not None:
            text = f"{kind} in [{self.low:g}, {self.high:g}]"
        else:
            text = f"{kind} {'≥' if self.low_allowed else '>'} {self.low:g}"
        return f"{text}; {self.why}" if self.why else text

    def accepts(self, value: object) -> bool:
        """True when ``value`` has the key's type and lies in its range."""
        if isinstance(value, bool) or not isinstance(value, int if self.integer else int | float):
            return False
        if not math.isfinite(value):
            return False
        if value < self.low or (value == self.low and not self.low_allowed):
            return False
        return self.high is None or value <= self.high


def _positive(name: str, *, integer: bool = False, why: str = "") -> Key:
    return Key(name, integer=integer, low=0, low_allowed=False, why=why)


#: Each section: the record it overrides (the `Config` itself, its `Domain` or its `Limits`) and its keys
#: (``[points]``'s are the assignment's function names: the built-in assignment's here).
SCHEMA: dict[str, tuple[str, dict[str, Key]]] = {
    "points": ("config", {name: Key(name) for name in API}),
    "parts": ("config", {"stability_share": Key("stability_share", high=1.0)}),
    "examples": (
        "config",
        {
            "correctness": Key("correctness_examples", integer=True, low=1),
            "stability": Key("stability_examples", integer=True, low=1),
        },
    ),
    "domain": (
        "domain",
        {
            "typical_max_abs": _positive("typical_max_abs"),
            "sigmoid_max_abs": _positive("sigmoid_max_abs"),
            "logit_spread": _positive("logit_spread"),
            "max_classes": Key("max_classes", integer=True, low=2, why="softmax regression draws 2 classes or more"),
            "max_batch": Key("max_batch", integer=True, low=1),
            "max_features": Key("max_features", integer=True, low=1),
        },
    ),
    "limits": (
        "limits",
        {
            "import_seconds": _positive("import_seconds"),
            "call_seconds": _positive("call_seconds"),
            "cpu_seconds": Key("cpu_seconds", integer=True, low=1),
            "memory_mib": Key(
                "memory_mib", integer=True, low=256 + Limits.tmp_mib, why="NumPy needs 256 MiB to import, /tmp 16 more"
            ),
            "processes": Key("processes", integer=True, low=3, why="bubblewrap and the child take 3"),
            "file_bytes": Key("file_bytes", integer=True),
            "open_files": Key("open_files", integer=True, low=16, why="Python and NumPy need about 12"),
            "submission_seconds": _positive("submission_seconds"),
        },
    ),
    "latex": (
        "config",
        {
            "points": Key("latex_points"),
            "seconds": _positive("latex_seconds"),
            "memory_mib": Key("latex_memory_mib", integer=True, low=256, why="SymPy and a proof need room"),
        },
    ),
    "tolerance": ("config", {"ulps": Key("tolerance_ulps"), "floor": Key("tolerance_floor")}),
}


def _apply(config: Config, data: dict[str, Any], path: Path, *, extra: tuple[str, ...] = ()) -> Config:
    """``config`` with every key of ``data`` (a parsed TOML file) checked against `SCHEMA` and applied.

    ``[points]`` takes the names of ``config``'s functions (the assignment's); ``extra`` names the
    other tables the file may have (an assignment file's), for the message about an unknown section.
    """
    overrides: dict[str, dict[str, Any]] = {"config": {}, "domain": {}, "limits": {}}
    points = dict(config.points)
    for section, table in data.items():
        if section not in SCHEMA:
            known = ", ".join((*SCHEMA, *extra))
            raise InputError(f"'{path}': unknown section [{section}] (expected one of {known})")
        if not isinstance(table, dict):
            raise InputError(f"'{path}': {section} = {table!r} (expected a section [{section}] of keys)")
        target, keys = SCHEMA[section]
        if section == "points":
            keys = {f.name: Key(f.name) for f in config.functions}
        for name, value in table.items():
            key = keys.get(name)
            if key is None:
                raise InputError(f"'{path}': [{section}] has no key {name!r} (expected one of {', '.join(keys)})")
            if not key.accepts(value):
                raise InputError(f"'{path}': [{section}] {name} = {value!r} (expected {key.expected()})")
            if section == "points":
                points[name] = float(value)
            else:
                overrides[target][key.field] = value if key.integer else float(value)
    return replace(
        config,
        points=points,
        domain=replace(config.domain, **overrides["domain"]),
        limits=replace(config.limits, **overrides["limits"]),
        **overrides["config"],
    )
