"""Label search and display labels, held in memory.

Every label of every IRI (skos:prefLabel, skos:altLabel, rdfs:label, ckg:acronym,
dcterms:title) is read once from the store into a ``LabelIndex``. Searching scans the
normalised labels in Python: for ~100k labels a scan takes milliseconds, needs no extra
dependency and tolerates accents, case, punctuation and non-Latin scripts because labels
and queries are normalised the same way. The same index gives the linked-data pages the
label of any IRI in the reader's language without another query.

>>> normalise("Émilia-Romagna")
'emilia romagna'
>>> normalise("Αττική")
'attiki'
"""

from __future__ import annotations

import re
import sys
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from anyascii import anyascii

SKOS = "http://www.w3.org/2004/02/skos/core#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
PREF_LABEL = SKOS + "prefLabel"
ALT_LABEL = SKOS + "altLabel"
RDFS_LABEL = RDFS + "label"
ACRONYM = "https://w3id.org/clusterkg/ontology#acronym"
TITLE = "http://purl.org/dc/terms/title"

#: Which label properties name a thing for display, best first; altLabel and acronym only
#: when nothing else exists.
DISPLAY_ORDER = (PREF_LABEL, RDFS_LABEL, TITLE, ALT_LABEL, ACRONYM)

#: Match tiers, best first; the score is the tier's weight, a little less for other names.
EXACT, PREFIX, ALL_TOKENS, SUBSTRING = 1.0, 0.8, 0.6, 0.4
_OTHER_NAME_PENALTY = 0.05

_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def normalise(text: str) -> str:
    """Lower-case ASCII words separated by one space: the form labels and queries are compared in.

    NFKD splits accented letters, the combining marks are dropped, casefold handles ß and
    the like, anyascii transliterates other scripts (Greek, Cyrillic) so 'attiki' finds
    'Αττική', and anything not a letter or digit becomes a space.
    """
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return _NON_ALNUM.sub(" ", anyascii(stripped).lower()).strip()


@dataclass(slots=True)
class Label:
    """One label of one IRI."""

    iri: str
    text: str
    language: str
    kind: str
    norm: str = ""


@dataclass
class Hit:
    """A search result: the IRI, the label that matched and how well."""

    iri: str
    matched: Label
    score: float


