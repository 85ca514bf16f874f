"""Interreg 2021-2027 partners with Swedish partners: the mapping data/mappings/interreg.yaml on the real file."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import pytest

from clusterkg.importers import ImportReport, import_file

from .helpers import select

FILE = "interreg-se-partners-2021-2027.json"
GRAPH = "<https://w3id.org/clusterkg/graph/import/interreg-se-partners-2021-2027>"


@pytest.fixture(scope="module")
def imported(real_dir: Path, module_store: Path) -> tuple[Path, ImportReport]:
    return module_store, import_file("interreg", real_dir / FILE, module_store)


def test_rows_read_imported_rejected(imported) -> None:
    _, report = imported
    assert (report.read, report.imported, report.rejected) == (1196, 1177, 19)
    assert report.graph == "import/interreg-se-partners-2021-2027"


def test_renowave_partners_roles_and_budgets(imported) -> None:
    store, _ = imported
    rows = select(store, f"""
        SELECT ?name ?role ?budget ?region WHERE {{ GRAPH {GRAPH} {{
          ?project skos:prefLabel "RenoWave"@en ; ckg:programme ?programme ; ckg:hasParticipation ?p .
          ?programme skos:prefLabel "Interreg Baltic Sea Region 2021-2027"@en .
          ?p ckg:participant ?org ; ckg:role ?role .
          ?org skos:prefLabel ?name ; ckg:locatedIn ?region .
          OPTIONAL {{ ?p ckg:budget [ schema:value ?budget ; schema:currency "EUR" ] }}
        }} }}""")
    got = {(r["name"], r["role"].rsplit("/", 1)[1], Decimal(r["budget"]) if "budget" in r else None,
            r["region"].rsplit("/", 1)[1]) for r in rows}
    assert got == {
        ("Länsstyrelsen Dalarna", "role-lead-partner", Decimal("443005.6"), "SE312"),
        ("Energikontor Norr", "role-partner", Decimal("303040"), "SE332"),
        ("HSB MälarDalarna", "role-associated-partner", None, "SE312"),
        ("Riksbyggen Dalarna", "role-associated-partner", None, "SE312"),
    }


def test_programme_strand_and_dates(imported) -> None:
    store, _ = imported
    rows = select(store, f"""
        SELECT ?start ?end ?objective ?strand ?parent WHERE {{ GRAPH {GRAPH} {{
          ?project skos:prefLabel "RenoWave"@en ; ckg:startDate ?start ; ckg:endDate ?end ;
                   ckg:specificObjective [ ckg:number ?objective ] ; ckg:programme ?programme .
          ?programme ckg:parentProgramme ?strandNode . ?strandNode skos:prefLabel ?strand ; ckg:parentProgramme ?parent .
        }} }}""")
    assert rows == [{"start": "2022-09-24", "end": "2026-03-31", "objective": "RSO2.1",
                     "strand": "Interreg B: transnational cooperation 2021-2027",
                     "parent": "https://w3id.org/clusterkg/id/programme/interreg"}]


def test_a_feasibility_study_is_a_project_of_its_own(imported) -> None:
    store, _ = imported
    rows = select(store, f"""
        SELECT ?project ?start WHERE {{ GRAPH {GRAPH} {{ ?project skos:prefLabel "SelfCare"@en ; ckg:startDate ?start }} }}
        ORDER BY ?start""")
    assert [(r["project"].rsplit("/", 1)[1], r["start"]) for r in rows] == [
        ("interreg-northern-periphery-and-arctic-2021-2027-selfcare-feasibility-study", "2023-06-01"),
        ("interreg-northern-periphery-and-arctic-2021-2027-selfcare", "2024-09-01"),
    ]


def test_organisation_types_map_to_the_vocabulary_and_keep_the_keep_eu_value(imported) -> None:
    store, _ = imported
    rows = select(store, f"""
        SELECT ?class ?type ?original ?country WHERE {{ GRAPH {GRAPH} {{
          ?org skos:prefLabel "Länsstyrelsen Dalarna"@en ; a ?class ; ckg:organisationType ?type ;
               dcterms:type ?original ; ckg:country ?country }} }}""")
    assert rows == [{"class": "https://w3id.org/clusterkg/ontology#PublicBody",
                     "type": "https://w3id.org/clusterkg/vocab/orgtype-public-body",
                     "original": "National public authority",
                     "country": "http://publications.europa.eu/resource/authority/country/SWE"}]


def test_rejects_say_why(imported) -> None:
    _, report = imported
    rows = list(csv.DictReader(report.rejects_path.open(encoding="utf-8")))
    rejected = [r for r in rows if r["outcome"] == "rejected"]
    assert len(rejected) == 19
    reasons = {r["reason"] for r in rejected}
    assert reasons == {"no value in column 'organisationsnamn'",
                       "the project ends (2023-08-31) before it starts (2023-09-01)"}
    warnings = [r["reason"] for r in rows if r["outcome"] == "warning"]
    assert "project ckg:endDate left out: not a date (YYYY-MM-DD): '2027-02-31'" in warnings
