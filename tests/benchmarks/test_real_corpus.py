"""benchmarks/real_corpus.py: hand judgments keyed by line and hash, applied only to the line they judged."""

from __future__ import annotations

import hashlib
import importlib.util
import json
from pathlib import Path

PATH = Path(__file__).resolve().parents[2] / "benchmarks" / "real_corpus.py"


def load():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("real_corpus", PATH)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def test_counts_false_accepts_false_wrongs_and_stale_lines(tmp_path: Path) -> None:
    docs, results = tmp_path / "docs", tmp_path / "results"
    docs.mkdir()
    results.mkdir()
    (docs / "d.md").write_text("$$a = 1$$\n$$b = 2$$\n$$c = 3$$\n$$e = 4$$\n", encoding="utf-8")
    steps = [(1, "$$a = 1$$", "true"), (2, "$$b = 2$$", "false"), (3, "$$c = 3$$", "true"), (4, "$$X$$", "true")]
    judged = tmp_path / "j.json"
    judged.write_text(
        json.dumps(
            [
                {
                    "file": "d.md",
                    "source": "d",
                    "steps": [{"line": n, "sha256": digest(t), "truth": v} for n, t, v in steps],
                }
            ]
        ),
        encoding="utf-8",
    )
    verdicts = [(1, "proved"), (2, "proved"), (3, "wrong"), (4, "wrong")]
    (results / "d.json").write_text(json.dumps({"steps": [{"line": n, "verdict": v} for n, v in verdicts]}))
    found = load().tally(docs, results, judged)
    assert found["stale"] == 1  # line 4's text is not the text judged: its judgment is not used
    assert found["claims"] == 3 and found["verdict"] == 3
    assert found["false_accepts"] == ["d:2"] and found["false_wrongs"] == ["d:3"] and found["caught"] == []
