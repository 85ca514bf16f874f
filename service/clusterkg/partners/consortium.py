"""A proposed consortium, checked against its call's eligibility rules with SHACL.

A consortium is RDF: a ``ckg:Proposal`` (a project as proposed to a call) with ``ckg:call`` the
call and one ``ckg:Participation`` per member (``ckg:participant`` the organisation,
``ckg:role`` a concept of ``voc:roles``), as a project's partners are recorded. It arrives as
JSON (``{"call": IRI, "members": [{"organisation": IRI, "role": "coordinator"}]}``) or as Turtle,
which may also describe members the graph does not know yet (their country, region, type).

:func:`check` validates proposals together with what the store says about the members (their
types, country, regions up the NUTS hierarchy with cohesion categories, the organisations they
are part of) and about the call (eligible countries, rules): one small CONSTRUCT per member and
per call (``queries/partners/member-facts.rq``, ``call-facts.rq``), never the whole graph. The
verdict of each rule is the SHACL report of its shape (:mod:`.rules`); the report adds, per rule,
which members satisfy or break it, the rule's text and its source documents.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, ORG, RDF, RDFS, SKOS
from rdflib.term import Node

from ..errors import ClusterKGError
from ..iris import CKG, ID, VOC, slug
from ..shapes import load_ontology
from ..terms import to_rdflib
from .reader import Reader
from .rules import RuleCheck, checks_for_call, validate_proposals

#: Role names accepted in JSON and on the command line -> concept of voc:roles.
ROLES: dict[str, str] = {
    "coordinator": "role-coordinator",
    "participant": "role-participant",
    "partner": "role-partner",
    "lead-partner": "role-lead-partner",
    "associated-partner": "role-associated-partner",
    "member": "role-member",
}
DEFAULT_ROLE = "participant"
MAX_MEMBERS = 40
MAX_TURTLE_BYTES = 1_000_000

COHESION_SCHEME = VOC["cohesion-categories"]
ORGTYPE_SCHEME = VOC["organisation-types"]


class BadProposal(ClusterKGError):
    """A consortium that cannot be read: bad JSON or Turtle, no call, no members, an unknown role."""

    exit_code = 3

    def __init__(self, detail: str, hint: str = "") -> None:
        super().__init__(detail, hint or (
            'send {"call": IRI, "members": [{"organisation": IRI, "role": "coordinator"}, ...]} '
            "or Turtle with a node that has ckg:call and ckg:hasParticipation"))


class UnknownEntity(ClusterKGError):
    """An IRI the graph does not describe (a call, or an organisation given without facts)."""

    exit_code = 3


# ---------------------------------------------------------------- the proposal


@dataclass(frozen=True)
class Member:
    """One member of a consortium: the organisation and its role (an IRI of voc:roles)."""

    organisation: str
    role: str = str(VOC["role-" + DEFAULT_ROLE])


@dataclass(frozen=True)
class Proposal:
    """A consortium proposed to a call."""

    call: str
    members: tuple[Member, ...]
    node: str | None = None  # the proposal's IRI (or blank node id) when read from Turtle

    @property
    def iri(self) -> str:
        """The proposal's own node: as given, or minted from the call and the members (stable)."""
        if self.node:
            return self.node
        digest = hashlib.sha256(
            "\n".join([self.call, *sorted(f"{m.organisation} {m.role}" for m in self.members)]).encode()
        ).hexdigest()[:12]
        return str(ID[f"proposal/{slug(self.call.rstrip('/').rsplit('/', 1)[-1])}-{digest}"])

    @property
    def organisations(self) -> list[str]:
        return [m.organisation for m in self.members]

    def to_graph(self) -> Graph:
        """The proposal as RDF: a ckg:Proposal with one participation (an IRI) per member."""
        graph = Graph()
        graph.bind("ckg", CKG)
        graph.bind("voc", VOC)
        proposal = URIRef(self.iri)
        graph.add((proposal, RDF.type, CKG.Proposal))
        graph.add((proposal, CKG.call, URIRef(self.call)))
        graph.add((proposal, SKOS.prefLabel, Literal(f"Consortium of {len(self.members)} for {self.call.rsplit('/', 1)[-1]}", lang="en")))
        for member in self.members:
            participation = URIRef(f"{ID}participation/{self.iri.rsplit('/', 1)[-1]}--{slug(member.organisation.rsplit('/', 1)[-1])}")
            graph.add((proposal, CKG.hasParticipation, participation))
            graph.add((participation, RDF.type, CKG.Participation))
            graph.add((participation, SKOS.prefLabel, Literal(
                f"{member.organisation.rsplit('/', 1)[-1]} as {role_name(member.role)} of the proposal", lang="en")))
            graph.add((participation, CKG.participant, URIRef(member.organisation)))
            graph.add((participation, CKG.role, URIRef(member.role)))
        return graph

    def as_json(self) -> dict:
        return {"call": self.call, "members": [{"organisation": m.organisation, "role": role_name(m.role)} for m in self.members]}


