"""What a network shows: its kind and its filters, parsed from what people type.

Each value a user gives becomes an RDF term before any query runs (constructing the
``NamedNode`` or typed ``Literal`` is the validation); short forms are accepted where the
project's IRIs make them unambiguous:

========== ===================================================== =========================================
filter     accepted                                              becomes
========== ===================================================== =========================================
programme  an IRI, or a slug: ``interreg-med``                   ``id:programme/interreg-med``
as_of      a day, ``2018-06-30``                                 ``"2018-06-30"^^xsd:date``
country    a NUTS/ISO code (``IT``, ``EL``, ``ITA``) or an IRI   ``country:ITA``
region     a NUTS code (``ITF4``) or an IRI                      ``nuts:ITF4``
value_chain a concept IRI, ``vc-fashion`` or ``fashion``         ``voc:vc-fashion``
org_type   a concept IRI, ``orgtype-cluster`` or ``cluster``     ``voc:orgtype-cluster``
========== ===================================================== =========================================
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import date
from enum import Enum

import pyoxigraph as ox

from ..errors import ClusterKGError
from ..iris import COUNTRY, ID, NUTS, VOC, slug
from ..store import Term

XSD_DATE = ox.NamedNode("http://www.w3.org/2001/XMLSchema#date")
XSD_INTEGER = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")


class NetworkKind(str, Enum):
    """The networks the service derives."""

    coparticipation = "coparticipation"
    bipartite = "bipartite"
    regions = "regions"
    themes = "themes"


KIND_DESCRIPTIONS: dict[NetworkKind, str] = {
    NetworkKind.coparticipation: (
        "Organisations joined by the projects, partnerships, agreements, deliverables, activities and events "
        "they take part in together (and by direct ties: coordinated by, supported by, part of, funded by); "
        "an edge's weight is how many things join the two."
    ),
    NetworkKind.bipartite: "Organisations and the projects, partnerships, agreements, activities and events they take part in, with role and budget.",
    NetworkKind.regions: "NUTS regions (at the level asked, 0 to 3) joined by the collaborations of their organisations.",
    NetworkKind.themes: "Cluster organisations, the value chains they work in and the S3 priority areas they serve.",
}


class BadFilter(ClusterKGError):
    """A filter value that cannot be read as what it should be."""

    exit_code = 3

    def __init__(self, name: str, value: str, expected: str) -> None:
        super().__init__(f"bad {name} {value!r}", f"give {expected}")
        self.name, self.value, self.expected = name, value, expected


_NUTS_CODE = re.compile(r"^[A-Z]{2}[A-Z0-9]{0,3}$")


def _iri(name: str, value: str, expected: str) -> str:
    try:
        return ox.NamedNode(value).value
    except ValueError:
        raise BadFilter(name, value, expected) from None


def _is_iri(value: str) -> bool:
    return bool(re.match(r"^[A-Za-z][A-Za-z0-9+.\-]*:", value)) and "://" in value


def _slug_iri(name: str, value: str, namespace: str, expected: str, prefix: str = "") -> str:
    value = value.strip()
    if _is_iri(value):
        return _iri(name, value, expected)
    try:
        local = slug(value)
    except ValueError:
        raise BadFilter(name, value, expected) from None
    if prefix and not local.startswith(prefix):
        local = prefix + local
    return namespace + local


def organisation_iri(value: str) -> str:
    """An organisation's IRI from its IRI, ``organisation/slug`` or ``slug``."""
    expected = "an organisation IRI (https://w3id.org/clusterkg/id/organisation/...) or its slug"
    value = value.strip()
    if _is_iri(value):
        return _iri("organisation", value, expected)
    return _slug_iri("organisation", value.removeprefix("organisation/"), str(ID) + "organisation/", expected)


def programme_iri(value: str) -> str:
    return _slug_iri("programme", value.removeprefix("programme/"), str(ID) + "programme/",
                     "a programme IRI or its slug (interreg-med)")


def country_iri(value: str) -> str:
    from ..reference import iso3

    expected = "a country code (IT, EL, ITA) or a country IRI"
    value = value.strip()
    if _is_iri(value):
        return _iri("country", value, expected)
    code = value.upper()
    if re.fullmatch(r"[A-Z]{3}", code):
        return str(COUNTRY) + code
    if re.fullmatch(r"[A-Z]{2}", code):
        try:
            return str(COUNTRY) + iso3(code)
        except KeyError:
            raise BadFilter("country", value, expected) from None
    raise BadFilter("country", value, expected)


