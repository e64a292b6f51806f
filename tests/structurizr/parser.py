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

from tests.maven_jars import JarFetchError, fetch_jars

STRUCTURIZR_DSL_VERSION = "4.1.0"  # keep in step with pom.xml
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
    """Download the parser unless cached; return the lib dir."""
    try:
        return fetch_jars(
            lib_dir(),
            pom=_HERE / "pom.xml",
            version=STRUCTURIZR_DSL_VERSION,
            version_property="structurizr.dsl.version",
            what="structurizr-dsl",
            marker=_MARKER,
        )
    except JarFetchError as exc:
        raise StructurizrUnavailable(str(exc)) from exc


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
