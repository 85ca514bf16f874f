"""A call's eligibility rules as the shapes of ``shapes/calls/`` state them.

Each call has one shapes file, ``shapes/calls/CALL-SLUG.ttl``, with one shape per rule the graph
can check, linked to the ``ckg:EligibilityRule`` it implements by ``rdfs:seeAlso``. The shapes
use the components of ``shapes/calls/components.ttl``; which component a shape uses (by its
parameter) tells what kind of rule it is, which is all the partner search needs to rank and
combine candidates *before* the shapes give the verdict:

================================ ====================== =========================================
parameter                        kind                   the consortium passes when
================================ ====================== =========================================
``ckgsh:eligibleCountryOf CALL`` ``country``            every member's country is eligible
``ckgsh:organisationTypeRule R`` ``organisation-type``  every member is of a type R names
``ckgsh:minLegalEntities N``     ``legal-entities``     its members are at least N legal entities
``ckgsh:minCountries N``         ``countries``          they come from at least N eligible countries
``ckgsh:regionCategoryRule R``   ``region-category``    one member is in a region of a category R names
================================ ====================== =========================================

The search's own reading of a rule is a forecast: the verdict on a consortium is always the
SHACL report (:func:`validate_proposals`), so nothing ineligible is ever proposed as eligible.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SH

from ..config import SHAPES_DIR
from ..iris import CKGSH
from ..shapes import ValidationResult, load_ontology, validate_graph

CALL_SHAPES_DIR = SHAPES_DIR / "calls"

#: Shape parameter -> rule kind (see the module docstring).
KINDS: dict[URIRef, str] = {
    CKGSH.eligibleCountryOf: "country",
    CKGSH.organisationTypeRule: "organisation-type",
    CKGSH.minLegalEntities: "legal-entities",
    CKGSH.minCountries: "countries",
    CKGSH.regionCategoryRule: "region-category",
}
#: Kinds judged member by member (the report names the members that break them).
MEMBER_KINDS = frozenset({"country", "organisation-type"})


@dataclass(frozen=True)
class RuleCheck:
    """One shape of a call: the rule it checks, its kind and its parameter."""

    shape: str
    rule: str | None
    kind: str
    parameter: str | int
    label: str
    message: str

    @property
    def per_member(self) -> bool:
        return self.kind in MEMBER_KINDS


@cache
def _call_shapes_from(directory: Path) -> Graph:
    files = sorted(directory.glob("*.ttl"))
    if not files:
        raise FileNotFoundError(f"no call shapes (*.ttl) in {directory}")
    graph = Graph()
    for path in files:
        graph.parse(path, format="turtle")
    return graph


def load_call_shapes(directory: Path | None = None) -> Graph:
    """The union of ``shapes/calls/*.ttl``, parsed once per process; treat it as read-only."""
    return _call_shapes_from(Path(directory or CALL_SHAPES_DIR).resolve())


def _english(graph: Graph, node: URIRef, predicate: URIRef) -> str:
    values = [v for v in graph.objects(node, predicate) if isinstance(v, Literal)]
    english = [v for v in values if (v.language or "en").startswith("en")]
    return str((english or values or [Literal("")])[0])


def checks_for_call(call: str, shapes: Graph | None = None) -> list[RuleCheck]:
    """The checks the shapes make on proposals to ``call``, in a stable order (by shape IRI)."""
    shapes = shapes if shapes is not None else load_call_shapes()
    call_node = URIRef(call)
    checks = []
    for target in shapes.subjects(CKGSH.call, call_node):
        if (target, RDF.type, CKGSH.ProposalsForCall) not in shapes:
            continue
        for shape in shapes.subjects(SH.target, target):
            for parameter, kind in KINDS.items():
                value = shapes.value(shape, parameter)
                if value is None:
                    continue
                rule = shapes.value(shape, RDFS.seeAlso)
                checks.append(RuleCheck(
                    shape=str(shape),
                    rule=str(rule) if rule is not None else None,
                    kind=kind,
                    parameter=int(value.toPython()) if isinstance(value, Literal) else str(value),
                    label=_english(shapes, shape, RDFS.label),
                    message=_english(shapes, shape, SH.message),
                ))
    return sorted(checks, key=lambda c: c.shape)


def calls_with_shapes(shapes: Graph | None = None) -> set[str]:
    """The calls some shape checks."""
    shapes = shapes if shapes is not None else load_call_shapes()
    return {str(call) for target in shapes.subjects(RDF.type, CKGSH.ProposalsForCall)
            for call in shapes.objects(target, CKGSH.call)}


def validate_proposals(data: Graph) -> ValidationResult:
    """Run the call shapes on ``data`` (proposals plus their facts), with the ontology mixed in."""
    return validate_graph(data, shapes=load_call_shapes())


__all__ = [
    "CALL_SHAPES_DIR", "KINDS", "MEMBER_KINDS", "RuleCheck", "calls_with_shapes", "checks_for_call",
    "load_call_shapes", "load_ontology", "validate_proposals",
]
