"""The networks derived from the curated facts: who works with whom, through what, filtered."""

from __future__ import annotations

import pytest

from clusterkg.networks.extract import describe_through
from clusterkg.networks.filters import BadFilter, Filters

from .netdata import APULIA, ASTER, CLUST_ER, EMILIA_ROMAGNA, ID, LOMBARDY, SALENTO, SPRINT, TECNOPOLIS

ACTION_PLAN_ACTIVITIES = {
    ID + "activity/networking-events-to-share-knowledge-among-the-members",
    ID + "activity/research-on-market-demand-of-goods-and-services-in-ccis",
    ID + "activity/capacity-building-and-training-on-innovation-challenges",
    ID + "activity/co-working-and-incubation-services-for-cci-networks",
    ID + "activity/creativity-trade-fair",
}


def test_apulia_works_with_salento_and_tecnopolis_in_the_chimera_action_plan(network) -> None:
    graph = network()
    assert {SALENTO, TECNOPOLIS} <= set(graph[APULIA])
    for partner in (SALENTO, TECNOPOLIS):
        edge = graph.edges[APULIA, partner]
        assert set(edge["through"]) == ACTION_PLAN_ACTIVITIES
        assert edge["weight"] == 5
        assert edge["kinds"] == ["activity"]
    fair = describe_through(graph, ID + "activity/creativity-trade-fair", (APULIA, SALENTO))
    assert fair["roles"] == {APULIA: "organiser, responsible", SALENTO: "partner"}
    assert fair["kinds"] == ["activity", "event"] and fair["start"] == "2019-06" and fair["end"] == "2019-12"


def test_nodes_are_typed_and_located(network) -> None:
    node = network().nodes[APULIA]
    assert node["label"] == "Apulia Creative Cluster Association"
    assert node["type"] == "cluster organisation"
    assert node["type_iri"] == "https://w3id.org/clusterkg/vocab/orgtype-cluster"
    assert (node["country"], node["region"]) == ("ITA", "ITF4")
    assert node["value_chains"] == ["cultural and creative industries"]


def test_workshop_joins_the_region_services_and_sprint_puglia(network) -> None:
    graph = network()
    workshop = ID + "event/challenges-in-managing-creative-clusters-2014"
    assert graph.edges[APULIA, SPRINT]["through"] == [workshop]
    entry = describe_through(graph, workshop, (APULIA, SPRINT))
    assert entry["roles"] == {APULIA: "partner", SPRINT: "supporter"}


def test_direct_ties_join_clust_er_create_to_its_region_and_aster(network) -> None:
    graph = network()
    assert graph.edges[CLUST_ER, EMILIA_ROMAGNA]["weight"] == 2  # supported by, and funded by
    assert graph.edges[CLUST_ER, EMILIA_ROMAGNA]["kinds"] == ["tie"]
    assert "Clust-ER CREATE is coordinated by ASTER" in graph.edges[CLUST_ER, ASTER]["label"]


def test_an_organisation_alone_in_its_project_is_an_isolated_node(network) -> None:
    graph = network()
    assert LOMBARDY in graph and graph.degree(LOMBARDY) == 0


def test_participation_budget_is_kept(network) -> None:
    graph = network("bipartite")
    edge = graph.edges[LOMBARDY, ID + "project/s3-4alpclusters"]
    assert edge["budget"] == 120000.0 and edge["role"] == "partner"
    assert graph.nodes[ID + "project/s3-4alpclusters"]["total_cost"] == 2521964.0
    assert graph.nodes[ID + "project/s3-4alpclusters"]["bipartite"] == 1
    assert graph.edges[APULIA, ID + "project/chimera"]["role"] == "partner"


