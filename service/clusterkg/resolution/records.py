"""Organisation records: what the matcher knows of each organisation node in the graph.

A record is one organisation IRI as the sources left it (an imported Interreg partner, a
Kohesio beneficiary in one region, a curated organisation): its names in every language
(``skos:prefLabel``, ``skos:altLabel``, ``ckg:acronym``), its country, its NUTS regions, its
identifiers and the source documents that describe it. Records are read from the store, or
from any iterable of triples (tests, the quality fixture), the same way.

Identifiers are recognised by scheme, because the same organisation is ``999986096`` in CORDIS
and ``PIC 999986096`` elsewhere:

- PIC (EU Participant Identification Code, 9 digits): a ``ckg:identifier`` or
  ``dcterms:identifier`` written ``PIC 999986096`` / ``PIC:999986096``, or an organisation IRI
  of the form ``.../cordis-pic-999986096`` (how the CORDIS importer names participants);
- VAT number: ``schema:vatID`` (as the CORDIS importer states it), or an identifier written
  ``VAT BE0248015142`` (spaces, dots and hyphens ignored, upper case);
- Wikidata: an ``owl:sameAs``, ``skos:exactMatch`` or ``schema:sameAs`` link to
  ``http://www.wikidata.org/entity/Q...``, or a ``Q123`` identifier written ``Wikidata Q123``.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property

import pyoxigraph as ox

from ..iris import CKG, GRAPH
from .normalise import NameForm, name_form


_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_SKOS = "http://www.w3.org/2004/02/skos/core#"
_DCT = "http://purl.org/dc/terms/"
_OWL_SAME_AS = "http://www.w3.org/2002/07/owl#sameAs"
_SCHEMA_SAME_AS = "http://schema.org/sameAs"
_ORG = "http://www.w3.org/ns/org#"

NAME_PREDICATES = {_SKOS + "prefLabel": "pref", _SKOS + "altLabel": "alt", str(CKG.acronym): "acronym"}
IDENTIFIER_PREDICATES = {str(CKG.identifier), _DCT + "identifier"}
LINK_PREDICATES = {_OWL_SAME_AS, _SKOS + "exactMatch", _SCHEMA_SAME_AS}
VAT_PREDICATE = "http://schema.org/vatID"
_IDENTIFYING = IDENTIFIER_PREDICATES | LINK_PREDICATES | {VAT_PREDICATE}

#: Organisation classes whose instances are records (W3C ORG and the ontology's subclasses of
#: org:FormalOrganization). Collaborations (agreements, partnerships) and the resolution's own
#: canonical nodes are not.
ORGANISATION_CLASSES = frozenset({
    _ORG + "Organization", _ORG + "FormalOrganization", *(str(CKG[name]) for name in (
        "ClusterOrganisation", "PublicBody", "RegionalAgency", "University", "ResearchOrganisation",
        "TechnologyPark", "BusinessSupportOrganisation", "Enterprise", "SME"))
})

#: Graphs whose statements are not records' descriptions.
RESOLUTION_GRAPH = str(GRAPH["resolution"])
DECISIONS_GRAPH = str(GRAPH["decisions"])
_SKIP_GRAPHS = {RESOLUTION_GRAPH, DECISIONS_GRAPH, str(GRAPH["catalog"]), str(GRAPH["clusterkg"])}

def graph_of(quad: ox.Quad) -> str:
    """The IRI of a quad's graph ('' for the default graph)."""
    return quad.graph_name.value if isinstance(quad.graph_name, ox.NamedNode) else ""


_WIKIDATA = re.compile(r"^https?://(?:www\.)?wikidata\.org/(?:entity|wiki)/(Q\d+)$")
_PIC_IRI = re.compile(r"[-/]pic-(\d{9})$")
_SCHEMED = re.compile(r"^\s*(PIC|VAT|Wikidata|QID)\s*[:#]?\s*(\S.*)$", re.IGNORECASE)


@dataclass(frozen=True)
class Name:
    """One name of a record: the text, its language tag and where it came from (pref, alt, acronym)."""

    text: str
    language: str = ""
    kind: str = "pref"

    @property
    def form(self) -> NameForm:
        return name_form(self.text)


@dataclass
class Record:
    """What the graph says of one organisation node; see the module docstring."""

    iri: str
    names: list[Name] = field(default_factory=list)
    country: str = ""
    regions: frozenset[str] = frozenset()
    identifiers: frozenset[tuple[str, str]] = frozenset()
    sources: frozenset[str] = frozenset()

    @cached_property
    def forms(self) -> list[NameForm]:
        """The forms of its distinct names, preferred labels first."""
        seen: dict[str, NameForm] = {}
        for name in sorted(self.names, key=lambda n: ("pref", "alt", "acronym").index(n.kind)):
            seen.setdefault(name.text, name.form)
        return list(seen.values())

    @cached_property
    def distinct_forms(self) -> list[NameForm]:
        """One form per distinct core (a transliteration and its original usually share one)."""
        seen: dict[tuple, NameForm] = {}
        for form in self.forms:
            seen.setdefault((form.core, form.kinds, form.folded if not form.core else ()), form)
        return list(seen.values())

    @cached_property
    def kinds(self) -> frozenset[str]:
        return frozenset().union(*(f.kinds for f in self.forms)) if self.forms else frozenset()

    @cached_property
    def legal_forms(self) -> frozenset[tuple[str, str]]:
        return frozenset(lf for f in self.forms for lf in f.legal_forms)

    @cached_property
    def tokens(self) -> frozenset[str]:
        """Every core word of every name: what the token statistics and the blocking count."""
        return frozenset(t for f in self.forms for t in f.core)

    def label(self) -> str:
        """A name to show: the English preferred label if there is one."""
        for name in self.names:
            if name.kind == "pref" and name.language in ("en", ""):
                return name.text
        return self.names[0].text if self.names else self.iri


