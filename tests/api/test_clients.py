"""Real clients work unchanged against the running server: SPARQLWrapper, rdflib's SPARQLStore, curl.

Every assertion is on a value from the curated data: the Apulian cluster association's labels.
"""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
import warnings
from urllib.parse import urlencode

import httpx
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import SKOS
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, JSON, JSONLD, N3, POST, POSTDIRECTLY, RDFXML, TSV, TURTLE, URLENCODED, XML, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

from .conftest import Server

APULIA = URIRef("https://w3id.org/clusterkg/id/organisation/apulia-creative-cluster-association")
NAME = "Apulia Creative Cluster Association"
PREFIXES = "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
LABEL_QUERY = PREFIXES + f"SELECT ?l WHERE {{ <{APULIA}> skos:prefLabel ?l }}"
LABEL_ASK = PREFIXES + f'ASK {{ <{APULIA}> skos:prefLabel "{NAME}"@en }}'
DESCRIBE_QUERY = PREFIXES + f"CONSTRUCT {{ <{APULIA}> ?p ?o }} WHERE {{ <{APULIA}> ?p ?o }}"
LABEL_TRIPLE = (APULIA, SKOS.prefLabel, Literal(NAME, lang="en"))


def wrapper(server: Server, query: str, return_format: str, method: str = "GET", request_method: str = URLENCODED) -> SPARQLWrapper:
    client = SPARQLWrapper(server.endpoint)
    client.setQuery(query)
    client.setReturnFormat(return_format)
    client.setMethod(method)
    client.setRequestMethod(request_method)
    return client


METHODS = [("GET", URLENCODED), (POST, URLENCODED), (POST, POSTDIRECTLY)]


# --- SPARQLWrapper: every result format ------------------------------------------------------


@pytest.mark.parametrize(("method", "request_method"), METHODS)
def test_sparqlwrapper_select_json(server: Server, method: str, request_method: str) -> None:
    result = wrapper(server, LABEL_QUERY, JSON, method, request_method).query()
    assert result.response.headers["Content-Type"] == "application/sparql-results+json"
    bindings = result.convert()["results"]["bindings"]
    assert {"type": "literal", "value": NAME, "xml:lang": "en"} in [b["l"] for b in bindings]


def test_sparqlwrapper_select_xml(server: Server) -> None:
    document = wrapper(server, LABEL_QUERY, XML).query().convert()  # an xml.dom.minidom Document
    literals = [(node.firstChild.data, node.getAttribute("xml:lang")) for node in document.getElementsByTagName("literal")]
    assert (NAME, "en") in literals


