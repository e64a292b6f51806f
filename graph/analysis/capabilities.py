"""Which component provides which capability: declared, and inferred from evidence.

Declared: a ``HAS_CAPABILITY`` edge (its ``confidence`` when ``declared`` is
false) or the component's ``capabilities`` field. Inferred, each piece of
evidence with a weight, combined as ``1 - prod(1 - weight)``:

=================  ======  ====================================================
evidence           weight  when
=================  ======  ====================================================
name               0.6     the component's slug or name contains a capability term
description        0.35    its description contains a capability term
operations         0.4     the paths or ids of operations it offers contain a term
shared-operations  <= 0.8  it offers operations that a declared provider of the
                           capability also offers: 0.8 * shared / smaller set
=================  ======  ====================================================

A capability's terms are its slug, name and synonyms (each a phrase whose
stemmed words must all appear), widened by a small built-in thesaurus for
common platform capabilities (``auth`` also means ``login``, ``sso`` ...).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from graph.analysis.projection import (
    CAPABILITY,
    CONSUMES,
    DEPENDS_ON,
    HAS_CAPABILITY,
    PROVIDES,
    PUBLISHES,
    SUBSCRIBES,
    Projection,
)
from graph.analysis.text import GENERIC_OPERATIONS, operation_key, stem, tokens, words

NAME_WEIGHT = 0.6
DESCRIPTION_WEIGHT = 0.35
OPERATIONS_WEIGHT = 0.4
SHARED_OPERATIONS_WEIGHT = 0.8
INFERRED_EDGE_CONFIDENCE = 0.7

#: Families of words that name the same common capability.
THESAURUS: tuple[tuple[str, ...], ...] = (
    (
        "authentication",
        "authn",
        "auth",
        "login",
        "logon",
        "signin",
        "sign in",
        "sso",
        "single sign on",
        "oauth",
        "oidc",
        "openid",
        "identity",
        "idp",
        "iam",
    ),
    ("authorization", "authz", "permission", "entitlement", "rbac", "access control"),
    ("notification", "notifications", "notifier", "notify", "push notification", "sms"),
    ("payment", "payments", "psp", "card processing"),
    ("search", "full text search", "elasticsearch", "opensearch", "solr"),
    ("analytics", "telemetry", "clickstream"),
    ("email", "e-mail", "mailer", "smtp"),
    ("feature flag", "feature flags", "feature toggle", "toggles"),
)


def _phrase(text: str) -> frozenset[str]:
    return frozenset(stem(w) for w in words(text) if len(w) > 1)


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """The terms (stemmed word sets) that name each capability, by capability reference."""

    terms: dict[str, list[frozenset[str]]]
    by_word: dict[str, set[str]]
    names: dict[str, str]
    texts: dict[frozenset[str], str]


def _vocabulary(p: Projection) -> Vocabulary:
    texts: dict[str, list[str]] = {}
    names: dict[str, str] = {}
    for c in p.nodes_of("capability"):
        ref = p.refs[c]
        synonyms = p.props[c].get("synonyms") or []
        texts[ref] = [ref.partition(":")[2], p.name(c), *(str(s) for s in synonyms)]
        names[ref] = p.name(c)
    for caps in declared(p).values():
        for ref in caps:
            if ref not in texts:
                texts[ref] = [ref.partition(":")[2]]
                names[ref] = ref.partition(":")[2]
    shown: dict[frozenset[str], str] = {}
    for text in [t for family in THESAURUS for t in family] + [
        t for ts in texts.values() for t in ts
    ]:
        shown.setdefault(_phrase(text), text.lower())
    families = [{_phrase(t) for t in family} for family in THESAURUS]
    terms: dict[str, list[frozenset[str]]] = {}
    for ref, names_of in texts.items():
        own = {ph for ph in (_phrase(t) for t in names_of) if ph}
        for family in families:
            if own & family:
                own |= family
        terms[ref] = sorted(own, key=lambda ph: sorted(ph))
    by_word: dict[str, set[str]] = {}
    for ref, phrases in terms.items():
        for ph in phrases:
            for w in ph:
                by_word.setdefault(w, set()).add(ref)
    return Vocabulary(terms, by_word, names, shown)


def vocabulary(p: Projection) -> Vocabulary:
    return p.memo("capabilities:vocabulary", _vocabulary)


def _declared(p: Projection) -> dict[int, dict[str, float]]:
    out: dict[int, dict[str, float]] = {}
    for c in p.nodes_of("component"):
        caps: dict[str, float] = {}
        for slug in p.props[c].get("capabilities") or []:
            caps[f"capability:{slug}"] = 1.0
        for e in p.out_edges(c, HAS_CAPABILITY):
            target = p.edge_dst[e]
            if p.kinds[target] != CAPABILITY:
                continue
            props = p.edge_properties(e)
            confidence = 1.0
            if props.get("declared") is False:
                raw = props.get("confidence")
                confidence = (
                    float(raw) if isinstance(raw, int | float) else INFERRED_EDGE_CONFIDENCE
                )
            ref = p.refs[target]
            caps[ref] = max(caps.get(ref, 0.0), confidence)
        if caps:
            out[c] = caps
    return out


def declared(p: Projection) -> dict[int, dict[str, float]]:
    """Component -> capability reference -> confidence, from edges and fields."""
    return p.memo("capabilities:declared", _declared)


def _offered_operations(p: Projection) -> dict[int, dict[str, frozenset[int]]]:
    """Component -> normalised, non-generic operation -> the APIs it offers that have it."""
    per_api: dict[int, set[str]] = {}
    for a in p.nodes_of("api"):
        keys: set[str] = set()
        for op in p.props[a].get("operations") or []:
            if isinstance(op, Mapping) and isinstance(op.get("path"), str):
                key = operation_key(str(op.get("method") or "get"), op["path"])
                if key not in GENERIC_OPERATIONS:
                    keys.add(key)
        per_api[a] = keys
    out: dict[int, dict[str, frozenset[int]]] = {}
    for c in p.nodes_of("component"):
        found: dict[str, set[int]] = {}
        for t in (PROVIDES, PUBLISHES):
            for a in p.successors(c, t):
                for key in per_api.get(a, ()):
                    found.setdefault(key, set()).add(a)
        if found:
            out[c] = {key: frozenset(apis) for key, apis in found.items()}
    return out


def offered_operations(p: Projection) -> dict[int, dict[str, frozenset[int]]]:
    """Component -> operation -> APIs: what each component offers (computed once)."""
    return p.memo("capabilities:operations", _offered_operations)


def shared_operations(
    ops: Mapping[int, Mapping[str, frozenset[int]]], a: int, b: int, keys: Iterable[str]
) -> list[str]:
    """The *keys* both components offer through different APIs (sharing one API is no
    duplicate)."""
    mine, theirs = ops.get(a, {}), ops.get(b, {})
    return sorted(k for k in keys if k in mine and k in theirs and not mine[k] & theirs[k])


def used_capabilities(p: Projection, c: int) -> set[str]:
    """Capabilities declared by what *c* uses directly: mentioning them says nothing."""
    decl = declared(p)
    used: set[int] = set(p.successors(c, DEPENDS_ON))
    for t in (CONSUMES, SUBSCRIBES):
        for a in p.successors(c, t):
            used.update(p.predecessors(a, PROVIDES))
            used.update(p.predecessors(a, PUBLISHES))
    return {ref for u in used for ref in decl.get(u, {})}


@dataclass(slots=True)
class Claim:
    """One component's claim to one capability, with the evidence for it."""

    confidence: float = 0.0
    evidence: list[tuple[str, str, float]] = field(default_factory=list)

    def add(self, kind: str, detail: str, weight: float) -> None:
        self.evidence.append((kind, detail, round(weight, 3)))
        self.confidence = 1.0 - (1.0 - self.confidence) * (1.0 - weight)


