"""Operating the service: request ids, JSON logs, Prometheus metrics, health and readiness.

- Every request gets an id: the client's ``X-Request-ID`` when it is a plain token (up to
  128 letters, digits and ``.-_:``), otherwise a new one. The response echoes it, every log
  line written while the request runs carries it, and so does the audit log of a write.
- Logs are JSON lines on standard error (``JsonFormatter``): time, level, logger, message,
  request id and the record's extra fields; one ``access`` line per request with method,
  route, status and duration. ``logging_config()`` is the same for uvicorn's own loggers.
- ``GET /metrics`` speaks the Prometheus text format: requests by method, route template and
  status; a latency histogram by method and route; the executor's time-outs, workers and
  snapshot generation; writes by operation and outcome. Route *templates* (``/id/{path}``),
  not paths, so a crawler cannot grow the label set; a request no route matched counts as
  ``unmatched``.
- ``GET /health``: the process answers. ``GET /ready``: the store is open and a trivial ASK
  came back through the executor's workers within a few seconds; 503 otherwise, so a load
  balancer sends no traffic to a service that cannot answer queries.
- An exception no handler expected is logged with its traceback and answered 500 with a
  problem document naming the request id: a traceback never reaches the client.
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import logging
import re
import time
import traceback
import uuid
from datetime import datetime, timezone

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CollectorRegistry, Counter, Histogram, disable_created_metrics, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .problems import problem

log = logging.getLogger("clusterkg.access")
errors = logging.getLogger("clusterkg.errors")

REQUEST_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
_VALID_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
READY_TIMEOUT = 5.0  # seconds /ready waits for the trivial query
disable_created_metrics()  # no *_created series: they double the exposition for nothing a dashboard uses

# ---------------------------------------------------------------- logs

_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime", "taskName", "color_message"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request_id and the record's extras."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None) or REQUEST_ID.get()
        if request_id:
            entry["request_id"] = request_id
        for key, value in vars(record).items():
            if key not in _STANDARD and key not in entry and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["error"] = "".join(traceback.format_exception(*record.exc_info)).rstrip()
        return json.dumps(entry, ensure_ascii=False, default=str)


def logging_config(level: str = "INFO") -> dict:
    """A ``logging.config.dictConfig`` for the service and uvicorn: JSON lines on stderr.

    uvicorn's access log is off: the middleware's ``access`` lines carry the request id and the
    route template besides what uvicorn's would.
    """
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": f"{__name__}.JsonFormatter"}},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}},
        "loggers": {
            "clusterkg": {"handlers": ["stderr"], "level": level, "propagate": False},
            "uvicorn": {"handlers": ["stderr"], "level": level, "propagate": False},
            "uvicorn.error": {"handlers": ["stderr"], "level": level, "propagate": False},
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
        },
    }


def configure_logging(level: str = "INFO") -> None:
    """Apply ``logging_config`` unless the clusterkg logger already has a handler (the host configured it)."""
    import logging.config

    if not logging.getLogger("clusterkg").handlers:
        logging.config.dictConfig(logging_config(level.upper()))


# ---------------------------------------------------------------- metrics


class _ExecutorCollector:
    """Reads the app's executor and writer at scrape time (they live in ``app.state``)."""

    def __init__(self, state: object) -> None:
        self.state = state

    def describe(self):  # no metrics known before the first scrape: collect() is cheap
        return []

    def collect(self):
        executor = getattr(self.state, "executor", None)
        timeouts = CounterMetricFamily(
            "clusterkg_query_timeouts", "Queries stopped at the time limit (their worker was ended)."
        )
        timeouts.add_metric([], float(getattr(executor, "timeouts", 0)))
        yield timeouts
        if executor is not None:
            workers = GaugeMetricFamily(
                "clusterkg_query_workers", "Query worker processes, by lane and state.", labels=["lane", "state"]
            )
            for lane in executor._lanes():
                workers.add_metric([lane.name, "busy"], float(len(lane.busy)))
                workers.add_metric([lane.name, "idle"], float(len(lane.idle)))
            yield workers
            generation = GaugeMetricFamily(
                "clusterkg_store_generation", "Writes the query workers have been refreshed for since start."
            )
            generation.add_metric([], float(getattr(executor, "generation", 0)))
            yield generation