def region_iri(value: str) -> str:
    expected = "a NUTS code (ITF4) or a NUTS region IRI"
    value = value.strip()
    if _is_iri(value):
        return _iri("region", value, expected)
    if _NUTS_CODE.match(value.upper()):
        return str(NUTS) + value.upper()
    raise BadFilter("region", value, expected)


def value_chain_iri(value: str) -> str:
    return _slug_iri("value chain", value, str(VOC), "a value-chain concept IRI or its slug (vc-fashion)", "vc-")


def org_type_iri(value: str) -> str:
    return _slug_iri("organisation type", value, str(VOC), "an organisation-type concept IRI or its slug (cluster)", "orgtype-")


def as_of_date(value: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise BadFilter("date", value, "a day as YYYY-MM-DD") from None


@dataclass(frozen=True)
class Filters:
    """The filters of a network; IRIs are full, validated IRIs. ``None`` means no filter."""

    programme: str | None = None
    as_of: date | None = None
    country: str | None = None
    region: str | None = None
    value_chain: str | None = None
    org_type: str | None = None
    min_weight: int = 1

    @classmethod
    def parse(
        cls,
        programme: str | None = None,
        as_of: str | None = None,
        country: str | None = None,
        region: str | None = None,
        value_chain: str | None = None,
        org_type: str | None = None,
        min_weight: int | None = None,
    ) -> "Filters":
        """Filters from user input (short forms allowed, see the module); raises :class:`BadFilter`."""
        if min_weight is not None and min_weight < 1:
            raise BadFilter("minimum weight", str(min_weight), "a whole number of at least 1")
        given = lambda v: v is not None and v.strip() != ""  # noqa: E731
        return cls(
            programme=programme_iri(programme) if given(programme) else None,
            as_of=as_of_date(as_of) if given(as_of) else None,
            country=country_iri(country) if given(country) else None,
            region=region_iri(region) if given(region) else None,
            value_chain=value_chain_iri(value_chain) if given(value_chain) else None,
            org_type=org_type_iri(org_type) if given(org_type) else None,
            min_weight=min_weight or 1,
        )

    @property
    def any(self) -> bool:
        """Whether any filter narrows the network."""
        return self != Filters()

    @property
    def joiner_filters(self) -> bool:
        """Whether a filter bears on projects and activities (programme, date, value chain)."""
        return any((self.programme, self.as_of, self.value_chain))

    def bindings(self) -> dict[str, Term]:
        """The SPARQL variables of the network queries, bound as RDF terms."""
        terms: dict[str, Term] = {}
        for name, value in (("programme", self.programme), ("country", self.country), ("region", self.region),
                            ("valueChain", self.value_chain), ("orgType", self.org_type)):
            if value is not None:
                terms[name] = ox.NamedNode(value)
        if self.as_of is not None:
            terms["asOf"] = ox.Literal(self.as_of.isoformat(), datatype=XSD_DATE)
        return terms

    def query_params(self) -> dict[str, str]:
        """The filters as URL query parameters (full IRIs; the short forms read back the same)."""
        params = {k: (v.isoformat() if isinstance(v, date) else str(v)) for k, v in asdict(self).items()
                  if v is not None and k != "min_weight"}
        if "as_of" in params:
            params["date"] = params.pop("as_of")
        if self.min_weight > 1:
            params["min_weight"] = str(self.min_weight)
        return params

    def describe(self) -> dict[str, object]:
        """The filters as JSON values."""
        return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in asdict(self).items()}


def only(bindings: dict[str, Term], *names: str) -> dict[str, Term]:
    """The bindings a query takes (pyoxigraph refuses variables a query does not project)."""
    return {name: term for name, term in bindings.items() if name in names}


def level_literal(level: int) -> ox.Literal:
    if not 0 <= level <= 3:
        raise BadFilter("NUTS level", str(level), "0, 1, 2 or 3")
    return ox.Literal(str(level), datatype=XSD_INTEGER)


__all__ = ["BadFilter", "Filters", "KIND_DESCRIPTIONS", "NetworkKind", "level_literal", "only", "organisation_iri"]
