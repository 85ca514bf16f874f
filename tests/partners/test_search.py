"""The ranking: explained scores, adjustable weights, filters, and the pieces it is made of."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest

from clusterkg.networks.filters import BadFilter
from clusterkg.partners.consortium import UnknownEntity
from clusterkg.partners.search import (
    DIMENSIONS, BadSearch, Concept, SearchOptions, Thesaurus, Weights, default_since, search, thematic_fit,
)

from .conftest import APULIA, ESCP, EXCELLENCE, ID

O = ID + "organisation/"
VOC = "https://w3id.org/clusterkg/vocab/"


@pytest.fixture(scope="module")
def escp(reader):
    return asyncio.run(search(reader, APULIA, ESCP, SearchOptions(limit=50)))


def by_iri(result) -> dict:
    return {c.iri: c for c in result.candidates}


# ---------------------------------------------------------------- parameters


def test_weights_are_normalised_and_checked() -> None:
    weights = Weights(2, 1, 1, 0)
    assert weights.normalised() == {"theme": 0.5, "eligibility": 0.25, "trust": 0.25, "activity": 0.0}
    assert weights.as_json()["given"] == {"theme": 2, "eligibility": 1, "trust": 1, "activity": 0}
    for bad in ((-1, 1, 1, 1), (0, 0, 0, 0), (float("nan"), 1, 1, 1), (1e9, 1, 1, 1)):
        with pytest.raises(BadSearch):
            Weights(*bad)


def test_options_accept_codes_and_slugs() -> None:
    options = SearchOptions.parse(["vc-fashion"], [], ["SE", "LVA"], ["ITF4"], ["cluster"], 5, "2020-01-01")
    assert options.value_chains == (VOC + "vc-fashion",)
    assert options.countries == ("http://publications.europa.eu/resource/authority/country/SWE",
                                 "http://publications.europa.eu/resource/authority/country/LVA")
    assert options.regions == ("http://data.europa.eu/nuts/code/ITF4",)
    assert options.org_types == (VOC + "orgtype-cluster",)
    assert options.since == date(2020, 1, 1)
    assert set(options.bindings()) == {"region", "orgType"}  # single-valued filters go to the SPARQL too
    with pytest.raises(BadFilter):
        SearchOptions.parse(countries=["Atlantis"])
    with pytest.raises(BadSearch):
        SearchOptions(limit=0)
    assert default_since(date(2026, 11, 22)) == date(2021, 1, 1)


# ---------------------------------------------------------------- thematic fit


def test_thesaurus_relations() -> None:
    concepts = {
        "cci": Concept("cci", "cultural and creative industries", set(), [], set()),
        "fashion": Concept("fashion", "fashion", {"cci"}, [], set()),
        "design": Concept("design", "design", {"cci"}, [("exactMatch", "other:design")], set()),
        "area": Concept("area", "creative communities", set(), [], {"cci"}),
    }
    thesaurus = Thesaurus(concepts)
    assert thesaurus.relation("cci", "cci")[:2] == (1.0, "same")
    assert thesaurus.relation("fashion", "cci")[:2] == (0.75, "narrower")
    assert thesaurus.relation("cci", "fashion")[:2] == (0.75, "broader")
    assert thesaurus.relation("fashion", "design") == (0.5, "complementary", "cci")
    assert thesaurus.relation("design", "other:design")[:2] == (0.9, "match:exactMatch")
    assert thesaurus.relation("area", "cci")[:2] == (0.8, "covers")
    score, why, _ = thematic_fit(thesaurus, [("fashion", "valueChain")], [("design", "valueChain", "the applicant")])
    assert score == 0.5 and why == ["works in 'fashion', complementary to the applicant's 'design' (both under 'cultural and creative industries')"]
    score, why, _ = thematic_fit(thesaurus, [("cci", "regionS3")], [("cci", "valueChain", "the call")])
    assert score == pytest.approx(0.7) and "the call's theme" in why[0]


# ---------------------------------------------------------------- the ranking


def test_every_candidate_is_explained_in_four_scores(escp) -> None:
    assert escp.candidates
    for candidate in escp.candidates:
        assert set(candidate.scores) == set(DIMENSIONS)
        assert all(0 <= v <= 1 for v in candidate.scores.values())
        assert all(candidate.explanation[d] for d in DIMENSIONS)
        assert candidate.total == pytest.approx(sum(candidate.contributions.values()))
    totals = [c.total for c in escp.candidates]
    assert totals == sorted(totals, reverse=True)


def test_the_ranking_leaves_out_the_applicant_and_ineligible_organisations(escp) -> None:
    ranked = by_iri(escp)
    assert APULIA not in ranked
    assert O + "european-commission" not in ranked  # no country: the call's country rule would refuse it
    assert escp.excluded.get("not eligible: country", 0) >= 1
    assert all(not c.problems for c in escp.candidates)


def test_earlier_joint_work_is_the_trust_and_is_shown(escp) -> None:
    tecnopolis = by_iri(escp)[O + "tecnopolis"]
    assert tecnopolis.trust.distance == 1 and tecnopolis.scores["trust"] == 1.0
    assert tecnopolis.trust.joint and all("label" in j for j in tecnopolis.trust.joint)
    assert [step["iri"] for step in tecnopolis.trust.path] == [APULIA, O + "tecnopolis"]
    assert "earlier undertakings" in tecnopolis.explanation["trust"][0]
    region = by_iri(escp)[O + "regione-puglia"]
    assert region.trust.distance == 2 and region.scores["trust"] == 0.4
    assert len(region.trust.path) == 3 and "steps from the applicant" in region.explanation["trust"][0]


def test_what_a_candidate_adds_to_eligibility(escp) -> None:
    vidzeme = by_iri(escp)[O + "vidzeme-tourism-association"]
    assert vidzeme.scores["eligibility"] == 0.5
    assert "adds a new country, Latvia" in vidzeme.explanation["eligibility"]
    assert any("Latvija (LV00), a less developed region" in line for line in vidzeme.explanation["eligibility"])
    cork = by_iri(escp)[O + "cork-city-council"]
    assert cork.scores["eligibility"] == 0.25 and cork.category == VOC + "cohesion-more-developed"


def test_thematic_fit_follows_value_chains_and_s3_priorities(escp) -> None:
    clust_er = by_iri(escp)[O + "clust-er-create"]
    assert clust_er.scores["theme"] >= 0.75
    assert any("part of the applicant's 'cultural and creative industries'" in line for line in clust_er.explanation["theme"])
    assert by_iri(escp)[O + "cork-city-council"].scores["theme"] == 0.0


def test_weights_change_the_order_and_are_echoed(reader) -> None:
    trust_only = asyncio.run(search(reader, APULIA, ESCP, SearchOptions(limit=50), Weights(0, 0, 1, 0)))
    assert trust_only.as_json()["weights"]["normalised"] == {"theme": 0.0, "eligibility": 0.0, "trust": 1.0, "activity": 0.0}
    trusts = [c.scores["trust"] for c in trust_only.candidates]
    assert trusts == sorted(trusts, reverse=True)
    eligibility_only = asyncio.run(search(reader, APULIA, ESCP, SearchOptions(limit=50), Weights(0, 1, 0, 0)))
    assert eligibility_only.candidates[0].iri == O + "vidzeme-tourism-association"


@pytest.mark.parametrize("options, expected", [
    (SearchOptions.parse(countries=["LV"]), {O + "vidzeme-tourism-association"}),
    (SearchOptions.parse(value_chains=["vc-fashion"]), {O + "clust-er-create"}),
    (SearchOptions.parse(regions=["IE"], org_types=["public-body"]), {O + "cork-city-council"}),
])
def test_filters(reader, options, expected) -> None:
    result = asyncio.run(search(reader, APULIA, ESCP, options))
    assert {c.iri for c in result.candidates} == expected


def test_a_type_rule_narrows_the_candidates(reader) -> None:
    result = asyncio.run(search(reader, APULIA, EXCELLENCE, SearchOptions(limit=100)))
    assert result.candidates
    for candidate in result.candidates:
        assert {VOC + "orgtype-cluster", VOC + "orgtype-business-support"} & set(candidate.organisation.types)
    assert result.excluded["not eligible: organisation type"] > 5


def test_unknown_applicant_is_refused(reader) -> None:
    with pytest.raises(UnknownEntity):
        asyncio.run(search(reader, O + "nobody", ESCP))
