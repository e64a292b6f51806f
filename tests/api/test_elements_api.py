"""Element CRUD, edges and neighbourhoods over HTTP, on both stores."""

from __future__ import annotations

from graph.storage import GraphStore
from tests.api.conftest import ApiClient, assert_error


def build_portfolio(api: ApiClient) -> None:
    for path, body in [
        ("/api/v1/teams", {"slug": "identity", "name": "Identity"}),
        (
            "/api/v1/products",
            {"slug": "checkout", "name": "Checkout", "tier": 1, "owner": "identity"},
        ),
        ("/api/v1/products", {"slug": "reporting", "tier": 3}),
        ("/api/v1/components", {"slug": "auth", "platform": True, "type": "service"}),
        ("/api/v1/components", {"slug": "cart", "product": "checkout"}),
        ("/api/v1/apis", {"slug": "auth-v1", "operations": [{"method": "GET", "path": "/me"}]}),
    ]:
        response = api.post(path, json=body)
        assert response.status_code == 201, response.text
    for edge in [
        {
            "from": "component:cart",
            "type": "DEPENDS_ON",
            "to": "component:auth",
            "properties": {"strength": "hard"},
        },
        {"from": "component:auth", "type": "PROVIDES", "to": "api:auth-v1"},
    ]:
        assert api.post("/api/v1/edges", json=edge).status_code == 201


def test_create_read_list_update_delete(api: ApiClient, store: GraphStore) -> None:
    build_portfolio(api)
    product = api.get("/api/v1/products/checkout").json()
    assert (product["ref"], product["name"], product["tier"], product["lifecycle"]) == (
        "product:checkout",
        "Checkout",
        1,
        "active",
    )
    assert [p["source"] for p in product["provenance"]] == ["api"]

    listing = api.get("/api/v1/products", params={"tier": "1"}).json()
    assert [p["slug"] for p in listing["items"]] == ["checkout"]
    assert listing["total"] == 1

    patched = api.patch("/api/v1/products/reporting", json={"tier": 1, "description": "BI"})
    assert patched.status_code == 200
    assert (patched.json()["tier"], patched.json()["description"]) == (1, "BI")

    replaced = api.put("/api/v1/products/reporting", json={"name": "Reports"})
    assert replaced.status_code == 200
    # PUT replaces what the API asserts: unset fields fall back to their defaults
    assert (replaced.json()["name"], replaced.json()["tier"]) == ("Reports", 2)
    assert replaced.json()["description"] is None
    # the path names the element: a slug in the body is not a field of PUT
    assert_error(
        api.put("/api/v1/products/reporting", json={"slug": "other"}), 422, "validation_error"
    )

    assert api.delete("/api/v1/products/reporting").status_code == 204
    assert_error(api.get("/api/v1/products/reporting"), 404, "not_found")
    assert store.get_node("product:reporting") is None


def test_fields_that_name_elements_become_edges(api: ApiClient, store: GraphStore) -> None:
    build_portfolio(api)
    assert store.get_edge("component:cart", "PART_OF", "product:checkout") is not None
    assert store.get_edge("team:identity", "OWNS", "product:checkout") is not None
    api.post("/api/v1/products", json={"slug": "shop"})
    assert api.patch("/api/v1/components/cart", json={"product": "shop"}).status_code == 200
    assert store.get_edge("component:cart", "PART_OF", "product:checkout") is None
    assert store.get_edge("component:cart", "PART_OF", "product:shop") is not None


def test_unknown_reference_in_a_field_is_422_and_writes_nothing(
    api: ApiClient, store: GraphStore
) -> None:
    version = store.version()
    body = assert_error(
        api.post("/api/v1/components", json={"slug": "x", "product": "nope"}),
        422,
        "unknown_reference",
    )
    assert body["location"] == "body.product"
    assert store.get_node("component:x") is None
    assert store.version() == version


def test_validation_errors_name_the_field(api: ApiClient, store: GraphStore) -> None:
    body = assert_error(
        api.post("/api/v1/products", json={"slug": "p", "tier": 7}), 422, "validation_error"
    )
    assert body["location"] == "body.tier"
    body = assert_error(
        api.post("/api/v1/products", json={"slug": "Bad Slug"}), 422, "validation_error"
    )
    assert body["location"] == "body.slug"
    body = assert_error(
        api.post("/api/v1/products", json={"slug": "p", "colour": "red"}), 422, "validation_error"
    )
    assert body["location"] == "body.colour"
    body = assert_error(api.patch("/api/v1/products/none", json={"tier": 1}), 404, "not_found")
    api.post("/api/v1/products", json={"slug": "p"})
    body = assert_error(
        api.patch("/api/v1/products/p", json={"lifecycle": "zombie"}), 422, "validation_error"
    )
    assert body["location"] == "body.lifecycle"
    assert_error(api.get("/api/v1/products", params={"colour": "red"}), 422, "validation_error")
    assert store.counts() == (1, 0)


