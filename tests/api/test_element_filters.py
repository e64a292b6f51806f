"""List filters typed from the element model, on both stores (rule: docs/architecture.md)."""

from __future__ import annotations

from typing import Any

import pytest

from app.element_filters import filterable_fields, parse_filters
from schemas.errors import InvalidInputError
from schemas.refs import Kind
from tests.api.conftest import ApiClient, assert_error


def _create(api: ApiClient, path: str, body: dict[str, Any]) -> None:
    response = api.post(f"/api/v1/{path}", json=body)
    assert response.status_code == 201, response.text


@pytest.fixture
def portfolio(api: ApiClient) -> ApiClient:
    for slug in ("payments", "identity"):
        _create(api, "teams", {"slug": slug})
    for slug in ("kafka", "postgres"):
        _create(api, "technologies", {"slug": slug, "vendor": "acme" if slug == "kafka" else None})
    _create(api, "products", {"slug": "bare"})  # every field at its default, none stored
    _create(
        api,
        "products",
        {
            "slug": "checkout",
            "name": "Checkout",
            "owner": "payments",
            "tier": 1,
            "lifecycle": "active",
            "business_weight": 12,
            "tags": ["core", "eu"],
        },
    )
    _create(
        api,
        "products",
        {"slug": "legacy", "owner": "identity", "tier": 2, "lifecycle": "sunsetting"},
    )
    _create(api, "components", {"slug": "plain"})
    _create(
        api,
        "components",
        {
            "slug": "ledger",
            "type": "datastore",
            "platform": True,
            "lifecycle": "deprecated",
            "technologies": ["kafka", "postgres"],
        },
    )
    _create(api, "components", {"slug": "cart", "platform": False, "technologies": ["postgres"]})
    _create(api, "apis", {"slug": "old", "lifecycle": "deprecated", "sunset_date": "2026-03-01"})
    _create(api, "apis", {"slug": "new"})
    return api


def _slugs(api: ApiClient, plural: str, **params: str) -> list[str]:
    response = api.get(f"/api/v1/{plural}", params=params)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["total"] == len(body["items"])
    return [item["slug"] for item in body["items"]]


def test_string_fields_filter_by_equality(portfolio: ApiClient) -> None:
    assert _slugs(portfolio, "products", owner="payments") == ["checkout"]
    assert _slugs(portfolio, "products", name="Checkout") == ["checkout"]
    # an empty value is the parameter left out (app/query.py): no filter at all
    assert _slugs(portfolio, "products", name="") == _slugs(portfolio, "products")
    assert _slugs(portfolio, "technologies", vendor="acme") == ["kafka"]


def test_int_and_float_fields_are_coerced_and_defaults_count(portfolio: ApiClient) -> None:
    assert _slugs(portfolio, "products", tier="1") == ["checkout"]
    # tier 2 is the default: "bare" has no tier stored and reads as 2
    assert _slugs(portfolio, "products", tier="2") == ["bare", "legacy"]
    assert _slugs(portfolio, "products", business_weight="12") == ["checkout"]
    assert _slugs(portfolio, "products", business_weight="12.0") == ["checkout"]
    assert _slugs(portfolio, "products", business_weight="13") == []


def test_bool_fields_and_their_default(portfolio: ApiClient) -> None:
    assert _slugs(portfolio, "components", platform="true") == ["ledger"]
    assert _slugs(portfolio, "components", platform="false") == ["cart", "plain"]


def test_enum_fields_and_their_default(portfolio: ApiClient) -> None:
    assert _slugs(portfolio, "products", lifecycle="active") == ["bare", "checkout"]
    assert _slugs(portfolio, "products", lifecycle="sunsetting") == ["legacy"]
    assert _slugs(portfolio, "components", lifecycle="active") == ["cart", "plain"]
    assert _slugs(portfolio, "components", type="service") == ["cart", "plain"]
    assert _slugs(portfolio, "components", type="datastore") == ["ledger"]
    assert _slugs(portfolio, "apis", lifecycle="deprecated") == ["old"]


