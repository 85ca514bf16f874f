"""A resolution run: records -> candidate pairs -> scores -> decisions -> canonical organisations.

``clusterkg matches run`` (after imports) calls :func:`run_resolution`:

1. read every organisation record in the store (:mod:`.records`) and the curators' decisions
   (:mod:`.decisions`);
2. score the candidate pairs that blocking lets through (:mod:`.blocking`, :mod:`.score`);
   pairs scoring at least the review threshold are kept, and so is every decided pair;
3. link records into organisations, union-find style: first every pair a curator called the
   same, then accepted pairs from the highest score down. A pair a curator called different is
   never linked, not even through other records: a link that would join them is refused, and
   its match goes to review with the reason among its features. An accepted pair whose records
   are already in one group adds nothing and is only counted (a national body listed in 16
   regions is 15 links, not 120 pairs);
4. write ``graph/resolution``: one ``ckg:ResolvedOrganisation`` per group of two or more
   records (``skos:exactMatch`` to each, a preferred label, the names of all records, the
   country they agree on), and one ``ckg:Match`` per kept pair (records, score, outcome,
   features; the accepted pairs that joined groups, every pair for review, every decided pair),
   after the SHACL gate; the graph and its catalogue entry (matcher version,
   thresholds, counts) replace the old ones in one transaction, and ``graph/decisions`` is
   refreshed from the decisions file.

The canonical node of a group is named after its smallest record IRI
(``id:organisation/resolved--<that record's slug>``): stable while that record stays in the
group. Records keep their own IRIs and statements; queries that want one row per organisation
use ``COALESCE(?resolved, ?record)`` over ``?resolved skos:exactMatch ?record``.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

import pyoxigraph as ox

from .. import __version__
from ..errors import ClusterKGError, StoreMissing, ValidationFailed
from ..iris import CATALOG_GRAPH, CKG, DATASET, GRAPH, ID, STAGING_PREFIX, VOC, VOID
from .blocking import MAX_BLOCK, BlockingReport, candidate_pairs
from .decisions import DECISIONS_FILE, Decision, load_decisions, pair_digest
from .decisions import DOCUMENT as DECISIONS_DOCUMENT
from .records import DECISIONS_GRAPH, RESOLUTION_GRAPH, Record, graph_of, records_from_store
from .score import ACCEPT_THRESHOLD, MATCHER_VERSION, REVIEW_THRESHOLD, Feature, Scored, TokenStats, score_pair


ACCEPTED, REVIEW, SAME, DIFFERENT = (VOC[f"match-{name}"] for name in ("accepted", "review", "same", "different"))
RUN = ox.NamedNode(RESOLUTION_GRAPH + "#run")

_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_RDFS = "http://www.w3.org/2000/01/rdf-schema#"
_SKOS = "http://www.w3.org/2004/02/skos/core#"
_DCT = "http://purl.org/dc/terms/"
_DCAT = "http://www.w3.org/ns/dcat#"
_PROV = "http://www.w3.org/ns/prov#"
_XSD = "http://www.w3.org/2001/XMLSchema#"
_OWL = "http://www.w3.org/2002/07/owl#"
_TYPE = ox.NamedNode(_RDF + "type")
_COUNTRY_BASE = "http://publications.europa.eu/resource/authority/country/"
_NUTS_BASE = "http://data.europa.eu/nuts/code/"


@dataclass
class Link:
    """A kept pair: its score and features, its outcome, and whether it joined two records."""

    scored: Scored
    outcome: str
    decision: Decision | None = None

    @property
    def pair(self) -> tuple[str, str]:
        return self.scored.left, self.scored.right


@dataclass
class Resolution:
    """What :func:`resolve` found."""

    records: list[Record]
    links: list[Link] = field(default_factory=list)
    groups: list[list[str]] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    unknown_decisions: list[Decision] = field(default_factory=list)
    blocking: BlockingReport = field(default_factory=BlockingReport)
    scored: int = 0
    implied: int = 0  # accepted pairs whose records an earlier link had already grouped
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def linked(self) -> set[str]:
        """The records the graph says something about: members of groups and records of kept pairs."""
        return {iri for group in self.groups for iri in group} | {iri for link in self.links for iri in link.pair}

    def count(self, outcome) -> int:
        return sum(1 for link in self.links if link.outcome == str(outcome))


class _Groups:
    """Union-find over record IRIs that refuses to join records a curator kept apart."""

    def __init__(self, apart: dict[str, set[str]]) -> None:
        self.parent: dict[str, str] = {}
        self.members: dict[str, set[str]] = {}
        self.forbidden: dict[str, set[str]] = {}
        self.apart = apart

    def find(self, node: str) -> str:
        if node not in self.parent:
            self.parent[node] = node
            self.members[node] = {node}
            self.forbidden[node] = set(self.apart.get(node, ()))
        root = node
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[node] != root:
            self.parent[node], node = root, self.parent[node]
        return root

    def join(self, a: str, b: str) -> str:
        """Join the groups of ``a`` and ``b``: 'joined', 'already' (one group already), or 'refused'
        (nothing changes: a curator decided that some records of the two groups are different)."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return "already"
        if self.forbidden[ra] & self.members[rb]:
            return "refused"
        if len(self.members[ra]) < len(self.members[rb]):
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.members[ra] |= self.members.pop(rb)
        self.forbidden[ra] |= self.forbidden.pop(rb)
        return "joined"

    def groups(self) -> list[list[str]]:
        roots = {self.find(node) for node in list(self.parent)}
        return sorted((sorted(self.members[r]) for r in roots if len(self.members[r]) > 1), key=lambda g: g[0])


