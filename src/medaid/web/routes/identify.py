"""Identification pages (精准识别): candidates with tier, score and plain-Chinese reasons (rules and
the model's explanation, "not on any roster" filter), early warnings by colour with owner level and
deadline (overdue flagged), and the due list of dynamic-management tasks (filters: township, kind,
overdue). Township staff see and act on only their township.

Actions are plain CSRF-protected forms: move a task along its workflow with a note (only the allowed
next states are offered), verify or close a warning, and — admin and clerk — start an identification
round (identify → warnings → tasks) as a background job whose page polls its progress. Each calls
the same use case as the JSON API (``medaid.api.v1.identify``); nothing is recomputed here."""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import Connection

from medaid.api import readmodels
from medaid.api.deps import Principal, authorize, engine_of, ensure_township
from medaid.api.params import ObjectId
from medaid.api.roles import Permission
from medaid.api.v1 import identify as iq
from medaid.api.v1.reconcile import scope_township
from medaid.audit.log import record_sensitive_read
from medaid.identify.alerts import WARNING_STATES
from medaid.identify.tasks import KIND_LABELS, STATE_LABELS
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
    "ident.verify_only": ("只看待入户核实的", "Only households to verify at home"),
    "ident.verify": ("待入户核实", "To verify at home"),
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
    "ident.all_states": ("全部状态", "All states"),
    "ident.yes": ("是", "yes"),
    "ident.no": ("否", "no"),
    "ident.total": ("共", "Total"),
    "ident.all_kinds": ("全部类型", "All kinds"),
    "ident.all_townships": ("全部乡镇", "All townships"),
    "ident.action": ("办理", "Action"),
    "ident.note": ("办理说明（记入历史和审计日志）", "Note (kept in the history and the audit log)"),
    "ident.advance": ("提交", "Submit"),
    "ident.closed": ("已办结", "Closed"),
    "ident.history": ("办理记录", "History"),
    "ident.task": ("管理事项", "Task"),
    "ident.back": ("返回到期任务", "Back to the due list"),
    "ident.start": ("发起精准识别（识别 → 预警 → 动态管理，后台任务）",
                    "Start identification (identify → warnings → tasks, background job)"),
    "ident.start_go": ("开始识别", "Start"),
    "ident.start_hint": ("全县重新评估一遍：保存新的识别批次，新增预警和管理事项（已有的不会重复）。",
                         "Re-assesses the whole county: stores a new run, adds new warnings and tasks "
                         "(existing ones are not duplicated)."),
    "ident.year": ("年度", "Year"),
    "ident.result": ("识别结果", "Identification result"),
    "ident.flagged": ("列入名单户数", "Households listed"),
    "ident.in_need": ("判定困难户数", "Households in need"),
    "ident.off_roster": ("不在任何救助名单的困难户", "In need, on no roster"),
    "ident.warnings_raised": ("新增预警", "New warnings"),
    "ident.tasks_opened": ("新开管理事项", "New tasks"),
    **{f"ident.state.{k}": v for k, v in STATE_LABELS.items()},
    **{f"ident.kind.{k}": (zh, k.replace("_", " ")) for k, zh in KIND_LABELS.items()},
})


def _back(request: Request) -> str:
    """Where an action form returns to: this page with its filters."""
    return request.url.path + (f"?{request.url.query}" if request.url.query else "")


def _safe_back(back: str, default: str) -> str:
    """Only our own identification pages (no open redirect)."""
    ok = back.startswith("/identify") and "//" not in back and "\\" not in back
    return back if ok else default


def _town(request: Request, principal: Principal, township: str | None) -> str | None:
    if township:
        ensure_township(request, principal, township)
    return township or scope_township(principal)


@router.get("/identify")
def candidates_page(request: Request, year: int | None = Query(None, ge=2000, le=2100),
                    tier: str | None = Query(None, pattern="^(high|medium|low)?$"),
                    not_on_roster: bool = False, verify: bool = False,
                    township: str | None = Query(None, pattern=r"^(\d{9})?$"),
                    principal: Principal = Depends(authorize(Permission.IDENTIFY_READ))) -> Response:
    town = _town(request, principal, township or None)
    with engine_of(request).begin() as conn:
        run = iq.latest_run(conn, year)
        total, rows = (iq.candidates(conn, int(run["id"]), tier=tier or None, not_on_roster=not_on_roster,
                                     verify=verify, township=town, limit=500) if run else (0, []))
        if run:
            record_sensitive_read(conn, principal.user.username, f"identify-run:{run['id']}", "web: candidates")
    return render(request, "identify/candidates.html", {"run": run, "total": total, "rows": rows, "tier": tier or "",
                                                        "not_on_roster": not_on_roster, "verify": verify,
                                                        "township": town or "",
                                                        "can_person": principal.can(Permission.PEOPLE_READ),
                                                        "can_run": principal.can(Permission.IDENTIFY_RUN),
                                                        "this_year": dt.date.today().year})


