"""The views and their renderers, on the example portfolio and a generated large one.

SVG and PNG come from the real Graphviz ``dot`` (``make test`` installs it).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import networkx as nx
import pytest

from graph.analysis import Projection, impact
from graph.views import (
    MAX_CHARS,
    MAX_COMPONENTS,
    MAX_EDGES,
    MAX_FOCUS_DEPTH,
    focus_view,
    impact_view,
    portfolio_view,
    render_diagram,
    to_mermaid,
)
from schemas.analysis import ImpactRequest
from schemas.errors import InvalidInputError, NotFoundError

SVG = "{http://www.w3.org/2000/svg}"
RED = "#c0392b"


def svg_groups(svg: bytes, cls: str) -> dict[str, ET.Element]:
    root = ET.fromstring(svg)
    return {g.get("id", ""): g for g in root.iter(f"{SVG}g") if g.get("class") == cls}


def text_of(group: ET.Element) -> str:
    return " ".join(t.text or "" for t in group.iter(f"{SVG}text"))


def owner_of(p: Projection, ref: str) -> str | None:
    return p.owner_ref(p.index[ref])


def test_portfolio_svg_has_every_component_in_its_product_cluster(example: Projection) -> None:
    svg = render_diagram(portfolio_view(example), "svg").content
    nodes = svg_groups(svg, "node")
    clusters = svg_groups(svg, "cluster")
    components = {example.refs[c] for c in example.nodes_of("component")}
    assert components <= nodes.keys()
    expected_clusters = {f"cluster:{owner_of(example, c) or 'platform'}" for c in components}
    assert set(clusters) == expected_clusters
    assert "cluster:platform" in clusters and "cluster:product:storefront" in clusters
    # each component is drawn inside the cluster of its product (graphviz nests nothing
    # in SVG, so check by geometry: the node's text lies inside the cluster's polygon)
    for ref in components:
        cluster = clusters[f"cluster:{owner_of(example, ref) or 'platform'}"]
        xs, ys = _box(cluster)
        x, y = _text_position(nodes[ref])
        assert xs[0] <= x <= xs[1] and ys[0] <= y <= ys[1], ref


def _box(group: ET.Element) -> tuple[tuple[float, float], tuple[float, float]]:
    shape = next(e for e in group if e.tag in (f"{SVG}polygon", f"{SVG}path"))
    numbers = [
        float(n)
        for n in re.findall(r"-?\d+(?:\.\d+)?", shape.get("points") or shape.get("d") or "")
    ]
    xs, ys = numbers[0::2], numbers[1::2]
    return (min(xs), max(xs)), (min(ys), max(ys))


def _text_position(group: ET.Element) -> tuple[float, float]:
    text = next(group.iter(f"{SVG}text"))
    return float(text.get("x", "nan")), float(text.get("y", "nan"))


def test_portfolio_marks_deprecated_and_cross_product(example: Projection) -> None:
    diagram = portfolio_view(example)
    g = example.networkx()
    deprecated = {
        ref
        for ref, data in g.nodes(data=True)
        if data["kind"] == "component" and data.get("lifecycle") in ("deprecated", "retired")
    }
    assert deprecated, "the example portfolio has a deprecated component"
    svg = render_diagram(diagram, "svg").content
    nodes = svg_groups(svg, "node")
    for ref in deprecated:
        assert "(deprecated)" in text_of(nodes[ref])
    for ref in set(nodes) - deprecated:
        assert "(deprecated)" not in text_of(nodes[ref])
    cross = {
        (a, b)
        for a, b, data in g.edges(data=True)
        if data["type"] == "DEPENDS_ON"
        and owner_of(example, a)
        and owner_of(example, b)
        and owner_of(example, a) != owner_of(example, b)
    }
    assert cross
    drawn = {(e.src, e.dst) for e in diagram.edges if e.cross_product and e.type == "DEPENDS_ON"}
    assert drawn == cross
    red_edges = [
        e
        for e in svg_groups(svg, "edge").values()
        if f'stroke="{RED}"' in ET.tostring(e, encoding="unicode")
    ]
    assert len(red_edges) == sum(1 for e in diagram.edges if e.cross_product)
    platform_deps = [e for e in diagram.edges if owner_of(example, e.dst) is None]
    assert platform_deps and not any(e.cross_product for e in platform_deps)


def test_portfolio_png_is_a_png(example: Projection) -> None:
    png = render_diagram(portfolio_view(example), "png").content
    assert png.startswith(b"\x89PNG\r\n\x1a\n")


def test_focus_view_is_the_neighbourhood(example: Projection) -> None:
    ref = "component:identity-service"
    undirected = nx.Graph(example.networkx())
    for depth in (0, 1, 2):
        diagram = focus_view(example, ref, depth)
        expected = set(nx.single_source_shortest_path_length(undirected, ref, cutoff=depth))
        assert {n.id for n in diagram.nodes} == expected
        assert [n.id for n in diagram.nodes if n.focus] == [ref]
        edges = {
            (a, t["type"], b)
            for a, b, t in example.networkx().edges(data=True)
            if a in expected and b in expected
        }
        assert {(e.src, e.type, e.dst) for e in diagram.edges} == edges
    svg = render_diagram(focus_view(example, ref, 1), "svg").content
    assert set(svg_groups(svg, "node")) == set(
        nx.single_source_shortest_path_length(undirected, ref, cutoff=1)
    )


def test_focus_view_bad_input(example: Projection) -> None:
    with pytest.raises(NotFoundError) as err:
        focus_view(example, "component:no-such-thing")
    assert err.value.code == "unknown_element"
    with pytest.raises(InvalidInputError) as bad:
        focus_view(example, "component:identity-service", MAX_FOCUS_DEPTH + 1)
    assert bad.value.code == "depth_out_of_range"


def test_impact_view_draws_what_impact_reports(example: Projection) -> None:
    target = "component:identity-service"
    result = impact(example, ImpactRequest(targets=[target]))
    diagram = impact_view(example, [target])
    expected: dict[str, int] = {target: 0}
    soft: set[str] = set()
    for group in result.components_by_depth:
        for ref in group.hard + group.apis:
            expected.setdefault(ref, group.depth)
        for ref in group.soft:
            expected.setdefault(ref, group.depth)
            soft.add(ref)
    assert {n.id: n.depth for n in diagram.nodes} == expected
    assert {n.id for n in diagram.nodes if n.soft} == soft
    assert {g.id for g in diagram.groups if g.affected} == {a.ref for a in result.affected_products}
    assert any(e.soft for e in diagram.edges) == bool(soft)
    svg = render_diagram(diagram, "svg").content
    clusters = svg_groups(svg, "cluster")
    for product in result.affected_products:
        cluster = clusters[f"cluster:{product.ref}"]
        assert "(affected)" in text_of(cluster)
        assert f'stroke="{RED}"' in ET.tostring(cluster, encoding="unicode")
    assert "target" in text_of(svg_groups(svg, "node")[target])


def test_large_portfolio_collapses_into_products(large: Projection) -> None:
    assert len(large.nodes_of("component")) > MAX_COMPONENTS
    diagram = portfolio_view(large)
    assert diagram.collapsed
    assert "collapsed" in diagram.notes[0]
    assert not [n for n in diagram.nodes if n.kind == "component"]
    products = {large.refs[i] for i in large.nodes_of("product")}
    assert {n.id for n in diagram.nodes} == products | {"platform"}
    members = sum(n.members for n in diagram.nodes if n.role != "element")
    assert members == len(large.nodes_of("component"))


def test_mermaid_stays_within_github_limits(large: Projection) -> None:
    diagram = portfolio_view(large)
    assert len(diagram.edges) > MAX_EDGES  # the collapsed map alone is over the limit
    result = to_mermaid(diagram)
    assert len(result.parts) > 1
    assert any("split" in note for note in result.notes)
    drawn: set[tuple[str, str, str]] = set()
    for part in result.parts:
        assert len(part) <= MAX_CHARS
        edges = re.findall(r"^  (n\d+) (?:-->|==>|-\.->)\|\"([^\"]*)\"\| (n\d+)$", part, re.M)
        assert 0 < len(edges) <= MAX_EDGES
        declared = set(re.findall(r"^ +(n\d+)\[", part, re.M))
        assert {a for a, _, _ in edges} | {b for _, _, b in edges} <= declared
        drawn |= set(edges)
    assert len(drawn) == len(diagram.edges)


def test_mermaid_small_view_is_one_diagram(example: Projection) -> None:
    result = to_mermaid(portfolio_view(example))
    assert len(result.parts) == 1 and not result.collapsed
    text = result.text()
    assert text.count("subgraph ") == len(portfolio_view(example).drawn_groups())
    assert text.count("==>") == sum(
        1 for e in portfolio_view(example).edges if e.cross_product and not e.soft
    )


def test_structurizr_has_systems_containers_and_typed_relationships(example: Projection) -> None:
    diagram = portfolio_view(example)
    dsl = render_diagram(diagram, "structurizr").content.decode()
    systems = re.findall(r'= softwareSystem "([^"]*)" "([^"]*)"', dsl)
    containers = re.findall(r'= container "[^"]*" "([^"]*)"', dsl)
    assert {ref for _, ref in systems} >= {g.id for g in diagram.drawn_groups()}
    assert set(containers) == {example.refs[c] for c in example.nodes_of("component")}
    relationships = re.findall(r'^\s+e\d+ -> e\d+ "([A-Z_]+)(?: x\d+)?"', dsl, re.M)
    assert len(relationships) == len(diagram.edges)
    assert set(relationships) <= {"DEPENDS_ON", "CONSUMES", "SUBSCRIBES"}
    assert dsl.count("{") == dsl.count("}")
