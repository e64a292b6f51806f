"""The terminal answer of ``archgraph impact``: forgiving references, named operations
checked, text / Markdown rendering, a summary paragraph and ``--fail-on`` gates.

Pure functions over an :class:`ImpactResult` (and, for references and operations,
over the element references and API operations of a projection); no I/O here.
:func:`resolve_ref` and :func:`checked_impact` are the one rule for both the CLI
and the HTTP routes (``GET /api/v1/resolve``, ``POST /api/v1/impact``).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from graph.analysis import Projection, impact
from schemas.analysis import AffectedProduct, ImpactRequest, ImpactResult
from schemas.errors import ArchgraphError, InvalidInputError, NotFoundError

#: Kinds an impact target may have (a team or an ADR cannot change).
TARGET_KINDS = ("component", "api", "product", "capability", "technology")

_FAIL_ON = re.compile(r"^(tier1-hard|tier1-any|any-hard|any|score>=(\d+(?:\.\d+)?))$")


class UnknownNameError(NotFoundError):
    """A reference the graph does not know (404, exit 2; ``details.closest``)."""

    code = "unknown_element"


class AmbiguousNameError(InvalidInputError):
    """A bare slug several elements have (422, exit 2; ``details.candidates``)."""

    code = "ambiguous_reference"


class UnknownOperationError(InvalidInputError):
    """Named operations no changed API defines (422, exit 2; closest names in details)."""

    code = "unknown_operation"


def plural(n: int, word: str, words: str | None = None) -> str:
    """``1 product``, ``2 products``, ``1 dependency``, ``3 dependencies``."""
    return f"{n} {word if n == 1 else (words or word + 's')}"


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9.]+", "-", text.strip().lower()).strip("-")


def normalise_ref(raw: str) -> tuple[str | None, str]:
    """``Component:Identity-Service`` -> (component, identity-service);
    ``component:default/identity-service`` -> the same; ``identity-service`` -> (None, ...)."""
    kind, sep, rest = raw.strip().partition(":")
    if not sep:
        kind, rest = "", raw
    namespace, slash, name = rest.rpartition("/")
    if slash and _slug(namespace) != "default":
        name = rest  # a namespace other than default is part of what we look for
    return (_slug(kind) or None), _slug(name)


def resolve_ref(raw: str, refs: Sequence[str]) -> str:
    """The one element reference *raw* names, or :class:`UnknownNameError` with the
    closest names. A bare slug resolves only when exactly one element has it."""
    refs = list(dict.fromkeys(refs))  # channel facets repeat their API's reference
    known = set(refs)
    if raw in known:
        return raw
    kind, name = normalise_ref(raw)
    if kind is not None:
        if f"{kind}:{name}" in known:
            return f"{kind}:{name}"
        hits = []
    else:
        hits = [r for r in refs if r.partition(":")[2] == name and _changeable(r)]
        if len(hits) == 1:
            return hits[0]
    if len(hits) > 1:
        raise AmbiguousNameError(
            f"{raw!r} names {len(hits)} elements; say which: " + ", ".join(sorted(hits)),
            details={"candidates": sorted(hits)},
        )
    candidates = [r for r in refs if _changeable(r)]
    closest = _closest(f"{kind or ''}:{name}", candidates, name)
    listed = "; closest: " + ", ".join(closest) if closest else ""
    raise UnknownNameError(f"no element {raw!r}{listed}", details={"closest": closest})


def _changeable(ref: str) -> bool:
    return ref.partition(":")[0] in TARGET_KINDS


def _closest(full: str, candidates: Sequence[str], name: str) -> list[str]:
    by_full = difflib.get_close_matches(full, candidates, n=5, cutoff=0.5)
    by_name = {c.partition(":")[2]: c for c in candidates}
    for n in difflib.get_close_matches(name, list(by_name), n=5, cutoff=0.5):
        if by_name[n] not in by_full:
            by_full.append(by_name[n])
    return by_full[:5]


def operation_names(operations: Iterable[Mapping[str, Any]]) -> list[str]:
    """What a person may name: ``METHOD /path`` (or the channel) and the operationId."""
    names: list[str] = []
    for op in operations:
        method, path, op_id = op.get("method"), op.get("path"), op.get("operation_id")
        if path:
            is_http = str(path).startswith("/")
            names.append(f"{str(method).upper()} {path}" if is_http and method else str(path))
        if op_id:
            names.append(str(op_id))
    return names


def unknown_operations(result: ImpactResult) -> list[str]:
    """Named operations the engine found no changed API defining (from its warnings)."""
    found = []
    for w in result.warnings:
        m = re.fullmatch(r"operation '(.*)' is not defined by any changed API", w)
        if m:
            found.append(m.group(1))
    return found


def check_operations(result: ImpactResult, known: Sequence[str]) -> None:
    """Raise :class:`UnknownOperationError` (422, exit 2) naming each unknown operation
    and the closest operations or channels the changed APIs define."""
    unknown = unknown_operations(result)
    if not unknown:
        return
    parts, details = [], []
    for op in unknown:
        close = difflib.get_close_matches(op, list(dict.fromkeys(known)), n=5, cutoff=0.4)
        parts.append(f"{op!r}" + ("; closest: " + ", ".join(close) if close else ""))
        details.append({"operation": op, "closest": close})
    raise UnknownOperationError(
        "no changed API defines the operation or channel " + " | ".join(parts),
        details=details,
    )


def known_operations(p: Projection, result: ImpactResult) -> list[str]:
    """Every name of an operation or channel the changed APIs of *result* define."""
    changed = {t.ref for t in result.targets}
    for group in result.components_by_depth[:1]:
        changed |= set(group.apis)
    known: list[str] = []
    for ref in sorted(changed):
        if ref.startswith("api:") and ref in p.index:
            ops = p.props[p.index[ref]].get("operations") or []
            known += operation_names(ops if isinstance(ops, list) else [])
    return known


def checked_impact(p: Projection, request: ImpactRequest) -> ImpactResult:
    """The impact of *request*, refused when it names an operation no changed API
    defines (the rule of ``POST /api/v1/impact`` and ``archgraph impact``)."""
    result = impact(p, request)
    check_operations(result, known_operations(p, result))
    return result


# ------------------------------------------------------------------ rendering


def path_depth(path: Sequence[str]) -> int:
    """Dependency hops of a chain (product first, target last): an API sits at the depth
    of the component offering it, so only the last element counts when it is an API."""
    hops = [r for i, r in enumerate(path[1:], 1) if not r.startswith("api:") or i == len(path) - 1]
    return max(len(hops) - 1, 0)


def _best(product: AffectedProduct) -> tuple[list[str], int]:
    path = product.paths[0] if product.paths else [product.ref]
    return path, path_depth(path) if product.paths else product.min_depth


def _targets(result: ImpactResult) -> str:
    return ", ".join(t.ref for t in result.targets)


def summary(result: ImpactResult) -> str:
    """One paragraph a PM can paste into a design review."""
    br = result.blast_radius
    hard = [p for p in result.affected_products if p.strength == "hard"]
    soft = [p for p in result.affected_products if p.strength == "soft"]
    change = result.change_type.value.replace("-", " ")
    article = "An" if change[0] in "aeiou" else "A"
    text = f"{article} {change} of {_targets(result)}"
    if not result.affected_products:
        text += " affects no other product"
    else:
        text += f" affects {plural(len(result.affected_products), 'other product')}"
        if hard:
            names = ", ".join(f"{p.name} (tier {p.tier})" for p in hard)
            text += f": {plural(len(hard), 'breaks', 'break')} hard ({names})"
        if soft:
            text += ("; " if hard else ": ") + "only degraded: " + ", ".join(p.name for p in soft)
    text += (
        f". Blast radius {br.score:.0f} on a 0-100 scale (100 = every product and component "
        f"of the portfolio hit hard); {plural(br.components, 'component')} reached, "
        f"{plural(br.tier1_products, 'tier-1 product')} affected."
    )
    cascade = result.possible_cascade
    if cascade is not None and cascade.products:
        text += (
            f" Beyond the direct users, {plural(len(cascade.products), 'more product')} "
            "could fail in turn (possible cascade, not counted)."
        )
    if result.truncated:
        text += " The answer is truncated by a walk limit."
    return text


def render_text(result: ImpactResult, *, paths: int = 1) -> str:
    br = result.blast_radius
    lines = [f"Impact of {result.change_type.value} on {_targets(result)}"]
    if result.owners:
        lines.append("Owned by: " + ", ".join(f"{o.ref} (tier {o.tier})" for o in result.owners))
    elif result.owned_by_platform:
        lines.append("Owned by: the platform")
    lines.append(
        f"Blast radius: {br.score:.0f}/100; {plural(br.products, 'product')} "
        f"({br.hard_products} hard, {br.soft_products} soft), "
        f"{plural(br.components, 'component')}, {plural(br.apis, 'API')}"
    )
    if not result.affected_products:
        lines.append("No other product is affected.")
    for product in result.affected_products:
        path, depth = _best(product)
        lines.append(
            f"  {product.ref}  tier {product.tier}  {product.strength}  depth {depth}  "
            f"effort {product.effort.size} "
            f"({plural(product.effort.integration_points, 'integration point')})"
        )
        lines.append("      " + " -> ".join(path))
        for extra in product.paths[1:paths]:
            lines.append("      " + " -> ".join(extra) + f"  (depth {path_depth(extra)})")
    if result.unaffected_consumers:
        lines.append(
            "Not affected (use none of the changed operations): "
            + ", ".join(result.unaffected_consumers)
        )
    if result.truncated and result.truncation is not None:
        t = result.truncation
        lines.append(
            f"TRUNCATED by the {t.reason} limit: {plural(t.unexpanded_count, 'element')} not "
            f"followed further, {t.beyond_count} beyond them not reported"
        )
    lines += [f"warning: {w}" for w in result.warnings]
    lines += ["", summary(result)]
    return "\n".join(lines)


def render_markdown(result: ImpactResult) -> str:
    br = result.blast_radius
    lines = [
        f"### Impact of {result.change_type.value} on {_targets(result)}",
        "",
        summary(result),
        "",
        f"Blast radius **{br.score:.0f}/100**.",
        "",
    ]
    if result.affected_products:
        lines += [
            "| product | tier | strength | depth | effort | best path |",
            "| --- | --- | --- | --- | --- | --- |",
        ]
        for p in result.affected_products:
            path, depth = _best(p)
            lines.append(
                f"| {p.name} (`{p.ref}`) | {p.tier} | {p.strength} | {depth} | "
                f"{p.effort.size} | {' → '.join(f'`{r}`' for r in path)} |"
            )
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------ gates


def check_fail_on(level: str) -> str:
    if not _FAIL_ON.match(level):
        raise ArchgraphError(
            f"--fail-on {level!r}: use tier1-hard, tier1-any, any-hard, any or score>=N",
            code="validation_error",
        )
    return level


def crosses(result: ImpactResult, level: str) -> bool:
    """Whether the change crosses the ``--fail-on`` line (docs/cli.md)."""
    products = result.affected_products
    if level == "tier1-hard":
        return any(p.tier == 1 and p.strength == "hard" for p in products)
    if level == "tier1-any":
        return any(p.tier == 1 for p in products)
    if level == "any-hard":
        return any(p.strength == "hard" for p in products)
    if level == "any":
        return bool(products)
    m = _FAIL_ON.match(level)
    assert m is not None and m.group(2) is not None
    return result.blast_radius.score >= float(m.group(2))
