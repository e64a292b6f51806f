"""The monthly review written out: Markdown and one self-contained HTML file (docs/review.md).

Both are pure functions of the dict :func:`app.review_service.build_review`
returns. The HTML carries its CSS and the diagram's SVG inline and refers to
nothing outside itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from html import escape
from typing import Any

SECTIONS: tuple[tuple[str, str], ...] = (
    ("headline", "Headline numbers"),
    ("diagram", "Portfolio diagram"),
    ("changes", "What changed, by product"),
    ("adrs", "Architecture decisions"),
    ("hotspots", "Risk hotspots"),
    ("duplicates", "Duplicate capabilities and platform adoption gaps"),
    ("deprecated", "Deprecated APIs and operations still in use"),
)
LABELS = {
    "products": "Products",
    "components": "Components",
    "apis": "APIs",
    "cross_product_dependencies": "Cross-product dependencies",
    "platform_adoption_percent": "Platform adoption (%)",
}
NO_ADRS = "No ADRs were proposed, accepted, rejected or superseded in this month."
NO_CHANGES = "No changes were recorded in this month."
NONE = "None found."

Table = tuple[Sequence[str], Sequence[Sequence[str]]]


def _signed(value: Any) -> str:
    if value is None:
        return "n/a"
    return f"+{value}" if value > 0 else str(value)


def _shown(value: Any) -> str:
    return "n/a" if value is None else str(value)


def _products(value: Any) -> str:
    return str(value) if value else "(no product)"


def write_sources(write: Mapping[str, Any]) -> str:
    """``41 sources under portfolio/products``, the one source, or how many."""
    count = int(write["sources"])
    if write["source"]:
        return str(write["source"])
    if write["under"]:
        return f"{count} sources under {write['under']}/"
    return f"{count} sources" if count else "no source"


def product_blocks(group: Mapping[str, Any]) -> list[tuple[str, Table | str]]:
    """One product's changes: counts by kind, its writes, the listed items, the rest counted."""
    counts, totals = group["counts"], group["totals"]
    kinds = sorted({k for bucket in counts.values() for k in bucket})
    count_rows = [
        (kind, *(str(counts[b].get(kind, 0)) for b in ("added", "removed", "changed")))
        for kind in kinds
    ]
    count_rows.append(("All", *(str(totals[b]) for b in ("added", "removed", "changed"))))
    write_rows = [
        (
            str(w["version"]),
            str(w["by"]),
            str(w["at"]),
            write_sources(w),
            str(w["created"]),
            str(w["updated"]),
            str(w["removed"]),
        )
        for w in group["writes"]
    ]
    items = [
        (c["what"], c["subject"], ", ".join(c["fields"]), ", ".join(c["by"]), ", ".join(c["at"]))
        for c in group["changes"]
    ]
    blocks: list[tuple[str, Table | str]] = [
        (_products(group["product"]), (("Kind", "Added", "Removed", "Changed"), count_rows)),
        (
            "",
            (
                ("Version", "Who", "When", "Sources", "Created", "Updated", "Removed"),
                write_rows,
            ),
        ),
    ]
    if group["more_writes"]:
        blocks.append(("", f"and {group['more_writes']} more writes"))
    blocks.append(("", (("What", "Element or edge", "Fields", "Who", "When"), items)))
    if group["more"]:
        blocks.append(("", f"and {group['more']} more"))
    return blocks


def assessed(found: Mapping[str, Any]) -> str:
    """Where the ADR's impact comes from: the stored assessment, or this month's graph."""
    if not found["stored"]:
        return "no assessment stored; computed on the end-of-month graph"
    return (
        f"stored at graph version {found['graph_version']}, "
        f"{_shown(found['computed_at'])} by {_shown(found['computed_by'])}"
    )


def since_then(found: Mapping[str, Any]) -> str:
    """Newly / no longer affected products between the stored assessment and the month's end."""
    if not found["stored"]:
        return "-"
    moved = f"graph version {found['graph_version']} to {found['graph_version_now']}: "
    newly, gone = found["newly_affected_products"], found["no_longer_affected_products"]
    if not newly and not gone:
        return moved + "affected products unchanged"
    parts = []
    if newly:
        parts.append("newly affected " + ", ".join(newly))
    if gone:
        parts.append("no longer affected " + ", ".join(gone))
    return moved + "; ".join(parts)


