"""Tables of the append-only audit log (审计日志). Created by migration 0002.

``audit_event`` holds the hash chain; ``audit_head`` is a single row (id = 1) with the newest
sequence number and hash. Appenders update the head row first, which takes the write lock on
SQLite and a row lock on PostgreSQL, so concurrent appends serialise and the chain has no forks.
The head also lets ``verify`` notice a deleted tail. Timestamps and details are stored as the exact
text that was hashed, so verification does not depend on how a driver round-trips types.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Integer, String, Table, Text

from medaid.store.tables import metadata

audit_event = Table(
    "audit_event", metadata,
    Column("seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False),
    Column("at", String(32), nullable=False),          # ISO-8601 UTC, microseconds, trailing Z
    Column("actor", String(64), nullable=False, index=True),
    Column("action", String(64), nullable=False, index=True),
    Column("subject", Text, nullable=False, index=True),
    Column("detail", Text, nullable=False),            # canonical JSON, ID numbers masked
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)

audit_head = Table(
    "audit_head", metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("seq", BigInteger().with_variant(Integer, "sqlite"), nullable=False),
    Column("hash", String(64), nullable=False),
)

GENESIS_HASH = "0" * 64
"""``prev_hash`` of the first event."""
