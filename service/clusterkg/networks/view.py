"""Network views that other websites embed: one self-contained HTML page per network, made with pyvis.

The page needs nothing from another host: pyvis inlines vis-network (``cdn_resources="in_line"``)
and :func:`strip_external` removes what its template still loads from CDNs (Bootstrap's CSS and
script); :func:`external_references` is the check, and rendering fails rather than serve a page
that loads a remote script. Nodes are coloured by type or community and sized by a metric;
hovering shows a node's label and facts, clicking opens a panel with a link to its page on this
service (``/id/...``, ``/region/XX``), double-clicking opens that page. Physics (Barnes-Hut) lays
the network out during a bounded stabilisation and is then switched off, so a few hundred nodes
settle and stay still. A network above ``max_nodes`` is cut to its top nodes by the size metric,
and the page says so.
"""

from __future__ import annotations

import html
import math
import re
from html.parser import HTMLParser

import networkx as nx
from pyvis.network import Network

from .analytics import metrics
from .extract import summarise, through_label

COLOR_BY = ("type", "community")
SIZE_BY = ("degree", "weighted_degree", "betweenness", "pagerank")
PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf",
           "#bcbd22", "#7f7f7f", "#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173", "#3182bd")
OTHER_COLOUR = "#c7c7c7"
METRIC_LABELS = {"degree": "number of partners", "weighted_degree": "number of collaborations",
                 "betweenness": "brokerage (betweenness)", "pagerank": "PageRank", "community": "community"}

PHYSICS_OPTIONS = {
    "physics": {
        "enabled": True,
        "solver": "barnesHut",
        "barnesHut": {"gravitationalConstant": -6000, "centralGravity": 0.25, "springLength": 140,
                      "springConstant": 0.03, "damping": 0.12, "avoidOverlap": 0.2},
        "stabilization": {"enabled": True, "iterations": 600, "updateInterval": 30, "fit": True},
        "minVelocity": 1.0,
        "maxVelocity": 40,
        "timestep": 0.4,
    },
    "interaction": {"hover": True, "tooltipDelay": 120, "hideEdgesOnDrag": True, "navigationButtons": False,
                    "keyboard": False, "multiselect": False},
    "nodes": {"shape": "dot", "borderWidth": 1, "font": {"size": 13, "face": "system-ui, sans-serif", "strokeWidth": 3,
                                                         "strokeColor": "#ffffff"}},
    "edges": {"smooth": False, "color": {"color": "#a8b3bf", "highlight": "#2f3b48", "hover": "#2f3b48",
                                          "inherit": False}, "selectionWidth": 2},
}


class ExternalReference(RuntimeError):
    """A rendered page still loads something from another host: a bug, never served."""


