"""Benchmark: build of the curated graph plus NUTS, and a handful of queries.

Figures are ratios measured in one run on one machine: the project's build against a raw
pyoxigraph bulk load of the same quads (the limit), and each query through the project's
store interface against the same query on raw pyoxigraph in-process.

    .venv/bin/python bench/run.py [--repeat N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox

from clusterkg.build import build, default_sources, read_sources
from clusterkg.iris import sparql_prefixes
from clusterkg.store import GraphStore

QUERIES = {
    "clusters per NUTS-1 (roll-up)": """
        SELECT ?cluster ?region WHERE {
          ?cluster a ckg:ClusterOrganisation ; ckg:locatedIn ?region .
          ?region skos:broader* nuts:ITF .
        }""",
    "regions per level": "SELECT ?level (COUNT(*) AS ?n) WHERE { ?r ckg:nutsLevel ?level } GROUP BY ?level",
    "label search": """
        SELECT ?s ?label WHERE { ?s skos:prefLabel|skos:altLabel ?label .
          FILTER(CONTAINS(LCASE(STR(?label)), "puglia")) }""",
    "sources of an entity": """
        SELECT DISTINCT ?doc WHERE { GRAPH ?g { <https://w3id.org/clusterkg/id/organisation/apulia-creative-cluster-association> ?p ?o }
          ?g <http://www.w3.org/ns/prov#wasDerivedFrom> ?doc }""",
    "amounts by fund": """
        SELECT ?fund (SUM(?v) AS ?total) WHERE { ?a schema:value ?v ; ckg:fund ?fund } GROUP BY ?fund""",
}


def timed(function, repeat: int) -> list[float]:
    """Wall-clock seconds of ``repeat`` calls."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20, help="runs per query (default 20)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="clusterkg-bench-"))

    started = time.perf_counter()
    report = build(work / "store")
    build_seconds = time.perf_counter() - started

    sources = default_sources()
    loaded = read_sources(sources, lambda _: None)
    quads = [ox.Quad(t.subject, t.predicate, t.object, s.graph) for s in sources for t in loaded[s.name]]
    raw = ox.Store(str(work / "raw"))
    started = time.perf_counter()
    raw.bulk_extend(quads)
    raw.flush()
    raw_seconds = time.perf_counter() - started

    print(f"build: {report.triples:,} triples in {build_seconds:.2f} s "
          f"(read {report.seconds['read']:.2f}, validate {report.seconds['validate']:.2f}, write {report.seconds['write']:.2f})")
    print(f"raw pyoxigraph bulk load of the same quads: {raw_seconds:.3f} s "
          f"-> build throughput {report.triples / build_seconds:,.0f} triples/s, "
          f"raw {len(quads) / raw_seconds:,.0f} triples/s")
    store = GraphStore.open_existing(work / "store", read_only=True)
    print(f"\n{'query':34} {'clusterkg p50 ms':>17} {'raw p50 ms':>11} {'ratio':>6}")
    for name, body in QUERIES.items():
        text = sparql_prefixes() + body
        ours = timed(lambda: list(store.query(text)), args.repeat)
        theirs = timed(lambda: list(raw.query(text, use_default_graph_as_union=True)), args.repeat)
        p50, raw_p50 = statistics.median(ours) * 1000, statistics.median(theirs) * 1000
        print(f"{name:34} {p50:17.2f} {raw_p50:11.2f} {p50 / raw_p50:6.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
