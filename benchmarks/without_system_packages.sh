#!/usr/bin/env bash
# The README's test command on a machine without the apt packages of .ci/run, simulated on this one:
# a fresh clone and venv, then pytest inside bubblewrap with /dev/null bound over the bubblewrap, TeX and
# poppler binaries and an empty tmpfs over Debian's dist-packages (so /usr/bin/python3 has no NumPy).
# Tests that need one of them must skip, naming the package; nothing may fail.
#   usage: benchmarks/without_system_packages.sh [REPO]   (default: this repository; needs bwrap to run)
set -euo pipefail
repo="$(cd "${1:-$(dirname "$0")/..}" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
git clone -q "$repo" "$work/clone"
cd "$work/clone"
python3 -m venv .venv
# shellcheck disable=SC1091
. .venv/bin/activate
pip install -q --upgrade pip
pip install -q -e '.[test]'
hide=()
for b in bwrap latexmk lualatex pdflatex pdftotext pdftoppm; do
  p="$(command -v "$b" || true)"
  if [ -n "$p" ]; then hide+=(--ro-bind /dev/null "$p"); fi
done
bwrap --dev-bind / / "${hide[@]}" --tmpfs /usr/lib/python3/dist-packages \
  bash -c 'set -o pipefail; cd "$0" && . .venv/bin/activate && pytest -q -p no:cacheprovider -rfEs 2>&1 | tail -60' \
  "$work/clone"
