"""The SHACL gate for imports: validate an import's own nodes, with what they link to, in chunks.

pySHACL needs about 0.3 ms per triple, so a 500,000-triple import takes minutes. Two things
keep that down without weakening the check:

- **Context, not the store.** The data graph is the import plus the part of the store it
  links to (regions, countries, vocabulary concepts, curated nodes: everything reachable from
  the import's objects) and what other graphs say about the import's own subjects. Only
  results about the import's own subjects count: the rest of the store was checked when it
  entered.
- **Chunks in parallel.** The shapes are local: a result about a node depends on the node's
  triples, the triples that point at it (``sh:inversePath``) and the descriptions of the nodes
  it points to (``sh:class``, ``sh:node``). So the import's subjects are grouped (a node with
  the nodes only it links to: an organisation with its amounts), the groups packed into
  chunks of about :data:`CHUNK_TRIPLES` triples, and each chunk is validated with exactly
  those triples plus the context, in as many processes as there are CPUs. Hubs (nodes linked
  from many others, such as the source document or a programme) go with every chunk that
  links to them.
"""

from __future__ import annotations

import os
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context

import pyoxigraph as ox

CHUNK_TRIPLES = 40_000
_HUB_IN_DEGREE = 50
_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"

_CONTEXT_QUERY = """
SELECT DISTINCT ?s ?import ?catalog ?ontology ?staging WHERE {
  GRAPH ?g { ?s ?p ?o }
  FILTER (?g != ?import && ?g != ?catalog && ?g != ?ontology && !STRSTARTS(STR(?g), STR(?staging)))
}"""


def context_triples(store: ox.Store, triples: list[ox.Triple], skip_graphs: set[str], staging_prefix: str,
                    own_graph: str, catalog: str, ontology: str) -> list[ox.Triple]:
    """What ``triples`` link to in ``store``, transitively, and what other graphs say about their subjects.

    ``rdf:type`` objects are not followed: classes come from the ontology, given to pySHACL apart.
    """
    subjects = {t.subject for t in triples}
    described_elsewhere = {
        row["s"] for row in store.query(_CONTEXT_QUERY, substitutions={
            ox.Variable("import"): ox.NamedNode(own_graph), ox.Variable("catalog"): ox.NamedNode(catalog),
            ox.Variable("ontology"): ox.NamedNode(ontology), ox.Variable("staging"): ox.NamedNode(staging_prefix)},
            use_default_graph_as_union=True)
    }
    frontier = {s for s in subjects if s in described_elsewhere}
    frontier |= {t.object for t in triples
                 if isinstance(t.object, ox.NamedNode) and t.predicate.value != _TYPE and t.object not in subjects}
    seen: set = set()
    context: dict[ox.Triple, None] = {}
    while frontier:
        node = frontier.pop()
        if node in seen:
            continue
        seen.add(node)
        if node not in described_elsewhere:
            continue
        for quad in store.quads_for_pattern(node, None, None, None):
            name = quad.graph_name
            if not isinstance(name, ox.NamedNode) or name.value in skip_graphs or name.value.startswith(staging_prefix):
                continue
            context[quad.triple] = None
            if isinstance(quad.object, ox.NamedNode) and quad.predicate.value != _TYPE and quad.object not in seen:
                frontier.add(quad.object)
    return list(context)


def chunks(triples: list[ox.Triple], size: int = CHUNK_TRIPLES) -> list[tuple[list, list[ox.Triple]]]:
    """(the subjects whose results count, the triples validating them needs) per chunk."""
    by_subject: dict = defaultdict(list)
    by_object: dict = defaultdict(list)
    for t in triples:
        by_subject[t.subject].append(t)
    for t in triples:
        if isinstance(t.object, ox.NamedNode) and t.object in by_subject and t.predicate.value != _TYPE:
            by_object[t.object].append(t)
    hubs = {node for node, links in by_object.items() if len({t.subject for t in links}) > _HUB_IN_DEGREE}
    # Group each node with the non-hub nodes it links to (union-find).
    parent = {s: s for s in by_subject}

    def find(node):
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for t in triples:
        if t.object in parent and t.object not in hubs and t.subject not in hubs and t.predicate.value != _TYPE:
            a, b = find(t.subject), find(t.object)
            if a != b:
                parent[a] = b
    groups: dict = defaultdict(list)
    for subject in sorted(by_subject, key=lambda n: n.value):
        groups[find(subject)].append(subject)
    packed: list[list] = [[]]
    count = 0
    for members in groups.values():
        weight = sum(len(by_subject[m]) for m in members)
        if packed[-1] and count + weight > size:
            packed.append([])
            count = 0
        packed[-1].extend(members)
        count += weight
    result = []
    for members in packed:
        own = set(members)
        data: dict[ox.Triple, None] = {}
        for member in members:
            for t in by_subject[member]:
                data[t] = None
                if isinstance(t.object, ox.NamedNode) and t.object in by_subject and t.object not in own \
                        and t.predicate.value != _TYPE:
                    for u in by_subject[t.object]:
                        data[u] = None
            for t in by_object.get(member, ()):
                data[t] = None
        result.append((members, list(data)))
    return result


# ---------------------------------------------------------------- workers

_worker_context: list = []


def _init_worker(context: list[ox.Triple]) -> None:
    _worker_context[:] = [context]


def _validate_chunk(payload: tuple[list, list[ox.Triple]]) -> list:
    """Validate one chunk with the worker's context; the results about the chunk's own subjects."""
    from ..build import to_rdflib_graph
    from ..shapes import validate_graph
    from ..terms import to_rdflib

    members, data = payload
    context = _worker_context[0] if _worker_context else []
    result = validate_graph(to_rdflib_graph([*data, *context]))
    own = {to_rdflib(m) for m in members}
    return [r for r in result.results if r.focus_node in own]


def validate_triples(triples: list[ox.Triple], context: list[ox.Triple], workers: int | None = None,
                     size: int = CHUNK_TRIPLES, on_chunk=None) -> list:
    """The SHACL results (all severities) about the subjects of ``triples``, sorted like shapes.py does."""
    parts = chunks(triples, size)
    results: list = []
    if len(parts) == 1:
        _init_worker(context)
        results = _validate_chunk(parts[0])
        if on_chunk is not None:
            on_chunk(1)
    else:
        workers = max(1, min(workers or os.cpu_count() or 1, len(parts)))
        with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn"),
                                 initializer=_init_worker, initargs=(context,)) as pool:
            for found in pool.map(_validate_chunk, parts):
                results += found
                if on_chunk is not None:
                    on_chunk(1)
    return sorted(results, key=lambda r: (str(r.focus_node), str(r.path), str(r.component), str(r.value)))
