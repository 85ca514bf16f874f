"""The query catalogue: one ``queries/NAME.rq`` per question, described by a header.

The header copies grlc's comment style, so every file stays a valid SPARQL query: the lines
that start with ``#+`` at the top of the file, with ``#+ `` stripped, are YAML::

    #+ title: Clusters by region
    #+ description: Cluster organisations located in a NUTS region or any region below it.
    #+ tags: [regions, clusters]
    #+ params:
    #+   - name: region
    #+     type: nuts
    #+     description: A NUTS region, as a code (ITF4) or an IRI.
    #+     example: ITF
    #+     default: ITF4      # optional; a parameter without default is required
    #+     required: false    # optional; unbound when not given (the query then covers all)

From that header alone the service makes a REST endpoint with its own OpenAPI entry, the CLI a
``clusterkg run NAME --param value`` command, and the UI a form.

Parameters are bound as RDF terms through pyoxigraph substitutions, never pasted into the query
text: a value becomes a ``NamedNode`` or a typed ``Literal`` first, and building that term is the
validation (an invalid IRI or a malformed number is refused with a message naming the parameter).
pyoxigraph substitutes only variables of the SELECT projection, so each parameter must be
projected; the loader checks it.

Writing a query: the default graph is the union of the named graphs, and a fact stated by two
source documents is seen once per graph, so select DISTINCT rows (or add up over a DISTINCT
sub-select). A parameter with ``required: false`` left empty stays unbound: write the query so
that an unbound variable means "any" (a triple pattern or FILTER EXISTS matches anything);
do not test it with BOUND(), which pyoxigraph's substitution leaves false even when bound.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import yaml

from .config import QUERIES_DIR
from .errors import ClusterKGError
from .iris import COUNTRY, NUTS, PREFIXES
from .store import Term

XSD = "http://www.w3.org/2001/XMLSchema#"

#: The parameter types, with the text shown to users in the API, the CLI and the UI.
PARAMETER_TYPES: dict[str, str] = {
    "iri": "an absolute IRI, or a prefixed name with one of the project's prefixes (id:organisation/..., voc:vc-fashion)",
    "nuts": "a NUTS code (two capital letters and up to three capitals or digits: IT, ITF, ITF4, ITF47) or a NUTS IRI",
    "country": "a country code (ISO 3166-1 alpha-3 such as ITA, or alpha-2 such as IT) or a country authority IRI",
    "string": "text",
    "langstring": "text with a language tag: 'text@en'",
    "integer": "a whole number",
    "decimal": "a decimal number such as 2500.50",
    "date": "a date as YYYY-MM-DD",
    "boolean": "true or false",
}

#: Names a parameter may not take: they are options of the endpoint itself.
RESERVED_NAMES = frozenset({"format"})

MAX_TEXT_LENGTH = 1000

_HEADER_KEYS = ("title", "description", "tags", "params")
_PARAM_KEYS = ("name", "type", "description", "example", "default", "required")
_QUERY_NAME = re.compile(r"[a-z][a-z0-9_]*")
_PARAM_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NUTS_CODE = re.compile(r"[A-Z]{2}[A-Z0-9]{0,3}")
_ALPHA3 = re.compile(r"[A-Z]{3}")
_ALPHA2 = re.compile(r"[A-Z]{2}")
_INTEGER = re.compile(r"[+-]?[0-9]{1,30}")
_DECIMAL = re.compile(r"[+-]?([0-9]{1,30}(\.[0-9]{0,30})?|\.[0-9]{1,30})")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_BOOLEANS = {"true": True, "1": True, "false": False, "0": False}
# EU usage that ISO 3166-1 alpha-2 does not cover (Greece is EL in NUTS, the UK is UK, Kosovo XK).
_ALPHA2_EXCEPTIONS = {"EL": "GRC", "UK": "GBR", "XK": "XKX"}


# ---------------------------------------------------------------- errors


class CatalogueError(ClusterKGError):
    """A query file whose header or query is wrong; names the file and line."""

    exit_code = 3

    def __init__(self, path: Path | str, line: int | None, detail: str) -> None:
        where = f"{path}:{line}" if line else str(path)
        super().__init__(f"{where}: {detail}", "fix the query file and run again")
        self.path, self.line, self.detail = str(path), line, detail


class ParameterError(ClusterKGError):
    """A parameter value that cannot be bound (the API answers 422, the CLI exits 3)."""

    exit_code = 3

    def __init__(self, query: str, parameter: str | None, detail: str, hint: str = "") -> None:
        where = f"{query}: parameter {parameter!r}" if parameter else query
        super().__init__(f"{where}: {detail}", hint)
        self.query, self.parameter, self.detail = query, parameter, detail


class UnknownQuery(ClusterKGError):
    """A name that is not in the catalogue."""

    def __init__(self, name: str, known: Iterable[str]) -> None:
        names = ", ".join(sorted(known)) or "none"
        super().__init__(f"no query named {name!r} in the catalogue", f"known queries: {names}")
        self.name = name


# ---------------------------------------------------------------- the model


@dataclass(frozen=True)
class QueryParameter:
    """One declared parameter: the name of a projected variable, its type and documentation."""

    name: str
    type: str
    description: str
    example: str
    default: str | None = None
    required: bool = True

    @property
    def type_description(self) -> str:
        """What a value of this type looks like, for help texts and forms."""
        return PARAMETER_TYPES[self.type]

    def to_term(self, value: str) -> Term:
        """The RDF term for ``value``; raises ValueError with a message for people."""
        return _CONVERTERS[self.type](value)

    def as_dict(self) -> dict[str, Any]:
        """Plain data for the API listing and the UI form."""
        return {
            "name": self.name,
            "type": self.type,
            "type_description": self.type_description,
            "description": self.description,
            "example": self.example,
            "default": self.default,
            "required": self.required,
        }


@dataclass(frozen=True)
class CatalogueQuery:
    """A query of the catalogue: its metadata, parameters and SPARQL text."""

    name: str
    title: str
    description: str
    tags: tuple[str, ...]
    parameters: tuple[QueryParameter, ...]
    sparql: str
    path: Path = field(compare=False)

    @property
    def body(self) -> str:
        """The SPARQL text without its header, for display."""
        return "\n".join(line for line in self.sparql.splitlines() if not line.startswith("#+")).strip()

    def parameter(self, name: str) -> QueryParameter | None:
        """The declared parameter called ``name``, if any."""
        return next((p for p in self.parameters if p.name == name), None)

    def bind(self, values: Mapping[str, str | None]) -> dict[str, Term]:
        """RDF terms for the request ``values`` (strings), with defaults; raises ParameterError.

        An empty value counts as not given, as HTML forms send empty fields. Unknown names are
        refused rather than ignored, so a misspelt parameter cannot silently widen a query.
        """
        known = {p.name for p in self.parameters}
        for name in values:
            if name not in known:
                expected = ", ".join(sorted(known)) or "no parameters"
                raise ParameterError(self.name, name, "is not a parameter of this query", f"it takes: {expected}")
        bindings: dict[str, Term] = {}
        for parameter in self.parameters:
            value = values.get(parameter.name)
            if value is None or value == "":
                if parameter.default is not None:
                    value = parameter.default
                elif parameter.required:
                    raise ParameterError(
                        self.name, parameter.name, "is required",
                        f"give {parameter.type_description}, for example {parameter.example}",
                    )
                else:
                    continue
            try:
                bindings[parameter.name] = parameter.to_term(value)
            except ValueError as error:
                raise ParameterError(
                    self.name, parameter.name, str(error),
                    f"give {parameter.type_description}, for example {parameter.example}",
                ) from None
        return bindings

    def as_dict(self) -> dict[str, Any]:
        """Plain data for the API listing and the UI."""
        return {
            "name": self.name,
            "title": self.title,
            "description": self.description,
            "tags": list(self.tags),
            "parameters": [p.as_dict() for p in self.parameters],
            "sparql": self.sparql,
        }


# ---------------------------------------------------------------- values -> terms


def _text(value: str) -> str:
    if len(value) > MAX_TEXT_LENGTH:
        raise ValueError(f"is {len(value)} characters long; the limit is {MAX_TEXT_LENGTH}")
    return value


def iri_term(value: str) -> ox.NamedNode:
    """An absolute IRI, or a prefixed name with a project prefix expanded (nuts:ITF4)."""
    _text(value)
    prefix, colon, local = value.partition(":")
    if colon and prefix in PREFIXES and not local.startswith("//"):
        value = PREFIXES[prefix] + local
    try:
        return ox.NamedNode(value)
    except ValueError as error:
        raise ValueError(f"{value!r} is not a valid IRI ({error})") from None


def nuts_term(value: str) -> ox.NamedNode:
    """A NUTS region IRI from a code (ITF4), a prefixed name (nuts:ITF4) or the IRI itself."""
    code = value
    for lead in (str(NUTS), "nuts:"):
        if value.startswith(lead):
            code = value[len(lead):]
    if not _NUTS_CODE.fullmatch(code):
        raise ValueError(f"{value[:80]!r} is not a NUTS code nor a NUTS IRI")
    return ox.NamedNode(str(NUTS) + code)


def country_term(value: str) -> ox.NamedNode:
    """A country authority IRI from an alpha-3 code (ITA), an alpha-2 code (IT) or the IRI."""
    code = value
    for lead in (str(COUNTRY), "country:"):
        if value.startswith(lead):
            code = value[len(lead):]
    if _ALPHA2.fullmatch(code):
        code = _alpha3(code)
    if not _ALPHA3.fullmatch(code):
        raise ValueError(f"{value[:80]!r} is not a country code nor a country IRI")
    return ox.NamedNode(str(COUNTRY) + code)


def _alpha3(alpha2: str) -> str:
    if alpha2 in _ALPHA2_EXCEPTIONS:
        return _ALPHA2_EXCEPTIONS[alpha2]
    import pycountry

    country = pycountry.countries.get(alpha_2=alpha2)
    if country is None:
        raise ValueError(f"{alpha2!r} is not an ISO 3166-1 alpha-2 country code")
    return country.alpha_3


def string_term(value: str) -> ox.Literal:
    """A plain string literal: the text is data, whatever characters it holds."""
    return ox.Literal(_text(value))


def langstring_term(value: str) -> ox.Literal:
    """'text@lang' as a language-tagged literal."""
    text, at, language = _text(value).rpartition("@")
    if not at:
        raise ValueError(f"{value[:80]!r} has no language tag: write it as 'text@en'")
    try:
        return ox.Literal(text, language=language)
    except ValueError:
        raise ValueError(f"{language[:40]!r} is not a language tag (en, it, pt-BR...)") from None


def integer_term(value: str) -> ox.Literal:
    """An xsd:integer."""
    if not _INTEGER.fullmatch(value):
        raise ValueError(f"{value[:80]!r} is not a whole number")
    return ox.Literal(str(int(value)), datatype=ox.NamedNode(XSD + "integer"))


def decimal_term(value: str) -> ox.Literal:
    """An xsd:decimal in its lexical form (no exponent)."""
    if not _DECIMAL.fullmatch(value):
        raise ValueError(f"{value[:80]!r} is not a decimal number")
    return ox.Literal(value, datatype=ox.NamedNode(XSD + "decimal"))


def date_term(value: str) -> ox.Literal:
    """An xsd:date from YYYY-MM-DD, checked to be a real day."""
    if not _DATE.fullmatch(value):
        raise ValueError(f"{value[:80]!r} is not a date written YYYY-MM-DD")
    try:
        date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a day of the calendar") from None
    return ox.Literal(value, datatype=ox.NamedNode(XSD + "date"))


def boolean_term(value: str) -> ox.Literal:
    """An xsd:boolean from true/false (or 1/0)."""
    if value.lower() not in _BOOLEANS:
        raise ValueError(f"{value[:80]!r} is not true or false")
    return ox.Literal(_BOOLEANS[value.lower()])


_CONVERTERS = {
    "iri": iri_term,
    "nuts": nuts_term,
    "country": country_term,
    "string": string_term,
    "langstring": langstring_term,
    "integer": integer_term,
    "decimal": decimal_term,
    "date": date_term,
    "boolean": boolean_term,
}


# ---------------------------------------------------------------- header parsing


class _Mapping(dict):
    """A YAML mapping that remembers the header line of itself and of each key."""

    line: int = 0
    key_lines: dict[str, int]


class _HeaderLoader(yaml.BaseLoader):
    """YAML with every scalar kept as text (no 'NO' -> False, no dates), and line numbers."""


def _construct_mapping(loader: _HeaderLoader, node: yaml.MappingNode) -> _Mapping:
    mapping = _Mapping()
    mapping.line = node.start_mark.line
    mapping.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str):
            raise yaml.constructor.ConstructorError(None, None, "keys must be plain words", key_node.start_mark)
        if key in mapping:
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
        mapping[key] = loader.construct_object(value_node, deep=True)
        mapping.key_lines[key] = key_node.start_mark.line
    return mapping


_HeaderLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


@dataclass
class _Header:
    """The header's YAML text and, for each of its lines, the line of the file it came from."""

    text: str
    file_lines: list[int]

    def line(self, header_line: int) -> int | None:
        if 0 <= header_line < len(self.file_lines):
            return self.file_lines[header_line]
        return self.file_lines[-1] if self.file_lines else None


