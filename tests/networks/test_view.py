"""The embeddable page: self-contained, cut when too big, with a legend and an embed snippet."""

from __future__ import annotations

import re

import pytest
from pyvis.network import Network

from clusterkg.networks import view

from .netdata import APULIA


def render(graph, **options) -> str:
    return view.render(graph, title="Test", page_url="http://127.0.0.1:1/view/network/coparticipation",
                       href_for=lambda iri: "/id/" + iri.split("/id/", 1)[1] if "/id/" in iri else None, **options)


def test_pyvis_template_loads_from_cdns_and_the_view_does_not() -> None:
    net = Network(cdn_resources="in_line")
    net.add_node("a")
    raw = net.generate_html()
    assert view.external_references(raw), "pyvis' template loads Bootstrap from a CDN: the check must see it"
    assert not view.external_references(view.strip_external(raw))


def test_page_is_self_contained(network) -> None:
    page = render(network())
    assert view.external_references(page) == []
    assert "vis.Network" in page and "<script src" not in page
    assert 'stabilizationIterationsDone' in page and "physics: {enabled: false}" in page


def test_page_has_legend_links_and_embed_snippet(network) -> None:
    page = render(network(), color_by="type")
    assert 'id="ckg-legend"' in page and "cluster organisation" in page
    assert "/id/organisation/apulia-creative-cluster-association" in page
    assert "&lt;iframe src=&quot;http://127.0.0.1:1/view/network/coparticipation&quot;" in page


def test_big_network_is_cut_to_its_top_nodes_and_says_so(network) -> None:
    page = render(network(), max_nodes=3, size_by="degree")
    assert "Showing 3 of 13 nodes: the top ones by number of partners." in page
    ids = set(re.findall(r'"id": "(https://w3id.org/clusterkg/id/organisation/[^"]+)"', page))
    assert APULIA in ids and len(ids) == 3


def test_colour_by_community(network) -> None:
    page = render(network(), color_by="community", size_by="pagerank")
    assert "community 0" in page


def test_bad_options_are_refused(network) -> None:
    with pytest.raises(ValueError):
        render(network(), color_by="mood")
