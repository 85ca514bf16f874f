"""Lookups of the tabular mappings: a cell's value in, a code, CURIE or IRI out.

Kinds (one per lookup, chosen by its key in the mapping file):

- ``table``: a value -> output table written in the mapping (roles, organisation types);
- ``pattern``: ordered regular expressions, the first that matches gives the output
  (cluster organisations recognised by name);
- ``country``: a country name or code -> the EU authority country IRI;
- ``nuts-label``: a region's name -> its current NUTS region, matching the official labels
  of NUTS 2024 and older versions (whose codes are carried forward with
  :func:`clusterkg.importers.nuts.resolve_nuts`), plus the mapping's own ``aliases``;
- ``nuts-code``: a NUTS code of a given version -> its current region;
- ``csv``: a column of a CSV file beside the imported file (codes another file defines).

Every lookup normalises its keys the same way (case, accents, punctuation and spacing are
ignored) unless ``exact: true``, and says why it found nothing: the mapping turns that into
a rejected row or a reported value.
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import pycountry
from anyascii import anyascii

from .. import reference
from .template import EMPTY, Missing, Row, Template, Value


class LookupError_(ValueError):
    """A lookup the mapping file describes wrongly (unknown kind, bad option)."""


def normalise(text: str) -> str:
    """Case-, accent- and punctuation-insensitive key: 'Småland och Öarna' -> 'smaland och oarna'."""
    return " ".join(re.findall(r"[a-z0-9]+", anyascii(text).lower()))


class _Keyed:
    def __init__(self, exact: bool) -> None:
        self.exact = exact

    def key(self, value: str) -> str:
        return value.strip() if self.exact else normalise(value)


class TableLookup(_Keyed):
    def __init__(self, name: str, table: Mapping[str, Any], default: str | None, exact: bool) -> None:
        super().__init__(exact)
        self.name = name
        self.table = {self.key(str(k)): ("" if v is None else str(v)) for k, v in table.items()}
        self.default = default

    def __call__(self, value: str, row: Row) -> Value:
        found = self.table.get(self.key(value))
        if found is None:
            if self.default is not None:
                return self.default if self.default else EMPTY
            return Missing(f"{value!r} is not in the {self.name} table")
        return found if found else EMPTY


class PatternLookup:
    def __init__(self, name: str, patterns: list, default: str | None) -> None:
        self.name = name
        self.patterns = []
        for item in patterns:
            if not (isinstance(item, (list, tuple)) and len(item) == 2):
                raise LookupError_(f"lookup {name}: each pattern is [regular expression, output]")
            self.patterns.append((re.compile(str(item[0]), re.IGNORECASE), str(item[1])))
        self.default = default

    def __call__(self, value: str, row: Row) -> Value:
        for pattern, output in self.patterns:
            if pattern.search(value):
                return output
        return self.default if self.default else EMPTY


class CountryLookup(_Keyed):
    """Names (English, pycountry's), ISO alpha-2/alpha-3 and EU codes (EL, UK) -> country IRI,
    for the countries the graph describes; ``output: code`` gives the NUTS / EU code instead."""

    def __init__(self, name: str, aliases: Mapping[str, str], output: str) -> None:
        super().__init__(exact=False)
        self.name = name
        self.output = output
        self.index: dict[str, str] = {}
        for code in reference.countries():
            iso2 = reference.iso2(code)
            names = {code, iso2, reference.iso3(code), reference.country_name(code)}
            found = pycountry.countries.get(alpha_2=iso2)
            if found is not None:
                names |= {found.name, getattr(found, "official_name", found.name), getattr(found, "common_name", found.name)}
            for text in names:
                self.index.setdefault(self.key(text), code)
        for alias, code in aliases.items():
            if str(code) not in reference.countries():
                raise LookupError_(f"lookup {name}: alias {alias!r} names {code!r}, not a country of the graph")
            self.index[self.key(str(alias))] = str(code)

    def __call__(self, value: str, row: Row) -> Value:
        code = self.index.get(self.key(value))
        if code is None:
            return Missing(f"{value!r} is not a country of the graph (EU, EFTA, COSME participants, UK)")
        return code if self.output == "code" else str(reference.country_iri(code))


def _nuts_iri(code: str) -> str:
    return str(reference.region_iri(code))


class NutsLabelLookup(_Keyed):
    """A region's name -> current NUTS region IRI.

    Options: ``country`` (a NUTS country code, or a template such as
    ``"{Country|lookup:country-code}"``), ``levels`` (preference order, default [3, 2, 1]),
    ``versions`` (label sets to search in order, default [2024, 2021, 2016, 2013]),
    ``aliases`` (name -> NUTS 2024 code, for names that are not official labels).
    A name found only in an older version is carried to today's regions; when its region was
    split, the lookup answers the smallest current region containing all the parts.
    """

    def __init__(self, name: str, options: Mapping[str, Any], aliases: Mapping[str, str]) -> None:
        super().__init__(exact=False)
        from .nuts import current_codes

        self.name = name
        country = options.get("country")
        self.country = Template(str(country)) if country else None
        self.levels = [int(level) for level in options.get("levels", [3, 2, 1])]
        self.versions = [int(v) for v in options.get("versions", [2024, 2021, 2016, 2013])]
        current = current_codes()
        self.aliases: dict[str, str] = {}
        for alias, code in aliases.items():
            if str(code) not in current:
                raise LookupError_(f"lookup {name}: alias {alias!r} names {code!r}, not a current NUTS region")
            self.aliases[self.key(str(alias))] = str(code)

    def __call__(self, value: str, row: Row) -> Value:
        from .nuts import history, smallest_common_region

        country: str | None = None
        if self.country is not None:
            rendered = self.country.render(row)
            if isinstance(rendered, Missing):
                return Missing(f"no country to look region {value!r} up in" + (f" ({rendered.reason})" if rendered.reason else ""))
            country = rendered
        key = self.key(value)
        alias = self.aliases.get(key)
        if alias is not None and (country is None or alias.startswith(country)):
            return _nuts_iri(alias)
        nuts = history()
        for version in self.versions:
            hits = nuts.by_label(version, key, country)
            if not hits:
                continue
            for level in self.levels:
                codes = sorted(code for code in hits if len(code) - 2 == level)
                if not codes:
                    continue
                if len(codes) > 1:
                    return Missing(f"region name {value!r} is ambiguous in NUTS {version}: {', '.join(codes)}")
                current = nuts.resolve(codes[0], version)
                if not current:
                    return Missing(f"NUTS {version} region {codes[0]} ({value!r}) reaches no current region")
                if len(current) == 1:
                    return _nuts_iri(current[0])
                return _nuts_iri(smallest_common_region(current))
            return Missing(f"region name {value!r} is NUTS {version} {', '.join(sorted(hits))}, "
                           f"not at level {', '.join(map(str, self.levels))}")
        where = f" in {country}" if country else ""
        return Missing(f"no NUTS region named {value!r}{where}")


class NutsCodeLookup:
    """A NUTS code of ``version`` -> current region IRI (the smallest containing one after a split)."""

    def __init__(self, name: str, options: Mapping[str, Any]) -> None:
        self.name = name
        self.version = int(options.get("version", 2024))

    def __call__(self, value: str, row: Row) -> Value:
        from .nuts import history, smallest_common_region

        code = value.strip().upper()
        current = history().resolve(code, self.version)
        if not current:
            return Missing(f"NUTS {self.version} code {code!r} reaches no current region")
        return _nuts_iri(current[0] if len(current) == 1 else smallest_common_region(current))


class CsvLookup(_Keyed):
    """A column of a CSV file beside the imported file: ``{file, key, value, delimiter}``."""

    def __init__(self, name: str, options: Mapping[str, Any], base: Path | None, exact: bool) -> None:
        super().__init__(exact)
        self.name = name
        self.options = dict(options)
        self.base = base
        self._table: dict[str, str] | None = None

    def _load(self) -> dict[str, str]:
        if self._table is None:
            if self.base is None:
                raise LookupError_(f"lookup {self.name}: no imported file to find {self.options.get('file')} beside")
            path = self.base / str(self.options["file"])
            if not path.is_file():
                raise LookupError_(f"lookup {self.name}: {path} is needed beside the imported file")
            table = _read_csv_column(path, str(self.options.get("delimiter", ",")), str(self.options["key"]),
                                     str(self.options.get("value", self.options["key"])))
            self._table = {self.key(k): v for k, v in table.items()}
        return self._table

    def __call__(self, value: str, row: Row) -> Value:
        found = self._load().get(self.key(value))
        if found is None:
            return Missing(f"{value!r} is not in {self.options['file']} (column {self.options['key']})")
        return found


@cache
def _read_csv_column(path: Path, delimiter: str, key: str, value: str) -> dict[str, str]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return {row[key].strip(): row[value].strip() for row in csv.DictReader(handle, delimiter=delimiter)
                if row.get(key) and row[key].strip()}


KINDS = ("table", "pattern", "country", "nuts-label", "nuts-code", "csv")


def make_lookup(name: str, spec: Mapping[str, Any], base: Path | None) -> Callable[[str, Row], Value]:
    """Build the lookup ``name`` from its mapping-file description."""
    kinds = [k for k in KINDS if k in spec]
    if len(kinds) != 1:
        raise LookupError_(f"lookup {name}: give exactly one of {', '.join(KINDS)} (found {kinds or 'none'})")
    kind = kinds[0]
    known = {kind, "default", "exact", "aliases", "note"}
    unknown = set(spec) - known
    if unknown:
        raise LookupError_(f"lookup {name}: unknown option(s) {', '.join(sorted(unknown))}")
    default = spec.get("default")
    default = None if default is None else str(default)
    exact = bool(spec.get("exact", False))
    aliases = spec.get("aliases") or {}
    body = spec[kind]
    if kind == "table":
        return TableLookup(name, body or {}, default, exact)
    if kind == "pattern":
        return PatternLookup(name, body or [], default)
    if kind == "country":
        return CountryLookup(name, aliases, str((body or {}).get("output", "iri")))
    if kind == "nuts-label":
        return NutsLabelLookup(name, body or {}, aliases)
    if kind == "nuts-code":
        return NutsCodeLookup(name, body or {})
    return CsvLookup(name, body or {}, base, exact)


def index_by_label(entries: list[tuple[str, str, str]]) -> dict[tuple[str, str], set[str]]:
    """(country, normalised label) -> codes, also indexing each part of a label joined by '/'."""
    index: dict[tuple[str, str], set[str]] = defaultdict(set)
    for country, code, label in entries:
        for part in {label, *label.split("/")}:
            key = normalise(part)
            if key:
                index[(country, key)].add(code)
    return index
