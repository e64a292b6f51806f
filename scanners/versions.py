"""Two spec files that would name the same API are told apart, never silently merged.

An API's slug comes from its title (:func:`scanners.specs.api_slug_for`), so
a Swagger 2.0 and an OpenAPI 3 description of one service, or two 1.x
versions, would both be ``api:<title>`` and merge into one element. In a
directory scan the specs are read in path order; :class:`ApiVersions` lets
the first keep the slug and renames each later one whose slug was derived
(no ``x-archgraph-api``), suffixing the first distinguisher that differs:

1. the spec format and its major version (``-openapi3``, ``-swagger2``,
   ``-asyncapi3``);
2. else ``info.version`` (``-1-2-0``);
3. else the file path (``-specs-pets-copy-yaml``).

Each renamed spec gets an ``api.versions-apart`` warning naming both files
and the new ref, so the scan report says how they were told apart. An
explicit ``x-archgraph-api`` is the author's word and is never renamed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from scanners.result import ChannelUse, ScanIssue, ScanResult, Severity
from scanners.specs import extension
from schemas.facts import EdgeData, NodeData
from schemas.refs import slugify

__all__ = ["ApiVersions"]

_FORMATS = ("openapi", "swagger", "asyncapi")


@dataclass(frozen=True, slots=True)
class _Spec:
    origin: str
    source: str
    format: str
    version: str


def _spec_of(result: ScanResult, doc: Any) -> _Spec:
    fmt, version = "spec", ""
    if isinstance(doc, dict):
        for name in _FORMATS:
            if name in doc:
                major = re.match(r"\d+", str(doc[name]))
                fmt = f"{name}{major.group(0) if major else ''}"
                break
        info = doc.get("info")
        if isinstance(info, dict) and info.get("version") is not None:
            version = str(info["version"])
    return _Spec(result.origin, result.source_id, fmt, version)


@dataclass
class ApiVersions:
    """Which spec file claimed each API ref so far, in one scan."""

    claimed: dict[str, _Spec] = field(default_factory=dict)

    def claim(self, result: ScanResult, docs: Sequence[Any]) -> ScanResult:
        """*result* as is, or with its API renamed when an earlier spec holds its ref."""
        doc = docs[0] if len(docs) == 1 else None
        api = next((r for r in result.described if r.startswith("api:")), None)
        if result.failed or api is None or not isinstance(doc, dict):
            return result
        spec = _spec_of(result, doc)
        first = self.claimed.get(api)
        if first is None:
            self.claimed[api] = spec
            return result
        if extension(doc, "x-archgraph-api") is not None:
            return result  # the author named it; the element.conflict warning still applies
        slug = api.partition(":")[2]
        candidates: list[tuple[str, str]] = []
        if spec.format != first.format:
            candidates.append(("spec format", spec.format))
        if spec.version and spec.version != first.version:
            candidates.append(("info.version", slugify(spec.version)))
        candidates.append(("file path", slugify(re.sub(r"[^A-Za-z0-9]+", "-", spec.origin))))
        found = next(
            (
                (how, f"api:{slug}-{c}")
                for how, c in candidates
                if f"api:{slug}-{c}" not in self.claimed
            ),
            None,
        )
        if found is None:
            return result
        how, new = found
        self.claimed[new] = spec
        note = ScanIssue(
            Severity.WARNING,
            "api.versions-apart",
            f"{api} is already described by {first.origin} ({first.format} {first.version}); "
            f"this spec ({spec.format} {spec.version}) is read as {new}, told apart by its "
            f"{how}, so the two are not merged; set x-archgraph-api to name it yourself",
            result.origin,
            pointer="/info",
        )
        return _renamed(result, api, new).with_issues([note])


def _renamed(result: ScanResult, old: str, new: str) -> ScanResult:
    def ref(value: str) -> str:
        return new if value == old else value

    return replace(
        result,
        nodes=tuple(NodeData(ref(n.ref), n.properties) for n in result.nodes),
        edges=tuple(
            EdgeData(ref(e.from_ref), e.type, ref(e.to_ref), e.properties) for e in result.edges
        ),
        described=tuple(ref(r) for r in result.described),
        channels=tuple(
            ChannelUse(ref(c.api_ref), c.action, c.address, c.servers) for c in result.channels
        ),
    )
