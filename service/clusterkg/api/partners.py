"""Partner search and consortium check over HTTP, and the /partners page.

* ``GET /api/partners/search``: ranked candidates for an applicant and a call, each with its
  scores and their explanation; weights are query parameters (``w_theme``, ``w_eligibility``,
  ``w_trust``, ``w_activity``) echoed in the answer. ``format=csv`` gives the shortlist as CSV,
  ``format=html`` as a printable page.
* ``GET /api/partners/suggest``: up to ``n`` consortia of ``size`` members that pass every
  checked rule of the call, each with its rule report; or the rules no consortium can meet.
* ``POST /api/consortia/check``: a consortium as JSON (``{"call", "members": [{"organisation",
  "role"}]}``) or Turtle; answers the rule report (``format=csv`` or ``html`` for the exports).
* ``GET /consortia/summary?call=...&member=...``: a chosen consortium on one printable page.
* ``GET /partners``: the form, the ranking and the suggested consortia.

Every query runs through the service's executor; the coparticipation network is the networks
API's (cached per store build), and the facts the ranking reads are cached per build too.
A client's mistake (an unknown call, a bad weight, malformed Turtle) is a 422 with one message.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response

from ..errors import ClusterKGError
from ..executor import QueryTimeout, ResultTooLarge, ServiceBusy
from ..iris import ID
from ..networks.filters import organisation_iri
from ..partners import export
from ..partners.consortium import Member, Proposal, check, parse_json_text, parse_turtle, role_iri
from ..partners.reader import ExecutorReader
from ..partners.search import DEFAULT_WEIGHTS, DIMENSIONS, SearchOptions, Weights, search
from ..partners.suggest import suggest
from .templating import page_href, templates

router = APIRouter(tags=["partners"])

TURTLE_TYPES = ("text/turtle", "application/x-turtle")
MAX_BODY = 1_000_000


def call_iri(value: str) -> str:
    """A call's IRI from its IRI or its slug (cos-clustpartns-2017-3-02)."""
    from ..networks.filters import _slug_iri

    return _slug_iri("call", value.removeprefix("call/"), str(ID) + "call/", "a call IRI or its slug (cos-clustpartns-2017-3-02)")


def reader_for(request: Request) -> ExecutorReader:
    """The app's reader: its executor, the networks API's cached network, and a facts cache."""
    from ..networks.filters import Filters, NetworkKind

    async def network():
        try:
            from .networks import network_for
        except ImportError:  # the networks API is optional for this router
            return await ExecutorReader(request.app.state.executor).network()
        return await network_for(request, NetworkKind.coparticipation, Filters())

    cache = request.app.state.__dict__.setdefault("partner_facts_cache", {})
    return ExecutorReader(request.app.state.executor, network=network, cache=cache)


def _http_error(error: Exception) -> HTTPException:
    if isinstance(error, (QueryTimeout, ServiceBusy)):
        return HTTPException(503, f"{error}; the first search after a build reads the whole graph: try again in a moment")
    if isinstance(error, ResultTooLarge):
        return HTTPException(422, str(error))
    if isinstance(error, ClusterKGError):
        return HTTPException(422, str(error))
    raise error


# ---------------------------------------------------------------- parameters

