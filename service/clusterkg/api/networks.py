"""Partnership networks over HTTP: JSON and exports under /api/networks, embeddable pages under /view.

Two concerns, two small route classes, nothing loosened for the rest of the service:

* ``/api/networks/*`` answers cross-origin GET requests (``Access-Control-Allow-Origin: *``, never
  with credentials), so another site's script can fetch a network (Fetch standard, CORS
  protocol); ``OPTIONS`` answers a preflight.
* ``/view/*`` pages may be framed by the origins in ``settings.frame_ancestors`` (CSP Level 3
  ``frame-ancestors``; ``*`` by default), so any site can embed them in an ``<iframe>``.

A network is computed once per store build and set of filters (the catalogue graph's
``dcterms:modified`` is part of the key) and kept in a small LRU in ``app.state``; measures are
computed in a worker thread when first asked for.
"""

from __future__ import annotations

import html
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import urlencode

import networkx as nx
from fastapi import APIRouter, Depends, HTTPException, Query, Request
from .problems import http_exception_handler, validation_exception_handler as request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, Response
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool

from ..errors import ClusterKGError, QuerySyntaxError
from ..executor import QueryTimeout, ResultTooLarge, ServiceBusy
from ..networks import analytics, export as exports, view
from ..networks.extract import build_network
from ..networks.filters import KIND_DESCRIPTIONS, BadFilter, Filters, NetworkKind, organisation_iri
from ..networks.queries import executor_select, network_query
from .deps import SettingsDep

CACHE_SIZE = 16
ALLOWED_HEADERS = "Accept, Accept-Language, Content-Language"


# ---------------------------------------------------------------- route classes


class _HeaderRoute(APIRoute):
    """A route that adds headers to every response it gives, errors included."""

    def headers(self, request: Request) -> dict[str, str]:  # pragma: no cover - overridden
        return {}

    def get_route_handler(self) -> Callable:
        handler = super().get_route_handler()

        async def with_headers(request: Request) -> Response:
            try:
                response = await handler(request)
            except HTTPException as error:
                response = await http_exception_handler(request, error)
            except RequestValidationError as error:
                response = await request_validation_exception_handler(request, error)
            response.headers.update(self.headers(request))
            return response

        return with_headers


class CORSRoute(_HeaderRoute):
    """JSON any origin may read: ``Access-Control-Allow-Origin: *``, no credentials (Fetch standard, 3.2)."""

    def headers(self, request: Request) -> dict[str, str]:
        return {"Access-Control-Allow-Origin": "*"}


#: What a view may load (CSP Level 3): its own inline script and styles (pyvis writes the page
#: whole, vis-network included) and nothing from another host.
VIEW_POLICY = ("default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src 'self' data:; "
               "font-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'")


class FramingRoute(_HeaderRoute):
    """Pages the configured origins may frame (CSP ``frame-ancestors``, ``*`` by default); they load nothing else."""

    def headers(self, request: Request) -> dict[str, str]:
        sources = request.app.state.settings.frame_ancestors
        ancestors = " ".join(sources) if sources else "'none'"
        return {"Content-Security-Policy": f"{VIEW_POLICY}; frame-ancestors {ancestors}"}


api = APIRouter(prefix="/api/networks", tags=["networks"], route_class=CORSRoute)
pages = APIRouter(prefix="/view", tags=["network views"], route_class=FramingRoute, include_in_schema=False)


# ---------------------------------------------------------------- parameters

Programme = Annotated[str | None, Query(description="Projects of this programme or one below it: an IRI or a slug (interreg-med).")]
AsOf = Annotated[str | None, Query(alias="date", description="Projects and activities running on this day (YYYY-MM-DD), where their dates are known.")]
Country = Annotated[str | None, Query(description="Organisations of this country: a code (IT, EL, ITA) or an IRI.")]
Region = Annotated[str | None, Query(description="Organisations located in this NUTS region or one below it: a code (ITF4) or an IRI.")]
ValueChain = Annotated[str | None, Query(description="Projects (and ties) in this value chain or one below it: a concept IRI or a slug (vc-fashion).")]
OrgType = Annotated[str | None, Query(description="Organisations of this type or a narrower one: a concept IRI or a slug (cluster, public-body).")]
MinWeight = Annotated[int, Query(ge=1, description="Drop edges joined by fewer things than this (and the nodes left alone).")]
Level = Annotated[int, Query(ge=0, le=3, description="NUTS level of a regions network (0 countries ... 3 small regions).")]
Depth = Annotated[int, Query(ge=1, le=4, description="How many hops from the organisation.")]
Colour = Annotated[str, Query(alias="color", pattern="^(type|community)$", description="Colour nodes by type or by community.")]
Size = Annotated[str, Query(pattern="^(degree|weighted_degree|betweenness|pagerank)$", description="Size nodes by this measure.")]
Format = Annotated[str, Query(pattern="^(json|cytoscape|gexf|graphml|csv)$", description="json (D3), cytoscape, gexf, graphml or csv.")]


