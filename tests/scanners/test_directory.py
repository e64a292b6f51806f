from __future__ import annotations

import os
from pathlib import Path

import pytest

from scanners import DirectoryScan, ScanProgress, Severity, scan_directory, scan_uploads
from schemas.errors import InvalidInputError, PayloadTooLargeError

from .conftest import WriteTree

TREE: dict[str, str | bytes] = {
    "orders/archgraph.yaml": """
        apiVersion: archgraph/v1
        kind: Component
        name: order-service
        product: shop
        provides: [api/openapi.yaml, api/events.yaml]
        depends_on: [{component: payment-service, strength: soft}]
    """,
    "orders/api/openapi.yaml": """
        openapi: 3.0.0
        info: {title: Orders, version: 3.0.0}
        paths:
          /orders: {get: {operationId: listOrders}}
    """,
    "orders/api/events.yaml": """
        asyncapi: 2.6.0
        info: {title: Order Events, version: 1.0.0}
        channels:
          orders.created: {subscribe: {operationId: created}}
    """,
    "payments/catalog-info.yaml": """
        apiVersion: backstage.io/v1alpha1
        kind: Component
        metadata: {name: payment-service}
        spec: {type: service, owner: payments, providesApis: [payments-api]}
        ---
        apiVersion: backstage.io/v1alpha1
        kind: API
        metadata: {name: payments-api}
        spec: {type: openapi, owner: payments, definition: {$text: ./payments.oas.yaml}}
        ---
        apiVersion: backstage.io/v1alpha1
        kind: Group
        metadata: {name: payments}
        spec: {type: team}
    """,
    "payments/payments.oas.yaml": """
        openapi: 3.1.0
        info: {title: Payments, version: 1.0.0}
        paths: {/charges: {post: {operationId: charge}}}
    """,
    "notes/spec.txt": """
        swagger: "2.0"
        info: {title: Hidden Text Spec, version: "1"}
        x-archgraph-component: legacy
        paths: {}
    """,
    "deploy/k8s.yaml": "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: x}\n",
    "README.md": "# hello\nopenapi is great\n",
    "logo.png": b"\x89PNG\r\n\x1a\n\x00\x00",
    "node_modules/pkg/openapi.yaml": "openapi: 3.0.0\ninfo: {title: Vendored, version: '1'}\n",
    ".git/config": "[core]\n",
}


def test_directory_scan_recognises_formats_by_content(write_tree: WriteTree) -> None:
    root = write_tree(TREE)
    scan = scan_directory(root)
    assert scan.prefix == "repo" and scan.prunable
    assert [r.source_id for r in scan.results] == [
        "asyncapi:repo/orders/api/events.yaml",
        "backstage:repo/payments/catalog-info.yaml",
        "manifest:repo/orders/archgraph.yaml",
        "openapi:repo/notes/spec.txt",
        "openapi:repo/orders/api/openapi.yaml",
    ]
    assert not scan.failed
    skipped = {s.path: s.code for s in scan.skipped}
    assert skipped == {
        ".git/": "skip.excluded",
        "node_modules/": "skip.excluded",
        "README.md": "skip.unrecognised",
        "deploy/k8s.yaml": "skip.foreign-format",
        "logo.png": "skip.binary",
        "payments/payments.oas.yaml": "skip.catalog-definition",
    }
    by_source = {r.source_id: r for r in scan.results}
    manifest = by_source["manifest:repo/orders/archgraph.yaml"]
    assert {e.key for e in manifest.edges} >= {
        ("component:order-service", "PROVIDES", "api:orders-v3"),
        ("component:order-service", "PROVIDES", "api:order-events"),
        ("component:order-service", "PUBLISHES", "api:order-events"),
        ("component:order-service", "DEPENDS_ON", "component:payment-service"),
    }
    # specs a manifest provides get no "no provider" warning
    assert not by_source["openapi:repo/orders/api/openapi.yaml"].issues
    catalog = by_source["backstage:repo/payments/catalog-info.yaml"]
    api = catalog.node("api:payments-api")
    assert api is not None and api.properties["operations"][0]["operation_id"] == "charge"


