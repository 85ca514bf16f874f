"""Property tests (Hypothesis): no parameter value, however hostile, changes the structure of a query.

Catalogue parameters are bound as RDF terms (pyoxigraph substitutions), never pasted into the
text. The properties, over any text and a list of classic injection payloads:

- ``bind`` either refuses a value with ``ParameterError`` or makes a term of the parameter's
  kind, and a string becomes a literal of exactly that string (no escaping, no truncation);
- the query, evaluated with those bindings, never fails to parse, and every row carries the
  bound term in the parameter's variable (pyoxigraph substitutes projected variables): a
  payload that closed a string or a group would return rows with other values there;
- a payload searched for by ``label_search`` finds nothing, since no label contains it (had
  it opened a UNION, every label would come back).

Search: for any text, type and limit, the label index never raises, returns at most ``limit``
hits, only IRIs it holds, only instances of the type asked for, and the same hits twice.
"""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clusterkg.catalogue import ParameterError, load_catalogue
from clusterkg.search import LabelIndex
from clusterkg.store import GraphStore

PAYLOADS = [
    '" } UNION { ?entity ?property ?label } #',
    "') } ; DROP ALL ; #",
    '"""',
    '\\" } } SELECT * WHERE { ?s ?p ?o } #',
    "> } ?s ?p ?o . <http://e/",
    "<http://e/x> } UNION { ?s ?p ?o",
    "?entity",
    "$q",
    "\n}\n",
    "\\u0022 } #",
    '"@en } #',
    "%22%20%7D",
    "\x00",
]
TEXT = st.one_of(
    st.text(max_size=80),
    st.sampled_from(PAYLOADS),
    st.builds(lambda a, b, c: a + b + c, st.text(max_size=10), st.sampled_from(PAYLOADS), st.text(max_size=10)),
)
QUERIES = {q.name: q for q in load_catalogue()}
PARAMETERS = [(q.name, p.name) for q in QUERIES.values() for p in q.parameters]
NAMED_NODE_TYPES = {"iri", "nuts", "country"}

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)


def _rows(store: GraphStore, sparql: str, bindings: dict) -> list:
    return list(store.query(sparql, bindings))


@SETTINGS
@given(value=TEXT)
def test_a_string_is_bound_as_exactly_that_literal(graph_store: GraphStore, value: str) -> None:
    query = QUERIES["label_search"]
    try:
        bindings = query.bind({"q": value})
    except ParameterError:
        assert value == "" or len(value) > 1000 or "\x00" in value
        return
    assert bindings == {"q": ox.Literal(value)}
    rows = _rows(graph_store, query.sparql, bindings)
    assert all(row["q"] == ox.Literal(value) for row in rows)
    if value in PAYLOADS:
        assert rows == []


@SETTINGS
@given(choice=st.sampled_from(PARAMETERS), value=TEXT)
def test_no_value_changes_a_catalogue_query(graph_store: GraphStore, choice: tuple[str, str], value: str) -> None:
    query = QUERIES[choice[0]]
    parameter = query.parameter(choice[1])
    try:
        bindings = query.bind({parameter.name: value})
    except ParameterError as error:
        assert parameter.name in str(error)
        return
    term = bindings.get(parameter.name)
    if value == "":  # an empty value counts as not given: the default, or unbound
        assert term is None or parameter.default is not None
    elif parameter.type in NAMED_NODE_TYPES:
        assert isinstance(term, ox.NamedNode)
    else:
        assert isinstance(term, ox.Literal)
        if parameter.type == "string":
            assert term.value == value
    # The bound query parses and runs; every row has the parameter's variable bound to the term.
    for row in _rows(graph_store, query.sparql, bindings):
        assert term is None or row[parameter.name] in (term, None)


@pytest.fixture(scope="module")
def label_index(graph_store: GraphStore) -> LabelIndex:
    labels = graph_store.query("""
        SELECT ?s ?p ?label WHERE {
          VALUES ?p { <http://www.w3.org/2004/02/skos/core#prefLabel> <http://www.w3.org/2004/02/skos/core#altLabel>
                      <https://w3id.org/clusterkg/ontology#acronym> <http://www.w3.org/2000/01/rdf-schema#label> }
          ?s ?p ?label FILTER(ISLITERAL(?label)) }""")
    types = graph_store.query("SELECT ?s ?t WHERE { ?s a ?t FILTER(ISIRI(?s)) }")
    subclasses = graph_store.query(
        "SELECT ?sub ?super WHERE { ?sub <http://www.w3.org/2000/01/rdf-schema#subClassOf> ?super FILTER(ISIRI(?super)) }")
    return LabelIndex.from_rows(
        ((r["s"].value, r["p"].value, r["label"].value, r["label"].language or "") for r in labels),
        ((r["s"].value, r["t"].value) for r in types),
        ((r["sub"].value, r["super"].value) for r in subclasses),
    )


CLASSES = st.sampled_from([
    None,
    "https://w3id.org/clusterkg/ontology#ClusterOrganisation",
    "http://www.w3.org/ns/org#Organization",
    "https://w3id.org/clusterkg/ontology#Region",
    "https://w3id.org/clusterkg/ontology#NoSuchClass",
])


@settings(max_examples=200, deadline=None, derandomize=True)
@given(q=TEXT, limit=st.integers(min_value=-5, max_value=60), type_iri=st.one_of(CLASSES, st.text(max_size=20)))
def test_search_returns_only_what_the_index_holds(label_index: LabelIndex, q: str, limit: int, type_iri) -> None:
    hits = label_index.search(q, limit=limit, type_iri=type_iri)
    assert len(hits) <= max(limit, 0)
    for hit in hits:
        assert hit.iri in label_index.by_iri
        assert 0 < hit.score <= 1
        if type_iri is not None:
            assert type_iri in label_index.types_of(hit.iri)
    assert label_index.search(q, limit=limit, type_iri=type_iri) == hits
