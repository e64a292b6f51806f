"""A hand-made portfolio with planted problems, for the duplicates, risks and diligence tests.

* ``shop`` and ``crm`` each run their own authentication instead of the
  platform's ``auth-platform`` (one says so in its name, the other in its
  description; both offer operations the platform API offers); ``blog`` uses
  the platform.
* ``shop`` and ``crm`` both declare a search component.
* ``shop-inventory`` and ``crm-stock`` offer the same item operations with no
  capability declared.
* ``pipeline`` (product ``data``) feeds the reporting of ``sales`` (tier 1),
  ``finance`` and ``ops``: a hard single point of failure.
* ``sales`` and ``finance`` depend on each other through two components: a
  cycle across products.
* ``api:legacy-orders`` is deprecated and still consumed by ``ops``; the
  active ``api:orders`` has a deprecated operation ``finance`` still uses.
"""

from __future__ import annotations

from typing import Any

from tests.analysis.conftest import Edge

AUTH_OPS = [
    {"method": "post", "path": "/v1/oauth/token", "operation_id": "issueToken"},
    {"method": "get", "path": "/v1/users/{id}", "operation_id": "getUser"},
    {"method": "put", "path": "/v1/users/{id}/password", "operation_id": "setPassword"},
    {"method": "get", "path": "/health"},
]

NODES: dict[str, dict[str, Any]] = {
    "capability:authentication": {"name": "Authentication", "synonyms": ["sso"]},
    "capability:search": {"name": "Search"},
    "capability:data-pipeline": {"name": "Data pipeline"},
    "technology:postgres": {},
    "technology:cobol": {},
    "product:shop": {"name": "Shop", "tier": 1},
    "product:crm": {"name": "CRM", "tier": 2},
    "product:blog": {"name": "Blog", "tier": 3},
    "product:data": {"name": "Data", "tier": 2},
    "product:sales": {"name": "Sales", "tier": 1},
    "product:finance": {"name": "Finance", "tier": 2},
    "product:ops": {"name": "Ops", "tier": 3},
    "component:auth-platform": {"name": "Auth", "platform": True},
    "component:platform-etl": {"platform": True, "capabilities": ["data-pipeline"]},
    "component:shop-login": {"name": "Shop Login", "product": "shop", "technologies": ["cobol"]},
    "component:crm-identity": {
        "name": "CRM Accounts",
        "product": "crm",
        "description": "Lets CRM users sign in and reset their password.",
    },
    "component:blog-api": {"product": "blog"},
    "component:shop-search": {"product": "shop"},
    "component:crm-search": {"product": "crm", "capabilities": ["search"]},
    "component:shop-inventory": {"product": "shop"},
    "component:crm-stock": {"product": "crm"},
    "component:pipeline": {"name": "Data pipeline", "product": "data"},
    "component:sales-reports": {"product": "sales"},
    "component:finance-reports": {"product": "finance"},
    "component:ops-reports": {"product": "ops"},
    "component:sales-core": {"product": "sales"},
    "component:finance-core": {"product": "finance"},
    "component:orders-service": {"product": "sales"},
    "component:ops-client": {"product": "ops"},
    "api:auth-v1": {"operations": AUTH_OPS},
    "api:shop-auth": {
        "operations": [
            {"method": "post", "path": "/oauth/token"},
            {"method": "put", "path": "/users/{userId}/password"},
        ]
    },
    "api:crm-users": {
        "operations": [
            {"method": "put", "path": "/api/v2/users/{uid}/password"},
            {"method": "get", "path": "/api/v2/users/{uid}"},
            {"method": "get", "path": "/api/v2/users/{uid}/preferences"},
        ]
    },
    "api:inventory": {
        "operations": [
            {"method": "get", "path": "/items/{id}"},
            {"method": "post", "path": "/items"},
            {"method": "delete", "path": "/items/{id}"},
        ]
    },
    "api:stock": {
        "operations": [
            {"method": "get", "path": "/v1/items/{itemId}"},
            {"method": "post", "path": "/v1/items"},
        ]
    },
    "api:events": {"type": "asyncapi"},
    "api:legacy-orders": {"lifecycle": "deprecated", "sunset_date": "2025-12-31"},
    "api:orders": {
        "operations": [
            {"method": "get", "path": "/orders/{id}", "operation_id": "getOrder"},
            {"method": "get", "path": "/orders", "operation_id": "listOrders", "deprecated": True},
        ]
    },
}

EDGES: list[Edge] = [
    ("component:auth-platform", "HAS_CAPABILITY", "capability:authentication"),
    ("component:auth-platform", "PROVIDES", "api:auth-v1"),
    ("component:auth-platform", "USES", "technology:postgres"),
    ("component:shop-login", "PROVIDES", "api:shop-auth"),
    ("component:shop-login", "USES", "technology:postgres"),
    ("component:crm-identity", "PROVIDES", "api:crm-users"),
    ("component:blog-api", "CONSUMES", "api:auth-v1", {"operations": ["issueToken"]}),
    ("component:shop-search", "HAS_CAPABILITY", "capability:search"),
    ("component:shop-inventory", "PROVIDES", "api:inventory"),
    ("component:crm-stock", "PROVIDES", "api:stock"),
    ("component:pipeline", "HAS_CAPABILITY", "capability:data-pipeline"),
    ("component:pipeline", "PUBLISHES", "api:events"),
    ("component:sales-reports", "SUBSCRIBES", "api:events"),
    ("component:finance-reports", "SUBSCRIBES", "api:events"),
    ("component:ops-reports", "DEPENDS_ON", "component:pipeline"),
    ("component:sales-core", "DEPENDS_ON", "component:finance-core"),
    ("component:finance-core", "DEPENDS_ON", "component:sales-core", {"strength": "soft"}),
    ("component:orders-service", "PROVIDES", "api:legacy-orders"),
    ("component:orders-service", "PROVIDES", "api:orders"),
    ("component:ops-client", "CONSUMES", "api:legacy-orders"),
    ("component:finance-core", "CONSUMES", "api:orders", {"operations": ["GET /orders"]}),
    ("component:sales-core", "CONSUMES", "api:orders", {"operations": ["getOrder"]}),
]
