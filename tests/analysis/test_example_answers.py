"""Impact answers on examples/portfolio, derived by hand from docs/impact.md's propagation
table and the example's files: for every platform component and every API, under outage
and under breaking-change, the products hit hard and the products only degraded (soft).

How each row was derived is written beside it (S storefront, K kestrel-pay, F fleet,
M merchant-insights, L loyalty, C marketplace-connect). Owners of a target are never in
its affected products. The expectations were written before the engine was run on them.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from app.scan_service import load_scan
from graph.analysis import Projection, build_projection, find_risks, impact
from graph.storage import GraphStore
from scanners import DirectoryScan, scan_directory
from schemas.analysis import ChangeType, ImpactRequest

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "portfolio"

P = {
    "S": "product:storefront",
    "K": "product:kestrel-pay",
    "F": "product:fleet",
    "M": "product:merchant-insights",
    "L": "product:loyalty",
    "C": "product:marketplace-connect",
}
ALL_REPORTING = "SKFML"  # the five products with a report reading the warehouse

#: target -> (hard products, soft-only products) under an OUTAGE.
#: An outage passes on along hard DEPENDS_ON and hard CONSUMES; subscribers and soft
#: users degrade and it stops there.
OUTAGE: dict[str, tuple[str, str]] = {
    # warehouse down -> pipeline, collector, query service down -> every report
    "component:data-warehouse": (ALL_REPORTING, ""),
    "component:event-collector": (ALL_REPORTING, ""),  # -> pipeline -> reports
    "component:analytics-pipeline": (ALL_REPORTING, ""),
    "component:warehouse-query-service": (ALL_REPORTING, ""),
    # identity down -> checkout (S), payment-gateway (K), insights-api (M), api-gateway;
    # payment-gateway -> billing-service -> legacy adapter -> connector-billing-sync (C),
    # loyalty-service (L); checkout -> marketplace-order-import (C); checkout's order
    # events stop -> dispatch-service subscribes (F soft)
    "component:identity-db": ("SKCLM", "F"),
    "component:identity-service": ("SKCLM", "F"),
    "component:auth-admin-console": ("", ""),  # nobody uses it
    # billing-service down -> merchant-admin (S), legacy adapter -> C, L
    "component:billing-db": ("SCL", ""),
    "component:billing-service": ("SCL", ""),
    "component:billing-legacy-adapter": ("CL", ""),
    "component:invoice-renderer": ("", ""),
    "component:api-gateway": ("S", ""),  # -> storefront-bff
    # Kafka: catalog, checkout, tracking, collector, notifications all depend on it hard
    "component:event-bus": ("SKFMLC", ""),
    # only insights-scheduler needs it hard; dispatch and payout use it soft
    "component:notification-service": ("M", "FK"),
    # + member-auth (L) -> loyalty-service, loyalty-web
    "component:email-gateway": ("LM", "FK"),
    # driver-auth (F) -> dispatch -> cart-service's soft slot estimates (S soft);
    # notification-service -> insights-scheduler (M); payout (K soft)
    "component:sms-gateway": ("FM", "KS"),
    "component:push-gateway": ("F", ""),  # driver-app; notification-service uses it soft
    # search down -> storefront-bff hard; catalog-service soft
    "component:search-cluster": ("S", ""),
    "component:search-service": ("S", ""),
    "component:search-indexer": ("", ""),
    # APIs: their users, as if the API alone were down (its provider is not)
    "api:billing-api-v1": ("CL", ""),
    "api:billing-api-v2": ("SCL", ""),  # legacy adapter -> C, L; merchant-admin (S)
    "api:billing-events": ("", ""),  # subscribers only, all platform
    # owner S left out; listing-sync (C); checkout down -> order-events subscribers soft
    "api:catalog-api": ("C", "FL"),
    "api:catalog-events": ("", "C"),  # listing-sync subscribes
    "api:order-events": ("", "FL"),  # owners S and K left out; subscribers degrade
    "api:driver-auth-api": ("", ""),  # owner F only
    "api:analytics-ingest-api": ("", ""),
    # api-gateway, checkout (S), insights-api (M); checkout -> C; order events stop:
    # F and L soft. Kestrel Pay's gateway depends on the service, not the API.
    "api:identity-api": ("SCM", "FL"),
    "api:insights-api": ("", ""),
    "api:loyalty-api": ("", ""),
    "api:loyalty-events": ("", ""),  # notification-service (platform) subscribes
    "api:member-auth-api": ("", ""),
    "api:notification-events": ("", ""),
    "api:notifications-api": ("M", "FK"),
    # billing-service -> S, C, L; checkout -> S, C; order events stop -> F soft
    "api:payments-api-v3": ("SCL", "F"),
    "api:search-api": ("S", ""),
    "api:tracking-api": ("", ""),
    "api:tracking-events": ("", ""),
    "api:warehouse-query-api": (ALL_REPORTING, ""),
}

#: target -> (hard products, soft-only products) under a BREAKING CHANGE: it lands on
#: direct hard dependents, consumers and subscribers only (beyond them: possible cascade).
BREAKING: dict[str, tuple[str, str]] = {
    "component:data-warehouse": ("", ""),  # its users are all platform
    "component:event-collector": ("", "K"),  # fraud-scoring depends on it soft
    "component:analytics-pipeline": (ALL_REPORTING, ""),
    "component:warehouse-query-service": (ALL_REPORTING, ""),
    "component:identity-db": ("", ""),
    # checkout, merchant-admin (S), insights-api (M), payment-gateway (K)
    "component:identity-service": ("SKM", ""),
    "component:auth-admin-console": ("", ""),
    "component:billing-db": ("", ""),
    "component:billing-service": ("S", ""),  # merchant-admin; the rest is platform
    "component:billing-legacy-adapter": ("CL", ""),
    "component:invoice-renderer": ("", ""),
    "component:api-gateway": ("S", ""),
    "component:event-bus": ("SF", ""),  # catalog, checkout (S), tracking (F)
    "component:notification-service": ("M", "FK"),
    "component:email-gateway": ("L", ""),  # member-auth
    "component:sms-gateway": ("F", ""),  # driver-auth; tracking-service soft
    "component:push-gateway": ("F", ""),  # driver-app
    "component:search-service": ("S", ""),  # storefront-bff
    "component:search-indexer": ("", ""),
    "component:search-cluster": ("", ""),
    "api:billing-api-v1": ("CL", ""),
    "api:billing-api-v2": ("S", ""),
    "api:billing-events": ("", ""),
    "api:catalog-api": ("C", ""),  # listing-sync; the other users are S's or platform
    "api:catalog-events": ("C", ""),
    "api:order-events": ("FL", ""),  # dispatch-service, loyalty-service subscribe
    "api:driver-auth-api": ("", ""),
    "api:analytics-ingest-api": ("", ""),
    "api:identity-api": ("SM", ""),  # checkout, merchant-admin, insights-api
    "api:insights-api": ("", ""),
    "api:loyalty-api": ("", ""),
    "api:loyalty-events": ("", ""),
    "api:member-auth-api": ("", ""),
    "api:notification-events": ("", ""),
    "api:notifications-api": ("M", "FK"),
    "api:payments-api-v3": ("S", ""),  # checkout; billing-service is platform
    "api:search-api": ("S", ""),
    "api:tracking-api": ("", ""),
    "api:tracking-events": ("", ""),
    "api:warehouse-query-api": (ALL_REPORTING, ""),
}


@pytest.fixture(scope="module")
def scanned() -> DirectoryScan:
    scan = scan_directory(EXAMPLE)
    assert not scan.failed
    return scan


@pytest.fixture
def portfolio(any_store: GraphStore, scanned: DirectoryScan) -> Projection:
    load_scan(any_store, scanned)
    return build_projection(any_store)


def _answers(projection: Projection, change: ChangeType) -> dict[str, tuple[str, str]]:
    answers = {}
    for target in OUTAGE:
        result = impact(projection, ImpactRequest(targets=[target], change_type=change))
        codes = {v: k for k, v in P.items()}
        hard = {codes[a.ref] for a in result.affected_products if a.strength == "hard"}
        soft = {codes[a.ref] for a in result.affected_products if a.strength == "soft"}
        answers[target] = ("".join(sorted(hard)), "".join(sorted(soft)))
    return answers


def _sorted(table: dict[str, tuple[str, str]]) -> dict[str, tuple[str, str]]:
    return {k: ("".join(sorted(h)), "".join(sorted(s))) for k, (h, s) in table.items()}


def test_every_platform_component_and_api_is_covered(portfolio: Projection) -> None:
    platform = {
        ref
        for node, ref in enumerate(portfolio.refs)
        if ref.startswith("component:") and portfolio.is_platform(node)
    }
    apis = {ref for ref in portfolio.refs if ref.startswith("api:")}
    assert set(OUTAGE) == set(BREAKING) == platform | apis
    assert len(platform) == 20 and len(apis) == 20


def test_outage_answers_match_the_hand_derivation(portfolio: Projection) -> None:
    assert _answers(portfolio, ChangeType.OUTAGE) == _sorted(OUTAGE)


def test_breaking_change_answers_match_the_hand_derivation(portfolio: Projection) -> None:
    assert _answers(portfolio, ChangeType.BREAKING_CHANGE) == _sorted(BREAKING)


def test_the_answers_discriminate(portfolio: Projection) -> None:
    """No longer does everything reach everything: only the shared Kafka cluster takes
    all six products down, and no API's breaking change lands hard on more than the
    five products reading the warehouse."""
    everything = [t for t, (hard, _) in OUTAGE.items() if len(hard) == 6]
    assert everything == ["component:event-bus"]
    assert max(len(hard) for hard, _ in BREAKING.values()) == 5


def test_risks_rank_by_what_matters_not_the_alphabet(portfolio: Projection) -> None:
    ranked = find_risks(portfolio, limit=100).most_depended_upon
    keys = [(r.products, r.tier1_products, r.hard_products, r.hard_dependents) for r in ranked]
    assert keys == sorted(keys, reverse=True)
    top = ranked[0]
    assert top.component == "component:event-bus"
    # the first ranks are told apart by a number, not by their names
    for before, after in itertools.pairwise(keys[:4]):
        assert before != after


@pytest.mark.parametrize(
    ("channel", "subscribers"),
    [
        # named by address or by operationId: the subscribers of that channel only
        ("orders.placed", {"dispatch-service", "loyalty-service", "notification-service"}),
        ("orderPlaced", {"dispatch-service", "loyalty-service", "notification-service"}),
        ("orders.shipped", {"notification-service"}),
        ("orders.cancelled", {"dispatch-service"}),
    ],
)
def test_a_changed_channel_reaches_its_subscribers(
    portfolio: Projection, channel: str, subscribers: set[str]
) -> None:
    result = impact(
        portfolio,
        ImpactRequest(targets=["api:order-events"], operations=[channel]),
    )
    assert not result.warnings
    reached = {c for g in result.components_by_depth for c in g.hard + g.soft}
    # event-collector subscribes to every channel (it names none)
    assert reached == {f"component:{s}" for s in subscribers} | {"component:event-collector"}
    everyone = {"dispatch-service", "loyalty-service", "notification-service"}
    assert set(result.unaffected_consumers) == {f"component:{s}" for s in everyone - subscribers}
