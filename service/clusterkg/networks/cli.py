"""``clusterkg network ...``: the networks from the command line, over the store opened in-process.

Examples::

    clusterkg network show coparticipation --country IT
    clusterkg network path clust-er-create regione-emilia-romagna
    clusterkg network ego apulia-creative-cluster-association --depth 2 -f graphml -o ego.graphml
    clusterkg network export regions --level 2 -f gexf -o regions.gexf
    clusterkg network view coparticipation -o network.html
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from .filters import NetworkKind

network_app = typer.Typer(
    help="Partnership networks: measures, paths, ego networks, exports (GEXF, GraphML, CSV, JSON) and HTML views.",
    no_args_is_help=True,
)

Programme = Annotated[Optional[str], typer.Option("--programme", help="Projects of this programme or below it (IRI or slug).")]
AsOf = Annotated[Optional[str], typer.Option("--date", help="Projects and activities running on this day (YYYY-MM-DD).")]
Country = Annotated[Optional[str], typer.Option("--country", help="Organisations of this country (IT, ITA or IRI).")]
Region = Annotated[Optional[str], typer.Option("--region", help="Organisations in this NUTS region or below it (ITF4 or IRI).")]
ValueChain = Annotated[Optional[str], typer.Option("--value-chain", help="Projects in this value chain or below it (vc-fashion or IRI).")]
OrgType = Annotated[Optional[str], typer.Option("--org-type", help="Organisations of this type or narrower (cluster, public-body or IRI).")]
MinWeight = Annotated[int, typer.Option("--min-weight", min=1, help="Drop edges joined by fewer things than this.")]
Level = Annotated[int, typer.Option("--level", min=0, max=3, help="NUTS level of a regions network.")]
Store = Annotated[Optional[Path], typer.Option("--store", help="Store directory (default: $CLUSTERKG_STORE or var/store).")]
Output = Annotated[Optional[Path], typer.Option("--output", "-o", help="File to write (default: standard output).")]


def _filters(programme, as_of, country, region, value_chain, org_type, min_weight):  # noqa: ANN001, ANN202
    from .filters import Filters

    return Filters.parse(programme, as_of, country, region, value_chain, org_type, min_weight)


def _network(store: Path | None, kind: NetworkKind, filters, level: int = 2):  # noqa: ANN001, ANN202
    from ..config import settings
    from ..store import open_store
    from .extract import build_network
    from .queries import store_select

    graph_store = open_store(store or settings().store, read_only=True)
    return asyncio.run(build_network(store_select(graph_store), kind, filters, level))


def _write(data: bytes, output: Path | None) -> None:
    if output is None:
        sys.stdout.buffer.write(data)
        return
    output.write_bytes(data)
    typer.echo(f"wrote {output} ({len(data):,} bytes)", err=True)


@network_app.command("list")
def list_kinds() -> None:
    """The kinds of network."""
    from .filters import KIND_DESCRIPTIONS

    for kind, description in KIND_DESCRIPTIONS.items():
        typer.echo(f"{kind.value:16} {description}")


@network_app.command("show")
def show(
    kind: Annotated[NetworkKind, typer.Argument(help="coparticipation, bipartite, regions or themes.")] = NetworkKind.coparticipation,
    programme: Programme = None, as_of: AsOf = None, country: Country = None, region: Region = None,
    value_chain: ValueChain = None, org_type: OrgType = None, min_weight: MinWeight = 1, level: Level = 2,
    top: Annotated[int, typer.Option("--top", min=1, help="How many brokers and bridges to list.")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="Print the whole summary as JSON.")] = False,
    store: Store = None,
) -> None:
    """Size, density, components, communities, top brokers and the bridges between communities."""
    from .analytics import summary

    graph = _network(store, kind, _filters(programme, as_of, country, region, value_chain, org_type, min_weight), level)
    result = summary(graph, top)
    if as_json:
        typer.echo(json.dumps(result, indent=1, ensure_ascii=False))
        return
    from rich.console import Console
    from rich.table import Table

    console = Console()
    console.print(f"[bold]{kind.value}[/]: {result['nodes']:,} nodes, {result['edges']:,} edges, density {result['density']:.4f}, "
                  f"{result['components']:,} components (largest {result['largest_component']:,}), "
                  f"{result['communities']:,} communities (modularity {result['modularity']:.3f})")
    brokers = Table("broker", "betweenness", "community", title="Top brokers")
    for entry in result["top_brokers"]:
        brokers.add_row(entry["label"], f"{entry['betweenness']:.4f}", str(entry["community"]))
    console.print(brokers)
    bridges = Table("from", "to", "weight", "joined by", title="Bridges between communities")
    for entry in result["community_bridges"]:
        bridges.add_row(entry["source_label"], entry["target_label"], str(entry["weight"]), entry["label"])
    console.print(bridges)


@network_app.command("path")
def path(
    source: Annotated[str, typer.Argument(help="An organisation: IRI or slug (clust-er-create).")],
    target: Annotated[str, typer.Argument(help="Another organisation.")],
    programme: Programme = None, as_of: AsOf = None, country: Country = None, region: Region = None,
    value_chain: ValueChain = None, org_type: OrgType = None, min_weight: MinWeight = 1,
    as_json: Annotated[bool, typer.Option("--json", help="Print the path as JSON.")] = False,
    store: Store = None,
) -> None:
    """How two organisations are connected: the shortest chain of collaborations, with what joins each hop."""
    from .analytics import shortest_path
    from .filters import organisation_iri

    filters = _filters(programme, as_of, country, region, value_chain, org_type, min_weight)
    graph = _network(store, NetworkKind.coparticipation, filters)
    result = shortest_path(graph, organisation_iri(source), organisation_iri(target))
    if as_json:
        typer.echo(json.dumps(result, indent=1, ensure_ascii=False))
        return
    typer.echo(f"{result['length']} step{'s' if result['length'] != 1 else ''}:")
    for hop in result["hops"]:
        typer.echo(f"  {hop['from_label']} -> {hop['to_label']}")
        for through in hop["through"]:
            roles = "; ".join(f"{graph.nodes[o]['label']} {r}" for o, r in through.get("roles", {}).items())
            typer.echo(f"      {through['kind']}: {through['label']}" + (f" ({roles})" if roles else ""))


@network_app.command("ego")
def ego(
    org: Annotated[str, typer.Argument(help="The organisation at the centre: IRI or slug.")],
    depth: Annotated[int, typer.Option("--depth", min=1, max=4, help="Hops from the centre.")] = 2,
    format: Annotated[str, typer.Option("--format", "-f", help="json, cytoscape, gexf, graphml or csv.")] = "json",
    programme: Programme = None, as_of: AsOf = None, country: Country = None, region: Region = None,
    value_chain: ValueChain = None, org_type: OrgType = None, min_weight: MinWeight = 1,
    output: Output = None, store: Store = None,
) -> None:
    """An organisation's partners up to DEPTH hops, as a file."""
    from .analytics import ego_network, metrics
    from .export import export
    from .filters import organisation_iri

    filters = _filters(programme, as_of, country, region, value_chain, org_type, min_weight)
    graph = ego_network(_network(store, NetworkKind.coparticipation, filters), organisation_iri(org), depth)
    metrics(graph)
    _write(export(graph, _format(format)), output)