Applicant = Annotated[str, Query(description="The applicant organisation: an IRI or its slug (apulia-creative-cluster-association).")]
Call = Annotated[str, Query(description="The call: an IRI or its slug (cos-clustpartns-2017-3-02).")]
ValueChains = Annotated[list[str], Query(alias="value_chain", description="Candidates in this value chain or one below it (repeatable): an IRI or a slug (vc-fashion).")]
PriorityAreas = Annotated[list[str], Query(alias="priority_area", description="Candidates serving this S3 priority area or one below it (repeatable): an IRI or a slug.")]
Countries = Annotated[list[str], Query(alias="country", description="Candidates established in this country (repeatable): a code (SE, SWE) or an IRI.")]
Regions = Annotated[list[str], Query(alias="region", description="Candidates located in this NUTS region or one below it (repeatable): a code (ITF4) or an IRI.")]
OrgTypes = Annotated[list[str], Query(alias="org_type", description="Candidates of this organisation type or a narrower one (repeatable): a slug (cluster) or an IRI.")]
Limit = Annotated[int, Query(ge=1, le=500, description="How many candidates to return.")]
Since = Annotated[str | None, Query(description="Projects ending in this year or later are recent (YYYY-MM-DD; default: 1 January five years ago).")]
Ineligible = Annotated[bool, Query(description="Also list candidates a rule of the call excludes (marked).")]
W = "Weight of the {} score (any non-negative number; the weights are normalised)."
WTheme = Annotated[float, Query(description=W.format("thematic fit"))]
WEligibility = Annotated[float, Query(description=W.format("eligibility contribution"))]
WTrust = Annotated[float, Query(description=W.format("network trust"))]
WActivity = Annotated[float, Query(description=W.format("activity"))]


def _options(value_chain, priority_area, country, region, org_type, limit, since, include_ineligible) -> SearchOptions:
    return SearchOptions.parse(value_chain, priority_area, country, region, org_type, limit, since, include_ineligible)


# ---------------------------------------------------------------- API


@router.get("/api/partners/search", operation_id="search_partners", summary="Ranked partner candidates for a call")
async def search_partners(
    request: Request, applicant: Applicant, call: Call,
    value_chain: ValueChains = [], priority_area: PriorityAreas = [], country: Countries = [],
    region: Regions = [], org_type: OrgTypes = [], limit: Limit = 20, since: Since = None,
    include_ineligible: Ineligible = False,
    w_theme: WTheme = DEFAULT_WEIGHTS.theme, w_eligibility: WEligibility = DEFAULT_WEIGHTS.eligibility,
    w_trust: WTrust = DEFAULT_WEIGHTS.trust, w_activity: WActivity = DEFAULT_WEIGHTS.activity,
    format: Annotated[str, Query(pattern="^(json|csv|html)$", description="json, csv (the shortlist) or html (a printable page).")] = "json",
) -> Response:
    """Candidates ranked by the weighted mean of four scores (thematic fit, eligibility contribution,
    network trust, activity), each explained; the weights, options and scoring rules are echoed."""
    try:
        options = _options(value_chain, priority_area, country, region, org_type, limit, since, include_ineligible)
        weights = Weights(w_theme, w_eligibility, w_trust, w_activity)
        result = await search(reader_for(request), organisation_iri(applicant), call_iri(call), options, weights)
    except Exception as error:  # noqa: BLE001 - mapped by kind; anything else is re-raised
        raise _http_error(error) from None
    if format == "csv":
        return PlainTextResponse(export.shortlist_csv(result), media_type="text/csv; charset=utf-8",
                                 headers={"Content-Disposition": 'attachment; filename="partners.csv"'})
    if format == "html":
        return HTMLResponse(export.shortlist_html(result))
    return JSONResponse(result.as_json())


