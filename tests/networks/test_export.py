"""Exports read back the same: GraphML and GEXF through networkx, CSV and JSON as written."""

from __future__ import annotations

import csv
import io
import json

import networkx as nx
import pytest

from clusterkg.networks import analytics, export

from .netdata import APULIA, SALENTO

KINDS = ["coparticipation", "bipartite", "regions", "themes"]


@pytest.mark.parametrize("kind", KINDS)
def test_graphml_reads_back_with_the_same_nodes_edges_and_attributes(network, kind: str) -> None:
    graph = network(kind)
    analytics.metrics(graph)
    flat = export.flat_graph(graph)
    back = nx.read_graphml(io.BytesIO(export.to_graphml(graph)))
    assert set(back.nodes) == set(graph.nodes)
    assert {frozenset(e) for e in back.edges} == {frozenset(e) for e in graph.edges}
    for node in flat:
        assert back.nodes[node] == flat.nodes[node]
    for a, b in flat.edges:
        assert back.edges[a, b] == flat.edges[a, b]
    assert back.graph["kind"] == kind


def test_graphml_keeps_labels_types_measures_and_what_joins_an_edge(network) -> None:
    graph = network()
    analytics.metrics(graph)
    back = nx.read_graphml(io.BytesIO(export.to_graphml(graph)))
    node = back.nodes[APULIA]
    assert node["label"] == "Apulia Creative Cluster Association" and node["type"] == "cluster organisation"
    assert node["region"] == "ITF4" and node["degree"] == 6 and isinstance(node["pagerank"], float)
    edge = back.edges[APULIA, SALENTO]
    assert edge["weight"] == 5 and "Creativity trade fair" in edge["through"]
    assert "University of Salento partner" in edge["roles"]


@pytest.mark.parametrize("kind", KINDS)
def test_gexf_reads_back(network, kind: str) -> None:
    graph = network(kind)
    analytics.metrics(graph)
    data = export.to_gexf(graph)
    assert b"None" not in data
    back = nx.read_gexf(io.BytesIO(data))
    assert set(back.nodes) == set(graph.nodes)
    assert back.number_of_edges() == graph.number_of_edges()
    assert back.nodes[next(iter(graph))]["label"] == graph.nodes[next(iter(graph))]["label"]


def test_no_attribute_is_none_or_nested(network) -> None:
    flat = export.flat_graph(network("bipartite"))
    for _, data in [*flat.nodes(data=True), *((None, d) for _, _, d in flat.edges(data=True))]:
        for value in data.values():
            assert isinstance(value, bool | int | float | str)


def test_csv_edge_list(network) -> None:
    rows = list(csv.DictReader(io.StringIO(export.to_csv(network()).decode())))
    row = next(r for r in rows if {r["source"], r["target"]} == {APULIA, SALENTO})
    assert row["weight"] == "5" and row["kinds"] == "activity"
    assert "Creativity trade fair" in row["through"]
    assert "https://w3id.org/clusterkg/id/activity/creativity-trade-fair" in row["through_iris"].split()


def test_json_is_node_link_for_d3_and_cytoscape(network) -> None:
    graph = network()
    data = json.loads(export.to_json(graph))
    assert {n["id"] for n in data["nodes"]} == set(graph)
    link = next(l for l in data["links"] if {l["source"], l["target"]} == {APULIA, SALENTO})
    assert link["weight"] == 5 and {t["roles"][SALENTO] for t in link["through"]} == {"partner"}
    elements = json.loads(export.to_cytoscape(graph))["elements"]
    assert len(elements["nodes"]) == 13 and all({"source", "target", "id"} <= set(e["data"]) for e in elements["edges"])
