"""A short load test (bench/load.py): 20 clients for 10 s, without and with a runaway query.

Asserts no errors at all (connection, time-out or a status other than 2xx/3xx) and that the
runaway query does not make the p95 latency of the others more than three times worse: the
full run (50 clients, 60 s) aims at 2x; CI machines are noisier, hence the looser bound.
"""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path

import pytest

from clusterkg.config import ROOT

from .conftest import start_service, stop_service

if shutil.which("wrk") is None:
    pytest.skip("needs wrk: apt-get install wrk (make setup-test installs it)", allow_module_level=True)


def _bench():
    spec = importlib.util.spec_from_file_location("bench_load", ROOT / "bench" / "load.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up while being made
    spec.loader.exec_module(module)
    return module


def test_mixed_load_without_errors_and_a_runaway_query_contained(built_store: Path, tmp_path: Path) -> None:
    bench = _bench()
    service = start_service(built_store, tmp_path / "service.log", query_workers="2", sparql_workers="2",
                            query_timeout="10", log_level="WARNING")
    try:
        mix, (alone, with_runaway) = bench.load_test(service.url, duration=10, clients=20, threads=2, compare=True)
    finally:
        stop_service(service)
    print("\n" + bench.table(mix, [alone, with_runaway], 20, 10))
    assert set(mix.paths) >= {"catalogue", "entity", "search"}
    assert alone.requests > 100 and with_runaway.requests > 50
    assert alone.error_count == 0, alone.errors
    assert with_runaway.error_count == 0, with_runaway.errors
    assert with_runaway.latency_ms["p95"] <= 3 * alone.latency_ms["p95"]
