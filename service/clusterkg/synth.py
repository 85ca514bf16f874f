"""A synthetic graph that looks like the real thing, for benchmarks and scale tests.

``clusterkg synth --scale 1 --seed 7 --output synth.nq`` writes, at scale 1, about 3,000 cluster
organisations and 50,000 other organisations over the real NUTS 2024 level-3 regions (from
:func:`clusterkg.reference.nuts_records`), 40,000 projects of real programme types (Interreg
programmes with their real partner countries, Horizon 2020, COSME, regional ERDF programmes) with
2 to 15 partners each (heavy-tailed: most projects are small, a few large; a few organisations
take part in very many), participations with roles and budgets (Interreg budgets split into ERDF
and national parts), events, cluster partnerships, agreements, action plans with activities,
value chains and S3 strategies with priority areas: over five million quads.

The output conforms to the shapes (``shapes/*.ttl``) once loaded with what every build loads
(vocabularies, NUTS regions, countries), and it is deterministic for a seed. It is written as
N-Quads line by line, in one named graph (``graph/synthetic``): no rdflib, no store.

Every IRI minted here has a ``synth-`` slug and every node names the synthetic source document,
so a synthetic graph can never be taken for real data.
"""

from __future__ import annotations

import bisect
import itertools
import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, TextIO

import typer

from .iris import BASE, COUNTRY, NUTS, VOC

GRAPH = f"<{BASE}graph/synthetic>"
SOURCE = f"<{BASE}source/synthetic-clusterkg>"

RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
CKG = BASE + "ontology#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
XSD = "http://www.w3.org/2001/XMLSchema#"
ORG = "http://www.w3.org/ns/org#"
PROV = "http://www.w3.org/ns/prov#"
DCT = "http://purl.org/dc/terms/"
SCHEMA = "http://schema.org/"


def _p(namespace: str, local: str) -> str:
    return f"<{namespace}{local}>"


A = RDF_TYPE
PREF_LABEL, IN_SCHEME, BROADER, NOTATION = (_p(SKOS, n) for n in ("prefLabel", "inScheme", "broader", "notation"))
SOURCE_P = _p(DCT, "source")
(P_ORGTYPE, P_LOCATED, P_COUNTRY, P_VALUECHAIN, P_ALIGNED, P_HASLABEL, P_PROGRAMME, P_PARENT, P_PERIOD, P_FUND,
 P_START, P_END, P_TOTALCOST, P_HASPART, P_PARTICIPANT, P_ROLE, P_BUDGET, P_PART, P_SHARE, P_ACRONYM,
 P_RESPONSIBLE, P_PARTNER, P_ORGANISER, P_LOCATION, P_PROJECT, P_PARTICIPANTCOUNT, P_SIGNINGDATE,
 P_PARTYCOUNTRY, P_STRATEGYOF, P_PRIORITYAREA, P_HASACTIVITY, P_IDEA, P_RESULT, P_FUNDEDBY, P_DURATION,
 P_ANNUALBUDGET) = (_p(CKG, n) for n in (
    "organisationType", "locatedIn", "country", "valueChain", "alignedWith", "hasLabel", "programme",
    "parentProgramme", "period", "fund", "startDate", "endDate", "totalCost", "hasParticipation", "participant",
    "role", "budget", "part", "share", "acronym", "responsible", "partner", "organiser", "location", "project",
    "participantCount", "signingDate", "partyCountry", "strategyOf", "priorityArea", "hasActivity", "idea",
    "result", "fundedBy", "durationMonths", "annualBudget"))
P_HASMEMBER = _p(ORG, "hasMember")
P_ATTRIBUTED = _p(PROV, "wasAttributedTo")
P_VALUE, P_CURRENCY = _p(SCHEMA, "value"), _p(SCHEMA, "currency")

ORG_CLASSES = {
    # type slug: (class IRI, share of the other organisations, activity factor)
    "sme": (_p(CKG, "SME"), 0.42, 0.5),
    "enterprise": (_p(CKG, "Enterprise"), 0.10, 0.7),
    "university": (_p(CKG, "University"), 0.08, 4.0),
    "research": (_p(CKG, "ResearchOrganisation"), 0.10, 3.0),
    "public-body": (_p(CKG, "PublicBody"), 0.13, 1.5),
    "regional-agency": (_p(CKG, "RegionalAgency"), 0.04, 2.5),
    "business-support": (_p(CKG, "BusinessSupportOrganisation"), 0.08, 2.5),
    "technology-park": (_p(CKG, "TechnologyPark"), 0.03, 2.0),
    "other": (_p(ORG, "FormalOrganization"), 0.02, 0.5),
}
CLUSTER_CLASS = _p(CKG, "ClusterOrganisation")

