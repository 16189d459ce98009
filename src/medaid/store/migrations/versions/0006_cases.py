"""Cases (免申即享), approvals, funds, payout batches and lines, notices (owner: cases)

Revision ID: 0006
Revises: 0005

Mirrors ``medaid.store.cases_tables`` column for column; identical on SQLite and PostgreSQL. The
partial unique index ``uq_payout_line_live`` is what stops a retried payout from paying twice.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_TOKEN = sa.String(32)
_TS = sa.String(32)
_ONE = sa.text("1")
_ZERO = sa.text("0")


def upgrade() -> None:
    op.create_table(
        "aid_case",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("claim_id", sa.String(64), nullable=False, unique=True),
        sa.Column("id_token", _TOKEN, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("policy_id", sa.String(64), nullable=False),
        sa.Column("township_code", sa.String(9)),
        sa.Column("village", sa.Text),
        sa.Column("household_id", sa.String(64)),
        sa.Column("categories", sa.Text, nullable=False),
        sa.Column("visit_type", sa.String(24), nullable=False),
        sa.Column("settle_date", sa.Date, nullable=False),
        sa.Column("discharge_date", sa.Date),
        sa.Column("due_date", sa.Date, nullable=False),
        sa.Column("total_fen", sa.BigInteger, nullable=False),
        sa.Column("in_scope_fen", sa.BigInteger, nullable=False),
        sa.Column("payable_fen", sa.BigInteger, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("plan", sa.Text, nullable=False),
        sa.Column("opened_at", _TS, nullable=False),
        sa.Column("opened_on", sa.Date, nullable=False),
        sa.Column("last_action_on", sa.Date, nullable=False),
        sa.Column("approved_on", sa.Date),
        sa.Column("paid_on", sa.Date),
        sa.Column("version", sa.Integer, nullable=False, server_default=_ONE),
    )
    op.create_index("ix_aid_case_id_token", "aid_case", ["id_token"])
    op.create_index("ix_aid_case_year", "aid_case", ["year"])
    op.create_index("ix_aid_case_status", "aid_case", ["status"])
    op.create_table(
        "case_line",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("case_id", _ID, sa.ForeignKey("aid_case.id"), nullable=False),
        sa.Column("program", sa.String(64), nullable=False),
        sa.Column("department", sa.String(64), nullable=False),
        sa.Column("planned_fen", sa.BigInteger, nullable=False),
        sa.Column("amount_fen", sa.BigInteger, nullable=False),
        sa.Column("rule", sa.String(128), nullable=False),
        sa.Column("cap_fen", sa.BigInteger),
        sa.UniqueConstraint("case_id", "program", name="uq_case_line"),
    )
    op.create_table(
        "case_share",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("case_id", _ID, sa.ForeignKey("aid_case.id"), nullable=False),
        sa.Column("department", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text),
        sa.Column("decided_by", sa.String(64)),
        sa.Column("decided_on", sa.Date),
        sa.Column("version", sa.Integer, nullable=False, server_default=_ONE),
        sa.UniqueConstraint("case_id", "department", name="uq_case_share"),
    )
    op.create_index("ix_case_share_dept_status", "case_share", ["department", "status"])
    op.create_table(
        "case_event",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("case_id", _ID, nullable=False),
        sa.Column("at", _TS, nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("department", sa.String(64)),
        sa.Column("from_status", sa.String(16)),
        sa.Column("to_status", sa.String(16)),
        sa.Column("reason", sa.Text),
        sa.Column("override", sa.Integer, nullable=False, server_default=_ZERO),
        sa.Column("audit_seq", sa.BigInteger),
    )
    op.create_index("ix_case_event_case_id", "case_event", ["case_id"])
    op.create_index("ix_case_event_actor", "case_event", ["actor"])
    op.create_table(
        "fund",
        sa.Column("program", sa.String(64), primary_key=True),
        sa.Column("year", sa.Integer, primary_key=True),
        sa.Column("department", sa.String(64), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("budget_fen", sa.BigInteger),
        sa.Column("issued_fen", sa.BigInteger, nullable=False, server_default=_ZERO),
    )
    op.create_table(
        "person_ledger",
        sa.Column("id_token", _TOKEN, primary_key=True),
        sa.Column("year", sa.Integer, primary_key=True),
        sa.Column("program", sa.String(64), primary_key=True),
        sa.Column("issued_fen", sa.BigInteger, nullable=False, server_default=_ZERO),
        sa.Column("cap_fen", sa.BigInteger),
    )
    op.create_table(
        "payout_batch",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("batch_key", sa.String(64), nullable=False, unique=True),
        sa.Column("program", sa.String(64), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("line_count", sa.Integer, nullable=False),
        sa.Column("total_fen", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "payout_line",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("line_key", sa.String(96), nullable=False, unique=True),
        sa.Column("batch_id", _ID, sa.ForeignKey("payout_batch.id"), nullable=False),
        sa.Column("case_id", _ID, nullable=False),
        sa.Column("program", sa.String(64), nullable=False),
        sa.Column("id_token", _TOKEN, nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("amount_fen", sa.BigInteger, nullable=False),
        sa.Column("attempt", sa.Integer, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text),
        sa.Column("bank_ref", sa.String(64)),
        sa.Column("updated_at", _TS, nullable=False),
        sa.Column("paid_on", sa.Date),
    )
    op.create_index("ix_payout_line_batch_id", "payout_line", ["batch_id"])
    op.create_index("ix_payout_line_state", "payout_line", ["state"])
    op.create_index("uq_payout_line_live", "payout_line", ["case_id", "program"], unique=True,
                    sqlite_where=sa.text("state <> 'failed'"), postgresql_where=sa.text("state <> 'failed'"))
    op.create_table(
        "case_notice",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("case_id", _ID, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("sms", sa.Text, nullable=False),
        sa.Column("letter", sa.Text, nullable=False),
        sa.UniqueConstraint("case_id", "kind", name="uq_case_notice"),
    )


def downgrade() -> None:
    for name in ("case_notice", "payout_line", "payout_batch", "person_ledger", "fund", "case_event",
                 "case_share", "case_line", "aid_case"):
        op.drop_table(name)
