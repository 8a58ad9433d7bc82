#!/usr/bin/env python3
"""Score `derivations check --json` outputs against the hand-judged manifest.

Usage:  python benchmarks/soundness/score.py RESULTS_DIR [MANIFEST]

RESULTS_DIR holds one JSON per corpus file, named <file stem>.json (as written by
`derivations check FILE --json RESULTS_DIR/<stem>.json`).  MANIFEST defaults to the
manifest.json next to this script.

Steps are matched by line.  When the checker reports several steps on one line
(a row `a = b = c`), the line's verdict is the most severe of them:
wrong > unchecked > numeric > proved > definition.  A manifest step the checker did
not report (including every step of a file whose JSON is missing, e.g. exit 2)
counts as a missed error when false and as unchecked when true.

Counted per style and in total (steps whose truth is "not a claim" only in the
last, informational column):
  false accept  truth false, verdict proved or numeric
  false wrong   truth true,  verdict wrong
  missed error  truth false, verdict anything but wrong (false accepts included)
  unchecked     truth true or false, verdict unchecked (or not reported, if true)
"""

import json
import os
import sys

SEVERITY = ["definition", "proved", "numeric", "unchecked", "wrong"]
COLUMNS = [
    "files",
    "true",
    "false",
    "caught",
    "false_accept",
    "false_wrong",
    "missed",
    "unchecked",
    "def_on_claim",
    "unreported",
    "nac_judged",
]
HEADERS = {
    "files": "files",
    "true": "true",
    "false": "false",
    "caught": "caught",
    "false_accept": "false acc",
    "false_wrong": "false wrong",
    "missed": "missed err",
    "unchecked": "unchecked",
    "def_on_claim": "def on claim",
    "unreported": "unreported",
    "nac_judged": "non-claim judged",
}


def line_verdicts(result):
    by_line = {}
    for step in result.get("steps", []):
        v = step.get("verdict")
        line = step.get("line")
        old = by_line.get(line)
        rank = SEVERITY.index(v) if v in SEVERITY else SEVERITY.index("unchecked")
        if old is None or rank > SEVERITY.index(old):
            by_line[line] = v if v in SEVERITY else "unchecked"
    return by_line


def main(argv):
    if len(argv) < 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    results_dir = argv[1]
    manifest_path = (
        argv[2] if len(argv) > 2 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "manifest.json")
    )
    with open(manifest_path) as fh:
        manifest = json.load(fh)

    rows = {}
    missing_files = []
    planted_caught = planted_total = clean_ok = clean_total = 0
    for entry in manifest:
        style = entry["style"]
        row = rows.setdefault(style, dict.fromkeys(COLUMNS, 0))
        row["files"] += 1
        stem = os.path.splitext(entry["file"])[0]
        path = os.path.join(results_dir, stem + ".json")
        if os.path.exists(path):
            with open(path) as fh:
                result = json.load(fh)
            if "files" in result:  # several files in one JSON
                result = result["files"][0]
            verdicts = line_verdicts(result)
        else:
            verdicts = {}
            missing_files.append(entry["file"])
        file_wrong = False
        planted_hit = False
        for step in entry["steps"]:
            truth = step["truth"]
            v = verdicts.get(step["line"])
            if v == "wrong":
                file_wrong = True
            if truth == "not a claim":
                if v in ("proved", "numeric", "wrong"):
                    row["nac_judged"] += 1
                continue
            row[truth] += 1
            if v is None:
                row["unreported"] += 1
            if truth == "false":
                if v == "wrong":
                    row["caught"] += 1
                    planted_hit = True
                else:
                    row["missed"] += 1
                    if v in ("proved", "numeric"):
                        row["false_accept"] += 1
                    if v == "unchecked":
                        row["unchecked"] += 1
                    if v == "definition":
                        row["def_on_claim"] += 1
            else:
                if v == "wrong":
                    row["false_wrong"] += 1
                elif v in ("unchecked", None):
                    row["unchecked"] += 1
                elif v == "definition":
                    row["def_on_claim"] += 1
        if entry["planted"]:
            planted_total += 1
            planted_caught += planted_hit
        else:
            clean_total += 1
            clean_ok += not file_wrong

    total = dict.fromkeys(COLUMNS, 0)
    for row in rows.values():
        for c in COLUMNS:
            total[c] += row[c]

    widths = [max(len(HEADERS[c]), 5) for c in COLUMNS]
    head = "style  " + "  ".join(HEADERS[c].rjust(w) for c, w in zip(COLUMNS, widths))
    print(head)
    print("-" * len(head))
    for style in sorted(rows):
        print(f"{style:<5}  " + "  ".join(str(rows[style][c]).rjust(w) for c, w in zip(COLUMNS, widths)))
    print("-" * len(head))
    print("total  " + "  ".join(str(total[c]).rjust(w) for c, w in zip(COLUMNS, widths)))
    print()
    print(f"planted files whose error line is wrong: {planted_caught}/{planted_total}")
    print(f"correct files with no wrong step:        {clean_ok}/{clean_total}")
    if missing_files:
        print(f"no JSON (not run, or exit 2): {', '.join(missing_files)}")
    print(
        "columns: caught = false step judged wrong; def on claim = a claim given 'definition';"
        " unreported = claim on a line the checker did not report;"
        " non-claim judged = approximation/definition given proved, numeric or wrong"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
