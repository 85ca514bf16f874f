"""The call shapes themselves: valid SHACL, named, and tied to the rules of the calls they check."""

from __future__ import annotations

import asyncio
import itertools

import pyshacl
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SH, SKOS

from clusterkg.config import DATA_DIR
from clusterkg.iris import CKG, CKGSH, VOC
from clusterkg.partners.consortium import Member, Proposal, check, role_iri
from clusterkg.partners.rules import KINDS, calls_with_shapes, checks_for_call, load_call_shapes

from .conftest import APULIA, ESCP, EXCELLENCE, ID


@pytest.fixture(scope="module")
def curated() -> Graph:
    graph = Graph()
    for path in sorted((DATA_DIR / "curated").glob("*.ttl")) + [DATA_DIR / "vocab" / "vocabularies.ttl"]:
        graph.parse(path)
    return graph


def test_call_shapes_are_valid_shacl() -> None:
    """pySHACL's meta-shapes (SHACL 1.0, appendix C) accept the call shapes."""
    conforms, _, text = pyshacl.validate(Graph(), shacl_graph=load_call_shapes(), meta_shacl=True, advanced=True)
    assert conforms, text


def test_call_shapes_are_not_part_of_the_build_gate() -> None:
    from clusterkg.shapes import load_shapes

    assert not set(load_shapes().subjects(RDF.type, CKGSH.ProposalsForCall))


def test_every_call_shape_is_named_with_english_label_and_comment() -> None:
    shapes = load_call_shapes()
    nodes = set(shapes.subjects(RDF.type, SH.NodeShape)) | set(shapes.subjects(RDF.type, SH.PropertyShape)) \
        | set(shapes.subjects(RDF.type, SH.ConstraintComponent)) | set(shapes.subjects(RDF.type, SH.SPARQLSelectValidator))
    assert nodes
    for node in nodes:
        assert isinstance(node, URIRef), f"anonymous {sorted(shapes.predicate_objects(node))}"
        for predicate in (RDFS.label, RDFS.comment):
            assert any(getattr(v, "language", None) == "en" for v in shapes.objects(node, predicate)), f"{node} {predicate}"


def test_every_rule_shape_names_a_rule_of_the_call_it_targets(curated: Graph) -> None:
    shapes = load_call_shapes()
    for call in calls_with_shapes():
        checks = checks_for_call(call)
        assert checks
        rules = set(curated.objects(URIRef(call), CKG.eligibilityRule))
        for check in checks:
            assert check.rule and URIRef(check.rule) in rules, f"{check.shape}: {check.rule} is not a rule of {call}"
            assert (URIRef(check.rule), RDF.type, CKG.EligibilityRule) in curated
            assert check.kind in KINDS.values() and check.message
        assert len({c.rule for c in checks}) == len(checks), "one shape per rule"
    assert {ESCP, EXCELLENCE} <= calls_with_shapes()


def test_rules_name_the_concepts_their_shapes_accept(curated: Graph) -> None:
    """A region rule names cohesion categories and a type rule organisation types, with rdfs:seeAlso."""
    schemes = {"region-category": VOC["cohesion-categories"], "organisation-type": VOC["organisation-types"]}
    for call in calls_with_shapes():
        for check in checks_for_call(call):
            if check.kind in schemes:
                assert check.parameter == check.rule
                accepted = {c for c in curated.objects(URIRef(check.rule), RDFS.seeAlso)
                            if (c, SKOS.inScheme, schemes[check.kind]) in curated}
                assert accepted, f"{check.rule} names no concept of {schemes[check.kind]}"
    region = checks_for_call(EXCELLENCE)
    [rule] = [c.rule for c in region if c.kind == "region-category"]
    assert set(curated.objects(URIRef(rule), RDFS.seeAlso)) == {VOC["cohesion-less-developed"], VOC["cohesion-transition"]}


def test_the_kinds_of_rule_each_call_checks() -> None:
    assert sorted(c.kind for c in checks_for_call(ESCP)) == ["country", "region-category"]
    assert sorted((c.kind, c.parameter) for c in checks_for_call(EXCELLENCE) if c.kind in ("countries", "legal-entities")) == \
        [("countries", 3), ("legal-entities", 3)]
    assert sorted(c.kind for c in checks_for_call(EXCELLENCE)) == \
        ["countries", "country", "legal-entities", "organisation-type", "region-category"]
    assert checks_for_call(ID + "call/innosup-1-2016-2017") == []


def test_calls_carry_the_facts_of_the_reference_notes(curated: Graph) -> None:
    """Budget, maximum grant, expected grants, reimbursement rate, deadline and eligible countries, each with a source."""
    escp = URIRef(ESCP)
    assert curated.value(escp, CKG.expectedGrants).toPython() == 8
    assert str(curated.value(escp, CKG.cofinancingRate)) == "0.75"
    assert str(curated.value(escp, CKG.deadline)).startswith("2018-03-08")
    countries = set(curated.objects(escp, CKG.eligibleCountry))
    assert len(countries) == 39 and URIRef("http://publications.europa.eu/resource/authority/country/UKR") in countries
    excellence = URIRef(EXCELLENCE)
    assert set(curated.objects(excellence, CKG.eligibleCountry)) == countries
    assert len(list(curated.objects(excellence, CKG.eligibilityRule))) == 6
    for call in (escp, excellence):
        for rule in curated.objects(call, CKG.eligibilityRule):
            assert list(curated.objects(rule, DCTERMS.source)), rule
            assert any(isinstance(t, Literal) for t in curated.objects(rule, CKG.ruleText))


def test_forecast_and_shapes_agree_on_many_consortia(reader) -> None:
    """The search's own reading of the rules (used to build consortia) agrees with the SHACL verdict:
    every 3-member consortium of a handful of curated organisations, checked in one validation."""
    from clusterkg.partners.search import DEFAULT_WEIGHTS, SearchOptions, load_facts, rank
    from clusterkg.partners.suggest import Needs, _meets

    options = SearchOptions(limit=500, include_ineligible=True)
    facts = asyncio.run(load_facts(reader, EXCELLENCE, options, APULIA))
    result = rank(facts, APULIA, options, DEFAULT_WEIGHTS)
    everyone = {c.iri: c for c in [result.applicant, *result.candidates]}
    names = ["apulia-ict-district", "clust-er-create", "aster", "cork-city-council", "vidzeme-tourism-association"]
    pool = [APULIA] + [ID + "organisation/" + n for n in names]
    combos = [c for c in itertools.combinations(pool, 3) if APULIA in c]
    proposals = [Proposal(EXCELLENCE, tuple(Member(o, role_iri("participant")) for o in combo)) for combo in combos]
    reports = asyncio.run(check(reader, proposals))
    context = facts.call
    needs = Needs(context.min_entities, context.min_countries, context.min_countries, context.accepted_categories)
    for combo, report in zip(combos, reports):
        members = [everyone[o] for o in combo]
        forecast = all(not m.problems for m in members) and _meets(facts, members, needs, needs.wanted_countries)
        assert forecast == report.eligible, (combo, report.verdict)
