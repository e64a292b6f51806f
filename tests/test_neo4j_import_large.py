"""A whole-graph import of 20k nodes / 40k edges into the test Neo4j (1 GB heap) lands whole.

Its 60k change records are staged in batches and go live in the swap; the
log read back holds one record per node and edge the import created.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from graph.storage import Assertion, ChangeQuery, EdgeRecord, Neo4jStore, NodeRecord
from tests.store_import import STAMP

pytestmark = pytest.mark.neo4j

COMPONENTS = 20_001  # + 1 product: 20,002 nodes; 40,001 edges


def _large() -> tuple[list[NodeRecord], list[EdgeRecord]]:
    bare = (Assertion("import", STAMP, {}),)
    nodes = [NodeRecord("product:big", "product", {"name": "Big"}, bare)]
    edges = []
    for i in range(COMPONENTS):
        props = {"name": f"Component {i}", "description": f"component number {i} of the big one"}
        ref = f"component:c{i}"
        nodes.append(NodeRecord(ref, "component", props, (Assertion("import", STAMP, props),)))
        edges.append(EdgeRecord(ref, "PART_OF", "product:big", {}, bare))
        if i:
            dep = {"strength": "soft"}
            edges.append(
                EdgeRecord(
                    ref,
                    "DEPENDS_ON",
                    f"component:c{i - 1}",
                    dep,
                    (Assertion("import", STAMP, dep),),
                )
            )
    return nodes, edges


def _wipe(store: Neo4jStore) -> None:
    """Delete the large graph in bounded transactions (one would not fit the test server)."""
    with store._driver.session() as session:
        session.run(
            "MATCH (n) WHERE NOT n:ArchgraphMeta "
            "CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 5000 ROWS"
        ).consume()


@pytest.fixture
def big_store(neo4j_store: Neo4jStore) -> Iterator[Neo4jStore]:
    try:
        yield neo4j_store
    finally:
        _wipe(neo4j_store)


def test_a_20k_node_import_lands_whole_with_a_complete_change_log(big_store: Neo4jStore) -> None:
    nodes, edges = _large()
    assert len(nodes) >= 20_000 and len(edges) >= 40_000
    before = big_store.version()

    version = big_store.import_records(nodes, edges, actor="bulk")

    assert version == before + 1 == big_store.version()
    assert big_store.counts() == (len(nodes), len(edges))
    records = big_store.read_changes(ChangeQuery(above_version=before))
    assert len(records) == len(nodes) + len(edges)
    assert {r.version for r in records} == {version}
    assert {(r.op, r.actor, r.source) for r in records} == {("created", "bulk", "import")}
    assert len({r.seq for r in records}) == len(records)
    assert len({r.at for r in records}) == 1
    expected: dict[object, NodeRecord | EdgeRecord] = {n.ref: n for n in nodes}
    expected.update((e.key, e) for e in edges)
    assert {r.target: r.after_state() for r in records} == expected
    leftovers, _, _ = big_store._driver.execute_query(
        "MATCH (n) WHERE n:ArchgraphStaged OR n:ArchgraphStage OR n:ArchgraphStagedChange "
        "RETURN count(n) AS c"
    )
    assert leftovers[0]["c"] == 0
