"""The GraphML export read by a second, independent reader, and checked for yEd and Gephi.

networkx is the writer, so reading the file back with networkx alone proves
little. python-igraph (``igraph``) parses GraphML with libxml2, its own code;
it must find the same nodes, edges and values. The XML itself is checked
for what yEd and Gephi rely on (docs/diagrams.md): key declarations with a
GraphML attribute type, single typed values, a directed graph, unique edge
ids, ``label`` attributes. yEd and Gephi are desktop applications and are
not run here.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import igraph

from graph.analysis import Projection
from graph.views import data_graphml, select_data
from graph.views.data import GraphData

NS = {"g": "http://graphml.graphdrawing.org/xmlns"}
OWN = {"kind", "label", "product", "platform"}
GRAPHML_TYPES = {"boolean", "int", "long", "float", "double", "string"}


def _flat(value: Any) -> Any:
    """What the export promises for a value, stated here again: lists joined, nested as JSON."""
    if isinstance(value, list) and all(isinstance(v, str | int | float | bool) for v in value):
        return "; ".join(str(v) for v in value)
    if isinstance(value, list | dict):
        return json.dumps(value, sort_keys=True, default=str)
    return value


def _data(example: Projection) -> GraphData:
    return select_data(example)


def test_igraph_reads_the_same_graph(example: Projection, tmp_path: Path) -> None:
    data = _data(example)
    path = tmp_path / "graph.graphml"
    path.write_bytes(data_graphml(data))
    g = igraph.Graph.Read_GraphML(str(path))
    assert g.is_directed()
    assert g.vcount() == len(data.nodes) and g.ecount() == len(data.edges)
    vertices = {v["id"]: v for v in g.vs}
    assert set(vertices) == {n["ref"] for n in data.nodes}
    for n in data.nodes:
        v = vertices[n["ref"]]
        assert (v["kind"], v["label"], v["platform"]) == (n["kind"], n["name"], n["platform"])
        assert v["product"] == (n["product"] or "")  # igraph reads a missing string as ""
        for name, value in n["properties"].items():
            if name in OWN:
                continue  # the export's own attribute of that name wins (docs/diagrams.md)
            flat = _flat(value)
            if isinstance(v[name], str) and not isinstance(flat, str):
                flat = str(flat).lower() if isinstance(flat, bool) else str(flat)
            assert v[name] == flat, (n["ref"], name)
    read = sorted((g.vs[e.source]["id"], e["type"], g.vs[e.target]["id"], e["label"]) for e in g.es)
    assert read == sorted((e["from"], e["type"], e["to"], e["type"]) for e in data.edges)
    lists = [n for n in data.nodes if isinstance(n["properties"].get("technologies"), list)]
    assert lists, "the example has list values to flatten"


def test_the_xml_keeps_what_yed_and_gephi_need(example: Projection) -> None:
    data = _data(example)
    root = ElementTree.fromstring(data_graphml(data))
    assert root.tag == "{http://graphml.graphdrawing.org/xmlns}graphml"
    [graph] = root.findall("g:graph", NS)
    assert graph.get("edgedefault") == "directed"

    keys = root.findall("g:key", NS)
    by_id = {k.get("id"): k for k in keys}
    assert len(by_id) == len(keys), "key ids are unique"
    declared = [(k.get("for"), k.get("attr.name")) for k in keys]
    assert len(set(declared)) == len(declared), "one key per attribute and domain"
    assert {k.get("for") for k in keys} <= {"node", "edge"}
    assert {k.get("attr.type") for k in keys} <= GRAPHML_TYPES
    assert ("node", "label") in declared and ("edge", "label") in declared

    nodes = graph.findall("g:node", NS)
    edges = graph.findall("g:edge", NS)
    node_ids = [n.get("id") for n in nodes]
    edge_ids = [e.get("id") for e in edges]
    assert len(set(node_ids)) == len(node_ids) == len(data.nodes)
    assert None not in edge_ids and len(set(edge_ids)) == len(edge_ids) == len(data.edges)
    assert all(e.get("source") in node_ids and e.get("target") in node_ids for e in edges)

    parse = {
        "boolean": lambda t: t in ("true", "false"),
        "int": lambda t: -(2**31) <= int(t) < 2**31,
        "long": lambda t: -(2**63) <= int(t) < 2**63,
        "float": float,
        "double": float,
        "string": lambda t: not t.startswith("['"),  # a Python list's repr
    }
    for element in (*nodes, *edges):
        domain = "node" if element in nodes else "edge"
        for d in element.findall("g:data", NS):
            key = by_id[d.get("key")]
            assert key.get("for") == domain
            assert parse[key.get("attr.type") or ""](d.text or ""), (key.attrib, d.text)
    labelled = {
        n.get("id"): d.text
        for n in nodes
        for d in n.findall("g:data", NS)
        if by_id[d.get("key")].get("attr.name") == "label"
    }
    assert labelled == {n["ref"]: n["name"] for n in data.nodes}
