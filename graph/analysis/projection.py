"""An in-memory snapshot of the portfolio graph: the input of every analysis.

:func:`graph.analysis.build.build_projection` reads a store once (its
version first, then every node and edge) into this compact, read-only
structure:

* nodes get integer ids in reference order, so both stores give the same ids;
* per node: kind code, properties, owner product id, platform flag and tier;
* every edge in arrays sorted by ``(from, type, to)``, with an offset index by
  source and one by target, so "the edges of type T leaving or reaching x"
  is a slice;
* for the impact walk, per node the elements that depend on it
  (:attr:`Projection.dependents`, one encoded int per edge) and the APIs a
  component offers (:attr:`Projection.offers`).

A networkx ``MultiDiGraph`` view is built only on request
(:meth:`Projection.networkx`): at 200,000 edges it costs several times the
memory of the arrays. :class:`graph.analysis.cache.ProjectionCache` keeps one
projection per store and brings it up to date (:mod:`graph.analysis.delta`)
when the store's graph version moves, so
replicas sharing a Neo4j database never answer from a stale graph for longer
than one request.
"""

from __future__ import annotations

import json
import threading
from array import array
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

import networkx as nx
import numpy as np

from schemas.edges import EdgeType
from schemas.refs import Kind

T = TypeVar("T")

KINDS: tuple[Kind, ...] = tuple(Kind)
KIND_CODE: dict[str, int] = {k.value: i for i, k in enumerate(KINDS)}
PRODUCT = KIND_CODE[Kind.PRODUCT]
COMPONENT = KIND_CODE[Kind.COMPONENT]
API = KIND_CODE[Kind.API]
CAPABILITY = KIND_CODE[Kind.CAPABILITY]
TECHNOLOGY = KIND_CODE[Kind.TECHNOLOGY]
#: Kind code of a channel facet: one channel of an event API (see :attr:`Projection.facet_api`).
CHANNEL = len(KINDS)

EDGE_TYPES: tuple[EdgeType, ...] = tuple(EdgeType)
EDGE_CODE: dict[str, int] = {t.value: i for i, t in enumerate(EDGE_TYPES)}
PART_OF = EDGE_CODE[EdgeType.PART_OF]
DEPENDS_ON = EDGE_CODE[EdgeType.DEPENDS_ON]
PROVIDES = EDGE_CODE[EdgeType.PROVIDES]
CONSUMES = EDGE_CODE[EdgeType.CONSUMES]
PUBLISHES = EDGE_CODE[EdgeType.PUBLISHES]
SUBSCRIBES = EDGE_CODE[EdgeType.SUBSCRIBES]
HAS_CAPABILITY = EDGE_CODE[EdgeType.HAS_CAPABILITY]
USES = EDGE_CODE[EdgeType.USES]

#: Edge types along which impact flows: the edge's source is affected by its target.
IMPACT_TYPES = frozenset({DEPENDS_ON, PART_OF, CONSUMES, SUBSCRIBES})
#: Edge types joining a component to the APIs it offers (the API changes with it).
OFFER_TYPES = frozenset({PROVIDES, PUBLISHES})

NO_OWNER = -1
#: :attr:`Projection.edge_strength` codes: 0 when the edge names no strength.
STRENGTH_CODE = {"hard": 1, "soft": 2}
_STRENGTH_NAME = {code: name for name, code in STRENGTH_CODE.items()}
_SOFT = 1
_DEFAULT_TIER = 2


def encode_dependent(node: int, edge_type: int, soft: bool) -> int:
    """Pack one entry of :attr:`Projection.dependents`: who depends, along what, how hard."""
    return (node << 5) | (edge_type << 1) | (_SOFT if soft else 0)


def decode_dependent(entry: int) -> tuple[int, int, bool]:
    """Unpack an entry of :attr:`Projection.dependents` into ``(node, edge type, soft)``."""
    return entry >> 5, (entry >> 1) & 0xF, bool(entry & _SOFT)


def is_soft(properties: Mapping[str, Any] | None) -> bool:
    """Whether an edge is marked soft (``strength: soft``); edges are hard by default."""
    if not properties:
        return False
    return str(properties.get("strength", "hard")).lower() == "soft"


