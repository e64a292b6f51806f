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

Backstage API entities are named by their authors too: each one
:meth:`ApiVersions.reserve` s its ref before the specs are read, so a spec
colliding with it is renamed whatever the path order; a second entity of
the same name is renamed only when its definition's format or version
differs (see ``docs/scanners.md``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from scanners.result import ChannelUse, ScanIssue, ScanResult, Severity
from scanners.specs import extension
from schemas.facts import EdgeData, NodeData
from schemas.refs import slugify

__all__ = ["ApiSpec", "ApiVersions", "spec_of"]

_FORMATS = ("openapi", "swagger", "asyncapi")


@dataclass(frozen=True, slots=True)
class ApiSpec:
    """What tells one description of an API from another: where it is, its
    format with major version (``openapi3``; ``unknown`` when not read) and
    its ``info.version``."""

    origin: str
    format: str
    version: str
    what: str = "spec"
    """How the warning names it: ``spec`` or ``Backstage entity api:default/x``."""


def spec_of(origin: str, doc: Any, what: str = "spec") -> ApiSpec:
    """The :class:`ApiSpec` of a parsed spec document (``unknown`` format if not a spec)."""
    fmt, version = "unknown", ""
    if isinstance(doc, dict):
        for name in _FORMATS:
            if name in doc:
                major = re.match(r"\d+", str(doc[name]))
                fmt = f"{name}{major.group(0) if major else ''}"
                break
        info = doc.get("info")
        if isinstance(info, dict) and info.get("version") is not None:
            version = str(info["version"])
    return ApiSpec(origin, fmt, version, what)


@dataclass
class ApiVersions:
    """Which description claimed each API ref so far, in one scan.

    :meth:`reserve` lets a Backstage API entity hold its ref before any spec
    is read (its :class:`ApiSpec` is loaded only if a spec collides);
    :meth:`claim` decides for a spec file's result, :meth:`claim_ref` for
    any description.
    """

    claimed: dict[str, ApiSpec] = field(default_factory=dict)
    reserved: dict[str, Callable[[], ApiSpec]] = field(default_factory=dict)

    def reserve(self, ref: str, load: Callable[[], ApiSpec]) -> None:
        """Hold *ref* for an explicitly named API (the first reservation wins)."""
        if ref not in self.claimed:
            self.reserved.setdefault(ref, load)

    def holder(self, ref: str) -> ApiSpec | None:
        """The description holding *ref*, loading a reservation if needed."""
        if ref not in self.claimed and ref in self.reserved:
            self.claimed[ref] = self.reserved.pop(ref)()
        return self.claimed.get(ref)

    def claim_ref(
        self, ref: str, spec: ApiSpec, *, by_path: bool = True
    ) -> tuple[str, ScanIssue | None]:
        """The ref *spec* gets: *ref* when free, else a new one and the warning why.

        The suffix is the first distinguisher that differs (format, then
        ``info.version``, then, with *by_path*, the file path). Without one
        (or with nothing free) *ref* is returned unchanged: the two merge.
        """
        first = self.holder(ref)
        if first is None:
            self.claimed[ref] = spec
            return ref, None
        slug = ref.partition(":")[2]
        candidates: list[tuple[str, str]] = []
        if spec.format != first.format:
            candidates.append(("spec format", spec.format))
        if spec.version and spec.version != first.version:
            candidates.append(("info.version", slugify(spec.version)))
        if by_path:
            candidates.append(("file path", slugify(re.sub(r"[^A-Za-z0-9]+", "-", spec.origin))))
        found = next(
            (
                (how, f"api:{slug}-{c}")
                for how, c in candidates
                if self.holder(f"api:{slug}-{c}") is None
            ),
            None,
        )
        if found is None:
            return ref, None
        how, new = found
        self.claimed[new] = spec
        note = ScanIssue(
            Severity.WARNING,
            "api.versions-apart",
            f"{ref} is already described by the {first.what} in {first.origin} "
            f"({first.format} {first.version}); this {spec.what} ({spec.format} "
            f"{spec.version}) is read as {new}, told apart by its {how}, so the two "
            "are not merged; "
            + (
                "set x-archgraph-api to name it yourself"
                if spec.what == "spec"
                else "give the entity its own name"
            ),
            spec.origin,
            pointer="/info" if spec.what == "spec" else "/metadata/name",
        )
        return new, note

    def claim(self, result: ScanResult, docs: Sequence[Any]) -> ScanResult:
        """*result* as is, or with its API renamed when an earlier description holds its ref."""
        doc = docs[0] if len(docs) == 1 else None
        api = next((r for r in result.described if r.startswith("api:")), None)
        if result.failed or api is None or not isinstance(doc, dict):
            return result
        spec = spec_of(result.origin, doc)
        if extension(doc, "x-archgraph-api") is not None:
            if self.holder(api) is None:
                self.claimed[api] = spec
            return result  # the author named it; the element.conflict warning still applies
        new, note = self.claim_ref(api, spec)
        if note is None:
            return result
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
