"""Claims: one index on (id_token, settle_date) instead of id_token alone

Revision ID: 0010
Revises: 0009

Every quote reads the person's claims of the year. With only single-column indexes PostgreSQL may
AND the id_token index with the settle_date index, scanning a whole year of the county's claims
per quote (decision 0011); the composite index answers the read alone and keeps serving lookups by
id_token (its leading column), so the single-column index goes. Mirrors ``medaid.store.tables.claim``.
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_claim_person_date", "claim", ["id_token", "settle_date"])
    op.drop_index("ix_claim_id_token", table_name="claim")


def downgrade() -> None:
    op.create_index("ix_claim_id_token", "claim", ["id_token"])
    op.drop_index("ix_claim_person_date", table_name="claim")
