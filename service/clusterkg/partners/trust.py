"""Trust from the partnership network: who has worked with the applicant, and how closely.

The network is the networks module's coparticipation network (organisations joined by the
projects, partnerships, agreements, activities and events they take part in together, and by
direct ties), read through the :class:`~.reader.Reader` (in the service, the networks API's
copy, cached per store build). Every candidate's distance to the applicant scores its trust;
for the candidates shown, the path itself and the earlier joint undertakings come from
:func:`clusterkg.networks.analytics.shortest_path` (hops with what joins each,
``describe_through``).

Scores: worked together directly, 0.6 plus 0.1 per joint undertaking (at most 1.0); two steps
apart (a common partner), 0.4; three, 0.25; further, 0.1; not connected, 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import networkx as nx

from ..networks.analytics import shortest_path

#: Score by path length (edges); 1 is handled apart (it grows with the joint undertakings).
DISTANCE_SCORES = {2: 0.4, 3: 0.25}
FAR_SCORE = 0.1


@dataclass
class Trust:
    """What the network says about a candidate, seen from the applicant."""

    distance: int | None = None  # edges on the shortest path; None when not connected
    score: float = 0.0
    path: list[dict] = field(default_factory=list)  # [{"iri", "label", "via"}], the applicant first
    joint: list[dict] = field(default_factory=list)  # earlier joint undertakings with the applicant
    sentence: str = ""

    def explanation(self) -> list[str]:
        if self.distance is None:
            return ["no earlier collaboration with the applicant in the graph, direct or through others"]
        if self.distance == 1:
            if not self.joint:
                return ["has worked with the applicant"]
            names = "; ".join(j.get("label", j.get("iri", "")) for j in self.joint[:4])
            more = f" and {len(self.joint) - 4} more" if len(self.joint) > 4 else ""
            return [f"has worked with the applicant in {len(self.joint)} earlier undertaking"
                    f"{'s' if len(self.joint) != 1 else ''}: {names}{more}"]
        hops = " → ".join(step["label"] for step in self.path) if self.path else ""
        return [f"{self.distance} steps from the applicant in the partnership network" + (f": {hops}" if hops else "")]

    def as_json(self) -> dict:
        out = {"distance": self.distance, "score": round(self.score, 4), "path": self.path, "joint": self.joint}
        if self.sentence:
            out["sentence"] = self.sentence
        return out


def distances_from(graph: nx.Graph, applicant: str) -> dict[str, Trust]:
    """The trust score of every organisation connected to ``applicant`` (others: none)."""
    if applicant not in graph:
        return {}
    out = {}
    for node, distance in nx.single_source_shortest_path_length(graph, applicant).items():
        if node == applicant:
            continue
        if distance == 1:
            score = min(1.0, 0.6 + 0.1 * len(graph.edges[applicant, node].get("through", [])))
        else:
            score = DISTANCE_SCORES.get(distance, FAR_SCORE)
        out[node] = Trust(distance, score)
    return out


def describe(graph: nx.Graph, applicant: str, trust: Trust, candidate: str) -> Trust:
    """Fill in the path and the joint undertakings of a candidate's ``trust`` (for display)."""
    if trust.distance is None or trust.path:
        return trust
    route = shortest_path(graph, applicant, candidate)
    trust.path = [{"iri": route["nodes"][0]["id"], "label": route["nodes"][0]["label"]}]
    for hop in route["hops"]:
        trust.path.append({"iri": hop["to"], "label": hop["to_label"],
                           "via": "; ".join(t.get("label", "") for t in hop["through"][:3])})
    if trust.distance == 1 and route["hops"]:
        trust.joint = route["hops"][0]["through"]
    trust.sentence = route.get("sentence", "")
    return trust
