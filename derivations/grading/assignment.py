"""An assignment: the functions a course grades, by its own names and signatures, each mapped onto a reference.

An assignment file (TOML, docs/grading.md "Assignment files") declares each graded function in a
``[function.NAME]`` table: how the student's code is called (a function, or a method of an object
built from a class the student writes), what it must equal (a reference of the registry, through an
argument mapping and a return mapping, or the instructor's reference solution file, run in a
sandboxed child of its own), its inputs (shapes over named dims, kinds, the ranges of the typical
and the extreme part), its points and its visibility. Everything here is plain data (frozen
dataclasses of strings, numbers and tuples), so a `GradedFunction` pickles to ``--jobs`` workers;
the Hypothesis strategies are built from it where they are used.

The child learns how to call the student from a *call plan*: a plain function name when the call is
``name(*inputs)`` (the built-in assignment), else ``"plan:"`` + base64 of a JSON object (child.py
reads it: which function or class and method, which of the values sent go where, the keys a dict
answer must have). Nothing here imports, evaluates or executes student or instructor code.
"""

from __future__ import annotations

import base64
import difflib
import json
import keyword
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import numeric
from derivations.errors import InputError
from derivations.grading.api import (
    REFERENCES,
    Domain,
    Expected,
    FunctionSpec,
    format_array,
    reference_values,
    round_to_float32,
)
from derivations.grading.sandbox import MAX_ARRAY

#: At most this many values go to one call, and come back from it (the protocol's MAX_ARRAYS).
MAX_VALUES = 8
#: Largest size a dim may be drawn at (arrays go through a pipe: keep them small).
MAX_DIM = 1000


class Visibility(StrEnum):
    """When a test's result is shown to the student (Gradescope's values)."""

    VISIBLE = "visible"
    HIDDEN = "hidden"
    AFTER_DUE_DATE = "after_due_date"
    AFTER_PUBLISHED = "after_published"


class Kind(StrEnum):
    """What an input's entries are."""

    UNIFORM = "uniform"  # floats (or integers, dtype int64) in the part's range
    LABELS01 = "labels01"  # entries 0 or 1
    ONE_HOT = "one_hot"  # rows (the last axis) one-hot
    SOFT_LABELS = "soft_labels"  # rows of positive weights summing to 1
    PROBABILITIES = "probabilities"  # rows softmax(logits in the part's range)


class ReturnForm(StrEnum):
    """How an answer is returned."""

    SAME = "same"  # as the reference returns it
    ONE = "one"  # one array
    TUPLE = "tuple"  # a tuple, in the declared order
    DICT = "dict"  # a dict with the declared keys


class ReferenceFailed(Exception):
    """The reference could not answer an input (the assignment's mistake, never the student's)."""


@dataclass(frozen=True)
class Dim:
    """A size shapes are written with: drawn in [low, high]; an optional one is sometimes absent (no batch axis)."""

    name: str
    low: int
    high: int
    optional: bool = False


@dataclass(frozen=True)
class Input:
    """One declared input: shape (sizes and dim names), kind of entries, and the ranges of the two parts."""

    name: str
    shape: tuple[int | str, ...] = ()
    kind: Kind = Kind.UNIFORM
    typical: tuple[float, float] = (-1.0, 1.0)
    extreme: tuple[float, float] = (-1.0, 1.0)
    special: tuple[float, ...] = ()
    extreme_special: tuple[float, ...] = ()
    integer: bool = False  # dtype = "int64"
    as_float: bool = False  # scalar = "float": a 0-d value reaches the student as a Python float
    value: Any = None  # a constant (nested tuples of numbers), the same in every call


@dataclass(frozen=True)
class Rule:
    """A term of the tolerance from named inputs: one, max_abs(x, …), spread(theta), affine(x, W, b), output."""

    kind: str
    names: tuple[str, ...] = ()

    def __str__(self) -> str:
        return f"{self.kind}({', '.join(self.names)})" if self.names else self.kind


@dataclass(frozen=True)
class Returns:
    """The answer's form and, per value, the reference output it is (and a dict's key for it)."""

    form: ReturnForm = ReturnForm.SAME
    outputs: tuple[str, ...] = ()
    keys: tuple[str, ...] = ()


@dataclass(frozen=True)
class Call:
    """How the student's code is called: ``function(*args)``, or ``cls(*init)``, set, ``before``, ``.method(*args)``."""

    function: str | None = None
    cls: str | None = None
    init: tuple[str, ...] = ()
    attributes: tuple[tuple[str, str], ...] = ()
    before: tuple[tuple[str, tuple[str, ...]], ...] = ()
    method: str | None = None
    args: tuple[str, ...] = ()

    def describe(self) -> str:
        """The call in Python's words: ``backward(x, y, w, b)``, ``Dense(n_in, n_out).backward(X, Y)``."""
        args = f"({', '.join(self.args)})"
        if self.cls is None:
            return f"{self.function}{args}"
        text = f"{self.cls}({', '.join(self.init)})"
        if self.attributes:
            text += " with " + ", ".join(f".{a} = {n}" for a, n in self.attributes) + ","
        for method, names in self.before:
            text += f" .{method}({', '.join(names)}),"
        return f"{text} .{self.method}{args}" if (self.attributes or self.before) else f"{text}.{self.method}{args}"

    def names_used(self) -> set[str]:
        """Every value name the call passes somewhere."""
        used = set(self.init) | set(self.args) | {n for _, n in self.attributes}
        return used | {n for _, names in self.before for n in names}


