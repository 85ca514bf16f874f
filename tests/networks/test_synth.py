"""The synthetic graph: deterministic for a seed, conforming to the shapes, shaped like the real thing."""

from __future__ import annotations

import io
from collections import Counter

import pyoxigraph as ox
import pytest
from rdflib import Graph

from clusterkg import reference
from clusterkg.config import DATA_DIR
from clusterkg.shapes import validate_graph
from clusterkg.synth import Plan, generate

SCALE = 0.002
CKG = "https://w3id.org/clusterkg/ontology#"


def synth(scale: float = SCALE, seed: int = 3) -> str:
    out = io.StringIO()
    generate(out, scale, seed)
    return out.getvalue()


@pytest.fixture(scope="module")
def small() -> str:
    return synth()


def test_same_seed_same_graph(small: str) -> None:
    assert synth() == small
    assert synth(seed=4) != small


def test_plan_at_scale_one_is_the_size_of_the_real_thing() -> None:
    plan = Plan.at(1)
    assert (plan.clusters, plan.others, plan.projects) == (3_000, 50_000, 40_000)


def test_conforms_to_the_shapes(small: str) -> None:
    data = Graph()
    for quad in ox.parse(small, format=ox.RdfFormat.N_QUADS):
        data.parse(data=f"{quad.subject} {quad.predicate} {quad.object} .", format="nt")
    data += reference.nuts_graph()
    data += reference.countries_graph()
    data.parse(DATA_DIR / "vocab" / "vocabularies.ttl", format="turtle")
    result = validate_graph(data)
    assert result.conforms, "\n".join(str(v) for v in result.violations[:20])


def test_looks_like_the_real_thing(small: str) -> None:
    quads = list(ox.parse(small, format=ox.RdfFormat.N_QUADS))
    types = Counter(q.object.value for q in quads if q.predicate.value.endswith("#type"))
    assert types[CKG + "ClusterOrganisation"] == Plan.at(SCALE).clusters
    assert types[CKG + "Project"] == Plan.at(SCALE).projects
    partners = Counter(q.subject.value for q in quads if q.predicate.value == CKG + "hasParticipation"
                       and "/project/" in q.subject.value)
    assert min(partners.values()) >= 1 and max(partners.values()) <= 15
    regions = {q.object.value for q in quads if q.predicate.value == CKG + "locatedIn"}
    assert all(r.startswith("http://data.europa.eu/nuts/code/") and len(r.rsplit("/", 1)[1]) == 5 for r in regions)
    assert {q.graph_name.value for q in quads} == {"https://w3id.org/clusterkg/graph/synthetic"}