def test_the_same_tree_scans_the_same_way(write_tree: WriteTree) -> None:
    root = write_tree(TREE)
    first, second = scan_directory(root), scan_directory(root)
    assert [r.to_json() for r in first.results] == [r.to_json() for r in second.results]
    assert first.skipped == second.skipped
    custom = scan_directory(root, source_prefix="team/orders-repo")
    assert custom.results[0].source_id == "asyncapi:team/orders-repo/orders/api/events.yaml"
    assert scan_directory(root, source_prefix="").results[0].source_id == (
        "asyncapi:orders/api/events.yaml"
    )


def test_progress_is_reported(write_tree: WriteTree) -> None:
    seen: list[ScanProgress] = []
    scan_directory(write_tree(TREE), progress=seen.append)
    assert [p.done for p in seen] == list(range(1, len(seen) + 1))
    assert seen[-1].done == seen[-1].total == 6 and seen[-1].stage == "scan"


def test_symlinks_are_never_followed_out_of_the_tree(write_tree: WriteTree, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "openapi.yaml").write_text("openapi: 3.0.0\ninfo: {title: Stolen, version: '1'}\n")
    root = write_tree({"svc/openapi.yaml": "openapi: 3.0.0\ninfo: {title: Mine, version: '1'}\n"})
    (root / "stolen.yaml").symlink_to(outside / "openapi.yaml")
    (root / "stolen-dir").symlink_to(outside, target_is_directory=True)
    (root / "alias.yaml").symlink_to(root / "svc/openapi.yaml")
    (root / "dangling.yaml").symlink_to(tmp_path / "nothing.yaml")
    scan = scan_directory(root)
    skipped = {s.path: (s.code, s.severity) for s in scan.skipped}
    assert skipped["stolen.yaml"] == ("skip.symlink-outside", Severity.ERROR)
    assert skipped["stolen-dir/"] == ("skip.symlink-outside", Severity.ERROR)
    assert skipped["dangling.yaml"][0] == "skip.symlink-outside"
    assert skipped["alias.yaml"] == ("skip.symlink", Severity.INFO)
    assert [r.source_id for r in scan.results] == ["openapi:repo/svc/openapi.yaml"]
    assert scan.failed  # refused files make the scan count as failed
    assert "stolen.yaml" in scan.protected_paths()


def test_special_files_are_not_opened(write_tree: WriteTree) -> None:
    root = write_tree({"a.yaml": "a: 1\n"})
    os.mkfifo(root / "pipe.yaml")
    scan = scan_directory(root)
    assert {s.path: s.code for s in scan.skipped}["pipe.yaml"] == "skip.special"


def test_oversized_files(write_tree: WriteTree) -> None:
    big_spec = "openapi: 3.0.0\ninfo: {title: Big, version: '1'}\nx-pad: '" + "x" * 5000 + "'\n"
    root = write_tree(
        {
            "big/openapi.yaml": big_spec,
            "big/data.json": "[" + "1," * 3000 + "1]",
            "big/blob.bin.txt": "z" * 6000,
            "small/openapi.yaml": "openapi: 3.0.0\ninfo: {title: Small, version: '1'}\n",
        }
    )
    scan = scan_directory(root, max_file_bytes=4096)
    failed = {r.origin: r for r in scan.results if r.failed}
    assert set(failed) == {"big/openapi.yaml"}
    message = failed["big/openapi.yaml"].errors[0].message
    assert "over the 4,096 byte limit" in message and "max_file_bytes" in message
    skipped = {s.path: s for s in scan.skipped}
    assert skipped["big/data.json"].severity is Severity.ERROR  # a .json we would have read
    assert skipped["big/blob.bin.txt"].code == "skip.too-large"
    assert skipped["big/blob.bin.txt"].severity is Severity.INFO
    assert any(r.origin == "small/openapi.yaml" and not r.failed for r in scan.results)