VALUE_CHAINS = (
    ("agrifood", "agri-food"), ("automotive", "automotive"), ("aerospace", "aerospace and defence"),
    ("health", "health and life sciences"), ("digital", "digital industries"), ("energy", "renewable energy"),
    ("environment", "environmental industries"), ("logistics", "mobility and logistics"),
    ("textiles", "textiles and clothing"), ("tourism", "experience industries and tourism"),
    ("construction", "construction"), ("chemicals", "chemicals and materials"), ("blue-growth", "blue growth"),
    ("creative", "creative and cultural industries"), ("manufacturing", "advanced manufacturing"),
    ("electronics", "electronics and photonics"),
)
S3_THEMES = ("smart manufacturing", "sustainable agri-food", "health and well-being", "digital transformation",
             "clean energy", "circular economy", "sustainable tourism", "creative industries", "blue economy",
             "smart mobility", "advanced materials", "life sciences")

# Programmes: (slug, English name, parent slug, NUTS countries or None for all, roles, fund, cost scale in EUR)
INTERREG = "interreg"
PROGRAMMES = (
    ("interreg-europe", "Interreg Europe", INTERREG, None, "interreg", "erdf", 1_600_000),
    ("interreg-med", "Interreg MED", INTERREG, "IT ES FR EL PT HR SI CY MT AL ME BA", "interreg", "erdf", 2_000_000),
    ("interreg-alpine-space", "Interreg Alpine Space", INTERREG, "AT DE FR IT SI CH LI", "interreg", "erdf", 2_300_000),
    ("interreg-central-europe", "Interreg Central Europe", INTERREG, "AT CZ DE HR HU IT PL SK SI", "interreg", "erdf", 2_100_000),
    ("interreg-north-sea", "Interreg North Sea Region", INTERREG, "BE DK DE NL NO SE UK", "interreg", "erdf", 3_500_000),
    ("interreg-baltic-sea", "Interreg Baltic Sea Region", INTERREG, "DK EE FI DE LV LT PL SE NO", "interreg", "erdf", 2_800_000),
    ("interreg-danube", "Interreg Danube", INTERREG, "AT BG HR CZ DE HU RO SK SI RS BA ME MD UA", "interreg", "erdf", 1_900_000),
    ("interreg-atlantic-area", "Interreg Atlantic Area", INTERREG, "FR IE PT ES UK", "interreg", "erdf", 2_000_000),
    ("interreg-adrion", "Interreg ADRION", INTERREG, "HR EL IT SI AL BA ME RS", "interreg", "erdf", 1_300_000),
    ("interreg-italy-france-alcotra", "Interreg Italy-France ALCOTRA", INTERREG, "IT FR", "interreg", "erdf", 1_200_000),
    ("interreg-spain-portugal-poctep", "Interreg Spain-Portugal POCTEP", INTERREG, "ES PT", "interreg", "erdf", 1_400_000),
    ("horizon-2020", "Horizon 2020", None, None, "horizon", "h2020", 3_200_000),
    ("cosme", "COSME", None, None, "horizon", "cosme", 450_000),
)
PROGRAMME_SHARES = (0.12, 0.10, 0.05, 0.08, 0.06, 0.06, 0.07, 0.05, 0.04, 0.04, 0.04, 0.16, 0.05)  # + regional ERDF: 0.08
REGIONAL_SHARE = 0.08

LEGAL_FORMS = {"DE": "GmbH", "AT": "GmbH", "CH": "AG", "IT": "S.r.l.", "FR": "SAS", "ES": "S.L.", "PT": "Lda.",
               "NL": "B.V.", "BE": "BV", "FI": "Oy", "SE": "AB", "DK": "A/S", "NO": "AS", "PL": "Sp. z o.o.",
               "CZ": "s.r.o.", "SK": "s.r.o.", "HU": "Kft.", "RO": "S.R.L.", "BG": "EOOD", "EL": "I.K.E.",
               "SI": "d.o.o.", "HR": "d.o.o.", "IE": "Ltd", "UK": "Ltd", "EE": "OÜ", "LV": "SIA", "LT": "UAB"}
