"""The remote backend without a server: its URL scheme, bindings as VALUES, chunked writes, errors."""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox
import pytest

from clusterkg.catalogue import get_query, load_catalogue
from clusterkg.config import settings
from clusterkg.errors import QuerySyntaxError
from clusterkg.remote import (
    BadStoreURL,
    RemoteStore,
    RemoteStoreError,
    _chunks,
    blank_node_label,
    parse_store_url,
    redact,
    with_values,
)
from clusterkg.store import GraphStore, is_remote, open_store, parse_location

EX = "http://example.org/"


# ---------------------------------------------------------------- the URL scheme


@pytest.mark.parametrize(
    ("url", "query", "update", "gsp", "auth", "dataset"),
    [
        ("sparql+http://127.0.0.1:7878/query?update=/update&gsp=/store",
         "http://127.0.0.1:7878/query", "http://127.0.0.1:7878/update", "http://127.0.0.1:7878/store", "basic", "union"),
        ("sparql+http://h:8890/sparql-auth?gsp=/sparql-graph-crud-auth&auth=digest&dataset=catalog",
         "http://h:8890/sparql-auth", "http://h:8890/sparql-auth", "http://h:8890/sparql-graph-crud-auth", "digest", "catalog"),
        ("sparql+https://db.example.org/repositories/ckg?update=statements",
         "https://db.example.org/repositories/ckg", "https://db.example.org/repositories/statements", None, "basic", "union"),
        ("SPARQL+HTTPS://db.example.org/ds?update=https://other.example.org/ds/update",
         "https://db.example.org/ds", "https://other.example.org/ds/update", None, "basic", "union"),
        ("sparql+http://[::1]:3030/ds", "http://[::1]:3030/ds", "http://[::1]:3030/ds", None, "basic", "union"),
    ],
)
def test_store_urls(url: str, query: str, update: str, gsp: str | None, auth: str, dataset: str) -> None:
    remote = parse_store_url(url)
    assert (remote.query_url, remote.update_url, remote.gsp_url, remote.auth, remote.dataset) == (
        query, update, gsp, auth, dataset)


def test_credentials_from_the_url_win_and_are_percent_decoded() -> None:
    remote = parse_store_url("sparql+http://ann%40eu:p%3Ass@h/q", user="env", password="envpass")
    assert (remote.user, remote.password) == ("ann@eu", "p:ss")
    assert "p%3Ass" not in remote.display and "ann" not in remote.display
    fallback = parse_store_url("sparql+http://h/q", user="env", password="envpass")
    assert (fallback.user, fallback.password) == ("env", "envpass")


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("sparql+http://h/q?updates=/u", "unknown option 'updates'"),
        ("sparql+http://h/q?auth=ntlm", "auth='ntlm'"),
        ("sparql+http://h/q?dataset=all", "dataset='all'"),
        ("sparql+http://h/q?timeout=soon", "timeout='soon'"),
        ("sparql+http://h/q?gsp=/a&gsp=/b", "given twice"),
        ("sparql+http:///q", "names no host"),
        ("http://h/q", "does not start with sparql+"),
    ],
)
def test_bad_store_urls_say_what_is_wrong(url: str, message: str) -> None:
    with pytest.raises(BadStoreURL, match=re.escape(message)):
        parse_store_url(url)


def test_redact_hides_passwords_only() -> None:
    assert redact("sparql+http://dba:secret@h:1/sparql?auth=digest") == "sparql+http://dba:***@h:1/sparql?auth=digest"
    assert redact("sparql+http://h:1/sparql") == "sparql+http://h:1/sparql"


def test_locations_pick_the_backend(tmp_path: Path) -> None:
    assert is_remote("sparql+http://h/q") and not is_remote(tmp_path) and not is_remote("var/store")
    assert parse_location("sparql+https://h//q") == "sparql+https://h//q"  # not folded like a Path
    assert isinstance(parse_location(str(tmp_path)), Path)
    assert isinstance(open_store("sparql+http://127.0.0.1:9/q", read_only=True), RemoteStore)
    assert isinstance(open_store(tmp_path / "new"), GraphStore)


def test_settings_keep_a_store_url_as_text(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLUSTERKG_STORE", "sparql+http://h:1/sparql?gsp=/store")
    monkeypatch.setenv("CLUSTERKG_STORE_PASSWORD", "s3cret")
    fresh = type(settings())()
    assert fresh.store == "sparql+http://h:1/sparql?gsp=/store"
    assert "s3cret" not in repr(fresh)


# ---------------------------------------------------------------- bindings


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("SELECT ?x WHERE { ?x ?p ?o }", "SELECT ?x WHERE { VALUES (?x) { (<http://example.org/a>) }  ?x ?p ?o }"),
        ("ASK { ?x ?p ?o }", "ASK { VALUES (?x) { (<http://example.org/a>) }  ?x ?p ?o }"),
        ("PREFIX e: <http://e/x> SELECT (COUNT(*) AS ?n) FROM <http://g> { ?x ?p '{' }",
         "PREFIX e: <http://e/x> SELECT (COUNT(*) AS ?n) FROM <http://g> { VALUES (?x) { (<http://example.org/a>) }  ?x ?p '{' }"),
        ("BASE <http://e/> SELECT ?x (EXISTS { ?x ?p ?o } AS ?e) WHERE { ?x ?p ?o }",
         "BASE <http://e/> SELECT ?x (EXISTS { ?x ?p ?o } AS ?e) WHERE { VALUES (?x) { (<http://example.org/a>) }  ?x ?p ?o }"),
        ("CONSTRUCT { ?x ?p ?o } WHERE { ?x ?p ?o }",
         "CONSTRUCT { ?x ?p ?o } WHERE { VALUES (?x) { (<http://example.org/a>) }  ?x ?p ?o }"),
        ("# a { in a comment\nDESCRIBE ?x WHERE { ?x ?p ?o }",
         "# a { in a comment\nDESCRIBE ?x WHERE { VALUES (?x) { (<http://example.org/a>) }  ?x ?p ?o }"),
    ],
)
def test_bindings_open_the_where_clause(query: str, expected: str) -> None:
    assert with_values(query, {"x": ox.NamedNode(EX + "a")}) == expected


