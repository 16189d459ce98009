"""``medaid demo --no-serve`` — the README's first command without the server: a tiny county is
synthesised, loaded and put through the main job; a second run reuses everything."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from medaid.cli import app
from medaid.settings import get_settings
from medaid.store.db import engine_for

pytestmark = pytest.mark.e2e


def test_demo_runs_the_main_job_once(tmp_path: Path) -> None:
    from medaid.store.cases_tables import aid_case as case
    from medaid.store.reconcile_tables import recon_problem, recon_round
    from medaid.store.settlement_tables import settlement_run

    runner = CliRunner()
    first = runner.invoke(app, ["demo", "--people", "1500", "--no-serve"])
    assert first.exit_code == 0, first.output
    assert "主流程完成 / main job done" in first.output
    assert "approver-demo-2026" in first.output
    engine = engine_for(get_settings().resolved_database_url())
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(settlement_run)).scalar_one() == 1
        assert conn.execute(select(func.count()).select_from(recon_round)).scalar_one() == 1
        assert conn.execute(select(func.count()).select_from(recon_problem)).scalar_one() > 0
        cases = conn.execute(select(func.count()).select_from(case)).scalar_one()
    assert cases > 0

    second = runner.invoke(app, ["demo", "--people", "1500", "--no-serve"])
    assert second.exit_code == 0, second.output
    assert "already done" in second.output
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(settlement_run)).scalar_one() == 1
        assert conn.execute(select(func.count()).select_from(case)).scalar_one() == cases
