"""The real Structurizr DSL parser, for tests: fetched once from Maven Central, run with java.

``fetch()`` copies ``com.structurizr:structurizr-dsl`` and its runtime
dependencies (tests/structurizr/pom.xml) into ~/.cache/archgraph/structurizr-dsl-<v>/lib
(or $ARCHGRAPH_STRUCTURIZR_CACHE); ``parse(path)`` runs ``Check.java`` (single-file
source launch) on a DSL file and returns the counts it prints. ``make structurizr-fetch``
(a step of ``make test``) runs ``python -m tests.structurizr.parser fetch``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

STRUCTURIZR_DSL_VERSION = "4.1.0"  # keep in step with pom.xml
DEPENDENCY_PLUGIN = "org.apache.maven.plugins:maven-dependency-plugin:3.8.1"
_HERE = Path(__file__).resolve().parent
_MARKER = ".archgraph-structurizr-version"


class StructurizrUnavailable(RuntimeError):
    """Maven or Java is missing, or the fetch failed; the message says how to fix it."""


def lib_dir() -> Path:
    override = os.environ.get("ARCHGRAPH_STRUCTURIZR_CACHE")
    if override:
        return Path(override).expanduser()
    home = Path.home() / ".cache" / "archgraph"
    return home / f"structurizr-dsl-{STRUCTURIZR_DSL_VERSION}" / "lib"


def fetch() -> Path:
    """Download the parser unless cached (a marker is written only after Maven succeeded)."""
    lib = lib_dir()
    marker = lib / _MARKER
    if marker.is_file() and marker.read_text().strip() == STRUCTURIZR_DSL_VERSION:
        return lib
    mvn = shutil.which("mvn")
    if mvn is None:
        raise StructurizrUnavailable(
            "Maven (mvn) is needed to fetch the Structurizr DSL parser from Maven Central "
            "but is not on PATH; install it with: apt-get install maven"
        )
    lib.mkdir(parents=True, exist_ok=True)
    marker.unlink(missing_ok=True)
    for stale in lib.glob("*.jar"):
        stale.unlink()
    result = subprocess.run(
        [
            mvn,
            "-B",
            "-q",
            "-f",
            str(_HERE / "pom.xml"),
            f"{DEPENDENCY_PLUGIN}:copy-dependencies",
            f"-DoutputDirectory={lib}",
            "-DincludeScope=runtime",
            f"-Dstructurizr.dsl.version={STRUCTURIZR_DSL_VERSION}",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        tail = (result.stdout + result.stderr).splitlines()[-40:]
        raise StructurizrUnavailable(
            f"mvn failed (exit {result.returncode}) fetching structurizr-dsl "
            f"{STRUCTURIZR_DSL_VERSION}:\n" + "\n".join(tail)
        )
    marker.write_text(STRUCTURIZR_DSL_VERSION + "\n")
    return lib


def parse(dsl: Path) -> dict[str, int]:
    """Parse *dsl* with StructurizrDslParser; the model's counts, or AssertionError with why."""
    java = shutil.which("java")
    if java is None:
        raise StructurizrUnavailable("java (JDK 11+) is needed: apt-get install default-jdk")
    lib = fetch()
    result = subprocess.run(
        [java, "-cp", f"{lib}/*", str(_HERE / "Check.java"), str(dsl)],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    if result.returncode != 0:
        raise AssertionError(f"Structurizr rejected {dsl}:\n{result.stderr[-4000:]}")
    counts = {}
    for line in result.stdout.splitlines():
        name, _, value = line.partition("=")
        counts[name] = int(value)
    return counts


if __name__ == "__main__":
    if sys.argv[1:] != ["fetch"]:
        sys.exit("usage: python -m tests.structurizr.parser fetch")
    try:
        print(fetch())
    except StructurizrUnavailable as exc:
        sys.exit(str(exc))