@dataclass(frozen=True)
class FilterParams:
    """The filters as given; ``parse`` checks them (a bad one is the caller's 400 or error page)."""

    programme: str | None
    as_of: str | None
    country: str | None
    region: str | None
    value_chain: str | None
    org_type: str | None
    min_weight: int

    def parse(self) -> Filters:
        return Filters.parse(self.programme, self.as_of, self.country, self.region, self.value_chain,
                             self.org_type, self.min_weight)


def filter_params(
    programme: Programme = None, as_of: AsOf = None, country: Country = None, region: Region = None,
    value_chain: ValueChain = None, org_type: OrgType = None, min_weight: MinWeight = 1,
) -> FilterParams:
    """The filters every network endpoint and view takes, declared once."""
    return FilterParams(programme, as_of, country, region, value_chain, org_type, min_weight)


FilterDep = Annotated[FilterParams, Depends(filter_params)]


# ---------------------------------------------------------------- networks, cached per build


async def network_for(request: Request, kind: NetworkKind, filters: Filters, level: int = 2) -> nx.Graph:
    """The network of ``kind`` under ``filters``, computed once per store build."""
    select = executor_select(request.app.state.executor)
    stamp_rows = await select(network_query("stamp"), {})
    stamp = stamp_rows[0]["modified"].value if stamp_rows else None
    key = (stamp, kind.value, filters, level if kind is NetworkKind.regions else None)
    cache: OrderedDict = request.app.state.__dict__.setdefault("network_cache", OrderedDict())
    if key in cache:
        cache.move_to_end(key)
        return cache[key]
    graph = await build_network(select, kind, filters, level)
    cache[key] = graph
    while len(cache) > CACHE_SIZE:
        cache.popitem(last=False)
    return graph


def _problem(status: int, title: str, detail: str) -> HTTPException:
    return HTTPException(status, {"title": title, "detail": detail})


def _http_error(error: Exception) -> HTTPException:
    """The HTTP answer to an error the user can fix (or wait out)."""
    if isinstance(error, BadFilter):
        return _problem(400, "Bad parameter", str(error))
    if isinstance(error, (analytics.NotInNetwork, analytics.NoPath)):
        return _problem(404, "Not in this network", str(error))
    if isinstance(error, ResultTooLarge):
        return _problem(403, "Network too large", f"{error}; narrow the network with filters (country, region, programme, date)")
    if isinstance(error, (QueryTimeout, ServiceBusy)):
        return _problem(503, "Try again later", str(error))
    if isinstance(error, QuerySyntaxError):  # a broken queries/networks file: a bug
        raise error
    if isinstance(error, ClusterKGError):
        return _problem(400, "Bad request", str(error))
    raise error


def _stable_url(request: Request, path: str, params: dict[str, object]) -> str:
    """The page's address with its parameters in a fixed order and full form."""
    query = urlencode(sorted((k, str(v)) for k, v in params.items() if v not in (None, "")))
    return str(request.base_url).rstrip("/") + path + (f"?{query}" if query else "")


def _href(iri: str) -> str | None:
    from .templating import local_path

    return local_path(iri)


# ---------------------------------------------------------------- /api/networks


@api.get("", summary="The networks the service derives, their filters and formats", operation_id="list_networks")
async def list_networks(request: Request) -> dict:
    base = str(request.base_url).rstrip("/")
    return {
        "networks": [
            {"kind": kind.value, "description": KIND_DESCRIPTIONS[kind], "url": f"{base}/api/networks/{kind.value}",
             "metrics": f"{base}/api/networks/{kind.value}/metrics", "view": f"{base}/view/network/{kind.value}"}
            for kind in NetworkKind
        ],
        "filters": ["programme", "date", "country", "region", "value_chain", "org_type", "min_weight", "level (regions)"],
        "formats": list(exports.FORMATS),
        "path": f"{base}/api/networks/path?from=IRI&to=IRI",
        "ego": f"{base}/api/networks/ego?org=IRI&depth=2",
    }


