"""One import: produce the graph, gate it with the shapes, commit it atomically, describe it.

``clusterkg import SOURCE FILE`` runs :func:`run_import`:

1. the importer (a mapping file, or Python for CORDIS XML and the NUTS history) turns the
   file into triples and an account of every row; the rows it could not map, and the values
   it had to leave out, go to the rejects file (CSV: row, outcome, reason, raw row);
2. the triples, with the part of the store they link to (regions, countries, vocabularies,
   curated nodes: every node reachable from the import's objects, and what other graphs
   say about the import's own subjects), are validated against the shapes; only results
   about the import's own subjects count, so the store's other graphs, validated when they
   entered, do not slow every import down nor block it;
3. nothing is written unless the graph conforms. Then the triples and their catalogue entry
   go into staging graphs with one ``Store.extend`` (one transaction), and one SPARQL update
   swaps them in: ``DROP SILENT GRAPH <g> ; MOVE <staging> TO <g> ; ...``. Oxigraph runs a
   whole update request, all its operations, in one transaction (``Store::update_opt`` wraps
   ``evaluate_update`` in ``storage.transaction``), so readers see the old graph or the new
   one, never a mix; a failure anywhere leaves the store as it was. (Between the two
   transactions the staging graphs are visible in the union default graph; an interrupted
   import leaves them behind, and the next import of the same graph drops them.)
4. importing the same file again finds the same triples (IRIs come from identifiers and
   slugs, never blank nodes) and writes nothing.

The catalogue (``graph/catalog``) describes each imported graph like the build describes its
sources (DCAT, VoID, checksum, ``prov:wasDerivedFrom`` its source document), plus the
import activity: start and end, the files used with their sha256, the importer's version
and the counts of rows read, imported and rejected.
"""

from __future__ import annotations

import csv
import hashlib
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import pyoxigraph as ox

from .. import __version__
from ..errors import ClusterKGError, StoreMissing, ValidationFailed
from ..iris import CATALOG_GRAPH, CKG, DATASET, GRAPH, SPDX, VOID
from ..store import GraphStore

IMPORT_PREFIX = str(GRAPH["import/"])
STAGING_PREFIX = str(GRAPH["staging/"])
ONTOLOGY_GRAPH = str(GRAPH["clusterkg"])

_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_RDFS = "http://www.w3.org/2000/01/rdf-schema#"
_XSD = "http://www.w3.org/2001/XMLSchema#"
_DCT = "http://purl.org/dc/terms/"
_DCAT = "http://www.w3.org/ns/dcat#"
_PROV = "http://www.w3.org/ns/prov#"
_OWL = "http://www.w3.org/2002/07/owl#"
_SKOS = "http://www.w3.org/2004/02/skos/core#"
_FOAF = "http://xmlns.com/foaf/0.1/"
_TYPE = ox.NamedNode(_RDF + "type")


def _n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


@dataclass
class Produced:
    """What an importer made of its file(s), before validation."""

    triples: list[ox.Triple]
    rejects: list  # of mapping.Reject
    read: int
    imported: int
    documents: list[str]
    files: list[Path]
    importer_version: str

    @property
    def rejected(self) -> int:
        return sum(1 for r in self.rejects if r.outcome == "rejected")

    @property
    def warnings(self) -> int:
        return sum(1 for r in self.rejects if r.outcome == "warning")


@dataclass
class ImportReport:
    """What an import did, for the CLI summary and the tests."""

    source: str
    graph: str
    files: list[Path]
    read: int = 0
    imported: int = 0
    rejected: int = 0
    warnings: int = 0
    triples: int = 0
    rejects_path: Path | None = None
    unchanged: bool = False
    seconds: dict[str, float] = field(default_factory=dict)


class Progress:
    """Callbacks an import reports through; the CLI draws them with rich, tests ignore them."""

    def step(self, text: str) -> None:  # noqa: D401 - a callback
        """A new stage begins."""

    def total(self, count: int) -> None:
        """The number of rows the current stage will go through."""

    def advance(self, count: int) -> None:
        """``count`` more rows are done."""


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# ---------------------------------------------------------------- rejects

