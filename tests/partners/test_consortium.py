"""Consortia checked against their call's rules: each rule passing and failing, with the right reason.

Members the graph does not hold are described in Turtle, as a user may do (a partner not yet in
the graph): their region and country are real NUTS regions and countries, whose facts (cohesion
category, EU membership) the check reads from the store.
"""

from __future__ import annotations

import asyncio

import pytest
from rdflib import URIRef
from rdflib.namespace import RDF

from clusterkg.iris import CKG

from clusterkg.partners.consortium import (
    BadProposal, ConsortiumReport, Proposal, UnknownEntity, check, parse_json, parse_turtle, role_iri,
)

from .conftest import APULIA, ESCP, EXCELLENCE, ID

O = ID + "organisation/"
TEST = "https://example.org/test/"

PREFIXES = """
@prefix ckg: <https://w3id.org/clusterkg/ontology#> .
@prefix voc: <https://w3id.org/clusterkg/vocab/> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix nuts: <http://data.europa.eu/nuts/code/> .
@prefix country: <http://publications.europa.eu/resource/authority/country/> .
@prefix t: <https://example.org/test/> .
"""

#: Partners the graph does not hold, described by the request: clusters in Sweden (Stockholm, a
#: more developed region), Bulgaria (BG41, less developed) and Norway (not eligible), a branch
#: of the Swedish cluster in Bulgaria, and a cluster in Ireland (South-West, more developed).
PARTNERS = PREFIXES + """
t:stockholm-cluster a ckg:ClusterOrganisation ; skos:prefLabel "Stockholm test cluster"@en ;
    ckg:organisationType voc:orgtype-cluster ; ckg:country country:SWE ; ckg:locatedIn nuts:SE110 .
t:sofia-cluster a ckg:ClusterOrganisation ; skos:prefLabel "South-West Bulgaria test cluster"@en ;
    ckg:organisationType voc:orgtype-cluster ; ckg:country country:BGR ; ckg:locatedIn nuts:BG412 .
t:oslo-cluster a ckg:ClusterOrganisation ; skos:prefLabel "Oslo test cluster"@en ;
    ckg:organisationType voc:orgtype-cluster ; ckg:country country:NOR ; ckg:locatedIn nuts:NO081 .
t:stockholm-cluster-sofia-office a ckg:ClusterOrganisation ; skos:prefLabel "Sofia office of the Stockholm test cluster"@en ;
    ckg:organisationType voc:orgtype-cluster ; ckg:country country:BGR ; ckg:locatedIn nuts:BG412 ;
    org:subOrganizationOf t:stockholm-cluster .
t:cork-cluster a ckg:ClusterOrganisation ; skos:prefLabel "Cork test cluster"@en ;
    ckg:organisationType voc:orgtype-cluster ; ckg:country country:IRL ; ckg:locatedIn nuts:IE053 .
"""


def proposal_turtle(call: str, *members: str) -> str:
    """A proposal in Turtle: the first member coordinates."""
    lines = [PARTNERS, f"t:proposal a ckg:Proposal ; ckg:call <{call}> ;"]
    lines.append("    ckg:hasParticipation " + " , ".join(f"t:p{i}" for i in range(len(members))) + " .")
    for i, member in enumerate(members):
        role = "coordinator" if i == 0 else "participant"
        lines.append(f"t:p{i} a ckg:Participation ; ckg:participant <{member}> ; ckg:role voc:role-{role} .")
    return "\n".join(lines)


def run_turtle(reader, call: str, *members: str) -> ConsortiumReport:
    described, proposals = parse_turtle(proposal_turtle(call, *members))
    [report] = asyncio.run(check(reader, proposals, described))
    return report


def run_json(reader, call: str, *members: str) -> ConsortiumReport:
    proposal = parse_json({"call": call, "members": [
        {"organisation": m, "role": "coordinator" if i == 0 else "participant"} for i, m in enumerate(members)]})
    [report] = asyncio.run(check(reader, [proposal]))
    return report


