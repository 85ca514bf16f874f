"""The remote backend: the store interface over any SPARQL 1.1 endpoint.

For users who outgrow one machine: the graph lives in a SPARQL server (Virtuoso, GraphDB,
Oxigraph server, Fuseki, Stardog, Neptune...), and the service, the CLI and the analytics talk
to it through ``RemoteStore``, which has the interface of the embedded ``GraphStore``.

Location
--------
A remote store is named by a URL whose scheme is ``sparql+`` and the endpoint's own scheme::

    sparql+http[s]://[USER:PASSWORD@]HOST[:PORT]/QUERY-PATH[?OPTION=VALUE&...]

The URL without ``sparql+`` and without options is the SPARQL 1.1 query endpoint. Options:

``update=PATH-OR-URL``
    The SPARQL 1.1 Update endpoint (§3.2 of the SPARQL 1.1 Protocol); a path is resolved
    against the query endpoint. Default: the query endpoint itself.
``gsp=PATH-OR-URL``
    A SPARQL 1.1 Graph Store HTTP Protocol endpoint. Loads then replace each named graph with
    ``PUT ?graph=IRI`` (and ``POST`` for further chunks). Without it, loads use SPARQL Update
    (``DROP SILENT GRAPH`` then ``INSERT DATA``).
``auth=basic|digest``
    The HTTP authentication scheme for the credentials (default ``basic``; Virtuoso's
    ``/sparql-auth`` and ``/sparql-graph-crud-auth`` want ``digest``).
``realm=NAME``
    The digest realm of the query endpoint (default ``SPARQL``, Virtuoso's).
``dataset=union|catalog``
    What a query sees when it names no dataset. ``union`` (default): the server's default
    graph, which must be the union of the named graphs (Oxigraph ``serve --union-default-graph``,
    Virtuoso, GraphDB; Fuseki with ``unionDefaultGraph``). ``catalog``: exactly the named graphs
    the build's catalogue lists (graph ``catalog``), sent with every query as
    ``default-graph-uri`` and ``named-graph-uri`` (§2.1.4); use it on a server whose default
    graph is separate, or that holds other data (Virtuoso's own system graphs, other projects).
``timeout=SECONDS``
    HTTP time limit of one request (default 300). The service's query time limit applies first.

Credentials come from the URL's userinfo (percent-encoded), else from ``CLUSTERKG_STORE_USER``
and ``CLUSTERKG_STORE_PASSWORD``. Messages and logs show the URL without its password.

Examples::

    sparql+http://127.0.0.1:7878/query?update=/update&gsp=/store          Oxigraph server
    sparql+http://127.0.0.1:8890/sparql-auth?gsp=/sparql-graph-crud-auth&auth=digest&dataset=catalog
                                                                          Virtuoso (user dba)
    sparql+https://db.example.org/repositories/ckg?update=/repositories/ckg/statements
                                                                          GraphDB

How it works
------------
Queries go through SPARQLWrapper (SPARQL 1.1 Protocol §2.1.2, POST form-encoded), results
come back as SPARQL JSON or N-Triples and are parsed into pyoxigraph objects, so callers see
the same types as with the embedded store (``QuerySolutions``, ``QueryBoolean``,
``QueryTriples``). Every query is first parsed locally by pyoxigraph: syntax errors carry the
same message and position on every backend, and a server never receives what the embedded
store would refuse.

Bindings are RDF terms, never text from a request: SPARQL 1.1 has no parameter passing, so
each term is written in its N-Triples form (which pyoxigraph produced from a validated term)
into a ``VALUES`` block placed first in the query's top-level group, where it joins with
everything else in the group, as pyoxigraph's substitution binds it everywhere (FILTERs and
OPTIONALs included).

A write is per named graph: ``replace_graph`` (Graph Store Protocol PUT semantics),
``drop_graph`` and ``load_quads`` (append). Large graphs are sent in chunks; triples sharing
a blank node always travel in the same request, because a server scopes blank node labels to
one request. A remote build is not atomic: graphs are replaced one by one, the catalogue last.
"""

from __future__ import annotations

import ast
import base64
import json
import re
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from .errors import ClusterKGError, QuerySyntaxError
from .iris import CATALOG_GRAPH, DATASET, STAGING_PREFIX
from .store import REMOTE_SCHEMES, Results, Term

