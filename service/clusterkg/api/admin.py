"""The write API for curators: ``/api/admin/graphs/{name}``, with a bearer token, validated, recorded.

Enabled only when the settings hold tokens (``admin_tokens``, label -> token, from
``CLUSTERKG_ADMIN_TOKENS`` as JSON); without them the app does not include this router and
every path under /api/admin answers 404. The work is done by ``clusterkg.curation.GraphWriter``
(see its docstring for validation, atomicity, provenance and the audit log); this module
authenticates, reads the request within ``max_upload_bytes``, runs one write at a time, and
after each commit points the query workers at the new snapshot.

- ``GET /api/admin/graphs``: the named graphs and their sizes.
- ``GET /api/admin/graphs/{name}``: the graph as Turtle (N-Triples or JSON-LD by Accept), with an
  ``ETag``; send it back as ``If-Match`` with a PUT so a concurrent change is not overwritten (412).
- ``PUT``: replace the graph with the document; ``POST``: add the document's triples to it;
  ``DELETE``: remove it. Body: ``text/turtle``, ``application/n-triples`` or
  ``application/ld+json``. 200 (201 when a PUT or POST created the graph) with what was done;
  422 with the SHACL report (``violations``: node, path, value, rule, shape, message) when the
  result would not conform, and then nothing has changed.

Tokens travel in ``Authorization: Bearer`` (RFC 6750 §2.1) and are compared with
``hmac.compare_digest`` against every configured token, so timing tells nothing. 401 with
``WWW-Authenticate: Bearer`` when missing or wrong.
"""

from __future__ import annotations

import asyncio
import hmac
import re
from typing import Annotated

import pyoxigraph as ox
from fastapi import APIRouter, Depends, FastAPI, Header, HTTPException, Path, Request
from fastapi.responses import JSONResponse, Response

from ..config import Settings
from ..curation import GraphWriter, WriteError, graph_etag, graph_for
from ..errors import ClusterKGError
from ..iris import slug
from ..store import is_remote
from .deps import SettingsDep
from .problems import problem

MIN_TOKEN_LENGTH = 16
NAME_PATTERN = r"^[a-z0-9][a-z0-9._-]{0,99}(/[a-z0-9][a-z0-9._-]{0,99})?$"
_BEARER = re.compile(r"^Bearer[ ]+([A-Za-z0-9\-._~+/]+=*)[ ]*$", re.IGNORECASE)


class AdminConfigError(ClusterKGError):
    """The write API's settings are unusable; the service refuses to start."""


def check_settings(settings: Settings) -> None:
    """Refuse short tokens, labels without letters or digits, and a remote store, before serving."""
    if is_remote(settings.store):
        raise AdminConfigError(
            "the write API needs the embedded store; a remote store is written with its own tools",
            "unset CLUSTERKG_ADMIN_TOKENS, or serve an embedded store",
        )
    for label, token in settings.admin_tokens.items():
        try:
            slug(label)
        except ValueError:
            raise AdminConfigError(f"admin token label {label!r} has no letters or digits",
                                   "name each token after its holder: {\"alice\": \"...\"}") from None
        if len(token) < MIN_TOKEN_LENGTH or not _BEARER.match(f"Bearer {token}"):
            raise AdminConfigError(
                f"the admin token of {label!r} is shorter than {MIN_TOKEN_LENGTH} characters or has characters "
                "a bearer token cannot carry",
                "make one with: python -c 'import secrets; print(secrets.token_urlsafe(32))'",
            )


def open_writer(settings: Settings) -> GraphWriter | None:
    """The writer when the write API is enabled (it takes the store's lock), else None.

    The query workers then read the writer's snapshots (``writer.current_snapshot``), never the
    live store; ``connect`` makes each commit refresh them.
    """
    if not settings.admin_tokens:
        return None
    check_settings(settings)
    return GraphWriter(settings.store)


