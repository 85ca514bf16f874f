"""Starting and stopping: a held store is a clear one-line error, SIGTERM stops cleanly, /ready means ready."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from .conftest import TOKENS, start_service, stop_service, wait_for_exit_of_children

_HOLD = """
import sys, time
import pyoxigraph as ox
store = ox.Store(sys.argv[1])
print("holding", flush=True)
time.sleep(120)
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_serving_the_write_api_on_a_store_another_process_holds_fails_at_once_in_one_line(private_store: Path) -> None:
    holder = subprocess.Popen([sys.executable, "-c", _HOLD, str(private_store)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "holding"
        environment = dict(os.environ, CLUSTERKG_ADMIN_TOKENS=json.dumps(TOKENS))
        started = time.monotonic()
        completed = subprocess.run(
            [sys.executable, "-m", "clusterkg", "serve", "--store", str(private_store), "--port", str(_free_port())],
            capture_output=True, text=True, env=environment, timeout=60,
        )
        assert time.monotonic() - started < 30  # no waiting on the lock
        assert completed.returncode == 2
        lines = completed.stderr.strip().splitlines()
        assert len(lines) == 1, completed.stderr
        assert lines[0].startswith("error: ") and "locked" in lines[0] and "stop the other" in lines[0]
    finally:
        holder.kill()
        holder.wait()


def test_without_the_write_api_the_service_needs_no_lock(private_store: Path, tmp_path: Path) -> None:
    holder = subprocess.Popen([sys.executable, "-c", _HOLD, str(private_store)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "holding"
        service = start_service(private_store, tmp_path / "service.log", query_workers="1", sparql_workers="0")
        try:
            body = httpx.get(service.url + "/ready").json()
            assert body["status"] == "ready" and body["writable"] is False
        finally:
            stop_service(service)
    finally:
        holder.kill()
        holder.wait()


def test_sigterm_stops_the_service_and_its_workers(private_store: Path, tmp_path: Path) -> None:
    service = start_service(private_store, tmp_path / "service.log", admin_tokens=TOKENS,
                            query_workers="2", sparql_workers="1")
    pid = service.process.pid
    assert httpx.get(service.url + "/ready").json() == {"status": "ready", "writable": True, "generation": 0}
    assert len(wait_for_exit_of_children(pid, timeout=0)) >= 3  # the query workers of both lanes
    snapshots = private_store.with_name(private_store.name + ".snapshots")
    assert snapshots.is_dir()
    started = time.monotonic()
    # uvicorn shuts down (lifespan included), then re-raises the signal it caught.
    assert stop_service(service, signal.SIGTERM) in (0, -signal.SIGTERM)
    assert time.monotonic() - started < 15
    assert wait_for_exit_of_children(pid) == []
    assert not snapshots.exists()  # the writer removed its snapshots
    # The lock was released: the store opens for writing at once.
    import pyoxigraph as ox

    ox.Store(str(private_store))


def test_health_ready_and_metrics(private_store: Path, tmp_path: Path) -> None:
    service = start_service(private_store, tmp_path / "service.log", query_workers="1", sparql_workers="1",
                            query_timeout="2")
    try:
        assert httpx.get(service.url + "/health").json() == {"status": "ok"}
        assert httpx.get(service.url + "/ready").status_code == 200
        runaway = httpx.get(service.url + "/sparql", timeout=30, params={
            "query": "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"})
        assert runaway.status_code == 503
        metrics = httpx.get(service.url + "/metrics").text
        assert "clusterkg_query_timeouts_total 1.0" in metrics
        assert 'clusterkg_http_requests_total{method="GET",route="/sparql",status="503"} 1.0' in metrics
        assert re.search(r'clusterkg_http_request_duration_seconds_bucket\{[^}]*route="/health"[^}]*\} 1\.0', metrics)
        assert 'clusterkg_query_workers{lane="public",state="idle"}' in metrics
        # Paths no route matched share one label: a crawler cannot grow the label set.
        for path in ("/nothing-1", "/nothing-2"):
            httpx.get(service.url + path)
        metrics = httpx.get(service.url + "/metrics").text
        assert 'route="unmatched",status="404"} 2.0' in metrics
        assert "/nothing-1" not in metrics
    finally:
        stop_service(service)


def test_logs_are_json_lines_carrying_the_request_id(private_store: Path, tmp_path: Path) -> None:
    service = start_service(private_store, tmp_path / "service.log", query_workers="1", sparql_workers="0")
    try:
        response = httpx.get(service.url + "/api/search", params={"q": "apulia"}, headers={"X-Request-ID": "trace-42"})
        assert response.headers["x-request-id"] == "trace-42"
        generated = httpx.get(service.url + "/health").headers["x-request-id"]
        assert len(generated) == 32
        hostile = httpx.get(service.url + "/health", headers={"X-Request-ID": ("a b\u00e9" * 50).encode("latin-1")})
        assert hostile.headers["x-request-id"] != "a b\u00e9" * 50  # replaced, not echoed
    finally:
        stop_service(service)
    access = [line for line in service.log_lines() if line.get("event") == "access"]
    traced = [line for line in access if line.get("request_id") == "trace-42"]
    assert traced and traced[0]["route"] == "/api/search" and traced[0]["status"] == 200
    assert all({"time", "level", "logger", "message", "duration_ms"} <= set(line) for line in access)