def resolve(records: list[Record], decisions: dict[tuple[str, str], Decision] | None = None,
            accept: float = ACCEPT_THRESHOLD, review: float = REVIEW_THRESHOLD, max_block: int = MAX_BLOCK,
            stats: TokenStats | None = None, progress: Callable[[int, int], None] | None = None) -> Resolution:
    """Score, decide and group ``records``; see the module docstring (steps 2 and 3)."""
    if not 0 <= review <= accept <= 1:
        raise ClusterKGError(f"thresholds must satisfy 0 <= review ({review}) <= accept ({accept}) <= 1",
                             "choose other thresholds")
    decisions = decisions or {}
    result = Resolution(records)
    by_iri = {r.iri: r for r in records}
    stats = stats if stats is not None else TokenStats(records)

    started = time.perf_counter()
    pairs = list(candidate_pairs(records, max_block, result.blocking))
    result.seconds["blocking"] = time.perf_counter() - started
    started = time.perf_counter()
    kept: dict[tuple[str, str], Scored] = {}
    for done, (i, j) in enumerate(pairs, start=1):
        scored = score_pair(records[i], records[j], stats)
        if scored.score >= review:
            kept[(scored.left, scored.right)] = scored
        if progress is not None and done % 20_000 == 0:
            progress(done, len(pairs))
    result.scored = len(pairs)

    apart: dict[str, set[str]] = {}
    for pair, decision in sorted(decisions.items()):
        if pair[0] not in by_iri or pair[1] not in by_iri:
            result.unknown_decisions.append(decision)
            continue
        if pair not in kept:
            kept[pair] = score_pair(by_iri[pair[0]], by_iri[pair[1]], stats)
        if not decision.same:
            apart.setdefault(pair[0], set()).add(pair[1])
            apart.setdefault(pair[1], set()).add(pair[0])
    result.seconds["scoring"] = time.perf_counter() - started

    groups = _Groups(apart)
    links: dict[tuple[str, str], Link] = {}
    for pair, decision in sorted(decisions.items()):
        if pair not in kept:
            continue
        scored = kept[pair]
        verdict = "same" if decision.same else "different"
        scored.features.append(Feature("curator decision", f"{verdict} ({decision.date})", 0.0))
        links[pair] = Link(scored, str(SAME if decision.same else DIFFERENT), decision)
        if decision.same and groups.join(*pair) == "refused":
            result.conflicts.append(f"{pair[0]} and {pair[1]} were decided the same, but other decisions keep "
                                    "their groups apart: the 'same' decision was not applied")
    for pair, scored in sorted(kept.items(), key=lambda item: (-item[1].score, item[0])):
        if pair in links:
            continue
        if scored.score >= accept:
            joined = groups.join(*pair)
            if joined == "joined":
                links[pair] = Link(scored, str(ACCEPTED))
            elif joined == "already":  # implied by the links that made the group: counted, not stored
                result.implied += 1
            else:
                scored.features.append(Feature("kept apart", "a curator decided these groups are different", 0.0))
                links[pair] = Link(scored, str(REVIEW))
        else:
            links[pair] = Link(scored, str(REVIEW))
    result.links = sorted(links.values(), key=lambda link: link.pair)
    result.groups = groups.groups()
    return result


# ---------------------------------------------------------------- RDF

def _n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


def _decimal(value: float, places: int = 4) -> ox.Literal:
    text = str(Decimal(str(round(value, places))).normalize())
    if "E" in text or "e" in text:
        text = f"{value:.{places}f}"
    if "." not in text:
        text += ".0"
    return ox.Literal(text, datatype=_n(_XSD + "decimal"))


