"""Scores and their explanations: identifiers dominate, names, kinds, legal forms, places weigh in."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from clusterkg.resolution.blocking import block_keys, candidate_pairs, skeleton
from clusterkg.resolution.records import Name, Record, normalise_identifier, records_from_quads
from clusterkg.resolution.score import ACCEPT_THRESHOLD, REVIEW_THRESHOLD, TokenStats, score_pair, token_similarity

STATS = TokenStats()  # every word weighs 1


def record(iri: str, *names: str, country: str = "", regions: str = "", ids: tuple = ()) -> Record:
    return Record(f"https://example.org/{iri}", [Name(n, "en", "pref" if i == 0 else "alt") for i, n in enumerate(names)],
                  country, frozenset(regions.split()), frozenset(ids))


def features(scored) -> dict[str, float]:
    return {f.name: f.weight for f in scored.features}


def test_the_score_is_a_probability_with_its_features_as_explanation() -> None:
    scored = score_pair(record("a", "Municipality of Petrich", country="BGR", regions="BG413"),
                        record("b", "Община Петрич", country="BGR", regions="BG413"), STATS)
    assert 0 < scored.score <= 1
    assert scored.score >= ACCEPT_THRESHOLD
    names = features(scored)
    assert {"name", "kind", "country", "region"} <= set(names)
    assert "name=1.00" in scored.explain() and "kind=agree: municipality" in scored.explain()
    assert scored.left < scored.right  # pairs are ordered, so a pair has one identity


def test_an_equal_identifier_outweighs_different_names() -> None:
    a = record("a", "Universiteit Gent", country="BEL", ids=(("pic", "999986096"),))
    b = record("b", "Ghent University Association", country="BEL", ids=(("pic", "999986096"),))
    scored = score_pair(a, b, STATS)
    assert features(scored)["pic equal"] > 0
    assert scored.score >= ACCEPT_THRESHOLD


def test_different_identifiers_of_one_scheme_outweigh_equal_names() -> None:
    a = record("a", "Hospital Clinic de Barcelona", country="ESP", ids=(("vat", "ESQ0802070C"),))
    b = record("b", "Hospital Clinic de Barcelona", country="ESP", ids=(("vat", "ESG65341695"),))
    scored = score_pair(a, b, STATS)
    assert features(scored)["vat different"] < 0
    assert scored.score < REVIEW_THRESHOLD


def test_identifiers_of_different_schemes_say_nothing() -> None:
    a = record("a", "Alpha", ids=(("pic", "999986096"),))
    b = record("b", "Beta", ids=(("vat", "BE0248015142"),))
    assert not any("equal" in n or "different" in n for n in features(score_pair(a, b, STATS)) if n != "name")


def test_the_same_name_in_another_country_is_another_organisation() -> None:
    scored = score_pair(record("a", "Green Technology Cluster", country="LVA"),
                        record("b", "Green Technology Cluster", country="EST"), STATS)
    assert scored.score < REVIEW_THRESHOLD


def test_kinds_that_disagree_keep_namesakes_apart() -> None:
    """Umeå University and Umeå municipality share their only distinctive word."""
    scored = score_pair(record("a", "Umeå universitet", country="SWE", regions="SE331"),
                        record("b", "Umeå kommun", country="SWE", regions="SE331"), STATS)
    assert features(scored)["kind"] < 0
    assert scored.score < REVIEW_THRESHOLD


def test_a_city_and_the_district_around_it_exclude_each_other() -> None:
    scored = score_pair(record("a", "Daugavpils City Council", country="LVA"),
                        record("b", "DAUGAVPILS NOVADA DOME", country="LVA"), STATS)
    assert "exclusive" in scored.explain()
    assert scored.score < REVIEW_THRESHOLD


def test_an_acronym_matches_the_initials_of_the_other_name() -> None:
    scored = score_pair(record("a", "Luleå Tekniska Universitet", country="SWE"), record("b", "LTU", country="SWE"), STATS)
    assert "name (acronym)" in features(scored)


def test_legal_forms_of_one_class_agree_and_of_two_classes_disagree() -> None:
    same_class = score_pair(record("a", "ENEA OPERATOR SP. Z O.O."), record("b", "ENEA OPERATOR SPÓŁKA Z OGRANICZONĄ ODPOWIEDZIALNOŚCIĄ"), STATS)
    assert features(same_class)["legal form"] > 0
    other_class = score_pair(record("a", "Kermann Kft."), record("b", "Kermann Zrt."), STATS)
    assert features(other_class)["legal form"] < 0


def test_rare_words_weigh_more_than_common_ones() -> None:
    corpus = [record(str(i), f"Przedsiębiorstwo Wodociągów {town}") for i, town in enumerate(["Aaa", "Bbb", "Ccc", "Ddd"])]
    stats = TokenStats(corpus)
    assert stats.weight("bbb") > stats.weight("wodociagow")
    shares_common = score_pair(record("x", "Przedsiębiorstwo Wodociągów Aaa"), record("y", "Przedsiębiorstwo Wodociągów Bbb"), stats)
    assert shares_common.score < REVIEW_THRESHOLD


@pytest.mark.parametrize(("a", "b", "matches"), [
    ("kretinga", "kretingos", True), ("nesebar", "nessebar", True), ("goteborg", "goteborgs", True),
    ("vasterbotten", "vasternorrland", False), ("energy", "energimarknad", False), ("2007", "2008", False),
    ("syd", "sid", False),
])
def test_word_similarity(a: str, b: str, matches: bool) -> None:
    assert (token_similarity(a, b) > 0) is matches


def test_identifiers_are_recognised_by_scheme() -> None:
    assert normalise_identifier("PIC", " 999 986 096 ") == ("pic", "999986096")
    assert normalise_identifier("vat", "be 0248.015.142") == ("vat", "BE0248015142")
    assert normalise_identifier("wikidata", "http://www.wikidata.org/entity/Q1126229") == ("wikidata", "Q1126229")
    assert normalise_identifier("pic", "12345") is None
    quads = [
        ox.Quad(ox.NamedNode("https://w3id.org/clusterkg/id/organisation/cordis-pic-999986096"),
                ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), ox.NamedNode("http://www.w3.org/ns/org#FormalOrganization")),
        ox.Quad(ox.NamedNode("https://w3id.org/clusterkg/id/organisation/cordis-pic-999986096"),
                ox.NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel"), ox.Literal("UNIVERSITEIT GENT", language="en")),
        ox.Quad(ox.NamedNode("https://w3id.org/clusterkg/id/organisation/cordis-pic-999986096"),
                ox.NamedNode("https://w3id.org/clusterkg/ontology#identifier"), ox.Literal("PIC:999986096")),
        ox.Quad(ox.NamedNode("https://w3id.org/clusterkg/id/organisation/cordis-pic-999986096"),
                ox.NamedNode("http://schema.org/vatID"), ox.Literal("BE0248015142")),
        ox.Quad(ox.NamedNode("https://w3id.org/clusterkg/id/organisation/cordis-pic-999986096"),
                ox.NamedNode("http://www.w3.org/2002/07/owl#sameAs"), ox.NamedNode("http://www.wikidata.org/entity/Q1137665")),
    ]
    [found] = records_from_quads(quads)
    assert found.identifiers == {("pic", "999986096"), ("vat", "BE0248015142"), ("wikidata", "Q1137665")}
    other = records_from_quads([ox.Quad(ox.NamedNode("https://example.org/x"), ox.NamedNode(
        "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), ox.NamedNode("http://www.w3.org/ns/org#FormalOrganization")),
        ox.Quad(ox.NamedNode("https://example.org/x"), ox.NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel"),
                ox.Literal("Ghent University", language="en")),
        ox.Quad(ox.NamedNode("https://example.org/x"), ox.NamedNode("http://purl.org/dc/terms/identifier"),
                ox.Literal("VAT BE 0248.015.142"))])[0]
    assert score_pair(found, other, STATS).score >= ACCEPT_THRESHOLD  # one VAT number, two names


def test_blocking_pairs_records_of_one_country_that_share_a_key() -> None:
    records = [record("a", "Municipality Nessebar", country="BGR"), record("b", "Община Несебър", country="BGR"),
               record("c", "Nessebar Tours", country="GRC"), record("d", "Sofia Tech Park", country="BGR"),
               record("e", "Nessebar Port")]  # no country: compared with every country
    pairs = set(candidate_pairs(records))
    assert (0, 1) in pairs and (0, 2) not in pairs and (0, 3) not in pairs
    assert (0, 4) in pairs and (2, 4) in pairs
    assert skeleton("nessebar") == skeleton("nesebar") == "nsbr"
    assert "a:ltu" in block_keys(record("x", "Luleå Tekniska Universitet")) & block_keys(record("y", "LTU"))


def test_oversized_blocks_are_skipped() -> None:
    records = [record(str(i), f"Sofia Company {i:03d}", country="BGR") for i in range(40)]
    assert not set(candidate_pairs(records, max_block=10))  # only 'sofia'/'company' are shared
