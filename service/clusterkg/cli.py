"""The clusterkg command line: build, validate, query, stats, export, derive.

Exit codes by outcome: 0 done, 1 SHACL violations, 2 an error to fix (missing store, lock),
3 bad input (RDF or SPARQL syntax).
"""

from __future__ import annotations

import json
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import pyoxigraph as ox
import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from .config import SHARED_REAL_DIR, settings
from .errors import ClusterKGError, ValidationFailed

app = typer.Typer(
    name="clusterkg",
    help="A knowledge graph of European cluster ecosystems: build it, check it, query it, export it.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
derive_app = typer.Typer(help="Derive committed reference facts from public data files.", no_args_is_help=True)
app.add_typer(derive_app, name="derive")

from .networks.cli import network_app  # noqa: E402 - sub-apps are registered where the app is made
from .resolution.cli import matches_app  # noqa: E402
from .synth import synth_command  # noqa: E402

app.add_typer(network_app, name="network")
app.add_typer(matches_app, name="matches")
from .partners.cli import consortium_app, partners_app  # noqa: E402

app.add_typer(partners_app, name="partners")
app.add_typer(consortium_app, name="consortium")
app.command("synth")(synth_command)

out = Console()
err = Console(stderr=True)

StoreOption = Annotated[
    Optional[str],
    typer.Option(
        "--store",
        help="Store directory, or a SPARQL server as sparql+http(s)://host/path?options "
        "(default: $CLUSTERKG_STORE or var/store).",
    ),
]


def _store_path(store: str | None) -> Path | str:
    """The store's location: a directory (a Path) or a remote ``sparql+http(s)://`` URL (text)."""
    from .store import parse_location

    return parse_location(store) if store else settings().store


class ResultFormat(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"


class ExportFormat(str, Enum):
    nq = "nq"
    ttl = "ttl"
    jsonld = "jsonld"


@app.command()
def build(store: StoreOption = None) -> None:
    """Build the graph from ontology, vocabularies, curated files and NUTS into the store.

    The store is replaced only when every source parses and the whole graph conforms to the
    shapes; otherwise it is left as it was.
    """
    from .build import build as run_build
    from .store import display_location

    path = _store_path(store)
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=err) as progress:
        task = progress.add_task("building", total=None)
        report = run_build(path, step=lambda text: progress.update(task, description=text))
    out.print(f"built {display_location(path)}: {report.triples:,} triples in {len(report.graphs)} named graphs "
              f"({sum(report.seconds.values()):.1f} s)")


@app.command()
def validate(
    files: Annotated[Optional[list[Path]], typer.Argument(help="Turtle files to check with the graph (default: all sources).")] = None,
) -> None:
    """Check sources against the SHACL shapes and print a report grouped by shape and node.

    Given FILES, each is checked together with the rest of the graph (vocabularies, regions),
    replacing the source of the same name.
    """
    from .build import default_sources, describe_subjects, read_sources, turtle_source, validate_sources

    sources = default_sources()
    if files:
        given = [turtle_source(f) for f in files]
        names = {s.name for s in given}
        sources = [s for s in sources if s.name not in names] + given
    loaded = read_sources(sources, lambda _: None)
    result = validate_sources(sources, loaded)
    if not result.conforms:
        raise ValidationFailed(result, len(result.violations), describe_subjects(sources, loaded))
    checked = sum(len(loaded[s.name]) for s in sources if s.validate)
    out.print(f"conforms: {checked:,} triples in {sum(1 for s in sources if s.validate)} sources")


@app.command()
def query(
    query: Annotated[str, typer.Argument(help="A SPARQL query, or the path of a .rq file.")],
    format: Annotated[ResultFormat, typer.Option("--format", "-f", help="Output format.")] = ResultFormat.table,
    store: StoreOption = None,
) -> None:
    """Run a SPARQL query over the store (the default graph is the union of all graphs)."""
    from .iris import PREFIXES
    from .store import open_store

    text = Path(query).read_text(encoding="utf-8") if _looks_like_file(query) else query
    graph_store = open_store(_store_path(store), read_only=True)
    print_results(graph_store.query(text, prefixes=PREFIXES), format)


def _looks_like_file(argument: str) -> bool:
    if argument.endswith(".rq") or argument.endswith(".sparql"):
        if not Path(argument).is_file():
            raise ClusterKGError(f"no such query file: {argument}", "check the path")
        return True
    return "\n" not in argument and len(argument) < 250 and Path(argument).is_file()


def print_results(results: object, format: ResultFormat) -> None:
    """Print SELECT rows, an ASK answer or CONSTRUCT triples in the chosen format."""
    if isinstance(results, ox.QueryBoolean):
        print(json.dumps({"boolean": bool(results)}) if format is ResultFormat.json else str(bool(results)).lower())
        return
    if isinstance(results, ox.QueryTriples):
        sys.stdout.write(results.serialize(format=ox.RdfFormat.TURTLE).decode())
        return
    if format is ResultFormat.csv:
        sys.stdout.write(results.serialize(format=ox.QueryResultsFormat.CSV).decode())
        return
    if format is ResultFormat.json:
        sys.stdout.write(results.serialize(format=ox.QueryResultsFormat.JSON).decode() + "\n")
        return
    from .report import short

    names = [v.value for v in results.variables]
    table = Table(*names, show_lines=False)
    rows = 0
    for solution in results:
        table.add_row(*(short(solution[n].value) if solution[n] is not None else "" for n in names))
        rows += 1
    out.print(table)
    out.print(f"{rows} row{'s' if rows != 1 else ''}")


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def run(
    ctx: typer.Context,
    name: Annotated[Optional[str], typer.Argument(help="The catalogue query to run (see --list).")] = None,
    list_queries: Annotated[bool, typer.Option("--list", help="List the catalogue's queries and their parameters.")] = False,
    format: Annotated[ResultFormat, typer.Option("--format", "-f", help="Output format.")] = ResultFormat.table,
    store: StoreOption = None,
) -> None:
    """Run a query of the catalogue (queries/*.rq) with its parameters as options.

    Example: clusterkg run clusters_by_region --region ITF
    """
    from .catalogue import get_query, load_catalogue, parse_option_args
    from .store import open_store

    if list_queries or name is None:
        table = Table("query", "title", "parameters (* required)")
        for query in load_catalogue():
            params = ", ".join(f"{p.name}{'*' if p.required else ''}: {p.type}" for p in query.parameters)
            table.add_row(query.name, query.title, params)
        out.print(table)
        return
    query = get_query(name)
    bindings = query.bind(parse_option_args(query, list(ctx.args)))
    graph_store = open_store(_store_path(store), read_only=True)
    print_results(graph_store.query(query.sparql, bindings), format)


@app.command()
def stats(store: StoreOption = None) -> None:
    """Triples per named graph and entities per class."""
    from .report import short
    from .store import open_store

    graph_store = open_store(_store_path(store), read_only=True)
    graphs = Table("named graph", "triples", "loaded from", "rows read / imported / rejected")
    for row in graph_store.query(_STATS_GRAPHS):
        graphs.add_row(short(row["g"].value), f"{int(row['n'].value):,}", row["from"].value if row["from"] else "",
                       row["rows"].value if row["rows"] else "")
    out.print(graphs)
    classes = Table("class", "entities")
    for row in graph_store.query(_STATS_CLASSES):
        classes.add_row(short(row["class"].value), f"{int(row['n'].value):,}")
    out.print(classes)


_STATS_GRAPHS = """
PREFIX ckg: <https://w3id.org/clusterkg/ontology#>
PREFIX prov: <http://www.w3.org/ns/prov#>
SELECT ?g ?n (SAMPLE(?origin) AS ?from) (SAMPLE(?counts) AS ?rows) WHERE {
  { SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g }
  OPTIONAL { GRAPH <https://w3id.org/clusterkg/graph/catalog> { ?g ckg:loadedFrom ?origin } }
  OPTIONAL {
    GRAPH <https://w3id.org/clusterkg/graph/catalog> {
      ?g prov:wasGeneratedBy ?import . ?import ckg:rowsRead ?read ; ckg:rowsImported ?imported ; ckg:rowsRejected ?rejected }
    BIND (CONCAT(STR(?read), " / ", STR(?imported), " / ", STR(?rejected)) AS ?counts)
  }
} GROUP BY ?g ?n ORDER BY ?g
"""
_STATS_CLASSES = """
SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?class }
GROUP BY ?class ORDER BY DESC(?n) ?class
"""


@app.command()
def export(
    format: Annotated[ExportFormat, typer.Option("--format", "-f", help="nq keeps the named graphs; ttl and jsonld merge them.")] = ExportFormat.nq,
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="File to write (default: standard output).")] = None,
    store: StoreOption = None,
) -> None:
    """Dump the whole graph, with its DCAT/VoID description (graph 'catalog')."""
    from .export import export_store
    from .store import open_store

    data = export_store(open_store(_store_path(store), read_only=True), format.value)
    if output:
        output.write_bytes(data)
        err.print(f"wrote {output} ({len(data):,} bytes)")
    else:
        sys.stdout.buffer.write(data)


