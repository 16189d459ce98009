"""``medaid synth`` end to end on a small county (~2k people), through the real CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from medaid.cli import app
from medaid.synth import KINDS

pytestmark = pytest.mark.e2e


def test_synth_writes_a_small_county(tmp_path: Path) -> None:
    out = tmp_path / "county"
    result = CliRunner().invoke(app, ["synth", "--people", "2000", "--year", "2026", "--seed", "7", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "claims.csv" in result.output
    for kind in KINDS:
        assert (out / f"{kind}.csv").stat().st_size > 0
    meta = json.loads((out / "truth" / "summary.json").read_text("utf-8"))
    assert meta["people"] == 2000 and meta["seed"] == 7 and meta["files"]["persons"] >= 2000
    for name in ("households", "persons", "faults", "duplicates", "expected_problems"):
        assert (out / "truth" / f"{name}.csv").exists()


def test_synth_xlsx_and_fault_rate_options(tmp_path: Path) -> None:
    out = tmp_path / "x"
    result = CliRunner().invoke(app, ["synth", "--people", "500", "--out", str(out), "--format", "xlsx",
                                      "--fault-rate", "0"])
    assert result.exit_code == 0, result.output
    assert (out / "claims.xlsx").exists() and not (out / "claims.csv").exists()
    assert json.loads((out / "truth" / "summary.json").read_text("utf-8"))["truth"]["faults"] == 0


def test_synth_rejects_a_bad_fault_rate(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["synth", "--people", "500", "--out", str(tmp_path), "--fault-rate", "2"])
    assert result.exit_code != 0


def test_console_script_runs_synth(tmp_path: Path) -> None:
    medaid = Path(sys.executable).with_name("medaid")
    done = subprocess.run([str(medaid), "synth", "--people", "300", "--out", str(tmp_path / "c")],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "c" / "persons.csv").read_text("utf-8").startswith("id_number,name,sex,birth_date")