@router.get("/api/partners/suggest", operation_id="suggest_consortia", summary="Complete consortia that pass the call's rules")
async def suggest_consortia(
    request: Request, applicant: Applicant, call: Call,
    size: Annotated[int, Query(ge=1, le=10, description="Members of each consortium, the applicant included (raised to the call's minimum).")] = 3,
    n: Annotated[int, Query(ge=1, le=20, description="How many consortia at most.")] = 3,
    min_countries: Annotated[int | None, Query(ge=1, le=10, description="Members from at least this many countries, as a preference (default: the call's minimum, else one country per member).")] = None,
    value_chain: ValueChains = [], priority_area: PriorityAreas = [], country: Countries = [],
    region: Regions = [], org_type: OrgTypes = [], since: Since = None,
    w_theme: WTheme = DEFAULT_WEIGHTS.theme, w_eligibility: WEligibility = DEFAULT_WEIGHTS.eligibility,
    w_trust: WTrust = DEFAULT_WEIGHTS.trust, w_activity: WActivity = DEFAULT_WEIGHTS.activity,
    format: Annotated[str, Query(pattern="^(json|html)$", description="json, or html (printable, one consortium per page).")] = "json",
) -> Response:
    """Up to ``n`` consortia, best first, each passing every rule of the call the shapes check
    (with its rule report); or, when none can, the rules that cannot be met and the partner that would fix each."""
    try:
        options = _options(value_chain, priority_area, country, region, org_type, 500, since, False)
        weights = Weights(w_theme, w_eligibility, w_trust, w_activity)
        result = await suggest(reader_for(request), organisation_iri(applicant), call_iri(call), size, n, options,
                               weights, min_countries)
    except Exception as error:  # noqa: BLE001
        raise _http_error(error) from None
    if format == "html":
        return HTMLResponse(export.suggestions_html(result))
    return JSONResponse(result.as_json())


async def _read_body(request: Request) -> tuple[str, bytes]:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    body = await request.body()
    if len(body) > MAX_BODY:
        raise HTTPException(413, f"the body is larger than {MAX_BODY:,} bytes")
    if content_type in ("application/json", "") or content_type.endswith("+json"):
        return "json", body
    if content_type in TURTLE_TYPES:
        return "turtle", body
    raise HTTPException(415, f"unsupported Content-Type {content_type!r}: send application/json or text/turtle")


@router.post(
    "/api/consortia/check", operation_id="check_consortium", summary="Check a consortium against its call's rules",
    openapi_extra={"requestBody": {"content": {
        "application/json": {"schema": {"type": "object", "required": ["call", "members"], "properties": {
            "call": {"type": "string", "format": "iri"},
            "members": {"type": "array", "items": {"type": "object", "required": ["organisation"], "properties": {
                "organisation": {"type": "string", "format": "iri"},
                "role": {"type": "string", "enum": ["coordinator", "participant", "partner", "lead-partner", "associated-partner", "member"]}}}}}},
            "example": {"call": "https://w3id.org/clusterkg/id/call/cos-clustpartns-2017-3-02", "members": [
                {"organisation": "https://w3id.org/clusterkg/id/organisation/apulia-creative-cluster-association", "role": "coordinator"}]}},
        "text/turtle": {"schema": {"type": "string"}}}}},
)
async def check_consortium(
    request: Request,
    format: Annotated[str, Query(pattern="^(json|csv|html)$", description="json (the report), csv or html (a printable page).")] = "json",
) -> Response:
    """Per rule of the call: pass, fail or not checked; the members that satisfy or break it; the
    rule's text and source. The verdict is SHACL's (shapes/calls/), on the members' facts read
    from the graph plus any facts the Turtle body states."""
    kind, body = await _read_body(request)
    try:
        if kind == "json":
            described, proposals = None, [parse_json_text(body)]
        else:
            described, proposals = parse_turtle(body)
        reports = await check(reader_for(request), proposals, described)
    except HTTPException:
        raise
    except Exception as error:  # noqa: BLE001
        raise _http_error(error) from None
    if format == "csv":
        return PlainTextResponse("".join(export.consortium_csv(r) for r in reports), media_type="text/csv; charset=utf-8",
                                 headers={"Content-Disposition": 'attachment; filename="consortium.csv"'})
    if format == "html":
        return HTMLResponse("".join(export.consortium_html(r) for r in reports))
    if len(reports) == 1:
        return JSONResponse(reports[0].as_json())
    return JSONResponse({"reports": [r.as_json() for r in reports]})


# ---------------------------------------------------------------- pages


