"""The write API over a real server: tokens, validation before commit, all-or-nothing, provenance, audit.

Each test writes its own graphs (named after the test), so the module can share one server.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import threading
from pathlib import Path

import httpx
import pytest
from rdflib import Graph, URIRef
from rdflib.compare import isomorphic

from clusterkg.iris import STAGING_PREFIX

from .conftest import TOKENS, Service

TURTLE = "text/turtle"
ID = "https://w3id.org/clusterkg/id/organisation/"
GRAPH = "https://w3id.org/clusterkg/graph/"
PREFIXES = """@prefix ckg: <https://w3id.org/clusterkg/ontology#> .
@prefix voc: <https://w3id.org/clusterkg/vocab/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix src: <https://w3id.org/clusterkg/source/> .
@prefix nuts: <http://data.europa.eu/nuts/code/> .
"""


def organisation(slug: str, label: str, region: str = "ITF4", extra: str = "") -> str:
    """A conforming cluster organisation, citing a source document and a region already in the store."""
    return PREFIXES + f"""
<{ID}{slug}> a ckg:ClusterOrganisation ;
    skos:prefLabel "{label}"@en ;
    ckg:organisationType voc:orgtype-cluster ;
    ckg:locatedIn nuts:{region} ;
    dcterms:source src:easme-cos-clustpartn-2017-3-02 {extra}.
