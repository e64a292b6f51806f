"""The Structurizr DSL parser for these tests: fetched once per session, or a clear failure."""

from __future__ import annotations

import os

import pytest

from tests.structurizr.parser import StructurizrUnavailable, fetch


@pytest.fixture(scope="session", autouse=True)
def structurizr_parser() -> None:
    try:
        fetch()
    except StructurizrUnavailable as exc:
        message = f"the Structurizr DSL parser is not available: {exc} (make structurizr-fetch)"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(message)
        pytest.skip(message)
