"""The facts the source documents state come out of the built graph, through SPARQL."""

from __future__ import annotations

from decimal import Decimal

from clusterkg.iris import sparql_prefixes
from clusterkg.store import GraphStore


def select(store: GraphStore, body: str) -> list[dict[str, str]]:
    rows = store.query(sparql_prefixes() + body)
    names = [v.value for v in rows.variables]
    return [{n: row[n].value for n in names if row[n] is not None} for row in rows]


def test_total_cost_of_s3_4alpclusters_is_2521964_eur(graph_store: GraphStore) -> None:
    rows = select(graph_store, """
        SELECT ?value ?currency WHERE {
          ?project ckg:acronym|skos:prefLabel ?name ; ckg:totalCost ?cost .
          FILTER(CONTAINS(LCASE(STR(?name)), "4alpclusters"))
          ?cost schema:value ?value ; schema:currency ?currency .
        }""")
    assert {(Decimal(r["value"]), r["currency"]) for r in rows} == {(Decimal("2521964.00"), "EUR")}


def test_clust_er_create_has_its_five_named_value_chains(graph_store: GraphStore) -> None:
    rows = select(graph_store, """
        SELECT ?notation WHERE {
          id:organisation/clust-er-create ckg:valueChain ?chain .
          ?chain skos:notation ?notation ; skos:inScheme voc:value-chains .
        }""".replace("id:organisation/clust-er-create", "<https://w3id.org/clusterkg/id/organisation/clust-er-create>"))
    assert {r["notation"] for r in rows} == {
        "FASHION", "CULT_TECH", "ADDICT", "MULTIMODEL", "TOURISM and URBAN REACTIVATION",
    }


def test_2014_creativity_protocol_joins_puglia_with_poland_portugal_germany(graph_store: GraphStore) -> None:
    rows = select(graph_store, """
        SELECT ?agreement ?region ?country WHERE {
          ?agreement a ckg:Agreement ; ckg:signingDate ?date ; ckg:partyRegion ?region ; ckg:partyCountry ?country .
          FILTER(YEAR(?date) = 2014)
        }""")
    assert {r["region"] for r in rows} == {"http://data.europa.eu/nuts/code/ITF4"}
    countries = {r["country"].rsplit("/", 1)[1] for r in rows}
    assert {"POL", "PRT", "DEU"} <= countries <= {"POL", "PRT", "DEU", "ITA"}


def test_apulia_s3_priority_area_for_creative_industries(graph_store: GraphStore) -> None:
    rows = select(graph_store, """
        SELECT DISTINCT ?label WHERE {
          ?strategy a ckg:S3Strategy ; ckg:strategyOf nuts:ITF4 ; ckg:priorityArea ?area .
          ?area skos:prefLabel ?label . FILTER(LANG(?label) = "en")
        }""")
    assert [r["label"] for r in rows] == ["Digital, creative and inclusive communities"]


def test_label_search_in_both_languages_lands_on_one_iri(graph_store: GraphStore) -> None:
    def find(text: str) -> set[str]:
        rows = select(graph_store, f"""
            SELECT DISTINCT ?s WHERE {{
              ?s a ckg:ClusterOrganisation ; skos:prefLabel|skos:altLabel ?label .
              FILTER(CONTAINS(LCASE(STR(?label)), LCASE("{text}")))
            }}""")
        return {r["s"] for r in rows}

    apulia = "https://w3id.org/clusterkg/id/organisation/apulia-creative-cluster-association"
    assert find("Puglia Creativa") == {apulia}
    assert find("Apulia Creative Cluster") == {apulia}


def test_every_typed_node_names_a_source_document_with_a_title(graph_store: GraphStore) -> None:
    rows = select(graph_store, """
        SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {
          GRAPH ?g { ?s a ?type }
          FILTER(?g NOT IN (<https://w3id.org/clusterkg/graph/clusterkg>, <https://w3id.org/clusterkg/graph/catalog>))
          FILTER NOT EXISTS { ?s dcterms:source ?doc . ?doc a ckg:SourceDocument ; dcterms:title ?title }
        }""")
    assert rows == [{"n": "0"}]


def test_every_named_graph_but_the_ontology_is_derived_from_its_sources(graph_store: GraphStore) -> None:
    rows = select(graph_store, """
        SELECT ?g WHERE {
          <https://w3id.org/clusterkg/dataset> void:subset ?g .
          FILTER NOT EXISTS { ?g prov:wasDerivedFrom ?doc }
        }""")
    assert [r["g"] for r in rows] == ["https://w3id.org/clusterkg/graph/clusterkg"]
