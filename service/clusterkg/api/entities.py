"""Linked-data pages: every IRI the project mints dereferences here, at the same path.

``https://w3id.org/clusterkg/id/organisation/x`` is served at ``/id/organisation/x`` (and
``/vocab/``, ``/source/``, ``/graph/``, ``/ontology``, ``/dataset``); NUTS regions and EU
countries, which the graph also describes, at ``/region/CODE`` and ``/country/CODE``. The
mapping is ``templating.local_path`` / ``iri_for_path``.

Browsers get HTML (labels in the reader's language, properties with links, incoming links,
amounts inline, and the provenance of every statement); RDF clients get Turtle, JSON-LD,
N-Triples or RDF/XML by content negotiation (RFC 9110 section 12.5.1) or ``?format=``.
Following the W3C note "Cool URIs for the Semantic Web" (section 4.3, hash and slash IRIs
served with content negotiation), one URL serves all representations with ``Vary: Accept``.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Annotated

import pyoxigraph as ox
from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, Response

from ..executor import QueryExecutor
from ..iris import BASE, CKG, PREFIXES, SCHEMA
from ..search import LabelIndex
from ..store import Term
from .deps import ExecutorDep
from .internal import internal_query
from .search import LabelIndexDep
from .sparql import HTML_OFFER, RDF_OFFERS, BadAccept, NotAcceptable, Offer
from .sparql import negotiate as negotiate_offer
from .templating import curie, iri_for_path, page_href, requested_languages, templates

router = APIRouter(tags=["linked data"])

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_COMMENT = "http://www.w3.org/2000/01/rdf-schema#comment"
DCTERMS_DESCRIPTION = "http://purl.org/dc/terms/description"
SKOS_DEFINITION = "http://www.w3.org/2004/02/skos/core#definition"
ONTOLOGY = BASE + "ontology"

# ---------------------------------------------------------------- content negotiation

#: The representations of a page, by ``?format=`` name, in the server's order for ties
#: (HTML first: a client that accepts anything gets the page). The Accept header is matched
#: by the service's one negotiation function, ``sparql.negotiate`` (RFC 9110 section 12.5.1).
REPRESENTATIONS: dict[str, Offer] = {
    "html": HTML_OFFER,
    "ttl": next(o for o in RDF_OFFERS if o.format == ox.RdfFormat.TURTLE),
    "jsonld": next(o for o in RDF_OFFERS if o.format == ox.RdfFormat.JSON_LD),
    "nt": next(o for o in RDF_OFFERS if o.format == ox.RdfFormat.N_TRIPLES),
    "rdf": next(o for o in RDF_OFFERS if o.format == ox.RdfFormat.RDF_XML),
}

#: ``?format=`` values and the representation each names.
FORMAT_ALIASES = {
    "html": "html", "ttl": "ttl", "turtle": "ttl", "jsonld": "jsonld", "json-ld": "jsonld",
    "nt": "nt", "ntriples": "nt", "n-triples": "nt", "rdf": "rdf", "xml": "rdf", "rdfxml": "rdf",
}


def negotiate(accept: str | None, format: str | None = None) -> str:
    """The representation to send, by name: ``?format=`` wins, else the best match of Accept.

    No Accept header means HTML. Raises ``ValueError`` for an unknown ``format`` or a
    malformed Accept header (400), ``NotAcceptable`` when nothing acceptable exists (406).
    """
    if format:
        try:
            return FORMAT_ALIASES[format.strip().lower()]
        except KeyError:
            raise ValueError(f"unknown format {format!r}: use one of {', '.join(sorted(set(FORMAT_ALIASES)))}") from None
    offers = list(REPRESENTATIONS.values())
    try:
        chosen = negotiate_offer(accept, offers)
    except BadAccept as error:
        raise ValueError(str(error)) from None
    return next(name for name, offer in REPRESENTATIONS.items() if offer is chosen)


# ---------------------------------------------------------------- the page's model


@dataclass
class ValueView:
    """One value of a property, ready for the template."""

    kind: str  # "iri", "literal" or "bnode"
    text: str
    iri: str | None = None
    href: str | None = None
    language: str = ""
    datatype: str | None = None
    graphs: list[int] = field(default_factory=list)
    nested: "NestedView | None" = None


@dataclass
class PropertyView:
    """A property of the entity with its values; other-language literals kept apart."""

    iri: str
    label: str
    curie: str
    href: str | None
    values: list[ValueView] = field(default_factory=list)
    other_languages: list[ValueView] = field(default_factory=list)


@dataclass
class AmountView:
    """A ``ckg:FundingAmount``: value, currency, fund, share and its parts."""

    value: str | None
    currency: str | None
    fund: ValueView | None
    share: str | None
    parts: list["NestedView"] = field(default_factory=list)


@dataclass
class NestedView:
    """A blank node or funding amount shown inside the page of the thing that holds it."""

    iri: str | None
    label: str | None
    href: str | None
    amount: AmountView | None
    properties: list[PropertyView] = field(default_factory=list)


@dataclass
class GraphView:
    """A named graph holding statements about the entity, and where it came from."""

    number: int
    iri: str
    label: str
    href: str | None
    origin: str | None
    documents: list[tuple[str, str, str | None, str | None]] = field(default_factory=list)


@dataclass
class EntityView:
    """Everything the entity page shows."""

    iri: str
    title: str
    types: list[ValueView]
    description: str | None
    properties: list[PropertyView]
    incoming: list[tuple[PropertyView, int]]
    graphs: list[GraphView]
    cited: list[tuple[str, str, str | None, str | None]]
    amount: AmountView | None
    languages: list[str]
    extra: dict[str, object] = field(default_factory=dict)


class Labeller:
    """Labels and links in the reader's language, from the in-memory label index."""

    def __init__(self, index: LabelIndex, languages: list[str], lang: str | None) -> None:
        self.index, self.languages, self.lang = index, languages, lang

    def label(self, iri: str) -> str:
        return self.index.label(iri, self.languages) or curie(iri)

    def href(self, iri: str) -> str | None:
        return page_href(iri, self.lang)

    def value(self, term: Term, graphs: list[int] | None = None) -> ValueView:
        if isinstance(term, ox.NamedNode):
            return ValueView("iri", self.label(term.value), iri=term.value, href=self.href(term.value), graphs=graphs or [])
        if isinstance(term, ox.BlankNode):
            return ValueView("bnode", "(anonymous)", graphs=graphs or [])
        datatype = term.datatype.value if term.datatype else None
        shown = None if term.language or datatype in (None, "http://www.w3.org/2001/XMLSchema#string") else curie(datatype)
        return ValueView("literal", term.value, language=term.language or "", datatype=shown, graphs=graphs or [])

    def property(self, iri: str) -> PropertyView:
        return PropertyView(iri, self.index.label(iri, self.languages) or curie(iri), curie(iri), self.href(iri))


