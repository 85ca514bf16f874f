"""Every error the service answers is an RFC 9457 problem document (``application/problem+json``).

https://www.rfc-editor.org/rfc/rfc9457 — section numbers below refer to it. A problem has
``type`` (a URI; ``about:blank`` when the HTTP status says it all, §4.2.1), ``title`` (the
status phrase for ``about:blank``), ``status`` and ``detail`` (what went wrong with *this*
request and what to do next, §3.1.4). Extension members carry what a program needs, such as
the validation report of a refused write or the list of invalid request fields.

The SPARQL router builds its own problem documents (its ``Problem``, with the SPARQL 1.1
Protocol's types); this module turns what FastAPI and Starlette raise into the same shape:
``HTTPException`` (404, 405, 406, the routers' own 4xx) and ``RequestValidationError``
(a query parameter of the wrong type). Errors no handler expected are answered by
``observability``'s middleware, which also logs them.
"""

from __future__ import annotations

from http import HTTPStatus

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

MEDIA_TYPE = "application/problem+json"


def title_of(status: int) -> str:
    """The HTTP status phrase (RFC 9110 §15), the title of an ``about:blank`` problem."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def problem(
    status: int,
    detail: str,
    *,
    title: str | None = None,
    type: str = "about:blank",
    headers: dict[str, str] | None = None,
    **extra: object,
) -> JSONResponse:
    """A problem document response; ``extra`` members are added beside the standard ones (§3.2)."""
    body: dict[str, object] = {"type": type, "title": title or title_of(status), "status": status, "detail": detail}
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


async def http_exception_handler(request: Request, error: StarletteHTTPException) -> JSONResponse:
    """An ``HTTPException`` as a problem; its detail, when the router gave one, is the message.

    A router may raise the problem's members as a dict (``{"title": ..., "detail": ..., ...}``);
    they are kept, ``status`` excepted, which is the exception's.
    """
    extra: dict[str, object] = {}
    if isinstance(error.detail, dict) and isinstance(error.detail.get("detail"), str):
        extra = {k: v for k, v in error.detail.items() if k not in ("status", "detail")}
        detail = error.detail["detail"]
    else:
        detail = error.detail if isinstance(error.detail, str) and error.detail else None
    if detail is None or detail == title_of(error.status_code):
        detail = _default_detail(request, error.status_code)
    return problem(error.status_code, detail, headers=dict(error.headers or {}), **extra)


def _default_detail(request: Request, status: int) -> str:
    """A message for the statuses Starlette raises without one."""
    if status == 404:
        return f"nothing at {request.url.path}: see / for the pages and /docs for the API"
    if status == 405:
        return f"{request.method} is not allowed on {request.url.path}; the Allow header lists the methods that are"
    return title_of(status)


async def validation_exception_handler(request: Request, error: RequestValidationError) -> JSONResponse:
    """422 for request values of the wrong type or out of range, naming each field and why."""
    errors = [
        {"location": _location(item.get("loc", ())), "message": str(item.get("msg", "invalid value"))}
        for item in error.errors()
    ]
    detail = "; ".join(f"{e['location']}: {e['message']}" for e in errors) or "the request is invalid"
    return problem(422, f"{detail}; see /docs for what this operation takes", errors=errors)


def _location(loc: tuple | list) -> str:
    """FastAPI's error location as words: ('query', 'limit') -> "query parameter 'limit'"."""
    parts = [str(part) for part in loc]
    if not parts:
        return "request"
    where, *names = parts
    if where in ("query", "path", "header", "cookie"):
        return f"{where} parameter {'.'.join(names)!r}" if names else f"{where} parameters"
    if where == "body":
        return f"body field {'.'.join(names)!r}" if names else "body"
    return ".".join(parts)


def install(app: FastAPI) -> None:
    """Register the handlers on ``app``."""
    app.add_exception_handler(StarletteHTTPException, http_exception_handler)
    app.add_exception_handler(RequestValidationError, validation_exception_handler)


__all__ = ["MEDIA_TYPE", "install", "problem", "title_of"]
