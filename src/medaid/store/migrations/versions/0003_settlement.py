"""Settlement results and policy runs (owner: policy)

Revision ID: 0003
Revises: 0002

Written out column by column so later edits of ``medaid.store.settlement_tables`` never change
what this revision does. Index names follow SQLAlchemy's ``ix_<table>_<column>``.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = '0002'
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "settlement_run",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("policy_id", sa.String(64), nullable=False),
        sa.Column("policy_sha256", sa.String(64), nullable=False),
        sa.Column("layer_order", sa.Text, nullable=False),
        sa.Column("engine", sa.String(16), nullable=False),
        sa.Column("claims", sa.Integer, nullable=False),
        sa.Column("lines", sa.Integer, nullable=False),
        sa.Column("paid_fen", sa.BigInteger, nullable=False),
        sa.Column("started_at", _TS, nullable=False),
        sa.Column("finished_at", _TS, nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
    )
    op.create_index("ix_settlement_run_year", "settlement_run", ["year"])
    op.create_table(
        "settlement_line",
        sa.Column("run_id", sa.Integer, nullable=False),
        sa.Column("claim_id", sa.String(64), nullable=False),
        sa.Column("id_token", sa.String(32), nullable=False),
        sa.Column("settle_date", sa.Date, nullable=False),
        sa.Column("layer", sa.String(64), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("base_fen", sa.BigInteger, nullable=False),
        sa.Column("paid_fen", sa.BigInteger, nullable=False),
        sa.Column("remaining_fen", sa.BigInteger, nullable=False),
        sa.Column("rule", sa.String(128), nullable=False),
    )
    for col in ("run_id", "claim_id", "id_token"):
        op.create_index(f"ix_settlement_line_{col}", "settlement_line", [col])


def downgrade() -> None:
    op.drop_table("settlement_line")
    op.drop_table("settlement_run")