def split_languages(values: list[ValueView], languages: list[str]) -> tuple[list[ValueView], list[ValueView]]:
    """Values in the reader's language (or English, or all when neither) and the rest.

    Untagged literals and IRIs always stay in the first list.
    """
    tagged = {v.language.split("-")[0].lower() for v in values if v.kind == "literal" and v.language}
    if not tagged:
        return values, []
    chosen = next((lang for lang in [*languages, "en"] if lang in tagged), None)
    if chosen is None:
        return values, []
    keep = [v for v in values if not v.language or v.language.split("-")[0].lower() == chosen]
    return keep, [v for v in values if v not in keep]


def _sort_key(value: ValueView) -> tuple:
    return (value.kind != "iri", value.text.casefold(), value.language)


Nested = dict[str, dict[str, list[Term]]]


def _amount(props: dict[str, list[Term]], labeller: Labeller, nested: Nested, depth: int = 0) -> AmountView:
    """An amount's value, currency, fund, share and parts from its properties."""
    value = props.get(str(SCHEMA.value), [None])[0]
    currency = props.get(str(SCHEMA.currency), [None])[0]
    fund = props.get(str(CKG.fund), [None])[0]
    share = props.get(str(CKG.share), [None])[0]
    parts = []
    if depth < 5:
        for part in sorted(props.get(str(CKG.part), []), key=lambda t: t.value):
            parts.append(_nested(part, nested, labeller, depth + 1))
    return AmountView(
        value=_format_number(value.value) if value is not None else None,
        currency=currency.value if currency is not None else None,
        fund=labeller.value(fund) if fund is not None else None,
        share=_format_share(share.value) if share is not None else None,
        parts=parts,
    )