def _split_header(path: Path, text: str) -> _Header:
    """The ``#+`` lines leading the file; a ``#+`` line after the query starts is an error."""
    lines, numbers = [], []
    in_header = True
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if line.startswith("#+"):
            if not in_header:
                raise CatalogueError(path, number, "header line after the start of the query: move it to the top")
            body = line[2:]
            lines.append(body[1:] if body.startswith(" ") else body)
            numbers.append(number)
        elif stripped and not stripped.startswith("#"):
            in_header = False
    if not lines:
        raise CatalogueError(path, 1, "no header: start the file with '#+ title: ...' and '#+ description: ...'")
    return _Header("\n".join(lines), numbers)


def parse_query_file(path: Path, checker: ox.Store | None = None) -> CatalogueQuery:
    """Read and check one query file; raises CatalogueError naming the file and line."""
    path = Path(path)
    shown = _display(path)
    name = path.stem
    if not _QUERY_NAME.fullmatch(name):
        raise CatalogueError(shown, None, f"the file name {name!r} must be lower-case words joined by '_' (it is the query's name)")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise CatalogueError(shown, None, f"not UTF-8 text ({error.reason})") from None
    header = _split_header(shown, text)
    try:
        data = yaml.load(header.text, Loader=_HeaderLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = header.line(mark.line) if mark else None
        raise CatalogueError(shown, line, f"header is not valid YAML: {error.problem or error}") from None
    if not isinstance(data, _Mapping):
        raise CatalogueError(shown, header.line(0), "the header must be 'key: value' lines (title, description, tags, params)")

    def at(mapping: _Mapping, key: str | None = None) -> int | None:
        return header.line(mapping.key_lines.get(key, mapping.line) if key else mapping.line)

    for key in data:
        if key not in _HEADER_KEYS:
            raise CatalogueError(shown, at(data, key), f"unknown header key {key!r}; allowed: {', '.join(_HEADER_KEYS)}")
    title = _required_text(data, "title", shown, at)
    description = _required_text(data, "description", shown, at)
    tags = data.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(t, str) and t for t in tags):
        raise CatalogueError(shown, at(data, "tags"), "tags must be a list of words: tags: [regions, clusters]")
    raw_params = data.get("params", [])
    if not isinstance(raw_params, list):
        raise CatalogueError(shown, at(data, "params"), "params must be a list of parameters, each starting with '- name:'")
    parameters = tuple(_parameter(raw, text, shown, at, data) for raw in raw_params)
    seen: set[str] = set()
    for parameter, raw in zip(parameters, raw_params):
        if parameter.name in seen:
            raise CatalogueError(shown, at(raw, "name"), f"parameter {parameter.name!r} is declared twice")
        seen.add(parameter.name)
    query = CatalogueQuery(name, title, description, tuple(tags), parameters, text, path)
    _check_query(query, shown, checker or ox.Store(), {p.name: at(r, "name") for p, r in zip(parameters, raw_params)})
    return query