def write_rejects(path: Path, rejects: list) -> None:
    """The rejects file: one line per rejected row or left-out value, with the raw row."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["row", "outcome", "reason", "raw"])
        for reject in rejects:
            writer.writerow([reject.row, reject.outcome, reject.reason, reject.raw])


def default_rejects_path(store_path: Path, graph_name: str) -> Path:
    """``STORE/../rejects/NAME.csv``: next to the store, one file per imported graph."""
    return store_path.parent / "rejects" / f"{graph_name.removeprefix('import/')}.csv"


# ---------------------------------------------------------------- validation

def _context(store: GraphStore, triples: list[ox.Triple], graph: ox.NamedNode) -> list[ox.Triple]:
    """What the import links to in the store, transitively, and what other graphs say about its subjects."""
    subjects = {t.subject for t in triples}
    skip_graphs = {graph.value, str(CATALOG_GRAPH), ONTOLOGY_GRAPH}
    frontier = set(subjects)
    frontier |= {t.object for t in triples if isinstance(t.object, ox.NamedNode) and t.predicate != _TYPE}
    seen: set[ox.NamedNode] = set()
    context: dict[ox.Triple, None] = {}
    raw = store.oxigraph
    while frontier:
        node = frontier.pop()
        if node in seen:
            continue
        seen.add(node)
        for quad in raw.quads_for_pattern(node, None, None, None):
            name = quad.graph_name
            if not isinstance(name, ox.NamedNode) or name.value in skip_graphs or name.value.startswith(STAGING_PREFIX):
                continue
            context[quad.triple] = None
            if isinstance(quad.object, ox.NamedNode) and quad.predicate != _TYPE and quad.object not in seen:
                frontier.add(quad.object)
    return list(context)


def validate_import(store: GraphStore, triples: list[ox.Triple], graph: ox.NamedNode, files: list[Path]):
    """Validate ``triples`` with their context; raise :class:`ValidationFailed` on violations about them."""
    from ..build import SubjectInfo, to_rdflib_graph
    from ..shapes import ValidationResult, validate_graph
    from ..terms import to_rdflib

    context = _context(store, triples, graph)
    result = validate_graph(to_rdflib_graph([*triples, *context]))
    own = {to_rdflib(t.subject) for t in triples}
    results = [r for r in result.results if r.focus_node in own]
    violations = [r for r in results if str(r.severity).endswith("#Violation")]
    if violations:
        subjects: dict[str, SubjectInfo] = {}
        names = {p.name for p in files}
        for t in triples:
            info = subjects.setdefault(t.subject.value, SubjectInfo(files=set(names)))
            if t.predicate.value == _SKOS + "prefLabel" and isinstance(t.object, ox.Literal):
                if not info.label or t.object.language == "en":
                    info.label = t.object.value
        report = ValidationResult(conforms=False, results=results, report_graph=result.report_graph)
        raise ValidationFailed(report, len(violations), subjects)
    return results


# ---------------------------------------------------------------- catalogue

def catalog_triples(graph: ox.NamedNode, produced: Produced, importer: str, count: int,
                    started: datetime, ended: datetime) -> list[ox.Triple]:
    """The catalogue entry of an imported graph: DCAT/VoID like the build's, plus PROV of the import."""
    g = graph
    activity = _n(g.value + "#import")
    stamp = ox.Literal(ended.isoformat(timespec="seconds"), datatype=_n(_XSD + "dateTime"))
    name = g.value.removeprefix(str(GRAPH))
    out = [
        ox.Triple(_n(str(DATASET)), _n(str(VOID.subset)), g),
        ox.Triple(g, _TYPE, _n(_DCAT + "Dataset")),
        ox.Triple(g, _TYPE, _n(str(VOID.Dataset))),
        ox.Triple(g, _n(_DCT + "title"), ox.Literal(name)),
        ox.Triple(g, _n(_DCT + "modified"), stamp),
        ox.Triple(g, _n(str(VOID.triples)), ox.Literal(str(count), datatype=_n(_XSD + "integer"))),
        ox.Triple(g, _n(_PROV + "wasGeneratedBy"), activity),
        ox.Triple(activity, _TYPE, _n(_PROV + "Activity")),
        ox.Triple(activity, _n(_RDFS + "label"), ox.Literal(f"clusterkg import {importer}", language="en")),
        ox.Triple(activity, _n(_PROV + "startedAtTime"),
                  ox.Literal(started.isoformat(timespec="seconds"), datatype=_n(_XSD + "dateTime"))),
        ox.Triple(activity, _n(_PROV + "endedAtTime"), stamp),
        ox.Triple(activity, _n(_OWL + "versionInfo"), ox.Literal(f"clusterkg {__version__}; {produced.importer_version}")),
        ox.Triple(activity, _n(str(CKG.rowsRead)), ox.Literal(str(produced.read), datatype=_n(_XSD + "integer"))),
        ox.Triple(activity, _n(str(CKG.rowsImported)), ox.Literal(str(produced.imported), datatype=_n(_XSD + "integer"))),
        ox.Triple(activity, _n(str(CKG.rowsRejected)), ox.Literal(str(produced.rejected), datatype=_n(_XSD + "integer"))),
        ox.Triple(activity, _n(_RDFS + "comment"), ox.Literal(
            f"{produced.read} rows read, {produced.imported} imported, {produced.rejected} rejected; "
            f"{produced.warnings} values left out of imported rows.", language="en")),
    ]
    for document in produced.documents:
        out += [ox.Triple(g, _n(_PROV + "wasDerivedFrom"), _n(document)),
                ox.Triple(g, _n(_DCT + "source"), _n(document)),
                ox.Triple(activity, _n(_PROV + "used"), _n(document))]
    for i, path in enumerate(produced.files, start=1):
        digest = sha256(path)
        entity = _n(f"{g.value}#file-{i}")
        out += [
            ox.Triple(g, _n(str(CKG.loadedFrom)), ox.Literal(str(path))),
            ox.Triple(entity, _TYPE, _n(_PROV + "Entity")),
            ox.Triple(entity, _n(_DCT + "identifier"), ox.Literal(path.name)),
            ox.Triple(entity, _n(str(SPDX.checksumValue)), ox.Literal(digest)),
            ox.Triple(activity, _n(_PROV + "used"), entity),
        ]
        if len(produced.files) == 1:
            out.append(ox.Triple(g, _n(str(SPDX.checksumValue)), ox.Literal(digest)))
    return out