def _format_number(lexical: str) -> str:
    """'2521964.00' -> '2,521,964.00': amounts are read by people here."""
    try:
        number = Decimal(lexical)
    except InvalidOperation:
        return lexical
    return f"{number:,.2f}" if number != number.to_integral_value() or "." in lexical else f"{number:,}"


def _format_share(lexical: str) -> str:
    """A share stored as a decimal (0.85) shown as a percentage (85%)."""
    try:
        return f"{(Decimal(lexical) * 100).normalize():f}%"
    except InvalidOperation:
        return lexical


def _nested(term: Term, nested: Nested, labeller: Labeller, depth: int = 0) -> NestedView:
    """A blank node or amount as a small inline block."""
    key = _key(term)
    props = nested.get(key, {})
    is_amount = str(CKG.FundingAmount) in {t.value for t in props.get(RDF_TYPE, [])}
    iri = term.value if isinstance(term, ox.NamedNode) else None
    view = NestedView(
        iri=iri,
        label=labeller.label(iri) if iri else None,
        href=labeller.href(iri) if iri else None,
        amount=_amount(props, labeller, nested, depth) if is_amount else None,
    )
    if not is_amount:
        for predicate in sorted(props):
            prop = labeller.property(predicate)
            prop.values = sorted((labeller.value(o) for o in props[predicate]), key=_sort_key)
            view.properties.append(prop)
    return view


def _key(term: Term) -> str:
    return ("_:" + term.value) if isinstance(term, ox.BlankNode) else term.value


