"""The human side of the service: home page, SPARQL editor, catalogue pages, offline API docs.

Nothing here loads from another host. The editor (YASGUI, ``@zazuko/yasgui``) and Swagger UI
(``swagger-ui-dist``) are npm packages pinned in ``ui/package-lock.json`` and installed with
``npm ci --prefix ui``; the service serves them from ``ui/node_modules`` under ``/static``.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

from fastapi import APIRouter, FastAPI, HTTPException, Request
from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from ..config import ROOT
from ..iris import sparql_prefixes
from .deps import ExecutorDep
from .internal import internal_query
from .search import LabelIndexDep
from .templating import STATIC_DIR, curie, page_href, requested_languages, templates

router = APIRouter(include_in_schema=False)

UI_DIR = ROOT / "ui"
NODE_MODULES = UI_DIR / "node_modules"
INSTALL_HINT = "npm ci --prefix ui"

#: URL prefix -> folder: the vendored front-end packages and the site's own files.
STATIC_MOUNTS: dict[str, Path] = {
    "/static/yasgui": NODE_MODULES / "@zazuko" / "yasgui" / "build",
    "/static/swagger": NODE_MODULES / "swagger-ui-dist",
    "/static/ckg": STATIC_DIR,
}

DEFAULT_QUERY = """
SELECT ?organisation ?name ?region WHERE {
  ?organisation a ckg:ClusterOrganisation ;
                skos:prefLabel ?name ;
                ckg:locatedIn ?region .
  FILTER(LANGMATCHES(LANG(?name), "en"))
}
ORDER BY ?name
LIMIT 100
"""


def assets_installed() -> bool:
    """Whether ``npm ci --prefix ui`` has been run (the editor and /docs need it)."""
    return all(folder.is_dir() for folder in STATIC_MOUNTS.values())


def mount_static(app: FastAPI) -> None:
    """Serve the vendored packages and the site's CSS/JS under ``/static``.

    A package folder that is missing (the install step was skipped) is not mounted; the
    pages that need it say which command to run instead of failing on every asset.
    """
    for prefix, folder in STATIC_MOUNTS.items():
        if folder.is_dir():
            app.mount(prefix, StaticFiles(directory=folder), name=prefix.strip("/").replace("/", "-"))


# ---------------------------------------------------------------- the catalogue, if present


@dataclass
class Catalogue:
    """The query catalogue as the UI sees it: the queries, or why they could not be read."""

    queries: list
    error: str | None = None
    available: bool = True


def load_catalogue_for_ui(app: FastAPI) -> Catalogue:
    """The catalogue (``clusterkg.catalogue.load_catalogue``), read once per app.

    The catalogue module is optional for the UI: without it the pages link to /api/queries
    only. A broken query file is reported on the page, not as a 500.
    """
    cached = getattr(app.state, "ui_catalogue", None)
    if cached is not None:
        return cached
    try:
        from ..catalogue import load_catalogue
    except ImportError:
        catalogue = Catalogue([], available=False)
    else:
        from ..errors import ClusterKGError

        try:
            catalogue = Catalogue(load_catalogue())
        except ClusterKGError as error:
            catalogue = Catalogue([], error=str(error))
    app.state.ui_catalogue = catalogue
    return catalogue


def example_text(query) -> str:
    """A catalogue query as an editor example: its SPARQL under a comment naming its parameters.

    In the editor the parameters stay unbound (the query then covers everything); the comment
    says so and points to the query's own page, where they are bound as RDF terms.
    """
    body = getattr(query, "body", None) or query.sparql
    lines = [f"# {query.title}", f"# From the catalogue: /queries/{query.name}"]
    for parameter in query.parameters:
        shown = parameter.default or parameter.example
        lines.append(f"# ?{parameter.name} ({parameter.type}) is a parameter, unbound here; for example {shown}")
    return "\n".join(lines) + "\n" + body + "\n"


# ---------------------------------------------------------------- pages


@router.get("/", response_class=HTMLResponse)
async def home(request: Request, executor: ExecutorDep, index: LabelIndexDep) -> HTMLResponse:
    """What the graph holds and where to go from here."""
    languages, lang = requested_languages(request)
    classes, graphs, dataset = await asyncio.gather(
        executor.select(internal_query("home-classes")),
        executor.select(internal_query("home-graphs")),
        executor.select(internal_query("home-dataset")),
    )
    class_rows = [
        {
            "iri": row["class"].value,
            "label": index.label(row["class"].value, languages) or curie(row["class"].value),
            "curie": curie(row["class"].value),
            "count": int(row["n"].value),
            "href": page_href(row["class"].value, lang),
        }
        for row in classes.rows
    ]
    graph_rows: dict[str, dict] = {}
    for row in graphs.rows:
        g = row["g"].value
        entry = graph_rows.setdefault(
            g,
            {
                "iri": g,
                "label": g.rsplit("/", 1)[-1],
                "href": page_href(g, lang),
                "triples": int(row["triples"].value) if "triples" in row else None,
                "origin": row["origin"].value if "origin" in row else None,
                "documents": [],
            },
        )
        if "doc" in row:
            doc = row["doc"].value
            entry["documents"].append(
                {
                    "iri": doc,
                    "title": index.label(doc, languages) or curie(doc),
                    "href": page_href(doc, lang),
                    "page": row["page"].value if "page" in row else None,
                }
            )
    built = dataset.rows[0] if dataset.rows else {}
    return templates.TemplateResponse(
        request,
        "home.html",
        {
            "title": "European cluster ecosystems",
            "lang": lang,
            "language": languages[0],
            "classes": class_rows,
            "graphs": list(graph_rows.values()),
            "modified": built["modified"].value if "modified" in built else None,
            "total_triples": int(built["triples"].value) if "triples" in built else None,
            "license": built["license"].value if "license" in built else None,
            "generator": built["generator"].value if "generator" in built else None,
            "catalogue": load_catalogue_for_ui(request.app),
        },
    )


@router.get("/query", response_class=HTMLResponse)
async def query_editor(request: Request) -> HTMLResponse:
    """The SPARQL editor: YASGUI over /sparql, with the catalogue's queries as examples."""
    catalogue = load_catalogue_for_ui(request.app)
    prefixes = sparql_prefixes()
    examples = [
        {"name": q.name, "title": q.title, "description": q.description, "sparql": example_text(q)}
        for q in catalogue.queries
    ]
    config = {
        "endpoint": str(request.scope.get("root_path", "")) + "/sparql",
        "query": prefixes + "\n" + DEFAULT_QUERY,
        "examples": examples,
    }
    return templates.TemplateResponse(
        request,
        "query.html",
        {
            "title": "SPARQL editor",
            "config": config,
            "examples": examples,
            "catalogue": catalogue,
            "assets": assets_installed(),
            "install_hint": INSTALL_HINT,
        },
    )