class _ResourceScanner(HTMLParser):
    LOADING = {"script": "src", "link": "href", "img": "src", "iframe": "src", "source": "src", "embed": "src",
               "object": "data", "audio": "src", "video": "src"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        wanted = self.LOADING.get(tag)
        for name, value in attrs:
            if name == wanted and value and re.match(r"^\s*(https?:)?//", value):
                self.found.append(f"<{tag} {name}={value!r}>")


def external_references(page: str) -> list[str]:
    """The tags of ``page`` that load a script, style, image or frame from another host."""
    scanner = _ResourceScanner()
    scanner.feed(page)
    found = scanner.found
    found += [f"@import {m}" for m in re.findall(r"@import\s+url\(\s*['\"]?((?:https?:)?//[^)'\"]+)", page)]
    return found


_EXTERNAL_LINK = re.compile(r"<link\b[^>]*\bhref\s*=\s*[\"'](?:https?:)?//[^>]*>\s*", re.IGNORECASE)
_EXTERNAL_SCRIPT = re.compile(r"<script\b[^>]*\bsrc\s*=\s*[\"'](?:https?:)?//[^>]*>\s*</script>\s*", re.IGNORECASE)
_EMPTY_HEADING = re.compile(r"<center>\s*<h1>\s*</h1>\s*</center>\s*", re.IGNORECASE)


def strip_external(page: str) -> str:
    """Remove what pyvis' template loads from CDNs (Bootstrap) and its empty headings."""
    page = _EXTERNAL_LINK.sub("", page)
    page = _EXTERNAL_SCRIPT.sub("", page)
    return _EMPTY_HEADING.sub("", page)


def cut(graph: nx.Graph, metric: str, max_nodes: int, keep: str | None = None) -> nx.Graph:
    """The ``max_nodes`` top nodes by ``metric`` (and ``keep``), with the edges among them.

    A graph already cut upstream (an ego network, ``cut_from``) is shown as it is.
    """
    if graph.number_of_nodes() <= max_nodes:
        return graph
    values = metrics(graph, (metric,))[metric]
    ranked = sorted(graph, key=lambda v: (v != keep, -values[v], graph.nodes[v].get("label", v), v))
    kept = graph.subgraph(ranked[:max_nodes]).copy()
    kept.graph = dict(graph.graph)
    kept.graph.update(cut_from=graph.number_of_nodes(), cut_by=metric)
    return kept


def _colour_for(key: object, order: dict) -> str:
    if key not in order:
        return OTHER_COLOUR
    return PALETTE[order[key] % len(PALETTE)] if order[key] < len(PALETTE) else OTHER_COLOUR


def _safe_link(url: str | None) -> str:
    """A link a page may open: a local path or an http(s) address, never ``javascript:`` and the like."""
    if url and (url.startswith("/") and not url.startswith("//") or re.match(r"^https?://", url)):
        return url
    return ""


def _short(label: str, limit: int = 34) -> str:
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "…"


def render(
    graph: nx.Graph,
    *,
    title: str,
    page_url: str,
    color_by: str = "type",
    size_by: str = "degree",
    max_nodes: int = 300,
    href_for=lambda iri: None,  # noqa: ANN001 - IRI -> local page path or None
    centre: str | None = None,
    subtitle: str = "",
) -> str:
    """The HTML page of ``graph``: the network, a legend, a note when cut, and an embed snippet."""
    if color_by not in COLOR_BY:
        raise ValueError(f"color_by must be one of {COLOR_BY}")
    if size_by not in SIZE_BY:
        raise ValueError(f"size_by must be one of {SIZE_BY}")
    wanted = (size_by, "degree") + (("community",) if color_by == "community" else ())
    metrics(graph, tuple(dict.fromkeys(wanted)))
    shown = cut(graph, size_by, max_nodes, keep=centre)
    measures = graph.graph["metrics"]
    size_values = measures[size_by]
    top = max((size_values[v] for v in shown), default=0) or 1

    if color_by == "community":
        keys = {v: measures["community"][v] for v in shown}
    else:
        keys = {v: shown.nodes[v].get("type") or shown.nodes[v].get("kind", "") for v in shown}
    counts: dict[object, int] = {}
    for key in keys.values():
        counts[key] = counts.get(key, 0) + 1
    order = {key: i for i, key in enumerate(sorted(counts, key=lambda k: (-counts[k], str(k))))}

    net = Network(height="100vh", width="100%", bgcolor="#ffffff", cdn_resources="in_line", notebook=False)
    for node in sorted(shown, key=lambda v: (-size_values[v], v)):
        data = shown.nodes[node]
        value = size_values[node]
        size = 9 + 30 * math.sqrt(max(value, 0) / top)
        facts = [data.get("type", "")]
        place = ", ".join(x for x in (data.get("region_label") or data.get("region"), data.get("country_label") or data.get("country")) if x)
        if place:
            facts.append(place)
        if data.get("value_chains"):
            facts.append("value chains: " + ", ".join(data["value_chains"]))
        facts.append(f"{measures['degree'][node]} partners in this network")
        if size_by != "degree":
            facts.append(f"{METRIC_LABELS[size_by]}: {value:.3g}")
        if color_by == "community":
            facts.append(f"community {measures['community'][node]}")
        info = [f for f in facts if f]
        options = {
            "title": data.get("label", node) + "\n" + "\n".join(info),
            "size": round(size, 1),
            "iri": node,
            "info": info,
            "url": _safe_link(href_for(node)),
            "borderWidth": 4 if node == centre else 1,
        }
        # appended as pyvis' add_node would, without its linear duplicate checks
        net.nodes.append({"id": node, "label": _short(data.get("label", node)), "shape": "dot",
                          "color": _colour_for(keys[node], order), **options})
        net.node_ids.append(node)
    edges = sorted(shown.edges(data=True), key=lambda e: (-e[2].get("weight", 1), e[0], e[1]))
    max_edges = max(1_000, 4 * max_nodes)
    edge_cut = (len(edges), max_edges) if len(edges) > max_edges else None
    edges = edges[:max_edges]
    for a, b, data in edges:
        weight = data.get("weight", 1)
        labels = [through_label(shown, key) for key in data.get("through", [])] or [data.get("label", "")]
        edge_title = f"{shown.nodes[a].get('label', a)} — {shown.nodes[b].get('label', b)}\n" + summarise(labels, 8)
        net.edges.append({"from": a, "to": b, "width": round(1 + 2.2 * math.log2(weight), 2), "title": edge_title})
    net.options = dict(PHYSICS_OPTIONS)
    page = net.generate_html()
    page = strip_external(page)

    legend = [(str(key) if color_by == "type" else f"community {key}", _colour_for(key, order), counts[key])
              for key in sorted(counts, key=lambda k: order[k])[: len(PALETTE)]]
    if len(counts) > len(PALETTE):
        legend.append(("other", OTHER_COLOUR, sum(counts[k] for k in counts if order[k] >= len(PALETTE))))
    page = _decorate(page, graph, shown, title=title, subtitle=subtitle, legend=legend, page_url=page_url,
                     color_by=color_by, size_by=size_by, centre=centre, edge_cut=edge_cut)
    remaining = external_references(page)
    if remaining:
        raise ExternalReference(f"the view would load from other hosts: {remaining}")
    return page


_STYLE = """
<style>
  html, body { margin: 0; padding: 0; height: 100%; overflow: hidden; font: 14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1d2733; }
  .card { border: 0 !important; }
  #mynetwork { border: 0 !important; float: none !important; }
  .ckg-box { position: absolute; z-index: 10; background: rgba(255,255,255,.93); border: 1px solid #d5dbe1; border-radius: 6px; padding: 8px 10px; box-shadow: 0 1px 4px rgba(0,0,0,.08); max-width: 360px; }
  #ckg-head { top: 8px; left: 8px; }
  #ckg-head h1 { font-size: 15px; margin: 0 0 2px; }
  #ckg-head p { margin: 2px 0; color: #4a5663; font-size: 12px; }
  #ckg-head .ckg-cut { color: #8a4b00; font-weight: 600; }
  #ckg-legend { bottom: 8px; left: 8px; font-size: 12px; }
  #ckg-legend ul { list-style: none; margin: 4px 0 0; padding: 0; }
  #ckg-legend li { margin: 1px 0; white-space: nowrap; }
  #ckg-legend i { display: inline-block; width: 10px; height: 10px; border-radius: 50%; margin-right: 6px; vertical-align: -1px; }
  #ckg-panel { top: 8px; right: 8px; display: none; font-size: 13px; }
  #ckg-panel h2 { font-size: 14px; margin: 0 0 4px; }
  #ckg-panel ul { margin: 4px 0; padding-left: 16px; }
  #ckg-embed { bottom: 8px; right: 8px; font-size: 12px; }
  #ckg-embed textarea { width: 320px; height: 64px; font: 11px monospace; }
  #ckg-embed summary { cursor: pointer; }
  a { color: #0b5cad; }
</style>
"""

_SCRIPT = """
  (function () {
    var panel = document.getElementById("ckg-panel");
    function settle() { network.setOptions({physics: {enabled: false}}); document.body.setAttribute("data-ready", "true"); }
    if (nodes.length === 0) { document.body.setAttribute("data-ready", "true"); }
    network.once("stabilizationIterationsDone", settle);
    network.once("stabilized", settle);
    network.on("click", function (params) {
      if (!params.nodes.length) { panel.style.display = "none"; return; }
      var node = nodes.get(params.nodes[0]);
      panel.textContent = "";
      var heading = document.createElement("h2");
      heading.textContent = node.title.split("\\n")[0];
      panel.appendChild(heading);
      var list = document.createElement("ul");
      (node.info || []).forEach(function (line) { var item = document.createElement("li"); item.textContent = line; list.appendChild(item); });
      panel.appendChild(list);
      if (node.url) {
        var link = document.createElement("a");
        link.href = node.url; link.target = "_blank"; link.rel = "noopener"; link.textContent = "Open its page ↗";
        panel.appendChild(link);
      }
      panel.style.display = "block";
    });
    network.on("doubleClick", function (params) {
      if (params.nodes.length) { var node = nodes.get(params.nodes[0]); if (node.url) { window.open(node.url, "_blank", "noopener"); } }
    });
  })();
"""


def _decorate(page: str, graph: nx.Graph, shown: nx.Graph, *, title: str, subtitle: str, legend: list,
              page_url: str, color_by: str, size_by: str, centre: str | None,
              edge_cut: tuple[int, int] | None) -> str:
    escape = html.escape
    cut_note = ""
    if "cut_from" in shown.graph:
        cut_note = (f'<p class="ckg-cut">Showing {shown.number_of_nodes():,} of {shown.graph["cut_from"]:,} nodes: '
                    f'the top ones by {escape(METRIC_LABELS[size_by])}. Narrow the filters to see the others.</p>')
    if edge_cut:
        cut_note += f'<p class="ckg-cut">Drawing the {edge_cut[1]:,} strongest of {edge_cut[0]:,} links among them.</p>'
    noun = "organisations" if graph.graph.get("kind") in ("coparticipation", None) else "nodes"
    counts = f"{shown.number_of_nodes():,} {noun}, {edge_cut[1] if edge_cut else shown.number_of_edges():,} links"
    head = (f'<div id="ckg-head" class="ckg-box"><h1>{escape(title)}</h1>'
            + (f"<p>{escape(subtitle)}</p>" if subtitle else "")
            + f"<p>{counts} · colour: {escape(color_by)} · size: {escape(METRIC_LABELS[size_by])}</p>{cut_note}"
            + ("<p>No collaborations match these filters.</p>" if shown.number_of_nodes() == 0 else "")
            + "<p>Click a node for its facts and page; scroll to zoom.</p></div>")
    items = "".join(f'<li><i style="background:{colour}"></i>{escape(name)} ({count:,})</li>' for name, colour, count in legend)
    legend_html = f'<div id="ckg-legend" class="ckg-box"><strong>{escape(color_by.capitalize())}</strong><ul>{items}</ul></div>'
    snippet = (f'<iframe src="{escape(page_url)}" width="100%" height="600" style="border:0" loading="lazy" '
               f'title="{escape(title)}"></iframe>')
    embed = (f'<details id="ckg-embed" class="ckg-box"><summary>Embed</summary>'
             f'<p>Paste this into a web page:</p><textarea readonly onclick="this.select()">{escape(snippet)}</textarea>'
             f'<p>Stable address: <a href="{escape(page_url)}" target="_blank" rel="noopener">{escape(page_url)}</a></p></details>')
    panel = '<div id="ckg-panel" class="ckg-box" role="dialog" aria-live="polite"></div>'
    page = page.replace("<head>", f'<head>\n<title>{escape(title)} · clusterkg</title>\n'
                        '<meta name="viewport" content="width=device-width, initial-scale=1">', 1)
    page = page.replace("</head>", _STYLE + "</head>", 1)
    page = page.replace("<body>", "<body>\n" + head + legend_html + panel + embed, 1)
    marker = page.rfind("drawGraph();")
    if marker < 0:
        raise RuntimeError("pyvis' template changed: drawGraph() not found")
    end = marker + len("drawGraph();")
    return page[:end] + "\n" + _SCRIPT + page[end:]


__all__ = ["COLOR_BY", "SIZE_BY", "ExternalReference", "cut", "external_references", "render", "strip_external"]