SYLLABLES = ("ar", "bel", "cor", "dan", "el", "fer", "gal", "hel", "in", "kor", "lum", "mar", "nor", "ol", "pra",
             "quan", "ros", "sol", "tec", "ur", "val", "ver", "wen", "xan", "zen", "tri", "nova", "lux", "via", "terra")
BUSINESS_WORDS = ("Solutions", "Systems", "Technologies", "Engineering", "Labs", "Industries", "Components",
                  "Dynamics", "Digital", "Consulting", "Materials", "Robotics", "Foods", "Energy", "Design")
PROJECT_WORDS = ("clusters", "innovation", "value chains", "SMEs", "smart specialisation", "internationalisation",
                 "green transition", "digitalisation", "skills", "open innovation", "circular models", "start-ups")
ROLE = {r: _p(str(VOC), f"role-{r}") for r in ("lead-partner", "partner", "associated-partner", "coordinator",
                                               "participant", "signatory")}
FUND = {f: _p(str(VOC), f"fund-{f}") for f in ("erdf", "national", "h2020", "cosme")}
CLUSTER_LABELS = [_p(str(VOC), f"label-{x}") for x in ("gold", "silver", "bronze")]


def literal(text: str, lang: str | None = "en") -> str:
    """An N-Quads literal: escaped, language-tagged (or a plain string if ``lang`` is None)."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    return f'"{escaped}"@{lang}' if lang else f'"{escaped}"'


def typed(value: str, datatype: str) -> str:
    return f'"{value}"^^<{XSD}{datatype}>'


def decimal(cents: int) -> str:
    return typed(f"{cents // 100}.{cents % 100:02d}", "decimal")


def iri(kind: str, local: str) -> str:
    return f"<{BASE}id/{kind}/synth-{local}>"


@dataclass
class Region:
    code: str
    label: str
    country: str  # NUTS country code
    nuts2: str
    iri: str = ""
    country_iri: str = ""


@dataclass
class Organisation:
    iri: str
    name: str
    kind: str  # cluster or a key of ORG_CLASSES
    region: Region
    weight: float
    chains: list[int] = field(default_factory=list)


@dataclass
class Plan:
    """How much of each thing to make: scale 1 is the size of the real thing."""

    clusters: int
    others: int
    projects: int
    events: int
    partnerships: int
    agreements: int

    @classmethod
    def at(cls, scale: float) -> "Plan":
        if scale <= 0:
            raise ValueError("scale must be above 0")
        n = lambda base, least: max(least, round(base * scale))  # noqa: E731
        return cls(n(3_000, 6), n(50_000, 60), n(40_000, 40), n(6_000, 6), n(1_500, 3), n(1_000, 3))


class Writer:
    """Counts and writes quads of the synthetic graph."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.count = 0
        self._buffer: list[str] = []

    def quad(self, s: str, p: str, o: str) -> None:
        self._buffer.append(f"{s} {p} {o} {GRAPH} .\n")
        if len(self._buffer) >= 20_000:
            self.flush()

    def node(self, s: str, cls: str, label: str) -> None:
        """A typed, labelled node with its source: what every shape asks of a described node."""
        self.quad(s, A, cls)
        self.quad(s, PREF_LABEL, literal(label))
        self.quad(s, SOURCE_P, SOURCE)

    def flush(self) -> None:
        self.count += len(self._buffer)
        self.out.write("".join(self._buffer))
        self._buffer.clear()


class Sampler:
    """Draws organisations in proportion to their weight, overall or within a set of countries."""

    def __init__(self, organisations: list[Organisation]) -> None:
        self.by_country: dict[str, list[Organisation]] = defaultdict(list)
        for org in organisations:
            self.by_country[org.region.country].append(org)
        self.cumulative = {c: list(itertools.accumulate(o.weight for o in orgs)) for c, orgs in self.by_country.items()}
        self.totals = {c: cum[-1] for c, cum in self.cumulative.items()}

    def countries(self, allowed: set[str] | None) -> tuple[list[str], list[float]]:
        names = sorted(c for c in self.by_country if allowed is None or c in allowed)
        return names, list(itertools.accumulate(self.totals[c] for c in names))

    def draw(self, rng: random.Random, countries: tuple[list[str], list[float]], k: int,
             accept: Callable[[Organisation], bool] = lambda o: True) -> list[Organisation]:
        names, cumulative = countries
        chosen: dict[str, Organisation] = {}
        attempts = 0
        while len(chosen) < k and attempts < k * 20:
            attempts += 1
            country = names[bisect.bisect_left(cumulative, rng.random() * cumulative[-1])]
            orgs, cum = self.by_country[country], self.cumulative[country]
            org = orgs[min(len(orgs) - 1, bisect.bisect_left(cum, rng.random() * cum[-1]))]
            if org.iri not in chosen and accept(org):
                chosen[org.iri] = org
        return list(chosen.values())


