"""The store contract for whole-graph imports: checked first, all or nothing.

Each backend module supplies ``break_import_midway``: it makes the backend's
import fail after part of the new graph is written (nodes in, edges half
way) the first time, recording what a reader sees at that moment.
"""

from __future__ import annotations

import pytest

from graph.storage import Assertion, EdgeRecord, GraphStore, NodeRecord
from schemas.errors import InvalidInputError
from tests.store_contract import seed

STAMP = "2024-01-01T00:00:00Z"


def new_graph(size: int = 12) -> tuple[list[NodeRecord], list[EdgeRecord]]:
    """A graph unlike the seed: teams owning components, components depending on the next."""
    nodes: list[NodeRecord] = []
    edges: list[EdgeRecord] = []
    for i in range(size):
        for ref, props in ((f"team:t{i}", {"name": f"T{i}"}), (f"component:c{i}", {})):
            kind = ref.split(":")[0]
            nodes.append(NodeRecord(ref, kind, props, (Assertion("import", STAMP, props),)))
        edges.append(
            EdgeRecord(
                f"team:t{i}", "OWNS", f"component:c{i}", {}, (Assertion("import", STAMP, {}),)
            )
        )
        if i:
            props = {"strength": "soft"}
            edges.append(
                EdgeRecord(
                    f"component:c{i}",
                    "DEPENDS_ON",
                    f"component:c{i - 1}",
                    props,
                    (Assertion("import", STAMP, props),),
                )
            )
    return nodes, edges


class ImportContract:
    def test_import_failing_midway_keeps_the_old_graph_whole(
        self, store: GraphStore, break_import_midway: list[set[str]]
    ) -> None:
        seed(store)
        nodes_before, edges_before = list(store.iter_nodes()), list(store.iter_edges())
        version = store.version()
        nodes, edges = new_graph()
        with pytest.raises(RuntimeError, match="injected"):
            store.import_records(nodes, edges)
        assert list(store.iter_nodes()) == nodes_before
        assert list(store.iter_edges()) == edges_before
        assert store.version() == version
        assert store.counts() == (len(nodes_before), len(edges_before))
        # A reader in the middle of the import saw the old graph, whole.
        assert break_import_midway == [{n.ref for n in nodes_before}]

    def test_import_after_a_failed_one_lands_whole(
        self, store: GraphStore, break_import_midway: list[set[str]]
    ) -> None:
        seed(store)
        nodes, edges = new_graph()
        with pytest.raises(RuntimeError, match="injected"):
            store.import_records(nodes, edges)
        version = store.import_records(nodes, edges)
        assert version == store.version()
        assert list(store.iter_nodes()) == sorted(nodes, key=lambda n: n.ref)
        assert list(store.iter_edges()) == sorted(edges, key=lambda e: e.key)
        assert store.source_ids() == {"import"}

    def test_import_refuses_what_the_models_refuse_before_deleting(self, store: GraphStore) -> None:
        seed(store)
        before = list(store.iter_nodes())
        nodes, edges = new_graph(3)
        unknown_field = NodeRecord("team:x", "team", {"colour": "red"}, ())
        bad_edge_props = EdgeRecord("team:t0", "OWNS", "component:c1", {"strength": "hard"}, ())
        wrong_kinds = EdgeRecord("component:c0", "OWNS", "team:t0", {}, ())
        for bad_nodes, bad_edges in (
            ([*nodes, unknown_field], edges),
            (nodes, [*edges, bad_edge_props]),
            (nodes, [*edges, wrong_kinds]),
            ([*nodes, nodes[0]], edges),
        ):
            with pytest.raises(InvalidInputError):
                store.import_records(bad_nodes, bad_edges)
            assert list(store.iter_nodes()) == before

    def test_integers_beyond_what_the_store_holds_are_refused_before_any_write(
        self, store: GraphStore
    ) -> None:
        seed(store)
        before = list(store.iter_nodes())
        huge = 2**70
        props = {"name": "Big", "business_weight": 1.0}
        nodes = [
            NodeRecord("product:big", "product", props, (Assertion("import", STAMP, {"n": huge}),))
        ]
        if store.max_int_bits is None:
            store.import_records(nodes, [])
            node = store.get_node("product:big")
            assert node is not None and node.assertions[0].properties == {"n": huge}
            return
        with pytest.raises(InvalidInputError) as err:
            store.import_records(nodes, [])
        assert err.value.code == "value_out_of_range"
        assert list(store.iter_nodes()) == before
