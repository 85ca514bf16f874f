"""The mapping format: templates, lookups, literals, rejects, and the README's worked example end to end."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from clusterkg.errors import ValidationFailed
from clusterkg.importers import import_file, resolve
from clusterkg.importers.mapping import Mapping, MappingError, typed_literal
from clusterkg.importers.template import EMPTY, Missing, Row, Template, TemplateError

from .helpers import EXAMPLE_CSV, EXAMPLE_MAPPING, dump, select

ORG = "https://w3id.org/clusterkg/id/organisation/"


def render(text: str, cells: dict, lookups: dict | None = None) -> str | Missing:
    return Template(text).render(Row(cells, lookups or {}))


# ---------------------------------------------------------------- templates

@pytest.mark.parametrize(("template", "cells", "expected"), [
    ("id:project/{name|slug}", {"name": "Clust-ER CREATE"}, "id:project/clust-er-create"),
    ("{a||b}", {"a": "", "b": "second"}, "second"),
    ("{a|slug||b|slug}", {"a": None, "b": "Åre Ö"}, "are-o"),
    ("{x|decimal}", {"x": "4.729375062E7"}, "47293750.62"),
    ("{x|decimal}", {"x": "175153.60"}, "175153.6"),
    ("{x|integer}", {"x": "12.0"}, "12"),
    ("{kind|default:none}", {"kind": " "}, "none"),
    ("{'EUR'}", {}, "EUR"),
    ("{{literal}} {a}", {"a": "x"}, "{literal} x"),
    ("{a|prefix:': '|default:}", {"a": ""}, ""),
    ("{a|prefix:': '|default:}", {"a": "RSO1.1"}, ": RSO1.1"),
    ("{end|lt:start}", {"end": "2023-08-31", "start": "2023-09-01"}, "true"),
    ("{name|tail}", {"name": "https://w3id.org/clusterkg/id/project/abc"}, "abc"),
    ("{code|urlencode}", {"code": "NMP-40\ufffd2015"}, "NMP-40%EF%BF%BD2015"),
])
def test_templates_render(template: str, cells: dict, expected: str) -> None:
    assert render(template, cells) == expected


def test_an_empty_cell_is_missing_without_a_reason_a_bad_value_with_one() -> None:
    assert render("{a}", {"a": "  "}) == EMPTY
    missing = render("{x|decimal}", {"x": "about 1M"})
    assert isinstance(missing, Missing) and missing.reason == "not a number: 'about 1M'"
    assert isinstance(render("{end|lt:start}", {"end": "2024-01-01", "start": "2023-09-01"}), Missing)


def test_template_errors_name_the_problem() -> None:
    with pytest.raises(TemplateError, match="unknown filter 'slugify'"):
        Template("{a|slugify}")
    with pytest.raises(TemplateError, match="unbalanced"):
        Template("{a")
    with pytest.raises(TemplateError, match="no column"):
        render("{missing}", {"a": "x"})


@pytest.mark.parametrize(("value", "datatype", "lexical"), [
    ("149355", "decimal", "149355"),
    ("47561.0", "decimal", "47561"),
    ("0.850", "decimal", "0.85"),
    ("2023-01-01", "date", "2023-01-01"),
    ("007", "integer", "7"),
    ("1", "boolean", "true"),
])
def test_literals_are_checked_and_canonical(value: str, datatype: str, lexical: str) -> None:
    literal = typed_literal(value, f"http://www.w3.org/2001/XMLSchema#{datatype}")
    assert literal.value == lexical


@pytest.mark.parametrize(("value", "datatype"), [("2027-02-31", "date"), ("abc", "decimal"), ("1.5", "integer")])
def test_bad_literals_are_missing_with_a_reason(value: str, datatype: str) -> None:
    assert isinstance(typed_literal(value, f"http://www.w3.org/2001/XMLSchema#{datatype}"), Missing)


def test_a_mapping_with_an_unknown_option_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(EXAMPLE_MAPPING.read_text(encoding="utf-8").replace("  format: csv", "  format: csv\n  sep: ';'"),
                   encoding="utf-8")
    with pytest.raises(MappingError, match="source.sep"):
        Mapping.load(bad)


def test_every_mapping_of_the_project_loads() -> None:
    from clusterkg.importers import mappings

    names = {m.name for m in mappings()}
    assert {"interreg", "kohesio", "cordisref-programmes", "cordisref-topics", "cordisref-countries",
            "cordisref-activity-types", "cordisref-funding-schemes"} <= names


def test_sources_resolve_to_their_importers_and_graphs(real_dir: Path) -> None:
    cases = {
        ("interreg", "interreg-se-partners-2021-2027.json"): ("interreg", "import/interreg-se-partners-2021-2027"),
        ("kohesio", "kohesio-beneficiaries-cee.tsv"): ("kohesio", "import/kohesio-beneficiaries-cee"),
        ("cordis", "cordis-project-101190685.xml"): ("cordis", "import/cordis-project-101190685"),
        ("cordis", "cordisref-H2020topics.csv"): ("cordisref-topics", "import/cordisref-h2020topics"),
        ("nuts-history", "nuts-2021.csv"): ("nuts-history", "import/nuts-history"),
    }
    for (source, name), expected in cases.items():
        importer = resolve(source, real_dir / name)
        assert (importer.source, importer.graph_name) == expected


# ---------------------------------------------------------------- the worked example (data/mappings/README.md)

def test_worked_example_maps_rows_and_reports_the_others(tmp_path: Path) -> None:
    data = Mapping.load(EXAMPLE_MAPPING).run(EXAMPLE_CSV)
    assert (data.read, data.imported, data.rejected, data.warnings) == (8, 5, 3, 4)
    outcomes = {(r.row, r.outcome, r.reason) for r in data.rejects}
    assert outcomes == {
        (4, "warning", "cluster ckg:locatedIn left out: no NUTS region named 'Atlantide' in IT"),
        (5, "rejected", "no value in column 'name'"),
        (6, "warning", "cluster ckg:hasLabel left out: 'platinum' is not in the label table"),
        (6, "warning", "cluster schema:foundingDate left out: not a year: '20x0'"),
        (7, "rejected", "not a cluster organisation (association)"),
        (8, "rejected", "budget schema:value: not a decimal: 'about 1M'"),
        (9, "warning", "cluster id:organisation/lombard-example-cluster disagrees with an earlier row, kept the "
                       "first: schema:foundingDate '2015' (row 3), here '2016'"),
    }


def test_worked_example_end_to_end(store: Path) -> None:
    report = import_file(str(EXAMPLE_MAPPING), EXAMPLE_CSV, store)
    assert (report.graph, report.read, report.imported, report.rejected) == ("import/national-clusters", 8, 5, 3)
    rows = select(store, """
        SELECT ?label ?region ?gold ?budget WHERE {
          GRAPH <https://w3id.org/clusterkg/graph/import/national-clusters> {
            id:organisation/lombard-example-cluster skos:prefLabel ?label ; ckg:locatedIn ?region ;
                ckg:hasLabel ?gold ; ckg:annualBudget [ schema:value ?budget ] .
            FILTER(LANG(?label) = "it")
          }
        }""".replace("id:organisation/lombard-example-cluster", f"<{ORG}lombard-example-cluster>"))
    assert rows == [{"label": "Cluster Lombardo Esempio", "region": "http://data.europa.eu/nuts/code/ITC4",
                     "gold": "https://w3id.org/clusterkg/vocab/label-gold", "budget": "1200000.5"}]
    # the rejects file: next to the store, one line per rejected row or left-out value, with the raw row
    rejects = list(csv.reader(report.rejects_path.open(encoding="utf-8")))
    assert report.rejects_path == store.parent / "rejects" / "national-clusters.csv"
    assert rejects[0] == ["row", "outcome", "reason", "raw"]
    assert ["5", "rejected", "no value in column 'name'", ";Unnamed Example Cluster;UEC;Piemonte;2020;bronze;;;cluster"] in rejects
    assert len(rejects) == 1 + 7


def test_every_imported_typed_node_points_to_the_source_document(store: Path) -> None:
    import_file(str(EXAMPLE_MAPPING), EXAMPLE_CSV, store)
    rows = select(store, """
        SELECT ?s WHERE { GRAPH <https://w3id.org/clusterkg/graph/import/national-clusters> { ?s a ?type }
          FILTER NOT EXISTS { ?s dcterms:source <https://w3id.org/clusterkg/source/example-national-clusters> } }""")
    assert rows == []
    catalog = select(store, """
        SELECT ?read ?imported ?rejected ?checksum ?version ?doc WHERE { GRAPH graph:catalog {
          <https://w3id.org/clusterkg/graph/import/national-clusters> prov:wasGeneratedBy ?a ;
              <http://spdx.org/rdf/terms#checksumValue> ?checksum ; prov:wasDerivedFrom ?doc .
          ?a ckg:rowsRead ?read ; ckg:rowsImported ?imported ; ckg:rowsRejected ?rejected ; owl:versionInfo ?version ;
             prov:startedAtTime ?start ; prov:endedAtTime ?end .
          dataset: void:subset <https://w3id.org/clusterkg/graph/import/national-clusters> } }""".replace(
        "dataset:", "<https://w3id.org/clusterkg/dataset>"))
    assert len(catalog) == 1
    row = catalog[0]
    from clusterkg.importers.pipeline import sha256

    assert (row["read"], row["imported"], row["rejected"]) == ("8", "5", "3")
    assert row["checksum"] == sha256(EXAMPLE_CSV)
    assert row["version"].endswith("mapping national-clusters version 1")
    assert row["doc"] == "https://w3id.org/clusterkg/source/example-national-clusters"


def test_importing_the_same_file_twice_changes_nothing(store: Path) -> None:
    first = import_file(str(EXAMPLE_MAPPING), EXAMPLE_CSV, store)
    before = dump(store)
    second = import_file(str(EXAMPLE_MAPPING), EXAMPLE_CSV, store)
    assert not first.unchanged and second.unchanged
    assert dump(store) == before


def test_a_failed_import_leaves_the_store_as_it_was(store: Path, tmp_path: Path) -> None:
    import_file(str(EXAMPLE_MAPPING), EXAMPLE_CSV, store)
    before = dump(store)
    # the same rows, but names only in Italian: every cluster lacks its English label
    broken = tmp_path / "national-clusters.yaml"
    broken.write_text(EXAMPLE_MAPPING.read_text(encoding="utf-8").replace(
        '        - {value: "{name_en||name}", lang: en}\n', ""), encoding="utf-8")
    with pytest.raises(ValidationFailed) as failure:
        import_file(str(broken), EXAMPLE_CSV, store)
    assert {str(v.source_shape).rsplit("#", 1)[1] for v in failure.value.report.violations} == {
        "LabelledNodeShape-englishPrefLabel"}
    assert dump(store) == before


def test_the_cli_prints_rows_read_imported_rejected(store: Path) -> None:
    from tests.test_cli import clusterkg

    result = clusterkg("import", str(EXAMPLE_MAPPING), str(EXAMPLE_CSV), store=store)
    assert result.returncode == 0, result.stderr
    assert "national-clusters: 8 rows read, 5 imported, 3 rejected; 4 values left out" in result.stdout
    assert "graph import/national-clusters: 66 triples" in result.stdout
    stats = clusterkg("stats", store=store)
    assert "graph:import/national-clusters" in stats.stdout and "8 / 5 / 3" in stats.stdout


def test_the_cli_explains_an_unknown_source(store: Path) -> None:
    from tests.test_cli import assert_one_line_error, clusterkg

    result = clusterkg("import", "erasmus", str(EXAMPLE_CSV), store=store)
    assert_one_line_error(result, 2, "no importer for erasmus", "interreg", "kohesio")
