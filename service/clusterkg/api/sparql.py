"""The SPARQL 1.1 endpoint: the query operation of the SPARQL 1.1 Protocol, read-only.

https://www.w3.org/TR/sparql11-protocol/ — section numbers below refer to it.

- ``GET /sparql?query=`` (§2.1.1), ``POST`` form-encoded (§2.1.2) or ``application/sparql-query``
  (§2.1.3); ``default-graph-uri`` and ``named-graph-uri``, repeatable, give the dataset
  (§2.1.4). Without them the default graph is the union of all named graphs, and a query's own
  FROM / FROM NAMED apply.
- Results by content negotiation (§2.1.5, ``negotiate``): SELECT and ASK as SPARQL JSON
  (default), XML, CSV or TSV; CONSTRUCT and DESCRIBE as Turtle (default), N-Triples,
  JSON-LD, RDF/XML or N-Quads. Nothing acceptable: 406, never a format the client did not ask for.
- ``GET /sparql`` without a query: a browser (text/html) is sent to the query page ``/query``;
  other clients get the SPARQL 1.1 Service Description
  (https://www.w3.org/TR/sparql11-service-description/).
- ``GET /.well-known/void``: the VoID/DCAT description of the dataset (the build's graph
  ``catalog``), and ``/dumps/clusterkg.{nq,ttl,jsonld}``: full dumps.

Failures (§2.1.7) are RFC 9457 problem documents (``application/problem+json``), or plain text
for clients that prefer it:

- 400 bad request: syntax error (with the parser's line and column), no query or several,
  an invalid graph IRI, a body that is not UTF-8.
- 403 refused by policy (§3): SPARQL Update (this endpoint is read-only), SERVICE to an
  endpoint not allow-listed, and a result larger than the size limit. 413 would be wrong for
  the latter: it is about the *request* content, and the SPARQL WG declined it for costly
  queries; the query was understood and is refused, and adding LIMIT fixes it.
- 406 no acceptable result format; 413 a query text over 1 MB; 415 a POST that is neither
  form-encoded nor application/sparql-query.
- 500 the store (or an allow-listed SERVICE endpoint) failed while evaluating a valid query.
- 503 the time limit was exceeded (the query was stopped), or every worker stayed busy; no
  Retry-After, since the same query would run out of time again.

A client that disconnects while its query runs gets its worker ended at once (``_while_connected``).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import parse_qsl

import pyoxigraph as ox
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse, RedirectResponse

from ..errors import QuerySyntaxError
from ..executor import (
    FederationRefused,
    QueryEvaluationError,
    QueryExecutor,
    QueryTimeout,
    ResultTooLarge,
    ServiceBusy,
    scan_query,
)
from ..iris import CATALOG_GRAPH, DATASET
from .deps import ExecutorDep, SettingsDep

router = APIRouter(tags=["sparql"])

PROTOCOL = "https://www.w3.org/TR/sparql11-protocol/"
MAX_QUERY_BYTES = 1_000_000
QUERY_PAGE = "/query"
DISCONNECT_POLL = 0.25  # seconds between checks that the client is still there
T = TypeVar("T")

# --- content negotiation (§2.1.5) -----------------------------------------------------------


@dataclass(frozen=True)
class Offer:
    """A representation the server can send: its Content-Type, the media types that select it, its format."""

    content_type: str
    aliases: tuple[str, ...] = ()
    format: object = None  # an ox.QueryResultsFormat or ox.RdfFormat; None for a non-RDF offer
    iri: str = ""  # the format's IRI in http://www.w3.org/ns/formats/, for the service description

    @property
    def media_type(self) -> str:
        return self.content_type.split(";")[0].strip()

    @property
    def media_types(self) -> tuple[str, ...]:
        return (self.media_type, *self.aliases)


FORMATS = "http://www.w3.org/ns/formats/"
RESULTS_OFFERS = (
    Offer("application/sparql-results+json", ("application/json", "text/json"), ox.QueryResultsFormat.JSON,
          FORMATS + "SPARQL_Results_JSON"),
    Offer("application/sparql-results+xml", ("application/xml", "text/xml"), ox.QueryResultsFormat.XML,
          FORMATS + "SPARQL_Results_XML"),
    Offer("text/csv; charset=utf-8", (), ox.QueryResultsFormat.CSV, FORMATS + "SPARQL_Results_CSV"),
    Offer("text/tab-separated-values; charset=utf-8", ("text/tsv",), ox.QueryResultsFormat.TSV,
          FORMATS + "SPARQL_Results_TSV"),
)
RDF_OFFERS = (
    Offer("text/turtle; charset=utf-8", ("application/turtle", "application/x-turtle"), ox.RdfFormat.TURTLE,
          FORMATS + "Turtle"),
    Offer("application/n-triples", ("text/plain",), ox.RdfFormat.N_TRIPLES, FORMATS + "N-Triples"),
    Offer("application/ld+json", ("application/json", "application/x-json+ld"), ox.RdfFormat.JSON_LD,
          FORMATS + "JSON-LD"),
    Offer("application/rdf+xml", ("application/xml", "text/xml"), ox.RdfFormat.RDF_XML, FORMATS + "RDF_XML"),
    Offer("application/n-quads", ("text/x-nquads",), ox.RdfFormat.N_QUADS, FORMATS + "N-Quads"),
)
HTML_OFFER = Offer("text/html; charset=utf-8", ("application/xhtml+xml",))
PROBLEM_OFFERS = (
    Offer("application/problem+json", ("application/json",)),
    Offer("text/plain; charset=utf-8"),
)


class NotAcceptable(Exception):
    """No offer is acceptable to the client."""


class BadAccept(ValueError):
    """The Accept header does not parse (RFC 9110 §12.5.1)."""


# RFC 9110 qvalue, also ".2" without the leading zero, as old Java clients send it.
_QVALUE = re.compile(r"^(?:0(?:\.\d{0,3})?|\.\d{1,3}|1(?:\.0{0,3})?)$")


def negotiate(accept: str | None, offers: Sequence[Offer]) -> Offer:
    """The offer the ``accept`` header prefers (RFC 9110 §12.5.1); the first offer if there is no header.

    Each offer takes the quality of the most specific media range that matches it (exact type >
    ``type/*`` > ``*/*``); ``q=0`` excludes. Ties go to the more specific range, then to the
    range the client listed first, then to the server's order. A ``charset`` other than UTF-8
    does not match: everything here is UTF-8. Raises ``NotAcceptable`` (406) when nothing
    has a positive quality, ``BadAccept`` (400) for a malformed header.
    """
    if accept is None or not accept.strip():
        return offers[0]
    ranges = _parse_accept(accept)
    best: tuple | None = None
    chosen: Offer | None = None
    for offer_index, offer in enumerate(offers):
        match = _best_range(offer, ranges)
        if match is None:
            continue
        quality, specificity, range_index = match
        key = (quality, specificity, -range_index, -offer_index)
        if quality > 0 and (best is None or key > best):
            best, chosen = key, offer
    if chosen is None:
        raise NotAcceptable(", ".join(o.media_type for o in offers))
    return chosen


def _parse_accept(accept: str) -> list[tuple[str, str, dict[str, str], float]]:
    """Media ranges as (type, subtype, parameters, quality), in the header's order."""
    ranges = []
    for part in accept.split(","):
        if not part.strip():
            continue
        pieces = part.split(";")
        media_range = pieces[0].strip().lower()
        if media_range == "*":  # sent by old Java clients ("*; q=.2")
            media_range = "*/*"
        main, slash, sub = media_range.partition("/")
        if not slash or not main or not sub or (main == "*" and sub != "*"):
            raise BadAccept(f"invalid media range {pieces[0].strip()!r} in the Accept header")
        parameters: dict[str, str] = {}
        quality = 1.0
        for piece in pieces[1:]:
            name, equals, value = piece.partition("=")
            name, value = name.strip().lower(), value.strip().strip('"')
            if not equals:
                continue
            if name == "q":
                if not _QVALUE.match(value):
                    raise BadAccept(f"invalid quality value q={value} in the Accept header")
                quality = float(value)
                break  # what follows q are accept extensions, not media type parameters
            parameters[name] = value.lower()
        ranges.append((main, sub, parameters, quality))
    return ranges


