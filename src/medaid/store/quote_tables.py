"""One-stop settlement quotes (一站式结算试算/预留): one row per claim a hospital posted online.

Created by migration 0007. A quote is a reservation: its claim counts in the person's year-to-date
state for every later quote until a reversal (a quote whose ``reverses_claim_id`` names it) is
posted. ``quote_lock`` has one row per person-year; quotes lock it (``SELECT … FOR UPDATE`` on
PostgreSQL; SQLite takes the database write lock with ``BEGIN IMMEDIATE``) so concurrent quotes of
one person are serialised and caps are never exceeded. Amounts are integer fen.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Date, DateTime, Integer, String, Table, Text, UniqueConstraint

from medaid.store.tables import metadata

quote = Table(
    "quote", metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("claim_id", String(64), nullable=False, unique=True),
    Column("id_token", String(32), nullable=False, index=True),
    Column("year", Integer, nullable=False),
    Column("settle_date", Date, nullable=False),
    Column("visit_type", String(24), nullable=False),
    Column("location", String(16), nullable=False),
    Column("hospital_level", Integer, nullable=False),
    Column("hospital_code", String(64), nullable=False),
    Column("in_scope_fen", BigInteger, nullable=False),
    Column("total_fen", BigInteger, nullable=False),
    Column("basic_paid_fen", BigInteger),
    Column("critical_paid_fen", BigInteger),
    Column("reverses_claim_id", String(64)),
    Column("policy_id", String(64), nullable=False),
    Column("paid_fen", BigInteger, nullable=False),
    Column("user_id", Integer, nullable=False),
    Column("idempotency_key", String(128), nullable=False),
    Column("request_hash", String(64), nullable=False),
    Column("response", Text, nullable=False),      # the JSON answered, replayed on a retry
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("user_id", "idempotency_key", name="uq_quote_idempotency"),
)

quote_lock = Table(
    "quote_lock", metadata,
    Column("id_token", String(32), primary_key=True),
    Column("year", Integer, primary_key=True),
)
