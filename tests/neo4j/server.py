"""A real Neo4j 5.26 Community server for the test suite, without Docker.

The jars come from Maven Central (tests/neo4j/pom.xml, fetched once into a cache dir) and
tests/neo4j/Launcher.java starts them as an embedded server with a Bolt listener.

    python -m tests.neo4j.server fetch   # download the jars, print the lib dir
    python -m tests.neo4j.server java    # print the JDK that would be used
    python -m tests.neo4j.server run     # start a server, print its URI, stop on Ctrl-C
"""

from __future__ import annotations

import argparse
import atexit
import ctypes
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, NamedTuple, NoReturn

from neo4j import GraphDatabase
from neo4j.exceptions import DriverError

from tests.maven_jars import JarFetchError, fetch_jars

NEO4J_VERSION = "5.26.30"  # keep in step with <neo4j.version> in pom.xml
SUPPORTED_JAVA = (17, 21)  # Neo4j 5.26 runs on these only

_HERE = Path(__file__).resolve().parent
POM = _HERE / "pom.xml"
LAUNCHER = _HERE / "Launcher.java"
_MARKER = ".fetch-complete"

# Neo4j's page cache and transaction logs reach into JDK internals; without these opens it
# falls back to slower code paths and logs warnings (the official neo4j script passes them too).
JVM_FLAGS = (
    "-Xms256m",
    "-XX:+ExitOnOutOfMemoryError",
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/java.lang=ALL-UNNAMED",
)


class Neo4jLaunchError(RuntimeError):
    """The test Neo4j could not be fetched or started; the message says why."""


# --- fetching the jars ------------------------------------------------------------------------


def lib_dir() -> Path:
    """Where the jars live: $ARCHGRAPH_NEO4J_CACHE, or ~/.cache/archgraph/neo4j-<v>/lib."""
    override = os.environ.get("ARCHGRAPH_NEO4J_CACHE")
    if override:
        return Path(override).expanduser()
    return Path.home() / ".cache" / "archgraph" / f"neo4j-{NEO4J_VERSION}" / "lib"


def fetch() -> Path:
    """Download Neo4j and its runtime dependencies unless already cached; return the lib dir."""
    try:
        return fetch_jars(
            lib_dir(),
            pom=POM,
            version=NEO4J_VERSION,
            version_property="neo4j.version",  # the pom's default, made explicit
            what="Neo4j",
            marker=_MARKER,
        )
    except JarFetchError as exc:
        raise Neo4jLaunchError(str(exc)) from exc


# --- choosing a JDK ---------------------------------------------------------------------------


def parse_java_major(version_output: str) -> int | None:
    """Major version from `java -version` output ('openjdk version "17.0.15" ...' -> 17).

    Old-style "1.8.0_392" gives 8. Returns None when no version string is found.
    """
    match = re.search(r'version "(\d+)(?:\.(\d+))?[^"]*"', version_output)
    if match is None:
        return None
    major = int(match.group(1))
    if major == 1 and match.group(2) is not None:
        major = int(match.group(2))
    return major


class FoundJava(NamedTuple):
    path: Path
    major: int | None  # None when `java -version` could not be run or read
    has_javac: bool  # Launcher.java runs in source-file mode, which needs a JDK, not a JRE

    def describe(self) -> str:
        version = "unknown version" if self.major is None else f"Java {self.major}"
        return version if self.has_javac else f"{version}, JRE only (no javac)"


def choose_java(found: Sequence[FoundJava]) -> Path:
    """The first JDK with a supported major version, else Neo4jLaunchError listing them all."""
    for java in found:
        if java.major in SUPPORTED_JAVA and java.has_javac:
            return java.path
    listing = "\n".join(f"  {java.path}: {java.describe()}" for java in found) or "  (none)"
    raise Neo4jLaunchError(
        "Neo4j 5.26 needs a Java 17 or 21 JDK, but none was found. Java found:\n"
        f"{listing}\n"
        "Install one with: apt-get install openjdk-17-jdk-headless "
        "(or point ARCHGRAPH_NEO4J_JAVA_HOME at a Java 17 or 21 JDK home)"
    )


def inspect_java(java: Path) -> FoundJava:
    """Run `java -version` and look for javac beside the real (symlink-resolved) binary."""
    try:
        result = subprocess.run(
            [str(java), "-version"], capture_output=True, text=True, timeout=30, check=False
        )
        major = parse_java_major(result.stderr + result.stdout)
    except (OSError, subprocess.TimeoutExpired):
        major = None
    return FoundJava(java, major, (java.resolve().parent / "javac").is_file())


def _java_candidates() -> list[Path]:
    """$JAVA_HOME, then /usr/lib/jvm/*, then `java` on PATH; symlinked duplicates removed."""
    candidates: list[Path] = []
    if os.environ.get("JAVA_HOME"):
        candidates.append(Path(os.environ["JAVA_HOME"]) / "bin" / "java")
    candidates += sorted(Path("/usr/lib/jvm").glob("*/bin/java"))
    on_path = shutil.which("java")
    if on_path:
        candidates.append(Path(on_path))
    unique: dict[Path, Path] = {}
    for java in candidates:
        if java.is_file():
            unique.setdefault(java.resolve(), java)
    return list(unique.values())


