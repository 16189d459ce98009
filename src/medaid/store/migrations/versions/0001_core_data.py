"""Contract-v1 data tables, loads and rejects (owner: ingest)

Revision ID: 0001
Revises:

Written out column by column (not ``metadata.create_all``) so that later edits of
``medaid.store.tables`` never change what this revision does. Runs unchanged on SQLite and
PostgreSQL. Index names follow SQLAlchemy's ``ix_<table>_<column>`` so the tables module agrees.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_TOKEN = sa.String(32)
_TS = sa.DateTime(timezone=True)
_BIGID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")  # SQLite autoincrement needs INTEGER


def _provenance() -> list[sa.Column]:  # type: ignore[type-arg]
    return [sa.Column("load_id", sa.Integer, nullable=False), sa.Column("source_row", sa.Integer, nullable=False)]


def _index(table: str, *columns: str, unique: bool = False) -> None:
    name = ("ux_" if unique else "ix_") + table + "_" + "_".join(columns)
    op.create_index(name, table, list(columns), unique=unique)


def upgrade() -> None:
    op.create_table(
        "load",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("file_name", sa.Text, nullable=False),
        sa.Column("file_sha256", sa.String(64), nullable=False),
        sa.Column("scope", sa.Text, nullable=False, server_default=""),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("rows_read", sa.Integer, nullable=False, server_default="0"),
        sa.Column("rows_accepted", sa.Integer, nullable=False, server_default="0"),
        sa.Column("rows_rejected", sa.Integer, nullable=False, server_default="0"),
        sa.Column("message", sa.Text),
        sa.Column("started_at", _TS, nullable=False),
        sa.Column("finished_at", _TS),
        sa.Column("actor", sa.String(64), nullable=False, server_default="system"),
    )
    _index("load", "kind")
    _index("load", "file_sha256")

    op.create_table(
        "reject",
        sa.Column("id", _BIGID, primary_key=True, autoincrement=True),
        sa.Column("load_id", sa.Integer, nullable=False),
        sa.Column("file_name", sa.Text, nullable=False),
        sa.Column("row_number", sa.Integer, nullable=False),
        sa.Column("field", sa.String(64), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("raw", sa.Text, nullable=False),
        sa.Column("id_stem_token", _TOKEN),
        sa.Column("id_birth_date", sa.Date),
        sa.Column("id_sex", sa.String(1)),
    )
    _index("reject", "load_id")

    op.create_table(
        "identity",
        sa.Column("id_token", _TOKEN, primary_key=True),
        sa.Column("id_cipher", sa.Text, nullable=False),
        sa.Column("id_masked", sa.String(18), nullable=False),
        sa.Column("region_code", sa.String(6), nullable=False),
        sa.Column("birth_date", sa.Date, nullable=False),
        sa.Column("sex", sa.String(1), nullable=False),
        sa.Column("id_stem_token", _TOKEN),
    )
    _index("identity", "id_stem_token")

    op.create_table(
        "person",
        sa.Column("id_token", _TOKEN, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("name_norm", sa.Text, nullable=False),
        sa.Column("sex", sa.String(1), nullable=False),
        sa.Column("birth_date", sa.Date, nullable=False),
        sa.Column("household_id", sa.String(64), nullable=False),
        sa.Column("relation", sa.String(16)),
        sa.Column("township_code", sa.String(9), nullable=False),
        sa.Column("village", sa.Text),
        sa.Column("address", sa.Text),
        sa.Column("phone", sa.String(32)),
        *_provenance(),
    )
    for col in ("id_token", "household_id", "township_code", "load_id"):
        _index("person", col)

    op.create_table(
        "death",
        sa.Column("id_token", _TOKEN, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("death_date", sa.Date, nullable=False),
        sa.Column("source", sa.Text),
        *_provenance(),
    )
    _index("death", "id_token", unique=True)
    _index("death", "load_id")

    op.create_table(
        "roster",
        sa.Column("id_token", _TOKEN, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("valid_from", sa.Date, nullable=False),
        sa.Column("valid_to", sa.Date),
        sa.Column("township_code", sa.String(9)),
        sa.Column("source_dept", sa.Text),
        *_provenance(),
    )
    _index("roster", "id_token")
    _index("roster", "load_id")

    op.create_table(
        "enrolment",
        sa.Column("id_token", _TOKEN, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("scheme", sa.String(16), nullable=False),
        sa.Column("region_code", sa.String(6), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("premium_waived", sa.Boolean, nullable=False),
        sa.Column("paid_by_self_fen", sa.BigInteger),
        *_provenance(),
    )
    for col in ("id_token", "year", "load_id"):
        _index("enrolment", col)

    op.create_table(
        "claim",
        sa.Column("claim_id", sa.String(64), primary_key=True),
        sa.Column("id_token", _TOKEN, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("hospital_code", sa.String(64), nullable=False),
        sa.Column("hospital_level", sa.Integer, nullable=False),
        sa.Column("location", sa.String(16), nullable=False),
        sa.Column("visit_type", sa.String(24), nullable=False),
        sa.Column("admit_date", sa.Date),
        sa.Column("discharge_date", sa.Date),
        sa.Column("settle_date", sa.Date, nullable=False),
        sa.Column("diagnosis_code", sa.String(16), nullable=False),
        sa.Column("total_fen", sa.BigInteger, nullable=False),
        sa.Column("in_scope_fen", sa.BigInteger, nullable=False),
        sa.Column("basic_paid_fen", sa.BigInteger),
        sa.Column("critical_paid_fen", sa.BigInteger),
        sa.Column("reverses_claim_id", sa.String(64)),
        *_provenance(),
    )
    for col in ("id_token", "settle_date", "load_id"):
        _index("claim", col)

    op.create_table(
        "income",
        sa.Column("id_token", _TOKEN, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("amount_fen", sa.BigInteger, nullable=False),
        sa.Column("period_from", sa.Date, nullable=False),
        sa.Column("period_to", sa.Date, nullable=False),
        *_provenance(),
    )
    op.create_table(
        "asset",
        sa.Column("id_token", _TOKEN, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("value_fen", sa.BigInteger, nullable=False),
        sa.Column("count", sa.Integer),
        *_provenance(),
    )
    op.create_table(
        "disability",
        sa.Column("id_token", _TOKEN, nullable=False),
        sa.Column("level", sa.Integer, nullable=False),
        sa.Column("type", sa.Text),
        *_provenance(),
    )
    op.create_table(
        "chronic_cert",
        sa.Column("id_token", _TOKEN, nullable=False),
        sa.Column("disease_code", sa.String(16), nullable=False),
        sa.Column("valid_from", sa.Date, nullable=False),
        sa.Column("valid_to", sa.Date),
        *_provenance(),
    )
    op.create_table(
        "employment",
        sa.Column("id_token", _TOKEN, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("since", sa.Date, nullable=False),
        *_provenance(),
    )
    for table in ("income", "asset", "disability", "chronic_cert", "employment"):
        _index(table, "id_token")
        _index(table, "load_id")


def downgrade() -> None:
    for table in ("employment", "chronic_cert", "disability", "asset", "income", "claim", "enrolment",
                  "roster", "death", "person", "identity", "reject", "load"):
        op.drop_table(table)
