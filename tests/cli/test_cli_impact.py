"""``archgraph impact`` as a PM runs it: on the example portfolio scanned into an
embedded store, through ``main(argv)`` with the output captured, and once against a
real server on a local port (``--server URL --key KEY``)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.cli import main
from app.impact_text import normalise_ref, path_depth, plural
from app.settings import Settings
from tests.api.live_server import live_server

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "portfolio"
READER = "reader-secret-0123456789"


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("store")
    assert main(["--data-dir", str(path), "scan", str(EXAMPLE)]) == 0
    return path


def run(capsys: pytest.CaptureFixture[str], data_dir: Path, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["--data-dir", str(data_dir), "impact", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert re.fullmatch(r"archgraph \d+\.\d+\.\d+\S*\n", capsys.readouterr().out)


def test_each_product_once_with_its_best_path_and_matching_depth(
    capsys: pytest.CaptureFixture[str], data_dir: Path
) -> None:
    code, out, _ = run(capsys, data_dir, "component:identity-service", "--change", "outage")
    assert code == 0
    rows = re.findall(r"^  (product:\S+)  tier (\d)  (hard|soft)  depth (\d+)", out, re.M)
    products = [r[0] for r in rows]
    assert len(products) == len(set(products)) == 6
    for ref, _tier, _strength, depth in rows:
        path_line = out.split(f"  {ref}  ", 1)[1].splitlines()[1].strip()
        path = path_line.split(" -> ")
        assert path[0] == ref and path[-1] == "component:identity-service"
        assert int(depth) == path_depth(path)
    # loyalty is hit hard through billing, four hops away: the depth says 4, not 1
    assert ("product:loyalty", "3", "hard", "4") in rows
    assert re.search(r"Blast radius: \d+/100; 6 products \(5 hard, 1 soft\)", out)
    assert "(1 integration point)" in out and "1 integration points" not in out


def test_summary_paragraph(capsys: pytest.CaptureFixture[str], data_dir: Path) -> None:
    _, out, _ = run(capsys, data_dir, "api:identity-api")
    summary = out.strip().splitlines()[-1]
    assert summary.startswith("A breaking change of api:identity-api affects 2 other products")
    assert "Storefront (tier 1)" in summary and "Merchant Insights (tier 2)" in summary
    assert "on a 0-100 scale" in summary and "possible cascade" in summary
    _, out, _ = run(capsys, data_dir, "component:auth-admin-console", "--change", "outage")
    assert "An outage of component:auth-admin-console affects no other product" in out


def test_plurals() -> None:
    assert plural(1, "product") == "1 product"
    assert plural(0, "product") == "0 products"
    assert plural(2, "dependency", "dependencies") == "2 dependencies"


@pytest.mark.parametrize(
    "raw",
    ["Component:Identity-Service", "component:default/identity-service", "identity-service"],
)
def test_forgiving_references(capsys: pytest.CaptureFixture[str], data_dir: Path, raw: str) -> None:
    code, out, err = run(capsys, data_dir, raw, "--format", "json")
    assert code == 0, err
    assert [t["ref"] for t in json.loads(out)["targets"]] == ["component:identity-service"]


def test_normalise_ref_keeps_other_namespaces() -> None:
    assert normalise_ref("component:default/identity-service") == ("component", "identity-service")
    assert normalise_ref("API:Team-A/Orders") == ("api", "team-a-orders")


@pytest.mark.parametrize(
    ("raw", "closest"),
    [("identity-servce", "component:identity-service"), ("api:identty-api", "api:identity-api")],
)
def test_unknown_reference_is_a_clean_message_with_closest_matches(
    capsys: pytest.CaptureFixture[str], data_dir: Path, raw: str, closest: str
) -> None:
    code, out, err = run(capsys, data_dir, raw)
    assert code == 2 and out == ""
    assert err.startswith("archgraph: unknown_element: no element") and closest in err
    assert "Traceback" not in err


def test_unknown_operation_or_channel_is_an_error_with_closest_names(
    capsys: pytest.CaptureFixture[str], data_dir: Path
) -> None:
    code, out, err = run(capsys, data_dir, "api:identity-api", "--operation", "GET /user/{id}")
    assert code == 2 and out == ""
    assert "unknown_operation" in err and "GET /users/{userId}" in err
    code, _, err = run(capsys, data_dir, "api:order-events", "--operation", "orders.placd")
    assert code == 2 and "orders.placed" in err
    # a defined one is fine
    code, _, _ = run(capsys, data_dir, "api:order-events", "--operation", "orders.placed")
    assert code == 0


@pytest.mark.parametrize(
    ("target", "level", "expected"),
    [
        ("api:identity-api", "tier1-hard", 1),  # storefront, tier 1, hard
        ("api:order-events", "tier1-hard", 0),  # fleet and loyalty only
        ("api:order-events", "any-hard", 1),
        ("api:catalog-events", "tier1-any", 0),  # marketplace-connect only
        ("api:catalog-events", "any", 1),
        ("api:tracking-api", "any", 0),  # only its owner uses it
        ("api:identity-api", "score>=50", 1),
        ("api:identity-api", "score>=99", 0),
    ],
)
def test_fail_on_gates_a_pipeline(
    capsys: pytest.CaptureFixture[str], data_dir: Path, target: str, level: str, expected: int
) -> None:
    code, _, err = run(capsys, data_dir, target, "--fail-on", level, "--format", "json")
    assert code == expected, err


def test_fail_on_score_matches_the_json_score(
    capsys: pytest.CaptureFixture[str], data_dir: Path
) -> None:
    _, out, _ = run(capsys, data_dir, "api:identity-api", "--format", "json")
    score = json.loads(out)["blast_radius"]["score"]
    assert 0 < score < 100
    assert run(capsys, data_dir, "api:identity-api", "--fail-on", f"score>={score}")[0] == 1
    assert run(capsys, data_dir, "api:identity-api", "--fail-on", f"score>={score + 1}")[0] == 0


def test_bad_fail_on_level(capsys: pytest.CaptureFixture[str], data_dir: Path) -> None:
    code, _, err = run(capsys, data_dir, "api:identity-api", "--fail-on", "tier2")
    assert code == 2 and "tier1-hard" in err


def test_markdown(capsys: pytest.CaptureFixture[str], data_dir: Path) -> None:
    code, out, _ = run(capsys, data_dir, "api:identity-api", "--format", "markdown")
    assert code == 0 and out.startswith("### Impact of breaking-change on api:identity-api")
    table = [ln for ln in out.splitlines() if ln.startswith("| ") and "`product:" in ln]
    assert len(table) == 2 and "| Storefront (`product:storefront`) | 1 | hard | 1 |" in out


def test_bad_argument_is_not_a_traceback(
    capsys: pytest.CaptureFixture[str], data_dir: Path
) -> None:
    code, _, err = run(capsys, data_dir, "api:identity-api", "--max-depth", "0")
    assert code == 2 and err.startswith("archgraph: validation_error: max_depth")


@pytest.fixture(scope="module")
def server(data_dir: Path) -> Iterator[str]:
    settings = Settings(api_keys=f"rita:reader:{READER}", data_dir=data_dir)
    with live_server(None, settings) as url:
        yield url


def test_server_answers_what_the_local_store_answers(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, data_dir: Path, server: str
) -> None:
    local = run(capsys, data_dir, "api:identity-api", "--format", "json")
    # an empty data dir: the answer can only come from the server
    remote = run(
        capsys, tmp_path, "Api:Identity-API", "--server", server, "--key", READER,
        "--format", "json", "--fail-on", "tier1-hard",
    )  # fmt: skip
    assert remote[0] == 1
    assert json.loads(remote[1])["affected_products"] == json.loads(local[1])["affected_products"]
    code, _, err = run(capsys, tmp_path, "api:identity-api", "--server", server, "--key", "wrong")
    assert code == 2 and err.startswith("archgraph: unauthorized:") and "Traceback" not in err


def remote(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, server: str, *args: str
) -> tuple[int, str, str]:
    """``archgraph impact ... --server URL --key KEY`` from an empty data dir."""
    return run(capsys, tmp_path, *args, "--server", server, "--key", READER)


@pytest.mark.parametrize(
    "raw",
    [
        "identity-service",  # a bare slug
        "Component:Identity-Service",  # mixed case
        "component:default/identity-service",  # the Backstage namespace form
    ],
)
def test_server_reads_references_as_the_local_store_does(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, data_dir: Path, server: str, raw: str
) -> None:
    local = run(capsys, data_dir, raw, "--change", "outage", "--format", "json")
    code, out, err = remote(capsys, tmp_path, server, raw, "--change", "outage", "--format", "json")
    assert code == 0, err
    assert [t["ref"] for t in json.loads(out)["targets"]] == ["component:identity-service"]
    assert json.loads(out)["affected_products"] == json.loads(local[1])["affected_products"]


@pytest.mark.parametrize(
    ("raw", "closest"),
    [("identity-servce", "component:identity-service"), ("api:identty-api", "api:identity-api")],
)
def test_server_unknown_reference_lists_the_closest_matches(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, data_dir: Path, server: str, raw: str,
    closest: str,
) -> None:  # fmt: skip
    code, out, err = remote(capsys, tmp_path, server, raw)
    assert code == 2 and out == "" and "Traceback" not in err
    assert err.startswith("archgraph: unknown_element: no element") and closest in err
    assert err == run(capsys, data_dir, raw)[2]  # word for word what the local store says


def test_server_ambiguous_slug_lists_the_candidates(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, data_dir: Path, server: str
) -> None:
    code, _, err = remote(capsys, tmp_path, server, "loyalty")
    assert code == 2 and err.startswith("archgraph: ambiguous_reference:")
    assert "product:loyalty" in err and err == run(capsys, data_dir, "loyalty")[2]


def test_server_unknown_operation_lists_the_closest_names(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, data_dir: Path, server: str
) -> None:
    args = ("api:identity-api", "--operation", "GET /user/{id}")
    code, out, err = remote(capsys, tmp_path, server, *args)
    assert code == 2 and out == "" and "Traceback" not in err
    assert err.startswith("archgraph: unknown_operation:") and "GET /users/{userId}" in err
    assert err == run(capsys, data_dir, *args)[2]
    code, _, err = remote(
        capsys, tmp_path, server, "api:order-events", "--operation", "orders.placd"
    )
    assert code == 2 and "orders.placed" in err
    code, _, err = remote(capsys, tmp_path, server, "order-events", "--operation", "orders.placed")
    assert code == 0, err
