"""Building a :class:`~graph.analysis.projection.Projection`.

:func:`build_projection` reads a store once; :func:`projection_as_of` projects
the graph as it was at a point of the change log; :func:`projection_from_records`
builds from plain records (tests call it directly). All three hand their
rows to :func:`assemble`, which does the work over numpy arrays with the
steps of :mod:`graph.analysis.build_arrays`.

A build reads nodes with their properties (analysis reads them everywhere)
and edges with their properties as JSON text: a text that is only a strength
(most edges) becomes one byte, and the rest is kept undecoded until a
question reads it (:class:`~graph.analysis.projection.EdgeProps`).
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from itertools import pairwise, repeat
from typing import Any, Protocol

import numpy as np

from graph.analysis.build_arrays import (
    EdgeColumns,
    EdgeReader,
    api_owners,
    channel_facets,
    component_owner,
    first_part_of,
    impact_lists,
    int_array,
    offsets,
    owners,
    product_tier,
    sort_edges,
)
from graph.analysis.projection import (
    CHANNEL,
    KIND_CODE,
    Projection,
)
from graph.storage import EdgeFact, GraphSnapshot, GraphStore, NodeFact, Point, graph_as_of
from schemas.refs import Kind

_ADR = KIND_CODE[Kind.ADR]
_PRODUCT_KIND = Kind.PRODUCT.value
_COMPONENT_KIND = Kind.COMPONENT.value


class FactSource(Protocol):
    """What a build reads: a :class:`~graph.storage.GraphStore` or anything speaking its facts."""

    def version(self) -> int: ...
    def iter_node_facts(self) -> Iterator[NodeFact]: ...
    def iter_edge_facts(self) -> Iterator[EdgeFact]: ...


def build_projection(store: FactSource) -> Projection:
    """Read *store* into a :class:`Projection`: exactly the graph at the version it is stamped with.

    A ``GraphStore`` is read through
    :meth:`~graph.storage.GraphStore.read_consistent`: version, node facts
    and edge fact pages (JSON text, a page at a time) from one consistent
    snapshot, so a write landing during the build is either wholly in it
    (and in its version) or not at all. Anything else speaking
    :class:`FactSource` is read version first, so a write landing while it
    is read leaves the projection stamped older than what it holds.
    """
    with _collector_paused():
        return _read(store)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """No cyclic garbage collection while a build allocates its row tuples.

    A build creates and drops a few hundred thousand tuples with nothing
    cyclic among them; collecting while they pile up only rescans them.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _read(store: FactSource) -> Projection:
    if isinstance(store, GraphStore):
        return assemble(*store.read_consistent(_read_snapshot))
    version = store.version()
    refs, kinds, props = _node_columns(store.iter_node_facts())
    reader = EdgeReader({ref: i for i, ref in enumerate(refs)})
    reader.add_facts(store.iter_edge_facts())
    return assemble(version, refs, kinds, props, reader.columns())


Columns = tuple[int, list[str], list[str], list[Mapping[str, Any]], EdgeColumns]


def _read_snapshot(snap: GraphSnapshot) -> Columns:
    """What :func:`assemble` takes, read from one snapshot (may run more than once)."""
    refs, kinds, props = _node_columns(snap.iter_node_facts())
    reader = EdgeReader({ref: i for i, ref in enumerate(refs)})
    for page in snap.iter_edge_fact_pages():
        reader.add_texts(page)
    return snap.version, refs, kinds, props, reader.columns()


def _node_columns(
    facts: Iterable[NodeFact],
) -> tuple[list[str], list[str], list[Mapping[str, Any]]]:
    refs: list[str] = []
    kinds: list[str] = []
    props: list[Mapping[str, Any]] = []
    for ref, kind, node_props in facts:
        refs.append(ref)
        kinds.append(kind)
        props.append(node_props)
    return refs, kinds, props


def projection_as_of(store: GraphStore, point: Point) -> Projection:
    """The projection of the graph as it was at *point*, stamped with the version then."""
    graph = graph_as_of(store, point)
    return projection_from_records(
        graph.version,
        {n.ref: n.kind for n in graph.nodes},
        {n.ref: n.properties for n in graph.nodes},
        [(e.from_ref, e.type, e.to_ref, e.properties) for e in graph.edges],
    )