def channels_of(properties: Mapping[str, Any] | None) -> frozenset[str]:
    """The channels a PUBLISHES or SUBSCRIBES edge declares (none: every channel)."""
    raw = properties.get("channels") if properties else None
    return frozenset(str(c) for c in raw) if isinstance(raw, list) else frozenset()


class EdgeProps:
    """Per edge, its properties beyond a strength (None for most edges), read like a list.

    Holds only the edges that carry more than a strength, as the JSON text the
    store gave or as a mapping; text is decoded the first time it is read, so
    building a projection decodes none of it. An edge whose properties are
    only a strength reads as None (the strength is in :attr:`Projection.edge_strength`).
    """

    __slots__ = ("_count", "_held")

    def __init__(self, count: int, held: dict[int, str | Mapping[str, Any]]) -> None:
        self._count = count
        self._held = held

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, edge: int) -> Mapping[str, Any] | None:
        if not -self._count <= edge < self._count:
            raise IndexError(edge)
        edge %= self._count
        value = self._held.get(edge)
        if not isinstance(value, str):
            return value
        decoded = json.loads(value)
        if isinstance(decoded, dict) and set(decoded) - {"strength"}:
            self._held[edge] = decoded
            return decoded
        self._held.pop(edge, None)
        return None

    def held(self) -> dict[int, str | Mapping[str, Any]]:
        """The edges that carry more than a strength, by index (text not yet decoded)."""
        return dict(self._held)

    def __eq__(self, other: object) -> bool:
        """Same length and the same properties read at every edge (text decoded to compare)."""
        if self is other:
            return True
        if not isinstance(other, EdgeProps):
            return NotImplemented
        if self._count != other._count:
            return False
        return all(self[e] == other[e] for e in self._held.keys() | other._held.keys())

    __hash__ = None  # type: ignore[assignment]


