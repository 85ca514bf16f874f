"""Partner search: candidates for an applicant and a call, ranked by scores that explain the rank.

Each candidate gets four scores between 0 and 1, and the rank is their weighted mean; the
weights are the caller's (defaults in :data:`DEFAULT_WEIGHTS`) and are echoed in the answer.

* **theme**, thematic fit: how the candidate's value chains and S3 priority areas (its own, its
  action plans', its region's S3 strategy's, its projects') relate to the applicant's and the
  call's: the same concept (1), a SKOS exact or close match (0.9), a priority area that covers
  the value chain (0.8), one narrower or broader than the other (0.75), a related match or two
  concepts under the same broader one, i.e. complementary (0.5); times how direct the evidence
  is (own 1, region's S3 0.7, projects' 0.6). The best pair counts, plus 0.1 per further concept
  of the applicant or call matched, at most 1.
* **eligibility**, what the candidate adds to the consortium's eligibility, from the call's
  rules (:mod:`.rules`): a country new to the consortium (1 when the call needs more countries,
  0.5 otherwise) and a region of a category the call asks for (1 when no member has one yet,
  0.5 otherwise); the mean of the two.
* **trust**, from the partnership network (:mod:`.trust`): earlier joint undertakings with the
  applicant, or the length of the shortest path to it.
* **activity**: projects the candidate takes part in, recent ones (ending in the year of
  ``since`` or later) counting double: (recent + 0.5 x older) / 3, at most 1.

Candidates that a member-level rule of the call excludes (country not eligible, organisation
type not accepted) are left out and counted; so are the applicant and any organisation of the
same legal entity (org:subOrganizationOf).
"""

from __future__ import annotations

import asyncio
import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date

import pyoxigraph as ox
from rdflib import Graph, URIRef
from rdflib.namespace import RDFS

from ..errors import ClusterKGError
from ..iris import CKG, VOC
from ..networks.filters import country_iri, org_type_iri, region_iri, value_chain_iri
from ..shapes import load_ontology
from .consortium import COHESION_SCHEME, ORGTYPE_SCHEME, Link, _View, accepted_concepts, gather_facts
from .reader import Reader, cached, integer, text, words
from .rules import RuleCheck, checks_for_call
from .trust import Trust, describe, distances_from

XSD_DATE = ox.NamedNode("http://www.w3.org/2001/XMLSchema#date")
DIMENSIONS = ("theme", "eligibility", "trust", "activity")
MAX_LIMIT = 500


class BadSearch(ClusterKGError):
    """Search parameters that cannot be used (a weight below zero, all weights zero, a bad limit)."""

    exit_code = 3


# ---------------------------------------------------------------- parameters


@dataclass(frozen=True)
class Weights:
    """How much each score counts; any non-negative numbers, not all zero (they are normalised)."""

    theme: float = 0.35
    eligibility: float = 0.25
    trust: float = 0.25
    activity: float = 0.15

    def __post_init__(self) -> None:
        for name in DIMENSIONS:
            value = getattr(self, name)
            if not isinstance(value, int | float) or math.isnan(value) or math.isinf(value) or value < 0 or value > 1000:
                raise BadSearch(f"weight {name}={value!r} is not a number between 0 and 1000", "give weights such as 0.35")
        if self.total == 0:
            raise BadSearch("all weights are zero", "give at least one weight above zero")

    @property
    def total(self) -> float:
        return sum(getattr(self, name) for name in DIMENSIONS)

    def normalised(self) -> dict[str, float]:
        return {name: getattr(self, name) / self.total for name in DIMENSIONS}

    def as_json(self) -> dict:
        return {"given": {name: getattr(self, name) for name in DIMENSIONS},
                "normalised": {k: round(v, 4) for k, v in self.normalised().items()}}


DEFAULT_WEIGHTS = Weights()


def default_since(today: date | None = None) -> date:
    """The start of the year five years ago: projects ending since then are recent."""
    today = today or date.today()
    return date(today.year - 5, 1, 1)


def priority_area_iri(value: str) -> str:
    """An S3 priority area from its IRI or its slug (id:priority/SLUG)."""
    from ..iris import ID
    from ..networks.filters import _slug_iri

    return _slug_iri("priority area", value.removeprefix("priority/"), str(ID) + "priority/",
                     "an S3 priority area IRI or its slug (apulia-digital-creative-inclusive-communities)")


