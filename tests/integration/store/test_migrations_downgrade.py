"""Migrations go down and up again on both databases, keeping the rows they do not own.

0008 (warning state) and 0009 (the 待入户核实 band) drop columns on downgrade: SQLite recreates the
table (batch mode), PostgreSQL alters it in place; both must keep the warnings and results already
stored, and the chain must come back up to the declared schema. The whole chain also goes down to
an empty database, so a county can undo any upgrade.
"""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from alembic import command

from medaid.store.db import alembic_config, engine_for, migrate
from medaid.store.identify_tables import early_warning, identify_result, identify_run
from tests.integration.store.test_migrations_mirror_tables import unexpected_differences

pytestmark = pytest.mark.integration
NOW = dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC)


def _seed(engine: sa.Engine) -> None:
    """A closed warning (0008 columns filled) and a 待入户核实 result (0009 columns filled)."""
    with engine.begin() as conn:
        run = conn.execute(identify_run.insert().values(
            year=2026, thresholds_id="t", model_id=None, oop_source="claims", households=1, flagged=1,
            not_on_roster=0, to_verify=1, started_at=NOW, finished_at=NOW, actor="t")).inserted_primary_key[0]
        conn.execute(identify_result.insert().values(
            run_id=run, household_id="H1", head_token="tok" + "0" * 29, township_code="370830101", tier="low",
            score=0.4, risk_score=3, rules_in_need=False, rigid=False, model_probability=0.4, on_roster=False,
            reasons="待入户核实", verify=True))
        conn.execute(early_warning.insert().values(
            year=2026, household_id="H1", id_token="tok" + "0" * 29, township_code="370830101", village="东村",
            rule="single_admission", tier="high", colour="red", owner_level="county",
            raised_on=dt.date(2026, 2, 1), due_on=dt.date(2026, 2, 6), state="closed", detail="单次住院自付 12,000 元",
            closed_on=dt.date(2026, 2, 4), history='[{"state": "closed", "on": "2026-02-04", "actor": "t"}]'))


def _columns(engine: sa.Engine, table: str) -> set[str]:
    return {c["name"] for c in sa.inspect(engine).get_columns(table)}


def test_0009_and_0008_go_down_and_up_keeping_rows(db_url: str) -> None:
    migrate(db_url)
    engine = engine_for(db_url)
    _seed(engine)
    cfg = alembic_config(db_url)

    command.downgrade(cfg, "0008")
    assert "verify" not in _columns(engine, "identify_result")
    assert "to_verify" not in _columns(engine, "identify_run")
    command.downgrade(cfg, "0007")
    assert not {"closed_on", "history"} & _columns(engine, "early_warning")
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT state, detail FROM early_warning")).all() == [
            ("closed", "单次住院自付 12,000 元")]
        assert conn.execute(sa.text("SELECT household_id, tier FROM identify_result")).all() == [("H1", "low")]

    command.upgrade(cfg, "head")
    with engine.connect() as conn:
        assert unexpected_differences(conn) == []
        # the columns come back empty (0009's server default: not to verify), the rows are still there
        assert conn.execute(sa.select(early_warning.c.state, early_warning.c.closed_on, early_warning.c.history)
                            ).all() == [("closed", None, None)]
        assert conn.execute(sa.select(identify_result.c.verify)).scalars().all() == [False]


def test_the_whole_chain_goes_down_to_an_empty_database(db_url: str) -> None:
    migrate(db_url)
    engine = engine_for(db_url)
    command.downgrade(alembic_config(db_url), "base")
    assert set(sa.inspect(engine).get_table_names()) <= {"alembic_version"}
    command.upgrade(alembic_config(db_url), "head")
    with engine.connect() as conn:
        assert unexpected_differences(conn) == []
