"""The one store interface: everything that reads or writes the graph goes through here.

The default backend is an embedded Oxigraph store on disk. Queries see the union of all
named graphs as their default graph, so users need not know how the data is partitioned.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable, Mapping
from pathlib import Path

import pyoxigraph as ox

from .errors import QuerySyntaxError, StoreLocked, StoreMissing

Term = ox.NamedNode | ox.BlankNode | ox.Literal
Results = ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples


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

    def query(
        self,
        sparql: str,
        bindings: Mapping[str, Term] | None = None,
        default_graphs: list[ox.NamedNode] | None = None,
        named_graphs: list[ox.NamedNode] | None = None,
        prefixes: Mapping[str, str] | None = None,
    ) -> Results:
        """Evaluate ``sparql`` with ``bindings`` substituted as RDF terms, never as text.

        The default graph is the union of all named graphs unless ``default_graphs`` is given
        (SPARQL 1.1 Protocol ``default-graph-uri``). ``prefixes`` are known to the parser without
        PREFIX lines, so error positions still match the user's text.
        """
        substitutions = {ox.Variable(name): term for name, term in (bindings or {}).items()}
        try:
            return self._store.query(
                sparql,
                substitutions=substitutions or None,
                use_default_graph_as_union=default_graphs is None,
                default_graph=default_graphs,
                named_graphs=named_graphs,
                prefixes=dict(prefixes) if prefixes else None,
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
