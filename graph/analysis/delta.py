"""Bringing a projection up to date from the change log instead of rebuilding it.

:func:`refresh` reads the change records a store appended after a
projection's version and :func:`apply_changes` turns the old projection plus
those records into the projection of the new version, equal field by field
to what :func:`~graph.analysis.build.build_projection` would read (the rule
for each derived field is in ``docs/architecture.md``, "Fresh answers after a
write"). Untouched parts are reused: the edge arrays are merged and their
offsets recounted with numpy, and only the nodes a change touches get their
owner, dependents and offers recomputed. Either returns None when a full
rebuild is the honest answer: records missing (retention), an import in
between, a write with no record, or more records than
:func:`delta_limit` allows.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Mapping, Sequence
from itertools import chain
from typing import Any

import numpy as np
import numpy.typing as npt

from graph.analysis.build import component_owner, product_tier
from graph.analysis.delta_arrays import (
    in_order_of,
    merge_order,
    moved_props,
    renumbered,
    to_array,
)
from graph.analysis.delta_nodes import props_now, stubs_after
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
    Projection,
    channels_of,
    encode_dependent,
    is_soft,
)
from graph.storage import IMPORT_SOURCE, ChangeRecord, GraphStore
from schemas.refs import Kind

__all__ = ["MAX_DELTA_SHARE", "apply_changes", "delta_limit", "refresh"]

#: A delta larger than this share of the graph's nodes plus edges is rebuilt instead.
MAX_DELTA_SHARE = 0.05
_MIN_DELTA_LIMIT = 1_000
_ADR = KIND_CODE[Kind.ADR]
_SOFT = STRENGTH_CODE["soft"]
_PUBSUB = (PUBLISHES, SUBSCRIBES)
I64 = npt.NDArray[np.int64]
EdgeCode = tuple[str, int, str]
_EMPTY: Mapping[str, Any] = {}


def delta_limit(p: Projection) -> int:
    """How many change records :func:`refresh` applies before it prefers a rebuild."""
    return max(_MIN_DELTA_LIMIT, int(MAX_DELTA_SHARE * (p.node_count + p.edge_count)))


def refresh(p: Projection, store: GraphStore, version: int) -> Projection | None:
    """The projection of *version*, from *p* and the records after it; None: rebuild."""
    if version <= p.version:
        return None
    limit = delta_limit(p)
    records = store.changes_since(p.version, up_to=version, limit=limit + 1)
    if len(records) > limit or any(r.source == IMPORT_SOURCE for r in records):
        return None
    if {r.version for r in records} != set(range(p.version + 1, version + 1)):
        return None  # pruned by retention, or a write that left no record
    return apply_changes(p, records, version)


def apply_changes(
    p: Projection, records: Sequence[ChangeRecord], version: int
) -> Projection | None:
    """*p* with *records* (oldest first) applied, stamped *version*; None when they do not fit."""
    node_after: dict[str, dict[str, Any] | None] = {}
    edge_after: dict[EdgeCode, dict[str, Any] | None] = {}
    for r in records:
        if r.is_edge:
            if r.type in EDGE_CODE and r.to_ref is not None:
                edge_after[(r.ref, EDGE_CODE[r.type], r.to_ref)] = r.after
        else:
            node_after[r.ref] = r.after
    return _Delta(p, node_after, edge_after, version).run()


def _split_strength(props: Mapping[str, Any] | None) -> tuple[Mapping[str, Any] | None, int]:
    """An edge's kept properties and strength code, as the build stores them."""
    if not props:
        return None, 0
    if "strength" not in props:
        return props, 0
    code = _SOFT if is_soft(props) else STRENGTH_CODE["hard"]
    return (None if len(props) == 1 else props), code


