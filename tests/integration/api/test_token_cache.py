"""The short-lived cache of verified API tokens (decision 0009) on SQLite and PostgreSQL: a revocation
in the process is effective at once, one from elsewhere within the TTL, and a token never outlives
its own expiry or a disabled user beyond the TTL."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from medaid.api import credentials
from medaid.api.credentials import revoke_token
from medaid.settings import get_settings
from medaid.store.auth_tables import api_token, app_user
from tests.integration.api.conftest import Env

pytestmark = pytest.mark.integration


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock()
    monkeypatch.setattr(credentials, "_clock", fake)
    credentials.forget_verified_tokens()
    return fake


def _status(env: Env, headers: dict[str, str]) -> int:
    return env.client.get("/api/v1/me", headers=headers).status_code


def _prefix(headers: dict[str, str]) -> str:
    return headers["Authorization"].removeprefix("Bearer ")[:12]


def test_revocation_in_this_process_is_immediate(env: Env, clock: FakeClock) -> None:
    headers = env.token("clerk", "claims:quote")
    assert _status(env, headers) == 200
    assert _status(env, headers) == 200  # now served from the cache
    with env.engine.begin() as conn:
        assert revoke_token(conn, _prefix(headers), actor="test") == 1
    assert _status(env, headers) == 401


@pytest.mark.parametrize("change", ["revoked elsewhere", "user disabled"])
def test_changes_made_elsewhere_take_effect_within_the_ttl(env: Env, clock: FakeClock, change: str) -> None:
    headers = env.token("clerk", "claims:quote")
    assert _status(env, headers) == 200
    with env.engine.begin() as conn:  # as the CLI in another process would: this process is not told
        if change == "revoked elsewhere":
            conn.execute(sa.update(api_token).where(api_token.c.prefix == _prefix(headers))
                         .values(revoked_at=dt.datetime.now(dt.UTC)))
        else:
            conn.execute(sa.update(app_user).where(app_user.c.username == "clerk").values(active=0))
    clock.now += get_settings().token_cache_seconds - 0.5
    assert _status(env, headers) == 200
    clock.now += 1.0
    assert _status(env, headers) == 401
    assert _status(env, headers) == 401  # refusals are not cached either way: checked again each time


def test_a_cached_token_does_not_outlive_its_expiry(env: Env, clock: FakeClock) -> None:
    headers = env.token("clerk", "claims:quote")
    with env.engine.begin() as conn:
        conn.execute(sa.update(api_token).where(api_token.c.prefix == _prefix(headers))
                     .values(expires_at=dt.datetime.now(dt.UTC) + dt.timedelta(seconds=2)))
    assert _status(env, headers) == 200  # cached for at most the 2 s left, not the full TTL
    clock.now += 2.5
    with env.engine.begin() as conn:  # make the expiry certain regardless of how long the test took
        conn.execute(sa.update(api_token).where(api_token.c.prefix == _prefix(headers))
                     .values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)))
    assert _status(env, headers) == 401


def test_ttl_zero_checks_every_request(env: Env, clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEDAID_TOKEN_CACHE_SECONDS", "0")
    get_settings.cache_clear()
    headers = env.token("clerk", "claims:quote")
    assert _status(env, headers) == 200
    with env.engine.begin() as conn:
        conn.execute(sa.update(api_token).where(api_token.c.prefix == _prefix(headers))
                     .values(revoked_at=dt.datetime.now(dt.UTC)))
    assert _status(env, headers) == 401


def test_cached_tokens_keep_their_scopes(env: Env, clock: FakeClock) -> None:
    narrow = env.token("clerk", "loads:read")
    assert env.client.get("/api/v1/loads", headers=narrow).status_code == 200
    for _ in range(2):  # the second answer comes from the cache: the scope still narrows the role
        assert env.client.post("/api/v1/quote", json={}, headers={**narrow, "Idempotency-Key": "k"}).status_code == 403
