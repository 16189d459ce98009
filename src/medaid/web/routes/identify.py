"""Identification pages (精准识别): candidates with tier, score and plain-Chinese reasons (rules and
the model's explanation, "not on any roster" filter), early warnings by colour with owner level and
deadline (overdue flagged), and the due list of dynamic-management tasks. Township staff see only
their township. Data comes from ``medaid.identify`` runs; nothing is recomputed here."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from medaid.api.deps import Principal, authorize, engine_of, ensure_township
from medaid.api.roles import Permission
from medaid.api.v1 import identify as iq
from medaid.api.v1.reconcile import scope_township
from medaid.audit.log import record_sensitive_read
from medaid.web import i18n
from medaid.web.templating import render

router = APIRouter(include_in_schema=False)
COLOURS = {"red": "#b42318", "yellow": "#b54708", "blue": "#175cd3"}

i18n.register({
    "nav.identify": ("精准识别", "Identification"),
    "ident.title": ("精准识别候选名单", "Identification candidates"),
    "ident.warnings": ("预警", "Early warnings"),
    "ident.due": ("到期任务", "Due tasks"),
    "ident.run": ("识别批次", "Run"),
    "ident.model": ("模型", "Model"),
    "ident.rules_only": ("仅规则（未训练模型）", "rules only (no trained model)"),
    "ident.tier": ("等级", "Tier"),
    "ident.score": ("得分", "Score"),
    "ident.risk": ("健康风险分", "Risk score"),
    "ident.on_roster": ("已在救助名单", "On a roster"),
    "ident.not_on_roster": ("只看不在任何救助名单中的", "Only households on no roster"),
    "ident.reasons": ("识别理由", "Reasons"),
    "ident.model_expl": ("模型解释", "Model explanation"),
    "ident.filter": ("筛选", "Filter"),
    "ident.all_tiers": ("全部等级", "All tiers"),
    "ident.none": ("尚无识别结果，请先运行 medaid identify。", "No identification run yet; run medaid identify."),
    "ident.colour": ("颜色", "Colour"),
    "ident.owner": ("责任层级", "Owner"),
    "ident.raised": ("发出日期", "Raised"),
    "ident.due_on": ("办结期限", "Due"),
    "ident.state": ("状态", "State"),
    "ident.rule": ("预警规则", "Rule"),
    "ident.overdue": ("已逾期", "Overdue"),
    "ident.overdue_only": ("只看逾期", "Overdue only"),
    "ident.kind": ("任务类型", "Kind"),
    "ident.what": ("事项", "What"),
    "ident.all_colours": ("全部颜色", "All colours"),
    "ident.yes": ("是", "yes"),
    "ident.no": ("否", "no"),
    "ident.total": ("共", "Total"),
})


def _town(request: Request, principal: Principal, township: str | None) -> str | None:
    if township:
        ensure_township(request, principal, township)
    return township or scope_township(principal)


@router.get("/identify")
def candidates_page(request: Request, year: int | None = Query(None, ge=2000, le=2100),
                    tier: str | None = Query(None, pattern="^(high|medium|low)?$"),
                    not_on_roster: bool = False, township: str | None = Query(None, pattern=r"^(\d{9})?$"),
                    principal: Principal = Depends(authorize(Permission.IDENTIFY_READ))) -> Response:
    town = _town(request, principal, township or None)
    with engine_of(request).begin() as conn:
        run = iq.latest_run(conn, year)
        total, rows = (iq.candidates(conn, int(run["id"]), tier=tier or None, not_on_roster=not_on_roster,
                                     township=town, limit=500) if run else (0, []))
        if run:
            record_sensitive_read(conn, principal.user.username, f"identify-run:{run['id']}", "web: candidates")
    return render(request, "identify/candidates.html", {"run": run, "total": total, "rows": rows, "tier": tier or "",
                                                        "not_on_roster": not_on_roster, "township": town or "",
                                                        "can_person": principal.can(Permission.PEOPLE_READ)})


@router.get("/identify/warnings")
def warnings_page(request: Request, year: int = Query(default_factory=lambda: dt.date.today().year, ge=2000, le=2100),
                  colour: str | None = Query(None, pattern="^(red|yellow|blue)?$"),
                  township: str | None = Query(None, pattern=r"^(\d{9})?$"),
                  principal: Principal = Depends(authorize(Permission.IDENTIFY_READ))) -> Response:
    town = _town(request, principal, township or None)
    with engine_of(request).connect() as conn:
        rows = iq.warnings(conn, year, colour=colour or None, township=town)
    return render(request, "identify/warnings.html", {"rows": rows, "year": year, "colour": colour or "",
                                                      "colours": COLOURS})


@router.get("/identify/due")
def due_page(request: Request, kind: str | None = Query(None, pattern="^([a-z_]{2,24})?$"), overdue: bool = False,
             township: str | None = Query(None, pattern=r"^(\d{9})?$"),
             principal: Principal = Depends(authorize(Permission.IDENTIFY_READ))) -> Response:
    town = _town(request, principal, township or None)
    with engine_of(request).connect() as conn:
        rows = iq.due(conn, kind=kind or None, township=town, overdue_only=overdue)
    kinds = sorted({str(r["kind"]) for r in rows})
    return render(request, "identify/due.html", {"rows": rows, "kind": kind or "", "overdue": overdue, "kinds": kinds})
