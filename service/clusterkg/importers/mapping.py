"""Declarative tabular mappings: a YAML file turns the records of a CSV, TSV, XLSX or JSON file into RDF.

The format is described, with a worked example, in ``data/mappings/README.md``. In short:

.. code-block:: yaml

    mapping: national-clusters        # the name 'clusterkg import' knows it by
    version: 1                        # bump when the output changes: recorded in the catalogue
    document: {id: ..., title: ..., publisher: ..., license: ...}   # the ckg:SourceDocument
    source: {format: csv, delimiter: ";"}
    lookups: {region: {nuts-label: {country: IT}}}
    require: [Name]                   # a row without these is rejected
    reject: [{if: "{End|lt:Start}", reason: "ends before it starts"}]
    entities:
      cluster:
        iri: "id:organisation/{Name|slug}"
        class: ckg:ClusterOrganisation
        properties:
          skos:prefLabel: {value: "{Name}", lang: en}
          ckg:locatedIn: {iri: "{Region|lookup:region}"}

Each row is mapped as a whole or not at all: a row that cannot be mapped is rejected with a
reason; a value that cannot be mapped (a region no lookup finds, a number that does not
parse) is left out of an otherwise good row and reported as a warning. Both go to the
rejects file. Every typed node gets ``dcterms:source`` pointing at the mapping's document.

Entities are single-valued per property (and language) across the whole file unless a
property says ``multiple: true``: when two rows disagree, the first wins and the other value
is reported (``on_conflict: keep-first``, the default), or the later row is rejected
(``on_conflict: reject``, for participations, where disagreement means the row describes
something else), or the other value goes to another property (``variants: skos:altLabel``,
for spellings of a name).
"""

from __future__ import annotations

import csv
import fnmatch
import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Literal

import pyoxigraph as ox
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ..errors import ClusterKGError
from ..iris import PREFIXES, SRC
from .lookups import LookupError_, make_lookup
from .template import EMPTY, Missing, Row, Template, TemplateError, Value

RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
DCT_SOURCE = ox.NamedNode("http://purl.org/dc/terms/source")
XSD = "http://www.w3.org/2001/XMLSchema#"
_LANGUAGE_TAG = re.compile(r"^[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*$")
_CURIE = re.compile(r"^([A-Za-z][\w.-]*):(.*)$")


class MappingError(ClusterKGError):
    """A mapping file that cannot be used: bad YAML, an unknown option, a broken template."""

    exit_code = 3

    def __init__(self, path: Path | str, detail: str) -> None:
        super().__init__(f"{path}: {detail}", "fix the mapping file and run again")


# ---------------------------------------------------------------- the mapping file

class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class DocumentSpec(_Strict):
    """The source document every imported node points to with dcterms:source."""

    id: str = Field(description="slug of the document IRI, https://w3id.org/clusterkg/source/ID")
    title: str
    publisher: str
    license: str | None = None
    page: str | None = None
    date: str | None = None
    language: str | None = None
    description: str | None = None

    @field_validator("id")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", value):
            raise ValueError("lower-case letters, digits and hyphens only")
        return value


class OrderBy(_Strict):
    column: str
    values: list[str]


class SourceSpec(_Strict):
    format: Literal["csv", "tsv", "json", "xlsx"]
    delimiter: str | None = None
    quoting: Literal["minimal", "none"] = "minimal"
    encoding: str = "utf-8-sig"
    header_row: int = 1
    sheet: str | None = None
    records: str = ""
    null_values: list[str] = []
    order_by: OrderBy | None = None
    files: list[str] = []


class PropertySpec(_Strict):
    value: str | None = None
    iri: str | None = None
    ref: str | None = None
    lang: str | None = None
    datatype: str | None = None
    required: bool = False
    when: str | None = None
    multiple: bool = False
    variants: str | None = None
    quiet: bool = False


