"""``medaid identify`` end to end on a small synthetic county: train, identify, warn, plan, work lists."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from medaid.cli import app

pytestmark = pytest.mark.e2e
runner = CliRunner()


@pytest.fixture
def county(tmp_path: Path) -> Path:
    synth = pytest.importorskip("medaid.synth")
    ingest = pytest.importorskip("medaid.ingest.service")
    out = tmp_path / "county"
    synth.generate_county(out, people=3000, year=2026, seed=11)
    ingest.load_path(out)
    return out


def _ok(args: list[str]) -> str:
    result = runner.invoke(app, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return re.sub(r"\s+", " ", result.output)  # Rich wraps long lines at the terminal width


def test_identify_workflow(county: Path, tmp_path: Path) -> None:
    out = _ok(["identify", "train", "--year", "2026", "--truth", str(county / "truth")])
    assert "precision" in out and "rules" in out and "saved model" in out

    listing = tmp_path / "identify.csv"
    out = _ok(["identify", "--year", "2026", "--out", str(listing)])
    found = re.search(r"found (\d+) households in need that no roster has", out)
    assert found is not None
    with listing.open(encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    assert rows and list(rows[0]) == ["id_number", "household_id", "tier", "score", "reasons"]
    assert {r["tier"] for r in rows} <= {"high", "medium", "low"}
    assert all(re.fullmatch(r"\d{6}\*{8}[\dX]{4}", r["id_number"]) for r in rows if r["id_number"])

    xlsx = tmp_path / "identify.xlsx"
    _ok(["identify", "--year", "2026", "--rules-only", "--out", str(xlsx)])
    assert xlsx.stat().st_size > 0

    out = _ok(["identify", "warnings", "--year", "2026", "--as-of", "2026-11-20", "--out", str(tmp_path / "w.csv")])
    assert "warnings" in out
    _ok(["identify", "warning", "1", "verified", "--note", "已入户核实", "--on", "2026-11-20"])
    assert runner.invoke(app, ["identify", "warning", "1", "open"]).exit_code != 0  # no way back
    verified = _ok(["identify", "warnings", "--year", "2026", "--as-of", "2026-11-20", "--state", "verified"])
    assert "共 1 条" in verified and "verified" in verified
    assert "共 0 条" in _ok(["identify", "warnings", "--year", "2026", "--as-of", "2026-11-20", "--state", "closed"])
    bad = runner.invoke(app, ["identify", "warnings", "--year", "2026", "--state", "done"])
    assert bad.exit_code == 2 and "--state" in bad.output
    out = _ok(["identify", "manage", "--year", "2026", "--as-of", "2026-11-20"])
    assert "screening" in out and "notice" in out
    out = _ok(["identify", "due", "--as-of", "2026-11-20", "--kind", "screening", "--out", str(tmp_path / "due.csv")])
    task_id = re.search(r"│ (\d+) │", out)
    assert task_id is not None
    _ok(["identify", "advance", task_id.group(1), "applied", "--on", "2026-11-21"])
    out = _ok(["identify", "funnel"])
    assert re.search(r"applied │ 1 ", out)


def test_bad_transition_is_a_clear_error(county: Path) -> None:
    from medaid.cli import main  # noqa: F401  (main turns MedaidError into exit 2)

    out = _ok(["identify", "--year", "2026", "--rules-only"])
    assert "identify-2026.csv" in out.replace(" ", "")
    _ok(["identify", "manage", "--year", "2026", "--as-of", "2026-11-20"])
    result = runner.invoke(app, ["identify", "advance", "1", "nonsense"])
    assert result.exit_code != 0
