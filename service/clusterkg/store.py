"""The one store interface: everything that reads or writes the graph goes through here.

Two backends share the interface of ``GraphStore`` (query with bindings, dataset and prefixes;
``named_graphs``, ``triple_count``, ``load_quads``, ``load_file``, ``replace_graph``, ``drop_graph``,
``dump``):

- embedded (the default): an Oxigraph store on disk, ``GraphStore``;
- remote: any SPARQL 1.1 endpoint, ``clusterkg.remote.RemoteStore``, chosen by a location
  of the form ``sparql+http://host:port/path?options`` (see ``clusterkg.remote`` for the scheme).

``open_store(location)`` picks the backend. Queries see the union of all named graphs as
their default graph, so users need not know how the data is partitioned.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable, Mapping
from pathlib import Path

import pyoxigraph as ox

from .errors import QuerySyntaxError, StoreLocked, StoreMissing

Term = ox.NamedNode | ox.BlankNode | ox.Literal
Results = ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples

#: URL schemes of the remote backend: ``sparql+http://...`` and ``sparql+https://...``.
REMOTE_SCHEMES = ("sparql+http://", "sparql+https://")

Location = Path | str
"""Where a store is: a directory (embedded) or a ``sparql+http(s)://`` URL (remote)."""


def is_remote(location: Location) -> bool:
    """Whether ``location`` names a remote SPARQL endpoint rather than a directory."""
    return isinstance(location, str) and location.lower().startswith(REMOTE_SCHEMES)


def parse_location(value: Location) -> Location:
    """A remote URL stays text; anything else is a directory path."""
    if isinstance(value, Path):
        return value
    text = str(value).strip()
    return text if is_remote(text) else Path(text)


def display_location(location: Location) -> str:
    """``location`` for messages and logs: a remote URL without its password."""
    if is_remote(location):
        from .remote import redact

        return redact(str(location))
    return str(location)


def open_store(location: Location, read_only: bool = False):  # -> GraphStore | RemoteStore
    """Open the store at ``location``: embedded for a directory, remote for a ``sparql+http(s)://`` URL.

    An embedded store opened ``read_only`` must already exist (``StoreMissing`` otherwise); a
    remote store is contacted only by its first request.
    """
    location = parse_location(location)
    if is_remote(location):
        from .remote import RemoteStore

        return RemoteStore(str(location), read_only=read_only)
    if read_only:
        return GraphStore.open_existing(location, read_only=True)
    return GraphStore(location)


def store_exists(location: Location) -> bool:
    """Whether a store has been built at ``location`` (for a remote store: it holds the catalogue graph)."""
    location = parse_location(location)
    if is_remote(location):
        from .remote import RemoteStore

        return RemoteStore(str(location), read_only=True).exists()
    return (Path(location) / "CURRENT").exists()


