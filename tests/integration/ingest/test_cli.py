"""``medaid load`` and ``medaid rejects`` end to end through the CLI (SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from typer.testing import CliRunner

from medaid.cli import app
from medaid.ingest.rejects import export_rejects
from medaid.ingest.service import load_path
from medaid.settings import get_settings
from tests.integration.ingest.factories import HEADERS, person_id, row, write_kind

pytestmark = [pytest.mark.integration, pytest.mark.e2e]


@pytest.fixture
def cli_env(db_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("MEDAID_DATABASE_URL", db_url)
    monkeypatch.setenv("COLUMNS", "200")
    get_settings.cache_clear()
    return db_url


def test_load_prints_counts_and_exports_rejects(cli_env: str, tmp_path: Path) -> None:
    write_kind(tmp_path / "in", "persons", [row("persons", 0), row("persons", 1, birth_date="1980-02-30")])
    write_kind(tmp_path / "in", "claims", 3)
    (tmp_path / "in" / "notes.txt").write_text("not a contract file", encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(app, ["load", str(tmp_path / "in")])
    assert result.exit_code == 0, result.output
    assert "persons.csv" in result.output and "claims.csv" in result.output
    assert "已导入" in result.output

    out = tmp_path / "rejects.csv"
    result = runner.invoke(app, ["rejects", "--out", str(out)])
    assert result.exit_code == 0, result.output
    with out.open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["file_name"], r["row_number"], r["field"]) for r in rows] == [("persons.csv", "3", "birth_date")]
    assert person_id(1) not in rows[0]["raw"]


def test_failed_file_gives_exit_code_1(cli_env: str, tmp_path: Path) -> None:
    write_kind(tmp_path / "in", "persons", 2, header=[c for c in HEADERS["persons"] if c != "name"])
    result = CliRunner().invoke(app, ["load", str(tmp_path / "in")])
    assert result.exit_code == 1
    assert "name" in result.output and "失败" in result.output


def test_xlsx_export_has_chinese_headers(db_url: str, tmp_path: Path) -> None:
    from python_calamine import CalamineWorkbook

    report = load_path(write_kind(tmp_path, "income", [row("income", 0, yuan="=1+1"), row("income", 1)]), url=db_url)
    out = tmp_path / "r.xlsx"
    assert export_rejects(out, url=db_url, load_id=report.files[0].load_id) == 1
    assert export_rejects(tmp_path / "none.xlsx", url=db_url, load_id=999) == 0
    sheet = CalamineWorkbook.from_path(str(out)).get_sheet_by_index(0).to_python()
    assert sheet[0][:5] == ["批次号", "文件", "行号", "字段", "原因"]
    assert sheet[1][3] == "yuan" and "=1+1" in str(sheet[1][5])  # text, not a formula
