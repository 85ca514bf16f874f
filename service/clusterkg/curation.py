"""Curated writes: one named graph replaced, added to or deleted, validated, atomic, recorded.

The write API (``api/admin.py``) is a thin layer over :class:`GraphWriter`, which holds the
only read-write handle on the embedded store while the service runs. A write:

1. parses the submitted document (Turtle, N-Triples or JSON-LD; never RDF/XML, whose DTDs
   allow entity-expansion bombs that Oxigraph's parser expands) into triples, blank nodes
   renamed apart from the store's;
2. under one lock (writes are serialised, so each is validated against the state it commits
   on, and two writers never interleave), validates the graph as it would be after the write
   with the part of the store it links to (``validation_data``) against the shapes; any
   violation about the nodes it touches refuses the write and nothing changes;
3. commits in two transactions: one ``Store.extend`` puts the new content and the new
   catalogue entries into staging graphs, then one SPARQL update moves them in. Oxigraph runs
   a whole update request in one transaction (``Store::update_opt`` wraps ``evaluate_update``
   in ``storage.transaction``), so the store holds the old graph or the new one, never a mix,
   even if the process is killed; staging graphs left by a killed write are dropped when the
   writer next opens the store (``recover``);
4. records the write as data: a ``prov:Activity`` in the catalogue graph (who: the token's
   label as a ``prov:Agent``; when; which graph; the sha256 of the submitted document), in the
   same transaction as the change; and a line in the append-only audit log beside the store
   (``STORE.audit.jsonl``), for refused writes too;
5. makes a snapshot of the store (a RocksDB checkpoint: hard links, ~10 ms) for the query
   workers. Read-only RocksDB instances do not see later writes, and opening one on a store
   another process is writing can fail while files are being compacted away; a checkpoint
   nobody writes is safe to open. The executor then reopens its workers on the snapshot.

The update text holds IRIs only: the graph's, minted by ``iris.graph_iri`` from a name that
matched ``GRAPH_NAME`` (so it cannot close the IRI), and the staging graphs', minted here.
Request content never enters it: the triples travel through ``Store.extend``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import threading
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import pyoxigraph as ox

from .errors import ClusterKGError, StoreMissing
from .iris import CATALOG_GRAPH, CKG, DATASET, GRAPH, SPDX, STAGING_PREFIX, VOID, graph_iri, mint
from .store import GraphStore

log = logging.getLogger("clusterkg.curation")

ONTOLOGY_GRAPH = str(GRAPH["clusterkg"])
#: A graph name: lower-case words, optionally one folder (``import/cordis``).
GRAPH_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,99}(/[a-z0-9][a-z0-9._-]{0,99})?$")
#: Graphs the write API leaves alone, and why.
RESERVED = {
    "catalog": "the catalogue is written by the build and by each write's provenance",
    "clusterkg": "the ontology drives validation; change ontology/clusterkg.ttl and rebuild",
}

#: Media types the write API parses (RFC 9110 §8.3); RDF/XML is refused on purpose.
FORMATS: dict[str, ox.RdfFormat] = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/x-turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/ld+json": ox.RdfFormat.JSON_LD,
}

_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_RDFS = "http://www.w3.org/2000/01/rdf-schema#"
_XSD = "http://www.w3.org/2001/XMLSchema#"
_DCT = "http://purl.org/dc/terms/"
_DCAT = "http://www.w3.org/ns/dcat#"
_PROV = "http://www.w3.org/ns/prov#"
_TYPE = ox.NamedNode(_RDF + "type")


def _n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


# ---------------------------------------------------------------- errors a curator can cause


class WriteError(ClusterKGError):
    """A write refused before anything changed; ``status`` is its HTTP status."""

    status = 400
    title = "Bad Request"

    def __init__(self, message: str, hint: str = "", **extra: object) -> None:
        super().__init__(message, hint)
        self.extra = extra


class GraphNameRefused(WriteError):
    status, title = 400, "Invalid graph name"


class GraphReserved(WriteError):
    status, title = 403, "Graph not writable"


class GraphNotFound(WriteError):
    status, title = 404, "No such graph"


class UnsupportedFormat(WriteError):
    status, title = 415, "Unsupported Media Type"


class UploadTooLarge(WriteError):
    status, title = 413, "Content Too Large"


class UploadSyntaxError(WriteError):
    status, title = 400, "RDF syntax error"
    exit_code = 3


class PreconditionFailed(WriteError):
    status, title = 412, "Precondition Failed"


class SubmissionViolates(WriteError):
    """The graph after the write would break the shapes; ``violations`` says where."""

    status, title = 422, "SHACL validation failed"
    exit_code = 1

    def __init__(self, violations: list[dict]) -> None:
        super().__init__(
            f"{len(violations)} SHACL violation(s); nothing was written",
            "fix the nodes named in the report and submit again",
            violations=violations,
        )
        self.violations = violations


# ---------------------------------------------------------------- parsing and naming


def graph_for(name: str) -> ox.NamedNode:
    """The named graph a write addresses; refuses names that are not slugs and reserved graphs."""
    if not GRAPH_NAME.match(name):
        raise GraphNameRefused(
            f"invalid graph name {name!r}",
            "use lower-case letters, digits, '.', '_' and '-', optionally one folder: calls, import/cordis",
        )
    if name.startswith("staging/"):
        raise GraphReserved(f"graph {name!r} is a staging area of writes in progress", "choose another name")
    if name in RESERVED:
        raise GraphReserved(f"graph {name!r} cannot be written through the API", RESERVED[name])
    return _n(str(graph_iri(name)))


def rdf_format(content_type: str | None) -> ox.RdfFormat:
    """The parser for a request's Content-Type; 415 for anything but Turtle, N-Triples, JSON-LD."""
    media_type, _, parameters = (content_type or "").partition(";")
    media_type = media_type.strip().lower()
    charset = re.search(r"charset\s*=\s*\"?([^\";\s]+)", parameters, re.IGNORECASE)
    if charset and charset.group(1).lower() not in ("utf-8", "utf8"):
        raise UnsupportedFormat(f"charset {charset.group(1)} is not accepted", "send the document as UTF-8")
    if media_type in FORMATS:
        return FORMATS[media_type]
    accepted = "text/turtle, application/n-triples or application/ld+json"
    if media_type in ("application/rdf+xml", "application/xml", "text/xml"):
        raise UnsupportedFormat(
            "RDF/XML is not accepted: XML document type declarations allow entity-expansion bombs",
            f"convert the document and send it as {accepted}",
        )
    shown = media_type or "no Content-Type"
    raise UnsupportedFormat(f"{shown} is not an RDF format this API reads", f"send {accepted}")