@dataclass(frozen=True)
class GradedFunction:
    """One graded function of an assignment: the call, the reference, the inputs, points and visibility.

    ``slots`` names the values sent to each call, in order (the declared inputs, then the dims the
    call passes as integers); a drawn example is the tuple of their arrays. For a registry reference
    ``params_from`` names, per parameter of the reference, the slot that gives it.
    """

    name: str
    description: str
    call: Call
    returns: Returns
    slots: tuple[str, ...]
    reference: str | None = None
    reference_file: Path | None = None
    params_from: tuple[str, ...] = ()
    dims: tuple[Dim, ...] = ()
    #: None: the registry reference's own strategies (today's inputs, derandomised as before).
    inputs: tuple[Input, ...] | None = None
    dim_slots: tuple[str, ...] = ()
    points: float = 10.0
    stability_share: float | None = None
    visibility: Visibility = Visibility.VISIBLE
    kappa: Rule | None = None
    scale: Rule | None = None

    # -- the reference
    @property
    def spec(self) -> FunctionSpec:
        """The registry reference (KeyError for a reference-file function)."""
        assert self.reference is not None
        return REFERENCES[self.reference]

    @property
    def floats(self) -> tuple[int, ...]:
        """Positions of the slots whose 0-d value reaches the student as a Python float."""
        if self.inputs is None:
            return self.spec.floats
        return tuple(i for i, inp in enumerate(self.inputs) if inp.as_float)

    @property
    def ints(self) -> tuple[int, ...]:
        """Positions of the slots that reach the student as Python ints (the dims a call passes)."""
        return tuple(self.slots.index(n) for n in self.dim_slots)

    # -- the child's call plan
    @property
    def plan(self) -> str:
        """What the child is told to call: the plain name for ``function(*slots)``, else an encoded plan."""
        index = {n: i for i, n in enumerate(self.slots)}
        args = [index[n] for n in self.call.args]
        if (
            self.call.cls is None
            and args == list(range(len(self.slots)))
            and self.returns.form is not ReturnForm.DICT
            and not self.dim_slots
        ):
            return str(self.call.function)
        plan: dict[str, Any] = {"args": args}
        if self.call.cls is None:
            plan["function"] = self.call.function
        else:
            plan |= {
                "class": self.call.cls,
                "method": self.call.method,
                "init": [index[n] for n in self.call.init],
                "set": [[a, index[n]] for a, n in self.call.attributes],
                "before": [[m, [index[n] for n in names]] for m, names in self.call.before],
            }
        if self.returns.form is ReturnForm.DICT:
            plan["keys"] = list(self.returns.keys)
        if self.dim_slots:
            plan["ints"] = list(self.ints)
        raw = json.dumps(plan, separators=(",", ":"), sort_keys=True).encode()
        return "plan:" + base64.urlsafe_b64encode(raw).decode("ascii")

    def not_submitted(self) -> str:
        """The feedback when the submission does not define what is called."""
        if self.call.cls is None:
            return f"{self.call.function} was not submitted"
        return f"{self.name} was not submitted (expected a class {self.call.cls} with a method {self.call.method})"

    # -- inputs
    def strategy(self, part: str, domain: Domain) -> st.SearchStrategy[tuple]:
        """The examples of ``part`` (correctness: typical, stability: extreme), as tuples in slot order."""
        extreme = part != "correctness"
        if self.inputs is None:
            return self.spec.extreme(domain) if extreme else self.spec.typical(domain)
        inputs, dim_slots = self.inputs, self.dim_slots
        sizes = st.fixed_dictionaries(
            {
                d.name: st.one_of(st.none(), st.integers(d.low, d.high)) if d.optional else st.integers(d.low, d.high)
                for d in self.dims
            }
        )

        def build(z: dict[str, int | None]) -> st.SearchStrategy[tuple]:
            dims = (st.just(np.asarray(z[n], dtype=np.int64)) for n in dim_slots)
            return st.tuples(*(_input_strategy(inp, z, extreme) for inp in inputs), *dims)

        return sizes.flatmap(build)

    def inputs_key(self, part: str, examples: int, domain: Domain) -> tuple:
        """What decides the drawn examples (the cache key): the reference's for its strategies, else the declaration."""
        if self.inputs is None:
            return (self.spec.name, part, examples, domain)  # the built-in API's key: the same inputs as before
        return (self.name, part, examples, self.inputs, self.dims, self.slots)

    def describe_values(self, values: tuple) -> str:
        """The values of one call as the feedback shows them: ``x=[0.5, 1.], n_in=2``."""
        return ", ".join(f"{n}={format_array(v)}" for n, v in zip(self.slots, values))

    # -- what the answer must be
    def _named(self, values: tuple) -> dict[str, np.ndarray]:
        return {n: np.asarray(v) for n, v in zip(self.slots, values)}

    def _terms(self, values: tuple, refs: tuple[np.ndarray, ...], ref_args: tuple | None) -> tuple[float, tuple]:
        """κ and the scales: the declared rules, else the registry reference's own."""
        named = self._named(values)
        try:
            if self.kappa is not None:
                kappa = _rule_value(self.kappa, named, None)
            else:
                kappa = self.spec.kappa(ref_args) if ref_args is not None else 1.0
            if self.scale is not None:
                scales = tuple(_rule_value(self.scale, named, r) for r in refs)
            elif ref_args is not None:
                scales = tuple(self.spec.scale(ref_args, r) for r in refs)
            else:
                scales = tuple(1.0 for _ in refs)
        except (ValueError, TypeError, IndexError, KeyError) as exc:
            raise ReferenceFailed(
                f"the tolerance's κ or s failed on these inputs: {type(exc).__name__}: {exc}"
            ) from None
        return kappa, scales

    def _pick(self, outs: tuple[np.ndarray, ...]) -> tuple[np.ndarray, ...]:
        """The reference's outputs the answer is made of, in the answer's order."""
        if self.returns.form is ReturnForm.SAME:
            return outs
        names = self.spec.output_names
        return tuple(outs[names.index(o)] for o in self.returns.outputs)

    def reference_args(self, values: tuple) -> tuple:
        """The registry reference's arguments for one call's values (through the argument mapping)."""
        index = {n: i for i, n in enumerate(self.slots)}
        return tuple(values[index[n]] for n in self.params_from)

    def expected_registry(self, values: tuple) -> Expected:
        """What the registry reference, through the mappings, says the answer to ``values`` is."""
        spec = self.spec
        args = self.reference_args(values)
        try:
            ref = spec.reference(*args)
            outs = reference_values(spec, args)
        except Exception as exc:  # the witness refusing the mapped arguments: the assignment's mistake
            raise ReferenceFailed(
                f"{spec.reference_name} refused the mapped arguments: {type(exc).__name__}: {exc}"
            ) from None
        refs = self._pick(outs)
        kappa, scales = self._terms(values, refs, args)

        def rounded() -> tuple[np.ndarray, ...] | None:
            try:
                return self._pick(reference_values(spec, round_to_float32(args)))
            except (ValueError, FloatingPointError, ZeroDivisionError):
                return None

        any_in = spec.anything_in
        form = self.returns.form
        return Expected(
            values=refs,
            as_tuple=isinstance(ref, tuple) if form is ReturnForm.SAME else form is not ReturnForm.ONE,
            kappa=kappa,
            scales=scales,
            labels=self.returns.keys,
            rounded=rounded,
            anything_in=None if any_in is None else (lambda k, g: any_in(args, g)),
        )

    def expected_from_reply(
        self,
        values: tuple,
        reply: tuple[list[np.ndarray], bool],
        rounded: Callable[[], tuple[np.ndarray, ...] | None],
    ) -> Expected:
        """What the reference file's answer ``reply`` (arrays, tuple?) says the answer to ``values`` is."""
        arrays, as_tuple = reply
        form = self.returns.form
        if form is ReturnForm.ONE and (as_tuple or len(arrays) != 1):
            raise ReferenceFailed(f"the reference returned a tuple of {len(arrays)}; returns declares one array")
        if form in (ReturnForm.TUPLE, ReturnForm.DICT) and (not as_tuple or len(arrays) != len(self.returns.outputs)):
            raise ReferenceFailed(
                f"the reference returned {len(arrays)} value(s); returns declares {len(self.returns.outputs)}"
            )
        refs = []
        for a in arrays:
            a = np.asarray(a)
            if a.dtype.kind not in "fiub":
                raise ReferenceFailed(f"the reference returned dtype {a.dtype}, not numbers")
            refs.append(a.astype(np.float64))
        kappa, scales = self._terms(values, tuple(refs), None)
        return Expected(
            values=tuple(refs), as_tuple=as_tuple, kappa=kappa, scales=scales, labels=self.returns.keys, rounded=rounded
        )