def _regions() -> list[Region]:
    from .reference import countries, iso3, nuts_records

    known = set(countries())
    records = [r for r in nuts_records() if r.country in known]
    nuts2 = {r.code for r in records if r.level == 2}
    regions = []
    for record in records:
        if record.level != 3:
            continue
        parent = record.code[:-1]
        if parent not in nuts2:  # NUTS breaks the code rule in places (UKN0 holds UKN06...): the one of its NUTS 1
            parent = next(iter(sorted(c for c in nuts2 if c.startswith(record.code[:-2]))))
        region = Region(record.code, record.label.split("/")[0].strip(), record.country, parent)
        region.iri = f"<{NUTS}{record.code}>"
        region.country_iri = f"<{COUNTRY}{iso3(record.country)}>"
        regions.append(region)
    return regions


def _partner_count(rng: random.Random) -> int:
    """2 to 15, heavy-tailed: P(k) ~ k^-1.6 (mean about 5)."""
    weights = _PARTNER_WEIGHTS
    return 2 + bisect.bisect_left(weights, rng.random() * weights[-1])


_PARTNER_WEIGHTS = list(itertools.accumulate(k ** -1.6 for k in range(2, 16)))


def _name(rng: random.Random, syllables: int = 2) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(syllables)).capitalize()


def _acronym(rng: random.Random) -> str:
    return (_name(rng, 2) + rng.choice(("", "4", "UP", "NET", "+", "2"))).upper()


def _date(day: int) -> str:
    """Days from 2014-01-01 as an ISO date (months of 28 days are fine: only the order matters)."""
    year, rest = divmod(day, 336)
    month, dom = divmod(rest, 28)
    return f"{2014 + year:04d}-{month + 1:02d}-{dom + 1:02d}"


