"""clusterkg: a knowledge graph of European cluster ecosystems."""

__version__ = "0.1.0"