@dataclass(frozen=True)
class SearchOptions:
    """Filters (each a set of IRIs; empty means any) and how many candidates to return."""

    value_chains: tuple[str, ...] = ()
    priority_areas: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    org_types: tuple[str, ...] = ()
    limit: int = 20
    since: date = field(default_factory=default_since)
    include_ineligible: bool = False

    def __post_init__(self) -> None:
        if not 1 <= self.limit <= MAX_LIMIT:
            raise BadSearch(f"limit {self.limit} is out of range", f"give a number from 1 to {MAX_LIMIT}")

    @classmethod
    def parse(cls, value_chains=(), priority_areas=(), countries=(), regions=(), org_types=(), limit: int = 20,
              since: str | date | None = None, include_ineligible: bool = False) -> "SearchOptions":
        """Options from what people type: codes and slugs are accepted where the IRIs make them unambiguous."""
        from ..networks.filters import as_of_date

        if isinstance(since, str) and since:
            since = as_of_date(since)
        return cls(
            value_chains=tuple(value_chain_iri(v) for v in value_chains if v),
            priority_areas=tuple(priority_area_iri(v) for v in priority_areas if v),
            countries=tuple(country_iri(v) for v in countries if v),
            regions=tuple(region_iri(v) for v in regions if v),
            org_types=tuple(org_type_iri(v) for v in org_types if v),
            limit=limit,
            since=since or default_since(),
            include_ineligible=include_ineligible,
        )

    def as_json(self) -> dict:
        return {"value_chains": list(self.value_chains), "priority_areas": list(self.priority_areas),
                "countries": list(self.countries), "regions": list(self.regions), "org_types": list(self.org_types),
                "limit": self.limit, "since": self.since.isoformat(), "include_ineligible": self.include_ineligible}

    def bindings(self) -> dict[str, ox.NamedNode]:
        """Single-valued filters, bound in the SPARQL to cut the rows (the Python filter decides)."""
        out = {}
        for name, values in (("country", self.countries), ("region", self.regions), ("orgType", self.org_types)):
            if len(values) == 1:
                out[name] = ox.NamedNode(values[0])
        return out


# ---------------------------------------------------------------- facts


@dataclass
class Organisation:
    iri: str
    label: str
    classes: set[str]
    types: set[str]
    country: str | None
    region: str | None
    part_of: str | None


@dataclass
class Region:
    """A region as the search shows it: its NUTS-2 region and the cohesion category that applies."""

    iri: str
    code: str | None
    label: str
    country: str | None
    nuts2: str | None
    nuts2_code: str | None
    nuts2_label: str | None
    category: str | None
    category_label: str | None
    ancestors: set[str]


@dataclass
class _RawRegion:
    iri: str
    code: str | None
    label: str
    level: int | None
    country: str | None
    broader: list[str]
    category: str | None
    category_label: str | None


class RegionIndex:
    """All regions, with the hierarchy walked in Python (cheaper than property paths per organisation)."""

    def __init__(self, raw: dict[str, _RawRegion]) -> None:
        self.raw = raw
        self._views: dict[str, Region] = {}

    def ancestors(self, iri: str) -> list[str]:
        """Regions above ``iri``, nearest first."""
        order, seen, frontier = [], {iri}, list(self.raw[iri].broader) if iri in self.raw else []
        while frontier:
            node = frontier.pop(0)
            if node in seen:
                continue
            seen.add(node)
            order.append(node)
            frontier.extend(self.raw[node].broader if node in self.raw else ())
        return order

    def get(self, iri: str | None) -> Region | None:
        if iri is None:
            return None
        if iri not in self._views:
            chain = [iri, *self.ancestors(iri)]
            known = [self.raw[r] for r in chain if r in self.raw]
            me = self.raw.get(iri)
            nuts2 = next((r for r in known if r.level == 2), None)
            categorised = next((r for r in known if r.category), None)
            self._views[iri] = Region(
                iri, me.code if me else None, me.label if me else iri.rsplit("/", 1)[-1],
                next((r.country for r in known if r.country), None),
                nuts2.iri if nuts2 else None, nuts2.code if nuts2 else None, nuts2.label if nuts2 else None,
                categorised.category if categorised else None, categorised.category_label if categorised else None,
                set(chain[1:]),
            )
        return self._views[iri]

    def values(self) -> list[Region]:
        return [self.get(iri) for iri in self.raw]


@dataclass
class Country:
    iri: str
    code: str | None
    label: str
    eu_member: bool
    listed: bool

    @property
    def eligible(self) -> bool:
        return self.eu_member or self.listed

    @property
    def status(self) -> str:
        return "listed by the call" if self.listed else "EU Member State" if self.eu_member else "not eligible"