def resolved_iri(group: list[str]) -> str:
    """The canonical IRI of a group: ``id:organisation/resolved--`` + its smallest record's slug."""
    anchor = min(group)
    prefix = str(ID["organisation/"])
    tail = anchor[len(prefix):] if anchor.startswith(prefix) else "record-" + pair_digest(anchor, anchor)
    return str(ID[f"organisation/resolved--{tail}"])


def preferred_name(records: list[Record]) -> tuple[str, str]:
    """The name most records share (English or untagged first), as (text, language)."""
    from .normalise import fold

    counts: Counter = Counter()
    examples: dict[tuple, tuple[str, str]] = {}
    for record in records:
        for key in {tuple(fold(name.text)) for name in record.names if name.kind != "acronym"}:
            counts[key] += 1
        for name in record.names:
            key = tuple(fold(name.text))
            current = examples.get(key)
            candidate = (name.text, name.language)
            if current is None or _name_rank(candidate) < _name_rank(current):
                examples[key] = candidate
    best = min(counts, key=lambda key: (-counts[key], _name_rank(examples[key])))
    return examples[best]


def _name_rank(name: tuple[str, str]) -> tuple:
    text, language = name
    letters = [c for c in text if c.isalpha()]
    shouting = sum(c.isupper() for c in letters) > len(letters) / 2 if letters else False
    return (language not in ("en", ""), shouting, any(ord(c) > 0x3FF for c in text), len(text), text)


def resolution_triples(result: Resolution) -> list[ox.Triple]:
    """The triples of ``graph/resolution`` for ``result``; see the module docstring."""
    by_iri = {r.iri: r for r in result.records}
    triples: list[ox.Triple] = []

    def add(s: str | ox.NamedNode, p: str, o: ox.NamedNode | ox.Literal) -> None:
        triples.append(ox.Triple(_n(s) if isinstance(s, str) else s, _n(p), o))

    for group in result.groups:
        members = [by_iri[iri] for iri in group]
        node = resolved_iri(group)
        text, language = preferred_name(members)
        add(node, _RDF + "type", _n(str(CKG.ResolvedOrganisation)))
        add(node, _SKOS + "prefLabel", ox.Literal(text, language="en" if language in ("", "en") else language))
        if language not in ("", "en"):  # every node has an English label: the best English-looking one
            english = sorted((n.text for m in members for n in m.names if n.language in ("en", "")),
                             key=lambda t: _name_rank((t, "en")))
            add(node, _SKOS + "prefLabel", ox.Literal(english[0] if english else text, language="en"))
        seen = {(text, language or "en")}
        for member in members:
            for name in member.names:
                key = (name.text, name.language or "en")
                if key in seen:
                    continue
                seen.add(key)
                if name.kind == "acronym" or not name.language:
                    add(node, str(CKG.acronym) if name.kind == "acronym" else _SKOS + "altLabel",
                        ox.Literal(name.text) if name.kind == "acronym" else ox.Literal(name.text, language="en"))
                else:
                    add(node, _SKOS + "altLabel", ox.Literal(name.text, language=name.language))
        for member in members:
            add(node, _SKOS + "exactMatch", _n(member.iri))
        countries = {m.country for m in members if m.country}
        if len(countries) == 1:
            add(node, str(CKG.country), _n(_COUNTRY_BASE + countries.pop()))
        with_regions = [m.regions for m in members if m.regions]
        common = frozenset.intersection(*with_regions) if with_regions else frozenset()
        for region in sorted(common):
            add(node, str(CKG.locatedIn), _n(_NUTS_BASE + region))
        for source in sorted(set().union(*(m.sources for m in members))):
            add(node, _DCT + "source", _n(source))
        add(node, _PROV + "wasGeneratedBy", RUN)

    for link in result.links:
        scored, left, right = link.scored, by_iri[link.scored.left], by_iri[link.scored.right]
        node = str(ID[f"match/{pair_digest(left.iri, right.iri)}"])
        add(node, _RDF + "type", _n(str(CKG.Match)))
        add(node, _SKOS + "prefLabel", ox.Literal(f"Match: {left.label()} ~ {right.label()}", language="en"))
        add(node, str(CKG.record), _n(left.iri))
        add(node, str(CKG.record), _n(right.iri))
        add(node, str(CKG.score), _decimal(scored.score))
        add(node, str(CKG.outcome), _n(link.outcome))
        for number, feature in enumerate(scored.features, start=1):
            feature_node = f"{node}-f{number}"
            add(node, str(CKG.feature), _n(feature_node))
            add(feature_node, str(CKG.featureName), ox.Literal(feature.name))
            value = _decimal(feature.value, 3) if isinstance(feature.value, float) else ox.Literal(str(feature.value))
            add(feature_node, str(CKG.featureValue), value)
            add(feature_node, str(CKG.weight), _decimal(feature.weight, 2))
        for source in sorted(left.sources | right.sources):
            add(node, _DCT + "source", _n(source))
        add(node, _PROV + "wasGeneratedBy", RUN)
    return triples


