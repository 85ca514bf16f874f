"""Partnership networks: derived from the store with SPARQL, analysed with networkx, drawn with pyvis.

* :mod:`.filters`: the kinds of network and their filters, read from user input into RDF terms;
* :mod:`.queries`: the SPARQL of ``queries/networks/*.rq`` and the ways to run it;
* :mod:`.extract`: the networks themselves (coparticipation, bipartite, regions, themes);
* :mod:`.analytics`: degree, betweenness, PageRank, communities, paths, ego networks;
* :mod:`.export`: JSON (D3, Cytoscape.js), GEXF, GraphML and CSV;
* :mod:`.view`: self-contained pages other sites embed;
* :mod:`.cli`: the ``clusterkg network`` commands.
"""

from __future__ import annotations

from .filters import BadFilter, Filters, NetworkKind

__all__ = ["BadFilter", "Filters", "NetworkKind"]