def parse_document(data: bytes, format: ox.RdfFormat, graph: ox.NamedNode) -> list[ox.Triple]:
    """The triples of a submitted document; a syntax error names line and column.

    Relative IRIs resolve against the graph's IRI; blank nodes get fresh labels, so they never
    merge with blank nodes already in the store. JSON-LD remote contexts are not fetched.
    """
    triples: list[ox.Triple] = []
    try:
        for quad in ox.parse(data, format=format, base_iri=graph.value, rename_blank_nodes=True):
            if not isinstance(quad.graph_name, ox.DefaultGraph):
                raise UploadSyntaxError(
                    f"the document puts triples in the named graph {quad.graph_name}",
                    "send the content of one graph: the graph is the one named in the URL",
                )
            triples.append(quad.triple)
    except SyntaxError as error:
        position = error.args[1] if len(error.args) > 1 and isinstance(error.args[1], tuple) else None
        line, column = (position[1], position[2]) if position and len(position) >= 3 else (error.lineno, error.offset)
        detail = error.args[0] if error.args else str(error)
        raise UploadSyntaxError(f"the document does not parse: {detail}", "fix it and submit again",
                                line=line, column=column) from None
    return triples


def checksum(data: bytes) -> str:
    """The sha256 of a submitted document, as recorded in its provenance."""
    return hashlib.sha256(data).hexdigest()


