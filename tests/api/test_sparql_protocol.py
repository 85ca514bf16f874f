"""The SPARQL 1.1 Protocol over real HTTP: methods, dataset, status codes, formats, limits.

Section numbers are those of https://www.w3.org/TR/sparql11-protocol/.
"""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pyoxigraph as ox
import pytest
from rdflib import Dataset, Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, SKOS, VOID

from .conftest import MAX_RESULTS, TIME_LIMIT, Server

APULIA = "https://w3id.org/clusterkg/id/organisation/apulia-creative-cluster-association"
LABEL_QUERY = f"SELECT ?l WHERE {{ <{APULIA}> <{SKOS.prefLabel}> ?l }}"
LABEL_ASK = f'ASK {{ <{APULIA}> <{SKOS.prefLabel}> "Apulia Creative Cluster Association"@en }}'
DESCRIBE_APULIA = f"CONSTRUCT {{ <{APULIA}> ?p ?o }} WHERE {{ <{APULIA}> ?p ?o }}"
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
JSON_RESULTS = "application/sparql-results+json"
FORM = "application/x-www-form-urlencoded"
PROBLEM = "application/problem+json"


def labels(response: httpx.Response) -> set[tuple[str, str | None]]:
    """(value, language) of ?l in SPARQL JSON results."""
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(JSON_RESULTS)
    return {(b["l"]["value"], b["l"].get("xml:lang")) for b in response.json()["results"]["bindings"]}