# -- drawing declared inputs


def _input_strategy(inp: Input, sizes: dict[str, int | None], extreme: bool) -> st.SearchStrategy[np.ndarray]:
    """One input's array, its shape resolved from the drawn ``sizes`` (an absent optional dim drops its axis)."""
    if inp.value is not None:
        return st.just(np.asarray(inp.value, dtype=np.int64 if inp.integer else np.float64))
    shape = tuple(
        int(s) if isinstance(s, int) else int(sizes[s])  # type: ignore[arg-type]
        for s in inp.shape
        if not (isinstance(s, str) and sizes[s] is None)
    )
    lo, hi = inp.extreme if extreme else inp.typical
    special = inp.extreme_special if extreme else inp.special
    if inp.integer:
        return hnp.arrays(np.int64, shape, elements=st.integers(math.ceil(lo), math.floor(hi)))
    if inp.kind is Kind.UNIFORM:
        floats = st.floats(lo, hi, allow_nan=False, allow_infinity=False)
        elements = st.one_of(floats, st.sampled_from(special)) if special else floats
        return hnp.arrays(np.float64, shape, elements=elements)
    if inp.kind is Kind.LABELS01:
        return hnp.arrays(np.float64, shape, elements=st.sampled_from([0.0, 1.0]))
    if inp.kind is Kind.PROBABILITIES:
        return hnp.arrays(np.float64, shape, elements=st.floats(lo, hi)).map(numeric.softmax)
    n = shape[-1]
    rows = int(np.prod(shape[:-1])) if len(shape) > 1 else 1
    if inp.kind is Kind.ONE_HOT:

        def one_hot(ks: list[int]) -> np.ndarray:
            y = np.zeros((rows, n))
            y[np.arange(rows), ks] = 1.0
            return y.reshape(shape)

        return st.lists(st.integers(0, n - 1), min_size=rows, max_size=rows).map(one_hot)

    def soft(w: np.ndarray) -> np.ndarray:
        w = np.abs(w) + 1e-3
        return (w / w.sum(axis=-1, keepdims=True)).reshape(shape)

    return hnp.arrays(np.float64, (rows, n), elements=st.floats(0.0, 1.0)).map(soft)


def _max_abs(a: np.ndarray) -> float:
    a = np.asarray(a, dtype=np.float64)
    return float(np.max(np.abs(a))) if a.size else 0.0


def _rule_value(rule: Rule, named: dict[str, np.ndarray], ref: np.ndarray | None) -> float:
    """The rule's value for one call: κ = 1 + a bound on the |argument of exp| (or the scale s)."""
    if rule.kind == "one":
        return 1.0
    if rule.kind == "output":
        return max(1.0, _max_abs(ref)) if ref is not None else 1.0
    arrays = [np.asarray(named[n], dtype=np.float64) for n in rule.names]
    if rule.kind == "max_abs":
        return 1.0 + max(_max_abs(a) for a in arrays)
    if rule.kind == "spread":
        return 1.0 + max(_max_abs(a - np.max(a, axis=-1, keepdims=True)) if a.size else 0.0 for a in arrays)
    x, w, *b = arrays  # affine: |x|·|W| + |b| bounds every entry of xW + b
    return 1.0 + _max_abs(np.abs(x) @ np.abs(w)) + (_max_abs(b[0]) if b else 0.0)


# -- reading an assignment file