_OPTIONS = ("update", "gsp", "auth", "realm", "dataset", "timeout")
CHUNK_TRIPLES = 50_000  # triples per write request
_DATASET_TTL = 30.0  # seconds the graph list of dataset=catalog is kept
_EMPTY_GRAPH = "urn:clusterkg:no-graph"  # names an empty dataset, which the protocol cannot
_VOID_SUBSET = "http://rdfs.org/ns/void#subset"

_RESULTS_TYPES = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "application/xml": ox.QueryResultsFormat.XML,
    "text/xml": ox.QueryResultsFormat.XML,
    "text/csv": ox.QueryResultsFormat.CSV,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}
_RDF_TYPES = {
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "text/plain": ox.RdfFormat.N_TRIPLES,
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/x-turtle": ox.RdfFormat.TURTLE,
    "application/n-quads": ox.RdfFormat.N_QUADS,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/trig": ox.RdfFormat.TRIG,
}
_SELECT_ACCEPT = "application/sparql-results+json, application/sparql-results+xml;q=0.8"
_GRAPH_ACCEPT = "application/n-triples, text/turtle;q=0.9, application/rdf+xml;q=0.5"


class RemoteStoreError(ClusterKGError, OSError):
    """The SPARQL server could not be reached, refused the request or failed.

    An ``OSError`` as well, so the query workers report it as a store failure (HTTP 500), as
    they do for a failing disk, and never as the client's fault.
    """


class BadStoreURL(ClusterKGError):
    """A ``sparql+http(s)://`` location that cannot be used."""

    def __init__(self, detail: str) -> None:
        super().__init__(f"bad store URL: {detail}", "see 'Using a SPARQL server' in the README for the URL scheme")


# --- the location ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RemoteLocation:
    """A parsed ``sparql+http(s)://`` location."""

    query_url: str
    update_url: str
    gsp_url: str | None
    user: str | None
    password: str | None
    auth: str = "basic"
    realm: str = "SPARQL"
    dataset: str = "union"
    timeout: float = 300.0

    @property
    def display(self) -> str:
        """The query endpoint as users may see it (no password)."""
        return redact(self.query_url)


def parse_store_url(url: str, user: str | None = None, password: str | None = None) -> RemoteLocation:
    """Parse a ``sparql+http(s)://`` location; ``user`` and ``password`` apply when the URL has none."""
    if not url.lower().startswith(REMOTE_SCHEMES):
        raise BadStoreURL(f"{redact(url)} does not start with sparql+http:// or sparql+https://")
    parts = urllib.parse.urlsplit(url[len("sparql+"):])
    if not parts.hostname:
        raise BadStoreURL(f"{redact(url)} names no host")
    if parts.fragment:
        raise BadStoreURL(f"{redact(url)} has a fragment (#...); remove it")
    options: dict[str, str] = {}
    for name, value in urllib.parse.parse_qsl(parts.query, keep_blank_values=True):
        if name not in _OPTIONS:
            raise BadStoreURL(f"unknown option {name!r}; the options are {', '.join(_OPTIONS)}")
        if name in options:
            raise BadStoreURL(f"option {name!r} is given twice")
        options[name] = value
    netloc = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    if parts.port:
        netloc += f":{parts.port}"
    query_url = urllib.parse.urlunsplit((parts.scheme, netloc, parts.path or "/", "", ""))
    auth = options.get("auth", "basic").lower()
    if auth not in ("basic", "digest"):
        raise BadStoreURL(f"auth={auth!r}: use basic or digest")
    dataset = options.get("dataset", "union").lower()
    if dataset not in ("union", "catalog"):
        raise BadStoreURL(f"dataset={dataset!r}: use union or catalog")
    try:
        timeout = float(options.get("timeout", "300"))
    except ValueError:
        raise BadStoreURL(f"timeout={options['timeout']!r} is not a number of seconds") from None
    url_user = urllib.parse.unquote(parts.username) if parts.username else None
    url_password = urllib.parse.unquote(parts.password) if parts.password else None
    return RemoteLocation(
        query_url=query_url,
        update_url=urllib.parse.urljoin(query_url, options["update"]) if options.get("update") else query_url,
        gsp_url=urllib.parse.urljoin(query_url, options["gsp"]) if options.get("gsp") else None,
        user=url_user if url_user is not None else user,
        password=url_password if url_user is not None else password,
        auth=auth,
        realm=options.get("realm", "SPARQL"),
        dataset=dataset,
        timeout=timeout,
    )


def redact(url: str) -> str:
    """``url`` with any password replaced by ``***``."""
    return re.sub(r"(?<=://)([^/@:]*):[^/@]*@", r"\1:***@", url)