async def describe(executor: QueryExecutor, iri: str, labeller: Labeller) -> EntityView | None:
    """The page of ``iri``, or ``None`` when the graph does not know it."""
    node = ox.NamedNode(iri)
    bindings = {"s": node}
    if not await executor.ask(internal_query("entity-exists"), bindings=bindings):
        return None
    outgoing, nested_rows, counts, provenance = await asyncio.gather(
        executor.select(internal_query("entity-outgoing"), bindings=bindings),
        executor.select(internal_query("entity-nested"), bindings=bindings),
        executor.select(internal_query("entity-incoming-counts"), bindings=bindings),
        executor.select(internal_query("entity-provenance"), bindings=bindings),
    )

    # Named graphs, numbered in a stable order, so each statement can cite its graph.
    graph_iris = sorted({row["g"].value for row in outgoing.rows} | {row["g"].value for row in provenance.rows if "g" in row})
    numbers = {g: i + 1 for i, g in enumerate(graph_iris)}
    graphs = {g: GraphView(numbers[g], g, labeller.label(g), labeller.href(g), None) for g in graph_iris}
    cited: dict[str, tuple[str, str, str | None, str | None]] = {}
    for row in provenance.rows:
        doc, page = row.get("doc"), row.get("page")
        doc_view = (doc.value, labeller.label(doc.value), labeller.href(doc.value), page.value if page else None) if doc else None
        if "g" in row:
            graph = graphs[row["g"].value]
            if "origin" in row:
                graph.origin = row["origin"].value
            if doc_view and doc_view not in graph.documents:
                graph.documents.append(doc_view)
        elif doc_view and row.get("cited") is not None:
            cited[doc.value] = doc_view

    nested: dict[str, dict[str, list[Term]]] = defaultdict(lambda: defaultdict(list))
    for row in nested_rows.rows:
        if row["v"] not in nested[_key(row["n"])][row["p"].value]:
            nested[_key(row["n"])][row["p"].value].append(row["v"])

    by_predicate: dict[str, dict[str, tuple[Term, list[int]]]] = defaultdict(dict)
    own: dict[str, list[Term]] = defaultdict(list)
    for row in outgoing.rows:
        p, o, g = row["p"].value, row["o"], row["g"].value
        entry = by_predicate[p].setdefault(_key(o), (o, []))
        if numbers[g] not in entry[1]:
            entry[1].append(numbers[g])
        if o not in own[p]:
            own[p].append(o)

    types: list[ValueView] = []
    properties: list[PropertyView] = []
    for predicate in sorted(by_predicate, key=lambda p: (p != RDF_TYPE, labeller.label(p).casefold())):
        prop = labeller.property(predicate)
        values = []
        for term, graph_numbers in by_predicate[predicate].values():
            value = labeller.value(term, sorted(graph_numbers))
            if isinstance(term, ox.BlankNode) or _key(term) in nested:
                value.nested = _nested(term, nested, labeller)
            values.append(value)
        values.sort(key=_sort_key)
        prop.values, prop.other_languages = split_languages(values, labeller.languages)
        if predicate == RDF_TYPE:
            types = values
        properties.append(prop)

    description = None
    for predicate in (RDFS_COMMENT, DCTERMS_DESCRIPTION, SKOS_DEFINITION):
        prop = next((p for p in properties if p.iri == predicate), None)
        if prop and prop.values:
            description = prop.values[0].text
            break

    incoming_rows = await asyncio.gather(
        *(
            executor.select(internal_query("entity-incoming"), bindings={"s": node, "p": row["p"]})
            for row in counts.rows
        )
    )
    incoming = []
    for count_row, rows in zip(counts.rows, incoming_rows, strict=True):
        prop = labeller.property(count_row["p"].value)
        prop.values = sorted((labeller.value(row["x"]) for row in rows.rows), key=_sort_key)
        incoming.append((prop, int(count_row["n"].value)))
    incoming.sort(key=lambda item: item[0].label.casefold())

    is_amount = str(CKG.FundingAmount) in {t.iri for t in types}
    return EntityView(
        iri=iri,
        title=labeller.label(iri),
        types=types,
        description=description,
        properties=properties,
        incoming=incoming,
        graphs=[graphs[g] for g in graph_iris],
        cited=sorted(cited.values(), key=lambda d: d[1].casefold()),
        amount=_amount(own, labeller, nested) if is_amount else None,
        languages=labeller.index.languages(iri),
    )


async def graph_extra(executor: QueryExecutor, iri: str, labeller: Labeller) -> dict[str, object]:
    """For a named graph's page: how many things it describes and the first of them."""
    bindings = {"s": ox.NamedNode(iri)}
    count, subjects = await asyncio.gather(
        executor.select(internal_query("graph-subject-count"), bindings=bindings),
        executor.select(internal_query("graph-subjects"), bindings=bindings),
    )
    total = int(count.rows[0]["n"].value) if count.rows else 0
    values = sorted((labeller.value(row["x"]) for row in subjects.rows), key=_sort_key)
    return {"graph_subjects": values, "graph_subject_count": total}


