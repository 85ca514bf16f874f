"""The query catalogue's expectations (tests/queries/test_queries.py) on each remote backend.

The tests of tests/queries are loaded from their file and run here again with ``run`` and
``graph_store`` on a SPARQL server instead of the embedded store: the same assertions, so
the same answers on all three backends, but for the expected failures listed below, each with
the server's defect that causes it (strict: a test that starts passing must leave the list).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from clusterkg.catalogue import get_query
from clusterkg.remote import RemoteStore

from .conftest import RunningServer

_QUERY_TESTS = Path(__file__).resolve().parents[1] / "queries" / "test_queries.py"


def _load_query_tests():
    spec = importlib.util.spec_from_file_location("clusterkg_catalogue_expectations", _QUERY_TESTS)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_expectations = _load_query_tests()
# Every test that runs catalogue queries, under its own name (pytest collects them here too).
globals().update({
    name: test
    for name, test in vars(_expectations).items()
    if name.startswith("test_") and callable(test) and "run" in test.__code__.co_varnames[: test.__code__.co_argcount]
})


# OpenLink Virtuoso 7.2.5 (Debian bookworm's) evaluates `path*` with its TRANSITIVE extension,
# which refuses a path whose both ends are unbound ("TR...: transitive start not given") and
# gives wrong answers when the path sits in EXISTS, MINUS, a sub-select or beside OPTIONAL; its
# REPLACE matches bytes, not characters, so accented letters are not folded.
_TRANSITIVE = "Virtuoso 7.2.5: property path * (TRANSITIVE) "
KNOWN_FAILURES: dict[str, dict[str, str]] = {
    "virtuoso": {
        "test_clusters_by_value_chain_includes_narrower_chains": _TRANSITIVE + "skos:broader* with a bound end loses rows",
        "test_value_chain_gaps_lists_italian_regions_without_a_cci_cluster":
            _TRANSITIVE + "inside MINUS removes no region, so regions with a cluster stay",
        "test_partners_of_the_apulia_creative_cluster":
            _TRANSITIVE + "a/rdfs:subClassOf* binds ?partner to the organisation itself",
        "test_organisations_working_together":
            "Virtuoso 7.2.5: a sub-select's projected but unbound ?min_shared does not join with its VALUES binding: no rows",
        "test_label_search_ignores_case_and_accents": "Virtuoso 7.2.5: REPLACE with [àáâ...] classes matches bytes, not letters",
    },
}


@pytest.fixture
def graph_store(remote_store: RemoteStore) -> RemoteStore:
    """The remote store, where a catalogue test also queries the store directly."""
    return remote_store


@pytest.fixture
def run(request: pytest.FixtureRequest, remote_server: RunningServer, remote_store: RemoteStore):
    """Run a catalogue query on the remote store with text parameters, as test_queries' ``run`` does."""
    reason = KNOWN_FAILURES.get(remote_server.name, {}).get(request.node.originalname)
    if reason:
        request.node.add_marker(pytest.mark.xfail(reason=reason, strict=True))

    def run_query(name: str, **params: str) -> list[dict[str, str]]:
        query = get_query(name)
        results = remote_store.query(query.sparql, query.bind(params))
        variables = [v.value for v in results.variables]
        return [{v: s[v].value for v in variables if s[v] is not None} for s in results]

    return run_query
