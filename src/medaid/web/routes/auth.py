"""Sign in, sign out, language switch. The login form has its own CSRF token (double-submit cookie)
because there is no session yet; after sign-in every form uses the session's token."""

from __future__ import annotations

import hmac
import secrets
from urllib.parse import urlparse

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from medaid.api.credentials import SESSION_LIFETIME, close_session, open_session
from medaid.api.deps import SESSION_COOKIE, Principal, engine_of, signed_in
from medaid.api.users import LoginFailed, authenticate
from medaid.audit.log import append_event
from medaid.web.i18n import LANGS
from medaid.web.templating import LOGIN_CSRF_COOKIE, lang_of, render

router = APIRouter(include_in_schema=False)


def _safe_next(target: str | None) -> str:
    """Only local paths: an attacker must not turn the login page into an open redirect."""
    if not target or not target.startswith("/") or target.startswith("//") or urlparse(target).netloc:
        return "/"
    return target


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def _login_page(request: Request, *, next_: str, error: str = "", username: str = "", status: int = 200) -> Response:
    token = secrets.token_urlsafe(24)
    response = render(request, "login.html", {"login_csrf": token, "next": next_, "error": error,
                                              "username": username}, status_code=status)
    response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="lax", secure=_secure(request),
                        max_age=3600)
    return response


@router.get("/login")
def login_form(request: Request, next: str = "/") -> Response:
    return _login_page(request, next_=_safe_next(next))


@router.post("/login")
def login(request: Request, username: str = Form(max_length=64), password: str = Form(max_length=256),
          csrf_token: str = Form(""), next: str = Form("/")) -> Response:
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    zh = lang_of(request) == "zh"
    if not cookie or not hmac.compare_digest(cookie, csrf_token):
        return _login_page(request, next_=_safe_next(next), username=username, status=403,
                           error="表单已过期，请重新登录" if zh else "The form expired; please sign in again")
    failure: LoginFailed | None = None
    with engine_of(request).begin() as conn:  # commits on failure too: counters and audit events
        try:
            user = authenticate(conn, username, password, source=request.client.host if request.client else "")
        except LoginFailed as exc:
            failure = exc
        else:
            secret, _session = open_session(conn, user)
    if failure is not None:
        return _login_page(request, next_=_safe_next(next), username=username, status=401,
                           error=failure.zh if zh else failure.en)
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(SESSION_COOKIE, secret, httponly=True, samesite="lax", secure=_secure(request),
                        max_age=int(SESSION_LIFETIME.total_seconds()))
    response.delete_cookie(LOGIN_CSRF_COOKIE)
    return response


@router.post("/logout")
def logout(request: Request, principal: Principal = Depends(signed_in)) -> Response:
    cookie = request.cookies.get(SESSION_COOKIE, "")
    with engine_of(request).begin() as conn:
        close_session(conn, cookie)
        append_event(conn, actor=principal.user.username, action="login.logout",
                     subject=f"user:{principal.user.username}", detail={})
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/lang/{lang}")
def switch_language(lang: str, next: str = "/") -> Response:
    response = RedirectResponse(_safe_next(next), status_code=303)
    if lang in LANGS:
        response.set_cookie("lang", lang, samesite="lax", max_age=365 * 24 * 3600)
    return response

