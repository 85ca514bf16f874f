"""``clusterkg matches ...``: run entity resolution, review its pairs, record curators' decisions.

Examples::

    clusterkg matches run                      # after imports: link records of one organisation
    clusterkg matches --review --limit 20      # pairs between the review and acceptance thresholds
    clusterkg matches decide IRI1 IRI2 --same --note "same VAT number on their websites"
    clusterkg matches show IRI                 # the organisation a record belongs to, and its pairs
"""

from __future__ import annotations

import csv
import json
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from .decisions import DECISIONS_FILE
from .score import ACCEPT_THRESHOLD, MATCHER_VERSION, REVIEW_THRESHOLD

matches_app = typer.Typer(
    help="Entity resolution: link the records of one organisation across sources and languages, "
         "list uncertain pairs for review, and record curators' decisions.",
    invoke_without_command=True,
)

out = Console()
err = Console(stderr=True)

Store = Annotated[Optional[Path], typer.Option("--store", help="Store directory (default: $CLUSTERKG_STORE or var/store).")]
Decisions = Annotated[Path, typer.Option("--decisions", help="The curators' decisions file.")]


class Format(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"


def _store(store: Path | None) -> Path:
    from ..config import settings
    from ..errors import ClusterKGError

    path = store or settings().store
    if not isinstance(path, Path):
        raise ClusterKGError(f"entity resolution runs on an embedded store, not {path}", "give --store DIRECTORY")
    return path


def _open_read_only(store: Path | None):
    from ..store import GraphStore

    return GraphStore.open_existing(_store(store), read_only=True)


@matches_app.callback()
def matches(
    ctx: typer.Context,
    review: Annotated[bool, typer.Option(
        "--review", help="List the pairs between the review and acceptance thresholds.")] = False,
    limit: Annotated[int, typer.Option("--limit", min=1, help="At most this many pairs.")] = 50,
    format: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.table,
    store: Store = None,
) -> None:
    """Entity resolution; with --review, the pairs a curator should decide."""
    if ctx.invoked_subcommand is not None:
        return
    if not review:
        out.print(ctx.get_help())
        return
    from .review import review_pairs

    graph_store = _open_read_only(store)
    pairs = review_pairs(graph_store.oxigraph, limit)
    if format is Format.json:
        sys.stdout.write(json.dumps([{
            "match": p.match, "score": p.score, "left": p.left, "left_label": p.left_label, "right": p.right,
            "right_label": p.right_label,
            "features": [{"name": n, "value": v, "weight": w} for n, v, w in p.features]} for p in pairs],
            ensure_ascii=False, indent=2) + "\n")
        return
    if format is Format.csv:
        writer = csv.writer(sys.stdout)
        writer.writerow(["score", "left", "left_label", "right", "right_label", "features"])
        for p in pairs:
            writer.writerow([f"{p.score:.3f}", p.left, p.left_label, p.right, p.right_label, p.explain()])
        return
    table = Table("score", "record", "record", "features", show_lines=True)
    for p in pairs:
        table.add_row(f"{p.score:.3f}", f"{p.left_label}\n[dim]{p.left}[/dim]", f"{p.right_label}\n[dim]{p.right}[/dim]",
                      "\n".join(f"{n} = {v} ({w:+.1f})" for n, v, w in p.features))
    out.print(table)
    out.print(f"{len(pairs)} pair{'s' if len(pairs) != 1 else ''} for review (at most {limit}); decide with "
              "'clusterkg matches decide IRI1 IRI2 --same|--different'")


@matches_app.command("run")
def run(
    store: Store = None,
    decisions: Decisions = DECISIONS_FILE,
    accept: Annotated[float, typer.Option(
        "--accept", min=0, max=1, help="Link pairs scoring at least this.")] = ACCEPT_THRESHOLD,
    review: Annotated[float, typer.Option(
        "--review-threshold", min=0, max=1, help="List pairs scoring at least this for review.")] = REVIEW_THRESHOLD,
) -> None:
    """Resolve the organisations of the store into graph/resolution, respecting the curators' decisions.

    Run it after imports: it reads every organisation record, scores candidate pairs, links
    those at or above --accept (and those a curator called the same) to one resolved
    organisation, and keeps the pairs between the thresholds for review.
    """
    from .resolve import ACCEPTED, DIFFERENT, REVIEW, SAME, run_resolution

    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    with Progress(*columns, console=err, transient=True) as progress:
        task = progress.add_task("starting", total=None)
        report = run_resolution(_store(store), decisions, accept, review,
                                step=lambda text: progress.update(task, description=text))
    result = report.resolution
    out.print(f"{MATCHER_VERSION}: {len(result.records):,} organisation records, {result.scored:,} candidate pairs "
              f"scored ({result.blocking.skipped_blocks:,} oversized blocks skipped)")
    out.print(f"{result.count(ACCEPTED) + result.implied:,} pairs accepted (score >= {accept}; "
              f"{result.implied:,} implied by other links), {result.count(REVIEW):,} for review "
              f"(>= {review}), {result.count(SAME):,} same and {result.count(DIFFERENT):,} different by decision: "
              f"{len(result.groups):,} resolved organisations")
    timing = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in report.seconds.items())
    out.print(f"graph/resolution: {report.triples:,} triples ({sum(report.seconds.values()):.1f} s: {timing})")
    for conflict in result.conflicts:
        err.print(f"warning: {conflict}", highlight=False, markup=False)
    for decision in result.unknown_decisions:
        err.print(f"note: decision on {decision.left} and {decision.right} waits for records not in the store",
                  highlight=False, markup=False)