@dataclass
class Concept:
    iri: str
    label: str
    broader: set[str]
    links: list[tuple[str, str]]
    value_chains: set[str]


@dataclass
class Activity:
    projects: int = 0
    recent: int = 0
    latest: str | None = None


@dataclass
class CallContext:
    """The call as the search needs it: its rules (checks), what they accept, its facts graph."""

    iri: str
    label: str
    checks: list[RuleCheck]
    facts: Graph
    accepted_types: set[str] | None  # None: no type rule
    accepted_categories: set[str] | None  # None: no region rule
    min_countries: int
    min_entities: int
    unchecked: list[str]
    type_cache: dict = field(default_factory=dict, repr=False)

    def check_of(self, kind: str) -> RuleCheck | None:
        return next((c for c in self.checks if c.kind == kind), None)


@dataclass
class Facts:
    """Everything the ranking reads, fetched once per search."""

    organisations: dict[str, Organisation]
    regions: RegionIndex
    countries: dict[str, Country]
    themes: dict[str, list[tuple[str, str]]]
    concepts: dict[str, Concept]
    activity: dict[str, Activity]
    call: CallContext
    network_trust: dict[str, Trust]
    network: object = None  # the coparticipation network (networkx), for the paths of the candidates shown

    def country_of(self, org: Organisation) -> Country | None:
        region = self.regions.get(org.region)
        iri = org.country or (region.country if region else None)
        return self.countries.get(iri) if iri else None

    def region_of(self, org: Organisation) -> Region | None:
        return self.regions.get(org.region)


def _label(row: dict, fallback: str) -> str:
    return text(row, "labelEn") or text(row, "labelAny") or fallback.rstrip("/").rsplit("/", 1)[-1]


async def load_call(reader: Reader, call: str) -> CallContext:
    """The call's rules and facts; refuses a call the graph does not describe."""
    from rdflib.namespace import RDF

    from .consortium import UnknownEntity

    facts = await gather_facts(reader, [call], [])
    node = URIRef(call)
    if (node, RDF.type, CKG.Call) not in facts:
        raise UnknownEntity(f"no call {call} in the graph", "list the calls with 'clusterkg partners calls' or at /partners")
    view = _View(facts)
    checks = checks_for_call(call)
    types = next((c for c in checks if c.kind == "organisation-type"), None)
    region = next((c for c in checks if c.kind == "region-category"), None)
    checked = {c.rule for c in checks}
    return CallContext(
        iri=call,
        label=view.label(node),
        checks=checks,
        facts=facts,
        accepted_types={str(c) for c in accepted_concepts(facts, str(types.parameter), ORGTYPE_SCHEME)} if types else None,
        accepted_categories={str(c) for c in accepted_concepts(facts, str(region.parameter), COHESION_SCHEME)} if region else None,
        min_countries=max([int(c.parameter) for c in checks if c.kind == "countries"] or [0]),
        min_entities=max([int(c.parameter) for c in checks if c.kind == "legal-entities"] or [0]),
        unchecked=sorted(str(r) for r in facts.objects(node, CKG.eligibilityRule) if str(r) not in checked),
    )


def _organisations(rows: list[dict]) -> dict[str, Organisation]:
    return {row["org"].value: Organisation(row["org"].value, _label(row, row["org"].value), set(words(row, "classes")),
                                           set(words(row, "types")), text(row, "countryOf"), text(row, "regionOf"),
                                           text(row, "partOf"))
            for row in rows}


def _regions(rows: list[dict]) -> RegionIndex:
    raw = {}
    for row in rows:
        iri = row["region"].value
        level = text(row, "level")
        raw[iri] = _RawRegion(iri, text(row, "notation"), _label(row, iri), int(level) if level and level.isdigit() else None,
                              text(row, "country"), words(row, "broader"), text(row, "category"), text(row, "categoryLabel"))
    return RegionIndex(raw)


def _themes(rows: list[dict]) -> dict[str, list[tuple[str, str]]]:
    themes: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for row in rows:
        themes[row["org"].value].append((row["concept"].value, text(row, "evidence") or "valueChain"))
    return dict(themes)