RULES = {"one": (0, 0), "output": (0, 0), "max_abs": (1, MAX_VALUES), "spread": (1, MAX_VALUES), "affine": (2, 3)}
_RULE = re.compile(r"^\s*([a-z_]+)\s*(?:\(\s*([^()]*?)\s*\))?\s*$")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")

ASSIGNMENT_KEYS = ("name", "title", "description", "reference_file", "lowest_precision")
FUNCTION_KEYS = (
    "reference", "reference_file", "call", "class", "init", "set", "before", "method", "args", "map", "returns",
    "points", "stability_share", "visibility", "description", "dims", "inputs", "tolerance",
)  # fmt: skip
INPUT_KEYS = ("shape", "kind", "range", "extreme_range", "special", "extreme_special", "dtype", "scalar", "value")


@dataclass(frozen=True)
class AssignmentInfo:
    """The ``[assignment]`` table: the assignment's name and title, its reference file, its precision policy."""

    name: str = ""
    title: str = ""
    reference_file: Path | None = None
    lowest_precision: str = "float32"


class _Table:
    """One TOML table being read: refusals name the file, the table, the key and what was expected."""

    def __init__(self, path: Path, name: str, data: object) -> None:
        self.path = path
        self.name = name
        if not isinstance(data, dict):
            raise InputError(f"'{path}': {name.split('.')[-1]} = {data!r} (expected a table [{name}])")
        self.data: dict[str, Any] = data

    def fail(self, key: str, value: object, expected: str, hint: str = "") -> InputError:
        """The refusal of ``key = value`` (``hint``: "did you mean 'x'? ", from `_did_you_mean`)."""
        return InputError(f"'{self.path}': [{self.name}] {key} = {value!r} ({hint}expected {expected})")

    def problem(self, text: str) -> InputError:
        """A refusal that is not about one value."""
        return InputError(f"'{self.path}': [{self.name}] {text}")

    def only(self, keys: tuple[str, ...]) -> None:
        """Refuse every key not in ``keys``."""
        for key in self.data:
            if key not in keys:
                raise self.problem(f"has no key {key!r} (expected one of {', '.join(keys)})")

    def string(self, key: str, default: str | None = None, choices: tuple[str, ...] = ()) -> str | None:
        """A string (one of ``choices`` when given)."""
        value = self.data.get(key, default)
        if value is None:
            return None
        if not isinstance(value, str) or (choices and value not in choices):
            raise self.fail(key, value, f"one of {', '.join(map(repr, choices))}" if choices else "a string")
        return value

    def identifier(self, key: str, default: str | None = None) -> str | None:
        """A Python identifier (a function, class, method or attribute name)."""
        value = self.data.get(key, default)
        if value is None:
            return None
        if not _identifier(value):
            raise self.fail(key, value, "a Python identifier")
        return value

    def names(self, key: str) -> tuple[str, ...] | None:
        """A list of value names."""
        value = self.data.get(key)
        if value is None:
            return None
        if not isinstance(value, list) or not all(_identifier(v) for v in value):
            raise self.fail(key, value, 'a list of names, e.g. ["x", "y"]')
        return tuple(value)

    def number(self, key: str, value: object, *, low: float = 0.0, high: float | None = None) -> float:
        """A finite number in [low, high]."""
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise self.fail(key, value, _range_words(low, high))
        if value < low or (high is not None and value > high):
            raise self.fail(key, value, _range_words(low, high))
        return float(value)

    def pair(self, key: str, value: object, *, integer: bool = False) -> tuple[float, float]:
        """``[low, high]`` with low ≤ high, finite (integers when ``integer``)."""
        ok = (
            isinstance(value, list)
            and len(value) == 2
            and all(not isinstance(v, bool) and isinstance(v, int if integer else int | float) for v in value)
            and all(math.isfinite(v) for v in value)
            and value[0] <= value[1]
        )
        if not ok:
            raise self.fail(
                key, value, f"[low, high], two {'integers' if integer else 'finite numbers'} with low ≤ high"
            )
        return (value[0], value[1]) if integer else (float(value[0]), float(value[1]))


def _identifier(value: object) -> bool:
    return isinstance(value, str) and value.isidentifier() and not keyword.iskeyword(value)


def _range_words(low: float, high: float | None) -> str:
    return f"a number in [{low:g}, {high:g}]" if high is not None else f"a number ≥ {low:g}"


def _did_you_mean(name: str, known: list[str] | tuple[str, ...]) -> str:
    """``did you mean 'dW'? `` for the closest known name (letter case first, then difflib's ratio), or ""."""
    lower = {k.lower(): k for k in known}
    close = [name.lower()] if name.lower() in lower else difflib.get_close_matches(name.lower(), list(lower), 1, 0.5)
    return f"did you mean {lower[close[0]]!r}? " if close else ""


def read_info(data: object, path: Path) -> AssignmentInfo:
    """The ``[assignment]`` table, checked (a reference file must exist, relative to the assignment file)."""
    table = _Table(path, "assignment", data)
    table.only(ASSIGNMENT_KEYS)
    name = table.string("name", "") or ""
    title = table.string("title", "") or ""
    table.string("description")
    precision = table.string("lowest_precision", "float32", ("float32", "float64")) or "float32"
    ref = table.string("reference_file")
    return AssignmentInfo(name, title, _reference_file(table, ref) if ref is not None else None, precision)


def _reference_file(table: _Table, ref: str) -> Path:
    file = (table.path.parent / ref).resolve()
    if file.suffix != ".py":
        raise table.fail("reference_file", ref, "a .py file: the instructor's solution")
    if not file.is_file():
        raise table.fail("reference_file", ref, f"a file next to the assignment; there is no '{file}'")
    return file


