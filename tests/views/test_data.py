"""Data exports: JSON, CSV (zip of nodes.csv and edges.csv) and GraphML read back."""

from __future__ import annotations

import csv
import io
import json
import zipfile

import networkx as nx
import pytest

from graph.analysis import Projection
from graph.views import data_csv_zip, data_graphml, data_json, select_data
from schemas.errors import InvalidInputError, NotFoundError


def test_graphml_reads_back_with_the_same_nodes_and_edges(example: Projection) -> None:
    g = example.networkx()
    back = nx.read_graphml(io.BytesIO(data_graphml(select_data(example))))
    assert set(back.nodes) == set(g.nodes)
    assert sorted((a, b, d["type"]) for a, b, d in back.edges(data=True)) == sorted(
        (a, b, d["type"]) for a, b, d in g.edges(data=True)
    )
    for ref, data in g.nodes(data=True):
        assert back.nodes[ref]["kind"] == data["kind"]
        techs = data.get("technologies")
        if techs:
            assert back.nodes[ref]["technologies"] == "; ".join(techs)
    flattened = [r for r, d in g.nodes(data=True) if d.get("technologies")]
    assert flattened, "the example has list values to flatten"


def test_csv_round_trip_counts(example: Projection) -> None:
    data = select_data(example)
    with zipfile.ZipFile(io.BytesIO(data_csv_zip(data))) as archive:
        assert sorted(archive.namelist()) == ["edges.csv", "nodes.csv"]
        nodes = list(csv.DictReader(io.StringIO(archive.read("nodes.csv").decode())))
        edges = list(csv.DictReader(io.StringIO(archive.read("edges.csv").decode())))
    assert len(nodes) == example.node_count
    assert len(edges) == example.edge_count
    assert {n["ref"] for n in nodes} == set(example.networkx().nodes)
    for row in nodes:
        if row["properties"]:
            props = json.loads(row["properties"])
            assert props == dict(example.props[example.index[row["ref"]]])


def test_product_and_kind_filters(example: Projection) -> None:
    part = select_data(example, product="storefront")
    refs = {n["ref"] for n in part.nodes}
    assert "product:storefront" in refs
    assert refs - {"product:storefront"} == {
        example.refs[i]
        for i in range(example.node_count)
        if example.owner_ref(i) == "product:storefront"
    }
    assert all(e["from"] in refs and e["to"] in refs for e in part.edges)
    apis = select_data(example, kinds=["api"])
    assert {n["kind"] for n in apis.nodes} == {"api"}
    assert len(apis.nodes) == len(example.nodes_of("api"))
    both = select_data(example, product="product:storefront", kinds=["component"])
    assert {n["kind"] for n in both.nodes} == {"component"}
    doc = json.loads(data_json(both))
    assert doc["filters"] == {
        "product": "product:storefront",
        "kind": ["component"],
        "as_of": None,
    }
    assert len(doc["nodes"]) == len(both.nodes)


def test_filter_bad_input(example: Projection) -> None:
    with pytest.raises(NotFoundError):
        select_data(example, product="no-such-product")
    with pytest.raises(InvalidInputError) as err:
        select_data(example, product="component:identity-service")
    assert err.value.code == "not_a_product"
    with pytest.raises(InvalidInputError) as err:
        select_data(example, kinds=["widget"])
    assert err.value.code == "unknown_kind"
