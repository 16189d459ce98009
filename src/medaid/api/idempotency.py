"""Idempotency keys for POSTs from machine clients (``Idempotency-Key`` header).

A retry with the same key and the same request gets the first response again instead of doing
the work twice; the same key with a different request is a 409 ``IdempotencyConflict``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import Connection, Engine, select, update
from sqlalchemy.exc import IntegrityError

from medaid.api.users import utcnow
from medaid.errors import IdempotencyConflict, MedaidError
from medaid.store.auth_tables import idempotency_key


def _conflict(key: str) -> IdempotencyConflict:
    return IdempotencyConflict(f"Idempotency-Key {key!r} was already used for a different request; use a new key",
                               f"幂等键 {key!r} 已用于另一个请求，请换一个新键")


def replay(engine: Engine, user_id: int, key: str, request_hash: str) -> tuple[int, dict[str, Any]] | None:
    """Reserve ``key`` or return the stored (status, body) of the earlier identical request."""
    with engine.begin() as conn:
        row = _find(conn, user_id, key)
        if row is None:
            try:
                with conn.begin_nested():
                    conn.execute(idempotency_key.insert().values(user_id=user_id, key=key, request_hash=request_hash,
                                                                 created_at=utcnow()))
                return None
            except IntegrityError:
                row = _find(conn, user_id, key)
    assert row is not None
    if row.request_hash != request_hash:
        raise _conflict(key)
    if row.status_code is None:
        raise IdempotencyConflict(f"a request with Idempotency-Key {key!r} is still being processed; retry later",
                                  f"幂等键 {key!r} 的请求仍在处理中，请稍后重试")
    return int(row.status_code), json.loads(row.response)


def remember(engine: Engine, user_id: int, key: str, status: int, body: dict[str, Any]) -> None:
    with engine.begin() as conn:
        conn.execute(update(idempotency_key).where(idempotency_key.c.user_id == user_id, idempotency_key.c.key == key)
                     .values(status_code=status, response=json.dumps(body, ensure_ascii=False)))


def _find(conn: Connection, user_id: int, key: str) -> Any:
    return conn.execute(select(idempotency_key).where(idempotency_key.c.user_id == user_id,
                                                      idempotency_key.c.key == key)).first()


def forget(engine: Engine, user_id: int, key: str) -> None:
    """Release a reserved key whose request failed, so the client may fix it and retry with the key.

    Only a key still *processing* is released; a remembered response is never forgotten.
    """
    with engine.begin() as conn:
        conn.execute(idempotency_key.delete().where(idempotency_key.c.user_id == user_id,
                                                    idempotency_key.c.key == key,
                                                    idempotency_key.c.status_code.is_(None)))


def request_digest(path: str, payload: Mapping[str, Any]) -> str:
    """What makes two requests "the same" for a key: the path and the canonical JSON of the payload."""
    return hashlib.sha256(json.dumps({"path": path, **payload}, sort_keys=True, default=str).encode()).hexdigest()


def run_once(engine: Engine, user_id: int, key: str | None, request_hash: str,
             action: Callable[[], tuple[int, dict[str, Any]]]) -> tuple[int, dict[str, Any]]:
    """Run ``action`` once per (user, key); a retry gets the stored first (status, body).

    Without a key the action simply runs. When the action fails with a domain error the reservation
    is released (``forget``), so the client may fix the cause and retry with the same key.
    """
    if key:
        earlier = replay(engine, user_id, key, request_hash)
        if earlier:
            return earlier
    try:
        status, body = action()
    except MedaidError:
        if key:
            forget(engine, user_id, key)
        raise
    if key:
        remember(engine, user_id, key, status, body)
    return status, body
