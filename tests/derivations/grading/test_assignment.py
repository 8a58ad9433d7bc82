"""Assignment files: the built-in one is today's API, every refusal is one line naming file, table and key,
declared inputs draw what they declare, and call plans reach the child intact."""

from __future__ import annotations

import importlib.util
import types
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from derivations.errors import InputError
from derivations.grading import inputs
from derivations.grading.api import REFERENCES, SPECS, Domain, spec
from derivations.grading.assignment import GradedFunction, ReferenceFailed, ReturnForm, Visibility, adapter_source
from derivations.grading.config import BUILTIN, Config, load_assignment
from derivations.grading.sandbox import CHILD

ROOT = Path(__file__).resolve().parents[3]
ASSIGNMENT2 = ROOT / "examples" / "assignment2" / "assignment.toml"
BASE = '[function.f]\nreference = "sigmoid-derivative"\n'


def _write(tmp_path: Path, text: str, name: str = "course.toml") -> Path:
    f = tmp_path / name
    f.write_text(text)
    return f


def _load(tmp_path: Path, text: str) -> Config:
    return load_assignment(_write(tmp_path, text))


def _function(tmp_path: Path, text: str, name: str = "f") -> GradedFunction:
    return next(gf for gf in _load(tmp_path, text).functions if gf.name == name)


# -- the built-in assignment is the built-in API


def test_the_builtin_assignment_is_todays_api() -> None:
    c = Config()
    assert [gf.name for gf in c.functions] == [s.name for s in SPECS]
    assert c.points == {s.name: s.default_points for s in SPECS}
    assert c.source == str(BUILTIN) and BUILTIN.is_file()
    for gf, s in zip(c.functions, SPECS):
        assert gf.reference == s.reference_name and gf.spec is s
        assert gf.inputs is None and gf.slots == s.params and gf.floats == s.floats
        assert gf.plan == s.name  # a plain name: the child calls s.name(*arrays), as before
        assert gf.returns.form is ReturnForm.SAME and gf.description == s.signature
        assert gf.visibility is Visibility.VISIBLE


def test_every_reference_names_an_identity_of_the_registry() -> None:
    from derivations.identities import IDENTITIES

    names = {i.name for i in IDENTITIES}
    assert len(REFERENCES) == len(SPECS)
    for name in REFERENCES:
        assert name.split(":")[0] in names, name