def _best_range(offer: Offer, ranges: list) -> tuple[float, int, int] | None:
    """(quality, specificity, index) of the most specific range matching ``offer``, or None."""
    best = None
    main_type = offer.media_type.split("/")[0]
    for index, (main, sub, parameters, quality) in enumerate(ranges):
        if parameters.get("charset", "utf-8") not in ("utf-8", "utf8"):
            continue
        if main == "*":
            specificity = 0
        elif sub == "*":
            if main != main_type:
                continue
            specificity = 1
        elif f"{main}/{sub}" in offer.media_types:
            specificity = 3 if parameters else 2
        else:
            continue
        if best is None or specificity > best[1]:
            best = (quality, specificity, index)
    return best


# --- problems (§2.1.7) ----------------------------------------------------------------------


class Problem(Exception):
    """A failed request, answered as an RFC 9457 problem document."""

    def __init__(self, status: int, title: str, detail: str, type: str = "about:blank", **extra: object) -> None:
        super().__init__(detail)
        self.status, self.title, self.detail, self.type, self.extra = status, title, detail, type, extra


def problem_response(request: Request, problem: Problem) -> Response:
    """The problem as application/problem+json, or as text if the client prefers text."""
    try:
        offer = negotiate(request.headers.get("accept"), PROBLEM_OFFERS)
    except (NotAcceptable, BadAccept):
        offer = PROBLEM_OFFERS[0]
    if offer.media_type == "text/plain":
        return PlainTextResponse(f"{problem.title}: {problem.detail}\n", status_code=problem.status)
    body = {"type": problem.type, "title": problem.title, "status": problem.status, "detail": problem.detail}
    body.update(problem.extra)
    return JSONResponse(body, status_code=problem.status, media_type="application/problem+json")