@app.command()
def serve(
    host: Annotated[Optional[str], typer.Option(help="Address to listen on (default 127.0.0.1).")] = None,
    port: Annotated[Optional[int], typer.Option(help="Port (default 8000).")] = None,
    rebuild: Annotated[bool, typer.Option("--rebuild", help="Build the store even if one exists.")] = False,
    store: StoreOption = None,
) -> None:
    """Serve the SPARQL endpoint, query catalogue, linked-data pages and UI; builds the store first if needed."""
    import uvicorn

    from .api.app import create_app
    from .store import display_location, store_exists

    from .api.observability import logging_config

    config = settings().model_copy(update={"store": _store_path(store)})
    if rebuild or not store_exists(config.store):
        build(str(config.store))
    if config.admin_tokens:  # the write API holds the store's lock: say now, in one line, if another process has it
        from .api.admin import check_settings
        from .store import GraphStore

        check_settings(config)
        GraphStore(config.store).close()
    host, port = host or config.host, port or config.port
    err.print(f"serving http://{host}:{port}/ over {display_location(config.store)}")
    uvicorn.run(create_app(config), host=host, port=port, log_level=config.log_level.lower(),
                log_config=logging_config(config.log_level.upper()))


@app.command()
def backup(
    target: Annotated[Path, typer.Argument(help="A new directory for the copy (must not exist).")],
    store: StoreOption = None,
) -> None:
    """Copy the store to TARGET, consistently, even while the service runs (RocksDB checkpoint).

    On the same file system the copy hard-links the store's immutable files, so it is quick and
    small; copy TARGET elsewhere for safe keeping. The copy is a store: serve it with --store.
    """
    import time

    from .errors import StoreLocked
    from .store import GraphStore

    path = _store_path(store)
    if not isinstance(path, Path):
        raise ClusterKGError("backup copies an embedded store", "back up a remote store with its server's tools")
    if target.exists():
        raise ClusterKGError(f"{target} already exists", "give a new directory")
    try:
        source = GraphStore.open_existing(path, read_only=False)
    except StoreLocked:
        # A running service (or import) writes the store: a read-only view of it is consistent, but
        # opening one can race with RocksDB deleting compacted files, so try again briefly.
        for attempt in range(5):
            try:
                source = GraphStore.open_existing(path, read_only=True)
                break
            except OSError:
                if attempt == 4:
                    raise
                time.sleep(0.2)
    source.oxigraph.backup(str(target))
    source.close()
    out.print(f"backed up {path} to {target}")