@pytest.mark.parametrize("part", ["correctness", "stability"])
def test_the_builtin_assignment_draws_the_specs_inputs(part: str, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Same strategy, same cache key, same derandomised examples as the FunctionSpec itself."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(inputs, "_INPUTS", {})
    config = Config(correctness_examples=6, stability_examples=6)
    for gf in config.functions[:3] + config.functions[6:7]:
        key = gf.inputs_key(part, 6, config.domain)
        assert key == (gf.spec.name, part, 6, config.domain)
        by_assignment = inputs.shared_inputs(gf, part, config)
        inputs._INPUTS.clear()
        by_spec = inputs.shared_inputs(spec(gf.name), part, config)
        assert len(by_assignment) == len(by_spec) == 6
        for a, b in zip(by_assignment, by_spec):
            assert all(np.array_equal(u, v) and u.dtype == v.dtype and u.shape == v.shape for u, v in zip(a, b))


def test_a_config_file_overrides_an_assignment_and_refuses_function_tables(tmp_path: Path) -> None:
    course = _write(tmp_path, BASE + "points = 4\n[examples]\ncorrectness = 7\n")
    override = _write(tmp_path, "[points]\nf = 9\n[examples]\nstability = 3\n", "fast.toml")
    c = Config.load(override, assignment=course)
    assert c.points == {"f": 9.0} and (c.correctness_examples, c.stability_examples) == (7, 3)
    assert Config.load(None, assignment=course).points == {"f": 4.0}
    with pytest.raises(InputError, match=r"\[points\] has no key 'sigmoid' \(expected one of f\)"):
        Config.load(_write(tmp_path, "[points]\nsigmoid = 1\n", "old.toml"), assignment=course)
    with pytest.raises(InputError, match=r"\[function\] belongs in an assignment file.*--assignment"):
        Config.load(course)


def test_the_example_assignment_loads() -> None:
    c = Config.load(None, assignment=ASSIGNMENT2)
    names = [gf.name for gf in c.functions]
    assert names == ["dsigmoid", "log_softmax", "Dense.forward", "Dense.backward", "neuron_grads"]
    by = {gf.name: gf for gf in c.functions}
    assert by["log_softmax"].reference_file == ASSIGNMENT2.parent / "solution.py" and c.solution is not None
    assert by["Dense.backward"].returns.form is ReturnForm.DICT and by["Dense.backward"].stability_share == 0.4
    assert by["neuron_grads"].visibility is Visibility.HIDDEN and by["neuron_grads"].floats == (1, 3)
    assert c.points == {"dsigmoid": 5, "log_softmax": 10, "Dense.forward": 5, "Dense.backward": 10, "neuron_grads": 10}


# -- validation: one line, naming the file, the table, the key and what was expected


REFUSALS = [
    ("[limit]\ncall_seconds = 1\n" + BASE, ["unknown section [limit]", "function"]),
    (BASE + "pointz = 3\n", ["[function.f] has no key 'pointz'", "expected one of"]),
    (BASE + 'points = "ten"\n', ["[function.f] points = 'ten'", "a number"]),
    (BASE + "points = -1\n", ["[function.f] points = -1", "a number ≥ 0"]),
    (BASE + "points = { correctness = -1 }\n", ["[function.f.points] correctness = -1"]),
    (BASE + "stability_share = 1.5\n", ["stability_share = 1.5", "in [0, 1]"]),
    (BASE + "[limits]\ncall_seconds = 0\n", ["[limits] call_seconds = 0", "a number > 0"]),
    (BASE + "[limits]\nmemory_mib = 10\n", ["[limits] memory_mib = 10", "an integer ≥ 272"]),
    (
        BASE + "[function.f.dims]\nn = [1, 1000]\n"
        '[function.f.inputs]\nx = { shape = ["n", "n", "n"], range = [-1, 1] }\n',
        ["[function.f.inputs] x can be 7629 MiB", "at most 64 MiB per array"],
    ),
    (
        '[function.f]\nreference = "softmax-jacobain"\n',
        ["reference = 'softmax-jacobain'", "did you mean 'softmax-jacobian'?"],
    ),
    (BASE + 'map = { z = "q" }\n', ["[function.f] map.z = 'q'", "a parameter of sigmoid-derivative: x"]),
    (BASE + 'map = { z = "x", w = "x" }\n', ["[function.f] map gives", "'x' twice"]),
    (
        BASE + '[function.f.inputs]\nx = { shape = ["n"], range = [0, 1] }\n',
        ["[function.f.inputs.x] shape = ['n']", "dims"],
    ),
    (
        BASE + '[function.f.inputs]\nx = { shape = "n", range = [0, 1] }\n',
        ["[function.f.inputs.x] shape = 'n'", "a list"],
    ),
    (BASE + "[function.f.inputs]\nx = { shape = [2] }\n", ["[function.f.inputs.x] has no range"]),
    (BASE + "[function.f.inputs]\nx = { shape = [2], range = [5, -5] }\n", ["range = [5, -5]", "low ≤ high"]),
    (BASE + '[function.f.inputs]\nx = { shape = [], kind = "one_hot" }\n', ["shape = []", "at least one axis"]),
    (BASE + '[function.f.inputs]\nx = { shape = [2], kind = "one_hot", range = [0, 1] }\n', ["gives range"]),
    (BASE + '[function.f.inputs]\nx = { shape = [2], range = [0, 1], dtype = "float16" }\n', ["dtype = 'float16'"]),
    (
        BASE + '[function.f.dims]\nn = [0, 3]\n[function.f.inputs]\nx = { shape = ["n"], range = [0, 1] }\n',
        ["[function.f.dims] n = [0, 3]", "1 ≤ low"],
    ),
    (
        BASE
        + '[function.f.dims]\nn = [1, 3]\nk = [1, 2]\n[function.f.inputs]\nx = { shape = ["n"], range = [0, 1] }\n',
        ["[function.f.dims] k is used by no input"],
    ),
    (BASE + "[function.f.dims]\nn = [1, 3]\n", ["declares dims but no inputs"]),
    (BASE + 'visibility = "secret"\n', ["visibility = 'secret'", "'after_due_date'", "'after_published'"]),
    ('[function.f]\nreference = "mse-layer-gradients"\nreturns = ["dw"]\n', ["returns = ['dw']", "did you mean 'dW'?"]),
    ('[function.f]\nreference = "mse-layer-gradients"\nreturns = 3\n', ["returns = 3", "a string"]),
    ("[function.f]\npoints = 1\n", ["[function.f] has no reference"]),
    ('[assignment]\nreference_file = "nope.py"\n' + BASE, ["[assignment] reference_file = 'nope.py'", "there is no"]),
    ('[assignment]\nlowest_precision = "float16"\n' + BASE, ["lowest_precision = 'float16'", "'float32', 'float64'"]),
    ('[assignment]\nauthor = "me"\n' + BASE, ["[assignment] has no key 'author'"]),
    (BASE + 'class = "Layer"\n', ["[function.f] has a class but no method"]),
    (BASE + 'init = ["x"]\n', ["gives init without class"]),
    (BASE + 'args = ["q"]\n', ["[function.f] args = ['q']", "neither"]),
    (BASE + "args = []\n", ["passes input 'x' to no call"]),
    (BASE + 'reference_file = "s.py"\n', ["both reference and reference_file"]),
    (
        '[function.f]\nreference = "mse-layer-gradients"\n[function.f.inputs]\nx = { shape = [2], range = [0, 1] }\n',
        ["gives no input for mse-layer-gradients's parameter(s) y, W, b"],
    ),
    (
        '[function.f]\nreference = "mse-layer-gradients"\n[function.f.inputs]\nx = { shape = [2], range = [0, 1] }\n'
        "z = { shape = [2], range = [0, 1] }\n",
        ["input 'z' reaches no parameter of mse-layer-gradients"],
    ),
    (BASE + '[function.f.tolerance]\nkappa = "spread(q)"\n', ["[function.f.tolerance] kappa = 'spread(q)'", "'q'"]),
    (BASE + "[function.f.tolerance]\nkappa = \"__import__('os')\"\n", ["kappa = ", "one of one, max_abs(…)"]),
    ('[function."f g"]\nreference = "sigmoid-derivative"\n', ["[function.f g] is not a name"]),
    (BASE + '[function.f.inputs]\nx = { value = [0.5, 1], dtype = "int64" }\n', ["value = [0.5, 1]", "integers"]),
    ("[points]\nf = 1\n", ["no [function.NAME] tables"]),
    (BASE + "[points]\ng = 1\n", ["[points] has no key 'g' (expected one of f)"]),
]


@pytest.mark.parametrize(("text", "words"), REFUSALS, ids=[f"refusal-{i}" for i in range(len(REFUSALS))])
def test_a_bad_assignment_is_refused_in_one_line(tmp_path: Path, text: str, words: list[str]) -> None:
    with pytest.raises(InputError) as caught:
        _load(tmp_path, text)
    message = str(caught.value)
    assert "\n" not in message and message.startswith(f"'{tmp_path / 'course.toml'}': "), message
    for word in words:
        assert word in message, message


def test_a_reference_file_needs_declared_inputs(tmp_path: Path) -> None:
    (tmp_path / "solution.py").write_text("def f(x):\n    return x\n")
    with pytest.raises(InputError, match=r"\[function.f\] declares no inputs"):
        _load(tmp_path, '[assignment]\nreference_file = "solution.py"\n[function.f]\npoints = 3\n')
    gf = _function(
        tmp_path,
        '[assignment]\nreference_file = "solution.py"\n[function.f]\n'
        "[function.f.inputs]\nx = { shape = [3], range = [-1, 1] }\n",
    )
    assert gf.reference is None and gf.reference_file == tmp_path / "solution.py" and gf.plan == "f"


# -- declared inputs


DECLARED = """
[function.f]
reference = "mse-layer-gradients"
map = { X = "x", w = "W" }
[function.f.dims]
m = { range = [1, 3], optional = true }
d = [2, 4]
[function.f.inputs]
X = { shape = ["m", "d"], range = [-2, 2], extreme_range = [-50, 50], special = [0.5], extreme_special = [40.0] }
y = { shape = ["m"], kind = "labels01" }
w = { shape = ["d"], range = [-1, 1], extreme_range = [-300, 300] }
b = { shape = [], range = [-1, 1], scalar = "float" }

[function.g]
reference = "softmax-regression-gradients"
[function.g.dims]
m = [1, 3]
c = [2, 4]
n = [1, 2]
[function.g.inputs]
X = { shape = ["m", "n"], range = [-1, 1] }
Y = { shape = ["m", "c"], kind = "one_hot" }
W = { shape = ["n", "c"], range = [-1, 1] }
b = { shape = ["c"], kind = "probabilities" }

[function.h]
reference = "ce-softmax-gradient"
[function.h.inputs]
theta = { shape = [3], range = [-5, 5], dtype = "int64" }
y = { value = [0.25, 0.25, 0.5] }
"""


@pytest.mark.parametrize("part", ["correctness", "stability"])
def test_declared_inputs_draw_what_they_declare(tmp_path: Path, part: str) -> None:
    config = _load(tmp_path, DECLARED)
    f, g, h = config.functions
    assert f.slots == ("X", "y", "w", "b") and f.params_from == ("X", "y", "w", "b") and f.floats == (3,)
    lim, w_lim = (2.0, 1.0) if part == "correctness" else (50.0, 300.0)
    seen_unbatched = []

    @settings(max_examples=60, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(f.strategy(part, Domain()), g.strategy(part, Domain()), h.strategy(part, Domain()))
    def check(fa: tuple, ga: tuple, ha: tuple) -> None:
        x, y, w, b = fa
        assert x.shape[-1] == w.shape[0] and 2 <= w.shape[0] <= 4 and b.shape == ()
        assert y.shape == x.shape[:-1] and set(np.unique(y)) <= {0.0, 1.0}
        seen_unbatched.append(x.ndim == 1)
        assert np.abs(x).max() <= max(lim, 40.0) and np.abs(w).max() <= w_lim and abs(float(b)) <= 1
        gf_expected = g.expected_registry(ga)  # the witness accepts what was drawn
        assert gf_expected.as_tuple and len(gf_expected.values) == 2
        xs, ys, ws, bs = ga
        assert np.allclose(ys.sum(axis=-1), 1) and set(np.unique(ys)) <= {0.0, 1.0} and np.isclose(bs.sum(), 1)
        assert ws.shape == (xs.shape[1], ys.shape[1]) and bs.shape == (ys.shape[1],)
        theta, yy = ha
        assert theta.dtype == np.int64 and np.abs(theta).max() <= 5 and yy.tolist() == [0.25, 0.25, 0.5]
        f.expected_registry(fa)

    check()
    assert any(seen_unbatched) and not all(seen_unbatched)  # the optional dim: batched and unbatched calls


def test_declared_inputs_are_derandomised_and_keyed_on_the_declaration(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(inputs, "_INPUTS", {})
    config = replace(_load(tmp_path, DECLARED), correctness_examples=5)
    f = config.functions[0]
    first = inputs.shared_inputs(f, "correctness", config)
    assert list((tmp_path / "derivations" / "grading-inputs").glob("f-correctness-*.npz"))
    inputs._INPUTS.clear()
    for a, b in zip(first, inputs.shared_inputs(f, "correctness", config)):
        assert all(np.array_equal(u, v) for u, v in zip(a, b))
    wider = replace(config, functions=_load(tmp_path, DECLARED.replace("[-2, 2]", "[-3, 3]")).functions)
    assert wider.functions[0].inputs_key("correctness", 5, config.domain) != f.inputs_key(
        "correctness", 5, config.domain
    )


# -- what the answer must be, through the mappings


def test_the_mappings_pick_and_order_the_references_outputs(tmp_path: Path) -> None:
    text = (
        '[function.f]\nreference = "mse-layer-gradients"\nargs = ["w", "b", "x", "y"]\nmap = { w = "W" }\n'
        'returns = ["db", "dW"]\n'
        '[function.g]\nreference = "mse-layer-gradients"\ncall = "grads"\nreturns = { gw = "dW", gb = "db" }\n'
        '[function.h]\nreference = "mse-layer-gradients"\ncall = "dw_only"\nreturns = "dW"\n'
    )
    f, g, h = _load(tmp_path, text).functions
    values = (np.array([1.0, 2.0]), np.asarray(0.5), np.array([0.1, -0.2]), np.asarray(0.3))
    dw, db = spec("mse_layer_grads").reference(*values)
    ef, eg, eh = (gf.expected_registry(values) for gf in (f, g, h))
    assert ef.as_tuple and np.array_equal(ef.values[0], db) and np.array_equal(ef.values[1], dw)
    assert eg.as_tuple and eg.labels == ("gw", "gb") and np.array_equal(eg.values[0], dw)
    assert not eh.as_tuple and len(eh.values) == 1 and np.array_equal(eh.values[0], dw)
    assert f.slots == ("x", "y", "w", "b") and f.plan.startswith("plan:") and g.plan.startswith("plan:")
    assert h.plan == "dw_only" and h.describe_values(values).startswith("x=[1., 2.], y=0.5, W=")


def test_a_witness_that_refuses_the_mapped_arguments_is_a_reference_failure(tmp_path: Path) -> None:
    gf = _function(
        tmp_path,
        '[function.f]\nreference = "mse-layer-gradients"\nmap = { x = "W", w = "x" }\n'
        '[function.f.dims]\nm = [2, 2]\nd = [3, 3]\n[function.f.inputs]\nx = { shape = ["m", "d"], range = [0, 1] }\n'
        'y = { shape = ["m"], range = [0, 1] }\nw = { shape = ["d"], range = [0, 1] }\n'
        "b = { shape = [], range = [0, 1] }\n",
    )
    with pytest.raises(ReferenceFailed, match="mse-layer-gradients refused the mapped arguments: ValueError"):
        gf.expected_registry((np.zeros((2, 3)), np.zeros(2), np.zeros(3), np.asarray(0.0)))


# -- call plans, as the child reads them


def _child_module() -> types.ModuleType:
    spec_ = importlib.util.spec_from_file_location("grading_child_for_plans", CHILD)
    assert spec_ is not None and spec_.loader is not None
    module = importlib.util.module_from_spec(spec_)
    spec_.loader.exec_module(module)
    return module


def test_the_child_follows_class_and_dict_plans() -> None:
    child = _child_module()
    c = Config.load(None, assignment=ASSIGNMENT2)
    backward = next(gf for gf in c.functions if gf.name == "Dense.backward")
    calls: list[tuple] = []

    class Dense:
        def __init__(self, n_in: int, n_out: int) -> None:
            calls.append(("init", type(n_in), n_in, n_out))

        def forward(self, x: np.ndarray) -> None:
            calls.append(("forward", self.W.shape, x.shape))

        def backward(self, x: np.ndarray, y: np.ndarray) -> dict:
            return {"db": self.b, "dW": x.T @ y}

    module = types.SimpleNamespace(Dense=Dense)
    empty = types.SimpleNamespace()
    assert child._defines(module, backward.plan) and not child._defines(empty, backward.plan)
    assert not child._defines(module, "plan:not-base64!") and child._plan("sigmoid") is None
    values = [np.ones((2, 3)), np.eye(2)[[0, 1]], np.ones((3, 2)), np.zeros(2), np.asarray(3), np.asarray(2)]
    result = child._as_declared(backward.plan, child._invoke(module, backward.plan, list(values)))
    assert calls == [("init", int, 3, 2), ("forward", (3, 2), (2, 3))]
    assert (
        isinstance(result, tuple)
        and np.array_equal(result[0], np.ones((3, 2)))
        and np.array_equal(result[1], values[3])
    )
    with pytest.raises(TypeError, match=r"returned a dict with the keys 'db'; expected the keys 'dW', 'db'"):
        child._as_declared(backward.plan, {"db": 1})
    with pytest.raises(TypeError, match=r"returned tuple; expected a dict with the keys 'dW', 'db'"):
        child._as_declared(backward.plan, (1, 2))


def test_the_adapter_compiles_for_every_registry_mapping() -> None:
    c = Config.load(None, assignment=ASSIGNMENT2)
    source = adapter_source(tuple(gf for gf in c.functions if gf.reference is not None))
    compile(source, "witness_adapter.py", "exec")  # it runs only in the sandbox (test_assignment_grading.py)
    assert "class Dense:" in source and "def dsigmoid(*args):" in source and "def forward(self, *args):" in source
    compile(adapter_source(Config().functions), "builtin_adapter.py", "exec")
