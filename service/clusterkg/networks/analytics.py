"""Measures of a network: per node, for the whole network, paths and ego networks.

Per node: ``degree``, ``weighted_degree`` (the sum of edge weights: how many collaborations),
``betweenness`` (brokers: on how many shortest paths between others a node lies, normalised),
``pagerank`` (weighted) and ``community`` (Louvain, fixed seed, so the same graph always gets
the same communities). Betweenness is exact up to :data:`EXACT_BETWEENNESS_NODES` nodes and
estimated from a fixed sample of sources above that (``betweenness_sources`` in the summary),
since exact betweenness costs a shortest-path search from every node.
"""

from __future__ import annotations

from collections import Counter, defaultdict

import networkx as nx

from ..errors import ClusterKGError
from .extract import describe_through, summarise, through_label

SEED = 42
EXACT_BETWEENNESS_NODES = 2_000
#: Above EXACT_BETWEENNESS_NODES, sources are sampled so that sources x edges stays near this.
BETWEENNESS_BUDGET = 4_000_000
METRICS = ("degree", "weighted_degree", "betweenness", "pagerank", "community")


class NotInNetwork(ClusterKGError):
    """An organisation the network (under these filters) does not hold."""

    exit_code = 2

    def __init__(self, iri: str) -> None:
        super().__init__(
            f"{iri} is not in this network",
            "check the IRI (an organisation's page shows it), or widen the filters: the organisation takes part in nothing they keep",
        )
        self.iri = iri


class NoPath(ClusterKGError):
    """Two organisations of the network that no chain of collaborations joins."""

    exit_code = 2

    def __init__(self, source: str, target: str) -> None:
        super().__init__(f"no chain of collaborations joins {source} and {target}",
                         "they are in different components of the network; widen the filters, or pick another pair")
        self.source, self.target = source, target


def metrics(graph: nx.Graph, names: tuple[str, ...] = METRICS) -> dict[str, dict]:
    """The per-node measures ``names``, computed once per graph (kept in ``graph.graph['metrics']``)."""
    cache: dict[str, dict] = graph.graph.setdefault("metrics", {})
    for name in names:
        if name in cache:
            continue
        if name == "degree":
            cache[name] = dict(graph.degree())
        elif name == "weighted_degree":
            cache[name] = {n: float(d) for n, d in graph.degree(weight="weight")}
        elif name == "betweenness":
            cache[name] = betweenness(graph)
        elif name == "pagerank":
            cache[name] = pagerank(graph)
        elif name == "community":
            cache[name] = communities(graph)
        else:
            raise ValueError(f"unknown metric {name!r}")
    return {name: cache[name] for name in names}


