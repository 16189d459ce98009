"""Users: create, authenticate with lockout (5 failures → locked 15 minutes), look up.

Passwords are hashed with argon2id (argon2-cffi defaults). Every outcome is audit-logged:
``user.create``, ``login.success``, ``login.failure``, ``login.locked``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, select, update

from medaid.api.roles import Department, Role
from medaid.audit.log import append_event
from medaid.domain.regions import is_township_code
from medaid.errors import ConfigError, PermissionDenied
from medaid.store.auth_tables import app_user

MAX_FAILURES = 5
LOCKOUT = dt.timedelta(minutes=15)
MIN_PASSWORD = 8

_hasher = PasswordHasher()
# Verifying against this when the user does not exist keeps the timing of "no such user" and
# "wrong password" alike, so usernames cannot be probed by response time.
_DUMMY_HASH = _hasher.hash("medaid-no-such-user")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def as_utc(value: dt.datetime | None) -> dt.datetime | None:
    """SQLite gives back naive datetimes; everything we store is UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=dt.UTC)


@dataclass(frozen=True)
class User:
    id: int
    username: str
    display_name: str
    role: Role
    township_code: str | None
    department: Department | None


def user_from_row(row: object) -> User:
    """A ``User`` from any row holding the ``app_user`` columns id, username, display_name, role, scope."""
    r = row._mapping  # type: ignore[attr-defined]
    return User(r["id"], r["username"], r["display_name"], Role(r["role"]), r["township_code"],
                Department(r["department"]) if r["department"] else None)


def create_user(conn: Connection, username: str, password: str, role: Role, *, township_code: str | None = None,
                department: Department | None = None, display_name: str = "", actor: str = "cli") -> User:
    """Add a user; the scope must fit the role (township needs a township code, approver a department)."""
    if not username or len(username) > 64 or not username.replace("_", "").replace("-", "").replace(".", "").isalnum():
        raise ConfigError(f"username {username!r}: use letters, digits, - _ . (max 64)",
                          f"用户名 {username!r} 只能含字母、数字和 - _ .")
    if len(password) < MIN_PASSWORD:
        raise ConfigError(f"password must have at least {MIN_PASSWORD} characters",
                          f"密码至少 {MIN_PASSWORD} 位")
    if role is Role.TOWNSHIP and not (township_code and is_township_code(township_code)):
        raise ConfigError("role township needs --township with a 9-digit township code",
                          "乡镇用户需要 --township 九位乡镇代码")
    if role is Role.APPROVER and department is None:
        raise ConfigError("role approver needs --department, one of: " + ", ".join(d.value for d in Department),
                          "审批用户需要 --department 部门")
    if role is not Role.TOWNSHIP:
        township_code = None
    if role is not Role.APPROVER:
        department = None
    if conn.execute(select(app_user.c.id).where(app_user.c.username == username)).first():
        raise ConfigError(f"user {username!r} already exists", f"用户 {username!r} 已存在")
    new_id = conn.execute(app_user.insert().values(
        username=username, display_name=display_name or username, password_hash=_hasher.hash(password),
        role=role.value, township_code=township_code, department=department.value if department else None,
        failed_attempts=0, active=1, created_at=utcnow(),
    ).returning(app_user.c.id)).scalar_one()
    append_event(conn, actor=actor, action="user.create", subject=f"user:{username}",
                 detail={"role": role.value, "township_code": township_code,
                         "department": department.value if department else None})
    return get_user(conn, new_id)


def get_user(conn: Connection, user_id: int) -> User:
    return user_from_row(conn.execute(select(app_user).where(app_user.c.id == user_id)).one())


def find_user(conn: Connection, username: str) -> User | None:
    row = conn.execute(select(app_user).where(app_user.c.username == username, app_user.c.active == 1)).first()
    return user_from_row(row) if row else None


class LoginFailed(PermissionDenied):
    """Wrong username or password, or the account is locked (``locked`` says which, for the UI)."""

    def __init__(self, en: str, zh: str, *, locked: bool = False) -> None:
        self.locked = locked
        super().__init__(en, zh)


def authenticate(conn: Connection, username: str, password: str, *, source: str = "") -> User:
    """Check a password. Raises LoginFailed; the caller must commit even on failure (counters, audit)."""
    row = conn.execute(select(app_user).where(app_user.c.username == username, app_user.c.active == 1)).first()
    now = utcnow()
    if row is None:
        with contextlib.suppress(VerificationError):
            _hasher.verify(_DUMMY_HASH, password)
        append_event(conn, actor=username[:64] or "?", action="login.failure", subject=f"user:{username[:64]}",
                     detail={"reason": "unknown_user", "source": source})
        raise LoginFailed("wrong username or password", "用户名或密码错误")
    locked_until = as_utc(row.locked_until)
    if locked_until and locked_until > now:
        append_event(conn, actor=username, action="login.locked", subject=f"user:{username}",
                     detail={"locked_until": locked_until.isoformat(), "source": source})
        minutes = max(1, int((locked_until - now).total_seconds() // 60) + 1)
        raise LoginFailed(f"account locked after {MAX_FAILURES} failed logins; try again in {minutes} min "
                          "or ask an administrator",
                          f"连续 {MAX_FAILURES} 次登录失败，账户已锁定，请 {minutes} 分钟后重试或联系管理员",
                          locked=True)
    try:
        _hasher.verify(row.password_hash, password)
    except (VerificationError, InvalidHashError):
        failures = row.failed_attempts + 1
        lock = now + LOCKOUT if failures >= MAX_FAILURES else None
        conn.execute(update(app_user).where(app_user.c.id == row.id).values(
            failed_attempts=0 if lock else failures, locked_until=lock))
        append_event(conn, actor=username, action="login.failure", subject=f"user:{username}",
                     detail={"reason": "bad_password", "failures": failures, "locked": lock is not None,
                             "source": source})
        if lock:
            raise LoginFailed(f"account locked after {MAX_FAILURES} failed logins for 15 minutes",
                              f"连续 {MAX_FAILURES} 次登录失败，账户锁定 15 分钟", locked=True) from None
        raise LoginFailed("wrong username or password", "用户名或密码错误") from None
    conn.execute(update(app_user).where(app_user.c.id == row.id).values(failed_attempts=0, locked_until=None))
    if _hasher.check_needs_rehash(row.password_hash):
        conn.execute(update(app_user).where(app_user.c.id == row.id).values(password_hash=_hasher.hash(password)))
    append_event(conn, actor=username, action="login.success", subject=f"user:{username}", detail={"source": source})
    return user_from_row(row)
