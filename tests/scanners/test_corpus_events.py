"""The multi-service social-media example of the AsyncAPI spec repository.

Five applications, each in its own AsyncAPI document, share channels on two
servers. The expected producer -> consumer graph below is read by hand from
the Mermaid diagram of the example's ``readme.md`` (a channel's arrow into a
server from its sender, out of the server to each receiver):

* Website WebSocket Client -- like/comment --> Website Backend (ws server)
* Website Backend -- update/comment/likes --> Website WebSocket Client
* Website Backend -- comment/liked --> Comments Service, Notifications
  Service, Public API (mosquitto)
* Comments Service -- comment/{commentId}/changed --> Website Backend

The 2.6 copy of the example describes the same system with 2.x
publish/subscribe, so it must give the same graph.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from app.scan_service import load_scan
from graph.analysis import build_projection, walk_change
from graph.storage import SQLiteStore
from scanners import scan_directory
from schemas.analysis import ChangeType, ImpactRequest

from .test_corpus import corpus_dir

pytestmark = pytest.mark.corpus

CLIENT = "website-websocket-client"
BACKEND = "website-backend"
COMMENTS = "comments-service"
NOTIFICATIONS = "notifications-service"
PUBLIC = "public-api"

#: (producer, channel, consumer), from the readme's diagram
EXPECTED = {
    (CLIENT, "like/comment", BACKEND),
    (BACKEND, "update/comment/likes", CLIENT),
    (BACKEND, "comment/liked", COMMENTS),
    (BACKEND, "comment/liked", NOTIFICATIONS),
    (BACKEND, "comment/liked", PUBLIC),
    (COMMENTS, "comment/{commentId}/changed", BACKEND),
}

VERSIONS = ["asyncapi/asyncapi-v3.1-examples", "asyncapi/asyncapi-v2.6-examples"]


def _example(version: str) -> Path:
    return corpus_dir(version) / "examples" / "social-media"


def _producer_consumer(root: Path) -> set[tuple[str, str, str]]:
    """(producer, channel, consumer) from the scan: publishers of an API's channel
    joined with the subscribers naming that channel of that API."""
    scan = scan_directory(root)
    assert not scan.failed
    edges = [e for r in scan.results for e in r.edges]
    publishes = {
        (e.to_ref, ch): e.from_ref
        for e in edges
        if e.type == "PUBLISHES"
        for ch in e.properties["channels"]
    }
    found = set()
    for e in edges:
        if e.type != "SUBSCRIBES":
            continue
        for ch in e.properties["channels"]:
            producer = publishes[(e.to_ref, ch)]
            found.add((producer.partition(":")[2], ch, e.from_ref.partition(":")[2]))
    return found


@pytest.mark.parametrize("version", VERSIONS)
def test_the_graph_is_the_one_the_readme_draws(version: str) -> None:
    assert _producer_consumer(_example(version)) == EXPECTED


@pytest.mark.parametrize("version", VERSIONS)
def test_each_document_is_one_application(version: str) -> None:
    scan = scan_directory(_example(version))
    provides = {
        (e.from_ref, e.to_ref) for r in scan.results for e in r.edges if e.type == "PROVIDES"
    }
    apps = {CLIENT, BACKEND, COMMENTS, NOTIFICATIONS, PUBLIC}
    assert provides == {(f"component:{a}", f"api:{a}") for a in apps}
    # nobody subscribes to an API it provides
    subscribes = {
        (e.from_ref, e.to_ref) for r in scan.results for e in r.edges if e.type == "SUBSCRIBES"
    }
    assert not subscribes & provides


def test_a_publishers_change_reaches_subscribers_in_other_documents(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "g.db")
    try:
        report = load_scan(store, scan_directory(_example(VERSIONS[0])))
        assert not report.failed
        p = build_projection(store)

        def reached(ref: str, change: ChangeType) -> set[str]:
            walk = walk_change(p, ImpactRequest(targets=[ref], change_type=change))
            return {p.refs[c] for c in walk.components} - {ref}

        subscribers = {f"component:{a}" for a in (CLIENT, COMMENTS, NOTIFICATIONS, PUBLIC)}
        assert subscribers <= reached(f"api:{BACKEND}", ChangeType.BREAKING_CHANGE)
        # the comments service's outage reaches the backend, which hears its changes
        assert f"component:{BACKEND}" in reached(f"component:{COMMENTS}", ChangeType.OUTAGE)
        # the notification service sends nothing: its outage reaches no one
        assert reached(f"component:{NOTIFICATIONS}", ChangeType.OUTAGE) == set()
    finally:
        store.close()
