"""Conversions between rdflib and pyoxigraph terms.

rdflib is what pySHACL and most users speak; pyoxigraph is the store. Converting term by
term keeps datatypes and language tags exact, which a round trip through text would also do
but at a cost on every query result.
"""

from __future__ import annotations

from decimal import Decimal

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


def to_rdflib(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> Node:
    """An rdflib term equal to the pyoxigraph ``term``."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        if datatype == _XSD_STRING:
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(datatype))
    raise TypeError(f"no rdflib equivalent for {term!r}")


def to_oxigraph(term: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """A pyoxigraph term equal to the rdflib ``term``; raises ValueError on an invalid IRI."""
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype and str(term.datatype) != _RDF_LANGSTRING:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"no pyoxigraph equivalent for {term!r}")


def python_value(term: ox.NamedNode | ox.BlankNode | ox.Literal | None) -> object:
    """A plain Python value for JSON and tables: IRIs and strings as str, numbers as numbers."""
    if term is None:
        return None
    if not isinstance(term, ox.Literal) or term.language or term.datatype.value == _XSD_STRING:
        return term.value
    value = to_rdflib(term).toPython()
    if isinstance(value, bool | int | float):
        return value
    if isinstance(value, Decimal):
        return float(value)
    return term.value