"""


def put(service: Service, name: str, body: str | bytes, content_type: str = TURTLE, who: str = "alice",
        method: str = "PUT", **headers: str) -> httpx.Response:
    return httpx.request(method, f"{service.url}/api/admin/graphs/{name}", content=body,
                         headers=service.headers(who, **{"Content-Type": content_type}, **headers), timeout=120)


def graph_content(service: Service, name: str) -> tuple[Graph, str | None]:
    response = httpx.get(f"{service.url}/api/admin/graphs/{name}", headers=service.headers(), timeout=30)
    graph = Graph()
    if response.status_code == 200:
        graph.parse(data=response.text, format="turtle")
    return graph, response.headers.get("etag")


def activities(service: Service, graph: str) -> list[dict]:
    query = f"""PREFIX prov: <http://www.w3.org/ns/prov#> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
    PREFIX spdx: <http://spdx.org/rdf/terms#> PREFIX dcterms: <http://purl.org/dc/terms/>
    SELECT ?activity ?who ?when ?checksum ?type WHERE {{ GRAPH <https://w3id.org/clusterkg/graph/catalog> {{
      ?activity a prov:Activity ; dcterms:type ?type ; prov:endedAtTime ?when ;
                prov:wasAssociatedWith [ rdfs:label ?who ] .
      {{ ?activity prov:generated <{graph}> }} UNION {{ ?activity prov:invalidated <{graph}> }}
      OPTIONAL {{ ?activity prov:used [ spdx:checksumValue ?checksum ] }} }} }} ORDER BY ?when"""
    response = httpx.get(service.url + "/sparql", params={"query": query},
                         headers={"Accept": "application/sparql-results+json"}, timeout=30)
    response.raise_for_status()
    return [{k: v["value"] for k, v in row.items()} for row in response.json()["results"]["bindings"]]


def audit(service: Service) -> list[dict]:
    log = service.store.with_name(service.store.name + ".audit.jsonl")
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def assert_problem(response: httpx.Response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status and body["title"] and body["detail"] and "type" in body
    return body


# ---------------------------------------------------------------- authentication


def test_a_write_needs_a_known_bearer_token(admin_service: Service) -> None:
    url = admin_service.url + "/api/admin/graphs/auth-test"
    missing = httpx.put(url, content=organisation("auth-test", "Auth test"), headers={"Content-Type": TURTLE})
    assert_problem(missing, 401)
    assert missing.headers["www-authenticate"].startswith("Bearer")
    for wrong in ("Bearer " + TOKENS["alice"][:-1] + "x", "Basic YWxpY2U6eA==", "Bearer", TOKENS["alice"]):
        response = httpx.put(url, content=organisation("auth-test", "Auth test"),
                             headers={"Content-Type": TURTLE, "Authorization": wrong})
        assert_problem(response, 401)
    assert not admin_service.ask(f"ASK {{ <{ID}auth-test> ?p ?o }}")
    listing = httpx.get(admin_service.url + "/api/admin/graphs", headers=admin_service.headers("bob"))
    assert listing.status_code == 200
    assert any(g["graph"] == GRAPH + "calls" and g["triples"] > 0 for g in listing.json())


# ---------------------------------------------------------------- a write, seen at once, recorded


def test_a_replace_is_validated_committed_seen_and_recorded(admin_service: Service) -> None:
    body = organisation("replace-test", "Replace test cluster").encode()
    response = put(admin_service, "replace-test", body)
    assert response.status_code == 201, response.text
    result = response.json()
    assert result["graph"] == GRAPH + "replace-test" and result["created"] and result["author"] == "alice"
    assert result["checksum"] == hashlib.sha256(body).hexdigest()
    assert response.headers["etag"]

    # Seen by the next query: the workers were refreshed on a new snapshot.
    assert admin_service.ask(f'ASK {{ GRAPH <{GRAPH}replace-test> {{ <{ID}replace-test> ?p "Replace test cluster"@en }} }}')
    # Found by search: the label index was dropped and read again.
    hits = httpx.get(admin_service.url + "/api/search", params={"q": "Replace test cluster"}).json()
    assert any(hit["iri"] == ID + "replace-test" for hit in hits)
    # The graph as stored is the document.
    stored, etag = graph_content(admin_service, "replace-test")
    assert isomorphic(stored, Graph().parse(data=body, format="turtle"))
    assert etag == response.headers["etag"]

    # Provenance as data: who, when, which graph, the document's checksum.
    [activity] = activities(admin_service, GRAPH + "replace-test")
    assert activity["who"] == "alice" and activity["type"] == "replace"
    assert activity["checksum"] == hashlib.sha256(body).hexdigest()
    assert activity["activity"] == result["activity"]
    # The catalogue describes the graph like the build does.
    assert admin_service.ask(f"""PREFIX void: <http://rdfs.org/ns/void#> ASK {{
        GRAPH <https://w3id.org/clusterkg/graph/catalog> {{
          <https://w3id.org/clusterkg/dataset> void:subset <{GRAPH}replace-test> .
          <{GRAPH}replace-test> void:triples 5 }} }}""")
    # And the audit log has the line, with the request id.
    [line] = [a for a in audit(admin_service) if a["graph"] == GRAPH + "replace-test"]
    assert line["outcome"] == "committed" and line["author"] == "alice" and line["request_id"]
    assert line["request_id"] == response.headers["x-request-id"]


def test_post_adds_and_delete_removes(admin_service: Service) -> None:
    assert put(admin_service, "add-test", organisation("add-one", "Add one")).status_code == 201
    added = put(admin_service, "add-test", organisation("add-two", "Add two", region="ITH5"), method="POST", who="bob")
    assert added.status_code == 200, added.text
    assert added.json()["triples"] == 10
    assert admin_service.ask(f"ASK {{ GRAPH <{GRAPH}add-test> {{ <{ID}add-one> ?p ?o . <{ID}add-two> ?q ?r }} }}")

    deleted = httpx.delete(admin_service.url + "/api/admin/graphs/add-test", headers=admin_service.headers())
    assert deleted.status_code == 200, deleted.text
    assert not admin_service.ask(f"ASK {{ GRAPH <{GRAPH}add-test> {{ ?s ?p ?o }} }}")
    assert not admin_service.ask(f"ASK {{ <{ID}add-two> ?p ?o }}")
    assert [a["type"] for a in activities(admin_service, GRAPH + "add-test")] == ["replace", "add", "delete"]
    assert [a["who"] for a in activities(admin_service, GRAPH + "add-test")] == ["alice", "bob", "alice"]
    assert_problem(httpx.delete(admin_service.url + "/api/admin/graphs/add-test", headers=admin_service.headers()), 404)



def test_a_node_is_judged_with_the_links_to_it_from_other_graphs(admin_service: Service) -> None:
    # A curated participation: only its project, in the curated graph, says what it is part of
    # (ckg:hasParticipation, which the shapes follow backwards to count exactly one).
    participation = "https://w3id.org/clusterkg/id/participation/puglia-creativity-protocol-2014--apulia-creative-cluster-association"
    note = f"""<{participation}> <http://www.w3.org/2000/01/rdf-schema#comment> "Signed for the cluster."@en .\n"""
    response = put(admin_service, "inverse-test", note)
    assert response.status_code == 201, response.text
    assert admin_service.ask(f"ASK {{ GRAPH <{GRAPH}inverse-test> {{ <{participation}> ?p ?o }} }}")


