"""The steps of a projection build, over numpy arrays, each usable on its own.

:class:`EdgeReader` turns pages of edges (refs, type and properties as JSON
text, or decoded) into int columns, decoding only the properties that carry
more than a strength; the functions after it take int arrays and return the
:class:`~graph.analysis.projection.Projection`'s derived fields: edge order,
offsets, owners, channel facets, dependents and offers. No step loops in
Python over every edge; the loops left run over components (owner chains)
or over the few edges whose properties name channels.
"""

from __future__ import annotations

import json
from array import array
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import repeat
from operator import itemgetter
from typing import Any

import numpy as np
import numpy.typing as npt

from graph.analysis.projection import (
    API,
    COMPONENT,
    CONSUMES,
    DEPENDS_ON,
    EDGE_CODE,
    EDGE_TYPES,
    NO_OWNER,
    PART_OF,
    PRODUCT,
    PROVIDES,
    PUBLISHES,
    STRENGTH_CODE,
    SUBSCRIBES,
    EdgeProps,
    channels_of,
    is_soft,
)
from graph.storage import EdgeFactText

I32 = npt.NDArray[np.int32]
I64 = npt.NDArray[np.int64]
U8 = npt.NDArray[np.uint8]

HARD, SOFT = STRENGTH_CODE["hard"], STRENGTH_CODE["soft"]
#: Properties texts that are nothing but a strength (or nothing), as stores write them.
_TEXT_STRENGTH = {"{}": 0, '{"strength":"hard"}': HARD, '{"strength":"soft"}': SOFT}
_UNSEEN = 255
_IMPACT_CODES = np.array(sorted({DEPENDS_ON, PART_OF, CONSUMES, SUBSCRIBES}), dtype=np.int8)
_DEFAULT_TIER = 2


def strength_code(props: Mapping[str, Any] | None) -> int:
    """The :data:`STRENGTH_CODE` an edge's properties name, 0 when they name none."""
    if props and "strength" in props:
        return SOFT if is_soft(props) else HARD
    return 0


def _beyond_strength(props: Mapping[str, Any] | None) -> bool:
    return bool(props) and any(k != "strength" for k in props)  # type: ignore[union-attr]


def int_array(values: npt.NDArray[Any]) -> array[int]:
    """A numpy int vector as the ``array('i')`` the projection keeps."""
    out = array("i")
    out.frombytes(np.ascontiguousarray(values, dtype=np.int32).tobytes())
    return out


@dataclass
class EdgeColumns:
    """Edges as read, one row each, before the node ids are final.

    ``src``/``dst`` are positions in the node list read (-1 for a ref it
    lacks, listed in :attr:`unknown`); :attr:`held` keeps, by row, the
    properties that carry more than a strength (text or mapping).
    """

    src: I32
    etype: npt.NDArray[np.int8]
    dst: I32
    strength: U8
    held: dict[int, str | Mapping[str, Any]] = field(default_factory=dict)
    unknown: list[tuple[int, int, str]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.src)


