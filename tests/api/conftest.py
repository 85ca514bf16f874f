"""Real servers for the API tests: uvicorn in a subprocess on a free loopback port, real HTTP.

``server`` serves the store built from the project's sources (``built_store``) with a short
time limit and a small result limit, so the limits can be shown quickly; ``w3c_server``
serves a store holding the W3C SPARQL 1.1 Protocol test data in the graphs the manifest names.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import RDFS

from clusterkg.config import ROOT
from clusterkg.store import GraphStore

W3C_DIR = ROOT.parent / "shared" / "w3c" / "sparql11-protocol"  # beside the project, as ../shared
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")

TIME_LIMIT = 3.0
MAX_RESULTS = 5_000

# Bind a socket here and hand it to uvicorn, so no other process can take the port between
# choosing it and listening on it.
_LAUNCH = """
import socket, sys
import uvicorn
from clusterkg.api.app import create_app

sock = socket.socket(fileno=int(sys.argv[1]))
uvicorn.Server(uvicorn.Config(create_app(), log_level="warning")).run(sockets=[sock])
"""


@dataclass
class Server:
    """A running service: its base URL and its SPARQL endpoint."""

    url: str
    process: subprocess.Popen

    @property
    def endpoint(self) -> str:
        return self.url + "/sparql"


def start_server(store: Path, **settings: object) -> Server:
    """Start ``clusterkg``'s app over ``store`` with ``settings`` (as CLUSTERKG_* variables); wait until it answers."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    environment = dict(os.environ, CLUSTERKG_STORE=str(store))
    for name, value in settings.items():
        value = value(url) if callable(value) else value
        environment[f"CLUSTERKG_{name.upper()}"] = value if isinstance(value, str) else json.dumps(value)
    process = subprocess.Popen(
        [sys.executable, "-c", _LAUNCH, str(sock.fileno())], pass_fds=[sock.fileno()], env=environment
    )
    sock.close()
    server = Server(url, process)
    deadline = time.monotonic() + 60
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"the test server exited with code {process.returncode}")
        try:
            if httpx.get(server.endpoint, params={"query": "ASK {}"}, timeout=5).status_code == 200:
                return server
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            stop_server(server)
            raise RuntimeError("the test server did not answer within 60 s")
        time.sleep(0.2)


def stop_server(server: Server) -> None:
    """Stop the server the way an operator would (SIGTERM), so it stops its workers."""
    server.process.terminate()
    try:
        server.process.wait(15)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()


@pytest.fixture(scope="session")
def server(built_store: Path) -> Iterator[Server]:
    """The service over the built store; SERVICE may call this server's own endpoint only."""
    running = start_server(
        built_store,
        query_timeout=str(TIME_LIMIT),
        max_results=str(MAX_RESULTS),
        query_workers="2",
        sparql_service_allowlist=lambda url: [url + "/sparql"],
    )
    yield running
    stop_server(running)


def load_w3c_store(path: Path, manifest: Graph) -> Path:
    """A store holding each ut:graphData file of the manifest in the graph its label names."""
    store = GraphStore(path)
    seen = set()
    for data in manifest.objects(None, UT.graphData):
        source, name = manifest.value(data, UT.graph), manifest.value(data, RDFS.label)
        if (source, name) in seen:
            continue
        seen.add((source, name))
        file = Path(str(source).removeprefix("file://"))
        graph = ox.NamedNode(str(name))
        store.load_quads(
            ox.Quad(q.subject, q.predicate, q.object, graph) for q in ox.parse(path=file, format=ox.RdfFormat.N_TRIPLES)
        )
    store.close()
    return path


@pytest.fixture(scope="session")
def w3c_manifest() -> Graph:
    """The W3C SPARQL 1.1 Protocol manifest, or a skip saying where it should be."""
    manifest = W3C_DIR / "manifest.ttl"
    if not manifest.is_file():
        pytest.skip(f"needs the W3C protocol tests in {W3C_DIR}")
    graph = Graph()
    graph.parse(manifest, format="turtle", publicID=URIRef(manifest.as_uri()))
    return graph


@pytest.fixture(scope="session")
def w3c_server(tmp_path_factory: pytest.TempPathFactory, w3c_manifest: Graph) -> Iterator[Server]:
    """A second server over the W3C protocol test data."""
    store = load_w3c_store(tmp_path_factory.mktemp("w3c") / "store", w3c_manifest)
    running = start_server(store, query_timeout="10", query_workers="2")
    yield running
    stop_server(running)
