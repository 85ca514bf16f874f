"""The service over a remote store: the API is stateless, its workers forward to the SPARQL server.

Each test compares the service's answer over a remote backend with the embedded store's.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from urllib.parse import quote

import httpx
import pyoxigraph as ox
import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from clusterkg.catalogue import get_query
from clusterkg.store import GraphStore

from .conftest import SERVER_TIMEOUT, RunningServer, stop

TIME_LIMIT = 3.0
APULIA = "https://w3id.org/clusterkg/id/organisation/apulia-creative-cluster-association"
SKOS = "http://www.w3.org/2004/02/skos/core#"

_LAUNCH = """
import socket, sys
import uvicorn
from clusterkg.api.app import create_app

sock = socket.socket(fileno=int(sys.argv[1]))
uvicorn.Server(uvicorn.Config(create_app(), log_level="warning")).run(sockets=[sock])
"""


@pytest.fixture(scope="module")
def service(remote_server: RunningServer) -> Iterator[str]:
    """clusterkg's service with CLUSTERKG_STORE set to the remote store's URL; its base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    environment = dict(os.environ, CLUSTERKG_STORE=remote_server.store_url,
                       CLUSTERKG_QUERY_TIMEOUT=str(TIME_LIMIT), CLUSTERKG_QUERY_WORKERS="2")
    process = subprocess.Popen([sys.executable, "-c", _LAUNCH, str(sock.fileno())],
                               pass_fds=[sock.fileno()], env=environment)
    sock.close()
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(url + "/sparql", params={"query": "ASK {}"}, timeout=5).status_code == 200:
                break
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            stop(process)
            raise RuntimeError("the service over the remote store did not start")
        time.sleep(0.2)
    yield url
    stop(process)


def test_select_over_the_protocol(service: str, graph_store: GraphStore) -> None:
    query = f"SELECT DISTINCT ?label WHERE {{ <{APULIA}> <{SKOS}prefLabel>|<{SKOS}altLabel> ?label }} ORDER BY ?label"
    response = httpx.get(service + "/sparql", params={"query": query}, headers={"Accept": "text/csv"}, timeout=30)
    assert response.status_code == 200, response.text
    expected = graph_store.query(query).serialize(format=ox.QueryResultsFormat.CSV)
    assert response.content.splitlines() == expected.splitlines()


def test_construct_as_turtle(service: str, graph_store: GraphStore) -> None:
    query = f"CONSTRUCT {{ <{APULIA}> ?p ?o }} WHERE {{ <{APULIA}> ?p ?o FILTER(isIRI(?o)) }}"
    response = httpx.post(service + "/sparql", content=query, timeout=30,
                          headers={"Content-Type": "application/sparql-query", "Accept": "text/turtle"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/turtle")
    served = Graph().parse(data=response.text, format="turtle")
    expected = Graph().parse(data=graph_store.query(query).serialize(format=ox.RdfFormat.TURTLE), format="turtle")
    assert len(served) > 5 and isomorphic(served, expected)


def test_syntax_errors_have_the_same_position(service: str) -> None:
    query = "SELECT * WHERE {\n  ?s ?p \n}"
    with pytest.raises(SyntaxError) as embedded:
        ox.Store().query(query)
    response = httpx.get(service + "/sparql", params={"query": query}, timeout=30)
    assert response.status_code == 400
    assert f"{response.json()['line']}:{response.json()['column']}" in str(embedded.value)


def test_a_catalogue_query_with_parameters(service: str, graph_store: GraphStore) -> None:
    response = httpx.get(service + "/api/queries/clusters_by_region", params={"region": "ITF"}, timeout=30)
    assert response.status_code == 200, response.text
    query = get_query("clusters_by_region")
    expected = graph_store.query(query.sparql, query.bind({"region": "ITF"}))
    assert {row["cluster"] for row in response.json()["rows"]} == {s["cluster"].value for s in expected} != set()


def test_entity_page_and_its_rdf(service: str) -> None:
    path = quote(APULIA.removeprefix("https://w3id.org/clusterkg"))
    page = httpx.get(service + path, headers={"Accept": "text/html"}, timeout=30)
    assert page.status_code == 200 and "Apulia Creative Cluster Association" in page.text
    turtle = httpx.get(service + path, headers={"Accept": "text/turtle"}, timeout=30)
    assert turtle.status_code == 200
    assert len(Graph().parse(data=turtle.text, format="turtle")) > 10


def test_void_description_binds_terms_in_a_construct(service: str) -> None:
    response = httpx.get(service + "/.well-known/void", headers={"Accept": "application/n-triples"}, timeout=30)
    assert response.status_code == 200
    assert f"<{service}/sparql>" in response.text and "void#sparqlEndpoint" in response.text


def test_dump_keeps_the_named_graphs(service: str, graph_store: GraphStore) -> None:
    response = httpx.get(service + "/dumps/clusterkg.nq", timeout=120)
    assert response.status_code == 200
    graphs: dict[str, int] = {}
    for quad in ox.parse(response.content, format=ox.RdfFormat.N_QUADS):
        graphs[quad.graph_name.value] = graphs.get(quad.graph_name.value, 0) + 1
    expected = {g.value: graph_store.triple_count(g) for g in graph_store.named_graphs()}
    ours = {g: n for g, n in graphs.items() if g.startswith("https://w3id.org/clusterkg/graph/")}
    assert ours.keys() == expected.keys()
    assert all(abs(ours[g] - expected[g]) <= 1 for g in ours if not g.endswith("/catalog"))  # Virtuoso may merge "2.50" and "2.5"


def test_the_time_limit_applies_to_forwarded_queries(service: str, remote_server: RunningServer) -> None:
    if remote_server.name != "oxigraph":
        pytest.skip("Virtuoso estimates the cost first and refuses or cuts the query itself")
    heavy = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    started = time.monotonic()
    response = httpx.get(service + "/sparql", params={"query": heavy}, timeout=SERVER_TIMEOUT + 30)
    assert response.status_code == 503 and "time limit" in response.text
    assert time.monotonic() - started < TIME_LIMIT + 10
    # the service still answers: a fresh worker took the place of the ended one
    assert httpx.get(service + "/sparql", params={"query": "ASK {}"}, timeout=30).status_code == 200