@app.command("import")
def import_(
    source: Annotated[Optional[str], typer.Argument(help="interreg, kohesio, cordis, nuts-history, a mapping name, or a mapping .yaml file.")] = None,
    file: Annotated[Optional[Path], typer.Argument(help="The data file (for nuts-history, its folder).")] = None,
    store: StoreOption = None,
    rejects: Annotated[Optional[Path], typer.Option("--rejects", help="Rejects CSV (default: rejects/NAME.csv next to the store).")] = None,
    mapping: Annotated[Optional[Path], typer.Option("--mapping", help="Map FILE with this mapping file instead.")] = None,
    list_sources: Annotated[bool, typer.Option("--list", help="List the sources and mappings known.")] = False,
    remove: Annotated[Optional[str], typer.Option("--remove", help="Drop an imported graph (import/NAME) and its catalogue entry.")] = None,
) -> None:
    """Import a public data file into its own named graph (graph/import/NAME), after the SHACL gate.

    Rows that cannot be mapped go to the rejects file with the reason; the store changes
    only if the imported graph conforms, and importing the same file again changes nothing.
    """
    from .importers.cli import list_sources as show_sources, remove_graph, run

    if remove:
        remove_graph(remove, _store_path(store), out)
        return
    if list_sources or source is None or file is None:
        show_sources(out)
        return
    run(source, file, _store_path(store), rejects, mapping, out, err)


@derive_app.command("cohesion")
def derive_cohesion(
    real_dir: Annotated[Path, typer.Option("--from", help="Folder holding the ESIF and ERDF programme files.")] = SHARED_REAL_DIR,
) -> None:
    """Derive NUTS-2 cohesion categories 2014-2020 into data/derived/cohesion-2014-2020.ttl."""
    from .cohesion import COHESION_TTL, derive_cohesion as derive, write_cohesion_turtle

    esif, erdf = real_dir / "esif-2014-2020-planned.csv", real_dir / "erdf-2014-2020-programme-nuts.csv"
    for needed in (esif, erdf, real_dir / "nuts-2013-2016.csv"):
        if not needed.is_file():
            raise ClusterKGError(f"missing {needed}", "pass --from with the folder of the real data files")
    graph, notes = derive(esif, erdf)
    write_cohesion_turtle(graph, COHESION_TTL, notes=notes)
    for note in notes:
        err.print(f"note: {note}")
    out.print(f"wrote {COHESION_TTL} ({len(graph):,} triples); run 'clusterkg build' to load it")


def main() -> None:
    """Entry point: run the app, turning user-fixable errors into one line and an exit code."""
    try:
        app(standalone_mode=False)
    except ValidationFailed as error:
        from .report import format_violations

        out.print(format_violations(error.report.results, error.subjects), highlight=False, markup=False)
        err.print(f"error: {error}", highlight=False, markup=False, soft_wrap=True)
        raise SystemExit(error.exit_code)
    except ClusterKGError as error:
        err.print(f"error: {error}", highlight=False, markup=False, soft_wrap=True)
        raise SystemExit(error.exit_code)
    except KeyboardInterrupt:
        raise SystemExit(130)
    except Exception as error:  # click's usage errors and the like carry their own exit codes
        import click

        if isinstance(error, click.exceptions.ClickException):
            error.show()
            raise SystemExit(error.exit_code)
        if isinstance(error, click.exceptions.Abort):
            raise SystemExit(1)
        raise
