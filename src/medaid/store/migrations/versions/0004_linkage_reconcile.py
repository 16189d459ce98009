"""Identity links, review queue, reconciliation rounds and problems (owner: linkage/reconcile)

Revision ID: 0004
Revises: 0003

Mirrors ``medaid.store.reconcile_tables`` column for column; identical on SQLite and PostgreSQL.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_TOKEN = sa.String(32)


def upgrade() -> None:
    op.create_table(
        "link_run",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("started_at", sa.String(32), nullable=False),
        sa.Column("finished_at", sa.String(32)),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("upper", sa.Float, nullable=False),
        sa.Column("lower", sa.Float, nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
    )
    op.create_table(
        "person_link",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("table_name", sa.String(32), nullable=False),
        sa.Column("load_id", sa.Integer, nullable=False),
        sa.Column("source_row", sa.Integer, nullable=False),
        sa.Column("person_key", sa.String(40), nullable=False),
        sa.Column("id_token", _TOKEN),
        sa.Column("method", sa.String(16), nullable=False),
        sa.Column("match_probability", sa.Float),
        sa.Column("run_id", sa.Integer, nullable=False),
        sa.UniqueConstraint("table_name", "load_id", "source_row", name="uq_person_link_row"),
    )
    op.create_index("ix_person_link_person_key", "person_link", ["person_key"])
    op.create_index("ix_person_link_id_token", "person_link", ["id_token"])
    op.create_table(
        "link_review",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.Integer, nullable=False),
        sa.Column("left_uid", sa.String(64), nullable=False),
        sa.Column("right_uid", sa.String(64), nullable=False),
        sa.Column("right_person_key", sa.String(40), nullable=False),
        sa.Column("pair_key", sa.String(80), nullable=False),
        sa.Column("match_probability", sa.Float, nullable=False),
        sa.Column("evidence", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("decided_by", sa.String(64)),
        sa.Column("decided_at", sa.String(32)),
        sa.Column("reason", sa.Text),
    )
    op.create_index("ix_link_review_run_id", "link_review", ["run_id"])
    op.create_index("ix_link_review_pair_key", "link_review", ["pair_key"])
    op.create_table(
        "recon_round",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("started_at", sa.String(32), nullable=False),
        sa.Column("finished_at", sa.String(32)),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("previous_round_id", sa.Integer),
        sa.Column("summary", sa.Text, nullable=False),
    )
    op.create_index("ix_recon_round_year", "recon_round", ["year"])
    op.create_table(
        "recon_problem",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("subject_key", sa.String(64), nullable=False),
        sa.Column("problem", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("id_token", _TOKEN),
        sa.Column("id_masked", sa.String(24), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("township_code", sa.String(9), nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
        sa.Column("action", sa.Text, nullable=False),
        sa.Column("first_round_id", sa.Integer, nullable=False),
        sa.Column("last_round_id", sa.Integer, nullable=False),
        sa.UniqueConstraint("year", "subject_key", "problem", name="uq_recon_problem"),
    )
    op.create_index("ix_recon_problem_year_town", "recon_problem", ["year", "township_code"])
    op.create_table(
        "recon_problem_event",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("problem_id", sa.Integer, nullable=False),
        sa.Column("round_id", sa.Integer),
        sa.Column("at", sa.String(32), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("note", sa.Text),
    )
    op.create_index("ix_recon_problem_event_problem_id", "recon_problem_event", ["problem_id"])


def downgrade() -> None:
    for name in ("recon_problem_event", "recon_problem", "recon_round", "link_review", "person_link",
                 "link_run"):
        op.drop_table(name)
