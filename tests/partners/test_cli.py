"""``clusterkg partners`` and ``clusterkg consortium`` as a user runs them: exit codes by outcome, one-line errors."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from tests.test_cli import assert_one_line_error, clusterkg

from .conftest import APULIA, ESCP, EXCELLENCE, ID
from .test_consortium import TEST, proposal_turtle

O = ID + "organisation/"


def write_json(path: Path, call: str, *members: str) -> Path:
    path.write_text(json.dumps({"call": call, "members": [
        {"organisation": m, "role": "coordinator" if i == 0 else "participant"} for i, m in enumerate(members)]}))
    return path


def test_consortium_check_exit_codes(built_store: Path, tmp_path: Path) -> None:
    good = write_json(tmp_path / "good.json", ESCP, APULIA, O + "vidzeme-tourism-association", O + "cork-city-council")
    result = clusterkg("consortium", "check", str(good), store=built_store)
    assert result.returncode == 0, result.stderr
    assert "eligible on the 2 rules the graph can check" in result.stdout
    as_json = clusterkg("consortium", "check", str(good), "-f", "json", store=built_store)
    assert json.loads(as_json.stdout)["eligible"] is True

    bad = write_json(tmp_path / "bad.json", EXCELLENCE, APULIA, O + "vidzeme-tourism-association", O + "cork-city-council")
    assert_one_line_error(clusterkg("consortium", "check", str(bad), store=built_store), 1, "not eligible",
                          "cluster or business network organisation")

    turtle = tmp_path / "consortium.ttl"
    turtle.write_text(proposal_turtle(EXCELLENCE, APULIA, TEST + "stockholm-cluster", TEST + "sofia-cluster"))
    html = tmp_path / "summary.html"
    result = clusterkg("consortium", "check", str(turtle), "-f", "html", "-o", str(html), "--base-url",
                       "http://127.0.0.1:8000", store=built_store)
    assert result.returncode == 0, result.stderr
    text = html.read_text()
    assert "@media print" in text and 'href="http://127.0.0.1:8000/region/ITF4"' in text

    broken = tmp_path / "broken.ttl"
    broken.write_text("<a> <b> .")
    assert_one_line_error(clusterkg("consortium", "check", str(broken), store=built_store), 3, "does not parse")
    assert_one_line_error(clusterkg("consortium", "check", str(tmp_path / "missing.json"), store=built_store), 2, "no such file")


def test_partners_search_and_suggest(built_store: Path, tmp_path: Path) -> None:
    result = clusterkg("partners", "search", "-a", "apulia-creative-cluster-association", "-c", "cos-clustpartns-2017-3-02",
                       "-n", "3", "--w-trust", "1", "-f", "csv", store=built_store)
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 3 and rows[0]["organisation"]
    table = clusterkg("partners", "search", "-a", APULIA, "-c", ESCP, "-n", "2", store=built_store)
    assert table.returncode == 0 and "theme:" in table.stdout and "trust:" in table.stdout
    suggested = clusterkg("partners", "suggest", "-a", APULIA, "-c", ESCP, "--n", "1", "-f", "json", store=built_store)
    assert suggested.returncode == 0 and json.loads(suggested.stdout)["found"] == 1
    assert_one_line_error(clusterkg("partners", "suggest", "-a", APULIA, "-c", EXCELLENCE, store=built_store), 1,
                          "no consortium")
    assert_one_line_error(clusterkg("partners", "search", "-a", "nobody-at-all", "-c", ESCP, store=built_store), 3,
                          "no organisation")
