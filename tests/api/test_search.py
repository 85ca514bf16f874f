"""Search by label: normalisation, ranking, and /api/search over the built graph."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from clusterkg.api.app import create_app
from clusterkg.api.search import load_label_index
from clusterkg.api.templating import local_path
from clusterkg.config import Settings
from clusterkg.executor import QueryExecutor
from clusterkg.search import ALT_LABEL, PREF_LABEL, LabelIndex, normalise

APULIA = "https://w3id.org/clusterkg/id/organisation/apulia-creative-cluster-association"
CLUST_ER = "https://w3id.org/clusterkg/id/organisation/clust-er-create"
EMILIA_ROMAGNA = "http://data.europa.eu/nuts/code/ITH5"
CKG = "https://w3id.org/clusterkg/ontology#"


@pytest.fixture(scope="module")
def client(built_store: Path) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(store=built_store))) as client:
        yield client


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Puglia Creativa", "puglia creativa"),
        ("Clust-ER", "clust er"),
        ("Emilia-Romagna", "emilia romagna"),
        ("  Città   di Bari ", "citta di bari"),
        ("Straße", "strasse"),
        ("Αττική", "attiki"),
        ("Île-de-France", "ile de france"),
        ("ChIMERA D.3.5.1", "chimera d 3 5 1"),
        ("!!!", ""),
    ],
)
def test_normalise(text: str, expected: str) -> None:
    assert normalise(text) == expected


def _index() -> LabelIndex:
    return LabelIndex.from_rows(
        [
            ("ex:a", PREF_LABEL, "Apulia Creative Cluster Association", "en"),
            ("ex:a", PREF_LABEL, "Distretto produttivo Puglia Creativa", "it"),
            ("ex:a", ALT_LABEL, "Puglia Creativa", "it"),
            ("ex:b", PREF_LABEL, "Apulia", "en"),
            ("ex:c", PREF_LABEL, "Creative Apulia network", "en"),
            ("ex:d", PREF_LABEL, "Procreative things", "en"),
        ],
        types=[("ex:a", "ex:Cluster"), ("ex:b", "ex:Region"), ("ex:c", "ex:Network")],
        subclass_edges=[("ex:Cluster", "ex:Organisation"), ("ex:Network", "ex:Organisation")],
    )


def test_ranking_exact_then_prefix_then_all_words_then_substring() -> None:
    index = _index()
    assert [h.iri for h in index.search("apulia")] == ["ex:b", "ex:a", "ex:c"]
    assert [h.score for h in index.search("apulia")] == [1.0, 0.8, 0.6]
    assert [h.iri for h in index.search("creative apulia")] == ["ex:c", "ex:a"]
    assert [h.iri for h in index.search("reative")] == ["ex:d", "ex:c", "ex:a"]


def test_other_names_count_but_rank_below_preferred_labels() -> None:
    hit = _index().search("puglia creativa")[0]
    assert hit.iri == "ex:a"
    assert hit.matched.kind == ALT_LABEL and hit.score == pytest.approx(0.95)


def test_type_filter_includes_subclasses() -> None:
    index = _index()
    assert [h.iri for h in index.search("apulia", type_iri="ex:Organisation")] == ["ex:a", "ex:c"]
    assert [h.iri for h in index.search("apulia", type_iri="ex:Region")] == ["ex:b"]
    assert [h.iri for h in index.search("", type_iri="ex:Cluster")] == ["ex:a"]


def test_display_label_falls_back_to_english() -> None:
    index = _index()
    assert index.label("ex:a", ["it"]) == "Distretto produttivo Puglia Creativa"
    assert index.label("ex:a", ["de"]) == "Apulia Creative Cluster Association"
    assert index.label("ex:unknown") is None


def test_search_finds_the_exact_label_among_a_hundred_thousand() -> None:
    rows = [(f"ex:{i}", PREF_LABEL, f"Organisation number {i} of region {i % 300}", "en") for i in range(100_000)]
    hits = LabelIndex.from_rows(rows).search("organisation number 4242", limit=10)
    # every label starts with the query's words; the shortest, ex:4242's, comes first
    assert hits[0].iri == "ex:4242"
    assert {h.iri for h in hits[1:]} <= {f"ex:{i}" for i in range(42420, 42430)}


def test_the_index_reads_every_label_whatever_the_row_cap(built_store: Path) -> None:
    async def labels(max_results: int) -> set[tuple[str, str, str]]:
        executor = QueryExecutor(built_store, 60, max_results, workers=2)
        try:
            index = await load_label_index(executor)
        finally:
            executor.close()
        return {(label.iri, label.kind, label.text) for label in index.labels}

    # 100 rows is less than one of the 16 buckets holds here: they are split and read again.
    assert asyncio.run(labels(100)) == asyncio.run(labels(1_000_000))
    assert len(asyncio.run(labels(1_000_000))) > 16 * 100


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("puglia creativa", APULIA),
        ("Puglia Creativa", APULIA),
        ("PUGLIA   CREATIVA", APULIA),
        ("apulia creative cluster", APULIA),
        ("Apulia Creative Cluster", APULIA),
        ("Distretto produttivo Puglia Creativa", APULIA),
        ("Clust-ER", CLUST_ER),
        ("clust er", CLUST_ER),
        ("emilia romagna", EMILIA_ROMAGNA),
        ("Émilia-Romagna", EMILIA_ROMAGNA),
    ],
)
def test_api_search_finds_the_entity_first(client: TestClient, query: str, expected: str) -> None:
    response = client.get("/api/search", params={"q": query})
    assert response.status_code == 200
    first = response.json()[0]
    assert first["iri"] == expected
    assert first["url"] == local_path(expected)


def test_api_search_result_shape(client: TestClient) -> None:
    first = client.get("/api/search", params={"q": "Puglia Creativa"}).json()[0]
    assert first == {
        "iri": APULIA,
        "label": "Apulia Creative Cluster Association",
        "matched": "Puglia Creativa",
        "matched_language": "it",
        "type": CKG + "ClusterOrganisation",
        "types": [CKG + "ClusterOrganisation"],
        "score": 0.95,
        "url": "/id/organisation/apulia-creative-cluster-association",
    }
    in_italian = client.get("/api/search", params={"q": "Puglia Creativa", "lang": "it"}).json()[0]
    assert in_italian["label"] == "Distretto produttivo Puglia Creativa"


def test_api_search_type_limit_and_errors(client: TestClient) -> None:
    clusters = client.get("/api/search", params={"q": "cluster", "type": "ckg:ClusterOrganisation", "limit": 50}).json()
    assert clusters and all(CKG + "ClusterOrganisation" in r["types"] for r in clusters)
    organisations = client.get("/api/search", params={"q": "apulia creative", "type": "org:FormalOrganization"}).json()
    assert APULIA in [r["iri"] for r in organisations]  # ClusterOrganisation is a subclass
    assert len(client.get("/api/search", params={"q": "a", "limit": 3}).json()) == 3
    assert client.get("/api/search", params={"q": ""}).json() == []
    assert client.get("/api/search", params={"q": "x", "type": "not a type"}).status_code == 400
    assert client.get("/api/search", params={"q": "x", "limit": 0}).status_code == 422


def test_search_page(client: TestClient) -> None:
    response = client.get("/search", params={"q": "puglia creativa"}, headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert 'href="/id/organisation/apulia-creative-cluster-association"' in response.text
    assert "matched “Puglia Creativa”" in response.text
    listing = client.get("/search", params={"type": CKG + "ClusterOrganisation"})
    assert "Apulia Creative Cluster Association" in listing.text