def section_tables(review: Mapping[str, Any]) -> dict[str, list[tuple[str, Table | str]]]:
    """Each section as (sub-heading, table or sentence) blocks, shared by both formats."""
    headline: Table = (
        ("Measure", "End of month", "Start of month", "Change"),
        [
            (LABELS[h["metric"]], _shown(h["value"]), _shown(h["previous"]), _signed(h["change"]))
            for h in review["headline"]
        ],
    )
    changes = [b for group in review["changes"] for b in product_blocks(group)] or [
        ("", NO_CHANGES)
    ]
    adrs = review["adrs"]
    adr_blocks: list[tuple[str, Table | str]] = []
    for status in ("proposed", "accepted", "rejected", "superseded"):
        if adrs[status]:
            adr_blocks.append(
                (
                    status.capitalize(),
                    (
                        (
                            "ADR",
                            "Title",
                            "Who",
                            "When",
                            "Status now",
                            "Affected products",
                            "Assessed",
                            "Since then",
                        ),
                        [
                            (
                                a["id"],
                                a["title"],
                                _shown(a["by"]),
                                _shown(a["at"]),
                                _shown(a["status_now"]),
                                ", ".join(a["affected_products"]) or "none",
                                assessed(a["impact"]),
                                since_then(a["impact"]),
                            )
                            for a in adrs[status]
                        ],
                    ),
                )
            )
    if not adr_blocks:
        adr_blocks.append(("", NO_ADRS))
    conflict_rows = [
        (
            f"ADR-{c['a']:04d}",
            f"ADR-{c['b']:04d}",
            ", ".join(c["shared_elements"]) or "-",
            ", ".join(c["shared_products"]) or "-",
        )
        for c in adrs["conflicts_now"]
    ]
    adr_blocks.append(
        (
            "Open ADRs in conflict (today)",
            (("ADR", "ADR", "Shared elements", "Shared products"), conflict_rows)
            if conflict_rows
            else NONE,
        )
    )
    hot = review["hotspots"]
    most = [
        (
            d["component"],
            _products(d["product"]) if not d["platform"] else "platform",
            str(d["products"]),
            str(d["hard_products"]),
        )
        for d in hot["most_depended_upon"]
    ]
    spof = [
        (s["component"], ", ".join(s["hard_products"]), s["reason"])
        for s in hot["single_points_of_failure"]
    ]
    dup_rows = [
        (
            g["label"],
            ", ".join(g["products"]),
            ", ".join(g["members"]),
            "; ".join(
                f"{gap['platform_component']} not used by {', '.join(gap['products_not_using'])}"
                for gap in g["adoption_gaps"]
            )
            or "-",
        )
        for g in review["duplicates"]
    ]
    dep_rows = [
        (
            d["element"],
            d["lifecycle"],
            ", ".join(d["deprecated_operations"]) or "-",
            ", ".join(d["consumers"]),
            ", ".join(d["products"]) or "-",
            f"{d['sunset_date']} ({d['sunset']})" if d["sunset"] else _shown(d["sunset_date"]),
        )
        for d in review["deprecated_in_use"]
    ]

    def table_or_none(head: Sequence[str], rows: Sequence[Sequence[str]]) -> Table | str:
        return (head, rows) if rows else NONE

    diagram = review["diagram"]
    diagram_note = (
        "Components collapsed into their products: the portfolio is past the size threshold."
    )
    return {
        "headline": [("", headline)],
        "diagram": [("", diagram_note)] if diagram["collapsed"] else [],
        "changes": changes,
        "adrs": adr_blocks,
        "hotspots": [
            (
                "Most depended upon",
                table_or_none(("Component", "Owner", "Products depending", "Hard"), most),
            ),
            (
                "Single points of failure",
                table_or_none(("Component", "Products depending hard", "Why"), spof),
            ),
        ],
        "duplicates": [
            (
                "",
                table_or_none(("Capability", "Products", "Components", "Adoption gaps"), dup_rows),
            )
        ],
        "deprecated": [
            (
                "",
                table_or_none(
                    (
                        "Element",
                        "Lifecycle",
                        "Deprecated operations",
                        "Consumers",
                        "Products",
                        "Sunset",
                    ),
                    dep_rows,
                ),
            )
        ],
    }


