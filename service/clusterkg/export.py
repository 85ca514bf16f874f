"""Full dumps of the store: N-Quads keeps the named graphs; Turtle and JSON-LD merge them.

Every dump carries the DCAT/VoID description of the dataset, which the build writes into
the graph ``catalog``.
"""

from __future__ import annotations

import pyoxigraph as ox

from .iris import PREFIXES
from .store import GraphStore

MEDIA_TYPES = {
    "nq": "application/n-quads",
    "ttl": "text/turtle",
    "jsonld": "application/ld+json",
}


def export_store(store: GraphStore, format: str) -> bytes:
    """The whole graph in ``format`` (nq, ttl or jsonld), from either store backend."""
    if format == "nq":
        return store.dump(None, ox.RdfFormat.N_QUADS)
    if format == "jsonld":
        return store.dump(None, ox.RdfFormat.JSON_LD)
    triples = store.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")
    if format == "ttl":
        return ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=PREFIXES)
    raise ValueError(f"unknown export format {format!r}: use nq, ttl or jsonld")
