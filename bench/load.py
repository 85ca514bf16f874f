"""Load test: many clients mixing the service's read traffic, measured by wrk; optionally a runaway query.

    .venv/bin/python bench/load.py                         # 50 clients, 60 s, then again with a runaway query
    .venv/bin/python bench/load.py --duration 10 --clients 20 --no-compare
    .venv/bin/python bench/load.py --url http://127.0.0.1:8000  # against a running service

Without ``--url`` it serves ``--store`` (default: ``$CLUSTERKG_STORE`` or var/store, built if
missing) on a free loopback port. The mix cycles through catalogue queries with their example
parameters (``/api/queries/NAME``), linked-data pages of organisations, projects and regions
(``/id/...``, ``/region/...``), searches (``/api/search``) and embeddable network views
(``/view/...``); a path that does not answer 200 before the run is left out and reported.

The load comes from wrk (Debian package ``wrk``; C, an event loop per thread), so the client
costs little of the machine the service shares with it; a Lua script picks the next path and
prints the summary as JSON. Errors are connection, read, write and time-out errors plus
answers other than 2xx/3xx.

The runaway run adds one more client that sends a query that cannot finish
(a cross product of the whole store) to ``/sparql``, again as soon as the time limit stops it;
the ratio of the mix's p95 latency with and without it is the figure to watch.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlencode

import httpx

RUNAWAY_QUERY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
SEARCHES = ["puglia", "cluster", "creative", "emilia", "textile", "innovation", "apulia", "rhône", "bavaria", "food"]

_LUA = r"""
local paths = {PATHS}
local counter = 0
setup = function(thread)
  thread:set("offset", counter * 7)
  counter = counter + 1
end
init = function(args)
  index = offset
