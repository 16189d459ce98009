"""The policy commands through the real CLI (Typer CliRunner): check, show, quote, settle."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from medaid.cli.app import app
from tests.integration.policy.test_settle_store import _seed

ROOT = Path(__file__).resolve().parents[3]
INVALID = ROOT / "tests" / "fixtures" / "policy_scenarios" / "invalid"
runner = CliRunner()


def test_policy_check_valid_and_invalid() -> None:
    ok = runner.invoke(app, ["policy", "check", str(ROOT / "policies" / "xinjin-multidept-2026.yaml")])
    assert ok.exit_code == 0 and "120 permitted orders" in ok.output
    bad = runner.invoke(app, ["policy", "check", str(INVALID / "many-problems.yaml")])
    assert bad.exit_code == 1
    assert bad.output.count("•") == 4 and "layers/1/eligible" in bad.output


def test_policy_show_lists_layers_and_tilts() -> None:
    result = runner.invoke(app, ["policy", "show", str(ROOT / "policies" / "reference-2026.yaml")],
                           env={"COLUMNS": "250"})
    assert result.exit_code == 0
    assert "critical.all.tilt" in result.output and "assistance.all.tekun" in result.output


def test_quote_worked_example_a() -> None:
    result = runner.invoke(app, ["quote", "--in-scope", "40000", "--total", "50000", "--level", "2",
                                 "--category", "dibao"], env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    for amount in ("31,520.00", "637.00", "5,490.10", "37,647.10"):
        assert amount in result.output


def test_quote_from_json_with_optimal_plan(tmp_path: Path) -> None:
    f = tmp_path / "claim.json"
    f.write_text(json.dumps({"claim_id": "Q1", "settle_date": "2026-03-01", "visit_type": "inpatient",
                             "location": "county", "hospital_level": 2, "in_scope_yuan": "30000",
                             "basic_paid_yuan": "20000", "critical_paid_yuan": "0",
                             "categories": ["veteran_priority", "severe_disability"]}), encoding="utf-8")
    result = runner.invoke(app, ["quote", "--policy", str(ROOT / "policies" / "xinjin-multidept-2026.yaml"),
                                 "--json", str(f), "--optimal"], env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    assert "28,000.00" in result.output and "file order pays 27600.00" in result.output


@pytest.mark.integration
def test_settle_command_writes_csv(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'm.db'}"
    _seed(url)
    out = tmp_path / "out.csv"
    result = runner.invoke(app, ["settle", "--year", "2026", "--out", str(out), "--url", url])
    assert result.exit_code == 0, result.output
    assert "3 claims, 12 lines" in result.output
    assert "A,basic,40000.00,31520.00,8480.00,basic.inpatient.base" in out.read_text(encoding="utf-8")
