"""The W3C SPARQL 1.1 Protocol tests, run from their manifest against a running server.

The manifest (../shared/w3c/sparql11-protocol/manifest.ttl) lists mf:ProtocolTest entries,
each a sequence of HTTP requests with the expected status class and, for queries, the
expected result format and boolean. The test data (ut:graphData) is loaded into the named
graphs the manifest names, in a store built for these tests (``w3c_server``). Paths starting
``/sparql/`` are mapped to this endpoint, as the manifest asks.

Expected failures are listed by test IRI with the reason; everything else must pass.
"""

from __future__ import annotations

import json
from xml.dom import minidom

import httpx
import pytest
from rdflib import Graph, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF

from .conftest import W3C_DIR, Server

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
HTS = Namespace("http://www.w3.org/2011/http-statusCodes#")
TESTS = "http://www.w3.org/2009/sparql/docs/tests/data-sparql11/protocol/manifest#"

READ_ONLY = "read-only endpoint: SPARQL Update is refused with 403 by design"
EXPECTED_FAILURES = {
    TESTS + "update_dataset_default_graph": READ_ONLY,
    TESTS + "update_dataset_default_graphs": READ_ONLY,
    TESTS + "update_dataset_named_graphs": READ_ONLY,
    TESTS + "update_dataset_full": READ_ONLY,
    TESTS + "update_post_form": READ_ONLY,
    TESTS + "update_post_direct": READ_ONLY,
    TESTS + "update_base_uri": READ_ONLY,
}

RESULT_TYPES = {
    "boolean": {"application/sparql-results+json", "application/sparql-results+xml"},
    "tabular": {
        "application/sparql-results+json",
        "application/sparql-results+xml",
        "text/csv",
        "text/tab-separated-values",
    },
    "RDF": {"application/rdf+xml", "text/turtle", "application/n-triples", "application/xhtml+xml", "text/html"},
}


def _manifest() -> Graph:
    graph = Graph()
    path = W3C_DIR / "manifest.ttl"
    if path.is_file():
        graph.parse(path, format="turtle", publicID=URIRef(path.as_uri()))
    return graph


def _entries(manifest: Graph) -> list[URIRef]:
    root = manifest.value(None, RDF.type, MF.Manifest)
    return list(Collection(manifest, manifest.value(root, MF.entries))) if root is not None else []


MANIFEST = _manifest()
TEST_IRIS = _entries(MANIFEST)


def _params() -> list:
    params = []
    for iri in TEST_IRIS:
        marks = []
        if str(iri) in EXPECTED_FAILURES:
            marks.append(pytest.mark.xfail(reason=EXPECTED_FAILURES[str(iri)], strict=True))
        params.append(pytest.param(str(iri), id=str(iri).removeprefix(TESTS), marks=marks))
    return params


def test_the_manifest_has_the_34_tests() -> None:
    if not TEST_IRIS:
        pytest.skip(f"needs the W3C protocol tests in {W3C_DIR}")
    assert len(TEST_IRIS) == 34
    assert set(EXPECTED_FAILURES) <= {str(i) for i in TEST_IRIS}


@pytest.mark.parametrize("test_iri", _params())
def test_w3c_protocol(w3c_server: Server, test_iri: str) -> None:
    test = URIRef(test_iri)
    action = MANIFEST.value(test, MF.action)
    requests = Collection(MANIFEST, MANIFEST.value(action, HT.requests))
    with httpx.Client(base_url=w3c_server.url, follow_redirects=True, timeout=30) as client:
        for number, request in enumerate(requests, start=1):
            response = _send(client, request)
            _check(request, response, f"{MANIFEST.value(test, MF.name)} (request {number})")


def _send(client: httpx.Client, request: URIRef) -> httpx.Response:
    """Send one ht:Request of the manifest as it is written."""
    method = str(MANIFEST.value(request, HT.methodName))
    path = str(MANIFEST.value(request, HT.absolutePath))
    path = "/sparql" + path.removeprefix("/sparql/") if path.startswith("/sparql/") else path
    headers = {}
    header_list = MANIFEST.value(request, HT.headers)
    if header_list is not None:
        for header in Collection(MANIFEST, header_list):
            headers[str(MANIFEST.value(header, HT.fieldName))] = str(MANIFEST.value(header, HT.fieldValue))
    content = None
    body = MANIFEST.value(request, HT.body)
    if body is not None:
        encoding = str(MANIFEST.value(body, CNT.characterEncoding) or "UTF-8")
        content = str(MANIFEST.value(body, CNT.chars)).encode(encoding)
    return client.request(method, path, content=content, headers=headers)


def _check(request: URIRef, response: httpx.Response, name: str) -> None:
    """The status class, result format and boolean the manifest expects."""
    expected = MANIFEST.value(request, HT.resp)
    classes = {str(c).removeprefix(str(HTS)) for c in MANIFEST.objects(expected, MF.expectedStatus)}
    status_class = f"StatusCode{response.status_code // 100}xx"
    assert status_class in classes, f"{name}: got {response.status_code} {response.text[:300]}, expected {classes}"
    result_format = MANIFEST.value(expected, MF.expectedFormat)
    media_type = response.headers.get("content-type", "").split(";")[0].strip()
    if result_format is not None:
        assert media_type in RESULT_TYPES[str(result_format)], f"{name}: {media_type} is not {result_format}"
    boolean = MANIFEST.value(expected, MF.expectedBoolean)
    if boolean is not None:
        assert _boolean(response, media_type) is boolean.toPython(), f"{name}: wrong boolean"


def _boolean(response: httpx.Response, media_type: str) -> bool:
    if media_type == "application/sparql-results+json":
        return json.loads(response.content)["boolean"]
    text = minidom.parseString(response.content).getElementsByTagName("boolean")[0].firstChild.data
    return text.strip() == "true"