class Metrics:
    """The app's Prometheus registry (one per app, so tests can create many apps)."""

    def __init__(self, state: object) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "clusterkg_http_requests", "HTTP requests answered, by method, route template and status.",
            ["method", "route", "status"], registry=self.registry,
        )
        self.latency = Histogram(
            "clusterkg_http_request_duration_seconds", "Time to answer, by method and route template.",
            ["method", "route"], registry=self.registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
        )
        self.writes = Counter(
            "clusterkg_writes", "Writes through the admin API, by operation and outcome.",
            ["operation", "outcome"], registry=self.registry,
        )
        self.registry.register(_ExecutorCollector(state))

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


# ---------------------------------------------------------------- the middleware


def route_template(scope: Scope, status: int) -> str:
    """The matched route's path template; for a mounted app (static files) its prefix; else ``unmatched``.

    FastAPI records the route in the scope for its own routes only; the few others that answer
    (``/openapi.json``, the static mounts) are named by their fixed path or mount prefix. Errors
    without a route all count as ``unmatched``, so no request can add a label value of its own.
    """
    route = scope.get("route")
    path = getattr(route, "path", None) or getattr(route, "path_format", None)
    if isinstance(path, str) and path:
        return path
    if status >= 400:
        return "unmatched"
    root, app_root = scope.get("root_path", ""), scope.get("app_root_path", scope.get("root_path", ""))
    if root != app_root:
        return root.removeprefix(app_root) + "/{path}"
    return scope.get("path") or "unmatched"


class ObservabilityMiddleware:
    """Request id, access log, metrics, and a problem document for unexpected errors."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        supplied = dict(scope.get("headers") or []).get(b"x-request-id", b"").decode("latin-1")
        request_id = supplied if _VALID_ID.match(supplied) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        token = REQUEST_ID.set(request_id)
        started = time.perf_counter()
        status = {"code": 500, "sent": False}

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"], status["sent"] = message["status"], True
                MutableHeaders(scope=message)["X-Request-ID"] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            errors.exception("unexpected error answering %s %s", scope.get("method"), scope.get("path"),
                             extra={"event": "request.failed"})
            if not status["sent"]:
                response = problem(
                    500,
                    f"an unexpected error happened; it has been logged with request id {request_id}: "
                    "please report it with that id",
                    request_id=request_id,
                )
                await response(scope, receive, send_with_id)
        finally:
            seconds = time.perf_counter() - started
            route, method = route_template(scope, status["code"]), scope.get("method", "")
            self.metrics.requests.labels(method, route, str(status["code"])).inc()
            self.metrics.latency.labels(method, route).observe(seconds)
            log.info(
                "%s %s %s", method, scope.get("path"), status["code"],
                extra={"event": "access", "method": method, "path": scope.get("path"), "route": route,
                       "status": status["code"], "duration_ms": round(seconds * 1000, 2)},
            )
            REQUEST_ID.reset(token)


# ---------------------------------------------------------------- health, readiness, metrics

router = APIRouter(tags=["operations"])


@router.get("/health", operation_id="health", summary="The process is alive")
async def health() -> dict[str, str]:
    """200 while the process answers HTTP; says nothing about the store (see /ready)."""
    return {"status": "ok"}


@router.get(
    "/ready", operation_id="ready", summary="The service can answer queries",
    responses={503: {"description": "The store is not open or the query workers do not answer."}},
)
async def ready(request: Request) -> Response:
    """200 when the store is open and a trivial ASK comes back through the query workers."""
    executor = getattr(request.app.state, "executor", None)
    if executor is None:
        return problem(503, "the service is starting or stopping: the store is not open")
    try:
        await asyncio.wait_for(executor.ask("ASK {}"), READY_TIMEOUT)
    except Exception as error:  # any failure means "not ready"; the reason goes to the client and the log
        reason = "no answer within %g s" % READY_TIMEOUT if isinstance(error, TimeoutError) else str(error) or type(error).__name__
        errors.warning("not ready: %s", reason, extra={"event": "ready.failed"})
        return problem(503, f"the query workers do not answer: {reason}")
    writer = getattr(request.app.state, "writer", None)
    return JSONResponse({"status": "ready", "writable": writer is not None, "generation": executor.generation})


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request) -> Response:
    """Prometheus text exposition of the app's registry."""
    return Response(request.app.state.metrics.exposition(), media_type=CONTENT_TYPE_LATEST)


def install(app) -> None:  # noqa: ANN001 - a FastAPI app
    """Add the middleware, the metrics registry and the routes to ``app``."""
    app.state.metrics = Metrics(app.state)
    app.add_middleware(ObservabilityMiddleware, metrics=app.state.metrics)
    app.include_router(router)


__all__ = ["JsonFormatter", "Metrics", "REQUEST_ID", "configure_logging", "install", "logging_config", "router"]