@api.options("", include_in_schema=False)
@api.options("/{rest:path}", include_in_schema=False)
async def preflight(rest: str = "") -> Response:
    """CORS preflight: GET from any origin, without credentials."""
    return Response(status_code=204, headers={"Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
                                              "Access-Control-Allow-Headers": ALLOWED_HEADERS,
                                              "Access-Control-Max-Age": "86400"})


@api.get("/path", summary="The shortest chain of collaborations between two organisations", operation_id="network_path")
async def network_path(
    request: Request,
    source: Annotated[str, Query(alias="from", description="An organisation: IRI or slug.")],
    target: Annotated[str, Query(alias="to", description="An organisation: IRI or slug.")],
    given: FilterDep,
) -> dict:
    """Each hop names the projects, activities, events or ties joining the two, with roles and budgets."""
    try:
        filters = given.parse()
        a, b = organisation_iri(source), organisation_iri(target)
        graph = await network_for(request, NetworkKind.coparticipation, filters)
        result = analytics.shortest_path(graph, a, b)
    except Exception as error:  # noqa: BLE001 - _http_error re-raises what is not the user's
        raise _http_error(error) from error
    result["filters"] = filters.describe()
    return result


async def _ego(request: Request, org: str, depth: int, filters: Filters, max_nodes: int | None = None,
               metric: str = "degree") -> nx.Graph:
    graph = await network_for(request, NetworkKind.coparticipation, filters)
    return await run_in_threadpool(analytics.ego_network, graph, organisation_iri(org), depth, max_nodes, metric)


@api.get("/ego", summary="An organisation's ego network up to a depth", operation_id="network_ego")
async def network_ego(
    request: Request,
    org: Annotated[str, Query(description="The organisation at the centre: IRI or slug.")],
    given: FilterDep,
    depth: Depth = 2,
    format: Format = "json",
) -> Response:
    """Node-link JSON (or an export) of the organisations within ``depth`` hops, with ``distance`` from the centre."""
    try:
        filters = given.parse()
        ego = await _ego(request, org, depth, filters)
    except Exception as error:  # noqa: BLE001
        raise _http_error(error) from error
    return await _export_response(ego, format, inline=format in ("json", "cytoscape"))


@api.get("/{kind}", summary="A network as node-link JSON", operation_id="network")
async def network(
    request: Request, kind: NetworkKind,
    given: FilterDep, level: Level = 2,
    metrics: Annotated[bool, Query(description="Add betweenness, PageRank and community to each node.")] = False,
) -> Response:
    """Nodes (``id`` = IRI, label, type, country, region, value chains, degree) and links (weight, what joins them, roles, budgets)."""
    try:
        filters = given.parse()
        graph = await network_for(request, kind, filters, level)
    except Exception as error:  # noqa: BLE001
        raise _http_error(error) from error
    names = analytics.METRICS if metrics else ("degree", "weighted_degree")

    def make() -> bytes:
        analytics.metrics(graph, names)
        return exports.to_json(graph, names)

    return Response(await run_in_threadpool(make), media_type="application/json")


@api.get("/{kind}/metrics", summary="Measures of a network: per node and as a whole", operation_id="network_metrics")
async def network_metrics(
    request: Request, kind: NetworkKind,
    given: FilterDep, level: Level = 2,
    top: Annotated[int, Query(ge=1, le=100, description="How many top brokers, bridges and communities to list.")] = 10,
) -> dict:
    """Density, components, communities and modularity, top brokers, bridges between communities; each node's measures."""
    try:
        filters = given.parse()
        graph = await network_for(request, kind, filters, level)
    except Exception as error:  # noqa: BLE001
        raise _http_error(error) from error

    def compute() -> dict:
        measures = analytics.metrics(graph)
        nodes = [{"id": v, "label": graph.nodes[v].get("label", v), "type": graph.nodes[v].get("type", ""),
                  **{name: measures[name][v] for name in analytics.METRICS}} for v in graph]
        nodes.sort(key=lambda entry: (-entry["betweenness"], -entry["weighted_degree"], entry["id"]))
        return {"summary": analytics.summary(graph, top), "filters": filters.describe(), "nodes": nodes}

    return await run_in_threadpool(compute)


