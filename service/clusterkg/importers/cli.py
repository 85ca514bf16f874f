"""What ``clusterkg import`` prints: a progress bar while it works, then rows read, imported, rejected."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from . import available, import_file
from .pipeline import Progress as ImportProgress


class RichProgress(ImportProgress):
    """Import progress drawn by rich: a bar over the rows, a spinner for the other stages."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.task = progress.add_task("starting", total=None)

    def step(self, text: str) -> None:
        self.progress.update(self.task, description=text, total=None, completed=0)

    def total(self, count: int) -> None:
        self.progress.update(self.task, total=count, completed=0)

    def advance(self, count: int) -> None:
        self.progress.advance(self.task, count)


def list_sources(out: Console) -> None:
    table = Table("source", "what it reads")
    for name, text in sorted(available().items()):
        table.add_row(name, text)
    out.print(table)
    out.print("usage: clusterkg import SOURCE FILE [--store PATH] [--rejects PATH] [--mapping PATH]")


def run(source: str, file: Path, store: Path, rejects: Path | None, mapping: Path | None,
        out: Console, err: Console) -> None:
    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err, transient=True) as progress:
        report = import_file(source, file, store, rejects, mapping, RichProgress(progress))
    seconds = sum(report.seconds.values())
    stages = ", ".join(f"{name} {value:.1f} s" for name, value in report.seconds.items())
    out.print(f"{report.source}: {report.read:,} rows read, {report.imported:,} imported, "
              f"{report.rejected:,} rejected; {report.warnings:,} values left out of imported rows")
    if report.unchanged:
        out.print(f"graph {report.graph} unchanged: the store already holds these {report.triples:,} triples")
    else:
        out.print(f"graph {report.graph}: {report.triples:,} triples ({seconds:.1f} s: {stages})")
    for message, count in sorted(report.shacl_warnings.items(), key=lambda item: -item[1]):
        out.print(f"SHACL warning ({count:,}): {message}", highlight=False, markup=False)
    if report.rejected or report.warnings:
        out.print(f"rejected rows and left-out values: {report.rejects_path}")


def remove_graph(name: str, store: Path, out: Console) -> None:
    """``clusterkg import --remove import/NAME``: drop an imported graph and its catalogue entry."""
    import pyoxigraph as ox

    from ..errors import ClusterKGError, StoreMissing
    from ..iris import GRAPH
    from .pipeline import IMPORT_PREFIX, remove_import

    if not isinstance(store, Path) or not (store / "CURRENT").exists():
        raise StoreMissing(store)
    graph = str(GRAPH[name]) if not name.startswith("http") else name
    if not graph.startswith(IMPORT_PREFIX):
        raise ClusterKGError(f"{name} is not an imported graph", "give import/NAME, as 'clusterkg stats' lists it")
    remove_import(store, ox.NamedNode(graph))
    out.print(f"removed {graph.removeprefix(str(GRAPH))} and its catalogue entry")