# --- bindings as VALUES ---------------------------------------------------------------------


def with_values(sparql: str, bindings: Mapping[str, Term]) -> str:
    """``sparql`` with ``bindings`` as a VALUES block opening the query's top-level group.

    ``VALUES (?a ?b) { (<iri> "text"@en) }`` is inserted right after the ``{`` that opens the
    WHERE clause (after a CONSTRUCT template), on the same line, so line numbers do not move.
    Terms are written in N-Triples syntax by pyoxigraph, which is valid SPARQL: nothing of the
    request's text reaches the query but through a validated term.
    """
    if not bindings:
        return sparql
    names = list(bindings)
    for name in names:
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            raise ValueError(f"{name!r} is not a SPARQL variable name")
        term = bindings[name]
        if isinstance(term, ox.BlankNode):
            raise ValueError(f"?{name} is bound to a blank node, which a query sent to a server cannot name")
        if not isinstance(term, ox.NamedNode | ox.Literal):
            raise ValueError(f"?{name} is bound to {term!r}, which is not an IRI or a literal")
    block = " VALUES ({}) {{ ({}) }} ".format(
        " ".join(f"?{name}" for name in names), " ".join(str(bindings[name]) for name in names)
    )
    position = _where_group_start(sparql)
    return sparql[:position] + block + sparql[position:]


def _where_group_start(sparql: str) -> int:
    """The offset just after the ``{`` opening the query's WHERE clause."""
    from .executor import _TOKEN  # the SPARQL tokens, with strings, IRIs and comments whole

    tokens = [
        (match.lastgroup, match.group(), match.end())
        for match in _TOKEN.finditer(sparql)
        if match.lastgroup not in ("ws", "comment")
    ]
    index, form = 0, None
    while index < len(tokens):
        kind, text, _ = tokens[index]
        word = text.upper() if kind == "word" else None
        if word in ("BASE", "PREFIX"):
            index += 3 if word == "PREFIX" else 2
            continue
        form = word
        break
    if form not in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE"):
        raise ValueError("bindings need a SELECT, ASK, CONSTRUCT or DESCRIBE query")
    index += 1
    if form == "CONSTRUCT":
        if index < len(tokens) and tokens[index][1] == "{":
            index = _after_group(tokens, index)
        elif index < len(tokens) and tokens[index][1].upper() == "WHERE":
            raise ValueError("bindings cannot be added to the short form CONSTRUCT WHERE { }: write the template")
    depth = 0
    while index < len(tokens):
        text = tokens[index][1]
        if text == "(":
            depth += 1
        elif text == ")":
            depth -= 1
        elif depth == 0 and text == "{":
            return tokens[index][2]
        index += 1
    raise ValueError("bindings need a query with a WHERE clause")


def _after_group(tokens: list[tuple[str | None, str, int]], index: int) -> int:
    """The index of the token after the group opened by the ``{`` at ``index``."""
    depth = 0
    while index < len(tokens):
        if tokens[index][1] == "{":
            depth += 1
        elif tokens[index][1] == "}":
            depth -= 1
            if depth == 0:
                return index + 1
        index += 1
    return index


# --- the store ------------------------------------------------------------------------------