def role_iri(value: str | None) -> str:
    """The voc:roles concept for a role name ('coordinator'), a voc:role-... IRI or prefixed name."""
    if value is None or value == "":
        value = DEFAULT_ROLE
    text = value.strip()
    for lead in (str(VOC), "voc:"):
        if text.startswith(lead):
            text = text[len(lead):]
    key = text.lower().replace(" ", "-").replace("_", "-").removeprefix("role-")
    if key not in ROLES:
        raise BadProposal(f"unknown role {value!r}", f"use one of: {', '.join(ROLES)}")
    return str(VOC[ROLES[key]])


def role_name(iri: str) -> str:
    """'coordinator' for voc:role-coordinator (the inverse of :func:`role_iri`)."""
    local = iri.removeprefix(str(VOC))
    return next((name for name, concept in ROLES.items() if concept == local), local)


def _iri(value: object, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise BadProposal(f"{what} must be an IRI (a string)")
    try:
        return ox.NamedNode(value.strip()).value
    except ValueError:
        raise BadProposal(f"{what} {value!r} is not a valid IRI") from None


def _valid_iri(value: str) -> bool:
    try:
        ox.NamedNode(value)
    except ValueError:
        return False
    return value.startswith(("http://", "https://"))


def _members(members: Iterable[Member]) -> tuple[Member, ...]:
    members = tuple(members)
    if not members:
        raise BadProposal("the consortium has no members")
    if len(members) > MAX_MEMBERS:
        raise BadProposal(f"the consortium has {len(members)} members; the limit is {MAX_MEMBERS}")
    seen = set()
    for member in members:
        if member.organisation in seen:
            raise BadProposal(f"{member.organisation} is listed twice", "list each organisation once, with one role")
        seen.add(member.organisation)
    return members


def parse_json(data: object) -> Proposal:
    """A proposal from ``{"call": IRI, "members": [{"organisation": IRI, "role": NAME}, ...]}``."""
    if not isinstance(data, Mapping):
        raise BadProposal("the body must be a JSON object")
    unknown = set(data) - {"call", "members"}
    if unknown:
        raise BadProposal(f"unknown field(s) {', '.join(sorted(unknown))}")
    call = _iri(data.get("call"), '"call"')
    members = data.get("members")
    if not isinstance(members, list):
        raise BadProposal('"members" must be a list of {"organisation": IRI, "role": NAME}')
    parsed = []
    for index, entry in enumerate(members):
        if not isinstance(entry, Mapping) or set(entry) - {"organisation", "role"}:
            raise BadProposal(f'member {index + 1} must be {{"organisation": IRI, "role": NAME}}')
        role = entry.get("role")
        if role is not None and not isinstance(role, str):
            raise BadProposal(f"member {index + 1}: the role must be a string")
        parsed.append(Member(_iri(entry.get("organisation"), f'member {index + 1} "organisation"'), role_iri(role)))
    return Proposal(call, _members(parsed))


def parse_json_text(text: str | bytes) -> Proposal:
    try:
        return parse_json(json.loads(text))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BadProposal(f"the body is not valid JSON: {error}") from None


def parse_turtle(text: str | bytes) -> tuple[Graph, list[Proposal]]:
    """The graph of a Turtle document and the proposals in it (nodes with ckg:call and participants)."""
    if len(text) > MAX_TURTLE_BYTES:
        raise BadProposal(f"the Turtle document is larger than {MAX_TURTLE_BYTES:,} bytes")
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise BadProposal("the Turtle document is not UTF-8") from None
    graph = Graph()
    try:
        graph.parse(data=text, format="turtle")
    except Exception as error:  # rdflib raises several parser exception types for bad Turtle
        detail = " ".join(line.strip() for line in str(error).splitlines() if line.strip())
        raise BadProposal(f"the Turtle does not parse: {detail[:300]}", "fix the document and send it again") from None
    proposals = []
    for node in sorted(set(graph.subjects(CKG.call, None)), key=str):
        calls = [c for c in graph.objects(node, CKG.call) if isinstance(c, URIRef)]
        if len(calls) != 1:
            raise BadProposal(f"{node.n3()} must have exactly one ckg:call, an IRI")
        members = []
        for participation in graph.objects(node, CKG.hasParticipation):
            organisation = graph.value(participation, CKG.participant)
            if not isinstance(organisation, URIRef):
                raise BadProposal(f"a participation of {node.n3()} has no ckg:participant IRI")
            role = graph.value(participation, CKG.role)
            members.append(Member(_iri(str(organisation), "ckg:participant"),
                                  role_iri(str(role)) if role is not None else role_iri(None)))
        node_id = _iri(str(node), "the proposal") if isinstance(node, URIRef) else f"_:{node}"
        proposals.append(Proposal(_iri(str(calls[0]), "ckg:call"), _members(sorted(members, key=lambda m: m.organisation)), node_id))
    if not proposals:
        raise BadProposal("the Turtle has no node with ckg:call (the proposal)")
    return graph, proposals


# ---------------------------------------------------------------- reading the facts


def _to_graph(triples: Iterable[ox.Triple], graph: Graph) -> Graph:
    for triple in triples:
        graph.add((to_rdflib(triple.subject), to_rdflib(triple.predicate), to_rdflib(triple.object)))
    return graph


async def gather_facts(reader: Reader, calls: Iterable[str], organisations: Iterable[str],
                       places: Iterable[str] = ()) -> Graph:
    """The calls', the members' and some places' facts from the store, as one rdflib graph."""
    calls, organisations, places = sorted(set(calls)), sorted(set(organisations)), sorted(set(places))
    results = await asyncio.gather(
        *(reader.construct("call-facts", {"call": ox.NamedNode(c)}) for c in calls),
        *(reader.construct("member-facts", {"org": ox.NamedNode(o)}) for o in organisations),
        *(reader.construct("place-facts", {"place": ox.NamedNode(p)}) for p in places),
    )
    graph = Graph()
    for triples in results:
        _to_graph(triples, graph)
    return graph


def require_known(facts: Graph, proposals: Iterable[Proposal], described: Graph | None = None) -> None:
    """Refuse calls and organisations that neither the store nor the request describes."""
    described = described if described is not None else Graph()
    for proposal in proposals:
        call = URIRef(proposal.call)
        if (call, RDF.type, CKG.Call) not in facts and (call, RDF.type, CKG.Call) not in described:
            raise UnknownEntity(f"no call {proposal.call} in the graph", "list the calls with GET /partners or 'clusterkg partners calls'")
        for organisation in proposal.organisations:
            node = URIRef(organisation)
            if (node, RDF.type, None) not in facts and (node, None, None) not in described:
                raise UnknownEntity(
                    f"no organisation {organisation} in the graph",
                    "check the IRI (search at /search), or send Turtle that describes the organisation",
                )


# ---------------------------------------------------------------- the report


@dataclass
class Link:
    """Something with an IRI, a label and, where the service serves it, a page."""

    iri: str
    label: str
    code: str | None = None

    @property
    def href(self) -> str | None:
        from ..api.templating import local_path

        return local_path(self.iri)

    def as_json(self) -> dict:
        out = {"iri": self.iri, "label": self.label}
        if self.code:
            out["code"] = self.code
        if self.href:
            out["href"] = self.href
        return out


@dataclass
class MemberFacts:
    """What the graph says about one member, as the report shows it."""

    organisation: Link
    role: str
    known: bool
    country: Link | None = None
    country_status: str = "unknown"  # "EU Member State", "listed by the call", "not eligible", "unknown"
    region: Link | None = None
    nuts2: Link | None = None
    category: Link | None = None
    types: list[Link] = field(default_factory=list)
    legal_entity: Link | None = None  # the organisation at the top of org:subOrganizationOf, if not itself
    sources: list[dict] = field(default_factory=list)

    def as_json(self) -> dict:
        out: dict = {"organisation": self.organisation.as_json(), "role": self.role, "known": self.known,
                     "country_status": self.country_status, "types": [t.as_json() for t in self.types]}
        for name in ("country", "region", "nuts2", "category", "legal_entity"):
            value = getattr(self, name)
            if value is not None:
                out[name] = value.as_json()
        if self.sources:
            out["sources"] = self.sources
        return out


@dataclass
class RuleResult:
    """One rule of the call and how the consortium fares on it."""

    rule: str | None
    label: str
    text: str | None
    status: str  # "pass", "fail" or "not checked"
    kind: str | None = None
    shape: str | None = None
    summary: str = ""
    satisfied_by: list[str] = field(default_factory=list)
    broken_by: list[str] = field(default_factory=list)
    details: dict[str, str] = field(default_factory=dict)
    messages: list[str] = field(default_factory=list)
    sources: list[dict] = field(default_factory=list)

    @property
    def href(self) -> str | None:
        from ..api.templating import local_path

        return local_path(self.rule) if self.rule else None

    def as_json(self) -> dict:
        out = asdict(self)
        if self.href:
            out["href"] = self.href
        return out


@dataclass
class ConsortiumReport:
    """The result of checking one proposal."""

    proposal: str
    call: Link
    call_facts: dict
    members: list[MemberFacts]
    rules: list[RuleResult]

    @property
    def checked(self) -> list[RuleResult]:
        return [r for r in self.rules if r.status != "not checked"]

    @property
    def eligible(self) -> bool:
        """True when every rule the graph can check passes (and there is at least one)."""
        return bool(self.checked) and all(r.status == "pass" for r in self.checked)

    @property
    def failed(self) -> list[RuleResult]:
        return [r for r in self.rules if r.status == "fail"]

    @property
    def verdict(self) -> str:
        unchecked = len(self.rules) - len(self.checked)
        if not self.checked:
            return "no rule of this call can be checked by the graph: check the call text by hand"
        if not self.eligible:
            names = "; ".join(r.label for r in self.failed)
            return f"not eligible: {len(self.failed)} of {len(self.checked)} checked rules fail ({names})"
        tail = f"; {unchecked} rule{'s' if unchecked != 1 else ''} to check by hand" if unchecked else ""
        return f"eligible on the {len(self.checked)} rules the graph can check{tail}"

    def member(self, iri: str) -> MemberFacts | None:
        return next((m for m in self.members if m.organisation.iri == iri), None)

    def as_json(self) -> dict:
        return {
            "proposal": self.proposal,
            "call": {**self.call.as_json(), **self.call_facts},
            "eligible": self.eligible,
            "verdict": self.verdict,
            "checked_with": "SHACL shapes of shapes/calls/ (pySHACL), on the members' facts read from the graph",
            "members": [m.as_json() for m in self.members],
            "rules": [r.as_json() for r in self.rules],
        }


class _View:
    """Reads labels, regions and countries from the facts graph."""

    def __init__(self, data: Graph) -> None:
        self.data = data
        self.ontology = load_ontology()

    def label(self, node: Node) -> str:
        for graph in (self.data, self.ontology):
            for predicate in (SKOS.prefLabel, RDFS.label, DCTERMS.title):
                values = [v for v in graph.objects(node, predicate) if isinstance(v, Literal)]
                english = [v for v in values if v.language and v.language.startswith("en")]
                if english or values:
                    return str((english or values)[0])
        text = str(node)
        return text.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]

    def link(self, node: Node | None) -> Link | None:
        if node is None:
            return None
        code = self.data.value(node, SKOS.notation)
        return Link(str(node), self.label(node), str(code) if code is not None else None)

    def up(self, region: Node) -> list[Node]:
        """``region`` and every region above it, nearest first."""
        seen, order, frontier = set(), [], [region]
        while frontier:
            node = frontier.pop(0)
            if node in seen:
                continue
            seen.add(node)
            order.append(node)
            frontier.extend(sorted(self.data.objects(node, SKOS.broader), key=str))
        return order

    def country_of(self, organisation: Node) -> Node | None:
        stated = sorted(self.data.objects(organisation, CKG.country), key=str)
        if stated:
            return stated[0]
        region = self.data.value(organisation, CKG.locatedIn)
        return self.data.value(region, CKG.country) if region is not None else None

    def country_status(self, country: Node | None, call: Node) -> str:
        if country is None:
            return "unknown"
        if (call, CKG.eligibleCountry, country) in self.data:
            return "listed by the call"
        if (country, CKG.euMember, Literal(True)) in self.data:
            return "EU Member State"
        return "not eligible"

    def category_of(self, organisation: Node) -> tuple[Node | None, Node | None]:
        """(the region whose category counts, the category) for an organisation, or (None, None)."""
        for region in sorted(self.data.objects(organisation, CKG.locatedIn), key=str):
            for node in self.up(region):
                category = self.data.value(node, CKG.cohesionCategory)
                if category is not None:
                    return node, category
        return None, None

    def nuts2_of(self, organisation: Node) -> Node | None:
        region = self.data.value(organisation, CKG.locatedIn)
        if region is None:
            return None
        return next((n for n in self.up(region) if self.data.value(n, CKG.nutsLevel) == Literal(2)
                     or str(self.data.value(n, CKG.nutsLevel)) == "2"), None)

    def type_concepts(self, organisation: Node) -> list[Node]:
        concepts = set(self.data.objects(organisation, CKG.organisationType))
        return sorted(concepts, key=str)

    def classes(self, organisation: Node) -> list[Node]:
        return sorted((c for c in self.data.objects(organisation, RDF.type) if str(c).startswith(str(CKG)) or c == ORG.FormalOrganization), key=str)

    def legal_entity(self, organisation: Node) -> Node:
        node, seen = organisation, set()
        while (parent := self.data.value(node, ORG.subOrganizationOf)) is not None and parent not in seen:
            seen.add(node)
            node = parent
        return node

    def broader_closure(self, concept: Node) -> set[Node]:
        seen, frontier = set(), [concept]
        while frontier:
            node = frontier.pop()
            if node not in seen:
                seen.add(node)
                frontier.extend(self.data.objects(node, SKOS.broader))
        return seen

    def sources(self, node: Node) -> list[dict]:
        out = []
        for source in sorted(self.data.objects(node, DCTERMS.source), key=str):
            page = self.data.value(source, FOAF.page)
            entry = {"iri": str(source), "title": self.label(source)}
            if page is not None:
                entry["page"] = str(page)
            link = Link(str(source), entry["title"])
            if link.href:
                entry["href"] = link.href
            out.append(entry)
        return out


