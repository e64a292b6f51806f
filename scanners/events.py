"""Event channels joined across documents: who hears what another application sends.

Each AsyncAPI document describes one application. Its ``send`` operations
make its component PUBLISH to its API (with the channels); its ``receive``
operations are kept as :class:`~scanners.result.ChannelUse` and joined here,
after every source of a scan is read:

* two uses are **the same channel** when their addresses are equal (parameter
  names aside: ``comment/{id}/changed`` is ``comment/{commentId}/changed``)
  and they share a server, or either names no server at all;
* for each channel an application receives, every component providing its
  API gets ``SUBSCRIBES`` to each API that **sends** on that channel, with
  the sender's address as the channel (so the impact engine's channel facets
  match the sender's ``PUBLISHES``). The edge is asserted by the source that
  declared the receive;
* a component never subscribes to an API it provides itself; a receive with
  no sender in the scan gets an ``asyncapi.no-publisher`` note and no edge.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from scanners.result import ChannelUse, ScanIssue, ScanResult, Severity
from scanners.specs import RECEIVE, SEND
from schemas.edges import EdgeType
from schemas.facts import EdgeData

__all__ = ["ChannelJoin", "join_channels", "same_channel"]

_PARAM = re.compile(r"\{[^{}]*\}")


def _address_key(address: str) -> str:
    return _PARAM.sub("{}", address.strip())


def same_channel(a: ChannelUse, b: ChannelUse) -> bool:
    """Whether two uses name one channel (see the module docstring)."""
    if _address_key(a.address) != _address_key(b.address):
        return False
    return not a.servers or not b.servers or bool(set(a.servers) & set(b.servers))


@dataclass(frozen=True, slots=True)
class ChannelJoin:
    """One producer -> consumer link found: *subscriber* hears *channel* of *api*."""

    subscriber: str
    api: str
    channel: str


def join_channels(
    results: Sequence[ScanResult], *, also_sent: Sequence[ChannelUse] = ()
) -> tuple[list[ScanResult], list[ChannelJoin]]:
    """Add the cross-document SUBSCRIBES edges to *results* (see the module docstring).

    *also_sent*: channels sent by documents that failed this time, as their last
    good scan read them (they join as if sent now).
    """
    providers: dict[str, set[str]] = {}
    for result in results:
        for edge in result.edges:
            if edge.type == EdgeType.PROVIDES.value:
                providers.setdefault(edge.to_ref, set()).add(edge.from_ref)
    senders = [u for r in results for u in r.channels if u.action == SEND] + list(also_sent)
    joins: list[ChannelJoin] = []
    out: list[ScanResult] = []
    for result in results:
        edges: list[EdgeData] = []
        notes: list[ScanIssue] = []
        for use in (u for u in result.channels if u.action == RECEIVE):
            listeners = sorted(providers.get(use.api_ref, ()))
            matched = [s for s in senders if s.api_ref != use.api_ref and same_channel(s, use)]
            if not matched:
                notes.append(
                    ScanIssue(
                        Severity.INFO,
                        "asyncapi.no-publisher",
                        f"{use.api_ref} receives {use.address!r} but no document of this scan "
                        "sends on that channel; no subscription is recorded",
                        result.origin,
                    )
                )
            for sender in matched:
                own = providers.get(sender.api_ref, set())
                for listener in listeners:
                    if listener in own:
                        continue
                    edges.append(
                        EdgeData(
                            listener,
                            EdgeType.SUBSCRIBES.value,
                            sender.api_ref,
                            {"channels": [sender.address]},
                        )
                    )
                    joins.append(ChannelJoin(listener, sender.api_ref, sender.address))
        if edges:
            result = result.with_edges(edges)
        if notes:
            result = result.with_issues(dict.fromkeys(notes))
        out.append(result)
    return out, sorted(set(joins), key=lambda j: (j.subscriber, j.api, j.channel))
