"""A :class:`Diagram` as a Structurizr DSL workspace.

Mapping: every group (a product, the platform layer) is a ``softwareSystem``
and its elements are ``container`` s in it; an element outside any group
(a collapsed product, a team, a capability ...) is a ``softwareSystem`` of
its own. Each edge is a relationship whose description is its type
(``DEPENDS_ON``, ``CONSUMES`` ...), with tags for soft, cross-product and
deprecated; a relationship between an element and the system that holds it
is left out (Structurizr forbids parent-child relationships). Views: one
system landscape and one container view per system that holds containers.
"""

from __future__ import annotations

from graph.views.dot import CROSS_PRODUCT_COLOUR
from graph.views.model import Diagram, DiagramEdge

_STYLES = f"""        styles {{
            element "deprecated" {{
                opacity 50
            }}
            element "affected" {{
                stroke {CROSS_PRODUCT_COLOUR}
                strokeWidth 8
            }}
            relationship "soft" {{
                style dashed
            }}
            relationship "cross-product" {{
                color {CROSS_PRODUCT_COLOUR}
                thickness 4
            }}
        }}
"""


def _text(value: str) -> str:
    """A quoted DSL string: no double quotes, backslashes or line breaks inside."""
    cleaned = " ".join(value.replace('"', "'").replace("\\", "/").split())
    return f'"{cleaned}"'


def _unique(names: dict[str, str], wanted: str, ref: str) -> str:
    """*wanted*, or *wanted (ref)* when that name is taken in the same scope."""
    name = wanted if wanted not in names.values() else f"{wanted} ({ref})"
    names[ref] = name
    return name


def _edge_tags(e: DiagramEdge) -> str:
    tags = [e.type]
    if e.soft:
        tags.append("soft")
    if e.cross_product:
        tags.append("cross-product")
    if e.deprecated:
        tags.append("deprecated")
    return ",".join(tags)


def to_structurizr(diagram: Diagram, *, workspace: str = "archgraph") -> str:
    """The Structurizr DSL text of *diagram*."""
    ident = {n.id: f"e{i}" for i, n in enumerate(diagram.nodes)}
    groups = diagram.drawn_groups()
    for i, g in enumerate(groups):
        ident.setdefault(g.id, f"s{i}")
    parent = {n.id: n.group for n in diagram.nodes}
    system_names: dict[str, str] = {}
    lines = [
        f"workspace {_text(workspace)} {_text('; '.join([diagram.title, *diagram.notes]))} {{",
        "    model {",
        # relationships are drawn as the graph has them; implied ones would clash
        "        !impliedRelationships false",
    ]
    for n in diagram.nodes:
        if n.group is not None or any(g.id == n.id for g in groups):
            continue
        tags = [n.kind, *(["deprecated"] if n.deprecated else [])]
        own_group = diagram.group(n.id)
        if own_group is not None and own_group.affected:
            tags.append("affected")
        name = _unique(system_names, n.label, n.id)
        lines.append(
            f"        {ident[n.id]} = softwareSystem {_text(name)} {_text(n.id)} "
            f"{_text(','.join(tags))}"
        )
    for g in groups:
        tags = ["platform" if g.platform else "product"]
        if g.deprecated:
            tags.append("deprecated")
        if g.affected:
            tags.append("affected")
        name = _unique(system_names, g.label, g.id)
        lines.append(
            f"        {ident[g.id]} = softwareSystem {_text(name)} {_text(g.id)} "
            f"{_text(','.join(tags))} {{"
        )
        container_names: dict[str, str] = {}
        for n in diagram.nodes:
            if n.group != g.id:
                continue
            tags = [n.kind, *(["deprecated"] if n.deprecated else [])]
            if n.depth is not None:
                tags.append("target" if n.depth == 0 else f"depth {n.depth}")
            cname = _unique(container_names, n.label, n.id)
            lines.append(
                f"            {ident[n.id]} = container {_text(cname)} {_text(n.id)} "
                f"{_text(n.kind)} {_text(','.join(tags))}"
            )
        lines.append("        }")
    for e in diagram.edges:
        if parent.get(e.src) == e.dst or parent.get(e.dst) == e.src:
            continue
        description = e.type if e.count == 1 else f"{e.type} x{e.count}"
        technology = e.via or ("soft" if e.soft else "hard")
        lines.append(
            f"        {ident[e.src]} -> {ident[e.dst]} {_text(description)} "
            f"{_text(technology)} {_text(_edge_tags(e))}"
        )
    lines += ["    }", "    views {", '        systemLandscape "landscape" {']
    lines += ["            include *", "            autoLayout lr", "        }"]
    for i, g in enumerate(groups):
        lines.append(f'        container {ident[g.id]} "containers-{i}" {{')
        lines += ["            include *", "            autoLayout lr", "        }"]
    lines += [_STYLES.rstrip("\n"), "    }", "}"]
    return "\n".join(lines) + "\n"
