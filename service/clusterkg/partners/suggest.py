"""Suggested consortia: complete consortia that pass every rule of the call the graph can check.

From the ranked candidates of :mod:`.search`, a beam search builds consortia of the requested
size around the applicant (the coordinator), keeping only those that can meet the call's
consortium-level rules (legal entities, countries, a member in a region of the required
category) and, as a preference that is dropped when it cannot be met, members from as many
different countries as asked (``min_countries``; by default the call's own minimum, else one
country per member: a European partnership). A consortium scores 0.8 x the mean score of its
partners plus 0.2 x its share of distinct countries.

The best ones are then checked with the call's SHACL shapes, all in one validation
(:func:`.consortium.check`): only consortia the shapes pass are suggested, each with its rule
report. When no consortium can pass, the answer names the rule that cannot be met and the kind
of partner that would fix it.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

from rdflib import URIRef

from .consortium import ConsortiumReport, Link, Member, Proposal, _View, check, role_iri
from .reader import Reader
from .search import Candidate, Facts, SearchOptions, SearchResult, Weights, explain_trust, legal_entity, load_facts, rank

log = logging.getLogger(__name__)

MAX_SIZE = 10
MAX_SUGGESTIONS = 20
POOL_SIZE = 30
BEAM_WIDTH = 300
SHORTLIST_FACTOR = 4


class BadSuggestRequest(Exception):
    pass


@dataclass
class Blocker:
    """A rule no consortium in the graph can meet, and the partner that would fix it."""

    rule: str | None
    label: str
    reason: str
    fix: str

    def as_json(self) -> dict:
        out = {"rule": self.rule, "label": self.label, "reason": self.reason, "fix": self.fix}
        link = Link(self.rule, self.label) if self.rule else None
        if link and link.href:
            out["href"] = link.href
        return out


@dataclass
class Suggestion:
    """One consortium: its members (the applicant first), score, explanation and rule report."""

    members: list[Candidate]
    score: float
    explanation: list[str]
    report: ConsortiumReport

    def proposal_json(self) -> dict:
        return {"call": self.report.call.iri,
                "members": [{"organisation": m.iri, "role": "coordinator" if i == 0 else "participant"}
                            for i, m in enumerate(self.members)]}

    def as_json(self, search: SearchResult) -> dict:
        return {
            "score": round(self.score, 4),
            "explanation": self.explanation,
            "members": [{**m.as_json(search.thesaurus), "role": "coordinator" if i == 0 else "participant"}
                        for i, m in enumerate(self.members)],
            "proposal": self.proposal_json(),
            "report": self.report.as_json(),
        }


@dataclass
class SuggestResult:
    search: SearchResult
    size: int
    n: int
    min_countries: int
    notes: list[str]
    suggestions: list[Suggestion] = field(default_factory=list)
    blockers: list[Blocker] = field(default_factory=list)

    def as_json(self) -> dict:
        search = self.search.as_json()
        return {
            "applicant": search["applicant"],
            "call": search["call"],
            "weights": search["weights"],
            "options": search["options"],
            "size": self.size,
            "n": self.n,
            "min_countries": self.min_countries,
            "scoring": {"consortium": "0.8 x mean partner score + 0.2 x distinct countries / size; "
                                      "only consortia that pass every checked rule of the call (SHACL) are listed",
                        **search["scoring"]},
            "notes": self.notes,
            "found": len(self.suggestions),
            "suggestions": [s.as_json(self.search) for s in self.suggestions],
            "blockers": [b.as_json() for b in self.blockers],
        }


# ---------------------------------------------------------------- what a consortium needs


@dataclass
class Needs:
    """The consortium-level demands of the call (rules) and of the request (preference)."""

    min_entities: int
    min_countries: int  # the call's rule
    wanted_countries: int  # the request's preference (>= the rule)
    categories: set[str] | None  # accepted region categories, None: no such rule


def _country(facts: Facts, candidate: Candidate) -> str | None:
    country = facts.country_of(candidate.organisation)
    return country.iri if country is not None and country.eligible else None


def _in_category(facts: Facts, candidate: Candidate, categories: set[str] | None) -> bool:
    region = facts.region_of(candidate.organisation)
    return categories is not None and region is not None and region.category in categories


def _meets(facts: Facts, members: list[Candidate], needs: Needs, countries_wanted: int) -> bool:
    entities = {legal_entity(facts, m.iri) for m in members}
    countries = {c for c in (_country(facts, m) for m in members) if c}
    if len(entities) < needs.min_entities or len(countries) < max(needs.min_countries, countries_wanted):
        return False
    return needs.categories is None or any(_in_category(facts, m, needs.categories) for m in members)


def _can_still_meet(facts: Facts, members: list[Candidate], needs: Needs, countries_wanted: int, slots: int) -> bool:
    countries = {c for c in (_country(facts, m) for m in members) if c}
    if max(needs.min_countries, countries_wanted) - len(countries) > slots:
        return False
    entities = {legal_entity(facts, m.iri) for m in members}
    if needs.min_entities - len(entities) > slots:
        return False
    if needs.categories is not None and slots == 0 and not any(_in_category(facts, m, needs.categories) for m in members):
        return False
    return True


def consortium_score(facts: Facts, members: list[Candidate]) -> float:
    partners = members[1:]
    mean = sum(p.total for p in partners) / len(partners) if partners else 0.0
    countries = {c for c in (_country(facts, m) for m in members) if c}
    return 0.8 * mean + 0.2 * len(countries) / len(members)


def _pool(search: SearchResult, needs: Needs) -> list[Candidate]:
    """The best candidates, plus the best of each other country and of each accepted region category."""
    facts = search.facts
    pool = list(search.pool[:POOL_SIZE])
    chosen = {c.iri for c in pool}
    applicant_country = _country(facts, search.applicant)
    by_country: dict[str, Candidate] = {}
    in_category: list[Candidate] = []
    for candidate in search.pool:
        country = _country(facts, candidate)
        if country and country != applicant_country and country not in by_country:
            by_country[country] = candidate
        if _in_category(facts, candidate, needs.categories) and len(in_category) < 3:
            in_category.append(candidate)
    for candidate in [*by_country.values(), *in_category]:
        if candidate.iri not in chosen:
            pool.append(candidate)
            chosen.add(candidate.iri)
    return pool


def beam(search: SearchResult, pool: list[Candidate], size: int, needs: Needs, countries_wanted: int,
         keep: int) -> list[list[Candidate]]:
    """Consortia of ``size`` (applicant first) that meet ``needs``, best first, at most ``keep``."""
    facts = search.facts
    applicant = search.applicant
    partials: list[tuple[list[Candidate], int]] = [([applicant], -1)]
    for step in range(size - 1):
        slots_after = size - 2 - step
        extended = []
        for members, last in partials:
            taken = {legal_entity(facts, m.iri) for m in members}
            for index in range(last + 1, len(pool)):
                candidate = pool[index]
                if legal_entity(facts, candidate.iri) in taken:
                    continue
                grown = [*members, candidate]
                if _can_still_meet(facts, grown, needs, countries_wanted, slots_after):
                    extended.append((grown, index))
        extended.sort(key=lambda item: (-round(consortium_score(facts, item[0]), 9), item[1]))
        partials = extended[:BEAM_WIDTH]
    complete = [members for members, _ in partials if _meets(facts, members, needs, countries_wanted)]
    order = {c.iri: i for i, c in enumerate(pool)}  # ties: the ranking's order (peers of the applicant first)
    complete.sort(key=lambda members: (-round(consortium_score(facts, members), 9), sorted(order[m.iri] for m in members[1:])))
    return complete[:keep]


def explain_consortium(facts: Facts, members: list[Candidate], needs: Needs) -> list[str]:
    countries = sorted({facts.country_of(m.organisation).label for m in members if facts.country_of(m.organisation)})
    lines = [f"{len(members)} members from {len(countries)} countr{'y' if len(countries) == 1 else 'ies'}: {', '.join(countries)}"]
    if needs.categories is not None:
        holders = [m for m in members if _in_category(facts, m, needs.categories)]
        for holder in holders[:3]:
            region = facts.region_of(holder.organisation)
            lines.append(f"{holder.organisation.label} is in {region.nuts2_label or region.label} "
                         f"({region.nuts2_code or region.code}), a {region.category_label}")
    partners = members[1:]
    if partners:
        best = max(partners, key=lambda p: p.total)
        lines.append(f"mean partner score {sum(p.total for p in partners) / len(partners):.2f}; "
                     f"best partner {best.organisation.label} ({best.total:.2f})")
    return lines


# ---------------------------------------------------------------- when nothing can pass


def blockers(search: SearchResult, needs: Needs, size: int) -> list[Blocker]:
    """The rules no consortium drawn from the graph can meet, with the partner that would fix each."""
    facts, call = search.facts, search.call
    out: list[Blocker] = []
    everyone = [search.applicant, *search.pool]
    view = _View(call.facts)
    type_names = " or ".join(sorted(view.label(URIRef(c)) for c in (call.accepted_types or []))) or "any type"

    def named(kind: str, fallback: str) -> tuple[str | None, str]:
        check = call.check_of(kind)
        if check is None:
            return None, fallback
        if check.rule and (URIRef(check.rule), None, None) in call.facts:
            return check.rule, view.label(URIRef(check.rule))
        return check.rule, check.label
    if search.applicant.problems:
        for problem in search.applicant.problems:
            out.append(Blocker(*named("country" if "countr" in problem else "organisation-type", "applicant"),
                               f"the applicant itself cannot take part: {problem}",
                               "apply through another organisation of an accepted type and country, and join as its partner"))
    entities = {legal_entity(facts, m.iri) for m in everyone}
    if needs.min_entities and len(entities) < needs.min_entities:
        out.append(Blocker(*named("legal-entities", "legal entities"),
                           f"only {len(entities)} different legal entities can take part (the applicant and "
                           f"{len(entities) - 1} eligible candidates); the call needs {needs.min_entities}",
                           f"{needs.min_entities - len(entities)} more eligible organisations ({type_names}) in the graph"))
    countries = {c for c in (_country(facts, m) for m in everyone) if c}
    if needs.min_countries and len(countries) < needs.min_countries:
        names = ", ".join(sorted(facts.countries[c].label for c in countries)) or "none"
        out.append(Blocker(*named("countries", "countries"),
                           f"the applicant and the eligible candidates are established in {len(countries)} eligible "
                           f"countr{'y' if len(countries) == 1 else 'ies'} only ({names}); the call needs {needs.min_countries}",
                           f"partners ({type_names}) established in {needs.min_countries - len(countries)} more EU Member "
                           f"State(s) or COSME participating countries other than {names}"))
    if needs.categories is not None and not any(_in_category(facts, m, needs.categories) for m in everyone):
        wanted = " or ".join(sorted({r.category_label for r in facts.regions.values() if r.category in needs.categories
                                     and r.category_label} or {"the required category"}))
        examples = sorted({f"{r.label} ({r.code})" for r in facts.regions.values()
                           if r.category in needs.categories and r.iri == r.nuts2 and r.code
                           and (r.country is None or (r.country in facts.countries and facts.countries[r.country].eligible))})[:5]
        where = f", for example in {', '.join(examples)}" if examples else ""
        out.append(Blocker(*named("region-category", "region"),
                           "no eligible organisation in the graph, the applicant included, is located in a region of the "
                           f"category the call requires ({wanted})",
                           f"a partner ({type_names}) located in a {wanted}{where}"))
    if not out and len(search.pool) < size - 1:
        out.append(Blocker(None, "consortium size", f"only {len(search.pool)} eligible candidates for {size - 1} places",
                           f"{size - 1 - len(search.pool)} more eligible organisations ({type_names}) in the graph, or a smaller size"))
    return out


# ---------------------------------------------------------------- the whole


async def suggest(reader: Reader, applicant: str, call: str, size: int = 3, n: int = 3,
                  options: SearchOptions | None = None, weights: Weights | None = None,
                  min_countries: int | None = None) -> SuggestResult:
    """Up to ``n`` consortia of ``size`` members (applicant included) for ``call``, best first."""
    from .consortium import UnknownEntity
    from .search import BadSearch, DEFAULT_WEIGHTS

    if not 1 <= size <= MAX_SIZE:
        raise BadSearch(f"size {size} is out of range", f"give a consortium size from 1 to {MAX_SIZE} (the applicant included)")
    if not 1 <= n <= MAX_SUGGESTIONS:
        raise BadSearch(f"n {n} is out of range", f"ask for 1 to {MAX_SUGGESTIONS} consortia")
    if min_countries is not None and not 1 <= min_countries <= MAX_SIZE:
        raise BadSearch(f"min_countries {min_countries} is out of range", f"give 1 to {MAX_SIZE}")
    options = options or SearchOptions()
    weights = weights or DEFAULT_WEIGHTS
    facts = await load_facts(reader, call, options, applicant)
    if applicant not in facts.organisations:
        raise UnknownEntity(f"no organisation {applicant} in the graph", "check the IRI, or find it at /search")
    search = await asyncio.to_thread(rank, facts, applicant, options, weights)
    context = facts.call
    notes: list[str] = []
    if size < context.min_entities:
        notes.append(f"size raised from {size} to {context.min_entities}: the call needs at least {context.min_entities} legal entities")
        size = context.min_entities
    if size < context.min_countries:
        notes.append(f"size raised from {size} to {context.min_countries}: the call needs members from {context.min_countries} countries")
        size = context.min_countries
    wanted = min_countries if min_countries is not None else (context.min_countries or size)
    if min_countries is None and not context.min_countries:
        notes.append(f"the call states no minimum number of countries in the graph; members are sought from {wanted} "
                     "different countries (a preference, dropped if it cannot be met; set min_countries to change it)")
    needs = Needs(context.min_entities, context.min_countries, max(wanted, context.min_countries), context.accepted_categories)
    result = SuggestResult(search, size, n, needs.wanted_countries, notes)
    if not context.checks:
        result.blockers = [Blocker(None, "no checkable rule",
                                   "the graph holds no eligibility shape for this call, so no consortium can be shown to pass",
                                   "state the call's rules in data/curated/calls.ttl with their source and add their shapes "
                                   "to shapes/calls/")]
        return result
    result.blockers = blockers(search, needs, size)
    if result.blockers:
        return result
    pool = _pool(search, needs)
    shortlist = await asyncio.to_thread(beam, search, pool, size, needs, needs.wanted_countries, n * SHORTLIST_FACTOR)
    if not shortlist and needs.wanted_countries > needs.min_countries:
        for fewer in range(needs.wanted_countries - 1, max(needs.min_countries, 1) - 1, -1):
            shortlist = beam(search, pool, size, needs, fewer, n * SHORTLIST_FACTOR)
            if shortlist:
                notes.append(f"no consortium with members from {needs.wanted_countries} countries: "
                             f"the suggestions come from {fewer}")
                result.min_countries = fewer
                break
    if not shortlist:
        result.blockers = [Blocker(None, "combination", "no combination of the eligible candidates meets all the "
                                   "consortium rules at once within the search's reach",
                                   "widen the filters, or add partners that cover a country and a region category together")]
        return result
    proposals = [Proposal(call, tuple(Member(m.iri, role_iri("coordinator" if i == 0 else "participant"))
                                      for i, m in enumerate(members))) for members in shortlist]
    reports = await check(reader, proposals, require=False)
    for members, report in zip(shortlist, reports):
        if not report.eligible:
            log.warning("the forecast passed a consortium the shapes refuse: %s", [m.iri for m in members])
            continue
        for member in members[1:]:
            explain_trust(facts, applicant, member)
        result.suggestions.append(Suggestion(members, consortium_score(facts, members),
                                             explain_consortium(facts, members, needs), report))
        if len(result.suggestions) == n:
            break
    if not result.suggestions:
        failed = sorted({r.label for report in reports for r in report.failed})
        result.blockers = [Blocker(None, "; ".join(failed), "every candidate consortium fails the call's shapes",
                                   "see the rule reports of POST /api/consortia/check for the candidates")]
    return result