def generate(out: TextIO, scale: float = 1.0, seed: int = 1) -> int:
    """Write the synthetic graph to ``out`` as N-Quads; returns the number of quads."""
    rng = random.Random(seed)
    plan = Plan.at(scale)
    w = Writer(out)

    # ---------------------------------------------------------------- source, vocabularies
    w.quad(SOURCE, A, _p(CKG, "SourceDocument"))
    w.quad(SOURCE, _p(DCT, "title"), literal("clusterkg synthetic graph"))
    w.quad(SOURCE, PREF_LABEL, literal(f"clusterkg synthetic graph (scale {scale:g}, seed {seed})"))
    w.quad(SOURCE, _p(DCT, "date"), typed("2026-11-22", "date"))
    w.quad(SOURCE, _p(DCT, "publisher"), literal("clusterkg project", None))
    w.quad(SOURCE, _p(DCT, "language"), literal("en", None))
    w.quad(SOURCE, _p(DCT, "identifier"), literal(f"synth-scale-{scale:g}-seed-{seed}", None))
    w.quad(SOURCE, _p("http://www.w3.org/2000/01/rdf-schema#", "comment"),
           literal("Made up by 'clusterkg synth' for benchmarks and scale tests: no fact in it is real."))
    w.quad(SOURCE, SOURCE_P, SOURCE)

    value_chain_scheme = f"<{VOC}value-chains>"
    chains = []
    for slug, label in VALUE_CHAINS:
        chain = f"<{VOC}vc-synth-{slug}>"
        w.node(chain, _p(CKG, "ValueChain"), label)
        w.quad(chain, A, _p(SKOS, "Concept"))
        w.quad(chain, IN_SCHEME, value_chain_scheme)
        chains.append(chain)
    priority_scheme = f"<{VOC}s3-priority-areas>"
    w.quad(priority_scheme, A, _p(SKOS, "ConceptScheme"))
    w.quad(priority_scheme, PREF_LABEL, literal("S3 priority areas"))
    w.quad(priority_scheme, SOURCE_P, SOURCE)

    # ---------------------------------------------------------------- regions and S3 strategies
    regions = _regions()
    by_nuts2: dict[str, list[Region]] = defaultdict(list)
    for region in regions:
        by_nuts2[region.nuts2].append(region)
    priorities: dict[str, list[tuple[str, list[int]]]] = {}
    for index, code in enumerate(sorted(by_nuts2)):
        first = by_nuts2[code][0]
        strategy = iri("strategy", f"{index:04d}-{code.lower()}")
        w.node(strategy, _p(CKG, "S3Strategy"), f"Smart specialisation strategy of {code}")
        w.quad(strategy, P_STRATEGYOF, f"<{NUTS}{code}>")
        areas = []
        for theme in rng.sample(S3_THEMES, rng.randint(3, 6)):
            area = iri("priority", f"{index:04d}-{code.lower()}-{theme.replace(' ', '-')}")
            w.node(area, _p(CKG, "S3PriorityArea"), f"{theme.capitalize()} ({code}, {first.label})")
            w.quad(area, A, _p(SKOS, "Concept"))
            w.quad(area, IN_SCHEME, priority_scheme)
            covered = rng.sample(range(len(chains)), rng.randint(1, 2))
            for c in covered:
                w.quad(area, P_VALUECHAIN, chains[c])
            w.quad(strategy, P_PRIORITYAREA, area)
            areas.append((area, covered))
        priorities[code] = areas

    # ---------------------------------------------------------------- organisations
    organisations: list[Organisation] = []
    clusters: list[Organisation] = []
    kinds = list(ORG_CLASSES)
    kind_cumulative = list(itertools.accumulate(ORG_CLASSES[k][1] for k in kinds))
    for number in range(plan.clusters + plan.others):
        region = regions[rng.randrange(len(regions))]
        if number < plan.clusters:
            kind = "cluster"
            chosen_chains = rng.sample(range(len(chains)), rng.choice((1, 1, 2, 3)))
            name = f"{VALUE_CHAINS[chosen_chains[0]][1].capitalize()} Cluster {region.label}"
            weight = rng.paretovariate(1.4) * 3.0
        else:
            kind = kinds[bisect.bisect_left(kind_cumulative, rng.random() * kind_cumulative[-1])]
            chosen_chains = rng.sample(range(len(chains)), 1) if rng.random() < 0.6 else []
            name = _org_name(rng, kind, region, chosen_chains)
            weight = rng.paretovariate(1.6) * ORG_CLASSES[kind][2]
        org = Organisation(iri("organisation", f"{number:06d}"), name, kind, region, weight, chosen_chains)
        cls = CLUSTER_CLASS if kind == "cluster" else ORG_CLASSES[kind][0]
        w.node(org.iri, cls, name)
        w.quad(org.iri, P_ORGTYPE, f"<{VOC}orgtype-{kind}>")
        w.quad(org.iri, P_LOCATED, region.iri)
        w.quad(org.iri, P_COUNTRY, region.country_iri)
        for c in chosen_chains:
            w.quad(org.iri, P_VALUECHAIN, chains[c])
        if kind == "cluster":
            clusters.append(org)
            if rng.random() < 0.25:
                w.quad(org.iri, P_HASLABEL, rng.choice(CLUSTER_LABELS))
            areas = priorities.get(region.nuts2, [])
            fitting = [a for a, covered in areas if set(covered) & set(chosen_chains)] or [a for a, _ in areas[:1]]
            for area in fitting[:2]:
                w.quad(org.iri, P_ALIGNED, area)
            if rng.random() < 0.5:
                amount = iri("amount", f"{number:06d}-annual-budget")
                w.node(amount, _p(CKG, "FundingAmount"), f"{name} annual budget")
                w.quad(amount, P_VALUE, decimal(rng.randrange(50_000, 2_000_000) * 100))
                w.quad(amount, P_CURRENCY, literal("EUR", None))
                w.quad(org.iri, P_ANNUALBUDGET, amount)
        organisations.append(org)
    sampler = Sampler(organisations)
    everywhere = sampler.countries(None)

    # ---------------------------------------------------------------- programmes
    programme_iris = {}
    parent = iri("programme", "interreg")
    w.node(parent, _p(CKG, "Programme"), "Interreg")
    w.quad(parent, P_FUND, FUND["erdf"])
    for slug, name, parent_slug, countries_text, _, fund, _ in PROGRAMMES:
        programme = iri("programme", slug)
        w.node(programme, _p(CKG, "Programme"), name)
        w.quad(programme, P_PERIOD, literal("2014-2020", None))
        w.quad(programme, P_FUND, FUND[fund])
        if parent_slug:
            w.quad(programme, P_PARENT, parent)
        programme_iris[slug] = programme
    regional_programmes: dict[str, str] = {}

    # ---------------------------------------------------------------- projects and participations
    shares = list(itertools.accumulate(PROGRAMME_SHARES + (REGIONAL_SHARE,)))
    projects_of: dict[str, list[str]] = defaultdict(list)
    project_iris = []
    country_sets = {slug: sampler.countries(set(c.split()) if c else None) for slug, _, _, c, *_ in PROGRAMMES}
    for number in range(plan.projects):
        pick = bisect.bisect_left(shares, rng.random() * shares[-1])
        project = iri("project", f"{number:06d}")
        acronym = _acronym(rng)
        title = f"{acronym}: {rng.choice(PROJECT_WORDS).capitalize()} for {rng.choice(PROJECT_WORDS)} in {rng.choice(VALUE_CHAINS)[1]}"
        k = _partner_count(rng)
        if pick < len(PROGRAMMES):
            slug, _, _, _, roles, fund, cost = PROGRAMMES[pick]
            programme = programme_iris[slug]
            partners = sampler.draw(rng, country_sets[slug], k)
        else:
            anchor = organisations[rng.randrange(len(organisations))]
            code = anchor.region.nuts2
            if code not in regional_programmes:
                regional = iri("programme", f"erdf-rop-{code.lower()}")
                w.node(regional, _p(CKG, "Programme"), f"ERDF Regional Operational Programme {code} 2014-2020")
                w.quad(regional, P_PERIOD, literal("2014-2020", None))
                w.quad(regional, P_FUND, FUND["erdf"])
                regional_programmes[code] = regional
            programme, roles, fund, cost = regional_programmes[code], "interreg", "erdf", 400_000
            local = [o for r in by_nuts2[code] for o in sampler.by_country[r.country] if o.region.nuts2 == code][:400]
            partners = [anchor] + rng.sample(local, min(len(local), min(k, 5) - 1)) if local else [anchor]
            partners = list({o.iri: o for o in partners}.values())
        if not partners:
            continue
        project_iris.append(project)
        w.node(project, _p(CKG, "Project"), title)
        w.quad(project, P_ACRONYM, literal(acronym, None))
        w.quad(project, P_PROGRAMME, programme)
        start = rng.randrange(336, 336 * 6)
        months = rng.choice((18, 24, 30, 36, 36, 42, 48))
        w.quad(project, P_START, typed(_date(start), "date"))
        w.quad(project, P_END, typed(_date(start + months * 28 - 1), "date"))
        w.quad(project, P_DURATION, typed(str(months), "integer"))
        chain = rng.choice([c for p in partners for c in p.chains] or [rng.randrange(len(chains))])
        w.quad(project, P_VALUECHAIN, chains[chain])
        total = int(cost * rng.lognormvariate(0, 0.45) * 100)
        total_amount = iri("amount", f"{number:06d}-total-cost")
        w.node(total_amount, _p(CKG, "FundingAmount"), f"{acronym} total cost")
        w.quad(total_amount, P_VALUE, decimal(total))
        w.quad(total_amount, P_CURRENCY, literal("EUR", None))
        w.quad(project, P_TOTALCOST, total_amount)
        _participations(w, rng, project, number, acronym, partners, roles, fund, total)
        for p in partners:
            projects_of[p.iri].append(project)

    # ---------------------------------------------------------------- cluster partnerships
    partnerships = []
    cluster_sampler = Sampler(clusters)
    cluster_countries = cluster_sampler.countries(None)
    for number in range(plan.partnerships):
        members = cluster_sampler.draw(rng, cluster_countries, rng.randint(3, 10))
        partnership = iri("partnership", f"{number:05d}")
        w.node(partnership, _p(CKG, "Partnership"), f"{_acronym(rng)} European Strategic Cluster Partnership")
        for member in members:
            w.quad(partnership, P_HASMEMBER, member.iri)
        partnerships.append(partnership)

    # ---------------------------------------------------------------- events
    event_classes = [_p(CKG, c) for c in ("Conference", "Workshop", "MatchmakingEvent", "Fair")]
    for number in range(plan.events):
        organisers = sampler.draw(rng, everywhere, 1, accept=lambda o: o.kind in ("cluster", "business-support", "public-body", "regional-agency"))
        if not organisers:
            continue
        home = organisers[0].region
        event = iri("event", f"{number:05d}")
        w.node(event, rng.choice(event_classes), f"{_name(rng)} {rng.choice(('Cluster Days', 'Matchmaking', 'Innovation Forum', 'Summit', 'Expo'))} {2015 + number % 6}")
        for organiser in organisers:
            w.quad(event, P_ORGANISER, organiser.iri)
        local = sampler.countries({home.country})
        for partner in sampler.draw(rng, local if rng.random() < 0.7 else everywhere, rng.randint(2, 20)):
            if partner.iri != organisers[0].iri:
                w.quad(event, P_PARTNER, partner.iri)
        if partnerships and rng.random() < 0.05:
            w.quad(event, P_PARTNER, rng.choice(partnerships))
        day = rng.randrange(336, 336 * 7)
        w.quad(event, P_START, typed(_date(day), "date"))
        w.quad(event, P_END, typed(_date(day + rng.randint(0, 2)), "date"))
        w.quad(event, P_LOCATION, f"<{NUTS}{home.nuts2}>")
        w.quad(event, P_COUNTRY, home.country_iri)
        w.quad(event, P_PARTICIPANTCOUNT, typed(str(rng.randint(20, 800)), "integer"))
        if project_iris and rng.random() < 0.3:
            w.quad(event, P_PROJECT, rng.choice(project_iris))

    # ---------------------------------------------------------------- agreements
    for number in range(plan.agreements):
        parties = sampler.draw(rng, everywhere, rng.randint(2, 6), accept=lambda o: o.kind in ("cluster", "public-body", "university"))
        if len(parties) < 2:
            continue
        agreement = iri("agreement", f"{number:05d}")
        w.node(agreement, _p(CKG, "Agreement"), f"Memorandum of understanding {_acronym(rng)}")
        w.quad(agreement, P_SIGNINGDATE, typed(_date(rng.randrange(0, 336 * 8)), "date"))
        for party in parties:
            participation = iri("participation", f"agreement-{number:05d}--{party.iri[-7:-1]}")
            w.node(participation, _p(CKG, "Participation"), f"{party.name} signs agreement {number}")
            w.quad(participation, P_PARTICIPANT, party.iri)
            w.quad(participation, P_ROLE, ROLE["signatory"])
            w.quad(agreement, P_HASPART, participation)
        for country in sorted({p.region.country_iri for p in parties}):
            w.quad(agreement, P_PARTYCOUNTRY, country)

    # ---------------------------------------------------------------- action plans and activities
    for number, cluster in enumerate(clusters):
        plan_iri = iri("plan", f"{number:05d}")
        idea = f"{rng.choice(('Growing', 'Connecting', 'Greening', 'Digitalising'))} the {cluster.name}"
        w.node(plan_iri, _p(CKG, "ActionPlan"), idea)
        w.quad(plan_iri, P_IDEA, literal(idea))
        w.quad(plan_iri, P_ATTRIBUTED, cluster.iri)
        areas = priorities.get(cluster.region.nuts2, [])
        if areas:
            w.quad(plan_iri, P_ALIGNED, areas[0][0])
        near = sampler.countries({cluster.region.country})
        for index in range(rng.randint(2, 4)):
            activity = iri("activity", f"{number:05d}-{index}")
            w.node(activity, _p(CKG, "Activity"), f"{rng.choice(('Training', 'Matchmaking', 'Study', 'Pilot', 'Mission'))} {index + 1} of {cluster.name}")
            w.quad(activity, P_RESULT, literal("a result of the synthetic plan"))
            w.quad(activity, P_RESPONSIBLE, cluster.iri)
            for partner in sampler.draw(rng, near, rng.randint(0, 4)):
                if partner.iri != cluster.iri:
                    w.quad(activity, P_PARTNER, partner.iri)
            start = rng.randrange(336 * 4, 336 * 8)
            w.quad(activity, P_START, typed(_date(start)[:7], "gYearMonth"))
            w.quad(activity, P_END, typed(_date(start + rng.randint(3, 24) * 28)[:7], "gYearMonth"))
            if projects_of.get(cluster.iri):
                w.quad(activity, P_FUNDEDBY, rng.choice(projects_of[cluster.iri]))
            w.quad(plan_iri, P_HASACTIVITY, activity)
    w.flush()
    return w.count


