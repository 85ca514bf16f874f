"""Benchmark: partnership networks on the synthetic graph at scale 1 (5M+ quads).

Makes the synthetic graph (``clusterkg synth``), bulk-loads it into a temporary Oxigraph store
with what every build loads beside it (ontology, vocabularies, NUTS regions, countries), then times what the service does for a
network: extraction (SPARQL + projection in networkx), the measures, an export, and an
organisation's ego-network view (cold: extraction included; warm: the network already made, as
the service's cache has it).

    .venv/bin/python bench/networks.py [--scale 1] [--seed 7] [--input synth.nq] [--keep DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox

from clusterkg import reference
from clusterkg.build import parse_turtle
from clusterkg.config import DATA_DIR, ONTOLOGY_DIR
from clusterkg.networks import analytics, export, view
from clusterkg.networks.extract import build_network
from clusterkg.networks.filters import Filters, NetworkKind
from clusterkg.networks.queries import store_select
from clusterkg.store import GraphStore
from clusterkg.synth import write
from clusterkg.terms import to_oxigraph

ROWS: list[tuple[str, float, str]] = []


def step(name: str, function, detail=lambda result: ""):  # noqa: ANN001, ANN201
    """Run ``function``, record its wall-clock time and a detail about its result."""
    started = time.perf_counter()
    result = function()
    seconds = time.perf_counter() - started
    ROWS.append((name, seconds, detail(result)))
    print(f"  {name:<52} {seconds:9.2f} s  {detail(result)}", file=sys.stderr, flush=True)
    return result


def size(graph) -> str:  # noqa: ANN001
    return f"{graph.number_of_nodes():,} nodes, {graph.number_of_edges():,} edges"


def load(quads_file: Path, store_path: Path) -> int:
    """Bulk-load the synthetic quads, then what every build loads beside them; the store's size."""
    store = ox.Store(str(store_path))
    store.bulk_load(path=str(quads_file), format=ox.RdfFormat.N_QUADS)
    reference_quads = []
    for name, graph in (("nuts-2024", reference.nuts_graph()), ("countries", reference.countries_graph())):
        target = ox.NamedNode(f"https://w3id.org/clusterkg/graph/{name}")
        reference_quads += [ox.Quad(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o), target) for s, p, o in graph]
    for name, path in (("vocabularies", DATA_DIR / "vocab" / "vocabularies.ttl"), ("clusterkg", ONTOLOGY_DIR / "clusterkg.ttl")):
        target = ox.NamedNode(f"https://w3id.org/clusterkg/graph/{name}")
        reference_quads += [ox.Quad(t.subject, t.predicate, t.object, target) for t in parse_turtle(path)]
    store.bulk_extend(reference_quads)
    store.flush()
    return len(store)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="size of the synthetic graph (1: 5M+ quads)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--input", type=Path, help="an N-Quads file made by 'clusterkg synth' (skips making one)")
    parser.add_argument("--keep", type=Path, help="keep the store here instead of a temporary folder")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="clusterkg-bench-networks-"))
    try:
        quads_file = args.input
        if quads_file is None:
            quads_file = work / "synth.nq"
            count = step("synth: write N-Quads", lambda: write(quads_file, args.scale, args.seed), lambda n: f"{n:,} quads")
        else:
            count = None
        store_path = args.keep or work / "store"
        step("load: pyoxigraph bulk_load", lambda: load(quads_file, store_path), lambda n: f"{n:,} quads in the store")
        graph_store = GraphStore.open_existing(store_path, read_only=True)
        select = store_select(graph_store)

        def extract(kind: NetworkKind, filters: Filters = Filters(), level: int = 2):  # noqa: ANN202
            return asyncio.run(build_network(select, kind, filters, level))

        network = step("extract: coparticipation (all)", lambda: extract(NetworkKind.coparticipation), size)
        step("extract: bipartite (all)", lambda: extract(NetworkKind.bipartite), size)
        step("extract: regions, NUTS 2", lambda: extract(NetworkKind.regions, level=2), size)
        step("extract: themes", lambda: extract(NetworkKind.themes), size)
        italy = step("extract: coparticipation, country IT", lambda: extract(NetworkKind.coparticipation, Filters.parse(country="IT")), size)
        step("extract: coparticipation, Interreg MED, 2018-06-30",
             lambda: extract(NetworkKind.coparticipation, Filters.parse(programme="synth-interreg-med", as_of="2018-06-30")), size)

        step("metrics: degree + weighted degree", lambda: analytics.metrics(network, ("degree", "weighted_degree")))
        step("metrics: PageRank (weighted)", lambda: analytics.metrics(network, ("pagerank",)))
        step("metrics: Louvain communities", lambda: analytics.metrics(network, ("community",)),
             lambda _: f"{len(network.graph['communities']):,} communities")
        step("metrics: betweenness (sampled sources)", lambda: analytics.metrics(network, ("betweenness",)),
             lambda _: f"{network.graph['betweenness_sources']:,} sources")
        summary = step("metrics: summary (components, bridges...)", lambda: analytics.summary(network),
                       lambda s: f"{s['components']:,} components, largest {s['largest_component']:,}, density {s['density']:.2e}")
        step("metrics: all, country IT network", lambda: analytics.metrics(italy), lambda _: size(italy))
        step("export: GraphML, country IT network", lambda: export.to_graphml(italy), lambda b: f"{len(b) / 1e6:.1f} MB")
        step("export: GEXF, country IT network", lambda: export.to_gexf(italy), lambda b: f"{len(b) / 1e6:.1f} MB")

        degrees = sorted(network.degree(), key=lambda item: (item[1], item[0]))
        typical = degrees[len(degrees) * 9 // 10][0]  # a well-connected but not extreme organisation
        first_broker = summary["top_brokers"][0]["id"]

        def ego_view(graph, centre: str) -> str:  # noqa: ANN001
            ego = analytics.ego_network(graph, centre, 2, max_nodes=300)  # as /view/ego does
            return view.render(ego, title="ego", page_url="http://localhost/view/ego", max_nodes=300, centre=centre)

        step("view: ego network, depth 2 (warm)", lambda: ego_view(network, typical),
             lambda page: f"{analytics.ego_network(network, typical, 2, 300).graph.get('cut_from', 0):,} nodes before the 300 cut, {len(page) / 1e3:.0f} kB")
        step("view: ego network of the top broker, depth 2 (warm)", lambda: ego_view(network, first_broker),
             lambda page: f"{analytics.ego_network(network, first_broker, 2, 300).graph.get('cut_from', 0):,} nodes before the cut")
        step("view: ego network, depth 2 (cold: extraction included)",
             lambda: ego_view(extract(NetworkKind.coparticipation), typical), lambda page: f"{len(page) / 1e3:.0f} kB")
        graph_store.close()
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)

    print()
    print(f"networks on the synthetic graph (scale {args.scale:g}, seed {args.seed}"
          + (f", {count:,} quads" if count else "") + ")")
    print(f"{'step':<56}{'seconds':>9}  detail")
    for name, seconds, detail in ROWS:
        print(f"{name:<56}{seconds:9.2f}  {detail}")
    print(f"{'total':<56}{statistics.fsum(s for _, s, _ in ROWS):9.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