class EntitySpec(_Strict):
    iri: str
    class_: str | list[str] = Field(default_factory=list, alias="class")
    when: str | None = None
    required: bool = False
    on_conflict: Literal["keep-first", "reject"] = "keep-first"
    source: bool = True
    properties: dict[str, str | PropertySpec | list[str | PropertySpec]] = {}


class CheckSpec(_Strict):
    if_: str = Field(alias="if")
    reason: str


class MappingSpec(_Strict):
    mapping: str
    version: int = 1
    family: str | None = None
    description: str | None = None
    document: DocumentSpec
    source: SourceSpec
    prefixes: dict[str, str] = {}
    lookups: dict[str, dict[str, Any]] = {}
    let: dict[str, str] = {}
    require: list[str] = []
    reject: list[CheckSpec] = []
    entities: dict[str, EntitySpec]


# ---------------------------------------------------------------- results

@dataclass(frozen=True)
class Reject:
    """A row that was not imported (``rejected``), or a value left out of a row that was (``warning``)."""

    row: int
    outcome: str
    reason: str
    raw: str


@dataclass
class MappedData:
    """What a mapping made of a file: triples, and an account of every row."""

    triples: list[ox.Triple] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    read: int = 0
    imported: int = 0
    documents: list[str] = field(default_factory=list)

    @property
    def rejected(self) -> int:
        return sum(1 for r in self.rejects if r.outcome == "rejected")

    @property
    def warnings(self) -> int:
        return sum(1 for r in self.rejects if r.outcome == "warning")


class _RowRejected(Exception):
    pass


# ---------------------------------------------------------------- compiled mapping

@dataclass
class _Property:
    predicate: ox.NamedNode
    kind: str  # value | iri | ref
    template: Template | None
    ref: str | None
    lang: Template | None
    datatype: str | None
    required: bool
    when: Template | None
    multiple: bool
    variants: ox.NamedNode | None
    quiet: bool


@dataclass
class _Entity:
    name: str
    iri: Template
    static_classes: list[ox.NamedNode]
    dynamic_classes: list[Template]
    when: Template | None
    required: bool
    on_conflict: str
    source: bool
    properties: list[_Property]


