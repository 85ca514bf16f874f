"""The HTTP side: the search, suggestions and check endpoints, the exports and the /partners page."""

from __future__ import annotations

import csv
import io

import pytest

from .conftest import APULIA, ESCP, EXCELLENCE, ID
from .test_consortium import TEST, proposal_turtle

O = ID + "organisation/"
GOOD = {"call": ESCP, "members": [{"organisation": APULIA, "role": "coordinator"},
                                   {"organisation": O + "vidzeme-tourism-association"},
                                   {"organisation": O + "cork-city-council", "role": "partner"}]}


def test_search_answers_the_ranking_with_the_weights_it_used(client) -> None:
    response = client.get("/api/partners/search", params={
        "applicant": "apulia-creative-cluster-association", "call": "cos-clustpartns-2017-3-02",
        "limit": 5, "w_theme": 1, "w_eligibility": 1, "w_trust": 2, "w_activity": 0})
    assert response.status_code == 200
    data = response.json()
    assert data["weights"] == {"given": {"theme": 1.0, "eligibility": 1.0, "trust": 2.0, "activity": 0.0},
                               "normalised": {"theme": 0.25, "eligibility": 0.25, "trust": 0.5, "activity": 0.0}}
    assert data["applicant"]["organisation"]["iri"] == APULIA and data["call"]["iri"] == ESCP
    assert len(data["candidates"]) == 5 and data["options"]["limit"] == 5
    first = data["candidates"][0]
    assert set(first["scores"]) == set(first["explanation"]) == {"theme", "eligibility", "trust", "activity"}
    assert first["organisation"]["href"].startswith("/id/organisation/")
    assert set(data["scoring"]) >= {"theme", "eligibility", "trust", "activity", "total"}


def test_search_defaults_are_echoed(client) -> None:
    data = client.get("/api/partners/search", params={"applicant": APULIA, "call": ESCP}).json()
    assert data["weights"]["given"] == {"theme": 0.35, "eligibility": 0.25, "trust": 0.25, "activity": 0.15}
    assert data["options"]["limit"] == 20


def test_search_filters_are_query_parameters(client) -> None:
    data = client.get("/api/partners/search", params=[("applicant", APULIA), ("call", ESCP), ("country", "LV"),
                                                      ("country", "IE")]).json()
    assert {c["organisation"]["iri"] for c in data["candidates"]} == {O + "vidzeme-tourism-association", O + "cork-city-council"}


@pytest.mark.parametrize("params, words", [
    ({"applicant": "nobody-at-all", "call": ESCP}, "no organisation"),
    ({"applicant": APULIA, "call": "no-such-call"}, "no call"),
    ({"applicant": APULIA, "call": ESCP, "w_theme": -1}, "weight theme"),
    ({"applicant": APULIA, "call": ESCP, "w_theme": 0, "w_eligibility": 0, "w_trust": 0, "w_activity": 0}, "all weights are zero"),
    ({"applicant": APULIA, "call": ESCP, "country": "Atlantis"}, "country"),
])
def test_search_mistakes_are_422_with_one_message(client, params, words) -> None:
    response = client.get("/api/partners/search", params=params)
    assert response.status_code == 422
    assert words in response.text