def read_functions(data: object, path: Path, info: AssignmentInfo) -> tuple[GradedFunction, ...]:
    """Every ``[function.NAME]`` table, checked, in the file's order."""
    if not isinstance(data, dict) or not data:
        raise InputError(f"'{path}': function = {data!r} (expected one table [function.NAME] per graded function)")
    out = []
    for name, table in data.items():
        if not _NAME.match(name):
            raise InputError(f"'{path}': [function.{name}] is not a name (expected letters, digits, _ and dots)")
        out.append(_read_function(name, _Table(path, f"function.{name}", table), info))
    return tuple(out)


def _read_function(name: str, t: _Table, info: AssignmentInfo) -> GradedFunction:
    t.only(FUNCTION_KEYS)
    reference = t.string("reference")
    spec: FunctionSpec | None = None
    ref_file: Path | None = None
    if reference is not None:
        if reference not in REFERENCES:
            hint = _did_you_mean(reference, tuple(REFERENCES))
            raise t.fail("reference", reference, f"a reference of the registry: {', '.join(REFERENCES)}", hint=hint)
        if "reference_file" in t.data:
            raise t.problem("gives both reference and reference_file (expected one: what the answer must equal)")
        spec = REFERENCES[reference]
    else:
        own = t.string("reference_file")
        ref_file = _reference_file(t, own) if own is not None else info.reference_file
        if ref_file is None:
            raise t.problem(
                "has no reference (expected reference = an identity of the registry, "
                "or a reference_file here or in [assignment])"
            )
    dims = _read_dims(t)
    inputs = _read_inputs(t, dims)
    if inputs is None and spec is None:
        raise t.problem(f"declares no inputs (expected [{t.name}.inputs]: a reference file has no default inputs)")
    if inputs is None and dims:
        raise t.problem(f"declares dims but no inputs (expected [{t.name}.inputs] using them)")

    # the argument mapping: course name → reference parameter
    mapping = t.data.get("map", {})
    if not isinstance(mapping, dict) or not all(_identifier(k) and isinstance(v, str) for k, v in mapping.items()):
        raise t.fail("map", mapping, 'a table course_name = "reference parameter"')
    if mapping and spec is None:
        raise t.problem("has a map but no registry reference (expected map only with reference = an identity)")
    params_from: tuple[str, ...] = ()
    if spec is not None:
        for course, param in mapping.items():
            if param not in spec.params:
                hint = _did_you_mean(param, spec.params)
                raise t.fail(
                    f"map.{course}", param, f"a parameter of {spec.reference_name}: {', '.join(spec.params)}", hint=hint
                )
        if inputs is None:
            inverse: dict[str, str] = {}
            for course, param in mapping.items():
                if param in inverse:
                    raise t.problem(
                        f"map gives {spec.reference_name}'s parameter {param!r} twice ({inverse[param]!r}, {course!r})"
                    )
                inverse[param] = course
            params_from = tuple(inverse.get(p, p) for p in spec.params)
            if len(set(params_from)) != len(params_from):
                raise t.problem(f"map makes two parameters of {spec.reference_name} one name: {', '.join(params_from)}")
        else:
            declared = [inp.name for inp in inputs]
            for course in mapping:
                if course not in declared:
                    raise t.fail(f"map.{course}", mapping[course], f"a declared input: {', '.join(declared)}")
            reached: dict[str, str] = {}
            for course in declared:
                param = mapping.get(course, course)
                if param not in spec.params:
                    raise t.problem(
                        f"input {course!r} reaches no parameter of {spec.reference_name} "
                        f"(expected map.{course} = one of {', '.join(spec.params)})"
                    )
                if param in reached:
                    raise t.problem(
                        f"inputs {reached[param]!r} and {course!r} both give {spec.reference_name}'s {param!r}"
                    )
                reached[param] = course
            missing = [p for p in spec.params if p not in reached]
            if missing:
                raise t.problem(
                    f"gives no input for {spec.reference_name}'s parameter(s) {', '.join(missing)} (expected map)"
                )
            params_from = tuple(reached[p] for p in spec.params)

    input_names = tuple(inp.name for inp in inputs) if inputs is not None else params_from
    call, dim_slots = _read_call(name, t, input_names, dims)
    slots = (*input_names, *dim_slots)
    if len(slots) > MAX_VALUES:
        raise t.problem(f"sends {len(slots)} values per call (expected at most {MAX_VALUES}, the protocol's bound)")
    returns = _read_returns(t, spec)
    total, share = _read_points(t)
    visibility = Visibility(t.string("visibility", "visible", tuple(v.value for v in Visibility)))
    kappa, scale = _read_tolerance(t, input_names)
    description = t.string("description")
    if description is None:
        description = (
            spec.signature if spec is not None and inputs is None and call.function == spec.name else call.describe()
        )
    return GradedFunction(
        name=name,
        description=description,
        call=call,
        returns=returns,
        slots=slots,
        reference=reference,
        reference_file=ref_file,
        params_from=params_from,
        dims=dims,
        inputs=inputs,
        dim_slots=dim_slots,
        points=total,
        stability_share=share,
        visibility=visibility,
        kappa=kappa,
        scale=scale,
    )


def _read_dims(t: _Table) -> tuple[Dim, ...]:
    raw = t.data.get("dims", {})
    table = _Table(t.path, f"{t.name}.dims", raw)
    dims = []
    for name, value in table.data.items():
        if not _identifier(name):
            raise table.problem(f"{name!r} is not a name (expected a Python identifier)")
        optional = False
        if isinstance(value, dict):
            sub = _Table(t.path, f"{t.name}.dims.{name}", value)
            sub.only(("range", "optional"))
            if "range" not in value:
                raise sub.problem("has no range (expected range = [low, high])")
            optional = value.get("optional", False)
            if not isinstance(optional, bool):
                raise sub.fail("optional", optional, "true or false")
            value = value["range"]
        lo, hi = table.pair(name, value, integer=True)
        if lo < 1 or hi > MAX_DIM:
            raise table.fail(name, value, f"[low, high] with 1 ≤ low ≤ high ≤ {MAX_DIM}")
        dims.append(Dim(name, int(lo), int(hi), optional))
    return tuple(dims)


