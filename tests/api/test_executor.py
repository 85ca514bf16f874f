"""The query executor: worker processes, the time limit, the result limit, the SERVICE check.

The central test is the runaway query: a cartesian product that cannot finish is stopped at
the time limit with a clear error, fast queries sent meanwhile are answered at once, and the
ended worker is replaced.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import pyoxigraph as ox
import pytest

from clusterkg.errors import QuerySyntaxError, StoreMissing
from clusterkg.executor import (
    FederationRefused,
    QueryExecutor,
    QueryScan,
    QueryTimeout,
    ResultTooLarge,
    WorkerFailed,
    check_services,
    rows_as_json,
    scan_query,
)

APULIA = "https://w3id.org/clusterkg/id/organisation/apulia-creative-cluster-association"
SKOS = "http://www.w3.org/2004/02/skos/core#"
LABEL = f"SELECT ?l WHERE {{ <{APULIA}> <{SKOS}prefLabel> ?l }}"
FAST_ASK = f'ASK {{ <{APULIA}> <{SKOS}prefLabel> "Apulia Creative Cluster Association"@en }}'
# A cartesian product of the whole graph with itself, twice: COUNT needs every row, so it
# cannot finish; without COUNT the first rows come at once and the result limit stops it.
CARTESIAN_COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
CARTESIAN = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
TIME_LIMIT = 2.0


def run(scenario: Callable[[QueryExecutor], Awaitable[object]], store: Path, **options: object) -> object:
    """Run ``scenario`` against a fresh executor in its own event loop, then stop the workers."""

    async def main() -> object:
        executor = QueryExecutor(store, **{"timeout": TIME_LIMIT, "max_results": 1000, "workers": 2, **options})
        try:
            return await scenario(executor)
        finally:
            executor.close()

    return asyncio.run(main())


def test_runaway_query_is_stopped_while_fast_queries_are_answered(built_store: Path) -> None:
    async def scenario(executor: QueryExecutor) -> dict:
        await asyncio.gather(executor.ask("ASK {}"), executor.ask("ASK {}"))  # both workers started
        started = time.perf_counter()
        slow = asyncio.create_task(executor.select(CARTESIAN_COUNT))
        await asyncio.sleep(0.2)  # the slow query is now in a worker
        fast = []
        for _ in range(10):
            sent = time.perf_counter()
            assert await executor.ask(FAST_ASK) is True
            fast.append(time.perf_counter() - sent)
        fast_done = time.perf_counter() - started
        slow_running_after_fast = not slow.done()
        with pytest.raises(QueryTimeout, match=r"query exceeded the time limit of 2 s"):
            await slow
        slow_done = time.perf_counter() - started
        replaced = time.perf_counter()
        assert await executor.ask(FAST_ASK) is True  # a later query works: the worker was replaced
        assert len((await executor.select(LABEL)).rows) >= 1
        after = time.perf_counter() - replaced
        return dict(fast=fast, fast_done=fast_done, slow_running=slow_running_after_fast, slow_done=slow_done, after=after)

    timings = run(scenario, built_store)
    print(
        f"\nrunaway: 10 fast ASKs took max {max(timings['fast']) * 1000:.1f} ms "
        f"(all done {timings['fast_done']:.2f} s after the slow query started); "
        f"slow query stopped after {timings['slow_done']:.2f} s; "
        f"next queries answered in {timings['after']:.2f} s"
    )
    assert timings["slow_running"], "the fast queries must finish while the slow one still runs"
    assert timings["fast_done"] < timings["slow_done"]
    assert max(timings["fast"]) < 1.0
    assert TIME_LIMIT <= timings["slow_done"] < TIME_LIMIT + 2


def test_result_limit_refuses_rather_than_truncates(built_store: Path) -> None:
    async def scenario(executor: QueryExecutor) -> float:
        started = time.perf_counter()
        with pytest.raises(ResultTooLarge, match="more than 1,000 rows"):
            await executor.select(CARTESIAN)
        with pytest.raises(ResultTooLarge):
            await executor.construct("CONSTRUCT WHERE { ?s ?p ?o }")
        with pytest.raises(ResultTooLarge):
            await executor.serialize(CARTESIAN, ox.QueryResultsFormat.CSV, None)
        assert len((await executor.select("SELECT * WHERE { ?s ?p ?o } LIMIT 1000")).rows) == 1000
        return time.perf_counter() - started

    assert run(scenario, built_store) < TIME_LIMIT * 3


def test_select_ask_construct_return_terms(built_store: Path) -> None:
    async def scenario(executor: QueryExecutor) -> None:
        result = await executor.select(LABEL)
        assert result.variables == ["l"]
        assert ox.Literal("Apulia Creative Cluster Association", language="en") in [r["l"] for r in result.rows]
        assert {"l": "Apulia Creative Cluster Association"} in rows_as_json(result)
        assert await executor.ask(FAST_ASK) is True
        assert await executor.ask('ASK { ?s ?p "no such label in the graph" }') is False
        triples = await executor.construct(f"CONSTRUCT {{ <{APULIA}> ?p ?o }} WHERE {{ <{APULIA}> ?p ?o }}")
        assert ox.Triple(
            ox.NamedNode(APULIA), ox.NamedNode(SKOS + "prefLabel"),
            ox.Literal("Apulia Creative Cluster Association", language="en"),
        ) in triples
        unbound = await executor.select("SELECT ?x ?y WHERE { BIND(1 AS ?x) }")
        assert unbound.rows == [{"x": ox.Literal("1", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))}]
        with pytest.raises(TypeError):
            await executor.select(FAST_ASK)

    run(scenario, built_store)


def test_bindings_are_terms_not_text(built_store: Path) -> None:
    async def scenario(executor: QueryExecutor) -> None:
        # pyoxigraph substitutes only variables of the projection (SEP-0007), hence ?org in SELECT.
        query = f"SELECT ?org ?l WHERE {{ ?org <{SKOS}prefLabel> ?l }}"
        result = await executor.select(query, {"org": ox.NamedNode(APULIA)})
        assert ox.Literal("Apulia Creative Cluster Association", language="en") in [r["l"] for r in result.rows]
        # A value that would break the query if pasted into its text is just a literal that matches nothing.
        hostile = ox.Literal('x" } ?s ?p ?o { "')
        assert (await executor.select(query, {"l": hostile})).rows == []

    run(scenario, built_store)


def test_dataset_union_protocol_graphs_and_from(built_store: Path) -> None:
    async def scenario(executor: QueryExecutor) -> None:
        graphs = [r["g"] for r in (await executor.select("SELECT DISTINCT ?g WHERE { GRAPH ?g { } }")).rows]
        holding = [
            r["g"] for r in (await executor.select(f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ <{APULIA}> ?p ?o }} }}")).rows
        ]
        other = next(g for g in graphs if g not in holding)
        assert await executor.ask(FAST_ASK)  # the union of the named graphs
        assert await executor.ask(FAST_ASK, default_graphs=[holding[0]])
        assert not await executor.ask(FAST_ASK, default_graphs=[other])
        # named-graph-uri alone: the named graphs are those, the default graph is empty (§2.1.4).
        named = await executor.select("SELECT DISTINCT ?g WHERE { GRAPH ?g { } }", named_graphs=[other])
        assert [r["g"] for r in named.rows] == [other]
        assert not await executor.ask(FAST_ASK, named_graphs=[other])
        # A query's own FROM applies when the request gives no dataset.
        ask_from = f"ASK FROM <{other.value}> {{ <{APULIA}> <{SKOS}prefLabel> ?l }}"
        assert not await executor.ask(ask_from)
        assert await executor.ask(ask_from.replace(other.value, holding[0].value))

    run(scenario, built_store)


def test_syntax_error_carries_the_position(built_store: Path) -> None:
    async def scenario(executor: QueryExecutor) -> None:
        with pytest.raises(QuerySyntaxError, match=r"1:25"):
            await executor.select("SELECT * WHERE { ?s ?p }")
        assert await executor.ask("ASK {}")  # the worker is still there

    run(scenario, built_store)


def test_service_is_refused_before_any_worker_runs(built_store: Path) -> None:
    async def scenario(executor: QueryExecutor) -> None:
        with pytest.raises(FederationRefused, match="not allowed"):
            await executor.select("SELECT * WHERE { SERVICE <http://127.0.0.1:1/sparql> { ?s ?p ?o } }")
        with pytest.raises(FederationRefused, match="allow-list"):
            await executor.serialize(
                "SELECT * WHERE { SERVICE <http://example.org/other> { ?s ?p ?o } }", None, None,
                allowed_services=["http://example.org/sparql"],
            )
        # The word in a literal or a variable name is not a SERVICE clause.
        assert (await executor.select('SELECT ?service WHERE { BIND("SERVICE <x> {}" AS ?service) }')).rows

    run(scenario, built_store)


def test_a_dead_worker_is_replaced(built_store: Path) -> None:
    async def scenario(executor: QueryExecutor) -> None:
        await asyncio.gather(executor.ask("ASK {}"), executor.ask("ASK {}"))
        for worker in list(executor._idle):
            os.kill(worker.process.pid, signal.SIGKILL)
            worker.process.wait()
        failures = 0
        for _ in range(2):
            try:
                await executor.ask("ASK {}")
            except WorkerFailed:
                failures += 1
        assert failures == 2
        assert await executor.ask(FAST_ASK)
        assert all(w.process.poll() is None for w in executor._idle)

    run(scenario, built_store)


def test_a_cancelled_query_ends_its_worker(built_store: Path) -> None:
    async def scenario(executor: QueryExecutor) -> None:
        await asyncio.gather(executor.ask("ASK {}"), executor.ask("ASK {}"))
        pids = {w.process.pid for w in executor._idle}
        slow = asyncio.create_task(executor.select(CARTESIAN_COUNT))
        await asyncio.sleep(0.3)
        busy = next(iter(executor._busy))
        slow.cancel()
        with pytest.raises(asyncio.CancelledError):
            await slow
        assert busy.process.poll() is not None  # ended at once, not at the time limit
        assert {w.process.pid for w in executor._idle} != pids
        assert await executor.ask(FAST_ASK)

    run(scenario, built_store, timeout=30.0)


def test_export_runs_in_a_worker(built_store: Path) -> None:
    async def scenario(executor: QueryExecutor) -> None:
        dump = await executor.export("nq")
        quads = list(ox.parse(dump, format=ox.RdfFormat.N_QUADS))
        assert len(quads) > 1000  # not capped by max_results: a dump is the whole graph
        assert ox.Triple(
            ox.NamedNode(APULIA), ox.NamedNode(SKOS + "prefLabel"),
            ox.Literal("Apulia Creative Cluster Association", language="en"),
        ) in {q.triple for q in quads}

    run(scenario, built_store)


def test_missing_store_is_reported_at_once(tmp_path: Path) -> None:
    with pytest.raises(StoreMissing):
        QueryExecutor(tmp_path / "nothing")


def test_close_ends_the_workers(built_store: Path) -> None:
    executor = QueryExecutor(built_store, workers=2)
    processes = [w.process for w in executor._idle]
    executor.close()
    assert all(p.poll() is not None for p in processes)


SCAN_CASES = [
    ("SELECT * { ?s ?p ?o }", QueryScan("SELECT")),
    ("  ask {}", QueryScan("ASK")),
    ("PREFIX : <http://e/> CONSTRUCT WHERE { ?s :p ?o }", QueryScan("CONSTRUCT")),
    ("BASE <http://e/> DESCRIBE <x>", QueryScan("DESCRIBE")),
    ("INSERT DATA { <a> <b> <c> }", QueryScan("UPDATE")),
    ("PREFIX x: <http://e/> WITH <g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", QueryScan("UPDATE")),
    ("garbage", QueryScan(None)),
    ("SELECT * FROM <http://e/g> { ?s ?p ?o }", QueryScan("SELECT", (), True)),
    ("SELECT * FROM NAMED <http://e/g> { GRAPH ?g { ?s ?p ?o } }", QueryScan("SELECT", (), True)),
    ("SELECT * { ?s <http://e/FROM> ?o }", QueryScan("SELECT")),
    # SERVICE: IRIs, prefixed names, BASE, SILENT, case, \u escapes; variables cannot be vouched for.
    ("SELECT * { SERVICE <http://e/sparql> { ?s ?p ?o } }", QueryScan("SELECT", ("http://e/sparql",))),
    ("select * { service silent <http://e/sparql> {} }", QueryScan("SELECT", ("http://e/sparql",))),
    ("PREFIX e: <http://e/> SELECT * { SERVICE e:sparql {} }", QueryScan("SELECT", ("http://e/sparql",))),
    ("BASE <http://e/a/> SELECT * { SERVICE <../sparql> {} }", QueryScan("SELECT", ("http://e/sparql",))),
    (r"SELECT * { SERVICE <http://e/\u0073parql> {} }", QueryScan("SELECT", ("http://e/sparql",))),
    ("SELECT * { SERVICE ?endpoint {} }", QueryScan("SELECT", (None,))),
    ("SELECT * { SERVICE unknown:prefix {} }", QueryScan("SELECT", (None,))),
    ("SELECT * { SERVICE<http://e/sparql>{} }", QueryScan("SELECT", ("http://e/sparql",))),
    # The word SERVICE elsewhere: in strings, long strings, comments, IRIs, variables, local names.
    ('SELECT * { ?s ?p "SERVICE <http://e/> {}" }', QueryScan("SELECT")),
    ("SELECT * { ?s ?p '''a\n SERVICE <http://e/> {} ''' }", QueryScan("SELECT")),
    ("SELECT * { ?s ?p 'it''s' } # SERVICE <http://e/> {}", QueryScan("SELECT")),
    ('SELECT * { ?s ?p "escaped \\" SERVICE <http://e/> {}" }', QueryScan("SELECT")),
    ("SELECT ?service { ?service <http://e/SERVICE> ?o }", QueryScan("SELECT")),
    ("PREFIX e: <http://e/> SELECT * { ?s e:SERVICE ?o }", QueryScan("SELECT")),
    # A # inside an IRI is not a comment: the SERVICE after it counts.
    ("SELECT * { ?s <http://e/#x> ?o . SERVICE <http://e/s> {} }", QueryScan("SELECT", ("http://e/s",))),
]


@pytest.mark.parametrize(("text", "expected"), SCAN_CASES)
def test_scan_query(text: str, expected: QueryScan) -> None:
    assert scan_query(text) == expected


def test_relative_service_iri_resolves_against_the_endpoint() -> None:
    assert scan_query("SELECT * { SERVICE <sparql> {} }", "http://host/sparql").services == ("http://host/sparql",)
    assert scan_query("SELECT * { SERVICE <sparql> {} }").services == (None,)


@pytest.mark.parametrize(
    ("services", "allowed", "refused"),
    [
        ((), (), False),
        (("http://e/sparql",), (), True),
        (("http://e/sparql",), ("http://e/sparql",), False),
        (("http://e/sparql", "http://f/sparql"), ("http://e/sparql",), True),
        ((None,), ("http://e/sparql",), True),
    ],
)
def test_check_services(services: tuple, allowed: tuple, refused: bool) -> None:
    scan = QueryScan("SELECT", services)
    if refused:
        with pytest.raises(FederationRefused):
            check_services(scan, allowed)
    else:
        check_services(scan, allowed)
