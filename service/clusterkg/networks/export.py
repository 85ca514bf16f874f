"""A network as files other tools read: JSON (D3 and Cytoscape.js), GEXF and GraphML (Gephi), CSV.

GEXF and GraphML hold only scalar attributes, so :func:`flat_graph` turns lists into
"; "-joined text, drops what is unknown rather than writing None, renames the attributes GEXF
reads as time (``start``/``end``) and gives every attribute one type throughout, so Gephi and
``networkx.read_graphml`` read the file back as it was written.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable

import networkx as nx

from ..iris import BASE
from .extract import describe_through, through_label
from .filters import Filters

FORMATS = {
    "json": ("application/json", "json"),
    "cytoscape": ("application/json", "cyjs.json"),
    "gexf": ("application/gexf+xml", "gexf"),
    "graphml": ("application/graphml+xml", "graphml"),
    "csv": ("text/csv; charset=utf-8", "csv"),
}
_RENAMED = {"start": "start_date", "end": "end_date"}
_SKIPPED_EDGE = {"through", "via"}


def _json_value(value: object) -> object:
    if isinstance(value, Filters):
        return value.describe()
    if isinstance(value, (set, frozenset, tuple)):
        return sorted(value) if isinstance(value, (set, frozenset)) else list(value)
    return value


def graph_info(graph: nx.Graph) -> dict:
    """What the network is: kind, filters, size, and the level or centre where they apply."""
    info = {"kind": graph.graph.get("kind"), "nodes": graph.number_of_nodes(), "edges": graph.number_of_edges()}
    filters = graph.graph.get("filters")
    if isinstance(filters, Filters):
        info["filters"] = filters.describe()
    for key in ("level", "centre", "depth", "cut_from", "cut_by", "betweenness_sources"):
        if key in graph.graph:
            info[key] = graph.graph[key]
    return info


def node_link(graph: nx.Graph, metric_names: tuple[str, ...] | None = None) -> dict:
    """``{"graph", "nodes": [{"id", ...}], "links": [{"source", "target", ...}]}``: D3's force layout reads it as is.

    Nodes carry the measures computed so far (or only ``metric_names``).
    """
    nodes = []
    measures = {k: v for k, v in graph.graph.get("metrics", {}).items() if metric_names is None or k in metric_names}
    for node, data in graph.nodes(data=True):
        entry = {"id": node}
        entry.update({k: _json_value(v) for k, v in data.items()})
        for name, values in measures.items():
            if node in values:
                entry[name] = values[node]
        nodes.append(entry)
    links = []
    for a, b, data in graph.edges(data=True):
        entry = {"source": a, "target": b}
        entry.update({k: _json_value(v) for k, v in data.items() if k not in _SKIPPED_EDGE})
        if "through" in data:
            entry["through"] = [describe_through(graph, key, (a, b)) for key in data["through"]]
        if "via" in data:
            entry["via"] = list(data["via"])
        links.append(entry)
    return {"directed": False, "multigraph": False, "graph": graph_info(graph), "nodes": nodes, "links": links}


def cytoscape(graph: nx.Graph) -> dict:
    """Cytoscape.js elements: ``{"data": {...}, "elements": {"nodes": [{"data"}], "edges": [{"data"}]}}``."""
    data = node_link(graph)
    return {
        "data": data["graph"],
        "elements": {
            "nodes": [{"data": node} for node in data["nodes"]],
            "edges": [{"data": {"id": f"e{i}", **link}} for i, link in enumerate(data["links"])],
        },
    }


def _scalar(value: object) -> object | None:
    if value is None or isinstance(value, dict):
        return None
    if isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Iterable):
        items = [str(v) for v in value if v is not None and not isinstance(v, dict)]
        return "; ".join(items)
    return str(value)


def flat_graph(graph: nx.Graph) -> nx.Graph:
    """A copy with scalar attributes only, one type per attribute, nothing None: for GEXF and GraphML."""
    flat = nx.Graph()
    info = graph_info(graph)
    for key, value in info.items():
        if isinstance(value, dict):
            for name, item in value.items():
                if item is not None and not (name == "min_weight" and item == 1):
                    flat.graph[f"{key}_{name}"] = str(item)
        elif value is not None:
            flat.graph[key] = value
    measures = graph.graph.get("metrics", {})
    for node, data in graph.nodes(data=True):
        attributes = {}
        for key, value in data.items():
            value = _scalar(value)
            if value is not None:
                attributes[_RENAMED.get(key, key)] = value
        for name, values in measures.items():
            if node in values:
                attributes[name] = float(values[node]) if name in ("betweenness", "pagerank", "weighted_degree") else int(values[node])
        flat.add_node(node, **attributes)
    for a, b, data in graph.edges(data=True):
        attributes = {}
        for key, value in data.items():
            if key in _SKIPPED_EDGE:
                continue
            value = _scalar(value)
            if value is not None:
                attributes[_RENAMED.get(key, key)] = value
        if "through" in data:
            keys = data["through"]
            attributes["through"] = "; ".join(through_label(graph, k) for k in keys)
            iris = [k for k in keys if not k.startswith("tie ")]
            if iris:
                attributes["through_iris"] = " ".join(iris)
            roles = _roles_text(graph, a, b, keys)
            if roles:
                attributes["roles"] = roles
        if data.get("via"):
            attributes["via"] = " ".join(data["via"])
        flat.add_edge(a, b, **attributes)
    return _one_type_per_attribute(flat)


def _roles_text(graph: nx.Graph, a: str, b: str, keys: list[str]) -> str:
    parts = []
    for key in keys:
        entry = describe_through(graph, key, (a, b))
        roles = entry.get("roles", {})
        if roles:
            said = ", ".join(f"{graph.nodes[o]['label'] if o in graph else o} {r}" for o, r in roles.items())
            parts.append(f"{entry['label']}: {said}")
    return " | ".join(parts)


def _one_type_per_attribute(flat: nx.Graph) -> nx.Graph:
    """Where an attribute holds numbers of two types, make them all floats; text and numbers, all text."""
    for items in (lambda: (d for _, d in flat.nodes(data=True)), lambda: (d for _, _, d in flat.edges(data=True))):
        types: dict[str, set[type]] = {}
        for data in items():
            for key, value in data.items():
                types.setdefault(key, set()).add(type(value))
        for key, seen in types.items():
            if len(seen) <= 1:
                continue
            target = float if seen <= {int, float} else str
            for data in items():
                if key in data:
                    data[key] = target(data[key])
    return flat


def to_graphml(graph: nx.Graph) -> bytes:
    buffer = io.BytesIO()
    nx.write_graphml(flat_graph(graph), buffer, encoding="utf-8", prettyprint=True, named_key_ids=True)
    return buffer.getvalue()


def to_gexf(graph: nx.Graph) -> bytes:
    buffer = io.BytesIO()
    nx.write_gexf(flat_graph(graph), buffer, encoding="utf-8", prettyprint=True, version="1.2draft")
    return buffer.getvalue()


def to_csv(graph: nx.Graph) -> bytes:
    """An edge list: source, target, their labels, weight, kinds, budget, what joins them, roles."""
    flat = flat_graph(graph)
    buffer = io.StringIO()
    columns = ["source", "target", "source_label", "target_label", "weight", "kinds", "budget", "through",
               "through_iris", "roles", "relation", "role", "label"]
    present = {k for _, _, d in flat.edges(data=True) for k in d}
    columns = columns[:4] + [c for c in columns[4:] if c in present]
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    for a, b, data in flat.edges(data=True):
        row = {"source": a, "target": b, "source_label": flat.nodes[a].get("label", ""),
               "target_label": flat.nodes[b].get("label", ""), **data}
        writer.writerow(["" if row.get(c) is None else row.get(c) for c in columns])
    return buffer.getvalue().encode("utf-8")


def to_json(graph: nx.Graph, metric_names: tuple[str, ...] | None = None) -> bytes:
    return json.dumps(node_link(graph, metric_names), ensure_ascii=False, indent=1).encode("utf-8")


def to_cytoscape(graph: nx.Graph) -> bytes:
    return json.dumps(cytoscape(graph), ensure_ascii=False, indent=1).encode("utf-8")


WRITERS = {"json": to_json, "cytoscape": to_cytoscape, "gexf": to_gexf, "graphml": to_graphml, "csv": to_csv}


def export(graph: nx.Graph, format: str) -> bytes:
    """The network in ``format`` (json, cytoscape, gexf, graphml, csv)."""
    try:
        return WRITERS[format](graph)
    except KeyError:
        raise ValueError(f"unknown export format {format!r}; one of {', '.join(WRITERS)}") from None


def filename(graph: nx.Graph, format: str) -> str:
    """``clusterkg-coparticipation.gexf``, ``clusterkg-ego-apulia-creative-cluster-association.graphml``."""
    name = graph.graph.get("kind", "network")
    if "centre" in graph.graph:
        name = "ego-" + str(graph.graph["centre"]).removeprefix(BASE + "id/organisation/").replace("/", "-")
    return f"clusterkg-{name}.{FORMATS[format][1]}"