@matches_app.command("decide")
def decide(
    first: Annotated[str, typer.Argument(help="IRI of one record.")],
    second: Annotated[str, typer.Argument(help="IRI of the other record.")],
    same: Annotated[bool, typer.Option("--same/--different", help="Whether the two records are one organisation.")],
    note: Annotated[str, typer.Option("--note", help="Why (kept with the decision).")] = "",
    decisions: Decisions = DECISIONS_FILE,
    store: Store = None,
) -> None:
    """Record a curator's decision on two records in the decisions file (data/resolution/decisions.ttl).

    The decision overrides the matcher's score in every later 'clusterkg matches run'; a new
    decision on the same pair replaces the earlier one.
    """
    from ..store import GraphStore
    from .decisions import check_pair, decide as record
    from .resolve import refresh_decisions_graph
    from .review import label_of

    check_pair(first, second)
    labels = None
    path = _store(store)
    if (path / "CURRENT").exists():
        graph_store = GraphStore(path, read_only=True)
        labels = (label_of(graph_store.oxigraph, first), label_of(graph_store.oxigraph, second))
        graph_store.close()
    decision = record(first, second, same, decisions, note, labels)
    out.print(f"recorded in {decisions}: {decision.label}")
    if (path / "CURRENT").exists():
        from ..errors import StoreLocked

        try:
            graph_store = GraphStore(path)
        except StoreLocked:
            out.print("the store is in use: graph/decisions will be refreshed by the next 'clusterkg matches run'")
            return
        try:
            refresh_decisions_graph(graph_store, decisions)
        finally:
            graph_store.close()
        out.print("run 'clusterkg matches run' to apply it to graph/resolution")


@matches_app.command("show")
def show(
    record: Annotated[str, typer.Argument(help="IRI of a record.")],
    store: Store = None,
) -> None:
    """The resolved organisation a record belongs to, its other records, and the record's pairs."""
    from .review import label_of, organisation_of

    graph_store = _open_read_only(store)
    raw = graph_store.oxigraph
    resolved, members, pairs = organisation_of(raw, record)
    out.print(f"{label_of(raw, record)} <{record}>", highlight=False)
    if resolved:
        out.print(f"resolved organisation <{resolved}>: {len(members)} records", highlight=False)
        for member in members:
            out.print(f"  {label_of(raw, member)} <{member}>", highlight=False)
    else:
        out.print("not linked to any other record")
    table = Table("score", "outcome", "other record", "features", show_lines=True)
    for p in pairs:
        table.add_row(f"{p.score:.3f}", p.outcome.rsplit("match-", 1)[-1], f"{p.right_label}\n[dim]{p.right}[/dim]",
                      "\n".join(f"{n} = {v} ({w:+.1f})" for n, v, w in p.features))
    if pairs:
        out.print(table)
