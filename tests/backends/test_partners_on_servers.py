"""The partner search on each remote backend: the same ranking as on the embedded store."""

from __future__ import annotations

import asyncio

import pytest

from clusterkg.store import GraphStore

partners = pytest.importorskip("clusterkg.partners.search", reason="the partner search is not there yet")
from clusterkg.partners.reader import StoreReader  # noqa: E402

from .conftest import RunningServer  # noqa: E402

ID = "https://w3id.org/clusterkg/id/"
APULIA = ID + "organisation/apulia-creative-cluster-association"
CALLS = (ID + "call/cos-clustpartns-2017-3-02", ID + "call/cosme-european-cluster-excellence-programme-2019")

# Virtuoso 7.2.5 cannot compile EXISTS inside IF(), which the partner queries' optional filters
# use; not strict, as the partner search is still changing.
KNOWN_FAILURES: dict[str, str] = {"virtuoso": "Virtuoso 7.2.5: EXISTS inside IF() does not compile (SQ074) in queries/partners/organisations.rq"}


def _ranking(result) -> list[tuple[str, float]]:
    return [(c.organisation.iri, round(c.total, 6)) for c in result.candidates]


@pytest.mark.parametrize("call", CALLS, ids=lambda c: c.rsplit("/", 1)[1])
def test_partner_search_ranks_as_embedded(
    request: pytest.FixtureRequest, call: str, remote_server: RunningServer, remote_store, graph_store: GraphStore
) -> None:
    if remote_server.name in KNOWN_FAILURES:
        request.node.add_marker(pytest.mark.xfail(reason=KNOWN_FAILURES[remote_server.name], strict=False))
    expected = asyncio.run(partners.search(StoreReader(graph_store), APULIA, call))
    served = asyncio.run(partners.search(StoreReader(remote_store), APULIA, call))
    assert expected.candidates
    assert _ranking(served) == _ranking(expected)
