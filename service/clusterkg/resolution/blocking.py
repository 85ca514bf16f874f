"""Blocking: which pairs of records are worth scoring at all.

Scoring every pair of 30,000 organisations would be 450 million comparisons. Two records are
compared only when they are in the same country (or one has no country) and share a block
key of one of their names:

- ``w:xxxx``, the first four letters of a core word (``kretinga``/``kretingos`` share ``kret``);
- ``s:xxxx``, the first four letters of its consonant skeleton (``nesebar``/``nessebar`` both
  give ``nsbr``), for spelling variants that differ early;
- ``a:xxx``, an acronym or the initials of a name (``LTU`` and Luleå Tekniska Universitet);
- ``k:...``, the whole core of the name, for names made only of short or common words.

Names that stand for a hidden one ("Ei kuvata") give no key. A key shared by more than
``max_block`` records of one country (a city's name, "energy")
tells little and would cost much: its block is skipped, and such records still meet through
their rarer words. ``BlockingReport`` says how many blocks were skipped.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

from .records import Record

MAX_BLOCK = 150
_VOWELS = re.compile(r"[aeiouy]")
_DOUBLES = re.compile(r"(.)\1+")


def skeleton(word: str) -> str:
    """The first letter, then the consonants, doubled letters once: 'nessebar' -> 'nsbr'."""
    return _DOUBLES.sub(r"\1", word[0] + _VOWELS.sub("", word[1:]))


def block_keys(record: Record) -> set[str]:
    """The block keys of a record's names; see the module docstring."""
    keys: set[str] = set()
    for form in record.forms:
        if form.placeholder:
            continue
        for word in form.core:
            if word.isdigit() or len(word) < 3:
                continue
            keys.add("w:" + word[:4])
            keys.add("s:" + skeleton(word)[:4])
            if word in form.acronyms:
                keys.add("a:" + word)
        if len(form.initials) >= 3:
            keys.add("a:" + form.initials)
        for word in form.core:
            if 2 <= len(word) <= 7:
                keys.add("a:" + word)  # another name's initials may be this word
        if form.core:
            keys.add("k:" + form.key)
    return keys


@dataclass
class BlockingReport:
    """What the blocking did: records, keys, blocks skipped as too large, pairs kept."""

    records: int = 0
    blocks: int = 0
    skipped_blocks: int = 0
    pairs: int = 0


def candidate_pairs(records: list[Record], max_block: int = MAX_BLOCK,
                    report: BlockingReport | None = None) -> Iterator[tuple[int, int]]:
    """Pairs of indexes into ``records`` (i < j) that share a country and a block key, each once."""
    report = report if report is not None else BlockingReport()
    report.records = len(records)
    blocks: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for index, record in enumerate(records):
        for key in block_keys(record):
            blocks[key][record.country or "*"].append(index)
    seen: set[tuple[int, int]] = set()
    for key, by_country in blocks.items():
        unknown = by_country.get("*", [])
        for country, members in by_country.items():
            report.blocks += 1
            if len(members) > max_block * (10 if key.startswith("k:") else 1):
                report.skipped_blocks += 1
                continue
            groups = [members] if country == "*" else [members, unknown]
            for group_index, group in enumerate(groups):
                if group_index == 1 and (not group or len(members) * len(group) > max_block * max_block):
                    continue
                others = members if group_index == 0 else group
                for a_pos, a in enumerate(members):
                    start = a_pos + 1 if group_index == 0 else 0
                    for b in others[start:]:
                        pair = (a, b) if a < b else (b, a)
                        if a != b and pair not in seen:
                            seen.add(pair)
                            yield pair
    report.pairs = len(seen)
