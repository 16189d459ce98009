"""Contract-v1 data tables, loads and rejects (owner: ingest)

Revision ID: 0001
Revises: 
"""

from __future__ import annotations

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