class _Delta:
    """One application of a set of net changes to a projection."""

    def __init__(
        self,
        p: Projection,
        node_after: dict[str, dict[str, Any] | None],
        edge_after: dict[EdgeCode, dict[str, Any] | None],
        version: int,
    ) -> None:
        self.p = p
        self.node_after = node_after
        self.edge_after = edge_after
        self.version = version

    def run(self) -> Projection | None:
        p = self.p
        n_old = p.node_count
        stubs = stubs_after(p, self.node_after)
        if any(not s.startswith("product:") for s in p.stubs):
            return None  # a projection read from an inconsistent graph: rebuild it
        gone = {
            r
            for r in chain(self.node_after, p.stubs)
            if r in p.index and props_now(p, self.node_after, r) is None and r not in stubs
        }
        new = {r for r, a in self.node_after.items() if a is not None and r not in p.index}
        new |= {s for s in stubs if s not in p.index}
        old_refs = p.refs[:n_old]
        if gone or new:
            refs, index, node_map, kinds, props = renumbered(p, old_refs, gone, new)
        else:
            refs, index, node_map = list(old_refs), p.index, None
            kinds = bytearray(p.kinds[:n_old])
            props = list(p.props[:n_old])
        n = len(refs)
        self.index = index
        changed_nodes: set[int] = set()
        for ref, after in self.node_after.items():
            j = index.get(ref)
            if j is not None:
                props[j] = after if after is not None else _EMPTY
                changed_nodes.add(j)
        changed_nodes.update(index[r] for r in new)
        self.kinds, self.props, self.n = bytes(kinds), props, n
        return self._edges(refs, node_map, changed_nodes, frozenset(stubs))

    # ------------------------------------------------------------- edges

    def _edges(
        self,
        refs: list[str],
        node_map: I64 | None,
        changed_nodes: set[int],
        stubs: frozenset[str],
    ) -> Projection | None:
        p, index, n = self.p, self.index, self.n
        n_types = len(EDGE_TYPES)
        m_old = p.edge_count
        src = np.frombuffer(p.edge_src, dtype=np.int32).astype(np.int64)
        typ = np.frombuffer(p.edge_type, dtype=np.uint8).astype(np.int64)
        dst = np.frombuffer(p.edge_dst, dtype=np.int32).astype(np.int64)
        drop = np.zeros(m_old, dtype=np.bool_)
        added: list[tuple[int, int, int, Mapping[str, Any] | None, int]] = []
        touched_src: set[int] = set()
        touched_dst: set[int] = set()
        part_of_src: set[int] = set()
        offer_dst: set[int] = set()
        for (a, t, b), after in self.edge_after.items():
            old_a, old_b = p.index.get(a), p.index.get(b)
            if old_a is not None and old_b is not None and old_a < p.node_count:
                e = p.find_edge(old_a, t, old_b)
                if e is not None:
                    drop[e] = True
            if after is None:
                new_a, new_b = index.get(a), index.get(b)
            else:
                if a not in index or b not in index:
                    return None  # an edge whose end the changes do not hold
                new_a, new_b = index[a], index[b]
                kept, code = _split_strength(after)
                added.append((new_a, t, new_b, kept, code))
            if new_a is not None:
                touched_src.add(new_a)
                if t == PART_OF:
                    part_of_src.add(new_a)
            if new_b is not None:
                touched_dst.add(new_b)
                if t in OFFER_TYPES:
                    offer_dst.add(new_b)
        keep = np.nonzero(~drop)[0]
        src, typ, dst = src[keep], typ[keep], dst[keep]
        if node_map is not None:
            src, dst = node_map[src], node_map[dst]
            if len(src) and (src.min() < 0 or dst.min() < 0):
                return None  # an edge at a removed node with no record of its removal
        strength = np.frombuffer(p.edge_strength, dtype=np.uint8)[keep]
        if added:
            src = np.concatenate([src, np.array([x[0] for x in added], np.int64)])
            typ = np.concatenate([typ, np.array([x[1] for x in added], np.int64)])
            dst = np.concatenate([dst, np.array([x[2] for x in added], np.int64)])
            strength = np.concatenate([strength, np.array([x[4] for x in added], np.uint8)])
        same_edges = node_map is None and not added and len(keep) == m_old
        if not same_edges:
            key = (src * n_types + typ) * n + dst
            order = merge_order(key, len(keep))
            src, typ, dst, strength = src[order], typ[order], dst[order], strength[order]
        if len(keep) == m_old and not added:
            edge_props = p.edge_props  # the same edges in the same order: shared
        else:
            edge_props = moved_props(p.edge_props, keep, [x[3] for x in added], order)
        out_start = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(src, minlength=n), out=out_start[1:])
        in_start = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(dst, minlength=n), out=in_start[1:])
        if same_edges:  # nothing moved: the old in-order stands
            in_order = np.frombuffer(p.in_order, dtype=np.int32).astype(np.int64)
        else:
            in_order = in_order_of(p, dst, keep, order)
        self.src, self.typ, self.dst = src, typ, dst
        self.out_start, self.in_start, self.in_order = out_start, in_start, in_order
        self.edge_props = edge_props
        self.strength = strength
        self.node_map = node_map
        touched_nodes = changed_nodes | touched_src | touched_dst
        owner, platform, tier = self._owners(changed_nodes, part_of_src, touched_src, offer_dst)
        return self._impact(
            refs, stubs, owner, platform, tier, touched_nodes, touched_src, touched_dst
        )

    def _in(self, node: int, types: Iterable[int]) -> list[int]:
        wanted = set(types)
        lo, hi = int(self.in_start[node]), int(self.in_start[node + 1])
        return [int(e) for e in self.in_order[lo:hi].tolist() if int(self.typ[e]) in wanted]

    def _out(self, node: int, types: Iterable[int]) -> list[int]:
        wanted = set(types)
        lo, hi = int(self.out_start[node]), int(self.out_start[node + 1])
        return [e for e in range(lo, hi) if int(self.typ[e]) in wanted]

    # ------------------------------------------------------------- owners

    def _owners(
        self,
        changed_nodes: set[int],
        part_of_src: set[int],
        offer_src: set[int],
        offer_dst: set[int],
    ) -> tuple[I64, bytearray, bytearray]:
        p, n, kinds = self.p, self.n, self.kinds
        n_old = p.node_count
        old_owner = np.frombuffer(p.owner, dtype=np.int32)[:n_old].astype(np.int64)
        owner = np.full(n, NO_OWNER, dtype=np.int64)
        platform = bytearray(n)
        tier = bytearray(n)
        old_platform = np.frombuffer(p.platform, dtype=np.uint8)[:n_old]
        old_tier = np.frombuffer(p.tier, dtype=np.uint8)[:n_old]
        if self.node_map is None:
            owner[:] = old_owner
            platform[:] = old_platform.tobytes()
            tier[:] = old_tier.tobytes()
        else:
            kept = np.nonzero(self.node_map >= 0)[0]
            target = self.node_map[kept]
            moved = old_owner[kept]
            owner[target] = np.where(moved >= 0, self.node_map[np.maximum(moved, 0)], NO_OWNER)
            plat = np.zeros(n, dtype=np.uint8)
            plat[target] = old_platform[kept]
            platform[:] = plat.tobytes()
            tiers = np.zeros(n, dtype=np.uint8)
            tiers[target] = old_tier[kept]
            tier[:] = tiers.tobytes()
        # Owners follow PART_OF upwards: a change anywhere on a chain moves every
        # component below it. Start from what changed and walk PART_OF backwards.
        start = changed_nodes | part_of_src
        for j in changed_nodes:
            if kinds[j] == PRODUCT:
                tier[j] = product_tier(self.props[j])
        affected: set[int] = set()
        stack = list(start)
        while stack:
            c = stack.pop()
            if c in affected:
                continue
            affected.add(c)
            stack.extend(int(self.src[e]) for e in self._in(c, (PART_OF,)))

        def parent(c: int) -> int | None:
            for e in self._out(c, (PART_OF,)):
                return int(self.dst[e])
            return None

        apis: set[int] = set()
        for c in sorted(affected):
            if kinds[c] == COMPONENT:
                owner[c], platform[c] = component_owner(c, kinds, self.props, self.index, parent)
                apis.update(int(self.dst[e]) for e in self._out(c, OFFER_TYPES))
            elif kinds[c] != PRODUCT:
                owner[c], platform[c] = NO_OWNER, 0
            if kinds[c] == API:
                apis.add(c)
        for s in offer_src:
            apis.update(int(self.dst[e]) for e in self._out(s, OFFER_TYPES))
        # An API whose offer edge was added or removed: its first provider may
        # have changed, or it may have none left (then no owner, no flag).
        apis |= offer_dst
        for api in apis:
            self._api_owner(api, owner, platform)
        return owner, platform, tier

    def _api_owner(self, api: int, owner: I64, platform: bytearray) -> None:
        """An API takes the owner and platform flag of its first provider, then publisher."""
        if self.kinds[api] != API:
            return
        best: tuple[int, int] | None = None
        for e in self._in(api, OFFER_TYPES):
            rank = (0 if int(self.typ[e]) == PROVIDES else 1, int(self.src[e]))
            if best is None or rank < best:
                best = rank
        if best is None:
            owner[api], platform[api] = NO_OWNER, 0
        else:
            owner[api], platform[api] = owner[best[1]], platform[best[1]]

    # ------------------------------------------------------- impact lists

    def _facets_of(self, api: int) -> set[str]:
        found: set[str] = set()
        for e in self._in(api, _PUBSUB):
            found.update(channels_of(self.edge_props[e]))
        return found

    def _impact(
        self,
        refs: list[str],
        stubs: frozenset[str],
        owner: I64,
        platform: bytearray,
        tier: bytearray,
        touched_nodes: set[int],
        touched_src: set[int],
        touched_dst: set[int],
    ) -> Projection:
        p, n, kinds = self.p, self.n, self.kinds
        n_old = p.node_count
        node_map = self.node_map
        # Channel facets: only APIs a changed edge reaches can gain or lose one.
        old_facets: dict[tuple[int, str], int] = {}
        for f, (api, ch) in enumerate(zip(p.facet_api, p.facet_channel, strict=True)):
            new_api = int(node_map[api]) if node_map is not None else api
            if new_api >= 0 and new_api not in touched_dst:
                old_facets[(new_api, ch)] = n_old + f
        found = set(old_facets)
        for api in touched_dst:
            found.update((api, ch) for ch in self._facets_of(api))
        facets = sorted(found)
        facet_id = {f: n + i for i, f in enumerate(facets)}
        total = n + len(facets)
        facet_changed = {a for a, _ in facets if (a, _) not in old_facets} | {
            a for a, _ in old_facets if (a, _) not in facet_id
        }
        # Old id -> new id, for every node and facet (-1: gone).
        id_map = np.full(len(p.refs), -1, dtype=np.int64)
        id_map[:n_old] = node_map if node_map is not None else np.arange(n_old)
        for key, old_id in old_facets.items():
            id_map[old_id] = facet_id[key]
        identity = (
            node_map is None
            and len(facets) == len(p.facet_api)
            and all(facet_id.get(k) == v for k, v in old_facets.items())
        )
        dependents, offers = self._carried(id_map, total, identity)
        facets_of: dict[int, list[int]] = {}
        for (api, _), fid in facet_id.items():
            facets_of.setdefault(api, []).append(fid)
        # Who depends on a node: recomputed for every end of a changed edge.
        for d in touched_dst | facet_changed | touched_nodes:
            self._dependents_at(d, dependents, facets_of, facet_id)
        for s in touched_src | touched_nodes | self._publishers(facet_changed):
            self._offers_at(s, offers, facet_id)
        facet_api = array("i", (api for api, _ in facets))
        owner_list = owner.tolist() + [int(owner[api]) for api, _ in facets]
        props = self.props + [self.props[api] for api, _ in facets]
        return Projection(
            version=self.version,
            refs=refs + [refs[api] for api, _ in facets],
            index=self.index,
            kinds=kinds + bytes([CHANNEL]) * len(facets),
            props=props,
            owner=array("i", owner_list),
            platform=bytes(platform) + bytes(platform[api] for api, _ in facets),
            tier=bytes(tier) + bytes(len(facets)),
            edge_src=to_array(self.src),
            edge_type=self.typ.astype(np.uint8).tobytes(),
            edge_dst=to_array(self.dst),
            edge_props=self.edge_props,
            edge_strength=self.strength.astype(np.uint8).tobytes(),
            out_start=to_array(self.out_start),
            in_order=to_array(self.in_order),
            in_start=to_array(self.in_start),
            dependents=dependents,
            offers=offers,
            node_count=n,
            facet_api=facet_api,
            facet_channel=[ch for _, ch in facets],
            stubs=stubs,
        )

    def _publishers(self, apis: set[int]) -> set[int]:
        return {int(self.src[e]) for api in apis for e in self._in(api, (PUBLISHES,))}

    def _carried(
        self, id_map: I64, total: int, identity: bool
    ) -> tuple[list[tuple[int, ...]], list[tuple[int, ...]]]:
        """The old dependents and offers, renumbered to the new ids."""
        p = self.p
        if identity:
            return list(p.dependents), list(p.offers)
        none: tuple[int, ...] = ()
        dependents = [none] * total
        offers = [none] * total
        node_ids = id_map[: p.node_count]
        for rows, out, remap_entry in ((p.dependents, dependents, True), (p.offers, offers, False)):
            lens = np.fromiter(map(len, rows), np.int64, len(rows))
            flat = np.fromiter(chain.from_iterable(rows), np.int64, int(lens.sum()))
            if remap_entry:
                who = node_ids[flat >> 5]
                flat = np.where(who >= 0, (who << 5) | (flat & 0x1F), -1)
            else:
                flat = id_map[flat]
            kept = flat >= 0
            ptr = np.zeros(len(rows) + 1, dtype=np.int64)
            np.cumsum(
                np.bincount(np.repeat(np.arange(len(rows)), lens)[kept], minlength=len(rows)),
                out=ptr[1:],
            )
            values = flat[kept].tolist()
            bounds = ptr.tolist()
            targets = id_map[: len(rows)].tolist()
            for row in np.flatnonzero((np.diff(ptr) > 0) & (id_map[: len(rows)] >= 0)).tolist():
                out[targets[row]] = tuple(values[bounds[row] : bounds[row + 1]])
        return dependents, offers

    def _dependents_at(
        self,
        d: int,
        dependents: list[tuple[int, ...]],
        facets_of: dict[int, list[int]],
        facet_id: dict[tuple[int, str], int],
    ) -> None:
        """Who depends on node *d* (and on its channel facets), as the build lists them."""
        if d >= self.n:
            return
        mine: list[int] = []
        per_facet: dict[int, list[int]] = {fid: [] for fid in facets_of.get(d, ())}
        if self.kinds[d] in (COMPONENT, API):
            for e in self._in(d, IMPACT_TYPES):
                t = int(self.typ[e])
                entry = encode_dependent(int(self.src[e]), t, int(self.strength[e]) == _SOFT)
                mine.append(entry)
                if t == SUBSCRIBES and per_facet:
                    named = channels_of(self.edge_props[e])
                    for fid in (facet_id[(d, ch)] for ch in named) if named else per_facet:
                        per_facet[fid].append(entry)
        dependents[d] = tuple(sorted(mine))
        for fid, entries in per_facet.items():
            dependents[fid] = tuple(sorted(entries))

    def _offers_at(
        self, s: int, offers: list[tuple[int, ...]], facet_id: dict[tuple[int, str], int]
    ) -> None:
        """The APIs (or channel facets) node *s* offers, as the build lists them."""
        if s >= self.n:
            return
        offered: set[int] = set()
        for e in self._out(s, OFFER_TYPES):
            dst = int(self.dst[e])
            named = channels_of(self.edge_props[e]) if int(self.typ[e]) == PUBLISHES else ()
            if named:
                offered.update(facet_id[(dst, ch)] for ch in named)
            else:
                offered.add(dst)
        offers[s] = tuple(sorted(offered))