class Mapping:
    """A mapping file, checked and compiled; :meth:`run` maps a data file."""

    def __init__(self, spec: MappingSpec, path: Path | None = None) -> None:
        self.spec = spec
        self.path = path
        self.name = spec.mapping
        self.version = spec.version
        self.prefixes = {**PREFIXES, **spec.prefixes}
        self.document = ox.NamedNode(str(SRC[spec.document.id]))
        where = path or spec.mapping
        try:
            self.let = {name: Template(text) for name, text in spec.let.items()}
            self.checks = [(Template(c.if_), Template(c.reason)) for c in spec.reject]
            self.entities = [self._entity(name, e) for name, e in spec.entities.items()]
        except (TemplateError, ValueError) as error:
            raise MappingError(where, str(error)) from error
        names = {e.name for e in self.entities}
        for entity in self.entities:
            for prop in entity.properties:
                if prop.ref is not None and prop.ref not in names:
                    raise MappingError(where, f"entity {entity.name}: ref {prop.ref!r} is not an entity of the mapping")

    @classmethod
    def load(cls, path: Path) -> "Mapping":
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as error:
            raise MappingError(path, f"cannot read the mapping: {error}") from error
        try:
            spec = MappingSpec.model_validate(data)
        except ValidationError as error:
            problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors()[:5])
            raise MappingError(path, problems) from error
        return cls(spec, path)

    def matches_file(self, path: Path) -> bool:
        return any(fnmatch.fnmatch(path.name, pattern) for pattern in self.spec.source.files)

    # ---------------------------------------------------------------- compiling

    def expand(self, text: str) -> str:
        """A CURIE with a known prefix, or an absolute IRI, as a full IRI; ValueError otherwise."""
        match = _CURIE.match(text)
        if match and match.group(1) in self.prefixes and not match.group(2).startswith("//"):
            return self.prefixes[match.group(1)] + match.group(2)
        if re.match(r"^(https?|urn|mailto|file):", text):
            return text
        raise ValueError(f"not an IRI nor a CURIE with a known prefix: {text!r}")

    def _entity(self, name: str, spec: EntitySpec) -> _Entity:
        classes = [spec.class_] if isinstance(spec.class_, str) else list(spec.class_)
        static, dynamic = [], []
        for text in classes:
            template = Template(text)
            if template.is_constant:
                static.append(ox.NamedNode(self.expand(text)))
            else:
                dynamic.append(template)
        properties = []
        for predicate, specs in spec.properties.items():
            items = specs if isinstance(specs, list) else [specs]
            for item in items:
                properties.append(self._property(name, predicate, item))
        return _Entity(name, Template(spec.iri), static, dynamic, Template(spec.when) if spec.when else None,
                       spec.required, spec.on_conflict, spec.source, properties)

    def _property(self, entity: str, predicate: str, item: str | PropertySpec) -> _Property:
        spec = PropertySpec(value=item) if isinstance(item, str) else item
        kinds = [k for k in ("value", "iri", "ref") if getattr(spec, k) is not None]
        if len(kinds) != 1:
            raise ValueError(f"entity {entity}, {predicate}: give exactly one of value, iri, ref")
        kind = kinds[0]
        if kind != "value" and (spec.lang or spec.datatype):
            raise ValueError(f"entity {entity}, {predicate}: lang and datatype are for literal values")
        if spec.lang and spec.datatype:
            raise ValueError(f"entity {entity}, {predicate}: a literal has a language or a datatype, not both")
        datatype = self.expand(spec.datatype) if spec.datatype else None
        return _Property(
            predicate=ox.NamedNode(self.expand(predicate)),
            kind=kind,
            template=Template(getattr(spec, kind)) if kind != "ref" else None,
            ref=spec.ref,
            lang=Template(spec.lang) if spec.lang else None,
            datatype=datatype,
            required=spec.required,
            when=Template(spec.when) if spec.when else None,
            multiple=spec.multiple,
            variants=ox.NamedNode(self.expand(spec.variants)) if spec.variants else None,
            quiet=spec.quiet,
        )

    # ---------------------------------------------------------------- running

    def run(self, data_file: Path, progress: Callable[[int], None] | None = None,
            total: Callable[[int], None] | None = None) -> MappedData:
        """Map ``data_file``; ``total(n)`` is told the number of records, ``progress(k)`` each k done."""
        where = self.path or self.name
        try:
            lookups = {name: make_lookup(name, spec, data_file.parent) for name, spec in self.spec.lookups.items()}
        except (LookupError_, TemplateError) as error:
            raise MappingError(where, str(error)) from error
        records = list(read_records(data_file, self.spec.source))
        if self.spec.source.order_by is not None:
            records = _ordered(records, self.spec.source.order_by)
        if total is not None:
            total(len(records))
        null_values = frozenset(self.spec.source.null_values)
        result = MappedData(documents=[self.document.value])
        state = _State()
        for done, (number, cells, raw) in enumerate(records, start=1):
            result.read += 1
            row = Row(cells, lookups, number, null_values)
            try:
                triples, warnings = self._map_row(row, state)
            except _RowRejected as rejected:
                result.rejects.append(Reject(number, "rejected", str(rejected), raw))
            except TemplateError as error:
                raise MappingError(where, str(error)) from error
            else:
                result.imported += 1
                state.add(triples)
                result.rejects += [Reject(number, "warning", w, raw) for w in warnings]
            if progress is not None and done % 500 == 0:
                progress(500)
        if progress is not None:
            progress(len(records) % 500)
        result.triples = state.triples()
        return result

    def _map_row(self, row: Row, state: "_State") -> tuple[list[ox.Triple], list[str]]:
        for name, template in self.let.items():
            row.computed[name] = template.render(row)
        for column in self.spec.require:
            if isinstance(row.get(column), Missing):
                raise _RowRejected(f"no value in column {column!r}")
        for condition, reason in self.checks:
            if not isinstance(condition.render(row), Missing):
                text = reason.render(row)
                raise _RowRejected(text if not isinstance(text, Missing) else reason.text)
        warnings: list[str] = []
        made: list[tuple[_Entity, ox.NamedNode]] = []
        for entity in self.entities:
            if entity.when is not None and isinstance(entity.when.render(row), Missing):
                continue
            iri = self._iri(entity.iri.render(row))
            if isinstance(iri, Missing):
                if entity.required:
                    raise _RowRejected(f"{entity.name}: no IRI ({iri.reason or 'a value it is named by is empty'})")
                if iri.reason:
                    warnings.append(f"{entity.name} left out: {iri.reason}")
                continue
            row.entities[entity.name] = iri.value
            made.append((entity, iri))
        triples: list[ox.Triple] = []
        claims: list[tuple[tuple, ox.NamedNode | ox.Literal | frozenset, _Entity, _Property | None]] = []
        for entity, subject in made:
            classes = list(entity.static_classes)
            dynamic = set()
            for template in entity.dynamic_classes:
                value = self._iri(template.render(row))
                if isinstance(value, Missing):
                    if value.reason:
                        warnings.append(f"{entity.name} class: {value.reason}")
                    continue
                dynamic.add(value)
            if dynamic:
                claims.append(((subject, RDF_TYPE, "class"), frozenset(dynamic), entity, None))
            triples += [ox.Triple(subject, RDF_TYPE, c) for c in classes]
            if entity.source and (classes or dynamic):
                triples.append(ox.Triple(subject, DCT_SOURCE, self.document))
            for prop in entity.properties:
                if prop.when is not None and isinstance(prop.when.render(row), Missing):
                    continue
                obj = self._object(prop, row)
                if isinstance(obj, Missing):
                    where = f"{entity.name} {_short(prop.predicate.value)}"
                    if prop.required:
                        raise _RowRejected(f"{where}: {obj.reason or 'no value'}")
                    if obj.reason and not prop.quiet:
                        warnings.append(f"{where} left out: {obj.reason}")
                    continue
                if prop.multiple:
                    triples.append(ox.Triple(subject, prop.predicate, obj))
                else:
                    key_lang = obj.language if isinstance(obj, ox.Literal) else None
                    claims.append(((subject, prop.predicate, key_lang), obj, entity, prop))
        pending: dict[tuple, object] = {}
        conflicts: dict[tuple[str, ox.NamedNode], list[str]] = {}
        for key, value, entity, prop in claims:
            existing, first_row = state.single.get(key, (None, 0))
            if existing is None and key in pending:
                existing, first_row = pending[key], row.number
            if existing is None:
                pending[key] = value
                continue
            if existing == value:
                continue
            subject, predicate, _ = key
            if prop is not None and prop.variants is not None:
                triples.append(ox.Triple(subject, prop.variants, value))
                continue
            difference = f"{_short(predicate.value)} {_show(existing)} (row {first_row}), here {_show(value)}"
            if entity.on_conflict == "reject":
                raise _RowRejected(f"{entity.name} {_short(subject.value)} was already made with another "
                                   f"{difference}")
            conflicts.setdefault((entity.name, subject), []).append(difference)
        for (name, subject), differences in conflicts.items():
            warnings.append(f"{name} {_short(subject.value)} disagrees with an earlier row, kept the first: "
                            + "; ".join(differences))
        for key, value in pending.items():
            state.single[key] = (value, row.number)
            subject, predicate, _ = key
            if isinstance(value, frozenset):
                triples += [ox.Triple(subject, RDF_TYPE, v) for v in sorted(value, key=lambda n: n.value)]
            else:
                triples.append(ox.Triple(subject, predicate, value))
        return triples, warnings

    def _iri(self, value: Value) -> ox.NamedNode | Missing:
        if isinstance(value, Missing):
            return value
        try:
            return ox.NamedNode(self.expand(value))
        except ValueError as error:
            return Missing(str(error))

    def _object(self, prop: _Property, row: Row) -> ox.NamedNode | ox.Literal | Missing:
        if prop.kind == "ref":
            iri = row.entities.get(prop.ref)
            return ox.NamedNode(iri) if iri else EMPTY
        value = prop.template.render(row)
        if isinstance(value, Missing):
            return value
        if prop.kind == "iri":
            return self._iri(value)
        if prop.lang is not None:
            lang = prop.lang.render(row)
            if isinstance(lang, Missing):
                return Missing(f"no language for {value!r}" + (f" ({lang.reason})" if lang.reason else ""))
            if not _LANGUAGE_TAG.match(lang):
                return Missing(f"not a language tag: {lang!r}")
            return ox.Literal(value, language=lang.lower())
        return typed_literal(value, prop.datatype)