def _catalog_entry(store: GraphStore, graph: ox.NamedNode) -> list[ox.Triple]:
    """The catalogue's triples about ``graph`` (its subjects are the graph and ``graph#...``)."""
    catalog = ox.NamedNode(str(CATALOG_GRAPH))
    out = [ox.Triple(_n(str(DATASET)), _n(str(VOID.subset)), graph)]
    for quad in store.oxigraph.quads_for_pattern(None, None, None, catalog):
        subject = quad.subject
        if isinstance(subject, ox.NamedNode) and (subject == graph or subject.value.startswith(graph.value + "#")):
            out.append(quad.triple)
    return out


def _same_as_stored(store: GraphStore, graph: ox.NamedNode, triples: list[ox.Triple], produced: Produced) -> bool:
    """True when the store already holds exactly these triples from the same files and importer."""
    stored = {q.triple for q in store.oxigraph.quads_for_pattern(None, None, None, graph)}
    if stored != set(triples):
        return False
    entry = _catalog_entry(store, graph)
    checksums = {t.object.value for t in entry if t.predicate.value == str(SPDX.checksumValue) and t.subject != graph}
    versions = {t.object.value for t in entry if t.predicate.value == _OWL + "versionInfo"}
    return checksums == {sha256(p) for p in produced.files} and versions == {f"clusterkg {__version__}; {produced.importer_version}"}


# ---------------------------------------------------------------- commit

def commit(store: GraphStore, graph: ox.NamedNode, triples: list[ox.Triple], catalog: list[ox.Triple]) -> None:
    """Replace ``graph`` and its catalogue entry atomically (see the module docstring)."""
    staging = _n(STAGING_PREFIX + graph.value.removeprefix(str(GRAPH)))
    staging_catalog = _n(staging.value + "--catalog")
    raw = store.oxigraph
    raw.update(f"DROP SILENT GRAPH {staging} ; DROP SILENT GRAPH {staging_catalog}")
    raw.extend([ox.Quad(t.subject, t.predicate, t.object, staging) for t in triples]
               + [ox.Quad(t.subject, t.predicate, t.object, staging_catalog) for t in catalog])
    cat = _n(str(CATALOG_GRAPH))
    dataset = _n(str(DATASET))
    void_triples, modified = _n(str(VOID.triples)), _n(_DCT + "modified")
    raw.update(f"""
        DROP SILENT GRAPH {graph} ;
        MOVE {staging} TO {graph} ;
        DELETE WHERE {{ GRAPH {cat} {{ {graph} ?p ?o }} }} ;
        DELETE {{ GRAPH {cat} {{ ?s ?p ?o }} }} WHERE {{
            GRAPH {cat} {{ ?s ?p ?o FILTER(STRSTARTS(STR(?s), "{graph.value}#")) }} }} ;
        DELETE WHERE {{ GRAPH {cat} {{ {dataset} {modified} ?m }} }} ;
        ADD {staging_catalog} TO {cat} ;
        DROP GRAPH {staging_catalog} ;
        INSERT {{ GRAPH {cat} {{ {dataset} {modified} ?now }} }} WHERE {{
            GRAPH {cat} {{ {graph} {modified} ?now }} }} ;
        DELETE {{ GRAPH {cat} {{ {dataset} {void_triples} ?old }} }}
        INSERT {{ GRAPH {cat} {{ {dataset} {void_triples} ?total }} }}
        WHERE {{
            GRAPH {cat} {{ {dataset} {void_triples} ?old }}
            {{ SELECT (SUM(?n) AS ?total) WHERE {{ GRAPH {cat} {{ {dataset} <{VOID.subset}> ?g . ?g {void_triples} ?n }} }} }}
        }}
    """)