class RemoteStore:
    """The store interface over a SPARQL 1.1 endpoint; see the module's documentation."""

    def __init__(self, url: str, read_only: bool = False) -> None:
        from .config import settings

        config = settings()
        password = config.store_password.get_secret_value() if config.store_password else None
        self.remote = parse_store_url(url, config.store_user, password)
        self.read_only = read_only
        self._checker = ox.Store()  # an empty store: parses queries and evaluates nothing
        self._graphs: tuple[float, list[ox.NamedNode]] | None = None
        self._opener = self._make_opener()

    @property
    def location(self) -> str:
        """The query endpoint, for messages (no password)."""
        return self.remote.display

    def __repr__(self) -> str:
        return f"RemoteStore({self.location!r})"

    # -- reading

    def query(
        self,
        sparql: str,
        bindings: Mapping[str, Term] | None = None,
        default_graphs: list[ox.NamedNode] | None = None,
        named_graphs: list[ox.NamedNode] | None = None,
        prefixes: Mapping[str, str] | None = None,
        *,
        base_iri: str | None = None,
        union_default_graph: bool = True,
    ) -> Results:
        """Evaluate ``sparql`` on the server, as ``GraphStore.query`` does in process.

        ``default_graphs`` and ``named_graphs`` are sent as ``default-graph-uri`` and
        ``named-graph-uri`` (SPARQL 1.1 Protocol §2.1.4). Without them the dataset is the one
        the ``dataset`` option names, unless ``union_default_graph`` is False and the query's own
        FROM clauses apply.
        """
        form = self._check(sparql, prefixes, base_iri)
        try:
            text = with_values(sparql, bindings or {})
        except ValueError as error:
            raise QuerySyntaxError(str(error)) from None
        prologue = "".join(f"PREFIX {name}: <{iri}> " for name, iri in (prefixes or {}).items())
        if base_iri:
            prologue = f"BASE <{base_iri}> " + prologue
        text = prologue + text
        if default_graphs is not None or named_graphs is not None:
            dataset = (list(default_graphs or []), list(named_graphs or []))
            if not dataset[0] and not dataset[1]:
                dataset = ([ox.NamedNode(_EMPTY_GRAPH)], [])
        elif union_default_graph and self.remote.dataset == "catalog":
            graphs = self.dataset_graphs()
            dataset = (graphs, graphs)
        else:
            dataset = None
        body, content_type = self._sparql(text, form, dataset)
        if form in ("CONSTRUCT", "DESCRIBE"):
            return _triples(body, content_type)
        return _solutions(body, content_type)

    def dataset_graphs(self) -> list[ox.NamedNode]:
        """The named graphs the catalogue lists, with the catalogue itself (kept for 30 s)."""
        now = time.monotonic()
        if self._graphs is None or now - self._graphs[0] > _DATASET_TTL:
            catalog = ox.NamedNode(str(CATALOG_GRAPH))
            body, content_type = self._sparql(
                f"SELECT DISTINCT ?g WHERE {{ GRAPH <{CATALOG_GRAPH}> {{ <{DATASET}> <{_VOID_SUBSET}> ?g }} }}",
                "SELECT",
                ([], [catalog]),
            )
            graphs = {row["g"] for row in _solutions(body, content_type) if isinstance(row["g"], ox.NamedNode)}
            self._graphs = (now, sorted(graphs | {catalog}, key=str))
        return self._graphs[1]

    def exists(self) -> bool:
        """Whether the store has been built: its catalogue graph holds triples."""
        result = self.query(f"ASK {{ GRAPH <{CATALOG_GRAPH}> {{ ?s ?p ?o }} }}", union_default_graph=False)
        return bool(result)

    def named_graphs(self) -> list[ox.NamedNode]:
        """The named graphs of the dataset, sorted by IRI."""
        if self.remote.dataset == "catalog":
            return [g for g in self.dataset_graphs() if self.triple_count(g)]
        rows = self.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }", union_default_graph=False)
        return sorted((row["g"] for row in rows if isinstance(row["g"], ox.NamedNode)), key=str)

    def triple_count(self, graph: ox.NamedNode | None = None) -> int:
        """The number of triples in ``graph``, or in all the dataset's named graphs."""
        if graph is not None:
            sparql = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {graph} {{ ?s ?p ?o }} }}"
            rows = self.query(sparql, default_graphs=[], named_graphs=[graph])
        else:
            sparql = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
            rows = self.query(sparql) if self.remote.dataset == "catalog" else self.query(sparql, union_default_graph=False)
        return sum(int(row["n"].value) for row in rows)

    def dump(self, output: Path | None, format: ox.RdfFormat, graph: ox.NamedNode | None = None) -> bytes | None:
        """Serialise the dataset's named graphs (or one graph), fetched graph by graph.

        The graphs are gathered in an in-memory Oxigraph store first, so the dump is written
        by the same serialiser as the embedded store's.
        """
        memory = ox.Store()
        for name in [graph] if graph is not None else self.named_graphs():
            triples = self.query(
                f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH {name} {{ ?s ?p ?o }} }}", default_graphs=[], named_graphs=[name]
            )
            memory.bulk_extend(ox.Quad(t.subject, t.predicate, t.object, name) for t in triples)
        if graph is None:
            return memory.dump(output, format=format)
        return memory.dump(output, format=format, from_graph=graph)

    def close(self) -> None:
        """Nothing to release: every request has its own connection."""

    # -- writing

    def replace_graph(self, graph: ox.NamedNode, triples: Iterable[ox.Triple]) -> None:
        """Make ``graph`` hold exactly ``triples``: GSP PUT, or DROP + INSERT DATA."""
        self._writable()
        chunks = list(_chunks(triples))
        if not chunks:
            self.drop_graph(graph)
            return
        for index, chunk in enumerate(chunks):
            self._write_chunk(graph, chunk, replace=index == 0)
        self._graphs = None

    def load_quads(self, quads: Iterable[ox.Quad]) -> None:
        """Add ``quads`` to their graphs (GSP POST, or INSERT DATA), keeping what is there."""
        self._writable()
        by_graph: dict[ox.NamedNode | ox.DefaultGraph, list[ox.Triple]] = defaultdict(list)
        for quad in quads:
            by_graph[quad.graph_name].append(quad.triple)
        for graph, triples in by_graph.items():
            for chunk in _chunks(triples):
                self._write_chunk(graph, chunk, replace=False)
        self._graphs = None

    def load_file(self, path: Path, format: ox.RdfFormat = ox.RdfFormat.N_QUADS) -> None:
        """Add the quads of an RDF file to their graphs, in chunks (see ``load_quads``)."""
        self.load_quads(ox.parse(path=str(path), format=format))

    def drop_graph(self, graph: ox.NamedNode) -> None:
        """Remove ``graph``; nothing happens if there is no such graph."""
        self._writable()
        if self.remote.gsp_url:
            try:
                self._http("DELETE", self._gsp_target(graph), None, {})
            except RemoteStoreError as error:
                if "answered 404" not in str(error):
                    raise
        else:
            self._update(f"DROP SILENT GRAPH {graph}")
        self._graphs = None

    def update(self, sparql: str) -> None:
        """Run a SPARQL 1.1 Update on the server."""
        self._writable()
        self._update(sparql)
        self._graphs = None

    # -- internals

    def _writable(self) -> None:
        if self.read_only:
            raise RemoteStoreError(f"the store {self.location} was opened read-only", "open it for writing")

    def _check(self, sparql: str, prefixes: Mapping[str, str] | None, base_iri: str | None) -> str:
        """Parse the query locally (pyoxigraph, empty store) and return its form.

        A query with SERVICE is not parsed here, since pyoxigraph might call the service; the
        server parses it. Results of the empty store are never read, so nothing is evaluated
        but an ASK on no data.
        """
        if "service" in sparql.lower():
            from .executor import scan_query

            form = scan_query(sparql, base_iri).form
            if form not in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE"):
                raise QuerySyntaxError("not a SPARQL query (SELECT, ASK, CONSTRUCT or DESCRIBE)")
            return form
        try:
            result = self._checker.query(sparql, prefixes=dict(prefixes) if prefixes else None, base_iri=base_iri)
        except SyntaxError as error:
            raise QuerySyntaxError(str(error)) from error
        if isinstance(result, ox.QueryBoolean):
            return "ASK"
        if isinstance(result, ox.QuerySolutions):
            return "SELECT"
        return "CONSTRUCT"

    def _sparql(
        self, text: str, form: str, dataset: tuple[list[ox.NamedNode], list[ox.NamedNode]] | None
    ) -> tuple[bytes, str]:
        """POST a query (SPARQL 1.1 Protocol §2.1.2) through SPARQLWrapper; the body and its media type."""
        from SPARQLWrapper import BASIC, DIGEST, POST, URLENCODED, SPARQLWrapper

        wrapper = SPARQLWrapper(self.remote.query_url)
        wrapper.setMethod(POST)
        wrapper.setRequestMethod(URLENCODED)
        wrapper.setOnlyConneg(True)  # no format=/output= parameters: the Accept header says it
        wrapper.setTimeout(max(1, round(self.remote.timeout)))
        wrapper.setQuery(text)
        wrapper.queryType = form  # known from the parse; SPARQLWrapper's guess reads words in comments
        wrapper.addCustomHttpHeader("Accept", _GRAPH_ACCEPT if form in ("CONSTRUCT", "DESCRIBE") else _SELECT_ACCEPT)
        if dataset is not None:
            for graph in dataset[0]:
                wrapper.addDefaultGraph(graph.value)
            for graph in dataset[1]:
                wrapper.addNamedGraph(graph.value)
        if self.remote.user is not None:
            wrapper.setHTTPAuth(DIGEST if self.remote.auth == "digest" else BASIC)
            wrapper.setCredentials(self.remote.user, self.remote.password or "", realm=self.remote.realm)
        try:
            response = wrapper.query().response
            body = response.read()
        except Exception as error:  # SPARQLWrapper's HTTP errors, urllib's, socket time-outs
            raise self._failure(error) from None
        headers = response.info()
        state = headers.get("X-SQL-State")
        if state:  # Virtuoso's "anytime" answer: a partial result cut at its time limit
            raise RemoteStoreError(
                f"the SPARQL server {self.location} returned a partial result (X-SQL-State {state})",
                "raise the server's query time limit (Virtuoso: MaxQueryExecutionTime), or make the query more selective",
            )
        return body, headers.get_content_type()

    def _failure(self, error: Exception) -> RemoteStoreError:
        """One clear error for anything that went wrong on the wire."""
        from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException, Unauthorized

        if isinstance(error, Unauthorized):
            return RemoteStoreError(
                f"the SPARQL server {self.location} refused the credentials",
                "set CLUSTERKG_STORE_USER and CLUSTERKG_STORE_PASSWORD (or user:password@ in the URL); "
                "Virtuoso wants auth=digest",
            )
        if isinstance(error, SPARQLWrapperException):
            # SPARQLWrapper puts the server's body after "Response: b'...'" in its message
            text = str(error)
            found = re.search(r"Response:\s*", text)
            body = text[found.end():] if found else text
            if body.startswith(("b'", 'b"')):
                try:
                    body = ast.literal_eval(body).decode("utf-8", "replace")
                except (ValueError, SyntaxError):
                    pass
            detail = _short(body)
            return RemoteStoreError(f"the SPARQL server {self.location} refused the query: {detail}")
        if isinstance(error, urllib.error.HTTPError):
            return RemoteStoreError(f"the SPARQL server {self.location} answered {error.code}: {_short(error.read())}")
        if isinstance(error, TimeoutError | socket.timeout):
            return RemoteStoreError(f"the SPARQL server {self.location} did not answer within {self.remote.timeout:g} s")
        if isinstance(error, urllib.error.URLError | OSError):
            reason = getattr(error, "reason", error)
            return RemoteStoreError(
                f"cannot reach the SPARQL server {self.location}: {reason}",
                "check the URL and that the server is running",
            )
        return RemoteStoreError(f"the SPARQL server {self.location} failed: {error}")

    def _write_chunk(self, graph: ox.NamedNode | ox.DefaultGraph, triples: list[ox.Triple], replace: bool) -> None:
        """Send one chunk: GSP PUT (replace) or POST (add); or SPARQL Update."""
        body = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
        if self.remote.gsp_url:
            # N-Triples is Turtle, and every Graph Store implements text/turtle.
            self._http("PUT" if replace else "POST", self._gsp_target(graph), body, {"Content-Type": "text/turtle"})
            return
        text = body.decode("utf-8")
        if isinstance(graph, ox.DefaultGraph):
            operations = (["CLEAR SILENT DEFAULT"] if replace else []) + [f"INSERT DATA {{\n{text}}}"]
        else:
            operations = ([f"DROP SILENT GRAPH {graph}"] if replace else []) + [f"INSERT DATA {{ GRAPH {graph} {{\n{text}}} }}"]
        self._update(" ;\n".join(operations))

    def _gsp_target(self, graph: ox.NamedNode | ox.DefaultGraph) -> str:
        """The Graph Store Protocol URL of ``graph`` (indirect identification, GSP §4.2)."""
        query = "default" if isinstance(graph, ox.DefaultGraph) else urllib.parse.urlencode({"graph": graph.value})
        separator = "&" if "?" in self.remote.gsp_url else "?"
        return f"{self.remote.gsp_url}{separator}{query}"

    def _update(self, sparql: str) -> None:
        """POST a SPARQL 1.1 Update (Protocol §2.2.2, application/sparql-update)."""
        self._http("POST", self.remote.update_url, sparql.encode("utf-8"), {"Content-Type": "application/sparql-update"})

    def _make_opener(self) -> urllib.request.OpenerDirector:
        if self.remote.user is not None and self.remote.auth == "digest":
            manager = urllib.request.HTTPPasswordMgrWithDefaultRealm()
            for url in {self.remote.query_url, self.remote.update_url, self.remote.gsp_url} - {None}:
                manager.add_password(None, url, self.remote.user, self.remote.password or "")
            self._digest = urllib.request.HTTPDigestAuthHandler(manager)
            return urllib.request.build_opener(self._digest)
        return urllib.request.build_opener()

    def _http(self, method: str, url: str, body: bytes | None, headers: dict[str, str]) -> bytes:
        """One write request; errors become ``RemoteStoreError``."""
        request = urllib.request.Request(url, data=body, method=method, headers=headers)
        if self.remote.user is not None and self.remote.auth == "basic":
            token = base64.b64encode(f"{self.remote.user}:{self.remote.password or ''}".encode()).decode()
            request.add_header("Authorization", f"Basic {token}")
        elif self.remote.user is not None and body:
            self._authorize_digest(request)
        try:
            with self._opener.open(request, timeout=max(self.remote.timeout, 600.0)) as response:
                return response.read()
        except urllib.error.HTTPError as error:
            if error.code in (401, 403):
                raise RemoteStoreError(
                    f"the SPARQL server refused to write to {redact(url)} ({error.code})",
                    "give credentials of a user allowed to write (CLUSTERKG_STORE_USER / CLUSTERKG_STORE_PASSWORD); "
                    "Virtuoso wants auth=digest and a user with the SPARQL_UPDATE role",
                ) from None
            raise RemoteStoreError(f"{method} {redact(url)}: the server answered {error.code}: {_short(error.read())}") from None
        except (urllib.error.URLError, OSError) as error:
            raise RemoteStoreError(
                f"cannot reach {redact(url)}: {getattr(error, 'reason', error)}", "check the URL and that the server is running"
            ) from None

    def _authorize_digest(self, request: urllib.request.Request) -> None:
        """Answer the digest challenge before sending a body (RFC 7616).

        urllib sends the body first and answers the 401 afterwards, but a server may close the
        connection on a large unauthenticated body (Virtuoso does): fetch the challenge with a
        bodiless HEAD, then send the body once, with its Authorization header.
        """
        probe = urllib.request.Request(request.full_url, method="HEAD")
        try:
            with urllib.request.urlopen(probe, timeout=self.remote.timeout):
                return  # no authentication asked for
        except urllib.error.HTTPError as error:
            challenge = error.headers.get("WWW-Authenticate", "") if error.code == 401 else ""
        except (urllib.error.URLError, OSError):
            return  # the request itself will say what is wrong
        scheme, _, parameters = challenge.partition(" ")
        if scheme.lower() != "digest":
            return
        fields = urllib.request.parse_keqv_list(filter(None, urllib.request.parse_http_list(parameters)))
        authorization = self._digest.get_authorization(request, fields)
        if authorization:
            request.add_unredirected_header("Authorization", f"Digest {authorization}")


