"""Render a page with the shared context: the caller, the language, ``t()``, the CSRF token, the
navigation their role may see."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import Response

from medaid.api.deps import current_principal
from medaid.api.roles import ROLE_LABELS, Permission
from medaid.web.i18n import DEFAULT_LANG, LANGS, translate

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=str(HERE / "templates"))
LOGIN_CSRF_COOKIE = "medaid_login_csrf"


@dataclass(frozen=True)
class NavItem:
    key: str
    href: str
    permission: Permission | None  # None: every signed-in user


NAV: tuple[NavItem, ...] = (
    NavItem("nav.home", "/", None),
    NavItem("nav.loads", "/loads", Permission.LOADS_READ),
    NavItem("nav.jobs", "/jobs", Permission.JOBS_READ),
    NavItem("nav.people", "/people", Permission.PEOPLE_READ),
    NavItem("nav.audit", "/audit", Permission.AUDIT_READ),
    NavItem("nav.cases", "/cases", Permission.CASES_READ),
    NavItem("nav.payouts", "/payouts", Permission.PAYOUTS_READ),
    NavItem("nav.supervise", "/supervise", Permission.SUPERVISE_READ),
    NavItem("nav.person", "/person", Permission.PEOPLE_READ),
    NavItem("nav.reconcile", "/reconcile", Permission.RECONCILE_READ),
    NavItem("nav.identify", "/identify", Permission.IDENTIFY_READ),
    NavItem("nav.policy", "/policies", Permission.POLICY_READ),
)
"""Later areas (reconciliation, cases, supervision, what-if) add one line here and one router."""


def lang_of(request: Request) -> str:
    lang = request.cookies.get("lang", DEFAULT_LANG)
    return lang if lang in LANGS else DEFAULT_LANG


def render(request: Request, name: str, context: dict[str, Any] | None = None, *,
           status_code: int = 200) -> Response:
    principal = current_principal(request)
    lang = lang_of(request)
    nav = [item for item in NAV if principal and (item.permission is None or principal.can(item.permission))]
    role_label = ROLE_LABELS[principal.role][0 if lang == "zh" else 1] if principal else ""
    ctx: dict[str, Any] = {
        "principal": principal, "lang": lang, "t": lambda key: translate(key, lang), "nav": nav,
        "csrf_token": principal.csrf_token if principal else "", "role_label": role_label,
        "path": request.url.path, **(context or {}),
    }
    return templates.TemplateResponse(request, name, ctx, status_code=status_code)