def test_sparqlwrapper_select_csv(server: Server) -> None:
    text = wrapper(server, LABEL_QUERY, CSV).query().convert().decode("utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["l"] and [NAME] in rows[1:]


def test_sparqlwrapper_select_tsv(server: Server) -> None:
    text = wrapper(server, LABEL_QUERY, TSV).query().convert().decode("utf-8")
    lines = text.splitlines()
    assert lines[0] == "?l" and f'"{NAME}"@en' in lines[1:]


@pytest.mark.parametrize("return_format", [JSON, XML])
def test_sparqlwrapper_ask(server: Server, return_format: str) -> None:
    result = wrapper(server, LABEL_ASK, return_format).query().convert()
    if return_format == JSON:
        assert result["boolean"] is True
    else:
        assert result.getElementsByTagName("boolean")[0].firstChild.data == "true"


@pytest.mark.parametrize(("return_format", "content_type"), [(TURTLE, "text/turtle"), (N3, "text/turtle")])
def test_sparqlwrapper_construct_turtle(server: Server, return_format: str, content_type: str) -> None:
    result = wrapper(server, DESCRIBE_QUERY, return_format).query()
    assert result.response.headers["Content-Type"].startswith(content_type)
    graph = Graph().parse(data=result.convert(), format="turtle")
    assert LABEL_TRIPLE in graph


@pytest.mark.parametrize(("method", "request_method"), METHODS)
def test_sparqlwrapper_construct_rdfxml(server: Server, method: str, request_method: str) -> None:
    graph = wrapper(server, DESCRIBE_QUERY, RDFXML, method, request_method).query().convert()  # parsed by rdflib
    assert LABEL_TRIPLE in graph


def test_sparqlwrapper_construct_jsonld(server: Server) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # rdflib's JSON-LD parser uses ConjunctiveGraph
        graph = wrapper(server, DESCRIBE_QUERY, JSONLD).query().convert()
    assert LABEL_TRIPLE in graph


def test_sparqlwrapper_construct_ntriples(server: Server) -> None:
    client = wrapper(server, DESCRIBE_QUERY, N3)
    client.addCustomHttpHeader("Accept", "application/n-triples")  # SPARQLWrapper has no N-Triples format name
    result = client.query()
    assert result.response.headers["Content-Type"] == "application/n-triples"
    assert LABEL_TRIPLE in Graph().parse(data=result.convert(), format="nt")


def test_sparqlwrapper_describe(server: Server) -> None:
    graph = Graph().parse(data=wrapper(server, f"DESCRIBE <{APULIA}>", TURTLE).query().convert(), format="turtle")
    assert LABEL_TRIPLE in graph


def test_sparqlwrapper_reports_a_syntax_error(server: Server) -> None:
    with pytest.raises(QueryBadFormed, match="syntax error"):
        wrapper(server, "SELECT * WHERE { ?s ?p }", JSON).query()


# --- rdflib's SPARQLStore ---------------------------------------------------------------------


@pytest.mark.parametrize(("return_format", "method"), [("xml", "GET"), ("json", "GET"), ("json", "POST"), ("xml", "POST_FORM")])
def test_rdflib_sparqlstore_query(server: Server, return_format: str, method: str) -> None:
    graph = Graph(store=SPARQLStore(server.endpoint, returnFormat=return_format, method=method))
    rows = list(graph.query(LABEL_QUERY))
    assert Literal(NAME, lang="en") in [row.l for row in rows]
    assert graph.query(LABEL_ASK).askAnswer is True


def test_rdflib_sparqlstore_graph_api(server: Server) -> None:
    graph = Graph(store=SPARQLStore(server.endpoint))
    assert Literal(NAME, lang="en") in set(graph.objects(APULIA, SKOS.prefLabel))
    assert LABEL_TRIPLE in graph
    labels = {str(o) for o in graph.objects(APULIA, SKOS.prefLabel)}
    assert NAME in labels


def test_rdflib_sparqlstore_construct(server: Server) -> None:
    graph = Graph(store=SPARQLStore(server.endpoint))
    assert LABEL_TRIPLE in graph.query(DESCRIBE_QUERY).graph


def test_rdflib_sparqlstore_cluster_labels(server: Server) -> None:
    """The labels of every cluster, through rdflib's graph API over HTTP."""
    graph = Graph(store=SPARQLStore(server.endpoint, returnFormat="json"))
    query = PREFIXES + """
        PREFIX ckg: <https://w3id.org/clusterkg/ontology#>
        SELECT DISTINCT ?cluster ?label WHERE {
          ?cluster a ckg:ClusterOrganisation ; skos:prefLabel ?label .
          FILTER(LANG(?label) = "en")
        }"""
    labels = {str(row.label) for row in graph.query(query)}
    assert NAME in labels, sorted(labels)[:10]


# --- raw HTTP, as curl sends it ---------------------------------------------------------------


def test_raw_httpx_requests(server: Server) -> None:
    with httpx.Client(base_url=server.url) as client:
        get = client.get("/sparql", params={"query": LABEL_QUERY}, headers={"accept": "text/csv"})
        assert NAME in get.text
        form = client.post("/sparql", content=urlencode({"query": LABEL_QUERY}).encode(),
                           headers={"content-type": "application/x-www-form-urlencoded"})
        assert NAME in form.text
        direct = client.post("/sparql", content=LABEL_ASK.encode(), headers={"content-type": "application/sparql-query"})
        assert direct.json()["boolean"] is True


@pytest.mark.skipif(shutil.which("curl") is None, reason="needs the curl command")
def test_curl(server: Server) -> None:
    def curl(*arguments: str) -> str:
        done = subprocess.run(["curl", "-sS", "--fail-with-body", *arguments], capture_output=True, text=True, timeout=30)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    assert NAME in curl("-G", server.endpoint, "--data-urlencode", f"query={LABEL_QUERY}", "-H", "Accept: text/csv")
    assert NAME in curl(server.endpoint, "--data-urlencode", f"query={LABEL_QUERY}")
    assert '"boolean":true' in curl(server.endpoint, "-H", "Content-Type: application/sparql-query", "--data-binary", LABEL_ASK)
    assert "sd:Service" in curl(server.endpoint)
    turtle = curl("-H", "Accept: text/turtle", "--data-urlencode", f"query={DESCRIBE_QUERY}", server.endpoint)
    assert LABEL_TRIPLE in Graph().parse(data=turtle, format="turtle")
