"""Re-scans that skip what did not change: content hashes and the cross-file rule.

A directory scan is a function of the bytes of every file of the tree, the
scan's settings and archgraph's own scanner code. :func:`plan_rescan` uses
that, with the state a previous scan stored (per source: its file's
SHA-256 and what other files took from it; per tree: one digest over every
file), to decide what must be parsed (the rule in ``docs/scanners.md``,
"Re-scans"):

* **nothing**, when the tree digest equals the stored one: the scan would
  produce exactly what the stored sources hold;
* **only the changed files**, when every file whose hash differs is an
  OpenAPI/AsyncAPI spec that took nothing from other files and gave them
  nothing that can change (its stored :class:`SourceState` says ``solo``,
  and no other file read it through a ``$ref``), and nothing else of the
  tree changed (no file added, removed or changed outside those sources).
  The re-parsed file must then contribute the same cross-file facts as
  before (:func:`contribution`), else the scan re-parses everything;
* **everything** otherwise.

Pure: no store, no file access; the app reads and writes the states.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scanners.result import ChannelUse, ScanResult
from scanners.specs import SEND, channels_by_action
from schemas.edges import EdgeType

__all__ = [
    "TREE_KEY",
    "RescanPlan",
    "ScanTrace",
    "SourceState",
    "TreeState",
    "code_fingerprint",
    "contribution",
    "covering_tree_keys",
    "file_digest",
    "plan_rescan",
    "tree_digest",
]

TREE_KEY = "tree:"
"""Scan-state keys of trees are ``tree:<prefix>``; those of sources are the source ids."""

_CODE_DIRS = ("scanners", "schemas")
_code_print: str | None = None


def code_fingerprint() -> str:
    """SHA-256 over archgraph's scanner and schema source files: any upgrade re-parses."""
    global _code_print
    if _code_print is None:
        digest = hashlib.sha256()
        base = Path(__file__).resolve().parent.parent
        for package in _CODE_DIRS:
            for path in sorted((base / package).rglob("*.py")):
                digest.update(path.relative_to(base).as_posix().encode())
                digest.update(hashlib.sha256(path.read_bytes()).digest())
        _code_print = digest.hexdigest()
    return _code_print


def file_digest(data: bytes) -> str:
    """The content hash of one file: SHA-256 of its bytes (any changed byte changes it)."""
    return hashlib.sha256(data).hexdigest()


def tree_digest(settings: str, files: Mapping[str, str], skipped: Iterable[str]) -> str:
    """One digest over the settings, every read file's hash and every skip (sorted)."""
    parts = [settings]
    parts.extend(f"\0f\0{path}\0{files[path]}" for path in sorted(files))
    parts.extend(f"\0s\0{line}" for line in sorted(skipped))
    return hashlib.sha256("".join(parts).encode()).hexdigest()


def covering_tree_keys(sources: Iterable[str], own_prefix: str) -> set[str]:
    """The tree-state keys of every tree but ``tree:<own_prefix>`` that could hold *sources*.

    A source ``openapi:a/b/c.yaml`` belongs to the tree without prefix, to
    tree ``a`` or to tree ``a/b``: a scan that writes it deletes those trees'
    states (``docs/scanners.md``, "Re-scans"), so each is parsed in full next time.
    """
    keys: set[str] = set()
    for source in sources:
        parts = source.partition(":")[2].split("/")[:-1]
        keys.update(TREE_KEY + "/".join(parts[:depth]) for depth in range(len(parts) + 1))
    keys.discard(TREE_KEY + own_prefix)
    return keys


_json_text = json.encoder.encode_basestring_ascii
"""What ``json.dumps`` gives for a ``str`` with its default options."""

_CONTRIBUTION_JSON = json.JSONEncoder(default=str)
"""``json.dumps(value, default=str)``, made once."""

_SENDS_JSON = json.JSONEncoder()
"""``json.dumps(value)``, made once (tuples are written as lists)."""


Sent = tuple[str, str, tuple[str, ...]]
"""An event channel a source's API sends on: (API ref, address, servers), as in
:class:`~scanners.result.ChannelUse`."""


