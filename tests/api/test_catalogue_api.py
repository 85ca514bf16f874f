"""The catalogue over HTTP: listing, one typed OpenAPI operation per query, JSON and CSV, errors."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import HTTPException
from fastapi.testclient import TestClient

from clusterkg.api.app import create_app
from clusterkg.api.catalogue import _negotiate
from clusterkg.catalogue import load_catalogue
from clusterkg.config import QUERIES_DIR, Settings

NUTS = "http://data.europa.eu/nuts/code/"
ID = "https://w3id.org/clusterkg/id/"


@pytest.fixture(scope="module")
def client(built_store: Path) -> Iterator[TestClient]:
    """One app for the module: its lifespan starts the query workers once."""
    with TestClient(create_app(Settings(store=built_store))) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def openapi(client: TestClient) -> dict:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    return response.json()


# ---------------------------------------------------------------- listing and OpenAPI


def test_the_listing_describes_every_query(client: TestClient) -> None:
    response = client.get("/api/queries")
    assert response.status_code == 200
    listed = {q["name"]: q for q in response.json()}
    assert set(listed) == {q.name for q in load_catalogue()}
    region = listed["clusters_by_region"]
    assert region["title"] == "Clusters by region" and "regions" in region["tags"]
    assert region["href"].endswith("/api/queries/clusters_by_region")
    parameter = region["parameters"][0]
    assert (parameter["name"], parameter["type"], parameter["example"], parameter["default"], parameter["required"]) == (
        "region", "nuts", "ITF", "ITF4", False)
    assert parameter["description"] and "NUTS code" in parameter["type_description"]
    assert "skos:broader*" in region["sparql"]


def test_each_query_has_its_own_operation(openapi: dict) -> None:
    operations = {op["operationId"]: (path, op) for path, item in openapi["paths"].items() for op in item.values()}
    for query in load_catalogue():
        path, operation = operations[f"run_{query.name}"]
        assert path == f"/api/queries/{query.name}"
        assert operation["summary"] == query.title
        assert query.description in operation["description"]
        documented = {p["name"]: p for p in operation["parameters"]}
        assert set(documented) == {p.name for p in query.parameters} | {"format"}
        for parameter in query.parameters:
            entry = documented[parameter.name]
            assert entry["required"] is parameter.required
            assert entry["examples"]["example"]["value"] is not None
            assert parameter.description in entry["description"]
    assert "list_queries" in operations


def test_parameters_are_typed_with_examples_and_defaults(openapi: dict) -> None:
    def parameters(name: str) -> dict:
        operation = openapi["paths"][f"/api/queries/{name}"]["get"]
        return {p["name"]: p for p in operation["parameters"]}

    gaps = parameters("value_chain_gaps")
    assert gaps["level"]["schema"]["type"] == "integer" and gaps["level"]["schema"]["default"] == 2
    assert gaps["level"]["examples"]["example"]["value"] == 1
    assert gaps["country"]["schema"]["default"] == "ITA"
    assert gaps["value_chain"]["schema"]["format"] == "iri"
    calls = parameters("open_calls_for_clusters")
    assert calls["date"]["schema"] == {"type": "string", "format": "date", "default": "2018-01-01",
                                       "examples": ["2019-01-01"], "title": "Date"}
    assert calls["country"]["required"] is False and "default" not in calls["country"]["schema"]
    search = parameters("label_search")
    assert search["q"]["required"] is True and search["q"]["schema"]["type"] == "string"
    assert parameters("clusters_by_region")["region"]["schema"]["pattern"].startswith("^")


# ---------------------------------------------------------------- running queries


def test_run_answers_json_rows(client: TestClient) -> None:
    response = client.get("/api/queries/clusters_by_region", params={"region": "ITF"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["query"] == "clusters_by_region" and body["parameters"] == {"region": NUTS + "ITF"}
    assert body["variables"] == ["region", "cluster", "clusterLabel", "located", "locatedLabel"]
    assert body["count"] == 2
    assert {row["cluster"] for row in body["rows"]} == {
        ID + "organisation/apulia-creative-cluster-association", ID + "organisation/apulia-ict-district"}


def test_defaults_apply_when_a_parameter_is_left_out(client: TestClient) -> None:
    body = client.get("/api/queries/funding_by_region_and_fund").json()
    assert body["parameters"] == {"level": "2"}
    assert {(row["region"].rsplit("/", 1)[1], row["total"]) for row in body["rows"]} == {
        ("ITH5", 300000.0), ("ITC4", 102000.0), ("ITC4", 18000.0)}


def test_numbers_come_back_as_json_numbers(client: TestClient) -> None:
    rows = client.get("/api/queries/projects_by_programme").json()["rows"]
    s3 = next(r for r in rows if r["project"].endswith("s3-4alpclusters"))
    assert s3["totalCost"] == 2521964.0 and s3["budgetedPartners"] == 1


@pytest.mark.parametrize(
    "params, headers",
    [({"format": "csv"}, {}), ({}, {"Accept": "text/csv"}), ({"format": "csv"}, {"Accept": "application/json"})],
)
def test_run_answers_csv(client: TestClient, params: dict, headers: dict) -> None:
    response = client.get("/api/queries/clusters_by_value_chain", params=params, headers=headers)
    assert response.status_code == 200 and response.headers["content-type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert {r["cluster"].rsplit("/", 1)[1] for r in rows} == {"apulia-creative-cluster-association", "clust-er-create"}
    assert response.text.splitlines()[0] == "value_chain,cluster,clusterLabel,namedChain,namedChainLabel,region,regionLabel"


def test_format_json_wins_over_accept(client: TestClient) -> None:
    response = client.get("/api/queries/source_documents", params={"format": "json"}, headers={"Accept": "text/csv"})
    assert response.headers["content-type"].startswith("application/json")


@pytest.mark.parametrize(
    "accept, expected",
    [
        (None, "application/json"),
        ("", "application/json"),
        ("*/*", "application/json"),
        ("application/json", "application/json"),
        ("text/csv", "text/csv"),
        ("text/*", "text/csv"),
        ("text/csv;q=0.9, application/json;q=0.8", "text/csv"),
        ("text/csv;q=0.5, application/json", "application/json"),
        ("application/json;q=0, */*", "text/csv"),
        ("text/csv; charset=utf-8", "text/csv"),
        ("TEXT/CSV", "text/csv"),
        ("text/html, */*;q=0.1", "application/json"),
        ("text/html, text/*;q=0.5, application/*;q=0.4", "text/csv"),
        ("application/sparql-results+json, */*;q=0.5", "application/json"),
        ("image/png", None),
        ("text/csv;q=0, application/json;q=0", None),
        ("text/csv;q=oops", None),
    ],
)
def test_content_negotiation(accept: str | None, expected: str | None) -> None:
    if expected is None:
        with pytest.raises(HTTPException) as caught:
            _negotiate(None, accept)
        assert caught.value.status_code == 406
    else:
        assert _negotiate(None, accept) == expected


def test_nothing_acceptable_is_406(client: TestClient) -> None:
    response = client.get("/api/queries/source_documents", headers={"Accept": "image/png"})
    assert response.status_code == 406 and "text/csv" in response.json()["detail"]


# ---------------------------------------------------------------- errors


@pytest.mark.parametrize(
    "name, params, words",
    [
        ("clusters_by_region", {"region": "Puglia"}, "parameter 'region'"),
        ("clusters_by_region", {"regoin": "ITF"}, "'regoin' is not a parameter of this query"),
        ("partners_of_organisation", {"organisation": "not an iri"}, "not a valid IRI"),
        ("open_calls_for_clusters", {"date": "2019-02-30"}, "parameter 'date'"),
        ("organisations_working_together", {"min_shared": "two"}, "not a whole number"),
        ("value_chain_gaps", {"country": "Italy"}, "not a country code"),
    ],
)
def test_bad_values_are_422_with_a_clear_message(client: TestClient, name: str, params: dict, words: str) -> None:
    response = client.get(f"/api/queries/{name}", params=params)
    assert response.status_code == 422
    assert words in response.json()["detail"]


def test_a_repeated_parameter_is_422(client: TestClient) -> None:
    response = client.get("/api/queries/clusters_by_region?region=ITF&region=ITC")
    assert response.status_code == 422 and "more than once" in response.json()["detail"]


def test_a_missing_required_parameter_is_422(client: TestClient) -> None:
    response = client.get("/api/queries/label_search")
    assert response.status_code == 422 and "q" in str(response.json()["detail"])


def test_an_unknown_format_is_422(client: TestClient) -> None:
    assert client.get("/api/queries/source_documents", params={"format": "xml"}).status_code == 422


def test_an_unknown_query_is_404_naming_the_known_ones(client: TestClient) -> None:
    response = client.get("/api/queries/clusters_on_mars")
    assert response.status_code == 404 and "clusters_by_region" in response.json()["detail"]


# ---------------------------------------------------------------- injection over HTTP

ATTACKS = [
    ("clusters_by_region", "region", "ITF4> } ; DROP ALL"),
    ("clusters_by_region", "region", "ITF4 } UNION { ?s ?p ?o }"),
    ("clusters_by_region", "region", "ITF4\n} UNION { ?s ?p ?o }"),
    ("partners_of_organisation", "organisation", f"{ID}organisation/tecnopolis> }} ; DROP ALL ; SELECT * WHERE {{ ?s ?p ?o"),
    ("partners_of_organisation", "organisation", f"{ID}organisation/tecnopolis> }} SELECT * WHERE {{ ?s ?p ?o }} #"),
    ("partners_of_organisation", "organisation", 'http://x/"^^<http://www.w3.org/2001/XMLSchema#integer>'),
    ("open_calls_for_clusters", "date", '2018-01-01"^^xsd:date) || true || ("'),
    ("organisations_working_together", "min_shared", "0) || (1 = 1"),
    ("entity_provenance", "entity", "id:organisation/x>\n} UNION { GRAPH ?g { ?s ?p ?o } }"),
]


@pytest.mark.parametrize("name, parameter, value", ATTACKS)
def test_injection_in_typed_parameters_is_422(client: TestClient, name: str, parameter: str, value: str) -> None:
    response = client.get(f"/api/queries/{name}", params={parameter: value})
    assert response.status_code == 422
    assert f"parameter '{parameter}'" in response.json()["detail"]


TEXT_ATTACKS = [
    '"} ; DROP ALL',
    "') } SELECT * WHERE { ?s ?p ?o } #",
    '" } UNION { ?entity ?property ?label } #',
    "x\n} UNION { ?entity ?property ?label }",
    'creativ"^^<http://www.w3.org/2001/XMLSchema#integer>',
    'creativ"@en',
]


@pytest.mark.parametrize("value", TEXT_ATTACKS)
def test_injection_in_text_is_inert(client: TestClient, value: str) -> None:
    """The text is one literal: same columns as an honest search, no rows, the query text untouched."""
    executor = client.app.state.executor
    original = executor.select
    seen: list[tuple[str, dict]] = []

    async def spy(sparql, bindings=None, **kwargs):
        seen.append((sparql, dict(bindings or {})))
        return await original(sparql, bindings, **kwargs)

    executor.select = spy
    try:
        honest = client.get("/api/queries/label_search", params={"q": "creativ"}).json()
        attacked = client.get("/api/queries/label_search", params={"q": value})
    finally:
        executor.select = original
    assert attacked.status_code == 200
    body = attacked.json()
    assert body["variables"] == honest["variables"] and honest["count"] > 0
    assert body["rows"] == [] and body["parameters"] == {"q": value}
    assert seen[0][0] == seen[1][0] == (QUERIES_DIR / "label_search.rq").read_text(encoding="utf-8")
