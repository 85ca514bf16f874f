"""IRIs are minted here and nowhere else, from one base, so they stay stable.

An entity's IRI is ``BASE id/KIND/SLUG``: the slug of its English name plus its kind.
"""

from __future__ import annotations

import re

from anyascii import anyascii
from rdflib import Namespace, URIRef

BASE = "https://w3id.org/clusterkg/"
CKG = Namespace(BASE + "ontology#")
CKGSH = Namespace(BASE + "shapes#")
ID = Namespace(BASE + "id/")
VOC = Namespace(BASE + "vocab/")
SRC = Namespace(BASE + "source/")
GRAPH = Namespace(BASE + "graph/")
NUTS = Namespace("http://data.europa.eu/nuts/code/")
COUNTRY = Namespace("http://publications.europa.eu/resource/authority/country/")
SCHEMA = Namespace("http://schema.org/")
ORG = Namespace("http://www.w3.org/ns/org#")
VOID = Namespace("http://rdfs.org/ns/void#")
SPDX = Namespace("http://spdx.org/rdf/terms#")

DATASET = URIRef(BASE + "dataset")
CATALOG_GRAPH = GRAPH["catalog"]
#: Graphs a write, an import or a remote build fills before one update moves them in place.
STAGING_PREFIX = str(GRAPH["staging/"])

PREFIXES: dict[str, str] = {
    "ckg": str(CKG),
    "id": str(ID),
    "voc": str(VOC),
    "src": str(SRC),
    "graph": str(GRAPH),
    "nuts": str(NUTS),
    "country": str(COUNTRY),
    "schema": str(SCHEMA),
    "org": str(ORG),
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "prov": "http://www.w3.org/ns/prov#",
    "dcterms": "http://purl.org/dc/terms/",
    "dcat": "http://www.w3.org/ns/dcat#",
    "void": str(VOID),
    "foaf": "http://xmlns.com/foaf/0.1/",
}


def slug(text: str) -> str:
    """Lower-case ASCII words joined by hyphens: 'Clust-ER CREATE' -> 'clust-er-create'."""
    words = re.findall(r"[a-z0-9]+", anyascii(text).lower())
    if not words:
        raise ValueError(f"cannot make a slug of {text!r}: it has no letters or digits")
    return "-".join(words)


def mint(kind: str, name: str) -> URIRef:
    """The IRI of an entity of ``kind`` named ``name`` (its English name or code)."""
    return ID[f"{kind}/{slug(name)}"]


def graph_iri(name: str) -> URIRef:
    """The named graph a source file or import is loaded into."""
    return GRAPH[name]


def sparql_prefixes() -> str:
    """The PREFIX lines users get in the query editor and the CLI."""
    return "\n".join(f"PREFIX {p}: <{iri}>" for p, iri in PREFIXES.items())
