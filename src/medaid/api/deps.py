"""The one authorisation dependency: who is calling, may their role do this, is the object in scope.

Every endpoint (API and web) declares ``Depends(authorize(Permission.X))``. Callers are identified
by a Bearer token (API clients) or the session cookie (browser). Role failures are 403; object
scope failures are 404 — indistinguishable from "does not exist" — and are audit-logged.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Literal

from fastapi import Request
from sqlalchemy import Connection, Engine

from medaid.api.credentials import authenticate_token, resolve_session
from medaid.api.roles import ROLE_PERMISSIONS, Permission, Role
from medaid.api.users import User
from medaid.audit.log import append_event
from medaid.errors import NotFound, PermissionDenied

SESSION_COOKIE = "medaid_session"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
_UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class NotAuthenticated(PermissionDenied):
    """No valid session or token (401; the browser is sent to the login page)."""


@dataclass(frozen=True)
class Principal:
    """The caller: a user, how they authenticated, and what they may do on this request."""

    user: User
    via: Literal["session", "token"]
    permissions: frozenset[Permission]
    csrf_token: str | None = None
    token_scopes: frozenset[str] = field(default_factory=frozenset)

    def can(self, permission: Permission) -> bool:
        return permission in self.permissions

    @property
    def role(self) -> Role:
        return self.user.role


def engine_of(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


def db(request: Request) -> Iterator[Connection]:
    """A connection in one transaction for the request (commit on success)."""
    with engine_of(request).begin() as conn:
        yield conn


def current_principal(request: Request) -> Principal | None:
    """Bearer token first (machine clients), then the session cookie; cached on the request."""
    if hasattr(request.state, "principal"):
        cached: Principal | None = request.state.principal
        return cached
    principal: Principal | None = None
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        found = authenticate_token(engine_of(request), auth[7:].strip())
        if found:
            user, scopes = found
            perms = ROLE_PERMISSIONS[user.role] & {Permission(s) for s in scopes}
            principal = Principal(user, "token", frozenset(perms), token_scopes=scopes)
    elif cookie := request.cookies.get(SESSION_COOKIE):
        with engine_of(request).connect() as conn:
            session = resolve_session(conn, cookie)
        if session:
            principal = Principal(session.user, "session", ROLE_PERMISSIONS[session.user.role],
                                  csrf_token=session.csrf_token)
    request.state.principal = principal
    return principal


async def _check_csrf(request: Request, principal: Principal) -> None:
    """Session-authenticated writes must echo the session's CSRF token (header or form field)."""
    if principal.via != "session" or request.method not in _UNSAFE:
        return
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
            ("multipart/form-data", "application/x-www-form-urlencoded")):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not sent or not principal.csrf_token or not hmac.compare_digest(sent, principal.csrf_token):
        raise PermissionDenied("CSRF token missing or wrong; reload the page and try again",
                               "表单校验失败（CSRF），请刷新页面后重试")


def authorize(permission: Permission) -> Callable[[Request], Awaitable[Principal]]:
    """Dependency factory: the caller must be signed in and hold ``permission``."""

    async def dependency(request: Request) -> Principal:
        principal = current_principal(request)
        if principal is None:
            raise NotAuthenticated("sign in first (session or Bearer token)", "请先登录")
        if not principal.can(permission):
            raise PermissionDenied(f"role {principal.role.value} may not use {permission.value}",
                                   f"当前角色无权执行此操作（{permission.value}）")
        await _check_csrf(request, principal)
        return principal

    return dependency


async def signed_in(request: Request) -> Principal:
    """Any signed-in user (pages every role sees, e.g. the start page; sign-out)."""
    principal = current_principal(request)
    if principal is None:
        raise NotAuthenticated("sign in first", "请先登录")
    await _check_csrf(request, principal)
    return principal


def ensure_township(request: Request, principal: Principal, township_code: str) -> None:
    """Object scope: township staff see only their own township. Anything else is a logged 404."""
    if principal.role is not Role.TOWNSHIP or principal.user.township_code == township_code:
        return
    with engine_of(request).begin() as conn:
        append_event(conn, actor=principal.user.username, action="access.denied", subject=f"township:{township_code}",
                     detail={"path": request.url.path, "scope": principal.user.township_code})
    raise NotFound(f"township {township_code} not found", f"未找到乡镇 {township_code}")
