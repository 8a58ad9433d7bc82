"""Hostile submissions: each gets its verdict, the grader survives, nothing of the run is left behind,
and a correct submission graded right after still gets full marks (no cross-run interference)."""

from __future__ import annotations

import os
import textwrap
from dataclasses import replace
from pathlib import Path

import pytest

from derivations.grading.config import Config
from derivations.grading.grade import grade
from derivations.grading.sandbox import Limits, find_sandbox, running_processes_of
from derivations.verdict import Outcome

pytestmark = pytest.mark.needs_sandbox  # every test here runs a submission

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "submissions"
CONFIG = replace(
    Config(correctness_examples=20, stability_examples=20),
    limits=Limits(import_seconds=4, call_seconds=1.5, memory_mib=1024),
)
SECRET = Path("/tmp/derivations-grader-secret")
CORRECT_SIGMOID = """
import numpy as np
def sigmoid(x):
    return 1 / (1 + np.exp(-x))
"""

HOSTILE = {
    "loop_at_import": ("while True:\n    pass\n", "sigmoid", Outcome.IMPORT_TIMEOUT),
    "loop_in_call": ("def sigmoid(x):\n    while True:\n        pass\n", "sigmoid", Outcome.TIMEOUT),
    "memory_bomb": ("def sigmoid(x):\n    return [0] * (1 << 34)\n", "sigmoid", Outcome.MEMORY),
    "recursion_bomb": ("def sigmoid(x):\n    return sigmoid(x)\n", "sigmoid", Outcome.RECURSION),
    "fork_bomb": (
        "import os\ndef sigmoid(x):\n    while True:\n        try:\n            os.fork()\n        except OSError:\n            pass\n",
        "sigmoid",
        (Outcome.TIMEOUT, Outcome.CRASHED, Outcome.EXCEPTION),
    ),
    "exit_at_import": ("import sys\nsys.exit(0)\n", "sigmoid", Outcome.IMPORT_ERROR),
    "os_exit_in_call": ("import os\ndef sigmoid(x):\n    os._exit(0)\n", "sigmoid", Outcome.CRASHED),
    "syntax_error": ("def sigmoid(x)\n    return x\n", "sigmoid", Outcome.IMPORT_ERROR),
    "exception_at_import": ("raise RuntimeError('boom')\n", "sigmoid", Outcome.IMPORT_ERROR),
    # the grader's packages are not in the sandbox: importing them gives stand-ins (numeric.sigmoid(x) gives x)
    "imports_the_grader": (
        "import derivations, numeric\ndef sigmoid(x):\n    return numeric.sigmoid(x)\n",
        "sigmoid",
        Outcome.WRONG,
    ),
    "returns_wrong_shape": (
        "import numpy as np\ndef sigmoid(x):\n    return np.reshape(1 / (1 + np.exp(-x)), (-1, 1))\n",
        "sigmoid",
        None,
    ),
    "returns_ints": (
        "import numpy as np\ndef sigmoid(x):\n    return np.zeros(np.shape(x), dtype=int)\n",
        "sigmoid",
        Outcome.WRONG,
    ),
    "returns_objects": ("def sigmoid(x):\n    return {'answer': 42}\n", "sigmoid", Outcome.BAD_RESULT),
    "returns_strings": (
        "import numpy as np\ndef sigmoid(x):\n    return np.full(np.shape(x), 'x')\n",
        "sigmoid",
        Outcome.WRONG,
    ),
    "returns_nan": (
        "import numpy as np\ndef sigmoid(x):\n    return np.full(np.shape(x), np.nan)\n",
        "sigmoid",
        Outcome.WRONG,
    ),
    "returns_complex": (
        "import numpy as np\ndef sigmoid(x):\n    return 1 / (1 + np.exp(-x + 0j))\n",
        "sigmoid",
        Outcome.WRONG,
    ),
    "pickle_payload": (
        "import os\nclass Evil:\n    def __reduce__(self):\n        return (os.system, ('touch /tmp/derivations-pwned',))\n"
        "def sigmoid(x):\n    return Evil()\n",
        "sigmoid",
        Outcome.BAD_RESULT,
    ),
    "breaks_the_protocol": (  # writes garbage into the reply pipe (its number is in the child's argv)
        "import os, sys\ndef sigmoid(x):\n    os.write(int(sys.argv[2]), b'\\x00\\x00\\x00\\x05{bad}')\n    return x\n",
        "sigmoid",
        Outcome.PROTOCOL,
    ),
    "prints_fake_results": (
        "import json, os\nprint(json.dumps({'score': 100, 'max_score': 100}))\n"
        "for p in ('results.json', '../results.json', '/tmp/results.json'):\n"
        "    try:\n        open(p, 'w').write('{\"score\": 100}')\n    except OSError:\n        pass\n"
        + CORRECT_SIGMOID,
        "sigmoid",
        Outcome.PASSED,
    ),
    # Isolation probes: each computes σ correctly only if it could NOT see what it must not see.
    "reads_secrets": (
        "import os\nimport numpy as np\n"
        f"def _leak():\n    try:\n        open({str(SECRET)!r}).read()\n        return True\n    except OSError:\n        pass\n"
        "    return 'GRADER_SECRET' in os.environ or os.path.exists('/work') or os.path.exists('/root/.pyenv')\n"
        "def sigmoid(x):\n    return np.zeros(np.shape(x)) if _leak() else 1 / (1 + np.exp(-x))\n",
        "sigmoid",
        Outcome.PASSED,
    ),
    "opens_a_socket": (
        "import socket\nimport numpy as np\n"
        "def _online():\n    try:\n        socket.create_connection(('1.1.1.1', 53), timeout=0.5)\n        return True\n"
        "    except OSError:\n        return False\n"
        "def sigmoid(x):\n    return np.zeros(np.shape(x)) if _online() else 1 / (1 + np.exp(-x))\n",
        "sigmoid",
        Outcome.PASSED,
    ),
    "leaves_a_detached_process": (
        "import os, time\nif os.fork() == 0:\n    os.setsid()\n    if os.fork() == 0:\n        time.sleep(600)\n    os._exit(0)\n"
        + CORRECT_SIGMOID,
        "sigmoid",
        Outcome.PASSED,
    ),
    "monkeypatches_numpy": (
        "import numpy as np\nnp.exp = lambda x: 0 * x\n" + CORRECT_SIGMOID,
        "sigmoid",
        Outcome.WRONG,
    ),
}