def test_bound_text_stays_data() -> None:
    hostile = ox.Literal('x" } } ; DROP ALL ; SELECT * { "\n')
    text = with_values("SELECT ?q WHERE { }", {"q": hostile})
    solutions = list(ox.Store().query(text))
    assert [s["q"] for s in solutions] == [hostile]


@pytest.mark.parametrize(
    ("query", "term", "message"),
    [
        ("SELECT * { ?x ?p ?o }", ox.BlankNode("b"), "blank node"),
        ("CONSTRUCT WHERE { ?x ?p ?o }", ox.NamedNode(EX), "short form"),
        ("DESCRIBE ?x", ox.NamedNode(EX), "WHERE clause"),
    ],
)
def test_bindings_that_cannot_be_sent(query: str, term, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        with_values(query, {"x": term})


def _catalogue_calls() -> list[tuple[str, dict[str, str]]]:
    """Every (query, parameters) pair that tests/queries/test_queries.py runs."""
    source = (Path(__file__).parents[1] / "queries" / "test_queries.py").read_text(encoding="utf-8")
    calls = {(m[1], tuple(re.findall(r'(\w+)="([^"]*)"', m[2])))
             for m in re.finditer(r'run\("(\w+)"((?:, \w+="[^"]*")*)\)', source)}
    calls |= {(query.name, ()) for query in load_catalogue() if not any(p.required for p in query.parameters)}
    return [(name, dict(params)) for name, params in sorted(calls)]


@pytest.mark.parametrize(("name", "params"), _catalogue_calls(),
                         ids=lambda v: v if isinstance(v, str) else "-".join(f"{k}={x}" for k, x in v.items()))
def test_values_bind_as_pyoxigraph_substitutes(graph_store: GraphStore, name: str, params: dict[str, str]) -> None:
    """Each catalogue query gives the same rows with its parameters as a VALUES block (what a
    remote store sends) as with pyoxigraph's substitution (the embedded store)."""
    query = get_query(name)
    bindings = query.bind(params)

    def rows(results) -> list[tuple]:
        names = [v.value for v in results.variables]
        return sorted(tuple((n, _unordered(s[n])) for n in names if s[n] is not None) for s in results)

    assert rows(graph_store.query(with_values(query.sparql, bindings))) == rows(graph_store.query(query.sparql, bindings))


def _unordered(term) -> str:
    """A term as text, with the parts of a GROUP_CONCAT list sorted (their order is not defined)."""
    return ", ".join(sorted(term.value.split(", "))) if isinstance(term, ox.Literal) else str(term)


# ---------------------------------------------------------------- writes and results


def test_chunks_keep_triples_sharing_a_blank_node_together() -> None:
    a, b, c = ox.BlankNode("a"), ox.BlankNode("b"), ox.BlankNode("c")
    p, s = ox.NamedNode(EX + "p"), ox.NamedNode(EX + "s")
    linked = [ox.Triple(s, p, a), ox.Triple(a, p, b), ox.Triple(b, p, ox.Literal("1")), ox.Triple(c, p, ox.Literal("2"))]
    free = [ox.Triple(ox.NamedNode(f"{EX}{i}"), p, ox.Literal(str(i))) for i in range(7)]
    chunks = list(_chunks(free[:3] + linked + free[3:], size=3))
    assert sorted(map(str, (t for chunk in chunks for t in chunk))) == sorted(map(str, free + linked))
    holder = {label: index for index, chunk in enumerate(chunks) for t in chunk
              for label in (t.subject, t.object) if isinstance(label, ox.BlankNode)}
    assert len({holder[a], holder[b]}) == 1  # a and b are linked through one triple
    assert all(len(chunk) <= 3 for chunk in chunks if not any(isinstance(t.subject, ox.BlankNode) for t in chunk))


def test_blank_node_labels_of_servers_become_valid() -> None:
    assert blank_node_label("nodeID://b10000") == "b10000"
    assert blank_node_label("b1") == "b1"
    label = blank_node_label("weird label!")
    assert ox.BlankNode(label) and label != blank_node_label("weird label?")


def test_an_unreachable_server_is_one_clear_error() -> None:
    store = RemoteStore("sparql+http://127.0.0.1:9/sparql?timeout=5", read_only=True)
    with pytest.raises(RemoteStoreError, match="cannot reach the SPARQL server http://127.0.0.1:9/sparql"):
        store.query("ASK {}")
    with pytest.raises(OSError):  # the query workers report it as a store failure (HTTP 500)
        store.query("ASK {}")


def test_syntax_errors_are_found_before_sending() -> None:
    store = RemoteStore("sparql+http://127.0.0.1:9/sparql", read_only=True)
    with pytest.raises(QuerySyntaxError, match=r"1:\d+"):
        store.query("SELECT * WHERE { ?s ?p }")


def test_a_read_only_remote_store_refuses_writes() -> None:
    store = RemoteStore("sparql+http://127.0.0.1:9/sparql", read_only=True)
    with pytest.raises(RemoteStoreError, match="read-only"):
        store.replace_graph(ox.NamedNode(EX + "g"), [])