def _read_inputs(t: _Table, dims: tuple[Dim, ...]) -> tuple[Input, ...] | None:
    if "inputs" not in t.data:
        return None
    table = _Table(t.path, f"{t.name}.inputs", t.data["inputs"])
    if not table.data:
        raise table.problem('is empty (expected one key per input, e.g. x = { shape = ["n"], range = [-5, 5] })')
    known = {d.name: d for d in dims}
    used: set[str] = set()
    inputs = [_read_input(name, value, table, known, used) for name, value in table.data.items()]
    for inp in inputs:  # the largest array an input can be must fit the sandbox protocol's cap per array
        largest = math.prod(known[d].high if isinstance(d, str) else d for d in inp.shape) * 8
        if largest + 128 > MAX_ARRAY:  # 128: the .npy header
            raise InputError(
                f"'{t.path}': [{t.name}.inputs] {inp.name} can be {largest / 2**20:.0f} MiB at its largest "
                f"(expected at most {MAX_ARRAY / 2**20:.0f} MiB per array: make its dims smaller)"
            )
    unused = [d.name for d in dims if d.name not in used]
    if unused:
        raise InputError(
            f"'{t.path}': [{t.name}.dims] {unused[0]} is used by no input's shape (expected it in a shape)"
        )
    return tuple(inputs)


def _read_input(name: str, value: object, table: _Table, known: dict[str, Dim], used: set[str]) -> Input:
    if not _identifier(name):
        raise table.problem(f"{name!r} is not a name (expected a Python identifier)")
    t = _Table(table.path, f"{table.name}.{name}", value)
    t.only(INPUT_KEYS)
    dtype = t.string("dtype", "float64", ("float64", "int64"))
    integer = dtype == "int64"
    scalar = t.string("scalar", "array", ("array", "float"))
    if "value" in t.data:
        for key in ("shape", "kind", "range", "extreme_range", "special", "extreme_special"):
            if key in t.data:
                raise t.problem(f"gives both value and {key} (expected value alone: a constant input)")
        constant = _constant(t, t.data["value"])
        if integer and not np.array_equal(np.asarray(constant), np.round(np.asarray(constant))):
            raise t.fail("value", t.data["value"], "integers for dtype = 'int64'")
        if scalar == "float" and np.ndim(constant) != 0:
            raise t.fail("scalar", scalar, 'scalar = "float" only for a single number')
        return Input(name, tuple(np.shape(constant)), integer=integer, as_float=scalar == "float", value=constant)
    if "shape" not in t.data:
        raise t.problem("has no shape (expected shape = a list of sizes and dim names, [] for a scalar)")
    shape = t.data["shape"]
    if not isinstance(shape, list):
        raise t.fail("shape", shape, 'a list of sizes and dim names, e.g. ["m", "d"] or [] for a scalar')
    for s in shape:
        if isinstance(s, str):
            if s not in known:
                hint = _did_you_mean(s, tuple(known))
                raise t.fail(
                    "shape", shape, f"dims declared in [{table.name.rsplit('.', 1)[0]}.dims]; {s!r} is not", hint=hint
                )
            used.add(s)
        elif isinstance(s, bool) or not isinstance(s, int) or not 1 <= s <= MAX_DIM:
            raise t.fail("shape", shape, f"sizes 1…{MAX_DIM} or dim names")
    kind = Kind(t.string("kind", "uniform", tuple(k.value for k in Kind)))
    if kind in (Kind.ONE_HOT, Kind.SOFT_LABELS, Kind.PROBABILITIES) and not shape:
        raise t.fail("shape", shape, f"at least one axis for kind = {kind.value!r} (its rows are the last axis)")
    if kind in (Kind.ONE_HOT, Kind.SOFT_LABELS, Kind.PROBABILITIES) and isinstance(shape[-1], str):
        if known[shape[-1]].optional:
            raise t.fail("shape", shape, "a last axis that is always there (not an optional dim)")
    if integer and kind is not Kind.UNIFORM:
        raise t.fail("dtype", dtype, f"float64 for kind = {kind.value!r}")
    if scalar == "float" and shape:
        raise t.fail("scalar", scalar, 'scalar = "float" only with shape = []')
    ranged = kind in (Kind.UNIFORM, Kind.PROBABILITIES)
    for key in ("range", "extreme_range", "special", "extreme_special"):
        if key in t.data and not ranged:
            raise t.problem(
                f"gives {key} for kind = {kind.value!r} (expected no range: its values are fixed by the kind)"
            )
    for key in ("special", "extreme_special"):
        if key in t.data and kind is not Kind.UNIFORM:
            raise t.problem(f"gives {key} for kind = {kind.value!r} (expected it only for kind = 'uniform')")
    typical: tuple[float, float] = (-5.0, 5.0)
    if ranged:
        if "range" in t.data:
            typical = t.pair("range", t.data["range"], integer=integer)
        elif kind is Kind.UNIFORM:
            raise t.problem("has no range (expected range = [low, high] for the typical part)")
    extreme = (
        t.pair("extreme_range", t.data["extreme_range"], integer=integer) if "extreme_range" in t.data else typical
    )
    special = _numbers(t, "special")
    extreme_special = _numbers(t, "extreme_special")
    return Input(
        name,
        tuple(shape),
        kind,
        typical,
        extreme,
        special,
        extreme_special,
        integer=integer,
        as_float=scalar == "float",
    )


def _numbers(t: _Table, key: str) -> tuple[float, ...]:
    value = t.data.get(key, [])
    ok = isinstance(value, list) and all(
        not isinstance(v, bool) and isinstance(v, int | float) and math.isfinite(v) for v in value
    )
    if not ok:
        raise t.fail(key, value, "a list of finite numbers")
    return tuple(float(v) for v in value)