# ---------------------------------------------------------------- all or nothing


def test_a_refused_submission_changes_nothing_and_says_why(admin_service: Service) -> None:
    assert put(admin_service, "refuse-test", organisation("refuse-test", "Refuse test")).status_code == 201
    before, etag = graph_content(admin_service, "refuse-test")
    graphs_before = httpx.get(admin_service.url + "/api/admin/graphs", headers=admin_service.headers()).json()

    # No source document, and a region where an organisation type belongs.
    bad = PREFIXES + f"""
<{ID}refuse-test> a ckg:ClusterOrganisation ; skos:prefLabel "Refused"@en ; ckg:organisationType nuts:ITF4 .
<{ID}refuse-other> a ckg:ClusterOrganisation ; skos:prefLabel "Other"@en ;
    dcterms:source src:easme-cos-clustpartn-2017-3-02 ; ckg:locatedIn voc:orgtype-cluster .
"""
    response = put(admin_service, "refuse-test", bad)
    problem = assert_problem(response, 422)
    violations = problem["violations"]
    assert {v["node"] for v in violations} == {ID + "refuse-test", ID + "refuse-other"}
    for violation in violations:
        assert violation["rule"].startswith("sh:") and violation["message"]
    paths = {(v["node"], v["path"]) for v in violations}
    # The replacement drops the old description, source included.
    assert (ID + "refuse-test", "http://purl.org/dc/terms/source") in paths
    assert any(v["node"] == ID + "refuse-test" and v["path"] == "https://w3id.org/clusterkg/ontology#organisationType"
               for v in violations)
    assert any(v["node"] == ID + "refuse-other" and v["path"] == "https://w3id.org/clusterkg/ontology#locatedIn"
               for v in violations)

    after, etag_after = graph_content(admin_service, "refuse-test")
    assert etag_after == etag and isomorphic(before, after)
    assert not admin_service.ask(f"ASK {{ <{ID}refuse-other> ?p ?o }}")
    assert httpx.get(admin_service.url + "/api/admin/graphs", headers=admin_service.headers()).json() == graphs_before
    assert len(activities(admin_service, GRAPH + "refuse-test")) == 1
    refused = [a for a in audit(admin_service) if a["graph"] == GRAPH + "refuse-test" and a["outcome"] == "refused"]
    assert refused and refused[-1]["status"] == 422 and refused[-1]["violations"] == len(violations)


def test_deleting_a_graph_others_depend_on_is_refused(admin_service: Service) -> None:
    assert put(admin_service, "depend-base", organisation("depend-base", "Depend base")).status_code == 201
    # A second graph states a membership of the first graph's organisation, relying on its type.
    member = PREFIXES + f"""
<{ID}depend-partner> a ckg:ClusterOrganisation ; skos:prefLabel "Depend partner"@en ;
    ckg:organisationType voc:orgtype-cluster ; dcterms:source src:easme-cos-clustpartn-2017-3-02 ;
    <http://www.w3.org/ns/org#subOrganizationOf> <{ID}depend-base> .
"""
    assert put(admin_service, "depend-user", member).status_code == 201
    refused = httpx.delete(admin_service.url + "/api/admin/graphs/depend-base", headers=admin_service.headers())
    body = assert_problem(refused, 422)
    assert any(v["node"] == ID + "depend-partner" for v in body["violations"])
    assert admin_service.ask(f"ASK {{ GRAPH <{GRAPH}depend-base> {{ ?s ?p ?o }} }}")


