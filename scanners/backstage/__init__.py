"""Backstage catalogs: entity refs and the mapping (:mod:`.catalog`), API
definitions (:mod:`.definitions`) and the entity scanner (:mod:`.entities`).

Callers use :func:`parse` / :func:`scan_documents` like any other format,
:func:`index_catalog` to resolve relations across the files of one scan, and
:class:`BackstageMapping` to change how kinds and relations map.
"""

from __future__ import annotations

from scanners.backstage.catalog import (
    DEFAULT_MAPPING,
    BackstageMapping,
    CatalogIndex,
    EntityKey,
    index_catalog,
    is_backstage,
    read_entity_ref,
)
from scanners.backstage.definitions import reserve_api_refs
from scanners.backstage.entities import SCANNER, parse, scan_documents

__all__ = [
    "DEFAULT_MAPPING",
    "SCANNER",
    "BackstageMapping",
    "CatalogIndex",
    "EntityKey",
    "index_catalog",
    "is_backstage",
    "parse",
    "read_entity_ref",
    "reserve_api_refs",
    "scan_documents",
]
