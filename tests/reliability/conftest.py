"""Servers for the reliability tests: real uvicorn processes, each over its own copy of the built store.

A copy, because these tests write to the store, kill the server mid-write and restart it; the
session's ``built_store`` stays as the build left it for every other test. The server's
standard error (JSON log lines) goes to a file the test can read, to kill the process at a
chosen step of a write.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

TOKENS = {"alice": "alice-token-0123456789abcdef", "bob": "bob-token-0123456789abcdef0"}

# The socket is bound here and handed to uvicorn, so no other process can take the port.
_LAUNCH = """
import socket, sys
import uvicorn
from clusterkg.api.app import create_app

sock = socket.socket(fileno=int(sys.argv[1]))
uvicorn.Server(uvicorn.Config(create_app(), log_level="warning")).run(sockets=[sock])
"""


@dataclass
class Service:
    """A running service: its URL, process, store and log file."""

    url: str
    process: subprocess.Popen
    store: Path
    log: Path
    settings: dict = field(default_factory=dict)

    def headers(self, who: str = "alice", **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {TOKENS[who]}", **extra}

    def log_lines(self) -> list[dict]:
        lines = []
        for line in self.log.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                lines.append(json.loads(line))
            except ValueError:
                pass
        return lines

    def ask(self, query: str) -> bool:
        response = httpx.get(self.url + "/sparql", params={"query": query},
                             headers={"Accept": "application/sparql-results+json"}, timeout=30)
        response.raise_for_status()
        return response.json()["boolean"]


def copy_store(source: Path, target: Path) -> Path:
    """A private copy of a built store (RocksDB files are plain files when no process writes them)."""
    shutil.copytree(source, target)
    return target


def start_service(store: Path, log: Path, **settings: object) -> Service:
    """Serve ``store`` with ``settings`` (as CLUSTERKG_* variables); wait until /ready answers 200."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    environment = dict(os.environ, CLUSTERKG_STORE=str(store))
    for name, value in settings.items():
        environment[f"CLUSTERKG_{name.upper()}"] = value if isinstance(value, str) else json.dumps(value)
    with log.open("ab") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-c", _LAUNCH, str(sock.fileno())], pass_fds=[sock.fileno()], env=environment,
            stderr=stderr,
        )
    sock.close()
    service = Service(url, process, store, log, dict(settings))
    deadline = time.monotonic() + 90
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"the service exited with code {process.returncode}: {log.read_text()[-2000:]}")
        try:
            if httpx.get(url + "/ready", timeout=10).status_code == 200:
                return service
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            stop_service(service)
            raise RuntimeError("the service was not ready within 90 s")
        time.sleep(0.2)


def stop_service(service: Service, sig: int = signal.SIGTERM) -> int:
    """Stop the service (SIGTERM: graceful; SIGKILL: a crash); its exit code."""
    if service.process.poll() is None:
        service.process.send_signal(sig)
    try:
        return service.process.wait(30)
    except subprocess.TimeoutExpired:
        service.process.kill()
        return service.process.wait()


def wait_for_exit_of_children(pid: int, timeout: float = 10.0) -> list[int]:
    """Processes whose parent was ``pid`` still alive after ``timeout`` s (workers die with their parent)."""
    deadline = time.monotonic() + timeout
    while True:
        alive = [int(p) for p in os.listdir("/proc") if p.isdigit() and _parent(int(p)) == pid]
        if not alive or time.monotonic() > deadline:
            return alive
        time.sleep(0.1)


def _parent(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return int(stat.read().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


@pytest.fixture
def private_store(built_store: Path, tmp_path: Path) -> Path:
    """A copy of the built store for one test."""
    return copy_store(built_store, tmp_path / "store")


@pytest.fixture(scope="module")
def admin_service(built_store: Path, tmp_path_factory: pytest.TempPathFactory):
    """The service with the write API (tokens for alice and bob) over a copy of the built store."""
    folder = tmp_path_factory.mktemp("admin")
    store = copy_store(built_store, folder / "store")
    service = start_service(store, folder / "service.log", admin_tokens=TOKENS, query_workers="2",
                            sparql_workers="1", query_timeout="10", max_upload_bytes="200000")
    yield service
    stop_service(service)
