"""Spreading keep-alive connections over ``serve``'s workers (``app/balance.py``).

The table's rule on its own (a real mapped file), then live servers started
as a user starts them: with two workers, four keep-alive connections forced
onto one worker (the other stopped with SIGSTOP while they connect) end up
two and two once it runs again, every request answered 200 and, once spread,
no connection closed any more; a pipelined request is never cut off by the
rule; with one worker no connection is ever closed. The rule counts
connections, not graph data, so these run on the SQLite store only.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from app.balance import ConnectionTable
from tests.api.live_server import serve_command


def _table(tmp_path: Path, workers: int) -> Path:
    path = tmp_path / "connections"
    ConnectionTable.create(path, workers)
    return path


def _worker(path: Path, pid: int, connections: int) -> ConnectionTable:
    """A worker's view of the table, its slot claimed for *pid* (a running process)."""
    table = ConnectionTable(path)
    assert table.join(pid)
    for _ in range(connections):
        table.opened()
    return table


def _gone_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


@pytest.mark.parametrize(
    ("a", "b", "surplus_a", "surplus_b"),
    [
        (4, 0, True, False),  # all on one worker
        (3, 1, True, False),
        (2, 2, False, False),  # the fair share: ceil(4 / 2)
        (2, 1, False, False),  # ceil(3 / 2) = 2: an odd count stays
        (1, 0, False, False),  # one client: nothing to move
        (10, 6, True, False),
        (8, 8, False, False),
    ],
)
def test_surplus_is_more_than_the_fair_share(
    tmp_path: Path, a: int, b: int, surplus_a: bool, surplus_b: bool
) -> None:
    path = _table(tmp_path, 2)
    worker_a, worker_b = _worker(path, os.getpid(), a), _worker(path, os.getppid(), b)
    assert worker_a.counts() == [a, b]
    assert (worker_a.surplus(), worker_b.surplus()) == (surplus_a, surplus_b)


def test_a_moved_connection_counts_until_its_client_is_back(tmp_path: Path) -> None:
    path = _table(tmp_path, 2)
    worker_a, worker_b = _worker(path, os.getpid(), 4), _worker(path, os.getppid(), 0)
    worker_a.move_one()  # its client comes back: the total stays 4, the share 2
    assert (worker_a.counts(), worker_a.pending, worker_a.surplus()) == ([3, 0], 1, True)
    worker_a.move_one()
    assert (worker_a.counts(), worker_a.pending, worker_a.surplus()) == ([2, 0], 2, False)
    worker_a.closed()  # a moved connection is lost: its count was already given up
    worker_b.opened()  # a client back, on b
    assert (worker_a.counts(), worker_a.pending) == ([1, 1], 1)
    worker_a.opened()  # the other back, on a
    assert (worker_a.counts(), worker_a.pending, worker_a.surplus()) == ([2, 1], 0, False)
    worker_a.opened()  # a new client on a: 3 of 4
    assert worker_a.surplus()
    worker_a.move_one()
    worker_a.keep_one()  # undone: the connection stays
    assert (worker_a.counts(), worker_a.pending, worker_a.surplus()) == ([3, 1], 0, True)


def test_a_lost_connection_leaves_the_count(tmp_path: Path) -> None:
    path = _table(tmp_path, 2)
    worker_a, _ = _worker(path, os.getpid(), 3), _worker(path, os.getppid(), 1)
    assert worker_a.surplus()
    worker_a.closed()
    assert (worker_a.counts(), worker_a.pending, worker_a.surplus()) == ([2, 1], 0, False)


def test_one_worker_never_has_a_surplus(tmp_path: Path) -> None:
    assert not _worker(_table(tmp_path, 1), os.getpid(), 50).surplus()


def test_a_slot_of_a_process_gone_is_taken_over_at_zero(tmp_path: Path) -> None:
    path = _table(tmp_path, 2)
    _worker(path, os.getpid(), 1)
    _worker(path, _gone_pid(), 7)  # died holding 7 connections
    restarted = _worker(path, os.getppid(), 0)
    assert sorted(restarted.counts()) == [0, 1]
    assert not ConnectionTable(path).join(1)  # both slots held by running processes


def test_a_file_that_is_no_table_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "connections"
    path.write_bytes(b"abc")
    with pytest.raises(ValueError, match="not a connection table"):
        ConnectionTable(path)


def _serve(tmp_path: Path, workers: int) -> Iterator[int]:
    env = {"ARCHGRAPH_ANONYMOUS_READ": "true", "ARCHGRAPH_LOAD_EXAMPLE": "false"}
    options = ["--data-dir", str(tmp_path)]
    with serve_command(options, ["--workers", str(workers)], env, tmp_path / "serve.log") as port:
        yield port


