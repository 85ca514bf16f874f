"""``clusterkg matches``: resolution over a store, its graph, its review list, decisions, the CLI."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from clusterkg.iris import GRAPH
from clusterkg.resolution.decisions import decide
from clusterkg.resolution.records import DECISIONS_GRAPH, RESOLUTION_GRAPH, records_from_store
from clusterkg.resolution.resolve import ACCEPTED, REVIEW, SAME, run_resolution
from clusterkg.resolution.review import organisation_of, review_pairs
from clusterkg.store import GraphStore

ID = "https://w3id.org/clusterkg/id/organisation/test-"
IMPORT_GRAPH = str(GRAPH["import/test-organisations"])

RECORDS = """
@prefix ckg: <https://w3id.org/clusterkg/ontology#> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix src: <https://w3id.org/clusterkg/source/> .
@prefix voc: <https://w3id.org/clusterkg/vocab/> .
@prefix nuts: <http://data.europa.eu/nuts/code/> .
@prefix country: <http://publications.europa.eu/resource/authority/country/> .
@prefix t: <https://w3id.org/clusterkg/id/organisation/test-> .

src:test-organisations a ckg:SourceDocument ; skos:prefLabel "Test organisations"@en ;
    dcterms:title "Test organisations"@en ; dcterms:publisher "tests" ; dcterms:date "2026-11-22"^^xsd:date ;
    dcterms:language "en" ; dcterms:identifier "test-organisations" ; dcterms:source src:test-organisations .

t:municipality-of-petrich a ckg:PublicBody ; skos:prefLabel "Municipality of Petrich"@en ;
    ckg:organisationType voc:orgtype-public-body ; ckg:country country:BGR ; ckg:locatedIn nuts:BG413 ;
    dcterms:source src:test-organisations .
t:obshtina-petrich a ckg:PublicBody ; skos:prefLabel "Obshtina Petrich"@en ; skos:altLabel "Община Петрич"@bg ;
    ckg:organisationType voc:orgtype-public-body ; ckg:country country:BGR ; ckg:locatedIn nuts:BG413 ;
    dcterms:source src:test-organisations .
t:sofia-obshtina-petrich a ckg:PublicBody ; skos:prefLabel "OBShtINA PETRICh"@en ; skos:altLabel "ОБЩИНА ПЕТРИЧ"@bg ;
    ckg:organisationType voc:orgtype-public-body ; ckg:country country:BGR ; ckg:locatedIn nuts:BG411 ;
    dcterms:source src:test-organisations .
t:petrich-historical-museum a org:FormalOrganization ; skos:prefLabel "Petrich Historical Museum"@en ;
    ckg:country country:BGR ; ckg:locatedIn nuts:BG413 ; dcterms:source src:test-organisations .
t:angelholm-sjukhus a org:FormalOrganization ; skos:prefLabel "Ängelholm sjukhus"@en ;
    ckg:country country:SWE ; ckg:locatedIn nuts:SE224 ; dcterms:source src:test-organisations .
t:angelholms-sjukhus-region-skane a org:FormalOrganization ; skos:prefLabel "Ängelholms sjukhus, Region Skåne"@en ;
    ckg:country country:SWE ; ckg:locatedIn nuts:SE224 ; dcterms:source src:test-organisations .
t:trafikverket a ckg:PublicBody ; skos:prefLabel "Trafikverket"@en ;
    ckg:country country:SWE ; ckg:locatedIn nuts:SE110 ; dcterms:source src:test-organisations .
t:swedish-transport-administration a ckg:PublicBody ; skos:prefLabel "Swedish Transport Administration"@en ;
    ckg:country country:SWE ; ckg:locatedIn nuts:SE110 ; dcterms:source src:test-organisations .