def test_date_fields(portfolio: ApiClient) -> None:
    assert _slugs(portfolio, "apis", sunset_date="2026-03-01") == ["old"]
    assert _slugs(portfolio, "apis", sunset_date="2026-03-02") == []


def test_list_fields_match_by_membership(portfolio: ApiClient) -> None:
    assert _slugs(portfolio, "components", technologies="postgres") == ["cart", "ledger"]
    assert _slugs(portfolio, "components", technologies="kafka") == ["ledger"]
    assert _slugs(portfolio, "products", tags="eu") == ["checkout"]
    assert _slugs(portfolio, "products", tags="us") == []


def test_filters_combine_and_page(portfolio: ApiClient) -> None:
    assert _slugs(portfolio, "products", tier="2", lifecycle="active") == ["bare"]
    first = portfolio.get("/api/v1/products", params={"lifecycle": "active", "limit": "1"})
    body = first.json()
    assert [i["slug"] for i in body["items"]] == ["bare"] and body["total"] == 2
    rest = portfolio.get(
        "/api/v1/products",
        params={"lifecycle": "active", "limit": "1", "cursor": body["next_cursor"]},
    )
    assert [i["slug"] for i in rest.json()["items"]] == ["checkout"]


@pytest.mark.parametrize(
    ("plural", "params"),
    [
        ("products", {"tier": "one"}),
        ("products", {"tier": "7"}),
        ("products", {"lifecycle": "zombie"}),
        ("components", {"platform": "maybe"}),
        ("apis", {"sunset_date": "soon"}),
        ("products", {"business_weight": "nan"}),
        ("products", {"owner": "Not A Slug"}),
        ("components", {"technologies": "Bad Slug"}),
    ],
)
def test_values_the_field_cannot_hold_are_422(
    portfolio: ApiClient, plural: str, params: dict[str, str]
) -> None:
    field = next(iter(params))
    body = assert_error(portfolio.get(f"/api/v1/{plural}", params=params), 422, "validation_error")
    assert body["location"] == f"query.{field}"


def test_unknown_and_unfilterable_fields_are_422_listing_the_fields(portfolio: ApiClient) -> None:
    for name in ("colour", "slug", "operations", "security_schemes"):
        body = assert_error(
            portfolio.get("/api/v1/apis", params={name: "x"}), 422, "validation_error"
        )
        assert "filterable fields: " in body["message"]
        for field in ("lifecycle", "sunset_date", "tags", "version"):
            assert field in body["message"]
        assert "operations," not in body["message"]


def test_a_field_given_twice_and_a_huge_number_are_422(portfolio: ApiClient) -> None:
    assert_error(
        portfolio.get("/api/v1/products?owner=payments&owner=identity"), 422, "validation_error"
    )
    assert_error(portfolio.get("/api/v1/teams?name=a&name=a"), 422, "validation_error")
    # a number bigger than either store can hold is refused, not a 500
    response = portfolio.get("/api/v1/products", params={"business_weight": "9" * 30})
    assert response.status_code == 422


def test_every_scalar_field_of_every_kind_is_filterable() -> None:
    expected = {
        Kind.PRODUCT: {"name", "description", "tags", "tier", "lifecycle", "owner"}
        | {"business_weight", "domain"},
        Kind.COMPONENT: {"name", "description", "tags", "type", "product", "platform"}
        | {"lifecycle", "owner", "technologies", "capabilities"},
        Kind.API: {"name", "description", "tags", "type", "version", "lifecycle"}
        | {"sunset_date", "servers", "spec_path"},
        Kind.TEAM: {"name", "description", "tags", "contact"},
    }
    for kind, fields in expected.items():
        assert set(filterable_fields(kind)) == fields


def test_a_whole_number_beyond_64_bits_is_refused() -> None:
    with pytest.raises(InvalidInputError) as raised:
        parse_filters(Kind.ADR, [("number", "9" * 30)])
    assert raised.value.location == ["query", "number"]
    assert parse_filters(Kind.ADR, [("number", "7")])["number"].value == 7