def _format(format: str) -> str:
    from ..errors import ClusterKGError
    from .export import FORMATS

    if format not in FORMATS:
        raise ClusterKGError(f"unknown format {format!r}", f"use one of {', '.join(FORMATS)}")
    return format


@network_app.command("export")
def export_command(
    kind: Annotated[NetworkKind, typer.Argument(help="coparticipation, bipartite, regions or themes.")] = NetworkKind.coparticipation,
    format: Annotated[str, typer.Option("--format", "-f", help="json, cytoscape, gexf, graphml or csv.")] = "graphml",
    programme: Programme = None, as_of: AsOf = None, country: Country = None, region: Region = None,
    value_chain: ValueChain = None, org_type: OrgType = None, min_weight: MinWeight = 1, level: Level = 2,
    output: Output = None, store: Store = None,
) -> None:
    """A network with every attribute and measure, for Gephi (GEXF, GraphML), D3 or Cytoscape (JSON) or a spreadsheet (CSV)."""
    from .analytics import metrics
    from .export import export

    format = _format(format)
    graph = _network(store, kind, _filters(programme, as_of, country, region, value_chain, org_type, min_weight), level)
    metrics(graph)
    _write(export(graph, format), output)


@network_app.command("view")
def view_command(
    kind: Annotated[NetworkKind, typer.Argument(help="coparticipation, bipartite, regions or themes.")] = NetworkKind.coparticipation,
    output: Annotated[Path, typer.Option("--output", "-o", help="The HTML file to write.")] = Path("network.html"),
    ego_of: Annotated[Optional[str], typer.Option("--ego", help="Draw this organisation's ego network instead.")] = None,
    depth: Annotated[int, typer.Option("--depth", min=1, max=4, help="Hops of the ego network.")] = 2,
    color: Annotated[str, typer.Option("--color", help="type or community.")] = "type",
    size: Annotated[str, typer.Option("--size", help="degree, weighted_degree, betweenness or pagerank.")] = "degree",
    max_nodes: Annotated[Optional[int], typer.Option("--max-nodes", min=1, help="Cut to this many nodes (default: settings).")] = None,
    programme: Programme = None, as_of: AsOf = None, country: Country = None, region: Region = None,
    value_chain: ValueChain = None, org_type: OrgType = None, min_weight: MinWeight = 1, level: Level = 2,
    store: Store = None,
) -> None:
    """A self-contained HTML page of the network (no internet needed to open it)."""
    from ..config import settings
    from ..errors import ClusterKGError
    from .analytics import ego_network
    from .filters import organisation_iri
    from .view import COLOR_BY, SIZE_BY, render

    if color not in COLOR_BY or size not in SIZE_BY:
        raise ClusterKGError(f"bad --color {color!r} or --size {size!r}",
                             f"colour by {' or '.join(COLOR_BY)}; size by {', '.join(SIZE_BY)}")
    filters = _filters(programme, as_of, country, region, value_chain, org_type, min_weight)
    graph = _network(store, NetworkKind.coparticipation if ego_of else kind, filters, level)
    centre = None
    if ego_of:
        centre = organisation_iri(ego_of)
        graph = ego_network(graph, centre, depth, max_nodes or settings().max_view_nodes, size)
    page = render(graph, title=f"clusterkg: {'ego network' if ego_of else kind.value}", page_url=output.resolve().as_uri(),
                  color_by=color, size_by=size, max_nodes=max_nodes or settings().max_view_nodes, centre=centre,
                  href_for=lambda iri: iri)
    output.write_text(page, encoding="utf-8")
    typer.echo(f"wrote {output} ({len(page):,} bytes)", err=True)