def find_java() -> Path:
    """A Java 17 or 21 JDK's java to run Neo4j with.

    ARCHGRAPH_NEO4J_JAVA_HOME, when set, is the only one tried (and must be 17 or 21);
    otherwise the first suitable one of _java_candidates() is used.
    """
    explicit = os.environ.get("ARCHGRAPH_NEO4J_JAVA_HOME")
    if explicit:
        return choose_java([inspect_java(Path(explicit) / "bin" / "java")])
    return choose_java([inspect_java(java) for java in _java_candidates()])


# --- running the server -----------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


# prctl(PR_SET_PDEATHSIG): Linux sends the JVM SIGTERM when the Python process dies, even by
# kill -9, which atexit cannot cover. Looked up here, not in the forked child, where loading a
# library could deadlock. (Strictly it fires when the *thread* that started the JVM ends, so
# call start() from a thread that lives as long as the server, e.g. the main thread.)
_prctl: Any = ctypes.CDLL(None).prctl if sys.platform == "linux" else None
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    if _prctl is not None:
        _prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def _tail(path: Path, lines: int) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


class Neo4jServer:
    """One throwaway Neo4j server with its database in a fresh temp dir.

    with Neo4jServer() as server:
        driver = GraphDatabase.driver(server.uri, auth=None)
    """

    def __init__(self, heap: str = "1g") -> None:
        """*heap*: the JVM's ``-Xmx``; Neo4j lets one transaction use 70% of it."""
        self._heap = heap
        self._proc: subprocess.Popen[bytes] | None = None
        self._home: Path | None = None
        self._uri: str | None = None

    @property
    def uri(self) -> str:
        if self._uri is None:
            raise RuntimeError("Neo4jServer is not started")
        return self._uri

    @property
    def pid(self) -> int | None:
        return None if self._proc is None else self._proc.pid

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def start(self, timeout: float = 180) -> str:
        """Start the server and wait until Bolt answers; return its bolt:// URI."""
        if self._uri is not None:
            return self._uri
        lib = fetch()
        java = find_java()
        port = _free_port()
        home = self._home = Path(tempfile.mkdtemp(prefix="archgraph-neo4j-"))
        log = home / "launcher.log"
        atexit.register(self.stop)  # never leave a JVM behind, even if the caller forgets
        with log.open("wb") as out:
            # Java expands the "lib/*" classpath wildcard itself; no shell involved.
            command = [
                str(java),
                f"-Xmx{self._heap}",
                *JVM_FLAGS,
                "-cp",
                str(lib / "*"),
                str(LAUNCHER),
            ]
            self._proc = subprocess.Popen(
                [*command, str(home / "db"), str(port)],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                preexec_fn=_die_with_parent,
            )
        uri = f"bolt://127.0.0.1:{port}"
        deadline = time.monotonic() + timeout
        last_error = "the launcher has not printed NEO4J READY yet"
        while True:
            code = self._proc.poll()
            if code is not None:
                self._fail(f"the Neo4j JVM exited with code {code} while starting", log)
            # Only knock once our JVM says Bolt is bound: if the port was taken by something
            # else meanwhile, the driver could hang talking to it instead of failing fast.
            if b"NEO4J READY" in log.read_bytes():
                try:
                    with GraphDatabase.driver(uri, auth=None, connection_timeout=5) as driver:
                        driver.verify_connectivity()
                    break
                except (DriverError, OSError) as exc:
                    last_error = f"{type(exc).__name__}: {exc}"
            if time.monotonic() > deadline:
                reason = f"Neo4j did not answer on {uri} within {timeout:.0f} s"
                self._fail(f"{reason} (last error: {last_error})", log)
            time.sleep(0.5)
        self._uri = uri
        return uri

    def _fail(self, reason: str, log: Path) -> NoReturn:
        debug_log = log.parent / "db" / "logs" / "debug.log"
        # Java stack traces are long: pull the exception and "Caused by" lines up front.
        causes = [
            line
            for line in _tail(log, 400).splitlines()
            if line.startswith(("Exception", "Caused by", "Error"))
        ]
        message = "\n".join(
            [
                reason,
                *(f"  {line}" for line in causes[-5:]),
                f"--- last lines of {log.name} ---",
                _tail(log, 40),
                "--- last lines of neo4j debug.log ---",
                _tail(debug_log, 15),
            ]
        )
        self.stop()
        raise Neo4jLaunchError(message)

    def stop(self) -> None:
        """SIGTERM the JVM (Neo4j shuts down cleanly), kill it after 30 s, remove the temp dir.

        Safe to call more than once.
        """
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if self._home is not None:
            shutil.rmtree(self._home, ignore_errors=True)
            self._home = None
        self._uri = None
        atexit.unregister(self.stop)

    def __enter__(self) -> Neo4jServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


# --- command line -----------------------------------------------------------------------------


def _run() -> int:
    server = Neo4jServer()
    # Turn SIGTERM into a normal exit so the finally below stops the JVM.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        print(server.start(), flush=True)
        print("Neo4j is running; Ctrl-C to stop.", file=sys.stderr)
        while server.running:
            time.sleep(1)
        print("The Neo4j JVM exited on its own.", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        server.stop()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.neo4j.server",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("command", choices=("fetch", "java", "run"))
    args = parser.parse_args(argv)
    try:
        if args.command == "fetch":
            print(fetch())
        elif args.command == "java":
            print(find_java())
        else:
            return _run()
    except Neo4jLaunchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
