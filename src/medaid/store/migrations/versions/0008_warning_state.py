"""Early warnings can be verified and closed: ``closed_on`` and a JSON ``history`` (owner: identify)

Revision ID: 0008
Revises: 0007

Mirrors ``medaid.store.identify_tables.early_warning``; both columns are nullable, so existing rows
stay valid (a NULL history reads as "raised, nothing done yet"). Identical on SQLite and PostgreSQL.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("early_warning") as batch:
        batch.add_column(sa.Column("closed_on", sa.Date))
        batch.add_column(sa.Column("history", sa.Text))


def downgrade() -> None:
    with op.batch_alter_table("early_warning") as batch:
        batch.drop_column("history")
        batch.drop_column("closed_on")