def _concepts(rows: list[dict]) -> dict[str, Concept]:
    concepts = {}
    for row in rows:
        links = []
        for line in (text(row, "links") or "").splitlines():
            prop, _, other = line.partition(" ")
            if other:
                links.append((prop, other))
        iri = row["concept"].value
        concepts[iri] = Concept(iri, _label(row, iri), set(words(row, "broader")), links, set(words(row, "valueChains")))
    return concepts


async def load_facts(reader: Reader, call: str, options: SearchOptions, applicant: str | None = None) -> Facts:
    """Read what the ranking needs; queries run concurrently, call-independent facts are cached per store stamp."""
    call_node = ox.NamedNode(call)
    since = ox.Literal(options.since.isoformat(), datatype=XSD_DATE)
    bindings = options.bindings()

    async def organisations():
        return _organisations(await reader.select("organisations", bindings))

    async def regions():
        return _regions(await reader.select("regions"))

    async def themes():
        return _themes(await reader.select("themes"))

    async def concepts():
        return _concepts(await reader.select("concepts"))

    async def activity():
        rows = await reader.select("activity", {"since": since})
        return {row["org"].value: Activity(integer(row, "projects"), integer(row, "recentProjects"), text(row, "latest"))
                for row in rows}

    context, orgs, own, region_index, country_rows, theme_map, concept_map, active, network = await asyncio.gather(
        load_call(reader, call),
        cached(reader, ("organisations", tuple(sorted((k, v.value) for k, v in bindings.items()))), organisations),
        reader.select("organisations", {"org": ox.NamedNode(applicant)}) if applicant else _nothing(),
        cached(reader, "regions", regions),
        reader.select("countries", {"call": call_node}),
        cached(reader, "themes", themes),
        cached(reader, "concepts", concepts),
        cached(reader, ("activity", options.since.isoformat()), activity),
        reader.network(),
    )
    organisations_map = dict(orgs)
    organisations_map.update(_organisations(own))
    countries = {
        row["country"].value: Country(row["country"].value, text(row, "notation"), text(row, "label") or row["country"].value,
                                      text(row, "euMember") in ("true", "1"), text(row, "listedByCall") in ("true", "1"))
        for row in country_rows
    }
    trust = distances_from(network, applicant) if applicant else {}
    return Facts(organisations_map, region_index, countries, theme_map, concept_map, active, context, trust, network)


async def _nothing() -> list:
    return []


# ---------------------------------------------------------------- thematic fit

EVIDENCE_WEIGHT = {"valueChain": 1.0, "priorityArea": 1.0, "regionS3": 0.7, "project": 0.6}
EVIDENCE_PHRASE = {
    "valueChain": "works in", "priorityArea": "serves the S3 priority", "regionS3": "its region's S3 strategy has the priority",
    "project": "has projects in",
}
MATCH_SCORES = {"exactMatch": 0.9, "closeMatch": 0.9, "relatedMatch": 0.5, "broadMatch": 0.5, "narrowMatch": 0.5, "related": 0.5}


class Thesaurus:
    """Relations between value chains and S3 priority areas: broader, mappings, coverage, siblings."""

    def __init__(self, concepts: dict[str, Concept]) -> None:
        self.concepts = concepts
        self._up: dict[str, set[str]] = {}

    def label(self, iri: str) -> str:
        concept = self.concepts.get(iri)
        return concept.label if concept else iri.rstrip("/").rsplit("/", 1)[-1]

    def up(self, iri: str) -> set[str]:
        """``iri`` and every concept above it."""
        if iri not in self._up:
            seen, frontier = set(), [iri]
            while frontier:
                node = frontier.pop()
                if node not in seen:
                    seen.add(node)
                    frontier.extend(self.concepts[node].broader if node in self.concepts else ())
            self._up[iri] = seen
        return self._up[iri]

    def relation(self, a: str, b: str) -> tuple[float, str, str | None]:
        """(score, relation, the concept in between) from ``a`` (the candidate's) to ``b``."""
        if a == b:
            return 1.0, "same", None
        best: tuple[float, str, str | None] = (0.0, "", None)
        for x, y, direction in ((a, b, ""), (b, a, "inverse")):
            for prop, other in (self.concepts[x].links if x in self.concepts else ()):
                if other == y and MATCH_SCORES.get(prop, 0) > best[0]:
                    best = (MATCH_SCORES[prop], f"match:{prop}", None)
        covered_a = self.concepts[a].value_chains if a in self.concepts else set()
        covered_b = self.concepts[b].value_chains if b in self.concepts else set()
        if b in covered_a or a in covered_b:
            best = max(best, (0.8, "covers", None))
        elif any(b in self.up(v) for v in covered_a) or any(a in self.up(v) for v in covered_b):
            best = max(best, (0.6, "covers-broader", None))
        if b in self.up(a):
            best = max(best, (0.75, "narrower", None))
        elif a in self.up(b):
            best = max(best, (0.75, "broader", None))
        if best[0] < 0.5:
            parents_a = self.concepts[a].broader if a in self.concepts else set()
            parents_b = self.concepts[b].broader if b in self.concepts else set()
            common = sorted(parents_a & parents_b)
            if common:
                best = (0.5, "complementary", common[0])
        return best


