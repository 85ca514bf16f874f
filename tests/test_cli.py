"""The CLI as a user runs it: one line per error, exit codes by outcome, no tracebacks."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Graph

from clusterkg.store import GraphStore
from tests.test_build import BAD_AMOUNT


def clusterkg(*args: str, store: Path | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, COLUMNS="200")
    if store is not None:
        env["CLUSTERKG_STORE"] = str(store)
    return subprocess.run(
        [sys.executable, "-m", "clusterkg", *args], capture_output=True, text=True, env=env, timeout=300
    )


def assert_one_line_error(result: subprocess.CompletedProcess, code: int, *words: str) -> None:
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("error: ")
    for word in words:
        assert word in last


def test_help_lists_every_command() -> None:
    result = clusterkg("--help")
    assert result.returncode == 0
    for command in ("build", "validate", "query", "stats", "export", "serve", "derive"):
        assert command in result.stdout


def test_query_prints_csv_rows(built_store: Path) -> None:
    result = clusterkg(
        "query", "SELECT ?l WHERE { nuts:ITF4 skos:prefLabel ?l }", "--format", "csv", store=built_store
    )
    assert result.returncode == 0, result.stderr
    assert list(csv.reader(io.StringIO(result.stdout))) == [["l"], ["Puglia"]]


def test_query_reads_a_query_file(built_store: Path, tmp_path: Path) -> None:
    query = tmp_path / "ask.rq"
    query.write_text("ASK { nuts:ITF45 skos:broader nuts:ITF4 }", encoding="utf-8")
    result = clusterkg("query", str(query), store=built_store)
    assert (result.returncode, result.stdout.strip()) == (0, "true")


def test_bad_sparql_is_one_line_with_the_position_and_exit_3(built_store: Path) -> None:
    result = clusterkg("query", "SELECT ?s WHERE { ?s ?p }", store=built_store)
    assert_one_line_error(result, 3, "SPARQL syntax error", "1:")


def test_query_without_a_store_says_to_build_first(tmp_path: Path) -> None:
    result = clusterkg("query", "ASK {}", store=tmp_path / "none")
    assert_one_line_error(result, 2, "clusterkg build")


def test_validate_reports_node_path_rule_and_file_and_exits_1(tmp_path: Path) -> None:
    bad = tmp_path / "negative.ttl"
    bad.write_text(BAD_AMOUNT, encoding="utf-8")
    result = clusterkg("validate", str(bad))
    assert_one_line_error(result, 1, "violation")
    report = result.stdout
    assert "id:amount/broken" in report and '"broken amount"' in report
    assert "schema:value" in report and "MinInclusive" in report
    assert str(bad) in report


def test_validate_names_file_line_and_column_of_a_syntax_error(tmp_path: Path) -> None:
    bad = tmp_path / "broken.ttl"
    bad.write_text("@prefix ex: <http://example.org/> .\nex:a ex:b .\n", encoding="utf-8")
    assert_one_line_error(clusterkg("validate", str(bad)), 3, f"{bad}:2:")


def test_validate_without_files_checks_the_whole_graph() -> None:
    result = clusterkg("validate")
    assert result.returncode == 0, result.stdout[-3000:]
    assert result.stdout.startswith("conforms")


def test_build_refuses_a_store_locked_by_another_process(built_store: Path, tmp_path: Path) -> None:
    store = tmp_path / "store"
    holder = subprocess.Popen(
        [sys.executable, "-c", f"import pyoxigraph, time; s = pyoxigraph.Store({str(store)!r}); print('ok', flush=True); time.sleep(60)"],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ok"
        assert_one_line_error(clusterkg("build", store=store), 2, "locked by another process")
    finally:
        holder.kill()


def test_stats_counts_triples_per_graph_and_entities_per_class(built_store: Path) -> None:
    result = clusterkg("stats", store=built_store)
    assert result.returncode == 0, result.stderr
    lines = {line.split("│")[1].strip(): line for line in result.stdout.splitlines() if line.count("│") >= 3}
    assert int(lines["graph:nuts-2024"].split("│")[2].strip().replace(",", "")) > 5000
    assert int(lines["ckg:ClusterOrganisation"].split("│")[2].strip().replace(",", "")) >= 2


def test_export_turtle_parses_and_carries_the_dataset_description(built_store: Path, tmp_path: Path) -> None:
    target = tmp_path / "dump.ttl"
    result = clusterkg("export", "--format", "ttl", "--output", str(target), store=built_store)
    assert result.returncode == 0, result.stderr
    graph = Graph().parse(target)
    store = GraphStore.open_existing(built_store)
    assert (None, None, None) in graph
    assert len(graph) == len(list(store.query("SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o }")))