@router.get("/queries", response_class=HTMLResponse)
async def catalogue_page(request: Request) -> HTMLResponse:
    """The catalogue of ready-made questions, each with its own page."""
    return templates.TemplateResponse(
        request,
        "catalogue.html",
        {"title": "Query catalogue", "catalogue": load_catalogue_for_ui(request.app)},
    )


@router.get("/queries/{name}", response_class=HTMLResponse)
async def catalogue_query_page(request: Request, name: str) -> HTMLResponse:
    """One catalogue query: what it answers, a form for its parameters, its SPARQL, its rows."""
    catalogue = load_catalogue_for_ui(request.app)
    query = next((q for q in catalogue.queries if q.name == name), None)
    if query is None:
        return templates.TemplateResponse(
            request,
            "not_found.html",
            {
                "title": "Not found",
                "iri": f"/queries/{name}",
                "suggestions": [(q.title, f"/queries/{q.name}") for q in catalogue.queries],
                "q": "",
            },
            status_code=404,
        )
    values = {p.name: request.query_params.get(p.name, "") for p in query.parameters}
    return templates.TemplateResponse(
        request,
        "catalogue_query.html",
        {"title": query.title, "query": query, "values": values, "api": f"/api/queries/{query.name}"},
    )


# ---------------------------------------------------------------- offline API documentation


@router.get("/docs", response_class=HTMLResponse)
async def swagger_ui(request: Request) -> HTMLResponse:
    """FastAPI's Swagger UI, with its script and styles served from /static, not a CDN."""
    if not assets_installed():
        raise HTTPException(503, f"the API documentation needs the front-end assets: run '{INSTALL_HINT}' and restart")
    root = request.scope.get("root_path", "")
    return get_swagger_ui_html(
        openapi_url=root + (request.app.openapi_url or "/openapi.json"),
        title=f"{request.app.title} API",
        swagger_js_url=root + "/static/swagger/swagger-ui-bundle.js",
        swagger_css_url=root + "/static/swagger/swagger-ui.css",
        swagger_favicon_url=root + "/static/ckg/favicon.svg",
        oauth2_redirect_url=root + "/docs/oauth2-redirect",
        swagger_ui_parameters={"validatorUrl": None, "tryItOutEnabled": True},
    )


@router.get("/docs/oauth2-redirect", response_class=HTMLResponse)
async def swagger_ui_redirect() -> HTMLResponse:
    """Swagger UI's OAuth2 helper page (kept for parity with FastAPI's default /docs)."""
    return get_swagger_ui_oauth2_redirect_html()