class EdgeReader:
    """Collects pages of edges into :class:`EdgeColumns` against a ref -> position index."""

    def __init__(self, index: Mapping[str, int]) -> None:
        self._get = index.get
        self._parts: list[tuple[I32, npt.NDArray[np.int8], I32, U8]] = []
        self._held: dict[int, str | Mapping[str, Any]] = {}
        self._unknown: list[tuple[int, int, str]] = []
        self._rows = 0

    def add_texts(self, page: Sequence[EdgeFactText]) -> None:
        """Add ``(from, type, to, properties JSON text)`` rows; other edge types are dropped."""
        m = len(page)
        etype = np.fromiter(map(EDGE_CODE.get, map(itemgetter(1), page), repeat(-1)), np.int8, m)
        strength = np.fromiter(
            map(_TEXT_STRENGTH.get, map(itemgetter(3), page), repeat(_UNSEEN)), np.uint8, m
        )
        if not (etype >= 0).all():
            kept = np.flatnonzero(etype >= 0)
            page = [page[i] for i in kept.tolist()]
            etype, strength, m = etype[kept], strength[kept], len(kept)
        for i in np.flatnonzero(strength == _UNSEEN).tolist():
            text = page[i][3]
            if "strength" in text or "\\u" in text:  # may name a strength: decode now
                props = json.loads(text)
                strength[i] = strength_code(props)
                if _beyond_strength(props):
                    self._held[self._rows + i] = props
            else:
                strength[i] = 0
                self._held[self._rows + i] = text
        src = self._ids(map(itemgetter(0), page), m, 0, lambda i: page[i][0])
        dst = self._ids(map(itemgetter(2), page), m, 1, lambda i: page[i][2])
        self._add(src, etype, dst, strength)

    def add_facts(self, rows: Iterable[tuple[str, str, str, Mapping[str, Any] | None]]) -> None:
        """Add rows whose properties are already decoded."""
        srcs: list[str] = []
        dsts: list[str] = []
        types: list[int] = []
        strengths: list[int] = []
        for src, etype, dst, props in rows:
            code = EDGE_CODE.get(etype)
            if code is None:
                continue
            if _beyond_strength(props):
                self._held[self._rows + len(srcs)] = props  # type: ignore[assignment]
            srcs.append(src)
            dsts.append(dst)
            types.append(code)
            strengths.append(strength_code(props))
        m = len(srcs)
        self._add(
            self._ids(srcs, m, 0, srcs.__getitem__),
            np.array(types, dtype=np.int8),
            self._ids(dsts, m, 1, dsts.__getitem__),
            np.array(strengths, dtype=np.uint8),
        )

    def _ids(self, refs: Iterable[str], m: int, end: int, ref_at: Callable[[int], str]) -> I32:
        """Positions of *refs* in the node list; the ones it lacks are noted in ``unknown``."""
        ids = np.fromiter(map(self._get, refs, repeat(-1)), np.int32, m)
        missing = np.flatnonzero(ids < 0).tolist()
        self._unknown += [(self._rows + i, end, ref_at(i)) for i in missing]
        return ids

    def _add(self, src: I32, etype: npt.NDArray[np.int8], dst: I32, strength: U8) -> None:
        self._parts.append((src, etype, dst, strength))
        self._rows += len(src)

    def columns(self) -> EdgeColumns:
        parts = self._parts or [
            (
                np.empty(0, np.int32),
                np.empty(0, np.int8),
                np.empty(0, np.int32),
                np.empty(0, np.uint8),
            )
        ]
        src, etype, dst, strength = (np.concatenate(col) for col in zip(*parts, strict=True))
        return EdgeColumns(src, etype, dst, strength, self._held, self._unknown)


@dataclass(frozen=True)
class SortedEdges:
    """Edges sorted by ``(from, type, to)`` with duplicates dropped (the last read wins)."""

    src: I32
    etype: npt.NDArray[np.int8]
    dst: I32
    strength: U8
    props: EdgeProps


def sort_edges(
    src: I32, etype: npt.NDArray[np.int8], dst: I32, strength: U8, held: Mapping[int, Any], n: int
) -> SortedEdges:
    """Sort rows by ``(from, type, to)`` through one int64 key; *held* follows its rows."""
    key = (src.astype(np.int64) * len(EDGE_TYPES) + etype) * max(n, 1) + dst
    order = np.argsort(key, kind="stable")
    ordered = key[order]
    last = np.ones(len(order), dtype=np.bool_)
    last[:-1] = ordered[1:] != ordered[:-1]
    order = order[last]
    position = np.full(len(src), -1, dtype=np.int64)
    position[order] = np.arange(len(order))
    props = {int(position[row]): v for row, v in held.items() if position[row] >= 0}
    return SortedEdges(
        src[order], etype[order], dst[order], strength[order], EdgeProps(len(order), props)
    )


def offsets(ids: I32, n: int) -> I32:
    """``start`` with ``start[i]:start[i+1]`` the rows of node *i* in ids grouped by node."""
    start = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(np.bincount(ids, minlength=n), out=start[1:])
    return start


