"""/api/networks (JSON, CORS) and /view (embeddable pages, framing) over the built store."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import networkx as nx
import pytest
from fastapi.testclient import TestClient

from clusterkg.api.app import create_app
from clusterkg.config import Settings
from clusterkg.networks import view

from .netdata import APULIA, CLUST_ER, EMILIA_ROMAGNA, SALENTO, SPRINT, TECNOPOLIS

ORIGIN = {"Origin": "https://example.org"}


@pytest.fixture(scope="module")
def client(built_store: Path) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(store=built_store, query_workers=2))) as client:
        yield client


def test_list_of_networks(client: TestClient) -> None:
    body = client.get("/api/networks").json()
    assert [n["kind"] for n in body["networks"]] == ["coparticipation", "bipartite", "regions", "themes"]
    assert "graphml" in body["formats"]


def test_network_json(client: TestClient) -> None:
    response = client.get("/api/networks/coparticipation", params={"region": "ITF4"})
    assert response.status_code == 200
    data = response.json()
    ids = {n["id"] for n in data["nodes"]}
    assert {APULIA, SALENTO, TECNOPOLIS, SPRINT} <= ids and CLUST_ER not in ids
    apulia = next(n for n in data["nodes"] if n["id"] == APULIA)
    assert apulia["degree"] == 6 and apulia["type"] == "cluster organisation" and "pagerank" not in apulia
    link = next(l for l in data["links"] if {l["source"], l["target"]} == {APULIA, SALENTO})
    assert link["weight"] == 5 and all(t["roles"][APULIA] for t in link["through"])
    assert data["graph"]["filters"]["region"] == "http://data.europa.eu/nuts/code/ITF4"
    with_metrics = client.get("/api/networks/coparticipation", params={"metrics": "true"}).json()
    assert {"betweenness", "pagerank", "community"} <= set(with_metrics["nodes"][0])


def test_metrics(client: TestClient) -> None:
    body = client.get("/api/networks/coparticipation/metrics", params={"top": 3}).json()
    assert body["summary"]["top_brokers"][0]["id"] == APULIA
    assert body["nodes"][0]["id"] == APULIA and body["nodes"][0]["degree"] == 6
    assert len(body["summary"]["top_brokers"]) == 3


def test_path(client: TestClient) -> None:
    body = client.get("/api/networks/path", params={"from": "university-of-salento", "to": SPRINT}).json()
    assert [n["id"] for n in body["nodes"]] == [SALENTO, APULIA, SPRINT]
    assert body["hops"][1]["through"][0]["label"] == "Challenges in managing creative clusters"
    tie = client.get("/api/networks/path", params={"from": CLUST_ER, "to": EMILIA_ROMAGNA}).json()
    assert {t["relation"] for t in tie["hops"][0]["through"]} == {"supportedBy", "funder"}
    missing = client.get("/api/networks/path", params={"from": CLUST_ER, "to": APULIA})
    assert missing.status_code == 404 and "no chain of collaborations" in missing.json()["detail"]


def test_ego(client: TestClient) -> None:
    body = client.get("/api/networks/ego", params={"org": APULIA, "depth": 1}).json()
    assert {n["id"] for n in body["nodes"]} >= {APULIA, SALENTO, TECNOPOLIS, SPRINT}
    assert body["graph"]["centre"] == APULIA and body["graph"]["depth"] == 1
    graphml = client.get("/api/networks/ego", params={"org": APULIA, "format": "graphml"})
    assert "attachment" in graphml.headers["content-disposition"]
    assert APULIA in nx.read_graphml(io.BytesIO(graphml.content))


@pytest.mark.parametrize(("format", "media_type"), [("graphml", "application/graphml+xml"),
                                                    ("gexf", "application/gexf+xml"), ("csv", "text/csv")])
def test_exports(client: TestClient, format: str, media_type: str) -> None:
    response = client.get("/api/networks/regions/export", params={"format": format, "level": 1})
    assert response.status_code == 200 and response.headers["content-type"].startswith(media_type)
    assert response.headers["content-disposition"] == f'attachment; filename="clusterkg-regions.{format}"'
    if format == "graphml":
        assert "http://data.europa.eu/nuts/code/ITF" in nx.read_graphml(io.BytesIO(response.content))


def test_bad_filter_is_a_clear_400(client: TestClient) -> None:
    response = client.get("/api/networks/coparticipation", params={"date": "yesterday"}, headers=ORIGIN)
    assert response.status_code == 400
    assert response.json()["detail"] == "bad date 'yesterday': give a day as YYYY-MM-DD"
    assert response.headers["access-control-allow-origin"] == "*"
    assert client.get("/api/networks/nonsense").status_code == 422


@pytest.mark.parametrize("path", ["/api/networks", "/api/networks/coparticipation", "/api/networks/themes/metrics",
                                  f"/api/networks/ego?org={APULIA}"])
def test_cors_on_the_network_api(client: TestClient, path: str) -> None:
    response = client.get(path, headers=ORIGIN)
    assert response.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in response.headers
    assert "frame-ancestors *" not in response.headers.get("content-security-policy", "")


def test_cors_preflight(client: TestClient) -> None:
    response = client.options("/api/networks/coparticipation",
                              headers={**ORIGIN, "Access-Control-Request-Method": "GET"})
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == "*"
    assert "GET" in response.headers["access-control-allow-methods"]


@pytest.mark.parametrize("path", ["/sparql?query=ASK%7B%7D", "/", "/id/organisation/apulia-creative-cluster-association"])
def test_nothing_else_is_loosened(client: TestClient, path: str) -> None:
    response = client.get(path, headers=ORIGIN)
    assert "access-control-allow-origin" not in response.headers
    assert "frame-ancestors *" not in response.headers.get("content-security-policy", "")
    assert response.headers.get("x-frame-options", "DENY") == "DENY"


@pytest.mark.parametrize("path", ["/view/network/coparticipation", "/view/network/regions?level=0&color=community",
                                  "/view/network/themes", f"/view/ego?org={APULIA}&depth=1&size=pagerank"])
def test_views_may_be_framed_and_load_nothing_from_elsewhere(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    policy = response.headers["content-security-policy"]
    assert policy.endswith("; frame-ancestors *") and "default-src 'none'" in policy
    assert "x-frame-options" not in response.headers
    assert "access-control-allow-origin" not in response.headers
    assert view.external_references(response.text) == []
    assert "Embed" in response.text and "vis.Network" in response.text


def test_view_links_to_entity_pages_and_has_a_stable_address(client: TestClient) -> None:
    page = client.get("/view/network/coparticipation", params={"region": "itf4", "color": "community"}).text
    assert '"url": "/id/organisation/apulia-creative-cluster-association"' in page
    assert "http://testserver/view/network/coparticipation?color=community&amp;region=http%3A%2F%2Fdata.europa.eu%2Fnuts%2Fcode%2FITF4&amp;size=degree" in page


def test_view_errors_are_pages_that_may_be_framed(client: TestClient) -> None:
    response = client.get("/view/ego", params={"org": "nobody-at-all"})
    assert response.status_code == 404
    assert "is not in this network" in response.text
    assert response.headers["content-security-policy"].endswith("; frame-ancestors *")


def test_too_big_network_is_cut_and_the_page_says_so(built_store: Path) -> None:
    with TestClient(create_app(Settings(store=built_store, max_view_nodes=4, query_workers=1))) as client:
        page = client.get("/view/network/coparticipation").text
    assert "Showing 4 of 13 nodes: the top ones by number of partners." in page


def test_framing_origins_come_from_the_settings(built_store: Path) -> None:
    settings = Settings(store=built_store, frame_ancestors=["https://example.org", "'self'"], query_workers=1)
    with TestClient(create_app(settings)) as client:
        response = client.get("/view/network/themes")
    assert response.headers["content-security-policy"].endswith("; frame-ancestors https://example.org 'self'")
