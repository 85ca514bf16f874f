"""Templates of the tabular mappings: ``"id:project/{program|slug}-{projektnamn|slug}"``.

A template is text with expressions in braces. An expression names a column (any text but
``|``, ``{`` and ``}``), a value computed earlier in the row (``@entity`` for the IRI of an
entity of the same row), or a quoted constant (``'EUR'``), followed by filters
(``|slug``, ``|lookup:region``, ``|default:none``). ``a||b`` takes ``b`` when ``a`` has no
value. ``{{`` and ``}}`` are literal braces.

A value is *missing* when the cell is empty, or when a filter cannot produce one (a lookup
that finds nothing, a number that does not parse). A template with a missing value renders
to :class:`Missing`, which carries the reason, so the mapping can reject the row or report
the value it had to leave out: nothing is dropped without a word.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from urllib.parse import quote

from anyascii import anyascii

from ..iris import slug


@dataclass(frozen=True)
class Missing:
    """No value, and why: ``None`` when the cell was simply empty (nothing to report)."""

    reason: str | None = None

    def __bool__(self) -> bool:
        return False


EMPTY = Missing()


class TemplateError(ValueError):
    """A template that cannot be parsed, or names a filter that does not exist."""


Value = str | Missing
Lookup = Callable[[str, "Row"], Value]


class Row:
    """What a template sees: the record's cells, the entity IRIs made so far, the lookups."""

    def __init__(self, cells: Mapping[str, str | None], lookups: Mapping[str, Lookup], number: int = 0,
                 null_values: frozenset[str] = frozenset()) -> None:
        self.cells = cells
        self.lookups = lookups
        self.number = number
        self.null_values = null_values
        self.entities: dict[str, str] = {}
        self.computed: dict[str, Value] = {}

    def get(self, name: str) -> Value:
        if name.startswith("@"):
            iri = self.entities.get(name[1:])
            return iri if iri else Missing(f"entity {name[1:]!r} was not made for this row")
        if name in self.computed:
            return self.computed[name]
        if name not in self.cells:
            raise TemplateError(f"no column or computed value named {name!r}")
        value = self.cells[name]
        if value is None:
            return EMPTY
        text = str(value).strip()
        if not text or text in self.null_values:
            return EMPTY
        return text


# ---------------------------------------------------------------- filters