def _problem_for(error: Exception) -> Problem:
    """The problem document of an error the executor raised."""
    if isinstance(error, QuerySyntaxError):
        position = re.search(r"(\d+):(\d+)", error.detail)
        extra = {"line": int(position[1]), "column": int(position[2])} if position else {}
        return Problem(400, "SPARQL syntax error", error.detail, PROTOCOL + "#query-failure", **extra)
    if isinstance(error, QueryTimeout):
        return Problem(503, "Query timed out", str(error), PROTOCOL + "#policy", time_limit=error.seconds)
    if isinstance(error, ServiceBusy):
        return Problem(503, "Service busy", str(error), PROTOCOL + "#policy")
    if isinstance(error, ResultTooLarge):
        return Problem(403, "Result too large", str(error), PROTOCOL + "#policy", max_results=error.limit)
    if isinstance(error, FederationRefused):
        return Problem(403, "Federated query refused", str(error), PROTOCOL + "#policy")
    if isinstance(error, QueryEvaluationError):
        return Problem(500, "Query evaluation failed", error.detail, PROTOCOL + "#query-failure")
    raise error


_EXECUTOR_ERRORS = (
    QuerySyntaxError, QueryTimeout, ServiceBusy, ResultTooLarge, FederationRefused, QueryEvaluationError
)

# --- the query operation (§2.1) -------------------------------------------------------------

_QUERY_PARAMETERS = {
    "parameters": [
        {"name": "query", "in": "query", "schema": {"type": "string"}, "description": "The SPARQL query (§2.1.1)."},
        {
            "name": "default-graph-uri",
            "in": "query",
            "schema": {"type": "array", "items": {"type": "string"}},
            "description": "A graph of the default graph (§2.1.4); repeatable.",
        },
        {
            "name": "named-graph-uri",
            "in": "query",
            "schema": {"type": "array", "items": {"type": "string"}},
            "description": "A named graph of the dataset (§2.1.4); repeatable.",
        },
    ]
}
_POST_BODY = {
    "requestBody": {
        "content": {
            "application/x-www-form-urlencoded": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "query": {"type": "string"},
                        "default-graph-uri": {"type": "array", "items": {"type": "string"}},
                        "named-graph-uri": {"type": "array", "items": {"type": "string"}},
                    },
                    "required": ["query"],
                }
            },
            "application/sparql-query": {"schema": {"type": "string"}},
        }
    },
    **_QUERY_PARAMETERS,
}