def betweenness(graph: nx.Graph) -> dict[str, float]:
    """Normalised betweenness (hops, not weights: a broker links many otherwise distant organisations)."""
    n = graph.number_of_nodes()
    if n <= EXACT_BETWEENNESS_NODES:
        graph.graph["betweenness_sources"] = n
        return nx.betweenness_centrality(graph, normalized=True)
    sources = max(32, min(n, BETWEENNESS_BUDGET // max(1, graph.number_of_edges())))
    graph.graph["betweenness_sources"] = sources
    return nx.betweenness_centrality(graph, k=sources, normalized=True, seed=SEED)


def pagerank(graph: nx.Graph, alpha: float = 0.85, tol: float = 1.0e-8, max_iter: int = 200) -> dict[str, float]:
    """Weighted PageRank by power iteration, in pure Python (networkx's own needs SciPy).

    An undirected edge counts both ways; a node without edges gives its rank to all alike.
    """
    nodes = list(graph)
    n = len(nodes)
    if n == 0:
        return {}
    out_weight = {v: sum(w for _, _, w in graph.edges(v, data="weight", default=1)) for v in nodes}
    rank = dict.fromkeys(nodes, 1.0 / n)
    for _ in range(max_iter):
        previous = rank
        dangling = alpha * sum(previous[v] for v in nodes if out_weight[v] == 0) / n
        rank = dict.fromkeys(nodes, (1.0 - alpha) / n + dangling)
        for v in nodes:
            if out_weight[v] == 0:
                continue
            share = alpha * previous[v] / out_weight[v]
            for _, u, w in graph.edges(v, data="weight", default=1):
                rank[u] += share * w
        if sum(abs(rank[v] - previous[v]) for v in nodes) < n * tol:
            break
    return rank


def communities(graph: nx.Graph) -> dict[str, int]:
    """Louvain communities (weighted, seed fixed), numbered from 0 by size, largest first."""
    if graph.number_of_edges() == 0:
        found = [{n} for n in graph]
    else:
        found = nx.community.louvain_communities(graph, weight="weight", seed=SEED)
    ordered = sorted(found, key=lambda c: (-len(c), min(c)))
    graph.graph["communities"] = ordered
    return {node: index for index, community in enumerate(ordered) for node in community}


def _label(graph: nx.Graph, node: str) -> str:
    return graph.nodes[node].get("label", node)


def _ranked(graph: nx.Graph, values: dict[str, float], top: int, name: str) -> list[dict]:
    best = sorted(values.items(), key=lambda item: (-item[1], item[0]))[:top]
    return [{"id": node, "label": _label(graph, node), name: value} for node, value in best]


def summary(graph: nx.Graph, top: int = 10) -> dict:
    """The whole network: size, density, components, communities, brokers and bridges."""
    measures = metrics(graph)
    n, m = graph.number_of_nodes(), graph.number_of_edges()
    components = sorted(nx.connected_components(graph), key=len, reverse=True) if n else []
    community = measures["community"]
    found = graph.graph.get("communities", [])
    between: dict[tuple[int, int], dict] = defaultdict(lambda: {"edges": 0, "weight": 0})
    crossing = []
    for a, b, weight in graph.edges(data="weight", default=1):
        ca, cb = community[a], community[b]
        if ca != cb:
            key = (min(ca, cb), max(ca, cb))
            between[key]["edges"] += 1
            between[key]["weight"] += weight
            crossing.append((weight, a, b))
    crossing.sort(key=lambda item: (-item[0], item[1], item[2]))
    cut_edges = sorted(nx.bridges(graph), key=lambda e: (-graph.edges[e].get("weight", 1), e)) if m else []
    modularity = nx.community.modularity(graph, found, weight="weight") if m and found else 0.0
    return {
        "kind": graph.graph.get("kind"),
        "nodes": n,
        "edges": m,
        "total_weight": sum(w for _, _, w in graph.edges(data="weight", default=1)),
        "density": nx.density(graph) if n > 1 else 0.0,
        "components": len(components),
        "largest_component": len(components[0]) if components else 0,
        "isolated": sum(1 for v in graph if graph.degree(v) == 0),
        "communities": len(found),
        "modularity": modularity,
        "community_sizes": [
            {"community": i, "size": len(c), "label": _community_label(graph, c, measures["pagerank"])}
            for i, c in enumerate(found[:top])
        ],
        "betweenness_sources": graph.graph.get("betweenness_sources", n),
        "top_brokers": [dict(entry, community=community[entry["id"]])
                        for entry in _ranked(graph, measures["betweenness"], top, "betweenness")],
        "top_pagerank": _ranked(graph, measures["pagerank"], top, "pagerank"),
        "top_weighted_degree": _ranked(graph, measures["weighted_degree"], top, "weighted_degree"),
        "community_links": [
            {"communities": list(key), **value}
            for key, value in sorted(between.items(), key=lambda item: (-item[1]["weight"], item[0]))[:top]
        ],
        "community_bridges": [_edge_entry(graph, a, b, community) for _, a, b in crossing[:top]],
        "bridges": [_edge_entry(graph, a, b, community) for a, b in cut_edges[:top]],
        "bridge_count": len(cut_edges),
    }


def _community_label(graph: nx.Graph, members: set[str], rank: dict[str, float]) -> str:
    lead = max(members, key=lambda v: (rank.get(v, 0.0), v))
    return _label(graph, lead) + (f" and {len(members) - 1} more" if len(members) > 1 else "")


def _edge_entry(graph: nx.Graph, a: str, b: str, community: dict[str, int]) -> dict:
    data = graph.edges[a, b]
    return {
        "source": a, "target": b, "source_label": _label(graph, a), "target_label": _label(graph, b),
        "weight": data.get("weight", 1), "label": data.get("label", ""),
        "communities": [community[a], community[b]],
    }


def shortest_path(graph: nx.Graph, source: str, target: str) -> dict:
    """The fewest-hop chain of collaborations from ``source`` to ``target``, with what joins each hop."""
    for node in (source, target):
        if node not in graph:
            raise NotInNetwork(node)
    try:
        nodes = nx.shortest_path(graph, source, target)
    except nx.NetworkXNoPath:
        raise NoPath(source, target) from None
    hops = []
    for a, b in zip(nodes, nodes[1:]):
        data = graph.edges[a, b]
        hops.append({
            "from": a, "from_label": _label(graph, a), "to": b, "to_label": _label(graph, b),
            "weight": data.get("weight", 1),
            "through": [describe_through(graph, key, (a, b)) for key in data.get("through", [])],
        })
    return {
        "from": source, "to": target, "length": len(hops),
        "nodes": [{"id": v, "label": _label(graph, v), "type": graph.nodes[v].get("type", "")} for v in nodes],
        "hops": hops,
        "sentence": path_sentence(graph, nodes),
    }


def path_sentence(graph: nx.Graph, nodes: list[str]) -> str:
    """'A works with B on X; B works with C on Y.'"""
    parts = []
    for a, b in zip(nodes, nodes[1:]):
        labels = [through_label(graph, key) for key in graph.edges[a, b].get("through", [])]
        parts.append(f"{_label(graph, a)} and {_label(graph, b)}: {summarise(labels)}")
    return "; ".join(parts) + ("." if parts else "")


def ego_network(graph: nx.Graph, centre: str, depth: int = 2, max_nodes: int | None = None,
                metric: str = "degree") -> nx.Graph:
    """The organisations within ``depth`` hops of ``centre`` and every edge among them.

    With ``max_nodes``, a larger neighbourhood keeps the centre and its top nodes by ``metric``
    measured in the whole network (``cut_from`` and ``cut_by`` say so), without copying the rest:
    two hops from a well-connected organisation can reach most of a large network.
    """
    if centre not in graph:
        raise NotInNetwork(centre)
    if not 1 <= depth <= 4:
        raise ClusterKGError(f"depth {depth} is out of range", "give a depth from 1 to 4")
    distances = nx.single_source_shortest_path_length(graph, centre, cutoff=depth)
    kept = list(distances)
    cut = {}
    if max_nodes is not None and len(kept) > max_nodes:
        values = metrics(graph, (metric,))[metric]
        ranked = sorted(kept, key=lambda v: (v != centre, -values[v], distances[v], v))
        kept = ranked[:max_nodes]
        cut = {"cut_from": len(distances), "cut_by": metric}
    ego = graph.subgraph(kept).copy()
    ego.graph = {k: v for k, v in graph.graph.items() if k not in ("metrics", "communities", "betweenness_sources")}
    ego.graph.update(centre=centre, depth=depth, **cut)
    for node in ego:
        ego.nodes[node]["distance"] = distances[node]
    return ego


def kinds_count(graph: nx.Graph) -> dict[str, int]:
    """How many nodes of each type the network holds."""
    return dict(Counter(graph.nodes[v].get("type", "") for v in graph).most_common())