@router.get("/identify/warnings")
def warnings_page(request: Request, year: int = Query(default_factory=lambda: dt.date.today().year, ge=2000, le=2100),
                  colour: str | None = Query(None, pattern="^(red|yellow|blue)?$"),
                  state: str | None = Query(None, pattern=f"^({iq.WARNING_STATE})?$"),
                  township: str | None = Query(None, pattern=r"^(\d{9})?$"),
                  principal: Principal = Depends(authorize(Permission.IDENTIFY_READ))) -> Response:
    """Every state unless one is chosen (what the page showed before it had the filter)."""
    town = _town(request, principal, township or None)
    with engine_of(request).connect() as conn:
        rows = iq.warnings(conn, year, colour=colour or None, township=town, state=state or None)
        townships = _township_choices(conn, principal, township or "")
    return render(request, "identify/warnings.html", {"rows": rows, "year": year, "colour": colour or "",
                                                      "colours": COLOURS, "state": state or "",
                                                      "states": WARNING_STATES, "township": township or "",
                                                      "townships": townships,
                                                      "back": _back(request), **_scope_ctx(principal)})


@router.get("/identify/due")
def due_page(request: Request, kind: str | None = Query(None, pattern="^([a-z_]{2,24})?$"), overdue: bool = False,
             township: str | None = Query(None, pattern=r"^(\d{9})?$"),
             principal: Principal = Depends(authorize(Permission.IDENTIFY_READ))) -> Response:
    town = _town(request, principal, township or None)
    with engine_of(request).connect() as conn:
        rows = iq.due(conn, kind=kind or None, township=town, overdue_only=overdue)
        townships = _township_choices(conn, principal, township or "")
    return render(request, "identify/due.html", {"rows": rows, "kind": kind or "", "overdue": overdue,
                                                 "kinds": sorted(KIND_LABELS), "township": township or "",
                                                 "townships": townships,
                                                 "n_overdue": sum(1 for r in rows if r["overdue"]),
                                                 "back": _back(request), **_scope_ctx(principal)})


def _township_choices(conn: Connection, principal: Principal, township: str) -> list[tuple[str, str]]:
    """The township select of a county-wide user: the register's townships by name, and the chosen
    code even when no one is registered there (it filters as before: to nothing). Township staff
    have no select."""
    if scope_township(principal) is not None:
        return []
    choices = readmodels.township_names(conn)
    if township and township not in {code for code, _ in choices}:
        choices.append((township, ""))
    return choices


def _scope_ctx(principal: Principal) -> dict[str, object]:
    return {"can_write": principal.can(Permission.IDENTIFY_WRITE),
            "county_wide": scope_township(principal) is None}


@router.get("/identify/tasks/{task_id}")
def task_page(request: Request, task_id: ObjectId,
              principal: Principal = Depends(authorize(Permission.IDENTIFY_READ))) -> Response:
    """One task with its history (who moved it when, with which note) and the action form."""
    row = iq.task_in_scope(request, principal, task_id)
    history = json.loads(str(row["history"] or "[]"))
    return render(request, "identify/task.html", {"task": iq.task_view(row), "history": history,
                                                  "back": f"/identify/tasks/{task_id}", **_scope_ctx(principal)})


@router.post("/identify/tasks/{task_id}/advance")
def advance_form(request: Request, task_id: ObjectId, state: Annotated[str, Form(pattern="^[a-z_]{2,16}$")],
                 note: Annotated[str, Form(max_length=500)] = "", back: Annotated[str, Form(max_length=300)] = "",
                 principal: Principal = Depends(authorize(Permission.IDENTIFY_WRITE))) -> Response:
    iq.act_on_task(request, principal, task_id, state, note)
    return RedirectResponse(_safe_back(back, f"/identify/tasks/{task_id}"), status_code=303)


@router.post("/identify/warnings/{warning_id}/state")
def warning_form(request: Request, warning_id: ObjectId, state: Annotated[str, Form(pattern="^[a-z_]{2,16}$")],
                 note: Annotated[str, Form(max_length=500)] = "", back: Annotated[str, Form(max_length=300)] = "",
                 principal: Principal = Depends(authorize(Permission.IDENTIFY_WRITE))) -> Response:
    iq.act_on_warning(request, principal, warning_id, state, note)
    return RedirectResponse(_safe_back(back, "/identify/warnings"), status_code=303)


@router.post("/identify/run")
def run_form(request: Request, year: Annotated[int, Form(ge=2000, le=2100)],
             principal: Principal = Depends(authorize(Permission.IDENTIFY_RUN))) -> Response:
    _, body = iq.start_round(request, principal, year)
    return RedirectResponse(f"/jobs/{body['job_id']}", status_code=303)
