"""Unit tests for tests/neo4j/server.py that need neither Neo4j nor a JDK."""

from __future__ import annotations

import shutil
import stat
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.neo4j import server
from tests.neo4j.server import FoundJava, Neo4jLaunchError, choose_java, parse_java_major

OPENJDK_17 = """openjdk version "17.0.15" 2025-04-15
OpenJDK Runtime Environment (build 17.0.15+6-Debian-1deb12u1)
OpenJDK 64-Bit Server VM (build 17.0.15+6-Debian-1deb12u1, mixed mode, sharing)
"""
TEMURIN_21 = """openjdk version "21.0.5" 2024-10-15 LTS
OpenJDK Runtime Environment Temurin-21.0.5+11 (build 21.0.5+11-LTS)
"""
TEMURIN_25 = """openjdk version "25" 2025-09-16 LTS
OpenJDK Runtime Environment Temurin-25+36 (build 25+36-LTS)
"""
ORACLE_8 = 'java version "1.8.0_392"\nJava(TM) SE Runtime Environment (build 1.8.0_392-b08)\n'


@pytest.mark.parametrize(
    ("output", "major"),
    [
        (OPENJDK_17, 17),
        (TEMURIN_21, 21),
        (TEMURIN_25, 25),
        (ORACLE_8, 8),
        ('openjdk version "26-ea" 2026-03-17', 26),
        ("bash: java: command not found", None),
        ("", None),
    ],
)
def test_parse_java_major(output: str, major: int | None) -> None:
    assert parse_java_major(output) == major


def test_choose_java_takes_first_supported_jdk_in_order() -> None:
    found = [
        FoundJava(Path("/jdk25/bin/java"), 25, True),
        FoundJava(Path("/jre21/bin/java"), 21, False),  # a JRE can't run Launcher.java
        FoundJava(Path("/jdk21/bin/java"), 21, True),
        FoundJava(Path("/jdk17/bin/java"), 17, True),
    ]
    assert choose_java(found) == Path("/jdk21/bin/java")
    assert choose_java(found[3:]) == Path("/jdk17/bin/java")


def test_choose_java_rejects_25_and_names_every_one_found() -> None:
    found = [
        FoundJava(Path("/usr/lib/jvm/temurin-25/bin/java"), 25, True),
        FoundJava(Path("/usr/lib/jvm/jre-17/bin/java"), 17, False),
        FoundJava(Path("/opt/odd/bin/java"), None, True),
    ]
    with pytest.raises(Neo4jLaunchError) as info:
        choose_java(found)
    message = str(info.value)
    assert "/usr/lib/jvm/temurin-25/bin/java: Java 25\n" in message
    assert "/usr/lib/jvm/jre-17/bin/java: Java 17, JRE only" in message
    assert "/opt/odd/bin/java: unknown version" in message
    assert "17 or 21" in message
    assert "apt-get install openjdk-17-jdk-headless" in message


def _fake_java_home(tmp_path: Path, version_line: str) -> Path:
    java = tmp_path / "bin" / "java"
    java.parent.mkdir(parents=True)
    java.write_text(f"#!/bin/sh\necho '{version_line}' >&2\n")
    java.chmod(java.stat().st_mode | stat.S_IEXEC)
    (tmp_path / "bin" / "javac").write_text("")  # inspect_java only checks it exists
    return tmp_path


def test_find_java_runs_the_explicit_jdk_and_refuses_25(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = _fake_java_home(tmp_path, 'openjdk version "25" 2025-09-16 LTS')
    monkeypatch.setenv("ARCHGRAPH_NEO4J_JAVA_HOME", str(home))
    with pytest.raises(Neo4jLaunchError, match="Java 25"):
        server.find_java()


def test_find_java_accepts_an_explicit_21(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = _fake_java_home(tmp_path, 'openjdk version "21.0.5" 2024-10-15 LTS')
    monkeypatch.setenv("ARCHGRAPH_NEO4J_JAVA_HOME", str(home))
    assert server.find_java() == home / "bin" / "java"


def test_fetch_uses_a_complete_cache_without_maven(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ARCHGRAPH_NEO4J_CACHE", str(tmp_path))
    monkeypatch.setattr(shutil, "which", lambda _name: None)
    with pytest.raises(Neo4jLaunchError, match="apt-get install maven"):
        server.fetch()  # no marker yet, and no mvn: a clear error
    (tmp_path / ".fetch-complete").write_text(server.NEO4J_VERSION + "\n")
    assert server.fetch() == tmp_path


def test_pom_pins_the_same_version_as_server_py() -> None:
    ns = {"m": "http://maven.apache.org/POM/4.0.0"}
    root = ET.parse(server.POM).getroot()
    assert root.findtext("m:properties/m:neo4j.version", namespaces=ns) == server.NEO4J_VERSION
