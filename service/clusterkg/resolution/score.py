"""Scoring a pair of records: features, their weights, and a score in 0..1.

Each feature adds a weight (log-odds) to a sum, and the score is the logistic function of the
sum, so every score comes with its explanation: the list of :class:`Feature` (name, value,
weight). The weights were set by reasoning about what each piece of evidence is worth and then
checked against the labelled sample (tests/resolution/test_quality.py); they are not fitted.

- **identifiers** dominate: an equal PIC, VAT number or Wikidata item is +8, two different
  values of the same scheme -6 (one organisation has one VAT number);
- **name**: the best soft token-set similarity over every pair of names of the two records
  (transliterated, folded, legal forms and kind words taken out, see ``normalise``), with words
  weighted by rarity (inverse document frequency over all records, :class:`TokenStats`) and
  near-equal words (``kretingos``/``kretinga``, ``nesebar``/``nessebar``) matched by edit
  distance (rapidfuzz); an acronym matching the other name's initials (``LTU``) counts;
  weight 10 × (similarity − 0.75), from −6 to +2.5, plus 1 when the names are equal word for
  word up to kind words and legal forms; −2 when, beside the words they share, each name has
  a rare word the other lacks ("Mažeikių rajono ... visuomenės sveikatos biuras" / "Plungės
  rajono ... visuomenės sveikatos biuras": two towns' health bureaus); −2.5 when both have
  numbers and share none ("Městská část Praha 13" / "Praha 14", two addresses);
- **kinds**: both say what they are and agree (municipality/municipality) +1, are compatible
  (city/municipality) +0.3, disagree (university/municipality) −4.5, or exclude each other
  (a city and the district around it) −4.5;
- **legal forms**: the same form +0.5, the same class (``sp. z o.o.``/``spółka z ograniczoną
  odpowiedzialnością``) +0.3, different classes (a limited company and a joint-stock company)
  −1;
- **country**: the same +0.5, different −5;
- **region**: one NUTS region within the other +0.7, disjoint −0.7 (weak: Kohesio lists a
  national body once per region where it has projects).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from rapidfuzz.distance import Indel

from .normalise import INSTITUTION_KINDS, KIND_CONFLICTS, KIND_GROUPS, NameForm
from .records import Record

#: Recorded with every match; bump when scores change.
MATCHER_VERSION = "clusterkg-matcher 1"

#: Scores at or above this link two records to one organisation.
ACCEPT_THRESHOLD = 0.8
#: Scores at or above this (and below ACCEPT_THRESHOLD) are listed for review. On the labelled
#: sample no pair of one organisation scores between 0.5 and 0.6, and five of different ones do.
REVIEW_THRESHOLD = 0.6

W_ID_EQUAL, W_ID_CONFLICT = 8.0, -6.0
W_NAME_SLOPE, W_NAME_PIVOT, W_NAME_FLOOR = 10.0, 0.75, -6.0
W_NAME_EQUAL = 1.0
W_NUMBERS_DIFFERENT = -2.5
W_DISTINCT_WORDS = -2.0
W_KIND_AGREE, W_KIND_COMPATIBLE, W_KIND_DISAGREE, W_KIND_ONE_SIDED = 1.0, 0.3, -4.5, -1.0
W_LEGAL_SAME, W_LEGAL_CLASS, W_LEGAL_CONFLICT = 0.5, 0.3, -1.0
W_COUNTRY_SAME, W_COUNTRY_DIFFERENT = 0.5, -5.0
W_REGION_SAME, W_REGION_DIFFERENT = 0.7, -0.7

TOKEN_MATCH = 0.8  # words less similar than this (Indel similarity) do not match at all
INFLECTION_SIMILARITY = 0.9
ACRONYM_SIMILARITY = 0.9
#: An unmatched word at least this rare (inverse document frequency + 1; 7 is about one record
#: in 400) on each side, beside words they share, names two different bodies of one kind.
DISTINCT_WORD_WEIGHT = 7.0


@dataclass(frozen=True)
class Feature:
    """One piece of evidence: its name, its value (as text or number) and its weight."""

    name: str
    value: str | float
    weight: float

    def __str__(self) -> str:
        value = f"{self.value:.2f}" if isinstance(self.value, float) else self.value
        return f"{self.name}={value} ({self.weight:+.1f})"


@dataclass
class Scored:
    """A compared pair: the two record IRIs (sorted), the score and its features."""

    left: str
    right: str
    score: float
    features: list[Feature] = field(default_factory=list)

    @property
    def logit(self) -> float:
        return sum(f.weight for f in self.features)

    def explain(self) -> str:
        return "; ".join(str(f) for f in self.features)


class TokenStats:
    """Document frequency of core words over a set of records: rare words weigh more."""

    def __init__(self, records: Iterable[Record] = ()) -> None:
        self.df: Counter[str] = Counter()
        self.n = 0
        for record in records:
            self.n += 1
            self.df.update(record.tokens)
        self._weights: dict[str, float] = {}

    def weight(self, token: str) -> float:
        """Inverse document frequency plus one, at least 1; unseen words weigh the most."""
        weight = self._weights.get(token)
        if weight is None:
            weight = 1.0 if self.n == 0 else max(1.0, math.log((self.n + 1) / (self.df.get(token, 0) + 1)) + 1.0)
            self._weights[token] = weight
        return weight


_ENDING = re.compile(r"^[aeiouy]{0,2}s?$")


@lru_cache(maxsize=1 << 20)
def token_similarity(a: str, b: str) -> float:
    """How alike two words are, from 0 to 1.

    1 for equal words; 0.9 for one word in two inflections, a common stem of four letters or more
    followed by short vowel endings (Kretinga/Kretingos, Valka/Valkas, Lund/Lunds, Pakruojis/
    Pakruojo); otherwise the cube of the normalised Indel similarity if that is at least 0.8
    (Nesebar/Nessebar 0.93 -> 0.80), so that near-misses between place names (Szomód/Szomor,
    Kameničná/Kamenín) count little; 0 for shorter words and numbers that differ.
    """
    if a == b:
        return 1.0
    if a.isdigit() or b.isdigit() or len(a) < 4 or len(b) < 4:
        return 0.0
    stem = 0
    for x, y in zip(a, b):
        if x != y:
            break
        stem += 1
    if stem >= 4 and _ENDING.match(a[stem:]) and _ENDING.match(b[stem:]):
        return INFLECTION_SIMILARITY
    similarity = Indel.normalized_similarity(a, b)
    return similarity ** 3 if similarity >= TOKEN_MATCH else 0.0


def _is_acronym_of(token: str, form: NameForm) -> bool:
    return len(token) >= 2 and token not in form.core and len(form.initials) >= 2 and (
        form.initials == token or (len(token) >= 3 and form.initials.startswith(token)))


def name_similarity(a: NameForm, b: NameForm, stats: TokenStats) -> tuple[float, bool]:
    """Soft, weighted Dice similarity of the core words of two names; and whether an acronym
    of one matched the initials of the other."""
    similarity, acronym, _ = name_comparison(a, b, stats)
    return similarity, acronym


def name_comparison(a: NameForm, b: NameForm, stats: TokenStats) -> tuple[float, bool, tuple[str, str] | None]:
    """:func:`name_similarity`, and the rarest unmatched word of each name when both have one
    rare enough to name the organisation (a place, a brand): ('mazeikiu', 'plunges')."""
    left = [t for t in a.core if not _is_acronym_of(t, b)]
    right = [t for t in b.core if not _is_acronym_of(t, a)]
    acronym = len(left) < len(a.core) or len(right) < len(b.core)
    if not left or not right:
        if acronym and (left or right or a.core or b.core):
            return ACRONYM_SIMILARITY, True, None
        if not a.core and not b.core:  # only kind words ("Gymnázium"): equal if the words are
            return (1.0 if a.folded == b.folded else 0.0), False, None
        return 0.0, False, None
    # words in brackets the other name lacks ("(MDU)", "(IUC Norr AB)") weigh little
    wl = [1.0 if t in a.bracketed and t not in right else stats.weight(t) for t in left]
    wr = [1.0 if t in b.bracketed and t not in left else stats.weight(t) for t in right]
    pairs = [(similarity, i, j) for i, x in enumerate(left) for j, y in enumerate(right)
             if (similarity := token_similarity(x, y)) > 0]
    pairs.sort(reverse=True)
    used_l, used_r, matched = set(), set(), 0.0
    for similarity, i, j in pairs:
        if i in used_l or j in used_r:
            continue
        used_l.add(i)
        used_r.add(j)
        matched += similarity * (wl[i] + wr[j])
    rare_l = max(((wl[i], t) for i, t in enumerate(left) if i not in used_l), default=(0.0, ""))
    rare_r = max(((wr[j], t) for j, t in enumerate(right) if j not in used_r), default=(0.0, ""))
    distinct = (rare_l[1], rare_r[1]) if used_l and min(rare_l[0], rare_r[0]) >= DISTINCT_WORD_WEIGHT else None
    return matched / (sum(wl) + sum(wr)), acronym, distinct


def _region_related(a: str, b: str) -> bool:
    return a.startswith(b) or b.startswith(a)


def _kinds(a: frozenset[str], b: frozenset[str]) -> Feature | None:
    if not a or not b:
        one_sided = (a | b) & INSTITUTION_KINDS
        if one_sided:
            return Feature("kind", "only one says: " + ", ".join(sorted(one_sided)), W_KIND_ONE_SIDED)
        return None
    for conflict in KIND_CONFLICTS:
        if (conflict & a) and (conflict & b) and (conflict & a) != (conflict & b) and not (conflict <= a or conflict <= b):
            pair = "/".join(sorted(conflict))
            return Feature("kind", f"exclusive ({pair})", W_KIND_DISAGREE)
    shared = a & b
    extra = (a ^ b) & INSTITUTION_KINDS
    if shared and extra:
        return Feature("kind", f"one adds: {', '.join(sorted(extra))}", W_KIND_DISAGREE)
    if shared:
        return Feature("kind", "agree: " + ", ".join(sorted(shared)), W_KIND_AGREE)
    groups_a = {KIND_GROUPS.get(k, k) for k in a}
    groups_b = {KIND_GROUPS.get(k, k) for k in b}
    if groups_a & groups_b:
        return Feature("kind", f"compatible: {', '.join(sorted(a))} / {', '.join(sorted(b))}", W_KIND_COMPATIBLE)
    return Feature("kind", f"disagree: {', '.join(sorted(a))} / {', '.join(sorted(b))}", W_KIND_DISAGREE)


def _legal(a: frozenset[tuple[str, str]], b: frozenset[tuple[str, str]]) -> Feature | None:
    if not a or not b:
        return None
    if {form for form, _ in a} & {form for form, _ in b}:
        return Feature("legal form", "same: " + ", ".join(sorted({f for f, _ in a} & {f for f, _ in b})), W_LEGAL_SAME)
    classes = {k for _, k in a} & {k for _, k in b}
    if classes:
        return Feature("legal form", "same class: " + ", ".join(sorted(classes)), W_LEGAL_CLASS)
    return Feature("legal form", f"different: {', '.join(sorted(f for f, _ in a))} / {', '.join(sorted(f for f, _ in b))}",
                   W_LEGAL_CONFLICT)


def score_pair(a: Record, b: Record, stats: TokenStats) -> Scored:
    """Compare two records; see the module docstring for the features and their weights."""
    features: list[Feature] = []
    schemes = {s for s, _ in a.identifiers} & {s for s, _ in b.identifiers}
    for scheme in sorted(schemes):
        values_a = {v for s, v in a.identifiers if s == scheme}
        values_b = {v for s, v in b.identifiers if s == scheme}
        if values_a & values_b:
            features.append(Feature(f"{scheme} equal", ", ".join(sorted(values_a & values_b)), W_ID_EQUAL))
        else:
            features.append(Feature(f"{scheme} different", f"{'/'.join(sorted(values_a))} vs {'/'.join(sorted(values_b))}",
                                    W_ID_CONFLICT))

    best, best_pair, acronym, distinct = -1.0, None, False, None
    for fa in a.distinct_forms:
        for fb in b.distinct_forms:
            similarity, via_acronym, words = name_comparison(fa, fb, stats)
            if similarity > best:
                best, best_pair, acronym, distinct = similarity, (fa, fb), via_acronym, words
    if best_pair is not None:
        weight = max(W_NAME_FLOOR, W_NAME_SLOPE * (best - W_NAME_PIVOT))
        features.append(Feature("name" + (" (acronym)" if acronym else ""), round(best, 3), round(weight, 2)))
        fa, fb = best_pair
        if fa.core and fa.key == fb.key and fa.kinds == fb.kinds:
            features.append(Feature("name equal", fa.key, W_NAME_EQUAL))
        if distinct:
            features.append(Feature("distinct words", " / ".join(distinct), W_DISTINCT_WORDS))
        if fa.numbers and fb.numbers and not fa.numbers & fb.numbers:
            features.append(Feature("numbers", f"different: {' '.join(sorted(fa.numbers))} / {' '.join(sorted(fb.numbers))}",
                                    W_NUMBERS_DIFFERENT))

    kind = _kinds(a.kinds, b.kinds)
    if kind:
        features.append(kind)
    legal = _legal(a.legal_forms, b.legal_forms)
    if legal:
        features.append(legal)

    if a.country and b.country:
        if a.country == b.country:
            features.append(Feature("country", f"same: {a.country}", W_COUNTRY_SAME))
        else:
            features.append(Feature("country", f"different: {a.country} / {b.country}", W_COUNTRY_DIFFERENT))
    if a.regions and b.regions:
        related = sorted(f"{x}~{y}" for x in a.regions for y in b.regions if _region_related(x, y))
        if related:
            features.append(Feature("region", "related: " + ", ".join(related[:3]), W_REGION_SAME))
        else:
            features.append(Feature("region", f"different: {' '.join(sorted(a.regions))} / {' '.join(sorted(b.regions))}",
                                    W_REGION_DIFFERENT))

    total = sum(f.weight for f in features)
    left, right = sorted((a.iri, b.iri))
    return Scored(left, right, 1.0 / (1.0 + math.exp(-total)), features)
