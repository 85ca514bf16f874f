"""Settings in one place: paths of the project's sources and of the store, service options.

Every value can be set by an environment variable ``CLUSTERKG_<NAME>`` (for example
``CLUSTERKG_STORE=/srv/clusterkg/store``), so the CLI, the service and the tests agree.
The store is a directory (embedded Oxigraph) or a SPARQL server's URL
(``CLUSTERKG_STORE=sparql+https://db.example.org/sparql``; see ``clusterkg.remote``).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from pydantic import SecretStr, field_validator
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

    # A directory (embedded store) or a sparql+http(s):// URL (remote store, clusterkg.remote).
    store: Path | str = ROOT / "var" / "store"
    # Credentials of a remote store, when its URL carries none.
    store_user: str | None = None
    store_password: SecretStr | None = None
    host: str = "127.0.0.1"
    port: int = 8000
    query_timeout: float = 30.0
    max_results: int = 100_000
    # Worker processes evaluating SPARQL queries: at most this many run at once.
    query_workers: int = 2
    # Further workers for the public SPARQL endpoint and dumps, at a lower CPU priority, so an
    # expensive ad-hoc query never takes a worker or a core from the pages (2 recommended for a
    # public service: a query calling this endpoint by SERVICE then finds a free one). 0, the
    # default: every query shares query_workers.
    sparql_workers: int = 0
    # SERVICE endpoints a federated query may call (exact IRIs); empty refuses federation.
    # As an environment variable, a JSON list: CLUSTERKG_SPARQL_SERVICE_ALLOWLIST='["https://..."]'.
    sparql_service_allowlist: list[str] = []
    # Origins allowed to frame the embeddable views (/view/*), as CSP frame-ancestors sources;
    # ["*"] lets any site embed them. As an environment variable, a JSON list.
    frame_ancestors: list[str] = ["*"]
    # A network view with more nodes is cut to this many, the top ones by the chosen metric.
    max_view_nodes: int = 300
    # Curators' bearer tokens for the write API (/api/admin), label -> token; the label is
    # recorded as the author of each write. Empty: no write API (its routes answer 404).
    # As an environment variable, a JSON object: CLUSTERKG_ADMIN_TOKENS='{"alice": "..."}'.
    admin_tokens: dict[str, str] = {}
    # The largest RDF document the write API accepts, in bytes.
    max_upload_bytes: int = 10_000_000
    # Level of the service's JSON log lines on stderr (INFO: one access line per request).
    log_level: str = "INFO"

    @field_validator("store", mode="before")
    @classmethod
    def _store_location(cls, value: object) -> Path | str:
        """A remote URL stays text (a Path would fold its '//'); anything else is a directory."""
        from .store import parse_location

        return parse_location(value if isinstance(value, Path) else str(value))


@cache
def settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return Settings()
