"""Shape tests as data, and checks on the shapes themselves.

Each ``cases/*.ttl`` holds a small data graph and, as RDF in the same file, the report it must
give, after the W3C SHACL test suite (data-shapes-test-suite/tests/core/property/minCount-001.ttl
puts data, shapes and expected report in one file). Here the shapes are always ``shapes/``, so
a case holds only data and expectations::

    <urn:case:x> a t:Case ;
        t:expectConforms false ;
        t:expectViolation [ t:focus <node> ; t:path <property> ; t:component sh:MinInclusiveConstraintComponent ] .

``t:`` is ``urn:clusterkg:test#``. Results are compared on (focus, path, component, severity):
``t:path`` is left out for node-level results (no sh:resultPath), ``t:severity`` defaults to
sh:Violation. Every expected result must appear, and every result on the case's own nodes
must be expected, so a shape that fires too widely fails too. The test triples are removed
before validating; data/vocab is added as context (it has a test of its own).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pyshacl
import pytest
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, FOAF, ORG, OWL, PROV, RDF, RDFS, SH, SKOS
from rdflib.term import Node

from clusterkg.config import DATA_DIR, SHAPES_DIR
from clusterkg.shapes import load_ontology, load_shapes, validate_graph

T = Namespace("urn:clusterkg:test#")
CKG = Namespace("https://w3id.org/clusterkg/ontology#")
CASES_DIR = Path(__file__).parent / "cases"
CASES = sorted(CASES_DIR.glob("*.ttl"))

Key = tuple[Node, str | None, Node, Node]  # focus, path (as text), component, severity


@cache
def vocabularies() -> Graph:
    return Graph().parse(DATA_DIR / "vocab" / "vocabularies.ttl")


def path_key(graph: Graph, path: Node | None) -> str | None:
    """A SHACL property path as comparable text (SHACL 1.0, section 2.3.1): blank-node paths
    from the case file and from the report differ as nodes but not as text."""
    if path is None or isinstance(path, URIRef):
        return None if path is None else str(path)
    if (inverse := graph.value(path, SH.inversePath)) is not None:
        return f"^{path_key(graph, inverse)}"
    if (alternatives := graph.value(path, SH.alternativePath)) is not None:
        return "(" + "|".join(sorted(path_key(graph, m) or "" for m in Collection(graph, alternatives))) + ")"
    for modifier, sign in ((SH.zeroOrMorePath, "*"), (SH.oneOrMorePath, "+"), (SH.zeroOrOnePath, "?")):
        if (inner := graph.value(path, modifier)) is not None:
            return f"{path_key(graph, inner)}{sign}"
    return "/".join(path_key(graph, m) or "" for m in Collection(graph, path))


def split_case(path: Path) -> tuple[Graph, bool, set[Key]]:
    """The case's data graph (test triples removed), its expected verdict and results."""
    graph = Graph().parse(path)
    cases = list(graph.subjects(RDF.type, T.Case))
    assert len(cases) == 1, f"{path.name}: one t:Case per file, found {len(cases)}"
    case = cases[0]
    conforms = graph.value(case, T.expectConforms)
    assert isinstance(conforms, Literal), f"{path.name}: t:expectConforms true or false is required"
    expected: set[Key] = set()
    test_triples = set(graph.triples((case, None, None)))
    for node in graph.objects(case, T.expectViolation):
        focus, component = graph.value(node, T.focus), graph.value(node, T.component)
        assert focus is not None and component is not None, f"{path.name}: t:focus and t:component are required"
        result_path = graph.value(node, T.path)
        expected.add((focus, path_key(graph, result_path), component, graph.value(node, T.severity) or SH.Violation))
        test_triples |= set(graph.triples((node, None, None)))
        if isinstance(result_path, BNode):
            test_triples |= set(graph.cbd(result_path))
    for triple in test_triples:
        graph.remove(triple)
    leftover = {t for t in graph if str(t[0]).startswith(str(T)) or str(t[1]).startswith(str(T))}
    assert not leftover, f"{path.name}: test triples outside the case node: {leftover}"
    return graph, bool(conforms.toPython()), expected