def member_facts(view: _View, member: Member, call: Node) -> MemberFacts:
    node = URIRef(member.organisation)
    known = (node, None, None) in view.data
    country = view.country_of(node)
    region = view.data.value(node, CKG.locatedIn)
    categorised, category = view.category_of(node)
    types = [view.link(t) for t in view.type_concepts(node)]
    if not types:  # fall back on the class, for members described without a type concept
        types = [view.link(c) for c in view.classes(node)]
    entity = view.legal_entity(node)
    return MemberFacts(
        organisation=Link(member.organisation, view.label(node)),
        role=role_name(member.role),
        known=known,
        country=view.link(country),
        country_status=view.country_status(country, call),
        region=view.link(region),
        nuts2=view.link(view.nuts2_of(node)),
        category=view.link(category),
        types=[t for t in types if t is not None],
        legal_entity=view.link(entity) if entity != node else None,
        sources=view.sources(node),
    )


def accepted_concepts(data: Graph, rule: str | None, scheme: URIRef) -> set[Node]:
    """The concepts of ``scheme`` a rule names with rdfs:seeAlso: what the rule accepts."""
    if rule is None:
        return set()
    return {c for c in data.objects(URIRef(rule), RDFS.seeAlso) if (c, SKOS.inScheme, scheme) in data}


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def explain_rule(view: _View, check: RuleCheck, proposal: Proposal, members: list[MemberFacts],
                 broken: set[str]) -> tuple[str, list[str], dict[str, str]]:
    """(summary, members that satisfy the rule, a detail per member) from the facts."""
    details: dict[str, str] = {}
    satisfied: list[str] = []
    if check.kind == "country":
        for m in members:
            name = m.country.label if m.country else "country not known"
            details[m.organisation.iri] = f"{name}: {m.country_status}" if m.country else name
            if m.organisation.iri not in broken:
                satisfied.append(m.organisation.iri)
        bad = len(broken)
        summary = "every member is established in an eligible country" if not bad else \
            f"{_plural(bad, 'member')} not established in an eligible country (or country unknown)"
        return summary, satisfied, details
    if check.kind == "organisation-type":
        accepted = accepted_concepts(view.data, check.parameter if isinstance(check.parameter, str) else None, ORGTYPE_SCHEME)
        names = ", ".join(sorted(view.label(c) for c in accepted)) or "no type (the rule names none)"
        for m in members:
            details[m.organisation.iri] = ", ".join(t.label for t in m.types) or "type not known"
            if m.organisation.iri not in broken:
                satisfied.append(m.organisation.iri)
        summary = f"accepted types: {names}"
        if broken:
            summary += f"; {_plural(len(broken), 'member')} of another or unknown type"
        return summary, satisfied, details
    if check.kind == "legal-entities":
        entities: dict[str, list[str]] = {}
        for m in members:
            entity = m.legal_entity.iri if m.legal_entity else m.organisation.iri
            entities.setdefault(entity, []).append(m.organisation.iri)
            satisfied.append(m.organisation.iri)
            if m.legal_entity:
                details[m.organisation.iri] = f"part of {m.legal_entity.label}: counted as that legal entity"
        need = int(check.parameter)
        summary = f"{_plural(len(entities), 'different legal entity').replace('entitys', 'entities')} (at least {need} needed)"
        return summary, satisfied, details
    if check.kind == "countries":
        countries: dict[str, str] = {}
        for m in members:
            if m.country is not None and m.country_status in ("EU Member State", "listed by the call"):
                countries.setdefault(m.country.iri, m.country.label)
                satisfied.append(m.organisation.iri)
                details[m.organisation.iri] = m.country.label
            else:
                details[m.organisation.iri] = "no eligible country" if m.country else "country not known"
        need = int(check.parameter)
        shown = ", ".join(sorted(countries.values())) or "none"
        summary = f"{_plural(len(countries), 'eligible country').replace('countrys', 'countries')}: {shown} (at least {need} needed)"
        return summary, satisfied, details
    if check.kind == "region-category":
        accepted = accepted_concepts(view.data, str(check.parameter), COHESION_SCHEME)
        names = " or ".join(sorted(view.label(c) for c in accepted)) or "no category (the rule names none)"
        for m in members:
            node = URIRef(m.organisation.iri)
            region, category = view.category_of(node)
            if category is None:
                details[m.organisation.iri] = "region without a 2014-2020 category" if m.region else "region not known"
                continue
            details[m.organisation.iri] = f"{view.label(region)} ({view.data.value(region, SKOS.notation) or ''}): {view.label(category)}"
            if category in accepted:
                satisfied.append(m.organisation.iri)
        summary = f"needs a member in a {names}; {_plural(len(satisfied), 'member')} in one"
        return summary, satisfied, details
    return "", satisfied, details


