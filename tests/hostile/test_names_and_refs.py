"""Refs, slugs and upload names: one rule at every entry, refused rather than changed."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from graph.storage import GraphStore
from schemas.refs import RefError, check_upload_name, is_slug, parse_ref
from tests.api.conftest import ApiClient, assert_error
from tests.hostile.conftest import assert_unharmed, snapshot

SPEC = b"openapi: 3.0.3\ninfo: {title: T, version: '1'}\npaths: {}\n"

BAD_REFS = [
    "component:orders\n",
    "component:orders\r",
    "component:ord\x00ers",
    "component:ord\ters",
    "component:\u043erders",  # Cyrillic o
    "component:ORDERS",
    "component:orders ",
    "component:",
    "widget:orders",  # unknown kind: the slug itself is fine
]


@pytest.mark.parametrize("ref", BAD_REFS)
def test_bad_refs_are_refused_by_the_one_rule(ref: str) -> None:
    with pytest.raises(RefError):
        parse_ref(ref)
    kind, _, slug = ref.partition(":")
    if kind != "widget":
        assert not is_slug(slug)


@pytest.mark.parametrize("ref", BAD_REFS[:5])
def test_bad_refs_are_refused_by_the_api(seeded: ApiClient, store: GraphStore, ref: str) -> None:
    before = snapshot(store)
    edge = {"from": ref, "type": "PART_OF", "to": "product:shop"}
    assert seeded.post("/api/v1/edges", json=edge).status_code == 422
    slug = ref.partition(":")[2]
    put = seeded.put(f"/api/v1/components/{quote(slug, safe='')}", json={"name": "x"})
    assert 400 <= put.status_code < 500 and put.status_code != 401
    body = {"slug": slug, "name": "x"}
    assert seeded.post("/api/v1/components", json=body).status_code == 422
    assert_unharmed(seeded, store, before)


BAD_NAMES = [
    "C:\\evil.yaml",
    "c:/evil.yaml",
    "/etc/evil.yaml",
    "../evil.yaml",
    "a/../../evil.yaml",
    "a//b.yaml",
    "./a.yaml",
    "nul\x00.yaml",
    "line\n.yaml",
    "bell\x07.yaml",
    "bad\ufffd.yaml",
    "back\\slash.yaml",
    "",
]


@pytest.mark.parametrize("name", BAD_NAMES)
def test_bad_upload_names_are_refused_not_changed(name: str) -> None:
    with pytest.raises(RefError):
        check_upload_name(name)


def test_good_upload_names_are_kept_as_they_are() -> None:
    for name in ("a.yaml", "svc/payments/openapi.yaml", "ünï/ç.yaml", "a..b.yaml"):
        assert check_upload_name(name) == name


@pytest.mark.parametrize("name", [n for n in BAD_NAMES if n])
def test_bad_json_upload_names_are_422(seeded: ApiClient, store: GraphStore, name: str) -> None:
    before = snapshot(store)
    body = {"files": [{"name": name, "content": SPEC.decode()}]}
    assert_error(seeded.post("/api/v1/scans", json=body), 422, "bad_file_name")
    assert_unharmed(seeded, store, before)


@pytest.mark.parametrize(
    "raw_name",
    [b"C:\\evil.yaml", b"\\\\server\\share\\evil.yaml", b"nul\x00.yaml", b"bad\xff\xfe.yaml"],
)
def test_bad_multipart_names_are_422(seeded: ApiClient, store: GraphStore, raw_name: bytes) -> None:
    before = snapshot(store)
    boundary = b"hostileboundary"
    body = (
        b"--" + boundary + b"\r\n"
        b'Content-Disposition: form-data; name="files"; filename="' + raw_name + b'"\r\n'
        b"Content-Type: application/yaml\r\n\r\n" + SPEC + b"\r\n--" + boundary + b"--\r\n"
    )
    response = seeded.post(
        "/api/v1/scans",
        content=body,
        headers={"Content-Type": "multipart/form-data; boundary=hostileboundary"},
    )
    assert_error(response, 422, "bad_file_name")
    assert_unharmed(seeded, store, before)