#: What routers keep in ``app.state`` that is made from the store's content (search's label
#: index, the networks' and partner search's caches): dropped after each write, so it is made again.
DERIVED_STATE = ("label_index", "network_cache", "partner_facts_cache")


def connect(app: FastAPI, writer: GraphWriter) -> None:
    """After each commit (in the writer's thread, under its lock, so in commit order and even if
    the client has gone): point the workers at the new snapshot, delete snapshots no worker
    uses, and drop what the routers derived from the old content."""
    executor = app.state.executor

    def committed(snapshot) -> None:  # noqa: ANN001 - a Path
        executor.refresh(snapshot)
        writer.prune(executor.locations_in_use())
        for name in DERIVED_STATE:
            app.state.__dict__.pop(name, None)  # kept as plain attributes by some routers
            try:
                delattr(app.state, name)
            except (AttributeError, KeyError):  # Starlette's State raises KeyError
                pass

    writer.on_commit = committed


# ---------------------------------------------------------------- dependencies


def curator(request: Request, authorization: Annotated[str | None, Header()] = None) -> str:
    """The label of the token in ``Authorization: Bearer``; 401 otherwise."""
    tokens: dict[str, str] = request.app.state.settings.admin_tokens
    match = _BEARER.match(authorization or "")
    given = (match.group(1) if match else "").encode()
    found = None
    for label, token in tokens.items():  # compare with every token, so timing does not tell which matched
        if hmac.compare_digest(given, token.encode()) and found is None:
            found = label
    if found is None:
        detail = "a valid bearer token is required" if authorization else "send Authorization: Bearer <token>"
        raise HTTPException(401, f"{detail}: ask the operator for a curator token",
                            headers={"WWW-Authenticate": 'Bearer realm="clusterkg admin"'})
    return found


CuratorDep = Annotated[str, Depends(curator)]
GraphName = Annotated[str, Path(description="The graph's name: https://w3id.org/clusterkg/graph/NAME.",
                                pattern=NAME_PATTERN, max_length=201)]


def _writer(request: Request) -> GraphWriter:
    return request.app.state.writer


def _write_lock(app: FastAPI) -> asyncio.Lock:
    """One lock per app: at most one write (one thread) at a time; the writer locks too."""
    lock = getattr(app.state, "write_lock", None)
    if lock is None:
        lock = app.state.write_lock = asyncio.Lock()
    return lock


async def _read_body(request: Request, limit: int) -> bytes:
    """The request body, refused past ``limit`` bytes as it arrives (never read whole first)."""
    length = request.headers.get("content-length")
    if length and length.isdigit() and int(length) > limit:
        raise _too_large(limit)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def _too_large(limit: int) -> HTTPException:
    return HTTPException(413, f"the document is over the limit of {limit:,} bytes: split it into several POSTs")


# ---------------------------------------------------------------- routes

router = APIRouter(prefix="/api/admin", tags=["admin"])
_RESPONSES = {
    401: {"description": "No or an unknown bearer token."},
    412: {"description": "If-Match does not match the graph's current ETag."},
    413: {"description": "The document is larger than max_upload_bytes."},
    415: {"description": "Not Turtle, N-Triples or JSON-LD."},
    422: {"description": "The graph would break the shapes; the body lists the violations. Nothing was written."},
}
_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "text/turtle": {"schema": {"type": "string"}},
            "application/n-triples": {"schema": {"type": "string"}},
            "application/ld+json": {"schema": {"type": "object"}},
        },
    }
}


@router.get("/graphs", operation_id="admin_list_graphs", summary="The named graphs and their sizes")
async def list_graphs(request: Request, author: CuratorDep) -> list[dict[str, object]]:
    """Every named graph of the store, with its number of triples."""
    graphs = await asyncio.to_thread(_writer(request).graphs)
    return [{"graph": iri, "triples": count} for iri, count in graphs]