def _decimal(value: str, _: str, __: Row) -> Value:
    try:
        number = Decimal(value.replace(" ", ""))
    except InvalidOperation:
        return Missing(f"not a number: {value!r}")
    if not number.is_finite():
        return Missing(f"not a number: {value!r}")
    text = format(number, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


def _integer(value: str, _: str, __: Row) -> Value:
    number = _decimal(value, "", __)
    if isinstance(number, Missing):
        return number
    if "." in number:
        return Missing(f"not a whole number: {value!r}")
    return number


def _nonzero(value: str, _: str, row: Row) -> Value:
    number = _decimal(value, "", row)
    if isinstance(number, Missing):
        return number
    return number if Decimal(number) != 0 else EMPTY


def _date(value: str, _: str, __: Row) -> Value:
    text = value[:10]
    try:
        date.fromisoformat(text)
    except ValueError:
        return Missing(f"not a date (YYYY-MM-DD): {value!r}")
    return text


def _default(value: str, argument: str, _: Row) -> Value:
    return value


def _compare(op: Callable[[object, object], bool]) -> Callable[[str, str, Row], Value]:
    """``{a|lt:b}``: 'true' when a < b (as numbers if both are, else as text), else missing."""

    def compare(value: str, argument: str, row: Row) -> Value:
        other = row.get(argument)
        if isinstance(other, Missing):
            return EMPTY
        left: object
        right: object
        try:
            left, right = Decimal(value), Decimal(other)
        except InvalidOperation:
            left, right = value, other
        return "true" if op(left, right) else EMPTY

    return compare


def _lookup(value: str, argument: str, row: Row) -> Value:
    lookup = row.lookups.get(argument)
    if lookup is None:
        raise TemplateError(f"no lookup named {argument!r}")
    return lookup(value, row)


def _match(value: str, argument: str, _: Row) -> Value:
    return value if re.search(argument, value, flags=re.IGNORECASE) else EMPTY


def _tail(value: str, _: str, __: Row) -> Value:
    return value.rstrip("/").rsplit("/", 1)[-1]


def _hash(value: str, _: str, __: Row) -> Value:
    """A short, stable digest of the exact value: tells apart values whose slugs are equal."""
    return hashlib.sha1(value.encode("utf-8")).hexdigest()[:10]


def _slug(value: str, _: str, __: Row) -> Value:
    try:
        return slug(value)
    except ValueError:
        return Missing(f"no letters or digits to name it by: {value!r}")


FILTERS: dict[str, Callable[[str, str, Row], Value]] = {
    "slug": _slug,
    "hash": _hash,
    "urlencode": lambda v, a, r: quote(v, safe="-._~"),
    "lower": lambda v, a, r: v.lower(),
    "upper": lambda v, a, r: v.upper(),
    "ascii": lambda v, a, r: anyascii(v),
    "collapse": lambda v, a, r: " ".join(v.split()),
    "decimal": _decimal,
    "integer": _integer,
    "nonzero": _nonzero,
    "date": _date,
    "year": lambda v, a, r: v[:4] if re.fullmatch(r"\d{4}.*", v) else Missing(f"no year in {v!r}"),
    "lookup": _lookup,
    "match": _match,
    "lt": _compare(lambda a, b: a < b),
    "gt": _compare(lambda a, b: a > b),
    "eq": _compare(lambda a, b: a == b),
    "ne": _compare(lambda a, b: a != b),
    "prefix": lambda v, a, r: a + v,
    "suffix": lambda v, a, r: v + a,
    "replace": lambda v, a, r: v.replace(*(a.split("=", 1) if "=" in a else (a, ""))),
    "tail": _tail,
    "default": _default,
    "not": lambda v, a, r: EMPTY,
}
# Filters that run on a missing value too (the others pass it through).
_ON_MISSING: dict[str, Callable[[Missing, str, Row], Value]] = {
    "default": lambda m, a, r: a,
    "not": lambda m, a, r: "true",
}


@dataclass(frozen=True)
class _Pipeline:
    source: str
    constant: bool
    filters: tuple[tuple[str, str], ...]

    def render(self, row: Row) -> Value:
        value: Value = self.source if self.constant else row.get(self.source)
        for name, argument in self.filters:
            if isinstance(value, Missing):
                if name in _ON_MISSING:
                    value = _ON_MISSING[name](value, argument, row)
                continue
            value = FILTERS[name](value, argument, row)
        return value


@dataclass(frozen=True)
class _Expression:
    alternatives: tuple[_Pipeline, ...]

    def render(self, row: Row) -> Value:
        reasons = []
        for pipeline in self.alternatives:
            value = pipeline.render(row)
            if not isinstance(value, Missing):
                return value
            if value.reason:
                reasons.append(value.reason)
        return Missing("; ".join(reasons)) if reasons else EMPTY


def _parse_pipeline(text: str, template: str) -> _Pipeline:
    parts = _split_filters(text)
    head = parts[0].strip()
    if not head:
        raise TemplateError(f"empty expression in {template!r}")
    constant = len(head) >= 2 and head[0] == head[-1] == "'"
    filters = []
    for part in parts[1:]:
        name, _, argument = part.partition(":")
        name = name.strip()
        if name not in FILTERS:
            raise TemplateError(f"unknown filter {name!r} in {template!r}; known: {', '.join(sorted(FILTERS))}")
        filters.append((name, _unquote(argument)))
    return _Pipeline(head[1:-1] if constant else head, constant, tuple(filters))


def _split_filters(text: str) -> list[str]:
    """Split on '|' outside single quotes (a filter argument may hold a quoted '|')."""
    parts, current, quoted = [], [], False
    for char in text:
        if char == "'":
            quoted = not quoted
        if char == "|" and not quoted:
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    parts.append("".join(current))
    return parts


def _unquote(argument: str) -> str:
    if len(argument) >= 2 and argument[0] == argument[-1] == "'":
        return argument[1:-1]
    return argument


class Template:
    """A parsed template; :meth:`render` gives its text for a row, or :class:`Missing`."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._parts: list[str | _Expression] = []
        position = 0
        for match in re.finditer(r"\{\{|\}\}|\{((?:[^{}']|'[^']*')*)\}", text):
            self._parts.append(text[position:match.start()])
            token = match.group(0)
            if token in ("{{", "}}"):
                self._parts.append(token[0])
            else:
                alternatives = _split_alternatives(match.group(1))
                self._parts.append(_Expression(tuple(_parse_pipeline(a, text) for a in alternatives)))
            position = match.end()
        rest = text[position:]
        if "{" in rest or "}" in rest:
            raise TemplateError(f"unbalanced brace in template {text!r}")
        self._parts.append(rest)
        self._parts = [p for p in self._parts if p != ""]

    @property
    def is_constant(self) -> bool:
        return all(isinstance(p, str) for p in self._parts)

    def columns(self) -> set[str]:
        """The columns and computed values the template reads (for checks and documentation)."""
        return {p.source for part in self._parts if isinstance(part, _Expression)
                for p in part.alternatives if not p.constant}

    def render(self, row: Row) -> Value:
        out = []
        for part in self._parts:
            if isinstance(part, str):
                out.append(part)
                continue
            value = part.render(row)
            if isinstance(value, Missing):
                return value
            out.append(value)
        return "".join(out)

    def __repr__(self) -> str:
        return f"Template({self.text!r})"


def _split_alternatives(text: str) -> list[str]:
    parts, current, quoted, i = [], [], False, 0
    while i < len(text):
        char = text[i]
        if char == "'":
            quoted = not quoted
        if not quoted and text.startswith("||", i):
            parts.append("".join(current))
            current = []
            i += 2
            continue
        current.append(char)
        i += 1
    parts.append("".join(current))
    return parts
