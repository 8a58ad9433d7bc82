"""The dependencies a step names, for quantities the file never defines.

``∂C/∂w = ∂C/∂z · ∂z/∂w`` with neither C nor z given still says what depends on what: C on z, z on
w. Each fraction ∂X/∂Y with X undefined is an edge X → Y; an edge implied by a path through other
edges is dropped (∂C/∂w beside ∂C/∂z and ∂z/∂w: C reaches w through z). Each undefined X then
becomes an unknown function of what it points to (C = C(z), z = z(w)), read through its jets
(`derivations.check.jets`), and the step is checked for every such function.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from derivations.check.environment import Definition, Environment, SymbolTable
from derivations.check.evaluate import Context, is_abstract
from derivations.notation.tree import Call, Deriv, Func, Index, Node, Sym, walk


@dataclass
class Graph:
    """The environment with each undefined name defined as an unknown function of its parents."""

    env: Environment
    parents: dict[str, tuple[str, ...]] = field(default_factory=dict)
    sources: set[str] = field(default_factory=set)  # names at the bottom: variables, not functions
    closed: bool = True  # every undefined name the step uses is in the graph

    def describe(self) -> str:
        """``C = C(z), z = z(w)``."""
        return ", ".join(f"{x} = {x}({', '.join(ps)})" for x, ps in self.parents.items())


def _names(node: Node) -> set[str]:
    out = {n.name for n in walk(node) if isinstance(n, Sym)}
    out |= {n.base.name for n in walk(node) if isinstance(n, Index) and isinstance(n.base, Sym)}
    return out


def _derivative_nodes(nodes: list[Node], env: Environment) -> list[Deriv]:
    """The derivatives in ``nodes`` and in the bodies of the definitions they use (δ = ∂C/∂z), transitively."""
    out: list[Deriv] = []
    seen: set[str] = set()
    todo = list(nodes)
    while todo:
        node = todo.pop()
        for n in walk(node):
            if isinstance(n, Deriv):
                out.append(n)
        for name in _names(node) - seen:
            seen.add(name)
            d = env.definitions.get(name)
            if d is not None and not d.params and any(isinstance(n, Deriv) for n in walk(d.body)):
                todo.append(d.body)
    return out


def _reaches(parents: dict[str, set[str]], start: str, goal: str, skip: tuple[str, str]) -> bool:
    """Whether ``goal`` is reachable from ``start`` without the edge ``skip``."""
    stack, seen = [start], set()
    while stack:
        x = stack.pop()
        for p in parents.get(x, ()):
            if (x, p) == skip or p in seen:
                continue
            if p == goal:
                return True
            seen.add(p)
            stack.append(p)
    return False


def dependencies(env: Environment, symbols: SymbolTable, left: Node, right: Node) -> Graph | None:
    """The step's graph of undefined quantities, or None if the step names none (or a cycle)."""
    ctx = Context(env, symbols, 3, {})

    def undefined(name: str) -> bool:
        return is_abstract(Sym(name), ctx)

    edges: dict[str, set[str]] = {}
    for d in _derivative_nodes([left, right], env):
        if not (isinstance(d.of, Sym) and isinstance(d.wrt, Sym)):
            continue
        x, y = d.of.name, d.wrt.name
        if x != y and undefined(x):
            edges.setdefault(x, set()).add(y)
    if not edges:
        return None
    for x in list(edges):  # ∂C/∂w beside ∂C/∂z·∂z/∂w: C reaches w through z, not directly
        for y in sorted(edges[x]):
            if _reaches(edges, x, y, (x, y)):
                edges[x].discard(y)
    if any(_reaches(edges, x, x, ("", "")) for x in edges):
        return None  # ∂a/∂b beside ∂b/∂a: no order of dependence
    graph_env = env.copy()
    parents: dict[str, tuple[str, ...]] = {}
    for x, ps in edges.items():
        args = tuple(sorted(ps))
        parents[x] = args
        graph_env.definitions[x] = Definition(x, Call(Func(x), tuple(Sym(p) for p in args)), 0)
        graph_env.unknown_functions.add(x)
        graph_env.graph_functions.add(x)
    nodes = set(edges) | {p for ps in edges.values() for p in ps}
    sources = {p for ps in edges.values() for p in ps if p not in edges}
    used = {name for name in _names(left) | _names(right) if undefined(name)}
    roots = set(edges) - {p for ps in edges.values() for p in ps}
    graph_env.graph_roots |= roots
    closed = used <= nodes and len(roots) == 1  # one quantity at the top, every name of the step below it
    return Graph(graph_env, parents, sources, closed)
