"""The service's own SPARQL, kept in ``queries/internal/*.rq`` and read once at import.

These queries drive the linked-data pages, the search index and the home page; they are not
part of the public catalogue. Values are always bound as RDF terms by the caller.
"""

from __future__ import annotations

from pathlib import Path

from ..config import QUERIES_DIR

INTERNAL_QUERIES_DIR = QUERIES_DIR / "internal"


def read_internal_queries(folder: Path = INTERNAL_QUERIES_DIR) -> dict[str, str]:
    """Every ``.rq`` file of ``folder``: name (file stem) -> text."""
    return {path.stem: path.read_text(encoding="utf-8") for path in sorted(folder.glob("*.rq"))}


INTERNAL: dict[str, str] = read_internal_queries()


def internal_query(name: str) -> str:
    """The text of ``queries/internal/NAME.rq``; a missing file is a broken checkout."""
    try:
        return INTERNAL[name]
    except KeyError:
        raise RuntimeError(f"queries/internal/{name}.rq is missing: the checkout is incomplete") from None