def catalog_triples(result: Resolution, triples: int, accept: float, review: float, decisions_file: Path,
                    started: datetime, ended: datetime) -> list[ox.Triple]:
    """The catalogue entry of graph/resolution: DCAT/VoID, and the run as a prov:Activity."""
    g = _n(RESOLUTION_GRAPH)
    stamp = ox.Literal(ended.isoformat(timespec="seconds"), datatype=_n(_XSD + "dateTime"))

    def integer(value: int) -> ox.Literal:
        return ox.Literal(str(value), datatype=_n(_XSD + "integer"))

    out = [
        ox.Triple(_n(str(DATASET)), _n(str(VOID.subset)), g),
        ox.Triple(g, _TYPE, _n(_DCAT + "Dataset")),
        ox.Triple(g, _TYPE, _n(str(VOID.Dataset))),
        ox.Triple(g, _n(_DCT + "title"), ox.Literal("resolution")),
        ox.Triple(g, _n(_DCT + "modified"), stamp),
        ox.Triple(g, _n(str(VOID.triples)), integer(triples)),
        ox.Triple(g, _n(str(CKG.loadedFrom)), ox.Literal(f"clusterkg matches run ({MATCHER_VERSION})")),
        ox.Triple(g, _n(_PROV + "wasGeneratedBy"), RUN),
        ox.Triple(RUN, _TYPE, _n(_PROV + "Activity")),
        ox.Triple(RUN, _n(_RDFS + "label"), ox.Literal("clusterkg matches run", language="en")),
        ox.Triple(RUN, _n(_PROV + "startedAtTime"),
                  ox.Literal(started.isoformat(timespec="seconds"), datatype=_n(_XSD + "dateTime"))),
        ox.Triple(RUN, _n(_PROV + "endedAtTime"), stamp),
        ox.Triple(RUN, _n(_OWL + "versionInfo"), ox.Literal(f"clusterkg {__version__}; {MATCHER_VERSION}")),
        ox.Triple(RUN, _n(str(CKG.acceptThreshold)), _decimal(accept)),
        ox.Triple(RUN, _n(str(CKG.reviewThreshold)), _decimal(review)),
        ox.Triple(RUN, _n(_PROV + "used"), ox.Literal(str(decisions_file))),
        ox.Triple(RUN, _n(_RDFS + "comment"), ox.Literal(
            f"{len(result.records)} organisation records, {result.scored} candidate pairs scored; "
            f"{result.count(ACCEPTED) + result.implied} accepted ({result.implied} implied by other links), "
            f"{result.count(REVIEW)} for review, {result.count(SAME)} same and "
            f"{result.count(DIFFERENT)} different by curators' decisions; {len(result.groups)} resolved organisations.",
            language="en")),
    ]
    linked = result.linked
    documents = set().union(*(r.sources for r in result.records if r.iri in linked)) if linked else set()
    if any(link.decision for link in result.links):
        documents.add(str(DECISIONS_DOCUMENT))
    for document in sorted(documents):
        out += [ox.Triple(g, _n(_PROV + "wasDerivedFrom"), _n(document)), ox.Triple(g, _n(_DCT + "source"), _n(document))]
    return out


# ---------------------------------------------------------------- the store

@dataclass
class RunReport:
    """What ``clusterkg matches run`` did, for the CLI and the tests."""

    resolution: Resolution
    triples: int = 0
    seconds: dict[str, float] = field(default_factory=dict)


def _context(store: ox.Store, triples: list[ox.Triple]) -> list[ox.Triple]:
    """What the shapes need to know of the nodes ``triples`` point to: their types and schemes,
    and the description of the source documents. Records' own statements are not needed: the
    shapes check only that they are organisations."""
    own = {t.subject for t in triples}
    objects = {t.object for t in triples if isinstance(t.object, ox.NamedNode) and t.predicate != _TYPE} - own
    skip = {RESOLUTION_GRAPH, str(CATALOG_GRAPH), str(GRAPH["clusterkg"])}
    wanted = {_RDF + "type", _SKOS + "inScheme"}
    context: dict[ox.Triple, None] = {}
    documents = set()
    for node in objects:
        for quad in store.quads_for_pattern(node, None, None, None):
            if graph_of(quad) in skip or graph_of(quad).startswith(STAGING_PREFIX):
                continue
            if quad.predicate.value in wanted:
                context[quad.triple] = None
                if quad.object.value == str(CKG.SourceDocument):
                    documents.add(node)
    for node in documents:
        for quad in store.quads_for_pattern(node, None, None, None):
            if graph_of(quad) not in skip:
                context[quad.triple] = None
    for concept in (ACCEPTED, REVIEW, SAME, DIFFERENT):
        for quad in store.quads_for_pattern(_n(str(concept)), None, None, None):
            context[quad.triple] = None
    return list(context)


