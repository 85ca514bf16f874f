"""Real SPARQL servers for the backend tests: the Oxigraph server and OpenLink Virtuoso.

Each server is started once per session in a temporary directory, on free loopback ports,
and the project is built into it with ``clusterkg build --store sparql+http://...``, that is
through the remote backend's own write path. A missing server binary skips its tests with a
message saying how to install it (``make setup-test`` installs both).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from clusterkg.build import build
from clusterkg.remote import RemoteStore

#: The backends the tests run on besides the embedded store (tests/queries covers that one).
REMOTE_BACKENDS = ("oxigraph", "virtuoso")

START_TIMEOUT = 60.0
#: Oxigraph's own time limit, so a query the service gave up on does not run on for ever.
SERVER_TIMEOUT = 20


@dataclass
class RunningServer:
    """A SPARQL server started by the tests, and the clusterkg store URL that names it."""

    name: str
    store_url: str
    process: subprocess.Popen
    directory: Path


def free_port() -> int:
    """A loopback port nobody listens on now (the server binds it by itself a moment later)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(ready: Callable[[], bool], process: subprocess.Popen, what: str, log: Path | None = None) -> None:
    """Poll ``ready`` until it holds; fail with the server's log if it exits or takes too long."""
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        if process.poll() is not None:
            tail = log.read_text(errors="replace")[-2000:] if log and log.exists() else ""
            raise RuntimeError(f"{what} exited with code {process.returncode} while starting\n{tail}")
        try:
            if ready():
                return
        except (httpx.TransportError, OSError):
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not answer within {START_TIMEOUT:g} s")
        time.sleep(0.2)


def stop(process: subprocess.Popen) -> None:
    """SIGTERM, then SIGKILL if the server takes more than 15 s to stop."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# --- Oxigraph server ------------------------------------------------------------------------


def oxigraph_binary() -> str | None:
    """The ``oxigraph`` command of PyPI's ``oxigraph`` package: beside this Python, or on PATH."""
    beside = Path(sys.executable).parent / "oxigraph"
    return str(beside) if beside.is_file() else shutil.which("oxigraph")


def start_oxigraph(directory: Path) -> RunningServer:
    """``oxigraph serve`` with the union default graph, as the remote backend's default mode expects."""
    binary = oxigraph_binary()
    if binary is None:
        pytest.skip("the Oxigraph server is not installed: run 'make setup-test' (pip install oxigraph)")
    port = free_port()
    log = directory / "oxigraph.log"
    process = subprocess.Popen(
        [binary, "serve", "--location", str(directory / "data"), "--bind", f"127.0.0.1:{port}",
         "--union-default-graph", "--timeout-s", str(SERVER_TIMEOUT)],
        stdout=log.open("wb"), stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    wait_until(lambda: httpx.get(f"{base}/query", params={"query": "ASK {}"}, timeout=2).status_code == 200,
               process, "the Oxigraph server", log)
    return RunningServer("oxigraph", f"sparql+{base}/query?update=/update&gsp=/store", process, directory)


# --- Virtuoso -------------------------------------------------------------------------------

VIRTUOSO_INI = """\
[Database]
DatabaseFile = {dir}/virtuoso.db
ErrorLogFile = {dir}/virtuoso.log
LockFile = {dir}/virtuoso.lck
TransactionFile = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {dir}/virtuoso-temp.db
TransactionFile = {dir}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{isql_port}
DisableUnixSocket = 1
DisableTcpSocket = 0
MaxClientConnections = 10
CheckpointInterval = 60
CaseMode = 2
DirsAllowed = ., {dir}
NumberOfBuffers = 20000
MaxDirtyBuffers = 15000
ThreadsPerQuery = 2
; ORDER BY with LIMIT above this fails ("Sorted TOP clause"); the label index reads pages of 20,000
MaxSortedTopRows = 1000000

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {dir}
MaxClientConnections = 10
ServerThreads = 10
Charset = UTF-8

[SPARQL]
; above the service's result limit: Virtuoso cuts longer results silently
ResultSetMaxRows = 1000000
MaxQueryCostEstimationTime = 400
MaxQueryExecutionTime = {timeout}
"""


def virtuoso_binary() -> str | None:
    """Debian's ``virtuoso-t`` (package virtuoso-opensource-7-bin)."""
    return shutil.which("virtuoso-t")


def start_virtuoso(directory: Path) -> RunningServer:
    """A private Virtuoso in ``directory`` on free loopback ports; user dba, password dba.

    Queries go to the public ``/sparql`` and writes to the Graph Store endpoint
    ``/sparql-graph-crud-auth`` with digest authentication. ``dataset=catalog`` keeps
    Virtuoso's own system graphs (virtrdf:, ldp:) out of the answers.
    """
    binary = virtuoso_binary()
    if binary is None:
        pytest.skip("OpenLink Virtuoso is not installed: run 'make setup-test' "
                    "(apt-get install virtuoso-opensource-7-bin)")
    http_port, isql_port = free_port(), free_port()
    ini = directory / "virtuoso.ini"
    ini.write_text(VIRTUOSO_INI.format(dir=directory, http_port=http_port, isql_port=isql_port, timeout=SERVER_TIMEOUT))
    log = directory / "virtuoso.log"
    process = subprocess.Popen(
        [binary, "+foreground", "+configfile", str(ini)],
        cwd=directory, stdout=(directory / "stdout.log").open("wb"), stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{http_port}"
    wait_until(lambda: httpx.get(f"{base}/sparql", params={"query": "ASK {}"}, timeout=2).status_code == 200,
               process, "Virtuoso", log)
    url = f"sparql+http://dba:dba@127.0.0.1:{http_port}/sparql?update=/sparql-auth&gsp=/sparql-graph-crud-auth&auth=digest"
    return RunningServer("virtuoso", url, process, directory)


STARTERS = {"oxigraph": start_oxigraph, "virtuoso": start_virtuoso}


@pytest.fixture(scope="session")
def remote_servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, RunningServer]]:
    """Servers started on demand, each once per session; all stopped at the end."""
    started: dict[str, RunningServer] = {}

    class Servers(dict):
        def __missing__(self, name: str) -> RunningServer:
            server = STARTERS[name](tmp_path_factory.mktemp(name))
            started[name] = server
            try:
                build(server.store_url)
            except BaseException:
                stop(server.process)
                raise
            self[name] = server
            return server

    yield Servers()
    for server in started.values():
        stop(server.process)


@pytest.fixture(scope="session", params=REMOTE_BACKENDS)
def remote_server(request: pytest.FixtureRequest, remote_servers: dict[str, RunningServer]) -> RunningServer:
    """Each remote backend in turn, started and built."""
    return remote_servers[request.param]


@pytest.fixture(scope="session")
def remote_store(remote_server: RunningServer) -> RemoteStore:
    """The built remote store, opened read-only as the service's workers open it."""
    return RemoteStore(remote_server.store_url, read_only=True)
