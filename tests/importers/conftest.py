"""Fixtures of the importer tests: writable copies of the built store."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest


@pytest.fixture
def store(built_store: Path, tmp_path: Path) -> Path:
    """A writable copy of the built store, in a folder of its own (rejects land beside it)."""
    path = tmp_path / "store"
    shutil.copytree(built_store, path)
    return path


@pytest.fixture(scope="module")
def module_store(built_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A writable copy of the built store shared by one test module (imports are slow to repeat)."""
    path = tmp_path_factory.mktemp("imports") / "store"
    shutil.copytree(built_store, path)
    return path