@pytest.fixture
def two_workers(tmp_path: Path) -> Iterator[int]:
    yield from _serve(tmp_path, 2)


@pytest.fixture
def one_worker(tmp_path: Path) -> Iterator[int]:
    yield from _serve(tmp_path, 1)


def _worker_pids(port: int, workers: int) -> set[int]:
    """Every worker's pid once each is ready (fresh connections reach different ones)."""
    pids: set[int] = set()
    for _ in range(2000):
        try:
            response = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=10.0)
            if response.status_code == 200:
                pids.add(int(response.json()["pid"]))
        except httpx.TransportError:
            pass
        if len(pids) == workers:
            return pids
        time.sleep(0.05)
    raise AssertionError(f"only {len(pids)} of {workers} workers became ready")


def _ask(conn: http.client.HTTPConnection) -> tuple[int, int, bool]:
    """GET /readyz on *conn*: (status, the pid that answered, whether it closed)."""
    conn.request("GET", "/readyz")
    response = conn.getresponse()
    body = json.loads(response.read())
    closes = (response.getheader("connection") or "").lower() == "close"
    return response.status, int(body["pid"]), closes


def test_connections_on_one_worker_are_spread(two_workers: int) -> None:
    pid_a, pid_b = sorted(_worker_pids(two_workers, 2))
    conns = [http.client.HTTPConnection("127.0.0.1", two_workers, timeout=60) for _ in range(4)]
    try:
        _spread(conns, pid_a, pid_b)
    finally:
        for conn in conns:
            conn.close()


def _spread(conns: list[http.client.HTTPConnection], pid_a: int, pid_b: int) -> None:
    answers: list[tuple[int, int, bool]] = []
    os.kill(pid_b, signal.SIGSTOP)  # b cannot accept: every connection lands on a
    try:
        first = [_ask(conn) for conn in conns]
    finally:
        os.kill(pid_b, signal.SIGCONT)
    assert [(status, pid) for status, pid, _ in first] == [(200, pid_a)] * 4
    answers += first
    rounds = 0
    while rounds < 400:
        rounds += 1
        last = [_ask(conn) for conn in conns]
        answers += last
        placed = sorted(pid for _, pid, _ in last)
        if placed == [pid_a, pid_a, pid_b, pid_b] and not any(closes for *_, closes in last):
            break
    assert {status for status, *_ in answers} == {200}
    assert placed == [pid_a, pid_a, pid_b, pid_b], f"not spread after {rounds} rounds"
    assert any(closes for *_, closes in answers)  # the rule moved connections
    steady = [_ask(conn) for _ in range(25) for conn in conns]
    assert {status for status, *_ in steady} == {200}
    assert not any(closes for *_, closes in steady)  # spread: nothing closed any more
    assert sorted(pid for _, pid, _ in steady[-4:]) == placed


def _pipelined_pair(port: int) -> bytes:
    """Two requests written at once on one connection; what comes back."""
    request = b"GET /readyz HTTP/1.1\r\nHost: t\r\n\r\n"
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(request * 2)
        data = b""
        while data.count(b"HTTP/1.1 ") < 2 or not data.rstrip().endswith(b"}"):
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    return data


def test_a_pipelined_request_is_answered_on_a_worker_with_surplus(two_workers: int) -> None:
    pid_a, pid_b = sorted(_worker_pids(two_workers, 2))
    held = [http.client.HTTPConnection("127.0.0.1", two_workers, timeout=60) for _ in range(2)]
    os.kill(pid_b, signal.SIGSTOP)  # a holds two, the pipelined connection is its third
    try:
        assert [_ask(conn)[:2] for conn in held] == [(200, pid_a)] * 2
        answers = _pipelined_pair(two_workers)
    finally:
        os.kill(pid_b, signal.SIGCONT)
        for conn in held:
            conn.close()
    assert answers.count(b"HTTP/1.1 ") == answers.count(b"HTTP/1.1 200 OK") == 2


def test_one_worker_never_closes_a_connection(one_worker: int) -> None:
    (pid,) = _worker_pids(one_worker, 1)
    conns = [http.client.HTTPConnection("127.0.0.1", one_worker, timeout=60) for _ in range(4)]
    try:
        answers = [_ask(conn) for _ in range(25) for conn in conns]
    finally:
        for conn in conns:
            conn.close()
    assert set(answers) == {(200, pid, False)}
