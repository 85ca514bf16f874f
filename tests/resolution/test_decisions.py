"""Curators' decisions are data, and they override the matcher's scores."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from rdflib import Graph

from clusterkg.errors import ClusterKGError
from clusterkg.resolution.decisions import DECISIONS_FILE, Decision, decide, load_decisions
from clusterkg.resolution.records import Name, Record
from clusterkg.resolution.resolve import ACCEPTED, DIFFERENT, REVIEW, SAME, resolve
from clusterkg.resolution.score import ACCEPT_THRESHOLD, REVIEW_THRESHOLD, TokenStats, score_pair

EX = "https://example.org/org/"


def record(key: str, name: str, country: str = "POL", region: str = "PL22") -> Record:
    return Record(EX + key, [Name(name, "en")], country, frozenset({region}))


# Three records of one name, as Kohesio lists a body once per region, and one of another.
KATOWICE_CITY = record("a-miasto-katowice", "MIASTO KATOWICE")
KATOWICE_GMINA = record("b-gmina-katowice", "GMINA KATOWICE")
SWIDNICA_1 = record("c-swidnica-lower-silesia", "GMINA ŚWIDNICA", region="PL51")
SWIDNICA_2 = record("d-swidnica-lubusz", "GMINA ŚWIDNICA", region="PL43")
SWIDNICA_3 = record("e-swidnica-again", "Gmina Świdnica", region="PL51")
UNRELATED = record("f-other", "Gmina Zamość", region="PL81")
RECORDS = [KATOWICE_CITY, KATOWICE_GMINA, SWIDNICA_1, SWIDNICA_2, SWIDNICA_3, UNRELATED]


def decision(a: Record, b: Record, same: bool) -> dict[tuple[str, str], Decision]:
    left, right = sorted((a.iri, b.iri))
    return {(left, right): Decision(left, right, same, "2026-11-22")}


def outcome_of(result, a: Record, b: Record) -> str | None:
    pair = tuple(sorted((a.iri, b.iri)))
    return next((link.outcome for link in result.links if link.pair == pair), None)


def group_of(result, a: Record) -> list[str]:
    return next((g for g in result.groups if a.iri in g), [a.iri])


def test_without_decisions_the_scores_decide() -> None:
    stats = TokenStats(RECORDS)
    assert score_pair(SWIDNICA_1, SWIDNICA_2, stats).score >= ACCEPT_THRESHOLD
    assert score_pair(KATOWICE_CITY, KATOWICE_GMINA, stats).score < REVIEW_THRESHOLD
    result = resolve(RECORDS)
    assert group_of(result, SWIDNICA_1) == sorted([SWIDNICA_1.iri, SWIDNICA_2.iri, SWIDNICA_3.iri])
    assert outcome_of(result, KATOWICE_CITY, KATOWICE_GMINA) is None  # below review: not kept


def test_a_same_decision_links_a_pair_the_matcher_scores_low() -> None:
    result = resolve(RECORDS, decision(KATOWICE_CITY, KATOWICE_GMINA, True))
    assert outcome_of(result, KATOWICE_CITY, KATOWICE_GMINA) == str(SAME)
    assert group_of(result, KATOWICE_CITY) == sorted([KATOWICE_CITY.iri, KATOWICE_GMINA.iri])
    link = next(link for link in result.links if link.outcome == str(SAME))
    assert any(f.name == "curator decision" for f in link.scored.features)  # the score stays the matcher's
    assert link.scored.score < REVIEW_THRESHOLD


def test_a_different_decision_unlinks_a_pair_the_matcher_accepts_even_through_other_records() -> None:
    """Świdnica 1 and 3 are one record each of the Lower Silesian gmina; 2 is the Lubusz gmina.
    Decided different, 1 and 2 must not end up in one group through 3 either."""
    result = resolve(RECORDS, decision(SWIDNICA_1, SWIDNICA_2, False))
    assert outcome_of(result, SWIDNICA_1, SWIDNICA_2) == str(DIFFERENT)
    assert SWIDNICA_2.iri not in group_of(result, SWIDNICA_1)
    assert SWIDNICA_3.iri in group_of(result, SWIDNICA_1)
    refused = outcome_of(result, SWIDNICA_2, SWIDNICA_3)
    assert refused == str(REVIEW)  # accepted by score, kept apart by the decision: a curator should look
    link = next(link for link in result.links if link.pair == tuple(sorted((SWIDNICA_2.iri, SWIDNICA_3.iri))))
    assert any(f.name == "kept apart" for f in link.scored.features)


def test_contradicting_decisions_are_reported_and_the_different_one_wins() -> None:
    decisions = {**decision(SWIDNICA_1, SWIDNICA_2, False), **decision(SWIDNICA_1, SWIDNICA_3, True),
                 **decision(SWIDNICA_2, SWIDNICA_3, True)}
    result = resolve(RECORDS, decisions)
    assert result.conflicts
    assert SWIDNICA_2.iri not in group_of(result, SWIDNICA_1)


def test_a_decision_on_records_not_in_the_store_waits() -> None:
    result = resolve(RECORDS, {(EX + "x", EX + "y"): Decision(EX + "x", EX + "y", True, "2026-11-22")})
    assert [d.left for d in result.unknown_decisions] == [EX + "x"]


def test_accepted_links_need_the_threshold() -> None:
    result = resolve(RECORDS, accept=0.999, review=0.5)
    assert all(link.outcome == str(REVIEW) for link in result.links)
    assert not result.groups
    with pytest.raises(ClusterKGError):
        resolve(RECORDS, accept=0.4, review=0.5)


# ---------------------------------------------------------------- the decisions file

def test_decisions_are_written_as_turtle_and_read_back(tmp_path: Path) -> None:
    path = tmp_path / "decisions.ttl"
    decide(SWIDNICA_2.iri, SWIDNICA_1.iri, False, path, note="two gminas", labels=("Świdnica (Lubusz)", "Świdnica"),
           on=date(2026, 11, 22))
    decide(KATOWICE_CITY.iri, KATOWICE_GMINA.iri, True, path, on=date(2026, 11, 23))
    graph = Graph().parse(path)  # valid Turtle
    assert len(graph) > 10
    found = load_decisions(path)
    assert set(found) == {tuple(sorted((SWIDNICA_1.iri, SWIDNICA_2.iri))), (KATOWICE_CITY.iri, KATOWICE_GMINA.iri)}
    swidnica = found[tuple(sorted((SWIDNICA_1.iri, SWIDNICA_2.iri)))]
    assert (swidnica.same, swidnica.note, swidnica.date) == (False, "two gminas", "2026-11-22")
    assert "Świdnica (Lubusz)" in swidnica.label


def test_a_new_decision_on_a_pair_replaces_the_old_and_the_file_is_deterministic(tmp_path: Path) -> None:
    path = tmp_path / "decisions.ttl"
    decide(SWIDNICA_1.iri, SWIDNICA_2.iri, True, path, on=date(2026, 11, 22))
    decide(KATOWICE_CITY.iri, KATOWICE_GMINA.iri, True, path, on=date(2026, 11, 22))
    decide(SWIDNICA_2.iri, SWIDNICA_1.iri, False, path, on=date(2026, 11, 22))
    found = load_decisions(path)
    assert len(found) == 2 and not found[tuple(sorted((SWIDNICA_1.iri, SWIDNICA_2.iri)))].same
    other = tmp_path / "other.ttl"
    decide(KATOWICE_GMINA.iri, KATOWICE_CITY.iri, True, other, on=date(2026, 11, 22))
    decide(SWIDNICA_1.iri, SWIDNICA_2.iri, False, other, on=date(2026, 11, 22))
    assert other.read_bytes() == path.read_bytes()


@pytest.mark.parametrize(("a", "b"), [("not an iri", EX + "b"), (EX + "a", EX + "a"), ("urn:x", EX + "b")])
def test_bad_decisions_are_refused(tmp_path: Path, a: str, b: str) -> None:
    with pytest.raises(ClusterKGError):
        decide(a, b, True, tmp_path / "decisions.ttl")
    assert not (tmp_path / "decisions.ttl").exists()


def test_the_committed_decisions_file_parses_and_names_both_verdicts() -> None:
    found = load_decisions(DECISIONS_FILE)
    assert found and {d.same for d in found.values()} == {True, False}
    assert all(d.note for d in found.values())