def validate_resolution(triples: list[ox.Triple], context: list[ox.Triple]) -> list:
    """The SHACL gate (importers.validation's chunked validation) on ``triples`` with ``context``.

    The store is not passed down: rdflib's SPARQL parser (pyparsing's packrat cache, used by the
    shapes' SPARQL targets) keeps tracebacks, hence the frames of their callers and the callers'
    locals, alive until the next garbage collection; a store among them would stay locked."""
    from ..build import SubjectInfo
    from ..importers.validation import validate_triples
    from ..shapes import ValidationResult

    results = validate_triples(triples, context)
    violations = [r for r in results if str(r.severity).endswith("#Violation")]
    if violations:
        subjects = {t.subject.value: SubjectInfo(files={"graph/resolution"}) for t in triples}
        raise ValidationFailed(ValidationResult(conforms=False, results=results), len(violations), subjects)
    return results


def decisions_triples(path: Path) -> list[ox.Triple]:
    from ..build import parse_turtle

    return parse_turtle(path) if path.is_file() else []


def run_resolution(store_path: Path, decisions_file: Path = DECISIONS_FILE, accept: float = ACCEPT_THRESHOLD,
                   review: float = REVIEW_THRESHOLD, max_block: int = MAX_BLOCK,
                   step: Callable[[str], None] = lambda _: None) -> RunReport:
    """``clusterkg matches run``: resolve the organisations of the store at ``store_path``."""
    from ..importers.pipeline import commit
    from ..store import GraphStore

    store_path = Path(store_path)
    if not (store_path / "CURRENT").exists():
        raise StoreMissing(store_path)
    started_at = datetime.now(timezone.utc)
    clock = time.perf_counter()
    decisions = load_decisions(decisions_file)
    store = GraphStore(store_path)
    try:
        step("reading organisation records")
        records = records_from_store(store)
        seconds = {"read": time.perf_counter() - clock}
        step(f"scoring candidate pairs of {len(records):,} records")
        result = resolve(records, decisions, accept, review, max_block,
                         progress=lambda done, total: step(f"scoring pairs: {done:,} of {total:,}"))
        seconds.update(result.seconds)
        clock = time.perf_counter()
        triples = resolution_triples(result)
        step(f"validating {len(triples):,} triples against the shapes")
        validate_resolution(triples, _context(store.oxigraph, triples))
        seconds["validate"] = time.perf_counter() - clock
        clock = time.perf_counter()
        step("writing the store")
        catalog = catalog_triples(result, len(triples), accept, review, decisions_file, started_at,
                                  datetime.now(timezone.utc))
        if triples:
            commit(store, _n(RESOLUTION_GRAPH), triples, catalog)
        else:  # nothing to link or review: no graph, and no catalogue entry
            store.oxigraph.update(_REMOVE_GRAPH.format(graph=_n(RESOLUTION_GRAPH), catalog=_n(str(CATALOG_GRAPH)),
                                                      dataset=_n(str(DATASET)), subset=_n(str(VOID.subset)),
                                                      prefix=RESOLUTION_GRAPH + "#"))
        refresh_decisions_graph(store, decisions_file)
        seconds["write"] = time.perf_counter() - clock
    finally:
        store.close()
    return RunReport(result, len(triples), seconds)


_REMOVE_GRAPH = """
DROP SILENT GRAPH {graph} ;
DELETE WHERE {{ GRAPH {catalog} {{ {graph} ?p ?o }} }} ;
DELETE WHERE {{ GRAPH {catalog} {{ {dataset} {subset} {graph} }} }} ;
DELETE {{ GRAPH {catalog} {{ ?s ?p ?o }} }} WHERE {{ GRAPH {catalog} {{ ?s ?p ?o FILTER(STRSTARTS(STR(?s), "{prefix}")) }} }}
"""


def refresh_decisions_graph(store, decisions_file: Path) -> None:
    """Make the store's graph/decisions hold exactly the decisions file (as the build loads it)."""
    store.replace_graph(_n(DECISIONS_GRAPH), decisions_triples(decisions_file))
