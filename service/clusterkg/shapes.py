"""The SHACL gate: load the shapes and the ontology once, validate a graph, report in plain terms.

The shapes are ``shapes/*.ttl``, one file per family of classes, read as one shapes graph.
The ontology goes to pySHACL as ``ont_graph``, which pySHACL mixes into a copy of the data
graph: SHACL follows ``rdfs:subClassOf`` only in the data graph (SHACL 1.0, section 2.1.3.1
"SHACL instance"), so this is what lets ``sh:class org:Organization`` accept a
``ckg:ClusterOrganisation``. Inference stays off: the shapes check what the data says.

Validate the union of everything that refers to each other (curated files, vocabularies,
regions and countries): a link to a node described in another file fails ``sh:class`` when
that file is missing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path

import pyshacl
from rdflib import Graph, Literal, URIRef
from rdflib.graph import ConjunctiveGraph, Dataset
from rdflib.namespace import RDF, SH
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.sparql import Query
from rdflib.term import Node

from .config import ONTOLOGY_DIR, SHAPES_DIR

ONTOLOGY_FILE = ONTOLOGY_DIR / "clusterkg.ttl"
ONTOLOGY_IMPORTS_DIR = ONTOLOGY_DIR / "imports"


class ShapesError(RuntimeError):
    """pySHACL refused the shapes themselves (a bug in shapes/, not in the data)."""


@dataclass(frozen=True)
class Violation:
    """One result of a validation report (SHACL 1.0, section 3.6.2 "Validation results")."""

    focus_node: Node
    path: Node | None
    value: Node | None
    source_shape: Node
    component: URIRef
    severity: URIRef
    message: str

    def __str__(self) -> str:
        where = f" {self.path.n3()}" if isinstance(self.path, URIRef) else ""
        value = f" = {self.value.n3()}" if self.value is not None else ""
        return f"{self.focus_node.n3()}{where}{value}: {self.message}"


@dataclass
class ValidationResult:
    """What :func:`validate_graph` found: the verdict, the results, and the raw report graph."""

    conforms: bool
    results: list[Violation] = field(default_factory=list)
    report_graph: Graph = field(default_factory=Graph)

    @property
    def violations(self) -> list[Violation]:
        """The results of severity sh:Violation: those that make the data non-conforming."""
        return [result for result in self.results if result.severity == SH.Violation]


def _read_turtle(paths: list[Path]) -> Graph:
    graph = Graph()
    for path in paths:
        graph.parse(path, format="turtle")
    return graph


@cache
def _shapes_from(directory: Path) -> Graph:
    files = sorted(directory.glob("*.ttl"))
    if not files:
        raise FileNotFoundError(f"no shapes (*.ttl) in {directory}")
    return _read_turtle(files)


def load_shapes(shapes_dir: Path | None = None) -> Graph:
    """The union of ``shapes_dir/*.ttl`` (default ``shapes/``), parsed once per process.

    The graph is shared between callers: treat it as read-only.
    """
    return _shapes_from(Path(shapes_dir or SHAPES_DIR).resolve())


@cache
def load_ontology() -> Graph:
    """``ontology/clusterkg.ttl`` plus ``ontology/imports/*.ttl``, parsed once per process.

    The imports hold the few subclass axioms of W3C ORG and PROV that ``sh:class`` needs
    (org:FormalOrganization is an org:Organization), so validation works offline.
    The graph is shared between callers: treat it as read-only.
    """
    return _read_turtle([ONTOLOGY_FILE, *sorted(ONTOLOGY_IMPORTS_DIR.glob("*.ttl"))])


def _as_one_graph(data: Graph) -> Graph:
    """A plain Graph with every triple of ``data``.

    pySHACL validates each named graph of a Dataset on its own, but files link to nodes
    described in other files, so a dataset is validated as its union.
    """
    if not isinstance(data, ConjunctiveGraph | Dataset):
        return data
    union = Graph()
    for subject, predicate, obj, _ in data.quads((None, None, None, None)):
        union.add((subject, predicate, obj))
    return union


def _message(report: Graph, result: Node) -> str:
    messages = [m for m in report.objects(result, SH.resultMessage) if isinstance(m, Literal)]
    english = [m for m in messages if m.language in (None, "en") or str(m.language).startswith("en-")]
    return str((english or messages or [Literal("")])[0])


def _results(report: Graph) -> list[Violation]:
    results = [
        Violation(
            focus_node=report.value(node, SH.focusNode),
            path=report.value(node, SH.resultPath),
            value=report.value(node, SH.value),
            source_shape=report.value(node, SH.sourceShape),
            component=report.value(node, SH.sourceConstraintComponent),
            severity=report.value(node, SH.resultSeverity),
            message=_message(report, node),
        )
        for report_node in report.subjects(RDF.type, SH.ValidationReport)
        for node in report.objects(report_node, SH.result)  # not the nested sh:detail results
    ]
    return sorted(results, key=lambda r: (str(r.focus_node), str(r.path), str(r.component), str(r.value)))


class _ValidationGraph(Graph):
    """The graph pySHACL validates: the data with the ontology, each SPARQL text parsed once per process.

    pySHACL hands rdflib the text of each SPARQL-based target and ``sh:class`` lookup on every
    call, and rdflib parses it again each time: on one submitted entity that parsing was a
    third of the validation. The texts come from the shapes, so there are few of them.
    """

    def query(self, query_object, *args, **kwargs):
        if isinstance(query_object, str):
            query_object = _prepared(query_object)
        return super().query(query_object, *args, **kwargs)


@lru_cache(maxsize=512)
def _prepared(text: str) -> Query:
    # the prefixes an empty graph binds, which rdflib gives a query text by default
    return prepareQuery(text, initNs=dict(Graph().namespaces()))


def validate_graph(data: Graph, shapes: Graph | None = None) -> ValidationResult:
    """Validate ``data`` against ``shapes`` (default: :func:`load_shapes`), with the ontology.

    Runs pySHACL with ``advanced=True`` (the shapes use SPARQL-based targets, SHACL-AF 5.1)
    and ``allow_warnings=True`` (a warning is reported but does not fail the data).
    ``data`` itself is not changed: its triples and the ontology's are copied into the graph
    pySHACL works on, in place (as ``ont_graph`` would, without pySHACL's second copy).
    """
    graph = _ValidationGraph()
    for triple in _as_one_graph(data):
        graph.add(triple)
    for triple in load_ontology():
        graph.add(triple)
    conforms, report, _ = pyshacl.validate(
        graph,
        shacl_graph=shapes if shapes is not None else load_shapes(),
        inference="none",
        advanced=True,
        allow_warnings=True,
        inplace=True,
    )
    if not isinstance(report, Graph):  # pySHACL returns a ValidationFailure for broken shapes
        raise ShapesError(f"pySHACL cannot evaluate the shapes: {report}")
    return ValidationResult(conforms=bool(conforms), results=_results(report), report_graph=report)


@cache
def inverse_path_predicates() -> frozenset[str]:
    """The predicates the shapes follow backwards (``sh:inversePath``): what a node's incoming
    links must include for the node to be judged on its own."""
    return frozenset(str(p) for p in load_shapes().objects(None, SH.inversePath) if isinstance(p, URIRef))