def _mentions(vocab: Vocabulary, words_found: set[str]) -> dict[str, str]:
    """Capabilities whose terms all appear in *words_found*, with the term that matched."""
    hits: dict[str, str] = {}
    candidates: set[str] = set()
    for w in words_found:
        candidates |= vocab.by_word.get(w, set())
    for ref in sorted(candidates):
        for ph in vocab.terms[ref]:
            if ph and ph <= words_found:
                hits[ref] = vocab.texts.get(ph) or " ".join(sorted(ph))
                break
    return hits


def _claims(p: Projection) -> dict[int, dict[str, Claim]]:
    vocab = vocabulary(p)
    decl = declared(p)
    ops = offered_operations(p)
    claims: dict[int, dict[str, Claim]] = {}

    def claim(c: int, ref: str) -> Claim:
        return claims.setdefault(c, {}).setdefault(ref, Claim())

    for c in p.nodes_of("component"):
        for ref, confidence in decl.get(c, {}).items():
            claim(c, ref).add("declared", f"declares {ref}", confidence)
        props: Mapping[str, Any] = p.props[c]
        name_words = tokens(f"{p.refs[c].partition(':')[2]} {props.get('name') or ''}")
        for ref, term in _mentions(vocab, name_words).items():
            if ref not in decl.get(c, {}):
                claim(c, ref).add("name", f"name mentions '{term}'", NAME_WEIGHT)
        skip = set(decl.get(c, {})) | used_capabilities(p, c)
        desc = props.get("description")
        for ref, term in _mentions(vocab, tokens(desc if isinstance(desc, str) else None)).items():
            if ref not in skip:
                detail = f"description mentions '{term}'"
                claim(c, ref).add("description", detail, DESCRIPTION_WEIGHT)
        op_words = set().union(*(tokens(k.replace("{}", " ")) for k in ops.get(c, {})))
        for ref, term in _mentions(vocab, op_words).items():
            if ref not in skip:
                claim(c, ref).add("operations", f"operations mention '{term}'", OPERATIONS_WEIGHT)

    # Shared operations with a declared provider of a capability, in another owner.
    providers_of: dict[str, set[int]] = {}
    for c, caps in decl.items():
        for ref in caps:
            providers_of.setdefault(ref, set()).add(c)
    by_op: dict[str, set[int]] = {}
    for c, keys in ops.items():
        for key in keys:
            by_op.setdefault(key, set()).add(c)

    def owner_key(c: int) -> int:
        return -2 if p.platform[c] else p.owner[c]

    for ref, providers in sorted(providers_of.items()):
        for prov in sorted(providers):
            mine = ops.get(prov)
            if not mine:
                continue
            candidates: dict[int, set[str]] = {}
            for key in mine:
                for other in by_op[key]:
                    if owner_key(other) != owner_key(prov):
                        candidates.setdefault(other, set()).add(key)
            for other, found in sorted(candidates.items()):
                common = shared_operations(ops, prov, other, found)
                if not common or ref in decl.get(other, {}):
                    continue
                ratio = len(common) / min(len(mine), len(ops[other]))
                listed = ", ".join(common[:5])
                detail = f"offers {len(common)} operation(s) {p.refs[prov]} also offers: {listed}"
                claim(other, ref).add("shared-operations", detail, SHARED_OPERATIONS_WEIGHT * ratio)
    return claims


def claims(p: Projection) -> dict[int, dict[str, Claim]]:
    """Component -> capability reference -> claim (declared or inferred), computed once."""
    return p.memo("capabilities:claims", _claims)


__all__ = [
    "THESAURUS",
    "Claim",
    "Vocabulary",
    "claims",
    "declared",
    "offered_operations",
    "shared_operations",
    "used_capabilities",
    "vocabulary",
]