def graph_etag(triples: Iterable[ox.Triple]) -> str:
    """An entity tag of a graph's content (RFC 9110 §8.8.3): sha256 of its sorted N-Triples lines."""
    digest = hashlib.sha256()
    for line in sorted(str(t) for t in triples):
        digest.update(line.encode("utf-8") + b"\n")
    return f'"{digest.hexdigest()}"'


# ---------------------------------------------------------------- validation with context


@dataclass
class ValidationData:
    """What to validate: ``triples``, of which only results about ``checked`` nodes count."""

    triples: set[ox.Triple] = field(default_factory=set)
    checked: set[ox.NamedNode | ox.BlankNode] = field(default_factory=set)


def validation_data(
    store: ox.Store,
    graph: ox.NamedNode,
    old: list[ox.Triple],
    new: list[ox.Triple],
    submitted: list[ox.Triple],
    operation: str,
) -> ValidationData:
    """The graph after the write, with the context its nodes need to be judged, read from the store.

    Nodes checked: the subjects of the submitted triples; for a replace or delete also the old
    content's subjects (their description shrinks) and every node of another graph linking to a
    node that loses a type (``sh:class`` on that link may now fail). Each checked node comes
    with its whole description across graphs (blank nodes followed) and the links to it that
    the shapes follow backwards (``sh:inversePath``); every IRI those link to or from comes
    with its own description (a region's level, a concept's scheme, a document's type);
    the IRIs *those* link to, with their types. Results about other nodes do not count: the
    rest of the store was validated when it entered it.
    """
    from .shapes import inverse_path_predicates

    skip = {graph.value, str(CATALOG_GRAPH), ONTOLOGY_GRAPH}
    new_by_subject: dict = defaultdict(list)
    new_by_object: dict = defaultdict(list)
    for t in new:
        new_by_subject[t.subject].append(t)
        new_by_object[t.predicate, t.object].append(t)
    inverse = [ox.NamedNode(p) for p in inverse_path_predicates()]
    linking: set = set()

    def others(subject=None, predicate=None, obj=None) -> Iterator[ox.Triple]:
        for quad in store.quads_for_pattern(subject, predicate, obj, None):
            name = quad.graph_name
            if isinstance(name, ox.NamedNode) and name.value not in skip and not name.value.startswith(STAGING_PREFIX):
                yield quad.triple

    focus = {t.subject for t in submitted}
    if operation != "add":
        focus |= {t.subject for t in old}
        kept = {(t.subject, t.object) for t in new if t.predicate == _TYPE}
        lost = {
            t.subject
            for t in old
            if t.predicate == _TYPE and (t.subject, t.object) not in kept
            and not any(True for _ in others(t.subject, _TYPE, t.object))
        }
        for node in lost:
            focus |= {t.subject for t in others(obj=node)}
            focus |= {t.subject for t in new if t.object == node}

    data = ValidationData()
    described: set = set()

    def describe(node, check: bool) -> None:
        if node in described:
            return
        described.add(node)
        if check:
            data.checked.add(node)
        for t in [*new_by_subject.get(node, ()), *others(node)]:
            data.triples.add(t)
            if isinstance(t.object, ox.BlankNode):
                describe(t.object, check)
        if check:
            for predicate in inverse:
                for t in [*new_by_object.get((predicate, node), ()), *others(None, predicate, node)]:
                    data.triples.add(t)
                    linking.add(t.subject)

    for node in focus:
        describe(node, True)
    linked = {t.object for t in data.triples if isinstance(t.object, ox.NamedNode) and t.predicate != _TYPE}
    for node in (linked | linking) - described:
        describe(node, False)
    further = {t.object for t in data.triples if isinstance(t.object, ox.NamedNode) and t.predicate != _TYPE}
    for node in further - described:
        data.triples.update(t for t in new_by_subject.get(node, ()) if t.predicate == _TYPE)
        data.triples.update(others(node, _TYPE))
    return data


