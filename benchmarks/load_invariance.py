"""The machine's load must not change a verdict: `verify` and `check` on an idle and on a loaded machine.

Runs ``derivations verify --json`` and ``derivations check --json`` on the shipped notes twice: once
as they are, once while CPU-bound processes (two by default, one per core here) keep every core
busy. Every budget in the tool is CPU time of its own process, so the JSON must be identical; the
script prints the wall times of both runs and exits 1 on any difference.

    python benchmarks/load_invariance.py [--busy N] [--examples N]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTES = sorted((ROOT / "derivations" / "notes").glob("*.md"))
BUSY = "while True: pass"


def run_all(out: Path, examples: int) -> dict[str, object]:
    """The JSON of verify and of check on each note, and the wall time they took."""
    start = time.perf_counter()
    verify = out / "verify.json"
    subprocess.run(
        [sys.executable, "-m", "derivations", "verify", "--quiet", "--examples", str(examples), "--json", str(verify)],
        check=False,
        capture_output=True,
    )
    results: dict[str, object] = {"verify": json.loads(verify.read_text())}
    for note in NOTES:
        target = out / f"{note.stem}.json"
        subprocess.run(
            [sys.executable, "-m", "derivations", "check", str(note), "--quiet", "--json", str(target)],
            check=False,
            capture_output=True,
        )
        results[note.name] = json.loads(target.read_text())
    results["_seconds"] = time.perf_counter() - start
    return results


def _differences(a: object, b: object, path: str = "") -> list[tuple[str, object, object]]:
    """Where two JSON values differ: (path, idle value, loaded value)."""
    if isinstance(a, dict) and isinstance(b, dict):
        return [d for k in sorted(set(a) | set(b)) for d in _differences(a.get(k), b.get(k), f"{path}.{k}")]
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [d for k, (x, y) in enumerate(zip(a, b)) for d in _differences(x, y, f"{path}[{k}]")]
    return [] if a == b else [(path, a, b)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--busy", type=int, default=2, help="CPU-bound processes during the loaded run (2)")
    parser.add_argument("--examples", type=int, default=100, help="Hypothesis examples per cross-check (100)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        idle_dir, loaded_dir = Path(tmp, "idle"), Path(tmp, "loaded")
        idle_dir.mkdir()
        loaded_dir.mkdir()
        idle = run_all(idle_dir, args.examples)
        hogs = [subprocess.Popen([sys.executable, "-c", BUSY]) for _ in range(args.busy)]
        try:
            loaded = run_all(loaded_dir, args.examples)
        finally:
            for hog in hogs:
                hog.kill()
                hog.wait()
    print(f"idle:   {idle.pop('_seconds'):.1f} s wall")
    print(f"loaded: {loaded.pop('_seconds'):.1f} s wall, with {args.busy} CPU-bound processes")
    differing = [name for name in idle if idle[name] != loaded[name]]
    for name in differing:
        print(f"DIFFERENT: {name}")
        for path, a, b in _differences(idle[name], loaded[name])[:10]:
            print(f"  {path}: {a!r} (idle) vs {b!r} (loaded)")
    print("identical JSON" if not differing else f"{len(differing)} of {len(idle)} outputs differ")
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())