@pytest.mark.parametrize("case_file", CASES, ids=[p.stem for p in CASES])
def test_shape_case_gives_expected_report(case_file: Path) -> None:
    data, expect_conforms, expected = split_case(case_file)
    result = validate_graph(data + vocabularies())
    own = set(data.subjects())
    results = [r for r in result.results if r.focus_node in own]
    got = {(r.focus_node, path_key(result.report_graph, r.path), r.component, r.severity) for r in results}
    report = "\n".join(f"  {r.component.split('#')[-1]} on {r}" for r in results)
    missing = expected - got
    assert not missing, f"expected results not reported: {sorted(missing)}\nreport:\n{report}"
    assert got <= expected, f"unexpected results:\n{report}"
    conforms = not any(r.severity == SH.Violation for r in results)
    assert conforms is expect_conforms, f"conforms is {conforms}\nreport:\n{report}"


def test_vocabularies_conform() -> None:
    """data/vocab/vocabularies.ttl, the context of every case, conforms on its own."""
    result = validate_graph(vocabularies())
    assert result.conforms, "\n".join(str(r) for r in result.violations)


def test_there_are_good_and_bad_cases_for_every_family() -> None:
    stems = {p.stem for p in CASES}
    families = ("organisations", "places", "projects", "amounts", "themes", "plans", "events", "provenance", "vocab")
    assert {f"good-{family}" for family in families} <= stems
    assert sum(stem.startswith("bad-") for stem in stems) >= 11


# ---------------------------------------------------------------- the shapes themselves


def _shape_nodes(shapes: Graph) -> set[Node]:
    """Every node that is a shape (SHACL 1.0, section 2.1: declared, targeted, or used as one)."""
    nodes: set[Node] = set(shapes.subjects(RDF.type, SH.NodeShape)) | set(shapes.subjects(RDF.type, SH.PropertyShape))
    for predicate in (SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf, SH.targetNode, SH.target, SH.path):
        nodes |= set(shapes.subjects(predicate, None))
    for predicate in (SH.property, SH.node, SH.qualifiedValueShape, SH["not"]):
        nodes |= set(shapes.objects(None, predicate))
    for predicate in (SH["or"], SH["and"], SH.xone):
        for head in shapes.objects(None, predicate):
            nodes |= set(Collection(shapes, head))
    return nodes


def test_every_shape_is_named_with_english_label_and_comment() -> None:
    """Shapes have IRIs, so a report's sh:sourceShape says which rule failed, and say in
    English what they check."""
    shapes = load_shapes()
    problems = []
    for node in _shape_nodes(shapes):
        if isinstance(node, BNode):
            problems.append(f"anonymous shape {sorted(shapes.predicate_objects(node))}")
            continue
        for predicate in (RDFS.label, RDFS.comment):
            if not any(getattr(v, "language", None) == "en" for v in shapes.objects(node, predicate)):
                problems.append(f"{shapes.qname(node)} lacks {shapes.qname(predicate)}@en")
    assert not problems, "\n".join(sorted(problems))


def _terms_in_shapes(shapes: Graph) -> tuple[set[URIRef], set[URIRef]]:
    """Classes and properties the shapes name (targets, paths, sh:class, comparisons)."""
    classes = {c for p in (SH.targetClass, SH["class"]) for c in shapes.objects(None, p) if isinstance(c, URIRef)}
    properties: set[URIRef] = set()
    for predicate in (SH.targetSubjectsOf, SH.targetObjectsOf, SH.path, SH.inversePath, SH.lessThanOrEquals,
                      SH.lessThan, SH.equals, SH.disjoint):
        properties |= {p for p in shapes.objects(None, predicate) if isinstance(p, URIRef)}
    for head in shapes.objects(None, SH.alternativePath):
        for member in Collection(shapes, head):
            properties |= {p for p in shapes.objects(member, SH.inversePath) if isinstance(p, URIRef)}
            if isinstance(member, URIRef):
                properties.add(member)
    return classes, properties


def test_every_ckg_term_in_the_shapes_exists_in_the_ontology() -> None:
    ontology = load_ontology()
    classes, properties = _terms_in_shapes(load_shapes())
    declared_classes = set(ontology.subjects(RDF.type, OWL.Class))
    declared_properties = set(ontology.subjects(RDF.type, OWL.ObjectProperty)) | set(
        ontology.subjects(RDF.type, OWL.DatatypeProperty))
    unknown = sorted(str(c) for c in classes if c.startswith(CKG) and c not in declared_classes)
    unknown += sorted(str(p) for p in properties if p.startswith(CKG) and p not in declared_properties)
    assert not unknown, f"not in ontology/clusterkg.ttl (typo?): {unknown}"


