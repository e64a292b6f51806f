"""OpsLevel ``opslevel.yml`` to a component, its owner, product and dependencies.

OpsLevel reads a file named ``opslevel.yml`` (or ``.yaml``) at the top of a
repository (https://docs.opslevel.com/docs/opslevel-yml); it holds one
``service:`` mapping (``version: 1``) or, in the newer form, one
``component:`` mapping. Both are read the same way:

* ``name`` → ``component:<slug>`` and its name; without a name, the first of
  ``aliases``; without either, the file's directory (OpsLevel then knows the
  service by its repository), with an ``opslevel.no-name`` warning;
* ``type`` (``component:`` form) service/library/frontend/job → that type,
  others → other; the ``service:`` form is a service;
* ``owner`` → ``team:<slug>`` ``OWNS`` the component (its ``owner``);
* ``product`` → ``product:<slug>``, the component's product (``PART_OF``);
* ``lifecycle`` (an OpsLevel alias) → experimental (pre-GA aliases), active
  (``generally_available``), deprecated (``end_of_life``, ``deprecated``,
  ``sunsetting``), retired (``retired``, ``end-of-life``); other values are
  noted and left out;
* ``language`` and ``framework`` → ``technology:<slug>`` the component ``USES``;
* ``dependencies[].alias`` (or a plain string) → ``DEPENDS_ON`` (hard)
  ``component:<slug of the alias>``;
* ``tier``, ``domain``, ``system`` → tags ``tier:<v>``, ``domain:<v>``,
  ``system:<v>``; ``tags`` (``{key, value}``) → ``key:value`` tags;
* ``aliases`` other than the one used as the slug → tags ``alias:<v>``.

``tools``, ``repositories``, ``alert_sources`` and ``properties`` have no
archgraph field and are left out.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scanners.documents import LineIndex
from scanners.resolve import Resolver
from scanners.result import ReadFile, ScanResult, parser
from scanners.specs import text_of
from schemas.edges import EdgeType
from schemas.refs import Kind, slugify

__all__ = ["FILE_NAMES", "SCANNER", "is_opslevel", "parse", "scan_documents"]

SCANNER = "opslevel"
FILE_NAMES = frozenset({"opslevel.yml", "opslevel.yaml"})

_TYPES = {"service": "service", "library": "library", "frontend": "frontend", "job": "job"}
_LIFECYCLES = {
    "development": "experimental",
    "in_development": "experimental",
    "pre-alpha": "experimental",
    "pre_alpha": "experimental",
    "alpha": "experimental",
    "beta": "experimental",
    "generally_available": "active",
    "ga": "active",
    "end_of_life": "deprecated",
    "deprecated": "deprecated",
    "sunsetting": "deprecated",
    "retired": "retired",
    "end-of-life": "retired",
}


def is_opslevel(name: str, doc: Any) -> bool:
    """Whether a parsed document from a file called *name* is an OpsLevel descriptor."""
    base = name.rsplit("/", 1)[-1].lower()
    return (
        base in FILE_NAMES
        and isinstance(doc, dict)
        and any(isinstance(doc.get(k), dict) for k in ("service", "component"))
    )


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _identity(file: ReadFile, body: Mapping[str, Any]) -> tuple[str | None, str]:
    """The slug source and how it was found."""
    name = text_of(body.get("name"))
    if name:
        return name, "name"
    for alias in _list(body.get("aliases")):
        if text_of(alias):
            return text_of(alias), "alias"
    where = (file.source_id or file.origin).partition(":")[2] or file.origin
    parts = where.split("/")[:-1]
    return (parts[-1] if parts else None), "directory"


def scan_documents(file: ReadFile, *, resolver: Resolver | None = None) -> ScanResult:
    """Scan one OpsLevel descriptor that has already been read."""
    del resolver  # an OpsLevel file refers to no other file
    b = file.builder(SCANNER)
    b.set_line_lookup(LineIndex(file.text, file.docs).lookup())
    if len(file.docs) != 1 or not is_opslevel(file.origin, file.docs[0]):
        b.error("opslevel.not-opslevel", "expected one service: or component: mapping")
        return b.build()
    doc = file.docs[0]
    form = "service" if isinstance(doc.get("service"), dict) else "component"
    body: dict[str, Any] = doc[form]
    at = f"/{form}"
    ident, how = _identity(file, body)
    if ident is None or not slugify(ident):
        b.error("opslevel.no-name", "no name, no alias and no directory to name it by", pointer=at)
        return b.build()
    slug = slugify(ident)
    if how == "directory":
        b.warning(
            "opslevel.no-name",
            f"no name and no alias; named after its directory: component:{slug}",
            pointer=at,
        )
    kind = text_of(body.get("type")) if form == "component" else "service"
    fields: dict[str, Any] = {"type": _TYPES.get((kind or "service").lower(), "other")}
    for key, value in (
        ("name", text_of(body.get("name"))),
        ("description", text_of(body.get("description"), 20_000)),
    ):
        if value:
            fields[key] = value
    lifecycle = text_of(body.get("lifecycle"))
    if lifecycle and lifecycle.lower() in _LIFECYCLES:
        fields["lifecycle"] = _LIFECYCLES[lifecycle.lower()]
    elif lifecycle:
        b.info("opslevel.lifecycle", f"lifecycle {lifecycle!r} has no archgraph match", pointer=at)
    tags: list[str] = []
    for name in ("tier", "domain", "system"):
        value = text_of(body.get(name))
        if value:
            tags.append(f"{name}:{value}")
    for tag in _list(body.get("tags")):
        tag_key = text_of(tag.get("key")) if isinstance(tag, dict) else None
        value = text_of(tag.get("value")) if isinstance(tag, dict) else text_of(tag)
        if tag_key and value:
            tags.append(f"{tag_key}:{value}")
        elif tag_key or value:
            tags.append(tag_key or value or "")
    for alias in _list(body.get("aliases")):
        text = text_of(alias)
        if text and slugify(text) != slug:
            tags.append(f"alias:{text}")
    if tags:
        fields["tags"] = list(dict.fromkeys(tags))[:100]
    technologies = [
        slugify(t)
        for t in (text_of(body.get("language")), text_of(body.get("framework")))
        if t and slugify(t)
    ]
    if technologies:
        fields["technologies"] = list(dict.fromkeys(technologies))
    owner = text_of(body.get("owner"))
    if owner and slugify(owner):
        fields["owner"] = slugify(owner)
    product = text_of(body.get("product"))
    if product and slugify(product):
        fields["product"] = slugify(product)
    ref = b.element(Kind.COMPONENT, slug, fields, pointer=at)
    if ref is None:
        return b.build()
    if "owner" in fields:
        b.edge(f"team:{fields['owner']}", EdgeType.OWNS, ref, pointer=f"{at}/owner")
    if "product" in fields:
        b.edge(ref, EdgeType.PART_OF, f"product:{fields['product']}", pointer=f"{at}/product")
    for tech in fields.get("technologies", []):
        b.edge(ref, EdgeType.USES, f"technology:{tech}", pointer=at)
    for i, dep in enumerate(_list(body.get("dependencies"))):
        pointer = f"{at}/dependencies/{i}"
        target = text_of(dep.get("alias")) if isinstance(dep, dict) else text_of(dep)
        if target is None or not slugify(target):
            b.warning(
                "opslevel.dependency", "a dependency without an alias; ignored", pointer=pointer
            )
            continue
        other = f"component:{slugify(target)}"
        if other == ref:
            b.warning(
                "opslevel.dependency", "the service depends on itself; ignored", pointer=pointer
            )
            continue
        b.edge(ref, EdgeType.DEPENDS_ON, other, {"strength": "hard"}, pointer=pointer)
        b.count("dependencies")
    return b.build()


parse = parser(SCANNER, scan_documents)