def _short(text: bytes | str, limit: int = 300) -> str:
    """A server's error body on one line, cut to ``limit`` characters."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    text = text.split("\n\nSPARQL query:")[0]  # Virtuoso repeats the whole query after its message
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- results --------------------------------------------------------------------------------


def _solutions(body: bytes, content_type: str) -> ox.QuerySolutions | ox.QueryBoolean:
    """SELECT or ASK results parsed into pyoxigraph objects."""
    results_format = _RESULTS_TYPES.get(content_type, ox.QueryResultsFormat.JSON)
    try:
        return ox.parse_query_results(body, format=results_format)
    except SyntaxError as error:
        if results_format != ox.QueryResultsFormat.JSON or "node" not in str(error).lower():
            raise RemoteStoreError(f"the SPARQL server sent results that do not parse: {error}") from None
    # Virtuoso labels blank nodes 'nodeID://b10000', which is not a blank node label.
    return ox.parse_query_results(_relabel_blank_nodes(body), format=results_format)


def _relabel_blank_nodes(body: bytes) -> bytes:
    """SPARQL JSON results with every blank node label made a valid one, consistently."""
    document = json.loads(body)
    for row in document.get("results", {}).get("bindings", []):
        for value in row.values():
            if value.get("type") == "bnode":
                value["value"] = blank_node_label(value["value"])
    return json.dumps(document).encode("utf-8")


def blank_node_label(label: str) -> str:
    """A valid blank node label for a server's ``label``: kept if valid, else made of its hex digits."""
    label = label.removeprefix("nodeID://")
    try:
        ox.BlankNode(label)
        return label
    except ValueError:
        return "x" + label.encode("utf-8").hex()