def projection_from_records(
    version: int,
    node_kind: Mapping[str, str],
    node_props: Mapping[str, Mapping[str, Any]],
    raw_edges: Sequence[tuple[str, str, str, Mapping[str, Any] | None]],
) -> Projection:
    """Build a projection from plain records: kinds and properties by ref, and edges."""
    refs = list(node_kind)
    empty: Mapping[str, Any] = {}
    reader = EdgeReader({ref: i for i, ref in enumerate(refs)})
    reader.add_facts(raw_edges)
    return assemble(
        version,
        refs,
        [node_kind[r] for r in refs],
        [node_props.get(r, empty) for r in refs],
        reader.columns(),
    )


def _stubs(
    refs: Sequence[str],
    kinds: Sequence[str],
    props: Sequence[Mapping[str, Any]],
    edges: EdgeColumns,
) -> dict[str, str]:
    """Elements an edge or a component's ``product`` field names but the node list lacks."""
    stubs = {ref: ref.partition(":")[0] for _, _, ref in edges.unknown}
    known = set(refs)
    for i in np.flatnonzero(np.array(kinds, dtype=object) == _COMPONENT_KIND).tolist():
        product = props[i].get("product")
        if isinstance(product, str) and product:
            ref = f"product:{product}"
            if ref not in known and ref not in stubs:
                stubs[ref] = _PRODUCT_KIND
    return stubs


def assemble(
    version: int,
    refs: Sequence[str],
    kinds: Sequence[str],
    props: Sequence[Mapping[str, Any]],
    edges: EdgeColumns,
) -> Projection:
    """The projection of nodes (*refs*, *kinds*, *props*: any order) and *edges* read against them.

    Elements an edge or a component's ``product`` field refers to but the
    node list lacks (a write between the two reads, say) are added as stubs
    with no properties, so nothing an edge says is lost; their refs are
    kept in :attr:`Projection.stubs` so a later delta knows them.
    """
    stubs = _stubs(refs, kinds, props, edges)
    src, dst = edges.src, edges.dst
    empty: Mapping[str, Any] = {}
    if stubs or any(a >= b for a, b in pairwise(refs)):
        kind_of = dict(zip(refs, kinds, strict=True)) | stubs
        props_of = dict(zip(refs, props, strict=True))
        final = sorted(kind_of)
        index = {ref: i for i, ref in enumerate(final)}
        moved = np.fromiter(map(index.__getitem__, refs), np.int32, len(refs))
        src, dst = moved[src], moved[dst]  # -1 rows are set just below
        for row, end, ref in edges.unknown:
            (dst if end else src)[row] = index[ref]
        node_kinds = [kind_of[r] for r in final]
        node_props = [props_of.get(r, empty) for r in final]
    else:
        final, node_kinds, node_props = list(refs), list(kinds), list(props)
        index = {ref: i for i, ref in enumerate(final)}
    n = len(final)
    kind_codes = bytes(map(KIND_CODE.get, node_kinds, repeat(_ADR)))
    sorted_edges = sort_edges(src, edges.etype, dst, edges.strength, edges.held, n)
    owner, platform, tier = owners(
        final, kind_codes, node_props, index, first_part_of(sorted_edges, n)
    )
    api_owners(kind_codes, sorted_edges, owner, platform)
    facets = channel_facets(sorted_edges)
    dependents, offers = impact_lists(kind_codes, sorted_edges, facets)
    facet_api = np.array([api for api, _ in facets], dtype=np.int32)
    final += [final[api] for api in facet_api.tolist()]
    node_props += [node_props[api] for api in facet_api.tolist()]
    return Projection(
        version=version,
        refs=final,
        index=index,
        kinds=kind_codes + bytes([CHANNEL]) * len(facets),
        props=node_props,
        owner=int_array(np.concatenate([owner, owner[facet_api]])),
        platform=np.concatenate([platform, platform[facet_api]]).tobytes(),
        tier=tier.tobytes() + bytes(len(facets)),
        edge_src=int_array(sorted_edges.src),
        edge_type=sorted_edges.etype.astype(np.uint8).tobytes(),
        edge_dst=int_array(sorted_edges.dst),
        edge_props=sorted_edges.props,
        edge_strength=sorted_edges.strength.tobytes(),
        out_start=int_array(offsets(sorted_edges.src, n)),
        in_order=int_array(np.argsort(sorted_edges.dst, kind="stable")),
        in_start=int_array(offsets(sorted_edges.dst, n)),
        dependents=dependents,
        offers=offers,
        node_count=n,
        facet_api=int_array(facet_api),
        facet_channel=[ch for _, ch in facets],
        stubs=frozenset(stubs),
    )


__all__ = [
    "FactSource",
    "assemble",
    "build_projection",
    "component_owner",
    "product_tier",
    "projection_from_records",
]