def _constant(t: _Table, value: object) -> Any:
    """A constant input as nested tuples of floats (hashable), refused unless a rectangular array of numbers."""
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (ValueError, TypeError):
        raise t.fail("value", value, "a number or a rectangular list of numbers") from None
    if (
        not np.isfinite(arr).all()
        or arr.size == 0
        or any(isinstance(v, bool) for v in np.ravel(np.asarray(value, dtype=object)))
    ):
        raise t.fail("value", value, "a number or a rectangular list of finite numbers")
    return arr.tolist() if arr.ndim == 0 else _tuples(arr.tolist())


def _tuples(v: Any) -> Any:
    return tuple(_tuples(x) for x in v) if isinstance(v, list) else v


def _read_call(name: str, t: _Table, inputs: tuple[str, ...], dims: tuple[Dim, ...]) -> tuple[Call, tuple[str, ...]]:
    """The call, and the dims it passes as values (in the order first passed)."""
    cls = t.identifier("class")
    values = set(inputs) | {d.name for d in dims}
    optional = {d.name for d in dims if d.optional}

    def check(key: str, names: tuple[str, ...]) -> None:
        for n in names:
            if n not in values:
                hint = _did_you_mean(n, tuple(values))
                raise t.fail(key, list(names), f"names of inputs or dims; {n!r} is neither", hint=hint)
            if n in optional:
                raise t.fail(key, list(names), f"names that always have a value; dim {n!r} is optional")

    if cls is None:
        for key in ("init", "set", "before", "method"):
            if key in t.data:
                raise t.problem(f"gives {key} without class (expected class = the student's class)")
        default = name if _identifier(name) else None
        function = t.identifier("call", default)
        if function is None:
            raise t.problem(f"has no call (expected call = the function's name: {name!r} is not a Python identifier)")
        init: tuple[str, ...] = ()
        attributes: tuple[tuple[str, str], ...] = ()
        before: tuple[tuple[str, tuple[str, ...]], ...] = ()
        method = None
    else:
        if "call" in t.data:
            raise t.problem("gives call with class (expected method = the method called)")
        function = None
        method = t.identifier("method")
        if method is None:
            raise t.problem("has a class but no method (expected method = the method called)")
        init = t.names("init") or ()
        check("init", init)
        raw = t.data.get("set", {})
        if not isinstance(raw, dict) or not all(_identifier(k) and isinstance(v, str) for k, v in raw.items()):
            raise t.fail("set", raw, 'a table attribute = "input"')
        attributes = tuple(raw.items())
        check("set", tuple(raw.values()))
        before = _read_before(t, check)
    args = t.names("args")
    if args is None:
        taken = set(init) | {n for _, n in attributes} | {n for _, names in before for n in names}
        args = tuple(n for n in inputs if n not in taken)
    check("args", args)
    call = Call(function, cls, init, attributes, before, method, args)
    unused = [n for n in inputs if n not in call.names_used()]
    if unused:
        raise t.problem(f"passes input {unused[0]!r} to no call (expected it in args, init, set or before)")
    dim_names = {d.name for d in dims}
    order = [*init, *(n for _, n in attributes), *(n for _, names in before for n in names), *args]
    dim_slots = tuple(dict.fromkeys(n for n in order if n in dim_names and n not in inputs))
    return call, dim_slots


