"""One-stop settlement quotes and the per-person-year lock rows (owner: policy/quote API)

Revision ID: 0007
Revises: 0006

Mirrors ``medaid.store.quote_tables`` column for column; identical on SQLite and PostgreSQL.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "quote",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("claim_id", sa.String(64), nullable=False, unique=True),
        sa.Column("id_token", sa.String(32), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("settle_date", sa.Date, nullable=False),
        sa.Column("visit_type", sa.String(24), nullable=False),
        sa.Column("location", sa.String(16), nullable=False),
        sa.Column("hospital_level", sa.Integer, nullable=False),
        sa.Column("hospital_code", sa.String(64), nullable=False),
        sa.Column("in_scope_fen", sa.BigInteger, nullable=False),
        sa.Column("total_fen", sa.BigInteger, nullable=False),
        sa.Column("basic_paid_fen", sa.BigInteger),
        sa.Column("critical_paid_fen", sa.BigInteger),
        sa.Column("reverses_claim_id", sa.String(64)),
        sa.Column("policy_id", sa.String(64), nullable=False),
        sa.Column("paid_fen", sa.BigInteger, nullable=False),
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("idempotency_key", sa.String(128), nullable=False),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("response", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("user_id", "idempotency_key", name="uq_quote_idempotency"),
    )
    op.create_index("ix_quote_id_token", "quote", ["id_token"])
    op.create_table(
        "quote_lock",
        sa.Column("id_token", sa.String(32), primary_key=True),
        sa.Column("year", sa.Integer, primary_key=True),
    )


def downgrade() -> None:
    op.drop_table("quote_lock")
    op.drop_index("ix_quote_id_token", table_name="quote")
    op.drop_table("quote")