@api.get("/{kind}/export", summary="A network as a file: JSON, Cytoscape JSON, GEXF, GraphML or CSV", operation_id="network_export")
async def network_export(
    request: Request, kind: NetworkKind, given: FilterDep, format: Format = "graphml", level: Level = 2,
) -> Response:
    """Every node and edge attribute, with all measures; GEXF and GraphML open in Gephi."""
    try:
        filters = given.parse()
        graph = await network_for(request, kind, filters, level)
    except Exception as error:  # noqa: BLE001
        raise _http_error(error) from error
    return await _export_response(graph, format, inline=False)


async def _export_response(graph: nx.Graph, format: str, inline: bool) -> Response:
    def make() -> bytes:
        analytics.metrics(graph)
        return exports.export(graph, format)

    body = await run_in_threadpool(make)
    headers = {} if inline else {"Content-Disposition": f'attachment; filename="{exports.filename(graph, format)}"'}
    return Response(body, media_type=exports.FORMATS[format][0], headers=headers)


# ---------------------------------------------------------------- /view


def _error_page(error: HTTPException) -> HTMLResponse:
    detail = error.detail if isinstance(error.detail, dict) else {"title": "Error", "detail": str(error.detail)}
    body = (f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{html.escape(detail['title'])}</title></head>"
            f"<body style=\"font:15px system-ui,sans-serif;margin:2em\"><h1>{html.escape(detail['title'])}</h1>"
            f"<p>{html.escape(detail['detail'])}</p></body></html>")
    return HTMLResponse(body, status_code=error.status_code)


async def _page(request: Request, graph_maker, *, title: str, subtitle: str, path: str, params: dict,
                color: str, size: str, settings, centre: str | None = None) -> HTMLResponse:
    try:
        graph = await graph_maker()
    except Exception as error:  # noqa: BLE001
        return _error_page(_http_error(error))
    page_url = _stable_url(request, path, params)
    page = await run_in_threadpool(lambda: view.render(
        graph, title=title, subtitle=subtitle, page_url=page_url, color_by=color, size_by=size,
        max_nodes=settings.max_view_nodes, href_for=_href, centre=centre))
    return HTMLResponse(page)


VIEW_TITLES = {
    NetworkKind.coparticipation: "Who works with whom",
    NetworkKind.bipartite: "Organisations and what they take part in",
    NetworkKind.regions: "Regions that collaborate",
    NetworkKind.themes: "Clusters, value chains and S3 priorities",
}


def _subtitle(filters: Filters, extra: str = "") -> str:
    said = [f"{k.replace('_', ' ')}: {v}" for k, v in filters.query_params().items()]
    return "; ".join(([extra] if extra else []) + said)


@pages.get("/network/{kind}", response_class=HTMLResponse, summary="An embeddable view of a network")
async def network_view(
    request: Request, kind: NetworkKind, settings: SettingsDep,
    given: FilterDep, level: Level = 2,
    color: Colour = "type", size: Size = "degree",
) -> HTMLResponse:
    try:
        filters = given.parse()
    except BadFilter as error:
        return _error_page(_http_error(error))
    params = {**filters.query_params(), "color": color, "size": size}
    if kind is NetworkKind.regions:
        params["level"] = level
    return await _page(request, lambda: network_for(request, kind, filters, level), title=VIEW_TITLES[kind],
                       subtitle=_subtitle(filters, f"NUTS level {level}" if kind is NetworkKind.regions else ""),
                       path=f"/view/network/{kind.value}", params=params, color=color, size=size, settings=settings)


@pages.get("/ego", response_class=HTMLResponse, summary="An embeddable view of an organisation's ego network")
async def ego_view(
    request: Request, settings: SettingsDep,
    org: Annotated[str, Query(description="The organisation at the centre: IRI or slug.")],
    given: FilterDep,
    depth: Depth = 2,
    color: Colour = "type", size: Size = "degree",
) -> HTMLResponse:
    try:
        filters = given.parse()
        centre = organisation_iri(org)
    except BadFilter as error:
        return _error_page(_http_error(error))
    params = {**filters.query_params(), "org": centre, "depth": depth, "color": color, "size": size}

    try:
        ego = await _ego(request, centre, depth, filters, settings.max_view_nodes, size)
    except Exception as error:  # noqa: BLE001
        return _error_page(_http_error(error))

    async def made() -> nx.Graph:
        return ego

    label = ego.nodes[centre].get("label", centre)
    return await _page(request, made, title=f"{label}: its partners within {depth} step{'s' if depth > 1 else ''}",
                       subtitle=_subtitle(filters), path="/view/ego", params=params, color=color, size=size,
                       settings=settings, centre=centre)


router = APIRouter()
router.include_router(api)
router.include_router(pages)
