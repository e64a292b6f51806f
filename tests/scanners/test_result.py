from __future__ import annotations

from scanners.result import ResultBuilder, Severity
from schemas.edges import EdgeType
from schemas.elements import Component
from schemas.refs import Kind


def test_edges_get_stub_nodes_for_elements_not_described() -> None:
    b = ResultBuilder("manifest", "a/archgraph.yaml")
    b.add(Component(slug="checkout-api", product="checkout"))
    b.edge("component:checkout-api", EdgeType.PART_OF, "product:checkout")
    result = b.build()
    assert result.source_id == "manifest:a/archgraph.yaml"
    assert [n.ref for n in result.nodes] == ["component:checkout-api", "product:checkout"]
    assert result.node("product:checkout").properties == {}  # type: ignore[union-attr]
    assert result.described == ("component:checkout-api",)


def test_node_properties_are_exactly_the_model_properties() -> None:
    b = ResultBuilder("manifest", "x.yaml")
    ref = b.element(Kind.COMPONENT, "svc", {"type": "library", "platform": True})
    assert ref == "component:svc"
    expected = Component(slug="svc", type="library", platform=True).properties()
    assert dict(b.build().nodes[0].properties) == expected


def test_invalid_element_is_an_error_and_the_source_asserts_nothing() -> None:
    b = ResultBuilder("manifest", "x.yaml")
    b.element(Kind.COMPONENT, "ok", {})
    assert b.element(Kind.PRODUCT, "p", {"tier": 9}) is None
    result = b.build()
    assert result.failed
    assert result.nodes == () and result.edges == ()
    assert result.errors[0].code == "element.invalid"


def test_edge_kinds_and_properties_are_validated() -> None:
    b = ResultBuilder("manifest", "x.yaml")
    assert not b.edge("api:a", EdgeType.DEPENDS_ON, "component:b")
    assert not b.edge("component:a", EdgeType.DEPENDS_ON, "component:b", {"strength": "x"})
    assert [i.code for i in b.issues] == ["edge.invalid", "edge.invalid"]


def test_repeated_edges_merge_operation_lists() -> None:
    b = ResultBuilder("manifest", "x.yaml")
    b.edge("component:a", EdgeType.CONSUMES, "api:x", {"operations": ["GET /a"]})
    b.edge("component:a", EdgeType.CONSUMES, "api:x", {"operations": ["GET /b", "GET /a"]})
    (edge,) = b.build().edges
    assert edge.properties == {"operations": ["GET /a", "GET /b"]}
    b.edge("component:a", EdgeType.CONSUMES, "api:x", {})  # "all operations" absorbs lists
    assert b.build().edges[0].properties == {}


def test_output_is_sorted_whatever_the_input_order() -> None:
    def build(order: list[str]) -> tuple[object, object]:
        b = ResultBuilder("manifest", "x.yaml")
        for slug in order:
            b.edge("component:hub", EdgeType.DEPENDS_ON, f"component:{slug}")
        r = b.build()
        return r.nodes, r.edges

    assert build(["c", "a", "b"]) == build(["b", "c", "a"])


def test_issue_text_and_json() -> None:
    b = ResultBuilder("manifest", "x.yaml")
    b.issue(Severity.WARNING, "w.code", "careful", line=3, field="depends_on[0]")
    issue = b.build().issues[0]
    assert str(issue) == "x.yaml:3 (depends_on[0]): warning: careful [w.code]"
    assert issue.to_json() == {
        "severity": "warning",
        "code": "w.code",
        "message": "careful",
        "file": "x.yaml",
        "line": 3,
        "field": "depends_on[0]",
    }
