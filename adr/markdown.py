"""One ADR file: read MADR 2/3/4 or Nygard / adr-tools Markdown, write MADR 4.

The rules are in ``docs/adr.md``. Reading never raises on content: what does
not fit becomes a warning.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from adr.records import LINK_FIELDS, AdrDoc, AffectDoc, AlternativeDoc, RawLink, adr_label

_FRONT_MATTER = re.compile(r"\A\ufeff?---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.S)
_HEADING = re.compile(r"^(#{1,6})[ \t]+(.*?)[ \t#]*$")
_NUMBER_IN_NAME = re.compile(r"^(?:adr)?[-_ ]?(\d{1,6})(?!\d)", re.I)
_NUMBER_IN_TITLE = re.compile(r"^(?:adr)?[-_ #]?(\d{1,6})(?:[.:)]|\s+-|\s*:)\s*", re.I)
_META_LINE = re.compile(
    r"^\s*(?:[*-]\s*)?(status|date|deciders|decision[- ]makers|tags)\s*:\s*(.*)$", re.I
)

STATUS_WORDS: tuple[tuple[str, str], ...] = (
    # (pattern, status); searched in this order, the earliest match in the text wins
    (r"super[sc]ee?ded|replaced", "superseded"),
    (r"accepted|approved|adopted|agreed|done", "accepted"),
    (r"proposed|pending|draft|open|on[ -]hold|in[ -]progress", "proposed"),
    (r"rejected|declined", "rejected"),
    (r"deprecated|obsolete|retired", "deprecated"),
)
_STATUS_RE = re.compile(
    "|".join(f"(?P<s{i}>\\b(?:{p})\\b)" for i, (p, _) in enumerate(STATUS_WORDS)), re.I
)

LINK_PHRASES: tuple[tuple[str, str], ...] = (
    (r"super[sc]ee?ded\s+by|replaced\s+by", "superseded_by"),
    (r"super[sc]edes|replaces", "supersedes"),
    (r"amended\s+by", "amended_by"),
    (r"amends", "amends"),
    (r"supplemented\s+by", "supplemented_by"),
    (r"supplements", "supplements"),
)
_PHRASE_RE = re.compile(
    "|".join(f"(?P<l{i}>\\b(?:{p})\\b)" for i, (p, _) in enumerate(LINK_PHRASES)), re.I
)
_REF_RE = re.compile(
    r"\[(?P<text>[^\]]*)\]\((?P<target>[^)\s]+)[^)]*\)"  # [text](target)
    r"|\{%\s*link\s+(?P<jekyll>[^\s%]+)\s*%\}"  # {% link path %}
    r"|\{\{<\s*ref\s+\"?(?P<hugo>[^\s\">]+)\"?\s*>\}\}"  # {{< ref "path" >}}
    r"|(?P<file>[\w./-]+\.(?:md|markdown|html))\b"  # bare file name
    r"|\b(?:ADR)[-_ #]?(?P<num>\d{1,6})\b"  # ADR-0005, ADR 5, ADR005
    r"|#(?P<hash>\d{1,6})\b",
    re.I,
)

_SECTIONS: dict[str, str] = {
    "context": "context",
    "context and problem statement": "context",
    "problem statement": "context",
    "problem": "context",
    "decision": "decision",
    "decision outcome": "decision",
    "consequences": "consequences",
    "positive consequences": "consequences",
    "negative consequences": "consequences",
    "considered options": "options",
    "pros and cons of the options": "pros_cons",
    "status": "status",
    "more information": "notes",
}

_DATE_FORMATS = (
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%d/%m/%Y",
    "%d.%m.%Y",
    "%d %B %Y",
    "%d %b %Y",
    "%B %d, %Y",
    "%B %d %Y",
    "%b %d, %Y",
    "%b %d %Y",
    "%Y-%m",
)


@dataclass
class ParsedAdr:
    """One file read: the ADR (or None when the file is not one), its raw links, warnings."""

    doc: AdrDoc | None
    raw_links: list[RawLink] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def number_from_name(name: str) -> int | None:
    base = name.rsplit("/", 1)[-1]
    match = _NUMBER_IN_NAME.match(base)
    return int(match.group(1)) if match else None


def parse_date(value: object) -> dt.date | None:
    """A date in one of the accepted forms, or None."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = re.sub(r"\s+", " ", str(value or "")).strip().strip("[]{}\"'")
    text = re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", text)
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def status_from_text(text: str) -> tuple[str | None, str | None]:
    """(status, the word that gave it) for the earliest status word in *text*."""
    match = _STATUS_RE.search(text)
    if match is None or match.lastgroup is None:
        return None, None
    return STATUS_WORDS[int(match.lastgroup[1:])][1], match.group(0)