def _required_text(mapping: _Mapping, key: str, shown: str, at: Callable[..., int | None]) -> str:
    value = mapping.get(key)
    if not isinstance(value, str) or not value.strip():
        raise CatalogueError(shown, at(mapping, key if key in mapping else None), f"the header needs a non-empty {key!r}")
    return " ".join(value.split())


def _parameter(raw: object, sparql: str, shown: str, at: Callable[..., int | None], data: _Mapping) -> QueryParameter:
    if not isinstance(raw, _Mapping):
        raise CatalogueError(shown, at(data, "params"), "each parameter must be a mapping starting with '- name:'")
    for key in raw:
        if key not in _PARAM_KEYS:
            raise CatalogueError(shown, at(raw, key), f"unknown parameter key {key!r}; allowed: {', '.join(_PARAM_KEYS)}")
    name = raw.get("name")
    if not isinstance(name, str) or not _PARAM_NAME.fullmatch(name):
        raise CatalogueError(shown, at(raw, "name" if "name" in raw else None), "a parameter needs a name made of letters, digits and '_'")
    if name in RESERVED_NAMES:
        raise CatalogueError(shown, at(raw, "name"), f"{name!r} is reserved for the endpoint's own options; rename the parameter")
    if not re.search(rf"[?$]{name}\b", _without_comments(sparql)):
        raise CatalogueError(shown, at(raw, "name"), f"parameter {name!r} is not a variable of the query (?{name})")
    kind = raw.get("type")
    if kind not in PARAMETER_TYPES:
        raise CatalogueError(shown, at(raw, "type" if "type" in raw else "name"),
                             f"parameter {name!r} needs a type among: {', '.join(PARAMETER_TYPES)}")
    description = _required_text(raw, "description", shown, at)
    example = raw.get("example")
    if not isinstance(example, str) or not example:
        raise CatalogueError(shown, at(raw, "example" if "example" in raw else "name"), f"parameter {name!r} needs an example value")
    default = raw.get("default")
    if default is not None and not isinstance(default, str):
        raise CatalogueError(shown, at(raw, "default"), f"the default of {name!r} must be a single value")
    required_text = raw.get("required")
    if required_text is not None and required_text not in ("true", "false"):
        raise CatalogueError(shown, at(raw, "required"), "required must be true or false")
    if required_text == "true" and default is not None:
        raise CatalogueError(shown, at(raw, "required"), f"parameter {name!r} has a default, so it cannot be required")
    required = default is None and required_text != "false"
    parameter = QueryParameter(name, kind, description, example, default, required)
    for key in ("example", "default"):
        value = raw.get(key)
        if value is None:
            continue
        try:
            parameter.to_term(value)
        except ValueError as error:
            raise CatalogueError(shown, at(raw, key), f"the {key} of {name!r} is not {PARAMETER_TYPES[kind]}: {error}") from None
    return parameter