def _org_name(rng: random.Random, kind: str, region: Region, chains: list[int]) -> str:
    sector = VALUE_CHAINS[chains[0]][1] if chains else rng.choice(VALUE_CHAINS)[1]
    if kind in ("sme", "enterprise", "other"):
        return f"{_name(rng)} {rng.choice(BUSINESS_WORDS)} {LEGAL_FORMS.get(region.country, 'SA')}"
    if kind == "university":
        return rng.choice((f"University of {region.label}", f"{region.label} University of Applied Sciences",
                           f"{region.label} Technical University")) + f" ({_name(rng, 1)} campus)"
    if kind == "research":
        return f"{_name(rng)} Institute for {sector.capitalize()}"
    if kind == "public-body":
        return rng.choice((f"Municipality of {_name(rng)}", f"{region.label} Regional Authority",
                           f"{region.label} Department of Economic Development")) + f" ({_name(rng, 1)})"
    if kind == "regional-agency":
        return f"{region.label} Innovation Agency ({_name(rng, 1)})"
    if kind == "business-support":
        return rng.choice((f"{region.label} Chamber of Commerce", f"{_name(rng)} Business Network",
                           f"{_name(rng)} Enterprise Europe Desk")) + f" ({_name(rng, 1)})"
    return f"{_name(rng)} Science and Technology Park"


