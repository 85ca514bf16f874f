"""Suggested consortia: only consortia that pass every checked rule, or the rule that cannot be met.

The acceptance case runs on the curated graph plus two real imported sources (Interreg partners
of Swedish projects, the cluster organisations among the Kohesio beneficiaries): searching from
the Apulia Creative Cluster Association for the ESCP-S3 call gives an explained ranking and
consortia whose rule reports are checked rule by rule.
"""

from __future__ import annotations

import asyncio
import itertools

import pytest

from clusterkg.partners import suggest as suggest_module
from clusterkg.partners.search import BadSearch, SearchOptions, search
from clusterkg.partners.suggest import suggest

from .conftest import APULIA, ESCP, EXCELLENCE, ID

O = ID + "organisation/"
COUNTRY = "http://publications.europa.eu/resource/authority/country/"


def statuses(report: dict) -> dict[str, str]:
    return {r["rule"].rsplit("--", 1)[-1]: r["status"] for r in report["rules"]}


# ---------------------------------------------------------------- the curated graph


def test_escp_consortia_from_the_curated_graph(reader) -> None:
    result = asyncio.run(suggest(reader, APULIA, ESCP, size=3, n=3))
    data = result.as_json()
    assert data["found"] == 3 and not data["blockers"]
    for suggestion in data["suggestions"]:
        members = [m["organisation"]["iri"] for m in suggestion["members"]]
        assert members[0] == APULIA and suggestion["members"][0]["role"] == "coordinator"
        assert suggestion["report"]["eligible"]
        assert statuses(suggestion["report"]) == {"applicant-country": "pass", "convergence-region-cluster": "pass",
                                                  "regional-s3-implementation": "not checked"}
        countries = {m["country"]["iri"] for m in suggestion["members"]}
        assert len(countries) == 3, "one country per member, as the preference asks"
    assert any("no minimum number of countries" in note for note in data["notes"])
    scores = [s["score"] for s in data["suggestions"]]
    assert scores == sorted(scores, reverse=True)


def test_excellence_call_cannot_be_met_from_the_curated_graph_and_says_why(reader) -> None:
    result = asyncio.run(suggest(reader, APULIA, EXCELLENCE))
    assert not result.suggestions
    [blocker] = result.blockers
    assert blocker.rule.endswith("--consortium-three-countries")
    assert "1 eligible country only (Italy)" in blocker.reason
    assert "2 more EU Member State(s) or COSME participating countries other than Italy" in blocker.fix
    assert "cluster organisation" in blocker.fix


def test_an_ineligible_applicant_is_the_blocker(reader) -> None:
    result = asyncio.run(suggest(reader, O + "cork-city-council", EXCELLENCE))
    assert not result.suggestions
    assert any(b.rule.endswith("--applicant-cluster-or-business-network-organisation") and "applicant itself" in b.reason
               for b in result.blockers)


def test_a_call_without_checkable_rules_suggests_nothing(reader) -> None:
    result = asyncio.run(suggest(reader, APULIA, ID + "call/innosup-1-2016-2017"))
    assert not result.suggestions and result.blockers[0].label == "no checkable rule"


def test_size_and_n_are_checked(reader) -> None:
    with pytest.raises(BadSearch):
        asyncio.run(suggest(reader, APULIA, ESCP, size=0))
    with pytest.raises(BadSearch):
        asyncio.run(suggest(reader, APULIA, ESCP, n=99))


def test_only_consortia_the_shapes_pass_are_suggested(reader, monkeypatch) -> None:
    """Even when the search's forecast of the rules lets everything through, the SHACL check
    keeps out every ineligible consortium."""
    monkeypatch.setattr(suggest_module, "_meets", lambda *args: True)
    monkeypatch.setattr(suggest_module, "_can_still_meet", lambda *args: True)
    monkeypatch.setattr(suggest_module, "blockers", lambda *args: [])
    result = asyncio.run(suggest(reader, APULIA, EXCELLENCE, size=3, n=5, min_countries=1))
    assert result.suggestions == []  # every Italian-only consortium fails the three-countries shape
    assert "fails the call's shapes" in result.blockers[0].reason
    assert "Consortium from at least three different countries" in result.blockers[0].label


# ---------------------------------------------------------------- with real imported sources


def test_search_from_apulia_for_escp_ranks_imported_partners_with_explanations(imported_reader) -> None:
    options = SearchOptions(limit=500, countries=(COUNTRY + "SWE", COUNTRY + "BGR"))
    result = asyncio.run(search(imported_reader, APULIA, ESCP, options))
    assert result.candidates
    countries = {c.country.iri for c in result.candidates}
    assert countries == {COUNTRY + "SWE", COUNTRY + "BGR"}
    for candidate in result.candidates:
        assert any(line.startswith("adds a new country") for line in candidate.explanation["eligibility"])
    swedes = [c for c in result.candidates if c.country.iri == COUNTRY + "SWE"]
    assert any(c.scores["activity"] > 0 for c in swedes), "Interreg 2021-2027 projects make Swedish partners active"
    assert all("Interreg" not in c.organisation.label for c in swedes)
    bulgarians = [c for c in result.candidates if c.country.iri == COUNTRY + "BGR"]
    assert bulgarians and all(c.region.category == "https://w3id.org/clusterkg/vocab/cohesion-less-developed" for c in bulgarians)


