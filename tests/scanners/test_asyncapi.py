from __future__ import annotations

from scanners import asyncapi
from scanners.resolve import DirectoryResolver

from .conftest import WriteTree, codes, dedent, edges, props

V2 = dedent("""
    asyncapi: 2.6.0
    info:
      title: Order Events
      version: 1.2.0
      x-archgraph-component: order-service
    servers:
      prod: {url: kafka.example.com:9092, protocol: kafka}
    channels:
      orders.created:
        subscribe:
          operationId: orderCreated
          summary: An order was placed
          tags: [{name: orders}]
      payments.settled:
        publish:
          operationId: onPaymentSettled
      orders.cancelled:
        subscribe: {operationId: orderCancelled}
        publish: {operationId: cancelOrder}
""")

V3 = dedent("""
    asyncapi: 3.0.0
    info: {title: Order Events, version: 1.2.0}
    x-archgraph-component: component:order-service
    servers:
      prod: {host: kafka.example.com:9092, protocol: kafka}
    channels:
      created: {address: orders.created}
      settled: {address: payments.settled}
      cancelled: {address: null}
    operations:
      orderCreated: {action: send, channel: {$ref: '#/channels/created'}, summary: An order was placed, tags: [{name: orders}]}
      onPaymentSettled: {action: receive, channel: {$ref: '#/channels/settled'}}
      cancelled: {action: send, channel: {$ref: '#/channels/cancelled'}}
      bogus: {action: shout, channel: {$ref: '#/channels/created'}}
""")


def test_v2_publish_and_subscribe_are_seen_from_the_application() -> None:
    result = asyncapi.parse(V2, origin="events/asyncapi.yaml")
    assert not result.issues
    api = props(result, "api:order-events")
    assert api["type"] == "asyncapi"
    assert api["servers"] == ["kafka://kafka.example.com:9092"]
    ops = [(o["method"], o["path"], o.get("operation_id")) for o in api["operations"]]
    assert ops == [
        ("send", "orders.created", "orderCreated"),
        ("receive", "payments.settled", "onPaymentSettled"),
        ("send", "orders.cancelled", "orderCancelled"),
        ("receive", "orders.cancelled", "cancelOrder"),
    ]
    assert api["operations"][0]["tags"] == ["orders"]
    by_key = {e.key: dict(e.properties) for e in result.edges}
    assert by_key[("component:order-service", "PUBLISHES", "api:order-events")] == {
        "channels": ["orders.created", "orders.cancelled"]
    }
    # the provider never subscribes to its own API; what it receives is kept
    # for the directory scan to join with the documents that send it
    assert ("component:order-service", "SUBSCRIBES", "api:order-events") not in by_key
    assert {(u.action, u.address, u.servers) for u in result.channels} == {
        ("send", "orders.created", ("kafka://kafka.example.com:9092",)),
        ("receive", "payments.settled", ("kafka://kafka.example.com:9092",)),
        ("send", "orders.cancelled", ("kafka://kafka.example.com:9092",)),
        ("receive", "orders.cancelled", ("kafka://kafka.example.com:9092",)),
    }
    assert ("component:order-service", "PROVIDES", "api:order-events") in by_key


def test_v3_send_and_receive() -> None:
    result = asyncapi.parse(V3, origin="events/asyncapi.yaml")
    assert codes(result) == ["asyncapi.action"]
    api = props(result, "api:order-events")
    ops = [(o["method"], o["path"]) for o in api["operations"]]
    assert ops == [
        ("send", "orders.created"),
        ("receive", "payments.settled"),
        ("send", "cancelled"),
    ]
    assert edges(result) == {
        ("component:order-service", "PROVIDES", "api:order-events"),
        ("component:order-service", "PUBLISHES", "api:order-events"),
    }
    assert [(u.action, u.address) for u in result.channels if u.action == "receive"] == [
        ("receive", "payments.settled")
    ]


def test_v2_and_v3_of_the_same_api_agree_on_channels() -> None:
    def flows(text: str) -> set[tuple[str, str]]:
        api = props(asyncapi.parse(text, origin="a.yaml"), "api:order-events")
        return {(o["method"], o["path"]) for o in api["operations"] if o["path"] != "cancelled"}

    assert flows(V2) - {("send", "orders.cancelled"), ("receive", "orders.cancelled")} == flows(V3)


def test_relative_refs_to_shared_files(write_tree: WriteTree) -> None:
    root = write_tree(
        {
            "svc/asyncapi.yaml": """
            asyncapi: 3.0.0
            info: {title: Likes, version: 1.0.0}
            servers:
              ws: {$ref: '../common/servers.yaml#/ws'}
            channels:
              liked: {$ref: '../common/channels.yaml#/liked'}
            operations:
              sendLiked: {action: send, channel: {$ref: '#/channels/liked'}}
        """,
            "common/servers.yaml": "ws: {host: example.com, pathname: /ws, protocol: ws}\n",
            "common/channels.yaml": "liked: {address: comment/liked}\n",
        }
    )
    result = asyncapi.parse(
        (root / "svc/asyncapi.yaml").read_text(),
        origin="svc/asyncapi.yaml",
        resolver=DirectoryResolver(root, max_file_bytes=1 << 20),
        provided=True,
    )
    assert not result.issues, result.issues
    api = props(result, "api:likes")
    assert api["servers"] == ["ws://example.com/ws"]
    assert api["operations"] == [
        {
            "method": "send",
            "path": "comment/liked",
            "deprecated": False,
            "operation_id": "sendLiked",
        }
    ]


def test_unsupported_version_and_garbage() -> None:
    assert asyncapi.parse("asyncapi: 1.2.0\ninfo: {title: x}\n", origin="x").failed
    result = asyncapi.parse(
        "asyncapi: 2.0.0\ninfo: {title: G}\nchannels: [1, 2]\n", origin="g.yaml", provided=True
    )
    assert not result.failed and props(result, "api:g")["operations"] == []
