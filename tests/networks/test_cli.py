"""``clusterkg network ...`` and ``clusterkg synth``: output and exit codes, run as a user would."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import networkx as nx

from clusterkg.networks.view import external_references

from .netdata import APULIA, CLUST_ER


def clusterkg(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "clusterkg", *args], capture_output=True, text=True, timeout=300)


def test_path_names_the_ties(built_store: Path) -> None:
    done = clusterkg("network", "path", "clust-er-create", "regione-emilia-romagna", "--store", str(built_store))
    assert done.returncode == 0, done.stderr
    assert "Clust-ER CREATE is funded by Emilia-Romagna Region" in done.stdout


def test_path_as_json(built_store: Path) -> None:
    done = clusterkg("network", "path", "university-of-salento", "sprint-puglia", "--json", "--store", str(built_store))
    assert json.loads(done.stdout)["nodes"][1]["id"] == APULIA


def test_no_path_is_an_error_with_exit_code_2(built_store: Path) -> None:
    done = clusterkg("network", "path", CLUST_ER, APULIA, "--store", str(built_store))
    assert done.returncode == 2 and "no chain of collaborations" in done.stderr
    assert "Traceback" not in done.stderr


def test_bad_filter_is_exit_code_3(built_store: Path) -> None:
    done = clusterkg("network", "show", "--country", "XX1", "--store", str(built_store))
    assert done.returncode == 3 and "bad country" in done.stderr


def test_show_and_export(built_store: Path, tmp_path: Path) -> None:
    shown = clusterkg("network", "show", "coparticipation", "--json", "--store", str(built_store))
    assert json.loads(shown.stdout)["top_brokers"][0]["id"] == APULIA
    output = tmp_path / "network.graphml"
    done = clusterkg("network", "export", "coparticipation", "-f", "graphml", "-o", str(output), "--store", str(built_store))
    assert done.returncode == 0, done.stderr
    assert APULIA in nx.read_graphml(output)


def test_ego_and_view(built_store: Path, tmp_path: Path) -> None:
    ego = clusterkg("network", "ego", "apulia-creative-cluster-association", "--depth", "1", "--store", str(built_store))
    assert {n["id"] for n in json.loads(ego.stdout)["nodes"]} >= {APULIA}
    page = tmp_path / "view.html"
    done = clusterkg("network", "view", "--ego", "apulia-creative-cluster-association", "-o", str(page), "--store", str(built_store))
    assert done.returncode == 0, done.stderr
    assert external_references(page.read_text()) == []


def test_synth(tmp_path: Path) -> None:
    output = tmp_path / "synth.nq"
    done = clusterkg("synth", "--scale", "0.001", "--seed", "5", "--output", str(output))
    assert done.returncode == 0, done.stderr
    assert "quads" in done.stderr and output.stat().st_size > 100_000
