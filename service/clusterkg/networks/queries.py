"""The SPARQL of the networks, kept in ``queries/networks/*.rq`` and read once at import.

Every query runs through a :data:`Select`: the service's query executor (worker processes,
time limit) or, for the CLI and the benchmark, a :class:`~clusterkg.store.GraphStore` opened in
this process. Parameters are bound as RDF terms by the caller, never pasted into the text.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path

import pyoxigraph as ox

from ..config import QUERIES_DIR
from ..store import GraphStore, Term

NETWORK_QUERIES_DIR = QUERIES_DIR / "networks"

Row = dict[str, Term]
#: ``await select(sparql, bindings)`` -> rows, unbound variables absent from a row.
Select = Callable[[str, Mapping[str, Term]], Awaitable[list[Row]]]


def read_network_queries(folder: Path = NETWORK_QUERIES_DIR) -> dict[str, str]:
    """Every ``.rq`` file of ``folder``: name (file stem) -> text."""
    return {path.stem: path.read_text(encoding="utf-8") for path in sorted(folder.glob("*.rq"))}


QUERIES: dict[str, str] = read_network_queries()


def network_query(name: str) -> str:
    """The text of ``queries/networks/NAME.rq``; a missing file is a broken checkout."""
    try:
        return QUERIES[name]
    except KeyError:
        raise RuntimeError(f"queries/networks/{name}.rq is missing: the checkout is incomplete") from None


def executor_select(executor) -> Select:  # noqa: ANN001 - a clusterkg.executor.QueryExecutor
    """Run the queries through the service's executor (worker processes, time limit, result cap)."""

    async def select(sparql: str, bindings: Mapping[str, Term]) -> list[Row]:
        return (await executor.select(sparql, dict(bindings))).rows

    return select


def store_select(store: GraphStore) -> Select:
    """Run the queries on a store opened in this process (CLI, benchmark, tests)."""

    async def select(sparql: str, bindings: Mapping[str, Term]) -> list[Row]:
        solutions = store.query(sparql, dict(bindings))
        names = [variable.value for variable in solutions.variables]
        rows = []
        for solution in solutions:
            row = {}
            for name in names:
                value = solution[name]
                if value is not None:
                    row[name] = value
            rows.append(row)
        return rows

    return select


def text(row: Row, name: str) -> str | None:
    """The lexical value of ``row[name]``, or None when unbound (or an empty string)."""
    term = row.get(name)
    return term.value if term is not None and term.value != "" else None


def number(row: Row, name: str) -> float | None:
    """``row[name]`` as a float, or None when unbound or not a number."""
    term = row.get(name)
    if not isinstance(term, ox.Literal):
        return None
    try:
        return float(term.value)
    except ValueError:
        return None
