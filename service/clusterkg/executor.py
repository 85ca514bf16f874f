"""Query evaluation in worker processes that can be ended at the time limit.

Every query the service runs goes through a ``QueryExecutor``; handlers await it and never
touch the store themselves.

Why processes: neither pyoxigraph nor rdflib can cancel a running query from Python, so a
thread can only stop *waiting* for a runaway query while the query keeps a core (and the
GIL-free Rust evaluator) busy for as long as it likes. Each worker here is a process started
(``python -c``, see ``_Worker``) that holds the store open read-only (or, for a remote store, forwards
the query to the SPARQL server and waits for it); a query over the time limit is
stopped by ending its process, and a fresh worker takes its place. ``workers`` processes serve
at most ``workers`` queries at once; further requests wait their turn (an asyncio semaphore),
so one heavy query never stalls the others.

A worker computes the whole result and checks it against ``max_results`` before it sends
anything, so a client never receives a 200 with a truncated body. Results cross the process
boundary as bytes in a standard format (SPARQL JSON, N-Triples, or the format the client
negotiated) and are parsed back into terms in the parent only where callers need terms.

The module also holds the small lexical scan of query text the executor needs before it runs
a query (query form, dataset clauses, SERVICE endpoints): federation is refused unless every
SERVICE endpoint is in the allow-list the caller passes, because pyoxigraph would otherwise
call any URL a query names.
"""

from __future__ import annotations

import asyncio
import io
import os
import re
import signal
import socket
import subprocess
import sys
import traceback
from collections.abc import Collection, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from urllib.parse import urljoin

import pyoxigraph as ox

from .errors import ClusterKGError, QuerySyntaxError, StoreMissing
from .store import GraphStore, Location, Term, is_remote, open_store, parse_location

_READY_TIMEOUT = 120.0  # seconds a new worker may take to import pyoxigraph and open the store

_RESULTS_FORMATS: dict[str, ox.QueryResultsFormat] = {
    "JSON": ox.QueryResultsFormat.JSON,
    "XML": ox.QueryResultsFormat.XML,
    "CSV": ox.QueryResultsFormat.CSV,
    "TSV": ox.QueryResultsFormat.TSV,
}
_RDF_FORMATS: dict[str, ox.RdfFormat] = {
    "TURTLE": ox.RdfFormat.TURTLE,
    "N_TRIPLES": ox.RdfFormat.N_TRIPLES,
    "N_QUADS": ox.RdfFormat.N_QUADS,
    "JSON_LD": ox.RdfFormat.JSON_LD,
    "RDF_XML": ox.RdfFormat.RDF_XML,
    "TRIG": ox.RdfFormat.TRIG,
}


# --- errors a client can cause --------------------------------------------------------------


class QueryTimeout(ClusterKGError):
    """The query ran past the time limit; its worker was ended."""

    def __init__(self, seconds: float) -> None:
        super().__init__(
            f"query exceeded the time limit of {seconds:g} s",
            "make the query more selective, or add LIMIT; a query cannot run longer than this",
        )
        self.seconds = seconds


class ResultTooLarge(ClusterKGError):
    """The result has more rows (or triples) than the service returns in one response."""

    def __init__(self, limit: int) -> None:
        super().__init__(
            f"result too large: the query returns more than {limit:,} rows or triples",
            "add LIMIT and OFFSET to fetch it in pages, or download a full dump",
        )
        self.limit = limit


class FederationRefused(ClusterKGError):
    """A SERVICE clause names an endpoint the operator has not allow-listed."""

    def __init__(self, detail: str) -> None:
        super().__init__(
            detail,
            "remove the SERVICE clause, or ask the operator to add the endpoint to "
            "CLUSTERKG_SPARQL_SERVICE_ALLOWLIST",
        )


class ServiceBusy(ClusterKGError):
    """Every worker stayed busy for longer than the time limit."""

    def __init__(self, workers: int, seconds: float) -> None:
        super().__init__(
            f"all {workers} query workers stayed busy for {seconds:g} s", "try again in a moment"
        )


class QueryTooComplex(QuerySyntaxError):
    """A query nested deeper, or with a longer run of operators, than the evaluator takes safely.

    Oxigraph parses and plans queries recursively: about 5,000 nested brackets, or 10,000
    operators or triple patterns in one group, overflow the stack and end the process
    (measured on pyoxigraph 0.5). The limits below are far under that and far over any
    query a person writes. A subclass of ``QuerySyntaxError``, so every caller answers 400.
    """

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.message = f"query too complex: {detail}"
        self.hint = "simplify the query: split it, or use VALUES for long lists of terms"