"""

PETRICH = [ID + "municipality-of-petrich", ID + "obshtina-petrich", ID + "sofia-obshtina-petrich"]
HOSPITAL = (ID + "angelholm-sjukhus", ID + "angelholms-sjukhus-region-skane")
TRANSPORT = (ID + "swedish-transport-administration", ID + "trafikverket")


@pytest.fixture
def store(built_store: Path, tmp_path: Path) -> Path:
    """A copy of the built store with a graph of test organisation records, as an import leaves it."""
    path = tmp_path / "store"
    shutil.copytree(built_store, path)
    graph_store = GraphStore(path)
    graph = ox.NamedNode(IMPORT_GRAPH)
    graph_store.oxigraph.extend(ox.Quad(t.subject, t.predicate, t.object, graph)
                                for t in ox.parse(RECORDS, format=ox.RdfFormat.TURTLE))
    graph_store.close()
    return path


def resolution_graph(path: Path) -> Graph:
    graph_store = GraphStore(path, read_only=True)
    data = graph_store.dump(None, ox.RdfFormat.N_TRIPLES, ox.NamedNode(RESOLUTION_GRAPH))
    graph_store.close()
    return Graph().parse(data=data, format="nt")


def test_records_are_read_from_every_graph_but_the_resolution(store: Path) -> None:
    graph_store = GraphStore(store, read_only=True)
    records = {r.iri: r for r in records_from_store(graph_store)}
    graph_store.close()
    petrich = records[ID + "obshtina-petrich"]
    assert {(n.text, n.language) for n in petrich.names} == {("Obshtina Petrich", "en"), ("Община Петрич", "bg")}
    assert (petrich.country, petrich.regions) == ("BGR", {"BG413"})
    assert petrich.sources == {"https://w3id.org/clusterkg/source/test-organisations"}
    assert "https://w3id.org/clusterkg/id/organisation/apulia-creative-cluster-association" in records  # curated


def test_a_run_links_records_of_one_organisation_and_keeps_uncertain_pairs_for_review(store: Path, tmp_path: Path) -> None:
    decisions = tmp_path / "decisions.ttl"
    report = run_resolution(store, decisions)
    result = report.resolution
    assert PETRICH in result.groups
    graph_store = GraphStore(store, read_only=True)
    raw = graph_store.oxigraph
    resolved, members, pairs = organisation_of(raw, PETRICH[0])
    assert resolved == "https://w3id.org/clusterkg/id/organisation/resolved--test-municipality-of-petrich"
    assert members == PETRICH
    assert {p.outcome for p in pairs} == {str(ACCEPTED)}
    review = review_pairs(raw)
    assert [tuple(sorted((p.left, p.right))) for p in review] == [HOSPITAL]
    assert review[0].left_label in ("Ängelholm sjukhus", "Ängelholms sjukhus, Region Skåne")
    assert {"name", "kind", "country", "region"} <= {name for name, _, _ in review[0].features}
    assert organisation_of(raw, ID + "petrich-historical-museum")[0] is None
    # the canonical node: labels of every record, the country they agree on, the sources
    labels = {row["l"].value for row in raw.query(
        "SELECT ?l ?o ?g WHERE { GRAPH ?g { ?o skos:prefLabel|skos:altLabel ?l } }",
        prefixes={"skos": "http://www.w3.org/2004/02/skos/core#"},
        substitutions={ox.Variable("o"): ox.NamedNode(resolved), ox.Variable("g"): ox.NamedNode(RESOLUTION_GRAPH)})}
    assert {"Municipality of Petrich", "Obshtina Petrich", "Община Петрич"} <= labels
    # the catalogue describes the run: matcher version and thresholds
    catalogue = {(q.predicate.value.rsplit("#", 1)[-1], q.object.value) for q in raw.quads_for_pattern(
        ox.NamedNode(RESOLUTION_GRAPH + "#run"), None, None, ox.NamedNode(str(GRAPH["catalog"])))}
    assert ("acceptThreshold", "0.8") in catalogue and ("reviewThreshold", "0.6") in catalogue
    assert any(name == "versionInfo" and "clusterkg-matcher" in value for name, value in catalogue)
    derived = {q.object.value for q in raw.quads_for_pattern(ox.NamedNode(RESOLUTION_GRAPH), ox.NamedNode(
        "http://www.w3.org/ns/prov#wasDerivedFrom"), None, ox.NamedNode(str(GRAPH["catalog"])))}
    assert derived == {"https://w3id.org/clusterkg/source/test-organisations"}
    graph_store.close()


def test_a_second_run_gives_the_same_graph(store: Path, tmp_path: Path) -> None:
    run_resolution(store, tmp_path / "decisions.ttl")
    first = resolution_graph(store)
    run_resolution(store, tmp_path / "decisions.ttl")
    assert isomorphic(first, resolution_graph(store))


def test_decisions_are_respected_by_the_next_run_and_loaded_into_their_graph(store: Path, tmp_path: Path) -> None:
    decisions = tmp_path / "decisions.ttl"
    decide(*TRANSPORT, True, decisions, note="Trafikverket is the Swedish Transport Administration")
    decide(PETRICH[0], PETRICH[2], False, decisions)
    result = run_resolution(store, decisions).resolution
    assert list(TRANSPORT) in result.groups
    petrich = next(g for g in result.groups if PETRICH[0] in g)
    assert PETRICH[2] not in petrich
    graph_store = GraphStore(store, read_only=True)
    outcomes = {p.outcome for p in organisation_of(graph_store.oxigraph, TRANSPORT[0])[2]}
    assert outcomes == {str(SAME)}
    decided = {q.subject.value for q in graph_store.oxigraph.quads_for_pattern(
        None, None, ox.NamedNode("https://w3id.org/clusterkg/ontology#CuratorDecision"), ox.NamedNode(DECISIONS_GRAPH))}
    assert len(decided) == 2
    graph_store.close()


def clusterkg(*args: str, store: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, COLUMNS="200", CLUSTERKG_STORE=str(store))
    return subprocess.run([sys.executable, "-m", "clusterkg", *args], capture_output=True, text=True, env=env,
                          timeout=600)


def test_the_command_line(store: Path, tmp_path: Path) -> None:
    decisions = str(tmp_path / "decisions.ttl")
    run = clusterkg("matches", "run", "--decisions", decisions, store=store)
    assert run.returncode == 0, run.stderr
    assert "resolved organisations" in run.stdout
    listed = clusterkg("matches", "--review", "--format", "json", store=store)
    assert listed.returncode == 0, listed.stderr
    [pair] = json.loads(listed.stdout)
    assert tuple(sorted((pair["left"], pair["right"]))) == HOSPITAL and 0.6 <= pair["score"] < 0.8
    table = clusterkg("matches", "--review", store=store)
    assert "Ängelholm" in table.stdout and "1 pair for review" in table.stdout
    decided = clusterkg("matches", "decide", *HOSPITAL, "--same", "--note", "one hospital", "--decisions", decisions,
                        store=store)
    assert decided.returncode == 0, decided.stderr
    assert "Same organisation" in decided.stdout
    assert clusterkg("matches", "run", "--decisions", decisions, store=store).returncode == 0
    assert json.loads(clusterkg("matches", "--review", "-f", "json", store=store).stdout) == []
    shown = clusterkg("matches", "show", HOSPITAL[0], store=store)
    assert shown.returncode == 0 and "resolved organisation" in shown.stdout and "same" in shown.stdout
    bad = clusterkg("matches", "decide", "not-an-iri", HOSPITAL[0], "--different", "--decisions", decisions, store=store)
    assert bad.returncode == 2 and bad.stderr.strip().splitlines()[-1].startswith("error: ")
    missing = clusterkg("matches", "--review", store=tmp_path / "nowhere")
    assert missing.returncode == 2 and "clusterkg build" in missing.stderr
