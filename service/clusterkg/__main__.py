"""`python -m clusterkg` runs the CLI."""

from .cli import main

main()
