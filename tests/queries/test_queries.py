"""Each catalogue query's answer on the curated data, as a policymaker or cluster manager reads it."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from clusterkg.catalogue import get_query, load_catalogue
from clusterkg.store import GraphStore

ID = "https://w3id.org/clusterkg/id/"
VOC = "https://w3id.org/clusterkg/vocab/"
SRC = "https://w3id.org/clusterkg/source/"
GRAPH = "https://w3id.org/clusterkg/graph/"
CKG = "https://w3id.org/clusterkg/ontology#"
NUTS = "http://data.europa.eu/nuts/code/"
COUNTRY = "http://publications.europa.eu/resource/authority/country/"

APULIA_CREATIVE = ID + "organisation/apulia-creative-cluster-association"
CLUST_ER = ID + "organisation/clust-er-create"


@pytest.fixture(scope="module")
def run(graph_store: GraphStore):
    """Run a catalogue query by name with text parameters, as the CLI and API do; rows as text."""

    def run_query(name: str, **params: str) -> list[dict[str, str]]:
        query = get_query(name)
        results = graph_store.query(query.sparql, query.bind(params))
        variables = [v.value for v in results.variables]
        return [{v: s[v].value for v in variables if s[v] is not None} for s in results]

    return run_query


def column(rows: list[dict[str, str]], name: str) -> set[str]:
    return {row[name] for row in rows if name in row}


def local(iri: str) -> str:
    return iri.rsplit("/", 1)[-1]


def test_every_catalogue_query_has_a_test_here() -> None:
    source = Path(__file__).read_text(encoding="utf-8")
    untested = [q.name for q in load_catalogue() if f'run("{q.name}"' not in source]
    assert untested == []


# ---------------------------------------------------------------- clusters and regions


def test_clusters_by_region_rolls_up_nuts(run) -> None:
    south = run("clusters_by_region", region="ITF")
    assert {local(c) for c in column(south, "cluster")} == {"apulia-creative-cluster-association", "apulia-ict-district"}
    assert column(south, "located") == {NUTS + "ITF4"} and column(south, "region") == {NUTS + "ITF"}
    assert len(south) == 2  # one row per cluster although its facts sit in two named graphs
    assert column(run("clusters_by_region"), "cluster") == column(south, "cluster")  # default ITF4
    assert column(run("clusters_by_region", region="IT"), "cluster") == column(south, "cluster") | {CLUST_ER}
    assert column(run("clusters_by_region", region="ITH"), "cluster") == {CLUST_ER}
    assert run("clusters_by_region", region="ITC") == []
    assert run("clusters_by_region", region="ITF47") == []  # the clusters are placed at NUTS 2, not in Bari


def test_clusters_by_value_chain_includes_narrower_chains(run) -> None:
    rows = run("clusters_by_value_chain")
    assert column(rows, "cluster") == {APULIA_CREATIVE, CLUST_ER}
    named = {local(r["namedChain"]) for r in rows if r["cluster"] == CLUST_ER}
    assert named == {"vc-fashion", "vc-cult-tech", "vc-addict", "vc-multimodel", "vc-tourism-urban-reactivation"}
    fashion = run("clusters_by_value_chain", value_chain="voc:vc-fashion")
    assert [(r["cluster"], r["regionLabel"]) for r in fashion] == [(CLUST_ER, "Emilia-Romagna")]


def test_cluster_profile_of_clust_er_create(run) -> None:
    rows = run("cluster_profile")
    by_aspect: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        by_aspect.setdefault(row["aspect"], []).append(row)
    assert column(by_aspect["located in"], "item") == {NUTS + "ITH5"}
    chains = by_aspect["value chain"]
    assert len(chains) == 5 and column(chains, "detail") == {"cultural and creative industries"}
    assert column(by_aspect["coordinated by"], "itemLabel") == {"ASTER"}
    assert column(by_aspect["supported by"], "itemLabel") == {"Emilia-Romagna Region"}
    assert len(by_aspect["kind of member"]) == 8 and "companies" in column(by_aspect["kind of member"], "itemLabel")
    fees = {r["itemLabel"]: (Decimal(r["amount"]), r["detail"]) for r in by_aspect["fee"]}
    assert fees["Clust-ER CREATE registration fee"][0] == Decimal("1000")
    assert fees["Clust-ER CREATE membership fee"][0] == Decimal("500")
    assert "halved for small firms" in fees["Clust-ER CREATE membership fee"][1]
    assert [Decimal(r["amount"]) for r in by_aspect["funding received"]] == [Decimal("300000")]
    assert [Decimal(r["amount"]) for r in by_aspect["annual budget"]] == [Decimal("30000")]
    apulia = run("cluster_profile", cluster="id:organisation/apulia-creative-cluster-association")
    assert ("kind of member", "firms of the district") in {(r["aspect"], r.get("itemLabel")) for r in apulia}


def test_value_chain_gaps_lists_italian_regions_without_a_cci_cluster(run, graph_store: GraphStore) -> None:
    rows = run("value_chain_gaps")
    regions = column(rows, "region")
    assert NUTS + "ITF4" not in regions and NUTS + "ITH5" not in regions
    assert len(rows) == 19 and NUTS + "ITC4" in regions
    lombardy = next(r for r in rows if r["region"] == NUTS + "ITC4")
    assert lombardy["regionLabel"] == "Lombardia" and lombardy["cohesionCategory"] == VOC + "cohesion-more-developed"
    fashion = column(run("value_chain_gaps", value_chain="voc:vc-fashion"), "region")
    assert NUTS + "ITF4" in fashion and NUTS + "ITH5" not in fashion  # Puglia has CCI but no fashion cluster
    assert {local(r) for r in column(run("value_chain_gaps", level="1"), "region")} == {"ITC", "ITG", "ITI"}
    belgian = column(run("value_chain_gaps", country="BE"), "region")
    all_belgian = {s["r"].value for s in graph_store.query(
        "SELECT DISTINCT ?r WHERE { ?r <https://w3id.org/clusterkg/ontology#country> "
        "<http://publications.europa.eu/resource/authority/country/BEL> ; "
        "<https://w3id.org/clusterkg/ontology#nutsLevel> 2 FILTER(!STRENDS(STR(?r), 'ZZ')) }")}
    assert belgian == all_belgian and NUTS + "BE10" in belgian


def test_cohesion_categories_of_italian_regions(run) -> None:
    rows = {r["region"]: r for r in run("cohesion_categories")}
    assert len(rows) == 21
    assert rows[NUTS + "ITF4"]["category"] == VOC + "cohesion-less-developed" and rows[NUTS + "ITF4"]["clusters"] == "2"
    assert rows[NUTS + "ITH5"]["category"] == VOC + "cohesion-more-developed" and rows[NUTS + "ITH5"]["clusters"] == "1"
    transition = run("cohesion_categories", category="voc:cohesion-transition")
    assert {local(r) for r in column(transition, "region")} == {"ITF1", "ITF2", "ITG2"}


def test_s3_priorities_and_aligned_clusters(run) -> None:
    rows = run("s3_priorities_by_region")
    assert column(rows, "strategy") == {ID + "strategy/apulia-s3", ID + "strategy/lombardy-s3"}
    apulia = [r for r in rows if r["strategy"] == ID + "strategy/apulia-s3"]
    assert len(apulia) == 1
    assert apulia[0]["priority"] == ID + "priority/apulia-digital-creative-inclusive-communities"
    assert apulia[0]["cluster"] == APULIA_CREATIVE
    assert set(apulia[0]["alignment"].split(", ")) == {
        "through an action plan", "works in the area's value chain in the region"}
    lombardy = [r for r in rows if r["strategy"] == ID + "strategy/lombardy-s3"]
    assert len(lombardy) == 1 and "priority" not in lombardy[0]  # no priority areas recorded
    assert column(run("s3_priorities_by_region", region="ITC"), "strategy") == {ID + "strategy/lombardy-s3"}
    assert column(run("s3_priorities_by_region", region="ITF"), "strategy") == {ID + "strategy/apulia-s3"}


# ---------------------------------------------------------------- projects, programmes, funding


def test_projects_by_programme_with_costs(run) -> None:
    rows = {local(r["project"]): r for r in run("projects_by_programme")}
    assert set(rows) == {"s3-4alpclusters", "chimera"}
    s3 = rows["s3-4alpclusters"]
    assert Decimal(s3["totalCost"]) == Decimal("2521964.00") and s3["currency"] == "EUR"
    assert Decimal(s3["partnerBudgets"]) == Decimal("120000") and s3["budgetedPartners"] == "1"
    assert "totalCost" not in rows["chimera"]
    assert column(run("projects_by_programme", programme="id:programme/interreg"), "project") == {
        ID + "project/chimera", ID + "project/s3-4alpclusters",
    }
    assert column(run("projects_by_programme", programme="id:programme/interreg-alpine-space"), "project") == {
        ID + "project/s3-4alpclusters"}
    assert run("projects_by_programme", programme="id:programme/cosme") == []


def test_programme_hierarchy(run) -> None:
    rows = run("programme_hierarchy")
    assert {local(p) for p in column(rows, "programme")} == {
        "interreg", "interreg-med", "interreg-alpine-space", "cosme", "horizon-2020",
        "erdf-rop-emilia-romagna-2014-2020", "erdf-rop-lombardia-2014-2020"}
    parts = {(local(r["programme"]), r.get("partKind"), local(r["part"])) for r in rows if "part" in r}
    assert ("interreg", "sub-programme", "interreg-med") in parts
    assert ("interreg-med", "project", "chimera") in parts
    assert {p for (prog, kind, p) in parts if prog == "cosme" and kind == "call for proposals"} == {
        "cos-clustpartns-2017-3-02", "cosme-european-cluster-excellence-programme-2019", "cos-cluster-2020-3-03"}
    chimera = next(r for r in rows if r.get("part") == ID + "project/chimera")
    assert chimera["parentProgramme"] == "Interreg" and chimera["period"] == "2014-2020"
    assert chimera["underAxis"].startswith("Promoting Mediterranean innovation capacity")


def test_funding_by_region_and_fund(run) -> None:
    def totals(rows: list[dict[str, str]]) -> set[tuple[str, str, Decimal, str]]:
        return {(local(r["region"]), local(r["fund"]), Decimal(r["total"]), r["amounts"]) for r in rows}

    assert totals(run("funding_by_region_and_fund")) == {
        ("ITH5", "fund-erdf", Decimal("300000"), "1"),
        ("ITC4", "fund-erdf", Decimal("102000"), "1"),
        ("ITC4", "fund-national", Decimal("18000"), "1"),
    }
    assert totals(run("funding_by_region_and_fund", level="0", country="IT")) == {
        ("IT", "fund-erdf", Decimal("402000"), "2"),
        ("IT", "fund-national", Decimal("18000"), "1"),
    }
    assert run("funding_by_region_and_fund", country="BEL") == []


def test_open_calls_for_clusters_and_their_rules(run) -> None:
    rows = run("open_calls_for_clusters")
    calls = {local(r["call"]) for r in rows}
    assert calls == {"cos-clustpartns-2017-3-02", "cosme-european-cluster-excellence-programme-2019"}
    escp = [r for r in rows if r["call"].endswith("cos-clustpartns-2017-3-02")]
    assert len(escp) == 3 and column(escp, "deadline") == {"2018-03-08T17:00:00+01:00"}
    assert Decimal(escp[0]["maxGrant"]) == Decimal("350000") and Decimal(escp[0]["budget"]) == Decimal("2800000")
    assert Decimal(escp[0]["cofinancingRate"]) == Decimal("0.75") and escp[0]["programme"] == "COSME"
    excellence = [r for r in rows if r["call"].endswith("programme-2019")]
    assert len(excellence) == 6 and Decimal(excellence[0]["maxGrant"]) == Decimal("360000")
    assert "The consortium must comprise at least three different legal entities." in column(excellence, "ruleText")
    assert "innosup-1-2016-2017" in {local(r["call"]) for r in run("open_calls_for_clusters", date="2017-01-01")}
    assert run("open_calls_for_clusters", date="2019-04-05") == []
    usa = {local(r["call"]) for r in run("open_calls_for_clusters", country="USA")}
    assert usa == set()  # both calls list their eligible countries (EU and COSME countries), without the USA
    italy = {local(r["call"]) for r in run("open_calls_for_clusters", country="ITA")}
    assert italy == calls


# ---------------------------------------------------------------- partners and networks


def test_partners_of_the_apulia_creative_cluster(run) -> None:
    rows = run("partners_of_organisation")
    assert {local(p) for p in column(rows, "partner")} == {
        "chimera", "regione-puglia-economic-development-department",
        "regione-puglia-industrial-research-and-innovation-service", "regione-puglia-internationalisation-service",
        "sprint-puglia", "tecnopolis", "university-of-salento"}
    tecnopolis = [r for r in rows if r["partner"].endswith("/tecnopolis")]
    assert len(tecnopolis) == 5 and column(tecnopolis, "partnerRoles") == {"partner"}
    sprint = next(r for r in rows if r["partner"].endswith("/sprint-puglia"))
    assert sprint["partnerRoles"] == "supported by" and sprint["organisationRoles"] == "partner"
    assert sprint["through"] == ID + "event/challenges-in-managing-creative-clusters-2014"
    of_tecnopolis = run("partners_of_organisation", organisation="id:organisation/tecnopolis")
    assert column(of_tecnopolis, "partner") == {APULIA_CREATIVE, ID + "organisation/university-of-salento"}


def test_organisations_working_together(run) -> None:
    rows = run("organisations_working_together")
    pairs = {(local(r["organisation"]), local(r["partner"])): int(r["shared"]) for r in rows}
    assert pairs == {
        ("apulia-creative-cluster-association", "tecnopolis"): 5,
        ("apulia-creative-cluster-association", "university-of-salento"): 5,
        ("tecnopolis", "university-of-salento"): 5,
    }
    once = run("organisations_working_together", min_shared="1")
    assert len(once) > len(rows)
    assert ("apulia-creative-cluster-association", "sprint-puglia") in {
        (local(r["organisation"]), local(r["partner"])) for r in once}
    assert run("organisations_working_together", min_shared="6") == []


def test_events_and_agreements_by_country(run) -> None:
    italy = {local(r["item"]): r for r in run("events_and_agreements_by_country")}
    assert set(italy) == {
        "fiera-del-levante-2016", "medimex-2014", "challenges-in-managing-creative-clusters-2014",
        "creative-cluster-manager-coaching-group-2014", "be-creative-be-cluster-2014", "puglia-creativity-protocol-2014"}
    assert italy["challenges-in-managing-creative-clusters-2014"]["kind"] == "workshop"
    assert italy["be-creative-be-cluster-2014"]["partOf"] == "Challenges in managing creative clusters"
    assert italy["puglia-creativity-protocol-2014"]["start"] == "2014-11-07"
    assert italy["fiera-del-levante-2016"]["city"] == "Bari"
    assert {local(r["item"]) for r in run("events_and_agreements_by_country", country="POL")} == {
        "puglia-creativity-protocol-2014"}
    belgium = run("events_and_agreements_by_country", country="BE")
    assert [(local(r["item"]), r["start"], r["end"]) for r in belgium] == [
        ("european-cluster-conference-2016", "2016-12-01", "2016-12-02")]


# ---------------------------------------------------------------- plans and calendar


def test_action_plan_calendar(run) -> None:
    rows = run("action_plan_calendar")
    assert len(rows) == 10 and len(column(rows, "plan")) == 4
    starts = [r["start"] for r in rows]
    assert starts == sorted(starts) and starts[0] == "2018-01"
    fair = next(r for r in rows if r["activity"].endswith("/creativity-trade-fair"))
    assert (fair["start"], fair["end"], fair["fundedBy"]) == ("2019-06", "2019-12", "TRACES")
    assert set(fair["partners"].split(", ")) == {"University of Salento", "Tecnopolis"}
    assert column(rows, "responsible") == {"Apulia Creative Cluster Association"}
    assert run("action_plan_calendar", cluster="id:organisation/clust-er-create") == []


def test_active_at_date(run) -> None:
    june_2018 = {local(r["item"]) for r in run("active_at_date")}
    assert "s3-4alpclusters" in june_2018 and "research-on-market-demand-of-goods-and-services-in-ccis" in june_2018
    assert "matchmaking-event-for-international-trade-of-ccis" not in june_2018  # ended in May 2018
    assert len(june_2018) == 8
    assert {local(r["item"]) for r in run("active_at_date", date="2014-11-20")} == {
        "medimex-2014", "challenges-in-managing-creative-clusters-2014",
        "creative-cluster-manager-coaching-group-2014", "be-creative-be-cluster-2014"}
    assert {local(r["item"]) for r in run("active_at_date", date="2016-12-02")} == {
        "s3-4alpclusters", "european-cluster-conference-2016"}
    assert run("active_at_date", date="2020-01-01") == []


# ---------------------------------------------------------------- search and provenance


def test_label_search_ignores_case_and_accents(run) -> None:
    universita = {(local(r["entity"]), r["label"], r["language"]) for r in run("label_search", q="universita")}
    assert ("orgtype-university", "università", "it") in universita
    assert (CKG.rsplit("/", 1)[1] + "University", "università", "it") in universita
    creativa = run("label_search", q="PUGLIA CREATIVA")
    assert APULIA_CREATIVE in column(creativa, "entity")
    assert {local(e) for e in column(run("label_search", q="Città"), "entity")} == {"ontology#city"}
    assert column(run("label_search", q="citta"), "entity") == {CKG + "city"}
    acronym = run("label_search", q="ESCP4S3")
    assert ID + "instrument/escp4s3" in column(acronym, "entity")
    assert NUTS + "ITF4" in column(run("label_search", q="puglia"), "entity")


def test_entity_provenance_names_graph_and_document(run) -> None:
    rows = run("entity_provenance")
    located = {(r["graph"], r["document"]) for r in rows
               if r["direction"] == "out" and r["property"] == CKG + "locatedIn"}
    assert located == {
        (GRAPH + "000-chimera-action-plan", SRC + "seed-000-chimera-action-plan"),
        (GRAPH + "001-puglia-creativity-protocol", SRC + "seed-001-puglia-creativity-protocol"),
    }
    italian_name = [r for r in rows if r["value"] == "Puglia Creativa"]
    assert column(italian_name, "document") == {SRC + "seed-001-puglia-creativity-protocol"}
    incoming = {local(r["value"]) for r in rows if r["direction"] == "in" and r["property"] == CKG + "participant"}
    assert "puglia-creativity-protocol-2014--apulia-creative-cluster-association" in incoming
    page = {r.get("documentPage") for r in rows if r["document"] == SRC + "seed-000-chimera-action-plan"}
    assert page == {"https://chimera.interreg-med.eu/"}
    call = run("entity_provenance", entity="id:call/cos-clustpartns-2017-3-02")
    max_grant = {(local(r["graph"]), local(r["document"])) for r in call if r["property"] == CKG + "maxGrant"}
    assert ("004-european-cluster-conference-2016", "seed-004-european-cluster-conference-2016") in max_grant
    assert {d for g, d in max_grant if g == "calls"} == {
        "easme-cos-clustpartn-2017-3-02", "innolabsplus-escp-s3-2017-12-12",
        "euro-access-strategic-cluster-partnerships", "cosme-2018-monitoring-report"}
    region = run("entity_provenance", entity="nuts:ITF4")
    assert {(r["value"], local(r["document"])) for r in region if r["property"].endswith("#prefLabel")} == {
        ("Puglia", "nuts-2024")}


def test_source_documents(run) -> None:
    rows = {local(r["document"]): r for r in run("source_documents")}
    for seed in ("seed-000-chimera-action-plan", "seed-001-puglia-creativity-protocol", "seed-002-clust-er-create",
                 "seed-003-s3-4alpclusters", "seed-004-european-cluster-conference-2016"):
        assert int(rows[seed]["entities"]) > 5, seed
        assert rows[seed]["graph"] == GRAPH + seed.removeprefix("seed-")
    assert rows["seed-000-chimera-action-plan"]["page"] == "https://chimera.interreg-med.eu/"
    assert rows["seed-001-puglia-creativity-protocol"]["language"] == "it"
    assert rows["turnerer-grant-notice-10608"]["graph"] == GRAPH + "calls"
