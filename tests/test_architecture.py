"""The shape of the package (docs/architecture.md): imports run one way, leaves stay leaves, verdicts have one home.

Imports are read from the source with `ast`, at module level and inside functions alike (an import
in a function that would close a circle is still a circle). Importing ``a.b.c`` runs the packages
``a.b`` and ``a`` first, so an import of a module in another package also counts as an import of
that package's ``__init__``.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "derivations"
LEAVES = {
    "derivations.errors": set(),
    "derivations.verdict": set(),
    "derivations.files": {"derivations.errors"},
    "derivations.report.lines": set(),
}
VERDICT_WORDS = re.compile(r"""["'](proved|numeric|wrong|unchecked)["']""")


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in PACKAGE.rglob("*.py")}


def _imports(path: Path, name: str, known: set[str]) -> set[str]:
    """The package modules ``path`` imports, anywhere in it."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    is_package = path.name == "__init__.py"
    out: set[str] = set()
    for node in ast.walk(tree):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = name.split(".") if is_package else name.split(".")[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            # ``from pkg import sub`` imports the submodule; ``from pkg import name`` needs pkg's __init__
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names]
        for t in targets:
            if t in known:
                out.add(t)
    own_ancestors = {".".join(name.split(".")[:k]) for k in range(1, name.count(".") + 1)}
    for t in list(out):  # importing a.b.c runs a.b's __init__ too
        parts = t.split(".")
        for k in range(2, len(parts)):
            ancestor = ".".join(parts[:k])
            if ancestor in known and ancestor not in own_ancestors and ancestor != name:
                out.add(ancestor)
    out.discard(name)
    out.discard("derivations")  # the root package runs before anything of ours, whoever imports what
    return out


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    return {name: _imports(path, name, known) for name, path in modules.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_no_import_circle() -> None:
    assert _cycles(_graph()) == []


def test_the_cycle_finder_finds_a_planted_circle() -> None:
    graph = _graph()
    graph["derivations.verdict"] = graph["derivations.verdict"] | {"derivations.check.results"}
    assert any("derivations.verdict" in c for c in _cycles(graph))


def test_leaves_import_nothing_of_ours_but_the_leaves_below_them() -> None:
    graph = _graph()
    for leaf, allowed in LEAVES.items():
        assert graph[leaf] <= allowed, f"{leaf} imports {sorted(graph[leaf] - allowed)}"


def test_stages_import_one_way() -> None:
    """notation → check → report/grading; identities → verify → report (an arrow: the right imports the left)."""
    graph = _graph()
    forbidden = {
        "derivations.notation": ("derivations.check", "derivations.verify", "derivations.report", "derivations.grading",
                                 "derivations.identities", "derivations.cli"),
        "derivations.check": ("derivations.report", "derivations.grading", "derivations.identities",
                              "derivations.cli"),
        "derivations.identities": ("derivations.verify", "derivations.report", "derivations.grading",
                                   "derivations.check", "derivations.cli"),
        "derivations.verify": ("derivations.report", "derivations.grading", "derivations.cli"),
        "derivations.report": ("derivations.grading", "derivations.cli"),
        "derivations.grading": ("derivations.cli",),
    }  # fmt: skip
    for module, targets in graph.items():
        for stage, banned in forbidden.items():
            if module == stage or module.startswith(stage + "."):
                bad = sorted(t for t in targets if t.startswith(banned))
                assert not bad, f"{module} imports {bad}"


def test_at_most_eight_top_level_modules() -> None:
    top = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(top) <= 8, top


def test_verdict_names_are_spelled_only_in_the_verdict_module() -> None:
    found = []
    for path in PACKAGE.rglob("*.py"):
        if path.name == "verdict.py":
            continue
        for k, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if VERDICT_WORDS.search(line):
                found.append(f"{path.relative_to(ROOT)}:{k}: {line.strip()}")
    assert not found, "\n".join(found)