def test_conflicts_are_409(api: ApiClient) -> None:
    build_portfolio(api)
    assert_error(api.post("/api/v1/products", json={"slug": "checkout"}), 409, "already_exists")
    edge = {"from": "component:cart", "type": "DEPENDS_ON", "to": "component:auth"}
    assert_error(api.post("/api/v1/edges", json=edge), 409, "already_exists")


def test_edges_are_checked_and_a_rejected_edge_writes_nothing(
    api: ApiClient, store: GraphStore
) -> None:
    build_portfolio(api)
    before = ({e.key for e in store.iter_edges()}, store.version())
    body = assert_error(
        api.post(
            "/api/v1/edges",
            json={"from": "product:checkout", "type": "DEPENDS_ON", "to": "component:auth"},
        ),
        422,
        "edge_not_allowed",
    )
    assert "DEPENDS_ON" in body["message"]
    body = assert_error(
        api.post(
            "/api/v1/edges",
            json={"from": "component:cart", "type": "DEPENDS_ON", "to": "component:ghost"},
        ),
        404,
        "unknown_element",
    )
    assert body["location"] == "body.to"
    assert_error(
        api.post(
            "/api/v1/edges",
            json={
                "from": "component:cart",
                "type": "DEPENDS_ON",
                "to": "component:auth",
                "properties": {"strength": "x"},
            },
        ),
        422,
        "validation_error",
    )
    assert ({e.key for e in store.iter_edges()}, store.version()) == before


def test_edge_delete_and_listing(api: ApiClient, store: GraphStore) -> None:
    build_portfolio(api)
    listed = api.get("/api/v1/edges", params={"from": "component:cart"}).json()
    assert {(e["type"], e["to"]) for e in listed["items"]} == {
        ("DEPENDS_ON", "component:auth"),
        ("PART_OF", "product:checkout"),
    }
    by_type = api.get("/api/v1/edges", params={"type": "PART_OF"}).json()
    expected = {e.key for e in store.iter_edges() if e.type == "PART_OF"}
    assert {(e["from"], e["type"], e["to"]) for e in by_type["items"]} == expected
    assert (by_type["total"], by_type["truncated"]) == (len(expected), False)
    one = api.get("/api/v1/edges", params={"limit": 1}).json()
    assert (len(one["items"]), one["total"], one["truncated"]) == (1, store.counts()[1], True)
    params = {"from": "component:cart", "type": "DEPENDS_ON", "to": "component:auth"}
    assert api.delete("/api/v1/edges", params=params).status_code == 204
    assert_error(api.delete("/api/v1/edges", params=params), 404, "not_found")


def test_element_by_ref_and_neighbors_with_depth(api: ApiClient) -> None:
    build_portfolio(api)
    assert api.get("/api/v1/elements/api:auth-v1").json()["operations"][0]["method"] == "get"
    assert_error(api.get("/api/v1/elements/nonsense"), 422, "validation_error")
    one = api.get("/api/v1/elements/api:auth-v1/neighbors", params={"direction": "in"}).json()
    assert [(n["ref"], n["depth"]) for n in one["neighbors"]] == [("component:auth", 1)]
    two = api.get(
        "/api/v1/elements/api:auth-v1/neighbors",
        params={"direction": "in", "depth": 2, "types": "PROVIDES,DEPENDS_ON"},
    ).json()
    assert {(n["ref"], n["depth"]) for n in two["neighbors"]} == {
        ("component:auth", 1),
        ("component:cart", 2),
    }
    assert_error(
        api.get("/api/v1/elements/api:auth-v1/neighbors", params={"types": "NOPE"}),
        422,
        "validation_error",
    )


def test_pagination_over_http(api: ApiClient) -> None:
    for i in range(7):
        api.post("/api/v1/teams", json={"slug": f"t{i}"})
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = api.get("/api/v1/teams", params=params).json()
        seen += [t["slug"] for t in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == [f"t{i}" for i in range(7)]
