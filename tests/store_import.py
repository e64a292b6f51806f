"""The store contract for whole-graph imports: checked first, all or nothing.

Each backend module supplies ``break_import_midway``: it makes the backend's
import fail after part of the new graph is written (nodes in, edges half
way) the first time, recording what a reader sees at that moment.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from graph.storage import (
    Assertion,
    EdgeRecord,
    GraphStore,
    NodeRecord,
    SQLiteStore,
    export_chunks,
    import_document,
)
from schemas.errors import InvalidInputError
from schemas.facts import EdgeData, NodeData
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


class ExportContract:
    def test_export_under_concurrent_writes_always_imports_back(
        self, store: GraphStore, tmp_path: Path
    ) -> None:
        seed(store)
        stop = threading.Event()
        errors: list[BaseException] = []

        def churn() -> None:
            """Create a component with an edge, then delete it: edges come and go with nodes."""
            i = 0
            try:
                while not stop.is_set():
                    ref = f"component:churn-{i % 7}"
                    store.apply(
                        source="churn",
                        nodes=[NodeData(ref, {"name": f"Churn {i}"})],
                        edges=[EdgeData(ref, "DEPENDS_ON", "component:auth")],
                    )
                    if i % 2:
                        store.delete_node(ref)
                    i += 1
            except BaseException as exc:
                errors.append(exc)

        writer = threading.Thread(target=churn)
        writer.start()
        try:
            docs = [json.loads("".join(export_chunks(store))) for _ in range(15)]
        finally:
            stop.set()
            writer.join()
        assert errors == []
        target = SQLiteStore(tmp_path / "target.db")
        try:
            for doc in docs:
                nodes, edges, _ = import_document(target, doc)
                assert (nodes, edges) == (len(doc["nodes"]), len(doc["edges"]))
                assert target.counts() == (nodes, edges)
        finally:
            target.close()
