"""Reading and writing one ADR file (rules in docs/adr.md)."""

from __future__ import annotations

import datetime as dt

import pytest

from adr import AdrDoc, AffectDoc, AlternativeDoc, parse_adr, parse_date, parse_folder, render_madr

NYGARD = """# 3. Use PostgreSQL

Date: 2019-04-02

## Status

Superseded by [5. Use Aurora](0005-use-aurora.md)

## Context

We need a database.

## Decision

We will use PostgreSQL.

## Consequences

Ops must learn it.
"""

MADR2 = """# Use Kafka for events

* Status: ACCEPTED on 2021-03-04 by the board
* Deciders: Ann, Bob
* Date: 4 March 2021

## Context and Problem Statement

Events need a bus.

## Considered Options

* Kafka
* [RabbitMQ](https://rabbitmq.com) - a broker

## Decision Outcome

Chosen option: "Kafka".

### Positive Consequences

* scales

### Negative Consequences

* ops work

## Pros and Cons of the Options

### Kafka

* Good, because it scales
* Bad, because it is heavy

### RabbitMQ

* Good, because it is simple
"""

MADR4 = """---
status: "superceded by ADR-0009"
date: 2024/01/31
decision-makers:
  - Carol
tags: [data]
---
# Keep sessions in Redis

## Context and Problem Statement

Sessions.

## Decision Outcome

Redis.

### Consequences

* Good, because fast
"""


def test_nygard_title_number_date_status_sections_and_link() -> None:
    parsed = parse_adr(NYGARD, "0003-use-postgresql.md")
    doc = parsed.doc
    assert doc is not None
    assert (doc.number, doc.title, doc.status) == (3, "Use PostgreSQL", "superseded")
    assert doc.date == dt.date(2019, 4, 2)
    assert doc.context == "We need a database."
    assert doc.decision == "We will use PostgreSQL."
    assert doc.consequences == "Ops must learn it."
    assert [(r.kind, r.number, r.file) for r in parsed.raw_links] == [
        ("superseded_by", 5, "0005-use-aurora.md")
    ]


def test_madr2_list_metadata_status_with_extra_words_options_pros_cons() -> None:
    parsed = parse_adr(MADR2, "0007-use-kafka.md")
    doc = parsed.doc
    assert doc is not None
    assert doc.status == "accepted"
    assert doc.deciders == ["Ann", "Bob"]
    assert doc.date == dt.date(2021, 3, 4)
    assert [a.name for a in doc.alternatives] == ["Kafka", "RabbitMQ"]
    assert doc.alternatives[0].pros == ["it scales"]
    assert doc.alternatives[0].cons == ["it is heavy"]
    assert doc.alternatives[1].pros == ["it is simple"]
    assert "Positive Consequences" in doc.consequences and "ops work" in doc.consequences


def test_madr4_front_matter_misspelt_superceded_and_date_with_slashes() -> None:
    parsed = parse_adr(MADR4, "0004-keep-sessions-in-redis.md")
    doc = parsed.doc
    assert doc is not None
    assert doc.status == "superseded"
    assert doc.date == dt.date(2024, 1, 31)
    assert doc.deciders == ["Carol"] and doc.tags == ["data"]
    assert doc.consequences == "* Good, because fast"
    assert [(r.kind, r.number) for r in parsed.raw_links] == [("superseded_by", 9)]


@pytest.mark.parametrize(
    ("status_text", "expected", "warns"),
    [
        ("Accepted", "accepted", False),
        ("accepted (2020-01-02)", "accepted", False),
        ("PROPOSED", "proposed", False),
        ("Pending", "proposed", True),
        ("on hold", "proposed", True),
        ("Rejected", "rejected", False),
        ("Deprecated since 2022", "deprecated", False),
        ("Superceded by ADR-0002", "superseded", True),
        ("Accepted\n\nSuperseded by [2. X](0002-x.md)", "superseded", True),
        ("whatever", "proposed", True),
        ("", "proposed", True),
    ],
)
def test_status_words(status_text: str, expected: str, warns: bool) -> None:
    text = f"# 1. T\n\n## Status\n\n{status_text}\n\n## Context\n\nc\n"
    parsed = parse_adr(text, "0001-t.md")
    assert parsed.doc is not None and parsed.doc.status == expected
    assert bool(parsed.warnings) is warns, parsed.warnings


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-03-05", dt.date(2024, 3, 5)),
        ("2024/03/05", dt.date(2024, 3, 5)),
        ("05/03/2024", dt.date(2024, 3, 5)),
        ("05.03.2024", dt.date(2024, 3, 5)),
        ("5 March 2024", dt.date(2024, 3, 5)),
        ("March 5th, 2024", dt.date(2024, 3, 5)),
        ("Mar 5 2024", dt.date(2024, 3, 5)),
        ("2024-03", dt.date(2024, 3, 1)),
        ("next tuesday", None),
        ("{YYYY-MM-DD}", None),
    ],
)
def test_dates(value: str, expected: dt.date | None) -> None:
    assert parse_date(value) == expected


