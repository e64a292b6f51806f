"""Data exports: the graph, or part of it, as JSON, CSV (nodes, edges) or GraphML.

:func:`export_data` is the one call the CLI and the HTTP route make.
:func:`select_data` picks the elements: every one, or those of one product
(the product, the components it owns and the APIs they offer), or of some
kinds, or both; the edges are those with both ends picked. The writers
take that selection:

* :func:`data_json`: ``{"format": "archgraph-data", ..., "nodes", "edges"}``
  with every property as stored;
* :func:`data_csv_zip`: a zip of ``nodes.csv`` and ``edges.csv``, a column per
  common field and the rest as a JSON ``properties`` column;
* :func:`data_graphml`: GraphML for yEd, Gephi and networkx; list values are
  joined with ``"; "``, nested values written as JSON text, and a key
  holding values of different types is written as text throughout.

Errors::

    NotFoundError      the product is not in the graph (code unknown_element)
    InvalidInputError  the product filter names something else, or an unknown kind
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import networkx as nx
from networkx.readwrite.graphml import GraphMLWriter

from graph.analysis import Projection
from schemas.errors import InvalidInputError, NotFoundError
from schemas.refs import Kind

DataFormat = Literal["json", "csv", "graphml"]
NODE_COLUMNS = ("ref", "kind", "name", "product", "platform", "lifecycle", "properties")
EDGE_COLUMNS = ("from", "type", "to", "strength", "properties")


@dataclass(slots=True)
class GraphData:
    """The picked elements and the edges among them, with their properties."""

    graph_version: int
    filters: dict[str, Any]
    nodes: list[dict[str, Any]] = field(default_factory=list)
    edges: list[dict[str, Any]] = field(default_factory=list)


def _parse_kinds(kinds: list[str]) -> set[str]:
    known = {k.value for k in Kind}
    unknown = [k for k in kinds if k not in known]
    if unknown:
        raise InvalidInputError(
            f"unknown kind {unknown[0]!r}: use one of {', '.join(sorted(known))}",
            code="unknown_kind",
            location="kind",
        )
    return set(kinds)


def select_data(
    p: Projection,
    *,
    product: str | None = None,
    kinds: list[str] | None = None,
    as_of: str | None = None,
) -> GraphData:
    """The whole graph, or the part one product and/or some kinds pick out.

    *as_of* is only recorded in the filters: *p* is already the projection
    of the graph at that point.
    """
    wanted_kinds = _parse_kinds(kinds) if kinds else None
    product_ref = None
    if product:
        product_ref = product if ":" in product else f"product:{product}"
        node = p.index.get(product_ref)
        if node is None or node >= p.node_count:
            raise NotFoundError(
                f"{product_ref} is not in the graph", code="unknown_element", location="product"
            )
        if p.kind(node) != Kind.PRODUCT:
            raise InvalidInputError(
                f"{product_ref} is not a product", code="not_a_product", location="product"
            )
    picked: list[int] = []
    for i in range(p.node_count):
        if product_ref is not None and p.refs[i] != product_ref and p.owner_ref(i) != product_ref:
            continue
        if wanted_kinds is not None and p.kind(i).value not in wanted_kinds:
            continue
        picked.append(i)
    chosen = set(picked)
    data = GraphData(
        graph_version=p.version,
        filters={
            "product": product_ref,
            "kind": sorted(wanted_kinds) if wanted_kinds else None,
            "as_of": as_of,
        },
    )
    for i in picked:
        data.nodes.append(
            {
                "ref": p.refs[i],
                "kind": p.kind(i).value,
                "name": p.name(i),
                "product": p.owner_ref(i),
                "platform": p.is_platform(i),
                "properties": dict(p.props[i]),
            }
        )
        for e in p.out_edges(i):
            if p.edge_dst[e] in chosen:
                data.edges.append(
                    {
                        "from": p.refs[i],
                        "type": p.edge_kind(e).value,
                        "to": p.refs[p.edge_dst[e]],
                        "properties": dict(p.edge_properties(e)),
                    }
                )
    return data


def data_json(data: GraphData) -> bytes:
    doc = {
        "format": "archgraph-data",
        "format_version": 1,
        "graph_version": data.graph_version,
        "filters": data.filters,
        "nodes": data.nodes,
        "edges": data.edges,
    }
    return json.dumps(doc, indent=1, default=str).encode()


def _csv(rows: list[list[Any]], header: tuple[str, ...]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def _json_cell(value: Mapping[str, Any]) -> str:
    return json.dumps(value, sort_keys=True, default=str) if value else ""


def data_csv_zip(data: GraphData) -> bytes:
    """A zip holding ``nodes.csv`` and ``edges.csv``."""
    nodes = [
        [
            n["ref"],
            n["kind"],
            n["name"],
            n["product"] or "",
            "true" if n["platform"] else "false",
            str(n["properties"].get("lifecycle") or ""),
            _json_cell(n["properties"]),
        ]
        for n in data.nodes
    ]
    edges = [
        [
            e["from"],
            e["type"],
            e["to"],
            str(e["properties"].get("strength") or ""),
            _json_cell(e["properties"]),
        ]
        for e in data.edges
    ]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("nodes.csv", _csv(nodes, NODE_COLUMNS))
        archive.writestr("edges.csv", _csv(edges, EDGE_COLUMNS))
    return buffer.getvalue()


def _flat(value: Any) -> str | int | float | bool | None:
    if value is None or isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, list) and all(isinstance(v, str | int | float | bool) for v in value):
        return "; ".join(str(v) for v in value)
    return json.dumps(value, sort_keys=True, default=str)


def _attributes(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Flat attributes, each key holding one type (text when the values disagree)."""
    flat = [{k: f for k, v in item.items() if (f := _flat(v)) is not None} for item in items]
    types: dict[str, set[type]] = {}
    for attrs in flat:
        for k, v in attrs.items():
            types.setdefault(k, set()).add(type(v))
    mixed = {k for k, ts in types.items() if len(ts) > 1}
    for attrs in flat:
        for k in mixed & attrs.keys():
            attrs[k] = str(attrs[k]).lower() if isinstance(attrs[k], bool) else str(attrs[k])
    return flat


