"""A seeded synthetic portfolio for the benchmark.

Shape (defaults): 200 products, 20,000 components (1% of them platform),
5,000 APIs, 200,000 edges. Realistic where it matters for impact:

* platform components are picked by Zipf popularity, so a handful of them
  (auth, the event bus ...) have thousands of dependents and the long tail
  few;
* most dependencies stay inside a product and mostly point "down" (towards
  lower-numbered components of the same product), so products are DAG-like
  with a few cycles; some cross to other products;
* about a fifth of the dependencies are soft; half the API consumers declare
  which operations they use.

``python -m bench.generate --scale 5`` prints the counts of a 1,000,000-edge
portfolio. Same seed, same portfolio.
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import accumulate
from typing import Any

from graph.storage import Assertion, EdgeRecord, NodeRecord

SOURCE = "bench"
STAMP = "2025-01-01T00:00:00Z"
RESOURCES = [
    "users",
    "orders",
    "items",
    "carts",
    "payments",
    "invoices",
    "shipments",
    "accounts",
    "products",
    "prices",
    "reviews",
    "messages",
    "events",
    "reports",
    "sessions",
    "tokens",
    "files",
    "jobs",
    "tasks",
    "routes",
]


@dataclass(frozen=True)
class Spec:
    products: int = 200
    components: int = 20_000
    apis: int = 5_000
    edges: int = 200_000
    platform_share: float = 0.01
    capabilities: int = 50
    technologies: int = 100
    seed: int = 42

    def scaled(self, factor: float) -> Spec:
        return Spec(
            products=int(self.products * factor),
            components=int(self.components * factor),
            apis=int(self.apis * factor),
            edges=int(self.edges * factor),
            platform_share=self.platform_share,
            capabilities=self.capabilities,
            technologies=self.technologies,
            seed=self.seed,
        )


@dataclass
class Portfolio:
    """Nodes as ``ref -> properties`` and edges as ``(from, type, to, properties)``."""

    nodes: dict[str, dict[str, Any]] = field(default_factory=dict)
    edges: dict[tuple[str, str, str], dict[str, Any]] = field(default_factory=dict)
    platform: list[str] = field(default_factory=list)
    components: list[str] = field(default_factory=list)
    apis: list[str] = field(default_factory=list)

    def node_records(self) -> Iterator[NodeRecord]:
        for ref, props in self.nodes.items():
            yield NodeRecord(ref, ref.partition(":")[0], props, (Assertion(SOURCE, STAMP, props),))

    def edge_records(self) -> Iterator[EdgeRecord]:
        for (a, t, b), props in self.edges.items():
            yield EdgeRecord(a, t, b, props, (Assertion(SOURCE, STAMP, props),))


def _zipf_cumulative(n: int, s: float = 1.1) -> list[float]:
    return list(accumulate(1.0 / (i + 1) ** s for i in range(n)))


def generate(spec: Spec = Spec()) -> Portfolio:
    """The portfolio for *spec* (deterministic for a given seed)."""
    rnd = random.Random(spec.seed)  # noqa: S311 (a seeded, reproducible portfolio)
    g = Portfolio()
    products = [f"product:p{i:04d}" for i in range(spec.products)]
    for p in products:
        tier = rnd.choices((1, 2, 3), weights=(1, 4, 5))[0]
        g.nodes[p] = {"name": f"Product {p[-4:]}", "tier": tier}
    caps = [f"capability:cap{i:02d}" for i in range(spec.capabilities)]
    techs = [f"technology:tech{i:03d}" for i in range(spec.technologies)]
    for ref in (*caps, *techs):
        g.nodes[ref] = {}

    n_platform = max(1, int(spec.components * spec.platform_share))
    product_weights = list(accumulate(rnd.paretovariate(1.5) for _ in products))
    by_product: dict[str, list[str]] = {p: [] for p in products}
    owner: dict[str, str] = {}
    kinds = ("service", "library", "datastore", "job", "frontend")
    for i in range(spec.components):
        ref = f"component:c{i:06d}"
        kind = rnd.choices(kinds, (12, 3, 2, 2, 1))[0]
        props: dict[str, Any] = {"name": f"comp {i}", "type": kind}
        if i < n_platform:
            props["platform"] = True
            g.platform.append(ref)
        else:
            product = rnd.choices(products, cum_weights=product_weights)[0]
            by_product[product].append(ref)
            owner[ref] = product
            g.edges[(ref, "PART_OF", product)] = {}
        g.nodes[ref] = props
        g.components.append(ref)
    platform_cum = _zipf_cumulative(len(g.platform))
    # The top tenth of a product's components (its API layer) is what other products use.
    public = {p: comps[-max(1, len(comps) // 10) :] for p, comps in by_product.items() if comps}
    # Each product builds on 0 to 3 earlier products; the product graph is a DAG.
    upstream = {
        p: rnd.sample(products[:i], min(i, rnd.choices((0, 1, 2, 3), (3, 4, 2, 1))[0]))
        for i, p in enumerate(products)
    }
    upstream = {p: [u for u in ups if u in public] for p, ups in upstream.items()}

    # APIs: on platform components by popularity, else on a product's public components
    api_provider: dict[str, str] = {}
    api_ops: dict[str, list[str]] = {}
    product_list = [p for p in products if p in public]
    for i in range(spec.apis):
        ref = f"api:a{i:05d}"
        if rnd.random() < 0.1:
            provider = rnd.choices(g.platform, cum_weights=platform_cum)[0]
        else:
            provider = rnd.choice(public[rnd.choice(product_list)])
        ops = []
        for r in rnd.sample(RESOURCES, 2):
            ops += [
                {"method": "get", "path": f"/v1/{r}/{{id}}", "operation_id": f"get_{r}_{i}"},
                {"method": "post", "path": f"/v1/{r}", "operation_id": f"create_{r}_{i}"},
            ]
        is_async = rnd.random() < 0.1
        g.nodes[ref] = {"type": "asyncapi" if is_async else "openapi", "operations": ops}
        g.edges[(provider, "PUBLISHES" if is_async else "PROVIDES", ref)] = {}
        api_provider[ref] = provider
        api_ops[ref] = [f"{o['method'].upper()} {o['path']}" for o in ops]
        g.apis.append(ref)
    apis_by_product: dict[str, list[str]] = {}
    platform_apis: list[str] = []
    for api, provider in api_provider.items():
        if provider in owner:
            apis_by_product.setdefault(owner[provider], []).append(api)
        else:
            platform_apis.append(api)
    platform_index = {c: i for i, c in enumerate(g.platform)}
    platform_apis.sort(key=lambda a: platform_index[api_provider[a]])
    platform_api_cum = _zipf_cumulative(len(platform_apis)) if platform_apis else []

    for c in rnd.sample(g.components, len(g.components) // 10):
        g.edges[(c, "HAS_CAPABILITY", rnd.choice(caps))] = {}
    for c in rnd.sample(g.components, len(g.components) // 2):
        g.edges[(c, "USES", rnd.choice(techs))] = {}
    # the platform is layered too: a platform component uses a few more basic ones
    for i, c in enumerate(g.platform[1:], start=1):
        for _ in range(rnd.randint(0, 2)):
            g.edges[(c, "DEPENDS_ON", g.platform[rnd.randrange(i)])] = {"strength": "hard"}

    product_comps = g.components[n_platform:]
    while len(g.edges) < spec.edges:
        src = rnd.choice(product_comps)
        home = owner[src]
        roll = rnd.random()
        strength = "soft" if rnd.random() < 0.2 else "hard"
        if rnd.random() < 0.55:
            if roll < 0.35:
                dst = rnd.choices(g.platform, cum_weights=platform_cum)[0]
            elif roll < 0.95 or not upstream[home]:
                # inside the product, mostly towards lower layers (some cycles)
                siblings = by_product[home]
                pos = siblings.index(src) if rnd.random() < 0.97 else len(siblings)
                if pos == 0:
                    continue
                dst = siblings[rnd.randrange(pos)]
            else:
                dst = rnd.choice(public[rnd.choice(upstream[home])])
            if dst != src:
                g.edges[(src, "DEPENDS_ON", dst)] = {"strength": strength}
            continue
        if roll < 0.4 and platform_apis:
            api = rnd.choices(platform_apis, cum_weights=platform_api_cum)[0]
        elif roll < 0.9 or not upstream[home]:
            if not apis_by_product.get(home):
                continue
            api = rnd.choice(apis_by_product[home])
        else:
            choices = apis_by_product.get(rnd.choice(upstream[home]))
            if not choices:
                continue
            api = rnd.choice(choices)
        if api_provider[api] == src:
            continue
        kind = "SUBSCRIBES" if g.nodes[api]["type"] == "asyncapi" else "CONSUMES"
        edge_props: dict[str, Any] = {}
        if kind == "CONSUMES":
            if rnd.random() < 0.1:
                edge_props["strength"] = "soft"
            if rnd.random() < 0.5:
                edge_props["operations"] = rnd.sample(api_ops[api], rnd.randint(1, 3))
        g.edges[(src, kind, api)] = edge_props
    return g


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    spec = Spec(seed=args.seed).scaled(args.scale)
    g = generate(spec)
    counts: dict[str, int] = {}
    for _, t, _ in g.edges:
        counts[t] = counts.get(t, 0) + 1
    print(f"{len(g.nodes)} nodes, {len(g.edges)} edges: {dict(sorted(counts.items()))}")


if __name__ == "__main__":
    main()
