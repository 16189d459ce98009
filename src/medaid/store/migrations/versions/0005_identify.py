"""Identification runs, warnings, review cycles and tasks (owner: identify)

Revision ID: 0005
Revises: 0004

Mirrors ``medaid.store.identify_tables`` column for column; identical on SQLite and PostgreSQL.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_TOKEN = sa.String(32)


def upgrade() -> None:
    op.create_table(
        "identify_run",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("thresholds_id", sa.String(64), nullable=False),
        sa.Column("model_id", sa.String(64)),
        sa.Column("oop_source", sa.String(32), nullable=False),
        sa.Column("households", sa.Integer, nullable=False),
        sa.Column("flagged", sa.Integer, nullable=False),
        sa.Column("not_on_roster", sa.Integer, nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
    )
    op.create_index("ix_identify_run_year", "identify_run", ["year"])
    op.create_table(
        "identify_result",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.Integer, nullable=False),
        sa.Column("household_id", sa.String(64), nullable=False),
        sa.Column("head_token", _TOKEN, nullable=False),
        sa.Column("township_code", sa.String(9), nullable=False),
        sa.Column("tier", sa.String(8), nullable=False),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("risk_score", sa.Integer, nullable=False),
        sa.Column("rules_in_need", sa.Boolean, nullable=False),
        sa.Column("rigid", sa.Boolean, nullable=False),
        sa.Column("model_probability", sa.Float),
        sa.Column("on_roster", sa.Boolean, nullable=False),
        sa.Column("reasons", sa.Text, nullable=False),
        sa.UniqueConstraint("run_id", "household_id", name="uq_identify_result_household"),
    )
    op.create_index("ix_identify_result_run_id", "identify_result", ["run_id"])
    op.create_index("ix_identify_result_township_code", "identify_result", ["township_code"])
    op.create_table(
        "early_warning",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("household_id", sa.String(64), nullable=False),
        sa.Column("id_token", _TOKEN, nullable=False),
        sa.Column("township_code", sa.String(9), nullable=False),
        sa.Column("village", sa.Text),
        sa.Column("rule", sa.String(32), nullable=False),
        sa.Column("tier", sa.String(8), nullable=False),
        sa.Column("colour", sa.String(8), nullable=False),
        sa.Column("owner_level", sa.String(16), nullable=False),
        sa.Column("raised_on", sa.Date, nullable=False),
        sa.Column("due_on", sa.Date, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
        sa.UniqueConstraint("year", "household_id", "id_token", "rule", name="uq_early_warning_rule"),
    )
    op.create_index("ix_early_warning_year", "early_warning", ["year"])
    op.create_index("ix_early_warning_township_code", "early_warning", ["township_code"])
    op.create_table(
        "mgmt_task",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("dedupe_key", sa.String(160), nullable=False, unique=True),
        sa.Column("household_id", sa.String(64)),
        sa.Column("id_token", _TOKEN),
        sa.Column("township_code", sa.String(9)),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("opened_on", sa.Date, nullable=False),
        sa.Column("due_on", sa.Date, nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True)),
        sa.Column("closed_on", sa.Date),
        sa.Column("detail", sa.Text, nullable=False),
        sa.Column("history", sa.Text, nullable=False),
    )
    for col in ("kind", "township_code", "state", "due_on"):
        op.create_index(f"ix_mgmt_task_{col}", "mgmt_task", [col])


def downgrade() -> None:
    for name in ("mgmt_task", "early_warning", "identify_result", "identify_run"):
        op.drop_table(name)
