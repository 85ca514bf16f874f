"""Curators' decisions: two records are the same organisation, or different ones.

Decisions are curation data, kept as Turtle in ``data/resolution/decisions.ttl`` (committed,
reviewed in diffs, loaded by the build into ``graph/decisions``) and written by
``clusterkg matches decide IRI1 IRI2 --same|--different``. Each is a ``ckg:CuratorDecision``
with the two records, ``ckg:outcome voc:match-same`` or ``voc:match-different``, its date and an
optional note. Every ``clusterkg matches run`` reads them and lets them override the scores
(see :mod:`clusterkg.resolution.resolve`), so a decision survives any later import that brings
the same records back: record IRIs are stable, minted from the sources' identifiers and names.

The file is rewritten whole, decisions sorted by IRI, so the same decisions always give the
same bytes; a new decision on a pair replaces the earlier one.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pyoxigraph as ox
from rdflib import Literal, URIRef

from ..config import DATA_DIR
from ..errors import ClusterKGError
from ..iris import CKG, ID, SRC, VOC

DECISIONS_FILE = DATA_DIR / "resolution" / "decisions.ttl"
DOCUMENT = SRC["curator-decisions"]
SAME, DIFFERENT = VOC["match-same"], VOC["match-different"]

_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_DCT = "http://purl.org/dc/terms/"
_RDFS_COMMENT = "http://www.w3.org/2000/01/rdf-schema#comment"


@dataclass(frozen=True)
class Decision:
    """A curator's decision on two records (``left`` < ``right``)."""

    left: str
    right: str
    same: bool
    date: str
    note: str = ""
    label: str = ""

    @property
    def pair(self) -> tuple[str, str]:
        return self.left, self.right

    @property
    def iri(self) -> str:
        return str(decision_iri(self.left, self.right))


def pair_digest(a: str, b: str) -> str:
    """A short stable digest of an unordered pair of IRIs: names its match and decision nodes."""
    left, right = sorted((a, b))
    return hashlib.sha256(f"{left} {right}".encode()).hexdigest()[:16]


def decision_iri(a: str, b: str) -> URIRef:
    return ID[f"decision/{pair_digest(a, b)}"]


def load_decisions(path: Path = DECISIONS_FILE) -> dict[tuple[str, str], Decision]:
    """The decisions in ``path`` by pair (an absent file holds none)."""
    if not path.is_file():
        return {}
    from ..build import parse_turtle

    by_subject: dict[str, dict] = {}
    for t in parse_turtle(path):
        entry = by_subject.setdefault(t.subject.value, {"records": [], "typed": False})
        p = t.predicate.value
        if p == _RDF_TYPE and t.object.value == str(CKG.CuratorDecision):
            entry["typed"] = True
        elif p == str(CKG.record):
            entry["records"].append(t.object.value)
        elif p == str(CKG.outcome):
            entry["outcome"] = t.object.value
        elif p == _DCT + "date":
            entry["date"] = t.object.value
        elif p == _RDFS_COMMENT:
            entry["note"] = t.object.value
        elif p == "http://www.w3.org/2004/02/skos/core#prefLabel":
            entry["label"] = t.object.value
    decisions: dict[tuple[str, str], Decision] = {}
    for iri, entry in by_subject.items():
        if not entry["typed"]:
            continue
        records = sorted(set(entry["records"]))
        if len(records) != 2 or entry.get("outcome") not in (str(SAME), str(DIFFERENT)):
            raise ClusterKGError(f"{path}: decision {iri} needs two records and an outcome (same or different)",
                                 "fix the file or decide again with 'clusterkg matches decide'")
        decision = Decision(records[0], records[1], entry["outcome"] == str(SAME), entry.get("date", ""),
                            entry.get("note", ""), entry.get("label", ""))
        decisions[decision.pair] = decision
    return decisions


def check_pair(a: str, b: str) -> None:
    """Refuse what cannot be two records: text that is not an http(s) IRI, or one record twice."""
    for iri in (a, b):
        try:
            ox.NamedNode(iri)
        except ValueError as error:
            raise ClusterKGError(f"not an IRI: {iri!r}", "give the two records' full IRIs") from error
        if not iri.startswith(("http://", "https://")):
            raise ClusterKGError(f"not an http(s) IRI: {iri!r}", "give the two records' full IRIs")
    if a == b:
        raise ClusterKGError("a record is always the same as itself", "give two different records")


def decide(a: str, b: str, same: bool, path: Path = DECISIONS_FILE, note: str = "",
           labels: tuple[str, str] | None = None, on: date | None = None) -> Decision:
    """Record a decision on records ``a`` and ``b`` in ``path``, replacing any earlier one on them."""
    check_pair(a, b)
    left, right = sorted((a, b))
    names = dict(zip((a, b), labels)) if labels else {}
    verdict = "Same organisation" if same else "Different organisations"
    label = f"{verdict}: {names.get(left, left)} / {names.get(right, right)}"
    decision = Decision(left, right, same, (on or date.today()).isoformat(), note.strip(), label)
    decisions = load_decisions(path)
    decisions[decision.pair] = decision
    write_decisions(decisions.values(), path)
    return decision


def write_decisions(decisions, path: Path = DECISIONS_FILE) -> None:
    """Write ``decisions`` as Turtle, sorted, with the source document the file describes (dated
    by its latest decision)."""
    decisions = list(decisions)
    lines = [
        "# Curators' decisions on entity resolution: two organisation records are the same",
        "# organisation, or different ones. Written by 'clusterkg matches decide'; respected by every",
        "# 'clusterkg matches run'. Loaded by the build into https://w3id.org/clusterkg/graph/decisions.",
        "@prefix ckg:     <https://w3id.org/clusterkg/ontology#> .",
        "@prefix voc:     <https://w3id.org/clusterkg/vocab/> .",
        "@prefix src:     <https://w3id.org/clusterkg/source/> .",
        "@prefix skos:    <http://www.w3.org/2004/02/skos/core#> .",
        "@prefix rdfs:    <http://www.w3.org/2000/01/rdf-schema#> .",
        "@prefix dcterms: <http://purl.org/dc/terms/> .",
        "@prefix xsd:     <http://www.w3.org/2001/XMLSchema#> .",
        "",
        "src:curator-decisions a ckg:SourceDocument ;",
        '    skos:prefLabel "Curators\' decisions on organisation matches"@en ;',
        '    dcterms:title "Curators\' decisions on organisation matches"@en ;',
        '    dcterms:publisher "clusterkg curators" ;',
        '    dcterms:language "en" ;',
        '    dcterms:identifier "data/resolution/decisions.ttl" ;',
        *([f'    dcterms:date "{max(d.date for d in decisions)}"^^xsd:date ;'] if decisions else []),
        '    rdfs:comment "Which organisation records of different sources are one organisation, and which are not, '
        'as curators decided them."@en ;',
        "    dcterms:source src:curator-decisions .",
    ]
    for decision in sorted(decisions, key=lambda d: d.iri):
        outcome = "voc:match-same" if decision.same else "voc:match-different"
        lines += [
            "",
            f"<{decision.iri}> a ckg:CuratorDecision ;",
            f"    skos:prefLabel {Literal(decision.label or decision.iri, lang='en').n3()} ;",
            f"    ckg:record <{decision.left}> , <{decision.right}> ;",
            f"    ckg:outcome {outcome} ;",
            f'    dcterms:date "{decision.date}"^^xsd:date ;',
        ]
        if decision.note:
            lines.append(f"    rdfs:comment {Literal(decision.note, lang='en').n3()} ;")
        lines.append("    dcterms:source src:curator-decisions .")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