def test_bounds_on_the_whole_scan(write_tree: WriteTree) -> None:
    root = write_tree({f"f{i}.yaml": "a: 1\n" for i in range(12)})
    with pytest.raises(PayloadTooLargeError):
        scan_directory(root, max_files=10)
    with pytest.raises(PayloadTooLargeError):
        scan_directory(root, max_total_bytes=20)
    with pytest.raises(InvalidInputError):
        scan_directory(root / "f1.yaml")
    with pytest.raises(InvalidInputError):
        scan_directory(root / "missing")


def test_broken_files_fail_one_by_one(write_tree: WriteTree) -> None:
    root = write_tree(
        {
            "bad-yaml/openapi.yaml": "openapi: 3.0.0\ninfo: {title: [unclosed\n",
            "bad-manifest/archgraph.yaml": "apiVersion: archgraph/v1\nkind: Component\nname: X\n",
            "bad-encoding/openapi.json": b'{"openapi": "3.0.0", "info": {"title": "\xff"}}',
            "good/archgraph.yaml": "apiVersion: archgraph/v1\nkind: Team\nname: fine\n",
        }
    )
    scan = scan_directory(root)
    failed = sorted(r.origin for r in scan.results if r.failed)
    assert failed == ["bad-manifest/archgraph.yaml", "bad-yaml/openapi.yaml"]
    bad_yaml = next(r for r in scan.results if r.origin == "bad-yaml/openapi.yaml")
    assert bad_yaml.errors[0].line in (2, 3) and bad_yaml.source_id.startswith("openapi:")
    assert {s.path: s.severity for s in scan.skipped} == {
        "bad-encoding/openapi.json": Severity.ERROR
    }
    assert any(r.origin == "good/archgraph.yaml" and not r.failed for r in scan.results)
    assert scan.protected_paths() == {
        "bad-yaml/openapi.yaml",
        "bad-manifest/archgraph.yaml",
        "bad-encoding/openapi.json",
    }


def test_two_sources_describing_one_element_differently_get_a_warning(
    write_tree: WriteTree,
) -> None:
    root = write_tree(
        {
            "a/archgraph.yaml": "apiVersion: archgraph/v1\nkind: Team\nname: t\ncontact: a@x\n",
            "b/archgraph.yaml": "apiVersion: archgraph/v1\nkind: Team\nname: t\ncontact: b@x\n",
            "c/archgraph.yaml": "apiVersion: archgraph/v1\nkind: Team\nname: t\ncontact: a@x\n",
        }
    )
    scan = scan_directory(root)
    conflicts = {r.origin: [i.code for i in r.issues] for r in scan.results}
    assert conflicts == {
        "a/archgraph.yaml": [],
        "b/archgraph.yaml": ["element.conflict"],
        "c/archgraph.yaml": [],
    }


def test_uploads() -> None:
    files: list[tuple[str, bytes | str]] = [
        (
            "svc/openapi.yaml",
            b"openapi: 3.0.0\ninfo: {title: Up, version: '1'}\n"
            b"paths: {/a: {$ref: '../shared/paths.yaml#/a'}}\n",
        ),
        ("shared/paths.yaml", "a: {get: {operationId: getA}}\n"),
        (
            "svc/archgraph.yaml",
            "apiVersion: archgraph/v1\nkind: Component\nname: up\nprovides: [openapi.yaml]\n",
        ),
        ("../../etc/passwd", "root:x:0:0\n"),
        ("/abs.yaml", "openapi: 3.0.0\n"),
        ("svc/openapi.yaml", "openapi: 3.0.0\n"),
        ("notes.txt", "nothing here\n"),
        ("image.yaml", b"\x00\x01\x02"),
    ]
    scan = scan_uploads(files)
    assert isinstance(scan, DirectoryScan) and not scan.prunable
    assert [r.source_id for r in scan.results] == [
        "manifest:svc/archgraph.yaml",
        "openapi:svc/openapi.yaml",
    ]
    assert all(not r.failed for r in scan.results)
    spec = scan.results[1]
    assert spec.node("api:up").properties["operations"][0]["operation_id"] == "getA"  # type: ignore[union-attr]
    assert not spec.issues  # provided by the uploaded manifest
    refused = {(s.path, s.code) for s in scan.skipped}
    assert refused == {
        ("../../etc/passwd", "file.bad-name"),
        ("/abs.yaml", "file.bad-name"),
        ("svc/openapi.yaml", "file.duplicate"),
        ("image.yaml", "file.binary"),
        ("notes.txt", "skip.unrecognised"),
        ("shared/paths.yaml", "skip.unrecognised"),
    }
    assert all(s.severity is Severity.ERROR for s in scan.skipped)
    assert scan.failed
    assert (
        scan_uploads([("p/a.yaml", "openapi: 3.0.0\n")], source_prefix="ci").results[0].source_id
        == "openapi:ci/p/a.yaml"
    )