@router.get("/sparql", operation_id="sparql_query_get", openapi_extra=_QUERY_PARAMETERS, response_class=Response)
async def sparql_get(request: Request, executor: ExecutorDep, settings: SettingsDep) -> Response:
    """SPARQL 1.1 Protocol §2.1.1 query via GET; without a query, the service description or the query page."""
    try:
        parameters = _url_parameters(request)
        if not any(name in ("query", "update", "default-graph-uri", "named-graph-uri") for name, _ in parameters):
            return await _describe_service(request, executor, settings.sparql_service_allowlist)
        return await _query_operation(request, executor, settings.sparql_service_allowlist, parameters, None)
    except Problem as problem:
        return problem_response(request, problem)
    except ClientGone:
        return Response(status_code=499)  # nginx's "client closed request"; nobody reads it


@router.post("/sparql", operation_id="sparql_query_post", openapi_extra=_POST_BODY, response_class=Response)
async def sparql_post(request: Request, executor: ExecutorDep, settings: SettingsDep) -> Response:
    """SPARQL 1.1 Protocol §2.1.2 (form-encoded) and §2.1.3 (application/sparql-query) query via POST."""
    try:
        parameters = _url_parameters(request)
        media_type, charset = _content_type(request)
        if media_type == "application/sparql-update":
            raise _update_refused()
        body_query: str | None = None
        if media_type == "application/x-www-form-urlencoded":
            parameters += _form_parameters(await _body(request), charset)
        elif media_type == "application/sparql-query":
            body_query = _decode(await _body(request), charset, "the request body")
        elif media_type is None:
            raise Problem(
                415,
                "Unsupported Media Type",
                "a POST needs Content-Type application/x-www-form-urlencoded (§2.1.2) or "
                "application/sparql-query (§2.1.3)",
                PROTOCOL + "#query-operation",
            )
        else:
            raise Problem(
                415,
                "Unsupported Media Type",
                f"Content-Type {media_type} is not a SPARQL query: use application/x-www-form-urlencoded "
                "(§2.1.2) or application/sparql-query (§2.1.3)",
                PROTOCOL + "#query-operation",
            )
        return await _query_operation(request, executor, settings.sparql_service_allowlist, parameters, body_query)
    except Problem as problem:
        return problem_response(request, problem)
    except ClientGone:
        return Response(status_code=499)


async def _query_operation(
    request: Request,
    executor: QueryExecutor,
    allowed_services: list[str],
    parameters: list[tuple[str, str]],
    body_query: str | None,
) -> Response:
    """Check the request, evaluate the query in a worker and answer in the negotiated format."""
    if any(name == "update" for name, _ in parameters):
        raise _update_refused()
    queries = [value for name, value in parameters if name == "query"]
    if body_query is not None:
        queries.append(body_query)
    if len(queries) > 1:
        raise Problem(
            400, "Bad Request", f"{len(queries)} queries given: send exactly one", PROTOCOL + "#query-operation"
        )
    if not queries:
        raise Problem(400, "Bad Request", "no query given: send the parameter 'query'", PROTOCOL + "#query-operation")
    query = queries[0]
    default_graphs = [_graph(value, name) for name, value in parameters if name == "default-graph-uri"]
    named_graphs = [_graph(value, name) for name, value in parameters if name == "named-graph-uri"]
    protocol_dataset = bool(default_graphs or named_graphs)
    base = _endpoint(request)

    form = scan_query(query, base).form
    if form == "UPDATE":
        raise _update_refused()
    accept = request.headers.get("accept")
    results_offer = _acceptable(accept, RESULTS_OFFERS, required=form in ("SELECT", "ASK"))
    rdf_offer = _acceptable(accept, RDF_OFFERS, required=form in ("CONSTRUCT", "DESCRIBE"))
    evaluation = executor.serialize(
        query,
        results_offer.format if results_offer else None,
        rdf_offer.format if rdf_offer else None,
        default_graphs=default_graphs if protocol_dataset else None,
        named_graphs=named_graphs if protocol_dataset else None,
        base_iri=base,
        allowed_services=allowed_services,
    )
    try:
        kind, body = await _while_connected(request, evaluation)
    except _EXECUTOR_ERRORS as error:
        raise _problem_for(error) from error
    offer = rdf_offer if kind == "graph" else results_offer
    if offer is None:  # the scan could not tell the form; the evaluation did
        raise _not_acceptable(RDF_OFFERS if kind == "graph" else RESULTS_OFFERS)
    return Response(body, media_type=offer.content_type, headers={"Vary": "Accept"})


