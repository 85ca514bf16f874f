"""Fuzz the whole OpenAPI surface with schemathesis: no 5xx, and every error a problem document.

Schemathesis reads the app's OpenAPI document (the one ``/openapi.json`` serves) and, for each
operation of it, lets
Hypothesis generate requests that fit the schema and requests that break it (wrong types,
missing parameters, strings of any Unicode). Examples are bounded and derandomised, so the
run takes a couple of minutes and fails the same way twice. After every case the service
must still answer ``/health``.
"""

from __future__ import annotations

import httpx
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode

from .conftest import Server

MAX_EXAMPLES = 10


def _schema():
    """The app's OpenAPI document, made in-process (no store needed), so the cases exist at collection."""
    from clusterkg.api.app import create_app

    loaded = schemathesis.openapi.from_dict(create_app().openapi())
    loaded.config.generation.update(modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
    return loaded


schema = _schema()


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_no_server_errors_and_every_error_is_a_problem_document(case, server: Server) -> None:
    response = case.call(base_url=server.url, timeout=60)
    where = f"{case.method} {case.formatted_path} {case.query or ''} -> {response.status_code}: {response.text[:300]}"
    assert response.status_code < 500, where
    content_type = response.headers.get("content-type") or [""]
    content_type = content_type[0] if isinstance(content_type, list) else content_type
    if response.status_code >= 400 and not content_type.startswith("text/html"):
        # A browser that asked for a page gets a page (a linked-data 404 with suggestions); anything else a problem.
        assert content_type.startswith("application/problem+json"), where
        problem = response.json()
        assert problem["status"] == response.status_code, where
        assert problem["title"] and problem["detail"] and problem["type"], where
    assert httpx.get(server.url + "/health", timeout=10).status_code == 200
