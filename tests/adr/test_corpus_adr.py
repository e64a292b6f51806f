"""Real ADR folders (../shared/corpus/adr): facts checked by hand against the files."""

from __future__ import annotations

from pathlib import Path

import pytest

from adr import AdrDoc, FolderImport, parse_folder, read_folder
from tests.scanners.test_corpus import corpus_dir

pytestmark = pytest.mark.corpus


def _gsp() -> tuple[FolderImport, dict[int, AdrDoc]]:
    result = parse_folder(read_folder(corpus_dir("adr/alphagov-gsp") / "docs/architecture/adr"))
    return result, {d.number: d for d in result.adrs}


def test_gsp_numbers_titles_and_skipped_files() -> None:
    result, by = _gsp()
    assert len(result.adrs) == 45
    assert sorted(result.skipped) == ["ADR000-template.md", "README.md"]
    assert by[1].title == "Support Model"
    assert by[15].title == "AWS IAM Authentication (for admins)"
    assert 26 not in by and 27 not in by
    assert any("gaps in numbering: ADR-0026, ADR-0027" in str(w) for w in result.warnings)


def test_gsp_statuses() -> None:
    _, by = _gsp()
    superseded = {n for n, d in by.items() if d.status == "superseded"}
    assert superseded == {4, 5, 6, 7, 9, 10, 12, 15, 28, 30, 32, 38}
    assert {n for n, d in by.items() if d.status == "proposed"} == {11, 17}  # "Pending"
    assert by[31].status == "accepted" and by[36].status == "accepted"
    assert sum(d.status == "accepted" for d in by.values()) == 31


def test_gsp_who_supersedes_whom() -> None:
    _, by = _gsp()
    assert by[30].links["superseded_by"] == [31, 34]  # the one superseded by two
    assert by[23].links["supersedes"] == [6, 7, 15]
    assert by[29].links["supersedes"] == [9, 10]
    assert by[43].links["supersedes"] == [32, 38]
    assert by[28].links == {"supersedes": [12], "superseded_by": [46]}
    assert by[4].links == {"superseded_by": [24]}
    assert by[5].links == {"superseded_by": [25]}


def test_gsp_amended_and_supplemented() -> None:
    _, by = _gsp()
    assert by[36].links == {"amended_by": [39]}
    assert by[39].links == {"amends": [36]}
    assert by[31].links["supplemented_by"] == [34]
    assert by[34].links["supplements"] == [31]


def test_gsp_broken_link_is_warned_and_resolved_by_number() -> None:
    result, by = _gsp()
    broken = [w for w in result.warnings if "does not exist" in w.message]
    assert [(w.file, "ADR028-docker-tools.md" in w.message) for w in broken] == [
        ("ADR012-docker-image-repositories.md", True)
    ]
    assert by[12].links == {"superseded_by": [28]}


def test_madr_front_matter_status_options_and_skips() -> None:
    folder: Path = corpus_dir("adr/madr") / "docs/decisions"
    result = parse_folder(read_folder(folder))
    by = {d.number: d for d in result.adrs}
    assert sorted(by) == list(range(0, 19))
    assert sorted(result.skipped) == ["adr-template.md", "index.md"]
    assert by[3].status == "proposed"  # front matter "status: on hold"
    assert any("on hold" in w.message for w in result.warnings if w.file.startswith("0003"))
    assert by[2].title == "Do Not Use Numbers in Headings"
    assert [a.name for a in by[11].alternatives] == ["Use an asterisk", "Use a hyphen"]
    cc0 = by[1].alternatives[0]
    assert cc0.name == "CC0" and len(cc0.pros) == 1 and len(cc0.cons) == 1


def test_madr_template_folder_reads_the_templates_as_templates() -> None:
    result = parse_folder(read_folder(corpus_dir("adr/madr") / "template"))
    assert [d.number for d in result.adrs] == [0]
    assert len(result.skipped) == 5