class _State:
    """Triples made so far, and the single values already given per (subject, property, language)."""

    def __init__(self) -> None:
        self._triples: dict[ox.Triple, None] = {}
        self.single: dict[tuple, tuple[object, int]] = {}

    def add(self, triples: list[ox.Triple]) -> None:
        for triple in triples:
            self._triples[triple] = None

    def triples(self) -> list[ox.Triple]:
        return list(self._triples)


def _short(iri: str) -> str:
    from ..report import short

    return short(iri)


def _show(value: object) -> str:
    if isinstance(value, frozenset):
        return ", ".join(sorted(_short(v.value) for v in value))
    if isinstance(value, ox.NamedNode):
        return _short(value.value)
    if isinstance(value, ox.Literal):
        return repr(value.value) + (f"@{value.language}" if value.language else "")
    return str(value)


# ---------------------------------------------------------------- literals

def typed_literal(value: str, datatype: str | None) -> ox.Literal | Missing:
    """A literal of ``datatype`` (full IRI) whose lexical form is checked and normalised."""
    if datatype is None or datatype == XSD + "string":
        return ox.Literal(value)
    local = datatype.removeprefix(XSD) if datatype.startswith(XSD) else None
    text = value
    if local == "decimal":
        try:
            number = Decimal(value.replace(" ", ""))
        except InvalidOperation:
            return Missing(f"not a decimal: {value!r}")
        if not number.is_finite():
            return Missing(f"not a decimal: {value!r}")
        # Oxigraph's canonical form (no trailing zeros, no '.0'), so a re-import compares equal.
        text = format(number, "f")
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        text = "0" if text in ("", "-0") else text
    elif local == "integer":
        try:
            number = Decimal(value)
        except InvalidOperation:
            return Missing(f"not an integer: {value!r}")
        if number != number.to_integral_value():
            return Missing(f"not an integer: {value!r}")
        text = str(int(number))
    elif local == "date":
        try:
            text = date.fromisoformat(value[:10]).isoformat()
        except ValueError:
            return Missing(f"not a date (YYYY-MM-DD): {value!r}")
    elif local == "gYear":
        if not re.fullmatch(r"-?\d{4}", value):
            return Missing(f"not a year: {value!r}")
    elif local == "gYearMonth":
        if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", value):
            return Missing(f"not a year and month (YYYY-MM): {value!r}")
    elif local == "dateTime":
        try:
            datetime.fromisoformat(value)
        except ValueError:
            return Missing(f"not a date-time: {value!r}")
    elif local == "boolean":
        lowered = value.lower()
        if lowered not in ("true", "false", "1", "0"):
            return Missing(f"not a boolean: {value!r}")
        text = "true" if lowered in ("true", "1") else "false"
    return ox.Literal(text, datatype=ox.NamedNode(datatype))


