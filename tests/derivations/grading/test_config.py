"""The grading configuration: one schema for every section, each refusal one line naming file, section and key."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from derivations.errors import InputError
from derivations.grading.config import SCHEMA, Config

ROOT = Path(__file__).resolve().parents[3]


def _load(tmp_path: Path, text: str) -> Config:
    f = tmp_path / "grading.toml"
    f.write_text(text)
    return Config.load(f)


def _refused(tmp_path: Path, text: str, *words: str) -> str:
    with pytest.raises(InputError) as caught:
        _load(tmp_path, text)
    message = str(caught.value)
    assert "\n" not in message and "grading.toml" in message, message
    for word in words:
        assert word in message, message
    return message


def test_a_valid_file_loads(tmp_path: Path) -> None:
    c = _load(
        tmp_path,
        "[points]\nsigmoid = 20\n[parts]\nstability_share = 0.5\n"
        "[examples]\ncorrectness = 5\n[limits]\ncall_seconds = 2\nmemory_mib = 512\n"
        "[domain]\nmax_classes = 3\nlogit_spread = 100\n[latex]\npoints = 4\nseconds = 30\nmemory_mib = 1024\n"
        "[tolerance]\nulps = 32\nfloor = 1e-6\n",
    )
    assert c.points["sigmoid"] == 20 and c.points["softmax"] == 10 and c.stability_share == 0.5
    assert c.correctness_examples == 5 and c.stability_examples == 100
    assert c.limits.call_seconds == 2 and c.limits.memory_mib == 512 and c.limits.import_seconds == 10
    assert c.domain.max_classes == 3 and c.domain.logit_spread == 100.0
    assert (c.latex_points, c.latex_seconds, c.latex_memory_mib) == (4, 30, 1024)
    assert (c.tolerance_ulps, c.tolerance_floor) == (32, 1e-6)
    assert type(c.correctness_examples) is int and type(c.limits.call_seconds) is float


def test_no_file_and_an_empty_file_are_the_defaults(tmp_path: Path) -> None:
    assert Config.load(None) == Config() == _load(tmp_path, "")


def test_the_defaults_documented_in_the_guide_are_the_defaults(tmp_path: Path) -> None:
    guide = (ROOT / "docs" / "grading.md").read_text()
    block = re.search(r"## Configuration.*?```toml\n(.*?)```", guide, re.S)
    assert block, "docs/grading.md lists the defaults in a ```toml block"
    assert _load(tmp_path, block.group(1)) == Config()


def test_the_example_assignment_loads() -> None:
    c = Config.load(ROOT / "examples" / "submissions" / "grading.toml")
    assert c.points["tanh_grad"] == 10


@pytest.mark.parametrize("section", sorted(SCHEMA))
def test_an_unknown_key_is_refused_in_every_section(tmp_path: Path, section: str) -> None:
    _refused(tmp_path, f"[{section}]\nno_such_key = 1\n", f"[{section}]", "no_such_key", "expected one of")


def test_an_unknown_function_in_points_is_named(tmp_path: Path) -> None:
    _refused(tmp_path, "[points]\nsoftmaxx = 3\n", "softmaxx", "softmax_jacobian")


def test_an_unknown_section_or_a_key_outside_a_section_is_refused(tmp_path: Path) -> None:
    _refused(tmp_path, "[limit]\ncall_seconds = 1\n", "[limit]", "expected one of")
    _refused(tmp_path, "points = 3\n", "points = 3", "[points]")


@pytest.mark.parametrize(
    ("section", "key", "value", "expected"),
    [
        ("points", "sigmoid", '"ten"', "a number"),
        ("points", "sigmoid", "true", "a number"),
        ("parts", "stability_share", '"half"', "a number in [0, 1]"),
        ("examples", "correctness", "5.5", "an integer"),
        ("examples", "stability", '"100"', "an integer"),
        ("domain", "typical_max_abs", '"10"', "a number"),
        ("domain", "max_batch", "2.0", "an integer"),
        ("limits", "call_seconds", '"5"', "a number"),
        ("limits", "memory_mib", "1024.5", "an integer"),
        ("limits", "processes", "[32]", "an integer"),
        ("latex", "points", "{ a = 1 }", "a number"),
        ("latex", "seconds", '"2 min"', "a number"),
        ("tolerance", "ulps", "false", "a number"),
    ],
)
def test_a_wrong_type_is_refused(tmp_path: Path, section: str, key: str, value: str, expected: str) -> None:
    _refused(tmp_path, f"[{section}]\n{key} = {value}\n", f"[{section}] {key} =", f"(expected {expected}")


@pytest.mark.parametrize(
    ("section", "key", "value", "expected"),
    [
        ("limits", "call_seconds", "0", "a number > 0"),
        ("limits", "call_seconds", "-1.5", "a number > 0"),
        ("limits", "import_seconds", "0.0", "a number > 0"),
        ("limits", "memory_mib", "128", "an integer ≥ 272"),
        ("limits", "cpu_seconds", "0", "an integer ≥ 1"),
        ("limits", "processes", "1", "an integer ≥ 3"),
        ("limits", "open_files", "4", "an integer ≥ 16"),
        ("limits", "file_bytes", "-1", "an integer ≥ 0"),
        ("latex", "seconds", "0", "a number > 0"),
        ("latex", "memory_mib", "100", "an integer ≥ 256"),
        ("latex", "points", "-1", "a number ≥ 0"),
        ("examples", "correctness", "0", "an integer ≥ 1"),
        ("parts", "stability_share", "1.5", "a number in [0, 1]"),
        ("points", "softmax", "-10", "a number ≥ 0"),
        ("domain", "max_classes", "1", "an integer ≥ 2"),
        ("domain", "logit_spread", "inf", "a number > 0"),
        ("domain", "sigmoid_max_abs", "nan", "a number > 0"),
        ("tolerance", "floor", "-1e-9", "a number ≥ 0"),
    ],
)
def test_an_impossible_value_is_refused(tmp_path: Path, section: str, key: str, value: str, expected: str) -> None:
    _refused(tmp_path, f"[{section}]\n{key} = {value}\n", f"[{section}] {key} = ", f"(expected {expected}")


def test_a_file_that_is_not_toml_is_refused(tmp_path: Path) -> None:
    _refused(tmp_path, "[points\n", "is not a TOML configuration")
    with pytest.raises(InputError, match="does not exist"):
        Config.load(tmp_path / "missing.toml")


def test_the_assignment_example_in_the_guide_loads(tmp_path: Path) -> None:
    guide = (ROOT / "docs" / "grading.md").read_text()
    block = re.search(r"## Assignment files.*?```toml\n(.*?)```", guide, re.S)
    assert block, "docs/grading.md shows a complete assignment in a ```toml block"
    (tmp_path / "solution.py").write_text("def log_softmax(z):\n    return z\n")
    course = tmp_path / "hw2.toml"
    course.write_text(block.group(1))
    c = Config.load(None, assignment=course)
    assert [f.name for f in c.functions] == ["dsigmoid", "neuron_grads", "Dense.backward", "log_softmax"]
    assert c.points["Dense.backward"] == 10 and c.correctness_examples == 60 and c.solution == tmp_path / "solution.py"


def test_the_guide_lists_every_registry_reference() -> None:
    from derivations.grading.api import REFERENCES

    guide = (ROOT / "docs" / "grading.md").read_text()
    rows = re.findall(r"^\| `([a-z:-]+)` \| `numeric\.(\w+)` \| ([^|]+) \| ([^|]+) \| `(\w+)` \|$", guide, re.M)
    listed = {
        name: (witness, params.strip(), outputs.strip(), builtin) for name, witness, params, outputs, builtin in rows
    }
    assert listed == {
        name: (s.reference.__name__, ", ".join(s.params), ", ".join(s.output_names), s.name)
        for name, s in REFERENCES.items()
    }


def test_a_config_file_is_not_an_assignment(tmp_path: Path) -> None:
    _refused(tmp_path, '[function.f]\nreference = "sigmoid-derivative"\n', "[function] belongs in an assignment file")