@router.get("/graphs/{name:path}", operation_id="admin_get_graph", summary="A graph's content, with its ETag",
            response_class=Response, responses={200: {"content": {"text/turtle": {}}}, 404: {}})
async def get_graph(request: Request, name: GraphName, author: CuratorDep) -> Response:
    """The graph as Turtle (or N-Triples, JSON-LD by Accept); its ETag serves as If-Match for a PUT."""
    graph = _graph(name)
    triples = await asyncio.to_thread(_writer(request).content, graph)
    if not triples:
        return problem(404, f"there is no graph {graph.value} (or it is empty)", title="No such graph")
    accept = request.headers.get("accept", "")
    if "application/n-triples" in accept:
        format, media_type = ox.RdfFormat.N_TRIPLES, "application/n-triples"
    elif "application/ld+json" in accept:
        format, media_type = ox.RdfFormat.JSON_LD, "application/ld+json"
    else:
        format, media_type = ox.RdfFormat.TURTLE, "text/turtle; charset=utf-8"
    from ..iris import PREFIXES

    body = ox.serialize(triples, format=format, **({"prefixes": PREFIXES} if format == ox.RdfFormat.TURTLE else {}))
    return Response(body, media_type=media_type, headers={"ETag": graph_etag(triples), "Vary": "Accept"})


@router.put("/graphs/{name:path}", operation_id="admin_replace_graph", summary="Replace a graph",
            openapi_extra=_BODY, responses=_RESPONSES)
async def replace_graph(request: Request, name: GraphName, author: CuratorDep, settings: SettingsDep) -> Response:
    """Replace the graph with the document, if the result conforms to the shapes."""
    return await _write(request, "replace", name, author, settings)


@router.post("/graphs/{name:path}", operation_id="admin_add_to_graph", summary="Add triples to a graph",
             openapi_extra=_BODY, responses=_RESPONSES)
async def add_to_graph(request: Request, name: GraphName, author: CuratorDep, settings: SettingsDep) -> Response:
    """Add the document's triples to the graph (creating it), if the result conforms to the shapes."""
    return await _write(request, "add", name, author, settings)


@router.delete("/graphs/{name:path}", operation_id="admin_delete_graph", summary="Delete a graph",
               responses={**_RESPONSES, 404: {"description": "No such graph."}})
async def delete_graph(request: Request, name: GraphName, author: CuratorDep, settings: SettingsDep) -> Response:
    """Remove the graph, if what remains still conforms (nothing else may need its nodes)."""
    return await _write(request, "delete", name, author, settings)


def _graph(name: str) -> ox.NamedNode:
    try:
        return graph_for(name)
    except WriteError as error:
        raise HTTPException(error.status, str(error)) from None


async def _write(request: Request, operation: str, name: str, author: str, settings: Settings) -> Response:
    """Read the body and run the write in a thread, one at a time (the writer's ``on_commit``,
    set by ``connect``, refreshes the query workers, even if the client has gone)."""
    _graph(name)
    data = b"" if operation == "delete" else await _read_body(request, settings.max_upload_bytes)
    writer = _writer(request)
    metrics = getattr(request.app.state, "metrics", None)
    async with _write_lock(request.app):
        try:
            outcome = await asyncio.to_thread(
                writer.write, operation, name, author, data, request.headers.get("content-type"),
                if_match=request.headers.get("if-match"), max_bytes=settings.max_upload_bytes,
                request_id=request.scope.get("state", {}).get("request_id"),
            )
        except WriteError as error:
            if metrics is not None:
                metrics.writes.labels(operation, "refused").inc()
            return problem(error.status, str(error), title=error.title, **error.extra)
    if metrics is not None:
        metrics.writes.labels(operation, "committed").inc()
    headers = {"ETag": outcome.etag} if outcome.etag else {}
    return JSONResponse(outcome.as_dict(), status_code=201 if outcome.created else 200, headers=headers)


__all__ = ["check_settings", "connect", "open_writer", "router"]