def _sentence(thesaurus: Thesaurus, relation: str, middle: str | None, evidence: str, a: str, b: str, owner: str) -> str:
    la, lb = thesaurus.label(a), thesaurus.label(b)
    head = f"{EVIDENCE_PHRASE.get(evidence, 'works in')} '{la}'"
    if relation == "same":
        return f"{head}, as {owner} does" if owner == "the applicant" else f"{head}, the call's theme"
    if relation.startswith("match:"):
        return f"{head}, which matches {owner}'s '{lb}' (skos:{relation.split(':', 1)[1]})"
    if relation == "covers":
        return f"{head}, which covers {owner}'s '{lb}'" if a in thesaurus.concepts and b in thesaurus.concepts[a].value_chains \
            else f"{head}, covered by {owner}'s priority '{lb}'"
    if relation == "covers-broader":
        return f"{head}, linked to {owner}'s '{lb}' through the value chains the priority covers"
    if relation == "narrower":
        return f"{head}, part of {owner}'s '{lb}'"
    if relation == "broader":
        return f"{head}, which includes {owner}'s '{lb}'"
    if relation == "complementary":
        return f"{head}, complementary to {owner}'s '{lb}' (both under '{thesaurus.label(middle or '')}')"
    return head


def thematic_fit(thesaurus: Thesaurus, candidate: list[tuple[str, str]],
                 targets: list[tuple[str, str, str]]) -> tuple[float, list[str], list[str]]:
    """(score, explanation, concepts involved) for a candidate's themes against (concept, evidence, owner) targets."""
    pairs = []
    for concept, evidence in candidate:
        for target, target_evidence, owner in targets:
            score, relation, middle = thesaurus.relation(concept, target)
            if score <= 0:
                continue
            weighted = score * EVIDENCE_WEIGHT.get(evidence, 0.5) * EVIDENCE_WEIGHT.get(target_evidence, 0.5)
            pairs.append((weighted, relation, middle, evidence, concept, target, owner))
    if not pairs:
        return 0.0, [], []
    pairs.sort(key=lambda p: (-p[0], p[4], p[5]))
    matched = {p[5] for p in pairs}
    score = min(1.0, pairs[0][0] + 0.1 * (len(matched) - 1))
    explanation, seen = [], set()
    for weighted, relation, middle, evidence, concept, target, owner in pairs:
        key = (concept, target)
        if key in seen:
            continue
        seen.add(key)
        explanation.append(_sentence(thesaurus, relation, middle, evidence, concept, target, owner))
        if len(explanation) == 3:
            break
    return score, explanation, sorted({p[4] for p in pairs} | matched)


# ---------------------------------------------------------------- eligibility of one organisation

_CLASS_CONCEPTS = {
    str(CKG.ClusterOrganisation): "orgtype-cluster", str(CKG.PublicBody): "orgtype-public-body",
    str(CKG.RegionalAgency): "orgtype-regional-agency", str(CKG.University): "orgtype-university",
    str(CKG.ResearchOrganisation): "orgtype-research", str(CKG.TechnologyPark): "orgtype-technology-park",
    str(CKG.BusinessSupportOrganisation): "orgtype-business-support", str(CKG.Enterprise): "orgtype-enterprise",
    str(CKG.SME): "orgtype-sme",
}


def type_concepts(org: Organisation, call: CallContext) -> set[str]:
    """The organisation's type concepts, from ckg:organisationType or its class, with every broader one."""
    key = (frozenset(org.types), frozenset(org.classes))
    cache = call.type_cache
    if key not in cache:
        concepts = set(org.types)
        ontology = load_ontology()
        for cls in org.classes:
            for ancestor in ontology.transitive_objects(URIRef(cls), RDFS.subClassOf):
                if str(ancestor) in _CLASS_CONCEPTS:
                    concepts.add(str(VOC[_CLASS_CONCEPTS[str(ancestor)]]))
        view = _View(call.facts)
        closure = set()
        for concept in concepts:
            closure |= {str(c) for c in view.broader_closure(URIRef(concept))}
        cache[key] = closure
    return cache[key]