def first_part_of(edges: SortedEdges, n: int) -> I32:
    """Per node, the target of its first PART_OF edge (in edge order), -1 when none."""
    parent = np.full(n, -1, dtype=np.int32)
    part_of = np.flatnonzero(edges.etype == PART_OF)
    src = edges.src[part_of]
    first = np.ones(len(src), dtype=np.bool_)
    first[1:] = src[1:] != src[:-1]
    parent[src[first]] = edges.dst[part_of[first]]
    return parent


def _is_platform_component(props: Mapping[str, Any]) -> bool:
    return props.get("platform") is True or props.get("type") == "platform"


def product_tier(props: Mapping[str, Any]) -> int:
    """A product's tier: its ``tier`` field when 1, 2 or 3, else the default."""
    raw = props.get("tier", _DEFAULT_TIER)
    return raw if isinstance(raw, int) and 1 <= raw <= 3 else _DEFAULT_TIER


def component_owner(
    i: int,
    kinds: bytes,
    props: Sequence[Mapping[str, Any]],
    index: Mapping[str, int],
    parent: Callable[[int], int | None],
) -> tuple[int, int]:
    """``(owner, platform flag)`` of component *i* (the rule in :func:`owners`).

    *parent* gives a node's first PART_OF target, or None. The build and the
    delta (:mod:`graph.analysis.delta`) both call it, so they agree.
    """
    seen = {i}
    node = i
    while True:
        if kinds[node] == PRODUCT:
            return node, 0
        node_props = props[node]
        if _is_platform_component(node_props):
            return NO_OWNER, 1
        up = parent(node)
        if up is None or up in seen:
            slug = node_props.get("product")
            if isinstance(slug, str):
                return index.get(f"product:{slug}", NO_OWNER), 0
            return NO_OWNER, 0
        seen.add(up)
        node = up


def owners(
    refs: Sequence[str],
    kinds: bytes,
    props: Sequence[Mapping[str, Any]],
    index: Mapping[str, int],
    parent: I32,
) -> tuple[I32, U8, U8]:
    """Owner product, platform flag and tier per node (APIs: see :func:`api_owners`).

    A component's owner is the product its PART_OF chain reaches (the first
    PART_OF edge, in reference order, at each step), else the ``product``
    field where the chain stops. A component flagged platform, or part of
    one, has no owner (:func:`component_owner`).
    """
    n = len(refs)
    owner = np.full(n, NO_OWNER, dtype=np.int32)
    platform = np.zeros(n, dtype=np.uint8)
    tier = np.zeros(n, dtype=np.uint8)
    up_of: list[int | None] = [None if up < 0 else up for up in parent.tolist()]
    code = np.frombuffer(kinds, dtype=np.uint8)
    for i in np.flatnonzero(code == PRODUCT).tolist():
        tier[i] = product_tier(props[i])
    for i in np.flatnonzero(code == COMPONENT).tolist():
        owner[i], platform[i] = component_owner(i, kinds, props, index, up_of.__getitem__)
    return owner, platform, tier


def api_owners(kinds: bytes, edges: SortedEdges, owner: I32, platform: U8) -> None:
    """Give each API the owner and platform flag of its first provider (then publisher)."""
    offer = np.flatnonzero((edges.etype == PROVIDES) | (edges.etype == PUBLISHES))
    api, src = edges.dst[offer], edges.src[offer]
    order = np.lexsort((src, edges.etype[offer] != PROVIDES, api))
    api, src = api[order], src[order]
    first = np.ones(len(api), dtype=np.bool_)
    first[1:] = api[1:] != api[:-1]
    api, src = api[first], src[first]
    is_api = np.frombuffer(kinds, dtype=np.uint8)[api] == API
    api, src = api[is_api], src[is_api]
    owner[api] = owner[src]
    platform[api] = platform[src]


def channel_facets(edges: SortedEdges) -> list[tuple[int, str]]:
    """``(api, channel)`` for every channel some PUBLISHES or SUBSCRIBES edge names, sorted."""
    found: set[tuple[int, str]] = set()
    for e in edges.props.held():
        if edges.etype[e] in (PUBLISHES, SUBSCRIBES):
            found.update((int(edges.dst[e]), ch) for ch in channels_of(edges.props[e]))
    return sorted(found)


