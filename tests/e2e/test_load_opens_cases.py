"""免申即享 through ``medaid load``: loading claims opens the cases in the same run; loading the same
files again opens none (issue 7: "re-loading the same claims never opens a second case")."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from medaid.cli import app
from medaid.settings import get_settings
from medaid.store.db import engine_for

pytestmark = pytest.mark.e2e


def test_load_opens_cases_once(tmp_path: Path) -> None:
    from medaid.store.cases_tables import aid_case
    from medaid.synth import generate_county

    county = tmp_path / "county"
    generate_county(county, people=1500, year=2026, seed=11)
    runner = CliRunner()
    first = runner.invoke(app, ["load", str(county)])
    assert first.exit_code == 0, first.output
    assert "免申即享 2026" in first.output
    engine = engine_for(get_settings().resolved_database_url())
    with engine.connect() as conn:
        opened = conn.execute(select(func.count()).select_from(aid_case)).scalar_one()
    assert opened > 0

    claims = county / "claims.csv"
    claims.write_text(claims.read_text(encoding="utf-8") + "\n", encoding="utf-8")  # a new file, same claims
    again = runner.invoke(app, ["load", str(claims)])
    assert again.exit_code == 0, again.output
    assert "新开案件 opened 0" in again.output
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(aid_case)).scalar_one() == opened

    skipped = runner.invoke(app, ["load", "--no-cases", str(county / "persons.csv")])
    assert skipped.exit_code == 0 and "免申即享" not in skipped.output