def links_from_text(text: str) -> list[RawLink]:
    """Every reference after a link phrase, up to the next phrase."""
    links: list[RawLink] = []
    phrases = list(_PHRASE_RE.finditer(text))
    for i, phrase in enumerate(phrases):
        assert phrase.lastgroup is not None
        kind = LINK_PHRASES[int(phrase.lastgroup[1:])][1]
        end = phrases[i + 1].start() if i + 1 < len(phrases) else len(text)
        segment = text[phrase.end() : end]
        segment = segment.split("\n\n", 1)[0]
        for ref in _REF_RE.finditer(segment):
            links.append(_raw_link(kind, ref))
    return links


def _raw_link(kind: str, ref: re.Match[str]) -> RawLink:
    target = ref.group("target") or ref.group("jekyll") or ref.group("hugo") or ref.group("file")
    if target:
        file = target.split("#", 1)[0].rsplit("/", 1)[-1]
        number = number_from_name(file)
        text = ref.group("text") or ""
        if not file.lower().endswith((".md", ".markdown", ".html")):
            file = ""
        if number is None and text:
            number = _number_in(text)
        return RawLink(kind, number, file or None, ref.group(0))
    digits = ref.group("num") or ref.group("hash")
    return RawLink(kind, int(digits), None, ref.group(0))


def _number_in(text: str) -> int | None:
    match = re.search(r"\b(?:ADR)[-_ #]?(\d{1,6})\b|^(\d{1,6})\.", text.strip(), re.I)
    if not match:
        return None
    return int(match.group(1) or match.group(2))


def _front_matter(text: str, warnings: list[str]) -> tuple[dict[str, Any], str]:
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, text
    body = text[match.end() :]
    try:
        data = yaml.safe_load(match.group(1))
    except yaml.YAMLError as exc:
        warnings.append(f"front matter is not valid YAML ({exc.__class__.__name__}); ignored")
        return {}, body
    if not isinstance(data, dict):
        return {}, body
    return {str(k).lower(): v for k, v in data.items()}, body


def _split_sections(body: str) -> tuple[str | None, str, list[tuple[int, str, str]]]:
    """(title, text before the first section, [(level, heading, text)])."""
    title: str | None = None
    preamble: list[str] = []
    sections: list[tuple[int, str, list[str]]] = []
    fenced = False
    for line in body.splitlines():
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
        match = None if fenced else _HEADING.match(line)
        if match and len(match.group(1)) == 1 and title is None and not sections:
            title = match.group(2).strip()
            continue
        if match and len(match.group(1)) in (2, 3):
            sections.append((len(match.group(1)), match.group(2).strip(), []))
            continue
        (sections[-1][2] if sections else preamble).append(line)
    return (
        title,
        "\n".join(preamble).strip(),
        [(lvl, head, "\n".join(lines).strip()) for lvl, head, lines in sections],
    )


def _clean_title(title: str) -> tuple[str, int | None]:
    match = _NUMBER_IN_TITLE.match(title)
    if match and match.end() < len(title):
        return title[match.end() :].strip(), int(match.group(1))
    return title, None


def _as_list(value: object) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v).strip() for v in value if v is not None and str(v).strip()]
    return [part.strip() for part in re.split(r"[,;]", str(value)) if part.strip()]


def _list_items(text: str) -> list[str]:
    return [m.group(1).strip() for m in re.finditer(r"^\s{0,3}[*+-]\s+(.+)$", text, re.M)]


def _option_name(item: str) -> str:
    link = re.match(r"^\[([^\]]+)\]\([^)]*\)\s*(?:[-\u2013\u2014:]\s*)?(.*)$", item)
    if link:
        return link.group(1).strip()
    return item.strip().strip('"')


