"""CORDIS XML: a project with its participants, or a programme with its parent chain.

The CORDIS API's XML (namespace ``http://cordis.europa.eu``) nests what a table cannot: each
participant with its address, activity type, NUTS region chain and contribution attributes.
What it becomes:

- the project (``id:project/cordis-ID``): title, acronym, CORDIS id, dates, duration, total cost
  and EU contribution (amounts in euro), objective, DOI and CORDIS page, its call topic
  (``ckg:Call``, the unit a proposal answers) and its legal basis programme with the parents;
- each participant (``id:organisation/cordis-pic-PIC``): legal name, short name, PIC and VAT
  number as given, country (``ckg:country`` for the countries of the graph, and always
  ``schema:addressCountry`` with the ISO code), region (``ckg:locatedIn``, its NUTS code
  carried to today's regions by :func:`clusterkg.importers.nuts.resolve_nuts`), city and
  homepage; class and organisation type from the CORDIS activity type and the SME flag
  (HES university, REC research organisation, PRC enterprise or SME, PUB public body, OTH
  other), the code kept as ``dcterms:type`` and linked to the CORDIS code list concept;
- its role in the project (coordinator, participant, associated partner) as a
  ``ckg:Participation`` with the participant's total cost (``ckg:budget``) and EU
  contribution (``ckg:fundingReceived``).

Linked third parties (``type="thirdParty"``) have no role in ``voc:roles``; they are rejected
with that reason rather than given a role they do not have.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import quote

import pyoxigraph as ox

from .. import reference
from ..iris import ID, VOC, slug
from .mapping import DocumentSpec, Reject, typed_literal
from .nuts import current_codes, history, smallest_common_region

NS = {"c": "http://cordis.europa.eu"}
IMPORTER_VERSION = "cordis 1"
ROLES = {
    "coordinator": "role-coordinator",
    "participant": "role-participant",
    "associatedPartner": "role-associated-partner",
}
ACTIVITY_TYPES = {
    "HES": ("University", "orgtype-university"),
    "REC": ("ResearchOrganisation", "orgtype-research"),
    "PRC": ("Enterprise", "orgtype-enterprise"),
    "PUB": ("PublicBody", "orgtype-public-body"),
    "OTH": (None, "orgtype-other"),
}
FRAMEWORK_PROGRAMMES = {"HORIZON": "Horizon Europe", "H2020": "Horizon 2020", "FP7": "Seventh Framework Programme"}

_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_SKOS = "http://www.w3.org/2004/02/skos/core#"
_DCT = "http://purl.org/dc/terms/"
_CKG = "https://w3id.org/clusterkg/ontology#"
_SCHEMA = "http://schema.org/"
_XSD = "http://www.w3.org/2001/XMLSchema#"
_ORG = "http://www.w3.org/ns/org#"
_FOAF = "http://xmlns.com/foaf/0.1/"
_RDFS = "http://www.w3.org/2000/01/rdf-schema#"


class _Triples:
    """Triples of one file, with the document every typed node points to."""

    def __init__(self, document: ox.NamedNode) -> None:
        self.document = document
        self.items: dict[ox.Triple, None] = {}

    def add(self, subject: ox.NamedNode, predicate: str, obj: ox.NamedNode | ox.Literal | None) -> None:
        if obj is not None:
            self.items[ox.Triple(subject, ox.NamedNode(predicate), obj)] = None

    def node(self, iri: str, *classes: str) -> ox.NamedNode:
        node = ox.NamedNode(iri)
        for cls in classes:
            self.add(node, _RDF + "type", ox.NamedNode(cls))
        if classes:
            self.add(node, _DCT + "source", self.document)
        return node

    def label(self, node: ox.NamedNode, text: str | None) -> None:
        if text:
            self.add(node, _SKOS + "prefLabel", ox.Literal(" ".join(text.split()), language="en"))


def _text(element: ET.Element | None, path: str) -> str | None:
    if element is None:
        return None
    found = element.find(path, NS)
    if found is None or found.text is None or not found.text.strip():
        return None
    return " ".join(found.text.split())


def _amount(triples: _Triples, iri: str, label: str, value: str | None) -> ox.NamedNode | None:
    literal = typed_literal(value, _XSD + "decimal") if value else None
    if literal is None or not isinstance(literal, ox.Literal):
        return None
    node = triples.node(iri, _CKG + "FundingAmount")
    triples.label(node, label)
    triples.add(node, _SCHEMA + "value", literal)
    triples.add(node, _SCHEMA + "currency", ox.Literal("EUR"))
    return node


def _programme(triples: _Triples, element: ET.Element) -> ox.NamedNode | None:
    """A CORDIS programme element and its parent chain as ckg:Programme nodes."""
    code = _text(element, "c:code")
    if code is None:
        return None
    node = triples.node(str(ID[f"programme/cordis-{slug(code)}"]), _CKG + "Programme")
    triples.label(node, _text(element, "c:title") or FRAMEWORK_PROGRAMMES.get(code) or code)
    triples.add(node, _CKG + "identifier", ox.Literal(code))
    parent = element.find("c:parent/c:programme", NS)
    if parent is not None:
        parent_node = _programme(triples, parent)
        triples.add(node, _CKG + "parentProgramme", parent_node)
    return node


def _region(code: str | None) -> tuple[ox.NamedNode | None, str | None]:
    """The current region of a CORDIS NUTS code (whatever its version), or why there is none."""
    if not code:
        return None, None
    current = history().resolve(code)
    if not current:
        if len(code) == 2 and code not in current_codes():
            return None, None  # a country outside NUTS (Mozambique): nothing to say
        return None, f"NUTS code {code} reaches no current region"
    chosen = current[0] if len(current) == 1 else smallest_common_region(current)
    return ox.NamedNode(str(reference.region_iri(chosen))), None


def _country(code: str | None) -> ox.NamedNode | None:
    if not code:
        return None
    nuts = {"GR": "EL", "GB": "UK"}.get(code, code)
    if nuts not in reference.countries():
        return None
    return ox.NamedNode(str(reference.country_iri(nuts)))


def map_project(root: ET.Element, triples: _Triples) -> tuple[int, int, list[Reject]]:
    """The project and its participants; (participants read, imported, rejects)."""
    project_id = _text(root, "c:id")
    if project_id is None:
        raise ValueError("the project has no <id>")
    acronym = _text(root, "c:acronym") or project_id
    project = triples.node(str(ID[f"project/cordis-{slug(project_id)}"]), _CKG + "Project")
    triples.label(project, _text(root, "c:title") or acronym)
    triples.add(project, _CKG + "acronym", ox.Literal(acronym))
    triples.add(project, _CKG + "identifier", ox.Literal(project_id))
    for field, predicate in (("startDate", "startDate"), ("endDate", "endDate")):
        value = _text(root, f"c:{field}")
        literal = typed_literal(value, _XSD + "date") if value else None
        triples.add(project, _CKG + predicate, literal if isinstance(literal, ox.Literal) else None)
    duration = _text(root, "c:duration")
    if duration and duration.isdigit() and int(duration) > 0:
        triples.add(project, _CKG + "durationMonths", ox.Literal(duration, datatype=ox.NamedNode(_XSD + "integer")))
    objective = _text(root, "c:objective")
    triples.add(project, _CKG + "objective", ox.Literal(objective, language="en") if objective else None)
    scheme = root.find("c:relations/c:categories/c:category[@classification='projectFundingSchemeCategory']", NS)
    triples.add(project, _DCT + "type", ox.Literal(_text(scheme, "c:code")) if _text(scheme, "c:code") else None)
    doi = _text(root, "c:identifiers/c:grantDoi")
    if doi:
        triples.add(project, _RDFS + "seeAlso", ox.NamedNode(f"https://doi.org/{doi}"))
    triples.add(project, _FOAF + "page", ox.NamedNode(f"https://cordis.europa.eu/project/id/{project_id}"))
    tail = project.value.rsplit("/", 1)[-1]
    total = _amount(triples, str(ID[f"amount/{tail}--total-cost"]), f"Total cost of {acronym}", _text(root, "c:totalCost"))
    triples.add(project, _CKG + "totalCost", total)
    grant = _amount(triples, str(ID[f"amount/{tail}--eu-contribution"]), f"EU contribution to {acronym}",
                    _text(root, "c:ecMaxContribution"))
    triples.add(project, _CKG + "fundingReceived", grant)

    associations = root.find("c:relations/c:associations", NS)
    programme = None
    if associations is not None:
        for element in associations.findall("c:programme[@type='relatedLegalBasis']", NS):
            programme = _programme(triples, element) or programme
            triples.add(project, _CKG + "programme", programme)
        topic = associations.find("c:programme[@type='relatedTopic']", NS)
        call = associations.find("c:call[@type='relatedMasterCall']", NS)
        if topic is not None and _text(topic, "c:code"):
            code = _text(topic, "c:code")
            call_node = triples.node(str(ID[f"call/cordis-{slug(code)}"]), _CKG + "Call")
            triples.label(call_node, _text(topic, "c:title") or code)
            triples.add(call_node, _CKG + "identifier", ox.Literal(code))
            triples.add(call_node, _CKG + "programme", programme)
            if call is not None and _text(call, "c:identifier"):
                triples.add(call_node, _RDFS + "comment", ox.Literal(
                    f"Topic {code} of the call {_text(call, 'c:identifier')} (CORDIS).", language="en"))
            triples.add(project, _CKG + "call", call_node)

    read = imported = 0
    rejects: list[Reject] = []
    seen: dict[str, int] = {}
    elements = associations.findall("c:organization", NS) if associations is not None else []
    for number, element in enumerate(elements, start=1):
        read += 1
        role_name = element.get("type", "")
        pic = _text(element, "c:id")
        name = _text(element, "c:legalName")
        raw = json.dumps({"type": role_name, "pic": pic, "legalName": name, **{k: v for k, v in element.attrib.items()}},
                         ensure_ascii=False, sort_keys=True)
        if role_name not in ROLES:
            why = ("a linked third party has no role in voc:roles" if role_name == "thirdParty"
                   else f"no concept in voc:roles for the CORDIS role {role_name!r}")
            rejects.append(Reject(number, "rejected", f"{name or pic}: {why}", raw))
            continue
        if not pic or not name:
            rejects.append(Reject(number, "rejected", "a participant without PIC or legal name", raw))
            continue
        if pic in seen:
            rejects.append(Reject(number, "rejected", f"PIC {pic} already takes part in {acronym} (organisation {seen[pic]})", raw))
            continue
        seen[pic] = number
        imported += 1
        activity = _text(element, "c:relations/c:categories/c:category[@classification='organizationActivityType']/c:code")
        sme = element.get("sme") == "true"
        cls, orgtype = ACTIVITY_TYPES.get(activity or "", (None, None))
        if activity == "PRC" and sme:
            cls, orgtype = "SME", "orgtype-sme"
        organisation = triples.node(str(ID[f"organisation/cordis-pic-{slug(pic)}"]),
                                    _CKG + cls if cls else _ORG + "FormalOrganization")
        triples.label(organisation, name)
        short = _text(element, "c:shortName")
        if short and short != name:
            triples.add(organisation, _CKG + "acronym", ox.Literal(short))
        triples.add(organisation, _CKG + "identifier", ox.Literal(f"PIC:{pic}"))
        vat = _text(element, "c:vatNumber")
        triples.add(organisation, _SCHEMA + "vatID", ox.Literal(vat) if vat else None)
        if orgtype:
            triples.add(organisation, _CKG + "organisationType", ox.NamedNode(str(VOC[orgtype])))
        if activity:
            triples.add(organisation, _DCT + "type", ox.Literal(activity))
            triples.add(organisation, _ORG + "classification", ox.NamedNode(str(VOC[f"cordis-activity-type/{quote(activity, safe='-._~')}"])))
        country = _text(element, "c:address/c:country")
        triples.add(organisation, _SCHEMA + "addressCountry", ox.Literal(country) if country else None)
        triples.add(organisation, _CKG + "country", _country(country))
        nuts = _text(element, "c:relations/c:regions/c:region[@type='relatedNutsCode']/c:nutsCode")
        region, problem = _region(nuts)
        triples.add(organisation, _CKG + "locatedIn", region)
        if problem:
            rejects.append(Reject(number, "warning", f"{name}: region left out, {problem}", raw))
        city = _text(element, "c:address/c:city")
        triples.add(organisation, _CKG + "city", ox.Literal(city) if city else None)
        url = _text(element, "c:address/c:url")
        if url and re.match(r"^https?://[^\s<>\"{}|\\^`]+$", url):
            triples.add(organisation, _FOAF + "homepage", ox.NamedNode(url))

        participation = triples.node(
            str(ID[f"participation/{tail}--{organisation.value.rsplit('/', 1)[-1]}"]), _CKG + "Participation")
        triples.label(participation, f"{name} in {acronym}")
        triples.add(project, _CKG + "hasParticipation", participation)
        triples.add(participation, _CKG + "participant", organisation)
        triples.add(participation, _CKG + "role", ox.NamedNode(str(VOC[ROLES[role_name]])))
        ptail = participation.value.rsplit("/", 1)[-1]
        triples.add(participation, _CKG + "budget",
                    _amount(triples, str(ID[f"amount/{ptail}--total-cost"]), f"Total cost of {name} in {acronym}",
                            element.get("totalCost")))
        triples.add(participation, _CKG + "fundingReceived",
                    _amount(triples, str(ID[f"amount/{ptail}--eu-contribution"]),
                            f"EU contribution to {name} in {acronym}", element.get("ecContribution")))
    return read, imported, rejects


def document(path: Path, root: ET.Element) -> DocumentSpec:
    kind = root.tag.split("}")[-1]
    ident = _text(root, "c:id") or path.stem
    what = f"project {_text(root, 'c:acronym') or ident}" if kind == "project" else f"programme {ident}"
    updated = (_text(root, "c:lastUpdateDate") or _text(root, "c:contentUpdateDate") or "")[:10]
    return DocumentSpec(
        id=slug(path.stem), title=f"CORDIS: {what}", publisher="European Commission, CORDIS",
        license="https://joinup.ec.europa.eu/collection/eupl/eupl-text-eupl-12",
        page=(f"https://cordis.europa.eu/project/id/{ident}" if kind == "project" else "https://cordis.europa.eu/"),
        date=updated if re.fullmatch(r"\d{4}-\d{2}-\d{2}", updated) else None, language="en",
        description=f"The CORDIS API's XML record of the {what} ({path.name}), a test fixture of "
                    "github.com/openeuropa/cordis-php-client at commit 6ff10795 (EUPL-1.2).")


def cordis_producer(path: Path):
    """The ``cordis`` importer for one XML file (a <project> or a <programme>)."""
    from . import document_triples
    from .pipeline import Produced

    def produce(progress) -> Produced:
        from ..errors import ClusterKGError

        progress.step(f"reading {path.name}")
        try:
            root = ET.parse(path).getroot()
        except ET.ParseError as error:
            raise ClusterKGError(f"{path}: not well-formed XML ({error})", "check the file") from error
        kind = root.tag.split("}")[-1]
        spec = document(path, root)
        doc_triples = document_triples(spec, path.name)
        triples = _Triples(doc_triples[0].subject)
        if kind == "project":
            read, imported, rejects = map_project(root, triples)
        elif kind == "programme":
            _programme(triples, root)
            read, imported, rejects = 1, 1, []
        else:
            raise ClusterKGError(f"{path}: a CORDIS <{kind}> record is not supported", "give a project or programme XML")
        return Produced(doc_triples + list(triples.items), rejects, read, imported, [doc_triples[0].subject.value],
                        [path], IMPORTER_VERSION)

    return produce
