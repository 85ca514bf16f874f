"""Jinja2 templates of the HTML pages and the helpers they share (links, languages, names).

Every page extends ``base.html`` (navigation and the search box); assets come from
``/static`` only, never from another host.
"""

from __future__ import annotations

import re
from pathlib import Path

from fastapi import Request
from fastapi.templating import Jinja2Templates

from ..iris import BASE, PREFIXES

TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"

templates = Jinja2Templates(directory=str(TEMPLATES_DIR))

#: Served IRI namespaces and the local path each dereferences at: the one mapping between
#: IRIs and pages, read by ``local_path`` and ``iri_for_path``. A namespace ending in ``/``
#: takes any rest; the others only themselves or a ``#fragment`` (ontology terms).
LOCAL_PATHS: tuple[tuple[str, str], ...] = (
    (BASE + "id/", "/id/"),
    (BASE + "vocab/", "/vocab/"),
    (BASE + "source/", "/source/"),
    (BASE + "graph/", "/graph/"),
    (BASE + "ontology", "/ontology"),
    (BASE + "dataset", "/dataset"),
    ("http://data.europa.eu/nuts/code/", "/region/"),
    ("http://publications.europa.eu/resource/authority/country/", "/country/"),
)

_LANGUAGE_TAG = re.compile(r"^[a-zA-Z]{2,8}(-[a-zA-Z0-9]{1,8})*$")


def _maps(full: str, prefix: str) -> str | None:
    """The rest of ``full`` after ``prefix`` when the pair maps, else ``None``."""
    if not full.startswith(prefix):
        return None
    rest = full[len(prefix):]
    if prefix.endswith("/"):
        return rest if rest and "#" not in rest else None
    return rest if rest == "" or rest.startswith("#") else None


def local_path(iri: str) -> str | None:
    """The path of ``iri``'s page on this service, or ``None`` if it is not served here.

    ``https://w3id.org/clusterkg/id/organisation/x`` -> ``/id/organisation/x``;
    ``http://data.europa.eu/nuts/code/ITF4`` -> ``/region/ITF4``; an ontology term
    ``.../ontology#ClusterOrganisation`` -> ``/ontology#ClusterOrganisation``.
    """
    for prefix, path in LOCAL_PATHS:
        rest = _maps(iri, prefix)
        if rest is not None:
            return path + rest
    return None


def iri_for_path(path: str) -> str | None:
    """The IRI a local page path stands for: the inverse of ``local_path``."""
    for prefix, local in LOCAL_PATHS:
        rest = _maps(path, local)
        if rest is not None:
            return prefix + rest
    return None


def curie(iri: str) -> str:
    """``iri`` shortened with the project's prefixes, for display: ``skos:prefLabel``."""
    best = ""
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace) and len(namespace) > len(PREFIXES.get(best, "")):
            best = prefix
    if best:
        local = iri[len(PREFIXES[best]):]
        if re.fullmatch(r"[A-Za-z0-9_.\-/]*", local):
            return f"{best}:{local}"
    return iri


def requested_languages(request: Request) -> tuple[list[str], str | None]:
    """The reader's languages, best first, and the ``?lang=`` value if one was given.

    ``?lang=it`` wins; otherwise the primary subtags of Accept-Language in order of q.
    English is always the last fallback (added by the label lookup).
    """
    explicit = request.query_params.get("lang", "").strip().lower()
    if explicit and _LANGUAGE_TAG.match(explicit):
        return [explicit.split("-")[0]], explicit.split("-")[0]
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(request.headers.get("accept-language", "").split(",")):
        pieces = [p.strip() for p in part.split(";")]
        tag, q = pieces[0].lower(), 1.0
        for param in pieces[1:]:
            if param.startswith("q="):
                try:
                    q = float(param[2:])
                except ValueError:
                    q = 0.0
        if tag and tag != "*" and q > 0 and _LANGUAGE_TAG.match(tag):
            ranked.append((-q, position, tag.split("-")[0]))
    languages: list[str] = []
    for _, _, tag in sorted(ranked):
        if tag not in languages:
            languages.append(tag)
    return languages or ["en"], None


def page_href(iri: str, lang: str | None = None) -> str | None:
    """The local link to ``iri``'s page, keeping an explicit ``?lang=`` choice."""
    path = local_path(iri)
    if path is None:
        return None
    if lang:
        base, _, fragment = path.partition("#")
        return f"{base}?lang={lang}" + (f"#{fragment}" if fragment else "")
    return path


templates.env.globals.update(curie=curie, local_path=local_path, page_href=page_href)
templates.env.filters["curie"] = curie
