"""Server-side sessions (browser) and API tokens (machine clients).

Both are 256-bit random strings handed to the client once; only their SHA-256 is stored, so a
leaked database does not leak live credentials. Sessions carry their own CSRF token.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import Connection, delete, select, update

from medaid.api.roles import TOKEN_SCOPES
from medaid.api.users import User, as_utc, get_user, utcnow
from medaid.audit.log import append_event
from medaid.errors import ConfigError
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


def resolve_token(conn: Connection, secret: str) -> tuple[User, frozenset[str]] | None:
    row = conn.execute(select(api_token).where(api_token.c.token_hash == _digest(secret))).first()
    if row is None or row.revoked_at is not None:
        return None
    expires = as_utc(row.expires_at)
    if expires is not None and expires <= utcnow():
        return None
    user_row = conn.execute(select(app_user.c.active).where(app_user.c.id == row.user_id)).first()
    if not user_row or not user_row.active:
        return None
    return get_user(conn, row.user_id), frozenset(row.scopes.split())


def revoke_token(conn: Connection, prefix: str, *, actor: str = "cli") -> int:
    n = conn.execute(update(api_token).where(api_token.c.prefix == prefix, api_token.c.revoked_at.is_(None))
                     .values(revoked_at=utcnow())).rowcount
    if n:
        append_event(conn, actor=actor, action="user.token_revoke", subject=f"token:{prefix}", detail={})
    return int(n)
