"""The query catalogue: header parsing and checks, typed binding, injection, the `run` command."""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox
import pytest
from typer.testing import CliRunner

from clusterkg.catalogue import (
    PARAMETER_TYPES,
    CatalogueError,
    CatalogueQuery,
    ParameterError,
    QueryParameter,
    UnknownQuery,
    get_query,
    load_catalogue,
    parse_option_args,
    parse_query_file,
)
from clusterkg.cli import app as cli_app
from clusterkg.config import QUERIES_DIR
from clusterkg.iris import PREFIXES
from clusterkg.store import GraphStore

XSD = "http://www.w3.org/2001/XMLSchema#"
NUTS = "http://data.europa.eu/nuts/code/"
COUNTRY = "http://publications.europa.eu/resource/authority/country/"

GOOD_HEADER = """\
#+ title: Things by region
#+ description: Things in a region.
#+ tags: [regions]
#+ params:
#+   - name: region
#+     type: nuts
#+     description: A region.
#+     example: ITF
#+     default: ITF4
"""
GOOD_BODY = "SELECT ?region ?s WHERE { ?s <https://w3id.org/clusterkg/ontology#locatedIn> ?region }\n"


def write(tmp_path: Path, text: str, name: str = "things_by_region") -> Path:
    path = tmp_path / f"{name}.rq"
    path.write_text(text, encoding="utf-8")
    return path


# ---------------------------------------------------------------- the shipped catalogue


@pytest.fixture(scope="module")
def catalogue() -> list[CatalogueQuery]:
    return load_catalogue()


def test_catalogue_has_the_questions_people_ask(catalogue: list[CatalogueQuery]) -> None:
    names = {q.name for q in catalogue}
    assert len(names) >= 15
    for needed in (
        "clusters_by_region", "clusters_by_value_chain", "projects_by_programme", "partners_of_organisation",
        "funding_by_region_and_fund", "s3_priorities_by_region", "open_calls_for_clusters",
        "organisations_working_together", "value_chain_gaps", "entity_provenance",
    ):
        assert needed in names


def test_every_query_is_documented(catalogue: list[CatalogueQuery]) -> None:
    for query in catalogue:
        assert query.title and query.description and query.tags, query.name
        for parameter in query.parameters:
            assert parameter.description and parameter.example, (query.name, parameter.name)
            assert parameter.type in PARAMETER_TYPES
            query.bind({parameter.name: parameter.example})  # every example binds


def test_every_query_uses_the_project_prefixes(catalogue: list[CatalogueQuery]) -> None:
    """Each file declares its prefixes explicitly, and each one means what iris.PREFIXES says."""
    for query in catalogue:
        declared = dict(re.findall(r"^PREFIX\s+(\w*):\s*<([^>]*)>", query.sparql, flags=re.MULTILINE))
        assert declared, query.name
        for prefix, iri in declared.items():
            assert PREFIXES.get(prefix) == iri, (query.name, prefix)


def test_as_dict_gives_the_ui_what_it_needs(catalogue: list[CatalogueQuery]) -> None:
    data = next(q for q in catalogue if q.name == "clusters_by_region").as_dict()
    assert set(data) == {"name", "title", "description", "tags", "parameters", "sparql"}
    region = data["parameters"][0]
    assert region["name"] == "region" and region["type"] == "nuts" and region["required"] is False
    assert region["default"] == "ITF4" and region["example"] == "ITF"


def test_get_query_names_the_known_queries_when_unknown() -> None:
    with pytest.raises(UnknownQuery, match="clusters_by_region"):
        get_query("no_such_query")
    with pytest.raises(UnknownQuery):
        get_query("../secrets")


def test_body_leaves_the_header_out(catalogue: list[CatalogueQuery]) -> None:
    for query in catalogue:
        assert "#+" not in query.body and query.body.startswith("PREFIX")


# ---------------------------------------------------------------- header checks


def test_a_good_file_parses(tmp_path: Path) -> None:
    query = parse_query_file(write(tmp_path, GOOD_HEADER + GOOD_BODY))
    assert query.name == "things_by_region" and query.title == "Things by region"
    assert query.tags == ("regions",)
    assert query.parameters == (QueryParameter("region", "nuts", "A region.", "ITF", "ITF4", required=False),)