def problem(response: httpx.Response, status: int) -> dict:
    """The problem document of a failed request, checked for its status and shape (RFC 9457)."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert body["status"] == status and body["title"] and body["detail"] and body["type"]
    return body


# --- §2.1.1-2.1.3: the three ways to send a query -------------------------------------------


def test_query_via_get(server: Server) -> None:
    response = httpx.get(server.endpoint, params={"query": LABEL_QUERY})
    assert ("Apulia Creative Cluster Association", "en") in labels(response)
    assert response.headers["vary"] == "Accept"


def test_query_via_urlencoded_post(server: Server) -> None:
    response = httpx.post(server.endpoint, data={"query": LABEL_QUERY})
    assert ("Apulia Creative Cluster Association", "en") in labels(response)


def test_query_via_post_directly(server: Server) -> None:
    for content_type in ("application/sparql-query", "application/sparql-query; charset=UTF-8"):
        response = httpx.post(server.endpoint, content=LABEL_QUERY.encode(), headers={"content-type": content_type})
        assert ("Apulia Creative Cluster Association", "en") in labels(response)


def test_non_ascii_query_text(server: Server) -> None:
    query = 'SELECT ?l WHERE { BIND("Città — Zürich ✓"@it AS ?l) }'
    for response in (
        httpx.get(server.endpoint, params={"query": query}),
        httpx.post(server.endpoint, content=query.encode("utf-8"), headers={"content-type": "application/sparql-query"}),
    ):
        assert labels(response) == {("Città — Zürich ✓", "it")}


def test_non_utf8_is_refused(server: Server) -> None:
    latin1 = 'ASK { ?s ?p "Città" }'.encode("latin-1")
    problem(httpx.post(server.endpoint, content=latin1, headers={"content-type": "application/sparql-query"}), 400)
    utf16 = "ASK {}".encode("utf-16")
    body = problem(
        httpx.post(server.endpoint, content=utf16, headers={"content-type": "application/sparql-query; charset=UTF-16"}), 400
    )
    assert "UTF-8" in body["detail"]
    problem(httpx.get(server.endpoint + "?query=ASK%20%7B%20%3Fs%20%3Fp%20%22%E0%22%20%7D"), 400)
    problem(httpx.post(server.endpoint, content=b"query=ASK%20%7B%E0%7D", headers={"content-type": FORM}), 400)


def test_missing_and_multiple_queries(server: Server) -> None:
    assert "no query" in problem(httpx.post(server.endpoint, data={"default-graph-uri": APULIA}), 400)["detail"]
    assert "no query" in problem(httpx.get(server.endpoint, params={"named-graph-uri": APULIA}), 400)["detail"]
    problem(httpx.get(server.endpoint + "?query=ASK%7B%7D&query=ASK%7B%7D"), 400)
    problem(httpx.post(server.endpoint + "?query=ASK%7B%7D", data={"query": "ASK {}"}), 400)
    problem(
        httpx.post(server.endpoint + "?query=ASK%7B%7D", content=b"ASK {}", headers={"content-type": "application/sparql-query"}),
        400,
    )


def test_unsupported_content_type_and_method(server: Server) -> None:
    problem(httpx.post(server.endpoint, content=b"ASK {}", headers={"content-type": "text/plain"}), 415)
    problem(httpx.post(server.endpoint, content=b"query=ASK%20%7B%7D"), 415)  # no Content-Type at all
    assert httpx.put(server.endpoint, params={"query": "ASK {}"}).status_code == 405


def test_query_text_over_a_megabyte_is_refused(server: Server) -> None:
    query = "ASK {}" + " " * 1_000_001
    problem(httpx.post(server.endpoint, content=query.encode(), headers={"content-type": "application/sparql-query"}), 413)


def test_syntax_error_gives_the_parser_message_and_position(server: Server) -> None:
    body = problem(httpx.get(server.endpoint, params={"query": "SELECT * WHERE {\n  ?s ?p\n}"}), 400)
    assert body["title"] == "SPARQL syntax error"
    assert body["line"] == 3  # the closing brace, where an object was expected
    assert f"{body['line']}:{body['column']}" in body["detail"]


def test_problem_as_text_for_clients_that_want_text(server: Server) -> None:
    response = httpx.post(server.endpoint, content=b"ASK {}", headers={"content-type": "text/plain", "accept": "text/plain"})
    assert response.status_code == 415
    assert response.headers["content-type"].startswith("text/plain")
    assert "application/sparql-query" in response.text


# --- §2.1.4: the dataset ----------------------------------------------------------------------


def _graph_holding_apulia(server: Server) -> tuple[str, str]:
    query = f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ <{APULIA}> ?p ?o }} }}"
    holding = {b["g"]["value"] for b in httpx.get(server.endpoint, params={"query": query}).json()["results"]["bindings"]}
    every = {
        b["g"]["value"]
        for b in httpx.get(server.endpoint, params={"query": "SELECT DISTINCT ?g WHERE { GRAPH ?g {} }"}).json()["results"]["bindings"]
    }
    return sorted(holding)[0], sorted(every - holding)[0]


def _ask(server: Server, query: str, **parameters: object) -> bool:
    response = httpx.get(server.endpoint, params={"query": query, **parameters})
    assert response.status_code == 200, response.text
    return response.json()["boolean"]


def test_default_graph_is_the_union_unless_the_request_names_graphs(server: Server) -> None:
    holding, other = _graph_holding_apulia(server)
    assert _ask(server, LABEL_ASK)
    assert _ask(server, LABEL_ASK, **{"default-graph-uri": holding})
    assert not _ask(server, LABEL_ASK, **{"default-graph-uri": other})
    assert _ask(server, LABEL_ASK, **{"default-graph-uri": [other, holding]})  # repeatable: their merge
    # POST form: the dataset parameters may be in the body or in the URL.
    response = httpx.post(server.endpoint, data={"query": LABEL_ASK, "default-graph-uri": other})
    assert response.json()["boolean"] is False


def test_named_graph_uri(server: Server) -> None:
    holding, other = _graph_holding_apulia(server)
    query = "SELECT DISTINCT ?g WHERE { GRAPH ?g { } }"
    response = httpx.post(
        server.endpoint + "?" + urlencode({"named-graph-uri": [holding, other]}, doseq=True),
        content=query.encode(),
        headers={"content-type": "application/sparql-query"},
    )
    assert {b["g"]["value"] for b in response.json()["results"]["bindings"]} == {holding, other}
    # With only named graphs given, the default graph is empty (§2.1.4: the request's dataset).
    assert not _ask(server, LABEL_ASK, **{"named-graph-uri": holding})


def test_query_dataset_applies_and_the_protocol_dataset_overrides_it(server: Server) -> None:
    holding, other = _graph_holding_apulia(server)
    ask_from = f"ASK FROM <{holding}> {{ <{APULIA}> <{SKOS.prefLabel}> ?l }}"
    assert _ask(server, ask_from)
    assert not _ask(server, ask_from.replace(holding, other))
    assert not _ask(server, ask_from, **{"default-graph-uri": other})


def test_invalid_graph_iri(server: Server) -> None:
    problem(httpx.get(server.endpoint, params={"query": "ASK {}", "default-graph-uri": "not an iri"}), 400)


# --- §2.1.5-2.1.6: response formats ---------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "content_type", "marker"),
    [
        ("application/sparql-results+json", "application/sparql-results+json", b'"xml:lang":"en"'),
        ("application/sparql-results+xml", "application/sparql-results+xml", b'xml:lang="en"'),
        ("text/csv", "text/csv; charset=utf-8", b"Apulia Creative Cluster Association\r\n"),
        ("text/tab-separated-values", "text/tab-separated-values; charset=utf-8", b'"Apulia Creative Cluster Association"@en'),
    ],
)
def test_select_formats(server: Server, accept: str, content_type: str, marker: bytes) -> None:
    response = httpx.get(server.endpoint, params={"query": LABEL_QUERY}, headers={"accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"] == content_type
    assert marker in response.content


@pytest.mark.parametrize(
    ("accept", "content_type", "rdflib_format"),
    [
        (None, "text/turtle; charset=utf-8", "turtle"),
        ("text/turtle", "text/turtle; charset=utf-8", "turtle"),
        ("application/n-triples", "application/n-triples", "nt"),
        ("application/ld+json", "application/ld+json", "json-ld"),
        ("application/rdf+xml", "application/rdf+xml", "xml"),
        ("application/n-quads", "application/n-quads", "nquads"),
    ],
)
def test_construct_formats_are_the_same_graph(server: Server, accept: str | None, content_type: str, rdflib_format: str) -> None:
    headers = {"accept": accept} if accept else {}
    response = httpx.post(server.endpoint, data={"query": DESCRIBE_APULIA}, headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == content_type
    reference = httpx.post(server.endpoint, data={"query": DESCRIBE_APULIA}, headers={"accept": "application/n-triples"})
    expected = Graph().parse(data=reference.content, format="nt")
    if rdflib_format == "nquads":
        graph = Graph()
        for triple in Dataset().parse(data=response.content, format="nquads").triples((None, None, None)):
            graph.add(triple)
    else:
        graph = Graph().parse(data=response.content, format=rdflib_format)
    assert len(graph) > 3
    assert (URIRef(APULIA), SKOS.prefLabel, Literal("Apulia Creative Cluster Association", lang="en")) in graph
    assert isomorphic(graph, expected)


def test_describe(server: Server) -> None:
    response = httpx.get(server.endpoint, params={"query": f"DESCRIBE <{APULIA}>"})
    graph = Graph().parse(data=response.content, format="turtle")
    assert (URIRef(APULIA), SKOS.prefLabel, Literal("Apulia Creative Cluster Association", lang="en")) in graph


def test_ask_formats(server: Server) -> None:
    xml = httpx.get(server.endpoint, params={"query": LABEL_ASK}, headers={"accept": "application/sparql-results+xml"})
    assert xml.headers["content-type"] == "application/sparql-results+xml"
    assert b"<boolean>true</boolean>" in xml.content
    assert httpx.get(server.endpoint, params={"query": LABEL_ASK}).json() == {"head": {}, "boolean": True}


def test_unacceptable_formats(server: Server) -> None:
    problem(httpx.get(server.endpoint, params={"query": LABEL_QUERY}, headers={"accept": "application/rdf+xml"}), 406)
    # A CONSTRUCT asked for as CSV is refused, not answered in Turtle.
    problem(httpx.get(server.endpoint, params={"query": DESCRIBE_APULIA}, headers={"accept": "text/csv"}), 406)
    problem(httpx.get(server.endpoint, params={"query": LABEL_QUERY}, headers={"accept": "text/csv;q=2"}), 400)


# --- §3: policy — read-only, federation, limits ---------------------------------------------


def test_update_is_refused(server: Server) -> None:
    update = "INSERT DATA { <http://example.org/s> <http://example.org/p> 1 }"
    for response in (
        httpx.post(server.endpoint, content=update.encode(), headers={"content-type": "application/sparql-update"}),
        httpx.post(server.endpoint, data={"update": update}),
        httpx.get(server.endpoint, params={"update": update}),
        httpx.post(server.endpoint, data={"query": update}),  # an update sent as a query
    ):
        assert "read-only" in problem(response, 403)["detail"]
    assert not _ask(server, "ASK { <http://example.org/s> ?p ?o }")


def test_federation_is_refused_unless_allow_listed(server: Server) -> None:
    refused = [
        "SELECT * WHERE { SERVICE <http://127.0.0.1:1/sparql> { ?s ?p ?o } }",
        "SELECT * WHERE { SERVICE SILENT <https://query.wikidata.org/sparql> { ?s ?p ?o } }",
        "SELECT * WHERE { VALUES ?e { <http://127.0.0.1:1/> } SERVICE ?e { ?s ?p ?o } }",
        "PREFIX w: <https://query.wikidata.org/> SELECT * WHERE { SERVICE w:sparql { ?s ?p ?o } }",
    ]
    for query in refused:
        assert problem(httpx.post(server.endpoint, data={"query": query}), 403)["title"] == "Federated query refused"
    # The word SERVICE in a literal is not federation.
    response = httpx.post(server.endpoint, data={"query": 'SELECT ?l WHERE { BIND("SERVICE <http://x/> {}" AS ?l) }'})
    assert labels(response) == {("SERVICE <http://x/> {}", None)}


def test_allow_listed_federation_works(server: Server) -> None:
    # The test server allow-lists its own endpoint; pyoxigraph's SERVICE client calls it over HTTP.
    query = f"SELECT ?l WHERE {{ SERVICE <{server.endpoint}> {{ <{APULIA}> <{SKOS.prefLabel}> ?l }} }}"
    assert ("Apulia Creative Cluster Association", "en") in labels(httpx.post(server.endpoint, data={"query": query}, timeout=30))


def test_result_limit(server: Server) -> None:
    started = time.perf_counter()
    body = problem(httpx.get(server.endpoint, params={"query": "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f }"}), 403)
    assert body["title"] == "Result too large" and body["max_results"] == MAX_RESULTS
    assert time.perf_counter() - started < TIME_LIMIT
    limited = httpx.get(server.endpoint, params={"query": f"SELECT * WHERE {{ ?a ?b ?c }} LIMIT {MAX_RESULTS}"})
    assert len(limited.json()["results"]["bindings"]) == MAX_RESULTS


def test_runaway_query_does_not_stall_other_requests(server: Server) -> None:
    """A cartesian product runs into the time limit while fast requests are answered at once."""

    async def scenario() -> dict:
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
            started = time.perf_counter()
            slow = asyncio.create_task(
                client.get("/sparql", params={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"})
            )
            await asyncio.sleep(0.3)
            fast = []
            for query in [LABEL_ASK, LABEL_QUERY] * 5:
                sent = time.perf_counter()
                response = await client.get("/sparql", params={"query": query})
                assert response.status_code == 200
                fast.append(time.perf_counter() - sent)
            fast_done, slow_running = time.perf_counter() - started, not slow.done()
            response = await slow
            return dict(fast=fast, fast_done=fast_done, slow_running=slow_running,
                        slow_done=time.perf_counter() - started, slow=response)

    outcome = asyncio.run(scenario())
    print(
        f"\nrunaway over HTTP: 10 fast requests took max {max(outcome['fast']) * 1000:.1f} ms, "
        f"all answered {outcome['fast_done']:.2f} s after the slow one was sent; "
        f"the slow one got {outcome['slow'].status_code} after {outcome['slow_done']:.2f} s"
    )
    body = problem(outcome["slow"], 503)
    assert body["detail"].startswith(f"query exceeded the time limit of {TIME_LIMIT:g} s")
    assert "retry-after" not in outcome["slow"].headers
    assert outcome["slow_running"] and outcome["fast_done"] < outcome["slow_done"]
    assert max(outcome["fast"]) < 1.0
    assert _ask(server, LABEL_ASK)  # and the server goes on


def _workers(server: Server) -> set[int]:
    """The server's worker processes (its children), from /proc."""
    children = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == server.process.pid:
            children.add(int(stat.parent.name))
    return children


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads worker processes from /proc")
def test_a_query_whose_client_leaves_is_stopped(server: Server) -> None:
    before = _workers(server)
    assert len(before) == 2
    sent = time.perf_counter()
    with pytest.raises(httpx.ReadTimeout):
        httpx.get(server.endpoint, params={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"},
                  timeout=0.5)
    while before <= _workers(server) and time.perf_counter() - sent < TIME_LIMIT:
        time.sleep(0.05)
    stopped = time.perf_counter() - sent
    print(f"\nclient left after 0.5 s; its worker was ended {stopped:.2f} s after the query was sent")
    assert not before <= _workers(server), "the busy worker should have been ended"
    assert stopped < TIME_LIMIT - 1  # well before the time limit would have stopped it
    assert _ask(server, LABEL_ASK)


# --- the service description, VoID, dumps ---------------------------------------------------


def test_browsers_are_sent_to_the_query_page(server: Server) -> None:
    response = httpx.get(server.endpoint, headers={"accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert response.status_code == 303
    assert response.headers["location"] == "/query"


def test_service_description(server: Server) -> None:
    response = httpx.get(server.endpoint, headers={"accept": "*/*"})
    assert response.headers["content-type"] == "text/turtle; charset=utf-8"
    graph = Graph().parse(data=response.content, format="turtle")
    service = URIRef(server.endpoint)
    assert (service, RDF.type, SD.Service) in graph
    assert (service, SD.endpoint, service) in graph
    assert (service, SD.supportedLanguage, SD.SPARQL11Query) in graph
    formats = set(graph.objects(service, SD.resultFormat))
    assert URIRef("http://www.w3.org/ns/formats/SPARQL_Results_JSON") in formats
    assert URIRef("http://www.w3.org/ns/formats/JSON-LD") in formats and len(formats) == 9
    assert (service, SD.feature, SD.BasicFederatedQuery) in graph  # this server allow-lists an endpoint
    dataset = graph.value(service, SD.defaultDataset)
    assert dataset == URIRef("https://w3id.org/clusterkg/dataset")
    assert graph.value(dataset, URIRef("http://www.w3.org/2000/01/rdf-schema#seeAlso")) == URIRef(server.url + "/.well-known/void")
    names = {graph.value(named, SD.name) for named in graph.objects(dataset, SD.namedGraph)}
    assert URIRef("https://w3id.org/clusterkg/graph/catalog") in names
    as_xml = httpx.get(server.endpoint, headers={"accept": "application/rdf+xml"})
    assert isomorphic(Graph().parse(data=as_xml.content, format="xml"), graph)
    problem(httpx.get(server.endpoint, headers={"accept": "application/sparql-results+json"}), 406)


def test_void_description(server: Server) -> None:
    response = httpx.get(server.url + "/.well-known/void")
    assert response.status_code == 200
    graph = Graph().parse(data=response.content, format="turtle")
    dataset = URIRef("https://w3id.org/clusterkg/dataset")
    assert (dataset, RDF.type, VOID.Dataset) in graph
    assert (dataset, VOID.sparqlEndpoint, URIRef(server.endpoint)) in graph
    assert (dataset, VOID.dataDump, URIRef(server.url + "/dumps/clusterkg.nq")) in graph
    assert len(list(graph.objects(dataset, VOID.subset))) > 3


def test_dumps(server: Server) -> None:
    count_query = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
    quads = int(httpx.get(server.endpoint, params={"query": count_query}).json()["results"]["bindings"][0]["n"]["value"])
    nq = httpx.get(server.url + "/dumps/clusterkg.nq", timeout=60)
    assert nq.headers["content-type"] == "application/n-quads"
    assert 'filename="clusterkg.nq"' in nq.headers["content-disposition"]
    assert len(list(ox.parse(nq.content, format=ox.RdfFormat.N_QUADS))) == quads
    ttl = httpx.get(server.url + "/dumps/clusterkg.ttl", timeout=60)
    merged = Graph().parse(data=ttl.content, format="turtle")
    assert (URIRef(APULIA), SKOS.prefLabel, Literal("Apulia Creative Cluster Association", lang="en")) in merged
    jsonld = httpx.get(server.url + "/dumps/clusterkg.jsonld", timeout=60)
    assert jsonld.headers["content-type"] == "application/ld+json"
    json.loads(jsonld.content)
    problem(httpx.get(server.url + "/dumps/clusterkg.xml"), 404)
