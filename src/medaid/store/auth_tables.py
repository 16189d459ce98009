"""Tables for users, server-side sessions, API tokens, idempotency keys and background jobs.

Created by migration 0002. Secrets are never stored: passwords as argon2id hashes, session ids and
API tokens as SHA-256 of a 256-bit random value (high entropy, so a fast hash is enough).
"""

from __future__ import annotations

from sqlalchemy import Column, DateTime, ForeignKey, Integer, String, Table, Text, UniqueConstraint

from medaid.store.tables import metadata

app_user = Table(
    "app_user", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("display_name", Text, nullable=False, default=""),
    Column("password_hash", Text, nullable=False),
    Column("role", String(16), nullable=False),
    Column("township_code", String(9)),      # scope of role "township"
    Column("department", String(32)),        # scope of role "approver"
    Column("failed_attempts", Integer, nullable=False, default=0),
    Column("locked_until", DateTime(timezone=True)),
    Column("active", Integer, nullable=False, default=1),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

user_session = Table(
    "user_session", metadata,
    Column("id_hash", String(64), primary_key=True),
    Column("user_id", Integer, ForeignKey("app_user.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
)

api_token = Table(
    "api_token", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("prefix", String(12), nullable=False),    # shown in listings to tell tokens apart
    Column("user_id", Integer, ForeignKey("app_user.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("name", Text, nullable=False, default=""),
    Column("scopes", Text, nullable=False),          # space-separated, e.g. "loads:read jobs:read"
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True)),
    Column("revoked_at", DateTime(timezone=True)),
)

idempotency_key = Table(
    "idempotency_key", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_id", Integer, nullable=False),
    Column("key", String(128), nullable=False),
    Column("request_hash", String(64), nullable=False),
    Column("status_code", Integer),
    Column("response", Text),                        # JSON body replayed on a retry
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("user_id", "key", name="uq_idempotency_user_key"),
)

job = Table(
    "job", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(32), nullable=False),      # e.g. "load"
    Column("status", String(16), nullable=False),    # queued | running | succeeded | failed
    Column("actor", String(64), nullable=False),
    Column("params", Text, nullable=False, default="{}"),   # JSON
    Column("stage", Text, nullable=False, default=""),
    Column("done", Integer, nullable=False, default=0),
    Column("total", Integer, nullable=False, default=0),
    Column("result", Text),                          # JSON
    Column("error", Text),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("started_at", DateTime(timezone=True)),
    Column("finished_at", DateTime(timezone=True)),
)