def _pros_cons(text: str) -> tuple[list[str], list[str], list[str]]:
    pros: list[str] = []
    cons: list[str] = []
    rest: list[str] = []
    for item in _list_items(text):
        good = re.match(r"^(?:good|pro)\s*[,:]\s*(?:because\s+)?(.*)$", item, re.I)
        bad = re.match(r"^(?:bad|con)\s*[,:]\s*(?:because\s+)?(.*)$", item, re.I)
        if good:
            pros.append(good.group(1).strip())
        elif bad:
            cons.append(bad.group(1).strip())
        else:
            rest.append(item)
    return pros, cons, rest


def _affects(value: object, warnings: list[str]) -> list[AffectDoc]:
    affects: list[AffectDoc] = []
    for item in value if isinstance(value, list) else []:
        if isinstance(item, dict) and isinstance(item.get("ref"), str):
            affects.append(AffectDoc(item["ref"], str(item.get("change_type", "breaking-change"))))
        elif isinstance(item, str):
            affects.append(AffectDoc(item))
        else:
            warnings.append(f"affects item {item!r} is not a reference; ignored")
    return affects


def parse_adr(text: str, file_name: str) -> ParsedAdr:
    """Read one ADR file; ``doc`` is None (with a warning) when it is not an ADR."""
    warnings: list[str] = []
    base = file_name.rsplit("/", 1)[-1]
    if "template" in base.lower():
        return ParsedAdr(None, [], ["a template, not an ADR; skipped"])
    meta, body = _front_matter(text, warnings)
    heading, preamble, sections = _split_sections(body)
    title, title_number = _clean_title(heading or "")
    number = number_from_name(base)
    if number is None:
        number = title_number
    if number is None:
        return ParsedAdr(None, [], ["no ADR number in the file name or title; not an ADR, skipped"])
    if not title:
        title = re.sub(r"[-_]+", " ", re.sub(r"^\D*\d+[-_ ]*", "", base.rsplit(".", 1)[0]))
        title = title.strip().capitalize() or f"ADR {number}"
        warnings.append(f"no '# Title' heading; title taken from the file name: {title!r}")
    doc = AdrDoc(number=number, title=title, file_name=base)

    for line in preamble.splitlines():
        meta_line = _META_LINE.match(line)
        if meta_line:
            key = meta_line.group(1).lower().replace(" ", "-")
            meta.setdefault(key, meta_line.group(2).strip())

    status_text = str(meta.get("status") or "")
    if not status_text.strip():
        status_text = next(
            (c for lvl, h, c in sections if lvl == 2 and _SECTIONS.get(h.lower()) == "status"), ""
        )
    doc.status = _status(status_text, warnings)
    raw_links = links_from_text(status_text)
    for key, kind in (
        ("supersedes", "supersedes"),
        ("superseded-by", "superseded_by"),
        ("amends", "amends"),
        ("amended-by", "amended_by"),
        ("supplements", "supplements"),
        ("supplemented-by", "supplemented_by"),
    ):
        for item in _as_list(meta.get(key)):
            number_ = _number_in(item) or number_from_name(item)
            raw_links.append(RawLink(kind, number_, None, item))

    if "date" in meta and meta["date"] not in (None, ""):
        doc.date = parse_date(meta["date"])
        if doc.date is None:
            warnings.append(f"date {str(meta['date'])!r} is in no known format; no date kept")
    doc.deciders = _as_list(meta.get("deciders") or meta.get("decision-makers"))
    doc.tags = _as_list(meta.get("tags"))
    doc.affects = _affects(meta.get("affects"), warnings)
    _fill_sections(doc, sections, raw_links)
    return ParsedAdr(doc, raw_links, warnings)


def _status(status_text: str, warnings: list[str]) -> str:
    status, word = status_from_text(status_text)
    superseded = any(link.kind == "superseded_by" for link in links_from_text(status_text))
    if superseded and status != "superseded":
        warnings.append(f"status says {word!r} and 'superseded by': read as superseded")
        return "superseded"
    if status is None:
        shown = status_text.strip().splitlines()[0][:80] if status_text.strip() else ""
        warnings.append(
            f"status {shown!r} is not a known status; imported as proposed"
            if shown
            else "no status; imported as proposed"
        )
        return "proposed"
    if word is not None and word.lower() != status:
        warnings.append(f"status word {word!r} read as {status}")
    return status


