"""Identification candidates, early warnings and due lists (精准识别/预警/动态管理) as JSON, the
actions on them, and the queries and use cases the pages share. Township staff see and act on only
their township (another township's task or warning is a logged 404). Reasons are the identification
run's own Chinese text (rules' verdict and the model's explanation), never recomputed here.

Actions call the identify package's own functions — ``tasks.advance`` (what ``medaid identify
advance`` calls), ``alerts.set_warning_state`` and ``pipeline.run_round`` (identify → warnings →
manage, as a background job) — and take an ``Idempotency-Key`` so a retry never acts twice."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import Connection, case, func, select

from medaid.api.deps import Principal, authorize, engine_of, ensure_township
from medaid.api.params import ObjectId
from medaid.api.roles import Permission
from medaid.api.v1.cases import idempotent
from medaid.api.v1.reconcile import scope_township
from medaid.api.v1.schemas import Problem as ProblemModel
from medaid.errors import NotFound
from medaid.identify.alerts import (
    WARNING_STATES,
    get_warning,
    list_warnings,
    set_warning_state,
    warning_next_states,
)
from medaid.identify.tasks import KIND_LABELS, STATE_LABELS, advance, due_tasks, get_task, next_states
from medaid.jobs.runner import JobFn, Progress
from medaid.store.identify_tables import identify_result, identify_run
from medaid.store.tables import identity

router = APIRouter(tags=["identify"], responses={401: {"model": ProblemModel}, 403: {"model": ProblemModel},
                                                 404: {"model": ProblemModel}, 422: {"model": ProblemModel}})
TIER_ZH = {"high": "高", "medium": "中", "low": "低（监测）"}
COLOUR_ZH = {"red": "红色", "yellow": "黄色", "blue": "蓝色"}
OWNER_ZH = {"county": "县级", "township": "乡镇", "village": "村级"}
WARNING_STATE = "|".join(WARNING_STATES)  # the state filter's pattern alternatives


# ---- queries shared with the pages -------------------------------------------------------------

def latest_run(conn: Connection, year: int | None = None) -> dict[str, Any] | None:
    q = select(identify_run).order_by(identify_run.c.id.desc()).limit(1)
    if year is not None:
        q = q.where(identify_run.c.year == year)
    row = conn.execute(q).mappings().first()
    return dict(row) if row else None


def candidates(conn: Connection, run_id: int, *, tier: str | None = None, not_on_roster: bool = False,
               verify: bool = False, township: str | None = None, limit: int = 200,
               offset: int = 0) -> tuple[int, list[dict[str, Any]]]:
    """(total, page) of one run's households, highest tier and score first; head's masked ID.

    ``verify`` keeps only the 待入户核实 band: households the records cannot decide (decision 0010).
    """
    r = identify_result
    where = [r.c.run_id == run_id]
    if tier:
        where.append(r.c.tier == tier)
    if not_on_roster:
        where.append(r.c.on_roster.is_(False))
    if verify:
        where.append(r.c.verify.is_(True))
    if township:
        where.append(r.c.township_code == township)
    total = int(conn.execute(select(func.count()).select_from(r).where(*where)).scalar_one())
    tier_rank = case({"high": 0, "medium": 1, "low": 2}, value=r.c.tier, else_=3)
    rows = conn.execute(select(r, identity.c.id_masked).join(identity, identity.c.id_token == r.c.head_token,
                                                             isouter=True)
                        .where(*where).order_by(tier_rank, r.c.score.desc(), r.c.household_id)
                        .limit(limit).offset(offset)).mappings()
    out = []
    for x in rows:
        reasons = str(x["reasons"])
        model_part = "；".join(p for p in reasons.split("；") if p.startswith("模型"))
        out.append(dict(x) | {"tier_zh": TIER_ZH.get(str(x["tier"]), str(x["tier"])),
                              "reasons_list": [p for p in reasons.replace(";", "；").split("；") if p.strip()],
                              "model_explanation": model_part})
    return total, out


def warnings(conn: Connection, year: int, *, colour: str | None = None, township: str | None = None,
             state: str | None = None, as_of: dt.date | None = None) -> list[dict[str, Any]]:
    rows = list_warnings(conn, year=year, as_of=as_of or dt.date.today(), colour=colour, township=township,
                         state=state)
    tokens = sorted({str(w["id_token"]) for w in rows})
    masks: dict[str, str] = {}
    for i in range(0, len(tokens), 5000):
        masks.update({str(tok): str(m) for tok, m in conn.execute(
            select(identity.c.id_token, identity.c.id_masked).where(identity.c.id_token.in_(tokens[i:i + 5000])))})
    return [{k: v for k, v in w.items() if k != "history"}
            | {"id_masked": masks.get(str(w["id_token"]), ""), "colour_zh": COLOUR_ZH.get(str(w["colour"]), ""),
               "owner_zh": OWNER_ZH.get(str(w["owner_level"]), str(w["owner_level"])),
               "state_zh": state_label(str(w["state"])), "next_states": list(warning_next_states(str(w["state"])))}
            for w in rows]


def due(conn: Connection, *, kind: str | None = None, township: str | None = None, overdue_only: bool = False,
        as_of: dt.date | None = None) -> list[dict[str, Any]]:
    rows = due_tasks(conn, as_of=as_of or dt.date.today(), kind=kind, township=township, overdue_only=overdue_only)
    out = []
    for r in rows:
        detail = json.loads(str(r["detail"] or "{}"))
        out.append(task_view(r) | {"what": str(detail.get("why", "")) if isinstance(detail, dict) else ""})
    return out


def state_label(state: str) -> str:
    return STATE_LABELS.get(state, (state, state))[0]


def task_view(row: dict[str, Any], as_of: dt.date | None = None) -> dict[str, Any]:
    """A task row without its person token, with labels, overdue flag and the states it may go to."""
    kind, state = str(row["kind"]), str(row["state"])
    overdue = row.get("overdue")
    if overdue is None:
        overdue = row["closed_on"] is None and row["due_on"] < (as_of or dt.date.today())
    return ({k: v for k, v in row.items() if k not in ("history", "id_token", "detail")}
            | {"kind_zh": KIND_LABELS.get(kind, kind), "state_zh": state_label(state), "overdue": overdue,
               "next_states": list(next_states(kind, state))})


# ---- use cases shared with the pages -----------------------------------------------------------

def task_in_scope(request: Request, principal: Principal, task_id: int) -> dict[str, Any]:
    """The task, or a 404 — logged as ``access.denied`` when it belongs to another township."""
    with engine_of(request).connect() as conn:
        row = get_task(conn, task_id)
    ensure_township(request, principal, str(row["township_code"] or "-"))
    return row


def warning_in_scope(request: Request, principal: Principal, warning_id: int) -> dict[str, Any]:
    with engine_of(request).connect() as conn:
        row = get_warning(conn, warning_id)
    ensure_township(request, principal, str(row["township_code"] or "-"))
    return row


def act_on_task(request: Request, principal: Principal, task_id: int, state: str, note: str) -> dict[str, Any]:
    """Move one task along its workflow (the CLI's ``identify advance``), in the caller's scope."""
    task_in_scope(request, principal, task_id)
    with engine_of(request).begin() as conn:
        return task_view(advance(conn, task_id, state, actor=principal.user.username, on=dt.date.today(),
                                 note=note.strip()))


def act_on_warning(request: Request, principal: Principal, warning_id: int, state: str,
                   note: str) -> dict[str, Any]:
    """Verify (核实) or close (办结) one warning, in the caller's scope."""
    warning_in_scope(request, principal, warning_id)
    with engine_of(request).begin() as conn:
        row = set_warning_state(conn, warning_id, state, actor=principal.user.username, on=dt.date.today(),
                                note=note.strip())
    return {"id": row["id"], "state": row["state"], "state_zh": state_label(str(row["state"])),
            "closed_on": row.get("closed_on"), "next_states": list(warning_next_states(str(row["state"])))}


def round_job(year: int, *, url: str, data_dir: Path, actor: str) -> JobFn:
    """Identify → warnings → tasks for ``year`` as a background job (``identify.pipeline.run_round``),
    with the model in ``data_dir`` (the app's data dir)."""

    def run(progress: Progress) -> dict[str, Any]:
        from medaid.identify.pipeline import run_round  # late: pulls in pandas, LightGBM

        return run_round(year, url=url, actor=actor, data_dir=data_dir, progress=progress)

    return run


def start_round(request: Request, principal: Principal, year: int) -> tuple[int, dict[str, Any]]:
    job = round_job(year, url=request.app.state.url, data_dir=request.app.state.data_dir,
                    actor=principal.user.username)
    job_id = request.app.state.jobs.submit("identify", principal.user.username, {"year": year}, job)
    return 202, {"job_id": job_id, "status_url": f"/api/v1/jobs/{job_id}", "year": year}


# ---- JSON endpoints ----------------------------------------------------------------------------

class Candidate(BaseModel):
    household_id: str
    id_masked: str | None
    township_code: str
    tier: str
    tier_zh: str
    score: float
    risk_score: int
    rules_in_need: bool
    rigid: bool
    model_probability: float | None
    on_roster: bool
    verify: bool  # 待入户核实: between the model's screen and confirm thresholds, a home visit decides
    reasons: str
    model_explanation: str


class CandidatePage(BaseModel):
    run_id: int
    year: int
    model_id: str | None
    total: int
    items: list[Candidate]


class Warning(BaseModel):
    id: int
    household_id: str
    id_masked: str
    township_code: str
    village: str | None
    rule: str
    tier: str
    colour: str
    colour_zh: str
    owner_level: str
    raised_on: dt.date
    due_on: dt.date
    state: str
    state_zh: str
    closed_on: dt.date | None = None
    detail: str
    overdue: bool
    next_states: list[str]


class DueTask(BaseModel):
    id: int
    kind: str
    kind_zh: str
    household_id: str | None
    township_code: str | None
    state: str
    state_zh: str
    opened_on: dt.date
    due_on: dt.date
    closed_on: dt.date | None = None
    what: str = ""
    overdue: bool
    next_states: list[str]


class Action(BaseModel):
    """A state change: the new state and a note (kept in the row's history and the audit event)."""

    state: str = Field(..., pattern="^[a-z_]{2,16}$", description="e.g. done, applied, verified, closed")
    note: str = Field("", max_length=500)


class WarningState(BaseModel):
    id: int
    state: str
    state_zh: str
    closed_on: dt.date | None
    next_states: list[str]


class RoundRequest(BaseModel):
    year: int = Field(..., ge=2000, le=2100)


def _township(request: Request, principal: Principal, township: str | None) -> str | None:
    if township:
        ensure_township(request, principal, township)
    return township or scope_township(principal)


@router.get("/identify/candidates", response_model=CandidatePage)
def list_candidates(request: Request, year: int | None = Query(None, ge=2000, le=2100),
                    tier: str | None = Query(None, pattern="^(high|medium|low)$"),
                    not_on_roster: bool = False, verify: bool = False,
                    township: str | None = Query(None, pattern=r"^\d{9}$"),
                    limit: int = Query(100, ge=1, le=1000), offset: int = Query(0, ge=0, le=10**9),
                    principal: Principal = Depends(authorize(Permission.IDENTIFY_READ))) -> CandidatePage:
    town = _township(request, principal, township)
    with engine_of(request).connect() as conn:
        run = latest_run(conn, year)
        if run is None:
            raise NotFound("no identification run yet; run `medaid identify`", "尚未进行精准识别，请先运行 medaid identify")
        total, rows = candidates(conn, int(run["id"]), tier=tier, not_on_roster=not_on_roster, verify=verify,
                                 township=town, limit=limit, offset=offset)
    return CandidatePage(run_id=run["id"], year=run["year"], model_id=run["model_id"], total=total,
                         items=[Candidate(**r) for r in rows])


@router.get("/identify/warnings", response_model=list[Warning])
def list_warning(request: Request, year: int = Query(default_factory=lambda: dt.date.today().year, ge=2000, le=2100),
                 colour: str | None = Query(None, pattern="^(red|yellow|blue)$"),
                 state: str | None = Query(None, pattern=f"^({WARNING_STATE})$",
                                           description="open, verified or closed; leave out for every state"),
                 township: str | None = Query(None, pattern=r"^\d{9}$"),
                 principal: Principal = Depends(authorize(Permission.IDENTIFY_READ))) -> list[Warning]:
    town = _township(request, principal, township)
    with engine_of(request).connect() as conn:
        return [Warning(**w) for w in warnings(conn, year, colour=colour, township=town, state=state)]


@router.get("/identify/due", response_model=list[DueTask])
def list_due(request: Request, kind: str | None = Query(None, pattern="^[a-z_]{2,24}$"), overdue: bool = False,
             township: str | None = Query(None, pattern=r"^\d{9}$"),
             principal: Principal = Depends(authorize(Permission.IDENTIFY_READ))) -> list[DueTask]:
    town = _township(request, principal, township)
    with engine_of(request).connect() as conn:
        return [DueTask(**d) for d in due(conn, kind=kind, township=town, overdue_only=overdue)]


@router.get("/identify/tasks/{task_id}", response_model=DueTask)
def get_one_task(request: Request, task_id: ObjectId,
                 principal: Principal = Depends(authorize(Permission.IDENTIFY_READ))) -> DueTask:
    return DueTask(**task_view(task_in_scope(request, principal, task_id)))


@router.post("/identify/tasks/{task_id}/advance", response_model=DueTask, responses={409: {"model": ProblemModel}})
def post_advance(request: Request, task_id: ObjectId, body: Action,
                 idempotency_key: str | None = Header(None, max_length=128),
                 principal: Principal = Depends(authorize(Permission.IDENTIFY_WRITE))) -> JSONResponse:
    """Move a task along its workflow (``next_states`` lists where it may go); anything else is a 409
    naming the allowed states in Chinese and English. A retry with the same key replays the answer."""
    return idempotent(request, principal, idempotency_key, {"task": task_id, **body.model_dump()},
                      lambda: (200, jsonable(act_on_task(request, principal, task_id, body.state, body.note))))


@router.post("/identify/warnings/{warning_id}/state", response_model=WarningState,
             responses={409: {"model": ProblemModel}})
def post_warning_state(request: Request, warning_id: ObjectId, body: Action,
                       idempotency_key: str | None = Header(None, max_length=128),
                       principal: Principal = Depends(authorize(Permission.IDENTIFY_WRITE))) -> JSONResponse:
    """Verify (``verified``) or close (``closed``) a warning: open → verified → closed, or open → closed."""
    return idempotent(request, principal, idempotency_key, {"warning": warning_id, **body.model_dump()},
                      lambda: (200, jsonable(act_on_warning(request, principal, warning_id, body.state, body.note))))


@router.post("/identify/runs", status_code=202, responses={409: {"model": ProblemModel}})
def post_round(request: Request, body: RoundRequest, idempotency_key: str | None = Header(None, max_length=128),
               principal: Principal = Depends(authorize(Permission.IDENTIFY_RUN))) -> JSONResponse:
    """Start identify → warnings → tasks for ``year`` as a background job; poll ``status_url``."""
    return idempotent(request, principal, idempotency_key, body.model_dump(),
                      lambda: start_round(request, principal, body.year))


def jsonable(value: dict[str, Any]) -> dict[str, Any]:
    encoded: dict[str, Any] = jsonable_encoder(value)
    return encoded

