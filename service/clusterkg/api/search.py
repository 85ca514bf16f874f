"""Search by label: ``GET /api/search`` (JSON) and ``GET /search`` (the HTML results page).

The label index is read through the executor the first time something needs it, once per
app, and kept in memory: the store behind a running service does not change.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from typing import Annotated

import pyoxigraph as ox
from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field

from ..executor import QueryExecutor, ResultTooLarge
from ..iris import PREFIXES
from ..search import LabelIndex
from ..store import Term
from .deps import ExecutorDep
from .internal import internal_query
from .templating import local_path, page_href, requested_languages, templates

router = APIRouter(tags=["search"])


_HEX = "0123456789abcdef"


async def _bucketed(
    executor: QueryExecutor, name: str, columns: tuple[str, ...], consume: Callable[[Iterator[tuple[str, ...]]], None]
) -> None:
    """Hand ``consume`` the rows of a query that reads the subjects whose MD5 starts with
    ``?bucket``, bucket by bucket, as texts (the last column's language tag after them).

    Sixteen buckets, as many at a time as the executor has workers: each is one scan of the
    store, where keyset paging sorted every label for each page (a minute per page at five
    million triples). A bucket over the executor's row cap is read again as sixteen smaller ones.
    """
    pending = list(_HEX)
    while pending:
        batch, pending = pending[: executor.workers], pending[executor.workers :]
        pages = await asyncio.gather(
            *(executor.select(internal_query(name), bindings={"bucket": ox.Literal(b)}) for b in batch),
            return_exceptions=True,
        )
        for bucket, page in zip(batch, pages):
            if isinstance(page, ResultTooLarge) and len(bucket) < 32:
                pending.extend(bucket + h for h in _HEX)
            elif isinstance(page, BaseException):
                raise page
            else:  # in a thread: normalising fifty thousand labels would hold up the event loop
                await asyncio.to_thread(consume, (_texts(row, columns) for row in page.rows))


def _texts(row: dict[str, Term], columns: tuple[str, ...]) -> tuple[str, ...]:
    terms = [row[c] for c in columns]
    return (*(t.value for t in terms), getattr(terms[-1], "language", None) or "")


async def load_label_index(executor: QueryExecutor) -> LabelIndex:
    """Read every label, type and subclass edge through the executor into a ``LabelIndex``."""
    index = LabelIndex()
    await _bucketed(executor, "labels", ("s", "p", "label"), index.add_labels)
    await _bucketed(executor, "types", ("s", "type"), lambda rows: index.add_types((s, t) for s, t, _ in rows))
    subclass_rows = await executor.select(internal_query("subclasses"))
    index.set_subclass_edges((row["sub"].value, row["super"].value) for row in subclass_rows.rows)
    return index


async def get_label_index(request: Request, executor: ExecutorDep) -> LabelIndex:
    """The app's label index, loaded on first use and kept for the app's lifetime."""
    state = request.app.state
    index = getattr(state, "label_index", None)
    if index is not None:
        return index
    async with _lock_for(state):
        if getattr(state, "label_index", None) is None:
            state.label_index = await load_label_index(executor)
    return state.label_index


def _lock_for(state: object) -> asyncio.Lock:
    """One lock per app, so concurrent first requests load the index once."""
    lock = getattr(state, "label_index_lock", None)
    if lock is None:
        lock = asyncio.Lock()
        state.label_index_lock = lock
    return lock


LabelIndexDep = Annotated[LabelIndex, Depends(get_label_index)]


class SearchResult(BaseModel):
    """One entity found by its label."""

    iri: str = Field(description="The entity's IRI.")
    label: str = Field(description="Its label in the requested language (English by default).")
    matched: str = Field(description="The label, other name or acronym that matched the query.")
    matched_language: str = Field(description="The language tag of the matched label, '' if none.")
    type: str | None = Field(description="Its main type (a clusterkg class where it has one).")
    types: list[str] = Field(description="All its asserted types.")
    score: float = Field(description="1 exact, 0.8 prefix, 0.6 all words, 0.4 substring; 0.05 less for other names.")
    url: str | None = Field(description="Its page on this service, when it has one.")


def expand_type(value: str | None) -> str | None:
    """A type filter as a full IRI: ``ckg:ClusterOrganisation`` or the IRI itself."""
    if not value:
        return None
    prefix, colon, local = value.partition(":")
    if colon and prefix in PREFIXES and not local.startswith("//"):
        return PREFIXES[prefix] + local
    if value.startswith(("http://", "https://")):
        return value
    raise HTTPException(
        400,
        f"type {value!r} is neither an IRI nor a prefixed name (ckg:ClusterOrganisation); known prefixes: {', '.join(PREFIXES)}",
    )


def _main_type(types: set[str]) -> str | None:
    """The type to show first: a clusterkg class if there is one."""
    ordered = sorted(types, key=lambda t: (not t.startswith(PREFIXES["ckg"]), t))
    return ordered[0] if ordered else None


def run_search(index: LabelIndex, q: str, limit: int, type_iri: str | None, languages: list[str]) -> list[SearchResult]:
    """Search ``index`` and shape the hits for JSON and HTML."""
    results = []
    for hit in index.search(q, limit=limit, type_iri=type_iri):
        asserted = index.types.get(hit.iri, set())
        results.append(
            SearchResult(
                iri=hit.iri,
                label=index.label(hit.iri, languages) or hit.matched.text,
                matched=hit.matched.text,
                matched_language=hit.matched.language,
                type=_main_type(asserted),
                types=sorted(asserted),
                score=round(hit.score, 3),
                url=local_path(hit.iri),
            )
        )
    return results


Q_HELP = "Words of a label, other name or acronym, in any language; accents and case do not matter."
TYPE_HELP = "Only instances of this class (IRI or prefixed name such as ckg:ClusterOrganisation), subclasses included."


@router.get("/api/search", response_model=list[SearchResult], operation_id="search")
async def search_api(
    request: Request,
    index: LabelIndexDep,
    q: Annotated[str, Query(description=Q_HELP, max_length=500)] = "",
    limit: Annotated[int, Query(ge=1, le=500, description="At most this many results.")] = 20,
    type: Annotated[str | None, Query(description=TYPE_HELP)] = None,
) -> list[SearchResult]:
    """Find entities by label: exact matches first, then prefixes, all words, substrings."""
    languages, _ = requested_languages(request)
    return run_search(index, q, limit, expand_type(type), languages)


@router.get("/search", response_class=HTMLResponse, include_in_schema=False)
async def search_page(
    request: Request,
    index: LabelIndexDep,
    q: Annotated[str, Query(max_length=500)] = "",
    type: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> HTMLResponse:
    """The HTML results of the search box on every page."""
    languages, lang = requested_languages(request)
    type_iri = expand_type(type)
    results = run_search(index, q, limit, type_iri, languages)
    return templates.TemplateResponse(
        request,
        "search.html",
        {
            "q": q,
            "type_iri": type_iri,
            "type_label": index.label(type_iri, languages) if type_iri else None,
            "results": results,
            "lang": lang,
            "label_of": lambda iri: index.label(iri, languages),
            "href": lambda iri: page_href(iri, lang),
            "title": f"Search: {q}" if q else "Search",
            "limit": limit,
        },
    )
