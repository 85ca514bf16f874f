"""Kohesio beneficiaries in central and eastern Europe: data/mappings/kohesio.yaml on the real file."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest

from clusterkg.importers import import_file
from clusterkg.importers.mapping import MappedData, Mapping
from clusterkg.importers.nuts import use_history_from

from .helpers import in_memory, query, select

MAPPING = Path(__file__).resolve().parents[2] / "data" / "mappings" / "kohesio.yaml"
FILE = "kohesio-beneficiaries-cee.tsv"


@pytest.fixture(scope="module")
def mapped(real_dir: Path) -> MappedData:
    use_history_from(real_dir)
    return Mapping.load(MAPPING).run(real_dir / FILE)


def test_rows_read_imported_rejected(mapped: MappedData) -> None:
    assert (mapped.read, mapped.imported, mapped.rejected) == (27222, 27180, 42)
    # the rejected rows repeat a name already seen in the same region, with other amounts
    assert all("was already made with another schema:value" in r.reason for r in mapped.rejects if r.outcome == "rejected")


def test_a_known_beneficiary_with_its_budget_eu_contribution_region_and_names(mapped: MappedData) -> None:
    rows = query(in_memory(mapped.triples), """
        SELECT ?label ?bg ?region ?type ?total ?eu ?note WHERE {
          ?org skos:altLabel "КАБРОН И ПЕКЕНЬО ООД"@bg ; skos:prefLabel ?label ; skos:altLabel ?bg ;
               ckg:locatedIn ?region ; ckg:organisationType ?type ;
               ckg:budget [ schema:value ?total ; schema:currency "EUR" ; ckg:amountNote ?note ] ;
               ckg:fundingReceived [ schema:value ?eu ; schema:currency "EUR" ] .
        }""")
    assert len(rows) == 1
    row = rows[0]
    assert (row["label"], row["region"], row["type"]) == (
        "KABRON I PEKENЬO OOD", "http://data.europa.eu/nuts/code/BG413", "https://w3id.org/clusterkg/vocab/orgtype-enterprise")
    assert (Decimal(row["total"]), Decimal(row["eu"])) == (Decimal("127024.68"), Decimal("86376.78"))
    assert row["note"].startswith("Total budget of the 1 project(s) Kohesio lists")


def test_cluster_organisations_are_recognised_by_name(mapped: MappedData) -> None:
    rows = query(in_memory(mapped.triples), """
        SELECT ?org ?name ?type WHERE { ?org a ckg:ClusterOrganisation ; skos:prefLabel ?name ; ckg:organisationType ?type }""")
    assert len(rows) == 37
    assert {r["type"] for r in rows} == {"https://w3id.org/clusterkg/vocab/orgtype-cluster"}
    names = {r["name"] for r in rows}
    assert {"Národní energetický klastr", "Mittetulundusühing Estonian Aviation Cluster",
            "Palóc Út Kulturális Turisztikai Klaszter Egyesület"} <= names
    # Polish 'klasztor' is a monastery, not a cluster
    assert not any(re.search("klasztor", name, re.IGNORECASE) for name in names)


def test_every_organisation_is_located_in_a_current_region(mapped: MappedData) -> None:
    memory = in_memory(mapped.triples)
    unlocated = query(memory, """
        SELECT (COUNT(?org) AS ?n) WHERE { ?org ckg:country ?c FILTER NOT EXISTS { ?org ckg:locatedIn ?r } }""")
    assert unlocated == [{"n": "0"}]
    regions = {r["region"] for r in query(memory, """
        SELECT DISTINCT ?name ?region WHERE {
          ?org ckg:locatedIn ?region ; ckg:budget [ ckg:amountNote ?name ] }""")}
    from clusterkg.importers.nuts import current_codes

    assert {iri.rsplit("/", 1)[1] for iri in regions} <= current_codes()


@pytest.mark.parametrize(("label", "code"), [
    ("Blagoevgrad Province", "BG413"),      # English name, through the mapping's aliases
    ("Бургас", "BG341"),                    # official label
    ("Csongrád", "HU333"),                  # NUTS 2021 label, Csongrád-Csanád since 2024
    ("Pierīga", "LV00"),                    # NUTS 2021 LV007, split among three regions since 2024
    ("Warszawski stołeczny", "PL91"),
    ("Grad Zagreb", "HR050"),               # NUTS 2 and NUTS 3 share the name: the finer wins
])
def test_region_labels_resolve_to_current_nuts(mapped: MappedData, label: str, code: str) -> None:
    rows = query(in_memory(mapped.triples), f"""
        SELECT DISTINCT ?region WHERE {{ ?org ckg:locatedIn ?region ; ckg:budget [ ckg:amountNote ?note ] .
          FILTER(STRENDS(?note, " in {label}.")) }}""")
    assert [r["region"].rsplit("/", 1)[1] for r in rows] == [code]


def test_a_sample_goes_through_the_shapes_into_the_store(real_dir: Path, store: Path, tmp_path: Path) -> None:
    lines = (real_dir / FILE).read_text(encoding="utf-8").splitlines()
    sample = [lines[0]] + lines[1:400] + [line for line in lines[400:] if re.search("klast|klaszter|cluster|клъстер", line, re.I)]
    path = tmp_path / FILE
    path.write_text("\n".join(sample) + "\n", encoding="utf-8")
    report = import_file("kohesio", path, store)
    assert (report.read, report.rejected) == (len(sample) - 1, 0)
    rows = select(store, """
        SELECT (COUNT(DISTINCT ?org) AS ?n) WHERE {
          GRAPH <https://w3id.org/clusterkg/graph/import/kohesio-beneficiaries-cee> { ?org a ckg:ClusterOrganisation } }""")
    assert rows == [{"n": "37"}]
