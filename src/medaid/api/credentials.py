"""Server-side sessions (browser) and API tokens (machine clients).

Both are 256-bit random strings handed to the client once; only their SHA-256 is stored, so a
leaked database does not leak live credentials. Sessions carry their own CSRF token.

A verified API token is remembered in the process for a few seconds (``token_cache_seconds``,
decision 0009): a hospital system posting quotes all day would otherwise pay a connection and a
query per request just to learn again that its token is valid. Revocation in this process clears
the cache at once; a revocation elsewhere (the CLI, another server process) takes effect within
the TTL. Sessions are not cached: a logout must end the session immediately.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import threading
import time
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, bindparam, delete, select, update

from medaid.api.roles import TOKEN_SCOPES
from medaid.api.users import User, as_utc, get_user, user_from_row, utcnow
from medaid.audit.log import append_event
from medaid.errors import ConfigError
from medaid.settings import get_settings
from medaid.store.auth_tables import api_token, app_user, user_session

SESSION_LIFETIME = dt.timedelta(hours=8)   # one working day
TOKEN_PREFIX = "mda_"


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class Session:
    user: User
    csrf_token: str


def open_session(conn: Connection, user: User) -> tuple[str, Session]:
    """Returns (cookie value, session). Old expired sessions of the user are swept here."""
    now = utcnow()
    conn.execute(delete(user_session).where(user_session.c.user_id == user.id, user_session.c.expires_at < now))
    secret, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    conn.execute(user_session.insert().values(id_hash=_digest(secret), user_id=user.id, csrf_token=csrf,
                                              created_at=now, expires_at=now + SESSION_LIFETIME))
    return secret, Session(user, csrf)


def resolve_session(conn: Connection, secret: str) -> Session | None:
    row = conn.execute(
        select(user_session.c.user_id, user_session.c.csrf_token, user_session.c.expires_at)
        .join(app_user, app_user.c.id == user_session.c.user_id)
        .where(user_session.c.id_hash == _digest(secret), app_user.c.active == 1)
    ).first()
    if row is None or (as_utc(row.expires_at) or utcnow()) <= utcnow():
        return None
    return Session(get_user(conn, row.user_id), row.csrf_token)


def close_session(conn: Connection, secret: str) -> None:
    conn.execute(delete(user_session).where(user_session.c.id_hash == _digest(secret)))


def issue_token(conn: Connection, user: User, scopes: set[str], *, name: str = "", actor: str = "cli",
                days: int | None = 365) -> str:
    """Create an API token for ``user`` limited to ``scopes``; the plain token is returned only here."""
    unknown = scopes - TOKEN_SCOPES
    if unknown or not scopes:
        raise ConfigError(f"unknown or missing scopes {sorted(unknown)}; choose from {sorted(TOKEN_SCOPES)}",
                          "令牌权限范围无效")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = utcnow()
    conn.execute(api_token.insert().values(
        token_hash=_digest(secret), prefix=secret[:12], user_id=user.id, name=name, scopes=" ".join(sorted(scopes)),
        created_at=now, expires_at=now + dt.timedelta(days=days) if days else None))
    append_event(conn, actor=actor, action="user.token_issue", subject=f"user:{user.username}",
                 detail={"prefix": secret[:12], "scopes": sorted(scopes), "name": name})
    return secret


_u = app_user.c
_LIVE_TOKEN = (
    select(api_token.c.scopes, api_token.c.expires_at, _u.id, _u.username, _u.display_name, _u.role,
           _u.township_code, _u.department)
    .join(app_user, _u.id == api_token.c.user_id)
    .where(api_token.c.token_hash == bindparam("digest"), api_token.c.revoked_at.is_(None), _u.active == 1))
"""Token, its user and the user's state in one round trip (it used to be three)."""


def _lookup(conn: Connection, digest: str) -> tuple[User, frozenset[str], dt.datetime | None] | None:
    """User, scopes and expiry of a live token (not revoked, not expired, user active), from the database."""
    row = conn.execute(_LIVE_TOKEN, {"digest": digest}).first()
    if row is None:
        return None
    expires = as_utc(row.expires_at)
    if expires is not None and expires <= utcnow():
        return None
    return user_from_row(row), frozenset(row.scopes.split()), expires


_clock = time.monotonic


class _TokenCache:
    """Verified tokens by SHA-256 digest → (valid until on ``_clock``, user, scopes). Misses are not cached."""

    MAX_ENTRIES = 4096

    def __init__(self) -> None:
        self._entries: dict[str, tuple[float, User, frozenset[str]]] = {}
        self._lock = threading.Lock()

    def get(self, digest: str) -> tuple[User, frozenset[str]] | None:
        entry = self._entries.get(digest)
        if entry is None:
            return None
        if entry[0] <= _clock():
            with self._lock:
                self._entries.pop(digest, None)
            return None
        return entry[1], entry[2]

    def put(self, digest: str, ttl: float, user: User, scopes: frozenset[str]) -> None:
        with self._lock:
            if len(self._entries) >= self.MAX_ENTRIES:
                self._entries.clear()  # far more live tokens than hospitals: start over rather than track age
            self._entries[digest] = (_clock() + ttl, user, scopes)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


_token_cache = _TokenCache()


def authenticate_token(engine: Engine, secret: str) -> tuple[User, frozenset[str]] | None:
    """The user and scopes of a live API token, from the short-lived cache or the database (module docstring)."""
    digest = _digest(secret)
    cached = _token_cache.get(digest)
    if cached is not None:
        return cached
    with engine.connect() as conn:
        found = _lookup(conn, digest)
    if found is None:
        return None
    user, scopes, expires = found
    ttl = get_settings().token_cache_seconds
    if expires is not None:  # never serve a token past its own expiry
        ttl = min(ttl, (expires - utcnow()).total_seconds())
    if ttl > 0:
        _token_cache.put(digest, ttl, user, scopes)
    return user, scopes


def forget_verified_tokens() -> None:
    """Drop every cached verification (after a revocation, or a change of a user's role or state)."""
    _token_cache.clear()


def revoke_token(conn: Connection, prefix: str, *, actor: str = "cli") -> int:
    n = conn.execute(update(api_token).where(api_token.c.prefix == prefix, api_token.c.revoked_at.is_(None))
                     .values(revoked_at=utcnow())).rowcount
    if n:
        append_event(conn, actor=actor, action="user.token_revoke", subject=f"token:{prefix}", detail={})
    forget_verified_tokens()
    return int(n)
