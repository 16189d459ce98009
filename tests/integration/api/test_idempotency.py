"""``run_once``: a retry returns the first result, a different request is a conflict, a failure
releases the key. On SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest

from medaid.api import idempotency
from medaid.errors import IdempotencyConflict, StateError
from medaid.store.db import engine_for, migrate

pytestmark = pytest.mark.integration


def test_run_once_replays_conflicts_and_releases_on_failure(db_url: str) -> None:
    migrate(db_url)
    engine = engine_for(db_url)
    calls: list[int] = []

    def act() -> tuple[int, dict[str, Any]]:
        calls.append(1)
        return 201, {"n": len(calls)}

    digest = idempotency.request_digest("/x", {"a": 1})
    assert idempotency.run_once(engine, 1, "k1", digest, act) == (201, {"n": 1})
    assert idempotency.run_once(engine, 1, "k1", digest, act) == (201, {"n": 1})
    assert len(calls) == 1
    with pytest.raises(IdempotencyConflict):
        idempotency.run_once(engine, 1, "k1", idempotency.request_digest("/x", {"a": 2}), act)
    assert idempotency.run_once(engine, 2, "k1", digest, act) == (201, {"n": 2})  # keys are per user

    def fail() -> tuple[int, dict[str, Any]]:
        raise StateError("not now")

    with pytest.raises(StateError):
        idempotency.run_once(engine, 1, "k2", digest, fail)
    assert idempotency.run_once(engine, 1, "k2", digest, act) == (201, {"n": 3})  # key was released
    assert idempotency.run_once(engine, 1, None, digest, act) == (201, {"n": 4})  # no key: just runs
