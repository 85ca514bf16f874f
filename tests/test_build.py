"""Building the store: sources into named graphs, the SHACL gate, and nothing lost on failure."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Dataset, Graph
from rdflib.compare import isomorphic

from clusterkg.build import build, default_sources, parse_turtle, to_rdflib_graph, turtle_source
from clusterkg.config import DATA_DIR
from clusterkg.errors import SourceSyntaxError, StoreLocked, ValidationFailed
from clusterkg.export import export_store
from clusterkg.store import GraphStore

BAD_AMOUNT = """
@prefix ckg: <https://w3id.org/clusterkg/ontology#> .
@prefix schema: <http://schema.org/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<https://w3id.org/clusterkg/id/amount/broken> a ckg:FundingAmount ;
    skos:prefLabel "broken amount"@en ;
    schema:value "-5.00"^^xsd:decimal ; schema:currency "EUR" ;
    dcterms:source <https://w3id.org/clusterkg/source/seed-003-s3-4alpclusters> .
"""


@pytest.fixture(scope="module")
def store_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store this module may try to overwrite."""
    path = tmp_path_factory.mktemp("copy") / "store"
    build(path)
    return path


def snapshot(path: Path) -> bytes:
    store = GraphStore.open_existing(path, read_only=True)
    return store.oxigraph.dump(format=ox.RdfFormat.N_QUADS)


def test_build_loads_each_source_into_its_own_named_graph(graph_store: GraphStore) -> None:
    graphs = {g.value.rsplit("/", 1)[1] for g in graph_store.named_graphs()}
    curated = {p.stem for p in (DATA_DIR / "curated").glob("*.ttl")}
    assert curated <= graphs
    assert {"clusterkg", "vocabularies", "nuts-2024", "countries", "catalog"} <= graphs


def test_a_syntax_error_names_file_line_and_column_and_keeps_the_store(store_copy: Path, tmp_path: Path) -> None:
    before = snapshot(store_copy)
    bad = tmp_path / "bad.ttl"
    bad.write_text('@prefix ex: <http://example.org/> .\nex:a ex:b ex:c ;\n    ex:d "open .\n', encoding="utf-8")
    with pytest.raises(SourceSyntaxError) as caught:
        build(store_copy, default_sources() + [turtle_source(bad)])
    assert caught.value.line == 3 and caught.value.column is not None
    assert str(caught.value).startswith(f"{bad}:3:")
    assert snapshot(store_copy) == before


def test_a_shacl_violation_refuses_the_build_and_keeps_the_store(store_copy: Path, tmp_path: Path) -> None:
    before = snapshot(store_copy)
    bad = tmp_path / "negative.ttl"
    bad.write_text(BAD_AMOUNT, encoding="utf-8")
    with pytest.raises(ValidationFailed) as caught:
        build(store_copy, default_sources() + [turtle_source(bad)])
    focus = {str(v.focus_node) for v in caught.value.report.violations}
    assert focus == {"https://w3id.org/clusterkg/id/amount/broken"}
    assert snapshot(store_copy) == before


def test_a_store_held_by_another_writer_is_refused_with_a_clear_error(store_copy: Path) -> None:
    holder = GraphStore(store_copy)
    try:
        with pytest.raises(StoreLocked, match="locked by another process"):
            build(store_copy)
    finally:
        holder.close()


def test_the_catalog_describes_every_graph_with_triple_counts(graph_store: GraphStore) -> None:
    rows = graph_store.query("""
        PREFIX void: <http://rdfs.org/ns/void#>
        SELECT ?g ?n WHERE { <https://w3id.org/clusterkg/dataset> void:subset ?g . ?g void:triples ?n }""")
    counts = {row["g"].value: int(row["n"].value) for row in rows}
    for graph, count in counts.items():
        assert graph_store.triple_count(ox.NamedNode(graph)) == count


def test_nquads_export_gives_back_each_curated_file_as_the_same_graph(graph_store: GraphStore) -> None:
    """Oxigraph stores values, not lexical forms ("300000.00" comes back as "300000"), so the
    file side goes through an in-memory Oxigraph store before the graphs are compared."""
    dataset = Dataset()
    dataset.parse(data=export_store(graph_store, "nq"), format="nquads")
    for path in sorted((DATA_DIR / "curated").glob("*.ttl")):
        exported = dataset.graph(f"https://w3id.org/clusterkg/graph/{path.stem}")
        memory = ox.Store()
        memory.extend(ox.Quad(t.subject, t.predicate, t.object) for t in parse_turtle(path))
        expected = to_rdflib_graph(q.triple for q in memory.quads_for_pattern(None, None, None))
        assert isomorphic(expected, Graph() + exported), path.name


def test_turtle_and_jsonld_exports_merge_the_graphs_into_one(graph_store: GraphStore) -> None:
    turtle = Graph().parse(data=export_store(graph_store, "ttl"), format="turtle")
    jsonld = Dataset().parse(data=export_store(graph_store, "jsonld"), format="json-ld")
    assert len(turtle) > 10_000
    union = {(s, p, o) for s, p, o, _ in jsonld.quads()}
    assert len(turtle) == len(union)  # JSON-LD keeps the graphs; their union is the Turtle