def member_problems(facts: Facts, org: Organisation) -> list[str]:
    """Why a member-level rule of the call would refuse ``org`` (empty: it may join)."""
    problems = []
    call = facts.call
    if call.check_of("country") is not None:
        country = facts.country_of(org)
        if country is None:
            problems.append("country not known")
        elif not country.eligible:
            problems.append(f"{country.label} is not eligible for the call")
    if call.accepted_types is not None and not (type_concepts(org, call) & call.accepted_types):
        problems.append("organisation type not accepted by the call")
    return problems


def legal_entity(facts: Facts, iri: str) -> str:
    node, seen = iri, set()
    while node in facts.organisations and facts.organisations[node].part_of and node not in seen:
        seen.add(node)
        node = facts.organisations[node].part_of
    return node


# ---------------------------------------------------------------- candidates


@dataclass
class Candidate:
    """A ranked candidate with its scores and what explains them."""

    organisation: Organisation
    country: Country | None
    region: Region | None
    scores: dict[str, float]
    explanation: dict[str, list[str]]
    total: float = 0.0
    contributions: dict[str, float] = field(default_factory=dict)
    trust: Trust | None = None
    problems: list[str] = field(default_factory=list)
    themes: list[str] = field(default_factory=list)
    activity: Activity | None = None
    rank: int = 0
    peer: bool = False  # of the applicant's organisation type: breaks ties

    @property
    def iri(self) -> str:
        return self.organisation.iri

    @property
    def category(self) -> str | None:
        return self.region.category if self.region else None

    def as_json(self, thesaurus: Thesaurus | None = None) -> dict:
        org = self.organisation
        out: dict = {
            "rank": self.rank,
            "organisation": Link(org.iri, org.label).as_json(),
            "eligible": not self.problems,
            "score": round(self.total, 4),
            "scores": {k: round(v, 4) for k, v in self.scores.items()},
            "contributions": {k: round(v, 4) for k, v in self.contributions.items()},
            "explanation": self.explanation,
            "types": sorted(org.types) or sorted(org.classes),
            "same_type_as_applicant": self.peer,
        }
        if self.problems:
            out["problems"] = self.problems
        if self.country:
            out["country"] = {**Link(self.country.iri, self.country.label, self.country.code).as_json(), "status": self.country.status}
        if self.region:
            region = self.region
            out["region"] = Link(region.iri, region.label, region.code).as_json()
            if region.nuts2:
                out["nuts2"] = Link(region.nuts2, region.nuts2_label or region.nuts2, region.nuts2_code).as_json()
            if region.category:
                out["category"] = Link(region.category, region.category_label or region.category).as_json()
        if self.trust is not None:
            out["trust"] = self.trust.as_json()
        if self.activity is not None:
            out["activity"] = {"projects": self.activity.projects, "recent": self.activity.recent, "latest": self.activity.latest}
        if thesaurus is not None and self.themes:
            out["themes"] = [Link(c, thesaurus.label(c)).as_json() for c in self.themes]
        return out


def targets_for(facts: Facts, applicant: str) -> list[tuple[str, str, str]]:
    """The concepts a candidate's themes are compared with: the applicant's and the call's."""
    targets = [(c, e, "the applicant") for c, e in facts.themes.get(applicant, [])]
    targets += [(c, "valueChain", "the call") for c, e in facts.themes.get(facts.call.iri, []) if e == "valueChain"]
    unique: dict[tuple[str, str], tuple[str, str, str]] = {}
    for concept, evidence, owner in targets:
        key = (concept, owner)
        if key not in unique or EVIDENCE_WEIGHT.get(evidence, 0) > EVIDENCE_WEIGHT.get(unique[key][1], 0):
            unique[key] = (concept, evidence, owner)
    return list(unique.values())