@dataclass(frozen=True, slots=True, eq=False)
class Projection:
    """A read-only snapshot of the graph at :attr:`version`, in compact form.

    Analyses read it and never change it; the only mutable part is
    :meth:`memo`, a cache of derived structures (computed once, under a lock).
    """

    version: int
    refs: list[str]
    index: dict[str, int]
    kinds: bytes
    props: list[Mapping[str, Any]]
    owner: array[int]
    platform: bytes
    tier: bytes
    edge_src: array[int]
    edge_type: bytes
    edge_dst: array[int]
    edge_props: EdgeProps
    edge_strength: bytes
    out_start: array[int]
    in_order: array[int]
    in_start: array[int]
    dependents: list[tuple[int, ...]]
    offers: list[tuple[int, ...]]
    node_count: int
    facet_api: array[int]
    facet_channel: list[str]
    #: refs in :attr:`refs` no store node stands behind (a component's ``product`` naming
    #: a product nobody wrote, say): kept so a later delta knows what is a stub
    stubs: frozenset[str] = frozenset()
    _memo: dict[str, Any] = field(default_factory=dict, repr=False)
    _memo_lock: threading.RLock = field(default_factory=threading.RLock, repr=False)

    # ----------------------------------------------------------------- nodes

    def __len__(self) -> int:
        return len(self.refs)

    def __contains__(self, ref: object) -> bool:
        return ref in self.index

    @property
    def edge_count(self) -> int:
        return len(self.edge_src)

    def kind(self, node: int) -> Kind:
        return KINDS[self.kinds[self.base(node)]]

    def base(self, node: int) -> int:
        """The element a node stands for: the API of a channel facet, else the node itself."""
        return node if node < self.node_count else self.facet_api[node - self.node_count]

    def channel(self, node: int) -> str | None:
        """The channel of a channel facet, None for an element."""
        return None if node < self.node_count else self.facet_channel[node - self.node_count]

    def nodes_of(self, kind: Kind | str) -> list[int]:
        """Ids of every node of one kind, in reference order (computed once per kind)."""
        code = KIND_CODE[Kind(kind).value]
        return self.memo(
            f"nodes:{code}",
            lambda p: np.flatnonzero(np.frombuffer(p.kinds, dtype=np.uint8) == code).tolist(),
        )

    def name(self, node: int) -> str:
        """The display name, or the slug when there is none."""
        name = self.props[node].get("name")
        return str(name) if name else self.refs[node].partition(":")[2]

    def product_tier(self, product: int) -> int:
        return self.tier[product] or _DEFAULT_TIER

    def owner_ref(self, node: int) -> str | None:
        owner = self.owner[node]
        return self.refs[owner] if owner != NO_OWNER else None

    def is_platform(self, node: int) -> bool:
        return bool(self.platform[node])

    # ----------------------------------------------------------------- edges

    def out_edges(self, node: int, edge_type: int | None = None) -> Iterator[int]:
        """Indexes of the edges leaving *node* (of one type, or all)."""
        for e in range(self.out_start[node], self.out_start[node + 1]):
            if edge_type is None or self.edge_type[e] == edge_type:
                yield e

    def in_edges(self, node: int, edge_type: int | None = None) -> Iterator[int]:
        """Indexes of the edges reaching *node* (of one type, or all)."""
        for k in range(self.in_start[node], self.in_start[node + 1]):
            e = self.in_order[k]
            if edge_type is None or self.edge_type[e] == edge_type:
                yield e

    def successors(self, node: int, edge_type: int) -> list[int]:
        return [self.edge_dst[e] for e in self.out_edges(node, edge_type)]

    def predecessors(self, node: int, edge_type: int) -> list[int]:
        return [self.edge_src[e] for e in self.in_edges(node, edge_type)]

    def find_edge(self, src: int, edge_type: int, dst: int) -> int | None:
        """The index of edge ``src -[type]-> dst``, or None."""
        for e in self.out_edges(src, edge_type):
            if self.edge_dst[e] == dst:
                return e
        return None

    def edge_properties(self, edge: int) -> Mapping[str, Any]:
        props = self.edge_props[edge]
        code = self.edge_strength[edge]
        if not code:
            return props or {}
        return {**(props or {}), "strength": _STRENGTH_NAME[code]}

    def edge_is_soft(self, edge: int) -> bool:
        return self.edge_strength[edge] == STRENGTH_CODE["soft"]

    def edge_kind(self, edge: int) -> EdgeType:
        """The type of edge *edge* (``DEPENDS_ON``, ``CONSUMES`` ...)."""
        return EDGE_TYPES[self.edge_type[edge]]

    # ------------------------------------------------------------ derived data

    def memo(self, key: str, compute: Callable[[Projection], T]) -> T:
        """``compute(self)`` once per projection; later calls return the cached value."""
        try:
            return self._memo[key]  # type: ignore[no-any-return]
        except KeyError:
            pass
        with self._memo_lock:
            if key not in self._memo:
                self._memo[key] = compute(self)
            return self._memo[key]  # type: ignore[no-any-return]

    def memo_peek(self, key: str) -> object | None:
        """What :meth:`memo` holds under *key*, None when not computed yet."""
        return self._memo.get(key)

    def networkx(self) -> nx.MultiDiGraph:
        """The graph as a networkx ``MultiDiGraph`` keyed by reference (built once, lazily).

        Nodes carry ``kind`` and their properties; edges carry ``type`` (also the
        key) and their properties. Treat it as read-only: it is shared.
        """
        return self.memo("networkx", _to_networkx)


def _to_networkx(p: Projection) -> nx.MultiDiGraph:
    g = nx.MultiDiGraph(version=p.version)
    for i in range(p.node_count):
        g.add_node(p.refs[i], kind=p.kind(i).value, **p.props[i])
    for e in range(p.edge_count):
        etype = EDGE_TYPES[p.edge_type[e]].value
        g.add_edge(
            p.refs[p.edge_src[e]],
            p.refs[p.edge_dst[e]],
            key=etype,
            type=etype,
            **p.edge_properties(e),
        )
    return g


__all__ = [
    "NO_OWNER",
    "STRENGTH_CODE",
    "EdgeProps",
    "Projection",
    "channels_of",
    "decode_dependent",
    "encode_dependent",
    "is_soft",
]