def validate_write(data: ValidationData) -> list[dict]:
    """The violations about the checked nodes, as plain data for the API and the audit log."""
    from .build import to_rdflib_graph
    from .shapes import validate_graph
    from .terms import to_rdflib

    result = validate_graph(to_rdflib_graph(data.triples))
    checked = {to_rdflib(node) for node in data.checked}
    return [_violation(v) for v in result.violations if v.focus_node in checked]


def _violation(v) -> dict:
    """One SHACL result as JSON: node, path, value, rule (the constraint component), shape, message."""
    return {
        "node": _text(v.focus_node),
        "path": _text(v.path),
        "value": _text(v.value),
        "rule": "sh:" + str(v.component).rsplit("#", 1)[-1] if v.component is not None else None,
        "shape": _text(v.source_shape),
        "message": v.message,
    }


def _text(term) -> str | None:
    from rdflib import BNode, URIRef

    if term is None:
        return None
    if isinstance(term, BNode):
        return f"_:{term}"
    if isinstance(term, URIRef):
        return str(term)
    return str(term)


# ---------------------------------------------------------------- the writer


@dataclass
class WriteOutcome:
    """What a committed write did, for the API's answer and the audit log."""

    operation: str
    graph: str
    author: str
    created: bool
    submitted: int
    triples: int
    checksum: str | None
    activity: str
    etag: str | None
    snapshot: Path

    def as_dict(self) -> dict:
        return {
            "operation": self.operation,
            "graph": self.graph,
            "author": self.author,
            "created": self.created,
            "submitted_triples": self.submitted,
            "triples": self.triples,
            "checksum": self.checksum,
            "activity": self.activity,
        }