def rule(report: ConsortiumReport, ending: str):
    [found] = [r for r in report.rules if r.rule and r.rule.endswith(ending)]
    return found


def statuses(report: ConsortiumReport) -> dict[str, str]:
    return {r.rule.rsplit("--", 1)[-1]: r.status for r in report.rules}


# ---------------------------------------------------------------- reading a proposal


@pytest.mark.parametrize("body, words", [
    ({"members": []}, '"call"'),
    ({"call": ESCP, "members": []}, "no members"),
    ({"call": ESCP, "members": [{"organisation": APULIA, "role": "boss"}]}, "unknown role"),
    ({"call": ESCP, "members": [{"organisation": APULIA}, {"organisation": APULIA}]}, "listed twice"),
    ({"call": "not an iri", "members": [{"organisation": APULIA}]}, "not a valid IRI"),
    ({"call": ESCP, "members": [{"organisation": APULIA, "budget": 1}]}, "member 1"),
    ({"call": ESCP, "members": [], "extra": 1}, "unknown field"),
    ([1, 2], "JSON object"),
])
def test_bad_json_proposals_are_refused_with_a_reason(body, words) -> None:
    with pytest.raises(BadProposal) as error:
        parse_json(body)
    assert words in str(error.value)


def test_roles_are_concepts_of_the_roles_scheme() -> None:
    assert role_iri("coordinator") == "https://w3id.org/clusterkg/vocab/role-coordinator"
    assert role_iri("Lead partner") == "https://w3id.org/clusterkg/vocab/role-lead-partner"
    assert role_iri("voc:role-member") == "https://w3id.org/clusterkg/vocab/role-member"
    assert role_iri(None).endswith("role-participant")


def test_bad_turtle_is_refused_with_the_parser_message() -> None:
    with pytest.raises(BadProposal, match="does not parse"):
        parse_turtle("<a> <b> .")
    with pytest.raises(BadProposal, match="no node with ckg:call"):
        parse_turtle(PARTNERS)


def test_a_proposal_is_rdf_with_reified_participations() -> None:
    proposal = parse_json({"call": ESCP, "members": [{"organisation": APULIA, "role": "coordinator"}]})
    graph = proposal.to_graph()
    node = URIRef(proposal.iri)
    assert (node, RDF.type, CKG.Proposal) in graph and (node, CKG.call, URIRef(ESCP)) in graph
    [participation] = graph.objects(node, CKG.hasParticipation)
    assert isinstance(participation, URIRef), "participations are IRIs (data/README.md, Roles)"
    assert graph.value(participation, CKG.participant) == URIRef(APULIA)
    assert graph.value(participation, CKG.role) == URIRef("https://w3id.org/clusterkg/vocab/role-coordinator")
    assert proposal.iri == parse_json(proposal.as_json()).iri  # stable


def test_a_proposal_conforms_to_the_house_shapes() -> None:
    """The build gate's shapes accept a proposal (with a source, as every node in the graph has)."""
    from rdflib import Graph, Literal
    from rdflib.namespace import DCTERMS

    from clusterkg.config import DATA_DIR
    from clusterkg.shapes import validate_graph

    proposal = parse_json({"call": ESCP, "members": [{"organisation": APULIA, "role": "coordinator"}]})
    data = proposal.to_graph()
    source = URIRef("https://w3id.org/clusterkg/source/test-proposal")
    for node in set(data.subjects(RDF.type, None)):
        data.add((node, DCTERMS.source, source))
    data.add((source, RDF.type, CKG.SourceDocument))
    data.add((source, DCTERMS.title, Literal("test", lang="en")))
    context = Graph()
    for name in ("vocab/vocabularies.ttl", "curated/calls.ttl", "curated/001-puglia-creativity-protocol.ttl",
                 "curated/000-chimera-action-plan.ttl"):
        context.parse(DATA_DIR / name)
    result = validate_graph(data + context)
    own = {s for s in data.subjects() if str(s).startswith("https://w3id.org/clusterkg/id/p")}
    problems = [str(r) for r in result.violations if r.focus_node in own]
    assert not problems, problems
    unproposed = proposal.to_graph()
    unproposed.remove((None, CKG.call, None))
    result = validate_graph(unproposed + context)
    assert any(str(r.source_shape).endswith("ProposalShape-call") for r in result.violations)


