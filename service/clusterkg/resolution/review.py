"""Reading the resolution back from the store: the review list and one record's organisation."""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox

from ..iris import CKG, VOC
from .records import RESOLUTION_GRAPH, graph_of


_SKOS = "http://www.w3.org/2004/02/skos/core#"

_REVIEW = """
SELECT ?match ?score ?a ?b ?resolution ?outcome WHERE {
  GRAPH ?resolution {
    ?match ckg:outcome ?outcome ; ckg:score ?score ; ckg:record ?a , ?b .
    FILTER (STR(?a) < STR(?b))
  }
} ORDER BY DESC(?score) ?match
"""

_RESOLVED = """
SELECT ?resolved ?member ?resolution ?record WHERE {
  GRAPH ?resolution { ?resolved skos:exactMatch ?record , ?member }
}"""

_MATCHES_OF = """
SELECT ?match ?score ?outcome ?other ?resolution ?record WHERE {
  GRAPH ?resolution { ?match ckg:record ?record , ?other ; ckg:score ?score ; ckg:outcome ?outcome . FILTER (?other != ?record) }
} ORDER BY DESC(?score)"""

_PREFIXES = {"ckg": str(CKG), "skos": _SKOS}
# (pyoxigraph substitutes only variables of the projection: the bound ones are selected too)


@dataclass
class ReviewedPair:
    """A pair for review (or any kept pair): score, the two records and their labels, the features."""

    match: str
    score: float
    left: str
    right: str
    left_label: str = ""
    right_label: str = ""
    outcome: str = ""
    features: list[tuple[str, str, float]] = field(default_factory=list)

    def explain(self) -> str:
        return "; ".join(f"{name}={value} ({weight:+.1f})" for name, value, weight in self.features)


def label_of(store: ox.Store, iri: str) -> str:
    """A record's English preferred label (or any label), outside the resolution graph."""
    best = ""
    for quad in store.quads_for_pattern(ox.NamedNode(iri), ox.NamedNode(_SKOS + "prefLabel"), None, None):
        if graph_of(quad) == RESOLUTION_GRAPH or not isinstance(quad.object, ox.Literal):
            continue
        if quad.object.language == "en" or not best:
            best = quad.object.value
    return best or iri


def features_of(store: ox.Store, match: str) -> list[tuple[str, str, float]]:
    graph = ox.NamedNode(RESOLUTION_GRAPH)
    out = []
    nodes = [q.object for q in store.quads_for_pattern(ox.NamedNode(match), ox.NamedNode(str(CKG.feature)), None, graph)]
    for node in sorted(nodes, key=lambda n: int(n.value.rsplit("-f", 1)[1])):
        values = {q.predicate.value: q.object.value for q in store.quads_for_pattern(node, None, None, graph)}
        out.append((values.get(str(CKG.featureName), ""), values.get(str(CKG.featureValue), ""),
                    float(values.get(str(CKG.weight), 0))))
    return out


def review_pairs(store: ox.Store, limit: int | None = None, outcome=VOC["match-review"]) -> list[ReviewedPair]:
    """Pairs with ``outcome`` (for review by default), highest score first, with labels and features."""
    rows = store.query(_REVIEW, prefixes=_PREFIXES, substitutions={
        ox.Variable("resolution"): ox.NamedNode(RESOLUTION_GRAPH), ox.Variable("outcome"): ox.NamedNode(str(outcome))})
    pairs = []
    for row in rows:
        if limit is not None and len(pairs) >= limit:
            break
        pair = ReviewedPair(row["match"].value, float(row["score"].value), row["a"].value, row["b"].value,
                            outcome=str(outcome))
        pair.left_label, pair.right_label = label_of(store, pair.left), label_of(store, pair.right)
        pair.features = features_of(store, pair.match)
        pairs.append(pair)
    return pairs


def organisation_of(store: ox.Store, record: str) -> tuple[str | None, list[str], list[ReviewedPair]]:
    """The resolved organisation of ``record`` (or None), its records, and the record's kept pairs."""
    subs = {ox.Variable("resolution"): ox.NamedNode(RESOLUTION_GRAPH), ox.Variable("record"): ox.NamedNode(record)}
    resolved, members = None, []
    for row in store.query(_RESOLVED, prefixes=_PREFIXES, substitutions=subs):
        resolved = row["resolved"].value
        members.append(row["member"].value)
    pairs = []
    for row in store.query(_MATCHES_OF, prefixes=_PREFIXES, substitutions=subs):
        other = row["other"].value
        pair = ReviewedPair(row["match"].value, float(row["score"].value), record, other,
                            label_of(store, record), label_of(store, other), row["outcome"].value)
        pair.features = features_of(store, pair.match)
        pairs.append(pair)
    return resolved, sorted(set(members)), pairs
