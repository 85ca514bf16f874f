"""The import pipeline: atomic swap, rebuilds that keep imports, removal, and every import in one store."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from clusterkg.build import build
from clusterkg.errors import ValidationFailed
from clusterkg.importers import import_file
from clusterkg.importers.pipeline import remove_import, staging_graphs, swap_update
from clusterkg.store import GraphStore

from .helpers import EXAMPLE_CSV, EXAMPLE_MAPPING, dump, select

EXAMPLE_GRAPH = ox.NamedNode("https://w3id.org/clusterkg/graph/import/national-clusters")


def _catalog_entry(store: Path) -> list[str]:
    return [line for line in dump(store) if "graph/import/national-clusters" in line.split(" ")[0]
            or line.startswith("<https://w3id.org/clusterkg/dataset> <http://rdfs.org/ns/void#subset>")]


def test_oxigraph_runs_the_whole_swap_update_in_one_transaction(store: Path) -> None:
    """A failure in the last operation undoes the DROP and MOVE before it (Store::update_opt runs
    evaluate_update inside one storage transaction)."""
    import_file(str(EXAMPLE_MAPPING), EXAMPLE_CSV, store)
    before = dump(store)
    staging, staging_catalog = staging_graphs(EXAMPLE_GRAPH)
    graph_store = GraphStore(store)
    try:
        graph_store.oxigraph.extend([ox.Quad(ox.NamedNode("https://example.org/s"), ox.NamedNode("https://example.org/p"),
                                             ox.Literal("new"), name) for name in (staging, staging_catalog)])
        failing = swap_update(EXAMPLE_GRAPH) + " ; CREATE GRAPH <https://w3id.org/clusterkg/graph/catalog>"
        with pytest.raises(Exception, match="already exists"):
            graph_store.oxigraph.update(failing)
        graph_store.oxigraph.update(f"DROP SILENT GRAPH {staging} ; DROP SILENT GRAPH {staging_catalog}")
    finally:
        graph_store.close()
    assert dump(store) == before


def test_a_rebuild_keeps_imported_graphs_and_their_catalogue_entries(store: Path) -> None:
    import_file(str(EXAMPLE_MAPPING), EXAMPLE_CSV, store)
    graph = [line for line in dump(store) if line.endswith(f"{EXAMPLE_GRAPH} .")]
    entry = _catalog_entry(store)
    build(store)
    assert [line for line in dump(store) if line.endswith(f"{EXAMPLE_GRAPH} .")] == graph
    assert _catalog_entry(store) == entry
    assert import_file(str(EXAMPLE_MAPPING), EXAMPLE_CSV, store).unchanged
    total = select(store, """SELECT ?n ?sum WHERE { GRAPH graph:catalog { <https://w3id.org/clusterkg/dataset> void:triples ?n }
        { SELECT (SUM(?t) AS ?sum) WHERE { GRAPH graph:catalog { <https://w3id.org/clusterkg/dataset> void:subset ?g . ?g void:triples ?t } } } }""")
    assert total[0]["n"] == total[0]["sum"]


def test_a_rebuild_revalidates_imports_and_refuses_one_that_no_longer_conforms(store: Path) -> None:
    import_file(str(EXAMPLE_MAPPING), EXAMPLE_CSV, store)
    graph_store = GraphStore(store)
    try:  # as if the shapes had changed since the import: a cluster loses its English label
        graph_store.oxigraph.update(f"""DELETE WHERE {{ GRAPH {EXAMPLE_GRAPH} {{
            <https://w3id.org/clusterkg/id/organisation/lombard-example-cluster> <http://www.w3.org/2004/02/skos/core#prefLabel> "Lombard Example Cluster"@en }} }}""")
    finally:
        graph_store.close()
    before = dump(store)
    with pytest.raises(ValidationFailed) as failure:
        build(store)
    assert "clusterkg import --remove import/national-clusters" in str(failure.value)
    assert dump(store) == before


def test_remove_drops_the_graph_and_its_catalogue_entry(store: Path, built_store: Path) -> None:
    before = dump(store)
    import_file(str(EXAMPLE_MAPPING), EXAMPLE_CSV, store)
    remove_import(store, EXAMPLE_GRAPH)
    after = dump(store)
    assert not [line for line in after if "national-clusters" in line]
    # everything else is as before, but the dataset's modification time
    modified = "<http://purl.org/dc/terms/modified>"
    assert [line for line in after if modified not in line] == [line for line in before if modified not in line]


def test_every_import_in_one_store_validates_and_survives_a_rebuild(real_dir: Path, store: Path, tmp_path: Path) -> None:
    lines = (real_dir / "kohesio-beneficiaries-cee.tsv").read_text(encoding="utf-8").splitlines()
    sample = tmp_path / "kohesio-beneficiaries-cee.tsv"
    sample.write_text("\n".join(lines[:301]) + "\n", encoding="utf-8")
    reports = [
        import_file("interreg", real_dir / "interreg-se-partners-2021-2027.json", store),
        import_file("kohesio", sample, store),
        import_file("cordis", real_dir / "cordis-project-101190685.xml", store),
        import_file("cordis", real_dir / "cordis-programme-705727.xml", store),
        import_file("cordis", real_dir / "cordisref-H2020programmes.csv", store),
        import_file("cordis", real_dir / "cordisref-organizationActivityType.csv", store),
        import_file("nuts-history", real_dir, store),
        import_file(str(EXAMPLE_MAPPING), EXAMPLE_CSV, store),
    ]
    before = dump(store)
    build(store)  # re-validates every import against the rebuilt graphs
    imported = {line for line in dump(store) if "/graph/import/" in line.rsplit(" ", 2)[-2]}
    assert imported == {line for line in before if "/graph/import/" in line.rsplit(" ", 2)[-2]}
    from tests.test_cli import clusterkg

    stats = clusterkg("stats", store=store).stdout
    for report in reports:
        assert f"graph:{report.graph}" in stats
    assert "1196 / 1177 / 19" in stats and "7 / 6 / 1" in stats