# ---------------------------------------------------------------- reading records

Record = tuple[int, dict[str, str | None], str]


def read_records(path: Path, source: SourceSpec) -> Iterator[Record]:
    """(row number, cells by column, raw text) for each record of ``path``.

    Row numbers are the file's line numbers for CSV/TSV, the sheet's row numbers for XLSX
    and the record's position (from 1) in the JSON list.
    """
    if not path.is_file():
        raise ClusterKGError(f"no such file: {path}", "check the path of the data file")
    if source.format in ("csv", "tsv"):
        yield from _read_csv(path, source)
    elif source.format == "json":
        yield from _read_json(path, source)
    else:
        yield from _read_xlsx(path, source)


def _read_csv(path: Path, source: SourceSpec) -> Iterator[Record]:
    delimiter = source.delimiter or ("\t" if source.format == "tsv" else ",")
    quoting = csv.QUOTE_NONE if source.quoting == "none" else csv.QUOTE_MINIMAL
    with path.open(encoding=source.encoding, newline="") as handle:
        reader = csv.reader(handle, delimiter=delimiter, quoting=quoting)
        header: list[str] = []
        for fields in reader:
            if reader.line_num == source.header_row:
                header = [name.strip() for name in fields]
                break
        if not header:
            raise ClusterKGError(f"{path}: no header at line {source.header_row}", "set source.header_row in the mapping")
        for fields in reader:
            if not any(f.strip() for f in fields):
                continue
            cells = {name: (fields[i] if i < len(fields) else None) for i, name in enumerate(header) if name}
            yield reader.line_num, cells, delimiter.join(fields)


