"""Measures, paths and ego networks on the curated facts."""

from __future__ import annotations

import pytest

from clusterkg.networks import analytics

from .netdata import APULIA, ASTER, CLUST_ER, EMILIA_ROMAGNA, ID, LOMBARDY, SALENTO, SPRINT, TECNOPOLIS


def test_node_measures(network) -> None:
    graph = network()
    measures = analytics.metrics(graph)
    assert measures["degree"][APULIA] == 6
    assert measures["weighted_degree"][APULIA] == 14.0  # 5 + 5 with the universities, 4 workshop ties
    assert max(measures["betweenness"], key=measures["betweenness"].get) == APULIA  # the broker
    assert abs(sum(measures["pagerank"].values()) - 1.0) < 1e-9
    assert measures["community"][SALENTO] == measures["community"][TECNOPOLIS] == measures["community"][APULIA]
    assert measures["community"][CLUST_ER] == measures["community"][ASTER] != measures["community"][APULIA]


def test_communities_are_the_same_every_time(network) -> None:
    first, second = network(), network()
    assert analytics.metrics(first, ("community",)) == analytics.metrics(second, ("community",))


def test_summary(network) -> None:
    summary = analytics.summary(network(), top=5)
    assert (summary["nodes"], summary["edges"]) == (13, 19)
    assert summary["components"] == 3 and summary["isolated"] == 1  # Lombardy, alone in S3 4AlpClusters
    assert summary["top_brokers"][0]["id"] == APULIA
    assert 0 < summary["density"] < 1 and summary["modularity"] > 0
    bridges = {frozenset((b["source"], b["target"])) for b in summary["bridges"]}
    assert frozenset((CLUST_ER, ASTER)) in bridges  # ASTER hangs on Clust-ER CREATE alone
    assert all(b["communities"][0] != b["communities"][1] for b in summary["community_bridges"])


def test_path_names_the_activities_on_each_hop(network) -> None:
    path = analytics.shortest_path(network(), SALENTO, SPRINT)
    assert [node["id"] for node in path["nodes"]] == [SALENTO, APULIA, SPRINT]
    first, second = path["hops"]
    assert {t["iri"] for t in first["through"]} >= {ID + "activity/creativity-trade-fair",
                                                     ID + "activity/networking-events-to-share-knowledge-among-the-members"}
    assert second["through"][0]["label"] == "Challenges in managing creative clusters"
    assert second["through"][0]["roles"] == {APULIA: "partner", SPRINT: "supporter"}
    assert path["sentence"].startswith("University of Salento and Apulia Creative Cluster Association: ")


def test_how_clust_er_create_is_connected_to_its_region(network) -> None:
    path = analytics.shortest_path(network(), CLUST_ER, EMILIA_ROMAGNA)
    assert path["length"] == 1
    assert {t["relation"] for t in path["hops"][0]["through"]} == {"supportedBy", "funder"}
    funded = next(t for t in path["hops"][0]["through"] if t["relation"] == "funder")
    assert funded["iri"] == ID + "amount/clust-er-create-erdf-rop-2017-2020"


def test_no_path_between_components(network) -> None:
    with pytest.raises(analytics.NoPath):
        analytics.shortest_path(network(), CLUST_ER, APULIA)
    with pytest.raises(analytics.NotInNetwork):
        analytics.shortest_path(network(), ID + "organisation/nobody", APULIA)


def test_ego_network(network) -> None:
    graph = network()
    one = analytics.ego_network(graph, APULIA, 1)
    assert set(one) == {APULIA, *graph[APULIA]}
    assert one.nodes[APULIA]["distance"] == 0 and one.nodes[SALENTO]["distance"] == 1
    two = analytics.ego_network(graph, SALENTO, 2)
    assert SPRINT in two and two.nodes[SPRINT]["distance"] == 2 and LOMBARDY not in two


def test_ego_network_for_a_view_keeps_the_centre_and_its_top_nodes(network) -> None:
    graph = network()
    ego = analytics.ego_network(graph, SALENTO, 2, max_nodes=3)
    assert SALENTO in ego and len(ego) == 3
    assert ego.graph["cut_from"] == len(analytics.ego_network(graph, SALENTO, 2)) and ego.graph["cut_by"] == "degree"
    assert APULIA in ego  # the best connected within two steps
