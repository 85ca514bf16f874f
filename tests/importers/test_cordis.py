"""CORDIS: a Horizon Europe project's XML (Python importer) and the CORDIS code lists (mappings)."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import pytest

from clusterkg.importers import ImportReport, import_file

from .helpers import select

PROJECT = "cordis-project-101190685.xml"
GRAPH = "<https://w3id.org/clusterkg/graph/import/cordis-project-101190685>"


@pytest.fixture(scope="module")
def imported(real_dir: Path, module_store: Path) -> tuple[Path, ImportReport]:
    return module_store, import_file("cordis", real_dir / PROJECT, module_store)


def test_participants_read_imported_rejected(imported) -> None:
    _, report = imported
    assert (report.read, report.imported, report.rejected) == (7, 6, 1)
    rejects = list(csv.DictReader(report.rejects_path.open(encoding="utf-8")))
    assert [(r["row"], r["outcome"], r["reason"]) for r in rejects] == [
        ("6", "rejected", "HOSPITAL CLINIC DE BARCELONA: a linked third party has no role in voc:roles")]


def test_coordinator_role_contribution_region_and_identifiers(imported) -> None:
    store, _ = imported
    rows = select(store, f"""
        SELECT ?role ?eu ?cost ?region ?pic ?vat ?type ?country WHERE {{ GRAPH {GRAPH} {{
          ?project ckg:identifier "101190685" ; ckg:hasParticipation ?p .
          ?p ckg:participant ?org ; ckg:role ?role ;
             ckg:fundingReceived [ schema:value ?eu ] ; ckg:budget [ schema:value ?cost ] .
          ?org skos:prefLabel "UNIVERSITEIT GENT"@en ; ckg:locatedIn ?region ; ckg:identifier ?pic ;
               schema:vatID ?vat ; ckg:organisationType ?type ; ckg:country ?country .
        }} }}""")
    assert len(rows) == 1
    row = rows[0]
    assert row["role"] == "https://w3id.org/clusterkg/vocab/role-coordinator"
    assert (Decimal(row["eu"]), Decimal(row["cost"])) == (Decimal("1288775"), Decimal("1288775"))
    assert row["region"] == "http://data.europa.eu/nuts/code/BE234"
    assert (row["pic"], row["vat"]) == ("PIC:999986096", "BE0248015142")
    assert row["type"] == "https://w3id.org/clusterkg/vocab/orgtype-university"
    assert row["country"] == "http://publications.europa.eu/resource/authority/country/BEL"


def test_participants_and_their_roles(imported) -> None:
    store, _ = imported
    rows = select(store, f"""
        SELECT ?name ?role ?eu WHERE {{ GRAPH {GRAPH} {{
          ?project ckg:hasParticipation ?p . ?p ckg:participant [ skos:prefLabel ?name ] ; ckg:role ?role ;
             ckg:fundingReceived [ schema:value ?eu ] }} }}""")
    got = {(r["name"], r["role"].rsplit("-", 1)[1], Decimal(r["eu"])) for r in rows}
    assert ("FUNDACION PRIVADA INSTITUTO DE SALUD GLOBAL BARCELONA", "participant", Decimal("1004831.25")) in got
    assert len(got) == 6 and sum(1 for g in got if g[1] == "coordinator") == 1


def test_a_participant_outside_the_graphs_countries_keeps_its_country_code(imported) -> None:
    store, _ = imported
    rows = select(store, f"""
        SELECT ?code ?country WHERE {{ GRAPH {GRAPH} {{ ?org skos:prefLabel "FUNDACAO MANHICA"@en ;
          schema:addressCountry ?code . OPTIONAL {{ ?org ckg:country ?country }} OPTIONAL {{ ?org ckg:locatedIn ?r }} }} }}""")
    assert rows == [{"code": "MZ"}]


def test_project_amounts_programme_and_call(imported) -> None:
    store, _ = imported
    rows = select(store, f"""
        SELECT ?total ?programme ?parent ?call ?months WHERE {{ GRAPH {GRAPH} {{
          ?project ckg:identifier "101190685" ; ckg:totalCost [ schema:value ?total ] ; ckg:durationMonths ?months ;
             ckg:programme [ skos:prefLabel ?programme ; ckg:parentProgramme [ ckg:identifier ?parent ] ] ;
             ckg:call [ ckg:identifier ?call ] }} }}""")
    assert rows == [{"total": "5500000", "programme": "Health", "parent": "HORIZON.2",
                     "call": "HORIZON-JU-GH-EDCTP3-2024-01-03-two-stage", "months": "48"}]


def test_code_lists_become_concept_schemes_innosup_1_included(real_dir: Path, store: Path) -> None:
    for name in ("cordisref-H2020programmes.csv", "cordisref-H2020topics.csv",
                 "cordisref-organizationActivityType.csv", "cordisref-projectFundingSchemeCategory.csv",
                 "cordisref-countries.csv"):
        import_file("cordis", real_dir / name, store)
    rows = select(store, """
        SELECT DISTINCT ?label ?broader WHERE {
          ?topic skos:notation "INNOSUP-1-2015" ; skos:inScheme voc:cordis-h2020 ; skos:prefLabel ?label ;
                 skos:broader [ skos:notation ?broader ] }""")
    assert rows == [{"label": "Cluster faciltated projects for new value chains", "broader": "H2020-EU.2.3.2."}]
    match = select(store, """SELECT ?type WHERE { <https://w3id.org/clusterkg/vocab/cordis-activity-type/HES> skos:closeMatch ?type }""")
    assert match == [{"type": "https://w3id.org/clusterkg/vocab/orgtype-university"}]
    countries = select(store, """SELECT ?label WHERE { ?c skos:notation "EL" ; skos:inScheme voc:cordis-countries ;
        skos:prefLabel ?label ; skos:exactMatch country:GRC FILTER(LANG(?label) = "en") }""")
    assert countries == [{"label": "Greece"}]
