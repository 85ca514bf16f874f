"""The labelled sample (tests/fixtures/resolution/labelled-pairs.csv) as records, and the
token statistics of the real files the records come from."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from clusterkg.config import SHARED_REAL_DIR
from clusterkg.resolution.records import Name, Record
from clusterkg.resolution.score import TokenStats

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "resolution" / "labelled-pairs.csv"
KOHESIO = SHARED_REAL_DIR / "kohesio-beneficiaries-cee.tsv"
INTERREG = SHARED_REAL_DIR / "interreg-se-partners-2021-2027.json"


@dataclass(frozen=True)
class Pair:
    number: int
    left: Record
    right: Record
    same: bool
    why: str


def _names(cell: str) -> list[Name]:
    names = []
    for i, part in enumerate(p.strip() for p in cell.split(" | ")):
        text, _, language = part.rpartition("@")
        if not text or not language.replace("-", "").isalpha():
            text, language = part, ""
        names.append(Name(text, language, "pref" if i == 0 else "alt"))
    return names


def _record(row: dict, side: str) -> Record:
    return Record(iri=row[f"{side}_ref"], names=_names(row[f"{side}_names"]), country=row[f"{side}_country"],
                  regions=frozenset(row[f"{side}_regions"].split()))


@cache
def labelled_pairs() -> tuple[Pair, ...]:
    with FIXTURE.open(encoding="utf-8", newline="") as handle:
        return tuple(Pair(int(row["pair"]), _record(row, "left"), _record(row, "right"), row["label"] == "same",
                          row["why"]) for row in csv.DictReader(handle))


@cache
def _real_records() -> tuple[Record, ...] | None:
    if not (KOHESIO.is_file() and INTERREG.is_file()):
        return None
    import pycountry

    records: dict[str, Record] = {}
    with KOHESIO.open(encoding="utf-8") as handle:
        next(handle)
        for line in handle:
            cells = line.rstrip("\n").split("\t")
            if len(cells) < 3 or not cells[2].strip():
                continue
            key = f"{cells[0]}|{cells[1]}|{cells[2].lower()}"
            names = [Name(cells[2])] + ([Name(cells[6])] if len(cells) > 6 and cells[6].strip() else [])
            country = pycountry.countries.lookup(cells[0]).alpha_3
            records.setdefault(key, Record(key, names, country=country))
    for row in json.loads(INTERREG.read_text(encoding="utf-8")):
        name = row.get("organisationsnamn") or ""
        if name.strip():
            records.setdefault(name.lower(), Record(name, [Name(name)], country="SWE"))
    return tuple(records.values())


def real_records() -> list[Record] | None:
    """One record per organisation name of the Kohesio (per region) and Interreg files, with its
    country; None without ../shared/data/real."""
    found = _real_records()
    return list(found) if found is not None else None


@cache
def real_token_stats() -> TokenStats | None:
    """Word frequencies over :func:`real_records`, as the matcher sees them in a store holding
    both imports; None without ../shared/data/real."""
    records = _real_records()
    return TokenStats(records) if records is not None else None
