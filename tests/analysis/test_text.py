"""Normalising operations and words, and the doctests of the analysis modules."""

from __future__ import annotations

import doctest

import pytest

import graph.analysis.text
from graph.analysis.text import (
    api_operation_aliases,
    expand_operation,
    normalize_path,
    operations_match,
    parse_operation,
    tokens,
)


@pytest.mark.parametrize(
    ("path", "normal"),
    [
        ("/v1/users/{id}/password", "/users/{}/password"),
        ("/users/{userId}/password", "/users/{}/password"),
        ("/api/v2/users/:uid/password/", "/users/{}/password"),
        ("/V1.2/Orders/<order_id>?expand=1", "/orders/{}"),
        ("/", "/"),
        ("/orders/v2-report", "/orders/v2-report"),
    ],
)
def test_normalize_path(path: str, normal: str) -> None:
    assert normalize_path(path) == normal


def test_parse_operation() -> None:
    assert parse_operation("GET /v1/orders/{id}") == "get /orders/{}"
    assert parse_operation("getOrder") == "id:getorder"
    assert parse_operation("/orders") == "* /orders"


def test_operation_ids_and_paths_meet_through_the_api() -> None:
    aliases = api_operation_aliases(
        [{"method": "get", "path": "/orders/{id}", "operation_id": "getOrder"}]
    )
    by_id = expand_operation("getOrder", aliases)
    by_path = expand_operation("GET /orders/{orderId}", aliases)
    assert by_id == by_path == {"get /orders/{}", "id:getorder"}
    assert operations_match(expand_operation("/orders/{x}", aliases), by_id)
    assert not operations_match(expand_operation("POST /orders", aliases), by_id)


def test_tokens_stem_and_drop_noise() -> None:
    assert tokens("NotificationsService") == {"notific"}
    assert tokens("notification-sender") == {"notific", "send"}
    assert tokens(None) == set()


def test_doctests() -> None:
    failures, _ = doctest.testmod(graph.analysis.text)
    assert failures == 0
