"""Fixtures of the partner search tests: the curated store, a reader over it, an app client, and a
store with real imported sources (the Interreg file, and the cluster organisations of the Kohesio
file, both through the real importers).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from clusterkg.api.app import create_app
from clusterkg.config import Settings
from clusterkg.partners.reader import StoreReader
from clusterkg.store import GraphStore

ID = "https://w3id.org/clusterkg/id/"
APULIA = ID + "organisation/apulia-creative-cluster-association"
ESCP = ID + "call/cos-clustpartns-2017-3-02"
EXCELLENCE = ID + "call/cosme-european-cluster-excellence-programme-2019"

#: Words Kohesio's cluster organisations have in their names (the importer's own list; not the
#: Polish 'klasztor', a monastery).
CLUSTER_WORDS = ("klaster", "klastr", "klaszter", "cluster", "клъстер")

_IMPORT = """
import sys
from pathlib import Path
from clusterkg.importers import import_file
report = import_file(sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]), None, None, None)
print(report.imported)
"""


@pytest.fixture(scope="session")
def reader(graph_store: GraphStore) -> StoreReader:
    """The curated store, read in this process."""
    return StoreReader(graph_store)


@pytest.fixture(scope="session")
def client(built_store: Path) -> Iterator[TestClient]:
    """The app over the curated store."""
    with TestClient(create_app(Settings(store=built_store, query_workers=2))) as test_client:
        yield test_client


def _import(source: str, file: Path, store: Path) -> int:
    """Run a real importer in its own process (it holds the store's write lock while it runs)."""
    result = subprocess.run([sys.executable, "-c", _IMPORT, source, str(file), str(store)],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    return int(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="session")
def imported_store(built_store: Path, real_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The curated store plus two real sources: every Interreg partner with a Swedish partner
    (interreg-se-partners-2021-2027.json) and the cluster organisations among the Kohesio
    beneficiaries of central and eastern Europe (kohesio-beneficiaries-cee.tsv, its rows whose
    name says cluster: the full file takes minutes to import)."""
    folder = tmp_path_factory.mktemp("imported")
    store = folder / "store"
    shutil.copytree(built_store, store)
    kohesio = real_dir / "kohesio-beneficiaries-cee.tsv"
    lines = kohesio.read_text(encoding="utf-8").splitlines(keepends=True)
    clusters = [line for line in lines[1:] if any(w in line.lower() for w in CLUSTER_WORDS) and "klasztor" not in line.lower()]
    subset = folder / "kohesio-cluster-organisations.tsv"
    subset.write_text(lines[0] + "".join(clusters), encoding="utf-8")
    assert _import("interreg", real_dir / "interreg-se-partners-2021-2027.json", store) > 1000
    assert _import("kohesio", subset, store) >= 30
    return store


@pytest.fixture(scope="session")
def imported_reader(imported_store: Path) -> StoreReader:
    return StoreReader(GraphStore.open_existing(imported_store, read_only=True))