def remove_import(store_path: Path, graph: ox.NamedNode) -> None:
    """Drop an imported graph and its catalogue entry in one transaction."""
    store = GraphStore(store_path)
    try:
        cat = _n(str(CATALOG_GRAPH))
        store.oxigraph.update(f"""
            DROP SILENT GRAPH {graph} ;
            DELETE WHERE {{ GRAPH {cat} {{ {graph} ?p ?o }} }} ;
            DELETE WHERE {{ GRAPH {cat} {{ {_n(str(DATASET))} <{VOID.subset}> {graph} }} }} ;
            DELETE {{ GRAPH {cat} {{ ?s ?p ?o }} }} WHERE {{
                GRAPH {cat} {{ ?s ?p ?o FILTER(STRSTARTS(STR(?s), "{graph.value}#")) }} }}
        """)
    finally:
        store.close()


# ---------------------------------------------------------------- the whole import

Producer = Callable[[Progress], Produced]


def run_import(source: str, graph_name: str, produce: Producer, store_path: Path,
               rejects_path: Path | None = None, progress: Progress | None = None) -> ImportReport:
    """Produce, validate and commit one import into the store at ``store_path``."""
    progress = progress or Progress()
    if not (store_path / "CURRENT").exists():
        raise StoreMissing(store_path)
    graph = _n(str(GRAPH[graph_name]))
    started = datetime.now(timezone.utc)
    clock = time.perf_counter()
    produced = produce(progress)
    report = ImportReport(source, graph_name, produced.files, produced.read, produced.imported,
                          produced.rejected, produced.warnings, len(produced.triples))
    report.seconds["map"] = time.perf_counter() - clock
    report.rejects_path = rejects_path or default_rejects_path(store_path, graph_name)
    write_rejects(report.rejects_path, produced.rejects)
    if not produced.triples:
        raise ClusterKGError(f"nothing to import from {', '.join(p.name for p in produced.files)}",
                             f"see the rejects in {report.rejects_path}")

    store = GraphStore(store_path)
    try:
        if _same_as_stored(store, graph, produced.triples, produced):
            report.unchanged = True
            return report
        progress.step(f"validating {len(produced.triples):,} triples against the shapes")
        clock = time.perf_counter()
        validate_import(store, produced.triples, graph, produced.files)
        report.seconds["validate"] = time.perf_counter() - clock
        progress.step("writing the store")
        clock = time.perf_counter()
        catalog = catalog_triples(graph, produced, source, len(produced.triples), started, datetime.now(timezone.utc))
        commit(store, graph, produced.triples, catalog)
        report.seconds["write"] = time.perf_counter() - clock
    finally:
        store.close()
    return report


# ---------------------------------------------------------------- the build keeps imports

@dataclass
class KeptImports:
    """The imported graphs of an old store, as build sources, and their catalogue entries."""

    sources: list = field(default_factory=list)
    catalog: list[ox.Triple] = field(default_factory=list)

    def describe(self, catalog_graph) -> None:
        """Add the kept catalogue entries to the build's (rdflib) catalogue graph."""
        from ..terms import to_rdflib

        for t in self.catalog:
            catalog_graph.add((to_rdflib(t.subject), to_rdflib(t.predicate), to_rdflib(t.object)))


def kept_imports(store_path: Path) -> KeptImports:
    """Graphs under ``graph/import/`` in the store at ``store_path`` (if any), to survive a rebuild."""
    from ..build import Source

    kept = KeptImports()
    if not (store_path / "CURRENT").exists():
        return kept
    try:
        store = GraphStore(store_path, read_only=True)
    except (OSError, ClusterKGError):
        store = GraphStore(store_path)
    try:
        for graph in store.named_graphs():
            if not graph.value.startswith(IMPORT_PREFIX):
                continue
            triples = [q.triple for q in store.oxigraph.quads_for_pattern(None, None, None, graph)]
            entry = _catalog_entry(store, graph)
            origin = next((t.object.value for t in entry if t.predicate.value == str(CKG.loadedFrom)), graph.value)
            name = graph.value.removeprefix(str(GRAPH))
            kept.sources.append(Source(name, f"{origin} (imported)", (lambda ts=triples: ts)))
            kept.catalog += entry
    finally:
        store.close()
    return kept


def pid_suffix() -> str:
    return str(os.getpid())