def _without_comments(sparql: str) -> str:
    """The query without whole-line comments, so a variable named only in the header does not count."""
    return "\n".join(line for line in sparql.splitlines() if not line.lstrip().startswith("#"))


def _check_query(query: CatalogueQuery, shown: str, checker: ox.Store, lines: dict[str, int | None]) -> None:
    """Parse the query and bind every example on an empty store: catches syntax errors,
    parameters missing from the SELECT projection, and queries that are not SELECT."""
    try:
        result = checker.query(query.sparql)
    except SyntaxError as error:
        line = _syntax_error_line(str(error))
        raise CatalogueError(shown, line, f"SPARQL syntax error: {error}") from None
    if not isinstance(result, ox.QuerySolutions):
        raise CatalogueError(shown, None, "catalogue queries must be SELECT queries")
    bindings = {ox.Variable(p.name): p.to_term(p.example) for p in query.parameters}
    try:
        checker.query(query.sparql, substitutions=bindings or None)
    except RuntimeError as error:
        missing = re.search(r"variable \?(\w+) in its SELECT projection", str(error))
        if missing:
            raise CatalogueError(
                shown, lines.get(missing.group(1)),
                f"parameter {missing.group(1)!r} must be in the SELECT projection: pyoxigraph binds only projected variables",
            ) from None
        raise CatalogueError(shown, None, f"the query cannot run: {error}") from None