class ClientGone(Exception):
    """The client disconnected before its answer was ready."""


async def _while_connected(request: Request, work: Awaitable[T]) -> T:
    """Await ``work``, cancelling it if the client disconnects first.

    Cancelling ends the query's worker at once, rather than at the time limit: nobody would
    read the answer (a weakness the style guide measured in rdflib-endpoint).
    """
    task = asyncio.ensure_future(work)
    try:
        while True:
            done, _ = await asyncio.wait({task}, timeout=DISCONNECT_POLL)
            if done:
                return task.result()
            if await request.is_disconnected():
                task.cancel()
                raise ClientGone()
    except asyncio.CancelledError:
        task.cancel()
        raise


def _acceptable(accept: str | None, offers: Sequence[Offer], required: bool) -> Offer | None:
    """The negotiated offer; None if nothing fits and the form does not need it; 406 if it does."""
    try:
        return negotiate(accept, offers)
    except BadAccept as error:
        raise Problem(400, "Bad Request", str(error)) from error
    except NotAcceptable:
        if required:
            raise _not_acceptable(offers) from None
        return None


def _not_acceptable(offers: Sequence[Offer]) -> Problem:
    return Problem(
        406,
        "Not Acceptable",
        "no acceptable format for this result; the endpoint sends " + ", ".join(o.media_type for o in offers),
        PROTOCOL + "#query-success",
    )


def _update_refused() -> Problem:
    return Problem(
        403,
        "SPARQL Update refused",
        "this endpoint is read-only: SPARQL Update is not accepted; the graph changes only by 'clusterkg build'",
        PROTOCOL + "#update-operation",
    )


def _url_parameters(request: Request) -> list[tuple[str, str]]:
    """The URL's query parameters, all values kept in order; percent-encoded bytes must be UTF-8."""
    return _decode_pairs(request.scope.get("query_string", b""), "the URL")


def _form_parameters(body: bytes, charset: str | None) -> list[tuple[str, str]]:
    """A form-encoded body's parameters (§2.1.2)."""
    if charset not in (None, "utf-8", "utf8"):
        raise _not_utf8(f"the form is declared as {charset}")
    return _decode_pairs(body, "the form body")


def _decode_pairs(raw: bytes, where: str) -> list[tuple[str, str]]:
    text = _decode(raw, None, where)
    try:
        return parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="strict")
    except UnicodeDecodeError as error:
        raise _not_utf8(f"{where} has percent-encoded bytes that are not UTF-8") from error


def _decode(raw: bytes, charset: str | None, where: str) -> str:
    """UTF-8 text; SPARQL query strings are Unicode sent as UTF-8 (§2.1.3)."""
    if charset not in (None, "utf-8", "utf8"):
        raise _not_utf8(f"{where} is declared as {charset}")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise _not_utf8(f"{where} is not valid UTF-8 (byte {error.start})") from error


def _not_utf8(detail: str) -> Problem:
    return Problem(400, "Bad Request", f"{detail}: send the query as UTF-8", PROTOCOL + "#query-via-post-direct")


def _content_type(request: Request) -> tuple[str | None, str | None]:
    """The request's media type and charset, lower-cased."""
    header = request.headers.get("content-type")
    if not header or not header.strip():
        return None, None
    media_type, *parameters = header.split(";")
    charset = None
    for parameter in parameters:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip('"').lower()
    return media_type.strip().lower(), charset


