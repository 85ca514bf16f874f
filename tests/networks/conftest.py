"""Networks over the store built from the project's sources (``built_store``, once per session)."""

from __future__ import annotations

import asyncio

import networkx as nx
import pytest

from clusterkg.networks.extract import build_network
from clusterkg.networks.filters import Filters, NetworkKind
from clusterkg.networks.queries import store_select
from clusterkg.store import GraphStore


@pytest.fixture(scope="session")
def network(graph_store: GraphStore):
    """``network(kind, level=2, **filters)``: a network of the built store, filters given as users type them."""
    select = store_select(graph_store)

    def make(kind: str = "coparticipation", level: int = 2, **filters: object) -> nx.Graph:
        return asyncio.run(build_network(select, NetworkKind(kind), Filters.parse(**filters), level))

    return make