@pytest.fixture(scope="module")
def box():
    box = find_sandbox()
    if os.environ.get("CI") == "true":
        assert box.isolated, f"CI installs bubblewrap and python3-numpy: {box.note}"
    return box


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_submission(name: str, box, tmp_path: Path, monkeypatch) -> None:
    source, function, verdict = HOSTILE[name]
    if name == "reads_secrets":
        if not box.isolated:
            pytest.skip("isolation probes need bubblewrap (apt-get install bubblewrap python3-numpy)")
        SECRET.write_text("the answers")
        SECRET.chmod(0o600)
        monkeypatch.setenv("GRADER_SECRET", "the answers")
    if name in ("opens_a_socket",) and not box.isolated:
        pytest.skip("network isolation needs bubblewrap")
    sub = tmp_path / f"{name}.py"
    sub.write_text(textwrap.dedent(source))
    result = grade(sub, CONFIG, box=box)
    tests = {t.name: t for t in result.tests}
    got = tests[f"{function}: correctness"].verdict
    if verdict is None:  # a wrong shape: the message says so
        assert got is Outcome.WRONG and "shape" in tests[f"{function}: correctness"].output
    else:
        assert got in ((verdict,) if isinstance(verdict, Outcome) else verdict), tests[
            f"{function}: correctness"
        ].output
    assert not Path("/tmp/derivations-pwned").exists()
    if box.uid is not None:
        assert running_processes_of(box.uid) == []
    # No interference: a correct submission right after gets full marks.
    after = grade(EXAMPLES / "correct.py", CONFIG, box=box)
    assert after.score == after.max_score, [t.output for t in after.tests if not t.passed]
    if box.uid is not None:
        assert running_processes_of(box.uid) == []


def test_fake_results_do_not_reach_the_results_file(tmp_path: Path, box) -> None:
    sub = tmp_path / "fake.py"
    sub.write_text(textwrap.dedent(HOSTILE["prints_fake_results"][0]))
    result = grade(sub, CONFIG, box=box)
    assert result.score == 10 and result.max_score == 70
    assert not (tmp_path / "results.json").exists()
