"""Cohesion categories 2014-2020 derived from the Cohesion Open Data Platform files."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS, SKOS

from clusterkg import reference
from clusterkg.cohesion import (
    COHESION_TTL,
    ESIF_SOURCE,
    ERDF_NUTS_SOURCE,
    NUTS2_2024_FROM_2016,
    derive_cohesion,
    read_nuts_2013_2016,
)
from clusterkg.config import SHARED_REAL_DIR
from clusterkg.iris import CKG, NUTS, SPDX, VOC

LESS, TRANSITION, MORE = (VOC["cohesion-less-developed"], VOC["cohesion-transition"], VOC["cohesion-more-developed"])
ESIF = SHARED_REAL_DIR / "esif-2014-2020-planned.csv"
ERDF_NUTS = SHARED_REAL_DIR / "erdf-2014-2020-programme-nuts.csv"
NUTS_CHANGES = SHARED_REAL_DIR / "nuts-2013-2016.csv"

needs_real = pytest.mark.skipif(
    not all(p.is_file() for p in (ESIF, ERDF_NUTS, NUTS_CHANGES)),
    reason=f"needs ../shared/data/real (the ESIF, ERDF programme and NUTS change files) at {SHARED_REAL_DIR}",
)


@pytest.fixture(scope="module")
def derived():
    if not all(p.is_file() for p in (ESIF, ERDF_NUTS, NUTS_CHANGES)):
        pytest.skip(f"needs ../shared/data/real (the ESIF, ERDF programme and NUTS change files) at {SHARED_REAL_DIR}")
    return derive_cohesion(ESIF, ERDF_NUTS)


def category(graph: Graph, code: str):
    return graph.value(NUTS[code], CKG.cohesionCategory)


# ---------------------------------------------------------------- on the real files


@needs_real
def test_italian_regions_get_their_2014_2020_category(derived):
    graph, _ = derived
    assert category(graph, "ITF4") == LESS  # Puglia
    # Basilicata was less developed in 2014-2020 (2014/99/EU, Annex I; its ERDF programme
    # 2014IT16RFOP022 says so on every line); it became a transition region only in 2021-2027.
    assert category(graph, "ITF5") == LESS
    assert category(graph, "ITH5") == MORE  # Emilia-Romagna
    assert category(graph, "ITC4") == MORE  # Lombardia
    assert category(graph, "ITF1") == TRANSITION  # Abruzzo
    italy = [r.code for r in reference.nuts_records() if r.country == "IT" and r.level == 2]
    assert all(category(graph, code) is not None for code in italy)


@needs_real
def test_a_programme_mixing_categories_leaves_its_regions_without_one_and_says_so(derived):
    graph, notes = derived
    wallonia = ["BE31", "BE32", "BE33", "BE34", "BE35"]
    assert all(category(graph, code) is None for code in wallonia)
    note = next(n for n in notes if n.startswith("BE3 (NUTS 1)"))
    assert "2014BE16RFOP003" in note and "transition and more developed" in note
    assert all(code in note for code in wallonia)
    assert category(graph, "BE10") == MORE  # Brussels has a programme of its own


@needs_real
def test_a_single_category_national_programme_does_not_decide_a_country_whose_programmes_mix(derived):
    graph, notes = derived
    # 2014SK05M0OP001 is 'less developed' only, but Bratislava was more developed.
    assert category(graph, "SK01") is None
    assert category(graph, "RO32") is None  # Bucuresti-Ilfov, likewise
    assert any(n.startswith("SK (whole country)") and "SK01" in n for n in notes)


@needs_real
def test_a_region_with_its_own_programme_is_decided_by_it(derived):
    graph, notes = derived
    assert category(graph, "CZ01") == MORE  # Prague, against the national 'less developed' programmes
    assert category(graph, "CZ02") is None
    assert category(graph, "PL71") == LESS  # Lodzkie (NUTS 2013 PL11)
    assert category(graph, "BG31") == LESS  # Bulgaria: every national programme says less developed
    assert any("HU10 more developed" in n for n in notes)


@needs_real
def test_categories_follow_nuts_changes_to_the_regions_of_the_graph(derived):
    graph, _ = derived
    assert category(graph, "HU11") == MORE and category(graph, "HU12") == MORE  # split of HU10
    assert category(graph, "PL91") == MORE and category(graph, "PL92") == MORE  # split of PL12
    assert category(graph, "FRY5") == LESS  # Mayotte, FRA5 in NUTS 2013
    assert category(graph, "LT01") == LESS and category(graph, "LT02") == LESS
    assert category(graph, "PT1D") == LESS  # parts of Centro and Alentejo, both less developed
    assert category(graph, "PT1A") == MORE  # part of Lisboa
    assert category(graph, "HR05") == LESS  # Grad Zagreb, part of Kontinentalna Hrvatska
    assert category(graph, "UKL1") == LESS  # West Wales and the Valleys (NUTS 2016 graph region)
    note = graph.value(NUTS.PL92, SKOS.editorialNote)
    assert note is not None and "PL12" in str(note)


@needs_real
def test_facts_are_only_about_level_2_regions_of_the_graph_and_carry_their_sources(derived):
    graph, _ = derived
    level_2 = {reference.region_iri(r.code) for r in reference.nuts_records() if r.level == 2}
    subjects = set(graph.subjects(CKG.cohesionCategory, None))
    assert subjects <= level_2
    assert len(subjects) == 196
    for region in subjects:
        sources = set(graph.objects(region, DCTERMS.source))
        assert {ESIF_SOURCE, ERDF_NUTS_SOURCE} <= sources


@needs_real
def test_every_region_left_without_category_is_named_in_the_notes(derived):
    graph, notes = derived
    text = "\n".join(notes)
    covered = reference.EU_MEMBERS | {"UK"}
    for record in reference.nuts_records():
        if record.level == 2 and record.country in covered and category(graph, record.code) is None:
            assert record.code in text, f"{record.code} has no category and no note"


@needs_real
def test_the_sources_carry_the_checksum_of_the_files_read(derived):
    graph, _ = derived
    for source, path in ((ESIF_SOURCE, ESIF), (ERDF_NUTS_SOURCE, ERDF_NUTS)):
        checksum = graph.value(source, SPDX.checksum)
        value = str(graph.value(checksum, SPDX.checksumValue))
        assert value == hashlib.sha256(path.read_bytes()).hexdigest()
        assert str(graph.value(source, DCTERMS.identifier)) == path.name


@needs_real
def test_the_nuts_2016_to_2024_table_covers_every_new_eu_code():
    codes_2016 = set(read_nuts_2013_2016(NUTS_CHANGES).origins_2016)
    new = {r.code for r in reference.nuts_records()
           if r.level == 2 and r.country in reference.EU_MEMBERS and r.code not in codes_2016}
    assert new == set(NUTS2_2024_FROM_2016)
    assert all(set(old) <= codes_2016 for old in NUTS2_2024_FROM_2016.values())


@needs_real
def test_the_committed_file_is_what_derive_cohesion_produces_now(derived):
    graph, _ = derived
    committed = Graph().parse(COHESION_TTL, format="turtle")
    assert isomorphic(committed, graph), "data/derived/cohesion-2014-2020.ttl is stale: run 'clusterkg derive cohesion'"


# ---------------------------------------------------------------- the rules, on small files


def write_inputs(folder: Path, programmes: list[tuple[str, str, str, str, str]]) -> tuple[Path, Path]:
    """programmes: (CCI, NUTS 1, NUTS 2, categories separated by '|', country)."""
    esif = folder / "esif-2014-2020-planned.csv"
    lines = ["MS,CCI,Programme Title,Fund,Category of region"]
    for cci, _, _, categories, country in programmes:
        for cat in categories.split("|"):
            lines.append(f"{country},{cci},Programme {cci},ERDF,{cat}")
        lines.append(f"{country},{cci},Programme {cci},ESF,Transition")  # ESF lines do not count
    esif.write_text("\n".join(lines) + "\n", encoding="utf-8")
    erdf = folder / "erdf-2014-2020-programme-nuts.csv"
    rows = ["MS;NUTS 1;NUTS 2;CCI"] + [f"{country};{n1};{n2};{cci}" for cci, n1, n2, _, country in programmes]
    erdf.write_text("\ufeff" + "\r\n".join(rows) + "\r\n", encoding="utf-8")
    changes = folder / "nuts-2013-2016.csv"
    sk = ["SK01", "SK02", "SK03", "SK04"]
    changes.write_text(",,,,,,,,,\n,Code 2013,Code 2016,Country,NUTS level 1,NUTS level 2,NUTS level 3,Change,level\n"
                       + "".join(f"{i},{c},{c},,,x,,,2\n" for i, c in enumerate(sk)), encoding="utf-8")
    return esif, erdf


def test_one_category_over_a_whole_country_gives_it_to_every_region(tmp_path):
    esif, erdf = write_inputs(tmp_path, [("A", "", "", "Less developed|VOID", "SK")])
    graph, notes = derive_cohesion(esif, erdf)
    assert {category(graph, c) for c in ("SK01", "SK02", "SK03", "SK04")} == {LESS}


def test_own_programme_wins_and_mixed_national_programmes_decide_nothing(tmp_path):
    esif, erdf = write_inputs(tmp_path, [
        ("A", "", "", "Less developed", "SK"),
        ("B", "", "", "Less developed|More developed", "SK"),
        ("C", "SK0", "SK01", "More developed|Outermost or Northern Sparsely Populated", "SK"),
    ])
    graph, notes = derive_cohesion(esif, erdf)
    assert category(graph, "SK01") == MORE
    assert all(category(graph, c) is None for c in ("SK02", "SK03", "SK04"))
    assert any(n.startswith("SK (whole country): 2 programmes") and "SK02, SK03, SK04" in n for n in notes)
