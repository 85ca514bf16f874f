"""The ontology is documented in both languages and versioned, so users can read every term."""

from __future__ import annotations

import pytest
from rdflib import OWL, RDF, RDFS, Graph, URIRef

from clusterkg.config import ONTOLOGY_DIR
from clusterkg.iris import CKG

ONTOLOGY = Graph().parse(ONTOLOGY_DIR / "clusterkg.ttl")
TERMS = sorted(
    {s for t in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty) for s in ONTOLOGY.subjects(RDF.type, t)
     if isinstance(s, URIRef) and str(s).startswith(str(CKG))}
)


def test_the_ontology_has_a_dated_version_iri() -> None:
    ontology = URIRef("https://w3id.org/clusterkg/ontology")
    version = ONTOLOGY.value(ontology, OWL.versionIRI)
    assert version is not None and "/releases/20" in str(version)


@pytest.mark.parametrize("term", TERMS, ids=lambda t: str(t).rsplit("#", 1)[1])
def test_every_term_has_english_and_italian_labels_and_comments(term: URIRef) -> None:
    for predicate in (RDFS.label, RDFS.comment):
        languages = {o.language for o in ONTOLOGY.objects(term, predicate)}
        assert {"en", "it"} <= languages, f"{term} {predicate}"


def test_the_ontology_defines_the_classes_the_product_needs() -> None:
    needed = {
        "ClusterOrganisation", "PublicBody", "University", "TechnologyPark", "BusinessSupportOrganisation",
        "SME", "RegionalAgency", "Region", "Country", "Project", "Programme", "PriorityAxis", "SpecificObjective",
        "FundingInstrument", "Call", "CallStage", "EligibilityRule", "Participation", "FundingAmount", "ValueChain",
        "S3Strategy", "S3PriorityArea", "ActionPlan", "Activity", "Deliverable", "Event", "Conference", "Workshop",
        "MatchmakingEvent", "Agreement", "ClusterLabel", "SourceDocument",
    }
    defined = {str(t).rsplit("#", 1)[1] for t in ONTOLOGY.subjects(RDF.type, OWL.Class)}
    assert needed <= defined
