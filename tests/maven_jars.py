"""Fetching a Java program's jars from Maven Central into a cache, for tests.

Neo4j (tests/neo4j) and the Structurizr DSL parser (tests/structurizr) are both
a small pom whose runtime dependencies Maven copies into a lib directory.
A marker naming the version is written only after Maven succeeded, so an
interrupted fetch (or a cache left by another version) is wiped and redone.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

DEPENDENCY_PLUGIN = "org.apache.maven.plugins:maven-dependency-plugin:3.8.1"


class JarFetchError(RuntimeError):
    """Maven is missing or the fetch failed; the message says how to fix it."""


def fetch_jars(
    lib: Path, *, pom: Path, version: str, version_property: str, what: str, marker: str
) -> Path:
    """Copy *pom*'s runtime dependencies at *version* into *lib* unless cached; return *lib*."""
    done = lib / marker
    if done.is_file() and done.read_text().strip() == version:
        return lib
    mvn = shutil.which("mvn")
    if mvn is None:
        raise JarFetchError(
            f"Maven (mvn) is needed to fetch {what} from Maven Central but is not on PATH; "
            "install it with: apt-get install maven"
        )
    lib.mkdir(parents=True, exist_ok=True)
    done.unlink(missing_ok=True)
    for stale in lib.glob("*.jar"):  # only our jars: the dir may be user-chosen
        stale.unlink()
    result = subprocess.run(
        [
            mvn,
            "-B",
            "-q",
            "-f",
            str(pom),
            f"{DEPENDENCY_PLUGIN}:copy-dependencies",
            f"-DoutputDirectory={lib}",
            "-DincludeScope=runtime",
            f"-D{version_property}={version}",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        tail = (result.stdout + result.stderr).splitlines()[-40:]
        raise JarFetchError(
            f"mvn failed (exit {result.returncode}) fetching {what} {version}:\n" + "\n".join(tail)
        )
    done.write_text(version + "\n")
    return lib