def test_escp_consortium_with_imported_partners_rule_by_rule(imported_reader) -> None:
    result = asyncio.run(suggest(imported_reader, APULIA, ESCP, size=3, n=2))
    data = result.as_json()
    assert data["found"] == 2
    best = data["suggestions"][0]
    members = {m["organisation"]["iri"]: m for m in best["members"]}
    assert APULIA in members
    assert any("/organisation/interreg-" in iri or "/organisation/kohesio-" in iri for iri in members), members
    report = best["report"]
    assert report["eligible"] and report["verdict"].startswith("eligible on the 2 rules")
    [country] = [r for r in report["rules"] if r["rule"].endswith("--applicant-country")]
    assert country["status"] == "pass" and set(country["satisfied_by"]) == set(members) and not country["broken_by"]
    [region] = [r for r in report["rules"] if r["rule"].endswith("--convergence-region-cluster")]
    assert region["status"] == "pass" and APULIA in region["satisfied_by"]
    [manual] = [r for r in report["rules"] if r["rule"].endswith("--regional-s3-implementation")]
    assert manual["status"] == "not checked"
    for rule in (country, region, manual):
        assert rule["sources"], "each rule cites its source"
    assert len({m["country"]["iri"] for m in best["members"]}) == 3


def test_excellence_consortium_with_imported_partners_rule_by_rule(imported_reader) -> None:
    result = asyncio.run(suggest(imported_reader, APULIA, EXCELLENCE, size=3, n=3))
    data = result.as_json()
    assert data["found"] >= 1, data["blockers"]
    for suggestion in data["suggestions"]:
        report = suggestion["report"]
        assert statuses(report) == {
            "applicant-established-in-eu-or-cosme-country": "pass",
            "applicant-cluster-or-business-network-organisation": "pass",
            "consortium-three-legal-entities": "pass",
            "consortium-three-countries": "pass",
            "member-in-less-developed-or-transition-region": "pass",
            "applicant-registered-on-eccp": "not checked",
        }
        members = [m["organisation"]["iri"] for m in suggestion["members"]]
        [types] = [r for r in report["rules"] if r["kind"] == "organisation-type"]
        assert set(types["satisfied_by"]) == set(members)
        [countries] = [r for r in report["rules"] if r["kind"] == "countries"]
        assert "3 eligible countries" in countries["summary"]


def test_forecast_and_shapes_agree_with_imported_partners(imported_reader) -> None:
    """Mixed consortia (eligible and not) of imported and curated organisations: the search's
    forecast of the rules and the SHACL verdict agree on each."""
    from clusterkg.partners.consortium import Member, Proposal, check, role_iri
    from clusterkg.partners.search import DEFAULT_WEIGHTS, Thesaurus, load_facts, rank, score_candidate
    from clusterkg.partners.suggest import Needs, _meets

    options = SearchOptions(limit=500, include_ineligible=True)
    facts = asyncio.run(load_facts(imported_reader, EXCELLENCE, options, APULIA))
    result = rank(facts, APULIA, options, DEFAULT_WEIGHTS)
    everyone = {c.iri: c for c in [result.applicant, *result.candidates]}
    eligible = [c.iri for c in result.candidates if not c.problems]
    by_country: dict[str, str] = {}
    for iri in eligible:
        country = everyone[iri].country.iri if everyone[iri].country else None
        by_country.setdefault(country, iri)
    pool = list(by_country.values())[:4] + [O + "cork-city-council", O + "clust-er-create"]
    combos = [(APULIA, *pair) for pair in itertools.combinations(pool, 2)]
    proposals = [Proposal(EXCELLENCE, tuple(Member(o, role_iri("participant")) for o in combo)) for combo in combos]
    reports = asyncio.run(check(imported_reader, proposals))
    context = facts.call
    needs = Needs(context.min_entities, context.min_countries, context.min_countries, context.accepted_categories)
    verdicts = set()
    thesaurus = Thesaurus(facts.concepts)
    for combo, report in zip(combos, reports):
        members = [score_candidate(facts, thesaurus, facts.organisations[o], [], [], DEFAULT_WEIGHTS, options.since)
                   for o in combo]
        forecast = all(not m.problems for m in members) and _meets(facts, members, needs, needs.wanted_countries)
        assert forecast == report.eligible, (combo, report.verdict)
        verdicts.add(report.eligible)
    assert verdicts == {True, False}