def test_every_external_term_in_the_shapes_exists_in_its_vocabulary() -> None:
    """Typos in reused vocabularies: rdflib's closed namespaces list their terms."""
    from rdflib.namespace import SDO  # imported here: pytest's collection probes module globals

    classes, properties = _terms_in_shapes(load_shapes())
    namespaces = (SKOS, DCTERMS, FOAF, ORG, PROV, RDF, RDFS)
    unknown = []
    for term in classes | properties:
        if term.startswith("http://schema.org/"):
            if SDO[term.removeprefix("http://schema.org/")] not in SDO:
                unknown.append(str(term))
            continue
        for namespace in namespaces:
            if term.startswith(str(namespace)) and term not in namespace:
                unknown.append(str(term))
    assert not unknown, f"unknown terms: {sorted(unknown)}"


def test_every_ontology_class_and_property_has_a_shape() -> None:
    """A new class or property in the ontology needs a shape (or a conscious decision here)."""
    ontology = load_ontology()
    shapes = load_shapes()
    classes, properties = _terms_in_shapes(shapes)
    targeted = set(shapes.objects(None, SH.targetClass))
    uncovered = []
    for cls in ontology.subjects(RDF.type, OWL.Class):
        if cls.startswith(CKG) and not set(ontology.transitive_objects(cls, RDFS.subClassOf)) & targeted:
            uncovered.append(f"class {ontology.qname(cls)}")
    for kind in (OWL.ObjectProperty, OWL.DatatypeProperty):
        for prop in ontology.subjects(RDF.type, kind):
            if prop.startswith(CKG) and prop not in properties:
                uncovered.append(f"property {ontology.qname(prop)}")
    assert not uncovered, "no shape for: " + ", ".join(sorted(uncovered))


def test_shapes_graph_is_valid_shacl() -> None:
    """pySHACL's meta-shapes (SHACL 1.0, appendix C, shacl-shacl) accept the shapes graph."""
    conforms, _, text = pyshacl.validate(Graph(), shacl_graph=load_shapes(), meta_shacl=True, advanced=True)
    assert conforms, text


def test_every_shapes_file_parses_on_its_own() -> None:
    for path in sorted(SHAPES_DIR.glob("*.ttl")):
        assert len(Graph().parse(path)) > 0, path.name


# ---------------------------------------------------------------- the module


def test_ontology_carries_the_org_hierarchy_that_sh_class_needs() -> None:
    """Without org:FormalOrganization rdfs:subClassOf org:Organization (ontology/imports/),
    sh:class org:Organization would refuse every ckg:ClusterOrganisation."""
    org_organization = URIRef("http://www.w3.org/ns/org#Organization")
    ontology = load_ontology()
    assert org_organization in set(ontology.transitive_objects(CKG.ClusterOrganisation, RDFS.subClassOf))
    assert org_organization in set(ontology.transitive_objects(CKG.Agreement, RDFS.subClassOf))


def test_validate_graph_leaves_the_data_unchanged() -> None:
    data, _, _ = split_case(CASES_DIR / "good-organisations.ttl")
    before = len(data)
    validate_graph(data)
    assert len(data) == before


def test_a_dataset_is_validated_as_the_union_of_its_graphs() -> None:
    """A link from one named graph to a node described in another is not a violation."""
    from rdflib import Dataset

    data, _, _ = split_case(CASES_DIR / "good-events.ttl")
    dataset = Dataset()
    agreement = URIRef("https://w3id.org/clusterkg/id/agreement/puglia-creativity-protocol-2014")
    first = dataset.graph(URIRef("urn:graph:first"))
    second = dataset.graph(URIRef("urn:graph:second"))
    for triple in data:
        (first if triple[0] == agreement else second).add(triple)
    for triple in vocabularies():
        second.add(triple)
    results = [r for r in validate_graph(dataset).results if r.focus_node in set(data.subjects())]
    assert not results, "\n".join(map(str, results))