class GraphStore:
    """An embedded Oxigraph store at ``path``.

    ``read_only`` stores can be opened by many processes beside one writer; the service's
    query workers use them so a query can be stopped by ending its process.
    """

    def __init__(self, path: Path, read_only: bool = False) -> None:
        self.path = Path(path)
        if read_only and not (self.path / "CURRENT").exists():
            raise StoreMissing(self.path)
        try:
            self._store = ox.Store.read_only(str(self.path)) if read_only else ox.Store(str(self.path))
        except OSError as error:
            if "lock" in str(error).lower():
                raise StoreLocked(self.path) from error
            raise

    @classmethod
    def open_existing(cls, path: Path, read_only: bool = True) -> "GraphStore":
        """Open a store that must already have been built."""
        if not (Path(path) / "CURRENT").exists():
            raise StoreMissing(Path(path))
        return cls(path, read_only=read_only)

    @property
    def oxigraph(self) -> ox.Store:
        """The underlying pyoxigraph store, for bulk operations and benchmarks."""
        return self._store

    @property
    def location(self) -> str:
        """Where the store is, for messages."""
        return str(self.path)

    def query(
        self,
        sparql: str,
        bindings: Mapping[str, Term] | None = None,
        default_graphs: list[ox.NamedNode] | None = None,
        named_graphs: list[ox.NamedNode] | None = None,
        prefixes: Mapping[str, str] | None = None,
        *,
        base_iri: str | None = None,
        union_default_graph: bool = True,
    ) -> Results:
        """Evaluate ``sparql`` with ``bindings`` substituted as RDF terms, never as text.

        The default graph is the union of all named graphs unless ``default_graphs`` is given
        (SPARQL 1.1 Protocol ``default-graph-uri``), or ``union_default_graph`` is False, which
        lets the query's own FROM / FROM NAMED clauses define the dataset. ``prefixes`` are
        known to the parser without PREFIX lines, so error positions still match the user's
        text; ``base_iri`` resolves relative IRIs.
        """
        substitutions = {ox.Variable(name): term for name, term in (bindings or {}).items()}
        try:
            return self._store.query(
                sparql,
                substitutions=substitutions or None,
                use_default_graph_as_union=union_default_graph and default_graphs is None,
                default_graph=default_graphs,
                named_graphs=named_graphs,
                prefixes=dict(prefixes) if prefixes else None,
                base_iri=base_iri,
            )
        except SyntaxError as error:
            raise QuerySyntaxError(str(error)) from error

    def named_graphs(self) -> list[ox.NamedNode]:
        """The named graphs in the store, sorted by IRI."""
        return sorted((g for g in self._store.named_graphs() if isinstance(g, ox.NamedNode)), key=str)

    def triple_count(self, graph: ox.NamedNode | None = None) -> int:
        """The number of quads in ``graph``, or in the whole store."""
        return sum(1 for _ in self._store.quads_for_pattern(None, None, None, graph))

    def load_quads(self, quads: Iterable[ox.Quad]) -> None:
        """Bulk-load quads; used by the build on a fresh store only."""
        self._store.bulk_extend(quads)

    def load_file(self, path: Path, format: ox.RdfFormat = ox.RdfFormat.N_QUADS) -> None:
        """Bulk-load an RDF file (N-Quads or TriG keep their graphs), parsed and written in Rust.

        Faster than ``load_quads`` for large files: no quad becomes a Python object.
        """
        self._store.bulk_load(path=str(path), format=format)
        self._store.flush()

    def replace_graph(self, graph: ox.NamedNode, triples: Iterable[ox.Triple]) -> None:
        """Make ``graph`` hold exactly ``triples`` (SPARQL 1.1 Graph Store Protocol PUT semantics)."""
        self.drop_graph(graph)
        self._store.bulk_extend(ox.Quad(t.subject, t.predicate, t.object, graph) for t in triples)

    def drop_graph(self, graph: ox.NamedNode) -> None:
        """Remove ``graph`` and its triples; nothing happens if there is no such graph."""
        if self._store.contains_named_graph(graph):
            self._store.remove_graph(graph)

    def dump(self, output: Path | None, format: ox.RdfFormat, graph: ox.NamedNode | None = None) -> bytes | None:
        """Serialise the store (all graphs) or one graph."""
        if graph is None:
            return self._store.dump(output, format=format)
        return self._store.dump(output, format=format, from_graph=graph)

    def close(self) -> None:
        """Release the store (and its lock) now rather than at garbage collection."""
        del self._store


def replace_store(new: Path, target: Path) -> None:
    """Put the store built at ``new`` in place of ``target``, keeping the old one until done.

    Renames are atomic on one file system; if the process dies between the two renames the
    old store is still at ``target.old`` and the next build restores it.
    """
    old = target.with_name(target.name + ".old")
    if old.exists() and not target.exists():
        old.rename(target)
    if old.exists():
        shutil.rmtree(old)
    if target.exists():
        target.rename(old)
    new.rename(target)
    if old.exists():
        shutil.rmtree(old)