@dataclass(frozen=True)
class SourceState:
    """What a scan stores with one source: its file's hash and its cross-file role.

    *sends*: the channels it sends on (the join still counts them when the
    file later fails, ``docs/scanners.md``).
    """

    file: str
    hash: str
    solo: bool = False
    contribution: str = ""
    sends: tuple[Sent, ...] = ()

    def to_json(self) -> str:
        """``json.dumps`` of the state with its keys sorted (``sends`` only when it has
        any), written out: one is made per source of every scan."""
        sends = f'"sends": {_SENDS_JSON.encode(self.sends)}, ' if self.sends else ""
        return (
            f'{{"file": {_json_text(self.file)}, "hash": {_json_text(self.hash)}, '
            f'"out": {_json_text(self.contribution)}, {sends}'
            f'"solo": {"true" if self.solo else "false"}}}'
        )

    def channel_uses(self) -> list[ChannelUse]:
        """The channels it sends on, as the join takes them."""
        return [ChannelUse(api, SEND, address, servers) for api, address, servers in self.sends]

    @classmethod
    def from_json(cls, text: str) -> SourceState | None:
        try:
            return cls._from_data(json.loads(text))
        except ValueError:
            return None

    @classmethod
    def _from_data(cls, data: Any) -> SourceState | None:
        try:
            sends = tuple(
                (str(api), str(address), tuple(str(s) for s in servers))
                for api, address, servers in data.get("sends", [])
            )
            return cls(
                str(data["file"]), str(data["hash"]), bool(data["solo"]), str(data["out"]), sends
            )
        except (KeyError, TypeError, ValueError, AttributeError):
            return None

    @classmethod
    def from_rows(cls, rows: Mapping[str, str]) -> dict[str, SourceState]:
        """Every readable state of *rows* (key -> JSON text), decoded in one ``json.loads``.

        An unreadable row is left out, as :meth:`from_json` gives ``None``
        for it; then each row is decoded on its own to tell which.
        """
        try:
            decoded = json.loads("[" + ",".join(rows.values()) + "]")
        except ValueError:
            decoded = None
        if not isinstance(decoded, list) or len(decoded) != len(rows):
            pairs = ((key, cls.from_json(text)) for key, text in rows.items())
        else:
            pairs = ((key, cls._from_data(data)) for key, data in zip(rows, decoded, strict=True))
        return {key: state for key, state in pairs if state is not None}


@dataclass(frozen=True)
class TreeState:
    """What a scan stores with its tree: the digest, and which files others read."""

    digest: str
    read_by_others: frozenset[str] = frozenset()

    def to_json(self) -> str:
        return json.dumps({"digest": self.digest, "reads": sorted(self.read_by_others)})

    @classmethod
    def from_json(cls, text: str | None) -> TreeState | None:
        if text is None:
            return None
        try:
            data = json.loads(text)
            return cls(str(data["digest"]), frozenset(str(p) for p in data["reads"]))
        except (ValueError, KeyError, TypeError):
            return None


@dataclass(frozen=True)
class RescanPlan:
    """What a re-scan parses: ``all``, or only ``parse`` (the rest is kept as stored)."""

    all: bool
    parse: frozenset[str] = frozenset()
    kept: dict[str, str] = field(default_factory=dict)  # source id -> file, not parsed


def contribution(result: ScanResult, api: str | None) -> str:
    """A digest of what other files' scans take from a spec's result.

    Described refs (Backstage's "described elsewhere"), the API it claims
    before :mod:`scanners.versions` (*api*), its summary for manifests (API,
    type, channels sent and received) and the PROVIDES edges (the channel
    join's providers).
    """
    node = next((n for n in result.nodes if n.ref in result.described and n.kind == "api"), None)
    summary: list[Any] = []
    if node is not None:
        sends, receives = channels_by_action(list(node.properties.get("operations", [])))
        summary = [node.ref, str(node.properties.get("type", "openapi")), sends, receives]
    provides = sorted(
        [e.from_ref, e.to_ref] for e in result.edges if e.type == EdgeType.PROVIDES.value
    )
    data = [sorted(result.described), api, summary, provides, result.failed]
    return hashlib.sha256(_CONTRIBUTION_JSON.encode(data).encode()).hexdigest()


def plan_rescan(
    current: Mapping[str, str],
    digest: str,
    tree: TreeState | None,
    states: Mapping[str, SourceState],
    skips: Iterable[str],
    settings: str,
) -> RescanPlan:
    """Which files a re-scan must parse (see the module docstring).

    *current* maps every read file's path to its hash now, *digest* is the
    tree digest now, *tree* and *states* what the last scan of this tree
    stored (source id -> state), *skips* and *settings* as given to
    :func:`tree_digest`.
    """
    if tree is None or not states:
        return RescanPlan(all=True)
    by_file = {s.file: (source, s) for source, s in states.items()}
    if tree.digest == digest:
        return RescanPlan(all=False, kept={source: s.file for source, s in states.items()})
    changed = {p for p, (_, s) in by_file.items() if current.get(p, s.hash) != s.hash}
    if not changed or any(p not in current for p in by_file):
        return RescanPlan(all=True)
    if any(not by_file[p][1].solo or p in tree.read_by_others for p in changed):
        return RescanPlan(all=True)
    before = dict(current)
    before.update({p: by_file[p][1].hash for p in changed})
    if tree_digest(settings, before, skips) != tree.digest:
        return RescanPlan(all=True)  # something outside those sources changed too
    kept = {source: s.file for source, s in states.items() if s.file not in changed}
    return RescanPlan(all=False, parse=frozenset(changed), kept=kept)


@dataclass
class ScanTrace:
    """What a scan notes for the states: parses, ``$ref`` reads, APIs before renaming."""

    owner: str = ""
    parsed: int = 0
    read_by_others: set[str] = field(default_factory=set)
    apis: dict[str, str | None] = field(default_factory=dict)
    provided: set[str] = field(default_factory=set)

    def wrap(self, resolver: Callable[[str], str]) -> Callable[[str], str]:
        """*resolver*, noting each file read on behalf of a file other than itself."""

        def reading(path: str) -> str:
            if path != self.owner:
                self.read_by_others.add(path)
            return resolver(path)

        return reading