@pytest.mark.parametrize(
    ("filters", "present", "absent"),
    [
        ({"programme": "interreg-med"}, {APULIA, SALENTO, TECNOPOLIS}, {SPRINT, CLUST_ER}),
        ({"programme": "interreg"}, {APULIA, SALENTO, TECNOPOLIS}, {SPRINT}),  # Interreg MED is under Interreg
        ({"as_of": "2013-01-01"}, {CLUST_ER}, {SALENTO, SPRINT}),  # before the workshop and the activities
        ({"as_of": "2018-04-15"}, {SALENTO, TECNOPOLIS}, set()),
        ({"country": "IT"}, {APULIA, CLUST_ER}, {ID + "organisation/regione-puglia-brussels-office"}),
        ({"region": "ITF4"}, {APULIA, SALENTO, TECNOPOLIS, SPRINT}, {CLUST_ER, LOMBARDY}),  # ITF45, ITF47 roll up
        ({"region": "ITH5"}, {CLUST_ER, ASTER, EMILIA_ROMAGNA}, {APULIA}),
        ({"org_type": "public-body"}, {SPRINT}, {APULIA, SALENTO}),  # a regional agency is a public body
        ({"value_chain": "cultural-creative-industries"}, {APULIA, SALENTO, SPRINT}, {LOMBARDY, ASTER}),
        ({"min_weight": 2}, {APULIA, SALENTO, TECNOPOLIS, CLUST_ER}, {SPRINT, LOMBARDY}),
    ],
)
def test_filters(network, filters: dict, present: set, absent: set) -> None:
    graph = network(**filters)
    assert present <= set(graph), f"missing {present - set(graph)}"
    assert not (absent & set(graph)), f"unexpected {absent & set(graph)}"


def test_filter_as_of_a_date_keeps_only_running_activities(network) -> None:
    edge = network(as_of="2019-07-01").edges[APULIA, SALENTO]
    # running in July 2019: the co-working services and the trade fair (June-December 2019)
    assert set(edge["through"]) == {ID + "activity/co-working-and-incubation-services-for-cci-networks",
                                    ID + "activity/creativity-trade-fair"}


def test_min_weight_drops_light_edges(network) -> None:
    graph = network(min_weight=5)
    assert {frozenset(e) for e in graph.edges} == {frozenset((APULIA, SALENTO)), frozenset((APULIA, TECNOPOLIS)),
                                                   frozenset((SALENTO, TECNOPOLIS))}


@pytest.mark.parametrize("value", ["not a date", "2018-13-01"])
def test_bad_date_is_refused(value: str) -> None:
    with pytest.raises(BadFilter, match="YYYY-MM-DD"):
        Filters.parse(as_of=value)


def test_short_forms_become_iris() -> None:
    filters = Filters.parse(programme="interreg-med", country="el", region="itf4", value_chain="fashion", org_type="cluster")
    assert filters.programme == ID + "programme/interreg-med"
    assert filters.country == "http://publications.europa.eu/resource/authority/country/GRC"
    assert filters.region == "http://data.europa.eu/nuts/code/ITF4"
    assert filters.value_chain == "https://w3id.org/clusterkg/vocab/vc-fashion"
    assert filters.org_type == "https://w3id.org/clusterkg/vocab/orgtype-cluster"
    with pytest.raises(BadFilter):
        Filters.parse(region="not a region")


@pytest.mark.parametrize(("level", "apulia_region"), [(0, "IT"), (1, "ITF"), (2, "ITF4"), (3, "ITF4")])
def test_regions_roll_up_to_the_level_asked(network, level: int, apulia_region: str) -> None:
    graph = network("regions", level=level)
    nuts = "http://data.europa.eu/nuts/code/"
    assert nuts + apulia_region in graph
    if level == 0:
        assert graph.nodes[nuts + "IT"]["internal"] >= 10
        assert graph.has_edge(nuts + "IT", nuts + "BE")  # the Brussels office is part of the Apulia Region
    if level == 3:
        # Lecce and Bari organisations (NUTS 3) work together; Apulia's cluster is known only at NUTS 2
        assert graph.edges[nuts + "ITF45", nuts + "ITF47"]["weight"] == 5
        assert graph.has_edge(nuts + "ITF4", nuts + "ITF45")


def test_themes_join_clusters_value_chains_and_priorities(network) -> None:
    graph = network("themes")
    cci = "https://w3id.org/clusterkg/vocab/vc-cultural-creative-industries"
    priority = ID + "priority/apulia-digital-creative-inclusive-communities"
    assert graph.has_edge(APULIA, cci) and graph.has_edge(priority, cci)
    assert graph.edges[APULIA, priority]["relation"] == "aligned_with"
    assert graph.edges[APULIA, priority]["weight"] == 4  # through its four action plans
    assert graph.nodes[priority]["region"] == "ITF4"
    assert graph.has_edge(CLUST_ER, "https://w3id.org/clusterkg/vocab/vc-fashion")
    assert graph.edges["https://w3id.org/clusterkg/vocab/vc-fashion", cci]["relation"] == "narrower_than"
    fashion = network("themes", value_chain="fashion")
    assert CLUST_ER in fashion and APULIA not in fashion
