#!/usr/bin/env python3
"""Score `derivations check --json` on the real documents against the hand judgments kept here.

Usage:  python benchmarks/real_corpus.py DOCS_DIR RESULTS_DIR

The documents are other people's text and are not in this repository (benchmarks/corpus.md names
their sources and how each was saved as DOCS_DIR/<id>.md). `real_judgments.json` keeps, for every
display line with a relation, its number, the SHA-256 (first 16 hex digits) of the line as saved, and
its truth judged by hand: "true", "false" or "not a claim". A line whose text no longer has that hash
(the document was saved differently) is looked for elsewhere: where the same text occurs in the
document as many times as it was judged, the judgments go to those lines in order (a copy saved with a
section more or less above it keeps its judgments); otherwise it is left out and counted as stale, so
a judgment is never applied to another line's text. RESULTS_DIR holds <id>.json from

    for f in DOCS_DIR/*.md; do derivations check "$f" --quiet --json RESULTS_DIR/$(basename "$f" .md).json; done

The line's verdict is the most severe of the steps reported on it (wrong > unchecked > numeric >
proved > definition); a claim on a line with no step counts as not given a verdict.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).parent
SEVERITY = ["definition", "proved", "numeric", "unchecked", "wrong"]


def line_verdicts(result: dict) -> dict[int, str]:
    """The most severe verdict on each line."""
    out: dict[int, str] = {}
    for step in result.get("steps", []):
        v = step.get("verdict") if step.get("verdict") in SEVERITY else "unchecked"
        old = out.get(step["line"])
        if old is None or SEVERITY.index(v) > SEVERITY.index(old):
            out[step["line"]] = v
    return out


def line_hash(text: str) -> str:
    """The first 16 hex digits of the SHA-256 of a line, stripped."""
    return hashlib.sha256(text.strip().encode()).hexdigest()[:16]


def place(steps: list[dict], hashes: list[str]) -> list[int | None]:
    """The line (1-based) each judgment applies to: its own line when the text there is the judged text,
    else the k-th line with that text for the k-th judgment of it, when the counts agree; None if neither."""
    judged = Counter(step["sha256"] for step in steps)
    where: dict[str, list[int]] = {}
    for n, h in enumerate(hashes, 1):
        where.setdefault(h, []).append(n)
    seen: Counter[str] = Counter()
    out: list[int | None] = []
    for step in steps:
        h, n = step["sha256"], step["line"]
        k = seen[h]
        seen[h] += 1
        if n <= len(hashes) and hashes[n - 1] == h:
            out.append(n)
        elif len(where.get(h, [])) == judged[h]:
            out.append(where[h][k])
        else:
            out.append(None)
    return out


def tally(docs: Path, results: Path, judged: Path = HERE / "real_judgments.json") -> dict:
    """Counts over the claims of every judged document, and the lines behind them."""
    judgments = json.loads(judged.read_text(encoding="utf-8"))
    counts = dict.fromkeys(
        ["documents", "lines", "claims", "verdict", "proved", "numeric", "wrong", "unchecked", "stale"], 0
    )
    lists: dict[str, list[str]] = {"false_accepts": [], "false_wrongs": [], "caught": [], "missed": []}
    for entry in judgments:
        doc, result = docs / entry["file"], results / (Path(entry["file"]).stem + ".json")
        if not doc.exists():
            continue
        counts["documents"] += 1
        lines = doc.read_text(encoding="utf-8").splitlines()
        verdicts = line_verdicts(json.loads(result.read_text(encoding="utf-8"))) if result.exists() else {}
        placed = place(entry["steps"], [line_hash(t) for t in lines])
        for step, n in zip(entry["steps"], placed, strict=True):
            if n is None:
                counts["stale"] += 1
                continue
            counts["lines"] += 1
            if step["truth"] == "not a claim":
                continue
            counts["claims"] += 1
            v = verdicts.get(n, "unchecked")
            if v in counts:
                counts[v] += 1
            counts["verdict"] += v in ("proved", "numeric", "wrong")
            where = f"{entry['source']}:{n}"
            if step["truth"] == "false":
                (lists["caught"] if v == "wrong" else lists["missed"]).append(where)
                if v in ("proved", "numeric"):
                    lists["false_accepts"].append(where)
            elif v == "wrong":
                lists["false_wrongs"].append(where)
    return {**counts, **lists}


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    found = tally(Path(argv[1]), Path(argv[2]))
    claims = found["claims"] or 1
    print(f"documents {found['documents']}, judged lines {found['lines']} ({found['stale']} stale), claims {claims}")
    print(f"given a verdict: {found['verdict']} ({found['verdict'] / claims:.1%})  proved {found['proved']}, "
          f"numeric {found['numeric']}, wrong {found['wrong']}, unchecked {found['unchecked']}")  # fmt: skip
    print(f"false accepts: {len(found['false_accepts'])} {found['false_accepts']}")
    print(f"false wrongs: {len(found['false_wrongs'])} ({len(found['false_wrongs']) / max(found['lines'], 1):.1%} "
          f"of judged lines) {found['false_wrongs']}")  # fmt: skip
    print(f"real errors caught: {len(found['caught'])} of {len(found['caught']) + len(found['missed'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
