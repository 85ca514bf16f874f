"""Linked-data pages: IRI <-> path, content negotiation, HTML pages, RDF, provenance, 404s."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import OWL, RDF, SKOS

from clusterkg.api.app import create_app
from clusterkg.api.entities import negotiate
from clusterkg.api.sparql import NotAcceptable
from clusterkg.api.templating import iri_for_path, local_path
from clusterkg.config import Settings

BASE = "https://w3id.org/clusterkg/"
APULIA = BASE + "id/organisation/apulia-creative-cluster-association"
APULIA_PAGE = "/id/organisation/apulia-creative-cluster-association"
CKG = BASE + "ontology#"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
HTML = {"Accept": BROWSER}


@pytest.fixture(scope="module")
def client(built_store: Path) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(store=built_store))) as client:
        yield client


# ---------------------------------------------------------------- IRI <-> local path


@pytest.mark.parametrize(
    ("iri", "path"),
    [
        (APULIA, APULIA_PAGE),
        (BASE + "vocab/orgtype-cluster", "/vocab/orgtype-cluster"),
        (BASE + "source/seed-000-chimera-action-plan", "/source/seed-000-chimera-action-plan"),
        (BASE + "graph/catalog", "/graph/catalog"),
        (BASE + "ontology", "/ontology"),
        (BASE + "ontology#ClusterOrganisation", "/ontology#ClusterOrganisation"),
        (BASE + "dataset", "/dataset"),
        ("http://data.europa.eu/nuts/code/ITF4", "/region/ITF4"),
        ("http://publications.europa.eu/resource/authority/country/ITA", "/country/ITA"),
        (BASE + "ontology/releases/2026-11-21/clusterkg.ttl", None),
        (BASE + "id/", None),
        ("http://www.w3.org/2004/02/skos/core#prefLabel", None),
    ],
)
def test_local_path_and_back(iri: str, path: str | None) -> None:
    assert local_path(iri) == path
    if path is not None:
        assert iri_for_path(path.partition("#")[0]) == iri.partition("#")[0]


# ---------------------------------------------------------------- content negotiation


@pytest.mark.parametrize(
    ("accept", "format", "expected"),
    [
        (None, None, "html"),
        ("", None, "html"),
        ("*/*", None, "html"),
        (BROWSER, None, "html"),
        ("text/html", None, "html"),
        ("text/turtle", None, "ttl"),
        ("TEXT/TURTLE", None, "ttl"),
        ("text/turtle; charset=utf-8", None, "ttl"),
        ("application/ld+json", None, "jsonld"),
        ("application/n-triples", None, "nt"),
        ("application/rdf+xml", None, "rdf"),
        ("text/turtle;q=0.5, application/ld+json", None, "jsonld"),
        ("text/html;q=0, */*", None, "ttl"),
        ("application/*", None, "jsonld"),
        ("text/*", None, "html"),
        ("application/rdf+xml, text/turtle;q=0.9, */*;q=0.1", None, "rdf"),  # rdflib-style
        (BROWSER, "ttl", "ttl"),
        ("text/turtle", "jsonld", "jsonld"),
        (None, "nt", "nt"),
        (None, "RDF", "rdf"),
        (None, "html", "html"),
    ],
)
def test_negotiate(accept: str | None, format: str | None, expected: str) -> None:
    assert negotiate(accept, format) == expected


@pytest.mark.parametrize("accept", ["image/png", "text/html;q=0, text/turtle;q=0, application/*;q=0"])
def test_negotiate_refuses(accept: str) -> None:
    with pytest.raises(NotAcceptable):
        negotiate(accept)


def test_negotiate_unknown_format() -> None:
    with pytest.raises(ValueError, match="unknown format"):
        negotiate(None, "yaml")


# ---------------------------------------------------------------- HTML pages


class _Links(HTMLParser):
    """Every href of a page, and the text of its h1."""

    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.h1 = ""
        self._in_h1 = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in_h1 = self._in_h1 or tag == "h1"
        self.hrefs += [value for name, value in attrs if name == "href" and value]

    def handle_endtag(self, tag: str) -> None:
        if tag == "h1":
            self._in_h1 = False

    def handle_data(self, data: str) -> None:
        if self._in_h1:
            self.h1 += data


def _parse(html: str) -> _Links:
    parser = _Links()
    parser.feed(html)
    return parser


def test_entity_page(client: TestClient) -> None:
    response = client.get(APULIA_PAGE, headers=HTML)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "Accept" in response.headers["vary"]
    page = _parse(response.text)
    assert page.h1.strip() == "Apulia Creative Cluster Association"
    assert APULIA in response.text
    # Types and linked values, with local pages for minted IRIs and NUTS regions.
    assert "/ontology#ClusterOrganisation" in page.hrefs
    assert "/region/ITF4" in page.hrefs
    assert "/country/ITA" in page.hrefs
    assert "/vocab/vc-cultural-creative-industries" in page.hrefs
    # Incoming links: the participations that name it.
    assert "/id/participation/chimera--apulia-creative-cluster-association" in page.hrefs
    # Provenance: both named graphs, the source documents, and the document's public page.
    assert "/graph/000-chimera-action-plan" in page.hrefs
    assert "/graph/001-puglia-creativity-protocol" in page.hrefs
    assert "/source/seed-000-chimera-action-plan" in page.hrefs
    assert "/source/seed-001-puglia-creativity-protocol" in page.hrefs
    assert "https://chimera.interreg-med.eu/" in page.hrefs
    assert "data/curated/000-chimera-action-plan.ttl" in response.text
    assert re.search(r'href="#graph-1"', response.text)


@pytest.mark.parametrize(
    ("params", "headers", "title"),
    [
        ({"lang": "it"}, HTML, "Distretto produttivo Puglia Creativa"),
        ({}, {**HTML, "Accept-Language": "it-IT,it;q=0.9,en;q=0.5"}, "Distretto produttivo Puglia Creativa"),
        ({}, {**HTML, "Accept-Language": "de-DE,de;q=0.9"}, "Apulia Creative Cluster Association"),
        ({"lang": "en"}, {**HTML, "Accept-Language": "it"}, "Apulia Creative Cluster Association"),
    ],
)
def test_labels_in_the_requested_language(client: TestClient, params: dict, headers: dict, title: str) -> None:
    response = client.get(APULIA_PAGE, params=params, headers=headers)
    assert _parse(response.text).h1.strip() == title


def test_explicit_language_is_kept_in_links(client: TestClient) -> None:
    page = _parse(client.get(APULIA_PAGE, params={"lang": "it"}, headers=HTML).text)
    assert "/region/ITF4?lang=it" in page.hrefs


def test_amounts_are_shown_inline(client: TestClient) -> None:
    response = client.get("/id/project/s3-4alpclusters", headers=HTML)
    assert response.status_code == 200
    assert "2,521,964" in response.text and "EUR" in response.text
    assert "/id/amount/s3-4alpclusters-total-cost" in _parse(response.text).hrefs


def test_region_country_ontology_graph_source_and_dataset_pages(client: TestClient) -> None:
    region = client.get("/region/ITF4", headers=HTML)
    assert region.status_code == 200 and _parse(region.text).h1.strip() == "Puglia"
    assert APULIA_PAGE in _parse(region.text).hrefs  # located in Puglia: an incoming link
    assert client.get("/country/ITA", headers=HTML).status_code == 200
    ontology = client.get("/ontology", headers=HTML)
    assert ontology.status_code == 200 and 'id="ClusterOrganisation"' in ontology.text
    graph = client.get("/graph/000-chimera-action-plan", headers=HTML)
    assert graph.status_code == 200 and APULIA_PAGE in _parse(graph.text).hrefs
    catalog = client.get("/graph/catalog", headers=HTML)
    assert catalog.status_code == 200
    source = client.get("/source/seed-000-chimera-action-plan", headers=HTML)
    assert source.status_code == 200 and "/graph/000-chimera-action-plan" in _parse(source.text).hrefs
    assert client.get("/dataset", headers=HTML).status_code == 200


def test_every_local_link_of_a_page_resolves(client: TestClient) -> None:
    hrefs = _parse(client.get(APULIA_PAGE, headers=HTML).text).hrefs
    local = sorted({h.partition("#")[0] for h in hrefs if h.startswith("/") and not h.startswith("//")} - {""})
    assert len(local) > 20
    for href in local:
        if href.startswith(("/sparql", "/dumps", "/.well-known")):
            continue  # other routers; tested with them
        status = client.get(href, headers=HTML).status_code
        assert status == 200, f"{href} answered {status}"


# ---------------------------------------------------------------- RDF


def _graph(body: bytes, format: str) -> Graph:
    return Graph().parse(data=body, format=format)


def test_rdf_representations_agree(client: TestClient) -> None:
    graphs = {}
    for accept, format in [
        ("text/turtle", "turtle"),
        ("application/ld+json", "json-ld"),
        ("application/n-triples", "nt"),
        ("application/rdf+xml", "xml"),
    ]:
        response = client.get(APULIA_PAGE, headers={"Accept": accept})
        assert response.status_code == 200
        assert response.headers["content-type"].split(";")[0] == accept
        graphs[format] = _graph(response.content, format)
    turtle = graphs["turtle"]
    assert (URIRef(APULIA), SKOS.prefLabel, Literal("Apulia Creative Cluster Association", lang="en")) in turtle
    assert (URIRef(APULIA), SKOS.altLabel, Literal("Puglia Creativa", lang="it")) in turtle
    assert (URIRef(APULIA), RDF.type, URIRef(CKG + "ClusterOrganisation")) in turtle
    for format, graph in graphs.items():
        assert isomorphic(graph, turtle), f"{format} differs from Turtle"


def test_format_parameter_overrides_accept(client: TestClient) -> None:
    response = client.get(APULIA_PAGE, params={"format": "jsonld"}, headers=HTML)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/ld+json")
    assert client.get(APULIA_PAGE, params={"format": "yaml"}).status_code == 400


def test_ontology_rdf(client: TestClient) -> None:
    graph = _graph(client.get("/ontology", params={"format": "ttl"}).content, "turtle")
    assert (URIRef(CKG + "ClusterOrganisation"), RDF.type, OWL.Class) in graph
    assert (URIRef(BASE + "ontology"), RDF.type, OWL.Ontology) in graph


def test_region_rdf(client: TestClient) -> None:
    graph = _graph(client.get("/region/ITF4", headers={"Accept": "text/turtle"}).content, "turtle")
    assert (URIRef("http://data.europa.eu/nuts/code/ITF4"), SKOS.prefLabel, Literal("Puglia")) in graph


# ---------------------------------------------------------------- errors


def test_unknown_iri_is_404(client: TestClient) -> None:
    page = client.get("/id/organisation/apulia-creative-cluster", headers=HTML)
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert APULIA_PAGE in _parse(page.text).hrefs  # a suggestion
    rdf = client.get("/id/organisation/no-such-thing", headers={"Accept": "text/turtle"})
    assert rdf.status_code == 404 and rdf.headers["content-type"].startswith("text/plain")
    assert client.get("/region/XX99", headers=HTML).status_code == 404
    assert client.get("/id/organisation/has%20space", headers=HTML).status_code == 404


def test_not_acceptable(client: TestClient) -> None:
    response = client.get(APULIA_PAGE, headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert "text/turtle" in response.text


def test_head(client: TestClient) -> None:
    assert client.head(APULIA_PAGE, headers={"Accept": "text/turtle"}).status_code == 200


# ---------------------------------------------------------------- blank nodes, on a small store

SMALL = """
@prefix ckg: <https://w3id.org/clusterkg/ontology#> .
@prefix schema: <http://schema.org/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

