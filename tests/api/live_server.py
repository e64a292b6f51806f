"""A real uvicorn server on a free loopback port, for CLI and HTTP tests: in a thread
(:func:`live_server`), or as ``archgraph serve`` in a child process (:func:`serve_command`)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

import uvicorn

from app.main import create_app
from app.settings import Settings
from graph.storage import GraphStore

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def live_server(store: GraphStore | None, settings: Settings) -> Iterator[str]:
    """Serve the app over *store* (None: the store *settings* configure) as
    ``archgraph serve`` does; yields its base URL."""
    port = free_port()
    config = uvicorn.Config(
        create_app(settings, store=store),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        timeout_keep_alive=settings.keep_alive_seconds,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(500):
        if server.started:
            break
        time.sleep(0.02)
    assert server.started, "the server did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


@contextmanager
def serve_command(
    options: Sequence[str], serve_options: Sequence[str], env: Mapping[str, str], log: Path
) -> Iterator[int]:
    """Run ``archgraph <options> serve <serve_options>`` on a free port, as a user
    starts it (a child process, the environment plus *env*, output to *log*);
    yields the port and stops the server after."""
    port = free_port()
    command = [sys.executable, "-m", "app.cli", *options, "serve", *serve_options]
    with log.open("w") as out:
        server = subprocess.Popen(
            [*command, "--port", str(port), "--log-level", "warning"],
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            yield port
        finally:
            server.terminate()
            server.wait(timeout=60)
