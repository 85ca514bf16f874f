"""``clusterkg partners ...`` and ``clusterkg consortium ...``: the partner search from the command line.

Exit codes as for the rest of the CLI: 0 done (for ``consortium check``: eligible), 1 the
consortium breaks a rule of its call, 2 an error to fix (no store, store locked), 3 bad input.
"""

from __future__ import annotations

import asyncio
import json
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.table import Table

from ..errors import ClusterKGError

partners_app = typer.Typer(help="Find partners for a call and suggest consortia that pass its rules.", no_args_is_help=True)
consortium_app = typer.Typer(help="Check a consortium against its call's eligibility rules (SHACL).", no_args_is_help=True)

out = Console()
err = Console(stderr=True)


class NotEligible(ClusterKGError):
    """The consortium (or every consortium the graph allows) breaks a rule of the call: exit code 1."""

    exit_code = 1

StoreOption = Annotated[Optional[Path], typer.Option("--store", help="Store directory (default: $CLUSTERKG_STORE or var/store).")]
OutputOption = Annotated[Optional[Path], typer.Option("--output", "-o", help="File to write (default: standard output).")]
BaseOption = Annotated[Optional[str], typer.Option("--base-url", help="Address of the service, for the links of an HTML export (default: the IRIs themselves).")]
Applicant = Annotated[str, typer.Option("--applicant", "-a", help="The applicant organisation: an IRI or its slug.")]
Call = Annotated[str, typer.Option("--call", "-c", help="The call: an IRI or its slug (cos-clustpartns-2017-3-02).")]
ValueChains = Annotated[Optional[list[str]], typer.Option("--value-chain", help="Only candidates in this value chain or below (repeatable).")]
PriorityAreas = Annotated[Optional[list[str]], typer.Option("--priority-area", help="Only candidates serving this S3 priority area or below (repeatable).")]
Countries = Annotated[Optional[list[str]], typer.Option("--country", help="Only candidates of this country: SE, SWE or an IRI (repeatable).")]
Regions = Annotated[Optional[list[str]], typer.Option("--region", help="Only candidates in this NUTS region or below (repeatable).")]
OrgTypes = Annotated[Optional[list[str]], typer.Option("--org-type", help="Only candidates of this organisation type or narrower: cluster, business-support (repeatable).")]
Since = Annotated[Optional[str], typer.Option("--since", help="Projects ending in this year or later are recent (YYYY-MM-DD).")]
WTheme = Annotated[float, typer.Option("--w-theme", help="Weight of thematic fit.")]
WEligibility = Annotated[float, typer.Option("--w-eligibility", help="Weight of the eligibility contribution.")]
WTrust = Annotated[float, typer.Option("--w-trust", help="Weight of network trust.")]
WActivity = Annotated[float, typer.Option("--w-activity", help="Weight of activity.")]


