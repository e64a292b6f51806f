"""The rules the OpenAPI document states and the service keeps (docs/architecture.md,
"HTTP API"): Allow on 405, empty query values, strict yes/no, number and date
fields, a malformed body, ADR numbers in any script's digits."""

from __future__ import annotations

import pytest

from graph.storage import GraphStore
from tests.api.conftest import ApiClient, assert_error


def test_405_lists_every_method_of_the_path(api: ApiClient) -> None:
    response = api.request("OPTIONS", "/api/v1/products/shop")
    assert_error(response, 405, "method_not_allowed")
    document = api.get("/openapi.json").json()
    documented = {m.upper() for m in document["paths"]["/api/v1/products/{slug}"]}
    assert set(response.headers["allow"].replace(" ", "").split(",")) - {"HEAD"} == documented
    # a literal path is its own path, not a value of the template beside it
    conflicts = api.request("OPTIONS", "/api/v1/adrs/conflicts")
    assert conflicts.status_code == 405 and conflicts.headers["allow"] == "GET"


def test_an_empty_query_value_is_the_parameter_left_out(api: ApiClient) -> None:
    api.post("/api/v1/teams", json={"slug": "web"})
    plain = api.get("/api/v1/changes").json()
    assert api.get("/api/v1/changes?since=&until=&cursor=&element=").json() == plain
    assert api.get("/api/v1/edges?type=&limit=").status_code == 200
    # a value that is there is still checked
    assert_error(api.get("/api/v1/changes?cursor=%C2%B2"), 422, "validation_error")


@pytest.mark.parametrize(
    ("path", "body", "where"),
    [
        ("/api/v1/components", {"slug": "c", "platform": 0}, "body.platform"),
        ("/api/v1/products", {"slug": "p", "business_weight": False}, "body.business_weight"),
        ("/api/v1/products", {"slug": "p", "business_weight": "12"}, "body.business_weight"),
        ("/api/v1/apis", {"slug": "a", "sunset_date": 0}, "body.sunset_date"),
        ("/api/v1/apis", {"slug": "a", "sunset_date": "1"}, "body.sunset_date"),
        ("/api/v1/adrs", {"title": "t", "date": 0}, "body.date"),
    ],
)
def test_flags_numbers_and_dates_are_taken_only_as_themselves(
    api: ApiClient, store: GraphStore, path: str, body: dict[str, object], where: str
) -> None:
    version = store.version()
    assert assert_error(api.post(path, json=body), 422, "validation_error")["location"] == where
    assert store.version() == version


def test_patch_keeps_each_fields_constraints(api: ApiClient) -> None:
    api.post("/api/v1/products", json={"slug": "p"})
    response = api.patch("/api/v1/products/p", json={"business_weight": 0})
    assert assert_error(response, 422, "validation_error")["location"] == "body.business_weight"


def test_a_body_that_is_not_utf8_json_is_400(api: ApiClient) -> None:
    response = api.post(
        "/api/v1/teams", content=b"\xff\xfe{", headers={"content-type": "application/json"}
    )
    assert assert_error(response, 400, "malformed_body")["location"] == "body"


def test_adr_numbers_are_ascii_digits(api: ApiClient) -> None:
    for raw in ("%C2%B3", "ADR-%D9%A3", "9" * 30):
        assert_error(api.get(f"/api/v1/adrs/{raw}"), 404, "adr_not_found")
    assert_error(api.get("/api/v1/adrs?until=0"), 422, "validation_error")


def test_edges_are_listed_by_type_with_a_limit(api: ApiClient, store: GraphStore) -> None:
    assert_error(api.get("/api/v1/edges?type=NOPE"), 422, "validation_error")
    assert api.get("/api/v1/edges?type=OWNS").json() == {
        "items": [],
        "total": 0,
        "truncated": False,
    }
