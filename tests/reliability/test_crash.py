"""Crash consistency: SIGKILL in the middle of a write or an import, restart, and find the old or the new state.

Never a mix: the graph holds exactly the old document or exactly the new one, and its provenance
says the same (the graph changed if and only if the write's ``prov:Activity`` is there, since both
are one transaction). Every write acknowledged before the crash is still there, and no staging
graph of the killed write survives the restart.

The kill points: while the write is still being validated; as soon as the server logs
``write.staged`` (the staging transaction has committed, the swap starts), 20 and 100 ms later
(inside the swap, which takes a few hundred milliseconds for this write); and as soon as it logs
``write.committed`` (the swap is done, the snapshot and the audit line may not be). For an import (``clusterkg import``, a separate
process), as soon as its staging graph is visible to a read-only observer.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from clusterkg.config import SHARED_REAL_DIR
from clusterkg.iris import STAGING_PREFIX

from .conftest import TOKENS, Service, start_service, stop_service, wait_for_exit_of_children

ID = "https://w3id.org/clusterkg/id/organisation/"
GRAPH = "https://w3id.org/clusterkg/graph/"
PREFIXES = """@prefix ckg: <https://w3id.org/clusterkg/ontology#> .
@prefix voc: <https://w3id.org/clusterkg/vocab/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix src: <https://w3id.org/clusterkg/source/> .
@prefix nuts: <http://data.europa.eu/nuts/code/> .
"""
SETTINGS = {"admin_tokens": TOKENS, "query_workers": "1", "sparql_workers": "0", "max_upload_bytes": "5000000"}


def organisations(prefix: str, count: int) -> str:
    return PREFIXES + "".join(
        f"""<{ID}{prefix}-{i}> a ckg:ClusterOrganisation ; skos:prefLabel "{prefix} {i}"@en ;
    ckg:organisationType voc:orgtype-cluster ; ckg:locatedIn nuts:ITF4 ;
    dcterms:source src:easme-cos-clustpartn-2017-3-02 .
""" for i in range(count))


def write(service: Service, name: str, body: str, method: str = "PUT") -> httpx.Response:
    return httpx.request(method, f"{service.url}/api/admin/graphs/{name}", content=body, timeout=300,
                         headers=service.headers(**{"Content-Type": "text/turtle"}))


def stored(service: Service, name: str) -> Graph:
    response = httpx.get(f"{service.url}/api/admin/graphs/{name}", headers=service.headers(), timeout=60)
    graph = Graph()
    if response.status_code == 200:
        graph.parse(data=response.text, format="turtle")
    return graph


def activity_count(service: Service, name: str) -> int:
    query = f"""PREFIX prov: <http://www.w3.org/ns/prov#> SELECT (COUNT(?a) AS ?n) WHERE {{
        GRAPH <{GRAPH}catalog> {{ ?a prov:generated <{GRAPH}{name}> }} }}"""
    response = httpx.get(service.url + "/sparql", params={"query": query},
                         headers={"Accept": "application/sparql-results+json"}, timeout=30)
    return int(response.json()["results"]["bindings"][0]["n"]["value"])


def kill_when_logged(service: Service, event: str, delay: float, offset: int, timeout: float = 120) -> bool:
    """SIGKILL the service ``delay`` s after it logs ``event`` (after byte ``offset`` of its log); False if it never did."""
    needle = f'"event": "{event}"'.encode()
    deadline = time.monotonic() + timeout
    with service.log.open("rb") as log:
        while time.monotonic() < deadline:
            log.seek(offset)
            if needle in log.read():
                if delay:
                    time.sleep(delay)
                service.process.send_signal(signal.SIGKILL)
                service.process.wait(30)
                return True
            time.sleep(0.0005)
    return False


@pytest.mark.parametrize("kill_at", ["validating", "staged", "staged+20ms", "staged+100ms", "committed"])
def test_a_write_killed_midway_leaves_the_old_or_the_new_graph(private_store: Path, tmp_path: Path, kill_at: str) -> None:
    log = tmp_path / "service.log"
    service = start_service(private_store, log, **SETTINGS)
    try:
        # Writes acknowledged before the crash.
        earlier = organisations("earlier", 3)
        assert write(service, "crash-earlier", earlier).status_code == 201
        assert write(service, "crash-earlier-add", organisations("added", 2), method="POST").status_code == 201
        old = organisations("old", 5)
        assert write(service, "crash-target", old).status_code == 201
        new = organisations("new", 400)
        offset = log.stat().st_size

        # The write to kill, from another process so the kill does not wait on our connection.
        client = subprocess.Popen([sys.executable, "-c", _CLIENT, service.url, TOKENS["alice"]],
                                  stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client.stdin.write(new.encode())
        client.stdin.close()
        event, _, delay = kill_at.partition("+")
        seconds = float(delay.removesuffix("ms")) / 1000 if delay else 0.0
        assert kill_when_logged(service, f"write.{event}", seconds, offset), f"the write never reached write.{event}"
        client.wait(60)
        assert wait_for_exit_of_children(service.process.pid) == []  # the workers died with the server
    finally:
        stop_service(service, signal.SIGKILL)

    # Restart over the same store: the lock is free again and the store opens.
    service = start_service(private_store, log, **SETTINGS)
    try:
        target = stored(service, "crash-target")
        is_old = isomorphic(target, Graph().parse(data=old, format="turtle"))
        is_new = isomorphic(target, Graph().parse(data=new, format="turtle"))
        assert is_old or is_new, f"a mix of {len(target)} triples"
        # The provenance agrees with the graph: one transaction decided both.
        assert activity_count(service, "crash-target") == (2 if is_new else 1)
        if kill_at == "validating":
            assert is_old
        if kill_at == "committed":
            assert is_new
        # Every acknowledged write is there.
        assert isomorphic(stored(service, "crash-earlier"), Graph().parse(data=earlier, format="turtle"))
        assert len(stored(service, "crash-earlier-add")) == 10
        # The killed write's staging graphs were dropped when the writer opened the store.
        assert not service.ask(f'ASK {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(STRSTARTS(STR(?g), "{STAGING_PREFIX}")) }}')
        # And the store takes writes again.
        assert write(service, "crash-after", organisations("after", 1)).status_code == 201
    finally:
        stop_service(service)


_CLIENT = """
import sys, httpx
body = sys.stdin.buffer.read()
try:
    httpx.put(sys.argv[1] + "/api/admin/graphs/crash-target", content=body, timeout=300,
              headers={"Authorization": "Bearer " + sys.argv[2], "Content-Type": "text/turtle"})