def _read_before(t: _Table, check: Callable[[str, tuple[str, ...]], None]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    raw = t.data.get("before", [])
    if not isinstance(raw, list):
        raise t.fail("before", raw, 'a list of { method = "forward", args = ["x"] }')
    out = []
    for item in raw:
        if not isinstance(item, dict) or set(item) - {"method", "args"} or not _identifier(item.get("method")):
            raise t.fail("before", raw, 'a list of { method = "forward", args = ["x"] }')
        names = item.get("args", [])
        if not isinstance(names, list) or not all(_identifier(n) for n in names):
            raise t.fail("before", raw, 'a list of { method = "forward", args = ["x"] }')
        check("before", tuple(names))
        out.append((item["method"], tuple(names)))
    return tuple(out)


def _read_returns(t: _Table, spec: FunctionSpec | None) -> Returns:
    raw = t.data.get("returns")
    if raw is None:
        return Returns()
    outputs = spec.output_names if spec is not None else None

    def output(name: object, shown: object) -> str:
        if not isinstance(name, str) or not name:
            raise t.fail("returns", shown, 'output names: a string, a list, or a table key = "output"')
        if outputs is not None and name not in outputs:
            hint = _did_you_mean(name, outputs)
            raise t.fail("returns", shown, f"outputs of {spec.reference_name}: {', '.join(outputs)}", hint=hint)  # type: ignore[union-attr]
        return name

    if isinstance(raw, str):
        return Returns(ReturnForm.ONE, (output(raw, raw),))
    if isinstance(raw, list):
        if not 1 <= len(raw) <= MAX_VALUES:
            raise t.fail("returns", raw, f"a list of 1…{MAX_VALUES} output names (a tuple in that order)")
        return Returns(ReturnForm.TUPLE, tuple(output(o, raw) for o in raw))
    if isinstance(raw, dict):
        if not 1 <= len(raw) <= MAX_VALUES:
            raise t.fail("returns", raw, f'a table of 1…{MAX_VALUES} keys (a dict key = "output")')
        return Returns(ReturnForm.DICT, tuple(output(o, raw) for o in raw.values()), tuple(raw))
    raise t.fail("returns", raw, 'a string (one array), a list (a tuple) or a table (a dict key = "output")')


def _read_points(t: _Table) -> tuple[float, float | None]:
    raw = t.data.get("points", 10.0)
    share = t.number("stability_share", t.data["stability_share"], high=1.0) if "stability_share" in t.data else None
    if isinstance(raw, dict):
        sub = _Table(t.path, f"{t.name}.points", raw)
        sub.only(("correctness", "stability"))
        if share is not None:
            raise t.problem("gives stability_share and points per part (expected one of them)")
        correctness = sub.number("correctness", raw.get("correctness", 0.0))
        stability = sub.number("stability", raw.get("stability", 0.0))
        total = correctness + stability
        return total, (stability / total if total else None)
    return t.number("points", raw), share


def _read_tolerance(t: _Table, inputs: tuple[str, ...]) -> tuple[Rule | None, Rule | None]:
    if "tolerance" not in t.data:
        return None, None
    table = _Table(t.path, f"{t.name}.tolerance", t.data["tolerance"])
    table.only(("kappa", "scale"))
    rules = []
    for key, kinds in (("kappa", ("one", "max_abs", "spread", "affine")), ("scale", ("one", "output", "max_abs"))):
        raw = table.data.get(key)
        if raw is None:
            rules.append(None)
            continue
        words = f"one of {', '.join(k + ('(…)' if RULES[k][1] else '') for k in kinds)} naming inputs"
        m = _RULE.match(raw) if isinstance(raw, str) else None
        if m is None or m.group(1) not in kinds:
            raise table.fail(key, raw, words)
        names = tuple(n.strip() for n in m.group(2).split(",")) if m.group(2) else ()
        low, high = RULES[m.group(1)]
        if not low <= len(names) <= high:
            raise table.fail(key, raw, f"{m.group(1)} with {low}…{high} input names")
        for n in names:
            if n not in inputs:
                raise table.fail(key, raw, f"inputs of the function ({', '.join(inputs)}); {n!r} is not one")
        rules.append(Rule(m.group(1), names))
    return rules[0], rules[1]


# -- --check-reference: the registry's witnesses behind the course's names, as a submission


_ADAPTER_HEAD = '''"""Generated by `derivations grade --check-reference`: the registry's witnesses, the course's names.

The sandbox holds no copy of the package `numeric`, so its sources travel inside this file.
"""

import importlib.abc
import importlib.util
import sys

_SOURCES = {sources}


class _Witness(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Serves `numeric` and its submodules from _SOURCES."""

    def find_spec(self, name, path=None, target=None):
        if name not in _SOURCES:
            return None
        return importlib.util.spec_from_loader(name, self, is_package="." not in name)

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        exec(compile(_SOURCES[module.__name__], "<" + module.__name__ + ">", "exec"), module.__dict__)


sys.meta_path.insert(0, _Witness())
import numeric  # noqa: E402


def _answer(result, form, picks, keys):
    """The witness's result as the course returns it: as is, one value, a tuple, or a dict."""
    if form == "same":
        return result
    values = result if isinstance(result, tuple) else (result,)
    chosen = [values[i] for i in picks]
    if form == "dict":
        return dict(zip(keys, chosen))
    return chosen[0] if form == "one" else tuple(chosen)
'''


def _witness_sources() -> dict[str, str]:
    folder = Path(numeric.__file__).parent
    sources = {}
    for file in sorted(folder.glob("*.py")):
        module = numeric.__name__ if file.stem == "__init__" else f"{numeric.__name__}.{file.stem}"
        sources[module] = file.read_text(encoding="utf-8")
    return sources


def _answer_args(gf: GradedFunction) -> str:
    """The arguments of the adapter's `_answer` after the result: the form, the picked outputs, a dict's keys."""
    if gf.returns.form is ReturnForm.SAME:
        return "'same', None, None"
    names = gf.spec.output_names
    picks = [names.index(o) for o in gf.returns.outputs]
    keys = list(gf.returns.keys) if gf.returns.form is ReturnForm.DICT else None
    return f"{gf.returns.form.value!r}, {picks!r}, {keys!r}"


def _value_expr(gf: GradedFunction, name: str) -> str:
    """Where, inside the adapter's function or method, the value ``name`` of one call is found."""
    call = gf.call
    if name in call.args:
        return f"args[{call.args.index(name)}]"
    for attr, n in call.attributes:
        if n == name:
            return f"getattr(self, {attr!r})"
    if name in call.init:
        return f"self._init[{call.init.index(name)}]"
    for method, names in call.before:
        if name in names:
            return f"self._called[{method!r}][{names.index(name)}]"
    raise AssertionError(f"{name} is passed nowhere")  # the reader refuses such a function


def adapter_source(functions: tuple[GradedFunction, ...]) -> str:
    """A submission that answers every registry-referenced function with its witness, through the mappings."""
    lines = [_ADAPTER_HEAD.replace("{sources}", repr(_witness_sources())), ""]
    classes: dict[str, dict[str, list[GradedFunction]]] = {}
    for gf in functions:
        assert gf.reference is not None
        if gf.call.cls is None:
            witness = gf.spec.reference.__name__
            params = ", ".join(_value_expr(gf, n) for n in gf.params_from)
            lines += [
                "",
                f"def {gf.call.function}(*args):",
                f"    return _answer(numeric.{witness}({params}), {_answer_args(gf)})",
                "",
            ]
        else:
            methods = classes.setdefault(gf.call.cls, {})
            methods.setdefault(str(gf.call.method), []).append(gf)
            for method, _ in gf.call.before:
                methods.setdefault(method, [])
    for cls, methods in classes.items():
        lines += [
            "",
            f"class {cls}:",
            "    def __init__(self, *args):",
            "        self._init = args",
            "        self._called = {}",
        ]
        for method, graded in methods.items():
            lines += ["", f"    def {method}(self, *args):", f"        self._called[{method!r}] = args"]
            for gf in graded[:1]:  # one mapping per method (two graded functions on one method: the first)
                params = ", ".join(_value_expr(gf, n) for n in gf.params_from)
                witness = gf.spec.reference.__name__
                lines.append(f"        return _answer(numeric.{witness}({params}), {_answer_args(gf)})")
            if not graded:
                lines.append("        return None")
        lines.append("")
    return "\n".join(lines)