async def _body(request: Request) -> bytes:
    """The request body, refused beyond MAX_QUERY_BYTES (read as it comes, never whole first)."""
    length = request.headers.get("content-length")
    if length and length.isdigit() and int(length) > MAX_QUERY_BYTES:
        raise _too_long()
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_QUERY_BYTES:
            raise _too_long()
        chunks.append(chunk)
    return b"".join(chunks)


def _too_long() -> Problem:
    return Problem(413, "Content Too Large", f"the request body is over {MAX_QUERY_BYTES:,} bytes")


def _graph(value: str, parameter: str) -> ox.NamedNode:
    """A graph IRI from ``default-graph-uri`` or ``named-graph-uri``; constructing it is the validation."""
    try:
        return ox.NamedNode(value)
    except ValueError as error:
        detail = f"{parameter}={value!r} is not an absolute IRI: {error}"
        raise Problem(400, "Bad Request", detail, PROTOCOL + "#dataset") from error


def _endpoint(request: Request) -> str:
    """The endpoint's own IRI, the base IRI of queries (which MAY be the endpoint, §2.1.4)."""
    return str(request.base_url).rstrip("/") + "/sparql"


# --- service description, VoID, dumps -------------------------------------------------------

SD = "http://www.w3.org/ns/sparql-service-description#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
_SD_GRAPHS = """
SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g
"""


async def _describe_service(request: Request, executor: QueryExecutor, allowed_services: list[str]) -> Response:
    """The SPARQL 1.1 Service Description, or the query page for browsers.

    https://www.w3.org/TR/sparql11-service-description/ §2: a GET on the endpoint without a
    query may return the description; browsers asking for HTML are sent (303) to ``/query``.
    """
    try:
        offer = negotiate(request.headers.get("accept"), (*RDF_OFFERS, HTML_OFFER))
    except BadAccept as error:
        raise Problem(400, "Bad Request", str(error)) from error
    except NotAcceptable:
        raise _not_acceptable(RDF_OFFERS) from None
    if offer is HTML_OFFER:
        return RedirectResponse(QUERY_PAGE, status_code=303, headers={"Vary": "Accept"})
    try:
        graphs = await executor.select(_SD_GRAPHS)
    except _EXECUTOR_ERRORS as error:
        raise _problem_for(error) from error
    triples = service_description(
        _endpoint(request),
        str(request.base_url).rstrip("/") + "/.well-known/void",
        [(row["g"], int(row["n"].value)) for row in graphs.rows if isinstance(row["g"], ox.NamedNode)],
        federation=bool(allowed_services),
    )
    body = ox.serialize(triples, format=offer.format, prefixes=_SD_PREFIXES)
    return Response(body, media_type=offer.content_type, headers={"Vary": "Accept"})


_SD_PREFIXES = {"sd": SD, "void": "http://rdfs.org/ns/void#", "formats": FORMATS,
                "rdfs": "http://www.w3.org/2000/01/rdf-schema#"}