def build_report(proposal: Proposal, data: Graph, results: list) -> ConsortiumReport:
    """The report of ``proposal`` from the facts graph and the SHACL results (of all proposals)."""
    view = _View(data)
    call = URIRef(proposal.call)
    focus = URIRef(proposal.iri) if not proposal.iri.startswith("_:") else BNode(proposal.iri[2:])
    members = [member_facts(view, m, call) for m in proposal.members]
    checks = checks_for_call(proposal.call)
    rules: list[RuleResult] = []
    checked_rules = set()
    for check in checks:
        own = [r for r in results if str(r.source_shape) == check.shape and r.focus_node == focus]
        broken = {str(r.value) for r in own if check.per_member and r.value is not None}
        summary, satisfied, details = explain_rule(view, check, proposal, members, broken)
        rule = URIRef(check.rule) if check.rule else None
        text = _rule_text(view, rule)
        rules.append(RuleResult(
            rule=check.rule,
            label=view.label(rule) if rule is not None and (rule, None, None) in data else check.label,
            text=text,
            status="fail" if own else "pass",
            kind=check.kind,
            shape=check.shape,
            summary=summary,
            satisfied_by=[s for s in satisfied if s not in broken],
            broken_by=sorted(broken),
            details=details,
            messages=[check.message] if own and check.message else [],  # the shape's own words for this call
            sources=view.sources(rule) if rule is not None else [],
        ))
        if check.rule:
            checked_rules.add(check.rule)
    for rule in sorted(data.objects(call, CKG.eligibilityRule), key=str):
        if str(rule) in checked_rules:
            continue
        rules.append(RuleResult(
            rule=str(rule), label=view.label(rule), text=_rule_text(view, rule), status="not checked",
            summary="the graph cannot check this rule: check it by hand", sources=view.sources(rule),
        ))
    return ConsortiumReport(
        proposal=proposal.iri,
        call=Link(proposal.call, view.label(call)),
        call_facts=_call_facts(view, call),
        members=members,
        rules=rules,
    )