def test_if_match_protects_against_a_lost_update(admin_service: Service) -> None:
    assert put(admin_service, "match-test", organisation("match-test", "Match test")).status_code == 201
    _, etag = graph_content(admin_service, "match-test")
    # Someone else changes the graph after we read it.
    assert put(admin_service, "match-test", organisation("match-test", "Match test, by bob"), who="bob").status_code == 200
    stale = put(admin_service, "match-test", organisation("match-test", "Match test, by alice"), **{"If-Match": etag})
    assert_problem(stale, 412)
    _, fresh = graph_content(admin_service, "match-test")
    current = put(admin_service, "match-test", organisation("match-test", "Match test, by alice"), **{"If-Match": fresh})
    assert current.status_code == 200


# ---------------------------------------------------------------- hostile and broken documents

BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE rdf:RDF [<!ENTITY a "aaaaaaaaaa">'
    + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(9))
    + ']><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="http://example.org/">'
    '<rdf:Description rdf:about="http://example.org/s"><ex:p>&j;</ex:p></rdf:Description></rdf:RDF>'
)


@pytest.mark.parametrize(
    ("name", "body", "content_type", "status", "words"),
    [
        ("syntax", PREFIXES + "<a> <b> .", TURTLE, 400, "line 7"),
        ("syntax-utf8", b"<http://e/s> <http://e/p> \"\xff\xfe\" .", TURTLE, 400, "parse"),
        ("billion-laughs", BILLION_LAUGHS, "application/rdf+xml", 415, "RDF/XML"),
        ("latin1", "<http://e/s> <http://e/p> \"x\" .", "text/turtle; charset=iso-8859-1", 415, "UTF-8"),
        ("csv", "a,b\n1,2\n", "text/csv", 415, "text/csv"),
        ("jsonld-remote", '{"@context": "http://127.0.0.1:9/context.jsonld", "@id": "http://e/s", "p": "x"}',
         "application/ld+json", 400, "remote context"),
        ("jsonld-graphs", '{"@id": "http://e/g", "@graph": [{"@id": "http://e/s", "http://e/p": "x"}]}',
         "application/ld+json", 400, "named graph"),
        ("catalog", PREFIXES, TURTLE, 403, "catalogue"),
        ("clusterkg", PREFIXES, TURTLE, 403, "ontology"),
        ("staging/x", PREFIXES, TURTLE, 403, "staging"),
    ],
)
def test_broken_and_hostile_documents_get_a_clear_4xx(admin_service: Service, name: str, body, content_type: str,
                                                       status: int, words: str) -> None:
    response = put(admin_service, name, body, content_type)
    problem = assert_problem(response, status)
    assert words.lower() in problem["detail"].lower()
    assert httpx.get(admin_service.url + "/health").status_code == 200
    if status != 403:
        assert not admin_service.ask(f"ASK {{ GRAPH <{GRAPH}{name}> {{ ?s ?p ?o }} }}")


def test_a_syntax_error_names_line_and_column(admin_service: Service) -> None:
    problem = assert_problem(put(admin_service, "syntax-position", PREFIXES + "\n<http://e/s> <http://e/p> ."), 400)
    assert problem["line"] == 8 and problem["column"]


@pytest.mark.parametrize("chunked", [False, True])
def test_an_oversized_document_is_refused_before_it_is_read(admin_service: Service, chunked: bool) -> None:
    big = organisation("big", "Big", extra=f'; skos:altLabel "{"x" * 250_000}"@en ').encode()
    content = iter([big[i:i + 65536] for i in range(0, len(big), 65536)]) if chunked else big
    response = httpx.put(admin_service.url + "/api/admin/graphs/big", content=content,
                         headers=admin_service.headers(**{"Content-Type": TURTLE}), timeout=60)
    problem = assert_problem(response, 413)
    assert "200,000" in problem["detail"]
    assert httpx.get(admin_service.url + "/health").status_code == 200