def test_shortlist_exports(client) -> None:
    params = {"applicant": APULIA, "call": ESCP, "limit": 4}
    response = client.get("/api/partners/search", params={**params, "format": "csv"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == 4 and rows[0]["rank"] == "1"
    assert {"score_theme", "weight_trust", "why_eligibility", "trust_path", "category"} <= set(rows[0])
    assert rows[0]["weight_theme"] == "0.35"
    page = client.get("/api/partners/search", params={**params, "format": "html"})
    assert page.status_code == 200 and "@media print" in page.text and "Partners for" in page.text
    assert 'href="/id/organisation/' in page.text and "<script" not in page.text


def test_suggest_answers_consortia_with_their_reports(client) -> None:
    data = client.get("/api/partners/suggest", params={"applicant": APULIA, "call": ESCP, "n": 2}).json()
    assert data["found"] == 2 and data["size"] == 3
    for suggestion in data["suggestions"]:
        assert suggestion["report"]["eligible"]
        assert suggestion["proposal"]["members"][0] == {"organisation": APULIA, "role": "coordinator"}
    blocked = client.get("/api/partners/suggest", params={"applicant": APULIA, "call": EXCELLENCE}).json()
    assert blocked["found"] == 0 and blocked["blockers"][0]["rule"].endswith("--consortium-three-countries")
    page = client.get("/api/partners/suggest", params={"applicant": APULIA, "call": ESCP, "n": 2, "format": "html"})
    assert page.status_code == 200 and page.text.count('class="page"') == 2


def test_check_json(client) -> None:
    response = client.post("/api/consortia/check", json=GOOD)
    assert response.status_code == 200
    report = response.json()
    assert report["eligible"] and report["call"]["iri"] == ESCP
    roles = {m["organisation"]["iri"]: m["role"] for m in report["members"]}
    assert roles == {APULIA: "coordinator", O + "vidzeme-tourism-association": "participant", O + "cork-city-council": "partner"}
    [country] = [r for r in report["rules"] if r["kind"] == "country"]
    assert country["status"] == "pass" and len(country["satisfied_by"]) == 3
    assert any(s.get("page", "").startswith("https://ec.europa.eu/easme/") for s in country["sources"])


def test_check_turtle_with_members_the_graph_does_not_hold(client) -> None:
    body = proposal_turtle(EXCELLENCE, APULIA, TEST + "stockholm-cluster", TEST + "oslo-cluster")
    response = client.post("/api/consortia/check", content=body.encode(), headers={"Content-Type": "text/turtle"})
    assert response.status_code == 200
    report = response.json()
    assert not report["eligible"]
    failed = {r["rule"].rsplit("--", 1)[-1]: r for r in report["rules"] if r["status"] == "fail"}
    assert set(failed) == {"applicant-established-in-eu-or-cosme-country", "consortium-three-countries"}
    assert failed["applicant-established-in-eu-or-cosme-country"]["broken_by"] == [TEST + "oslo-cluster"]


def test_check_exports(client) -> None:
    csv_text = client.post("/api/consortia/check?format=csv", json=GOOD).text
    rows = list(csv.DictReader(io.StringIO(csv_text)))
    assert [r["section"] for r in rows] == ["member"] * 3 + ["rule"] * 3 + ["verdict"]
    assert rows[-1]["role_or_status"] == "eligible"
    page = client.post("/api/consortia/check?format=html", json=GOOD)
    assert page.status_code == 200 and "@media print" in page.text
    for words in ("Apulia Creative Cluster Association", "Puglia", "less developed region", "Eligibility rules", "Evidence",
                  "https://ec.europa.eu/easme/", 'href="/region/ITF4"'):
        assert words in page.text


@pytest.mark.parametrize("body, content_type, status", [
    (b"{not json", "application/json", 422),
    (b'{"call": "x"}', "application/json", 422),
    (b"<a> <b> .", "text/turtle", 422),
    (b"call=x", "application/x-www-form-urlencoded", 415),
    (b"\xff\xfe", "text/turtle", 422),
])
def test_check_refuses_bad_bodies(client, body, content_type, status) -> None:
    response = client.post("/api/consortia/check", content=body, headers={"Content-Type": content_type})
    assert response.status_code == status
    assert "Traceback" not in response.text


def test_check_refuses_unknown_organisations_given_as_json(client) -> None:
    body = {"call": ESCP, "members": [{"organisation": O + "nobody"}]}
    response = client.post("/api/consortia/check", json=body)
    assert response.status_code == 422 and "no organisation" in response.text


def test_consortium_summary_page(client) -> None:
    params = [("call", "cos-clustpartns-2017-3-02"), ("member", "apulia-creative-cluster-association"),
              ("member", "vidzeme-tourism-association"), ("member", "cork-city-council")]
    page = client.get("/consortia/summary", params=params)
    assert page.status_code == 200 and "Eligible on the 2 rules the graph can check" in page.text
    assert client.get("/consortia/summary", params=params + [("format", "csv")]).text.startswith("section,")
    assert client.get("/consortia/summary", params=[("call", ESCP)]).status_code == 422


def test_partners_page(client) -> None:
    empty = client.get("/partners")
    assert empty.status_code == 200 and 'name="applicant"' in empty.text and "Cluster Excellence" in empty.text
    page = client.get("/partners", params={"applicant": "apulia-creative-cluster-association", "call": ESCP})
    assert page.status_code == 200
    for words in ("Ranking for", "Suggested consortia", "printable summary", "shortlist as CSV", "Weights:"):
        assert words in page.text
    filtered = client.get("/partners", params={"applicant": APULIA, "call": ESCP, "country": "LV, IE"})
    assert "country=LV&amp;country=IE" in filtered.text  # the export links give each value on its own
    assert client.get("/api/partners/search?" + filtered.text.split('href="/api/partners/search?')[1].split('"')[0]
                      .replace("&amp;", "&")).status_code == 200
    mistake = client.get("/partners", params={"applicant": "nobody-at-all", "call": ESCP})
    assert mistake.status_code == 200 and 'class="error"' in mistake.text


def test_openapi_documents_the_endpoints(client) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert paths["/api/partners/search"]["get"]["operationId"] == "search_partners"
    assert paths["/api/partners/suggest"]["get"]["operationId"] == "suggest_consortia"
    assert "text/turtle" in paths["/api/consortia/check"]["post"]["requestBody"]["content"]


def test_partner_pages_load_nothing_from_another_host(client) -> None:
    """As every page of the service (tests/api/test_ui.py): links to other hosts are rel="external", nothing is loaded from them."""
    from tests.api.test_ui import _References, same_origin

    pages = [
        "/partners?applicant=apulia-creative-cluster-association&call=cos-clustpartns-2017-3-02",
        "/api/partners/search?applicant=apulia-creative-cluster-association&call=cos-clustpartns-2017-3-02&format=html",
        "/api/partners/suggest?applicant=apulia-creative-cluster-association&call=cos-clustpartns-2017-3-02&format=html",
        "/consortia/summary?call=cos-clustpartns-2017-3-02&member=apulia-creative-cluster-association&member=cork-city-council",
    ]
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        parser = _References()
        parser.feed(response.text)
        for tag, attribute, url, rel in parser.references:
            if tag == "a" and "external" in rel.split():
                continue
            assert same_origin(url, page), f"{page}: <{tag} {attribute}={url!r}> points to another host"