@dataclass
class LabelIndex:
    """All labels and types of the graph's IRIs, for search and display."""

    labels: list[Label] = field(default_factory=list)
    by_iri: dict[str, list[Label]] = field(default_factory=lambda: defaultdict(list))
    types: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    superclasses: dict[str, set[str]] = field(default_factory=dict)

    @classmethod
    def from_rows(
        cls,
        labels: Iterable[tuple[str, str, str, str]],
        types: Iterable[tuple[str, str]] = (),
        subclass_edges: Iterable[tuple[str, str]] = (),
    ) -> "LabelIndex":
        """An index of ``(iri, kind, text, language)`` labels, ``(iri, type)`` pairs and ``(sub, super)`` edges."""
        index = cls()
        index.add_labels(labels)
        index.add_types(types)
        index.set_subclass_edges(subclass_edges)
        return index

    def add_labels(self, labels: Iterable[tuple[str, str, str, str]]) -> None:
        """Add ``(iri, kind, text, language)`` labels, each once."""
        for iri, kind, text, language in labels:
            known = self.by_iri.get(iri)
            if known is not None:
                if any(k.kind == kind and k.text == text and k.language == language for k in known):
                    continue
                iri = known[0].iri  # one string for the IRI of all its labels and its key
            label = Label(iri, text, sys.intern(language), sys.intern(kind), normalise(text))
            if label.norm:
                self.labels.append(label)
            self.by_iri[iri].append(label)

    def add_types(self, types: Iterable[tuple[str, str]]) -> None:
        """Add ``(iri, type)`` pairs of labelled IRIs: types serve the search's filter and its hits."""
        for iri, type_iri in types:
            known = self.by_iri.get(iri)
            if known is not None:
                self.types[known[0].iri].add(sys.intern(type_iri))

    def set_subclass_edges(self, edges: Iterable[tuple[str, str]]) -> None:
        """Set the ``(sub, super)`` class edges, closed transitively for the type filter."""
        self.superclasses = _transitive_closure(edges)

    def __len__(self) -> int:
        return len(self.labels)

    def label(self, iri: str, languages: Sequence[str] = ("en",)) -> str | None:
        """The display label of ``iri`` in the first of ``languages`` that has one.

        Falls back to English, then to an untagged label, then to any label; ``None`` when the
        IRI has no label at all.
        """
        candidates = self.by_iri.get(iri)
        if not candidates:
            return None
        wanted = [*languages, "en", ""]
        for kind in DISPLAY_ORDER:
            of_kind = [c for c in candidates if c.kind == kind]
            if not of_kind:
                continue
            for language in wanted:
                for candidate in of_kind:
                    if candidate.language.lower().split("-")[0] == language:
                        return candidate.text
            return sorted(of_kind, key=lambda c: (c.language, c.text))[0].text
        return None

    def languages(self, iri: str) -> list[str]:
        """The languages the labels of ``iri`` are written in, for a language switcher."""
        return sorted({c.language.split("-")[0] for c in self.by_iri.get(iri, ()) if c.language})

    def types_of(self, iri: str) -> set[str]:
        """The asserted types of ``iri`` and their superclasses."""
        asserted = self.types.get(iri, set())
        return asserted.union(*(self.superclasses.get(t, set()) for t in asserted)) if asserted else set()

    def search(self, query: str, limit: int = 20, type_iri: str | None = None) -> list[Hit]:
        """IRIs whose labels match ``query``, best first: exact, prefix, all words, substring.

        Within a tier preferred labels beat other names, then shorter labels win. An empty
        query with a type lists the instances of that type by label.
        """
        q = normalise(query)
        if not q and type_iri is None:
            return []
        tokens = q.split()
        best: dict[str, Hit] = {}
        for label in self.labels:
            score = _score(label, q, tokens)
            if score is None:
                continue
            if type_iri is not None and type_iri not in self.types_of(label.iri):
                continue
            current = best.get(label.iri)
            if current is None or _rank(score, label) > _rank(current.score, current.matched):
                best[label.iri] = Hit(label.iri, label, score)
        hits = sorted(best.values(), key=lambda h: (-h.score, len(h.matched.norm), h.matched.norm, h.iri))
        return hits[: max(limit, 0)]


def _score(label: Label, q: str, tokens: list[str]) -> float | None:
    """The tier ``label`` matches the normalised query in, or ``None``."""
    if not q:
        return SUBSTRING if label.kind in (PREF_LABEL, RDFS_LABEL, TITLE) else None
    penalty = 0.0 if label.kind in (PREF_LABEL, RDFS_LABEL, TITLE) else _OTHER_NAME_PENALTY
    norm = label.norm
    if norm == q:
        return EXACT - penalty
    if norm.startswith(q):
        return PREFIX - penalty
    if all(t in norm for t in tokens):
        words = norm.split()
        if all(any(w.startswith(t) for w in words) for t in tokens):
            return ALL_TOKENS - penalty
        if q in norm:
            return SUBSTRING - penalty
    return None


def _rank(score: float, label: Label) -> tuple[float, int]:
    return score, -len(label.norm)


def _transitive_closure(edges: Iterable[tuple[str, str]]) -> dict[str, set[str]]:
    """Every class's superclasses, direct or not."""
    direct: dict[str, set[str]] = defaultdict(set)
    for sub, sup in edges:
        direct[sub].add(sup)
    closure: dict[str, set[str]] = {}
    for start in list(direct):
        seen: set[str] = set()
        stack = list(direct[start])
        while stack:
            current = stack.pop()
            if current not in seen:
                seen.add(current)
                stack.extend(direct.get(current, ()))
        closure[start] = seen
    return closure