def _triples(body: bytes, content_type: str) -> ox.QueryTriples:
    """CONSTRUCT or DESCRIBE results as a pyoxigraph ``QueryTriples``, as the embedded store returns.

    The triples are put in an in-memory store and read back with ``CONSTRUCT WHERE``, which
    keeps the blank node labels and gives callers the same type (and ``serialize``) as in process.
    """
    rdf_format = _RDF_TYPES.get(content_type, ox.RdfFormat.N_TRIPLES)
    memory = ox.Store()
    try:
        memory.bulk_extend(ox.Quad(q.subject, q.predicate, q.object) for q in ox.parse(body, format=rdf_format))
    except SyntaxError as error:
        raise RemoteStoreError(f"the SPARQL server sent RDF that does not parse: {error}") from None
    return memory.query("CONSTRUCT WHERE { ?s ?p ?o }")


def _chunks(triples: Iterable[ox.Triple], size: int | None = None) -> Iterator[list[ox.Triple]]:
    """``triples`` in lists of about ``size``; triples linked by blank nodes stay in one list.

    A server gives the blank nodes of each request fresh identities, so two triples naming
    ``_:b`` must travel together: the triples are grouped by the connected components of their
    blank nodes (union-find), and components are packed whole into chunks.
    """
    size = size or CHUNK_TRIPLES
    parent: dict[str, str] = {}

    def find(label: str) -> str:
        while parent.setdefault(label, label) != label:
            parent[label] = parent[parent[label]]
            label = parent[label]
        return label

    free: list[ox.Triple] = []
    linked: list[tuple[str, ox.Triple]] = []
    for triple in triples:
        labels = [t.value for t in (triple.subject, triple.object) if isinstance(t, ox.BlankNode)]
        if not labels:
            free.append(triple)
            continue
        if len(labels) == 2:
            first, second = find(labels[0]), find(labels[1])
            if first != second:
                parent[first] = second
        linked.append((labels[0], triple))
    groups: dict[str, list[ox.Triple]] = defaultdict(list)
    for label, triple in linked:
        groups[find(label)].append(triple)
    chunk: list[ox.Triple] = []
    for group in groups.values():
        if chunk and len(chunk) + len(group) > size:
            yield chunk
            chunk = []
        chunk.extend(group)
    for triple in free:
        if len(chunk) >= size:
            yield chunk
            chunk = []
        chunk.append(triple)
    if chunk:
        yield chunk