async def ontology_extra(executor: QueryExecutor, labeller: Labeller) -> dict[str, object]:
    """For the ontology's page: its classes and properties, each with an anchor for ``#Term``."""
    rows = await executor.select(internal_query("ontology-terms"))
    terms: dict[str, dict[str, list[Term]]] = defaultdict(lambda: defaultdict(list))
    for row in rows.rows:
        terms[row["term"].value][row["p"].value].append(row["o"])
    sections: dict[str, list[dict[str, object]]] = {
        "Classes": [], "Object properties": [], "Datatype properties": [], "Other terms": [],
    }
    owl = PREFIXES["owl"]
    for term in sorted(terms, key=str.casefold):
        props = terms[term]
        kinds = {t.value for t in props.get(RDF_TYPE, [])}
        section = (
            "Classes" if owl + "Class" in kinds
            else "Object properties" if owl + "ObjectProperty" in kinds
            else "Datatype properties" if owl + "DatatypeProperty" in kinds
            else "Other terms"
        )
        details = []
        for predicate in sorted(props):
            if predicate in (RDF_TYPE,):
                continue
            prop = labeller.property(predicate)
            values = sorted((labeller.value(o) for o in props[predicate]), key=_sort_key)
            prop.values, prop.other_languages = split_languages(values, labeller.languages)
            details.append(prop)
        sections[section].append(
            {"iri": term, "anchor": term.partition("#")[2], "label": labeller.label(term), "details": details}
        )
    return {"ontology_sections": {k: v for k, v in sections.items() if v}}


# ---------------------------------------------------------------- routes


async def _serve(request: Request, iri: str, executor: QueryExecutor, index: LabelIndex, format: str | None) -> Response:
    """Negotiate, then answer with the HTML page or the RDF of ``iri`` (404 when unknown)."""
    try:
        representation = negotiate(request.headers.get("accept"), format)
    except ValueError as error:
        raise HTTPException(400, str(error)) from None
    except NotAcceptable:
        offered = ", ".join(o.media_type for o in REPRESENTATIONS.values())
        return PlainTextResponse(
            f"406 Not Acceptable: this page is available as {offered}; or add ?format=ttl|jsonld|nt|rdf|html",
            406,
            headers={"Vary": "Accept"},
        )
    try:
        node = ox.NamedNode(iri)
    except ValueError:
        return _not_found(request, iri, representation, index)
    headers = {"Vary": "Accept, Accept-Language", "Link": f'<{iri}>; rel="canonical"'}
    if representation != "html":
        offer = REPRESENTATIONS[representation]
        content_type, rdf_format = offer.content_type, offer.format
        if not await executor.ask(internal_query("entity-exists"), bindings={"s": node}):
            return _not_found(request, iri, representation, index)
        if iri == ONTOLOGY:
            triples = await executor.construct(internal_query("ontology-describe"))
        else:
            triples = await executor.construct(internal_query("entity-describe"), bindings={"s": node})
        return Response(_serialize(triples, rdf_format), media_type=content_type, headers=headers)

    languages, lang = requested_languages(request)
    labeller = Labeller(index, languages, lang)
    view = await describe(executor, iri, labeller)
    if view is None:
        return _not_found(request, iri, representation, index)
    if iri == ONTOLOGY:
        view.extra.update(await ontology_extra(executor, labeller))
    if iri.startswith(BASE + "graph/"):
        view.extra.update(await graph_extra(executor, iri, labeller))
    alternates = [(name, REPRESENTATIONS[name].media_type) for name in ("ttl", "jsonld", "nt", "rdf")]
    return templates.TemplateResponse(
        request,
        "entity.html",
        {"view": view, "lang": lang, "language": languages[0], "alternates": alternates, "title": view.title},
        headers=headers,
    )


def _serialize(triples: list[ox.Triple], rdf_format: ox.RdfFormat) -> bytes:
    """Triples in ``rdf_format``; Turtle and RDF/XML with the project's prefixes, for people."""
    if rdf_format in (ox.RdfFormat.TURTLE, ox.RdfFormat.RDF_XML):
        return ox.serialize(triples, format=rdf_format, prefixes=PREFIXES)
    return ox.serialize(triples, format=rdf_format)