def test_upload_bounds() -> None:
    with pytest.raises(PayloadTooLargeError):
        scan_uploads([(f"{i}.yaml", "a: 1") for i in range(5)], max_files=4)
    scan = scan_uploads([("big.yaml", "openapi: 3.0.0\n" + "#" * 100)], max_file_bytes=50)
    assert scan.results[0].failed and scan.results[0].errors[0].code == "file.too-large"


def test_collect_files_matches_a_local_scan(write_tree: WriteTree) -> None:
    from scanners import collect_files

    root = write_tree(TREE)
    name, files, skipped = collect_files(root)
    assert name == "repo"
    assert "logo.png" not in dict(files) and "orders/archgraph.yaml" in dict(files)
    assert {s.path for s in skipped} >= {".git/", "node_modules/", "logo.png"}
    uploaded = scan_uploads(files, source_prefix=name, complete=True)
    local = scan_directory(root)
    assert [r.to_json() for r in uploaded.results] == [r.to_json() for r in local.results]
    assert uploaded.prunable and not uploaded.failed  # unrecognised files are only notes


def test_the_walk_is_top_down_and_sorted(write_tree: WriteTree) -> None:
    root = write_tree(
        {
            "b.yaml": "a: 1\n",
            "A.yaml": "a: 1\n",
            "z/inner/deep.yaml": "a: 1\n",
            "z/top.yaml": "a: 1\n",
            "m/one.yaml": "a: 1\n",
            "node_modules/x.yaml": "a: 1\n",
        }
    )
    scan = scan_directory(root)
    # each directory's files (sorted), then its sub-directories in sorted order
    assert list(scan.files) == [
        "A.yaml",
        "b.yaml",
        "m/one.yaml",
        "z/top.yaml",
        "z/inner/deep.yaml",
    ]
    assert (scan.skipped[0].path, scan.skipped[0].code) == ("node_modules/", "skip.excluded")
    assert sorted(s.path for s in scan.skipped[1:]) == sorted(scan.files)  # none of ours


def test_text_is_utf8_with_an_optional_bom(write_tree: WriteTree) -> None:
    spec = "openapi: 3.0.0\ninfo: {title: Ünïcode, version: '1'}\nx-archgraph-component: c\n"
    root = write_tree(
        {
            "bom/openapi.yaml": b"\xef\xbb\xbf" + spec.encode(),
            "plain/openapi.yaml": spec.encode(),
            "latin1/notes.txt": b"caf\xe9\n",
            "bad/openapi.yaml": b"\xef\xbb\xbfopenapi: 3.0.0\n# \xff\n",
        }
    )
    scan = scan_directory(root, source_prefix="")
    names = {
        r.origin: [n.properties["name"] for n in r.nodes if n.kind == "api"] for r in scan.results
    }
    assert names == {"bom/openapi.yaml": ["Ünïcode"], "plain/openapi.yaml": ["Ünïcode"]}
    skipped = {s.path: s for s in scan.skipped}
    assert skipped["latin1/notes.txt"].code == "document.encoding"
    assert skipped["latin1/notes.txt"].severity is Severity.INFO
    # the byte is counted after the BOM, as the "utf-8-sig" codec counts it
    assert skipped["bad/openapi.yaml"].reason == "not UTF-8 text (byte 17)"
    assert skipped["bad/openapi.yaml"].severity is Severity.ERROR