class GraphWriter:
    """The one read-write handle on the embedded store at ``path``, and the writes through it.

    Opening takes RocksDB's lock (``StoreLocked`` if another process holds it, at once, never a
    wait), drops staging graphs an interrupted write left, and makes the first snapshot for the
    query workers. ``write`` is thread-safe: writes run one at a time.
    """

    def __init__(self, path: Path, audit_log: Path | None = None) -> None:
        self.path = Path(path)
        if not (self.path / "CURRENT").exists():
            raise StoreMissing(self.path)
        self._store = GraphStore(self.path)
        self.raw = self._store.oxigraph
        self.audit_log = audit_log or self.path.with_name(self.path.name + ".audit.jsonl")
        self.snapshots = self.path.with_name(self.path.name + ".snapshots")
        self._lock = threading.Lock()
        self._sequence = 0
        #: Called with the new snapshot after each commit, under the lock (the service refreshes its workers).
        self.on_commit: Callable[[Path], None] | None = None
        self.recover()
        shutil.rmtree(self.snapshots, ignore_errors=True)
        self.snapshots.mkdir(parents=True)
        self.current_snapshot = self._snapshot()

    # -- recovery and snapshots

    def recover(self) -> list[str]:
        """Drop the staging graphs of writes or imports that were interrupted; returns their IRIs."""
        left = [g.value for g in self._store.named_graphs() if g.value.startswith(STAGING_PREFIX)]
        if left:
            self.raw.update(" ;\n".join(f"DROP SILENT GRAPH {_n(iri)}" for iri in left))
            log.warning("dropped staging graphs of interrupted writes", extra={"event": "write.recovered", "graphs": left})
        return left

    def _snapshot(self) -> Path:
        """A checkpoint of the store as it is now, for read-only workers (hard links on one file system)."""
        self._sequence += 1
        target = self.snapshots / f"{self._sequence:06d}"
        self.raw.backup(str(target))
        self.current_snapshot = target
        return target

    def prune(self, in_use: Iterable[Path | str]) -> None:
        """Delete the snapshots no worker has open any more."""
        keep = {Path(p).resolve() for p in in_use} | {self.current_snapshot.resolve()}
        for folder in self.snapshots.iterdir():
            if folder.resolve() not in keep:
                shutil.rmtree(folder, ignore_errors=True)

    def close(self) -> None:
        """Release the store's lock and delete the snapshots."""
        self._store.close()
        shutil.rmtree(self.snapshots, ignore_errors=True)

    # -- reading

    def graphs(self) -> list[tuple[str, int]]:
        """Every named graph but the staging ones, with its number of triples."""
        counts: dict[str, int] = defaultdict(int)
        for quad in self.raw.quads_for_pattern(None, None, None, None):
            if isinstance(quad.graph_name, ox.NamedNode) and not quad.graph_name.value.startswith(STAGING_PREFIX):
                counts[quad.graph_name.value] += 1
        return sorted(counts.items())

    def content(self, graph: ox.NamedNode) -> list[ox.Triple]:
        """The triples of ``graph`` as stored."""
        return [q.triple for q in self.raw.quads_for_pattern(None, None, None, graph)]

    # -- writing

    def write(
        self,
        operation: str,
        name: str,
        author: str,
        data: bytes = b"",
        content_type: str | None = None,
        *,
        if_match: str | None = None,
        max_bytes: int | None = None,
        request_id: str | None = None,
    ) -> WriteOutcome:
        """Replace (``replace``), add to (``add``) or delete (``delete``) the graph ``name``.

        Raises a ``WriteError`` (nothing written) for a bad name, format, document, a failed
        ``If-Match`` precondition (RFC 9110 §13.1.1) or SHACL violations. Every attempt is
        appended to the audit log.
        """
        if operation not in ("replace", "add", "delete"):
            raise ValueError(f"unknown operation {operation!r}")
        started = datetime.now(timezone.utc)
        record = {"operation": operation, "graph": name, "author": author, "request_id": request_id,
                  "bytes": len(data)}
        try:
            graph = graph_for(name)
            record["graph"] = graph.value
            submitted: list[ox.Triple] = []
            digest = None
            if operation != "delete":
                if max_bytes is not None and len(data) > max_bytes:
                    raise UploadTooLarge(f"the document is over {max_bytes:,} bytes", "split it into several additions")
                submitted = parse_document(data, rdf_format(content_type), graph)
                digest = checksum(data)
                record["checksum"] = digest
            with self._lock:
                outcome = self._write_locked(operation, graph, author, submitted, digest, if_match, started)
        except WriteError as error:
            record.update(outcome="refused", status=error.status, detail=str(error))
            if isinstance(error, SubmissionViolates):
                record["violations"] = len(error.violations)
            self._audit(record)
            log.info("write refused", extra={"event": "write.refused", **record})
            raise
        except Exception as error:
            record.update(outcome="failed", status=500, detail=f"{type(error).__name__}: {error}")
            self._audit(record)
            raise
        record.update(outcome="committed", status=201 if outcome.created else 200, triples=outcome.triples,
                      submitted_triples=outcome.submitted, activity=outcome.activity)
        self._audit(record)
        log.info("write committed", extra={"event": "write.committed", **record})
        return outcome

    def _write_locked(
        self,
        operation: str,
        graph: ox.NamedNode,
        author: str,
        submitted: list[ox.Triple],
        digest: str | None,
        if_match: str | None,
        started: datetime,
    ) -> WriteOutcome:
        old = self.content(graph)
        exists = bool(old) or self.raw.contains_named_graph(graph)
        if operation == "delete" and not exists:
            raise GraphNotFound(f"there is no graph {graph.value}", "GET /api/admin/graphs lists them")
        if if_match is not None and not _etag_matches(if_match, graph_etag(old) if exists else None):
            raise PreconditionFailed(
                f"graph {graph.value} has changed since you read it (If-Match does not match its ETag)",
                "GET the graph again, apply your change to it and resubmit with the new ETag",
            )
        if operation == "replace":
            new = list(dict.fromkeys(submitted))
        elif operation == "add":
            new = list(dict.fromkeys([*old, *submitted]))
        else:
            new = []

        log.info("write validating", extra={"event": "write.validating", "graph": graph.value, "triples": len(new)})
        violations = validate_write(validation_data(self.raw, graph, old, new, submitted, operation))
        if violations:
            raise SubmissionViolates(violations)

        ended = datetime.now(timezone.utc)
        activity = mint("activity", f"write {ended.strftime('%Y%m%dT%H%M%S')} {uuid.uuid4().hex[:8]}")
        catalog = self._catalog_triples(operation, graph, author, new, len(old), digest, activity, started, ended)
        self._commit(operation, graph, submitted if operation != "delete" else [], catalog)
        snapshot = self._snapshot()
        if self.on_commit is not None:
            try:
                self.on_commit(snapshot)
            except Exception:  # the write is committed whatever a reader's refresh does: log, never undo
                log.exception("the write is committed, but refreshing the readers failed",
                              extra={"event": "write.refresh_failed", "graph": graph.value})
        after = self.content(graph)
        return WriteOutcome(
            operation=operation, graph=graph.value, author=author, created=not exists and operation != "delete",
            submitted=len(submitted), triples=len(after), checksum=digest, activity=str(activity),
            etag=graph_etag(after) if operation != "delete" else None, snapshot=snapshot,
        )

    def _catalog_triples(
        self,
        operation: str,
        graph: ox.NamedNode,
        author: str,
        new: list[ox.Triple],
        old_count: int,
        digest: str | None,
        activity_iri,
        started: datetime,
        ended: datetime,
    ) -> list[ox.Triple]:
        """The graph's new catalogue entry and the write's provenance (PROV-O)."""
        cat = _n(str(CATALOG_GRAPH))
        dataset = _n(str(DATASET))
        activity, agent = _n(str(activity_iri)), _n(str(mint("agent", author)))
        submission = _n(str(activity_iri) + "-submission")
        xsd_datetime, xsd_integer = _n(_XSD + "dateTime"), _n(_XSD + "integer")
        stamp = ox.Literal(ended.isoformat(timespec="milliseconds"), datatype=xsd_datetime)
        name = graph.value.removeprefix(str(GRAPH))
        verb = {"replace": "replaced", "add": "added to", "delete": "deleted"}[operation]
        out = [
            ox.Triple(activity, _TYPE, _n(_PROV + "Activity")),
            ox.Triple(activity, _n(_RDFS + "label"), ox.Literal(f"{author} {verb} graph {name}", language="en")),
            ox.Triple(activity, _n(_DCT + "type"), ox.Literal(operation)),
            ox.Triple(activity, _n(_PROV + "startedAtTime"),
                      ox.Literal(started.isoformat(timespec="milliseconds"), datatype=xsd_datetime)),
            ox.Triple(activity, _n(_PROV + "endedAtTime"), stamp),
            ox.Triple(activity, _n(_PROV + "wasAssociatedWith"), agent),
            ox.Triple(agent, _TYPE, _n(_PROV + "Agent")),
            ox.Triple(agent, _n(_RDFS + "label"), ox.Literal(author)),
            ox.Triple(dataset, _n(_DCT + "modified"), stamp),
        ]
        total = next(iter(self.raw.quads_for_pattern(dataset, _n(str(VOID.triples)), None, cat)), None)
        if total is not None:
            value = int(total.object.value) - old_count + len(new)
            out.append(ox.Triple(dataset, _n(str(VOID.triples)), ox.Literal(str(value), datatype=xsd_integer)))
        if operation == "delete":
            out.append(ox.Triple(activity, _n(_PROV + "invalidated"), graph))
            return out
        out += [
            ox.Triple(activity, _n(_PROV + "used"), submission),
            ox.Triple(submission, _TYPE, _n(_PROV + "Entity")),
            ox.Triple(submission, _n(str(SPDX.checksumValue)), ox.Literal(digest or "")),
            ox.Triple(activity, _n(_PROV + "generated"), graph),
            ox.Triple(dataset, _n(str(VOID.subset)), graph),
            ox.Triple(graph, _TYPE, _n(_DCAT + "Dataset")),
            ox.Triple(graph, _TYPE, _n(str(VOID.Dataset))),
            ox.Triple(graph, _n(_DCT + "title"), ox.Literal(name)),
            ox.Triple(graph, _n(_DCT + "modified"), stamp),
            ox.Triple(graph, _n(str(VOID.triples)), ox.Literal(str(len(new)), datatype=xsd_integer)),
            ox.Triple(graph, _n(str(CKG.loadedFrom)), ox.Literal(f"clusterkg write API ({operation} by {author})")),
            ox.Triple(graph, _n(_PROV + "wasGeneratedBy"), activity),
        ]
        if operation == "replace" and digest:
            out.append(ox.Triple(graph, _n(str(SPDX.checksumValue)), ox.Literal(digest)))
        documents = {t.subject for t in new if t.predicate == _TYPE and t.object == _n(str(CKG.SourceDocument))}
        for document in sorted(documents, key=str):
            out += [ox.Triple(graph, _n(_PROV + "wasDerivedFrom"), document),
                    ox.Triple(graph, _n(_DCT + "source"), document)]
        return out

    def _commit(self, operation: str, graph: ox.NamedNode, content: list[ox.Triple], catalog: list[ox.Triple]) -> None:
        """Stage, then swap in with one update: one transaction decides old or new (module docstring, step 3)."""
        token = uuid.uuid4().hex
        stage, stage_catalog = _n(f"{STAGING_PREFIX}api-{token}"), _n(f"{STAGING_PREFIX}api-{token}--catalog")
        self.raw.extend(
            [ox.Quad(t.subject, t.predicate, t.object, stage) for t in content]
            + [ox.Quad(t.subject, t.predicate, t.object, stage_catalog) for t in catalog]
        )
        log.info("write staged", extra={"event": "write.staged", "graph": graph.value, "staging": stage.value})
        cat, dataset = _n(str(CATALOG_GRAPH)), _n(str(DATASET))
        modified, void_triples, subset = _n(_DCT + "modified"), _n(str(VOID.triples)), _n(str(VOID.subset))
        steps = []
        if operation in ("replace", "delete"):
            steps.append(f"DROP SILENT GRAPH {graph}")
        if content:
            steps.append(f"ADD SILENT {stage} TO {graph}")
        steps += [
            f"DELETE WHERE {{ GRAPH {cat} {{ {graph} ?p ?o }} }}",
            f"DELETE WHERE {{ GRAPH {cat} {{ {dataset} {subset} {graph} }} }}",
            f"DELETE WHERE {{ GRAPH {cat} {{ {dataset} {modified} ?m }} }}",
            f"DELETE WHERE {{ GRAPH {cat} {{ {dataset} {void_triples} ?n }} }}",
            f"ADD SILENT {stage_catalog} TO {cat}",
            f"DROP SILENT GRAPH {stage}",
            f"DROP SILENT GRAPH {stage_catalog}",
        ]
        self.raw.update(" ;\n".join(steps))

    def _audit(self, record: dict) -> None:
        """Append one JSON line to the audit log (O_APPEND: concurrent appends never interleave), synced."""
        line = json.dumps({"time": datetime.now(timezone.utc).isoformat(timespec="milliseconds"), **record},
                          ensure_ascii=False, default=str)
        try:
            descriptor = os.open(self.audit_log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(descriptor, (line + "\n").encode("utf-8"))
                os.fsync(descriptor)
            finally:
                os.close(descriptor)
        except OSError:
            log.exception("cannot append to the audit log %s", self.audit_log, extra={"event": "audit.failed"})


def _etag_matches(header: str, current: str | None) -> bool:
    """RFC 9110 §13.1.1: ``*`` matches any existing graph; otherwise a strong comparison with a listed tag."""
    tags = [tag.strip() for tag in header.split(",") if tag.strip()]
    if "*" in tags:
        return current is not None
    return current is not None and current in tags


__all__ = [
    "FORMATS",
    "GraphWriter",
    "SubmissionViolates",
    "WriteError",
    "WriteOutcome",
    "graph_etag",
    "graph_for",
    "parse_document",
    "rdf_format",
    "validation_data",
]
