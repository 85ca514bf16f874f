"""The query catalogue over HTTP: one GET endpoint per ``queries/*.rq``, made from its header.

``GET /api/queries`` lists the catalogue; ``GET /api/queries/{name}?param=...`` runs a query
with its parameters bound as RDF terms and answers JSON rows, or CSV with ``?format=csv`` or
``Accept: text/csv``. Each query gets its own OpenAPI operation (``run_{name}``) with typed,
documented parameters, generated when the app is created: there is no code per query.

Values arrive as text and are checked once, by :meth:`CatalogueQuery.bind` (the same check as
the CLI's): the OpenAPI schema says each parameter's type, but FastAPI passes the text through,
so a bad value gets one clear 422 message naming the parameter rather than two styles of error.
"""

from __future__ import annotations

import csv
import inspect
import io
from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import JSONResponse, Response

from ..catalogue import CatalogueQuery, ParameterError, QueryParameter, load_catalogue
from ..executor import QueryTimeout, ResultTooLarge, SelectResult, ServiceBusy, rows_as_json
from .deps import ExecutorDep

TAG = "query catalogue"
JSON = "application/json"
CSV = "text/csv"

#: JSON Schema of each parameter type, for the OpenAPI document (values are checked by bind).
_SCHEMAS: dict[str, dict[str, Any]] = {
    "iri": {"type": "string", "format": "iri"},
    "nuts": {"type": "string", "pattern": r"^([A-Z]{2}[A-Z0-9]{0,3}|(nuts:|http://data\.europa\.eu/nuts/code/)[A-Z]{2}[A-Z0-9]{0,3})$"},
    "country": {"type": "string"},
    "string": {"type": "string"},
    "langstring": {"type": "string", "pattern": "@[A-Za-z]"},
    "integer": {"type": "integer"},
    "decimal": {"type": "number"},
    "date": {"type": "string", "format": "date"},
    "boolean": {"type": "boolean"},
}


#: Statuses of the executor's errors that a request can meet (each carries its own message).
_EXECUTOR_STATUS: dict[type, int] = {QueryTimeout: 504, ServiceBusy: 503, ResultTooLarge: 422}


def build_router(queries: list[CatalogueQuery] | None = None) -> APIRouter:
    """A router with the listing and one route per query (the catalogue is read now)."""
    queries = load_catalogue() if queries is None else queries
    router = APIRouter(tags=[TAG])

    @router.get("/api/queries", operation_id="list_queries", summary="The query catalogue")
    async def list_queries(request: Request) -> list[dict[str, Any]]:
        """Every query with its title, description, tags, parameters and SPARQL text."""
        return [dict(q.as_dict(), href=str(request.url_for(f"run_{q.name}"))) for q in queries]

    for query in queries:
        router.add_api_route(
            f"/api/queries/{query.name}",
            _endpoint(query),
            methods=["GET"],
            name=f"run_{query.name}",
            operation_id=f"run_{query.name}",
            summary=query.title,
            description=_description(query),
            response_class=JSONResponse,
            responses={
                200: {"description": "The rows, as JSON or CSV.", "content": {JSON: {}, CSV: {"schema": {"type": "string"}}}},
                406: {"description": "Neither JSON nor CSV is acceptable."},
                422: {"description": "A parameter value is missing or invalid (the message names it), or the result is too large."},
                503: {"description": "Every query worker is busy; try again."},
                504: {"description": "The query ran past the time limit."},
            },
        )

    @router.get("/api/queries/{name}", include_in_schema=False)
    async def unknown_query(name: str) -> None:
        names = ", ".join(q.name for q in queries)
        raise HTTPException(404, f"no query named {name!r} in the catalogue; known queries: {names}")

    return router


def _description(query: CatalogueQuery) -> str:
    """The OpenAPI description: the query's own, its tags, and its SPARQL text."""
    tags = f"\n\nTags: {', '.join(query.tags)}." if query.tags else ""
    return f"{query.description}{tags}\n\n```sparql\n{query.body}\n```"