class _GraphMLWriter(GraphMLWriter):  # type: ignore[misc]  # networkx ships no types
    """networkx's writer, with booleans as XML Schema writes them (``true``, not ``True``)."""

    def add_data(
        self, name: str, element_type: type, value: Any, scope: str = "all", default: Any = None
    ) -> Any:
        # networkx passes str(value) here: "True" for a boolean
        text = str(value).lower() if element_type is bool else value
        return super().add_data(name, element_type, text, scope, default)


def data_graphml(data: GraphData) -> bytes:
    """GraphML: node attributes ``kind``, ``label`` (the name), ``product``, ``platform``
    and the flattened properties; edges with ids ``e0``, ``e1``, ... and attributes
    ``type``, ``label`` (the type) and the flattened properties (docs/diagrams.md)."""
    g = nx.MultiDiGraph()
    node_attrs = _attributes(
        [
            {
                **n["properties"],
                "kind": n["kind"],
                "label": n["name"],
                "product": n["product"],
                "platform": n["platform"],
            }
            for n in data.nodes
        ]
    )
    for n, attrs in zip(data.nodes, node_attrs, strict=True):
        g.add_node(n["ref"], **attrs)
    edge_attrs = _attributes(
        [{**e["properties"], "type": e["type"], "label": e["type"]} for e in data.edges]
    )
    for number, (e, attrs) in enumerate(zip(data.edges, edge_attrs, strict=True)):
        g.add_edge(e["from"], e["to"], key=f"e{number}", **attrs)
    writer = _GraphMLWriter(encoding="utf-8", prettyprint=True)
    writer.add_graph_element(g)
    return (str(writer).rstrip("\n") + "\n").encode()


_WRITERS = {"json": data_json, "csv": data_csv_zip, "graphml": data_graphml}


def export_data(
    p: Projection,
    format: DataFormat,
    *,
    product: str | None = None,
    kinds: Iterable[str] = (),
    as_of: str | None = None,
) -> bytes:
    """:func:`select_data`, written in *format*; each of *kinds* may be a comma-list
    (as ``--kind`` and ``?kind=`` give them)."""
    picked = [k.strip() for value in kinds for k in value.split(",") if k.strip()]
    data = select_data(p, product=product, kinds=picked or None, as_of=as_of)
    return _WRITERS[format](data)