@router.get("/consortia/summary", include_in_schema=False)
async def consortium_summary(
    request: Request, call: Call,
    member: Annotated[list[str], Query(description="The members, the coordinator first (repeatable).")] = [],
    format: Annotated[str, Query(pattern="^(html|csv|json)$")] = "html",
) -> Response:
    """A chosen consortium on one printable page (the first member coordinates)."""
    try:
        if not member:
            raise ClusterKGError("no member given", "add member=IRI for each member, the coordinator first")
        members = tuple(Member(organisation_iri(m), role_iri("coordinator" if i == 0 else "participant"))
                        for i, m in enumerate(member))
        [report] = await check(reader_for(request), [Proposal(call_iri(call), members)])
    except Exception as error:  # noqa: BLE001
        raise _http_error(error) from None
    if format == "csv":
        return PlainTextResponse(export.consortium_csv(report), media_type="text/csv; charset=utf-8",
                                 headers={"Content-Disposition": 'attachment; filename="consortium.csv"'})
    if format == "json":
        return JSONResponse(report.as_json())
    return HTMLResponse(export.consortium_html(report))


@router.get("/partners", response_class=HTMLResponse, include_in_schema=False)
async def partners_page(request: Request) -> HTMLResponse:
    """The partner search form; with an applicant and a call, the ranking and suggested consortia."""
    from ..partners.reader import text

    params = request.query_params
    reader = reader_for(request)
    calls = [
        {"iri": row["call"].value, "label": text(row, "labelEn") or text(row, "labelAny") or row["call"].value,
         "rules": int(text(row, "rules") or 0)}
        for row in await reader.select("calls")
    ]
    values = {
        "applicant": params.get("applicant", ""), "call": params.get("call", ""),
        "value_chain": params.get("value_chain", ""), "priority_area": params.get("priority_area", ""),
        "country": params.get("country", ""), "region": params.get("region", ""), "org_type": params.get("org_type", ""),
        "limit": params.get("limit", "20"), "size": params.get("size", "3"), "n": params.get("n", "3"),
        "since": params.get("since", ""),
        **{f"w_{d}": params.get(f"w_{d}", str(getattr(DEFAULT_WEIGHTS, d))) for d in DIMENSIONS},
    }
    split = lambda v: [x.strip() for x in v.split(",") if x.strip()]  # noqa: E731
    # the API takes each filter value as its own parameter (country=SE&country=BG)
    api_query = urlencode(
        [(name, values[name]) for name in ("applicant", "call", "limit", "since", *(f"w_{d}" for d in DIMENSIONS)) if values[name]]
        + [(name, item) for name in ("value_chain", "priority_area", "country", "region", "org_type") for item in split(values[name])]
    )
    context = {"title": "Partner search", "calls": calls, "values": values, "dimensions": DIMENSIONS,
               "search": None, "suggest": None, "error": None, "link": page_href, "query": api_query}
    if values["applicant"] and values["call"]:
        try:
            options = _options(split(values["value_chain"]), split(values["priority_area"]), split(values["country"]),
                               split(values["region"]), split(values["org_type"]), int(values["limit"] or 20),
                               values["since"] or None, False)
            weights = Weights(*(float(values[f"w_{d}"] or 0) for d in DIMENSIONS))
            applicant, call = organisation_iri(values["applicant"]), call_iri(values["call"])
            result = await search(reader, applicant, call, options, weights)
            proposal = await suggest(reader, applicant, call, int(values["size"] or 3), int(values["n"] or 3),
                                     SearchOptions.parse(split(values["value_chain"]), split(values["priority_area"]),
                                                         split(values["country"]), split(values["region"]),
                                                         split(values["org_type"]), 500, values["since"] or None),
                                     weights)
            context["search"] = result.as_json()
            context["suggest"] = proposal.as_json()
        except ValueError as error:
            context["error"] = f"{error}: give numbers for the limit, size, n and weights"
        except (ClusterKGError, QueryTimeout, ServiceBusy, ResultTooLarge) as error:
            context["error"] = str(error)
    return templates.TemplateResponse(request, "partners.html", context)
