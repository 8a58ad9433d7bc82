"""The dependencies a step names, for quantities the file never defines.

``∂C/∂w = ∂C/∂z · ∂z/∂w`` with neither C nor z given still says what depends on what: C on z, z on
w. Each fraction ∂X/∂Y with X undefined is an edge X → Y; an edge implied by a path through other
edges is dropped (∂C/∂w beside ∂C/∂z and ∂z/∂w: C reaches w through z). Each undefined X then
becomes an unknown function of what it points to (C = C(z), z = z(w)), read through its jets
(`derivations.check.jets`), and the step is checked for every such function.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field

from derivations.check.environment import Definition, Environment, SymbolTable
from derivations.check.evaluate import Context, is_abstract
from derivations.notation.tree import Call, Deriv, Func, Index, Node, Sum, Sym, walk


@dataclass
class Graph:
    """The environment with each undefined name defined as an unknown function of its parents."""

    env: Environment
    parents: dict[str, tuple[str, ...]] = field(default_factory=dict)
    sources: set[str] = field(default_factory=set)  # names at the bottom: variables, not functions
    closed: bool = True  # every undefined name the step uses is in the graph
    left: Node | None = None  # the step, with the entries it relates read as names (`freeze_entries`)
    right: Node | None = None

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


def _rebuild(node: Node, change: Callable[[Node], Node | None]) -> Node:
    """``node`` with every subtree that ``change`` maps to a new node replaced (outermost first)."""
    new = change(node)
    if new is not None:
        return new
    if not dataclasses.is_dataclass(node):
        return node
    values = {}
    for f in dataclasses.fields(node):
        v = getattr(node, f.name)
        if isinstance(v, Node):
            v = _rebuild(v, change)
        elif isinstance(v, tuple):
            v = tuple(_rebuild(x, change) if isinstance(x, Node) else x for x in v)
        values[f.name] = v
    return dataclasses.replace(node, **values)


def _entry_name(node: Node) -> str | None:
    """``z^{L}_{j}`` for the entry z^L_j written with letter indices, else None."""
    if isinstance(node, Index) and isinstance(node.base, Sym) and all(isinstance(i, Sym) for i in node.indices):
        letters = ",".join(i.name for i in node.indices if isinstance(i, Sym))
        return f"{node.base.name}_{{{letters}}}"
    return None


def freeze_entries(env: Environment, left: Node, right: Node) -> tuple[Environment, Node, Node]:
    """∂C/∂z^L_j = ∂C/∂a^L_j · ∂a^L_j/∂z^L_j: each entry a step differentiates or differentiates by, written with
    letter indices that no sum binds, read as a number of its own (z^L_j), so that the dependencies between
    entries can be read like those between names; δ^L_j defined by its entries (δ^L_j = ∂C/∂z^L_j) likewise."""
    summed = {n.var for side in (left, right) for n in walk(side) if isinstance(n, Sum)}
    entries: set[str] = set()
    for d in [n for side in (left, right) for n in walk(side) if isinstance(n, Deriv)]:
        for part in (d.of, d.wrt):
            name = _entry_name(part)
            if name and not ({i.name for i in part.indices if isinstance(i, Sym)} & summed):
                entries.add(part.base.name)
    if not entries:
        return env, left, right
    out = env.copy()

    def change(node: Node) -> Node | None:
        name = _entry_name(node)
        if name is None or not isinstance(node, Index) or not isinstance(node.base, Sym):
            return None
        base = node.base.name
        if {i.name for i in node.indices if isinstance(i, Sym)} & summed:
            return None  # a^L_k under Σ_k: an entry of the vector, not a name
        d = env.definitions.get(base)
        if base in entries and d is None:
            return Sym(name)
        if d is not None and d.index_params and len(d.index_params) == len(node.indices):
            if any(isinstance(n, Deriv) for n in walk(d.body)):  # δ^L_j = ∂C/∂z^L_j: the entry's own definition
                rename = {p: i for p, i in zip(d.index_params, node.indices)}
                body = _rebuild(d.body, lambda n: rename.get(n.name) if isinstance(n, Sym) else None)
                out.definitions[name] = Definition(name, _rebuild(body, change), d.line)
                return Sym(name)
        return None

    return out, _rebuild(left, change), _rebuild(right, change)


def dependencies(env: Environment, symbols: SymbolTable, left: Node, right: Node) -> Graph | None:
    """The step's graph of undefined quantities, or None if the step names none (or a cycle)."""
    env, left, right = freeze_entries(env, left, right)
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
    return Graph(graph_env, parents, sources, closed, left, right)