def _participations(w: Writer, rng: random.Random, project: str, number: int, acronym: str,
                    partners: list[Organisation], roles: str, fund: str, total: int) -> None:
    """Participations with roles; budgets for the partners that have one, Interreg ones split by fund."""
    first, other = ("lead-partner", "partner") if roles == "interreg" else ("coordinator", "participant")
    budgeted = []
    for index, partner in enumerate(partners):
        role = first if index == 0 else other
        if roles == "interreg" and index > 0 and rng.random() < 0.15:
            role = "associated-partner"
        participation = iri("participation", f"{number:06d}--{index:02d}")
        w.node(participation, _p(CKG, "Participation"), f"{partner.name} in {acronym}")
        w.quad(participation, P_PARTICIPANT, partner.iri)
        w.quad(participation, P_ROLE, ROLE[role])
        w.quad(project, P_HASPART, participation)
        if role != "associated-partner":
            budgeted.append((participation, partner, 2.0 if index == 0 else rng.uniform(0.5, 1.5)))
    weights = sum(b[2] for b in budgeted) or 1.0
    for index, (participation, partner, share) in enumerate(budgeted):
        cents = max(100, int(total * share / weights))
        amount = iri("amount", f"{number:06d}--{index:02d}-budget")
        w.node(amount, _p(CKG, "FundingAmount"), f"{acronym} budget of {partner.name}")
        w.quad(amount, P_VALUE, decimal(cents))
        w.quad(amount, P_CURRENCY, literal("EUR", None))
        w.quad(participation, P_BUDGET, amount)
        if fund == "erdf":
            rate = rng.choice((85, 85, 85, 75))
            erdf = cents * rate // 100
            for part_fund, part_cents, part_share in (("erdf", erdf, rate), ("national", cents - erdf, 100 - rate)):
                part = iri("amount", f"{number:06d}--{index:02d}-budget-{part_fund}")
                w.node(part, _p(CKG, "FundingAmount"), f"{acronym} budget of {partner.name}, {part_fund.upper() if part_fund == 'erdf' else part_fund} part")
                w.quad(part, P_VALUE, decimal(part_cents))
                w.quad(part, P_CURRENCY, literal("EUR", None))
                w.quad(part, P_FUND, FUND[part_fund])
                w.quad(part, P_SHARE, typed(f"0.{part_share:02d}", "decimal"))
                w.quad(amount, P_PART, part)
        else:
            w.quad(amount, P_FUND, FUND[fund])


def write(path: Path, scale: float = 1.0, seed: int = 1) -> int:
    """Write the synthetic graph to ``path`` (N-Quads); returns the number of quads."""
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        return generate(out, scale, seed)


def synth_command(
    scale: Annotated[float, typer.Option("--scale", min=0.0001, help="1 is the size of the real thing (5M+ quads).")] = 1.0,
    seed: Annotated[int, typer.Option("--seed", help="Same seed, same graph.")] = 1,
    output: Annotated[Path, typer.Option("--output", "-o", help="The N-Quads file to write.")] = Path("synth.nq"),
) -> None:
    """Write a synthetic graph that conforms to the shapes, for benchmarks and scale tests (N-Quads)."""
    import time

    started = time.perf_counter()
    count = write(output, scale, seed)
    typer.echo(f"wrote {output}: {count:,} quads in {time.perf_counter() - started:.1f} s "
               f"(scale {scale:g}, seed {seed}; load it with the vocabularies, NUTS and countries)", err=True)


__all__ = ["Plan", "generate", "synth_command", "write"]
