"""End to end through the CLI on a small synthetic county: synth → load → link → reconcile → feedback."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

pytestmark = pytest.mark.e2e


def _run(args: list[str]) -> str:
    from medaid.cli import app

    result = CliRunner().invoke(app, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_county_round_trip(tmp_path: Path) -> None:
    pytest.importorskip("medaid.synth")
    county = tmp_path / "county"
    _run(["synth", "--people", "1500", "--year", "2026", "--seed", "11", "--out", str(county)])
    _run(["load", str(county)])
    out = _run(["link", "run"])
    assert "persons" in out
    scored = _run(["link", "score", "--county", str(county)])
    f1 = float(re.search(r"F1 ([0-9.]+)", scored).group(1))  # type: ignore[union-attr]
    assert f1 >= 0.98
    out = _run(["reconcile", "--year", "2026", "--out", str(tmp_path / "problems.csv"),
                "--worklists", str(tmp_path / "lists")])
    assert "round 1" in out
    score = _run(["reconcile", "score", "--truth", str(county / "truth"), "--round", "1"])
    recall = float(re.search(r"recall ([0-9.]+)", score).group(1))  # type: ignore[union-attr]
    precision = float(re.search(r"precision ([0-9.]+)", score).group(1))  # type: ignore[union-attr]
    assert recall == 1.0 and precision >= 0.99
    header = (tmp_path / "problems.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header == "id_number,name,township_code,problem,detail,action"
    lists = sorted((tmp_path / "lists").glob("*.xlsx"))
    assert lists
    from openpyxl import load_workbook

    book = load_workbook(lists[0])
    sheet = book.active
    sheet.cell(2, 9).value = "已处理"
    problem_id = int(sheet.cell(2, 1).value)
    book.save(lists[0])
    out = _run(["reconcile", "import-feedback", str(lists[0]), "--year", "2026"])
    assert "closed 1" in out
    out = _run(["reconcile", "--year", "2026"])
    assert "round 2" in out
    history = _run(["reconcile", "history", str(problem_id)])
    assert "new" in history and "closed" in history