def review_title(review: Mapping[str, Any]) -> str:
    return f"Architecture review {review['month']}"


def review_period(review: Mapping[str, Any]) -> str:
    partial = " (month in progress)" if review["partial"] else ""
    return (
        f"From {review['from']} to {review['to']}{partial}; graph version "
        f"{review['graph_version_from']} to {review['graph_version_to']}."
    )


# ------------------------------------------------------------------ Markdown


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _md_table(table: Table) -> Iterable[str]:
    head, rows = table
    yield "| " + " | ".join(head) + " |"
    yield "|" + " --- |" * len(head)
    for row in rows:
        yield "| " + " | ".join(_md_cell(c) for c in row) + " |"


def to_markdown(review: Mapping[str, Any]) -> str:
    lines = [f"# {review_title(review)}", "", review_period(review), ""]
    blocks = section_tables(review)
    for key, heading in SECTIONS:
        lines += [f"## {heading}", ""]
        if key == "diagram":
            lines += ["```dot", review["diagram"]["dot"].rstrip(), "```", ""]
        for sub, body in blocks[key]:
            if sub:
                lines += [f"### {sub}", ""]
            lines += [body, ""] if isinstance(body, str) else [*_md_table(body), ""]
    return "\n".join(lines)


# ------------------------------------------------------------------ HTML

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;
margin:0 auto;max-width:1100px;padding:1.5rem;color:#1b1f24;line-height:1.45}
h1{font-size:1.8rem;margin:0 0 .3rem}h2{font-size:1.35rem;border-bottom:2px solid #d0d7de;
padding-bottom:.2rem;margin-top:2rem}h3{font-size:1.05rem;margin:1.2rem 0 .4rem}
.period{color:#57606a;margin:0 0 1rem}
table{border-collapse:collapse;width:100%;font-size:.9rem;margin:.3rem 0 1rem}
th,td{border:1px solid #d0d7de;padding:.3rem .5rem;text-align:left;vertical-align:top;
overflow-wrap:anywhere}th{background:#f6f8fa}tr{break-inside:avoid}
.empty{color:#57606a;font-style:italic}
figure.diagram{margin:0;break-inside:avoid;page-break-inside:avoid;overflow:auto}
figure.diagram svg{max-width:100%;height:auto}
@media print{body{max-width:none;padding:0}section{break-before:page;page-break-before:always}
section:first-of-type{break-before:auto;page-break-before:auto}
figure.diagram{overflow:visible}figure.diagram svg{max-height:22cm}}
"""

_PROLOGUE = re.compile(r"^.*?(?=<svg)", re.S)


def inline_svg(svg: str) -> str:
    """The ``<svg>`` element alone: no XML declaration or DOCTYPE (which name a DTD URL)."""
    return _PROLOGUE.sub("", svg, count=1).strip()


def _html_table(table: Table) -> str:
    head, rows = table
    th = "".join(f"<th>{escape(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>"


def to_html(review: Mapping[str, Any]) -> str:
    blocks = section_tables(review)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(review_title(review))}</title><style>{CSS}</style></head><body>",
        f"<header><h1>{escape(review_title(review))}</h1>",
        f'<p class="period">{escape(review_period(review))}</p></header>',
    ]
    for key, heading in SECTIONS:
        parts.append(f'<section id="{key}"><h2>{escape(heading)}</h2>')
        if key == "diagram":
            parts.append(f'<figure class="diagram">{inline_svg(review["diagram"]["svg"])}</figure>')
        for sub, body in blocks[key]:
            if sub:
                parts.append(f"<h3>{escape(sub)}</h3>")
            parts.append(
                f'<p class="empty">{escape(body)}</p>'
                if isinstance(body, str)
                else _html_table(body)
            )
        parts.append("</section>")
    parts.append("</body></html>")
    return "\n".join(parts)
