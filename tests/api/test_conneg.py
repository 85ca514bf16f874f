"""Content negotiation is one function with a table of tests.

The first cases are Oxigraph's server tests (oxigraph/oxigraph, cli/src/main.rs:
get_query_accept_*), ported; where this endpoint answers differently the comment says why.
The rest cover what real clients send: SPARQLWrapper, rdflib, browsers, curl, old Java.
"""

from __future__ import annotations

import pytest

from clusterkg.api.sparql import (
    HTML_OFFER,
    PROBLEM_OFFERS,
    RDF_OFFERS,
    RESULTS_OFFERS,
    BadAccept,
    NotAcceptable,
    negotiate,
)

JSON = "application/sparql-results+json"
XML = "application/sparql-results+xml"
CSV = "text/csv"
TSV = "text/tab-separated-values"
TURTLE = "text/turtle"
NT = "application/n-triples"
JSONLD = "application/ld+json"
RDFXML = "application/rdf+xml"
NQ = "application/n-quads"
HTML = "text/html"
NOT_ACCEPTABLE = 406
BAD = 400

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"

RESULTS_CASES = [
    # Oxigraph's cases.
    ("*/*", JSON),  # get_query_accept_star
    ("application/sparql-results+json;charset=utf-8", JSON),  # get_query_accept_good
    ("application/foo", NOT_ACCEPTABLE),  # get_query_accept_bad
    ("text/foo;q=0.5 , text/json ; q = 0.7", JSON),  # get_query_accept_explicit_priority
    ("text/json,text/foo", JSON),  # get_query_accept_implicit_priority
    ("text/foo;q=0.9,text/csv", CSV),  # get_query_accept_implicit_and_explicit_priority
    # get_query_accept_substar: Oxigraph answers text/* with JSON; JSON is not a text/* type,
    # so this endpoint picks the first text type it has.
    ("text/*", CSV),
    # No header, or an empty one: the default.
    (None, JSON),
    ("", JSON),
    # Exact types and their aliases.
    (XML, XML),
    (CSV, CSV),
    (TSV, TSV),
    ("text/tsv", TSV),
    ("application/json", JSON),
    ("application/xml", XML),
    ("text/xml", XML),
    ("APPLICATION/SPARQL-RESULTS+XML", XML),
    # q-values: the highest wins; q=0 excludes, even when a wildcard would allow it.
    ("text/csv;q=0.5, text/tab-separated-values", TSV),
    ("*/*;q=0.1, application/sparql-results+xml;q=0.5", XML),
    ("application/sparql-results+json;q=0, */*", XML),
    ("application/sparql-results+json;q=0", NOT_ACCEPTABLE),
    ("*/*;q=0", NOT_ACCEPTABLE),
    ("text/*;q=0.3, application/*;q=0.2", CSV),
    ("application/*", JSON),
    ("text/csv;q=0.000, */*;q=0.001", JSON),
    # Equal quality: the more specific range, then the client's order.
    ("text/csv, text/tab-separated-values", CSV),
    ("text/tab-separated-values, text/csv", TSV),
    ("text/*, application/sparql-results+xml", XML),
    # Charset parameters: UTF-8 (any spelling) matches, another charset does not.
    ("text/csv; charset=utf-8", CSV),
    ('text/csv;charset="UTF-8"', CSV),
    ("text/csv; charset=iso-8859-1", NOT_ACCEPTABLE),
    ("text/csv; charset=iso-8859-1, application/sparql-results+xml;q=0.1", XML),
    # Several types and accept-extensions after q.
    ("text/csv;q=0.8;foo=bar, application/sparql-results+xml;q=0.9", XML),
    # What clients send.
    ("application/sparql-results+json,application/json,text/javascript,application/javascript", JSON),  # SPARQLWrapper JSON
    ("application/sparql-results+xml", XML),  # SPARQLWrapper XML
    ("application/sparql-results+xml, application/rdf+xml, */*", XML),  # SPARQLWrapper default
    (BROWSER, XML),  # application/xml;q=0.9 beats */*;q=0.8
    ("text/html", NOT_ACCEPTABLE),
    ("text/plain", NOT_ACCEPTABLE),
    ("text/html, image/gif, image/jpeg, *; q=.2, */*; q=.2", JSON),  # old Java HttpURLConnection
    # Malformed headers are the client's error.
    ("application/sparql-results+json; q=1.5", BAD),
    ("application/sparql-results+json; q=high", BAD),
    ("sparql-results", BAD),
    ("*/json", BAD),
]

RDF_CASES = [
    (None, TURTLE),
    ("*/*", TURTLE),
    (TURTLE, TURTLE),
    ("application/turtle,text/turtle", TURTLE),  # SPARQLWrapper TURTLE
    ("application/x-turtle", TURTLE),
    (NT, NT),
    ("text/plain", NT),
    ("application/ld+json,application/x-json+ld", JSONLD),  # SPARQLWrapper JSONLD
    ("application/json", JSONLD),
    (RDFXML, RDFXML),  # SPARQLWrapper RDFXML
    ("application/xml", RDFXML),
    (NQ, NQ),
    ("text/*", TURTLE),
    ("application/*", NT),
    ("application/sparql-results+xml, application/rdf+xml, */*", RDFXML),  # SPARQLWrapper default
    ("text/turtle;q=0.5, application/n-triples;q=0.6", NT),
    ("text/turtle;q=0, */*", NT),
    (BROWSER, RDFXML),
    # A CONSTRUCT result is not a table: asking only for CSV or SPARQL results gets 406, not Turtle.
    (CSV, NOT_ACCEPTABLE),
    (JSON, NOT_ACCEPTABLE),
    ("text/csv, application/sparql-results+json", NOT_ACCEPTABLE),
    ("text/turtle; charset=utf-16", NOT_ACCEPTABLE),
]

SERVICE_DESCRIPTION_CASES = [
    (None, TURTLE),
    ("*/*", TURTLE),
    (BROWSER, HTML),
    (HTML, HTML),
    ("text/html;q=0.5, text/turtle", TURTLE),
    ("application/rdf+xml", RDFXML),
    (JSON, NOT_ACCEPTABLE),
]


def _outcome(accept: str | None, offers: tuple) -> object:
    try:
        return negotiate(accept, offers).media_type
    except NotAcceptable:
        return NOT_ACCEPTABLE
    except BadAccept:
        return BAD


@pytest.mark.parametrize(("accept", "expected"), RESULTS_CASES)
def test_select_and_ask_results(accept: str | None, expected: object) -> None:
    assert _outcome(accept, RESULTS_OFFERS) == expected


@pytest.mark.parametrize(("accept", "expected"), RDF_CASES)
def test_construct_and_describe_results(accept: str | None, expected: object) -> None:
    assert _outcome(accept, RDF_OFFERS) == expected


@pytest.mark.parametrize(("accept", "expected"), SERVICE_DESCRIPTION_CASES)
def test_service_description_or_query_page(accept: str | None, expected: object) -> None:
    assert _outcome(accept, (*RDF_OFFERS, HTML_OFFER)) == expected


@pytest.mark.parametrize(
    ("accept", "expected"),
    [(None, "application/problem+json"), ("*/*", "application/problem+json"), ("text/plain", "text/plain"),
     ("application/json", "application/problem+json"), (BROWSER, "application/problem+json")],
)
def test_problem_documents(accept: str | None, expected: str) -> None:
    assert _outcome(accept, PROBLEM_OFFERS) == expected