except httpx.HTTPError:
    pass
"""


def _open_read_only(path: Path) -> ox.Store | None:
    try:
        return ox.Store.read_only(str(path))
    except OSError:  # the importer is compacting files away as we open: look again
        return None


INTERREG = SHARED_REAL_DIR / "interreg-se-partners-2021-2027.json"


@pytest.mark.skipif(not INTERREG.is_file(), reason=f"needs {INTERREG}")
def test_an_import_killed_midway_leaves_the_old_or_the_new_graph(private_store: Path) -> None:
    from clusterkg.cli import app as cli_app

    if "import" not in {command.name for command in cli_app.registered_commands}:
        pytest.skip("no 'clusterkg import' command in this version")
    graph = ox.NamedNode(GRAPH + "import/interreg-se-partners-2021-2027")
    before = ox.Store.read_only(str(private_store))
    calls_before = sum(1 for _ in before.quads_for_pattern(None, None, None, ox.NamedNode(GRAPH + "calls")))
    catalog_before = sum(1 for _ in before.quads_for_pattern(None, None, None, ox.NamedNode(GRAPH + "catalog")))
    del before

    process = subprocess.Popen([sys.executable, "-m", "clusterkg", "import", "interreg", str(INTERREG),
                                "--store", str(private_store)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    killed = False
    deadline = time.monotonic() + 600
    while process.poll() is None and time.monotonic() < deadline:
        observer = _open_read_only(private_store)
        if observer is not None:
            staged = any(g.value.startswith(STAGING_PREFIX) for g in observer.named_graphs() if isinstance(g, ox.NamedNode))
            del observer
            if staged:
                process.send_signal(signal.SIGKILL)
                killed = True
                break
        time.sleep(0.02)
    process.wait(60)

    after = ox.Store(str(private_store))  # opens read-write: RocksDB replays its log
    triples = sum(1 for _ in after.quads_for_pattern(None, None, None, graph))
    described = any(True for _ in after.quads_for_pattern(graph, None, None, ox.NamedNode(GRAPH + "catalog")))
    staging = [g.value for g in after.named_graphs() if isinstance(g, ox.NamedNode) and g.value.startswith(STAGING_PREFIX)]
    calls_after = sum(1 for _ in after.quads_for_pattern(None, None, None, ox.NamedNode(GRAPH + "calls")))
    del after
    if not killed:
        assert process.returncode == 0, process.stderr.read().decode()[-2000:]
    # Old (no graph, no catalogue entry) or new (the whole graph, described): never a part.
    assert (triples == 0 and not described) or (triples > 20_000 and described), (triples, described)
    assert calls_after == calls_before
    # Staging graphs an interrupted import left are dropped by the next writer (a service with the write API).
    if staging:
        service = start_service(private_store, private_store.with_name("service.log"), **SETTINGS)
        try:
            assert not service.ask(f'ASK {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(STRSTARTS(STR(?g), "{STAGING_PREFIX}")) }}')
            count = service.ask(f"ASK {{ GRAPH <{graph.value}> {{ ?s ?p ?o }} }}")
            assert count == (triples > 0)
        finally:
            stop_service(service)
    assert catalog_before > 0