def test_unparseable_date_is_a_warning() -> None:
    parsed = parse_adr("# 1. T\n\nDate: someday\n\n## Status\n\nAccepted\n", "0001-t.md")
    assert parsed.doc is not None and parsed.doc.date is None
    assert any("someday" in w for w in parsed.warnings)


def test_not_an_adr_and_templates_are_skipped_with_a_warning() -> None:
    assert parse_adr("# Index\n\nlist", "README.md").doc is None
    assert parse_adr("# ADR000: x", "ADR000-template.md").doc is None
    assert parse_adr("", "notes.md").doc is None
    garbage = parse_adr("---\n: [\n---\n\x00\x01 ## ", "0009-x.md")
    assert garbage.doc is not None and garbage.warnings


def test_links_as_shortcodes_file_names_and_numbers_resolved_in_a_folder() -> None:
    files = {
        "0001-a.md": "# A\n\n## Status\n\nSuperseded by {% link docs/decisions/0003-c.md %}\n",
        "0002-b.md": "# B\n\n## Status\n\nAccepted, amended by 0003-c.md\n",
        "0003-c.md": '# C\n\n## Status\n\nAccepted\n\nSupplements {{< ref "0004-d.md" >}}\n',
        "0004-d.md": "# D\n\n## Status\n\nAccepted. Supplemented by ADR 7 and #1\n",
        "0006-e.md": "# E\n\n## Status\n\nSuperseded by [X](0005-missing.md)\n",
    }
    result = parse_folder(files)
    by = {d.number: d for d in result.adrs}
    assert by[3].links == {"supersedes": [1], "amends": [2], "supplements": [4]}
    assert by[1].links == {"superseded_by": [3], "supplements": [4]}
    assert by[2].links == {"amended_by": [3]}
    assert by[4].links == {"supplemented_by": [1, 3]}
    assert by[6].links == {}
    messages = [str(w) for w in result.warnings]
    assert any("0006-e.md" in m and "does not exist" in m for m in messages)
    assert any("ADR 7" in m and "no imported ADR" in m for m in messages)
    assert any("gaps in numbering: ADR-0005" in m for m in messages)


def test_duplicate_numbers_keep_the_first_file() -> None:
    result = parse_folder({"0001-a.md": "# A\n", "0001-b.md": "# B\n"})
    assert [d.title for d in result.adrs] == ["A"]
    assert result.skipped == ["0001-b.md"]


def test_render_then_parse_gives_the_same_adr() -> None:
    doc = AdrDoc(
        number=12,
        title="Move auth to Keycloak",
        status="accepted",
        date=dt.date(2024, 5, 6),
        deciders=["Ann", "Bob"],
        tags=["security"],
        context="Auth is home-made.",
        decision="Use Keycloak.\n\n### Confirmation\n\nA review.",
        consequences="* Good, because standard",
        alternatives=[AlternativeDoc("Keycloak", ["open"], ["java"]), AlternativeDoc("Auth0")],
        notes="### Links\n\nnone",
        affects=[AffectDoc("component:auth-service", "migrate")],
        links={"supersedes": [3], "amended_by": [14]},
        file_name="0012-move-auth-to-keycloak.md",
    )
    parsed = parse_adr(render_madr(doc), doc.file_name)
    assert parsed.doc is not None
    back = parsed.doc
    links = {r.kind: r.number for r in parsed.raw_links}
    back.links = {}
    doc.links = {}
    assert back == doc
    assert links == {"supersedes": 3, "amended_by": 14}
    assert parsed.warnings == []