def grouped(nodes: I64, values: I64, total: int, unique: bool) -> list[tuple[int, ...]]:
    """Per node ``0..total-1``, the sorted *values* paired with it (without repeats if *unique*)."""
    order = np.lexsort((values, nodes))
    nodes, values = nodes[order], values[order]
    if unique and len(nodes):
        keep = np.ones(len(nodes), dtype=np.bool_)
        keep[1:] = (nodes[1:] != nodes[:-1]) | (values[1:] != values[:-1])
        nodes, values = nodes[keep], values[keep]
    flat = values.tolist()
    bounds = np.zeros(total + 1, dtype=np.int64)
    np.cumsum(np.bincount(nodes, minlength=total), out=bounds[1:])
    none: tuple[int, ...] = ()
    out = [none] * total
    b = bounds.tolist()
    for node in np.flatnonzero(np.diff(bounds)).tolist():
        out[node] = tuple(flat[b[node] : b[node + 1]])
    return out


def impact_lists(
    kinds: bytes, edges: SortedEdges, facets: list[tuple[int, str]]
) -> tuple[list[tuple[int, ...]], list[tuple[int, ...]]]:
    """Per node: who depends on it (encoded entries) and which APIs it offers.

    Event APIs whose edges name channels get one facet node per channel
    (ids after the elements'). A publisher naming its channels offers those
    facets rather than the whole API; a facet's dependents are the
    subscribers naming its channel or none. So a publisher's change reaches
    only the subscribers of what it publishes, while a change to the API
    itself (a target, or a provider's change) still reaches every consumer
    and subscriber.
    """
    n = len(kinds)
    total = n + len(facets)
    src, etype, dst = edges.src.astype(np.int64), edges.etype.astype(np.int64), edges.dst
    kind = np.frombuffer(kinds, dtype=np.uint8)
    entries = (src << 5) | (etype << 1) | (edges.strength == SOFT)
    impact = np.isin(etype, _IMPACT_CODES) & ((kind[dst] == COMPONENT) | (kind[dst] == API))
    dep_nodes, dep_values = [dst[impact].astype(np.int64)], [entries[impact]]

    facet_id = {f: n + i for i, f in enumerate(facets)}
    facets_of: dict[int, list[int]] = {}
    for (api, _), fid in facet_id.items():
        facets_of.setdefault(api, []).append(fid)
    has_facets = np.zeros(n, dtype=np.bool_)
    has_facets[list(facets_of)] = True
    extra_nodes: list[int] = []
    extra_values: list[int] = []
    for e in np.flatnonzero(impact & (etype == SUBSCRIBES) & has_facets[dst]).tolist():
        named = channels_of(edges.props[e])
        api = int(dst[e])
        fids = [facet_id[(api, ch)] for ch in named] if named else facets_of[api]
        extra_nodes += fids
        extra_values += [int(entries[e])] * len(fids)

    offer = np.flatnonzero((etype == PROVIDES) | (etype == PUBLISHES))
    offer_nodes, offer_values = [src[offer]], [dst[offer].astype(np.int64)]
    for e in edges.props.held():
        if etype[e] == PUBLISHES and (named := channels_of(edges.props[e])):
            offer_values[0][np.searchsorted(offer, e)] = -1  # its facets instead
            extra = [facet_id[(int(dst[e]), ch)] for ch in named]
            offer_nodes.append(np.full(len(extra), src[e], dtype=np.int64))
            offer_values.append(np.array(extra, dtype=np.int64))
    onodes, ovalues = np.concatenate(offer_nodes), np.concatenate(offer_values)
    dependents = grouped(
        np.concatenate([*dep_nodes, np.array(extra_nodes, dtype=np.int64)]),
        np.concatenate([*dep_values, np.array(extra_values, dtype=np.int64)]),
        total,
        unique=False,
    )
    kept = ovalues >= 0
    return dependents, grouped(onodes[kept], ovalues[kept], total, unique=True)


__all__ = [
    "EdgeColumns",
    "EdgeReader",
    "SortedEdges",
    "api_owners",
    "channel_facets",
    "component_owner",
    "first_part_of",
    "grouped",
    "impact_lists",
    "int_array",
    "offsets",
    "owners",
    "product_tier",
    "sort_edges",
    "strength_code",
]
