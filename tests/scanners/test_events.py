"""Event channels joined across AsyncAPI documents (scanners/events.py)."""

from __future__ import annotations

from scanners import scan_directory
from scanners.events import same_channel
from scanners.result import ChannelUse

from .conftest import WriteTree


def _subscribes(
    root_files: dict[str, str | bytes], write_tree: WriteTree
) -> dict[tuple[str, str], list[str]]:
    scan = scan_directory(write_tree(root_files))
    assert not scan.failed, [i for r in scan.results for i in r.issues]
    return {
        (e.from_ref, e.to_ref): list(e.properties.get("channels", []))
        for r in scan.results
        for e in r.edges
        if e.type == "SUBSCRIBES"
    }


def _v3(title: str, server: str | None, ops: str, channels: str) -> str:
    servers = f"servers:\n  main: {{host: {server}, protocol: kafka}}\n" if server else ""
    return f"asyncapi: 3.0.0\ninfo: {{title: {title}, version: 1.0.0}}\n{servers}channels:\n{channels}operations:\n{ops}"


SENDER = _v3(
    "Orders",
    "bus.example:9092",
    "  placed: {action: send, channel: {$ref: '#/channels/placed'}}\n",
    "  placed: {address: 'orders/{orderId}/placed'}\n",
)


def _receiver(title: str, server: str | None, address: str = "orders/{id}/placed") -> str:
    return _v3(
        title,
        server,
        "  onPlaced: {action: receive, channel: {$ref: '#/channels/placed'}}\n",
        f"  placed: {{address: '{address}'}}\n",
    )


def test_same_address_on_the_same_server_is_one_channel(write_tree: WriteTree) -> None:
    subs = _subscribes(
        {
            "orders/asyncapi.yaml": SENDER,
            "billing/asyncapi.yaml": _receiver("Billing", "BUS.example:9092"),
        },
        write_tree,
    )
    # the sender's address is the channel, so it matches the sender's PUBLISHES
    assert subs == {("component:billing", "api:orders"): ["orders/{orderId}/placed"]}


def test_a_different_server_is_a_different_channel(write_tree: WriteTree) -> None:
    subs = _subscribes(
        {
            "orders/asyncapi.yaml": SENDER,
            "billing/asyncapi.yaml": _receiver("Billing", "other:9092"),
        },
        write_tree,
    )
    assert subs == {}


def test_without_a_server_the_address_alone_joins(write_tree: WriteTree) -> None:
    subs = _subscribes(
        {"orders/asyncapi.yaml": SENDER, "billing/asyncapi.yaml": _receiver("Billing", None)},
        write_tree,
    )
    assert subs == {("component:billing", "api:orders"): ["orders/{orderId}/placed"]}


def test_another_address_does_not_join_and_is_noted(write_tree: WriteTree) -> None:
    scan = scan_directory(
        write_tree(
            {
                "orders/asyncapi.yaml": SENDER,
                "billing/asyncapi.yaml": _receiver("Billing", None, "orders/shipped"),
            }
        )
    )
    assert not any(e.type == "SUBSCRIBES" for r in scan.results for e in r.edges)
    notes = [i for r in scan.results for i in r.issues if i.code == "asyncapi.no-publisher"]
    assert [(n.file, "orders/shipped" in n.message) for n in notes] == [
        ("billing/asyncapi.yaml", True)
    ]


def test_a_provider_never_subscribes_to_its_own_api(write_tree: WriteTree) -> None:
    loop = _v3(
        "Orders",
        None,
        "  placed: {action: send, channel: {$ref: '#/channels/placed'}}\n"
        "  onPlaced: {action: receive, channel: {$ref: '#/channels/placed'}}\n",
        "  placed: {address: orders.placed}\n",
    )
    other = _v3(
        "Audit",
        None,
        "  placed: {action: send, channel: {$ref: '#/channels/placed'}}\n",
        "  placed: {address: orders.placed}\n",
    )
    subs = _subscribes({"orders/asyncapi.yaml": loop, "audit/asyncapi.yaml": other}, write_tree)
    # Orders hears Audit's orders.placed and Audit receives nothing; no self-loop
    assert subs == {("component:orders", "api:audit"): ["orders.placed"]}


def test_a_manifest_provider_is_the_subscriber(write_tree: WriteTree) -> None:
    subs = _subscribes(
        {
            "orders/asyncapi.yaml": SENDER,
            "billing/events.yaml": _receiver("Billing Events", None),
            "billing/archgraph.yaml": """
                apiVersion: archgraph/v1
                kind: Component
                name: invoicer
                provides: [events.yaml]
            """,
        },
        write_tree,
    )
    assert subs == {("component:invoicer", "api:orders"): ["orders/{orderId}/placed"]}


def test_v2_publish_is_what_the_application_receives(write_tree: WriteTree) -> None:
    receiver = (
        "asyncapi: 2.6.0\ninfo: {title: Billing, version: 1.0.0}\n"
        "channels:\n  'orders/{x}/placed':\n    publish: {operationId: onPlaced}\n"
    )
    sender = (
        "asyncapi: 2.6.0\ninfo: {title: Orders, version: 1.0.0}\n"
        "channels:\n  'orders/{orderId}/placed':\n    subscribe: {operationId: placed}\n"
    )
    subs = _subscribes({"o/asyncapi.yaml": sender, "b/asyncapi.yaml": receiver}, write_tree)
    assert subs == {("component:billing", "api:orders"): ["orders/{orderId}/placed"]}


def test_same_channel_rule() -> None:
    a = ChannelUse("api:a", "send", "x/{id}", ("kafka://h",))
    assert same_channel(a, ChannelUse("api:b", "receive", "x/{other}", ("kafka://h", "ws://w")))
    assert same_channel(a, ChannelUse("api:b", "receive", "x/{id}", ()))
    assert not same_channel(a, ChannelUse("api:b", "receive", "x/{id}", ("ws://w",)))
    assert not same_channel(a, ChannelUse("api:b", "receive", "x/y", ("kafka://h",)))
