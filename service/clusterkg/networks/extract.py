"""Networks derived from the store: SPARQL brings the facts, networkx holds the graph.

Four kinds (:class:`~.filters.NetworkKind`):

* **coparticipation**, the main one: organisations joined by the projects, partnerships,
  agreements, deliverables, work packages, activities and events they take part in together
  (``ckg:hasParticipation/ckg:participant`` with role and budget; ``ckg:responsible``,
  ``ckg:partner``, ``ckg:organiser``, ``ckg:supportedBy``, ``org:hasMember``), and by direct
  ties (coordinated by, supported by, part of, member of, funded by). An edge's ``weight`` is
  how many things join the two; ``through`` lists them (joiner IRIs, or ``tie ...`` keys).
* **bipartite**: organisations and the things they take part in (``bipartite`` 0 and 1).
* **regions**: the coparticipation network aggregated to NUTS regions of one level.
* **themes**: cluster organisations, value chains and S3 priority areas.

Only facts cross from SPARQL to Python: the projection from "who takes part in what" to
"who works with whom" happens here, where it costs one pass over the memberships instead of a
quadratic join in the store. The graph keeps, in ``graph.graph``, the joiners, ties and roles
its ``through`` keys refer to, so exports and views can say which project joins whom and how.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from itertools import combinations

import networkx as nx

from .filters import Filters, NetworkKind, level_literal, only
from .queries import Row, Select, network_query, number, text

#: Which kind names a joiner by, when it has several (an activity that is also an event).
KIND_ORDER = ("project", "partnership", "agreement", "deliverable", "work_package", "activity", "event")

LINK_LABELS = {
    "participant": "participant",
    "responsible": "responsible",
    "partner": "partner",
    "organiser": "organiser",
    "supportedBy": "supporter",
    "hasMember": "member",
}
RELATION_LABELS = {
    "https://w3id.org/clusterkg/ontology#coordinatedBy": ("coordinatedBy", "is coordinated by"),
    "https://w3id.org/clusterkg/ontology#supportedBy": ("supportedBy", "is supported by"),
    "http://www.w3.org/ns/org#subOrganizationOf": ("subOrganizationOf", "is part of"),
    "http://www.w3.org/ns/org#hasMember": ("hasMember", "has as a member"),
    "https://w3id.org/clusterkg/ontology#funder": ("funder", "is funded by"),
}
THEME_RELATION_LABELS = {
    "works_in": "works in",
    "aligned_with": "serves",
    "covers": "covers",
    "narrower_than": "is part of",
}


@dataclass(frozen=True)
class Joiner:
    """Something organisations take part in together."""

    iri: str
    kinds: tuple[str, ...]
    label: str
    start: str | None = None
    end: str | None = None
    programme: str | None = None
    programme_label: str | None = None
    total_cost: float | None = None

    @property
    def kind(self) -> str:
        return next((k for k in KIND_ORDER if k in self.kinds), self.kinds[0] if self.kinds else "thing")


@dataclass(frozen=True)
class Membership:
    """How one organisation takes part in one joiner."""

    org: str
    links: tuple[str, ...]
    roles: tuple[str, ...]
    budget: float | None
    via: str | None

    @property
    def role_label(self) -> str:
        """'lead partner', 'responsible, organiser', 'partner (through ChIMERA partners)'."""
        names = [_concept_words(role, "role-") for role in self.roles]
        names += [LINK_LABELS.get(link, link) for link in self.links if link != "participant" or not self.roles]
        seen = list(dict.fromkeys(names))
        return ", ".join(seen)


@dataclass(frozen=True)
class Tie:
    """A direct tie between two organisations."""

    key: str
    source: str
    relation: str  # coordinatedBy, supportedBy, subOrganizationOf, hasMember, funder
    target: str
    via: str | None = None

    @property
    def phrase(self) -> str:
        return next((p for name, p in RELATION_LABELS.values() if name == self.relation), self.relation)


def _concept_words(iri: str, prefix: str) -> str:
    """'.../vocab/role-lead-partner' -> 'lead partner' (the slug of the concept's English label)."""
    local = iri.rsplit("/", 1)[-1]
    return local.removeprefix(prefix).replace("-", " ")


# ---------------------------------------------------------------- reading the store


@dataclass
class Facts:
    """What the queries returned, before it becomes a graph."""

    organisations: dict[str, dict] = field(default_factory=dict)
    joiners: dict[str, Joiner] = field(default_factory=dict)
    members: dict[str, list[Membership]] = field(default_factory=dict)
    ties: list[Tie] = field(default_factory=list)
    concepts: dict[str, dict] = field(default_factory=dict)


async def read_organisations(select: Select, filters: Filters) -> dict[str, dict]:
    """Organisations passing the country, region and type filters, with their attributes."""
    rows = await select(network_query("organisations"), only(filters.bindings(), "country", "region", "orgType"))
    organisations = {}
    for row in rows:
        iri = row["org"].value
        type_iri = text(row, "typeIri") or text(row, "classIri")
        organisations[iri] = {
            "label": text(row, "label") or _local_name(iri),
            "kind": "organisation",
            "type": text(row, "typeLabel") or text(row, "className") or "organisation",
            "type_iri": type_iri or "",
            "class_iri": text(row, "classIri") or "",
            "country": text(row, "countryNotation") or "",
            "country_label": text(row, "countryLabel") or "",
            "country_iri": text(row, "countryOf") or "",
            "region": text(row, "regionNotation") or "",
            "region_label": text(row, "regionLabel") or "",
            "region_iri": text(row, "regionIri") or "",
            "value_chain_iris": sorted((text(row, "valueChains") or "").split()),
        }
    return organisations


async def read_joiners(select: Select) -> dict[str, Joiner]:
    rows = await select(network_query("joiners"), {})
    joiners = {}
    for row in rows:
        iri = row["through"].value
        joiners[iri] = Joiner(
            iri=iri,
            kinds=tuple(sorted((text(row, "kinds") or "").split(), key=_kind_rank)),
            label=text(row, "label") or text(row, "acronym") or _local_name(iri),
            start=text(row, "start"),
            end=text(row, "end"),
            programme=text(row, "programme"),
            programme_label=text(row, "programmeLabel"),
            total_cost=number(row, "totalCost"),
        )
    return joiners


async def read_members(select: Select, filters: Filters) -> dict[str, list[Membership]]:
    """Each joiner passing the programme, date and value-chain filters, with its members."""
    rows = await select(network_query("members"), only(filters.bindings(), "programme", "asOf", "valueChain"))
    members: dict[str, list[Membership]] = {}
    for row in rows:
        by_org: dict[str, dict] = {}
        for line in (text(row, "members") or "").splitlines():
            parts = line.split(" ")
            if len(parts) != 5:
                continue
            org, link, role, budget, via = parts
            entry = by_org.setdefault(org, {"links": set(), "roles": set(), "budget": None, "via": None})
            entry["links"].add(link)
            if role != "-":
                entry["roles"].add(role)
            if budget != "-":
                try:
                    entry["budget"] = (entry["budget"] or 0.0) + float(budget) if link == "participant" else entry["budget"]
                except ValueError:
                    pass
            if via != "-":
                entry["via"] = via
        members[row["through"].value] = [
            Membership(org, tuple(sorted(e["links"])), tuple(sorted(e["roles"])), e["budget"], e["via"])
            for org, e in sorted(by_org.items())
        ]
    return members


async def read_ties(select: Select, filters: Filters) -> list[Tie]:
    rows = await select(network_query("relations"), only(filters.bindings(), "programme", "valueChain"))
    ties = []
    for row in rows:
        relation = RELATION_LABELS.get(row["relation"].value, (row["relation"].value, ""))[0]
        source, target, via = row["source"].value, row["target"].value, text(row, "via")
        ties.append(Tie(f"tie {source} {relation} {target}", source, relation, target, via))
    return sorted(set(ties), key=lambda t: t.key)


async def read_concepts(select: Select) -> dict[str, dict]:
    """Value chains and S3 priority areas, with labels (and the region of a priority's strategy)."""
    rows = await select(network_query("theme-nodes"), {})
    return {
        row["node"].value: {
            "label": text(row, "label") or _local_name(row["node"].value),
            "kind": text(row, "kind") or "concept",
            "region": text(row, "regionNotation") or "",
            "region_iri": text(row, "region") or "",
            "strategy": text(row, "strategy") or "",
        }
        for row in rows
    }


async def read_facts(select: Select, filters: Filters) -> Facts:
    """Everything the coparticipation and bipartite networks need, queried concurrently."""
    organisations, joiners, members, ties, concepts = await asyncio.gather(
        read_organisations(select, filters),
        read_joiners(select),
        read_members(select, filters),
        read_ties(select, filters),
        read_concepts(select),
    )
    return Facts(organisations, joiners, members, ties, concepts)


# ---------------------------------------------------------------- building graphs


def _kind_rank(kind: str) -> int:
    return KIND_ORDER.index(kind) if kind in KIND_ORDER else len(KIND_ORDER)


def _local_name(iri: str) -> str:
    return iri.rstrip("/#").rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def _organisation_node(attributes: dict, concepts: dict[str, dict]) -> dict:
    node = dict(attributes)
    node["value_chains"] = [concepts.get(iri, {}).get("label", _local_name(iri)) for iri in node["value_chain_iris"]]
    return node


def _new_graph(kind: NetworkKind, filters: Filters, **extra: object) -> nx.Graph:
    graph = nx.Graph()
    graph.graph.update(kind=kind.value, filters=filters, joiners={}, ties={}, memberships={}, **extra)
    return graph


def coparticipation(facts: Facts, filters: Filters) -> nx.Graph:
    """Organisations joined by what they take part in together, and by direct ties."""
    graph = _new_graph(NetworkKind.coparticipation, filters)
    organisations = facts.organisations
    graph.graph["labels"] = {iri: attributes["label"] for iri, attributes in organisations.items()}
    memberships: dict[tuple[str, str], Membership] = graph.graph["memberships"]
    joined: dict[tuple[str, str], list[str]] = defaultdict(list)
    taking_part: dict[str, int] = defaultdict(int)
    for joiner_iri in sorted(facts.members):
        present = [m for m in facts.members[joiner_iri] if m.org in organisations]
        joiner = facts.joiners.get(joiner_iri)
        if not present or joiner is None:
            continue
        graph.graph["joiners"][joiner_iri] = joiner
        for membership in present:
            memberships[(joiner_iri, membership.org)] = membership
            taking_part[membership.org] += 1
        for a, b in combinations(sorted(m.org for m in present), 2):
            joined[(a, b)].append(joiner_iri)
    for tie in facts.ties:
        if tie.source in organisations and tie.target in organisations:
            graph.graph["ties"][tie.key] = tie
            taking_part[tie.source] += 0  # present in the network even with no joiner
            taking_part[tie.target] += 0
            joined[tuple(sorted((tie.source, tie.target)))].append(tie.key)
    for org in sorted(taking_part):
        graph.add_node(org, **_organisation_node(organisations[org], facts.concepts), participations=taking_part[org])
    for (a, b), through in sorted(joined.items()):
        graph.add_edge(a, b, **_edge_attributes(graph, a, b, through))
    return _apply_min_weight(graph, filters)


def _edge_attributes(graph: nx.Graph, a: str, b: str, through: list[str]) -> dict:
    budgets = [m.budget for key in through for m in (graph.graph["memberships"].get((key, a)),
                                                       graph.graph["memberships"].get((key, b)))
               if m is not None and m.budget is not None]
    attributes = {"weight": len(through), "through": list(dict.fromkeys(through))}
    attributes["kinds"] = sorted({through_kind(graph, key) for key in through}, key=_kind_rank)
    attributes["label"] = summarise([through_label(graph, key) for key in through])
    if budgets:
        attributes["budget"] = float(sum(budgets))
    return attributes


def through_kind(graph: nx.Graph, key: str) -> str:
    if key.startswith("tie "):
        return "tie"
    joiner = graph.graph["joiners"].get(key)
    return joiner.kind if joiner else "thing"


def through_label(graph: nx.Graph, key: str) -> str:
    """The English label of a joiner, or a sentence for a tie ('Clust-ER CREATE is coordinated by ASTER')."""
    if key.startswith("tie "):
        tie: Tie = graph.graph["ties"][key]
        labels = graph.graph.get("labels", {})
        names = [labels.get(n) or _local_name(n) for n in (tie.source, tie.target)]
        return f"{names[0]} {tie.phrase} {names[1]}"
    joiner = graph.graph["joiners"].get(key)
    return joiner.label if joiner else _local_name(key)


def summarise(labels: Iterable[str], limit: int = 3) -> str:
    """'A; B; C and 4 more'."""
    labels = list(dict.fromkeys(labels))
    shown = "; ".join(labels[:limit])
    return shown + (f" and {len(labels) - limit} more" if len(labels) > limit else "")


def describe_through(graph: nx.Graph, key: str, ends: Iterable[str]) -> dict:
    """What joins ``ends`` through ``key``: the joiner with each end's role and budget, or the tie."""
    if key.startswith("tie "):
        tie: Tie = graph.graph["ties"][key]
        entry = {"iri": tie.via, "kind": "tie", "relation": tie.relation, "label": through_label(graph, key),
                 "from": tie.source, "to": tie.target}
        return {k: v for k, v in entry.items() if v is not None}
    joiner: Joiner | None = graph.graph["joiners"].get(key)
    entry: dict = {"iri": key, "kind": through_kind(graph, key), "label": through_label(graph, key)}
    if joiner is not None:
        entry.update({k: v for k, v in (("kinds", list(joiner.kinds)), ("programme", joiner.programme),
                                        ("programme_label", joiner.programme_label), ("start", joiner.start),
                                        ("end", joiner.end), ("total_cost", joiner.total_cost)) if v})
    roles, budgets = {}, {}
    for end in ends:
        membership = graph.graph["memberships"].get((key, end))
        if membership is not None:
            roles[end] = membership.role_label
            if membership.budget is not None:
                budgets[end] = membership.budget
            if membership.via:
                entry.setdefault("via", {})[end] = membership.via
    entry["roles"] = roles
    if budgets:
        entry["budgets"] = budgets
    return entry


def _apply_min_weight(graph: nx.Graph, filters: Filters) -> nx.Graph:
    """Drop edges lighter than ``min_weight``; with a minimum above 1, drop the isolated nodes too."""
    if filters.min_weight > 1:
        graph.remove_edges_from([(a, b) for a, b, w in graph.edges(data="weight") if w < filters.min_weight])
        graph.remove_nodes_from([n for n in list(graph) if graph.degree(n) == 0])
    return graph


def bipartite(facts: Facts, filters: Filters) -> nx.Graph:
    """Organisations (bipartite 0) and what they take part in (bipartite 1), edges carrying role and budget."""
    graph = _new_graph(NetworkKind.bipartite, filters)
    for joiner_iri in sorted(facts.members):
        present = [m for m in facts.members[joiner_iri] if m.org in facts.organisations]
        joiner = facts.joiners.get(joiner_iri)
        if not present or joiner is None:
            continue
        graph.graph["joiners"][joiner_iri] = joiner
        attributes = {"label": joiner.label, "kind": joiner.kind, "kinds": list(joiner.kinds), "bipartite": 1,
                      "type": joiner.kind.replace("_", " ")}
        attributes.update({k: v for k, v in (("programme", joiner.programme), ("programme_label", joiner.programme_label),
                                             ("start", joiner.start), ("end", joiner.end),
                                             ("total_cost", joiner.total_cost)) if v is not None})
        graph.add_node(joiner_iri, **attributes)
        for membership in present:
            if membership.org not in graph:
                graph.add_node(membership.org, bipartite=0,
                               **_organisation_node(facts.organisations[membership.org], facts.concepts))
            graph.graph["memberships"][(joiner_iri, membership.org)] = membership
            edge = {"weight": 1, "role": membership.role_label, "roles": list(membership.roles),
                    "links": list(membership.links), "label": f"{membership.role_label} in {joiner.label}"}
            if membership.budget is not None:
                edge["budget"] = membership.budget
            if membership.via:
                edge["via"] = membership.via
            graph.add_edge(membership.org, joiner_iri, **edge)
    for node in graph:
        if graph.nodes[node]["bipartite"] == 0:
            graph.nodes[node]["participations"] = graph.degree(node)
    return graph


async def read_regions(select: Select, level: int) -> dict[str, dict]:
    """Each organisation's region at NUTS ``level`` (or its own region, if coarser)."""
    rows = await select(network_query("organisation-regions"), {"level": level_literal(level)})
    regions = {}
    for row in rows:
        regions[row["org"].value] = {
            "iri": row["region"].value,
            "code": text(row, "code") or _local_name(row["region"].value),
            "level": int(number(row, "regionLevel") or 0),
            "label": text(row, "label") or "",
            "country_iri": text(row, "country") or "",
        }
    return regions


def regions(coparticipation_graph: nx.Graph, located: dict[str, dict], level: int, filters: Filters) -> nx.Graph:
    """Regions joined by their organisations' collaborations; ``internal`` counts those within a region."""
    graph = _new_graph(NetworkKind.regions, filters, level=level)
    for shared in ("joiners", "ties", "labels", "memberships"):
        graph.graph[shared] = coparticipation_graph.graph[shared]
    members: dict[str, set[str]] = defaultdict(set)
    internal: dict[str, set[str]] = defaultdict(set)
    between: dict[tuple[str, str], set[str]] = defaultdict(set)
    pairs: dict[tuple[str, str], int] = defaultdict(int)
    for org in coparticipation_graph:
        if org in located:
            members[located[org]["iri"]].add(org)
    for a, b, through in coparticipation_graph.edges(data="through"):
        if a not in located or b not in located:
            continue
        ra, rb = located[a]["iri"], located[b]["iri"]
        if ra == rb:
            internal[ra].update(through)
        else:
            key = tuple(sorted((ra, rb)))
            between[key].update(through)
            pairs[key] += 1
    info = {entry["iri"]: entry for entry in located.values()}
    for region in sorted(members):
        entry = info[region]
        graph.add_node(region, label=f"{entry['label']} ({entry['code']})" if entry["label"] else entry["code"],
                       kind="region", type=f"NUTS {entry['level']}", code=entry["code"], level=entry["level"],
                       country_iri=entry["country_iri"], country=entry["code"][:2], organisations=len(members[region]),
                       internal=len(internal[region]))
    for (ra, rb), through in sorted(between.items()):
        ordered = sorted(through)
        graph.add_edge(ra, rb, weight=len(ordered), pairs=pairs[(ra, rb)], through=ordered,
                       kinds=sorted({through_kind(graph, k) for k in ordered}, key=_kind_rank),
                       label=summarise(through_label(coparticipation_graph, k) for k in ordered))
    return _apply_min_weight(graph, filters)


async def read_themes(select: Select, filters: Filters) -> list[Row]:
    return await select(network_query("themes"), only(filters.bindings(), "valueChain"))


def themes(rows: list[Row], organisations: dict[str, dict], concepts: dict[str, dict], filters: Filters) -> nx.Graph:
    """Cluster organisations, value chains and S3 priority areas."""
    graph = _new_graph(NetworkKind.themes, filters)
    edges: dict[tuple[str, str], dict] = {}
    for row in rows:
        source, target, relation = row["source"].value, row["target"].value, row["relation"].value
        if target not in concepts:
            continue
        if source not in concepts and source not in organisations:
            continue
        for node in (source, target):
            if node not in graph:
                if node in organisations:
                    graph.add_node(node, **_organisation_node(organisations[node], concepts))
                else:
                    attributes = dict(concepts[node])
                    attributes["type"] = attributes["kind"].replace("_", " ")
                    graph.add_node(node, **attributes)
        edge = edges.setdefault((source, target), {"relation": relation, "via": set()})
        if text(row, "via"):
            edge["via"].add(row["via"].value)
    for (source, target), edge in sorted(edges.items()):
        via = sorted(edge["via"])
        phrase = THEME_RELATION_LABELS.get(edge["relation"], edge["relation"])
        graph.add_edge(source, target, relation=edge["relation"], via=via, weight=max(1, len(via)),
                       label=f"{graph.nodes[source]['label']} {phrase} {graph.nodes[target]['label']}")
    if filters.any:
        # keep the value chains and priority areas that lead to a cluster the filters keep
        keep = set()
        for component in nx.connected_components(graph):
            if any(graph.nodes[n]["kind"] == "organisation" for n in component):
                keep |= component
        graph.remove_nodes_from([n for n in list(graph) if n not in keep])
    return _apply_min_weight(graph, filters)


async def build_network(select: Select, kind: NetworkKind, filters: Filters, level: int = 2) -> nx.Graph:
    """The network of ``kind`` under ``filters`` (``level`` is the NUTS level of a regions network).

    The queries run concurrently; the projection into networkx runs in a worker thread, so a
    service's event loop keeps answering other requests meanwhile.
    """
    kind = NetworkKind(kind)
    if kind is NetworkKind.themes:
        rows, organisations, concepts = await asyncio.gather(
            read_themes(select, filters), read_organisations(select, filters), read_concepts(select))
        return await asyncio.to_thread(themes, rows, organisations, concepts, filters)
    if kind is NetworkKind.regions:
        level_literal(level)  # checks the level before any query runs
        facts, located = await asyncio.gather(read_facts(select, filters), read_regions(select, level))

        def aggregate() -> nx.Graph:
            return regions(coparticipation(facts, replace(filters, min_weight=1)), located, level, filters)

        return await asyncio.to_thread(aggregate)
    facts = await read_facts(select, filters)
    project = bipartite if kind is NetworkKind.bipartite else coparticipation
    return await asyncio.to_thread(project, facts, filters)