# --- the build ------------------------------------------------------------------------------


def publish_build(url: str, graphs: list[tuple[ox.NamedNode, list[ox.Triple]]], catalog: list[ox.Triple]) -> None:
    """Put a build on the server: each graph is loaded into a staging graph, then one SPARQL
    Update request copies them all in place (dropping the staging graphs), drops the graphs the old catalogue listed that the
    build no longer makes, and moves the catalogue in last.

    Loading is the long part; if it fails, the staging graphs are dropped and the server's
    graphs are as they were. The swap is one request: Oxigraph runs a request in one
    transaction. Other graphs on the server (other projects, the server's own) are left alone;
    staging graphs a killed build left behind are dropped by the next one.
    """
    store = RemoteStore(url)
    for leftover in store.named_graphs():
        if leftover.value.startswith(STAGING_PREFIX + "build-"):
            store.drop_graph(leftover)
    catalog_graph = ox.NamedNode(str(CATALOG_GRAPH))
    previous = set(store.dataset_graphs()) - {catalog_graph}
    build_id = uuid.uuid4().hex
    staged: list[tuple[ox.NamedNode, ox.NamedNode]] = []
    operations: list[str] = []
    try:
        for index, (graph, triples) in enumerate([*graphs, (catalog_graph, catalog)]):
            if not triples:
                operations.append(f"DROP SILENT GRAPH {graph}")
                continue
            stage = ox.NamedNode(f"{STAGING_PREFIX}build-{build_id}/{index}")
            staged.append((stage, graph))
            store.replace_graph(stage, triples)
            # not MOVE: Virtuoso lets the SPARQL user insert and drop, but not move (SPARUL_MOVE)
            operations.append(f"DROP SILENT GRAPH {graph} ; INSERT {{ GRAPH {graph} {{ ?s ?p ?o }} }} "
                              f"WHERE {{ GRAPH {stage} {{ ?s ?p ?o }} }} ; DROP SILENT GRAPH {stage}")
    except BaseException:
        for stage, _ in staged:
            try:
                store.drop_graph(stage)
            except RemoteStoreError:
                pass  # the server is what failed; the next build drops what is left
        raise
    built = {graph for graph, _ in graphs}
    dropped = [f"DROP SILENT GRAPH {graph}" for graph in sorted(previous - built, key=str)]
    store.update(" ;\n".join([*operations[:-1], *dropped, operations[-1]]))


__all__ = [
    "BadStoreURL",
    "RemoteLocation",
    "RemoteStore",
    "RemoteStoreError",
    "parse_store_url",
    "publish_build",
    "redact",
    "with_values",
]