<https://w3id.org/clusterkg/id/project/p> a ckg:Project ;
    skos:prefLabel "Project P"@en ;
    ckg:totalCost [ a ckg:FundingAmount ; schema:value "1000.5"^^xsd:decimal ; schema:currency "EUR" ;
        ckg:part [ a ckg:FundingAmount ; schema:value "800"^^xsd:decimal ; schema:currency "EUR" ; ckg:share "0.8"^^xsd:decimal ] ] ;
    ckg:contact [ skos:prefLabel "project office"@en ] ;
    dcterms:source <https://w3id.org/clusterkg/source/s> .
"""


@pytest.fixture(scope="module")
def small_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    import pyoxigraph as ox

    from clusterkg.store import GraphStore

    path = tmp_path_factory.mktemp("small") / "store"
    store = GraphStore(path)
    graph = ox.NamedNode(BASE + "graph/small")
    store.load_quads(
        ox.Quad(t.subject, t.predicate, t.object, graph)
        for t in (q.triple for q in ox.parse(SMALL.encode(), format=ox.RdfFormat.TURTLE))
    )
    store.close()
    with TestClient(create_app(Settings(store=path))) as client:
        yield client


def test_blank_node_values_are_shown_inline(small_client: TestClient) -> None:
    response = small_client.get("/id/project/p", headers=HTML)
    assert response.status_code == 200
    text = response.text
    assert "1,000.50 EUR" in text  # the amount, a blank node
    assert "800 EUR" in text and "80%" in text  # its part, one level down
    assert "project office" in text  # a blank node that is not an amount: its properties
    graph = _graph(small_client.get("/id/project/p", headers={"Accept": "text/turtle"}).content, "turtle")
    assert isomorphic(graph, Graph().parse(data=SMALL, format="turtle"))  # with all three blank nodes