def test_unknown_call_or_organisation_is_refused(reader) -> None:
    with pytest.raises(UnknownEntity, match="no call"):
        run_json(reader, ID + "call/no-such-call", APULIA)
    with pytest.raises(UnknownEntity, match="no organisation"):
        run_json(reader, ESCP, APULIA, O + "no-such-organisation")


# ---------------------------------------------------------------- ESCP-S3 2017


def test_escp_consortium_from_the_curated_graph_passes_rule_by_rule(reader) -> None:
    vidzeme, cork = O + "vidzeme-tourism-association", O + "cork-city-council"
    report = run_json(reader, ESCP, APULIA, vidzeme, cork)
    assert report.eligible
    countries = rule(report, "--applicant-country")
    assert countries.status == "pass" and countries.kind == "country"
    assert set(countries.satisfied_by) == {APULIA, vidzeme, cork} and not countries.broken_by
    assert countries.details[vidzeme] == "Latvia: listed by the call"
    assert {s["page"] for s in countries.sources if "page" in s} >= {
        "https://ec.europa.eu/easme/en/cos-clustpartn-2017-3-02-european-strategic-cluster-partnerships-smart-specialisation-investments"}
    region = rule(report, "--convergence-region-cluster")
    assert region.status == "pass" and set(region.satisfied_by) == {APULIA, vidzeme}
    assert "less developed" in region.details[APULIA] and "ITF4" in region.details[APULIA]
    assert region.sources and region.sources[0]["iri"].endswith("seed-004-european-cluster-conference-2016")
    assert rule(report, "--regional-s3-implementation").status == "not checked"
    assert "1 rule to check by hand" in report.verdict
    apulia = report.member(APULIA)
    assert apulia.role == "coordinator" and apulia.country.code == "ITA"
    assert apulia.nuts2.code == "ITF4" and apulia.category.label == "less developed region"


def test_escp_member_outside_eligible_countries_breaks_the_country_rule(reader) -> None:
    report = run_turtle(reader, ESCP, APULIA, TEST + "stockholm-cluster", TEST + "oslo-cluster")
    assert not report.eligible
    countries = rule(report, "--applicant-country")
    assert countries.status == "fail" and countries.broken_by == [TEST + "oslo-cluster"]
    assert countries.details[TEST + "oslo-cluster"] == "Norway: not eligible"
    assert countries.messages and "COSME participating countries" in countries.messages[0]
    assert rule(report, "--convergence-region-cluster").status == "pass"


def test_escp_consortium_without_a_convergence_region_breaks_the_region_rule(reader) -> None:
    report = run_turtle(reader, ESCP, O + "clust-er-create", TEST + "stockholm-cluster", TEST + "cork-cluster")
    assert statuses(report) == {"applicant-country": "pass", "convergence-region-cluster": "fail",
                                "regional-s3-implementation": "not checked"}
    region = rule(report, "--convergence-region-cluster")
    assert region.satisfied_by == [] and "more developed" in region.details[O + "clust-er-create"]


def test_a_request_cannot_add_facts_about_the_call(reader) -> None:
    """A Turtle request describes its members; what it says of the call is not taken."""
    text = proposal_turtle(ESCP, APULIA, TEST + "oslo-cluster") + f"\n<{ESCP}> ckg:eligibleCountry country:NOR ."
    described, proposals = parse_turtle(text)
    [report] = asyncio.run(check(reader, proposals, described))
    assert rule(report, "--applicant-country").broken_by == [TEST + "oslo-cluster"]