def _rule_text(view: _View, rule: Node | None) -> str | None:
    if rule is None:
        return None
    values = [v for v in view.data.objects(rule, CKG.ruleText) if isinstance(v, Literal)]
    english = [v for v in values if v.language and v.language.startswith("en")]
    return str((english or values)[0]) if values else None


def _call_facts(view: _View, call: Node) -> dict:
    out: dict = {}
    identifiers = sorted(str(v) for v in view.data.objects(call, CKG.identifier))
    if identifiers:
        out["identifiers"] = identifiers
    deadline = view.data.value(call, CKG.deadline)
    if deadline is not None:
        out["deadline"] = str(deadline)
    out["sources"] = view.sources(call)
    return out


def _about_members(described: Graph, proposals: list[Proposal]) -> Graph:
    """The request's statements about its proposals, their participations and their members only.

    A request describes its own consortium; what it might say about a call, a region or a
    country (an eligible country added to a call) is not taken: those facts are the graph's.
    """
    subjects: set[Node] = set()
    for proposal in proposals:
        node = URIRef(proposal.iri) if not proposal.iri.startswith("_:") else BNode(proposal.iri[2:])
        subjects.add(node)
        subjects |= set(described.objects(node, CKG.hasParticipation))
        subjects |= {URIRef(o) for o in proposal.organisations}
    kept = Graph()
    for triple in described:
        if triple[0] in subjects:
            kept.add(triple)
    return kept