def test_invalid_graph_names_are_refused(admin_service: Service) -> None:
    for name in ("UPPER", "a/b/c", "-dash", "x%3E%20%3Chttp:%2F%2Fevil%3E"):
        response = put(admin_service, name, organisation("n", "N"))
        assert response.status_code in (404, 422), (name, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")


# ---------------------------------------------------------------- concurrent writers


def _parallel(calls: list) -> list[httpx.Response]:
    results: list = [None] * len(calls)
    barrier = threading.Barrier(len(calls))

    def run(index: int) -> None:
        barrier.wait()
        results[index] = calls[index]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(300)
    return results


def test_parallel_writes_to_different_graphs_all_land(admin_service: Service) -> None:
    calls = [lambda i=i: put(admin_service, f"parallel-{i}", organisation(f"parallel-{i}", f"Parallel {i}"))
             for i in range(6)]
    responses = _parallel(calls)
    assert [r.status_code for r in responses] == [201] * 6, [r.text for r in responses]
    for i in range(6):
        assert admin_service.ask(f"ASK {{ GRAPH <{GRAPH}parallel-{i}> {{ <{ID}parallel-{i}> ?p ?o }} }}")
        assert len(activities(admin_service, f"{GRAPH}parallel-{i}")) == 1


def test_parallel_additions_to_one_graph_are_all_kept(admin_service: Service) -> None:
    calls = [lambda i=i: put(admin_service, "shared-add", organisation(f"shared-{i}", f"Shared {i}"), method="POST")
             for i in range(6)]
    responses = _parallel(calls)
    assert sorted(r.status_code for r in responses) == [200] * 5 + [201], [r.text for r in responses]
    stored, _ = graph_content(admin_service, "shared-add")
    assert {str(s) for s in stored.subjects()} == {f"{ID}shared-{i}" for i in range(6)}
    assert len(stored) == 6 * 5
    assert len(activities(admin_service, GRAPH + "shared-add")) == 6


def test_parallel_replacements_of_one_graph_leave_exactly_one_of_them(admin_service: Service) -> None:
    documents = [organisation(f"same-{i}", f"Same {i}", extra=f'; skos:altLabel "version {i}"@en ') for i in range(5)]
    responses = _parallel([lambda d=d: put(admin_service, "same-replace", d) for d in documents])
    assert all(r.status_code in (200, 201) for r in responses), [r.text for r in responses]
    stored, _ = graph_content(admin_service, "same-replace")
    assert any(isomorphic(stored, Graph().parse(data=d, format="turtle")) for d in documents)
    assert len(activities(admin_service, GRAPH + "same-replace")) == 5
    # The content there now is the document of the last write recorded.
    last = activities(admin_service, GRAPH + "same-replace")[-1]["activity"]
    winner = [r.json()["activity"] for r in responses].index(last)
    assert isomorphic(stored, Graph().parse(data=documents[winner], format="turtle"))


def test_no_staging_graph_is_left_behind(admin_service: Service) -> None:
    assert not admin_service.ask(f'ASK {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(STRSTARTS(STR(?g), "{STAGING_PREFIX}")) }}')


# ---------------------------------------------------------------- the lock


def test_the_build_refuses_while_the_write_api_holds_the_store(admin_service: Service) -> None:
    completed = subprocess.run([sys.executable, "-m", "clusterkg", "build", "--store", str(admin_service.store)],
                               capture_output=True, text=True, timeout=300)
    assert completed.returncode == 2, completed.stderr
    assert "locked" in completed.stderr
    assert httpx.get(admin_service.url + "/ready").status_code == 200


def test_metrics_count_the_writes(admin_service: Service) -> None:
    text = httpx.get(admin_service.url + "/metrics").text
    assert 'clusterkg_writes_total{operation="replace",outcome="committed"}' in text
    assert 'clusterkg_http_requests_total{method="PUT",route="/api/admin/graphs/{name:path}",status="201"}' in text


def test_the_audit_log_is_json_lines_of_every_attempt(admin_service: Service) -> None:
    lines = audit(admin_service)
    assert lines and all({"time", "operation", "graph", "author", "outcome", "status"} <= set(line) for line in lines)
    assert {line["outcome"] for line in lines} >= {"committed", "refused"}
    assert Path(admin_service.store.with_name(admin_service.store.name + ".audit.jsonl")).stat().st_mode & 0o077 == 0