def eligibility_gain(facts: Facts, org: Organisation, base: list[Organisation]) -> tuple[float, list[str]]:
    """What ``org`` adds to the eligibility of a consortium made of ``base``."""
    call = facts.call
    explanation = []
    country = facts.country_of(org)
    base_countries = {c.iri for c in (facts.country_of(b) for b in base) if c is not None and c.eligible}
    country_score = 0.0
    if country is not None and country.eligible and country.iri not in base_countries:
        if call.min_countries and len(base_countries) < call.min_countries:
            country_score = 1.0
            explanation.append(f"adds a new eligible country, {country.label}: the call needs {call.min_countries} "
                               f"and the consortium has {len(base_countries)}")
        else:
            country_score = 0.5
            explanation.append(f"adds a new country, {country.label}")
    region_score = 0.0
    region = facts.region_of(org)
    wanted = call.accepted_categories
    if region is not None and region.category:
        named = f"{region.nuts2_label or region.label} ({region.nuts2_code or region.code}), a {region.category_label or 'region with a 2014-2020 category'}"
        if wanted is not None and region.category in wanted:
            covered = any((r := facts.region_of(b)) is not None and r.category in wanted for b in base)
            region_score = 0.5 if covered else 1.0
            explanation.append(f"is in {named}" + ("" if covered else ": the call needs a member in such a region and the consortium has none"))
        elif wanted is None and region.category != str(VOC["cohesion-more-developed"]):
            region_score = 0.5
            explanation.append(f"is in {named}")
    if call.min_entities and len({legal_entity(facts, b.iri) for b in base}) < call.min_entities and not explanation:
        explanation.append("adds a legal entity, which the call's minimum number of members needs")
    return (country_score + region_score) / 2, explanation


def activity_score(activity: Activity | None, since: date) -> tuple[float, list[str]]:
    if activity is None or activity.projects == 0:
        return 0.0, ["no project in the graph"]
    older = activity.projects - activity.recent
    score = min(1.0, (activity.recent + 0.5 * older) / 3)
    latest = f"; the latest ends or starts {activity.latest}" if activity.latest else ""
    return score, [f"{activity.projects} project{'s' if activity.projects != 1 else ''}, "
                   f"{activity.recent} ending since {since.year}{latest}"]


def passes_filters(facts: Facts, org: Organisation, options: SearchOptions, thesaurus: Thesaurus) -> bool:
    if options.countries:
        country = facts.country_of(org)
        if country is None or country.iri not in options.countries:
            return False
    if options.regions:
        region = facts.region_of(org)
        if region is None or not ({region.iri} | region.ancestors) & set(options.regions):
            return False
    if options.org_types and not (type_concepts(org, facts.call) & set(options.org_types)):
        return False
    concepts = [c for c, _ in facts.themes.get(org.iri, [])]
    if options.value_chains and not any(thesaurus.up(c) & set(options.value_chains) for c in concepts):
        return False
    if options.priority_areas and not any(thesaurus.up(c) & set(options.priority_areas) for c in concepts):
        return False
    return True


def score_candidate(facts: Facts, thesaurus: Thesaurus, org: Organisation, base: list[Organisation],
                    targets: list[tuple[str, str, str]], weights: Weights, since: date) -> Candidate:
    theme, theme_why, concepts = thematic_fit(thesaurus, facts.themes.get(org.iri, []), targets)
    if not facts.themes.get(org.iri):
        theme_why = ["no value chain or S3 priority area in the graph"]
    elif not theme_why:
        theme_why = ["its value chains and S3 priority areas are unrelated to the applicant's and the call's"]
    eligibility, eligibility_why = eligibility_gain(facts, org, base)
    trust = facts.network_trust.get(org.iri) or Trust()
    activity = facts.activity.get(org.iri)
    active, active_why = activity_score(activity, since)
    scores = {"theme": theme, "eligibility": eligibility, "trust": trust.score, "activity": active}
    normalised = weights.normalised()
    contributions = {k: normalised[k] * scores[k] for k in DIMENSIONS}
    return Candidate(
        organisation=org, country=facts.country_of(org), region=facts.region_of(org), scores=scores,
        explanation={"theme": theme_why, "eligibility": eligibility_why or ["adds nothing the call's rules still need"],
                     "trust": trust.explanation(), "activity": active_why},
        total=sum(contributions.values()), contributions=contributions, trust=trust if trust.distance else None,
        problems=member_problems(facts, org), themes=concepts, activity=activity,
    )


