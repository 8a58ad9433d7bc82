"""A generic layer's definitions at the other layers a step names.

Notes on backpropagation define layer l once — ``u^l_m = \\sum_r v^l_{mr} g^{l-1}_r + c^l_m``,
``g^l_m = σ(u^l_m)``, ``δ^l_m = ∂E/∂u^l_m`` — and then use layer l + 1 as well: ``δ^l_m = Σ_r δ^{l+1}_r
∂u^{l+1}_r/∂u^l_m``. A superscript l (l ± k) that numbers layers (the parser's `layer_letters`) makes a
definition hold for every layer: `at_layers` adds, for the step at hand, each such definition shifted to
every layer from its own up to the highest the step names (every tag l + j in the body becomes
l + j + s). The layers above the highest one named are the loss's business: a loss the file never
defines is then a function of the top layer's outputs, which is exact for a feed-forward network.
"""

from __future__ import annotations

import re
from dataclasses import replace

from derivations.check.environment import Definition, Environment
from derivations.notation.tree import Index, Node, Sym, walk

#: ``u^{l}``, ``g^{l-1}``, ``v^{l+1}_{…}`` as a name: its family, the layer letter and the offset.
LAYER_TAG = re.compile(r"^(.+)\^\{\s*([A-Za-z])\s*(?:([+-])\s*(\d+))?\s*\}$")


def layer_of(name: str, letters: set[str]) -> tuple[str, str, int] | None:
    """(family, letter, offset) of a name tagged with a layer l ± k, or None."""
    m = LAYER_TAG.match(name)
    if m is None or m.group(2) not in letters:
        return None
    offset = int(m.group(4) or 0) * (-1 if m.group(3) == "-" else 1)
    return m.group(1), m.group(2), offset


def tagged(family: str, letter: str, offset: int) -> str:
    """The name of ``family`` at layer letter + offset: u^{l}, u^{l+1}, g^{l-1}."""
    if offset == 0:
        return f"{family}^{{{letter}}}"
    return f"{family}^{{{letter}{'+' if offset > 0 else '-'}{abs(offset)}}}"


def shift(node: Node, letter: str, by: int, letters: set[str], to: str = "") -> Node:
    """``node`` with every name of layer letter + j renamed to letter + j + by (``to``: to layer to + j + by,
    l → L)."""

    def rename(n: Node) -> Node:
        if isinstance(n, Sym):
            found = layer_of(n.name, letters)
            if found is not None and found[1] == letter:
                return Sym(tagged(found[0], to or letter, found[2] + by))
            return n
        return _rebuild(n, rename)

    return rename(node)


def _rebuild(node: Node, f) -> Node:
    """``node`` with ``f`` applied to each child node (tuples of nodes and a `Cases`' pairs too)."""
    changes = {}
    for key, value in vars(node).items():
        if isinstance(value, Node):
            changes[key] = f(value)
        elif isinstance(value, tuple):
            changes[key] = tuple(_rebuild_item(item, f) for item in value)
    return replace(node, **changes) if changes else node


def _rebuild_item(item, f):
    if isinstance(item, Node):
        return f(item)
    if isinstance(item, tuple):
        return tuple(_rebuild_item(sub, f) for sub in item)
    return item


def _names(nodes: tuple[Node, ...]) -> set[str]:
    out = set()
    for node in nodes:
        for n in walk(node):
            if isinstance(n, Sym):
                out.add(n.name)
            elif isinstance(n, Index) and isinstance(n.base, Sym):
                out.add(n.base.name)
    return out


def at_layers(env: Environment, letters: set[str], *nodes: Node) -> Environment:
    """``env`` with the generic layer's definitions also at the layers the nodes name above their own (the
    same environment if there are none to add)."""
    if not letters:
        return env
    generic: dict[tuple[str, str], Definition] = {}
    for d in env.definitions.values():
        found = layer_of(d.name, letters)
        if found is not None:
            generic.setdefault((found[0], found[1]), d)
    if not generic:
        return env
    added = _at_named_layers(env, generic, letters, nodes)
    top: dict[str, int] = {}
    for name in _names(nodes):
        found = layer_of(name, letters)
        if found is not None and (found[0], found[1]) in generic:
            top[found[1]] = max(top.get(found[1], found[2]), found[2])
    for (family, letter), d in generic.items():
        if letter not in top:
            continue
        own = layer_of(d.name, letters)[2]
        for offset in range(own + 1, top[letter] + 1):
            name = tagged(family, letter, offset)
            if name in env.definitions or name in added:
                continue
            by = offset - own
            added[name] = Definition(name, shift(d.body, letter, by, letters), d.line, d.params, d.index_params)
    if not added:
        return env
    return replace(env, definitions={**env.definitions, **added})


def _at_named_layers(
    env: Environment, generic: dict[tuple[str, str], Definition], letters: set[str], nodes: tuple[Node, ...]
) -> dict[str, Definition]:
    """The generic layer's definitions at a layer named by another capital letter (a^L_j = σ(z^L_j) after
    a^l_j = σ(z^l_j): L, the output layer, is a layer too), for the names of that letter the nodes use."""
    added: dict[str, Definition] = {}
    by_family = {family: (letter, d) for (family, letter), d in generic.items()}
    for name in sorted(_names(nodes)):
        m = LAYER_TAG.match(name)
        if m is None or not m.group(2).isupper() or m.group(1) not in by_family:
            continue
        letter, d = by_family[m.group(1)]
        if letter == m.group(2) or (m.group(1), m.group(2)) in generic:
            continue
        offset = int(m.group(4) or 0) * (-1 if m.group(3) == "-" else 1)
        if name in env.definitions or name in added:
            continue
        own = layer_of(d.name, letters)[2]
        body = shift(d.body, letter, offset - own, letters, to=m.group(2))
        added[name] = Definition(name, body, d.line, d.params, d.index_params)
    return added
