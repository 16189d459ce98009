"""Errors as RFC 9457 ``application/problem+json`` with Chinese and English text.

API paths (``/api/…``) always get problem+json; browser pages get an HTML error page (or a
redirect to the login page on 401). Bad input is 422, never 500; an unexpected exception is a
500 problem without internals (the traceback goes to the server log only).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from medaid.api.deps import NotAuthenticated
from medaid.errors import (
    Busy,
    ConfigError,
    ContractError,
    IdempotencyConflict,
    MedaidError,
    NotFound,
    PermissionDenied,
    StateError,
)

log = logging.getLogger("medaid.api")

_STATUS: list[tuple[type[MedaidError], int]] = [
    (NotAuthenticated, 401), (PermissionDenied, 403), (NotFound, 404), (StateError, 409),
    (IdempotencyConflict, 409), (ContractError, 422), (ConfigError, 400), (Busy, 503),
]
_TITLES: dict[int, tuple[str, str]] = {
    400: ("请求无效", "Bad request"), 401: ("未登录", "Not authenticated"), 403: ("无权限", "Forbidden"),
    404: ("未找到", "Not found"), 405: ("方法不允许", "Method not allowed"), 409: ("冲突", "Conflict"),
    413: ("文件过大", "Payload too large"), 422: ("输入有误", "Invalid input"), 500: ("服务器错误", "Server error"),
    503: ("服务繁忙", "Service busy"),
}


def status_of(exc: MedaidError) -> int:
    return next((code for cls, code in _STATUS if isinstance(exc, cls)), 400)


def problem(status: int, en: str, zh: str, *, headers: dict[str, str] | None = None, **extra: Any) -> JSONResponse:
    title_zh, title_en = _TITLES.get(status, ("错误", "Error"))
    body = {"type": "about:blank", "status": status, "title": title_en, "title_zh": title_zh,
            "detail": en, "detail_zh": zh, **extra}
    if status == 401:
        headers = {**(headers or {}), "WWW-Authenticate": "Bearer"}
    return JSONResponse(body, status_code=status, media_type="application/problem+json", headers=headers)


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _html(request: Request, status: int, en: str, zh: str) -> Response:
    if status == 401:
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
    from medaid.web.templating import render  # web sits on top of api; import late to keep layers clear

    return render(request, "error.html", {"status": status, "en": en, "zh": zh}, status_code=status)


NUL_EN, NUL_ZH = "the request contains a NUL character (0x00), which no field accepts", "请求中含有空字符（0x00），任何字段都不接受"


class RejectNul:
    """ASGI middleware: a NUL byte in the path or query string is a 400 before any route runs.

    PostgreSQL text cannot hold NUL, so such a value would otherwise fail deep in a query (found
    by the API fuzz tests); no legitimate name, ID or search term contains one.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and ("\x00" in scope.get("path", "")
                                        or b"%00" in scope.get("query_string", b"")
                                        or b"\x00" in scope.get("query_string", b"")):
            await problem(400, NUL_EN, NUL_ZH)(scope, receive, send)
            return
        await self.app(scope, receive, send)


def install(app: FastAPI) -> None:
    """Register the handlers (and the NUL guard) on ``app``."""
    app.add_middleware(RejectNul)

    @app.exception_handler(MedaidError)
    async def _medaid(request: Request, exc: MedaidError) -> Response:
        status = status_of(exc)
        if _is_api(request):
            retry = {"Retry-After": str(exc.retry_after)} if isinstance(exc, Busy) else None
            return problem(status, exc.en, exc.zh, headers=retry)
        return _html(request, status, exc.en, exc.zh)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        errors = [{"loc": [str(p) for p in e.get("loc", ())], "msg": e.get("msg", ""), "type": e.get("type", "")}
                  for e in exc.errors()]
        where = "; ".join(f"{'.'.join(e['loc'])}: {e['msg']}" for e in errors)
        if _is_api(request):
            return problem(422, f"invalid input — {where}", f"输入有误 — {where}", errors=errors)
        return _html(request, 422, f"invalid input — {where}", f"输入有误 — {where}")

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        zh, en = _TITLES.get(exc.status_code, ("错误", "Error"))
        detail = exc.detail if isinstance(exc.detail, str) else en
        if _is_api(request):
            return problem(exc.status_code, detail, zh)
        return _html(request, exc.status_code, detail, zh)

    @app.exception_handler(DataError)
    async def _data(request: Request, exc: DataError) -> Response:
        # the database refused a value sent to it (NUL in a body field, a number out of range): bad input
        log.warning("database refused a value on %s %s: %s", request.method, request.url.path, exc.orig)
        en, zh = "a value was refused by the database (invalid character or out of range)", "有数值被数据库拒绝（含非法字符或超出范围）"
        if _is_api(request):
            return problem(422, en, zh)
        return _html(request, 422, en, zh)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        en, zh = "unexpected server error; the administrator can find details in the server log", "服务器内部错误，请联系管理员查看日志"
        if _is_api(request):
            return problem(500, en, zh)
        return _html(request, 500, en, zh)