@dataclass
class SearchResult:
    """The ranking and everything needed to read it."""

    applicant: Candidate
    call: CallContext
    weights: Weights
    options: SearchOptions
    candidates: list[Candidate]
    considered: int
    excluded: dict[str, int]
    thesaurus: Thesaurus
    facts: Facts
    pool: list[Candidate] = field(default_factory=list)  # every eligible candidate, ranked (for suggest)

    def as_json(self) -> dict:
        from .consortium import Link as _Link

        return {
            "applicant": self.applicant.as_json(self.thesaurus),
            "call": {**_Link(self.call.iri, self.call.label).as_json(),
                     "rules": [{"rule": c.rule, "kind": c.kind, "label": c.label,
                                "parameter": c.parameter if c.kind in ("countries", "legal-entities") else None}
                               for c in self.call.checks],
                     "unchecked_rules": self.call.unchecked},
            "weights": self.weights.as_json(),
            "options": self.options.as_json(),
            "scoring": {
                "theme": "best relation between the candidate's value chains / S3 priority areas and the applicant's and the call's (same 1, exact or close match 0.9, covers 0.8, narrower or broader 0.75, complementary 0.5), times how direct the evidence is, +0.1 per further concept matched",
                "eligibility": "mean of: new country (1 if the call needs more countries, else 0.5) and region of a category the call asks for (1 if no member has one yet, else 0.5)",
                "trust": "worked with the applicant: 0.6 + 0.1 per joint undertaking; 2 steps apart 0.4; 3 steps 0.25; further 0.1; not connected 0",
                "activity": "(recent projects + 0.5 x older ones) / 3, at most 1",
                "total": "weighted mean of the four scores with the normalised weights",
            },
            "considered": self.considered,
            "excluded": self.excluded,
            "candidates": [c.as_json(self.thesaurus) for c in self.candidates],
        }


async def search(reader: Reader, applicant: str, call: str, options: SearchOptions | None = None,
                 weights: Weights | None = None) -> SearchResult:
    """Rank the candidate partners of ``applicant`` for ``call``."""
    from .consortium import UnknownEntity

    options = options or SearchOptions()
    weights = weights or DEFAULT_WEIGHTS
    facts = await load_facts(reader, call, options, applicant)
    if applicant not in facts.organisations:
        raise UnknownEntity(f"no organisation {applicant} in the graph", "check the IRI, or find it at /search")
    # CPU-bound over every organisation: off the event loop, so other requests go on
    return await asyncio.to_thread(rank, facts, applicant, options, weights)


def explain_trust(facts: Facts, applicant: str, candidate: Candidate) -> None:
    """Fill in the network path and joint undertakings of a candidate about to be shown."""
    if candidate.trust is not None and facts.network is not None and not candidate.trust.path:
        describe(facts.network, applicant, candidate.trust, candidate.iri)
        candidate.explanation["trust"] = candidate.trust.explanation()


def rank(facts: Facts, applicant: str, options: SearchOptions, weights: Weights) -> SearchResult:
    """The ranking from facts already read (pure: the tests call it directly)."""
    thesaurus = Thesaurus(facts.concepts)
    me = facts.organisations[applicant]
    targets = targets_for(facts, applicant)
    own_entity = legal_entity(facts, applicant)
    excluded: Counter = Counter()
    ranked = []
    pool = []
    considered = 0
    for org in facts.organisations.values():
        if org.iri == applicant:
            continue
        if legal_entity(facts, org.iri) == own_entity:
            excluded["same legal entity as the applicant"] += 1
            continue
        if not passes_filters(facts, org, options, thesaurus):
            excluded["filtered out"] += 1
            continue
        considered += 1
        candidate = score_candidate(facts, thesaurus, org, [me], targets, weights, options.since)
        if candidate.problems:
            for problem in candidate.problems:
                excluded["not eligible: " + ("country" if "countr" in problem else "organisation type")] += 1
            if not options.include_ineligible:
                continue
        ranked.append(candidate)
    # ties (common among organisations the graph knows little about) go to the applicant's peers:
    # organisations of the same type (a cluster organisation for a cluster organisation)
    own_types = type_concepts(me, facts.call)
    for candidate in ranked:
        candidate.peer = bool(type_concepts(candidate.organisation, facts.call) & own_types)
    ranked.sort(key=lambda c: (bool(c.problems), -round(c.total, 9), not c.peer, c.organisation.label.lower(), c.iri))
    for position, candidate in enumerate(ranked, start=1):
        candidate.rank = position
        if not candidate.problems:
            pool.append(candidate)
    for candidate in ranked[: options.limit]:
        explain_trust(facts, applicant, candidate)
    applicant_view = score_candidate(facts, thesaurus, me, [], targets, weights, options.since)
    return SearchResult(applicant_view, facts.call, weights, options, ranked[: options.limit], considered,
                        dict(sorted(excluded.items())), thesaurus, facts, pool)
