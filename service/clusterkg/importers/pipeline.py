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
import gc
import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import pyoxigraph as ox

from .. import __version__
from ..errors import ClusterKGError, StoreMissing, ValidationFailed
from ..iris import CATALOG_GRAPH, CKG, DATASET, GRAPH, SPDX, STAGING_PREFIX, VOID
from ..store import GraphStore

IMPORT_PREFIX = str(GRAPH["import/"])
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
    shacl_warnings: dict[str, int] = field(default_factory=dict)  # message -> count
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

def validate_import(source: ox.Store, triples: list[ox.Triple], graph: ox.NamedNode, files: list[Path],
                    progress: "Progress | None" = None) -> list:
    """Validate ``triples`` with their context in ``source`` (see :mod:`.validation`); raise
    :class:`ValidationFailed` on violations about the import's own nodes, return the other results."""
    from ..build import SubjectInfo
    from ..shapes import ValidationResult
    from .validation import chunks, context_triples, validate_triples

    context = context_triples(source, triples, {graph.value, str(CATALOG_GRAPH), ONTOLOGY_GRAPH},
                              STAGING_PREFIX, graph.value, str(CATALOG_GRAPH), ONTOLOGY_GRAPH)
    if progress is not None:
        progress.total(len(chunks(triples)))
    results = validate_triples(triples, context, on_chunk=progress.advance if progress is not None else None)
    violations = [r for r in results if str(r.severity).endswith("#Violation")]
    if violations:
        subjects: dict[str, SubjectInfo] = {}
        names = {p.name for p in files}
        for t in triples:
            info = subjects.setdefault(t.subject.value, SubjectInfo(files=set(names)))
            if t.predicate.value == _SKOS + "prefLabel" and isinstance(t.object, ox.Literal):
                if not info.label or t.object.language == "en":
                    info.label = t.object.value
        raise ValidationFailed(ValidationResult(conforms=False, results=results), len(violations), subjects)
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
    files = produced.files
    folder = files[0].parent if files else Path()
    loaded_from = str(files[0]) if len(files) == 1 else f"{folder}/{{{', '.join(p.name for p in files)}}}"
    out.append(ox.Triple(g, _n(str(CKG.loadedFrom)), ox.Literal(loaded_from)))
    for i, path in enumerate(files, start=1):
        digest = sha256(path)
        entity = _n(f"{g.value}#file-{i}")
        out += [
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
    staging, staging_catalog = staging_graphs(graph)
    raw = store.oxigraph
    raw.update(f"DROP SILENT GRAPH {staging} ; DROP SILENT GRAPH {staging_catalog}")
    raw.extend([ox.Quad(t.subject, t.predicate, t.object, staging) for t in triples]
               + [ox.Quad(t.subject, t.predicate, t.object, staging_catalog) for t in catalog])
    raw.update(swap_update(graph))
    raw.flush()  # write the memtables now: the next open need not replay a large write-ahead log


def staging_graphs(graph: ox.NamedNode) -> tuple[ox.NamedNode, ox.NamedNode]:
    """Where an import of ``graph`` and its catalogue entry wait before the swap."""
    staging = _n(STAGING_PREFIX + graph.value.removeprefix(str(GRAPH)))
    return staging, _n(staging.value + "--catalog")


def swap_update(graph: ox.NamedNode) -> str:
    """The one SPARQL update that puts the staged import and catalogue entry in place.

    The IRIs in it are the project's own graph names (checked ``NamedNode`` values), not user input.
    """
    staging, staging_catalog = staging_graphs(graph)
    cat = _n(str(CATALOG_GRAPH))
    dataset = _n(str(DATASET))
    void_triples, modified = _n(str(VOID.triples)), _n(_DCT + "modified")
    return f"""
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
        {_recount()}
    """


def _recount() -> str:
    """An update operation setting the dataset's void:triples to the sum over its subsets."""
    cat, dataset, void_triples = _n(str(CATALOG_GRAPH)), _n(str(DATASET)), _n(str(VOID.triples))
    return f"""
        DELETE {{ GRAPH {cat} {{ {dataset} {void_triples} ?old }} }}
        INSERT {{ GRAPH {cat} {{ {dataset} {void_triples} ?total }} }}
        WHERE {{
            GRAPH {cat} {{ {dataset} {void_triples} ?old }}
            {{ SELECT (SUM(?n) AS ?total) WHERE {{ GRAPH {cat} {{ {dataset} <{VOID.subset}> ?g . ?g {void_triples} ?n }} }} }}
        }}"""


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
                GRAPH {cat} {{ ?s ?p ?o FILTER(STRSTARTS(STR(?s), "{graph.value}#")) }} }} ;
            {_recount()}
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
    if not produced.imported:
        raise ClusterKGError(f"no row of {', '.join(p.name for p in produced.files)} could be imported",
                             f"see the reasons in {report.rejects_path}")

    store = GraphStore(store_path)
    try:
        clock = time.perf_counter()
        same = _same_as_stored(store, graph, produced.triples, produced)
        report.seconds["compare"] = time.perf_counter() - clock
        if same:
            report.unchanged = True
            return report
        progress.step(f"validating {len(produced.triples):,} triples against the shapes")
        clock = time.perf_counter()
        results = validate_import(store.oxigraph, produced.triples, graph, produced.files, progress)
        for result in results:
            if not str(result.severity).endswith("#Violation"):
                report.shacl_warnings[result.message] = report.shacl_warnings.get(result.message, 0) + 1
        report.seconds["validate"] = time.perf_counter() - clock
        progress.step("writing the store")
        clock = time.perf_counter()
        catalog = catalog_triples(graph, produced, source, len(produced.triples), started, datetime.now(timezone.utc))
        commit(store, graph, produced.triples, catalog)
        report.seconds["write"] = time.perf_counter() - clock
    finally:
        store.close()
        # pySHACL leaves reference cycles through its frames; collect them so that no frame keeps
        # the store (and its lock) open after the import.
        gc.collect()
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

    def validate(self, loaded: dict[str, list[ox.Triple]], step: Callable[[str], None] = lambda _: None) -> None:
        """Validate each kept import against the graphs the build is about to write (the new sources
        and the other kept imports), as an import is validated; raise :class:`ValidationFailed`."""
        if not self.sources:
            return
        union = ox.Store()
        union.extend(ox.Quad(t.subject, t.predicate, t.object, _n(str(GRAPH[name])))
                     for name, triples in loaded.items() for t in triples)
        for source in self.sources:
            step(f"validating the kept import {source.name}")
            try:
                validate_import(union, loaded[source.name], _n(str(GRAPH[source.name])), [Path(source.origin)])
            except ValidationFailed as error:
                error.hint = (f"the imported graph {source.name} no longer conforms: import its file again, or remove "
                              f"it with 'clusterkg import --remove {source.name}', and rebuild")
                raise


def kept_imports(store_path: object) -> KeptImports:
    """Graphs under ``graph/import/`` in the local store at ``store_path`` (if any), to survive a rebuild.

    They become build sources that the build's own validation skips: :meth:`KeptImports.validate`
    checks them the way an import is checked, against the new build's graphs.
    """
    from ..build import Source

    kept = KeptImports()
    if not isinstance(store_path, Path) or not (store_path / "CURRENT").exists():
        return kept
    store = GraphStore(store_path, read_only=True)
    try:
        for graph in store.named_graphs():
            if not graph.value.startswith(IMPORT_PREFIX):
                continue
            triples = [q.triple for q in store.oxigraph.quads_for_pattern(None, None, None, graph)]
            entry = _catalog_entry(store, graph)
            origin = next((t.object.value for t in entry if t.predicate.value == str(CKG.loadedFrom)), graph.value)
            name = graph.value.removeprefix(str(GRAPH))
            kept.sources.append(Source(name, origin, (lambda ts=triples: ts), validate=False))
            kept.catalog += entry
    finally:
        store.close()
    return kept
