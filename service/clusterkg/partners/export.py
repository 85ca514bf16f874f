"""The shortlist and a consortium as CSV, and as a printable one-page HTML summary.

The HTML pages stand alone: their stylesheet (``api/static/partners.css``, print rules
included) is inlined, so a file written by the CLI prints and reads offline like the page the
service serves. Links go to the entity pages (``/id/...``, ``/region/...``) under ``base``: ""
in the service (relative links), the service's address for a file (``--base-url``), or the
IRIs themselves when no base is given.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime, timezone
from pathlib import Path

from ..api.templating import TEMPLATES_DIR, local_path, templates
from .consortium import ConsortiumReport
from .search import DIMENSIONS, SearchResult
from .suggest import SuggestResult

CSS_FILE = Path(__file__).resolve().parents[1] / "api" / "static" / "partners.css"


def _href_maker(base: str | None):
    def href(iri: str | None) -> str | None:
        if not iri:
            return None
        path = local_path(iri)
        if path is None:
            return iri if iri.startswith(("http://", "https://")) else None
        if base is None:
            return iri
        return base.rstrip("/") + path
    return href


def _render(template: str, base: str | None, **context) -> str:
    env = templates.env
    return env.get_template(template).render(
        css=CSS_FILE.read_text(encoding="utf-8"),
        link=_href_maker(base),
        generated=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        **context,
    )


def shortlist_html(result: SearchResult, base: str | None = "") -> str:
    """The ranked shortlist on one printable page."""
    return _render("partners_shortlist.html", base, search=result.as_json(), dimensions=DIMENSIONS)


def consortium_html(report: ConsortiumReport, base: str | None = "", scores: dict | None = None) -> str:
    """A consortium on one printable page: members, countries, regions and categories, rule report, evidence."""
    return _render("consortium_summary.html", base, report=report.as_json(), scores=scores or {})


def shortlist_csv(result: SearchResult) -> str:
    """One row per candidate: its facts, scores, weighted contributions, explanations and the weights used."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    weights = result.weights.normalised()
    writer.writerow([
        "rank", "organisation", "iri", "eligible", "country", "country_code", "region", "region_code", "nuts2_code",
        "category", "score", *[f"score_{d}" for d in DIMENSIONS], *[f"weight_{d}" for d in DIMENSIONS],
        *[f"why_{d}" for d in DIMENSIONS], "trust_path",
    ])
    for candidate in result.as_json()["candidates"]:
        writer.writerow([
            candidate["rank"], candidate["organisation"]["label"], candidate["organisation"]["iri"],
            "yes" if candidate["eligible"] else "no; " + "; ".join(candidate.get("problems", [])),
            candidate.get("country", {}).get("label", ""), candidate.get("country", {}).get("code", ""),
            candidate.get("region", {}).get("label", ""), candidate.get("region", {}).get("code", ""),
            candidate.get("nuts2", {}).get("code", ""), candidate.get("category", {}).get("label", ""),
            candidate["score"], *[candidate["scores"][d] for d in DIMENSIONS], *[round(weights[d], 4) for d in DIMENSIONS],
            *[" | ".join(candidate["explanation"][d]) for d in DIMENSIONS],
            " > ".join(step["label"] for step in candidate.get("trust", {}).get("path", [])),
        ])
    return out.getvalue()


def consortium_csv(report: ConsortiumReport) -> str:
    """Members, then rules, in one table: ``section`` says which a row is."""
    data = report.as_json()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["section", "name", "iri", "role_or_status", "country", "region_code", "region", "nuts2_code",
                     "category", "details", "satisfied_by", "broken_by", "sources"])
    for member in data["members"]:
        writer.writerow([
            "member", member["organisation"]["label"], member["organisation"]["iri"], member["role"],
            member.get("country", {}).get("label", ""), member.get("region", {}).get("code", ""),
            member.get("region", {}).get("label", ""), member.get("nuts2", {}).get("code", ""),
            member.get("category", {}).get("label", ""),
            "; ".join(t["label"] for t in member["types"]), "", "",
            " ".join(s.get("page") or s["iri"] for s in member.get("sources", [])),
        ])
    for rule in data["rules"]:
        writer.writerow([
            "rule", rule["label"], rule["rule"] or rule["shape"] or "", rule["status"], "", "", "", "", "",
            rule["summary"], " ".join(rule["satisfied_by"]), " ".join(rule["broken_by"]),
            " ".join(s.get("page") or s["iri"] for s in rule["sources"]),
        ])
    writer.writerow(["verdict", data["verdict"], data["proposal"], "eligible" if data["eligible"] else "not eligible",
                     "", "", "", "", "", "", "", "", ""])
    return out.getvalue()


def suggestions_html(result: SuggestResult, base: str | None = "") -> str:
    """Every suggested consortium (or the blockers) on printable pages, one consortium per page."""
    return _render("partners_suggestions.html", base, result=result.as_json())


__all__ = ["consortium_csv", "consortium_html", "shortlist_csv", "shortlist_html", "suggestions_html", "TEMPLATES_DIR"]
