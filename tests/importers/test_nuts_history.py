"""NUTS history: older codes resolve to today's regions, in Python and in the graph alike."""

from __future__ import annotations

from pathlib import Path

import pytest

from clusterkg.importers import resolve_nuts
from clusterkg.importers.nuts import history, history_triples, use_history_from

from .helpers import in_memory, query

NUTS = "http://data.europa.eu/nuts/code/"
V = "https://w3id.org/clusterkg/id/nuts/"


@pytest.fixture(scope="module")
def nuts(real_dir: Path):
    use_history_from(real_dir)
    return history(real_dir)


@pytest.mark.parametrize(("code", "version", "current"), [
    ("ITF4", 2016, ["ITF4"]),                      # unchanged since 2010
    ("FR24", 2013, ["FRB0"]),                      # recoded in 2016 (Centre - Val de Loire)
    ("PL12", 2013, ["PL91", "PL92"]),              # split in 2016 (Mazowieckie)
    ("IE01", 2013, ["IE04", "IE06"]),              # discontinued; its NUTS 3 regions went two ways
    ("DE915", 2013, ["DE91C"]),                    # merged with DE919 into Göttingen
    ("EL11", 2010, ["EL51"]),                      # recoded in 2013
    ("HR04", 2016, ["HR02", "HR05", "HR06"]),      # split in 2021 (Kontinentalna Hrvatska)
    ("HR041", 2016, ["HR050"]),                    # Grad Zagreb, recoded in 2021
    ("ITG2B", 2016, ["ITG2H"]),                    # Medio Campidano, into Sud Sardegna in 2021
    ("LV006", 2021, ["LV00A"]),                    # Rīga, recoded in 2024
    ("PT17", 2016, ["PT1A", "PT1B"]),              # Lisboa, split in 2024
    ("UKC1", 2016, ["UKC1"]),                      # the United Kingdom stays in NUTS 2016
    ("XX99", 2016, []),                            # unknown
])
def test_resolve_nuts(nuts, code: str, version: int, current: list[str]) -> None:
    assert resolve_nuts(code, version) == [NUTS + c for c in current]


def test_without_a_version_the_newest_one_having_the_code_is_taken(nuts) -> None:
    assert resolve_nuts("BE234") == [NUTS + "BE234"]
    assert resolve_nuts("LV007") == [NUTS + c for c in ("LV00A", "LV00B", "LV00C")]


def test_versions_hold_their_codes(nuts) -> None:
    counts = {year: len(version.labels) for year, version in nuts.versions.items()}
    assert all(counts[year] > 1700 for year in (2010, 2013, 2016, 2021, 2024))
    assert "PL12" in nuts.versions[2013] and "PL12" not in nuts.versions[2016]
    assert nuts.versions[2016].label("AT11") == "Burgenland"


@pytest.fixture(scope="module")
def graph(nuts):
    triples, warnings, documents = history_triples(nuts)
    return in_memory(triples), warnings


def test_versioned_concepts_link_to_current_regions(graph) -> None:
    memory, _ = graph
    rows = query(memory, f"""
        SELECT ?relation ?region WHERE {{
          VALUES ?concept {{ <{V}2016/ITF4> <{V}2013/PL12> <{V}2013/DE915> <{V}2013/FR24> }}
          ?concept ?relation ?region . FILTER(STRSTARTS(STR(?region), "{NUTS}")) }}""")
    got = {(r["relation"].rsplit("#", 1)[-1].rsplit("/", 1)[-1], r["region"].removeprefix(NUTS)) for r in rows}
    assert got == {("exactMatch", "ITF4"), ("narrowMatch", "PL91"), ("narrowMatch", "PL92"),
                   ("broadMatch", "DE91C"), ("exactMatch", "FRB0")}
    succession = query(memory, f"SELECT ?next WHERE {{ <{V}2013/FR24> dcterms:isReplacedBy ?next }}")
    assert succession == [{"next": f"{V}2016/FRB0"}]
    assert query(memory, f"SELECT ?l WHERE {{ <{V}2016/ITF4> skos:prefLabel ?l }}") == [{"l": "Puglia (NUTS 2016, ITF4)"}]


def test_the_graph_and_resolve_nuts_agree_on_every_code(nuts, graph) -> None:
    memory, warnings = graph
    rows = query(memory, f"""
        SELECT ?concept ?region WHERE {{
          ?concept skos:exactMatch|skos:broadMatch|skos:narrowMatch|skos:relatedMatch ?region }}""")
    in_graph: dict[str, set[str]] = {}
    for r in rows:
        in_graph.setdefault(r["concept"], set()).add(r["region"].removeprefix(NUTS))
    for year in (2010, 2013, 2016, 2021):
        for code in nuts.versions[year].labels:
            assert in_graph.get(f"{V}{year}/{code}", set()) == set(nuts.resolve(code, year)), (year, code)
    # codes that reach no current region are reported, not dropped silently
    assert {r.reason for r in warnings} >= {"NUTS 2013 UKN02 'Outer Belfast' reaches no current region"}