# ---------------------------------------------------------------- Cluster Excellence 2019

EXCELLENT = (APULIA, TEST + "stockholm-cluster", TEST + "sofia-cluster")


def test_excellence_consortium_passes_every_checked_rule(reader) -> None:
    report = run_turtle(reader, EXCELLENCE, *EXCELLENT)
    assert statuses(report) == {
        "applicant-established-in-eu-or-cosme-country": "pass",
        "applicant-cluster-or-business-network-organisation": "pass",
        "consortium-three-legal-entities": "pass",
        "consortium-three-countries": "pass",
        "member-in-less-developed-or-transition-region": "pass",
        "applicant-registered-on-eccp": "not checked",
    }
    assert report.eligible
    assert "3 eligible countries: Bulgaria, Italy, Sweden" in rule(report, "--consortium-three-countries").summary
    assert set(rule(report, "--member-in-less-developed-or-transition-region").satisfied_by) == {APULIA, TEST + "sofia-cluster"}
    for result in report.rules:
        assert result.sources and result.sources[0]["page"] == "https://turnerer.com/grant-notices/10608/"


@pytest.mark.parametrize("members, broken, culprits", [
    # a public body is not a cluster or business network organisation
    ((APULIA, TEST + "stockholm-cluster", O + "cork-city-council"), "applicant-cluster-or-business-network-organisation",
     [O + "cork-city-council"]),
    # Norway is neither an EU Member State nor a COSME participating country
    ((APULIA, TEST + "stockholm-cluster", TEST + "sofia-cluster", TEST + "oslo-cluster"), "applicant-established-in-eu-or-cosme-country",
     [TEST + "oslo-cluster"]),
    # the Sofia office is part of the Stockholm cluster: two legal entities, in three countries
    ((APULIA, TEST + "stockholm-cluster", TEST + "stockholm-cluster-sofia-office"), "consortium-three-legal-entities", []),
    # three Italian clusters: one country
    ((APULIA, O + "apulia-ict-district", O + "clust-er-create"), "consortium-three-countries", []),
    # Emilia-Romagna, Stockholm and South-West Ireland are all more developed regions
    ((O + "clust-er-create", TEST + "stockholm-cluster", TEST + "cork-cluster"), "member-in-less-developed-or-transition-region", []),
])
def test_excellence_consortium_breaking_one_rule_fails_that_rule_only(reader, members, broken, culprits) -> None:
    report = run_turtle(reader, EXCELLENCE, *members)
    assert not report.eligible
    failed = {name for name, status in statuses(report).items() if status == "fail"}
    assert failed == {broken}
    result = rule(report, "--" + broken)
    assert result.broken_by == culprits
    assert result.messages, "the SHACL result carries the shape's message"
    assert report.verdict.startswith("not eligible: 1 of 5 checked rules fail")


def test_legal_entities_count_a_department_as_its_organisation(reader) -> None:
    report = run_turtle(reader, EXCELLENCE, APULIA, TEST + "stockholm-cluster", TEST + "stockholm-cluster-sofia-office")
    result = rule(report, "--consortium-three-legal-entities")
    assert "2 different legal entities" in result.summary
    assert "Stockholm test cluster" in result.details[TEST + "stockholm-cluster-sofia-office"]


def test_several_proposals_are_checked_in_one_validation(reader) -> None:
    one = Proposal(ESCP, parse_json({"call": ESCP, "members": [{"organisation": APULIA}]}).members)
    two = parse_json({"call": EXCELLENCE, "members": [{"organisation": APULIA}, {"organisation": O + "clust-er-create"}]})
    first, second = asyncio.run(check(reader, [one, two]))
    assert first.eligible  # ESCP-S3: the graph checks no minimum size
    assert not second.eligible and {r.kind for r in second.failed} == {"legal-entities", "countries"}
