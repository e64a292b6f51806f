"""Fixtures for the diagram and data-export tests: the example portfolio and a large one."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.scan_service import load_scan
from bench.generate import Spec, generate
from graph.analysis import Projection, build_projection, projection_from_records
from graph.storage import SQLiteStore
from scanners import scan_directory

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "portfolio"


@pytest.fixture(scope="session")
def example(tmp_path_factory: pytest.TempPathFactory) -> Projection:
    """The example portfolio (Kestrel Commerce), scanned into an embedded store and projected."""
    store = SQLiteStore(tmp_path_factory.mktemp("example") / "archgraph.db")
    try:
        load_scan(store, scan_directory(EXAMPLE))
        return build_projection(store)
    finally:
        store.close()


@pytest.fixture(scope="session")
def large() -> Projection:
    """A generated portfolio of 200 products, 3,000 components and 30,000 edges."""
    g = generate(Spec(products=200, components=3_000, apis=800, edges=30_000, seed=7))
    kinds = {ref: ref.partition(":")[0] for ref in g.nodes}
    edges = [(a, t, b, props or None) for (a, t, b), props in g.edges.items()]
    return projection_from_records(1, kinds, g.nodes, edges)