def _read_json(path: Path, source: SourceSpec) -> Iterator[Record]:
    try:
        data = json.loads(path.read_text(encoding=source.encoding))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ClusterKGError(f"{path}: not JSON ({error})", "check the file and source.format") from error
    for step in [s for s in source.records.split(".") if s]:
        if not isinstance(data, dict) or step not in data:
            raise ClusterKGError(f"{path}: no {source.records!r} in the JSON", "set source.records to the path of the record list")
        data = data[step]
    if not isinstance(data, list):
        raise ClusterKGError(f"{path}: {source.records or 'the top level'} is not a list of records",
                             "set source.records to the path of the record list")
    for number, record in enumerate(data, start=1):
        if not isinstance(record, dict):
            continue
        yield number, _flatten(record), json.dumps(record, ensure_ascii=False, sort_keys=True)


def _flatten(record: Mapping[str, Any], prefix: str = "") -> dict[str, str | None]:
    cells: dict[str, str | None] = {}
    for key, value in record.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            cells.update(_flatten(value, name + "."))
        elif value is None:
            cells[name] = None
        elif isinstance(value, bool):
            cells[name] = "true" if value else "false"
        elif isinstance(value, (list, tuple)):
            cells[name] = json.dumps(value, ensure_ascii=False)
        else:
            cells[name] = str(value)
    return cells


def _read_xlsx(path: Path, source: SourceSpec) -> Iterator[Record]:
    import openpyxl

    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        if source.sheet is not None and source.sheet not in workbook.sheetnames:
            raise ClusterKGError(f"{path}: no sheet {source.sheet!r} (sheets: {', '.join(workbook.sheetnames)})",
                                 "set source.sheet in the mapping")
        sheet = workbook[source.sheet] if source.sheet else workbook.worksheets[0]
        header: list[str] = []
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            if number < source.header_row:
                continue
            if number == source.header_row:
                header = [str(v).strip() if v is not None else "" for v in values]
                continue
            cells_list = [_cell(v) for v in values]
            if not any(c for c in cells_list):
                continue
            cells = {name: (cells_list[i] if i < len(cells_list) else None) for i, name in enumerate(header) if name}
            yield number, cells, "\t".join(c or "" for c in cells_list)
    finally:
        workbook.close()


def _cell(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _ordered(records: list[Record], order: OrderBy) -> list[Record]:
    rank = {value: i for i, value in enumerate(order.values)}
    return sorted(records, key=lambda r: rank.get((r[1].get(order.column) or "").strip(), len(rank)))