def normalise_identifier(scheme: str, value: str) -> tuple[str, str] | None:
    """``(scheme, value)`` in canonical form, or None when ``value`` is not one of ``scheme``."""
    scheme = scheme.lower()
    if scheme == "qid":
        scheme = "wikidata"
    value = value.strip()
    if scheme == "pic":
        digits = re.sub(r"\D", "", value)
        return ("pic", digits) if len(digits) == 9 else None
    if scheme == "vat":
        compact = re.sub(r"[\s.\-/]", "", value).upper()
        return ("vat", compact) if re.fullmatch(r"[A-Z]{2}[0-9A-Z]{2,13}", compact) else None
    if scheme == "wikidata":
        match = re.search(r"(Q\d+)$", value, re.IGNORECASE)
        return ("wikidata", match.group(1).upper()) if match else None
    return None


def identifier_of(predicate: str, term: ox.NamedNode | ox.Literal | ox.BlankNode) -> tuple[str, str] | None:
    """The identifier a triple ``(record, predicate, term)`` states, if any."""
    if isinstance(term, ox.NamedNode) and predicate in LINK_PREDICATES:
        match = _WIKIDATA.match(term.value)
        return ("wikidata", match.group(1)) if match else None
    if not isinstance(term, ox.Literal):
        return None
    if predicate == VAT_PREDICATE:
        return normalise_identifier("vat", term.value)
    if predicate in IDENTIFIER_PREDICATES:
        match = _SCHEMED.match(term.value)
        if match:
            return normalise_identifier(match.group(1), match.group(2))
    return None


def records_from_quads(quads: Iterable[ox.Quad | ox.Triple], organisations: set[str] | None = None) -> list[Record]:
    """Records of the organisation nodes described by ``quads`` (sorted by IRI).

    ``organisations`` restricts them to these IRIs; otherwise every subject typed with an
    organisation class is a record. Statements in the resolution, decisions, catalogue and
    ontology graphs are not read.
    """
    country, located_in = str(CKG.country), str(CKG.locatedIn)
    described: dict[str, dict] = defaultdict(lambda: {"names": [], "country": "", "regions": set(),
                                                     "identifiers": set(), "sources": set(), "typed": False})
    for quad in quads:
        graph = getattr(quad, "graph_name", None)
        if isinstance(graph, ox.NamedNode) and graph.value in _SKIP_GRAPHS:
            continue
        subject = quad.subject
        if not isinstance(subject, ox.NamedNode):
            continue
        predicate, obj = quad.predicate.value, quad.object
        entry = described[subject.value]
        if predicate == _RDF_TYPE:
            if obj.value in ORGANISATION_CLASSES:
                entry["typed"] = True
        elif predicate in NAME_PREDICATES and isinstance(obj, ox.Literal):
            entry["names"].append(Name(obj.value, obj.language or "", NAME_PREDICATES[predicate]))
        elif predicate == country and isinstance(obj, ox.NamedNode):
            entry["country"] = obj.value.rsplit("/", 1)[-1]
        elif predicate == located_in and isinstance(obj, ox.NamedNode):
            entry["regions"].add(obj.value.rsplit("/", 1)[-1])
        elif predicate == _DCT + "source" and isinstance(obj, ox.NamedNode):
            entry["sources"].add(obj.value)
        if predicate in _IDENTIFYING:
            identifier = identifier_of(predicate, obj)
            if identifier:
                entry["identifiers"].add(identifier)
    records = []
    for iri, entry in described.items():
        if organisations is not None and iri not in organisations:
            continue
        if organisations is None and not entry["typed"]:
            continue
        if not entry["names"]:
            continue
        identifiers = set(entry["identifiers"])
        match = _PIC_IRI.search(iri)
        if match:
            identifiers.add(("pic", match.group(1)))
        # a Kohesio or Interreg record sometimes repeats a name in another case: keep one of each
        names = list(dict.fromkeys(entry["names"]))
        records.append(Record(iri, names, entry["country"], frozenset(entry["regions"]),
                              frozenset(identifiers), frozenset(entry["sources"])))
    return sorted(records, key=lambda r: r.iri)


def records_from_store(store) -> list[Record]:
    """The records of every organisation in ``store`` (a :class:`clusterkg.store.GraphStore`)."""
    raw = store.oxigraph
    organisations: set[str] = set()
    for cls in ORGANISATION_CLASSES:
        for quad in raw.quads_for_pattern(None, ox.NamedNode(_RDF_TYPE), ox.NamedNode(cls), None):
            if isinstance(quad.subject, ox.NamedNode) and graph_of(quad) not in _SKIP_GRAPHS:
                organisations.add(quad.subject.value)

    def statements() -> Iterable[ox.Quad]:
        for iri in sorted(organisations):
            yield from raw.quads_for_pattern(ox.NamedNode(iri), None, None, None)

    return records_from_quads(statements(), organisations)