class SearchFormat(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"
    html = "html"


class SuggestFormat(str, Enum):
    table = "table"
    json = "json"
    html = "html"


def _store(path: Path | None):
    from ..config import settings
    from ..store import GraphStore

    return GraphStore.open_existing(path or settings().store)


def _reader(path: Path | None):
    from .reader import StoreReader

    return StoreReader(_store(path))


def _write(text: str, output: Path | None) -> None:
    if output:
        output.write_text(text, encoding="utf-8")
        err.print(f"wrote {output} ({len(text.encode()):,} bytes)")
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")


def _iris(applicant: str, call: str) -> tuple[str, str]:
    from ..api.partners import call_iri
    from ..networks.filters import organisation_iri

    return organisation_iri(applicant), call_iri(call)


@partners_app.command("calls")
def list_calls(store: StoreOption = None) -> None:
    """The calls of the graph, and how many eligibility rules each states."""
    from .reader import text

    rows = asyncio.run(_reader(store).select("calls"))
    table = Table("call", "label", "rules")
    for row in rows:
        table.add_row(row["call"].value.rsplit("/", 1)[-1], text(row, "labelEn") or text(row, "labelAny") or "", text(row, "rules") or "0")
    out.print(table)


@partners_app.command("search")
def search_command(
    applicant: Applicant, call: Call,
    value_chain: ValueChains = None, priority_area: PriorityAreas = None, country: Countries = None,
    region: Regions = None, org_type: OrgTypes = None,
    limit: Annotated[int, typer.Option("--limit", "-n", help="How many candidates.")] = 20,
    since: Since = None,
    include_ineligible: Annotated[bool, typer.Option("--include-ineligible", help="Also list candidates a rule excludes.")] = False,
    w_theme: WTheme = 0.35, w_eligibility: WEligibility = 0.25, w_trust: WTrust = 0.25, w_activity: WActivity = 0.15,
    format: Annotated[SearchFormat, typer.Option("--format", "-f", help="table, json, csv (the shortlist) or html (printable).")] = SearchFormat.table,
    output: OutputOption = None, base_url: BaseOption = None, store: StoreOption = None,
) -> None:
    """Rank candidate partners of APPLICANT for CALL, each score explained.

    Example: clusterkg partners search -a apulia-creative-cluster-association -c cos-clustpartns-2017-3-02
    """
    from . import export
    from .search import DIMENSIONS, SearchOptions, Weights, search  # noqa: F401 - DIMENSIONS used below

    options = SearchOptions.parse(value_chain or [], priority_area or [], country or [], region or [], org_type or [],
                                  limit, since, include_ineligible)
    weights = Weights(w_theme, w_eligibility, w_trust, w_activity)
    result = asyncio.run(search(_reader(store), *_iris(applicant, call), options, weights))
    if format is SearchFormat.json:
        _write(json.dumps(result.as_json(), indent=2, ensure_ascii=False), output)
    elif format is SearchFormat.csv:
        _write(export.shortlist_csv(result), output)
    elif format is SearchFormat.html:
        _write(export.shortlist_html(result, base_url), output)
    else:
        data = result.as_json()
        out.print(f"[bold]{data['applicant']['organisation']['label']}[/] for {data['call']['label']}", highlight=False)
        out.print("weights: " + ", ".join(f"{k} {v:.2f}" for k, v in data["weights"]["normalised"].items()), highlight=False)
        for c in data["candidates"]:
            where = ", ".join(x for x in (c.get("country", {}).get("label"), (c.get("nuts2") or c.get("region") or {}).get("code"),
                                          c.get("category", {}).get("label")) if x)
            scores = "  ".join(f"{d} {c['scores'][d]:.2f}" for d in DIMENSIONS)
            out.print(f"\n[bold]{c['rank']}. {c['organisation']['label']}[/]  score {c['score']:.2f}  ({where})", highlight=False)
            out.print(f"   {scores}", highlight=False)
            for d in DIMENSIONS:
                for line in c["explanation"][d]:
                    out.print(f"   {d}: {line}", highlight=False)
        out.print(f"\n{data['considered']} considered; excluded: "
                  + (", ".join(f"{k} {v}" for k, v in data["excluded"].items()) or "none"), highlight=False)


@partners_app.command("suggest")
def suggest_command(
    applicant: Applicant, call: Call,
    size: Annotated[int, typer.Option("--size", help="Members of each consortium, the applicant included.")] = 3,
    n: Annotated[int, typer.Option("--n", "-n", help="How many consortia at most.")] = 3,
    min_countries: Annotated[Optional[int], typer.Option("--min-countries", help="Members from at least this many countries (a preference).")] = None,
    value_chain: ValueChains = None, priority_area: PriorityAreas = None, country: Countries = None,
    region: Regions = None, org_type: OrgTypes = None, since: Since = None,
    w_theme: WTheme = 0.35, w_eligibility: WEligibility = 0.25, w_trust: WTrust = 0.25, w_activity: WActivity = 0.15,
    format: Annotated[SuggestFormat, typer.Option("--format", "-f", help="table, json or html (printable, one consortium per page).")] = SuggestFormat.table,
    output: OutputOption = None, base_url: BaseOption = None, store: StoreOption = None,
) -> None:
    """Suggest consortia around APPLICANT that pass every checked rule of CALL (exit 1 if none can)."""
    from . import export
    from .search import SearchOptions, Weights
    from .suggest import suggest

    options = SearchOptions.parse(value_chain or [], priority_area or [], country or [], region or [], org_type or [], 500, since)
    weights = Weights(w_theme, w_eligibility, w_trust, w_activity)
    result = asyncio.run(suggest(_reader(store), *_iris(applicant, call), size, n, options, weights, min_countries))
    if format is SuggestFormat.json:
        _write(json.dumps(result.as_json(), indent=2, ensure_ascii=False), output)
    elif format is SuggestFormat.html:
        _write(export.suggestions_html(result, base_url), output)
    else:
        data = result.as_json()
        for note in data["notes"]:
            out.print(f"note: {note}", highlight=False)
        for index, s in enumerate(data["suggestions"], start=1):
            out.print(f"\n[bold]consortium {index}[/] score {s['score']:.2f}: {'; '.join(s['explanation'])}", highlight=False)
            _print_report(s["report"])
        if not data["suggestions"]:
            table = Table("rule that cannot be met", "why", "a partner that would fix it", show_lines=True)
            for b in data["blockers"]:
                table.add_row(b["label"], b["reason"], b["fix"])
            out.print(table)
    if not result.suggestions:
        raise NotEligible("no consortium drawn from the graph passes every rule of the call",
                          "see the rules that cannot be met above, and the partner that would fix each")


def _print_report(report: dict) -> None:
    members = Table("member", "role", "country", "region", "category")
    for m in report["members"]:
        members.add_row(m["organisation"]["label"], m["role"], m.get("country", {}).get("label", "?"),
                        (m.get("nuts2") or m.get("region") or {}).get("code", "?"), m.get("category", {}).get("label", ""))
    out.print(members)
    names = {m["organisation"]["iri"]: m["organisation"]["label"] for m in report["members"]}
    rules = Table("rule", "result", "met by", "broken by", "source", show_lines=True)
    for r in report["rules"]:
        rules.add_row(r["label"], f"{r['status']}\n{r['summary']}", ", ".join(names.get(o, o) for o in r["satisfied_by"]),
                      ", ".join(names.get(o, o) for o in r["broken_by"]),
                      "\n".join(s.get("page") or s["iri"] for s in r["sources"]))
    out.print(rules)
    out.print(report["verdict"], highlight=False)


class CheckFormat(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"
    html = "html"


@consortium_app.command("check")
def check_command(
    file: Annotated[Path, typer.Argument(help="The consortium: JSON ({\"call\": IRI, \"members\": [{\"organisation\": IRI, \"role\": ...}]}) or Turtle (.ttl).")],
    format: Annotated[CheckFormat, typer.Option("--format", "-f", help="table, json, csv or html (a printable page).")] = CheckFormat.table,
    output: OutputOption = None, base_url: BaseOption = None, store: StoreOption = None,
) -> None:
    """Check a consortium against its call's rules: exit 0 if eligible, 1 if a rule fails."""
    from . import export
    from .consortium import check, parse_json_text, parse_turtle

    if not file.is_file():
        raise ClusterKGError(f"no such file: {file}", "check the path")
    body = file.read_bytes()
    if file.suffix.lower() in (".ttl", ".turtle"):
        described, proposals = parse_turtle(body)
    else:
        described, proposals = None, [parse_json_text(body)]
    reports = asyncio.run(check(_reader(store), proposals, described))
    if format is CheckFormat.json:
        data = reports[0].as_json() if len(reports) == 1 else {"reports": [r.as_json() for r in reports]}
        _write(json.dumps(data, indent=2, ensure_ascii=False), output)
    elif format is CheckFormat.csv:
        _write("".join(export.consortium_csv(r) for r in reports), output)
    elif format is CheckFormat.html:
        _write("".join(export.consortium_html(r, base_url) for r in reports), output)
    else:
        for report in reports:
            out.print(f"[bold]{report.call.label}[/]")
            _print_report(report.as_json())
    failed = [r for r in reports if not r.eligible]
    if failed:
        raise NotEligible(failed[0].verdict, "see the rule report above")
