"""Settlement results (结算结果): one run per ``medaid settle``, one line per claim and layer.

Created by migration 0003. Amounts are integer fen. A run records the policy file's hash so a
result can always be traced to the exact parameters that produced it; re-running a year adds a new
run and never rewrites an old one.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Date, DateTime, Integer, String, Table, Text

from medaid.store.tables import metadata

settlement_run = Table(
    "settlement_run", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("year", Integer, nullable=False, index=True),
    Column("policy_id", String(64), nullable=False),
    Column("policy_sha256", String(64), nullable=False),
    Column("layer_order", Text, nullable=False),        # comma-separated layer ids as applied
    Column("engine", String(16), nullable=False),       # duckdb | spark
    Column("claims", Integer, nullable=False),
    Column("lines", Integer, nullable=False),
    Column("paid_fen", BigInteger, nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True), nullable=False),
    Column("actor", String(64), nullable=False),
)

settlement_line = Table(
    "settlement_line", metadata,
    Column("run_id", Integer, nullable=False, index=True),
    Column("claim_id", String(64), nullable=False, index=True),
    Column("id_token", String(32), nullable=False, index=True),
    Column("settle_date", Date, nullable=False),
    Column("layer", String(64), nullable=False),
    Column("position", Integer, nullable=False),
    Column("base_fen", BigInteger, nullable=False),
    Column("paid_fen", BigInteger, nullable=False),
    Column("remaining_fen", BigInteger, nullable=False),
    Column("rule", String(128), nullable=False),
)
