"""How the partner search reads the store: the SPARQL of ``queries/partners/`` through one interface.

A :class:`Reader` runs SELECT and CONSTRUCT queries with their parameters bound as RDF terms.
:class:`ExecutorReader` goes through the service's query executor (worker processes, time
limit, result cap); :class:`StoreReader` through a :class:`~clusterkg.store.GraphStore` opened in
this process (the CLI, the tests). Both also give the networks module the ``Select`` it needs.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Protocol

import networkx as nx
import pyoxigraph as ox

from ..config import QUERIES_DIR
from ..networks.queries import Row, Select, executor_select, store_select
from ..store import GraphStore, Term

PARTNER_QUERIES_DIR = QUERIES_DIR / "partners"


def read_partner_queries(folder: Path = PARTNER_QUERIES_DIR) -> dict[str, str]:
    """Every ``.rq`` file of ``folder``: name (file stem) -> text."""
    return {path.stem: path.read_text(encoding="utf-8") for path in sorted(folder.glob("*.rq"))}


QUERIES: dict[str, str] = read_partner_queries()


def partner_query(name: str) -> str:
    """The text of ``queries/partners/NAME.rq``; a missing file is a broken checkout."""
    try:
        return QUERIES[name]
    except KeyError:
        raise RuntimeError(f"queries/partners/{name}.rq is missing: the checkout is incomplete") from None


class Reader(Protocol):
    """Runs the partner queries; ``bindings`` are RDF terms, never pasted into the text."""

    async def select(self, name: str, bindings: Mapping[str, Term] | None = None) -> list[Row]: ...

    async def construct(self, name: str, bindings: Mapping[str, Term] | None = None) -> list[ox.Triple]: ...

    async def network(self) -> nx.Graph:
        """The coparticipation network of the whole graph (the networks module's)."""
        ...

    async def stamp(self) -> str | None:
        """When the store was last built or imported into: the key of anything cached."""
        ...

    @property
    def cache(self) -> dict | None:
        """Where facts read from the store may be kept between requests (None: nowhere)."""
        ...


NetworkProvider = Callable[[], Awaitable[nx.Graph]]


async def _build_network(select: Select) -> nx.Graph:
    from ..networks.extract import build_network
    from ..networks.filters import Filters, NetworkKind

    return await build_network(select, NetworkKind.coparticipation, Filters())


async def _stamp(select: Select) -> str | None:
    from ..networks.queries import network_query

    rows = await select(network_query("stamp"), {})
    return text(rows[0], "modified") if rows else None


class ExecutorReader:
    """Through the service's :class:`~clusterkg.executor.QueryExecutor`.

    ``network`` gives the coparticipation network (the service passes the networks API's cached
    one); ``cache`` is a dict kept by the app, where facts are reused until the store changes.
    """

    def __init__(self, executor, network: NetworkProvider | None = None, cache: dict | None = None) -> None:  # noqa: ANN001
        self.executor = executor
        self._network = network
        self._cache = cache

    async def select(self, name: str, bindings: Mapping[str, Term] | None = None) -> list[Row]:
        return (await self.executor.select(partner_query(name), dict(bindings or {}))).rows

    async def construct(self, name: str, bindings: Mapping[str, Term] | None = None) -> list[ox.Triple]:
        return await self.executor.construct(partner_query(name), dict(bindings or {}))

    async def network(self) -> nx.Graph:
        if self._network is not None:
            return await self._network()
        return await _build_network(executor_select(self.executor))

    async def stamp(self) -> str | None:
        return await _stamp(executor_select(self.executor))

    @property
    def cache(self) -> dict | None:
        return self._cache


class StoreReader:
    """Through a store opened in this process (the CLI, the tests): nothing is cached."""

    def __init__(self, store: GraphStore) -> None:
        self.store = store

    async def select(self, name: str, bindings: Mapping[str, Term] | None = None) -> list[Row]:
        return await store_select(self.store)(partner_query(name), dict(bindings or {}))

    async def construct(self, name: str, bindings: Mapping[str, Term] | None = None) -> list[ox.Triple]:
        return list(self.store.query(partner_query(name), dict(bindings or {})))

    async def network(self) -> nx.Graph:
        return await _build_network(store_select(self.store))

    async def stamp(self) -> str | None:
        return await _stamp(store_select(self.store))

    @property
    def cache(self) -> dict | None:
        return None


async def cached(reader: Reader, key: object, load: Callable[[], Awaitable[object]]) -> object:
    """``await load()``, reused for ``key`` while the store's stamp stays the same."""
    cache = reader.cache
    if cache is None:
        return await load()
    stamp = await reader.stamp()
    entry = cache.get(key)
    if entry is not None and stamp is not None and entry[0] == stamp:
        return entry[1]
    value = await load()
    if stamp is not None:
        cache[key] = (stamp, value)
    return value


def text(row: Row, name: str) -> str | None:
    """The lexical value of ``row[name]``, or None when unbound or empty."""
    term = row.get(name)
    return term.value if term is not None and term.value != "" else None


def words(row: Row, name: str) -> list[str]:
    """A space-separated GROUP_CONCAT as a list (IRIs hold no spaces)."""
    value = text(row, name)
    return value.split() if value else []


def integer(row: Row, name: str) -> int:
    """``row[name]`` as an int (0 when unbound or not a number)."""
    try:
        return int(text(row, name) or 0)
    except ValueError:
        return 0