def _endpoint(query: CatalogueQuery) -> Callable[..., Any]:
    """A handler whose signature declares the query's parameters, so FastAPI documents them."""

    async def run(request: Request, executor: ExecutorDep, **kwargs: Any) -> Response:
        format = kwargs.pop("format")
        _refuse_unknown(query, request)
        values = {p.name: _as_text(kwargs[_python_name(p)]) for p in query.parameters}
        try:
            bindings = query.bind(values)
        except ParameterError as error:
            raise HTTPException(422, str(error)) from None
        media_type = _negotiate(format, request.headers.get("accept"))
        try:
            result = await executor.select(query.sparql, bindings)
        except (QueryTimeout, ServiceBusy, ResultTooLarge) as error:
            raise HTTPException(_EXECUTOR_STATUS[type(error)], f"{query.name}: {error}") from None
        if media_type == CSV:
            return Response(
                _csv(result), media_type="text/csv; charset=utf-8",
                headers={"Content-Disposition": f'inline; filename="{query.name}.csv"'},
            )
        return JSONResponse({
            "query": query.name,
            "title": query.title,
            "parameters": {name: term.value for name, term in bindings.items()},
            "variables": result.variables,
            "count": len(result.rows),
            "rows": rows_as_json(result),
        })

    parameters = [
        inspect.Parameter("request", inspect.Parameter.KEYWORD_ONLY, annotation=Request),
        inspect.Parameter("executor", inspect.Parameter.KEYWORD_ONLY, annotation=ExecutorDep),
    ]
    for parameter in query.parameters:
        parameters.append(inspect.Parameter(
            _python_name(parameter), inspect.Parameter.KEYWORD_ONLY,
            annotation=Annotated[str | None, _query_param(parameter)],
            default=inspect.Parameter.empty if parameter.required else _typed_default(parameter),
        ))
    parameters.append(inspect.Parameter(
        "format", inspect.Parameter.KEYWORD_ONLY,
        annotation=Annotated[Literal["json", "csv"] | None, Query(
            description="Answer as JSON (the default) or CSV; overrides the Accept header.",
        )],
        default=None,
    ))
    run.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    run.__name__ = f"run_{query.name}"
    run.__doc__ = query.description
    return run


def _python_name(parameter: QueryParameter) -> str:
    """A Python name that cannot collide with the handler's own arguments or keywords."""
    return f"param_{parameter.name}"


def _query_param(parameter: QueryParameter) -> Any:
    """The FastAPI ``Query`` of a parameter: alias, description, example, typed schema."""
    schema = dict(_SCHEMAS[parameter.type])
    schema["examples"] = [_typed(parameter, parameter.example)]
    description = f"{parameter.description} ({parameter.type}: {parameter.type_description})"
    if not parameter.required and parameter.default is None:
        description += " Optional."

    def replace_schema(generated: dict[str, Any]) -> None:
        # the handler takes text (bind checks it); the document states the parameter's own type
        generated.clear()
        generated.update(schema, title=parameter.name)

    return Query(
        alias=parameter.name,
        description=description,
        openapi_examples={"example": {"summary": "example", "value": _typed(parameter, parameter.example)}},
        json_schema_extra=replace_schema,
    )


def _typed_default(parameter: QueryParameter) -> Any:
    """The handler's default: the header's, typed so that OpenAPI shows it as such."""
    return None if parameter.default is None else _typed(parameter, parameter.default)


def _as_text(value: Any) -> str | None:
    """A request value (text) or a typed default back to the text bind() reads."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _typed(parameter: QueryParameter, value: str) -> Any:
    """A header value as the JSON type its schema declares."""
    if parameter.type == "integer":
        return int(value)
    if parameter.type == "decimal":
        return float(value)
    if parameter.type == "boolean":
        return value.lower() in ("true", "1")
    return value


def _refuse_unknown(query: CatalogueQuery, request: Request) -> None:
    """422 for a misspelt or repeated parameter, rather than silently running a wider query."""
    known = {p.name for p in query.parameters} | {"format"}
    for name in request.query_params:
        if name not in known:
            expected = ", ".join(sorted(known - {"format"})) or "no parameters"
            raise HTTPException(422, f"{query.name}: {name!r} is not a parameter of this query; it takes: {expected}")
        if len(request.query_params.getlist(name)) > 1:
            raise HTTPException(422, f"{query.name}: parameter {name!r} is given more than once; give it once")


def _negotiate(format: str | None, accept: str | None) -> str:
    """JSON or CSV: ``format`` wins; else the Accept header's preference; 406 if neither fits."""
    if format == "csv":
        return CSV
    if format == "json" or not accept:
        return JSON
    json_q = csv_q = 0.0
    json_specific = csv_specific = -1
    for item in accept.split(","):
        media, *params = [part.strip() for part in item.split(";")]
        media = media.lower()
        quality = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    quality = 0.0
        for target, mine in ((JSON, "json"), (CSV, "csv")):
            specificity = _matches(media, target)
            if specificity < 0:
                continue
            if mine == "json" and specificity > json_specific:
                json_q, json_specific = quality, specificity
            if mine == "csv" and specificity > csv_specific:
                csv_q, csv_specific = quality, specificity
    if json_q == 0 and csv_q == 0:
        raise HTTPException(406, "this endpoint answers application/json or text/csv; ask for one of them in Accept")
    return CSV if csv_q > json_q else JSON


def _matches(media: str, target: str) -> int:
    """How specifically an Accept media range matches ``target``: 2 exact, 1 type/*, 0 */*, -1 no."""
    if media == target:
        return 2
    if media == target.split("/")[0] + "/*":
        return 1
    if media == "*/*":
        return 0
    return -1


def _csv(result: SelectResult) -> str:
    """RFC 4180 CSV: a header of variables, each term's lexical value (SPARQL 1.1 CSV style)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(result.variables)
    for row in result.rows:
        writer.writerow([row[v].value if v in row else "" for v in result.variables])
    return buffer.getvalue()


def __getattr__(name: str) -> APIRouter:
    """``router`` is built afresh from the catalogue each time an app includes it."""
    if name == "router":
        return build_router()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["build_router"]
