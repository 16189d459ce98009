"""Identification candidates, early warnings and due lists (精准识别/预警/动态管理) as JSON, and the
queries the pages share. Township staff see only their township. Reasons are the identification
run's own Chinese text (rules' verdict and the model's explanation), never recomputed here."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel
from sqlalchemy import Connection, case, func, select

from medaid.api.deps import Principal, authorize, engine_of, ensure_township
from medaid.api.roles import Permission
from medaid.api.v1.reconcile import scope_township
from medaid.api.v1.schemas import Problem as ProblemModel
from medaid.errors import NotFound
from medaid.identify.alerts import list_warnings
from medaid.identify.tasks import due_tasks
from medaid.store.identify_tables import identify_result, identify_run
from medaid.store.tables import identity

router = APIRouter(tags=["identify"], responses={401: {"model": ProblemModel}, 403: {"model": ProblemModel},
                                                 404: {"model": ProblemModel}, 422: {"model": ProblemModel}})
TIER_ZH = {"high": "高", "medium": "中", "low": "低（监测）"}
COLOUR_ZH = {"red": "红色", "yellow": "黄色", "blue": "蓝色"}
OWNER_ZH = {"county": "县级", "township": "乡镇", "village": "村级"}


# ---- queries shared with the pages -------------------------------------------------------------

def latest_run(conn: Connection, year: int | None = None) -> dict[str, Any] | None:
    q = select(identify_run).order_by(identify_run.c.id.desc()).limit(1)
    if year is not None:
        q = q.where(identify_run.c.year == year)
    row = conn.execute(q).mappings().first()
    return dict(row) if row else None


def candidates(conn: Connection, run_id: int, *, tier: str | None = None, not_on_roster: bool = False,
               township: str | None = None, limit: int = 200, offset: int = 0) -> tuple[int, list[dict[str, Any]]]:
    """(total, page) of one run's households, highest tier and score first; head's masked ID."""
    r = identify_result
    where = [r.c.run_id == run_id]
    if tier:
        where.append(r.c.tier == tier)
    if not_on_roster:
        where.append(r.c.on_roster.is_(False))
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
             as_of: dt.date | None = None) -> list[dict[str, Any]]:
    rows = list_warnings(conn, year=year, as_of=as_of or dt.date.today(), colour=colour, township=township)
    tokens = sorted({str(w["id_token"]) for w in rows})
    masks: dict[str, str] = {}
    for i in range(0, len(tokens), 5000):
        masks.update({str(tok): str(m) for tok, m in conn.execute(
            select(identity.c.id_token, identity.c.id_masked).where(identity.c.id_token.in_(tokens[i:i + 5000])))})
    return [w | {"id_masked": masks.get(str(w["id_token"]), ""), "colour_zh": COLOUR_ZH.get(str(w["colour"]), ""),
                 "owner_zh": OWNER_ZH.get(str(w["owner_level"]), str(w["owner_level"]))} for w in rows]


def due(conn: Connection, *, kind: str | None = None, township: str | None = None, overdue_only: bool = False,
        as_of: dt.date | None = None) -> list[dict[str, Any]]:
    rows = due_tasks(conn, as_of=as_of or dt.date.today(), kind=kind, township=township, overdue_only=overdue_only)
    out = []
    for r in rows:
        detail = json.loads(str(r["detail"] or "{}"))
        out.append({k: v for k, v in r.items() if k not in ("history", "id_token")}
                   | {"what": str(detail.get("why", "")) if isinstance(detail, dict) else ""})
    return out


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
    detail: str
    overdue: bool


class DueTask(BaseModel):
    id: int
    kind: str
    household_id: str | None
    township_code: str | None
    state: str
    opened_on: dt.date
    due_on: dt.date
    what: str
    overdue: bool


def _township(request: Request, principal: Principal, township: str | None) -> str | None:
    if township:
        ensure_township(request, principal, township)
    return township or scope_township(principal)


@router.get("/identify/candidates", response_model=CandidatePage)
def list_candidates(request: Request, year: int | None = Query(None, ge=2000, le=2100),
                    tier: str | None = Query(None, pattern="^(high|medium|low)$"),
                    not_on_roster: bool = False, township: str | None = Query(None, pattern=r"^\d{9}$"),
                    limit: int = Query(100, ge=1, le=1000), offset: int = Query(0, ge=0, le=10**9),
                    principal: Principal = Depends(authorize(Permission.IDENTIFY_READ))) -> CandidatePage:
    town = _township(request, principal, township)
    with engine_of(request).connect() as conn:
        run = latest_run(conn, year)
        if run is None:
            raise NotFound("no identification run yet; run `medaid identify`", "尚未进行精准识别，请先运行 medaid identify")
        total, rows = candidates(conn, int(run["id"]), tier=tier, not_on_roster=not_on_roster, township=town,
                                 limit=limit, offset=offset)
    return CandidatePage(run_id=run["id"], year=run["year"], model_id=run["model_id"], total=total,
                         items=[Candidate(**r) for r in rows])


@router.get("/identify/warnings", response_model=list[Warning])
def list_warning(request: Request, year: int = Query(default_factory=lambda: dt.date.today().year, ge=2000, le=2100),
                 colour: str | None = Query(None, pattern="^(red|yellow|blue)$"),
                 township: str | None = Query(None, pattern=r"^\d{9}$"),
                 principal: Principal = Depends(authorize(Permission.IDENTIFY_READ))) -> list[Warning]:
    town = _township(request, principal, township)
    with engine_of(request).connect() as conn:
        return [Warning(**w) for w in warnings(conn, year, colour=colour, township=town)]


@router.get("/identify/due", response_model=list[DueTask])
def list_due(request: Request, kind: str | None = Query(None, pattern="^[a-z_]{2,24}$"), overdue: bool = False,
             township: str | None = Query(None, pattern=r"^\d{9}$"),
             principal: Principal = Depends(authorize(Permission.IDENTIFY_READ))) -> list[DueTask]:
    town = _township(request, principal, township)
    with engine_of(request).connect() as conn:
        return [DueTask(**d) for d in due(conn, kind=kind, township=town, overdue_only=overdue)]

