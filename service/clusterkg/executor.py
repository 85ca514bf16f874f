"""Query evaluation off the event loop.

Every query the service runs goes through a ``QueryExecutor``; handlers await it and never
touch the store themselves, so one slow query cannot stall other requests.

Version 0: evaluation in a thread pool over one read-only store. The SPARQL endpoint work
replaces the internals with worker processes that can be ended at the time limit; the
interface below stays.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from .store import GraphStore, Term


@dataclass
class SelectResult:
    """SELECT rows as pyoxigraph terms, keyed by variable name; unbound variables are absent."""

    variables: list[str]
    rows: list[dict[str, Term]]


class QueryExecutor:
    """Runs SPARQL over the store at ``store_path`` without blocking the event loop."""

    def __init__(self, store_path: Path, timeout: float = 30.0, max_results: int = 100_000) -> None:
        self.store_path = Path(store_path)
        self.timeout = timeout
        self.max_results = max_results
        self._store = GraphStore.open_existing(self.store_path, read_only=True)
        self._pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="sparql")

    async def select(self, sparql: str, bindings: Mapping[str, Term] | None = None) -> SelectResult:
        """Evaluate a SELECT query and return its rows."""
        return await self._run(self._select, sparql, dict(bindings or {}))

    async def ask(self, sparql: str, bindings: Mapping[str, Term] | None = None) -> bool:
        """Evaluate an ASK query."""
        return await self._run(lambda q, b: bool(self._store.query(q, b)), sparql, dict(bindings or {}))

    async def construct(self, sparql: str, bindings: Mapping[str, Term] | None = None) -> list[ox.Triple]:
        """Evaluate a CONSTRUCT or DESCRIBE query and return its triples."""
        return await self._run(lambda q, b: list(self._store.query(q, b)), sparql, dict(bindings or {}))

    async def serialize(
        self,
        sparql: str,
        results_format: ox.QueryResultsFormat | None,
        rdf_format: ox.RdfFormat | None,
        bindings: Mapping[str, Term] | None = None,
        default_graphs: list[ox.NamedNode] | None = None,
        named_graphs: list[ox.NamedNode] | None = None,
    ) -> tuple[str, bytes]:
        """Evaluate any query and serialise its result: ('select'|'ask'|'graph', body)."""

        def work(q: str, b: dict) -> tuple[str, bytes]:
            results = self._store.query(q, b, default_graphs=default_graphs, named_graphs=named_graphs)
            if isinstance(results, ox.QueryTriples):
                return "graph", results.serialize(format=rdf_format or ox.RdfFormat.N_TRIPLES)
            kind = "ask" if isinstance(results, ox.QueryBoolean) else "select"
            return kind, results.serialize(format=results_format or ox.QueryResultsFormat.JSON)

        return await self._run(work, sparql, dict(bindings or {}))

    def _select(self, sparql: str, bindings: dict) -> SelectResult:
        results = self._store.query(sparql, bindings)
        if not isinstance(results, ox.QuerySolutions):
            raise TypeError("expected a SELECT query")
        variables = [v.value for v in results.variables]
        rows = []
        for solution in results:
            rows.append({name: solution[name] for name in variables if solution[name] is not None})
            if len(rows) >= self.max_results:
                break
        return SelectResult(variables, rows)

    async def _run(self, function, sparql: str, bindings: dict):
        loop = asyncio.get_running_loop()
        return await asyncio.wait_for(loop.run_in_executor(self._pool, function, sparql, bindings), self.timeout)

    def close(self) -> None:
        """Stop the workers."""
        self._pool.shutdown(wait=False, cancel_futures=True)


def rows_as_json(result: SelectResult) -> list[dict[str, object]]:
    """Rows as plain JSON values, for APIs that do not speak SPARQL results."""
    from .terms import python_value

    return [{k: python_value(v) for k, v in row.items()} for row in result.rows]


__all__ = ["QueryExecutor", "SelectResult", "rows_as_json"]
