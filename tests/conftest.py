"""Fixtures shared by the whole suite: one store built from the real sources per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from clusterkg.build import build
from clusterkg.config import SHARED_REAL_DIR
from clusterkg.store import GraphStore


@pytest.fixture(scope="session")
def built_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The path of a store built from the project's sources, shared read-only by the tests."""
    path = tmp_path_factory.mktemp("built") / "store"
    build(path)
    return path


@pytest.fixture(scope="session")
def graph_store(built_store: Path) -> GraphStore:
    """The built store opened read-only, for tests that query it in-process."""
    return GraphStore.open_existing(built_store, read_only=True)


@pytest.fixture(scope="session")
def real_dir() -> Path:
    """../shared/data/real, or a skip saying why the test cannot run."""
    if not SHARED_REAL_DIR.is_dir():
        pytest.skip(f"needs the real data files in {SHARED_REAL_DIR} (../shared beside the project)")
    return SHARED_REAL_DIR