class QueryEvaluationError(ClusterKGError):
    """The store or a federated endpoint failed while evaluating a valid query."""

    def __init__(self, detail: str) -> None:
        super().__init__(f"query evaluation failed: {detail}")
        self.detail = detail


class WorkerFailed(RuntimeError):
    """A worker process died or could not start; a bug or a resource limit, never the client's fault."""


# --- results --------------------------------------------------------------------------------


@dataclass
class SelectResult:
    """SELECT rows as pyoxigraph terms, keyed by variable name; unbound variables are absent."""

    variables: list[str]
    rows: list[dict[str, Term]]


def rows_as_json(result: SelectResult) -> list[dict[str, object]]:
    """Rows as plain JSON values, for APIs that do not speak SPARQL results."""
    from .terms import python_value

    return [{k: python_value(v) for k, v in row.items()} for row in result.rows]


# --- lexical scan of query text -------------------------------------------------------------

# Tokens of the SPARQL 1.1 grammar (§19.8) that matter for finding keywords: strings, IRIs
# and comments are matched whole so that words inside them are never taken for keywords.
_TOKEN = re.compile(
    r"""
      (?P<ws>\s+)
    | (?P<comment>\#[^\n\r]*)
    | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
                 |'(?:[^'\\\n\r]|\\.)*'|"(?:[^"\\\n\r]|\\.)*")
    | (?P<iri><(?:[^<>"{}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*>)
    | (?P<var>[?$][A-Za-z0-9_\u00B7-\U0010FFFF]+)
    | (?P<word>(?:[A-Za-z0-9_:\u00B7-\U0010FFFF]|\\.|%[0-9A-Fa-f]{2})
               (?:[A-Za-z0-9_:.\-\u00B7-\U0010FFFF]|\\.|%[0-9A-Fa-f]{2})*)
    | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)
_QUERY_FORMS = {"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"}
_UPDATE_WORDS = {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"}
_UCHAR = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


@dataclass(frozen=True)
class QueryScan:
    """What the executor must know of a query before running it.

    ``form`` is SELECT, ASK, CONSTRUCT, DESCRIBE, UPDATE (an update sent as a query) or None
    when the text does not start like any of them (the parser will then say why).
    ``services`` holds each SERVICE endpoint as an absolute IRI, or None where the endpoint is
    a variable or cannot be resolved, which no allow-list can vouch for.
    """

    form: str | None
    services: tuple[str | None, ...] = ()
    has_dataset_clause: bool = False


def scan_query(text: str, base_iri: str | None = None) -> QueryScan:
    """Scan ``text`` for its form, FROM clauses and SERVICE endpoints, ignoring strings, IRIs and comments.

    >>> scan_query('PREFIX e: <http://example.org/> SELECT * { SERVICE e:sparql { ?s ?p "SERVICE" } }')
    QueryScan(form='SELECT', services=('http://example.org/sparql',), has_dataset_clause=False)
    >>> scan_query('# SERVICE <x>\\nASK FROM <http://example.org/g> { ?service ?p ?o }')
    QueryScan(form='ASK', services=(), has_dataset_clause=True)
    """
    tokens = [
        (match.lastgroup, match.group())
        for match in _TOKEN.finditer(text)
        if match.lastgroup not in ("ws", "comment")
    ]
    base, prefixes = base_iri, {}
    form: str | None = None
    decided = False
    services: list[str | None] = []
    dataset = False
    for index, (kind, value) in enumerate(tokens):
        keyword = value.upper() if kind == "word" and ":" not in value else None
        following = tokens[index + 1 : index + 3]
        if keyword == "BASE" and following[:1] and following[0][0] == "iri":
            base = _resolve(following[0][1], base)
            continue
        if keyword == "PREFIX" and len(following) == 2 and following[0][1].endswith(":") and following[1][0] == "iri":
            prefixes[following[0][1]] = _resolve(following[1][1], base)
            continue
        if not decided and keyword is not None and keyword not in ("BASE", "PREFIX"):
            decided = True
            form = keyword if keyword in _QUERY_FORMS else "UPDATE" if keyword in _UPDATE_WORDS else None
        if keyword == "FROM":
            dataset = True
        elif keyword == "SERVICE":
            target = following[0] if following else None
            if target and target[0] == "word" and target[1].upper() == "SILENT":
                target = following[1] if len(following) > 1 else None
            services.append(_service_iri(target, base, prefixes))
    return QueryScan(form, tuple(services), dataset)


MAX_NESTING = 100  # brackets ({, ( and [) open at once
MAX_GROUP_OPERATORS = 1000  # operators and separators (. ; , && + UNION ...) at one level of one group
_OPENING, _CLOSING = "{([", "})]"
_OPERATOR_CHARS = set(".;,+-*/|&=!<>^")
_OPERATOR_WORDS = {"UNION", "OPTIONAL", "MINUS"}


def check_complexity(text: str) -> None:
    """Refuse a query whose nesting or runs of operators could overflow the evaluator's stack.

    Counts over the same tokens as ``scan_query``, so brackets and operators inside strings,
    IRIs and comments do not count; the ``^^`` of a typed literal does not count either.

    >>> check_complexity("SELECT * { " + "{ " * 100 + "}" * 100 + " }")
    Traceback (most recent call last):
    ...
    clusterkg.executor.QueryTooComplex: query too complex: brackets nested more than 100 deep (line 1): simplify the query: split it, or use VALUES for long lists of terms
    """
    depth, counts, previous, line = 0, [0], "", 1
    for match in _TOKEN.finditer(text):
        kind, value = match.lastgroup, match.group()
        if kind == "other" and value in _OPENING:
            depth += 1
            counts.append(0)
            if depth > MAX_NESTING:
                raise QueryTooComplex(f"brackets nested more than {MAX_NESTING} deep (line {line})")
        elif kind == "other" and value in _CLOSING:
            if depth:
                depth -= 1
                counts.pop()
        elif (kind == "other" and value in _OPERATOR_CHARS and not (value == "^" and previous in ("string", "^"))) or (
            kind == "word" and value.upper() in _OPERATOR_WORDS
        ):
            counts[-1] += 1
            if counts[-1] > MAX_GROUP_OPERATORS:
                raise QueryTooComplex(
                    f"more than {MAX_GROUP_OPERATORS} operators or triple patterns in one group (line {line})"
                )
        line += value.count("\n")
        if kind not in ("ws", "comment"):
            previous = "^" if value == "^" else kind


def _unescape(text: str) -> str:
    """Apply the \\u and \\U escapes SPARQL allows in IRIs (§19.2)."""
    return _UCHAR.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), text)


def _resolve(iri_token: str, base: str | None) -> str | None:
    """The absolute IRI of an IRIREF token, or None if it is relative and there is no base."""
    iri = _unescape(iri_token[1:-1])
    if re.match(r"^[A-Za-z][A-Za-z0-9+.\-]*:", iri):
        return iri
    return urljoin(base, iri) if base else None


def _service_iri(token: tuple[str, str] | None, base: str | None, prefixes: dict) -> str | None:
    """The endpoint a SERVICE clause names, when it is a constant IRI we can resolve."""
    if token is None:
        return None
    kind, value = token
    if kind == "iri":
        return _resolve(value, base)
    if kind == "word" and ":" in value:
        prefix, _, local = value.partition(":")
        namespace = prefixes.get(prefix + ":")
        if namespace is None:
            return None
        return namespace + re.sub(r"\\(.)", r"\1", local)
    return None


def check_services(scan: QueryScan, allowed: Collection[str]) -> None:
    """Refuse a query whose SERVICE endpoints are not all in ``allowed``."""
    if not scan.services:
        return
    if not allowed:
        raise FederationRefused("federated queries (SERVICE) are not allowed on this endpoint")
    for iri in scan.services:
        if iri is None:
            raise FederationRefused(
                "SERVICE with a variable or unresolvable endpoint cannot be checked against the allow-list"
            )
        if iri not in allowed:
            raise FederationRefused(f"SERVICE <{iri}> is not in the operator's allow-list")


# --- the worker process ---------------------------------------------------------------------


@dataclass
class _Request:
    """One unit of work for a worker; plain data, so it pickles across the pipe."""

    op: str  # "query", "export" or "reopen" (open the store at ``store_path`` instead)
    sparql: str = ""
    bindings: dict[str, Term] = field(default_factory=dict)
    default_graphs: list[ox.NamedNode] | None = None
    named_graphs: list[ox.NamedNode] | None = None
    base_iri: str | None = None
    has_dataset_clause: bool = False
    results_format: str | None = None  # a key of _RESULTS_FORMATS
    rdf_format: str | None = None  # a key of _RDF_FORMATS
    max_results: int = 0
    export_format: str = ""
    store_path: str = ""


def _worker_main(conn: Connection, store_path: str) -> None:
    """A worker: open the store read-only, say so, then answer requests until told to stop."""
    # Ctrl-C reaches the whole process group; the parent ends its workers itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        store = open_store(store_path, read_only=True)
    except (ClusterKGError, OSError) as error:
        conn.send(("failed", str(error)))
        return
    conn.send(("ready", os.getpid()))
    while True:
        try:
            request = conn.recv()
        except EOFError:
            return
        if request is None:
            return
        if request.op == "reopen":
            try:
                store = open_store(request.store_path, read_only=True)
            except (ClusterKGError, OSError) as error:
                conn.send(("failed", str(error)))
                continue
            conn.send(("ok", "reopened", b""))
            continue
        conn.send(_answer(store, request))


def _answer(store: GraphStore, request: _Request) -> tuple:
    """Evaluate one request: ('ok', kind, bytes) or (error kind, detail)."""
    try:
        if request.op == "export":
            from .export import export_store

            return ("ok", "dump", export_store(store, request.export_format))
        return _evaluate(store, request)
    except (SyntaxError, QuerySyntaxError) as error:
        return ("syntax", error.detail if isinstance(error, QuerySyntaxError) else str(error))
    except OSError as error:  # the store failed to read, or a federated endpoint failed
        return ("failed", str(error))
    except Exception:  # a bug in this module or in pyoxigraph: reported as one, never as the client's fault
        return ("bug", traceback.format_exc())


def _evaluate(store: GraphStore, request: _Request) -> tuple:
    """Run the query with the dataset of SPARQL 1.1 Protocol §2.1.4 and serialise the capped result.

    With no protocol dataset, the default graph is the union of the named graphs unless the
    query names its own dataset (FROM / FROM NAMED), which then applies as the query says.
    """
    explicit = request.default_graphs is not None or request.named_graphs is not None
    results = store.query(
        request.sparql,
        request.bindings,
        list(request.default_graphs or []) if explicit else None,
        list(request.named_graphs or []) if explicit else None,
        base_iri=request.base_iri,
        union_default_graph=not request.has_dataset_clause,
    )

    if isinstance(results, ox.QueryBoolean):
        results_format = _RESULTS_FORMATS[request.results_format or "JSON"]
        return ("ok", "ask", results.serialize(format=results_format))

    # pyoxigraph serialises a live result stream in Rust; the writer counts lines as they come
    # (TSV and N-Triples write one solution or triple per line, escaping newlines) and stops
    # the evaluation once the limit is passed. Converting the capped TSV or N-Triples to the
    # requested format afterwards is lossless: both write terms in full SPARQL/Turtle syntax.
    limit = request.max_results
    if isinstance(results, ox.QuerySolutions):
        writer = _LineCountingWriter(limit + 1)  # the header line, then one line per row
        try:
            results.serialize(writer, format=ox.QueryResultsFormat.TSV)
        except _LimitPassed:
            return ("too_large", limit)
        name = request.results_format or "JSON"
        body = writer.getvalue()
        if name != "TSV":
            parsed = ox.parse_query_results(body, format=ox.QueryResultsFormat.TSV)
            body = parsed.serialize(format=_RESULTS_FORMATS[name])
        return ("ok", "select", body)

    writer = _LineCountingWriter(limit)
    try:
        results.serialize(writer, format=ox.RdfFormat.N_TRIPLES)
    except _LimitPassed:
        return ("too_large", limit)
    body = writer.getvalue()
    rdf_format = _RDF_FORMATS[request.rdf_format or "N_TRIPLES"]
    if rdf_format != ox.RdfFormat.N_TRIPLES:
        prefixes = None
        if rdf_format in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG, ox.RdfFormat.RDF_XML):
            from .iris import PREFIXES

            prefixes = PREFIXES
        triples = [quad.triple for quad in ox.parse(body, format=ox.RdfFormat.N_TRIPLES)]
        if prefixes:  # grouped by subject, so Turtle and RDF/XML write each subject once
            triples.sort(key=lambda t: (str(t.subject), str(t.predicate)))
        body = ox.serialize(triples, format=rdf_format, prefixes=prefixes)
    return ("ok", "graph", body)


class _LimitPassed(Exception):
    """Raised inside a serialisation to stop it when the result has too many lines."""


class _LineCountingWriter(io.RawIOBase):
    """A file-like sink for pyoxigraph serialisers that refuses more than ``limit`` lines."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit
        self.lines = 0
        self._chunks: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:  # noqa: ANN001 - a bytes-like object
        chunk = bytes(data)
        self.lines += chunk.count(b"\n")
        if self.lines > self.limit:
            raise _LimitPassed()
        self._chunks.append(chunk)
        return len(chunk)

    def getvalue(self) -> bytes:
        return b"".join(self._chunks)


class _Worker:
    """One worker process and the parent's end of its pipe.

    The process is started with ``python -c`` on a socket pair rather than through
    ``multiprocessing``'s 'spawn' or 'forkserver', which re-import the parent's ``__main__``
    in the child: a script without an ``if __name__ == "__main__"`` guard would run again in
    every worker. The pipe speaks ``multiprocessing.connection``'s protocol all the same.
    """

    def __init__(self, store_path: Location, generation: int = 0, nice: int = 0) -> None:
        parent, child = socket.socketpair()
        # The store this worker has open, and the executor's generation it was opened for.
        self.location, self.generation = store_path, generation
        # The worker imports this package from where the parent found it, installed or not.
        package_root = str(Path(__file__).resolve().parents[1])
        path = os.pathsep.join(p for p in (package_root, os.environ.get("PYTHONPATH")) if p)
        environment = dict(os.environ, PYTHONPATH=path)
        self.process = subprocess.Popen(
            [sys.executable, "-c", _WORKER_COMMAND, str(child.fileno()), str(os.getpid()), str(nice)],
            pass_fds=[child.fileno()],
            stdin=subprocess.DEVNULL,
            env=environment,
        )
        child.close()
        self.conn = Connection(parent.detach())
        # Through the pipe, not the command line: a remote store's URL may hold a password.
        self.conn.send(str(store_path))
        self.ready = False

    def wait_ready(self) -> None:
        """Block until the worker has opened the store (called in a thread)."""
        if self.ready:
            return
        try:
            if not self.conn.poll(_READY_TIMEOUT):
                raise WorkerFailed(f"a query worker did not start within {_READY_TIMEOUT:g} s")
            message = self.conn.recv()
        except (EOFError, OSError) as error:
            raise WorkerFailed(f"a query worker exited while starting (exit code {self.process.poll()})") from error
        if message[0] != "ready":
            raise WorkerFailed(f"a query worker could not open the store: {message[1]}")
        self.ready = True

    def reopen(self, location: Location, generation: int) -> None:
        """Open the store at ``location`` in place of the one the worker has (called in a thread).

        A read-only store shows the data as it was when opened; after a write the executor
        points its workers at a new snapshot (``QueryExecutor.refresh``). Reopening costs a few
        milliseconds, against a few hundred for a new process.
        """
        answer = self.call(_Request(op="reopen", store_path=str(location)), _READY_TIMEOUT)
        if answer is None or answer[0] != "ok":
            detail = "no answer" if answer is None else answer[1]
            raise WorkerFailed(f"a query worker could not open the refreshed store {location}: {detail}")
        self.location, self.generation = location, generation

    def call(self, request: _Request, timeout: float) -> tuple | None:
        """Send ``request`` and wait up to ``timeout`` s for the answer; None on time-out (called in a thread)."""
        try:
            self.conn.send(request)
            if not self.conn.poll(timeout):
                return None
            return self.conn.recv()
        except (EOFError, OSError) as error:
            raise WorkerFailed(f"a query worker died during a query (exit code {self.process.poll()})") from error

    def stop(self, graceful: bool = False) -> None:
        """End the process now (or let it finish, if ``graceful`` and idle)."""
        if graceful and self.process.poll() is None:
            try:
                self.conn.send(None)
                self.process.wait(1.0)
            except (OSError, subprocess.TimeoutExpired):
                pass
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(5.0)
        # The pipe is left to the garbage collector: a thread may still be polling it, and
        # closing a descriptor another thread uses can close an unrelated file that reuses it.


_WORKER_COMMAND = (
    "import sys; from clusterkg.executor import _worker_entry; "
    "_worker_entry(int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]))"
)


def _worker_entry(fd: int, parent_pid: int, nice: int = 0) -> None:
    """``python -c`` entry point of a worker: die with the parent, then serve on descriptor ``fd``.

    The first message on the pipe is the store's location. ``nice`` lowers the worker's CPU
    priority (public SPARQL queries: see ``QueryExecutor``).
    """
    if nice:
        try:
            os.nice(nice)
        except OSError:
            pass
    if sys.platform.startswith("linux"):
        import ctypes

        try:  # PR_SET_PDEATHSIG: a runaway query must not outlive a parent killed with SIGKILL
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent_pid:
        return
    conn = Connection(fd)
    try:
        store_path = conn.recv()
    except EOFError:
        return
    _worker_main(conn, store_path)


class _Lane:
    """Workers for one kind of query: at most ``size`` queries at once, at CPU priority ``nice``."""

    def __init__(self, name: str, size: int, nice: int, target: tuple[Location, int]) -> None:
        self.name, self.size, self.nice = name, size, nice
        self.idle: list[_Worker] = [_Worker(*target, nice=nice) for _ in range(size)]
        self.busy: set[_Worker] = set()
        self.semaphore: asyncio.Semaphore | None = None
        self.loop: asyncio.AbstractEventLoop | None = None

    def semaphore_for_loop(self) -> asyncio.Semaphore:
        """The semaphore for the running event loop (tests may run several loops in turn)."""
        loop = asyncio.get_running_loop()
        if self.semaphore is None or self.loop is not loop:
            self.semaphore = asyncio.Semaphore(self.size)
            self.loop = loop
        return self.semaphore


PUBLIC_NICE = 10  # CPU priority of the public endpoint's workers: a runaway query yields the CPU to the pages


class QueryExecutor:
    """Runs SPARQL over the store at ``store_path`` in ``workers`` processes, each query within ``timeout`` s.

    Two lanes of workers: ``workers`` processes for the service's own queries (``select``,
    ``ask``, ``construct``: pages, catalogue, search, networks), and ``public_workers`` more for
    the arbitrary queries of the public SPARQL endpoint and dumps (``serialize``, ``export``),
    run at a lower CPU priority (``PUBLIC_NICE``). A runaway ad-hoc query then holds neither a
    worker nor a full core the pages need until its time limit ends it; with
    ``public_workers=0`` every query shares one lane.

    ``store_path`` is a directory (embedded store) or a ``sparql+http(s)://`` URL (remote store:
    the workers forward each query to the server, within the same time limit).
    Results larger than ``max_results`` rows or triples raise ``ResultTooLarge``; a query past
    the limit raises ``QueryTimeout`` and its worker is replaced. The constructor only checks
    that an embedded store exists; workers open it in the background.
    """

    def __init__(
        self,
        store_path: Location,
        timeout: float = 30.0,
        max_results: int = 100_000,
        workers: int | None = None,
        public_workers: int | None = None,
    ) -> None:
        self.store_path = parse_location(store_path)
        if not is_remote(self.store_path) and not (self.store_path / "CURRENT").exists():
            raise StoreMissing(self.store_path)
        self.timeout = timeout
        self.max_results = max_results
        if workers is None or public_workers is None:
            from .config import settings

            workers = settings().query_workers if workers is None else workers
            public_workers = settings().sparql_workers if public_workers is None else public_workers
        self.workers = max(1, workers)
        self.public_workers = max(0, public_workers)
        self._closed = False
        # Bumped by refresh(): a worker opened for an older generation reopens before its next query.
        self.generation = 0
        self._target: tuple[Location, int] = (self.store_path, 0)
        # Queries stopped at the time limit since start (exported as a metric).
        self.timeouts = 0
        self._lane = _Lane("internal", self.workers, 0, self._target)
        self._public = _Lane("public", self.public_workers, PUBLIC_NICE, self._target) if self.public_workers else self._lane
        self._threads = ThreadPoolExecutor(
            max_workers=self.workers + self.public_workers + 2, thread_name_prefix="query-wait"
        )

    @property
    def _idle(self) -> list[_Worker]:
        """Idle workers of the service's own lane."""
        return self._lane.idle

    @property
    def _busy(self) -> set[_Worker]:
        """Busy workers of the service's own lane."""
        return self._lane.busy

    def _lanes(self) -> list[_Lane]:
        return [self._lane] if self._public is self._lane else [self._lane, self._public]

    # The public interface: each call is one query, evaluated in a worker.

    async def select(
        self,
        sparql: str,
        bindings: Mapping[str, Term] | None = None,
        *,
        default_graphs: list[ox.NamedNode] | None = None,
        named_graphs: list[ox.NamedNode] | None = None,
    ) -> SelectResult:
        """Evaluate a SELECT query and return its rows."""
        kind, body = await self._query(sparql, bindings, default_graphs, named_graphs, "JSON", "N_TRIPLES")
        if kind != "select":
            raise TypeError(f"expected a SELECT query, got a {kind} query")
        return await self._in_thread(_parse_select, body)

    async def ask(
        self,
        sparql: str,
        bindings: Mapping[str, Term] | None = None,
        *,
        default_graphs: list[ox.NamedNode] | None = None,
        named_graphs: list[ox.NamedNode] | None = None,
    ) -> bool:
        """Evaluate an ASK query."""
        kind, body = await self._query(sparql, bindings, default_graphs, named_graphs, "JSON", "N_TRIPLES")
        if kind != "ask":
            raise TypeError(f"expected an ASK query, got a {kind} query")
        return bool(ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON))

    async def construct(
        self,
        sparql: str,
        bindings: Mapping[str, Term] | None = None,
        *,
        default_graphs: list[ox.NamedNode] | None = None,
        named_graphs: list[ox.NamedNode] | None = None,
    ) -> list[ox.Triple]:
        """Evaluate a CONSTRUCT or DESCRIBE query and return its triples."""
        kind, body = await self._query(sparql, bindings, default_graphs, named_graphs, "JSON", "N_TRIPLES")
        if kind != "graph":
            raise TypeError(f"expected a CONSTRUCT or DESCRIBE query, got a {kind} query")
        return await self._in_thread(_parse_triples, body)

    async def serialize(
        self,
        sparql: str,
        results_format: ox.QueryResultsFormat | None,
        rdf_format: ox.RdfFormat | None,
        bindings: Mapping[str, Term] | None = None,
        default_graphs: list[ox.NamedNode] | None = None,
        named_graphs: list[ox.NamedNode] | None = None,
        *,
        base_iri: str | None = None,
        allowed_services: Collection[str] = (),
    ) -> tuple[str, bytes]:
        """Evaluate any query and serialise its result: ('select'|'ask'|'graph', body).

        SELECT and ASK results come in ``results_format`` (default SPARQL JSON), CONSTRUCT
        and DESCRIBE in ``rdf_format`` (default N-Triples). If ``default_graphs`` or
        ``named_graphs`` is given, the dataset is exactly those graphs (SPARQL 1.1 Protocol
        §2.1.4; the one not given is empty); otherwise the default graph is the union of all
        named graphs. SERVICE is refused unless every endpoint is in ``allowed_services``.
        """
        return await self._query(
            sparql,
            bindings,
            default_graphs,
            named_graphs,
            _format_name(_RESULTS_FORMATS, results_format),
            _format_name(_RDF_FORMATS, rdf_format),
            base_iri=base_iri,
            allowed_services=allowed_services,
            lane=self._public,
        )

    async def export(self, format: str) -> bytes:
        """The whole store as a dump (nq, ttl or jsonld; see ``export.export_store``), made in a worker."""
        _, body = await self._run(
            _Request(op="export", export_format=format), max(self.timeout, 300.0), self._public
        )
        return body

    def refresh(self, store_path: Location | None = None) -> None:
        """Make every query from now on see the store as it is now (after a write).

        Workers hold read-only stores, which show the data as it was when they were opened.
        ``store_path``, if given, replaces the store the workers read (the writer passes a new
        snapshot of the live store). Each worker reopens the store before its next query,
        idle ones included; a query already running finishes on the data it started with.
        """
        location = parse_location(store_path) if store_path is not None else self.store_path
        # One assignment, so a query never pairs the new generation with the old location.
        self._target = (location, self.generation + 1)
        self.store_path, self.generation = self._target

    def locations_in_use(self) -> set[Location]:
        """The stores that workers have open, and the current one: snapshots not to delete yet."""
        return {self.store_path} | {w.location for lane in self._lanes() for w in [*lane.idle, *lane.busy]}

    def close(self) -> None:
        """Stop the workers."""
        self._closed = True
        for lane in self._lanes():
            for worker in [*lane.idle, *lane.busy]:
                worker.stop(graceful=worker in lane.idle)
            lane.idle.clear()
        self._threads.shutdown(wait=False, cancel_futures=True)

    # Internals.

    async def _query(
        self,
        sparql: str,
        bindings: Mapping[str, Term] | None,
        default_graphs: list[ox.NamedNode] | None,
        named_graphs: list[ox.NamedNode] | None,
        results_format: str | None,
        rdf_format: str | None,
        *,
        base_iri: str | None = None,
        allowed_services: Collection[str] = (),
        lane: _Lane | None = None,
    ) -> tuple[str, bytes]:
        check_complexity(sparql)
        scan = scan_query(sparql, base_iri)
        check_services(scan, allowed_services)
        request = _Request(
            op="query",
            sparql=sparql,
            bindings=dict(bindings or {}),
            default_graphs=list(default_graphs) if default_graphs is not None else None,
            named_graphs=list(named_graphs) if named_graphs is not None else None,
            base_iri=base_iri,
            has_dataset_clause=scan.has_dataset_clause,
            results_format=results_format,
            rdf_format=rdf_format,
            max_results=self.max_results,
        )
        return await self._run(request, self.timeout, lane)

    async def _run(self, request: _Request, timeout: float, lane: _Lane | None = None) -> tuple[str, bytes]:
        """Send ``request`` to an idle worker of ``lane``, waiting for one if all are busy; map its answer."""
        if self._closed:
            raise RuntimeError("the query executor is closed")
        lane = lane or self._lane
        semaphore = lane.semaphore_for_loop()
        try:
            await asyncio.wait_for(semaphore.acquire(), timeout)
        except TimeoutError:
            raise ServiceBusy(lane.size, timeout) from None
        worker = lane.idle.pop()
        lane.busy.add(worker)
        try:
            answer = await self._in_thread(_ready_then_call, worker, request, timeout, *self._target)
        except BaseException:
            # Cancelled (the client left, the server stops) or the worker died: end it either way.
            self._replace(worker, lane)
            semaphore.release()
            raise
        if answer is None:
            self._replace(worker, lane)
            semaphore.release()
            self.timeouts += 1
            raise QueryTimeout(timeout)
        lane.busy.discard(worker)
        lane.idle.append(worker)
        semaphore.release()
        return _unwrap(answer)

    def _replace(self, worker: _Worker, lane: _Lane | None = None) -> None:
        """End ``worker`` and put a fresh one in its place."""
        lane = lane or self._lane
        lane.busy.discard(worker)
        worker.stop()
        if not self._closed:
            # At the front: idle workers are taken from the end, so started ones go first.
            lane.idle.insert(0, _Worker(*self._target, nice=lane.nice))

    async def _in_thread(self, function, *args):
        return await asyncio.get_running_loop().run_in_executor(self._threads, function, *args)