end
request = function()
  index = index + 1
  local path = paths[(index % #paths) + 1]
  return wrk.format("GET", path, {["Accept"] = "*/*", ["X-Request-ID"] = "load-" .. index})
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '\nRESULT {"requests": %d, "duration_us": %d, "bytes": %d, "errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, "latency_ms": {"p50": %.2f, "p90": %.2f, "p95": %.2f, "p99": %.2f, "max": %.2f, "mean": %.2f}}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000, latency.mean / 1000))
end
"""

_LAUNCH = """
import socket, sys
import uvicorn
from clusterkg.api.app import create_app

sock = socket.socket(fileno=int(sys.argv[1]))
uvicorn.Server(uvicorn.Config(create_app(), log_level="warning")).run(sockets=[sock])
"""


@dataclass
class Result:
    """One wrk run: throughput, latency percentiles, errors."""

    label: str
    requests: int
    seconds: float
    latency_ms: dict[str, float]
    errors: dict[str, int]
    runaway_timeouts: int = 0

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())


@dataclass
class Mix:
    """The paths the clients cycle through, by kind, and those left out."""

    paths: dict[str, list[str]] = field(default_factory=dict)
    left_out: list[tuple[str, int]] = field(default_factory=list)

    def interleaved(self) -> list[str]:
        """Round-robin over the kinds, so every stretch of requests mixes them."""
        lists = [list(v) for v in self.paths.values() if v]
        out, i = [], 0
        while any(lists):
            for items in lists:
                if items:
                    out.append(items.pop(0) if i % 2 == 0 else items.pop())
            i += 1
        return out


def discover_mix(base: str, client: httpx.Client) -> Mix:
    """Paths of each kind that answer 200 now (each is fetched once, which also warms caches)."""
    mix = Mix()

    def keep(kind: str, path: str) -> None:
        status = client.get(base + path, headers={"Accept": "*/*"}, timeout=120).status_code
        if status == 200:
            mix.paths.setdefault(kind, []).append(path)
        else:
            mix.left_out.append((path, status))

    for query in client.get(base + "/api/queries", timeout=60).json():
        params = {p["name"]: p["example"] for p in query["parameters"] if p.get("example") not in (None, "")}
        keep("catalogue", f"/api/queries/{query['name']}?{urlencode(params)}" if params else f"/api/queries/{query['name']}")

    sparql = """SELECT DISTINCT ?s WHERE { VALUES ?type { <https://w3id.org/clusterkg/ontology#ClusterOrganisation>
      <https://w3id.org/clusterkg/ontology#Project> <https://w3id.org/clusterkg/ontology#Programme> }
      ?s a ?type } ORDER BY ?s LIMIT 12"""
    rows = client.get(base + "/sparql", params={"query": sparql}, headers={"Accept": "application/sparql-results+json"},
                      timeout=60).json()["results"]["bindings"]
    for row in rows:
        iri = row["s"]["value"]
        keep("entity", "/id/" + iri.split("/id/", 1)[1])
    for code in ("ITF4", "ITH5", "ITF", "IT"):
        keep("entity", f"/region/{code}")

    for word in SEARCHES:
        keep("search", "/api/search?" + urlencode({"q": word, "limit": 20}))

    org = rows[0]["s"]["value"] if rows else None
    for kind in ("organisations", "projects", "regions", "themes"):
        keep("view", f"/view/network/{kind}")
    if org:
        keep("view", f"/view/ego?org={quote(org, safe='')}")
    return mix


def lua_script(paths: list[str]) -> str:
    quoted = ", ".join(json.dumps(p) for p in paths)
    return _LUA.replace("{PATHS}", "{" + quoted + "}")


def run_wrk(base: str, paths: list[str], duration: float, clients: int, threads: int, label: str,
            timeout: float = 30.0) -> Result:
    """One wrk run over ``paths``; raises if wrk is missing or prints no result."""
    wrk = shutil.which("wrk")
    if wrk is None:
        raise SystemExit("wrk is not installed: apt-get install wrk (Debian), or make setup-test")
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(lua_script(paths))
    try:
        completed = subprocess.run(
            [wrk, f"-t{threads}", f"-c{clients}", f"-d{int(duration)}s", f"--timeout={int(timeout)}s",
             "-s", script.name, base],
            capture_output=True, text=True, timeout=duration + timeout + 60,
        )
    finally:
        os.unlink(script.name)
    line = next((l for l in completed.stdout.splitlines() if l.startswith("RESULT ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no result:\n{completed.stdout}\n{completed.stderr}")
    data = json.loads(line[len("RESULT "):])
    return Result(label, data["requests"], data["duration_us"] / 1e6, data["latency_ms"], data["errors"])


class Runaway:
    """A client sending a query that cannot finish, again each time the time limit stops it."""

    def __init__(self, base: str) -> None:
        self.base, self.stop, self.answers = base, threading.Event(), []
        self.thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        with httpx.Client(timeout=600) as client:
            while not self.stop.is_set():
                response = client.post(self.base + "/sparql", content=RUNAWAY_QUERY,
                                       headers={"Content-Type": "application/sparql-query"})
                self.answers.append(response.status_code)

    def __enter__(self) -> "Runaway":
        self.thread.start()
        time.sleep(0.5)  # the runaway holds a worker before the mix starts
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()


def serve(store: Path, **settings: str) -> tuple[str, subprocess.Popen]:
    """The service over ``store`` on a free loopback port (the socket is bound here and handed over)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    environment = dict(os.environ, CLUSTERKG_STORE=str(store))
    environment.update({f"CLUSTERKG_{k.upper()}": v for k, v in settings.items()})
    process = subprocess.Popen([sys.executable, "-c", _LAUNCH, str(sock.fileno())], pass_fds=[sock.fileno()],
                               env=environment, stderr=subprocess.DEVNULL)
    sock.close()
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the service exited with code {process.returncode}")
        try:
            if httpx.get(base + "/ready", timeout=5).status_code == 200:
                return base, process
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    process.kill()
    raise RuntimeError("the service did not become ready within 90 s")


def load_test(base: str, duration: float, clients: int, threads: int, compare: bool) -> tuple[Mix, list[Result]]:
    """Warm up, run the mix, and (with ``compare``) run it again beside a runaway query."""
    with httpx.Client() as client:
        mix = discover_mix(base, client)
    paths = mix.interleaved()
    if not paths:
        raise RuntimeError("no path of the mix answers 200")
    run_wrk(base, paths, min(3.0, duration), clients, threads, "warm-up")
    results = [run_wrk(base, paths, duration, clients, threads, "mix")]
    if compare:
        with Runaway(base) as runaway:
            result = run_wrk(base, paths, duration, clients, threads, "mix + runaway query")
        result.runaway_timeouts = sum(1 for status in runaway.answers if status == 503)
        results.append(result)
    return mix, results


def table(mix: Mix, results: list[Result], clients: int, duration: float) -> str:
    lines = [f"{clients} clients, {duration:g} s per run; mix: "
             + ", ".join(f"{len(v)} {k}" for k, v in mix.paths.items())]
    if mix.left_out:
        lines.append("left out (not 200 before the run): " + ", ".join(f"{p} ({s})" for p, s in mix.left_out))
    lines.append(f"{'run':24} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>9} {'errors':>7}")
    for r in results:
        lines.append(f"{r.label:24} {r.throughput:8.1f} {r.latency_ms['p50']:8.1f} {r.latency_ms['p95']:8.1f} "
                     f"{r.latency_ms['p99']:8.1f} {r.latency_ms['max']:9.1f} {r.error_count:7d}")
    if len(results) == 2:
        ratio = results[1].latency_ms["p95"] / max(results[0].latency_ms["p95"], 0.001)
        lines.append(f"p95 with the runaway / without: {ratio:.2f} "
                     f"(runaway stopped at the time limit {results[1].runaway_timeouts} time(s))")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="A running service (default: serve --store on a free port).")
    parser.add_argument("--store", type=Path, help="The store to serve (default: $CLUSTERKG_STORE or var/store).")
    parser.add_argument("--duration", type=float, default=60.0, help="Seconds per run (default 60).")
    parser.add_argument("--clients", type=int, default=50, help="Concurrent connections (default 50).")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2).")
    parser.add_argument("--workers", default="2", help="Query workers of the served store (default 2).")
    parser.add_argument("--sparql-workers", default="2",
                        help="Workers reserved for the public SPARQL endpoint, at low priority (default 2; 0: shared).")
    parser.add_argument("--time-limit", default="10", help="Query time limit of the served store, s (default 10).")
    parser.add_argument("--no-compare", dest="compare", action="store_false", help="Skip the run with a runaway query.")
    parser.add_argument("--json", action="store_true", help="Print the results as JSON too.")
    args = parser.parse_args()

    process = None
    base = args.url
    if base is None:
        from clusterkg.config import settings

        store = args.store or settings().store
        if not (Path(store) / "CURRENT").exists():
            from clusterkg.build import build

            build(Path(store))
        base, process = serve(Path(store), query_workers=args.workers, sparql_workers=args.sparql_workers,
                              query_timeout=args.time_limit)
    try:
        mix, results = load_test(base.rstrip("/"), args.duration, args.clients, args.threads, args.compare)
    finally:
        if process is not None:
            process.terminate()
            process.wait(30)
    print(table(mix, results, args.clients, args.duration))
    if args.json:
        print(json.dumps([{**r.__dict__, "throughput": r.throughput} for r in results], indent=2))
    if any(r.error_count for r in results):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
