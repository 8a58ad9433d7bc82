"""The grading configuration: the `Config` record and its TOML file, read against one schema.

Every section of the file (``[points]``, ``[parts]``, ``[examples]``, ``[domain]``, ``[limits]``,
``[latex]``, ``[tolerance]``) is checked the same way: a key the section does not have, a value of
the wrong type, or one outside what can work (a time limit ≤ 0, less memory than NumPy needs to
import) is refused with one line naming the file, the section, the key and what was expected.
Every key is optional (docs/grading.md lists the defaults).
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from derivations.errors import InputError
from derivations.grading.api import API, SPECS, Domain
from derivations.grading.sandbox import Limits


@dataclass(frozen=True)
class Config:
    """Points, examples, domain, limits and tolerance of a grading run (a TOML file overrides any of them)."""

    points: dict[str, float] = field(default_factory=lambda: {s.name: s.default_points for s in SPECS})
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

    @classmethod
    def load(cls, path: Path | None) -> Config:
        """The defaults, overridden by the TOML file at ``path`` (None: the defaults); InputError if it is bad."""
        if path is None:
            return cls()
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise InputError(f"'{path}' does not exist (expected a grading configuration in TOML)") from None
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise InputError(f"'{path}' is not a TOML configuration: {exc}") from None
        return _apply(cls(), data, path)


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


#: Each section: the record it overrides (the `Config` itself, its `Domain` or its `Limits`) and its keys.
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
            "memory_mib": Key("memory_mib", integer=True, low=256, why="NumPy needs 256 MiB to import"),
            "processes": Key("processes", integer=True, low=3, why="bubblewrap and the child take 3"),
            "file_bytes": Key("file_bytes", integer=True),
            "open_files": Key("open_files", integer=True, low=16, why="Python and NumPy need about 12"),
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


def _apply(config: Config, data: dict[str, Any], path: Path) -> Config:
    """``config`` with every key of ``data`` (a parsed TOML file) checked against `SCHEMA` and applied."""
    overrides: dict[str, dict[str, Any]] = {"config": {}, "domain": {}, "limits": {}}
    points = dict(config.points)
    for section, table in data.items():
        if section not in SCHEMA:
            raise InputError(f"'{path}': unknown section [{section}] (expected one of {', '.join(SCHEMA)})")
        if not isinstance(table, dict):
            raise InputError(f"'{path}': {section} = {table!r} (expected a section [{section}] of keys)")
        target, keys = SCHEMA[section]
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
