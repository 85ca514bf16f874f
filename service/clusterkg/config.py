"""Settings in one place: paths of the project's sources and of the store, service options.

Every value can be set by an environment variable ``CLUSTERKG_<NAME>`` (for example
``CLUSTERKG_STORE=/srv/clusterkg/store``), so the CLI, the service and the tests agree.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parents[2]
ONTOLOGY_DIR = ROOT / "ontology"
SHAPES_DIR = ROOT / "shapes"
DATA_DIR = ROOT / "data"
QUERIES_DIR = ROOT / "queries"
SHARED_REAL_DIR = ROOT.parent / "shared" / "data" / "real"


class Settings(BaseSettings):
    """Operator-facing settings; defaults suit a developer's checkout."""

    model_config = SettingsConfigDict(env_prefix="CLUSTERKG_")

    store: Path = ROOT / "var" / "store"
    host: str = "127.0.0.1"
    port: int = 8000
    query_timeout: float = 30.0
    max_results: int = 100_000
    # Worker processes evaluating SPARQL queries: at most this many run at once.
    query_workers: int = 2
    # SERVICE endpoints a federated query may call (exact IRIs); empty refuses federation.
    # As an environment variable, a JSON list: CLUSTERKG_SPARQL_SERVICE_ALLOWLIST='["https://..."]'.
    sparql_service_allowlist: list[str] = []
    # Origins allowed to frame the embeddable views (/view/*), as CSP frame-ancestors sources;
    # ["*"] lets any site embed them. As an environment variable, a JSON list.
    frame_ancestors: list[str] = ["*"]
    # A network view with more nodes is cut to this many, the top ones by the chosen metric.
    max_view_nodes: int = 300


@cache
def settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return Settings()
