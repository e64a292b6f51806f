"""``archgraph adr ... --server``: the same commands against a real server over HTTP.

The app (over each store) is served by uvicorn on a free loopback port in a
thread; the CLI talks to it with httpx like it would to any deployment. Each
scenario also runs on a local SQLite store and the outputs must match.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.cli import main
from app.settings import Settings
from graph.storage import GraphStore
from tests.api.conftest import EDITOR, KEYS, READER
from tests.api.live_server import live_server


@pytest.fixture
def server(store: GraphStore) -> Iterator[str]:
    """The URL of the app over *store*, served by uvicorn on 127.0.0.1."""
    with live_server(store, Settings(api_keys=KEYS)) as url:
        yield url


def _remote(server: str, key: str = EDITOR) -> list[str]:
    return ["--server", server, "--key", key]


def _scenario(
    run: Runner, capsys: pytest.CaptureFixture[str], out_dir: Path
) -> list[tuple[int, str, str]]:
    """The lifecycle of issue 12 as an engineering lead types it; (exit, stdout, stderr) each."""
    steps = [
        ["new", "Use Kafka", "--context", "events", "--tag", "messaging"],
        ["accept", "1"],
        ["new", "Use Pulsar", "--supersedes", "1"],
        ["list"],
        ["list", "--status", "superseded"],
        ["show", "ADR-0001"],
        ["accept", "1"],  # superseded: forbidden transition
        ["new", "x", "--affects", "component:nope"],  # unknown reference
        ["show", "99"],  # no such ADR
        ["new", "Retire the queue"],
        ["reject", "3"],
        ["new", "Keep logs a year"],
        ["accept", "4"],
        ["deprecate", "4"],
        ["new", "Use NATS"],
        ["accept", "5"],
        ["new", "Use Redis streams"],
        ["supersede", "6", "5"],
        ["list"],
        ["export", str(out_dir)],
    ]
    results = []
    for argv in steps:
        code = run(argv)
        captured = capsys.readouterr()
        results.append((code, captured.out, captured.err))
    return results


class Runner:
    def __init__(self, prefix: list[str], suffix: list[str]) -> None:
        self.prefix, self.suffix = prefix, suffix

    def __call__(self, argv: list[str]) -> int:
        return main([*self.prefix, "adr", argv[0], *self.suffix, *argv[1:]])


def test_server_mode_prints_what_local_mode_prints(
    server: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    local = _scenario(
        Runner(["--data-dir", str(tmp_path / "data")], []), capsys, tmp_path / "local"
    )
    remote = _scenario(Runner([], _remote(server)), capsys, tmp_path / "remote")
    assert [r[0] for r in remote] == [0, 0, 0, 0, 0, 0, 2, 2, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
    for (lc, lo, le), (rc, ro, re) in zip(local, remote, strict=True):
        assert (rc, ro) == (lc, lo.replace(str(tmp_path / "local"), str(tmp_path / "remote")))
        assert re == le
    assert remote[0][1] == "ADR-0001 Use Kafka (proposed)\n"
    assert remote[4][1] == "ADR-0001  superseded  Use Kafka\n"
    assert "superseded-by:\n- ADR-0002" in remote[5][1]
    assert remote[6][2].startswith("archgraph: adr_transition_forbidden: ")
    assert remote[7][2].startswith("archgraph: unknown_reference: ")
    assert "component:nope" in remote[7][2]
    assert remote[8][2].startswith("archgraph: adr_not_found: ADR-0099 does not exist")
    assert remote[18][1].splitlines() == [
        "ADR-0001  superseded  Use Kafka",
        "ADR-0002  proposed    Use Pulsar",
        "ADR-0003  rejected    Retire the queue",
        "ADR-0004  deprecated  Keep logs a year",
        "ADR-0005  superseded  Use NATS",
        "ADR-0006  proposed    Use Redis streams",
    ]
    assert remote[19][1] == f"wrote 6 ADRs to {tmp_path / 'remote'}\n"
    local_files = {p.name: p.read_text() for p in (tmp_path / "local").iterdir()}
    remote_files = {p.name: p.read_text() for p in (tmp_path / "remote").iterdir()}
    assert remote_files == local_files and "0006-use-redis-streams.md" in remote_files


def test_import_through_server_then_reimport_changes_nothing(
    server: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "adrs"
    folder.mkdir()
    (folder / "0001-record-decisions.md").write_text(
        "# 1. Record architecture decisions\n\n## Status\n\nAccepted\n\n## Context\n\nWe need to.\n"
    )
    (folder / "0002-use-postgres.md").write_text(
        "# 2. Use Postgres\n\n## Status\n\nSuperceded by [3](0003-use-sqlite.md)\n"
    )
    (folder / "0003-use-sqlite.md").write_text(
        "# 3. Use SQLite\n\n## Status\n\nAccepted\n\nSupersedes [2](0002-use-postgres.md)\n"
    )
    (folder / "notes.md").write_text("just notes, no ADR here\n")
    assert main(["adr", "import", str(folder), *_remote(server)]) == 0
    report = capsys.readouterr().out
    assert '"created": [\n    1,\n    2,\n    3\n  ]' in report
    assert main(["adr", "list", *_remote(server, READER)]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "ADR-0001  accepted    Record architecture decisions",
        "ADR-0002  superseded  Use Postgres",
        "ADR-0003  accepted    Use SQLite",
    ]
    assert main(["adr", "import", str(folder), *_remote(server)]) == 0
    again = capsys.readouterr().out
    assert '"created": []' in again and '"updated": []' in again
    assert '"unchanged": [\n    1,\n    2,\n    3\n  ]' in again


def test_server_errors_are_clean_messages(
    server: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # a reader key cannot write: 403 from the server, nothing written
    assert main(["adr", "new", "Nope", *_remote(server, READER)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("archgraph: ") and "Traceback" not in err
    assert main(["adr", "new", "Nope", "--server", server, "--key", "wrong-key-0123456789"]) == 2
    assert capsys.readouterr().err.startswith("archgraph: ")
    assert main(["adr", "list", *_remote(server)]) == 0
    assert capsys.readouterr().out == ""
    # the key from the environment
    monkeypatch.setenv("ARCHGRAPH_API_KEY", EDITOR)
    assert main(["adr", "new", "From env", "--server", server]) == 0
    assert capsys.readouterr().out == "ADR-0001 From env (proposed)\n"
    # nobody listening
    free = socket.socket()
    free.bind(("127.0.0.1", 0))
    dead = f"http://127.0.0.1:{free.getsockname()[1]}"
    free.close()
    assert main(["adr", "list", "--server", dead]) == 2
    assert capsys.readouterr().err.startswith("archgraph: server_unreachable: cannot reach ")


def test_server_and_key_before_or_after_the_subcommand(
    server: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ARCHGRAPH_API_KEY", raising=False)
    assert main(["adr", *_remote(server), "new", "Options first"]) == 0
    assert capsys.readouterr().out == "ADR-0001 Options first (proposed)\n"
    assert main(["adr", "new", "Options last", *_remote(server)]) == 0
    assert capsys.readouterr().out == "ADR-0002 Options last (proposed)\n"
    # split: the server before the subcommand, the key after it
    assert main(["adr", "--server", server, "accept", "1", "--key", EDITOR]) == 0
    assert capsys.readouterr().out == "ADR-0001 is accepted\n"
    listed = []
    for argv in (
        ["adr", "--server", server, "--key", READER, "list"],
        ["adr", "list", "--server", server, "--key", READER],
    ):
        assert main(argv) == 0
        listed.append(capsys.readouterr().out)
    assert (
        listed[0]
        == listed[1]
        == ("ADR-0001  accepted    Options first\nADR-0002  proposed    Options last\n")
    )
    # a reader key given before the subcommand is the one used: the write is refused
    assert main(["adr", "--server", server, "--key", READER, "reject", "2"]) == 2
    assert "forbidden" in capsys.readouterr().err.lower()