def test_yaml_scalars_stay_text(tmp_path: Path) -> None:
    """YAML 1.1 would read NO as False and 2024-01-01 as a date: the header keeps them as text."""
    text = """\
#+ title: Things of a country
#+ description: Things of a country from a date.
#+ params:
#+   - name: country
#+     type: country
#+     description: A country.
#+     example: NO
#+   - name: since
#+     type: date
#+     description: A day.
#+     example: 2024-01-01
SELECT ?country ?since ?s WHERE { ?s <https://w3id.org/clusterkg/ontology#country> ?country }
"""
    query = parse_query_file(write(tmp_path, text))
    assert [p.example for p in query.parameters] == ["NO", "2024-01-01"]
    assert query.bind({"country": "NO", "since": "2024-01-01"})["country"] == ox.NamedNode(COUNTRY + "NOR")


@pytest.mark.parametrize(
    "text, line, words",
    [
        (GOOD_HEADER.replace("#+ title: Things by region\n", "") + GOOD_BODY, 1, "title"),
        (GOOD_HEADER.replace("tags: [regions]", "tagz: [regions]") + GOOD_BODY, 3, "unknown header key 'tagz'"),
        (GOOD_HEADER.replace("tags: [regions]", "tags: [regions") + GOOD_BODY, None, "not valid YAML"),
        (GOOD_HEADER.replace("type: nuts", "type: region") + GOOD_BODY, 6, "needs a type"),
        (GOOD_HEADER.replace("name: region", "name: area") + GOOD_BODY, 5, "not a variable of the query"),
        (GOOD_HEADER.replace("name: region", "name: format") + GOOD_BODY, 5, "reserved"),
        (GOOD_HEADER.replace("default: ITF4", "default: Puglia") + GOOD_BODY, 9, "default of 'region'"),
        (GOOD_HEADER.replace("example: ITF", "example: itf") + GOOD_BODY, 8, "example of 'region'"),
        (GOOD_HEADER.replace("default: ITF4", "default: ITF4\n#+     required: true") + GOOD_BODY, 10, "cannot be required"),
        (GOOD_HEADER.replace("    example: ITF\n", "") + GOOD_BODY, 5, "needs an example"),
        (GOOD_HEADER.replace("#+     description: A region.\n", "#+     description: A region.\n#+     colour: red\n")
         + GOOD_BODY, 8, "unknown parameter key 'colour'"),
        (GOOD_HEADER + "SELECT ?region ?s WHERE { ?s ?p ?region \n", 11, "SPARQL syntax error"),
        (GOOD_HEADER + "ASK { ?s ?p ?region }\n", None, "must be SELECT"),
        (GOOD_HEADER + "SELECT ?s WHERE { ?s ?p ?region }\n", 5, "SELECT projection"),
        (GOOD_BODY, 1, "no header"),
        (GOOD_HEADER + GOOD_BODY + "#+ tags: [late]\n", 11, "after the start of the query"),
    ],
)
def test_a_bad_file_is_refused_naming_file_and_line(tmp_path: Path, text: str, line: int | None, words: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(CatalogueError) as caught:
        parse_query_file(path)
    error = caught.value
    assert words in error.detail
    assert error.path.endswith("things_by_region.rq")
    if line is not None:
        assert error.line == line, str(error)
    assert str(error).startswith(f"{error.path}:{error.line}:" if error.line else error.path)


def test_yaml_errors_point_at_a_line_of_the_file(tmp_path: Path) -> None:
    text = "# a comment first\n" + GOOD_HEADER.replace("    type: nuts", "   type: nuts") + GOOD_BODY
    with pytest.raises(CatalogueError) as caught:
        parse_query_file(write(tmp_path, text))
    assert caught.value.line in (6, 7)


def test_a_file_name_must_be_a_query_name(tmp_path: Path) -> None:
    with pytest.raises(CatalogueError, match="file name"):
        parse_query_file(write(tmp_path, GOOD_HEADER + GOOD_BODY, name="Things-By-Region"))


def test_a_duplicate_parameter_is_refused(tmp_path: Path) -> None:
    params = GOOD_HEADER.split("#+ params:\n")[1]
    text = GOOD_HEADER + params + GOOD_BODY
    with pytest.raises(CatalogueError, match="declared twice"):
        parse_query_file(write(tmp_path, text))


def test_load_catalogue_stops_at_the_first_bad_file(tmp_path: Path) -> None:
    write(tmp_path, GOOD_HEADER + GOOD_BODY, name="a_good")
    write(tmp_path, GOOD_HEADER.replace("type: nuts", "type: nope") + GOOD_BODY, name="b_bad")
    with pytest.raises(CatalogueError, match="b_bad.rq"):
        load_catalogue(tmp_path)


# ---------------------------------------------------------------- values -> terms


def parameter(kind: str) -> QueryParameter:
    return QueryParameter("x", kind, "a value", "example")


@pytest.mark.parametrize(
    "kind, value, expected",
    [
        ("iri", "https://w3id.org/clusterkg/id/organisation/tecnopolis", ox.NamedNode("https://w3id.org/clusterkg/id/organisation/tecnopolis")),
        ("iri", "id:organisation/tecnopolis", ox.NamedNode("https://w3id.org/clusterkg/id/organisation/tecnopolis")),
        ("iri", "voc:vc-fashion", ox.NamedNode("https://w3id.org/clusterkg/vocab/vc-fashion")),
        ("iri", "urn:isbn:0451450523", ox.NamedNode("urn:isbn:0451450523")),
        ("nuts", "ITF4", ox.NamedNode(NUTS + "ITF4")),
        ("nuts", "IT", ox.NamedNode(NUTS + "IT")),
        ("nuts", "ITF47", ox.NamedNode(NUTS + "ITF47")),
        ("nuts", "nuts:ITF", ox.NamedNode(NUTS + "ITF")),
        ("nuts", NUTS + "ITF4", ox.NamedNode(NUTS + "ITF4")),
        ("country", "ITA", ox.NamedNode(COUNTRY + "ITA")),
        ("country", "IT", ox.NamedNode(COUNTRY + "ITA")),
        ("country", "EL", ox.NamedNode(COUNTRY + "GRC")),
        ("country", "country:BEL", ox.NamedNode(COUNTRY + "BEL")),
        ("country", COUNTRY + "POL", ox.NamedNode(COUNTRY + "POL")),
        ("string", "Città", ox.Literal("Città")),
        ("langstring", "Puglia Creativa@it", ox.Literal("Puglia Creativa", language="it")),
        ("langstring", "a@b@en", ox.Literal("a@b", language="en")),
        ("integer", "2", ox.Literal("2", datatype=ox.NamedNode(XSD + "integer"))),
        ("integer", "-007", ox.Literal("-7", datatype=ox.NamedNode(XSD + "integer"))),
        ("decimal", "2500.50", ox.Literal("2500.50", datatype=ox.NamedNode(XSD + "decimal"))),
        ("decimal", ".5", ox.Literal(".5", datatype=ox.NamedNode(XSD + "decimal"))),
        ("date", "2018-03-08", ox.Literal("2018-03-08", datatype=ox.NamedNode(XSD + "date"))),
        ("boolean", "true", ox.Literal(True)),
        ("boolean", "0", ox.Literal(False)),
    ],
)
def test_values_become_typed_terms(kind: str, value: str, expected: object) -> None:
    assert parameter(kind).to_term(value) == expected


@pytest.mark.parametrize(
    "kind, value",
    [
        ("iri", "not an iri"), ("iri", "tecnopolis"), ("iri", "http://x/a b"), ("iri", "http://x/%zz"),
        ("nuts", "ITF4x"), ("nuts", "itf4"), ("nuts", "I"), ("nuts", "ITF471"), ("nuts", "http://example.org/ITF4"),
        ("country", "Italy"), ("country", "QQ"), ("country", "ITAL"), ("country", "it"),
        ("langstring", "no tag"), ("langstring", "text@not a tag"),
        ("integer", "2.5"), ("integer", "two"), ("integer", ""), ("integer", "1e3"),
        ("decimal", "1e3"), ("decimal", "1,5"), ("decimal", "NaN"),
        ("date", "2019-02-30"), ("date", "2019-2-3"), ("date", "2019-02"), ("date", "yesterday"),
        ("boolean", "yes"), ("boolean", "truee"),
        ("string", "x" * 1001),
    ],
)
def test_bad_values_are_refused(kind: str, value: str) -> None:
    with pytest.raises(ValueError):
        parameter(kind).to_term(value)


def test_bind_applies_defaults_and_requires_what_has_none() -> None:
    query = get_query("value_chain_gaps")
    bound = query.bind({})
    assert bound["country"] == ox.NamedNode(COUNTRY + "ITA")
    assert bound["level"] == ox.Literal(2)
    assert query.bind({"level": ""})["level"] == ox.Literal(2)  # an empty form field is not given
    search = get_query("label_search")
    with pytest.raises(ParameterError, match="'q': is required") as caught:
        search.bind({})
    assert "for example creativ" in str(caught.value)


def test_bind_leaves_optional_parameters_unbound() -> None:
    bound = get_query("projects_by_programme").bind({})
    assert bound == {}


def test_bind_refuses_unknown_parameters() -> None:
    with pytest.raises(ParameterError, match="'regoin': is not a parameter of this query") as caught:
        get_query("clusters_by_region").bind({"regoin": "ITF"})
    assert "it takes: region" in str(caught.value)


def test_bind_names_the_parameter_and_the_expected_form() -> None:
    with pytest.raises(ParameterError) as caught:
        get_query("open_calls_for_clusters").bind({"date": "8 March 2018"})
    message = str(caught.value)
    assert "open_calls_for_clusters: parameter 'date'" in message and "YYYY-MM-DD" in message


# ---------------------------------------------------------------- injection

IRI_ATTACKS = [
    "https://w3id.org/clusterkg/id/organisation/tecnopolis> } ; DROP ALL ; SELECT * WHERE { ?s ?p ?o",
    "https://w3id.org/clusterkg/id/organisation/tecnopolis>} UNION { ?s ?p ?o }",
    "https://w3id.org/x> } SELECT * WHERE { ?s ?p ?o } #",
    "http://x/a\n} UNION { ?s ?p ?o }",
    'http://x/"} ; DROP ALL',
    "id:organisation/x> . ?s ?p ?o",
    "<https://w3id.org/clusterkg/id/organisation/tecnopolis>",
]
NUTS_ATTACKS = ["ITF4> } ; DROP ALL", "ITF4 } UNION { ?s ?p ?o }", "ITF4\n", "IT'", 'ITF4"', "nuts:ITF4>", NUTS + "ITF4> . ?s ?p ?o"]
DATE_ATTACKS = ['2018-01-01"^^xsd:date) || true || ("', "2018-01-01 } ; DROP ALL", "2018-01-01\n"]
INTEGER_ATTACKS = ["2) || (1 = 1", "2 } ; DROP ALL", "2\n", '"2"^^xsd:integer']
STRING_ATTACKS = [
    '"} ; DROP ALL',
    "') } SELECT * WHERE { ?s ?p ?o } #",
    '" } UNION { ?s ?p ?o } #',
    "x\n} UNION { ?entity ?property ?label }",
    'creativ"^^<http://www.w3.org/2001/XMLSchema#integer>',
    '"""creativ""" ) || true || (',
    "creativ\\",
    "\u0000",
]


@pytest.mark.parametrize("value", IRI_ATTACKS)
def test_iri_injection_is_refused(value: str) -> None:
    with pytest.raises(ParameterError):
        get_query("partners_of_organisation").bind({"organisation": value})


@pytest.mark.parametrize("value", NUTS_ATTACKS)
def test_nuts_injection_is_refused(value: str) -> None:
    with pytest.raises(ParameterError):
        get_query("clusters_by_region").bind({"region": value})


@pytest.mark.parametrize("value", DATE_ATTACKS)
def test_date_injection_is_refused(value: str) -> None:
    with pytest.raises(ParameterError):
        get_query("open_calls_for_clusters").bind({"date": value})


@pytest.mark.parametrize("value", INTEGER_ATTACKS)
def test_integer_injection_is_refused(value: str) -> None:
    with pytest.raises(ParameterError):
        get_query("organisations_working_together").bind({"min_shared": value})


@pytest.mark.parametrize("value", ['x"@en } ; DROP ALL', "x@en } UNION { ?s ?p ?o }"])
def test_langstring_injection_is_refused(value: str) -> None:
    with pytest.raises(ValueError):
        parameter("langstring").to_term(value)


@pytest.mark.parametrize("value", STRING_ATTACKS)
def test_string_injection_is_inert(graph_store: GraphStore, value: str) -> None:
    """Text is bound as one xsd:string literal; the query keeps its columns and finds nothing extra."""
    query = get_query("label_search")
    bound = query.bind({"q": value})
    assert bound["q"] == ox.Literal(value)
    assert bound["q"].datatype == ox.NamedNode(XSD + "string")
    baseline = graph_store.query(query.sparql, query.bind({"q": "creativ"}))
    baseline_columns = [v.value for v in baseline.variables]
    results = graph_store.query(query.sparql, bound)
    assert [v.value for v in results.variables] == baseline_columns
    rows = list(results)
    assert rows == []  # no label contains any of these texts


def test_the_query_text_is_never_changed(monkeypatch: pytest.MonkeyPatch, built_store: Path) -> None:
    """The CLI hands the store the file's text untouched, whatever the values."""
    seen: list[tuple[str, dict]] = []
    original = GraphStore.query

    def spy(self, sparql, bindings=None, *args, **kwargs):
        seen.append((sparql, dict(bindings or {})))
        return original(self, sparql, bindings, *args, **kwargs)

    monkeypatch.setattr(GraphStore, "query", spy)
    value = '"} ; DROP ALL'
    result = CliRunner().invoke(cli_app, ["run", "label_search", "--q", value, "--store", str(built_store), "-f", "csv"])
    assert result.exit_code == 0, result.output
    sparql, bindings = seen[-1]
    assert sparql == (QUERIES_DIR / "label_search.rq").read_text(encoding="utf-8")
    assert bindings == {"q": ox.Literal(value)}
    assert result.output.splitlines() == ["q,entity,label,language,property,types"]


# ---------------------------------------------------------------- the run command


def test_parse_option_args() -> None:
    query = get_query("value_chain_gaps")
    assert parse_option_args(query, ["--country", "BEL", "--value-chain=voc:vc-fashion"]) == {
        "country": "BEL", "value_chain": "voc:vc-fashion"}
    for bad in (["BEL"], ["--country"], ["--country", "BEL", "--country", "ITA"]):
        with pytest.raises(ParameterError):
            parse_option_args(query, bad)


def test_run_lists_the_catalogue(catalogue: list[CatalogueQuery]) -> None:
    result = CliRunner().invoke(cli_app, ["run", "--list"], env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    for query in catalogue:
        assert query.name in result.output


def test_run_binds_options_and_prints_rows(built_store: Path) -> None:
    result = CliRunner().invoke(
        cli_app, ["run", "clusters_by_region", "--region", "ITF", "--format", "csv", "--store", str(built_store)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "region,cluster,clusterLabel,located,locatedLabel"
    assert {line.split(",")[1].rsplit("/", 1)[1] for line in lines[1:]} == {
        "apulia-creative-cluster-association", "apulia-ict-district"}


def test_run_refuses_a_bad_value(built_store: Path) -> None:
    result = CliRunner().invoke(cli_app, ["run", "clusters_by_region", "--region", "Puglia", "--store", str(built_store)])
    assert isinstance(result.exception, ParameterError)
    assert result.exception.exit_code == 3


def test_run_refuses_an_unknown_query(built_store: Path) -> None:
    result = CliRunner().invoke(cli_app, ["run", "clusters_by_planet", "--store", str(built_store)])
    assert isinstance(result.exception, UnknownQuery)
