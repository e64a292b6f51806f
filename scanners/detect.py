"""Which scanner a file is for, decided from its content rather than its name.

Two steps, so that most files of a repository cost one regular expression:

1. :func:`sniff` looks at the raw text for the tell-tale top-level keys
   (``openapi:``, ``swagger:``, ``asyncapi:``, ``apiVersion: backstage.io/...``,
   ``apiVersion: archgraph/...``, ``x-cortex-...`` beside ``openapi:``, a
   portal's own file name such as ``opslevel.yml``, or ``compass.yml`` with a
   ``configVersion``/``typeId`` key or a Compass ARI as ``id``; Port's
   ``identifier`` beside ``blueprint`` or ``schema``, or entity mappings; a
   compose file name with a top-level ``services:``; ``apiVersion:`` with a
   workload or Service ``kind:`` for Kubernetes); a
   file named ``archgraph.yaml`` counts as a manifest whatever it holds (so a
   broken one gets a proper error).
   Each expression runs only when the text holds its literal (``apiVersion``,
   ``backstage.io/``, ``asyncapi``, ``openapi``/``swagger``, ``x-cortex-``).
2. :func:`classify` confirms on the parsed documents: the key must be at the
   top level of the (only) document.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Any

from scanners.backstage import is_backstage
from scanners.manifest import FILE_NAMES
from scanners.portals.compass import is_compass, looks_like_compass
from scanners.portals.compose import is_compose, looks_like_compose
from scanners.portals.cortex import is_cortex
from scanners.portals.kubernetes import is_kubernetes, looks_like_kubernetes
from scanners.portals.opslevel import FILE_NAMES as OPSLEVEL_NAMES
from scanners.portals.opslevel import is_opslevel
from scanners.portals.port import looks_like_port, port_shape

__all__ = ["BINARY_SUFFIXES", "PORTALS", "Format", "classify", "looks_binary", "sniff"]


class Format(StrEnum):
    """The input formats, named as their scanners (and source ids) are."""

    OPENAPI = "openapi"
    ASYNCAPI = "asyncapi"
    MANIFEST = "manifest"
    BACKSTAGE = "backstage"
    CORTEX = "cortex"
    OPSLEVEL = "opslevel"
    COMPASS = "compass"
    PORT = "port"
    COMPOSE = "compose"
    KUBERNETES = "kubernetes"


PORTALS = frozenset(Format) - {Format.OPENAPI, Format.ASYNCAPI, Format.MANIFEST, Format.BACKSTAGE}
"""The formats read by :data:`scanners.portals.PORTAL_SCANNERS`."""


_KEY = r"""(?:^|[{,])[ \t]*["']?KEY["']?[ \t]*:"""


def _key(name: str) -> str:
    return _KEY.replace("KEY", name)


_OPENAPI_RE = re.compile(_key("(?:openapi|swagger)"), re.MULTILINE)
_ASYNCAPI_RE = re.compile(_key("asyncapi"), re.MULTILINE)
_BACKSTAGE_RE = re.compile(_key("apiVersion") + r"""[ \t]*["']?backstage\.io/""", re.MULTILINE)
_MANIFEST_RE = re.compile(_key("apiVersion") + r"""[ \t]*["']?archgraph""", re.MULTILINE)
_CORTEX_RE = re.compile(_key("x-cortex-[a-z-]+"), re.MULTILINE)
_SERVICES_RE = re.compile(r"^services[ \t]*:", re.MULTILINE)
_COMPASS_RE = re.compile(
    r"""^(?:configVersion|typeId)[ \t]*:|^id:[ \t]*["']?ari:cloud:compass:""", re.MULTILINE
)

BINARY_SUFFIXES = frozenset(
    {
        ".png",
        ".jpg",
        ".jpeg",
        ".gif",
        ".bmp",
        ".ico",
        ".webp",
        ".svgz",
        ".pdf",
        ".zip",
        ".gz",
        ".tgz",
        ".bz2",
        ".xz",
        ".7z",
        ".rar",
        ".jar",
        ".war",
        ".class",
        ".so",
        ".dylib",
        ".dll",
        ".exe",
        ".bin",
        ".o",
        ".a",
        ".pyc",
        ".pyo",
        ".whl",
        ".woff",
        ".woff2",
        ".ttf",
        ".otf",
        ".eot",
        ".mp3",
        ".mp4",
        ".mov",
        ".avi",
        ".mkv",
        ".wav",
        ".flac",
        ".ogg",
        ".sqlite",
        ".db",
        ".parquet",
        ".avro",
        ".orc",
    }
)
DATA_SUFFIXES = frozenset({".yaml", ".yml", ".json"})


def looks_binary(head: bytes) -> bool:
    """Whether the first bytes of a file say it is not text."""
    return head.find(b"\x00", 0, 8192) != -1  # no copy of the first 8 KiB


def sniff(name: str, text: str) -> Format | None:
    """The format *text* (from a file called *name*) probably is, or None."""
    base = name.rsplit("/", 1)[-1]
    # Each regex runs only when its literal is in the text (same answers, far cheaper).
    has_api_version = "apiVersion" in text
    if base in FILE_NAMES or (has_api_version and _MANIFEST_RE.search(text)):
        return Format.MANIFEST
    if base.lower() in OPSLEVEL_NAMES:
        return Format.OPSLEVEL
    if looks_like_compose(base) and _SERVICES_RE.search(text):
        return Format.COMPOSE
    if looks_like_compass(base) and _COMPASS_RE.search(text):
        return Format.COMPASS
    if has_api_version and "backstage.io/" in text and _BACKSTAGE_RE.search(text):
        return Format.BACKSTAGE
    asyncapi = _ASYNCAPI_RE.search(text) if "asyncapi" in text else None
    openapi = _OPENAPI_RE.search(text) if "openapi" in text or "swagger" in text else None
    if asyncapi and openapi:
        return Format.ASYNCAPI if asyncapi.start() < openapi.start() else Format.OPENAPI
    if asyncapi:
        return Format.ASYNCAPI
    if openapi and "x-cortex-" in text and _CORTEX_RE.search(text):
        return Format.CORTEX
    if openapi:
        return Format.OPENAPI
    if looks_like_port(text):
        return Format.PORT
    if looks_like_kubernetes(text):
        return Format.KUBERNETES
    return None


def classify(name: str, docs: list[Any]) -> Format | None:
    """The format of parsed documents, or None when they are none of ours."""
    base = name.rsplit("/", 1)[-1]
    if base in FILE_NAMES:
        return Format.MANIFEST
    if any(
        isinstance(d, dict) and str(d.get("apiVersion", "")).startswith("archgraph") for d in docs
    ):
        return Format.MANIFEST
    if any(is_backstage(d) for d in docs):
        return Format.BACKSTAGE
    if len(docs) == 1 and is_opslevel(name, docs[0]):
        return Format.OPSLEVEL
    if len(docs) == 1 and is_compose(name, docs[0]):
        return Format.COMPOSE
    if len(docs) == 1 and is_compass(name, docs[0]):
        return Format.COMPASS
    if len(docs) == 1 and isinstance(docs[0], dict):
        doc = docs[0]
        if "asyncapi" in doc:
            return Format.ASYNCAPI
        if is_cortex(doc):
            return Format.CORTEX
        if "openapi" in doc or "swagger" in doc:
            return Format.OPENAPI
    if port_shape(docs) is not None:
        return Format.PORT
    if is_kubernetes(docs):
        return Format.KUBERNETES
    return None
