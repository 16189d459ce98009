"""Identification: the 待入户核实 band (households the records cannot decide)

Revision ID: 0009
Revises: 0008

``identify_result.verify`` marks a household whose model probability lies between the screen and
confirm thresholds (decision 0010); ``identify_run.to_verify`` counts them. Mirrors
``medaid.store.identify_tables``; identical on SQLite and PostgreSQL.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("identify_result", sa.Column("verify", sa.Boolean, nullable=False, server_default=sa.false()))
    op.add_column("identify_run", sa.Column("to_verify", sa.Integer, nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("identify_run") as batch:
        batch.drop_column("to_verify")
    with op.batch_alter_table("identify_result") as batch:
        batch.drop_column("verify")