def _ready_then_call(
    worker: _Worker, request: _Request, timeout: float, location: Location, generation: int
) -> tuple | None:
    """Wait for a new worker to start and reopen a stale store (neither counted in the time limit), then run ``request``."""
    worker.wait_ready()
    if worker.generation < generation:
        worker.reopen(location, generation)
    return worker.call(request, timeout)


def _unwrap(answer: tuple) -> tuple[str, bytes]:
    """Turn a worker's answer into a result or the matching exception."""
    status = answer[0]
    if status == "ok":
        return answer[1], answer[2]
    if status == "syntax":
        raise QuerySyntaxError(answer[1])
    if status == "too_large":
        raise ResultTooLarge(answer[1])
    if status == "failed":
        raise QueryEvaluationError(answer[1])
    raise WorkerFailed(f"a query worker hit a bug:\n{answer[1]}")


def _format_name(table: dict, format: object | None) -> str | None:
    """The key of ``format`` in ``table`` (formats do not pickle; their names do)."""
    if format is None:
        return None
    for name, candidate in table.items():
        if candidate == format:
            return name
    raise ValueError(f"unsupported format {format!r}")


def _parse_select(body: bytes) -> SelectResult:
    """SPARQL JSON results back into terms."""
    solutions = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
    variables = [v.value for v in solutions.variables]
    rows = [{name: s[name] for name in variables if s[name] is not None} for s in solutions]
    return SelectResult(variables, rows)


def _parse_triples(body: bytes) -> list[ox.Triple]:
    """N-Triples back into triples, keeping blank node labels."""
    return [quad.triple for quad in ox.parse(body, format=ox.RdfFormat.N_TRIPLES)]


__all__ = [
    "FederationRefused",
    "QueryEvaluationError",
    "QueryExecutor",
    "QueryScan",
    "QueryTimeout",
    "QueryTooComplex",
    "ResultTooLarge",
    "SelectResult",
    "ServiceBusy",
    "WorkerFailed",
    "check_complexity",
    "check_services",
    "rows_as_json",
    "scan_query",
]
