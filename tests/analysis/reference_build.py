"""The projection builder as it was before the build moved to numpy: a test oracle.

Plain Python loops over every node and edge, kept only so that
``test_build_oracle.py`` can compare the array build with it field by field.
"""

from __future__ import annotations

from array import array
from collections.abc import Mapping
from typing import Any

from graph.analysis.projection import (
    API,
    CHANNEL,
    COMPONENT,
    EDGE_CODE,
    EDGE_TYPES,
    IMPACT_TYPES,
    KIND_CODE,
    NO_OWNER,
    OFFER_TYPES,
    PART_OF,
    PRODUCT,
    PROVIDES,
    PUBLISHES,
    STRENGTH_CODE,
    SUBSCRIBES,
    EdgeProps,
    Projection,
    channels_of,
    encode_dependent,
    is_soft,
)
from schemas.refs import Kind

_DEFAULT_TIER = 2


def projection_from_records(
    version: int,
    node_kind: Mapping[str, str],
    node_props: Mapping[str, Mapping[str, Any]],
    raw_edges: list[tuple[str, str, str, Mapping[str, Any] | None]],
) -> Projection:
    """Build a projection from plain records (what :func:`build_projection` read).

    Elements an edge or a component's ``product`` field refers to but the
    node list lacks (a write between the two reads, say) are added as stubs
    with no properties, so nothing an edge says is lost.
    """
    kinds_by_ref = dict(node_kind)
    for src, _, dst, _ in raw_edges:
        for ref in (src, dst):
            if ref not in kinds_by_ref:
                kinds_by_ref[ref] = ref.partition(":")[0]
    for ref, kind in node_kind.items():
        if kind == Kind.COMPONENT.value:
            product = node_props.get(ref, {}).get("product")
            if isinstance(product, str) and product and f"product:{product}" not in kinds_by_ref:
                kinds_by_ref[f"product:{product}"] = Kind.PRODUCT.value

    refs = sorted(kinds_by_ref)
    index = {ref: i for i, ref in enumerate(refs)}
    n = len(refs)
    kinds = bytes(KIND_CODE.get(kinds_by_ref[r], KIND_CODE[Kind.ADR]) for r in refs)
    empty: Mapping[str, Any] = {}
    props = [node_props.get(r, empty) for r in refs]

    # Edges sorted by (from, type, to) through one integer key: deterministic on any store.
    n_types = len(EDGE_TYPES)
    keyed: dict[int, Mapping[str, Any] | None] = {}
    for src, etype, dst, eprops in raw_edges:
        keyed[(index[src] * n_types + EDGE_CODE[etype]) * n + index[dst]] = eprops
    order = sorted(keyed)
    edge_src = array("i", (k // (n_types * n) for k in order))
    edge_type = bytes((k // n) % n_types for k in order)
    edge_dst = array("i", (k % n for k in order))
    edge_props: list[Mapping[str, Any] | None] = []
    edge_strength = bytearray(len(order))
    for e, k in enumerate(order):
        # Most edges carry nothing but a strength: keep that as one byte, not a dict.
        eprops = keyed[k]
        if eprops is not None and "strength" in eprops:
            edge_strength[e] = STRENGTH_CODE["soft" if is_soft(eprops) else "hard"]
            if len(eprops) == 1:
                eprops = None
        edge_props.append(eprops)
    del keyed
    m = len(order)

    out_start = array("i", bytes(4 * (n + 1)))
    in_count = [0] * (n + 1)
    for e in range(m):
        out_start[edge_src[e] + 1] += 1
        in_count[edge_dst[e] + 1] += 1
    for i in range(n):
        out_start[i + 1] += out_start[i]
        in_count[i + 1] += in_count[i]
    in_start = array("i", in_count)
    cursor = in_count[:n]
    in_order = array("i", bytes(4 * m))
    for e in range(m):
        d = edge_dst[e]
        in_order[cursor[d]] = e
        cursor[d] += 1

    owner, platform, tier = _owners(
        refs, kinds, props, index, edge_src, edge_type, edge_dst, out_start
    )
    facets = _facets(edge_type, edge_dst, edge_props)
    dependents, offers = _impact_lists(
        kinds, edge_src, edge_type, edge_dst, edge_props, edge_strength, facets
    )
    facet_api = array("i", (api for api, _ in facets))
    for api, _ in facets:
        refs.append(refs[api])
        props.append(props[api])
        owner.append(owner[api])
    kinds += bytes([CHANNEL]) * len(facets)
    platform += bytes(platform[api] for api, _ in facets)
    tier += bytes(len(facets))
    return Projection(
        version=version,
        refs=refs,
        index=index,
        kinds=kinds,
        props=props,
        owner=owner,
        platform=platform,
        tier=tier,
        edge_src=edge_src,
        edge_type=edge_type,
        edge_dst=edge_dst,
        edge_props=EdgeProps(len(edge_props), {e: v for e, v in enumerate(edge_props) if v}),
        edge_strength=bytes(edge_strength),
        out_start=out_start,
        in_order=in_order,
        in_start=in_start,
        dependents=dependents,
        offers=offers,
        node_count=n,
        facet_api=facet_api,
        facet_channel=[ch for _, ch in facets],
        stubs=frozenset(r for r in refs[:n] if r not in node_kind),
    )


def _is_platform_component(props: Mapping[str, Any]) -> bool:
    return props.get("platform") is True or props.get("type") == "platform"


def _owners(
    refs: list[str],
    kinds: bytes,
    props: list[Mapping[str, Any]],
    index: dict[str, int],
    edge_src: array[int],
    edge_type: bytes,
    edge_dst: array[int],
    out_start: array[int],
) -> tuple[array[int], bytes, bytes]:
    """Owner product, platform flag and tier per node.

    A component's owner is the product its PART_OF chain reaches (the first
    PART_OF edge, in reference order, at each step), else its ``product``
    field. A component flagged platform, or part of one, has no owner. An
    API's owner and platform flag are those of its first provider (or
    publisher, when nobody provides it).
    """
    n = len(refs)
    owner = array("i", [NO_OWNER]) * n
    platform = bytearray(n)
    tier = bytearray(n)

    def parent(c: int) -> int | None:
        for e in range(out_start[c], out_start[c + 1]):
            if edge_type[e] == PART_OF:
                return edge_dst[e]
        return None

    for i in range(n):
        if kinds[i] == PRODUCT:
            raw = props[i].get("tier", _DEFAULT_TIER)
            tier[i] = raw if isinstance(raw, int) and 1 <= raw <= 3 else _DEFAULT_TIER
            continue
        if kinds[i] != COMPONENT:
            continue
        seen = {i}
        node: int | None = i
        resolved = NO_OWNER
        is_platform = False
        while node is not None:
            if kinds[node] == PRODUCT:
                resolved = node
                break
            node_props = props[node]
            if _is_platform_component(node_props):
                is_platform = True
                break
            up = parent(node)
            if up is None or up in seen:
                slug = node_props.get("product")
                if isinstance(slug, str):
                    resolved = index.get(f"product:{slug}", NO_OWNER)
                break
            seen.add(up)
            node = up
        if is_platform:
            platform[i] = 1
        else:
            owner[i] = resolved

    _api_owners(kinds, edge_src, edge_type, edge_dst, owner, platform)
    return owner, bytes(platform), bytes(tier)


def _api_owners(
    kinds: bytes,
    edge_src: array[int],
    edge_type: bytes,
    edge_dst: array[int],
    owner: array[int],
    platform: bytearray,
) -> None:
    """Give each API the owner and platform flag of its first provider (then publisher)."""
    best: dict[int, tuple[int, int]] = {}
    for e in range(len(edge_src)):
        t = edge_type[e]
        if t not in OFFER_TYPES:
            continue
        api = edge_dst[e]
        rank = (0 if t == PROVIDES else 1, edge_src[e])
        if api not in best or rank < best[api]:
            best[api] = rank
    for api, (_, provider) in best.items():
        if kinds[api] == API:
            owner[api] = owner[provider]
            platform[api] = platform[provider]


def _facets(
    edge_type: bytes, edge_dst: array[int], edge_props: list[Mapping[str, Any] | None]
) -> list[tuple[int, str]]:
    """``(api, channel)`` for every channel some PUBLISHES or SUBSCRIBES edge names, sorted."""
    found: set[tuple[int, str]] = set()
    for e in range(len(edge_dst)):
        if edge_type[e] in (PUBLISHES, SUBSCRIBES):
            found.update((edge_dst[e], ch) for ch in channels_of(edge_props[e]))
    return sorted(found)


def _impact_lists(
    kinds: bytes,
    edge_src: array[int],
    edge_type: bytes,
    edge_dst: array[int],
    edge_props: list[Mapping[str, Any] | None],
    edge_strength: bytearray,
    facets: list[tuple[int, str]],
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
    facet_id = {f: n + i for i, f in enumerate(facets)}
    facets_of: dict[int, list[int]] = {}
    for (api, _), fid in facet_id.items():
        facets_of.setdefault(api, []).append(fid)
    deps: dict[int, list[int]] = {}
    offers: dict[int, list[int]] = {}
    for e in range(len(edge_src)):
        t = edge_type[e]
        src, dst = edge_src[e], edge_dst[e]
        if t in IMPACT_TYPES and kinds[dst] in (COMPONENT, API):
            entry = encode_dependent(src, t, edge_strength[e] == STRENGTH_CODE["soft"])
            deps.setdefault(dst, []).append(entry)
            if t == SUBSCRIBES and dst in facets_of:
                named = channels_of(edge_props[e])
                for fid in (facet_id[(dst, ch)] for ch in named) if named else facets_of[dst]:
                    deps.setdefault(fid, []).append(entry)
        elif t in OFFER_TYPES:
            named = channels_of(edge_props[e]) if t == PUBLISHES else frozenset()
            if named:
                offers.setdefault(src, []).extend(facet_id[(dst, ch)] for ch in named)
            else:
                offers.setdefault(src, []).append(dst)
    none: tuple[int, ...] = ()
    total = n + len(facets)
    dependents = [none] * total
    for node, entries in deps.items():
        dependents[node] = tuple(sorted(entries))
    offered = [none] * total
    for node, apis in offers.items():
        offered[node] = tuple(sorted(set(apis)))
    return dependents, offered


__all__ = ["projection_from_records"]