def _not_found(request: Request, iri: str, representation: str, index: LabelIndex) -> Response:
    """404: a page with suggestions for browsers, one line for RDF clients."""
    if representation != "html":
        return PlainTextResponse(f"404 Not Found: the graph says nothing about <{iri}>; search with /api/search?q=...", 404)
    languages, lang = requested_languages(request)
    words = iri.rstrip("/").rsplit("/", 1)[-1].replace("-", " ")
    suggestions = [
        (index.label(h.iri, languages) or h.matched.text, page_href(h.iri, lang) or h.iri) for h in index.search(words, limit=8)
    ] if words else []
    return templates.TemplateResponse(
        request,
        "not_found.html",
        {"iri": iri, "suggestions": suggestions, "q": words, "lang": lang, "title": "Not found"},
        status_code=404,
    )


def _path(request: Request) -> str:
    """The decoded request path below the app's root: the IRI's local part."""
    path = request.scope["path"]
    root = request.scope.get("root_path", "")
    return path[len(root):] if root and path.startswith(root) else path


FormatQuery = Annotated[str | None, Query(description="Overrides Accept: html, ttl, jsonld, nt or rdf.")]
LangQuery = Annotated[
    str | None,
    Query(description="Language of the labels on the HTML page (it, en, ...); default from Accept-Language, then English."),
]


_RESPONSES: dict[int | str, dict[str, object]] = {
    200: {
        "description": "The HTML page, or the RDF of the resource.",
        "content": {offer.media_type: {} for offer in REPRESENTATIONS.values()},
    },
    404: {"description": "The graph says nothing about this IRI."},
    406: {"description": "None of the accepted media types can be produced."},
}


def _route(path: str, operation_id: str, summary: str):
    """GET ``path`` (documented, with a stable operation id) and HEAD (undocumented)."""
    def register(handler):
        router.add_api_route(path, handler, methods=["GET"], operation_id=operation_id, summary=summary,
                             response_class=HTMLResponse, responses=_RESPONSES)
        router.add_api_route(path, handler, methods=["HEAD"], include_in_schema=False)
        return handler

    return register


@_route("/id/{rest:path}", "entity_page", "An entity (organisation, project, programme, call, amount, ...)")
@_route("/vocab/{rest:path}", "concept_page", "A concept of the project's vocabularies")
@_route("/source/{rest:path}", "source_page", "A source document")
@_route("/graph/{rest:path}", "graph_page", "A named graph and its provenance")
async def minted(
    request: Request, rest: str, executor: ExecutorDep, index: LabelIndexDep, format: FormatQuery = None, lang: LangQuery = None
) -> Response:
    """The page of an IRI under ``https://w3id.org/clusterkg/``."""
    iri = iri_for_path(_path(request))
    if iri is None:
        raise HTTPException(404, "no such page")
    return await _serve(request, iri, executor, index, format)


@_route("/ontology", "ontology_page", "The clusterkg ontology and its terms (ontology#Term anchors)")
@_route("/dataset", "dataset_page", "The dataset's DCAT/VoID description")
async def fixed(
    request: Request, executor: ExecutorDep, index: LabelIndexDep, format: FormatQuery = None, lang: LangQuery = None
) -> Response:
    """The ontology and the dataset, whose IRIs have no path below them."""
    return await _serve(request, iri_for_path(_path(request)) or "", executor, index, format)


@_route("/region/{code}", "region_page", "A NUTS region (http://data.europa.eu/nuts/code/CODE)")
@_route("/country/{code}", "country_page", "A country (EU Publications Office authority IRI)")
async def reference(
    request: Request, code: str, executor: ExecutorDep, index: LabelIndexDep, format: FormatQuery = None, lang: LangQuery = None
) -> Response:
    """Regions and countries are in the graph, so they have pages too."""
    return await _serve(request, iri_for_path(_path(request)) or "", executor, index, format)
