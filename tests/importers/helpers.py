"""Helpers of the importer tests: the worked example's files, store dumps, queries."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from clusterkg.store import GraphStore

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
EXAMPLE_MAPPING = FIXTURES / "national-clusters.yaml"
EXAMPLE_CSV = FIXTURES / "national-clusters.csv"


def dump(store_path: Path) -> list[str]:
    """Every quad of the store as sorted N-Quads lines: two stores are equal when these are."""
    graph_store = GraphStore(store_path, read_only=True)
    try:
        data = graph_store.oxigraph.dump(format=ox.RdfFormat.N_QUADS)
    finally:
        graph_store.close()
    return sorted(data.decode().splitlines())


def select(store_path: Path, sparql: str) -> list[dict[str, str]]:
    """Rows of a SELECT over the store (union of its graphs), values as text."""
    from clusterkg.iris import sparql_prefixes

    graph_store = GraphStore(store_path, read_only=True)
    try:
        rows = graph_store.query(sparql_prefixes() + "\n" + sparql)
        names = [v.value for v in rows.variables]
        return [{n: row[n].value for n in names if row[n] is not None} for row in rows]
    finally:
        graph_store.close()


def in_memory(triples: list[ox.Triple]) -> ox.Store:
    """An in-memory store of ``triples``, to query a mapping's output without the pipeline."""
    memory = ox.Store()
    memory.extend(ox.Quad(t.subject, t.predicate, t.object) for t in triples)
    return memory


def query(memory: ox.Store, sparql: str) -> list[dict[str, str]]:
    from clusterkg.iris import sparql_prefixes

    rows = memory.query(sparql_prefixes() + "\n" + sparql)
    names = [v.value for v in rows.variables]
    return [{n: row[n].value for n in names if row[n] is not None} for row in rows]