def service_description(
    endpoint: str, void: str, graphs: list[tuple[ox.NamedNode, int]], federation: bool
) -> list[ox.Triple]:
    """The endpoint described with the SD vocabulary: languages, formats, features and the default dataset.

    The default dataset is the VoID dataset itself (its IRI links the two descriptions); its
    default graph is the union of the named graphs (sd:UnionDefaultGraph).
    """
    sd = lambda name: ox.NamedNode(SD + name)  # noqa: E731 - a namespace, as rdflib's Namespace
    service, dataset, default_graph = ox.NamedNode(endpoint), ox.NamedNode(str(DATASET)), ox.BlankNode("defaultGraph")
    void_triples = ox.NamedNode("http://rdfs.org/ns/void#triples")
    triples = [
        ox.Triple(service, RDF_TYPE, sd("Service")),
        ox.Triple(service, sd("endpoint"), service),
        ox.Triple(service, sd("supportedLanguage"), sd("SPARQL11Query")),
        ox.Triple(service, sd("feature"), sd("UnionDefaultGraph")),
    ]
    if federation:
        triples.append(ox.Triple(service, sd("feature"), sd("BasicFederatedQuery")))
    triples += [ox.Triple(service, sd("resultFormat"), ox.NamedNode(o.iri)) for o in (*RESULTS_OFFERS, *RDF_OFFERS)]
    triples += [
        ox.Triple(service, sd("defaultEntailmentRegime"), ox.NamedNode("http://www.w3.org/ns/entailment/Simple")),
        ox.Triple(service, sd("defaultDataset"), dataset),
        ox.Triple(dataset, RDF_TYPE, sd("Dataset")),
        ox.Triple(dataset, ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#seeAlso"), ox.NamedNode(void)),
        ox.Triple(dataset, sd("defaultGraph"), default_graph),
    ]
    triples += [ox.Triple(dataset, sd("namedGraph"), ox.BlankNode(f"namedGraph{i}")) for i in range(len(graphs))]
    triples += [
        ox.Triple(default_graph, RDF_TYPE, sd("Graph")),
        ox.Triple(default_graph, void_triples, ox.Literal(str(sum(n for _, n in graphs)), datatype=_XSD_INTEGER)),
    ]
    for index, (name, count) in enumerate(graphs):
        named, graph = ox.BlankNode(f"namedGraph{index}"), ox.BlankNode(f"graph{index}")
        triples += [
            ox.Triple(named, RDF_TYPE, sd("NamedGraph")),
            ox.Triple(named, sd("name"), name),
            ox.Triple(named, sd("graph"), graph),
            ox.Triple(graph, RDF_TYPE, sd("Graph")),
            ox.Triple(graph, void_triples, ox.Literal(str(count), datatype=_XSD_INTEGER)),
        ]
    return triples


_XSD_INTEGER = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")

# The catalogue graph, plus where to query and download the dataset: values bound as terms.
_VOID_QUERY = f"""
PREFIX void: <http://rdfs.org/ns/void#>
CONSTRUCT {{
  ?s ?p ?o .
  ?dataset void:sparqlEndpoint ?endpoint ; void:dataDump ?nq, ?ttl, ?jsonld .
}} WHERE {{
  {{ GRAPH <{CATALOG_GRAPH}> {{ ?s ?p ?o }} }} UNION {{ BIND(<{DATASET}> AS ?dataset) }}
}}
"""


@router.get("/.well-known/void", operation_id="void_description", response_class=Response)
async def void_description(request: Request, executor: ExecutorDep) -> Response:
    """The VoID/DCAT description of the dataset (VoID §7.2 well-known IRI), as written by the build."""
    try:
        offer = _acceptable(request.headers.get("accept"), RDF_OFFERS, required=True)
        base = str(request.base_url).rstrip("/")
        bindings = {
            "endpoint": ox.NamedNode(base + "/sparql"),
            **{name: ox.NamedNode(f"{base}/dumps/clusterkg.{name}") for name in ("nq", "ttl", "jsonld")},
        }
        try:
            _, body = await executor.serialize(_VOID_QUERY, None, offer.format, bindings)
        except _EXECUTOR_ERRORS as error:
            raise _problem_for(error) from error
        return Response(body, media_type=offer.content_type, headers={"Vary": "Accept"})
    except Problem as problem:
        return problem_response(request, problem)


DUMPS = {
    "clusterkg.nq": ("nq", "application/n-quads"),
    "clusterkg.ttl": ("ttl", "text/turtle; charset=utf-8"),
    "clusterkg.jsonld": ("jsonld", "application/ld+json"),
}


@router.get("/dumps/{name}", operation_id="dump", response_class=Response)
async def dump(name: str, request: Request, executor: ExecutorDep) -> Response:
    """The whole graph (clusterkg.nq keeps the named graphs; .ttl and .jsonld merge them), made in a worker."""
    if name not in DUMPS:
        return problem_response(
            request, Problem(404, "Not Found", f"no dump named {name!r}: there are {', '.join(DUMPS)}")
        )
    export_format, media_type = DUMPS[name]
    try:
        body = await executor.export(export_format)
    except _EXECUTOR_ERRORS as error:
        return problem_response(request, _problem_for(error))
    return Response(body, media_type=media_type, headers={"Content-Disposition": f'attachment; filename="{name}"'})


__all__ = ["Offer", "RDF_OFFERS", "RESULTS_OFFERS", "negotiate", "router", "service_description"]