def _fill_sections(
    doc: AdrDoc, sections: list[tuple[int, str, str]], raw_links: list[RawLink]
) -> None:
    notes: list[str] = []
    option_names: list[str] = []
    pros_cons: dict[str, tuple[list[str], list[str]]] = {}
    consequences: list[str] = []
    current_top = ""
    for level, head, content in sections:
        kind = _SECTIONS.get(head.lower())
        if level == 2:
            current_top = kind or ""
        if kind == "status":
            continue
        if kind == "context":
            doc.context = _join(doc.context, content)
        elif kind == "decision":
            doc.decision = _join(doc.decision, content)
        elif kind == "consequences":
            consequences.append(
                content if head.lower() == "consequences" else f"{head}:\n\n{content}"
            )
        elif kind == "options":
            option_names.extend(_option_name(item) for item in _list_items(content))
        elif kind == "pros_cons":
            continue
        elif level == 3 and current_top == "pros_cons":
            pros, cons, _ = _pros_cons(content)
            pros_cons[_option_name(head)] = (pros, cons)
        elif kind == "notes":
            notes.append(content)
        elif level == 3 and current_top == "notes":
            notes.append(f"### {head}\n\n{content}".strip())
        elif level == 3 and current_top == "decision":
            doc.decision = _join(doc.decision, f"### {head}\n\n{content}")
        else:
            if head.lower() in ("links", "related decisions"):
                raw_links.extend(links_from_text(content))
            notes.append(f"### {head}\n\n{content}".strip())
    doc.consequences = "\n\n".join(c for c in consequences if c.strip())
    doc.notes = "\n\n".join(n for n in notes if n)
    names = option_names + [n for n in pros_cons if n not in option_names]
    for name in names:
        pros, cons = pros_cons.get(name, ([], []))
        doc.alternatives.append(AlternativeDoc(name, pros, cons))


def _join(old: str, new: str) -> str:
    return f"{old}\n\n{new}".strip() if old else new


# ------------------------------------------------------------------ render


def file_name_for(doc: AdrDoc) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", doc.title.lower()).strip("-")[:60].strip("-")
    return f"{doc.number:04d}-{slug or 'decision'}.md"


def render_madr(doc: AdrDoc) -> str:
    """MADR 4 Markdown for *doc*; ``parse_adr`` reads it back to the same ADR."""
    meta: dict[str, Any] = {"status": doc.status}
    if doc.date:
        meta["date"] = doc.date.isoformat()
    if doc.deciders:
        meta["decision-makers"] = list(doc.deciders)
    if doc.tags:
        meta["tags"] = list(doc.tags)
    for kind in LINK_FIELDS:
        if doc.links.get(kind):
            meta[kind.replace("_", "-")] = [adr_label(n) for n in sorted(doc.links[kind])]
    if doc.affects:
        meta["affects"] = [{"ref": a.ref, "change_type": a.change_type} for a in doc.affects]
    front = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=1000).strip()
    parts = [f"---\n{front}\n---", f"# {doc.title}"]
    if doc.context:
        parts.append(f"## Context and Problem Statement\n\n{doc.context}")
    if doc.alternatives:
        items = "\n".join(f"* {alt.name}" for alt in doc.alternatives)
        parts.append(f"## Considered Options\n\n{items}")
    if doc.decision or doc.consequences:
        outcome = "## Decision Outcome"
        if doc.decision:
            outcome += f"\n\n{doc.decision}"
        if doc.consequences:
            outcome += f"\n\n### Consequences\n\n{doc.consequences}"
        parts.append(outcome)
    with_args = [a for a in doc.alternatives if a.pros or a.cons]
    if with_args:
        blocks = ["## Pros and Cons of the Options"]
        for alt in with_args:
            lines = [f"* Good, because {p}" for p in alt.pros]
            lines += [f"* Bad, because {c}" for c in alt.cons]
            blocks.append(f"### {alt.name}\n\n" + "\n".join(lines))
        parts.append("\n\n".join(blocks))
    if doc.notes:
        parts.append(f"## More Information\n\n{doc.notes}")
    return "\n\n".join(parts) + "\n"