def _syntax_error_line(message: str) -> int | None:
    found = re.search(r"(\d+):(\d+)", message)
    return int(found.group(1)) if found else None


def _display(path: Path) -> str:
    from .config import ROOT

    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


# ---------------------------------------------------------------- the catalogue


def load_catalogue(directory: Path = QUERIES_DIR) -> list[CatalogueQuery]:
    """Every query of ``directory``, sorted by name; the first bad file raises CatalogueError."""
    checker = ox.Store()
    return [parse_query_file(path, checker) for path in sorted(Path(directory).glob("*.rq"))]


def get_query(name: str, directory: Path = QUERIES_DIR) -> CatalogueQuery:
    """The query called ``name``; raises UnknownQuery with the known names."""
    path = Path(directory) / f"{name}.rq"
    if not _QUERY_NAME.fullmatch(name) or not path.is_file():
        raise UnknownQuery(name, (p.stem for p in Path(directory).glob("*.rq")))
    return parse_query_file(path)


def parse_option_args(query: CatalogueQuery, args: list[str]) -> dict[str, str]:
    """``--name value`` / ``--name=value`` pairs from the command line (hyphens read as '_')."""
    values: dict[str, str] = {}
    position = 0
    while position < len(args):
        token = args[position]
        if not token.startswith("--") or token == "--":
            raise ParameterError(query.name, None, f"unexpected argument {token!r}", "give parameters as --name value")
        key, equals, value = token[2:].partition("=")
        if not equals:
            if position + 1 >= len(args):
                raise ParameterError(query.name, key, "has no value", "give parameters as --name value")
            position += 1
            value = args[position]
        name = key.replace("-", "_")
        if name in values:
            raise ParameterError(query.name, name, "is given twice")
        values[name] = value
        position += 1
    return values


__all__ = [
    "CatalogueError",
    "CatalogueQuery",
    "PARAMETER_TYPES",
    "ParameterError",
    "QueryParameter",
    "UnknownQuery",
    "get_query",
    "load_catalogue",
    "parse_option_args",
    "parse_query_file",
]
