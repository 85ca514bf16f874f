"""The remote backend's write path on a private Oxigraph server: Graph Store Protocol and SPARQL Update."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

from clusterkg import remote
from clusterkg.iris import CATALOG_GRAPH, DATASET, STAGING_PREFIX
from clusterkg.remote import RemoteStore, publish_build

from .conftest import RunningServer, start_oxigraph, stop

EX = "http://example.org/"
P = ox.NamedNode(EX + "p")
VOID_SUBSET = ox.NamedNode("http://rdfs.org/ns/void#subset")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RunningServer]:
    running = start_oxigraph(tmp_path)
    yield running
    stop(running.process)


def _graph(name: str) -> ox.NamedNode:
    return ox.NamedNode(EX + "graph/" + name)


def _catalog(*graphs: ox.NamedNode) -> list[ox.Triple]:
    return [ox.Triple(ox.NamedNode(str(DATASET)), VOID_SUBSET, g) for g in graphs]


def _chain(length: int) -> list[ox.Triple]:
    """A list of ``length`` triples linked through blank nodes, then a literal."""
    nodes = [ox.BlankNode(f"n{i}") for i in range(length)]
    return [ox.Triple(a, P, b) for a, b in zip(nodes, nodes[1:])] + [ox.Triple(nodes[-1], P, ox.Literal("end"))]


@pytest.mark.parametrize("protocol", ["gsp", "update"])
def test_a_build_replaces_its_graphs_and_drops_the_ones_it_no_longer_makes(
    server: RunningServer, protocol: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(remote, "CHUNK_TRIPLES", 7)  # several requests per graph
    url = server.store_url if protocol == "gsp" else server.store_url.replace("&gsp=/store", "")
    one, two = _graph("one"), _graph("two")
    plain = [ox.Triple(ox.NamedNode(f"{EX}s{i}"), P, ox.Literal(f"value {i}", language="en")) for i in range(20)]
    publish_build(url, [(one, plain + _chain(12)), (two, plain[:3])], _catalog(one, two))
    store = RemoteStore(url, read_only=True)
    assert store.triple_count(one) == 32 and store.triple_count(two) == 3
    # the chain crossed no request boundary: its 12 blank nodes are still one path of 12 links
    path = store.query(f"ASK {{ GRAPH {one} {{ ?start <{EX}p>/<{EX}p>/<{EX}p>/<{EX}p>/<{EX}p>/<{EX}p>/<{EX}p>"
                       f"/<{EX}p>/<{EX}p>/<{EX}p>/<{EX}p>/<{EX}p> \"end\" }} }}", union_default_graph=False)
    assert bool(path)

    publish_build(url, [(one, plain[:5])], _catalog(one))
    assert store.triple_count(one) == 5 and store.triple_count(two) == 0
    assert {g.value for g in store.named_graphs()} == {one.value, str(CATALOG_GRAPH)}



def test_a_build_that_fails_while_loading_leaves_the_server_as_it_was(
    server: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    one, two = _graph("one"), _graph("two")
    old = [ox.Triple(ox.NamedNode(EX + "old"), P, ox.Literal("old"))]
    publish_build(server.store_url, [(one, old), (two, old)], _catalog(one, two))
    store = RemoteStore(server.store_url, read_only=True)
    before = {(q.graph_name, q.triple) for q in ox.parse(store.dump(None, ox.RdfFormat.N_QUADS), format=ox.RdfFormat.N_QUADS)}

    # the server goes away after the first graph is staged (its connection is refused from then on)
    loaded = []
    original = RemoteStore.replace_graph

    def replace_then_fail(self: RemoteStore, graph: ox.NamedNode, triples) -> None:  # noqa: ANN001
        if loaded:
            raise remote.RemoteStoreError("the SPARQL server went away")
        loaded.append(graph)
        original(self, graph, triples)

    monkeypatch.setattr(RemoteStore, "replace_graph", replace_then_fail)
    new = [ox.Triple(ox.NamedNode(EX + "new"), P, ox.Literal("new"))]
    with pytest.raises(remote.RemoteStoreError, match="went away"):
        publish_build(server.store_url, [(one, new), (two, new)], _catalog(one, two))
    monkeypatch.undo()

    after = {(q.graph_name, q.triple) for q in ox.parse(store.dump(None, ox.RdfFormat.N_QUADS), format=ox.RdfFormat.N_QUADS)}
    assert loaded and loaded[0].value.startswith(STAGING_PREFIX)
    assert after == before  # the staged graph was dropped, nothing else changed

    publish_build(server.store_url, [(one, new)], _catalog(one))
    assert store.triple_count(one) == 1 and store.triple_count(two) == 0
    assert not [g for g in store.named_graphs() if g.value.startswith(STAGING_PREFIX)]


def test_load_appends_and_drop_is_quiet(server: RunningServer) -> None:
    store = RemoteStore(server.store_url)
    graph = _graph("g")
    first = ox.Quad(ox.NamedNode(EX + "a"), P, ox.Literal("1"), graph)
    second = ox.Quad(ox.NamedNode(EX + "b"), P, ox.Literal("2"), graph)
    store.load_quads([first])
    store.load_quads([second, ox.Quad(ox.NamedNode(EX + "c"), P, ox.Literal("3"))])  # and the default graph
    assert store.triple_count(graph) == 2
    store.drop_graph(graph)
    store.drop_graph(graph)  # no such graph any more: nothing happens
    assert store.triple_count(graph) == 0


def test_a_remote_dump_has_the_graphs(server: RunningServer) -> None:
    store = RemoteStore(server.store_url)
    graph = _graph("dumped")
    store.replace_graph(graph, [ox.Triple(ox.NamedNode(EX + "a"), P, ox.Literal("x\n\"quoted\"", language="it"))])
    quads = list(ox.parse(store.dump(None, ox.RdfFormat.N_QUADS), format=ox.RdfFormat.N_QUADS))
    assert [(q.graph_name, q.object) for q in quads] == [(graph, ox.Literal("x\n\"quoted\"", language="it"))]