async def check(reader: Reader, proposals: list[Proposal], described: Graph | None = None,
                require: bool = True) -> list[ConsortiumReport]:
    """Check ``proposals`` against their calls' shapes, with the members' facts from the store.

    ``described`` is a graph sent with the request (Turtle): its facts are added to the store's.
    With ``require``, a call or an organisation described by neither is refused (UnknownEntity).
    """
    calls = {p.call for p in proposals}
    organisations = {o for p in proposals for o in p.organisations}
    described = _about_members(described, proposals) if described is not None else None
    # regions and countries the request itself names for its members: their facts are the graph's
    places = {str(o) for m in organisations for o in (described or Graph()).objects(URIRef(m), CKG.locatedIn)} | \
             {str(o) for m in organisations for o in (described or Graph()).objects(URIRef(m), CKG.country)}
    facts = await gather_facts(reader, calls, organisations, {p for p in places if _valid_iri(p)})
    if require:
        require_known(facts, proposals, described)
    data = Graph()
    for graph in (facts, described or Graph(), *(p.to_graph() for p in proposals if not p.node)):
        for triple in graph:
            data.add(triple)
    result = await asyncio.to_thread(validate_proposals, data)
    return [build_report(p, data, result.results) for p in proposals]


__all__ = [
    "BadProposal", "ConsortiumReport", "Link", "Member", "MemberFacts", "Proposal", "ROLES", "RuleResult",
    "UnknownEntity", "build_report", "check", "gather_facts", "parse_json", "parse_json_text", "parse_turtle",
    "role_iri", "role_name",
]
